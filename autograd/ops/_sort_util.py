"""Helpers the sorting, selection and search ops share (``sorting.py``, ``_search.py``): dim
arguments, stable argsorts and ufunc scans on either array module, and the differentiable
selection of values at int64 indices.
"""

from __future__ import annotations

import operator

import numpy as np

from backends import array_module

from ..dtypes import COMPLEX
from ._dims import ndim_of as _ndim
from ._dims import norm_dim
from .shape import GetItem, Reshape, _along


def _f():
    from .. import ops  # late: ops/__init__ imports this module

    return ops


def _xp(a):
    return np if type(a) is np.ndarray else array_module(a)


def _idx(axis, sl):
    """An index tuple applying ``sl`` along ``axis`` (non-negative)."""
    return (slice(None),) * axis + (sl,)


def _dim(op, x, dim, axis, default=-1):
    """``dim`` (or NumPy's ``axis``) as a non-negative int for x (0 for a 0-d x)."""
    if axis is not None:
        if dim != default:
            raise TypeError(f"{op}: got both dim={dim!r} and axis={axis!r}; pass one")
        dim = axis
    if dim is None:
        raise TypeError(f"{op}: missing the dim argument")
    orderable(op, x)
    return norm_dim(dim, _ndim(x), op)


def orderable(op, x) -> None:
    """TypeError for a complex x: NumPy orders complex numbers lexicographically, torch refuses
    to sort, rank or take extremes of them, and so does this."""
    if getattr(x, "dtype", None) in COMPLEX:
        raise TypeError(
            f"{op}: not supported for complex tensors (they have no order), got {x.dtype}"
        )


def _positions(n, axis, ndim, xp):
    """arange(n) shaped to broadcast along ``axis`` of an ndim-dim array."""
    return xp.arange(n).reshape((n,) + (1,) * (ndim - axis - 1))


def _argsort(a, axis, descending=False):
    """Stable int64 argsort along ``axis``; descending keeps equal elements in input order and
    puts NaN first (torch's order): ascending on the reversed input, read backwards."""
    xp = _xp(a)
    if not descending:
        return xp.argsort(a, axis=axis, kind="stable").astype(np.int64, copy=False)
    rev = _idx(axis, slice(None, None, -1))
    i = xp.argsort(a[rev], axis=axis, kind="stable").astype(np.int64, copy=False)
    return (a.shape[axis] - 1 - i)[rev]


def _scan(name, a, axis):
    """Inclusive scan of the binary ufunc ``name`` along ``axis``: NumPy's accumulate, or on the
    GPU (CuPy's accumulate is for add only) a Hillis-Steele doubling scan, log2(n) steps."""
    xp = _xp(a)
    fn = getattr(xp, name)
    if xp is np:
        return fn.accumulate(a, axis=axis)
    n, d = a.shape[axis], 1
    while d < n:
        a = xp.concatenate(
            [
                a[_idx(axis, slice(0, d))],
                fn(a[_idx(axis, slice(d, None))], a[_idx(axis, slice(0, n - d))]),
            ],
            axis=axis,
        )
        d *= 2
    return a


def _select(x, idx, axis, keep):
    """x's entries at the int64 ``idx`` along ``axis`` (idx: x's shape but along axis);
    differentiable (a gather: the gradient is scatter-added back). keep False drops axis."""
    v = GetItem.apply(x, _along(idx, axis))
    if keep:
        return v
    return Reshape.apply(v, idx.shape[:axis] + idx.shape[axis + 1 :])


def _drop(shape, d):
    """``shape`` without dim ``d``."""
    return tuple(shape[:d]) + tuple(shape[d + 1 :])


def _flat1(x):
    """A 0-d x as shape (1,) (torch treats it as one element along dim 0 / -1)."""
    return Reshape.apply(x, (1,))


def _is_float(a) -> bool:
    return a.dtype.kind in "fc"


def _k(op, k, n, d, lo):
    """k as an int in [lo, n]; IndexError naming the op, k, the dim and its size."""
    try:
        k = operator.index(k)
    except TypeError:
        raise TypeError(f"{op}: k must be an int, got {type(k).__name__}") from None
    if not lo <= k <= n:
        raise IndexError(
            f"{op}: k ({k}) is out of range for dimension {d} with size {n} "
            f"(expected {lo} <= k <= {n})"
        )
    return k
