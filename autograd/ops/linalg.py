"""Linear algebra: products (mm, bmm, mv, dot, outer, tensordot, ...) and decompositions and
solvers (inv, det, solve, cholesky, qr, eigh, svd, ...), batched over leading dims like PyTorch.

Products go through ``Matmul`` (the backend kernel set), or are compositions of differentiable
ops. Decompositions call the input's array module (``numpy.linalg`` or ``cupy.linalg``) and write
their derivative with autograd ops: matmul, transposes, constant triangular masks, and this
module's own inverse and solves, so every rule is differentiable again (second order works).
An op with several differentiable outputs (qr, eigh, svd) returns one packed array, its outputs
flattened and concatenated along the last dim; the entry point slices them apart, and backward
slices ``gy`` and the saved packed output the same way.

The functions of ``torch.linalg`` (inv, solve, qr, eigh, svd, norms, ...) are not in
``__all__`` (so not top-level ``autograd`` names): ``autograd/linalg.py`` re-exports them from
here, with ``linalg_cross``, ``linalg_norm``, ``linalg_slogdet`` and ``linalg_matmul`` under
their torch.linalg names.
"""

from __future__ import annotations

import math
import operator
import warnings
from collections import namedtuple

import numpy as np

from backends import array_module

from ..errors import ShapeError
from ..function import Function
from ..tensor import Tensor, _wrap
from ._dims import norm_dim
from .arithmetic import Matmul

__all__ = [
    "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm", "addmv", "addbmm",
    "baddbmm", "tensordot", "trace", "kron", "cross", "chain_matmul", "matrix_power", "inverse",
    "det", "logdet", "slogdet", "pinverse", "cholesky",
]  # fmt: skip

# result types, as torch.return_types
SlogdetResult = namedtuple("slogdet", ["sign", "logabsdet"])
LinalgSlogdetResult = namedtuple("linalg_slogdet", ["sign", "logabsdet"])
QRResult = namedtuple("linalg_qr", ["Q", "R"])
EighResult = namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
SVDResult = namedtuple("linalg_svd", ["U", "S", "Vh"])


class LinAlgError(RuntimeError):
    """A factorisation or inversion failed: a singular matrix, a matrix that is not positive
    definite, an SVD that did not converge (``torch.linalg.LinAlgError``)."""


# -- helpers ------------------------------------------------------------------------------------


def _f():
    from .. import ops  # late: ops/__init__ imports this module

    return ops


def _raw(v):
    return v._data if isinstance(v, Tensor) else v


def _xp(a):
    return np if type(a) is np.ndarray else array_module(a)


def _arg(v):
    """A Tensor or array as is; nested lists and scalars as a numpy array."""
    if isinstance(v, Tensor) or (hasattr(v, "shape") and hasattr(v, "dtype")):
        return v
    return np.asarray(v)


def _like(x, arr):
    """``arr`` as a Tensor without grad when ``x`` is a Tensor, else as an array."""
    if isinstance(arr, np.generic):
        arr = np.asarray(arr)
    return _wrap(arr, None, False) if isinstance(x, Tensor) else arr


def _shape(x) -> tuple:
    return tuple(int(s) for s in x.shape)


def _T(x):
    return x.swapaxes(-1, -2)


def _mm(a, b):
    return Matmul.apply(a, b)


def _eye(like, n):
    r = _raw(like)
    return _xp(r).eye(n, dtype=r.dtype)


def _tril(x, k=0):
    """x with the entries above diagonal ``k`` zeroed (a constant mask: differentiable)."""
    r = _raw(x)
    return x * _xp(r).tri(r.shape[-2], r.shape[-1], k, dtype=r.dtype)


def _triu(x, k=0):
    r = _raw(x)
    return x * (1 - _xp(r).tri(r.shape[-2], r.shape[-1], k - 1, dtype=r.dtype))


def _diag(x):
    """(..., n, n) -> (..., n): the main diagonal."""
    return _f().einsum("...ii->...i", x)


def _diag_embed(v):
    """(..., n) -> (..., n, n) with v on the diagonal."""
    return v.reshape(_shape(v) + (1,)) * _eye(v, v.shape[-1])


def _col(v):
    """(..., n) -> (..., n, 1)."""
    return v.reshape(_shape(v) + (1,))


def _row(v):
    """(..., n) -> (..., 1, n)."""
    s = _shape(v)
    return v.reshape(s[:-1] + (1, s[-1]))


def _check_float(op, x):
    dt = _raw(x).dtype
    if dt.kind not in "fc":
        raise TypeError(f"{op}: expected a floating point tensor as input, got dtype {dt}")
    if dt.itemsize < 4:
        raise TypeError(f"{op}: dtype {dt} is not supported; use float32 or float64")


def _matrix(op, A, square=False, name="A"):
    """A as a Tensor/array of float (..., m, n) matrices, else the error torch raises."""
    A = _arg(A)
    _check_float(op, A)
    s = _shape(A)
    if len(s) < 2:
        raise ShapeError(
            f"{op}: the input tensor {name} must have at least 2 dimensions, got shape {s}"
        )
    if square and s[-1] != s[-2]:
        raise ShapeError(
            f"{op}: {name} must be batches of square matrices, but they are {s[-2]} by {s[-1]} "
            f"matrices (shape {s})"
        )
    return A


def _lapack(op, fn, *args, what="the input matrix is singular"):
    """``fn(*args)`` with numpy's LinAlgError (and CuPy's NaN result) raised as LinAlgError."""
    try:
        out = fn(*args)
    except np.linalg.LinAlgError as e:
        raise LinAlgError(f"{op}: {what} ({e})") from None
    first = out[0] if isinstance(out, tuple) else out
    if type(first) is not np.ndarray and not bool(_xp(first).isfinite(first).all()):
        # cuSOLVER reports failure as NaN/inf unless cupyx.errstate says otherwise
        raise LinAlgError(f"{op}: {what}")
    return out


def _zero(g, degenerate=False) -> bool:
    """Whether backward may skip the terms of the cotangent g of one packed output's part, as
    PyTorch does for an undefined gradient (an output the loss did not use).

    g must be all zeros. A constant g is then skipped. One on a graph (create_graph) is kept,
    so second order sees its terms, unless ``degenerate``: then its terms divide by zero
    (tied eigen/singular values, a zero singular value), and a zero g is an unused output.
    """
    if bool(_raw(g).any()):
        return False
    return degenerate or not (isinstance(g, Tensor) and g.requires_grad)


def _ties(w) -> bool:
    """Whether the sorted values w (..., n) have a tie (a zero gap between neighbours)."""
    r = _raw(w)
    return r.shape[-1] > 1 and not bool((r[..., 1:] != r[..., :-1]).all())


def _pack(parts, batch):
    """Arrays with leading dims ``batch``, flattened and concatenated along the last dim."""
    xp = _xp(parts[0])
    flat = [p.reshape(batch + (math.prod(p.shape[len(batch) :]),)) for p in parts]
    return xp.concatenate(flat, axis=-1)


def _unpack(packed, batch, shapes):
    """The inverse of ``_pack``: one slice of ``packed`` per shape (differentiable)."""
    out, off = [], 0
    for s in shapes:
        size = math.prod(s)
        out.append(packed[..., off : off + size].reshape(batch + s))
        off += size
    return out


def _bshape(op, a, b):
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        raise ShapeError(f"{op}: batch dimensions {a} and {b} are not broadcastable") from None


# -- products (through Matmul) ------------------------------------------------------------------


def mm(input, mat2):  # noqa: A002 - PyTorch's name
    """Matrix product of 2-D tensors: (n, k) @ (k, m) -> (n, m). No broadcasting."""
    a, b = _arg(input), _arg(mat2)
    sa, sb = _shape(a), _shape(b)
    if len(sa) != 2 or len(sb) != 2:
        raise ShapeError(f"mm: expected 2-D tensors, got shapes {sa} and {sb}")
    if sa[1] != sb[0]:
        raise ShapeError(
            f"mm: mat1 and mat2 shapes cannot be multiplied ({sa[0]}x{sa[1]} and {sb[0]}x{sb[1]})"
        )
    return Matmul.apply(a, b)


def bmm(input, mat2):  # noqa: A002
    """Batched matrix product: (b, n, k) @ (b, k, m) -> (b, n, m). No broadcasting."""
    a, b = _arg(input), _arg(mat2)
    sa, sb = _shape(a), _shape(b)
    if len(sa) != 3 or len(sb) != 3:
        raise ShapeError(f"bmm: expected 3-D tensors, got shapes {sa} and {sb}")
    if sa[0] != sb[0] or sa[2] != sb[1]:
        raise ShapeError(
            f"bmm: shapes {sa} and {sb} cannot be multiplied (expected mat2 of shape "
            f"({sa[0]}, {sa[2]}, m))"
        )
    return Matmul.apply(a, b)


def mv(input, vec):  # noqa: A002
    """Matrix-vector product: (n, k) @ (k,) -> (n,)."""
    a, b = _arg(input), _arg(vec)
    sa, sb = _shape(a), _shape(b)
    if len(sa) != 2 or len(sb) != 1:
        raise ShapeError(f"mv: expected a 2-D matrix and a 1-D vector, got shapes {sa} and {sb}")
    if sa[1] != sb[0]:
        raise ShapeError(f"mv: size mismatch, got mat {sa[0]}x{sa[1]} and vec ({sb[0]})")
    return Matmul.apply(a, b)


def dot(input, other):  # noqa: A002
    """Inner product of two 1-D tensors of the same length: (n,), (n,) -> 0-d."""
    a, b = _arg(input), _arg(other)
    sa, sb = _shape(a), _shape(b)
    if len(sa) != 1 or len(sb) != 1:
        raise ShapeError(f"dot: expected 1-D tensors, got shapes {sa} and {sb}")
    if sa != sb:
        raise ShapeError(f"dot: inconsistent tensor size, got shapes {sa} and {sb}")
    return Matmul.apply(a, b)


def vdot(input, other):  # noqa: A002
    """dot(conj(x), y) of 1-D tensors; for the real tensors here the same as ``dot``."""
    a, b = _arg(input), _arg(other)
    if _raw(a).dtype.kind == "c" or _raw(b).dtype.kind == "c":
        raise TypeError("vdot: complex tensors are not supported")
    sa, sb = _shape(a), _shape(b)
    if len(sa) != 1 or len(sb) != 1:
        raise ShapeError(f"vdot: expected 1-D tensors, got shapes {sa} and {sb}")
    if sa != sb:
        raise ShapeError(f"vdot: inconsistent tensor size, got shapes {sa} and {sb}")
    return Matmul.apply(a, b)


def outer(input, vec2):  # noqa: A002
    """Outer product of 1-D tensors: (n,), (m,) -> (n, m)."""
    a, b = _arg(input), _arg(vec2)
    sa, sb = _shape(a), _shape(b)
    for name, s in (("self", sa), ("vec2", sb)):
        if len(s) != 1:
            raise ShapeError(f"outer: expected 1-D argument {name}, but got {len(s)}-D (shape {s})")
    return a.reshape((sa[0], 1)) * b.reshape((1, sb[0]))


ger = outer


def inner(input, other):  # noqa: A002
    """Sum over the last dims: (*a, k), (*b, k) -> (*a, *b); a 0-d operand multiplies."""
    a, b = _arg(input), _arg(other)
    sa, sb = _shape(a), _shape(b)
    if not sa or not sb:
        return a * b
    if sa[-1] != sb[-1]:
        raise ShapeError(
            f"inner: the last dimension must match on both input tensors but got shapes {sa} "
            f"and {sb}"
        )
    return tensordot(a, b, dims=([-1], [-1]))


def _dims_list(d, ndim, which):
    items = [d] if isinstance(d, int) or hasattr(d, "__index__") else list(d)
    out = [norm_dim(i, ndim, "tensordot") for i in items]
    if len(set(out)) != len(out):
        raise ShapeError(f"tensordot: a dim appears more than once in {which}'s dims {items}")
    return out


def tensordot(a, b, dims=2):
    """Contract ``dims`` of a with dims of b (numpy/torch tensordot) through one Matmul.

    dims: an int n (the last n dims of a with the first n of b) or a pair of dim lists
    ``([a dims], [b dims])``. A contracted dim of size 1 broadcasts against the other.
    Returns a's free dims then b's free dims.
    """
    a, b = _arg(a), _arg(b)
    sa, sb = _shape(a), _shape(b)
    if isinstance(dims, (list, tuple)):
        if len(dims) != 2:
            raise ValueError(f"tensordot: dims must be an int or a pair of lists, got {dims!r}")
        da, db = _dims_list(dims[0], len(sa), "a"), _dims_list(dims[1], len(sb), "b")
    else:
        try:
            n = operator.index(dims)
        except TypeError:
            raise TypeError(
                f"tensordot: dims must be an int or a pair of lists, got {type(dims).__name__}"
            ) from None
        if n < 0:
            raise ValueError(f"tensordot expects dims >= 0, but got dims={n}")
        if n > min(len(sa), len(sb)):
            raise ShapeError(
                f"tensordot expects dims <= ndim of both inputs, but got dims={n} for shapes "
                f"{sa} and {sb}"
            )
        da, db = list(range(len(sa) - n, len(sa))), list(range(n))
    if len(da) != len(db):
        raise ShapeError(
            f"tensordot: both dimension lists should have same length, got {da} and {db}"
        )
    ops = _f()
    for i, j in zip(da, db):
        if sa[i] == sb[j]:
            continue
        if sb[j] == 1:  # a size-1 dim broadcasts: the other operand is summed over it
            a = ops.sum(a, dim=i, keepdim=True)
        elif sa[i] == 1:
            b = ops.sum(b, dim=j, keepdim=True)
        else:
            raise ShapeError(
                f"tensordot: contracted dimensions need to match, but first has size {sa[i]} in "
                f"dim {i} and second has size {sb[j]} in dim {j} (shapes {sa} and {sb})"
            )
    sa, sb = _shape(a), _shape(b)
    fa = [i for i in range(len(sa)) if i not in da]
    fb = [j for j in range(len(sb)) if j not in db]
    csize = math.prod(sa[i] for i in da)
    out_shape = tuple(sa[i] for i in fa) + tuple(sb[j] for j in fb)
    if fa + da != list(range(len(sa))):
        a = ops.permute(a, fa + da)
    if db + fb != list(range(len(sb))):
        b = ops.permute(b, db + fb)
    a2 = a.reshape((math.prod(sa[i] for i in fa), csize))
    b2 = b.reshape((csize, math.prod(sb[j] for j in fb)))
    return Matmul.apply(a2, b2).reshape(out_shape)


def _scaled_sum(op, input, prod, beta, alpha):
    """beta * input + alpha * prod, input broadcast to prod's shape; beta = 0 ignores input's
    values (NaN included) and gives it a zero gradient, as PyTorch."""
    x = _arg(input)
    out_shape = _shape(prod)
    try:
        ok = np.broadcast_shapes(_shape(x), out_shape) == out_shape
    except ValueError:
        ok = False
    if not ok:
        raise ShapeError(
            f"{op}: input of shape {_shape(x)} cannot be broadcast to the product's shape "
            f"{out_shape}"
        )
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:
        if isinstance(x, Tensor) and x.requires_grad:
            r = _raw(x)
            return prod + _f().where(_xp(r).zeros(r.shape, dtype=bool), x, 0)
        return prod
    return prod + (x if beta == 1 else x * beta)


def addmm(input, mat1, mat2, beta=1, alpha=1):  # noqa: A002
    """beta * input + alpha * (mat1 @ mat2). mat1 (n, k), mat2 (k, m); input broadcasts to
    (n, m). Returns (n, m)."""
    return _scaled_sum("addmm", input, mm(mat1, mat2), beta, alpha)


def addmv(input, mat, vec, beta=1, alpha=1):  # noqa: A002
    """beta * input + alpha * (mat @ vec). mat (n, k), vec (k,); input broadcasts to (n,)."""
    return _scaled_sum("addmv", input, mv(mat, vec), beta, alpha)


def baddbmm(input, batch1, batch2, beta=1, alpha=1):  # noqa: A002
    """beta * input + alpha * bmm(batch1, batch2). batch1 (b, n, k), batch2 (b, k, m); input
    broadcasts to (b, n, m)."""
    return _scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha)


def addbmm(input, batch1, batch2, beta=1, alpha=1):  # noqa: A002
    """beta * input + alpha * sum_i batch1[i] @ batch2[i]: one (n, b*k) @ (b*k, m) product.
    batch1 (b, n, k), batch2 (b, k, m); input broadcasts to (n, m)."""
    b1, b2 = _arg(batch1), _arg(batch2)
    s1, s2 = _shape(b1), _shape(b2)
    if len(s1) != 3 or len(s2) != 3:
        raise ShapeError(f"addbmm: expected 3-D tensors, got shapes {s1} and {s2}")
    if s1[0] != s2[0] or s1[2] != s2[1]:
        raise ShapeError(
            f"addbmm: shapes {s1} and {s2} cannot be multiplied (expected batch2 of shape "
            f"({s1[0]}, {s1[2]}, m))"
        )
    b, n, k = s1
    left = _f().permute(b1, (1, 0, 2)).reshape((n, b * k))
    prod = Matmul.apply(left, b2.reshape((b * k, s2[2])))
    return _scaled_sum("addbmm", input, prod, beta, alpha)


def trace(input):  # noqa: A002
    """Sum of the main diagonal of a 2-D tensor (n, m) -> 0-d (rectangular allowed)."""
    x = _arg(input)
    s = _shape(x)
    if len(s) != 2:
        raise ShapeError(f"trace: expected a matrix, but got tensor with dim {len(s)} (shape {s})")
    r = _raw(x)
    return _f().sum(x * _xp(r).eye(s[0], s[1], dtype=r.dtype))


def kron(input, other):  # noqa: A002
    """Kronecker product: shapes padded to the same rank, (a_i) x (b_i) -> (a_i * b_i)."""
    a, b = _arg(input), _arg(other)
    sa, sb = _shape(a), _shape(b)
    nd = max(len(sa), len(sb))
    sa, sb = (1,) * (nd - len(sa)) + sa, (1,) * (nd - len(sb)) + sb
    a2 = a.reshape(tuple(v for s in sa for v in (s, 1)))
    b2 = b.reshape(tuple(v for s in sb for v in (1, s)))
    return (a2 * b2).reshape(tuple(p * q for p, q in zip(sa, sb)))


class Cross(Function):
    """z = x × y along ``axis`` (size 3), batch dims broadcast; gx = y × gz, gy = gz × x."""

    __slots__ = ("axis",)
    save_inputs = (0, 1)

    def forward(self, x, y, axis):
        self.axis = axis
        xp = _xp(x)

        def r(v, k):
            return xp.roll(v, -k, axis=axis)

        return r(x, 1) * r(y, 2) - r(x, 2) * r(y, 1)

    def backward(self, gy):
        x, y = self.saved
        ax = self.axis
        gx = self.reduce_grad(0, Cross.apply(y, gy, ax)) if self.needs_grad(0) else None
        gw = self.reduce_grad(1, Cross.apply(gy, x, ax)) if self.needs_grad(1) else None
        return gx, gw, None


def _cross(op, x, y, dim):
    x, y = _arg(x), _arg(y)
    sx, sy = _shape(x), _shape(y)
    if len(sx) != len(sy):
        raise ShapeError(
            f"{op}: inputs must have the same number of dimensions, got shapes {sx} and {sy}"
        )
    if dim is None:
        dim = next((i for i, s in enumerate(sx) if s == 3), None)
        if dim is None:
            raise ShapeError(f"{op}: no dimension of size 3 in input (shape {sx})")
    d = norm_dim(dim, len(sx), op)
    if sx[d] != 3 or sy[d] != 3:
        raise ShapeError(
            f"{op}: inputs dimension {dim} must have length 3. Got {sx[d]} and {sy[d]} "
            f"(shapes {sx} and {sy})"
        )
    try:
        np.broadcast_shapes(sx, sy)
    except ValueError:
        raise ShapeError(f"{op}: shapes {sx} and {sy} are not broadcastable") from None
    return Cross.apply(x, y, d - len(sx))


def cross(input, other, dim=None):  # noqa: A002
    """Cross product of 3-vectors along ``dim`` (x, y: same rank, broadcastable, size 3 there).

    dim None: the first dim of ``input`` of size 3 (deprecated in PyTorch, which warns; use
    ``autograd.linalg.cross``, whose default is -1). Returns the broadcast shape.
    """
    if dim is None:
        warnings.warn(
            "Using cross without specifying the dim arg is deprecated (as in PyTorch); pass dim "
            "or use autograd.linalg.cross",
            UserWarning,
            stacklevel=2,
        )
    return _cross("cross", input, other, dim)


def linalg_cross(input, other, *, dim=-1):  # noqa: A002
    """``linalg.cross``: cross product along ``dim`` (default -1, size 3), batch dims broadcast
    (same rank). Returns the broadcast shape."""
    return _cross("linalg.cross", input, other, dim)


# -- chains of products -------------------------------------------------------------------------


def _chain(mats):
    """The product of 2-D ``mats`` in the cheapest order (dynamic programming over the splits)."""
    n = len(mats)
    if n == 1:
        return mats[0]
    if n == 2:
        return Matmul.apply(mats[0], mats[1])
    p = [mats[0].shape[0]] + [m.shape[1] for m in mats]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def build(i, j):
        if i == j:
            return mats[i]
        k = split[i][j]
        return Matmul.apply(build(i, k), build(k + 1, j))

    return build(0, n - 1)


def _chain_check(op, mats):
    for i in range(len(mats) - 1):
        a, b = _shape(mats[i]), _shape(mats[i + 1])
        if a[1] != b[0]:
            raise ShapeError(
                f"{op}: tensors {i} and {i + 1} with shapes {a} and {b} cannot be multiplied"
            )


def multi_dot(tensors):
    """The product of a chain of matrices in the cheapest order. The first may be 1-D (a row
    vector) and the last 1-D (a column vector); the rest 2-D. Returns (n, m), (m,), (n,) or 0-d.
    """
    if isinstance(tensors, Tensor) or hasattr(tensors, "shape"):
        raise TypeError("multi_dot(): expected a list of tensors, e.g. multi_dot([a, b, c])")
    mats = [_arg(t) for t in tensors]
    if len(mats) < 2:
        raise ValueError(f"multi_dot(): expected at least 2 tensors but got {len(mats)}")
    first_1d, last_1d = mats[0].ndim == 1, mats[-1].ndim == 1
    for i, m in enumerate(mats):
        end = i in (0, len(mats) - 1)
        if m.ndim != 2 and not (end and m.ndim == 1):
            what = (
                "the first and last tensors must be 1D or 2D" if end else f"tensor {i} must be 2D"
            )
            raise ShapeError(f"multi_dot(): {what} but got {m.ndim}D (shape {_shape(m)})")
    if first_1d:
        mats[0] = mats[0].reshape((1, mats[0].shape[0]))
    if last_1d:
        mats[-1] = mats[-1].reshape((mats[-1].shape[0], 1))
    _chain_check("multi_dot()", mats)
    out = _chain(mats)
    s = _shape(out)
    if first_1d or last_1d:
        out = out.reshape(s[first_1d : 2 - last_1d])
    return out


def chain_matmul(*matrices):
    """The product of 2-D matrices in the cheapest order (deprecated in PyTorch for
    ``linalg.multi_dot``). Returns (n, m)."""
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    mats = [_arg(m) for m in matrices]
    if not mats:
        raise ValueError("chain_matmul(): Expected one or more matrices")
    for i, m in enumerate(mats):
        if m.ndim != 2:
            raise ShapeError(f"chain_matmul(): tensor {i} must be 2D but got {m.ndim}D")
    if len(mats) == 1:
        return _f().clone(mats[0])
    _chain_check("chain_matmul()", mats)
    return _chain(mats)


def linalg_matmul(input, other):  # noqa: A002
    """``linalg.matmul``: the same as ``autograd.matmul``."""
    return Matmul.apply(input, other)


def vecdot(x, y, *, dim=-1):
    """Dot product of vectors along ``dim`` (real): sum(x * y, dim), shapes broadcast."""
    return _f().sum(_arg(x) * _arg(y), dim=dim)


class _ZeroGrad(Function):
    """y = value (a constant of x's shape); x gets a zero gradient (matrix_power(A, 0))."""

    __slots__ = ()

    def forward(self, x, value):
        return value

    def backward(self, gy):
        return gy * 0, None


def matrix_power(A, n):
    """A^n for square A (..., m, m) and an int n, by repeated squaring; n < 0 uses inv(A).
    n = 0 gives the identity (A gets a zero gradient)."""
    A = _arg(A)
    s = _shape(A)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ShapeError(
            f"linalg.matrix_power: A must be batches of square matrices, got shape {s}"
        )
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"matrix_power: n must be an int, got {type(n).__name__}") from None
    if n == 0:
        r = _raw(A)
        value = _xp(r).broadcast_to(_xp(r).eye(s[-1], dtype=r.dtype), s).copy()
        return _ZeroGrad.apply(A, value)
    if n < 0:
        A, n = inv(A), -n
    elif n == 1:
        return _f().clone(A)
    result, base = None, A
    while True:
        if n & 1:
            result = base if result is None else Matmul.apply(result, base)
        n >>= 1
        if not n:
            return result
        base = Matmul.apply(base, base)


# -- inverse, determinants, solves --------------------------------------------------------------


class Inv(Function):
    """Y = A^-1, A (..., n, n); dA = -Y^T gY Y^T."""

    __slots__ = ()
    save_output = True

    def forward(self, a):
        return _lapack("linalg.inv", _xp(a).linalg.inv, a)

    def backward(self, gy):
        (y,) = self.saved
        yt = _T(y)
        return -_mm(_mm(yt, gy), yt)


def inv(A):
    """Inverse of square matrices A (..., n, n) -> (..., n, n); LinAlgError when singular."""
    return Inv.apply(_matrix("linalg.inv", A, square=True))


def inverse(input):  # noqa: A002
    """See ``autograd.linalg.inv``."""
    return inv(input)


# det's backward takes the cofactors through the SVD beyond this condition number: d A^-T
# there multiplies a tiny d by a huge inverse, exact at first order but not when differentiated
_DET_COND = 1e8


class Det(Function):
    """d = det(A), (..., n, n) -> (...); dA = gd d A^-T, the cofactor matrix (through the SVD
    where A is singular, where A^-T does not exist, and for the second order where A is
    ill-conditioned)."""

    __slots__ = ()
    save_inputs = (0,)
    save_output = True

    def forward(self, a):
        return _xp(a).linalg.det(a)

    def backward(self, gy):
        a, d = self.saved
        g = _col(_col(gy))
        if bool((_raw(d) == 0).any()) or (isinstance(a, Tensor) and _ill_conditioned(a)):
            return g * _cofactor(a)
        return g * _col(_col(d)) * _T(Inv.apply(a))


def _ill_conditioned(a) -> bool:
    """Whether any matrix of a (..., n, n) has a condition number above _DET_COND."""
    r = _raw(a)
    if r.size == 0:
        return False
    sv = _xp(r).linalg.svd(r, compute_uv=False)
    return bool((sv[..., -1] * _DET_COND < sv[..., 0]).any())


def _cofactor(a):
    """cof(A) = det(U) det(V) U diag(prod_{j != i} s_j) V^T for A = U diag(s) V^T (any A)."""
    u, s, vh = _svd_parts(a, False)
    r = _raw(s)
    n = r.shape[-1]
    others = _f().where(_xp(r).eye(n, dtype=bool), 1, _row(s))  # row i: s with s_i -> 1
    s_excl = _f().prod(others, dim=-1)
    ur, vr = _raw(u), _raw(vh)
    sign = _xp(ur).linalg.det(ur) * _xp(vr).linalg.det(vr)  # +-1: a constant
    sign = _xp(ur).asarray(sign).astype(r.dtype).reshape(r.shape[:-1] + (1, 1))
    return _mm(u * _row(s_excl), vh) * sign


def det(A):
    """Determinant of square matrices A (..., n, n) -> (...)."""
    return Det.apply(_matrix("linalg.det", A, square=True))


class LogAbsDet(Function):
    """log|det A| (computed with its sign by slogdet, passed in); dA = g A^-T."""

    __slots__ = ()
    save_inputs = (0,)

    def forward(self, a, logabs):
        return logabs

    def backward(self, gy):
        (a,) = self.saved
        return _col(_col(gy)) * _T(Inv.apply(a)), None


def _slogdet(op, A, result):
    A = _matrix(op, A, square=True)
    r = _raw(A)
    sign, logabs = _xp(r).linalg.slogdet(r)
    return result(_like(A, sign), LogAbsDet.apply(A, logabs))


def linalg_slogdet(A):
    """(sign, logabsdet) of square A (..., n, n), each (...): det = sign * exp(logabsdet).
    sign is 0 and logabsdet -inf for a singular matrix; only logabsdet has a gradient."""
    return _slogdet("linalg.slogdet", A, LinalgSlogdetResult)


def slogdet(input):  # noqa: A002
    """(sign, logabsdet) of square matrices (..., n, n), as ``torch.slogdet``."""
    return _slogdet("slogdet", input, SlogdetResult)


def logdet(input):  # noqa: A002
    """log(det A) of square A (..., n, n) -> (...): NaN where det < 0, -inf where det = 0."""
    sign, la = _slogdet("logdet", input, SlogdetResult)
    neg = _raw(sign) < 0
    if bool(neg.any()):
        return _f().where(neg, math.nan, la)
    return la


class Solve(Function):
    """X = A^-1 B; A (..., n, n), B (..., n, k), batch dims broadcast. gB = A^-T gX,
    gA = -gB X^T."""

    __slots__ = ()
    save_inputs = (0,)
    save_output = True

    def forward(self, a, b):
        xp = _xp(a)
        batch = _bshape("linalg.solve", a.shape[:-2], b.shape[:-2])
        if a.shape[:-2] != batch:
            a = xp.broadcast_to(a, batch + a.shape[-2:])
        if b.shape[:-2] != batch:
            b = xp.broadcast_to(b, batch + b.shape[-2:])
        return _lapack("linalg.solve", xp.linalg.solve, a, b)

    def backward(self, gy):
        a, x = self.saved
        gb = Solve.apply(_T(a), gy)
        ga = self.reduce_grad(0, -_mm(gb, _T(x))) if self.needs_grad(0) else None
        return ga, (self.reduce_grad(1, gb) if self.needs_grad(1) else None)


def solve(A, B, *, left=True):
    """X with A X = B (left) or X A = B (left=False). A (..., n, n); B (..., n, k), or a batch
    of vectors (..., n) when B is 1-D or B.shape == A.shape[:-1]. Batch dims broadcast."""
    op = "linalg.solve"
    A = _matrix(op, A, square=True)
    B = _arg(B)
    _check_float(op, B)
    sa, sb = _shape(A), _shape(B)
    vector = len(sb) == 1 or (len(sb) == len(sa) - 1 and sb == sa[:-1])
    bad = ShapeError(
        f"{op}: incompatible shapes of A and B for the equation {'AX' if left else 'XA'} = B "
        f"({sa} and {sb})"
    )
    if not sb or (left and (sb[-1] if vector else sb[-2]) != sa[-1]):
        raise bad
    if not left:
        if vector:
            raise ShapeError(
                f"{op}: vector broadcasting of the left hand side is not supported for "
                f"left=False (shapes {sa} and {sb})"
            )
        if len(sb) < 2 or sb[-1] != sa[-1]:
            raise bad
        return _T(Solve.apply(_T(A), _T(B)))
    if vector:
        x = Solve.apply(A, _col(B))
        return x.reshape(_shape(x)[:-1])
    return Solve.apply(A, B)


class SolveTriangular(Function):
    """X with T X = B (left) or X T = B, T the upper/lower triangle of A (unit diagonal when
    ``unit``). gB = T^-T gX (T^T is triangular the other way), gA = -gB X^T (left) or -X^T gB,
    kept to T's triangle."""

    __slots__ = ("upper", "left", "unit")
    save_inputs = (0,)
    save_output = True

    def forward(self, a, b, upper, left, unit):
        self.upper, self.left, self.unit = upper, left, unit
        xp = _xp(a)
        t = _tri_part(a, upper, unit)
        if not left:
            t, b = t.swapaxes(-1, -2), b.swapaxes(-1, -2)
        batch = _bshape("linalg.solve_triangular", t.shape[:-2], b.shape[:-2])
        t = xp.broadcast_to(t, batch + t.shape[-2:])
        b = xp.broadcast_to(b, batch + b.shape[-2:])
        x = _lapack("linalg.solve_triangular", xp.linalg.solve, t, b)
        return x if left else x.swapaxes(-1, -2)

    def backward(self, gy):
        a, x = self.saved
        upper, left, unit = self.upper, self.left, self.unit
        gb = SolveTriangular.apply(_T(a), gy, not upper, left, unit)
        ga = None
        if self.needs_grad(0):
            ga = -_mm(gb, _T(x)) if left else -_mm(_T(x), gb)
            ga = _triu(ga, 1 if unit else 0) if upper else _tril(ga, -1 if unit else 0)
            ga = self.reduce_grad(0, ga)
        gb = self.reduce_grad(1, gb) if self.needs_grad(1) else None
        return ga, gb, None, None, None


def _tri_part(a, upper, unit):
    """The raw triangle of a used by solve_triangular (identity diagonal when ``unit``)."""
    xp = _xp(a)
    n = a.shape[-1]
    if upper:
        keep = ~xp.tri(n, n, 0 if unit else -1, dtype=bool)
    else:
        keep = xp.tri(n, n, -1 if unit else 0, dtype=bool)
    t = xp.where(keep, a, 0).astype(a.dtype, copy=False)
    return t + xp.eye(n, dtype=a.dtype) if unit else t


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    """X with T X = B (left) or X T = B, T the upper (``upper=True``) or lower triangle of A
    (the other entries are not read; a unit diagonal assumed with ``unitriangular``).
    A (..., n, n); B (..., n, k) (left) or (..., k, n); batch dims broadcast."""
    op = "linalg.solve_triangular"
    A = _matrix(op, A, square=True)
    B = _matrix(op, B, name="B")
    sa, sb = _shape(A), _shape(B)
    if (sb[-2] if left else sb[-1]) != sa[-1]:
        raise ShapeError(
            f"{op}: incompatible shapes of A and B for the equation "
            f"{'AX = B' if left else 'XA = B'} ({sa} and {sb})"
        )
    return SolveTriangular.apply(A, B, bool(upper), bool(left), bool(unitriangular))


# -- factorisations -----------------------------------------------------------------------------


class Cholesky(Function):
    """L with A = L L^T (lower), or U = L^T (``upper``); A (..., n, n) SPD, lower triangle read.

    gA = L^-T Phi(L^T gL) L^-1 symmetrised, Phi: the lower triangle with the diagonal halved.
    """

    __slots__ = ("upper",)
    save_output = True

    def forward(self, a, upper):
        self.upper = upper
        what = "the input is not positive-definite, so the factorization could not be completed"
        lo = _lapack("linalg.cholesky", _xp(a).linalg.cholesky, a, what=what)
        return lo.swapaxes(-1, -2) if upper else lo

    def backward(self, gy):
        (lo,) = self.saved
        gl = gy
        if self.upper:
            lo, gl = _T(lo), _T(gy)
        r = _raw(lo)
        n = r.shape[-1]
        xp = _xp(r)
        phi_mask = xp.tri(n, n, -1, dtype=r.dtype) + 0.5 * xp.eye(n, dtype=r.dtype)
        phi = _mm(_T(lo), gl) * phi_mask
        t = SolveTriangular.apply(_T(lo), phi, True, True, False)  # L^-T Phi
        ga = SolveTriangular.apply(lo, t, False, False, False)  # (L^-T Phi) L^-1
        return (ga + _T(ga)) * 0.5, None


def cholesky(A, upper=False):
    """Cholesky factor of symmetric positive-definite A (..., n, n): lower L with A = L L^T, or
    upper U = L^T. Only A's lower triangle is read; LinAlgError when not positive-definite."""
    return Cholesky.apply(_matrix("linalg.cholesky", A, square=True), bool(upper))


def _qr_shapes(m, n, mode):
    k = min(m, n)
    if mode == "complete":
        return [(m, m), (m, n)]
    if mode == "r":
        return [(k, n)]
    return [(m, k), (k, n)]


class QR(Function):
    """A = Q R (packed output). Backward for m >= n (reduced):
    gA = (gQ + Q copyltu(M)) R^-T, M = R gR^T - gQ^T Q, copyltu(M) = tril(M) + tril(M, -1)^T;
    for m < n, A = [X | Y], R = [U | V]: gY = Q gV and gX as above with gQ + Y gV^T, gU."""

    __slots__ = ("mode",)
    save_inputs = (0,)
    save_output = True

    def forward(self, a, mode):
        self.mode = mode
        out = _xp(a).linalg.qr(a, mode=mode)
        parts = [out] if mode == "r" else list(out)
        return _pack(parts, a.shape[:-2])

    def backward(self, gy):
        a, packed = self.saved
        m, n = a.shape[-2:]
        if self.mode == "r":
            raise RuntimeError(
                "linalg.qr: the derivative of linalg.qr depends on Q, which is not computed when "
                "mode='r'. Use linalg.qr(A, mode='reduced') to differentiate through linalg.qr."
            )
        if self.mode == "complete" and m > n:
            raise RuntimeError(
                "linalg.qr: the QR decomposition is not differentiable when mode='complete' and "
                f"nrows > ncols (A of shape {_shape(a)})"
            )
        batch, shapes = _shape(a)[:-2], _qr_shapes(m, n, self.mode)
        q, r = _unpack(packed, batch, shapes)
        gq, gr = _unpack(gy, batch, shapes)
        if m >= n:
            return _qr_back(q, r, gq, gr), None
        y, u = a[..., :, m:], r[..., :, :m]
        gu, gv = gr[..., :, :m], gr[..., :, m:]
        gx = _qr_back(q, u, gq + _mm(y, _T(gv)), gu)
        return _f().cat([gx, _mm(q, gv)], dim=-1), None


def _qr_back(q, r, gq, gr):
    """gA of A = Q R with R square (k, k), Q (m, k), m >= k."""
    m_ = _mm(r, _T(gr)) - _mm(_T(gq), q)
    low = _tril(m_, -1)
    copyltu = low + _T(low) + _diag_embed(_diag(m_))
    b = gq + _mm(q, copyltu)
    return SolveTriangular.apply(_T(r), b, False, False, False)  # b R^-T


def qr(A, mode="reduced"):
    """QR factorisation A = Q R, A (..., m, n), k = min(m, n). mode 'reduced': Q (..., m, k),
    R (..., k, n); 'complete': Q (..., m, m), R (..., m, n); 'r': R only (Q is an empty
    tensor, and there is no gradient). Returns the namedtuple (Q, R)."""
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(
            f"linalg.qr: received unrecognized mode {mode!r} but expected one of 'reduced' "
            "(default), 'r', or 'complete'"
        )
    A = _matrix("linalg.qr", A)
    s = _shape(A)
    batch = s[:-2]
    parts = _unpack(QR.apply(A, mode), batch, _qr_shapes(s[-2], s[-1], mode))
    if mode == "r":
        r = _raw(A)
        return QRResult(_like(A, _xp(r).empty((0,), dtype=r.dtype)), parts[0])
    return QRResult(*parts)


class Eigh(Function):
    """(w, V) of symmetric A = V diag(w) V^T, w ascending (packed output). Backward:
    gA = V (diag(gw) + skew(V^T gV) / 2 / E) V^T, E_ij = w_j - w_i (PyTorch's projection onto
    symmetric gradients); needs distinct eigenvalues."""

    __slots__ = ("n",)
    save_output = True

    def forward(self, a, uplo):
        self.n = a.shape[-1]
        w, v = _lapack("linalg.eigh", _xp(a).linalg.eigh, a, uplo, what="eigh did not converge")
        return _pack([w, v], a.shape[:-2])

    def backward(self, gy):
        (packed,) = self.saved
        batch = _shape(packed)[:-1]
        n = self.n
        w, v = _unpack(packed, batch, [(n,), (n, n)])
        gw, gv = _unpack(gy, batch, [(n,), (n, n)])
        inner = _diag_embed(gw)
        if not _zero(gv, _ties(w)):  # eigenvalues only (eigvalsh): no 1 / (w_j - w_i)
            vtgv = _mm(_T(v), gv)
            e = _row(w) - _col(w) + _eye(w, n)
            inner = inner + (vtgv - _T(vtgv)) * 0.5 / e
        return _mm(_mm(v, inner), _T(v)), None


def eigh(A, UPLO="L"):  # noqa: N803 - PyTorch's name
    """Eigen-decomposition of symmetric A (..., n, n), reading its lower (``UPLO='L'``) or upper
    triangle: the namedtuple (eigenvalues (..., n) ascending, eigenvectors (..., n, n) as
    columns). Eigenvectors are defined up to sign; their gradient needs distinct eigenvalues."""
    if UPLO not in ("L", "U"):
        raise ValueError(f"linalg.eigh: expected UPLO argument to be 'L' or 'U', but got {UPLO!r}")
    A = _matrix("linalg.eigh", A, square=True)
    s = _shape(A)
    n = s[-1]
    w, v = _unpack(Eigh.apply(A, UPLO), s[:-2], [(n,), (n, n)])
    return EighResult(w, v)


def eigvalsh(A, UPLO="L"):  # noqa: N803
    """Eigenvalues (..., n), ascending, of symmetric A (..., n, n)."""
    return eigh(A, UPLO).eigenvalues


def _svd_shapes(m, n, full):
    k = min(m, n)
    return [(m, m), (k,), (n, n)] if full else [(m, k), (k,), (k, n)]


class SVD(Function):
    """A = U diag(S) Vh (packed output), S descending. Backward (reduced; with full matrices
    the extra columns of U and rows of Vh get no gradient, as in PyTorch), E_jk = s_k^2 - s_j^2:
    gA = U [(skew(U^T gU) S + S skew(V^T gV)) / E + diag(gS)] Vh, plus (I - U U^T) gU S^-1 Vh
    when m > k, or U S^-1 gVh (I - V V^T) when n > k. Needs distinct non-zero singular values
    for the vectors' gradient."""

    __slots__ = ("full", "mn")
    save_output = True

    def forward(self, a, full):
        self.full, self.mn = full, a.shape[-2:]
        xp = _xp(a)
        u, s, vh = _lapack("linalg.svd", xp.linalg.svd, a, full, what="the SVD did not converge")
        return _pack([u, s, vh], a.shape[:-2])

    def backward(self, gy):
        (packed,) = self.saved
        m, n = self.mn
        batch = _shape(packed)[:-1]
        shapes = _svd_shapes(m, n, self.full)
        u, s, vh = _unpack(packed, batch, shapes)
        gu, gs, gvh = _unpack(gy, batch, shapes)
        if self.full:
            k = min(m, n)
            u, gu, vh, gvh = u[..., :k], gu[..., :k], vh[..., :k, :], gvh[..., :k, :]
        return _svd_back(u, s, vh, gu, gs, gvh), None


def _svd_back(u, s, vh, gu, gs, gvh):
    m, k = u.shape[-2:]
    n = vh.shape[-1]
    # degenerate: the vectors' terms divide by s_k^2 - s_j^2 or by s (when m or n > k)
    degenerate = _ties(s) or ((m > k or n > k) and not bool(_raw(s).all()))
    skip_u, skip_vh = _zero(gu, degenerate), _zero(gvh, degenerate)
    if skip_u and skip_vh:  # singular values only (svdvals, norms): ties are fine
        return _mm(u * _row(gs), vh)
    uhgu = _mm(_T(u), gu)
    uhgu = uhgu - _T(uhgu)
    vhgv = _mm(vh, _T(gvh))
    vhgv = vhgv - _T(vhgv)
    s2 = s * s
    e = _row(s2) - _col(s2) + _eye(s, k)
    ga = (uhgu * _row(s) + _col(s) * vhgv) / e + _diag_embed(gs)
    if m > k and not skip_u:  # the part of gU outside U's span
        gus = gu / _row(s)
        ga = _mm(u, ga)
        return _mm(ga + gus - _mm(u, _mm(_T(u), gus)), vh)
    if n > k and not skip_vh:
        sgvh = gvh / _col(s)
        ga = _mm(ga, vh) + sgvh - _mm(_mm(sgvh, _T(vh)), vh)
        return _mm(u, ga)
    return _mm(_mm(u, ga), vh)


def _svd_parts(A, full):
    s = _shape(A)
    return _unpack(SVD.apply(A, bool(full)), s[:-2], _svd_shapes(s[-2], s[-1], bool(full)))


def svd(A, full_matrices=True, *, driver=None):
    """Singular value decomposition A = U diag(S) Vh, A (..., m, n), k = min(m, n): the
    namedtuple (U (..., m, m), S (..., k) descending, Vh (..., n, n)), or with
    ``full_matrices=False`` U (..., m, k), Vh (..., k, n). Singular vectors are defined up to
    sign; their gradient needs distinct non-zero singular values. ``driver`` is cuSOLVER's
    choice in PyTorch and is ignored here."""
    A = _matrix("linalg.svd", A)
    return SVDResult(*_svd_parts(A, full_matrices))


def svdvals(A, *, driver=None):
    """Singular values (..., min(m, n)), descending, of A (..., m, n)."""
    return svd(_matrix("linalg.svdvals", A), full_matrices=False).S


# -- pseudo-inverse and rank --------------------------------------------------------------------


def _tols(op, r, atol, rtol, smax):
    """max(atol, rtol * smax), with PyTorch's defaults: rtol = eps * max(m, n) when neither is
    given, and 0 when only atol is."""
    if rtol is None:
        rtol = 0.0 if (atol is not None and atol > 0) else np.finfo(r.dtype).eps * max(r.shape[-2:])
    atol = 0.0 if atol is None else atol
    return _xp(r).maximum(atol, rtol * smax)


def _pinv_raw(a, atol, rtol, hermitian):
    xp = _xp(a)
    if hermitian:
        w, v = xp.linalg.eigh(a)
        aw = abs(w)
        smax = aw.max(axis=-1, keepdims=True) if w.shape[-1] else aw
        keep = aw > _tols("linalg.pinv", a, atol, rtol, smax)
        winv = xp.where(keep, 1 / xp.where(keep, w, 1), 0).astype(a.dtype, copy=False)
        return xp.matmul(v * winv[..., None, :], v.swapaxes(-1, -2))
    u, s, vh = _lapack("linalg.pinv", xp.linalg.svd, a, False, what="the SVD did not converge")
    keep = s > _tols("linalg.pinv", a, atol, rtol, s[..., :1])
    sinv = xp.where(keep, 1 / xp.where(keep, s, 1), 0).astype(a.dtype, copy=False)
    return xp.matmul(vh.swapaxes(-1, -2) * sinv[..., None, :], u.swapaxes(-1, -2))


class Pinv(Function):
    """P = A^+ (through the SVD, or eigh when ``hermitian``), A (..., m, n) -> (..., n, m).
    Backward: PyTorch's formula for the pseudo-inverse of a matrix of constant rank."""

    __slots__ = ()
    save_inputs = (0,)
    save_output = True

    def forward(self, a, atol, rtol, hermitian):
        return _pinv_raw(a, atol, rtol, hermitian)

    def backward(self, gy):
        a, p = self.saved
        m, n = a.shape[-2:]
        ph, gh = _T(p), _T(gy)
        if m <= n:
            k = _mm(gh, p)
            kph = _mm(k, ph)
            ga = -_T(_mm(p, k)) + kph - _mm(_mm(a, p), kph) + _mm(_mm(ph, p), gh - _mm(k, a))
        else:
            k = _mm(p, gh)
            phk = _mm(ph, k)
            ga = -_T(_mm(k, p)) + _mm(_mm(gh - _mm(a, k), p), ph) + phk - _mm(_mm(phk, p), a)
        return ga, None, None, None


def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None):
    """Moore-Penrose pseudo-inverse of A (..., m, n) -> (..., n, m). Singular values at or below
    max(atol, rtol * largest) count as zero (defaults as PyTorch; ``rcond`` is the older name of
    rtol); ``hermitian`` uses the eigen-decomposition of a symmetric A."""
    A = _matrix("linalg.pinv", A, square=hermitian)
    if rcond is not None:
        if rtol is not None:
            raise TypeError("linalg.pinv: pass rcond or rtol, not both")
        rtol = rcond
    return Pinv.apply(A, atol, rtol, bool(hermitian))


def pinverse(input, rcond=1e-15):  # noqa: A002
    """Pseudo-inverse of (..., m, n) -> (..., n, m); singular values below rcond * largest are
    dropped (``torch.pinverse``)."""
    return pinv(input, rtol=rcond)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, tol=None):
    """Number of singular values above max(atol, rtol * largest) of A (..., m, n) -> int64
    (...). No gradient. ``tol`` is an older name of atol."""
    A = _matrix("linalg.matrix_rank", A, square=hermitian)
    if tol is not None:
        atol = tol
    r = _raw(A)
    xp = _xp(r)
    s = abs(xp.linalg.eigvalsh(r)) if hermitian else xp.linalg.svd(r, compute_uv=False)
    if hermitian:
        s = xp.sort(s, axis=-1)[..., ::-1]
    tol_ = _tols("linalg.matrix_rank", r, atol, rtol, s[..., :1])
    return _like(A, (s > tol_).sum(axis=-1).astype(np.int64))


# -- norms ---------------------------------------------------------------------------------------


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """The vector ``ord``-norm of x over ``dim`` (int, tuple, or None for all elements):
    ord 2, 1, inf, -inf, 0 or any float. Returns x's shape without ``dim`` (size 1 with
    keepdim); the gradient at 0 is 0."""
    x = _arg(x)
    _check_float("linalg.vector_norm", x)
    if isinstance(ord, str):
        raise ValueError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    if dtype is not None:
        x = _f().cast(x, dtype)
    return _f().norm(x, p=ord, dim=dim, keepdim=keepdim)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002
    """The matrix norm of A over the two dims ``dim``: ord 'fro', 'nuc' (sum of singular
    values), 2 / -2 (largest / smallest singular value), inf / -inf (max / min row |sum|), 1 /
    -1 (max / min column |sum|). A (..., m, n) -> (...) (size-1 dims with keepdim)."""
    op = "linalg.matrix_norm"
    A = _arg(A)
    _check_float(op, A)
    s = _shape(A)
    if len(s) < 2:
        raise ShapeError(f"{op}: the input tensor A must have at least 2 dimensions, got shape {s}")
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise ValueError(f"{op}: dim must be a 2-tuple of ints, got {dim!r}")
    d0, d1 = norm_dim(dim[0], len(s), op), norm_dim(dim[1], len(s), op)
    if d0 == d1:
        raise ValueError(f"{op}: dims must be different, got {tuple(dim)}")
    if ord not in ("fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2):
        raise ValueError(f"{op}: order {ord!r} not supported")
    if dtype is not None:
        A = _f().cast(A, dtype)
    ops = _f()
    if ord == "fro":
        return ops.norm(A, 2, dim=(d0, d1), keepdim=keepdim)
    rest = [i for i in range(len(s)) if i not in (d0, d1)]
    kshape = tuple(1 if i in (d0, d1) else v for i, v in enumerate(s))
    if ord in ("nuc", 2, -2):
        B = A if (d0, d1) == (len(s) - 2, len(s) - 1) else ops.permute(A, rest + [d0, d1])
        sv = svdvals(B)
        if ord == "nuc":
            out = ops.sum(sv, dim=-1)
        else:
            out = (ops.amax if ord == 2 else ops.amin)(sv, dim=-1)
    else:
        sum_dim, red_dim = (d0, d1) if ord in (1, -1) else (d1, d0)
        t = ops.sum(ops.abs(A), dim=sum_dim, keepdim=True)
        out = (ops.amax if ord > 0 else ops.amin)(t, dim=red_dim, keepdim=True)
        if not keepdim:
            return out.reshape(tuple(s[i] for i in rest))
        return out
    return out.reshape(kshape) if keepdim else out


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """``linalg.norm``: a vector norm when ``dim`` is an int (or 1-tuple) or A is 1-D, a matrix
    norm when ``dim`` is a 2-tuple or A is 2-D with ``ord`` given; ord and dim None: the 2-norm
    of all elements."""
    op = "linalg.norm"
    A = _arg(A)
    _check_float(op, A)
    if dim is not None:
        dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        raise ValueError(f"{op}: dim must be an int or a tuple of 1 or 2 ints, got {dim!r}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise ShapeError(
        f"{op}: if dim is not specified but ord is, the input must be 1D or 2D. Got {A.ndim}D."
    )


def cond(A, p=None):
    """Condition number of A (..., m, n) -> (...) in the norm ``p``: None or 2 (largest over
    smallest singular value), -2 (its inverse), or 'fro', 'nuc', inf, -inf, 1, -1 (square A:
    norm(A) * norm(A^-1), inf where A is singular)."""
    op = "linalg.cond"
    A = _matrix(op, A, square=p not in (None, 2, -2))
    ops = _f()
    if p in (None, 2, -2):
        sv = svdvals(A)
        big, small = sv[..., 0], sv[..., -1]
        return big / small if p != -2 else small / big
    if p not in ("fro", "nuc", math.inf, -math.inf, 1, -1):
        raise ValueError(f"{op}: order {p!r} not supported")
    r = _raw(A)
    xp = _xp(r)
    singular = xp.linalg.slogdet(r)[0] == 0
    if bool(singular.any()):
        eye = xp.eye(r.shape[-1], dtype=r.dtype)
        safe = ops.where(_col(_col(singular)), eye, A)
        out = matrix_norm(safe, p) * matrix_norm(inv(safe), p)
        return ops.where(singular, math.inf, out)
    return matrix_norm(A, p) * matrix_norm(inv(A), p)
