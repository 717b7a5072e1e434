"""``Tensor``'s shape methods: the size queries and transposes (``T``, ``mT``, ``size``,
``numel``, ``dim``, ``element_size``), ``reshape``, ``view``, ``transpose``, ``permute``,
``expand``, ``squeeze``, ``split``, ``gather``, ``masked_fill``, ``contiguous``, ... and
``new_tensor``, ``new_zeros``, ``new_ones``, ``new_empty``. Moved verbatim from ``tensor.py``
(``new_full`` stays there: it imports ``autograd.factory`` relative to that package).
"""

from __future__ import annotations

import numpy as np

from backends import array_module

# names of autograd/tensor.py, bound by its last line (``bind_tensor_names``): this module
# loads before they exist, since ``Tensor`` inherits from the class below
_FROM_TENSOR = ("Tensor", "_ops", "_size_arg", "tensor")
Tensor = _ops = _size_arg = tensor = None


class ShapeMethods:
    """The shape methods of ``Tensor``."""

    __slots__ = ()

    # -- shape ---------------------------------------------------------------------------------

    @property
    def T(self) -> Tensor:
        """All dimensions reversed (``permute(n-1, ..., 0)``)."""
        return _ops.permute(self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped (batched matrix transpose)."""
        if self.ndim < 2:
            raise IndexError(f"mT: needs at least 2 dimensions, got a tensor of shape {self.shape}")
        return _ops.transpose(self, -2, -1)

    def size(self, dim: int | None = None):
        """The shape, or its length along ``dim``."""
        if dim is None:
            return self._data.shape
        return self._data.shape[_ops.norm_dim(dim, self.ndim, "size")]

    def numel(self) -> int:
        """The number of elements."""
        return int(self._data.size)

    def dim(self) -> int:
        """Number of dimensions (PyTorch spelling of ``ndim``)."""
        return self._data.ndim

    def element_size(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    def reshape(self, *shape):
        """See ``autograd.reshape``: x with a new shape (one dim may be -1); a view when..."""
        return _ops.reshape(self, *shape)

    def view(self, *shape, dtype=None):
        """See ``autograd.view``: reshape that is always a view (raises when it would copy).

        ``view(dtype)`` (PyTorch's): the bytes reinterpreted as ``dtype``, sharing memory and
        version counter, not differentiable (the result never requires grad). (..., n) ->
        (..., n * element_size() // dtype's itemsize); a different itemsize needs stride(-1)
        == 1 and, to a larger one, divisible size(-1), strides and offset (see
        ``autograd.ops.complex_parts.view_dtype``).
        """
        if dtype is None and len(shape) == 1:
            a = shape[0]
            if isinstance(a, (np.dtype, str)) or (
                isinstance(a, type)
                and (issubclass(a, np.generic) or a in (bool, int, float, complex))
            ):
                dtype, shape = a, ()
        if dtype is not None:
            if shape:
                raise TypeError(f"view: pass a shape or a dtype, got both {shape} and {dtype}")
            return _ops.complex_parts.view_dtype(self, dtype)
        return _ops.view(self, *shape)

    def view_as(self, other):
        """Viewed as ``other``'s shape (see ``view``)."""
        return _ops.view(self, other.shape)

    def reshape_as(self, other):
        """Reshaped to ``other``'s shape."""
        return _ops.reshape(self, other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        """See ``autograd.flatten``: Dims ``start_dim..end_dim`` (inclusive) merged into..."""
        return _ops.flatten(self, start_dim, end_dim)

    def transpose(self, *dims):
        """``transpose(d0, d1)`` swaps two dims; ``transpose(perm)`` permutes them."""
        if len(dims) == 2 and not isinstance(dims[0], (tuple, list)):
            return _ops.transpose(self, dims[0], dims[1])
        return _ops.permute(self, *dims) if dims else self.T

    def swapaxes(self, a, b):
        """Swap dims ``a`` and ``b``."""
        return _ops.transpose(self, a, b)

    def permute(self, *dims):
        """See ``autograd.permute``: x with dims reordered: ``permute(x, 2, 0, 1)`` or..."""
        return _ops.permute(self, *dims)

    def expand(self, *shape):
        """See ``autograd.expand``: x broadcast to ``shape``; -1 keeps a dimension..."""
        return _ops.expand(self, *shape)

    def expand_as(self, other):
        """Broadcast to ``other``'s shape."""
        return _ops.expand(self, other.shape)

    def broadcast_to(self, shape):
        """See ``autograd.broadcast_to``: x broadcast to ``shape`` (a read-only view); the..."""
        return _ops.broadcast_to(self, shape)

    def squeeze(self, dim=None, *, axis=None):
        """See ``autograd.squeeze``: x without size-1 dims: all of them (dim None), or those..."""
        return _ops.squeeze(self, dim, axis=axis)

    def unsqueeze(self, dim):
        """See ``autograd.unsqueeze``: x with a size-1 dim inserted at ``dim`` (in [-ndim-1,..."""
        return _ops.unsqueeze(self, dim)

    def flip(self, *dims):
        """See ``autograd.flip``: x reversed along ``dims`` (ints, or one tuple/list); no..."""
        return _ops.flip(self, *dims)

    def repeat(self, *sizes):
        """See ``autograd.repeat``: ``torch.Tensor.repeat``: x tiled ``sizes[i]`` times..."""
        return _ops.repeat(self, *sizes)

    def tile(self, *reps):
        """See ``autograd.tile``: ``torch.tile`` / ``numpy.tile``: like ``repeat``, but..."""
        return _ops.tile(self, *reps)

    def split(self, split_size_or_sections, dim=0):
        """See ``autograd.split``: Split x along ``dim`` into pieces; each piece is a slice..."""
        return _ops.split(self, split_size_or_sections, dim)

    def chunk(self, chunks, dim=0):
        """See ``autograd.chunk``: Split x along ``dim`` into ``chunks`` pieces of size..."""
        return _ops.chunk(self, chunks, dim)

    def index_select(self, dim, index):
        """See ``autograd.index_select``: x's entries at ``index`` along ``dim``; repeated..."""
        return _ops.index_select(self, dim, index)

    def gather(self, dim, index):
        """See ``autograd.gather``: ``torch.gather``: out[i][j][k] = x[i][index[i][j][k]][k]..."""
        return _ops.gather(self, dim, index)

    def scatter_add(self, dim, index, src):
        """See ``autograd.scatter_add``: ``torch.scatter_add`` (out of place): y = x;..."""
        return _ops.scatter_add(self, dim, index, src)

    def masked_fill(self, mask, value):
        """``value`` where ``mask`` (bool, broadcast to self) is True, else self; the value is
        cast to self's dtype as torch (see ``ag.masked_fill``). Differentiable in self."""
        return _ops.masked_fill(self, mask, value)

    def masked_fill_(self, mask, value) -> Tensor:
        """``self[mask] = value`` in place (mask broadcast to self's shape)."""
        m = mask._data if isinstance(mask, Tensor) else mask
        self[array_module(self._data).broadcast_to(m, self.shape)] = value
        return self

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False) -> Tensor:
        """A new tensor of ``data`` with self's dtype and device unless given."""
        return tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                      requires_grad=requires_grad)  # fmt: skip

    def new_zeros(self, *args, size=None, dtype=None, device=None, requires_grad=False) -> Tensor:
        """Zeros of shape ``size``, self's dtype and device unless given."""
        return self.new_full(_size_arg(args) if size is None else size, 0, dtype, device,
                             requires_grad)  # fmt: skip

    def new_ones(self, *args, size=None, dtype=None, device=None, requires_grad=False) -> Tensor:
        """Ones of shape ``size``, self's dtype and device unless given."""
        return self.new_full(_size_arg(args) if size is None else size, 1, dtype, device,
                             requires_grad)  # fmt: skip

    def new_empty(self, *args, size=None, dtype=None, device=None, requires_grad=False) -> Tensor:
        """An uninitialised tensor of shape ``size``, self's dtype and device unless given."""
        return self.new_full(_size_arg(args) if size is None else size, 0, dtype, device,
                             requires_grad)  # fmt: skip

    def contiguous(self):
        """Self when its array is C-contiguous, else a C-contiguous copy (differentiable)."""
        if self._data.flags.c_contiguous:
            return self
        return _ops.clone(self)
