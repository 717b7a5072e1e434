"""Per-coordinate adaptive learning rates: Adagrad, Adadelta and RMSprop (PyTorch's rules)."""

from __future__ import annotations

from backends import array_module

from ._functional import grad_in, lerp_
from .optimizer import Optimizer, check_bool, check_nonneg, check_range

__all__ = ["Adagrad", "Adadelta", "RMSprop", "adagrad", "adadelta", "rmsprop"]


# -- Adagrad ---------------------------------------------------------------------------------------


def adagrad(params, grads, states, ws, *, lr, lr_decay, weight_decay, eps, maximize):
    """The Adagrad update of arrays ``params`` in place (Duchi et al. 2011).

    t = t + 1;  g = grad (+ weight_decay * p);  clr = lr / (1 + (t - 1) * lr_decay)
    s = s + g^2;  p = p - clr * g / (sqrt(s) + eps)
    states[i]: ``step`` (t), ``sum`` (s, shape of the parameter).
    """
    for p, g0, st in zip(params, grads, states):
        xp = array_module(p)
        g = grad_in(p, g0, weight_decay, maximize, ws)
        st["step"] = step = st["step"] + 1
        clr = lr / (1.0 + (step - 1) * lr_decay)
        s = st["sum"]
        t = ws.like(p, 1)
        xp.multiply(g, g, out=t)
        s += t
        xp.sqrt(s, out=t)
        t += eps
        xp.divide(g, t, out=t)
        t *= clr
        p -= t


class Adagrad(Optimizer):
    """Adagrad: each coordinate's step shrinks with the sum of its squared gradients.

    lr (1e-2), lr_decay (0): the step at update t is ``lr / (1 + (t - 1) * lr_decay)``.
    weight_decay (0): L2 penalty. initial_accumulator_value (0): the starting sum.
    eps (1e-10): added to the root. maximize, check_finite: see ``Optimizer``.
    State per parameter: ``step`` (int), ``sum`` (shape of the parameter).
    """

    _state_keys = {"step": "int", "sum": "array"}

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
        check_finite: bool = False,
        **torch_flags,
    ):
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
        )
        super().__init__(params, defaults, check_finite=check_finite, **torch_flags)

    def _check_group(self, group, gi):
        check_nonneg(group, "lr", "learning rate", gi)
        check_nonneg(group, "lr_decay", "lr_decay value", gi)
        check_nonneg(group, "weight_decay", "weight_decay value", gi)
        check_nonneg(group, "initial_accumulator_value", "initial_accumulator_value value", gi)
        check_nonneg(group, "eps", "epsilon value", gi)
        check_bool(group, "maximize", gi)

    def _init_state(self, p, group):
        xp = array_module(p)
        return {"step": 0, "sum": xp.full_like(p, group["initial_accumulator_value"])}

    def _update_group(self, group, params, grads, states, ws):
        adagrad(
            params,
            grads,
            states,
            ws,
            lr=float(group["lr"]),
            lr_decay=float(group["lr_decay"]),
            weight_decay=float(group["weight_decay"]),
            eps=float(group["eps"]),
            maximize=bool(group["maximize"]),
        )


# -- Adadelta --------------------------------------------------------------------------------------


def adadelta(params, grads, states, ws, *, lr, rho, eps, weight_decay, maximize):
    """The Adadelta update of arrays ``params`` in place (Zeiler 2012).

    g = grad (+ weight_decay * p);  v = rho * v + (1 - rho) * g^2
    d = sqrt(u + eps) / sqrt(v + eps) * g;  u = rho * u + (1 - rho) * d^2;  p = p - lr * d
    states[i]: ``step``, ``square_avg`` (v), ``acc_delta`` (u).
    """
    for p, g0, st in zip(params, grads, states):
        xp = array_module(p)
        g = grad_in(p, g0, weight_decay, maximize, ws)
        st["step"] += 1
        v, u = st["square_avg"], st["acc_delta"]
        t1, t2 = ws.like(p, 1), ws.like(p, 2)
        v *= rho
        xp.multiply(g, g, out=t1)
        t1 *= 1.0 - rho
        v += t1
        xp.add(v, eps, out=t1)
        xp.sqrt(t1, out=t1)  # std = sqrt(v + eps)
        xp.add(u, eps, out=t2)
        xp.sqrt(t2, out=t2)
        t2 /= t1
        t2 *= g  # delta
        u *= rho
        xp.multiply(t2, t2, out=t1)
        t1 *= 1.0 - rho
        u += t1
        t2 *= lr
        p -= t2


class Adadelta(Optimizer):
    """Adadelta: steps scaled by the ratio of running RMS of past updates and of gradients.

    lr (1.0): scales the update. rho (0.9): decay of both running averages. eps (1e-6).
    weight_decay (0): L2 penalty. maximize, check_finite: see ``Optimizer``.
    State per parameter: ``step``, ``square_avg``, ``acc_delta`` (shape of the parameter).
    """

    _state_keys = {"step": "int", "square_avg": "array", "acc_delta": "array"}

    def __init__(
        self,
        params,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
        check_finite: bool = False,
        **torch_flags,
    ):
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults, check_finite=check_finite, **torch_flags)

    def _check_group(self, group, gi):
        check_nonneg(group, "lr", "learning rate", gi)
        check_range(group, "rho", "rho value", gi, 0.0, 1.0)
        check_nonneg(group, "eps", "epsilon value", gi)
        check_nonneg(group, "weight_decay", "weight_decay value", gi)
        check_bool(group, "maximize", gi)

    def _init_state(self, p, group):
        xp = array_module(p)
        return {"step": 0, "square_avg": xp.zeros_like(p), "acc_delta": xp.zeros_like(p)}

    def _update_group(self, group, params, grads, states, ws):
        adadelta(
            params,
            grads,
            states,
            ws,
            lr=float(group["lr"]),
            rho=float(group["rho"]),
            eps=float(group["eps"]),
            weight_decay=float(group["weight_decay"]),
            maximize=bool(group["maximize"]),
        )


# -- RMSprop ---------------------------------------------------------------------------------------


def rmsprop(
    params, grads, states, ws, *, lr, alpha, eps, weight_decay, momentum, centered, maximize
):
    """The RMSprop update of arrays ``params`` in place (Hinton's lecture 6e; PyTorch's form).

    g = grad (+ weight_decay * p);  v = alpha * v + (1 - alpha) * g^2
    centered: a = alpha * a + (1 - alpha) * g;  r = sqrt(v - a^2) + eps;  else r = sqrt(v) + eps
    momentum > 0: b = momentum * b + g / r;  p = p - lr * b;   else p = p - lr * g / r
    states[i]: ``step``, ``square_avg`` (v), ``grad_avg`` (a, centered), ``momentum_buffer`` (b).
    """
    for p, g0, st in zip(params, grads, states):
        xp = array_module(p)
        g = grad_in(p, g0, weight_decay, maximize, ws)
        st["step"] += 1
        v = st["square_avg"]
        t1, t2 = ws.like(p, 1), ws.like(p, 2)
        v *= alpha
        xp.multiply(g, g, out=t1)
        t1 *= 1.0 - alpha
        v += t1
        if centered:
            a = st.get("grad_avg")
            if a is None:
                a = st["grad_avg"] = xp.zeros_like(p)
            lerp_(a, g, 1.0 - alpha, t1, xp)
            xp.multiply(a, a, out=t1)
            xp.subtract(v, t1, out=t1)
            xp.sqrt(t1, out=t1)
        else:
            xp.sqrt(v, out=t1)
        t1 += eps
        if momentum > 0:
            buf = st.get("momentum_buffer")
            if buf is None:
                buf = st["momentum_buffer"] = xp.zeros_like(p)
            buf *= momentum
            xp.divide(g, t1, out=t2)
            buf += t2
            xp.multiply(buf, lr, out=t2)
        else:
            xp.divide(g, t1, out=t2)
            t2 *= lr
        p -= t2


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running RMS of recent gradients.

    lr (1e-2). alpha (0.99): decay of the running mean square. eps (1e-8). weight_decay (0).
    momentum (0). centered (False): normalise by the running variance (mean square minus squared
    mean) instead. maximize, check_finite: see ``Optimizer``.
    State per parameter: ``step``, ``square_avg``, and ``grad_avg`` (centered) and
    ``momentum_buffer`` (momentum > 0), all shaped like the parameter.
    """

    _state_keys = {
        "step": "int",
        "square_avg": "array",
        "grad_avg": "array",
        "momentum_buffer": "array",
    }
    _lazy_keys = frozenset({"grad_avg", "momentum_buffer"})

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
        check_finite: bool = False,
        **torch_flags,
    ):
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults, check_finite=check_finite, **torch_flags)

    def _check_group(self, group, gi):
        check_nonneg(group, "lr", "learning rate", gi)
        check_nonneg(group, "eps", "epsilon value", gi)
        check_nonneg(group, "momentum", "momentum value", gi)
        check_nonneg(group, "weight_decay", "weight_decay value", gi)
        check_nonneg(group, "alpha", "alpha value", gi)
        check_bool(group, "centered", gi)
        check_bool(group, "maximize", gi)

    def _init_state(self, p, group):
        xp = array_module(p)
        st = {"step": 0, "square_avg": xp.zeros_like(p)}
        if group["momentum"] > 0:
            st["momentum_buffer"] = xp.zeros_like(p)
        if group["centered"]:
            st["grad_avg"] = xp.zeros_like(p)
        return st

    def _update_group(self, group, params, grads, states, ws):
        rmsprop(
            params,
            grads,
            states,
            ws,
            lr=float(group["lr"]),
            alpha=float(group["alpha"]),
            eps=float(group["eps"]),
            weight_decay=float(group["weight_decay"]),
            momentum=float(group["momentum"]),
            centered=bool(group["centered"]),
            maximize=bool(group["maximize"]),
        )
