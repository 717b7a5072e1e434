"""Op-table rows for ``autograd/ops/indexing.py`` (see op_table.Spec).

Index arrays from ``make`` become int Tensors (no grad); bool masks become bool Tensors. Where
PyTorch's result is undefined for repeated indices (scatter, index_copy, index_put and put without
accumulate) the indices are distinct; accumulating and reading ops get repeats on purpose.
"""

from __future__ import annotations

import numpy as np

import autograd as ag

from .op_table import Spec

_UFUNC = {"sum": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


def _targets(idx, dim):
    """For each position p of idx (row-major): the position it addresses along ``dim``."""
    for p in np.ndindex(*idx.shape):
        t = list(p)
        t[dim] = idx[p]
        yield p, tuple(t)


def np_scatter(x, dim, idx, src, reduce=None, include_self=True):
    """PyTorch's scatter / scatter_reduce in loops (later writes win; src may be a number)."""
    out = x.copy()
    groups = {}
    for p, t in _targets(idx, dim):
        groups.setdefault(t, []).append(src if np.isscalar(src) else src[p])
    for t, vals in groups.items():
        if reduce is None:
            out[t] = vals[-1]
            continue
        acc = ([x[t]] if include_self else []) + vals
        if reduce == "mean":
            out[t] = np.sum(acc) / len(acc)
        else:
            out[t] = _UFUNC[reduce].reduce(np.asarray(acc))
    return out


def _distinct_index(rng, xshape, ishape, dim):
    """An index of shape ishape whose entries along ``dim`` are distinct in each line."""
    r = rng.random(ishape[:dim] + (xshape[dim],) + ishape[dim + 1 :])
    idx = np.argsort(r, axis=dim)
    return np.take(idx, np.arange(ishape[dim]), axis=dim)


def _scatter_make(distinct, planted_zero=False):
    """make(): x, index, src from case (xshape, ishape, sshape, dim); dim is case[3]."""

    def make(rng, case):
        xs, ish, ss, dim = case
        x = rng.uniform(0.3, 2, xs) * rng.choice([-1, 1], xs)
        src = rng.uniform(0.3, 2, ss) * rng.choice([-1, 1], ss)
        if distinct:
            idx = _distinct_index(rng, xs, ish, dim)
        else:
            idx = rng.integers(0, xs[dim], ish)
            if ish[dim] > 1:  # a repeated target: line 1 along dim copies line 0
                np.moveaxis(idx, dim, 0)[1] = np.moveaxis(idx, dim, 0)[0]
        if planted_zero:  # one zero in src, one in x: prod's gradient must handle both
            src.flat[0] = 0.0
            x.flat[-1] = 0.0
        return x, idx, src

    return make


def _scatter_rows():
    cases = [((3, 4), (3, 2), (3, 3), 1), ((4, 3), (2, 3), (2, 3), 0), ((5,), (4,), (4,), 0)]
    rows = [
        Spec(
            "scatter_src",
            lambda x, i, s: ag.scatter(x, 1, i, s) if x.ndim > 1 else ag.scatter(x, 0, i, s),
            lambda x, i, s: np_scatter(x, 1 if x.ndim > 1 else 0, i, s),
            [cases[0], cases[2]],
            make=_scatter_make(True),
        ),
        Spec(
            "scatter_src_dim_neg2",
            lambda x, i, s: x.scatter(-2, i, s),
            lambda x, i, s: np_scatter(x, 0, i, s),
            [cases[1]],
            make=_scatter_make(True),
        ),
        Spec(
            "scatter_value",
            lambda x, i, s: ag.scatter(x, 0, i, value=1.5),
            lambda x, i, s: np_scatter(x, 0, i, 1.5),
            [cases[1]],
            make=_scatter_make(False),
            diff=(0,),
        ),
        Spec(
            "scatter_reduce_add",
            lambda x, i, s: ag.scatter(x, 1, i, s, reduce="add"),
            lambda x, i, s: np_scatter(x, 1, i, s, "sum"),
            [cases[0]],
            make=_scatter_make(False),
        ),
        Spec(
            "scatter_reduce_multiply",
            lambda x, i, s: x.scatter(1, i, s, reduce="multiply"),
            lambda x, i, s: np_scatter(x, 1, i, s, "prod"),
            [cases[0]],
            make=_scatter_make(False),
        ),
    ]
    for how in ("sum", "prod", "mean", "amax", "amin"):
        for inc in (True, False):
            rows.append(
                Spec(
                    f"scatter_reduce_{how}_{'self' if inc else 'noself'}",
                    lambda x, i, s, how=how, inc=inc: ag.scatter_reduce(
                        x, 0, i, s, how, include_self=inc
                    ),
                    lambda x, i, s, how=how, inc=inc: np_scatter(x, 0, i, s, how, inc),
                    [cases[1], ((3, 2), (4, 2), (4, 3), 0)],
                    make=_scatter_make(False),
                )
            )
    for inc in (True, False):
        rows.append(
            Spec(
                f"scatter_reduce_prod_zeros_{'self' if inc else 'noself'}",
                lambda x, i, s, inc=inc: x.scatter_reduce(0, i, s, "prod", include_self=inc),
                lambda x, i, s, inc=inc: np_scatter(x, 0, i, s, "prod", inc),
                [((3, 2), (4, 2), (4, 2), 0)],
                make=_scatter_make(False, planted_zero=True),
            )
        )
    return rows


def _dim_index_make(distinct, dim):
    """make(): x of case[0], source (or value) of case[1], a 1-D index into x's ``dim`` as
    long as source's ``dim`` (one element for a 0-d source)."""

    def make(rng, case):
        x = rng.uniform(-2, 2, case[0])
        size = x.shape[dim] if x.ndim else 1
        n_index = case[1][dim] if len(case[1]) else 1
        if distinct:
            idx = rng.permutation(size)[:n_index]
        else:
            idx = rng.integers(0, size, n_index)
            idx[: min(2, n_index)] = idx[0]
        return x, idx, rng.uniform(-2, 2, case[1])

    return make


def _fill_make(n_index, dim):
    """make(): x of case[0], a 1-D index (a repeat in it) into its ``dim``, a 0-d value."""

    def make(rng, case):
        x = rng.uniform(-2, 2, case[0])
        idx = rng.integers(0, x.shape[dim], n_index)
        idx[1] = idx[0]
        return x, idx, rng.uniform(-2, 2, ())

    return make


def _np_index_add(x, dim, idx, src, alpha=1.0):
    out = np.moveaxis(x.copy(), dim, 0)
    np.add.at(out, idx, alpha * np.moveaxis(src, dim, 0))
    return np.moveaxis(out, 0, dim)


def _np_index_copy(x, dim, idx, src):
    out = np.moveaxis(x.copy(), dim, 0)
    out[idx] = np.moveaxis(src, dim, 0)
    return np.moveaxis(out, 0, dim)


def _np_index_fill(x, dim, idx, value):
    out = np.moveaxis(x.copy(), dim, 0)
    out[idx] = value
    return np.moveaxis(out, 0, dim)


def _index_put_make(accumulate):
    def make(rng, case):
        x = rng.uniform(-2, 2, case[0])
        k = case[1][0]
        flat = rng.integers(0, x.shape[0] * x.shape[1], k)
        if not accumulate:
            flat = rng.permutation(x.shape[0] * x.shape[1])[:k]
        else:
            flat[1] = flat[0]
        i0, i1 = np.unravel_index(flat, x.shape[:2])
        return x, i0.astype(np.int64), i1.astype(np.int64), rng.uniform(-2, 2, case[2])

    return make


def _np_index_put(x, i0, i1, v, accumulate):
    out = x.copy()
    if accumulate:
        np.add.at(out, (i0, i1), np.broadcast_to(v, out[i0, i1].shape))
    else:
        out[i0, i1] = v
    return out


def _mask_make(rng, case):
    x = rng.uniform(-2, 2, case[0])
    m = rng.random(case[1]) > 0.4
    m.flat[0] = True
    out = (x, m)
    if len(case) > 2:
        out += (rng.uniform(-2, 2, case[2]),)
    return out


def _np_masked_scatter(x, m, s):
    shape = np.broadcast_shapes(x.shape, m.shape)
    out = np.broadcast_to(x, shape).copy()
    mb = np.broadcast_to(m, shape)
    out[mb] = s.reshape(-1)[: mb.sum()]
    return out


def _take_make(ishape, distinct=False, n=None):
    def make(rng, case):
        x = rng.uniform(-2, 2, case[0])
        if distinct:
            idx = rng.permutation(x.size)[: int(np.prod(ishape))].reshape(ishape)
        else:
            idx = rng.integers(-x.size, x.size, ishape)
        out = (x, idx)
        if n is not None:
            out += (rng.uniform(-2, 2, n),)
        return out

    return make


def _np_put(x, idx, src, accumulate):
    out = x.copy().reshape(-1)
    if accumulate:
        np.add.at(out, idx.reshape(-1), src.reshape(-1))
    else:
        out[idx.reshape(-1)] = src.reshape(-1)
    return out.reshape(x.shape)


def _tad_make(ishape, dim):
    def make(rng, case):
        x = rng.uniform(-2, 2, case[0])
        size = x.shape[dim] if dim is not None else x.size
        return x, rng.integers(0, size, ishape)

    return make


def _np_tad(x, idx, dim):
    if dim is None:
        return x.reshape(-1)[idx.reshape(-1)]
    shape = [max(a, b) for a, b in zip(x.shape, idx.shape)]
    xs, js = list(shape), list(shape)
    xs[dim], js[dim] = x.shape[dim], idx.shape[dim]
    return np.take_along_axis(np.broadcast_to(x, xs), np.broadcast_to(idx, js), dim)


def _sparse_make(rng, case):
    x = rng.uniform(-2, 2, case[0])
    x[rng.random(case[0]) < 0.5] = 0.0
    return (x,)


def _bincount_make(rng, case):
    out = (rng.integers(0, 6, case[0]),)
    if len(case) > 1:
        out += (rng.uniform(0, 2, case[1]),)
    return out


SPECS = _scatter_rows() + [
    # -- index_add, index_copy, index_fill ----------------------------------------------------
    Spec(
        "index_add_dim1_alpha",
        lambda x, i, s: ag.index_add(x, 1, i, s, alpha=2.0),
        lambda x, i, s: _np_index_add(x, 1, i, s, 2.0),
        [((3, 5), (3, 4))],
        make=_dim_index_make(False, 1),
    ),
    Spec(
        "index_add_dim_neg1",
        lambda x, i, s: x.index_add(-1, i, s),
        lambda x, i, s: _np_index_add(x, 1, i, s),
        [((2, 4), (2, 3))],
        make=_dim_index_make(False, 1),
    ),
    Spec(
        "index_add_0d",
        lambda x, i, s: ag.index_add(x, 0, i, s),
        lambda x, i, s: x + s,
        [((), ())],
        make=_dim_index_make(True, 0),
    ),
    Spec(
        "index_copy_dim0",
        lambda x, i, s: ag.index_copy(x, 0, i, s),
        lambda x, i, s: _np_index_copy(x, 0, i, s),
        [((4, 3), (2, 3)), ((5,), (3,))],
        make=_dim_index_make(True, 0),
    ),
    Spec(
        "index_copy_dim_neg1",
        lambda x, i, s: x.index_copy(-1, i, s),
        lambda x, i, s: _np_index_copy(x, 1, i, s),
        [((2, 4), (2, 3))],
        make=_dim_index_make(True, 1),
    ),
    Spec(
        "index_fill_number",
        lambda x, i, s: ag.index_fill(x, 1, i, -0.5),
        lambda x, i, s: _np_index_fill(x, 1, i, -0.5),
        [((3, 4),)],
        make=_fill_make(3, 1),
        diff=(0,),
    ),
    Spec(
        "index_fill_tensor_value",
        lambda x, i, v: x.index_fill(0, i, v),
        lambda x, i, v: _np_index_fill(x, 0, i, v),
        [((4, 3),)],
        make=_fill_make(2, 0),
    ),
    # -- index_put, put ---------------------------------------------------------------------
    Spec(
        "index_put",
        lambda x, a, b, v: ag.index_put(x, (a, b), v),
        lambda x, a, b, v: _np_index_put(x, a, b, v, False),
        [((3, 4), (5,), (5,)), ((3, 4), (4,), (1,)), ((3, 4, 2), (3,), (3, 2))],
        make=_index_put_make(False),
    ),
    Spec(
        "index_put_accumulate",
        lambda x, a, b, v: x.index_put((a, b), v, accumulate=True),
        lambda x, a, b, v: _np_index_put(x, a, b, v, True),
        [((3, 4), (5,), (5,)), ((3, 4, 2), (4,), (2,))],
        make=_index_put_make(True),
    ),
    Spec(
        "index_put_mask",
        lambda x, m, v: ag.index_put(x, (m,), v),
        lambda x, m, v: np.where(m[:, None], v, x),
        [((4, 3), (4,), (3,))],
        make=_mask_make,
    ),
    Spec(
        "put",
        lambda x, i, s: ag.put(x, i, s),
        lambda x, i, s: _np_put(x, i, s, False),
        [((3, 4),)],
        make=_take_make((2, 3), distinct=True, n=6),
    ),
    Spec(
        "put_accumulate",
        lambda x, i, s: x.put(i, s, accumulate=True),
        lambda x, i, s: _np_put(x, i, s, True),
        [((3, 4),)],
        make=_take_make((7,), n=(7,)),
    ),
    # -- masked_select, masked_scatter, take, take_along_dim ---------------------------------
    Spec(
        "masked_select",
        ag.masked_select,
        lambda x, m: np.broadcast_to(x, np.broadcast_shapes(x.shape, m.shape))[
            np.broadcast_to(m, np.broadcast_shapes(x.shape, m.shape))
        ],
        [((3, 4), (3, 4)), ((3, 4), (4,)), ((1, 4), (3, 1))],
        make=_mask_make,
    ),
    Spec(
        "masked_scatter",
        lambda x, m, s: x.masked_scatter(m, s),
        _np_masked_scatter,
        [((3, 4), (3, 4), (13,)), ((3, 4), (4,), (3, 5)), ((4,), (2, 1), (9,))],
        make=_mask_make,
    ),
    Spec(
        "take",
        ag.take,
        lambda x, i: x.reshape(-1)[i],
        [((3, 4),), ((5,),)],
        make=_take_make((2, 3)),
    ),
    Spec(
        "take_along_dim1",
        lambda x, i: ag.take_along_dim(x, i, 1),
        lambda x, i: _np_tad(x, i, 1),
        [((3, 4),), ((1, 4),)],
        make=_tad_make((3, 5), 1),
    ),
    Spec(
        "take_along_dim_bcast_x",
        lambda x, i: x.take_along_dim(i, dim=-1),
        lambda x, i: _np_tad(x, i, 1),
        [((3, 4),)],
        make=_tad_make((1, 2), 1),
    ),
    Spec(
        "take_along_dim_none",
        lambda x, i: ag.take_along_dim(x, i),
        lambda x, i: _np_tad(x, i, None),
        [((3, 4),)],
        make=_tad_make((2, 2), None),
    ),
    # -- no gradient ------------------------------------------------------------------------
    Spec(
        "nonzero",
        ag.nonzero,
        np.argwhere,
        [((3, 4),), ((5,),), ((0, 3),)],
        make=_sparse_make,
        grad=False,
    ),
    Spec(
        "nonzero_as_tuple",
        lambda x: x.nonzero(as_tuple=True),
        lambda x: list(np.nonzero(x)),
        [((3, 4),)],
        make=_sparse_make,
        grad=False,
    ),
    Spec("argwhere", ag.argwhere, np.argwhere, [((2, 3, 2),)], make=_sparse_make, grad=False),
    Spec(
        "count_nonzero",
        lambda x: ag.count_nonzero(x, dim=(0, -1)),
        lambda x: np.count_nonzero(x, axis=(0, 2)),
        [((2, 3, 4),)],
        make=_sparse_make,
        grad=False,
    ),
    Spec(
        "count_nonzero_all",
        lambda x: x.count_nonzero(),
        np.count_nonzero,
        [((3, 4),), ((),)],
        make=_sparse_make,
        grad=False,
    ),
    Spec(
        "bincount",
        lambda i: ag.bincount(i, minlength=9),
        lambda i: np.bincount(i, minlength=9),
        [((10,),), ((0,),)],
        make=_bincount_make,
        grad=False,
    ),
    Spec(
        "bincount_weights",
        lambda i, w: i.bincount(w),
        lambda i, w: np.bincount(i, w),
        [((10,), (10,))],
        make=_bincount_make,
        grad=False,
    ),
]
