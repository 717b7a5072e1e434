"""Discrete distributions (``torch.distributions``' classes of these names): Bernoulli,
Binomial, Categorical, OneHotCategorical, Poisson. Samples carry no gradient (no rsample);
log_prob, entropy and the moments are differentiable in probs / logits / rate."""

from __future__ import annotations

import math

import numpy as np

from .. import factory as _factory
from .. import ops as _ops
from ..grad_mode import no_grad
from ..tensor import Tensor
from ..tensor import tensor as _tensor
from . import constraints
from .base import (
    Distribution,
    _check_float,
    _draw,
    _host_params,
    _is_number,
    broadcast_all,
    lazy_property,
    logits_to_probs,
    probs_to_logits,
)

__all__ = ["Bernoulli", "Binomial", "Categorical", "OneHotCategorical", "Poisson"]


def _one_param(who, probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError(f"{who}: either `probs` or `logits` must be specified, but not both.")
    return ("probs", probs) if probs is not None else ("logits", logits)


def _softplus(x: Tensor) -> Tensor:
    """log(1 + e^x), exact for every x (no threshold)."""
    return _ops.logaddexp(x, 0.0)


def _bce_with_logits(logits: Tensor, target: Tensor) -> Tensor:
    """Binary cross entropy with logits, elementwise: softplus(logits) - logits * target, as
    (1 - target) softplus(logits) + target softplus(-logits) with a zero weight's term dropped,
    so that logits of +-inf give inf or 0 rather than NaN (inf * 0)."""
    t1 = _ops.where(target == 0, 0.0, target * _softplus(-logits))
    t0 = _ops.where(target == 1, 0.0, (1 - target) * _softplus(logits))
    return t0 + t1


def _one_hot(indices: Tensor, k: int, like: Tensor) -> Tensor:
    """indices (...) int -> (..., k) one-hot of ``like``'s dtype."""
    return (indices.unsqueeze(-1) == _factory.arange(k, device=indices.device)).astype(like.dtype)


def _enumerate(values: Tensor, batch_shape: tuple, expand: bool, event: tuple = ()) -> Tensor:
    """values (n, *event) laid out as (n, 1.., *event), expanded to (n, *batch, *event)."""
    n = values.shape[0]
    values = values.reshape((n,) + (1,) * len(batch_shape) + event)
    return values.expand((n,) + batch_shape + event) if expand else values


class _BinaryParam:
    """The probs / logits pair of a family with a binary event (Bernoulli, Binomial,
    Geometric, LogitRelaxedBernoulli): one is given (``self._param``), the other is derived
    when first read."""

    def _copy_param(self, new, batch_shape):
        """Give ``new`` (an expand's instance) the given parameter expanded to batch_shape."""
        for name in ("probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(batch_shape))
                new._param = getattr(new, name)

    def _param0(self):
        return self._param

    @lazy_property
    def logits(self) -> Tensor:
        """Log-odds of the clamped probs, of batch_shape."""
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        """sigmoid(logits), of batch_shape."""
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> tuple:
        """The shape of the given probs / logits."""
        return tuple(self._param.shape)


class Bernoulli(_BinaryParam, Distribution):
    """1 with probability ``probs``, 0 otherwise.

    probs (in [0, 1]) or logits (log-odds), not both: a Tensor or number whose shape is the
    ``batch_shape``. Samples are 0./1. of the parameter's dtype.
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        name, value = _one_param("Bernoulli", probs, logits)
        (param,) = broadcast_all(value, names=(name,), who="Bernoulli")
        _check_float("Bernoulli", name, param)
        setattr(self, name, param)
        self._param = param
        batch_shape = () if _is_number(value) else tuple(param.shape)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(Bernoulli, _instance)
        batch_shape = tuple(batch_shape)
        self._copy_param(new, batch_shape)
        return self._finish_expand(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        """probs."""
        return self.probs

    @property
    def mode(self) -> Tensor:
        """1 where probs > 1/2, 0 where below, NaN at 1/2."""
        p = self.probs
        return _ops.where(p == 0.5, math.nan, (p >= 0.5).astype(p.dtype))

    @property
    def variance(self) -> Tensor:
        """p (1 - p)."""
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        """0./1. draws of shape ``sample_shape + batch_shape``; no gradient."""
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return _factory.bernoulli(self.probs.detach().expand(shape)).detach()

    def log_prob(self, value) -> Tensor:
        """value * logits - softplus(logits) (= -BCE with logits)."""
        value = self._value(value)
        return -_bce_with_logits(self.logits, value)

    def entropy(self) -> Tensor:
        """softplus(logits) - logits * probs."""
        return _bce_with_logits(self.logits, self.probs)

    def enumerate_support(self, expand=True) -> Tensor:
        """[0., 1.] as (2,) + batch_shape (``expand=False``: batch dims of size 1)."""
        p = self._param
        values = _factory.arange(2, dtype=p.dtype, device=p.device)
        return _enumerate(values, self._batch_shape, expand)


def _binomial(g, n, p, shape):
    """Binomial(n, p) counts of ``shape`` (float64) from generator g; n, p: float64 arrays
    broadcastable to ``shape``. Out-of-range parameters as PyTorch's sampler (see
    ``Binomial.sample``); a count above 2**62 raises ValueError."""
    ok = (n > 0) & (n < 2.0**62) & (p > 0) & (p < 1)  # False for NaN
    if ok.all():
        return g.binomial(n.astype(np.int64), p, size=shape)
    n, p = np.broadcast_to(n, shape), np.broadcast_to(p, shape)
    ok = np.broadcast_to(ok, shape)
    big = (n >= 2.0**62) & np.isfinite(n) & (p > 0) & (p < 1)
    if np.any(big):
        raise ValueError(
            f"Binomial.sample: total_count {float(n[big].max())} is too large to sample "
            "(at most 2**62)"
        )
    out = np.full(shape, np.nan)
    out[(n <= 0) | (p <= 0)] = 0.0
    full = (p >= 1) & (n > 0)
    out[full] = n[full]
    out[ok] = g.binomial(n[ok].astype(np.int64), p[ok])
    return out


class Binomial(_BinaryParam, Distribution):
    """The number of successes in ``total_count`` Bernoulli(probs) trials.

    total_count: int or Tensor of integers >= 0 (default 1); probs (in [0, 1]) or logits, not
    both; all broadcast to ``batch_shape``. total_count is kept in the parameter's dtype.
    """

    arg_constraints = {
        "total_count": constraints.nonnegative_integer,
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        name, value = _one_param("Binomial", probs, logits)
        if _is_number(value) and isinstance(total_count, Tensor):
            value = _tensor(value, device=total_count.device)
        tc, param = broadcast_all(total_count, value, names=("total_count", name), who="Binomial")
        _check_float("Binomial", name, param)
        self.total_count = tc.astype(param.dtype)
        setattr(self, name, param)
        self._param = param
        super().__init__(tuple(param.shape), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(Binomial, _instance)
        batch_shape = tuple(batch_shape)
        new.total_count = self.total_count.expand(batch_shape)
        self._copy_param(new, batch_shape)
        return self._finish_expand(new, batch_shape)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        """Integers in [0, total_count]."""
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self) -> Tensor:
        """n p."""
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        """min(floor((n + 1) p), n)."""
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        """n p (1 - p)."""
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        """Counts of shape ``sample_shape + batch_shape`` (the parameter's dtype); no gradient.

        Parameters that ``validate_args=False`` lets through give PyTorch's values: 0 where
        total_count <= 0 or probs <= 0, total_count where probs >= 1, NaN where probs is NaN
        (and where total_count is NaN or infinite, on which PyTorch does not return).
        """
        shape = self._extended_shape(sample_shape)
        n, p = _host_params(self.total_count, self.probs)
        return _draw(self._param, shape, lambda g, s: _binomial(g, n, p, s))

    def log_prob(self, value) -> Tensor:
        """log C(n, k) + k logits - n log(1 + e^logits), written stably."""
        value = self._value(value)
        n, logits = self.total_count, self.logits
        log_norm = (
            n * (logits.clamp(min=0) + logits - logits.clamp(max=0)) / 2
            + n * (-logits.abs()).exp().log1p()
            - (n + 1).lgamma()
        )
        return value * logits - (value + 1).lgamma() - (n - value + 1).lgamma() - log_norm

    def entropy(self) -> Tensor:
        """-sum_k P(k) log P(k) over k = 0..n (one total_count for the whole batch)."""
        n = self._homogeneous("entropy")
        values = _factory.arange(n + 1, dtype=self._param.dtype, device=self._param.device)
        lp = self.log_prob(_enumerate(values, self._batch_shape, False))
        return -(lp.exp() * lp).sum(0)

    def _homogeneous(self, what: str) -> int:
        tc = self.total_count.detach()
        n = int(tc.max().item()) if tc.numel() else 0
        if tc.numel() and int(tc.min().item()) != n:
            raise NotImplementedError(
                f"Binomial: inhomogeneous total count not supported by {what}."
            )
        return n

    def enumerate_support(self, expand=True) -> Tensor:
        """0..n as (n + 1,) + batch_shape (one total_count for the whole batch)."""
        n = self._homogeneous("enumerate_support")
        values = _factory.arange(n + 1, dtype=self._param.dtype, device=self._param.device)
        return _enumerate(values, self._batch_shape, expand)


class Categorical(Distribution):
    """An index in 0..k-1 drawn with the given probabilities.

    probs (..., k): non-negative, normalised to sum to 1 over the last dim; or logits (..., k):
    unnormalised log-probabilities (normalised by logsumexp). ``batch_shape`` is the leading
    dims; samples are int64 of shape ``sample_shape + batch_shape``.
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        name, value = _one_param("Categorical", probs, logits)
        if not isinstance(value, Tensor):
            raise TypeError(f"Categorical: {name} must be a Tensor, got {type(value).__name__}")
        _check_float("Categorical", name, value)
        if value.ndim < 1:
            raise ValueError(f"Categorical: `{name}` parameter must be at least one-dimensional.")
        if name == "probs":
            self.probs = value / value.sum(-1, keepdim=True)
        else:
            self.logits = value - value.logsumexp(-1, keepdim=True)
        self._param = self.probs if name == "probs" else self.logits
        self._num_events = value.shape[-1]
        super().__init__(tuple(value.shape[:-1]), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(Categorical, _instance)
        batch_shape = tuple(batch_shape)
        for name in ("probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(batch_shape + (self._num_events,)))
                new._param = getattr(new, name)
        new._num_events = self._num_events
        return self._finish_expand(new, batch_shape)

    def _param0(self):
        return self._param

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        """Integers in [0, k - 1]."""
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self) -> Tensor:
        """Normalised log-probabilities (..., k) (log of the clamped probs)."""
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        """Normalised probabilities (..., k)."""
        return logits_to_probs(self.logits)

    @property
    def param_shape(self) -> tuple:
        """batch_shape + (k,)."""
        return tuple(self._param.shape)

    @property
    def mean(self) -> Tensor:
        """NaN (undefined), of batch_shape, the probs' dtype."""
        return _factory.full(
            self._batch_shape, math.nan, dtype=self.probs.dtype, device=self.probs.device
        )

    @property
    def variance(self) -> Tensor:
        """NaN (undefined), of batch_shape."""
        return self.mean

    @property
    def mode(self) -> Tensor:
        """argmax of probs (int64), of batch_shape."""
        return self.probs.argmax(-1)

    def sample(self, sample_shape=()) -> Tensor:
        """int64 indices of shape ``sample_shape + batch_shape``."""
        shape = self._extended_shape(sample_shape)
        n = int(np.prod(shape[: len(shape) - len(self._batch_shape)], dtype=np.int64))
        probs = self.probs.detach().reshape(-1, self._num_events)
        if n == 0 or probs.shape[0] == 0:
            return _factory.zeros(shape, dtype=np.int64, device=probs.device)
        return _factory.multinomial(probs, n, True).T.reshape(shape)

    def log_prob(self, value) -> Tensor:
        """logits[value] (normalised), shape broadcast(value.shape, batch_shape)."""
        value = self._value(value, index=True).long()
        if not self._validate_args and value.numel():  # gather would wrap a negative index
            lo, hi = int(value.min().item()), int(value.max().item())
            if lo < 0 or hi >= self._num_events:
                bad = lo if lo < 0 else hi
                raise IndexError(
                    f"Categorical.log_prob: index {bad} is out of bounds for "
                    f"{self._num_events} categories (values must be in [0, {self._num_events - 1}])"
                )
        shape = tuple(np.broadcast_shapes(tuple(value.shape), self._batch_shape))
        idx = value.expand(shape).unsqueeze(-1)
        logits = self.logits.expand(shape + (self._num_events,))
        return logits.gather(-1, idx).squeeze(-1)

    def entropy(self) -> Tensor:
        """-sum p log p over the last dim (logits clamped at the dtype's min), of batch_shape."""
        logits = self.logits.clamp(min=float(np.finfo(self.logits.dtype).min))
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand=True) -> Tensor:
        """0..k-1 (int64) as (k,) + batch_shape (``expand=False``: batch dims of size 1)."""
        values = _factory.arange(self._num_events, device=self._param.device)
        return _enumerate(values, self._batch_shape, expand)


class OneHotCategorical(Distribution):
    """Categorical draws coded one-hot: event_shape (k,), samples of the probs' dtype.

    probs / logits as Categorical's (the shapes (..., k)).
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits, validate_args=False)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(OneHotCategorical, _instance)
        new._categorical = self._categorical.expand(batch_shape)
        return self._finish_expand(new, tuple(batch_shape))

    def _param0(self):
        return self._categorical._param

    def __repr__(self):
        return "OneHot" + repr(self._categorical)

    @property
    def _param(self) -> Tensor:
        return self._categorical._param

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

    @property
    def mean(self) -> Tensor:
        """probs."""
        return self._categorical.probs

    @property
    def mode(self) -> Tensor:
        """one_hot(argmax(probs)), of the probs' dtype."""
        probs = self._categorical.probs
        return _one_hot(probs.argmax(-1), probs.shape[-1], probs)

    @property
    def variance(self) -> Tensor:
        """p (1 - p)."""
        return self._categorical.probs * (1 - self._categorical.probs)

    def sample(self, sample_shape=()) -> Tensor:
        """One-hot draws of shape ``sample_shape + batch_shape + (k,)``; no gradient."""
        idx = self._categorical.sample(sample_shape)
        return _one_hot(idx, self._categorical._num_events, self._categorical.probs.detach())

    def log_prob(self, value) -> Tensor:
        """log p[argmax(value)], shape without the last dim."""
        value = self._value(value)
        return self._categorical.log_prob(value.argmax(-1))

    def entropy(self) -> Tensor:
        """The Categorical entropy."""
        return self._categorical.entropy()

    def enumerate_support(self, expand=True) -> Tensor:
        """The k one-hot vectors as (k,) + batch_shape + (k,)."""
        n = self._event_shape[0]
        values = _factory.eye(n, dtype=self._param.dtype, device=self._param.device)
        return _enumerate(values, self._batch_shape, expand, (n,))


class Poisson(Distribution):
    """Counts with pmf rate^k e^-rate / k!.

    rate: Tensor (or number) >= 0, its shape the ``batch_shape``. Samples are of the rate's
    dtype. No entropy (torch has none either).
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate, names=("rate",), who="Poisson")
        _check_float("Poisson", "rate", self.rate)
        batch_shape = () if _is_number(rate) else tuple(self.rate.shape)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(Poisson, _instance)
        batch_shape = tuple(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        return self._finish_expand(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        """rate."""
        return self.rate

    @property
    def mode(self) -> Tensor:
        """floor(rate)."""
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        """rate."""
        return self.rate

    def sample(self, sample_shape=()) -> Tensor:
        """Counts of shape ``sample_shape + batch_shape``; no gradient."""
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return _factory.poisson(self.rate.detach().expand(shape)).detach()

    def log_prob(self, value) -> Tensor:
        """value log(rate) - rate - lgamma(value + 1)."""
        value = self._value(value)
        return _ops.xlogy(value, self.rate) - self.rate - (value + 1).lgamma()
