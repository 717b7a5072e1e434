"""Pooling layers: ``MaxPool1d/2d/3d``, ``AvgPool1d/2d/3d``, ``AdaptiveAvgPool1d/2d``.

    pool = nn.MaxPool2d(2)              # x (N, C, H, W) -> (N, C, H // 2, W // 2)

Arguments, defaults (stride = kernel_size) and reprs as in ``torch.nn``; the work is done by
``nn.functional``'s pooling ops.
"""

from __future__ import annotations

from autograd import ShapeError

from .functional import pooling as _F
from .module import Module

__all__ = [
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
]


def _check_ndim(layer, x, d):
    shape = tuple(getattr(x, "shape", ()))
    if len(shape) not in (d + 1, d + 2):
        raise ShapeError(
            f"{layer!r}: expected a {d + 1}-D (unbatched) or {d + 2}-D (batched) input, got {shape}"
        )


class _MaxPoolNd(Module):
    _d = 0

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):  # fmt: skip
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None and stride != () else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, x):
        _check_ndim(self, x, self._d)
        pool = (_F.max_pool1d, _F.max_pool2d, _F.max_pool3d)[self._d - 1]
        return pool(x, self.kernel_size, self.stride, self.padding, self.dilation,
                    self.ceil_mode, self.return_indices)  # fmt: skip

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPoolNd):
    """Max over windows of a 1-D signal: (N, C, L) or (C, L) -> (N, C, L_out), padding -inf.

    kernel_size, stride (default kernel_size), padding (at most half the kernel), dilation,
    return_indices (also return int64 argmax positions), ceil_mode.
    """

    _d = 1


class MaxPool2d(_MaxPoolNd):
    """Max over 2-D windows: (N, C, H, W) or (C, H, W) -> (N, C, H_out, W_out),
    H_out = (H + 2 padding - dilation (kernel - 1) - 1) // stride + 1 (ceil with ceil_mode)."""

    _d = 2


class MaxPool3d(_MaxPoolNd):
    """Max over 3-D windows: (N, C, D, H, W) or (C, D, H, W) -> (N, C, D', H', W')."""

    _d = 3


class _AvgPoolNd(Module):
    _d = 0

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):  # fmt: skip
        super().__init__()
        stride = stride if stride is not None and stride != () else kernel_size
        if self._d == 1:  # torch stores AvgPool1d's arguments as 1-tuples
            kernel_size, stride, padding = (
                tuple(v) if isinstance(v, (tuple, list)) else (v,)
                for v in (kernel_size, stride, padding)
            )
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, x):
        _check_ndim(self, x, self._d)
        pool = (_F.avg_pool1d, _F.avg_pool2d, _F.avg_pool3d)[self._d - 1]
        return pool(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                    self.count_include_pad)  # fmt: skip

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """Mean over windows of a 1-D signal: (N, C, L) or (C, L) -> (N, C, L_out), zero padding.

    kernel_size, stride (default kernel_size), padding, ceil_mode, count_include_pad (padded
    zeros count in the divisor; PyTorch's default True).
    """

    _d = 1


class AvgPool2d(_AvgPoolNd):
    """Mean over 2-D windows: (N, C, H, W) or (C, H, W) -> (N, C, H_out, W_out)."""

    _d = 2


class AvgPool3d(_AvgPoolNd):
    """Mean over 3-D windows: (N, C, D, H, W) or (C, D, H, W) -> (N, C, D', H', W')."""

    _d = 3


class AdaptiveAvgPool1d(Module):
    """Mean over output_size windows covering the signal: (N, C, L) -> (N, C, output_size).

    Window i spans [floor(i L / m), ceil((i + 1) L / m)).
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, x):
        _check_ndim(self, x, 1)
        return _F.adaptive_avg_pool1d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(Module):
    """Mean over an output_size grid of windows: (N, C, H, W) -> (N, C, h, w).

    output_size: int or (h, w); None in the tuple keeps that input size.
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, x):
        _check_ndim(self, x, 2)
        return _F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
