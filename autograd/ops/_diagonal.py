"""Triangles and diagonals: triu, tril, triu_indices, tril_indices, diagonal, diag_embed,
diag, diagflat and block_diag (PyTorch's semantics). ``Triangle`` (triu/tril) and the pair
``Diagonal`` / ``DiagScatter`` (each the other's adjoint) are ops of their own; ``diagonal``
returns a view sharing x's memory and version counter.
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..function import Function
from ..tensor import Tensor
from ._dims import ndim_of as _ndim
from ._layout_util import _index, _mod, _need_dims, _two_dims
from .shape import _as_operand, _shape_str, cat, reshape, share_version

__all__ = [
    "triu", "tril", "diag", "diagonal", "diag_embed", "diagflat", "block_diag", "triu_indices",
    "tril_indices",
]  # fmt: skip


# -- triangles -------------------------------------------------------------------------------------


class Triangle(Function):
    """y = x with the entries outside a triangle of the last two dims zeroed; gx = same on gy.

    upper: keep j >= i + k (triu); else keep j <= i + k (tril).
    """

    __slots__ = ("k", "upper")
    complex_ok = True  # moves or sums gy only

    def forward(self, x, k, upper):
        self.k, self.upper = k, upper
        xp = _mod(x)
        n, m = x.shape[-2:]
        keep = ~xp.tri(n, m, k - 1, dtype=bool) if upper else xp.tri(n, m, k, dtype=bool)
        return xp.where(keep, x, xp.zeros((), x.dtype))

    def backward(self, gy):
        return Triangle.apply(gy, self.k, self.upper), None, None


def triu(x, diagonal=0):
    """The upper triangle of the last two dims (j >= i + diagonal), zeros elsewhere.

    x: (..., n, m) -> (..., n, m). diagonal > 0 starts above the main diagonal.
    """
    _need_dims(x, 2, "triu")
    return Triangle.apply(x, _index(diagonal, "triu", "diagonal"), True)


def tril(x, diagonal=0):
    """The lower triangle of the last two dims (j <= i + diagonal), zeros elsewhere.

    x: (..., n, m) -> (..., n, m). diagonal < 0 stops below the main diagonal.
    """
    _need_dims(x, 2, "tril")
    return Triangle.apply(x, _index(diagonal, "tril", "diagonal"), False)


def _tri_indices(row, col, offset, dtype, device, op, upper):
    from .. import dtypes as _dt
    from ..factory import _finish

    row, col = _index(row, op, "row"), _index(col, op, "col")
    offset = _index(offset, op, "offset")
    if row < 0 or col < 0:
        raise ValueError(f"{op}: row and col must be non-negative, got row={row}, col={col}")
    dt = _dt.as_dtype(dtype)
    if dt.kind not in "iu":
        raise TypeError(f"{op}: dtype must be an integer dtype, got {dt}")
    fn = np.triu_indices if upper else np.tril_indices
    i, j = fn(row, offset, col)
    return _finish(np.stack([i, j]).astype(dt), device, False)


def triu_indices(row, col, offset=0, *, dtype=np.int64, device=None):
    """Indices of the upper triangle (j >= i + offset) of a row x col matrix, row-major.

    Returns an int64 tensor of shape (2, N): row indices, then column indices. No gradient.
    """
    return _tri_indices(row, col, offset, dtype, device, "triu_indices", True)


def tril_indices(row, col, offset=0, *, dtype=np.int64, device=None):
    """Indices of the lower triangle (j <= i + offset) of a row x col matrix, row-major.

    Returns an int64 tensor of shape (2, N): row indices, then column indices. No gradient.
    """
    return _tri_indices(row, col, offset, dtype, device, "tril_indices", False)


# -- diagonals -------------------------------------------------------------------------------------


def _diag_view(a, offset, d1, d2):
    d = a.diagonal(offset, d1, d2)
    if type(d) is np.ndarray and not d.flags.writeable and a.flags.writeable:
        d.flags.writeable = True  # NumPy hands diagonals out read-only; PyTorch's are writable
    return d


class Diagonal(Function):
    """y = the diagonal ``offset`` of dims (d1, d2), appended as the last dim (a view unless
    ``copy``); gx = DiagScatter(gy) (zeros with gy on that diagonal)."""

    __slots__ = ("offset", "d1", "d2", "xshape")
    complex_ok = True  # moves or sums gy only

    def forward(self, x, offset, d1, d2, copy):
        self.offset, self.d1, self.d2, self.xshape = offset, d1, d2, x.shape
        d = _diag_view(x, offset, d1, d2)
        return d.copy() if copy else d

    def backward(self, gy):
        g = DiagScatter.apply(gy, self.offset, self.d1, self.d2, self.xshape)
        return g, None, None, None, None


class DiagScatter(Function):
    """y = zeros(shape) with g's last dim on the diagonal ``offset`` of dims (d1, d2) and g's
    other dims along the remaining ones; the adjoint of Diagonal (gx = Diagonal(gy))."""

    __slots__ = ("offset", "d1", "d2")
    complex_ok = True  # moves or sums gy only

    def forward(self, g, offset, d1, d2, shape):
        self.offset, self.d1, self.d2 = offset, d1, d2
        xp = _mod(g)
        out = xp.zeros(shape, dtype=g.dtype)
        rest = [k for k in range(len(shape)) if k not in (d1, d2)]
        i = xp.arange(g.shape[-1])
        # advanced indices on the two last dims of a transposed view: result dims = rest + (L,)
        out.transpose(rest + [d1, d2])[..., i + max(-offset, 0), i + max(offset, 0)] = g
        return out

    def backward(self, gy):
        return Diagonal.apply(gy, self.offset, self.d1, self.d2, False), None, None, None, None


def diagonal(x, offset=0, dim1=0, dim2=1):
    """The diagonal ``offset`` of dims (dim1, dim2), appended as the last dim; a view of x.

    x: (..., n1, ..., n2, ...) -> (... without dim1 and dim2 ..., L) with
    L = max(0, min(n1 + min(offset, 0), n2 - max(offset, 0))). offset > 0: above the diagonal.
    """
    d1, d2 = _two_dims(dim1, dim2, _ndim(x), "diagonal")
    return share_version(x, Diagonal.apply(x, _index(offset, "diagonal", "offset"), d1, d2, False))


def diag_embed(x, offset=0, dim1=-2, dim2=-1):
    """Matrices whose diagonal ``offset`` (in dims dim1, dim2 of the output) is x's last dim.

    x: (..., n) -> ndim + 1 dims: dim1 and dim2 of size n + |offset|, x's other dims in order
    in the remaining positions; zeros off the diagonal.
    """
    n = _ndim(x)
    offset = _index(offset, "diag_embed", "offset")
    d1, d2 = _two_dims(dim1, dim2, n + 1, "diag_embed")
    m = x.shape[-1] + abs(offset)
    rest = iter(x.shape[:-1])
    shape = tuple(m if k in (d1, d2) else next(rest) for k in range(n + 1))
    return DiagScatter.apply(x, offset, d1, d2, shape)


def diag(x, diagonal=0):
    """1-D x (n,): the (n + |diagonal|)-square matrix with x on that diagonal.
    2-D x (n, m): a copy of its diagonal ``diagonal`` (a 1-D tensor)."""
    k = _index(diagonal, "diag", "diagonal")
    n = _ndim(x)
    if n == 1:
        m = x.shape[0] + abs(k)
        return DiagScatter.apply(x, k, 0, 1, (m, m))
    if n == 2:
        return Diagonal.apply(x, k, 0, 1, True)
    raise ShapeError(f"diag: supports 1-D or 2-D tensors, got shape {_shape_str(x.shape)}")


def diagflat(x, offset=0):
    """The square matrix with x flattened on its diagonal ``offset``: (N,) of any shape of N
    elements -> (N + |offset|, N + |offset|)."""
    return diag(reshape(x, -1), offset)


def block_diag(*tensors):
    """Block-diagonal matrix of the inputs: each 0-D (as 1x1), 1-D (n,) (as 1xn) or 2-D.

    (r_i, c_i) blocks -> (sum r_i, sum c_i), zeros off the blocks; dtypes promote as cat's.
    No input gives shape (1, 0), as PyTorch.
    """
    items = [_as_operand(t) for t in tensors]
    if not items:
        from ..dtypes import get_default_dtype

        return Tensor(np.zeros((1, 0), dtype=get_default_dtype()))
    for i, t in enumerate(items):
        if _ndim(t) > 2:
            raise ShapeError(f"block_diag: inputs must have at most 2 dims, input {i} is {t.shape}")
    blocks = [reshape(t, (1, -1)) if _ndim(t) < 2 else t for t in items]
    cols = [b.shape[1] for b in blocks]
    total, left, rows = sum(cols), 0, []
    for b, c in zip(blocks, cols):
        rows.append(_pad_cols(b, left, total - left - c))
        left += c
    return cat(rows, 0)


def _pad_cols(b, left, right):
    from .shape import pad

    return pad(b, (left, right)) if left or right else b
