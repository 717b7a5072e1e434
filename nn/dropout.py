"""Dropout layers: ``Dropout``, ``Dropout1d``, ``Dropout2d``, ``Dropout3d``.

Inverted dropout in training (kept values scaled by 1 / (1 - p)), the identity in eval mode
(``model.eval()``). Masks come from autograd's global generator (``ag.manual_seed``).
"""

from __future__ import annotations

import numbers

from .functional.dropout import dropout, dropout1d, dropout2d, dropout3d
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d"]


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
        return type(self)._fn(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability p in training, scaling the rest by 1 / (1 - p).

    Input: any shape -> the same shape. The identity in eval mode.
    """

    _fn = staticmethod(dropout)


class Dropout1d(_DropoutNd):
    """Zero whole channels: (N, C, L) or (C, L), each channel kept with probability 1 - p."""

    _fn = staticmethod(dropout1d)


class Dropout2d(_DropoutNd):
    """Zero whole feature maps: (N, C, H, W) or (C, H, W), each map kept with probability
    1 - p and scaled by 1 / (1 - p)."""

    _fn = staticmethod(dropout2d)


class Dropout3d(_DropoutNd):
    """Zero whole volumes: (N, C, D, H, W) or (C, D, H, W)."""

    _fn = staticmethod(dropout3d)
