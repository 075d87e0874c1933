"""The rewrite dev set, the rewrite benchmark's own grammar checker, and EmbeddedClassifier.embed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from biaslsp.models import LABELS

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "benchmarks" / "rewrite_dev"))

import bench_rewrites  # noqa: E402
import devset  # noqa: E402


def test_dev_set_reads_back_from_the_data_and_covers_every_label(data_folder):
    items = devset.load(data_folder)
    assert len(items) >= 300
    for kind in ("real", "synthetic"):
        assert {l for it in items if it.kind == kind for l in it.labels} == set(LABELS)
    assert len({it.id for it in items}) == len(items)
    for it in items:
        assert it.references and all(r.strip() for r in it.references)
        assert it.phrases and all(0 <= a < b <= len(it.text) for a, b, _ in it.phrases)
        assert {l for *_, l in it.phrases} == set(it.labels)
    assert any(it.adjudicated for it in items)


def test_dev_set_file_holds_no_source_text(data_folder):
    rows = {json.loads(l)["id"]: json.loads(l) for l in devset.DEV_FILE.read_text(encoding="utf-8").splitlines()}

    def strings(v):  # noqa: ANN001, ANN202
        if isinstance(v, str):
            yield v
        elif isinstance(v, (list, tuple)):
            for x in v:
                yield from strings(x)
        elif isinstance(v, dict):
            for x in v.values():
                yield from strings(x)

    # offsets and a hash only (a minimal-edit reference may contain the source, never equal it)
    leaked = [it.id for it in devset.load(data_folder) if it.text.strip() in {s.strip() for s in strings(rows[it.id])}]
    assert not leaked and all("text" not in r for r in rows.values())


def test_dev_set_detects_data_that_moved(data_folder, tmp_path):
    rows = [json.loads(l) for l in devset.DEV_FILE.read_text(encoding="utf-8").splitlines()[:3]]
    rows[1]["sentence"] = [rows[1]["sentence"][0] + 1, rows[1]["sentence"][1]]
    moved = tmp_path / "dev.jsonl"
    moved.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with pytest.raises(devset.DevSetMismatch, match=rows[1]["id"]):
        devset.load(data_folder, moved)


@pytest.mark.parametrize("candidate, original", [
    (" are encouraged to apply.", "Young people are encouraged to apply."),
    ("We need a salesperson to crush quota and.", "We need a salesperson to crush quota and dominate."),
    ("You are a true a comfortable with technology.", "You are a true digital native."),
    ("Strong  communication skills.", "Strong communication skills."),
    ("We want we want results.", "We want results."),
    ("Looking for a enthusiastic engineer.", "Looking for a young engineer."),
    ("motivated level required.", "High energy level required."),
])
def test_bench_grammar_checker_finds_the_faults_of_issue_14(candidate, original):
    assert bench_rewrites.grammar_faults(candidate, original)


def test_bench_grammar_checker_passes_every_reference(data_folder):
    bad = {it.id: bench_rewrites.grammar_faults(r, it.text) for it in devset.load(data_folder) for r in it.references}
    assert not {k: v for k, v in bad.items() if v}


def test_bench_measures():
    assert bench_rewrites.words_changed("We want young ninjas.", "We want skilled ninjas.") == pytest.approx(0.25)
    assert bench_rewrites.words_changed("a b c d", "a b c d") == 0.0
    assert bench_rewrites.normalise("Fluent  in ‘English’.") == bench_rewrites.normalise("fluent in 'English'")


def test_embed_follows_the_shared_contract(engine):
    sentences = ["We want young ninjas.", "We want motivated ninjas.", "The role involves preparing monthly financial reports.", ""]
    e = engine.classifier.embed(sentences)
    assert e.shape == (4, 384) and e.dtype == np.float32
    assert np.allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
    assert np.allclose(engine.classifier.embed(sentences[:1])[0], e[0], atol=1e-5)  # independent of its batch
    assert e[0] @ e[1] > e[0] @ e[2]  # a one-word edit stays closer than an unrelated sentence


def test_bench_runs_end_to_end_on_a_few_sentences(data_folder, tmp_path, capsys):
    out, tops = tmp_path / "figures.json", tmp_path / "tops.jsonl"
    assert bench_rewrites.main(["--data", str(data_folder), "--limit", "4", "--json", str(out), "--tops", str(tops)]) == 0
    figures = json.loads(out.read_text())
    assert figures["engine"]["all"]["sentences"] == 4 and 0.0 <= figures["engine"]["all"]["any"] <= 1.0
    assert len(tops.read_text().splitlines()) == 4
    assert "with a verified rewrite" in capsys.readouterr().out
