"""autograd.grad's materialize_grads / is_grads_batched, and PyTorch's two warnings: reading
.grad of a non-leaf, and backward(create_graph=True) into leaves."""

import warnings

import numpy as np
import pytest

import autograd as ag
import autograd.engine as engine


def test_materialize_grads_gives_zeros_for_unused_inputs():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    u = ag.tensor([[3.0]], dtype=ag.float64, requires_grad=True)
    gx, gu = ag.grad((x * x).sum(), [x, u], materialize_grads=True)
    assert gx.tolist() == [2.0, 4.0]
    assert gu.tolist() == [[0.0]] and gu.dtype == ag.float64
    with pytest.raises(ValueError, match="allow_unused to be True or not passed"):
        ag.grad((x * x).sum(), [x, u], materialize_grads=True, allow_unused=False)
    with pytest.raises(RuntimeError, match="appears to not have been used"):
        ag.grad((x * x).sum(), [x, u])  # allow_unused defaults to False


def test_is_grads_batched_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a, w = rng.standard_normal(3), rng.standard_normal((3, 4))
    G = rng.standard_normal((5, 4))
    x, W = ag.tensor(a, requires_grad=True), ag.tensor(w, requires_grad=True)
    tx, tW = torch.tensor(a, requires_grad=True), torch.tensor(w, requires_grad=True)
    ours = ag.grad((x @ W).tanh(), [x, W], ag.tensor(G), is_grads_batched=True)
    theirs = torch.autograd.grad((tx @ tW).tanh(), [tx, tW], torch.tensor(G), is_grads_batched=True)
    for o, t in zip(ours, theirs):
        assert o.shape == t.shape
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-13, atol=1e-15)
    # create_graph: the stacked Jacobian rows stay differentiable
    y = (x @ W).tanh()
    (J,) = ag.grad(y, x, ag.eye(4, dtype=ag.float64), is_grads_batched=True, create_graph=True)
    (g,) = ag.grad(J.sum(), x)
    ty = (tx @ tW).tanh()
    (tJ,) = torch.autograd.grad(
        ty, tx, torch.eye(4, dtype=torch.float64), is_grads_batched=True, create_graph=True
    )
    (tg,) = torch.autograd.grad(tJ.sum(), tx)
    np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-12)


def test_is_grads_batched_checks_shapes():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"must be a Tensor of shape \(B, \*output shape\)"):
        ag.grad(x * 2, x, ag.ones(2), is_grads_batched=True)
    with pytest.raises(ValueError, match="one batch size across grad_outputs"):
        ag.grad([x * 2, x * 3], x, [ag.ones(2, 2), ag.ones(3, 2)], is_grads_batched=True)


def test_reading_grad_of_a_non_leaf_warns_as_torch():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.sum().backward()
    with pytest.warns(UserWarning, match="not a leaf Tensor is being accessed"):
        assert y.grad is None
    z = x * 3
    z.retain_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert z.grad is None  # retained, not yet filled: no warning
        z.sum().backward()
        assert z.grad.tolist() == [1.0, 1.0]
        assert x.grad.tolist() == [5.0, 5.0]  # leaves never warn


def test_create_graph_backward_warns_once(monkeypatch):
    monkeypatch.setattr(engine, "_cycle_warned", [False])
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="create a reference cycle") as rec:
        (x * x).sum().backward(create_graph=True)
    assert rec[0].filename == __file__  # points at the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (x * x).sum().backward(create_graph=True)  # once per process, as torch
        ag.grad((x * x).sum(), x, create_graph=True)  # autograd.grad never warns
