"""Linear algebra: vector and matrix norms, the condition number and the rank (vector_norm,
matrix_norm, linalg_norm, cond, matrix_rank), batched over leading dims like PyTorch.

Compositions of differentiable ops and of ``decomp.py``'s ``svdvals`` and ``inv``, so their
derivatives come from those; matrix_rank has no gradient. All are ``torch.linalg`` functions:
none is a top-level ``autograd`` name (``__all__`` is empty; ``autograd.norm`` is the reduction),
and ``autograd/linalg.py`` re-exports them, ``linalg_norm`` under its torch.linalg name ``norm``.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ShapeError
from ._dims import norm_dim
from ._linalg_util import _arg, _check_float, _col, _f, _like, _matrix, _raw, _shape, _xp
from .decomp import _tols, inv, svdvals

__all__: list[str] = []


# -- rank ---------------------------------------------------------------------------------------


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, tol=None):
    """Number of singular values above max(atol, rtol * largest) of A (..., m, n) -> int64
    (...). No gradient. ``tol`` is an older name of atol."""
    A = _matrix("linalg.matrix_rank", A, square=hermitian)
    if tol is not None:
        atol = tol
    r = _raw(A)
    xp = _xp(r)
    s = abs(xp.linalg.eigvalsh(r)) if hermitian else xp.linalg.svd(r, compute_uv=False)
    if hermitian:
        s = xp.sort(s, axis=-1)[..., ::-1]
    tol_ = _tols("linalg.matrix_rank", r, atol, rtol, s[..., :1])
    return _like(A, (s > tol_).sum(axis=-1).astype(np.int64))


# -- norms ---------------------------------------------------------------------------------------


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """The vector ``ord``-norm of x over ``dim`` (int, tuple, or None for all elements):
    ord 2, 1, inf, -inf, 0 or any float. Returns x's shape without ``dim`` (size 1 with
    keepdim); the gradient at 0 is 0."""
    x = _arg(x)
    _check_float("linalg.vector_norm", x)
    if isinstance(ord, str):
        raise ValueError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    if dtype is not None:
        x = _f().cast(x, dtype)
    return _f().norm(x, p=ord, dim=dim, keepdim=keepdim)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002
    """The matrix norm of A over the two dims ``dim``: ord 'fro', 'nuc' (sum of singular
    values), 2 / -2 (largest / smallest singular value), inf / -inf (max / min row |sum|), 1 /
    -1 (max / min column |sum|). A (..., m, n) -> (...) (size-1 dims with keepdim)."""
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
    if dtype is not None:
        A = _f().cast(A, dtype)
    ops = _f()
    if ord == "fro":
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
    """Condition number of A (..., m, n) -> (...) in the norm ``p``: None or 2 (largest over
    smallest singular value), -2 (its inverse), or 'fro', 'nuc', inf, -inf, 1, -1 (square A:
    norm(A) * norm(A^-1), inf where A is singular)."""
    op = "linalg.cond"
    A = _matrix(op, A, square=p not in (None, 2, -2))
    ops = _f()
    if p in (None, 2, -2):
        sv = svdvals(A)
        big, small = sv[..., 0], sv[..., -1]
        return big / small if p != -2 else small / big
    if p not in ("fro", "nuc", math.inf, -math.inf, 1, -1):
        raise ValueError(f"{op}: order {p!r} not supported")
    r = _raw(A)
    xp = _xp(r)
    singular = xp.linalg.slogdet(r)[0] == 0
    if bool(singular.any()):
        eye = xp.eye(r.shape[-1], dtype=r.dtype)
        safe = ops.where(_col(_col(singular)), eye, A)
        out = matrix_norm(safe, p) * matrix_norm(inv(safe), p)
        return ops.where(singular, math.inf, out)
    return matrix_norm(A, p) * matrix_norm(inv(A), p)
