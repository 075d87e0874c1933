"""Faults: a model that raises or runs out of memory on one batch, and a model server killed
mid-stream under the language server.

A client that stops reading is covered by tests/test_server_stream.py
(test_a_client_that_never_reads_is_dropped_and_others_carry_on); the extension's offline
badge and reconnect by tests/test_browser_extension.py (test_offline_badge_and_reconnect).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

import httpx
import pytest
import websockets
from faulty_serve import RAISE_MARK
from serverharness import start_server, until_done

from biaslsp.models import default_engine
from biaslsp.server.config import SchedulerSettings
from biaslsp.server.scheduler import BACKGROUND, Scheduler, Ticket

from conftest import BIASED, HERE, LIFT, NATIVE

OOM_ABOVE = 8


def unique(n: int, tag: str) -> list[str]:
    return [f"Section {i} of the {tag} handbook explains how expense claims for team {i} are filed." for i in range(n)]


async def run_version(url: str, doc: str, version: int, text: str, timeout: float = 180) -> tuple[list[dict], dict]:
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"type": "analyze", "doc": doc, "version": version, "text": text}))
        return await until_done(ws, doc, version, timeout)


def faulty_server(tmp, oom_above: int = 0):
    env_before = os.environ.get("BIASLSP_FAULT_OOM_ABOVE")
    os.environ["BIASLSP_FAULT_OOM_ABOVE"] = str(oom_above)  # read by the launcher in the child
    try:
        return start_server(tmp, "--set", "recover_batches=100000", "--set", "linger_s=0.05",
                            command=[sys.executable, str(HERE / "faulty_serve.py")])
    finally:
        if env_before is None:
            os.environ.pop("BIASLSP_FAULT_OOM_ABOVE")
        else:
            os.environ["BIASLSP_FAULT_OOM_ABOVE"] = env_before


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    srv = faulty_server(tmp_path_factory.mktemp("faults"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def oom(tmp_path_factory):
    srv = faulty_server(tmp_path_factory.mktemp("oom"), OOM_ABOVE)
    yield srv
    srv.stop()


async def test_a_model_that_raises_fails_only_that_request(faulty, figures):
    before = faulty.stats()
    bad = " ".join([*unique(5, "raise"), f"The {RAISE_MARK} line is here.", NATIVE])
    good = " ".join([*unique(5, "bystander"), LIFT])
    (bad_frames, bad_done), (good_frames, good_done) = await asyncio.gather(
        run_version(faulty.ws_url(), "bad", 1, bad), run_version(faulty.ws_url(), "good", 1, good))
    errors = [f for f in bad_frames if f["type"] == "error"]
    assert [(e["code"], e["doc"], e["version"]) for e in errors] == [("model_error", "bad", 1)]
    assert bad_done["cancelled"] is True and bad_done["error"] == "model_error"
    # the other client's request, batched alongside, is unaffected
    assert "cancelled" not in good_done and len([f for f in good_frames if f["type"] == "sentence"]) == 6
    assert not [f for f in good_frames if f["type"] == "error"]
    after = faulty.stats()
    assert after["model_errors"] > before["model_errors"] and after["failed_sentences"] == before["failed_sentences"] + 1
    # ... and the server keeps serving: the same doc without the trigger, and REST
    frames, done = await run_version(faulty.ws_url(), "bad", 2, bad.replace(RAISE_MARK, "ordinary"))
    assert "cancelled" not in done and len([f for f in frames if f["type"] == "sentence"]) == 7
    with faulty.client() as c:
        r = c.post("/v1/analyze", json={"text": f"A {RAISE_MARK} sentence."})
        assert r.status_code == 500 and r.json()["error"]["code"] == "model_error"
        assert c.post("/v1/analyze", json={"text": BIASED}).status_code == 200
    figures["fault_model_raises"] = {"errors_to_that_request": len(errors), "bystander_sentences": 6,
                                     "model_errors": after["model_errors"] - before["model_errors"]}


async def test_out_of_memory_backs_off_the_batch_size_and_nothing_is_lost(oom, figures):
    before = oom.stats()
    text = " ".join(unique(60, "oom"))
    frames, done = await run_version(oom.ws_url(), "big", 1, text)
    assert "cancelled" not in done and not [f for f in frames if f["type"] == "error"]
    assert len([f for f in frames if f["type"] == "sentence"]) == 60  # every sentence answered
    mid = oom.stats()
    assert mid["model_errors"] > before["model_errors"] and mid["backoffs"] > before["backoffs"]
    assert mid["batch_limit"] <= OOM_ABOVE and mid["failed_sentences"] == before["failed_sentences"]
    # the smaller batch size holds: the next document runs without a single failure
    frames, done = await run_version(oom.ws_url(), "big", 2, " ".join(unique(40, "after")))
    after = oom.stats()
    assert "cancelled" not in done and after["model_errors"] == mid["model_errors"]
    assert after["model_sentences"] - mid["model_sentences"] == 40
    figures["fault_out_of_memory"] = {"sentences": 100, "lost": 0, "oom_batches": mid["model_errors"] - before["model_errors"],
                                      "batch_limit_after": mid["batch_limit"], "max_batch": 64}


async def test_batch_size_recovers_after_good_batches():
    """The scheduler alone, on the real engine: one failure halves the caps; good batches double them back."""
    engine = default_engine()
    calls = []

    def run(sentences, rewrites):
        calls.append(len(sentences))
        if len(calls) == 1:
            raise MemoryError("injected: out of memory once")
        return engine.analyze_sentences(sentences, rewrites=rewrites)

    sched = Scheduler(run, SchedulerSettings(linger_s=0.0, max_batch=16, recover_batches=2))
    first = sched.submit(unique(16, "recover"), [BACKGROUND] * 16, Ticket(), rewrites=False)
    sched.start()
    try:
        assert len(await asyncio.gather(*first)) == 16
        assert sched.batch_limit == 8 and calls[:3] == [16, 8, 8]  # failed, then retried in halves
        for k in range(6):
            await asyncio.gather(*sched.submit(unique(8, f"more{k}"), [BACKGROUND] * 8, Ticket(), rewrites=False))
    finally:
        sched.stop()
    assert sched.batch_limit == 16 and sched.snapshot()["backoffs"] == 1


@pytest.mark.parametrize("name", ["faulty", "oom"])
def test_server_logs_hold_no_user_text_after_faults(request, name):
    srv = request.getfixturevalue(name)
    log = srv.log()
    assert "handbook" not in log and RAISE_MARK not in log and "native English" not in log and srv.token not in log
    assert httpx.get(f"{srv.base}/health").json() == {"status": "ok"}
