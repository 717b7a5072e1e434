"""Elementwise PyTorch functions that ported code reaches for: fmax / fmin, heaviside, ldexp /
frexp, nextafter, gcd / lcm, isposinf / isneginf / isreal, isin, rsub and addr (torch's
semantics, checked against torch in tests/autograd/test_torch_api_gaps.py).

Each op's forward and backward sit together; ldexp, rsub and addr are written with
differentiable ops, so their gradients follow and differentiate again. The dtype helpers at
the end (``torch_promote``, ``torch_result_type``) are PyTorch's promotion table, which
``ldexp`` and ``autograd.result_type`` use.
"""

from __future__ import annotations

import numbers
from collections import namedtuple

import numpy as np

from ..dtypes import COMPLEX, get_default_dtype
from ..errors import ShapeError
from ..function import Function
from ..tensor import Tensor, _wrap
from ._dims import ndim_of
from .arithmetic import _bshape, _raw, keep_where, zero_grad

__all__ = [
    "fmax", "fmin", "heaviside", "ldexp", "frexp", "nextafter", "gcd", "lcm", "isposinf",
    "isneginf", "isreal", "isin", "rsub", "addr",
]  # fmt: skip

# what frexp returns, like torch.return_types.frexp
FrexpResult = namedtuple("frexp", ["mantissa", "exponent"])


def _xp(*vals):
    """The array module of the first array among ``vals`` (numpy for numbers)."""
    for v in vals:
        a = _raw(v)
        if hasattr(a, "dtype") and type(a) is not np.ndarray and not isinstance(a, np.generic):
            from backends import array_module

            return array_module(a)
    return np


def _broadcastable(op: str, *vals):
    """ShapeError naming ``op`` unless the shapes of ``vals`` (numbers: ()) broadcast."""
    shapes = [tuple(getattr(_raw(v), "shape", ())) for v in vals]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        shown = " and ".join(str(s) for s in shapes)
        raise ShapeError(f"{op}: shapes {shown} are not broadcastable") from None


def _dtype(v):
    """v's dtype, or None for a Python number."""
    return getattr(_raw(v), "dtype", None)


def _tensor_arg(op: str, name: str, v):
    """v's array; TypeError naming ``op`` unless v is a Tensor (or an array)."""
    a = _raw(v)
    if not (hasattr(a, "dtype") and hasattr(a, "shape")) or isinstance(a, np.generic):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(v).__name__}")
    return a


def _operand(op: str, name: str, v):
    """A Tensor, array or real/complex Python number; TypeError otherwise."""
    if isinstance(v, (Tensor, numbers.Number)) or hasattr(v, "dtype"):
        return v
    raise TypeError(f"{op}: {name} must be a Tensor or a number, got {type(v).__name__}")


def _no_complex(op: str, *vals):
    for v in vals:
        if _dtype(v) in COMPLEX or isinstance(v, complex):
            dts = ", ".join(str(_dtype(u) or type(u).__name__) for u in vals)
            raise TypeError(f"{op}: not implemented for complex tensors (got {dts})")


# -- fmax / fmin ---------------------------------------------------------------------------------


class FMax(Function):
    """z = fmax(x, y): the larger of x and y, a NaN losing to a number (NaN only where both are).

    The gradient goes whole to x where x >= y or y is NaN, else to y: PyTorch's rule (a tie
    gives x all of it, unlike ``maximum``'s split).
    """

    __slots__ = ()
    save_inputs = (0, 1)
    _name = "fmax"
    _wins = staticmethod(lambda x, y: x >= y)

    def forward(self, x, y):
        _no_complex(self._name, x, y)
        try:
            return getattr(_xp(x, y), self._name)(x, y)
        except ValueError:
            _bshape(self._name, x, y)

    def backward(self, gy):
        x, y = (_raw(v) for v in self.saved)  # the masks are constants
        take = self._wins(x, y) | _xp(x, y).isnan(y)
        p = self.parents
        return (
            None if p[0] is None else self.reduce_grad(0, keep_where(gy, take)),
            None if p[1] is None else self.reduce_grad(1, keep_where(gy, ~take)),
        )


class FMin(FMax):
    """z = fmin(x, y): the smaller, a NaN losing to a number; the gradient goes to x where
    x <= y or y is NaN, else to y (PyTorch's rule)."""

    __slots__ = ()
    _name = "fmin"
    _wins = staticmethod(lambda x, y: x <= y)


def fmax(input, other):  # noqa: A002 - PyTorch's names
    """Elementwise maximum that ignores NaN: NaN only where both are NaN (``torch.fmax``).

    input, other: broadcastable shapes (other may be a number). Ties and NaN in ``other`` give
    input the whole gradient, else ``other`` gets it. Complex inputs raise TypeError.
    """
    _operand("fmax", "input", input)
    _operand("fmax", "other", other)
    return FMax.apply(input, other)


def fmin(input, other):  # noqa: A002 - PyTorch's names
    """Elementwise minimum that ignores NaN: NaN only where both are NaN (``torch.fmin``).

    input, other: broadcastable shapes (other may be a number). Ties and NaN in ``other`` give
    input the whole gradient, else ``other`` gets it. Complex inputs raise TypeError.
    """
    _operand("fmin", "input", input)
    _operand("fmin", "other", other)
    return FMin.apply(input, other)


# -- heaviside, nextafter ------------------------------------------------------------------------


class Heaviside(Function):
    """z = 0 where x < 0, values where x == 0, 1 where x > 0; piecewise constant, so the gradient
    is zero for both inputs (PyTorch raises at backward instead: its derivative is not
    implemented)."""

    __slots__ = ()

    def forward(self, x, values):
        _no_complex("heaviside", x, values)
        dx, dv = _dtype(x), _dtype(values)
        if dv is not None and dx != dv:
            raise TypeError(
                f"heaviside: input and values must have the same dtype, got {dx} and {dv} "
                "(PyTorch's rule: heaviside is not implemented for tensors with different dtypes)"
            )
        xp = _xp(x, values)
        try:  # PyTorch's: values where x == 0, else x > 0 (so NaN gives 0)
            return xp.where(x == 0, values, x > 0).astype(dx, copy=False)
        except ValueError:
            _bshape("heaviside", x, values)

    def backward(self, gy):
        p = self.parents
        return tuple(None if q is None else self.reduce_grad(i, zero_grad(gy))
                     for i, q in enumerate(p))  # fmt: skip


def heaviside(input, values):  # noqa: A002 - PyTorch's names
    """The Heaviside step: 0 where input < 0 (and NaN), ``values`` where input == 0, 1 where
    input > 0.

    input: any shape; values: broadcastable with it, of the same dtype (or a number). Zero
    gradient (torch refuses to differentiate it). Complex inputs raise TypeError.
    """
    _tensor_arg("heaviside", "input", input)
    _operand("heaviside", "values", values)
    return Heaviside.apply(input, values)


class NextAfter(Function):
    """z = the next floating point value after x towards y. PyTorch's gradient: gy to x, zero
    to y."""

    __slots__ = ()

    def forward(self, x, y):
        for name, v in (("input", x), ("other", y)):
            dt = _dtype(v)
            if (dt is not None and dt.kind == "c") or (dt is None and isinstance(v, complex)):
                raise TypeError(f"nextafter: {name} must be a real tensor, got {dt or v!r}")
        rt = torch_result_type(x, y)  # an int or bool operand promotes to float, as torch
        if rt.kind != "f":
            raise TypeError(
                f"nextafter: needs a floating point operand, got {_dtype(x)} and "
                f"{_dtype(y) or type(y).__name__}"
            )
        xp = _xp(x, y)
        x, y = (xp.asarray(v).astype(rt, copy=False) for v in (x, y))
        try:
            return xp.nextafter(x, y)
        except ValueError:
            _bshape("nextafter", x, y)

    def backward(self, gy):
        p = self.parents
        return (
            None if p[0] is None else self.reduce_grad(0, gy),
            None if p[1] is None else self.reduce_grad(1, zero_grad(gy)),
        )


def nextafter(input, other):  # noqa: A002 - PyTorch's names
    """The next representable floating point value after input towards other, elementwise.

    input, other: real tensors (or a number for other) of broadcastable shapes, at least one
    floating point; the result has their promoted dtype (PyTorch's). Gradient: 1 to input, 0
    to other (PyTorch's).
    """
    _tensor_arg("nextafter", "input", input)
    _operand("nextafter", "other", other)
    return NextAfter.apply(input, other)


# -- ldexp / frexp -------------------------------------------------------------------------------


def ldexp(input, other):  # noqa: A002 - PyTorch's names
    """input * 2 ** other elementwise, with broadcasting.

    The result dtype is PyTorch's: the promoted dtype of input and other, or the default float
    dtype when both are integers. Differentiable in both: d/d input = 2^other, d/d other =
    ln 2 * input * 2^other.
    """
    a = _tensor_arg("ldexp", "input", input)
    _operand("ldexp", "other", other)
    from . import cast, mul, pow

    _broadcastable("ldexp", input, other)
    dt = torch_result_type(input, other)
    if dt.kind not in "fc":
        dt = np.dtype(get_default_dtype())
    x = input if a.dtype == dt else cast(input, dt)
    e = other
    if isinstance(other, numbers.Number):
        e = float(other)
    elif _dtype(other) != dt:
        e = cast(other, dt)
    return mul(x, pow(2.0, e))


class Frexp(Function):
    """m = the mantissa of x (x = m * 2^e, 0.5 <= |m| < 1); dm/dx = 2^-e, a constant."""

    __slots__ = ()
    save_private = True

    def forward(self, x):
        xp = _xp(x)
        m, e = xp.frexp(x)
        self._private = (xp.ldexp(xp.ones((), dtype=x.dtype), -e).astype(x.dtype),)
        return m

    def backward(self, gy):
        (scale,) = self.saved
        return gy * scale


def frexp(input):  # noqa: A002 - PyTorch's name
    """Split a float tensor into mantissa and exponent: input = mantissa * 2 ** exponent.

    Returns the named tuple ``(mantissa, exponent)``: mantissa of input's shape and dtype with
    0.5 <= |mantissa| < 1 (0 for 0), exponent int32. The mantissa's gradient is 2^-exponent.
    """
    a = _tensor_arg("frexp", "input", input)
    if a.dtype.kind != "f":
        raise TypeError(f"frexp: only supports floating point dtypes, got {a.dtype}")
    xp = _xp(a)
    e = xp.asarray(xp.frexp(a)[1]).astype(np.int32)  # a 0-d array for 0-d input, not a scalar
    m = Frexp.apply(input)
    if isinstance(input, Tensor):
        return FrexpResult(m, _wrap(e, None, False))
    return FrexpResult(m, e)


# -- integer and query ops (no gradient) ---------------------------------------------------------


class _NoGrad(Function):
    """z = fn(*args) with no gradient: integer results and bool queries."""

    __slots__ = ()
    differentiable = False

    def forward(self, fn, *args):
        return fn(*args)


def _gcd_lcm(op, input, other):
    for name, v in (("input", input), ("other", other)):
        _operand(op, name, v)
        dt = _dtype(v)
        bad = (dt is not None and dt.kind not in "iu") or (
            dt is None and not isinstance(v, numbers.Integral)
        )
        if dt is not None and dt.kind == "b":
            continue  # a bool tensor promotes to the other's integer dtype, as torch
        if bad or isinstance(v, bool):
            raise TypeError(f"{op}: only integer tensors are supported, {name} has {dt or v!r}")
    if all(_dtype(v) is not None and _dtype(v).kind == "b" for v in (input, other)):
        raise TypeError(f"{op}: not implemented for two bool tensors (torch neither)")

    def fn(x, y):
        try:
            return getattr(_xp(x, y), op)(x, y)
        except ValueError:
            _bshape(op, x, y)

    return _NoGrad.apply(fn, input, other)


def gcd(input, other):  # noqa: A002 - PyTorch's names
    """Greatest common divisor of integer tensors elementwise (non-negative; gcd(0, 0) = 0).

    input, other: integer tensors (or an int; one may be a bool tensor) of broadcastable shapes;
    no gradient.
    """
    return _gcd_lcm("gcd", input, other)


def lcm(input, other):  # noqa: A002 - PyTorch's names
    """Least common multiple of integer tensors elementwise (non-negative; 0 if either is 0).

    input, other: integer tensors (or an int; one may be a bool tensor) of broadcastable shapes;
    no gradient.
    """
    return _gcd_lcm("lcm", input, other)


def _inf_query(op, input, positive):
    a = _tensor_arg(op, "input", input)
    if a.dtype in COMPLEX:
        raise TypeError(f"{op}: does not support complex inputs (got {a.dtype})")

    def fn(x):
        xp = _xp(x)
        if x.dtype.kind not in "fc":
            return xp.zeros(x.shape, dtype=bool)
        return xp.isinf(x) & ((x > 0) if positive else (x < 0))

    return _NoGrad.apply(fn, input)


def isposinf(input):  # noqa: A002 - PyTorch's name
    """Whether each element is +inf: a bool tensor of input's shape (real dtypes only)."""
    return _inf_query("isposinf", input, True)


def isneginf(input):  # noqa: A002 - PyTorch's name
    """Whether each element is -inf: a bool tensor of input's shape (real dtypes only)."""
    return _inf_query("isneginf", input, False)


def isreal(input):  # noqa: A002 - PyTorch's name
    """Whether each element has a zero imaginary part: a bool tensor of input's shape (all True
    for real dtypes)."""
    _tensor_arg("isreal", "input", input)

    def fn(x):
        xp = _xp(x)
        return (x.imag == 0) if x.dtype in COMPLEX else xp.ones(x.shape, dtype=bool)

    return _NoGrad.apply(fn, input)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each of ``elements`` occurs in ``test_elements``: a bool tensor of elements'
    shape (0-d for a number). Either may be a number, not both; test_elements of any shape.
    ``invert=True`` gives the negation; ``assume_unique`` lets the search assume both unique.
    """
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        if not (hasattr(elements, "dtype") or hasattr(test_elements, "dtype")):
            raise TypeError(
                "isin: elements or test_elements must be a Tensor, got "
                f"{type(elements).__name__} and {type(test_elements).__name__}"
            )
    _operand("isin", "elements", elements)
    _operand("isin", "test_elements", test_elements)

    def fn(e, t):
        xp = _xp(e, t)
        e, t = xp.asarray(e), xp.asarray(t)
        return xp.isin(e, t, assume_unique=bool(assume_unique), invert=bool(invert))

    return _NoGrad.apply(fn, elements, test_elements)


# -- rsub, addr ----------------------------------------------------------------------------------


def rsub(input, other, *, alpha=1):  # noqa: A002 - PyTorch's names
    """other - alpha * input (``torch.rsub``: subtraction with the operands swapped).

    input: a Tensor; other: a Tensor or number of a broadcastable shape; alpha: a number.
    Gradients: -alpha to input, 1 to other.
    """
    _tensor_arg("rsub", "input", input)
    _operand("rsub", "other", other)
    from . import mul, sub

    if any(_dtype(v) == np.bool_ for v in (input, other)):
        raise RuntimeError(
            "rsub: subtraction, the `-` operator, with a bool tensor is not supported; use the "
            "`^` or logical_xor() operator (or `~` / logical_not() to invert a mask) instead"
        )
    _broadcastable("rsub", input, other)

    return sub(other, input if alpha == 1 else mul(input, alpha))


def addr(input, vec1, vec2, *, beta=1, alpha=1):  # noqa: A002 - PyTorch's names
    """beta * input + alpha * outer(vec1, vec2).

    vec1 (n,), vec2 (m,): 1-D; input broadcasts to (n, m). Returns (n, m). beta = 0 ignores
    input's values (NaN included) and gives it a zero gradient, as PyTorch.
    """
    from .linalg import _scaled_sum, outer

    for name, v in (("vec1", vec1), ("vec2", vec2)):
        n = ndim_of(_tensor_arg("addr", name, v))
        if n != 1:
            raise ShapeError(f"addr: expected 1-D argument {name}, but got {n}-D (shape {v.shape})")
    _tensor_arg("addr", "input", input)
    return _scaled_sum("addr", input, outer(vec1, vec2), beta, alpha)


# -- PyTorch's dtype promotion -------------------------------------------------------------------

_BOOL = np.dtype(np.bool_)


def _category(dt) -> int:
    return {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}[dt.kind]


def torch_promote(a, b):
    """PyTorch's ``promote_types`` on numpy dtypes (None: the other one).

    Same category: the wider (uint8 with int8 -> int16). Else the higher category, keeping a
    float's precision when it meets a complex (float64 with complex64 -> complex128); an
    integer with a float gives that float (int64 with float16 -> float16, not NumPy's float64).
    """
    if a is None or b is None:
        return b if a is None else a
    a, b = np.dtype(a), np.dtype(b)
    ca, cb = _category(a), _category(b)
    if ca == cb:
        return np.promote_types(a, b)
    if ca < cb:
        a, b, ca, cb = b, a, cb, ca
    if ca == 3 and cb == 2:  # complex with a float: the float's precision survives
        return np.promote_types(a, np.result_type(b, np.complex64))
    return a


def _scalar_dtype(v):
    """The dtype PyTorch gives a Python number among tensors (float: the default dtype)."""
    if isinstance(v, bool):
        return _BOOL
    if isinstance(v, numbers.Integral):
        return np.dtype(np.int64)
    default = np.dtype(get_default_dtype())
    if isinstance(v, numbers.Real):
        return default
    return np.dtype(np.complex128 if default == np.float64 else np.complex64)


def torch_result_type(*operands):
    """PyTorch's result dtype of an op on ``operands`` (Tensors, arrays, Python numbers).

    Operands with dims decide within a category; 0-d tensors and then Python numbers count
    only when they are of a higher category (bool < integer < float < complex), then giving
    that category's dtype (a Python float: the default float dtype).
    """
    dim = zero = wrapped = None
    for v in operands:
        a = _raw(v)
        if hasattr(a, "dtype") and not isinstance(a, np.generic):
            if a.ndim:
                dim = torch_promote(dim, a.dtype)
            else:
                zero = torch_promote(zero, a.dtype)
        elif isinstance(v, (numbers.Number, np.generic)):
            dt = _scalar_dtype(v.item() if isinstance(v, np.generic) else v)
            wrapped = torch_promote(wrapped, dt)
        else:
            raise TypeError(f"result_type: expected Tensors or numbers, got {type(v).__name__}")
    return _combine(dim, _combine(zero, wrapped))


def _combine(higher, lower):
    """c10's combine_categories: ``lower`` counts only where it is of a higher category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.kind == "c":
        return higher
    if lower.kind == "c":
        return torch_promote(higher, np.dtype(np.complex64)) if higher.kind == "f" else lower
    if higher.kind == "f":
        return higher
    if higher.kind == "b" or lower.kind == "f":
        return torch_promote(higher, lower)
    return higher
