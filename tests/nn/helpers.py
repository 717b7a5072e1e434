"""Shared helpers for the nn tests: float64 inputs and gradient checks through every parameter."""

from __future__ import annotations

import numpy as np

import autograd as ag


def rand64(*shape, seed=0, low=None, away_from=None, margin=0.1):
    """A float64 leaf tensor requiring grad, values N(0, 1) (or U(low, -low) when ``low``).

    away_from: values (kinks) that samples are pushed at least ``margin`` away from.
    """
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape) if low is None else rng.uniform(low, -low, shape)
    for k in away_from or ():
        close = np.abs(a - k) < margin
        a = np.where(close, k + np.where(a >= k, margin, -margin) * 2, a)
    return ag.tensor(a, dtype=ag.float64, requires_grad=True)


def check_module_grads(module, *inputs, second_order=False, atol=1e-5, rtol=1e-3):
    """gradcheck (and optionally gradgradcheck) of ``module(*inputs)`` through every input that
    requires grad and every parameter of the module."""
    params = [p for p in module.parameters() if p.requires_grad]
    n = len(inputs)

    def fn(*args):
        return module(*args[:n])

    args = tuple(inputs) + tuple(params)
    assert ag.gradcheck(fn, args, atol=atol, rtol=rtol)
    if second_order:
        assert ag.gradgradcheck(fn, args, atol=atol, rtol=rtol)
