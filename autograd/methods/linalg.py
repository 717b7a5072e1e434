"""Tensor methods calling the entry points in ``autograd/ops/linalg.py`` (products) and
``autograd/ops/decomp.py`` (inverse, determinants; it re-exports the pseudo-inverse and Cholesky
of ``autograd/ops/decomp_factor.py``)."""

from __future__ import annotations


def _ops():
    from .. import ops  # late: autograd.ops imports the tensor module

    return ops


class LinalgMethods:
    """Mixin of Tensor: methods for the ops in ``autograd/ops/linalg.py`` and ``decomp.py``."""

    __slots__ = ()

    def mm(self, mat2):
        """See ``autograd.mm``: (n, k) @ (k, m) -> (n, m)."""
        return _ops().mm(self, mat2)

    def bmm(self, mat2):
        """See ``autograd.bmm``: (b, n, k) @ (b, k, m) -> (b, n, m)."""
        return _ops().bmm(self, mat2)

    def mv(self, vec):
        """See ``autograd.mv``: (n, k) @ (k,) -> (n,)."""
        return _ops().mv(self, vec)

    def dot(self, other):
        """See ``autograd.dot``: (n,) . (n,) -> 0-d."""
        return _ops().dot(self, other)

    def vdot(self, other):
        """See ``autograd.vdot``: (n,) . (n,) -> 0-d (real tensors)."""
        return _ops().vdot(self, other)

    def inner(self, other):
        """See ``autograd.inner``: (*a, k), (*b, k) -> (*a, *b)."""
        return _ops().inner(self, other)

    def outer(self, vec2):
        """See ``autograd.outer``: (n,), (m,) -> (n, m)."""
        return _ops().outer(self, vec2)

    def ger(self, vec2):
        """See ``autograd.outer``: (n,), (m,) -> (n, m)."""
        return _ops().outer(self, vec2)

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        """See ``autograd.addmm``: beta * self + alpha * (mat1 @ mat2)."""
        return _ops().addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def addmv(self, mat, vec, *, beta=1, alpha=1):
        """See ``autograd.addmv``: beta * self + alpha * (mat @ vec)."""
        return _ops().addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addbmm(self, batch1, batch2, *, beta=1, alpha=1):
        """See ``autograd.addbmm``: beta * self + alpha * sum_i batch1[i] @ batch2[i]."""
        return _ops().addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        """See ``autograd.baddbmm``: beta * self + alpha * bmm(batch1, batch2)."""
        return _ops().baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def trace(self):
        """See ``autograd.trace``: the sum of the main diagonal of a 2-D tensor."""
        return _ops().trace(self)

    def kron(self, other):
        """See ``autograd.kron``: the Kronecker product."""
        return _ops().kron(self, other)

    def cross(self, other, dim=None):
        """See ``autograd.cross``: the cross product of 3-vectors along ``dim``."""
        return _ops().cross(self, other, dim)

    def matrix_power(self, n):
        """See ``autograd.matrix_power``: self^n for square (..., m, m)."""
        return _ops().matrix_power(self, n)

    def matrix_exp(self):
        """See ``autograd.matrix_exp``: exp of square (..., n, n) -> (..., n, n)."""
        return _ops().matrix_exp(self)

    def inverse(self):
        """See ``autograd.inverse``: the inverse of square (..., n, n)."""
        return _ops().inverse(self)

    def det(self):
        """See ``autograd.det``: the determinant of square (..., n, n) -> (...)."""
        return _ops().det(self)

    def logdet(self):
        """See ``autograd.logdet``: log(det) of square (..., n, n) -> (...)."""
        return _ops().logdet(self)

    def slogdet(self):
        """See ``autograd.slogdet``: (sign, logabsdet) of square (..., n, n)."""
        return _ops().slogdet(self)

    def pinverse(self, rcond=1e-15):
        """See ``autograd.pinverse``: the pseudo-inverse (..., m, n) -> (..., n, m)."""
        return _ops().pinverse(self, rcond)

    def cholesky(self, upper=False):
        """See ``autograd.cholesky``: the Cholesky factor of SPD (..., n, n)."""
        return _ops().cholesky(self, upper)
