"""Private helpers of the linear-algebra decompositions, shared by ``decomp.py`` (inverse,
determinants, solves) and ``decomp_factor.py`` (factorisations, pseudo-inverse): ``LinAlgError``,
transposes, constant triangular masks, diagonals, the LAPACK error wrapper, the packing of
several outputs into one array, the zero-cotangent and tie checks of the backward rules, and
the triangular solve (``SolveTriangular``) that both halves' backward rules use.

Complex matrices use ``_H`` (the conjugate transpose) where the real rules use ``_T``.
"""

from __future__ import annotations

import math

import numpy as np

from ..dtypes import COMPLEX
from ..errors import ShapeError
from ..function import Function
from ..tensor import Tensor
from ._linalg_util import _f, _raw, _shape, _xp
from .arithmetic import Matmul
from .complex_parts import conj


class LinAlgError(RuntimeError):
    """A factorisation or inversion failed: a singular matrix, a matrix that is not positive
    definite, an SVD that did not converge (``torch.linalg.LinAlgError``)."""


# -- helpers ------------------------------------------------------------------------------------


def _T(x):
    return x.swapaxes(-1, -2)


def _H(x):
    """The conjugate transpose x^H (complex rules use it where the real ones use ``_T``)."""
    return conj(x.swapaxes(-1, -2))


def _is_c(x) -> bool:
    return _raw(x).dtype in COMPLEX


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


def _tie_safe(e, num, dead):
    """The gaps e with 1 at a tie (e = 0) between two values whose vectors the loss does not
    use (``dead``, (..., k) bool: that column of the vectors' cotangent is exactly 0): the
    pair's term is then 0 / 0 and its limit 0, as the loss does not see how the pair mixes.
    NumPy's LAPACK returns exact ties more often than torch's, which would give NaN there. A
    tie the loss does see still divides by 0 (NaN or inf, as in torch)."""
    re = _raw(e)
    tie = re == 0
    if not bool(tie.any()):
        return e
    both = tie & dead[..., :, None] & dead[..., None, :]
    if not bool(both.any()):
        return e
    return e + both.astype(re.dtype)


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


# -- the triangular solve (cholesky's and qr's backward rules use it too) -----------------------


class SolveTriangular(Function):
    """X with T X = B (left) or X T = B, T the upper/lower triangle of A (unit diagonal when
    ``unit``). gB = T^-T gX (T^T is triangular the other way), gA = -gB X^T (left) or -X^T gB,
    kept to T's triangle (complex: ^H for ^T)."""

    __slots__ = ("upper", "left", "unit")
    save_inputs = (0,)
    save_output = True
    complex_ok = True

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
        t = _H if self.odtype in COMPLEX else _T
        gb = SolveTriangular.apply(t(a), gy, not upper, left, unit)
        ga = None
        if self.needs_grad(0):
            ga = -_mm(gb, t(x)) if left else -_mm(t(x), gb)
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
