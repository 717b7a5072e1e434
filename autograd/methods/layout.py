"""Tensor methods calling the entry points in ``autograd/ops/layout.py``, ``unfold`` (sliding
windows), and the queries (strides, contiguity, sizes in bytes, data pointer, ``type()``,
``equal``) that need no op."""

from __future__ import annotations

import operator

import numpy as np

# type() names: PyTorch's legacy tensor type names under this library's prefix
_TYPE_NAMES = {
    np.dtype(np.float16): "HalfTensor",
    np.dtype(np.float32): "FloatTensor",
    np.dtype(np.float64): "DoubleTensor",
    np.dtype(np.int8): "CharTensor",
    np.dtype(np.uint8): "ByteTensor",
    np.dtype(np.int16): "ShortTensor",
    np.dtype(np.int32): "IntTensor",
    np.dtype(np.int64): "LongTensor",
    np.dtype(np.bool_): "BoolTensor",
    np.dtype(np.complex64): "ComplexFloatTensor",
    np.dtype(np.complex128): "ComplexDoubleTensor",
}
_BY_NAME = {v: k for k, v in _TYPE_NAMES.items()}


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

    def unfold(self, dimension, size, step):
        """Sliding windows of ``size`` elements along ``dimension``, ``step`` apart, as a new last
        dim: (..., n, ...) -> (..., (n - size) // step + 1, ..., size), as ``torch.Tensor.unfold``
        (a 0-d tensor counts as one element: the result is (size,)). A view of self, as in
        PyTorch: it shares self's memory and version counter, so writes to either reach the
        other. Differentiable (overlapping windows sum their gradients).
        """
        return _unfold(self, dimension, size, step)

    def trunc(self):
        """See ``autograd.trunc``: rounded toward zero; zero gradient."""
        return _ops().trunc(self)

    fix = trunc

    def isinf(self):
        """See ``autograd.isinf``: whether each element is +-inf (bool)."""
        return _ops().isinf(self)

    # -- queries (no op) -----------------------------------------------------------------------

    def nelement(self) -> int:
        """The number of elements (alias of ``numel()``)."""
        return int(self._data.size)

    def equal(self, other) -> bool:
        """Whether ``other`` has self's shape and equal elements (a Python bool, as
        ``torch.equal``); dtypes may differ (values compared after promotion), NaN != NaN."""
        from ..tensor import Tensor

        if not isinstance(other, Tensor):
            raise TypeError(f"equal: other must be a Tensor, got {type(other).__name__}")
        a, b = self._data, other._data
        if type(a) is not type(b):
            raise RuntimeError(
                "Expected all tensors to be on the same device, but got "
                f"{self.device} and {other.device} (in equal)"
            )
        return a.shape == b.shape and bool((a == b).all())

    def type(self, dtype=None, non_blocking=False, **kwargs):
        """With no dtype: the type name, PyTorch's legacy name under this library's prefix:
        ``'autograd.FloatTensor'`` (float32), ``DoubleTensor``, ``HalfTensor``, ``CharTensor``
        (int8), ``ByteTensor`` (uint8), ``ShortTensor``, ``IntTensor``, ``LongTensor``,
        ``BoolTensor``, ``ComplexFloatTensor``, ``ComplexDoubleTensor``;
        ``'autograd.cuda.FloatTensor'`` on a GPU. With a dtype, a dtype name
        (``'float64'``) or a type name (``'autograd.DoubleTensor'``, ``'torch.DoubleTensor'``,
        ``'torch.cuda.FloatTensor'``: also moves to that device): self cast as ``to()`` does
        (self itself when nothing changes)."""
        if dtype is None:
            cuda = ".cuda" if self.device.startswith("cuda") else ""
            return f"autograd{cuda}.{_TYPE_NAMES[self._data.dtype]}"
        device = None
        if isinstance(dtype, str):
            parts = dtype.split(".")
            if len(parts) > 1 and parts[0] in ("autograd", "torch") and parts[-1] in _BY_NAME:
                if parts[1:-1] not in ([], ["cuda"]):
                    raise ValueError(f"type: invalid type {dtype!r}")
                device = "cuda" if parts[1:-1] == ["cuda"] else "cpu"
                dtype = _BY_NAME[parts[-1]]
        from ..dtypes import as_dtype

        try:
            dt = as_dtype(dtype)
        except TypeError:
            if isinstance(dtype, str):
                raise ValueError(f"type: invalid type {dtype!r}") from None
            raise TypeError(
                f"type: dtype must be a dtype or a type name string, got {type(dtype).__name__}"
            ) from None
        if device is not None and (device == "cpu") == (self.device == "cpu"):
            device = None
        if dt == self._data.dtype and device is None:
            return self
        return self.to(dt) if device is None else self.to(device, dt)

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


def _unfold(x, dimension, size, step):
    op = "unfold"
    ops = _ops()
    for name, v in (("size", size), ("step", step)):
        try:
            operator.index(v)
        except TypeError:
            raise TypeError(f"{op}: {name} must be an int, got {type(v).__name__}") from None
    size, step = operator.index(size), operator.index(step)
    shape = tuple(x.shape)
    d = ops.norm_dim(dimension, len(shape), op)
    n = shape[d] if shape else 1  # a 0-d tensor: one element along dim 0
    if size < 0:
        raise ValueError(f"{op}: size is {size} but must be >= 0")
    if size > n:
        raise ValueError(
            f"{op}: maximum size for tensor at dimension {d} is {n} but size is {size}"
        )
    if step <= 0:
        raise ValueError(f"{op}: step is {step} but must be > 0")
    if not shape:  # PyTorch's: the result is (size,), the windows' dim absent
        return ops.reshape(x, (1,))[:size]
    return ops.share_version(x, _unfold_fn().apply(x, d, size, step))


_UNFOLD = None


def _unfold_fn():
    """The ``Unfold`` Function class, made on first use (``autograd.function`` imports the tensor
    module, which imports this one)."""
    global _UNFOLD
    if _UNFOLD is None:
        from ..function import Function
        from ..ops._index import IndexAdd

        class Unfold(Function):
            """y = the windows of x along dim d, a view of x's memory: (..., n, ...) ->
            (..., count, ..., size), y[..., i, ..., k] = x[..., i * step + k, ...];
            gx = the scatter-add of gy's windows (overlapping windows sum)."""

            __slots__ = ("d", "size", "step", "xshape")
            complex_ok = True  # moves or sums gy only

            def forward(self, x, d, size, step):
                self.d, self.size, self.step, self.xshape = d, size, step, x.shape
                count = (x.shape[d] - size) // step + 1
                st = x.strides
                xp = _xp(x)
                return xp.lib.stride_tricks.as_strided(
                    x,
                    shape=x.shape[:d] + (count,) + x.shape[d + 1 :] + (size,),
                    strides=st[:d] + (st[d] * step,) + st[d + 1 :] + (st[d],),
                )

            def backward(self, gy):
                d, size, step, shape = self.d, self.size, self.step, self.xshape
                count = (shape[d] - size) // step + 1
                ops = _ops()
                xp = _xp(getattr(gy, "_data", gy))  # gy: an array, or a Tensor (create_graph)
                idx = xp.asarray(
                    (np.arange(count)[:, None] * step + np.arange(size)[None, :]).reshape(-1)
                )
                g = ops.movedim(gy, -1, d + 1)  # (..., count, size, ...)
                g = g.reshape(shape[:d] + (count * size,) + shape[d + 1 :])
                return IndexAdd.apply(g, (slice(None),) * d + (idx,), shape), None, None, None

        _UNFOLD = Unfold
    return _UNFOLD


def _xp(a):
    from backends import array_module

    return array_module(a)
