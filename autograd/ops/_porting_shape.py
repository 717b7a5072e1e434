"""Structural PyTorch functions that ported code reaches for: broadcast_shapes, unravel_index,
concat, select and the scatters select_scatter / slice_scatter / diagonal_scatter, masked_fill,
narrow_copy, split_with_sizes, cholesky_solve / cholesky_inverse, and the helpers of the
methods ``sum_to_size`` and ``fill_diagonal_`` (torch's semantics, checked against torch in
tests/autograd/test_torch_api_gaps.py).

The scatters are ``SetItem`` (autograd/inplace.py) and ``DiagScatter`` (ops/_diagonal.py) out of
place: gradient to src = the written part of the upstream gradient, to input = the rest.
``CholeskySolve`` is an op of its own whose gradient is PyTorch's formula (the full matrix for
L, as if A = L L^H with every entry of L); cholesky_inverse is cholesky_solve of the identity.
"""

from __future__ import annotations

import math
import numbers
import operator

import numpy as np

from ..dtypes import COMPLEX
from ..errors import ShapeError
from ..function import Function
from ..tensor import Tensor, _wrap
from ._dims import norm_dim
from ._layout_util import _index, _two_dims
from ._porting_math import _broadcastable, _tensor_arg, _xp
from .shape import cat

__all__ = [
    "broadcast_shapes", "unravel_index", "concat", "select", "select_scatter", "slice_scatter",
    "diagonal_scatter", "masked_fill", "narrow_copy", "split_with_sizes", "cholesky_solve",
    "cholesky_inverse",
]  # fmt: skip

concat = cat  # torch.concat: an alias of cat


def _shape_of(v) -> tuple:
    return tuple(getattr(v, "shape", ()))


def _item(v):
    """The Python number held by a 0-d tensor or array (numpy or cupy)."""
    raw = v._data if isinstance(v, Tensor) else v
    return raw.reshape(()).item()


def _check_fill(op: str, value, dtype):
    """``value`` (a Python number) ready to be cast to ``dtype``, or PyTorch's RuntimeError when
    the dtype can't hold it: NaN / inf or a value out of range into an integer dtype (an
    unsigned one takes the ints -max..max, wrapping the negatives, as torch), a finite value
    beyond a float dtype's range, or a non-zero imaginary part into a real dtype.
    Representable values are returned (1.5 into an integer dtype truncates later, as torch); a
    bool dtype takes anything."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return bool(value)
    given, bad = value, False
    if isinstance(value, complex) and dtype.kind != "c":
        bad, value = value.imag != 0, value.real
    parts = (value.real, value.imag) if isinstance(value, complex) else (value,)
    for part in parts:
        finite = isinstance(part, numbers.Integral) or math.isfinite(part)
        if dtype.kind in "iu":
            info = np.iinfo(dtype)
            lo = int(info.min)
            if dtype.kind == "u" and isinstance(part, numbers.Integral):
                lo = -int(info.max)  # torch wraps a negative int: -1 -> 255 (not -1.0)
            bad = bad or not finite or not lo <= part <= int(info.max)
        elif dtype.kind in "fc":
            bad = bad or (finite and abs(part) > float(np.finfo(dtype).max))
    if bad:
        raise RuntimeError(
            f"{op}: value {given!r} cannot be converted to type {dtype} without overflow"
        )
    if dtype.kind == "u" and value < 0:
        return int(value) + int(np.iinfo(dtype).max) + 1  # wraps as torch: -1 -> 255
    return value


def _size_tuple(op: str, s) -> tuple:
    """An int or a sequence of ints as a tuple; TypeError / ValueError otherwise."""
    if isinstance(s, (tuple, list)) or (hasattr(s, "__iter__") and not hasattr(s, "dtype")):
        items = tuple(s)
    else:
        items = (s,)
    try:
        out = tuple(operator.index(v) for v in items)
    except TypeError:
        raise TypeError(f"{op}: shapes must be ints or sequences of ints, got {s!r}") from None
    if any(v < 0 for v in out):
        raise ValueError(f"{op}: shapes cannot have negative values, got {out}")
    return out


def broadcast_shapes(*shapes) -> tuple:
    """The shape that tensors of ``shapes`` broadcast to (a tuple), without making tensors.

    Each shape: an int or a sequence of ints. No shapes: (). ShapeError when they don't
    broadcast.
    """
    norm = [_size_tuple("broadcast_shapes", s) for s in shapes]
    try:
        return tuple(np.broadcast_shapes(*norm))
    except ValueError:
        raise ShapeError(
            "broadcast_shapes: shapes " + ", ".join(str(s) for s in norm) + " cannot be "
            "broadcast to a single shape"
        ) from None


def unravel_index(indices, shape) -> tuple:
    """The coordinates in an array of ``shape`` of the flat (row-major) ``indices``.

    indices: an integer tensor of any shape; shape: an int or a sequence of ints (>= 0).
    Returns a tuple of len(shape) int64 tensors of indices' shape. As torch, indices wrap
    around (floor modulo the sizes): -1 gives the last element's coordinates.
    """
    a = _tensor_arg("unravel_index", "indices", indices)
    if a.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: expected 'indices' to be integer dtype, got {a.dtype}")
    dims = _size_tuple("unravel_index", shape)
    if 0 in dims and a.size:
        raise ValueError(f"unravel_index: a shape with a 0 size ({dims}) has no elements")
    rem = a.astype(np.int64)
    out = []
    for n in reversed(dims):
        out.append(rem % n)
        rem = rem // n
    xp = _xp(a)
    return tuple(_wrap(xp.asarray(o), None, False) for o in reversed(out))


# -- select and the scatters -----------------------------------------------------------------------


def _select_index(op: str, x, dim, index):
    """(d, i): the checked dim and index of select(x, dim, index)."""
    shape = _shape_of(_tensor_arg(op, "input", x))
    if not shape:
        raise IndexError(f"{op}: cannot be applied to a 0-dim tensor")
    d = norm_dim(dim, len(shape), op)
    i = _index(index, op, "index")
    if not -shape[d] <= i < shape[d]:
        raise IndexError(
            f"{op}: index {i} out of range for tensor of size {shape} at dimension {d}"
        )
    return d, i % shape[d]


def select(input, dim, index):  # noqa: A002 - PyTorch's names
    """input[..., index, ...] along ``dim`` (that dim removed); a view of input.

    input: at least 1-D; index in [-size, size) (a 0-d integer tensor too).
    """
    d, i = _select_index("select", input, dim, index)
    return input[(slice(None),) * d + (i,)]


def _scatter(op: str, input, src, index, want):  # noqa: A002
    from ..inplace import SetItem

    got = _shape_of(_tensor_arg(op, "src", src))
    if got != tuple(want):
        raise ShapeError(
            f"{op}: expected src to have a size equal to the slice of input. src size = "
            f"{got}, slice size = {tuple(want)}"
        )
    return SetItem.apply(input, src, index)


def select_scatter(input, src, dim, index):  # noqa: A002 - PyTorch's names
    """A copy of input with ``src`` written at ``index`` along ``dim`` (``select``'s place).

    src: exactly the shape of select(input, dim, index); cast to input's dtype. Gradients: to
    src the selected part of the upstream gradient, to input the rest (zero where written).
    """
    d, i = _select_index("select_scatter", input, dim, index)
    shape = _shape_of(input)
    return _scatter("select_scatter", input, src, (slice(None),) * d + (i,),
                    shape[:d] + shape[d + 1 :])  # fmt: skip


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):  # noqa: A002
    """A copy of input with ``src`` written at ``start:end:step`` along ``dim``.

    start / end: None or ints (negative counts from the end, clamped as Python's slices);
    step > 0. src: exactly the slice's shape; cast to input's dtype. Gradients: to src the
    sliced part of the upstream gradient, to input the rest (zero where written).
    """
    op = "slice_scatter"
    shape = _shape_of(_tensor_arg(op, "input", input))
    if not shape:
        raise IndexError(f"{op}: cannot be applied to a 0-dim tensor")
    d = norm_dim(dim, len(shape), op)
    start = None if start is None else _index(start, op, "start")
    end = None if end is None else _index(end, op, "end")
    step = _index(step, op, "step")
    if step <= 0:
        raise ValueError(f"{op}: slice step must be positive, got {step}")
    s = slice(start, end, step)
    n = len(range(*s.indices(shape[d])))
    return _scatter(op, input, src, (slice(None),) * d + (s,), shape[:d] + (n,) + shape[d + 1 :])


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):  # noqa: A002 - PyTorch's names
    """A copy of input with ``src`` written on the diagonal ``offset`` of dims (dim1, dim2).

    src: exactly the shape of diagonal(input, offset, dim1, dim2) (the other dims, then the
    diagonal's length); cast to input's dtype. Gradients: to src the diagonal of the upstream
    gradient, to input the rest (zero on the diagonal).
    """
    from . import cast, where
    from ._diagonal import DiagScatter

    op = "diagonal_scatter"
    a = _tensor_arg(op, "input", input)
    shape = _shape_of(a)
    if len(shape) < 2:
        raise ShapeError(f"{op}: input must have at least 2 dims, got shape {shape}")
    d1, d2 = _two_dims(dim1, dim2, len(shape), op)
    k = _index(offset, op, "offset")
    n = max(0, min(shape[d1] + min(k, 0), shape[d2] - max(k, 0)))
    want = tuple(s for j, s in enumerate(shape) if j not in (d1, d2)) + (n,)
    got = _shape_of(_tensor_arg(op, "src", src))
    if got != want:
        raise ShapeError(
            f"{op}: expected src to have a size equal to the slice of input. src size = "
            f"{got}, slice size = {want}"
        )
    mask = DiagScatter.apply(_xp(a).ones(want, dtype=bool), k, d1, d2, shape)
    if src.dtype != a.dtype:
        src = cast(src, a.dtype)
    return where(mask, DiagScatter.apply(src, k, d1, d2, shape), input)


def masked_fill(input, mask, value):  # noqa: A002 - PyTorch's names
    """input with ``value`` where ``mask`` is True (mask and input broadcast together).

    mask: a bool tensor; value: a number or a 0-d tensor, cast to input's dtype (a 0-d float
    tensor that requires grad gets the gradient of every filled element). Differentiable in
    input (zero gradient where filled).
    """
    from . import cast, real, where

    a = _tensor_arg("masked_fill", "input", input)
    m = _tensor_arg("masked_fill", "mask", mask)
    if m.dtype != np.bool_:
        raise TypeError(f"masked_fill: only supports boolean masks, got a mask of dtype {m.dtype}")
    _broadcastable("masked_fill", a, m)
    if isinstance(value, Tensor) or hasattr(value, "dtype"):
        if _shape_of(value) != ():
            raise ShapeError(
                "masked_fill: only supports a 0-dimensional value tensor, got one of shape "
                f"{_shape_of(value)}"
            )
        if value.dtype == a.dtype:
            v = value
        else:
            _check_fill("masked_fill", _item(value), a.dtype)
            if np.dtype(value.dtype).kind == "c" and a.dtype.kind != "c":
                value = real(value)  # imag is 0 (checked): drop it without a ComplexWarning
            v = cast(value, a.dtype)
    elif isinstance(value, numbers.Number):
        v = _xp(a).asarray(_check_fill("masked_fill", value, a.dtype)).astype(a.dtype)
    else:
        raise TypeError(f"masked_fill: value must be a number or a 0-d tensor, got {value!r}")
    return where(mask, v, input)


# -- copies and splits -----------------------------------------------------------------------------


def narrow_copy(input, dim, start, length):  # noqa: A002 - PyTorch's names
    """A copy (not a view) of ``narrow(input, dim, start, length)``; differentiable."""
    from . import clone, narrow

    return clone(narrow(input, dim, start, length))


def split_with_sizes(input, split_sizes, dim=0):  # noqa: A002 - PyTorch's names
    """input split along ``dim`` into pieces of ``split_sizes`` (a sequence of non-negative
    ints summing to input.shape[dim]); a tuple of views."""
    from . import split

    if not isinstance(split_sizes, (list, tuple)):
        raise TypeError(
            "split_with_sizes: split_sizes must be a sequence of ints, got "
            f"{type(split_sizes).__name__}"
        )
    return split(input, list(split_sizes), dim)


def sum_to_size(x, *size):
    """x summed down to ``size`` (``Tensor.sum_to_size``): size must broadcast to x's shape;
    the dims it lacks or has as 1 are summed. Differentiable (the gradient broadcasts back)."""
    from . import reshape
    from . import sum as _sum

    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    try:
        size = tuple(operator.index(s) for s in size)
    except TypeError:
        raise TypeError(
            f"sum_to_size: size must be ints or one sequence of ints, got {size!r}"
        ) from None
    shape = _shape_of(x)
    lead = len(shape) - len(size)
    ok = lead >= 0 and all(s in (1, n) for s, n in zip(size, shape[lead:]))
    if not ok:
        raise ShapeError(f"sum_to_size: size {size} is not expandable to size {shape}")
    dims = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(size) if s == 1 and shape[lead + i] != 1
    )
    if not dims:
        return x
    return reshape(_sum(x, dims, True), size)


def fill_diagonal(x, fill_value, wrap=False):
    """x with ``fill_value`` on its main diagonal (the helper of ``Tensor.fill_diagonal_``).

    x: 2-D, or n-D with every dim of one size (positions (i, i, ..., i)); a tall matrix with
    ``wrap`` restarts the diagonal every (ncols + 1) rows, as NumPy's fill_diagonal.
    """
    from . import where

    a = _tensor_arg("fill_diagonal_", "input", x)
    if a.ndim < 2:
        raise ShapeError(f"fill_diagonal_: dimensions must be larger than 1, got shape {a.shape}")
    if a.ndim > 2 and len(set(a.shape)) != 1:
        raise ShapeError(
            f"fill_diagonal_: all dimensions of input must be of equal length, got {a.shape}"
        )
    if isinstance(fill_value, Tensor) or hasattr(fill_value, "dtype"):
        if _shape_of(fill_value) != () or getattr(fill_value, "requires_grad", False):
            raise TypeError(
                "fill_diagonal_: fill_value must be a number or a 0-d tensor that does not "
                f"require grad, got a tensor of shape {_shape_of(fill_value)}"
            )
        fill_value = _item(fill_value)
    if not isinstance(fill_value, numbers.Number):
        raise TypeError(f"fill_diagonal_: fill_value must be a number, got {fill_value!r}")
    fill_value = _check_fill("fill_diagonal_", fill_value, a.dtype)
    mask = np.zeros(a.shape, dtype=bool)
    np.fill_diagonal(mask, True, wrap=bool(wrap))
    xp = _xp(a)
    return where(xp.asarray(mask), xp.asarray(fill_value).astype(a.dtype), x)


# -- cholesky_solve / cholesky_inverse -------------------------------------------------------------


class CholeskySolve(Function):
    """X = A^-1 B for A = L L^H (upper: A = U^H U), by two triangular solves; B (*, n, k) and
    L (*, n, n) with broadcasting batch dims.

    PyTorch's gradient: gB = A^-1 gX (cholesky_solve again), and with C = gB X^H + X gB^H,
    gL = -C L (upper: -U C): the full matrix, as if every entry of L were used.
    """

    __slots__ = ("upper",)
    save_inputs = (1,)
    save_output = True

    def forward(self, b, L, upper):
        from ..linalg import solve_triangular

        self.upper = upper
        lh = L.conj().swapaxes(-1, -2)
        if upper:
            return solve_triangular(L, solve_triangular(lh, b, upper=False), upper=True)
        return solve_triangular(lh, solve_triangular(L, b, upper=False), upper=True)

    def backward(self, gx):
        from . import matmul

        L, x = self.saved
        gb = CholeskySolve.apply(gx, L, self.upper)
        gl = None
        if self.parents[1] is not None:
            c = matmul(gb, _mh(x))
            c = c + _mh(c)
            gl = self.reduce_grad(1, -(matmul(L, c) if self.upper else matmul(c, L)))
        return (None if self.parents[0] is None else self.reduce_grad(0, gb)), gl, None


def _mh(a):
    from . import conj, transpose

    t = transpose(a, -1, -2)
    dt = getattr(a, "dtype", None)
    return conj(t) if dt in COMPLEX else t


def _chol_args(op: str, b, L):
    for name, v in (("B", b), ("L", L)):
        a = _tensor_arg(op, name, v)
        if a.ndim < 2:
            raise ShapeError(f"{op}: {name} must have at least 2 dims, got shape {a.shape}")
        if a.dtype.kind not in "fc":
            raise TypeError(f"{op}: {name} must be floating point or complex, got {a.dtype}")
    ls, bs = _shape_of(L), _shape_of(b)
    if ls[-1] != ls[-2]:
        raise ShapeError(f"{op}: L must be batches of square matrices, got shape {ls}")
    if bs[-2] != ls[-1]:
        raise ShapeError(
            f"{op}: incompatible matrix sizes: each A matrix is {ls[-1]} by {ls[-1]} but each B "
            f"matrix is {bs[-2]} by {bs[-1]}"
        )
    if _raw(b).dtype != _raw(L).dtype:
        raise TypeError(
            f"{op}: expected B and L to have the same dtype, got {_raw(b).dtype} and "
            f"{_raw(L).dtype}"
        )
    try:
        batch = np.broadcast_shapes(bs[:-2], ls[:-2])
    except ValueError:
        raise ShapeError(
            f"{op}: batch dimensions {bs[:-2]} and {ls[:-2]} are not broadcastable"
        ) from None
    return batch


def _raw(v):
    return v._data if isinstance(v, Tensor) else v


def cholesky_solve(input, input2, upper=False):  # noqa: A002 - PyTorch's names
    """X solving A X = B for A = L L^H, given its Cholesky factor L (upper: A = U^H U).

    input: B, (*, n, k); input2: L, (*, n, n), lower triangular (upper triangular when
    ``upper``; only that triangle is read). Batch dims broadcast; returns (*, n, k).
    Differentiable in B and L with PyTorch's gradients.
    """
    from . import expand

    B, L = input, input2
    batch = _chol_args("cholesky_solve", B, L)
    bs = _shape_of(B)
    if tuple(bs[:-2]) != tuple(batch):
        B = expand(B, tuple(batch) + tuple(bs[-2:]))
    return CholeskySolve.apply(B, L, bool(upper))


def cholesky_inverse(input, upper=False):  # noqa: A002 - PyTorch's names
    """A^-1 for A = L L^H given its Cholesky factor L = ``input`` (upper: A = U^H U).

    input: (*, n, n), lower triangular (upper triangular when ``upper``); returns (*, n, n).
    Differentiable with PyTorch's gradient (cholesky_solve of the identity). A factor with a
    zero on its diagonal (A singular) raises ``LinAlgError``, as torch.
    """
    from ._decomp_util import _check_info

    L = input
    a = _tensor_arg("cholesky_inverse", "input", L)
    if a.ndim < 2:
        raise ShapeError(f"cholesky_inverse: input must have at least 2 dims, got shape {a.shape}")
    if a.shape[-1] != a.shape[-2]:
        raise ShapeError(
            f"cholesky_inverse: input must be batches of square matrices, got shape {a.shape}"
        )
    if a.dtype.kind not in "fc":
        raise TypeError(f"cholesky_inverse: input must be floating point or complex, got {a.dtype}")
    n = a.shape[-1]
    xp = _xp(a)
    if n:
        zero = xp.diagonal(a, axis1=-2, axis2=-1) == 0
        info = xp.where(zero.any(-1), zero.argmax(-1) + 1, 0)
        _check_info(
            "cholesky_inverse",
            info,
            lambda k: (
                f"The diagonal element {k} is zero, the inversion could not be completed "
                "because the input matrix is singular."
            ),
            a.ndim > 2,
        )
    eye = xp.broadcast_to(xp.eye(n, dtype=a.dtype), a.shape)
    return cholesky_solve(eye, L, upper)
