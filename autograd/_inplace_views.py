"""In-place writes into a group of views while recording (the recorded path of autograd/inplace.py).

A view (made by basic indexing, narrow, select, reshape/view, permute/transpose, diagonal,
unsqueeze, expand, real/imag, view_as_real/view_as_complex, ...) shares its root's memory and
version counter and keeps the root Tensor in ``_base`` (PyTorch's ``_base``: the tensor whose
memory every view of the group points into, kept alive by its views). The root's counter lists
the live views as weak references after the version (``ops._shape_util.share_version``).

An in-place op on a member t of such a group is recorded as PyTorch's CopySlices:

1. the op runs out of place on t's old value: new_t (autograd/inplace.py ``_record``);
2. t a view: the root's new value is its old one with t's elements replaced by new_t, recorded
   as a scatter (``SetItem`` with the elements' positions) on the root flattened in units of the
   smaller element (a complex root written through a real view is scattered into as its
   ``view_as_real``); the root moves onto that record, and t onto new_t's;
3. every other live view whose memory meets t's (all of them when the group starts to require
   grad) gets a new record: a gather (``GetItem``) of its elements from the new root, so its
   gradient goes through the write, as PyTorch's regenerated ``AsStridedBackward``;
4. the memory is written once and the version counter bumped.

Positions come from memory addresses, strides and offsets (numpy ``__array_interface__``, cupy
``data.ptr``), so any layout of root and view works. Refused, naming the op, before any state
changes: a view whose elements overlap (expand, broadcast_to: PyTorch's message), a view made
under no_grad in a group that requires grad, and views of a leaf that requires grad (checked by
the caller).
"""

from __future__ import annotations

import numpy as np

from .dtypes import COMPLEX

__all__ = ["MemoryOverlapError", "check_overlap", "plan", "commit", "root_of", "no_grad_view"]


class MemoryOverlapError(RuntimeError, ValueError):
    """An in-place write into a tensor whose elements share memory (an expanded view).

    A RuntimeError as in PyTorch, and a ValueError as NumPy's refusal to write a read-only
    broadcast array was.
    """


def check_overlap(a, op: str):
    """Raise MemoryOverlapError when array ``a`` has two elements on one memory location (a
    zero stride on a dim of size > 1: PyTorch's internal-overlap test)."""
    strides = a.strides
    if 0 in strides and a.size and any(s == 0 and n > 1 for n, s in zip(a.shape, strides)):
        raise MemoryOverlapError(
            f"{op}: unsupported operation: more than one element of the written-to tensor "
            f"(shape {tuple(a.shape)}, strides {tuple(strides)}) refers to a single memory "
            "location. Please clone() the tensor before performing the operation."
        )


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
    if type(a) is np.ndarray:
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

    __slots__ = ("root", "pos", "views", "unit")


def _group_views(root, t):
    """The live views of ``root`` other than t, and whether t is one of the registered views."""
    vc = root._vc
    out = []
    found = False
    if vc is not None:
        for r in vc[1:]:
            u = r()
            if u is t:
                found = True
            elif u is not None and getattr(u, "_base", None) is root:
                out.append(u)
    return out, found


def no_grad_view(t, op: str):
    """The error for a recorded write through a view made under no_grad (PyTorch's)."""
    return RuntimeError(
        f"{op}: a view (shape {tuple(t.shape)}) was created in no_grad mode and is being "
        "modified in place with grad mode enabled. Given that this use case is ambiguous and "
        "error-prone, it is forbidden (as in PyTorch). Make both the view and the in-place op "
        "inside the no_grad block (if the write must not be tracked) or both outside (if it "
        "must)."
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
    views, registered = _group_views(root, t)
    if root is t and not views:
        return None
    if root is not t and not registered:  # only a view made under no_grad goes unregistered
        raise no_grad_view(t, op)
    if root._rg:
        for u in views:
            if u._node is None:
                raise RuntimeError(
                    f"{op}: a view of this tensor's base (shape {tuple(u.shape)}) was created "
                    "in no_grad mode, and its base or another view of its base is being "
                    "modified in place with grad mode enabled. Given that this use case is "
                    "ambiguous and error-prone, it is forbidden (as in PyTorch). Make both the "
                    "view and the in-place op inside the no_grad block (if the write must not "
                    "be tracked) or both outside (if it must); or delete the view first."
                )
    p = Plan()
    p.root, p.views, p.pos = root, views, None
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


def commit(t, new, p: Plan):
    """Record the write of ``new`` (a Tensor of t's shape and dtype) into view group member
    ``t``, write the memory once, bump the version and move the group's tensors onto their new
    records (see the module docstring)."""
    from .inplace import SetItem, _bump, _move
    from .ops.complex_parts import ViewAsComplex
    from .ops.shape import GetItem, Reshape
    from .tensor import _wrap

    root, unit = p.root, p.unit
    a = root._data
    if root is t:
        new_root = new
    else:
        old_root = _wrap(a, root._node, root._rg)  # SetItem copies it before the write below
        flat_old = Reshape.apply(_units(old_root, unit), (-1,))
        scattered = SetItem.apply(flat_old, _units(new, unit), p.pos)
        new_root = Reshape.apply(scattered, _layout(a, unit)[0])
        if a.itemsize != unit:
            new_root = ViewAsComplex.apply(new_root)
    # views meeting t's memory get a record through the write; all of them when the group
    # starts to require grad (PyTorch: every view of it does then)
    everyone = root is t or (new_root._rg and not root._rg)
    span = None if everyone else _span(t._data)
    flat = None
    moved = []
    for u in p.views:
        ud = u._data
        if not (everyone or _meets(span, _span(ud))):
            continue
        pos = positions(a, ud, unit)
        if pos is None:
            continue
        if flat is None:  # gathered from the root's own new record, as PyTorch's views are
            flat = Reshape.apply(_units(new_root, unit), (-1,))  # (so retain_grad sees them)
        g = GetItem.apply(flat, pos)
        if ud.itemsize != unit:
            g = ViewAsComplex.apply(g)
        moved.append((u, g))
    # nothing has changed so far: now the write, once, and the moves
    t._data[...] = new._data
    _bump(t)
    if root._vc is not t._vc:
        _bump(root)
    _move(root, new_root._node, new_root._rg)
    if root is not t:
        _move(t, new._node, new._rg)
    for u, g in moved:
        _move(u, g._node, g._rg)
    return t
