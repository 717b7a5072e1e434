"""Helpers the reductions share (``reduction.py``, ``_softmax.py``, ``sorting.py``): the reduced
dims of a ``dim``/``axis`` argument, the keepdim and reduced shapes, and ``expand_reduced``, the
first step of every reduction's backward.
"""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor, _wrap
from ._dims import ndim_of as _ndim
from ._dims import norm_axes, pick_dim


def _f():
    # the autograd functions used inside rules (imported late: ops/__init__ defines them)
    from .. import ops

    return ops


def _raw(v):
    return v._data if isinstance(v, Tensor) else v


def _like(x, arr):
    """``arr`` as a no-grad Tensor when ``x`` is a Tensor, else as an array (0-d kept)."""
    if isinstance(arr, np.generic):
        arr = np.asarray(arr)
    return _wrap(arr, None, False) if isinstance(x, Tensor) else arr


def _check_float(op, x):
    if x.dtype.kind not in "fc":
        raise TypeError(f"{op}: expected a floating point tensor, got dtype {x.dtype}")


def _axes(op, x, dim, axis, empty_is_all: bool = True):
    """The reduced dims: None (all) or a sorted tuple. A 0-d x accepts dim 0 / -1, and an empty
    ``dim`` (``()``, ``[]``) means all dims, as in PyTorch's sum, mean, var, ... (NumPy's
    ``axis=()``, and PyTorch's all / any, reduce none: ``empty_is_all=False``)."""
    nd = _ndim(x)
    if empty_is_all and axis is None and isinstance(dim, (tuple, list)) and not dim:
        dim = None
    axes = norm_axes(pick_dim(dim, axis, op), nd, op)
    return None if nd == 0 else axes


def _kshape(xshape, axes):
    """x's shape with the reduced dims (None = all) set to 1: the keepdim shape."""
    return tuple(1 if (axes is None or i in axes) else s for i, s in enumerate(xshape))


def _count(xshape, axes) -> int:
    """Number of elements reduced into each output element."""
    if axes is None:
        return math.prod(xshape)
    return math.prod(xshape[a] for a in axes)


def _rshape(xshape, axes):
    """x's shape without the reduced dims (None = all): the shape of a reduction."""
    return () if axes is None else tuple(s for i, s in enumerate(xshape) if i not in axes)


def _keep(v, axes, keep, xshape):
    """A reduced value reshaped to the keepdim shape (so it broadcasts against x)."""
    return v if keep else v.reshape(_kshape(xshape, axes))


def _nonempty(op, xshape, axes):
    """Raise like PyTorch when a max/min-like reduction has nothing to reduce."""
    if axes is None:
        if math.prod(xshape) == 0:
            raise RuntimeError(
                f"{op}(): expected a non-empty tensor for a reduction over all dims, got shape "
                f"{tuple(xshape)}; specify the reduction dim"
            )
        return
    for a in axes:
        if xshape[a] == 0:
            raise IndexError(
                f"{op}(): expected reduction dim {a} to have non-zero size (shape {tuple(xshape)})"
            )


def expand_reduced(gy, axes, keepdim, xshape):
    """Reshape a reduced gradient back to rank len(xshape) (size-1 reduced dims), then broadcast.

    gy: the reduced shape; axes: the reduced dims (None = all). Returns shape ``xshape``.
    """
    from . import broadcast_to

    if not keepdim:
        gy = gy.reshape(_kshape(xshape, axes))
    return broadcast_to(gy, xshape)
