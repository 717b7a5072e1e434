"""ASGD: averaged stochastic gradient descent (Polyak & Juditsky 1992), PyTorch's form."""

from __future__ import annotations

import math
import numbers

from backends import array_module

from ._functional import add_scaled_, grad_in, lerp_
from .optimizer import Optimizer, _where, check_bool, check_nonneg

__all__ = ["ASGD", "asgd"]


def asgd(params, grads, states, ws, *, lr, lambd, alpha, t0, weight_decay, maximize):
    """The ASGD update of arrays ``params`` in place (PyTorch's rule).

    t = step count after this update;  g = grad (negated if maximize) + weight_decay * p
    p = p * (1 - lambd * eta) - eta * g
    ax = p if mu == 1 else ax + mu * (p - ax)        (the running average of the iterates)
    eta = lr / (1 + lambd * lr * t)^alpha;  mu = 1 / max(1, t - t0)   (for the next step)
    states[i]: ``step`` (int), ``eta`` and ``mu`` (floats, starting at lr and 1), ``ax``
    (shape of the parameter). The average ``ax`` is what ASGD offers as the solution.
    """
    for p, g0, st in zip(params, grads, states):
        xp = array_module(p)
        st["step"] = step = st["step"] + 1
        g = grad_in(p, g0, weight_decay, maximize, ws)
        eta = st["eta"]
        p *= 1.0 - lambd * eta
        add_scaled_(p, g, -eta, ws)
        ax, mu = st["ax"], st["mu"]
        if mu != 1:
            lerp_(ax, p, mu, ws.like(p, 1), xp)
        else:
            xp.copyto(ax, p)
        st["eta"] = lr / ((1.0 + lambd * lr * step) ** alpha)
        st["mu"] = 1.0 / max(1.0, step - t0)


class ASGD(Optimizer):
    """Averaged SGD: SGD with a decaying step ``eta`` and, from step ``t0`` on, a running
    average ``ax`` of the iterates (state ``"ax"``; before t0 it tracks the parameter).

    lr (1e-2), lambd (1e-4: decay term), alpha (0.75: power of the eta schedule), t0 (1e6: the
    step at which averaging starts), weight_decay (0: L2 penalty added to the gradient).
    maximize, check_finite: see ``Optimizer``. State per parameter: ``step``, ``eta``, ``mu``,
    ``ax``.
    """

    _state_keys = {"step": "int", "eta": "float", "mu": "float", "ax": "array"}

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
        check_finite: bool = False,
        **torch_flags,
    ):
        defaults = dict(
            lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, maximize=maximize
        )
        super().__init__(params, defaults, check_finite=check_finite, **torch_flags)

    def _check_group(self, group, gi):
        check_nonneg(group, "lr", "learning rate", gi)
        check_nonneg(group, "lambd", "lambd value", gi)
        check_nonneg(group, "weight_decay", "weight_decay value", gi)
        check_bool(group, "maximize", gi)
        for key in ("alpha", "t0"):
            v = group[key]
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or math.isnan(v):
                raise ValueError(f"Invalid {key} value: {v!r}{_where(gi)}")

    def _init_state(self, p, group):
        return {
            "step": 0,
            "eta": float(group["lr"]),
            "mu": 1.0,
            "ax": array_module(p).zeros_like(p),
        }

    def _update_group(self, group, params, grads, states, ws):
        asgd(
            params,
            grads,
            states,
            ws,
            lr=float(group["lr"]),
            lambd=float(group["lambd"]),
            alpha=float(group["alpha"]),
            t0=float(group["t0"]),
            weight_decay=float(group["weight_decay"]),
            maximize=bool(group["maximize"]),
        )
