"""Workload "gradcheck": how long checking a mid-size op's gradients takes.

The op is ``(a @ b).tanh()`` with a (8, 16) and b (16, 8), float64, both checked (256 input
elements, 64 outputs), at eps 1e-6, atol 1e-5, rtol 1e-3.

Candidates:

* ``numpy floor``: tapegrad's algorithm in raw NumPy: one analytic vector-Jacobian product with
  a random cotangent v (the hand-written backward: ``g = v (1 - y^2)``, ``ga = g b^T``,
  ``gb = a^T g``), then a central difference of ``sum(v * f)`` per input element (512
  evaluations of the op). It is what the check costs without an engine.
* ``tapegrad``: ``ag.gradcheck(fn, (a, b))``: the same algorithm, the op evaluated through the
  engine (with recording on, as gradcheck keeps it for gradgradcheck).
* ``tapegrad fast_mode``: ``ag.gradcheck(..., fast_mode=True)``: one random directional
  derivative per input (one backward, 4 evaluations), like torch's fast mode.
* ``torch`` and ``torch fast_mode``: ``torch.autograd.gradcheck(fn, (a, b))`` when torch
  imports. Its default builds the whole Jacobian: the same 512 evaluations plus one backward per
  output element (64). ``fast_mode=True`` checks one number per input, ``v^T J u`` for random
  v and u: one directional difference (2 evaluations) per input instead of 2 per element.

With ``--device cuda``: ``cupy floor`` (the floor's code on CuPy arrays: each perturbation a
device write, each evaluation a host read), tapegrad under each GPU kernel set, and torch's
two on CUDA; all at float64.

So tapegrad / floor is the like-for-like ratio (the engine's cost per op evaluation); the torch
ratios compare different amounts of checking: more (full Jacobian) and far less (fast_mode).
"""

from __future__ import annotations

import numpy as np

from backends import array_module

from . import devices
from .common import as_numpy
from .registry import Candidate, Ratio, RunConfig, WorkloadSetup

__all__ = ["A_SHAPE", "B_SHAPE", "EPS", "ATOL", "RTOL", "floor_gradcheck", "setup"]

A_SHAPE = (8, 16)
B_SHAPE = (16, 8)
EPS, ATOL, RTOL = 1e-6, 1e-5, 1e-3


def floor_gradcheck(a: np.ndarray, b: np.ndarray, seed: int = 0) -> bool:
    """Check the hand-written gradient of ``tanh(a @ b)`` against central differences.

    a: (n, k), b: (k, m), float64, NumPy or CuPy (perturbed in place, then restored). Returns
    True, or raises AssertionError naming the input whose gradient is off.
    """
    xp = array_module(a)
    rng = np.random.default_rng(seed)
    y = xp.tanh(a @ b)
    v = xp.asarray(rng.standard_normal(y.shape))
    g = v * (1 - y * y)
    analytic = (g @ b.T, a.T @ g)
    for name, x, ga in (("a", a, analytic[0]), ("b", b, analytic[1])):
        flat = x.reshape(-1)  # a view: writes perturb x
        num = np.empty(flat.size)
        for j in range(flat.size):
            orig = float(flat[j])
            flat[j] = orig + EPS
            fp = float(xp.sum(v * xp.tanh(a @ b)))
            flat[j] = orig - EPS
            fm = float(xp.sum(v * xp.tanh(a @ b)))
            flat[j] = orig
            num[j] = (fp - fm) / (2 * EPS)
        ga = as_numpy(ga).reshape(-1)
        if not np.all(np.abs(ga - num) <= ATOL + RTOL * np.abs(num)):
            raise AssertionError(f"floor gradcheck: the gradient of {name} is off")
    return True


def _fn(a, b):
    return (a @ b).tanh()


def setup(config: RunConfig) -> WorkloadSetup:
    """Build the gradcheck workload's candidates, ratios and check."""
    import autograd as ag

    rng = np.random.default_rng(0)
    a_np = rng.standard_normal(A_SHAPE)
    b_np = rng.standard_normal(B_SHAPE) / 4
    xp = devices.xp_for(config)
    floor = devices.floor_name(config)
    a_fl, b_fl = xp.asarray(a_np).copy(), xp.asarray(b_np).copy()
    a_tg = devices.tensor(config, a_np, requires_grad=True)
    b_tg = devices.tensor(config, b_np, requires_grad=True)

    fns = {floor: lambda: floor_gradcheck(a_fl, b_fl)}
    tg_impls = devices.tapegrad_impls(config)
    for name, set_name, skip in tg_impls:
        if skip is None:
            for suffix, fast in (("", False), (" fast_mode", True)):
                fns[name + suffix] = devices.in_set(
                    set_name,
                    lambda fast=fast: ag.gradcheck(
                        _fn, (a_tg, b_tg), eps=EPS, atol=ATOL, rtol=RTOL, fast_mode=fast
                    ),
                )
    torch, reason = devices.torch_for(config)
    if torch is not None:
        a_th = torch.tensor(a_np, requires_grad=True, device=config.device)
        b_th = torch.tensor(b_np, requires_grad=True, device=config.device)
        tgc = torch.autograd.gradcheck
        fns["torch"] = lambda: tgc(_fn, (a_th, b_th), eps=EPS, atol=ATOL, rtol=RTOL)
        fns["torch fast_mode"] = lambda: tgc(
            _fn, (a_th, b_th), eps=EPS, atol=ATOL, rtol=RTOL, fast_mode=True
        )
    skips = {name + sfx: why for name, _, why in tg_impls for sfx in ("", " fast_mode")}
    names = [floor] + list(skips) + ["torch", "torch fast_mode"]
    candidates = [
        Candidate(
            name,
            name.split()[0],
            "gradcheck",
            fns.get(name),
            skip_reason=None if name in fns else skips.get(name, reason),
            sync=devices.sync_for(config, name.split()[0]) if name in fns else None,
        )
        for name in names
    ]
    ratios = []
    for name, _, _ in tg_impls:
        ratios += [
            Ratio(f"{name} / floor", name, floor),
            Ratio(f"{name} / torch fast_mode", name, "torch fast_mode"),
            Ratio(f"{name} / torch (full Jacobian)", name, "torch"),
            Ratio(f"{name} fast_mode / torch fast_mode", f"{name} fast_mode", "torch fast_mode"),
        ]

    def check() -> tuple[bool, str]:
        """Every candidate passes on the correct op, and tapegrad's gradcheck catches a wrong
        backward (so the timed check is a real one)."""
        problems = []
        for name, fn in fns.items():
            try:
                if fn() is not True:
                    problems.append(f"{name} did not return True")
            except Exception as e:  # a failed check raises
                problems.append(f"{name} failed: {type(e).__name__}: {e}")

        class BadTanh(ag.Function):
            """tanh with the derivative off by 10%."""

            save_output = True

            def forward(self, x):
                return np.tanh(x)

            def backward(self, gy):
                (y,) = self.saved
                return gy * 1.1 * (1 - y * y)

        for fast in (False, True):
            try:  # np.tanh dispatches to CuPy on cuda arrays
                caught = not ag.gradcheck(lambda a, b: BadTanh.apply(a @ b), (a_tg, b_tg),
                                          raise_exception=False, fast_mode=fast)  # fmt: skip
            except Exception as e:
                caught, problems = False, problems + [f"broken-op gradcheck raised {e!r}"]
            if not caught:
                problems.append(
                    f"tapegrad's gradcheck (fast_mode={fast}) passed a deliberately wrong backward"
                )
        if problems:
            return False, "; ".join(problems)
        return True, (
            "all pass on the op; tapegrad's gradcheck, element-wise and fast_mode, catches a 10% "
            "wrong backward"
        )

    return WorkloadSetup(
        candidates=candidates,
        ratios=ratios,
        unit="ms/check",
        unit_seconds=1e-3,
        units_per_call=1,
        params={
            "op": "(a @ b).tanh()",
            "a": list(A_SHAPE),
            "b": list(B_SHAPE),
            "dtype": "float64",
            "eps": EPS,
            "atol": ATOL,
            "rtol": RTOL,
            "op_evaluations": 2 * (int(np.prod(A_SHAPE)) + int(np.prod(B_SHAPE))),
            "device": config.device,
        },
        check=check,
        notes=[
            "tapegrad and the floor check J^T v for a random v element by element (one "
            "backward, 512 op evaluations); torch's default builds the full Jacobian (512 "
            "evaluations and 64 backwards); the fast modes check v^T J u (4 evaluations).",
        ],
    )
