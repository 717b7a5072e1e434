"""Tensor methods calling the entry points in ``autograd/ops/special.py``, and the random
methods: ``bernoulli`` and ``multinomial`` (``autograd/factory.py``) and the in-place fills
``bernoulli_``, ``random_``, ``exponential_``, ``geometric_``, ``log_normal_``, ``cauchy_``."""

from __future__ import annotations


def _ops():
    from .. import ops  # late: autograd.ops imports the tensor module

    return ops


def _factory():
    from .. import factory  # late: factory imports the tensor module

    return factory


def _fill(t, op, params, generator):
    """``t`` overwritten in place with samples of the fill ``op`` (``autograd.random``'s
    ``check_fill`` / ``draw_fill``), under the in-place rules of ``autograd.inplace.apply_op``:
    refused on a leaf that requires grad while recording (nothing drawn then); on a recorded
    graph the write is recorded, passing a zero gradient back to the old value (PyTorch's)."""
    from .. import random as _random
    from ..inplace import apply_op
    from ..tensor import Tensor

    d = t._data
    params = _random.check_fill(op, d.dtype, d.shape, params)

    def sample(old):
        arr = _random.draw_fill(op, d.shape, d.dtype, params, generator)
        if type(d) is not type(arr):  # cuda: sampled on the host, copied over
            from backends import array_module

            arr = array_module(d).asarray(arr)
        if isinstance(old, Tensor):  # recorded: the old value gets a zero gradient
            return _ops().where(True, arr, old)
        return arr

    return apply_op(t, op, sample)


class SpecialMethods:
    """Mixin of Tensor: methods for the ops in ``autograd/ops/special.py``."""

    __slots__ = ()

    # -- unary --------------------------------------------------------------------------------

    def sinh(self):
        """See ``autograd.sinh``: hyperbolic sine elementwise."""
        return _ops().sinh(self)

    def cosh(self):
        """See ``autograd.cosh``: hyperbolic cosine elementwise."""
        return _ops().cosh(self)

    def asinh(self):
        """See ``autograd.asinh``: inverse hyperbolic sine elementwise."""
        return _ops().asinh(self)

    def acosh(self):
        """See ``autograd.acosh``: inverse hyperbolic cosine elementwise (x >= 1)."""
        return _ops().acosh(self)

    def atanh(self):
        """See ``autograd.atanh``: inverse hyperbolic tangent elementwise (|x| < 1)."""
        return _ops().atanh(self)

    def asin(self):
        """See ``autograd.asin``: arcsine elementwise."""
        return _ops().asin(self)

    def acos(self):
        """See ``autograd.acos``: arccosine elementwise."""
        return _ops().acos(self)

    def atan(self):
        """See ``autograd.atan``: arctangent elementwise."""
        return _ops().atan(self)

    arcsinh, arccosh, arctanh, arcsin, arccos, arctan = asinh, acosh, atanh, asin, acos, atan

    def log10(self):
        """See ``autograd.log10``: base-10 log elementwise."""
        return _ops().log10(self)

    def exp2(self):
        """See ``autograd.exp2``: 2^x elementwise."""
        return _ops().exp2(self)

    def sinc(self):
        """See ``autograd.sinc``: sin(pi x) / (pi x), 1 at 0."""
        return _ops().sinc(self)

    def i0(self):
        """See ``autograd.i0``: the modified Bessel function of the first kind, order 0."""
        return _ops().i0(self)

    def mvlgamma(self, p):
        """See ``autograd.mvlgamma``: the multivariate log-gamma function of dimension p."""
        return _ops().mvlgamma(self, p)

    def logit(self, eps=None):
        """See ``autograd.logit``: log(x / (1 - x)), x clamped to [eps, 1 - eps] if given."""
        return _ops().logit(self, eps)

    def erfc(self):
        """See ``autograd.erfc``: complementary error function."""
        return _ops().erfc(self)

    def erfinv(self):
        """See ``autograd.erfinv``: inverse error function."""
        return _ops().erfinv(self)

    def lgamma(self):
        """See ``autograd.lgamma``: log |Gamma(x)|."""
        return _ops().lgamma(self)

    def digamma(self):
        """See ``autograd.digamma``: d/dx log Gamma(x)."""
        return _ops().digamma(self)

    def polygamma(self, n):
        """See ``autograd.polygamma``: the n-th derivative of digamma."""
        return _ops().polygamma(n, self)

    def frac(self):
        """See ``autograd.frac``: x - trunc(x)."""
        return _ops().frac(self)

    def deg2rad(self):
        """See ``autograd.deg2rad``: degrees to radians."""
        return _ops().deg2rad(self)

    def rad2deg(self):
        """See ``autograd.rad2deg``: radians to degrees."""
        return _ops().rad2deg(self)

    def positive(self):
        """See ``autograd.positive``: the tensor itself."""
        return _ops().positive(self)

    def signbit(self):
        """See ``autograd.signbit``: whether the sign bit is set (bool)."""
        return _ops().signbit(self)

    # -- binary -------------------------------------------------------------------------------

    def atan2(self, other):
        """See ``autograd.atan2``: the angle of the point (other, self)."""
        return _ops().atan2(self, other)

    arctan2 = atan2

    def hypot(self, other):
        """See ``autograd.hypot``: sqrt(self^2 + other^2)."""
        return _ops().hypot(self, other)

    def logaddexp(self, other):
        """See ``autograd.logaddexp``: log(e^self + e^other)."""
        return _ops().logaddexp(self, other)

    def logaddexp2(self, other):
        """See ``autograd.logaddexp2``: log2(2^self + 2^other)."""
        return _ops().logaddexp2(self, other)

    def xlogy(self, other):
        """See ``autograd.xlogy``: self * log(other), 0 where self == 0."""
        return _ops().xlogy(self, other)

    def fmod(self, other):
        """See ``autograd.fmod``: the C remainder (sign of self)."""
        return _ops().fmod(self, other)

    def copysign(self, other):
        """See ``autograd.copysign``: |self| with the sign of other."""
        return _ops().copysign(self, other)

    def float_power(self, exponent):
        """See ``autograd.float_power``: self ** exponent in float64."""
        return _ops().float_power(self, exponent)

    def lerp(self, end, weight):
        """See ``autograd.lerp``: self + weight * (end - self)."""
        return _ops().lerp(self, end, weight)

    def clamp_min(self, min):  # noqa: A002 - PyTorch's name
        """See ``autograd.clamp_min``: max(self, min)."""
        return _ops().clamp_min(self, min)

    def clamp_max(self, max):  # noqa: A002 - PyTorch's name
        """See ``autograd.clamp_max``: min(self, max)."""
        return _ops().clamp_max(self, max)

    # -- others -------------------------------------------------------------------------------

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        """See ``autograd.nan_to_num``: NaN and infinities replaced by numbers."""
        return _ops().nan_to_num(self, nan, posinf, neginf)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """See ``autograd.isclose``: elementwise closeness (bool)."""
        return _ops().isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """See ``autograd.allclose``: whether isclose holds everywhere (Python bool)."""
        return _ops().allclose(self, other, rtol, atol, equal_nan)

    # -- ternary (optimisers' updates) --------------------------------------------------------

    def addcmul(self, tensor1, tensor2, *, value=1):
        """See ``autograd.addcmul``: self + value * tensor1 * tensor2."""
        return _ops().addcmul(self, tensor1, tensor2, value=value)

    def addcdiv(self, tensor1, tensor2, *, value=1):
        """See ``autograd.addcdiv``: self + value * tensor1 / tensor2."""
        return _ops().addcdiv(self, tensor1, tensor2, value=value)

    # -- random -------------------------------------------------------------------------------

    def bernoulli(self, p=None, *, generator=None):
        """See ``autograd.bernoulli``: 0/1 samples, 1 with probability self (or ``p``)."""
        return _factory().bernoulli(self, p, generator=generator)

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        """See ``autograd.multinomial``: int64 category indices drawn with self's row weights."""
        return _factory().multinomial(self, num_samples, replacement, generator=generator)

    def bernoulli_(self, p=0.5, *, generator=None):
        """Fill in place with 0/1, 1 with probability p (a number, or a float tensor
        broadcasting to self's shape, values in [0, 1]); any dtype. Returns self."""
        from ..tensor import Tensor

        if isinstance(p, Tensor):
            p = p._data
        return _fill(self, "bernoulli_", (p,), generator)

    def random_(self, *args, generator=None, **kwargs):
        """Fill in place with integers uniform on [from, to - 1], as PyTorch's three forms:
        ``random_()`` (from 0 to the dtype's top: its largest int, 2^digits for floats, 2^24 for
        float32), ``random_(to)``, ``random_(from, to)`` (``to=None``: up to the dtype's top).
        ``from`` and ``to`` may be keywords. Returns self."""
        extra = set(kwargs) - {"from", "to"}
        if extra or len(args) > 2:
            raise TypeError(
                f"random_: expected random_(), random_(to) or random_(from, to), got {len(args)} "
                f"positional arguments{' and keywords ' + str(sorted(extra)) if extra else ''}"
            )
        if len(args) == 1 and "to" not in kwargs:  # random_(to)
            if kwargs:
                raise TypeError("random_: random_(to) takes no 'from'; use random_(from, to)")
            lo, hi = 0, args[0]
        else:
            named = dict(zip(("from", "to"), args))
            if set(named) & set(kwargs):
                raise TypeError(f"random_: got {sorted(set(named) & set(kwargs))} twice")
            named.update(kwargs)
            lo, hi = named.get("from", 0), named.get("to")
        return _fill(self, "random_", (lo, hi), generator)

    def exponential_(self, lambd=1.0, *, generator=None):
        """Fill in place with exponential samples of rate ``lambd`` > 0 (mean 1 / lambd); float
        dtypes only. Returns self."""
        return _fill(self, "exponential_", (lambd,), generator)

    def geometric_(self, p, *, generator=None):
        """Fill in place with geometric samples: the number of Bernoulli(p) trials up to the first
        success (1, 2, ...), 0 < p < 1. Returns self."""
        return _fill(self, "geometric_", (p,), generator)

    def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
        """Fill in place with exp(N(mean, std^2)) samples, std > 0; float dtypes only. Returns
        self."""
        return _fill(self, "log_normal_", (mean, std), generator)

    def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
        """Fill in place with Cauchy samples (location median, scale sigma > 0); float dtypes
        only. Returns self."""
        return _fill(self, "cauchy_", (median, sigma), generator)
