"""Dropout: ``dropout``, ``dropout1d``, ``dropout2d``, ``dropout3d``, as in ``torch.nn.functional``.

Inverted dropout: in training each element (or each whole channel, for the 1d/2d/3d forms) is
kept with probability 1 - p and scaled by 1 / (1 - p), so the expected output equals the input
and evaluation is the identity. Masks are drawn from autograd's global generator
(``ag.manual_seed`` makes them reproducible) or from a ``generator`` passed in.
"""

from __future__ import annotations

import numbers

import numpy as np

from autograd import Function, ShapeError, Tensor
from autograd.random import gen
from backends import array_module

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d"]


class MaskMul(Function):
    """y = x * mask for a constant mask broadcastable to x (it gets no gradient); gx = gy * mask."""

    __slots__ = ("mask",)

    def forward(self, x, mask):
        self.mask = mask
        return x * mask

    def backward(self, gy):
        return gy * self.mask


def _check_p(op, p):
    if not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p!r}")


def _mask(x, shape, p, generator):
    """Kept positions scaled by 1 / (1 - p): an array of ``shape`` in x's dtype, x's device."""
    dtype = x.dtype
    keep = gen(generator).random(shape, dtype=np.float32 if dtype == np.float32 else np.float64)
    mask = (keep >= p).astype(dtype)
    mask *= dtype.type(1.0 / (1.0 - p))
    raw = x._data
    return mask if type(raw) is np.ndarray else array_module(raw).asarray(mask)


def _dropout(op, x, p, training, shape, generator):
    _check_p(op, p)
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(x).__name__}")
    if not training or p == 0.0:
        return x
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {x.dtype}")
    if p == 1.0:
        return x * 0.0
    return MaskMul.apply(x, _mask(x, shape, float(p), generator))


def dropout(x, p=0.5, training=True, inplace=False, generator=None):
    """Zero each element of x with probability p and scale the rest by 1 / (1 - p).

    x: any shape; returns x's shape (x itself when not training or p == 0). ``inplace`` is
    accepted for PyTorch compatibility; the result is always a new tensor.
    """
    return _dropout("dropout", x, p, training, tuple(x.shape), generator)


def _feature(op, d, x, p, training, generator):
    if x.ndim not in (d + 1, d + 2):
        raise ShapeError(
            f"{op}: expected a {d + 1}-D (unbatched) or {d + 2}-D (batched) input, got shape "
            f"{tuple(x.shape)}"
        )
    lead = x.ndim - d  # (N, C) or (C,)
    shape = tuple(x.shape[:lead]) + (1,) * d
    return _dropout(op, x, p, training, shape, generator)


def dropout1d(x, p=0.5, training=True, inplace=False, generator=None):
    """Zero whole channels: x (N, C, L) or (C, L), each (n, c) channel kept with probability
    1 - p and scaled by 1 / (1 - p). Returns x's shape."""
    return _feature("dropout1d", 1, x, p, training, generator)


def dropout2d(x, p=0.5, training=True, inplace=False, generator=None):
    """Zero whole feature maps: x (N, C, H, W) or (C, H, W), each (n, c) map kept with
    probability 1 - p and scaled by 1 / (1 - p). Returns x's shape."""
    return _feature("dropout2d", 2, x, p, training, generator)


def dropout3d(x, p=0.5, training=True, inplace=False, generator=None):
    """Zero whole volumes: x (N, C, D, H, W) or (C, D, H, W). Returns x's shape."""
    return _feature("dropout3d", 3, x, p, training, generator)
