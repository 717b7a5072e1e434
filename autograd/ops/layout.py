"""Structural ops.

triangles and diagonals, roll, movedim, narrow, unbind, rot90, repeat_interleave, diff, meshgrid,
...
"""

from __future__ import annotations

__all__: list[str] = []
