"""Convergence: every optimiser fits the lecture notes' "regression with different optimisers"
exercise (200 noisy points, a line and a parabola, full-batch mean squared error) to within 6%
of the least-squares optimum. Silent: only the threshold is asserted."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import optim

from .cases import ALL_NAMES

N_STEPS = 800
SETTINGS = {
    "SGD": dict(lr=0.3, momentum=0.9),
    "Adagrad": dict(lr=0.5),
    "Adadelta": dict(lr=1.0),
    "RMSprop": dict(lr=0.01),
    "Adam": dict(lr=0.05),
    "AdamW": dict(lr=0.05, weight_decay=1e-3),
    "NAdam": dict(lr=0.05),
    "RAdam": dict(lr=0.05),
    "Adamax": dict(lr=0.1),
    "AdamP": dict(lr=0.05),
    "Lion": dict(lr=0.01),
    "Rprop": dict(lr=0.01),
    "ASGD": dict(lr=0.3),
}


def _data(kind: str):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1.0, 1.0, 200)
    if kind == "linear":
        y = 3.0 * x - 2.0 + 0.1 * rng.standard_normal(200)
        feats = x[:, None]
    else:
        y = 2.0 * x**2 - x + 0.5 + 0.1 * rng.standard_normal(200)
        feats = np.stack([x**2, x], axis=1)
    design = np.concatenate([feats, np.ones((200, 1))], axis=1)
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    best = float(((design @ coef - y) ** 2).mean())
    return feats, y, best


@pytest.mark.parametrize("kind", ["linear", "quadratic"])
@pytest.mark.parametrize("name", ALL_NAMES)
def test_fits_regression(name, kind):
    feats, y, best = _data(kind)
    X, Y = ag.tensor(feats), ag.tensor(y)
    w = ag.tensor(np.zeros(feats.shape[1]), requires_grad=True)
    b = ag.tensor(np.zeros(1), requires_grad=True)
    opt = getattr(optim, name)([w, b], **SETTINGS[name])

    def closure():
        opt.zero_grad()
        loss = ((X @ w + b - Y) ** 2).mean()
        loss.backward()
        return loss

    first = opt.step(closure).item()
    for _ in range(N_STEPS - 1):
        loss = opt.step(closure)
    final = ((X @ w + b - Y) ** 2).mean().item()
    assert first > 10 * best
    assert final < 1.06 * best, f"{name} on {kind}: loss {final:.5f}, optimum {best:.5f}"
    assert loss.item() < 1.1 * best
