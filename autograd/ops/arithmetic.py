"""Arithmetic with broadcasting: add, sub, mul, div, neg, pow, floor-div, mod, matmul.

Each op's forward and backward sit together. Backward rules use operators and ``autograd``
functions only, so they run on raw arrays (first order) and on tensors (higher order) alike.
Python scalars are constants: they are never wrapped, and get no gradient.
"""

from __future__ import annotations

import cmath
import math
import numbers

import numpy as np

from backends import kernels

from ..dtypes import COMPLEX
from ..errors import ShapeError
from ..function import Function

__all__ = [
    "Add", "Sub", "Mul", "Div", "Neg", "Pow", "FloorDivide", "Remainder", "Matmul",
    "AddConst", "MulConst", "RSubConst", "PowConst",
]  # fmt: skip


def _bshape(op, x, y):
    """Raise ShapeError naming ``op`` when x and y do not broadcast."""
    xs, ys = (tuple(getattr(v, "shape", None) or np.shape(v)) for v in (x, y))
    try:
        np.broadcast_shapes(xs, ys)
    except ValueError:
        raise ShapeError(
            f"{op}: shapes {tuple(xs)} and {tuple(ys)} are not broadcastable"
        ) from None
    raise ShapeError(f"{op}: shapes {tuple(xs)} and {tuple(ys)} could not be combined")


class Add(Function):
    """z = x + y."""

    __slots__ = ()
    complex_ok = True

    def forward(self, x, y):
        try:
            return x + y
        except ValueError:
            _bshape("add", x, y)

    def backward(self, gy):
        p0, p1 = self.parents
        return (
            None if p0 is None else self.reduce_grad(0, gy),
            None if p1 is None else self.reduce_grad(1, gy),
        )


class Sub(Function):
    """z = x - y."""

    __slots__ = ()
    complex_ok = True

    def forward(self, x, y):
        try:
            return x - y
        except ValueError:
            _bshape("sub", x, y)

    def backward(self, gy):
        p0, p1 = self.parents
        return (
            None if p0 is None else self.reduce_grad(0, gy),
            None if p1 is None else self.reduce_grad(1, -gy),
        )


class Mul(Function):
    """z = x * y; dz/dx = y, dz/dy = x (complex: gy * conj(y), gy * conj(x))."""

    __slots__ = ()
    link_saved = False
    complex_ok = True
    save_inputs = (0, 1)

    def forward(self, x, y):
        try:
            return x * y
        except ValueError:
            _bshape("mul", x, y)

    def backward(self, gy):
        x, y = self.saved
        p0, p1 = self.parents
        if self.odtype in COMPLEX:
            x, y = _conj(x), _conj(y)
        return (
            None if p0 is None else self.reduce_grad(0, gy * y),
            None if p1 is None else self.reduce_grad(1, gy * x),
        )


class Div(Function):
    """z = x / y; dz/dx = 1/y, dz/dy = -x/y^2 (complex: conjugated)."""

    __slots__ = ()
    link_saved = False
    complex_ok = True
    save_inputs = (0, 1)

    def forward(self, x, y):
        try:
            return x / y
        except ValueError:
            _bshape("div", x, y)

    def backward(self, gy):
        x, y = self.saved
        p0, p1 = self.parents
        if self.odtype in COMPLEX:
            x, y = _conj(x), _conj(y)
        gx = None if p0 is None else self.reduce_grad(0, gy / y)
        gw = None if p1 is None else self.reduce_grad(1, -gy * x / y / y)  # y*y can underflow
        return gx, gw


class AddConst(Function):
    """z = x + c for a Python scalar c (Tensor operators' fast path); dz/dx = 1."""

    __slots__ = ()
    complex_ok = True

    def forward(self, x, c):
        return x + c

    def backward(self, gy):
        return gy


class MulConst(Function):
    """z = x * c for a Python scalar c (Tensor operators' fast path); dz/dx = c."""

    __slots__ = ("c",)
    complex_ok = True  # c is a real Python scalar (complex ones take Mul)

    def forward(self, x, c):
        self.c = c
        return x * c

    def backward(self, gy):
        return gy * self.c


class RSubConst(Function):
    """z = c - x for a Python scalar c; dz/dx = -1."""

    __slots__ = ()
    complex_ok = True

    def forward(self, x, c):
        return c - x

    def backward(self, gy):
        return -gy


class Neg(Function):
    """z = -x."""

    __slots__ = ()
    complex_ok = True

    def forward(self, x):
        if x.dtype == np.bool_:
            raise TypeError("neg: negation of a bool tensor is not supported; use ~x")
        return -x

    def backward(self, gy):
        return -gy


def _log_of(v, dtype):
    """log of pow's base, a constant or a tensor/array (pow's exponent gradient): -inf at 0,
    NaN below; an integer base is cast to the output's float ``dtype`` first."""
    if isinstance(v, numbers.Number):
        return math.log(v) if v > 0 else (-math.inf if v == 0 else math.nan)
    from . import log

    if v.dtype.kind not in "fc":
        v = v.astype(dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        return log(v)


class Pow(Function):
    """z = x ** y (either may be a constant); dz/dx = y x^(y-1), dz/dy = z log x.

    As in PyTorch, dz/dx is 0 at x = y = 0 (not 0 * 0^-1 = NaN), and dz/dy is 0 where x == 0
    and y >= 0 (not z * log 0 = 0 * -inf): one zero in a base leaves the other gradients finite.
    Unlike PyTorch's, the first mask covers only x = 0, so at y = 0 and x != 0 the second
    derivative d2z/dxdy = 1/x survives; and where a mask applies the second derivatives are 0
    (PyTorch's can be NaN there).
    """

    __slots__ = ()
    save_inputs = (0, 1)
    save_output = True
    link_saved = False
    complex_ok = True

    def forward(self, x, y):
        try:
            return x**y
        except ValueError as e:
            if "Integers to negative integer powers" in str(e):
                raise ValueError(
                    "pow: integer tensors can't be raised to negative integer powers; "
                    "cast to float first"
                ) from None
            _bshape("pow", x, y)

    def backward(self, gy):
        x, y, z = self.saved
        p0, p1 = self.parents
        if self.odtype in COMPLEX:
            return self._complex_backward(gy, x, y, z)
        gx = gw = None
        if p0 is not None:
            if isinstance(y, numbers.Number):
                gx = gy * 0 if y == 0 else gy * (y * x ** (y - 1))
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    gx = gy * y * x ** (y - 1)
                # 0 * 0^-1 at x = y = 0; masked there only, so d(gx)/dy stays x^-1 elsewhere
                gx = _where()((_raw(y) == 0) & (_raw(x) == 0), 0, gx)
            gx = self.reduce_grad(0, gx)
        if p1 is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                gw = gy * z * _log_of(x, z.dtype)
            if isinstance(x, numbers.Number):
                if x == 0:
                    gw = _where()(_raw(y) >= 0, 0, gw)
            else:
                gw = _where()((_raw(x) == 0) & (_raw(y) >= 0), 0, gw)
            gw = self.reduce_grad(1, gw)
        return gx, gw

    def _complex_backward(self, gy, x, y, z):
        """Holomorphic in both: gx = gy conj(y x^(y-1)), gy_w = gy conj(z log x); 0 at x = y =
        0 and, for the exponent, where x = 0 (z = 0 there for re(y) > 0)."""
        p0, p1 = self.parents
        gx = gw = None
        if p0 is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                d = y * x ** (y - 1)
            if not isinstance(y, numbers.Number) or y == 0:
                d = _where()((_raw(y) == 0) & (_raw(x) == 0), 0, d)
            gx = self.reduce_grad(0, gy * _conj(d))
        if p1 is not None:
            if isinstance(x, numbers.Number):  # a real base < 0 has a complex log
                lx = cmath.log(x) if x != 0 else 0.0  # z = 0 there: masked below
                d = z * lx if x != 0 else z * 0
            else:
                if _raw(x).dtype not in COMPLEX:
                    from . import cast

                    x = cast(x, z.dtype)
                with np.errstate(divide="ignore", invalid="ignore"):
                    d = z * _log_of(x, z.dtype)
                d = _where()(_raw(x) == 0, 0, d)
            gw = self.reduce_grad(1, gy * _conj(d))
        return gx, gw


def _conj(v):
    """conj(v) for a complex array or Tensor; v itself when it is real or a real number."""
    if isinstance(v, numbers.Number):
        return v.conjugate()
    from . import conj

    return conj(v)


class PowConst(Pow):
    """z = x ** c for a Python number c; dz/dx = c x^(c-1) (0 for c = 0, as PyTorch).

    Saves only x, as PyTorch's pow(Tensor, Scalar) does: an in-place change of z afterwards
    (``h = x ** 2; h.relu_()``) leaves this record valid.
    """

    __slots__ = ("c",)
    save_inputs = (0,)
    save_output = False

    def backward(self, gy):
        (x,) = self.saved
        c = self.c
        if c == 0:
            return zero_grad(gy), None
        if self.odtype in COMPLEX:
            return gy * _conj(x * 2 if c == 2 else c * x ** (c - 1)), None
        if c == 2:
            return gy * (x * 2), None
        return gy * (c * x ** (c - 1)), None

    def forward(self, x, c):
        self.c = c
        return Pow.forward(self, x, c)


def _where():
    from . import where

    return where


def _int_zero_divisor(op, x, y):
    """ZeroDivisionError for an integer division by zero on the CPU, as PyTorch raises (NumPy
    would warn and give 0). On cuda the check would cost a sync, so CuPy's 0 stands."""
    xk = x.dtype.kind if hasattr(x, "dtype") else "i" if isinstance(x, int) else "f"
    if xk not in "iub":
        return
    if type(y) is np.ndarray:
        if y.dtype.kind in "iub" and not y.all():
            raise ZeroDivisionError(f"{op}: integer division by zero")
    elif isinstance(y, (int, np.integer)) and y == 0 and type(x) is np.ndarray:
        raise ZeroDivisionError(f"{op}: integer division by zero")


def refuse_complex(name, *args):
    """TypeError naming ``name`` when an operand is complex (an op torch does not define for
    complex: floor_divide, remainder, fmod, atan2); called after NumPy refused the operands,
    so the per-op path pays nothing."""
    if any(getattr(a, "dtype", None) is not None and a.dtype.kind == "c" or isinstance(a, complex)
           for a in args):  # fmt: skip
        dts = " and ".join(str(getattr(a, "dtype", type(a).__name__)) for a in args)
        raise TypeError(f"{name}: not supported for complex tensors (got {dts})")


class FloorDivide(Function):
    """z = floor(x / y): piecewise constant, so the gradient is zero (as in PyTorch)."""

    __slots__ = ()

    def forward(self, x, y):
        _int_zero_divisor("floor_divide", x, y)
        try:
            return x // y
        except ValueError:
            _bshape("floor_divide", x, y)
        except TypeError:
            refuse_complex("floor_divide", x, y)
            raise

    def backward(self, gy):
        p0, p1 = self.parents
        return (
            None if p0 is None else self.reduce_grad(0, zero_grad(gy)),
            None if p1 is None else self.reduce_grad(1, zero_grad(gy)),
        )


class Remainder(Function):
    """z = x - floor(x / y) * y (Python's sign convention); dz/dx = 1, dz/dy = -floor(x / y)."""

    __slots__ = ()
    save_inputs = (0, 1)

    def forward(self, x, y):
        _int_zero_divisor("remainder", x, y)
        try:
            return x % y
        except ValueError:
            _bshape("remainder", x, y)
        except TypeError:
            refuse_complex("remainder", x, y)
            raise

    def backward(self, gy):
        x, y = self.saved
        p0, p1 = self.parents
        gx = None if p0 is None else self.reduce_grad(0, gy)
        gw = None
        if p1 is not None:
            q = _raw(x) // _raw(y)  # piecewise-constant factor: a constant for higher orders
            gw = self.reduce_grad(1, -gy * q)
        return gx, gw


def _raw(v):
    from ..tensor import Tensor

    return v._data if isinstance(v, Tensor) else v


_INT_OF_SIZE = {2: np.int16, 4: np.int32, 8: np.int64}


def keep_where(gy, mask):
    """gy where ``mask``, else exactly 0: also where gy is inf or NaN, as PyTorch's backward
    selects there (``gy * mask`` would give NaN, e.g. an inf from sqrt at 0 behind a ReLU).

    gy: float array or Tensor; mask: bool array (or Tensor) broadcastable with it. On arrays the
    select is a bitwise AND with an all-ones/all-zeros word: branch-free, as fast as a product
    (a masked copy is ~15x slower on a random mask). Returns the broadcast shape.
    """
    from ..tensor import Tensor

    if isinstance(gy, Tensor) or isinstance(mask, Tensor):
        from . import where

        return where(_raw(mask), gy, 0.0)
    it = _INT_OF_SIZE.get(gy.dtype.itemsize) if gy.dtype.kind == "f" else None
    if it is None:
        return gy * mask
    return (gy.view(it) & -mask.astype(it)).view(gy.dtype)


def drop_where(gy, mask):
    """0 where ``mask``, else gy (exactly 0, also where gy is inf or NaN): ``keep_where`` for
    the complement, without computing it (relu's torch rule ``result <= 0`` keeps gy at a NaN
    input, which ``result > 0`` would drop). Same arguments and cost as ``keep_where``."""
    from ..tensor import Tensor

    if isinstance(gy, Tensor) or isinstance(mask, Tensor):
        from . import where

        return where(_raw(mask), 0.0, gy)
    it = _INT_OF_SIZE.get(gy.dtype.itemsize) if gy.dtype.kind == "f" else None
    if it is None:
        return gy * ~mask
    m = mask.astype(it)
    m -= 1  # True -> 0, False -> -1 (all ones)
    return (gy.view(it) & m).view(gy.dtype)


def zero_grad(gy):
    """Zeros of gy's shape, dtype and device: the gradient of a piecewise-constant op (PyTorch's
    ``zeros_like(grad)``; ``gy * 0`` would turn an inf or NaN gy into NaN)."""
    from ..tensor import Tensor

    if isinstance(gy, Tensor):
        from ..factory import zeros_like

        return zeros_like(gy)
    if type(gy) is np.ndarray:
        return np.zeros_like(gy)
    from backends import array_module

    return array_module(gy).zeros_like(gy)


def _matmul_shapes(xs, ys):
    """Check ``xs @ ys`` and raise ShapeError naming both shapes (PyTorch's message shape)."""
    if len(xs) == 0 or len(ys) == 0:
        raise ShapeError(
            f"matmul: both arguments need at least 1 dimension, got {tuple(xs)} @ {tuple(ys)}"
        )
    k1 = xs[-1]
    k2 = ys[0] if len(ys) == 1 else ys[-2]
    if k1 != k2:
        raise ShapeError(
            f"matmul: {tuple(xs)} @ {tuple(ys)}: inner dimensions {k1} and {k2} differ"
        )
    try:
        np.broadcast_shapes(xs[:-2], ys[:-2])
    except ValueError:
        raise ShapeError(
            f"matmul: {tuple(xs)} @ {tuple(ys)}: batch dimensions {tuple(xs[:-2])} and "
            f"{tuple(ys[:-2])} are not broadcastable"
        ) from None


class Matmul(Function):
    """z = x @ y: 1-D, 2-D, batched, broadcast batch dims (numpy.matmul semantics).

    x: (..., n, k) or (k,); y: (..., k, m) or (k,). dz/dx = gy @ y^T, dz/dy = x^T @ gy,
    with broadcast batch dims summed back and 1-D operands promoted then squeezed.
    """

    __slots__ = ()
    link_saved = False
    complex_ok = True
    save_inputs = (0, 1)

    def forward(self, x, y):
        if (
            x.ndim == 0
            or y.ndim == 0
            or x.shape[-1] != (y.shape[0] if y.ndim == 1 else y.shape[-2])
        ):
            _matmul_shapes(x.shape, y.shape)
        try:
            return kernels(x).matmul(x, y)
        except ValueError:
            _matmul_shapes(x.shape, y.shape)
            raise

    def backward(self, gy):
        x, y = self.saved
        p0, p1 = self.parents
        if self.odtype in COMPLEX:  # gx = gy @ y^H, gw = x^H @ gy
            x, y = _conj(x), _conj(y)
        xs, ys = x.shape, y.shape
        if len(xs) == 1 and len(ys) == 1:  # dot product: gy is 0-d
            gx = None if p0 is None else self.reduce_grad(0, gy * y)
            gw = None if p1 is None else self.reduce_grad(1, gy * x)
            return gx, gw
        if len(xs) == 1:  # (k,) @ (..., k, m) -> (..., m)
            x = x.reshape((1,) + tuple(xs))
            gy = gy.reshape(tuple(gy.shape[:-1]) + (1, gy.shape[-1]))
        elif len(ys) == 1:  # (..., n, k) @ (k,) -> (..., n)
            y = y.reshape(tuple(ys) + (1,))
            gy = gy.reshape(tuple(gy.shape) + (1,))
        gx = gw = None
        if p0 is not None:
            gx = Matmul.apply(gy, y.swapaxes(-1, -2))
            if len(xs) == 1:
                gx = gx.reshape(tuple(gx.shape[:-2]) + (gx.shape[-1],))
            gx = self.reduce_grad(0, gx)
        if p1 is not None and len(ys) == 2 and len(xs) > 2:
            # (..., n, k) @ (k, m): sum over the batch of x^T gy is one GEMM over all rows
            rows = math.prod(xs[:-1])
            gw = Matmul.apply(x.reshape(rows, xs[-1]).swapaxes(0, 1), gy.reshape(rows, ys[1]))
            gw = self.reduce_grad(1, gw)
        elif p1 is not None:
            gw = Matmul.apply(x.swapaxes(-1, -2), gy)
            if len(ys) == 1:
                gw = gw.reshape(tuple(gw.shape[:-1]))
            gw = self.reduce_grad(1, gw)
        return gx, gw
