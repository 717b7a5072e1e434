"""Linear algebra: inverses, determinants and solves (inv, det, slogdet, logdet, solve,
solve_triangular), batched over leading dims like PyTorch. The factorisations and the
pseudo-inverse (cholesky, qr, eigh, svd, pinv) are in ``decomp_factor.py`` and re-exported
here; the shared helpers (and ``LinAlgError``) are in ``_decomp_util.py``.

Each calls the input's array module (``numpy.linalg`` or ``cupy.linalg``) and writes its
derivative with autograd ops: matmul, transposes, constant triangular masks, and this module's
own inverse and solves, so every rule is differentiable again (second order works). A failed
inversion or solve raises ``LinAlgError`` (torch's message, naming the zero pivot); where
torch returns inf / NaN instead (solve_triangular, the backward of slogdet at a singular
matrix, and the ``_ex`` variants in ``linalg_lu.py``), so does this module, with LAPACK's
substitutions where NumPy would raise or round differently. A and B of a solve must share a
dtype, as torch's.

Complex matrices follow PyTorch: conjugate transposes (``_H``) where the real rules transpose,
and the holomorphic maps (inv, det, solve) backpropagate gy times the conjugate derivative.

The functions of ``torch.linalg`` (inv, solve, qr, eigh, svd, ...) are not in ``__all__`` (so
not top-level ``autograd`` names): ``autograd/linalg.py`` re-exports them from here, with
``linalg_slogdet`` under its torch.linalg name ``slogdet``.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from ..dtypes import COMPLEX
from ..errors import ShapeError
from ..function import Function
from ..tensor import Tensor
from ._decomp_util import (  # noqa: F401 - LinAlgError re-exported
    _H,
    _T,
    LinAlgError,
    SolveTriangular,
    _bshape,
    _check_info,
    _diag_embed,
    _is_c,
    _lu_raw,
    _mm,
    _solve_raw,
)
from ._linalg_util import (
    _col,
    _f,
    _float_arg,
    _like,
    _matrix,
    _raw,
    _row,
    _shape,
    _xp,
)
from .complex_parts import angle, conj, imag
from .complex_parts import complex as _complex
from .decomp_factor import (  # noqa: F401 - re-exported
    QR,
    SVD,
    Cholesky,
    Eigh,
    EighResult,
    Pinv,
    QRResult,
    SVDResult,
    _svd_parts,
    cholesky,
    eigh,
    eigvalsh,
    pinv,
    pinverse,
    qr,
    svd,
    svdvals,
)

__all__ = ["inverse", "det", "logdet", "slogdet", "pinverse", "cholesky"]

# result types, as torch.return_types
SlogdetResult = namedtuple("slogdet", ["sign", "logabsdet"])
LinalgSlogdetResult = namedtuple("linalg_slogdet", ["sign", "logabsdet"])


# -- inverse, determinants, solves --------------------------------------------------------------


def _singular(i):
    return (
        f"The diagonal element {i} is zero, the inversion could not be completed because the "
        "input matrix is singular."
    )


def _solver_failed(i):
    return "The solver failed because the input matrix is singular."


class Inv(Function):
    """Y = A^-1, A (..., n, n); dA = -Y^T (gY Y^T) (complex: ^H for ^T; torch's order, which
    keeps its inf / NaN pattern at a singular A). ``check``: LinAlgError for a singular A, else
    the inf / NaN of LAPACK's substitution (inv_ex, and backward rules, which never raise)."""

    __slots__ = ()
    save_output = True
    complex_ok = True

    def forward(self, a, check):
        y, info = _solve_raw(a, _xp(a).eye(a.shape[-1], dtype=a.dtype))
        if check:
            _check_info("linalg.inv", info, _singular, info.ndim > 0)
        return y

    def backward(self, gy):
        (y,) = self.saved
        yt = _H(y) if self.odtype in COMPLEX else _T(y)
        return -_mm(yt, _mm(gy, yt)), None


def inv(A):
    """Inverse of square matrices A (..., n, n) -> (..., n, n); LinAlgError when singular (a
    zero pivot in A's LU, as torch)."""
    return Inv.apply(_matrix("linalg.inv", A, square=True), True)


def inverse(input):  # noqa: A002
    """See ``autograd.linalg.inv``."""
    return inv(input)


# det's backward takes the cofactors through the SVD beyond this condition number: d A^-T
# there multiplies a tiny d by a huge inverse, exact at first order but not when differentiated
_DET_COND = 1e8


class Det(Function):
    """d = det(A), (..., n, n) -> (...); dA = gd d A^-T, the cofactor matrix (through the SVD
    where A is singular, where A^-T does not exist, and for the second order where A is
    ill-conditioned; torch's first-order rule returns 0 where d == 0 exactly, its second-order
    one these cofactors). Complex A: det is holomorphic, dA = gd conj(d A^-T) = gd conj(d)
    A^-H. Real A with an inf / NaN: d and the solve for d A^-T from LAPACK's LU of A^T, as
    torch, so its inf / NaN come out alike (the SVD would fail)."""

    __slots__ = ()
    save_inputs = (0,)
    save_output = True
    complex_ok = True

    def forward(self, a):
        xp = _xp(a)
        if a.dtype not in COMPLEX and not bool(xp.isfinite(a).all()):
            return _lu_det(a)[2]  # torch's inf / NaN (NumPy's det of a NaN matrix can be 0)
        return xp.linalg.det(a)

    def backward(self, gy):
        a, d = self.saved
        g = _col(_col(gy))
        c = self.odtype in COMPLEX
        ra = _raw(a)
        if not c and not bool(_xp(ra).isfinite(ra).all()):
            return _inv_h(a, gy * d)  # with forward's LU of A^T: torch's inf / NaN
        if bool((_raw(d) == 0).any()) or (isinstance(a, Tensor) and _ill_conditioned(a)):
            return g * _cofactor(a, c)
        # d and A^-1 from the same LU (NumPy's, of A): their roundings cancel in d A^-T
        inv = Inv.apply(a, False)
        return g * _col(_col(conj(d))) * _H(inv) if c else g * _col(_col(d)) * _T(inv)


def _lu_det(a):
    """(sign, log|det|, det) of real a (..., n, n) from LAPACK's LU of a^T, the one torch
    factors for a row-major matrix: its inf / NaN where a holds inf / NaN (sign 0 at a NaN)."""
    xp = _xp(a)
    lu, piv, _ = _lu_raw(a.swapaxes(-1, -2), True)
    n = a.shape[-1]
    flip = xp.where((piv != xp.arange(1, n + 1)).sum(axis=-1) % 2 == 1, -1.0, 1.0)
    diag = xp.diagonal(lu, 0, -2, -1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        sign = flip * xp.where(xp.isnan(diag), 0, xp.sign(diag)).prod(axis=-1)
        logabs = xp.log(abs(diag)).sum(axis=-1)
        det = flip * diag.prod(axis=-1)
    return sign.astype(a.dtype), logabs.astype(a.dtype), det.astype(a.dtype)


def _ill_conditioned(a) -> bool:
    """Whether any matrix of a (..., n, n) has a condition number above _DET_COND."""
    r = _raw(a)
    if r.size == 0:
        return False
    sv = _xp(r).linalg.svd(r, compute_uv=False)
    return bool((sv[..., -1] * _DET_COND < sv[..., 0]).any())


def _cofactor(a, c=False):
    """cof(A) = det(U) det(V) U diag(prod_{j != i} s_j) V^T for A = U diag(s) V^T (any A).

    c (complex A): conj(cof(A)) = conj(det(U) det(Vh)) U diag(prod_{j != i} s_j) Vh, the
    phase det(U) det(Vh) differentiated too (it moves with A, unlike a real sign)."""
    u, s, vh = _svd_parts(a, False)
    r = _raw(s)
    n = r.shape[-1]
    others = _f().where(_xp(r).eye(n, dtype=bool), 1, _row(s))  # row i: s with s_i -> 1
    s_excl = _f().prod(others, dim=-1)
    if c:
        phase = conj(Det.apply(u) * Det.apply(vh))
        return _mm(u * _row(s_excl), vh) * _col(_col(phase))
    ur, vr = _raw(u), _raw(vh)
    sign = _xp(ur).linalg.det(ur) * _xp(vr).linalg.det(vr)  # +-1: a constant
    sign = _xp(ur).asarray(sign).astype(r.dtype).reshape(r.shape[:-1] + (1, 1))
    return _mm(u * _row(s_excl), vh) * sign


def det(A):
    """Determinant of square matrices A (..., n, n) -> (...)."""
    return Det.apply(_matrix("linalg.det", A, square=True))


class LogAbsDet(Function):
    """log|det A| (computed with its sign by slogdet, passed in); dA = g A^-T (complex A:
    d log|det A| = re tr(A^-1 dA), so dA = g A^-H)."""

    __slots__ = ()
    save_inputs = (0,)
    complex_ok = True

    def forward(self, a, logabs):
        return logabs

    def backward(self, gy):
        (a,) = self.saved
        return _inv_h(a, gy), None


class SlogdetSign(Function):
    """sign = det A / |det A| of complex A (computed by slogdet, passed in). With t =
    tr(A^-1 dA), d sign = i im(t) sign, so dA = i im(g conj(sign)) A^-H (PyTorch's)."""

    __slots__ = ()
    save_inputs = (0,)
    save_output = True
    complex_ok = True

    def forward(self, a, sign):
        return sign

    def backward(self, gy):
        a, sign = self.saved
        return _inv_h(a, _complex(None, imag(gy * conj(sign)))), None


def _inv_h(a, g):
    """g A^-H (real: g A^-T), g (...) one scalar per matrix, as torch's det and slogdet
    backward compute it: real A, the solve A^T X = diag(g) with the LU of A^T, so a singular or
    non-finite A gives torch's inf / NaN (no error); complex A, A's inverse (torch solves with
    A's LU: so are the roundings of an ill-conditioned A alike)."""
    r = _raw(a)
    if r.dtype in COMPLEX:
        return _col(_col(g)) * _H(Inv.apply(a, False))
    rhs = _diag_embed(_f().broadcast_to(_col(g), r.shape[:-1]))  # no inf * 0 off the diagonal
    return Solve.apply(_T(a), rhs, False, False)


def _slogdet(op, A, result):
    A = _matrix(op, A, square=True)
    r = _raw(A)
    xp = _xp(r)
    sign, logabs = xp.linalg.slogdet(r)
    if r.dtype not in COMPLEX and not bool(xp.isfinite(logabs).all()):
        sign, logabs, _ = _lu_det(r)  # inf / NaN: torch's, from its LU (sign 0 at a NaN)
    if r.dtype in COMPLEX:  # the sign of a complex det is a differentiable phase
        return result(SlogdetSign.apply(A, sign), LogAbsDet.apply(A, logabs))
    return result(_like(A, sign), LogAbsDet.apply(A, logabs))


def linalg_slogdet(A):
    """(sign, logabsdet) of square A (..., n, n), each (...): det = sign * exp(logabsdet).
    sign is 0 and logabsdet -inf for a singular matrix. For real A only logabsdet has a
    gradient; for complex A sign is complex (|sign| = 1, differentiable) and logabsdet real."""
    return _slogdet("linalg.slogdet", A, LinalgSlogdetResult)


def slogdet(input):  # noqa: A002
    """(sign, logabsdet) of square matrices (..., n, n), as ``torch.slogdet``."""
    return _slogdet("slogdet", input, SlogdetResult)


def logdet(input):  # noqa: A002
    """log(det A) of square A (..., n, n) -> (...): NaN where det < 0, -inf where det = 0.
    Complex A: the complex log(det A) = log|det A| + i angle(det A)."""
    sign, la = _slogdet("logdet", input, SlogdetResult)
    if _is_c(sign):
        return _complex(la, angle(sign))
    neg = _raw(sign) < 0
    if bool(neg.any()):
        return _f().where(neg, math.nan, la)
    return la


class Solve(Function):
    """X = A^-1 B, or X = A^-H B with ``adjoint``; A (..., n, n), B (..., n, k), batch dims
    broadcast. gB = A^-H gX and gA = -gB X^H (adjoint: gB = A^-1 gX, gA = -X gB^H); real: ^T
    for ^H. Both solves use A's LU, as torch's. ``check``: LinAlgError for a singular A, else
    the inf / NaN of LAPACK's substitution (solve_ex and the backward rules: no error)."""

    __slots__ = ("check", "adjoint")
    save_inputs = (0,)
    save_output = True
    complex_ok = True

    def forward(self, a, b, check, adjoint):
        self.check, self.adjoint = check, adjoint
        _bshape("linalg.solve", a.shape[:-2], b.shape[:-2])
        x, info = _solve_raw(a, b, adjoint)
        if check:
            _check_info("linalg.solve", info, _solver_failed, info.ndim > 0)
        return x

    def backward(self, gy):
        a, x = self.saved
        t = _H if self.odtype in COMPLEX else _T
        gb = Solve.apply(a, gy, self.check, not self.adjoint)
        ga = None
        if self.needs_grad(0):
            ga = self.reduce_grad(0, -_mm(x, t(gb)) if self.adjoint else -_mm(gb, t(x)))
        return ga, (self.reduce_grad(1, gb) if self.needs_grad(1) else None), None, None


def _same_dtype(op, A, B):
    """TypeError unless A and B have the same dtype (torch promotes neither)."""
    da, db = _raw(A).dtype, _raw(B).dtype
    if da != db:
        raise TypeError(
            f"{op}: Expected A and B to have the same dtype, but found A of type {da} and B of "
            f"type {db} instead"
        )


def solve(A, B, *, left=True):
    """X with A X = B (left) or X A = B (left=False). A (..., n, n); B (..., n, k), or a batch
    of vectors (..., n) when B is 1-D or B.shape == A.shape[:-1]. Batch dims broadcast. A and B
    must have the same dtype (TypeError otherwise, as torch: no promotion); LinAlgError when A
    is singular."""
    op = "linalg.solve"
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
    if not left:
        if vector:
            raise ShapeError(
                f"{op}: vector broadcasting of the left hand side is not supported for "
                f"left=False (shapes {sa} and {sb})"
            )
        if len(sb) < 2 or sb[-1] != sa[-1]:
            raise bad
        if _is_c(A):
            return _T(Solve.apply(_T(A), _T(B), True, False))
        return _T(Solve.apply(A, _T(B), True, True))  # A^-T B^T with A's LU, as torch
    if vector:
        x = Solve.apply(A, _col(B), True, False)
        return x.reshape(_shape(x)[:-1])
    return Solve.apply(A, B, True, False)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    """X with T X = B (left) or X T = B, T the upper (``upper=True``) or lower triangle of A
    (the other entries are not read; a unit diagonal assumed with ``unitriangular``).
    A (..., n, n); B (..., n, k) (left) or (..., k, n); batch dims broadcast."""
    op = "linalg.solve_triangular"
    A = _matrix(op, A, square=True)
    B = _matrix(op, B, name="B")
    sa, sb = _shape(A), _shape(B)
    if (sb[-2] if left else sb[-1]) != sa[-1]:
        raise ShapeError(
            f"{op}: incompatible shapes of A and B for the equation "
            f"{'AX = B' if left else 'XA = B'} ({sa} and {sb})"
        )
    return SolveTriangular.apply(A, B, bool(upper), bool(left), bool(unitriangular))
