"""The VS Code extension's manifest mirrors the server's configuration and starts it over stdio."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path

from biaslsp.lsp import config
from biaslsp.models import LABELS

EXT = Path(__file__).resolve().parents[2] / "lsp" / "vscode"
MANIFEST = json.loads((EXT / "package.json").read_text())
# server settings with no editor counterpart: the per-category severity table lives only in .biaslsp.toml
TOML_ONLY = {"severities"}
EDITOR_ONLY = {"path", "trace.server"}


def props():
    return MANIFEST["contributes"]["configuration"]["properties"]


def test_configuration_mirrors_server_settings():
    server_keys = {f.name for f in fields(config.Settings)} - TOML_ONLY
    assert {k.removeprefix("biaslsp.") for k in props()} == server_keys | EDITOR_ONLY


def test_defaults_and_enums_match_the_server():
    defaults = config.Settings()
    for key in {f.name for f in fields(config.Settings)} - TOML_ONLY:
        got = props()[f"biaslsp.{key}"]["default"]
        want = defaults.__getattribute__(key)
        assert (list(want) if isinstance(want, tuple) else want) == got, key
    assert props()["biaslsp.categories"]["items"]["enum"] == list(LABELS)
    assert set(props()["biaslsp.severity"]["enum"]) <= set(config.SEVERITIES)


def test_extension_sends_every_setting_to_the_server():
    source = (EXT / "src" / "extension.js").read_text()
    listed = re.search(r"for \(const key of \[(.*?)\]\)", source, re.S).group(1)
    sent = set(re.findall(r'"(\w+)"', listed))
    assert sent == {f.name for f in fields(config.Settings)} - TOML_ONLY


def test_activation_main_and_stdio():
    assert {"onLanguage:plaintext", "onLanguage:markdown", "onLanguage:html"} <= set(MANIFEST["activationEvents"])
    main = EXT / MANIFEST["main"]
    assert main.is_file()
    source = main.read_text()
    assert "vscode-languageclient/node" in source and '"--stdio"' in source
    assert 'configurationSection: "biaslsp"' in source and ".biaslsp.toml" in source
    assert "vscode-languageclient" in MANIFEST["dependencies"]
    assert MANIFEST["engines"]["vscode"].startswith("^1.")
    assert "vsce package" in MANIFEST["scripts"]["package"]
    assert (EXT / "LICENSE").is_file() and (EXT / "README.md").is_file()
