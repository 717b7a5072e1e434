"""Linear algebra.

products (mm, bmm, mv, dot, outer, tensordot, ...) and decompositions/solvers (inv, det, solve,
cholesky, qr, eigh, svd, ...).
"""

from __future__ import annotations

__all__: list[str] = []
