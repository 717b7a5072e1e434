"""Structural ops: triangles and diagonals, roll, movedim, narrow, unbind, rot90, repeat_interleave,
diff, meshgrid, stacking and splitting helpers (PyTorch's semantics).

Most are compositions of the shape ops (permute, reshape, getitem, cat, flip, index_select), so
their gradients, second order included, come from those ops. Three are ops of their own:
``Triangle`` (triu/tril), ``Roll``, and the pair ``Diagonal`` / ``DiagScatter`` (each the
other's adjoint). Where PyTorch returns a view (diagonal, narrow, unbind, movedim, t, ravel of a
contiguous tensor, the split pieces...) the result shares x's memory and version counter.

Triangles and diagonals live in ``_diagonal.py``, the argument helpers in ``_layout_util.py``;
both are re-exported here.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from ..errors import ShapeError
from ..function import Function
from ..tensor import Tensor
from ._diagonal import (  # noqa: F401 - re-exported (triu, tril, diagonal, ...)
    Diagonal,
    DiagScatter,
    Triangle,
    _diag_view,
    _pad_cols,
    _tri_indices,
    block_diag,
    diag,
    diag_embed,
    diagflat,
    diagonal,
    tril,
    tril_indices,
    triu,
    triu_indices,
)
from ._dims import ndim_of as _ndim
from ._dims import norm_dim
from ._layout_util import (  # noqa: F401 - re-exported: the helpers were defined here
    _dim_of,
    _host_ints,
    _index,
    _ints,
    _mod,
    _need_dims,
    _two_dims,
)
from .elementwise import Clone, Compare
from .shape import (
    _as_operand,
    _pieces,
    _raw,
    _seq_of_tensors,
    _shape_str,
    broadcast_to,
    cat,
    flip,
    getitem,
    index_select,
    permute,
    reshape,
    stack,
    transpose,
)

__all__ = [
    "triu", "tril", "diag", "diagonal", "diag_embed", "diagflat", "block_diag", "triu_indices",
    "tril_indices", "roll", "movedim", "moveaxis", "swapdims", "narrow", "unbind", "unflatten",
    "rot90", "repeat_interleave", "diff", "meshgrid", "cartesian_prod", "atleast_1d",
    "atleast_2d", "atleast_3d", "hstack", "vstack", "row_stack", "dstack", "column_stack",
    "fliplr", "flipud", "tensor_split", "hsplit", "vsplit", "dsplit", "ravel", "t",
]  # fmt: skip


# -- roll, movedim, swapdims, narrow, unbind, unflatten, rot90 -------------------------------------


class Roll(Function):
    """y = x rolled by ``shifts`` along ``axes`` (None: the flattened x); gx = gy rolled back."""

    __slots__ = ("shifts", "axes")
    complex_ok = True  # moves or sums gy only

    def forward(self, x, shifts, axes):
        self.shifts, self.axes = shifts, axes
        return _mod(x).roll(x, shifts, axes)

    def backward(self, gy):
        back = -self.shifts if self.axes is None else tuple(-s for s in self.shifts)
        return Roll.apply(gy, back, self.axes), None, None


def roll(x, shifts, dims=None):
    """x with elements shifted by ``shifts`` along ``dims``, wrapping around.

    shifts, dims: ints or equal-length tuples; dims None rolls the flattened x (one shift) and
    restores the shape. x: any shape -> the same shape.
    """
    s = _ints(shifts, "roll", "shifts")
    if not s:
        raise ValueError("roll: shifts must not be empty")
    if dims is None:
        if len(s) != 1:
            raise ValueError(f"roll: {len(s)} shifts {s} need as many dims, got dims=None")
        return Roll.apply(x, s[0], None)
    raw = _ints(dims, "roll", "dims")
    if len(raw) != len(s):
        raise ValueError(f"roll: shifts {s} and dims {raw} must have the same length")
    n = _ndim(x)
    return Roll.apply(x, s, tuple(norm_dim(d, n, "roll") for d in raw))


def movedim(x, source, destination):
    """x with dims ``source`` moved to positions ``destination`` (ints or equal-length tuples),
    the other dims keeping their order; a view of x (a permute)."""
    n = _ndim(x)
    src = tuple(norm_dim(d, n, "movedim") for d in _ints(source, "movedim", "source"))
    dst = tuple(norm_dim(d, n, "movedim") for d in _ints(destination, "movedim", "destination"))
    if len(src) != len(dst):
        raise ValueError(f"movedim: source {src} and destination {dst} differ in length")
    for name, ds in (("source", src), ("destination", dst)):
        if len(set(ds)) != len(ds):
            raise ValueError(f"movedim: repeated dim in {name} {ds}")
    if n == 0:  # a 0-d tensor: dims 0 and -1 name the tensor itself
        return permute(x, ())
    order = [k for k in range(n) if k not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(x, tuple(order))


moveaxis = movedim
swapdims = transpose


def narrow(x, dim, start, length):
    """x[..., start : start + length, ...] along ``dim``; a view of x.

    start may be negative (counted from the end) or a 0-d integer tensor; start + length must
    not pass the end. x: (..., n, ...) -> (..., length, ...).
    """
    d = _dim_of(x, dim, "narrow")
    size = x.shape[d]
    start, length = _index(start, "narrow", "start"), _index(length, "narrow", "length")
    if not -size <= start <= size:
        raise IndexError(f"narrow: start {start} is out of range [{-size}, {size}] for dim {d}")
    if start < 0:
        start += size
    if length < 0:
        raise ValueError(f"narrow: length must be non-negative, got {length}")
    if start + length > size:
        raise IndexError(f"narrow: start {start} + length {length} exceeds dim {d} of size {size}")
    return getitem(x, (slice(None),) * d + (slice(start, start + length),))


def unbind(x, dim=0):
    """The slices of x along ``dim``, as a tuple of views: (..., n, ...) -> n x (..., ...)."""
    d = _dim_of(x, dim, "unbind")
    pre = (slice(None),) * d
    return tuple(getitem(x, pre + (i,)) for i in range(x.shape[d]))


def unflatten(x, dim, sizes):
    """Dim ``dim`` of x split into ``sizes`` (one may be -1); a view of x.

    x: (..., n, ...) -> (..., *sizes, ...) with prod(sizes) == n.
    """
    shape = tuple(x.shape)
    d = _dim_of(x, dim, "unflatten")
    sz = _ints(sizes, "unflatten", "sizes")
    if not sz:
        raise ValueError("unflatten: sizes must be non-empty")
    if sz.count(-1) > 1 or any(s < -1 for s in sz):
        raise ValueError(f"unflatten: sizes {sz} may hold one -1 and otherwise sizes >= 0")
    n = shape[d]
    known = math.prod(s for s in sz if s != -1)
    if -1 in sz:
        if known == 0 or n % known:
            raise ShapeError(f"unflatten: sizes {sz} cannot unflatten dim {d} of size {n}")
        sz = tuple(n // known if s == -1 else s for s in sz)
    elif known != n:
        raise ShapeError(f"unflatten: sizes {sz} don't multiply up to the size of dim {d} ({n})")
    return reshape(x, shape[:d] + sz + shape[d + 1 :])


def rot90(x, k=1, dims=(0, 1)):
    """x rotated by k * 90 degrees in the plane of ``dims``, from dims[0] toward dims[1].

    k: any int (taken mod 4; negative turns the other way). x: ndim >= 2; the two dims swap
    sizes for odd k. A new contiguous tensor (never a view of x), as in PyTorch.
    """
    k = _index(k, "rot90", "k") % 4
    ds = _ints(dims, "rot90", "dims")
    if len(ds) != 2:
        raise ValueError(f"rot90: dims must name 2 dimensions, got {ds}")
    _need_dims(x, 2, "rot90")
    a, b = _two_dims(ds[0], ds[1], _ndim(x), "rot90")
    if k == 1:  # NumPy's transpose(flip(x, b)), with the copying flip last
        return flip(transpose(x, a, b), a)
    if k == 2:
        return flip(x, (a, b))
    if k == 3:
        return flip(transpose(x, a, b), b)
    return Clone.apply(x)


# -- repeat_interleave, diff -----------------------------------------------------------------------


def repeat_interleave(x, repeats=None, dim=None, *, output_size=None):
    """Each element of x repeated along ``dim`` (None: x flattened first).

    repeats: an int (every element) or a 1-D integer tensor of length x.shape[dim] (or of one
    element). output_size, if given, must equal the result's length along dim.
    x: (..., n, ...) -> (..., sum(repeats), ...). With repeats omitted, x is the repeats and the
    result is ``arange(len(x))`` repeated by them (int64, no gradient).
    """
    op = "repeat_interleave"
    if repeats is None:
        r = _host_ints(x, op, "repeats")
        if r.ndim != 1:
            raise ShapeError(f"{op}: repeats must be 1-D, got shape {_shape_str(r.shape)}")
        if (r < 0).any():
            raise ValueError(f"{op}: repeats must be non-negative, got {r.tolist()}")
        idx = np.repeat(np.arange(r.shape[0], dtype=np.int64), r)
        src = _raw(x)
        if hasattr(src, "shape") and type(src) is not np.ndarray:
            idx = _mod(src).asarray(idx)  # back on x's device
        return Tensor(idx) if isinstance(x, Tensor) else idx
    if dim is None:
        x, d = reshape(x, -1), 0
    else:
        d = _dim_of(x, dim, op)
    shape = tuple(x.shape)
    n = shape[d]
    if isinstance(repeats, (Tensor, list, tuple)) or hasattr(repeats, "dtype"):
        r = _host_ints(repeats, op, "repeats")
        if r.ndim > 1:
            raise ShapeError(f"{op}: repeats must be 0-d or 1-d, got shape {_shape_str(r.shape)}")
        r = r.reshape(-1)
        if (r < 0).any():
            raise ValueError(f"{op}: repeats must be non-negative, got {r.tolist()}")
        if r.shape[0] != 1 and r.shape[0] != n:
            raise ShapeError(f"{op}: {r.shape[0]} repeats for dim {d} of size {n} (need 1 or {n})")
        per = int(r[0]) if r.shape[0] == 1 else None
    else:
        per = _index(repeats, op, "repeats")
        if per < 0:
            raise ValueError(f"{op}: repeats must be non-negative, got {per}")
    total = n * per if per is not None else int(r.sum())
    if output_size is not None and _index(output_size, op, "output_size") != total:
        raise ShapeError(f"{op}: output_size {output_size} does not match the result's {total}")
    if per is None:
        return index_select(x, d, np.repeat(np.arange(n), r))
    # one count for all: (.., n, ..) -> (.., n, 1, ..) -> expand (.., n, r, ..) -> (.., n r, ..)
    y = reshape(x, shape[: d + 1] + (1,) + shape[d + 1 :])
    y = broadcast_to(y, shape[: d + 1] + (per,) + shape[d + 1 :])
    y = reshape(y, shape[:d] + (total,) + shape[d + 1 :])
    # a new tensor, as torch: per == 1 (or size-1 neighbours) leaves a view of x's memory
    ya, xa = _raw(y), _raw(x)
    return Clone.apply(y) if _mod(ya).may_share_memory(ya, xa) else y


def _diff_operand(v, x, d, what):
    if isinstance(v, numbers.Number):
        v = np.asarray(v, dtype=np.result_type(x.dtype, v))
    v = _as_operand(v)
    if _ndim(v) == 0:
        v = broadcast_to(v, tuple(x.shape[:d]) + (1,) + tuple(x.shape[d + 1 :]))
    if _ndim(v) != _ndim(x):
        raise ShapeError(f"diff: {what} of shape {v.shape} must have {_ndim(x)} dims like x")
    if any(a != b for k, (a, b) in enumerate(zip(v.shape, x.shape)) if k != d):
        raise ShapeError(f"diff: {what} of shape {v.shape} must match x's {x.shape} but in dim {d}")
    return v


def diff(x, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along ``dim``: out[i] = x[i + 1] - x[i], applied n times.

    prepend / append (tensors of x's shape except along dim, or scalars) are joined to x along
    dim first. x: (..., m, ...) -> (..., max(m - n, 0), ...). Bool x gives x[i + 1] != x[i].
    """
    n = _index(n, "diff", "n")
    if n < 0:
        raise ValueError(f"diff: order n must be non-negative, got {n}")
    if _ndim(x) == 0:
        raise ShapeError("diff: expects a tensor with at least one dimension, got shape ()")
    d = norm_dim(dim, _ndim(x), "diff")
    if prepend is not None or append is not None:
        parts = [_diff_operand(prepend, x, d, "prepend")] if prepend is not None else []
        parts.append(x)
        if append is not None:
            parts.append(_diff_operand(append, x, d, "append"))
        x = cat(parts, d)
    if n == 0:
        return Clone.apply(x)  # a new tensor, as torch
    pre = (slice(None),) * d
    for _ in range(n):
        m = x.shape[d]
        if m == 0:
            break
        hi, lo = getitem(x, pre + (slice(1, m),)), getitem(x, pre + (slice(0, m - 1),))
        x = Compare.apply(np.not_equal, hi, lo) if x.dtype == np.bool_ else hi - lo
    return x


# -- meshgrid, cartesian_prod ----------------------------------------------------------------------


def _same_device(items, op):
    from backends import device_of

    devs = [device_of(_raw(t)) for t in items]
    for dv in devs[1:]:
        if dv != devs[0]:
            raise RuntimeError(
                f"Expected all tensors to be on the same device, but got {devs[0]} and {dv} "
                f"(in {op})"
            )


def meshgrid(*tensors, indexing=None):
    """Coordinate grids of 0-D/1-D inputs of sizes n1..nk (a single list is accepted too).

    indexing 'ij': output i has shape (n1, ..., nk) and varies along dim i. 'xy': the first two
    dims are swapped, (n2, n1, n3, ...). Without ``indexing`` PyTorch warns and uses 'ij'; so
    does this. Each output is a broadcast (read-only) view of its input.
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn(
            "meshgrid: in an upcoming release it will be required to pass the indexing "
            "argument; using indexing='ij' (PyTorch's default)",
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if not tensors:
        raise ValueError("meshgrid: expects a non-empty sequence of tensors")
    items = [_as_operand(t) for t in tensors]
    for i, t in enumerate(items):
        if _ndim(t) > 1:
            raise ShapeError(f"meshgrid: expects 0-D or 1-D tensors, input {i} is {t.shape}")
        if t.dtype != items[0].dtype:
            raise TypeError(f"meshgrid: expects one dtype, got {items[0].dtype} and {t.dtype}")
    _same_device(items, "meshgrid")
    k = len(items)
    sizes = [int(math.prod(t.shape)) for t in items]
    axis = list(range(k))
    if indexing == "xy" and k >= 2:
        axis[0], axis[1] = 1, 0
    shape = [0] * k
    for i in range(k):
        shape[axis[i]] = sizes[i]
    out = []
    for i, t in enumerate(items):
        view = [1] * k
        view[axis[i]] = sizes[i]
        out.append(broadcast_to(reshape(t, tuple(view)), tuple(shape)))
    return tuple(out)


def cartesian_prod(*tensors):
    """The cartesian product of 1-D inputs of sizes n1..nk: (n1 * ... * nk, k), rows in
    lexicographic order (like itertools.product). One input is returned as is."""
    for i, t in enumerate(tensors):
        if _ndim(t) != 1:
            raise ShapeError(f"cartesian_prod: expects 1-D tensors, input {i} is {t.shape}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([reshape(g, -1) for g in grids], 1)


# -- atleast_nd, hstack/vstack/dstack/column_stack -------------------------------------------------


def _atleast(tensors, fn):
    if len(tensors) == 1 and not isinstance(tensors[0], (list, tuple)):
        return fn(_as_operand(tensors[0]))
    items = tensors[0] if len(tensors) == 1 else tensors
    return tuple(fn(_as_operand(t)) for t in items)


def _at1(t):
    return reshape(t, (1,)) if _ndim(t) == 0 else t


def _at2(t):
    n = _ndim(t)
    return reshape(t, (1,) * (2 - n) + tuple(t.shape)) if n < 2 else t


def _at3(t):
    n = _ndim(t)
    if n == 0:
        return reshape(t, (1, 1, 1))
    if n == 1:
        return reshape(t, (1, t.shape[0], 1))
    return reshape(t, tuple(t.shape) + (1,)) if n == 2 else t


def atleast_1d(*tensors):
    """Each input with at least 1 dim (0-D -> (1,)); views. One input gives one tensor, several
    (or one list) give a tuple."""
    return _atleast(tensors, _at1)


def atleast_2d(*tensors):
    """Each input with at least 2 dims (0-D -> (1, 1), (n,) -> (1, n)); views."""
    return _atleast(tensors, _at2)


def atleast_3d(*tensors):
    """Each input with at least 3 dims (0-D -> (1, 1, 1), (n,) -> (1, n, 1), (n, m) ->
    (n, m, 1)); views."""
    return _atleast(tensors, _at3)


def hstack(tensors):
    """Inputs joined column-wise: along dim 0 if they are 1-D (0-D count as (1,)), else dim 1."""
    items = [_at1(t) for t in _seq_of_tensors(tensors, "hstack")]
    return cat(items, 0 if _ndim(items[0]) == 1 else 1)


def vstack(tensors):
    """Inputs joined row-wise: atleast_2d of each, then cat along dim 0 ((n,) -> (1, n))."""
    return cat([_at2(t) for t in _seq_of_tensors(tensors, "vstack")], 0)


row_stack = vstack


def dstack(tensors):
    """Inputs joined depth-wise: atleast_3d of each, then cat along dim 2."""
    return cat([_at3(t) for t in _seq_of_tensors(tensors, "dstack")], 2)


def column_stack(tensors):
    """Inputs as columns: 0-D and 1-D inputs become (numel, 1); then cat along dim 1."""
    items = _seq_of_tensors(tensors, "column_stack")
    return cat([reshape(t, (-1, 1)) if _ndim(t) < 2 else t for t in items], 1)


# -- flips, splits, ravel, t -----------------------------------------------------------------------


def fliplr(x):
    """x reversed along dim 1 (left/right); x needs >= 2 dims. A copy, like ``flip``."""
    _need_dims(x, 2, "fliplr")
    return flip(x, 1)


def flipud(x):
    """x reversed along dim 0 (up/down); x needs >= 1 dim. A copy, like ``flip``."""
    _need_dims(x, 1, "flipud")
    return flip(x, 0)


def tensor_split(x, indices_or_sections, dim=0):
    """Views of x split along ``dim`` (NumPy's array_split).

    indices_or_sections: an int s (s pieces; the first n % s get one element more) or a list
    (or 1-D integer tensor) of split indices, cut as Python slices x[0:i0], x[i0:i1], ...,
    x[ik:] (negative indices count from the end; out-of-range ones give empty pieces).
    """
    op = "tensor_split"
    _need_dims(x, 1, op)
    d = norm_dim(dim, _ndim(x), op)
    ios = indices_or_sections
    if isinstance(ios, Tensor) or hasattr(ios, "dtype"):
        a = _host_ints(ios, op, "indices_or_sections")
        if a.ndim > 1:
            raise ShapeError(f"{op}: indices_or_sections must be 0-d or 1-d, got {a.shape}")
        ios = int(a) if a.ndim == 0 else a.tolist()
    n = x.shape[d]
    if isinstance(ios, (list, tuple)):
        bounds = [0] + list(_ints(ios, op, "indices")) + [None]
        pre = (slice(None),) * d
        return tuple(getitem(x, pre + (slice(a, b),)) for a, b in zip(bounds, bounds[1:]))
    s = _index(ios, op, "sections")
    if s <= 0:
        raise ValueError(f"{op}: number of sections must be larger than 0, got {s}")
    q, r = divmod(n, s)
    return _pieces(x, d, [q + 1] * r + [q] * (s - r))


def _xsplit(x, sections, op, k, d):
    _need_dims(x, k, op)
    if not isinstance(sections, (list, tuple)) and _ndim(sections) == 0:
        s = _index(sections, op, "sections")
        if s <= 0 or x.shape[d] % s:
            raise ShapeError(f"{op}: dim {d} of size {x.shape[d]} can't split in {s} equal parts")
    return tensor_split(x, sections, d)


def hsplit(x, sections):
    """Split column-wise: along dim 1 (dim 0 for 1-D x). An int must divide that dim's size;
    a list gives split indices as ``tensor_split``. Returns a tuple of views."""
    return _xsplit(x, sections, "hsplit", 1, 0 if _ndim(x) == 1 else 1)


def vsplit(x, sections):
    """Split row-wise: along dim 0 of an at-least-2-D x (as ``hsplit``)."""
    return _xsplit(x, sections, "vsplit", 2, 0)


def dsplit(x, sections):
    """Split depth-wise: along dim 2 of an at-least-3-D x (as ``hsplit``)."""
    return _xsplit(x, sections, "dsplit", 3, 2)


def ravel(x):
    """x flattened to 1-D: a view when x's layout allows, else a copy. x: any -> (numel,)."""
    return reshape(x, -1)


def t(x):
    """The transpose of a 2-D x; a 0-D or 1-D x unchanged (as a view). More dims raise."""
    n = _ndim(x)
    if n > 2:
        raise ShapeError(f"t() expects a tensor with <= 2 dims, got shape {x.shape}; use .mT")
    return permute(x, (1, 0) if n == 2 else tuple(range(n)))
