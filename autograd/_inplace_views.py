"""In-place writes into a group of views while recording (the recorded path of autograd/inplace.py).

A view (made by basic indexing, narrow, select, reshape/view, permute/transpose, diagonal,
unsqueeze, expand, real/imag, view_as_real/view_as_complex, ...) shares its root's memory and
version counter and keeps the root Tensor in ``_base`` (PyTorch's ``_base``: the tensor whose
memory every view of the group points into, kept alive by its views). The root's counter lists
the live views as weak references after the version (``ops._shape_util.share_version``).

An in-place op on a member t of such a group is recorded as PyTorch's CopySlices:

1. the op runs out of place on t's old value: new_t (autograd/inplace.py ``_record``); t a
   view, its old value is a fresh gather from the root's current record (``old_value``), so
   t's own old record leaves the write's path, as in PyTorch (hooks registered on t before the
   write see only the uses of t made before it);
2. t a view: the root's new value is its old one with t's elements replaced by new_t, recorded
   as a scatter (``SetItem`` with the elements' positions) on the root flattened in units of the
   smaller element (a complex root written through a real view is scattered into as its
   ``view_as_real``); the root moves onto that record;
3. t and every other live view whose memory meets t's (all of them when the group starts to
   require grad) get a new record: a gather (``GetItem``) of their elements from the new root,
   so they lie downstream of it and their gradient goes through the write, as PyTorch's
   regenerated ``AsStridedBackward`` (retain_grad follows them onto it);
4. the memory is written once and the version counter bumped. A root that is one block of
   memory (C-contiguous) is written by the scatter itself (``inplace.ScatterInto``): its
   output is the root's memory, so a write through a small view costs O(view), not a copy of
   the root (its backward needs only the positions).

Positions come from memory addresses, strides and offsets (numpy ``__array_interface__``, cupy
``data.ptr``), so any layout of root and view works. Refused, naming the op, before any state
changes: a view whose elements overlap (expand, broadcast_to: PyTorch's message), a write
through a view made under no_grad, a recorded write into a group where a view made under
no_grad lives (it would keep a value with no record), and views of a leaf that requires grad
(checked by the caller).

Views made under no_grad: PyTorch refuses their *use* after their group is written with grad
mode on. Seeing a use would need a check on every op's inputs; instead such views are
registered too (``ops._shape_util.NoGradRef``, a weak reference of its own type: about 0.2 us
more per view op under no_grad, 1.8 -> 2.0 us for ``v[1:]``) and the recorded write itself is
refused while one lives, with the advice to delete it. Stricter than PyTorch only for code that
keeps such a view alive without using it again.
"""

from __future__ import annotations

import numpy as np

from .dtypes import COMPLEX

__all__ = [
    "MemoryOverlapError",
    "check_overlap",
    "plan",
    "commit",
    "old_value",
    "root_of",
    "no_grad_view",
]


class MemoryOverlapError(RuntimeError, ValueError):
    """An in-place write into a tensor whose elements share memory (an expanded view).

    A RuntimeError as in PyTorch, and a ValueError as NumPy's refusal to write a read-only
    broadcast array was.
    """


def check_overlap(a, op: str):
    """Raise MemoryOverlapError when array ``a`` has two elements on one memory location: a
    zero stride on a dim of size > 1 (PyTorch's internal-overlap test), or windows that
    overlap (``unfold`` with step < size, ``as_strided``).

    PyTorch refuses only the zero strides and writes the rest element by element (its result
    then depends on the order of the writes); here a write is computed out of place and
    scattered, which would give other values, so every overlap is refused.
    """
    if a.flags.c_contiguous or a.flags.f_contiguous or a.size < 2:
        return  # one block of memory: no two elements meet
    if _overlaps(a.shape, a.strides, a.itemsize):
        raise MemoryOverlapError(
            f"{op}: unsupported operation: more than one element of the written-to tensor "
            f"(shape {tuple(a.shape)}, strides {tuple(a.strides)}) refers to a single memory "
            "location. Please clone() the tensor before performing the operation."
        )


_EXACT_LIMIT = 1 << 22  # elements: above, an undecided layout is let through (as PyTorch)


def _overlaps(shape, strides, itemsize: int) -> bool:
    """Whether a non-empty layout puts two elements on one address. Dims sorted by |stride|:
    none overlap when each stride spans the extent of the smaller ones (every view made by
    slicing or permuting); otherwise the addresses are listed and compared (no data read)."""
    if len(shape) == 2:  # the common strided view, decided without the general machinery
        (n0, n1), (s0, s1) = shape, strides
        s0, s1 = abs(s0), abs(s1)
        if n0 < 2 or n1 < 2:
            return (s1 if n0 < 2 else s0) == 0
        if s0 < s1:
            s0, n0, s1, n1 = s1, n1, s0, n0
        if s1 >= itemsize and s0 >= itemsize + (n1 - 1) * s1:
            return False
    elif len(shape) == 1:
        return strides[0] == 0
    dims = sorted((abs(s), n) for n, s in zip(shape, strides) if n > 1)
    extent = itemsize
    for s, n in dims:
        if s < extent:
            break
        extent += (n - 1) * s
    else:
        return False
    if any(s == 0 for s, _ in dims):
        return True
    size = 1
    for _, n in dims:
        size *= n
    if size > _EXACT_LIMIT:
        return False
    addr = np.zeros(1, dtype=np.int64)
    for s, n in dims:
        addr = (addr[:, None] + np.arange(n, dtype=np.int64) * s).reshape(-1)
    return np.unique(addr).size < addr.size


def root_of(t):
    """The tensor whose memory view ``t`` points into (``t._base``), or t itself."""
    b = getattr(t, "_base", None)
    return t if b is None else b


# -- addresses and positions ------------------------------------------------------------------


def _xp(a):
    from backends import array_module

    return array_module(a)


def _ptr(a) -> int:
    """The address of a's first element."""
    if isinstance(a, np.ndarray):  # subclasses too (np.memmap, ...)
        return a.__array_interface__["data"][0]
    return int(a.data.ptr)


def _span(a, ptr=None):
    """``(lo, hi)``: the bytes [lo, hi) a's elements lie in (``ptr``: a's first element's
    address, or a's own), or None for an empty array."""
    if a.size == 0:
        return None
    lo = hi = _ptr(a) if ptr is None else ptr
    for n, s in zip(a.shape, a.strides):
        if s < 0:
            lo += (n - 1) * s
        else:
            hi += (n - 1) * s
    return lo, hi + a.itemsize


def _meets(s, r) -> bool:
    return s is not None and r is not None and s[0] < r[1] and r[0] < s[1]


def _layout(a, unit: int):
    """Shape and byte strides of array ``a`` seen as elements of ``unit`` bytes: a complex
    array read in real units gets a trailing axis of 2 (real, imaginary)."""
    if a.itemsize == unit:
        return tuple(a.shape), tuple(a.strides)
    return tuple(a.shape) + (2,), tuple(a.strides) + (unit,)


def _addresses(xp, shape, strides, start: int):
    """int64 array of ``shape``: the byte offset of each element from ``start``."""
    nd = len(shape)
    addr = xp.full(shape, start, dtype=np.int64)
    for k, (n, s) in enumerate(zip(shape, strides)):
        if n > 1 and s:
            step = xp.arange(n, dtype=np.int64) * s
            addr += step.reshape((1,) * k + (n,) + (1,) * (nd - k - 1))
    return addr


def _c_contiguous(shape, strides, unit: int) -> bool:
    want = unit
    for n, s in zip(reversed(shape), reversed(strides)):
        if n != 1 and s != want:
            return False
        want *= n
    return True


def positions(root, a, unit: int):
    """The flat positions, in ``root`` read as ``unit``-byte elements in C order, of the
    elements of ``a`` (a view into root's memory, read in the same units). Returns an int64
    array of a's unit shape, or None when a's memory lies outside root's elements (then it is
    no view of root: it shares nothing with it)."""
    xp = _xp(root)
    shape_a, st_a = _layout(a, unit)
    if a.size == 0:
        return xp.zeros(shape_a, dtype=np.int64)
    shape_r, st_r = _layout(root, unit)
    off = _ptr(a) - _ptr(root)
    if _c_contiguous(shape_r, st_r, unit):
        # root covers its bytes densely: a's elements are root's when a's bytes lie inside
        # root's and every element starts on a unit (offset and strides multiples of it)
        lo, hi = _span(a, off)
        if hi <= 0 or lo >= root.nbytes:
            return None
        if lo < 0 or hi > root.nbytes or off % unit or any(s % unit for s in st_a):
            raise _partly(a, root)
        return _addresses(xp, shape_a, tuple(s // unit for s in st_a), off // unit)
    # any other layout: look each address up among root's, sorted
    addr = _addresses(xp, shape_a, st_a, off).reshape(-1)
    ra = _addresses(xp, shape_r, st_r, 0).reshape(-1)
    order = xp.argsort(ra)
    ra = ra[order]
    j = xp.minimum(xp.searchsorted(ra, addr), ra.size - 1)
    found = int((ra[j] == addr).sum())
    if found == addr.size:
        return order[j].reshape(shape_a)
    if found == 0:
        return None
    raise _partly(a, root)


def _partly(a, root):  # pragma: no cover - a view lies wholly inside its root
    return RuntimeError(
        f"in-place write: a view of shape {tuple(a.shape)} lies partly outside its base of "
        f"shape {tuple(root.shape)}"
    )


# -- the plan (checks, before any state changes) and the commit ------------------------------


class Plan:
    """What a recorded in-place op on ``t`` must also do to its view group.

    root: the group's root; pos: t's positions in it (t a view), else None; views: the other
    live views of root (candidates for regeneration); unit: the element size in bytes the
    root is read in (the smallest itemsize in the group).
    """

    __slots__ = ("root", "pos", "views", "unit", "flat_old", "no_grad")


def _group_views(root, t):
    """``(views, t_ref, no_grad)``: the live views of ``root`` other than t, the reference that
    registers t (None when t is not registered), and the first live view other than t made
    while recording was off (None when none lives)."""
    from .ops._shape_util import NoGradRef

    vc = root._vc
    out = []
    found = ng = None
    if vc is not None:
        for r in vc[1:]:
            u = r()
            if u is t:
                found = r
            elif u is not None and getattr(u, "_base", None) is root:
                out.append(u)
                if ng is None and type(r) is NoGradRef:
                    ng = u
    return out, found, ng


def no_grad_view(t, op: str):
    """The error for a recorded write through a view made under no_grad (PyTorch's)."""
    return RuntimeError(
        f"{op}: a view (shape {tuple(t.shape)}) was created in no_grad mode and is being "
        "modified in place with grad mode enabled. Given that this use case is ambiguous and "
        "error-prone, it is forbidden (as in PyTorch). Make both the view and the in-place op "
        "inside the no_grad block (if the write must not be tracked) or both outside (if it "
        "must)."
    )


def no_grad_sibling(u, op: str):
    """The error for a recorded write into a group where a view made under no_grad lives."""
    return RuntimeError(
        f"{op}: a view of this tensor's base (shape {tuple(u.shape)}) was created in no_grad "
        "mode, and its base or another view of its base is being modified in place with grad "
        "mode enabled. Given that this use case is ambiguous and error-prone, it is forbidden "
        "(as in PyTorch, which refuses the view's next use). Make both the view and the "
        "in-place op inside the no_grad block (if the write must not be tracked) or both "
        "outside (if it must); or delete the view first."
    )


def _unit_of(root, members, op: str) -> int:
    """The element size the group is read in; TypeError for a member whose dtype is neither
    the root's nor its complex/real counterpart (no view op makes one)."""
    rd = root._data.dtype
    unit = rd.itemsize
    for m in members:
        d = m._data.dtype
        if d == rd:
            continue
        pair = (rd in COMPLEX and d.kind == "f" and d.itemsize * 2 == rd.itemsize) or (
            d in COMPLEX and rd.kind == "f" and rd.itemsize * 2 == d.itemsize
        )
        if not pair:
            raise TypeError(
                f"{op}: can't record an in-place write into a view of dtype {d} of a tensor of "
                f"dtype {rd}; clone() the view first"
            )
        unit = min(unit, d.itemsize)
    return unit


def plan(t, op: str):
    """Check a recorded in-place op on ``t`` against its view group; None when ``t`` is a root
    without live views (the plain path), else a Plan. Raises, before any state changes, for a
    view made under no_grad in a group that requires grad (PyTorch raises on its next use)."""
    if t._vc is None:  # never viewed nor saved: no view, and no views of it
        return None
    root = root_of(t)
    from .ops._shape_util import NoGradRef

    views, ref, ng = _group_views(root, t)
    if root is t and not views:
        return None
    if root is not t and (ref is None or type(ref) is NoGradRef):
        raise no_grad_view(t, op)
    if root._rg:
        if ng is None:  # (a view of a group that requires grad has a record unless made so)
            ng = next((u for u in views if u._node is None), None)
        if ng is not None:
            raise no_grad_sibling(ng, op)
    p = Plan()
    p.root, p.views, p.pos, p.flat_old, p.no_grad = root, views, None, None, ng
    p.unit = _unit_of(root, views + [t], op)
    if root is not t:
        check_overlap(root._data, op)
        p.pos = positions(root._data, t._data, p.unit)
        if p.pos is None:  # t shares no memory with its recorded base: a root of its own
            return None
    return p


def _units(x, unit: int):
    """Tensor x read in ``unit``-byte elements: a complex x read in real units is its
    view_as_real (recorded), (...) -> (..., 2)."""
    if x._data.itemsize == unit:
        return x
    from .ops.complex_parts import ViewAsReal

    return ViewAsReal.apply(x)


def _gather(flat, pos, itemsize: int, unit: int):
    """The elements at ``pos`` of ``flat`` (a root's record flattened in ``unit``-byte
    elements), recorded (GetItem), as a tensor of ``itemsize``-byte elements."""
    from .ops.complex_parts import ViewAsComplex
    from .ops.shape import GetItem

    g = GetItem.apply(flat, pos)
    return ViewAsComplex.apply(g) if itemsize != unit else g


def old_value(t, p: Plan):
    """View t's value before the write, as a fresh gather from its root's current record
    (PyTorch's CopySlices: the view's own record leaves the write's path, so hooks registered
    on t before the write don't see it). ``p.pos`` is set (t is a view)."""
    from .ops.shape import Reshape
    from .tensor import _wrap

    root = p.root
    a = root._data
    if isinstance(a, np.ndarray) and type(a) is not np.ndarray:  # np.memmap, ...: the records
        a = a.view(np.ndarray)  # hold plain arrays (same memory), as every other op's do
    old_root = _wrap(a, root._node, root._rg)
    p.flat_old = Reshape.apply(_units(old_root, p.unit), (-1,))
    return _gather(p.flat_old, p.pos, t._data.itemsize, p.unit)


def commit(t, new, p: Plan, op: str):
    """Record the write of ``new`` (a Tensor of t's shape and dtype) into view group member
    ``t``, write the memory once, bump the version and move the group's tensors onto their new
    records (see the module docstring)."""
    from .inplace import ScatterInto, SetItem, _bump, _move
    from .ops.complex_parts import ViewAsComplex
    from .ops.shape import Reshape

    root, unit = p.root, p.unit
    if p.no_grad is not None and new._rg:  # a constant group starts to require grad
        raise no_grad_sibling(p.no_grad, op)
    a = root._data
    written = (
        root is not t
        and _c_contiguous(*_layout(a, unit), unit)
        and _ptr(p.flat_old._data) == _ptr(a)  # (a view of the memory, not a copy)
    )
    if root is t:
        new_root = new
    elif written:
        # p.flat_old is the root's memory (one block): the scatter writes t's elements into it
        # (O(t), no copy of the root) and its output is that memory, the root's new value.
        # Only gathers and moves follow, which can't fail
        scattered = ScatterInto.apply(p.flat_old, _units(new, unit), p.pos)
    else:  # SetItem copies the old root before the write below
        scattered = SetItem.apply(p.flat_old, _units(new, unit), p.pos)
    if root is not t:
        new_root = Reshape.apply(scattered, _layout(a, unit)[0])
        if a.itemsize != unit:
            new_root = ViewAsComplex.apply(new_root)
    # views meeting t's memory get a record through the write; all of them when the group
    # starts to require grad (PyTorch: every view of it does then); t itself is gathered from
    # the new root too (downstream of it, as PyTorch's written view)
    everyone = root is t or (new_root._rg and not root._rg)
    span = None if everyone else _span(t._data)
    flat = None
    moved = []
    for u, pos in ([] if root is t else [(t, p.pos)]) + [(u, None) for u in p.views]:
        ud = u._data
        if pos is None:
            if not (everyone or _meets(span, _span(ud))):
                continue
            pos = positions(a, ud, unit)
            if pos is None:
                continue
        if flat is None:  # gathered from the root's own new record, as PyTorch's views are
            flat = Reshape.apply(_units(new_root, unit), (-1,))  # (so retain_grad sees them)
        moved.append((u, _gather(flat, pos, ud.itemsize, unit)))
    # now the write (unless the scatter made it), and the moves
    if not written:
        t._data[...] = new._data
    _bump(t)
    if root._vc is not t._vc:
        _bump(root)
    _move(root, new_root._node, new_root._rg)
    for u, g in moved:
        _move(u, g._node, g._rg)
    return t
