"""Tensor methods calling the entry points in ``autograd/ops/indexing.py``."""

from __future__ import annotations


def _ops():
    from .. import ops  # late: autograd.ops imports the tensor module

    return ops


class IndexingMethods:
    """Mixin of Tensor: methods for the ops in ``autograd/ops/indexing.py``."""

    __slots__ = ()
