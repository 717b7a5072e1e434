"""Pooling: ``max_pool1d/2d/3d``, ``avg_pool1d/2d/3d``, ``adaptive_avg_pool1d/2d/3d``,
``adaptive_max_pool1d/2d/3d``.

Max and average pooling call the backend kernels (``backends.kernels(x).max_pool_*`` /
``avg_pool_*``). Both are linear in what flows backward, so their gradients are ops as well:
max pooling's backward scatters gy to each window's maximum (``MaxPoolGrad``), whose adjoint
gathers at the same positions (``MaxPoolGather``); average pooling's backward (``AvgPoolGrad``)
has average pooling itself as its adjoint. Higher-order gradients therefore work.

Adaptive max pooling gathers every window at once through a table of flat input positions
(``_adaptive_table``) and takes one vectorised max; its backward (``AdaptiveMaxPoolGrad``)
scatter-adds gy to the argmax positions, with ``AdaptiveMaxPoolGather`` as its adjoint, the same
pair as max pooling's. Adaptive average pooling is a separable linear map (a matrix per dim).

Shapes: x (N, C, *S) or unbatched (C, *S); y (N, C, *Y) with, per dim,
``Y = (S + 2 p - dilation (k - 1) - 1) // stride + 1`` (rounded up with ``ceil_mode``, the last
window starting inside the input or its left padding, as in PyTorch).
"""

from __future__ import annotations

import functools
import math
import operator

import numpy as np

from autograd import Function, ShapeError
from autograd import matmul as _matmul
from autograd import tensor as _tensor
from autograd.amp import _active as _amp_on
from autograd.amp import _tls as _amp
from autograd.amp import autocast_call as _autocast
from backends import array_module, kernels
from backends.numpy_kernels import _divisor, _valid_offsets

from .conv import _ntuple

__all__ = [
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
]


class MaxPoolNd(Function):
    """y = max over each window (padding counts as -inf); remembers where each maximum was.

    x: (N, C, *S); kernel, stride, dilation: d ints; padding: d ints; ceil_mode: bool;
    sink: None, or a list that receives the window-offset indices (N, C, *Y). Returns y.
    """

    __slots__ = ("geom", "indices", "x_shape")

    def forward(self, x, kernel, stride, padding, dilation, ceil_mode, sink=None):
        y, idx = kernels(x).max_pool_forward(x, kernel, stride, padding, dilation, ceil_mode)
        self.geom = (kernel, stride, padding, dilation)
        self.indices, self.x_shape = idx, x.shape
        if sink is not None:
            sink.append(idx)
        return y

    def backward(self, gy):
        return MaxPoolGrad.apply(gy, self.indices, self.x_shape, *self.geom)


class MaxPoolGrad(Function):
    """gx = scatter of gy (N, C, *Y) to the maxima ``indices`` picked; returns x_shape."""

    __slots__ = ("geom", "indices")

    def forward(self, gy, indices, x_shape, kernel, stride, padding, dilation):
        self.geom = (kernel, stride, padding, dilation)
        self.indices = indices
        k = kernels(gy)
        return k.max_pool_backward(gy, indices, x_shape, kernel, stride, padding, dilation)

    def backward(self, u):
        return MaxPoolGather.apply(u, self.indices, *self.geom)


class MaxPoolGather(Function):
    """v = u (N, C, *S) read at the maxima ``indices`` (N, C, *Y): MaxPoolGrad's adjoint."""

    __slots__ = ("geom", "indices", "u_shape")

    def forward(self, u, indices, kernel, stride, padding, dilation):
        self.geom = (kernel, stride, padding, dilation)
        self.indices, self.u_shape = indices, u.shape
        xp = array_module(u)
        S, out = u.shape[2:], indices.shape[2:]
        pads = tuple((p, p) for p in padding)
        v = xp.zeros(indices.shape, dtype=u.dtype)
        lead = (slice(None), slice(None))
        zero = u.dtype.type(0)
        for j, o_sl, i_sl in _valid_offsets(S, kernel, stride, pads, dilation, out):
            o = lead + o_sl
            v[o] += xp.where(indices[o] == j, u[lead + i_sl], zero)
        return v

    def backward(self, gv):
        return MaxPoolGrad.apply(gv, self.indices, self.u_shape, *self.geom)


class AvgPoolNd(Function):
    """y = mean over each window (zero padding; divisor as PyTorch's count_include_pad).

    x: (N, C, *S); kernel, stride, padding: d ints. Returns (N, C, *Y).
    """

    __slots__ = ("geom", "x_shape")

    def forward(self, x, kernel, stride, padding, ceil_mode, count_include_pad):
        self.geom = (kernel, stride, padding, ceil_mode, count_include_pad)
        self.x_shape = x.shape
        return kernels(x).avg_pool_forward(x, kernel, stride, padding, ceil_mode, count_include_pad)

    def backward(self, gy):
        return AvgPoolGrad.apply(gy, self.x_shape, *self.geom)


class AvgPoolGrad(Function):
    """gx = the adjoint of average pooling applied to gy (N, C, *Y); returns x_shape."""

    __slots__ = ("geom",)

    def forward(self, gy, x_shape, kernel, stride, padding, ceil_mode, count_include_pad):
        self.geom = (kernel, stride, padding, ceil_mode, count_include_pad)
        k = kernels(gy)
        return k.avg_pool_backward(gy, x_shape, kernel, stride, padding, count_include_pad)

    def backward(self, u):
        return AvgPoolNd.apply(u, *self.geom)


class AdaptiveMaxPoolNd(Function):
    """y = max over each adaptive window; remembers each maximum's flat position per (n, c).

    x: (N, C, *S); out: d ints; sink: None, or a list that receives the int64 flat argmax
    positions in [0, prod(S)), shaped (N, C, *out). Returns y (N, C, *out). The first maximum
    wins; a NaN wins (the last one), as in PyTorch.
    """

    __slots__ = ("indices", "x_shape")

    def forward(self, x, out, sink=None):
        xp = array_module(x)
        N, C, S = x.shape[0], x.shape[1], tuple(x.shape[2:])
        table = xp.asarray(_adaptive_table(S, out))  # (*out, K) flat positions
        K = table.shape[-1]
        w = xp.take(x.reshape(N, C, math.prod(S)), table, axis=2)  # (N, C, *out, K): all windows
        a = w.argmax(axis=-1)  # the first maximum
        if x.dtype.kind == "f" and bool(xp.isnan(x).any()):  # a NaN wins, the last one (PyTorch)
            nan = xp.isnan(w)
            a = xp.where(nan.any(axis=-1), K - 1 - nan[..., ::-1].argmax(axis=-1), a)
        y = xp.take_along_axis(w, a[..., None], axis=-1).reshape(a.shape)
        base = xp.arange(math.prod(out), dtype=xp.int64).reshape(out) * K
        idx = table.reshape(-1)[base + a]  # window offset -> flat input position
        self.indices, self.x_shape = idx, x.shape
        if sink is not None:
            sink.append(idx)
        return y

    def backward(self, gy):
        return AdaptiveMaxPoolGrad.apply(gy, self.indices, self.x_shape)


class AdaptiveMaxPoolGrad(Function):
    """gx (x_shape) = gy (N, C, *out) summed into the flat positions ``indices`` of its plane."""

    __slots__ = ("indices",)

    def forward(self, gy, indices, x_shape):
        self.indices = indices
        xp = array_module(gy)
        N, C = x_shape[:2]
        P = math.prod(x_shape[2:])
        rows = xp.arange(N * C, dtype=xp.int64).reshape((N, C) + (1,) * (indices.ndim - 2))
        # windows may share positions (overlap, or output larger than input): bincount sums them
        gx = xp.bincount((indices + rows * P).ravel(), weights=gy.ravel(), minlength=N * C * P)
        return gx.astype(gy.dtype, copy=False).reshape(x_shape)

    def backward(self, u):
        return AdaptiveMaxPoolGather.apply(u, self.indices)


class AdaptiveMaxPoolGather(Function):
    """v (N, C, *out) = u (N, C, *S) read at the flat positions ``indices``: the Grad's adjoint."""

    __slots__ = ("indices", "u_shape")

    def forward(self, u, indices):
        self.indices, self.u_shape = indices, u.shape
        xp = array_module(u)
        N, C = u.shape[:2]
        flat = u.reshape(N, C, math.prod(u.shape[2:]))
        idx = indices.reshape(N, C, math.prod(indices.shape[2:]))
        v = xp.take_along_axis(flat, idx, axis=2)
        return v.reshape(indices.shape)

    def backward(self, gv):
        return AdaptiveMaxPoolGrad.apply(gv, self.indices, self.u_shape)


# -- argument handling --------------------------------------------------------------------------


def _batched(op, x, d):
    if x.ndim == d + 2:
        return x, False
    if x.ndim == d + 1:
        return x.reshape((1,) + tuple(x.shape)), True
    raise ShapeError(
        f"{op}: expected a {d + 1}-D (unbatched) or {d + 2}-D (batched) input, got shape "
        f"{tuple(x.shape)}"
    )


def _out_size(n, k, s, p, dl, ceil_mode):
    span = n + 2 * p - dl * (k - 1) - 1
    if not ceil_mode:
        return span // s + 1 if span >= 0 else 0
    m = -(-span // s) + 1
    return m - 1 if (m - 1) * s >= n + p else m


def _pool_args(op, d, x, kernel_size, stride, padding, dilation, ceil_mode):
    kernel = _ntuple(kernel_size, d, "kernel_size", op)
    stride = kernel if stride is None or stride == () or stride == [] else stride
    stride = _ntuple(stride, d, "stride", op)
    padding = _ntuple(padding, d, "padding", op, minimum=0)
    dilation = _ntuple(dilation, d, "dilation", op)
    for k, p, dl in zip(kernel, padding, dilation):
        if p > (dl * (k - 1) + 1) // 2:
            raise ValueError(
                f"{op}: padding should be at most half of the effective kernel size, got "
                f"padding={padding}, kernel_size={kernel}, dilation={dilation}"
            )
    out = tuple(
        _out_size(n, k, s, p, dl, ceil_mode)
        for n, k, s, p, dl in zip(tuple(x.shape)[2:], kernel, stride, padding, dilation)
    )
    if any(m < 1 for m in out):
        raise ShapeError(
            f"{op}: input of shape {tuple(x.shape)} is too small for kernel_size={kernel}, "
            f"stride={stride}, padding={padding}, dilation={dilation} (output size {out})"
        )
    return kernel, stride, padding, dilation


def _flat_indices(idx, S, kernel, stride, padding, dilation):
    """PyTorch's max-pool indices: window-offset indices -> flat positions in each (n, c) plane."""
    xp = array_module(idx)
    d = len(S)
    idx = idx.astype(xp.int64)
    rem, flat, scale = idx, 0, 1
    for i in reversed(range(d)):
        k_i = rem % kernel[i]
        rem = rem // kernel[i]
        m = idx.shape[2 + i]
        start = (xp.arange(m, dtype=idx.dtype) * stride[i] - padding[i]).reshape(
            (m,) + (1,) * (d - 1 - i)
        )
        flat = flat + (start + k_i * dilation[i]) * scale
        scale *= S[i]
    return flat


def _max_pool(d, op, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x, unbatched = _batched(op, x, d)
    kernel, stride, padding, dilation = _pool_args(
        op, d, x, kernel_size, stride, padding, dilation, ceil_mode
    )
    sink = [] if return_indices else None
    y = MaxPoolNd.apply(x, kernel, stride, padding, dilation, bool(ceil_mode), sink)
    if unbatched:
        y = y.reshape(tuple(y.shape)[1:])
    if not return_indices:
        return y
    idx = _flat_indices(sink[0], tuple(x.shape)[2:], kernel, stride, padding, dilation)
    if unbatched:
        idx = idx.reshape(idx.shape[1:])
    return y, _tensor(idx)


def max_pool1d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):  # fmt: skip
    """1-D max pooling. x: (N, C, L) or (C, L); stride defaults to kernel_size.

    Returns y (N, C, Lout), and with return_indices the int64 argmax positions in [0, L).
    """
    return _max_pool(
        1, "max_pool1d", x, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):  # fmt: skip
    """2-D max pooling. x: (N, C, H, W) or (C, H, W); padding is -inf, at most half the kernel.

    Returns y (N, C, Hout, Wout), Hout = (H + 2 p - d (k - 1) - 1) // s + 1 (ceil with
    ceil_mode), and with return_indices the int64 argmax positions in [0, H W) per plane.
    """
    return _max_pool(
        2, "max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def max_pool3d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):  # fmt: skip
    """3-D max pooling. x: (N, C, D, H, W) or (C, D, H, W). Returns (N, C, Dout, Hout, Wout)."""
    if _amp_on[0] and _amp.ready:  # torch's CPU autocast: float32
        args = (x, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
        return _autocast(max_pool3d, *args)
    return _max_pool(
        3, "max_pool3d", x, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def _check_divisor(op, divisor_override):
    """divisor_override as an int (None stays None); a nonzero int, as PyTorch requires."""
    if divisor_override is None:
        return None
    if isinstance(divisor_override, bool):
        value = None
    else:
        try:
            value = operator.index(divisor_override)
        except TypeError:
            value = None
    if value is None:
        raise TypeError(f"{op}: divisor_override must be a nonzero int, got {divisor_override!r}")
    if value == 0:
        raise ValueError(f"{op}: divisor_override must be a nonzero int, got 0")
    return value


def _avg_pool(d, op, x, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override=None):  # fmt: skip
    x, unbatched = _batched(op, x, d)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {x.dtype}")
    override = _check_divisor(op, divisor_override)
    kernel, stride, padding, _ = _pool_args(op, d, x, kernel_size, stride, padding, 1, ceil_mode)
    if override is None:
        y = AvgPoolNd.apply(x, kernel, stride, padding, bool(ceil_mode), bool(count_include_pad))
    else:  # sum / override = mean over the (padded, clipped) window * its count / override
        y = AvgPoolNd.apply(x, kernel, stride, padding, bool(ceil_mode), True)
        S, out = tuple(x.shape)[2:], tuple(y.shape)[2:]
        count = _divisor(array_module(_raw(x)), S, kernel, stride, padding, out, True, x.dtype)
        if not (isinstance(count, int) and count == override):
            y = y * (count / override)
    return y.reshape(tuple(y.shape)[1:]) if unbatched else y


def avg_pool1d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling. x: (N, C, L) or (C, L). Returns (N, C, Lout).

    count_include_pad: padded zeros count in the divisor (PyTorch's default).
    """
    return _avg_pool(1, "avg_pool1d", x, kernel_size, stride, padding, ceil_mode, count_include_pad)


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):  # fmt: skip
    """2-D average pooling. x: (N, C, H, W) or (C, H, W). Returns (N, C, Hout, Wout).

    divisor_override: a nonzero int; when given, every window sum is divided by it instead of
    the window's count (count_include_pad is then moot).
    """
    return _avg_pool(2, "avg_pool2d", x, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)  # fmt: skip


def avg_pool3d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):  # fmt: skip
    """3-D average pooling. x: (N, C, D, H, W) or (C, D, H, W). Returns (N, C, Dout, Hout, Wout).

    divisor_override: a nonzero int dividing every window sum instead of the window's count.
    """
    if _amp_on[0] and _amp.ready:  # torch's CPU autocast: float32
        args = (x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
        return _autocast(avg_pool3d, *args)
    return _avg_pool(3, "avg_pool3d", x, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)  # fmt: skip


def _adaptive_matrix(n, m, dtype):
    """P (m, n): row i averages input positions [floor(i n / m), ceil((i + 1) n / m))."""
    P = np.zeros((m, n), dtype=np.float64)
    for i in range(m):
        a, b = (i * n) // m, -(-((i + 1) * n) // m)
        P[i, a:b] = 1.0 / (b - a)
    return P.astype(dtype)


def _adaptive_sizes(op, d, output_size, shape=None, minimum=1):
    """output_size (an int, or d entries each an int or None) as d ints; None keeps the size of
    that dim of ``shape`` (the input's shape, (N, C, *S) or (C, *S); None before one is known).

    Raises TypeError / ValueError naming ``op``, the output_size and the input shape.
    """
    seq = isinstance(output_size, (list, tuple))
    items = tuple(output_size) if seq else (output_size,) * d
    at = "" if shape is None else f" for input of shape {tuple(shape)}"
    want = f"an int or a tuple of {d} ints (None keeps that input size)"
    if len(items) != d:
        raise ValueError(f"{op}: output_size must be {want}, got {output_size!r}{at}")
    S = (None,) * d if shape is None else tuple(shape)[len(shape) - d :]
    sizes = []
    for m, n in zip(items, S):
        if m is None and seq:
            sizes.append(n if n is not None else minimum)
            continue
        try:
            sizes.append(operator.index(m))
        except TypeError:
            raise TypeError(f"{op}: output_size must be {want}, got {output_size!r}{at}") from None
    if any(m < minimum for m in sizes):
        raise ValueError(
            f"{op}: output_size must be >= {minimum} in every dim, got {output_size!r}{at}"
        )
    return tuple(sizes)


def _adaptive_avg(d, op, x, output_size):
    shape = tuple(x.shape)
    x, unbatched = _batched(op, x, d)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {x.dtype}")
    S = tuple(x.shape)[2:]
    out = _adaptive_sizes(op, d, output_size, shape)
    if all(m == 1 for m in out):  # global average pooling
        y = x.mean(axis=tuple(range(2, 2 + d)), keepdims=True)
    elif all(n % m == 0 for n, m in zip(S, out)):  # equal windows: plain average pooling
        k = tuple(n // m for n, m in zip(S, out))
        y = AvgPoolNd.apply(x, k, k, (0,) * d, False, True)
    else:  # overlapping windows of unequal sizes: y = P_h @ x @ P_w^T, separably
        xp = array_module(_raw(x))
        y = x
        for i in reversed(range(d)):
            P = xp.asarray(_adaptive_matrix(S[i], out[i], x.dtype))
            if i == d - 1:
                y = _matmul(y, P.T)
            else:  # contract dim 2 + i: move it last, multiply, move it back
                y = _matmul(y.swapaxes(2 + i, -1), P.T).swapaxes(2 + i, -1)
    return y.reshape(tuple(y.shape)[1:]) if unbatched else y


def _raw(t):
    """The array behind a Tensor (or the array itself): only to pick the array module."""
    return getattr(t, "_data", t)


def adaptive_avg_pool1d(x, output_size):
    """Adaptive 1-D average pooling. x: (N, C, L) or (C, L); output_size: int.

    Window i covers [floor(i L / m), ceil((i + 1) L / m)). Returns (N, C, m).
    """
    return _adaptive_avg(1, "adaptive_avg_pool1d", x, output_size)


def adaptive_avg_pool2d(x, output_size):
    """Adaptive 2-D average pooling. x: (N, C, H, W) or (C, H, W); output_size: int or (h, w),
    None keeping that input size. Returns (N, C, h, w), windows as in adaptive_avg_pool1d."""
    return _adaptive_avg(2, "adaptive_avg_pool2d", x, output_size)


def adaptive_avg_pool3d(x, output_size):
    """Adaptive 3-D average pooling. x: (N, C, D, H, W) or (C, D, H, W); output_size: int or
    (d, h, w), None keeping that input size. Returns (N, C, d, h, w), windows per dim as in
    adaptive_avg_pool1d."""
    if _amp_on[0] and _amp.ready:  # torch's CPU autocast: float32
        return _autocast(adaptive_avg_pool3d, x, output_size)
    return _adaptive_avg(3, "adaptive_avg_pool3d", x, output_size)


@functools.lru_cache(maxsize=8)
def _adaptive_table(S, out):
    """Flat input positions of every adaptive window, (*out, K) int64 (a NumPy array, shared).

    Per dim, window o of m covers [floor(o n / m), ceil((o + 1) n / m)), at most k_max long;
    the d dims' windows combine row-major into K = prod(k_max) positions. A shorter window
    repeats its last position: each repeat comes after the original in row-major order, so the
    first maximum and the last NaN of the window are unchanged.
    """
    d = len(S)
    table, K = np.zeros((1,) * (2 * d), dtype=np.int64), 1
    for i, (n, m) in enumerate(zip(S, out)):
        o = np.arange(m, dtype=np.int64)
        lo, hi = (o * n) // m, -(-((o + 1) * n) // m)
        k = int((hi - lo).max()) if m else 1
        pos = np.minimum(lo[:, None] + np.arange(k), hi[:, None] - 1)  # (m, k)
        shape = [1] * (2 * d)
        shape[i], shape[d + i] = m, k
        table = table * n + pos.reshape(shape)  # row-major flat index, built dim by dim
        K *= k
    table = table.reshape(tuple(out) + (K,))
    table.flags.writeable = False
    return table


def _adaptive_max(d, op, x, output_size, return_indices):
    shape = tuple(x.shape)
    x, unbatched = _batched(op, x, d)
    if any(n == 0 for n in tuple(x.shape)[2:]):
        raise ShapeError(f"{op}: expected an input with non-zero spatial sizes, got shape {shape}")
    out = _adaptive_sizes(op, d, output_size, shape, minimum=0)
    sink = [] if return_indices else None
    y = AdaptiveMaxPoolNd.apply(x, out, sink)
    if unbatched:
        y = y.reshape(tuple(y.shape)[1:])
    if not return_indices:
        return y
    idx = sink[0]
    return y, _tensor(idx.reshape(idx.shape[1:]) if unbatched else idx)


def adaptive_max_pool1d(x, output_size, return_indices=False):
    """Adaptive 1-D max pooling. x: (N, C, L) or (C, L); output_size: int m.

    Window i covers [floor(i L / m), ceil((i + 1) L / m)) (m > L repeats positions). Returns y
    (N, C, m), and with return_indices also the int64 argmax positions in [0, L). The gradient
    goes to the argmax (the first maximum on ties); NaN propagates.
    """
    return _adaptive_max(1, "adaptive_max_pool1d", x, output_size, return_indices)


def adaptive_max_pool2d(x, output_size, return_indices=False):
    """Adaptive 2-D max pooling. x: (N, C, H, W) or (C, H, W); output_size: int or (h, w),
    None keeping that input size.

    Returns y (N, C, h, w), windows per dim as in adaptive_max_pool1d, and with return_indices
    also the int64 argmax positions in [0, H W) of each (n, c) plane (row-major).
    """
    return _adaptive_max(2, "adaptive_max_pool2d", x, output_size, return_indices)


def adaptive_max_pool3d(x, output_size, return_indices=False):
    """Adaptive 3-D max pooling. x: (N, C, D, H, W) or (C, D, H, W); output_size: int or
    (d, h, w), None keeping that input size.

    Returns y (N, C, d, h, w), and with return_indices also the int64 argmax positions in
    [0, D H W) of each (n, c) volume (row-major).
    """
    if _amp_on[0] and _amp.ready:  # torch's CPU autocast: float32
        return _autocast(adaptive_max_pool3d, x, output_size, return_indices)
    return _adaptive_max(3, "adaptive_max_pool3d", x, output_size, return_indices)
