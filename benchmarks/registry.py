"""The workload registry and the data types every workload returns.

A *workload* is one computation to benchmark (the per-op overhead chain, a matmul, a conv
layer, an MLP step, an optimizer step). Its setup function builds *candidates*: the same
computation done by different implementations (a raw-NumPy floor, tapegrad, PyTorch), each a
zero-argument callable. The timing machinery (``timing.py``) runs every candidate of a workload
interleaved round-robin; *ratios* name pairs of candidates to compare, optionally with a target.

This module imports nothing heavy, so the CLI can list and validate workload names before NumPy
is imported (``--threads`` must set the BLAS thread variables first). Setups are named as
``"module:function"`` strings and imported only when their workload runs.

To add a workload, write ``benchmarks/<name>.py`` with ``def setup(config: RunConfig) ->
WorkloadSetup`` and add one ``register(Workload(...))`` line at the bottom of this file.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Candidate",
    "Ratio",
    "RunConfig",
    "Workload",
    "WorkloadSetup",
    "WORKLOADS",
    "register",
    "get_workload",
]


@dataclass
class RunConfig:
    """Settings shared by every workload of one run (from the command line)."""

    device: str = "cpu"  # "cpu" or "cuda"
    quick: bool = False
    rounds: int = 30  # timed rounds; each round runs every candidate once (one sample each)
    warmup_rounds: int = 3  # rounds run and discarded before timing
    min_sample_s: float = 0.05  # a sample repeats the call until it lasts at least this long
    threads: int | None = None  # --threads, or None to leave the environment's defaults
    effective_threads: int = 1  # what torch.set_num_threads is given (and BLAS was told)
    progress: bool = True
    # pause when the timing switches between thread pools (NumPy's BLAS, torch's OpenMP), so the
    # previous runtime's spinning threads are idle; only with more than one thread
    settle_s: float = 0.1


@dataclass
class Candidate:
    """One implementation of a workload: ``fn()`` does the whole timed computation once.

    name: unique within the workload, e.g. ``"tapegrad fwd+bwd"``.
    impl: who computes it: ``"numpy"``, ``"tapegrad"``, ``"torch"``, ...
    mode: what is computed: ``"fwd+bwd"``, ``"fwd"``, ``"fwd no_grad"``, ``"step"``, ...
    fn: the timed callable; ``None`` when skipped. (In a ``measure="value"`` workload, ``fn()``
    returns one sample of the measured quantity instead of being timed.)
    skip_reason: why this candidate cannot run here (e.g. torch is not installed).
    sync: called once after each timed batch of calls (GPU workloads: a device synchronize).
    group: the configuration this candidate belongs to when a workload has several (e.g.
    ``"512 float32"``); tables and charts group candidates by it. None: the workload's only one.
    flops: floating-point operations per call, when meaningful; the report then shows GFLOP/s.
    pool: the thread pool its work runs on; default ``"torch"`` (OpenMP) for impl ``"torch"``,
    ``"numpy"`` (NumPy's BLAS) otherwise. The timing separates pools (see ``timing.py``).
    """

    name: str
    impl: str
    mode: str
    fn: Callable[[], Any] | None = None
    skip_reason: str | None = None
    sync: Callable[[], Any] | None = None
    group: str | None = None
    flops: float | None = None
    pool: str | None = None

    @property
    def thread_pool(self) -> str:
        """``pool``, or the default for the impl."""
        return self.pool or ("torch" if self.impl == "torch" else "numpy")

    @property
    def skipped(self) -> bool:
        """Whether this candidate is not timed."""
        return self.fn is None or self.skip_reason is not None


@dataclass
class Ratio:
    """``numerator``'s time over ``denominator``'s (candidate names); lower is better for it.

    target: when set, the ratio should be ``<= target`` (the report says whether it is).
    higher_is_better: the ratio is of throughputs instead: ``denominator``'s time over
    ``numerator``'s (the numerator's speed as a multiple of the denominator's), and it should be
    ``>= target``.
    """

    name: str
    numerator: str
    denominator: str
    target: float | None = None
    higher_is_better: bool = False


@dataclass
class WorkloadSetup:
    """What a workload's setup returns: its candidates, ratios and how to report times.

    A timed call of a candidate takes ``t`` seconds; the report shows
    ``t / units_per_call / unit_seconds`` in ``unit`` (e.g. 1,000 ops per call, in µs/op).
    check: optional; runs each candidate's computation once and compares the results, returning
    ``(ok, detail)``, so a fast but wrong candidate is flagged.
    items_per_call, items_label: when set, the report adds a throughput column
    (``items_per_call / seconds per call``, e.g. samples/s for a train step).
    measure: ``"time"`` (the candidates are timed) or ``"value"``: each ``fn()`` returns one
    sample of a quantity in ``unit`` (e.g. peak MB, measured in a subprocess); every candidate
    is then called ``value_rounds`` times, round-robin, and ``unit_seconds`` is not used.
    """

    candidates: list[Candidate]
    ratios: list[Ratio] = field(default_factory=list)
    unit: str = "µs/call"
    unit_seconds: float = 1e-6
    units_per_call: float = 1.0
    params: dict = field(default_factory=dict)
    check: Callable[[], tuple[bool, str]] | None = None
    notes: list[str] = field(default_factory=list)
    items_per_call: float | None = None
    items_label: str = "samples"
    measure: str = "time"
    value_rounds: int = 1


@dataclass
class Workload:
    """A registered workload: its name, what it measures, where it runs and its setup.

    devices: the ``--device`` values it supports; others are skipped with a reason.
    setup: ``"module:function"``; the function takes a RunConfig, returns a WorkloadSetup.
    counterpart: the workload that measures the same thing on the other device, if another
    one does (named in the skip reason).
    """

    name: str
    description: str
    devices: tuple[str, ...] = ("cpu",)
    setup: str = ""
    counterpart: str | None = None

    def load_setup(self) -> Callable[[RunConfig], WorkloadSetup]:
        """Import and return the setup function (imports NumPy and the implementations)."""
        module, _, func = self.setup.partition(":")
        return getattr(importlib.import_module(module), func)


WORKLOADS: dict[str, Workload] = {}


def register(workload: Workload) -> Workload:
    """Add ``workload`` to the registry (in run order); a duplicate name raises ValueError."""
    if workload.name in WORKLOADS:
        raise ValueError(f"benchmark workload {workload.name!r} is already registered")
    WORKLOADS[workload.name] = workload
    return workload


def get_workload(name: str) -> Workload:
    """The registered workload called ``name``; KeyError naming the known ones otherwise."""
    try:
        return WORKLOADS[name]
    except KeyError:
        known = ", ".join(WORKLOADS)
        raise KeyError(f"unknown benchmark workload {name!r}; known: {known}") from None


# -- the workloads, in the order they run -------------------------------------------------------

register(
    Workload(
        name="overhead",
        description=(
            "per-op overhead: a chain of 1,000 ops repeating (mul 1.001, add 0.5, tanh) "
            "on a float32 tensor of shape (4,)"
        ),
        devices=("cpu",),
        setup="benchmarks.overhead:setup",
        counterpart="gpu_overhead",
    )
)

register(
    Workload(
        name="matmul",
        description=(
            "x @ w forward+backward (gx, gw), square n = 256, 512, 1024 (quick: 128, 256, "
            "512; cuda: 1024, 2048, 4096, quick 256, 512, 1024), float32 and float64"
        ),
        devices=("cpu", "cuda"),
        setup="benchmarks.matmul:setup",
    )
)

register(
    Workload(
        name="conv",
        description=(
            "conv2d forward+backward (gx, gw, gb): x (64, 3, 32, 32), w (32, 3, 3, 3), "
            "padding 1, float32"
        ),
        devices=("cpu", "cuda"),
        setup="benchmarks.conv:setup",
    )
)

register(
    Workload(
        name="pool",
        description=(
            "max_pool2d and avg_pool2d (kernel 2, stride 2) forward+backward on x "
            "(32, 64, 56, 56) (quick: (8, 64, 28, 28)), float32"
        ),
        devices=("cpu", "cuda"),
        setup="benchmarks.pool:setup",
    )
)

register(
    Workload(
        name="optim",
        description=(
            "optimizer step (Adam, SGD momentum) over the float32 parameters of a "
            "784-1024-1024-10 MLP"
        ),
        devices=("cpu", "cuda"),
        setup="benchmarks.optim_step:setup",
    )
)

register(
    Workload(
        name="mlp",
        description=(
            "MLP train step: batch 256, 784-1024-1024-10, ReLU, cross-entropy, SGD lr 0.01, float32"
        ),
        devices=("cpu",),
        setup="benchmarks.mlp:setup",
        counterpart="gpu_mlp",
    )
)

register(
    Workload(
        name="cnn",
        description=(
            "LeNet-style train step: (64, 1, 28, 28), Conv2d(1, 6, 5)-ReLU-MaxPool2d(2)-"
            "Conv2d(6, 16, 5)-ReLU-MaxPool2d(2)-Flatten-Linear(256, 120)-ReLU-Linear(120, 84)-"
            "ReLU-Linear(84, 10), cross-entropy, SGD lr 0.01, float32"
        ),
        devices=("cpu", "cuda"),
        setup="benchmarks.cnn:setup",
    )
)

register(
    Workload(
        name="memory",
        description=(
            "peak memory of the MLP train step (the mlp workload's) above the set-up baseline, "
            "one subprocess per implementation (RSS high-water mark; on cuda the memory "
            "pool's peak)"
        ),
        devices=("cpu", "cuda"),
        setup="benchmarks.memory:setup",
    )
)

register(
    Workload(
        name="gradcheck",
        description=(
            "gradcheck of (a @ b).tanh(), a (8, 16), b (16, 8), float64: ag.gradcheck vs "
            "torch.autograd.gradcheck"
        ),
        devices=("cpu", "cuda"),
        setup="benchmarks.gradcheck:setup",
    )
)

register(
    Workload(
        name="rnn",
        description=(
            "LSTM forward+backward (gx and all parameter gradients): 2 layers, input 128, "
            "hidden 256, batch 32, sequence 50 (quick: 10), time-major, float32"
        ),
        devices=("cpu", "cuda"),
        setup="benchmarks.rnn:setup",
    )
)

# the GPU workloads (python -m benchmarks --device cuda) are defined in benchmarks/gpu.py
for _kw in importlib.import_module(".gpu", __package__).GPU_WORKLOADS:
    register(Workload(**_kw))
