"""A real editor: headless Neovim's built-in LSP client applies a biaslsp quick fix."""

from __future__ import annotations

import json
import re
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from biaslsp.models import default_engine

from lsp_helpers import NATIVE, NEUTRAL, SERVER_CMD

NVIM = shutil.which("nvim")
SCRIPT = Path(__file__).with_name("nvim_quickfix.lua")

if NVIM is None:
    if os.environ.get("CI"):
        raise RuntimeError("nvim is missing: scripts/deps/lsp.sh installs it (apt-get install neovim)")
    pytest.skip("nvim not installed (scripts/deps/lsp.sh installs it)", allow_module_level=True)


def test_neovim_receives_diagnostics_and_applies_quick_fix(tmp_path):
    prefix = "🚀 招聘. "  # its own sentence, so it does not change what the model sees in the next one
    lines = ["# Backend engineer", "", NEUTRAL, prefix + NATIVE, "Flexible working hours."]
    ad = tmp_path / "job-ad.txt"
    ad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report_path = tmp_path / "report.json"
    env = {
        **os.environ,
        "BIASLSP_CMD": json.dumps(SERVER_CMD),
        "BIASLSP_FILE": str(ad),
        "BIASLSP_REPORT": str(report_path),
        "BIASLSP_LINE": "3",
        "HOME": str(tmp_path),  # no user config
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    proc = subprocess.run(
        [NVIM, "--headless", "--clean", "-n", "-c", f"luafile {SCRIPT}"],
        env=env, capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL,
    )
    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    assert proc.returncode == 0 and report.get("stage") == "done", (proc.returncode, report, proc.stderr[-2000:])
    assert report["diagnostics"] and all(d["source"] == "biaslsp" for d in report["diagnostics"])
    assert {d["lnum"] for d in report["diagnostics"]} == {3}
    # compare with the engine run here: the file now holds one of the sentence's rewrites
    text = ad.read_text(encoding="utf-8")
    sentence = next(s for s in default_engine().analyze("\n".join(lines) + "\n").sentences if NATIVE in s.text or s.text in NATIVE)
    new_lines = text.split("\n")
    assert new_lines[:3] == lines[:3] and new_lines[4] == lines[4]
    assert new_lines[3] != lines[3]
    assert new_lines[3].startswith(prefix), "the edit must land after the emoji and CJK (UTF-16 columns)"
    assert new_lines[3][len(prefix):] == report["rewrite"].strip() or new_lines[3] == report["rewrite"]
    assert report["rewrite"] in {r.text for r in sentence.rewrites} | {prefix + r.text for r in sentence.rewrites}
    assert report["rewrite"].strip() in report["action"]


README = Path(__file__).resolve().parents[2] / "lsp" / "README.md"
WAIT = Path(__file__).with_name("nvim_wait_diagnostics.lua")


def readme_snippets() -> dict[str, str]:
    """The Lua blocks of lsp/README.md's Neovim section, by their `nvim-snippet` marker."""
    text = README.read_text(encoding="utf-8")
    return dict(re.findall(r"<!-- nvim-snippet: (.+?) -->\n```lua\n(.*?)```", text, re.S))


def nvim_version() -> tuple[int, int]:
    out = subprocess.run([NVIM, "--version"], capture_output=True, text=True, timeout=30).stdout
    major, minor = re.search(r"NVIM v(\d+)\.(\d+)", out).groups()
    return int(major), int(minor)


def test_readme_documents_lspconfig_and_vim_lsp_start_setups():
    snippets = readme_snippets()
    assert set(snippets) == {"lspconfig (needs nvim-lspconfig)", "vim.lsp.start (0.8)", "start_client (0.7)"}
    assert 'require("lspconfig")' in snippets["lspconfig (needs nvim-lspconfig)"]
    assert "vim.lsp.start({" in snippets["vim.lsp.start (0.8)"]
    for code in snippets.values():
        assert '{ "biaslsp", "--stdio" }' in code


def test_documented_snippet_gives_diagnostics_in_headless_neovim(tmp_path):
    """The README's setup for the installed Neovim, as a user's init.lua, with `biaslsp` on PATH."""
    snippets = readme_snippets()
    name = "vim.lsp.start (0.8)" if nvim_version() >= (0, 8) else "start_client (0.7)"
    init = tmp_path / "init.lua"
    init.write_text(snippets[name], encoding="utf-8")
    ad = tmp_path / "job-ad.md"
    ad.write_text(f"# Backend engineer\n\n{NEUTRAL}\n\n{NATIVE}\n", encoding="utf-8")
    report_path = tmp_path / "report.json"
    bindir = Path(sys.executable).parent
    assert (bindir / "biaslsp").exists(), "the biaslsp script should be installed beside this Python"
    env = {
        **os.environ,
        "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
        "BIASLSP_REPORT": str(report_path),
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    proc = subprocess.run(
        [NVIM, "--headless", "-n", "-u", str(init), "-c", f"luafile {WAIT}", str(ad)],
        env=env, capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL, cwd=tmp_path,
    )
    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    assert report.get("stage") == "done", (name, proc.returncode, report, proc.stderr[-2000:])
    assert report["filetype"] == "markdown" and report["clients"] == ["biaslsp"]
    assert {d["lnum"] for d in report["diagnostics"]} == {4}
    for d in report["diagnostics"]:
        assert d["source"] == "biaslsp" and "\n" not in d["message"] and len(d["message"]) <= 80
