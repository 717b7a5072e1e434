"""Searching and deduplicating, no gradient: searchsorted, bucketize, unique and
unique_consecutive (the results are new leaves, as in torch).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..errors import ShapeError
from ..function import Function
from ..tensor import Tensor
from ._dims import ndim_of as _ndim
from ._dims import norm_dim
from ._reduce_util import _like, _raw
from ._sort_util import _idx, _positions, _xp
from .elementwise import _no_order
from .shape import _along

__all__ = ["SearchSorted", "searchsorted", "bucketize", "unique", "unique_consecutive"]


# -- searchsorted, bucketize --------------------------------------------------------------------


class SearchSorted(Function):
    """Insertion indices of ``v`` into the sorted last dim of ``seq`` (no gradient)."""

    differentiable = False

    def forward(self, seq, v, right, out_int32, sorter):
        _no_order("searchsorted", seq, v)
        xp = _xp(seq)
        # a Python number is weak (NumPy 2): it never widens a float32 sequence, whose entries
        # would then compare in float64 and give other indices than the same value as a tensor
        ct = np.result_type(seq.dtype, v if isinstance(v, numbers.Number) else v.dtype)
        v = xp.asarray(v, dtype=ct)
        seq = seq.astype(ct, copy=False)
        if sorter is not None:
            seq = seq[_along(sorter, seq.ndim - 1)]
        if seq.ndim == 1:
            out = xp.searchsorted(seq, v, side="right" if right else "left")
        else:
            out = _searchsorted_rows(xp, seq, v, right)
        return xp.asarray(out).astype(np.int32 if out_int32 else np.int64)


# batched searchsorted: up to this many rows, one binary search per row; beyond, one merge-sort
_LOOP_ROWS = 256


def _searchsorted_rows(xp, seq, v, right):
    """searchsorted per row of the leading dims: one stable merge-sort of seq and v per row.

    With v placed first (left) or last (right), equal seq entries land after (left) or before
    (right) each v; the count of seq entries before v's merged position is its index.
    """
    n, m = seq.shape[-1], v.shape[-1]
    rows = math.prod(seq.shape[:-1])
    if rows <= _LOOP_ROWS:  # a binary search per row: O(m log n) each, no merge of seq and v
        side = "right" if right else "left"
        s2, v2 = seq.reshape(rows, n), v.reshape(rows, m)
        out = xp.empty((rows, m), dtype=np.int64)
        for i in range(rows):
            out[i] = xp.searchsorted(s2[i], v2[i], side=side)
        return out.reshape(v.shape)
    keys = xp.concatenate([seq, v] if right else [v, seq], axis=-1)
    order = xp.argsort(keys, axis=-1, kind="stable")
    is_v = order >= n if right else order < m
    seq_before = xp.cumsum(~is_v, axis=-1)
    ax = keys.ndim - 1
    inv = xp.empty_like(order)
    inv[_along(order, ax)] = xp.broadcast_to(_positions(n + m, ax, keys.ndim, xp), keys.shape)
    where_v = inv[_idx(ax, slice(n, None) if right else slice(0, m))]
    return seq_before[_along(where_v, ax)]


def _operand(v, op):
    if isinstance(v, Tensor) or (hasattr(v, "shape") and hasattr(v, "dtype")):
        return v
    if isinstance(v, numbers.Number):
        return np.asarray(v)
    raise TypeError(f"{op}: expected a tensor or a number, got {type(v).__name__}")


def searchsorted(sorted_sequence, values, right=False, side=None, out_int32=False, *, sorter=None):
    """Indices where ``values`` would be inserted into ``sorted_sequence`` to keep it sorted.

    sorted_sequence: (n,) or (..., n), sorted along its last dim (or by ``sorter``, indices
    that sort it). values: a number, or (..., m) whose leading dims equal the sequence's when
    that is N-D. right / side='right': the index after equal entries. Returns values' shape,
    int64 (int32 with out_int32), no gradient.
    """
    op = "searchsorted"
    if side is not None:
        if side not in ("left", "right"):
            raise ValueError(f"{op}: side must be 'left' or 'right', got {side!r}")
        if right and side == "left":
            raise ValueError(
                f"{op}: side and right can't be set to opposites (side='left', right=True)"
            )
        right = side == "right"
    seq = _operand(sorted_sequence, op)
    # a Python number stays one: weak in SearchSorted's type promotion
    v = values if isinstance(values, numbers.Number) else _operand(values, op)
    if _ndim(seq) == 0:
        raise ShapeError(
            f"{op}: the sorted sequence must have at least one dimension, got shape ()"
        )
    if _ndim(seq) > 1 and (_ndim(v) == 0 or tuple(seq.shape[:-1]) != tuple(v.shape[:-1])):
        raise ShapeError(
            f"{op}: the sorted sequence must be 1-D or have the same leading dims as values: "
            f"got sorted_sequence of shape {tuple(seq.shape)} and values of shape "
            f"{tuple(getattr(v, 'shape', ()))}"
        )
    if sorter is not None:
        sorter = _raw(_operand(sorter, op))
        if sorter.dtype.kind not in "iu" or tuple(sorter.shape) != tuple(seq.shape):
            raise ShapeError(
                f"{op}: sorter must be integer indices of the sequence's shape {tuple(seq.shape)}, "
                f"got shape {tuple(sorter.shape)} dtype {sorter.dtype}"
            )
    return SearchSorted.apply(seq, v, bool(right), bool(out_int32), sorter)


def bucketize(input, boundaries, right=False, out_int32=False):  # noqa: A002
    """The bucket of each element of ``input`` given sorted 1-D ``boundaries``.

    right False: boundaries[i-1] < x <= boundaries[i]; right True: boundaries[i-1] <= x <
    boundaries[i]. input: a number or any shape; returns its shape, int64 (int32), no gradient.
    """
    b = _operand(boundaries, "bucketize")
    if _ndim(b) != 1:
        raise ShapeError(f"bucketize: boundaries must be 1-D, got shape {tuple(b.shape)}")
    return searchsorted(b, input, out_int32=out_int32, right=right)


# -- unique, unique_consecutive -----------------------------------------------------------------


def _unique(op, x, dim, inverse, counts, consecutive):
    xr = _raw(_operand(x, op))
    _no_order(op, xr)  # NumPy orders complex numbers lexicographically; torch refuses
    xp = _xp(xr)
    if dim is None:
        rows = xr.reshape(-1, 1)
    else:
        if xr.ndim == 0:
            raise IndexError(f"{op}: dim {dim} given, but the tensor has no dimensions")
        d = norm_dim(dim, xr.ndim, op)
        if xr.size == 0 and xr.shape[d] != 0:
            raise ShapeError(
                f"{op}: the tensor of shape {tuple(xr.shape)} has 0-sized dimensions other than "
                f"dim {d}, so its slices along dim {d} cannot be compared"
            )
        moved = xp.moveaxis(xr, d, 0)
        rows = moved.reshape(moved.shape[0], math.prod(moved.shape[1:]))
    n = rows.shape[0]
    if consecutive:
        order = None
    elif xp is np:
        order = np.lexsort(rows.T[::-1]) if rows.shape[1] else np.arange(n)
    else:  # lexicographic by stable sorts from the last column to the first
        order = xp.arange(n)
        for c in range(rows.shape[1] - 1, -1, -1):
            order = order[xp.argsort(rows[order, c], kind="stable")]
    s = rows if order is None else rows[order]
    new = xp.ones(n, dtype=bool)
    if n > 1:
        new[1:] = (s[1:] != s[:-1]).any(axis=1)  # NaN != NaN: every NaN is its own value
    first = xp.flatnonzero(new)
    if dim is None:
        values = s[first].reshape(-1)
    else:
        values = xp.moveaxis(s[first].reshape((first.size,) + moved.shape[1:]), 0, d)
    out = [_like(x, values)]
    if inverse:
        inv = (xp.cumsum(new) - 1).astype(np.int64)
        if order is not None:
            inv2 = xp.empty_like(inv)
            inv2[order] = inv
            inv = inv2
        out.append(_like(x, inv.reshape(xr.shape) if dim is None else inv))
    if counts:
        ends = xp.concatenate([first[1:], xp.asarray([n], dtype=first.dtype)])
        out.append(_like(x, (ends - first).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def unique(x, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The distinct values of x (dim None: flattened), sorted; or the distinct slices along
    ``dim``, sorted lexicographically. No gradient (the results are new leaves, as torch).

    Returns the values, or a tuple adding ``inverse`` (int64, x's shape for dim None, else
    (x.shape[dim],): where each element went) and/or ``counts`` (int64). NaNs are all distinct
    (as torch). The output is sorted also with ``sorted=False``.
    """
    return _unique("unique", x, dim, return_inverse, return_counts, False)


def unique_consecutive(x, return_inverse=False, return_counts=False, dim=None):
    """x with runs of equal consecutive values (dim None: of the flattened x) or slices along
    ``dim`` collapsed to one; optional inverse and counts as ``unique``. No gradient."""
    return _unique("unique_consecutive", x, dim, return_inverse, return_counts, True)
