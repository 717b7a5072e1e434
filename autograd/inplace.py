"""In-place ops (``add_``, ``mul_``, ``zero_``, ``fill_``, ``+=``, ``x[idx] = v``) and their safety.

The rule that keeps gradients right:

* With recording on, an in-place op on a tensor that requires grad (a leaf parameter or an
  interior result) is refused with a RuntimeError: rewriting history in place is where silently
  wrong gradients come from. Use the out-of-place form, or do it under ``no_grad()`` (as an
  optimiser does).
* Every in-place op bumps the tensor's version counter (shared with its views). A record that
  saved the tensor for backward remembers the version it saw; backward through it after the
  tensor changed raises, naming the op and both versions, as PyTorch does.
"""

from __future__ import annotations

import numpy as np

from .grad_mode import _state
from .tensor import Tensor

__all__ = ["apply", "apply_op", "setitem"]


def _bump(t: Tensor):
    if t._vc is None:
        t._vc = [1]
    else:
        t._vc[0] += 1


def _guard(t: Tensor, op: str, others=()):
    if not _state.grad:
        return
    if t._rg:
        if t._node is None:
            raise RuntimeError(
                f"{op}: a leaf Tensor that requires grad (shape {tuple(t.shape)}) is being used "
                "in an in-place operation; wrap it in `with autograd.no_grad():` (as optimisers "
                "do) or use the out-of-place form"
            )
        raise RuntimeError(
            f"{op}: in-place operations on a tensor that is part of a recorded graph (shape "
            f"{tuple(t.shape)}, made by {type(t._node).__name__}) are not supported; use the "
            "out-of-place form (e.g. x = x + y instead of x += y)"
        )
    for o in others:
        if isinstance(o, Tensor) and o._rg:
            raise RuntimeError(
                f"{op}: the value written in place requires grad, but the tensor written to "
                "does not; in-place writes do not record a graph. Use the out-of-place form."
            )


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


def apply(t: Tensor, op: str, *args) -> Tensor:
    """Run in-place op ``op`` on ``t`` after the safety checks; returns ``t``."""
    _guard(t, op, args)
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
    _guard(t, op, args + tuple(kwargs.values()))
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
    """``t[index] = value`` in place (value: Tensor, array or scalar)."""
    _guard(t, "setitem", (value,))
    if isinstance(index, Tensor):
        index = index._data
    elif isinstance(index, tuple):
        index = tuple(i._data if isinstance(i, Tensor) else i for i in index)
    v = _arr(value, t, "setitem")
    try:
        t._data[index] = v
    except (ValueError, IndexError) as e:
        raise type(e)(f"setitem: {e} (tensor shape {tuple(t.shape)})") from None
    _bump(t)


def _xp(a):
    from backends import array_module

    return array_module(a)
