"""Tensor methods calling the entry points in ``autograd/ops/indexing.py``."""

from __future__ import annotations


def _ops():
    from .. import ops  # late: autograd.ops imports the tensor module

    return ops


class IndexingMethods:
    """Mixin of Tensor: methods for the ops in ``autograd/ops/indexing.py``."""

    __slots__ = ()

    def scatter(self, dim, index, src=None, reduce=None, *, value=None):
        """See ``autograd.scatter``: self with src (or value) written at index along dim."""
        return _ops().scatter(self, dim, index, src, reduce, value=value)

    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        """See ``autograd.scatter_reduce``: src reduced into self at index along dim."""
        return _ops().scatter_reduce(self, dim, index, src, reduce, include_self)

    def index_add(self, dim, index, source, *, alpha=1):
        """See ``autograd.index_add``: alpha * source added to the slices index of dim."""
        return _ops().index_add(self, dim, index, source, alpha=alpha)

    def index_copy(self, dim, index, source):
        """See ``autograd.index_copy``: source copied into the slices index of dim."""
        return _ops().index_copy(self, dim, index, source)

    def index_fill(self, dim, index, value):
        """See ``autograd.index_fill``: the slices index of dim set to value."""
        return _ops().index_fill(self, dim, index, value)

    def index_put(self, indices, values, accumulate=False):
        """See ``autograd.index_put``: self[indices] = values (or += with accumulate)."""
        return _ops().index_put(self, indices, values, accumulate)

    def masked_select(self, mask):
        """See ``autograd.masked_select``: the elements where mask is True, as 1-D."""
        return _ops().masked_select(self, mask)

    def masked_scatter(self, mask, source):
        """See ``autograd.masked_scatter``: source's elements written where mask is True."""
        return _ops().masked_scatter(self, mask, source)

    def take(self, index):
        """See ``autograd.take``: elements of the flattened self at index."""
        return _ops().take(self, index)

    def take_along_dim(self, indices, dim=None, *, axis=None):
        """See ``autograd.take_along_dim``: gather along dim with broadcasting."""
        return _ops().take_along_dim(self, indices, dim, axis=axis)

    def put(self, index, source, accumulate=False):
        """See ``autograd.put``: self.flatten()[index] = source, out of place."""
        return _ops().put(self, index, source, accumulate)

    def nonzero(self, *, as_tuple=False):
        """See ``autograd.nonzero``: int64 indices of the nonzero elements."""
        return _ops().nonzero(self, as_tuple)

    def argwhere(self):
        """See ``autograd.argwhere``: int64 indices (n, ndim) of the nonzero elements."""
        return _ops().argwhere(self)

    def count_nonzero(self, dim=None, *, axis=None):
        """See ``autograd.count_nonzero``: number of nonzero elements over dim."""
        return _ops().count_nonzero(self, dim, axis=axis)

    def bincount(self, weights=None, minlength=0):
        """See ``autograd.bincount``: counts (or weight sums) of each non-negative value."""
        return _ops().bincount(self, weights, minlength)
