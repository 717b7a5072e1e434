"""addcmul / addcdiv (input + value * t1 * t2, input + value * t1 / t2; optimisers' updates)
and the queries is_tensor, numel, is_floating_point.

The gradients are PyTorch's, written with autograd functions so that they differentiate again.
"""

from __future__ import annotations

import numbers

from ..amp import _active as _amp_on
from ..amp import _tls as _amp
from ..amp import autocast_call as _autocast
from ..dtypes import COMPLEX
from ..errors import ShapeError
from ..function import Function
from ..tensor import Tensor
from .arithmetic import _raw
from .complex_parts import conj
from .special import _shape

__all__ = ["addcmul", "addcdiv", "is_tensor", "numel", "is_floating_point"]


class _Addc(Function):
    """z = x + (value * t1) op t2 with broadcasting (value: a Python number); subclasses give
    ``_fn`` (the op) and ``_g`` (the gradients of t1 and t2). Complex: z is holomorphic in t1
    and t2, so ``_g`` gets conj(value), conj(t1), conj(t2) (gy * conj(dz/dt))."""

    __slots__ = ()
    save_inputs = (1, 2, 3)
    op_name = ""
    complex_ok = True

    def forward(self, x, t1, t2, value):
        try:
            return x + self._fn(value * t1, t2)  # PyTorch's order: (value t1) op t2
        except ValueError:
            shapes = ", ".join(str(_shape(v)) for v in (x, t1, t2))
            raise ShapeError(
                f"{self.op_name}: shapes {shapes} (input, tensor1, tensor2) are not broadcastable"
            ) from None

    def backward(self, gy):
        t1, t2, value = self.saved
        p = self.parents
        if self.odtype in COMPLEX:
            t1, t2, value = conj(t1), conj(t2), value.conjugate()
        g1, g2 = self._g(gy * value, t1, t2, p[1] is not None, p[2] is not None)
        return (
            None if p[0] is None else self.reduce_grad(0, gy),
            None if g1 is None else self.reduce_grad(1, g1),
            None if g2 is None else self.reduce_grad(2, g2),
            None,
        )


class Addcmul(_Addc):
    """z = x + value t1 t2; dz/dx = 1, dz/dt1 = value t2, dz/dt2 = value t1."""

    __slots__ = ()
    op_name = "addcmul"
    _fn = staticmethod(lambda a, b: a * b)

    @staticmethod
    def _g(gv, t1, t2, n1, n2):
        return (gv * t2 if n1 else None), (gv * t1 if n2 else None)


class Addcdiv(_Addc):
    """z = x + value t1 / t2; dz/dx = 1, dz/dt1 = value / t2, dz/dt2 = -value t1 / t2^2."""

    __slots__ = ()
    op_name = "addcdiv"
    _fn = staticmethod(lambda a, b: a / b)

    @staticmethod
    def _g(gv, t1, t2, n1, n2):
        return (gv / t2 if n1 else None), (-gv * t1 / t2 / t2 if n2 else None)


# -- ternary ------------------------------------------------------------------------------------


def _addc_args(op, input, tensor1, tensor2, value):  # noqa: A002
    """``value`` as a Python number, after the dtype and value checks of addcmul / addcdiv."""
    if isinstance(value, Tensor) or hasattr(value, "shape"):
        raw = _raw(value)
        if raw.size != 1:
            raise ValueError(f"{op}: value must be a number, got a tensor of shape {raw.shape}")
        value = raw.reshape(()).item() if hasattr(raw, "item") else raw
    if not isinstance(value, numbers.Number):
        raise TypeError(
            f"{op}: value must be a real number, got {type(value).__name__} (or a complex number "
            "with complex tensors)"
        )
    for name, v in (("input", input), ("tensor1", tensor1), ("tensor2", tensor2)):
        if not hasattr(v, "shape") or not hasattr(v, "dtype"):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(v).__name__}")
    dts = [v.dtype for v in (input, tensor1, tensor2)]
    if isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real):
        if not any(d in COMPLEX for d in dts):
            raise TypeError(
                f"{op}: a complex value ({value!r}) needs a complex tensor among input, tensor1 "
                f"and tensor2 (got dtypes {', '.join(str(d) for d in dts)})"
            )
        value = complex(value)
    if op == "addcdiv" and dts[1].kind in "iub" and dts[2].kind in "iub":
        raise TypeError(
            "addcdiv: integer division of tensor1 by tensor2 is not supported (got dtypes "
            f"{', '.join(str(d) for d in dts)}); use input + value * (tensor1 // tensor2) or "
            "cast them to a floating point dtype"
        )
    if all(d.kind in "iub" for d in dts):
        if any(d.kind == "b" for d in dts):
            raise TypeError(f"{op}: not defined for bool tensors")
        if not isinstance(value, numbers.Integral):
            raise TypeError(f"{op}: for integer tensors value must be an int, got {value!r}")
    return value


def addcmul(input, tensor1, tensor2, *, value=1):  # noqa: A002 - PyTorch's names
    """input + value * tensor1 * tensor2 elementwise; the three shapes broadcast together.

    value: a number (keyword-only, as PyTorch); an int for integer tensors, possibly complex
    when a tensor is complex. Gradients: 1 to input, value * tensor2 to tensor1, value *
    tensor1 to tensor2 (summed to each shape; conjugated for complex tensors).
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(addcmul, input, tensor1, tensor2, value=value)
    value = _addc_args("addcmul", input, tensor1, tensor2, value)
    return Addcmul.apply(input, tensor1, tensor2, value)


def addcdiv(input, tensor1, tensor2, *, value=1):  # noqa: A002 - PyTorch's names
    """input + value * tensor1 / tensor2 elementwise; the three shapes broadcast together.

    value: a number (keyword-only, as PyTorch), possibly complex when a tensor is complex.
    tensor1 and tensor2 may not both be integer (PyTorch's rule). Gradients: 1 to input,
    value / tensor2 to tensor1, -value * tensor1 / tensor2^2 to tensor2 (summed to each shape;
    conjugated for complex tensors).
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(addcdiv, input, tensor1, tensor2, value=value)
    value = _addc_args("addcdiv", input, tensor1, tensor2, value)
    return Addcdiv.apply(input, tensor1, tensor2, value)


# -- queries ------------------------------------------------------------------------------------


def is_tensor(obj) -> bool:
    """Whether ``obj`` is an autograd Tensor."""
    return isinstance(obj, Tensor)


def _tensor_only(op, t):
    if not (isinstance(t, Tensor) or (hasattr(t, "shape") and hasattr(t, "dtype"))):
        raise TypeError(f"{op}: input must be a Tensor, got {type(t).__name__}")
    return _raw(t)


def numel(input) -> int:  # noqa: A002 - PyTorch's name
    """The number of elements of a Tensor (or array): the product of its shape."""
    return int(_tensor_only("numel", input).size)


def is_floating_point(input) -> bool:  # noqa: A002 - PyTorch's name
    """Whether a Tensor's (or array's) dtype is a floating point type."""
    return _tensor_only("is_floating_point", input).dtype.kind == "f"
