"""Hugging Face backends on tiny random models built from configs (no downloads), in-process and through the server."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets
from serverharness import start_server

import hf_tiny
from biaslsp.models import LABELS, Engine, ModelLoadError

torch = pytest.importorskip("torch")
pytest.importorskip("peft")
CUDA = torch.cuda.is_available()
TEXT = "We want young, energetic rockstar ninjas. He/she must be a native English speaker.\nThe role involves preparing monthly financial reports."


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    dirs = {name: root / name for name in ("t5", "t5lora", "cls", "clslora", "cls_unnamed", "causal", "s2s")}
    for d in dirs.values():
        d.mkdir()
    hf_tiny.t5(dirs["t5"])
    hf_tiny.lora(dirs["t5"], dirs["t5lora"], "SEQ_2_SEQ_LM")
    hf_tiny.seqcls(dirs["cls"])
    hf_tiny.lora(dirs["cls"], dirs["clslora"], "SEQ_CLS")
    hf_tiny.seqcls(dirs["cls_unnamed"], named=False)
    hf_tiny.causal(dirs["causal"])
    hf_tiny.t5(dirs["s2s"], seed=5)
    return dirs


def test_parse_labels():
    from biaslsp.models.hf_classifiers import parse_labels

    assert parse_labels("age, masculine") == ("age", "masculine")
    assert parse_labels("Masculine;racial.\nneutral, bogus") == ("masculine", "racial")
    assert parse_labels("neutral") == () and parse_labels("") == ()


def test_seq2seq_classifier_scores_follow_what_it_generates(tiny):
    from biaslsp.models.hf_classifiers import Seq2SeqLabelClassifier, load_classifier

    clf = load_classifier(tiny["t5"], adapter=tiny["t5lora"])
    assert isinstance(clf, Seq2SeqLabelClassifier) and clf.name == "hf-seq2seq:t5+t5lora"
    assert not any("lora" in n for n, _ in clf.model.named_modules())  # merged at load time
    sentences = ["We want young ninjas.", "The role involves preparing monthly financial reports.", ""]
    scores = clf.predict(sentences)
    generated = clf.generate_labels([s or " " for s in sentences])
    for sc, gen in zip(scores, generated):
        assert set(sc) == set(LABELS) and all(0.0 <= v <= 1.0 for v in sc.values())
        assert {l for l, v in sc.items() if v >= 0.5} == set(gen)
    base = load_classifier(tiny["t5"])
    assert base.predict(sentences[:1]) != scores[:1]  # the adapter changes the model


def test_sequence_classifier_with_merged_adapter_equals_peft(tiny):
    from peft import PeftModel
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from biaslsp.models.hf_classifiers import SequenceClassifier, load_classifier

    clf = load_classifier(tiny["cls"], adapter=tiny["clslora"])
    assert isinstance(clf, SequenceClassifier)
    ref = PeftModel.from_pretrained(AutoModelForSequenceClassification.from_pretrained(str(tiny["cls"])), str(tiny["clslora"])).eval()
    tok = AutoTokenizer.from_pretrained(str(tiny["cls"]))
    sentence = "We want young energetic ninjas."
    with torch.no_grad():
        enc = tok([sentence], return_tensors="pt")
        enc.pop("token_type_ids", None)
        want = torch.sigmoid(ref(**enc).logits)[0].tolist()
    got = clf.predict([sentence])[0]
    assert [got[l] for l in LABELS] == pytest.approx(want, abs=1e-5)


def test_label_columns():
    from biaslsp.models.hf_classifiers import label_columns

    assert label_columns({0: "LABEL_0"}, 7) == {l: i for i, l in enumerate(LABELS)}
    assert label_columns({0: "racial", 1: "neutral", 2: "age"}, 3)["age"] == 2
    with pytest.raises(ModelLoadError, match="does not know"):
        label_columns({0: "age", 1: "spam"}, 2)
    with pytest.raises(ModelLoadError, match="expected 7"):
        label_columns({}, 3)


@pytest.mark.parametrize("kind", ["causal", "s2s"])
def test_rewriter_streams_its_greedy_candidate(tiny, kind):
    from biaslsp.models import Span, StreamingRewriter
    from biaslsp.models.hf_rewriter import clean, load_rewriter

    rw = load_rewriter(tiny[kind])
    assert isinstance(rw, StreamingRewriter) and rw.chat == (kind == "causal")
    sentence, spans = "We want young ninjas.", [Span(8, 13, "age", "young", "lexicon")]
    pieces = list(rw.stream(sentence, spans))
    assert pieces
    greedy = rw.candidates(sentence, spans, 1)
    assert greedy == ([clean("".join(pieces))] if clean("".join(pieces)) not in ("", sentence) else [])
    assert len(rw.candidates(sentence, spans, 3)) <= 3


def test_loader_errors_are_clear(tiny, tmp_path):
    from biaslsp.models.hf_classifiers import load_classifier
    from biaslsp.models.hf_common import resolve_device

    with pytest.raises(ModelLoadError, match="not a directory"):
        load_classifier(tmp_path / "missing")
    with pytest.raises(ModelLoadError, match="no config.json"):
        load_classifier(tmp_path)
    with pytest.raises(ModelLoadError, match="adapter_config.json"):
        load_classifier(tiny["t5"], adapter=tiny["cls"])
    if not CUDA:
        with pytest.raises(ModelLoadError, match="CUDA"):
            resolve_device("cuda")
        with pytest.raises(ModelLoadError, match="CUDA"):
            resolve_device("auto", "4bit")
        assert resolve_device("auto") == "cpu"


async def _rewrite_over_ws(srv, sentence: str) -> tuple[list[str], dict]:
    deltas = []
    async with websockets.connect(srv.ws_url()) as ws:
        await ws.send(json.dumps({"type": "rewrite", "id": "g", "text": sentence, "labels": ["age"], "n": 3}))
        async with asyncio.timeout(120):
            while True:
                m = json.loads(await ws.recv())
                if m["type"] == "rewrite.delta":
                    assert m["id"] == "g"
                    deltas.append(m["text"])
                else:
                    return deltas, m


@pytest.mark.parametrize("classifier, adapter, rewriter", [
    ("t5", "t5lora", "causal"),
    ("cls", "clslora", "s2s"),
    ("cls_unnamed", None, None),
])
def test_through_the_real_server(tiny, tmp_path, classifier, adapter, rewriter):
    from biaslsp.models.hf_classifiers import load_classifier
    from biaslsp.models.hf_rewriter import load_rewriter

    args = ["--classifier", str(tiny[classifier]), "--device", "cpu"]
    args += ["--adapter", str(tiny[adapter])] if adapter else []
    args += ["--rewriter", str(tiny[rewriter])] if rewriter else []
    engine = Engine(load_classifier(tiny[classifier], adapter=tiny[adapter] if adapter else None),
                    load_rewriter(tiny[rewriter]) if rewriter else None)
    srv = start_server(tmp_path, *args)
    try:
        c = srv.client()
        info = c.get("/v1/info").json()
        assert info["models"] == {"classifier": engine.classifier.name, "rewriter": engine.rewriter.name,
                                  "rewriter_streams": bool(rewriter)}
        assert info["device"] == "cpu"
        got = c.post("/v1/analyze", json={"text": TEXT, "rewrites": False}).json()
        want = engine.analyze(TEXT, rewrites=False).to_dict()
        assert [(s["start"], s["end"]) for s in got["sentences"]] == [(s["start"], s["end"]) for s in want["sentences"]]
        for g, w in zip(got["sentences"], want["sentences"]):
            assert g["scores"] == pytest.approx(w["scores"], abs=2e-3)
        r = c.post("/v1/rewrite", json={"text": "We want young ninjas.", "labels": ["age"], "n": 2})
        assert r.status_code == 200 and len(r.json()["candidates"]) <= 2
        assert all(k["source"] == engine.rewriter.name for k in r.json()["candidates"])
        deltas, done = asyncio.run(_rewrite_over_ws(srv, "We want young ninjas."))
        assert done["type"] == "rewrite.done" and done["id"] == "g"
        if rewriter:
            assert deltas  # tokens streamed before the verified result
            assert all(k["source"] == engine.rewriter.name and isinstance(k["verified"], bool) for k in done["candidates"])
        else:
            assert not deltas
        assert httpx.get(f"{srv.base}/health").status_code == 200
    finally:
        srv.stop()


@pytest.mark.gpu
@pytest.mark.skipif(not CUDA, reason="GPU test SKIPPED: no CUDA device on this machine (run on a GPU host)")
@pytest.mark.parametrize("quantize", ["none", "8bit", "4bit"])
def test_gpu_bf16_and_quantised_loading(tiny, quantize):
    from biaslsp.models.hf_classifiers import load_classifier

    if quantize != "none":
        pytest.importorskip("bitsandbytes", reason="bitsandbytes not installed")
    clf = load_classifier(tiny["t5"], adapter=tiny["t5lora"], device="cuda", quantize=quantize)
    scores = clf.predict(["We want young ninjas."] * 4)
    assert len(scores) == 4 and all(0 <= v <= 1 for v in scores[0].values())
    if quantize == "none":
        assert next(clf.model.parameters()).dtype == torch.bfloat16
