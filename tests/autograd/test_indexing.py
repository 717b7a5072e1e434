"""The indexed read/write ops side by side with PyTorch: values, dtypes, gradients (first and
second order), broadcasting, repeated indices, include_self, 0-d and empty inputs, and errors.

The op table (specs_indexing.py) checks forward vs NumPy and gradcheck/gradgradcheck per row;
here each op is compared with torch itself, plus the semantics the table cannot show.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from autograd.errors import ShapeError

from .specs_indexing import SPECS, np_scatter

torch = pytest.importorskip("torch")

DTYPES = [np.float32, np.float64]


def _tol(dtype):
    return {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-10}


def _np(v):
    if isinstance(v, ag.Tensor):
        return v.detach().cpu().numpy()
    return v.detach().numpy() if isinstance(v, torch.Tensor) else np.asarray(v)


def compare(ag_fn, torch_fn, arrays, diff=(), dtype=np.float64, seed=0):
    """Run ag_fn and torch_fn on the same arrays (float ones cast to ``dtype``; ``diff``: the
    positions that require grad) and check values, dtype, shape and gradients against torch
    with a random cotangent. Returns the autograd output."""
    arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]
    ats = [ag.tensor(a, requires_grad=i in diff) for i, a in enumerate(arrays)]
    tts = [torch.tensor(a, requires_grad=i in diff) for i, a in enumerate(arrays)]
    y, ty = ag_fn(*ats), torch_fn(*tts)
    assert y.shape == tuple(ty.shape)
    assert y.dtype == np.dtype(str(ty.dtype).replace("torch.", ""))
    np.testing.assert_allclose(_np(y), _np(ty), **_tol(dtype))
    if diff:
        g = np.random.default_rng(seed).standard_normal(y.shape).astype(dtype)
        grads = ag.grad(y, [ats[i] for i in diff], ag.tensor(g))
        tgrads = torch.autograd.grad(ty, [tts[i] for i in diff], torch.tensor(g))
        for i, a, b in zip(diff, grads, tgrads):
            assert a.dtype == np.dtype(dtype), f"gradient {i} dtype {a.dtype}"
            np.testing.assert_allclose(_np(a), _np(b), **_tol(dtype), err_msg=f"gradient {i}")
    return y


def _rand(rng, shape):
    """Values with |v| in [0.3, 2] and random sign (no zeros, no near-ties)."""
    return rng.uniform(0.3, 2, shape) * rng.choice([-1, 1], shape)


def _idx(rng, high, shape):
    return rng.integers(0, high, shape).astype(np.int64)


# -- scatter_reduce --------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("dim", [0, -1])
def test_scatter_reduce_matches_torch(reduce, include_self, dtype, dim):
    rng = np.random.default_rng(1)
    x, src = _rand(rng, (3, 4)), _rand(rng, (5, 4) if dim == 0 else (3, 6))
    idx = _idx(rng, 3 if dim == 0 else 4, src.shape)  # repeats certain: 20 or 18 into 12
    compare(
        lambda a, i, s: a.scatter_reduce(dim, i, s, reduce, include_self=include_self),
        lambda a, i, s: a.scatter_reduce(dim, i, s, reduce, include_self=include_self),
        [x, idx, src],
        diff=(0, 2),
        dtype=dtype,
    )


@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_prod_zeros_match_torch(include_self):
    # zeros in x, a lone zero in src at one position, two zeros at another
    x = np.array([[0.0, 2.0], [3.0, 0.0], [1.5, -1.0]])
    src = np.array([[0.0, 4.0], [2.0, 0.0], [0.5, 0.0], [1.0, 3.0]])
    idx = np.array([[0, 1], [0, 1], [2, 1], [1, 0]])
    compare(
        lambda a, i, s: ag.scatter_reduce(a, 0, i, s, "prod", include_self),
        lambda a, i, s: torch.scatter_reduce(a, 0, i, s, "prod", include_self=include_self),
        [x, idx, src],
        diff=(0, 2),
    )


def test_scatter_reduce_ties_share_the_gradient_as_torch():
    # amax/amin: gy split evenly among x and src elements equal to the result
    x = np.array([2.0, 1.0, 0.0, 5.0])
    src = np.array([2.0, 2.0, 1.0, 3.0, 3.0, -1.0])
    idx = np.array([0, 0, 1, 2, 2, 2])
    for reduce in ("amax", "amin"):
        y = compare(
            lambda a, i, s, r=reduce: ag.scatter_reduce(a, 0, i, s, r),
            lambda a, i, s, r=reduce: torch.scatter_reduce(a, 0, i, s, r),
            [x, idx, src],
            diff=(0, 2),
        )
        assert y.shape == (4,)
    # include_self=False with x equal to the result: x takes no part, src shares all of gy
    # (PyTorch also counts x there and hands src 1/3 each: a deviation, see the report)
    a = ag.tensor(np.array([1.0, 0.0]), requires_grad=True)
    s = ag.tensor(np.array([1.0, 1.0]), requires_grad=True)
    ga, gs = ag.grad(ag.scatter_reduce(a, 0, np.array([0, 0]), s, "amax", False), [a, s],
                     ag.tensor(np.array([1.0, 1.0])))  # fmt: skip
    np.testing.assert_allclose(_np(ga), [0.0, 1.0])
    np.testing.assert_allclose(_np(gs), [0.5, 0.5])


def test_scatter_reduce_second_order_matches_torch():
    rng = np.random.default_rng(3)
    x, src = _rand(rng, (3, 2)), _rand(rng, (4, 2))
    src[0, 0] = 0.0  # a lone zero: prod's special case
    idx = np.array([[0, 1], [0, 2], [1, 1], [2, 0]])
    v = rng.standard_normal((3, 2))
    for reduce in ("prod", "mean", "amax", "sum"):
        a = ag.tensor(x, requires_grad=True)
        s = ag.tensor(src, requires_grad=True)
        ta = torch.tensor(x, requires_grad=True)
        ts = torch.tensor(src, requires_grad=True)
        y = (ag.scatter_reduce(a, 0, idx, s, reduce) ** 2 * v).sum()
        ty = torch.scatter_reduce(ta, 0, torch.tensor(idx), ts, reduce) ** 2 * torch.tensor(v)
        ga, gs = ag.grad(y, [a, s], create_graph=True)
        tga, tgs = torch.autograd.grad(ty.sum(), [ta, ts], create_graph=True)
        h = ag.grad((ga * ga).sum() + (gs * gs).sum(), [a, s])
        th = torch.autograd.grad((tga * tga).sum() + (tgs * tgs).sum(), [ta, ts])
        for p, q in zip(h, th):
            np.testing.assert_allclose(_np(p), _np(q), rtol=1e-9, atol=1e-9, err_msg=reduce)


def test_scatter_reduce_integer_values_and_mean_floors():
    x = np.array([-1, 2, 3, 7], dtype=np.int64)
    src = np.array([-2, -4, 5, 9, 1], dtype=np.int64)
    idx = np.array([0, 0, 1, 3, 3])
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        for inc in (True, False):
            y = ag.scatter_reduce(ag.tensor(x), 0, ag.tensor(idx), ag.tensor(src), reduce, inc)
            want = torch.scatter_reduce(torch.tensor(x), 0, torch.tensor(idx), torch.tensor(src),
                                        reduce, include_self=inc)  # fmt: skip
            assert y.dtype == np.int64
            np.testing.assert_array_equal(_np(y), want.numpy(), err_msg=f"{reduce} {inc}")


def test_scatter_reduce_index_smaller_than_src_gradient():
    # PyTorch's backward refuses index.shape != src.shape; here src's uncovered part gets 0
    rng = np.random.default_rng(4)
    x, src = _rand(rng, (3, 4)), _rand(rng, (4, 5))
    idx = _idx(rng, 3, (2, 3))
    for reduce in ("sum", "prod", "mean", "amax"):
        fn = lambda a, s, r=reduce: ag.scatter_reduce(a, 0, idx, s, r)  # noqa: E731
        ins = (ag.tensor(x, requires_grad=True), ag.tensor(src, requires_grad=True))
        assert ag.gradcheck(fn, ins)
        assert ag.gradgradcheck(fn, ins)
        want = np_scatter(x, 0, idx, src[:2, :3], reduce)
        np.testing.assert_allclose(_np(fn(*ins)), want, rtol=1e-12)
        (gs,) = ag.grad(fn(*ins).sum(), [ins[1]])
        assert not _np(gs)[2:].any() and not _np(gs)[:, 3:].any()


# -- scatter ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [1, -2])
def test_scatter_src_matches_torch(dtype, dim):
    rng = np.random.default_rng(5)
    x = _rand(rng, (4, 5))
    if dim == 1:  # distinct targets per row: PyTorch's result is defined
        idx = np.argsort(rng.random((3, 5)), axis=1)[:, :3]
        src = _rand(rng, (3, 4))  # larger than index: the index's part is used
    else:
        idx = np.argsort(rng.random((4, 2)), axis=0)[:3]
        src = _rand(rng, (3, 2))
    compare(
        lambda a, i, s: a.scatter(dim, i, s),
        lambda a, i, s: a.scatter(dim, i, s),
        [x, idx, src],
        diff=(0, 2) if dim == -2 else (0,),  # torch's src gradient needs index.shape == src
        dtype=dtype,
    )


@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")
@pytest.mark.parametrize("dtype", DTYPES)
def test_scatter_value_and_reduce_match_torch(dtype):
    rng = np.random.default_rng(6)
    x, idx = _rand(rng, (3, 4)), _idx(rng, 3, (2, 4))
    compare(lambda a, i: ag.scatter(a, 0, i, -0.75), lambda a, i: a.scatter(0, i, -0.75),
            [x, idx], diff=(0,), dtype=dtype)  # fmt: skip
    compare(lambda a, i: a.scatter(0, i, value=2), lambda a, i: torch.scatter(a, 0, i, value=2),
            [x, idx], diff=(0,), dtype=dtype)  # fmt: skip
    src = _rand(rng, (2, 4))
    for reduce in ("add", "multiply"):
        compare(
            lambda a, i, s, r=reduce: a.scatter(0, i, s, reduce=r),
            lambda a, i, s, r=reduce: a.scatter(0, i, s, reduce=r),
            [x, idx, src],
            dtype=dtype,  # torch has no gradient for scatter with reduce: checked below
        )
        compare(
            lambda a, i, r=reduce: a.scatter(0, i, 1.5, reduce=r),
            lambda a, i, r=reduce: a.scatter(0, i, 1.5, reduce=r),
            [x, idx],
            dtype=dtype,
        )
    # where PyTorch has no gradient (multiply; a value with reduce): checked numerically
    a, s = ag.tensor(x, requires_grad=True), ag.tensor(src, requires_grad=True)
    assert ag.gradcheck(lambda a, s: a.scatter(0, idx, s, reduce="multiply"), (a, s))
    assert ag.gradcheck(lambda a, s: a.scatter(0, idx, s, reduce="add"), (a, s))
    assert ag.gradcheck(lambda a: a.scatter(0, idx, 1.5, reduce="multiply"), (a,))
    assert ag.gradcheck(lambda a: a.scatter(0, idx, 1.5, reduce="add"), (a,))


def test_scatter_repeated_index_last_write_wins_with_a_matching_gradient():
    x = np.zeros((2, 4))
    idx = np.array([[1, 1, 3], [0, 0, 0]])
    src = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    s = ag.tensor(src, requires_grad=True)
    a = ag.tensor(x, requires_grad=True)
    y = ag.scatter(a, 1, idx, s)
    np.testing.assert_array_equal(_np(y), [[0, 2, 0, 3], [6, 0, 0, 0]])
    np.testing.assert_array_equal(_np(y), np_scatter(x, 1, idx, src))
    g = np.arange(8.0).reshape(2, 4) + 1
    ga, gs = ag.grad(y, [a, s], ag.tensor(g))
    np.testing.assert_array_equal(_np(gs), [[0, 2, 4], [0, 0, 5]])  # losers get nothing
    np.testing.assert_array_equal(_np(ga), [[1, 0, 3, 0], [0, 6, 7, 8]])
    assert ag.gradcheck(lambda a, s: ag.scatter(a, 1, idx, s), (a, s))
    assert ag.gradgradcheck(lambda a, s: ag.scatter(a, 1, idx, s), (a, s))


def test_scatter_empty_index_and_dtype_preserved():
    x = ag.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    y = ag.scatter(x, 1, np.zeros((2, 0), np.int64), ag.zeros((2, 0), dtype="float32"))
    assert y.dtype == np.float32 and y.shape == (2, 3)
    np.testing.assert_array_equal(_np(y), 1.0)
    y.sum().backward()
    np.testing.assert_array_equal(_np(x.grad), 1.0)
    xi = ag.tensor(np.arange(6).reshape(2, 3))
    yi = xi.scatter(1, ag.tensor([[2], [0]]), 9.7)  # a float value cast like torch (to 9)
    np.testing.assert_array_equal(_np(yi), [[0, 1, 9], [9, 4, 5]])
    assert yi.dtype == np.int64


# -- index_add, index_copy, index_fill -------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, -1])
def test_index_add_matches_torch(dtype, dim):
    rng = np.random.default_rng(7)
    x = _rand(rng, (3, 4, 2))
    idx = np.array([2, 0, 2, 1, 2]) if dim == 0 else np.array([1, 1, 0])
    shape = (5, 4, 2) if dim == 0 else (3, 4, 3)
    src = _rand(rng, shape)
    for alpha in (1, -2.5):
        compare(
            lambda a, i, s, al=alpha: a.index_add(dim, i, s, alpha=al),
            lambda a, i, s, al=alpha: a.index_add(dim, i, s, alpha=al),
            [x, idx, src],
            diff=(0, 2),
            dtype=dtype,
        )


def test_index_add_integer_and_0d():
    x = np.arange(6).reshape(2, 3)
    y = ag.index_add(ag.tensor(x), 1, [2, 2], ag.tensor(np.ones((2, 2), np.int64)), alpha=3)
    np.testing.assert_array_equal(_np(y), torch.tensor(x).index_add(
        1, torch.tensor([2, 2]), torch.ones(2, 2, dtype=torch.int64), alpha=3).numpy())  # fmt: skip
    compare(lambda a, i, s: ag.index_add(a, 0, i, s), lambda a, i, s: a.index_add(0, i, s),
            [np.array(1.5), np.array([0]), np.array(2.0)], diff=(0, 2))  # fmt: skip
    compare(lambda a, i, v: ag.index_fill(a, -1, i, v), lambda a, i, v: a.index_fill(-1, i, v),
            [np.array(1.5), np.array([0]), np.array(2.0)], diff=(0, 2))  # fmt: skip
    compare(lambda a, i, s: a.index_copy(0, i, s), lambda a, i, s: a.index_copy(0, i, s),
            [np.array(1.5), np.array([0]), np.array(-3.0)], diff=(0, 2))  # fmt: skip
    with pytest.raises(TypeError, match="index_add: for integer inputs alpha must be an integer"):
        ag.index_add(ag.tensor(x), 1, [0], ag.tensor(np.ones((2, 1), np.int64)), alpha=0.5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_index_copy_matches_torch(dtype):
    rng = np.random.default_rng(8)
    x, src = _rand(rng, (4, 3)), _rand(rng, (4, 2))
    compare(
        lambda a, i, s: a.index_copy(-1, i, s),
        lambda a, i, s: a.index_copy(-1, i, s),
        [x, np.array([2, 0]), src],
        diff=(0, 2),
        dtype=dtype,
    )
    # a repeated index: its last occurrence wins, and only it gets a gradient
    a = ag.tensor(x, requires_grad=True)
    s = ag.tensor(_rand(rng, (3, 3)), requires_grad=True)
    y = ag.index_copy(a, 0, [1, 3, 1], s)
    np.testing.assert_array_equal(_np(y)[1], _np(s)[2])
    np.testing.assert_array_equal(_np(y)[3], _np(s)[1])
    (gs,) = ag.grad(y.sum(), [s])
    np.testing.assert_array_equal(_np(gs), [[0] * 3, [1] * 3, [1] * 3])
    assert ag.gradgradcheck(lambda a, s: ag.index_copy(a, 0, [1, 3, 1], s), (a, s))


@pytest.mark.parametrize("dtype", DTYPES)
def test_index_fill_matches_torch(dtype):
    rng = np.random.default_rng(9)
    x = _rand(rng, (3, 4))
    idx = np.array([1, -1, 1])
    compare(lambda a, i: a.index_fill(1, i, -2.0), lambda a, i: a.index_fill(1, i, -2.0),
            [x, idx], diff=(0,), dtype=dtype)  # fmt: skip
    # a 0-d tensor value receives the gradient summed over the filled positions
    compare(
        lambda a, i, v: ag.index_fill(a, 0, i, v),
        lambda a, i, v: torch.index_fill(a, 0, i, v),
        [x, np.array([2, 0, 2]), np.array(0.25)],
        diff=(0, 2),
        dtype=dtype,
    )
    y = ag.index_fill(ag.tensor(np.arange(4)), 0, [0, 3], -2.7)  # cast to int like torch
    np.testing.assert_array_equal(_np(y), [-2, 1, 2, -2])


# -- index_put, put --------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("accumulate", [False, True])
def test_index_put_matches_torch(dtype, accumulate):
    rng = np.random.default_rng(10)
    x = _rand(rng, (3, 4, 2))
    i0 = np.array([0, 2, 1, 2])
    i1 = np.array([1, 3, 3, -2]) if not accumulate else np.array([1, 3, 1, 3])  # repeats
    for v in (_rand(rng, (4, 2)), _rand(rng, (2,)), _rand(rng, (4, 1))):
        compare(
            lambda a, p, q, w: ag.index_put(a, (p, q), w, accumulate),
            lambda a, p, q, w: a.index_put((p, q), w, accumulate=accumulate),
            [x, i0, i1, v],
            diff=(0, 3),
            dtype=dtype,
        )
    # one index tensor, broadcasting index tensors, and a bool mask
    compare(lambda a, p, w: a.index_put((p,), w, accumulate),
            lambda a, p, w: a.index_put((p,), w, accumulate=accumulate),
            [x, np.array([[2], [0]]), _rand(rng, (4, 2))], diff=(0, 2), dtype=dtype)  # fmt: skip
    m = np.array([[True, False, True, False], [False, False, True, True], [True] * 4])
    compare(lambda a, p, w: a.index_put((p,), w, accumulate),
            lambda a, p, w: a.index_put((p,), w, accumulate=accumulate),
            [x, m, _rand(rng, (2,))], diff=(0, 2), dtype=dtype)  # fmt: skip


def test_index_put_accumulate_repeats_and_none_slice():
    x = np.zeros(5)
    a = ag.tensor(x, requires_grad=True)
    v = ag.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = ag.index_put(a, (ag.tensor([4, 4, -1]),), v, accumulate=True)
    np.testing.assert_array_equal(_np(y), [0, 0, 0, 0, 6])
    y = ag.index_put(a, (ag.tensor([4, 1, 4]),), v)  # last write wins
    np.testing.assert_array_equal(_np(y), [0, 2, 0, 0, 3])
    (gv,) = ag.grad(y, [v], ag.tensor(np.arange(5.0)))
    np.testing.assert_array_equal(_np(gv), [0, 1, 4])
    x2 = np.arange(12.0).reshape(3, 4)
    y2 = ag.index_put(ag.tensor(x2), (None, np.array([0, 2])), 7.0)  # None: a full slice
    want = x2.copy()
    want[:, [0, 2]] = 7.0
    np.testing.assert_array_equal(_np(y2), want)


@pytest.mark.parametrize("accumulate", [False, True])
def test_put_matches_torch(accumulate):
    rng = np.random.default_rng(11)
    x = _rand(rng, (3, 4))
    idx = np.array([[0, -1, 5], [7, 2, 3]]) if not accumulate else np.array([1, 1, -1, 11, 4, 4])
    src = _rand(rng, (6,))
    compare(lambda a, i, s: a.put(i, s, accumulate), lambda a, i, s: a.put(i, s, accumulate),
            [x, idx, src], diff=(0, 2))  # fmt: skip


# -- masked_select, masked_scatter, take, take_along_dim -------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)), ((1, 4), (3, 1)), ((), ())])
def test_masked_select_matches_torch(dtype, shapes):
    rng = np.random.default_rng(12)
    x, m = _rand(rng, shapes[0]), rng.random(shapes[1]) > 0.5
    compare(ag.masked_select, torch.masked_select, [x, m], diff=(0,), dtype=dtype)
    compare(lambda a, b: a.masked_select(b), lambda a, b: a.masked_select(b),
            [x, np.zeros(shapes[1], bool)], diff=(0,), dtype=dtype)  # fmt: skip


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4), (12,)), ((3, 4), (4,), (4, 5)),
                                    ((4,), (2, 1), (9,))])  # fmt: skip
def test_masked_scatter_matches_torch(dtype, shapes):
    rng = np.random.default_rng(13)
    x, m, s = _rand(rng, shapes[0]), rng.random(shapes[1]) > 0.5, _rand(rng, shapes[2])
    compare(lambda a, b, c: a.masked_scatter(b, c), lambda a, b, c: a.masked_scatter(b, c),
            [x, m, s], diff=(0, 2), dtype=dtype)  # fmt: skip


@pytest.mark.parametrize("dtype", DTYPES)
def test_take_and_take_along_dim_match_torch(dtype):
    rng = np.random.default_rng(14)
    x = _rand(rng, (3, 4))
    compare(ag.take, torch.take, [x, np.array([[0, -1, 5], [5, 11, -12]])], diff=(0,),
            dtype=dtype)  # fmt: skip
    compare(ag.take, torch.take, [np.array(2.0), np.array([0, -1, 0])], diff=(0,), dtype=dtype)
    for ishape, xs, dim in [((3, 5), (3, 4), 1), ((1, 2), (3, 4), -1), ((3, 2), (1, 4), 1),
                            ((2, 4), (3, 4), 0), ((2, 2), (3, 4), None)]:  # fmt: skip
        xx = _rand(rng, xs)
        high = xs[dim] if dim is not None else 12
        compare(
            lambda a, i, d=dim: a.take_along_dim(i, d),
            lambda a, i, d=dim: torch.take_along_dim(a, i, d),
            [xx, _idx(rng, high, ishape)],
            diff=(0,),
            dtype=dtype,
        )


# -- no gradient: nonzero, argwhere, count_nonzero, bincount -------------------------------------


def test_nonzero_family_matches_torch():
    rng = np.random.default_rng(15)
    x = rng.integers(-1, 2, (3, 4, 2)).astype(np.float32)
    for a in (x, x[0, 0, 0], np.zeros((0, 3)), np.array(0.0), np.array([True, False, True])):
        t, tt = ag.tensor(a), torch.tensor(a)
        for got, want in [(ag.nonzero(t), torch.nonzero(tt)), (t.argwhere(), tt.argwhere())]:
            assert got.dtype == np.int64 and got.shape == tuple(want.shape)
            np.testing.assert_array_equal(_np(got), want.numpy())
        got, want = t.nonzero(as_tuple=True), tt.nonzero(as_tuple=True)
        assert isinstance(got, tuple) and len(got) == len(want) == len(torch.where(tt))
        for g, w in zip(got, want):
            assert g.dtype == np.int64
            np.testing.assert_array_equal(_np(g), w.numpy())
        assert not ag.nonzero(ag.tensor(a, dtype="float64", requires_grad=True)).requires_grad
    t, tt = ag.tensor(x), torch.tensor(x)
    for dim in (None, 0, -1, (0, 2)):
        got, want = ag.count_nonzero(t, dim), torch.count_nonzero(tt, dim)
        assert got.dtype == np.int64
        np.testing.assert_array_equal(_np(got), want.numpy())
    np.testing.assert_array_equal(_np(t.count_nonzero(axis=1)), np.count_nonzero(x, axis=1))


def test_bincount_matches_torch():
    i = np.array([0, 3, 3, 1, 7])
    for w in (None, np.linspace(0, 1, 5).astype(np.float32), np.linspace(0, 1, 5),
              np.arange(5, dtype=np.int32)):  # fmt: skip
        for minlength in (0, 10):
            got = ag.bincount(ag.tensor(i), None if w is None else ag.tensor(w), minlength)
            want = torch.bincount(torch.tensor(i), None if w is None else torch.tensor(w),
                                  minlength)  # fmt: skip
            assert got.dtype == np.dtype(str(want.dtype).replace("torch.", ""))
            np.testing.assert_allclose(_np(got), want.numpy())
    assert _np(ag.bincount(ag.tensor(np.zeros(0, np.int64)))).shape == (0,)
    w = ag.tensor(np.ones(5), requires_grad=True)
    assert not ag.tensor(i).bincount(w).requires_grad


# -- errors ----------------------------------------------------------------------------------------


def test_errors_name_the_op_and_the_values():
    x = ag.tensor(np.zeros((3, 4)))
    src = ag.tensor(np.ones((3, 4)))
    i = np.array([[0, 4]])
    with pytest.raises(IndexError, match="scatter: index 4 is out of bounds for dimension 1 with size 4"):  # fmt: skip # noqa: E501
        ag.scatter(x, 1, i, src)
    with pytest.raises(IndexError, match="scatter_reduce: index -4 is out of bounds for dimension 0 with size 3"):  # fmt: skip # noqa: E501
        ag.scatter_reduce(x, 0, np.array([[-4]]), src, "sum")
    with pytest.raises(IndexError, match="scatter: dim 2 is out of range"):
        ag.scatter(x, 2, i, src)
    with pytest.raises(ShapeError, match=r"scatter: index shape \(1, 3\) is larger than src"):
        ag.scatter(x, 0, np.zeros((1, 3), np.int64), ag.tensor(np.ones((3, 2))))
    with pytest.raises(ShapeError, match="scatter: src must have the same number of dimensions"):
        ag.scatter(x, 0, np.zeros((1, 2), np.int64), ag.tensor(np.ones(4)))
    with pytest.raises(TypeError, match="scatter: expected src dtype to equal the input's"):
        ag.scatter(x, 0, np.zeros((1, 2), np.int64), ag.tensor(np.ones((3, 4), np.float32)))
    with pytest.raises(TypeError, match="scatter: index must be an integer tensor"):
        ag.scatter(x, 0, np.zeros((1, 2)), src)
    with pytest.raises(ValueError, match="scatter_reduce: reduce argument must be one of"):
        ag.scatter_reduce(x, 0, i, src, "max")
    with pytest.raises(ValueError, match="scatter: reduce argument must be either"):
        ag.scatter(x, 0, i, src, reduce="sum")
    with pytest.raises(TypeError, match="scatter: pass src"):
        ag.scatter(x, 0, i)
    with pytest.raises(ShapeError, match=r"scatter: expects at least a 1-dimensional"):
        ag.scatter(ag.tensor(1.0), 0, np.array(0), 1.0)
    with pytest.raises(ShapeError, match=r"index_add: source of shape \(3, 2\) does not match"):
        ag.index_add(x, 1, [0, 1, 2], ag.tensor(np.ones((3, 2))))
    with pytest.raises(ShapeError, match="index_copy: index must be 1-D"):
        ag.index_copy(x, 1, np.zeros((1, 1), np.int64), ag.tensor(np.ones((3, 1))))
    with pytest.raises(IndexError, match="index_fill: index 5 is out of bounds for dimension 1 with size 4"):  # fmt: skip # noqa: E501
        ag.index_fill(x, 1, [5], 0.0)
    with pytest.raises(ShapeError, match="index_fill: value must be a number or a 0-d tensor"):
        ag.index_fill(x, 1, [0], ag.tensor([1.0, 2.0]))
    with pytest.raises(IndexError, match="index_put: index 3 is out of bounds for dimension 0 with size 3"):  # fmt: skip # noqa: E501
        ag.index_put(x, (np.array([3]),), ag.tensor(1.0))
    with pytest.raises(IndexError, match=r"index_put: the shape of the mask \(4,\) at index 0"):
        ag.index_put(x, (np.ones(4, bool),), ag.tensor(1.0))
    with pytest.raises(IndexError, match="index_put: too many indices"):
        ag.index_put(x, ([0], [0], [0]), ag.tensor(1.0))
    with pytest.raises(ShapeError, match=r"index_put: shape mismatch: values of shape \(3,\)"):
        ag.index_put(x, ([0, 1],), ag.tensor(np.ones(3)))
    with pytest.raises(TypeError, match="index_put: expected values dtype"):
        ag.index_put(x, ([0, 1],), ag.tensor(np.ones(4, np.int64)))
    with pytest.raises(TypeError, match="masked_select: mask must be a bool tensor"):
        ag.masked_select(x, np.ones((3, 4), np.int64))
    with pytest.raises(ShapeError, match=r"masked_select: mask of shape \(3,\) and input of shape \(3, 4\) are not broadcastable"):  # fmt: skip # noqa: E501
        ag.masked_select(x, np.ones(3, bool))
    with pytest.raises(ShapeError, match="masked_scatter: source of shape .* fewer than the 12"):
        ag.masked_scatter(x, np.ones(4, bool), ag.tensor(np.ones(5)))
    with pytest.raises(IndexError, match="take: index 12 is out of bounds for the input of shape"):
        ag.take(x, [0, 12])
    with pytest.raises(ShapeError, match="put: source of shape"):
        ag.put(x, [0, 1], ag.tensor(np.ones(3)))
    with pytest.raises(ShapeError, match="take_along_dim: input and indices should have the same"):  # fmt: skip # noqa: E501
        ag.take_along_dim(x, np.zeros(2, np.int64), 1)
    with pytest.raises(ShapeError, match="take_along_dim: .* not broadcastable at dimension 0"):
        ag.take_along_dim(x, np.zeros((2, 2), np.int64), 1)
    with pytest.raises(ValueError, match="bincount: expected non-negative values, got -1"):
        ag.bincount(ag.tensor([0, -1]))
    with pytest.raises(ShapeError, match="bincount: expected a 1-D tensor"):
        ag.bincount(ag.tensor([[0, 1]]))
    with pytest.raises(TypeError, match="bincount: expected an integer tensor"):
        ag.bincount(ag.tensor([0.0, 1.0]))
    with pytest.raises(ShapeError, match="bincount: weights of shape"):
        ag.bincount(ag.tensor([0, 1]), ag.tensor([1.0]))


# -- cuda (the fake CuPy in CI) --------------------------------------------------------------------


def _cuda(t):
    if isinstance(t, ag.Tensor):
        return t.detach().to("cuda").requires_grad_(t.requires_grad)
    return t


@pytest.mark.gpu
@pytest.mark.parametrize("spec", [s for s in SPECS if s.grad], ids=lambda s: s.name)
def test_first_and_second_order_gradients_on_cuda(spec):
    from .op_table import make_inputs

    arrays, tensors = make_inputs(spec, spec.cases[0])
    cuda = tuple(_cuda(t) for t in tensors)
    assert ag.gradcheck(spec.fn, cuda)
    assert ag.gradgradcheck(spec.fn, cuda)
    out = spec.fn(*cuda)
    assert out.device.startswith("cuda")
    np.testing.assert_allclose(out.detach().cpu().numpy(), _np(spec.ref(*arrays)), rtol=1e-9)


@pytest.mark.gpu
def test_cuda_repeats_many_writes_per_position():
    # more than 16 writes to one position: prod/amax take the host path on cupy
    rng = np.random.default_rng(16)
    x, src = _rand(rng, (3,)), rng.uniform(0.9, 1.1, (40,))
    idx = np.concatenate([np.zeros(30, np.int64), rng.integers(0, 3, 10)])
    for reduce in ("prod", "amax", "amin", "mean"):
        want = np_scatter(x, 0, idx, src, reduce)
        got = ag.scatter_reduce(ag.tensor(x, device="cuda"), 0, ag.tensor(idx, device="cuda"),
                                ag.tensor(src, device="cuda"), reduce)  # fmt: skip
        np.testing.assert_allclose(got.cpu().numpy(), want, rtol=1e-12)
    y = ag.index_put(ag.tensor(np.zeros(4), device="cuda"), (ag.tensor([1, 1, 1], device="cuda"),),
                     ag.tensor(np.array([1.0, 2.0, 3.0]), device="cuda"))  # fmt: skip
    np.testing.assert_array_equal(y.cpu().numpy(), [0, 3, 0, 0])
    nz = ag.nonzero(ag.tensor(np.array([[0, 1], [2, 0]]), device="cuda"))
    assert nz.device.startswith("cuda")
    np.testing.assert_array_equal(nz.cpu().numpy(), [[0, 1], [1, 0]])
