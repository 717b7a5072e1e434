"""nn.utils: norm penalties, gradient clipping, parameter vectors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
import nn
from nn import utils

from .helpers import rand64


def _model():
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()


def test_penalties_values_and_gradients():
    m = _model()
    ps = [p.detach().numpy() for p in m.parameters()]
    l1 = utils.l1_penalty(m)
    l2 = utils.l2_penalty(m.parameters())
    assert l1.shape == () and l2.shape == ()
    np.testing.assert_allclose(l1.item(), sum(np.abs(p).sum() for p in ps))
    np.testing.assert_allclose(l2.item(), sum((p * p).sum() for p in ps))
    (0.5 * l2).backward()
    for p, a in zip(m.parameters(), ps):
        np.testing.assert_allclose(p.grad.numpy(), a)
    params = list(m.parameters())
    assert ag.gradcheck(lambda *p: utils.l1_penalty(p), params)
    assert ag.gradgradcheck(lambda *p: utils.l2_penalty(p), params)


def _set_grads(m, seed=0):
    rng = np.random.default_rng(seed)
    for p in m.parameters():
        p.grad = ag.tensor(rng.standard_normal(p.shape))


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
def test_clip_grad_norm_returns_total_norm_and_clips(norm_type):
    m = _model()
    _set_grads(m)
    flat = np.concatenate([p.grad.numpy().ravel() for p in m.parameters()])
    total = np.linalg.norm(flat, ord=norm_type)
    before = [p.grad for p in m.parameters()]
    out = utils.clip_grad_norm_(m.parameters(), max_norm=0.5, norm_type=norm_type)
    assert isinstance(out, ag.Tensor) and out.shape == ()
    np.testing.assert_allclose(out.item(), total, rtol=1e-6)
    after = np.concatenate([p.grad.numpy().ravel() for p in m.parameters()])
    np.testing.assert_allclose(np.linalg.norm(after, ord=norm_type), 0.5, rtol=1e-5)
    assert all(p.grad is g for p, g in zip(m.parameters(), before))  # in place
    # under the limit: unchanged
    kept = after.copy()
    utils.clip_grad_norm_(m, max_norm=10.0, norm_type=norm_type)
    np.testing.assert_allclose(np.concatenate([p.grad.numpy().ravel() for p in m.parameters()]),
                               kept)  # fmt: skip


def test_clip_grad_norm_nonfinite():
    m = _model()
    _set_grads(m)
    m[0].weight.grad.numpy()[0, 0] = np.inf
    snap = [p.grad.numpy().copy() for p in m.parameters()]
    with pytest.raises(RuntimeError, match="non-finite"):
        utils.clip_grad_norm_(m, 1.0, error_if_nonfinite=True)
    for p, s in zip(m.parameters(), snap):
        np.testing.assert_array_equal(p.grad.numpy(), s)
    assert math.isinf(utils.clip_grad_norm_(m, 1.0).item())
    assert utils.clip_grad_norm_([], 1.0).item() == 0


def test_clip_grad_value_and_single_tensor():
    p = nn.Parameter(ag.zeros(5))
    p.grad = ag.tensor([-3.0, -0.5, 0.0, 0.2, 9.0])
    utils.clip_grad_value_(p, 1.0)
    np.testing.assert_allclose(p.grad.numpy(), [-1, -0.5, 0, 0.2, 1])
    with pytest.raises(ValueError):
        utils.clip_grad_value_(p, -1)


def test_parameters_to_vector_round_trip_and_gradient():
    m = _model()
    vec = utils.parameters_to_vector(m.parameters())
    n = utils.num_parameters(m)
    assert vec.shape == (n,) and n == 3 * 4 + 4 + 4 * 2 + 2
    np.testing.assert_array_equal(
        vec.detach().numpy(), np.concatenate([p.detach().numpy().ravel() for p in m.parameters()])
    )
    (vec * ag.arange(n, dtype=ag.float64)).sum().backward()
    np.testing.assert_array_equal(m[0].weight.grad.numpy().ravel(), np.arange(12))
    w = m[0].weight
    new = ag.arange(n, dtype=ag.float64)
    utils.vector_to_parameters(new, m.parameters())
    assert m[0].weight is w
    np.testing.assert_array_equal(m[2].bias.detach().numpy(), [n - 2, n - 1])
    with pytest.raises(ag.ShapeError, match="elements"):
        utils.vector_to_parameters(ag.zeros(n + 1, dtype=ag.float64), m.parameters())


def test_num_parameters_trainable_only():
    m = _model()
    m[0].requires_grad_(False)
    assert utils.num_parameters(m, trainable_only=True) == 4 * 2 + 2
    assert ag.gradcheck(lambda x: m(x), (rand64(2, 3),))
