"""Op-table rows for reductions, scans and softmax (format: tests/autograd/op_table.py)."""

from __future__ import annotations

import numpy as np

import autograd as ag

from .op_table import Spec

ALL = [((3, 4),), ((),), ((2, 3, 4),)]  # full reductions: any rank
D1 = [((3, 4),), ((2, 3, 4),)]  # reductions / scans along dim 1
D3 = [((2, 3, 4),)]  # tuple dims


def _zeros(*where):
    """A ``make`` drawing real values with zeros at the flat positions ``where``."""

    def make(rng, case):
        out = []
        for shape in case:
            a = rng.uniform(-2, 2, shape)
            a.reshape(-1)[[w for w in where if w < a.size]] = 0.0
            out.append(a)
        return tuple(out)

    return make


def _np_logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    y = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return y if keepdims else np.squeeze(y, axis=axis)


def _np_softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_log_softmax(x, axis=-1):
    z = x - np.max(x, axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def _np_pnorm(x, p, axis=None, keepdims=False):
    return (np.abs(x) ** p).sum(axis=axis, keepdims=keepdims) ** (1.0 / p)


def _np_scan(fn):
    # a 0-d input keeps its shape (PyTorch); NumPy flattens it to (1,)
    return lambda x: fn(x).reshape(np.shape(x))


SPECS = [
    # sum, mean
    Spec("sum_all", lambda x: x.sum(), np.sum, ALL),
    Spec("sum_dim", lambda x: ag.sum(x, 1), lambda x: x.sum(1), D1),
    Spec(
        "sum_tuple_keep",
        lambda x: x.sum((0, 2), keepdim=True),
        lambda x: x.sum((0, 2), keepdims=True),
        D3,
    ),
    Spec(
        "sum_axis_keepdims",
        lambda x: ag.sum(x, axis=-1, keepdims=True),
        lambda x: x.sum(-1, keepdims=True),
        D1,
    ),
    Spec("mean_all", lambda x: x.mean(), np.mean, ALL),
    Spec("mean_dim", lambda x: ag.mean(x, -1), lambda x: x.mean(-1), D1),
    Spec("mean_tuple", lambda x: ag.mean(x, (0, 2)), lambda x: x.mean((0, 2)), D3),
    # prod (zeros: one, two, two in one slice)
    Spec("prod_all", lambda x: x.prod(), np.prod, ALL),
    Spec("prod_dim", lambda x: ag.prod(x, 1), lambda x: x.prod(1), D1),
    Spec(
        "prod_tuple_keep",
        lambda x: ag.prod(x, (0, 2), keepdim=True),
        lambda x: x.prod((0, 2), keepdims=True),
        D3,
    ),
    Spec("prod_all_one_zero", lambda x: x.prod(), np.prod, [((3, 4),)], make=_zeros(5)),
    Spec("prod_all_two_zeros", lambda x: x.prod(), np.prod, [((3, 4),)], make=_zeros(2, 9)),
    Spec(
        "prod_dim_zeros",
        lambda x: ag.prod(x, axis=1),
        lambda x: x.prod(1),
        D1,
        make=_zeros(0, 5, 6, 11),
    ),
    Spec(
        "prod_tuple_zeros",
        lambda x: ag.prod(x, (1, 2)),
        lambda x: x.prod((1, 2)),
        D3,
        make=_zeros(1, 4, 13),
    ),
    # max, min, amax, amin (random values: no ties)
    Spec("max_all", lambda x: x.max(), np.max, ALL),
    Spec("min_all", lambda x: ag.min(x), np.min, ALL),
    Spec("max_dim_values", lambda x: ag.max(x, 1).values, lambda x: x.max(1), D1),
    Spec(
        "min_dim_values_keep",
        lambda x: x.min(dim=-1, keepdim=True)[0],
        lambda x: x.min(-1, keepdims=True),
        D1,
    ),
    Spec("max_dim_indices", lambda x: ag.max(x, 1).indices, lambda x: x.argmax(1), D1, grad=False),
    Spec("amax_dim", lambda x: ag.amax(x, 1), lambda x: x.max(1), D1),
    Spec("amax_tuple", lambda x: ag.amax(x, (0, 2)), lambda x: x.max((0, 2)), D3),
    Spec("amin_all_keep", lambda x: ag.amin(x, keepdim=True), lambda x: x.min(keepdims=True), ALL),
    Spec("argmax_all", lambda x: ag.argmax(x), np.argmax, ALL, grad=False),
    Spec(
        "argmin_dim_keep",
        lambda x: x.argmin(1, keepdim=True),
        lambda x: np.argmin(x, 1, keepdims=True),
        D1,
        grad=False,
    ),
    # var, std
    Spec("var_all", lambda x: x.var(), lambda x: x.var(ddof=1), [((3, 4),), ((2, 3, 4),)]),
    Spec("var_dim_biased", lambda x: ag.var(x, 1, unbiased=False), lambda x: x.var(1), D1),
    Spec(
        "var_tuple_keep",
        lambda x: ag.var(x, (0, 2), keepdim=True, correction=2),
        lambda x: x.var((0, 2), ddof=2, keepdims=True),
        D3,
    ),
    Spec("var_ddof", lambda x: ag.var(x, axis=0, ddof=0), lambda x: x.var(0), D1),
    Spec("std_all", lambda x: x.std(), lambda x: x.std(ddof=1), [((3, 4),)]),
    Spec(
        "std_dim_keep",
        lambda x: ag.std(x, -1, keepdim=True),
        lambda x: x.std(-1, ddof=1, keepdims=True),
        D1,
    ),
    # logsumexp, softmax, log_softmax
    Spec("logsumexp_all", lambda x: x.logsumexp(), _np_logsumexp, ALL),
    Spec("logsumexp_dim", lambda x: ag.logsumexp(x, 1), lambda x: _np_logsumexp(x, 1), D1),
    Spec(
        "logsumexp_tuple_keep",
        lambda x: ag.logsumexp(x, (0, 2), keepdim=True),
        lambda x: _np_logsumexp(x, (0, 2), keepdims=True),
        D3,
    ),
    Spec("softmax_last", ag.softmax, _np_softmax, [((3, 4),), ((4,),), ((2, 3, 4),)]),
    Spec("softmax_dim1", lambda x: x.softmax(1), lambda x: _np_softmax(x, 1), D1),
    Spec("log_softmax_last", ag.log_softmax, _np_log_softmax, [((3, 4),), ((2, 3, 4),)]),
    Spec(
        "log_softmax_dim0", lambda x: ag.log_softmax(x, dim=0), lambda x: _np_log_softmax(x, 0), D1
    ),
    # norm
    Spec("norm_fro", lambda x: x.norm(), lambda x: np.sqrt((x * x).sum()), ALL),
    Spec("norm_2_dim", lambda x: ag.norm(x, 2, 1), lambda x: np.linalg.norm(x, axis=1), D1),
    Spec(
        "norm_fro_tuple_keep",
        lambda x: ag.norm(x, "fro", (1, 2), keepdim=True),
        lambda x: np.sqrt((x * x).sum((1, 2), keepdims=True)),
        D3,
    ),
    Spec("norm_1", lambda x: ag.norm(x, 1), lambda x: np.abs(x).sum(), ALL, domain="nonzero"),
    Spec(
        "norm_inf_dim",
        lambda x: ag.norm(x, float("inf"), dim=1),
        lambda x: np.abs(x).max(1),
        D1,
        domain="nonzero",
    ),
    Spec(
        "norm_neginf",
        lambda x: ag.norm(x, -np.inf),
        lambda x: np.abs(x).min(),
        ALL,
        domain="nonzero",
    ),
    Spec("norm_3_dim", lambda x: ag.norm(x, 3, 0), lambda x: _np_pnorm(x, 3, 0), D1),
    Spec(
        "norm_1p5",
        lambda x: ag.norm(x, 1.5, (0, 2)),
        lambda x: _np_pnorm(x, 1.5, (0, 2)),
        D3,
        domain="nonzero",
    ),
    Spec(
        "norm_0",
        lambda x: ag.norm(x, 0),
        lambda x: (x != 0).sum().astype(float),
        [((3, 4),)],
        make=_zeros(1, 2),
        grad=False,
    ),
    # scans
    Spec("cumsum_dim1", lambda x: x.cumsum(1), lambda x: x.cumsum(1), D1),
    Spec("cumsum_1d", ag.cumsum, _np_scan(np.cumsum), [((5,),), ((),)]),
    Spec("cumsum_axis0", lambda x: ag.cumsum(x, axis=0), lambda x: x.cumsum(0), D1),
    Spec("cumprod_dim1", lambda x: ag.cumprod(x, 1), lambda x: x.cumprod(1), D1),
    Spec("cumprod_1d", ag.cumprod, _np_scan(np.cumprod), [((7,),), ((),), ((1,),)]),
    Spec(
        "cumprod_last_zeros",
        lambda x: x.cumprod(-1),
        lambda x: x.cumprod(-1),
        [((3, 5),), ((2, 3, 4),)],
        make=_zeros(0, 3, 6, 7, 14),
    ),
    Spec("cumprod_1d_zeros", ag.cumprod, np.cumprod, [((9,),)], make=_zeros(2, 3, 6)),
    Spec(
        "cumprod_dim0_zeros",
        lambda x: ag.cumprod(x, 0),
        lambda x: x.cumprod(0),
        D1,
        make=_zeros(4, 5),
    ),
    # all, any (bool, no gradient)
    Spec("all_dim", lambda x: ag.all(x > -1, 1), lambda x: np.all(x > -1, 1), D1, grad=False),
    Spec(
        "any_all_keep",
        lambda x: (x > 1.5).any(keepdim=True),
        lambda x: np.any(x > 1.5, keepdims=True),
        ALL,
        grad=False,
    ),
]
