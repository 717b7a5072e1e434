"""Shared test setup: a fixed seed per test, and the ``gpu`` marker's skip."""

from __future__ import annotations

import os
import sys

import pytest

import autograd as ag


@pytest.fixture(autouse=True)
def _seed():
    ag.manual_seed(0)
    torch = sys.modules.get("torch")  # torch's modules initialise from its own generator
    if torch is not None:
        torch.manual_seed(0)


def _has_gpu() -> bool:
    from backends import cupy_or_none

    return cupy_or_none() is not None


def pytest_sessionstart(session):
    # .ci/gpu sets TAPEGRAD_REQUIRE_GPU: a GPU run that would skip every test must fail instead
    # (checked once, in the main process: pytest-xdist workers set PYTEST_XDIST_WORKER)
    if os.environ.get("TAPEGRAD_REQUIRE_GPU") and not os.environ.get("PYTEST_XDIST_WORKER"):
        if not _has_gpu():
            from backends import available

            pytest.exit(
                f"TAPEGRAD_REQUIRE_GPU is set but no GPU is usable: {available()['cupy'].reason}",
                returncode=3,
            )


def pytest_collection_modifyitems(config, items):
    if _has_gpu():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU (cupy with a visible device)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(params=["per-sample", "batch-innermost"])
def conv_path(request, monkeypatch):
    """Run a test on each CPU convolution path: per-sample im2col, or the batch-innermost layout
    that small outputs take (``backends.numpy_kernels._cn``); the parameter names the path."""
    import backends.numpy_kernels as nk

    monkeypatch.setattr(nk, "_CN_MAX_POSITIONS", -1 if request.param == "per-sample" else 1 << 40)
    return request.param
