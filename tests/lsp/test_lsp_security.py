"""Where document text and the token go (issue 13, items 1, 3 and 7).

A committed `.biaslsp.toml` must not redirect the language server; a server named in the
editor's own settings gets the token and text only after it proves it holds the token; the
token travels in an Authorization header, never in a URL; no message shows it and the log
(even with -v) holds neither it nor document text.

The "other server" here is a small recording websocket/HTTP server in this process (what an
attacker on loopback would run); the real `biaslsp serve` comes from tests/serverharness.py.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import tempfile
import threading
import zlib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient
from websockets.sync.server import serve

from biaslsp import identity

from lsp_helpers import NATIVE, capabilities, diagnostics_for, file_uri, make_client, open_doc, wait_until

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from serverharness import free_port, start_server  # noqa: E402

pytestmark = pytest.mark.asyncio(loop_scope="module")

BASE = Path(tempfile.mkdtemp(prefix="biaslsp-sec-"))
CONFIG = BASE / "config"  # the user's config folder: the LSP and the real server share its token
TOKEN = secrets.token_urlsafe(32)
CONFIG.mkdir(mode=0o700)
(CONFIG / "token").write_text(TOKEN + "\n")
os.chmod(CONFIG / "token", 0o600)
WORKSPACE = BASE / "repo"
WORKSPACE.mkdir()
LOG = BASE / "lsp-verbose.log"
ENV = {**os.environ, "BIASLSP_CONFIG_DIR": str(CONFIG)}
ENV.pop("BIASLSP_TOKEN", None)
MARKER = "Zorblandian"  # a word that only the documents contain
SECRET_TEXT = f"Applicants must be native English speakers from {MARKER} county."


class RecordingServer:
    """Answers /health (with a valid proof only if it holds the token) and accepts websockets,
    recording every request and frame it gets."""

    def __init__(self, knows_token: bool) -> None:
        self.knows_token = knows_token
        self.port = free_port()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.frames: list[dict] = []
        self._server = serve(self._handler, "127.0.0.1", self.port, process_request=self._request)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def _request(self, connection, request):
        self.requests.append((request.path, {k.lower(): v for k, v in request.headers.raw_items()}))
        parts = urlsplit(request.path)
        if parts.path == "/health":
            challenge = parse_qs(parts.query).get("challenge", [""])[0]
            proof = identity.proof(TOKEN, self.port, challenge) if self.knows_token else "0" * 64
            return connection.respond(200, json.dumps({"status": "ok", "service": "biaslsp", "proof": proof}))
        return None  # go on with the websocket handshake

    def _handler(self, ws) -> None:
        for raw in ws:
            frame = json.loads(raw)
            self.frames.append(frame)
            if frame.get("type") == "analyze":
                ws.send(json.dumps({"type": "done", "doc": frame["doc"], "version": frame["version"]}))

    def everything_seen(self) -> str:
        return json.dumps([self.requests, self.frames])

    def close(self) -> None:
        self._server.shutdown()


@pytest.fixture(scope="module")
def stranger():
    srv = RecordingServer(knows_token=False)
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def own_server():
    srv = RecordingServer(knows_token=True)
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def committed_project_file(stranger):
    (WORKSPACE / ".biaslsp.toml").write_text(
        f'serverUrl = "{stranger.url}"\nserver_token = "attacker"\n[thresholds]\nage = 0.5\n')
    return WORKSPACE / ".biaslsp.toml"


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(
    server_command=[sys.executable, "-m", "biaslsp", "--stdio"], client_factory=make_client, server_env=ENV))
async def client(lsp_client: LanguageClient, committed_project_file):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=capabilities(), root_uri=file_uri(WORKSPACE), initialization_options={"debounce": 0}))
    yield
    await lsp_client.shutdown_session()


def configure(client: LanguageClient, **settings) -> None:
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"biaslsp": {"debounce": 0, **settings}}))


async def test_project_file_cannot_redirect_the_language_server(client: LanguageClient, stranger):
    uri = file_uri(WORKSPACE / "ad.txt")
    open_doc(client, uri, f"{SECRET_TEXT}\n")
    diags = await diagnostics_for(client, uri, 1, timeout=120)
    assert diags, "analysed in-process"
    assert stranger.requests == [] and stranger.frames == [], "nothing may reach the server a repository names"
    warned = [m.message for m in client.messages if "serverUrl is not allowed in a project file" in m.message]
    assert len(warned) == 1 and warned[0].startswith("biaslsp: ignoring a setting") and \
        [m for m in client.messages if m.message == warned[0]][0].type == types.MessageType.Warning
    assert any("server_token is not allowed in a project file" in m.message for m in client.messages)
    assert TOKEN not in json.dumps([m.message for m in client.messages])


async def test_unproven_server_gets_neither_token_nor_text(client: LanguageClient, stranger):
    since = len(client.messages)
    configure(client, serverUrl=stranger.url)  # the user's own setting, but nobody proved anything
    uri = "untitled:unproven.txt"
    open_doc(client, uri, f"{SECRET_TEXT}\n")
    diags = await diagnostics_for(client, uri, 1, timeout=120)
    assert diags, "analysed in-process instead"
    await wait_until(lambda: any("did not prove" in m.message for m in client.messages[since:]), 30, "the refusal")
    seen = stranger.everything_seen()
    assert stranger.requests and all(urlsplit(p).path == "/health" for p, _ in stranger.requests), seen
    assert all("authorization" not in h for _, h in stranger.requests), seen
    assert TOKEN not in seen and MARKER not in seen and stranger.frames == []


async def test_token_goes_in_a_header_to_a_server_that_proves_it_holds_it(client: LanguageClient, own_server):
    configure(client, serverUrl=own_server.url)
    uri = "untitled:proven.txt"
    open_doc(client, uri, f"{SECRET_TEXT}\n")
    await wait_until(lambda: own_server.frames, 60, "the analyze frame")
    stream = [(p, h) for p, h in own_server.requests if urlsplit(p).path == "/v1/stream"]
    assert len(stream) == 1
    path, headers = stream[0]
    assert "token" not in path and TOKEN not in path, "never in the query string"
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert own_server.frames[0]["type"] == "analyze" and MARKER in own_server.frames[0]["text"]


@pytest.mark.parametrize("url", [
    "ftp://127.0.0.1:9/?token={token}",
    "ws://127.0.0.1:9/v1/stream?token={token}",
    "ws://user:{token}@127.0.0.1:9",
    "ws://example.com:9",
])
async def test_invalid_server_url_is_refused_without_showing_the_token(client: LanguageClient, url):
    since = len(client.messages)
    configure(client, serverUrl=url.format(token=TOKEN))
    uri = f"untitled:bad-url-{zlib.crc32(url.encode())}.txt"
    open_doc(client, uri, f"{NATIVE}\n")
    assert await diagnostics_for(client, uri, 1, timeout=120), "analysed in-process"
    shown = [m.message for m in client.messages[since:]] + [m.message for m in client.log_messages]
    assert not [m for m in shown if TOKEN in m], shown
    await wait_until(lambda: any("ignoring a setting: serverUrl" in m.message for m in client.messages[since:]), 30,
                     "the serverUrl message")
    configure(client)


# -- the real server's side of the proof, and item 3: -v logs neither the token nor text ----------

@pytest.fixture(scope="module")
def real_server():
    srv = start_server(BASE)  # BASE/config holds the user's token: the server uses it too
    assert srv.token == TOKEN
    yield srv
    srv.stop()


async def test_real_server_proves_it_holds_the_token(real_server):
    challenge = secrets.token_hex(32)
    base = f"http://127.0.0.1:{real_server.port}/health"
    answer = httpx.get(base, params={"challenge": challenge}, timeout=30).json()
    assert answer["service"] == "biaslsp"
    assert identity.proof_matches(answer["proof"], TOKEN, real_server.port, challenge)
    assert not identity.proof_matches(answer["proof"], TOKEN, real_server.port + 1, challenge), "bound to its port"
    assert not identity.proof_matches(answer["proof"], "not-the-token-at-all", real_server.port, challenge)
    assert httpx.get(base, timeout=30).json() == {"status": "ok"}, "no challenge, no identity"
    assert "proof" not in httpx.get(base, params={"challenge": "x" * 20}, timeout=30).json()


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(
    server_command=[sys.executable, "-m", "biaslsp", "lsp", "--stdio", "-v", "--log-file", str(LOG)],
    client_factory=make_client, server_env=ENV))
async def verbose_client(lsp_client: LanguageClient, real_server):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=capabilities(), initialization_options={"debounce": 0, "serverUrl": real_server.base}))
    yield
    await lsp_client.shutdown_session()


async def test_verbose_log_has_no_text_and_no_token(verbose_client: LanguageClient, real_server):
    uri = "untitled:logged.txt"
    open_doc(verbose_client, uri, f"{SECRET_TEXT}\n")
    diags = await diagnostics_for(verbose_client, uri, 1, timeout=120)
    assert diags
    await wait_until(lambda: any("analysing with the model server" in m.message for m in verbose_client.log_messages), 30,
                     "the real server to be used")
    verbose_client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=f"{SECRET_TEXT} {MARKER}!\n")]))
    await diagnostics_for(verbose_client, uri, 2, timeout=120)
    log = LOG.read_text(encoding="utf-8", errors="replace")
    assert " DEBUG " in log or " INFO " in log, "-v must still log"
    assert "Sending data" in log, "pygls's message log is kept, without its contents"
    assert MARKER not in log and "native English" not in log
    assert TOKEN not in log and "token=" not in log.lower() and "bearer " + TOKEN.lower() not in log.lower()
