"""LBFGS with line_search_fn='strong_wolfe' on losses whose interpolating cubic degenerates
(piecewise-linear, linear): no ZeroDivisionError, and PyTorch's trajectory (audit finding 1)."""

import numpy as np
import pytest

import autograd as ag
import nn
import optim
from optim.lbfgs import _cubic_interpolate

torch = pytest.importorskip("torch")


def _l1(T, p):
    return (p - T.tensor([3.0, -2.0], dtype=p.dtype)).abs().sum()


def _l1_ridge(T, p):
    w = T.tensor([1.0, 2.0, 3.0], dtype=p.dtype)
    return (p * w - 1).abs().sum() + 0.1 * (p**2).sum()


def _linear(T, p):
    return -(3 * p).sum()


def _rosenbrock(T, p):
    return (100 * (p[1:] - p[:-1] ** 2) ** 2 + (1 - p[:-1]) ** 2).sum()


def _trajectory(lib, loss_fn, x0, steps, **kw):
    """Every point the closure is evaluated at (float64), over ``steps`` calls of step."""
    if lib == "tg":
        T, p = ag, nn.Parameter(ag.tensor(x0, dtype=ag.float64))
        opt = optim.LBFGS([p], line_search_fn="strong_wolfe", **kw)
    else:
        T, p = torch, torch.nn.Parameter(torch.tensor(x0, dtype=torch.float64))
        opt = torch.optim.LBFGS([p], line_search_fn="strong_wolfe", **kw)
    points = []

    def closure():
        opt.zero_grad()
        loss = loss_fn(T, p)
        loss.backward()
        points.append(p.detach().numpy().copy())
        return loss

    for _ in range(steps):
        opt.step(closure)
    return np.array(points)


@pytest.mark.parametrize(
    "loss_fn, x0",
    [(_l1, [1.0, 1.0]), (_l1_ridge, [2.0, -1.0, 0.3])],
    ids=["l1", "l1_ridge"],
)
def test_strong_wolfe_piecewise_linear_matches_torch(loss_fn, x0):
    ours = _trajectory("tg", loss_fn, x0, steps=3)
    ref = _trajectory("pt", loss_fn, x0, steps=3)
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)


def test_strong_wolfe_smooth_matches_torch():
    ours = _trajectory("tg", _rosenbrock, [-1.5, 2.0, 0.5], steps=3)
    ref = _trajectory("pt", _rosenbrock, [-1.5, 2.0, 0.5], steps=3)
    assert ours.shape == ref.shape
    # PyTorch's p.add_(d, alpha=t) is a fused multiply-add: the last bit differs, and grows
    np.testing.assert_allclose(ours, ref, rtol=1e-7, atol=1e-9)


def test_strong_wolfe_linear_loss_extrapolates_as_torch():
    # equal slopes at both ends of every bracket: the cubic's minimiser is +-inf, clamped to
    # 10 t; the number of line-search evaluations is what max_eval leaves (PyTorch's max_ls)
    for kw in (dict(max_iter=1, max_eval=20), dict(max_iter=3, max_eval=8)):
        ours = _trajectory("tg", _linear, [1.0, 1.0], steps=1, **kw)
        ref = _trajectory("pt", _linear, [1.0, 1.0], steps=1, **kw)
        assert ours.shape == ref.shape
        np.testing.assert_allclose(ours, ref, rtol=1e-12)


def test_cubic_interpolate_degenerate_as_torch():
    from torch.optim.lbfgs import _cubic_interpolate as torch_cubic

    t64 = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    cases = [
        # equal slopes (linear piece): inf, clamped to the upper bound
        ((0.0, -6.0, -18.0, 1 / 6, -9.0, -18.0), (0.17, 1.7)),
        ((0.0, -6.0, -18.0, 1 / 6, -9.0, -18.0), None),
        # x1 == x2 (a collapsed bracket): NaN
        ((0.5, 1.0, -1.0, 0.5, 1.0, -1.0), None),
        # an ordinary cubic, x1 > x2
        ((1.0, 0.3, 2.0, 0.0, 1.0, -1.0), None),
    ]
    for (x1, f1, g1, x2, f2, g2), bounds in cases:
        got = _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds)
        want = torch_cubic(t64(x1), f1, t64(g1), t64(x2), f2, t64(g2), bounds=bounds)
        np.testing.assert_allclose(float(got), float(want), rtol=1e-15, equal_nan=True)
