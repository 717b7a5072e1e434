"""Tensor methods calling the entry points in ``autograd/ops/statistics.py``."""

from __future__ import annotations


def _ops():
    from .. import ops  # late: autograd.ops imports the tensor module

    return ops


class StatisticsMethods:
    """Mixin of Tensor: methods for the ops in ``autograd/ops/statistics.py``."""

    __slots__ = ()

    def cov(self, *, correction=1, fweights=None, aweights=None):
        """See ``autograd.cov``: the (vars, vars) covariance of the rows (0-d for one)."""
        return _ops().cov(self, correction=correction, fweights=fweights, aweights=aweights)

    def corrcoef(self):
        """See ``autograd.corrcoef``: the (vars, vars) correlation coefficients of the rows."""
        return _ops().corrcoef(self)
