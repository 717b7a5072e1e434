"""Padding modules.

ZeroPad, ConstantPad, ReflectionPad, ReplicationPad and CircularPad in 1, 2 and 3 dims.
"""

from __future__ import annotations

__all__: list[str] = []
