"""Cauchy, HalfCauchy, HalfNormal, Gumbel, StudentT and Chi2 (``torch.distributions``' classes
of those names): reparameterised samples, log_prob, cdf / icdf and entropy where torch has them,
moments.

As torch's, HalfNormal and HalfCauchy are ``TransformedDistribution``s of a Normal / Cauchy by
``AbsTransform``, Gumbel one of a Uniform by ``-log(-log u)`` and an affine map, and Chi2(df) is
Gamma(df / 2, 1 / 2). StudentT's rsample is ``loc + scale X / sqrt(Z / df)``, X ~ N(0, 1), Z ~
Chi2(df): exact to any order in loc and scale, first order in df (through Gamma's implicit
reparameterisation, as torch's).
"""

from __future__ import annotations

import math

import numpy as np

from .. import factory as _factory
from .. import ops as _ops
from ..tensor import Tensor
from . import constraints
from .base import Distribution, _check_float, _draw, _is_number, broadcast_all
from .gamma import Gamma
from .normal import Normal, _expand_loc_scale, _loc_scale
from .transformed import TransformedDistribution
from .transforms import AbsTransform, AffineTransform, ExpTransform

__all__ = ["Cauchy", "HalfCauchy", "HalfNormal", "Gumbel", "StudentT", "Chi2"]

_EULER = 0.57721566490153286060
_LOG2 = math.log(2.0)


def _full(like: Tensor, shape, value) -> Tensor:
    return _factory.full(tuple(shape), value, dtype=like.dtype, device=like.device)


class Cauchy(Distribution):
    """The Cauchy distribution, density 1 / (pi scale (1 + ((x - loc) / scale)^2)).

    loc, scale: Tensors (or numbers) broadcast to ``batch_shape``; scale > 0. ``rsample`` is
    loc + scale eps, eps standard Cauchy. Mean NaN and variance inf (undefined), as torch's.
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        batch_shape = _loc_scale(self, "Cauchy", loc, scale)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new, batch_shape = _expand_loc_scale(self, Cauchy, batch_shape, _instance)
        return self._finish_expand(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        """NaN (undefined), of batch_shape."""
        return _full(self.loc, self._extended_shape(), math.nan)

    @property
    def mode(self) -> Tensor:
        """loc."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """inf (undefined), of batch_shape."""
        return _full(self.loc, self._extended_shape(), math.inf)

    def rsample(self, sample_shape=()) -> Tensor:
        """loc + scale eps, eps standard Cauchy, shape ``sample_shape + batch_shape``."""
        shape = self._extended_shape(sample_shape)
        eps = _draw(self.loc, shape, lambda g, s: g.standard_cauchy(size=s))
        return self.loc + eps * self.scale

    def log_prob(self, value) -> Tensor:
        """-log(pi) - log(scale) - log1p(((value - loc) / scale)^2)."""
        value = self._value(value)
        z = (value - self.loc) / self.scale
        return -math.log(math.pi) - self.scale.log() - z.pow(2).log1p()

    def cdf(self, value) -> Tensor:
        """atan((value - loc) / scale) / pi + 1/2."""
        value = self._value(value)
        return ((value - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value) -> Tensor:
        """loc + scale tan(pi (value - 1/2))."""
        value = self._as_tensor(value)
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self) -> Tensor:
        """log(4 pi) + log(scale)."""
        return math.log(4 * math.pi) + self.scale.log()


class _HalfOf(TransformedDistribution):
    """|X| for X ~ ``_base``(0, scale): support [0, inf), the density doubled there.

    scale: Tensor (or number) > 0, its shape the ``batch_shape``. ``base_dist`` is that
    distribution. Subclasses set ``_base`` and give mean and variance.
    """

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _base: type

    def __init__(self, scale, validate_args=None):
        base = self._base(0.0, scale, validate_args=False)
        super().__init__(base, AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(type(self), _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def scale(self) -> Tensor:
        """The base distribution's scale, of batch_shape."""
        return self.base_dist.scale

    def __repr__(self):
        return f"{type(self).__name__}(scale: {_desc(self.scale)})"

    @property
    def mode(self) -> Tensor:
        """0, of batch_shape."""
        return _factory.zeros_like(self.scale)

    def log_prob(self, value) -> Tensor:
        """base.log_prob(value) + log 2 for value >= 0, -inf below."""
        value = self._value(value)
        lp = self.base_dist.log_prob(value) + _LOG2
        return _ops.where(value >= 0, lp, -math.inf)

    def cdf(self, value) -> Tensor:
        """2 base.cdf(value) - 1."""
        value = self._value(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, value) -> Tensor:
        """base.icdf((value + 1) / 2)."""
        return self.base_dist.icdf((self._as_tensor(value) + 1) / 2)

    def entropy(self) -> Tensor:
        """base.entropy() - log 2."""
        return self.base_dist.entropy() - _LOG2


class HalfNormal(_HalfOf):
    """|X| for X ~ Normal(0, scale): support [0, inf).

    scale: Tensor (or number) > 0, its shape the ``batch_shape``. ``base_dist`` is that Normal.
    """

    _base = Normal

    @property
    def mean(self) -> Tensor:
        """scale sqrt(2 / pi)."""
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self) -> Tensor:
        """scale^2 (1 - 2 / pi)."""
        return self.scale.pow(2) * (1 - 2 / math.pi)


class HalfCauchy(_HalfOf):
    """|X| for X ~ Cauchy(0, scale): support [0, inf); mean and variance inf.

    scale: Tensor (or number) > 0, its shape the ``batch_shape``. ``base_dist`` is that Cauchy.
    """

    _base = Cauchy

    @property
    def mean(self) -> Tensor:
        """inf, of batch_shape."""
        return _full(self.scale, self._extended_shape(), math.inf)

    @property
    def variance(self) -> Tensor:
        """inf, of batch_shape."""
        return _full(self.scale, self._extended_shape(), math.inf)


def _desc(t: Tensor):
    return t.item() if t.numel() == 1 else tuple(t.shape)


class Gumbel(TransformedDistribution):
    """The Gumbel (type-1 extreme value) distribution, cdf exp(-exp(-(x - loc) / scale)).

    loc, scale: Tensors (or numbers) broadcast to ``batch_shape``; scale > 0. As torch's, a
    Uniform(tiny, 1 - eps) pushed through ``-log(-log u)`` and ``loc + scale (.)``: rsample is
    loc - scale log(-log u).
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        from .continuous import Uniform

        batch_shape = _loc_scale(self, "Gumbel", loc, scale)
        fi = np.finfo(self.loc.dtype)
        low = _full(self.loc, batch_shape, float(fi.tiny))
        high = _full(self.loc, batch_shape, 1.0 - float(fi.eps))
        base = Uniform(low, high, validate_args=validate_args)
        transforms = [
            ExpTransform().inv,
            AffineTransform(loc=0, scale=-_factory.ones_like(self.scale)),
            ExpTransform().inv,
            AffineTransform(loc=self.loc, scale=-self.scale),
        ]
        super().__init__(base, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new, _ = _expand_loc_scale(self, Gumbel, batch_shape, _instance)
        return super().expand(batch_shape, _instance=new)

    def __repr__(self):
        return f"Gumbel(loc: {_desc(self.loc)}, scale: {_desc(self.scale)})"

    def log_prob(self, value) -> Tensor:
        """z - exp(z) - log(scale), z = (loc - value) / scale."""
        value = self._value(value)
        z = (self.loc - value) / self.scale
        return (z - z.exp()) - self.scale.log()

    @property
    def mean(self) -> Tensor:
        """loc + scale * Euler's gamma."""
        return self.loc + self.scale * _EULER

    @property
    def mode(self) -> Tensor:
        """loc."""
        return self.loc

    @property
    def stddev(self) -> Tensor:
        """pi scale / sqrt(6)."""
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self) -> Tensor:
        """(pi scale)^2 / 6."""
        return self.stddev.pow(2)

    def entropy(self) -> Tensor:
        """log(scale) + 1 + Euler's gamma."""
        return self.scale.log() + (1 + _EULER)


class StudentT(Distribution):
    """Student's t with ``df`` degrees of freedom, location ``loc`` and scale ``scale``.

    df, loc (default 0), scale (default 1): Tensors (or numbers) broadcast to ``batch_shape``;
    df, scale > 0. Mean NaN where df <= 1; variance inf for 1 < df <= 2 and NaN for df <= 1.
    No cdf (torch has none).
    """

    arg_constraints = {
        "df": constraints.positive,
        "loc": constraints.real,
        "scale": constraints.positive,
    }
    support = constraints.real
    has_rsample = True

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        self.df, self.loc, self.scale = broadcast_all(
            df, loc, scale, names=("df", "loc", "scale"), who="StudentT"
        )
        for name in ("df", "loc", "scale"):
            _check_float("StudentT", name, getattr(self, name))
        self._chi2 = Chi2(self.df, validate_args=False)
        scalar = _is_number(df) and _is_number(loc) and _is_number(scale)
        super().__init__(() if scalar else tuple(self.df.shape), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(StudentT, _instance)
        batch_shape = tuple(batch_shape)
        new.df = self.df.expand(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        new._chi2 = self._chi2.expand(batch_shape)
        return self._finish_expand(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        """loc where df > 1, NaN elsewhere."""
        return _ops.where(self.df <= 1, math.nan, self.loc)

    @property
    def mode(self) -> Tensor:
        """loc."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """scale^2 df / (df - 2) where df > 2, inf where 1 < df <= 2, NaN where df <= 1."""
        df = self.df
        safe = _ops.where(df > 2, df, 3.0)
        v = self.scale.pow(2) * safe / (safe - 2)
        # each where has a tensor operand, so the fill keeps df's dtype (two Python floats
        # alone would make a float64 array)
        return _ops.where(df > 1, _ops.where(df > 2, v, math.inf), math.nan)

    def rsample(self, sample_shape=()) -> Tensor:
        """loc + scale X / sqrt(Z / df), X ~ N(0, 1), Z ~ Chi2(df); shape ``sample_shape +
        batch_shape``."""
        shape = self._extended_shape(sample_shape)
        x = _factory.randn(shape, dtype=self.df.dtype, device=self.df.device)
        z = self._chi2.rsample(sample_shape)
        return self.loc + self.scale * (x * (z / self.df).rsqrt())

    def log_prob(self, value) -> Tensor:
        """-(df + 1)/2 log1p(y^2 / df) - log(scale) - log(df pi)/2 - lgamma(df/2) +
        lgamma((df + 1)/2), y = (value - loc) / scale."""
        value = self._value(value)
        df = self.df
        y = (value - self.loc) / self.scale
        z = (
            self.scale.log()
            + 0.5 * df.log()
            + 0.5 * math.log(math.pi)
            + (0.5 * df).lgamma()
            - (0.5 * (df + 1.0)).lgamma()
        )
        return -0.5 * (df + 1.0) * (y.pow(2) / df).log1p() - z

    def entropy(self) -> Tensor:
        """log(scale) + (df + 1)/2 (digamma((df + 1)/2) - digamma(df/2)) + log(df)/2 +
        log B(df/2, 1/2)."""
        df = self.df
        lbeta = (0.5 * df).lgamma() + math.lgamma(0.5) - (0.5 * (df + 1)).lgamma()
        return (
            self.scale.log()
            + 0.5 * (df + 1) * ((0.5 * (df + 1)).digamma() - (0.5 * df).digamma())
            + 0.5 * df.log()
            + lbeta
        )


class Chi2(Gamma):
    """The chi-squared distribution with ``df`` degrees of freedom: Gamma(df / 2, 1 / 2).

    df: Tensor (or number) > 0, its shape the ``batch_shape``.
    """

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df, validate_args=None):
        if _is_number(df):
            super().__init__(0.5 * float(df), 0.5, validate_args=validate_args)
            return
        (df,) = broadcast_all(df, names=("df",), who="Chi2")
        _check_float("Chi2", "df", df)
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(Chi2, _instance)
        return super().expand(batch_shape, new)

    @property
    def df(self) -> Tensor:
        """2 concentration, of batch_shape."""
        return self.concentration * 2

    def __repr__(self):
        return f"Chi2(df: {_desc(self.df)})"
