"""`biaslsp scan`: folders, JSONL and Parquet in, one row per ad out, errors aside, resumable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scan_helpers import by_id, made_up_ads, write_jsonl, write_parquet

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "biaslsp", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def scan_in_process(tmp: Path, input: Path, out: str, **kw):
    from biaslsp.scan.run import ScanRequest, scan
    from biaslsp.scan.writer import read_rows

    rc = scan(ScanRequest(input=str(input), out=str(tmp / out), workers=1, batch_size=5, progress=False, **kw))
    return rc, read_rows(tmp / out)


def errors_of(path: Path) -> list[dict]:
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("library")
    (d / "jobs").mkdir()
    (d / "jobs" / "backend.md").write_text(
        "# Backend engineer\n\nWe want young, energetic rockstars.\n\n```\nrockstar ninja native speaker\n```\n", encoding="utf-8")
    (d / "jobs" / "nurse.html").write_text("<h1>Nurse</h1><p>He/she must be a native English speaker.</p>", encoding="utf-8")
    (d / "clerk.txt").write_text("You will prepare monthly financial reports.\n", encoding="utf-8")
    (d / "latin1.txt").write_bytes(b"Caf\xe9 staff wanted")
    (d / ".hidden.md").write_text("We want young rockstars.", encoding="utf-8")
    (d / "notes.csv").write_text("not an ad", encoding="utf-8")
    return d


def test_folder_scan_rows_findings_rewrites_and_errors(folder, tmp_path, engine):
    out = tmp_path / "scan.jsonl"
    r = cli("scan", str(folder), "--out", str(out), "--rewrites", "--workers", "1", "--quiet")
    assert r.returncode == 1, r.stderr  # 1: finished, some ads went to the errors output
    rows = by_id([json.loads(l) for l in out.read_text(encoding="utf-8").splitlines()])
    assert set(rows) == {"jobs/backend.md", "jobs/nurse.html", "clerk.txt"}
    errors = errors_of(tmp_path / "scan.errors.jsonl")
    assert [(e["id"], "not valid UTF-8" in e["reason"]) for e in errors] == [("latin1.txt", True)]

    for ad_id, row in rows.items():  # the row is the engine's own analysis of the file
        text = (folder / ad_id).read_text(encoding="utf-8")
        from biaslsp.models import guess_format

        analysis = engine.analyze(text, fmt=guess_format(ad_id), rewrites=True)
        assert row["labels"] == list(analysis.labels)
        assert row["score"] == analysis.summary.score
        assert {k: row[f"count_{k}"] for k in analysis.summary.counts} == analysis.summary.counts
        assert row["max_age"] == max(s.scores["age"] for s in analysis.sentences)
        for f in row["findings"]:
            assert text[f["start"] : f["end"]] == f["text"] and f["message"]
    backend = rows["jobs/backend.md"]
    assert "age" in backend["labels"] and backend["score"] < 100
    assert all(f["start"] < backend["findings"][0]["start"] + 40 for f in backend["findings"])  # nothing from the code block
    assert any(f["rewrite"] and "young" not in f["rewrite"] for f in backend["findings"])
    assert rows["clerk.txt"]["labels"] == [] and rows["clerk.txt"]["score"] == 100 and rows["clerk.txt"]["findings"] == []


def test_jsonl_and_parquet_give_the_same_rows_and_report_bad_rows(tmp_path):
    ads = made_up_ads(12)
    jsonl = write_jsonl(tmp_path / "ads.jsonl", ads + [{"id": 99, "text": "Native speakers only."}],
                        ["{not json", '{"id": "no-text"}', '["a", "list"]', "", '{"text": "He/she must lift 50 pounds."}'])
    rc, rows = scan_in_process(tmp_path, jsonl, "from-jsonl")
    assert rc == 1
    got = by_id(rows)
    assert set(got) >= {a["id"] for a in ads} | {"99"}
    hashed = [i for i in got if i.startswith("sha1:")]  # a row without an id gets a hash of its text
    assert len(got) == len(ads) + 2 and len(hashed) == 1
    reasons = {e["id"]: e["reason"] for e in errors_of(tmp_path / "from-jsonl.errors.jsonl")}
    assert set(reasons) == {"ads.jsonl:14", "no-text", "ads.jsonl:16"}
    assert "not valid JSON" in reasons["ads.jsonl:14"] and "'text' is missing" in reasons["no-text"]
    assert "not a JSON object" in reasons["ads.jsonl:16"]

    parquet = write_parquet(tmp_path / "ads.parquet", ads + [{"id": "null-text", "text": None}])
    rc, prow = scan_in_process(tmp_path, parquet, "from-parquet")
    assert rc == 1
    assert [e["id"] for e in errors_of(tmp_path / "from-parquet.errors.jsonl")] == ["null-text"]
    assert by_id(prow) == {k: v for k, v in got.items() if k in {a["id"] for a in ads}}
    assert any(r["labels"] for r in prow) and any(not r["labels"] for r in prow)


def test_custom_columns_and_missing_text_column(tmp_path):
    rows = [{"posting": f"p{i}", "body": a["text"]} for i, a in enumerate(made_up_ads(4))]
    path = write_jsonl(tmp_path / "custom.jsonl", rows)
    rc, out = scan_in_process(tmp_path, path, "custom-out.jsonl", text_column="body", id_column="posting")
    assert rc == 0 and sorted(r["id"] for r in out) == ["p0", "p1", "p2", "p3"]
    pq_path = write_parquet(tmp_path / "plain.parquet", made_up_ads(2))
    rc, out = scan_in_process(tmp_path, pq_path, "nocol", text_column="body")
    assert rc == 1 and out == []
    assert "no text column 'body'" in errors_of(tmp_path / "nocol.errors.jsonl")[0]["reason"]


def test_unusable_input_or_output_exits_2(tmp_path):
    r = cli("scan", str(tmp_path / "nothing-*.jsonl"), "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr
    (tmp_path / "file").write_text("x")
    write_jsonl(tmp_path / "a.jsonl", made_up_ads(1))
    r = cli("scan", str(tmp_path / "a.jsonl"), "--out", str(tmp_path / "file"))
    assert r.returncode == 2 and "is a file" in r.stderr
    r = cli("scan", str(tmp_path / "a.jsonl"), "--out", str(tmp_path / "a.jsonl"))
    assert r.returncode == 2 and "overwrite an input" in r.stderr


def _part_rows(out: Path) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(p).metadata.num_rows for p in out.glob("*.parquet"))


def test_resume_after_kill_loses_nothing_and_duplicates_nothing(tmp_path):
    ads = made_up_ads(150)
    src = write_jsonl(tmp_path / "many.jsonl", ads)
    out = tmp_path / "scan"
    cmd = [sys.executable, "-m", "biaslsp", "scan", str(src), "--out", str(out), "--workers", "2", "--batch-size", "4", "--quiet"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 500
        while proc.poll() is None and time.monotonic() < deadline:
            if out.exists() and _part_rows(out) >= 12:  # three batches written, more in flight
                break
            time.sleep(0.2)
        assert proc.poll() is None, f"scan ended before it could be killed: {proc.stderr.read().decode()[-2000:]}"
        os.killpg(proc.pid, signal.SIGKILL)  # the scan and its worker processes, mid-run
        proc.wait(30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    written = _part_rows(out)
    assert 12 <= written < len(ads), written
    r = cli("scan", str(src), "--out", str(out), "--workers", "2", "--batch-size", "4", "--quiet")
    assert r.returncode == 0, r.stderr
    assert f"{written} already done" in r.stderr
    from biaslsp.scan.writer import read_rows

    ids = [row["id"] for row in read_rows(out)]
    assert len(ids) == len(set(ids)) == len(ads)
    assert set(ids) == {a["id"] for a in ads}


def test_jsonl_output_cuts_a_torn_last_line_on_resume(tmp_path):
    from biaslsp.scan.writer import ScanOutput

    out = tmp_path / "rows.jsonl"
    out.write_text('{"id": "a"}\n{"id": "b"}\n{"id": "c", "lab', encoding="utf-8")
    assert ScanOutput(out).done_ids() == {"a", "b"}
    assert out.read_text(encoding="utf-8") == '{"id": "a"}\n{"id": "b"}\n'


def test_unreadable_parquet_part_is_set_aside_and_rescanned(tmp_path):
    from biaslsp.scan.writer import ScanOutput, parquet_parts

    out = tmp_path / "scan"
    out.mkdir()
    (out / "part-killed.parquet").write_bytes(b"PAR1 half a file")
    assert ScanOutput(out).done_ids() == set()
    assert parquet_parts(out) == [] and (out / ".unreadable-part-killed.parquet").exists()


def test_parsing_the_command_line_imports_nothing_heavy():
    code = ("import argparse, sys\nfrom biaslsp.scan import cli, report_cli\n"
            "cli.add_arguments(argparse.ArgumentParser()); report_cli.add_arguments(argparse.ArgumentParser())\n"
            "heavy = [m for m in ('torch', 'pyarrow', 'ray', 'tqdm', 'biaslsp.models.engine') if m in sys.modules]\n"
            "assert not heavy, heavy")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
