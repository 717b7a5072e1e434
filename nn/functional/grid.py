"""Spatial transformers: ``affine_grid`` and ``grid_sample``, as in ``torch.nn.functional``.

A grid holds normalised sampling positions in [-1, 1] (x first: the last spatial dim, then y,
then z). Along a dim of size n a component u becomes the pixel coordinate

    align_corners=True:  (u + 1) (n - 1) / 2     (-1, 1: the centres of the corner pixels)
    align_corners=False: (u + 1) n / 2 - 1/2     (-1, 1: the outer edges of the corner pixels)

then the padding mode: 'border' clips it to [0, n - 1]; 'reflection' reflects it about the
edges (about 0 and n - 1, or about -1/2 and n - 1/2) and clips. The formulas, and their slopes
(border: 0 at and past the edges, as PyTorch counts the edges out of bounds; reflection: +-1),
are those of PyTorch's CPU kernel, computed on the grid's values in its dtype.

Sampling is built from recorded ops, so both gradients (input and grid) are exact and every
order differentiates: the input, laid out channels last (N prod(S) + 1, C) with a zero row that
out-of-bounds taps read, is gathered once at every tap (K taps per output: 2^d for bilinear, 1
for nearest, 16 for bicubic), and the taps are summed with weights made from the coordinates.
A coordinate is one op (``_Coord``) whose value and slope come from the grid's values: the
padding maps are piecewise linear, so that is exact to every order. Nearest sampling's gradient
with respect to the grid is zero, as PyTorch's.
"""

from __future__ import annotations

import itertools
import math
import operator
import warnings

import numpy as np

import autograd as ag
from autograd import Function, ShapeError
from autograd.tensor import Tensor, _wrap
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
    """``(coordinate, slope)`` of grid component u (raw) along a dim of size n, padded."""
    v, scale = _unnormalize(u, n, align)
    slope = xp.full(u.shape, scale, dtype=u.dtype)
    if padding == "border":
        v, inside = _clip(xp, v, n)
        slope = xp.where(inside, slope, 0)
    elif padding == "reflection":
        v, sign = _reflect(xp, v, n, align)
        v, inside = _clip(xp, v, n)
        slope = xp.where(inside, slope * sign, 0)
    return v, slope


def _tap(xp, i, n, align, padding):
    """``(index, valid)`` of integral tap positions i (float): padded as a coordinate (bicubic
    reads its taps so), valid where inside [0, n)."""
    if padding == "border":
        i, _ = _clip(xp, i, n)
    elif padding == "reflection":
        i, _ = _clip(xp, _reflect(xp, i, n, align)[0], n)
    valid = (i > -1) & (i < n)  # False for NaN and infinities
    return xp.where(valid, i, 0).astype(np.int64), valid


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


class _ZeroGradTo(Function):
    """y itself, with a zero gradient for ``anchor`` (nearest sampling's grid: PyTorch's)."""

    __slots__ = ()

    def forward(self, y, anchor):
        return y

    def backward(self, gy):
        shape, dtype = self.input_meta(1)
        raw = _raw(gy)
        z = array_module(raw).zeros(shape, dtype=dtype)
        return gy, (_wrap(z, None, False) if isinstance(gy, Tensor) else z)


# -- the cubic convolution coefficients (work on Tensors and arrays alike) ----------------------


def _cubic1(x):  # |x| <= 1
    return ((_A + 2) * x - (_A + 3)) * x * x + 1


def _cubic2(x):  # 1 < |x| < 2
    return ((_A * x - 5 * _A) * x + 8 * _A) * x - 4 * _A


def _cubic_coeffs(t):
    """The 4 weights of taps floor - 1 .. floor + 2 at fractional position t (PyTorch's)."""
    s = 1 - t
    return [_cubic2(t + 1), _cubic1(t), _cubic1(s), _cubic2(s + 1)]


# -- grid_sample --------------------------------------------------------------------------------


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
    op = "grid_sample"
    x, g, d = _check_sample(op, input, grid, mode, padding_mode)
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
    align = bool(align_corners)
    xp = array_module(x)
    n, c = x.shape[:2]
    size = tuple(x.shape[2:])  # (H, W) or (D, H, W)
    out_size = tuple(g.shape[1:-1])
    p = n * math.prod(out_size)
    hw = math.prod(size)
    # the input channels last, one zero row after the last pixel for the taps outside
    perm = (0,) + tuple(range(2, d + 2)) + (1,)
    flat = ag.reshape(ag.permute(input, perm), (n * hw, c))
    flat = ag.pad(flat, (0, 0, 0, 1))
    zero_row = n * hw
    base = xp.repeat(xp.arange(n, dtype=np.int64) * hw, p // n if n else 0)  # (P,)
    strides = [math.prod(size[k + 1 :]) for k in range(d)]
    graw = g.reshape(p, d)
    gt = ag.reshape(grid, (p, d)) if isinstance(grid, Tensor) else None
    # per spatial dim k (D/H/W order): its grid component is column d - 1 - k
    comps = [graw[:, d - 1 - k] for k in range(d)]

    def coord(k, value, slope):
        u = gt[:, d - 1 - k] if gt is not None else comps[k]
        return _Coord.apply(u, value, slope)

    taps, weights = [], []
    with np.errstate(invalid="ignore", over="ignore"):
        if mode == "nearest":
            idx, ok = [], None
            for k in range(d):
                v, _ = _source(xp, comps[k], size[k], align, padding_mode)
                i, valid = _tap(xp, xp.rint(v), size[k], align, "zeros")
                idx.append(i)
                ok = valid if ok is None else ok & valid
            taps.append(_linear(xp, base, idx, strides, ok, zero_row))
        elif mode == "bilinear":
            lo, frac, ends = [], [], []
            for k in range(d):
                v, slope = _source(xp, comps[k], size[k], align, padding_mode)
                f = xp.floor(v)
                frac.append(coord(k, v, slope) - f)  # distance from the lower tap
                lo.append(_tap(xp, f, size[k], align, "zeros"))
                ends.append(_tap(xp, f + 1, size[k], align, "zeros"))
            for corner in itertools.product((0, 1), repeat=d):
                pick = [ends[k] if b else lo[k] for k, b in enumerate(corner)]
                ok = pick[0][1]
                for _, valid in pick[1:]:
                    ok = ok & valid
                taps.append(_linear(xp, base, [i for i, _ in pick], strides, ok, zero_row))
                w = None
                for k, b in enumerate(corner):
                    wk = frac[k] if b else 1 - frac[k]
                    w = wk if w is None else w * wk
                weights.append(w)
        else:  # bicubic: the taps are padded, the coordinate is not
            cols = []
            for k in range(d):
                v, scale = _unnormalize(comps[k], size[k], align)
                f = xp.floor(v)
                slope = xp.full(v.shape, scale, dtype=v.dtype)
                cols.append((f, _cubic_coeffs(coord(k, v, slope) - f)))
            (fy, cy), (fx, cx) = cols
            for a in range(4):
                iy, vy = _tap(xp, fy + (a - 1), size[0], align, padding_mode)
                for b in range(4):
                    ix, vx = _tap(xp, fx + (b - 1), size[1], align, padding_mode)
                    taps.append(_linear(xp, base, [iy, ix], strides, vy & vx, zero_row))
                    weights.append(cy[a] * cx[b])
    k = len(taps)
    vals = flat[xp.concatenate(taps) if k > 1 else taps[0]]  # (K P, C)
    if mode == "nearest":
        out = _ZeroGradTo.apply(vals, grid) if isinstance(grid, Tensor) else vals
    else:
        w = ag.stack(weights) if isinstance(weights[0], Tensor) else xp.stack(weights)
        out = (ag.reshape(vals, (k, p, c)) * ag.reshape(w, (k, p, 1))).sum(0)
    out = ag.reshape(out, (n,) + out_size + (c,))
    return ag.permute(out, (0, d + 1) + tuple(range(1, d + 1)))


def _linear(xp, base, idx, strides, ok, zero_row):
    """Row of each tap in the flat input: base + sum_k idx_k stride_k, the zero row where not
    ok. idx: per-dim int arrays (P,)."""
    lin = base
    for i, s in zip(idx, strides):
        lin = lin + i * s
    return xp.where(ok, lin, zero_row)


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
