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

searchsorted, bucketize, unique and unique_consecutive live in ``_search.py``, the shared
helpers in ``_sort_util.py``; both are re-exported here.
"""

from __future__ import annotations

import numbers
from collections import namedtuple

import numpy as np

from backends import device_of as _device_of

from ..amp import _active as _amp_on
from ..amp import _tls as _amp
from ..amp import autocast_call as _autocast
from ..errors import ShapeError
from ..function import Function
from ..tensor import Tensor
from ._dims import ndim_of as _ndim
from ._dims import norm_dim, pick_dim, pick_keep
from ._search import (  # noqa: F401 - re-exported (searchsorted, bucketize, unique, ...)
    _LOOP_ROWS,
    SearchSorted,
    _operand,
    _searchsorted_rows,
    _unique,
    bucketize,
    searchsorted,
    unique,
    unique_consecutive,
)
from ._sort_util import (  # noqa: F401 - re-exported: the helpers were defined here
    _argsort,
    _dim,
    _drop,
    _f,
    _flat1,
    _idx,
    _is_float,
    _k,
    _positions,
    _scan,
    _select,
    _xp,
    orderable,
)
from .reduction import AMax, AMin, _check_float, _kshape, _like, _nonempty, _raw
from .shape import Flip, Permute, Reshape, _along
from .special import _logaddexp_c

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
    orderable("median", x)
    dim = pick_dim(dim, axis, "median")
    if dim is None:
        return MedianAll.apply(x, None, False)
    return _median_dim("median", x, dim, pick_keep(keepdim, keepdims), False)


def nanmedian(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """``median`` ignoring NaN: the lower median of the non-NaN values (NaN if none).

    dim None: a 0-d Tensor; dim int: a ``(values, indices)`` namedtuple (see ``median``).
    """
    orderable("nanmedian", x)
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
    orderable(op, x)
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
    if _amp_on[0] and _amp.ready:
        return _autocast(quantile, x, q, dim, keepdim, interpolation, axis=axis, keepdims=keepdims)
    dim, keep = pick_dim(dim, axis, "quantile"), pick_keep(keepdim, keepdims)
    return _quantile("quantile", x, q, dim, keep, interpolation, False)


def nanquantile(x, q, dim=None, keepdim=False, interpolation="linear", *, axis=None,
                keepdims=None):  # fmt: skip
    """``quantile`` ignoring NaN (a row of only NaNs gives NaN); same arguments and shapes."""
    if _amp_on[0] and _amp.ready:
        return _autocast(
            nanquantile, x, q, dim, keepdim, interpolation, axis=axis, keepdims=keepdims
        )
    dim, keep = pick_dim(dim, axis, "nanquantile"), pick_keep(keepdim, keepdims)
    return _quantile("nanquantile", x, q, dim, keep, interpolation, True)


# -- cummax, cummin, logcumsumexp ---------------------------------------------------------------


def _cum_extreme(op, x, dim, axis, ufunc, Result):
    orderable(op, x)
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


# under create_graph, slices of n entries take the dense rule while batch * n * n stays below this
_DENSE_MAX = 1 << 22


def _lcse_grad_dense(ops, gy, x, y, ax):
    """dx[j] = sum_{i >= j} gy[i] W[i, j], W[i, j] = exp(x[j] - y[i]) (a prefix softmax: each
    entry <= 1, no overflow), with conj(W) for complex x; as a product with the lower-triangular
    W. Linear in gy, so its derivative in gy is right at gy = 0 too, where the log-space rule's
    sign split is flat: forward mode (double backward at a zero cotangent) needs that."""
    xt, yt, gt = (ops.movedim(v, ax, -1) for v in (x, y, gy))
    n = xt.shape[-1]
    rows = np.arange(n)
    below = _xp(_raw(xt)).asarray(rows[None, :] <= rows[:, None])  # j <= i
    d = ops.where(below, ops.unsqueeze(xt, -2) - ops.unsqueeze(yt, -1), -np.inf)
    w = ops.exp(d)
    if _raw(w).dtype.kind == "c":
        w = ops.conj(w)
    g = ops.matmul(ops.unsqueeze(gt, -2), w).squeeze(-2)
    return ops.movedim(g, -1, ax)


def _rlcse(v, axis):
    """Reverse logcumsumexp: out[i] = log sum_{k >= i} exp(v[k])."""
    return Flip.apply(LogCumSumExp.apply(Flip.apply(v, (axis,)), axis), (axis,))


def _scan_c(a, axis):
    """Inclusive complex logaddexp scan along ``axis`` (NumPy has no complex ufunc for it): a
    doubling scan, log2(n) steps, each combining (later, earlier) as torch's (x, running sum)."""
    xp = _xp(a)
    n, d = a.shape[axis], 1
    while d < n:
        later = _logaddexp_c(a[_idx(axis, slice(d, None))], a[_idx(axis, slice(0, n - d))])
        a = xp.concatenate([a[_idx(axis, slice(0, d))], later], axis=axis)
        d *= 2
    return a


class LogCumSumExp(Function):
    """y[i] = log sum_{j <= i} exp(x[j]) along ``axis``, by pairwise logaddexp (stable).

    dx[j] = sum_{i >= j} gy[i] exp(x[j] - y[i]), computed in log space with gy split by sign
    (as torch and TensorFlow): exp(x[j] + rlcse(log|gy| - y)[j]), itself made of this op, so
    every order is differentiable. Entries with y = -inf (all -inf so far) get gradient 0.
    Complex x (holomorphic, as torch): pairs by ``special._logaddexp_c`` (the larger real part
    first), and dx[j] = conj(exp(x[j] + rlcse(log(conj gy) - y)[j])), no sign split needed.
    """

    __slots__ = ("axis",)
    save_inputs = (0,)
    save_output = True
    complex_ok = True

    def forward(self, x, axis):
        if x.dtype.kind != "c":
            _check_float("logcumsumexp", x)
        self.axis = axis
        if x.ndim == 0:
            return x.copy()
        if x.dtype.kind == "c":
            return _scan_c(x, axis)
        return _scan("logaddexp", x, axis)

    def backward(self, gy):
        x, y = self.saved
        if gy.ndim == 0:
            return gy, None
        ops, ax = _f(), self.axis
        gr = _raw(gy)
        ninf = _raw(y).real == -np.inf
        if bool(ninf.any()):
            y = ops.where(ninf, 0, y)
        n = gr.shape[ax]
        if isinstance(gy, Tensor) and gr.size * n <= _DENSE_MAX:  # create_graph
            return _lcse_grad_dense(ops, gy, x, y, ax), None
        if gr.dtype.kind == "c":
            # no sign split: dx = conj(exp(x + rlcse(log(conj gy) - y))) (torch's complex rule)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                lg = ops.log(ops.conj(gy))
                return ops.conj(ops.exp(_rlcse(lg - y, ax) + x)), None
        low = np.finfo(gr.dtype).min
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            gp, gn = gr > 0, gr < 0
            lp = ops.where(gp, ops.log(ops.where(gp, gy, 1)), low)
            ln = ops.where(gn, ops.log(ops.where(gn, -gy, 1)), low)
            g = ops.exp(_rlcse(lp - y, ax) + x) - ops.exp(_rlcse(ln - y, ax) + x)
        return g, None


def logcumsumexp(x, dim, *, axis=None):
    """log(cumsum(exp(x))) along ``dim``, stable for any range of x; x's shape and dtype (float
    or complex)."""
    if axis is not None:  # _dim's rules, without its refusal of complex x (no order needed)
        if dim is not None:
            raise TypeError(f"logcumsumexp: got both dim={dim!r} and axis={axis!r}; pass one")
        dim = axis
    if dim is None:
        raise TypeError("logcumsumexp: missing the dim argument")
    return LogCumSumExp.apply(x, norm_dim(dim, _ndim(x), "logcumsumexp"))


# -- aminmax ------------------------------------------------------------------------------------


def aminmax(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """``(min, max)`` of x over ``dim`` (an int, or None for all) as a namedtuple.

    Shapes as ``amin``/``amax``; each gradient is shared by tied extrema (as torch).
    """
    orderable("aminmax", x)
    dim = pick_dim(dim, axis, "aminmax")
    nd = _ndim(x)
    axes = None if dim is None or nd == 0 else (norm_dim(dim, nd, "aminmax"),)
    if dim is not None and nd == 0:
        norm_dim(dim, 0, "aminmax")
    _nonempty("aminmax", x.shape, axes)
    keep = pick_keep(keepdim, keepdims)
    return AminmaxResult(AMin.apply(x, axes, keep), AMax.apply(x, axes, keep))
