"""Workload "conv": conv2d forward + backward, the CPU convolution hot path.

x (64, 3, 32, 32), w (32, 3, 3, 3), b (32,), padding 1, float32; x, w and b all require grad,
and the backward is seeded with a fixed random gy (64, 32, 32, 32). One call is a forward and a
backward computing gx, gw and gb.

Candidates:

* ``numpy im2col``: the textbook NumPy convolution (CS231n style): ``sliding_window_view``
  im2col into one (N*H*W, C*k*k) matrix, one GEMM with the weight, the transpose back to NCHW;
  backward by two GEMMs and col2im with one strided add per kernel offset. It keeps its im2col
  matrix from the forward for the weight gradient.
* ``tapegrad``: ``F.conv2d(x, w, b, padding=1)`` then ``y.backward(gy)``; and the forward alone
  under ``no_grad``.
* ``torch``: the same with ``torch.nn.functional.conv2d`` (oneDNN), when torch imports, with
  ``torch.set_num_threads`` fixed to the run's threads.

Target: tapegrad fwd+bwd <= 1.25x torch's time with 2 threads, <= 1.0x with 1 thread
(``--threads 1``).

With ``--device cuda``: ``tapegrad cupy set`` and ``tapegrad numba set`` (tensors on cuda,
under each kernel set) against ``torch`` on CUDA (cuDNN, TF32 off); the im2col baseline is
NumPy code and does not run there.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import devices
from .common import as_numpy
from .registry import Candidate, Ratio, RunConfig, WorkloadSetup

__all__ = ["X_SHAPE", "W_SHAPE", "PADDING", "setup", "baseline_forward", "baseline_backward"]

X_SHAPE = (64, 3, 32, 32)
W_SHAPE = (32, 3, 3, 3)
PADDING = 1
KERNEL_POOL = "tapegrad kernels"


def baseline_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray):
    """Textbook im2col convolution, stride 1. x: (N, C, H, W); w: (O, C, k, k); b: (O,).

    Returns ``(y, cols)``: y (N, O, H', W') and the im2col matrix (N*H'*W', C*k*k) that the
    backward reuses.
    """
    N, C = x.shape[:2]
    O, _, k, _ = w.shape
    p = PADDING
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    win = sliding_window_view(xp, (k, k), axis=(2, 3))  # (N, C, H', W', k, k), a view
    Ho, Wo = win.shape[2:4]
    cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(N * Ho * Wo, C * k * k)  # the copy
    y = cols @ w.reshape(O, -1).T  # (N H' W', O)
    y = y.reshape(N, Ho, Wo, O).transpose(0, 3, 1, 2) + b.reshape(1, O, 1, 1)
    return y, cols


def baseline_backward(gy: np.ndarray, cols: np.ndarray, x_shape, w: np.ndarray):
    """Backward of ``baseline_forward``. gy: (N, O, H', W'). Returns (gx, gw, gb)."""
    N, C, H, W = x_shape
    O, _, k, _ = w.shape
    p = PADDING
    Ho, Wo = gy.shape[2:]
    g2 = gy.transpose(0, 2, 3, 1).reshape(-1, O)  # (N H' W', O), a copy
    gw = (g2.T @ cols).reshape(w.shape)
    gb = g2.sum(axis=0)
    gcols = (g2 @ w.reshape(O, -1)).reshape(N, Ho, Wo, C, k, k)
    gxp = np.zeros((N, C, H + 2 * p, W + 2 * p), dtype=gy.dtype)
    for i in range(k):  # col2im: one strided add per kernel offset
        for j in range(k):
            gxp[:, :, i : i + Ho, j : j + Wo] += gcols[..., i, j].transpose(0, 3, 1, 2)
    return gxp[:, :, p : p + H, p : p + W], gw, gb


def setup(config: RunConfig) -> WorkloadSetup:
    """Build the conv workload's candidates, ratios and correctness check."""
    import autograd as ag
    import nn.functional as F

    rng = np.random.default_rng(0)
    x_np = rng.standard_normal(X_SHAPE).astype(np.float32)
    w_np = (rng.standard_normal(W_SHAPE) / np.sqrt(27)).astype(np.float32)
    b_np = rng.standard_normal(W_SHAPE[0]).astype(np.float32)
    gy_np = rng.standard_normal((X_SHAPE[0], W_SHAPE[0]) + X_SHAPE[2:]).astype(np.float32)

    # -- numpy im2col baseline ---------------------------------------------------------------
    def np_fwd_bwd():
        y, cols = baseline_forward(x_np, w_np, b_np)
        return (y,) + baseline_backward(gy_np, cols, x_np.shape, w_np)

    def np_fwd():
        return baseline_forward(x_np, w_np, b_np)[0]

    # -- tapegrad (per kernel set on cuda) --------------------------------------------------
    no_grad = ag.no_grad
    tg_fns = {}
    tg_impls = devices.tapegrad_impls(config)
    for name, set_name, skip in tg_impls:
        if skip is not None:
            continue
        x_tg = devices.tensor(config, x_np, requires_grad=True)
        w_tg = devices.tensor(config, w_np, requires_grad=True)
        b_tg = devices.tensor(config, b_np, requires_grad=True)
        gy_tg = devices.tensor(config, gy_np)

        def tg_fwd_bwd(x_tg=x_tg, w_tg=w_tg, b_tg=b_tg, gy_tg=gy_tg):
            x_tg.grad = w_tg.grad = b_tg.grad = None
            y = F.conv2d(x_tg, w_tg, b_tg, padding=PADDING)
            y.backward(gy_tg)
            return y, x_tg.grad, w_tg.grad, b_tg.grad

        def tg_fwd(x_tg=x_tg, w_tg=w_tg, b_tg=b_tg):
            with no_grad():
                return F.conv2d(x_tg, w_tg, b_tg, padding=PADDING)

        tg_fns[name] = {"fwd+bwd": devices.in_set(set_name, tg_fwd_bwd),
                        "fwd": devices.in_set(set_name, tg_fwd)}  # fmt: skip

    # -- torch -------------------------------------------------------------------------------
    torch, reason = devices.torch_for(config)
    torch_fns = {}
    if torch is not None:
        dev = config.device
        x_th = torch.tensor(x_np, requires_grad=True, device=dev)
        w_th = torch.tensor(w_np, requires_grad=True, device=dev)
        b_th = torch.tensor(b_np, requires_grad=True, device=dev)
        gy_th = torch.tensor(gy_np, device=dev)
        conv2d = torch.nn.functional.conv2d

        def th_fwd_bwd():
            x_th.grad = w_th.grad = b_th.grad = None
            y = conv2d(x_th, w_th, b_th, padding=PADDING)
            y.backward(gy_th)
            return y, x_th.grad, w_th.grad, b_th.grad

        def th_fwd():
            with torch.no_grad():
                return conv2d(x_th, w_th, b_th, padding=PADDING)

        torch_fns = {"fwd+bwd": th_fwd_bwd, "fwd": th_fwd}

    modes = {"fwd+bwd": "fwd+bwd", "fwd": "fwd no_grad"}
    # the forward's GEMM: 2 N H' W' O C k k flops (stride 1, 'same' padding: H' W' = H W);
    # the backward's two (gx, gw) as many again each; the bias is negligible
    fwd_flops = 2.0 * X_SHAPE[0] * X_SHAPE[2] * X_SHAPE[3] * np.prod(W_SHAPE)
    flops = {"fwd+bwd": 3 * fwd_flops, "fwd": fwd_flops}
    cuda = config.device == "cuda"
    candidates = []
    if not cuda:  # the im2col baseline is NumPy code: no floor on cuda
        candidates += [
            Candidate("numpy im2col fwd+bwd", "numpy", "fwd+bwd", np_fwd_bwd),
            Candidate("numpy im2col fwd", "numpy", "fwd", np_fwd),
        ]
    for name, _, skip in tg_impls:
        fns = tg_fns.get(name, {})
        # on the CPU tapegrad's conv kernels run on its own kernel threads (BLAS one thread
        # per call there), a runtime apart from NumPy's BLAS threads the baseline keeps spinning
        pool = None if cuda else KERNEL_POOL
        sync = devices.sync_for(config, name) if fns else None
        candidates += [
            Candidate(f"{name} fwd+bwd", "tapegrad", "fwd+bwd", fns.get("fwd+bwd"),
                      skip_reason=skip, pool=pool, sync=sync),
            Candidate(f"{name} fwd no_grad", "tapegrad", "fwd", fns.get("fwd"),
                      skip_reason=skip, pool=pool, sync=sync),
        ]  # fmt: skip
    th_sync = devices.sync_for(config, "torch") if torch_fns else None
    candidates += [
        Candidate(
            f"torch {label}", "torch", mode, torch_fns.get(mode), skip_reason=reason, sync=th_sync
        )  # fmt: skip
        for mode, label in modes.items()
    ]
    for c in candidates:
        c.flops = float(flops[c.mode])
    target = 1.0 if config.effective_threads <= 1 else 1.25
    if cuda:  # the GPU target (issue 6) is on the ResNet-like layer: gpu_conv
        ratios = []
        for name, _, _ in tg_impls:
            ratios.append(Ratio(f"{name} / torch, fwd+bwd", f"{name} fwd+bwd", "torch fwd+bwd"))
            ratios.append(
                Ratio(f"{name} / torch, fwd no_grad", f"{name} fwd no_grad", "torch fwd no_grad")
            )
    else:
        ratios = [
            Ratio("tapegrad / torch, fwd+bwd", "tapegrad fwd+bwd", "torch fwd+bwd", target=target),
            Ratio("tapegrad / torch, fwd no_grad", "tapegrad fwd no_grad", "torch fwd no_grad"),
            Ratio("tapegrad / numpy im2col, fwd+bwd", "tapegrad fwd+bwd", "numpy im2col fwd+bwd"),
            Ratio("tapegrad / numpy im2col, fwd", "tapegrad fwd no_grad", "numpy im2col fwd"),
            Ratio("numpy im2col / torch, fwd+bwd", "numpy im2col fwd+bwd", "torch fwd+bwd"),
        ]

    def check() -> tuple[bool, str]:
        """y, gx, gw and gb of tapegrad and torch agree with a float64 NumPy computation."""
        x64, w64, b64 = x_np.astype(np.float64), w_np.astype(np.float64), b_np.astype(np.float64)
        y64, cols = baseline_forward(x64, w64, b64)
        ref = (y64,) + baseline_backward(gy_np.astype(np.float64), cols, x64.shape, w64)
        results = {} if cuda else {"numpy im2col": np_fwd_bwd()}
        results.update({name: fns["fwd+bwd"]() for name, fns in tg_fns.items()})
        if torch_fns:
            results["torch"] = torch_fns["fwd+bwd"]()
        problems = []
        for impl, outs in results.items():
            for what, got, want in zip(("y", "gx", "gw", "gb"), outs, ref):
                got = as_numpy(got)
                if got.dtype != np.float32:
                    problems.append(f"{impl}: {what} has dtype {got.dtype}, expected float32")
                scale = np.abs(want).max()
                if not np.allclose(got, want, rtol=1e-4, atol=1e-5 * scale):
                    err = np.abs(got - want).max() / scale
                    problems.append(f"{impl}: {what} differs (max error {err:.2e} of max |ref|)")
        if problems:
            return False, "; ".join(problems)
        return True, "y, gx, gw, gb match a float64 reference: " + ", ".join(results)

    return WorkloadSetup(
        candidates=candidates,
        ratios=ratios,
        unit="ms/call",
        unit_seconds=1e-3,
        units_per_call=1,
        params={
            "x": list(X_SHAPE),
            "w": list(W_SHAPE),
            "bias": True,
            "padding": PADDING,
            "stride": 1,
            "dtype": "float32",
            "device": config.device,
            "grads": ["x", "w", "b"],
            "target_vs_torch": None if cuda else target,
            "flops_per_call": {k: float(v) for k, v in flops.items()},
        },
        check=check,
        notes=[
            "fwd+bwd: forward, then backward seeded with a fixed gy, computing gx, gw and gb.",
            f"target: tapegrad fwd+bwd <= {target}x torch at {config.effective_threads} "
            "thread(s) (1.25x at 2 threads, 1.0x at 1)."
            if not cuda
            else "on cuda: no target here (the GPU one is gpu_conv's); torch runs cuDNN, "
            "TF32 off; the NumPy im2col baseline does not run on cuda.",
        ],
    )
