"""The ``cupy`` kernel set: the GPU hot path through cuBLAS (imports cupy lazily)."""

from __future__ import annotations

from . import cupy_or_none

__all__ = ["name", "matmul"]

name = "cupy"


def matmul(x, y):
    """Matrix product on the GPU (cuBLAS), numpy.matmul semantics.

    x: (..., n, k) or (k,); y: (..., k, m) or (k,). Returns (..., n, m).
    """
    return cupy_or_none().matmul(x, y)
