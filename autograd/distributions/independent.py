"""Independent (``torch.distributions.Independent``): reinterprets batch dims as event dims."""

from __future__ import annotations

from ..tensor import Tensor
from . import constraints
from .base import Distribution, _sum_rightmost

__all__ = ["Independent"]


class Independent(Distribution):
    """``base_distribution`` with its ``reinterpreted_batch_ndims`` rightmost batch dims taken
    as event dims: log_prob and entropy sum over them.

    With base batch_shape B and event_shape E, k = reinterpreted_batch_ndims (0 <= k <= len(B)):
    batch_shape B[:len(B) - k], event_shape B[len(B) - k:] + E.
    """

    arg_constraints: dict = {}

    def __init__(self, base_distribution, reinterpreted_batch_ndims: int, validate_args=None):
        if not isinstance(base_distribution, Distribution):
            raise TypeError(
                "Independent: base_distribution must be a Distribution, got "
                f"{type(base_distribution).__name__}"
            )
        if not isinstance(reinterpreted_batch_ndims, int) or reinterpreted_batch_ndims < 0:
            raise ValueError(
                "Independent: reinterpreted_batch_ndims must be an int >= 0, got "
                f"{reinterpreted_batch_ndims!r}"
            )
        if reinterpreted_batch_ndims > len(base_distribution.batch_shape):
            raise ValueError(
                "Independent: expected reinterpreted_batch_ndims <= "
                "len(base_distribution.batch_shape), actual "
                f"{reinterpreted_batch_ndims} vs {len(base_distribution.batch_shape)}"
            )
        shape = base_distribution.batch_shape + base_distribution.event_shape
        event_dim = reinterpreted_batch_ndims + len(base_distribution.event_shape)
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        super().__init__(
            shape[: len(shape) - event_dim], shape[len(shape) - event_dim :], validate_args
        )

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(Independent, _instance)
        batch_shape = tuple(batch_shape)
        k = self.reinterpreted_batch_ndims
        new.base_dist = self.base_dist.expand(batch_shape + self._event_shape[:k])
        new.reinterpreted_batch_ndims = k
        return self._finish_expand(new, batch_shape)

    def _param0(self):
        return self.base_dist._param0()

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        """The base distribution's."""
        return self.base_dist.has_rsample

    @property
    def has_enumerate_support(self) -> bool:  # type: ignore[override]
        """The base distribution's when nothing is reinterpreted, else False."""
        return self.reinterpreted_batch_ndims == 0 and self.base_dist.has_enumerate_support

    @constraints.dependent_property
    def support(self):
        """The base support, with the reinterpreted dims as one event."""
        result = self.base_dist.support
        k = self.reinterpreted_batch_ndims
        return constraints.independent(result, k) if k else result

    @property
    def mean(self) -> Tensor:
        """The base mean."""
        return self.base_dist.mean

    @property
    def mode(self) -> Tensor:
        """The base mode."""
        return self.base_dist.mode

    @property
    def variance(self) -> Tensor:
        """The base variance."""
        return self.base_dist.variance

    def sample(self, sample_shape=()) -> Tensor:
        """The base sample, shape ``sample_shape + batch_shape + event_shape``."""
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape=()) -> Tensor:
        """The base rsample, shape ``sample_shape + batch_shape + event_shape``."""
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value) -> Tensor:
        """The base log_prob summed over the reinterpreted dims."""
        return _sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self) -> Tensor:
        """The base entropy summed over the reinterpreted dims, of batch_shape."""
        return _sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def enumerate_support(self, expand=True) -> Tensor:
        """The base support (only when nothing is reinterpreted)."""
        if self.reinterpreted_batch_ndims > 0:
            raise NotImplementedError("Enumeration over cartesian product is not implemented")
        return self.base_dist.enumerate_support(expand=expand)

    def __repr__(self):
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"
