"""Convolution: ``conv1d/2d/3d`` and ``conv_transpose1d/2d/3d``, as in ``torch.nn.functional``.

Three differentiable ops share the backend kernels (``backends.kernels(x).conv_*``):

* ``ConvNd``: y = conv(x, w) + b. Backward: gx = ConvGradInput(gy, w), gw = ConvGradWeight(x, gy),
  gb = gy summed over the batch and spatial dims.
* ``ConvGradInput`` and ``ConvGradWeight`` are ops too. Convolution is bilinear, so with
  <conv(x, w), gy> = <x, grad_input(gy, w)> = <w, grad_weight(x, gy)>, every derivative of the
  three is one of the three again; so second (and higher) order gradients go through the same
  kernels, and ``conv_transpose`` (whose forward is grad-input) comes for free.
* Complex tensors: each derivative above is a bilinear op of the upstream gradient and the other
  operand; PyTorch's conjugate convention only conjugates that other operand (the adjoint of
  a -> B(a, b) is u -> B*(u, conj(b)) for real coefficients), so each backward conjugates its
  saved operands when the output is complex. Every kernel set runs complex dtypes on its
  generic path (im2col and matmul).

Shapes, with d spatial dims: x (N, C, *S), w (O, C // groups, *K), y (N, O, *Y) with
``Y = (S + 2 p - dilation (K - 1) - 1) // stride + 1``. An unbatched input (C, *S) gives (O, *Y).
"""

from __future__ import annotations

import operator

from autograd import Function, ShapeError, Tensor, conj
from autograd.amp import _active as _amp_on
from autograd.amp import _tls as _amp
from autograd.amp import autocast_call as _autocast
from autograd.dtypes import COMPLEX
from backends import array_module, kernels

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
]


def _sum_axes(ndim):
    return (0,) + tuple(range(2, ndim))


def _bias_grad(gy):
    """gb (O,) = gy (N, O, *Y) summed over the batch and spatial dims.

    On raw arrays (a first-order backward) the spatial sum is a matrix-vector product with
    ones, 3x faster than a multi-axis reduction; it accumulates in BLAS's order, not pairwise,
    so it is kept to images of at most 2**16 positions. A Tensor gy (create_graph) is summed by
    the differentiable op.
    """
    if isinstance(gy, Tensor) or gy.ndim < 3 or gy.size == 0:
        return gy.sum(axis=_sum_axes(gy.ndim))
    n, o = gy.shape[:2]
    spatial = gy.size // (n * o)  # gy is not empty here
    if spatial > 1 << 16 or gy.dtype.kind != "f":
        return gy.sum(axis=_sum_axes(gy.ndim))
    xp = array_module(gy)
    return (gy.reshape(n, o, spatial) @ xp.ones(spatial, dtype=gy.dtype)).sum(axis=0)


class ConvNd(Function):
    """y = conv(x, w) + b (PyTorch's cross-correlation) in 1, 2 or 3 spatial dims.

    x: (N, C, *S); w: (O, C // groups, *K); b: (O,) or None; stride, dilation: d ints;
    padding: d (lo, hi) pairs; groups: int. Returns (N, O, *Y).
    """

    __slots__ = ("geom",)
    save_inputs = (0, 1)
    complex_ok = True

    def forward(self, x, w, b, stride, padding, dilation, groups):
        self.geom = (stride, padding, dilation, groups)
        return kernels(x).conv_forward(x, w, b, stride, padding, dilation, groups)

    def backward(self, gy):
        x, w = self.saved
        if self.odtype in COMPLEX:
            x, w = conj(x), conj(w)
        p0, p1, p2 = self.parents[:3]
        gx = gw = gb = None
        if p0 is not None:
            gx = ConvGradInput.apply(gy, w, tuple(x.shape), *self.geom)
        if p1 is not None:
            gw = ConvGradWeight.apply(x, gy, tuple(w.shape), *self.geom)
        if p2 is not None:
            gb = _bias_grad(gy)
        return gx, gw, gb


class ConvGradInput(Function):
    """gx = conv_grad_input(gy, w): the adjoint of conv in x (transposed convolution).

    gy: (N, O, *Y); w: (O, C // groups, *K); x_shape: (N, C, *S). Returns (N, C, *S).
    Its derivatives: d/dgy of <gx, u> is conv(u, w); d/dw is conv_grad_weight(u, gy).
    """

    __slots__ = ("geom",)
    save_inputs = (0, 1)
    complex_ok = True

    def forward(self, gy, w, x_shape, stride, padding, dilation, groups):
        self.geom = (stride, padding, dilation, groups)
        return kernels(gy).conv_grad_input(gy, w, x_shape, stride, padding, dilation, groups)

    def backward(self, u):
        gy, w = self.saved
        if self.odtype in COMPLEX:
            gy, w = conj(gy), conj(w)
        p0, p1 = self.parents[:2]
        g_gy = g_w = None
        if p0 is not None:
            g_gy = _crop(ConvNd.apply(u, w, None, *self.geom), gy.shape)
        if p1 is not None:
            g_w = ConvGradWeight.apply(u, gy, tuple(w.shape), *self.geom)
        return g_gy, g_w


class ConvGradWeight(Function):
    """gw = conv_grad_weight(x, gy): the adjoint of conv in w.

    x: (N, C, *S); gy: (N, O, *Y); w_shape: (O, C // groups, *K). Returns (O, C // groups, *K).
    Its derivatives: d/dx of <gw, u> is conv_grad_input(gy, u); d/dgy is conv(x, u).
    """

    __slots__ = ("geom",)
    save_inputs = (0, 1)
    complex_ok = True

    def forward(self, x, gy, w_shape, stride, padding, dilation, groups):
        self.geom = (stride, padding, dilation, groups)
        return kernels(x).conv_grad_weight(x, gy, w_shape, stride, padding, dilation, groups)

    def backward(self, u):
        x, gy = self.saved
        if self.odtype in COMPLEX:
            x, gy = conj(x), conj(gy)
        p0, p1 = self.parents[:2]
        g_x = g_gy = None
        if p0 is not None:
            g_x = ConvGradInput.apply(gy, u, tuple(x.shape), *self.geom)
        if p1 is not None:
            g_gy = _crop(ConvNd.apply(x, u, None, *self.geom), gy.shape)
        return g_x, g_gy


def _crop(y, shape):
    """y (N, O, *Y') cut to its first ``shape[2:]`` positions per spatial dim.

    A stride-1 transposed convolution with output_padding has an input (S) one conv over which
    yields more positions than its gy has (Y' = Y + output_padding); those extra outputs read
    only the output_padding margin, which no gy position reached.
    """
    if tuple(y.shape[2:]) == tuple(shape[2:]):
        return y
    return y[(slice(None), slice(None)) + tuple(slice(0, n) for n in shape[2:])]


# -- argument handling --------------------------------------------------------------------------


def _ntuple(value, d: int, what: str, op: str, minimum: int = 1) -> tuple:
    """``value`` (an int or a sequence of d ints, each >= minimum) as a tuple of d ints."""
    if isinstance(value, (list, tuple)):
        items = tuple(value)
    else:
        items = (value,) * d
    try:
        items = tuple(operator.index(v) for v in items)
    except TypeError:
        raise TypeError(
            f"{op}: {what} must be an int or a tuple of {d} ints, got {value!r}"
        ) from None
    if len(items) != d:
        raise ValueError(f"{op}: {what} must be an int or a tuple of {d} ints, got {value!r}")
    if any(v < minimum for v in items):
        raise ValueError(f"{op}: {what} must be >= {minimum}, got {value!r}")
    return items


def conv_padding(padding, d: int, kernel, stride, dilation, op: str) -> tuple:
    """Padding as d (lo, hi) pairs from an int, a tuple of ints, ``'valid'`` or ``'same'``.

    'same' (stride 1 only, as in PyTorch) pads dilation (K - 1) in total per dim, the odd one
    after: (t // 2, t - t // 2).
    """
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * d
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(
                    f"{op}: padding='same' is not supported for strided convolutions "
                    f"(stride={stride})"
                )
            totals = [dl * (k - 1) for k, dl in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in totals)
        raise ValueError(
            f"{op}: padding must be 'valid', 'same', an int or a tuple, got {padding!r}"
        )
    return tuple((p, p) for p in _ntuple(padding, d, "padding", op, minimum=0))


def _shape(t) -> tuple:
    return tuple(t.shape)


def _check_dtypes(op, x, w, b):
    if w.dtype != x.dtype or (b is not None and b.dtype != x.dtype):
        bias = "" if b is None else f", bias {b.dtype}"
        raise TypeError(
            f"{op}: input {x.dtype} and weight {w.dtype}{bias} must have the same dtype"
        )
    if x.dtype.kind not in "fc":
        raise TypeError(f"{op}: expected a floating-point or complex input, got {x.dtype}")


def _batched(op, x, d):
    """(x with a batch dim, whether one was added): accepts (C, *S) and (N, C, *S)."""
    if x.ndim == d + 2:
        return x, False
    if x.ndim == d + 1:
        return x.reshape((1,) + _shape(x)), True
    raise ShapeError(
        f"{op}: expected a {d + 1}-D (unbatched) or {d + 2}-D (batched) input, got shape "
        f"{_shape(x)}"
    )


def _conv(d, op, x, w, b, stride, padding, dilation, groups):
    groups = _ntuple(groups, 1, "groups", op)[0]
    if w.ndim != d + 2:
        raise ShapeError(f"{op}: expected a {d + 2}-D weight (O, C/groups, *K), got {_shape(w)}")
    x, unbatched = _batched(op, x, d)
    _check_dtypes(op, x, w, b)
    kernel = _shape(w)[2:]
    stride = _ntuple(stride, d, "stride", op)
    dilation = _ntuple(dilation, d, "dilation", op)
    pads = conv_padding(padding, d, kernel, stride, dilation, op)
    O, cg = w.shape[:2]
    if O % groups:
        raise ValueError(
            f"{op}: out channels {O} (weight {_shape(w)}) not divisible by groups={groups}"
        )
    if x.shape[1] != cg * groups:
        raise ShapeError(
            f"{op}: given groups={groups}, weight of shape {_shape(w)} expects input with "
            f"{cg * groups} channels, got input of shape {_shape(x)}"
        )
    if b is not None and _shape(b) != (O,):
        raise ShapeError(f"{op}: bias must have shape ({O},), got {_shape(b)}")
    S = _shape(x)[2:]
    out = [
        (n + lo + hi - dl * (k - 1) - 1) // s + 1
        for n, k, s, (lo, hi), dl in zip(S, kernel, stride, pads, dilation)
    ]
    if any(m < 1 for m in out):
        raise ShapeError(
            f"{op}: input of shape {_shape(x)} with padding {pads} is smaller than the dilated "
            f"kernel {tuple(dl * (k - 1) + 1 for k, dl in zip(kernel, dilation))}"
        )
    y = ConvNd.apply(x, w, b, stride, pads, dilation, groups)
    return y.reshape(_shape(y)[1:]) if unbatched else y


def conv1d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution. x: (N, C, L) or (C, L); w: (O, C // groups, K); b: (O,) or None.

    padding: int, (p,), 'valid' or 'same'. Returns (N, O, Lout) with
    Lout = (L + 2 p - dilation (K - 1) - 1) // stride + 1.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(conv1d, x, w, b, stride, padding, dilation, groups)
    return _conv(1, "conv1d", x, w, b, stride, padding, dilation, groups)


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution. x: (N, C, H, W) or (C, H, W); w: (O, C // groups, kH, kW); b: (O,).

    stride, dilation: int or (sH, sW); padding: int, (pH, pW), 'valid' or 'same' (stride 1).
    Returns (N, O, Hout, Wout), Hout = (H + 2 pH - dH (kH - 1) - 1) // sH + 1 (W alike).
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(conv2d, x, w, b, stride, padding, dilation, groups)
    return _conv(2, "conv2d", x, w, b, stride, padding, dilation, groups)


def conv3d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution. x: (N, C, D, H, W) or (C, D, H, W); w: (O, C // groups, kD, kH, kW).

    Returns (N, O, Dout, Hout, Wout), each as in conv2d.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(conv3d, x, w, b, stride, padding, dilation, groups)
    return _conv(3, "conv3d", x, w, b, stride, padding, dilation, groups)


def _conv_transpose(d, op, x, w, b, stride, padding, output_padding, groups, dilation):
    groups = _ntuple(groups, 1, "groups", op)[0]
    if w.ndim != d + 2:
        raise ShapeError(
            f"{op}: expected a {d + 2}-D weight (C_in, C_out/groups, *K), got {_shape(w)}"
        )
    x, unbatched = _batched(op, x, d)
    _check_dtypes(op, x, w, b)
    kernel = _shape(w)[2:]
    stride = _ntuple(stride, d, "stride", op)
    dilation = _ntuple(dilation, d, "dilation", op)
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int or a tuple of ints, got {padding!r}")
    pad = _ntuple(padding, d, "padding", op, minimum=0)
    opad = _ntuple(output_padding, d, "output_padding", op, minimum=0)
    for o, s, dl in zip(opad, stride, dilation):
        if o >= max(s, dl):
            raise ValueError(
                f"{op}: output_padding {opad} must be smaller than stride {stride} or "
                f"dilation {dilation}"
            )
    cin, cog = w.shape[:2]
    if x.shape[1] != cin:
        raise ShapeError(
            f"{op}: weight of shape {_shape(w)} expects input with {cin} channels, got input "
            f"of shape {_shape(x)}"
        )
    if cin % groups:
        raise ValueError(f"{op}: in channels {cin} not divisible by groups={groups}")
    C = cog * groups
    if b is not None and _shape(b) != (C,):
        raise ShapeError(f"{op}: bias must have shape ({C},), got {_shape(b)}")
    out = tuple(
        (n - 1) * s - 2 * p + dl * (k - 1) + o + 1
        for n, k, s, p, dl, o in zip(_shape(x)[2:], kernel, stride, pad, dilation, opad)
    )
    if any(m < 1 for m in out):
        raise ShapeError(f"{op}: output size {out} for input {_shape(x)} is too small")
    pads = tuple((p, p) for p in pad)
    y = ConvGradInput.apply(x, w, (x.shape[0], C) + out, stride, pads, dilation, groups)
    if b is not None:
        y = y + b.reshape((C,) + (1,) * d)
    return y.reshape(_shape(y)[1:]) if unbatched else y


def conv_transpose1d(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution (the gradient of conv1d in its input).

    x: (N, C_in, L); w: (C_in, C_out // groups, K); b: (C_out,) or None. Returns
    (N, C_out, Lout), Lout = (L - 1) stride - 2 padding + dilation (K - 1) + output_padding + 1.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(
            conv_transpose1d, x, w, b, stride, padding, output_padding, groups, dilation
        )
    return _conv_transpose(
        1, "conv_transpose1d", x, w, b, stride, padding, output_padding, groups, dilation
    )


def conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution (the gradient of conv2d in its input).

    x: (N, C_in, H, W); w: (C_in, C_out // groups, kH, kW); b: (C_out,) or None. Returns
    (N, C_out, Hout, Wout), Hout = (H - 1) sH - 2 pH + dH (kH - 1) + output_padding + 1.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(
            conv_transpose2d, x, w, b, stride, padding, output_padding, groups, dilation
        )
    return _conv_transpose(
        2, "conv_transpose2d", x, w, b, stride, padding, output_padding, groups, dilation
    )


def conv_transpose3d(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-D transposed convolution. x: (N, C_in, D, H, W); w: (C_in, C_out // groups, *K).

    Returns (N, C_out, Dout, Hout, Wout), each as in conv_transpose2d.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(
            conv_transpose3d, x, w, b, stride, padding, output_padding, groups, dilation
        )
    return _conv_transpose(
        3, "conv_transpose3d", x, w, b, stride, padding, output_padding, groups, dilation
    )
