"""The command line: ``python -m benchmarks [--device cpu|cuda] [--only WORKLOAD ...] [--quick]
[--out DIR] [--threads N] [--compare OLD.json] [--rounds N] [--settle SECONDS] [--list]``.

Writes ``results-<time>.json/.md``, ``latest.json/.md`` and, when matplotlib is importable, PNG
charts (``ratio_vs_torch.png``, ``gflops.png``) to ``--out``. The exit status is 1 when a
workload failed (its error is reported; the other workloads still run).

Arguments are parsed and ``--threads`` applied (the OpenMP/BLAS thread variables set) before
anything imports NumPy, since BLAS libraries read them once, when they are loaded.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from .registry import WORKLOADS, RunConfig

__all__ = ["build_parser", "apply_threads", "main"]

# rounds, warm-up rounds, seconds per sample
FULL = (30, 3, 0.05)
QUICK = (5, 1, 0.02)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (workload names come from the registry)."""
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="tapegrad benchmarks: candidates timed interleaved round-robin in one "
        "process; median and min over rounds; results as markdown and JSON.",
    )
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="default: cpu")
    p.add_argument(
        "--only",
        nargs="+",
        metavar="WORKLOAD",
        choices=list(WORKLOADS),
        help=f"run only these workloads (of: {', '.join(WORKLOADS)})",
    )
    p.add_argument("--quick", action="store_true", help="fewer, shorter rounds (a smoke run)")
    p.add_argument("--out", default="bench-results", metavar="DIR", help="default: bench-results")
    p.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="set OMP/OPENBLAS/MKL/... thread variables and torch.set_num_threads to N",
    )
    p.add_argument("--compare", metavar="OLD.json", help="print the change vs an earlier run")
    p.add_argument("--rounds", type=int, metavar="N", help="timed rounds (overrides --quick's)")
    p.add_argument(
        "--settle",
        type=float,
        default=0.1,
        metavar="SECONDS",
        help="pause when the timing switches between NumPy and torch candidates, so the other "
        "runtime's idle threads stop spinning (default 0.1; only with more than one thread)",
    )
    p.add_argument("--list", action="store_true", help="list the workloads and exit")
    return p


def apply_threads(n: int) -> None:
    """Set the thread variables BLAS/OpenMP read at load time to ``n``.

    If NumPy is already imported (``main`` called from a program) the variables come too late for
    its BLAS; threadpoolctl, when installed, then limits the loaded pools instead.
    """
    from .machine import THREAD_ENV_VARS

    for var in THREAD_ENV_VARS:
        os.environ[var] = str(n)
    if "numpy" in sys.modules:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            print(
                "warning: numpy was imported before --threads was applied and threadpoolctl is "
                "not installed; BLAS may use its default thread count",
                file=sys.stderr,
            )
            return
        global _limits
        _limits = threadpool_limits(n)


_limits = None


def _effective_threads(requested: int | None) -> int:
    if requested is not None:
        return requested
    env = os.environ.get("OMP_NUM_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return os.cpu_count() or 1


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv``, run the chosen workloads, print and write the results; the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if args.list:
        for w in WORKLOADS.values():
            print(f"{w.name:12s} [{'/'.join(w.devices)}] {w.description}")
        return 0
    if args.threads is not None:
        if args.threads < 1:
            print("error: --threads must be >= 1", file=sys.stderr)
            return 2
        apply_threads(args.threads)
    rounds, warmup, sample_s = QUICK if args.quick else FULL
    if args.rounds is not None:
        if args.rounds < 1:
            print("error: --rounds must be >= 1", file=sys.stderr)
            return 2
        rounds = args.rounds
    config = RunConfig(
        device=args.device,
        quick=args.quick,
        rounds=rounds,
        warmup_rounds=warmup,
        min_sample_s=sample_s,
        threads=args.threads,
        effective_threads=_effective_threads(args.threads),
        settle_s=max(0.0, args.settle),
    )
    old = None
    if args.compare:
        from .report import load_results

        try:
            old = load_results(args.compare)
        except (OSError, ValueError) as e:
            print(f"error: --compare: {e}", file=sys.stderr)
            return 2

    # NumPy (and tapegrad, torch) are imported from here on
    from .plots import write_plots
    from .report import format_compare, format_markdown, write_results
    from .runner import run

    names = args.only or list(WORKLOADS)
    previous = signal.signal(signal.SIGTERM, _terminate)  # a time limit: report what finished
    try:
        results = run(config, names, argv)
    finally:
        signal.signal(signal.SIGTERM, previous)
    results["plots"] = write_plots(results, args.out)
    compare_md = None
    if old is not None:
        try:
            compare_md = format_compare(old, results, args.compare)
        except Exception as e:  # never lose a finished run to a comparison problem
            compare_md = f"### change vs {args.compare}\n\ncomparison failed: {e!r}"
    markdown = format_markdown(results, compare_md)
    print(markdown)
    paths = write_results(results, markdown, args.out)
    print(f"wrote {paths['json']} and {paths['md']} (also latest.json, latest.md)")
    if results["plots"].get("files"):
        print(f"wrote {', '.join(results['plots']['files'])}")
    elif results["plots"].get("skipped"):
        print(f"plots skipped: {results['plots']['skipped']}")
    if results.get("interrupted"):
        print(f"error: the run was interrupted {results['interrupted']}", file=sys.stderr)
        return 124
    if results.get("errors"):
        print(f"error: workloads failed: {', '.join(results['errors'])}", file=sys.stderr)
        return 1
    if args.device == "cuda" and os.environ.get("TAPEGRAD_REQUIRE_GPU"):
        if not results.get("workloads"):  # .ci/gpu: a run that measured nothing must fail
            print("error: TAPEGRAD_REQUIRE_GPU is set but no GPU workload ran", file=sys.stderr)
            return 3
    return 0
