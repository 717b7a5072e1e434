"""Shape ops: reshape, permute, broadcast, squeeze/unsqueeze, indexing (and the rest).

Ops whose output may be a view of the input (reshape, permute, getitem with basic indices,
broadcast_to, ...) share the input's version counter, so an in-place change through either one
is seen by every record that saved the other.
"""

from __future__ import annotations

import math
import numbers
import operator
from weakref import ref as _weakref

import numpy as np

from ..errors import ShapeError
from ..function import Function
from ..grad_mode import _state
from ..tensor import Tensor
from ._dims import ndim_of as _ndim
from ._dims import norm_axes, norm_dim, pick_dim

__all__ = [
    "Reshape", "Permute", "BroadcastTo", "GetItem", "IndexAdd", "Concat", "Stack", "Flip", "Pad",
    "Tile", "ScatterAdd", "share_version", "live_views", "getitem",
    "reshape", "view", "permute", "transpose", "swapaxes", "broadcast_to", "expand",
    "flatten", "squeeze", "unsqueeze", "cat", "concatenate", "stack", "split", "chunk", "flip",
    "pad", "repeat", "tile", "index_select", "gather", "scatter_add",
]  # fmt: skip


def share_version(x, out):
    """Give a view ``out`` the version counter of ``x`` (both Tensors); returns ``out``.

    A view on the recorded graph, or of a tensor that requires grad (also one made under
    no_grad), is remembered in the counter (weak references after the version): while such a
    view lives, an in-place write to it or its base can't be recorded (the other's record, or
    the view's missing one, would not see it) and is refused (see autograd/inplace.py).
    """
    if isinstance(out, Tensor) and isinstance(x, Tensor):
        vc = x._vc
        if vc is None:
            vc = x._vc = [0]
        if out._node is not None or x._rg:
            vc.append(_weakref(out))
            if len(vc) > 33:  # drop the views that are gone (a tensor viewed in a loop)
                vc[1:] = [r for r in vc[1:] if r() is not None]
        out._vc = vc
    return out


def live_views(vc) -> bool:
    """Whether a version counter has a live view on the graph (see share_version)."""
    return vc is not None and any(r() is not None for r in vc[1:])


def norm_shape(shape, op: str = "reshape"):
    """Accept ``f(2, 3)``, ``f((2, 3))`` or ``f([2, 3])``; returns a tuple of ints."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        return tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: shape must be ints, got {shape!r}") from None


class Reshape(Function):
    """y = x viewed with a new shape (one -1 allowed); gy is reshaped back."""

    __slots__ = ("xshape",)

    def forward(self, x, shape):
        self.xshape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ShapeError(
                f"reshape: shape {tuple(shape)} is invalid for input of shape {tuple(x.shape)} "
                f"({x.size} elements)"
            ) from None

    def backward(self, gy):
        return gy.reshape(self.xshape), None


class Permute(Function):
    """y = x with dimensions reordered by ``perm``; gy is permuted by the inverse."""

    __slots__ = ("perm",)

    def forward(self, x, perm):
        self.perm = perm
        return x.transpose(perm)

    def backward(self, gy):
        inv = tuple(np.argsort(self.perm))
        return gy.transpose(inv) if isinstance(gy, np.ndarray) else Permute.apply(gy, inv), None


class BroadcastTo(Function):
    """y = x broadcast to ``shape`` (a read-only view); gy is summed back to x's shape."""

    __slots__ = ()

    def forward(self, x, shape):
        try:
            xp = np if type(x) is np.ndarray else _xp(x)
            return xp.broadcast_to(x, shape)
        except ValueError:
            raise ShapeError(
                f"expand: the tensor of shape {tuple(x.shape)} can't be broadcast to {tuple(shape)}"
            ) from None

    def backward(self, gy):
        return self.reduce_grad(0, gy), None


def _xp(a):
    from backends import array_module

    return array_module(a)


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


_FULL = slice(None)


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


def norm_perm(dims, ndim, op="permute"):
    """``dims`` (ints, or one tuple/list) as a checked permutation of ``range(ndim)``."""
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    perm = tuple(norm_dim(d, ndim, op) for d in dims)
    if len(perm) != ndim or sorted(perm) != list(range(ndim)):
        raise ValueError(f"{op}: dims {tuple(dims)} must be a permutation of the {ndim} dimensions")
    return perm


def reshape(x, *shape):
    """x with a new shape (one dim may be -1); a view when possible, else a copy (which then
    has a version counter of its own)."""
    out = Reshape.apply(x, norm_shape(shape))
    return share_version(x, out) if _is_view_of(out, x) else out


def view(x, *shape):
    """x with a new shape (one dim may be -1), always a view: a layout that would need a copy
    (a transposed x, say) raises, as in PyTorch; ``reshape`` copies then."""
    out = Reshape.apply(x, norm_shape(shape))
    if not _is_view_of(out, x) and _size(x):
        raise RuntimeError(
            f"view: shape {_shape_str(norm_shape(shape))} is not compatible with the input's "
            f"layout (shape {_shape_str(tuple(x.shape))}, not contiguous); use .reshape(...), "
            "which copies when it must"
        )
    return share_version(x, out)


def _is_view_of(out, x) -> bool:
    """Whether Tensor ``out``'s array is a view into Tensor ``x``'s memory."""
    if not isinstance(out, Tensor) or not isinstance(x, Tensor):
        return False
    o, s = out._data, x._data
    base = o.base
    return base is not None and (base is s or (s.base is not None and base is s.base))


def _size(x) -> int:
    return int(np.prod(x.shape)) if len(x.shape) else 1


def permute(x, *dims):
    """x with dims reordered: ``permute(x, 2, 0, 1)`` or ``permute(x, (2, 0, 1))``."""
    return share_version(x, Permute.apply(x, norm_perm(dims, _ndim(x))))


def transpose(x, dim0=-2, dim1=-1):
    """x with ``dim0`` and ``dim1`` swapped."""
    n = _ndim(x)
    a, b = norm_dim(dim0, n, "transpose"), norm_dim(dim1, n, "transpose")
    perm = list(range(n))
    perm[a], perm[b] = perm[b], perm[a]
    return share_version(x, Permute.apply(x, tuple(perm)))


swapaxes = transpose


def broadcast_to(x, shape):
    """x broadcast to ``shape`` (a read-only view); the gradient is summed back."""
    shape = norm_shape((shape,), "broadcast_to")
    if tuple(x.shape) == shape:
        return x
    return share_version(x, BroadcastTo.apply(x, shape))


def expand(x, *shape):
    """x broadcast to ``shape``; -1 keeps a dimension (PyTorch's expand)."""
    shape = norm_shape(shape, "expand")
    lead = len(shape) - _ndim(x)
    full = tuple(x.shape[i - lead] if (s == -1 and i >= lead) else s for i, s in enumerate(shape))
    return broadcast_to(x, full)


# -- helpers shared by the ops below ---------------------------------------------------------------


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


# -- reshapes: flatten, squeeze, unsqueeze ---------------------------------------------------------


def flatten(x, start_dim=0, end_dim=-1):
    """Dims ``start_dim..end_dim`` (inclusive) merged into one; a reshape (a view when possible).

    x: (d0, ..., dn-1) -> (d0, ..., prod(d_start..d_end), ..., dn-1). A 0-d x becomes (1,).
    """
    shape = tuple(x.shape)
    n = len(shape)
    s = norm_dim(start_dim, n, "flatten")
    e = norm_dim(end_dim, n, "flatten")
    if n == 0:
        return reshape(x, (1,))
    if s > e:
        raise IndexError(
            f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for a tensor with "
            f"{n} dimensions"
        )
    return reshape(x, shape[:s] + (math.prod(shape[s : e + 1]),) + shape[e + 1 :])


def squeeze(x, dim=None, *, axis=None):
    """x without size-1 dims: all of them (dim None), or those named by ``dim`` (int or tuple).

    A named dim whose size is not 1 is kept (a no-op, as in PyTorch). x: any shape -> shape
    with those 1s removed. A reshape sharing x's version counter.
    """
    dim = pick_dim(dim, axis, "squeeze")
    shape = tuple(x.shape)
    if dim is None:
        new = tuple(s for s in shape if s != 1)
    else:
        axes = norm_axes(dim, len(shape), "squeeze")
        new = tuple(s for i, s in enumerate(shape) if not (s == 1 and i in axes))
    return reshape(x, new)


def unsqueeze(x, dim=None, *, axis=None):
    """x with a size-1 dim inserted at ``dim`` (in [-ndim-1, ndim]); ``axis=`` is accepted too.

    x: (d0, ..., dn-1) -> n+1 dims. A reshape sharing x's version counter.
    """
    dim = pick_dim(dim, axis, "unsqueeze")
    if dim is None:
        raise TypeError("unsqueeze: missing the dim argument")
    shape = tuple(x.shape)
    d = _insert_dim(dim, len(shape), "unsqueeze")
    return reshape(x, shape[:d] + (1,) + shape[d:])


# -- cat, stack, split, chunk ----------------------------------------------------------------------


class Concat(Function):
    """y = concatenate(xs, dim); each input's gradient is its slice of gy (cast to its dtype)."""

    __slots__ = ("dim", "bounds")
    op_name = "cat"

    def forward(self, dim, *xs):
        self.dim = dim
        bounds, off = [], 0
        for x in xs:
            bounds.append((off, off + x.shape[dim]))
            off += x.shape[dim]
        self.bounds = bounds
        return _module_of(xs).concatenate(xs, axis=dim)

    def backward(self, gy):
        pre = (slice(None),) * self.dim
        parents = self.parents
        grads = [None]
        for i, (a, b) in enumerate(self.bounds, 1):
            if parents[i] is None:
                grads.append(None)
            else:
                grads.append(self.reduce_grad(i, GetItem.apply(gy, pre + (slice(a, b),))))
        return tuple(grads)


class Stack(Function):
    """y = stack(xs, dim) (a new dim); input i's gradient is gy[..., i, ...] along ``dim``."""

    __slots__ = ("dim",)
    op_name = "stack"

    def forward(self, dim, *xs):
        self.dim = dim
        return _module_of(xs).stack(xs, axis=dim)

    def backward(self, gy):
        pre = (slice(None),) * self.dim
        parents = self.parents
        grads = [None]
        for i in range(1, len(parents)):
            if parents[i] is None:
                grads.append(None)
            else:
                grads.append(self.reduce_grad(i, GetItem.apply(gy, pre + (i - 1,))))
        return tuple(grads)


def cat(tensors, dim=0, *, axis=None):
    """Join tensors along an existing dim. Inputs may mix Tensors and arrays.

    tensors: shapes equal except along ``dim``: (..., n_i, ...) -> (..., sum n_i, ...).
    Mixed dtypes promote as numpy does; each gradient is cast back to its input's dtype.
    """
    items = _seq_of_tensors(tensors, "cat")
    dim = _dim_or_axis(dim, axis, "cat")
    first = tuple(items[0].shape)
    n = len(first)
    for i, t in enumerate(items):
        if len(t.shape) == 0:
            raise ShapeError(
                f"cat: zero-dimensional tensor (at position {i}) cannot be concatenated"
            )
    d = norm_dim(dim, n, "cat")
    for i, t in enumerate(items[1:], 1):
        s = tuple(t.shape)
        if len(s) != n or s[:d] != first[:d] or s[d + 1 :] != first[d + 1 :]:
            raise ShapeError(
                f"cat: sizes of tensors must match except in dimension {d}: got shapes "
                f"{_shape_str(first)} (tensor 0) and {_shape_str(s)} (tensor {i})"
            )
    return Concat.apply(d, *items)


concatenate = cat


def stack(tensors, dim=0, *, axis=None):
    """Join equal-shape tensors along a new dim ``dim`` (in [-ndim-1, ndim]).

    tensors: k tensors of shape S -> shape S with k inserted at ``dim``. Inputs may mix Tensors
    and arrays; mixed dtypes promote as numpy does.
    """
    items = _seq_of_tensors(tensors, "stack")
    dim = _dim_or_axis(dim, axis, "stack")
    first = tuple(items[0].shape)
    d = _insert_dim(dim, len(first), "stack")
    for i, t in enumerate(items[1:], 1):
        if tuple(t.shape) != first:
            raise ShapeError(
                f"stack: expects each tensor to be equal size (stacking along dim {d}), but got "
                f"{_shape_str(first)} at entry 0 and {_shape_str(t.shape)} at entry {i}"
            )
    return Stack.apply(d, *items)


def _split_dim(x, dim, op):
    n = _ndim(x)
    if n == 0:
        raise ShapeError(f"{op}: expects at least a 1-dimensional tensor, got shape ()")
    d = norm_dim(dim, n, op)
    return d, x.shape[d]


def _pieces(x, d, sizes):
    pre = (slice(None),) * d
    out, off = [], 0
    for s in sizes:
        out.append(getitem(x, pre + (slice(off, off + s),)))
        off += s
    return tuple(out)


def split(x, split_size_or_sections, dim=0):
    """Split x along ``dim`` into pieces; each piece is a slice of x (its own recorded op).

    split_size_or_sections: an int k (pieces of size k along dim, the last one smaller) or a
    list of sizes that sums to ``x.shape[dim]``. Returns a tuple of Tensors.
    """
    d, size = _split_dim(x, dim, "split")
    s = split_size_or_sections
    if isinstance(s, (list, tuple)):
        try:
            sizes = [operator.index(v) for v in s]
        except TypeError:
            raise TypeError(f"split: split sizes must be ints, got {s!r}") from None
        if any(v < 0 for v in sizes):
            raise ValueError(f"split: split sizes must be non-negative, got {list(sizes)}")
        if sum(sizes) != size:
            raise ShapeError(
                f"split: split sizes {list(sizes)} sum to {sum(sizes)}, but dimension {d} of the "
                f"tensor of shape {_shape_str(x.shape)} has size {size}"
            )
        return _pieces(x, d, sizes)
    try:
        k = operator.index(s)
    except TypeError:
        raise TypeError(
            f"split: split_size_or_sections must be an int or a list of ints, got "
            f"{type(s).__name__}"
        ) from None
    if k < 0 or (k == 0 and size != 0):
        raise ValueError(
            f"split: split size must be positive, got {k} (dimension {d} has size {size})"
        )
    if size == 0:
        return _pieces(x, d, [0])
    sizes = [k] * (size // k) + ([size % k] if size % k else [])
    return _pieces(x, d, sizes)


def chunk(x, chunks, dim=0):
    """Split x along ``dim`` into ``chunks`` pieces of size ceil(n / chunks) (PyTorch's rule).

    The last piece may be smaller and fewer than ``chunks`` pieces may come back. Returns a
    tuple of Tensors, each a slice of x.
    """
    try:
        c = operator.index(chunks)
    except TypeError:
        raise TypeError(f"chunk: chunks must be an int, got {type(chunks).__name__}") from None
    if c <= 0:
        raise ValueError(f"chunk: chunks must be greater than 0, got {c}")
    d, size = _split_dim(x, dim, "chunk")
    if size == 0:
        return _pieces(x, d, [0] * c)
    return split(x, -(-size // c), d)


# -- flip, pad, repeat/tile ------------------------------------------------------------------------


class Flip(Function):
    """y = x reversed along ``axes``: a new contiguous array when ``copy`` (``flip``, as
    PyTorch), else a view (the library's own reversals); gy is flipped back (a view)."""

    __slots__ = ("axes",)

    def forward(self, x, axes, copy=False):
        self.axes = axes
        r = x[tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(x.ndim))]
        return r.copy() if copy else r

    def backward(self, gy):
        return Flip.apply(gy, self.axes), None, None


def flip(x, *dims, axis=None):
    """x reversed along ``dims`` (ints, or one tuple/list); no dims given flips every dim.

    ``axis=`` (NumPy's spelling) may name the dims instead. x: any shape -> the same shape.
    A copy, as in PyTorch (NumPy's flip is a view): writing to it leaves x unchanged.
    """
    if axis is not None:
        if dims:
            raise TypeError(f"flip: got both dims {dims!r} and axis={axis!r}; pass one")
        dims = (axis,)
    n = _ndim(x)
    if not dims:
        axes = tuple(range(n))
    else:
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        axes = norm_axes(dims, n, "flip") if n else ()
    return Flip.apply(x, axes, True)


class Pad(Function):
    """y = x with ``value`` added around it (non-negative ``widths``); gx = gy cropped back."""

    __slots__ = ("crop",)

    def forward(self, x, widths, value):
        self.crop = tuple(slice(lo, lo + s) for (lo, _), s in zip(widths, x.shape))
        xp = np if type(x) is np.ndarray else _xp(x)
        return xp.pad(x, widths, mode="constant", constant_values=value)

    def backward(self, gy):
        return GetItem.apply(gy, self.crop), None, None


_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _pad_positions(mode, size, lo, hi, dim, pad_arg, shape):
    """Source index along one dim for each output position of a reflect/replicate/circular pad."""

    def bad(why):
        return ShapeError(
            f"pad: {mode} padding {(lo, hi)} at dimension {dim} is invalid for input of shape "
            f"{_shape_str(shape)} ({why}; pad={tuple(pad_arg)})"
        )

    if size + lo + hi < 0:
        raise bad("negative padding crops more than the dimension holds")
    pos = np.arange(-lo, size + hi)
    if mode == "reflect":
        if lo >= size or hi >= size:
            raise bad(f"reflect padding must be less than the dimension size {size}")
        pos = np.abs(pos)
        return np.where(pos >= size, 2 * (size - 1) - pos, pos)
    if mode == "replicate":
        if size == 0 and (lo > 0 or hi > 0):
            raise bad("replicate padding needs a non-empty dimension")
        return np.clip(pos, 0, size - 1)
    if lo > size or hi > size:
        raise bad(f"circular padding must be at most the dimension size {size}")
    # a negative side crops first; the positive side then wraps the cropped data (PyTorch's)
    start, kept = max(-lo, 0), size - max(-lo, 0) - max(-hi, 0)
    if kept == 0 and lo <= 0 and hi <= 0:
        return pos  # cropped to nothing
    if kept <= 0 or max(lo, 0) > kept or max(hi, 0) > kept:
        raise bad(f"it would wrap the {kept} elements left after the crop more than once")
    return start + np.arange(-max(lo, 0), kept + max(hi, 0)) % kept


def pad(x, pad, mode="constant", value=0.0):
    """Pad x as ``torch.nn.functional.pad``: ``pad`` lists the last dim first.

    pad: (left, right) pads the last dim, (left, right, top, bottom) the last two, and so on;
    negative amounts crop. mode: 'constant' (fill with ``value``), 'reflect' (mirror without the
    edge; each amount must be less than that dim's size), 'replicate' or 'circular'.
    x: (..., d) -> (..., d + left + right), etc. Non-constant modes are index selections along
    each padded dim, so their backward is a scatter-add (differentiable again).
    """
    try:
        pads = tuple(operator.index(p) for p in pad)
    except TypeError:
        raise TypeError(f"pad: pad must be a sequence of ints, got {pad!r}") from None
    if len(pads) % 2:
        raise ValueError(f"pad: padding length must be divisible by 2, got {len(pads)} ({pads})")
    shape = tuple(x.shape)
    n = len(shape)
    k = len(pads) // 2
    if k > n:
        raise ShapeError(
            f"pad: padding {pads} covers {k} dimensions, but the input of shape "
            f"{_shape_str(shape)} has only {n}"
        )
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode {mode!r} is not supported; use one of {_PAD_MODES}")
    widths = [(0, 0)] * n
    for j in range(k):
        widths[n - 1 - j] = (pads[2 * j], pads[2 * j + 1])
    if mode != "constant":
        for a, (lo, hi) in enumerate(widths):
            if lo or hi:
                pos = _pad_positions(mode, shape[a], lo, hi, a - n, pads, shape)
                xr = _raw(x)
                if type(xr) is not np.ndarray:  # in range by construction: no device check
                    pos = _xp(xr).asarray(pos)
                x = GetItem.apply(x, (slice(None),) * a + (pos,))
        return x
    if not isinstance(value, numbers.Number):
        raise TypeError(f"pad: value must be a number, got {type(value).__name__}")
    if any(lo < 0 or hi < 0 for lo, hi in widths):
        crop = []
        for a, (lo, hi) in enumerate(widths):
            start, stop = max(-lo, 0), shape[a] - max(-hi, 0)
            if stop < start:
                raise ShapeError(
                    f"pad: negative padding {(lo, hi)} at dimension {a - n} crops more than the "
                    f"input of shape {_shape_str(shape)} holds"
                )
            crop.append(slice(start, stop))
        x = getitem(x, tuple(crop))
        widths = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
    return Pad.apply(x, tuple(widths), value)


class Tile(Function):
    """y = tile(x, reps) with len(reps) == x.ndim; gx sums the tiles.

    gy: (r0*s0, r1*s1, ...) is viewed as (r0, s0, r1, s1, ...) and summed over the r axes.
    """

    __slots__ = ("reps", "xshape")

    def forward(self, x, reps):
        self.reps, self.xshape = reps, x.shape
        xp = np if type(x) is np.ndarray else _xp(x)
        return xp.tile(x, reps)

    def backward(self, gy):
        split_shape = []
        for r, s in zip(self.reps, self.xshape):
            split_shape += (r, s)
        axes = tuple(range(0, 2 * len(self.reps), 2))
        return gy.reshape(tuple(split_shape)).sum(axis=axes), None


def repeat(x, *sizes):
    """``torch.Tensor.repeat``: x tiled ``sizes[i]`` times along dim i (numpy.tile semantics).

    sizes: ints (or one tuple), at least x.ndim of them; extra leading sizes add new dims.
    x: (s0, ..., sn-1) -> (r0*s0, ..., rn-1*sn-1) with leading new dims of size r.
    """
    reps = norm_shape(sizes, "repeat")
    shape = tuple(x.shape)
    if len(reps) < len(shape):
        raise ShapeError(
            f"repeat: number of repeat dims {len(reps)} ({reps}) can not be smaller than the "
            f"number of dimensions of the tensor of shape {_shape_str(shape)}"
        )
    if any(r < 0 for r in reps):
        raise ValueError(f"repeat: repeats must be non-negative, got {reps}")
    if len(reps) > len(shape):
        x = reshape(x, (1,) * (len(reps) - len(shape)) + shape)
    return Tile.apply(x, reps)


def tile(x, *reps):
    """``torch.tile`` / ``numpy.tile``: like ``repeat``, but fewer reps than dims pad with 1s.

    x: (s0, ..., sn-1); reps: ints (or one tuple). Returns each dim multiplied by its rep.
    """
    reps = norm_shape(reps, "tile")
    n = _ndim(x)
    if len(reps) < n:
        reps = (1,) * (n - len(reps)) + reps
    return repeat(x, reps)


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
