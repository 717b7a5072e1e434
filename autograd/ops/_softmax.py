"""log-sum-exp and the normalisers along one dim built on the same stable max: logsumexp,
softmax and log_softmax.
"""

from __future__ import annotations

import builtins as _b

import numpy as np

from backends import array_module

from ..amp import _active as _amp_on
from ..amp import _tls as _amp
from ..amp import autocast_call as _autocast
from ..dtypes import COMPLEX
from ..function import Function
from ._dims import ndim_of as _ndim
from ._dims import norm_dim, pick_dim, pick_keep
from ._reduce_util import _axes, _check_float, _f, _keep, _raw, _rshape, expand_reduced

__all__ = ["LogSumExp", "Softmax", "LogSoftmax", "logsumexp", "softmax", "log_softmax"]


def _stable_max(x, axes):
    """The max over ``axes`` (keepdims) with non-finite values (all -inf rows) replaced by 0."""
    if x.size == 0 or (axes is not None and _b.any(x.shape[a] == 0 for a in axes)):
        return 0
    m = x.max(axis=axes, keepdims=True)
    if m.dtype.kind == "f":
        xp = np if type(m) is np.ndarray else array_module(m)
        m = xp.where(np.isfinite(m), m, 0)
    return m


class LogSumExp(Function):
    """y = log(sum(exp(x))) over ``axes``, computed as m + log(sum(exp(x - m))), m = max.

    dy/dx = exp(x - y) (a softmax); rows that are all -inf get gradient 0. Complex x (as
    PyTorch): m is the max of the real parts, y the principal log, and the gradient, the map
    being holomorphic, gy * conj(exp(x - y)).
    """

    __slots__ = ("axes", "keep", "xshape")
    save_inputs = (0,)
    save_output = True
    complex_ok = True

    def forward(self, x, axes, keep):
        _check_float("logsumexp", x)
        self.axes, self.keep, self.xshape = axes, keep, x.shape
        m = _stable_max(x.real if x.dtype in COMPLEX else x, axes)
        with np.errstate(divide="ignore"):  # log(0) = -inf for all -inf rows
            y = np.log(np.exp(x - m).sum(axis=axes, keepdims=True)) + m
        return y if keep else y.reshape(_rshape(x.shape, axes))

    def backward(self, gy):
        x, y = self.saved
        axes, xshape = self.axes, self.xshape
        yk = _keep(y, axes, self.keep, xshape)
        ninf = _raw(yk) == -np.inf
        if bool(ninf.any()):  # all -inf rows: exp(-inf - 0) = 0, not exp(-inf + inf) = NaN
            yk = _f().where(ninf, 0, yk)
        e = _f().exp(x - yk)
        if self.odtype in COMPLEX:
            e = _f().conj(e)
        g = expand_reduced(gy, axes, self.keep, xshape) * e
        return self.reduce_grad(0, g), None, None


def logsumexp(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """log(sum(exp(x))) over ``dim`` (int, tuple, or None for all), numerically stable.

    x: any float or complex shape (complex: the principal log, shifted by the max real part).
    Finite for inputs of +-1e4; -inf for rows that are all -inf.
    Returns x's shape without the reduced dims (size 1 with keepdim).
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(logsumexp, x, dim, keepdim, axis=axis, keepdims=keepdims)
    axes = _axes("logsumexp", x, dim, axis)
    return LogSumExp.apply(x, axes, pick_keep(keepdim, keepdims))


class Softmax(Function):
    """y = exp(x - m) / sum(exp(x - m)) along ``axis``; dx = y * (gy - sum(gy * y))."""

    __slots__ = ("axis",)
    save_output = True

    def forward(self, x, axis):
        _check_float("softmax", x)
        if x.dtype.kind == "c":  # torch refuses too
            raise TypeError(f"softmax: not supported for complex tensors (got {x.dtype})")
        self.axis = axis
        e = np.exp(x - _stable_max(x, None if axis is None else (axis,)))
        with np.errstate(invalid="ignore"):  # all -inf rows: 0/0 = NaN, as PyTorch
            return e / e.sum(axis=axis, keepdims=True)

    def backward(self, gy):
        (y,) = self.saved
        gyy = gy * y
        return self.reduce_grad(0, gyy - y * gyy.sum(axis=self.axis, keepdims=True)), None


class LogSoftmax(Function):
    """y = x - m - log(sum(exp(x - m))) along ``axis``; dx = gy - exp(y) * sum(gy)."""

    __slots__ = ("axis",)
    save_output = True

    def forward(self, x, axis):
        _check_float("log_softmax", x)
        if x.dtype.kind == "c":  # torch refuses too
            raise TypeError(f"log_softmax: not supported for complex tensors (got {x.dtype})")
        self.axis = axis
        z = x - _stable_max(x, None if axis is None else (axis,))
        with np.errstate(divide="ignore", invalid="ignore"):
            return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))

    def backward(self, gy):
        (y,) = self.saved
        g = gy - _f().exp(y) * gy.sum(axis=self.axis, keepdims=True)
        return self.reduce_grad(0, g), None


def _sm_dim(op, x, dim, axis):
    nd = _ndim(x)
    d = norm_dim(pick_dim(dim, axis, op), nd, op)
    return None if nd == 0 else d  # a 0-d x: the one element


def softmax(x, dim=-1, *, axis=None, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim`` (default the last), stable for large |x|.

    x: any float shape; returns the same shape. ``dtype``: cast x first.
    """
    if _amp_on[0] and _amp.ready and dtype is None:
        return _autocast(softmax, x, dim, axis=axis, dtype=dtype)
    if dtype is not None:
        x = _f().cast(x, dtype)
    d = _sm_dim("softmax", x, dim, axis)
    return Softmax.apply(x, d)


def log_softmax(x, dim=-1, *, axis=None, dtype=None):
    """log(softmax(x)) along ``dim`` (default the last), computed stably.

    x: any float shape; returns the same shape. ``dtype``: cast x first.
    """
    if _amp_on[0] and _amp.ready and dtype is None:
        return _autocast(log_softmax, x, dim, axis=axis, dtype=dtype)
    if dtype is not None:
        x = _f().cast(x, dtype)
    d = _sm_dim("log_softmax", x, dim, axis)
    return LogSoftmax.apply(x, d)
