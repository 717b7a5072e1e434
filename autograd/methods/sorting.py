"""Tensor methods calling the entry points in ``autograd/ops/sorting.py``."""

from __future__ import annotations


def _ops():
    from .. import ops  # late: autograd.ops imports the tensor module

    return ops


class SortingMethods:
    """Mixin of Tensor: methods for the ops in ``autograd/ops/sorting.py``."""

    __slots__ = ()

    def sort(self, dim=-1, descending=False, stable=False, *, axis=None):
        """See ``autograd.sort``: ``(values, indices)`` sorted along dim (stable)."""
        return _ops().sort(self, dim, descending, stable, axis=axis)

    def argsort(self, dim=-1, descending=False, stable=False, *, axis=None):
        """See ``autograd.argsort``: int64 indices that sort along dim."""
        return _ops().argsort(self, dim, descending, stable, axis=axis)

    def msort(self):
        """See ``autograd.msort``: sorted along dim 0 (values)."""
        return _ops().msort(self)

    def topk(self, k, dim=-1, largest=True, sorted=True, *, axis=None):  # noqa: A002
        """See ``autograd.topk``: ``(values, indices)`` of the k largest (smallest) along dim."""
        return _ops().topk(self, k, dim, largest, sorted, axis=axis)

    def kthvalue(self, k, dim=-1, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.kthvalue``: ``(values, indices)`` of the k-th smallest along dim."""
        return _ops().kthvalue(self, k, dim, keepdim, axis=axis, keepdims=keepdims)

    def median(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.median``: the lower median (all, or ``(values, indices)`` along dim)."""
        return _ops().median(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def nanmedian(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.nanmedian``: the lower median ignoring NaN."""
        return _ops().nanmedian(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def mode(self, dim=-1, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.mode``: ``(values, indices)`` of the most frequent value along dim."""
        return _ops().mode(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def quantile(self, q, dim=None, keepdim=False, interpolation="linear", *, axis=None,
                 keepdims=None):  # fmt: skip
        """See ``autograd.quantile``: the q-th quantiles along dim (None: all)."""
        return _ops().quantile(self, q, dim, keepdim, interpolation, axis=axis, keepdims=keepdims)

    def nanquantile(self, q, dim=None, keepdim=False, interpolation="linear", *, axis=None,
                    keepdims=None):  # fmt: skip
        """See ``autograd.nanquantile``: quantiles ignoring NaN."""
        return _ops().nanquantile(
            self, q, dim, keepdim, interpolation, axis=axis, keepdims=keepdims
        )

    def cummax(self, dim=None, *, axis=None):
        """See ``autograd.cummax``: ``(values, indices)`` of the running max along dim."""
        return _ops().cummax(self, dim, axis=axis)

    def cummin(self, dim=None, *, axis=None):
        """See ``autograd.cummin``: ``(values, indices)`` of the running min along dim."""
        return _ops().cummin(self, dim, axis=axis)

    def logcumsumexp(self, dim=None, *, axis=None):
        """See ``autograd.logcumsumexp``: log(cumsum(exp(x))) along dim, stable."""
        return _ops().logcumsumexp(self, dim, axis=axis)

    def aminmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.aminmax``: ``(min, max)`` over dim (None: all)."""
        return _ops().aminmax(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
        """See ``autograd.unique``: the sorted distinct values (or slices along dim)."""
        return _ops().unique(self, sorted, return_inverse, return_counts, dim)

    def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
        """See ``autograd.unique_consecutive``: runs of equal values collapsed."""
        return _ops().unique_consecutive(self, return_inverse, return_counts, dim)
