"""Pooling layers: ``MaxPool1d/2d/3d``, ``AvgPool1d/2d/3d``, ``AdaptiveAvgPool1d/2d/3d``,
``AdaptiveMaxPool1d/2d/3d``.

    pool = nn.MaxPool2d(2)              # x (N, C, H, W) -> (N, C, H // 2, W // 2)

Arguments, defaults (stride = kernel_size) and reprs as in ``torch.nn``; the work is done by
``nn.functional``'s pooling ops.
"""

from __future__ import annotations

from autograd import ShapeError

from ._args import input_shape
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
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
]


def _check_ndim(layer, x, d):
    shape = input_shape(repr(layer), x)
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
                 count_include_pad=True, divisor_override=None):  # fmt: skip
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
        self.divisor_override = _F._check_divisor(type(self).__name__, divisor_override)

    def forward(self, x):
        _check_ndim(self, x, self._d)
        args = (x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                self.count_include_pad)  # fmt: skip
        if self._d == 1:
            return _F.avg_pool1d(*args)
        pool = _F.avg_pool2d if self._d == 2 else _F.avg_pool3d
        return pool(*args, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """Mean over windows of a 1-D signal: (N, C, L) or (C, L) -> (N, C, L_out), zero padding.

    kernel_size, stride (default kernel_size), padding, ceil_mode, count_include_pad (padded
    zeros count in the divisor; PyTorch's default True).
    """

    _d = 1

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):  # fmt: skip
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)


class AvgPool2d(_AvgPoolNd):
    """Mean over 2-D windows: (N, C, H, W) or (C, H, W) -> (N, C, H_out, W_out).

    divisor_override: a nonzero int; when set, each window sum is divided by it instead of
    the window's count.
    """

    _d = 2


class AvgPool3d(_AvgPoolNd):
    """Mean over 3-D windows: (N, C, D, H, W) or (C, D, H, W) -> (N, C, D', H', W').

    divisor_override: a nonzero int dividing each window sum instead of the window's count.
    """

    _d = 3


class _AdaptivePoolNd(Module):
    _d = 0
    _min_size = 1  # adaptive max pooling, as PyTorch's, also allows 0 (an empty output)

    def __init__(self, output_size):
        super().__init__()
        # the form is checked now (None entries are resolved against each input)
        _F._adaptive_sizes(type(self).__name__, self._d, output_size, minimum=self._min_size)
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _AdaptiveAvgPoolNd(_AdaptivePoolNd):
    def forward(self, x):
        _check_ndim(self, x, self._d)
        pool = (_F.adaptive_avg_pool1d, _F.adaptive_avg_pool2d, _F.adaptive_avg_pool3d)
        return pool[self._d - 1](x, self.output_size)


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Mean over output_size windows covering the signal: (N, C, L) -> (N, C, output_size).

    Window i spans [floor(i L / m), ceil((i + 1) L / m)).
    """

    _d = 1


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Mean over an output_size grid of windows: (N, C, H, W) -> (N, C, h, w).

    output_size: int or (h, w); None in the tuple keeps that input size.
    """

    _d = 2


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """Mean over an output_size grid of windows: (N, C, D, H, W) or (C, D, H, W) ->
    (N, C, d, h, w).

    output_size: int or (d, h, w); None in the tuple keeps that input size. Windows per dim as
    in AdaptiveAvgPool1d.
    """

    _d = 3


class _AdaptiveMaxPoolNd(_AdaptivePoolNd):
    _min_size = 0

    def __init__(self, output_size, return_indices=False):
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, x):
        _check_ndim(self, x, self._d)
        pool = (_F.adaptive_max_pool1d, _F.adaptive_max_pool2d, _F.adaptive_max_pool3d)
        return pool[self._d - 1](x, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max over output_size windows covering the signal: (N, C, L) or (C, L) -> (N, C, m).

    Window i spans [floor(i L / m), ceil((i + 1) L / m)). return_indices: also return the
    int64 argmax positions in [0, L), shaped like the output.
    """

    _d = 1


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max over an output_size grid of windows: (N, C, H, W) or (C, H, W) -> (N, C, h, w).

    output_size: int or (h, w); None in the tuple keeps that input size. return_indices: also
    return the int64 argmax positions in [0, H W) of each (n, c) plane.
    """

    _d = 2


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max over an output_size grid of windows: (N, C, D, H, W) or (C, D, H, W) ->
    (N, C, d, h, w).

    output_size: int or (d, h, w); None in the tuple keeps that input size. return_indices:
    also return the int64 argmax positions in [0, D H W) of each (n, c) volume.
    """

    _d = 3
