"""Whole-process start-up, as a user meets it: `biaslsp check` on a one-line file (median of N
runs, peak RSS), `biaslsp --version`, `biaslsp serve` launch -> first streamed result, and
`alex` (the peer tool) on the same file in the same run, so the ratios hold under any load, and
`biaslsp check --server` (a running `biaslsp serve` analyses: no model load in the check).

    python benchmarks/bench_startup.py [--runs 5] [--alex PATH] [--torch]

`--alex`: the alex executable (default: `alex` on PATH, else /tmp/alex/node_modules/.bin/alex;
install with `npm install --prefix /tmp/alex alex`). `--torch`: also load the torch original
(models/embedded/torch_reference.py, needs the [train] extra) against the ONNX path, each in a fresh
process. Bars (issue 16): check <= 1.5 s median and faster than alex, RSS <= 300 MB; serve
launch -> first streamed result <= 3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LINE = "We want young, energetic rockstars who are digital natives.\n"
TIME = "/usr/bin/time"


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB and exit code of one run of `cmd`."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        t0 = time.perf_counter()
        r = subprocess.run([TIME, "-f", "%M", "-o", out.name, *cmd], capture_output=True, env=env)
        wall = time.perf_counter() - t0
        rss = float(Path(out.name).read_text().split()[-1]) / 1024
    return wall, rss, r.returncode


def series(name: str, cmd: list[str], runs: int, env: dict | None = None) -> dict:
    walls, rss, codes = [], [], set()
    for _ in range(runs):
        w, m, rc = timed(cmd, env)
        walls.append(w)
        rss.append(m)
        codes.add(rc)
    out = {"name": name, "median_s": statistics.median(walls), "min_s": min(walls), "max_s": max(walls), "rss_mb": max(rss), "exit": sorted(codes)}
    print(f"{name:<34} median {out['median_s']:6.2f} s  (min {out['min_s']:.2f}, max {out['max_s']:.2f})  peak RSS {out['rss_mb']:6.0f} MB  exit {out['exit']}")
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _first_result(port: int, token_file: Path, t0: float, timeout: float = 300) -> tuple[float, float]:
    """Seconds from launch to /health answering (any state) and to the first streamed sentence frame."""
    import httpx
    import websockets
    import websockets.exceptions

    answered = None
    while time.perf_counter() - t0 < timeout:
        try:
            if answered is None:
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                answered = time.perf_counter() - t0
            token = token_file.read_text().strip()
            async with websockets.connect(f"ws://127.0.0.1:{port}/v1/stream?token={token}") as ws:
                await ws.send(json.dumps({"type": "analyze", "doc": "d", "version": 1, "text": LINE, "format": "text"}))
                while True:
                    frame = json.loads(await ws.recv())
                    if frame["type"] in ("sentence", "done"):
                        return answered, time.perf_counter() - t0
        except (OSError, httpx.TransportError, websockets.exceptions.WebSocketException):
            await asyncio.sleep(0.05)
    raise TimeoutError("no streamed result")


def serve_first_result(exe: list[str], one: Path, runs: int) -> dict:
    """Launch -> /health and -> first streamed result; then, while it runs, `check --server` on `one`."""
    port = free_port()
    with tempfile.TemporaryDirectory() as config:
        env = {**os.environ, "BIASLSP_CONFIG_DIR": config}
        t0 = time.perf_counter()
        proc = subprocess.Popen([*exe, "serve", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        try:
            answered, first = asyncio.run(_first_result(port, Path(config) / "token", t0))
            print(f"{'serve: launch -> /health answers':<34} {answered:6.2f} s")
            print(f"{'serve: launch -> first result':<34} {first:6.2f} s")
            warm = series("check --server (serve running)", [*exe, "check", "--server", f"http://127.0.0.1:{port}", str(one)], runs, env)
        finally:
            proc.terminate()  # our own child, by its handle
            proc.wait(timeout=30)
    return {"health_s": answered, "first_result_s": first, "check_server": warm}


def find_alex(explicit: str | None) -> str | None:
    for candidate in (explicit, shutil.which("alex"), "/tmp/alex/node_modules/.bin/alex"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--alex", help="alex executable")
    ap.add_argument("--torch", action="store_true", help="also compare model load: torch original vs ONNX path")
    args = ap.parse_args(argv)
    exe = [str(Path(sys.executable).parent / "biaslsp")]
    if not Path(exe[0]).exists():
        exe = [sys.executable, "-m", "biaslsp"]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (other work on the machine slows every figure alike)")
    with tempfile.TemporaryDirectory() as d:
        one = Path(d) / "one-line.md"
        one.write_text(LINE, encoding="utf-8")
        version = series("biaslsp --version", [*exe, "--version"], args.runs)
        check = series("biaslsp check one-line.md", [*exe, "check", str(one)], args.runs)
        alex = find_alex(args.alex)
        peer = series("alex one-line.md", [alex, str(one)], args.runs) if alex else None
        if peer:
            print(f"ratio check / alex: {check['median_s'] / peer['median_s']:.2f} (below 1: biaslsp is faster); RSS {check['rss_mb'] / peer['rss_mb']:.2f}")
        else:
            print("alex not found: pass --alex PATH (npm install --prefix /tmp/alex alex)")
        serve = serve_first_result(exe, one, args.runs)
        if peer:
            warm = serve["check_server"]
            print(f"ratio check --server / alex: {warm['median_s'] / peer['median_s']:.2f}; RSS {warm['rss_mb'] / peer['rss_mb']:.2f}")
    if args.torch:
        code = "from biaslsp.models.{m} import {c}; {c}.load()"
        onnx = series("load: ONNX path (fresh process)", [sys.executable, "-c", code.format(m="embedded.classifier", c="EmbeddedClassifier")], args.runs)
        ref = series("load: torch path (fresh process)", [sys.executable, "-c", code.format(m="embedded.torch_reference", c="TorchEmbeddedClassifier")], args.runs)
        print(f"ratio ONNX / torch load: {onnx['median_s'] / ref['median_s']:.2f} time, {onnx['rss_mb'] / ref['rss_mb']:.2f} RSS")
    bars = {"check <= 1.5 s": check["median_s"] <= 1.5, "check RSS <= 300 MB": check["rss_mb"] <= 300,
            "serve first result <= 3 s": serve["first_result_s"] <= 3.0}
    if peer:
        bars["check faster than alex"] = check["median_s"] < peer["median_s"]
    print("bars: " + ", ".join(f"{k}: {'met' if v else 'NOT met'}" for k, v in bars.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
