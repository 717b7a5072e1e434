"""Sorting, selection and scans.

sort, argsort, msort, topk, kthvalue, median, nanmedian, mode, quantile, nanquantile, cummax,
cummin, logcumsumexp, aminmax, searchsorted, bucketize, unique, unique_consecutive.

Every selecting op finds int64 indices first (a stable argsort, a scan) and then takes the values
with a differentiable gather, so the gradient goes to the selected index and is differentiable
again: sort's gather is a permutation (``TakePerm``, whose backward is the inverse permutation),
the others are ``gather`` (backward: scatter-add into zeros). Ties: sort is always stable (torch's
``stable=True`` order; its default sort leaves equal elements in an unspecified order), and so
topk, kthvalue, median(dim) and quantile pick the lowest index among equal values where torch's
choice is unspecified; cummax/cummin point at the latest extremum, mode at the last occurrence and
median(dim) at the first NaN, as torch. Full-tensor ``median()`` spreads the gradient over the
elements equal to the median (torch's ``evenly_distribute_backward``).
"""

from __future__ import annotations

import math
import numbers
import operator
from collections import namedtuple

import numpy as np

from backends import array_module
from backends import device_of as _device_of

from ..errors import ShapeError
from ..function import Function
from ..tensor import Tensor
from ._dims import ndim_of as _ndim
from ._dims import norm_dim, pick_dim, pick_keep
from .reduction import AMax, AMin, _check_float, _kshape, _like, _nonempty, _raw
from .shape import Flip, GetItem, Permute, Reshape, _along

__all__ = [
    "TakePerm", "MedianAll", "NanMedianAll", "LogCumSumExp", "SearchSorted",
    "sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode", "quantile",
    "nanquantile", "cummax", "cummin", "logcumsumexp", "aminmax", "searchsorted", "bucketize",
    "unique", "unique_consecutive",
]  # fmt: skip

# the namedtuples torch.return_types returns
SortResult = namedtuple("sort", ["values", "indices"])
TopkResult = namedtuple("topk", ["values", "indices"])
KthvalueResult = namedtuple("kthvalue", ["values", "indices"])
MedianResult = namedtuple("median", ["values", "indices"])
NanmedianResult = namedtuple("nanmedian", ["values", "indices"])
ModeResult = namedtuple("mode", ["values", "indices"])
CummaxResult = namedtuple("cummax", ["values", "indices"])
CumminResult = namedtuple("cummin", ["values", "indices"])
AminmaxResult = namedtuple("aminmax", ["min", "max"])


# -- helpers ------------------------------------------------------------------------------------


def _f():
    from .. import ops  # late: ops/__init__ imports this module

    return ops


def _xp(a):
    return np if type(a) is np.ndarray else array_module(a)


def _idx(axis, sl):
    """An index tuple applying ``sl`` along ``axis`` (non-negative)."""
    return (slice(None),) * axis + (sl,)


def _dim(op, x, dim, axis, default=-1):
    """``dim`` (or NumPy's ``axis``) as a non-negative int for x (0 for a 0-d x)."""
    if axis is not None:
        if dim != default:
            raise TypeError(f"{op}: got both dim={dim!r} and axis={axis!r}; pass one")
        dim = axis
    if dim is None:
        raise TypeError(f"{op}: missing the dim argument")
    return norm_dim(dim, _ndim(x), op)


def _positions(n, axis, ndim, xp):
    """arange(n) shaped to broadcast along ``axis`` of an ndim-dim array."""
    return xp.arange(n).reshape((n,) + (1,) * (ndim - axis - 1))


def _argsort(a, axis, descending=False):
    """Stable int64 argsort along ``axis``; descending keeps equal elements in input order and
    puts NaN first (torch's order): ascending on the reversed input, read backwards."""
    xp = _xp(a)
    if not descending:
        return xp.argsort(a, axis=axis, kind="stable").astype(np.int64, copy=False)
    rev = _idx(axis, slice(None, None, -1))
    i = xp.argsort(a[rev], axis=axis, kind="stable").astype(np.int64, copy=False)
    return (a.shape[axis] - 1 - i)[rev]


def _scan(name, a, axis):
    """Inclusive scan of the binary ufunc ``name`` along ``axis``: NumPy's accumulate, or on the
    GPU (CuPy's accumulate is for add only) a Hillis-Steele doubling scan, log2(n) steps."""
    xp = _xp(a)
    fn = getattr(xp, name)
    if xp is np:
        return fn.accumulate(a, axis=axis)
    n, d = a.shape[axis], 1
    while d < n:
        a = xp.concatenate(
            [
                a[_idx(axis, slice(0, d))],
                fn(a[_idx(axis, slice(d, None))], a[_idx(axis, slice(0, n - d))]),
            ],
            axis=axis,
        )
        d *= 2
    return a


def _select(x, idx, axis, keep):
    """x's entries at the int64 ``idx`` along ``axis`` (idx: x's shape but along axis);
    differentiable (a gather: the gradient is scatter-added back). keep False drops axis."""
    v = GetItem.apply(x, _along(idx, axis))
    if keep:
        return v
    return Reshape.apply(v, idx.shape[:axis] + idx.shape[axis + 1 :])


def _drop(shape, d):
    """``shape`` without dim ``d``."""
    return tuple(shape[:d]) + tuple(shape[d + 1 :])


def _flat1(x):
    """A 0-d x as shape (1,) (torch treats it as one element along dim 0 / -1)."""
    return Reshape.apply(x, (1,))


def _is_float(a) -> bool:
    return a.dtype.kind in "fc"


def _k(op, k, n, d, lo):
    """k as an int in [lo, n]; IndexError naming the op, k, the dim and its size."""
    try:
        k = operator.index(k)
    except TypeError:
        raise TypeError(f"{op}: k must be an int, got {type(k).__name__}") from None
    if not lo <= k <= n:
        raise IndexError(
            f"{op}: k ({k}) is out of range for dimension {d} with size {n} "
            f"(expected {lo} <= k <= {n})"
        )
    return k


# -- sort, argsort, msort -----------------------------------------------------------------------


class TakePerm(Function):
    """y = x permuted along ``axis``: y[.., i, ..] = x[.., idx[i], ..] (idx a permutation per
    slice, e.g. an argsort). gx = gy permuted by the inverse permutation, itself a TakePerm, so
    every order is differentiable without scatter-adds."""

    __slots__ = ("idx", "axis")

    def forward(self, x, idx, axis):
        self.idx, self.axis = idx, axis
        return x[_along(idx, axis)]

    def backward(self, gy):
        idx, axis = self.idx, self.axis
        xp = _xp(idx)
        inv = xp.empty_like(idx)
        pos = _positions(idx.shape[axis], axis, idx.ndim, xp)
        inv[_along(idx, axis)] = xp.broadcast_to(pos, idx.shape)
        return TakePerm.apply(gy, inv, axis), None, None


def sort(x, dim=-1, descending=False, stable=False, *, axis=None):
    """x sorted along ``dim``: a ``(values, indices)`` namedtuple (indices int64, no gradient).

    x: any shape (0-d: itself, index 0). Both have x's shape. The sort is always stable (equal
    elements keep their order, also with descending=True); NaN sorts as the largest value.
    The gradient of values is gy permuted back to x's order.
    """
    d = _dim("sort", x, dim, axis)
    if _ndim(x) == 0:
        v, i = sort(_flat1(x), 0, descending)
        return SortResult(Reshape.apply(v, ()), _like(x, _raw(i).reshape(())))
    idx = _argsort(_raw(x), d, bool(descending))
    return SortResult(TakePerm.apply(x, idx, d), _like(x, idx))


def argsort(x, dim=-1, descending=False, stable=False, *, axis=None):
    """The int64 indices (no gradient) that sort x along ``dim`` (stable); x's shape."""
    d = _dim("argsort", x, dim, axis)
    xr = _raw(x)
    if xr.ndim == 0:
        return _like(x, _xp(xr).zeros((), dtype=np.int64))
    return _like(x, _argsort(xr, d, bool(descending)))


def msort(x):
    """x sorted along dim 0 (values only, stable); x's shape. Differentiable as sort."""
    return sort(x, 0).values


# -- topk, kthvalue -----------------------------------------------------------------------------


def topk(x, k, dim=-1, largest=True, sorted=True, *, axis=None):  # noqa: A002 - torch's name
    """The k largest (``largest=False``: smallest) entries along ``dim``: ``(values, indices)``.

    x: (..., n, ...) -> (..., k, ...), 0 <= k <= n. Values come in sorted order (also with
    ``sorted=False``: any order is allowed there); among equal values the lower index is taken
    first. Indices int64; the gradient of values goes to those indices.
    """
    d = _dim("topk", x, dim, axis)
    n = x.shape[d] if _ndim(x) else 1
    k = _k("topk", k, n, d, 0)
    if _ndim(x) == 0:  # torch: a 0-d x gives itself for k 0 or 1
        return TopkResult(Reshape.apply(x, ()), _like(x, _xp(_raw(x)).zeros((), dtype=np.int64)))
    idx = _argsort(_raw(x), d, bool(largest))[_idx(d, slice(0, k))]
    return TopkResult(_select(x, idx, d, True), _like(x, idx))


def kthvalue(x, k, dim=-1, keepdim=False, *, axis=None, keepdims=None):
    """The k-th smallest entry (1 <= k <= n) along ``dim``: ``(values, indices)``.

    x: (..., n, ...) -> (...) without dim (size 1 with keepdim). Among equal values the k-th in
    a stable sort is taken. The gradient goes to the index.
    """
    d = _dim("kthvalue", x, dim, axis)
    keepdim = pick_keep(keepdim, keepdims)
    xr = _raw(x)
    if xr.ndim == 0:
        _k("kthvalue", k, 1, d, 1)
        return KthvalueResult(Reshape.apply(x, ()), _like(x, _xp(xr).zeros((), dtype=np.int64)))
    _nonempty("kthvalue", xr.shape, (d,))
    k = _k("kthvalue", k, xr.shape[d], d, 1)
    idx = _argsort(xr, d)[_idx(d, slice(k - 1, k))]
    ind = idx if keepdim else idx.reshape(_drop(idx.shape, d))
    return KthvalueResult(_select(x, idx, d, keepdim), _like(x, ind))


# -- median, nanmedian, mode --------------------------------------------------------------------


class MedianAll(AMax):
    """y = the lower median of all of x (NaN if x holds a NaN; NaN for an empty x).

    The gradient is shared equally by the elements equal to y (AMax's rule, as torch's)."""

    __slots__ = ()
    op_name = "median"
    skip_nan = False

    def forward(self, x, axes, keep):
        self.axes, self.keep, self.xshape = None, False, x.shape
        xp = _xp(x)
        flat = x.reshape(-1)
        n = flat.size
        if _is_float(x):
            nans = int(xp.isnan(flat).sum()) if n else 0
            if nans and not self.skip_nan:
                return xp.asarray(np.nan, dtype=x.dtype)
            n -= nans
        if n == 0:
            if not _is_float(x):
                raise RuntimeError(f"{self.op_name}(): cannot take the median of an empty tensor")
            return xp.asarray(np.nan, dtype=x.dtype)
        return xp.sort(flat)[(n - 1) // 2]


class NanMedianAll(MedianAll):
    """y = the lower median of the non-NaN elements of x (NaN if there are none)."""

    __slots__ = ()
    op_name = "nanmedian"
    skip_nan = True


def _median_dim(op, x, dim, keepdim, skip_nan):
    d = norm_dim(dim, _ndim(x), op)
    Result = NanmedianResult if skip_nan else MedianResult
    if _ndim(x) == 0:
        v, i = _median_dim(op, _flat1(x), 0, False, skip_nan)
        return Result(Reshape.apply(v, ()), _like(x, _raw(i).reshape(())))
    xr = _raw(x)
    _nonempty(op, xr.shape, (d,))
    xp = _xp(xr)
    n = xr.shape[d]
    order = _argsort(xr, d)  # NaNs last, in input order
    if _is_float(xr):
        nans = xp.isnan(xr).sum(axis=d, keepdims=True)
        if skip_nan:  # the lower median of the non-NaN ones; all NaN: the first NaN
            pos = xp.maximum(n - nans - 1, 0) // 2
        else:  # any NaN: the first NaN (torch's index)
            pos = xp.where(nans > 0, n - nans, (n - 1) // 2)
    else:
        pos = xp.full(_kshape(xr.shape, (d,)), (n - 1) // 2, dtype=np.int64)
    idx = order[_along(pos.astype(np.int64), d)]
    ind = idx if keepdim else idx.reshape(_drop(idx.shape, d))
    return Result(_select(x, idx, d, keepdim), _like(x, ind))


def median(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The lower median (for an even count, the smaller of the two middle values).

    dim None: of all elements, a 0-d Tensor (NaN if any element is NaN); the gradient is shared
    by the elements equal to it. dim int: a ``(values, indices)`` namedtuple along dim (x's
    shape without dim, size 1 with keepdim); NaN rows give NaN at the first NaN's index.
    """
    dim = pick_dim(dim, axis, "median")
    if dim is None:
        return MedianAll.apply(x, None, False)
    return _median_dim("median", x, dim, pick_keep(keepdim, keepdims), False)


def nanmedian(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """``median`` ignoring NaN: the lower median of the non-NaN values (NaN if none).

    dim None: a 0-d Tensor; dim int: a ``(values, indices)`` namedtuple (see ``median``).
    """
    dim = pick_dim(dim, axis, "nanmedian")
    if dim is None:
        return NanMedianAll.apply(x, None, False)
    return _median_dim("nanmedian", x, dim, pick_keep(keepdim, keepdims), True)


def mode(x, dim=-1, keepdim=False, *, axis=None, keepdims=None):
    """The most frequent value along ``dim`` and the index of its last occurrence.

    Among equally frequent values the smallest wins (NaNs count as equal). x: (..., n, ...) ->
    (...) without dim (size 1 with keepdim); a ``(values, indices)`` namedtuple. The gradient
    goes to the index.
    """
    d = _dim("mode", x, dim, axis)
    keepdim = pick_keep(keepdim, keepdims)
    if _ndim(x) == 0:
        v, i = mode(_flat1(x), 0)
        return ModeResult(Reshape.apply(v, ()), _like(x, _raw(i).reshape(())))
    xr = _raw(x)
    _nonempty("mode", xr.shape, (d,))
    xp = _xp(xr)
    n = xr.shape[d]
    order = _argsort(xr, d)
    s = xr[_along(order, d)]
    lo, hi = s[_idx(d, slice(0, n - 1))], s[_idx(d, slice(1, None))]
    differ = lo != hi
    if _is_float(s):
        differ &= ~(xp.isnan(lo) & xp.isnan(hi))
    start = xp.concatenate([xp.ones_like(s[_idx(d, slice(0, 1))], dtype=bool), differ], axis=d)
    pos = _positions(n, d, s.ndim, xp)
    run = pos - _scan("maximum", xp.where(start, pos, 0), d)  # length so far of each run, - 1
    # the end of the first longest run: the smallest most frequent value, its last occurrence
    best = xp.expand_dims(run.argmax(axis=d), d).astype(np.int64)
    idx = order[_along(best, d)]
    ind = idx if keepdim else idx.reshape(_drop(idx.shape, d))
    return ModeResult(_select(x, idx, d, keepdim), _like(x, ind))


# -- quantile, nanquantile ----------------------------------------------------------------------

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _q_values(op, q, xr):
    """q as a 1-D array of x's dtype on x's device, and whether q was a scalar. A q tensor
    must have x's dtype (torch's rule); numbers and lists are converted."""
    if isinstance(q, Tensor):
        qa = q._data
        if qa.dtype != xr.dtype:
            raise TypeError(
                f"{op}: the q tensor must have the input's dtype, got q of dtype {qa.dtype} "
                f"and input of dtype {xr.dtype}"
            )
    elif isinstance(q, numbers.Real) and not isinstance(q, bool):
        qa = np.asarray(float(q))
    elif hasattr(q, "shape") and hasattr(q, "dtype"):
        qa = q
    elif isinstance(q, (list, tuple)):
        qa = np.asarray(q, dtype=np.float64)
    else:
        raise TypeError(f"{op}: q must be a float or a tensor, got {type(q).__name__}")
    if qa.dtype.kind not in "fiu":
        raise TypeError(f"{op}: q must hold floats, got dtype {qa.dtype}")
    if qa.ndim > 1:
        raise ShapeError(f"{op}: q must be a scalar or a 1-D tensor, got shape {tuple(qa.shape)}")
    xq = _xp(qa)
    if qa.size and bool(((qa < 0) | (qa > 1) | xq.isnan(qa)).any()):
        got = float(qa) if qa.ndim == 0 else (qa if xq is np else qa.get()).tolist()
        raise ValueError(f"{op}: q must be in the range [0, 1], got {got}")
    xp = _xp(xr)
    if xq is not xp:
        if xq is not np:
            raise RuntimeError(
                f"Expected all tensors to be on the same device, but got q on cuda and the "
                f"input on cpu (in {op})"
            )
        qa = xp.asarray(qa)
    return qa.astype(xr.dtype).reshape(-1), qa.ndim == 0


def _quantile(op, x, q, dim, keepdim, interpolation, skip_nan):
    xr = _raw(x)
    _check_float(op, xr)
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(
            f"{op}: interpolation must be one of {', '.join(_INTERPOLATIONS)}, got "
            f"{interpolation!r}"
        )
    nd = xr.ndim
    d = None if dim is None else norm_dim(dim, nd, op)
    qa, scalar = _q_values(op, q, xr)
    if xr.size == 0:
        raise ShapeError(f"{op}: the input must be non-empty, got shape {tuple(xr.shape)}")
    if d is None or nd == 0:  # over all elements (a 0-d x is one element)
        x, d = Reshape.apply(x, (-1,)), 0
        kshape = (1,) * nd if dim is None else ()
        rshape = ()
    else:
        kshape, rshape = _kshape(xr.shape, (d,)), _drop(xr.shape, d)
    xr = _raw(x)
    xp = _xp(xr)
    n, dt = xr.shape[d], xr.dtype
    sv = sort(x, d).values  # NaNs last
    qs = qa.reshape((-1,) + (1,) * (xr.ndim - d - 1))
    nan = xp.isnan(xr)
    # the gradient wrt q: only 'linear' interpolates with a weight that depends on q (the
    # other modes round the rank, or weigh 1/2), as torch
    qt = q if isinstance(q, Tensor) and q.requires_grad and interpolation == "linear" else None
    if skip_nan:  # ranks among the non-NaN values; all NaN: rank 0 (a NaN)
        slope = (n - nan.sum(axis=d, keepdims=True) - 1).astype(dt)  # d rank / d q
        rank = qs * slope
        fixed = rank < 0  # where rank is clamped to 0 (torch's masked_fill: no gradient)
        rank = xp.maximum(rank, 0)
    else:  # any NaN: the last (a NaN)
        fixed = nan.any(axis=d, keepdims=True)
        slope = dt.type(n - 1)
        rank = xp.where(fixed, slope, qs * slope)
    rank = xp.broadcast_to(rank, xr.shape[:d] + (qa.size,) + xr.shape[d + 1 :])
    if interpolation == "lower":
        rank = xp.floor(rank)
    elif interpolation == "higher":
        rank = xp.ceil(rank)
    elif interpolation == "nearest":
        rank = xp.round(rank)  # half to even, as torch.round
    below = rank.astype(np.int64)
    out = _select(sv, below, d, True)
    if interpolation in ("linear", "midpoint"):
        hi = _select(sv, xp.ceil(rank).astype(np.int64), d, True)
        w = xp.full(rank.shape, 0.5, dt) if interpolation == "midpoint" else rank - below
        w = w.astype(dt, copy=False)
        half = w < 0.5
        if qt is not None:  # w = q slope - const: add (q - q) slope, exactly 0, on the graph
            if _xp(qt._data) is not xp:
                qt = qt.to(_device_of(xr))
            w = w + _f().where(fixed, 0.0, (Reshape.apply(qt, qs.shape) - qs) * slope)
        # torch.lerp: a + w (b - a) for w < 0.5, else b - (b - a)(1 - w)
        step = hi - out
        out = _f().where(half, out + step * w, hi - step * (1 - w))
    if d:  # the q dim first
        out = Permute.apply(out, (d,) + tuple(range(d)) + tuple(range(d + 1, out.ndim)))
    shape = kshape if keepdim else rshape
    return Reshape.apply(out, shape if scalar else (qa.size,) + shape)


def quantile(x, q, dim=None, keepdim=False, interpolation="linear", *, axis=None, keepdims=None):
    """The q-th quantiles of x along ``dim`` (None: all elements), as torch.quantile.

    x: float, non-empty. q: a float or a 1-D tensor of values in [0, 1]. Returns x's shape
    without dim (size 1 with keepdim; dim None: 0-d, or all ones with keepdim), with a leading
    dim of len(q) for a 1-D q. interpolation between the sorted neighbours i <= q (n - 1) <= j:
    'linear', 'lower', 'higher', 'midpoint' or 'nearest'. A row holding NaN gives NaN. The
    gradient goes to the neighbours, weighted as they were interpolated; a q tensor (of x's
    dtype) that requires grad gets (x_j - x_i)(n - 1) with 'linear' (torch's), and none with
    the other modes, where the result does not depend on q continuously.
    """
    dim, keep = pick_dim(dim, axis, "quantile"), pick_keep(keepdim, keepdims)
    return _quantile("quantile", x, q, dim, keep, interpolation, False)


def nanquantile(x, q, dim=None, keepdim=False, interpolation="linear", *, axis=None,
                keepdims=None):  # fmt: skip
    """``quantile`` ignoring NaN (a row of only NaNs gives NaN); same arguments and shapes."""
    dim, keep = pick_dim(dim, axis, "nanquantile"), pick_keep(keepdim, keepdims)
    return _quantile("nanquantile", x, q, dim, keep, interpolation, True)


# -- cummax, cummin, logcumsumexp ---------------------------------------------------------------


def _cum_extreme(op, x, dim, axis, ufunc, Result):
    d = _dim(op, x, dim, axis, default=None)
    if _ndim(x) == 0:
        v, i = _cum_extreme(op, _flat1(x), 0, None, ufunc, Result)
        return Result(Reshape.apply(v, ()), _like(x, _raw(i).reshape(())))
    xr = _raw(x)
    xp = _xp(xr)
    ext = _scan(ufunc, xr, d)  # NaN propagates: once seen, it is the extremum
    hit = xr == ext
    if _is_float(xr):
        hit |= xp.isnan(xr)
    pos = _positions(xr.shape[d], d, xr.ndim, xp)
    idx = _scan("maximum", xp.where(hit, pos, 0), d)  # the latest position holding it
    return Result(_select(x, idx, d, True), _like(x, idx))


def cummax(x, dim=None, *, axis=None):
    """Running max along ``dim``: ``(values, indices)``, both x's shape (indices int64).

    Ties point at the latest equal element, NaN propagates (as torch). The gradient of values
    is scatter-added to the indices.
    """
    return _cum_extreme("cummax", x, dim, axis, "maximum", CummaxResult)


def cummin(x, dim=None, *, axis=None):
    """Running min along ``dim``: ``(values, indices)`` (see ``cummax``)."""
    return _cum_extreme("cummin", x, dim, axis, "minimum", CumminResult)


def _rlcse(v, axis):
    """Reverse logcumsumexp: out[i] = log sum_{k >= i} exp(v[k])."""
    return Flip.apply(LogCumSumExp.apply(Flip.apply(v, (axis,)), axis), (axis,))


class LogCumSumExp(Function):
    """y[i] = log sum_{j <= i} exp(x[j]) along ``axis``, by pairwise logaddexp (stable).

    dx[j] = sum_{i >= j} gy[i] exp(x[j] - y[i]), computed in log space with gy split by sign
    (as torch and TensorFlow): exp(x[j] + rlcse(log|gy| - y)[j]), itself made of this op, so
    every order is differentiable. Entries with y = -inf (all -inf so far) get gradient 0.
    """

    __slots__ = ("axis",)
    save_inputs = (0,)
    save_output = True

    def forward(self, x, axis):
        _check_float("logcumsumexp", x)
        self.axis = axis
        if x.ndim == 0:
            return x.copy()
        return _scan("logaddexp", x, axis)

    def backward(self, gy):
        x, y = self.saved
        if gy.ndim == 0:
            return gy, None
        ops, ax = _f(), self.axis
        gr = _raw(gy)
        ninf = _raw(y) == -np.inf
        if bool(ninf.any()):
            y = ops.where(ninf, 0, y)
        low = np.finfo(gr.dtype).min
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            gp, gn = gr > 0, gr < 0
            lp = ops.where(gp, ops.log(ops.where(gp, gy, 1)), low)
            ln = ops.where(gn, ops.log(ops.where(gn, -gy, 1)), low)
            g = ops.exp(_rlcse(lp - y, ax) + x) - ops.exp(_rlcse(ln - y, ax) + x)
        return g, None


def logcumsumexp(x, dim, *, axis=None):
    """log(cumsum(exp(x))) along ``dim``, stable for any range of x; x's shape (float)."""
    return LogCumSumExp.apply(x, _dim("logcumsumexp", x, dim, axis, default=None))


# -- aminmax ------------------------------------------------------------------------------------


def aminmax(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """``(min, max)`` of x over ``dim`` (an int, or None for all) as a namedtuple.

    Shapes as ``amin``/``amax``; each gradient is shared by tied extrema (as torch).
    """
    dim = pick_dim(dim, axis, "aminmax")
    nd = _ndim(x)
    axes = None if dim is None or nd == 0 else (norm_dim(dim, nd, "aminmax"),)
    if dim is not None and nd == 0:
        norm_dim(dim, 0, "aminmax")
    _nonempty("aminmax", x.shape, axes)
    keep = pick_keep(keepdim, keepdims)
    return AminmaxResult(AMin.apply(x, axes, keep), AMax.apply(x, axes, keep))


# -- searchsorted, bucketize --------------------------------------------------------------------


class SearchSorted(Function):
    """Insertion indices of ``v`` into the sorted last dim of ``seq`` (no gradient)."""

    differentiable = False

    def forward(self, seq, v, right, out_int32, sorter):
        xp = _xp(seq)
        # a Python number is weak (NumPy 2): it never widens a float32 sequence, whose entries
        # would then compare in float64 and give other indices than the same value as a tensor
        ct = np.result_type(seq.dtype, v if isinstance(v, numbers.Number) else v.dtype)
        v = xp.asarray(v, dtype=ct)
        seq = seq.astype(ct, copy=False)
        if sorter is not None:
            seq = seq[_along(sorter, seq.ndim - 1)]
        if seq.ndim == 1:
            out = xp.searchsorted(seq, v, side="right" if right else "left")
        else:
            out = _searchsorted_rows(xp, seq, v, right)
        return xp.asarray(out).astype(np.int32 if out_int32 else np.int64)


# batched searchsorted: up to this many rows, one binary search per row; beyond, one merge-sort
_LOOP_ROWS = 256


def _searchsorted_rows(xp, seq, v, right):
    """searchsorted per row of the leading dims: one stable merge-sort of seq and v per row.

    With v placed first (left) or last (right), equal seq entries land after (left) or before
    (right) each v; the count of seq entries before v's merged position is its index.
    """
    n, m = seq.shape[-1], v.shape[-1]
    rows = math.prod(seq.shape[:-1])
    if rows <= _LOOP_ROWS:  # a binary search per row: O(m log n) each, no merge of seq and v
        side = "right" if right else "left"
        s2, v2 = seq.reshape(rows, n), v.reshape(rows, m)
        out = xp.empty((rows, m), dtype=np.int64)
        for i in range(rows):
            out[i] = xp.searchsorted(s2[i], v2[i], side=side)
        return out.reshape(v.shape)
    keys = xp.concatenate([seq, v] if right else [v, seq], axis=-1)
    order = xp.argsort(keys, axis=-1, kind="stable")
    is_v = order >= n if right else order < m
    seq_before = xp.cumsum(~is_v, axis=-1)
    ax = keys.ndim - 1
    inv = xp.empty_like(order)
    inv[_along(order, ax)] = xp.broadcast_to(_positions(n + m, ax, keys.ndim, xp), keys.shape)
    where_v = inv[_idx(ax, slice(n, None) if right else slice(0, m))]
    return seq_before[_along(where_v, ax)]


def _operand(v, op):
    if isinstance(v, Tensor) or (hasattr(v, "shape") and hasattr(v, "dtype")):
        return v
    if isinstance(v, numbers.Number):
        return np.asarray(v)
    raise TypeError(f"{op}: expected a tensor or a number, got {type(v).__name__}")


def searchsorted(sorted_sequence, values, right=False, side=None, out_int32=False, *, sorter=None):
    """Indices where ``values`` would be inserted into ``sorted_sequence`` to keep it sorted.

    sorted_sequence: (n,) or (..., n), sorted along its last dim (or by ``sorter``, indices
    that sort it). values: a number, or (..., m) whose leading dims equal the sequence's when
    that is N-D. right / side='right': the index after equal entries. Returns values' shape,
    int64 (int32 with out_int32), no gradient.
    """
    op = "searchsorted"
    if side is not None:
        if side not in ("left", "right"):
            raise ValueError(f"{op}: side must be 'left' or 'right', got {side!r}")
        if right and side == "left":
            raise ValueError(
                f"{op}: side and right can't be set to opposites (side='left', right=True)"
            )
        right = side == "right"
    seq = _operand(sorted_sequence, op)
    # a Python number stays one: weak in SearchSorted's type promotion
    v = values if isinstance(values, numbers.Number) else _operand(values, op)
    if _ndim(seq) == 0:
        raise ShapeError(
            f"{op}: the sorted sequence must have at least one dimension, got shape ()"
        )
    if _ndim(seq) > 1 and (_ndim(v) == 0 or tuple(seq.shape[:-1]) != tuple(v.shape[:-1])):
        raise ShapeError(
            f"{op}: the sorted sequence must be 1-D or have the same leading dims as values: "
            f"got sorted_sequence of shape {tuple(seq.shape)} and values of shape "
            f"{tuple(getattr(v, 'shape', ()))}"
        )
    if sorter is not None:
        sorter = _raw(_operand(sorter, op))
        if sorter.dtype.kind not in "iu" or tuple(sorter.shape) != tuple(seq.shape):
            raise ShapeError(
                f"{op}: sorter must be integer indices of the sequence's shape {tuple(seq.shape)}, "
                f"got shape {tuple(sorter.shape)} dtype {sorter.dtype}"
            )
    return SearchSorted.apply(seq, v, bool(right), bool(out_int32), sorter)


def bucketize(input, boundaries, right=False, out_int32=False):  # noqa: A002
    """The bucket of each element of ``input`` given sorted 1-D ``boundaries``.

    right False: boundaries[i-1] < x <= boundaries[i]; right True: boundaries[i-1] <= x <
    boundaries[i]. input: a number or any shape; returns its shape, int64 (int32), no gradient.
    """
    b = _operand(boundaries, "bucketize")
    if _ndim(b) != 1:
        raise ShapeError(f"bucketize: boundaries must be 1-D, got shape {tuple(b.shape)}")
    return searchsorted(b, input, out_int32=out_int32, right=right)


# -- unique, unique_consecutive -----------------------------------------------------------------


def _unique(op, x, dim, inverse, counts, consecutive):
    xr = _raw(_operand(x, op))
    xp = _xp(xr)
    if dim is None:
        rows = xr.reshape(-1, 1)
    else:
        if xr.ndim == 0:
            raise IndexError(f"{op}: dim {dim} given, but the tensor has no dimensions")
        d = norm_dim(dim, xr.ndim, op)
        if xr.size == 0 and xr.shape[d] != 0:
            raise ShapeError(
                f"{op}: the tensor of shape {tuple(xr.shape)} has 0-sized dimensions other than "
                f"dim {d}, so its slices along dim {d} cannot be compared"
            )
        moved = xp.moveaxis(xr, d, 0)
        rows = moved.reshape(moved.shape[0], math.prod(moved.shape[1:]))
    n = rows.shape[0]
    if consecutive:
        order = None
    elif xp is np:
        order = np.lexsort(rows.T[::-1]) if rows.shape[1] else np.arange(n)
    else:  # lexicographic by stable sorts from the last column to the first
        order = xp.arange(n)
        for c in range(rows.shape[1] - 1, -1, -1):
            order = order[xp.argsort(rows[order, c], kind="stable")]
    s = rows if order is None else rows[order]
    new = xp.ones(n, dtype=bool)
    if n > 1:
        new[1:] = (s[1:] != s[:-1]).any(axis=1)  # NaN != NaN: every NaN is its own value
    first = xp.flatnonzero(new)
    if dim is None:
        values = s[first].reshape(-1)
    else:
        values = xp.moveaxis(s[first].reshape((first.size,) + moved.shape[1:]), 0, d)
    out = [_like(x, values)]
    if inverse:
        inv = (xp.cumsum(new) - 1).astype(np.int64)
        if order is not None:
            inv2 = xp.empty_like(inv)
            inv2[order] = inv
            inv = inv2
        out.append(_like(x, inv.reshape(xr.shape) if dim is None else inv))
    if counts:
        ends = xp.concatenate([first[1:], xp.asarray([n], dtype=first.dtype)])
        out.append(_like(x, (ends - first).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def unique(x, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The distinct values of x (dim None: flattened), sorted; or the distinct slices along
    ``dim``, sorted lexicographically. No gradient (the results are new leaves, as torch).

    Returns the values, or a tuple adding ``inverse`` (int64, x's shape for dim None, else
    (x.shape[dim],): where each element went) and/or ``counts`` (int64). NaNs are all distinct
    (as torch). The output is sorted also with ``sorted=False``.
    """
    return _unique("unique", x, dim, return_inverse, return_counts, False)


def unique_consecutive(x, return_inverse=False, return_counts=False, dim=None):
    """x with runs of equal consecutive values (dim None: of the flattened x) or slices along
    ``dim`` collapsed to one; optional inverse and counts as ``unique``. No gradient."""
    return _unique("unique_consecutive", x, dim, return_inverse, return_counts, True)
