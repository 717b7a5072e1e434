"""Padding layers: ``ZeroPad``, ``ConstantPad``, ``ReflectionPad``, ``ReplicationPad`` and
``CircularPad`` in 1, 2 and 3 dims.

    pad = nn.ReflectionPad2d((1, 1, 2, 0))      # (N, C, H, W) -> (N, C, H + 2, W + 2)

padding: an int (every side) or 2 d ints (left, right[, top, bottom[, front, back]]), the last
dim first, as ``torch.nn``; negative amounts crop. The work is ``autograd.pad``, so gradients of
any order come with it. Reflection, replication and circular padding take a (d + 1)-D
(unbatched) or (d + 2)-D (batched) input, as PyTorch's; constant padding any input of at least d
dims. Errors name the layer.
"""

from __future__ import annotations

import numbers
import operator

from autograd import ShapeError
from autograd import pad as _pad

from ._args import input_shape
from .module import Module

__all__ = [
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
]


def _padding(layer: str, d: int, padding) -> tuple:
    """``padding`` as a tuple of 2 d ints: an int repeats, a sequence must hold 2 d ints."""
    want = f"an int or a tuple of {2 * d} ints"
    items = tuple(padding) if isinstance(padding, (tuple, list)) else (padding,) * (2 * d)
    if len(items) != 2 * d:
        raise ValueError(f"{layer}: padding must be {want}, got {padding!r}")
    for p in items:
        if isinstance(p, bool):
            raise TypeError(f"{layer}: padding must be {want}, got {padding!r}")
        try:
            operator.index(p)
        except TypeError:
            raise TypeError(f"{layer}: padding must be {want}, got {padding!r}") from None
    return tuple(operator.index(p) for p in items)


class _PadNd(Module):
    _d = 0
    _mode = "constant"

    def __init__(self, padding):
        super().__init__()
        self.padding = _padding(type(self).__name__, self._d, padding)

    def _check_input(self, x) -> tuple:
        shape = input_shape(self, x)
        d = self._d
        if self._mode == "constant":
            if len(shape) < d:
                raise ShapeError(
                    f"{self!r}: expected an input of at least {d} dims, got shape {shape}"
                )
            return shape
        if len(shape) not in (d + 1, d + 2):
            raise ShapeError(
                f"{self!r}: expected a {d + 1}-D (unbatched) or {d + 2}-D (batched) input, got "
                f"shape {shape}"
            )
        if self._mode != "circular" and 0 in shape[len(shape) - d - 1 :]:
            raise ShapeError(
                f"{self!r}: expected non-empty channel and spatial dims (only the batch may be "
                f"0), got shape {shape}"
            )
        return shape

    def forward(self, input):
        self._check_input(input)
        try:
            return _pad(input, self.padding, self._mode, getattr(self, "value", 0.0))
        except ShapeError as e:  # e.g. reflection as wide as the dim: named by this layer
            raise ShapeError(f"{self!r}: {str(e).removeprefix('pad: ')}") from None

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        if isinstance(value, bool) or not isinstance(value, numbers.Number):
            raise TypeError(f"{type(self).__name__}: value must be a number, got {value!r}")
        self.value = value

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``: (*, W) -> (*, W + left + right).

    padding: an int or (left, right).
    """

    _d = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last 2 dims with ``value``: (*, H, W) -> (*, H + top + bottom, W + left + right).

    padding: an int or (left, right, top, bottom).
    """

    _d = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last 3 dims with ``value``: (*, D, H, W) -> (*, D + front + back, H + top +
    bottom, W + left + right).

    padding: an int or (left, right, top, bottom, front, back).
    """

    _d = 3


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros: (*, W) -> (*, W + left + right). padding: int or 2 ints."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last 2 dims with zeros: (*, H, W) -> (*, H + top + bottom, W + left + right).

    padding: an int or (left, right, top, bottom).
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last 3 dims with zeros: (*, D, H, W) -> (*, D', H', W').

    padding: an int or (left, right, top, bottom, front, back).
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Mirror the last dim about its edges (the edge itself not repeated): (N, C, W) or
    (C, W) -> (.., W + left + right); each amount less than W. padding: int or 2 ints."""

    _d, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Mirror H and W about their edges: (N, C, H, W) or (C, H, W) -> (.., H', W'); each amount
    less than its dim. padding: an int or (left, right, top, bottom)."""

    _d, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Mirror D, H and W about their edges: (N, C, D, H, W) or (C, D, H, W) -> (.., D', H', W').

    padding: an int or (left, right, top, bottom, front, back), each less than its dim.
    """

    _d, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Repeat the edge values of the last dim: (N, C, W) or (C, W) -> (.., W + left + right).

    padding: an int or (left, right).
    """

    _d, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Repeat the edge values of H and W: (N, C, H, W) or (C, H, W) -> (.., H', W').

    padding: an int or (left, right, top, bottom).
    """

    _d, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Repeat the edge values of D, H and W: (N, C, D, H, W) or (C, D, H, W) -> (.., D', H', W').

    padding: an int or (left, right, top, bottom, front, back).
    """

    _d, _mode = 3, "replicate"


class CircularPad1d(_PadNd):
    """Wrap the last dim around (periodic padding): (N, C, W) or (C, W) -> (.., W + left +
    right); each amount at most W. padding: an int or (left, right)."""

    _d, _mode = 1, "circular"


class CircularPad2d(_PadNd):
    """Wrap H and W around: (N, C, H, W) or (C, H, W) -> (.., H', W').

    padding: an int or (left, right, top, bottom), each at most its dim.
    """

    _d, _mode = 2, "circular"


class CircularPad3d(_PadNd):
    """Wrap D, H and W around: (N, C, D, H, W) or (C, D, H, W) -> (.., D', H', W').

    padding: an int or (left, right, top, bottom, front, back), each at most its dim.
    """

    _d, _mode = 3, "circular"
