"""Workload "overhead": what the per-op path costs, on arrays too small for the math to matter.

A chain of ``N_OPS`` = 1,000 ops repeating (mul by 1.001, add 0.5, tanh) on a float32 tensor of
shape (4,), so each NumPy call costs about a microsecond and everything above that is the
autodiff engine's bookkeeping. Reported in µs per chain op (the backward seed is not counted).

Candidates:

* ``numpy floor``: the same chain in raw NumPy with a hand-written backward that saves only what
  it needs (tanh's output) and applies ``g * 1.001``, ``g``, ``g * (1 - y * y)``. It is the floor
  any engine on NumPy can reach.
* ``tapegrad``: forward with recording from a ``requires_grad=True`` leaf, then
  ``backward(gradient=ones)``; forward-only with recording (the graph is freed when the output is
  dropped, inside the timing); forward under ``no_grad``.
* ``torch``: the same, when torch imports (``torch.set_num_threads`` fixed to the run's threads).

Targets: tapegrad fwd+bwd <= 3.0x the floor's fwd+bwd; forward with recording <= 2.0x the floor's
forward.
"""

from __future__ import annotations

import numpy as np

from .machine import load_torch
from .registry import Candidate, Ratio, RunConfig, WorkloadSetup

__all__ = ["N_OPS", "MUL", "ADD", "SHAPE", "setup", "floor_forward", "floor_backward"]

N_OPS = 1000
MUL = 1.001
ADD = 0.5
SHAPE = (4,)
_TRIPLES, _REST = divmod(N_OPS, 3)  # 333 full (mul, add, tanh) groups, then one mul
_MODE_LABELS = {"fwd+bwd": "fwd+bwd", "fwd": "fwd (recording)", "fwd no_grad": "fwd no_grad"}


def floor_forward(x: np.ndarray):
    """The chain in raw NumPy. x: float32 (4,). Returns ``(y, saved)``: the output (shape of
    x) and the tanh outputs the backward needs, in order."""
    saved = []
    append = saved.append
    y = x
    for _ in range(_TRIPLES):
        y = np.tanh(y * MUL + ADD)
        append(y)
    if _REST >= 1:
        y = y * MUL
    if _REST >= 2:
        y = y + ADD
    return y, saved


def floor_backward(saved, gy: np.ndarray) -> np.ndarray:
    """Hand-written backward of ``floor_forward``. gy: dL/dy (shape of x). Returns dL/dx."""
    g = gy
    # the trailing ops after the last tanh: add passes g through, mul scales it
    if _REST >= 1:
        g = g * MUL
    for y in reversed(saved):
        g = g * (1 - y * y)  # tanh: d tanh(u)/du = 1 - y^2
        g = g * MUL  # add: identity; mul: 1.001
    return g


def _chain(x):
    """The chain written against the Tensor API (tapegrad's and torch's are the same code)."""
    y = x
    for _ in range(_TRIPLES):
        y = (y * MUL + ADD).tanh()
    if _REST >= 1:
        y = y * MUL
    if _REST >= 2:
        y = y + ADD
    return y


def setup(config: RunConfig) -> WorkloadSetup:
    """Build the overhead workload's candidates, ratios and correctness check."""
    import autograd as ag

    rng = np.random.default_rng(0)
    x_np = rng.uniform(-1.0, 1.0, size=SHAPE).astype(np.float32)
    seed_np = np.ones(SHAPE, dtype=np.float32)

    # -- numpy floor -------------------------------------------------------------------------
    def floor_fwd_bwd():
        y, saved = floor_forward(x_np)
        return y, floor_backward(saved, seed_np)

    def floor_fwd():
        return floor_forward(x_np)

    # -- tapegrad ----------------------------------------------------------------------------
    x_tg = ag.tensor(x_np, requires_grad=True)
    seed_tg = ag.tensor(seed_np)
    no_grad = ag.no_grad

    def tg_fwd_bwd():
        x_tg.grad = None
        y = _chain(x_tg)
        y.backward(gradient=seed_tg)
        return y, x_tg.grad

    def tg_fwd():
        return _chain(x_tg)

    def tg_fwd_no_grad():
        with no_grad():
            return _chain(x_tg)

    # -- torch -------------------------------------------------------------------------------
    torch, reason = load_torch(config)
    torch_fns = {}
    if torch is not None:
        x_th = torch.tensor(x_np, requires_grad=True)
        seed_th = torch.from_numpy(seed_np.copy())
        th_no_grad = torch.no_grad

        def th_fwd_bwd():
            x_th.grad = None
            y = _chain(x_th)
            y.backward(gradient=seed_th)
            return y, x_th.grad

        def th_fwd():
            return _chain(x_th)

        def th_fwd_no_grad():
            with th_no_grad():
                return _chain(x_th)

        torch_fns = {"fwd+bwd": th_fwd_bwd, "fwd": th_fwd, "fwd no_grad": th_fwd_no_grad}

    def name(impl: str, mode: str) -> str:
        return f"{impl} {_MODE_LABELS[mode]}"

    tg, floor_fb, floor_f = "tapegrad", "numpy floor fwd+bwd", "numpy floor fwd"
    candidates = [
        Candidate(floor_fb, "numpy", "fwd+bwd", floor_fwd_bwd),
        Candidate(floor_f, "numpy", "fwd", floor_fwd),
        Candidate(name(tg, "fwd+bwd"), tg, "fwd+bwd", tg_fwd_bwd),
        Candidate(name(tg, "fwd"), tg, "fwd", tg_fwd),
        Candidate(name(tg, "fwd no_grad"), tg, "fwd no_grad", tg_fwd_no_grad),
    ]
    candidates += [
        Candidate(name("torch", mode), "torch", mode, torch_fns.get(mode), skip_reason=reason)
        for mode in _MODE_LABELS
    ]
    ratios = [
        Ratio("tapegrad / floor, fwd+bwd", name(tg, "fwd+bwd"), floor_fb, target=3.0),
        Ratio("tapegrad / floor, fwd (recording)", name(tg, "fwd"), floor_f, target=2.0),
        Ratio("tapegrad / floor, fwd no_grad", name(tg, "fwd no_grad"), floor_f),
    ]
    ratios += [
        Ratio(f"tapegrad / torch, {label}", name(tg, mode), name("torch", mode))
        for mode, label in _MODE_LABELS.items()
    ]

    def check() -> tuple[bool, str]:
        """Forward outputs and input gradients of every implementation agree with the floor."""
        y_ref, g_ref = floor_fwd_bwd()
        results = {"tapegrad": tg_fwd_bwd()}
        if torch_fns:
            results["torch"] = torch_fns["fwd+bwd"]()
        problems = []
        for impl, (y, g) in results.items():
            y, g = np.asarray(y.detach()), np.asarray(g.detach())
            if y.dtype != np.float32 or g.dtype != np.float32:
                problems.append(f"{impl}: dtypes {y.dtype}/{g.dtype}, expected float32")
            if not np.allclose(y, y_ref, rtol=1e-4, atol=1e-6):
                problems.append(f"{impl}: forward output differs from the floor's")
            if not np.allclose(g, g_ref, rtol=1e-3, atol=1e-30):
                problems.append(f"{impl}: input gradient differs from the floor's")
        x_tg.grad = None
        if torch_fns:
            x_th.grad = None
        if problems:
            return False, "; ".join(problems)
        return True, "outputs and gradients match the numpy floor: " + ", ".join(results)

    return WorkloadSetup(
        candidates=candidates,
        ratios=ratios,
        unit="µs/op",
        unit_seconds=1e-6,
        units_per_call=N_OPS,
        params={
            "n_ops": N_OPS,
            "ops": ["mul 1.001", "add 0.5", "tanh"],
            "shape": list(SHAPE),
            "dtype": "float32",
            "device": "cpu",
            "backward_seed": "backward(gradient=ones), not counted as an op",
        },
        check=check,
        notes=[
            "µs per chain op (1,000 per call); fwd+bwd counts each op once.",
            "forward-only timings include freeing the recorded graph when the output is dropped.",
        ],
    )
