"""Reductions over ``dim``/``axis`` (int, tuple or None) with ``keepdim``/``keepdims``, scans
(cumsum, cumprod) and the normalisers along one dim (softmax, log_softmax).

Backward of a reduction first restores the reduced dims (``keepdims`` shape) and then broadcasts
to the input's shape; both steps are differentiable ops, so the rules work for any order.
Subgradients follow PyTorch: a full ``max()``/``amax`` spreads the gradient equally over tied
extrema, ``max(x, dim)`` sends it to the returned index, ``norm`` has gradient 0 at x = 0.

Complex tensors (PyTorch's conjugate convention): sum, mean, prod, cumsum, cumprod and
logsumexp are holomorphic; var, std and norm give real results; max, min, argmax and argmin
refuse them (complex numbers are not ordered), as in PyTorch.

The scans live in ``_scan.py``, logsumexp and the softmaxes in ``_softmax.py`` and the shared
helpers in ``_reduce_util.py``; all are re-exported here.
"""

from __future__ import annotations

import builtins as _b
import math
import operator
import warnings
from collections import namedtuple

import numpy as np

from backends import array_module

from ..amp import _active as _amp_on
from ..amp import _tls as _amp
from ..amp import autocast_call as _autocast
from ..dtypes import COMPLEX, real_of
from ..function import Function
from ..tensor import Tensor
from ._dims import ndim_of as _ndim
from ._dims import norm_axes, norm_dim, pick_dim, pick_keep
from ._reduce_util import (  # noqa: F401 - re-exported: sorting.py imports them from here
    _axes,
    _check_float,
    _count,
    _f,
    _keep,
    _kshape,
    _like,
    _nonempty,
    _raw,
    _rshape,
    expand_reduced,
)
from ._scan import (  # noqa: F401 - re-exported (cumsum, cumprod and their classes)
    Cumprod,
    Cumsum,
    _excl_cumprod,
    _Flip,
    _idx,
    _raffine_scan,
    _rcumsum,
    _rexcl_cumprod,
    _scan_dim,
    _Shift,
    cumprod,
    cumsum,
)
from ._softmax import (  # noqa: F401 - re-exported (logsumexp, softmax, log_softmax)
    LogSoftmax,
    LogSumExp,
    Softmax,
    _sm_dim,
    _stable_max,
    log_softmax,
    logsumexp,
    softmax,
)
from .arithmetic import keep_where
from .complex_parts import conj, sgn

__all__ = [
    "Sum", "Mean", "Prod", "AMax", "AMin", "MaxDim", "Var", "Std", "LogSumExp", "Norm", "Cumsum",
    "Cumprod", "Softmax", "LogSoftmax", "expand_reduced",
    "sum", "mean", "prod", "max", "min", "amax", "amin", "var", "std", "logsumexp", "norm",
    "argmax", "argmin", "cumsum", "cumprod", "all", "any", "softmax", "log_softmax",
]  # fmt: skip

# what max(x, dim) / min(x, dim) return, like torch.return_types.max / .min
MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])


# -- sum, mean, prod ----------------------------------------------------------------------------


class Sum(Function):
    """y = sum of x over ``axes``; dy/dx = 1 broadcast back."""

    __slots__ = ("axes", "keep", "xshape")
    complex_ok = True  # moves or sums gy only

    def forward(self, x, axes, keep, dtype):
        self.axes, self.keep, self.xshape = axes, keep, x.shape
        return x.sum(axis=axes, keepdims=keep, dtype=dtype)

    def backward(self, gy):
        return (
            self.reduce_grad(0, expand_reduced(gy, self.axes, self.keep, self.xshape)),
            None,
            None,
            None,
        )


class Mean(Function):
    """y = mean of x over ``axes``; dy/dx = 1/n broadcast back."""

    __slots__ = ("axes", "keep", "xshape")
    complex_ok = True  # moves or sums gy only

    def forward(self, x, axes, keep):
        if x.dtype.kind not in "fc":
            raise TypeError(f"mean: expected a floating point tensor, got dtype {x.dtype}")
        self.axes, self.keep, self.xshape = axes, keep, x.shape
        return x.mean(axis=axes, keepdims=keep)

    def backward(self, gy):
        xs = self.xshape
        n = int(np.prod(xs)) if self.axes is None else int(np.prod([xs[a] for a in self.axes]))
        g = expand_reduced(gy, self.axes, self.keep, xs)
        return g * (1.0 / _b.max(n, 1)), None, None


class Prod(Function):
    """y = product of x over ``axes``; dy/dx_i = prod_{j != i} x_j.

    That is (prod_{j<i} x_j) * (prod_{j>i} x_j): two exclusive cumulative products over the
    reduced elements, with no division, so zeros in x (one or several) are exact, and the rule
    is differentiable again (cumprod's own rule handles zeros). Complex x: the product is
    holomorphic, so gx = g * conj(prod_{j != i} x_j), the same products of conj(x).
    """

    __slots__ = ("axes", "keep", "xshape")
    save_inputs = (0,)
    complex_ok = True

    def forward(self, x, axes, keep):
        self.axes, self.keep, self.xshape = axes, keep, x.shape
        return x.prod(axis=axes, keepdims=keep)

    def backward(self, gy):
        (x,) = self.saved
        axes, xshape = self.axes, self.xshape
        g = expand_reduced(gy, axes, self.keep, xshape)
        if self.odtype in COMPLEX:
            x = conj(x)
        if len(xshape) == 0:
            return self.reduce_grad(0, g), None, None
        if axes is not None and len(axes) == 1:  # along one dim: no reshaping needed
            a = axes[0]
            others = _excl_cumprod(x, a) * _rexcl_cumprod(x, a)
        else:
            # move the reduced dims last and flatten them into one of size n
            ops = _f()
            red = tuple(range(len(xshape))) if axes is None else axes
            kept = tuple(i for i in range(len(xshape)) if i not in red)
            perm = kept + red
            pshape = tuple(xshape[i] for i in perm)
            xt = ops.reshape(ops.permute(x, perm), pshape[: len(kept)] + (-1,))
            ex = _excl_cumprod(xt, len(kept)) * _rexcl_cumprod(xt, len(kept))
            others = ops.permute(ops.reshape(ex, pshape), tuple(np.argsort(perm)))
        return self.reduce_grad(0, g * others), None, None


def sum(x, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):  # noqa: A001
    """Sum over ``dim`` (int, tuple, or None for all). x: any shape."""
    if _amp_on[0] and _amp.ready and dtype is None:
        return _autocast(sum, x, dim, keepdim, axis=axis, keepdims=keepdims, dtype=dtype)
    axes = _axes("sum", x, dim, axis)
    return Sum.apply(x, axes, pick_keep(keepdim, keepdims), dtype)


def mean(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Mean over ``dim`` (int, tuple, or None for all). x: any float shape."""
    axes = _axes("mean", x, dim, axis)
    return Mean.apply(x, axes, pick_keep(keepdim, keepdims))


def prod(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Product over ``dim`` (int, tuple, or None for all).

    x: any shape. Returns x's shape without the reduced dims (size 1 with keepdim). The
    gradient is exact with zeros in x (no division by x).
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(prod, x, dim, keepdim, axis=axis, keepdims=keepdims)
    axes = _axes("prod", x, dim, axis)
    return Prod.apply(x, axes, pick_keep(keepdim, keepdims))


# -- max, min, amax, amin, argmax, argmin -------------------------------------------------------


class AMax(Function):
    """y = max of x over ``axes``; the gradient is split equally among the tied maxima."""

    __slots__ = ("axes", "keep", "xshape")
    save_inputs = (0,)
    save_output = True
    op_name = "amax"

    def _reduce(self, x, axes, keep):
        return x.max(axis=axes, keepdims=keep)

    def forward(self, x, axes, keep):
        _nonempty(self.op_name, x.shape, axes)
        self.axes, self.keep, self.xshape = axes, keep, x.shape
        return self._reduce(x, axes, keep)

    def backward(self, gy):
        x, y = self.saved
        axes, xshape = self.axes, self.xshape
        xr, yr = _raw(x), _keep(_raw(y), axes, self.keep, xshape)
        hit = xr == yr
        if yr.dtype.kind == "f" and bool(np.isnan(yr).any()):  # NaN is the max: it gets the grad
            hit |= np.isnan(xr) & np.isnan(yr)
        # the weights are piecewise constant in x: a constant for higher orders
        w = hit.astype(xr.dtype)
        w = w / w.sum(axis=axes, keepdims=True)
        # selected, not multiplied: an inf or NaN gy stays off the other elements (torch CPU)
        g = keep_where(expand_reduced(gy, axes, self.keep, xshape) * w, hit)
        return self.reduce_grad(0, g), None, None


class AMin(AMax):
    """y = min of x over ``axes``; the gradient is split equally among the tied minima."""

    __slots__ = ()
    op_name = "amin"

    def _reduce(self, x, axes, keep):
        return x.min(axis=axes, keepdims=keep)


class MaxDim(Function):
    """values = x at ``idx`` along ``axis`` (idx: argmax or argmin, keepdim shape).

    The gradient goes to the selected index only (PyTorch's max(dim)/min(dim) semantics).
    """

    __slots__ = ("idx", "axis", "keep", "xshape")

    def forward(self, x, idx, axis, keep):
        self.idx, self.axis, self.keep, self.xshape = idx, axis, keep, x.shape
        xp = np if type(x) is np.ndarray else array_module(x)
        y = xp.take_along_axis(x, idx, axis)
        return y if keep else y.reshape(idx.shape[:axis] + idx.shape[axis + 1 :])

    def backward(self, gy):
        axis, xshape = self.axis, self.xshape
        if not self.keep:
            gy = gy.reshape(self.idx.shape)
        xp = array_module(self.idx)
        pos = xp.arange(xshape[axis]).reshape((-1,) + (1,) * (len(xshape) - axis - 1))
        onehot = pos == self.idx  # broadcasts to xshape; a constant
        return self.reduce_grad(0, keep_where(gy, onehot)), None, None, None


def _no_complex(op, x):
    """TypeError for a complex x: complex numbers are not ordered (PyTorch refuses too)."""
    dt = getattr(_raw(x), "dtype", None)
    if dt in COMPLEX:
        raise TypeError(f"{op}(): does not support complex input (dtype {dt})")


def amax(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Max over ``dim`` (int, tuple, or None for all); ties share the gradient equally.

    x: any non-empty real shape. Returns x's shape without the reduced dims (size 1 with
    keepdim).
    """
    _no_complex("amax", x)
    axes = _axes("amax", x, dim, axis)
    return AMax.apply(x, axes, pick_keep(keepdim, keepdims))


def amin(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Min over ``dim`` (int, tuple, or None for all); ties share the gradient equally.

    x: any non-empty real shape. Returns x's shape without the reduced dims (size 1 with
    keepdim).
    """
    _no_complex("amin", x)
    axes = _axes("amin", x, dim, axis)
    return AMin.apply(x, axes, pick_keep(keepdim, keepdims))


def _arg(op, x, dim, keep, find):
    """argmax/argmin: int64 indices (no gradient). dim None: into the flattened x."""
    _no_complex(op, x)
    xr = _raw(x)
    if dim is None:
        _nonempty(op, xr.shape, None)
        i = find(xr, None)
        i = i.reshape((1,) * xr.ndim) if keep else i
    else:
        d = norm_dim(dim, xr.ndim, op)
        if xr.ndim == 0:
            i = find(xr, None)
        else:
            _nonempty(op, xr.shape, (d,))
            i = find(xr, d)
            if keep:
                i = i.reshape(_kshape(xr.shape, (d,)))
    i = i.astype(np.int64) if hasattr(i, "astype") else np.asarray(i, dtype=np.int64)
    return _like(x, i)


def argmax(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Indices (int64, no gradient) of the max along ``dim``; dim None: into the flattened x.

    x: any non-empty shape. Returns x's shape without ``dim`` (size 1 with keepdim; all ones
    with dim None and keepdim; 0-d with dim None).
    """
    dim = pick_dim(dim, axis, "argmax")
    return _arg("argmax", x, dim, pick_keep(keepdim, keepdims), lambda a, d: a.argmax(axis=d))


def argmin(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Indices (int64, no gradient) of the min along ``dim``; dim None: into the flattened x.

    x: any non-empty shape. Returns x's shape without ``dim`` (size 1 with keepdim).
    """
    dim = pick_dim(dim, axis, "argmin")
    return _arg("argmin", x, dim, pick_keep(keepdim, keepdims), lambda a, d: a.argmin(axis=d))


def _is_other(dim) -> bool:
    """Whether max/min's second argument is a tensor/array to compare with, not a dim."""
    if isinstance(dim, Tensor):
        return True
    if dim is None or isinstance(dim, (int, tuple, list)):
        return False
    try:
        operator.index(dim)  # numpy ints and 0-d int arrays are dims
        return False
    except TypeError:
        return hasattr(dim, "shape")


def _max_min(op, x, dim, keepdim, axis, keepdims):
    dim = pick_dim(dim, axis, op)
    keep = pick_keep(keepdim, keepdims)
    if _is_other(dim):  # max(x, other): the elementwise maximum (PyTorch's overload)
        return (_f().maximum if op == "max" else _f().minimum)(x, dim)
    _no_complex(op, x)
    nd = _ndim(x)
    if isinstance(dim, (tuple, list)) and not dim and axis is None:
        dim = None  # PyTorch: an empty dim list reduces every dim
    if dim is None or isinstance(dim, (tuple, list)):
        cls = AMax if op == "max" else AMin
        return cls.apply(x, None if nd == 0 else norm_axes(dim, nd, op), keep)
    d = norm_dim(dim, nd, op)
    if nd == 0:  # a 0-d tensor: itself, at index 0
        x, keep = x.reshape(1), False
    xr = _raw(x)
    _nonempty(op, xr.shape, (d,))
    i = (xr.argmax if op == "max" else xr.argmin)(axis=d)
    i = i.reshape(_kshape(xr.shape, (d,))).astype(np.int64)
    values = MaxDim.apply(x, i, d, keep)
    indices = _like(x, i if keep else i.reshape(i.shape[:d] + i.shape[d + 1 :]))
    return (MaxResult if op == "max" else MinResult)(values, indices)


def max(x, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001
    """The max of x; with an int ``dim``, a ``(values, indices)`` namedtuple (like PyTorch).

    dim None (or a tuple): the max over those dims as a Tensor, the gradient split equally
    among tied maxima. dim int: ``values`` and int64 ``indices`` (x's shape without ``dim``, or
    size 1 with keepdim); the gradient goes to the returned index. ``max(x, other_tensor)`` is
    the elementwise maximum.
    """
    return _max_min("max", x, dim, keepdim, axis, keepdims)


def min(x, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001
    """The min of x; with an int ``dim``, a ``(values, indices)`` namedtuple (like PyTorch).

    dim None (or a tuple): the min over those dims, the gradient split equally among tied
    minima. dim int: ``values`` and int64 ``indices``; the gradient goes to the index.
    """
    return _max_min("min", x, dim, keepdim, axis, keepdims)


# -- var, std -----------------------------------------------------------------------------------


class Var(Function):
    """y = sum(|x - mean|^2) / (n - correction) over ``axes``; dy/dx = 2 (x - mean) / dof.

    Complex x: y is real (x's part dtype), and the same rule is its gradient in PyTorch's
    convention (d|d|^2 = 2 re(conj(d) dd), so dL/d re + i dL/d im = 2 d / dof times gy).
    """

    __slots__ = ("axes", "keep", "xshape", "dof")
    save_inputs = (0,)
    complex_ok = True

    def forward(self, x, axes, keep, correction):
        name = type(self).__name__.lower()
        _check_float(name, x)
        self.axes, self.keep, self.xshape = axes, keep, x.shape
        self.dof = _b.max(_count(x.shape, axes) - correction, 0)
        if self.dof > 0:
            return self._finish(x.var(axis=axes, keepdims=keep, ddof=correction))
        warnings.warn(
            f"{name}(): degrees of freedom is <= 0 (correction {correction} for "
            f"{_count(x.shape, axes)} elements); the result is inf or nan",
            RuntimeWarning,
            stacklevel=4,
        )
        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # numpy's own warning: said above
            return self._finish(x.var(axis=axes, keepdims=keep, ddof=correction))

    def _finish(self, v):
        return v

    def _scale(self, gy):
        return gy

    def backward(self, gy):
        x = self.saved[0]
        d = x - x.mean(axis=self.axes, keepdims=True)
        scale = 2.0 / self.dof if self.dof > 0 else math.inf
        g = expand_reduced(self._scale(gy), self.axes, self.keep, self.xshape)
        return self.reduce_grad(0, g * d * scale), None, None, None


class Std(Var):
    """y = sqrt(var(x)); dy/dx = (x - mean) / (dof y), and 0 where y = 0 (as PyTorch)."""

    __slots__ = ()
    save_output = True

    def _finish(self, v):
        return np.sqrt(v)

    def _scale(self, gy):
        # d sqrt(v) = dv / (2 y); a constant x (y = 0) gets gradient 0, not NaN
        y = self.saved[1]
        zero = _raw(y) == 0
        if bool(zero.any()):
            ops = _f()
            return ops.where(zero, 0, gy / ops.where(zero, 1, y)) * 0.5
        return gy / y * 0.5


def _correction(op, dim, correction, unbiased, ddof):
    """``(dim, correction)``: PyTorch's overloads (``var(x, unbiased)``, ``var(x, dim,
    unbiased)``, ``correction=``) and NumPy's ``ddof``, one of them at a time."""
    if isinstance(dim, bool):  # var(x, False): the legacy (input, unbiased) overload
        if unbiased is not None:
            raise TypeError(f"{op}: unbiased given twice (as the dim argument and by name)")
        dim, unbiased = None, dim
    given = [n for n, v in (("correction", correction), ("unbiased", unbiased), ("ddof", ddof))
             if v is not None]  # fmt: skip
    if len(given) > 1:
        raise TypeError(f"{op}: pass one of {' and '.join(given)}, not both")
    if ddof is not None:
        return dim, ddof
    if unbiased is not None:
        return dim, 1 if unbiased else 0
    return dim, 1 if correction is None else correction


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None,
        ddof=None):  # fmt: skip
    """Variance over ``dim`` (int, tuple, or None for all), divided by ``n - correction``.

    x: any float or complex shape (complex: the mean of |x - mean|^2, real). PyTorch's
    arguments: ``var(x, dim, unbiased, keepdim)`` positionally (``unbiased=False`` is
    correction 0), or ``correction=`` (default 1); ``ddof`` is NumPy's name for correction.
    Returns x's shape without the reduced dims (size 1 with keepdim).
    """
    dim, c = _correction("var", dim, correction, unbiased, ddof)
    axes = _axes("var", x, dim, axis)
    return Var.apply(x, axes, pick_keep(keepdim, keepdims), c)


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None,
        ddof=None):  # fmt: skip
    """Standard deviation: sqrt(var(x, ...)); same arguments and shapes as ``var``.

    The gradient is 0 where the std is 0 (a constant slice), as in PyTorch.
    """
    dim, c = _correction("std", dim, correction, unbiased, ddof)
    axes = _axes("std", x, dim, axis)
    return Std.apply(x, axes, pick_keep(keepdim, keepdims), c)


# -- norm ---------------------------------------------------------------------------------------


class Norm(Function):
    """y = (sum |x|^p)^(1/p) over ``axes`` for a finite p != 0 (p = 2: sqrt(sum x^2)).

    dy/dx = sign(x) |x|^(p-1) / y^(p-1) (x / y for p = 2), and 0 where y = 0 (PyTorch's
    convention: the gradient of a norm at 0 is 0, not NaN). Complex x: y is real (the norm
    of |x|) and sign(x) is sgn(x) = x / |x|, which is d|x| in PyTorch's convention.
    """

    __slots__ = ("p", "axes", "keep", "xshape")
    save_inputs = (0,)
    save_output = True
    complex_ok = True

    def forward(self, x, p, axes, keep):
        _check_float("norm", x)
        self.p, self.axes, self.keep, self.xshape = p, axes, keep, x.shape
        if x.dtype in COMPLEX:
            x = np.abs(x)  # real, x's part dtype (np.abs dispatches to cupy)
        if p == 2:
            return np.sqrt((x * x).sum(axis=axes, keepdims=keep))
        with np.errstate(divide="ignore"):
            return (np.abs(x) ** p).sum(axis=axes, keepdims=keep) ** (1.0 / p)

    def backward(self, gy):
        x, y = self.saved
        p, ops = self.p, _f()
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 2:
                xpart, ypart = x, y
            else:
                sign = sgn(x) if _raw(x).dtype in COMPLEX else ops.sign(x)
                xpart = sign * ops.abs(x) ** (p - 1)
                if p < 1:  # |x|^(p-1) is infinite at 0: use 0 there
                    xpart = ops.where(_raw(x) == 0, 0, xpart)
                ypart = y ** (p - 1)
            zero = _raw(y) == 0
            if bool(zero.any()):
                s = ops.where(zero, 0, gy / ops.where(zero, 1, ypart))
            else:
                s = gy / ypart
        g = expand_reduced(s, self.axes, self.keep, self.xshape) * xpart
        return self.reduce_grad(0, g), None, None, None


def norm(x, p="fro", dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The vector p-norm of x over ``dim`` (int, tuple, or None for all elements).

    p: ``'fro'`` or 2 (Euclidean), 1, ``inf`` (max |x|), ``-inf`` (min |x|), 0 (count of
    non-zeros) or any other float. x: any float or complex shape (complex: the norm of |x|, in
    the real dtype of its parts). Returns x's shape without the reduced dims (size 1 with
    keepdim). The gradient at x = 0 is 0 (PyTorch's convention); ties of
    |x| for inf/-inf share the gradient equally.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(norm, x, p, dim, keepdim, axis=axis, keepdims=keepdims)
    axes = _axes("norm", x, dim, axis)
    keep = pick_keep(keepdim, keepdims)
    if isinstance(p, str):
        if p != "fro":
            raise ValueError(f"norm: p={p!r} is not supported; use 'fro' or a number")
        p = 2
    try:
        p = float(p)
    except (TypeError, ValueError):
        raise TypeError(f"norm: p must be 'fro' or a number, got {p!r}") from None
    _check_float("norm", x)
    ops = _f()
    if p == math.inf:
        return AMax.apply(ops.abs(x), axes, keep)
    if p == -math.inf:
        return AMin.apply(ops.abs(x), axes, keep)
    if p == 1:
        return Sum.apply(ops.abs(x), axes, keep, None)
    if p == 0:
        return NonzeroCount.apply(x, axes, keep)
    if math.isnan(p):
        raise ValueError("norm: p must not be NaN")
    return Norm.apply(x, p, axes, keep)


class NonzeroCount(Function):
    """y = the number of non-zero x over ``axes`` (norm with p = 0), in x's dtype.

    Piecewise constant in x: the gradient is 0 (PyTorch's), and the output stays on the graph.
    """

    __slots__ = ("xshape",)
    complex_ok = True  # zero gradient; a complex x counts in its part dtype

    def forward(self, x, axes, keep):
        self.xshape = x.shape
        return (x != 0).sum(axis=axes, keepdims=keep).astype(real_of(x.dtype))

    def backward(self, gy):
        raw = gy._data if isinstance(gy, Tensor) else gy  # a Tensor under create_graph
        return array_module(raw).zeros(self.xshape, dtype=self.input_meta(0)[1]), None, None


# -- all, any -----------------------------------------------------------------------------------


def all(x, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001
    """Whether every element over ``dim`` (int, tuple, None for all) is non-zero; bool, no grad.

    x: any shape. Returns x's shape without the reduced dims (size 1 with keepdim).
    """
    axes = _axes("all", x, dim, axis, empty_is_all=False)
    return _like(x, _raw(x).all(axis=axes, keepdims=pick_keep(keepdim, keepdims)))


def any(x, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001
    """Whether some element over ``dim`` (int, tuple, None for all) is non-zero; bool, no grad.

    x: any shape. Returns x's shape without the reduced dims (size 1 with keepdim).
    """
    axes = _axes("any", x, dim, axis, empty_is_all=False)
    return _like(x, _raw(x).any(axis=axes, keepdims=pick_keep(keepdim, keepdims)))
