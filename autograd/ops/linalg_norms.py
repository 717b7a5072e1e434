"""Linear algebra: vector and matrix norms, the condition number and the rank (vector_norm,
matrix_norm, linalg_norm, cond, matrix_rank), batched over leading dims like PyTorch; and
``cdist``, the p-norm distances between two sets of row vectors.

The norms are compositions of differentiable ops and of ``decomp_factor.py``'s ``svdvals`` and
``decomp.py``'s ``inv``, so their derivatives come from those; matrix_rank has no gradient. They
are ``torch.linalg`` functions: none is a top-level ``autograd`` name (``autograd.norm`` is the
reduction), and ``autograd/linalg.py`` re-exports them, ``linalg_norm`` under its torch.linalg
name ``norm``.
``cdist`` is top-level (``torch.cdist``): the one name in ``__all__``.

Complex inputs, as PyTorch: the norms are real (of |x|, and of the real singular values), their
gradients through ``norm``'s and the SVD's complex rules; cdist refuses them.
"""

from __future__ import annotations

import math

import numpy as np

from ..amp import _active as _amp_on
from ..amp import _tls as _amp
from ..amp import autocast_call as _autocast
from ..dtypes import COMPLEX, as_dtype, real_of
from ..errors import ShapeError
from ..function import Function
from ._decomp_util import _lapack, _solve_raw
from ._dims import norm_dim
from ._linalg_util import _arg, _check_float, _col, _f, _like, _matrix, _raw, _shape, _xp
from .decomp import inv
from .decomp_factor import _eigh_raw, _tols, svdvals
from .linalg_lu import InvEx

__all__ = ["cdist"]


# -- rank ---------------------------------------------------------------------------------------


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, tol=None):
    """Number of singular values above max(atol, rtol * largest) of A (..., m, n) -> int64
    (...). No gradient. ``tol`` is an older name of atol. An empty A has rank 0 (hermitian
    too, square or not, as torch)."""
    op = "linalg.matrix_rank"
    A = _matrix(op, A)
    if tol is not None:
        atol = tol
    r = _raw(A)
    xp = _xp(r)
    if r.size == 0:
        return _like(A, xp.zeros(r.shape[:-2], dtype=np.int64))
    if hermitian:
        _matrix(op, A, square=True)
        s = xp.sort(abs(_eigh_raw(op, r, vectors=False)), axis=-1)[..., ::-1]
    else:
        s = _lapack(op, xp.linalg.svd, r, False, False, what="the SVD did not converge")
    tol_ = _tols(op, r, atol, rtol, s[..., :1])
    return _like(A, (s > tol_).sum(axis=-1).astype(np.int64))


# -- norms ---------------------------------------------------------------------------------------


def _norm_dtype(op, x, dtype):
    """x cast to ``dtype`` (None: as it is), with PyTorch's checks: ``dtype`` floating point or
    complex, complex exactly for a complex x, and no narrower than x's dtype (float64 x with
    dtype=float32 is refused: the norm is computed in ``dtype``, it would lose precision)."""
    if dtype is None:
        return x
    d = as_dtype(dtype)
    xd = _raw(x).dtype
    if d.kind not in "fc":
        raise TypeError(f"{op}: dtype should be floating point or complex, but got {d}")
    if xd in COMPLEX and d not in COMPLEX:
        raise TypeError(f"{op}: dtype should be complex for complex inputs, but got {d}")
    if xd not in COMPLEX and d in COMPLEX:
        raise TypeError(f"{op}: dtype should be real for real inputs, but got {d}")
    if np.promote_types(xd, d) != d:
        raise TypeError(
            f"{op}: the dtype of the input ({xd}) should be convertible without narrowing to "
            f"the specified dtype ({d})"
        )
    return _f().cast(x, d)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """The vector ``ord``-norm of x over ``dim`` (int, tuple, or None for all elements):
    ord 2, 1, inf, -inf, 0 or any float. Returns x's shape without ``dim`` (size 1 with
    keepdim), real for complex x (the norm of |x|); the gradient at 0 is 0."""
    if _amp_on[0] and _amp.ready and dtype is None:
        return _autocast(vector_norm, x, ord, dim, keepdim, dtype=dtype)
    x = _arg(x)
    _check_float("linalg.vector_norm", x)
    if isinstance(ord, str):
        raise ValueError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    x = _norm_dtype("linalg.vector_norm", x, dtype)
    if ord < 0 or ord == math.inf:
        _empty_reduction(x, ord, dim)
    return _f().norm(x, p=ord, dim=dim, keepdim=keepdim)


def _empty_reduction(x, ord, dim):  # noqa: A002
    """RuntimeError, as torch's, when a norm with no identity (ord < 0 or inf: a max or min)
    reduces an empty tensor over all dims (dim None) or over an empty dim."""
    s = _shape(x)
    if 0 not in s:
        return
    dims = () if dim is None else (dim,) if isinstance(dim, int) else tuple(dim)
    if not dims:
        raise RuntimeError(
            f"linalg.vector_norm: cannot compute the {ord} norm on an empty tensor because the "
            "operation does not have an identity"
        )
    for d in dims:
        if s[norm_dim(d, len(s), "linalg.vector_norm")] == 0:
            raise RuntimeError(
                f"linalg.vector_norm: cannot compute the {ord} norm on the dimension {d} because "
                "this dimension is empty and the operation does not have an identity"
            )


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002
    """The matrix norm of A over the two dims ``dim``: ord 'fro', 'nuc' (sum of singular
    values), 2 / -2 (largest / smallest singular value), inf / -inf (max / min row |sum|), 1 /
    -1 (max / min column |sum|). A (..., m, n) -> (...) (size-1 dims with keepdim); real for
    complex A."""
    if _amp_on[0] and _amp.ready and dtype is None:
        return _autocast(matrix_norm, A, ord, dim, keepdim, dtype=dtype)
    op = "linalg.matrix_norm"
    A = _arg(A)
    _check_float(op, A)
    s = _shape(A)
    if len(s) < 2:
        raise ShapeError(f"{op}: the input tensor A must have at least 2 dimensions, got shape {s}")
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise ValueError(f"{op}: dim must be a 2-tuple of ints, got {dim!r}")
    d0, d1 = norm_dim(dim[0], len(s), op), norm_dim(dim[1], len(s), op)
    if d0 == d1:
        raise ValueError(f"{op}: dims must be different, got {tuple(dim)}")
    if ord not in ("fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2):
        raise ValueError(f"{op}: order {ord!r} not supported")
    A = _norm_dtype(op, A, dtype)
    ops = _f()
    # 2, 1, inf of an empty matrix: a max over nothing, which torch takes as 0 (as 'fro' gives)
    if ord == "fro" or (ord in (2, 1, math.inf) and 0 in (s[d0], s[d1])):
        return ops.norm(A, 2, dim=(d0, d1), keepdim=keepdim)
    rest = [i for i in range(len(s)) if i not in (d0, d1)]
    kshape = tuple(1 if i in (d0, d1) else v for i, v in enumerate(s))
    if ord in ("nuc", 2, -2):
        B = A if (d0, d1) == (len(s) - 2, len(s) - 1) else ops.permute(A, rest + [d0, d1])
        sv = svdvals(B)
        if ord == "nuc":
            out = ops.sum(sv, dim=-1)
        else:
            out = (ops.amax if ord == 2 else ops.amin)(sv, dim=-1)
    else:
        sum_dim, red_dim = (d0, d1) if ord in (1, -1) else (d1, d0)
        t = ops.sum(ops.abs(A), dim=sum_dim, keepdim=True)
        out = (ops.amax if ord > 0 else ops.amin)(t, dim=red_dim, keepdim=True)
        if not keepdim:
            return out.reshape(tuple(s[i] for i in rest))
        return out
    return out.reshape(kshape) if keepdim else out


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """``linalg.norm``: a vector norm when ``dim`` is an int (or 1-tuple) or A is 1-D, a matrix
    norm when ``dim`` is a 2-tuple or A is 2-D with ``ord`` given; ord and dim None: the 2-norm
    of all elements."""
    op = "linalg.norm"
    A = _arg(A)
    _check_float(op, A)
    if dim is not None:
        dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        raise ValueError(f"{op}: dim must be an int or a tuple of 1 or 2 ints, got {dim!r}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise ShapeError(
        f"{op}: if dim is not specified but ord is, the input must be 1D or 2D. Got {A.ndim}D."
    )


def cond(A, p=None):
    """Condition number of A (..., m, n) -> (...) (real) in the norm ``p``, as torch's: None or
    2 (largest over smallest singular value), -2 (its inverse), 'nuc' (sum(s) * sum(1 / s),
    square A), or 'fro', inf, -inf, 1, -1 (square A: norm(A) * norm(A^-1); inf where A is
    singular, and where that product is NaN). An empty A gives 0 (numeric p: square or not)."""
    op = "linalg.cond"
    if p not in (None, 2, -2, "fro", "nuc", math.inf, -math.inf, 1, -1):
        raise ValueError(f"{op}: order {p!r} not supported")
    A = _matrix(op, A, square=p in ("fro", "nuc"))
    r = _raw(A)
    xp = _xp(r)
    if r.size == 0:
        return _like(A, xp.zeros(r.shape[:-2], dtype=real_of(r.dtype)))
    ops = _f()
    if p in (None, 2, -2, "nuc"):
        sv = svdvals(A)
        if p == "nuc":  # not through matrix_norm(inv): torch's formula
            return ops.sum(sv, dim=-1) * ops.sum(1 / sv, dim=-1)
        big, small = sv[..., 0], sv[..., -1]
        return big / small if p != -2 else small / big
    _matrix(op, A, square=True)
    eye = xp.eye(r.shape[-1], dtype=r.dtype)
    y, info = _solve_raw(r, eye)  # one LU: A^-1 and where A is singular (as torch's inv_ex)
    singular = info != 0
    if bool(singular.any()):
        safe = ops.where(_col(_col(singular)), eye, A)
        out = ops.where(singular, math.inf, matrix_norm(A, p) * matrix_norm(inv(safe), p))
    else:
        out = matrix_norm(A, p) * matrix_norm(InvEx.apply(A, y), p)
    nan = xp.isnan(_raw(out))
    return ops.where(nan, math.inf, out) if bool(nan.any()) else out


# -- cdist ---------------------------------------------------------------------------------------

_CDIST_MODES = (
    "use_mm_for_euclid_dist_if_necessary",
    "use_mm_for_euclid_dist",
    "donot_use_mm_for_euclid_dist",
)


class Cdist(Function):
    """y[..., i, j] = ||x1[..., i, :] - x2[..., j, :]||_p, batch dims broadcast.

    Forward from the differences d = x1_i - x2_j, or for p = 2 with ``mm`` from
    |x1_i|^2 + |x2_j|^2 - 2 x1_i . x2_j (a matmul, as PyTorch for large inputs). Backward is
    PyTorch's ``_cdist_backward``, with r = y_ij: dy/dx1_i = sum_j G_ij, dy/dx2_j = -sum_i G_ij,
    G = gy d / r (p = 2), gy sign(d) (p = 1), gy sign(d) [|d| = r] (p = inf: every tied
    coordinate gets the full gradient), gy sign(d) |d|^(p-1) / r^(p-1) (other p), 0 for p = 0
    and where r = 0 (and where d = 0 for p < 1). Written with ops, so it differentiates again
    (PyTorch's does not).
    """

    __slots__ = ("p", "mm")
    save_inputs = (0, 1)
    save_output = True

    def forward(self, x1, x2, p, mm):
        self.p, self.mm = p, mm
        xp = _xp(x1)
        if mm:  # |a - b|^2 = |a|^2 + |b|^2 - 2 a.b, clamped at 0 against rounding
            sq1 = (x1 * x1).sum(axis=-1)[..., :, None]
            sq2 = (x2 * x2).sum(axis=-1)[..., None, :]
            d2 = sq1 + sq2 - 2 * xp.matmul(x1, xp.swapaxes(x2, -1, -2))
            return xp.sqrt(xp.maximum(d2, 0))
        d = x1[..., :, None, :] - x2[..., None, :, :]
        if d.shape[-1] == 0:
            return xp.zeros(d.shape[:-1], d.dtype)
        if p == 0:
            return (d != 0).sum(axis=-1).astype(d.dtype)
        a = abs(d)
        if p == 1:
            return a.sum(axis=-1)
        if p == 2:
            return xp.sqrt((a * a).sum(axis=-1))
        if p == math.inf:
            return a.max(axis=-1)
        return (a**p).sum(axis=-1) ** (1.0 / p)

    def backward(self, gy):
        x1, x2, y = self.saved
        p = self.p
        ops = _f()
        if p == 0:  # piecewise constant
            xp = _xp(_raw(gy))
            return tuple(
                xp.zeros(*self.input_meta(i)) if self.needs_grad(i) else None for i in (0, 1)
            ) + (None, None)
        zero = _raw(y) == 0  # a constant mask: PyTorch's gradient is 0 at zero distance
        if p == 2 and self.mm:  # PyTorch's _euclidean_dist_backward, without the (P, R, M) d
            w = ops.where(zero, 0.0, gy / ops.where(zero, 1.0, y))
            g1 = x1 * ops.sum(w, -1, keepdim=True) - ops.matmul(w, x2)
            g2 = x2 * ops.sum(w, -2)[..., None] - ops.matmul(ops.transpose(w, -1, -2), x1)
            return self._out(g1, g2)
        d = x1[..., :, None, :] - x2[..., None, :, :]
        g, r, zr = gy[..., None], y[..., None], zero[..., None]
        if p == 1:
            G = g * ops.sign(d)
        elif p == 2:
            G = ops.where(zr, 0.0, g * d / ops.where(zr, 1.0, r))
        elif p == math.inf:
            tie = abs(_raw(d)) == _raw(r)  # constant: the coordinates at the max
            G = g * ops.sign(d) * tie
        else:
            a = abs(d)
            mask = zr | (_raw(a) == 0) if p < 1 else zr
            rs = ops.where(zr, 1.0, r)
            if p < 2:
                t = ops.sign(d) * ops.where(mask, 1.0, a) ** (p - 1)
            else:
                t = d * a ** (p - 2)
            G = ops.where(mask, 0.0, t * g / rs ** (p - 1))
        return self._out(ops.sum(G, -2), -ops.sum(G, -3))

    def _out(self, g1, g2):
        return (
            self.reduce_grad(0, g1) if self.needs_grad(0) else None,
            self.reduce_grad(1, g2) if self.needs_grad(1) else None,
            None,
            None,
        )


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """p-norm distances between each row of x1 and each row of x2, as ``torch.cdist``.

    x1: (..., P, M); x2: (..., R, M), float32 or float64 of the same dtype, batch dims
    broadcasting. Returns (..., P, R): out[..., i, j] = ||x1[..., i, :] - x2[..., j, :]||_p,
    p >= 0 (0 counts differing coordinates, inf takes the largest). compute_mode: for p = 2,
    ``'use_mm_for_euclid_dist'`` computes from a matmul (faster, less accurate for close
    points), ``'use_mm_for_euclid_dist_if_necessary'`` (default) does so when P or R > 25,
    ``'donot_use_mm_for_euclid_dist'`` never. Gradients as PyTorch's (0 at zero distance).
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(cdist, x1, x2, p, compute_mode)
    op = "cdist"
    x1, x2 = _arg(x1), _arg(x2)
    for name, v in (("x1", x1), ("x2", x2)):
        _check_float(op, v)
        if _raw(v).dtype in COMPLEX:
            raise TypeError(
                f"{op}: only supports floating-point dtypes, {name} got {_raw(v).dtype}"
            )
        if v.ndim < 2:
            raise ShapeError(f"{op}: {name} must have at least 2 dimensions, got shape {_shape(v)}")
    if _raw(x1).dtype != _raw(x2).dtype:
        raise TypeError(
            f"{op}: x1 and x2 must have the same dtype, got {_raw(x1).dtype} and {_raw(x2).dtype}"
        )
    s1, s2 = _shape(x1), _shape(x2)
    if s1[-1] != s2[-1]:
        raise ShapeError(
            f"{op}: x1 and x2 must have the same number of columns, got shapes {s1} and {s2}"
        )
    try:
        np.broadcast_shapes(s1[:-2], s2[:-2])
    except ValueError:
        raise ShapeError(
            f"{op}: the batch dims of x1 {s1} and x2 {s2} are not broadcastable"
        ) from None
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: p must be a number, got {type(p).__name__}")
    p = float(p)
    if not p >= 0:  # NaN too
        raise ValueError(f"{op}: only non-negative p values are supported, got p={p}")
    if compute_mode not in _CDIST_MODES:
        raise ValueError(
            f"{op}: {compute_mode!r} is not a valid value for compute_mode (one of "
            f"{', '.join(_CDIST_MODES)})"
        )
    mm = p == 2 and (
        compute_mode == "use_mm_for_euclid_dist"
        or (compute_mode == _CDIST_MODES[0] and (s1[-2] > 25 or s2[-2] > 25))
    )
    return Cdist.apply(x1, x2, p, mm)
