"""Private helpers of the linear-algebra decompositions, shared by ``decomp.py`` (inverse,
determinants, solves) and ``decomp_factor.py`` (factorisations, pseudo-inverse): ``LinAlgError``,
transposes, constant triangular masks, diagonals, the LAPACK error wrapper, the packing of
several outputs into one array, the zero-cotangent and tie checks of the backward rules, and
the triangular solve (``SolveTriangular``) that both halves' backward rules use, and LAPACK's
LU factorisation and substitutions written as loops over whole batches (``_lu_raw``,
``_tri_loop``, ``_solve_raw``): the fallbacks that give torch's inf / NaN for a singular or
non-finite matrix where NumPy raises or differs.

Complex matrices use ``_H`` (the conjugate transpose) where the real rules use ``_T``.
"""

from __future__ import annotations

import math

import numpy as np

from ..dtypes import COMPLEX
from ..errors import ShapeError
from ..function import Function
from ..tensor import Tensor
from ._linalg_util import _f, _raw, _shape, _xp
from .arithmetic import Matmul
from .complex_parts import conj


class LinAlgError(RuntimeError):
    """A factorisation or inversion failed: a singular matrix, a matrix that is not positive
    definite, an SVD that did not converge (``torch.linalg.LinAlgError``)."""


# -- helpers ------------------------------------------------------------------------------------


def _T(x):
    return x.swapaxes(-1, -2)


def _H(x):
    """The conjugate transpose x^H (complex rules use it where the real ones use ``_T``)."""
    return conj(x.swapaxes(-1, -2))


def _is_c(x) -> bool:
    return _raw(x).dtype in COMPLEX


def _mm(a, b):
    return Matmul.apply(a, b)


def _eye(like, n):
    r = _raw(like)
    return _xp(r).eye(n, dtype=r.dtype)


def _tril(x, k=0):
    """x with the entries above diagonal ``k`` set to 0 (a constant mask: differentiable). A
    select, not a product with the mask, so an inf / NaN outside the triangle gives 0, as
    torch's tril."""
    r = _raw(x)
    return _f().where(_xp(r).tri(r.shape[-2], r.shape[-1], k, dtype=bool), x, 0)


def _triu(x, k=0):
    """x with the entries below diagonal ``k`` set to 0 (as ``_tril``)."""
    r = _raw(x)
    return _f().where(_xp(r).tri(r.shape[-2], r.shape[-1], k - 1, dtype=bool), 0, x)


def _diag(x):
    """(..., n, n) -> (..., n): the main diagonal."""
    return _f().einsum("...ii->...i", x)


def _diag_embed(v):
    """(..., n) -> (..., n, n) with v on the diagonal (0 elsewhere even where v is inf / NaN)."""
    r = _raw(v)
    n = r.shape[-1]
    return _f().where(_xp(r).eye(n, dtype=bool), v.reshape(_shape(v) + (1,)), 0)


def _lapack(op, fn, *args, what="the input matrix is singular"):
    """``fn(*args)`` with numpy's LinAlgError (and CuPy's NaN result) raised as LinAlgError."""
    try:
        out = fn(*args)
    except np.linalg.LinAlgError as e:
        raise LinAlgError(f"{op}: {what} ({e})") from None
    first = out[0] if isinstance(out, tuple) else out
    if type(first) is not np.ndarray and not bool(_xp(first).isfinite(first).all()):
        # cuSOLVER reports failure as NaN/inf unless cupyx.errstate says otherwise
        raise LinAlgError(f"{op}: {what}")
    return out


def _zero(g, degenerate=False) -> bool:
    """Whether backward may skip the terms of the cotangent g of one packed output's part, as
    PyTorch does for an undefined gradient (an output the loss did not use).

    g must be all zeros. A constant g is then skipped. One on a graph (create_graph) is kept,
    so second order sees its terms, unless ``degenerate``: then its terms divide by zero
    (tied eigen/singular values, a zero singular value), and a zero g is an unused output.
    """
    if bool(_raw(g).any()):
        return False
    return degenerate or not (isinstance(g, Tensor) and g.requires_grad)


def _ties(w) -> bool:
    """Whether the sorted values w (..., n) have a tie (a zero gap between neighbours)."""
    r = _raw(w)
    return r.shape[-1] > 1 and not bool((r[..., 1:] != r[..., :-1]).all())


def _tie_safe(e, num, dead):
    """The gaps e with 1 at a tie (e = 0) between two values whose vectors the loss does not
    use (``dead``, (..., k) bool: that column of the vectors' cotangent is exactly 0): the
    pair's term is then 0 / 0 and its limit 0, as the loss does not see how the pair mixes.
    NumPy's LAPACK returns exact ties more often than torch's, which would give NaN there. A
    tie the loss does see still divides by 0 (NaN or inf, as in torch)."""
    re = _raw(e)
    tie = re == 0
    if not bool(tie.any()):
        return e
    both = tie & dead[..., :, None] & dead[..., None, :]
    if not bool(both.any()):
        return e
    return e + both.astype(re.dtype)


def _pack(parts, batch):
    """Arrays with leading dims ``batch``, flattened and concatenated along the last dim."""
    xp = _xp(parts[0])
    flat = [p.reshape(batch + (math.prod(p.shape[len(batch) :]),)) for p in parts]
    return xp.concatenate(flat, axis=-1)


def _unpack(packed, batch, shapes):
    """The inverse of ``_pack``: one slice of ``packed`` per shape (differentiable)."""
    out, off = [], 0
    for s in shapes:
        size = math.prod(s)
        out.append(packed[..., off : off + size].reshape(batch + s))
        off += size
    return out


def _check_info(op, info, what, batched):
    """Raise LinAlgError for the first non-zero entry of ``info`` (raw int array)."""
    flat = info.reshape(-1)
    bad = flat != 0
    if not bool(bad.any()):
        return
    i = int(bad.astype(np.int8).argmax())
    where = f"(Batch element {i}): " if batched else ""
    raise LinAlgError(f"{op}: {where}{what(int(flat[i]))}")


def _bshape(op, a, b):
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        raise ShapeError(f"{op}: batch dimensions {a} and {b} are not broadcastable") from None


# -- the triangular solve (cholesky's and qr's backward rules use it too) -----------------------


class SolveTriangular(Function):
    """X with T X = B (left) or X T = B, T the upper/lower triangle of A (unit diagonal when
    ``unit``). gB = T^-T gX (T^T is triangular the other way), gA = -gB X^T (left) or -X^T gB,
    kept to T's triangle (complex: ^H for ^T)."""

    __slots__ = ("upper", "left", "unit")
    save_inputs = (0,)
    save_output = True
    complex_ok = True

    def forward(self, a, b, upper, left, unit):
        self.upper, self.left, self.unit = upper, left, unit
        xp = _xp(a)
        t = _tri_part(a, upper, unit)
        if not left:
            t, b = t.swapaxes(-1, -2), b.swapaxes(-1, -2)
        batch = _bshape("linalg.solve_triangular", t.shape[:-2], b.shape[:-2])
        t = xp.broadcast_to(t, batch + t.shape[-2:])
        b = xp.broadcast_to(b, batch + b.shape[-2:])
        x = _tri_solve(t, b, upper == left, unit)
        return x if left else x.swapaxes(-1, -2)

    def backward(self, gy):
        a, x = self.saved
        upper, left, unit = self.upper, self.left, self.unit
        t = _H if self.odtype in COMPLEX else _T
        gb = SolveTriangular.apply(t(a), gy, not upper, left, unit)
        ga = None
        if self.needs_grad(0):
            ga = -_mm(gb, t(x)) if left else -_mm(t(x), gb)
            ga = _triu(ga, 1 if unit else 0) if upper else _tril(ga, -1 if unit else 0)
            ga = self.reduce_grad(0, ga)
        gb = self.reduce_grad(1, gb) if self.needs_grad(1) else None
        return ga, gb, None, None, None


def _tri_part(a, upper, unit):
    """The raw triangle of a used by solve_triangular (identity diagonal when ``unit``)."""
    xp = _xp(a)
    n = a.shape[-1]
    if upper:
        keep = ~xp.tri(n, n, 0 if unit else -1, dtype=bool)
    else:
        keep = xp.tri(n, n, -1 if unit else 0, dtype=bool)
    t = xp.where(keep, a, 0).astype(a.dtype, copy=False)
    return t + xp.eye(n, dtype=a.dtype) if unit else t


def _tri_solve(t, b, upper, unit):
    """X with T X = B for the triangular t (..., n, n) (upper or lower, its other entries 0)
    and b (..., n, k), batch dims equal. The array module's solve; where T has a zero on its
    diagonal, or where that solve fails or gives inf / NaN, the substitution of LAPACK's trsm
    (``_tri_loop``), so a singular T gives torch's inf / NaN and does not raise. The checks
    read T's diagonal and X only."""
    xp = _xp(t)
    if unit or not bool((xp.diagonal(t, 0, -2, -1) == 0).any()):
        try:
            x = xp.linalg.solve(t, b)
        except np.linalg.LinAlgError:
            pass
        else:
            if bool(xp.isfinite(x).all()):
                return x
    return _tri_loop(t, b, upper, unit)


def _tri_loop(t, b, upper, unit):
    """Substitution for T X = B (T the upper or lower triangle of t (..., n, n), b (..., n, k),
    batch dims broadcast), dividing by a zero pivot as it comes (inf / NaN, as LAPACK's trsm:
    0 / 0 is NaN, a NaN or inf spreads only to the rows that read it)."""
    xp = _xp(t)
    n = t.shape[-1]
    x = xp.zeros(np.broadcast_shapes(t.shape[:-2], b.shape[:-2]) + b.shape[-2:], dtype=b.dtype)
    order = range(n - 1, -1, -1) if upper else range(n)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for i in order:
            lo, hi = (i + 1, n) if upper else (0, i)
            acc = b[..., i, :]
            if hi > lo:
                acc = acc - xp.matmul(t[..., i : i + 1, lo:hi], x[..., lo:hi, :])[..., 0, :]
            x[..., i, :] = acc if unit else acc / t[..., i, i, None]
    return x


# -- LAPACK's getrf and getrs on whole batches (linalg_lu.py's LU family; the fallbacks) ---------


def _flat(a):
    """(..., m, n) -> (B, m, n) copy, and the batch shape."""
    batch = a.shape[:-2]
    return a.reshape((math.prod(batch),) + a.shape[-2:]).copy(), batch


def _lu_raw(a, pivot):
    """LAPACK getrf on a batch: (LU (..., m, n) packed, pivots (..., k) int32 1-based, info
    (...) int32: the first zero pivot, 1-based, else 0). Right-looking elimination, with
    partial pivoting (the first largest |entry|, as idamax) when ``pivot``."""
    xp = _xp(a)
    lu, batch = _flat(a)
    nb, m, n = lu.shape
    k = min(m, n)
    piv = xp.empty((nb, k), dtype=np.int32)
    info = xp.zeros((nb,), dtype=np.int32)
    rows = xp.arange(nb)
    for j in range(k):
        if pivot:
            col = lu[:, j:, j]
            # complex: izamax's measure |re| + |im| (LAPACK's zgetrf, so torch's), not |z|
            mag = abs(col.real) + abs(col.imag) if col.dtype.kind == "c" else abs(col)
            p = j + xp.argmax(mag, axis=1)
            row_j = lu[:, j, :].copy()
            lu[:, j, :] = lu[rows, p, :]
            lu[rows, p, :] = row_j
            piv[:, j] = p + 1
        else:
            piv[:, j] = j + 1
        d = lu[:, j, j]
        zero = d == 0
        info = xp.where((info == 0) & zero, j + 1, info).astype(np.int32)
        lu[:, j + 1 :, j] /= xp.where(zero, 1, d)[:, None]
        lu[:, j + 1 :, j + 1 :] -= lu[:, j + 1 :, j, None] * lu[:, j, None, j + 1 :]
    return lu.reshape(a.shape), piv.reshape(batch + (k,)), info.reshape(batch)


def _perm(piv, m, like):
    """The row order perm (..., m) with P^T A = A[perm] for the LAPACK pivots piv (..., k)
    (the swaps i <-> piv[i] - 1 applied in turn), as an int64 array on ``like``'s device."""
    xp = _xp(piv)
    batch, k = piv.shape[:-1], piv.shape[-1]
    nb = math.prod(batch)
    p = piv.reshape((nb, k)).astype(np.int64) - 1
    perm = xp.broadcast_to(xp.arange(m), (nb, m)).copy()
    rows = xp.arange(nb)
    for i in range(k):
        j = p[:, i]
        keep = perm[:, i].copy()
        perm[:, i] = perm[rows, j]
        perm[rows, j] = keep
    perm = perm.reshape(batch + (m,))
    if type(perm) is not type(like):
        perm = _xp(like).asarray(perm if type(perm) is np.ndarray else perm.get())
    return perm


def _solve_raw(a, b, adjoint=False):
    """(X, info) for A X = B (``adjoint``: A^H X = B), a (..., n, n), b (..., n, k), batch dims
    broadcast; info (a's batch dims) int32. The array module's solve, and where it fails (a
    singular A) or gives inf / NaN, LAPACK's getrf + getrs as written here (``_lu_raw``,
    ``_tri_loop``), with A's LU either way (as torch's solve and its backward): info the first
    zero pivot (1-based, else 0) and X the inf / NaN that substitution gives. The check reads X
    only."""
    xp = _xp(a)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    b = xp.broadcast_to(b, batch + b.shape[-2:])
    try:
        lhs = a.swapaxes(-1, -2).conj() if adjoint else a
        x = xp.linalg.solve(xp.broadcast_to(lhs, batch + a.shape[-2:]), b)
    except np.linalg.LinAlgError:
        pass
    else:
        if bool(xp.isfinite(x).all()):
            return x, xp.zeros(a.shape[:-2], dtype=np.int32)
    lu_, piv, info = _lu_raw(a, True)
    perm = xp.broadcast_to(_perm(piv, a.shape[-1], a), batch + a.shape[-1:])[..., None]
    if not adjoint:  # X = U^-1 L^-1 P^T B
        y = _tri_loop(lu_, xp.take_along_axis(b, perm, axis=-2), False, True)
        return _tri_loop(lu_, y, True, False), info
    luh = lu_.swapaxes(-1, -2).conj()  # X = P L^-H U^-H B
    y = _tri_loop(luh, _tri_loop(luh, b, False, False), True, True)
    return xp.take_along_axis(y, xp.argsort(perm, axis=-2), axis=-2), info
