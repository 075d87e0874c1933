"""`biaslsp scan --ray`: the same input on a local Ray cluster (started here, loopback only) gives identical rows."""

from __future__ import annotations

import json

import pytest

from scan_helpers import by_id, made_up_ads, write_jsonl, write_parquet

ray = pytest.importorskip("ray", reason="SKIPPED: Ray is the optional extra biaslsp[ray]")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False)
    yield
    ray.shutdown()


def _scan(tmp, input, out, **kw):
    from biaslsp.scan.run import ScanRequest, scan
    from biaslsp.scan.writer import read_rows

    rc = scan(ScanRequest(input=str(input), out=str(tmp / out), batch_size=4, progress=False, **kw))
    return rc, by_id(read_rows(tmp / out))


def _errors(path):
    return sorted(json.loads(l)["reason"] for l in path.read_text(encoding="utf-8").splitlines()) if path.exists() else []


def test_ray_rows_identical_to_local_for_parquet_jsonl_and_folders(local_ray, tmp_path):
    ads = made_up_ads(14) + [{"id": "null", "text": None}]
    parquet = write_parquet(tmp_path / "ads.parquet", ads)
    rc_local, local = _scan(tmp_path, parquet, "local", workers=1)
    rc_ray, on_ray = _scan(tmp_path, parquet, "ray", ray="", workers=2)
    assert rc_local == rc_ray == 1
    assert len(local) == 14 and on_ray == local
    assert _errors(tmp_path / "ray.errors.jsonl") == _errors(tmp_path / "local.errors.jsonl") != []

    jsonl = write_jsonl(tmp_path / "ads.jsonl", made_up_ads(6) + [{"text": "He/she must be a native English speaker."}], ["{oops"])
    _, local = _scan(tmp_path, jsonl, "jl-local", workers=1)
    _, on_ray = _scan(tmp_path, jsonl, "jl-ray", ray="", workers=2)
    assert len(local) == 7 and on_ray == local
    assert _errors(tmp_path / "jl-ray.errors.jsonl") == _errors(tmp_path / "jl-local.errors.jsonl") != []

    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.md").write_text("# Role\n\nWe want young, energetic rockstars.\n", encoding="utf-8")
    (folder / "sub" / "b.html").write_text("<p>He/she must be a native English speaker.</p>", encoding="utf-8")
    (folder / "c.txt").write_bytes(b"\xff\xfe bad")
    _, local = _scan(tmp_path, folder, "doc-local", workers=1)
    _, on_ray = _scan(tmp_path, folder, "doc-ray", ray="", workers=2)
    assert set(local) == {"a.md", "sub/b.html"} and on_ray == local


def test_ray_resumes_and_skips_ids_already_written(local_ray, tmp_path):
    ads = made_up_ads(8)
    first = write_parquet(tmp_path / "first.parquet", ads[:5])
    _scan(tmp_path, first, "out", ray="", workers=2)
    both = write_parquet(tmp_path / "all.parquet", ads)
    rc, rows = _scan(tmp_path, both, "out", ray="", workers=2)
    assert rc == 0 and sorted(rows) == sorted(a["id"] for a in ads)
    from biaslsp.scan.writer import read_rows

    assert len(read_rows(tmp_path / "out")) == len(ads)  # nothing written twice
