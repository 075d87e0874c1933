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
    from biaslsp.models.hf.classifiers import parse_labels

    assert parse_labels("age, masculine") == ("age", "masculine")
    assert parse_labels("Masculine;racial.\nneutral, bogus") == ("masculine", "racial")
    assert parse_labels("neutral") == () and parse_labels("") == ()


def test_seq2seq_classifier_scores_follow_what_it_generates(tiny):
    from biaslsp.models.hf.classifiers import Seq2SeqLabelClassifier, load_classifier

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

    from biaslsp.models.hf.classifiers import SequenceClassifier, load_classifier

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
    from biaslsp.models.hf.classifiers import label_columns

    assert label_columns({0: "LABEL_0"}, 7) == {l: i for i, l in enumerate(LABELS)}
    assert label_columns({0: "racial", 1: "neutral", 2: "age"}, 3)["age"] == 2
    with pytest.raises(ModelLoadError, match="does not know"):
        label_columns({0: "age", 1: "spam"}, 2)
    with pytest.raises(ModelLoadError, match="expected 7"):
        label_columns({}, 3)


@pytest.mark.parametrize("kind", ["causal", "s2s"])
def test_rewriter_streams_its_greedy_candidate(tiny, kind):
    from biaslsp.models import Span, StreamingRewriter
    from biaslsp.models.hf.rewriter import clean, load_rewriter

    rw = load_rewriter(tiny[kind])
    assert isinstance(rw, StreamingRewriter) and rw.chat == (kind == "causal")
    sentence, spans = "We want young ninjas.", [Span(8, 13, "age", "young", "lexicon")]
    pieces = list(rw.stream(sentence, spans))
    assert pieces
    greedy = rw.candidates(sentence, spans, 1)
    assert greedy == ([clean("".join(pieces))] if clean("".join(pieces)) not in ("", sentence) else [])
    assert len(rw.candidates(sentence, spans, 3)) <= 3


def test_loader_errors_are_clear(tiny, tmp_path):
    from biaslsp.models.hf.classifiers import load_classifier
    from biaslsp.models.hf.common import resolve_device

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
    from biaslsp.models.hf.classifiers import load_classifier
    from biaslsp.models.hf.rewriter import load_rewriter

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
    from biaslsp.models.hf.classifiers import load_classifier

    if quantize != "none":
        pytest.importorskip("bitsandbytes", reason="bitsandbytes not installed")
    clf = load_classifier(tiny["t5"], adapter=tiny["t5lora"], device="cuda", quantize=quantize)
    scores = clf.predict(["We want young ninjas."] * 4)
    assert len(scores) == 4 and all(0 <= v <= 1 for v in scores[0].values())
    if quantize == "none":
        assert next(clf.model.parameters()).dtype == torch.bfloat16


# -- the LLM rewriter path (issue 14): prompt, N candidates, verification, streaming ---------------

REWRITE_SENTENCE = "We want young, energetic rockstar ninjas."


def _spans():
    from biaslsp.models import Span

    return [Span(8, 13, "age", "young", "lexicon"), Span(15, 24, "age", "energetic", "lexicon"),
            Span(25, 33, "masculine", "rockstar", "model")]


@pytest.fixture(scope="module")
def definitions(tmp_path_factory):
    """Definition files as the data folder has them (`<label>.txt`), with words a test can find."""
    folder = tmp_path_factory.mktemp("definitions")
    (folder / "age.txt").write_text("Age bias favours zebra applicants of one age group.\n", encoding="utf-8")
    (folder / "masculine.txt").write_text("Masculine coded words like quokka discourage some applicants.", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def knowing_causal(tmp_path_factory, definitions):
    """A tiny chat causal LM whose word-level vocabulary holds every word of the prompt, so the
    ids it is given decode back to the prompt (hf_tiny's vocabulary would turn most into <unk>)."""
    import re

    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    from biaslsp.models.hf.rewriter import build_prompt, load_definitions

    folder = tmp_path_factory.mktemp("knowing_causal")
    prompt = build_prompt(REWRITE_SENTENCE, _spans(), load_definitions(definitions))
    words = sorted(set(re.findall(r"\w+|[^\w\s]+", prompt)) | set(hf_tiny.WORDS))  # as pre_tokenizers.Whitespace splits
    vocab = {t: i for i, t in enumerate(hf_tiny.SPECIALS + words)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>",
                                   bos_token="<s>", additional_special_tokens=["<|user|>", "<|assistant|>"])
    fast.chat_template = hf_tiny.CHAT_TEMPLATE
    fast.save_pretrained(str(folder))
    torch.manual_seed(7)
    cfg = LlamaConfig(vocab_size=len(fast), hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                      num_key_value_heads=2, max_position_embeddings=1024, pad_token_id=0, eos_token_id=1, bos_token_id=3)
    LlamaForCausalLM(cfg).save_pretrained(str(folder))
    return folder


def test_rewriter_prompt_holds_the_spans_and_the_flagged_categories_definitions(definitions, tmp_path):
    from biaslsp.models import Span
    from biaslsp.models.hf.rewriter import build_prompt, load_definitions
    from biaslsp.models.labels import EXPLANATIONS

    defs = load_definitions(definitions)
    assert defs["age"] == "Age bias favours zebra applicants of one age group."  # read at run time, whitespace folded
    assert defs["racial"] == EXPLANATIONS["racial"]  # no file: the project's own definition
    prompt = build_prompt(REWRITE_SENTENCE, _spans(), defs)
    assert REWRITE_SENTENCE in prompt
    assert "'young' (age)" in prompt and "'energetic' (age)" in prompt and "'rockstar' (masculine)" in prompt
    assert defs["age"] in prompt and defs["masculine"] in prompt
    assert EXPLANATIONS["racial"] not in prompt  # only the categories that were flagged
    whole = build_prompt("He/she must be a native speaker.", [Span(0, 33, "racial", "He/she must be a native speaker.", "sentence")])
    assert "the whole sentence (racial)" in whole and EXPLANATIONS["racial"] in whole  # default definitions
    with pytest.raises(ModelLoadError, match="not a directory"):
        load_definitions(tmp_path / "missing")


def test_rewriter_definitions_come_from_the_environment(definitions, monkeypatch):
    from biaslsp.models.hf.rewriter import DEFINITIONS_ENV, load_definitions
    from biaslsp.models.labels import EXPLANATIONS

    monkeypatch.setenv(DEFINITIONS_ENV, str(definitions))
    assert "quokka" in load_definitions()["masculine"]
    monkeypatch.delenv(DEFINITIONS_ENV)
    assert load_definitions() == dict(EXPLANATIONS)


def test_shipped_definitions_folder_loads(data_folder):
    from biaslsp.models.hf.rewriter import load_definitions

    defs = load_definitions(data_folder / "definitions")
    assert all(defs[l] for l in LABELS)


def test_rewriter_model_is_given_the_prompt_and_n_candidates_are_verified(knowing_causal, definitions):
    from biaslsp.models.embedded.classifier import EmbeddedClassifier
    from biaslsp.models.hf.rewriter import load_rewriter

    rw = load_rewriter(knowing_causal, definitions=definitions)
    enc = rw._inputs(REWRITE_SENTENCE, _spans())
    seen = rw.tokenizer.decode(enc["input_ids"][0])
    assert "<unk>" not in seen
    for words in ("Age bias favours zebra applicants", "Masculine coded words like quokka", "' young ' ( age )",
                  "' rockstar ' ( masculine )", "We want young , energetic rockstar ninjas ."):
        assert words in seen, words
    torch.manual_seed(0)
    cands = rw.candidates(REWRITE_SENTENCE, _spans(), 3)
    assert len(cands) == 3 and len(set(cands)) == 3 and REWRITE_SENTENCE not in cands
    engine = Engine(EmbeddedClassifier.load(), rw)
    ranked = engine.verify(REWRITE_SENTENCE, ["age", "masculine"], cands)
    # the same verification a rule rewrite gets (an engine may also drop candidates it finds broken)
    assert set(r.text for r in ranked) <= set(cands)
    for r in ranked:
        again = engine.analyze_sentences([r.text], rewrites=False)[0].labels
        assert r.source == rw.name and set(r.remaining) == set(again)
        assert not (r.verified and again)  # never verified while the classifier still flags it
    assert [r.verified for r in ranked] == sorted((r.verified for r in ranked), reverse=True)  # verified first
    offered = engine.rewrite(REWRITE_SENTENCE, labels=["age"], n=3)
    assert len(offered) <= 3 and all(r.source == rw.name for r in offered)


def test_streamed_rewrite_pools_the_streamed_and_n_more_candidates_for_verification(knowing_causal, definitions):
    """server/rewrites.py: what it verifies is the cleaned streamed greedy rewrite plus n sampled ones
    (same seed, same samples), not n - 1."""
    from biaslsp.models import Span
    from biaslsp.models.embedded.classifier import EmbeddedClassifier
    from biaslsp.models.hf.rewriter import load_rewriter
    from biaslsp.server.rewrites import rewrite_sentence

    rw = load_rewriter(knowing_causal, definitions=definitions)
    engine = Engine(EmbeddedClassifier.load(), rw)
    deltas: list[str] = []
    torch.manual_seed(3)
    got = rewrite_sentence(engine, REWRITE_SENTENCE, ["age"], 3, deltas.append)
    found = engine.analyze_sentences([REWRITE_SENTENCE], rewrites=False)[0]
    spans = [s for s in found.spans if s.label == "age"] or [Span(0, len(REWRITE_SENTENCE), "age", REWRITE_SENTENCE, "sentence")]
    streamed = rw.clean("".join(deltas))
    torch.manual_seed(3)
    pool = [c for c in dict.fromkeys([streamed, *rw.candidates(REWRITE_SENTENCE, spans, 3)]) if c and c != REWRITE_SENTENCE]
    assert deltas and len(pool) >= 3
    want = engine.verify(REWRITE_SENTENCE, ["age"], pool)[:3]
    assert [r.text for r in got] == [r.text for r in want]


async def _rewrite_n_over_ws(srv, sentence: str, n: int) -> tuple[list[str], dict]:
    deltas = []
    async with websockets.connect(srv.ws_url()) as ws:
        await ws.send(json.dumps({"type": "rewrite", "id": "llm", "text": sentence, "labels": ["age"], "n": n}))
        async with asyncio.timeout(120):
            while True:
                m = json.loads(await ws.recv())
                if m["type"] == "rewrite.delta":
                    deltas.append(m["text"])
                else:
                    return deltas, m


def test_llm_rewrites_stream_over_the_websocket_and_come_back_verified(knowing_causal, definitions, tmp_path, monkeypatch):
    from biaslsp.models.hf.rewriter import DEFINITIONS_ENV, clean

    monkeypatch.setenv(DEFINITIONS_ENV, str(definitions))  # the server reads the definitions at run time
    srv = start_server(tmp_path, "--rewriter", str(knowing_causal), "--device", "cpu")
    try:
        deltas, done = asyncio.run(_rewrite_n_over_ws(srv, REWRITE_SENTENCE, 3))
        assert deltas and done["type"] == "rewrite.done" and done["id"] == "llm"
        texts = [c["text"] for c in done["candidates"]]
        assert len(texts) <= 3 and len(set(texts)) == len(texts)
        assert all(t == clean(t) for t in texts)  # the streamed one is cleaned like the sampled ones (no stray quote)
        assert all(c["source"].startswith("hf-causal:") and isinstance(c["verified"], bool) for c in done["candidates"])
        verified = [c["verified"] for c in done["candidates"]]
        assert verified == sorted(verified, reverse=True)
    finally:
        srv.stop()


@pytest.mark.gpu
@pytest.mark.skipif(not CUDA, reason="GPU test SKIPPED: no CUDA device on this machine (run on a GPU host)")
def test_gpu_llm_rewriter_on_a_real_model(data_folder):
    """A real instruct model (a local directory in $BIASLSP_GPU_REWRITER) rewrites dev sentences on
    the GPU; every candidate goes through Engine.verify. Checks it runs end to end, not quality."""
    import os
    import sys
    from pathlib import Path

    from biaslsp.models.embedded.classifier import EmbeddedClassifier
    from biaslsp.models.hf.rewriter import load_rewriter

    path = os.environ.get("BIASLSP_GPU_REWRITER")
    if not path:
        pytest.skip("set BIASLSP_GPU_REWRITER to a local instruct model directory")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks" / "rewrite_dev"))
    from devset import load

    rw = load_rewriter(path, device="cuda", definitions=data_folder / "definitions")
    engine = Engine(EmbeddedClassifier.load(), rw)
    for item in load(data_folder)[::60]:
        ranked = engine.rewrite(item.text, labels=list(item.labels), n=4)
        assert ranked and all(r.source == rw.name and r.text.strip() for r in ranked)
        assert "".join(rw.stream(item.text, [])).strip()
