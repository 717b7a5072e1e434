"""The rest of ``torch.linalg``: matrix_exp, lstsq, householder_product (and ``torch.geqrf``,
no gradient), vander, tensorinv, tensorsolve and diagonal; batched over leading dims like
PyTorch. The LU family (lu_factor, lu_factor_ex, lu, lu_solve, ``torch.lu_unpack``) and the
``_ex`` variants (cholesky_ex, inv_ex, solve_ex) live in ``linalg_lu.py`` and are re-exported
here.

Forward passes run on the input's array module (``numpy`` or ``cupy``): the QR (geqrf)
factorisation NumPy lacks is written here as a column loop over whole batches. Derivatives are
written with autograd ops (matmul, constant masks, this module's matrix_exp), so every rule is
differentiable again. lstsq, householder_product, vander, tensorinv and tensorsolve are
compositions of differentiable ops.

The ``torch.linalg`` names are not in ``__all__``: ``autograd/linalg.py`` re-exports them.
``__all__`` holds the names torch also has at top level (matrix_exp, lu_unpack, geqrf).
"""

from __future__ import annotations

import math
import operator
from collections import namedtuple

import numpy as np

from ..dtypes import COMPLEX, real_of
from ..errors import ShapeError
from ..function import Function
from ._decomp_util import _H, _T, LinAlgError, _bshape, _tril
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
from .decomp import inv, solve
from .decomp_factor import pinv
from .linalg import _ZeroGrad
from .linalg_lu import (  # noqa: F401 - re-exported: autograd/linalg.py reads them from here
    CholeskyEx,
    CholeskyExResult,
    InvEx,
    InvExResult,
    LUFactor,
    LUFactorExResult,
    LUFactorResult,
    LUResult,
    LUUnpackResult,
    SolveEx,
    SolveExResult,
    _check_info,
    _chol_raw,
    _flat,
    _lu_factor,
    _lu_parts,
    _lu_raw,
    _lu_zero,
    _mm,
    _perm,
    _pivots,
    _pt,
    _singular,
    _solve_raw,
    _tri_loop,
    _unpack,
    cholesky_ex,
    inv_ex,
    lu,
    lu_factor,
    lu_factor_ex,
    lu_solve,
    lu_unpack,
    solve_ex,
)

__all__ = ["matrix_exp", "lu_unpack", "geqrf"]

LstsqResult = namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])
GeqrfResult = namedtuple("geqrf", ["a", "tau"])


# -- matrix exponential -------------------------------------------------------------------------

# Padé approximants of exp (Higham 2005, "The scaling and squaring method revisited"): degree m
# is accurate to double precision for ||A||_1 <= theta_m; beyond theta_13 A is scaled by 2^-s
_PADE = {
    3: (120.0, 60.0, 12.0, 1.0),
    5: (30240.0, 15120.0, 3360.0, 420.0, 30.0, 1.0),
    7: (17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0, 1.0),
    9: (17643225600.0, 8821612800.0, 2075673600.0, 302702400.0, 30270240.0, 2162160.0,
        110880.0, 3960.0, 90.0, 1.0),
    13: (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
         129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
         40840800.0, 960960.0, 16380.0, 182.0, 1.0),
}  # fmt: skip
_THETA = ((3, 1.495585217958292e-2), (5, 2.539398330063230e-1), (7, 9.504178996162932e-1),
          (9, 2.097847961257068))  # fmt: skip
_THETA13 = 5.371920351148152


def _expm(a):
    """exp(a) for a (..., n, n) by scaling and squaring with a Padé approximant; the degree
    from the largest 1-norm in the batch, the number of squarings s per matrix."""
    xp = _xp(a)
    n = a.shape[-1]
    if a.size == 0:
        return a.copy()
    if n == 1:
        return xp.exp(a)
    mm = xp.matmul
    eye = xp.eye(n, dtype=a.dtype)
    norm = abs(a).sum(axis=-2).max(axis=-1)
    top = float(norm.max())
    for m, theta in _THETA:
        if top <= theta:
            b = _PADE[m]
            powers = [eye, mm(a, a)]
            while len(powers) <= m // 2:
                powers.append(mm(powers[-1], powers[1]))
            u = mm(a, sum(b[2 * j + 1] * p for j, p in enumerate(powers)))
            v = sum(b[2 * j] * p for j, p in enumerate(powers))
            return xp.linalg.solve(v - u, v + u)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = xp.ceil(xp.log2(norm / _THETA13))
    s = xp.where(xp.isfinite(s) & (s > 0), s, 0).astype(np.int64)
    a = a * (2.0 ** -s.astype(real_of(a.dtype)))[..., None, None]
    b = _PADE[13]
    a2 = mm(a, a)
    a4 = mm(a2, a2)
    a6 = mm(a4, a2)
    u = mm(a6, b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2
    u = mm(a, u + b[1] * eye)
    v = mm(a6, b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2
    v = v + b[0] * eye
    r = xp.linalg.solve(v - u, v + u)
    for i in range(int(s.max())):
        r = xp.where((s > i)[..., None, None], mm(r, r), r)
    return r


class MatrixExp(Function):
    """Y = exp(A), A (..., n, n). gA = L(A^T, gY), the Fréchet derivative of exp at A^T in the
    direction gY: the upper-right block of exp([[A^T, gY], [0, A^T]]) (Mathias 1996), computed
    with MatrixExp itself, so it is differentiable again. Complex A: L(A^H, gY) (exp's series
    has real coefficients, so the adjoint of L(A, .) is L(A^H, .))."""

    __slots__ = ()
    save_inputs = (0,)
    complex_ok = True

    def forward(self, a):
        return _expm(a)

    def backward(self, gy):
        (a,) = self.saved
        n = a.shape[-1]
        ra, rg = _raw(a), _raw(gy)
        xp = _xp(ra)
        # L is linear in gY: exp of the block with c gY, divided by c, keeps the block's norm
        # (its number of squarings) near A's; c is a constant
        na, ng = abs(ra).sum(axis=-2).max(axis=-1), abs(rg).sum(axis=-2).max(axis=-1)
        ok = (ng > 0) & xp.isfinite(ng) & xp.isfinite(na)
        c = xp.where(ok, xp.maximum(na, 1) / xp.where(ok, ng, 1), 1).astype(real_of(ra.dtype))
        c = c[..., None, None]
        at = _H(a) if self.odtype in COMPLEX else _T(a)
        cat = _f().cat
        block = cat([cat([at, gy * c], -1), cat([xp.zeros(ra.shape, ra.dtype), at], -1)], -2)
        return MatrixExp.apply(block)[..., :n, n:] / c


def matrix_exp(A):
    """The matrix exponential exp(A) = sum_k A^k / k! of square A (..., n, n) -> (..., n, n),
    for any real or complex matrix (scaling and squaring with a Padé approximant).
    Differentiable to any order."""
    return MatrixExp.apply(_matrix("linalg.matrix_exp", A, square=True))


# -- least squares ------------------------------------------------------------------------------

_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution X of min ||A X - B||_F, A (..., m, n), B (..., m, k) (batch
    dims broadcast) or B (..., m) (a batch of vectors, when B has one dim fewer than A).

    Returns the namedtuple (solution (..., n, k), residuals, rank, singular_values), filled as
    torch fills them on the CPU for ``driver`` (default 'gelsy'): residuals, the squared
    residual per column (..., k) (k = 1 for vectors), when m > n and the driver is not 'gelsy'
    ('gelsd' / 'gelss': only if every matrix has full rank); rank (A's batch dims) int64 unless
    the driver is 'gels'; singular_values (A's batch dims, min(m, n)) for 'gelsd' / 'gelss';
    the others are empty tensors. Complex A and B: a complex solution, real residuals (squared
    moduli) and singular values.
    Singular values at or below ``rcond`` times the largest count as zero (default: eps of the
    dtype times max(m, n); 'gels' assumes full rank), and X is the minimum-norm solution
    pinv(A) B. The solution and the residuals are differentiable in A and B (torch's gradient:
    through pinv(A)); rank and singular_values are not.
    """
    op = "linalg.lstsq"
    A = _matrix(op, A)
    B = _float_arg(op, B)
    ra, rb = _raw(A), _raw(B)
    if ra.dtype != rb.dtype:
        raise TypeError(
            f"{op}: expected A and B to have the same dtype, but got {ra.dtype} and {rb.dtype}"
        )
    sa, sb = _shape(A), _shape(B)
    if not sb or len(sa) < len(sb) or len(sa) - len(sb) > 1:
        raise ShapeError(
            f"{op}: B must have as many dimensions as A, or one fewer (a batch of vectors); "
            f"got shapes {sa} and {sb}"
        )
    vector = len(sb) == len(sa) - 1
    if vector:
        B = _col(B)
        sb = _shape(B)
    if sb[-2] != sa[-2]:
        raise ShapeError(f"{op}: A.size(-2) should match B.size(-2), got shapes {sa} and {sb}")
    _bshape(op, sa[:-2], sb[:-2])
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise ValueError(f"{op}: parameter `driver` should be one of {_DRIVERS}, got {driver!r}")
    m, n = sa[-2:]
    xp = _xp(ra)
    if rcond is None or rcond < 0:
        rcond = float(np.finfo(ra.dtype).eps) * max(m, n)
    x = _mm(pinv(A, rtol=0.0 if driver == "gels" else rcond), B)
    rdt = real_of(ra.dtype)  # residuals and singular values are real for complex A
    empty = _like(A, xp.empty((0,), dtype=rdt))
    rank, sv = _like(A, xp.empty((0,), dtype=np.int64)), empty
    full = True
    if driver != "gels":
        s = xp.linalg.svd(ra, compute_uv=False) if min(m, n) else xp.zeros(sa[:-2] + (0,))
        s = s.astype(rdt, copy=False)
        cut = rcond * s[..., :1] if min(m, n) else 0
        rk = (s > cut).sum(axis=-1).astype(np.int64)
        full = bool((rk == n).all())
        rank = _like(A, rk)
        if driver != "gelsy":
            sv = _like(A, s)
    res = empty
    if m > n and driver != "gelsy" and full:
        d = _mm(A, x) - B
        sq = _f().real(d * _f().conj(d)) if ra.dtype in COMPLEX else _f().square(d)  # |d|^2
        res = _f().sum(sq, dim=-2)
    if vector:  # the residuals keep their column dim, as torch's
        x = x.reshape(_shape(x)[:-1])
    return LstsqResult(x, res, rank, sv)


# -- Householder products and QR ----------------------------------------------------------------


def householder_product(A, tau):
    """The first n columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^H, v_i = (0, ..., 0, 1,
    A[i+1:, i]) (LAPACK's orgqr / ungqr). A (..., m, n) with m >= n, tau (..., k) with k <= n
    and the same batch dims. Returns (..., m, n); differentiable in A and tau."""
    op = "linalg.householder_product"
    A = _matrix(op, A, name="input")
    tau = _float_arg(op, tau)
    ra, rt = _raw(A), _raw(tau)
    sa, st = _shape(A), _shape(tau)
    if ra.dtype != rt.dtype:
        raise TypeError(f"{op}: tau dtype {rt.dtype} does not match input dtype {ra.dtype}")
    m, n = sa[-2:]
    if m < n:
        raise ShapeError(f"{op}: input.shape[-2] must be >= input.shape[-1], got shape {sa}")
    if len(st) != len(sa) - 1:
        raise ShapeError(
            f"{op}: expected tau to have one dimension less than input, got shapes {sa} and {st}"
        )
    if st[-1] > n:
        raise ShapeError(f"{op}: input.shape[-1] must be >= tau.shape[-1], got {sa} and {st}")
    if st[:-1] != sa[:-2]:
        raise ShapeError(
            f"{op}: expected batch dimensions of tau to equal input.shape[:-2] = {sa[:-2]}, "
            f"got {st[:-1]}"
        )
    xp = _xp(ra)
    k = st[-1]
    q = xp.broadcast_to(xp.eye(m, n, dtype=ra.dtype), sa).copy()
    if k == 0:
        return _ZeroGrad.apply(A, q)
    v = _tril(A[..., :, :k], -1) + xp.eye(m, k, dtype=ra.dtype)
    t = _H if ra.dtype in COMPLEX else _T
    for i in reversed(range(k)):  # Q <- H_i Q
        vi = v[..., :, i : i + 1]
        ti = _col(tau[..., i : i + 1])
        q = q - _mm(vi * ti, _mm(t(vi), q))
    return q


def _geqrf_raw(a):
    xp = _xp(a)
    r, batch = _flat(a)
    nb, m, n = r.shape
    k = min(m, n)
    tau = xp.zeros((nb, k), dtype=a.dtype)
    c = a.dtype in COMPLEX  # zlarfg: beta real, H_j^H = I - conj(tau) v v^H applied
    for j in range(k):  # LAPACK's dlarfg on column j, then H_j applied to the columns after it
        alpha = r[:, j, j].copy()
        tail = r[:, j + 1 :, j]
        # ||tail|| scaled by its largest entry, as LAPACK's dnrm2: no overflow or underflow
        big = xp.abs(tail).max(axis=-1) if tail.shape[-1] else xp.zeros(alpha.shape, r.real.dtype)
        unit = tail / xp.where(big == 0, 1, big)[:, None]
        if c:
            xnorm = big * xp.sqrt((unit * unit.conj()).real.sum(axis=-1))
            zero = (xnorm == 0) & (alpha.imag == 0)
            beta = -xp.copysign(xp.hypot(xp.abs(alpha), xnorm), alpha.real)
        else:
            xnorm = big * xp.sqrt((unit * unit).sum(axis=-1))
            zero = xnorm == 0
            beta = -xp.copysign(xp.hypot(alpha, xnorm), alpha)
        t = xp.where(zero, 0, (beta - alpha) / xp.where(zero, 1, beta))
        v = tail * xp.where(zero, 0, 1 / xp.where(zero, 1, alpha - beta))[:, None]
        r[:, j + 1 :, j] = xp.where(zero[:, None], tail, v)
        r[:, j, j] = xp.where(zero, alpha, beta)
        tau[:, j] = t
        if j + 1 < n:
            vh, t = (v.conj(), t.conj()) if c else (v, t)
            w = r[:, j, j + 1 :] + xp.matmul(vh[:, None, :], r[:, j + 1 :, j + 1 :])[:, 0, :]
            r[:, j, j + 1 :] -= t[:, None] * w
            r[:, j + 1 :, j + 1 :] -= (t[:, None] * v)[:, :, None] * w[:, None, :]
    return r.reshape(a.shape), tau.reshape(batch + (k,))


def geqrf(input):  # noqa: A002 - torch's name
    """LAPACK's geqrf of A (..., m, n): the namedtuple (a (..., m, n): R on and above the
    diagonal, the Householder vectors below it; tau (..., min(m, n))), so that
    householder_product(a, tau) is the Q of A = Q R (``torch.geqrf``). No gradient."""
    A = _matrix("geqrf", input, name="input")
    a, tau = _geqrf_raw(_raw(A))
    return GeqrfResult(_like(A, a), _like(A, tau))


# -- vander, tensorinv, tensorsolve, diagonal ---------------------------------------------------


def vander(x, *, N=None):  # noqa: N803 - torch's name
    """The Vandermonde matrix of x (..., n): (..., n, N) with columns x^0, x^1, ..., x^(N-1)
    (increasing powers, unlike numpy.vander). N defaults to n and must be > 1. Float x keeps
    its dtype and is differentiable; integer x gives int64 (as torch)."""
    op = "linalg.vander"
    x = _arg(x)
    r = _raw(x)
    if r.dtype.kind not in "iufc":
        raise TypeError(f"{op}: supports floating point and integer tensors, got dtype {r.dtype}")
    s = _shape(x)
    if not s:
        raise ShapeError(f"{op}: x must have at least one dimension, got a 0-d tensor")
    N = s[-1] if N is None else operator.index(N)
    if N <= 1:
        raise ValueError(f"{op}: N must be greater than 1, got N={N}")
    if r.dtype.kind in "iu":  # integers give int64, as torch's
        x, r = _f().cast(x, np.int64), r.astype(np.int64)
    xp = _xp(r)
    powers = _f().cumprod(_col(x) * xp.ones((N - 1,), dtype=r.dtype), dim=-1)
    return _f().cat([xp.ones(s + (1,), dtype=r.dtype), powers], dim=-1)


def tensorinv(A, ind=2):
    """The inverse of A for tensordot over ``ind`` dims: A of shape (*I, *J) with prod(I) ==
    prod(J), I = A.shape[:ind]; returns (*J, *I), tensordot(tensorinv(A), A, ind) the
    identity. Through inv of the (prod(I), prod(I)) matrix; differentiable."""
    op = "linalg.tensorinv"
    A = _float_arg(op, A)
    try:
        ind = operator.index(ind)
    except TypeError:
        raise TypeError(f"{op}: 'ind' must be an int, got {type(ind).__name__}") from None
    if ind <= 0:
        raise ValueError(f"{op}: expected a strictly positive integer for 'ind', but got {ind}")
    s = _shape(A)
    p, q = math.prod(s[:ind]), math.prod(s[ind:])
    if p != q:
        raise ShapeError(
            f"{op}: expected prod(A.shape[ind:]) == prod(A.shape[:ind]), but got {q} != {p} "
            f"(shape {s}, ind={ind})"
        )
    try:
        y = inv(A.reshape((p, p)))
    except LinAlgError as e:
        raise LinAlgError(f"{op}: A seen as a {p} x {p} matrix is singular ({e})") from None
    return y.reshape(s[ind:] + s[:ind])


def tensorsolve(A, B, dims=None):
    """X with tensordot(A, X, X.ndim) == B. A (*B.shape, *X.shape) once the dims ``dims`` (if
    given) are moved to the end, with prod(X.shape) == prod(B.shape). Returns X.shape.
    Through solve of the square matrix; differentiable in A and B."""
    op = "linalg.tensorsolve"
    A, B = _float_arg(op, A), _float_arg(op, B)
    if _raw(A).dtype != _raw(B).dtype:
        raise TypeError(
            f"{op}: expected A and B to have the same dtype, got {_raw(A).dtype} and "
            f"{_raw(B).dtype}"
        )
    if dims is not None:
        dims = tuple(dims)
        nd = A.ndim
        A = _f().movedim(A, dims, tuple(range(nd - len(dims), nd)))
    sa, sb = _shape(A), _shape(B)
    out = sa[len(sb) :]
    p, q, lead = math.prod(out), math.prod(sb), math.prod(sa[: len(sb)])
    if p != q or lead != q:
        raise ShapeError(
            f"{op}: expected prod(A.shape[B.ndim:]) == prod(A.shape[:B.ndim]) == prod(B.shape), "
            f"got {p}, {lead} and {q} (shapes {sa} and {sb})"
        )
    return solve(A.reshape((q, q)), B.reshape((q,))).reshape(out)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """``linalg.diagonal``: ``autograd.diagonal`` with the last two dims as defaults.
    A (..., m, n) -> (..., L), L the length of diagonal ``offset``; a view of A."""
    return _f().diagonal(A, offset, dim1, dim2)
