"""MixtureSameFamily (``torch.distributions.MixtureSameFamily``): a mixture whose k components
are the rightmost batch dim of one distribution, weighted by a Categorical. log_prob (logsumexp
of component log-probs plus log weights), cdf, mean and variance differentiate in the
parameters of both; samples carry no gradient (no rsample, as torch's)."""

from __future__ import annotations

from .. import ops as _ops
from ..grad_mode import no_grad
from ..tensor import Tensor
from .base import Distribution, _shape_of
from .discrete import Categorical

__all__ = ["MixtureSameFamily"]


class MixtureSameFamily(Distribution):
    """A mixture of k distributions of the same family.

    mixture_distribution: a Categorical of batch_shape B (broadcastable with the component's
    leading batch dims) over k categories; component_distribution: a Distribution of
    batch_shape B + (k,) and event_shape E. The mixture has batch_shape B and event_shape E.
    """

    arg_constraints: dict = {}
    has_rsample = False

    def __init__(self, mixture_distribution, component_distribution, validate_args=None):
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError(
                "The Mixture distribution needs to be an instance of "
                "autograd.distributions.Categorical"
            )
        if not isinstance(component_distribution, Distribution):
            raise ValueError(
                "The Component distribution need to be an instance of "
                "autograd.distributions.Distribution"
            )
        if len(component_distribution.batch_shape) < 1:
            raise ValueError(
                "MixtureSameFamily: component_distribution must have at least one batch dim "
                "(the components), got batch_shape ()"
            )
        mdbs = mixture_distribution.batch_shape
        cdbs = component_distribution.batch_shape[:-1]
        for size1, size2 in zip(reversed(mdbs), reversed(cdbs)):
            if size1 != 1 and size2 != 1 and size1 != size2:
                raise ValueError(
                    f"`mixture_distribution.batch_shape` ({mdbs}) is not compatible with "
                    f"`component_distribution.batch_shape`({cdbs})"
                )
        km = mixture_distribution.logits.shape[-1]
        kc = component_distribution.batch_shape[-1]
        if km != kc:
            raise ValueError(
                f"`mixture_distribution component` ({km}) does not equal "
                f"`component_distribution.batch_shape[-1]` ({kc})"
            )
        self._num_component = km
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        event_shape = component_distribution.event_shape
        self._event_ndims = len(event_shape)
        super().__init__(cdbs, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        batch_shape = _shape_of(batch_shape)
        new = self._get_checked_instance(MixtureSameFamily, _instance)
        new._component_distribution = self._component_distribution.expand(
            batch_shape + (self._num_component,)
        )
        new._mixture_distribution = self._mixture_distribution.expand(batch_shape)
        new._num_component = self._num_component
        new._event_ndims = self._event_ndims
        return self._finish_expand(new, batch_shape)

    def _param0(self):
        return self._component_distribution._param0()

    @property
    def support(self):
        """The component distribution's support."""
        return self._component_distribution.support

    @property
    def mixture_distribution(self) -> Categorical:
        """The Categorical over the components."""
        return self._mixture_distribution

    @property
    def component_distribution(self) -> Distribution:
        """The components, batched along the rightmost batch dim."""
        return self._component_distribution

    def _pad(self, x: Tensor) -> Tensor:
        return x.unsqueeze(-1 - self._event_ndims)

    def _pad_mixture_dimensions(self, x: Tensor) -> Tensor:
        dist_batch_ndims = len(self._batch_shape)
        cat_batch_ndims = len(self._mixture_distribution.batch_shape)
        pad_ndims = 0 if cat_batch_ndims == 1 else dist_batch_ndims - cat_batch_ndims
        xs = tuple(x.shape)
        return x.reshape(xs[:-1] + (1,) * pad_ndims + xs[-1:] + (1,) * self._event_ndims)

    @property
    def mean(self) -> Tensor:
        """sum_k w_k mean_k, of batch_shape + event_shape."""
        probs = self._pad_mixture_dimensions(self._mixture_distribution.probs)
        return (probs * self._component_distribution.mean).sum(-1 - self._event_ndims)

    @property
    def variance(self) -> Tensor:
        """sum_k w_k var_k + sum_k w_k (mean_k - mean)^2 (law of total variance)."""
        probs = self._pad_mixture_dimensions(self._mixture_distribution.probs)
        dim = -1 - self._event_ndims
        comp = self._component_distribution
        mean_cond_var = (probs * comp.variance).sum(dim)
        var_cond_mean = (probs * (comp.mean - self._pad(self.mean)).pow(2)).sum(dim)
        return mean_cond_var + var_cond_mean

    def cdf(self, value) -> Tensor:
        """sum_k w_k cdf_k(value)."""
        x = self._pad(self._as_tensor(value))
        cdf_x = self._component_distribution.cdf(x)
        return (cdf_x * self._mixture_distribution.probs).sum(-1)

    def log_prob(self, value) -> Tensor:
        """logsumexp_k(log w_k + log p_k(value)); shape without event_shape."""
        value = self._value(value)
        log_prob_x = self._component_distribution.log_prob(self._pad(value))
        log_mix_prob = _ops.log_softmax(self._mixture_distribution.logits, -1)
        return (log_prob_x + log_mix_prob).logsumexp(-1)

    def sample(self, sample_shape=()) -> Tensor:
        """Draw a component index per (sample, batch) element, then that component's sample:
        shape ``sample_shape + batch_shape + event_shape``; no gradient."""
        sample_shape = _shape_of(sample_shape)
        with no_grad():
            gather_dim = len(sample_shape) + len(self._batch_shape)
            es = self._event_shape
            mix_sample = self._mixture_distribution.sample(sample_shape)
            comp_samples = self._component_distribution.sample(sample_shape)
            # the mixture's batch dims may be fewer than (and broadcast to) batch_shape
            mb = tuple(self._mixture_distribution.batch_shape)
            pad = (1,) * (len(self._batch_shape) - len(mb))
            idx = mix_sample.reshape(sample_shape + pad + mb + (1,) * (len(es) + 1))
            idx = idx.expand(sample_shape + self._batch_shape + (1,) + es)
            samples = comp_samples.gather(gather_dim, idx)
            return samples.squeeze(gather_dim).detach()

    def __repr__(self):
        return (
            f"MixtureSameFamily(\n  {self._mixture_distribution!r},\n  "
            f"{self._component_distribution!r})"
        )
