"""Shape ops: reshape, permute, broadcast, squeeze/unsqueeze, indexing (and the rest).

Ops whose output may be a view of the input (reshape, permute, getitem with basic indices,
broadcast_to, ...) share the input's version counter, so an in-place change through either one
is seen by every record that saved the other.
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..function import Function
from ..tensor import Tensor
from ._dims import ndim_of as _ndim
from ._dims import norm_dim

__all__ = [
    "Reshape", "Permute", "BroadcastTo", "GetItem", "IndexAdd", "share_version", "getitem",
    "reshape", "view", "permute", "transpose", "swapaxes", "broadcast_to", "expand",
]  # fmt: skip


def share_version(x, out):
    """Give a view ``out`` the version counter of ``x`` (both Tensors); returns ``out``."""
    if isinstance(out, Tensor) and isinstance(x, Tensor):
        vc = x._vc
        if vc is None:
            vc = x._vc = [0]
        out._vc = vc
    return out


def norm_shape(shape, op: str = "reshape"):
    """Accept ``f(2, 3)``, ``f((2, 3))`` or ``f([2, 3])``; returns a tuple of ints."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        return tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: shape must be ints, got {shape!r}") from None


class Reshape(Function):
    """y = x viewed with a new shape (one -1 allowed); gy is reshaped back."""

    __slots__ = ("xshape",)

    def forward(self, x, shape):
        self.xshape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ShapeError(
                f"reshape: shape {tuple(shape)} is invalid for input of shape {tuple(x.shape)} "
                f"({x.size} elements)"
            ) from None

    def backward(self, gy):
        return gy.reshape(self.xshape), None


class Permute(Function):
    """y = x with dimensions reordered by ``perm``; gy is permuted by the inverse."""

    __slots__ = ("perm",)

    def forward(self, x, perm):
        self.perm = perm
        return x.transpose(perm)

    def backward(self, gy):
        inv = tuple(np.argsort(self.perm))
        return gy.transpose(inv) if isinstance(gy, np.ndarray) else Permute.apply(gy, inv), None


class BroadcastTo(Function):
    """y = x broadcast to ``shape`` (a read-only view); gy is summed back to x's shape."""

    __slots__ = ()

    def forward(self, x, shape):
        try:
            xp = np if type(x) is np.ndarray else _xp(x)
            return xp.broadcast_to(x, shape)
        except ValueError:
            raise ShapeError(
                f"expand: the tensor of shape {tuple(x.shape)} can't be broadcast to {tuple(shape)}"
            ) from None

    def backward(self, gy):
        return self.reduce_grad(0, gy), None


def _xp(a):
    from backends import array_module

    return array_module(a)


def _raw_index(index):
    """Replace Tensors inside an index by their arrays (tuples, lists of ints kept)."""
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


def _is_basic(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (slice, int, np.integer)) for i in items)


class GetItem(Function):
    """y = x[index]: ints, slices (any step), None, Ellipsis, integer arrays, bool masks.

    Backward scatter-adds gy into zeros of x's shape, so repeated indices accumulate.
    """

    __slots__ = ("index", "xshape")

    def forward(self, x, index):
        self.index = index
        self.xshape = x.shape
        try:
            return x[index]
        except IndexError as e:
            raise IndexError(f"getitem: {e} (tensor shape {tuple(x.shape)})") from None

    def backward(self, gy):
        return IndexAdd.apply(gy, self.index, self.xshape), None


class IndexAdd(Function):
    """y = zeros(shape) with g added at ``index``: the adjoint of GetItem (and vice versa)."""

    __slots__ = ("index",)

    def forward(self, g, index, shape):
        self.index = index
        xp = np if type(g) is np.ndarray else _xp(g)
        out = xp.zeros(shape, dtype=g.dtype)
        if _is_basic(index):
            out[index] = g
        elif xp is np:
            np.add.at(out, index, g)
        else:
            import cupyx

            cupyx.scatter_add(out, index, g)
        return out

    def backward(self, gy):
        return GetItem.apply(gy, self.index), None, None


def getitem(x, index):
    """``x[index]`` with numpy's indexing semantics; returns a Tensor of the indexed shape."""
    index = _raw_index(index)
    out = GetItem.apply(x, index)
    if _is_basic(index):
        share_version(x, out)
    return out


def norm_perm(dims, ndim, op="permute"):
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    perm = tuple(norm_dim(d, ndim, op) for d in dims)
    if len(perm) != ndim or sorted(perm) != list(range(ndim)):
        raise ValueError(f"{op}: dims {tuple(dims)} must be a permutation of the {ndim} dimensions")
    return perm


def reshape(x, *shape):
    """x with a new shape (one dim may be -1); a view when possible."""
    out = Reshape.apply(x, norm_shape(shape))
    return share_version(x, out)


view = reshape


def permute(x, *dims):
    """x with dims reordered: ``permute(x, 2, 0, 1)`` or ``permute(x, (2, 0, 1))``."""
    return share_version(x, Permute.apply(x, norm_perm(dims, _ndim(x))))


def transpose(x, dim0=-2, dim1=-1):
    """x with ``dim0`` and ``dim1`` swapped."""
    n = _ndim(x)
    a, b = norm_dim(dim0, n, "transpose"), norm_dim(dim1, n, "transpose")
    perm = list(range(n))
    perm[a], perm[b] = perm[b], perm[a]
    return share_version(x, Permute.apply(x, tuple(perm)))


swapaxes = transpose


def broadcast_to(x, shape):
    """x broadcast to ``shape`` (a read-only view); the gradient is summed back."""
    shape = norm_shape((shape,), "broadcast_to")
    if tuple(x.shape) == shape:
        return x
    return share_version(x, BroadcastTo.apply(x, shape))


def expand(x, *shape):
    """x broadcast to ``shape``; -1 keeps a dimension (PyTorch's expand)."""
    shape = norm_shape(shape, "expand")
    lead = len(shape) - _ndim(x)
    full = tuple(x.shape[i - lead] if (s == -1 and i >= lead) else s for i, s in enumerate(shape))
    return broadcast_to(x, full)
