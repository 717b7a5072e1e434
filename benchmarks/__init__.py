"""tapegrad's benchmark suite, run as ``python -m benchmarks``.

Each workload (``overhead`` first; matmul, conv, MLP and optimizer workloads later) is a set of
*candidates*, the same computation done by different implementations (a raw-NumPy floor, tapegrad,
PyTorch when installed), timed interleaved round-robin in one process so machine noise hits all
alike. Results are printed as a markdown table and written as JSON + markdown to ``--out``.

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
