"""GPU workloads, run by ``python -m benchmarks --device cuda``: each GPU kernel set (``cupy``,
``numba``) beside PyTorch CUDA in the same process.

* ``gpu_matmul``: C = A @ B, 4096 x 4096 float32 (``--quick``: 2048), TF32 off everywhere
  (CuPy uses full float32 unless ``CUPY_TF32=1``; torch's ``allow_tf32`` flags are cleared).
  Candidates: the ``cupy`` set's matmul (cuBLAS), the ``numba`` set's (the hand-written tiled
  GEMM), ``torch.matmul``. Targets: cupy >= 0.95x torch's throughput, numba >= 0.5x cuBLAS's.
  A note adds the numba GEMM's GFLOP/s under each tiling of ``TILE_SWEEP`` (its compile time and
  error too), so one run on a new GPU shows which tiling suits it.
* ``gpu_conv``: conv2d forward + backward (gx, gw, gb), x (32, 64, 56, 56), w (64, 64, 3, 3),
  padding 1, float32 (``--quick``: batch 8): tapegrad under each set against torch (cuDNN, TF32
  off). Target: the cupy set <= 1.3x torch's time; the numba set reported as a ratio to cuDNN.
* ``gpu_mlp``: an MLP train step, B = 256, 784-1024-1024-10, ReLU, cross-entropy, SGD lr 0.01,
  float32: tapegrad under each set against torch. Target: <= 1.3x torch's time.
* ``gpu_overhead``: the per-op path on cuda, a chain of 1,000 ops (mul 1.001, add 0.5, tanh) on a
  (4,) float32 tensor, forward and backward: tapegrad against torch. Target: <= 1.0x torch.

Timing: the runner's interleaved rounds, each sample a batch of calls followed by a device
synchronize (so a sample is the whole GPU work, not the launch). Each workload's notes add CUDA
event timings (events recorded around a batch of calls on the current stream) as a cross-check
free of host-side jitter. Without a GPU the runner prints one ``skip:`` line naming the reason and
runs none of these; a setup called directly raises RuntimeError with it.

This module imports nothing at load time (the registry imports it, to register
``GPU_WORKLOADS``, the keyword arguments of its ``Workload`` entries); the registry's classes,
cupy, torch and tapegrad are imported by the setups.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .registry import RunConfig, WorkloadSetup

__all__ = [
    "GPU_WORKLOADS",
    "setup_matmul",
    "setup_conv",
    "setup_mlp",
    "setup_overhead",
    "event_ms",
]

GPU_WORKLOADS = (
    dict(
        name="gpu_matmul",
        description="matmul 4096 x 4096 float32, TF32 off: cupy set vs numba set vs torch CUDA",
        devices=("cuda",),
        setup="benchmarks.gpu:setup_matmul",
    ),
    dict(
        name="gpu_conv",
        description=(
            "conv2d forward+backward on cuda, x (32, 64, 56, 56), w (64, 64, 3, 3), padding 1, "
            "float32: tapegrad (cupy set, numba set) vs torch (cuDNN)"
        ),
        devices=("cuda",),
        setup="benchmarks.gpu:setup_conv",
    ),
    dict(
        name="gpu_mlp",
        description=(
            "MLP train step on cuda, B=256, 784-1024-1024-10, SGD, float32: tapegrad (cupy set, "
            "numba set) vs torch"
        ),
        devices=("cuda",),
        setup="benchmarks.gpu:setup_mlp",
        counterpart="mlp",
    ),
    dict(
        name="gpu_overhead",
        description="per-op overhead on cuda: a 1,000-op chain on a (4,) float32 tensor, fwd+bwd",
        devices=("cuda",),
        setup="benchmarks.gpu:setup_overhead",
        counterpart="overhead",
    ),
)

GPU_SETS = ("cupy", "numba")


# -- shared plumbing ----------------------------------------------------------------------------


def _cupy():
    import backends

    cp = backends.cupy_or_none()
    if cp is None:
        raise RuntimeError(f"GPU benchmarks need a CUDA GPU: {backends.available()['cupy'].reason}")
    return cp


def _torch_cuda(config: RunConfig):
    """``(torch, None)`` with CUDA usable and TF32 off, or ``(None, reason)``."""
    from .machine import load_torch

    torch, reason = load_torch(config)
    if torch is None:
        return None, reason
    if not torch.cuda.is_available():
        return None, "torch has no CUDA (a CPU-only build, or no GPU visible to it)"
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    return torch, None


def _set_reason(name: str) -> str | None:
    """None when the kernel set ``name`` runs here, else why not."""
    import backends

    ok, reason = backends.available()[name]
    return None if ok else reason


def event_ms(fn, reps: int, torch=None) -> float:
    """Milliseconds per call of ``fn`` between two CUDA events on the current stream (torch's
    events for torch work, cupy's otherwise), after one warm-up call."""
    fn()
    if torch is not None:
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(reps):
            fn()
        end.record()
        end.synchronize()
        return start.elapsed_time(end) / reps
    cp = _cupy()
    start, end = cp.cuda.Event(), cp.cuda.Event()
    start.record()
    for _ in range(reps):
        fn()
    end.record()
    end.synchronize()
    return cp.cuda.get_elapsed_time(start, end) / reps


def _event_notes(cands, flops, reps, torch) -> tuple[list[str], dict]:
    """CUDA-event timings of the runnable candidates: a note line and a {name: ms} dict."""
    timings = {}
    for c in cands:
        if c.skipped:
            continue
        timings[c.name] = event_ms(c.fn, reps, torch if c.impl == "torch" else None)
    parts = []
    for name, ms in timings.items():
        rate = f", {flops / ms / 1e6:,.0f} GFLOP/s" if flops else ""
        parts.append(f"{name} {ms:.3f} ms{rate}")
    return [f"CUDA events ({reps} calls each): " + "; ".join(parts)], timings


def _in_set(name, fn):
    """``fn`` run with the kernel set ``name`` chosen (for this call only)."""
    import backends

    def run():
        with backends.use(name):
            return fn()

    return run


def _host(v):
    """A float64 NumPy copy of a tapegrad or torch tensor or a cupy array."""
    import numpy as np

    if hasattr(v, "detach"):
        v = v.detach()
    if hasattr(v, "cpu"):
        v = v.cpu()
    if hasattr(v, "get"):
        v = v.get()
    return np.asarray(v.numpy() if hasattr(v, "numpy") else v, dtype=np.float64)


def _check(outputs: dict, rel: float) -> tuple[bool, str]:
    """Every candidate's result against the first one's, by relative norm error."""
    import numpy as np

    names = list(outputs)
    if len(names) < 2:
        return True, "one candidate only"
    ref = [_host(v) for v in outputs[names[0]]]
    worst = []
    for name in names[1:]:
        for r, v in zip(ref, outputs[name]):
            got = _host(v)
            if got.shape != r.shape:
                return False, f"{name}: shape {got.shape}, expected {r.shape}"
            err = float(np.linalg.norm(got - r) / (np.linalg.norm(r) or 1.0))
            worst.append((err, name))
    err, name = max(worst)
    detail = f"max relative norm error vs {names[0]}: {err:.1e} ({name})"
    return err <= rel, detail


# -- gpu_matmul -----------------------------------------------------------------------------------


def setup_matmul(config: RunConfig) -> WorkloadSetup:
    """C = A @ B, n x n float32 (n = 4096; 2048 with --quick), per kernel set and torch."""
    import numpy as np

    import backends.cupy_kernels as ck

    from .registry import Candidate, Ratio, WorkloadSetup

    cp = _cupy()
    n = 2048 if config.quick else 4096
    flops = 2.0 * n**3
    rng = np.random.default_rng(0)
    a_np = (rng.standard_normal((n, n)) / math.sqrt(n)).astype(np.float32)
    b_np = rng.standard_normal((n, n)).astype(np.float32)
    a, b = cp.asarray(a_np), cp.asarray(b_np)
    sync = cp.cuda.Device().synchronize
    group = f"{n} float32"
    cands = [
        Candidate(
            "cupy set",
            "tapegrad",
            "matmul",
            fn=lambda: ck.matmul(a, b),
            sync=sync,
            group=group,
            flops=flops,
        ),  # fmt: skip
    ]
    reason = _set_reason("numba")
    if reason is None:
        import backends.numba_kernels as bk

        cands.append(Candidate("numba set", "tapegrad", "matmul", fn=lambda: bk.matmul(a, b),
                               sync=sync, group=group, flops=flops))  # fmt: skip
    else:
        cands.append(Candidate("numba set", "tapegrad", "matmul", skip_reason=reason,
                               group=group, flops=flops))  # fmt: skip
    torch, t_reason = _torch_cuda(config)
    if torch is not None:
        at, bt = torch.as_tensor(a_np, device="cuda"), torch.as_tensor(b_np, device="cuda")
        cands.append(Candidate("torch", "torch", "matmul", fn=lambda: torch.matmul(at, bt),
                               sync=torch.cuda.synchronize, group=group, flops=flops))  # fmt: skip
    else:
        cands.append(Candidate("torch", "torch", "matmul", skip_reason=t_reason, group=group,
                               flops=flops))  # fmt: skip
    notes, timings = _event_notes(cands, flops, 5 if config.quick else 20, torch)
    if reason is None:
        notes += _tile_sweep(a, b, ck.matmul(a, b), flops, 3 if config.quick else 10)
    ratios = [
        Ratio("cupy set / torch, throughput", "cupy set", "torch", 0.95, higher_is_better=True),
        Ratio(
            "numba set / cupy set (cuBLAS), throughput",
            "numba set",
            "cupy set",
            0.5,
            higher_is_better=True,
        ),  # fmt: skip
        Ratio("numba set / torch, throughput", "numba set", "torch", higher_is_better=True),
    ]

    def check():
        return _check({c.name: [c.fn()] for c in cands if not c.skipped}, rel=1e-5)

    return WorkloadSetup(
        candidates=cands,
        ratios=ratios,
        unit="ms/call",
        unit_seconds=1e-3,
        params={"n": n, "dtype": "float32", "tf32": False, "cuda_event_ms": timings},
        check=check,
        notes=notes,
    )


# float32 tilings (TY, TX, TM, TN, BK) the matmul workload times besides the default, so a run on
# a new GPU says which one suits it: BK 16 (half the barriers per flop), 128 x 64 and 64 x 128
# tiles of 128 threads (more blocks per SM), 64 x 128 tiles with 4 x 8 per thread (122 registers
# on sm_90: two blocks per SM)
TILE_SWEEP = ((16, 16, 8, 8, 8), (16, 16, 8, 8, 16), (16, 8, 8, 8, 8), (8, 16, 8, 8, 8),
              (16, 16, 4, 8, 8), (32, 8, 4, 8, 8))  # fmt: skip


def _tile_sweep(a, b, ref, flops: float, reps: int) -> list[str]:
    """One note line: the numba set's matmul of ``a @ b`` under each tiling of ``TILE_SWEEP``,
    with its compile time (the first call, synchronised), CUDA-event GFLOP/s, and its relative
    error against ``ref`` (cuBLAS's result)."""
    import time

    import numpy as np

    import backends.numba_kernels as bk

    cp = _cupy()
    parts = []
    dt = np.dtype(np.float32)
    for tiles in TILE_SWEEP:

        def run(tiles=tiles):
            with bk._config(tiles={dt: tiles}):
                return bk.matmul(a, b)

        name = "x".join(map(str, tiles))
        try:  # a tiling this GPU cannot launch is reported, not fatal to the workload
            t0 = time.perf_counter()
            out = run()
            cp.cuda.Device().synchronize()
            compile_s = time.perf_counter() - t0
            err = float(cp.linalg.norm(out - ref) / cp.linalg.norm(ref))
            ms = event_ms(run, reps)
        except Exception as e:
            parts.append(f"{name}: failed, {type(e).__name__}: {str(e)[:120]}")
            continue
        parts.append(
            f"{name}: {flops / ms / 1e6:,.0f} GFLOP/s "
            f"(first call {compile_s:.1f} s, rel err {err:.0e})"
        )
    return ["numba matmul per tiling (TY x TX x TM x TN x BK), CUDA events: " + "; ".join(parts)]


# -- gpu_conv -------------------------------------------------------------------------------------


def setup_conv(config: RunConfig) -> WorkloadSetup:
    """conv2d forward + backward (gx, gw, gb) on cuda, tapegrad per kernel set and torch."""
    import numpy as np

    import autograd as ag
    import nn.functional as F

    from .registry import Candidate, Ratio, WorkloadSetup

    cp = _cupy()
    batch = 8 if config.quick else 32
    xs, ws = (batch, 64, 56, 56), (64, 64, 3, 3)
    flops = 3 * 2.0 * batch * 64 * 64 * 9 * 56 * 56  # forward, gx and gw: one GEMM each
    rng = np.random.default_rng(1)
    x_np = rng.standard_normal(xs).astype(np.float32)
    w_np = (rng.standard_normal(ws) / 24).astype(np.float32)
    b_np = rng.standard_normal(64).astype(np.float32)
    gy_np = rng.standard_normal(xs[:1] + (64,) + xs[2:]).astype(np.float32)
    x = ag.tensor(x_np, device="cuda", requires_grad=True)
    w = ag.tensor(w_np, device="cuda", requires_grad=True)
    b = ag.tensor(b_np, device="cuda", requires_grad=True)
    gy = ag.tensor(gy_np, device="cuda")
    sync = cp.cuda.Device().synchronize

    def tg_step():
        x.grad = w.grad = b.grad = None
        y = F.conv2d(x, w, b, padding=1)
        y.backward(gy)
        return y, x.grad, w.grad, b.grad

    group = f"x {xs} float32"
    cands = []
    for name in GPU_SETS:
        reason = _set_reason(name)
        label = f"tapegrad {name} set"
        if reason is None:
            cands.append(Candidate(label, "tapegrad", "fwd+bwd", fn=_in_set(name, tg_step),
                                   sync=sync, group=group, flops=flops))  # fmt: skip
        else:
            cands.append(Candidate(label, "tapegrad", "fwd+bwd", skip_reason=reason, group=group,
                                   flops=flops))  # fmt: skip
    torch, t_reason = _torch_cuda(config)
    if torch is not None:
        xt = torch.tensor(x_np, device="cuda", requires_grad=True)
        wt = torch.tensor(w_np, device="cuda", requires_grad=True)
        bt = torch.tensor(b_np, device="cuda", requires_grad=True)
        gyt = torch.tensor(gy_np, device="cuda")

        def th_step():
            xt.grad = wt.grad = bt.grad = None
            y = torch.nn.functional.conv2d(xt, wt, bt, padding=1)
            y.backward(gyt)
            return y, xt.grad, wt.grad, bt.grad

        cands.append(Candidate("torch", "torch", "fwd+bwd", fn=th_step,
                               sync=torch.cuda.synchronize, group=group, flops=flops))  # fmt: skip
    else:
        cands.append(Candidate("torch", "torch", "fwd+bwd", skip_reason=t_reason, group=group,
                               flops=flops))  # fmt: skip
    notes, timings = _event_notes(cands, flops, 3 if config.quick else 10, torch)
    ratios = [
        Ratio("tapegrad cupy set / torch", "tapegrad cupy set", "torch", 1.3),
        Ratio("tapegrad numba set / torch (cuDNN)", "tapegrad numba set", "torch"),
    ]

    def check():
        return _check({c.name: list(c.fn()) for c in cands if not c.skipped}, rel=1e-4)

    return WorkloadSetup(
        candidates=cands,
        ratios=ratios,
        unit="ms/call",
        unit_seconds=1e-3,
        params={"x": xs, "w": ws, "padding": 1, "dtype": "float32", "cuda_event_ms": timings},
        check=check,
        notes=notes,
    )


# -- gpu_mlp --------------------------------------------------------------------------------------

MLP_SIZES = (784, 1024, 1024, 10)
MLP_BATCH = 256
MLP_LR = 0.01


def _mlp_data():
    import numpy as np

    rng = np.random.default_rng(2)
    x = rng.standard_normal((MLP_BATCH, MLP_SIZES[0])).astype(np.float32)
    labels = rng.integers(0, MLP_SIZES[-1], MLP_BATCH).astype(np.int64)
    params = []
    for fan_in, fan_out in zip(MLP_SIZES[:-1], MLP_SIZES[1:]):
        bound = 1.0 / math.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    return x, labels, params


_MLP_KEYS = ("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias")
MLP_IMPLS = ("tapegrad cupy set", "tapegrad numba set", "torch")


def mlp_flops() -> float:
    """Floating-point operations of one MLP train step (forward, both gradients but the
    input's)."""
    pairs = list(zip(MLP_SIZES[:-1], MLP_SIZES[1:]))
    fwd = sum(2.0 * MLP_BATCH * i * o for i, o in pairs)
    return 2 * fwd + sum(2.0 * MLP_BATCH * i * o for i, o in pairs[1:])


def build_mlp_step(impl: str, config: RunConfig):
    """``(step, None)`` for one of ``MLP_IMPLS`` on cuda, or ``(None, reason)`` when it cannot
    run here. step(): one SGD train step of a fresh copy of the same initial model; returns
    ``(loss, first layer's weight)``. The tapegrad steps run under their kernel set."""
    x_np, y_np, params = _mlp_data()
    h = MLP_SIZES
    if impl == "torch":
        torch, reason = _torch_cuda(config)
        if torch is None:
            return None, reason
        tnn = torch.nn
        model = tnn.Sequential(tnn.Linear(h[0], h[1]), tnn.ReLU(), tnn.Linear(h[1], h[2]),
                               tnn.ReLU(), tnn.Linear(h[2], h[3]))  # fmt: skip
        model.load_state_dict({k: torch.tensor(p) for k, p in zip(_MLP_KEYS, params)})
        model.to("cuda")
        opt = torch.optim.SGD(model.parameters(), lr=MLP_LR)
        xt, yt = torch.tensor(x_np, device="cuda"), torch.tensor(y_np, device="cuda")
        ce = torch.nn.functional.cross_entropy
    elif impl in MLP_IMPLS:
        set_name = impl.split()[1]
        reason = _set_reason(set_name)
        if reason is not None:
            return None, reason
        import autograd as ag
        import nn
        import nn.functional as F
        import optim

        model = nn.Sequential(nn.Linear(h[0], h[1]), nn.ReLU(), nn.Linear(h[1], h[2]), nn.ReLU(),
                              nn.Linear(h[2], h[3]))  # fmt: skip
        model.load_state_dict({k: ag.tensor(p) for k, p in zip(_MLP_KEYS, params)})
        model.to("cuda")
        opt = optim.SGD(model.parameters(), lr=MLP_LR)
        xt, yt = ag.tensor(x_np, device="cuda"), ag.tensor(y_np, device="cuda")
        ce = F.cross_entropy
    else:
        raise ValueError(f"gpu mlp: unknown implementation {impl!r}; known: {MLP_IMPLS}")

    def step():
        opt.zero_grad()
        loss = ce(model(xt), yt)
        loss.backward()
        opt.step()
        return loss, model[0].weight

    return (step if impl == "torch" else _in_set(set_name, step)), None


def setup_mlp(config: RunConfig) -> WorkloadSetup:
    """One SGD train step of the 784-1024-1024-10 MLP on cuda, tapegrad per set and torch.

    Each candidate trains its own copy of the same initial model (the check uses fresh copies).
    """
    from .registry import Candidate, Ratio, WorkloadSetup

    cp = _cupy()
    flops = mlp_flops()
    sync = cp.cuda.Device().synchronize
    torch, _ = _torch_cuda(config)
    group = f"B={MLP_BATCH} float32"
    cands = []
    steps = {}
    for impl in MLP_IMPLS:
        step, reason = build_mlp_step(impl, config)
        if step is None:
            cands.append(Candidate(impl, impl.split()[0], "step", skip_reason=reason,
                                   group=group, flops=flops))  # fmt: skip
            continue
        steps[impl] = lambda impl=impl: build_mlp_step(impl, config)[0]
        cands.append(Candidate(impl, impl.split()[0], "step", fn=step,
                               sync=torch.cuda.synchronize if impl == "torch" else sync,
                               group=group, flops=flops))  # fmt: skip
    notes, timings = _event_notes(cands, flops, 5 if config.quick else 20, torch)
    ratios = [
        Ratio("tapegrad cupy set / torch", "tapegrad cupy set", "torch", 1.3),
        Ratio("tapegrad numba set / torch", "tapegrad numba set", "torch", 1.3),
    ]

    def check():  # one step of fresh copies: the loss and the updated first-layer weight
        return _check({name: list(build()()) for name, build in steps.items()}, rel=1e-4)

    return WorkloadSetup(
        candidates=cands,
        ratios=ratios,
        unit="ms/step",
        unit_seconds=1e-3,
        params={"batch": MLP_BATCH, "sizes": MLP_SIZES, "lr": MLP_LR, "cuda_event_ms": timings},
        check=check,
        notes=notes,
        items_per_call=MLP_BATCH,
    )


# -- gpu_overhead ---------------------------------------------------------------------------------

CHAIN_OPS = 1000


def setup_overhead(config: RunConfig) -> WorkloadSetup:
    """The per-op path on cuda: 1,000 ops (mul, add, tanh) on a (4,) float32 tensor, forward
    and backward, tapegrad against torch; reported in µs per op."""
    import numpy as np

    import autograd as ag

    from .registry import Candidate, Ratio, WorkloadSetup

    cp = _cupy()
    triples, rest = divmod(CHAIN_OPS, 3)
    x = ag.tensor(np.linspace(-1, 1, 4, dtype=np.float32), device="cuda", requires_grad=True)
    seed = ag.ones(4, device="cuda")
    sync = cp.cuda.Device().synchronize

    def chain(v):
        for _ in range(triples):
            v = (v * 1.001 + 0.5).tanh()
        return v * 1.001 if rest else v

    def tg():
        x.grad = None
        y = chain(x)
        y.backward(seed)
        return y, x.grad

    cands = [Candidate("tapegrad", "tapegrad", "fwd+bwd", fn=tg, sync=sync)]
    torch, t_reason = _torch_cuda(config)
    if torch is not None:
        xt = torch.linspace(-1, 1, 4, device="cuda", requires_grad=True)
        seed_t = torch.ones(4, device="cuda")

        def th():
            xt.grad = None
            y = chain(xt)
            y.backward(seed_t)
            return y, xt.grad

        cands.append(Candidate("torch", "torch", "fwd+bwd", fn=th, sync=torch.cuda.synchronize))
    else:
        cands.append(Candidate("torch", "torch", "fwd+bwd", skip_reason=t_reason))

    def check():
        return _check({c.name: list(c.fn()) for c in cands if not c.skipped}, rel=1e-5)

    return WorkloadSetup(
        candidates=cands,
        ratios=[Ratio("tapegrad / torch, per op", "tapegrad", "torch", 1.0)],
        unit="µs/op",
        unit_seconds=1e-6,
        units_per_call=CHAIN_OPS,
        params={"ops": CHAIN_OPS, "shape": (4,), "dtype": "float32"},
        check=check,
    )
