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

The binary ops and nan_to_num / isclose / allclose are defined in _special_binary.py and
re-exported here.
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
from ..function import Function
from ._special_binary import (  # noqa: F401 - the binary ops, re-exported (see __all__)
    _LN2,
    Atan2,
    Copysign,
    Fmod,
    Hypot,
    IsClose,
    Lerp,
    LogAddExp,
    LogAddExp2,
    NanToNum,
    Xlogy,
    _as_f64,
    _bcast_or_raise,
    _Binary,
    _check_float2,
    _clog1p,
    _conj,
    _is_c,
    _logaddexp_c,
    _same,
    _shape,
    _xlogy,
    allclose,
    arctan2,
    atan2,
    clamp_max,
    clamp_min,
    copysign,
    float_power,
    fmod,
    hypot,
    isclose,
    lerp,
    logaddexp,
    logaddexp2,
    nan_to_num,
    xlogy,
)
from ._special_fallback import FALLBACK as _FALLBACK
from .arithmetic import _raw
from .elementwise import UNARY, Compare, _check_float, _f, _unary

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


_SQRT_PI = math.sqrt(math.pi)


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
