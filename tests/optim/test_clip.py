"""Gradient clipping by joint norm and by value (in place, like torch.nn.utils)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
import optim


def _params(*grads):
    ps = []
    for g in grads:
        p = ag.tensor(np.zeros_like(np.asarray(g, dtype=np.float64)), requires_grad=True)
        p.grad = ag.tensor(np.asarray(g, dtype=np.float64))
        ps.append(p)
    return ps


def test_clip_grad_norm():
    ps = _params([3.0, 0.0], [[4.0]])
    g0 = ps[0].grad._data
    total = optim.clip_grad_norm_(ps, max_norm=1.0)
    assert total.item() == pytest.approx(5.0)
    assert ps[0].grad._data is g0  # in place
    joint = math.sqrt(sum((p.grad._data**2).sum() for p in ps))
    assert joint == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(ps[0].grad._data, [3.0 / (5 + 1e-6), 0.0])


def test_clip_grad_norm_below_the_limit_is_unchanged_and_inf_norm():
    ps = _params([0.3, -0.4])
    assert optim.clip_grad_norm_(ps, 1.0).item() == pytest.approx(0.5)
    np.testing.assert_array_equal(ps[0].grad._data, [0.3, -0.4])
    ps = _params([1.0, -6.0], [2.0])
    assert optim.clip_grad_norm_(ps, 3.0, norm_type=math.inf).item() == 6.0
    np.testing.assert_allclose(ps[0].grad._data, [0.5, -3.0], rtol=1e-6)
    ps = _params([1.0, -2.0])
    assert optim.clip_grad_norm_(ps, 10.0, norm_type=1).item() == 3.0
    assert optim.clip_grad_norm_(ps, 10.0, norm_type=3).item() == pytest.approx(9 ** (1 / 3))


def test_clip_grad_norm_skips_missing_grads_and_matches_torch():
    ps = _params([1.0, 2.0], [[3.0, 4.0], [5.0, 6.0]])
    ps.append(ag.tensor(np.ones(2), requires_grad=True))
    total = optim.clip_grad_norm_(iter(ps), 2.0)
    assert total.item() == pytest.approx(math.sqrt(91.0))
    np.testing.assert_allclose(ps[0].grad._data, np.array([1.0, 2.0]) * 2 / (math.sqrt(91) + 1e-6))
    assert ps[2].grad is None
    torch = pytest.importorskip("torch")
    f64 = torch.float64
    ts = [
        torch.zeros(2, dtype=f64, requires_grad=True),
        torch.zeros(2, 2, dtype=f64, requires_grad=True),
    ]
    ts[0].grad = torch.tensor([1.0, 2.0], dtype=torch.float64)
    ts[1].grad = torch.tensor([[3.0, 4.0], [5.0, 6.0]], dtype=torch.float64)
    total_t = torch.nn.utils.clip_grad_norm_(ts, 2.0)
    assert total.item() == pytest.approx(total_t.item())
    for p, t in zip(ps, ts):
        np.testing.assert_allclose(p.grad._data, t.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_non_finite():
    ps = _params([1.0, np.nan])
    with pytest.raises(RuntimeError, match="total norm"):
        optim.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    assert np.isnan(optim.clip_grad_norm_(ps, 1.0).item())
    assert optim.clip_grad_norm_([ag.tensor(np.ones(2), requires_grad=True)], 1.0).item() == 0.0
    with pytest.raises(ValueError):
        optim.clip_grad_norm_(ps, 1.0, norm_type=0)


def test_clip_grad_value():
    ps = _params([0.5, -3.0, 2.0])
    optim.clip_grad_value_(ps[0], 1.0)
    np.testing.assert_array_equal(ps[0].grad._data, [0.5, -1.0, 1.0])
    with pytest.raises(ValueError):
        optim.clip_grad_value_(ps, -1.0)


@pytest.mark.parametrize("norm_type", [math.inf, -math.inf])
@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_clip_grad_norm_inf_norms_see_a_nan_in_any_gradient(norm_type, order):
    """A NaN anywhere makes the max/min norm NaN whatever the parameter order (Python's max
    would skip a NaN that is not first), so error_if_nonfinite raises and changes nothing."""
    grads = ([1.0, 2.0, 3.0], [1.0, np.nan, 1.0])
    ps = _params(*(grads[i] for i in order))
    assert math.isnan(optim.clip.get_total_norm([p.grad for p in ps], norm_type).item())
    before = [p.grad.numpy().copy() for p in ps]
    with pytest.raises(RuntimeError, match="non-finite"):
        optim.clip_grad_norm_(ps, 1.0, norm_type=norm_type, error_if_nonfinite=True)
    for p, b in zip(ps, before):
        np.testing.assert_array_equal(p.grad.numpy(), b)


def test_clip_grad_norm_returns_the_gradients_float_dtype():
    ps = _params([3.0, 4.0])
    total = optim.clip_grad_norm_(ps, 10.0)
    assert total.dtype == np.float64 and total.item() == 5.0
    p32 = ag.tensor(np.zeros(2, np.float32), requires_grad=True)
    p32.grad = ag.tensor(np.array([3.0, 4.0], np.float32))
    assert optim.clip_grad_norm_([p32], 10.0).dtype == np.float32
    assert optim.clip.get_total_norm([]).dtype == np.float32
