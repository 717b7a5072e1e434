"""Shared helpers: a two-group model whose optimiser state is not trivial, and snapshots."""

from __future__ import annotations

import numpy as np

import autograd as ag
import optim

from .cases import ALL_NAMES
from .problems import make_problem

#: options that give every optimiser some state worth checking
STATEFUL = {
    "SGD": dict(lr=0.05, momentum=0.9, weight_decay=0.01),
    "Adagrad": dict(lr=0.1, lr_decay=0.01),
    "Adadelta": dict(),
    "RMSprop": dict(centered=True, momentum=0.5),
    "Adam": dict(lr=0.05, amsgrad=True),
    "AdamW": dict(lr=0.05),
    "NAdam": dict(lr=0.05),
    "RAdam": dict(lr=0.05),
    "Adamax": dict(lr=0.05),
    "AdamP": dict(lr=0.05, weight_decay=0.1),
    "Lion": dict(lr=0.01, weight_decay=0.1),
    "Rprop": dict(lr=0.05, etas=(0.4, 1.3)),
    "ASGD": dict(lr=0.05, t0=2, weight_decay=0.01),
}
assert set(STATEFUL) == set(ALL_NAMES)


class TwoGroups:
    """Parameters W (3, 4), b (3,) in group 0 and c (5,), d (2, 2) in group 1 (lr halved)."""

    def __init__(self, dtype=np.float64):
        prob = make_problem("quad")
        rng = np.random.default_rng(1)
        self.prob = prob
        self.W = ag.tensor(prob.W0.astype(dtype), requires_grad=True)
        self.b = ag.tensor(prob.b0.astype(dtype), requires_grad=True)
        self.c = ag.tensor(rng.standard_normal(5).astype(dtype), requires_grad=True)
        self.d = ag.tensor(rng.standard_normal((2, 2)).astype(dtype), requires_grad=True)
        self.X = ag.tensor(prob.X.astype(dtype))
        self.Y = ag.tensor(prob.Y.astype(dtype))

    @property
    def params(self):
        return [self.W, self.b, self.c, self.d]

    def groups(self, lr):
        return [{"params": [self.W, self.b]}, {"params": [self.c, self.d], "lr": lr / 2}]

    def loss(self):
        fit = ((self.X @ self.W.T + self.b - self.Y) ** 2).mean()
        return fit + (self.c * self.c).sum() * 0.1 + (self.d**4).sum() * 0.05

    def backward(self, opt):
        opt.zero_grad()
        loss = self.loss()
        loss.backward()
        return loss


def make(name: str, dtype=np.float64, **extra):
    """A TwoGroups model and its optimiser ``name`` (``STATEFUL`` options plus ``extra``)."""
    m = TwoGroups(dtype)
    kw = dict(STATEFUL[name], **extra)
    opt = getattr(optim, name)(m.groups(kw.get("lr", 1e-3)), **kw)
    return m, opt


def snapshot(opt, params):
    """Everything a step may change: parameter bytes, state (bytes of arrays, and the array
    objects themselves), gradients, and the group options."""
    snap = {"params": [p._data.tobytes() for p in params]}
    snap["param_ids"] = [id(p._data) for p in params]
    snap["grads"] = [None if p._grad is None else np.asarray(p._grad).tobytes() for p in params]
    state = []
    for p in params:
        st = opt.state.get(p, {})
        state.append(
            {
                k: (v.tobytes(), id(v)) if isinstance(v, np.ndarray) else (v, None)
                for k, v in st.items()
            }
        )
    snap["state"] = state
    snap["groups"] = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
    return snap


def run_steps(m, opt, n):
    for _ in range(n):
        m.backward(opt)
        opt.step()
