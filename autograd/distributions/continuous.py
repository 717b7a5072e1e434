"""Uniform, Laplace and Exponential (``torch.distributions``' classes of those names):
reparameterised samples, log_prob, cdf, icdf, entropy, moments."""

from __future__ import annotations

import math

import numpy as np

from .. import factory as _factory
from ..tensor import Tensor
from . import constraints
from .base import Distribution, _check_float, _draw, _is_number, _uniform, broadcast_all
from .normal import _expand_loc_scale, _loc_scale

__all__ = ["Uniform", "Laplace", "Exponential"]


class Uniform(Distribution):
    """The uniform distribution on [low, high).

    low, high: Tensors (or numbers) broadcast together to ``batch_shape``, low < high.
    ``rsample`` is low + u (high - low), u ~ U[0, 1).
    """

    has_rsample = True

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = broadcast_all(low, high, names=("low", "high"), who="Uniform")
        _check_float("Uniform", "low", self.low)
        _check_float("Uniform", "high", self.high)
        batch_shape = () if _is_number(low) and _is_number(high) else tuple(self.low.shape)
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def arg_constraints(self):  # type: ignore[override]
        """low < high, elementwise."""
        return {
            "low": constraints.less_than(self.high),
            "high": constraints.greater_than(self.low),
        }

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        """[low, high]."""
        return constraints.interval(self.low, self.high)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(Uniform, _instance)
        batch_shape = tuple(batch_shape)
        new.low = self.low.expand(batch_shape)
        new.high = self.high.expand(batch_shape)
        return self._finish_expand(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        """(low + high) / 2."""
        return (self.high + self.low) / 2

    @property
    def mode(self) -> Tensor:
        """NaN (every point of the interval is a mode), of batch_shape."""
        return math.nan * self.high

    @property
    def stddev(self) -> Tensor:
        """(high - low) / sqrt(12)."""
        return (self.high - self.low) / 12**0.5

    @property
    def variance(self) -> Tensor:
        """(high - low)^2 / 12."""
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape=()) -> Tensor:
        """low + u (high - low), shape ``sample_shape + batch_shape``."""
        shape = self._extended_shape(sample_shape)
        u = _factory.rand(shape, dtype=self.low.dtype, device=self.low.device)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value) -> Tensor:
        """-log(high - low) inside [low, high), -inf outside."""
        value = self._value(value)
        inside = ((self.low <= value) & (self.high > value)).astype(self.low.dtype)
        return inside.log() - (self.high - self.low).log()

    def cdf(self, value) -> Tensor:
        """(value - low) / (high - low), clamped to [0, 1]."""
        value = self._value(value)
        return ((value - self.low) / (self.high - self.low)).clamp(min=0, max=1)

    def icdf(self, value) -> Tensor:
        """low + value (high - low)."""
        return self._as_tensor(value) * (self.high - self.low) + self.low

    def entropy(self) -> Tensor:
        """log(high - low)."""
        return (self.high - self.low).log()


class Laplace(Distribution):
    """The Laplace distribution with density exp(-|x - loc| / scale) / (2 scale).

    loc, scale: Tensors (or numbers) broadcast to ``batch_shape``; scale > 0.
    ``rsample`` is loc - scale sign(u) log(1 - |u|), u ~ U(eps - 1, 1).
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        batch_shape = _loc_scale(self, "Laplace", loc, scale)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new, batch_shape = _expand_loc_scale(self, Laplace, batch_shape, _instance)
        return self._finish_expand(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        """loc."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """loc."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """2 scale^2."""
        return 2 * self.scale.pow(2)

    @property
    def stddev(self) -> Tensor:
        """sqrt(2) scale."""
        return (2**0.5) * self.scale

    def rsample(self, sample_shape=()) -> Tensor:
        """loc - scale sign(u) log1p(-|u|), shape ``sample_shape + batch_shape``."""
        shape = self._extended_shape(sample_shape)
        eps = float(np.finfo(self.loc.dtype).eps)
        u = _uniform(self.loc, shape, eps - 1, 1)
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def log_prob(self, value) -> Tensor:
        """-log(2 scale) - |value - loc| / scale."""
        value = self._value(value)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def cdf(self, value) -> Tensor:
        """1/2 - sign(value - loc) expm1(-|value - loc| / scale) / 2."""
        value = self._value(value)
        d = value - self.loc
        return 0.5 - 0.5 * d.sign() * (-d.abs() / self.scale).expm1()

    def icdf(self, value) -> Tensor:
        """loc - scale sign(value - 1/2) log1p(-2 |value - 1/2|)."""
        term = self._as_tensor(value) - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    def entropy(self) -> Tensor:
        """1 + log(2 scale)."""
        return 1 + (2 * self.scale).log()


class Exponential(Distribution):
    """The exponential distribution with density rate exp(-rate x) on [0, inf).

    rate: Tensor (or number) > 0, its shape the ``batch_shape``. ``rsample`` is E / rate,
    E ~ Exp(1).
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate, names=("rate",), who="Exponential")
        _check_float("Exponential", "rate", self.rate)
        batch_shape = () if _is_number(rate) else tuple(self.rate.shape)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(Exponential, _instance)
        batch_shape = tuple(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        return self._finish_expand(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        """1 / rate."""
        return self.rate.reciprocal()

    @property
    def mode(self) -> Tensor:
        """0, of batch_shape."""
        return _factory.zeros_like(self.rate)

    @property
    def stddev(self) -> Tensor:
        """1 / rate."""
        return self.rate.reciprocal()

    @property
    def variance(self) -> Tensor:
        """rate^-2."""
        return self.rate.pow(-2)

    def rsample(self, sample_shape=()) -> Tensor:
        """E / rate, E ~ Exp(1), shape ``sample_shape + batch_shape``."""
        shape = self._extended_shape(sample_shape)
        e = _draw(self.rate, shape, lambda g, s: g.standard_exponential(size=s))
        return e / self.rate

    def log_prob(self, value) -> Tensor:
        """log(rate) - rate value."""
        value = self._value(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value) -> Tensor:
        """1 - exp(-rate value)."""
        value = self._value(value)
        return 1 - (-self.rate * value).exp()

    def icdf(self, value) -> Tensor:
        """-log1p(-value) / rate."""
        return -(-self._as_tensor(value)).log1p() / self.rate

    def entropy(self) -> Tensor:
        """1 - log(rate)."""
        return 1.0 - self.rate.log()
