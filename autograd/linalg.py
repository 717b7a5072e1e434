"""``autograd.linalg``: PyTorch's ``torch.linalg`` namespace (the functions live in
``autograd/ops/linalg.py``).

inv, det, slogdet, solve, solve_triangular, cholesky, qr, eigh, eigvalsh, svd, svdvals, pinv,
matrix_power, matrix_norm, vector_norm, norm, multi_dot, cross, matrix_rank, cond, vecdot,
matmul; ``LinAlgError`` for a singular or non-positive-definite input. All batched over leading
dims; all differentiable (twice and more) except matrix_rank.
"""

from __future__ import annotations

from .ops import linalg as _impl

LinAlgError = _impl.LinAlgError
inv = _impl.inv
det = _impl.det
slogdet = _impl.linalg_slogdet
solve = _impl.solve
solve_triangular = _impl.solve_triangular
cholesky = _impl.cholesky
qr = _impl.qr
eigh = _impl.eigh
eigvalsh = _impl.eigvalsh
svd = _impl.svd
svdvals = _impl.svdvals
pinv = _impl.pinv
matrix_power = _impl.matrix_power
matrix_norm = _impl.matrix_norm
vector_norm = _impl.vector_norm
norm = _impl.linalg_norm
multi_dot = _impl.multi_dot
cross = _impl.linalg_cross
matrix_rank = _impl.matrix_rank
cond = _impl.cond
vecdot = _impl.vecdot
matmul = _impl.linalg_matmul

__all__ = [
    "LinAlgError", "inv", "det", "slogdet", "solve", "solve_triangular", "cholesky", "qr", "eigh",
    "eigvalsh", "svd", "svdvals", "pinv", "matrix_power", "matrix_norm", "vector_norm", "norm",
    "multi_dot", "cross", "matrix_rank", "cond", "vecdot", "matmul",
]  # fmt: skip
