"""Relaxed (Concrete / Gumbel-softmax) distributions (``torch.distributions``' classes of these
names): LogitRelaxedBernoulli and RelaxedBernoulli, ExpRelaxedCategorical and
RelaxedOneHotCategorical. rsample is reparameterised (exact to any order in the probs / logits;
the temperature is a constant of the sample path but log_prob differentiates in it too).

As torch's, ``temperature`` is stored as given (a Tensor or number, not broadcast) and the
relaxed versions are ``TransformedDistribution``s of the logit / log-space ones by a
SigmoidTransform / ExpTransform.
"""

from __future__ import annotations

import math

from .. import factory as _factory
from .. import ops as _ops
from ..tensor import Tensor
from . import constraints
from .base import (
    Distribution,
    _check_float,
    _is_number,
    broadcast_all,
    clamp_probs,
)
from .discrete import Categorical, _BinaryParam, _one_param
from .transformed import TransformedDistribution
from .transforms import ExpTransform, SigmoidTransform

__all__ = [
    "ExpRelaxedCategorical", "LogitRelaxedBernoulli", "RelaxedBernoulli",
    "RelaxedOneHotCategorical",
]  # fmt: skip


def _check_temperature(who, temperature):
    if isinstance(temperature, Tensor):
        _check_float(who, "temperature", temperature)
    elif not _is_number(temperature):
        raise TypeError(
            f"{who}: temperature must be a Tensor or a number, got {type(temperature).__name__}"
        )


def _desc(t):
    if isinstance(t, Tensor):
        return t.item() if t.numel() == 1 else tuple(t.shape)
    return t


class LogitRelaxedBernoulli(_BinaryParam, Distribution):
    """The logit of a RelaxedBernoulli sample: support the real line.

    temperature: Tensor or number > 0; probs (in [0, 1]) or logits, not both: their shape is the
    ``batch_shape``. rsample: (logit(u) + logit(p)) / temperature, u ~ U(0, 1) clamped.
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        who = "LogitRelaxedBernoulli"
        _check_temperature(who, temperature)
        self.temperature = temperature
        name, value = _one_param(who, probs, logits)
        (param,) = broadcast_all(value, names=(name,), who=who)
        _check_float(who, name, param)
        setattr(self, name, param)
        self._param = param
        batch_shape = () if _is_number(value) else tuple(param.shape)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(LogitRelaxedBernoulli, _instance)
        batch_shape = tuple(batch_shape)
        new.temperature = self.temperature
        self._copy_param(new, batch_shape)
        return self._finish_expand(new, batch_shape)

    def __repr__(self):
        name = "probs" if "probs" in self.__dict__ else "logits"
        return (
            f"{type(self).__name__}(temperature: {_desc(self.temperature)}, {name}: "
            f"{_desc(self._param)})"
        )

    def rsample(self, sample_shape=()) -> Tensor:
        """(logit(u) + logit(p)) / temperature, shape ``sample_shape + batch_shape``."""
        shape = self._extended_shape(sample_shape)
        probs = clamp_probs(self.probs.expand(shape))
        u = clamp_probs(_factory.rand(shape, dtype=probs.dtype, device=probs.device))
        return (u.log() - (-u).log1p() + probs.log() - (-probs).log1p()) / self.temperature

    def log_prob(self, value) -> Tensor:
        """log(t) + d - 2 softplus(d), d = logits - t value."""
        value = self._value(value)
        diff = self.logits - value * self.temperature
        t = self.temperature
        log_t = t.log() if isinstance(t, Tensor) else math.log(t)
        return log_t + diff - 2 * _ops.logaddexp(diff, 0.0)


class RelaxedBernoulli(TransformedDistribution):
    """sigmoid of a LogitRelaxedBernoulli: a relaxed (continuous) Bernoulli on [0, 1].

    temperature, probs / logits as LogitRelaxedBernoulli's. rsample is reparameterised.
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base, SigmoidTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(RelaxedBernoulli, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def temperature(self):
        """The temperature."""
        return self.base_dist.temperature

    @property
    def logits(self) -> Tensor:
        """Log-odds, of batch_shape."""
        return self.base_dist.logits

    @property
    def probs(self) -> Tensor:
        """Probabilities, of batch_shape."""
        return self.base_dist.probs

    def __repr__(self):
        return "Relaxed" + repr(self.base_dist)[len("LogitRelaxed") :]


class ExpRelaxedCategorical(Distribution):
    """The log of a RelaxedOneHotCategorical sample (event_shape (k,), support real vectors).

    temperature: Tensor or number > 0; probs (..., k) or logits (..., k) as Categorical's.
    rsample: log_softmax((logits + G) / temperature), G standard Gumbel.
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        _check_temperature("ExpRelaxedCategorical", temperature)
        self._categorical = Categorical(probs, logits, validate_args=False)
        self.temperature = temperature
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(ExpRelaxedCategorical, _instance)
        batch_shape = tuple(batch_shape)
        new.temperature = self.temperature
        new._categorical = self._categorical.expand(batch_shape)
        return self._finish_expand(new, batch_shape)

    def _param0(self):
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

    def __repr__(self):
        return f"{type(self).__name__}(temperature: {_desc(self.temperature)})"

    def rsample(self, sample_shape=()) -> Tensor:
        """log_softmax((logits + G) / temperature), shape ``sample_shape + batch_shape + (k,)``."""
        shape = self._extended_shape(sample_shape)
        logits = self.logits
        u = clamp_probs(_factory.rand(shape, dtype=logits.dtype, device=logits.device))
        gumbels = -((-(u.log())).log())
        scores = (logits + gumbels) / self.temperature
        return scores - scores.logsumexp(-1, keepdim=True)

    def log_prob(self, value) -> Tensor:
        """lgamma(k) + (k - 1) log(t) + sum(s - logsumexp(s)), s = logits - t value; shape
        without the last dim."""
        value = self._value(value)
        k = self._event_shape[0]
        t = self.temperature
        if isinstance(t, Tensor):
            log_scale = _factory.full_like(t, float(k)).lgamma() + t.log() * (k - 1)
        else:
            log_scale = math.lgamma(k) + math.log(t) * (k - 1)
        score = self.logits - value * t
        score = (score - score.logsumexp(-1, keepdim=True)).sum(-1)
        return score + log_scale


class RelaxedOneHotCategorical(TransformedDistribution):
    """exp of an ExpRelaxedCategorical: a relaxed one-hot vector on the simplex.

    temperature, probs / logits as ExpRelaxedCategorical's; event_shape (k,).
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(RelaxedOneHotCategorical, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def temperature(self):
        """The temperature."""
        return self.base_dist.temperature

    @property
    def logits(self) -> Tensor:
        """Normalised log-probabilities (..., k)."""
        return self.base_dist.logits

    @property
    def probs(self) -> Tensor:
        """Normalised probabilities (..., k)."""
        return self.base_dist.probs

    def __repr__(self):
        return f"RelaxedOneHotCategorical(temperature: {_desc(self.temperature)})"
