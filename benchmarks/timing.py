"""Interleaved timing: every candidate of a workload runs once per round, in rotating order.

Running the candidates round-robin in one process means slow phases of the machine (another
process, frequency changes, thermal throttling) hit all candidates alike, so their ratios are
steadier than their absolute times. Each sample repeats a call ``inner`` times (calibrated so a
sample lasts at least ``min_sample_s``) and records the mean seconds per call. Calibration and
``warmup_rounds`` are excluded from the statistics. The garbage collector stays enabled: its cost
is part of what a user's model pays.
"""

from __future__ import annotations

import itertools
import math
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import perf_counter

__all__ = ["Stats", "calibrate", "time_interleaved", "summarize"]


@dataclass
class Stats:
    """Seconds per call over the timed rounds of one candidate."""

    median: float
    min: float
    max: float
    mean: float
    stdev: float
    rounds: int
    inner: int
    samples: list[float]


def summarize(samples: Sequence[float], inner: int) -> Stats:
    """Stats of ``samples`` (seconds per call, one per round); ``inner`` calls per sample."""
    samples = list(samples)
    return Stats(
        median=statistics.median(samples),
        min=min(samples),
        max=max(samples),
        mean=statistics.fmean(samples),
        stdev=statistics.stdev(samples) if len(samples) > 1 else 0.0,
        rounds=len(samples),
        inner=inner,
        samples=samples,
    )


def _run(fn: Callable, sync: Callable | None, inner: int) -> float:
    """Seconds for ``inner`` calls of ``fn`` (then ``sync``)."""
    t0 = perf_counter()
    for _ in itertools.repeat(None, inner):
        fn()
    if sync is not None:
        sync()
    return perf_counter() - t0


def calibrate(
    fn: Callable, sync: Callable | None = None, min_sample_s: float = 0.05, max_inner: int = 10**6
) -> int:
    """How many calls of ``fn`` make a sample last at least ``min_sample_s`` seconds.

    Doubles the call count until a batch lasts a fifth of the target, then scales. The calls made
    here double as warm-up (caches, lazy imports, allocator pools).
    """
    n = 1
    while True:
        t = _run(fn, sync, n)
        if t >= min_sample_s / 5 or n >= max_inner:
            break
        n *= 2
    return max(1, min(max_inner, math.ceil(n * min_sample_s / max(t, 1e-9))))


def time_interleaved(
    candidates: Sequence[tuple[str, Callable, Callable | None]],
    rounds: int,
    warmup_rounds: int = 1,
    min_sample_s: float = 0.05,
    progress: str | None = None,
) -> dict[str, Stats]:
    """Time ``candidates`` (``(name, fn, sync)``) round-robin; returns Stats per name.

    Each of ``warmup_rounds + rounds`` rounds takes one sample of every candidate; the starting
    candidate rotates from round to round so none always runs first (right after another's
    garbage). Only the last ``rounds`` rounds are kept. ``progress``: a label for a progress bar
    (tqdm, when importable) on stderr, or None for none.
    """
    if rounds < 1:
        raise ValueError(f"time_interleaved: rounds must be >= 1, got {rounds}")
    cands = list(candidates)
    inner = {name: calibrate(fn, sync, min_sample_s) for name, fn, sync in cands}
    samples: dict[str, list[float]] = {name: [] for name, _, _ in cands}
    total = warmup_rounds + rounds
    bar = _progress_bar(total, progress)
    k = len(cands)
    try:
        for r in range(total):
            start = r % k if k else 0
            for name, fn, sync in cands[start:] + cands[:start]:
                n = inner[name]
                t = _run(fn, sync, n)
                if r >= warmup_rounds:
                    samples[name].append(t / n)
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return {name: summarize(samples[name], inner[name]) for name, _, _ in cands}


def _progress_bar(total: int, label: str | None):
    """A tqdm bar over rounds when tqdm is importable and stderr is a terminal, else None."""
    if label is None or not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=label, unit="round", leave=False, file=sys.stderr)
