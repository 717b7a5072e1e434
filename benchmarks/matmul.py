"""Workload "matmul": forward + backward of ``y = x @ w`` for square sizes and two dtypes.

x, w (n, n), both requiring grad, backward seeded with a fixed random gy (n, n); one call is the
forward and both gradients: ``gx = gy @ w^T``, ``gw = x^T @ gy``, so three GEMMs of ``2 n^3``
flops each. Sizes 256, 512, 1024 (``--quick``: 128, 256, 512), float32 and float64.

Candidates, per size and dtype:

* ``numpy floor``: the three ``numpy.matmul`` calls (BLAS GEMM), nothing else.
* ``tapegrad``: ``x @ w`` on tensors, then ``y.backward(gy)`` (gradients reset to None first).
* ``torch``: the same, when torch imports.

With ``--device cuda``: sizes 1024, 2048, 4096 (``--quick``: 256, 512, 1024), and the
candidates ``cupy floor`` (three ``cupy.matmul`` calls: cuBLAS), ``tapegrad cupy set`` and
``tapegrad numba set`` (the tensors on cuda, under each kernel set), ``torch`` on CUDA with
TF32 off; each sample ends with a device synchronize.

Reported in ms/call and GFLOP/s. At these sizes the GEMMs dominate, so tapegrad / floor shows
what the engine adds around BLAS (dispatch, gradient checks, copies), and the floor / torch
ratio compares NumPy's BLAS with PyTorch's.
"""

from __future__ import annotations

import numpy as np

from . import devices
from .common import compare
from .registry import Candidate, Ratio, RunConfig, WorkloadSetup

__all__ = ["SIZES", "QUICK_SIZES", "GPU_SIZES", "QUICK_GPU_SIZES", "DTYPES", "setup", "flops"]

SIZES = (256, 512, 1024)
QUICK_SIZES = (128, 256, 512)
GPU_SIZES = (1024, 2048, 4096)
QUICK_GPU_SIZES = (256, 512, 1024)
DTYPES = ("float32", "float64")


def flops(n: int) -> float:
    """Floating-point operations of one forward + backward: three n x n x n GEMMs."""
    return 3 * 2.0 * n**3


def _config(n: int, dtype: str, config: RunConfig, torch, seed: int):
    """The implementations of one size and dtype on ``config.device``: ``{impl: fn}``; each fn
    returns ``(y, gx, gw)``."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((n, n)) / np.sqrt(n)).astype(dtype)
    w = (rng.standard_normal((n, n)) / np.sqrt(n)).astype(dtype)
    gy = rng.standard_normal((n, n)).astype(dtype)
    xp = devices.xp_for(config)
    xd, wd, gyd = xp.asarray(x), xp.asarray(w), xp.asarray(gy)

    def floor():
        y = xp.matmul(xd, wd)
        return y, xp.matmul(gyd, wd.T), xp.matmul(xd.T, gyd)

    fns = {devices.floor_name(config): floor}
    for name, set_name, skip in devices.tapegrad_impls(config):
        if skip is None:
            fns[name] = devices.in_set(set_name, _tapegrad_fn(config, x, w, gy))
    if torch is not None:
        dev = config.device
        x_th = torch.tensor(x, requires_grad=True, device=dev)
        w_th = torch.tensor(w, requires_grad=True, device=dev)
        gy_th = torch.tensor(gy, device=dev)

        def th():
            x_th.grad = w_th.grad = None
            y = x_th @ w_th
            y.backward(gy_th)
            return y, x_th.grad, w_th.grad

        fns["torch"] = th
    return fns


def _tapegrad_fn(config, x, w, gy):
    x_tg = devices.tensor(config, x, requires_grad=True)
    w_tg = devices.tensor(config, w, requires_grad=True)
    gy_tg = devices.tensor(config, gy)

    def tapegrad():
        x_tg.grad = w_tg.grad = None
        y = x_tg @ w_tg
        y.backward(gy_tg)
        return y, x_tg.grad, w_tg.grad

    return tapegrad


def setup(config: RunConfig) -> WorkloadSetup:
    """Build the matmul workload's candidates (one set per size and dtype), ratios and check."""
    torch, reason = devices.torch_for(config)
    cuda = config.device == "cuda"
    sizes = (QUICK_GPU_SIZES if config.quick else GPU_SIZES) if cuda else (
        QUICK_SIZES if config.quick else SIZES)  # fmt: skip
    floor = devices.floor_name(config)
    tg = devices.tapegrad_impls(config)
    skips = {name: why for name, _, why in tg}
    skips["torch"] = reason
    impls = [floor] + [name for name, _, _ in tg] + ["torch"]
    configs = {}
    candidates, ratios = [], []
    for i, dtype in enumerate(DTYPES):
        for j, n in enumerate(sizes):
            group = f"{n} {dtype}"
            fns = _config(n, dtype, config, torch, seed=10 * i + j)
            configs[group] = (dtype, fns)
            for impl in impls:
                candidates.append(
                    Candidate(
                        f"{impl} {group}",
                        impl.split()[0],
                        "fwd+bwd",
                        fns.get(impl),
                        skip_reason=None if impl in fns else skips.get(impl),
                        group=group,
                        flops=flops(n),
                        sync=devices.sync_for(config, impl) if impl in fns else None,
                    )
                )
            for name, _, _ in tg:
                ratios.append(
                    Ratio(f"{name} / floor, {group}", f"{name} {group}", f"{floor} {group}")
                )
                ratios.append(
                    Ratio(f"{name} / torch, {group}", f"{name} {group}", f"torch {group}")
                )

    def check() -> tuple[bool, str]:
        """y, gx and gw of tapegrad and torch match the floor's, per size and dtype."""
        problems = []
        for group, (dtype, fns) in configs.items():
            ref = fns[floor]()
            for impl, fn in fns.items():
                if impl == floor:
                    continue
                for what, got, want in zip(("y", "gx", "gw"), fn(), ref):
                    p = compare(f"{impl} {group}: {what}", got, want, dtype)
                    if p:
                        problems.append(p)
        if problems:
            return False, "; ".join(problems)
        ran = sorted({impl for _, fns in configs.values() for impl in fns} - {floor})
        return True, f"y, gx, gw match the {floor} at every size and dtype: {', '.join(ran)}"

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
            "device": config.device,
        },
        check=check,
        notes=[
            "one call: y = x @ w, then backward with a fixed gy computing gx and gw "
            "(three n^3 GEMMs, 6 n^3 flops); GFLOP/s from the median time.",
        ],
    )
