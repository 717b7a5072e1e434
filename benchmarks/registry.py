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


@dataclass
class Candidate:
    """One implementation of a workload: ``fn()`` does the whole timed computation once.

    name: unique within the workload, e.g. ``"tapegrad fwd+bwd"``.
    impl: who computes it: ``"numpy"``, ``"tapegrad"``, ``"torch"``, ...
    mode: what is computed: ``"fwd+bwd"``, ``"fwd"``, ``"fwd no_grad"``, ``"step"``, ...
    fn: the timed callable; ``None`` when skipped.
    skip_reason: why this candidate cannot run here (e.g. torch is not installed).
    sync: called once after each timed batch of calls (GPU workloads: a device synchronize).
    """

    name: str
    impl: str
    mode: str
    fn: Callable[[], Any] | None = None
    skip_reason: str | None = None
    sync: Callable[[], Any] | None = None

    @property
    def skipped(self) -> bool:
        """Whether this candidate is not timed."""
        return self.fn is None or self.skip_reason is not None


@dataclass
class Ratio:
    """``numerator``'s time over ``denominator``'s (candidate names); lower is better for it.

    target: when set, the ratio should be ``<= target`` (the report says whether it is).
    """

    name: str
    numerator: str
    denominator: str
    target: float | None = None


@dataclass
class WorkloadSetup:
    """What a workload's setup returns: its candidates, ratios and how to report times.

    A timed call of a candidate takes ``t`` seconds; the report shows
    ``t / units_per_call / unit_seconds`` in ``unit`` (e.g. 1,000 ops per call, in µs/op).
    check: optional; runs each candidate's computation once and compares the results, returning
    ``(ok, detail)``, so a fast but wrong candidate is flagged.
    """

    candidates: list[Candidate]
    ratios: list[Ratio] = field(default_factory=list)
    unit: str = "µs/call"
    unit_seconds: float = 1e-6
    units_per_call: float = 1.0
    params: dict = field(default_factory=dict)
    check: Callable[[], tuple[bool, str]] | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Workload:
    """A registered workload: its name, what it measures, where it runs and its setup.

    devices: the ``--device`` values it supports; others are skipped with a reason.
    setup: ``"module:function"``; the function takes a RunConfig, returns a WorkloadSetup.
    """

    name: str
    description: str
    devices: tuple[str, ...] = ("cpu",)
    setup: str = ""

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
    )
)

register(
    Workload(
        name="optim",
        description=(
            "optimizer step (Adam, SGD momentum) over the float32 parameters of a "
            "784-1024-1024-10 MLP"
        ),
        devices=("cpu",),
        setup="benchmarks.optim_step:setup",
    )
)

register(
    Workload(
        name="conv",
        description=(
            "conv2d forward+backward (gx, gw, gb): x (64, 3, 32, 32), w (32, 3, 3, 3), "
            "padding 1, float32"
        ),
        devices=("cpu",),
        setup="benchmarks.conv:setup",
    )
)
