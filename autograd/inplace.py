"""In-place ops (``add_``, ``mul_``, ``zero_``, ``fill_``, ``+=``, ``x[idx] = v``) and their safety.

The rules that keep gradients right (PyTorch's):

* An in-place op on a leaf that requires grad (a parameter), or on a view of one, is refused
  while recording: do it under ``no_grad()``, as an optimiser does.
* An in-place op on an interior tensor of a recorded graph, or one that writes a value that
  requires grad, is recorded: ``out += identity`` runs the out-of-place op on the old value (a
  copy of it when the op's backward reads it), writes the result into ``out``'s memory and moves
  ``out`` onto the new record, as PyTorch does. When ``out`` is a view, or has live views, the
  write reaches the whole view group: the base is recorded as scattered into and the other
  views as gathered from the new base (autograd/_inplace_views.py), so ``y[1:3].mul_(3)`` and
  ``y.add_(1)`` with a view ``y[:, 0]`` alive give PyTorch's values and gradients.
* Refused as in PyTorch, before anything changes: a write into a tensor whose elements overlap
  (an expanded view), a recorded write through a view made under no_grad, or into a group
  where such a view lives.
* Every in-place op bumps the tensor's version counter (shared with its views). A record that
  saved the tensor for backward remembers the version it saw; backward through it after the
  tensor changed raises, naming the op and both versions, as PyTorch does.
"""

from __future__ import annotations

import numpy as np

from ._inplace_views import check_overlap, commit, no_grad_view, old_value, plan
from .function import Function
from .grad_mode import _state
from .tensor import Tensor, _wrap

__all__ = ["apply", "apply_op", "setitem"]


def _bump(t: Tensor):
    if t._vc is None:
        t._vc = [1]
    else:
        t._vc[0] += 1


def _requires_grad(v) -> bool:
    if isinstance(v, Tensor):
        return v._rg
    if isinstance(v, (tuple, list)):
        return any(_requires_grad(a) for a in v)
    return False


def _guard(t: Tensor, op: str, others=()) -> bool:
    """Check an in-place op on ``t``; True when it must be recorded on the graph."""
    check_overlap(t._data, op)
    if not _state.grad:
        return False
    if t._rg and t._node is None:
        raise RuntimeError(
            f"{op}: a leaf Tensor that requires grad (shape {tuple(t.shape)}) is being used "
            "in an in-place operation; wrap it in `with autograd.no_grad():` (as optimisers "
            "do) or use the out-of-place form"
        )
    base = None if t._vc is None else getattr(t, "_base", None)  # a view has a counter
    if base is not None and base._rg:
        if base._node is None:
            raise RuntimeError(
                f"{op}: a view of a leaf Tensor that requires grad (the view has shape "
                f"{tuple(t.shape)}, the leaf {tuple(base.shape)}) is being used in an in-place "
                "operation; wrap it in `with autograd.no_grad():` or clone() the view first"
            )
        if t._node is None and t._data.dtype.kind in "fc":
            raise no_grad_view(t, op)
    elif not (t._rg or _requires_grad(others)):
        return False
    # an integer or bool tensor carries no gradient: the value is written as data (torch:
    # requires_grad stays False)
    return t._data.dtype.kind in "fc"


def _move(t: Tensor, node, rg: bool):
    """Move ``t`` onto the record ``node`` (retain_grad follows it)."""
    old_node = t._node
    t._node, t._rg = node, rg
    extra = old_node._extra if old_node is not None else None
    if extra and "retain" in extra and extra["retain"]() is t:
        del extra["retain"]
        if node is not None:
            from . import engine

            engine.retain(t)


def _record(t: Tensor, op: str, compute, reads_old: bool = True) -> Tensor:
    """``t`` rewritten by a recorded op: ``compute(old)`` gives the new value as a Tensor.

    ``old`` carries t's record (its graph identity) and t's value: a copy when ``reads_old``
    (the op's backward may read it after t's memory is overwritten). Nothing is written unless
    the new value fits t's shape and dtype; then t moves onto the new record, and with it
    t's view group (autograd/_inplace_views.py): its base and its other live views.
    """
    from . import ops

    group = plan(t, op)  # checks the group before anything is computed
    d = t._data
    if group is not None and group.pos is not None:  # t a view: its old value, from the root
        old = old_value(t, group)
    else:
        old = _wrap(d.copy() if reads_old else d, t._node, t._rg)
    new = compute(old)
    if not isinstance(new, Tensor):  # pragma: no cover - compute gets a Tensor
        new = _wrap(new, None, False)
    if tuple(new.shape) != tuple(d.shape):
        from .errors import ShapeError

        raise ShapeError(
            f"{op}: the result has shape {tuple(new.shape)}, which can't be written in place "
            f"into a tensor of shape {tuple(d.shape)}"
        )
    if new._data.dtype != d.dtype:
        if not np.can_cast(new._data.dtype, d.dtype, "same_kind"):
            raise TypeError(
                f"{op}: the result has dtype {new._data.dtype}, which can't be stored in place "
                f"in a tensor of dtype {d.dtype}"
            )
        new = ops.cast(new, d.dtype)
    if group is not None:
        return commit(t, new, group, op)
    d[...] = new._data
    _bump(t)
    _move(t, new._node, new._rg)
    return t


class SetItem(Function):
    """y = x with y[index] = v (v broadcast to x[index]'s shape): ``x[index] = v`` recorded.

    dy/dx passes gy where nothing was written; dy/dv = gy[index], summed to v's shape. index:
    a raw index in NumPy's form (ints, slices, None, Ellipsis, integer or bool arrays); pre:
    None, or the basic index applied first (``y[pre][index] = v``: PyTorch's order when
    integers meet advanced indices, see ``ops.shape.torch_index``).
    """

    __slots__ = ("index", "pre")
    complex_ok = True  # moves or sums gy only

    def forward(self, x, v, index, pre=None):
        # the index's arrays are copied: a later in-place change to the caller's index or mask
        # must not change this record's gradient
        if isinstance(index, tuple):
            index = tuple(i.copy() if hasattr(i, "copy") and hasattr(i, "dtype") else i
                          for i in index)  # fmt: skip
        elif hasattr(index, "copy") and hasattr(index, "dtype"):
            index = index.copy()
        self.index, self.pre = index, pre
        y = x.copy()
        _assign(y if pre is None else y[pre], index, v)
        return y

    def backward(self, gy):
        from backends import array_module

        from . import ops
        from .ops.shape import GetItem

        index, pre = self.index, self.pre
        gx = gv = None
        if self.parents[0] is not None:
            raw = gy._data if isinstance(gy, Tensor) else gy
            keep = array_module(raw).ones(raw.shape, dtype=bool)
            (keep if pre is None else keep[pre])[index] = False  # a constant mask
            gx = ops.where(keep, gy, 0)
        if self.parents[1] is not None:
            g = GetItem.apply(gy if pre is None else GetItem.apply(gy, pre), index)
            vshape = self.input_meta(1)[0]
            if len(vshape) > len(g.shape):  # v had leading 1-dims the assignment dropped
                g = g.reshape((1,) * (len(vshape) - len(g.shape)) + tuple(g.shape))
            gv = self.reduce_grad(1, g)
        return gx, gv, None, None


class ScatterInto(SetItem):
    """SetItem at the flat positions ``index`` (an int array, ours) whose forward writes into
    ``x`` itself: the flattened memory of a view group's root (autograd/_inplace_views.py), so
    a write through a small view of a large root costs O(view), not a copy of the root. The
    backward needs only the positions (SetItem's)."""

    __slots__ = ()

    def forward(self, x, v, index, pre=None):
        self.index, self.pre = index, None
        x[index] = v
        return x


def _fill(t: Tensor, op: str, value) -> Tensor:
    """``t[...] = value`` recorded (fill_, copy_, random fills); the old value is not read."""
    return _record(t, op, lambda old: SetItem.apply(old, value, (Ellipsis,)), reads_old=False)


def _arr(v, t: Tensor, op: str):
    if isinstance(v, Tensor):
        if type(v._data) is not type(t._data):
            raise RuntimeError(
                "Expected all tensors to be on the same device, but got "
                f"{t.device} and {v.device} (in {op})"
            )
        return v._data
    return v


# in-place ops that are one ufunc with out=self (``//=``, ``%=``, ``&=``, ``|=``, ``^=``)
_BINARY = {
    "floor_divide_": np.floor_divide,
    "remainder_": np.remainder,
    "bitwise_and_": np.bitwise_and,
    "bitwise_or_": np.bitwise_or,
    "bitwise_xor_": np.bitwise_xor,
}


def _recorded(t: Tensor, op: str, args) -> Tensor:
    """The in-place op ``op`` of ``apply`` on a tensor of a recorded graph."""
    from . import ops

    if op in ("add_", "sub_"):
        other, alpha = args
        if alpha != 1:
            other = other * alpha
        f = ops.add if op == "add_" else ops.sub
        return _record(t, op, lambda old: f(old, other), reads_old=False)
    if op in ("mul_", "div_", "pow_", "floor_divide_", "remainder_"):
        f = {"mul_": ops.mul, "div_": ops.div, "pow_": ops.pow,
             "floor_divide_": ops.floor_divide, "remainder_": ops.remainder}[op]  # fmt: skip
        return _record(t, op, lambda old: f(old, args[0]))
    if op in _BINARY:  # bitwise: integer tensors, never on a graph, so only a written value is
        raise TypeError(f"{op}: not defined for a value that requires grad")
    if op == "fill_":
        v = args[0]
        if isinstance(v, Tensor) and v.numel() != 1:
            raise RuntimeError(f"fill_: value must have one element, got shape {v.shape}")
        return _fill(t, op, v.reshape(()) if isinstance(v, Tensor) else v)
    if op == "copy_":
        _check_broadcast(t._data, args[0], op)  # named, before anything is recorded
        return _fill(t, op, args[0])
    if op == "clamp_":
        lo, hi = args
        if lo is None and hi is None:
            raise ValueError("clamp_: at least one of min and max must be given")
        return _record(t, op, lambda old: ops.clamp(old, lo, hi))
    if op in ("uniform_", "normal_"):
        from .random import fill_random

        r = _xp(t._data).empty_like(t._data)
        fill_random(r, op[:-1], args[0], args[1], args[2])
        return _fill(t, op, r)
    raise ValueError(f"unknown in-place op {op}")  # pragma: no cover - internal misuse


def apply(t: Tensor, op: str, *args) -> Tensor:
    """Run in-place op ``op`` on ``t`` after the safety checks; returns ``t``."""
    if _guard(t, op, args):
        return _recorded(t, op, args)
    d = t._data
    if op in ("add_", "sub_"):
        other, alpha = _arr(args[0], t, op), args[1]
        if alpha != 1:
            other = other * alpha
        _check_broadcast(d, other, op)
        _check_cast(d, other, op)
        if op == "add_":
            d += other
        else:
            d -= other
    elif op in ("mul_", "div_", "pow_"):
        other = _arr(args[0], t, op)
        _check_broadcast(d, other, op)
        if op != "div_":
            _check_cast(d, other, op)
        if op == "mul_":
            d *= other
        elif op == "div_":
            if d.dtype.kind not in "fc":
                raise TypeError(f"div_: result of true division can't be stored in dtype {d.dtype}")
            d /= other
        else:
            d **= other
    elif op in _BINARY:
        other = _arr(args[0], t, op)
        _check_broadcast(d, other, op)
        _check_cast(d, other, op)
        if op in ("floor_divide_", "remainder_"):
            from .ops.arithmetic import _int_zero_divisor

            _int_zero_divisor(op, d, other)
        try:
            _BINARY[op](d, other, out=d)
        except TypeError:
            raise TypeError(
                f"{op}: not defined for {d.dtype} and {getattr(other, 'dtype', type(other))}"
            ) from None
    elif op == "fill_":
        v = args[0]
        if isinstance(v, Tensor):
            if v.numel() != 1:
                raise RuntimeError(f"fill_: value must have one element, got shape {v.shape}")
            v = v.item()
        if isinstance(v, complex) and d.dtype.kind != "c":
            raise TypeError(
                f"fill_: a complex value ({v!r}) can't fill a tensor of dtype {d.dtype} (torch: "
                "cannot be converted without overflow)"
            )
        d[...] = v
    elif op == "copy_":
        src = _arr(args[0], t, op)
        if not isinstance(src, type(d)):
            # numpy into cupy (or back): cupy would take a numpy value for a scalar fill
            src = _xp(d).asarray(src.get() if hasattr(src, "get") else src)
        _check_broadcast(d, src, op)
        d[...] = src
    elif op == "clamp_":
        lo, hi = args
        if lo is None and hi is None:
            raise ValueError("clamp_: at least one of min and max must be given")
        lo, hi = _arr(lo, t, op), _arr(hi, t, op)
        for bound in (lo, hi):
            if bound is not None:
                _check_broadcast(d, bound, op)
                _check_cast(d, bound, op)
        _xp(d).clip(d, lo, hi, out=d)
    elif op in ("uniform_", "normal_"):
        from .random import fill_random

        fill_random(d, op[:-1], args[0], args[1], args[2])
    else:  # pragma: no cover - internal misuse
        raise ValueError(f"unknown in-place op {op}")
    _bump(t)
    return t


def _raw_args(v, t: Tensor, op: str):
    """Tensors in ``v`` (also inside tuples and lists) replaced by their arrays, device-checked."""
    if isinstance(v, Tensor):
        return _arr(v, t, op)
    if isinstance(v, (tuple, list)):
        return type(v)(_raw_args(a, t, op) for a in v)
    return v


def apply_op(t: Tensor, op: str, fn, *args, **kwargs) -> Tensor:
    """``t`` overwritten with ``fn(t, *args, **kwargs)`` (``op``'s out-of-place form); returns t.

    ``fn`` (an ``autograd.ops`` function) runs on the raw arrays, so it records nothing and checks
    its arguments as the out-of-place op does. The result must keep ``t``'s shape and be castable
    to its dtype ("same_kind": an integer tensor can't take a float result); nothing is written
    unless every check passes.
    """
    if _guard(t, op, args + tuple(kwargs.values())):
        return _record(t, op, lambda old: fn(old, *args, **kwargs))
    d = t._data
    args = _raw_args(args, t, op)
    kwargs = {k: _raw_args(v, t, op) for k, v in kwargs.items()}
    r = fn(d, *args, **kwargs)
    if isinstance(r, Tensor):  # pragma: no cover - ops return arrays for array inputs
        r = r._data
    rshape = tuple(getattr(r, "shape", ()))
    if rshape != d.shape:
        from .errors import ShapeError

        raise ShapeError(
            f"{op}: the result has shape {rshape}, which can't be written in place into a "
            f"tensor of shape {tuple(d.shape)}"
        )
    rdtype = getattr(r, "dtype", None)
    if rdtype is not None and not np.can_cast(rdtype, d.dtype, "same_kind"):
        raise TypeError(
            f"{op}: the result has dtype {rdtype}, which can't be stored in place in a tensor "
            f"of dtype {d.dtype}"
        )
    d[...] = r
    _bump(t)
    return t


def _check_broadcast(d, other, op):
    shape = getattr(other, "shape", ())
    try:
        b = np.broadcast_shapes(d.shape, shape)
    except ValueError:
        b = None
    if b != d.shape:
        from .errors import ShapeError

        raise ShapeError(
            f"{op}: a value of shape {tuple(shape)} can't be written in place into a tensor of "
            f"shape {tuple(d.shape)}"
        )


def _check_cast(d, other, op):
    """TypeError naming ``op`` when ``d op other`` has a dtype ``d`` can't hold (int += 0.5)."""
    res = np.result_type(d.dtype, getattr(other, "dtype", other))
    if not np.can_cast(res, d.dtype, "same_kind"):
        raise TypeError(
            f"{op}: the result has dtype {res}, which can't be stored in place in a tensor of "
            f"dtype {d.dtype}"
        )


def setitem(t: Tensor, index, value):
    """``t[index] = value`` in place (value: Tensor, array or scalar).

    index: as ``t[index]`` reads it, PyTorch's order included (``ops.shape.torch_index``).
    """
    if _guard(t, "setitem", (value,)):
        return _setitem_recorded(t, index, value)
    from .ops.shape import _is_basic, torch_index

    pre = None
    if not _is_basic(index):
        pre, index, _ = torch_index(index, ndim=t.ndim)
    v = _arr(value, t, "setitem")
    try:
        _assign(t._data if pre is None else t._data[pre], index, v)
    except (ValueError, IndexError) as e:
        raise type(e)(f"setitem: {e} (tensor shape {tuple(t.shape)})") from None
    except TypeError:
        vd = getattr(v, "dtype", None)
        if isinstance(value, complex) or (vd is not None and vd.kind == "c"):
            raise TypeError(
                f"setitem: a complex value ({value!r:.60}) can't be written into a tensor of "
                f"dtype {t.dtype} (torch: cannot be converted without overflow); write its "
                "real part, or make the tensor complex"
            ) from None
        raise
    _bump(t)


def _assign(a, index, v):
    """a[index] = v, where v may carry leading size-1 dims beyond the target's (PyTorch's
    copy_ broadcasting: ``x[0] = tensor([5.])``; NumPy 2 refuses a 1-element array for one
    element)."""
    try:
        a[index] = v
    except ValueError:
        shape = getattr(v, "shape", ())
        k = 0
        while k < len(shape) and shape[k] == 1:
            k += 1
        if not k:
            raise
        a[index] = v.reshape(shape[k:])


def _xp(a):
    from backends import array_module

    return array_module(a)


def _setitem_recorded(t: Tensor, index, value):
    if isinstance(value, (list, tuple)):
        raise TypeError(
            "setitem: can't assign a list of tensors that require grad; stack them into one "
            "tensor first (autograd.stack)"
        )
    from .ops.shape import torch_index

    # SetItem copies the index arrays (a later change to the caller's index can't move the
    # gradient; PyTorch raises at backward instead)
    pre, index, _ = torch_index(index, ndim=t.ndim)
    d = t._data
    if type(d) is not np.ndarray:  # host index arrays go to the device once
        xp = _xp(d)
        conv = lambda i: xp.asarray(i) if type(i) is np.ndarray else i  # noqa: E731
        index = tuple(conv(i) for i in index) if isinstance(index, tuple) else conv(index)
    try:
        _record(t, "setitem", lambda old: SetItem.apply(old, value, index, pre), reads_old=False)
    except (ValueError, IndexError) as e:
        if isinstance(e, RuntimeError):  # ShapeError: already names the op
            raise
        raise type(e)(f"setitem: {e} (tensor shape {tuple(t.shape)})") from None
