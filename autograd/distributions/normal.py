"""Normal and LogNormal (``torch.distributions.Normal`` / ``LogNormal``): reparameterised
samples, log_prob, cdf, icdf, entropy, moments."""

from __future__ import annotations

import math

from .. import factory as _factory
from .. import ops as _ops
from ..tensor import Tensor
from . import constraints
from .base import Distribution, _check_float, _is_number, broadcast_all

__all__ = ["Normal", "LogNormal"]

_LOG_SQRT_2PI = math.log(math.sqrt(2 * math.pi))


def _loc_scale(self, who, loc, scale):
    self.loc, self.scale = broadcast_all(loc, scale, names=("loc", "scale"), who=who)
    _check_float(who, "loc", self.loc)
    _check_float(who, "scale", self.scale)
    return () if _is_number(loc) and _is_number(scale) else tuple(self.loc.shape)


def _expand_loc_scale(self, cls, batch_shape, _instance):
    """``expand``'s new ``cls`` instance with loc and scale expanded, and the batch shape."""
    new = self._get_checked_instance(cls, _instance)
    batch_shape = tuple(batch_shape)
    new.loc = self.loc.expand(batch_shape)
    new.scale = self.scale.expand(batch_shape)
    return new, batch_shape


def _normal_log_prob(loc, scale, x):
    return -((x - loc) ** 2) / (2 * scale**2) - scale.log() - _LOG_SQRT_2PI


def _normal_cdf(loc, scale, x):
    return 0.5 * (1 + _ops.erf((x - loc) * scale.reciprocal() / math.sqrt(2)))


def _randn(like: Tensor, shape: tuple) -> Tensor:
    return _factory.randn(shape, dtype=like.dtype, device=like.device)


class Normal(Distribution):
    """The normal distribution N(loc, scale^2).

    loc, scale: Tensors (or numbers) broadcast together to ``batch_shape``; scale > 0.
    event_shape ``()``. ``rsample`` is loc + scale * eps, eps ~ N(0, 1) from the global generator.
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        batch_shape = _loc_scale(self, "Normal", loc, scale)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new, batch_shape = _expand_loc_scale(self, Normal, batch_shape, _instance)
        return self._finish_expand(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        """loc, of batch_shape."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """loc, of batch_shape."""
        return self.loc

    @property
    def stddev(self) -> Tensor:
        """scale, of batch_shape."""
        return self.scale

    @property
    def variance(self) -> Tensor:
        """scale^2, of batch_shape."""
        return self.scale.pow(2)

    def rsample(self, sample_shape=()) -> Tensor:
        """loc + scale * eps of shape ``sample_shape + batch_shape``."""
        shape = self._extended_shape(sample_shape)
        return self.loc + _randn(self.loc, shape) * self.scale

    def log_prob(self, value) -> Tensor:
        """-(value - loc)^2 / (2 scale^2) - log(scale) - log(sqrt(2 pi))."""
        return _normal_log_prob(self.loc, self.scale, self._value(value))

    def cdf(self, value) -> Tensor:
        """(1 + erf((value - loc) / (scale sqrt 2))) / 2."""
        return _normal_cdf(self.loc, self.scale, self._value(value))

    def icdf(self, value) -> Tensor:
        """loc + scale sqrt(2) erfinv(2 value - 1) for probabilities ``value``."""
        value = self._as_tensor(value)
        return self.loc + self.scale * _ops.erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self) -> Tensor:
        """1/2 + log(2 pi)/2 + log(scale), of batch_shape."""
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()


class LogNormal(Distribution):
    """exp(X) for X ~ Normal(loc, scale): parameters as Normal's, support (0, inf).

    ``base_dist`` is that Normal; ``rsample`` is exp(base_dist.rsample()).
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.base_dist = Normal(loc, scale, validate_args=False)
        super().__init__(self.base_dist.batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(LogNormal, _instance)
        new.base_dist = self.base_dist.expand(batch_shape)
        return self._finish_expand(new, tuple(batch_shape))

    @property
    def loc(self) -> Tensor:
        """The mean of log(X), of batch_shape."""
        return self.base_dist.loc

    @property
    def scale(self) -> Tensor:
        """The standard deviation of log(X), of batch_shape."""
        return self.base_dist.scale

    def _param0(self):
        return self.base_dist.loc

    def __repr__(self):
        return "LogNormal" + repr(self.base_dist)[len("Normal") :]

    @property
    def mean(self) -> Tensor:
        """exp(loc + scale^2 / 2)."""
        return (self.loc + self.scale.pow(2) / 2).exp()

    @property
    def mode(self) -> Tensor:
        """exp(loc - scale^2)."""
        return (self.loc - self.scale.square()).exp()

    @property
    def variance(self) -> Tensor:
        """(exp(scale^2) - 1) exp(2 loc + scale^2)."""
        s2 = self.scale.pow(2)
        return s2.expm1() * (2 * self.loc + s2).exp()

    def rsample(self, sample_shape=()) -> Tensor:
        """exp(loc + scale * eps), shape ``sample_shape + batch_shape``."""
        return self.base_dist.rsample(sample_shape).exp()

    def log_prob(self, value) -> Tensor:
        """Normal(loc, scale).log_prob(log value) - log value."""
        y = self._value(value).log()
        return _normal_log_prob(self.loc, self.scale, y) - y

    def cdf(self, value) -> Tensor:
        """Normal(loc, scale).cdf(log value): 0 at value 0. As torch's (a transformed
        distribution), log(value) is what is validated, against the Normal's support (so a
        negative value, whose log is NaN, raises)."""
        y = self._as_tensor(value).log()
        if self._validate_args:
            self.base_dist._validate_sample(y)
        return _normal_cdf(self.loc, self.scale, y)

    def icdf(self, value) -> Tensor:
        """exp(Normal(loc, scale).icdf(value))."""
        return self.base_dist.icdf(value).exp()

    def entropy(self) -> Tensor:
        """Normal's entropy + loc."""
        return self.base_dist.entropy() + self.loc
