"""Random websocket *sequences* (hypothesis): analyze/cancel/ping on a few documents with new and
stale versions, sent back to back. Afterwards every analyze got exactly one `done`, nothing of a
version follows its `done`, stale versions are marked stale, the last version of a document
that was not cancelled finishes, and sentence offsets belong to that version's text.
(Single random frames: tests/test_server_load.py::test_any_frame_gets_an_answer_and_the_connection_survives.)"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from serverharness import start_server
from websockets.sync.client import connect

from biaslsp.server.documents import segment

from conftest import BIASED, LIFT, NATIVE

SENTENCES = [BIASED, NATIVE, LIFT, "The role involves preparing monthly reports.", "Ünïcödé 😀 text here.", "", "\n\n"]
actions = st.lists(st.one_of(
    st.tuples(st.just("analyze"), st.sampled_from(["a", "b", 3]), st.booleans(), st.lists(st.sampled_from(SENTENCES), max_size=4)),
    st.tuples(st.just("cancel"), st.sampled_from(["a", "b", 3])),
    st.tuples(st.just("ping")),
), min_size=1, max_size=12)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("fuzzws"), "--set", "ws_rate=100000", "--set", "ws_burst=100000")
    yield srv
    srv.stop()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seq=actions)
def test_random_sequences_keep_the_protocol(server, seq, figures):
    latest: dict = {}
    texts: dict = {}
    expected, stale, last_op, pings = [], set(), {}, 0
    with connect(server.ws_url(), open_timeout=30, max_size=None) as ws:
        for act in seq:
            if act[0] == "analyze":
                _, doc, go_back, parts = act
                # new versions step by 100; a stale one is below the latest and never sent before
                v = latest.get(doc, 0) - 1 - len(stale) if go_back and latest.get(doc, 0) >= 100 else latest.get(doc, 0) + 100
                if v > latest.get(doc, 0):
                    latest[doc] = v
                else:
                    stale.add((doc, v))
                text = " ".join(parts)
                texts[(doc, v)] = text
                expected.append((doc, v))
                last_op[doc] = "analyze" if (doc, v) not in stale else last_op.get(doc, "analyze")
                ws.send(json.dumps({"type": "analyze", "doc": doc, "version": v, "text": text}))
            elif act[0] == "cancel":
                doc = act[1]
                last_op[doc] = "cancel" if doc in latest else last_op.get(doc)
                ws.send(json.dumps({"type": "cancel", "doc": doc}))
            else:
                pings += 1
                ws.send(json.dumps({"type": "ping"}))
        dones: dict = {}
        pongs = 0
        while len(dones) < len(expected) or pongs < pings:
            m = json.loads(ws.recv(timeout=120))
            if m["type"] == "pong":
                pongs += 1
                continue
            assert m["type"] in ("sentence", "done"), m
            key = (m["doc"], m["version"])
            assert key in texts and key not in dones, m  # only versions sent, nothing after their done
            if m["type"] == "done":
                dones[key] = m
            else:
                assert (m["start"], m["end"]) in {(s.start, s.end) for s in segment(texts[key], "text")}
    assert sorted(dones, key=str) == sorted(expected, key=str)  # exactly one done per analyze
    for key in stale:
        assert dones[key].get("stale") is True
    for doc, v in latest.items():
        if last_op.get(doc) == "analyze":
            assert not dones[(doc, v)].get("cancelled"), (doc, v, seq)
    figures.setdefault("fuzz_ws_sequences", {"sequences": 0, "messages": 0})
    figures["fuzz_ws_sequences"]["sequences"] += 1
    figures["fuzz_ws_sequences"]["messages"] += len(seq)
