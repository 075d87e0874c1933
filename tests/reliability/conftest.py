"""Shared bits of the reliability suite: figures collected for docs/reliability.md, the slow switch.

Every test here talks to real processes on loopback only (127.0.0.1). Figures each test
measures are merged into test-artifacts/reliability/figures.json at the end of the session.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent / "lsp"))  # lsp_helpers
sys.path.insert(0, str(HERE))  # faulty_serve
FIGURES = ROOT / "test-artifacts" / "reliability" / "figures.json"

BIASED = "We want young, energetic rockstar ninjas. He/she must be a native English speaker."
NATIVE = "Applicants must be native English speakers."
LIFT = "Must be able to lift 50 pounds."


def slow_requested(config: pytest.Config) -> bool:
    """The full-length versions run with `-m slow` or BIASLSP_SLOW=1; the bounded ones always."""
    markexpr = config.getoption("markexpr") or ""
    return os.environ.get("BIASLSP_SLOW") == "1" or ("slow" in markexpr and "not slow" not in markexpr)


@pytest.fixture(scope="session")
def figures():
    """A dict each test adds its measured figures to (key: test name)."""
    found: dict = {}
    yield found
    if found:
        FIGURES.parent.mkdir(parents=True, exist_ok=True)
        old = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
        old.update({k: {**v, "at": time.strftime("%Y-%m-%d %H:%M")} for k, v in found.items()})
        FIGURES.write_text(json.dumps(old, indent=1, sort_keys=True))
