"""Geometric and Multinomial (``torch.distributions``' classes of those names). Samples carry
no gradient; log_prob, entropy and the moments differentiate in probs / logits."""

from __future__ import annotations

import math

import numpy as np

from .. import factory as _factory
from .. import ops as _ops
from ..grad_mode import no_grad
from ..tensor import Tensor
from . import constraints
from .base import (
    Distribution,
    _check_float,
    _is_number,
    _uniform,
    broadcast_all,
)
from .discrete import Binomial, Categorical, _bce_with_logits, _BinaryParam, _one_hot, _one_param

__all__ = ["Geometric", "Multinomial"]


class Geometric(_BinaryParam, Distribution):
    """The number of failures before the first success in Bernoulli(probs) trials: pmf
    (1 - p)^k p, k = 0, 1, ...

    probs (in (0, 1]) or logits, not both: a Tensor or number whose shape is the
    ``batch_shape``. Samples are of the parameter's dtype.
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None):
        name, value = _one_param("Geometric", probs, logits)
        (param,) = broadcast_all(value, names=(name,), who="Geometric")
        _check_float("Geometric", name, param)
        setattr(self, name, param)
        self._param = param
        batch_shape = () if _is_number(value) else tuple(param.shape)
        super().__init__(batch_shape, validate_args=validate_args)
        if self._validate_args and probs is not None and not bool((param > 0).all()):
            raise ValueError(
                f"Expected parameter probs ({type(param).__name__} of shape "
                f"{tuple(param.shape)}) of distribution {self!r} to be positive but found "
                f"invalid values:\n{param}"
            )

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(Geometric, _instance)
        batch_shape = tuple(batch_shape)
        self._copy_param(new, batch_shape)
        return self._finish_expand(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        """1 / p - 1."""
        return self.probs.reciprocal() - 1.0

    @property
    def mode(self) -> Tensor:
        """0, of batch_shape."""
        return _factory.zeros_like(self.probs)

    @property
    def variance(self) -> Tensor:
        """(1 / p - 1) / p."""
        return (self.probs.reciprocal() - 1.0) / self.probs

    def sample(self, sample_shape=()) -> Tensor:
        """floor(log u / log(1 - p)), u ~ U[tiny, 1), of shape ``sample_shape +
        batch_shape``; no gradient."""
        shape = self._extended_shape(sample_shape)
        with no_grad():
            p = self.probs.detach()
            u = _uniform(p, shape, float(np.finfo(p.dtype).tiny), 1.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                return (u.log() / (-p).log1p()).floor().detach()

    def log_prob(self, value) -> Tensor:
        """value log(1 - p) + log p (0 for the first term at p = 1, value = 0)."""
        value = self._value(value)
        p = self.probs
        term = _ops.where((p == 1) & (value == 0), 0.0, value * (-p).log1p())
        return term + p.log()

    def entropy(self) -> Tensor:
        """BCE-with-logits(logits, p) / p."""
        return _bce_with_logits(self.logits, self.probs) / self.probs


class Multinomial(Distribution):
    """Counts of ``total_count`` draws from a Categorical(probs / logits) over k categories.

    total_count: int (default 1; one count for the whole batch, as torch's); probs (..., k)
    non-negative or logits (..., k). ``batch_shape`` is the leading dims, ``event_shape`` (k,).
    Samples are counts of the parameter's dtype.
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if isinstance(total_count, (bool, np.bool_)) or not isinstance(
            total_count, (int, np.integer)
        ):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        if total_count < 0:
            raise ValueError(f"Multinomial: total_count must be >= 0, got {total_count}")
        self.total_count = int(total_count)
        self._categorical = Categorical(probs=probs, logits=logits, validate_args=False)
        self._binomial = Binomial(self.total_count, probs=self.probs, validate_args=False)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(Multinomial, _instance)
        batch_shape = tuple(batch_shape)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(batch_shape)
        new._binomial = Binomial(new.total_count, probs=new.probs, validate_args=False)
        return self._finish_expand(new, batch_shape)

    def _param0(self):
        return self._categorical._param

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self):
        """Non-negative counts summing to at most total_count."""
        return constraints.multinomial(self.total_count)

    @property
    def probs(self) -> Tensor:
        """Normalised probabilities (..., k)."""
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        """Normalised log-probabilities (..., k)."""
        return self._categorical.logits

    @property
    def param_shape(self) -> tuple:
        """batch_shape + (k,)."""
        return self._categorical.param_shape

    def __repr__(self):
        return f"Multinomial(total_count: {self.total_count}, {repr(self._categorical)[12:]}"

    @property
    def mean(self) -> Tensor:
        """total_count p."""
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        """total_count p (1 - p)."""
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        """Counts of shape ``sample_shape + batch_shape + (k,)``; no gradient."""
        sample_shape = tuple(sample_shape) if not isinstance(sample_shape, int) else (sample_shape,)
        k = self._event_shape[0]
        with no_grad():
            probs = self.probs.detach()
            if self.total_count == 0:
                return _factory.zeros(self._extended_shape(sample_shape), dtype=probs.dtype,
                                      device=probs.device)  # fmt: skip
            idx = self._categorical.sample((self.total_count,) + sample_shape)
            return _one_hot(idx, k, probs).sum(0).detach()

    def log_prob(self, value) -> Tensor:
        """lgamma(n + 1) - sum lgamma(x_i + 1) + sum x_i log p_i (0 where x_i = 0, p_i = 0);
        shape without the last dim."""
        value = self._value(value)
        logits = self.logits
        log_factorial_n = (value.sum(-1) + 1).lgamma()
        log_factorial_xs = (value + 1).lgamma().sum(-1)
        powers = _ops.where((value == 0) & (logits == -math.inf), 0.0, logits * value)
        return log_factorial_n - log_factorial_xs + powers.sum(-1)

    def entropy(self) -> Tensor:
        """n H(Categorical) - lgamma(n + 1) + sum_i E[lgamma(x_i + 1)], x_i ~ Binomial(n, p_i)
        (an exact sum over 1..n); of batch_shape."""
        n = self.total_count
        term1 = n * self._categorical.entropy() - math.lgamma(n + 1)
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = self._binomial.log_prob(support).exp()
        weights = (support + 1).lgamma()
        return term1 + (binomial_probs * weights).sum((0, -1))
