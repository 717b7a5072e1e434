"""Activations: forward against NumPy references, gradcheck and gradgradcheck in float64."""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

from .helpers import check_module_grads, rand64

_erf = np.vectorize(math.erf)
SA, SS = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _softplus(x, beta=1.0, th=20.0):
    return np.where(beta * x > th, x, np.log1p(np.exp(beta * x)) / beta)


def _elu(x, a=1.0):
    return np.where(x > 0, x, a * (np.exp(x) - 1))


def _softmax(x, d):
    e = np.exp(x - x.max(axis=d, keepdims=True))
    return e / e.sum(axis=d, keepdims=True)


# name: (module factory, numpy reference, kinks to keep gradcheck samples away from)
ACTIVATIONS = {
    "Sigmoid": (nn.Sigmoid, _sig, ()),
    "Tanh": (nn.Tanh, np.tanh, ()),
    "ReLU": (nn.ReLU, lambda x: np.maximum(x, 0), (0,)),
    "ReLU6": (nn.ReLU6, lambda x: np.clip(x, 0, 6), (0, 6)),
    "LeakyReLU": (nn.LeakyReLU, lambda x: np.where(x > 0, x, 0.01 * x), (0,)),
    "LeakyReLU(0.2)": (lambda: nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x), (0,)),
    "ELU": (nn.ELU, _elu, (0,)),
    "ELU(0.5)": (lambda: nn.ELU(0.5), lambda x: _elu(x, 0.5), (0,)),
    "SELU": (nn.SELU, lambda x: SS * _elu(x, SA), (0,)),
    "CELU(2)": (
        lambda: nn.CELU(2.0),
        lambda x: np.maximum(x, 0) + np.minimum(0, 2 * np.expm1(x / 2)),
        (0,),
    ),  # noqa: E501
    "GELU": (nn.GELU, lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2))), ()),
    "GELU(tanh)": (
        lambda: nn.GELU("tanh"),
        lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
        (),
    ),
    "SiLU": (nn.SiLU, lambda x: x * _sig(x), ()),
    "Mish": (nn.Mish, lambda x: x * np.tanh(_softplus(x)), ()),
    "Softplus": (nn.Softplus, _softplus, ()),
    "Softplus(2, 1)": (lambda: nn.Softplus(2.0, 1.0), lambda x: _softplus(x, 2.0, 1.0), (0.5,)),
    "Softsign": (nn.Softsign, lambda x: x / (1 + np.abs(x)), (0,)),
    "LogSigmoid": (nn.LogSigmoid, lambda x: np.log(_sig(x)), ()),
    "Hardtanh": (nn.Hardtanh, lambda x: np.clip(x, -1, 1), (-1, 1)),
    "Hardtanh(-2, 0.5)": (lambda: nn.Hardtanh(-2, 0.5), lambda x: np.clip(x, -2, 0.5), (-2, 0.5)),
    "Hardsigmoid": (nn.Hardsigmoid, lambda x: np.clip(x + 3, 0, 6) / 6, (-3, 3)),
    "Hardswish": (nn.Hardswish, lambda x: x * np.clip(x + 3, 0, 6) / 6, (-3, 3)),
    "Identity": (nn.Identity, lambda x: x, ()),
    "Softmax": (lambda: nn.Softmax(dim=1), lambda x: _softmax(x, 1), ()),
    "Softmax(-1)": (nn.Softmax, lambda x: _softmax(x, -1), ()),
    "LogSoftmax": (lambda: nn.LogSoftmax(dim=1), lambda x: np.log(_softmax(x, 1)), ()),
    "Softmin": (lambda: nn.Softmin(dim=0), lambda x: _softmax(-x, 0), ()),
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_forward_matches_numpy(name):
    make, ref, _ = ACTIVATIONS[name]
    x = rand64(3, 4, 5, low=-4) if "Hard" not in name and "ReLU6" not in name else \
        ag.tensor(np.linspace(-8, 8, 60).reshape(3, 4, 5))  # fmt: skip
    y = make()(x)
    assert y.shape == x.shape
    np.testing.assert_allclose(y.detach().numpy(), ref(x.detach().numpy()), rtol=1e-10, atol=1e-12)
    # float32 in, float32 out
    y32 = make()(x.detach().astype(np.float32))
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32.numpy(), ref(x.detach().numpy()), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_gradcheck_first_and_second_order(name):
    make, _, kinks = ACTIVATIONS[name]
    x = rand64(3, 4, low=-4, away_from=kinks, margin=0.05, seed=zlib.crc32(name.encode()) % 1000)
    check_module_grads(make(), x, second_order=True)


def test_subgradients_at_kinks_follow_pytorch():
    x = ag.tensor([0.0, -1.0, 1.0, 2.0], dtype=ag.float64, requires_grad=True)
    F.relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0, 1, 1])
    x.grad = None
    F.leaky_relu(x, 0.1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.1, 0.1, 1, 1])
    x.grad = None
    F.hardtanh(x).sum().backward()  # 0 at the boundaries, as PyTorch
    np.testing.assert_array_equal(x.grad.numpy(), [1, 0, 0, 0])


def test_large_inputs_stay_finite():
    x = ag.tensor([-1e4, -50.0, 50.0, 1e4], dtype=ag.float32, requires_grad=True)
    for f in (F.sigmoid, F.softplus, F.logsigmoid, F.elu, F.selu, F.gelu, F.silu, F.mish):
        y = f(x)
        y.sum().backward()
        assert np.isfinite(y.detach().numpy()).all(), f.__name__
        assert np.isfinite(x.grad.numpy()).all(), f.__name__
        x.grad = None
    np.testing.assert_allclose(F.logsigmoid(x).detach().numpy()[0], -1e4)


# -- step ---------------------------------------------------------------------------------------


def test_step_forward_and_zero_gradient():
    x = ag.tensor([-2.0, -0.0, 0.0, 0.3, 5.0], dtype=ag.float64, requires_grad=True)
    y = nn.Step()(x)
    np.testing.assert_array_equal(y.detach().numpy(), [0, 0, 0, 1, 1])
    y.backward(ag.tensor(np.arange(5.0)))
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(5))
    assert "cannot train" in nn.Step.__doc__ or "can not train" in nn.Step.__doc__.lower()


def test_step_cannot_train_a_network_but_straight_through_can():
    lin = nn.Linear(2, 1, dtype=ag.float64)
    x = rand64(8, 2)
    (nn.Step()(lin(x)) - 1).square().sum().backward()
    assert not lin.weight.grad.numpy().any() and not lin.bias.grad.numpy().any()
    lin.zero_grad()
    (nn.Step(straight_through=True)(lin(x)) - 1).square().sum().backward()
    assert lin.weight.grad.numpy().any()


def test_step_straight_through_variants():
    x = ag.tensor([-2.0, -0.5, 0.5, 2.0], dtype=ag.float64, requires_grad=True)
    g = ag.tensor([1.0, 2.0, 3.0, 4.0], dtype=ag.float64)
    F.step(x, straight_through=True).backward(g)
    np.testing.assert_array_equal(x.grad.numpy(), [1, 2, 3, 4])
    x.grad = None
    F.step(x, straight_through="clipped").backward(g)
    np.testing.assert_array_equal(x.grad.numpy(), [0, 2, 3, 0])
    with pytest.raises(ValueError, match="straight_through"):
        nn.Step(straight_through="bogus")
    assert repr(nn.Step(True)) == "Step(straight_through=True)"


# -- parametric ---------------------------------------------------------------------------------


def test_prelu_shared_and_per_channel():
    x = rand64(2, 3, 4, away_from=(0,))
    xn = x.detach().numpy()
    m1 = nn.PReLU(dtype=ag.float64)
    assert m1.weight.shape == (1,) and float(m1.weight.detach().numpy()[0]) == 0.25
    np.testing.assert_allclose(m1(x).detach().numpy(), np.where(xn > 0, xn, 0.25 * xn))
    check_module_grads(m1, x, second_order=True)
    m3 = nn.PReLU(3, init=0.1, dtype=ag.float64)
    with ag.no_grad():
        m3.weight.copy_(ag.tensor([0.1, 0.2, 0.3]))
    a = np.array([0.1, 0.2, 0.3])[None, :, None]
    np.testing.assert_allclose(m3(x).detach().numpy(), np.where(xn > 0, xn, a * xn))
    check_module_grads(m3, x)
    with pytest.raises(ag.ShapeError, match=r"PReLU\(num_parameters=3\).*\(2, 4\)"):
        m3(ag.randn(2, 4))
    assert repr(m3) == "PReLU(num_parameters=3)"


def test_maxout_is_max_over_affine_pieces():
    m = nn.Maxout(4, 3, pieces=5, dtype=ag.float64)
    assert m.weight.shape == (3, 5, 4) and m.bias.shape == (3, 5)
    x = rand64(6, 4)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    ref = (np.einsum("ni,jki->njk", x.detach().numpy(), w) + b).max(-1)
    y = m(x)
    assert y.shape == (6, 3)
    np.testing.assert_allclose(y.detach().numpy(), ref)
    check_module_grads(m, x)
    with pytest.raises(ag.ShapeError, match=r"Maxout.*got \(6, 5\)"):
        m(ag.randn(6, 5))
