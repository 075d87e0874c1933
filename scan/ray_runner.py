"""The same scan on a Ray cluster with Ray Data: read -> map_batches(one engine per actor) -> write_parquet.

Rows are parsed by the parsers in `inputs` and built by `rows.scan_batch`, exactly as in a
local scan, so both give identical rows. Actors append unreadable ads to the errors file
themselves (one write per batch) and skip ids already written, so a rerun resumes. OUTPUT
must be a folder every node can reach (shared storage), and biaslsp installed on each node.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .engine_options import EngineOptions, build
from .inputs import (Bad, InputError, Options, Record, Source, document_id, parquet_columns, parse_document,
                     parse_json_line, parse_values, text_id)
from .writer import OutputError, ScanOutput, append_errors, parquet_ids

if TYPE_CHECKING:
    import pyarrow as pa

    from .run import ScanRequest, Stats


class ScanActor:
    """A Ray Data callable class: loads the engine once per actor, scans each batch of input rows."""

    def __init__(self, kind: str, base: str, opts: Options, engine: EngineOptions, rewrites: bool,
                 errors: str, done: list[Any]) -> None:
        import ray

        self.kind, self.base, self.opts, self.rewrites = kind, Path(base), opts, rewrites
        self.errors = Path(errors)
        self.done = ray.get(done[0])
        self.engine = build(engine)

    def records(self, batch: pa.Table) -> list[Record]:
        paths = [_local(p) for p in batch.column("path").to_pylist()]
        if self.kind == "documents":
            return [parse_document(p, document_id(Path(p), self.base), data, self.opts)
                    for p, data in zip(paths, batch.column("bytes").to_pylist())]
        if self.kind == "jsonl":
            out = []
            for p, line in zip(paths, batch.column("text").to_pylist()):
                rec = parse_json_line(p, line, f"{Path(p).name}:{text_id(line)}", self.opts)
                if rec is not None:
                    out.append(rec)
            return out
        texts = batch.column(self.opts.text_column).to_pylist()
        ids = batch.column(self.opts.id_column).to_pylist() if self.opts.id_column in batch.column_names else [None] * len(texts)
        return [parse_values(p, t, i, f"{Path(p).name}:row ?", self.opts) for p, t, i in zip(paths, texts, ids)]

    def __call__(self, batch: pa.Table) -> pa.Table:
        from .rows import scan_batch, to_table

        todo = [r for r in self.records(batch) if r.id not in self.done]
        rows, bad = scan_batch(self.engine, todo, self.rewrites)
        append_errors(self.errors, bad)
        return to_table(rows)


def _local(path: str) -> str:
    """Ray reports local paths without their leading slash."""
    return path if path.startswith("/") or "://" in path else "/" + path


def _dataset(src: Source, opts: Options, output: ScanOutput, batch_rows: int):  # noqa: ANN202 - ray.data.Dataset
    import ray.data

    files = [str(p.resolve()) for p in src.files]
    if src.kind == "documents":
        return ray.data.read_binary_files(files, include_paths=True, num_cpus=0)
    if src.kind == "jsonl":
        return ray.data.read_text(files, include_paths=True, num_cpus=0)
    groups: dict[tuple[str, ...], list[str]] = {}
    bad = []
    for f in files:
        try:
            groups.setdefault(tuple(parquet_columns(Path(f), opts)), []).append(f)
        except InputError as exc:
            bad.append(Bad(f, f, str(exc)))
    output.write([], [b for b in bad if b.id not in output.done_ids()])
    if not groups:
        raise InputError("no Parquet file has the text column")
    parts = [ray.data.read_parquet(fs, columns=list(cols), include_paths=True, num_cpus=0) for cols, fs in groups.items()]
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]


def scan_on_ray(req: ScanRequest, src: Source, output: ScanOutput) -> Stats:
    from .run import Stats

    if output.jsonl:
        raise OutputError("--ray writes Parquet: give OUTPUT as a folder (not .jsonl)")
    try:
        import ray
        import ray.data
    except ImportError:
        raise InputError("--ray needs Ray Data: pip install 'biaslsp[ray]'") from None
    if not ray.is_initialized():
        if req.ray:
            ray.init(address=req.ray, log_to_driver=False)
        else:  # RAY_ADDRESS, or a local cluster on loopback
            ray.init(include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = req.progress
    if hasattr(ctx, "use_datasource_v2"):
        # V2's read_parquet lists files in a task that needs a whole CPU, which the actors
        # hold: with one actor per core the scan would wait for it forever
        ctx.use_datasource_v2 = False
    engine = req.engine
    gpu = engine.wants_gpu()
    resources = ray.cluster_resources()
    workers = req.workers or max(1, int(resources.get("GPU" if gpu else "CPU", 1)))

    before_rows = len(parquet_ids(output.out))
    done = output.done_ids()
    before_errors = len(done) - before_rows
    ds = _dataset(src, req.options, output, req.batch_size)
    done_ref = ray.put(frozenset(done))
    scanned = ds.map_batches(
        ScanActor,
        fn_constructor_args=(src.kind, str(src.base.resolve()), req.options, engine, req.rewrites, str(output.errors.resolve()), [done_ref]),
        batch_size=req.batch_size, batch_format="pyarrow", compute=ray.data.ActorPoolStrategy(size=workers),
        num_gpus=1 if gpu else None, num_cpus=None if gpu else 1,
    )
    start = time.perf_counter()
    output.out.mkdir(parents=True, exist_ok=True)
    # reading and writing take no CPU slot: the actors hold every core, and IO must not wait for them
    scanned.write_parquet(str(output.out.resolve()), min_rows_per_file=req.batch_size, ray_remote_args={"num_cpus": 0})
    seconds = time.perf_counter() - start
    after_rows = len(parquet_ids(output.out))
    after_errors = len(output.done_ids()) - after_rows
    skipped = len(done)
    return Stats(scanned=after_rows - before_rows, errors=max(0, after_errors - before_errors), skipped=skipped, seconds=seconds)

