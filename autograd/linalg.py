"""``autograd.linalg``: PyTorch's ``torch.linalg`` namespace (the functions live in
``autograd/ops/decomp.py``, ``autograd/ops/linalg_norms.py`` and ``autograd/ops/linalg.py``).

inv, det, slogdet, solve, solve_triangular, cholesky, qr, eigh, eigvalsh, svd, svdvals, pinv,
matrix_power, matrix_norm, vector_norm, norm, multi_dot, cross, matrix_rank, cond, vecdot,
matmul; ``LinAlgError`` for a singular or non-positive-definite input. All batched over leading
dims; all differentiable (twice and more) except matrix_rank.
"""

from __future__ import annotations

from .ops import decomp as _decomp
from .ops import linalg as _products
from .ops import linalg_norms as _norms

LinAlgError = _decomp.LinAlgError
inv = _decomp.inv
det = _decomp.det
slogdet = _decomp.linalg_slogdet
solve = _decomp.solve
solve_triangular = _decomp.solve_triangular
cholesky = _decomp.cholesky
qr = _decomp.qr
eigh = _decomp.eigh
eigvalsh = _decomp.eigvalsh
svd = _decomp.svd
svdvals = _decomp.svdvals
pinv = _decomp.pinv
matrix_power = _products.matrix_power
matrix_norm = _norms.matrix_norm
vector_norm = _norms.vector_norm
norm = _norms.linalg_norm
multi_dot = _products.multi_dot
cross = _products.linalg_cross
matrix_rank = _norms.matrix_rank
cond = _norms.cond
vecdot = _products.vecdot
matmul = _products.linalg_matmul

__all__ = [
    "LinAlgError", "inv", "det", "slogdet", "solve", "solve_triangular", "cholesky", "qr", "eigh",
    "eigvalsh", "svd", "svdvals", "pinv", "matrix_power", "matrix_norm", "vector_norm", "norm",
    "multi_dot", "cross", "matrix_rank", "cond", "vecdot", "matmul",
]  # fmt: skip
