"""Normalisation layers: ``BatchNorm1d/2d/3d``, ``InstanceNorm1d/2d/3d``, ``LayerNorm``,
``GroupNorm``, ``RMSNorm``.

    bn = nn.BatchNorm2d(16)       # x (N, 16, H, W) -> same shape; running stats in buffers
    bn.eval()                     # now normalises with running_mean / running_var
    inorm = nn.InstanceNorm2d(16) # x (N, 16, H, W) or (16, H, W): per sample and channel

Defaults, buffers (running_mean, running_var, num_batches_tracked) and reprs as in ``torch.nn``.
"""

from __future__ import annotations

import math
import numbers
import warnings

import autograd as ag
from autograd import ShapeError

from ._args import input_shape, size_arg
from .functional import normalization as _F
from .module import Module
from .parameter import Parameter

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
    "LayerNorm",
    "GroupNorm",
    "RMSNorm",
]


class _NormBase(Module):
    """Per-channel normalisation (batch, instance): the optional affine weight and bias (C,)
    and, with track_running_stats, the running_mean / running_var / num_batches_tracked buffers.
    Subclasses set ``_ndims``, the input ranks they take, and write ``forward``."""

    _ndims: tuple = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None,
                 dtype=None, *, bias: bool = True):  # fmt: skip
        super().__init__()
        num_features = size_arg(type(self).__name__, "num_features", num_features)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        kw = {"dtype": dtype, "device": device}
        if affine:
            self.weight = Parameter(ag.ones(num_features, **kw))
            if bias:
                self.bias = Parameter(ag.zeros(num_features, **kw))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", ag.zeros(num_features, **kw))
            self.register_buffer("running_var", ag.ones(num_features, **kw))
            self.register_buffer("num_batches_tracked", ag.tensor(0, dtype=ag.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """running_mean = 0, running_var = 1, num_batches_tracked = 0."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1.0)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics and set weight = 1, bias = 0."""
        self.reset_running_stats()
        if self.weight is not None:
            self.weight.detach().fill_(1.0)
        if self.bias is not None:
            self.bias.detach().zero_()

    def _check_ndim(self, shape):
        if len(shape) not in self._ndims:
            dims = " or ".join(f"{n}-D" for n in self._ndims)
            raise ShapeError(f"{self!r}: expected a {dims} input, got {shape}")

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class _BatchNorm(_NormBase):
    def forward(self, x):
        shape = input_shape(repr(self), x)
        self._check_ndim(shape)
        if shape[1] != self.num_features:
            raise ShapeError(
                f"{self!r}: expected input with {self.num_features} channels, got {shape}"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        counting = self.training and self.track_running_stats
        if counting and self.momentum is None:  # a cumulative moving average
            factor = 1.0 / (float(self.num_batches_tracked.item()) + 1.0)
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        out = _F.batch_norm(
            x,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            use_batch,
            factor,
            self.eps,
        )
        if counting:  # counted once the call has succeeded: a refused batch changes nothing
            self.num_batches_tracked.add_(1)
        return out


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) over N (and L), per channel.

    Training: batch statistics, and running_mean/running_var (unbiased) updated with momentum
    (None: a cumulative average). Eval: the running statistics. affine: learn weight (ones)
    and, with bias=True, bias (zeros).
    """

    _ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) over N, H, W per channel (see BatchNorm1d)."""

    _ndims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) over N, D, H, W per channel (see BatchNorm1d)."""

    _ndims = (5,)


class _InstanceNorm(_NormBase):
    # _ndims = (unbatched rank, batched rank)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None,
                 dtype=None, *, bias: bool = True):  # fmt: skip
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype,
                         bias=bias)  # fmt: skip

    def forward(self, x):
        _F._float(repr(self), x)
        shape = tuple(x.shape)
        self._check_ndim(shape)
        unbatched = len(shape) == self._ndims[0]
        cdim = 0 if unbatched else 1
        if shape[cdim] != self.num_features:
            msg = (
                f"{self!r}: expected input with {self.num_features} channels (dim {cdim}), "
                f"got {shape}"
            )
            if self.affine or self.track_running_stats:
                raise ShapeError(msg)
            # as PyTorch: num_features is unused without weight or running statistics
            warnings.warn(msg + "; unused (affine=False, track_running_stats=False)", stacklevel=2)
        use_input_stats = self.training or not self.track_running_stats
        if use_input_stats and math.prod(shape[cdim + 1 :]) == 1:
            raise ValueError(
                f"{self!r}: expected more than 1 spatial element when training, got input of "
                f"shape {shape}"
            )
        y = _F.instance_norm(
            x.unsqueeze(0) if unbatched else x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            use_input_stats,
            0.0 if self.momentum is None else self.momentum,  # as PyTorch: None never updates
            self.eps,
        )
        return y.squeeze(0) if unbatched else y


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) or unbatched (C, L): each (sample, channel) over L.

    Statistics of each instance in training and, unless track_running_stats, in eval too.
    track_running_stats: running_mean / running_var (unbiased, averaged over the batch)
    updated with momentum in training (None: never updated, as PyTorch) and used in eval.
    affine: learn weight (ones) and, with bias=True, bias (zeros), both (C,).
    """

    _ndims = (2, 3)


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) or unbatched (C, H, W): each (sample, channel)
    over H, W (see InstanceNorm1d)."""

    _ndims = (3, 4)


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of (N, C, D, H, W) or unbatched (C, D, H, W): each (sample,
    channel) over D, H, W (see InstanceNorm1d)."""

    _ndims = (4, 5)


def _check_trailing(layer, x):
    """ShapeError naming ``layer`` unless x's trailing dims are its ``normalized_shape``."""
    k = len(layer.normalized_shape)
    shape = input_shape(repr(layer), x)
    if len(shape) < k or shape[len(shape) - k :] != layer.normalized_shape:
        raise ShapeError(
            f"{layer!r}: expected input ending in {layer.normalized_shape}, got {shape}"
        )


class LayerNorm(Module):
    """Normalise over the trailing dims normalized_shape, per sample: (*, *normalized_shape).

    elementwise_affine: learn weight (ones) and, with bias=True, bias (zeros), both of
    normalized_shape.
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None):  # fmt: skip
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(
            size_arg("LayerNorm", "normalized_shape", s) for s in normalized_shape
        )
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        kw = {"dtype": dtype, "device": device}
        if elementwise_affine:
            self.weight = Parameter(ag.ones(*self.normalized_shape, **kw))
            if bias:
                self.bias = Parameter(ag.zeros(*self.normalized_shape, **kw))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x):
        _check_trailing(self, x)
        return _F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def reset_parameters(self) -> None:
        """weight = 1 and bias = 0 (when they exist)."""
        if self.weight is not None:
            self.weight.detach().fill_(1.0)
        if self.bias is not None:
            self.bias.detach().zero_()

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class GroupNorm(Module):
    """Split the C channels of (N, C, *S) into num_groups groups and normalise each group over
    its channels and S, per sample. affine: per-channel weight (ones) and, with bias=True, bias
    (zeros)."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device=None, dtype=None, *, bias: bool = True):  # fmt: skip
        super().__init__()
        num_groups = size_arg("GroupNorm", "num_groups", num_groups, 1)
        num_channels = size_arg("GroupNorm", "num_channels", num_channels)
        if num_channels % num_groups:
            raise ValueError(
                f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                f"({num_groups})"
            )
        self.num_groups, self.num_channels = int(num_groups), int(num_channels)
        self.eps = eps
        self.affine = affine
        kw = {"dtype": dtype, "device": device}
        if affine:
            self.weight = Parameter(ag.ones(num_channels, **kw))
            if bias:
                self.bias = Parameter(ag.zeros(num_channels, **kw))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x):
        shape = input_shape(repr(self), x)
        if len(shape) < 2 or shape[1] != self.num_channels:
            raise ShapeError(f"{self!r}: expected input (N, {self.num_channels}, *), got {shape}")
        return _F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def reset_parameters(self) -> None:
        """weight = 1 and bias = 0 (when they exist)."""
        if self.weight is not None:
            self.weight.detach().fill_(1.0)
        if self.bias is not None:
            self.bias.detach().zero_()

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )


class RMSNorm(Module):
    """Root-mean-square normalisation over the trailing dims normalized_shape, per sample:
    (*, *normalized_shape) -> same shape, ``y = x * rsqrt(mean(x * x) + eps) * weight``.

    eps: None for ``finfo(input.dtype).eps``. elementwise_affine: learn weight (ones) of
    normalized_shape (there is no bias).
    """

    def __init__(self, normalized_shape, eps: float | None = None,
                 elementwise_affine: bool = True, device=None, dtype=None):  # fmt: skip
        super().__init__()
        if not isinstance(normalized_shape, (tuple, list)):  # an int (or a bad scalar)
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(
            size_arg("RMSNorm", "normalized_shape", s) for s in normalized_shape
        )
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            kw = {"dtype": dtype, "device": device}
            self.weight = Parameter(ag.ones(*self.normalized_shape, **kw))
        else:
            self.register_parameter("weight", None)

    def forward(self, x):
        _check_trailing(self, x)
        return _F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def reset_parameters(self) -> None:
        """weight = 1 (when it exists)."""
        if self.weight is not None:
            self.weight.detach().fill_(1.0)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )
