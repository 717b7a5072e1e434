"""``interpolate`` (modes nearest, nearest-exact, linear, bilinear, bicubic, trilinear, area;
``antialias`` for bilinear and bicubic) and its deprecated aliases ``upsample``,
``upsample_nearest`` and ``upsample_bilinear``, as in ``torch.nn.functional``; users import them
from ``nn.functional`` (``nn.functional.vision``).

Interpolation is separable. Along each resized dim, output position o reads K input positions
``idx[:, o]`` with weights ``w[:, o]`` (nearest: K = 1, no weights; linear: K = 2; cubic: K = 4;
antialias: the filter's support). The taps (``_taps``) follow PyTorch's CPU kernels: the same
source-index formulas computed in the same precision (the input's; float32 for float16 and the
integer types) with the same roundings, so even the indices that land a rounding away from an
integer agree. One op, ``Resample``, applies such a sparse linear map along one dim as a few
gathers and adds; its backward is the same op with the adjoint map (the entries transposed, again
applied as gathers: no scatter, no atomics), so gradients of every order are resamplings too.
'area' is adaptive average pooling.
"""

from __future__ import annotations

import functools
import math
import numbers
import operator
import warnings

import numpy as np

from autograd import Function, ShapeError
from autograd import reshape as _reshape
from autograd.amp import _active as _amp_on
from autograd.amp import _tls as _amp
from autograd.amp import autocast_call as _autocast
from backends import array_module

from . import pooling as _pooling

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
_MODE_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_LAYOUT = {1: "(N, C, W)", 2: "(N, C, H, W)", 3: "(N, C, D, H, W)"}
_AXES = {1: "W", 2: "HW", 3: "DHW"}


def _shape_of(op, x) -> tuple:
    shape = getattr(x, "shape", None)
    if shape is None:
        raise TypeError(f"{op}: expected a Tensor input, got {type(x).__name__}")
    return tuple(shape)


def _raw(t):
    """The array behind a Tensor (or the array itself): to pick the array module and dtype."""
    return getattr(t, "_data", t)


# -- interpolate: the per-dim tables -------------------------------------------------------------

_A = -0.75  # PyTorch's bicubic convolution constant (the antialiased filter uses Keys' -0.5)


def _cubic1(x, a):  # |x| <= 1
    return ((a + 2) * x - (a + 3)) * x * x + 1


def _cubic2(x, a):  # 1 < |x| < 2
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a


def _ratio(n, m, align_corners, scale, t):
    """Input positions per output position, as ``area_pixel_compute_scale``: (n-1)/(m-1) with
    align_corners, else 1/scale_factor when one was given, else n/m (all in precision t)."""
    if align_corners:
        return t(n - 1) / t(m - 1) if m > 1 else t(0)
    if scale is not None and scale > 0:
        return t(1.0 / scale)
    return t(n) / t(m)


def _source(s, o, align_corners, t):
    """Real source index of output positions o: s o (align_corners) or s (o + 1/2) - 1/2.

    In float32 the product and difference round once, as the fused multiply-add of PyTorch's
    compiled kernel (float32 products are exact in float64)."""
    if align_corners:
        return s * o.astype(t)
    if t is np.float32:
        return (np.float64(s) * (o + 0.5) - 0.5).astype(t)
    return s * (o + 0.5) - 0.5


def _taps(mode, n, m, align_corners, scale, t, antialias):
    """``(idx, w, valid)`` resampling one dim of size n to m: output o reads input positions
    idx[:, o] (K, m) with weights w[:, o] (None: all 1); valid (K, m) marks the real taps (None:
    all). ``scale``: the scale_factor PyTorch's kernel receives (None when the size was given or
    recomputed); t: the precision of PyTorch's arithmetic (float32, or float64 for float64)."""
    o = np.arange(m, dtype=np.int64)
    if mode in ("nearest", "nearest-exact"):  # source s o, or round(s (o + 1/2) - 1/2)
        s = _ratio(n, m, False, scale, t)
        if mode == "nearest":
            real = s * o.astype(t)
        else:
            real = np.maximum(_source(s, o, False, t), t(0)).astype(np.float64) + 0.5
        # PyTorch floors with floorf: the real index is rounded to float32 first
        return (
            np.minimum(np.floor(real.astype(np.float32)).astype(np.int64), n - 1)[None],
            None,
            None,
        )
    if antialias:
        return _taps_antialias(mode, n, m, align_corners, scale, t)
    if mode == "bicubic":
        real = _source(_ratio(n, m, align_corners, scale, t), o, align_corners, t)
        i = np.minimum(np.floor(real).astype(np.int64), n - 1)
        lam = np.clip(real - i.astype(t), t(0), t(1))
        a, one = t(_A), t(1)
        w = np.stack([_cubic2(lam + one, a), _cubic1(lam, a), _cubic1(one - lam, a),
                      _cubic2(one + (one - lam), a)]).astype(t)  # fmt: skip
        return np.clip(i[None] + np.arange(-1, 3)[:, None], 0, n - 1), w, None
    if m == n:  # the linear modes copy an unchanged dim, whatever the scale_factor
        return o[None], None, None
    real = _source(_ratio(n, m, align_corners, scale, t), o, align_corners, t)
    real = np.maximum(real, t(0))
    i0 = np.minimum(np.floor(real).astype(np.int64), n - 1)
    lam = np.clip(real - i0.astype(t), t(0), t(1))
    return np.stack([i0, i0 + (i0 < n - 1)]), np.stack([t(1) - lam, lam]), None


def _taps_antialias(mode, n, m, align_corners, scale, t):
    """PyTorch's antialiased taps (``_upsample_bilinear2d_aa`` / ``_bicubic2d_aa``): when
    shrinking, the triangle (or Keys a = -0.5 cubic) filter is stretched by the ratio s, so
    every input position in [c - support, c + support), c = s (o + 1/2), counts; the weights
    are normalised to sum 1. An unchanged dim is copied."""
    if m == n:
        return np.arange(m, dtype=np.int64)[None], None, None
    s = _ratio(n, m, align_corners, scale, t)
    size = 2 if mode == "bilinear" else 4
    support = t(size * 0.5) * s if s >= 1 else t(size * 0.5)
    inv = t(1) / s if s >= 1 else t(1)
    K = int(math.ceil(support)) * 2 + 1
    center = s * (np.arange(m) + 0.5).astype(t)
    lo = np.maximum((center - support + t(0.5)).astype(np.int64), 0)  # truncation, as C++'s
    hi = np.minimum((center + support + t(0.5)).astype(np.int64), n)
    j = np.arange(K)[:, None]
    pos = lo[None] + j  # (K, m)
    valid = j < (hi - lo)[None]
    x = np.abs((pos.astype(t) - center + t(0.5)) * inv)
    if mode == "bilinear":
        w = np.where(x < 1, t(1) - x, t(0))
    else:
        a = t(-0.5)
        w = np.where(x < 1, _cubic1(x, a), np.where(x < 2, _cubic2(x, a), t(0)))
    w = np.where(valid, w, t(0)).astype(t)
    total = w.sum(axis=0)
    w = np.where(total != 0, w / np.where(total != 0, total, t(1)), w).astype(t)
    return np.minimum(pos, n - 1), w, valid


class _Map:
    """A linear map along one dim onto ``size`` positions, y[dst] += w x[src] over its entries,
    stored by rank: rank r holds the r-th entry (in src order) of every output that has one, as
    ``(cols, src, w)``: those outputs (None: all, in order; a slice when they are a run), where
    they read, the weights (None: all 1). Each rank is then one gather and one add with no
    repeated index.

    A partial rank costs an indexed add, several times a full one, so a weighted map fills the
    ranks that at least a quarter of the outputs reach: an output with fewer entries repeats
    some of its own, an entry of weight w repeated q times split into w/2^q, w/2^q,
    w/2^(q-1), .., w/2 (in rank order). The pieces are powers-of-two fractions whose running
    sums are exact, so a tap read alone gives exactly what it gave unsplit; and every output
    still reads only its own inputs, so a NaN or an infinity there spreads no further than the
    unsplit tap's did (a zero-weight pad would turn an infinity into NaN).
    Outputs with no entries stay out (their zeros must not read anything).

    ``arrays(x)``: the ranks as arrays of x's module, device and dtype, made once per device
    and dtype and kept (so a cuda call uploads nothing after the first)."""

    __slots__ = ("size", "ranks", "_on")

    def __init__(self, size, dst, src, w):
        self.size, self._on = size, {}
        order = np.lexsort((src, dst))  # stable: equal (dst, src) entries keep their tap order
        dst, src = dst[order], src[order]
        w = None if w is None else w[order]
        counts = np.bincount(dst, minlength=size)
        if w is not None and dst.size:
            dst, src, w, counts = _fill(size, dst, src, w, counts)
        rank = np.arange(dst.size) - (np.cumsum(counts) - counts)[dst]
        ranks = []
        for r in range(int(counts.max()) if dst.size else 0):
            sel = rank == r
            cols = dst[sel]
            wr = None if w is None else w[sel]
            if cols.size == size:
                cols = None
            elif cols.size and cols[-1] - cols[0] == cols.size - 1:  # a run (cols ascend)
                cols = slice(int(cols[0]), int(cols[-1]) + 1)
            ranks.append((cols, src[sel], wr))
        self.ranks = tuple(ranks)

    def arrays(self, x):
        """``ranks`` with src, cols and w as arrays of x's kind (w in x's dtype), cached."""
        xp = array_module(x)
        dev = None if xp is np else x.device.id
        key = (dev, x.dtype.str)
        got = self._on.get(key)
        if got is None:
            if dev is None:
                got = tuple((c, s, None if w is None else w.astype(x.dtype, copy=False))
                            for c, s, w in self.ranks)  # fmt: skip
            else:
                with xp.cuda.Device(dev):  # one upload per array, on x's device
                    got = tuple(
                        (
                            c if c is None or isinstance(c, slice) else xp.asarray(c),
                            xp.asarray(s),
                            None if w is None else xp.asarray(w.astype(x.dtype, copy=False)),
                        )
                        for c, s, w in self.ranks
                    )
            self._on[key] = got
        return got


def _fill(size, dst, src, w, counts):
    """The entries (sorted by (dst, src)) with the ranks that >= 1/4 of the outputs reach
    filled: an output with 0 < c < F entries gets p = F - c repeats of its own entries, handed
    out from its last entry backwards, round robin, so no entry is cut in more than
    ceil(p / c) + 1 pieces (see _Map). Returns ``(dst, src, w, counts)``, still sorted."""
    reach = np.bincount(counts, minlength=int(counts.max()) + 1)[::-1].cumsum()[::-1]
    full = int(np.count_nonzero(reach[1:] * 4 >= size))  # reach[r + 1]: outputs with > r
    pad = np.where(counts > 0, np.maximum(full - counts, 0), 0)
    if not pad.any():
        return dst, src, w, counts
    rows = np.flatnonzero(pad)
    p, c = pad[rows], counts[rows]
    last = (np.cumsum(counts) - 1)[rows]  # each padded output's last entry
    p_, c_ = np.repeat(p, p), np.repeat(c, p)
    j = np.arange(int(p.sum())) - np.repeat(np.cumsum(p) - p, p)  # repeat j of its output
    at = np.repeat(last, p) - j % c_  # the entry it copies
    k = j // c_ + 1  # it is that entry's k-th repeat, of q
    q = (p_ - 1 - j % c_) // c_ + 1
    # an entry of weight w repeated q times: w / 2^q, then repeat k weighs w / 2^(q - k + 1)
    # (in rank order: the running sums w / 2^q, w / 2^(q - 1), .., w are exact)
    two = np.exp2(np.arange(int(q.max()) + 1)).astype(w.dtype)
    extra_w = w[at] / two[q - k + 1]
    w = w.copy()
    first = k == 1
    w[at[first]] = w[at[first]] / two[q[first]]
    dst = np.concatenate([dst, np.repeat(rows, p)])
    src = np.concatenate([src, src[at]])
    w = np.concatenate([w, extra_w])
    order = np.lexsort((src, dst))  # stable: a repeat stays after the entry it copies
    return dst[order], src[order], w[order], counts + pad


@functools.lru_cache(maxsize=64)
def _maps(mode, n, m, align_corners, scale, dtype, antialias):
    """``(forward, adjoint)`` _Maps resampling one dim of size n to m (and back), or None when
    the dim is copied unchanged. Cached; ``dtype``: the input's dtype name."""
    t = np.float64 if dtype == "float64" else np.float32
    idx, w, valid = _taps(mode, n, m, align_corners, scale, t, antialias)
    if w is None and n == m and (idx[0] == np.arange(n)).all():
        return None
    dst = np.broadcast_to(np.arange(m), idx.shape)
    if valid is not None:
        dst, idx, w = dst[valid], idx[valid], w[valid]
    dst, idx = dst.ravel(), idx.ravel()
    w = None if w is None else w.ravel()
    return _Map(m, dst, idx, w), _Map(n, idx, dst, w)


class Resample(Function):
    """y = x mapped along ``axis`` by a _Map (y[.., o, ..] = sum w x[.., src, ..]); its backward
    is the same op with the adjoint map, so every derivative order is a resampling.

    x: (.., n, ..) -> (.., fwd.size, ..).
    """

    __slots__ = ("axis", "maps")

    def forward(self, x, axis, fwd, adj):
        self.axis, self.maps = axis, (adj, fwd)
        xp = array_module(x)
        tail = (1,) * (x.ndim - axis - 1)
        lead = (slice(None),) * axis
        shape = x.shape[:axis] + (fwd.size,) + x.shape[axis + 1 :]
        take = {"mode": "clip"} if xp is np else {}  # NumPy buffers a checked take into out
        y = buf = None
        for cols, src, w in fwd.arrays(x):
            if cols is None and y is None:
                y = xp.take(x, src, axis=axis)
                if w is not None:
                    y *= w.reshape((-1,) + tail)
                continue
            if y is None:
                y = xp.zeros(shape, dtype=x.dtype)
            if cols is None:  # a full rank: gather into one reused buffer, add in place
                buf = xp.take(x, src, axis=axis, out=buf, **take)
                v = buf
            else:
                v = xp.take(x, src, axis=axis)
            if w is not None:
                v *= w.reshape((-1,) + tail)
            if cols is None:
                y += v
            else:
                y[lead + (cols,)] += v
        if y is None:  # no entries (an empty source dim): all zeros
            y = xp.zeros(shape, dtype=x.dtype)
        return y

    def backward(self, gy):
        return Resample.apply(gy, self.axis, *self.maps), None, None, None


# -- interpolate: arguments --------------------------------------------------------------------


def _int_of(op, what, v, got):
    if isinstance(v, bool):
        raise TypeError(f"{op}: {what} must be an int or a tuple of ints, got {got!r}")
    try:
        return operator.index(v)
    except TypeError:
        raise TypeError(f"{op}: {what} must be an int or a tuple of ints, got {got!r}") from None


def _float_arg(op, what, v, got=None):
    """A scale factor as a float; TypeError naming ``op`` for a non-number (None included),
    ValueError for inf or nan. ``got``: the whole argument, for the message."""
    got = v if got is None else got
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{op}: {what} must be a number or a tuple of numbers, got {got!r}")
    if not math.isfinite(v):
        raise ValueError(f"{op}: {what} must be finite, got {got!r}")
    return float(v)


def _output_size(op, shape, size, scale_factor, recompute, mode):
    """``(out, scales)``: d output sizes, and the d scale factors PyTorch's kernels receive
    (None entries when the size was given or recomputed from the scale)."""
    d, S = len(shape) - 2, shape[2:]
    if size is not None and scale_factor is not None:
        raise ValueError(f"{op}: only one of size or scale_factor should be defined")
    if size is not None:
        if recompute:
            raise ValueError(
                f"{op}: recompute_scale_factor is not meaningful with an explicit size"
            )
        if isinstance(size, (list, tuple)):
            if len(size) != d:
                raise ValueError(
                    f"{op}: input and output must have the same number of spatial dimensions, "
                    f"but got input of shape {shape} (spatial {list(S)}) and output size {size!r}"
                )
            out = tuple(_int_of(op, "size", v, size) for v in size)
        else:
            out = (_int_of(op, "size", size, size),) * d
        return out, (None,) * d
    if scale_factor is None:
        raise ValueError(f"{op}: either size or scale_factor should be defined")
    items = scale_factor if isinstance(scale_factor, (list, tuple)) else (scale_factor,) * d
    if len(items) != d:
        raise ValueError(
            f"{op}: input and scale_factor must have the same number of spatial dimensions, but "
            f"got input of shape {shape} (spatial {list(S)}) and scale_factor {scale_factor!r}"
        )
    scales = [_float_arg(op, "scale_factor", v, scale_factor) for v in items]
    out = tuple(int(n * s) for n, s in zip(S, scales))  # truncated, as PyTorch's
    if recompute or mode == "area":
        return out, (None,) * d
    return out, tuple(scales)


def _named(sizes):
    """'H: 4, W: 5' for spatial sizes (4, 5)."""
    return ", ".join(f"{a}: {n}" for a, n in zip(_AXES[len(sizes)], sizes))


def _interpolate(op, x, size, scale_factor, mode, align_corners, recompute_scale_factor,
                 antialias):  # fmt: skip
    """interpolate with errors naming ``op`` (the function's name, or the calling layer)."""
    shape = _shape_of(op, x)
    if not isinstance(mode, str) or mode not in _MODES:
        raise ValueError(f"{op}: mode must be one of {', '.join(_MODES)}; got {mode!r}")
    if mode in ("nearest", "nearest-exact", "area"):
        if align_corners is not None:
            raise ValueError(
                f"{op}: align_corners option can only be set with the interpolating modes: "
                f"linear | bilinear | bicubic | trilinear (got mode {mode!r})"
            )
    align = bool(align_corners)  # None: False
    if len(shape) not in (3, 4, 5):
        raise ShapeError(
            f"{op}: expected a 3-D, 4-D or 5-D input (N, C, *spatial) for mode {mode!r}, got "
            f"shape {shape}"
        )
    d = len(shape) - 2
    need = _MODE_DIMS.get(mode)
    if need is not None and need != d:
        raise ShapeError(
            f"{op}: mode {mode!r} needs a {need + 2}-D input {_LAYOUT[need]}, got a "
            f"{len(shape)}-D input of shape {shape}"
        )
    if antialias and not (mode in ("bilinear", "bicubic") and d == 2):
        raise ValueError(
            f"{op}: antialias is restricted to the bilinear and bicubic modes and requires a "
            f"4-D input, got mode {mode!r} and input of shape {shape}"
        )
    out, scales = _output_size(op, shape, size, scale_factor, recompute_scale_factor, mode)
    dtype = _raw(x).dtype
    if mode not in ("nearest", "nearest-exact") and dtype.kind != "f":
        raise TypeError(f"{op}: mode {mode!r} needs a floating-point input, got {dtype}")
    S = shape[2:]
    low = 0 if mode == "area" else 1  # area (adaptive pooling) allows an empty output
    if any(n <= 0 for n in S) or any(m < low for m in out):
        raise ShapeError(
            f"{op}: input and output sizes should be greater than 0, but got input "
            f"({_named(S)}) and output ({_named(out)})"
        )
    if shape[1] == 0 and mode != "area":
        raise ShapeError(
            f"{op}: expected a non-empty input (only the batch may be 0), got shape {shape}"
        )
    if mode == "area":
        if 0 in out:  # as PyTorch: an empty result (its gradient: zeros)
            y = x[(slice(None),) * 2 + tuple(slice(0, 0) if m == 0 else slice(None) for m in out)]
            return _reshape(y, shape[:2] + out)
        pool = (_pooling.adaptive_avg_pool1d, _pooling.adaptive_avg_pool2d,
                _pooling.adaptive_avg_pool3d)[d - 1]  # fmt: skip
        return pool(x, out)
    y = x
    for i in sorted(range(d), key=lambda i: out[i] / S[i]):  # shrink first: less to move later
        scale = scales[i]
        if mode == "nearest" and d == 2 and out[i] in (S[i], 2 * S[i]):
            # PyTorch's 2-D nearest kernel (nearest_idx) copies a dim of unchanged size and
            # halves the index of a doubled one, whatever the scale_factor: in / out does that
            scale = None
        maps = _maps(mode, S[i], out[i], align, scale, dtype.name, bool(antialias))
        if maps is not None:  # else the dim is unchanged
            y = Resample.apply(y, 2 + i, *maps)
    return y.clone() if y is x else y


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):  # fmt: skip
    """Resample the spatial dims of input (N, C, W), (N, C, H, W) or (N, C, D, H, W).

    size: output spatial size (an int for every dim, or one per dim); or scale_factor: a
    multiplier (a float for every dim, or one per dim), output size floor(in * scale). Exactly
    one of the two. mode: 'nearest' (source floor(o * in / out)), 'nearest-exact' (floor((o +
    1/2) in / out), as PIL), 'linear' (3-D), 'bilinear' / 'bicubic' (4-D; cubic a = -0.75),
    'trilinear' (5-D), 'area' (adaptive average pooling; an output size of 0 gives an empty
    result). align_corners (interpolating modes only; None is False): True maps the corner
    pixels' centres onto each other, source o (in - 1) / (out - 1); False maps pixel areas,
    source (o + 1/2) / scale - 1/2, clamped at the edges. When scale_factor is given and
    recompute_scale_factor is not True, the kernels use 1 / scale_factor as the ratio
    (PyTorch's); recompute_scale_factor=True uses in / out. Except, as in PyTorch, in 2-D
    'nearest': a dim whose output size is its input size, or twice it, is copied, or read at
    o // 2, whatever the scale_factor. antialias (bilinear, bicubic): low-pass when shrinking,
    as PIL. Returns (N, C, *out) of the
    input's dtype. Differentiable to any order.
    """
    if _amp_on[0] and _amp.ready and mode != "area":
        return _autocast(interpolate, input, size, scale_factor, mode, align_corners,
                         recompute_scale_factor, antialias)  # fmt: skip
    return _interpolate("interpolate", input, size, scale_factor, mode, align_corners,
                        recompute_scale_factor, antialias)  # fmt: skip


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of ``interpolate`` (warns), as ``torch.nn.functional.upsample``."""
    warnings.warn(
        "nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.",
        stacklevel=2,
    )
    return _interpolate("upsample", input, size, scale_factor, mode, align_corners, None, False)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(input, size, scale_factor, mode='nearest')`` (warns)."""
    warnings.warn(
        "nn.functional.upsample_nearest is deprecated. Use nn.functional.interpolate instead.",
        stacklevel=2,
    )
    return _interpolate("upsample_nearest", input, size, scale_factor, "nearest", None, None,
                        False)  # fmt: skip


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(input, size, scale_factor, mode='bilinear',
    align_corners=True)`` (warns). input: (N, C, H, W)."""
    warnings.warn(
        "nn.functional.upsample_bilinear is deprecated. Use nn.functional.interpolate instead.",
        stacklevel=2,
    )
    return _interpolate("upsample_bilinear", input, size, scale_factor, "bilinear", True, None,
                        False)  # fmt: skip
