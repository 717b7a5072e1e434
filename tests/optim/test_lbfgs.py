"""LBFGS: convergence, PyTorch's iteration rules (trajectories, evaluation counts), state dicts
and argument errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
import optim


def rosenbrock(x):
    return ((1 - x[:-1]) ** 2).sum() + 100 * ((x[1:] - x[:-1] ** 2) ** 2).sum()


def closure_for(opt, loss_fn):
    def closure():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss

    return closure


def test_strong_wolfe_finds_the_minimum_of_rosenbrock():
    x = ag.tensor(np.array([-1.2, 1.0]), requires_grad=True)
    opt = optim.LBFGS([x], line_search_fn="strong_wolfe", max_iter=100, tolerance_change=1e-14)
    opt.step(closure_for(opt, lambda: rosenbrock(x)))
    np.testing.assert_allclose(x.detach().numpy(), [1.0, 1.0], atol=1e-5)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_a_quadratic_is_solved_exactly(line_search_fn):
    """0.5 x^T A x - b^T x with A SPD: the minimiser is A^-1 b."""
    rng = np.random.default_rng(0)
    M = rng.standard_normal((5, 5))
    A = M @ M.T + 5 * np.eye(5)
    b = rng.standard_normal(5)
    x = ag.tensor(np.zeros(5), requires_grad=True)
    opt = optim.LBFGS([x], lr=1 if line_search_fn else 0.1, max_iter=200,
                      line_search_fn=line_search_fn, tolerance_grad=1e-12,
                      tolerance_change=1e-15)  # fmt: skip
    loss_fn = lambda: 0.5 * (x @ (ag.tensor(A) @ x)) - ag.tensor(b) @ x  # noqa: E731
    for _ in range(5):
        opt.step(closure_for(opt, loss_fn))
    np.testing.assert_allclose(x.detach().numpy(), np.linalg.solve(A, b), rtol=1e-6, atol=1e-8)


def test_zero_gradient_returns_at_once_without_moving():
    x = ag.tensor(np.ones(3), requires_grad=True)
    opt = optim.LBFGS([x])
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = ((x - 1.0) ** 2).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert float(loss) == 0.0 and len(calls) == 1
    np.testing.assert_array_equal(x.detach().numpy(), 1.0)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("kw", [{}, {"history_size": 3, "max_iter": 7}, {"lr": 0.5}])
def test_trajectory_and_evaluation_counts_match_torch(line_search_fn, kw):
    torch = pytest.importorskip("torch")
    x0 = np.array([-1.5, 2.0, 0.3, -0.7])
    tx = torch.tensor(x0, requires_grad=True)
    topt = torch.optim.LBFGS([tx], line_search_fn=line_search_fn, **kw)
    x = ag.tensor(x0, requires_grad=True)
    opt = optim.LBFGS([x], line_search_fn=line_search_fn, **kw)
    for _ in range(3):
        tl = topt.step(closure_for(topt, lambda: rosenbrock(tx)))
        ol = opt.step(closure_for(opt, lambda: rosenbrock(x)))
        assert float(ol) == pytest.approx(float(tl.detach()), rel=1e-12)
        np.testing.assert_allclose(x.detach().numpy(), tx.detach().numpy(), rtol=1e-10, atol=1e-12)
    for key in ("func_evals", "n_iter"):
        assert opt.state[x][key] == topt.state[tx][key]


def test_a_module_with_several_parameters_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    X, yv = rng.standard_normal((20, 3)), rng.integers(0, 2, 20)
    m = nn.Linear(3, 2).double()
    tm = torch.nn.Linear(3, 2).double()
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in m.state_dict().items()})
    opt = optim.LBFGS(m.parameters(), line_search_fn="strong_wolfe")
    topt = torch.optim.LBFGS(tm.parameters(), line_search_fn="strong_wolfe")
    xs, ys = ag.tensor(X), ag.tensor(yv)
    tx, ty = torch.tensor(X), torch.tensor(yv)
    for _ in range(2):
        opt.step(closure_for(opt, lambda: nn.functional.cross_entropy(m(xs), ys)))
        topt.step(closure_for(topt, lambda: torch.nn.functional.cross_entropy(tm(tx), ty)))
    for k, v in m.state_dict().items():
        np.testing.assert_allclose(v.numpy(), tm.state_dict()[k].numpy(), rtol=1e-8, atol=1e-10)


def test_state_dict_round_trip_continues_the_same_trajectory():
    def run(split):
        x = ag.tensor(np.array([-1.2, 1.0, 0.5]), requires_grad=True)
        opt = optim.LBFGS([x], max_iter=4, history_size=5, line_search_fn="strong_wolfe")
        for _ in range(2):
            opt.step(closure_for(opt, lambda: rosenbrock(x)))
        if split:
            sd = opt.state_dict()
            x = ag.tensor(x.detach().numpy().copy(), requires_grad=True)
            opt = optim.LBFGS([x], max_iter=4, history_size=5, line_search_fn="strong_wolfe")
            opt.load_state_dict(sd)
        for _ in range(2):
            opt.step(closure_for(opt, lambda: rosenbrock(x)))
        return x.detach().numpy()

    np.testing.assert_array_equal(run(True), run(False))


def test_arguments_are_checked():
    x = ag.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match="LBFGS.step needs a closure"):
        optim.LBFGS([x]).step()
    with pytest.raises(ValueError, match="line_search_fn must be None or 'strong_wolfe'"):
        optim.LBFGS([x], line_search_fn="armijo")
    with pytest.raises(ValueError, match="max_iter must be an integer >= 1"):
        optim.LBFGS([x], max_iter=0)
    y = ag.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="per-parameter options"):
        optim.LBFGS([{"params": [x]}, {"params": [y], "lr": 0.1}])
    opt = optim.LBFGS([x])
    sd = opt.state_dict()
    sd["state"] = {0: {"d": np.zeros(3)}}
    with pytest.raises(ValueError, match="flat vector of 2 elements"):
        opt.load_state_dict(sd)
