"""tanh's and sigmoid's backward as one recorded op under create_graph (torch's
tanh_backward / sigmoid_backward): derivatives of every order match torch, and a repeated
derivative's graph grows by fewer records per level."""

import numpy as np
import pytest

import autograd as ag
from autograd.viz import graph_of


def _derivatives(fn, x, order):
    y, out = fn(x), []
    for _ in range(order):
        (y,) = ag.grad(y.sum(), x, create_graph=True)
        out.append(y)
    return out


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_third_order_gradcheck(name):
    f = getattr(ag, name)
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal(5), requires_grad=True)
    gy = ag.tensor(rng.standard_normal(5), requires_grad=True)

    def first(x, gy):  # the backward itself, as a function of x and the cotangent
        return ag.grad(f(x), x, gy, create_graph=True)[0]

    assert ag.gradcheck(first, (x, gy))
    assert ag.gradgradcheck(first, (x, gy))


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_eight_derivatives_match_torch(name):
    torch = pytest.importorskip("torch")
    pts = np.array([-3.0, -0.4, 0.0, 0.8, 2.5])
    ours = _derivatives(getattr(ag, name), ag.tensor(pts, requires_grad=True), 8)
    tx = torch.tensor(pts, requires_grad=True)
    y, theirs = getattr(torch, name)(tx), []
    for _ in range(8):
        (y,) = torch.autograd.grad(y.sum(), tx, create_graph=True)
        theirs.append(y.detach().numpy())
    for k, (a, b) in enumerate(zip(ours, theirs)):
        scale = 1 + np.abs(b).max()
        assert np.abs(a.detach().numpy() - b).max() <= 1e-12 * scale, k


def test_repeated_tanh_derivative_graph_is_smaller():
    x = ag.tensor([0.5], requires_grad=True)
    (d4,) = _derivatives(ag.tanh, x, 4)[-1:]
    ops = [o for kind, o in graph_of(d4)[0].values() if kind == "op"]
    names = {o.name() for o in ops}
    assert "TanhBackwardBackward0" in names
    assert len(ops) <= 35  # 49 records when it was gy * (1 - y * y)


def test_complex_tanh_keeps_the_formula():
    z = ag.tensor(np.array([0.3 + 0.4j, -1.0 + 0.2j]), requires_grad=True)
    assert ag.gradcheck(ag.tanh, (z,)) and ag.gradgradcheck(ag.tanh, (z,))
    assert ag.gradgradcheck(ag.sigmoid, (z,))
