"""Dropout: ``dropout``, ``dropout1d``, ``dropout2d``, ``dropout3d``, ``alpha_dropout``,
``feature_alpha_dropout``, as in ``torch.nn.functional``.

Inverted dropout: in training each element (or each whole channel, for the 1d/2d/3d and feature
forms) is kept with probability 1 - p and scaled by 1 / (1 - p), so the expected output equals
the input and evaluation is the identity. Alpha dropout (for SELU networks) sets dropped values
to SELU's negative saturation and applies the affine map that keeps zero mean and unit variance.
Masks are drawn from autograd's global generator (``ag.manual_seed`` makes them reproducible) or
from a ``generator`` passed in.

``inplace=True`` overwrites x with the result and returns x itself, as PyTorch does (through
``autograd.inplace.apply_op``: recorded when x is an interior tensor of a graph, refused on a
leaf that requires grad). Not training, p == 0 or an empty x: x is returned untouched.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from autograd import Function, ShapeError, Tensor
from autograd.inplace import apply_op
from autograd.random import gen
from backends import array_module

__all__ = [
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "alpha_dropout",
    "feature_alpha_dropout",
]

# SELU's negative saturation -scale * alpha is -_ALPHA (PyTorch's constant)
_ALPHA = 1.7580993408473766


class MaskMul(Function):
    """y = x * mask for a constant mask broadcastable to x (it gets no gradient); gx = gy * mask."""

    __slots__ = ("mask",)

    def forward(self, x, mask):
        self.mask = mask
        return x * mask

    def backward(self, gy):
        return gy * self.mask


class MaskAffine(Function):
    """y = x * mask + shift for constant arrays broadcastable to x; gx = gy * mask."""

    __slots__ = ("mask",)

    def forward(self, x, mask, shift):
        self.mask = mask
        return x * mask + shift

    def backward(self, gy):
        return gy * self.mask, None, None


def _check_p(op, p):
    if not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p!r}")


def _mask(x, shape, p, generator, scale=True):
    """Kept positions 1 (scaled by 1 / (1 - p) when ``scale``), dropped 0: an array of ``shape``
    in x's dtype, on x's device."""
    dtype = x.dtype
    keep = gen(generator).random(shape, dtype=np.float32 if dtype == np.float32 else np.float64)
    mask = (keep >= p).astype(dtype)
    if scale:
        mask *= dtype.type(1.0 / (1.0 - p))
    raw = x._data
    return mask if type(raw) is np.ndarray else array_module(raw).asarray(mask)


def _zero(x):
    return x * 0.0


def _dropout(op, x, p, training, shape, generator, inplace=False):
    _check_p(op, p)
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(x).__name__}")
    if not training or p == 0.0:
        return x
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {x.dtype}")
    if p == 1.0:
        return apply_op(x, op + "(inplace=True)", _zero) if inplace else x * 0.0
    mask = _mask(x, shape, float(p), generator)
    if inplace:
        return apply_op(x, op + "(inplace=True)", MaskMul.apply, mask)
    return MaskMul.apply(x, mask)


def dropout(x, p=0.5, training=True, inplace=False, generator=None):
    """Zero each element of x with probability p and scale the rest by 1 / (1 - p).

    x: any shape; returns x's shape (x itself when not training or p == 0). ``inplace``:
    overwrite x with the result and return x.
    """
    return _dropout("dropout", x, p, training, tuple(x.shape), generator, inplace)


def _feature(op, d, x, p, training, generator, inplace=False):
    if x.ndim not in (d + 1, d + 2):
        raise ShapeError(
            f"{op}: expected a {d + 1}-D (unbatched) or {d + 2}-D (batched) input, got shape "
            f"{tuple(x.shape)}"
        )
    lead = x.ndim - d  # (N, C) or (C,)
    shape = tuple(x.shape[:lead]) + (1,) * d
    return _dropout(op, x, p, training, shape, generator, inplace)


def dropout1d(x, p=0.5, training=True, inplace=False, generator=None):
    """Zero whole channels: x (N, C, L) or (C, L), each (n, c) channel kept with probability
    1 - p and scaled by 1 / (1 - p). Returns x's shape. ``inplace``: overwrite x, return it."""
    return _feature("dropout1d", 1, x, p, training, generator, inplace)


def dropout2d(x, p=0.5, training=True, inplace=False, generator=None):
    """Zero whole feature maps: x (N, C, H, W) or (C, H, W), each (n, c) map kept with
    probability 1 - p and scaled by 1 / (1 - p). Returns x's shape. ``inplace``: overwrite x."""
    return _feature("dropout2d", 2, x, p, training, generator, inplace)


def dropout3d(x, p=0.5, training=True, inplace=False, generator=None):
    """Zero whole volumes: x (N, C, D, H, W) or (C, D, H, W). Returns x's shape. ``inplace``:
    overwrite x and return it."""
    return _feature("dropout3d", 3, x, p, training, generator, inplace)


def _alpha(op, x, p, training, feature, generator, inplace):
    _check_p(op, p)
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(x).__name__}")
    if not training or p == 0.0 or x.numel() == 0:
        return x
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {x.dtype}")
    shape = tuple(x.shape)
    if feature:
        if len(shape) < 2:
            raise ShapeError(
                f"{op}: feature dropout requires at least 2 dimensions in the input (N, C, ...), "
                f"got shape {shape}"
            )
        shape = shape[:2] + (1,) * (len(shape) - 2)
    if p == 1.0:
        return apply_op(x, op + "(inplace=True)", _zero) if inplace else x * 0.0
    p = float(p)
    a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1.0) * (1.0 - p))
    keep = _mask(x, shape, p, generator, scale=False)
    # kept: a * x + a * alpha * p; dropped: a * (-alpha) + a * alpha * p (PyTorch's affine map)
    shift = (keep - 1) * x.dtype.type(_ALPHA * a) + x.dtype.type(_ALPHA * a * p)
    mask = keep * x.dtype.type(a)
    if inplace:
        return apply_op(x, op + "(inplace=True)", MaskAffine.apply, mask, shift)
    return MaskAffine.apply(x, mask, shift)


def alpha_dropout(x, p=0.5, training=False, inplace=False, generator=None):
    """Alpha dropout (Klambauer et al. 2017), for self-normalising (SELU) networks.

    In training each element is dropped with probability p, set to SELU's negative saturation
    -1.7581, and the result is mapped by a * y + b so that a zero-mean, unit-variance input keeps
    that mean and variance: kept x -> a x + 1.7581 a p, dropped -> -1.7581 a (1 - p), with
    a = ((1.7581^2 p + 1)(1 - p))^(-1/2). The gradient is a where kept, 0 where dropped.
    x: any float shape; returns x's shape (x itself when not training, which is the default as
    in PyTorch, or p == 0). ``inplace``: overwrite x and return it.
    """
    return _alpha("alpha_dropout", x, p, training, False, generator, inplace)


def feature_alpha_dropout(x, p=0.5, training=False, inplace=False, generator=None):
    """Alpha dropout of whole channels: x (N, C, ...) with at least 2 dimensions (in training),
    each (n, c) channel kept or dropped as one, mapped as in ``alpha_dropout``. Returns x's
    shape (x itself when not training, the default, or p == 0). ``inplace``: overwrite x."""
    return _alpha("feature_alpha_dropout", x, p, training, True, generator, inplace)
