"""Exception types users catch."""

from __future__ import annotations

__all__ = ["ShapeError"]


class ShapeError(ValueError, RuntimeError):
    """Shapes that do not fit the op (a ValueError and a RuntimeError, so either catch works)."""
