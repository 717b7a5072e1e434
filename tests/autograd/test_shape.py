"""Targeted tests of the shape ops: errors, sizes, values, accumulation, views, torch parity.

The op table (specs_shape.py, run by test_ops.py) covers forward/gradcheck/gradgradcheck per op;
these tests cover what a table row cannot: error messages, piece sizes, dtype promotion,
version sharing, and agreement with PyTorch where it is installed.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from autograd import ShapeError


def _t(*shape, seed=0, grad=True):
    rng = np.random.default_rng(seed)
    return ag.tensor(rng.standard_normal(shape), dtype=ag.float64, requires_grad=grad)


def _np(t):
    return t.detach().numpy()


def _check(fn, *inputs):
    assert ag.gradcheck(fn, inputs)
    assert ag.gradgradcheck(fn, inputs)


# -- errors ----------------------------------------------------------------------------------------


def test_cat_shape_mismatch_names_op_dim_and_shapes():
    a, b = _t(2, 3), _t(3, 4)
    with pytest.raises(ShapeError, match=r"cat.*dimension 1.*\(2, 3\).*\(3, 4\)"):
        ag.cat([a, b], dim=1)
    with pytest.raises(ShapeError, match=r"cat.*\(2, 3\).*\(2, 3, 1\)"):
        ag.cat([a, np.zeros((2, 3, 1))])


def test_cat_bad_arguments():
    a = _t(2, 3)
    with pytest.raises(TypeError, match="cat: expected a sequence"):
        ag.cat(a)
    with pytest.raises(ValueError, match="non-empty"):
        ag.cat([])
    with pytest.raises(ShapeError, match="zero-dimensional"):
        ag.cat([ag.tensor(1.0), ag.tensor(2.0)])
    with pytest.raises(IndexError, match=r"cat: dim 2 is out of range.*2 dimensions"):
        ag.cat([a, a], 2)
    with pytest.raises(TypeError, match="both dim"):
        ag.cat([a, a], 1, axis=0)


def test_stack_errors():
    with pytest.raises(ShapeError, match=r"stack.*\(2, 3\) at entry 0.*\(2, 4\) at entry 1"):
        ag.stack([_t(2, 3), _t(2, 4)])
    with pytest.raises(IndexError, match=r"stack: dim 3 .*\[-3, 2\]"):
        ag.stack([_t(2, 3), _t(2, 3)], 3)


def test_bad_dims_raise_index_error_naming_op():
    x = _t(2, 3)
    with pytest.raises(IndexError, match=r"squeeze: dim 2 is out of range for a tensor with 2"):
        ag.squeeze(x, 2)
    with pytest.raises(IndexError, match=r"unsqueeze: dim 3 .*2 dimensions.*\[-3, 2\]"):
        x.unsqueeze(3)
    with pytest.raises(IndexError, match="flatten"):
        x.flatten(0, 5)
    with pytest.raises(IndexError, match="flatten: start_dim 1 comes after end_dim 0"):
        x.flatten(1, 0)
    with pytest.raises(IndexError, match="flip: dim -3"):
        x.flip(-3)
    with pytest.raises(IndexError, match="index_select: dim 2"):
        x.index_select(2, [0])
    with pytest.raises(IndexError, match="split: dim 4"):
        x.split(1, 4)
    with pytest.raises(TypeError, match="unsqueeze: dim must be an int"):
        x.unsqueeze(1.5)


def test_split_and_chunk_errors():
    x = _t(5, 2)
    with pytest.raises(ShapeError, match=r"split: split sizes \[2, 2\] sum to 4.*size 5"):
        x.split([2, 2])
    with pytest.raises(ValueError, match="split size must be positive"):
        x.split(0)
    with pytest.raises(TypeError, match="split"):
        x.split(1.5)
    with pytest.raises(ValueError, match="chunks must be greater than 0"):
        x.chunk(0)
    with pytest.raises(ShapeError, match="at least a 1-dimensional"):
        ag.split(ag.tensor(1.0), 1)


def test_pad_errors():
    x = _t(2, 3)
    with pytest.raises(ValueError, match="divisible by 2"):
        ag.pad(x, (1, 2, 3))
    with pytest.raises(
        ShapeError, match=r"pad: reflect padding \(3, 0\) at dimension -1.*\(2, 3\)"
    ):
        ag.pad(x, (3, 0), mode="reflect")
    with pytest.raises(ShapeError, match="covers 3 dimensions"):
        ag.pad(x, (1, 1, 1, 1, 1, 1))
    with pytest.raises(ValueError, match="mode 'bogus'"):
        ag.pad(x, (1, 1), mode="bogus")
    with pytest.raises(TypeError, match="pad: pad must be"):
        ag.pad(x, (1.5, 1))
    with pytest.raises(ShapeError, match="crops more"):
        ag.pad(x, (-2, -2))


def test_repeat_errors():
    with pytest.raises(ShapeError, match=r"repeat: number of repeat dims 1.*\(2, 3\)"):
        _t(2, 3).repeat(2)
    with pytest.raises(ValueError, match="non-negative"):
        _t(2, 3).repeat(2, -1)


def test_index_errors():
    x = _t(3, 4)
    with pytest.raises(TypeError, match="index_select: index must be an integer"):
        x.index_select(0, np.array([0.0, 1.0]))
    with pytest.raises(IndexError, match="index_select: index 3 is out of bounds for dimension 0"):
        x.index_select(0, [0, 3])
    with pytest.raises(ShapeError, match="index_select: index must be 1-D"):
        x.index_select(0, [[0, 1]])
    with pytest.raises(ShapeError, match=r"gather: index must have the same number.*\(3,\)"):
        x.gather(1, np.array([0, 1, 2]))
    with pytest.raises(ShapeError, match=r"gather: index shape \(4, 1\) is larger.*dimension 0"):
        x.gather(1, np.zeros((4, 1), dtype=np.int64))
    with pytest.raises(IndexError, match="gather: index 4 is out of bounds for dimension 1"):
        x.gather(1, np.full((3, 1), 4))
    with pytest.raises(TypeError, match="scatter_add: expected src dtype"):
        x.scatter_add(1, np.zeros((3, 1), dtype=np.int64), np.zeros((3, 1), dtype=np.float32))
    with pytest.raises(ShapeError, match="larger than src shape"):
        x.scatter_add(1, np.zeros((3, 2), dtype=np.int64), np.zeros((3, 1)))


def test_einsum_errors_name_the_equation():
    a, b = _t(2, 3), _t(4, 5)
    with pytest.raises(ShapeError, match=r"einsum\('ij,jk->ik'\).*'j' has size 3.*4"):
        ag.einsum("ij,jk->ik", a, b)
    with pytest.raises(ValueError, match=r"einsum\('ij,jk'\): .*2 operands, but 1"):
        ag.einsum("ij,jk", a)
    with pytest.raises(ShapeError, match=r"operand 0 has shape \(2, 3\).*'ijk'"):
        ag.einsum("ijk->i", a)
    with pytest.raises(ValueError, match="output subscript 'i' appears more than once"):
        ag.einsum("ij->ii", a)
    with pytest.raises(ValueError, match="output subscript 'k' does not appear"):
        ag.einsum("ij->k", a)
    with pytest.raises(ValueError, match="invalid subscript '1'"):
        ag.einsum("i1->i", a)
    with pytest.raises(ShapeError, match="repeated in operand 0"):
        ag.einsum("ii->i", a)
    with pytest.raises(TypeError, match="equation must be a str"):
        ag.einsum(a, b)


# -- split / chunk sizes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n,size,want",
    [(10, 3, [3, 3, 3, 1]), (6, 2, [2, 2, 2]), (4, 7, [4]), (0, 2, [0]), (1, 1, [1])],
)
def test_split_int_sizes(n, size, want):
    pieces = ag.split(_t(n, 2), size)
    assert [p.shape[0] for p in pieces] == want


@pytest.mark.parametrize(
    "n,chunks,want",
    [(10, 3, [4, 4, 2]), (6, 4, [2, 2, 2]), (5, 5, [1] * 5), (3, 5, [1, 1, 1]), (0, 3, [0] * 3)],
)
def test_chunk_sizes_follow_pytorch(n, chunks, want):
    pieces = _t(2, n).chunk(chunks, dim=1)
    assert [p.shape[1] for p in pieces] == want


def test_split_sections_and_values():
    x = _t(7, 3)
    pieces = x.split([2, 0, 5])
    assert [p.shape for p in pieces] == [(2, 3), (0, 3), (5, 3)]
    np.testing.assert_array_equal(_np(pieces[2]), _np(x)[2:])
    assert isinstance(pieces, tuple)


def test_split_pieces_are_recorded_separately_and_accumulate():
    x = _t(6, 2)
    a, b, c = x.chunk(3)
    ((a * 1.0).sum() + (b * 2.0).sum() + (c * 3.0).sum()).backward()
    want = np.repeat([1.0, 2.0, 3.0], 2)[:, None] * np.ones((6, 2))
    np.testing.assert_allclose(_np(x.grad), want)


# -- pad -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape,pads",
    [((5,), (2, 3)), ((2, 4), (3, 3)), ((2, 3, 4), (1, 2, 2, 0)), ((3, 2, 5), (4, 0, 1, 1, 2, 1))],
)
def test_pad_reflect_matches_numpy(shape, pads):
    x = _t(*shape)
    got = ag.pad(x, pads, mode="reflect")
    widths = [(0, 0)] * len(shape)
    for j in range(len(pads) // 2):
        widths[len(shape) - 1 - j] = (pads[2 * j], pads[2 * j + 1])
    np.testing.assert_array_equal(_np(got), np.pad(_np(x), widths, mode="reflect"))
    _check(lambda t: ag.pad(t, pads, mode="reflect"), x)


def test_pad_reflect_gradient_accumulates_mirrored_positions():
    x = _t(4)
    ag.pad(x, (2, 2), mode="reflect").sum().backward()
    # out = x2 x1 | x0 x1 x2 x3 | x2 x1: x1 and x2 appear three times, the edges once
    np.testing.assert_array_equal(_np(x.grad), [1.0, 3.0, 3.0, 1.0])


def test_pad_constant_value_and_negative_crop():
    x = _t(3, 4)
    y = ag.pad(x, (1, -1), value=-7.0)
    assert y.shape == (3, 4)
    np.testing.assert_array_equal(_np(y)[:, 0], -7.0)
    np.testing.assert_array_equal(_np(y)[:, 1:], _np(x)[:, :3])


# -- einsum ----------------------------------------------------------------------------------------

EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("ii", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("ii->", [(3, 3)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,i->", [(4,), (4,)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("ijk,k->ij", [(2, 3, 4), (4,)]),
    ("ij,kl->ijkl", [(2, 3), (1, 2)]),
    ("...ij,...jk->...ik", [(2, 2, 3), (2, 3, 4)]),
    ("...ij,...jk", [(2, 2, 3), (2, 3, 4)]),
    ("b...i,b...i->b...", [(2, 3, 4), (2, 3, 4)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("i...->...", [(2, 3, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ab,bc,cd,de->ae", [(2, 3), (3, 2), (2, 4), (4, 2)]),
    ("iij,j->i", [(3, 3, 2), (2,)]),
    ("iii->i", [(2, 2, 2)]),
    ("ijji->ij", [(2, 3, 3, 2)]),
    ("Ab,bC", [(2, 3), (3, 4)]),
    (" ij , jk -> ik ", [(2, 3), (3, 4)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM_CASES, ids=[c[0] for c in EINSUM_CASES])
def test_einsum_forward_and_gradients(eq, shapes):
    xs = [_t(*s, seed=i) for i, s in enumerate(shapes)]
    got = ag.einsum(eq, *xs)
    want = np.einsum(eq, *[_np(x) for x in xs])
    assert got.shape == want.shape
    np.testing.assert_allclose(_np(got), want, rtol=1e-12, atol=1e-12)
    _check(lambda *a: ag.einsum(eq, *a), *xs)


def test_einsum_ellipsis_summed_when_left_out_of_explicit_output():
    x = _t(2, 3, 4)
    np.testing.assert_allclose(_np(ag.einsum("...i->i", x)), _np(x).sum((0, 1)))
    _check(lambda t: ag.einsum("...i->", t), x)


def test_einsum_broadcasts_size_one_dims():
    a, b = _t(2, 1, 3), _t(4, 3)
    got = ag.einsum("...j,...j->...", a, b)
    np.testing.assert_allclose(_np(got), (_np(a) * _np(b)).sum(-1))
    _check(lambda p, q: ag.einsum("ij,ij->i", p, q), _t(1, 3), _t(4, 3, seed=1))


def test_einsum_list_form_and_constants():
    a, b = _t(2, 3), np.arange(12.0).reshape(3, 4)
    got = ag.einsum("ij,jk->ik", [a, b])
    np.testing.assert_allclose(_np(got), _np(a) @ b)
    got.sum().backward()
    np.testing.assert_allclose(_np(a.grad), np.ones((2, 4)) @ b.T)


def test_einsum_large_contraction_uses_the_same_values():
    a, b = _t(64, 48), _t(48, 80, seed=1)
    np.testing.assert_allclose(_np(ag.einsum("ij,jk->ik", a, b)), _np(a) @ _np(b), rtol=1e-12)


# -- repeated indices accumulate -------------------------------------------------------------------


def test_index_select_repeated_indices_accumulate():
    x = _t(4, 2)
    y = x.index_select(0, ag.tensor([0, 0, 0, 2]))
    assert y.shape == (4, 2)
    y.sum().backward()
    np.testing.assert_array_equal(_np(x.grad)[:, 0], [3.0, 0.0, 1.0, 0.0])


def test_index_select_negative_and_scalar_index():
    x = _t(3, 4)
    np.testing.assert_array_equal(_np(x.index_select(1, [-1])), _np(x)[:, [3]])
    assert x.index_select(0, 1).shape == (1, 4)


def test_getitem_repeated_indices_accumulate():
    x = _t(3)
    x[np.array([1, 1, 2, 1])].sum().backward()
    np.testing.assert_array_equal(_np(x.grad), [0.0, 3.0, 1.0])


def test_gather_repeated_and_scatter_add_accumulate():
    x = _t(2, 3)
    idx = np.array([[0, 0, 0, 1], [2, 2, 1, 1]])
    g = x.gather(1, idx)
    np.testing.assert_array_equal(_np(g), np.take_along_axis(_np(x), idx, 1))
    g.sum().backward()
    np.testing.assert_array_equal(_np(x.grad), [[3.0, 1.0, 0.0], [0.0, 2.0, 2.0]])
    base = ag.zeros(2, 3, dtype=ag.float64)
    out = ag.scatter_add(base, 1, idx, ag.ones(2, 4, dtype=ag.float64))
    np.testing.assert_array_equal(_np(out), [[3.0, 1.0, 0.0], [0.0, 2.0, 2.0]])


def test_gather_and_scatter_add_are_adjoint():
    rng = np.random.default_rng(3)
    x, idx = rng.standard_normal((3, 4)), rng.integers(0, 4, (3, 6))
    v = rng.standard_normal((3, 6))
    lhs = np.sum(_np(ag.gather(ag.tensor(x), 1, idx)) * v)
    rhs = np.sum(x * _np(ag.scatter_add(ag.zeros(3, 4, dtype=ag.float64), 1, idx, ag.tensor(v))))
    np.testing.assert_allclose(lhs, rhs)


def test_scatter_add_gradients():
    x, src = _t(3, 4), _t(3, 5, seed=1)
    idx = ag.tensor([[0, 0, 3], [1, 2, 2], [3, 3, 3]])
    _check(lambda a, s: ag.scatter_add(a, 1, idx, s), x, src)
    out = ag.scatter_add(x, 1, idx, src)
    gy = np.random.default_rng(0).standard_normal((3, 4))
    out.backward(ag.tensor(gy))
    np.testing.assert_array_equal(_np(x.grad), gy)
    want = np.zeros((3, 5))
    want[:, :3] = np.take_along_axis(gy, idx.numpy(), 1)
    np.testing.assert_array_equal(_np(src.grad), want)


def test_getitem_variants_backward():
    x = _t(3, 4)
    mask = _np(x) > 0
    x[mask].sum().backward()
    np.testing.assert_array_equal(_np(x.grad), mask.astype(float))
    for fn in (
        lambda t: t[::-1],
        lambda t: t[None, ..., 1:3],
        lambda t: t[ag.tensor(mask)],
        lambda t: t[[2, 0, 2]],
        lambda t: t[:, np.array([[0, 1], [1, 1]])],
    ):
        _check(fn, _t(3, 4))


@pytest.mark.parametrize(
    "shape,axis,k,high",
    [((50, 7), 0, 200, 50), ((5, 60, 3), 1, 300, 60), ((3, 80), 1, 80, 80), ((6, 5), 0, 500, 6)],
)
def test_scatter_add_along_an_axis_matches_np_add_at(shape, axis, k, high):
    # the sorted multi-pass scatter (and its np.add.at fallback for very repeated indices)
    from autograd.ops.shape import IndexAdd

    rng = np.random.default_rng(0)
    g = rng.standard_normal(shape[:axis] + (k,) + shape[axis + 1 :])
    idx = rng.integers(-high, high, k) % shape[axis] - (rng.random(k) > 0.5) * shape[axis]
    index = (slice(None),) * axis + (idx,)
    want = np.zeros(shape)
    np.add.at(want, index, g)
    np.testing.assert_array_equal(IndexAdd.apply(g, index, shape), want)


# -- dtypes, mixed inputs, views -------------------------------------------------------------------


def test_cat_mixed_dtypes_promote_and_grads_cast_back():
    a = ag.tensor(np.ones((2, 2)), dtype=ag.float32, requires_grad=True)
    b = ag.tensor(np.ones((1, 2)), dtype=ag.float64, requires_grad=True)
    c = np.arange(2, dtype=np.int64).reshape(1, 2)
    y = ag.cat([a, b, c])
    assert y.dtype == np.float64 and y.shape == (4, 2)
    (y * ag.tensor(np.arange(8.0).reshape(4, 2))).sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    np.testing.assert_array_equal(_np(a.grad), [[0.0, 1.0], [2.0, 3.0]])
    np.testing.assert_array_equal(_np(b.grad), [[4.0, 5.0]])


def test_stack_mixed_tensors_and_arrays():
    a = _t(2, 3)
    y = ag.stack([a, np.zeros((2, 3)), a], axis=1)
    assert y.shape == (2, 3, 3)
    y.sum().backward()
    np.testing.assert_array_equal(_np(a.grad), 2 * np.ones((2, 3)))


def test_einsum_view_output_shares_version():
    x = _t(3, 3)
    y = ag.einsum("ii->i", x)
    z = (y * y).sum()
    with ag.no_grad():
        x.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        z.backward()


def test_raw_arrays_in_raw_arrays_out():
    a = np.ones((2, 3))
    assert type(ag.cat([a, a])) is np.ndarray
    assert type(ag.einsum("ij->j", a)) is np.ndarray


@pytest.mark.parametrize(
    "fn",
    [
        lambda t: t.flatten(),
        lambda t: t.unsqueeze(0),
        lambda t: t.reshape(2, 1, 3).squeeze(1),
        lambda t: t.split(1)[1],
    ],
    ids=["flatten", "unsqueeze", "squeeze", "split"],
)
def test_views_share_the_version_counter(fn):
    x = _t(2, 3)
    y = fn(x)
    z = (y * y).sum()  # y is saved by mul
    with ag.no_grad():
        x.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        z.backward()


def test_squeeze_variants():
    x = _t(2, 1, 3, 1)
    assert ag.squeeze(x).shape == (2, 3)
    assert x.squeeze(1).shape == (2, 3, 1)
    assert x.squeeze((1, 3)).shape == (2, 3)
    assert x.squeeze(axis=-1).shape == (2, 1, 3)
    assert x.squeeze(0).shape == (2, 1, 3, 1)  # size 2: a no-op, as PyTorch
    assert ag.squeeze(ag.tensor(1.0), 0).shape == ()


def test_unsqueeze_flatten_shapes():
    x = _t(2, 3)
    assert [x.unsqueeze(d).shape for d in (-3, -1, 0, 2)] == [(1, 2, 3), (2, 3, 1)] + [
        (1, 2, 3),
        (2, 3, 1),
    ]
    assert ag.flatten(ag.tensor(2.0)).shape == (1,)
    assert _t(2, 3, 4, 5).flatten(-3, -2).shape == (2, 12, 5)


def test_flip_variants():
    x = _t(2, 3, 4)
    np.testing.assert_array_equal(_np(ag.flip(x, axis=1)), _np(x)[:, ::-1])
    assert x.unsqueeze(dim=0).shape == ag.unsqueeze(x, axis=0).shape == (1, 2, 3, 4)
    np.testing.assert_array_equal(_np(x.flip(0, 2)), _np(x)[::-1, :, ::-1])
    np.testing.assert_array_equal(_np(x.flip([1])), _np(x)[:, ::-1])
    np.testing.assert_array_equal(_np(ag.flip(x)), _np(x)[::-1, ::-1, ::-1])


def test_repeat_tile_backward_sums_tiles():
    x = _t(2, 3)
    x.repeat(3, 2, 1).sum().backward()
    np.testing.assert_array_equal(_np(x.grad), 6 * np.ones((2, 3)))
    assert x.tile(2).shape == (2, 6)
    assert ag.repeat(x, 2, 0).shape == (4, 0)


# -- torch parity ----------------------------------------------------------------------------------


def _parity(ag_fn, torch_fn, *arrays, seed=0):
    """Forward values and input gradients (random cotangent) agree with PyTorch's."""
    torch = pytest.importorskip("torch")
    a_in = [ag.tensor(a, dtype=ag.float64, requires_grad=True) for a in arrays]
    t_in = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    a_out, t_out = ag_fn(*a_in), torch_fn(*t_in)
    if not isinstance(a_out, (tuple, list)):
        a_out, t_out = [a_out], [t_out]
    assert len(a_out) == len(t_out)
    rng = np.random.default_rng(seed)
    cots = [rng.standard_normal(tuple(o.shape)) for o in a_out]
    for ao, to in zip(a_out, t_out):
        assert tuple(ao.shape) == tuple(to.shape)
        np.testing.assert_allclose(_np(ao), to.detach().numpy(), rtol=1e-12, atol=1e-12)
    sum((o * ag.tensor(c)).sum() for o, c in zip(a_out, cots)).backward()
    sum((o * torch.tensor(c)).sum() for o, c in zip(t_out, cots)).backward()
    for ai, ti in zip(a_in, t_in):
        tg = np.zeros(ti.shape) if ti.grad is None else ti.grad.numpy()
        ag_g = np.zeros(ai.shape) if ai.grad is None else _np(ai.grad)
        np.testing.assert_allclose(ag_g, tg, rtol=1e-12, atol=1e-12)


def _r(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def test_torch_parity_reshapes_and_joins():
    torch = pytest.importorskip("torch")
    _parity(lambda x: x.flatten(1), lambda x: x.flatten(1), _r(2, 3, 4))
    _parity(lambda x: x.squeeze((1, 3)), lambda x: x.squeeze((1, 3)), _r(2, 1, 3, 1))
    _parity(lambda x: x.unsqueeze(-2), lambda x: x.unsqueeze(-2), _r(2, 3))
    _parity(lambda a, b: ag.cat([a, b], 1), lambda a, b: torch.cat([a, b], 1), _r(2, 3), _r(2, 4))
    _parity(
        lambda a, b: ag.stack([a, b], 2), lambda a, b: torch.stack([a, b], 2), _r(2, 3), _r(2, 3)
    )
    _parity(lambda x: x.split(2, 1), lambda x: x.split(2, 1), _r(3, 7))
    _parity(lambda x: x.split([1, 4, 2]), lambda x: x.split([1, 4, 2]), _r(7, 2))
    _parity(lambda x: x.chunk(4, 1), lambda x: x.chunk(4, 1), _r(2, 6))
    _parity(lambda x: x.flip(0, 2), lambda x: x.flip(0, 2), _r(2, 3, 4))


@pytest.mark.parametrize(
    "shape,pads,mode",
    [
        ((2, 3, 5), (2, 1), "reflect"),
        ((1, 2, 4, 5), (1, 2, 3, 1), "reflect"),
        ((2, 3, 5), (2, 3), "replicate"),
        ((1, 2, 4, 5), (1, 2, 3, 1), "replicate"),
        ((2, 3, 5), (2, 3), "circular"),
        ((2, 3, 5), (1, 2, 0, 1), "constant"),
        ((2, 3, 5), (-1, 2, 1, -1), "constant"),
    ],
)
def test_torch_parity_pad(shape, pads, mode):
    pytest.importorskip("torch")
    import torch.nn.functional as F

    _parity(lambda x: ag.pad(x, pads, mode=mode), lambda x: F.pad(x, pads, mode=mode), _r(*shape))


def test_torch_parity_repeat_tile():
    torch = pytest.importorskip("torch")
    _parity(lambda x: x.repeat(2, 1, 3), lambda x: x.repeat(2, 1, 3), _r(2, 3))
    _parity(lambda x: ag.tile(x, (2,)), lambda x: torch.tile(x, (2,)), _r(2, 3))


def test_torch_parity_indexing():
    torch = pytest.importorskip("torch")
    idx = np.array([2, 0, 2, 2])
    gidx = np.array([[0, 0, 2], [1, 2, 2]])
    sidx = np.array([[0, 0, 3], [1, 2, 2]])
    _parity(
        lambda x: x.index_select(1, idx),
        lambda x: x.index_select(1, torch.tensor(idx)),
        _r(2, 3),
    )
    _parity(lambda x: x.gather(1, gidx), lambda x: x.gather(1, torch.tensor(gidx)), _r(2, 3))
    _parity(
        lambda x, s: ag.scatter_add(x, 1, sidx, s),
        lambda x, s: torch.scatter_add(x, 1, torch.tensor(sidx), s),
        _r(2, 4),
        _r(2, 3, seed=1),  # torch's own backward rejects a src larger than index
    )
    mask = _r(3, 4, seed=2) > 0
    _parity(lambda x: x[mask], lambda x: x[torch.tensor(mask)], _r(3, 4))
    _parity(lambda x: x[[1, 1, 0]], lambda x: x[[1, 1, 0]], _r(3, 4))


@pytest.mark.parametrize(
    "eq,shapes",
    [c for c in EINSUM_CASES if "Ab" not in c[0] and " " not in c[0]],
    ids=[c[0] for c in EINSUM_CASES if "Ab" not in c[0] and " " not in c[0]],
)
def test_torch_parity_einsum(eq, shapes):
    torch = pytest.importorskip("torch")
    arrays = [_r(*s, seed=i) for i, s in enumerate(shapes)]
    _parity(lambda *a: ag.einsum(eq, *a), lambda *a: torch.einsum(eq, *a), *arrays)


def test_torch_parity_einsum_summed_ellipsis_and_broadcast():
    torch = pytest.importorskip("torch")
    _parity(lambda x: ag.einsum("...i->i", x), lambda x: torch.einsum("...i->i", x), _r(2, 3, 4))
    _parity(
        lambda a, b: ag.einsum("ij,ij->ij", a, b),
        lambda a, b: torch.einsum("ij,ij->ij", a, b),
        _r(1, 3),
        _r(4, 3, seed=1),
    )
