"""The ``numba.cuda`` kernels behind the ``numba`` kernel set (imported only by that set).

One GEMM kernel template serves matmul and the three convolutions (implicit GEMM: the operand
tiles are gathered straight from x / w / gy, never materialised as im2col matrices):

    C[z][m, n] = sum_{k in this split} A(z, m, k) * B(z, k, n)

* a block computes a (BM, BN) tile of C, BM = TY * TM, BN = TX * TN, with TY x TX threads;
* the K loop walks BK-deep slabs: each thread loads its share of an A (BM, BK) and a B (BK, BN)
  tile into shared memory (zeros past the edges, so any shape works), then accumulates a TM x TN
  register block: thread (ty, tx) owns rows ty + i * TY and columns tx + j * TX. The next
  slab's global loads are issued into registers before the current slab's math (register
  double buffering), so their latency hides behind the FMAs;
* the load order of each operand follows its unit stride (``a_kmajor``: consecutive threads walk
  k, else m; ``b_nmajor``: n, else k) so global reads coalesce for transposed operands too;
* grid (ceil(N / BN), ceil(M / BM), Z): z = group * splits + split. A split-K slice covers
  ``kchunk`` of K and its partial tile goes to its own slab of C (summed by the caller), which
  keeps small-M, small-N, huge-K products (conv grad-weight) parallel and deterministic.

What A, B and C are comes from a *mode*, five device functions: ``load_a(A, g, m, k, geo,
zero)``, ``load_b(B, g, k, n, geo, zero)``, ``col(C, g, n, geo)`` (where output column n goes,
worked out once per column), ``store(C, z, g, m, col, value, geo)`` and ``row_bias(bias, g, m,
geo)`` (added to row m when the launch says there is a bias), where ``geo`` is a tuple of ints
with the mode's geometry. Convolutions are always 3-D here (1-D and 2-D add unit dims); their
geo = (Cg, Og, KD, KH, KW, D, H, W, OD, OH, OW, sd, sh, sw, pd, ph, pw, dd, dh, dw).

Pooling kernels are elementwise: one thread per output (forward) or input (backward, a gather
over the windows that hold it: no atomics, deterministic), over a (N, C, D, H, W) view.
"""

from __future__ import annotations

import functools
import math

import numba
from numba import cuda

# -- geometry helpers --------------------------------------------------------------------------


@cuda.jit(device=True, inline=True)
def _split4(i, a, b, c):
    """i -> (i0, i1, i2, i3) for a C-ordered (., a, b, c) index."""
    q = i // c
    i3 = i - q * c
    r = q // b
    i2 = q - r * b
    i0 = r // a
    return i0, r - i0 * a, i2, i3


# -- modes: plain (batched) matmul ---------------------------------------------------------------


@cuda.jit(device=True, inline=True)
def _mm_load_a(A, g, m, k, geo, zero):
    return A[g, m, k]


@cuda.jit(device=True, inline=True)
def _mm_load_b(B, g, k, n, geo, zero):
    return B[g, k, n]


@cuda.jit(device=True, inline=True)
def _plain_col(C, g, n, geo):
    return n


@cuda.jit(device=True, inline=True)
def _plain_store(C, z, g, m, col, v, geo):
    C[z, m, col] = v


@cuda.jit(device=True, inline=True)
def _plain_bias(bias, g, m, geo):
    return bias[m]


# -- modes: convolution forward, y[nb, o, p] = sum_(c, kk) w[o, c, kk] x[nb, c, p s + kk d - pad]
# A = w as (G, Og, Cg KD KH KW) (contiguous); B(k = (c, kd, kh, kw), n = (nb, od, oh, ow)) = x


@cuda.jit(device=True, inline=True)
def _wmat_load_a(A, g, m, k, geo, zero):
    return A[g, m, k]


@cuda.jit(device=True, inline=True)
def _fwd_load_b(X, g, k, n, geo, zero):
    c, kd, kh, kw = _split4(k, geo[2], geo[3], geo[4])
    nb, od, oh, ow = _split4(n, geo[8], geo[9], geo[10])
    i = od * geo[11] - geo[14] + kd * geo[17]
    j = oh * geo[12] - geo[15] + kh * geo[18]
    l = ow * geo[13] - geo[16] + kw * geo[19]
    if 0 <= i < geo[5] and 0 <= j < geo[6] and 0 <= l < geo[7]:
        return X[nb, g * geo[0] + c, i, j, l]
    return zero


@cuda.jit(device=True, inline=True)
def _fwd_col(Y, g, n, geo):
    return _split4(n, geo[8], geo[9], geo[10])  # (nb, od, oh, ow)


@cuda.jit(device=True, inline=True)
def _fwd_store(Y, z, g, m, col, v, geo):
    Y[col[0], g * geo[1] + m, col[1], col[2], col[3]] = v


@cuda.jit(device=True, inline=True)
def _fwd_bias(bias, g, m, geo):
    return bias[g * geo[1] + m]


# -- modes: grad-input, gx[nb, c, q] = sum_(o, kk) w[o, c, kk] gy[nb, o, (q + pad - kk d) / s]
# A(m = c, k = (o, kd, kh, kw)) = w; B(k, n = (nb, i, j, l)) = gy where the division is exact


@cuda.jit(device=True, inline=True)
def _gx_load_a(W, g, m, k, geo, zero):
    o, kd, kh, kw = _split4(k, geo[2], geo[3], geo[4])
    return W[g * geo[1] + o, m, kd, kh, kw]


@cuda.jit(device=True, inline=True)
def _gx_load_b(GY, g, k, n, geo, zero):
    o, kd, kh, kw = _split4(k, geo[2], geo[3], geo[4])
    nb, i, j, l = _split4(n, geo[5], geo[6], geo[7])
    ti = i + geo[14] - kd * geo[17]
    tj = j + geo[15] - kh * geo[18]
    tl = l + geo[16] - kw * geo[19]
    if ti < 0 or tj < 0 or tl < 0:
        return zero
    od = ti // geo[11]
    oh = tj // geo[12]
    ow = tl // geo[13]
    if od * geo[11] != ti or oh * geo[12] != tj or ow * geo[13] != tl:
        return zero
    if od < geo[8] and oh < geo[9] and ow < geo[10]:
        return GY[nb, g * geo[1] + o, od, oh, ow]
    return zero


@cuda.jit(device=True, inline=True)
def _gx_col(GX, g, n, geo):
    return _split4(n, geo[5], geo[6], geo[7])  # (nb, i, j, l)


@cuda.jit(device=True, inline=True)
def _gx_store(GX, z, g, m, col, v, geo):
    GX[col[0], g * geo[0] + m, col[1], col[2], col[3]] = v


# -- modes: grad-weight, gw[o, c, kk] = sum_(nb, p) gy[nb, o, p] x[nb, c, p s + kk d - pad]
# A(m = o, k = (nb, od, oh, ow)) = gy; B(k, n = (c, kd, kh, kw)) = x; C = (G splits, Og, CgK)


@cuda.jit(device=True, inline=True)
def _gw_load_a(GY, g, m, k, geo, zero):
    nb, od, oh, ow = _split4(k, geo[8], geo[9], geo[10])
    return GY[nb, g * geo[1] + m, od, oh, ow]


@cuda.jit(device=True, inline=True)
def _gw_load_b(X, g, k, n, geo, zero):
    nb, od, oh, ow = _split4(k, geo[8], geo[9], geo[10])
    c, kd, kh, kw = _split4(n, geo[2], geo[3], geo[4])
    i = od * geo[11] - geo[14] + kd * geo[17]
    j = oh * geo[12] - geo[15] + kh * geo[18]
    l = ow * geo[13] - geo[16] + kw * geo[19]
    if 0 <= i < geo[5] and 0 <= j < geo[6] and 0 <= l < geo[7]:
        return X[nb, g * geo[0] + c, i, j, l]
    return zero


# mode name -> (load_a, load_b, col, store, row_bias, a_kmajor, b_nmajor); None: chosen per call
MODES = {
    "mm": (_mm_load_a, _mm_load_b, _plain_col, _plain_store, _plain_bias, None, None),
    "conv_fwd": (_wmat_load_a, _fwd_load_b, _fwd_col, _fwd_store, _fwd_bias, True, True),
    "conv_gx": (_gx_load_a, _gx_load_b, _gx_col, _gx_store, _plain_bias, True, True),
    "conv_gw": (_gw_load_a, _gw_load_b, _plain_col, _plain_store, _plain_bias, True, False),
}


@functools.cache
def gemm_kernel(mode: str, dtype, tiles: tuple, a_kmajor: bool, b_nmajor: bool):
    """The GEMM kernel for ``mode`` and numpy ``dtype`` with tiles (TY, TX, TM, TN, BK).

    Launch: ``kernel[(ceil(N / BN), ceil(M / BM), Z), (TX, TY), stream](A, B, C, bias, hb,
    geo, M, N, K, kchunk, splits, z0)``; block z computes group (z + z0) // splits, split
    (z + z0) % splits over k in [split * kchunk, min(K, (split + 1) * kchunk)).
    """
    load_a, load_b, col, store, row_bias = MODES[mode][:5]
    TY, TX, TM, TN, BK = tiles
    BM, BN = TY * TM, TX * TN
    NT = TY * TX
    # shared tiles' rows padded by 4: the k-major stores of A then hit distinct banks
    AW, BW = BM + 4, BN + 4
    LA = -(-BM * BK // NT)  # loads per thread per slab
    LB = -(-BK * BN // NT)
    ty_ = numba.from_dtype(dtype)
    zero = dtype.type(0)

    @cuda.jit(device=True, inline=True)
    def fetch_a(A, g, m0, kt, k_hi, M, e, geo):
        # the A element that load slot e (< BM BK) of the slab at kt reads (zero past an edge)
        if a_kmajor:
            mm = e // BK
            kk = e - mm * BK
        else:
            kk = e // BM
            mm = e - kk * BM
        v = zero
        if m0 + mm < M and kt + kk < k_hi:
            v = load_a(A, g, m0 + mm, kt + kk, geo, zero)
        return v

    @cuda.jit(device=True, inline=True)
    def fetch_b(B, g, n0, kt, k_hi, N, e, geo):
        if b_nmajor:
            kk = e // BN
            nn = e - kk * BN
        else:
            nn = e // BK
            kk = e - nn * BK
        v = zero
        if n0 + nn < N and kt + kk < k_hi:
            v = load_b(B, g, kt + kk, n0 + nn, geo, zero)
        return v

    @cuda.jit
    def gemm(A, B, C, bias, hb, geo, M, N, K, kchunk, splits, z0):
        As = cuda.shared.array((BK, AW), ty_)
        Bs = cuda.shared.array((BK, BW), ty_)
        acc = cuda.local.array((TM, TN), ty_)
        ar = cuda.local.array(TM, ty_)
        br = cuda.local.array(TN, ty_)
        pa = cuda.local.array(LA, ty_)  # the next slab, prefetched into registers
        pb = cuda.local.array(LB, ty_)
        tx = cuda.threadIdx.x
        ty = cuda.threadIdx.y
        tid = ty * TX + tx
        m0 = cuda.blockIdx.y * BM
        n0 = cuda.blockIdx.x * BN
        z = cuda.blockIdx.z + z0
        g = z // splits
        k_lo = (z - g * splits) * kchunk
        k_hi = k_lo + kchunk
        if k_hi > K:
            k_hi = K
        for i in range(TM):
            for j in range(TN):
                acc[i, j] = zero
        for r in range(LA):
            if tid + r * NT < BM * BK:
                pa[r] = fetch_a(A, g, m0, k_lo, k_hi, M, tid + r * NT, geo)
        for r in range(LB):
            if tid + r * NT < BK * BN:
                pb[r] = fetch_b(B, g, n0, k_lo, k_hi, N, tid + r * NT, geo)
        for kt in range(k_lo, k_hi, BK):
            for r in range(LA):  # registers -> shared (the slot's position is fixed)
                e = tid + r * NT
                if e < BM * BK:
                    if a_kmajor:
                        As[e - (e // BK) * BK, e // BK] = pa[r]
                    else:
                        As[e // BM, e - (e // BM) * BM] = pa[r]
            for r in range(LB):
                e = tid + r * NT
                if e < BK * BN:
                    if b_nmajor:
                        Bs[e // BN, e - (e // BN) * BN] = pb[r]
                    else:
                        Bs[e - (e // BK) * BK, e // BK] = pb[r]
            # both barriers sit in a loop whose trip count, like the branch below, is the same
            # for every thread of the block, so all of them reach each one. This one: every slot
            # of both tiles is stored before any thread reads them (read after write) ...
            cuda.syncthreads()
            if kt + BK < k_hi:  # issue the next slab's global loads; they land during the math
                for r in range(LA):
                    if tid + r * NT < BM * BK:
                        pa[r] = fetch_a(A, g, m0, kt + BK, k_hi, M, tid + r * NT, geo)
                for r in range(LB):
                    if tid + r * NT < BK * BN:
                        pb[r] = fetch_b(B, g, n0, kt + BK, k_hi, N, tid + r * NT, geo)
            for kk in range(BK):
                for i in range(TM):
                    ar[i] = As[kk, ty + i * TY]
                for j in range(TN):
                    br[j] = Bs[kk, tx + j * TX]
                for i in range(TM):
                    for j in range(TN):
                        acc[i, j] += ar[i] * br[j]
            # ... and this one: no thread stores the next slab over a tile that another thread
            # is still reading (write after read)
            cuda.syncthreads()
        if hb:  # a per-row bias (the conv's per-channel one)
            for i in range(TM):
                gm = m0 + ty + i * TY
                if gm < M:
                    bv = row_bias(bias, g, gm, geo)
                    for j in range(TN):
                        acc[i, j] += bv
        for j in range(TN):  # where column gn lands is worked out once for the TM rows
            gn = n0 + tx + j * TX
            if gn < N:
                cj = col(C, g, gn, geo)
                for i in range(TM):
                    gm = m0 + ty + i * TY
                    if gm < M:
                        store(C, z, g, gm, cj, acc[i, j], geo)

    return gemm


# -- pooling ------------------------------------------------------------------------------------
# geo = (KD, KH, KW, sd, sh, sw, pd, ph, pw, dd, dh, dw); x (NC, D, H, W), y (NC, OD, OH, OW)


@cuda.jit(device=True, inline=True)
def _window_count(o, k, s, p, n, include_pad):
    """How many positions of window o (start o s - p, length k) are counted (PyTorch's rule)."""
    lo = o * s - p
    hi = lo + k
    if hi > n + p:
        hi = n + p
    if not include_pad:
        if lo < 0:
            lo = 0
        if hi > n:
            hi = n
    return hi - lo


@functools.cache
def pool_kernels(dtype):
    """The pooling kernels for numpy ``dtype``: ``(max_fwd, max_bwd, avg_fwd, avg_bwd)``.

    Each is a grid-stride loop: launch ``[grid_1d(total)]`` with total = outputs (forward) or
    inputs (backward). Arrays are 4-D (N C, D, H, W) views; geo as above.
    """
    ty_ = numba.from_dtype(dtype)

    @cuda.jit
    def max_fwd(X, Y, IDX, fill, geo):
        # one thread per output: the window's first maximum (a NaN wins, the last one)
        NC, D, H, W = X.shape
        OD, OH, OW = Y.shape[1], Y.shape[2], Y.shape[3]
        KD, KH, KW = geo[0], geo[1], geo[2]
        for t in range(cuda.grid(1), NC * OD * OH * OW, cuda.gridsize(1)):
            nc, od, oh, ow = _split4(t, OD, OH, OW)
            best = fill
            bi = 0
            j = 0
            for kd in range(KD):
                i0 = od * geo[3] - geo[6] + kd * geo[9]
                for kh in range(KH):
                    i1 = oh * geo[4] - geo[7] + kh * geo[10]
                    for kw in range(KW):
                        i2 = ow * geo[5] - geo[8] + kw * geo[11]
                        v = fill
                        if 0 <= i0 < D and 0 <= i1 < H and 0 <= i2 < W:
                            v = X[nc, i0, i1, i2]
                        if j == 0 or v > best or v != v:
                            best = v
                            bi = j
                        j += 1
            Y[nc, od, oh, ow] = best
            IDX[nc, od, oh, ow] = bi

    @cuda.jit
    def max_bwd(GY, IDX, GX, geo):
        # one thread per input position: the sum of gy over the windows whose maximum is here
        NC, D, H, W = GX.shape
        OD, OH, OW = GY.shape[1], GY.shape[2], GY.shape[3]
        KD, KH, KW = geo[0], geo[1], geo[2]
        for t in range(cuda.grid(1), NC * D * H * W, cuda.gridsize(1)):
            nc, i0, i1, i2 = _split4(t, D, H, W)
            acc = ty_(0)
            for kd in range(KD):
                a = i0 + geo[6] - kd * geo[9]
                od = a // geo[3]
                if a < 0 or od * geo[3] != a or od >= OD:
                    continue
                for kh in range(KH):
                    b = i1 + geo[7] - kh * geo[10]
                    oh = b // geo[4]
                    if b < 0 or oh * geo[4] != b or oh >= OH:
                        continue
                    for kw in range(KW):
                        c = i2 + geo[8] - kw * geo[11]
                        ow = c // geo[5]
                        if c < 0 or ow * geo[5] != c or ow >= OW:
                            continue
                        if IDX[nc, od, oh, ow] == (kd * KH + kh) * KW + kw:
                            acc += GY[nc, od, oh, ow]
            GX[nc, i0, i1, i2] = acc

    @cuda.jit
    def avg_fwd(X, Y, geo, include_pad):
        # one thread per output: the window's sum of real inputs over its divisor
        NC, D, H, W = X.shape
        OD, OH, OW = Y.shape[1], Y.shape[2], Y.shape[3]
        KD, KH, KW = geo[0], geo[1], geo[2]
        for t in range(cuda.grid(1), NC * OD * OH * OW, cuda.gridsize(1)):
            nc, od, oh, ow = _split4(t, OD, OH, OW)
            acc = ty_(0)
            for kd in range(KD):
                i0 = od * geo[3] - geo[6] + kd
                if 0 <= i0 < D:
                    for kh in range(KH):
                        i1 = oh * geo[4] - geo[7] + kh
                        if 0 <= i1 < H:
                            for kw in range(KW):
                                i2 = ow * geo[5] - geo[8] + kw
                                if 0 <= i2 < W:
                                    acc += X[nc, i0, i1, i2]
            cnt = (
                _window_count(od, KD, geo[3], geo[6], D, include_pad)
                * _window_count(oh, KH, geo[4], geo[7], H, include_pad)
                * _window_count(ow, KW, geo[5], geo[8], W, include_pad)
            )
            Y[nc, od, oh, ow] = acc / ty_(cnt)

    @cuda.jit
    def avg_bwd(GY, GX, geo, include_pad):
        # one thread per input position: the sum of gy / divisor over the windows holding it
        NC, D, H, W = GX.shape
        OD, OH, OW = GY.shape[1], GY.shape[2], GY.shape[3]
        KD, KH, KW = geo[0], geo[1], geo[2]
        for t in range(cuda.grid(1), NC * D * H * W, cuda.gridsize(1)):
            nc, i0, i1, i2 = _split4(t, D, H, W)
            acc = ty_(0)
            for kd in range(KD):
                a = i0 + geo[6] - kd
                od = a // geo[3]
                if a < 0 or od * geo[3] != a or od >= OD:
                    continue
                cd = _window_count(od, KD, geo[3], geo[6], D, include_pad)
                for kh in range(KH):
                    b = i1 + geo[7] - kh
                    oh = b // geo[4]
                    if b < 0 or oh * geo[4] != b or oh >= OH:
                        continue
                    ch = _window_count(oh, KH, geo[4], geo[7], H, include_pad)
                    for kw in range(KW):
                        c = i2 + geo[8] - kw
                        ow = c // geo[5]
                        if c < 0 or ow * geo[5] != c or ow >= OW:
                            continue
                        cw = _window_count(ow, KW, geo[5], geo[8], W, include_pad)
                        acc += GY[nc, od, oh, ow] / ty_(cd * ch * cw)
            GX[nc, i0, i1, i2] = acc

    return max_fwd, max_bwd, avg_fwd, avg_bwd


@cuda.jit
def fill_one(A, value):
    """A[0] = value: the smallest end-to-end kernel (compile, load, run), for the probe."""
    if cuda.grid(1) == 0:
        A[0] = value


def grid_1d(total: int, threads: int = 256, cap: int = 65535 * 4) -> tuple[int, int]:
    """(blocks, threads) for a grid-stride loop over ``total`` items."""
    return max(1, min(cap, math.ceil(total / threads))), threads
