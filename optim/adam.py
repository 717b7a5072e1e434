"""The Adam family: Adam (amsgrad), AdamW, NAdam, RAdam, Adamax and AdamP.

Each has a functional core (``adam``, ``nadam``, ...) that updates raw arrays in place, and a
class that holds the options and state. Rules and defaults follow PyTorch (AdamP: Heo et al.,
ICLR 2021, as in the authors' reference code). In the cores, ``t`` is the parameter's step count
after this update (1 at the first), ``m`` and ``v`` the first and second moment estimates.
"""

from __future__ import annotations

import math

from backends import array_module

from ._functional import grad_in, lerp_
from .optimizer import Optimizer, check_betas, check_bool, check_nonneg

__all__ = [
    "Adam",
    "AdamW",
    "NAdam",
    "RAdam",
    "Adamax",
    "AdamP",
    "adam",
    "nadam",
    "radam",
    "adamax",
    "adamp",
]


def _decay_or_l2(p, g0, lr, weight_decay, decoupled, maximize, ws, xp):
    """Decoupled weight decay (``p *= 1 - lr * wd``, returns the plain gradient) or the L2 form."""
    if decoupled:
        if weight_decay != 0:
            p *= 1.0 - lr * weight_decay
        return grad_in(p, g0, 0.0, maximize, ws)
    return grad_in(p, g0, weight_decay, maximize, ws)


def _moments(m, v, g, beta1, beta2, t1, xp):
    """m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g^2  (in place)."""
    lerp_(m, g, 1.0 - beta1, t1, xp)
    v *= beta2
    xp.multiply(g, g, out=t1)
    t1 *= 1.0 - beta2
    v += t1


class _AdamBase(Optimizer):
    """Shared option checks and state of the Adam family (``step``, ``exp_avg``, ``exp_avg_sq``)."""

    _state_keys = {"step": "int", "exp_avg": "array", "exp_avg_sq": "array"}

    def _check_group(self, group, gi):
        check_nonneg(group, "lr", "learning rate", gi)
        check_nonneg(group, "eps", "epsilon value", gi)
        check_betas(group, gi)
        check_nonneg(group, "weight_decay", "weight_decay value", gi)
        check_bool(group, "maximize", gi)

    def _init_state(self, p, group):
        xp = array_module(p)
        return {"step": 0, "exp_avg": xp.zeros_like(p), "exp_avg_sq": xp.zeros_like(p)}


# -- Adam / AdamW ----------------------------------------------------------------------------------


def adam(
    params,
    grads,
    states,
    ws,
    *,
    lr,
    beta1,
    beta2,
    eps,
    weight_decay,
    amsgrad,
    maximize,
    decoupled_weight_decay,
):
    """The Adam update of arrays ``params`` in place (Kingma & Ba 2015; AdamW: Loshchilov & Hutter).

    decoupled: p = p * (1 - lr * weight_decay), else g = g + weight_decay * p
    m, v = moments of g;  amsgrad: v_max = max(v_max, v), used in place of v
    p = p - lr / (1 - beta1^t) * m / (sqrt(v / (1 - beta2^t)) + eps)
    (computed as ``lr * s / (1 - beta1^t) * m / (sqrt(v) + eps * s)``, s = sqrt(1 - beta2^t):
    the same value with one pass fewer.) states[i]: ``step``, ``exp_avg``, ``exp_avg_sq``,
    ``max_exp_avg_sq`` (amsgrad).
    """
    for p, g0, st in zip(params, grads, states):
        xp = array_module(p)
        st["step"] = step = st["step"] + 1
        g = _decay_or_l2(p, g0, lr, weight_decay, decoupled_weight_decay, maximize, ws, xp)
        m, v = st["exp_avg"], st["exp_avg_sq"]
        t1 = ws.like(p, 1)
        _moments(m, v, g, beta1, beta2, t1, xp)
        if amsgrad:
            vmax = st.get("max_exp_avg_sq")
            if vmax is None:
                vmax = st["max_exp_avg_sq"] = xp.zeros_like(p)
            xp.maximum(vmax, v, out=vmax)
            v = vmax
        s = math.sqrt(1.0 - beta2**step)
        xp.sqrt(v, out=t1)
        t1 += eps * s
        xp.divide(m, t1, out=t1)
        t1 *= lr * s / (1.0 - beta1**step)
        p -= t1


class Adam(_AdamBase):
    """Adam: steps from bias-corrected running means of the gradient and its square.

    lr (1e-3), betas (0.9, 0.999), eps (1e-8), weight_decay (0: L2 penalty added to the
    gradient, or decoupled as in AdamW when ``decoupled_weight_decay``), amsgrad (False: use the
    running maximum of the second moment). maximize, check_finite: see ``Optimizer``.
    State per parameter: ``step``, ``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq`` (amsgrad).
    """

    _state_keys = {**_AdamBase._state_keys, "max_exp_avg_sq": "array"}
    _lazy_keys = frozenset({"max_exp_avg_sq"})

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
        check_finite: bool = False,
        **torch_flags,
    ):
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults, check_finite=check_finite, **torch_flags)

    def _check_group(self, group, gi):
        super()._check_group(group, gi)
        check_bool(group, "amsgrad", gi)
        check_bool(group, "decoupled_weight_decay", gi)

    def _init_state(self, p, group):
        st = super()._init_state(p, group)
        if group["amsgrad"]:
            st["max_exp_avg_sq"] = array_module(p).zeros_like(p)
        return st

    def _update_group(self, group, params, grads, states, ws):
        beta1, beta2 = group["betas"]
        adam(
            params,
            grads,
            states,
            ws,
            lr=float(group["lr"]),
            beta1=float(beta1),
            beta2=float(beta2),
            eps=float(group["eps"]),
            weight_decay=float(group["weight_decay"]),
            amsgrad=bool(group["amsgrad"]),
            maximize=bool(group["maximize"]),
            decoupled_weight_decay=bool(group["decoupled_weight_decay"]),
        )


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay ``p *= 1 - lr * weight_decay`` (default 1e-2).

    Same options as ``Adam`` otherwise: lr (1e-3), betas (0.9, 0.999), eps (1e-8), amsgrad.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        check_finite: bool = False,
        **torch_flags,
    ):
        super().__init__(
            params,
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
            check_finite=check_finite,
            **torch_flags,
        )


# -- NAdam -----------------------------------------------------------------------------------------


def nadam(
    params,
    grads,
    states,
    ws,
    *,
    lr,
    beta1,
    beta2,
    eps,
    weight_decay,
    momentum_decay,
    decoupled_weight_decay,
    maximize,
):
    """The NAdam update of arrays ``params`` in place (Dozat 2016, PyTorch's momentum schedule).

    mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay));  P_t = prod_{i<=t} mu_i
    m, v = moments of g;  d = sqrt(v / (1 - beta2^t)) + eps
    p = p - lr * (1 - mu_t) / (1 - P_t) * g / d - lr * mu_{t+1} / (1 - P_t * mu_{t+1}) * m / d
    states[i]: ``step``, ``mu_product`` (P_t, a float), ``exp_avg``, ``exp_avg_sq``.
    """
    for p, g0, st in zip(params, grads, states):
        xp = array_module(p)
        st["step"] = step = st["step"] + 1
        g = _decay_or_l2(p, g0, lr, weight_decay, decoupled_weight_decay, maximize, ws, xp)
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
        st["mu_product"] = mu_product = st["mu_product"] * mu
        m, v = st["exp_avg"], st["exp_avg_sq"]
        t1, t2 = ws.like(p, 1), ws.like(p, 2)
        _moments(m, v, g, beta1, beta2, t1, xp)
        s = math.sqrt(1.0 - beta2**step)
        xp.sqrt(v, out=t1)
        t1 += eps * s  # d * s
        xp.divide(g, t1, out=t2)
        t2 *= lr * (1.0 - mu) / (1.0 - mu_product) * s
        p -= t2
        xp.divide(m, t1, out=t2)
        t2 *= lr * mu_next / (1.0 - mu_product * mu_next) * s
        p -= t2


class NAdam(_AdamBase):
    """NAdam: Adam with Nesterov momentum (and PyTorch's warming momentum schedule).

    lr (2e-3), betas (0.9, 0.999), eps (1e-8), weight_decay (0), momentum_decay (4e-3),
    decoupled_weight_decay (False: L2; True: NAdamW). maximize, check_finite: see ``Optimizer``.
    State per parameter: ``step``, ``mu_product``, ``exp_avg``, ``exp_avg_sq``.
    """

    _state_keys = {**_AdamBase._state_keys, "mu_product": "float"}

    def __init__(
        self,
        params,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
        check_finite: bool = False,
        **torch_flags,
    ):
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults, check_finite=check_finite, **torch_flags)

    def _check_group(self, group, gi):
        super()._check_group(group, gi)
        check_nonneg(group, "momentum_decay", "momentum_decay value", gi)
        check_bool(group, "decoupled_weight_decay", gi)

    def _init_state(self, p, group):
        st = super()._init_state(p, group)
        st["mu_product"] = 1.0
        return st

    def _update_group(self, group, params, grads, states, ws):
        beta1, beta2 = group["betas"]
        nadam(
            params,
            grads,
            states,
            ws,
            lr=float(group["lr"]),
            beta1=float(beta1),
            beta2=float(beta2),
            eps=float(group["eps"]),
            weight_decay=float(group["weight_decay"]),
            momentum_decay=float(group["momentum_decay"]),
            decoupled_weight_decay=bool(group["decoupled_weight_decay"]),
            maximize=bool(group["maximize"]),
        )


# -- RAdam -----------------------------------------------------------------------------------------


def radam(
    params, grads, states, ws, *, lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay,
    maximize,
):  # fmt: skip
    """The RAdam update of arrays ``params`` in place (Liu et al., ICLR 2020).

    m, v = moments of g;  rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2^t / (1 -
    beta2^t). If rho_t > 5 (the variance of the adaptive step is tractable):
    r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)) and
    p = p - lr * r * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps);
    otherwise p = p - lr / (1 - beta1^t) * m (momentum SGD). states[i]: ``step``, ``exp_avg``,
    ``exp_avg_sq``.
    """
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    for p, g0, st in zip(params, grads, states):
        xp = array_module(p)
        st["step"] = step = st["step"] + 1
        g = _decay_or_l2(p, g0, lr, weight_decay, decoupled_weight_decay, maximize, ws, xp)
        m, v = st["exp_avg"], st["exp_avg_sq"]
        t1 = ws.like(p, 1)
        _moments(m, v, g, beta1, beta2, t1, xp)
        bc1 = 1.0 - beta1**step
        bc2 = 1.0 - beta2**step
        rho_t = rho_inf - 2.0 * step * beta2**step / bc2
        if rho_t > 5.0:
            rect = math.sqrt(
                (rho_t - 4.0)
                * (rho_t - 2.0)
                * rho_inf
                / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)
            )
            xp.sqrt(v, out=t1)
            t1 += eps
            xp.divide(m, t1, out=t1)
            t1 *= lr * rect * math.sqrt(bc2) / bc1
        else:
            xp.multiply(m, lr / bc1, out=t1)
        p -= t1


class RAdam(_AdamBase):
    """RAdam: Adam whose adaptive step is switched on (and rectified) once its variance is finite.

    lr (1e-3), betas (0.9, 0.999), eps (1e-8), weight_decay (0), decoupled_weight_decay (False).
    maximize, check_finite: see ``Optimizer``. State: ``step``, ``exp_avg``, ``exp_avg_sq``.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
        check_finite: bool = False,
        **torch_flags,
    ):
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults, check_finite=check_finite, **torch_flags)

    def _check_group(self, group, gi):
        super()._check_group(group, gi)
        check_bool(group, "decoupled_weight_decay", gi)

    def _update_group(self, group, params, grads, states, ws):
        beta1, beta2 = group["betas"]
        radam(
            params,
            grads,
            states,
            ws,
            lr=float(group["lr"]),
            beta1=float(beta1),
            beta2=float(beta2),
            eps=float(group["eps"]),
            weight_decay=float(group["weight_decay"]),
            decoupled_weight_decay=bool(group["decoupled_weight_decay"]),
            maximize=bool(group["maximize"]),
        )


# -- Adamax ----------------------------------------------------------------------------------------


def adamax(params, grads, states, ws, *, lr, beta1, beta2, eps, weight_decay, maximize):
    """The Adamax update of arrays ``params`` in place (Kingma & Ba 2015, section 7.1).

    g = grad (+ weight_decay * p);  m = beta1 * m + (1 - beta1) * g
    u = max(beta2 * u, |g| + eps);  p = p - lr / (1 - beta1^t) * m / u
    states[i]: ``step``, ``exp_avg`` (m), ``exp_inf`` (u).
    """
    for p, g0, st in zip(params, grads, states):
        xp = array_module(p)
        st["step"] = step = st["step"] + 1
        g = grad_in(p, g0, weight_decay, maximize, ws)
        m, u = st["exp_avg"], st["exp_inf"]
        t1 = ws.like(p, 1)
        lerp_(m, g, 1.0 - beta1, t1, xp)
        xp.abs(g, out=t1)
        t1 += eps
        u *= beta2
        xp.maximum(u, t1, out=u)
        xp.divide(m, u, out=t1)
        t1 *= lr / (1.0 - beta1**step)
        p -= t1


class Adamax(_AdamBase):
    """Adamax: Adam with the infinity norm (a running max of |g|) in place of the RMS.

    lr (2e-3), betas (0.9, 0.999), eps (1e-8), weight_decay (0). maximize, check_finite: see
    ``Optimizer``. State per parameter: ``step``, ``exp_avg``, ``exp_inf``.
    """

    _state_keys = {"step": "int", "exp_avg": "array", "exp_inf": "array"}

    def __init__(
        self,
        params,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
        check_finite: bool = False,
        **torch_flags,
    ):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults, check_finite=check_finite, **torch_flags)

    def _init_state(self, p, group):
        xp = array_module(p)
        return {"step": 0, "exp_avg": xp.zeros_like(p), "exp_inf": xp.zeros_like(p)}

    def _update_group(self, group, params, grads, states, ws):
        beta1, beta2 = group["betas"]
        adamax(
            params,
            grads,
            states,
            ws,
            lr=float(group["lr"]),
            beta1=float(beta1),
            beta2=float(beta2),
            eps=float(group["eps"]),
            weight_decay=float(group["weight_decay"]),
            maximize=bool(group["maximize"]),
        )


# -- AdamP -----------------------------------------------------------------------------------------


def _project(p, g, perturb, delta, wd_ratio, eps, xp):
    """AdamP's projection. Returns the weight-decay ratio (``wd_ratio`` if projected, else 1).

    For the per-channel view (rows: ``p.shape[0]``, the output channels) and then the whole-layer
    view, compute ``|cos(g, p)|`` per row; if the largest is below ``delta / sqrt(row length)``
    the weight is taken as scale-invariant: the radial part ``p_n (p_n . perturb)`` (``p_n`` the
    unit rows of p) is removed from ``perturb`` in place, and the search stops.
    """
    for rows in (p.shape[0], 1):
        shape2 = (rows, -1)
        pv, gv = p.reshape(shape2), g.reshape(shape2)
        p_norm = xp.sqrt((pv * pv).sum(axis=1))
        g_norm = xp.sqrt((gv * gv).sum(axis=1))
        cos = xp.abs((pv * gv).sum(axis=1))
        cos /= xp.maximum(p_norm, eps) * xp.maximum(g_norm, eps)
        if cos.max() < delta / math.sqrt(pv.shape[1]):
            p_n = pv / (p_norm + eps)[:, None]
            q = perturb.reshape(shape2)  # a view: perturb is contiguous scratch
            q -= p_n * (p_n * q).sum(axis=1, keepdims=True)
            return wd_ratio
    return 1.0


def adamp(
    params, grads, states, ws, *, lr, beta1, beta2, eps, weight_decay, delta, wd_ratio, nesterov,
    maximize,
):  # fmt: skip
    """The AdamP update of arrays ``params`` in place (Heo et al., ICLR 2021).

    m, v = moments of g;  d = sqrt(v / (1 - beta2^t)) + eps
    u = (beta1 * m + (1 - beta1) * g) / d if nesterov else m / d
    for weights with 2+ dims, u loses its radial component when p looks scale-invariant (see
    ``_project``), and the decay uses ``wd_ratio``: r = wd_ratio then, else 1
    p = p * (1 - lr * weight_decay * r);  p = p - lr / (1 - beta1^t) * u
    states[i]: ``step``, ``exp_avg``, ``exp_avg_sq``.
    """
    for p, g0, st in zip(params, grads, states):
        xp = array_module(p)
        st["step"] = step = st["step"] + 1
        g = grad_in(p, g0, 0.0, maximize, ws)
        m, v = st["exp_avg"], st["exp_avg_sq"]
        t1, t2 = ws.like(p, 1), ws.like(p, 2)
        _moments(m, v, g, beta1, beta2, t1, xp)
        xp.sqrt(v, out=t1)
        t1 /= math.sqrt(1.0 - beta2**step)
        t1 += eps
        if nesterov:
            xp.multiply(m, beta1, out=t2)
            xp.add(t2, g * (1.0 - beta1), out=t2)
            t2 /= t1
        else:
            xp.divide(m, t1, out=t2)
        r = 1.0
        if p.ndim > 1:
            r = _project(p, g, t2, delta, wd_ratio, eps, xp)
        if weight_decay > 0:
            p *= 1.0 - lr * weight_decay * r
        t2 *= lr / (1.0 - beta1**step)
        p -= t2


class AdamP(_AdamBase):
    """AdamP: Adam that slows the norm growth of scale-invariant weights (Heo et al., ICLR 2021).

    For a weight with 2+ dims whose gradient is nearly orthogonal to it (cosine similarity below
    ``delta / sqrt(fan)``, checked per output channel, then for the whole layer), the radial part
    of the update is projected out and weight decay is scaled by ``wd_ratio``.
    lr (1e-3), betas (0.9, 0.999), eps (1e-8), weight_decay (0, decoupled), delta (0.1),
    wd_ratio (0.1), nesterov (False). maximize, check_finite: see ``Optimizer``.
    State per parameter: ``step``, ``exp_avg``, ``exp_avg_sq``. A complex parameter is updated
    as its real view (..., 2) (see ``Optimizer``), so its cosines are those of the real inner
    product Re<g, p>, and a complex parameter of k dims is projected as a real one of k + 1.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        delta: float = 0.1,
        wd_ratio: float = 0.1,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        check_finite: bool = False,
        **torch_flags,
    ):
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            delta=delta,
            wd_ratio=wd_ratio,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults, check_finite=check_finite, **torch_flags)

    def _check_group(self, group, gi):
        super()._check_group(group, gi)
        check_nonneg(group, "delta", "delta value", gi)
        check_nonneg(group, "wd_ratio", "wd_ratio value", gi)
        check_bool(group, "nesterov", gi)

    def _update_group(self, group, params, grads, states, ws):
        beta1, beta2 = group["betas"]
        adamp(
            params,
            grads,
            states,
            ws,
            lr=float(group["lr"]),
            beta1=float(beta1),
            beta2=float(beta2),
            eps=float(group["eps"]),
            weight_decay=float(group["weight_decay"]),
            delta=float(group["delta"]),
            wd_ratio=float(group["wd_ratio"]),
            nesterov=bool(group["nesterov"]),
            maximize=bool(group["maximize"]),
        )
