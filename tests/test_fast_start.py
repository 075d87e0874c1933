"""Start-up without waiting: the CLI answers --help/--version/usage/size errors without loading
spaCy or a model runtime, and `biaslsp serve` answers `loading` while its model loads."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest
from serverharness import free_port

HEAVY = ("spacy", "torch", "onnxruntime", "transformers", "fastapi")


def _modules_after(argv: list[str], stdin: str = "") -> tuple[int, set[str], str]:
    """Run biaslsp.cli.main(argv) in a fresh interpreter; its exit code, the heavy modules it imported, stderr."""
    code = (
        "import sys\n"
        "from biaslsp.cli import main\n"
        "try:\n    rc = main(sys.argv[1:])\nexcept SystemExit as e:\n    rc = e.code\n"
        f"print('MODULES', ' '.join(m for m in {HEAVY!r} if m in sys.modules))\n"
        "sys.exit(rc)\n"
    )
    r = subprocess.run([sys.executable, "-c", code, *argv], input=stdin, capture_output=True, text=True, timeout=120)
    line = [l for l in r.stdout.splitlines() if l.startswith("MODULES")][-1]
    return r.returncode, set(line.split()[1:]), r.stderr


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["check", "--help"], ["serve", "--help"], ["check"], ["nonsense"], []])
def test_help_version_and_usage_errors_load_nothing_heavy(argv):
    rc, heavy, _ = _modules_after(argv)
    assert rc in (0, 2) and not heavy, heavy


def test_an_oversized_file_is_refused_before_the_model_loads(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("We are hiring. " * 70_000, encoding="utf-8")  # 1,050,000 characters
    rc, heavy, err = _modules_after(["check", str(big)])
    assert rc == 2 and "limit is 1,000,000" in err
    assert not heavy, heavy


def test_serve_answers_loading_until_the_model_is_ready(tmp_path):
    port = free_port()
    env = {**os.environ, "BIASLSP_CONFIG_DIR": str(tmp_path / "config"), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "biaslsp", "serve", "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)
    base, seen, analyze_while_loading = f"http://127.0.0.1:{port}", [], None
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                r = httpx.get(f"{base}/health", timeout=2)
            except httpx.TransportError:
                time.sleep(0.02)
                continue
            seen.append((r.status_code, r.json()))
            if r.status_code == 200:
                break
            if analyze_while_loading is None:
                token = (tmp_path / "config" / "token").read_text().strip()
                analyze_while_loading = httpx.post(f"{base}/v1/analyze", json={"text": "Hi."}, headers={"Authorization": f"Bearer {token}"}, timeout=5)
            time.sleep(0.02)
        assert seen[0] == (503, {"status": "loading"}), seen[:3]
        assert seen[-1] == (200, {"status": "ok"})
        assert analyze_while_loading.status_code == 503 and analyze_while_loading.json()["error"]["code"] == "loading"
        assert analyze_while_loading.headers["retry-after"] == "1"
        token = (tmp_path / "config" / "token").read_text().strip()
        r = httpx.post(f"{base}/v1/analyze", json={"text": "We want young rockstars."}, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        assert r.status_code == 200 and "age" in r.json()["labels"]
    finally:
        proc.terminate()  # our own child, by its handle
        proc.wait(timeout=30)
