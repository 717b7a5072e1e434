"""Adaptive max pooling (1d/2d/3d), adaptive average pooling 3d and avg_pool's divisor_override:
forward and indices against NumPy loop references, first and second order gradients, ties, NaN,
None entries, unbatched inputs, outputs larger than the input, errors, layers, torch parity."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

from .test_pooling import _distinct, _t

AMAX = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}
AMAX_LAYER = {1: nn.AdaptiveMaxPool1d, 2: nn.AdaptiveMaxPool2d, 3: nn.AdaptiveMaxPool3d}


def _full_size(S, out):
    out = (out,) * len(S) if isinstance(out, int) else tuple(out)
    return tuple(n if m is None else m for n, m in zip(S, out))


def _windows(S, out):
    """For each output position, the input slices of its window (PyTorch's adaptive rule)."""
    for pos in np.ndindex(*out):
        yield (
            pos,
            tuple(slice((o * n) // m, -(-((o + 1) * n) // m)) for o, n, m in zip(pos, S, out)),
        )


def ref_adaptive_max(x, out):
    """Loop reference: (y, flat argmax per (n, c) plane, gx for an upstream gradient g).

    PyTorch's scan: row-major over the window, a value wins if greater than the best so far or
    NaN; so ties keep the first maximum and the last NaN wins.
    """
    S = x.shape[2:]
    out = _full_size(S, out)
    y = np.zeros(x.shape[:2] + out, dtype=x.dtype)
    idx = np.zeros(x.shape[:2] + out, dtype=np.int64)
    for n, c in np.ndindex(*x.shape[:2]):
        for pos, sl in _windows(S, out):
            best, at = -np.inf, None
            for p in np.ndindex(*(s.stop - s.start for s in sl)):
                q = tuple(s.start + i for s, i in zip(sl, p))
                v = x[(n, c) + q]
                if at is None or v > best or np.isnan(v):
                    best, at = v, q
            y[(n, c) + pos] = best
            idx[(n, c) + pos] = np.ravel_multi_index(at, S)
    return y, idx


def ref_scatter(g, idx, x_shape):
    gx = np.zeros(x_shape)
    for n, c in np.ndindex(*x_shape[:2]):
        for pos in np.ndindex(*g.shape[2:]):
            gx[(n, c) + np.unravel_index(idx[(n, c) + pos], x_shape[2:])] += g[(n, c) + pos]
    return gx


MAX_CASES = [
    ((2, 3, 11), 4),
    ((2, 2, 10), 5),  # equal windows
    ((1, 2, 3), 7),  # output larger than input: windows repeat positions
    ((2, 3, 9, 10), (4, 3)),
    ((2, 2, 9, 10), (5, None)),
    ((1, 2, 4, 5), (7, 8)),
    ((1, 2, 7, 6), 1),  # global max
    ((1, 2, 5, 6, 7), (2, 3, 4)),
    ((2, 1, 4, 3, 5), (None, 5, 2)),
]


@pytest.mark.parametrize("shape, out", MAX_CASES)
def test_adaptive_max_pool_matches_loop_reference_with_indices_and_grad(shape, out):
    rng = np.random.default_rng(0)
    x = _distinct(rng, *shape)
    xt = _t(x, True)
    y, idx = AMAX[len(shape) - 2](xt, out, return_indices=True)
    ref_y, ref_idx = ref_adaptive_max(x, out)
    assert y.shape == ref_y.shape and idx.dtype == np.int64
    np.testing.assert_array_equal(y.detach().numpy(), ref_y)
    np.testing.assert_array_equal(idx.numpy(), ref_idx)
    g = rng.standard_normal(ref_y.shape)
    y.backward(_t(g))
    np.testing.assert_allclose(xt.grad.numpy(), ref_scatter(g, ref_idx, shape), rtol=1e-12)


@pytest.mark.parametrize("shape, out", MAX_CASES)
def test_adaptive_max_pool_gradcheck_and_gradgradcheck(shape, out):
    x = _t(_distinct(np.random.default_rng(1), *shape), True)
    f = AMAX[len(shape) - 2]
    assert ag.gradcheck(lambda x: f(x, out), (x,), eps=1e-7)
    assert ag.gradgradcheck(lambda x: f(x, out), (x,), eps=1e-7)


def test_adaptive_max_pool_second_order_through_a_nonlinearity():
    x = _t(_distinct(np.random.default_rng(2), 2, 2, 7, 5), True)
    assert ag.gradgradcheck(lambda x: (F.adaptive_max_pool2d(x, (3, 2)) ** 3).tanh(), (x,))
    y = (F.adaptive_max_pool2d(x, (3, 2)) ** 2).sum()
    (gx,) = ag.grad(y, (x,), create_graph=True)
    (ggx,) = ag.grad((gx * gx).sum(), (x,))
    # y = sum of m^2 over the window maxima m; a position that is the maximum of c windows
    # (windows overlap) has gx = 2 c m, so d/dx sum gx^2 = 8 c^2 m there
    _, idx = F.adaptive_max_pool2d(x.detach(), (3, 2), return_indices=True)
    xv = x.detach().numpy()
    m = xv.reshape(2, 2, -1)
    count = np.zeros_like(m)
    for n, c in np.ndindex(2, 2):
        for i in idx.numpy()[n, c].ravel():
            count[n, c, i] += 1
    assert count.max() > 1  # the overlap case is exercised
    expect = 8 * count**2 * m
    np.testing.assert_allclose(ggx.numpy(), expect.reshape(xv.shape), rtol=1e-12)


def test_adaptive_max_pool_ties_go_to_the_first_maximum():
    # 1-D: windows of 6 -> 3 are [0, 2), [2, 4), [4, 6); all equal picks each window's start
    x = _t(np.array([[[5.0, 5.0, 1.0, 1.0, 7.0, 7.0]]]), True)
    y, idx = F.adaptive_max_pool1d(x, 3, return_indices=True)
    np.testing.assert_array_equal(idx.numpy(), [[[0, 2, 4]]])
    y.backward(_t(np.array([[[1.0, 2.0, 3.0]]])))
    np.testing.assert_array_equal(x.grad.numpy(), [[[1.0, 0.0, 2.0, 0.0, 3.0, 0.0]]])
    # 2-D: the first maximum in row-major order of the window, (1, 0) before (1, 2)
    x2 = np.array([[0.0, 1.0, 0.0], [3.0, 2.0, 3.0], [3.0, 0.0, 0.0]])[None, None]
    _, idx2 = F.adaptive_max_pool2d(_t(x2), 1, return_indices=True)
    assert idx2.item() == 3
    # a constant input: overlapping windows (5 -> 3: [0, 2), [1, 4), [3, 5)) each pick their
    # first position, so the gradient goes to positions 0, 1, 3 (3-D: per dim)
    xc = _t(np.ones((1, 1, 5, 5, 5)), True)
    y3, idx3 = F.adaptive_max_pool3d(xc, 3, return_indices=True)
    first = np.array([0, 1, 3])
    expect = first[:, None, None] * 25 + first[None, :, None] * 5 + first[None, None, :]
    np.testing.assert_array_equal(idx3.numpy()[0, 0], expect)
    y3.sum().backward()
    assert xc.grad.numpy().sum() == 27 and set(np.flatnonzero(xc.grad.numpy())) == set(
        expect.ravel()
    )
    xr = np.round(np.random.default_rng(3).standard_normal((2, 2, 9, 7)))  # many ties
    _, idx4 = F.adaptive_max_pool2d(_t(xr), 4, return_indices=True)
    np.testing.assert_array_equal(idx4.numpy(), ref_adaptive_max(xr, 4)[1])


def test_adaptive_max_pool_nan_propagates_and_the_last_nan_wins():
    nan = np.nan
    x = _t(np.array([[[1.0, nan, 3.0, nan, 2.0, 0.0, 4.0, 1.0]]]), True)
    y, idx = F.adaptive_max_pool1d(x, 2, return_indices=True)
    assert np.isnan(y.detach().numpy()[0, 0, 0]) and y.detach().numpy()[0, 0, 1] == 4.0
    np.testing.assert_array_equal(idx.numpy(), [[[3, 6]]])
    y.backward(_t(np.array([[[1.0, 2.0]]])))
    np.testing.assert_array_equal(x.grad.numpy(), [[[0, 0, 0, 1.0, 0, 0, 2.0, 0]]])
    x2 = np.array([[1.0, nan], [nan, 2.0]])[None, None]
    y2, idx2 = F.adaptive_max_pool2d(_t(x2), 1, return_indices=True)
    assert np.isnan(y2.item()) and idx2.item() == 2
    x3 = _distinct(np.random.default_rng(4), 2, 3, 6, 7)
    x3[0, 1, 2, 3] = x3[1, 2, 0, 0] = x3[1, 2, 1, 0] = nan
    y3, idx3 = F.adaptive_max_pool2d(_t(x3), (4, 3), return_indices=True)
    ref_y, ref_idx = ref_adaptive_max(x3, (4, 3))
    np.testing.assert_array_equal(y3.numpy(), ref_y)  # NaN where the reference has NaN
    np.testing.assert_array_equal(idx3.numpy(), ref_idx)


def test_adaptive_max_pool_unbatched_none_entries_dtypes_and_empty_output():
    rng = np.random.default_rng(5)
    x = _distinct(rng, 3, 7, 9)  # unbatched (C, H, W)
    y, idx = F.adaptive_max_pool2d(_t(x), (None, 4), return_indices=True)
    ref_y, ref_idx = ref_adaptive_max(x[None], (7, 4))
    assert y.shape == (3, 7, 4) and idx.shape == (3, 7, 4)
    np.testing.assert_array_equal(y.numpy(), ref_y[0])
    np.testing.assert_array_equal(idx.numpy(), ref_idx[0])
    x1 = _t(_distinct(rng, 2, 6), True)  # unbatched 1-D, gradcheck through the reshape
    assert ag.gradcheck(lambda x: F.adaptive_max_pool1d(x, 4), (x1,), eps=1e-7)
    x3 = _distinct(rng, 2, 4, 5, 6)
    y3 = F.adaptive_max_pool3d(_t(x3), (2, None, None))
    np.testing.assert_array_equal(y3.numpy(), ref_adaptive_max(x3[None], (2, 5, 6))[0][0])
    y32 = F.adaptive_max_pool2d(ag.tensor(x.astype(np.float32)), 3)
    assert y32.dtype == np.float32
    xi = np.arange(40, dtype=np.int32).reshape(1, 2, 4, 5) % 7
    yi, ii = F.adaptive_max_pool2d(ag.tensor(xi), (3, 2), return_indices=True)
    assert yi.dtype == np.int32
    ref_yi, ref_ii = ref_adaptive_max(xi, (3, 2))
    np.testing.assert_array_equal(yi.numpy(), ref_yi)
    np.testing.assert_array_equal(ii.numpy(), ref_ii)
    xe = _t(_distinct(rng, 2, 3, 4, 5), True)
    ye = F.adaptive_max_pool2d(xe, (0, 2))  # as PyTorch: an empty output
    assert ye.shape == (2, 3, 0, 2)
    ye.sum().backward()
    np.testing.assert_array_equal(xe.grad.numpy(), np.zeros((2, 3, 4, 5)))


def test_adaptive_pool_errors_name_the_op_and_shapes():
    x = ag.zeros(2, 3, 4, 5)
    with pytest.raises(ValueError, match=r"adaptive_max_pool2d: output_size must be .*2 ints.*"
                       r"got \(1, 2, 3\) for input of shape \(2, 3, 4, 5\)"):  # fmt: skip
        F.adaptive_max_pool2d(x, (1, 2, 3))
    with pytest.raises(ValueError, match=r"adaptive_max_pool2d: output_size must be >= 0.*-1"):
        F.adaptive_max_pool2d(x, (-1, 2))
    with pytest.raises(TypeError, match=r"adaptive_max_pool3d: output_size must be an int"):
        F.adaptive_max_pool3d(ag.zeros(1, 2, 3, 4, 5), 2.5)
    with pytest.raises(TypeError, match=r"adaptive_max_pool1d: output_size"):
        F.adaptive_max_pool1d(ag.zeros(2, 3, 4), None)
    with pytest.raises(ag.ShapeError, match=r"adaptive_max_pool2d: expected a 3-D \(unbatched\) "
                       r"or 4-D \(batched\) input, got shape \(4, 5\)"):  # fmt: skip
        F.adaptive_max_pool2d(ag.zeros(4, 5), 2)
    with pytest.raises(ag.ShapeError, match=r"adaptive_max_pool2d: .*non-zero spatial.*0, 5"):
        F.adaptive_max_pool2d(ag.zeros(2, 3, 0, 5), 2)
    with pytest.raises(ag.ShapeError, match=r"adaptive_avg_pool3d: expected a 4-D"):
        F.adaptive_avg_pool3d(ag.zeros(4, 5), 2)
    with pytest.raises(ValueError, match=r"adaptive_avg_pool3d: output_size must be >= 1"):
        F.adaptive_avg_pool3d(ag.zeros(1, 1, 4, 4, 4), (0, 1, 1))
    with pytest.raises(ag.ShapeError, match=r"AdaptiveMaxPool3d\(output_size=2\).*got \(4, 4\)"):
        nn.AdaptiveMaxPool3d(2)(ag.zeros(4, 4))
    with pytest.raises(ValueError, match=r"AdaptiveMaxPool2d: output_size must be"):
        nn.AdaptiveMaxPool2d((1, 2, 3))
    with pytest.raises(ValueError, match=r"AdaptiveAvgPool3d: output_size must be"):
        nn.AdaptiveAvgPool3d((1, 2))


def test_adaptive_pool_layers():
    assert repr(nn.AdaptiveMaxPool2d((2, None))) == "AdaptiveMaxPool2d(output_size=(2, None))"
    assert repr(nn.AdaptiveMaxPool1d(3, True)) == "AdaptiveMaxPool1d(output_size=3)"
    assert repr(nn.AdaptiveAvgPool3d(2)) == "AdaptiveAvgPool3d(output_size=2)"
    rng = np.random.default_rng(6)
    x = _distinct(rng, 2, 3, 4, 5, 6)
    for d in (1, 2, 3):
        xd = x[(Ellipsis,) + (0,) * (3 - d)]
        y = AMAX_LAYER[d](3)(_t(xd))
        np.testing.assert_array_equal(y.numpy(), ref_adaptive_max(xd, 3)[0])
        y, idx = AMAX_LAYER[d](2, return_indices=True)(_t(xd[0]))  # unbatched
        assert y.shape == idx.shape == (3,) + (2,) * d
    y = nn.AdaptiveAvgPool3d((2, None, 3))(_t(x))
    np.testing.assert_allclose(y.numpy(), ref_adaptive_avg(x, (2, 5, 3)), rtol=1e-12)


# -- adaptive_avg_pool3d ----------------------------------------------------------------------


def ref_adaptive_avg(x, out):
    S = x.shape[2:]
    y = np.zeros(x.shape[:2] + tuple(out))
    for pos, sl in _windows(S, out):
        y[(Ellipsis,) + pos] = x[(Ellipsis,) + sl].mean(axis=tuple(range(2, 2 + len(S))))
    return y


@pytest.mark.parametrize("out", [1, 2, (3, 2, 5), (4, None, 7), (2, 4, 6)])
def test_adaptive_avg_pool3d(out):
    x = np.random.default_rng(7).standard_normal((2, 2, 4, 5, 6))
    full = _full_size(x.shape[2:], out)
    y = F.adaptive_avg_pool3d(_t(x), out)
    np.testing.assert_allclose(y.numpy(), ref_adaptive_avg(x, full), rtol=1e-12, atol=1e-15)
    unbatched = F.adaptive_avg_pool3d(_t(x[0]), out)
    np.testing.assert_allclose(unbatched.numpy(), y.numpy()[0], rtol=1e-12, atol=1e-15)
    xs = _t(x[:1, :1, :, :4, :5], True)
    assert ag.gradcheck(lambda x: F.adaptive_avg_pool3d(x, out), (xs,))
    assert ag.gradgradcheck(lambda x: F.adaptive_avg_pool3d(x, out).tanh(), (xs,))


# -- divisor_override -------------------------------------------------------------------------


def ref_sum_pool(x, k, s, p, ceil_mode=False):
    """Window sums (zero padding) by a loop over output positions."""
    d = x.ndim - 2
    S = x.shape[2:]
    out = []
    for n, kk, ss, pp in zip(S, k, s, p):
        span = n + 2 * pp - kk
        m = (-(-span // ss) if ceil_mode else span // ss) + 1
        if ceil_mode and (m - 1) * ss >= n + pp:
            m -= 1
        out.append(m)
    y = np.zeros(x.shape[:2] + tuple(out))
    for pos in np.ndindex(*out):
        sl = tuple(
            slice(max(pos[i] * s[i] - p[i], 0), min(pos[i] * s[i] - p[i] + k[i], S[i]))
            for i in range(d)
        )
        y[(Ellipsis,) + pos] = x[(Ellipsis,) + sl].sum(axis=tuple(range(2, 2 + d)))
    return y


DIV_CASES = [
    ((2, 3, 8, 8), dict(kernel_size=2), 3),
    ((2, 3, 8, 8), dict(kernel_size=2), 4),  # equal to the count: plain average
    ((2, 2, 9, 10), dict(kernel_size=3, stride=2, padding=1), 5),
    ((1, 2, 9, 7), dict(kernel_size=(3, 2), stride=(2, 3), padding=1, ceil_mode=True), -7),
    ((1, 2, 9, 7), dict(kernel_size=3, stride=2, count_include_pad=False, padding=1), 2),
    ((2, 2, 5, 6, 7), dict(kernel_size=2, stride=(1, 2, 3), padding=1, ceil_mode=True), 6),
]


@pytest.mark.parametrize("shape, kw, div", DIV_CASES)
def test_avg_pool_divisor_override(shape, kw, div):
    rng = np.random.default_rng(8)
    x = rng.standard_normal(shape)
    d = len(shape) - 2
    f = F.avg_pool2d if d == 2 else F.avg_pool3d
    k = kw["kernel_size"]
    k = (k,) * d if isinstance(k, int) else k
    s = kw.get("stride", k)
    s = (s,) * d if isinstance(s, int) else s
    p = (kw.get("padding", 0),) * d
    ref = ref_sum_pool(x, k, s, p, kw.get("ceil_mode", False)) / div
    y = f(_t(x), **kw, divisor_override=div)
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(f(_t(x[0]), **kw, divisor_override=div).numpy(), ref[0], rtol=1e-12)
    layer = (nn.AvgPool2d if d == 2 else nn.AvgPool3d)(**kw, divisor_override=div)
    np.testing.assert_allclose(layer(_t(x)).numpy(), ref, rtol=1e-12, atol=1e-15)
    xs = _t(x[:1, :2], True)
    assert ag.gradcheck(lambda x: f(x, **kw, divisor_override=div), (xs,))
    assert ag.gradgradcheck(lambda x: f(x, **kw, divisor_override=div).tanh(), (xs,))


def test_avg_pool_divisor_override_errors_and_dtype():
    x = ag.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match=r"avg_pool2d: divisor_override must be a nonzero int"):
        F.avg_pool2d(x, 2, divisor_override=0)
    with pytest.raises(
        TypeError, match=r"avg_pool3d: divisor_override must be a nonzero int.*2\.0"
    ):
        F.avg_pool3d(ag.zeros(1, 1, 4, 4, 4), 2, divisor_override=2.0)
    with pytest.raises(TypeError, match=r"avg_pool2d: divisor_override .*True"):
        F.avg_pool2d(x, 2, divisor_override=True)
    with pytest.raises(ValueError, match=r"AvgPool2d: divisor_override must be a nonzero int"):
        nn.AvgPool2d(2, divisor_override=0)
    with pytest.raises(TypeError, match=r"AvgPool3d: divisor_override"):
        nn.AvgPool3d(2, divisor_override="3")
    with pytest.raises(TypeError):  # as in PyTorch, 1-D average pooling has none
        F.avg_pool1d(ag.zeros(1, 1, 4), 2, divisor_override=2)
    with pytest.raises(TypeError):
        nn.AvgPool1d(2, divisor_override=2)
    x32 = ag.tensor(np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4))
    y = F.avg_pool2d(x32, 3, 1, 1, divisor_override=np.int64(2))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), ref_sum_pool(x32.numpy(), (3, 3), (1, 1), (1, 1)) / 2)


# -- torch parity ----------------------------------------------------------------------------


PARITY = [
    ("adaptive_max_pool1d", (2, 3, 11), dict(output_size=4)),
    ("adaptive_max_pool1d", (2, 3, 4), dict(output_size=9)),
    ("adaptive_max_pool2d", (2, 3, 9, 10), dict(output_size=(4, None))),
    ("adaptive_max_pool2d", (2, 3, 5, 7), dict(output_size=(9, 3))),
    ("adaptive_max_pool3d", (2, 2, 5, 6, 7), dict(output_size=(2, 3, 4))),
    ("adaptive_max_pool3d", (3, 4, 5, 6), dict(output_size=(None, 7, 1))),  # unbatched
    ("adaptive_avg_pool3d", (2, 2, 5, 6, 7), dict(output_size=(2, 4, 3))),
    ("adaptive_avg_pool3d", (2, 2, 5, 6, 7), dict(output_size=(None, 8, 7))),
    ("avg_pool2d", (2, 3, 9, 10), dict(kernel_size=3, stride=2, padding=1, divisor_override=4)),
    (
        "avg_pool2d",
        (2, 3, 9, 10),
        dict(kernel_size=(2, 3), stride=(3, 2), padding=1, ceil_mode=True, divisor_override=-5),
    ),
    (
        "avg_pool3d",
        (2, 2, 5, 6, 7),
        dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, divisor_override=7),
    ),
]


@pytest.mark.parametrize("name, shape, kw", PARITY)
def test_torch_parity(name, shape, kw):
    torch = pytest.importorskip("torch")
    x = _distinct(np.random.default_rng(10), *shape)
    ours, theirs = _t(x, True), torch.tensor(x, requires_grad=True)
    y, yt = getattr(F, name)(ours, **kw), getattr(torch.nn.functional, name)(theirs, **kw)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-14)
    g = np.random.default_rng(11).standard_normal(tuple(yt.shape))
    y.backward(_t(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_adaptive_max_pool_indices_ties_and_nan_torch_parity(d):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(12)
    shape = (2, 3) + (7, 6, 5)[:d]
    x = np.round(rng.standard_normal(shape) * 2)  # many ties
    x[rng.random(shape) < 0.05] = np.nan
    for out in (3, 4, 9):
        y, idx = AMAX[d](_t(x), out, return_indices=True)
        yt, it = getattr(torch.nn.functional, f"adaptive_max_pool{d}d")(
            torch.tensor(x), out, return_indices=True
        )
        np.testing.assert_array_equal(y.numpy(), yt.numpy())
        np.testing.assert_array_equal(idx.numpy(), it.numpy())
        layer_y, layer_idx = AMAX_LAYER[d](out, return_indices=True)(_t(x))
        np.testing.assert_array_equal(layer_idx.numpy(), it.numpy())


def test_adaptive_max_pool_double_backward_torch_parity():
    torch = pytest.importorskip("torch")
    x = _distinct(np.random.default_rng(13), 2, 2, 7, 9)
    ours, theirs = _t(x, True), torch.tensor(x, requires_grad=True)
    (gx,) = ag.grad((F.adaptive_max_pool2d(ours, (3, 4)) ** 3).sum(), (ours,), create_graph=True)
    yt = (torch.nn.functional.adaptive_max_pool2d(theirs, (3, 4)) ** 3).sum()
    (gxt,) = torch.autograd.grad(yt, (theirs,), create_graph=True)
    (ggx,) = ag.grad((gx * gx).sum(), (ours,))
    (ggxt,) = torch.autograd.grad((gxt * gxt).sum(), (theirs,))
    np.testing.assert_allclose(gx.detach().numpy(), gxt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ggx.numpy(), ggxt.numpy(), rtol=1e-12)


# -- cupy (skipped without a GPU) -------------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.parametrize(
    "fn, shape",
    [
        (lambda x: F.adaptive_max_pool1d(x, 4), (2, 3, 11)),
        (lambda x: F.adaptive_max_pool2d(x, (4, None)), (2, 3, 9, 10)),
        (lambda x: F.adaptive_max_pool3d(x, (2, 7, 3)), (2, 2, 5, 6, 7)),
        (lambda x: F.adaptive_avg_pool3d(x, (2, 4, 3)), (2, 2, 5, 6, 7)),
        (lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, divisor_override=5), (2, 3, 9, 10)),
    ],
)
def test_on_cuda_matches_cpu(fn, shape):
    x = _distinct(np.random.default_rng(14), *shape)
    x[0, 0, 0] = np.nan
    cpu, gpu = _t(x, True), _t(x).to("cuda").requires_grad_(True)
    y, yg = fn(cpu), fn(gpu)
    np.testing.assert_allclose(yg.detach().cpu().numpy(), y.detach().numpy(), rtol=1e-12)
    g = np.random.default_rng(15).standard_normal(tuple(y.shape))
    y.backward(_t(g))
    yg.backward(_t(g).to("cuda"))
    np.testing.assert_allclose(gpu.grad.cpu().numpy(), cpu.grad.numpy(), rtol=1e-12, atol=1e-14)
    xs = _t(_distinct(np.random.default_rng(16), *shape)).to("cuda").requires_grad_(True)
    assert ag.gradgradcheck(fn, (xs,), eps=1e-7)
