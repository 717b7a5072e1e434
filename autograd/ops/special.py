"""Elementwise math beyond the unary table's core.

trig, hyperbolic and special functions, binary math (atan2, hypot, logaddexp, xlogy, lerp, ...).
"""

from __future__ import annotations

__all__: list[str] = []
