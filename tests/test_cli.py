"""`biaslsp check` and `biaslsp eval` as a user runs them (real subprocesses)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXE = [sys.executable, "-m", "biaslsp"]


def run(*args: str, stdin: str | None = None, env: dict | None = None, timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run([*EXE, *args], input=stdin, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("ads")
    (d / "clean.txt").write_text("The role involves preparing monthly financial reports.\n", encoding="utf-8")
    (d / "biased.md").write_text(
        "# Job\n\n- He/she must be a native English speaker.\n\n```\nyoung rockstar ninjas\n```\n", encoding="utf-8"
    )
    (d / "bad.txt").write_bytes(b"caf\xe9 au lait \xff\xfe")
    return d


def test_clean_file_exits_0(files):
    r = run("check", str(files / "clean.txt"))
    assert r.returncode == 0, r.stderr


def test_findings_exit_1_json_shape(files):
    r = run("check", "--format", "json", str(files / "biased.md"))
    assert r.returncode == 1, r.stderr
    out = json.loads(r.stdout)
    f = out["files"][0]
    assert f["path"].endswith("biased.md")
    assert f["findings"], f
    text = (files / "biased.md").read_text(encoding="utf-8")
    for x in f["findings"]:
        assert {"start", "end", "line", "column", "label", "text", "message", "suggestions"} <= set(x)
        assert text[x["start"] : x["end"]] == x["text"]
        assert x["line"] == 3  # nothing from the code block
    assert "score" in f["summary"] and "counts" in f["summary"]


def test_sarif_and_stdin(files):
    r = run("check", "--format", "sarif", "-", stdin="He/she must be a native English speaker.\n")
    assert r.returncode == 1
    sarif = json.loads(r.stdout)
    assert sarif["version"] == "2.1.0"
    assert sarif["runs"][0]["results"]


def test_input_errors_exit_2(files):
    r = run("check", str(files / "bad.txt"))
    assert r.returncode == 2
    assert "not valid UTF-8" in r.stderr and "Traceback" not in r.stderr
    r = run("check", str(files / "missing.txt"))
    assert r.returncode == 2 and "no such file" in r.stderr
    r = run("check")
    assert r.returncode == 2
    r = run("check", "--format", "yaml", str(files / "clean.txt"))
    assert r.returncode == 2


@pytest.mark.skipif(shutil.which("unshare") is None, reason="SKIPPED: needs unshare to cut the network")
def test_loads_and_runs_with_network_blocked(files):
    """The embedded default needs nothing but what pip installed: run it in a namespace with no network."""
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("SKIPPED: cannot create a network namespace here")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    r = subprocess.run(
        ["unshare", "-n", *EXE, "check", "--format", "json", str(files / "biased.md")],
        capture_output=True, timeout=180, env=env, cwd=ROOT,
    )
    assert r.returncode == 1, r.stderr
    assert json.loads(r.stdout)["files"][0]["findings"]


def test_eval_on_val_subset(data_folder):
    r = run("eval", "--data", str(data_folder / "val.parquet"), "--json", "--limit", "40", timeout=300)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out["all"]["labels"]) == {"age", "disability", "feminine", "general", "masculine", "racial", "sexuality", "neutral"}
    assert 0.0 <= out["all"]["macro_f1"] <= 1.0 and out["ms_per_passage"] > 0
    assert out["all"]["passages"] == 40
    # the shipped model trained on val: eval must say so and point at the honest cross-validated figure
    assert out["trained_on_this_file"] is True
    assert 0.0 < out["cross_validation"]["macro_f1"] <= 1.0 and out["cross_validation"]["on"] == "val.parquet"
    assert "optimistic" in r.stderr and "cross-validated" in r.stderr


def test_eval_missing_file_is_clear():
    r = run("eval", "--data", "/nonexistent/val.parquet")
    assert r.returncode == 2 and "no such data file" in r.stderr


def test_train_rejects_a_head_count_below_one(tmp_path):
    r = run("train", "--out", str(tmp_path / "model"), "--heads", "0")
    assert r.returncode == 2 and "--heads" in r.stderr and not (tmp_path / "model").exists()


def test_train_smoke_run_produces_a_loadable_model(data_folder, tmp_path):
    """`biaslsp train` end to end on a small sample; the written model loads and scores."""
    out = tmp_path / "model"
    r = run("train", "--data", str(data_folder), "--out", str(out), "--limit", "60", "--epochs", "4", "--heads", "2", timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    assert {"config.json", "classifier.safetensors", "lexical.safetensors", "lexical_vocab.json", "terms.json"} <= {p.name for p in out.iterdir()}
    from biaslsp.models import Engine
    from biaslsp.models.embedded.classifier import EmbeddedClassifier

    config = json.loads((out / "config.json").read_text())
    assert "val.parquet" in config["training"]["files"] and config["training"]["val_passages"] == 60
    assert config["heads"] == 2
    cv = config["training"]["cross_validation"]
    assert cv["folds"] == 5 and set(cv["labels"]) == {"age", "disability", "feminine", "general", "masculine", "racial", "sexuality", "neutral"}
    e = Engine(EmbeddedClassifier.load(out))
    a = e.analyze("He/she must be a native English speaker. The role involves preparing reports.")
    assert len(a.sentences) == 2 and all(set(s.scores) == set(e.classifier.labels) for s in a.sentences)
