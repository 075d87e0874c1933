"""`biaslsp check --server URL`: a running `biaslsp serve` analyses, with the same report as the
model run in-process; when it is down the model runs here; only loopback URLs are accepted."""

from __future__ import annotations

from pathlib import Path

import pytest
from serverharness import run_cli, start_server

ROOT = Path(__file__).resolve().parents[1]
AD = ROOT / "examples" / "job-ad.md"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = start_server(tmp_path_factory.mktemp("check-server"))
    yield s
    s.stop()


def test_check_with_a_running_server_gives_the_in_process_report(server):
    tmp = server.config_dir.parent  # run_cli uses this config dir, so it holds the server's token
    local = run_cli(tmp, "check", "--format", "json", str(AD))
    before = server.stats()["sentences"]
    remote = run_cli(tmp, "check", "--format", "json", "--server", server.base, str(AD))
    assert remote.returncode == local.returncode == 1, remote.stderr
    assert "not used" not in remote.stderr, remote.stderr
    assert server.stats()["sentences"] > before  # the server analysed it, nothing was computed here instead
    assert remote.stdout == local.stdout


def test_check_server_from_the_environment_and_without_rewrites(server, monkeypatch):
    tmp = server.config_dir.parent
    monkeypatch.setenv("BIASLSP_SERVER_URL", f"ws://127.0.0.1:{server.port}")
    remote = run_cli(tmp, "check", "--format", "json", "--no-rewrites", "-", input_text="We want young rockstars.\n")
    monkeypatch.delenv("BIASLSP_SERVER_URL")
    local = run_cli(tmp, "check", "--format", "json", "--no-rewrites", "-", input_text="We want young rockstars.\n")
    assert "not used" not in remote.stderr and remote.returncode == 1, remote.stderr
    assert remote.stdout == local.stdout and '"suggestions": []' in remote.stdout


def test_check_falls_back_to_the_model_here_when_no_server_answers(tmp_path):
    from serverharness import free_port

    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "token").write_text("a" * 43, encoding="utf-8")
    out = run_cli(tmp_path, "check", "--server", f"http://127.0.0.1:{free_port()}", "-", input_text="We want young rockstars.\n")
    assert out.returncode == 1 and "rockstars" in out.stdout
    assert "was not used" in out.stderr and "the model ran here" in out.stderr


def test_check_refuses_a_server_that_is_not_on_this_machine(tmp_path):
    out = run_cli(tmp_path, "check", "--server", "http://example.com:8750", "-", input_text="We want young rockstars.\n")
    assert out.returncode == 2 and "must be on this machine" in out.stderr and not out.stdout
