"""The VS Code extension's manifest mirrors the server's configuration and starts it over stdio."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
from dataclasses import fields
from pathlib import Path

import pytest

from biaslsp.lsp import config
from biaslsp.models import LABELS

EXT = Path(__file__).resolve().parents[2] / "lsp" / "vscode"
MANIFEST = json.loads((EXT / "package.json").read_text())
# server settings with no editor counterpart: the per-category severity table lives only in .biaslsp.toml
TOML_ONLY = {"severities"}
EDITOR_ONLY = {"path", "trace.server", "enable", "checkFrequency"}


def props():
    return MANIFEST["contributes"]["configuration"]["properties"]


def test_configuration_mirrors_server_settings():
    server_keys = {f.name for f in fields(config.Settings)} - TOML_ONLY
    assert {k.removeprefix("biaslsp.") for k in props()} == server_keys | EDITOR_ONLY


def test_defaults_and_enums_match_the_server():
    defaults = config.Settings()
    for key in {f.name for f in fields(config.Settings)} - TOML_ONLY:
        got = props()[f"biaslsp.{key}"]["default"]
        want = defaults.__getattribute__(key)
        assert (list(want) if isinstance(want, tuple) else want) == got, key
    assert props()["biaslsp.categories"]["items"]["enum"] == list(LABELS)
    assert set(props()["biaslsp.severity"]["enum"]) <= set(config.SEVERITIES)


def test_extension_sends_every_setting_to_the_server():
    source = (EXT / "src" / "extension.js").read_text()
    listed = re.search(r"for \(const key of \[(.*?)\]\)", source, re.S).group(1)
    sent = set(re.findall(r'"(\w+)"', listed))
    assert sent == {f.name for f in fields(config.Settings)} - TOML_ONLY


def test_activation_main_and_stdio():
    assert {"onLanguage:plaintext", "onLanguage:markdown", "onLanguage:html"} <= set(MANIFEST["activationEvents"])
    assert MANIFEST["main"] == "./dist/extension.js"  # the esbuild bundle, built by `npm run compile`
    source = (EXT / "src" / "extension.js").read_text()
    assert "vscode-languageclient/node" in source and '"--stdio"' in source
    assert 'configurationSection: "biaslsp"' in source and ".biaslsp.toml" in source
    assert "vscode-languageclient" in MANIFEST["dependencies"]
    assert MANIFEST["engines"]["vscode"].startswith("^1.")
    assert "vsce package" in MANIFEST["scripts"]["package"]
    assert (EXT / "LICENSE").is_file() and (EXT / "README.md").is_file()


def test_executable_and_token_cannot_come_from_a_workspace():
    """A workspace's .vscode/settings.json must not choose the program VS Code runs, nor where
    the text and the token go (the language server cannot tell user from workspace settings)."""
    assert props()["biaslsp.path"]["scope"] == "machine"
    assert props()["biaslsp.serverToken"]["scope"] == "machine"
    assert props()["biaslsp.serverUrl"]["scope"] == "machine"


def test_debug_launch_arguments_are_accepted_by_the_cli():
    """The debug server options run `<path> --stdio -v`: the CLI must parse exactly that."""
    from biaslsp.cli import build_parser

    source = (EXT / "src" / "extension.js").read_text()
    debug = re.search(r"debug: \{ command, args: \[(.*?)\]", source).group(1)
    args = re.findall(r'"([^"]+)"', debug)
    assert "-v" in args
    parsed = build_parser().parse_args(args)
    assert parsed.stdio and parsed.verbose


def test_enable_frequency_commands_status_and_icon():
    assert props()["biaslsp.enable"] == {**props()["biaslsp.enable"], "type": "boolean", "default": True}
    assert props()["biaslsp.checkFrequency"]["enum"] == ["onType", "onSave"]
    commands = {c["command"]: c["title"] for c in MANIFEST["contributes"]["commands"]}
    assert commands["biaslsp.check"] == "biaslsp: Check document"
    assert commands["biaslsp.summary"] == "biaslsp: Show summary"
    source = (EXT / "src" / "extension.js").read_text()
    for command in commands:
        assert f'registerCommand("{command}"' in source, command
    assert "onDidChangeActiveTextEditor" in source and "summaries.get(editor.document.uri" in source
    assert "diagnosticPullOptions: { onChange: onType" in source
    icon = (EXT / MANIFEST["icon"]).read_bytes()
    assert icon[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", icon[16:24]) == (128, 128)


def _tools():
    esbuild, vsce = EXT / "node_modules" / ".bin" / "esbuild", EXT / "node_modules" / ".bin" / "vsce"
    if not (esbuild.exists() and vsce.exists() and shutil.which("node")):
        pytest.skip("SKIPPED: run `npm install` in lsp/vscode to build and package the extension")
    return esbuild, vsce


def test_esbuild_bundle_builds_and_the_vsix_holds_a_few_files(tmp_path):
    _tools()
    env = {**os.environ, "npm_config_offline": "true"}
    built = subprocess.run(["npm", "run", "--silent", "compile"], cwd=EXT, capture_output=True, text=True, timeout=300, env=env)
    assert built.returncode == 0, built.stderr
    bundle = (EXT / "dist" / "extension.js").read_text()
    assert "vscode-languageclient" not in re.findall(r'require\("([^"]+)"\)', bundle)  # bundled in
    assert set(re.findall(r'require\("(vscode[^"]*)"\)', bundle)) == {"vscode"}
    listed = subprocess.run([str(EXT / "node_modules" / ".bin" / "vsce"), "ls", "--no-dependencies"], cwd=EXT,
                            capture_output=True, text=True, timeout=300, env=env)
    assert listed.returncode == 0, listed.stderr
    files = set(listed.stdout.split())
    assert files == {"package.json", "README.md", "LICENSE", "images/icon.png", "dist/extension.js"}, files
