"""Argument helpers the structural ops share (``layout.py``, ``_diagonal.py``): int and
int-sequence arguments (0-d integer tensors accepted), dim checks, host integer arrays.
"""

from __future__ import annotations

import operator

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from ._dims import ndim_of as _ndim
from ._dims import norm_dim
from .shape import _xp


def _mod(a):
    return np if type(a) is np.ndarray else _xp(a)


def _index(v, op: str, what: str) -> int:
    """An int argument (a Python/NumPy int or a 0-d integer Tensor); TypeError otherwise."""
    if isinstance(v, Tensor):
        if v.ndim == 0 and v.dtype.kind in "iu":
            return int(v.item())
        raise TypeError(f"{op}: {what} must be an int, got a {v.dtype} tensor of shape {v.shape}")
    try:
        return operator.index(v)
    except TypeError:
        raise TypeError(f"{op}: {what} must be an int, got {type(v).__name__}") from None


def _ints(v, op: str, what: str) -> tuple:
    """An int or a sequence of ints as a tuple of ints."""
    if isinstance(v, (tuple, list)):
        return tuple(_index(s, op, what) for s in v)
    return (_index(v, op, what),)


def _need_dims(x, k: int, op: str) -> int:
    """x's ndim; ShapeError unless it has at least ``k`` dimensions."""
    if _ndim(x) < k:
        raise ShapeError(f"{op}: expects a tensor with at least {k} dims, got shape {x.shape}")
    return _ndim(x)


def _dim_of(x, dim, op: str) -> int:
    """``dim`` of an at-least-1-d x; a 0-d x has no dimension to name (IndexError, as torch)."""
    n = _ndim(x)
    if n == 0:
        raise IndexError(f"{op}: dim {dim} is out of range: a 0-d tensor has no dimensions")
    return norm_dim(dim, n, op)


def _two_dims(dim1, dim2, n: int, op: str):
    d1, d2 = norm_dim(dim1, n, op), norm_dim(dim2, n, op)
    if d1 == d2:
        raise ValueError(f"{op}: the two dims must differ, got {dim1} and {dim2} (both dim {d1})")
    return d1, d2


def _host_ints(v, op: str, what: str) -> np.ndarray:
    """An integer Tensor/array/list as a host int64 array (read from the GPU if needed)."""
    a = v._data if isinstance(v, Tensor) else v
    if not isinstance(a, np.ndarray):
        a = a.get() if hasattr(a, "get") else np.asarray(a)
        if a.size == 0 and a.dtype.kind == "f":
            a = a.astype(np.int64)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{op}: {what} must be an integer tensor, got dtype {a.dtype}")
    return a.astype(np.int64, copy=False)
