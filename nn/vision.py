"""Layers of ``nn.functional.vision``: ``Upsample``, ``UpsamplingNearest2d``,
``UpsamplingBilinear2d``, ``PixelShuffle``, ``PixelUnshuffle``, ``Unfold``, ``Fold``,
``ChannelShuffle``.

    up = nn.Upsample(scale_factor=2, mode="bilinear")   # (N, C, H, W) -> (N, C, 2H, 2W)

Arguments, defaults and reprs as in ``torch.nn``. Arguments that can never work are refused when
the layer is built; errors raised on an input name the layer (its repr).
"""

from __future__ import annotations

from ._args import size_arg
from .functional import vision as _F
from .module import Module

__all__ = [
    "Upsample",
    "UpsamplingNearest2d",
    "UpsamplingBilinear2d",
    "PixelShuffle",
    "PixelUnshuffle",
    "Unfold",
    "Fold",
    "ChannelShuffle",
]


class Upsample(Module):
    """Resample the spatial dims of (N, C, W), (N, C, H, W) or (N, C, D, H, W): ``F.interpolate``.

    size (an int or one per dim) or scale_factor (a float or one per dim; stored as floats, and
    0 / None mean unset, as PyTorch's); mode: 'nearest' (default), 'nearest-exact', 'linear',
    'bilinear', 'bicubic', 'trilinear' or 'area'; align_corners (interpolating modes only);
    recompute_scale_factor. Returns (N, C, *out).
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):  # fmt: skip
        super().__init__()
        layer = type(self).__name__
        self.name = layer
        self.size = size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(
                _F._float_arg(layer, "scale_factor", f, scale_factor) for f in scale_factor
            )
        elif scale_factor:  # as PyTorch's: None and 0 leave it unset
            self.scale_factor = _F._float_arg(layer, "scale_factor", scale_factor)
        else:
            self.scale_factor = None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor
        if not isinstance(mode, str) or mode not in _F._MODES:
            raise ValueError(f"{layer}: mode must be one of {', '.join(_F._MODES)}; got {mode!r}")
        if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
            raise ValueError(
                f"{layer}: align_corners option can only be set with the interpolating modes: "
                f"linear | bilinear | bicubic | trilinear (got mode {mode!r})"
            )
        if size is not None and self.scale_factor is not None:
            raise ValueError(f"{layer}: only one of size or scale_factor should be defined")

    def forward(self, input):
        return _F._interpolate(self, input, self.size, self.scale_factor, self.mode,
                               self.align_corners, self.recompute_scale_factor, False)  # fmt: skip

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling of (N, C, H, W): ``Upsample(size, scale_factor,
    mode='nearest')``."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear upsampling of (N, C, H, W) with corners aligned: ``Upsample(size, scale_factor,
    mode='bilinear', align_corners=True)``."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class PixelShuffle(Module):
    """(*, C r^2, H, W) -> (*, C, H r, W r), r = upscale_factor: ``F.pixel_shuffle``."""

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = size_arg(type(self).__name__, "upscale_factor", upscale_factor, 1)

    def forward(self, input):
        return _F._pixel_shuffle(self, input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H r, W r) -> (*, C r^2, H, W), r = downscale_factor: ``F.pixel_unshuffle``."""

    def __init__(self, downscale_factor):
        super().__init__()
        layer = type(self).__name__
        self.downscale_factor = size_arg(layer, "downscale_factor", downscale_factor, 1)

    def forward(self, input):
        return _F._pixel_unshuffle(self, input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """Interleave the ``groups`` channel groups of (N, C, *): ``F.channel_shuffle``."""

    def __init__(self, groups):
        super().__init__()
        self.groups = size_arg(type(self).__name__, "groups", groups, 1)

    def forward(self, input):
        return _F._channel_shuffle(self, input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"


class Unfold(Module):
    """Sliding local blocks: (N, C, H, W) or (C, H, W) -> (N, C kh kw, L): ``F.unfold``.

    kernel_size, dilation (1), padding (0), stride (1): an int or 2 ints.
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        _F._fold_args(type(self).__name__, kernel_size, dilation, padding, stride)  # checked now
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return _F._unfold(self, input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
            f"stride={self.stride}"
        )


class Fold(Module):
    """Sum sliding blocks back into images: (N, C kh kw, L) or (C kh kw, L) -> (N, C, H, W),
    (H, W) = output_size: ``F.fold``, the adjoint of Unfold."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        layer = type(self).__name__
        _F._ntuple(output_size, 2, "output_size", layer)
        _F._fold_args(layer, kernel_size, dilation, padding, stride)
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return _F._fold(self, input, self.output_size, self.kernel_size, self.dilation,
                        self.padding, self.stride)  # fmt: skip

    def extra_repr(self) -> str:
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
            f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}"
        )
