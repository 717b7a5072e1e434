"""Workload "matmul": forward + backward of ``y = x @ w`` for square sizes and two dtypes.

x, w (n, n), both requiring grad, backward seeded with a fixed random gy (n, n); one call is the
forward and both gradients: ``gx = gy @ w^T``, ``gw = x^T @ gy``, so three GEMMs of ``2 n^3``
flops each. Sizes 256, 512, 1024 (``--quick``: 128, 256, 512), float32 and float64.

Candidates, per size and dtype:

* ``numpy floor``: the three ``numpy.matmul`` calls (BLAS GEMM), nothing else.
* ``tapegrad``: ``x @ w`` on tensors, then ``y.backward(gy)`` (gradients reset to None first).
* ``torch``: the same, when torch imports.

Reported in ms/call and GFLOP/s. At these sizes the GEMMs dominate, so tapegrad / floor shows
what the engine adds around BLAS (dispatch, gradient checks, copies), and the floor / torch
ratio compares NumPy's BLAS with PyTorch's.
"""

from __future__ import annotations

import numpy as np

from .common import compare
from .machine import load_torch
from .registry import Candidate, Ratio, RunConfig, WorkloadSetup

__all__ = ["SIZES", "QUICK_SIZES", "DTYPES", "setup", "flops"]

SIZES = (256, 512, 1024)
QUICK_SIZES = (128, 256, 512)
DTYPES = ("float32", "float64")


def flops(n: int) -> float:
    """Floating-point operations of one forward + backward: three n x n x n GEMMs."""
    return 3 * 2.0 * n**3


def _config(n: int, dtype: str, torch, seed: int):
    """The three implementations of one size and dtype: ``{impl: fn}``; each fn returns
    ``(y, gx, gw)``."""
    import autograd as ag

    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((n, n)) / np.sqrt(n)).astype(dtype)
    w = (rng.standard_normal((n, n)) / np.sqrt(n)).astype(dtype)
    gy = rng.standard_normal((n, n)).astype(dtype)

    def floor():
        y = np.matmul(x, w)
        return y, np.matmul(gy, w.T), np.matmul(x.T, gy)

    x_tg = ag.tensor(x, requires_grad=True)
    w_tg = ag.tensor(w, requires_grad=True)
    gy_tg = ag.tensor(gy)

    def tapegrad():
        x_tg.grad = w_tg.grad = None
        y = x_tg @ w_tg
        y.backward(gy_tg)
        return y, x_tg.grad, w_tg.grad

    fns = {"numpy floor": floor, "tapegrad": tapegrad}
    if torch is not None:
        x_th = torch.tensor(x, requires_grad=True)
        w_th = torch.tensor(w, requires_grad=True)
        gy_th = torch.from_numpy(gy.copy())

        def th():
            x_th.grad = w_th.grad = None
            y = x_th @ w_th
            y.backward(gy_th)
            return y, x_th.grad, w_th.grad

        fns["torch"] = th
    return fns


def setup(config: RunConfig) -> WorkloadSetup:
    """Build the matmul workload's candidates (one set per size and dtype), ratios and check."""
    torch, reason = load_torch(config)
    sizes = QUICK_SIZES if config.quick else SIZES
    configs = {}
    candidates, ratios = [], []
    for i, dtype in enumerate(DTYPES):
        for j, n in enumerate(sizes):
            group = f"{n} {dtype}"
            fns = _config(n, dtype, torch, seed=10 * i + j)
            configs[group] = (dtype, fns)
            for impl in ("numpy floor", "tapegrad", "torch"):
                candidates.append(
                    Candidate(
                        f"{impl} {group}",
                        impl.split()[0],
                        "fwd+bwd",
                        fns.get(impl),
                        skip_reason=None if impl in fns else reason,
                        group=group,
                        flops=flops(n),
                    )
                )
            ratios.append(
                Ratio(f"tapegrad / floor, {group}", f"tapegrad {group}", f"numpy floor {group}")
            )
            ratios.append(
                Ratio(f"tapegrad / torch, {group}", f"tapegrad {group}", f"torch {group}")
            )

    def check() -> tuple[bool, str]:
        """y, gx and gw of tapegrad and torch match the floor's, per size and dtype."""
        problems = []
        for group, (dtype, fns) in configs.items():
            ref = fns["numpy floor"]()
            for impl, fn in fns.items():
                if impl == "numpy floor":
                    continue
                for what, got, want in zip(("y", "gx", "gw"), fn(), ref):
                    p = compare(f"{impl} {group}: {what}", got, want, dtype)
                    if p:
                        problems.append(p)
        if problems:
            return False, "; ".join(problems)
        impls = sorted({impl for _, fns in configs.values() for impl in fns} - {"numpy floor"})
        return True, f"y, gx, gw match the numpy floor at every size and dtype: {', '.join(impls)}"

    return WorkloadSetup(
        candidates=candidates,
        ratios=ratios,
        unit="ms/call",
        unit_seconds=1e-3,
        units_per_call=1,
        params={
            "sizes": list(sizes),
            "dtypes": list(DTYPES),
            "grads": ["x", "w"],
            "flops_per_call": "3 * 2 n^3",
            "device": "cpu",
        },
        check=check,
        notes=[
            "one call: y = x @ w, then backward with a fixed gy computing gx and gw "
            "(three n^3 GEMMs, 6 n^3 flops); GFLOP/s from the median time.",
        ],
    )
