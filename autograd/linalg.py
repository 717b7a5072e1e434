"""``autograd.linalg``: PyTorch's ``torch.linalg`` namespace (the functions live in
``autograd/ops/decomp.py``, ``autograd/ops/decomp_factor.py`` (re-exported by ``decomp.py``),
``autograd/ops/decomp_eig.py``, ``autograd/ops/linalg_norms.py``, ``autograd/ops/linalg.py``
and ``autograd/ops/linalg_extra.py``).

inv, inv_ex, det, slogdet, solve, solve_ex, solve_triangular, lstsq, cholesky, cholesky_ex,
qr, eig, eigvals, eigh, eigvalsh, svd, svdvals, pinv, lu, lu_factor, lu_factor_ex, lu_solve,
householder_product, matrix_exp, matrix_power, matrix_norm, vector_norm, norm, multi_dot,
cross, matrix_rank, cond, vecdot, matmul, vander, tensorinv, tensorsolve, diagonal;
``LinAlgError`` for a singular or non-positive-definite input. All batched over leading dims;
all differentiable (twice and more) except matrix_rank and the pivots / info / rank outputs.
"""

from __future__ import annotations

from .ops import decomp as _decomp
from .ops import decomp_eig as _eig
from .ops import linalg as _products
from .ops import linalg_extra as _extra
from .ops import linalg_norms as _norms

LinAlgError = _decomp.LinAlgError
inv = _decomp.inv
det = _decomp.det
slogdet = _decomp.linalg_slogdet
solve = _decomp.solve
solve_triangular = _decomp.solve_triangular
cholesky = _decomp.cholesky
qr = _decomp.qr
eig = _eig.eig
eigvals = _eig.eigvals
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
matrix_exp = _extra.matrix_exp
lstsq = _extra.lstsq
lu_factor = _extra.lu_factor
lu_factor_ex = _extra.lu_factor_ex
lu = _extra.lu
lu_solve = _extra.lu_solve
householder_product = _extra.householder_product
vander = _extra.vander
tensorinv = _extra.tensorinv
tensorsolve = _extra.tensorsolve
cholesky_ex = _extra.cholesky_ex
inv_ex = _extra.inv_ex
solve_ex = _extra.solve_ex
diagonal = _extra.diagonal

__all__ = [
    "LinAlgError", "inv", "det", "slogdet", "solve", "solve_triangular", "cholesky", "qr", "eig",
    "eigvals", "eigh", "eigvalsh", "svd", "svdvals", "pinv", "matrix_power", "matrix_norm",
    "vector_norm", "norm", "multi_dot", "cross", "matrix_rank", "cond", "vecdot", "matmul",
    "matrix_exp", "lstsq", "lu_factor", "lu_factor_ex", "lu", "lu_solve", "householder_product",
    "vander", "tensorinv", "tensorsolve", "cholesky_ex", "inv_ex", "solve_ex", "diagonal",
]  # fmt: skip
