"""Workload "pool": max_pool2d and avg_pool2d forward + backward, kernel 2, stride 2.

x (32, 64, 56, 56) float32 (``--quick``: (8, 64, 28, 28)), requiring grad; backward seeded with
a fixed random gy (N, 64, 28, 28). The input holds distinct values (a shuffled ramp), so every
window has a single maximum and all implementations agree exactly on where the gradient goes.

Candidates, per op:

* ``numpy floor``: the pooling written for this geometry in raw NumPy. Forward: the four
  strided views ``x[..., i::2, j::2]`` combined (``maximum`` / sum * 0.25). Backward: max
  pooling writes ``gy`` where ``x`` equals its window's maximum (one pass over the
  (N, C, H/2, 2, W/2, 2) view); average pooling broadcasts ``gy / 4`` into the same view.
* ``tapegrad``: ``F.max_pool2d(x, 2)`` / ``F.avg_pool2d(x, 2)``, then ``y.backward(gy)``.
* ``torch``: the same, when torch imports.

With ``--device cuda`` the same three run on the GPU: ``cupy floor`` (the floor's code on CuPy
arrays), ``tapegrad cupy set`` and ``tapegrad numba set``, ``torch`` on CUDA.
"""

from __future__ import annotations

import numpy as np

from backends import array_module

from . import devices
from .common import compare
from .registry import Candidate, Ratio, RunConfig, WorkloadSetup

__all__ = ["SHAPE", "QUICK_SHAPE", "setup", "floor_max_pool", "floor_avg_pool"]

SHAPE = (32, 64, 56, 56)
QUICK_SHAPE = (8, 64, 28, 28)
K = 2


def _views(x):
    return x[..., 0::2, 0::2], x[..., 0::2, 1::2], x[..., 1::2, 0::2], x[..., 1::2, 1::2]


def floor_max_pool(x, gy):
    """2x2 max pooling, stride 2, forward and backward. x: (N, C, H, W), H and W even; gy:
    (N, C, H/2, W/2); NumPy or CuPy arrays. Returns (y, gx); on ties every maximum of a window
    gets gy."""
    xp = array_module(x)
    a, b, c, d = _views(x)
    y = xp.maximum(a, b)
    xp.maximum(y, xp.maximum(c, d), out=y)
    N, C, Ho, Wo = y.shape
    x6 = x.reshape(N, C, Ho, K, Wo, K)
    gx = xp.empty_like(x)
    gx6 = gx.reshape(N, C, Ho, K, Wo, K)
    y6, gy6 = y[:, :, :, None, :, None], gy[:, :, :, None, :, None]
    xp.equal(x6, y6, out=gx6, casting="unsafe")  # the mask, written as 0/1 in x's dtype
    gx6 *= gy6
    return y, gx


def floor_avg_pool(x, gy):
    """2x2 average pooling, stride 2, forward and backward (NumPy or CuPy arrays, shapes as
    ``floor_max_pool``). Returns (y, gx)."""
    a, b, c, d = _views(x)
    y = a + b
    y += c
    y += d
    y *= 0.25
    N, C, Ho, Wo = y.shape
    gx = array_module(x).empty_like(x)
    gx.reshape(N, C, Ho, K, Wo, K)[...] = (gy * 0.25)[:, :, :, None, :, None]
    return y, gx


def _distinct(shape, rng) -> np.ndarray:
    """float32 values in [-0.5, 0.5), all distinct (a shuffled ramp): no ties in any window."""
    n = int(np.prod(shape))
    return (rng.permutation(n) / n - 0.5).astype(np.float32).reshape(shape)


def setup(config: RunConfig) -> WorkloadSetup:
    """Build the pool workload's candidates (max and avg), ratios and check."""
    import nn.functional as F

    shape = QUICK_SHAPE if config.quick else SHAPE
    rng = np.random.default_rng(0)
    x_np = _distinct(shape, rng)
    gy_np = rng.standard_normal(shape[:2] + (shape[2] // K, shape[3] // K)).astype(np.float32)
    torch, reason = devices.torch_for(config)
    floor = devices.floor_name(config)
    xp = devices.xp_for(config)
    x_fl, gy_fl = xp.asarray(x_np), xp.asarray(gy_np)
    tg_impls = devices.tapegrad_impls(config)
    x_tg = devices.tensor(config, x_np, requires_grad=True)
    gy_tg = devices.tensor(config, gy_np)
    ops_tg = {"max_pool2d": F.max_pool2d, "avg_pool2d": F.avg_pool2d}
    floors = {"max_pool2d": floor_max_pool, "avg_pool2d": floor_avg_pool}
    if torch is not None:
        x_th = torch.tensor(x_np, requires_grad=True, device=config.device)
        gy_th = torch.tensor(gy_np, device=config.device)
        ops_th = {
            "max_pool2d": torch.nn.functional.max_pool2d,
            "avg_pool2d": torch.nn.functional.avg_pool2d,
        }

    impls: dict[str, dict] = {}
    for op in ("max_pool2d", "avg_pool2d"):
        fns = {floor: lambda f=floors[op]: f(x_fl, gy_fl)}

        def tg(f=ops_tg[op]):
            x_tg.grad = None
            y = f(x_tg, K)
            y.backward(gy_tg)
            return y, x_tg.grad

        for name, set_name, skip in tg_impls:
            if skip is None:
                fns[name] = devices.in_set(set_name, tg)
        if torch is not None:

            def th(f=ops_th[op]):
                x_th.grad = None
                y = f(x_th, K)
                y.backward(gy_th)
                return y, x_th.grad

            fns["torch"] = th
        impls[op] = fns

    skips = {name: why for name, _, why in tg_impls}
    skips["torch"] = reason
    candidates, ratios = [], []
    for op, fns in impls.items():
        for impl in [floor] + [name for name, _, _ in tg_impls] + ["torch"]:
            candidates.append(
                Candidate(
                    f"{impl} {op}",
                    impl.split()[0],
                    "fwd+bwd",
                    fns.get(impl),
                    skip_reason=None if impl in fns else skips.get(impl),
                    group=op,
                    sync=devices.sync_for(config, impl) if impl in fns else None,
                )
            )
        for name, _, _ in tg_impls:
            ratios.append(Ratio(f"{name} / floor, {op}", f"{name} {op}", f"{floor} {op}"))
            ratios.append(Ratio(f"{name} / torch, {op}", f"{name} {op}", f"torch {op}"))

    def check() -> tuple[bool, str]:
        """y and gx of tapegrad and torch match the floor's, for both ops."""
        problems = []
        for op, fns in impls.items():
            ref = fns[floor]()
            for impl, fn in fns.items():
                if impl != floor:
                    for what, got, want in zip(("y", "gx"), fn(), ref):
                        p = compare(f"{impl} {op}: {what}", got, want, np.float32)
                        if p:
                            problems.append(p)
        x_tg.grad = None
        if problems:
            return False, "; ".join(problems)
        done = sorted({i for fns in impls.values() for i in fns} - {floor})
        return True, f"y and gx match the {floor} for both ops: {', '.join(done)}"

    return WorkloadSetup(
        candidates=candidates,
        ratios=ratios,
        unit="ms/call",
        unit_seconds=1e-3,
        units_per_call=1,
        params={
            "x": list(shape),
            "kernel_size": K,
            "stride": K,
            "padding": 0,
            "dtype": "float32",
            "device": config.device,
        },
        check=check,
        notes=[
            "one call: the pooling forward, then backward with a fixed gy computing gx.",
        ],
    )
