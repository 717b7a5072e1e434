"""Shape ops: reshape, permute, broadcast, squeeze/unsqueeze, cat/stack/split, flip, pad, tile.

Ops whose output may be a view of the input (reshape, permute, getitem with basic indices,
broadcast_to, ...) share the input's version counter, so an in-place change through either one
is seen by every record that saved the other (``share_version``). Indexing (``x[index]``,
index_select, gather, scatter_add) lives in ``_index.py``, the shared helpers in
``_shape_util.py``; both are re-exported here, where the rest of the library imports them.
"""

from __future__ import annotations

import math
import numbers
import operator

import numpy as np

from ..amp import _active as _amp_on
from ..amp import _tls as _amp
from ..amp import autocast_call as _autocast
from ..errors import ShapeError
from ..function import Function
from ..tensor import Tensor
from ._dims import ndim_of as _ndim
from ._dims import norm_axes, norm_dim, pick_dim
from ._index import (  # noqa: F401 - re-exported: other modules import them from .shape
    GetItem,
    IndexAdd,
    ScatterAdd,
    _add_at,
    _add_at_axis,
    _add_guards,
    _along,
    _carry_guard,
    _check_range,
    _expand_ellipsis,
    _gather_index,
    _index_item,
    _int_index,
    _is_basic,
    _list_is_tuple,
    _private,
    _recording,
    _single_axis_index,
    gather,
    getitem,
    guard_index,
    index_select,
    scatter_add,
    torch_index,
)
from ._shape_util import (  # noqa: F401 - re-exported: other modules import them from .shape
    _as_operand,
    _dim_or_axis,
    _insert_dim,
    _module_of,
    _raw,
    _seq_of_tensors,
    _shape_str,
    _xp,
    live_views,
    share_version,
)

__all__ = [
    "Reshape", "Permute", "BroadcastTo", "GetItem", "IndexAdd", "Concat", "Stack", "Flip", "Pad",
    "Tile", "ScatterAdd", "share_version", "live_views", "getitem",
    "reshape", "view", "permute", "transpose", "swapaxes", "broadcast_to", "expand",
    "flatten", "squeeze", "unsqueeze", "cat", "concatenate", "stack", "split", "chunk", "flip",
    "pad", "repeat", "tile", "index_select", "gather", "scatter_add",
]  # fmt: skip


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
    complex_ok = True  # moves or sums gy only

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
    complex_ok = True  # moves or sums gy only

    def forward(self, x, perm):
        self.perm = perm
        return x.transpose(perm)

    def backward(self, gy):
        inv = tuple(np.argsort(self.perm))
        return gy.transpose(inv) if isinstance(gy, np.ndarray) else Permute.apply(gy, inv), None


class BroadcastTo(Function):
    """y = x broadcast to ``shape`` (a read-only view); gy is summed back to x's shape."""

    __slots__ = ()
    complex_ok = True  # moves or sums gy only

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
    complex_ok = True  # moves or sums gy only
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
    complex_ok = True  # moves or sums gy only
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
    complex_ok = True  # moves or sums gy only

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
    complex_ok = True  # moves or sums gy only

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
    if _amp_on[0] and mode in ("reflect", "replicate") and _amp.ready:  # CPU: float32
        return _autocast(_pad_entry, x, pad, mode, value)
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
    complex_ok = True  # moves or sums gy only

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


_pad_entry = pad  # autocast_call reads the op's name from the function (pad shadows it)
