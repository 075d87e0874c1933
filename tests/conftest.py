"""Shared fixtures: the embedded engine (loaded once per session) and the data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """GPU tests skip loudly when no CUDA device is present."""
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except Exception:  # noqa: BLE001
        has_cuda = False
    if has_cuda:
        return
    skip = pytest.mark.skip(reason="SKIPPED: needs a CUDA GPU (none on this machine)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def engine():
    from biaslsp.models import default_engine

    return default_engine()


@pytest.fixture(scope="session")
def data_folder() -> Path:
    from biaslsp.models.training.data import data_dir
    from biaslsp.models.errors import DataError

    try:
        return data_dir(os.environ.get("BIASLSP_DATA"))
    except DataError:
        pytest.skip("SKIPPED: ../shared/data is not beside this checkout")
