"""Op-table rows for ``autograd/ops/layout.py`` (see op_table.Spec).

Every differentiable layout op has rows here: triangles, diagonals, roll, movedim, narrow, unbind,
unflatten, rot90 (k = 1, 2, 3, -1), repeat_interleave (int and tensor repeats), diff, meshgrid,
cartesian_prod, the stack/split helpers and t/ravel, with negative dims and offsets.
"""

from __future__ import annotations

import itertools

import numpy as np

import autograd as ag

from .op_table import Spec


def _np_diag_embed(x, offset=0, dim1=-2, dim2=-1):
    """torch.diag_embed in NumPy: x's last dim on the diagonal ``offset`` of (dim1, dim2)."""
    m = x.shape[-1] + abs(offset)
    out_nd = x.ndim + 1
    d1, d2 = dim1 % out_nd, dim2 % out_nd
    base = np.zeros(x.shape[:-1] + (m, m))
    i = np.arange(x.shape[-1])
    base[..., i + max(-offset, 0), i + max(offset, 0)] = x
    # base has (rest..., d1, d2); move those two to their places
    return np.moveaxis(base, (-2, -1), (d1, d2))


def _np_block_diag(*blocks):
    blocks = [np.atleast_2d(b) for b in blocks]
    rows, cols = sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)
    out = np.zeros((rows, cols))
    r = c = 0
    for b in blocks:
        out[r : r + b.shape[0], c : c + b.shape[1]] = b
        r, c = r + b.shape[0], c + b.shape[1]
    return out


def _repeats_make(counts):
    def make(rng, case):
        return rng.uniform(-2, 2, case[0]), np.asarray(counts, dtype=np.int64)

    return make


def _cartesian(*xs):
    return np.array(list(itertools.product(*xs)))


SPECS = [
    # -- triangles ---------------------------------------------------------------------------
    Spec("triu", ag.triu, np.triu, [((3, 4),), ((2, 3, 3),)]),
    Spec("triu_k1", lambda x: ag.triu(x, 1), lambda x: np.triu(x, 1), [((3, 4),), ((4, 2),)]),
    Spec("triu_k-1", lambda x: x.triu(-1), lambda x: np.triu(x, -1), [((2, 3, 4),)]),
    Spec("tril", ag.tril, np.tril, [((3, 4),), ((2, 3, 3),)]),
    Spec("tril_k2", lambda x: ag.tril(x, 2), lambda x: np.tril(x, 2), [((4, 3),)]),
    Spec("tril_k-1", lambda x: x.tril(-1), lambda x: np.tril(x, -1), [((2, 3, 4),)]),
    # -- diagonals ---------------------------------------------------------------------------
    Spec("diag_1d", ag.diag, np.diag, [((3,),), ((1,),)]),
    Spec("diag_1d_k1", lambda x: ag.diag(x, 1), lambda x: np.diag(x, 1), [((3,),)]),
    Spec("diag_1d_k-2", lambda x: x.diag(-2), lambda x: np.diag(x, -2), [((3,),)]),
    Spec("diag_2d", ag.diag, np.diag, [((3, 4),), ((4, 3),)]),
    Spec("diag_2d_k1", lambda x: ag.diag(x, 1), lambda x: np.diag(x, 1), [((3, 4),)]),
    Spec("diag_2d_k-1", lambda x: x.diag(-1), lambda x: np.diag(x, -1), [((3, 4),)]),
    Spec("diagonal", ag.diagonal, np.diagonal, [((3, 4),), ((3, 3, 2),)]),
    Spec(
        "diagonal_neg_dims_offset",
        lambda x: ag.diagonal(x, 1, -1, 0),
        lambda x: np.diagonal(x, 1, 2, 0),
        [((3, 2, 4),), ((4, 2, 3),)],
    ),
    Spec(
        "diagonal_offset_-1",
        lambda x: x.diagonal(-1, 1, 2),
        lambda x: np.diagonal(x, -1, 1, 2),
        [((2, 3, 4),)],
    ),
    Spec("diag_embed", ag.diag_embed, _np_diag_embed, [((3,),), ((2, 3),)]),
    Spec(
        "diag_embed_offset1_dims",
        lambda x: ag.diag_embed(x, 1, 0, 2),
        lambda x: _np_diag_embed(x, 1, 0, 2),
        [((2, 3),)],
    ),
    Spec(
        "diag_embed_offset-1_negdims",
        lambda x: x.diag_embed(-1, -1, 0),
        lambda x: _np_diag_embed(x, -1, -1, 0),
        [((2, 3),)],
    ),
    Spec("diagflat", ag.diagflat, np.diagflat, [((2, 2),), ((3,),), ((),)]),
    Spec(
        "diagflat_offset-1",
        lambda x: x.diagflat(-1),
        lambda x: np.diagflat(x, -1),
        [((2, 2),)],
    ),
    Spec(
        "block_diag",
        lambda *xs: ag.block_diag(*xs),
        _np_block_diag,
        [((2, 3), (1,), (2, 2)), ((), (3,)), ((2, 2),)],
    ),
    # -- roll, movedim, swapdims, narrow, unbind, unflatten, rot90 ---------------------------
    Spec("roll_flat", lambda x: ag.roll(x, 5), lambda x: np.roll(x, 5), [((3, 4),), ((),)]),
    Spec(
        "roll_dims",
        lambda x: x.roll((1, -2), (0, -1)),
        lambda x: np.roll(x, (1, -2), (0, -1)),
        [((3, 4),), ((2, 3, 4),)],
    ),
    Spec("roll_dim1", lambda x: ag.roll(x, 7, 1), lambda x: np.roll(x, 7, 1), [((2, 3),)]),
    Spec(
        "movedim",
        lambda x: ag.movedim(x, 0, -1),
        lambda x: np.moveaxis(x, 0, -1),
        [((2, 3, 4),), ((3,),)],
    ),
    Spec(
        "movedim_tuple",
        lambda x: x.moveaxis((0, 1), (2, -3)),
        lambda x: np.moveaxis(x, (0, 1), (2, 0)),
        [((2, 3, 4),)],
    ),
    Spec(
        "swapdims",
        lambda x: ag.swapdims(x, 0, -1),
        lambda x: np.swapaxes(x, 0, -1),
        [((2, 3, 4),)],
    ),
    Spec(
        "narrow",
        lambda x: ag.narrow(x, -1, 1, 2),
        lambda x: x[..., 1:3],
        [((3, 4),), ((2, 3, 4),)],
    ),
    Spec("narrow_neg_start", lambda x: x.narrow(0, -2, 2), lambda x: x[-2:], [((3, 4),)]),
    Spec(
        "unbind",
        lambda x: ag.unbind(x),
        lambda x: [x[i] for i in range(x.shape[0])],
        [((3, 2),), ((2,),)],
    ),
    Spec(
        "unbind_dim-1",
        lambda x: x.unbind(-1),
        lambda x: [x[..., i] for i in range(x.shape[-1])],
        [((2, 3),)],
    ),
    Spec(
        "unflatten",
        lambda x: ag.unflatten(x, 1, (2, 3)),
        lambda x: x.reshape(2, 2, 3),
        [((2, 6),)],
    ),
    Spec(
        "unflatten_neg",
        lambda x: x.unflatten(-1, (-1, 2)),
        lambda x: x.reshape(x.shape[:-1] + (-1, 2)),
        [((3, 4),), ((4,),)],
    ),
    *[
        Spec(
            f"rot90_k{k}",
            lambda x, k=k: ag.rot90(x, k),
            lambda x, k=k: np.rot90(x, k),
            [((2, 3),), ((3, 2, 2),)],
        )
        for k in (1, 2, 3, -1)
    ],
    Spec(
        "rot90_dims_neg",
        lambda x: x.rot90(1, (-1, 0)),
        lambda x: np.rot90(x, 1, (2, 0)),
        [((2, 3, 4),)],
    ),
    Spec(
        "rot90_k0",
        lambda x: ag.rot90(x, 4, (1, 2)),
        lambda x: np.rot90(x, 4, (1, 2)),
        [((2, 3, 4),)],
    ),
    # -- repeat_interleave, diff -------------------------------------------------------------
    Spec(
        "repeat_interleave_flat",
        lambda x: ag.repeat_interleave(x, 2),
        lambda x: np.repeat(x, 2),
        [((2, 3),), ((),)],
    ),
    Spec(
        "repeat_interleave_dim",
        lambda x: x.repeat_interleave(3, dim=-1),
        lambda x: np.repeat(x, 3, axis=-1),
        [((2, 3),)],
    ),
    Spec(
        "repeat_interleave_tensor",
        lambda x, r: ag.repeat_interleave(x, r, dim=0),
        lambda x, r: np.repeat(x, r, axis=0),
        [((3, 2),)],
        make=_repeats_make([1, 0, 3]),
    ),
    Spec(
        "repeat_interleave_tensor_one",
        lambda x, r: x.repeat_interleave(r, dim=1, output_size=4),
        lambda x, r: np.repeat(x, r, axis=1),
        [((3, 2),)],
        make=_repeats_make([2]),
    ),
    Spec("diff", ag.diff, np.diff, [((5,),), ((2, 4),)]),
    Spec(
        "diff_n2_dim0",
        lambda x: ag.diff(x, 2, 0),
        lambda x: np.diff(x, 2, 0),
        [((4, 3),), ((2, 3),)],
    ),
    Spec(
        "diff_prepend_append",
        lambda x, p, a: ag.diff(x, 1, -1, p, a),
        lambda x, p, a: np.diff(x, 1, -1, p, a),
        [((2, 3), (2, 1), (2, 2))],
    ),
    Spec(
        "diff_prepend_dim0_n3",
        lambda x, p: x.diff(3, 0, prepend=p),
        lambda x, p: np.diff(x, 3, 0, prepend=p),
        [((3, 2), (2, 2))],
    ),
    # -- meshgrid, cartesian_prod ------------------------------------------------------------
    Spec(
        "meshgrid_ij",
        lambda a, b: ag.meshgrid(a, b, indexing="ij"),
        lambda a, b: np.meshgrid(a, b, indexing="ij"),
        [((3,), (2,)), ((2,), ())],
    ),
    Spec(
        "meshgrid_xy",
        lambda a, b, c: ag.meshgrid([a, b, c], indexing="xy"),
        lambda a, b, c: np.meshgrid(a, b, c, indexing="xy"),
        [((3,), (2,), (2,))],
    ),
    Spec(
        "cartesian_prod",
        lambda *xs: ag.cartesian_prod(*xs),
        _cartesian,
        [((3,), (2,)), ((2,), (2,), (2,))],
    ),
    # -- atleast, stacks ---------------------------------------------------------------------
    Spec("atleast_1d", ag.atleast_1d, np.atleast_1d, [((),), ((3,),)]),
    Spec("atleast_2d", ag.atleast_2d, np.atleast_2d, [((),), ((3,),), ((2, 3),)]),
    Spec("atleast_3d", ag.atleast_3d, np.atleast_3d, [((),), ((3,),), ((2, 3),)]),
    Spec(
        "atleast_2d_many",
        lambda a, b: ag.atleast_2d(a, b),
        lambda a, b: list(np.atleast_2d(a, b)),
        [((), (3,))],
    ),
    Spec(
        "hstack",
        lambda a, b: ag.hstack([a, b]),
        lambda a, b: np.hstack([a, b]),
        [((2,), ()), ((2, 3), (2, 1))],
    ),
    Spec(
        "vstack",
        lambda a, b: ag.vstack((a, b)),
        lambda a, b: np.vstack((a, b)),
        [((3,), (3,)), ((2, 3), (3,))],
    ),
    Spec(
        "row_stack",
        lambda a, b: ag.row_stack([a, b]),
        lambda a, b: np.vstack([a, b]),
        [((2, 2), (1, 2))],
    ),
    Spec(
        "dstack",
        lambda a, b: ag.dstack([a, b]),
        lambda a, b: np.dstack([a, b]),
        [((3,), (3,)), ((2, 3), (2, 3, 2))],
    ),
    Spec(
        "column_stack",
        lambda a, b: ag.column_stack([a, b]),
        lambda a, b: np.column_stack([a, b]),
        [((3,), (3, 2)), ((), (1, 2))],
    ),
    # -- flips, splits, ravel, t -------------------------------------------------------------
    Spec("fliplr", ag.fliplr, np.fliplr, [((2, 3),), ((2, 3, 2),)]),
    Spec("flipud", lambda x: x.flipud(), np.flipud, [((3,),), ((3, 2),)]),
    Spec(
        "tensor_split_sections",
        lambda x: ag.tensor_split(x, 3),
        lambda x: np.array_split(x, 3),
        [((7,),), ((2,),)],
    ),
    Spec(
        "tensor_split_indices",
        lambda x: x.tensor_split([1, -1, 5], dim=-1),
        lambda x: np.array_split(x, [1, -1, 5], axis=-1),
        [((2, 4),)],
    ),
    Spec("hsplit", lambda x: ag.hsplit(x, 2), lambda x: np.hsplit(x, 2), [((4,),), ((2, 4),)]),
    Spec("vsplit", lambda x: x.vsplit([1]), lambda x: np.vsplit(x, [1]), [((3, 2),)]),
    Spec("dsplit", lambda x: ag.dsplit(x, 2), lambda x: np.dsplit(x, 2), [((1, 2, 4),)]),
    Spec("ravel", ag.ravel, np.ravel, [((2, 3),), ((),)]),
    Spec("t", lambda x: x.t(), lambda x: x.T, [((2, 3),), ((3,),), ((),)]),
]
