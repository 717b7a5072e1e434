"""Binary elementwise math with broadcasting, a Python scalar allowed on either side (atan2,
hypot, logaddexp(2), xlogy, fmod, copysign, float_power, lerp, clamp_min, clamp_max), and
nan_to_num and the bool tests isclose / allclose: their Function classes and entry points.

Split out of ``autograd/ops/special.py``, which re-exports every name defined here (its
``__all__`` lists the public ones). Derivatives follow PyTorch's formulas, edge points included,
written with autograd functions so that they differentiate again.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from backends import array_module

from ..amp import _active as _amp_on
from ..amp import _tls as _amp
from ..amp import autocast_call as _autocast
from ..errors import ShapeError
from ..function import Function
from .arithmetic import Pow, _bshape, _int_zero_divisor, _raw, refuse_complex, zero_grad
from .elementwise import Clamp, _f

_LN2 = math.log(2.0)


def _shape(v):
    return tuple(getattr(v, "shape", ()))


# -- binary ops ---------------------------------------------------------------------------------


def _check_float2(name, *args):
    """TypeError unless some array operand is floating point (a float-only op on integers)."""
    dts = [a.dtype for a in args if hasattr(a, "dtype")]
    if dts and all(d.kind not in "fc" for d in dts):
        raise TypeError(
            f"{name}: expected a floating point tensor, got dtype "
            f"{' and '.join(str(d) for d in dts)}"
        )


class _Binary(Function):
    """A broadcasting binary op: dtype check, then ``_fn(x, y)``; ShapeError naming the op."""

    __slots__ = ()
    save_inputs = (0, 1)
    op_name = ""
    float_only = True

    def forward(self, x, y):
        if self.float_only:
            _check_float2(self.op_name, x, y)
        try:
            return self._fn(x, y)
        except ValueError:
            _bshape(self.op_name, x, y)
        except TypeError:
            refuse_complex(self.op_name, x, y)
            raise

    def _grads(self, gx, gw):
        """The pair of gradients (callables of nothing) for the arguments that need one."""
        p0, p1 = self.parents
        return (
            None if p0 is None else self.reduce_grad(0, gx()),
            None if p1 is None else self.reduce_grad(1, gw()),
        )


class Atan2(_Binary):
    """z = atan2(x, y), the angle of the point (y, x); dz/dx = y / (x^2 + y^2),
    dz/dy = -x / (x^2 + y^2), both 0 where x^2 + y^2 is 0 (PyTorch's rule)."""

    __slots__ = ()
    op_name = "atan2"
    _fn = staticmethod(np.arctan2)

    def backward(self, gy):
        x, y = self.saved
        ops = _f()
        d = x * x + y * y
        with np.errstate(divide="ignore"):
            inf = np.isinf(1 / _raw(d))
        recip = ops.where(inf, 0.0, 1 / ops.where(inf, 1.0, d))
        return self._grads(lambda: gy * y * recip, lambda: -gy * x * recip)


class Hypot(_Binary):
    """z = sqrt(x^2 + y^2); dz/dx = x / z, dz/dy = y / z (NaN at the origin, as PyTorch)."""

    __slots__ = ()
    save_output = True
    op_name = "hypot"
    _fn = staticmethod(np.hypot)

    def backward(self, gy):
        x, y, z = self.saved
        with np.errstate(divide="ignore", invalid="ignore"):
            return self._grads(lambda: gy * x / z, lambda: gy * y / z)


def _is_c(v):
    return isinstance(v, complex) or getattr(getattr(v, "dtype", None), "kind", "") == "c"


def _clog1p(z):
    """log(1 + z) for a complex array, accurate for small |z| (NumPy's loses the real part to
    1 + z): re = log1p(u (2 + u) + v^2) / 2 where |z| < 0.5, else log|1 + z|; im = atan2(v, 1 + u)
    (c10's complex log1p)."""
    xp = array_module(z)
    u, v = z.real, z.imag
    im = xp.arctan2(v, u + 1)
    r = u * (u + 2) + v * v
    small = xp.hypot(u, v) < 0.5
    re = xp.where(small, xp.log1p(r) * 0.5, xp.log(xp.hypot(u + 1, v)))
    re = xp.where(small & (r == 0), u, re)  # r underflowed: log1p(z) = z to first order
    return re + im * 1j


def _logaddexp_c(x, y):
    """Complex log(e^x + e^y), PyTorch's ``_log_add_exp_helper``: with m the operand of the
    larger real part (x on ties) and n the other, m + log1p(e^(n - m)), |e^(n - m)| <= 1;
    NaN + NaN j where either is NaN; where both real parts are the same infinity: n for -inf
    (e^z ~ 0, the angle is lost), log(e^n + e^m) for +inf."""
    arr = x if hasattr(x, "dtype") else y
    xp = array_module(arr)
    lt = xp.asarray(x.real < y.real)  # arrays and Python numbers alike
    mn, mx = xp.where(lt, x, y), xp.where(lt, y, x)
    if mn.dtype.kind != "c":  # a real array with a complex Python scalar
        mn = mn.astype(np.result_type(mn.dtype, np.complex64))
        mx = mx.astype(mn.dtype)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = _clog1p(xp.exp(mn - mx)) + mx
        inf = ~xp.isfinite(mn.real) & (mn.real == mx.real)
        if bool(inf.any()):
            both = xp.log(xp.exp(mn) + xp.exp(mx))
            out = xp.where(inf, xp.where(mn.real < 0, mn, both), out)
    nan = xp.isnan(mn) | xp.isnan(mx)
    out = xp.where(nan, xp.asarray(complex(math.nan, math.nan), dtype=out.dtype), out)
    return out.astype(mn.dtype, copy=False)


class LogAddExp(_Binary):
    """z = log(e^x + e^y); dz/dx = sigmoid(x - y), dz/dy = sigmoid(y - x).

    Complex (as PyTorch): computed by ``_logaddexp_c``; holomorphic, so
    gx = gy conj(sigmoid(x - y)) = gy / conj(1 + e^(y - x)) (PyTorch's formula).
    """

    __slots__ = ()
    op_name = "logaddexp"
    complex_ok = True
    _fn = staticmethod(np.logaddexp)
    _scale = 1.0

    def forward(self, x, y):
        if _is_c(x) or _is_c(y):
            _check_float2(self.op_name, x, y)
            try:
                return _logaddexp_c(x, y)
            except ValueError:
                _bshape(self.op_name, x, y)
        return super().forward(x, y)

    def backward(self, gy):
        x, y = self.saved
        ops = _f()
        s = ops.sigmoid
        c = self._scale
        if gy.dtype.kind == "c":
            return self._grads(lambda: gy * ops.conj(s(x - y)), lambda: gy * ops.conj(s(y - x)))
        return self._grads(lambda: gy * s((x - y) * c), lambda: gy * s((y - x) * c))


class LogAddExp2(LogAddExp):
    """z = log2(2^x + 2^y); dz/dx = sigmoid((x - y) ln 2), dz/dy = sigmoid((y - x) ln 2).
    Real only (PyTorch has no complex logaddexp2)."""

    __slots__ = ()
    op_name = "logaddexp2"
    complex_ok = False
    _fn = staticmethod(np.logaddexp2)
    _scale = _LN2

    def forward(self, x, y):
        for v in (x, y):
            if _is_c(v):
                dt = getattr(v, "dtype", "a complex number")
                raise TypeError(f"logaddexp2: not supported for complex tensors (got {dt})")
        return _Binary.forward(self, x, y)


def _xlogy(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        # a Python scalar y stays a Python float, so it never widens x (NumPy 2's rule)
        z = x * (float(np.log(y)) if isinstance(y, numbers.Real) else np.log(y))
    return array_module(z).where((x == 0) & ~np.isnan(y), 0, z)


class Xlogy(_Binary):
    """z = x log y, 0 where x == 0 (unless y is NaN); dz/dy = x / y, and PyTorch's rule for
    x: gx = xlogy(gy, y), except 0 where x == 0 and y <= 0."""

    __slots__ = ()
    op_name = "xlogy"
    _fn = staticmethod(_xlogy)

    def backward(self, gy):
        x, y = self.saved

        def gx():
            ops = _f()
            mask = (_raw(x) == 0) & (_raw(y) <= 0)
            ys = ops.where(mask, 1.0, y)  # a safe y where the result is masked
            return ops.where(mask, 0.0, Xlogy.apply(gy, ys))

        with np.errstate(divide="ignore", invalid="ignore"):
            return self._grads(gx, lambda: gy * x / y)


class Fmod(_Binary):
    """z = x - trunc(x / y) y, the C remainder (sign of x); dz/dx = 1, dz/dy = -trunc(x / y)."""

    __slots__ = ()
    op_name = "fmod"
    float_only = False
    _fn = staticmethod(np.fmod)

    def forward(self, x, y):
        _int_zero_divisor("fmod", x, y)
        return super().forward(x, y)

    def backward(self, gy):
        x, y = self.saved

        def gw():
            # trunc(x / y) is piecewise constant: a constant (from the raw arrays), so higher
            # orders are 0 also where y = 0 or x / y overflows (PyTorch's)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                return -gy * np.trunc(_raw(x) / _raw(y))

        return self._grads(lambda: gy, gw)


class Copysign(_Binary):
    """z = |x| with the sign of y; dz/dx = z / x (0 where x == 0), dz/dy = 0 (PyTorch's)."""

    __slots__ = ()
    save_inputs = (0,)
    save_output = True
    op_name = "copysign"
    _fn = staticmethod(np.copysign)

    def backward(self, gy):
        x, z = self.saved

        def gx():
            ops = _f()
            zero = _raw(x) == 0
            return gy * ops.where(zero, 0.0, z / ops.where(zero, 1.0, x))

        return self._grads(gx, lambda: zero_grad(gy))


class Lerp(Function):
    """z = start + w (end - start), computed as end - (end - start)(1 - w) where |w| >= 0.5
    (PyTorch's formula); dz/dstart = 1 - w, dz/dend = w, dz/dw = end - start.

    Complex (as PyTorch): z is holomorphic in each argument, so each gradient is gy times the
    conjugate of its derivative (a real argument keeps the real part).
    """

    __slots__ = ()
    save_inputs = (0, 1, 2)
    complex_ok = True

    def forward(self, start, end, weight):
        _check_float2("lerp", start, end)
        if hasattr(weight, "dtype") and weight.dtype.kind not in "fc":
            raise TypeError(f"lerp: weight must be floating point, got dtype {weight.dtype}")
        try:
            diff = end - start
            if isinstance(weight, numbers.Number):
                return start + weight * diff if abs(weight) < 0.5 else end - diff * (1 - weight)
            lo, hi = start + weight * diff, end - diff * (1 - weight)
            return array_module(lo).where(abs(weight) < 0.5, lo, hi)
        except ValueError:
            shapes = ", ".join(str(_shape(v)) for v in (start, end, weight))
            raise ShapeError(
                f"lerp: shapes {shapes} (start, end, weight) are not broadcastable"
            ) from None

    def backward(self, gy):
        start, end, w = self.saved
        p = self.parents
        cj = _conj if gy.dtype.kind == "c" else _same
        return (
            None if p[0] is None else self.reduce_grad(0, gy * cj(1 - w)),
            None if p[1] is None else self.reduce_grad(1, gy * cj(w)),
            None if p[2] is None else self.reduce_grad(2, gy * cj(end - start)),
        )


def _conj(v):
    """conj of a Python number, an array or a Tensor (differentiable)."""
    return v.conjugate() if isinstance(v, numbers.Number) else _f().conj(v)


def _same(v):
    return v


class NanToNum(Function):
    """NaN, +inf and -inf replaced by numbers; the gradient passes where x was finite, 0
    elsewhere (PyTorch's rule). Complex: the real and imaginary parts are replaced apart (as
    PyTorch's values), and each part of the gradient passes where that part was finite."""

    __slots__ = ()
    save_inputs = (0,)
    complex_ok = True

    def forward(self, x, nan, posinf, neginf):
        return array_module(x).nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    def backward(self, gy):
        (x,) = self.saved
        xr = _raw(x)
        if xr.dtype.kind == "c":
            ops, xp = _f(), array_module(xr)
            re = ops.real(gy) * xp.isfinite(xr.real)
            return ops.complex(re, ops.imag(gy) * xp.isfinite(xr.imag)), None, None, None
        return gy * np.isfinite(xr), None, None, None


class IsClose(Function):
    """|x - y| <= atol + rtol |y| or x == y (and NaN == NaN with equal_nan); bool, no gradient."""

    __slots__ = ()
    differentiable = False

    def forward(self, x, y, rtol, atol, equal_nan):
        try:
            close = x == y
        except ValueError:
            _bshape("isclose", x, y)
        dt = np.result_type(*(v.dtype if hasattr(v, "dtype") else v for v in (x, y)))
        if dt == np.bool_:
            return close
        if dt.kind not in "fc":  # integers: the tolerance in float64, as PyTorch's float math
            x, y = (v.astype(np.float64) if hasattr(v, "dtype") else float(v) for v in (x, y))
        xp = array_module(close)
        with np.errstate(invalid="ignore"):  # inf - inf, 0 * inf: not close, no warning
            diff = abs(x - y)
            close = close | (xp.isfinite(diff) & (diff <= atol + abs(rtol * y)))
        if equal_nan:
            close = close | (xp.isnan(x) & xp.isnan(y))
        return close


# -- binary entry points ------------------------------------------------------------------------


def atan2(input, other):  # noqa: A002 - PyTorch's names
    """atan2(input, other): the angle of the point (other, input) in (-pi, pi].

    Shapes broadcast; either may be a Python scalar. The gradient is 0 at the origin.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(atan2, input, other)
    return Atan2.apply(input, other)


arctan2 = atan2


def hypot(x, y):
    """sqrt(x^2 + y^2) without overflow; shapes broadcast, either may be a scalar."""
    return Hypot.apply(x, y)


def logaddexp(x, y):
    """log(e^x + e^y) without overflow; shapes broadcast, either may be a scalar."""
    return LogAddExp.apply(x, y)


def logaddexp2(x, y):
    """log2(2^x + 2^y) without overflow; shapes broadcast, either may be a scalar."""
    return LogAddExp2.apply(x, y)


def xlogy(x, y):
    """x * log(y), 0 where x == 0 (unless y is NaN); shapes broadcast, either may be a scalar.

    Gradients as PyTorch: d/dx = log(y), but 0 where x == 0 and y <= 0; d/dy = x / y.
    """
    return Xlogy.apply(x, y)


def fmod(x, y):
    """The C remainder x - trunc(x / y) * y (sign of the dividend x; ``remainder`` takes the
    divisor's). Shapes broadcast; integers allowed (integer division by zero raises on the CPU).
    """
    return Fmod.apply(x, y)


def copysign(x, y):
    """|x| with the sign of y (-0.0 counts as negative); d/dx = +-1 (0 at x = 0), d/dy = 0.
    Shapes broadcast, either may be a scalar."""
    return Copysign.apply(x, y)


def _as_f64(v):
    if isinstance(v, numbers.Number):
        return complex(v) if isinstance(v, complex) else float(v)
    dt = np.complex128 if v.dtype.kind == "c" else np.float64
    return v if v.dtype == dt else _f().cast(v, dt)


def float_power(x, y):
    """x ** y computed in float64 (complex128 for complex inputs), as PyTorch; the gradient
    returns to each input in its own dtype. Shapes broadcast, either may be a scalar."""
    xs, ys = _shape(x), _shape(y)
    if xs != ys and xs and ys:
        _bcast_or_raise("float_power", xs, ys)
    return Pow.apply(_as_f64(x), _as_f64(y))


def lerp(input, end, weight):  # noqa: A002 - PyTorch's name
    """input + weight * (end - input). input, end: broadcastable float or complex shapes;
    weight: a number or a float or complex tensor broadcasting with them."""
    return Lerp.apply(input, end, weight)


def _bcast_or_raise(name, xs, ys):
    try:
        np.broadcast_shapes(xs, ys)
    except ValueError:
        raise ShapeError(f"{name}: shapes {xs} and {ys} are not broadcastable") from None


def clamp_min(x, min):  # noqa: A002 - PyTorch's name
    """max(x, min) elementwise; min: a number or a tensor broadcasting with x. The gradient
    goes to x where x >= min (ties included), to min where x < min (PyTorch's rule)."""
    if min is None:
        raise TypeError("clamp_min: min must be a number or a tensor, got None")
    try:
        return Clamp.apply(x, min, None)
    except ShapeError:
        _bcast_or_raise("clamp_min", _shape(x), _shape(min))
        raise


def clamp_max(x, max):  # noqa: A002 - PyTorch's name
    """min(x, max) elementwise; max: a number or a tensor broadcasting with x. The gradient
    goes to x where x <= max (ties included), to max where x > max (PyTorch's rule)."""
    if max is None:
        raise TypeError("clamp_max: max must be a number or a tensor, got None")
    try:
        return Clamp.apply(x, None, max)
    except ShapeError:
        _bcast_or_raise("clamp_max", _shape(x), _shape(max))
        raise


# -- others -------------------------------------------------------------------------------------


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """x with NaN -> ``nan``, +inf -> ``posinf``, -inf -> ``neginf`` (default: the dtype's
    largest / lowest finite value). Gradient 1 where x is finite, 0 elsewhere. x: any shape;
    complex x: its real and imaginary parts are treated apart."""
    for name, v in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if v is not None and not isinstance(v, numbers.Real):
            raise TypeError(f"nan_to_num: {name} must be a number, got {type(v).__name__}")
    return NanToNum.apply(x, nan, posinf, neginf)


def isclose(x, y, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|x - y| <= atol + rtol * |y| elementwise (equal infinities count as close, NaNs only
    with ``equal_nan``). Shapes broadcast; returns a bool tensor of the broadcast shape."""
    if rtol < 0 or atol < 0:
        raise ValueError(f"isclose: rtol and atol must be >= 0, got rtol={rtol}, atol={atol}")
    return IsClose.apply(x, y, rtol, atol, bool(equal_nan))


def allclose(x, y, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether ``isclose(x, y, ...)`` holds everywhere; a Python bool."""
    try:
        close = isclose(x, y, rtol, atol, equal_nan)
    except (ShapeError, ValueError) as e:
        raise type(e)(str(e).replace("isclose", "allclose", 1)) from None
    return bool(_raw(close).all())
