"""Dropout: keep rate and scaling statistics, gradients through the mask, eval identity,
reproducibility from the seed, channel-wise forms."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_keep_rate_and_scaling(p):
    x = ag.ones(200, 500)
    y = F.dropout(x, p).numpy()
    kept = y != 0
    n = y.size
    # the kept fraction is Binomial(n, 1 - p): within 5 standard deviations
    assert abs(kept.mean() - (1 - p)) < 5 * np.sqrt(p * (1 - p) / n)
    np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-6)  # inverted scaling
    assert abs(y.mean() - 1.0) < 5 * np.sqrt(p / (1 - p) / n)  # unbiased in expectation
    assert y.dtype == np.float32


def test_dropout_gradient_is_the_scaled_mask():
    x = ag.tensor(np.random.default_rng(0).standard_normal((50, 40)), requires_grad=True)
    y = F.dropout(x, 0.3)
    g = np.random.default_rng(1).standard_normal((50, 40))
    y.backward(ag.tensor(g))
    mask = (y.detach().numpy() != 0) / 0.7
    np.testing.assert_allclose(x.grad.numpy(), g * mask, rtol=1e-12)
    np.testing.assert_allclose(y.detach().numpy(), x.detach().numpy() * mask, rtol=1e-12)


def test_dropout_eval_and_edge_probabilities():
    x = ag.randn(4, 5)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert np.all(F.dropout(x, 1.0).numpy() == 0)
    layer = nn.Dropout(0.5)
    layer.eval()
    assert layer(x) is x
    layer.train()
    assert np.any(layer(ag.ones(100)).numpy() == 0)
    for bad in (-0.1, 1.5, "0.5"):
        with pytest.raises(ValueError, match="between 0 and 1"):
            F.dropout(x, bad)
        with pytest.raises(ValueError, match="between 0 and 1"):
            nn.Dropout(bad)


def test_dropout_reproducible_from_the_seed():
    ag.manual_seed(123)
    a = F.dropout(ag.ones(1000), 0.5).numpy()
    ag.manual_seed(123)
    b = F.dropout(ag.ones(1000), 0.5).numpy()
    c = F.dropout(ag.ones(1000), 0.5).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c)
    gen = np.random.default_rng(7)
    d = F.dropout(ag.ones(1000), 0.5, generator=gen).numpy()
    assert d.shape == (1000,)


@pytest.mark.parametrize(
    "fn, shape",
    [(F.dropout1d, (8, 16, 5)), (F.dropout2d, (8, 16, 4, 3)), (F.dropout2d, (16, 4, 3)),
     (F.dropout3d, (4, 8, 2, 3, 2))],
)  # fmt: skip
def test_feature_dropout_zeroes_whole_channels(fn, shape):
    y = fn(ag.ones(*shape), 0.5).numpy()
    lead = len(shape) - {F.dropout1d: 1, F.dropout2d: 2, F.dropout3d: 3}[fn]
    per_channel = y.reshape(shape[:lead] + (-1,))
    assert np.all(per_channel.min(-1) == per_channel.max(-1))  # constant within a channel
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert 0 < (per_channel[..., 0] == 0).mean() < 1


def test_dropout2d_rejects_wrong_rank_and_layers_repr():
    with pytest.raises(ag.ShapeError, match="dropout2d"):
        F.dropout2d(ag.ones(4, 5), 0.5)
    assert repr(nn.Dropout(0.2)) == "Dropout(p=0.2, inplace=False)"
    assert repr(nn.Dropout2d()) == "Dropout2d(p=0.5, inplace=False)"
    y = nn.Dropout2d(0.5)(ag.ones(2, 3, 4, 4))
    assert y.shape == (2, 3, 4, 4)
