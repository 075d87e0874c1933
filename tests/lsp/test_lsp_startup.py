"""The language server answers `initialize` before it loads the model, loads it in the
background with `$/progress` ("biaslsp: loading model…") and `biaslsp/status`, and then
publishes diagnostics for the documents opened meanwhile (issue 16)."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_helpers import NATIVE, SERVER_CMD, capabilities, diagnostics_for, make_client, open_doc, plain, wait_until

pytestmark = pytest.mark.asyncio(loop_scope="module")

# what editors run: `biaslsp --stdio` (through biaslsp/cli.py, which builds every subcommand's parser)
SERVER = SERVER_CMD
MODEL_LIBRARIES = re.compile(r"libtorch|onnxruntime|/spacy/|/thinc/|/tokenizers/|/transformers/")


def recording_client() -> LanguageClient:
    client = make_client()
    client.statuses = []
    client.diagnosed_after_load = {}  # uri -> whether the model-load progress had ended when they came

    @client.feature("biaslsp/status")
    def _status(client: LanguageClient, params):
        client.statuses.append(plain(params))

    client.diag_hooks.append(lambda client, params: client.diagnosed_after_load.setdefault(params.uri, _ended(client)))

    return client


def _ended(client: LanguageClient) -> bool:
    return any(isinstance(v, types.WorkDoneProgressEnd) for vals in client.progress_reports.values() for v in vals)


def model_libraries_loaded(pid: int) -> set[str]:
    """Shared libraries of a model runtime (torch, ONNX Runtime, spaCy, tokenizers) mapped by `pid`."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return {line.split()[-1] for line in maps.splitlines() if MODEL_LIBRARIES.search(line)}


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER, client_factory=recording_client))
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


async def test_initialize_answered_at_once_then_model_loads_with_progress(client: LanguageClient):
    params = types.InitializeParams(capabilities=capabilities(), process_id=os.getpid(), initialization_options={"debounce": 0})
    client.capabilities = params.capabilities  # what initialize_session does, without its `initialized`
    t0 = time.perf_counter()
    result = await client.initialize_async(params)
    answered = time.perf_counter() - t0
    assert result.server_info.name == "biaslsp"
    loaded = model_libraries_loaded(client._server.pid)
    assert not loaded, f"initialize was answered only after loading {sorted(loaded)[:3]}"
    client.initialized(types.InitializedParams())
    uri = "untitled:opened-while-loading.txt"
    open_doc(client, uri, f"{NATIVE}\n")

    await wait_until(lambda: _ended(client), 120, "the model-load $/progress end")
    reports = next(vals for vals in client.progress_reports.values() if vals)
    assert isinstance(reports[0], types.WorkDoneProgressBegin) and reports[0].title == "biaslsp: loading model\u2026"
    assert isinstance(reports[-1], types.WorkDoneProgressEnd) and "ready" in reports[-1].message
    diags = await diagnostics_for(client, uri, 1, timeout=60)
    assert diags, "the document opened while the model loaded is checked once it is ready"
    assert client.diagnosed_after_load[uri] is True
    assert [s["state"] for s in client.statuses] == ["loading", "ready"]
    status = await client.protocol.send_request_async("biaslsp/status", {})
    assert plain(status)["state"] == "ready"
    print(f"\ninitialize answered in {answered * 1000:.0f} ms (model not loaded yet)")
