"""Tensor methods calling the entry points in ``autograd/ops/special.py``."""

from __future__ import annotations


def _ops():
    from .. import ops  # late: autograd.ops imports the tensor module

    return ops


class SpecialMethods:
    """Mixin of Tensor: methods for the ops in ``autograd/ops/special.py``."""

    __slots__ = ()
