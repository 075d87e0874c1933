"""The scan as a whole: resolve the input, skip what is done, run locally or on Ray, report."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .engine_options import EngineOptions
from .inputs import InputError, Options, batched, count, records, resolve
from .writer import OutputError, ScanOutput


@dataclass(frozen=True)
class ScanRequest:
    input: str
    out: str
    errors: str | None = None
    text_column: str = "text"
    id_column: str = "id"
    input_format: str = "auto"
    rewrites: bool = False
    workers: int | None = None
    batch_size: int = 64
    ray: str | None = None  # None: local; "": Ray at RAY_ADDRESS or local; else the cluster address
    classifier: str | None = None
    adapter: str | None = None
    device: str = "auto"
    progress: bool = True

    @property
    def options(self) -> Options:
        return Options(self.text_column, self.id_column, self.input_format)

    @property
    def engine(self) -> EngineOptions:
        return EngineOptions(self.classifier, self.adapter, None, self.device)


@dataclass
class Stats:
    scanned: int = 0
    errors: int = 0
    skipped: int = 0
    seconds: float = 0.0


def scan(req: ScanRequest) -> int:
    """Exit code: 0 all scanned, 1 some ads went to the errors output, 2 the input or output is unusable."""
    from biaslsp.models import BiaslspError

    try:
        src = resolve(req.input)
        output = ScanOutput(Path(req.out), Path(req.errors) if req.errors else None)
        inputs = {p.resolve() for p in src.files}
        if output.out.resolve() in inputs or output.errors.resolve() in inputs:
            raise OutputError(f"{output.out}: the output would overwrite an input file")
        if req.ray is not None:
            from .ray_runner import scan_on_ray

            stats = scan_on_ray(req, src, output)
        else:
            stats = scan_locally(req, src, output)
    except (InputError, OutputError, BiaslspError) as exc:
        print(f"biaslsp scan: {exc}", file=sys.stderr)
        return 2
    rate = stats.scanned / stats.seconds if stats.seconds else 0.0
    print(f"biaslsp scan: {stats.scanned} ad(s) scanned in {stats.seconds:.1f} s ({rate:.1f} ads/s), "
          f"{stats.errors} error(s), {stats.skipped} already done; rows in {output.out}"
          + (f", errors in {output.errors}" if stats.errors else ""), file=sys.stderr)
    return 1 if stats.errors else 0


def scan_locally(req: ScanRequest, src, output: ScanOutput) -> Stats:  # noqa: ANN001 - inputs.Source
    from tqdm import tqdm

    from .local import cores, run_local

    done = output.done_ids()
    stats = Stats()
    total = count(src) if req.progress else None

    def todo():
        for rec in records(src, req.options, req.batch_size):
            if rec.id in done:
                stats.skipped += 1
            else:
                yield rec

    bar = tqdm(total=total, initial=min(len(done), total or 0), unit="ad", disable=not req.progress,
               dynamic_ncols=True, file=sys.stderr, smoothing=0.1)

    def sink(rows, bad, n):
        output.write(rows, bad)
        stats.scanned += len(rows)
        stats.errors += len(bad)
        bar.update(n)

    start = time.perf_counter()
    try:
        run_local(batched(todo(), req.batch_size), sink, opts=req.engine, rewrites=req.rewrites,
                  workers=req.workers or cores())
    finally:
        bar.close()
    stats.seconds = time.perf_counter() - start
    return stats
