"""Elementwise math beyond the unary table's core, with PyTorch's semantics and gradients.

* trig and hyperbolic: rows of the unary table in elementwise.py (sinh ... atan, log10, exp2);
* special functions: erfc, erfinv, lgamma, digamma, polygamma, sinc, logit;
* binary math with broadcasting, a Python scalar allowed on either side: atan2, hypot,
  logaddexp(2), xlogy, fmod, copysign, float_power, lerp, clamp_min, clamp_max;
* nan_to_num, the bool tests isclose / allclose, signbit.

addcmul / addcdiv and the queries is_tensor, numel, is_floating_point are in pointwise.py.

Every derivative is PyTorch's formula, its values at edge points included (sinc'(0) = 0,
atan2's gradient 0 at the origin, xlogy's at x = 0, ...), written with autograd functions so
that it differentiates again. Where a derivative is masked, the masked branch is computed from
a safe value so that higher orders stay finite. The special functions come from
``scipy.special`` on the CPU and ``cupyx.scipy.special`` on cuda when importable, otherwise from
the NumPy fallbacks in _special_fallback.py (on the host).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from backends import array_module

from ..amp import AUTOCAST_OPS as _amp_ops
from ..amp import _active as _amp_on
from ..amp import _tls as _amp
from ..amp import autocast_call as _autocast
from ..errors import ShapeError
from ..function import Function
from ._special_fallback import FALLBACK as _FALLBACK
from .arithmetic import Pow, _bshape, _int_zero_divisor, _raw, zero_grad
from .elementwise import UNARY, Clamp, Compare, _check_float, _f, _unary

__all__ = [
    # unary
    "sinh", "cosh", "asinh", "acosh", "atanh", "asin", "acos", "atan",
    "arcsinh", "arccosh", "arctanh", "arcsin", "arccos", "arctan",
    "log10", "exp2", "sinc", "logit", "erfc", "erfinv", "lgamma", "digamma", "polygamma",
    "frac", "deg2rad", "rad2deg", "positive", "signbit",
    # binary
    "atan2", "arctan2", "hypot", "logaddexp", "logaddexp2", "xlogy", "fmod", "copysign",
    "float_power", "lerp", "clamp_min", "clamp_max",
    # others
    "nan_to_num", "isclose", "allclose",
]  # fmt: skip

_LN2 = math.log(2.0)
_SQRT_PI = math.sqrt(math.pi)


def _shape(v):
    return tuple(getattr(v, "shape", ()))


# -- special functions: scipy / cupyx when importable, else _special_fallback's --------------

_IMPLS: dict = {}  # (name, on cuda) -> the function computing it on such arrays


def _special(name, *args):
    """``scipy.special.<name>(*args)`` for a numpy array ``args[-1]``, ``cupyx.scipy.special``'s
    for a cupy one (host fallback when CuPy lacks it); the result in the input's dtype."""
    x = args[-1]
    key = (name, type(x) is not np.ndarray and not isinstance(x, np.generic))
    fn = _IMPLS.get(key)
    if fn is None:
        fn = _IMPLS[key] = _find(*key)
    with np.errstate(over="ignore"):  # past a float32 x's range: inf, as torch computes it
        return fn(*args).astype(x.dtype, copy=False)


def _find(name, cuda):
    try:
        if cuda:
            import cupyx.scipy.special as mod
        else:
            import scipy.special as mod
        fn = getattr(mod, name)
    except (ImportError, AttributeError):
        pass
    else:
        if cuda and name == "polygamma":
            # CuPy's polygamma broadcasts n with x (cupy.broadcast_arrays, then n == 0 in
            # cupy.where): n must be a cupy array. float64, as scipy computes on the CPU
            return lambda n, x: fn(array_module(x).asarray(n, dtype=np.float64), x)
        return fn
    if not cuda:
        return _FALLBACK[name]

    def on_host(*args):  # explicit copies to the host and back
        x = args[-1]
        return array_module(x).asarray(_special(name, *args[:-1], x.get()))

    return on_host


def _lgamma(x):
    # PyTorch: lgamma(-inf) = inf (scipy says -inf)
    y = _special("gammaln", x)
    return array_module(y).where(x == -math.inf, math.inf, y)


def _sinc(x):
    xp = array_module(x)
    if x.dtype.kind == "c":  # torch's kernel: 1 at z = 0, else sin(pi z) / (pi z)
        zero = x == 0
        px = xp.where(zero, 1, x) * math.pi
        with np.errstate(invalid="ignore", over="ignore"):
            return xp.where(zero, 1, xp.sin(px) / px).astype(x.dtype, copy=False)
    with np.errstate(invalid="ignore"):  # sinc(+-inf): NaN without a warning, as torch
        return xp.sinc(x)


def _dsinc(x, gy):
    # sinc'(x) = (pi x cos(pi x) - sin(pi x)) / (pi x^2), and 0 where pi x^2 is 0 in x's dtype
    # (x = 0, and tiny x where x^2 underflows: PyTorch's mask). Where the formula is exactly 0
    # (|pi x| < ~1e-8 in float64, ~1e-4 in float32: pi x cos(pi x) and sin(pi x) round to pi x)
    # it is masked too, with the same value. The masked formula runs on a safe x = 1, so that
    # higher orders stay finite (1 / x^2 would overflow there). Complex z: sinc is holomorphic,
    # so gz = gy conj(sinc'(z)) with the same formula and masks
    xr = _raw(x)
    cplx = xr.dtype.kind == "c"
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        px = xr * math.pi
        d = (px * np.cos(px) - np.sin(px)) / xr / px  # x and pi x in turn: no x^4 underflow
    zero = (xr * xr * math.pi == 0) | (d == 0)
    if x is xr:  # first order: the values at hand
        d = array_module(d).where(zero, 0, d)
        return gy * (np.conj(d) if cplx else d)
    ops = _f()
    xs = ops.where(zero, 1.0, x)
    px = xs * math.pi
    with np.errstate(invalid="ignore", over="ignore"):  # x = +-inf: NaN, as the values
        d = ops.where(zero, 0.0, (px * ops.cos(px) - ops.sin(px)) / xs / px)
    return gy * (ops.conj(d) if cplx else d)


class Sinc(Function):
    """y = sin(pi x) / (pi x), 1 at x = 0; dy/dx = (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0
    where pi x^2 is 0 (``_dsinc``). Complex too, as PyTorch: holomorphic, gz = gy conj(sinc'(z))."""

    __slots__ = ()
    op_name = "sinc"
    save_inputs = (0,)
    link_saved = False  # the rule is written in differentiable ops
    complex_ok = True

    def forward(self, x):
        if x.dtype.kind not in "fc":
            _check_float("sinc", x)
        return _sinc(x)

    def backward(self, gy):
        return _dsinc(self.saved[0], gy)


# name: (forward, saved ("x" or "y"), derivative df(x, y, gy)), as elementwise._TABLE
_SPECIAL = {
    "erfc": (
        lambda x: _special("erfc", x),
        "x",
        lambda x, y, gy: gy * (_f().exp(-(x * x)) * (-2 / _SQRT_PI)),
    ),
    "erfinv": (  # d/dx erfinv(x) = sqrt(pi)/2 e^(y^2)
        lambda x: _special("erfinv", x),
        "y",
        lambda x, y, gy: gy * (_f().exp(y * y) * (_SQRT_PI / 2)),
    ),
    "lgamma": (_lgamma, "x", lambda x, y, gy: gy * digamma(x)),
    "digamma": (lambda x: _special("digamma", x), "x", lambda x, y, gy: gy * polygamma(1, x)),
}
_SPECIAL_OPS = {name: _unary(name, f, df, save) for name, (f, save, df) in _SPECIAL.items()}


class Polygamma(Function):
    """y = psi^(n)(x), the n-th derivative of digamma; dy/dx = psi^(n+1)(x)."""

    __slots__ = ("n",)
    save_inputs = (1,)

    def forward(self, n, x):
        _check_float("polygamma", x)
        self.n = n
        return _special("digamma", x) if n == 0 else _special("polygamma", n, x)

    def backward(self, gy):
        (x,) = self.saved
        return None, gy * Polygamma.apply(self.n + 1, x)


class Logit(Function):
    """y = log(z / (1 - z)), z = lo where x < lo, else hi where x > hi, else x, with lo = eps
    and hi = 1 - eps in x's dtype when eps >= 0 is given (PyTorch's order: for eps > 0.5,
    where lo > hi, x < lo gives lo; NaN stays NaN).

    dy/dx = 1 / (x (1 - x)); with eps it is 0 where x < lo or x > hi, without it (or with
    eps < 0) NaN outside [0, 1] (PyTorch's rules).
    """

    __slots__ = ("bounds",)
    save_inputs = (0,)

    def forward(self, x, eps):
        _check_float("logit", x)
        if eps is None or eps < 0:  # torch: a negative eps clamps nothing
            self.bounds = None
            z = x
        else:
            lo = x.dtype.type(eps)
            hi = 1 - lo  # in x's dtype, as torch
            self.bounds = lo, hi
            xp = array_module(x)
            z = xp.where(x < lo, lo, xp.where(x > hi, hi, x))
        return np.log(z / (1 - z))

    def backward(self, gy):
        (x,) = self.saved
        ops, xr = _f(), _raw(x)
        if self.bounds is None:
            out, fill = (xr < 0) | (xr > 1), math.nan
        else:
            lo, hi = self.bounds
            out, fill = (xr < lo) | (xr > hi), 0.0
        xs = ops.where(out, 0.5, x)  # a safe value where the result is masked
        return ops.where(out, fill, gy / (xs * (1 - xs))), None


def _linear(name, f, c):
    """The Function class of a unary float op with the constant derivative ``c``."""

    def forward(self, x):
        if x.dtype.kind != "f":
            _check_float(name, x)  # complex too: torch refuses deg2rad and the like
        return f(x)

    def backward(self, gy):
        return gy if c == 1 else gy * c

    attrs = {"__slots__": (), "__doc__": f"Elementwise {name}; dy/dx = {c:.6g}."}
    attrs.update(op_name=name, forward=forward, backward=backward)
    return type(name.capitalize(), (Function,), attrs)


Frac = _linear("frac", lambda x: x - np.trunc(x), 1)
Deg2rad = _linear("deg2rad", lambda x: x * (math.pi / 180), math.pi / 180)
Rad2deg = _linear("rad2deg", lambda x: x * (180 / math.pi), 180 / math.pi)


def _signbit(x):
    return x < 0 if x.dtype.kind in "biu" else np.signbit(x)


# -- unary entry points -------------------------------------------------------------------------


def _entry(name, cls, doc):
    """The entry point ``name(x)`` applying the unary op class ``cls``."""
    apply = cls.apply

    def op(x):
        return apply(x)

    if name in _amp_ops:  # on torch's autocast lists (autograd/amp.py): the autocast hook

        def op(x):
            if _amp_on[0] and _amp.ready:
                return _autocast(op, x)
            return apply(x)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc + " x: any shape (float); returns its shape and dtype."
    return op


sinh = _entry("sinh", UNARY["sinh"], "Hyperbolic sine elementwise; d/dx = cosh(x).")
cosh = _entry("cosh", UNARY["cosh"], "Hyperbolic cosine elementwise; d/dx = sinh(x).")
asinh = _entry("asinh", UNARY["asinh"], "Inverse hyperbolic sine; d/dx = 1 / sqrt(x^2 + 1).")
acosh = _entry(
    "acosh", UNARY["acosh"], "Inverse hyperbolic cosine (x >= 1); d/dx = 1 / sqrt(x^2 - 1)."
)
atanh = _entry(
    "atanh", UNARY["atanh"], "Inverse hyperbolic tangent (|x| < 1); d/dx = 1 / (1 - x^2)."
)
asin = _entry("asin", UNARY["asin"], "Arcsine (|x| <= 1); d/dx = 1 / sqrt(1 - x^2).")
acos = _entry("acos", UNARY["acos"], "Arccosine (|x| <= 1); d/dx = -1 / sqrt(1 - x^2).")
atan = _entry("atan", UNARY["atan"], "Arctangent; d/dx = 1 / (1 + x^2).")
arcsinh, arccosh, arctanh, arcsin, arccos, arctan = asinh, acosh, atanh, asin, acos, atan
log10 = _entry("log10", UNARY["log10"], "Base-10 log elementwise; d/dx = 1 / (x ln 10).")
exp2 = _entry("exp2", UNARY["exp2"], "2^x elementwise; d/dx = 2^x ln 2.")
sinc = _entry("sinc", Sinc, "sin(pi x) / (pi x); 1 at x = 0 with derivative 0 there (complex too).")
erfc = _entry(
    "erfc", _SPECIAL_OPS["erfc"], "Complementary error function 1 - erf(x), accurate for large x."
)
erfinv = _entry(
    "erfinv", _SPECIAL_OPS["erfinv"], "Inverse error function (+-inf at +-1, NaN beyond)."
)
lgamma = _entry(
    "lgamma", _SPECIAL_OPS["lgamma"], "log |Gamma(x)| (inf at 0, -1, ...); d/dx = digamma(x)."
)
digamma = _entry(
    "digamma", _SPECIAL_OPS["digamma"], "d/dx log Gamma(x) (-inf at 0, NaN at -1, -2, ...)."
)
frac = _entry("frac", Frac, "x - trunc(x), the fractional part with the sign of x; gradient 1.")
deg2rad = _entry("deg2rad", Deg2rad, "Degrees to radians, x * pi / 180.")
rad2deg = _entry("rad2deg", Rad2deg, "Radians to degrees, x * 180 / pi.")


def logit(x, eps=None):
    """log(x / (1 - x)) elementwise; with ``eps``, x is first clamped to [eps, 1 - eps] and the
    gradient is 0 outside that range. x: any shape (float)."""
    return Logit.apply(x, None if eps is None else float(eps))


def polygamma(n, x):
    """psi^(n)(x), the n-th derivative of digamma (n = 0: digamma); d/dx = polygamma(n + 1, x).

    n: a non-negative int. x: any shape (float).
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"polygamma: n must be an int, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"polygamma: n must be non-negative, got {n}")
    return Polygamma.apply(int(n), x)


def positive(x):
    """x itself (PyTorch's torch.positive returns its input); refuses bool tensors."""
    if getattr(x, "dtype", None) == np.bool_:
        raise TypeError("positive: not supported for bool tensors (as the unary + operator)")
    return x


def signbit(x):
    """Whether the sign bit is set (True for -0.0 and negatives); a bool tensor, no gradient."""
    return Compare.apply(_signbit, x)


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
