"""The ``numba`` kernel set: hand-written ``numba.cuda`` kernels for the GPU hot path.

Same functions, signatures and semantics as the ``numpy`` set (see ``backends/numpy_kernels.py``
for the shape conventions), so the ops and ``nn`` run unchanged on it:

* ``matmul``: a tiled shared-memory GEMM with register blocking (float32: 128 x 128 tiles, 8 x 8
  outputs per thread; float64: 64 x 64, 4 x 4), any shape (edges are zero-filled), transposed
  or otherwise strided operands read in place (the load order follows the unit stride), batch
  dims broadcast and walked by the grid's z dimension, split-K for long thin products.
* convolution forward, grad-input and grad-weight in 1, 2 and 3 spatial dims (1-D and 2-D run
  as 3-D with unit dims): implicit GEMM on the same kernel template, gathering the receptive
  fields (and, for grad-input, the gy entries each input position received) while loading
  tiles, so no im2col buffer is ever built. Groups are a grid dimension; grad-weight uses split-K.
* max and average pooling, forward and backward: one thread per output (forward) or per input
  (backward, gathering over the windows that hold it; deterministic, no atomics).

The kernels take device arrays: cupy arrays through ``__cuda_array_interface__``, with no host
round trip, launched on cupy's current stream; outputs are allocated with cupy (its memory pool,
its stream). Under the CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``, for tests) they take numpy
arrays. numba is imported lazily, inside the functions, so this module imports without it.
dtypes other than float32 / float64 (matmul, convolution) or float32 / float64 / int32 / int64
(pooling) fall back to the array-module code the ``cupy`` set runs.
"""

from __future__ import annotations

import contextlib
import functools
import math

import numpy as np

from . import array_module
from . import numpy_kernels as _generic

__all__ = [
    "name",
    "matmul",
    "conv_forward",
    "conv_grad_input",
    "conv_grad_weight",
    "max_pool_forward",
    "max_pool_backward",
    "avg_pool_forward",
    "avg_pool_backward",
]

name = "numba"

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_POOL_DTYPES = _FLOATS + (np.dtype(np.int32), np.dtype(np.int64))

# GEMM tiles (TY, TX, TM, TN, BK): TY x TX threads, each owning a TM x TN block of the
# (TY TM) x (TX TN) output tile, K walked BK at a time
_TILES = {np.dtype(np.float32): (16, 16, 8, 8, 8), np.dtype(np.float64): (16, 16, 4, 4, 8)}
# split K when a product has fewer output tiles than this (None: 2 x the GPU's SM count) ...
_SPLIT_TARGET_BLOCKS = [None]
# ... into slices of at least this many k each
_SPLIT_MIN_K = [512]
_MAX_GRID_YZ = 65535


@contextlib.contextmanager
def _config(tiles=None, split_target_blocks=None, split_min_k=None):
    """Temporarily override the tiling (``{dtype: (TY, TX, TM, TN, BK)}`` or one tuple for every
    dtype) and the split-K policy. For tests: the simulator is slow, small tiles keep it quick."""
    saved = dict(_TILES), _SPLIT_TARGET_BLOCKS[0], _SPLIT_MIN_K[0]
    try:
        if tiles is not None:
            for dt in _FLOATS:
                _TILES[dt] = tiles if isinstance(tiles, tuple) else tiles.get(dt, _TILES[dt])
        if split_target_blocks is not None:
            _SPLIT_TARGET_BLOCKS[0] = split_target_blocks
        if split_min_k is not None:
            _SPLIT_MIN_K[0] = split_min_k
        yield
    finally:
        _TILES.clear()
        _TILES.update(saved[0])
        _SPLIT_TARGET_BLOCKS[0], _SPLIT_MIN_K[0] = saved[1], saved[2]


# -- device plumbing -----------------------------------------------------------------------------


def _nc():
    """The kernels module (imports numba.cuda on first use)."""
    from . import _numba_cuda

    return _numba_cuda


def _simulated() -> bool:
    from numba import config

    return bool(config.ENABLE_CUDASIM)


def _dev(a):
    """A kernel argument for array ``a`` without copying it.

    cupy (or any ``__cuda_array_interface__``) arrays become numba device-array views, without
    the stream synchronisation numba would otherwise do (we launch on cupy's stream anyway).
    Under the simulator, numpy arrays are wrapped in place (the simulator would copy them, and
    refuses non-contiguous ones). Plain numpy arrays on a real GPU are left to numba, which
    copies them in and back (correct, slow).
    """
    if isinstance(a, np.ndarray):
        if _simulated():
            from numba.cuda.simulator.cudadrv.devicearray import FakeCUDAArray

            return FakeCUDAArray(a)
        return a
    if hasattr(a, "__cuda_array_interface__"):
        from numba import cuda

        return cuda.as_cuda_array(a, sync=False)
    return a


_streams: dict = {}


def _stream(a):
    """The numba stream to launch on: cupy's current stream on ``a``'s device, or None (the
    default stream: no cupy, or the simulator)."""
    if isinstance(a, np.ndarray):
        return None
    import cupy

    ptr = cupy.cuda.get_current_stream().ptr
    s = _streams.get(ptr)
    if s is None:
        from numba import cuda

        s = cuda.default_stream() if ptr == 0 else cuda.external_stream(ptr)
        if len(_streams) > 64:  # streams come and go; keep the cache small
            _streams.clear()
        _streams[ptr] = s
    return s


def _launch(kernel, grid, block, like, *args):
    """``kernel[grid, block, stream](*args)`` with arrays passed through ``_dev``, on cupy's
    current stream and device when ``like`` is a cupy array."""
    args = [_dev(a) if hasattr(a, "shape") and not np.isscalar(a) else a for a in args]
    stream = _stream(like)
    if stream is None:
        kernel[grid, block](*args)
        return
    dev = getattr(like, "device", None)
    if dev is not None and getattr(dev, "id", 0) != 0:
        from numba import cuda

        with cuda.gpus[dev.id]:
            kernel[grid, block, stream](*args)
    else:
        kernel[grid, block, stream](*args)


def _sm_count(like) -> int:
    """The current GPU's multiprocessor count (66 for the simulator's numpy arrays)."""
    if isinstance(like, np.ndarray):
        return 66
    try:
        import cupy

        return _sm_count_of(cupy.cuda.Device().id)
    except Exception:
        return 66


@functools.cache
def _sm_count_of(device_id: int) -> int:
    """Read once per device: ``Device.attributes`` queries every attribute each call."""
    import cupy

    return int(cupy.cuda.runtime.getDeviceProperties(device_id)["multiProcessorCount"])


def _splits(blocks: int, K: int, like) -> int:
    target = _SPLIT_TARGET_BLOCKS[0] or 2 * _sm_count(like)
    if blocks >= target:
        return 1
    return max(1, min(-(-target // max(blocks, 1)), K // _SPLIT_MIN_K[0]))


def _gemm(mode, A, B, C, bias, geo, G, M, N, K, a_kmajor, b_nmajor, split=False):
    """Run the GEMM template: C[g] (M, N) = A(g) (M, K) @ B(g) (K, N) for g < G, as ``mode``
    reads and writes them. With ``split`` (plain-store modes), K may be cut into slices whose
    partial products are summed afterwards. Returns C."""
    if G == 0 or M == 0 or N == 0:
        return C
    xp = array_module(C)
    dt = C.dtype
    tiles = _TILES[dt]
    TY, TX, TM, TN, BK = tiles
    BM, BN = TY * TM, TX * TN
    gx, gy = -(-N // BN), -(-M // BM)
    if gy > _MAX_GRID_YZ:  # more row tiles than grid.y holds: only plain matmul gets here
        rows = _MAX_GRID_YZ * BM
        for r in range(0, M, rows):
            sl = slice(r, min(M, r + rows))
            _gemm(mode, A[:, sl], B, C[:, sl], bias, geo, G, sl.stop - r, N, K,
                  a_kmajor, b_nmajor, split)  # fmt: skip
        return C
    S = _splits(gx * gy * G, K, C) if split else 1
    per = -(-K // S)  # k per split, rounded up to whole slabs
    kchunk = max(BK, -(-per // BK) * BK)
    S = max(1, -(-K // kchunk))
    target = C if S == 1 else xp.empty((G * S, M, N), dtype=dt)
    kern = _nc().gemm_kernel(mode, dt, tiles, bool(a_kmajor), bool(b_nmajor))
    hb = bias is not None
    bias_arg = bias if hb else xp.empty(1, dtype=dt)
    Z = G * S
    for z0 in range(0, Z, _MAX_GRID_YZ):
        grid = (gx, gy, min(_MAX_GRID_YZ, Z - z0))
        _launch(kern, grid, (TX, TY), C, A, B, target, bias_arg, hb, geo, M, N, K, kchunk, S, z0)
    if S > 1:
        C[...] = target.reshape(G, S, M, N).sum(axis=1)
    return C


# -- matmul -------------------------------------------------------------------------------------


def _as_strided(xp, a, shape, strides):
    if xp is np:
        return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=False)
    return xp.lib.stride_tricks.as_strided(a, shape, strides)


def _batch3(xp, a, batch):
    """``a`` (..., r, c) broadcast to batch + (r, c) and seen as (prod(batch), r, c): a strided
    view when the batch dims collapse to one stride (always for one batch dim or a broadcast
    one), else a contiguous copy."""
    a = xp.broadcast_to(a, tuple(batch) + tuple(a.shape[-2:]))
    nb = len(batch)
    G = math.prod(batch)
    dims = [(n, s) for n, s in zip(a.shape[:nb], a.strides[:nb]) if n != 1]
    stride = dims[-1][1] if dims else 0
    if all(s0 == s1 * n1 for (_, s0), (n1, s1) in zip(dims, dims[1:])):
        return _as_strided(xp, a, (G,) + a.shape[nb:], (stride,) + a.strides[nb:])
    return xp.ascontiguousarray(a).reshape((G,) + a.shape[nb:])


def matmul(x, y):
    """Matrix product with numpy.matmul semantics, on the hand-written tiled GEMM.

    x: (..., n, k) or (k,); y: (..., k, m) or (k,). Returns (..., n, m) with batch dims broadcast
    (1-D operands promoted, then squeezed) in ``result_type(x, y)``.
    """
    xp = array_module(x)
    dt = np.result_type(x.dtype, y.dtype)
    if x.ndim == 0 or y.ndim == 0 or dt not in _FLOATS:
        return xp.matmul(x, y)  # numpy's error for scalars; other dtypes off the hot path
    a = x[None, :] if x.ndim == 1 else x
    b = y[:, None] if y.ndim == 1 else y
    M, K = a.shape[-2:]
    K2, N = b.shape[-2:]
    if K != K2:
        raise ValueError(
            f"matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
            f"signature (n?,k),(k,m?)->(n?,m?) (size {K2} is different from {K})"
        )
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a3 = _batch3(xp, a.astype(dt, copy=False), batch)
    b3 = _batch3(xp, b.astype(dt, copy=False), batch)
    G = math.prod(batch)
    c = xp.empty((G, M, N), dtype=dt)
    isz = dt.itemsize
    a_kmajor = a3.strides[2] == isz or a3.strides[1] != isz
    b_nmajor = b3.strides[2] == isz or b3.strides[1] != isz
    _gemm("mm", a3, b3, c, None, (0,), G, M, N, K, a_kmajor, b_nmajor, split=True)
    out = c.reshape(tuple(batch) + (M, N))
    if x.ndim == 1:
        out = out[..., 0, :]
    if y.ndim == 1:
        out = out[..., 0]
    return out


# -- convolution --------------------------------------------------------------------------------


def _spatial3(a):
    """(N, C, *S) with d <= 3 spatial dims as a 5-D view (N, C, 1.., *S)."""
    return a[(slice(None), slice(None)) + (None,) * (5 - a.ndim)]


def _pad3(t, fill):
    return (fill,) * (3 - len(t)) + tuple(t)


def _conv_geo(x_shape, w_shape, y_shape, stride, padding, dilation, groups):
    """The conv modes' geo tuple, everything lifted to 3 spatial dims."""
    C, O = x_shape[1], w_shape[0]
    K3 = _pad3(w_shape[2:], 1)
    S3 = _pad3(x_shape[2:], 1)
    Y3 = _pad3(y_shape[2:], 1)
    st = _pad3(stride, 1)
    pd = _pad3([lo for lo, _ in padding], 0)
    dl = _pad3(dilation, 1)
    geo = (C // groups, O // groups) + K3 + S3 + Y3 + st + pd + dl
    return tuple(int(v) for v in geo)


def _common(xp, dt, *arrays):
    return [None if a is None else a.astype(dt, copy=False) for a in arrays]


def conv_forward(x, w, b, stride, padding, dilation, groups):
    """N-D cross-correlation (d = 1, 2, 3) plus an optional bias, as implicit GEMM on the GPU.

    x: (N, C, *S); w: (O, C // groups, *K); b: (O,) or None; stride, dilation: d ints;
    padding: d (lo, hi) pairs. Returns (N, O, *Y),
    Y = (S + lo + hi - dilation * (K - 1) - 1) // stride + 1, in result_type(x, w).
    """
    xp = array_module(x)
    dt = np.result_type(x.dtype, w.dtype)
    if dt not in _FLOATS:
        return _generic._conv_forward(xp, x, w, b, stride, padding, dilation, groups)
    x, w, b = _common(xp, dt, x, w, b)
    N, O = x.shape[0], w.shape[0]
    out = _generic._conv_out(x.shape, w.shape, stride, padding, dilation)
    y = xp.empty((N, O) + out, dtype=dt)
    geo = _conv_geo(x.shape, w.shape, y.shape, stride, padding, dilation, groups)
    g = groups
    wmat = xp.ascontiguousarray(w).reshape(g, O // g, -1)
    M, Ncols, K = O // g, N * math.prod(out), wmat.shape[2]
    _gemm("conv_fwd", wmat, _spatial3(x), _spatial3(y), b, geo, g, M, Ncols, K, True, True)
    return y


def conv_grad_input(gy, w, x_shape, stride, padding, dilation, groups):
    """Gradient of ``conv_forward`` in x (transposed convolution), as implicit GEMM.

    gy: (N, O, *Y); w: (O, C // groups, *K); x_shape: (N, C, *S). Returns gx of shape x_shape
    (positions no window reads get zeros).
    """
    xp = array_module(gy)
    dt = np.result_type(gy.dtype, w.dtype)
    x_shape = tuple(x_shape)
    if dt not in _FLOATS:
        return _generic._conv_grad_input(xp, gy, w, x_shape, stride, padding, dilation, groups)
    gy, w = _common(xp, dt, gy, w)
    gx = xp.empty(x_shape, dtype=dt)
    geo = _conv_geo(x_shape, w.shape, gy.shape, stride, padding, dilation, groups)
    g = groups
    M = x_shape[1] // g
    Ncols = x_shape[0] * math.prod(x_shape[2:])
    K = w.shape[0] // g * math.prod(w.shape[2:])
    _gemm("conv_gx", _spatial3(w), _spatial3(gy), _spatial3(gx), None, geo, g, M, Ncols, K,
          True, True)  # fmt: skip
    return gx


def conv_grad_weight(x, gy, w_shape, stride, padding, dilation, groups):
    """Gradient of ``conv_forward`` in w, as implicit GEMM with split-K over the batch and
    output positions.

    x: (N, C, *S); gy: (N, O, *Y); w_shape: (O, C // groups, *K). Returns gw of shape w_shape.
    """
    xp = array_module(x)
    dt = np.result_type(x.dtype, gy.dtype)
    w_shape = tuple(w_shape)
    if dt not in _FLOATS:
        return _generic._conv_grad_weight(xp, x, gy, w_shape, stride, padding, dilation, groups)
    x, gy = _common(xp, dt, x, gy)
    geo = _conv_geo(x.shape, w_shape, gy.shape, stride, padding, dilation, groups)
    g = groups
    M, Ncols = w_shape[0] // g, math.prod(w_shape[1:])
    K = gy.shape[0] * math.prod(gy.shape[2:])
    gw = xp.empty((g, M, Ncols), dtype=dt)
    _gemm("conv_gw", _spatial3(gy), _spatial3(x), gw, None, geo, g, M, Ncols, K, True, False,
          split=True)  # fmt: skip
    return gw.reshape(w_shape)


# -- pooling ------------------------------------------------------------------------------------


def _as4(a):
    """(N, C, *S) as (N C, D, H, W): a view when N and C merge, else a copy."""
    a5 = _spatial3(a)
    return a5.reshape((a5.shape[0] * a5.shape[1],) + a5.shape[2:])


def _pool_geo(kernel, stride, padding, dilation):
    return tuple(
        int(v) for v in _pad3(kernel, 1) + _pad3(stride, 1) + _pad3(padding, 0) + _pad3(dilation, 1)
    )


def _pool_launch(which, dtype, total, like, *args):
    kern = _nc().pool_kernels(np.dtype(dtype))[which]
    if total:
        _launch(kern, *_nc().grid_1d(total), like, *args)


def max_pool_forward(x, kernel, stride, padding, dilation, ceil_mode):
    """Max pooling over d spatial dims (padding is -inf), one GPU thread per output.

    x: (N, C, *S); kernel, stride, padding, dilation: d ints; ceil_mode: bool. Returns
    ``(y, indices)``, both (N, C, *Y): indices the window-offset (C-order) position of each
    maximum in the smallest signed integer dtype that holds it, exactly as the numpy set (the
    first maximum wins; a NaN wins, the last one).
    """
    xp = array_module(x)
    if x.dtype not in _POOL_DTYPES:
        return _generic._max_pool_forward(xp, x, kernel, stride, padding, dilation, ceil_mode)
    out = tuple(
        _generic._pool_out_size(n, k, s, p, d, ceil_mode)
        for n, k, s, p, d in zip(x.shape[2:], kernel, stride, padding, dilation)
    )
    shape = x.shape[:2] + out
    y = xp.empty(shape, dtype=x.dtype)
    idx = xp.empty(shape, dtype=_generic._index_dtype(xp, kernel))
    fill = x.dtype.type(-np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min)
    geo = _pool_geo(kernel, stride, padding, dilation)
    _pool_launch(0, x.dtype, y.size, x, _as4(x), _as4(y), _as4(idx), fill, geo)
    return y, idx


def max_pool_backward(gy, indices, x_shape, kernel, stride, padding, dilation):
    """Gradient of ``max_pool_forward``: each gy goes to its window's maximum, summed where
    windows overlap (a gather per input position: deterministic).

    gy, indices: (N, C, *Y); x_shape: (N, C, *S). Returns gx of shape x_shape.
    """
    xp = array_module(gy)
    x_shape = tuple(x_shape)
    if gy.dtype not in _POOL_DTYPES:
        return _generic._max_pool_backward(
            xp, gy, indices, x_shape, kernel, stride, padding, dilation
        )
    gx = xp.empty(x_shape, dtype=gy.dtype)
    geo = _pool_geo(kernel, stride, padding, dilation)
    _pool_launch(1, gy.dtype, gx.size, gy, _as4(gy), _as4(indices), _as4(gx), geo)
    return gx


def avg_pool_forward(x, kernel, stride, padding, ceil_mode, count_include_pad):
    """Average pooling over d spatial dims (zero padding), one GPU thread per output.

    x: (N, C, *S); kernel, stride, padding: d ints; ceil_mode, count_include_pad: bool (the
    divisor as PyTorch's). Returns y (N, C, *Y).
    """
    xp = array_module(x)
    if x.dtype not in _FLOATS:
        return _generic._avg_pool_forward(
            xp, x, kernel, stride, padding, ceil_mode, count_include_pad
        )
    out = tuple(
        _generic._pool_out_size(n, k, s, p, 1, ceil_mode)
        for n, k, s, p in zip(x.shape[2:], kernel, stride, padding)
    )
    y = xp.empty(x.shape[:2] + out, dtype=x.dtype)
    geo = _pool_geo(kernel, stride, padding, (1,) * len(kernel))
    _pool_launch(2, x.dtype, y.size, x, _as4(x), _as4(y), geo, bool(count_include_pad))
    return y


def avg_pool_backward(gy, x_shape, kernel, stride, padding, count_include_pad):
    """Gradient of ``avg_pool_forward`` (its adjoint), one GPU thread per input position.

    gy: (N, C, *Y); x_shape: (N, C, *S). Returns gx of shape x_shape.
    """
    xp = array_module(gy)
    x_shape = tuple(x_shape)
    if gy.dtype not in _FLOATS:
        return _generic._avg_pool_backward(
            xp, gy, x_shape, kernel, stride, padding, count_include_pad
        )
    gx = xp.empty(x_shape, dtype=gy.dtype)
    geo = _pool_geo(kernel, stride, padding, (1,) * len(kernel))
    _pool_launch(3, gy.dtype, gx.size, gy, _as4(gy), _as4(gx), geo, bool(count_include_pad))
    return gx


def smoke_test() -> None:
    """Compile, load and run the smallest kernel on a cupy array; raises what goes wrong (an old
    driver, a broken toolkit). ``backends.available()`` calls it once."""
    import cupy

    a = cupy.zeros(1, dtype=cupy.float32)
    _launch(_nc().fill_one, (1,), (1,), a, a, np.float32(1.0))
    if float(a.get()[0]) != 1.0:
        raise RuntimeError("a numba.cuda kernel ran but did not write its output")
