"""Convolution with the batch as the innermost dim: the path for small images.

The per-sample im2col of ``numpy_kernels`` runs one GEMM per sample and copies rows as long as
the output is wide; with a small output (LeNet's 8 x 8) that is many tiny GEMMs and millions of
8-element rows, each paying NumPy's per-row cost. Here a chunk of ``m`` samples is first laid out
channel-major with the sample innermost, ``(C, *P, m)`` (``P`` the padded size), so:

* im2col is one copy of a strided view ``(C, *K, *Y, m)`` into ``cols (C * prod(K),
  prod(Y) * m)``, whose inner rows are ``Y_last * m`` long (stride 1 in the last dim);
* the forward, grad-weight and grad-input are one GEMM each per group over the whole chunk;
* col2im is one strided add per kernel offset, again with rows ``Y_last * m`` long.

Only the layout changes (x, gy and gx are transposed on the way in or out, cheap for small
images); the numbers are the same convolution. Shapes follow ``numpy_kernels``: x (N, C, *S),
w (O, C // groups, *K), y / gy (N, O, *Y); ``run(n, per_sample_bytes, flops, fn)`` runs
``fn(slice)`` over chunks of the batch (``numpy_kernels._batched``) and returns the results.
"""

from __future__ import annotations

import itertools
import math


def _to_cn(xp, x, padding):
    """x (m, C, *S) -> (C, *P, m) with zero padding (lo, hi) per spatial dim."""
    m, c = x.shape[:2]
    S = x.shape[2:]
    P = tuple(n + lo + hi for n, (lo, hi) in zip(S, padding))
    out = xp.zeros((c,) + P + (m,), dtype=x.dtype)
    inner = tuple(slice(lo, lo + n) for n, (lo, _) in zip(S, padding))
    out[(slice(None),) + inner + (slice(None),)] = xp.moveaxis(x, 0, -1)
    return out


def _im2col(xp, as_strided, xt, kernel, stride, dilation, out):
    """cols (C * prod(K), prod(Y) * m) from xt (C, *P, m), rows (c, k...), columns (y..., m)."""
    c, m = xt.shape[0], xt.shape[-1]
    st = xt.strides
    sp = st[1:-1]
    view = as_strided(
        xp,
        xt,
        (c,) + tuple(kernel) + tuple(out) + (m,),
        (st[0],)
        + tuple(a * d for a, d in zip(sp, dilation))
        + tuple(a * s for a, s in zip(sp, stride))
        + (st[-1],),
    )
    return view.reshape(c * math.prod(kernel), math.prod(out) * m)


def _gy_cn(xp, gy, groups):
    """gy (m, O, *Y) -> (g, O / g, prod(Y) * m), the sample innermost (a copy)."""
    m, o = gy.shape[:2]
    L = math.prod(gy.shape[2:])
    g3 = xp.ascontiguousarray(gy.reshape(m, o, L).transpose(1, 2, 0))
    return g3.reshape(groups, o // groups, L * m)


def forward(xp, as_strided, run, x, w, b, stride, padding, dilation, groups, out):
    """y (N, O, *out) = conv(x, w) + b (see the module docstring)."""
    N, C = x.shape[:2]
    O, kernel, g = w.shape[0], tuple(w.shape[2:]), groups
    ck, L = C * math.prod(kernel), math.prod(out)
    y = xp.empty((N, O, L), dtype=xp.result_type(x, w))
    w2 = w.reshape(g, O // g, ck // g)
    bias = None if b is None else b.reshape(1, O, 1)

    def chunk(sl):
        m = sl.stop - sl.start
        xt = _to_cn(xp, x[sl], padding)
        cols = _im2col(xp, as_strided, xt, kernel, stride, dilation, out)
        z = xp.matmul(w2, cols.reshape(g, ck // g, L * m))  # (g, O/g, L m)
        ys = y[sl]
        ys[...] = z.reshape(O, L, m).transpose(2, 0, 1)
        if bias is not None:
            ys += bias

    run(N, ck * L * x.itemsize, 2 * N * O * (ck // g) * L, chunk)
    return y.reshape((N, O) + tuple(out))


def grad_weight(xp, as_strided, run, x, gy, w_shape, stride, padding, dilation, groups):
    """gw (O, C // groups, *K) = sum over the batch of gy x cols^T."""
    N, C = x.shape[:2]
    O, kernel, g = w_shape[0], tuple(w_shape[2:]), groups
    out = tuple(gy.shape[2:])
    ck, L = C * math.prod(kernel), math.prod(out)

    def chunk(sl):
        m = sl.stop - sl.start
        cols = _im2col(xp, as_strided, _to_cn(xp, x[sl], padding), kernel, stride, dilation, out)
        cols = cols.reshape(g, ck // g, L * m)
        # (g, O/g, L m) @ (g, L m, CK/g): the sum over samples and positions is the GEMM's
        return xp.matmul(_gy_cn(xp, gy[sl], g), cols.swapaxes(-1, -2))

    parts = run(N, ck * L * x.itemsize, 2 * N * O * (ck // g) * L, chunk)
    if not parts:
        return xp.zeros(w_shape, dtype=xp.result_type(x, gy))
    gw = parts[0]
    for p in parts[1:]:
        gw += p
    return gw.reshape(w_shape)


def grad_input(xp, run, gy, w, x_shape, stride, padding, dilation, groups):
    """gx (N, C, *S) = col2im(w^T gy)."""
    N, C = x_shape[:2]
    S = tuple(x_shape[2:])
    O, kernel, g = w.shape[0], tuple(w.shape[2:]), groups
    out = tuple(gy.shape[2:])
    ck, L = C * math.prod(kernel), math.prod(out)
    P = tuple(n + lo + hi for n, (lo, hi) in zip(S, padding))
    dtype = xp.result_type(gy, w)
    wt = w.reshape(g, O // g, ck // g).swapaxes(-1, -2)  # (g, CK/g, O/g), rows (c, k...)
    gx = xp.empty((N, C) + S, dtype=dtype)
    # per kernel offset (C order), the padded input positions its outputs read
    offsets = [
        tuple(
            slice(k * d, k * d + s * (n - 1) + 1, s)
            for k, d, s, n in zip(ks, dilation, stride, out)
        )
        for ks in itertools.product(*(range(k) for k in kernel))
    ]
    inner = tuple(slice(lo, lo + n) for n, (lo, _) in zip(S, padding))
    every = (slice(None),)

    def chunk(sl):
        m = sl.stop - sl.start
        gcols = xp.matmul(wt, _gy_cn(xp, gy[sl], g))  # (g, CK/g, L m)
        gc = gcols.reshape((C, math.prod(kernel)) + out + (m,))
        gxt = xp.zeros((C,) + P + (m,), dtype=dtype)
        for j, dst in enumerate(offsets):  # col2im, into the padded channel-major buffer
            gxt[every + dst + every] += gc[:, j]
        gx[sl] = xp.moveaxis(gxt[every + inner + every], -1, 0)

    run(N, ck * L * gy.itemsize, 2 * N * O * (ck // g) * L, chunk)
    return gx
