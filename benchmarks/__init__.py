"""tapegrad's benchmark suite, run as ``python -m benchmarks``.

Each workload (per-op overhead, matmul, conv, pooling, optimizer steps, MLP and LeNet train
steps, peak memory, gradcheck; ``--list`` names them) is a set of *candidates*, the same
computation done by different implementations (a raw-NumPy floor, tapegrad, PyTorch when
installed), timed interleaved round-robin in one process so machine noise hits all alike (peak
memory is measured in a subprocess per candidate instead). Results are printed as markdown tables
and written as JSON + markdown (and PNG charts, with matplotlib) to ``--out``.

Adding a workload: write ``benchmarks/<name>.py`` with ``setup(config: RunConfig) ->
WorkloadSetup`` (candidates, ratios, unit), and register it with one line at the bottom of
``benchmarks/registry.py``. The timing, checking and reporting are shared.

This package's ``__init__`` imports nothing heavy: ``__main__`` parses ``--threads`` and sets the
BLAS/OpenMP thread variables before NumPy is first imported.
"""

from __future__ import annotations

__all__ = ["main"]


def main(argv=None) -> int:
    """Run the benchmark CLI with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    from .cli import main as _main

    return _main(argv)
