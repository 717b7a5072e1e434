"""Indexing: ``x[index]`` with PyTorch's semantics (GetItem and its adjoint IndexAdd), the guards
on index tensors changed in place, ``index_select``, ``gather`` and ``scatter_add``.

``torch_index`` reads a ``[]`` index as PyTorch does (the integers first, as selects); the
in-place writes ``x[index] = v`` use it too (autograd/inplace.py).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..amp import _active as _amp_on
from ..amp import _tls as _amp
from ..amp import autocast_call as _autocast
from ..errors import ShapeError
from ..function import Function
from ..grad_mode import _state
from ..tensor import Tensor
from ._dims import ndim_of as _ndim
from ._dims import norm_dim
from ._shape_util import _as_operand, _raw, _shape_str, _xp, share_version

__all__ = ["GetItem", "IndexAdd", "ScatterAdd", "getitem", "index_select", "gather", "scatter_add"]

_FULL = slice(None)


def _is_basic(index) -> bool:
    """Whether ``index`` holds only ints, slices, None and Ellipsis (a view; bools excluded)."""
    items = index if type(index) is tuple else (index,)
    for i in items:
        t = type(i)
        if t is int or t is slice or i is None or i is Ellipsis:
            continue
        if t is bool or not isinstance(i, (int, np.integer)):
            return False
    return True


def _index_item(i, private: bool, tensors: list):
    """One item of a ``[]`` index in NumPy's form: a Tensor as its array (listed in
    ``tensors``), a list as an array, a 0-d integer array or Tensor as an int (PyTorch selects
    with it), a 0-d bool as a bool. ``private``: a caller's raw index array is copied."""
    t = type(i)
    if t is int or t is slice or i is None or i is Ellipsis or t is bool:
        return i
    tensor = own = False
    if isinstance(i, Tensor):
        a, tensor = i._data, True
    elif t is list:
        a = np.asarray(i)
        if a.size == 0:
            a = a.astype(np.int64)
    elif hasattr(i, "dtype") and hasattr(i, "shape"):
        a, own = i, not isinstance(i, np.generic)  # the caller's array (or a NumPy scalar)
    else:
        return i  # NumPy decides (and names what is wrong)
    if a.ndim == 0:
        k = a.dtype.kind
        if k in "iu":
            return int(a)
        if k == "b":
            return bool(a)
        return a
    if tensor:
        tensors.append(i)
    elif own and private:
        a = a.copy()
    return a


def torch_index(index, private: bool = False, ndim=None):
    """A ``[]`` index as ``(pre, post, tensors)``: PyTorch's meaning in NumPy's form.

    PyTorch applies the integers of an index first, as selects (a 0-d integer tensor or NumPy
    integer counts as one), then the rest with NumPy's rule: advanced indices (integer arrays,
    bool masks, a bool scalar) that are next to each other replace their dims in place, ones
    split by a slice, None or Ellipsis go first. NumPy also counts the integers as advanced
    indices, so ``x[0, :, idx]`` (x: (2, 3, 4), idx: 5 ints) is (3, 5) in PyTorch, (5, 3) in
    NumPy. When integers meet advanced indices the index is split: ``pre`` (the integers, full
    slices elsewhere, an Ellipsis: a basic index, so ``a[pre]`` is a view) and ``post`` (the
    rest), and ``a[pre][post]`` is PyTorch's ``a[index]``; otherwise ``pre`` is None and
    ``post`` is the whole index. ``tensors``: the Tensors in the index that stay arrays (their
    versions are checked at backward, see ``guard_index``). ``private``: copy the caller's raw
    index arrays (no version counter to check). ``ndim``: the indexed tensor's; with it an
    Ellipsis among advanced indices is spelled out as full slices, so one that covers no dims
    does not separate them (PyTorch's reading; NumPy's would move them to the front). A list
    holding sequences, tensors, slices, None or Ellipsis is read as a tuple, as PyTorch does.
    """
    tensors: list = []
    if type(index) is list and _list_is_tuple(index):
        import warnings

        warnings.warn(
            "Using a non-tuple sequence for multidimensional indexing is deprecated (as in "
            "PyTorch); use x[tuple(seq)] instead of x[seq]",
            UserWarning,
            stacklevel=4,
        )
        index = tuple(index)
    if type(index) is not tuple:
        return None, _index_item(index, private, tensors), tensors
    items = [_index_item(i, private, tensors) for i in index]
    has_int = has_adv = False
    for i in items:
        t = type(i)
        if t is int:
            has_int = True
        elif not (t is slice or i is None or i is Ellipsis):
            has_adv = True
    if has_adv and ndim is not None and any(i is Ellipsis for i in items):
        items = _expand_ellipsis(items, ndim)
    if not (has_int and has_adv):
        return None, tuple(items), tensors
    pre = []
    for i in items:
        t = type(i)
        if t is int or i is Ellipsis:
            pre.append(i)
        elif t is slice:
            pre.append(_FULL)
        elif not (i is None or t is bool):  # an array: a mask covers its ndim dims
            pre.extend([_FULL] * (i.ndim if i.dtype == np.bool_ else 1))
    if not any(i is Ellipsis for i in pre):
        pre.append(Ellipsis)  # a 0-d view, not a scalar, when the ints cover every dim
    return tuple(pre), tuple(i for i in items if type(i) is not int), tensors


def _list_is_tuple(index) -> bool:
    """PyTorch's treatSequenceAsTuple for a list index (shorter than 32 items)."""
    if len(index) >= 32:
        return False
    return any(
        i is None or i is Ellipsis or isinstance(i, (list, tuple, slice, Tensor, np.ndarray))
        for i in index
    )


def _expand_ellipsis(items, ndim: int):
    """``items`` with its Ellipsis replaced by the full slices it stands for (none when the
    other items use every dim); unchanged if they use more dims than ``ndim`` (NumPy raises)."""
    used = 0
    for i in items:
        t = type(i)
        if t is int or t is slice:
            used += 1
        elif not (i is None or i is Ellipsis or t is bool):
            used += i.ndim if getattr(i, "dtype", None) == np.bool_ else 1
    k = ndim - used
    if k < 0:
        return items
    out = []
    for i in items:
        if i is Ellipsis:
            out.extend([_FULL] * k)
        else:
            out.append(i)
    return out


def guard_index(out, op: str, index, many: bool = False):
    """Have ``out``'s record check at backward that the index Tensor ``index`` (``many``: each
    Tensor in the sequence ``index``) was not changed in place since ``op`` used it; returns
    ``out``. Other kinds of index (arrays, lists, numbers) are ignored.

    A record keeps its index arrays, not copies, so a later ``idx[0] = 1`` would silently move
    the gradient; as in PyTorch, backward raises instead (engine: ``index_versions``). Nothing
    is done when ``out`` is not recorded.
    """
    node = out._node if isinstance(out, Tensor) else None
    if node is None:
        return out
    entries = []
    for i in index if many else (index,):
        if isinstance(i, Tensor):
            vc = i._vc
            if vc is None:
                vc = i._vc = [0]
            entries.append((op, vc, vc[0], tuple(i._data.shape)))
    if entries:
        _add_guards(node, entries)
    return out


def _add_guards(node, entries):
    extra = node._extra
    if extra is None:
        node._extra = {"index_versions": entries}
    else:
        extra["index_versions"] = extra.get("index_versions", []) + entries


def _carry_guard(node, r):
    """Under create_graph: the record ``r`` a backward made with ``node``'s index arrays checks
    the same index versions (a double backward after ``idx[0] = 1`` raises too)."""
    extra = node._extra
    if extra is not None and isinstance(r, Tensor) and r._node is not None:
        entries = extra.get("index_versions")
        if entries:
            _add_guards(r._node, list(entries))
    return r


def _recording(*tensors) -> bool:
    """Whether an op on ``tensors`` is recorded (grad mode on, one of them requires grad)."""
    return bool(_state.mode) and any(isinstance(t, Tensor) and t._rg for t in tensors)


def _private(a, index, recording: bool):
    """``a`` (an index array made from the caller's ``index``), copied when the caller passed a
    raw array (``a`` may be it, or a view of it) and the op is recorded: the record must not
    see later writes to it. A Tensor index is not copied: its version is checked instead
    (``guard_index``); a list or number already became a new array."""
    if recording and not isinstance(index, (Tensor, np.generic)) and hasattr(index, "shape"):
        return a.copy()
    return a


class GetItem(Function):
    """y = x[index]: ints, slices (any step), None, Ellipsis, integer arrays, bool masks.

    Backward scatter-adds gy into zeros of x's shape, so repeated indices accumulate.
    """

    __slots__ = ("index", "xshape")
    complex_ok = True  # moves or sums gy only

    def forward(self, x, index):
        self.index = index
        self.xshape = x.shape
        try:
            r = x[index]
        except IndexError as e:
            raise IndexError(f"getitem: {e} (tensor shape {tuple(x.shape)})") from None
        if isinstance(r, np.generic):
            # NumPy copies one element out as a scalar; the 0-d view keeps x[0].add_(1) (and
            # the shared version counter) meaning x's element, as in PyTorch
            items = index if isinstance(index, tuple) else (index,)
            r = x[tuple(i for i in items if i is not Ellipsis) + (Ellipsis,)]
        return r

    def backward(self, gy):
        r = IndexAdd.apply(gy, self.index, self.xshape)
        return (r if self._extra is None else _carry_guard(self, r)), None


class IndexAdd(Function):
    """y = zeros(shape) with g added at ``index``: the adjoint of GetItem (and vice versa)."""

    __slots__ = ("index",)
    complex_ok = True  # moves or sums gy only

    def forward(self, g, index, shape):
        self.index = index
        xp = np if type(g) is np.ndarray else _xp(g)
        out = xp.zeros(shape, dtype=g.dtype)
        if _is_basic(index):
            out[index] = g
        else:
            _add_at(out, index, g)
        return out

    def backward(self, gy):
        r = GetItem.apply(gy, self.index)
        return (r if self._extra is None else _carry_guard(self, r)), None, None


def _add_at(out, index, g):
    """out[index] += g in place, accumulating over repeated indices (numpy or cupy)."""
    if type(out) is np.ndarray:
        if out.ndim > 1:
            axis, idx = _single_axis_index(index)
            if idx is not None and idx.size and _add_at_axis(out, axis, idx, g):
                return
        np.add.at(out, index, g)
    elif out.dtype.name in _CUPY_SCATTER_DTYPES:
        import cupyx

        cupyx.scatter_add(out, index, g)
    else:  # dtypes CuPy's scatter-add lacks (int64, int8, bool, ...): exact, through the host
        import cupy

        host = out.get()
        idx = (
            tuple(i.get() if hasattr(i, "get") else i for i in index)
            if isinstance(index, tuple)
            else (index.get() if hasattr(index, "get") else index)
        )
        np.add.at(host, idx, g.get() if hasattr(g, "get") else g)
        out[...] = cupy.asarray(host)


# the dtypes cupyx.scatter_add accumulates (CuPy 12-14)
_CUPY_SCATTER_DTYPES = frozenset({"float16", "float32", "float64", "int32", "uint32", "uint64"})


def _single_axis_index(index):
    """``(axis, idx)`` when ``index`` selects along one axis by a 1-D int array, else (0, None).

    That is ``idx`` or ``(:, ..., :, idx)``: what index_select, reflect pad and ``x[idx]`` use.
    """
    if type(index) is np.ndarray:
        items, axis = (index,), 0
    elif type(index) is tuple and index and type(index[-1]) is np.ndarray:
        items, axis = index, len(index) - 1
        for it in index[:-1]:
            if type(it) is not slice or it != _FULL:
                return 0, None
    else:
        return 0, None
    idx = items[-1]
    if idx.ndim != 1 or idx.dtype.kind not in "iu":
        return 0, None
    return axis, idx


def _add_at_axis(out, axis, idx, g) -> bool:
    """out[(:,) * axis + (idx,)] += g with repeated indices summed; False if not worth it.

    np.add.at walks element by element. Here the k-th occurrence of every index is added in
    pass k (within a pass indices are distinct, so a fancy ``+=`` is exact), whole slices at a
    time: several times faster for the slices index_select and reflect pad scatter. Occurrences
    are added in their original order, as np.add.at does. Declines (returns False) when one
    index repeats so often that the passes would cost more than np.add.at.
    """
    k = idx.shape[0]
    n = out.shape[axis]
    idx = np.where(idx < 0, idx + n, idx)
    order = np.argsort(idx, kind="stable")
    sidx = idx[order]
    new = np.empty(k, dtype=bool)
    new[0] = True
    np.not_equal(sidx[1:], sidx[:-1], out=new[1:])
    pos = np.arange(k)
    rank = pos - np.maximum.accumulate(np.where(new, pos, 0))
    passes = int(rank.max()) + 1
    if passes > 16:
        return False
    om, gm = np.moveaxis(out, axis, 0), np.moveaxis(g, axis, 0)
    if passes == 1:
        om[sidx] += gm[order]
        return True
    for r in range(passes):
        m = rank == r
        om[sidx[m]] += gm[order[m]]
    return True


def getitem(x, index):
    """``x[index]`` with PyTorch's indexing semantics; returns a Tensor of the indexed shape.

    index: ints, slices, None, Ellipsis, integer index tensors/arrays/lists, bool masks, bools.
    Ints, slices, None and Ellipsis alone give a view of x (sharing its version counter). The
    integers are applied first, as selects, and the advanced indices then follow NumPy's
    placement rule (see ``torch_index``): ``x[0, :, idx]`` is ``x[0][:, idx]``. An index
    tensor changed in place before backward makes backward raise; a raw index array is
    copied when the op is recorded.
    """
    if _is_basic(index):
        return share_version(x, GetItem.apply(x, index))
    pre, index, tensors = torch_index(index, _recording(x), x.ndim)
    if pre is not None:
        x = GetItem.apply(x, pre)
    out = GetItem.apply(x, index)
    if pre is None and _is_basic(index):  # 0-d integer tensors became ints: still a view
        share_version(x, out)
    if tensors:
        guard_index(out, "getitem", tensors, many=True)
    return out


# -- index_select, gather, scatter_add -------------------------------------------------------------


def _int_index(index, x, op: str):
    """``index`` (Tensor, array, list or int) as an integer array on x's device."""
    if isinstance(index, Tensor):
        a = index._data
    elif hasattr(index, "dtype") and hasattr(index, "shape"):
        a = index
    elif isinstance(index, (list, tuple, numbers.Integral)):
        a = np.asarray(index)
        if a.size == 0:
            a = a.astype(np.int64)
    else:
        raise TypeError(f"{op}: index must be an integer tensor, got {type(index).__name__}")
    if a.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must be an integer tensor, got dtype {a.dtype}")
    xr = _raw(x)
    if type(xr) is not np.ndarray and type(a) is np.ndarray:
        a = _xp(xr).asarray(a)
    return a


def _check_range(idx, size: int, d: int, op: str):
    """IndexError unless every index is in [-size, size) (negative ones count from the end)."""
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < -size or hi >= size:
            bad = lo if lo < -size else hi
            raise IndexError(
                f"{op}: index {bad} is out of bounds for dimension {d} with size {size}"
            )


def index_select(x, dim, index):
    """x's entries at ``index`` along ``dim``; repeated indices accumulate in the gradient.

    x: (..., n, ...); index: 1-D ints of length k (a Tensor, array or list; negative ones count
    from the end). Returns (..., k, ...).
    """
    n = _ndim(x)
    if n == 0:  # as PyTorch: a 0-d x is a 1-element dim 0, and the result stays 0-d
        norm_dim(dim, 0, "index_select")
        idx = _int_index(index, x, "index_select")
        if idx.size != 1:
            raise ShapeError(
                f"index_select: a 0-d input takes one index, got shape {_shape_str(idx.shape)}"
            )
        _check_range(idx.reshape(-1), 1, 0, "index_select")
        return guard_index(GetItem.apply(x, ()), "index_select", index)
    d = norm_dim(dim, n, "index_select")
    idx = _int_index(index, x, "index_select")
    if idx.ndim > 1:
        raise ShapeError(
            f"index_select: index must be 1-D (or a scalar), got shape {_shape_str(idx.shape)}"
        )
    idx = _private(idx, index, _recording(x)).reshape(-1)
    _check_range(idx, x.shape[d], d, "index_select")
    return guard_index(GetItem.apply(x, (slice(None),) * d + (idx,)), "index_select", index)


def _along(idx, d: int):
    """An advanced index selecting ``out[i0.., i_d = idx[i], ..]`` (gather/scatter's pattern)."""
    xp = np if type(idx) is np.ndarray else _xp(idx)
    n = idx.ndim
    out = []
    for k in range(n):
        if k == d:
            out.append(idx)
        else:
            shape = [1] * n
            shape[k] = idx.shape[k]
            out.append(xp.arange(idx.shape[k]).reshape(shape))
    return tuple(out)


def _gather_index(x, d, index, op, other=None):
    n = _ndim(x)
    idx = _int_index(index, x, op)
    if idx.ndim != n:
        raise ShapeError(
            f"{op}: index must have the same number of dimensions as the input: index shape "
            f"{_shape_str(idx.shape)}, input shape {_shape_str(x.shape)}"
        )
    for k in range(n):
        if k != d and idx.shape[k] > x.shape[k]:
            raise ShapeError(
                f"{op}: index shape {_shape_str(idx.shape)} is larger than input shape "
                f"{_shape_str(x.shape)} at dimension {k} (only dimension {d} may be larger)"
            )
        if other is not None and idx.shape[k] > other.shape[k]:
            raise ShapeError(
                f"{op}: index shape {_shape_str(idx.shape)} is larger than src shape "
                f"{_shape_str(other.shape)} at dimension {k}"
            )
    _check_range(idx, x.shape[d], d, op)
    return idx


def gather(x, dim, index):
    """``torch.gather``: out[i][j][k] = x[i][index[i][j][k]][k] for dim=1 (any rank).

    x: (n0, ..., nd-1); index: integer, same rank, index.shape[k] <= x.shape[k] for k != dim.
    Returns index's shape. Backward scatter-adds gy into zeros (the adjoint of gather).
    """
    n = _ndim(x)
    if n == 0:
        raise ShapeError("gather: expects at least a 1-dimensional tensor, got shape ()")
    d = norm_dim(dim, n, "gather")
    idx = _private(_gather_index(x, d, index, "gather"), index, _recording(x))
    return guard_index(GetItem.apply(x, _along(idx, d)), "gather", index)


class ScatterAdd(Function):
    """y = x with src added at ``index`` along a dim (out of place); gx = gy, gsrc = gather(gy).

    ``index`` is the full advanced index built by ``_along``; ``crop`` picks the part of src
    that index covers (None when src has index's shape).
    """

    __slots__ = ("index", "crop", "src_shape")
    complex_ok = True  # moves or sums gy only

    def forward(self, x, index, src, crop):
        self.index, self.crop, self.src_shape = index, crop, src.shape
        out = x.copy()
        _add_at(out, index, src if crop is None else src[crop])
        return out

    def backward(self, gy):
        gx = gs = None
        if self.parents[0] is not None:
            gx = self.reduce_grad(0, gy)
        if self.parents[2] is not None:
            gs = GetItem.apply(gy, self.index)
            if self._extra is not None:
                gs = _carry_guard(self, gs)
            if self.crop is not None:
                gs = IndexAdd.apply(gs, self.crop, self.src_shape)
            gs = self.reduce_grad(2, gs)
        return gx, None, gs, None


def scatter_add(x, dim, index, src):
    """``torch.scatter_add`` (out of place): y = x; y[i][index[i][j]] += src[i][j] for dim=1.

    x: (n0, ...); index: integer, same rank, index.shape[k] <= src.shape[k] for every k and
    <= x.shape[k] for k != dim; src: same rank and dtype as x. Returns x's shape. Repeated
    indices accumulate. The gradient of src is gather(gy, dim, index).
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(scatter_add, x, dim, index, src)
    n = _ndim(x)
    if n == 0:
        raise ShapeError("scatter_add: expects at least a 1-dimensional tensor, got shape ()")
    d = norm_dim(dim, n, "scatter_add")
    src = _as_operand(src)
    if _ndim(src) != n:
        raise ShapeError(
            f"scatter_add: src must have the same number of dimensions as the input: src shape "
            f"{_shape_str(src.shape)}, input shape {_shape_str(x.shape)}"
        )
    if src.dtype != x.dtype:
        raise TypeError(
            f"scatter_add: expected src dtype to equal the input's, got {src.dtype} and {x.dtype}"
        )
    idx = _gather_index(x, d, index, "scatter_add", other=src)
    keeps = _recording(src)  # the index is read by src's gradient only (x's is gy itself)
    idx = _private(idx, index, keeps)
    crop = None
    if tuple(idx.shape) != tuple(src.shape):
        crop = tuple(slice(0, s) for s in idx.shape)
    out = ScatterAdd.apply(x, _along(idx, d), src, crop)
    return guard_index(out, "scatter_add", index) if keeps else out
