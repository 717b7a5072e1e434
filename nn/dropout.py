"""Dropout layers: ``Dropout``, ``Dropout1d``, ``Dropout2d``, ``Dropout3d``, ``AlphaDropout``,
``FeatureAlphaDropout``.

Inverted dropout in training (kept values scaled by 1 / (1 - p)), the identity in eval mode
(``model.eval()``). Masks come from autograd's global generator (``ag.manual_seed``).
``inplace=True`` overwrites the input and returns it (recorded on the graph; a RuntimeError naming
the layer for a leaf that requires grad), except in AlphaDropout and FeatureAlphaDropout, which
accept ``inplace`` and ignore it, as PyTorch's do.
"""

from __future__ import annotations

import numbers

from .functional.dropout import (
    _dropout,
    _feature,
    alpha_dropout,
    dropout,
    dropout1d,
    dropout2d,
    dropout3d,
    feature_alpha_dropout,
)
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


class _DropoutNd(Module):
    _fn = None

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
            raise ValueError(
                f"{type(self).__name__}: dropout probability has to be between 0 and 1, but "
                f"got {p!r}"
            )
        self.p = p
        self.inplace = inplace

    def forward(self, x):
        if self.inplace:
            return self._inplace(x)
        return type(self)._fn(x, self.p, self.training)

    def _inplace(self, x):
        return _dropout(type(self).__name__, x, self.p, self.training, tuple(x.shape), None, True)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability p in training, scaling the rest by 1 / (1 - p).

    Input: any shape -> the same shape. The identity in eval mode.
    """

    _fn = staticmethod(dropout)


class _FeatureDropout(_DropoutNd):
    _d = 0

    def _inplace(self, x):
        return _feature(type(self).__name__, self._d, x, self.p, self.training, None, True)


class Dropout1d(_FeatureDropout):
    """Zero whole channels: (N, C, L) or (C, L), each channel kept with probability 1 - p."""

    _fn = staticmethod(dropout1d)
    _d = 1


class Dropout2d(_FeatureDropout):
    """Zero whole feature maps: (N, C, H, W) or (C, H, W), each map kept with probability
    1 - p and scaled by 1 / (1 - p)."""

    _fn = staticmethod(dropout2d)
    _d = 2


class Dropout3d(_FeatureDropout):
    """Zero whole volumes: (N, C, D, H, W) or (C, D, H, W)."""

    _fn = staticmethod(dropout3d)
    _d = 3


class AlphaDropout(_DropoutNd):
    """Alpha dropout for SELU networks (see ``nn.functional.alpha_dropout``): dropped elements
    take SELU's negative saturation and an affine map keeps zero mean and unit variance.

    Input: any shape -> the same shape. The identity in eval mode. ``inplace`` is accepted and
    ignored (the result is a new tensor), as in PyTorch.
    """

    _fn = staticmethod(alpha_dropout)

    def forward(self, x):
        return type(self)._fn(x, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels: (N, C, ...), each (n, c) channel dropped as one.

    The identity in eval mode. ``inplace`` is accepted and ignored, as in PyTorch.
    """

    _fn = staticmethod(feature_alpha_dropout)

    def forward(self, x):
        return type(self)._fn(x, self.p, self.training)
