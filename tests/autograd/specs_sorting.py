"""Op-table rows for ``autograd/ops/sorting.py`` (see op_table.Spec).

Selections are differentiable only away from ties, so every row of a selecting op draws distinct
values at least 0.05 apart (``_distinct``): a gradcheck step of 1e-6 never reorders them. The
references return ``(values, indices)`` where the op does, so indices are checked too (NumPy's
stable argsort is torch's tie order; the inputs have no ties anyway).
"""

from __future__ import annotations

import numpy as np

import autograd as ag

from .op_table import Spec

V = [((7,),), ((3, 4),), ((2, 3, 4),)]  # along the last dim (or dim 1 where noted)
D1 = [((3, 4),), ((2, 3, 4),)]


def _distinct(lo=-2.0, hi=2.0, nan_at=()):
    """A ``make`` drawing distinct values (a shuffled grid with small jitter) in [lo, hi], with
    NaN at the flat positions ``nan_at``."""

    def make(rng, case):
        out = []
        for shape in case:
            n = int(np.prod(shape))
            step = (hi - lo) / max(n, 1)
            a = lo + (rng.permutation(n) + rng.uniform(0.2, 0.8, n)) * step
            a = a.reshape(shape)
            a.reshape(-1)[[i for i in nan_at if i < n]] = np.nan
            out.append(a)
        return tuple(out)

    return make


def _np_sort(x, axis=-1, descending=False):
    if x.ndim == 0:
        return x.copy(), np.zeros((), np.int64)
    i = np.argsort(-x if descending else x, axis=axis, kind="stable")
    return np.take_along_axis(x, i, axis), i


def _np_topk(x, k, axis=-1, largest=True):
    v, i = _np_sort(x, axis, largest)
    sl = [slice(None)] * x.ndim
    sl[axis] = slice(0, k)
    return v[tuple(sl)], i[tuple(sl)]


def _np_kth(x, k, axis, keepdims=False):
    v, i = _np_sort(x, axis)
    v, i = np.take(v, [k - 1], axis), np.take(i, [k - 1], axis)
    return (v, i) if keepdims else (v.squeeze(axis), i.squeeze(axis))


def _np_median_dim(x, axis, keepdims=False, nan=False):
    axis %= x.ndim
    v, i = _np_sort(x, axis)  # NaNs last
    m = (~np.isnan(x)).sum(axis, keepdims=True) if nan else x.shape[axis]
    pos = np.broadcast_to((np.asarray(m) - 1) // 2, v.shape[:axis] + (1,) + v.shape[axis + 1 :])
    v, i = np.take_along_axis(v, pos, axis), np.take_along_axis(i, pos, axis)
    return (v, i) if keepdims else (v.squeeze(axis), i.squeeze(axis))


def _np_median_all(x):
    s = np.sort(x.reshape(-1))
    return s[(s.size - 1) // 2]


def _np_cum(fn, better):
    def ref(x, axis):
        v = fn.accumulate(x, axis=axis)
        pos = np.arange(x.shape[axis]).reshape((-1,) + (1,) * (x.ndim - axis - 1))
        return v, np.maximum.accumulate(np.where(x == v, pos, 0), axis=axis)

    return ref


def _np_quantile(x, q, axis=None, keepdims=False, method="linear", nan=False):
    f = np.nanquantile if nan else np.quantile
    return f(x, q, axis=axis, keepdims=keepdims, method=method)


def _np_logcumsumexp(x, axis):
    return np.logaddexp.accumulate(x, axis=axis)


_cummax = _np_cum(np.maximum, None)
_cummin = _np_cum(np.minimum, None)
Q3 = np.array([0.0, 0.37, 1.0])

SPECS = [
    # sort / msort: a permutation; gradient gy permuted back
    Spec("sort_last", lambda x: ag.sort(x), _np_sort, V, make=_distinct()),
    Spec(
        "sort_desc_dim0",
        lambda x: ag.sort(x, 0, descending=True),
        lambda x: _np_sort(x, 0, True),
        D1,
        make=_distinct(),
    ),  # fmt: skip
    Spec("sort_negdim_0d", lambda x: ag.sort(x, -1), _np_sort, [((),)], make=_distinct()),
    Spec("msort", lambda x: ag.msort(x), lambda x: np.sort(x, 0), D1, make=_distinct()),
    # topk / kthvalue
    Spec(
        "topk_k2_dim1",
        lambda x: ag.topk(x, 2, dim=1),
        lambda x: _np_topk(x, 2, 1),
        D1,
        make=_distinct(),
    ),  # fmt: skip
    Spec(
        "topk_smallest_all",
        lambda x: ag.topk(x, x.shape[-1], largest=False),
        lambda x: _np_topk(x, x.shape[-1], -1, False),
        V,
        make=_distinct(),
    ),  # fmt: skip
    Spec(
        "kthvalue_dim1_keep",
        lambda x: ag.kthvalue(x, 2, 1, keepdim=True),
        lambda x: _np_kth(x, 2, 1, True),
        D1,
        make=_distinct(),
    ),  # fmt: skip
    Spec(
        "kthvalue_last",
        lambda x: ag.kthvalue(x, 3),
        lambda x: _np_kth(x, 3, -1),
        V,
        make=_distinct(),
    ),  # fmt: skip
    # median / nanmedian / mode
    Spec("median_all", lambda x: ag.median(x), _np_median_all, V + [((),)], make=_distinct()),
    Spec(
        "median_dim",
        lambda x: ag.median(x, 1),
        lambda x: _np_median_dim(x, 1),
        D1,
        make=_distinct(),
    ),  # fmt: skip
    Spec(
        "median_negdim_keep",
        lambda x: ag.median(x, -1, keepdim=True),
        lambda x: _np_median_dim(x, -1, True),
        D1,
        make=_distinct(),
    ),  # fmt: skip
    Spec(
        "nanmedian_dim_nan",
        lambda x: ag.nanmedian(x, 1),
        lambda x: _np_median_dim(x, 1, nan=True),
        [((3, 5),)],
        make=_distinct(nan_at=(1, 6, 8)),
    ),
    Spec(
        "nanmedian_all_nan",
        lambda x: ag.nanmedian(x),
        lambda x: np.sort(x[~np.isnan(x)])[(np.sum(~np.isnan(x)) - 1) // 2],
        [((3, 4),)],
        make=_distinct(nan_at=(0, 5)),
    ),  # fmt: skip
    Spec(
        "mode_distinct",
        lambda x: ag.mode(x, 1),
        lambda x: (x.min(1), x.argmin(1)),
        D1,
        make=_distinct(),
    ),  # fmt: skip
    # quantile / nanquantile: the gradient splits between the two sorted neighbours
    Spec(
        "quantile_all",
        lambda x: ag.quantile(x, 0.3),
        lambda x: np.quantile(x, 0.3),
        V + [((),)],
        make=_distinct(),
    ),  # fmt: skip
    Spec(
        "quantile_q3_dim1_keep",
        lambda x: ag.quantile(x, Q3 * 0.9 + 0.05, 1, keepdim=True),
        lambda x: _np_quantile(x, Q3 * 0.9 + 0.05, 1, True),
        D1,
        make=_distinct(),
    ),
    Spec(
        "quantile_midpoint_neg",
        lambda x: ag.quantile(x, 0.45, -1, interpolation="midpoint"),
        lambda x: _np_quantile(x, 0.45, -1, method="midpoint"),
        V,
        make=_distinct(),
    ),
    Spec(
        "quantile_nearest",
        lambda x: ag.quantile(x, Q3, 0, interpolation="nearest"),
        lambda x: _np_quantile(x, Q3, 0, method="nearest"),
        D1,
        make=_distinct(),
    ),
    Spec(
        "quantile_lower_higher",
        lambda x: (
            ag.quantile(x, 0.6, 1, interpolation="lower"),
            ag.quantile(x, 0.6, 1, interpolation="higher"),
        ),
        lambda x: (
            _np_quantile(x, 0.6, 1, method="lower"),
            _np_quantile(x, 0.6, 1, method="higher"),
        ),
        D1,
        make=_distinct(),
    ),  # fmt: skip
    Spec(
        "nanquantile_nan",
        lambda x: ag.nanquantile(x, Q3 * 0.8 + 0.1, 1),
        lambda x: _np_quantile(x, Q3 * 0.8 + 0.1, 1, nan=True),
        [((3, 5),)],
        make=_distinct(nan_at=(0, 7, 9, 14)),
    ),  # fmt: skip
    # scans
    Spec("cummax_dim1", lambda x: ag.cummax(x, 1), lambda x: _cummax(x, 1), D1, make=_distinct()),
    Spec(
        "cummin_negdim",
        lambda x: ag.cummin(x, -1),
        lambda x: _cummin(x, x.ndim - 1),
        V,
        make=_distinct(),
    ),  # fmt: skip
    Spec(
        "logcumsumexp_dim1", lambda x: ag.logcumsumexp(x, 1), lambda x: _np_logcumsumexp(x, 1), D1
    ),  # fmt: skip
    Spec(
        "logcumsumexp_wide_neg",
        lambda x: ag.logcumsumexp(x, -1),
        lambda x: _np_logcumsumexp(x, -1),
        [((9,),), ((2, 5),)],
        domain=(-40.0, 40.0),
    ),
    Spec("logcumsumexp_0d", lambda x: ag.logcumsumexp(x, 0), lambda x: x.copy(), [((),)]),
    # aminmax
    Spec(
        "aminmax_all", lambda x: ag.aminmax(x), lambda x: (x.min(), x.max()), V, make=_distinct()
    ),  # fmt: skip
    Spec(
        "aminmax_dim_keep",
        lambda x: ag.aminmax(x, dim=-1, keepdim=True),
        lambda x: (x.min(-1, keepdims=True), x.max(-1, keepdims=True)),
        D1,
        make=_distinct(),
    ),
]
