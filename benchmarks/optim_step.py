"""Workload "optim": one optimizer step over the parameters of a 784-1024-1024-10 MLP.

The parameters are the weights and biases of three Linear layers (shapes (1024, 784), (1024,),
(1024, 1024), (1024,), (10, 1024), (10,); 1.86 M float32 numbers), each with a fixed random
gradient. A timed call is one ``step()``: the update reads and writes every parameter and state
array, so the workload is memory-bound and its floor is the number of passes over memory.

Candidates, for Adam (lr 1e-4, betas (0.9, 0.999), eps 1e-8) and SGD with momentum 0.9
(lr 1e-4):

* ``numpy floor``: the same update written directly as NumPy ufuncs with ``out=`` into one
  preallocated scratch buffer (Adam: 12 passes per parameter, SGD momentum: 4), no checks.
  What any NumPy-based optimizer can reach.
* ``tapegrad``: ``optim.Adam`` / ``optim.SGD`` ``step()`` on autograd tensors, including its
  all-or-nothing gradient checks; Adam also with ``check_finite=True`` (one extra reduction
  per parameter) to show that option's price.
* ``torch``: ``torch.optim.Adam`` / ``SGD`` (default settings: the per-tensor loop on CPU),
  when torch imports.

Target: tapegrad <= 1.3x the floor for both.

With ``--device cuda``: ``cupy floor`` (the same ufuncs on CuPy arrays), ``tapegrad cupy set``
(an optimiser step calls no kernel the ``numba`` set replaces, so that set is not run) and
``torch`` on CUDA (its default foreach implementation there).
"""

from __future__ import annotations

import math

import numpy as np

from backends import array_module

from . import devices
from .common import as_numpy
from .registry import Candidate, Ratio, RunConfig, WorkloadSetup

__all__ = ["SHAPES", "setup", "floor_adam_step", "floor_sgd_step"]

SHAPES = [(1024, 784), (1024,), (1024, 1024), (1024,), (10, 1024), (10,)]
LR = 1e-4
BETAS = (0.9, 0.999)
EPS = 1e-8
MOMENTUM = 0.9
CHECK_STEPS = 3


def floor_adam_step(params, grads, ms, vs, tmps, t: int) -> None:
    """Adam's step ``t`` (1-based) in raw NumPy (or CuPy: the same ufuncs); every array
    float32, updated in place.

    m += (1 - b1) (g - m);  v = b2 v + (1 - b2) g^2
    p -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps sqrt(1 - b2^t))
    """
    xp = array_module(params[0])
    b1, b2 = BETAS
    s = math.sqrt(1.0 - b2**t)
    scale = LR * s / (1.0 - b1**t)
    for p, g, m, v, tmp in zip(params, grads, ms, vs, tmps):
        xp.subtract(g, m, out=tmp)
        tmp *= 1.0 - b1
        m += tmp
        v *= b2
        xp.multiply(g, g, out=tmp)
        tmp *= 1.0 - b2
        v += tmp
        xp.sqrt(v, out=tmp)
        tmp += EPS * s
        xp.divide(m, tmp, out=tmp)
        tmp *= scale
        p -= tmp


def floor_sgd_step(params, grads, bufs, tmps) -> None:
    """SGD with momentum in raw NumPy or CuPy (buffers already hold the first gradient):
    b = momentum b + g;  p -= lr b."""
    xp = array_module(params[0])
    for p, g, b, tmp in zip(params, grads, bufs, tmps):
        b *= MOMENTUM
        b += g
        xp.multiply(b, LR, out=tmp)
        p -= tmp


def _floor(kind: str, p0, g0, xp=np):
    """A fresh floor implementation on ``xp``'s device: ``(step, params)``."""
    params = [xp.asarray(p).copy() for p in p0]
    grads = [xp.asarray(g).copy() for g in g0]
    # one scratch buffer, as large as the largest parameter, viewed per shape (as tapegrad's
    # workspace): the temporary stays in cache from one parameter to the next
    scratch = xp.empty(max(p.size for p in p0), dtype=p0[0].dtype)
    tmps = [scratch[: p.size].reshape(p.shape) for p in p0]
    if kind == "adam":
        ms = [xp.zeros_like(p) for p in params]
        vs = [xp.zeros_like(p) for p in params]
        count = [0]

        def step():
            count[0] += 1
            floor_adam_step(params, grads, ms, vs, tmps, count[0])

    else:
        bufs = [None] * len(params)

        def step():
            if bufs[0] is None:  # first step: the buffer is the gradient (as torch and tapegrad)
                bufs[:] = [g.copy() for g in grads]
                for p, b, tmp in zip(params, bufs, tmps):
                    xp.multiply(b, LR, out=tmp)
                    p -= tmp
            else:
                floor_sgd_step(params, grads, bufs, tmps)

    return step, lambda: params


def _tapegrad(kind: str, p0, g0, check_finite: bool = False, config=None, set_name=None):
    import optim

    config = config or RunConfig()
    params = [devices.tensor(config, p.copy(), requires_grad=True) for p in p0]
    for p, g in zip(params, g0):
        p.grad = devices.tensor(config, g.copy())
    if kind == "adam":
        opt = optim.Adam(params, lr=LR, betas=BETAS, eps=EPS, check_finite=check_finite)
    else:
        opt = optim.SGD(params, lr=LR, momentum=MOMENTUM, check_finite=check_finite)
    return devices.in_set(set_name, opt.step), lambda: [p._data for p in params]


def _torch(torch, kind: str, p0, g0, device: str = "cpu"):
    params = [torch.tensor(p.copy(), requires_grad=True, device=device) for p in p0]
    for p, g in zip(params, g0):
        p.grad = torch.tensor(g.copy(), device=device)
    if kind == "adam":
        opt = torch.optim.Adam(params, lr=LR, betas=BETAS, eps=EPS)
    else:
        opt = torch.optim.SGD(params, lr=LR, momentum=MOMENTUM)
    return opt.step, lambda: [p.detach() for p in params]


_LABEL = {"adam": "Adam", "sgd": "SGD momentum"}


def setup(config: RunConfig) -> WorkloadSetup:
    """Build the optim workload's candidates, ratios and correctness check."""
    rng = np.random.default_rng(0)
    p0 = [(0.05 * rng.standard_normal(s)).astype(np.float32) for s in SHAPES]
    g0 = [(0.01 * rng.standard_normal(s)).astype(np.float32) for s in SHAPES]
    torch, reason = devices.torch_for(config)
    xp = devices.xp_for(config)
    fl = devices.floor_name(config)
    tg_impls = devices.tapegrad_impls(config, kernels=False)

    def sync(impl):
        return devices.sync_for(config, impl)

    candidates, ratios = [], []
    for kind, label in _LABEL.items():
        floor, th = f"{fl} {label}", f"torch {label}"
        candidates.append(Candidate(floor, fl.split()[0], "step", _floor(kind, p0, g0, xp)[0],
                                    sync=sync(floor)))  # fmt: skip
        for name, set_name, skip in tg_impls:
            tg = f"{name} {label}"
            variants = [("", False)] + ([(" check_finite", True)] if kind == "adam" else [])
            for suffix, cf in variants:
                fn = None if skip else _tapegrad(kind, p0, g0, cf, config, set_name)[0]
                candidates.append(Candidate(tg + suffix, "tapegrad", "step", fn,
                                            skip_reason=skip, sync=sync(name)))  # fmt: skip
            target = None if config.device == "cuda" else 1.3  # issue 7's target is the CPU's
            ratios.append(Ratio(f"{name} / floor, {label}", tg, floor, target=target))
            if kind == "adam":
                ratios.append(Ratio(f"{name} check_finite / floor, {label}",
                                    f"{tg} check_finite", floor))  # fmt: skip
            ratios.append(Ratio(f"{name} / torch, {label}", tg, th))
        fn = _torch(torch, kind, p0, g0, config.device)[0] if torch is not None else None
        candidates.append(Candidate(th, "torch", "step", fn, skip_reason=reason,
                                    sync=sync("torch") if fn else None))  # fmt: skip

    def check() -> tuple[bool, str]:
        """After 3 steps from the same start, every implementation holds the floor's values."""
        problems, compared = [], []
        for kind, label in _LABEL.items():
            impls = {fl: _floor(kind, p0, g0, xp)}
            for name, set_name, skip in tg_impls:
                if skip is None:
                    impls[name] = _tapegrad(kind, p0, g0, False, config, set_name)
            if torch is not None:
                impls["torch"] = _torch(torch, kind, p0, g0, config.device)
            for step, _ in impls.values():
                for _ in range(CHECK_STEPS):
                    step()
            ref = [as_numpy(a) for a in impls.pop(fl)[1]()]
            for impl, (_, get) in impls.items():
                for a, b in zip(map(as_numpy, get()), ref):
                    if a.dtype != np.float32 or not np.allclose(a, b, rtol=1e-5, atol=1e-7):
                        problems.append(f"{impl} {label}: parameters differ from the floor's")
                        break
                compared.append(f"{impl} {label}")
        if problems:
            return False, "; ".join(problems)
        return True, f"after {CHECK_STEPS} steps, parameters match the {fl}: " + ", ".join(compared)

    n_params = sum(math.prod(s) for s in SHAPES)
    return WorkloadSetup(
        candidates=candidates,
        ratios=ratios,
        unit="ms/step",
        unit_seconds=1e-3,
        units_per_call=1,
        params={
            "shapes": [list(s) for s in SHAPES],
            "n_parameters": n_params,
            "dtype": "float32",
            "adam": {"lr": LR, "betas": list(BETAS), "eps": EPS},
            "sgd": {"lr": LR, "momentum": MOMENTUM},
            "device": config.device,
        },
        check=check,
        notes=[
            f"one optimizer step over {n_params:,} float32 parameters (6 tensors) with fixed "
            "random gradients; steady state (state buffers already allocated).",
            "the floor is the same update as raw NumPy ufuncs with out= into one preallocated "
            "scratch buffer.",
        ],
    )
