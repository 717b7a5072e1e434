"""Scans along one dim: cumsum and cumprod, and the differentiable shifts, flips and log-depth
affine scan their backward rules (and prod's) are built from.

Cumprod's gradient is exact with zeros in x and differentiable again (see ``Cumprod``).
"""

from __future__ import annotations

import numpy as np

from backends import array_module

from ..amp import _active as _amp_on
from ..amp import _tls as _amp
from ..amp import autocast_call as _autocast
from ..dtypes import COMPLEX
from ..function import Function
from ..tensor import Tensor
from ._dims import ndim_of as _ndim
from ._dims import norm_dim, pick_dim
from .complex_parts import conj

__all__ = ["Cumsum", "Cumprod", "cumsum", "cumprod"]


def _idx(axis, sl):
    """An index tuple applying slice ``sl`` along ``axis`` (non-negative)."""
    return (slice(None),) * axis + (sl,)


class _Shift(Function):
    """y[i] = x[i - d] along ``axis``, with ``fill`` shifted in; dy/dx is a shift by -d."""

    __slots__ = ("d", "axis")
    complex_ok = True  # moves or sums gy only

    def forward(self, x, d, axis, fill):
        self.d, self.axis = d, axis
        xp = np if type(x) is np.ndarray else array_module(x)
        y = xp.full(x.shape, fill, dtype=x.dtype)
        n = x.shape[axis]
        if abs(d) < n:
            if d >= 0:
                y[_idx(axis, slice(d, None))] = x[_idx(axis, slice(0, n - d))]
            else:
                y[_idx(axis, slice(0, n + d))] = x[_idx(axis, slice(-d, None))]
        return y

    def backward(self, gy):
        return _Shift.apply(gy, -self.d, self.axis, 0), None, None, None


class _Flip(Function):
    """y = x reversed along ``axis`` (a view); dy/dx reverses gy."""

    __slots__ = ("axis",)
    complex_ok = True  # moves or sums gy only

    def forward(self, x, axis):
        self.axis = axis
        return x[_idx(axis, slice(None, None, -1))]

    def backward(self, gy):
        return _Flip.apply(gy, self.axis), None


def _rcumsum(v, axis):
    """Reverse cumulative sum along ``axis``: out[i] = sum_{k >= i} v[k]."""
    return _Flip.apply(Cumsum.apply(_Flip.apply(v, axis), axis), axis)


def _excl_cumprod(x, axis):
    """Exclusive cumulative product along ``axis``: out[i] = prod_{j < i} x[j] (no division)."""
    return Cumprod.apply(_Shift.apply(x, 1, axis, 1), axis)


def _rexcl_cumprod(x, axis):
    """Reverse exclusive cumulative product: out[i] = prod_{j > i} x[j]."""
    return _Flip.apply(_excl_cumprod(_Flip.apply(x, axis), axis), axis)


def _raffine_scan(a, b, axis):
    """s[i] = b[i] + a[i] * s[i+1] along ``axis`` (s past the end = 0; needs a[-1] = 0).

    A Hillis-Steele scan: log2(n) steps, each composing element i's affine map with element
    i+d's; zeros shifted in past the end are exact because a[-1] = 0. Only products and sums,
    so it is a polynomial in a and b and differentiates exactly (zeros included).
    """
    n = b.shape[axis]
    d = 1
    while d < n:
        b = b + a * _Shift.apply(b, -d, axis, 0)
        if 2 * d < n:
            a = a * _Shift.apply(a, -d, axis, 0)
        d *= 2
    return b


class Cumsum(Function):
    """y[i] = sum_{j <= i} x[j] along ``axis``; dx[i] = sum_{k >= i} gy[k]."""

    __slots__ = ("axis",)
    complex_ok = True  # moves or sums gy only

    def forward(self, x, axis):
        self.axis = axis
        return x.cumsum(axis=axis) if x.ndim else x.copy()

    def backward(self, gy):
        if gy.ndim == 0:
            return self.reduce_grad(0, gy), None
        return self.reduce_grad(0, _rcumsum(gy, self.axis)), None


class Cumprod(Function):
    """y[k] = prod_{j <= k} x[j] along ``axis``; dx[i] = sum_{k >= i} gy[k] prod_{j<=k, j!=i} x[j].

    That is L[i] * s[i] with L the exclusive cumprod and s[i] = gy[i] + x[i+1] s[i+1], a linear
    recurrence solved by a log-depth scan: exact with zeros, and differentiable again. Without
    zeros (and at first order) it is the cheaper reverse-cumsum(gy * y) / x. Complex x: the
    products are holomorphic, and their derivatives polynomials with real coefficients, so the
    same rule on conj(x) and conj(y) gives gy * conj(dy/dx).
    """

    __slots__ = ("axis",)
    save_inputs = (0,)
    save_output = True
    complex_ok = True

    def forward(self, x, axis):
        self.axis = axis
        return x.cumprod(axis=axis) if x.ndim else x.copy()

    def backward(self, gy):
        x, y = self.saved
        if gy.ndim == 0:
            return self.reduce_grad(0, gy), None
        if self.odtype in COMPLEX:
            x, y = conj(x), conj(y)
        ax = self.axis
        if not isinstance(x, Tensor) and not isinstance(gy, Tensor) and bool((x != 0).all()):
            g = _rcumsum(gy * y, ax) / x
        else:
            g = _excl_cumprod(x, ax) * _raffine_scan(_Shift.apply(x, -1, ax, 0), gy, ax)
        return self.reduce_grad(0, g), None


def _scan_dim(op, x, dim, axis):
    dim = pick_dim(dim, axis, op)
    nd = _ndim(x)
    if dim is None:
        if nd > 1:
            raise TypeError(
                f"{op}: dim is required for a tensor with {nd} dimensions (pass dim=...)"
            )
        return 0
    return norm_dim(dim, nd, op)


def cumsum(x, dim=None, *, axis=None):
    """Cumulative sum along ``dim`` (required unless x has at most one dim).

    x: any shape; returns the same shape (ints and bools accumulate in int64, as NumPy).
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(cumsum, x, dim, axis=axis)
    return Cumsum.apply(x, _scan_dim("cumsum", x, dim, axis))


def cumprod(x, dim=None, *, axis=None):
    """Cumulative product along ``dim`` (required unless x has at most one dim).

    x: any shape; returns the same shape. The gradient is exact with zeros in x.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(cumprod, x, dim, axis=axis)
    return Cumprod.apply(x, _scan_dim("cumprod", x, dim, axis))
