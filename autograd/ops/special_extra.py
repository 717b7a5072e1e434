"""torch.special's functions that are new here: entr, erfcx, ndtr, log_ndtr, ndtri, i0, i0e,
i1, i1e, xlog1py, multigammaln (the namespace itself is ``autograd/special.py``).

The kernels are NumPy written against the array module, in float64 (a float32 input is
computed in float64 and rounded once), with no scipy:

* erfcx: W. J. Cody's rational approximations (CALERF, Math. Comp. 1969), e^(x^2) applied with
  x^2 split into an exact part and a small rest, so that it loses no bits;
* ndtr, log_ndtr: from erfcx, Phi(x) = erfcx(-x / sqrt 2) e^(-x^2 / 2) / 2 for x < 0, so
  log_ndtr(x) = log(erfcx(-x / sqrt 2) / 2) - x^2 / 2 never underflows (x = -1e150 included),
  and its derivative phi / Phi = sqrt(2 / pi) / erfcx(-x / sqrt 2) is exact to rounding;
* ndtri: M. J. Wichura's AS241 (PPND16), rational in p - 1/2 and in sqrt(-log(min(p, 1 - p)))
  (relative ~1e-16 down to the smallest subnormal p);
* i0, i0e, i1, i1e: Cephes' Chebyshev expansions of e^-|x| I(x) on [0, 8] and of
  e^-|x| sqrt|x| I(x) in 8 / |x| (the coefficients PyTorch uses); on cuda ``cupyx.scipy.special``
  where it has them.

Edge values and gradients are PyTorch's: i0(+-inf) = i1(+-inf) = NaN (torch's e^x * 0),
i1'(x) = i1e'(x) = 1/2 where |x| <= machine epsilon, entr'(0) = inf, and so on. Every backward is
written with autograd functions, so it differentiates again.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from backends import array_module

from ..function import Function
from .arithmetic import _raw
from .elementwise import _check_float, _f
from .special import _Binary

__all__ = ["i0", "mvlgamma"]  # also top-level, as torch.i0 and torch.mvlgamma

_SQRT_PI = math.sqrt(math.pi)
_RSQRT_PI = 1 / _SQRT_PI  # 0.5641895835477563
_SQRT1_2 = math.sqrt(0.5)
_SQRT_2PI = math.sqrt(2 * math.pi)
_SQRT_2_PI = math.sqrt(2 / math.pi)
_LOG_PI = math.log(math.pi)

# -- Cody's CALERF coefficients (erf on |x| <= 0.46875, erfcx on [0.46875, 4] and beyond 4) --
_CODY_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
           3.20937758913846947e03, 1.85777706184603153e-1)  # fmt: skip
_CODY_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
           2.84423683343917062e03)  # fmt: skip
_CODY_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
           2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
           2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)  # fmt: skip
_CODY_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
           1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
           3.43936767414372164e03, 1.23033935480374942e03)  # fmt: skip
_CODY_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
           1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)  # fmt: skip
_CODY_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
           6.05183413124413191e-2, 2.33520497626869185e-3)  # fmt: skip

# -- Wichura's AS241 (PPND16): numerators / denominators, constant term first ------------------
_AS241 = {
    "a": (3.3871328727963666080e0, 1.3314166789178437745e2, 1.9715909503065514427e3,
          1.3731693765509461125e4, 4.5921953931549871457e4, 6.7265770927008700853e4,
          3.3430575583588128105e4, 2.5090809287301226727e3),
    "b": (1.0, 4.2313330701600911252e1, 6.8718700749205790830e2, 5.3941960214247511077e3,
          2.1213794301586595867e4, 3.9307895800092710610e4, 2.8729085735721942674e4,
          5.2264952788528545610e3),
    "c": (1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0,
          3.64784832476320460504e0, 1.27045825245236838258e0, 2.41780725177450611770e-1,
          2.27238449892691845833e-2, 7.74545014278341407640e-4),
    "d": (1.0, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
          1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4,
          1.05075007164441684324e-9),
    "e": (6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0,
          2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
          2.71155556874348757815e-5, 2.01033439929228813265e-7),
    "f": (1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
          7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7,
          2.04426310338993978564e-15),
}  # fmt: skip

# -- Cephes' Chebyshev coefficients: e^-x I0(x), e^-x I1(x) / x on [0, 8] (in x / 2 - 2) and
# e^-x sqrt(x) I0(x), e^-x sqrt(x) I1(x) for x > 8 (in 32 / x - 2) ----------------------------
_I0_A = (-4.41534164647933937950e-18, 3.33079451882223809783e-17, -2.43127984654795469359e-16,
         1.71539128555513303061e-15, -1.16853328779934516808e-14, 7.67618549860493561688e-14,
         -4.85644678311192946090e-13, 2.95505266312963983461e-12, -1.72682629144155570723e-11,
         9.67580903537323691224e-11, -5.18979560163526290666e-10, 2.65982372468238665035e-9,
         -1.30002500998624804212e-8, 6.04699502254191894932e-8, -2.67079385394061173391e-7,
         1.11738753912010371815e-6, -4.41673835845875056359e-6, 1.64484480707288970893e-5,
         -5.75419501008210370398e-5, 1.88502885095841655729e-4, -5.76375574538582365885e-4,
         1.63947561694133579842e-3, -4.32430999505057594430e-3, 1.05464603945949983183e-2,
         -2.37374148058994688156e-2, 4.93052842396707084878e-2, -9.49010970480476444210e-2,
         1.71620901522208775349e-1, -3.04682672343198398683e-1,
         6.76795274409476084995e-1)  # fmt: skip
_I0_B = (-7.23318048787475395456e-18, -4.83050448594418207126e-18, 4.46562142029675999901e-17,
         3.46122286769746109310e-17, -2.82762398051658348494e-16, -3.42548561967721913462e-16,
         1.77256013305652638360e-15, 3.81168066935262242075e-15, -9.55484669882830764870e-15,
         -4.15056934728722208663e-14, 1.54008621752140982691e-14, 3.85277838274214270114e-13,
         7.18012445138366623367e-13, -1.79417853150680611778e-12, -1.32158118404477131188e-11,
         -3.14991652796324136454e-11, 1.18891471078464383424e-11, 4.94060238822496958910e-10,
         3.39623202570838634515e-9, 2.26666899049817806459e-8, 2.04891858946906374183e-7,
         2.89137052083475648297e-6, 6.88975834691682398426e-5, 3.36911647825569408990e-3,
         8.04490411014108831608e-1)  # fmt: skip
_I1_A = (2.77791411276104639959e-18, -2.11142121435816608115e-17, 1.55363195773620046921e-16,
         -1.10559694773538630805e-15, 7.60068429473540693410e-15, -5.04218550472791168711e-14,
         3.22379336594557470981e-13, -1.98397439776494371520e-12, 1.17361862988909016308e-11,
         -6.66348972350202774223e-11, 3.62559028155211703701e-10, -1.88724975172282928790e-9,
         9.38153738649577178388e-9, -4.44505912879632808065e-8, 2.00329475355213526229e-7,
         -8.56872026469545474066e-7, 3.47025130813767847674e-6, -1.32731636560394358279e-5,
         4.78156510755005422638e-5, -1.61760815825896745588e-4, 5.12285956168575772895e-4,
         -1.51357245063125314899e-3, 4.15642294431288815669e-3, -1.05640848946261981558e-2,
         2.47264490306265168283e-2, -5.29459812080949914269e-2, 1.02643658689847095384e-1,
         -1.76416518357834055153e-1, 2.52587186443633654823e-1)  # fmt: skip
_I1_B = (7.51729631084210481353e-18, 4.41434832307170791151e-18, -4.65030536848935832153e-17,
         -3.20952592199342395980e-17, 2.96262899764595013876e-16, 3.30820231092092828324e-16,
         -1.88035477551078244854e-15, -3.81440307243700780478e-15, 1.04202769841288027642e-14,
         4.27244001671195135429e-14, -2.10154184277266431302e-14, -4.08355111109219731823e-13,
         -7.19855177624590851209e-13, 2.03562854414708950722e-12, 1.41258074366137813316e-11,
         3.25260358301548823856e-11, -1.89749581235054123450e-11, -5.58974346219658380687e-10,
         -3.83538038596423702205e-9, -2.63146884688951950684e-8, -2.51223623787020892529e-7,
         -3.88256480887769039346e-6, -1.10588938762623716291e-4, -9.76109749136146840777e-3,
         7.78576235018280120474e-1)  # fmt: skip


# -- kernels: float64 arrays in, float64 arrays out (numpy or cupy) -----------------------------


def _horner(coefs, z):
    """sum_k coefs[k] z^k (constant term first)."""
    acc = z * 0 + coefs[-1]
    for c in coefs[-2::-1]:
        acc = acc * z + c
    return acc


def _chbevl(z, coefs):
    """Cephes' Chebyshev sum: 0.5 (b0 - b2) of the Clenshaw recurrence in z."""
    b0, b1, b2 = z * 0 + coefs[0], z * 0, z * 0
    for c in coefs[1:]:
        b2, b1 = b1, b0
        b0 = z * b1 - b2 + c
    return 0.5 * (b0 - b2)


def _exp_sq(x, sign):
    """e^(sign x^2) (sign: +-1 or -1/2), x^2 = h^2 + (x - h)(x + h) with h = trunc(16 x) / 16,
    whose square is exact: the rounding of x^2 (absolute 1e-13 at x = 26) is avoided."""
    h = np.trunc(x * 16) / 16
    return np.exp(sign * (h * h)) * np.exp(sign * ((x - h) * (x + h)))


def _erf_small(x):
    """erf(x) for |x| <= 0.46875 (Cody's first interval)."""
    z = x * x
    num, den = _CODY_A[4] * z, z
    for a, b in zip(_CODY_A[:3], _CODY_B[:3]):
        num, den = (num + a) * z, (den + b) * z
    return x * (num + _CODY_A[3]) / (den + _CODY_B[3])


def _erfcx_pos(y, grad):
    """erfcx(y) for y >= 0.46875 (Cody's second and third intervals), and with ``grad`` the
    derivative 2 y erfcx(y) - 2 / sqrt(pi), for y > 4 -2 r(1 / y^2) without cancellation."""
    num, den = _CODY_C[8] * y, y
    for c, d in zip(_CODY_C[:7], _CODY_D[:7]):
        num, den = (num + c) * y, (den + d) * y
    mid = (num + _CODY_C[7]) / (den + _CODY_D[7])
    u = 1 / (y * y)
    num, den = _CODY_P[5] * u, u
    for p, q in zip(_CODY_P[:4], _CODY_Q[:4]):
        num, den = (num + p) * u, (den + q) * u
    r = u * (num + _CODY_P[4]) / (den + _CODY_Q[4])  # erfcx(y) = (1/sqrt(pi) - r) / y
    xp = array_module(y)
    tail = y > 4
    val = xp.where(tail, (_RSQRT_PI - r) / y, mid)
    return val, (xp.where(tail, -2 * r, 2 * y * mid - 2 * _RSQRT_PI) if grad else None)


def _erfcx(x, grad=False):
    """erfcx(x) for a float64 array x; with ``grad``, 2 x erfcx(x) - 2 / sqrt(pi) instead."""
    xp = array_module(x)
    y = abs(x)
    small = y <= 0.46875
    s = xp.exp(x * x) * (1 - _erf_small(xp.where(small, x, 0)))
    v, d = _erfcx_pos(xp.where(small, 1, y), grad)
    e2 = 2 * _exp_sq(xp.maximum(x, -27.0), 1)  # x < 0: 2 e^(x^2) - erfcx(-x), inf below -26.6
    v = xp.where(small, s, xp.where(x < 0, e2 - v, v))
    if not grad:
        return v
    return xp.where((x < 0) | small, 2 * x * v - 2 * _RSQRT_PI, d)


def _ndtr_neg(x):
    """Phi(-|x|) = erfcx(|x| / sqrt 2) e^(-x^2 / 2) / 2 (e^(-x^2 / 2) from x itself)."""
    y = abs(x)
    return 0.5 * _erfcx(y * _SQRT1_2) * _exp_sq(y, -0.5)


def _ndtr(x):
    xp = array_module(x)
    x = xp.clip(x, -40.0, 40.0)  # Phi(-40) = 0 in float64; +-inf: the limits, without NaN
    t = _ndtr_neg(x)
    small = abs(x) <= 0.46875 / _SQRT1_2
    c = 0.5 + 0.5 * _erf_small(xp.where(small, x * _SQRT1_2, 0))
    return xp.where(small, c, xp.where(x < 0, t, 1 - t))


def _log_ndtr(x):
    xp = array_module(x)
    z = xp.where(x < 0, -x, 0) * _SQRT1_2
    lo = xp.log(0.5 * _erfcx(z)) - 0.5 * x * x  # x < 0: no underflow, no cancellation
    q = _ndtr_neg(xp.clip(x, 0.0, 40.0))  # x >= 0: log(1 - Phi(-x))
    small = x <= 0.46875 / _SQRT1_2
    q = xp.where(small, 0.5 - 0.5 * _erf_small(xp.where(small, x * _SQRT1_2, 0)), q)
    return xp.where(x < 0, lo, xp.log1p(-q))


def _ndtri(p):
    xp = array_module(p)
    q = p - 0.5
    r = 0.180625 - q * q
    mid = q * _horner(_AS241["a"], r) / _horner(_AS241["b"], r)
    s = xp.sqrt(-xp.log(xp.where(q < 0, p, 1 - p)))
    near = _horner(_AS241["c"], s - 1.6) / _horner(_AS241["d"], s - 1.6)
    far = _horner(_AS241["e"], s - 5) / _horner(_AS241["f"], s - 5)
    t = xp.where(s <= 5, near, far)
    y = xp.where(abs(q) <= 0.425, mid, xp.where(q < 0, -t, t))
    y = xp.where(p == 0, -math.inf, xp.where(p == 1, math.inf, y))
    return xp.where((p < 0) | (p > 1), math.nan, y)


def _bessel_scaled(x, a, b, odd):
    """e^-|x| I(x) from the Chebyshev sums ``a`` (|x| <= 8) and ``b`` (|x| > 8)."""
    xp = array_module(x)
    y = abs(x)
    near = _chbevl(y * 0.5 - 2, a)
    if odd:
        near = near * y
    far = _chbevl(32 / y - 2, b) / xp.sqrt(y)
    out = xp.where(y <= 8, near, far)
    return xp.where(x < 0, -out, out) if odd else out


def _unscale(x, ye):
    """I(x) = e^|x| (e^-|x| I(x)), e^|x| in two halves past 700 (finite up to |x| ~ 713.9);
    NaN at +-inf as torch's (e^x times 0)."""
    xp = array_module(x)
    h = abs(x) * 0.5
    big = h > 350
    e = xp.exp(xp.where(big, h, 2 * h))
    y = xp.where(big, ye * e * e, ye * e)
    return xp.where(xp.isinf(x), math.nan, y)


_KERNELS = {
    "erfcx": _erfcx,
    "ndtr": _ndtr,
    "log_ndtr": _log_ndtr,
    "ndtri": _ndtri,
    "i0e": lambda x: _bessel_scaled(x, _I0_A, _I0_B, False),
    "i1e": lambda x: _bessel_scaled(x, _I1_A, _I1_B, True),
    "i0": lambda x: _unscale(x, _bessel_scaled(x, _I0_A, _I0_B, False)),
    "i1": lambda x: _unscale(x, _bessel_scaled(x, _I1_A, _I1_B, True)),
}
_CUPYX = {"i0", "i0e", "i1", "i1e"}  # taken from cupyx.scipy.special on cuda when it has them
_FOUND: dict = {}


def _cupyx(name):
    if name not in _FOUND:
        try:
            import cupyx.scipy.special as mod

            _FOUND[name] = getattr(mod, name)
        except (ImportError, AttributeError):
            _FOUND[name] = None
    return _FOUND[name]


def _compute(name, x):
    """The kernel ``name`` on x in float64, rounded to x's dtype."""
    x64 = x.astype(np.float64, copy=False)
    with np.errstate(all="ignore"):
        fn = _cupyx(name) if name in _CUPYX and type(x) is not np.ndarray else None
        if fn is None:
            y = _KERNELS[name](x64)
        else:
            y = fn(x64)
            if name in ("i0", "i1"):  # torch's NaN at +-inf
                y = array_module(y).where(array_module(y).isinf(x64), math.nan, y)
        return y.astype(x.dtype, copy=False)


def _check_real(name, x):
    _check_float(name, x)  # refuses integers and complex tensors


# -- ops ----------------------------------------------------------------------------------------


class _Kernel(Function):
    """A unary op computed by ``_KERNELS[op_name]`` (float64 inside, x's dtype out)."""

    __slots__ = ()
    op_name = ""

    def forward(self, x):
        _check_real(self.op_name, x)
        return _compute(self.op_name, x)


class Erfcx(_Kernel):
    """y = erfcx(x) = e^(x^2) erfc(x); dy/dx = 2 x y - 2 / sqrt(pi) (``ErfcxGrad``)."""

    __slots__ = ()
    op_name = "erfcx"
    save_inputs = (0,)

    def backward(self, gy):
        return gy * ErfcxGrad.apply(self.saved[0])


class ErfcxGrad(Function):
    """y = 2 x erfcx(x) - 2 / sqrt(pi), without its cancellation for large x;
    dy/dx = 2 erfcx(x) + 2 x y."""

    __slots__ = ()
    save_inputs = (0,)
    save_output = True

    def forward(self, x):
        with np.errstate(all="ignore"):
            d = _erfcx(x.astype(np.float64, copy=False), grad=True)
        # NaN at +inf, as torch's 2 x y - 2 / sqrt(pi) gives (inf * 0)
        return array_module(d).where(x == math.inf, math.nan, d).astype(x.dtype, copy=False)

    def backward(self, gy):
        x, y = self.saved
        with np.errstate(invalid="ignore"):
            return gy * (Erfcx.apply(x) * 2 + x * y * 2)


class Ndtr(_Kernel):
    """y = Phi(x), the standard normal CDF; dy/dx = e^(-x^2 / 2) / sqrt(2 pi)."""

    __slots__ = ()
    op_name = "ndtr"
    save_inputs = (0,)

    def backward(self, gy):
        (x,) = self.saved
        with np.errstate(invalid="ignore"):
            return gy * (_f().exp(x * x * -0.5) * (1 / _SQRT_2PI))


class LogNdtr(_Kernel):
    """y = log Phi(x); dy/dx = phi(x) / Phi(x) (``LogNdtrGrad``)."""

    __slots__ = ()
    op_name = "log_ndtr"
    save_inputs = (0,)

    def backward(self, gy):
        return gy * LogNdtrGrad.apply(self.saved[0])


class LogNdtrGrad(Function):
    """y = phi(x) / Phi(x) = sqrt(2 / pi) / erfcx(z), z = -x / sqrt 2: exact to rounding for
    every x (torch's exp(-x^2 / 2 - log_ndtr(x)) cancels for very negative x).

    dy/dx = -y (x + y) for x >= 0 (no overflow: erfcx(z) would overflow for large x, and
    inf / inf is NaN), else sqrt(1 / pi) erfcx'(z) / erfcx(z)^2, which has no cancellation
    where -y (x + y) would have (y ~ -x for very negative x)."""

    __slots__ = ()
    save_inputs = (0,)
    save_output = True

    def forward(self, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            g = _SQRT_2_PI / _compute("erfcx", x * -_SQRT1_2)
        return array_module(g).where(x == -math.inf, math.nan, g)  # torch's NaN (inf - inf)

    def backward(self, gy):
        x, y = self.saved
        ops = _f()
        z = x * -_SQRT1_2
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            e = Erfcx.apply(z)
            tail = ErfcxGrad.apply(z) * _RSQRT_PI / e / e
            return gy * ops.where(_raw(x) >= 0, -y * (x + y), tail)


class Ndtri(_Kernel):
    """y = Phi^-1(p) (-inf at 0, inf at 1, NaN outside [0, 1]); dy/dp = sqrt(2 pi) e^(y^2 / 2)."""

    __slots__ = ()
    op_name = "ndtri"
    save_output = True

    def backward(self, gy):
        (y,) = self.saved
        with np.errstate(over="ignore", invalid="ignore"):
            return gy * (_f().exp(y * y * 0.5) * _SQRT_2PI)


class I0(_Kernel):
    """y = I0(x), the modified Bessel function of order 0; dy/dx = I1(x)."""

    __slots__ = ()
    op_name = "i0"
    save_inputs = (0,)

    def backward(self, gy):
        return gy * I1.apply(self.saved[0])


class I0e(_Kernel):
    """y = e^-|x| I0(x); dy/dx = i1e(x) - sign(x) y."""

    __slots__ = ()
    op_name = "i0e"
    save_inputs = (0,)
    save_output = True

    def backward(self, gy):
        x, y = self.saved
        return gy * (I1e.apply(x) - _f().sign(x) * y)


def _safe_tiny(x):
    """(|x| > eps of x's dtype, x with eps where it is not): torch's mask for i1' and i1e'."""
    xr = _raw(x)
    eps = float(np.finfo(xr.dtype).eps)
    keep = abs(xr) > eps
    return keep, _f().where(keep, x, eps)


class I1(_Kernel):
    """y = I1(x); dy/dx = I0(x) - y / x, and 1/2 where |x| <= eps (torch's rule)."""

    __slots__ = ()
    op_name = "i1"
    save_inputs = (0,)
    save_output = True

    def backward(self, gy):
        x, y = self.saved
        keep, xs = _safe_tiny(x)
        return gy * _f().where(keep, I0.apply(xs) - y / xs, 0.5)


class I1e(_Kernel):
    """y = e^-|x| I1(x); dy/dx = i0e(x) - y (sign(x) + 1 / x), and 1/2 where |x| <= eps."""

    __slots__ = ()
    op_name = "i1e"
    save_inputs = (0,)
    save_output = True

    def backward(self, gy):
        x, y = self.saved
        keep, xs = _safe_tiny(x)
        ops = _f()
        return gy * ops.where(keep, I0e.apply(xs) - y * (ops.sign(xs) + 1 / xs), 0.5)


class Entr(Function):
    """y = -x log x for x > 0, 0 at 0, -inf for x < 0 (NaN stays NaN);
    dy/dx = -(1 + log x) (torch's: inf at 0, NaN for x < 0)."""

    __slots__ = ()
    save_inputs = (0,)

    def forward(self, x):
        _check_real("entr", x)
        xp = array_module(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = -x * np.log(x)
        return xp.where(x < 0, -math.inf, xp.where(x == 0, 0, y)).astype(x.dtype, copy=False)

    def backward(self, gy):
        (x,) = self.saved
        with np.errstate(divide="ignore", invalid="ignore"):
            return -(gy * (_f().log(x) + 1))


def _xlog1py(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        # a Python scalar y stays a Python float, so it never widens x (NumPy 2's rule)
        z = x * (math.log1p(float(y)) if isinstance(y, numbers.Real) else np.log1p(y))
    return array_module(z).where((x == 0) & ~np.isnan(y), 0, z)


class Xlog1py(_Binary):
    """z = x log(1 + y), 0 where x == 0 (unless y is NaN); dz/dy = x / (1 + y), and torch's
    rule for x: gx = xlog1py(gy, y), except 0 where x == 0 and y <= -1."""

    __slots__ = ()
    op_name = "xlog1py"
    _fn = staticmethod(_xlog1py)

    def backward(self, gy):
        x, y = self.saved

        def gx():
            ops = _f()
            mask = (_raw(x) == 0) & (_raw(y) <= -1)
            ys = ops.where(mask, 0.0, y)  # a safe y where the result is masked
            return ops.where(mask, 0.0, Xlog1py.apply(gy, ys))

        with np.errstate(divide="ignore", invalid="ignore"):
            return self._grads(gx, lambda: gy * x / (y + 1))


# -- entry points -------------------------------------------------------------------------------


def _entry(name, cls, doc):
    apply = cls.apply

    def op(input):  # noqa: A002 - PyTorch's name
        return apply(input)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc + "\n\n    input: any shape (float); returns its shape and dtype."
    return op


entr = _entry("entr", Entr, "-x log x elementwise (0 at 0, -inf for x < 0); d/dx = -(1 + log x).")
erfcx = _entry(
    "erfcx",
    Erfcx,
    "The scaled complementary error function e^(x^2) erfc(x), accurate for large x (~1 / "
    "(x sqrt(pi))); inf below about -26.6. d/dx = 2 x erfcx(x) - 2 / sqrt(pi).",
)
ndtr = _entry(
    "ndtr", Ndtr, "The standard normal CDF Phi(x), accurate in both tails; d/dx = phi(x)."
)
log_ndtr = _entry(
    "log_ndtr",
    LogNdtr,
    "log Phi(x), finite for very negative x (~ -x^2 / 2); d/dx = phi(x) / Phi(x).",
)
ndtri = _entry(
    "ndtri",
    Ndtri,
    "The inverse of the standard normal CDF (AS241), accurate for p down to the smallest "
    "subnormal and for p near 1; -inf at 0, inf at 1, NaN outside [0, 1].",
)
i0 = _entry("i0", I0, "The modified Bessel function of the first kind of order 0; d/dx = i1(x).")
i0e = _entry("i0e", I0e, "The exponentially scaled e^-|x| I0(x); d/dx = i1e(x) - sign(x) i0e(x).")
i1 = _entry(
    "i1", I1, "The modified Bessel function of the first kind of order 1; d/dx = i0 - i1 / x."
)
i1e = _entry(
    "i1e", I1e, "The exponentially scaled e^-|x| I1(x); d/dx = i0e - i1e (sign(x) + 1 / x)."
)


def xlog1py(input, other):  # noqa: A002 - PyTorch's names
    """input * log1p(other), 0 where input == 0 (unless other is NaN); shapes broadcast,
    either may be a Python scalar. Gradients as torch: d/dinput = log1p(other), but 0 where
    input == 0 and other <= -1; d/dother = input / (1 + other)."""
    return Xlog1py.apply(input, other)


def multigammaln(input, p):  # noqa: A002 - PyTorch's name
    """The multivariate log-gamma function of dimension ``p``:
    sum_{j<p} lgamma(input - j / 2) + p (p - 1) / 4 log(pi), a composite of lgamma (so every
    order of gradient follows). input: any shape (float), every element > (p - 1) / 2 (torch
    leaves other values undefined; here they raise ValueError); p: an int >= 1.
    Returns input's shape and dtype."""
    if isinstance(p, bool) or not isinstance(p, numbers.Integral):
        raise TypeError(f"multigammaln: p must be an int, got {type(p).__name__}")
    if p < 1:
        raise ValueError(f"multigammaln: p has to be greater than or equal to 1, got {p}")
    a = _raw(input)
    if not hasattr(a, "dtype"):
        raise TypeError(f"multigammaln: input must be a tensor, got {type(input).__name__}")
    _check_real("multigammaln", a)
    bound = 0.5 * (p - 1)
    if a.size and bool((a <= bound).any()):  # NaN passes (and gives NaN), as in torch
        bad = a[a <= bound].reshape(-1)[0]
        raise ValueError(
            f"multigammaln: all elements must be greater than (p - 1) / 2 = {bound:g} for "
            f"p = {p}, got {float(bad)!r}"
        )
    ops = _f()
    offs = array_module(a).asarray(np.arange(p) * -0.5, dtype=a.dtype)  # 0, -1/2, -1, ...
    terms = ops.lgamma(ops.unsqueeze(input, -1) + offs)
    return ops.sum(terms, dim=-1) + p * (p - 1) / 4 * _LOG_PI


def mvlgamma(input, p):  # noqa: A002 - PyTorch's name
    """torch.mvlgamma: ``multigammaln(input, p)``. input: any shape (float); p: an int >= 1.
    Returns input's shape and dtype."""
    return multigammaln(input, p)
