"""Interleaved timing: every candidate of a workload runs once per round, in a shuffled order.

Running the candidates round-robin in one process means slow phases of the machine (another
process, frequency changes, thermal throttling) hit all candidates alike, so their ratios are
steadier than their absolute times. Each sample repeats a call ``inner`` times (calibrated so a
sample lasts at least ``min_sample_s``) and records the mean seconds per call. Calibration and
``warmup_rounds`` are excluded from the statistics. The garbage collector stays enabled: its cost
is part of what a user's model pays.

Two things keep one candidate's leftovers off another's time:

* The order is shuffled each round (seeded, so runs repeat), so no candidate always runs right
  after the same one (a fixed rotation keeps each candidate's predecessor fixed).
* Candidates run on *thread pools*: NumPy's BLAS (OpenBLAS pthreads), torch's OpenMP, and
  tapegrad's own kernel threads (its convolution kernels, see ``backends.numpy_kernels``).
  After work, each runtime's idle threads keep spinning for a while (OpenBLAS about 0.1 s,
  OpenMP a few ms), and a candidate of another runtime started meanwhile competes with them for
  the cores: measured here on 2 cores, torch's MLP step took 2x as long right after the NumPy
  floor's, and the floor 1.4x as long right after torch's; 0.1 s apart, neither was slowed. So
  each round runs the candidates of one pool, then the next's, and waits ``settle_s`` whenever
  the pool changes (only with more than one thread).
"""

from __future__ import annotations

import itertools
import math
import random
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import perf_counter, sleep

__all__ = [
    "Stats",
    "calibrate",
    "time_interleaved",
    "measure_interleaved",
    "round_order",
    "summarize",
    "log",
    "workload_bar",
]


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

    Doubles the call count until a batch lasts a fifth of the target, then scales from the
    fastest of three such batches. The calls made here double as warm-up (caches, lazy imports,
    allocator pools).
    """
    n = 1
    while True:
        t = _run(fn, sync, n)
        if t >= min_sample_s / 5 or n >= max_inner:
            break
        n *= 2
    # a busy moment of the machine during that batch would make every sample too short (and
    # the statistics coarse): time it twice more and scale from the fastest
    t = min(t, _run(fn, sync, n), _run(fn, sync, n))
    return max(1, min(max_inner, math.ceil(n * min_sample_s / max(t, 1e-9))))


def round_order(names: Sequence[str], pools: dict[str, str] | None, rng: random.Random) -> list:
    """One round's order of ``names``: shuffled, then grouped by pool (the pools in a shuffled
    order too), so the pool changes as rarely as possible."""
    order = list(names)
    rng.shuffle(order)
    if not pools:
        return order
    keys = list(dict.fromkeys(pools.get(n, "") for n in order))
    rng.shuffle(keys)
    return [n for key in keys for n in order if pools.get(n, "") == key]


def time_interleaved(
    candidates: Sequence[tuple[str, Callable, Callable | None]],
    rounds: int,
    warmup_rounds: int = 1,
    min_sample_s: float = 0.05,
    progress: str | None = None,
    pools: dict[str, str] | None = None,
    settle_s: float = 0.0,
    seed: int = 0,
) -> dict[str, Stats]:
    """Time ``candidates`` (``(name, fn, sync)``) round-robin; returns Stats per name.

    Each of ``warmup_rounds + rounds`` rounds takes one sample of every candidate, in an order
    shuffled per round (``round_order``, seeded by ``seed``). ``pools`` maps a candidate's name
    to the thread pool it runs on (e.g. ``"numpy"``, ``"torch"``): a round runs one pool's
    candidates, then the next's, sleeping ``settle_s`` seconds whenever the pool changes so the
    previous runtime's idle threads stop spinning first. Only the last ``rounds`` rounds are
    kept. ``progress``: a label for a progress bar (tqdm, when importable) on stderr, or None.
    """
    if rounds < 1:
        raise ValueError(f"time_interleaved: rounds must be >= 1, got {rounds}")
    cands = {name: (fn, sync) for name, fn, sync in candidates}
    rng = random.Random(seed)
    prev_pool = [None]

    def settle(name):
        pool = pools.get(name) if pools else None
        if settle_s > 0 and prev_pool[0] is not None and pool != prev_pool[0]:
            sleep(settle_s)
        prev_pool[0] = pool

    inner = {}
    for name in round_order(list(cands), pools, rng):
        settle(name)
        inner[name] = calibrate(*cands[name], min_sample_s)
    samples: dict[str, list[float]] = {name: [] for name in cands}
    total = warmup_rounds + rounds
    bar = _progress_bar(total, progress)
    try:
        for r in range(total):
            for name in round_order(list(cands), pools, rng):
                settle(name)
                fn, sync = cands[name]
                n = inner[name]
                t = _run(fn, sync, n)
                if r >= warmup_rounds:
                    samples[name].append(t / n)
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return {name: summarize(samples[name], inner[name]) for name in cands}


def measure_interleaved(
    candidates: Sequence[tuple[str, Callable, Callable | None]],
    rounds: int,
    progress: str | None = None,
) -> dict[str, Stats]:
    """Collect ``rounds`` samples of each candidate, whose ``fn()`` returns the sample itself.

    For measurements that are not times (peak memory in a subprocess, ...): the candidates run
    round-robin like ``time_interleaved``'s, with no calibration and no warm-up.
    """
    if rounds < 1:
        raise ValueError(f"measure_interleaved: rounds must be >= 1, got {rounds}")
    cands = list(candidates)
    samples: dict[str, list[float]] = {name: [] for name, _, _ in cands}
    bar = _progress_bar(rounds * len(cands), progress, unit="run")
    k = len(cands)
    try:
        for r in range(rounds):
            start = r % k if k else 0
            for name, fn, _ in cands[start:] + cands[:start]:
                samples[name].append(float(fn()))
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return {name: summarize(samples[name], 1) for name, _, _ in cands}


# tqdm bars now open (the workload bar, a rounds bar): messages go through tqdm.write meanwhile
_open_bars: list = []


def log(msg: str, stream=None) -> None:
    """Print ``msg`` (to stderr by default) without breaking an open progress bar."""
    stream = sys.stderr if stream is None else stream
    if _open_bars:
        from tqdm import tqdm

        tqdm.write(msg, file=stream)
        stream.flush()
    else:
        print(msg, file=stream, flush=True)


class _Bar:
    """A tqdm bar that ``log`` knows about while it is open."""

    def __init__(self, bar):
        self._bar = bar
        _open_bars.append(self)

    def update(self, n: int = 1) -> None:
        self._bar.update(n)

    def set_description(self, desc: str) -> None:
        self._bar.set_description(desc)

    def close(self) -> None:
        if self in _open_bars:
            _open_bars.remove(self)
        self._bar.close()


def _tqdm_or_none():
    if not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


def workload_bar(total: int):
    """The outer progress bar over workloads (stderr is a terminal and tqdm importable), or
    None."""
    tqdm = _tqdm_or_none()
    if tqdm is None:
        return None
    return _Bar(tqdm(total=total, desc="workloads", unit="workload", position=0, file=sys.stderr))


def _progress_bar(total: int, label: str | None, unit: str = "round"):
    """A tqdm bar over rounds when tqdm is importable and stderr is a terminal, else None.

    It sits under the workload bar when that is open, and disappears when done.
    """
    if label is None:
        return None
    tqdm = _tqdm_or_none()
    if tqdm is None:
        return None
    bar = tqdm(
        total=total,
        desc=label,
        unit=unit,
        leave=False,
        position=len(_open_bars),
        file=sys.stderr,
    )
    return _Bar(bar)
