"""`serverUrl`: the language server uses a running `biaslsp serve`, falls back to the
in-process engine with a warning while it is down, and reconnects when it is back."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_helpers import BIASED, NATIVE, SERVER_CMD, capabilities, diagnostics_for, make_client, open_doc, wait_until

pytestmark = pytest.mark.asyncio(loop_scope="module")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = free_port()


@pytest.fixture(scope="module")
def config_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("biaslsp-config")


def serve_available() -> bool:
    try:
        import biaslsp.server.cli  # noqa: F401
    except ImportError:
        return False
    return True


def make_config(env):
    return ClientServerConfig(server_command=SERVER_CMD, client_factory=make_client, server_env=env)


@pytest_lsp.fixture(scope="module", config=make_config({**os.environ}))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(),
            initialization_options={"debounce": 0, "serverUrl": f"ws://127.0.0.1:{PORT}"},
        )
    )
    yield
    await lsp_client.shutdown_session()


def change(client, uri, version, text):
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def start_serve(config_dir) -> subprocess.Popen:
    env = {**os.environ, "BIASLSP_CONFIG_DIR": str(config_dir)}
    proc = subprocess.Popen([sys.executable, "-m", "biaslsp", "serve", "--port", str(PORT)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"biaslsp serve exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/health", timeout=1) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise AssertionError("biaslsp serve did not become healthy in 90 s")


async def test_server_down_falls_back_with_a_warning(client: LanguageClient):
    uri = "untitled:remote.txt"
    open_doc(client, uri, f"{NATIVE}\n")
    diags = await diagnostics_for(client, uri, 1)
    assert diags, "the in-process fallback must still report findings"
    warnings = [m for m in client.messages if m.type == types.MessageType.Warning and "not reachable" in m.message]
    assert len(warnings) == 1 and f"127.0.0.1:{PORT}" in warnings[0].message
    change(client, uri, 2, f"{NATIVE}\n{BIASED}\n")
    await diagnostics_for(client, uri, 2)
    assert len([m for m in client.messages if "not reachable" in m.message]) == 1, "warn once, not on every edit"


@pytest.mark.skipif(not serve_available(), reason="biaslsp serve (server/) is not in this tree yet")
async def test_uses_running_server_and_reconnects(client: LanguageClient, config_dir):
    # the LSP process was started without BIASLSP_CONFIG_DIR; hand it the token through settings
    proc = start_serve(config_dir)
    try:
        token = (config_dir / "token").read_text().strip()
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"biaslsp": {"debounce": 0, "serverUrl": f"http://127.0.0.1:{PORT}", "serverToken": token}})
        )
        uri = "untitled:remote2.txt"
        open_doc(client, uri, f"{NATIVE}\n")
        diags = await diagnostics_for(client, uri, 1)
        await wait_until(lambda: any("analysing with the model server" in m.message for m in client.log_messages), 30, "the remote log line")
        assert diags and diags[0].source == "biaslsp" and diags[0].data["rewrites"] is not None
        # the server goes away: back to in-process, with one warning
        before = len(client.messages)
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        change(client, uri, 2, f"{BIASED}\n{NATIVE}\n")
        assert await diagnostics_for(client, uri, 2)
        await wait_until(lambda: any("not reachable" in m.message for m in client.messages[before:]), 30, "the fallback warning")
        # ... and it comes back: the language server reconnects (retry interval 5 s)
        proc = start_serve(config_dir)
        time.sleep(5.5)
        change(client, uri, 3, f"{NATIVE}\n")
        assert await diagnostics_for(client, uri, 3)
        await wait_until(lambda: any("reconnected" in m.message for m in client.messages[before:]), 30, "the reconnect message")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
