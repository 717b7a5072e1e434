"""Kernel sets: every set exports the same functions with the same signatures; the cupy and
numba sets import without cupy or numba; the array-module-generic code the cupy set runs is
checked on the CPU through a cupy-shaped view of NumPy; on a GPU, the cupy set against the numpy
set (tests/test_gpu.py has every set against the others)."""

from __future__ import annotations

import importlib
import inspect
import math
import pathlib
import subprocess
import sys
import types

import numpy as np
import pytest

import backends
import backends.numpy_kernels as nk

SETS = ["backends.numpy_kernels", "backends.cupy_kernels", "backends.numba_kernels"]
ROOT = pathlib.Path(__file__).resolve().parents[2]


def _functions(mod):
    return {n: getattr(mod, n) for n in mod.__all__ if callable(getattr(mod, n))}


def test_every_set_exports_the_same_names_and_signatures():
    mods = [importlib.import_module(m) for m in SETS]
    ref = mods[0]
    for mod in mods[1:]:
        assert sorted(mod.__all__) == sorted(ref.__all__), mod.__name__
        for name, fn in _functions(ref).items():
            other = getattr(mod, name)
            assert inspect.signature(other) == inspect.signature(fn), f"{mod.__name__}.{name}"
    expected = {"matmul", "conv_forward", "conv_grad_input", "conv_grad_weight", "max_pool_forward",
                "max_pool_backward", "avg_pool_forward", "avg_pool_backward"}  # fmt: skip
    assert expected <= set(_functions(ref))
    assert [m.name for m in mods] == ["numpy", "cupy", "numba"]


def test_every_public_kernel_has_a_docstring_with_shapes():
    for m in SETS:
        for name, fn in _functions(importlib.import_module(m)).items():
            doc = inspect.getdoc(fn) or ""
            assert "(" in doc and len(doc) > 40, f"{m}.{name} needs a docstring with shapes"


def test_cupy_set_imports_lazily_and_says_what_is_missing():
    code = "import sys, backends.cupy_kernels; assert 'cupy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    mod = importlib.import_module("backends.cupy_kernels")
    if backends.cupy_or_none() is not None:
        pytest.skip("cupy is usable here")
    with pytest.raises(RuntimeError, match="cupy"):
        mod.conv_forward(
            np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 1, 1)), None, (1, 1), ((0, 0),) * 2, (1, 1), 1
        )


def test_numba_set_imports_lazily():
    code = (
        "import sys, backends, backends.numba_kernels; "
        "assert 'numba' not in sys.modules and 'cupy' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_numpy_arrays_get_the_numpy_set():
    assert backends.kernels(np.zeros(2)) is nk


# -- the generic code on a cupy-shaped module ----------------------------------------------------

# what the kernels may use from their array module: names CuPy provides with NumPy's meaning
_CUPY_API = ["zeros", "empty", "full", "matmul", "result_type", "where", "isnan", "isfinite",
             "maximum", "inf", "iinfo", "int8", "int16", "int32", "asarray",
             "ascontiguousarray", "moveaxis"]  # fmt: skip


def _cupy_like():
    """A module exposing only _CUPY_API from NumPy, and CuPy's as_strided (no ``writeable``)."""
    xp = types.ModuleType("cupy_like")
    for n in _CUPY_API:
        setattr(xp, n, getattr(np, n))

    def as_strided(a, shape, strides):
        return np.lib.stride_tricks.as_strided(a, shape, strides)

    xp.lib = types.SimpleNamespace(stride_tricks=types.SimpleNamespace(as_strided=as_strided))
    return xp


def test_generic_kernels_run_on_a_cupy_shaped_module(conv_path):
    xp = _cupy_like()
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((3, 4, 7, 6)), rng.standard_normal((6, 2, 3, 2))
    geom = ((2, 1), ((1, 1), (0, 1)), (1, 2), 2)
    y = nk._conv_forward(xp, x, w, None, *geom)
    np.testing.assert_allclose(y, nk.conv_forward(x, w, None, *geom), rtol=1e-12)
    gy = rng.standard_normal(y.shape)
    np.testing.assert_allclose(
        nk._conv_grad_input(xp, gy, w, x.shape, *geom), nk.conv_grad_input(gy, w, x.shape, *geom)
    )
    np.testing.assert_allclose(
        nk._conv_grad_weight(xp, x, gy, w.shape, *geom), nk.conv_grad_weight(x, gy, w.shape, *geom)
    )
    pool = ((3, 2), (2, 2), (1, 1), (1, 1), True)
    y2, idx = nk._max_pool_forward(xp, x, *pool)
    ref_y, ref_idx = nk.max_pool_forward(x, *pool)
    np.testing.assert_array_equal(y2, ref_y)
    np.testing.assert_array_equal(idx, ref_idx)
    gy2 = rng.standard_normal(y2.shape)
    np.testing.assert_array_equal(
        nk._max_pool_backward(xp, gy2, idx, x.shape, *pool[:4]),
        nk.max_pool_backward(gy2, idx, x.shape, *pool[:4]),
    )
    avg = ((3, 2), (2, 2), (1, 1), True, False)
    y3 = nk._avg_pool_forward(xp, x, *avg)
    np.testing.assert_array_equal(y3, nk.avg_pool_forward(x, *avg))
    np.testing.assert_array_equal(
        nk._avg_pool_backward(xp, y3, x.shape, *avg[:3], avg[4]),
        nk.avg_pool_backward(y3, x.shape, *avg[:3], avg[4]),
    )


# -- numpy set specifics -------------------------------------------------------------------------


def test_conv_grad_input_with_rows_past_the_last_window(conv_path):
    """x rows that no window reads (stride leaves a tail) get zero gradient."""
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((1, 1, 6, 6)), rng.standard_normal((1, 1, 2, 2))
    geom = ((3, 3), ((0, 0), (0, 0)), (1, 1), 1)
    y = nk.conv_forward(x, w, None, *geom)
    assert y.shape == (1, 1, 2, 2)
    gx = nk.conv_grad_input(np.ones_like(y), w, x.shape, *geom)
    assert np.all(gx[..., 2, :] == 0) and np.all(gx[..., 5, :] == 0)
    np.testing.assert_allclose(gx[0, 0, :2, :2], w[0, 0])


def test_conv_kernels_are_adjoint(conv_path):
    """<conv(x, w), gy> = <x, grad_input(gy, w)> = <w, grad_weight(x, gy)>."""
    rng = np.random.default_rng(2)
    for xs, ws, geom in [
        ((2, 4, 9), (6, 2, 3), ((2,), ((2, 1),), (2,), 2)),
        ((2, 3, 7, 8), (4, 3, 3, 3), ((1, 2), ((1, 1), (2, 0)), (2, 1), 1)),
        ((1, 2, 4, 5, 4), (2, 1, 2, 3, 2), ((1, 1, 2), ((0, 1), (1, 1), (0, 0)), (1, 1, 1), 2)),
    ]:
        x, w = rng.standard_normal(xs), rng.standard_normal(ws)
        y = nk.conv_forward(x, w, None, *geom)
        gy = rng.standard_normal(y.shape)
        lhs = np.sum(y * gy)
        assert np.sum(x * nk.conv_grad_input(gy, w, x.shape, *geom)) == pytest.approx(
            lhs, rel=1e-10
        )
        assert np.sum(w * nk.conv_grad_weight(x, gy, w.shape, *geom)) == pytest.approx(
            lhs, rel=1e-10
        )


# 'same'-padded stride-1 geometries take grad-input's flat col2im (whole-image shifts, with
# the positions that would wrap into a neighbouring row, channel or sample zeroed first)
SAME_GEOMETRIES = [
    ((2, 3, 7), (4, 3, 3), ((1,), ((1, 1),), (1,), 1)),
    ((2, 2, 6), (2, 2, 4), ((1,), ((1, 2),), (1,), 1)),  # even kernel: asymmetric padding
    ((3, 4, 5, 6), (4, 2, 3, 3), ((1, 1), ((1, 1), (1, 1)), (1, 1), 2)),
    ((2, 2, 6, 5), (3, 2, 4, 2), ((1, 1), ((3, 3), (0, 1)), (2, 1), 1)),  # dilated, even
    ((1, 2, 3, 2), (2, 2, 7, 5), ((1, 1), ((3, 3), (2, 2)), (1, 1), 1)),  # kernel > image
    ((2, 2, 3, 4, 5), (2, 1, 3, 3, 3), ((1, 1, 1), ((1, 1),) * 3, (1, 1, 1), 2)),
]


@pytest.mark.parametrize("xs, ws, geom", SAME_GEOMETRIES)
def test_conv_grad_input_same_padding_is_the_exact_transpose(xs, ws, geom, monkeypatch, conv_path):
    """grad_input(gy) = J^T gy with J the forward's matrix, built one input element at a time;
    also with one-sample chunks on a thread pool (each chunk spills into its own margin)."""
    rng = np.random.default_rng(3)
    w = rng.standard_normal(ws)
    y_shape = nk.conv_forward(np.zeros(xs), w, None, *geom).shape
    assert y_shape[2:] == xs[2:]  # the geometry keeps the image size
    jac = np.stack(
        [nk.conv_forward(e.reshape(xs), w, None, *geom).ravel() for e in np.eye(math.prod(xs))]
    )
    gy = rng.standard_normal(y_shape)
    ref = (jac @ gy.ravel()).reshape(xs)
    np.testing.assert_allclose(nk.conv_grad_input(gy, w, xs, *geom), ref, rtol=1e-12, atol=1e-12)
    monkeypatch.setattr(nk, "_CHUNK_BYTES", 1)
    monkeypatch.setattr(nk, "_PARALLEL_FLOPS", 0)
    monkeypatch.setenv("TAPEGRAD_NUM_THREADS", "2")
    np.testing.assert_allclose(nk.conv_grad_input(gy, w, xs, *geom), ref, rtol=1e-12, atol=1e-12)


def test_conv_forward_bias_is_folded_exactly(conv_path):
    """The bias rides in the GEMM as a column against a row of ones: same numbers as adding it
    after, and the reused per-thread buffers carry nothing from one call to the next."""
    rng = np.random.default_rng(4)
    geom = ((1, 1), ((1, 1), (1, 1)), (1, 1), 1)
    for xs, ws in [((2, 3, 6, 6), (4, 3, 3, 3)), ((3, 2, 5, 4), (5, 2, 3, 3))]:
        x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
        y = nk.conv_forward(x, w, b, *geom)
        np.testing.assert_allclose(
            y, nk.conv_forward(x, w, None, *geom) + b[:, None, None], rtol=1e-13, atol=1e-13
        )


def test_float32_in_float32_out(conv_path):
    x = np.ones((2, 3, 5, 5), np.float32)
    w = np.ones((4, 3, 3, 3), np.float32)
    geom = ((1, 1), ((1, 1), (1, 1)), (1, 1), 1)
    y = nk.conv_forward(x, w, None, *geom)
    assert y.dtype == np.float32
    assert nk.conv_grad_input(y, w, x.shape, *geom).dtype == np.float32
    assert nk.conv_grad_weight(x, y, w.shape, *geom).dtype == np.float32
    assert nk.max_pool_forward(x, (2, 2), (2, 2), (0, 0), (1, 1), False)[0].dtype == np.float32
    assert nk.avg_pool_forward(x, (2, 2), (2, 2), (0, 0), False, True).dtype == np.float32


# -- GPU ---------------------------------------------------------------------------------------


@pytest.mark.gpu
def test_cupy_set_matches_numpy_set():
    cp = backends.cupy_or_none()
    import backends.cupy_kernels as ck

    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((3, 4, 9, 8)), rng.standard_normal((6, 2, 3, 3))
    geom = ((2, 1), ((1, 1), (1, 0)), (1, 2), 2)
    y = nk.conv_forward(x, w, None, *geom)
    gy = rng.standard_normal(y.shape)
    np.testing.assert_allclose(ck.conv_forward(cp.asarray(x), cp.asarray(w), None, *geom).get(), y)
    np.testing.assert_allclose(
        ck.conv_grad_input(cp.asarray(gy), cp.asarray(w), x.shape, *geom).get(),
        nk.conv_grad_input(gy, w, x.shape, *geom),
    )
    np.testing.assert_allclose(
        ck.conv_grad_weight(cp.asarray(x), cp.asarray(gy), w.shape, *geom).get(),
        nk.conv_grad_weight(x, gy, w.shape, *geom),
    )
    pool = ((3, 3), (2, 2), (1, 1), (1, 1), True)
    yg, ig = ck.max_pool_forward(cp.asarray(x), *pool)
    yc, ic = nk.max_pool_forward(x, *pool)
    np.testing.assert_array_equal(yg.get(), yc)
    np.testing.assert_array_equal(ig.get(), ic)
    avg = ((3, 3), (2, 2), (1, 1), True, True)
    np.testing.assert_allclose(
        ck.avg_pool_forward(cp.asarray(x), *avg).get(), nk.avg_pool_forward(x, *avg)
    )


def test_max_pool_indices_fit_large_kernels():
    x = np.random.default_rng(4).permutation(300).astype(np.float64).reshape(1, 1, 15, 20)
    y, idx = nk.max_pool_forward(x, (15, 10), (15, 10), (0, 0), (1, 1), False)
    assert idx.dtype == np.int16  # 150 window positions do not fit int8
    for c in range(2):
        win = x[0, 0, :, c * 10 : (c + 1) * 10]
        assert y[0, 0, 0, c] == win.max() and idx[0, 0, 0, c] == win.argmax()
    gx = nk.max_pool_backward(np.ones_like(y), idx, x.shape, (15, 10), (15, 10), (0, 0), (1, 1))
    assert gx.sum() == 2 and gx[0, 0].ravel()[x[0, 0].ravel().argmax()] == 1


def test_max_pool_nan_wins_like_torch():
    x = np.array([[[1.0, np.nan, 3.0, 2.0, np.nan, np.nan]]])
    y, idx = nk.max_pool_forward(x, (3,), (3,), (0,), (1,), False)
    assert np.isnan(y).all()
    np.testing.assert_array_equal(idx, [[[1, 2]]])  # the last NaN of each window, as PyTorch


def test_max_pool_backward_keeps_a_non_finite_gy_in_its_window():
    x = np.array([[[1.0, 3.0, 2.0, 0.0]]])
    y, idx = nk.max_pool_forward(x, (2,), (2,), (0,), (1,), False)
    gx = nk.max_pool_backward(np.array([[[np.inf, 1.0]]]), idx, x.shape, (2,), (2,), (0,), (1,))
    np.testing.assert_array_equal(gx, [[[0.0, np.inf, 1.0, 0.0]]])


def test_kernel_threads_run_blas_single_threaded_and_restore_it(monkeypatch):
    """Inside the kernel thread pool BLAS runs one thread per call; afterwards (also after
    nested entries and an exception) every BLAS library has its thread count back."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    ctl = threadpoolctl.ThreadpoolController().select(user_api="blas")
    if not ctl.lib_controllers:
        pytest.skip("threadpoolctl finds no BLAS library to drive")
    with ctl.limit(limits=2):
        before = [lib.num_threads for lib in ctl.lib_controllers]
        seen = []
        monkeypatch.setattr(nk, "_PARALLEL_FLOPS", 0)
        monkeypatch.setenv("TAPEGRAD_NUM_THREADS", "2")

        def probe(sl):
            seen.append([lib.num_threads for lib in ctl.lib_controllers])
            with nk._blas_single_threaded():  # nested entry: still 1 inside, restored after
                pass
            return sl

        nk._batched(np, 4, 1, 1, probe)
        assert seen and all(n == 1 for row in seen for n in row)
        assert [lib.num_threads for lib in ctl.lib_controllers] == before

        def boom(sl):
            raise ValueError("kernel failed")

        with pytest.raises(ValueError, match="kernel failed"):
            nk._batched(np, 4, 1, 1, boom)
        assert [lib.num_threads for lib in ctl.lib_controllers] == before


def test_reused_pad_buffers_keep_their_border_per_padding(conv_path):
    """Two convs whose padded inputs have one shape but different paddings: the second must not
    read the first's values where its own padding should be zero."""
    rng = np.random.default_rng(5)
    for (xs, ws, p1), (xs2, ws2, p2) in [
        (((2, 3, 30, 30), (4, 3, 3, 3), 1), ((2, 3, 28, 28), (4, 3, 5, 5), 2)),
        (((2, 2, 9), (3, 2, 2), ((0, 1),)), ((2, 2, 9), (3, 2, 2), ((1, 0),))),
    ]:
        for x_shape, w_shape, p in ((xs, ws, p1), (xs2, ws2, p2)):
            d = len(x_shape) - 2
            pads = p if isinstance(p, tuple) else ((p, p),) * d
            geom = ((1,) * d, pads, (1,) * d, 1)
            x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
            y = nk.conv_forward(x, w, None, *geom)
            xp = np.pad(x, [(0, 0), (0, 0)] + list(pads))
            ref = nk.conv_forward(xp, w, None, (1,) * d, ((0, 0),) * d, (1,) * d, 1)
            np.testing.assert_allclose(y, ref, rtol=1e-12, atol=1e-12)
            gy = rng.standard_normal(y.shape)
            gw = nk.conv_grad_weight(x, gy, w.shape, *geom)
            ref_gw = nk.conv_grad_weight(xp, gy, w.shape, (1,) * d, ((0, 0),) * d, (1,) * d, 1)
            np.testing.assert_allclose(gw, ref_gw, rtol=1e-12, atol=1e-12)


def test_conv_with_no_output_channels(conv_path):
    x, w = np.ones((2, 3, 8, 8)), np.ones((0, 3, 3, 3))
    geom = ((1, 1), ((1, 1), (1, 1)), (1, 1), 1)
    assert nk.conv_forward(x, w, None, *geom).shape == (2, 0, 8, 8)
