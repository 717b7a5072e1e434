"""nn.functional.affine_grid and grid_sample: identity sampling, hand-computed samples and
padding, gradcheck and gradgradcheck with respect to input and grid (grids kept away from the
kinks), nearest's zero grid gradient, dtypes, empty inputs, the errors, against PyTorch (values,
both gradients and second order, every mode, padding mode and align_corners, 4-D and 5-D), and
the cuda path (``gpu`` marker)."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest

import autograd as ag
import nn.functional as F
from autograd import ShapeError

MODES = ["bilinear", "nearest", "bicubic"]
PADS = ["zeros", "border", "reflection"]


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _np(t):
    return t.detach().cpu().numpy()


def _norm(c, n, align):
    """Pixel coordinate c along a dim of size n as a normalised grid value."""
    return c * 2 / (n - 1) - 1 if align else (2 * c + 1) / n - 1


def _grid(n, out, size, align, seed=0, lo=-2.0, hi=None):
    """A grid (n, *out, d) of pixel coordinates in [lo, size + 1) whose fractional parts avoid
    0 and 1/2 by at least 0.1 (the kinks of every mode and padding), normalised."""
    rng = np.random.default_rng(seed)
    d = len(size)
    cols = []
    for k in range(d):
        m = size[d - 1 - k]  # component k is spatial dim d - 1 - k
        whole = rng.integers(int(lo), (m + 1) if hi is None else hi, (n,) + out)
        frac = rng.choice([0.15, 0.3, 0.4, 0.65, 0.8, 0.9], (n,) + out)
        frac = frac + rng.uniform(-0.04, 0.04, frac.shape)
        cols.append(_norm(whole + frac, m, align))
    return np.stack(cols, axis=-1)


def _sample(x, g, **kw):
    return F.grid_sample(x, g, align_corners=kw.pop("align_corners", False), **kw)


# -- values -------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding_mode", PADS)
@pytest.mark.parametrize("align", [True, False])
def test_identity_theta_gives_the_input(mode, padding_mode, align):
    x = ag.tensor(np.random.default_rng(0).standard_normal((2, 3, 4, 5)))
    theta = ag.tensor(np.tile(np.eye(2, 3), (2, 1, 1)))
    g = F.affine_grid(theta, (2, 3, 4, 5), align_corners=align)
    y = F.grid_sample(x, g, mode=mode, padding_mode=padding_mode, align_corners=align)
    if align:
        np.testing.assert_array_equal(y.numpy(), x.numpy())
    else:
        np.testing.assert_allclose(y.numpy(), x.numpy(), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_identity_theta_gives_the_input_3d(mode):
    x = ag.tensor(np.random.default_rng(0).standard_normal((2, 2, 3, 4, 5)))
    theta = ag.tensor(np.tile(np.eye(3, 4), (2, 1, 1)))
    g = F.affine_grid(theta, (2, 2, 3, 4, 5), align_corners=True)
    np.testing.assert_array_equal(F.grid_sample(x, g, mode=mode, align_corners=True).numpy(),
                                  x.numpy())  # fmt: skip


def test_affine_grid_values():
    theta = ag.tensor([[[1.0, 0.0, 0.5], [0.0, 2.0, 0.0]]], dtype=ag.float64)
    g = F.affine_grid(theta, (1, 7, 2, 3), align_corners=True).numpy()
    xs, ys = np.meshgrid([-1.0, 0.0, 1.0], [-1.0, 1.0])
    np.testing.assert_allclose(g, np.stack([xs + 0.5, 2 * ys], -1)[None], rtol=1e-15)
    g = F.affine_grid(theta, (1, 7, 2, 3), align_corners=False).numpy()
    xs, ys = np.meshgrid([-2 / 3, 0.0, 2 / 3], [-0.5, 0.5])
    np.testing.assert_allclose(g, np.stack([xs + 0.5, 2 * ys], -1)[None], rtol=1e-15)
    theta3 = ag.tensor(np.arange(12.0).reshape(1, 3, 4))
    with pytest.warns(UserWarning, match="unit-size grids when align_corners=True"):
        g3 = F.affine_grid(theta3, (1, 1, 2, 1, 3), align_corners=True).numpy()
    assert g3.shape == (1, 2, 1, 3, 3)
    pos = np.array([-1.0, 0.0, 1.0])  # x along W; y = 0 (size 1); z = -1, 1 along D
    expect = np.array([[np.arange(12.0).reshape(3, 4) @ [x, 0.0, z, 1.0] for x in pos]
                       for z in (-1.0, 1.0)])  # fmt: skip
    np.testing.assert_allclose(g3[0, :, 0], expect)


def test_hand_computed_bilinear_and_padding():
    x = ag.tensor(np.arange(12.0).reshape(1, 1, 3, 4))  # x[h, w] = 4 h + w

    def at(cx, cy, **kw):  # sample at pixel coordinates (align_corners=True)
        g = ag.tensor([[[[_norm(cx, 4, True), _norm(cy, 3, True)]]]], dtype=ag.float64)
        return float(F.grid_sample(x, g, align_corners=True, **kw).numpy()[0, 0, 0, 0])

    assert at(1.25, 0.5) == pytest.approx(4 * 0.5 + 1.25)  # bilinear of a linear map
    assert at(-0.5, 1.0) == pytest.approx(0.5 * 4)  # half the weight on a zero outside
    assert at(-0.5, 1.0, padding_mode="border") == pytest.approx(4.0)
    assert at(-0.5, 1.0, padding_mode="reflection") == pytest.approx(4.5)  # -0.5 -> 0.5
    assert at(4.5, 2.5, padding_mode="reflection") == pytest.approx(4 * 1.5 + 1.5)
    assert at(9.0, 1.0) == 0.0
    assert at(1.5, 0.5, mode="nearest") == 4 * 0 + 2  # ties round to even: 1.5 -> 2, 0.5 -> 0
    assert at(2.5, 1.5, mode="nearest") == 4 * 2 + 2
    # bicubic: Keys' cubic convolution, a = -0.75, on the 4 x 4 taps around the point
    a = -0.75

    def keys(s):
        s = abs(s)
        return ((a + 2) * s - (a + 3)) * s * s + 1 if s <= 1 else (
            ((a * s - 5 * a) * s + 8 * a) * s - 4 * a)  # fmt: skip

    img = np.random.default_rng(0).standard_normal((5, 5))
    cx, cy = 1.25, 1.5
    want = sum(keys(cy - i) * keys(cx - j) * img[i, j] for i in range(4) for j in range(4))
    g = ag.tensor([[[[_norm(cx, 5, True), _norm(cy, 5, True)]]]], dtype=ag.float64)
    y = F.grid_sample(ag.tensor(img[None, None]), g, mode="bicubic", align_corners=True)
    assert float(y.numpy()[0, 0, 0, 0]) == pytest.approx(want, rel=1e-13)


def test_float32_stays_float32_and_empty_shapes():
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((2, 3, 4, 5)), dtype=ag.float32, requires_grad=True)
    g = ag.tensor(rng.uniform(-1, 1, (2, 2, 3, 2)), dtype=ag.float32, requires_grad=True)
    for mode in MODES:
        y = _sample(x, g, mode=mode)
        assert y.dtype == np.float32 and y.shape == (2, 3, 2, 3)
        y.sum().backward()
        assert x.grad.dtype == np.float32 and g.grad.dtype == np.float32
    theta = ag.tensor(np.eye(2, 3)[None], dtype=ag.float32)
    assert F.affine_grid(theta, (1, 1, 2, 2), align_corners=False).dtype == np.float32
    for xs, gs, out in [((0, 3, 4, 5), (0, 2, 3, 2), (0, 3, 2, 3)),
                        ((2, 0, 4, 5), (2, 2, 3, 2), (2, 0, 2, 3)),
                        ((2, 3, 4, 5), (2, 0, 3, 2), (2, 3, 0, 3))]:  # fmt: skip
        for mode in MODES:
            x0 = ag.zeros(xs, dtype=ag.float64, requires_grad=True)
            g0 = ag.zeros(gs, dtype=ag.float64, requires_grad=True)
            y = _sample(x0, g0, mode=mode)
            assert y.shape == out
            y.sum().backward()
            assert x0.grad.shape == xs and g0.grad.shape == gs
            assert not x0.grad.numpy().any() and not g0.grad.numpy().any()


def test_align_corners_none_warns_and_is_false():
    x = ag.tensor(np.random.default_rng(0).standard_normal((1, 1, 3, 4)))
    g = ag.tensor(np.random.default_rng(1).uniform(-1, 1, (1, 2, 2, 2)))
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        y = F.grid_sample(x, g)
    np.testing.assert_array_equal(y.numpy(), F.grid_sample(x, g, align_corners=False).numpy())
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.affine_grid(ag.tensor(np.eye(2, 3)[None]), (1, 1, 2, 2))


# -- gradients ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding_mode", PADS)
@pytest.mark.parametrize("align", [True, False])
def test_gradcheck(mode, padding_mode, align):
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)
    g = ag.tensor(_grid(1, (2, 2), (3, 4), align), requires_grad=True)
    assert ag.gradcheck(
        lambda a, b: F.grid_sample(a, b, mode, padding_mode, align_corners=align), (x, g)
    )


@pytest.mark.parametrize(
    "mode, padding_mode",
    [("bilinear", "zeros"), ("bilinear", "border"), ("bilinear", "reflection"),
     ("nearest", "reflection"), ("bicubic", "border")],
)  # fmt: skip
def test_gradgradcheck(mode, padding_mode):
    rng = np.random.default_rng(1)
    x = ag.tensor(rng.standard_normal((1, 2, 3, 3)), requires_grad=True)
    g = ag.tensor(_grid(1, (1, 3), (3, 3), False, seed=1), requires_grad=True)
    assert ag.gradgradcheck(
        lambda a, b: F.grid_sample(a, b, mode, padding_mode, align_corners=False), (x, g)
    )


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", PADS)
def test_gradcheck_3d(mode, padding_mode):
    rng = np.random.default_rng(2)
    x = ag.tensor(rng.standard_normal((2, 1, 2, 2, 3)), requires_grad=True)
    g = ag.tensor(_grid(2, (1, 1, 2), (2, 2, 3), True, seed=2), requires_grad=True)
    assert ag.gradcheck(
        lambda a, b: F.grid_sample(a, b, mode, padding_mode, align_corners=True), (x, g)
    )


def test_gradgradcheck_3d_and_affine_chain():
    rng = np.random.default_rng(3)
    x = ag.tensor(rng.standard_normal((1, 1, 2, 2, 3)), requires_grad=True)
    g = ag.tensor(_grid(1, (1, 1, 2), (2, 2, 3), False, seed=3), requires_grad=True)
    assert ag.gradgradcheck(lambda a, b: _sample(a, b, padding_mode="reflection"), (x, g))
    theta = ag.tensor(np.eye(2, 3)[None] + rng.uniform(-0.2, 0.2, (1, 2, 3)), requires_grad=True)
    x2 = ag.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)

    def warp(t, a):
        return _sample(a, F.affine_grid(t, (1, 2, 3, 4), align_corners=False))

    assert ag.gradcheck(warp, (theta, x2))


def test_nearest_grid_gradient_is_zero():
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)
    g = ag.tensor(rng.uniform(-1, 1, (1, 2, 2, 2)), requires_grad=True)
    y = _sample(x, g, mode="nearest")
    gx, gg = ag.grad((y * y).sum(), (x, g))
    assert gg is not None and gg.shape == g.shape
    np.testing.assert_array_equal(gg.numpy(), 0.0)
    assert np.abs(gx.numpy()).sum() > 0


# -- errors -------------------------------------------------------------------------------------


def test_errors():
    x = ag.zeros(2, 3, 4, 5, dtype=ag.float64)
    g = ag.zeros(2, 6, 7, 2, dtype=ag.float64)
    with pytest.raises(ValueError, match="grid_sample: expected mode to be 'bilinear', 'nearest'"):
        _sample(x, g, mode="linear")
    with pytest.raises(ValueError, match="grid_sample: expected padding_mode to be 'zeros'"):
        _sample(x, g, padding_mode="circular")
    with pytest.raises(TypeError, match="same dtype, got input float64 and grid float32"):
        _sample(x, ag.zeros(2, 6, 7, 2, dtype=ag.float32))
    with pytest.raises(TypeError, match="grid_sample: input must be a floating point tensor"):
        _sample(ag.zeros(2, 3, 4, 5, dtype=ag.int64), g)
    with pytest.raises(
        ShapeError,
        match=r"input of shape \(2, 3, 4, 5\) needs a grid "
        r"\(N, H_out, W_out, 2\) with N=2, got grid shape "
        r"\(1, 6, 7, 2\)",
    ):
        _sample(x, g[:1])
    with pytest.raises(ShapeError, match=r"got grid shape \(2, 6, 7, 3\)"):
        _sample(x, ag.zeros(2, 6, 7, 3, dtype=ag.float64))
    with pytest.raises(
        ShapeError, match=r"expected a 4-D .* or 5-D .* input, got shape \(3, 4, 5\)"
    ):
        _sample(x[0], g[0])
    with pytest.raises(ShapeError, match=r"bicubic interpolation only supports 4-D input"):
        _sample(ag.zeros(2, 3, 1, 4, 5, dtype=ag.float64), ag.zeros(2, 1, 2, 2, 3,
                dtype=ag.float64), mode="bicubic")  # fmt: skip
    with pytest.raises(ShapeError, match=r"non-empty spatial dims, got shape \(2, 3, 0, 5\)"):
        _sample(ag.zeros(2, 3, 0, 5, dtype=ag.float64), g)
    theta = ag.zeros(2, 2, 3, dtype=ag.float64)
    with pytest.raises(
        ShapeError,
        match=r"affine_grid: size \(2, 1, 4, 5\) needs theta of shape "
        r"\(N, 2, 3\) = \(2, 2, 3\).*got shape \(2, 3, 4\)",
    ):
        F.affine_grid(ag.zeros(2, 3, 4), (2, 1, 4, 5), align_corners=False)
    with pytest.raises(ShapeError, match=r"needs theta of shape .* = \(3, 2, 3\)"):
        F.affine_grid(theta, (3, 1, 4, 5), align_corners=False)
    with pytest.raises(TypeError, match="affine_grid: expected theta to have a floating point"):
        F.affine_grid(ag.zeros(2, 2, 3, dtype=ag.int64), (2, 1, 4, 5), align_corners=False)
    with pytest.raises(ShapeError, match=r"only 4-D .* and 5-D .* sizes .*got size \(2, 4, 5\)"):
        F.affine_grid(theta, (2, 4, 5), align_corners=False)
    with pytest.raises(ValueError, match=r"non-zero, positive output size, got \(2, 1, 0, 5\)"):
        F.affine_grid(theta, (2, 1, 0, 5), align_corners=False)


# -- against PyTorch ----------------------------------------------------------------------------


def _vs_torch(torch, xs, gs_out, mode, padding_mode, align, dtype=np.float64, seed=0,
              second=False):  # fmt: skip
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(xs).astype(dtype)
    gr = rng.uniform(-1.4, 1.4, (xs[0],) + gs_out + (len(xs) - 2,)).astype(dtype)
    x, g = ag.tensor(a, requires_grad=True), ag.tensor(gr, requires_grad=True)
    xt, gt = torch.tensor(a, requires_grad=True), torch.tensor(gr, requires_grad=True)
    kw = {"mode": mode, "padding_mode": padding_mode, "align_corners": align}
    y, yt = F.grid_sample(x, g, **kw), torch.nn.functional.grid_sample(xt, gt, **kw)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert y.dtype == np.dtype(dtype) and y.shape == tuple(yt.shape)
    np.testing.assert_allclose(_np(y), _np(yt), rtol=tol, atol=tol)
    v = rng.standard_normal(y.shape).astype(dtype)
    grads = ag.grad(y, (x, g), ag.tensor(v), create_graph=second)
    grads_t = torch.autograd.grad(yt, (xt, gt), torch.tensor(v), create_graph=second)
    for ours, theirs in zip(grads, grads_t):
        np.testing.assert_allclose(_np(ours), _np(theirs), rtol=tol, atol=tol * 10)
    if second:  # d/d(x, grid) of <grad_x, w1> + <grad_grid, w2>
        w = [rng.standard_normal(t.shape) for t in grads_t]
        s = sum((gr_ * ag.tensor(wi)).sum() for gr_, wi in zip(grads, w))
        st = sum((gr_ * torch.tensor(wi)).sum() for gr_, wi in zip(grads_t, w))
        # nearest: the gradients are constant in (x, grid), so nothing records them
        second_ours = ag.grad(s, (x, g), allow_unused=True) if s.requires_grad else (None, None)
        second_t = torch.autograd.grad(st, (xt, gt), allow_unused=True)
        for ours, theirs in zip(second_ours, second_t):
            if theirs is None or ours is None:
                for t in (ours, theirs):
                    assert t is None or not np.abs(_np(t)).any()
            else:
                np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding_mode", PADS)
@pytest.mark.parametrize("align", [True, False])
def test_against_torch(torch, mode, padding_mode, align):
    _vs_torch(torch, (2, 3, 4, 5), (3, 6), mode, padding_mode, align)


@pytest.mark.parametrize("mode", MODES)
def test_against_torch_float32(torch, mode):
    _vs_torch(torch, (2, 3, 5, 6), (4, 7), mode, "reflection", False, dtype=np.float32)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", PADS)
@pytest.mark.parametrize("align", [True, False])
def test_against_torch_3d(torch, mode, padding_mode, align):
    _vs_torch(torch, (2, 2, 3, 4, 5), (2, 3, 4), mode, padding_mode, align)


@pytest.mark.parametrize(
    "mode, padding_mode, xs, out",
    [("bilinear", "zeros", (1, 2, 3, 4), (2, 3)), ("bilinear", "reflection", (1, 2, 3, 4), (2, 3)),
     ("bicubic", "border", (1, 2, 3, 4), (2, 3)), ("nearest", "zeros", (1, 2, 3, 4), (2, 3)),
     ("bilinear", "border", (1, 2, 2, 3, 3), (1, 2, 2))],
)  # fmt: skip
def test_second_order_against_torch(torch, mode, padding_mode, xs, out):
    _vs_torch(torch, xs, out, mode, padding_mode, False, seed=4, second=True)


@pytest.mark.parametrize(
    "mode, padding_mode, align, xs, out",
    [("bicubic", "reflection", True, (2, 2, 3, 4), (2, 3)),
     ("bicubic", "zeros", False, (1, 3, 4, 3), (3, 2)),
     ("bilinear", "zeros", True, (2, 1, 2, 3, 3), (2, 1, 2)),
     ("nearest", "border", True, (1, 2, 2, 3, 2), (1, 2, 2))],
)  # fmt: skip
def test_more_second_order_against_torch(torch, mode, padding_mode, align, xs, out):
    _vs_torch(torch, xs, out, mode, padding_mode, align, seed=11, second=True)


@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 1, 3), (2, 2, 3, 4, 5)])
@pytest.mark.parametrize("align", [True, False])
def test_affine_grid_against_torch(torch, size, align):
    d = len(size) - 2
    th = np.random.default_rng(0).standard_normal((2, d, d + 1))
    t, tt = ag.tensor(th, requires_grad=True), torch.tensor(th, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the unit-size warning (both libraries)
        g = F.affine_grid(t, size, align_corners=align)
        gt = torch.nn.functional.affine_grid(tt, size, align_corners=align)
    np.testing.assert_allclose(_np(g), _np(gt), rtol=1e-14, atol=1e-15)
    v = np.random.default_rng(1).standard_normal(g.shape)
    g.backward(ag.tensor(v))
    gt.backward(torch.tensor(v))
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-13)


def test_affine_grid_float32_against_torch(torch):
    th = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    g = F.affine_grid(ag.tensor(th), (2, 1, 3, 4, 5), align_corners=False)
    gt = torch.nn.functional.affine_grid(torch.tensor(th), (2, 1, 3, 4, 5), align_corners=False)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g.numpy(), gt.numpy(), rtol=1e-6, atol=1e-6)


def test_non_finite_grid_against_torch(torch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 2, 4, 5))
    g = rng.uniform(-1, 1, (1, 1, 5, 2))
    g[0, 0, 0] = np.nan
    g[0, 0, 1, 0], g[0, 0, 2, 1], g[0, 0, 3, 0] = np.inf, -np.inf, 1e30
    for mode in MODES:
        for pad in PADS:
            kw = {"mode": mode, "padding_mode": pad, "align_corners": False}
            y = F.grid_sample(ag.tensor(x), ag.tensor(g), **kw).numpy()
            yt = torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(g), **kw).numpy()
            np.testing.assert_allclose(y, yt, rtol=1e-12, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "xs, out",
    [((2, 64, 6, 7), (70, 60)),  # several blocks per batch element in every mode
     ((5, 64, 6, 7), (10, 30)),  # 300 points per batch element: blocks of whole ones (bilinear)
     ((2, 2, 9, 11), (130, 300))],  # few channels: long blocks
)  # fmt: skip
def test_blocks_against_torch(torch, mode, xs, out):
    """Outputs large enough to be computed block by block (the CPU path's scratch holds about
    2^18 values: K taps x C channels x points)."""
    _vs_torch(torch, xs, out, mode, "border", True, seed=5)


@pytest.mark.parametrize("mode", MODES)
def test_blocks_float32_as_accurate_as_torch(torch, mode):
    """float32 over many blocks: the errors against float64 PyTorch are PyTorch float32's."""
    rng = np.random.default_rng(6)
    a, gr = rng.standard_normal((3, 16, 20, 24)), rng.uniform(-1.4, 1.4, (3, 50, 70, 2))
    v = rng.standard_normal((3, 16, 50, 70))
    kw = {"mode": mode, "padding_mode": "zeros", "align_corners": False}
    results = {}
    for lib, dt in (("ours", np.float32), ("torch32", np.float32), ("torch64", np.float64)):
        if lib == "ours":
            x = ag.tensor(a.astype(dt), requires_grad=True)
            g = ag.tensor(gr.astype(dt), requires_grad=True)
            y = F.grid_sample(x, g, **kw)
            assert y.dtype == np.float32
            grads = ag.grad(y, (x, g), ag.tensor(v.astype(dt)))
        else:
            x = torch.tensor(a.astype(dt), requires_grad=True)
            g = torch.tensor(gr.astype(dt), requires_grad=True)
            y = torch.nn.functional.grid_sample(x, g, **kw)
            grads = torch.autograd.grad(y, (x, g), torch.tensor(v.astype(dt)))
        results[lib] = [_np(t).astype(np.float64) for t in (y, *grads)]
    for ours, t32, ref in zip(results["ours"], results["torch32"], results["torch64"]):
        bound = 3 * np.abs(t32 - ref).max() + 1e-6 * np.abs(ref).max()
        assert np.abs(ours - ref).max() <= bound


@pytest.mark.parametrize("mode", MODES)
def test_strided_inputs_and_one_gradient_against_torch(torch, mode):
    rng = np.random.default_rng(7)
    a = rng.standard_normal((2, 6, 5, 8))[:, ::2, :, ::2]  # (2, 3, 5, 4), not contiguous
    gr = rng.uniform(-1.3, 1.3, (2, 2, 4, 3)).transpose(0, 2, 1, 3)  # (2, 4, 2, 3)[..., :2]
    gr = gr[..., :2]
    v = rng.standard_normal((2, 3, 4, 2))
    kw = {"mode": mode, "padding_mode": "reflection", "align_corners": False}
    for which in (0, 1):  # only x, then only the grid requires grad
        x, g = ag.tensor(a, requires_grad=which == 0), ag.tensor(gr, requires_grad=which == 1)
        xt = torch.tensor(a, requires_grad=which == 0)
        gt = torch.tensor(gr, requires_grad=which == 1)
        y, yt = F.grid_sample(x, g, **kw), torch.nn.functional.grid_sample(xt, gt, **kw)
        np.testing.assert_allclose(_np(y), _np(yt), rtol=1e-12, atol=1e-12)
        (ours,) = ag.grad(y, ((x, g)[which],), ag.tensor(v))
        (theirs,) = torch.autograd.grad(yt, ((xt, gt)[which],), torch.tensor(v))
        np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-12, atol=1e-11)
    # a raw grid (not a Tensor) and a non-contiguous gradient
    x = ag.tensor(a, requires_grad=True)
    y = F.grid_sample(x, gr, **kw)
    y.backward(ag.tensor(np.ascontiguousarray(v.transpose(0, 1, 3, 2))).transpose(2, 3))
    xt = torch.tensor(a, requires_grad=True)
    torch.nn.functional.grid_sample(xt, torch.tensor(gr), **kw).backward(torch.tensor(v))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-11)


def test_retain_graph_backward_twice_and_second_order_with_a_constant_grid():
    rng = np.random.default_rng(8)
    x = ag.tensor(rng.standard_normal((1, 2, 4, 5)), requires_grad=True)
    g = ag.tensor(_grid(1, (2, 3), (4, 5), False, seed=8), requires_grad=True)
    y = F.grid_sample(x, g, mode="bicubic", padding_mode="zeros", align_corners=False)
    v = ag.tensor(rng.standard_normal(y.shape))
    first = ag.grad(y, (x, g), v, retain_graph=True)
    again = ag.grad(y, (x, g), v)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    gc = _grid(1, (2, 3), (4, 5), False, seed=9)  # a raw grid: second order in x and gy only
    for mode in MODES:
        fn = functools.partial(F.grid_sample, grid=gc, mode=mode, padding_mode="border",
                               align_corners=True)  # fmt: skip
        assert ag.gradgradcheck(fn, (x,))


def test_non_finite_input_and_grid_gradients_against_torch(torch):
    """Taps outside read zeros, never the input: an inf or NaN pixel spreads only through
    the taps that read it; the gradients of NaN and infinite grid points match too."""
    rng = np.random.default_rng(10)
    a = rng.standard_normal((1, 2, 4, 5))
    a[0, 0, 0, 0], a[0, 1, 3, 4] = np.inf, np.nan
    gr = rng.uniform(-1.6, 1.6, (1, 3, 5, 2))
    gr[0, 0, 0] = np.nan
    gr[0, 0, 1, 0], gr[0, 0, 2, 1] = np.inf, -np.inf
    v = rng.standard_normal((1, 2, 3, 5))
    for mode in MODES:
        for pad in PADS:
            kw = {"mode": mode, "padding_mode": pad, "align_corners": False}
            x, g = ag.tensor(a, requires_grad=True), ag.tensor(gr, requires_grad=True)
            xt, gt = torch.tensor(a, requires_grad=True), torch.tensor(gr, requires_grad=True)
            y, yt = F.grid_sample(x, g, **kw), torch.nn.functional.grid_sample(xt, gt, **kw)
            np.testing.assert_allclose(_np(y), _np(yt), rtol=1e-12, atol=1e-12, equal_nan=True)
            if mode == "bilinear" and pad != "zeros":
                continue  # PyTorch 2.13's CPU backward crashes on these grids
            y.backward(ag.tensor(v))
            yt.backward(torch.tensor(v))
            for ours, theirs in ((x.grad, xt.grad), (g.grad, gt.grad)):
                np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-12, atol=1e-11,
                                           equal_nan=True)  # fmt: skip


# -- cuda ---------------------------------------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.parametrize(
    "mode, padding_mode, xs",
    [("bilinear", "zeros", (2, 3, 4, 5)), ("bicubic", "reflection", (2, 3, 4, 5)),
     ("nearest", "border", (2, 3, 4, 5)), ("bilinear", "reflection", (2, 2, 3, 4, 5))],
)  # fmt: skip
def test_grid_sample_on_cuda_matches_cpu(mode, padding_mode, xs):
    rng = np.random.default_rng(0)
    d = len(xs) - 2
    a = rng.standard_normal(xs)
    th = np.eye(d, d + 1)[None] + rng.uniform(-0.3, 0.3, (xs[0], d, d + 1))
    outs, v = [], None
    for dev in ("cpu", "cuda"):
        x = ag.tensor(a, device=dev, requires_grad=True)
        t = ag.tensor(th, device=dev, requires_grad=True)
        g = F.affine_grid(t, (xs[0], 1) + xs[2:], align_corners=False)
        y = F.grid_sample(x, g, mode, padding_mode, align_corners=False)
        v = rng.standard_normal(y.shape) if v is None else v
        y.backward(ag.tensor(v, device=dev))
        assert y.device.startswith(dev) and x.grad.device.startswith(dev)
        outs.append((_np(y), _np(x.grad), _np(t.grad)))
    for ours, ref in zip(outs[1], outs[0]):
        np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.gpu
@pytest.mark.parametrize("mode", MODES)
def test_second_order_on_cuda_matches_cpu(mode):
    rng = np.random.default_rng(12)
    a, gr = rng.standard_normal((1, 2, 3, 4)), _grid(1, (2, 3), (3, 4), False, seed=12)
    v, w = rng.standard_normal((1, 2, 2, 3)), rng.standard_normal(gr.shape)
    outs = []
    for dev in ("cpu", "cuda"):
        x = ag.tensor(a, device=dev, requires_grad=True)
        g = ag.tensor(gr, device=dev, requires_grad=True)
        y = F.grid_sample(x, g, mode, "reflection", align_corners=False)
        gx, gg = ag.grad(y, (x, g), ag.tensor(v, device=dev), create_graph=True)
        s = (gx * gx).sum() + (gg * ag.tensor(w, device=dev)).sum()
        second = ag.grad(s, (x, g), allow_unused=True) if s.requires_grad else (None, None)
        outs.append([_np(t) for t in (gx, gg) + tuple(t for t in second if t is not None)])
    assert len(outs[0]) == len(outs[1])
    for ours, ref in zip(outs[1], outs[0]):
        np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)
