"""Linear algebra products and simple forms: mm, bmm, mv, dot, vdot, inner, outer/ger, addmm,
addmv, addbmm, baddbmm, tensordot, trace, kron, cross, chain_matmul, multi_dot, vecdot and
matrix_power, batched over leading dims like PyTorch.

Products go through ``Matmul`` (the backend kernel set), or are compositions of differentiable
ops, so their derivatives come from those ops (``Cross`` writes its own); complex tensors
work throughout (vdot and vecdot conjugate their first argument, as PyTorch's). Inverses and solves
are in ``decomp.py``, decompositions in ``decomp_factor.py``; norms, cond and matrix_rank in
``linalg_norms.py``.

``multi_dot``, ``vecdot``, ``linalg_cross`` and ``linalg_matmul`` are not in ``__all__`` (so not
top-level ``autograd`` names): ``autograd/linalg.py`` re-exports them, the last two under their
torch.linalg names ``cross`` and ``matmul``.
"""

from __future__ import annotations

import math
import operator
import warnings

import numpy as np

from ..amp import _active as _amp_on
from ..amp import _tls as _amp
from ..amp import autocast_call as _autocast
from ..dtypes import COMPLEX
from ..errors import ShapeError
from ..function import Function
from ..tensor import Tensor
from ._dims import norm_dim
from ._linalg_util import _arg, _f, _raw, _shape, _xp
from .arithmetic import Matmul, zero_grad
from .complex_parts import conj
from .decomp import inv

__all__ = [
    "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm", "addmv", "addbmm",
    "baddbmm", "tensordot", "trace", "kron", "cross", "chain_matmul", "matrix_power",
]  # fmt: skip


# -- products (through Matmul) ------------------------------------------------------------------


def mm(input, mat2):  # noqa: A002 - PyTorch's name
    """Matrix product of 2-D tensors: (n, k) @ (k, m) -> (n, m). No broadcasting."""
    if _amp_on[0] and _amp.ready:
        return _autocast(mm, input, mat2)
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
    if _amp_on[0] and _amp.ready:
        return _autocast(bmm, input, mat2)
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
    if _amp_on[0] and _amp.ready:
        return _autocast(mv, input, vec)
    a, b = _arg(input), _arg(vec)
    sa, sb = _shape(a), _shape(b)
    if len(sa) != 2 or len(sb) != 1:
        raise ShapeError(f"mv: expected a 2-D matrix and a 1-D vector, got shapes {sa} and {sb}")
    if sa[1] != sb[0]:
        raise ShapeError(f"mv: size mismatch, got mat {sa[0]}x{sa[1]} and vec ({sb[0]})")
    return Matmul.apply(a, b)


def dot(input, other):  # noqa: A002
    """Inner product of two 1-D tensors of the same length: (n,), (n,) -> 0-d."""
    if _amp_on[0] and _amp.ready:
        return _autocast(dot, input, other)
    a, b = _arg(input), _arg(other)
    sa, sb = _shape(a), _shape(b)
    if len(sa) != 1 or len(sb) != 1:
        raise ShapeError(f"dot: expected 1-D tensors, got shapes {sa} and {sb}")
    if sa != sb:
        raise ShapeError(f"dot: inconsistent tensor size, got shapes {sa} and {sb}")
    return Matmul.apply(a, b)


def vdot(input, other):  # noqa: A002
    """sum(conj(x) * y) of 1-D tensors (n,), (n,) -> 0-d: the first argument is conjugated
    (for real tensors the same as ``dot``)."""
    if _amp_on[0] and _amp.ready:
        return _autocast(vdot, input, other)
    a, b = _arg(input), _arg(other)
    sa, sb = _shape(a), _shape(b)
    if len(sa) != 1 or len(sb) != 1:
        raise ShapeError(f"vdot: expected 1-D tensors, got shapes {sa} and {sb}")
    if sa != sb:
        raise ShapeError(f"vdot: inconsistent tensor size, got shapes {sa} and {sb}")
    return Matmul.apply(conj(a), b)


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
    if _amp_on[0] and _amp.ready:
        return _autocast(tensordot, a, b, dims)
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
    if _amp_on[0] and _amp.ready:
        return _autocast(addmm, input, mat1, mat2, beta, alpha)
    return _scaled_sum("addmm", input, mm(mat1, mat2), beta, alpha)


def addmv(input, mat, vec, beta=1, alpha=1):  # noqa: A002
    """beta * input + alpha * (mat @ vec). mat (n, k), vec (k,); input broadcasts to (n,)."""
    if _amp_on[0] and _amp.ready:
        return _autocast(addmv, input, mat, vec, beta, alpha)
    return _scaled_sum("addmv", input, mv(mat, vec), beta, alpha)


def baddbmm(input, batch1, batch2, beta=1, alpha=1):  # noqa: A002
    """beta * input + alpha * bmm(batch1, batch2). batch1 (b, n, k), batch2 (b, k, m); input
    broadcasts to (b, n, m)."""
    if _amp_on[0] and _amp.ready:
        return _autocast(baddbmm, input, batch1, batch2, beta, alpha)
    return _scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha)


def addbmm(input, batch1, batch2, beta=1, alpha=1):  # noqa: A002
    """beta * input + alpha * sum_i batch1[i] @ batch2[i]: one (n, b*k) @ (b*k, m) product.
    batch1 (b, n, k), batch2 (b, k, m); input broadcasts to (n, m)."""
    if _amp_on[0] and _amp.ready:
        return _autocast(addbmm, input, batch1, batch2, beta, alpha)
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
    if _amp_on[0] and _amp.ready:
        return _autocast(trace, input)
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
    complex_ok = True  # bilinear: complex gx = conj(y) × gz, gy = gz × conj(x)

    def forward(self, x, y, axis):
        self.axis = axis
        xp = _xp(x)

        def r(v, k):
            return xp.roll(v, -k, axis=axis)

        return r(x, 1) * r(y, 2) - r(x, 2) * r(y, 1)

    def backward(self, gy):
        x, y = self.saved
        ax = self.axis
        if self.odtype in COMPLEX:
            x, y = conj(x), conj(y)
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
    if _amp_on[0] and _amp.ready:
        return _autocast(cross, input, other, dim)
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
    """The product of 2-D ``mats`` in the cheapest order, chosen as torch's multi_dot chooses
    it (its rule for three matrices, else dynamic programming over the splits, the first
    cheapest split winning), so rounding and inf / NaN come out alike."""
    n = len(mats)
    if n == 1:
        return mats[0]
    if n == 2:
        return Matmul.apply(mats[0], mats[1])
    p = [mats[0].shape[0]] + [m.shape[1] for m in mats]
    if n == 3:  # torch's own rule for three: (A B) C unless A (B C) is strictly cheaper
        a, b, c, d = p
        if a * c * (b + d) > b * d * (a + c):
            return Matmul.apply(mats[0], Matmul.apply(mats[1], mats[2]))
        return Matmul.apply(Matmul.apply(mats[0], mats[1]), mats[2])
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
    if _amp_on[0] and _amp.ready:
        return _autocast(multi_dot, tensors)
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
    if _amp_on[0] and _amp.ready:
        return _autocast(chain_matmul, *matrices)
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
    if _amp_on[0] and _amp.ready:
        return _autocast(linalg_matmul, input, other)
    return Matmul.apply(input, other)


def vecdot(x, y, *, dim=-1):
    """Dot product of vectors along ``dim``: sum(conj(x) * y, dim) (x conjugated, as
    torch.linalg.vecdot), shapes broadcast. Returns the broadcast shape without ``dim``."""
    if _amp_on[0] and _amp.ready:
        return _autocast(vecdot, x, y, dim=dim)
    return _f().sum(conj(_arg(x)) * _arg(y), dim=dim)


class _ZeroGrad(Function):
    """y = value (a constant of x's shape); x gets a zero gradient (matrix_power(A, 0))."""

    __slots__ = ()
    complex_ok = True

    def forward(self, x, value):
        return value

    def backward(self, gy):
        return zero_grad(gy), None


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
