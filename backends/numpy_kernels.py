"""The ``numpy`` kernel set: the CPU hot path (BLAS matmul, im2col convolution, pooling).

Every kernel set exports the same functions with the same signatures; the ops call them through
``backends.kernels(array)`` and write their derivatives once for all sets. The convolution and
pooling kernels here are written against an array module ``xp`` (private ``_name(xp, ...)``
functions), so the ``cupy`` set runs the same im2col + GEMM code on the GPU; the public
functions bind ``xp = numpy``.

Shapes and conventions shared by every kernel set (``d`` = number of spatial dims, 1 to 3):

* ``x``: input ``(N, C, *S)``; ``w``: conv weight ``(O, C // groups, *K)``; ``y``/``gy``: output
  (or its gradient) ``(N, O, *Y)``.
* ``stride``, ``dilation``, ``kernel``: tuples of ``d`` ints.
* ``padding``: a tuple of ``d`` ``(lo, hi)`` pairs of non-negative ints (implicit zeros, or
  ``-inf`` for max pooling, added before and after each spatial dim). Symmetric padding ``p``
  is ``(p, p)``; PyTorch's ``'same'`` with an even kernel is ``(t // 2, t - t // 2)``.
* Output size along a dim: ``Y = (S + lo + hi - dilation * (K - 1) - 1) // stride + 1``.

How the convolution is done: im2col gathers every receptive field with a strided view (no loop
over pixels) into ``cols`` of shape ``(n, C * prod(K), prod(Y))`` for a chunk of ``n`` samples;
the forward is the batched GEMM ``w2 @ cols`` (``w2 = w.reshape(O, -1)``, output already in
``(N, O, *Y)`` order), grad-weight is ``sum_n gy[n] @ cols[n]^T``, and grad-input is
``w2^T @ gy`` followed by col2im: one strided add per kernel offset (``prod(K)`` adds of whole
slabs), never ``add.at``; for a stride-1 ``'same'`` conv each offset is instead one shifted
contiguous add per sample (``_flat_plan``). The bias rides in the forward GEMM as one more
column against a row of ones. Groups are a batch dim of the GEMMs. The batch is processed in
chunks so ``cols`` stays within ``_CHUNK_BYTES`` (cache-friendly, and bounded memory for big
layers); on the CPU, for convs of at least ``_PARALLEL_FLOPS``, the chunks run on a thread pool
(BLAS one thread per call meanwhile) and reuse per-thread work buffers. Outputs of at most
``_CN_MAX_POSITIONS`` positions per sample (small images) take ``_conv_cn`` instead, which lays
the batch innermost so each kernel is one GEMM per group over the whole chunk.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import threading

import numpy as np

from . import _conv_cn

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

name = "numpy"

# the im2col buffer of one batch chunk stays below this many bytes (on the GPU: memory, not cache)
_CHUNK_BYTES = 2 << 20
_GPU_CHUNK_BYTES = 256 << 20
# below this many flops a conv runs on the calling thread only (BLAS may still thread its GEMMs):
# LeNet's convs (11 and 20 MFLOP) ran 8% slower per train step on a 2-thread pool than without
_PARALLEL_FLOPS = 50_000_000


def matmul(x, y):
    """Matrix product with numpy.matmul semantics (BLAS GEMM underneath).

    x: (..., n, k) or (k,); y: (..., k, m) or (k,). Returns (..., n, m) with batch dims broadcast.
    A batched x times a 2-D y is one GEMM over the flattened rows: numpy.matmul would run one
    small GEMM per batch index (5x slower for (8, 128, 64) @ (64, 64)).
    """
    if x.ndim > 2 and y.ndim == 2:
        lead = x.shape[:-1]
        out = np.matmul(x.reshape(math.prod(lead), x.shape[-1]), y)
        return out.reshape(lead + (y.shape[1],))
    return np.matmul(x, y)


# -- geometry -----------------------------------------------------------------------------------


def _out_size(n, k, s, lo, hi, d=1):
    """Output length along one dim: (n + lo + hi - d (k - 1) - 1) // s + 1."""
    return (n + lo + hi - d * (k - 1) - 1) // s + 1


def _pool_out_size(n, k, s, p, d, ceil_mode):
    """PyTorch's pooling output length; with ceil_mode the last window must start in-bounds."""
    span = n + 2 * p - d * (k - 1) - 1
    if not ceil_mode:
        return span // s + 1
    m = -(-span // s) + 1
    if (m - 1) * s >= n + p:
        m -= 1
    return m


def _valid(n, lo, off, s, m):
    """Which outputs of one dim read real input at kernel offset ``off`` (already x dilation).

    Output o reads input position h = o * s + off - lo. Returns ``(out_slice, in_slice)`` over
    the o with 0 <= h < n, or None when there are none.
    """
    o_lo = max(0, -(-(lo - off) // s))
    o_hi = min(m, (n - 1 + lo - off) // s + 1)
    if o_hi <= o_lo:
        return None
    h_lo = o_lo * s + off - lo
    return slice(o_lo, o_hi), slice(h_lo, h_lo + (o_hi - o_lo - 1) * s + 1, s)


def _offset_slices(kernel, stride, dilation, out):
    """For each kernel offset (C order), the slices of a padded input that it reads for every
    output: ``k * d : k * d + s * (m - 1) + 1 : s`` per dim."""
    for ks in itertools.product(*(range(k) for k in kernel)):
        yield tuple(
            slice(k * d, k * d + s * (m - 1) + 1, s)
            for k, d, s, m in zip(ks, dilation, stride, out)
        )


def _valid_offsets(in_shape, kernel, stride, padding, dilation, out):
    """For each kernel offset (index j in C order), ``(j, out_slices, in_slices)`` restricted to
    the outputs that read real (unpadded) input; offsets that read only padding are skipped."""
    for j, ks in enumerate(itertools.product(*(range(k) for k in kernel))):
        o_sl, i_sl = [], []
        for n, k, s, (lo, _), d, m in zip(in_shape, ks, stride, padding, dilation, out):
            v = _valid(n, lo, k * d, s, m)
            if v is None:
                break
            o_sl.append(v[0])
            i_sl.append(v[1])
        else:
            yield j, tuple(o_sl), tuple(i_sl)


def _pad(xp, x, padding, value=0):
    """x (N, C, *S) with ``padding`` ((lo, hi) per spatial dim) filled with ``value``."""
    if not any(lo or hi for lo, hi in padding):
        return x
    shape = x.shape[:2] + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], padding))
    out = xp.full(shape, value, dtype=x.dtype) if value else xp.zeros(shape, dtype=x.dtype)
    inner = tuple(slice(lo, lo + n) for n, (lo, _) in zip(x.shape[2:], padding))
    out[(slice(None), slice(None)) + inner] = x
    return out


# per-thread reusable work buffers of the CPU kernels (see _scratch)
_tls = threading.local()


def _scratch(xp, key, shape, dtype):
    """A work buffer of ``shape`` that this thread reuses from call to call (CPU only).

    Fresh multi-megabyte arrays cost page faults on first touch, and on a VM those serialise
    between threads; the conv chunks reuse one buffer per purpose instead. A buffer is only
    ever used inside one kernel call, never returned. ``key`` names the purpose; the buffer is
    grown as needed and its first ``prod(shape)`` elements are returned, so its content is
    arbitrary. On the GPU (CuPy's memory pool already recycles) a fresh array is returned.
    """
    if xp is not np:
        return xp.empty(shape, dtype=dtype)
    bufs = getattr(_tls, "bufs", None)
    if bufs is None:
        bufs = _tls.bufs = {}
    size = math.prod(shape) * np.dtype(dtype).itemsize
    if size > 4 * _CHUNK_BYTES:  # a one-sample chunk of a huge layer: not kept after the call
        return np.empty(shape, dtype=dtype)
    buf = bufs.get(key)
    if buf is None or buf.size < size:
        buf = bufs[key] = np.empty(max(size, 1), dtype=np.uint8)
    return buf[:size].view(dtype).reshape(shape)


def _pad_into(xp, x, padding):
    """x (n, C, *S) zero-padded into this thread's reusable pad buffer (CPU), else _pad.

    The buffer is kept per (shape, padding, dtype) so its border, zeroed once, stays zero:
    each call writes only the interior.
    """
    if xp is not np or not any(lo or hi for lo, hi in padding):
        return _pad(xp, x, padding)
    shape = x.shape[:2] + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], padding))
    bufs = getattr(_tls, "pads", None)
    if bufs is None:
        bufs = _tls.pads = {}
    key = (shape, tuple(map(tuple, padding)), x.dtype.str)  # the border's place matters
    out = bufs.get(key)
    if out is None:
        if len(bufs) >= 4:  # a few layer shapes at a time; beyond that, start over
            bufs.clear()
        out = bufs[key] = np.zeros(shape, dtype=x.dtype)
    inner = tuple(slice(lo, lo + n) for n, (lo, _) in zip(x.shape[2:], padding))
    out[(slice(None), slice(None)) + inner] = x
    return out


def _as_strided(xp, a, shape, strides):
    if xp is np:
        return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=False)
    return xp.lib.stride_tricks.as_strided(a, shape, strides)


def _im2col(xp, xpad, kernel, stride, dilation, out, extra=0):
    """cols (n, C * prod(K) + extra, prod(Y)) from a padded input chunk xpad (n, C, *P).

    A strided view (n, C, *K, *Y) exposes every receptive field without copying; one copy puts
    it in this thread's reusable ``cols`` buffer (see _scratch), already in the GEMM's row order
    (c, k...) and column order (y...). The ``extra`` rows after those are left to the caller
    (the forward puts a row of ones there to fold the bias into the GEMM).
    """
    n, c = xpad.shape[:2]
    st = xpad.strides
    sp = st[2:]
    kernel, out = tuple(kernel), tuple(out)
    k_strides = tuple(a * d for a, d in zip(sp, dilation))
    y_strides = tuple(a * s for a, s in zip(sp, stride))
    view = _as_strided(xp, xpad, (n, c) + kernel + out, st[:2] + k_strides + y_strides)
    ck = c * math.prod(kernel)
    cols = _scratch(xp, "cols", (n, ck + extra, math.prod(out)), xpad.dtype)
    dst = cols[:, :ck] if extra else cols
    _split(xp, dst, (n, c) + kernel + out)[...] = view
    return cols


def _split(xp, a, shape):
    """A view of ``a`` with its dims split into ``shape`` (never a copy: writes go through)."""
    v = a.reshape(shape)  # only ever splits dims, which NumPy and CuPy do as a view
    if xp is np and a.size and not np.may_share_memory(v, a):
        raise AssertionError(f"reshape of {a.shape} to {shape} copied")
    return v


def _num_threads() -> int:
    """Worker threads for batch-parallel kernels: TAPEGRAD_NUM_THREADS, else OMP_NUM_THREADS
    (what ``python -m benchmarks --threads`` sets), else the CPUs this process may run on."""
    for var in ("TAPEGRAD_NUM_THREADS", "OMP_NUM_THREADS"):
        v = os.environ.get(var, "").strip()
        if v.isdigit() and int(v) > 0:
            return int(v)
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# the executor and (pid, workers) it was made for: a forked child or a new count makes another
_pool = [None, None]


def _executor(workers):
    pool, key = _pool
    if pool is None or key != (os.getpid(), workers):
        from concurrent.futures import ThreadPoolExecutor

        if pool is not None and key[0] == os.getpid():
            pool.shutdown(wait=False)  # a different thread count was asked for
        pool = ThreadPoolExecutor(workers, thread_name_prefix="tapegrad-kernel")
        _pool[:] = [pool, (os.getpid(), workers)]
    return pool


def _batched(xp, n, per_sample_bytes, flops, fn):
    """Run ``fn(batch_slice)`` over slices covering range(n) and return the results in order.

    Slices keep each im2col buffer within _CHUNK_BYTES. On the CPU, when the work is big enough,
    there are at least as many slices as worker threads and they run on a thread pool: NumPy
    copies and BLAS calls release the GIL, and BLAS alone threads small GEMMs poorly.
    """
    if n == 0:
        return []
    workers = _num_threads() if xp is np and flops >= _PARALLEL_FLOPS else 1
    workers = min(workers, n)
    budget = _CHUNK_BYTES if xp is np else _GPU_CHUNK_BYTES
    count = max(workers, -(-n * per_sample_bytes // budget))
    count = min(n, -(-count // workers) * workers)  # a multiple of the workers, when n allows
    step = -(-n // count)
    slices = [slice(a, min(n, a + step)) for a in range(0, n, step)]
    if workers <= 1 or len(slices) == 1:
        return [fn(sl) for sl in slices]
    with _blas_single_threaded():
        return list(_executor(workers).map(fn, slices))


# BLAS libraries whose thread count _blas_single_threaded lowers, and the nesting state
_blas = {"libs": None, "depth": 0, "saved": ()}
_blas_lock = threading.Lock()


def _blas_libs():
    """threadpoolctl's controllers of the loaded BLAS libraries ([] without threadpoolctl)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - a declared dependency
        return []
    try:
        return list(ThreadpoolController().select(user_api="blas").lib_controllers)
    except Exception:  # pragma: no cover - an unusual BLAS threadpoolctl cannot drive
        return []


class _blas_single_threaded:
    """While the kernel threads run, each BLAS call runs on its calling thread only.

    The batch is already split over the worker threads; a BLAS that also threads every call
    would put two runtimes on the same cores (measured here: 20% slower at 2 threads). BLAS
    thread counts are process-wide, so the outermost of nested or concurrent entries lowers
    them and the last to leave restores them.
    """

    def __enter__(self):
        with _blas_lock:
            if _blas["libs"] is None:  # the counts to restore, read once: never a lowered one
                _blas["libs"] = _blas_libs()
                _blas["saved"] = tuple(lib.num_threads for lib in _blas["libs"])
            if _blas["depth"] == 0:
                for lib, n in zip(_blas["libs"], _blas["saved"]):
                    if n > 1:
                        lib.set_num_threads(1)
            _blas["depth"] += 1

    def __exit__(self, *exc):
        with _blas_lock:
            _blas["depth"] -= 1
            if _blas["depth"] == 0:
                for lib, n in zip(_blas["libs"], _blas["saved"]):
                    if n > 1:
                        lib.set_num_threads(n)
        return False


def _conv_out(x_shape, w_shape, stride, padding, dilation):
    return tuple(
        _out_size(n, k, s, lo, hi, d)
        for n, k, s, (lo, hi), d in zip(x_shape[2:], w_shape[2:], stride, padding, dilation)
    )


# -- convolution ----------------------------------------------------------------------------------

# outputs of at most this many positions per sample take the batch-innermost path (_conv_cn)
_CN_MAX_POSITIONS = 256


def _cn(out):
    """Whether a conv with output grid ``out`` runs batch-innermost (see ``_conv_cn``)."""
    return math.prod(out) <= _CN_MAX_POSITIONS


def _conv_forward(xp, x, w, b, stride, padding, dilation, groups):
    N, C = x.shape[:2]
    O = w.shape[0]
    kernel = w.shape[2:]
    out = _conv_out(x.shape, w.shape, stride, padding, dilation)
    if _cn(out):
        return _conv_cn.forward(
            xp,
            _as_strided,
            functools.partial(_batched, xp),
            x,
            w,
            b,
            stride,
            padding,
            dilation,
            groups,
            out,
        )
    ck, L, g = C * math.prod(kernel), math.prod(out), groups
    dtype = xp.result_type(x, w)
    y = xp.empty((N, O, L), dtype=dtype)
    fold = b is not None and g == 1
    if fold:  # the bias as one more GEMM column against a row of ones in cols
        w2 = xp.empty((1, O, ck + 1), dtype=dtype)
        w2[0, :, :ck] = w.reshape(O, ck)
        w2[0, :, ck] = b
    else:
        w2 = w.reshape(g, O // g, ck // g)
    bias = None if b is None or fold else b.reshape(O, 1)

    def run(sl):
        xpad = _pad_into(xp, x[sl], padding)
        cols = _im2col(xp, xpad, kernel, stride, dilation, out, extra=int(fold))
        if fold:
            cols[:, ck] = 1
        if g == 1:  # (O, CK) @ (n, CK, L) -> (n, O, L): already y's layout
            xp.matmul(w2[0], cols, out=y[sl])
        else:  # (g, O/g, CK/g) @ (n, g, CK/g, L) -> (n, g, O/g, L)
            y[sl] = xp.matmul(w2, cols.reshape(-1, g, ck // g, L)).reshape(-1, O, L)
        if bias is not None:  # while this chunk of y is still in cache
            y[sl] += bias

    _batched(xp, N, ck * L * x.itemsize, 2 * N * O * ck // g * L, run)
    return y.reshape((N, O) + out)


def _conv_grad_weight(xp, x, gy, w_shape, stride, padding, dilation, groups):
    N, C = x.shape[:2]
    O = w_shape[0]
    kernel = tuple(w_shape[2:])
    out = tuple(gy.shape[2:])
    if _cn(out):
        return _conv_cn.grad_weight(
            xp,
            _as_strided,
            functools.partial(_batched, xp),
            x,
            gy,
            w_shape,
            stride,
            padding,
            dilation,
            groups,
        )
    ck, L, g = C * math.prod(kernel), math.prod(out), groups
    gy4 = gy.reshape(N, g, O // g, L)

    def run(sl):
        cols = _im2col(xp, _pad_into(xp, x[sl], padding), kernel, stride, dilation, out)
        cols = cols.reshape(-1, g, ck // g, L)
        # sum_n gy[n] (O/g, L) @ cols[n]^T (L, CK/g): BLAS reads the transposed view as is
        return xp.matmul(gy4[sl], cols.swapaxes(-1, -2)).sum(axis=0)

    # per sample: its im2col block and its (O, CK/g) term of the sum
    per_sample = (ck * L + O * ck // g) * x.itemsize
    parts = _batched(xp, N, per_sample, 2 * N * O * ck // g * L, run)
    if not parts:  # an empty batch
        return xp.zeros(w_shape, dtype=xp.result_type(x, gy))
    gw = parts[0]
    for p in parts[1:]:
        gw += p
    return gw.reshape(w_shape)


def _flat_plan(S, kernel, padding, dilation):
    """col2im by whole-image shifts, for a stride-1 conv whose output grid equals its input
    grid (``'same'`` padding). Kernel offset k moves every output position by the same flat
    amount in the input, ``shift = sum_i o_i * prod(S[i + 1:])`` with ``o_i = k_i d_i - lo_i``,
    so each offset's gradient block is added to the input gradient as one shifted contiguous
    slab per sample. Output positions whose target falls off the image (``y_i + o_i`` outside
    ``[0, S_i)``) would land in a neighbouring row, channel or sample instead; they are zeroed
    first, so what lands there adds nothing.

    Returns ``(zero, shifts)``: ``zero`` lists index tuples into gcols viewed as
    ``(n, g, *K, C/g, *S)`` to set to 0 (one per dim and kernel index); ``shifts`` the
    ``(j, shift)`` of every kernel offset (C order) that reads some real input.
    """
    d = len(S)
    zero = []
    for i, (n, k, dl, (lo, _)) in enumerate(zip(S, kernel, dilation, padding)):
        for ki in range(k):
            o = ki * dl - lo
            if o:
                bad = slice(0, min(n, -o)) if o < 0 else slice(max(0, n - o), n)
                kidx = (slice(None),) * i + (ki,) + (slice(None),) * (d - 1 - i)
                oidx = (slice(None),) * i + (bad,) + (slice(None),) * (d - 1 - i)
                zero.append((slice(None), slice(None)) + kidx + (slice(None),) + oidx)
    shifts = []
    for j, ks in enumerate(itertools.product(*(range(k) for k in kernel))):
        offs = [k * dl - lo for k, dl, (lo, _) in zip(ks, dilation, padding)]
        if all(abs(o) < n for o, n in zip(offs, S)):
            shifts.append((j, sum(o * math.prod(S[i + 1 :]) for i, o in enumerate(offs))))
    return zero, shifts


def _conv_grad_input(xp, gy, w, x_shape, stride, padding, dilation, groups):
    N, C = x_shape[:2]
    S = tuple(x_shape[2:])
    O = w.shape[0]
    kernel = tuple(w.shape[2:])
    out = tuple(gy.shape[2:])
    if _cn(out):
        return _conv_cn.grad_input(
            xp, functools.partial(_batched, xp), gy, w, x_shape, stride, padding, dilation, groups
        ).reshape(x_shape)
    kk, L, g = math.prod(kernel), math.prod(out), groups
    cg = C // g
    dtype = xp.result_type(gy, w)
    # rows ordered (k..., c) so each kernel offset's block of gcols is one contiguous slab
    wt = w.reshape(g, O // g, cg, kk).transpose(0, 3, 2, 1).reshape(g, kk * cg, O // g)
    gy4 = gy.reshape(N, g, O // g, L)
    flat = all(s == 1 for s in stride) and out == S
    # the flat col2im writes every element of its chunk of gx
    gx = (xp.empty if flat else xp.zeros)((N, g, cg) + S, dtype=dtype)
    lead = (slice(None),) * 3
    if flat:  # every offset is one contiguous add per sample (see _flat_plan)
        zero, shifts = _flat_plan(S, kernel, padding, dilation)
        margin = max((abs(sh) for _, sh in shifts), default=0)
        gxf = gx.reshape(N * g, cg * L)
    else:  # one strided add per kernel offset
        offsets = list(_valid_offsets(S, kernel, stride, padding, dilation, out))

    def run(sl):
        # gcols (n, g, K*C/g, L) = w^T @ gy: what each receptive field element receives
        n = sl.stop - sl.start
        gcols = _scratch(xp, "gcols", (n, g, kk * cg, L), dtype)
        xp.matmul(wt, gy4[sl], out=gcols)
        if flat:
            gcv = gcols.reshape((n, g) + kernel + (cg,) + S)
            for idx in zero:
                gcv[idx] = 0
            rows, width = n * g, cg * L
            # this chunk's sum, with a margin for what the shifts spill past its ends: a
            # buffer of its own, so no two threads ever touch the same element
            acc = _scratch(xp, "col2im", (rows * width + 2 * margin,), dtype)
            acc[...] = 0
            src = gcols.reshape(rows, kk, width)
            for j, sh in shifts:
                start = margin + sh
                acc[start : start + rows * width].reshape(rows, width)[...] += src[:, j]
            gxf[sl.start * g : sl.stop * g] = acc[margin : margin + rows * width].reshape(
                rows, width
            )
            return
        gcols = gcols.reshape((n, g, kk, cg) + out)
        gxc = gx[sl]
        for j, o_sl, i_sl in offsets:
            gxc[lead + i_sl] += gcols[(slice(None), slice(None), j, slice(None)) + o_sl]

    _batched(xp, N, C * kk * L * gy.itemsize, 2 * N * O * cg * kk * L, run)
    return gx.reshape(x_shape)


def conv_forward(x, w, b, stride, padding, dilation, groups):
    """N-D cross-correlation (PyTorch's convolution) plus an optional bias.

    x: (N, C, *S); w: (O, C // groups, *K); b: (O,) or None; stride, dilation: d ints;
    padding: d (lo, hi) pairs; groups: divides C and O. Returns y (N, O, *Y) with
    Y = (S + lo + hi - dilation * (K - 1) - 1) // stride + 1, in x's dtype.
    """
    return _conv_forward(np, x, w, b, stride, padding, dilation, groups)


def conv_grad_input(gy, w, x_shape, stride, padding, dilation, groups):
    """Gradient of ``conv_forward`` with respect to x (also: transposed convolution's forward).

    gy: (N, O, *Y); w: (O, C // groups, *K); x_shape: (N, C, *S), the input's shape (it may have
    rows past the last window, which receive zeros). Returns gx of shape x_shape.
    """
    return _conv_grad_input(np, gy, w, tuple(x_shape), stride, padding, dilation, groups)


def conv_grad_weight(x, gy, w_shape, stride, padding, dilation, groups):
    """Gradient of ``conv_forward`` with respect to w.

    x: (N, C, *S); gy: (N, O, *Y); w_shape: (O, C // groups, *K). Returns gw of shape w_shape.
    """
    return _conv_grad_weight(np, x, gy, tuple(w_shape), stride, padding, dilation, groups)


# -- pooling --------------------------------------------------------------------------------------


def _pool_geometry(S, kernel, stride, padding, dilation, out):
    """Padding (lo, hi) per dim so that every one of ``out`` windows lies in the padded input."""
    return tuple(
        (p, max(p, (m - 1) * s + d * (k - 1) + 1 - n - p))
        for n, k, s, p, d, m in zip(S, kernel, stride, padding, dilation, out)
    )


def _index_dtype(xp, kernel):
    """The smallest signed integer dtype that holds a window-offset index."""
    kk = math.prod(kernel)
    return xp.int8 if kk <= 127 else xp.int16 if kk <= 32767 else xp.int32


def _max_pool_forward(xp, x, kernel, stride, padding, dilation, ceil_mode):
    S = x.shape[2:]
    out = tuple(
        _pool_out_size(n, k, s, p, d, ceil_mode)
        for n, k, s, p, d in zip(S, kernel, stride, padding, dilation)
    )
    pads = _pool_geometry(S, kernel, stride, padding, dilation, out)
    floating = x.dtype.kind == "f"
    fill = -xp.inf if floating else xp.iinfo(x.dtype).min
    xpad = _pad(xp, x, pads, fill)
    # the NaN-aware compare only when needed; on a GPU always (the test would be a host sync)
    nan = floating and (xp is not np or bool(xp.isnan(x).any()))
    lead = (slice(None), slice(None))
    y = idx = None
    for j, sl in enumerate(_offset_slices(kernel, stride, dilation, out)):
        v = xpad[lead + sl]
        if y is None:
            y = v.copy()
            idx = xp.zeros(y.shape, dtype=_index_dtype(xp, kernel))
            continue
        m = v > y  # the first maximum wins; a NaN wins (the last one), as in PyTorch
        if nan:
            m |= xp.isnan(v)
        idx += m * (j - idx)  # idx = where(m, j, idx), without where's scalar broadcast
        xp.maximum(y, v, out=y)  # NaN-propagating, so y matches the value at idx
    return y, idx


def _max_pool_backward(xp, gy, indices, x_shape, kernel, stride, padding, dilation):
    S = tuple(x_shape[2:])
    out = tuple(gy.shape[2:])
    pads = tuple((p, p) for p in padding)
    gx = xp.zeros(tuple(x_shape), dtype=gy.dtype)
    lead = (slice(None), slice(None))
    zero = xp.zeros((), dtype=gy.dtype)
    # gy * mask is ~10x faster than where (no branch per element) but spreads a non-finite gy
    # over the window as NaN, so it is used only when gy is finite
    # (on a GPU where always: the finiteness test would be a host sync)
    finite = gy.dtype.kind != "f" or (xp is np and bool(xp.isfinite(gy).all()))
    # windows that cannot overlap write each input position once: assign instead of add
    disjoint = all(s >= d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))
    for j, o_sl, i_sl in _valid_offsets(S, kernel, stride, pads, dilation, out):
        o = lead + o_sl
        hit = indices[o] == j
        g = gy[o] * hit if finite else xp.where(hit, gy[o], zero)
        if disjoint:
            gx[lead + i_sl] = g
        else:
            gx[lead + i_sl] += g
    return gx


def _divisor(xp, S, kernel, stride, padding, out, count_include_pad, dtype):
    """The averaging divisor per output window, broadcastable to (N, C, *Y), or a Python int.

    As PyTorch: the window clipped to the padded input (count_include_pad) or to the input.
    """
    per_dim, uniform = [], True
    for n, k, s, p, m in zip(S, kernel, stride, padding, out):
        start = np.arange(m) * s - p
        end = np.minimum(start + k, n + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, n)
        cnt = end - start
        uniform &= bool((cnt == k).all())
        per_dim.append(cnt)
    if uniform:
        return math.prod(kernel)
    div = np.ones((), dtype=np.float64)
    for i, cnt in enumerate(per_dim):
        div = div[..., None] * cnt if i else cnt.astype(np.float64)
    return xp.asarray(div.astype(dtype))


def _box_sum(xp, a, axis, k, s, m):
    """Sum of k strided slices along ``axis``: out[o] = sum_j a[o * s + j] for o < m."""

    def sl(j):
        return (slice(None),) * axis + (slice(j, j + s * (m - 1) + 1, s),)

    out = a[sl(0)].copy()
    for j in range(1, k):
        out += a[sl(j)]
    return out


def _box_sum_t(xp, g, axis, k, s, length):
    """Adjoint of ``_box_sum``: spread g (..., m, ...) back over ``length`` positions."""
    m = g.shape[axis]
    shape = g.shape[:axis] + (length,) + g.shape[axis + 1 :]
    out = xp.zeros(shape, dtype=g.dtype)
    for j in range(k):
        out[(slice(None),) * axis + (slice(j, j + s * (m - 1) + 1, s),)] += g
    return out


def _avg_pool_forward(xp, x, kernel, stride, padding, ceil_mode, count_include_pad):
    S = x.shape[2:]
    ones = (1,) * len(S)
    out = tuple(
        _pool_out_size(n, k, s, p, 1, ceil_mode) for n, k, s, p in zip(S, kernel, stride, padding)
    )
    a = _pad(xp, x, _pool_geometry(S, kernel, stride, padding, ones, out))
    for i, (k, s, m) in enumerate(zip(kernel, stride, out)):  # separable: sum k per dim
        a = _box_sum(xp, a, 2 + i, k, s, m)
    a /= _divisor(xp, S, kernel, stride, padding, out, count_include_pad, x.dtype)
    return a


def _avg_pool_backward(xp, gy, x_shape, kernel, stride, padding, count_include_pad):
    S = tuple(x_shape[2:])
    out = tuple(gy.shape[2:])
    ones = (1,) * len(S)
    pads = _pool_geometry(S, kernel, stride, padding, ones, out)
    g = gy / _divisor(xp, S, kernel, stride, padding, out, count_include_pad, gy.dtype)
    for i in reversed(range(len(S))):
        (lo, hi), n = pads[i], S[i]
        g = _box_sum_t(xp, g, 2 + i, kernel[i], stride[i], n + lo + hi)
        g = g[(slice(None),) * (2 + i) + (slice(lo, lo + n),)]
    return xp.ascontiguousarray(g)


def max_pool_forward(x, kernel, stride, padding, dilation, ceil_mode):
    """Max pooling over d spatial dims, padding with -inf.

    x: (N, C, *S); kernel, stride, dilation: d ints; padding: d ints (symmetric, at most half
    the dilated kernel); ceil_mode: bool (PyTorch's output-size rule). Returns ``(y, indices)``,
    both (N, C, *Y): y in x's dtype; indices the position of each window's maximum as a C-order
    index into the kernel window (0 <= index < prod(kernel)), in the smallest signed integer
    dtype that holds it (int8 up to 127 kernel elements). The first maximum wins; NaN propagates.
    """
    return _max_pool_forward(np, x, kernel, stride, padding, dilation, ceil_mode)


def max_pool_backward(gy, indices, x_shape, kernel, stride, padding, dilation):
    """Gradient of ``max_pool_forward``: each gy goes to its window's maximum (summed where
    windows overlap).

    gy, indices: (N, C, *Y), indices from max_pool_forward; x_shape: (N, C, *S). Returns gx of
    shape x_shape.
    """
    return _max_pool_backward(np, gy, indices, x_shape, kernel, stride, padding, dilation)


def avg_pool_forward(x, kernel, stride, padding, ceil_mode, count_include_pad):
    """Average pooling over d spatial dims, padding with zeros.

    x: (N, C, *S); kernel, stride: d ints; padding: d ints (symmetric); ceil_mode: bool;
    count_include_pad: whether padded zeros count in the divisor (PyTorch's default True).
    Returns y (N, C, *Y).
    """
    return _avg_pool_forward(np, x, kernel, stride, padding, ceil_mode, count_include_pad)


def avg_pool_backward(gy, x_shape, kernel, stride, padding, count_include_pad):
    """Gradient of ``avg_pool_forward`` (its adjoint; the output size is read from gy).

    gy: (N, C, *Y); x_shape: (N, C, *S). Returns gx of shape x_shape.
    """
    return _avg_pool_backward(np, gy, x_shape, kernel, stride, padding, count_include_pad)
