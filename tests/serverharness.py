"""Start a real `biaslsp serve` in a subprocess on a free loopback port, for the server tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import asyncio
import json

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningServer:
    proc: subprocess.Popen
    port: int
    token: str
    config_dir: Path
    log_path: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws_url(self, token: str | None = None) -> str:
        return f"ws://127.0.0.1:{self.port}/v1/stream?token={self.token if token is None else token}"

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, headers=self.auth, timeout=60)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stats(self) -> dict:
        return httpx.get(f"{self.base}/v1/stats", headers=self.auth, timeout=30).json()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # our own child, by its handle
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_server(tmp: Path, *args: str, timeout: float = 120.0, port: int | None = None,
                 command: list[str] | None = None) -> RunningServer:
    """Run `python -m biaslsp serve --port P ARGS` with its own config dir; wait for /health.

    `port` restarts a server on the port it had; `command` replaces `python -m biaslsp serve`
    (a launcher that takes the same arguments, e.g. one that injects model faults).
    """
    port = port or free_port()
    config_dir = tmp / "config"
    env = {**os.environ, "BIASLSP_CONFIG_DIR": str(config_dir), "PYTHONUNBUFFERED": "1"}
    env.pop("BIASLSP_ALLOWED_ORIGINS", None)
    log_path = tmp / f"serve-{port}.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen([*(command or [sys.executable, "-m", "biaslsp", "serve"]), "--port", str(port), *args],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                token = (config_dir / "token").read_text().strip()
                return RunningServer(proc, port, token, config_dir, log_path)
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"server did not start in {timeout:.0f} s:\n{log_path.read_text()}")


def run_cli(tmp: Path, *args: str, timeout: float = 120.0, input_text: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "BIASLSP_CONFIG_DIR": str(tmp / "config")}
    return subprocess.run([sys.executable, "-m", "biaslsp", *args], capture_output=True, text=True, env=env, timeout=timeout,
                          input=input_text)


ORIGIN = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
BIASED = "We want young, energetic rockstar ninjas. He/she must be a native English speaker."
NEUTRAL = "The role involves preparing monthly financial reports."


async def until_done(ws, doc, version, timeout: float = 60.0) -> tuple[list[dict], dict]:  # noqa: ANN001
    """Frames received on `ws` up to the `done` of (doc, version), and that `done`."""
    frames = []
    async with asyncio.timeout(timeout):
        while True:
            m = json.loads(await ws.recv())
            if m["type"] == "done" and m["doc"] == doc and m["version"] == version:
                return frames, m
            frames.append(m)
