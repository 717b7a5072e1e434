"""Op-table rows for shape ops: reshapes, cat/stack/split, flip, pad, repeat, indexing, einsum.

Format: tests/autograd/op_table.py. Integer index arrays returned by ``make`` become int Tensors
(no grad), so these rows also check that index arguments may be Tensors.
"""

from __future__ import annotations

import numpy as np

import autograd as ag

from .op_table import Spec


def _x_and_index(dim, n_index, high=None):
    """make(): a float input and a 1-D index (with repeats) into its ``dim``."""

    def make(rng, case):
        x = rng.uniform(-2, 2, case[0])
        size = x.shape[dim] if high is None else high
        idx = rng.integers(0, size, n_index)
        idx[: min(2, n_index)] = idx[0]  # a repeated index: gradients must accumulate
        return x, idx

    return make


def _gather_make(dim):
    """make(): x of case[0] and an index of shape case[1] into x along ``dim`` (repeats likely)."""

    def make(rng, case):
        x = rng.uniform(-2, 2, case[0])
        return x, rng.integers(0, x.shape[dim], case[1])

    return make


def _scatter_make(dim):
    def make(rng, case):
        x = rng.uniform(-2, 2, case[0])
        idx = rng.integers(0, x.shape[dim], case[1])
        return x, idx, rng.uniform(-2, 2, case[2])

    return make


def _np_gather(x, dim, idx):
    """torch.gather in numpy: index may be smaller than x in the other dims."""
    grids = list(np.indices(idx.shape, sparse=True))
    grids[dim] = idx
    return x[tuple(grids)]


def _np_scatter_add(x, dim, idx, src):
    grids = list(np.indices(idx.shape, sparse=True))
    grids[dim] = idx
    out = x.copy()
    np.add.at(out, tuple(grids), src[tuple(slice(0, s) for s in idx.shape)])
    return out


def _np_split(x, sizes, dim):
    return np.split(x, np.cumsum(sizes)[:-1], axis=dim)


def _mask_make(rng, case):
    x = rng.uniform(-2, 2, case[0])
    return x, rng.random(case[0]) > 0.4


def _pad_np(widths, mode, **kw):
    return lambda x: np.pad(x, widths, mode=mode, **kw)


SPECS = [
    # -- reshapes ---------------------------------------------------------------------------
    Spec("flatten", ag.flatten, lambda x: x.reshape(-1), [((2, 3, 4),), ((),), ((5,),)]),
    Spec(
        "flatten_mid",
        lambda x: x.flatten(1, 2),
        lambda x: x.reshape(x.shape[0], -1, x.shape[-1]),
        [((2, 3, 4, 5),), ((2, 1, 3, 2),)],
    ),
    Spec("squeeze_all", ag.squeeze, np.squeeze, [((2, 1, 3, 1),), ((1,),), ((),)]),
    Spec(
        "squeeze_dims",
        lambda x: ag.squeeze(x, (1, -1)),
        lambda x: np.squeeze(x, (1, 3)),
        [((2, 1, 3, 1),)],
    ),
    Spec("squeeze_noop", lambda x: x.squeeze(0), lambda x: x, [((2, 1, 3),)]),
    Spec(
        "unsqueeze",
        lambda x: x.unsqueeze(1),
        lambda x: np.expand_dims(x, 1),
        [((2, 3),), ((4,),)],
    ),
    Spec(
        "unsqueeze_last",
        lambda x: ag.unsqueeze(x, -1),
        lambda x: np.expand_dims(x, -1),
        [((2, 3),), ((),)],
    ),
    # -- cat, stack, split, chunk -------------------------------------------------------------
    Spec(
        "cat_last",
        lambda a, b: ag.cat([a, b], -1),
        lambda a, b: np.concatenate([a, b], -1),
        [((2, 3), (2, 4)), ((3,), (5,)), ((2, 3, 1), (2, 3, 2))],
    ),
    Spec(
        "cat_three_dim0",
        lambda a, b, c: ag.cat((a, b, c)),
        lambda a, b, c: np.concatenate((a, b, c)),
        [((1, 3), (2, 3), (4, 3))],
    ),
    Spec(
        "cat_with_constant",
        lambda a: ag.concatenate([np.ones((2, 2)), a], axis=1),
        lambda a: np.concatenate([np.ones((2, 2)), a], axis=1),
        [((2, 3),)],
    ),
    Spec(
        "stack_first",
        lambda a, b: ag.stack([a, b]),
        lambda a, b: np.stack([a, b]),
        [((2, 3), (2, 3)), ((), ())],
    ),
    Spec(
        "stack_last",
        lambda a, b, c: ag.stack([a, b, c], dim=-1),
        lambda a, b, c: np.stack([a, b, c], -1),
        [((2, 3), (2, 3), (2, 3))],
    ),
    Spec(
        "split_int",
        lambda x: ag.split(x, 2, dim=1),
        lambda x: _np_split(x, [2, 2, 1], 1),
        [((3, 5),)],
    ),
    Spec(
        "split_sizes",
        lambda x: x.split([1, 3, 0, 2]),
        lambda x: _np_split(x, [1, 3, 0, 2], 0),
        [((6, 2),)],
    ),
    Spec(
        "chunk",
        lambda x: x.chunk(3, -1),
        lambda x: _np_split(x, [3, 3, 1], -1),
        [((2, 7),)],
    ),
    Spec(
        "split_recombined",
        lambda x: ag.cat(list(reversed(ag.split(x, 2))), 0) * 1.5,
        lambda x: np.concatenate(list(reversed(_np_split(x, [2, 2, 1], 0))), 0) * 1.5,
        [((5, 3),)],
    ),
    # -- flip, pad, repeat, tile -----------------------------------------------------------
    Spec("flip_one", lambda x: ag.flip(x, 1), lambda x: np.flip(x, 1), [((3, 4),), ((2, 3, 4),)]),
    Spec(
        "flip_many",
        lambda x: x.flip((0, -1)),
        lambda x: np.flip(x, (0, 2)),
        [((2, 3, 4),)],
    ),
    Spec(
        "pad_constant",
        lambda x: ag.pad(x, (1, 2, 0, 3), value=0.25),
        _pad_np(((0, 0), (0, 3), (1, 2)), "constant", constant_values=0.25),
        [((2, 3, 4),)],
    ),
    Spec(
        "pad_constant_negative",
        lambda x: ag.pad(x, (-1, 2, 1, -2)),
        lambda x: np.pad(x[:-2, 1:], ((1, 0), (0, 2))),
        [((4, 5),)],
    ),
    Spec(
        "pad_reflect",
        lambda x: ag.pad(x, (2, 3, 1, 1), mode="reflect"),
        _pad_np(((0, 0), (1, 1), (2, 3)), "reflect"),
        [((2, 3, 4),)],
    ),
    Spec(
        "pad_reflect_1d",
        lambda x: ag.pad(x, (3, 1), mode="reflect"),
        _pad_np(((0, 0), (3, 1)), "reflect"),
        [((2, 4),)],
    ),
    Spec(
        "pad_replicate",
        lambda x: ag.pad(x, (2, 1, 0, 2), mode="replicate"),
        _pad_np(((0, 2), (2, 1)), "edge"),
        [((3, 4),)],
    ),
    Spec(
        "pad_circular",
        lambda x: ag.pad(x, (3, 2), mode="circular"),
        _pad_np(((0, 0), (3, 2)), "wrap"),
        [((2, 4),)],
    ),
    Spec(
        "repeat",
        lambda x: x.repeat(2, 1, 3),
        lambda x: np.tile(x, (2, 1, 3)),
        [((2, 3),), ((4, 1, 2),)],
    ),
    Spec("repeat_0d", lambda x: ag.repeat(x, 3), lambda x: np.tile(x, 3), [((),)]),
    Spec("tile", lambda x: ag.tile(x, 2), lambda x: np.tile(x, 2), [((2, 3),), ((3,),)]),
    Spec(
        "tile_more",
        lambda x: x.tile((2, 1, 2)),
        lambda x: np.tile(x, (2, 1, 2)),
        [((2, 3),)],
    ),
    # -- index_select, gather, scatter_add -------------------------------------------------
    Spec(
        "index_select_dim1",
        lambda x, i: ag.index_select(x, 1, i),
        lambda x, i: np.take(x, i, axis=1),
        [((3, 4), None), ((2, 5, 2), None)],
        make=_x_and_index(1, 6),
    ),
    Spec(
        "index_select_dim0",
        lambda x, i: x.index_select(0, i),
        lambda x, i: np.take(x, i, axis=0),
        [((4,), None), ((3, 2), None)],
        make=_x_and_index(0, 5),
    ),
    Spec(
        "gather_dim1",
        lambda x, i: ag.gather(x, 1, i),
        lambda x, i: _np_gather(x, 1, i),
        [((3, 4), (3, 6)), ((3, 4), (2, 2)), ((2, 3, 4), (2, 5, 3))],
        make=_gather_make(1),
    ),
    Spec(
        "gather_dim0",
        lambda x, i: x.gather(0, i),
        lambda x, i: np.take_along_axis(x, i, 0),
        [((4, 3), (6, 3)), ((5,), (7,))],
        make=_gather_make(0),
    ),
    Spec(
        "scatter_add_dim1",
        lambda x, i, s: ag.scatter_add(x, 1, i, s),
        lambda x, i, s: _np_scatter_add(x, 1, i, s),
        [((3, 4), (3, 5), (3, 5)), ((3, 4), (2, 3), (3, 4)), ((2, 3, 4), (2, 6, 4), (2, 6, 4))],
        make=_scatter_make(1),
    ),
    Spec(
        "scatter_add_dim0",
        lambda x, i, s: x.scatter_add(0, i, s),
        lambda x, i, s: _np_scatter_add(x, 0, i, s),
        [((4,), (6,), (6,)), ((3, 2), (5, 2), (5, 2))],
        make=_scatter_make(0),
    ),
    # -- getitem (GetItem/IndexAdd) -----------------------------------------------------------
    Spec("getitem_mask", lambda x, m: x[m], lambda x, m: x[m], [((3, 4), None)], make=_mask_make),
    Spec(
        "getitem_repeated",
        lambda x: x[np.array([0, 2, 0, 0])],
        lambda x: x[np.array([0, 2, 0, 0])],
        [((3, 4),), ((4,),)],
    ),
    Spec(
        "getitem_tensor_index",
        lambda x, i: x[:, i],
        lambda x, i: x[:, i],
        [((3, 4), None)],
        make=_x_and_index(1, 5),
    ),
    Spec("getitem_reverse", lambda x: x[::-1], lambda x: x[::-1], [((5,),), ((3, 4),)]),
    Spec(
        "getitem_none_ellipsis",
        lambda x: x[None, ..., 1:3],
        lambda x: x[None, ..., 1:3],
        [((2, 4),), ((2, 3, 5),)],
    ),
    Spec(
        "getitem_mixed",
        lambda x: x[1, ::2, [0, 0, 2]],
        lambda x: x[1][::2, [0, 0, 2]],  # PyTorch's order: the integer selects first
        [((2, 5, 3),)],
    ),
    Spec("getitem_int", lambda x: x[-1], lambda x: x[-1], [((3, 4),)]),
    # -- einsum ------------------------------------------------------------------------------
    Spec(
        "einsum_matmul",
        lambda a, b: ag.einsum("ij,jk->ik", a, b),
        lambda a, b: np.einsum("ij,jk->ik", a, b),
        [((2, 3), (3, 4))],
    ),
    Spec(
        "einsum_implicit",
        lambda a, b: ag.einsum("ij,jk", a, b),
        lambda a, b: np.einsum("ij,jk", a, b),
        [((2, 3), (3, 4))],
    ),
    Spec(
        "einsum_batch",
        lambda a, b: ag.einsum("bij,bjk->bik", a, b),
        lambda a, b: a @ b,
        [((2, 2, 3), (2, 3, 4))],
    ),
    Spec("einsum_trace", lambda a: ag.einsum("ii", a), np.trace, [((3, 3),)]),
    Spec("einsum_diag", lambda a: ag.einsum("ii->i", a), np.diagonal, [((4, 4),)]),
    Spec(
        "einsum_outer",
        lambda a, b: ag.einsum("i,j->ij", a, b),
        np.outer,
        [((3,), (4,))],
    ),
    Spec(
        "einsum_ellipsis",
        lambda a, b: ag.einsum("...ij,...jk->...ik", a, b),
        np.matmul,
        [((2, 3), (3, 4)), ((2, 2, 3), (2, 3, 4)), ((2, 1, 2, 3), (5, 3, 4))],
    ),
    Spec(
        "einsum_sum_out",
        lambda a, b: ag.einsum("ij,jk->i", a, b),
        lambda a, b: (a @ b).sum(1),
        [((2, 3), (3, 4))],
    ),
    Spec(
        "einsum_transpose_sum",
        lambda a: ag.einsum("ijk->ki", a),
        lambda a: a.sum(1).T,
        [((2, 3, 4),)],
    ),
    Spec(
        "einsum_three",
        lambda a, b, c: ag.einsum("ij,jk,kl->il", a, b, c),
        lambda a, b, c: a @ b @ c,
        [((2, 3), (3, 4), (4, 2))],
    ),
    Spec(
        "einsum_diag_mul",
        lambda a, b: ag.einsum("ii,i->i", a, b),
        lambda a, b: np.diagonal(a) * b,
        [((3, 3), (3,))],
    ),
    Spec(
        "einsum_bilinear",
        lambda x, w, y: ag.einsum("bi,oij,bj->bo", x, w, y),
        lambda x, w, y: np.einsum("bi,oij,bj->bo", x, w, y),
        [((2, 3), (4, 3, 5), (2, 5))],
    ),
    Spec(
        "einsum_broadcast",
        lambda a, b: ag.einsum("ij,ij->ij", a, b),
        lambda a, b: a * b,
        [((1, 3), (2, 3))],
    ),
]
