"""The LU family of ``torch.linalg`` (lu_factor, lu_factor_ex, lu, lu_solve, and
``torch.lu_unpack``) and the ``_ex`` variants that report failures in an ``info`` tensor
(cholesky_ex, inv_ex, solve_ex); batched over leading dims like PyTorch. A singular matrix
gives torch's inf / NaN in lu_solve and the ``_ex`` variants, forward and backward (no error).

Forward passes run on the input's array module (``numpy`` or ``cupy``): the LU NumPy lacks
(``_lu_raw``, and the substitutions of LAPACK's getrs) is in ``_decomp_util.py``, the partial
Cholesky (``_chol_raw``) in ``decomp_factor.py``, both column loops over whole batches.
Derivatives are written with autograd ops (matmul, constant masks, ``_decomp_util.py``'s
triangular solves), so every rule is differentiable again; lu_solve is a composition of
triangular solves. Complex matrices follow PyTorch (LAPACK's zgetrf): pivots chosen by the
largest |re| + |im|, conjugate transposes where the real rules transpose.

The ``torch.linalg`` names are not in ``__all__``: ``linalg_extra.py`` re-exports them, and
``autograd/linalg.py`` takes them from there. ``__all__`` holds lu_unpack (torch has it at top
level).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..dtypes import COMPLEX
from ..errors import ShapeError
from ..function import Function
from ._decomp_util import (  # noqa: F401 - _flat, _tri_loop re-exported for linalg_extra.py
    _H,
    _T,
    LinAlgError,
    SolveTriangular,
    _bshape,
    _check_info,
    _flat,
    _lu_raw,
    _perm,
    _solve_raw,
    _tri_loop,
    _tril,
    _triu,
)
from ._linalg_util import (
    _arg,
    _col,
    _f,
    _float_arg,
    _like,
    _matrix,
    _raw,
    _shape,
    _xp,
)
from .arithmetic import Matmul
from .decomp import Inv, Solve, _same_dtype, _singular, _solver_failed
from .decomp_factor import Cholesky, _chol_raw, _not_pd

__all__ = ["lu_unpack"]

LUFactorResult = namedtuple("linalg_lu_factor", ["LU", "pivots"])
LUFactorExResult = namedtuple("linalg_lu_factor_ex", ["LU", "pivots", "info"])
LUResult = namedtuple("linalg_lu", ["P", "L", "U"])
LUUnpackResult = namedtuple("lu_unpack", ["P", "L", "U"])
CholeskyExResult = namedtuple("linalg_cholesky_ex", ["L", "info"])
InvExResult = namedtuple("linalg_inv_ex", ["inverse", "info"])
SolveExResult = namedtuple("linalg_solve_ex", ["result", "info"])


def _mm(a, b):
    return Matmul.apply(a, b)


# -- LU -----------------------------------------------------------------------------------------


def _pt(perm, dtype):
    """P^T (..., m, m) as a constant array: row i is e_perm[i]."""
    return _xp(perm).eye(perm.shape[-1], dtype=dtype)[perm]


def _rows(x, perm):
    """x (..., m, k) with its rows in the order perm (..., m), batch dims broadcast: P^T x for
    the LU's P (a gather, differentiable; not a product with P, which would turn an inf of x
    into NaN)."""
    sx = _shape(x)
    shape = np.broadcast_shapes(perm.shape[:-1], sx[:-2]) + sx[-2:]
    if sx != shape:
        x = _f().broadcast_to(x, shape)
    return _f().gather(x, -2, _xp(perm).broadcast_to(perm[..., None], shape))


def _unrows(x, perm):
    """P x: the inverse of ``_rows``."""
    return _rows(x, _xp(perm).argsort(perm, axis=-1))


def _lu_parts(lu, k):
    """L (..., m, k) unit lower and U (..., k, n) upper from the packed LU (differentiable)."""
    r = _raw(lu)
    m = r.shape[-2]
    lo = _tril(lu[..., :, :k], -1) + _xp(r).eye(m, k, dtype=r.dtype)
    return lo, _triu(lu[..., :k, :])


class LUFactor(Function):
    """LU (packed) of A = P L U, A (..., m, n), k = min(m, n); the factorisation comes in
    computed (with its pivots fixed). torch's linalg_lu_backward with gL = gLU[..., :k],
    gU = gLU[..., :k, :]; for square A:
    gA = P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T; the tall and wide cases add the
    blocks of L and U beyond k. Complex A: ^H for ^T (torch's rule)."""

    __slots__ = ("perm",)
    save_output = True
    complex_ok = True

    def forward(self, a, lu, perm):
        self.perm = perm
        return lu

    def backward(self, gy):
        (lu,) = self.saved
        m, n = lu.shape[-2:]
        k = min(m, n)
        lo, up = _lu_parts(lu, k)
        gl, gu = gy[..., :, :k], gy[..., :k, :]
        t = _H if self.odtype in COMPLEX else _T
        if m == n:
            phi = _tril(_mm(t(lo), gl), -1) + _triu(_mm(gu, t(up)))
            ga = SolveTriangular.apply(t(up), phi, False, False, False)  # phi U^-T
            ga = SolveTriangular.apply(t(lo), ga, True, True, True)  # L^-T (.)
        elif m < n:  # wide: U = [U1 | U2], U1 (k, k)
            u1 = up[..., :, :k]
            phi = _mm(t(lo), gl) - _mm(_triu(gu), t(up))
            ga = SolveTriangular.apply(t(u1), _tril(phi, -1), False, False, False)
            ga = _f().cat([ga + _triu(gu[..., :, :k]), gu[..., :, k:]], dim=-1)
            ga = SolveTriangular.apply(t(lo), ga, True, True, True)
        else:  # tall: L = [L1; L2], L1 (k, k)
            l1 = lo[..., :k, :]
            phi = _mm(gu, t(up)) - _mm(t(lo), _tril(gl, -1))
            ga = SolveTriangular.apply(t(l1), _triu(phi), True, True, True)
            ga = _f().cat([ga + _tril(gl[..., :k, :], -1), gl[..., k:, :]], dim=-2)
            ga = SolveTriangular.apply(t(up), ga, False, False, False)
        if self.perm is not None:
            # torch's product with P (not a gather): the same inf / NaN at a singular A
            ga = _mm(_T(_pt(self.perm, _raw(lu).dtype)), ga)
        return ga, None, None


def _lu_factor(op, A, pivot):
    A = _matrix(op, A)
    r = _raw(A)
    lu, piv, info = _lu_raw(r, bool(pivot))
    perm = _perm(piv, r.shape[-2], r) if pivot else None
    return A, LUFactor.apply(A, lu, perm), _like(A, piv), info, perm


def _lu_zero(op):
    return lambda i: (
        f"U[{i},{i}] is zero and using it on lu_solve would result in a division by zero. If "
        "you still want to perform the factorization, consider calling linalg.lu(A, pivot) or "
        "linalg.lu_factor_ex(A, pivot)"
    )


def lu_factor(A, *, pivot=True):
    """The compact LU factorisation of A (..., m, n), k = min(m, n): the namedtuple (LU
    (..., m, n) holding L's strict lower part and U, pivots (..., k) int32, LAPACK's 1-based
    row swaps). Raises LinAlgError when a U[i, i] is zero (use lu_factor_ex or lu then).
    ``pivot=False`` (no row swaps; CUDA-only in torch) gives pivots 1..k. Differentiable in A
    (as torch, for the pivots the forward chose)."""
    op = "linalg.lu_factor"
    A, lu, piv, info, _ = _lu_factor(op, A, pivot)
    _check_info(op, info, _lu_zero(op), info.ndim > 0)
    return LUFactorResult(lu, piv)


def lu_factor_ex(A, *, pivot=True, check_errors=False):
    """``lu_factor`` without the singularity check: the namedtuple (LU, pivots, info), info
    (...) int32 the 1-based index of the first zero U[i, i] (0: none). ``check_errors`` raises
    LinAlgError for a non-zero info."""
    op = "linalg.lu_factor_ex"
    A, lu, piv, info, _ = _lu_factor(op, A, pivot)
    if check_errors:
        _check_info(op, info, _lu_zero(op), info.ndim > 0)
    return LUFactorExResult(lu, piv, _like(A, info))


def _unpack(A, lu, perm, k, data=True):
    lo, up = _lu_parts(lu, k) if data else (None, None)
    r = _raw(A)
    p = _like(A, _T(_pt(perm, r.dtype))) if perm is not None else None
    return p, lo, up


def lu(A, *, pivot=True):
    """LU decomposition A = P L U of A (..., m, n), k = min(m, n): the namedtuple (P (..., m, m)
    a permutation matrix, L (..., m, k) unit lower triangular, U (..., k, n) upper triangular).
    ``pivot=False`` (CUDA-only in torch) factors without row swaps and returns an empty P.
    L and U are differentiable (torch's formula)."""
    A, packed, _, _, perm = _lu_factor("linalg.lu", A, pivot)
    r = _raw(A)
    p, lo, up = _unpack(A, packed, perm, min(r.shape[-2:]))
    if p is None:
        p = _like(A, _xp(r).empty((0,), dtype=r.dtype))
    return LUResult(p, lo, up)


def _pivots(op, piv, lu_shape, k):
    piv = _arg(piv)
    rp = _raw(piv)
    if rp.dtype.kind not in "iu":
        raise TypeError(f"{op}: pivots must be an integer tensor (int32), got dtype {rp.dtype}")
    if _shape(rp) != lu_shape[:-2] + (k,):
        raise ShapeError(
            f"{op}: expected pivots of shape {lu_shape[:-2] + (k,)} for LU of shape "
            f"{lu_shape}, got {_shape(rp)}"
        )
    if rp.size and not bool(((rp >= 1) & (rp <= lu_shape[-2])).all()):
        raise ValueError(
            f"{op}: pivots must lie in [1, LU.size(-2) = {lu_shape[-2]}]; did you pass the "
            "pivots lu_factor returned?"
        )
    return rp


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):  # noqa: N803
    """(P, L, U) from lu_factor's (LU (..., m, n), pivots (..., k)): P (..., m, m), L (..., m,
    k), U (..., k, n), A = P L U (``torch.lu_unpack``). P (or L and U) is an empty tensor when
    ``unpack_pivots`` (or ``unpack_data``) is False. L and U are differentiable in LU."""
    op = "lu_unpack"
    lu_ = _matrix(op, LU_data, name="LU_data")
    s = _shape(lu_)
    k = min(s[-2:])
    rp = _pivots(op, LU_pivots, s, k)
    r = _raw(lu_)
    empty = _like(lu_, _xp(r).empty((0,), dtype=r.dtype))
    perm = _perm(rp, s[-2], r) if unpack_pivots else None
    p, lo, up = _unpack(lu_, lu_, perm, k, unpack_data)
    return LUUnpackResult(empty if p is None else p, empty if lo is None else lo,
                          empty if up is None else up)  # fmt: skip


def lu_solve(LU, pivots, B, *, left=True, adjoint=False):  # noqa: N803 - torch's name
    """X with A X = B (``left``) or X A = B, A = P L U given by lu_factor's (LU (..., n, n),
    pivots (..., n)); with ``adjoint`` A^T in place of A. B (..., n, k) (left) or (..., k, n);
    batch dims broadcast. Differentiable in LU and B (a composition of triangular solves). A
    zero on U's diagonal (a singular A) gives inf / NaN, as torch, forward and backward."""
    op = "linalg.lu_solve"
    LU = _matrix(op, LU, square=True, name="LU")
    B = _matrix(op, B, name="B")
    ra, rb = _raw(LU), _raw(B)
    if ra.dtype != rb.dtype:
        raise TypeError(
            f"{op}: expected LU and B to have the same dtype, but got {ra.dtype} and {rb.dtype}"
        )
    sa, sb = _shape(LU), _shape(B)
    n = sa[-1]
    rp = _pivots(op, pivots, sa, n)
    if (sb[-2] if left else sb[-1]) != n:
        eq = "AX = B" if left else "XA = B"
        raise ShapeError(
            f"{op}: incompatible shapes of A and B for the equation {eq} ({sa} and {sb})"
        )
    _bshape(op, sa[:-2], sb[:-2])
    perm = _perm(rp, n, ra)
    st = SolveTriangular.apply
    if left and not adjoint:  # X = U^-1 L^-1 P^T B
        return st(LU, st(LU, _rows(B, perm), False, True, True), True, True, False)
    if left:  # A^H X = B: X = P L^-H U^-H B (P real)
        y = st(_H(LU), st(_H(LU), B, False, True, False), True, True, True)
        return _unrows(y, perm)
    if not adjoint:  # X A = B: X = B U^-1 L^-1 P^T = (P (...)^T)^T
        return _T(_unrows(_T(st(LU, st(LU, B, True, False, False), False, False, True)), perm))
    y = st(_H(LU), _T(_rows(_T(B), perm)), True, False, True)  # X A^H = B: X = B P L^-H U^-H
    return st(_H(LU), y, False, False, False)


# -- the _ex variants: failures reported in info ------------------------------------------------


class CholeskyEx(Cholesky):
    """cholesky_ex's L (computed by the entry point, passed in); backward as Cholesky's."""

    __slots__ = ()
    complex_ok = True  # L^H for upper; Cholesky's backward is the complex one

    def forward(self, a, upper, lo):
        self.upper = upper
        return lo.swapaxes(-1, -2).conj() if upper else lo

    def backward(self, gy):
        return super().backward(gy)[0], None, None


def cholesky_ex(A, *, upper=False, check_errors=False):
    """``cholesky`` that reports failure instead of raising: the namedtuple (L, info), info
    (...) int32 the order of the first leading minor that is not positive-definite (0:
    success); where it fails L holds a partial factorisation. ``check_errors`` raises
    LinAlgError for a non-zero info. A (..., n, n), its lower triangle read (upper=True: its
    upper triangle, as torch)."""
    op = "linalg.cholesky_ex"
    A = _matrix(op, A, square=True)
    a = _raw(A)
    lo, info = _chol_raw(a.swapaxes(-1, -2).conj() if upper else a)
    if check_errors:
        _check_info(op, info, _not_pd, info.ndim > 0)
    return CholeskyExResult(CholeskyEx.apply(A, bool(upper), lo), _like(A, info))


class InvEx(Inv):
    """inv_ex's inverse (computed by the entry point, passed in); backward as Inv's (the
    inputs (a, y) match Inv's (a, check): its (gA, None) fits)."""

    __slots__ = ()

    def forward(self, a, y):
        return y


def inv_ex(A, *, check_errors=False):
    """``inv`` that reports failure instead of raising: the namedtuple (inverse, info), info
    (...) int32 the 1-based index of the first zero pivot of A's LU (0: invertible; the
    inverse then holds inf / NaN). ``check_errors`` raises LinAlgError for a non-zero info."""
    op = "linalg.inv_ex"
    A = _matrix(op, A, square=True)
    r = _raw(A)
    y, info = _solve_raw(r, _xp(r).eye(r.shape[-1], dtype=r.dtype))
    if check_errors:
        _check_info(op, info, _singular, info.ndim > 0)
    return InvExResult(InvEx.apply(A, y), _like(A, info))


class SolveEx(Solve):
    """solve_ex's X = A^-1 B (``adjoint``: A^-H B), computed by the entry point and passed in;
    backward as Solve's without the singularity check (inf / NaN at a singular A, as torch).
    The inputs (a, b, x, adjoint) are as many as Solve's (a, b, check, adjoint)."""

    __slots__ = ()

    def forward(self, a, b, x, adjoint):
        self.check, self.adjoint = False, adjoint
        return x


def solve_ex(A, B, *, left=True, check_errors=False):
    """``solve`` that reports failure instead of raising: the namedtuple (result, info), info
    (A's batch dims) int32 non-zero where A is singular (result then holds inf / NaN).
    Shapes as ``linalg.solve``; ``check_errors`` raises LinAlgError for a non-zero info."""
    op = "linalg.solve_ex"
    A = _matrix(op, A, square=True)
    B = _float_arg(op, B)
    _same_dtype(op, A, B)
    sa, sb = _shape(A), _shape(B)
    vector = len(sb) == 1 or (len(sb) == len(sa) - 1 and sb == sa[:-1])
    bad = ShapeError(
        f"{op}: incompatible shapes of A and B for the equation {'AX' if left else 'XA'} = B "
        f"({sa} and {sb})"
    )
    if not sb or (left and (sb[-1] if vector else sb[-2]) != sa[-1]):
        raise bad
    if not left and (vector or len(sb) < 2 or sb[-1] != sa[-1]):
        raise bad
    _bshape(op, sa[:-2], sb[:-1] if vector else sb[:-2])
    # X A = B: X^T = A^-T B^T, with A's LU (as torch) when A is real
    adjoint = not left and _raw(A).dtype not in COMPLEX
    if not left:
        A, B = (A if adjoint else _T(A)), _T(B)
    elif vector:
        B = _col(B)
    x, info = _solve_raw(_raw(A), _raw(B), adjoint)
    if check_errors:
        _check_info(op, info, _solver_failed, info.ndim > 0)
    x = SolveEx.apply(A, B, x, adjoint)
    if not left:
        x = _T(x)
    elif vector:
        x = x.reshape(_shape(x)[:-1])
    return SolveExResult(x, _like(A, info))
