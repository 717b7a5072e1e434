"""TransformedDistribution (``torch.distributions.TransformedDistribution``): the law of
``y = t_n(...t_1(x))`` for ``x`` drawn from a base distribution, with log_prob by the change of
variables (``log p(y) = log p_base(x) - sum log|det dt_i|``), cdf / icdf through monotone
transforms, and rsample through the transforms (differentiable twice where the base's rsample
is)."""

from __future__ import annotations

from ..grad_mode import no_grad
from ..tensor import Tensor
from . import constraints
from .base import Distribution, _shape_of, _sum_rightmost
from .independent import Independent
from .transforms import ComposeTransform, Transform

__all__ = ["TransformedDistribution"]


class TransformedDistribution(Distribution):
    """``base_distribution`` pushed through ``transforms`` (a Transform or a list of them).

    Shapes as torch's: the base is expanded where a transform broadcasts (an AffineTransform
    with a batched loc), and reinterpreted with ``Independent`` where the transforms' domain has
    more event dims than the base; ``batch_shape + event_shape`` is the forward shape of the
    base's, ``event_shape`` its rightmost max(codomain event_dim, base event dims + the change
    in event dims).
    """

    arg_constraints: dict = {}

    def __init__(self, base_distribution, transforms, validate_args=None):
        if isinstance(transforms, Transform):
            self.transforms = [transforms]
        elif isinstance(transforms, list):
            if not all(isinstance(t, Transform) for t in transforms):
                raise ValueError("transforms must be a Transform or a list of Transforms")
            self.transforms = transforms
        else:
            raise ValueError(
                f"transforms must be a Transform or a list of Transforms, but was {transforms!r}"
            )
        if not isinstance(base_distribution, Distribution):
            raise TypeError(
                "TransformedDistribution: base_distribution must be a Distribution, got "
                f"{type(base_distribution).__name__}"
            )
        base_shape = base_distribution.batch_shape + base_distribution.event_shape
        base_event_dim = len(base_distribution.event_shape)
        transform = ComposeTransform(self.transforms)
        if len(base_shape) < transform.domain.event_dim:
            raise ValueError(
                "base_distribution needs to have shape with size at least "
                f"{transform.domain.event_dim}, but got {len(base_shape)}."
            )
        forward_shape = transform.forward_shape(base_shape)
        expanded_base_shape = transform.inverse_shape(forward_shape)
        if base_shape != expanded_base_shape:
            base_batch_shape = expanded_base_shape[: len(expanded_base_shape) - base_event_dim]
            base_distribution = base_distribution.expand(base_batch_shape)
        reinterpreted = transform.domain.event_dim - base_event_dim
        if reinterpreted > 0:
            base_distribution = Independent(base_distribution, reinterpreted)
        self.base_dist = base_distribution
        change = transform.codomain.event_dim - transform.domain.event_dim
        event_dim = max(transform.codomain.event_dim, base_event_dim + change)
        cut = len(forward_shape) - event_dim
        super().__init__(forward_shape[:cut], forward_shape[cut:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(TransformedDistribution, _instance)
        batch_shape = _shape_of(batch_shape)
        shape = batch_shape + self._event_shape
        for t in reversed(self.transforms):
            shape = t.inverse_shape(shape)
        base_batch_shape = shape[: len(shape) - len(self.base_dist.event_shape)]
        new.base_dist = self.base_dist.expand(base_batch_shape)
        new.transforms = self.transforms
        return self._finish_expand(new, batch_shape)

    def _param0(self):
        return self.base_dist._param0()

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        """The base distribution's."""
        return self.base_dist.has_rsample

    @constraints.dependent_property(is_discrete=False)
    def support(self):
        """The last transform's codomain, over event_shape (the base support if none)."""
        if not self.transforms:
            return self.base_dist.support
        support = self.transforms[-1].codomain
        if len(self._event_shape) > support.event_dim:
            support = constraints.independent(support, len(self._event_shape) - support.event_dim)
        return support

    def sample(self, sample_shape=()) -> Tensor:
        """The base sample pushed through the transforms; no gradient."""
        with no_grad():
            x = self.base_dist.sample(sample_shape)
            for t in self.transforms:
                x = t(x)
            return x.detach()

    def rsample(self, sample_shape=()) -> Tensor:
        """The base rsample pushed through the transforms, shape ``sample_shape +
        batch_shape + event_shape``."""
        x = self.base_dist.rsample(sample_shape)
        for t in self.transforms:
            x = t(x)
        return x

    def log_prob(self, value) -> Tensor:
        """The base log_prob at the inverse image, less the transforms' log|det|."""
        y = self._value(value)
        event_dim = len(self._event_shape)
        log_prob = 0.0
        for t in reversed(self.transforms):
            x = t.inv(y)
            event_dim += t.domain.event_dim - t.codomain.event_dim
            log_prob = log_prob - _sum_rightmost(
                t.log_abs_det_jacobian(x, y), event_dim - t.domain.event_dim
            )
            y = x
        base = self.base_dist.log_prob(y)
        return log_prob + _sum_rightmost(base, event_dim - len(self.base_dist.event_shape))

    def _monotonize_cdf(self, value):
        sign = 1
        for t in self.transforms:
            sign = sign * t.sign
        if isinstance(sign, int) and sign == 1:
            return value
        return sign * (value - 0.5) + 0.5

    def cdf(self, value) -> Tensor:
        """The base cdf at the inverse image (1 - it where the transforms decrease)."""
        value = self._as_tensor(value)
        for t in reversed(self.transforms):
            value = t.inv(value)
        if self._validate_args:
            self.base_dist._validate_sample(value)
        return self._monotonize_cdf(self.base_dist.cdf(value))

    def icdf(self, value) -> Tensor:
        """The base icdf pushed through the transforms."""
        value = self._monotonize_cdf(self._as_tensor(value))
        value = self.base_dist.icdf(value)
        for t in self.transforms:
            value = t(value)
        return value

    def __repr__(self):
        return f"{type(self).__name__}({self.base_dist!r}, {self.transforms!r})"
