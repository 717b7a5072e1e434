"""Targeted tests of the layout ops (autograd/ops/layout.py) and the layout queries on Tensor.

The op table (specs_layout.py, run by test_ops.py) checks forward, gradcheck and gradgradcheck per
op; these tests add what a row cannot: parity with PyTorch (values, gradients, dtypes), views
(shared memory and version counter), errors, 0-d/empty inputs, strides, and the cuda path.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from autograd import ShapeError


def _r(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _t(*shape, seed=0, grad=True):
    return ag.tensor(_r(*shape, seed=seed), dtype=ag.float64, requires_grad=grad)


def _np(t):
    return t.detach().cpu().numpy()


def _tuple(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,)


def _parity(ag_fn, torch_fn, *arrays, seed=0):
    """Values, output dtypes and gradients (random cotangents) of ag_fn vs torch_fn."""
    torch = pytest.importorskip("torch")
    a_in = [ag.tensor(a, dtype=ag.float64, requires_grad=True) for a in arrays]
    t_in = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    a_out, t_out = _tuple(ag_fn(*a_in)), _tuple(torch_fn(*t_in))
    assert len(a_out) == len(t_out)
    rng = np.random.default_rng(seed + 1)
    cots = []
    for a, t in zip(a_out, t_out):
        assert a.shape == tuple(t.shape)
        assert str(a.dtype) == str(t.dtype).replace("torch.", "")
        np.testing.assert_allclose(_np(a), t.detach().numpy(), rtol=1e-12, atol=1e-12)
        cots.append(rng.standard_normal(a.shape))
    sum((o * ag.tensor(c)).sum() for o, c in zip(a_out, cots)).backward()
    sum((o * torch.tensor(c)).sum() for o, c in zip(t_out, cots)).backward()
    for a, t in zip(a_in, t_in):
        want = np.zeros(a.shape) if t.grad is None else t.grad.numpy()
        got = np.zeros(a.shape) if a.grad is None else _np(a.grad)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


# -- torch parity: values, gradients, dtypes -------------------------------------------------------

_CASES = [
    ("triu", lambda m, x: m.triu(x, 1), [(3, 4)]),
    ("tril_batched", lambda m, x: m.tril(x, -1), [(2, 4, 3)]),
    ("diag_1d", lambda m, x: m.diag(x, -2), [(3,)]),
    ("diag_2d", lambda m, x: m.diag(x, 1), [(3, 4)]),
    ("diagonal", lambda m, x: m.diagonal(x, -1, 2, 0), [(3, 2, 4)]),
    ("diagonal_empty", lambda m, x: m.diagonal(x, 5), [(3, 4)]),
    ("diag_embed", lambda m, x: m.diag_embed(x, 1, 0, 2), [(2, 3)]),
    ("diag_embed_neg", lambda m, x: m.diag_embed(x, -2, -1, 0), [(2, 3)]),
    ("diagflat", lambda m, x: m.diagflat(x, -1), [(2, 2)]),
    ("block_diag", lambda m, a, b, c: m.block_diag(a, b, c), [(2, 3), (), (2,)]),
    ("roll_flat", lambda m, x: m.roll(x, -7), [(3, 4)]),
    ("roll_dims", lambda m, x: m.roll(x, (1, 5), (-1, 0)), [(3, 4)]),
    ("roll_repeated_dim", lambda m, x: m.roll(x, (1, 1), (0, 0)), [(3, 4)]),
    ("movedim", lambda m, x: m.movedim(x, (0, -1), (-1, 1)), [(2, 3, 4)]),
    ("moveaxis", lambda m, x: m.moveaxis(x, 1, 0), [(2, 3, 4)]),
    ("swapdims", lambda m, x: m.swapdims(x, -1, 0), [(2, 3, 4)]),
    ("narrow", lambda m, x: m.narrow(x, 1, -3, 2), [(2, 4)]),
    ("unbind", lambda m, x: m.unbind(x, -2), [(2, 3, 2)]),
    ("unflatten", lambda m, x: m.unflatten(x, -1, (2, -1)), [(3, 4)]),
    ("rot90_k-3", lambda m, x: m.rot90(x, -3, (1, 0)), [(2, 3)]),
    ("rot90_k6", lambda m, x: m.rot90(x, 6, (2, -2)), [(2, 3, 4)]),
    ("repeat_interleave", lambda m, x: m.repeat_interleave(x, 2, 0), [(2, 3)]),
    ("diff_n2", lambda m, x: m.diff(x, 2, 0), [(4, 3)]),
    ("diff_prepend_append", lambda m, x, p, a: m.diff(x, 1, 1, p, a), [(2, 3), (2, 1), (2, 2)]),
    ("cartesian_prod", lambda m, a, b: m.cartesian_prod(a, b), [(3,), (2,)]),
    ("meshgrid_xy", lambda m, a, b, c: m.meshgrid(a, b, c, indexing="xy"), [(3,), (2,), (4,)]),
    ("meshgrid_0d", lambda m, a, b: m.meshgrid(a, b, indexing="ij"), [(), (3,)]),
    ("atleast_3d", lambda m, a, b, c: m.atleast_3d(a, b, c), [(), (3,), (2, 3)]),
    ("hstack", lambda m, a, b: m.hstack([a, b]), [(2, 3), (2, 1)]),
    ("vstack", lambda m, a, b: m.vstack([a, b]), [(3,), (2, 3)]),
    ("dstack", lambda m, a, b: m.dstack([a, b]), [(2, 3), (2, 3, 2)]),
    ("column_stack", lambda m, a, b: m.column_stack([a, b]), [(3,), (3, 2)]),
    ("fliplr", lambda m, x: m.fliplr(x), [(2, 3, 2)]),
    ("flipud", lambda m, x: m.flipud(x), [(3, 2)]),
    ("tensor_split", lambda m, x: m.tensor_split(x, [-3, 2, 12, 5]), [(10,)]),
    ("tensor_split_n", lambda m, x: m.tensor_split(x, 3, 1), [(2, 7)]),
    ("hsplit", lambda m, x: m.hsplit(x, [1, 3]), [(2, 4)]),
    ("vsplit", lambda m, x: m.vsplit(x, 2), [(4, 2)]),
    ("dsplit", lambda m, x: m.dsplit(x, 2), [(1, 2, 4)]),
    ("ravel_strided", lambda m, x: m.ravel(x.transpose(0, 1)), [(2, 3)]),
]


@pytest.mark.parametrize("name,fn,shapes", _CASES, ids=[c[0] for c in _CASES])
def test_torch_parity(name, fn, shapes):
    torch = pytest.importorskip("torch")
    arrays = [_r(*s, seed=i) for i, s in enumerate(shapes)]
    _parity(lambda *xs: fn(ag, *xs), lambda *xs: fn(torch, *xs), *arrays)


def test_torch_parity_tensor_repeats_and_methods():
    torch = pytest.importorskip("torch")
    reps = [2, 0, 1]
    _parity(
        lambda x: x.repeat_interleave(ag.tensor(reps), dim=-1, output_size=3),
        lambda x: x.repeat_interleave(torch.tensor(reps), dim=-1, output_size=3),
        _r(2, 3),
    )
    _parity(lambda x: x.t(), lambda x: x.t(), _r(2, 3))
    _parity(lambda x: x.t(), lambda x: x.t(), _r(3))
    _parity(lambda x: x.diagonal(1).diag_embed(), lambda x: x.diagonal(1).diag_embed(), _r(3, 4))
    _parity(lambda x: x.triu().tril(), lambda x: x.triu().tril(), _r(3, 3))


def test_int_and_bool_dtypes_follow_torch():
    torch = pytest.importorskip("torch")
    xi = np.arange(12, dtype=np.int64).reshape(3, 4)
    xb = np.array([True, False, False, True])
    for fn in (
        lambda m, x: m.triu(x, 1),
        lambda m, x: m.diag(x),
        lambda m, x: m.roll(x, 1, 0),
        lambda m, x: m.diff(x, 1, 0),
        lambda m, x: m.repeat_interleave(x, 2, 1),
        lambda m, x: m.rot90(x),
        lambda m, x: m.diag_embed(x),
    ):
        a, t = fn(ag, ag.tensor(xi)), fn(torch, torch.tensor(xi))
        assert str(a.dtype) == "int64" == str(t.dtype).replace("torch.", "")
        np.testing.assert_array_equal(_np(a), t.numpy())
    a, t = ag.diff(ag.tensor(xb)), torch.diff(torch.tensor(xb))
    assert a.dtype == np.bool_
    np.testing.assert_array_equal(_np(a), t.numpy())
    np.testing.assert_array_equal(_np(ag.diff(ag.tensor(xb), 2)), torch.diff(torch.tensor(xb), 2))
    # an integer x with a float prepend promotes (by NumPy 2's rules, the project's: int64 with
    # float32 gives float64, where torch keeps float32)
    got = ag.diff(ag.tensor([1, 4, 9]), prepend=ag.tensor([1.5]))
    want = torch.diff(torch.tensor([1, 4, 9]), prepend=torch.tensor([1.5]))
    assert got.dtype == np.result_type(np.int64, np.float32) and want.is_floating_point()
    np.testing.assert_allclose(_np(got), want.numpy())


def test_float32_stays_float32():
    x = ag.tensor(_r(3, 4), dtype=ag.float32, requires_grad=True)
    outs = [
        ag.triu(x), ag.diag(x), ag.diagonal(x), ag.diag_embed(x), ag.roll(x, 1),
        ag.narrow(x, 0, 1, 1), ag.rot90(x), ag.repeat_interleave(x, ag.tensor([1, 2, 0]), 0),
        ag.diff(x, prepend=np.zeros((3, 1), np.float32)), ag.diff(x, prepend=1.5),
        ag.block_diag(x, x[0]), ag.hstack([x, x]), ag.unflatten(x, 1, (2, 2)), ag.ravel(x.t()),
    ]  # fmt: skip
    for o in outs:
        assert o.dtype == np.float32, o
    sum(o.sum() for o in outs).backward()
    assert x.grad.dtype == np.float32


def test_index_factories_and_repeats_only_form():
    torch = pytest.importorskip("torch")
    for args in [(3, 4, 1), (4, 3, -1), (3, 3, 0), (0, 4, 0), (3, 3, -5), (2, 5, 10)]:
        for name in ("triu_indices", "tril_indices"):
            got, want = getattr(ag, name)(*args), getattr(torch, name)(*args)
            assert got.dtype == np.int64 and not got.requires_grad
            assert got.shape == tuple(want.shape)
            np.testing.assert_array_equal(_np(got), want.numpy())
    assert ag.triu_indices(3, 3, dtype=ag.int32).dtype == np.int32
    r = ag.repeat_interleave(ag.tensor([2, 0, 3]))
    assert r.dtype == np.int64
    np.testing.assert_array_equal(_np(r), torch.repeat_interleave(torch.tensor([2, 0, 3])))


def test_block_diag_and_meshgrid_edge_cases():
    torch = pytest.importorskip("torch")
    e = ag.block_diag()
    assert e.shape == tuple(torch.block_diag().shape) == (1, 0) and e.dtype == np.float32
    y = ag.block_diag(ag.tensor(1), ag.tensor([[2, 3]]))
    assert y.dtype == np.int64
    np.testing.assert_array_equal(_np(y), [[1, 0, 0], [0, 2, 3]])
    with pytest.warns(UserWarning, match="indexing"):
        g = ag.meshgrid(ag.tensor([1.0, 2.0]), ag.tensor([1.0, 2.0, 3.0]))
    assert [t.shape for t in g] == [(2, 3), (2, 3)]  # 'ij', as torch's default
    a = _t(3)
    assert ag.cartesian_prod(a) is a
    assert ag.meshgrid(a, indexing="xy")[0].shape == (3,)


# -- views: shared memory and version counter ------------------------------------------------------

_VIEWS = [
    ("diagonal", lambda x: x.diagonal(1, 1, 2)),
    ("narrow", lambda x: x.narrow(-1, 1, 2)),
    ("unbind", lambda x: x.unbind(1)[2]),
    ("movedim", lambda x: x.movedim(0, -1)),
    ("swapdims", lambda x: x.swapdims(0, 1)),
    ("t", lambda x: x[0].t()),
    ("ravel", lambda x: x.ravel()),
    ("unflatten", lambda x: x.unflatten(2, (2, 2))),
    ("tensor_split", lambda x: x.tensor_split(2, dim=1)[1]),
    ("hsplit", lambda x: x.hsplit([1])[1]),
    ("atleast_3d", lambda x: ag.atleast_3d(x[0, 0])),
]


@pytest.mark.parametrize("name,fn", _VIEWS, ids=[v[0] for v in _VIEWS])
def test_views_share_memory_and_version(name, fn):
    torch = pytest.importorskip("torch")
    base = _r(2, 3, 4)
    x, tx = ag.tensor(base.copy()), torch.tensor(base.copy())
    v, tv = fn(x), fn(tx)
    assert tv._base is tx or tv._base is tx._base  # a view in torch too
    with ag.no_grad():
        v.mul_(0.0).add_(7.0)
    tv.mul_(0.0).add_(7.0)
    np.testing.assert_array_equal(_np(x), tx.numpy())  # the write is seen through x
    # a record that saved the view notices an in-place change of the base
    w = _t(*v.shape, seed=3)
    z = (fn(x) * w).sum()
    with ag.no_grad():
        x.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        z.backward()


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x.diag(),
        lambda x: x.ravel(),
        lambda x: x.rot90(0),
        lambda x: x.diff(),
        lambda x: x.repeat_interleave(2),
        lambda x: x.flip(0),
        lambda x: x.fliplr(),
        lambda x: x.rot90(1),
    ],
    ids=[
        "diag_2d",
        "ravel_noncontiguous",
        "rot90_k0",
        "diff",
        "repeat_interleave",
        "flip",
        "fliplr",
        "rot90_k1",
    ],  # fmt: skip
)
def test_copies_do_not_alias(fn):
    torch = pytest.importorskip("torch")
    base = _r(3, 3)
    x, tx = ag.tensor(base.copy()).t(), torch.tensor(base.copy()).t()
    y, ty = fn(x), fn(tx)
    assert ty.untyped_storage().data_ptr() != tx.untyped_storage().data_ptr()  # a copy in torch
    v0 = x._version
    y.add_(5.0)
    np.testing.assert_array_equal(_np(x), base.T)  # not written through
    assert x._version == v0  # nor is x's version counter shared


def test_diagonal_write_through_and_grad_of_writes():
    x = ag.zeros(3, 4, dtype=ag.float64)
    x.diagonal(1).fill_(2.0)
    want = np.zeros((3, 4))
    want[[0, 1, 2], [1, 2, 3]] = 2.0
    np.testing.assert_array_equal(_np(x), want)
    # reading a diagonal of a read-only broadcast view stays read-only (numpy's rule)
    b = ag.broadcast_to(ag.tensor(np.arange(3.0)), (3, 3))
    np.testing.assert_array_equal(_np(b.diagonal()), [0.0, 1.0, 2.0])


def test_unbind_gradient_of_some_pieces():
    x = _t(3, 2)
    a, _, c = ag.unbind(x)
    (a * 2 + c * 3).sum().backward()
    np.testing.assert_array_equal(_np(x.grad), [[2, 2], [0, 0], [3, 3]])


# -- 0-d and empty inputs --------------------------------------------------------------------------


def test_zero_dim_and_empty_inputs():
    torch = pytest.importorskip("torch")
    e = _r(0, 3)
    for fn in (
        lambda m, x: m.triu(x),
        lambda m, x: m.diagonal(x),
        lambda m, x: m.roll(x, 1, 1),
        lambda m, x: m.narrow(x, 1, 3, 0),
        lambda m, x: m.repeat_interleave(x, 2, 1),
        lambda m, x: m.diff(x, 1, 0),
        lambda m, x: m.rot90(x),
        lambda m, x: m.diag_embed(x),
        lambda m, x: m.movedim(x, 0, 1),
    ):
        a, t = fn(ag, ag.tensor(e)), fn(torch, torch.tensor(e))
        assert a.shape == tuple(t.shape)
    assert ag.unbind(ag.tensor(e)) == () == torch.unbind(torch.tensor(e))
    assert [p.shape for p in ag.tensor_split(ag.tensor(e), 2)] == [(0, 3), (0, 3)]
    assert ag.diff(_t(1)).shape == (0,) and ag.diff(_t(4), 9).shape == (0,)
    assert ag.repeat_interleave(_t(3), ag.tensor([0, 0, 0])).shape == (0,)
    s = _t()
    assert ag.roll(s, 3).shape == () and ag.t(s).shape == () and ag.ravel(s).shape == (1,)
    assert ag.atleast_1d(s).shape == (1,) and ag.repeat_interleave(s, 2).shape == (2,)
    assert ag.diag(ag.tensor([])).shape == (0, 0)


def test_raw_arrays_in_raw_arrays_out():
    a = np.arange(6.0).reshape(2, 3)
    for out in (ag.triu(a), ag.roll(a, 1), ag.diagonal(a), ag.diag_embed(a), ag.narrow(a, 1, 0, 1)):
        assert type(out) is np.ndarray


# -- errors ----------------------------------------------------------------------------------------

_BAD_DIMS = [
    ("diagonal", lambda x: ag.diagonal(x, 0, 0, 3)),
    ("diag_embed", lambda x: ag.diag_embed(x, 0, 0, 4)),
    ("roll", lambda x: ag.roll(x, 1, 3)),
    ("movedim", lambda x: ag.movedim(x, 0, -4)),
    ("transpose", lambda x: ag.swapdims(x, 0, 3)),
    ("narrow", lambda x: ag.narrow(x, 3, 0, 1)),
    ("unbind", lambda x: ag.unbind(x, -4)),
    ("unflatten", lambda x: ag.unflatten(x, 3, (1, 2))),
    ("rot90", lambda x: ag.rot90(x, 1, (0, 3))),
    ("repeat_interleave", lambda x: ag.repeat_interleave(x, 2, 3)),
    ("diff", lambda x: ag.diff(x, 1, 3)),
    ("tensor_split", lambda x: ag.tensor_split(x, 2, 3)),
    ("stride", lambda x: x.stride(3)),
]


@pytest.mark.parametrize("op,fn", _BAD_DIMS, ids=[b[0] for b in _BAD_DIMS])
def test_bad_dim_raises_index_error_naming_the_op(op, fn):
    x = _t(2, 3, 4)
    with pytest.raises(IndexError, match=rf"^{op}: dim -?\d+ is out of range"):
        fn(x)


def test_zero_dim_tensor_has_no_dim_to_name():
    s = _t()
    for op, fn in [
        ("unbind", lambda: ag.unbind(s)),
        ("narrow", lambda: ag.narrow(s, 0, 0, 1)),
        ("unflatten", lambda: ag.unflatten(s, 0, (1,))),
        ("repeat_interleave", lambda: ag.repeat_interleave(s, 2, 0)),
        ("stride", lambda: s.stride(0)),
    ]:
        with pytest.raises(IndexError, match=f"{op}: dim 0 is out of range: a 0-d tensor"):
            fn()


def test_narrow_errors():
    x = _t(2, 3)
    with pytest.raises(IndexError, match=r"narrow: start 4 is out of range \[-3, 3\] for dim 1"):
        ag.narrow(x, 1, 4, 0)
    with pytest.raises(IndexError, match=r"narrow: start -4 is out of range"):
        ag.narrow(x, -1, -4, 1)
    with pytest.raises(IndexError, match=r"start 2 \+ length 2 exceeds dim 1 of size 3"):
        ag.narrow(x, 1, 2, 2)
    with pytest.raises(IndexError, match=r"start 1 \+ length 3 exceeds dim 1"):
        ag.narrow(x, 1, -2, 3)
    with pytest.raises(ValueError, match="narrow: length must be non-negative, got -1"):
        ag.narrow(x, 1, 0, -1)
    with pytest.raises(TypeError, match="narrow: start must be an int"):
        ag.narrow(x, 1, 0.5, 1)
    assert ag.narrow(x, 1, ag.tensor(1), 2).shape == (2, 2)  # a 0-d int tensor start


def test_unflatten_errors():
    x = _t(2, 6)
    with pytest.raises(ShapeError, match=r"unflatten: sizes \(4, 2\) don't multiply up .*\(6\)"):
        ag.unflatten(x, 1, (4, 2))
    with pytest.raises(ShapeError, match=r"sizes \(-1, 4\) cannot unflatten dim 1 of size 6"):
        ag.unflatten(x, 1, (-1, 4))
    with pytest.raises(ValueError, match="one -1"):
        ag.unflatten(x, 1, (-1, -1))
    with pytest.raises(ValueError, match="non-empty"):
        ag.unflatten(x, 1, ())
    with pytest.raises(ShapeError, match="cannot unflatten"):
        ag.unflatten(ag.zeros(2, 0), 1, (-1, 0))


def test_shape_requirement_errors():
    with pytest.raises(ShapeError, match=r"t\(\) expects a tensor with <= 2 dims, got shape"):
        _t(2, 3, 4).t()
    with pytest.raises(ShapeError, match=r"diag: supports 1-D or 2-D tensors, got shape \(\)"):
        ag.diag(_t())
    with pytest.raises(ShapeError, match="triu: expects a tensor with at least 2 dims"):
        ag.triu(_t(3))
    with pytest.raises(ShapeError, match="tril: expects"):
        _t(3).tril()
    with pytest.raises(ShapeError, match="rot90: expects a tensor with at least 2 dims"):
        ag.rot90(_t(3))
    with pytest.raises(ShapeError, match="fliplr: expects"):
        ag.fliplr(_t(3))
    with pytest.raises(ShapeError, match="flipud: expects"):
        ag.flipud(_t())
    with pytest.raises(ShapeError, match="block_diag: inputs must have at most 2 dims, input 1"):
        ag.block_diag(_t(2), _t(1, 2, 2))
    with pytest.raises(ShapeError, match="vsplit: expects a tensor with at least 2 dims"):
        ag.vsplit(_t(4), 2)
    with pytest.raises(ShapeError, match="dsplit: expects"):
        ag.dsplit(_t(2, 4), 2)
    with pytest.raises(ShapeError, match="tensor_split: expects"):
        ag.tensor_split(_t(), 2)
    with pytest.raises(ShapeError, match="cartesian_prod: expects 1-D tensors, input 1"):
        ag.cartesian_prod(_t(2), _t(2, 2))
    with pytest.raises(ShapeError, match="meshgrid: expects 0-D or 1-D tensors, input 0"):
        ag.meshgrid(_t(2, 2), indexing="ij")


def test_argument_errors():
    x = _t(2, 3)
    with pytest.raises(ValueError, match="diagonal: the two dims must differ"):
        ag.diagonal(x, 0, 1, -1)
    with pytest.raises(ValueError, match="diag_embed: the two dims must differ"):
        ag.diag_embed(x, 0, 0, -3)
    with pytest.raises(ValueError, match=r"roll: shifts \(1, 2\) and dims \(0,\)"):
        ag.roll(x, (1, 2), 0)
    with pytest.raises(ValueError, match="roll: 2 shifts"):
        ag.roll(x, (1, 2))
    with pytest.raises(ValueError, match="roll: shifts must not be empty"):
        ag.roll(x, (), ())
    with pytest.raises(ValueError, match=r"movedim: repeated dim in source \(0, 0\)"):
        ag.movedim(x, (0, 0), (1, 0))
    with pytest.raises(ValueError, match="movedim: source .* differ in length"):
        ag.movedim(x, (0, 1), (1,))
    with pytest.raises(ValueError, match="rot90: dims must name 2 dimensions"):
        ag.rot90(x, 1, (0, 1, 2))
    with pytest.raises(ValueError, match="rot90: the two dims must differ"):
        ag.rot90(x, 1, (0, -2))
    with pytest.raises(ValueError, match="repeats must be non-negative"):
        ag.repeat_interleave(x, -1)
    with pytest.raises(ValueError, match="repeats must be non-negative"):
        ag.repeat_interleave(x, ag.tensor([1, -1]), 0)
    with pytest.raises(ShapeError, match="3 repeats for dim 0 of size 2"):
        ag.repeat_interleave(x, ag.tensor([1, 2, 3]), 0)
    with pytest.raises(ShapeError, match="repeats must be 0-d or 1-d"):
        ag.repeat_interleave(x, ag.tensor([[1, 2]]), 0)
    with pytest.raises(TypeError, match="repeats must be an integer tensor"):
        ag.repeat_interleave(x, ag.tensor([1.0, 2.0]), 0)
    with pytest.raises(ShapeError, match="output_size 5 does not match the result's 4"):
        ag.repeat_interleave(x, 2, 0, output_size=5)
    with pytest.raises(ValueError, match="diff: order n must be non-negative, got -1"):
        ag.diff(x, -1)
    with pytest.raises(ShapeError, match="diff: expects a tensor with at least one dimension"):
        ag.diff(_t())
    with pytest.raises(ShapeError, match=r"diff: prepend of shape \(3,\) must have 2 dims"):
        ag.diff(x, prepend=_t(3))
    with pytest.raises(ShapeError, match=r"diff: append of shape \(2, 4\) must match"):
        ag.diff(x, 1, 0, append=_t(2, 4))
    with pytest.raises(ValueError, match="tensor_split: number of sections must be larger"):
        ag.tensor_split(x, 0)
    with pytest.raises(TypeError, match="indices_or_sections must be an integer tensor"):
        ag.tensor_split(x, ag.tensor([1.0]))
    with pytest.raises(ShapeError, match="indices_or_sections must be 0-d or 1-d"):
        ag.tensor_split(x, ag.tensor([[1]]))
    with pytest.raises(ShapeError, match="hsplit: dim 1 of size 3 can't split in 2 equal parts"):
        ag.hsplit(x, 2)
    with pytest.raises(ShapeError, match="hsplit: dim 1 of size 3 can't split in 0"):
        ag.hsplit(x, 0)
    with pytest.raises(TypeError, match="meshgrid: expects one dtype"):
        ag.meshgrid(_t(2), ag.tensor([1, 2]), indexing="ij")
    with pytest.raises(ValueError, match="meshgrid: indexing must be 'ij' or 'xy'"):
        ag.meshgrid(_t(2), indexing="foo")
    with pytest.raises(ValueError, match="meshgrid: expects a non-empty"):
        ag.meshgrid(indexing="ij")
    with pytest.raises(ValueError, match="triu_indices: row and col must be non-negative"):
        ag.triu_indices(-1, 3)
    with pytest.raises(TypeError, match="tril_indices: dtype must be an integer dtype"):
        ag.tril_indices(3, 3, dtype=ag.float32)
    with pytest.raises(TypeError, match="hstack: expected a sequence of tensors"):
        ag.hstack(x)
    with pytest.raises(TypeError, match="triu: diagonal must be an int"):
        ag.triu(x, 1.5)


def test_errors_raise_before_recording():
    x = _t(2, 3)
    with pytest.raises(IndexError):
        ag.narrow(x, 1, 5, 1)
    assert x.grad is None and x._version == 0


# -- Tensor layout queries -------------------------------------------------------------------------

_LAYOUTS = [
    ("contiguous", lambda m, b: b),
    ("transposed", lambda m, b: b.permute(2, 0, 1)),
    ("sliced", lambda m, b: b[:, 1:, ::2]),
    ("expanded", lambda m, b: b[:, :1].expand(2, 5, 4)),
    ("scalar", lambda m, b: b[0, 0, 0]),
    ("row", lambda m, b: b[1, 2]),
    ("diagonal", lambda m, b: m.diagonal(b, 0, 1, 2)),
    ("narrow", lambda m, b: m.narrow(b, 2, 1, 2)),
    ("unsqueezed", lambda m, b: b.unsqueeze(1)),
    ("empty", lambda m, b: b[:, :0]),
]


@pytest.mark.parametrize("name,fn", _LAYOUTS, ids=[v[0] for v in _LAYOUTS])
def test_layout_queries_match_torch(name, fn):
    torch = pytest.importorskip("torch")
    base = np.arange(24.0).reshape(2, 3, 4)
    x, tx = ag.tensor(base), torch.tensor(base)
    v, tv = fn(ag, x), fn(torch, tx)
    assert v.stride() == tv.stride()
    for d in range(-v.ndim, v.ndim):
        assert v.stride(d) == tv.stride(d)
    assert v.is_contiguous() == tv.is_contiguous()
    assert v.nbytes == tv.nbytes and v.itemsize == tv.itemsize == 8
    assert v.ndimension() == tv.ndimension()
    if v.numel():
        assert v.data_ptr() - x.data_ptr() == tv.data_ptr() - tx.data_ptr()


def test_dtype_queries():
    torch = pytest.importorskip("torch")
    for dt in ("float32", "float64", "float16", "int64", "int8", "uint8", "bool"):
        a = ag.zeros(2, 3, dtype=getattr(ag, dt if dt != "bool" else "bool_"))
        t = torch.zeros(2, 3, dtype=getattr(torch, dt))
        assert a.is_floating_point() == t.is_floating_point()
        assert a.is_complex() == t.is_complex() is False
        assert a.itemsize == t.itemsize and a.nbytes == t.nbytes


def test_contiguous_after_ops():
    x = _t(3, 4)
    assert x.is_contiguous() and not x.t().is_contiguous()
    assert x.t().ravel().is_contiguous()  # ravel of a non-contiguous tensor copies
    assert x.ravel().data_ptr() == x.data_ptr()  # ... and views a contiguous one


# -- cuda (the fake CuPy in CI) --------------------------------------------------------------------


@pytest.mark.gpu
def test_cuda_path():
    def cu(*shape, seed=0):
        return ag.tensor(_r(*shape, seed=seed), device="cuda", requires_grad=True)

    fns = [
        (lambda x: ag.triu(x, -1), [(3, 4)]),
        (lambda x: ag.diagonal(x, 1, -1, 0), [(3, 2, 4)]),
        (lambda x: ag.diag_embed(x, -1, 0, 2), [(2, 3)]),
        (lambda x: ag.diag(x, 1), [(3,)]),
        (lambda x: ag.roll(x, (1, -2), (0, 1)), [(3, 4)]),
        (lambda x: ag.repeat_interleave(x, ag.tensor([2, 0, 1], device="cuda"), 1), [(2, 3)]),
        (lambda x, p: ag.diff(x, 2, 0, prepend=p), [(3, 2), (1, 2)]),
        (lambda x: ag.rot90(x, 3), [(2, 3)]),
        (lambda a, b: ag.cartesian_prod(a, b), [(3,), (2,)]),
        (lambda a, b: ag.block_diag(a, b), [(2, 2), (3,)]),
        (lambda x: ag.unbind(x, 1), [(2, 3)]),
    ]
    for fn, shapes in fns:
        xs = tuple(cu(*s, seed=i) for i, s in enumerate(shapes))
        cpu = [_np(o) for o in _tuple(fn(*(x.detach().cpu().requires_grad_() for x in xs)))]
        outs = _tuple(fn(*xs))
        for o, w in zip(outs, cpu):
            assert o.device.startswith("cuda")
            np.testing.assert_allclose(_np(o), w, rtol=1e-12, atol=1e-12)
        assert ag.gradcheck(fn, xs)
        assert ag.gradgradcheck(fn, xs)
    i = ag.triu_indices(3, 4, 1, device="cuda")
    assert i.device.startswith("cuda") and i.dtype == np.int64
    np.testing.assert_array_equal(_np(i), np.stack(np.triu_indices(3, 1, 4)))
    r = ag.repeat_interleave(ag.tensor([1, 2], device="cuda"))
    assert r.device.startswith("cuda")
    np.testing.assert_array_equal(_np(r), [0, 1, 1])
    x = ag.tensor(np.arange(12.0).reshape(3, 4), device="cuda")
    assert x.t().stride() == (1, 4) and not x.t().is_contiguous() and x.is_contiguous()
    assert x[1].data_ptr() - x.data_ptr() == 32 and x.nbytes == 96
    assert ag.tensor_split(x, [1], 1)[1].device.startswith("cuda")
    with pytest.raises(RuntimeError, match=r"same device, but got cpu and cuda.*\(in meshgrid\)"):
        ag.meshgrid(ag.tensor([1.0]), ag.tensor([1.0], device="cuda"), indexing="ij")


def test_review_fixes_results_are_new_tensors_and_0d_movedim():
    import numpy as np

    x = ag.tensor(np.arange(6.0).reshape(2, 3))
    for y in (x.repeat_interleave(1), x.diff(0), x.repeat_interleave(1, dim=0)):
        y.add_(100.0)
    np.testing.assert_array_equal(x.numpy(), np.arange(6.0).reshape(2, 3))
    col = ag.tensor([[1.0], [2.0]])
    y = col.repeat_interleave(3, dim=1)
    assert y.is_contiguous() and y.stride() == (3, 1)
    y[0, 0] = 5.0  # writable
    assert col.numpy()[0, 0] == 1.0
    assert ag.tensor(2.0).movedim(0, -1).item() == 2.0
    assert ag.tensor([[1.0, 0.0], [2.0, 3.0]]).count_nonzero(()).item() == 3
