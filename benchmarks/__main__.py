"""``python -m benchmarks``: see ``benchmarks/cli.py`` (arguments are parsed before NumPy loads)."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
