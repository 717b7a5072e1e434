"""Op-table rows for the PyTorch porting ops (``autograd/ops/_porting_*.py`` and the Tensor
methods of ``autograd/methods/_porting_extra.py``); see op_table.Spec.

Domains keep away from kinks and ties: fmax / fmin operands drawn apart, renorm's slices
clearly above or below maxnorm, frexp's inputs away from powers of two. cholesky_solve and
cholesky_inverse read one triangle but their gradient (PyTorch's) is the full matrix, so the
rows pass tril / triu of the factor, as PyTorch's own gradcheck does. The edge points (ties,
NaN, zeros) are checked against torch in test_torch_api_gaps.py.
"""

from __future__ import annotations

import numpy as np

import autograd as ag

from .op_table import Spec

BIN = [((3, 4), (3, 4)), ((3, 1), (4,)), ((), (2, 3))]
UN = [((3, 4),), ((),), ((2, 3, 2),)]


def _apart(rng, case):
    """x and y; of one shape, with |x - y| >= 0.2 everywhere (no ties for fmax / fmin)."""
    x = rng.uniform(-2, 2, case[0])
    y = rng.uniform(-2, 2, case[1])
    if case[0] == case[1]:
        y = x + rng.uniform(0.2, 1.5, case[0]) * rng.choice([-1.0, 1.0], case[0])
    return x, y


def _fmax_ref(x, y):
    return np.fmax(x, y)


def _with_nans(rng, case):
    x = rng.uniform(-2, 2, case[0])
    flat = x.reshape(-1)
    flat[:: max(2, flat.size // 3)] = np.nan
    return (x,)


def _frexp_inputs(rng, case):
    # |x| in [1.1, 1.9] * 2^k: away from the powers of two where the exponent jumps
    m = rng.uniform(1.1, 1.9, case[0]) * rng.choice([-1.0, 1.0], case[0])
    return (m * 2.0 ** rng.integers(-3, 4, case[0]),)


def _renorm_inputs(rng, case):
    x = rng.uniform(-2, 2, case[0])
    x[0] *= 0.05  # the first slice (dim 0) below maxnorm, the others far above
    return (x,)


def _tri(rng, shape, upper=False):
    """A well-conditioned triangular factor with a positive diagonal, (..., n, n)."""
    n = shape[-1]
    a = rng.uniform(-0.5, 0.5, shape)
    a = np.triu(a) if upper else np.tril(a)
    idx = np.arange(n)
    a[..., idx, idx] = rng.uniform(1.0, 2.0, shape[:-1])
    return a


def _chol_make(upper):
    def make(rng, case):
        b = rng.uniform(-2, 2, case[0])
        return b, _tri(rng, case[1], upper)

    return make


def _chol_ref(upper):
    def ref(b, L):
        L = np.triu(L) if upper else np.tril(L)
        a = np.swapaxes(L, -1, -2) @ L if upper else L @ np.swapaxes(L, -1, -2)
        return np.linalg.solve(a, b)

    return ref


def _chol_inv_ref(upper):
    def ref(L):
        L = np.triu(L) if upper else np.tril(L)
        a = np.swapaxes(L, -1, -2) @ L if upper else L @ np.swapaxes(L, -1, -2)
        return np.linalg.inv(a)

    return ref


def _renorm_ref(p, dim, maxnorm):
    def ref(x):
        axes = tuple(k for k in range(x.ndim) if k != dim % x.ndim)
        if p == np.inf:
            n = np.abs(x).max(axis=axes, keepdims=True)
        else:
            n = (np.abs(x) ** p).sum(axis=axes, keepdims=True) ** (1 / p)
        return x * np.where(n > maxnorm, maxnorm / (n + 1e-7), 1.0)

    return ref


def _select_scatter_ref(x, s):
    y = x.copy()
    y[:, 1] = s
    return y


def _slice_scatter_ref(x, s):
    y = x.copy()
    y[:, 1::2] = s
    return y


def _diag_scatter_ref(x, s):
    y = x.copy()
    idx = np.arange(s.shape[-1])
    y[idx, idx + 1] = s
    return y


_MASK = np.array([[True, False, False, True], [False, True, False, False], [True] * 4])


def _masked_fill_ref(x, v):
    return np.where(_MASK, v, x)


def _fill_diag_ref(x):
    y = x.copy()
    np.fill_diagonal(y, 0.5)
    return y


def _nan_mean_ref(x):
    return np.nanmean(x, axis=1)


def _nansum_ref(x):
    return np.nansum(x)


def _ldexp_pair(rng, case):
    return rng.uniform(-2, 2, case[0]), rng.uniform(-2, 2, case[1])


SPECS = [
    # -- fmax / fmin, heaviside, nextafter -------------------------------------------------------
    Spec("fmax", ag.fmax, _fmax_ref, [((3, 4), (3, 4)), ((2, 3), (2, 3))], make=_apart),
    Spec("fmin", ag.fmin, np.fmin, [((3, 4), (3, 4)), ((2, 3), (2, 3))], make=_apart),
    Spec("fmax_scalar", lambda x: x.fmax(0.3), lambda x: np.fmax(x, 0.3), UN, domain="nonzero"),
    Spec("fmin_method", lambda x, y: x.fmin(y), np.fmin, [((3, 4), (3, 4))], make=_apart),
    Spec("heaviside", ag.heaviside, np.heaviside, BIN, domain="nonzero"),
    Spec("nextafter", ag.nextafter, np.nextafter, BIN, make=_ldexp_pair),
    # -- ldexp / frexp------------------------------------------------------------------------------
    Spec("ldexp", ag.ldexp, lambda x, e: x * 2.0**e, BIN, make=_ldexp_pair),
    Spec("ldexp_scalar", lambda x: x.ldexp(3), lambda x: x * 8.0, UN),
    Spec(
        "frexp_mantissa", lambda x: ag.frexp(x)[0], lambda x: np.frexp(x)[0], UN, make=_frexp_inputs
    ),
    # -- rsub, addr---------------------------------------------------------------------------------
    Spec("rsub", lambda x, y: ag.rsub(x, y, alpha=2.5), lambda x, y: y - 2.5 * x, BIN),
    Spec("rsub_scalar", lambda x: ag.rsub(x, 1.5), lambda x: 1.5 - x, UN),
    Spec(
        "addr",
        lambda a, u, v: ag.addr(a, u, v, beta=0.5, alpha=2.0),
        lambda a, u, v: 0.5 * a + 2.0 * np.outer(u, v),
        [((3, 4), (3,), (4,)), ((1, 4), (2,), (4,)), ((), (2,), (3,))],
    ),
    Spec(
        "addr_method",
        lambda a, u, v: a.addr(u, v),
        lambda a, u, v: a + np.outer(u, v),
        [((2, 3), (2,), (3,))],
    ),
    # -- reductions---------------------------------------------------------------------------------
    Spec("nansum", ag.nansum, _nansum_ref, [((3, 4),), ((5,),)], make=_with_nans),
    Spec(
        "nansum_dim",
        lambda x: x.nansum(1, keepdim=True),
        lambda x: np.nansum(x, axis=1, keepdims=True),
        [((3, 4),)],
        make=_with_nans,
    ),
    Spec(
        "nanmean_dim",
        lambda x: ag.nanmean(x, dim=1),
        _nan_mean_ref,
        [((3, 4),), ((2, 5),)],
        make=_with_nans,
    ),
    Spec("nanmean_all", lambda x: x.nanmean(), np.nanmean, [((3, 4),)], make=_with_nans),
    Spec(
        "std_mean",
        lambda x: ag.stack(ag.std_mean(x, 1)),
        lambda x: np.stack([x.std(axis=1, ddof=1), x.mean(axis=1)]),
        [((3, 4),), ((2, 5),)],
    ),
    Spec(
        "var_mean_all",
        lambda x: ag.stack(ag.var_mean(x, correction=0)),
        lambda x: np.stack([x.var(), x.mean()]),
        [((3, 4),)],
    ),
    Spec("dist_2", ag.dist, lambda x, y: np.sqrt(((x - y) ** 2).sum()), BIN, make=_apart),
    Spec(
        "dist_1",
        lambda x, y: ag.dist(x, y, 1),
        lambda x, y: np.abs(x - y).sum(),
        [((3, 4), (3, 4))],
        make=_apart,
    ),
    Spec(
        "dist_inf",
        lambda x, y: x.dist(y, float("inf")),
        lambda x, y: np.abs(x - y).max(),
        [((3, 4), (3, 4))],
        make=_apart,
    ),
    Spec(
        "dist_3_5",
        lambda x, y: ag.dist(x, y, 3.5),
        lambda x, y: (np.abs(x - y) ** 3.5).sum() ** (1 / 3.5),
        [((3, 4), (4,))],
        make=_apart,
    ),
    Spec(
        "renorm_2_dim0",
        lambda x: ag.renorm(x, 2, 0, 1.0),
        _renorm_ref(2, 0, 1.0),
        [((3, 4),), ((3, 2, 2),)],
        make=_renorm_inputs,
    ),
    Spec(
        "renorm_1_dim1",
        lambda x: x.renorm(1, -1, 2.0),
        _renorm_ref(1, -1, 2.0),
        [((4, 3),)],
        domain="nonzero",
    ),
    Spec(
        "renorm_inf",
        lambda x: ag.renorm(x, float("inf"), 0, 0.5),
        _renorm_ref(np.inf, 0, 0.5),
        [((3, 4),)],
        make=_renorm_inputs,
    ),
    Spec(
        "renorm_inplace",
        lambda x: (x * 1.0).renorm_(2, 0, 1.0),
        _renorm_ref(2, 0, 1.0),
        [((3, 4),)],
        make=_renorm_inputs,
    ),
    # -- select and the scatters--------------------------------------------------------------------
    Spec("select", lambda x: ag.select(x, 1, -1), lambda x: x[:, -1], [((3, 4),), ((2, 3, 2),)]),
    Spec(
        "select_scatter",
        lambda x, s: ag.select_scatter(x, s, 1, 1),
        _select_scatter_ref,
        [((3, 4), (3,)), ((2, 3, 2), (2, 2))],
    ),
    Spec(
        "slice_scatter",
        lambda x, s: x.slice_scatter(s, 1, 1, None, 2),
        _slice_scatter_ref,
        [((3, 4), (3, 2)), ((2, 5), (2, 2))],
    ),
    Spec(
        "diagonal_scatter",
        lambda x, s: ag.diagonal_scatter(x, s, 1),
        _diag_scatter_ref,
        [((3, 4), (3,)), ((4, 3), (2,))],
    ),
    Spec("masked_fill", lambda x, v: ag.masked_fill(x, _MASK, v), _masked_fill_ref, [((3, 4), ())]),
    Spec(
        "fill_diagonal_",
        lambda x: (x * 1.0).fill_diagonal_(0.5),
        _fill_diag_ref,
        [((3, 4),), ((4, 2),)],
    ),
    # -- copies, splits, sums-----------------------------------------------------------------------
    Spec("narrow_copy", lambda x: ag.narrow_copy(x, 1, 1, 2), lambda x: x[:, 1:3], [((3, 4),)]),
    Spec(
        "split_with_sizes",
        lambda x: ag.cat(ag.split_with_sizes(x, [1, 3], 1)[::-1], 1),
        lambda x: np.concatenate([x[:, 1:], x[:, :1]], 1),
        [((3, 4),)],
    ),
    Spec(
        "sum_to_size", lambda x: x.sum_to_size(1, 4), lambda x: x.sum(0, keepdims=True), [((3, 4),)]
    ),
    Spec(
        "sum_to_size_3d",
        lambda x: x.sum_to_size((3, 1)),
        lambda x: x.sum((0, 2))[:, None],
        [((2, 3, 4),)],
    ),
    # -- in-place forms and metadata changes on recorded tensors------------------------------------
    Spec("cumsum_", lambda x: (x * 1.0).cumsum_(1), lambda x: np.cumsum(x, 1), [((3, 4),)]),
    Spec(
        "addr_",
        lambda a, u, v: (a * 1.0).addr_(u, v, alpha=2.0),
        lambda a, u, v: a + 2.0 * np.outer(u, v),
        [((2, 3), (2,), (3,))],
    ),
    Spec("t_", lambda x: (x * 1.0).t_() * 2.0, lambda x: x.T * 2.0, [((3, 4),)]),
    Spec(
        "transpose_",
        lambda x: (x * 1.0).transpose_(0, 2).exp(),
        lambda x: np.exp(np.transpose(x, (2, 1, 0))),
        [((2, 3, 4),)],
    ),
    Spec(
        "unsqueeze_squeeze_", lambda x: (x * 1.0).unsqueeze_(1).squeeze_(), lambda x: x, [((3, 4),)]
    ),
    Spec(
        "where_method",
        lambda x, y: x.where(x > 0, y),
        lambda x, y: np.where(x > 0, x, y),
        BIN,
        domain="nonzero",
    ),
    Spec("subtract_alpha", lambda x, y: x.subtract(y, alpha=2), lambda x, y: x - 2 * y, BIN),
    # -- cholesky_solve / cholesky_inverse----------------------------------------------------------
    Spec(
        "cholesky_solve",
        lambda b, L: ag.cholesky_solve(b, ag.tril(L)),
        _chol_ref(False),
        [((3, 2), (3, 3)), ((2, 3, 1), (3, 3)), ((4, 2), (2, 4, 4))],
        make=_chol_make(False),
        atol=1e-9,
    ),
    Spec(
        "cholesky_solve_upper",
        lambda b, L: b.cholesky_solve(ag.triu(L), upper=True),
        _chol_ref(True),
        [((3, 2), (3, 3))],
        make=_chol_make(True),
        atol=1e-9,
    ),
    Spec(
        "cholesky_inverse",
        lambda L: ag.cholesky_inverse(ag.tril(L)),
        _chol_inv_ref(False),
        [((3, 3),), ((2, 2, 2),)],
        make=lambda rng, c: (_tri(rng, c[0]),),
        atol=1e-9,
    ),
    Spec(
        "cholesky_inverse_upper",
        lambda L: L.triu().cholesky_inverse(upper=True),
        _chol_inv_ref(True),
        [((3, 3),)],
        make=lambda rng, c: (_tri(rng, c[0], True),),
        atol=1e-9,
    ),
    # -- no gradient: forward only------------------------------------------------------------------
    Spec(
        "histc",
        lambda x: ag.histc(x, 5, -2, 2),
        lambda x: np.histogram(x, 5, (-2, 2))[0].astype(x.dtype),
        UN,
        grad=False,
    ),
    Spec("isposinf", ag.isposinf, np.isposinf, UN, make=_with_nans, grad=False),
]
