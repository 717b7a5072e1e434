"""Tensor methods calling the entry points in ``autograd/ops/layout.py``, and the layout queries
(strides, contiguity, sizes in bytes, data pointer) that need no op."""

from __future__ import annotations

import numpy as np


def _ops():
    from .. import ops  # late: autograd.ops imports the tensor module

    return ops


class LayoutMethods:
    """Mixin of Tensor: methods for the ops in ``autograd/ops/layout.py``."""

    __slots__ = ()

    # -- ops -----------------------------------------------------------------------------------

    def triu(self, diagonal=0):
        """See ``autograd.triu``: the upper triangle of the last two dims, zeros elsewhere."""
        return _ops().triu(self, diagonal)

    def tril(self, diagonal=0):
        """See ``autograd.tril``: the lower triangle of the last two dims, zeros elsewhere."""
        return _ops().tril(self, diagonal)

    def diag(self, diagonal=0):
        """See ``autograd.diag``: 1-D -> a diagonal matrix; 2-D -> a copy of a diagonal."""
        return _ops().diag(self, diagonal)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        """See ``autograd.diagonal``: the diagonal of dims (dim1, dim2) as the last dim; a view."""
        return _ops().diagonal(self, offset, dim1, dim2)

    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        """See ``autograd.diag_embed``: matrices with the last dim on a diagonal."""
        return _ops().diag_embed(self, offset, dim1, dim2)

    def diagflat(self, offset=0):
        """See ``autograd.diagflat``: the flattened self on a diagonal of a square matrix."""
        return _ops().diagflat(self, offset)

    def roll(self, shifts, dims=None):
        """See ``autograd.roll``: elements shifted along ``dims``, wrapping around."""
        return _ops().roll(self, shifts, dims)

    def movedim(self, source, destination):
        """See ``autograd.movedim``: dims ``source`` moved to ``destination``; a view."""
        return _ops().movedim(self, source, destination)

    def moveaxis(self, source, destination):
        """See ``autograd.moveaxis``: alias of ``movedim``."""
        return _ops().movedim(self, source, destination)

    def swapdims(self, dim0, dim1):
        """See ``autograd.swapdims``: dims ``dim0`` and ``dim1`` swapped (``transpose``)."""
        return _ops().transpose(self, dim0, dim1)

    def narrow(self, dim, start, length):
        """See ``autograd.narrow``: ``length`` entries from ``start`` along ``dim``; a view."""
        return _ops().narrow(self, dim, start, length)

    def unbind(self, dim=0):
        """See ``autograd.unbind``: the slices along ``dim`` as a tuple of views."""
        return _ops().unbind(self, dim)

    def unflatten(self, dim, sizes):
        """See ``autograd.unflatten``: dim ``dim`` split into ``sizes`` (one may be -1)."""
        return _ops().unflatten(self, dim, sizes)

    def rot90(self, k=1, dims=(0, 1)):
        """See ``autograd.rot90``: rotated by k * 90 degrees in the plane of ``dims``."""
        return _ops().rot90(self, k, dims)

    def repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
        """See ``autograd.repeat_interleave``: each element repeated along ``dim``."""
        return _ops().repeat_interleave(self, repeats, dim, output_size=output_size)

    def diff(self, n=1, dim=-1, prepend=None, append=None):
        """See ``autograd.diff``: the n-th forward difference along ``dim``."""
        return _ops().diff(self, n, dim, prepend, append)

    def fliplr(self):
        """See ``autograd.fliplr``: reversed along dim 1."""
        return _ops().fliplr(self)

    def flipud(self):
        """See ``autograd.flipud``: reversed along dim 0."""
        return _ops().flipud(self)

    def tensor_split(self, indices_or_sections, dim=0):
        """See ``autograd.tensor_split``: views split into sections or at indices."""
        return _ops().tensor_split(self, indices_or_sections, dim)

    def hsplit(self, sections):
        """See ``autograd.hsplit``: split along dim 1 (dim 0 when 1-D)."""
        return _ops().hsplit(self, sections)

    def vsplit(self, sections):
        """See ``autograd.vsplit``: split along dim 0."""
        return _ops().vsplit(self, sections)

    def dsplit(self, sections):
        """See ``autograd.dsplit``: split along dim 2."""
        return _ops().dsplit(self, sections)

    def ravel(self):
        """See ``autograd.ravel``: flattened to 1-D (a view when the layout allows)."""
        return _ops().ravel(self)

    def t(self):
        """See ``autograd.t``: the transpose of a 2-D tensor; 0-D and 1-D unchanged (views)."""
        return _ops().t(self)

    # -- queries (no op) -----------------------------------------------------------------------

    def ndimension(self) -> int:
        """Number of dimensions (alias of ``dim()``)."""
        return self._data.ndim

    @property
    def nbytes(self) -> int:
        """numel() * itemsize: the bytes the elements take (an expanded view counts each)."""
        return int(self._data.size) * self._data.itemsize

    @property
    def itemsize(self) -> int:
        """Bytes per element (``element_size()``)."""
        return self._data.itemsize

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating point type."""
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        """Whether the dtype is a complex type."""
        return self._data.dtype.kind == "c"

    def stride(self, dim=None):
        """Steps between neighbouring elements of each dim, in elements (tuple), or of ``dim``.

        As the array's strides: 0 along expanded dims, negative along a dim ``flip`` reversed
        (PyTorch's flip copies instead).
        """
        d = self._data
        st = tuple(s // d.itemsize for s in d.strides)
        if dim is None:
            return st
        if d.ndim == 0:
            raise IndexError(f"stride: dim {dim} is out of range: a 0-d tensor has no dimensions")
        return st[_ops().norm_dim(dim, d.ndim, "stride")]

    def is_contiguous(self, memory_format=None) -> bool:
        """Whether the elements lie in row-major order with no gaps (size-1 dims ignored)."""
        return bool(self._data.flags.c_contiguous)

    def data_ptr(self) -> int:
        """The address of the first element (host memory for cpu, device memory for cuda)."""
        d = self._data
        if type(d) is np.ndarray:
            return d.__array_interface__["data"][0]
        return int(d.data.ptr)
