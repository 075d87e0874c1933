"""REST API, security gate, token file and `biaslsp serve`/`token` CLI, against a real server."""

from __future__ import annotations

import os
import stat

import httpx
import pytest
from serverharness import BIASED, NEUTRAL, ORIGIN, run_cli, start_server

from biaslsp.models import LABELS, default_engine



@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("api"), "--allow-origin", ORIGIN, "--set", "max_text_chars=5000",
                       "--set", "max_body_bytes=20000")
    yield srv
    srv.stop()


def test_health_needs_no_token_but_everything_else_does(server):
    assert httpx.get(f"{server.base}/health").json() == {"status": "ok"}
    for path in ("/v1/info", "/v1/stats", "/openapi.json"):
        r = httpx.get(server.base + path)
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
        r = httpx.get(server.base + path, headers={"Authorization": "Bearer " + server.token[:-1] + "x"})
        assert r.status_code == 401
        assert httpx.get(server.base + path, headers=server.auth).status_code == 200


def test_info_lists_labels_models_device_limits(server):
    info = server.client().get("/v1/info").json()
    engine = default_engine()
    assert info["labels"] == list(LABELS)
    assert info["models"] == {"classifier": engine.classifier.name, "rewriter": engine.rewriter.name, "rewriter_streams": False}
    assert info["device"] == "cpu"
    assert info["limits"]["max_text_chars"] == 5000 and info["limits"]["max_body_bytes"] == 20000


def test_analyze_matches_the_engine(server):
    text = f"{BIASED}\n\n{NEUTRAL}"
    got = server.client().post("/v1/analyze", json={"text": text}).json()
    assert got == _jsonable(default_engine().analyze(text).to_dict())
    flagged = [s for s in got["sentences"] if s["labels"]]
    assert flagged and all(s["start"] < s["end"] for s in got["sentences"])
    assert not [s for s in got["sentences"] if s["text"] == NEUTRAL][0]["labels"]


def test_analyze_markdown_keeps_offsets(server):
    text = "# Job\n\nWe want `young` **rockstar ninjas**. See https://example.com/young now.\n"
    got = server.client().post("/v1/analyze", json={"text": text, "format": "markdown", "rewrites": False}).json()
    assert got == _jsonable(default_engine().analyze(text, fmt="markdown", rewrites=False).to_dict())
    for s in got["sentences"]:
        assert text[s["start"]:s["end"]] == s["text"]


def test_rewrite_matches_the_engine(server):
    sentence = "He/she must be a native English speaker."
    got = server.client().post("/v1/rewrite", json={"text": sentence, "n": 2}).json()
    want = [_jsonable(_asdict(r)) for r in default_engine().rewrite(sentence, n=2)]
    assert got == {"candidates": want}


def test_openapi_schema_is_valid(server):
    from openapi_spec_validator import validate

    spec = server.client().get("/openapi.json").json()
    validate(spec)
    assert {"/health", "/v1/info", "/v1/analyze", "/v1/rewrite"} <= set(spec["paths"])


@pytest.mark.parametrize("host", ["evil.example:{port}", "localhost:1", "localhost", "", "127.0.0.1.evil.com:{port}"])
def test_foreign_host_headers_are_refused(server, host):
    r = httpx.get(f"{server.base}/v1/info", headers={**server.auth, "Host": host.format(port=server.port)})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("host", ["localhost:{port}", "127.0.0.1:{port}", "[::1]:{port}"])
def test_loopback_host_headers_are_accepted(server, host):
    r = httpx.get(f"{server.base}/v1/info", headers={**server.auth, "Host": host.format(port=server.port)})
    assert r.status_code == 200


def test_origin_allow_list(server):
    assert server.client().get("/v1/info", headers={"Origin": ORIGIN}).status_code == 200
    for origin in ("https://evil.example", "null", ORIGIN + "x", "chrome-extension://other"):
        r = server.client().get("/v1/info", headers={"Origin": origin})
        assert r.status_code == 403, origin


def test_bad_requests_get_clear_errors(server):
    c = server.client()
    r = c.post("/v1/analyze", json={"text": 5})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_request" and "text" in r.json()["error"]["message"]
    r = c.post("/v1/analyze", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_request"
    r = c.post("/v1/analyze", json={"text": "x" * 6000})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    r = c.post("/v1/analyze", json={"text": "y" * 30000})
    assert r.status_code == 413 and "body" in r.json()["error"]["message"]
    r = c.post("/v1/rewrite", json={"text": "hi", "n": 100})
    assert r.status_code == 422
    r = c.post("/v1/analyze", content=b'{"text": "\xff\xfe"}', headers={"content-type": "application/json"})
    assert r.status_code in (400, 422) and r.json()["error"]["code"] == "bad_request"
    assert c.get("/nope").status_code == 404
    assert c.get("/health").status_code == 200  # still serving


def test_token_file_is_private_and_printed_by_the_cli(server, tmp_path):
    path = server.config_dir / "token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(server.config_dir.stat().st_mode) == 0o700
    out = run_cli(server.config_dir.parent, "token")
    assert out.returncode == 0 and out.stdout.strip() == server.token
    fresh = run_cli(tmp_path, "token")
    assert fresh.returncode == 0 and len(fresh.stdout.strip()) >= 32 and fresh.stdout.strip() != server.token
    assert stat.S_IMODE((tmp_path / "config" / "token").stat().st_mode) == 0o600


def test_logs_hold_no_user_text_and_no_token(server):
    secret = "Zyxwvut quokka-herder must be young and energetic."
    server.client().post("/v1/analyze", json={"text": secret})
    log = server.log()
    assert "classifier: " in log and "device: cpu" in log and f":{server.port}" in log
    assert "quokka" not in log and server.token not in log


def test_rest_rate_limit(tmp_path):
    srv = start_server(tmp_path, "--set", "rest_rate=1", "--set", "rest_burst=3")
    try:
        codes = [httpx.get(f"{srv.base}/v1/info", headers=srv.auth).status_code for _ in range(8)]
        assert codes[:3] == [200, 200, 200] and 429 in codes
        assert httpx.get(f"{srv.base}/health").status_code == 200
    finally:
        srv.stop()


@pytest.mark.parametrize("args, message", [
    (["--host", "0.0.0.0"], "--allow-remote"),
    (["--quantize", "4bit", "--classifier", "/nonexistent"], "CUDA"),
    (["--device", "cuda"], "cuda"),
    (["--adapter", "/tmp"], "--classifier"),
    (["--classifier", "/nonexistent/model"], "not a directory"),
    (["--allow-origin", "chrome-extension://*"], "wildcard"),
    (["--set", "bogus=1"], "KEY=VALUE"),
])
def test_serve_refuses_impossible_options_clearly(tmp_path, monkeypatch, capsys, args, message):
    from biaslsp.cli import main

    monkeypatch.setenv("BIASLSP_CONFIG_DIR", str(tmp_path / "config"))
    assert main(["serve", "--port", "1", *args]) == 2
    err = capsys.readouterr().err
    assert message.lower() in err.lower() and "Traceback" not in err


def _asdict(obj):
    from dataclasses import asdict

    return asdict(obj)


def _jsonable(obj):
    """What JSON makes of a Python structure (tuples become lists)."""
    import json

    return json.loads(json.dumps(obj))


if os.environ.get("BIASLSP_ALLOWED_ORIGINS"):  # the harness clears it for the server; keep tests hermetic
    pytest.skip("unset BIASLSP_ALLOWED_ORIGINS to run the server tests", allow_module_level=True)
