"""The ``numba`` kernel set under numba's CUDA simulator, against the ``numpy`` set.

``NUMBA_ENABLE_CUDASIM=1`` must be set before numba is imported, and the rest of the suite
imports numba normally, so every check runs in a subprocess: this file runs itself as a script
(``python test_numba_sim.py CHECK``) with the variable set. The simulator runs each CUDA thread
as a Python thread (slow: a few seconds per thousand blocks), so the shapes are small, odd and
not multiples of the tiles; some checks also shrink the tiles so that one product spans several
tiles in every direction, and the split-K and grid-chunking paths are forced on.

The simulator is made strict first (``_strict_simulator``): numba's own shared-array allocation
is not thread-safe (which made the ``[nn]`` check fail now and then), and fresh shared, local and
output memory is filled with NaN so that reading what no thread wrote shows in the results.
``check_determinism`` reruns every kernel with the simulator's threads switching every few
microseconds and requires bit-identical results.

A second kind of check needs no GPU either: every kernel variant is compiled to PTX for sm_90 by
NVVM and its register use read back from ptxas (when the CUDA toolkit is installed), which
catches typing errors the simulator (plain Python) cannot, and local-memory accumulators.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
# the simulator's cost is mostly threads x barriers, so most checks run 4-thread blocks (4 x 16
# output tiles, 32-deep slabs); the production tiles (256 threads) run in a few checks, and
# 6 x 8 tiles with 4-deep slabs put several tiles in every direction of one product
FAST_TILES = (1, 4, 4, 4, 32)
SMALL_TILES = (2, 4, 3, 2, 4)


SIM_CHECKS = ["matmul", "matmul_paths", "conv", "conv_more", "pooling", "nn", "determinism"]


def _start(name: str, sim: bool) -> subprocess.Popen:
    env = dict(os.environ)
    env.pop("TAPEGRAD_BACKEND", None)
    if sim:
        env["NUMBA_ENABLE_CUDASIM"] = "1"
    else:
        env.pop("NUMBA_ENABLE_CUDASIM", None)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen(
        [sys.executable, __file__, name],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture(scope="module")
def checks(request):
    """The selected checks' subprocesses, all started at once (the simulator is single-threaded
    at heart, so they share the machine's cores); each test waits for its own."""
    pytest.importorskip("numba")
    here = request.node.nodeid.split("::")[0]
    chosen = [item for item in request.session.items if item.nodeid.startswith(here + "::")]
    names = {
        getattr(item, "callspec", None) and item.callspec.params.get("check") for item in chosen
    }
    procs = {name: _start(name, sim=True) for name in SIM_CHECKS if name in names}
    if any(item.name.startswith("test_numba_kernels_compile") for item in chosen):
        procs["ptx"] = _start("ptx", sim=False)
    yield procs
    for p in procs.values():
        if p.poll() is None:
            p.kill()
            p.wait()


def _finish(proc: subprocess.Popen, name: str, timeout: float = 300) -> None:
    out, _ = proc.communicate(timeout=timeout)
    if proc.returncode == 77:
        pytest.skip(out.strip().splitlines()[-1])
    assert proc.returncode == 0, f"check {name} failed:\n{out}"
    print(out.strip().splitlines()[-1])


@pytest.mark.parametrize("check", SIM_CHECKS)
def test_numba_kernels_under_the_simulator(checks, check):
    _finish(checks[check], check)


def test_numba_kernels_compile_for_sm90_without_spills(checks):
    _finish(checks["ptx"], "ptx")


# == the checks (run in the subprocess) ===========================================================


def _close(got, want, dtype):
    tol = 2e-5 if np.dtype(dtype) == np.float32 else 1e-11
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def check_matmul():
    import backends.numba_kernels as bk

    rng = np.random.default_rng(0)
    for dt in (np.float32, np.float64):
        a = rng.standard_normal((37, 45)).astype(dt)
        b = rng.standard_normal((45, 19)).astype(dt)
        _close(bk.matmul(a, b), a @ b, dt)  # production tiles, one partial tile, 6 k-slabs
        with bk._config(tiles=FAST_TILES):
            # transposed operands read in place (m-major A, k-major B), and a strided slice
            at, bt = np.asfortranarray(a).T.copy().T, np.ascontiguousarray(b.T).T
            assert not at.flags.c_contiguous and not bt.flags.c_contiguous
            _close(bk.matmul(at, bt), a @ b, dt)
            s = rng.standard_normal((20, 45)).astype(dt)[::3]
            _close(bk.matmul(s, b), s @ b, dt)
    with bk._config(tiles=SMALL_TILES):  # several tiles in m, n and k, none of them full
        a = rng.standard_normal((14, 9))
        b = rng.standard_normal((9, 17))
        _close(bk.matmul(a, b), a @ b, np.float64)
        _close(bk.matmul(b.T, a.T), b.T @ a.T, np.float64)


def check_matmul_paths():
    import backends.numba_kernels as bk
    from benchmarks.gpu import TILE_SWEEP

    with bk._config(tiles=FAST_TILES):
        _matmul_paths(bk)
    # every tiling the GPU benchmark times must compute the same product (one partial tile,
    # several k-slabs, a transposed operand)
    rng = np.random.default_rng(2)
    a = rng.standard_normal((37, 45)).astype(np.float32)
    b = rng.standard_normal((19, 45)).astype(np.float32).T
    for tiles in TILE_SWEEP:
        with bk._config(tiles=tiles):
            _close(bk.matmul(a, b), a @ b, np.float32)
    _tile_sweep_note(np.ascontiguousarray(a[:8, :12]), np.ascontiguousarray(b[:12, :5]))


def _tile_sweep_note(a, b):
    """The benchmark's sweep end to end, on the simulator with a stand-in for cupy's events."""
    import types

    import benchmarks.gpu as gpu

    class Event:
        def record(self):
            self.t = time.perf_counter()

        def synchronize(self):
            pass

    cuda_ns = types.SimpleNamespace(
        Event=Event,
        Device=lambda: types.SimpleNamespace(synchronize=lambda: None),
        get_elapsed_time=lambda s, e: (e.t - s.t) * 1e3,
    )
    fake_cp = types.SimpleNamespace(cuda=cuda_ns, linalg=np.linalg)
    saved = gpu._cupy, gpu.TILE_SWEEP
    gpu._cupy, gpu.TILE_SWEEP = (lambda: fake_cp), (FAST_TILES, SMALL_TILES)
    try:
        (note,) = gpu._tile_sweep(a, b, a @ b, 2.0 * a.shape[0] * a.shape[1] * b.shape[1], 1)
    finally:
        gpu._cupy, gpu.TILE_SWEEP = saved
    assert note.startswith("numba matmul per tiling"), note
    assert "1x4x4x4x32: " in note and "2x4x3x2x4: " in note and "GFLOP/s" in note, note


def _matmul_paths(bk):
    rng = np.random.default_rng(1)
    r = rng.standard_normal
    cases = [
        (r((3, 9, 5)), r((5, 6))),  # a batch against a broadcast matrix
        (r((2, 1, 4, 5)), r((3, 5, 2))),  # batch dims broadcast both ways
        (r((5,)), r((5, 3))),  # 1-D operands promoted and squeezed
        (r((4, 5)), r((5,))),
        (r((5,)), r((5,))),
        (r((2, 3, 5)), r((5,))),
        (r((3, 0)), r((0, 4))),  # K = 0: zeros
        (r((0, 3)), r((3, 4))),  # M = 0: empty
        (r((2, 3)).astype(np.float32), r((3, 2))),  # mixed dtypes: numpy's promotion
    ]
    for a, b in cases:
        want = np.matmul(a, b)
        got = bk.matmul(a, b)
        assert np.shape(got) == np.shape(want), (a.shape, b.shape, np.shape(got))
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-12)
        assert np.asarray(got).dtype == want.dtype
    ints = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(bk.matmul(ints, ints.T), ints @ ints.T)  # off the hot path
    try:
        bk.matmul(r((2, 3)), r((4, 2)))
    except ValueError as e:
        assert "mismatch" in str(e)
    else:
        raise AssertionError("a core-dimension mismatch must raise ValueError")
    # split-K (partial tiles summed), and batches / row tiles past the grid's limits
    a, b = r((5, 300)), r((300, 3))
    with bk._config(split_target_blocks=16, split_min_k=40):
        assert bk._splits(1, 300, a) > 1
        _close(bk.matmul(a, b), a @ b, np.float64)
    old = bk._MAX_GRID_YZ
    try:
        bk._MAX_GRID_YZ = 2
        a, b = r((5, 3, 4)), r((5, 4, 2))
        _close(bk.matmul(a, b), a @ b, np.float64)  # G = 5 in launches of 2 along z
        with bk._config(tiles=SMALL_TILES):
            a, b = r((40, 3)), r((3, 5))  # 4 row tiles in launches of 2 along y
            _close(bk.matmul(a, b), a @ b, np.float64)
    finally:
        bk._MAX_GRID_YZ = old


def _conv_case(bk, nk, rng, dt, xs, ws, geom, bias=True):
    x = rng.standard_normal(xs).astype(dt)
    w = rng.standard_normal(ws).astype(dt)
    b = rng.standard_normal(ws[0]).astype(dt) if bias else None
    y = nk.conv_forward(x, w, b, *geom)
    _close(bk.conv_forward(x, w, b, *geom), y, dt)
    gy = rng.standard_normal(y.shape).astype(dt)
    _close(bk.conv_grad_input(gy, w, x.shape, *geom), nk.conv_grad_input(gy, w, x.shape, *geom), dt)
    _close(
        bk.conv_grad_weight(x, gy, w.shape, *geom), nk.conv_grad_weight(x, gy, w.shape, *geom), dt
    )


def check_conv():
    import backends.numba_kernels as bk
    import backends.numpy_kernels as nk

    rng = np.random.default_rng(2)
    # stride, asymmetric padding, dilation and groups at once (2-D), with the production tiles
    geom = ((2, 1), ((1, 1), (0, 1)), (1, 2), 2)
    _conv_case(bk, nk, rng, np.float32, (2, 4, 7, 6), (6, 2, 3, 2), geom)
    with bk._config(tiles=FAST_TILES):
        _conv_case(bk, nk, rng, np.float64, (2, 4, 7, 6), (6, 2, 3, 2), geom)
        _conv_more(bk, nk, rng)


def _conv_more(bk, nk, rng):
    # a stride longer than the kernel: input rows no window reads get zero gradient
    geom = ((3, 3), ((0, 0), (1, 0)), (1, 1), 1)
    _conv_case(bk, nk, rng, np.float64, (1, 3, 8, 7), (2, 3, 2, 2), geom, bias=False)
    # depthwise (groups = channels), with a strided non-contiguous input
    x = rng.standard_normal((2, 3, 9, 12))[:, :, ::1, ::2]
    w = rng.standard_normal((3, 1, 3, 3))
    geom = ((1, 1), ((1, 1), (1, 1)), (1, 1), 3)
    _close(bk.conv_forward(x, w, None, *geom), nk.conv_forward(x, w, None, *geom), np.float64)


def check_conv_more():
    import backends.numba_kernels as bk
    import backends.numpy_kernels as nk

    rng = np.random.default_rng(3)
    with bk._config(tiles=FAST_TILES):  # 1-D and 3-D run as 3-D
        _conv_case(bk, nk, rng, np.float64, (2, 4, 11), (6, 2, 3), ((2,), ((2, 1),), (2,), 2))
        geom = ((1, 1, 2), ((0, 1), (1, 1), (0, 0)), (1, 1, 1), 2)
        _conv_case(bk, nk, rng, np.float32, (1, 2, 4, 5, 4), (2, 1, 2, 3, 2), geom)
    # several tiles per product, and split-K in grad-weight
    with bk._config(tiles=SMALL_TILES, split_target_blocks=64, split_min_k=8):
        assert bk._splits(1, 20, np.zeros(1)) > 1
        geom = ((1, 1), ((1, 0), (0, 1)), (1, 1), 1)
        _conv_case(bk, nk, rng, np.float64, (1, 3, 4, 5), (13, 3, 2, 2), geom)


def check_pooling():
    import backends.numba_kernels as bk
    import backends.numpy_kernels as nk

    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 7, 6))
    x[0, 0, 1, 1] = x[0, 0, 1, 2]  # a tie: the first maximum wins
    cases = [
        ((3, 2), (2, 2), (1, 1), (1, 1), True),  # overlapping windows, ceil_mode
        ((2, 2), (2, 2), (0, 0), (1, 1), False),  # disjoint windows
        ((2, 3), (1, 2), (1, 1), (2, 1), False),  # dilation
    ]
    for dt in (np.float32, np.float64):
        xd = x.astype(dt)
        for pool in cases:
            y, idx = bk.max_pool_forward(xd, *pool)
            ry, ri = nk.max_pool_forward(xd, *pool)
            np.testing.assert_array_equal(y, ry)
            np.testing.assert_array_equal(idx, ri)
            assert y.dtype == ry.dtype and idx.dtype == ri.dtype
            gy = rng.standard_normal(y.shape).astype(dt)
            _close(
                bk.max_pool_backward(gy, idx, xd.shape, *pool[:4]),
                nk.max_pool_backward(gy, idx, xd.shape, *pool[:4]),
                dt,
            )
        for avg in [((3, 2), (2, 2), (1, 1), True, False), ((3, 3), (2, 1), (1, 0), False, True)]:
            y = bk.avg_pool_forward(xd, *avg)
            _close(y, nk.avg_pool_forward(xd, *avg), dt)
            gy = rng.standard_normal(y.shape).astype(dt)
            _close(
                bk.avg_pool_backward(gy, xd.shape, *avg[:3], avg[4]),
                nk.avg_pool_backward(gy, xd.shape, *avg[:3], avg[4]),
                dt,
            )
    # NaN wins (the last one), a non-finite gy stays in its window, 1-D and 3-D, integers
    v = np.array([[[1.0, np.nan, 3.0, 2.0, np.nan, np.nan]]])
    y, idx = bk.max_pool_forward(v, (3,), (3,), (0,), (1,), False)
    assert np.isnan(y).all() and idx.tolist() == [[[1, 2]]]
    v = np.array([[[1.0, 3.0, 2.0, 0.0]]])
    y, idx = bk.max_pool_forward(v, (2,), (2,), (0,), (1,), False)
    gx = bk.max_pool_backward(np.array([[[np.inf, 1.0]]]), idx, v.shape, (2,), (2,), (0,), (1,))
    np.testing.assert_array_equal(gx, [[[0.0, np.inf, 1.0, 0.0]]])
    x3 = rng.standard_normal((1, 2, 4, 5, 3))
    pool3 = ((2, 3, 2), (2, 2, 1), (1, 1, 0), (1, 1, 1), False)
    y, idx = bk.max_pool_forward(x3, *pool3)
    ry, ri = nk.max_pool_forward(x3, *pool3)
    np.testing.assert_array_equal(y, ry)
    np.testing.assert_array_equal(idx, ri)
    xi = rng.integers(-50, 50, size=(1, 2, 5, 5)).astype(np.int32)
    y, idx = bk.max_pool_forward(xi, (2, 2), (2, 2), (1, 1), (1, 1), False)
    ry, ri = nk.max_pool_forward(xi, (2, 2), (2, 2), (1, 1), (1, 1), False)
    np.testing.assert_array_equal(y, ry)
    np.testing.assert_array_equal(idx, ri)


def check_nn():
    """nn and autograd run unchanged on the numba set: here it stands in for the numpy set on
    numpy arrays, so a CNN's train step and a gradcheck go through every numba kernel."""
    import autograd as ag
    import backends
    import backends.numba_kernels as bk
    import backends.numpy_kernels as nk
    import nn
    import nn.functional as F

    rng = np.random.default_rng(5)
    x_np = rng.standard_normal((2, 1, 6, 6))
    t_np = np.array([1, 0])

    def step():
        ag.manual_seed(0)
        model = nn.Sequential(
            nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(3, 2, 2),
            nn.AvgPool2d(2), nn.Flatten(), nn.Linear(2, 2),
        ).double()  # fmt: skip
        loss = F.cross_entropy(model(ag.tensor(x_np)), ag.tensor(t_np))
        loss.backward()
        return loss.item(), [p.grad.numpy() for p in model.parameters()]

    ref_loss, ref_grads = step()
    backends._numpy_kernels = bk  # numpy arrays now get the numba kernels
    try:
        with bk._config(tiles=FAST_TILES):
            loss, grads = step()
            # numerical against analytic gradients, all through the numba conv kernels
            a = ag.tensor(rng.standard_normal((1, 2, 3, 2)), requires_grad=True)
            w = ag.tensor(rng.standard_normal((2, 1, 2, 2)), requires_grad=True)
            conv = lambda a, w: F.conv2d(a, w, stride=(2, 1), padding=1, groups=2)  # noqa: E731
            assert ag.gradcheck(conv, (a, w))
        np.testing.assert_allclose(loss, ref_loss, rtol=1e-12)
        for g, r in zip(grads, ref_grads):
            np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-12)
    finally:
        backends._numpy_kernels = nk


# == a strict simulator (installed in the check's subprocess before it runs) ======================

_SHARED_LOCK = threading.Lock()
_PLAIN_EMPTY = np.empty


def _poison(dtype):
    """What fresh memory holds here: NaN for floats, the largest value for integers (None:
    left as numpy gives it)."""
    dtype = np.dtype(dtype)
    if dtype.kind in "fc":
        return np.nan
    if dtype.kind in "iu":
        return np.iinfo(dtype).max
    return None


def _fresh(shape, dtype, order="C", **kw):
    """``np.empty``, poisoned."""
    a = _PLAIN_EMPTY(shape, dtype, order, **kw)
    fill = _poison(a.dtype)
    if fill is not None:
        a.fill(fill)
    return a


def _strict_simulator():
    """Make numba's CUDA simulator race-free and strict about memory no thread wrote.

    * numba's ``FakeCUDAShared.array`` finds a block's shared array with an unlocked dict get /
      ``np.empty`` / set keyed by the caller's line. When the GIL passes between two simulator
      threads inside that window (rare; likelier on a loaded machine), threads of the launch's
      first block get *different* arrays, each holds only its own share of the tile, and their
      outputs are garbage: that, not the kernels, made the ``[nn]`` gradcheck fail now and then
      (one of its conv forwards off by ~0.3). Here the lookup is locked (same key).
    * fresh shared and local arrays hold NaN (floats) or the largest integer, and a block's shared
      arrays are refilled when the next block first asks for them (the simulator keeps them for
      the whole launch; hardware promises nothing), so a read before the write, or a value left
      by the previous block, shows in the results;
    * ``np.empty`` is poisoned the same way while a function of the ``numba`` kernel set runs, so
      an output element that no thread writes fails the comparison with the numpy set;
    * the GIL passes between threads every 2 us instead of 5 ms: many more interleavings of a
      block's threads (so races show), and the simulator's polling block manager finishes sooner.
    """
    sys.setswitchinterval(2e-6)
    import functools

    from numba.core import types
    from numba.cuda.simulator import kernelapi
    from numba.np import numpy_support

    import backends.numba_kernels as bk

    plain_shared = kernelapi.FakeCUDAShared.array

    def as_dtype(dtype):
        return numpy_support.as_dtype(dtype) if isinstance(dtype, types.Type) else dtype

    def shared_array(self, shape, dtype):
        dtype = as_dtype(dtype)
        if isinstance(shape, int) and shape == 0:  # dynamic shared memory: one buffer, no key
            return plain_shared(self, shape, dtype)
        caller = sys._getframe(1)
        key = (caller.f_code.co_filename, caller.f_lineno)
        block = tuple(threading.current_thread().blockIdx)
        with _SHARED_LOCK:
            arr, owner = self._allocations.get(key, (None, None))
            if arr is None:
                arr = _fresh(shape, dtype)
            elif owner != block:  # the previous block has finished: blocks run one at a time
                fill = _poison(arr.dtype)
                if fill is not None:
                    arr.fill(fill)
            self._allocations[key] = (arr, block)
        return arr

    kernelapi.FakeCUDAShared.array = shared_array
    kernelapi.FakeCUDALocal.array = lambda self, shape, dtype: _fresh(shape, as_dtype(dtype))

    def poisoned(f):
        @functools.wraps(f)
        def call(*args, **kwargs):
            saved, np.empty = np.empty, _fresh
            try:
                return f(*args, **kwargs)
            finally:
                np.empty = saved

        return call

    for fname in bk.__all__:
        if callable(getattr(bk, fname)):
            setattr(bk, fname, poisoned(getattr(bk, fname)))


def _probe_kernels():
    """Two tiny kernels on the strict simulator's guarantees: ``gather`` (each thread writes its
    slot of a shared array, then every thread sums all of them: needs one array per block) and
    ``unwritten`` (reads a shared and a local slot before anything writes them)."""
    global cuda  # the simulator swaps a kernel's *global* ``cuda`` for its fake module
    import numba
    from numba import cuda

    @cuda.jit
    def gather(out):
        s = cuda.shared.array(4, numba.float64)
        t = cuda.threadIdx.x
        s[t] = t + 1.0
        cuda.syncthreads()
        out[cuda.blockIdx.x, t] = s[0] + s[1] + s[2] + s[3]

    @cuda.jit
    def unwritten(out):
        s = cuda.shared.array(4, numba.float64)
        loc = cuda.local.array(2, numba.float64)
        t = cuda.threadIdx.x
        out[cuda.blockIdx.x, t, 0] = s[t]
        out[cuda.blockIdx.x, t, 1] = loc[1]
        cuda.syncthreads()
        s[t] = 1.0  # what the next block would see on the plain simulator
        loc[1] = 1.0

    return gather, unwritten


def _strict_simulator_holds():
    """The strict simulator's own guarantees: one shared array per block even when every
    allocation hands the GIL to the other threads (numba's plain one then gives out several:
    wrong sums), and NaN from shared and local memory read before it is written, in every block
    (the plain simulator gives np.empty's leftovers, and block 1 reads block 0's values)."""
    gather, unwritten = _probe_kernels()
    plain = globals()["_fresh"]

    def slow_fresh(*args, **kwargs):
        time.sleep(0.005)  # the GIL goes to the block's other threads mid-allocation
        return plain(*args, **kwargs)

    globals()["_fresh"] = slow_fresh
    try:
        for _ in range(3):  # each launch allocates anew
            out = np.zeros((2, 4))
            gather[2, 4](out)
            np.testing.assert_array_equal(out, 10.0)
    finally:
        globals()["_fresh"] = plain
    out = np.zeros((3, 4, 2))
    unwritten[3, 4](out)
    assert np.isnan(out).all(), out


def _runs_alike(what, f, args, want, dtype, reps):
    """Run ``f(*args)`` ``reps`` times: every result bit-identical to the first, which matches
    ``want`` (a tuple of arrays for a tuple result)."""
    first = f(*args)
    firsts = first if isinstance(first, tuple) else (first,)
    wants = want if isinstance(want, tuple) else (want,)
    for got, ref in zip(firsts, wants, strict=True):
        if got.dtype.kind == "f":
            _close(got, ref, dtype)
        else:
            np.testing.assert_array_equal(got, ref)
    for rep in range(1, reps):
        again = f(*args)
        for a, b in zip(firsts, again if isinstance(again, tuple) else (again,), strict=True):
            assert a.tobytes() == b.tobytes(), (
                f"{what}: run {rep} differs from run 0 at {np.argwhere(a != b)[:4].tolist()}"
            )


def check_determinism():
    """Every kernel, rerun on the same odd-sized inputs while the simulator's threads switch
    every 2 us (``_strict_simulator``: a different interleaving each run), gives bit-identical
    results that match the numpy set: a missing syncthreads, an output two threads write, or a
    read of memory no thread wrote (the strict simulator makes that NaN) would show here."""
    import backends.numba_kernels as bk
    import backends.numpy_kernels as nk

    _strict_simulator_holds()
    rng = np.random.default_rng(6)
    f64, f32 = np.float64, np.float32
    cases = []  # (what, function, args, numpy set's result, dtype)
    for dt in (f64, f32):
        a = rng.standard_normal((13, 11)).astype(dt)
        b = rng.standard_normal((9, 11)).astype(dt).T  # a k-major B, read in place
        cases.append((f"matmul {dt.__name__}", bk.matmul, (a, b), a @ b, dt))
    a, b = rng.standard_normal((5, 37)), rng.standard_normal((37, 3))
    cases.append(("split-K matmul", bk.matmul, (a, b), a @ b, f64))
    geom = ((2, 1), ((1, 1), (0, 1)), (1, 2), 2)  # stride, padding, dilation, groups
    x, w, bias = (rng.standard_normal(s) for s in [(2, 4, 5, 6), (6, 2, 3, 2), (6,)])
    y = nk.conv_forward(x, w, bias, *geom)
    gy = rng.standard_normal(y.shape)
    cases += [
        ("conv_forward", bk.conv_forward, (x, w, bias, *geom), y, f64),
        ("conv_grad_input", bk.conv_grad_input, (gy, w, x.shape, *geom),
         nk.conv_grad_input(gy, w, x.shape, *geom), f64),
        ("conv_grad_weight", bk.conv_grad_weight, (x, gy, w.shape, *geom),
         nk.conv_grad_weight(x, gy, w.shape, *geom), f64),
    ]  # fmt: skip
    x = rng.standard_normal((1, 2, 5, 4)).astype(f32)
    pool = ((3, 2), (2, 1), (1, 1), (1, 1), True)
    y, idx = nk.max_pool_forward(x, *pool)
    gy = rng.standard_normal(y.shape).astype(f32)
    avg = ((3, 2), (2, 1), (1, 1), True, False)
    ya = nk.avg_pool_forward(x, *avg)
    gya = rng.standard_normal(ya.shape).astype(f32)
    cases += [
        ("max_pool_forward", bk.max_pool_forward, (x, *pool), (y, idx), f32),
        ("max_pool_backward", bk.max_pool_backward, (gy, idx, x.shape, *pool[:4]),
         nk.max_pool_backward(gy, idx, x.shape, *pool[:4]), f32),
        ("avg_pool_forward", bk.avg_pool_forward, (x, *avg), ya, f32),
        ("avg_pool_backward", bk.avg_pool_backward, (gya, x.shape, *avg[:3], avg[4]),
         nk.avg_pool_backward(gya, x.shape, *avg[:3], avg[4]), f32),
    ]  # fmt: skip
    # several partial tiles in m, n and k and 8 threads a block; split-K in the long matmul
    # and in grad-weight
    with bk._config(tiles=SMALL_TILES, split_target_blocks=16, split_min_k=8):
        assert bk._splits(1, 37, a) > 1
        for case in cases:
            _runs_alike(*case, reps=4)


def check_ptx():
    """Compile every GEMM and pooling kernel for sm_90 (NVVM; no GPU needed) and check ptxas
    keeps the register blocks in registers (no stack frame, no spills)."""
    try:
        from numba.cuda.cudadrv import nvvm

        nvvm.NVVM()
    except Exception as e:
        print(f"skip: NVVM (the CUDA toolkit) is not available: {type(e).__name__}")
        sys.exit(77)
    import types as pytypes

    import numba
    import numba.cuda.dispatcher as dispatcher
    from numba import cuda, types

    import backends.numba_kernels as bk
    from backends import _numba_cuda as nc
    from benchmarks.gpu import TILE_SWEEP

    # device functions compile for the current device's compute capability: pretend an H100
    dispatcher.get_current_device = lambda: pytypes.SimpleNamespace(compute_capability=(9, 0))
    ptxas = shutil.which("ptxas")
    i64 = types.int64

    def arr(dt, nd, layout="A"):
        return types.Array(numba.from_dtype(np.dtype(dt)), nd, layout)

    def ptx_of(kernel, sig):
        return cuda.compile_ptx(kernel.py_func, sig, cc=(9, 0))[0]

    ndims = {"mm": (3, 3, 3), "conv_fwd": (3, 5, 5), "conv_gx": (5, 5, 5), "conv_gw": (5, 5, 3)}
    report = []
    variants = [(dt, tiles, nc.MODES) for dt, tiles in bk._TILES.items()]
    f32 = np.dtype(np.float32)
    variants += [(f32, t, ["mm"]) for t in TILE_SWEEP if t != bk._TILES[f32]]  # the benchmark's
    for dt, tiles, modes in variants:
        for mode in modes:
            spec = nc.MODES[mode]
            layouts = [spec[5:]] if spec[5] is not None else [(True, True), (False, False)]
            for ak, bn in layouts:
                kern = nc.gemm_kernel(mode, dt, tiles, ak, bn)
                na, nb_, ncd = ndims[mode]
                geo = types.UniTuple(i64, 1 if mode == "mm" else 20)
                sig = (arr(dt, na), arr(dt, nb_), arr(dt, ncd, "C"), arr(dt, 1), types.boolean,
                       geo, i64, i64, i64, i64, i64, i64)  # fmt: skip
                ptx = ptx_of(kern, sig)
                if ptxas is None:
                    continue
                path = pathlib.Path(os.environ.get("TMPDIR", "/tmp")) / f"tg_{mode}_{dt}.ptx"
                path.write_text(ptx)
                out = subprocess.run(
                    [ptxas, "-arch=sm_90", "-v", str(path), "-o", os.devnull],
                    capture_output=True,
                    text=True,
                ).stderr
                path.unlink()
                assert "0 bytes stack frame" in out and "0 bytes spill" in out, (mode, dt, out)
                regs = out.split("Used ")[-1].split(" registers")[0]
                lay = f"{'k' if ak else 'm'}{'n' if bn else 'k'}"
                report.append(f"{mode} {dt} {'x'.join(map(str, tiles))} {lay}: {regs} regs")
    tup = types.UniTuple(i64, 12)
    for dt in list(bk._TILES) + [np.dtype(np.int32), np.dtype(np.int64)]:
        mf, mb, af, ab = nc.pool_kernels(dt)
        x4, out4 = arr(dt, 4), arr(dt, 4, "C")
        idx = arr(np.int8, 4, "C")
        ptx_of(mf, (x4, out4, idx, numba.from_dtype(dt), tup))
        ptx_of(mb, (x4, arr(np.int16, 4), out4, tup))
        if dt.kind == "f":
            ptx_of(af, (x4, out4, tup, types.boolean))
            ptx_of(ab, (x4, out4, tup, types.boolean))
    ptx_of(nc.fill_one, (arr(np.float32, 1), types.float32))
    print("\n".join(report) or "compiled (ptxas not found: registers not checked)")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
        _strict_simulator()
    t0 = time.perf_counter()
    globals()[f"check_{sys.argv[1]}"]()
    print(f"check {sys.argv[1]} passed in {time.perf_counter() - t0:.1f} s")
