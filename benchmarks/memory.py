"""Workload "memory": peak memory of the MLP train step above its set-up baseline.

The step is the ``mlp`` workload's (batch 256, 784-1024-1024-10, ReLU, cross-entropy, SGD), in
the same three implementations (``numpy floor``, ``tapegrad``, ``torch``). Each measurement runs
in a fresh subprocess (``python -m benchmarks.memory --impl NAME``) so nothing another
implementation allocated, cached or imported is counted:

1. import, build the weights, the batch and the model/optimizer;
2. warm up: a throwaway copy of the model runs one step and is deleted (lazy imports, BLAS
   thread buffers and first-call caches are then part of the baseline, not of the step);
3. ``gc.collect()``; reset the kernel's RSS high-water mark (``/proc/self/clear_refs``, Linux
   4.0+) and read the baseline RSS (``VmRSS``);
4. run ``STEPS`` train steps on the real model; the step's peak is ``VmHWM - baseline``.

Whatever a step keeps (gradients, optimizer state, the floor's preallocated buffers, all made
during the first measured step) counts, as it does for a user. The child runs with glibc's
``MALLOC_MMAP_THRESHOLD_`` fixed at 128 KiB, so every large array is its own mapping and is
returned to the system when freed: RSS then follows the live arrays instead of the allocator's
history (freed heap memory that glibc keeps would otherwise be reused by one candidate and not
another, depending on the order things were freed).

Where ``clear_refs`` cannot be written the high-water mark covers set-up too, so the figure is an
upper bound (said in the results).

With ``--device cuda`` the step is the ``gpu_mlp`` workload's (tapegrad under the ``cupy`` and
``numba`` sets, torch CUDA) and the figure is the memory pool's peak: after the warm-up the pool
gives its cached blocks back (CuPy ``free_all_blocks``, torch ``empty_cache``) and its size is
the baseline; CuPy's pool then keeps every block it takes until told otherwise, so its size
after the steps (``total_bytes``) is its high-water mark, and torch's is
``max_memory_reserved`` (its peak of allocated tensors, ``max_memory_allocated``, is kept in
the records too).

Target (issue 7): tapegrad's peak <= 1.15x the floor's (CPU).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys

from .registry import Candidate, Ratio, RunConfig, WorkloadSetup

__all__ = ["STEPS", "measure", "setup", "child_main"]

STEPS = 3
MMAP_THRESHOLD = 128 * 1024
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _status_kb(field: str) -> int | None:
    """A ``kB`` field of /proc/self/status (VmRSS, VmHWM), or None off Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _maxrss_kb() -> int:
    import resource

    v = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return v // 1024 if sys.platform == "darwin" else v  # bytes on macOS, kB on Linux


def _reset_peak() -> bool:
    """Reset the RSS high-water mark to the current RSS; False where the kernel won't."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
        return True
    except OSError:
        return False


def child_main(argv=None) -> int:
    """The subprocess: measure one implementation and print a JSON line (sizes in KiB)."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.memory")
    p.add_argument("--impl", required=True)
    p.add_argument("--steps", type=int, default=STEPS)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    args = p.parse_args(argv)
    if args.device == "cuda":
        print(json.dumps(_cuda_child(args.impl, args.steps)))
        return 0

    from . import mlp

    config = RunConfig(effective_threads=args.threads)
    params, data = mlp.init_params(), mlp.make_data()
    step, state = mlp.build(args.impl, config, params, data)
    if step is None:
        print(json.dumps({"impl": args.impl, "skip_reason": state}))
        return 0
    step()  # the throwaway warm-up copy
    del step, state
    step, state = mlp.build(args.impl, config, params, data)
    gc.collect()
    reset = _reset_peak()
    base = _status_kb("VmRSS")
    linux = base is not None
    if not linux:
        base = _maxrss_kb()
    for _ in range(args.steps):
        step()
    peak = _status_kb("VmHWM") if linux else _maxrss_kb()
    end = _status_kb("VmRSS") if linux else None
    out = {
        "impl": args.impl,
        "steps": args.steps,
        "baseline_kib": base,
        "peak_kib": peak,
        "end_kib": end,
        "peak_above_baseline_kib": peak - base,
        "retained_kib": None if end is None else end - base,
        "method": (
            "VmHWM reset by clear_refs"
            if reset
            else "VmHWM since process start (clear_refs unavailable): an upper bound"
            if linux
            else "ru_maxrss since process start: an upper bound"
        ),
    }
    print(json.dumps(out))
    return 0


def _cuda_child(impl: str, steps: int) -> dict:
    """The cuda measurement of one implementation (see the module docstring); sizes in KiB."""
    import backends

    from . import gpu

    config = RunConfig(device="cuda")
    step, reason = gpu.build_mlp_step(impl, config)
    if step is None:
        return {"impl": impl, "skip_reason": reason}
    if impl == "torch":
        import torch

        cuda = torch.cuda
        sync, release, size = cuda.synchronize, cuda.empty_cache, cuda.memory_reserved
    else:
        cp = backends.cupy_or_none()
        pool = cp.get_default_memory_pool()
        sync, release, size = cp.cuda.Device().synchronize, pool.free_all_blocks, pool.total_bytes
    step()  # the throwaway warm-up copy
    sync()
    del step
    step, _ = gpu.build_mlp_step(impl, config)
    gc.collect()
    sync()
    release()
    if impl == "torch":
        cuda.reset_peak_memory_stats()
    base = size()
    for _ in range(steps):
        step()
    sync()
    peak = cuda.max_memory_reserved() if impl == "torch" else size()
    rec = {
        "impl": impl,
        "steps": steps,
        "baseline_kib": base // 1024,
        "peak_kib": peak // 1024,
        "peak_above_baseline_kib": (peak - base) // 1024,
        "method": "torch max_memory_reserved" if impl == "torch" else "CuPy pool total_bytes",
    }
    if impl == "torch":
        rec["max_allocated_kib"] = cuda.max_memory_allocated() // 1024
    return rec


def measure(impl: str, config: RunConfig, runs: dict | None = None, steps: int = STEPS) -> float:
    """Run one subprocess for ``impl``; its step's peak memory above baseline in MiB.

    runs: when given, the child's JSON record is appended to ``runs[impl]``.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [_ROOT, env.get("PYTHONPATH")]))
    env["MALLOC_MMAP_THRESHOLD_"] = str(MMAP_THRESHOLD)
    env["MALLOC_TRIM_THRESHOLD_"] = str(MMAP_THRESHOLD)
    cmd = [sys.executable, "-m", "benchmarks.memory", "--impl", impl, "--steps", str(steps)]
    cmd += ["--threads", str(config.effective_threads), "--device", config.device]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(
            f"memory: the {impl} subprocess failed (exit {proc.returncode}):\n{proc.stderr}"
        )
    rec = json.loads(proc.stdout.strip().splitlines()[-1])
    if rec.get("skip_reason"):
        raise RuntimeError(f"memory: {impl} unavailable in the subprocess: {rec['skip_reason']}")
    if runs is not None:
        runs.setdefault(impl, []).append(rec)
    return rec["peak_above_baseline_kib"] / 1024


def setup(config: RunConfig) -> WorkloadSetup:
    """Build the memory workload: one subprocess measurement per candidate and round."""
    from . import mlp
    from .machine import load_torch

    if config.device == "cuda":
        return _setup_cuda(config)
    torch, reason = load_torch(config)
    runs: dict = {}  # the children's records, kept in the results' params
    candidates = []
    for impl in mlp.IMPLS:
        skip = reason if impl == "torch" and torch is None else None
        fn = None if skip else (lambda impl=impl: measure(impl, config, runs))
        candidates.append(Candidate(impl, impl.split()[0], "train step", fn, skip_reason=skip))
    rounds = 1 if config.quick else 3
    return WorkloadSetup(
        candidates=candidates,
        ratios=[
            Ratio("tapegrad / floor, peak memory", "tapegrad", "numpy floor", target=1.15),
            Ratio("tapegrad / torch, peak memory", "tapegrad", "torch"),
            Ratio("torch / floor, peak memory", "torch", "numpy floor"),
        ],
        unit="MiB",
        measure="value",
        value_rounds=rounds,
        params={
            "workload": "mlp train step",
            "steps_measured": STEPS,
            "subprocess_per_measurement": True,
            "malloc_mmap_threshold": MMAP_THRESHOLD,
            "runs": runs,
        },
        notes=[
            f"peak RSS during {STEPS} train steps minus the RSS after set-up and a warm-up step "
            "of a throwaway model copy, one subprocess per measurement (median of "
            f"{rounds}).",
            "gradients, optimizer state and preallocated buffers made by the steps count; "
            "parameters and the batch are in the baseline.",
        ],
    )


def _setup_cuda(config: RunConfig) -> WorkloadSetup:
    """The memory workload on cuda: the gpu_mlp step's pool peak, per kernel set and torch."""
    from . import gpu

    gpu._cupy()  # no GPU: the runner reports why
    runs: dict = {}
    candidates = []
    for impl in gpu.MLP_IMPLS:
        if impl == "torch":
            skip = gpu._torch_cuda(config)[1]
        else:
            skip = gpu._set_reason(impl.split()[1])
        fn = None if skip else (lambda impl=impl: measure(impl, config, runs))
        candidates.append(Candidate(impl, impl.split()[0], "train step", fn, skip_reason=skip))
    return WorkloadSetup(
        candidates=candidates,
        ratios=[
            Ratio("tapegrad cupy set / torch, pool peak", "tapegrad cupy set", "torch"),
            Ratio("tapegrad numba set / torch, pool peak", "tapegrad numba set", "torch"),
        ],
        unit="MiB",
        measure="value",
        value_rounds=1,
        params={"workload": "gpu_mlp train step", "steps_measured": STEPS, "runs": runs},
        notes=[
            f"memory pool growth during {STEPS} train steps on cuda after a warm-up step and "
            "the release of cached blocks, one subprocess per implementation: CuPy's pool "
            "total_bytes, torch's max_memory_reserved (max_memory_allocated in the records)."
        ],
    )


if __name__ == "__main__":
    sys.exit(child_main())
