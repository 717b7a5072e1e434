"""Resampling and rearranging images, as in ``torch.nn.functional``.

``interpolate`` (modes nearest, nearest-exact, linear, bilinear, bicubic, trilinear, area;
``antialias`` for bilinear and bicubic) with its deprecated aliases ``upsample``,
``upsample_nearest`` and ``upsample_bilinear``; ``unfold`` / ``fold``; ``pixel_shuffle`` /
``pixel_unshuffle``; ``channel_shuffle``.

Interpolation (``Resample`` and its tables) lives in ``_interpolate.py`` and is re-exported here.

unfold and fold are adjoint linear maps, one op each (``Im2Col``, ``Col2Im``); each one's backward
is the other, so they too differentiate to any order.
"""

from __future__ import annotations

import operator

from autograd import Function, ShapeError
from autograd import permute as _permute
from autograd import reshape as _reshape
from backends import array_module

from ._interpolate import (  # noqa: F401 - re-exported: nn/vision.py reads the private ones here
    _A,
    _AXES,
    _LAYOUT,
    _MODE_DIMS,
    _MODES,
    Resample,
    _cubic1,
    _cubic2,
    _fill,
    _float_arg,
    _int_of,
    _interpolate,
    _Map,
    _maps,
    _named,
    _output_size,
    _ratio,
    _raw,
    _shape_of,
    _source,
    _taps,
    _taps_antialias,
    interpolate,
    upsample,
    upsample_bilinear,
    upsample_nearest,
)
from .conv import _ntuple

__all__ = [
    "interpolate",
    "upsample",
    "upsample_nearest",
    "upsample_bilinear",
    "unfold",
    "fold",
    "pixel_shuffle",
    "pixel_unshuffle",
    "channel_shuffle",
]

# -- unfold / fold ---------------------------------------------------------------------------------


def _blocks(size, kernel, dilation, padding, stride):
    """Sliding-block counts per dim: (S + 2 p - dilation (k - 1) - 1) // stride + 1."""
    return tuple(
        (n + 2 * p - dl * (k - 1) - 1) // s + 1
        for n, k, dl, p, s in zip(size, kernel, dilation, padding, stride)
    )


def _window(i, dl, s, m):
    """Positions i dl + s j, j < m, of the padded input that kernel offset i reads."""
    return slice(i * dl, i * dl + s * (m - 1) + 1, s)


class Im2Col(Function):
    """cols (N, C kh kw, oh ow) = every sliding (kh, kw) block of x (N, C, H, W), zero-padded.

    Row c kh kw + i kw + j of cols holds kernel offset (i, j) of channel c; column a ow + b the
    block at (a, b). Backward: Col2Im (its adjoint).
    """

    __slots__ = ("geom", "size")

    def forward(self, x, kernel, dilation, padding, stride):
        self.geom, self.size = (kernel, dilation, padding, stride), tuple(x.shape[2:])
        xp = array_module(x)
        N, C = x.shape[:2]
        (kh, kw), (dh, dw), (ph, pw), (sh, sw) = self.geom
        oh, ow = _blocks(self.size, kernel, dilation, padding, stride)
        if ph or pw:
            x = xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        cols = xp.empty((N, C, kh, kw, oh, ow), dtype=x.dtype)
        for i in range(kh):
            for j in range(kw):
                cols[:, :, i, j] = x[:, :, _window(i, dh, sh, oh), _window(j, dw, sw, ow)]
        return cols.reshape(N, C * kh * kw, oh * ow)

    def backward(self, gy):
        return Col2Im.apply(gy, self.size, *self.geom), None, None, None, None


class Col2Im(Function):
    """x (N, C, H, W) = the blocks of cols (N, C kh kw, oh ow) summed back where they overlap
    (padding dropped): Im2Col's adjoint. Backward: Im2Col."""

    __slots__ = ("geom",)

    def forward(self, cols, size, kernel, dilation, padding, stride):
        self.geom = (kernel, dilation, padding, stride)
        xp = array_module(cols)
        (kh, kw), (dh, dw), (ph, pw), (sh, sw) = self.geom
        (H, W), N = size, cols.shape[0]
        oh, ow = _blocks(size, kernel, dilation, padding, stride)
        C = cols.shape[1] // (kh * kw)
        c = cols.reshape(N, C, kh, kw, oh, ow)
        out = xp.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=cols.dtype)
        for i in range(kh):
            for j in range(kw):  # within one offset the positions are distinct: += is exact
                out[:, :, _window(i, dh, sh, oh), _window(j, dw, sw, ow)] += c[:, :, i, j]
        return xp.ascontiguousarray(out[:, :, ph : ph + H, pw : pw + W])

    def backward(self, gy):
        return Im2Col.apply(gy, *self.geom), None, None, None, None, None


def _fold_args(op, kernel_size, dilation, padding, stride):
    return (
        _ntuple(kernel_size, 2, "kernel_size", op),
        _ntuple(dilation, 2, "dilation", op),
        _ntuple(padding, 2, "padding", op, minimum=0),
        _ntuple(stride, 2, "stride", op),
    )


def _geom_str(kernel, dilation, padding, stride):
    return f"kernel_size={kernel}, dilation={dilation}, padding={padding}, stride={stride}"


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding local blocks of a batch of images (im2col), as ``torch.nn.functional.unfold``.

    input: (N, C, H, W) or unbatched (C, H, W), zero-padded by ``padding``; kernel_size,
    dilation, padding, stride: an int or 2 ints. Returns (N, C kh kw, L) (or (C kh kw, L)) with
    L = oh ow, oh = (H + 2 p - dilation (kh - 1) - 1) // stride + 1; row c kh kw + i kw + j
    holds kernel offset (i, j) of channel c. Its adjoint is ``fold``.
    """
    return _unfold("unfold", input, kernel_size, dilation, padding, stride)


def _unfold(op, input, kernel_size, dilation, padding, stride):
    shape = _shape_of(op, input)
    if len(shape) not in (3, 4) or 0 in shape[-3:]:
        raise ShapeError(
            f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input with non-zero C, H and W "
            f"(only the batch may be 0), got shape {shape}"
        )
    geom = _fold_args(op, kernel_size, dilation, padding, stride)
    blocks = _blocks(shape[-2:], *geom)
    if min(blocks) < 1:
        raise ShapeError(
            f"{op}: input of shape {shape} (spatial size {shape[-2:]}) with "
            f"{_geom_str(*geom)} gives {blocks} sliding blocks; each must be at least 1"
        )
    if len(shape) == 3:
        y = Im2Col.apply(_reshape(input, (1,) + shape), *geom)
        return _reshape(y, tuple(y.shape)[1:])
    return Im2Col.apply(input, *geom)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding local blocks back into images (col2im): ``unfold``'s adjoint, as
    ``torch.nn.functional.fold``.

    input: (N, C kh kw, L) or unbatched (C kh kw, L), L the number of blocks that output_size
    (H, W) gives; output_size, kernel_size, dilation, padding, stride: an int or 2 ints.
    Returns (N, C, H, W) (or (C, H, W)); overlapping blocks add up, padding is dropped.
    """
    return _fold("fold", input, output_size, kernel_size, dilation, padding, stride)


def _fold(op, input, output_size, kernel_size, dilation, padding, stride):
    shape = _shape_of(op, input)
    if len(shape) not in (2, 3) or 0 in shape[-2:]:
        raise ShapeError(
            f"{op}: expected a 2-D (C*kh*kw, L) or 3-D (N, C*kh*kw, L) input with non-zero "
            f"C*kh*kw and L (only the batch may be 0), got shape {shape}"
        )
    size = _ntuple(output_size, 2, "output_size", op)
    geom = _fold_args(op, kernel_size, dilation, padding, stride)
    kernel = geom[0]
    rows, L = shape[-2:]
    if rows % (kernel[0] * kernel[1]):
        raise ShapeError(
            f"{op}: the input's C*kh*kw dim (size {rows}, input shape {shape}) must be divisible "
            f"by the product of kernel_size={kernel}, {kernel[0] * kernel[1]}"
        )
    blocks = _blocks(size, *geom)
    where = f"output_size={size}, {_geom_str(*geom)}"
    if min(blocks) < 1:
        raise ShapeError(f"{op}: {where} gives {blocks} sliding blocks, which is too few (< 1)")
    if L != blocks[0] * blocks[1]:
        raise ShapeError(
            f"{op}: {where} gives {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]} sliding "
            f"blocks, but the input's last dim (input shape {shape}) has {L}"
        )
    if len(shape) == 2:
        y = Col2Im.apply(_reshape(input, (1,) + shape), size, *geom)
        return _reshape(y, tuple(y.shape)[1:])
    return Col2Im.apply(input, size, *geom)


# -- pixel and channel shuffles --------------------------------------------------------------------


def _factor(op, what, v):
    if isinstance(v, bool):
        raise TypeError(f"{op}: {what} must be an int, got bool {v!r}")
    try:
        r = operator.index(v)
    except TypeError:
        raise TypeError(f"{op}: {what} must be an int, got {type(v).__name__} {v!r}") from None
    if r < 1:
        raise ValueError(f"{op}: {what} must be positive, got {r}")
    return r


def pixel_shuffle(input, upscale_factor):
    """Rearrange (*, C r^2, H, W) into (*, C, H r, W r), r = upscale_factor:
    y[.., c, h r + i, w r + j] = x[.., c r^2 + i r + j, h, w] (sub-pixel convolution's
    upsampling)."""
    return _pixel_shuffle("pixel_shuffle", input, upscale_factor)


def _pixel_shuffle(op, input, upscale_factor):
    r = _factor(op, "upscale_factor", upscale_factor)
    shape = _shape_of(op, input)
    if len(shape) < 3:
        raise ShapeError(
            f"{op}: expected an input (*, C*r^2, H, W) of at least 3 dims, got shape {shape}"
        )
    *lead, C, H, W = shape
    if C % (r * r):
        raise ShapeError(
            f"{op}: the channel dim (-3) must be divisible by upscale_factor^2 = {r * r}, "
            f"got {C} channels (input shape {shape})"
        )
    b = len(lead)
    y = _reshape(input, tuple(lead) + (C // (r * r), r, r, H, W))
    y = _permute(y, tuple(range(b)) + (b, b + 3, b + 1, b + 4, b + 2))
    return _reshape(y, tuple(lead) + (C // (r * r), H * r, W * r))


def pixel_unshuffle(input, downscale_factor):
    """Rearrange (*, C, H r, W r) into (*, C r^2, H, W), r = downscale_factor: the inverse of
    ``pixel_shuffle``."""
    return _pixel_unshuffle("pixel_unshuffle", input, downscale_factor)


def _pixel_unshuffle(op, input, downscale_factor):
    r = _factor(op, "downscale_factor", downscale_factor)
    shape = _shape_of(op, input)
    if len(shape) < 3:
        raise ShapeError(
            f"{op}: expected an input (*, C, H*r, W*r) of at least 3 dims, got shape {shape}"
        )
    *lead, C, H, W = shape
    if H % r or W % r:
        raise ShapeError(
            f"{op}: height and width must be divisible by downscale_factor={r}, got "
            f"input of shape {shape}"
        )
    b = len(lead)
    y = _reshape(input, tuple(lead) + (C, H // r, r, W // r, r))
    y = _permute(y, tuple(range(b)) + (b, b + 2, b + 4, b + 1, b + 3))
    return _reshape(y, tuple(lead) + (C * r * r, H // r, W // r))


def channel_shuffle(input, groups):
    """Interleave the channel groups of (N, C, *): viewed as (N, groups, C / groups, *), the two
    group dims are swapped (ShuffleNet). Output channel k = (C / groups) (k mod groups) +
    k // groups of the input."""
    return _channel_shuffle("channel_shuffle", input, groups)


def _channel_shuffle(op, input, groups):
    g = _factor(op, "groups", groups)
    shape = _shape_of(op, input)
    if len(shape) < 3:
        raise ShapeError(
            f"{op}: expected an input (N, C, *) of more than 2 dims, got shape {shape}"
        )
    N, C, *rest = shape
    if C % g:
        raise ShapeError(
            f"{op}: number of channels must be divisible by groups, got {C} channels "
            f"and {g} groups (input shape {shape})"
        )
    y = _reshape(input, (N, g, C // g) + tuple(rest))
    y = _permute(y, (0, 2, 1) + tuple(range(3, len(shape) + 1)))
    return _reshape(y, shape)
