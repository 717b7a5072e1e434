"""Indexed reads and writes beyond getitem/gather/scatter_add (PyTorch's names, out of place).

Writes: scatter, scatter_reduce, index_add, index_copy, index_fill, index_put, masked_scatter, put.
Reads: masked_select, take, take_along_dim. No gradient: nonzero, argwhere, count_nonzero, bincount.

Every write is reduced to flat (row-major) positions ``lin`` into the output, an int64 array
computed once from the index arguments (a constant of the graph), and one of three ops:

* ``Put``: assignment. With repeated positions PyTorch's result is nondeterministic; here the
  last write wins (the last in the row-major order of the index, which for index_copy and put is
  the last occurrence in ``index``), on numpy and cupy alike, and only that element receives a
  gradient, so the gradient always matches the forward.
* ``ScatterSum``: sum or mean into the positions (accumulation, scatter_reduce 'sum'/'mean').
* ``ScatterReduce``: 'prod', 'amax', 'amin', with PyTorch's gradients (ties share evenly).

Indices may be negative (counting from the end), as in this library's gather and index_select;
PyTorch's scatter family rejects negative indices. As in PyTorch, an index tensor (or mask)
that a record needs and that is changed in place before backward makes backward raise
(``shape.guard_index``); a caller's raw NumPy index is copied where a record keeps it.

The three ops and their helpers live in ``_index_writes.py``; the entry points are here.
"""

from __future__ import annotations

import numbers
import operator

import numpy as np

from ..amp import _active as _amp_on
from ..amp import _tls as _amp
from ..amp import autocast_call as _autocast
from ..errors import ShapeError
from ..tensor import Tensor
from ._dims import ndim_of as _ndim
from ._dims import norm_axes, norm_dim, pick_dim
from ._index_writes import (  # noqa: F401 - re-exported: the helpers were defined here
    _UFUNCS,
    Put,
    ScatterReduce,
    ScatterSum,
    _along_dim,
    _bool_mask,
    _counts,
    _identity,
    _index,
    _last_writes,
    _lin_along,
    _mod,
    _numel,
    _operand,
    _out,
    _pick,
    _reduce_at,
    _same_device,
    _scalar,
    _written,
)
from .elementwise import Cast, Where
from .shape import (
    GetItem,
    ScatterAdd,
    _as_operand,
    _check_range,
    _gather_index,
    _private,
    _raw,
    _recording,
    _shape_str,
    broadcast_to,
    gather,
    getitem,
    guard_index,
    reshape,
)

__all__ = [
    "scatter", "scatter_reduce", "index_add", "index_copy", "index_fill", "index_put",
    "masked_select", "masked_scatter", "take", "take_along_dim", "put", "nonzero", "argwhere",
    "count_nonzero", "bincount",
]  # fmt: skip

_REDUCES = ("sum", "prod", "mean", "amax", "amin")

# -- scatter, scatter_reduce -----------------------------------------------------------------------


def _scatter_args(x, dim, index, src, op: str):
    """(lin, src cropped to index's shape) for the scatter family, after PyTorch's checks."""
    n = _ndim(x)
    if n == 0:
        raise ShapeError(f"{op}: expects at least a 1-dimensional tensor, got shape ()")
    d = norm_dim(dim, n, op)
    if src is not None:
        if _ndim(src) != n:
            raise ShapeError(
                f"{op}: src must have the same number of dimensions as the input: src shape "
                f"{_shape_str(src.shape)}, input shape {_shape_str(x.shape)}"
            )
    idx = _same_device(_gather_index(x, d, index, op, other=src), x, op)
    if src is not None and tuple(idx.shape) != tuple(src.shape):
        src = getitem(src, tuple(slice(0, s) for s in idx.shape))
    return _lin_along(idx, d, tuple(x.shape)), src


def scatter(x, dim, index, src=None, reduce=None, *, value=None):
    """``torch.scatter`` (out of place): y = x; y[i][index[i][j]] = src[i][j] for dim=1.

    x: (n0, ...); index: integer, x's rank, index.shape[k] <= src.shape[k] for every k and
    <= x.shape[k] for k != dim; src: a tensor of x's rank and dtype, or a number (also as
    ``value=``) written everywhere index points. reduce: None, 'add' or 'multiply' (PyTorch's
    deprecated argument; same as scatter_reduce 'sum' / 'prod' with include_self). Returns x's
    shape. Repeated indices without reduce: the last in index's row-major order wins (PyTorch
    leaves it undefined) and only that src element gets a gradient; gx is gy with the written
    positions zeroed.
    """
    if value is not None:
        if src is not None:
            raise TypeError("scatter: got both src and value; pass one")
        src = value
    if src is None:
        raise TypeError("scatter: pass src (a tensor) or value (a number)")
    if reduce not in (None, "add", "multiply"):
        raise ValueError(
            f"scatter: reduce argument must be either 'add' or 'multiply', got {reduce!r}"
        )
    number = isinstance(src, numbers.Number)
    if number:
        v = _scalar(src, x.dtype, "scatter")
        lin, _ = _scatter_args(x, dim, index, None, "scatter")
        if reduce is None:
            return guard_index(Put.apply(x, lin, v, None), "scatter", index)
        src = _mod(lin).full(lin.shape, v, dtype=x.dtype)
    else:
        src = _operand(src, x, "scatter", "src")
        lin, src = _scatter_args(x, dim, index, src, "scatter")
        if reduce is None:
            return guard_index(Put.apply(x, lin, src, _last_writes(lin)), "scatter", index)
    if reduce == "add":
        out = ScatterSum.apply(x, lin, src, False, True)
    else:
        out = ScatterReduce.apply(x, lin, src, "prod", True)
    return guard_index(out, "scatter", index)


def scatter_reduce(x, dim, index, src, reduce, include_self=True):
    """``torch.scatter_reduce`` (out of place): src reduced into x along ``dim`` at ``index``.

    reduce: 'sum', 'prod', 'mean', 'amax' or 'amin'; include_self: whether x's own values at
    the written positions take part (else those positions reduce src alone). Positions index
    never names keep x. Shapes as ``scatter`` (src a tensor of x's dtype); returns x's shape.
    Integer 'mean' floor-divides. Gradients are PyTorch's (see ScatterReduce), also when index
    is smaller than src (PyTorch's backward refuses that).
    """
    if reduce not in _REDUCES:
        raise ValueError(
            f"scatter_reduce: reduce argument must be one of {', '.join(map(repr, _REDUCES))}, "
            f"got {reduce!r}"
        )
    src = _operand(src, x, "scatter_reduce", "src")
    lin, src = _scatter_args(x, dim, index, src, "scatter_reduce")
    include_self = bool(include_self)
    if reduce in ("sum", "mean"):
        out = ScatterSum.apply(x, lin, src, reduce == "mean", include_self)
    else:
        out = ScatterReduce.apply(x, lin, src, reduce, include_self)
    return guard_index(out, "scatter_reduce", index)


# -- index_add, index_copy, index_fill -------------------------------------------------------------


def _dim_index(x, dim, index, op: str):
    """(d, idx): dim checked, idx a 1-D int array in range along d (a 0-d x: one element)."""
    n = _ndim(x)
    d = norm_dim(dim, n, op)
    idx = _index(index, x, op)
    if idx.ndim > 1:
        raise ShapeError(
            f"{op}: index must be 1-D (or a scalar), got shape {_shape_str(idx.shape)}"
        )
    idx = idx.reshape(-1)
    _check_range(idx, x.shape[d] if n else 1, d, op)
    return d, idx


def _source(x, d, idx, source, op: str):
    """source checked to be x's shape with len(index) at dim d (and x's dtype)."""
    source = _operand(source, x, op, "source")
    want = list(x.shape)
    if want:
        want[d] = idx.shape[0]
    if tuple(source.shape) != tuple(want) and not (not want and _numel(source) == 1):
        raise ShapeError(
            f"{op}: source of shape {_shape_str(source.shape)} does not match the input of "
            f"shape {_shape_str(x.shape)} with dimension {d} of size {idx.shape[0]} "
            f"(expected {_shape_str(want)})"
        )
    return source


def index_add(x, dim, index, source, *, alpha=1):
    """``torch.index_add`` (out of place): y = x; y[.., index[j], ..] += alpha * source[.., j, ..].

    x: (..., n, ...) with n at ``dim``; index: 1-D ints of length k; source: x's shape with k at
    ``dim``, x's dtype. Returns x's shape. Repeated indices accumulate.
    """
    d, idx = _dim_index(x, dim, index, "index_add")
    source = _source(x, d, idx, source, "index_add")
    if x.dtype.kind in "iub" and not isinstance(alpha, numbers.Integral):
        raise TypeError(f"index_add: for integer inputs alpha must be an integer, got {alpha!r}")
    if alpha != 1:
        source = source * alpha
    if _ndim(x) == 0:
        out = index_add(reshape(x, (1,)), 0, idx, reshape(source, (1,)))
        return reshape(guard_index(out, "index_add", index) if _recording(source) else out, ())
    keeps = _recording(source)  # the index is read by source's gradient only (x's is gy)
    idx = _private(idx, index, keeps)
    out = ScatterAdd.apply(x, (slice(None),) * d + (idx,), source, None)
    return guard_index(out, "index_add", index) if keeps else out


def index_copy(x, dim, index, source):
    """``torch.index_copy`` (out of place): y = x; y[..., index[j], ...] = source[..., j, ...].

    Shapes as ``index_add``. A repeated index: its last occurrence wins (PyTorch leaves it
    undefined) and only that slice of source gets a gradient.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(index_copy, x, dim, index, source)
    d, idx = _dim_index(x, dim, index, "index_copy")
    source = _source(x, d, idx, source, "index_copy")
    if _ndim(x) == 0:
        out = index_copy(reshape(x, (1,)), 0, idx, reshape(source, (1,)))
        return reshape(guard_index(out, "index_copy", index), ())
    lin = _along_dim(idx, d, tuple(x.shape))
    return guard_index(Put.apply(x, lin, source, _last_writes(lin)), "index_copy", index)


def index_fill(x, dim, index, value):
    """``torch.index_fill`` (out of place): x with every slice ``index[j]`` along ``dim`` set to
    ``value`` (a number, cast to x's dtype, or a 0-d tensor, which gets the gradient summed
    over the filled positions). x: any shape; index: 1-D ints. Returns x's shape."""
    d, idx = _dim_index(x, dim, index, "index_fill")
    xr = _raw(x)
    n = xr.ndim
    mask = _mod(idx).zeros(xr.shape[d] if n else 1, dtype=bool)
    mask[idx] = True
    mask = mask.reshape((1,) * d + (-1,) + (1,) * (n - d - 1)) if n else mask.reshape(())
    if isinstance(value, Tensor) or hasattr(value, "shape"):
        if _ndim(value) != 0:
            raise ShapeError(
                f"index_fill: value must be a number or a 0-d tensor, got shape "
                f"{_shape_str(value.shape)}"
            )
        if value.dtype != x.dtype:
            value = Cast.apply(value, x.dtype)
    else:
        value = _scalar(value, x.dtype, "index_fill")
    return guard_index(Where.apply(mask, value, x), "index_fill", index)


# -- index_put, put --------------------------------------------------------------------------------


def _index_tuple(indices, x, op: str):
    """PyTorch's ``indices``: a tuple/list of int or bool index tensors (None: a full slice),
    applied to x's leading dims. Returns the raw index tuple, checked."""
    if isinstance(indices, Tensor) or hasattr(indices, "shape"):
        indices = (indices,)
    if not isinstance(indices, (tuple, list)):
        raise TypeError(
            f"{op}: indices must be a tuple of index tensors, got {type(indices).__name__}"
        )
    shape = tuple(x.shape)
    out, k = [], 0
    for j, v in enumerate(indices):
        if v is None:
            out.append(slice(None))
            k += 1
            continue
        a = v._data if isinstance(v, Tensor) else v
        if not hasattr(a, "dtype") and np.asarray(a).dtype == np.bool_:
            a = np.asarray(a)
        if getattr(a, "dtype", None) == np.bool_:
            a = _bool_mask(a, x, op)
            m = a.ndim
            if tuple(a.shape) != shape[k : k + m] or k + m > len(shape):
                raise IndexError(
                    f"{op}: the shape of the mask {_shape_str(a.shape)} at index {j} does not "
                    f"match the shape of the indexed tensor {_shape_str(shape)} from dimension {k}"
                )
            k += m
        else:
            a = _index(a, x, op)
            if k < len(shape):
                _check_range(a, shape[k], k, op)
            k += 1
        out.append(a)
    if k > len(shape):
        raise IndexError(
            f"{op}: too many indices for a tensor of dimension {len(shape)} "
            f"({k} dimensions indexed)"
        )
    return tuple(out)


def index_put(x, indices, values, accumulate=False):
    """``torch.index_put`` (out of place): y = x; y[indices] = values (or += with accumulate).

    indices: tuple of index tensors (int, or bool masks; None for a full slice), each an
    advanced index under NumPy's rules as in PyTorch's index_put (a 0-d tensor too, which
    ``x[...]`` takes as an int); S: the shape they select. values: a tensor of x's dtype
    broadcastable to S, or a number. Returns x's shape. Repeated positions: accumulate sums
    them; otherwise the last write wins (PyTorch leaves it undefined) and only it gets a
    gradient.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(index_put, x, indices, values, accumulate)
    index = _index_tuple(indices, x, "index_put")
    xr = _raw(x)
    xp = _mod(xr)
    lin = xp.arange(xr.size, dtype=np.int64).reshape(xr.shape)[index]
    number = isinstance(values, numbers.Number)
    if number:
        values = _scalar(values, x.dtype, "index_put")
    else:
        values = _operand(values, x, "index_put", "values")
        try:
            ok = np.broadcast_shapes(tuple(values.shape), lin.shape) == lin.shape
        except ValueError:
            ok = False
        if not ok:
            raise ShapeError(
                f"index_put: shape mismatch: values of shape {_shape_str(values.shape)} cannot be "
                f"broadcast to the indexing result of shape {_shape_str(lin.shape)}"
            )
    if not accumulate:
        out = Put.apply(x, lin, values, None if number else _last_writes(lin))
    else:
        if number:
            src = xp.full(lin.shape, values, dtype=x.dtype)
        else:
            src = broadcast_to(values, lin.shape)
        out = ScatterSum.apply(x, lin, src, False, True)
    return guard_index(out, "index_put", indices, many=isinstance(indices, (tuple, list)))


def _flat_index(x, index, op: str):
    """Flat int64 positions into x (negatives from the end), range-checked against x's size."""
    idx = _index(index, x, op)
    size = int(np.prod(x.shape))
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < -size or hi >= size:
            raise IndexError(
                f"{op}: index {lo if lo < -size else hi} is out of bounds for the input of shape "
                f"{_shape_str(x.shape)} with {size} elements (flat indices)"
            )
    idx = idx.astype(np.int64)
    return _mod(idx).where(idx < 0, idx + size, idx)


def put(x, index, source, accumulate=False):
    """``torch.Tensor.put`` (out of place): y = x; y.flatten()[index] = source (or += with
    accumulate). x: any shape; index: ints, flat positions (negative from the end); source:
    x's dtype with as many elements as index. Returns x's shape. Repeated positions without
    accumulate: the last occurrence wins and only it gets a gradient."""
    lin = _flat_index(x, index, "put")
    source = _operand(source, x, "put", "source")
    if _numel(source) != lin.size:
        raise ShapeError(
            f"put: source of shape {_shape_str(source.shape)} must have as many elements as "
            f"index of shape {_shape_str(lin.shape)}"
        )
    source = reshape(source, tuple(lin.shape))
    if accumulate:
        out = ScatterSum.apply(x, lin, source, False, True)
    else:
        out = Put.apply(x, lin, source, _last_writes(lin))
    return guard_index(out, "put", index)


# -- masked_select, masked_scatter, take, take_along_dim -------------------------------------------


def _mask_shape(x, mask, op: str):
    try:
        return tuple(np.broadcast_shapes(tuple(x.shape), tuple(mask.shape)))
    except ValueError:
        raise ShapeError(
            f"{op}: mask of shape {_shape_str(mask.shape)} and input of shape "
            f"{_shape_str(x.shape)} are not broadcastable"
        ) from None


def masked_select(x, mask):
    """``torch.masked_select``: x's elements where ``mask`` (bool; x and mask broadcast) is
    True, in row-major order. Returns a 1-D tensor; the gradient scatters back (summed over
    broadcast copies of x)."""
    m = _bool_mask(mask, x, "masked_select")
    shape = _mask_shape(x, m, "masked_select")
    xp = _mod(m)
    pos = xp.broadcast_to(xp.arange(int(np.prod(x.shape)), dtype=np.int64).reshape(x.shape), shape)
    out = GetItem.apply(reshape(x, (-1,)), pos[xp.broadcast_to(m, shape)])
    return guard_index(out, "masked_select", mask)


def masked_scatter(x, mask, source):
    """``torch.masked_scatter`` (out of place): x with the positions where ``mask`` is True
    filled, in row-major order, by source's leading elements.

    x, mask (bool): broadcastable, result of their broadcast shape; source: x's dtype, at least
    as many elements as mask has True values (any shape, read flattened).
    """
    m = _bool_mask(mask, x, "masked_scatter")
    shape = _mask_shape(x, m, "masked_scatter")
    source = _operand(source, x, "masked_scatter", "source")
    xp = _mod(m)
    lin = xp.flatnonzero(xp.broadcast_to(m, shape))
    if _numel(source) < lin.size:
        raise ShapeError(
            f"masked_scatter: source of shape {_shape_str(source.shape)} has {_numel(source)} "
            f"elements, fewer than the {lin.size} positions the mask selects"
        )
    src = getitem(reshape(source, (-1,)), slice(0, lin.size))
    return guard_index(Put.apply(broadcast_to(x, shape), lin, src, None), "masked_scatter", mask)


def take(x, index):
    """``torch.take``: x treated as 1-D (row-major); returns index's shape. index: ints,
    negative ones from the end. Repeated indices accumulate in the gradient."""
    lin = _flat_index(x, index, "take")
    return guard_index(GetItem.apply(reshape(x, (-1,)), lin), "take", index)


def take_along_dim(x, indices, dim=None, *, axis=None):
    """``torch.take_along_dim``: gather along ``dim`` after broadcasting x and indices in every
    other dim. dim None: x and indices are flattened (returns indices.numel() elements).

    x: (..., n, ...); indices: ints of x's rank. Returns the broadcast shape with indices' size
    at ``dim``.
    """
    dim = pick_dim(dim, axis, "take_along_dim")
    if dim is None:  # PyTorch keeps this index: changing it in place before backward raises
        out = take(x, reshape(_index(indices, x, "take_along_dim"), (-1,)))
        return guard_index(out, "take_along_dim", indices)
    idx = _index(indices, x, "take_along_dim")
    n = _ndim(x)
    if idx.ndim != n:
        raise ShapeError(
            f"take_along_dim: input and indices should have the same number of dimensions, got "
            f"shapes {_shape_str(x.shape)} and {_shape_str(idx.shape)}"
        )
    if n == 0:
        raise ShapeError("take_along_dim: expects at least a 1-dimensional tensor with dim, got ()")
    d = norm_dim(dim, n, "take_along_dim")
    xs, js = list(x.shape), list(idx.shape)
    for k in range(n):
        if k != d and xs[k] != js[k]:
            if xs[k] != 1 and js[k] != 1:
                raise ShapeError(
                    f"take_along_dim: input of shape {_shape_str(xs)} and indices of shape "
                    f"{_shape_str(js)} are not broadcastable at dimension {k}"
                )
            xs[k] = js[k] = max(xs[k], js[k])
    # with a dim PyTorch's record keeps a copy of the broadcast indices (a later change to
    # them has no effect, no error): so does gather's record, given the raw broadcast array
    idx = _mod(idx).broadcast_to(idx, tuple(js))
    return gather(broadcast_to(x, tuple(xs)), d, idx)


# -- nonzero, argwhere, count_nonzero, bincount (no gradient) --------------------------------------


def nonzero(x, as_tuple=False):
    """``torch.nonzero``: indices (int64) of x's nonzero elements in row-major order.

    Returns (n, x.ndim); with as_tuple, a tuple of x.ndim 1-D tensors of length n (a 0-d x
    counts as 1-D there, as PyTorch). No gradient.
    """
    a = _raw(_as_operand(x))
    xp = _mod(a)
    if a.ndim == 0:
        k = int(bool(a != 0))
        if as_tuple:
            return (_out(x, xp.zeros(k, dtype=np.int64)),)
        return _out(x, xp.zeros((k, 0), dtype=np.int64))
    parts = [p.astype(np.int64) for p in xp.nonzero(a)]
    if as_tuple:
        return tuple(_out(x, p) for p in parts)
    return _out(x, xp.stack(parts, axis=1))


def argwhere(x):
    """``torch.argwhere``: the same as ``nonzero(x)``, (n, x.ndim) int64 indices."""
    return nonzero(x)


def count_nonzero(x, dim=None, *, axis=None):
    """``torch.count_nonzero``: how many elements are nonzero, over ``dim`` (int or tuple;
    None: all). Returns int64, x's shape without those dims. No gradient."""
    dim = pick_dim(dim, axis, "count_nonzero")
    a = _raw(_as_operand(x))
    axes = norm_axes(dim, a.ndim, "count_nonzero") if a.ndim else None
    axes = axes or None  # an empty dim tuple counts over every dim, as torch and sum(dim=())
    return _out(x, (a != 0).sum(axis=axes, dtype=np.int64))


def bincount(x, weights=None, minlength=0):
    """``torch.bincount``: counts of each value in ``x`` (1-D non-negative ints).

    Returns max(x) + 1 (at least ``minlength``) counts: int64, or with ``weights`` (x's shape)
    their sums per value, in weights' float dtype (float64 for integer weights). No gradient.
    """
    a = _raw(_as_operand(x))
    if a.dtype.kind not in "iu":
        raise TypeError(f"bincount: expected an integer tensor, got dtype {a.dtype}")
    if a.ndim != 1:
        raise ShapeError(f"bincount: expected a 1-D tensor, got shape {_shape_str(a.shape)}")
    try:
        minlength = operator.index(minlength)
    except TypeError:
        raise TypeError(
            f"bincount: minlength must be an int, got {type(minlength).__name__}"
        ) from None
    if minlength < 0:
        raise ValueError(f"bincount: minlength must be non-negative, got {minlength}")
    if a.size and int(a.min()) < 0:
        raise ValueError(f"bincount: expected non-negative values, got {int(a.min())}")
    xp = _mod(a)
    if weights is None:
        return _out(x, xp.bincount(a, minlength=minlength).astype(np.int64))
    w = _raw(_as_operand(weights))
    if tuple(w.shape) != tuple(a.shape):
        raise ShapeError(
            f"bincount: weights of shape {_shape_str(w.shape)} must match the input of shape "
            f"{_shape_str(a.shape)}"
        )
    if type(a) is not np.ndarray and type(w) is np.ndarray:
        w = xp.asarray(w)
    w = _same_device(w, a, "bincount")
    dtype = w.dtype if w.dtype.kind == "f" else np.dtype(np.float64)
    return _out(x, xp.bincount(a, weights=w, minlength=minlength).astype(dtype))
