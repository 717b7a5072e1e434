"""Reductions PyTorch code ports with: nansum, nanmean, std_mean, var_mean, dist, renorm, and the
histograms histc and histogram (torch's semantics, checked against torch in
tests/autograd/test_torch_api_gaps.py).

The differentiable ones are written with differentiable ops (sum, where, vector_norm, ...), so
their gradients are PyTorch's and differentiate again; the histograms have no gradient.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections import namedtuple

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor, _wrap
from ._dims import norm_dim, pick_dim, pick_keep
from ._porting_math import _broadcastable, _tensor_arg, _xp

__all__ = ["nansum", "nanmean", "std_mean", "var_mean", "dist", "renorm", "histc", "histogram"]

# what histogram returns, like torch.return_types.histogram
HistogramResult = namedtuple("histogram", ["hist", "bin_edges"])


def _float_arg(op: str, input):  # noqa: A002
    a = _tensor_arg(op, "input", input)
    if a.dtype.kind not in "fc":
        raise TypeError(
            f"{op}: expected input to have a floating point or complex dtype, got {a.dtype}"
        )
    return a


def _nan_zeroed(x):
    """x with NaN replaced by 0 (a zero gradient there); integer x unchanged."""
    from . import where

    a = _raw_of(x)
    if a.dtype.kind not in "fc":
        return x
    return where(_xp(a).isnan(a), 0, x)


def _raw_of(v):
    return v._data if isinstance(v, Tensor) else v


def nansum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):  # noqa: A002
    """The sum over ``dim`` (int, tuple, or None for all) treating NaN as zero.

    input: any shape; keepdim keeps the reduced dims as size 1; dtype: the accumulation and
    result dtype (integer and bool input: int64, as ``sum``). NaN elements get a zero gradient,
    the others 1.
    """
    from . import sum as _sum

    _tensor_arg("nansum", "input", input)
    dim = pick_dim(dim, axis, "nansum")
    return _sum(_nan_zeroed(input), dim, pick_keep(keepdim, keepdims), dtype=dtype)


def nanmean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):  # noqa: A002
    """The mean over ``dim`` (int, tuple, or None for all) of the elements that are not NaN.

    input: a float or complex tensor (or cast to ``dtype`` first); NaN where every element
    reduced is NaN. Gradient: 1 / count to each non-NaN element, 0 to NaN ones (also in a
    slice of NaN only, where PyTorch's is NaN).
    """
    from . import cast
    from . import sum as _sum

    dim = pick_dim(dim, axis, "nanmean")
    keep = pick_keep(keepdim, keepdims)
    a = _tensor_arg("nanmean", "input", input)
    x = input
    if dtype is not None and np.dtype(dtype) != a.dtype:
        x = cast(input, np.dtype(dtype))
    a = _float_arg("nanmean", x)
    xp = _xp(a)
    real = a.real.dtype if a.dtype.kind == "c" else a.dtype
    count = _sum(~xp.isnan(a), dim, keep, dtype=real)
    with np.errstate(invalid="ignore", divide="ignore"):  # all NaN: 0 / 0 = NaN, as torch
        return nansum(x, dim, keep) / count


def _moments(op, fn, input, dim, unbiased, keepdim, correction, axis, keepdims, ddof):  # noqa: A002
    from . import mean

    _float_arg(op, input)
    spread = fn(input, dim, unbiased, keepdim, correction=correction, axis=axis,
                keepdims=keepdims, ddof=ddof)  # fmt: skip
    if isinstance(dim, bool):  # std_mean(x, False): the bool is ``unbiased``; reduce over all
        dim = None
    return spread, mean(input, pick_dim(dim, axis, op), pick_keep(keepdim, keepdims))


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,  # noqa: A002
             keepdims=None, ddof=None):  # fmt: skip
    """``(std(input, ...), mean(input, ...))`` over the same dims, as a tuple.

    The arguments are ``std``'s: ``std_mean(x, dim, unbiased, keepdim)`` positionally or
    ``correction=`` (default 1). input: a float or complex tensor. Both are differentiable.
    """
    from . import std

    return _moments("std_mean", std, input, dim, unbiased, keepdim, correction, axis, keepdims,
                    ddof)  # fmt: skip


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,  # noqa: A002
             keepdims=None, ddof=None):  # fmt: skip
    """``(var(input, ...), mean(input, ...))`` over the same dims, as a tuple.

    The arguments are ``var``'s: ``var_mean(x, dim, unbiased, keepdim)`` positionally or
    ``correction=`` (default 1). input: a float or complex tensor. Both are differentiable.
    """
    from . import var

    return _moments("var_mean", var, input, dim, unbiased, keepdim, correction, axis, keepdims,
                    ddof)  # fmt: skip


def _p_arg(op: str, p) -> float:
    if isinstance(p, Tensor) or hasattr(p, "dtype"):
        raw = _raw_of(p)
        if raw.size != 1:
            raise ValueError(f"{op}: p must be a number, got a tensor of shape {raw.shape}")
        p = raw.reshape(()).item() if hasattr(raw, "item") else raw
    if not isinstance(p, numbers.Real) or isinstance(p, bool):
        raise TypeError(f"{op}: p must be a real number, got {type(p).__name__}")
    return float(p)


def dist(input, other, p=2):  # noqa: A002 - PyTorch's names
    """The p-norm of ``input - other`` (broadcast) over all elements: a 0-d tensor.

    p: any real number (0 counts the non-zero differences, inf / -inf the largest / smallest
    |difference|). input, other: float or complex tensors. Differentiable in both (0 at a zero
    difference for p = 2, as PyTorch).
    """
    from ..linalg import vector_norm
    from . import sub

    p = _p_arg("dist", p)
    _float_arg("dist", input)
    _tensor_arg("dist", "other", other)
    _broadcastable("dist", input, other)
    return vector_norm(sub(input, other), p)


def renorm(input, p, dim, maxnorm):  # noqa: A002 - PyTorch's names
    """input with each slice along ``dim`` whose p-norm exceeds ``maxnorm`` scaled down to it.

    input: a float or complex tensor of at least 2 dims; the norm of slice i is taken over all
    dims but ``dim``; a slice with norm > maxnorm is multiplied by maxnorm / (norm + 1e-7), as
    PyTorch, the others are unchanged. p > 0, maxnorm >= 0. Differentiable (the scale too).
    """
    from ..linalg import vector_norm
    from . import where

    a = _float_arg("renorm", input)
    p = _p_arg("renorm", p)
    maxnorm = _p_arg("renorm", maxnorm)
    if a.ndim < 2:
        raise ShapeError(f"renorm: input needs at least 2 dimensions, got {a.ndim} dimensions")
    d = norm_dim(dim, a.ndim, "renorm")
    if not p > 0:
        raise ValueError(f"renorm: non-positive norm not supported, got p={p}")
    if not maxnorm >= 0:
        raise ValueError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    dims = tuple(k for k in range(a.ndim) if k != d)
    over = _raw_of(vector_norm(a, p, dims, True)) > maxnorm  # a constant mask (NaN: False)
    # the norm of the rescaled slices only (the others read as 1s): a slice left alone, NaN
    # norm included, gets the plain pass-through gradient, with no 0 * NaN through the norm
    norm = vector_norm(where(over, input, 1.0), p, dims, True)
    return input * where(over, maxnorm / (norm + 1e-7), 1.0)


# -- histograms (no gradient) ----------------------------------------------------------------------


def _host_float(v) -> float:
    return float(v.get() if hasattr(v, "get") else v)


def _bins_arg(op: str, bins) -> int:
    try:
        bins = operator.index(bins)
    except TypeError:
        raise TypeError(f"{op}: bins must be an int, got {type(bins).__name__}") from None
    if bins <= 0:
        raise ValueError(f"{op}: bins must be > 0, got {bins}")
    return bins


def _real_arg(op: str, input):  # noqa: A002
    a = _tensor_arg(op, "input", input)
    if a.dtype.kind != "f":
        raise TypeError(f"{op}: only floating point input is supported, got dtype {a.dtype}")
    return a


def histc(input, bins=100, min=0, max=0):  # noqa: A002 - PyTorch's names
    """Counts of input's elements in ``bins`` equal-width bins spanning [min, max].

    min == max (the default 0, 0): the data's own min and max (widened by 1 each way when
    equal). Elements outside [min, max] (NaN included) are not counted; max falls in the last
    bin. Returns a 1-D tensor of ``bins`` counts in input's (floating point) dtype; no gradient.
    """
    a = _real_arg("histc", input)
    bins = _bins_arg("histc", bins)
    lo, hi = float(min), float(max)
    if lo > hi:
        raise ValueError(f"histc: max must be larger than min, got min={lo}, max={hi}")
    xp = _xp(a)
    if lo == hi and a.size:
        lo, hi = _host_float(a.min()), _host_float(a.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"histc: range of [{lo}, {hi}] is not finite")
    t = a.dtype.type
    lo_t, hi_t = t(lo), t(hi)
    v = a.reshape(-1)
    v = v[(v >= lo_t) & (v <= hi_t)]
    # PyTorch's bin: (x - min) * bins / (max - min) in the input's dtype, truncated
    pos = ((v - lo_t) * bins / (hi_t - lo_t)).astype(np.int64)
    pos = xp.minimum(pos, bins - 1)
    out = xp.bincount(pos, minlength=bins).astype(a.dtype)
    return _wrap(out, None, False) if isinstance(input, Tensor) else out


def _edges(xp, lo, hi, n, dtype):
    """``n`` + 1 edges from lo to hi as PyTorch's linspace spaces them (the second half counted
    back from hi), in ``dtype``."""
    i = np.arange(n + 1, dtype=np.float64)
    step = (hi - lo) / n
    e = np.where(i < (n + 1) // 2, lo + i * step, hi - (n - i) * step)
    return xp.asarray(e.astype(dtype))


def histogram(input, bins=100, *, range=None, weight=None, density=False):  # noqa: A001, A002
    """A histogram of input's elements: the named tuple ``(hist, bin_edges)``.

    bins: an int (default 100: that many equal-width bins over ``range``, default the data's
    min and max, widened by 0.5 each way when equal, [0, 1] for empty input) or a 1-D
    increasing tensor of edges. Elements outside the edges are not counted; the last edge falls
    in the last bin. weight: input's shape, each element's weight (default 1). density: hist /
    (total * bin width). hist (nbins,) and bin_edges (nbins + 1,) have input's (floating point)
    dtype; no gradient.
    """
    a = _real_arg("histogram", input)
    xp = _xp(a)
    flat = a.reshape(-1)
    if isinstance(bins, Tensor) or hasattr(bins, "dtype"):
        edges = _raw_of(bins)
        if edges.ndim != 1 or edges.shape[0] < 1:
            raise ShapeError(f"histogram: bins must be a 1-D tensor of edges, got {edges.shape}")
        if edges.dtype != a.dtype:
            raise TypeError(
                f"histogram: input and bins must have the same dtype, got {a.dtype} and "
                f"{edges.dtype}"
            )
    else:
        n = _bins_arg("histogram", bins)
        if range is not None:
            lo, hi = (float(r) for r in range)
        elif flat.size:
            lo, hi = _host_float(flat.min()), _host_float(flat.max())
        else:
            lo, hi = 0.0, 1.0  # no data and no range: [0, 1], as torch
        if lo > hi:
            raise ValueError(f"histogram: min must not exceed max, got range ({lo}, {hi})")
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError(f"histogram: range of [{lo}, {hi}] is not finite")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = _edges(xp, lo, hi, n, a.dtype)
    nb = edges.shape[0] - 1
    w = None
    if weight is not None:
        w = _raw_of(weight)
        if tuple(w.shape) != tuple(a.shape):
            raise ShapeError(
                f"histogram: weight must have input's shape {tuple(a.shape)}, got {tuple(w.shape)}"
            )
        w = w.reshape(-1)
    keep = (flat >= edges[0]) & (flat <= edges[-1])
    pos = xp.searchsorted(edges, flat[keep], side="right") - 1
    pos = xp.minimum(pos, max(nb - 1, 0))
    hist = xp.bincount(pos, weights=None if w is None else w[keep], minlength=nb)[:nb]
    hist = hist.astype(a.dtype)
    if density:
        with np.errstate(invalid="ignore", divide="ignore"):
            hist = hist / (hist.sum() * (edges[1:] - edges[:-1]))
    if isinstance(input, Tensor):
        return HistogramResult(_wrap(hist, None, False), _wrap(edges, None, False))
    return HistogramResult(hist, edges)
