"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""

from __future__ import annotations

from backends import array_module

from ._functional import add_scaled_, grad_in
from .optimizer import Optimizer, check_bool, check_nonneg

__all__ = ["SGD", "sgd"]


def sgd(params, grads, states, ws, *, lr, momentum, dampening, nesterov, weight_decay, maximize):
    """The SGD update of arrays ``params`` in place (PyTorch's rule).

    g = grad (+ weight_decay * p; negated first if maximize)
    b = g at the first step, then b = momentum * b + (1 - dampening) * g   (if momentum != 0)
    d = g + momentum * b if nesterov else b                                  (if momentum != 0)
    p = p - lr * d
    states[i]["momentum_buffer"] holds b (made at the parameter's first step with momentum).
    """
    for p, g0, st in zip(params, grads, states):
        xp = array_module(p)
        g = grad_in(p, g0, weight_decay, maximize, ws)
        d = g
        if momentum != 0:
            buf = st.get("momentum_buffer")
            if buf is None:
                buf = st["momentum_buffer"] = g.copy()
            else:
                buf *= momentum
                if dampening != 0:
                    t = ws.like(p, 1)
                    xp.multiply(g, 1.0 - dampening, out=t)
                    buf += t
                else:
                    buf += g
            if nesterov:
                d = ws.like(p, 1)
                xp.multiply(buf, momentum, out=d)
                d += g
            else:
                d = buf
        add_scaled_(p, d, -lr, ws)


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum. PyTorch's defaults.

    params: Tensors, ``(name, Tensor)`` pairs or param-group dicts.
    lr: learning rate (1e-3). momentum: 0 turns momentum off. dampening: scales the new gradient
    in the momentum buffer by ``1 - dampening``. weight_decay: L2 penalty added to the gradient.
    nesterov: Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
    maximize: ascend instead of descend. check_finite: see ``Optimizer``.
    State per parameter: ``momentum_buffer`` (shape of the parameter), when momentum is on.
    """

    _state_keys = {"momentum_buffer": "array"}
    _lazy_keys = frozenset({"momentum_buffer"})

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        check_finite: bool = False,
        **torch_flags,
    ):
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults, check_finite=check_finite, **torch_flags)

    def _check_group(self, group, gi):
        check_nonneg(group, "lr", "learning rate", gi)
        check_nonneg(group, "momentum", "momentum value", gi)
        check_nonneg(group, "weight_decay", "weight_decay value", gi)
        check_bool(group, "nesterov", gi)
        check_bool(group, "maximize", gi)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            where = "" if gi is None else f" (param group {gi})"
            raise ValueError(f"Nesterov momentum requires a momentum and zero dampening{where}")

    def _update_group(self, group, params, grads, states, ws):
        sgd(
            params,
            grads,
            states,
            ws,
            lr=float(group["lr"]),
            momentum=float(group["momentum"]),
            dampening=float(group["dampening"]),
            nesterov=bool(group["nesterov"]),
            weight_decay=float(group["weight_decay"]),
            maximize=bool(group["maximize"]),
        )
