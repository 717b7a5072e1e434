"""Reference implementations of the published update rules, written plainly in NumPy.

They share nothing with ``optim``: each is the rule as printed in its paper (or in PyTorch's
documentation, whose pseudo-code the optimisers follow), computed out of place. ``step(name, p,
g, s, o)`` returns the new parameter and updates the per-parameter state dict ``s``; ``o`` holds
every option (``DEFAULTS`` filled in). Momentum-like buffers start at zero unless the rule says
otherwise.
"""

from __future__ import annotations

import math

import numpy as np

# PyTorch's defaults (torch.optim, 2.x); AdamP's from the authors' code; Lion's from the paper.
DEFAULTS = {
    "SGD": dict(lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
                maximize=False),
    "Adagrad": dict(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                    eps=1e-10, maximize=False),
    "Adadelta": dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False),
    "RMSprop": dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                    centered=False, maximize=False),
    "Adam": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
                 maximize=False, decoupled_weight_decay=False),
    "AdamW": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False,
                  maximize=False),
    "NAdam": dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
                  decoupled_weight_decay=False, maximize=False),
    "RAdam": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                  decoupled_weight_decay=False, maximize=False),
    "Adamax": dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, maximize=False),
    "AdamP": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, delta=0.1,
                  wd_ratio=0.1, nesterov=False, maximize=False),
    "Lion": dict(lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0, maximize=False),
    "Rprop": dict(lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50.0), maximize=False),
    "ASGD": dict(lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0, maximize=False),
}  # fmt: skip


def options(name: str, **kw) -> dict:
    """``DEFAULTS[name]`` updated with ``kw``."""
    o = dict(DEFAULTS[name])
    o.update(kw)
    return o


def _g(p, g, o, l2=True):
    """Maximize flips the gradient; L2 weight decay adds weight_decay * p."""
    g = -g if o["maximize"] else g
    if l2 and o["weight_decay"] != 0:
        g = g + o["weight_decay"] * p
    return g


def sgd(p, g, s, o):
    g = _g(p, g, o)
    mu = o["momentum"]
    if mu != 0:
        if "b" not in s:
            s["b"] = g.copy()
        else:
            s["b"] = mu * s["b"] + (1 - o["dampening"]) * g
        g = g + mu * s["b"] if o["nesterov"] else s["b"]
    return p - o["lr"] * g


def adagrad(p, g, s, o):
    g = _g(p, g, o)
    s["t"] = t = s.get("t", 0) + 1
    s.setdefault("sum", np.full_like(p, o["initial_accumulator_value"]))
    lr_t = o["lr"] / (1 + (t - 1) * o["lr_decay"])
    s["sum"] = s["sum"] + g * g
    return p - lr_t * g / (np.sqrt(s["sum"]) + o["eps"])


def adadelta(p, g, s, o):
    g = _g(p, g, o)
    rho, eps = o["rho"], o["eps"]
    v = rho * s.get("v", 0.0) + (1 - rho) * g * g
    dx = np.sqrt(s.get("u", 0.0) + eps) / np.sqrt(v + eps) * g
    s["u"] = rho * s.get("u", 0.0) + (1 - rho) * dx * dx
    s["v"] = v
    return p - o["lr"] * dx


def rmsprop(p, g, s, o):
    g = _g(p, g, o)
    a = o["alpha"]
    s["v"] = a * s.get("v", 0.0) + (1 - a) * g * g
    if o["centered"]:
        s["m"] = a * s.get("m", 0.0) + (1 - a) * g
        denom = np.sqrt(s["v"] - s["m"] ** 2) + o["eps"]
    else:
        denom = np.sqrt(s["v"]) + o["eps"]
    if o["momentum"] > 0:
        s["b"] = o["momentum"] * s.get("b", 0.0) + g / denom
        return p - o["lr"] * s["b"]
    return p - o["lr"] * g / denom


def adam(p, g, s, o):
    b1, b2 = o["betas"]
    s["t"] = t = s.get("t", 0) + 1
    decoupled = o.get("decoupled_weight_decay", False)
    if decoupled:
        p = p * (1 - o["lr"] * o["weight_decay"])
    g = _g(p, g, o, l2=not decoupled)
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    m_hat = s["m"] / (1 - b1**t)
    v = s["v"]
    if o["amsgrad"]:
        s["vmax"] = v = np.maximum(s.get("vmax", 0.0), v)
    v_hat = v / (1 - b2**t)
    return p - o["lr"] * m_hat / (np.sqrt(v_hat) + o["eps"])


def adamw(p, g, s, o):
    return adam(p, g, s, dict(o, decoupled_weight_decay=True))


def nadam(p, g, s, o):
    b1, b2 = o["betas"]
    s["t"] = t = s.get("t", 0) + 1
    decoupled = o["decoupled_weight_decay"]
    if decoupled:
        p = p * (1 - o["lr"] * o["weight_decay"])
    g = _g(p, g, o, l2=not decoupled)
    psi = o["momentum_decay"]
    mu_t = b1 * (1 - 0.5 * 0.96 ** (t * psi))
    mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
    s["prod"] = s.get("prod", 1.0) * mu_t
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    m_hat = mu_next * s["m"] / (1 - s["prod"] * mu_next) + (1 - mu_t) * g / (1 - s["prod"])
    v_hat = s["v"] / (1 - b2**t)
    return p - o["lr"] * m_hat / (np.sqrt(v_hat) + o["eps"])


def radam(p, g, s, o):
    b1, b2 = o["betas"]
    s["t"] = t = s.get("t", 0) + 1
    decoupled = o["decoupled_weight_decay"]
    if decoupled:
        p = p * (1 - o["lr"] * o["weight_decay"])
    g = _g(p, g, o, l2=not decoupled)
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    m_hat = s["m"] / (1 - b1**t)
    rho_inf = 2 / (1 - b2) - 1
    rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
    if rho_t > 5:
        s["rectified"] = s.get("rectified", 0) + 1
        l_t = math.sqrt(1 - b2**t) / (np.sqrt(s["v"]) + o["eps"])
        r_t = math.sqrt(
            (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
        )
        return p - o["lr"] * m_hat * r_t * l_t
    return p - o["lr"] * m_hat


def adamax(p, g, s, o):
    b1, b2 = o["betas"]
    s["t"] = t = s.get("t", 0) + 1
    g = _g(p, g, o)
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["u"] = np.maximum(b2 * s.get("u", 0.0), np.abs(g) + o["eps"])
    return p - o["lr"] / (1 - b1**t) * s["m"] / s["u"]


def _cos_rows(x, y, eps):
    """|cosine similarity| of matching rows, each norm clamped below at eps."""
    nx = np.maximum(np.linalg.norm(x, axis=1), eps)
    ny = np.maximum(np.linalg.norm(y, axis=1), eps)
    return np.abs((x * y).sum(axis=1)) / (nx * ny)


def adamp(p, g, s, o):
    """Heo et al., ICLR 2021, Algorithm 2 (AdamP), as in the authors' code."""
    b1, b2 = o["betas"]
    eps = o["eps"]
    g = -g if o["maximize"] else g
    s["t"] = t = s.get("t", 0) + 1
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    denom = np.sqrt(s["v"]) / math.sqrt(1 - b2**t) + eps
    if o["nesterov"]:
        perturb = (b1 * s["m"] + (1 - b1) * g) / denom
    else:
        perturb = s["m"] / denom
    ratio = 1.0
    if p.ndim > 1:
        for rows in (p.shape[0], 1):  # per output channel, then the whole layer
            pv, gv = p.reshape(rows, -1), g.reshape(rows, -1)
            if _cos_rows(gv, pv, eps).max() < o["delta"] / math.sqrt(pv.shape[1]):
                unit = pv / (np.linalg.norm(pv, axis=1, keepdims=True) + eps)
                q = perturb.reshape(rows, -1)
                q = q - unit * (unit * q).sum(axis=1, keepdims=True)
                perturb = q.reshape(p.shape)
                ratio = o["wd_ratio"]
                s["projected"] = s.get("projected", 0) + 1
                break
    if o["weight_decay"] > 0:
        p = p * (1 - o["lr"] * o["weight_decay"] * ratio)
    return p - o["lr"] / (1 - b1**t) * perturb


def lion(p, g, s, o):
    """Chen et al. 2023, Algorithm 2 (Lion) with decoupled weight decay."""
    b1, b2 = o["betas"]
    g = -g if o["maximize"] else g
    m = s.get("m", np.zeros_like(p))
    c = b1 * m + (1 - b1) * g
    p = p * (1 - o["lr"] * o["weight_decay"]) - o["lr"] * np.sign(c)
    s["m"] = b2 * m + (1 - b2) * g
    return p


def rprop(p, g, s, o):
    """Riedmiller and Braun 1993 (Rprop without weight backtracking, PyTorch's variant): each
    element's step grows by eta+ while its gradient keeps its sign and shrinks by eta- when it
    flips; after a flip that element does not move and its gradient is taken as 0."""
    g = -g if o["maximize"] else g
    eta_minus, eta_plus = o["etas"]
    lo, hi = o["step_sizes"]
    size = s.get("size", np.full_like(p, o["lr"]))
    prev = s.get("prev", np.zeros_like(p))
    prod = g * prev
    size = np.where(prod > 0, np.minimum(size * eta_plus, hi), size)
    size = np.where(prod < 0, np.maximum(size * eta_minus, lo), size)
    g = np.where(prod < 0, 0.0, g)
    s["size"], s["prev"] = size, g
    return p - np.sign(g) * size


def asgd(p, g, s, o):
    """Polyak and Juditsky 1992 averaged SGD as PyTorch's documentation writes it: a decayed
    step eta_t = lr / (1 + lambd lr t)^alpha, and the average ax of the iterates from t0 on."""
    g = _g(p, g, o)
    s["t"] = t = s.get("t", 0) + 1
    eta, mu = s.get("eta", o["lr"]), s.get("mu", 1.0)
    p = p * (1 - o["lambd"] * eta) - eta * g
    ax = s.get("ax", np.zeros_like(p))
    s["ax"] = p.copy() if mu == 1 else ax + mu * (p - ax)
    s["eta"] = o["lr"] / (1 + o["lambd"] * o["lr"] * t) ** o["alpha"]
    s["mu"] = 1 / max(1, t - o["t0"])
    return p


RULES = {
    "SGD": sgd,
    "Adagrad": adagrad,
    "Adadelta": adadelta,
    "RMSprop": rmsprop,
    "Adam": adam,
    "AdamW": adamw,
    "NAdam": nadam,
    "RAdam": radam,
    "Adamax": adamax,
    "AdamP": adamp,
    "Lion": lion,
    "Rprop": rprop,
    "ASGD": asgd,
}


def step(name: str, p, g, s: dict, o: dict):
    """One reference update of parameter array ``p`` with gradient ``g``; returns the new p."""
    return RULES[name](p, g, s, o)
