"""Initialisers: statistics on 512x512 against the formulas, gains, fans, generators."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
import nn
from nn import init


def _w(*shape):
    return nn.Parameter(ag.empty(*shape))


def _std(t):
    return float(t.detach().numpy().astype(np.float64).std())


N = 512
FAN = N  # fan_in = fan_out = 512 for a 512x512 weight

STD_CASES = {
    "normal_": (lambda t: init.normal_(t, 0.0, 0.3), 0.3),
    "uniform_": (lambda t: init.uniform_(t, -2.0, 2.0), 4 / math.sqrt(12)),
    "small_random_": (init.small_random_, 0.01),
    "xavier_uniform_": (init.xavier_uniform_, math.sqrt(2 / (FAN + FAN))),
    "xavier_normal_(gain=2)": (lambda t: init.xavier_normal_(t, gain=2.0), 2 * math.sqrt(1 / FAN)),
    "kaiming_uniform_(relu)": (
        lambda t: init.kaiming_uniform_(t, nonlinearity="relu"),
        math.sqrt(2 / FAN),
    ),
    "kaiming_normal_(relu)": (
        lambda t: init.kaiming_normal_(t, nonlinearity="relu"),
        math.sqrt(2 / FAN),
    ),
    "kaiming_normal_(leaky 0.2)": (
        lambda t: init.kaiming_normal_(t, a=0.2),
        math.sqrt(2 / (1 + 0.04)) / math.sqrt(FAN),
    ),
    "kaiming_uniform_(sqrt5)": (
        lambda t: init.kaiming_uniform_(t, a=math.sqrt(5)),
        1 / math.sqrt(3 * FAN),
    ),  # fmt: skip
    "orthogonal_": (init.orthogonal_, 1 / math.sqrt(N)),
}


@pytest.mark.parametrize("name", list(STD_CASES))
def test_init_std_within_5_percent_of_formula(name):
    fn, expected = STD_CASES[name]
    w = _w(N, N)
    assert fn(w) is w
    assert abs(_std(w) - expected) < 0.05 * expected, (_std(w), expected)
    assert abs(float(w.detach().numpy().mean())) < 0.05 * expected + 1e-3
    assert w.requires_grad and w.is_leaf and w.dtype == np.float32


def test_fan_mode_and_conv_weight_fans_like_pytorch():
    w = _w(64, 16, 3, 3)  # conv weight: fan_in = 16*9 = 144, fan_out = 64*9 = 576
    assert init._calculate_fan_in_and_fan_out(w) == (144, 576)
    init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert abs(_std(w) - math.sqrt(2 / 576)) < 0.05 * math.sqrt(2 / 576)
    init.kaiming_normal_(w, mode="fan_in", nonlinearity="relu")
    assert abs(_std(w) - math.sqrt(2 / 144)) < 0.05 * math.sqrt(2 / 144)
    with pytest.raises(ValueError, match="fewer than 2"):
        init.xavier_uniform_(_w(5))
    with pytest.raises(ValueError, match="Mode"):
        init.kaiming_uniform_(w, mode="fan_avg")


def test_uniform_bounds_and_constant_fills():
    w = _w(100, 100)
    init.uniform_(w, -0.5, 0.25)
    a = w.detach().numpy()
    assert a.min() >= -0.5 and a.max() < 0.25
    assert not init.zeros_(w).detach().numpy().any()
    assert np.all(init.ones_(w).detach().numpy() == 1)
    assert np.all(init.constant_(w, 3.5).detach().numpy() == 3.5)
    e = init.eye_(_w(3, 4)).detach().numpy()
    np.testing.assert_array_equal(e, np.eye(3, 4))
    t = init.trunc_normal_(_w(200, 200), std=1.0, a=-1.0, b=1.0).detach().numpy()
    assert t.min() >= -1 and t.max() <= 1


def test_calculate_gain():
    assert init.calculate_gain("linear") == 1
    assert init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported"):
        init.calculate_gain("swishy")


def test_orthogonal_rows_or_columns_are_orthonormal():
    w = init.orthogonal_(_w(6, 10), gain=2.0).detach().numpy().astype(np.float64)
    np.testing.assert_allclose(w @ w.T, 4 * np.eye(6), atol=1e-5)
    v = init.orthogonal_(_w(10, 2, 3)).detach().numpy().reshape(10, 6).astype(np.float64)
    np.testing.assert_allclose(v.T @ v, np.eye(6), atol=1e-5)


def test_generator_and_global_seed_reproducibility():
    a, b = _w(4, 4), _w(4, 4)
    init.xavier_normal_(a, generator=np.random.default_rng(7))
    init.xavier_normal_(b, generator=np.random.default_rng(7))
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    ag.manual_seed(3)
    init.kaiming_uniform_(a)
    ag.manual_seed(3)
    init.kaiming_uniform_(b)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    with pytest.raises(TypeError, match="Generator"):
        init.normal_(a, generator=7)


def test_init_bumps_version_so_stale_graphs_raise():
    w = nn.Parameter(ag.randn(3, 3))
    x = ag.randn(2, 3)
    y = (x @ w).sum()
    init.zeros_(w)
    with pytest.raises(RuntimeError, match="modified"):
        y.backward()


def test_float64_tensors_get_float64_samples():
    w = nn.Parameter(ag.empty(300, 300, dtype=ag.float64))
    init.normal_(w, std=1e-9)
    assert w.dtype == np.float64 and abs(_std(w) - 1e-9) < 5e-11
