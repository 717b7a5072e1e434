"""Convolution layers: ``Conv1d/2d/3d`` and ``ConvTranspose1d/2d/3d``, as in ``torch.nn``.

    conv = nn.Conv2d(3, 16, kernel_size=3, padding=1)     # x (N, 3, H, W) -> (N, 16, H, W)
    conv                                                  # Conv2d(3, 16, kernel_size=(3, 3), ...)

Weights are (out, in / groups, *kernel) for convolutions and (in, out / groups, *kernel) for
transposed ones, initialised as PyTorch does: kaiming_uniform_(a=sqrt(5)), i.e.
U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
"""

from __future__ import annotations

import math

from autograd import ShapeError
from autograd import pad as _pad

from . import init
from ._args import input_shape
from .functional import conv as _F
from .module import Module
from .parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _empty(shape, dtype, device):
    import autograd as ag

    return ag.empty(*shape, dtype=dtype, device=device)


class _ConvNd(Module):
    """Shared by every convolution layer: arguments, parameters, init, repr and input checks."""

    _d = 0
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 groups, bias, padding_mode, output_padding=0, device=None, dtype=None,
                 generator=None):  # fmt: skip
        super().__init__()
        d, name = self._d, type(self).__name__
        if in_channels <= 0 or out_channels <= 0:
            raise ValueError(
                f"{name}: in_channels and out_channels must be positive, got {in_channels} "
                f"and {out_channels}"
            )
        if groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups}")
        if in_channels % groups:
            raise ValueError(
                f"{name}: in_channels ({in_channels}) must be divisible by groups ({groups})"
            )
        if out_channels % groups:
            raise ValueError(
                f"{name}: out_channels ({out_channels}) must be divisible by groups ({groups})"
            )
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"{name}: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}"
            )
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _F._ntuple(kernel_size, d, "kernel_size", name)
        self.stride = _F._ntuple(stride, d, "stride", name)
        self.dilation = _F._ntuple(dilation, d, "dilation", name)
        self.groups = int(groups)
        self.padding_mode = padding_mode
        if isinstance(padding, str):
            # validates 'valid' / 'same' (and 'same' with a stride) at construction, like torch
            self._pads = _F.conv_padding(
                padding, d, self.kernel_size, self.stride, self.dilation, name
            )
            self.padding = padding
        else:
            self.padding = _F._ntuple(padding, d, "padding", name, minimum=0)
            self._pads = tuple((p, p) for p in self.padding)
        self.output_padding = _F._ntuple(output_padding, d, "output_padding", name, minimum=0)
        if self._transposed:
            wshape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            wshape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(_empty(wshape, dtype, device))
        if bias:
            self.bias = Parameter(_empty((out_channels,), dtype, device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None) -> None:
        """Re-draw weight and bias with PyTorch's default initialisation."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def _short(self) -> str:
        """The name errors use: ``Conv2d(3, 16, kernel_size=3)``."""
        k = self.kernel_size
        ks = k[0] if len(set(k)) == 1 else k
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels}, kernel_size={ks})"

    def _check_input(self, x, w):
        """x's rank and channel count, against the layer's actual weight ``w`` (a swapped-in
        weight of another shape counts, as in PyTorch); ShapeError naming the layer."""
        d = self._d
        shape = getattr(x, "shape", None)
        shape = input_shape(self._short(), x) if shape is None else tuple(shape)
        if len(shape) not in (d + 1, d + 2):
            raise ShapeError(
                f"{self._short()}: expected a {d + 1}-D (unbatched) or {d + 2}-D (batched) "
                f"input, got {shape}"
            )
        ws = getattr(w, "shape", ())
        if len(ws) != d + 2:
            raise ShapeError(
                f"{self._short()}: the weight must be {d + 2}-D, got shape {tuple(ws)}"
            )
        want = ws[0] if self._transposed else ws[1] * self.groups
        if shape[len(shape) - d - 1] != want:
            swapped = ws != self._wshape()
            raise ShapeError(
                f"{self._short()}: expected input with {want} channels, got {shape}"
                + (f" (the layer's weight has shape {tuple(ws)})" if swapped else "")
            )

    def _wshape(self) -> tuple:
        """The weight shape the constructor made."""
        i, o, g = self.in_channels, self.out_channels, self.groups
        return ((i, o // g) if self._transposed else (o, i // g)) + tuple(self.kernel_size)

    def _call(self, fn, *args):
        """``fn(*args)`` (a functional conv); its ShapeError re-raised naming the layer."""
        try:
            return fn(*args)
        except ShapeError as e:
            raise ShapeError(f"{self._short()}: {e}") from None

    def extra_repr(self) -> str:
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if isinstance(self.padding, str) or self.padding != (0,) * self._d:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._d:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._d:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None,
                 generator=None):  # fmt: skip
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
            padding_mode, 0, device, dtype, generator,
        )  # fmt: skip

    def forward(self, x):
        w, b = self.weight, self.bias  # read once: a parametrized weight is computed
        self._check_input(x, w)
        conv = (_F.conv1d, _F.conv2d, _F.conv3d)[self._d - 1]
        if self.padding_mode == "zeros":
            return self._call(conv, x, w, b, self.stride, self.padding, self.dilation, self.groups)
        # pad explicitly (torch.nn.functional.pad order: last dim first), then convolve
        flat = [p for lo_hi in reversed(self._pads) for p in lo_hi]
        x = _pad(x, flat, mode=self.padding_mode)
        return self._call(conv, x, w, b, self.stride, 0, self.dilation, self.groups)


class Conv1d(_Conv):
    """1-D convolution layer. Input (N, C_in, L) or (C_in, L) -> (N, C_out, L_out),
    L_out = (L + 2 padding - dilation (kernel_size - 1) - 1) // stride + 1.

    Arguments as torch.nn.Conv1d: in_channels, out_channels, kernel_size, stride=1, padding=0
    (int, tuple, 'valid' or 'same'), dilation=1, groups=1, bias=True, padding_mode='zeros'
    ('reflect', 'replicate', 'circular'). weight: (C_out, C_in / groups, kernel_size).
    """

    _d = 1


class Conv2d(_Conv):
    """2-D convolution layer. Input (N, C_in, H, W) or (C_in, H, W) -> (N, C_out, H_out, W_out),
    H_out = (H + 2 padding - dilation (kernel - 1) - 1) // stride + 1 (W alike).

    Arguments as torch.nn.Conv2d (see Conv1d); weight: (C_out, C_in / groups, kH, kW).
    """

    _d = 2


class Conv3d(_Conv):
    """3-D convolution layer. Input (N, C_in, D, H, W) or unbatched -> (N, C_out, D', H', W').

    Arguments as torch.nn.Conv3d (see Conv1d); weight: (C_out, C_in / groups, kD, kH, kW).
    """

    _d = 3


class _ConvTranspose(_ConvNd):
    _transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None, generator=None):  # fmt: skip
        if padding_mode != "zeros":
            raise ValueError(
                f"{type(self).__name__}: only padding_mode='zeros' is supported, got "
                f"{padding_mode!r}"
            )
        if isinstance(padding, str):
            raise ValueError(
                f"{type(self).__name__}: padding must be an int or a tuple, got {padding!r}"
            )
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
            padding_mode, output_padding, device, dtype, generator,
        )  # fmt: skip

    def _output_padding(self, x, output_size):
        if output_size is None:
            return self.output_padding
        d = self._d
        size = tuple(output_size)
        if len(size) == d + 2 or (len(size) == d + 1 and x.ndim == d + 1):
            size = size[len(size) - d :]
        if len(size) != d:
            raise ValueError(
                f"{self._short()}: output_size must have {d} or {d + 2} elements, got "
                f"{output_size!r}"
            )
        pads = []
        for n, m, k, s, p, dl in zip(x.shape[x.ndim - d :], size, self.kernel_size,
                                     self.stride, self.padding, self.dilation):  # fmt: skip
            lo = (n - 1) * s - 2 * p + dl * (k - 1) + 1
            if not lo <= m < lo + max(s, dl):
                raise ValueError(
                    f"{self._short()}: requested an output size of {tuple(size)}, but valid "
                    f"sizes for input {tuple(x.shape)} range from {lo} to {lo + max(s, dl) - 1} "
                    "per dim"
                )
            pads.append(m - lo)
        return tuple(pads)

    def forward(self, x, output_size=None):
        w, b = self.weight, self.bias  # read once: a parametrized weight is computed
        self._check_input(x, w)
        conv_t = (_F.conv_transpose1d, _F.conv_transpose2d, _F.conv_transpose3d)[self._d - 1]
        return self._call(
            conv_t, x, w, b, self.stride, self.padding,
            self._output_padding(x, output_size), self.groups, self.dilation,
        )  # fmt: skip


class ConvTranspose1d(_ConvTranspose):
    """1-D transposed convolution layer (conv1d's gradient in its input). Input (N, C_in, L) ->
    (N, C_out, L_out), L_out = (L - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1.

    Arguments as torch.nn.ConvTranspose1d; weight: (C_in, C_out / groups, kernel_size).
    ``forward(x, output_size=None)``: output_size picks output_padding.
    """

    _d = 1


class ConvTranspose2d(_ConvTranspose):
    """2-D transposed convolution layer. Input (N, C_in, H, W) -> (N, C_out, H_out, W_out),
    H_out = (H - 1) stride - 2 padding + dilation (kH - 1) + output_padding + 1 (W alike).

    Arguments as torch.nn.ConvTranspose2d; weight: (C_in, C_out / groups, kH, kW).
    """

    _d = 2


class ConvTranspose3d(_ConvTranspose):
    """3-D transposed convolution layer. Input (N, C_in, D, H, W) -> (N, C_out, D', H', W').

    Arguments as torch.nn.ConvTranspose3d; weight: (C_in, C_out / groups, kD, kH, kW).
    """

    _d = 3
