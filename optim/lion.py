"""Lion (EvoLved Sign Momentum; Chen et al., "Symbolic Discovery of Optimization Algorithms")."""

from __future__ import annotations

from backends import array_module

from ._functional import grad_in
from .optimizer import Optimizer, check_betas, check_bool, check_nonneg

__all__ = ["Lion", "lion"]


def lion(params, grads, states, ws, *, lr, beta1, beta2, weight_decay, maximize):
    """The Lion update of arrays ``params`` in place.

    c = beta1 * m + (1 - beta1) * g;  p = p * (1 - lr * weight_decay);  p = p - lr * sign(c)
    m = beta2 * m + (1 - beta2) * g.   states[i]: ``exp_avg`` (m, shape of the parameter).
    Every coordinate moves by exactly ``lr`` (or 0 where c == 0), so Lion wants a smaller lr
    (and a larger weight decay) than AdamW.
    """
    for p, g0, st in zip(params, grads, states):
        xp = array_module(p)
        g = grad_in(p, g0, 0.0, maximize, ws)
        m = st["exp_avg"]
        t1, t2 = ws.like(p, 1), ws.like(p, 2)
        xp.multiply(m, beta1, out=t1)
        xp.multiply(g, 1.0 - beta1, out=t2)
        t1 += t2
        xp.sign(t1, out=t1)
        if weight_decay != 0:
            p *= 1.0 - lr * weight_decay
        t1 *= lr
        p -= t1
        m *= beta2
        xp.multiply(g, 1.0 - beta2, out=t2)
        m += t2


class Lion(Optimizer):
    """Lion: the sign of an interpolated momentum, with decoupled weight decay.

    lr (1e-4), betas (0.9, 0.99): beta1 interpolates the update direction, beta2 is the momentum
    decay. weight_decay (0.0): decoupled, ``p *= 1 - lr * weight_decay``. maximize,
    check_finite: see ``Optimizer``. State per parameter: ``exp_avg`` (shape of the parameter).
    """

    _state_keys = {"exp_avg": "array"}

    def __init__(
        self,
        params,
        lr: float = 1e-4,
        betas: tuple[float, float] = (0.9, 0.99),
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
        check_finite: bool = False,
        **torch_flags,
    ):
        defaults = dict(lr=lr, betas=betas, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults, check_finite=check_finite, **torch_flags)

    def _check_group(self, group, gi):
        check_nonneg(group, "lr", "learning rate", gi)
        check_betas(group, gi)
        check_nonneg(group, "weight_decay", "weight_decay value", gi)
        check_bool(group, "maximize", gi)

    def _init_state(self, p, group):
        return {"exp_avg": array_module(p).zeros_like(p)}

    def _update_group(self, group, params, grads, states, ws):
        beta1, beta2 = group["betas"]
        lion(
            params,
            grads,
            states,
            ws,
            lr=float(group["lr"]),
            beta1=float(beta1),
            beta2=float(beta2),
            weight_decay=float(group["weight_decay"]),
            maximize=bool(group["maximize"]),
        )
