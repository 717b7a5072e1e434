"""Spatial transformers: ``affine_grid`` and ``grid_sample``, as in ``torch.nn.functional``.

A grid holds normalised sampling positions in [-1, 1] (x first: the last spatial dim, then y,
then z). Along a dim of size n a component u becomes the pixel coordinate

    align_corners=True:  (u + 1) (n - 1) / 2     (-1, 1: the centres of the corner pixels)
    align_corners=False: (u + 1) n / 2 - 1/2     (-1, 1: the outer edges of the corner pixels)

then the padding mode: 'border' clips it to [0, n - 1]; 'reflection' reflects it about the
edges (about 0 and n - 1, or about -1/2 and n - 1/2) and clips. The formulas, and their slopes
(border: 0 at and past the edges, as PyTorch counts the edges out of bounds; reflection: +-1),
are those of PyTorch's CPU kernel, computed on the grid's values in its dtype.

Sampling is one op (``_GridSample``): the input, laid out channels last (N prod(S) + 1, C)
with a zero row that out-of-bounds taps read, is gathered at every tap (K taps per output: 2^d
for bilinear, 1 for nearest, 16 for bicubic; ``_plan`` finds their rows once, from the grid's
values) and the taps are summed with weights made from the coordinates' fractional parts, block
by block so that the scratch stays in cache. Backward adds gy times each tap's weight into the
pixels it read (one np.bincount per channel; cupyx.scatter_add on cuda) and gives the grid the
weights' derivatives against the taps' values, times the coordinates' slopes. The padding maps
are piecewise linear, so under create_graph the same formulas, recorded with a coordinate op
(``_Coord``) whose value and slope come from the grid's values, are exact to every order.
Nearest sampling's gradient with respect to the grid is zero, as PyTorch's.
"""

from __future__ import annotations

import math
import operator
import warnings

import numpy as np

import autograd as ag
from autograd import Function, ShapeError
from autograd.amp import _active as _amp_on
from autograd.amp import _tls as _amp
from autograd.amp import autocast_call as _autocast
from autograd.tensor import Tensor
from backends import array_module, device_of

__all__ = ["affine_grid", "grid_sample"]

_MODES = ("bilinear", "nearest", "bicubic")
_PADDINGS = ("zeros", "border", "reflection")
_A = -0.75  # PyTorch's bicubic convolution constant
_ALIGN_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since "
    "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
    "documentation of grid_sample for details."
)


def _raw(v):
    return v._data if isinstance(v, Tensor) else v


def _array_of(op, name, v):
    a = _raw(v)
    if not hasattr(a, "dtype") or not hasattr(a, "shape"):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(v).__name__}")
    return a


# -- coordinates (raw arrays) --------------------------------------------------------------------


def _unnormalize(u, n, align):
    """``(coordinate, slope)`` of grid component u along a dim of size n."""
    scale = (n - 1) / 2 if align else n / 2
    if align:
        return (u + 1) * scale, scale
    return (u + 1) * scale - 0.5, scale


def _clip(xp, v, n):
    """``(clipped, slope)``: v clipped to [0, n - 1] (NaN to 0); slope 1 strictly inside."""
    lo = xp.where(v > 0, v, 0)
    inside = (lo > 0) & (lo < n - 1)
    return xp.where(lo < n - 1, lo, n - 1).astype(v.dtype, copy=False), inside


def _reflect(xp, v, n, align):
    """``(reflected, slope)``: v reflected about 0 and n - 1 (align) or -1/2 and n - 1/2 into
    that range; slope +1 or -1."""
    span2 = 2 * (n - 1) if align else 2 * n
    if span2 <= 0:
        return xp.zeros_like(v), xp.zeros(v.shape, dtype=v.dtype)
    low = 0.0 if align else -0.5
    a = v - low if low else v
    neg = a < 0
    mag = xp.abs(a)
    extra = mag - xp.trunc(mag / span2) * span2
    back = span2 - extra
    more = extra > back
    out = xp.where(more, back, extra)
    if low:
        out = out + low
    return out.astype(v.dtype, copy=False), xp.where(more ^ neg, -1, 1).astype(v.dtype)


def _source(xp, u, n, align, padding):
    """``(coordinate, slope)`` of grid component u (raw) along a dim of size n, padded; the
    slope is a float for 'zeros' (the scale), else an array."""
    v, scale = _unnormalize(u, n, align)
    if padding == "border":
        v, inside = _clip(xp, v, n)
        return v, inside.astype(u.dtype) * scale
    if padding == "reflection":
        v, sign = _reflect(xp, v, n, align)
        v, inside = _clip(xp, v, n)
        return v, inside.astype(u.dtype) * (sign * scale)
    return v, scale


def _tap_rows(xp, pos, n, stride, outside):
    """Row offsets ``i * stride`` of integral tap positions pos (float, any shape) along a dim
    of size n; ``outside`` where i is outside [0, n) (NaN and infinities included)."""
    table = xp.empty(n + 2, dtype=np.int64)
    table[1:-1] = xp.arange(n, dtype=np.int64) * stride
    table[0] = table[-1] = outside
    i = pos + 1  # fmax / fmin send NaN to 0 (outside) and clip to the table
    xp.fmax(i, 0, out=i)
    xp.fmin(i, n + 1, out=i)
    return xp.take(table, i.astype(np.int64))


class _Coord(Function):
    """A sampling coordinate as a function of one grid component u: ``value`` and ``slope``
    (d value / du), both computed from u's values. The maps are piecewise linear, so backward
    is gy * slope with slope a constant: every higher derivative is 0. u, value, slope: (P,)."""

    __slots__ = ("slope",)

    def forward(self, u, value, slope):
        self.slope = slope
        return value

    def backward(self, gy):
        return gy * self.slope, None, None


# -- the tap weights (work on Tensors and arrays alike) -----------------------------------------


def _cubic1(x):  # |x| <= 1
    return ((_A + 2) * x - (_A + 3)) * x * x + 1


def _cubic2(x):  # 1 < |x| < 2
    return ((_A * x - 5 * _A) * x + 8 * _A) * x - 4 * _A


def _dcubic1(x):  # d/dx _cubic1
    return (3 * (_A + 2) * x - 2 * (_A + 3)) * x


def _dcubic2(x):  # d/dx _cubic2
    return (3 * _A * x - 10 * _A) * x + 8 * _A


def _taps_1d(mode, t):
    """Weights of one dim's taps at fractional position t past the lower tap: bilinear's 2
    (floor, floor + 1), bicubic's 4 (floor - 1 .. floor + 2; PyTorch's coefficients)."""
    if mode == "bilinear":
        return [1 - t, t]
    s = 1 - t
    return [_cubic2(t + 1), _cubic1(t), _cubic1(s), _cubic2(s + 1)]


def _slopes_1d(mode, t):
    """d/dt of ``_taps_1d``."""
    if mode == "bilinear":
        return [-1.0, 1.0]
    s = 1 - t
    return [_dcubic2(t + 1), _dcubic1(t), -_dcubic1(s), -_dcubic2(s + 1)]


def _products(factors):
    """f_0[j_0] * f_1[j_1] * ... for every (j_0, j_1, ...) in row-major order (K of them)."""
    out = factors[0]
    for f in factors[1:]:
        out = [a * b for a in out for b in f]
    return out


def _weights(mode, ts, k=None):
    """The K tap weights, each (P,), in the order of ``_plan``'s rows; with k, their
    derivatives d/dt_k. ts: per spatial dim, the fractional positions (P,)."""
    return _products([(_slopes_1d if m == k else _taps_1d)(mode, t) for m, t in enumerate(ts)])


def _contract(s, factors):
    """sum_j s[j] * factors[0][j_0] * factors[1][j_1] * ... over the taps j (row-major, as
    ``_products``) of s (K, P); factors: per dim, its taps' (P,) arrays or floats."""
    p = s.shape[-1]
    for f in reversed(factors):
        s = s.reshape(math.prod(s.shape[:-1]) // len(f), len(f), p)
        acc = s[:, 0] * f[0]
        for t in range(1, len(f)):
            acc += s[:, t] * f[t]
        s = acc
    return s.reshape(p)


# -- grid_sample --------------------------------------------------------------------------------


_OFFSETS = {"nearest": (0,), "bilinear": (0, 1), "bicubic": (-1, 0, 1, 2)}


def _plan(xp, g, size, mode, padding, align):
    """Where each output point reads, from the grid's values g (N, *S_out, d) (raw).

    Returns ``(rows, ts, slopes)``. rows (K, P) int64: each tap's row in the channels-last
    input (N prod(size) + 1, C) (``_channels_last``), whose last row, zeros, is read by taps
    outside; K is 1 (nearest), 2^d (bilinear) or 16 (bicubic), taps in row-major order over
    the dims (D/H/W). Per spatial dim k (D/H/W order; its grid component is column d - 1 - k):
    ts[k] (P,), the position past the lower tap, and slopes[k], d position / d component (an
    array (P,) or a float); both empty for nearest.
    """
    d = len(size)
    n = g.shape[0]
    po = math.prod(g.shape[1:-1])
    p = n * po
    hw = math.prod(size)
    graw = g.reshape(p, d)
    stride = 1
    lin = None
    ts, slopes = [], []
    for k in reversed(range(d)):  # W first: its stride is 1
        u, m = graw[:, d - 1 - k], size[k]
        if mode == "bicubic":  # the taps are padded, the coordinate is not
            v, slope = _unnormalize(u, m, align)
        else:
            v, slope = _source(xp, u, m, align, padding)
        f = xp.rint(v) if mode == "nearest" else xp.floor(v)
        if mode != "nearest":
            ts.insert(0, v - f)
            slopes.insert(0, slope)
        pos = xp.stack([f + o if o else f for o in _OFFSETS[mode]])  # (T, P)
        if mode == "bicubic" and padding == "border":
            pos = _clip(xp, pos, m)[0]
        elif mode == "bicubic" and padding == "reflection":
            pos = _clip(xp, _reflect(xp, pos, m, align)[0], m)[0]
        off = _tap_rows(xp, pos, m, stride, n * hw)
        if lin is None:  # add each batch element's first row
            lin = off
            lin.reshape(len(off), n, po)[...] += (xp.arange(n, dtype=np.int64) * hw)[:, None]
        else:
            lin = off.reshape(off.shape[:1] + (1,) * (d - 1 - k) + (p,)) + lin
        stride *= m
    # a tap outside in any dim adds n hw or more: the zero row
    rows = xp.minimum(lin, n * hw, out=lin)
    return rows.reshape(math.prod(rows.shape[:-1]), p), ts, slopes


def _channels_last(xp, x):
    """x (N, C, *S) as rows (N prod(S) + 1, C), pixel-major, the last row zeros."""
    n, c = x.shape[:2]
    m = n * math.prod(x.shape[2:])
    flat = xp.empty((m + 1, c), dtype=x.dtype)
    flat[:m].reshape((n,) + tuple(x.shape[2:]) + (c,))[...] = xp.moveaxis(x, 1, -1)
    flat[m] = 0
    return flat


def _chunk(xp, k, c):
    """Output points per block of K taps and C channels: about 2^18 values on the CPU (the
    block's scratch stays in cache), everything at once on cuda."""
    return max(16, (1 << 18) // max(k * c, 1)) if xp is np else 1 << 62


def _blocks(chunk, n, po):
    """``(p0, p1, b0, b1, s, e)``: the output points p0:p1 (of N po, batch-major) in blocks of
    at most ``chunk``, each batch elements b0:b1 at positions s:e (whole batch elements or a
    part of one)."""
    if po >= chunk:
        for b in range(n):
            for s in range(0, po, chunk):
                e = min(s + chunk, po)
                yield b * po + s, b * po + e, b, b + 1, s, e
    elif po:
        g = chunk // po
        for b0 in range(0, n, g):
            b1 = min(b0 + g, n)
            yield b0 * po, b1 * po, b0, b1, 0, po


def _gather_taps(xp, flat, rows, buf):
    """The taps' values (K, m, C): flat[rows] for rows (K, m), into the scratch ``buf``."""
    k, m = rows.shape
    out = buf[: k * m * flat.shape[1]].reshape(k, m, flat.shape[1])
    if xp is np:  # mode 'clip' writes straight into out ('raise' buffers); rows are in range
        return np.take(flat, rows, axis=0, out=out, mode="clip")
    return xp.take(flat, rows, axis=0, out=out)


def _splat(xp, gy, rows, w, shape):
    """gx (``shape``, (N, C, *S)): gy (N, C, *S_out) times each tap's weight, summed into the
    pixels the taps read. rows (K, P) as ``_plan``'s; w (K, P) or None (nearest: 1)."""
    n, c = shape[:2]
    hw = math.prod(shape[2:])
    r = n * hw + 1  # the zero row's share is dropped
    k, p = rows.shape
    po = p // n if n else 0
    g = gy.reshape(n, c, po)
    if xp is np:  # one bincount per channel, summed in float64
        gx = np.empty((n, c, hw), dtype=gy.dtype)
        flat_rows = rows.reshape(-1)
        w3 = None if w is None else w.reshape(k, n, po)
        buf = None if w is None else np.empty(w3.shape)  # float64: bincount's own type
        for ci in range(c):
            share = g[:, ci] if w is None else np.multiply(w3, g[:, ci], out=buf)
            gx[:, ci] = np.bincount(flat_rows, share.reshape(-1), minlength=r)[:-1].reshape(n, hw)
        return gx.reshape(shape)
    import cupyx  # cuda: one scatter-add of every tap's share into the channels-last gradient

    gyc = xp.moveaxis(g, 1, -1).reshape(p, c)
    share = gyc if w is None else (w[:, :, None] * gyc).reshape(k * p, c)
    out = xp.zeros((r, c), dtype=gy.dtype)
    cupyx.scatter_add(out, rows.reshape(-1), share)
    out = out[:-1].reshape((n,) + tuple(shape[2:]) + (c,))
    return xp.ascontiguousarray(xp.moveaxis(out, -1, 1))


def _grid_grad(xp, x, gy, rows, w1, ts, slopes, mode):
    """ggrid (P, d) of bilinear or bicubic sampling: along dim k (column d - 1 - k), sum over the
    taps j of <gy, tap j's value> * d w_j / dt_k, times the coordinate's slope. x (N, C, *S),
    gy (N, C, *S_out); rows as ``_plan``'s; w1: per dim, its taps' weights (``_taps_1d``)."""
    k, p = rows.shape
    n, c = x.shape[:2]
    d = x.ndim - 2
    po = p // n if n else 0
    flat = _channels_last(xp, x)
    g3 = gy.reshape(n, c, po)
    ones = xp.ones(c, dtype=gy.dtype)
    chunk = _chunk(xp, k, c)
    mb = min(p, chunk)
    buf, gyc = xp.empty(k * mb * c, dtype=gy.dtype), xp.empty((mb, c), dtype=gy.dtype)
    s = xp.empty((k, p), dtype=gy.dtype)  # <gy, tap j's value> per point
    for p0, p1, b0, b1, s0, e in _blocks(chunk, n, po):
        gc = gyc[: p1 - p0]
        gc.reshape(b1 - b0, e - s0, c)[...] = g3[b0:b1, :, s0:e].transpose(0, 2, 1)
        v = _gather_taps(xp, flat, rows[:, p0:p1], buf)
        v *= gc
        s[:, p0:p1] = xp.matmul(v, ones)
    gg = xp.empty((p, d), dtype=gy.dtype)
    for m in range(d):  # w_j is a product over the dims: differentiate dim m's factor
        gg[:, d - 1 - m] = (
            _contract(s, w1[:m] + [_slopes_1d(mode, ts[m])] + w1[m + 1 :]) * slopes[m]
        )
    return gg


class _GridSample(Function):
    """y = grid_sample(x, grid): each output point the weighted sum of its K taps, rows of the
    channels-last input gathered once per tap (``_plan`` says which; weights ``_weights``).

    Backward on arrays: gx adds gy times each tap's weight into the pixels it read (``_splat``);
    ggrid's component along a dim is sum_taps <gy, tap's value> * d weight / dt times the
    coordinate's slope (nearest: zeros, as PyTorch's). The taps, and the padding maps' slopes,
    are piecewise constant in the grid: under create_graph the same formulas are recorded
    (``_graph_backward``), so every order differentiates. Saved: x, grid and the plan.
    """

    __slots__ = ("mode", "padding", "align")
    save_inputs = (0, 1)
    save_private = True

    def forward(self, x, grid, mode, padding, align):
        self.mode, self.padding, self.align = mode, padding, align
        xp = array_module(x)
        n, c = x.shape[:2]
        out_size = tuple(grid.shape[1:-1])
        po = math.prod(out_size)
        out = xp.empty((n, c, po), dtype=x.dtype)
        with np.errstate(invalid="ignore", over="ignore"):
            rows, ts, slopes = _plan(xp, grid, tuple(x.shape[2:]), mode, padding, align)
            self._private = (rows, *ts, *slopes)
            w = None if mode == "nearest" else xp.stack(_weights(mode, ts))[:, :, None]
            flat = _channels_last(xp, x)
            k = rows.shape[0]
            chunk = _chunk(xp, k, c)
            m = min(n * po, chunk)
            buf, acc = xp.empty(k * m * c, dtype=x.dtype), xp.empty((m, c), dtype=x.dtype)
            for p0, p1, b0, b1, s, e in _blocks(chunk, n, po):
                v = _gather_taps(xp, flat, rows[:, p0:p1], buf)
                if w is None:
                    a = v[0]
                else:
                    v *= w[:, p0:p1]
                    a = v.sum(0, out=acc[: p1 - p0])
                out[b0:b1, :, s:e] = a.reshape(b1 - b0, e - s, c).transpose(0, 2, 1)
        return out.reshape((n, c) + out_size)

    def _unpack_plan(self):
        """``(rows, ts, slopes)`` saved by forward (``_plan``'s)."""
        rows, *rest = self.saved[2:]
        return rows, rest[: len(rest) // 2], rest[len(rest) // 2 :]

    def backward(self, gy):
        x, grid = self.saved[:2]
        if isinstance(gy, Tensor):
            return self._graph_backward(gy, x, grid)
        xp = array_module(gy)
        mode = self.mode
        rows, ts, slopes = self._unpack_plan()
        gx = gg = None
        with np.errstate(invalid="ignore", over="ignore"):
            w1 = [_taps_1d(mode, t) for t in ts] if mode != "nearest" else None
            if self.needs_grad(0):
                gx = _splat(xp, gy, rows, None if w1 is None else xp.stack(_products(w1)), x.shape)
            if self.needs_grad(1) and mode == "nearest":
                gg = xp.zeros(grid.shape, dtype=grid.dtype)
            elif self.needs_grad(1):
                gg = _grid_grad(xp, x, gy, rows, w1, ts, slopes, mode).reshape(grid.shape)
        return gx, gg, None, None, None

    def _graph_backward(self, gy, x, grid):
        """``backward``'s gradients as recorded ops on gy, x and grid (create_graph)."""
        mode = self.mode
        xr, graw = _raw(x), _raw(grid)
        xp = array_module(xr)
        n, c = xr.shape[:2]
        size = tuple(xr.shape[2:])
        d = len(size)
        rows, ts, slopes = self._unpack_plan()
        k, p = rows.shape
        cl = (0,) + tuple(range(2, d + 2)) + (1,)  # channels last
        gyc = ag.reshape(ag.permute(gy, cl), (1, p, c))
        if isinstance(grid, Tensor) and mode != "nearest":  # t as a function of the grid
            u = ag.reshape(grid, (p, d))
            ts = [_Coord.apply(u[:, d - 1 - m], t, s) for m, (t, s) in enumerate(zip(ts, slopes))]
        gx = gg = None
        if self.needs_grad(0):
            share = gyc
            if mode != "nearest":
                share = ag.reshape(ag.stack(_weights(mode, ts)), (k, p, 1)) * gyc
            r = n * math.prod(size)
            out = ag.index_add(xp.zeros((r + 1, c), dtype=xr.dtype), 0, rows.reshape(-1),
                               ag.reshape(share, (k * p, c)))  # fmt: skip
            out = ag.reshape(out[:r], (n,) + size + (c,))
            gx = ag.permute(out, (0, d + 1) + tuple(range(1, d + 1)))
        if self.needs_grad(1) and mode == "nearest":
            gg = xp.zeros(graw.shape, dtype=graw.dtype)
        elif self.needs_grad(1):
            flat = ag.reshape(ag.permute(x, cl), (n * math.prod(size), c))
            flat = ag.pad(flat, (0, 0, 0, 1))
            s = (ag.reshape(flat[rows.reshape(-1)], (k, p, c)) * gyc).sum(2)  # (K, P)
            cols = [None] * d
            for m in range(d):
                cols[d - 1 - m] = (s * ag.stack(_weights(mode, ts, m))).sum(0) * slopes[m]
            gg = ag.reshape(ag.stack(cols, 1), graw.shape)
        return gx, gg, None, None, None


def _check_sample(op, input, grid, mode, padding_mode):
    if not isinstance(mode, str) or mode not in _MODES:
        raise ValueError(
            f"{op}: expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: {mode!r}"
        )
    if not isinstance(padding_mode, str) or padding_mode not in _PADDINGS:
        raise ValueError(
            f"{op}: expected padding_mode to be 'zeros', 'border', or 'reflection', but got: "
            f"{padding_mode!r}"
        )
    x = _array_of(op, "input", input)
    g = _array_of(op, "grid", grid)
    for name, a in (("input", x), ("grid", g)):
        if a.dtype.kind != "f":
            raise TypeError(f"{op}: {name} must be a floating point tensor, got dtype {a.dtype}")
    if x.dtype != g.dtype:
        raise TypeError(
            f"{op}: expected input and grid to have the same dtype, got input {x.dtype} and "
            f"grid {g.dtype}"
        )
    if device_of(x) != device_of(g):
        raise RuntimeError(
            f"Expected all tensors to be on the same device, but got {device_of(x)} and "
            f"{device_of(g)} (in {op})"
        )
    xs, gs = tuple(x.shape), tuple(g.shape)
    if len(xs) not in (4, 5):
        raise ShapeError(
            f"{op}: expected a 4-D (N, C, H, W) or 5-D (N, C, D, H, W) input, got shape {xs}"
        )
    d = len(xs) - 2
    if mode == "bicubic" and d != 2:
        raise ShapeError(f"{op}: bicubic interpolation only supports 4-D input, got shape {xs}")
    if len(gs) != len(xs) or gs[0] != xs[0] or gs[-1] != d:
        want = "(N, H_out, W_out, 2)" if d == 2 else "(N, D_out, H_out, W_out, 3)"
        raise ShapeError(
            f"{op}: input of shape {xs} needs a grid {want} with N={xs[0]}, got grid shape {gs}"
        )
    if 0 in xs[2:]:
        raise ShapeError(f"{op}: expected input to have non-empty spatial dims, got shape {xs}")
    return x, g, d


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample input at the grid's positions, as ``torch.nn.functional.grid_sample``.

    input: (N, C, H, W) or (N, C, D, H, W); grid: (N, H_out, W_out, 2) or
    (N, D_out, H_out, W_out, 3) of normalised positions, x (width) first, -1 and 1 the edges
    (see the module docstring); the same float dtype as input. Returns (N, C, H_out, W_out) or
    (N, C, D_out, H_out, W_out). mode: 'bilinear' (trilinear for 5-D), 'nearest' (ties round
    to even) or 'bicubic' (4-D only, a = -0.75). padding_mode for positions outside: 'zeros',
    'border' (the edge value) or 'reflection'. align_corners: None (warns, as PyTorch) is False.
    Differentiable with respect to input and grid, to any order; nearest gives the grid a zero
    gradient.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(grid_sample, input, grid, mode, padding_mode, align_corners)
    _check_sample("grid_sample", input, grid, mode, padding_mode)
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
    return _GridSample.apply(input, grid, mode, padding_mode, bool(align_corners))


# -- affine_grid --------------------------------------------------------------------------------


def _base(n, align, dtype):
    """PyTorch's linspace_from_neg_one: n points from -1 to 1 (scaled by (n - 1) / n without
    align_corners); [0] when n is 1."""
    if n <= 1:
        return np.zeros(1, dtype=dtype)
    i = np.arange(n)
    step = 2.0 / (n - 1)
    r = np.where(i < n // 2, -1.0 + step * i, 1.0 - step * (n - 1 - i)).astype(dtype)
    if not align:
        r = (r * dtype(n - 1) / dtype(n)).astype(dtype)
    return r


def affine_grid(theta, size, align_corners=None):
    """The sampling grid of a batch of affine maps, as ``torch.nn.functional.affine_grid``.

    theta: (N, 2, 3) for a 2-D size (N, C, H, W), or (N, 3, 4) for a 3-D size (N, C, D, H,
    W); float. Returns (N, H, W, 2) (or (N, D, H, W, 3)): theta applied to each output pixel's
    normalised position (x, y[, z], 1), x along W, the corner pixels' centres at -1 and 1
    (align_corners=True) or their outer edges (False; None warns, as PyTorch, and is False).
    Feed it to ``grid_sample``. Linear in theta, so differentiable to any order.
    """
    op = "affine_grid"
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
    align = bool(align_corners)
    th = _array_of(op, "theta", theta)
    if th.dtype.kind != "f":
        raise TypeError(f"{op}: expected theta to have a floating point dtype, got {th.dtype}")
    try:
        size = tuple(operator.index(s) for s in size)
    except TypeError:
        raise TypeError(f"{op}: size must be a sequence of ints, got {size!r}") from None
    if len(size) not in (4, 5):
        raise ShapeError(
            f"{op}: only 4-D (N, C, H, W) and 5-D (N, C, D, H, W) sizes are supported, for 2-D "
            f"and 3-D affine maps; got size {size}"
        )
    d = len(size) - 2
    want = (size[0], d, d + 1)
    if tuple(th.shape) != want:
        raise ShapeError(
            f"{op}: size {size} needs theta of shape (N, {d}, {d + 1}) = {want} (a batch of "
            f"{d}-D affine matrices), got shape {tuple(th.shape)}"
        )
    spatial = size[2:]
    if align and min(spatial) == 1:
        warnings.warn(
            "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
            "align_corners=True. This is not an intended use case of affine_grid. See the "
            "documentation of affine_grid for details.",
            stacklevel=2,
        )
    if min(size) <= 0:
        raise ValueError(f"{op}: expected a non-zero, positive output size, got {size}")
    dt = th.dtype.type
    axes = [_base(m, align, dt) for m in reversed(spatial)]  # x (W), y (H)[, z (D)]
    mesh = np.meshgrid(*axes[::-1], indexing="ij")  # each of shape spatial
    cols = [mesh[d - 1 - k].reshape(-1) for k in range(d)]
    base = np.stack(cols + [np.ones(math.prod(spatial), dtype=dt)], axis=1)  # (P, d + 1)
    xp = array_module(th)
    if xp is not np:
        with xp.cuda.Device(th.device.id):
            base = xp.asarray(base)
    grid = ag.matmul(base, ag.transpose(theta, 1, 2))  # (N, P, d)
    return ag.reshape(grid, (size[0],) + spatial + (d,))
