"""The ``numpy`` kernel set: the CPU hot path (BLAS matmul).

Every kernel set exports the same functions with the same signatures; the ops call them through
``backends.kernels(array)`` and write their derivatives once for all sets.
"""

from __future__ import annotations

import numpy as np

__all__ = ["name", "matmul"]

name = "numpy"


def matmul(x, y):
    """Matrix product with numpy.matmul semantics (BLAS GEMM underneath).

    x: (..., n, k) or (k,); y: (..., k, m) or (k,). Returns (..., n, m) with batch dims broadcast.
    """
    return np.matmul(x, y)
