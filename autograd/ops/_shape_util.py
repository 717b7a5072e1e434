"""Helpers the shape, indexing and layout ops share: the array module of an array, views that
share their base's version counter, and argument checks (sequences of tensors, dim or axis).

Ops whose output may be a view of the input (reshape, permute, getitem with basic indices,
broadcast_to, ...) share the input's version counter, so an in-place change through either one
is seen by every record that saved the other.
"""

from __future__ import annotations

import operator
from weakref import ref as _weakref

import numpy as np

from ..grad_mode import _altered, _state
from ..tensor import Tensor


def _xp(a):
    from backends import array_module

    return array_module(a)


class NoGradRef(_weakref):
    """A weak reference to a view made while recording was off (see share_version)."""

    __slots__ = ()


def share_version(x, out):
    """Make Tensor ``out`` a view of Tensor ``x``: it shares x's version counter and keeps x's
    root (the tensor whose memory every view of the group points into) in ``out._base``, as
    PyTorch's ``_base``. Returns ``out``.

    The view is remembered in the counter (a weak reference after the version), so an in-place
    op recorded on any tensor of the group reaches the others: their records are regenerated
    through the write (autograd/_inplace_views.py). A view made while recording is off is
    remembered by a ``NoGradRef`` (a weak reference of its own type): a recorded write into its
    group is refused while it lives (PyTorch refuses its use after such a write).
    """
    if isinstance(out, Tensor) and isinstance(x, Tensor) and out is not x:
        vc = x._vc
        if vc is None:  # x was never viewed nor saved: no view itself (views have a counter)
            vc = x._vc = [0]
            x._base = None  # a root (the slot is set on the tensors viewed: cheap to read)
            out._base = x
        else:
            try:
                b = x._base
            except AttributeError:  # a root viewed for the first time (saved before)
                b = x._base = None
            out._base = x if b is None else b
        vc.append(_weakref(out) if not _altered or _state.mode else NoGradRef(out))
        n = len(vc)
        if n > 33 and not n & (n - 1):  # at 64, 128, ... entries: drop the views gone
            vc[1:] = [r for r in vc[1:] if r() is not None]
        out._vc = vc
    return out


def live_views(vc) -> bool:
    """Whether a version counter lists a live view (see share_version)."""
    return vc is not None and any(r() is not None for r in vc[1:])


def _raw(v):
    return v._data if isinstance(v, Tensor) else v


def _module_of(arrays):
    """The array module of a sequence of arrays: cupy if any of them is a cupy array."""
    for a in arrays:
        if type(a) is not np.ndarray and hasattr(a, "shape"):
            return _xp(a)
    return np


def _as_operand(v):
    """A Tensor or array kept as is; anything else (nested lists, scalars) as a numpy array."""
    if isinstance(v, Tensor) or (hasattr(v, "shape") and hasattr(v, "dtype")):
        return v
    return np.asarray(v)


def _seq_of_tensors(tensors, op: str) -> list:
    if isinstance(tensors, Tensor) or hasattr(tensors, "shape") or isinstance(tensors, str):
        raise TypeError(
            f"{op}: expected a sequence of tensors, got {type(tensors).__name__}; "
            f"pass a list or tuple, e.g. {op}([a, b])"
        )
    try:
        items = [_as_operand(t) for t in tensors]
    except TypeError:
        raise TypeError(
            f"{op}: expected a sequence of tensors, got {type(tensors).__name__}"
        ) from None
    if not items:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    return items


def _dim_or_axis(dim, axis, op: str):
    """``dim`` (default 0) or NumPy's ``axis``; passing a non-default dim and axis is an error."""
    if axis is None:
        return dim
    if dim not in (0, None):
        raise TypeError(f"{op}: got both dim={dim!r} and axis={axis!r}; pass one")
    return axis


def _insert_dim(dim, ndim: int, op: str) -> int:
    """A position for a new dim, in [-ndim-1, ndim]; IndexError naming op, dim and ndim."""
    try:
        d = operator.index(dim)
    except TypeError:
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}") from None
    if not -ndim - 1 <= d <= ndim:
        raise IndexError(
            f"{op}: dim {d} is out of range for a tensor with {ndim} dimensions "
            f"(expected to be in range of [{-ndim - 1}, {ndim}])"
        )
    return d % (ndim + 1)


def _shape_str(shape) -> str:
    return str(tuple(int(s) for s in shape))
