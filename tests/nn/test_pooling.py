"""Pooling: max/avg pooling against loop references, gradients (first and second order), the
indices, adaptive average pooling, the layers, torch parity."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F


def _t(a, requires_grad=False):
    return ag.tensor(a, dtype=ag.float64, requires_grad=requires_grad)


def _distinct(rng, *shape):
    """Values without ties (a shuffled grid plus jitter), so max pooling is differentiable."""
    a = rng.permutation(math.prod(shape)).astype(np.float64) / math.prod(shape)
    return (a + rng.uniform(0, 0.1 / math.prod(shape), a.shape)).reshape(shape) - 0.5


def _tup(v, d):
    return (v,) * d if isinstance(v, int) else tuple(v)


def _out(n, k, s, p, dl, ceil_mode):
    span = n + 2 * p - dl * (k - 1) - 1
    m = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (m - 1) * s >= n + p:
        m -= 1
    return m


def ref_pool(x, kind, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
             count_include_pad=True):  # fmt: skip
    """Pooling by a loop over output positions. Returns (y, flat argmax indices or None)."""
    d = x.ndim - 2
    k = _tup(kernel_size, d)
    s = _tup(stride if stride is not None else kernel_size, d)
    p, dl = _tup(padding, d), _tup(dilation, d)
    S = x.shape[2:]
    out = tuple(_out(S[i], k[i], s[i], p[i], dl[i], ceil_mode) for i in range(d))
    y = np.zeros(x.shape[:2] + out)
    idx = np.zeros(x.shape[:2] + out, dtype=np.int64)
    for n, c in np.ndindex(*x.shape[:2]):
        for pos in np.ndindex(*out):
            vals, where, cnt_pad = [], [], 1
            for i in range(d):
                start = pos[i] * s[i] - p[i]
                cnt_pad *= min(start + k[i], S[i] + p[i]) - start
            for off in np.ndindex(*k):
                at = tuple(pos[i] * s[i] - p[i] + off[i] * dl[i] for i in range(d))
                if all(0 <= at[i] < S[i] for i in range(d)):
                    vals.append(x[(n, c) + at])
                    where.append(np.ravel_multi_index(at, S))
            if kind == "max":
                j = int(np.argmax(vals))
                y[(n, c) + pos], idx[(n, c) + pos] = vals[j], where[j]
            else:
                y[(n, c) + pos] = sum(vals) / (cnt_pad if count_include_pad else len(vals))
    return y, idx


MAX_CASES = [
    ((2, 3, 9), dict(kernel_size=3)),
    ((2, 2, 10), dict(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True)),
    ((2, 3, 8, 8), dict(kernel_size=2)),
    ((2, 2, 9, 10), dict(kernel_size=3, stride=2, padding=1)),
    (
        (1, 2, 9, 7),
        dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 1), dilation=(2, 1), ceil_mode=True),
    ),
    ((1, 2, 7, 6), dict(kernel_size=3, stride=1, padding=1)),  # overlapping windows
]
MAXPOOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
AVGPOOL = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


@pytest.mark.parametrize("shape, kw", MAX_CASES)
def test_max_pool_matches_loop_reference_with_indices(shape, kw):
    x = _distinct(np.random.default_rng(0), *shape)
    y, idx = MAXPOOL[len(shape) - 2](_t(x), **kw, return_indices=True)
    ref_y, ref_idx = ref_pool(x, "max", **kw)
    np.testing.assert_array_equal(y.numpy(), ref_y)
    np.testing.assert_array_equal(idx.numpy(), ref_idx)
    assert idx.dtype == np.int64


@pytest.mark.parametrize("shape, kw", MAX_CASES)
def test_max_pool_gradcheck(shape, kw):
    x = _t(_distinct(np.random.default_rng(1), *shape), True)
    f = MAXPOOL[len(shape) - 2]
    assert ag.gradcheck(lambda x: f(x, **kw), (x,), eps=1e-7)


def test_max_pool_gradgradcheck():
    x = _t(_distinct(np.random.default_rng(2), 1, 2, 7, 6), True)
    assert ag.gradgradcheck(lambda x: F.max_pool2d(x, 3, 2, 1), (x,), eps=1e-7)


def test_max_pool_gradient_goes_to_first_maximum_and_sums_over_overlaps():
    x = _t(np.array([[[1.0, 5.0, 5.0, 2.0, 0.0]]]), True)
    y = F.max_pool1d(x, 3, stride=1)  # windows [1 5 5] [5 5 2] [5 2 0]: picks x1, x1, x2
    np.testing.assert_array_equal(y.detach().numpy(), [[[5.0, 5.0, 5.0]]])
    y.backward(_t(np.array([[[1.0, 2.0, 4.0]]])))
    np.testing.assert_array_equal(x.grad.numpy(), [[[0.0, 3.0, 4.0, 0.0, 0.0]]])


def test_max_pool_nan_propagates_and_int_input():
    x = np.array([[[1.0, np.nan, 3.0, 0.0]]])
    y = F.max_pool1d(_t(x), 2).numpy()
    assert np.isnan(y[0, 0, 0]) and y[0, 0, 1] == 3.0
    xi = ag.tensor(np.arange(16, dtype=np.int32).reshape(1, 1, 4, 4))
    np.testing.assert_array_equal(
        F.max_pool2d(xi, 2, padding=1).numpy(), [[[[0, 2, 3], [8, 10, 11], [12, 14, 15]]]]
    )


AVG_CASES = [
    ((2, 3, 9), dict(kernel_size=3)),
    ((2, 2, 10), dict(kernel_size=4, stride=3, padding=2, ceil_mode=True)),
    ((2, 2, 10), dict(kernel_size=4, stride=3, padding=2, ceil_mode=True, count_include_pad=False)),
    ((2, 3, 8, 8), dict(kernel_size=2)),
    ((2, 2, 9, 10), dict(kernel_size=3, stride=2, padding=1)),
    (
        (1, 2, 9, 7),
        dict(
            kernel_size=(3, 2),
            stride=(2, 3),
            padding=(1, 1),
            ceil_mode=True,
            count_include_pad=False,
        ),
    ),
    ((1, 2, 9, 7), dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 1), ceil_mode=True)),
]


@pytest.mark.parametrize("shape, kw", AVG_CASES)
def test_avg_pool_matches_loop_reference_and_gradchecks(shape, kw):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape)
    f = AVGPOOL[len(shape) - 2]
    np.testing.assert_allclose(f(_t(x), **kw).numpy(), ref_pool(x, "avg", **kw)[0], rtol=1e-12)
    assert ag.gradcheck(lambda x: f(x, **kw), (_t(x, True),))


def test_avg_pool_gradgradcheck():
    x = _t(np.random.default_rng(4).standard_normal((1, 2, 7, 6)), True)
    assert ag.gradgradcheck(lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True), (x,))


def test_pool_3d_and_unbatched():
    x = np.random.default_rng(5).standard_normal((2, 5, 6, 4))
    y = F.max_pool3d(_t(x), 2)  # unbatched (C, D, H, W)
    assert y.shape == (2, 2, 3, 2)
    np.testing.assert_allclose(y.numpy(), ref_pool(x[None], "max", 2)[0][0])
    np.testing.assert_allclose(
        F.avg_pool3d(_t(x[None]), (2, 3, 2)).numpy(), ref_pool(x[None], "avg", (2, 3, 2))[0]
    )
    np.testing.assert_allclose(F.avg_pool2d(_t(x[0]), 2).numpy(), ref_pool(x[:1], "avg", 2)[0][0])


def _adaptive_ref(x, out):
    d = len(out)
    S = x.shape[2:]
    y = np.zeros(x.shape[:2] + tuple(out))
    for pos in np.ndindex(*out):
        sl = tuple(
            slice((pos[i] * S[i]) // out[i], -(-((pos[i] + 1) * S[i]) // out[i])) for i in range(d)
        )
        y[(Ellipsis,) + pos] = x[(Ellipsis,) + sl].mean(axis=tuple(range(2, 2 + d)))
    return y


@pytest.mark.parametrize("out", [(1, 1), (2, 3), (3, 4), (4, 7), (9, 10), (5, None)])
def test_adaptive_avg_pool2d(out):
    x = np.random.default_rng(6).standard_normal((2, 3, 9, 10))
    full = tuple(n if m is None else m for n, m in zip(x.shape[2:], out))
    np.testing.assert_allclose(
        F.adaptive_avg_pool2d(_t(x), out).numpy(), _adaptive_ref(x, full), rtol=1e-12
    )
    assert ag.gradcheck(lambda x: F.adaptive_avg_pool2d(x, out), (_t(x[:1, :2], True),))


def test_adaptive_avg_pool1d_and_int_size():
    x = np.random.default_rng(7).standard_normal((2, 3, 11))
    np.testing.assert_allclose(
        F.adaptive_avg_pool1d(_t(x), 4).numpy(), _adaptive_ref(x, (4,)), rtol=1e-12
    )
    x2 = np.random.default_rng(8).standard_normal((3, 7, 7))
    assert F.adaptive_avg_pool2d(_t(x2), 3).shape == (3, 3, 3)


def test_pool_errors():
    x = ag.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match="at most half of the effective kernel"):
        F.max_pool2d(x, 2, padding=2)
    with pytest.raises(ag.ShapeError, match="too small"):
        F.avg_pool2d(x, 5)
    with pytest.raises(ag.ShapeError, match=r"max_pool2d: expected a 3-D \(unbatched\) or 4-D"):
        F.max_pool2d(ag.zeros(4, 4), 2)
    with pytest.raises(ag.ShapeError, match=r"MaxPool2d\(kernel_size=2.*got \(4, 4\)"):
        nn.MaxPool2d(2)(ag.zeros(4, 4))
    with pytest.raises(TypeError, match="floating-point"):
        F.avg_pool2d(ag.zeros(1, 1, 4, 4, dtype=ag.int64), 2)


def test_pool_layers_repr_and_forward():
    assert (
        repr(nn.MaxPool2d(2))
        == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    )
    assert repr(nn.AvgPool2d(3, 2, 1)) == "AvgPool2d(kernel_size=3, stride=2, padding=1)"
    assert repr(nn.AvgPool1d(3)) == "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))"
    assert repr(nn.AdaptiveAvgPool2d((1, 1))) == "AdaptiveAvgPool2d(output_size=(1, 1))"
    x = _t(np.random.default_rng(9).standard_normal((2, 3, 8, 8)))
    assert nn.MaxPool2d(2)(x).shape == (2, 3, 4, 4)
    assert nn.MaxPool1d(3, 2)(x[:, :, 0]).shape == (2, 3, 3)
    assert nn.AvgPool2d(3, 2, 1)(x).shape == (2, 3, 4, 4)
    assert nn.AdaptiveAvgPool2d(1)(x).shape == (2, 3, 1, 1)
    assert nn.AdaptiveAvgPool1d(2)(x[:, :, 0]).shape == (2, 3, 2)
    y, idx = nn.MaxPool2d(2, return_indices=True)(x)
    assert idx.shape == y.shape


# -- torch parity ------------------------------------------------------------------------------

PARITY = [
    ("max_pool1d", (2, 3, 11), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("max_pool2d", (2, 3, 9, 10), dict(kernel_size=3, stride=2, padding=1, dilation=(1, 2))),
    ("max_pool2d", (2, 3, 8, 8), dict(kernel_size=2)),
    ("avg_pool1d", (2, 3, 11), dict(kernel_size=4, stride=3, padding=2, ceil_mode=True)),
    (
        "avg_pool2d",
        (2, 3, 9, 10),
        dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    ),
    (
        "avg_pool2d",
        (2, 3, 9, 10),
        dict(kernel_size=(2, 3), stride=(3, 2), padding=1, ceil_mode=True),
    ),
    ("adaptive_avg_pool2d", (2, 3, 9, 10), dict(output_size=(4, 3))),
    ("adaptive_avg_pool1d", (2, 3, 11), dict(output_size=5)),
]


@pytest.mark.parametrize("name, shape, kw", PARITY)
def test_pool_torch_parity(name, shape, kw):
    torch = pytest.importorskip("torch")
    x = _distinct(np.random.default_rng(10), *shape)
    ours, theirs = _t(x, True), torch.tensor(x, requires_grad=True)
    y, yt = getattr(F, name)(ours, **kw), getattr(torch.nn.functional, name)(theirs, **kw)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-14)
    g = np.random.default_rng(11).standard_normal(yt.shape)
    y.backward(_t(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_max_pool_indices_torch_parity():
    torch = pytest.importorskip("torch")
    x = _distinct(np.random.default_rng(12), 2, 2, 9, 8)
    kw = dict(kernel_size=3, stride=2, padding=1, dilation=(2, 1), ceil_mode=True)
    _, idx = F.max_pool2d(_t(x), **kw, return_indices=True)
    _, it = torch.nn.functional.max_pool2d(torch.tensor(x), **kw, return_indices=True)
    np.testing.assert_array_equal(idx.numpy(), it.numpy())
