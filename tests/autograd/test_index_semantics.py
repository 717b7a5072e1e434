"""Index semantics that used to differ from PyTorch silently, each checked against torch where
it is installed and, written out, without it:

1. An index tensor an op keeps (index_select, gather, scatter*, index_*, put, take, masked_*,
   ``x[idx]``, ``x[mask]``, embedding, cross_entropy/nll_loss targets) that is changed in place
   before backward makes backward raise, naming the op; a raw NumPy index is copied instead.
2. In ``x[...]`` and ``x[...] = v`` integers are selects applied first, then advanced indices
   follow NumPy's placement: ``x[0, :, idx]`` is ``x[0][:, idx]`` (NumPy puts idx's dim first).
   A 0-d integer tensor is such an integer (a view); a bool or 0-d bool tensor adds a dim.
3. flip, fliplr, flipud and rot90 return copies, not views of x.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

import autograd as ag
import nn.functional as F


def f64(a, requires_grad=False):
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def _r(*shape, seed=0, requires_grad=True):
    return f64(np.random.default_rng(seed).standard_normal(shape), requires_grad)


def _np(t):
    return t.detach().cpu().numpy() if isinstance(t, ag.Tensor) else np.asarray(t)


def _ix(i):
    return ag.tensor(np.asarray(i))


# -- 1. index tensors changed in place before backward ---------------------------------------------

# name, op(x, idx) -> y, the index (as a list), how to change it: every op keeps idx for backward
_KEPT = [
    ("index_select", lambda x, i: x.index_select(0, i), [0, 2], lambda i: i.__setitem__(0, 1)),
    ("gather", lambda x, i: x.gather(1, i), [[0, 3], [1, 1], [2, 0]],
     lambda i: i.__setitem__((0, 0), 2)),
    ("scatter_add", lambda x, i: x.scatter_add(1, i, x[:, :2] * 2.0), [[0, 3], [1, 1], [2, 0]],
     lambda i: i.add_(1)),
    ("scatter", lambda x, i: x.scatter(1, i, x[:, 2:] * 3.0), [[0, 3], [1, 2], [2, 0]],
     lambda i: i.fill_(0)),
    ("scatter_reduce", lambda x, i: x.scatter_reduce(1, i, x[:, :2], "amax"),
     [[0, 3], [1, 1], [2, 0]], lambda i: i.fill_(0)),
    ("index_add", lambda x, i: x.index_add(0, i, x[:2] * 2.0), [0, 2], lambda i: i.mul_(0)),
    ("index_copy", lambda x, i: x.index_copy(0, i, x[:2] * 2.0), [0, 2], lambda i: i.mul_(0)),
    ("index_fill", lambda x, i: x.index_fill(1, i, -1.0), [0, 2], lambda i: i.mul_(0)),
    ("index_put", lambda x, i: x.index_put((i,), x[:2] * 2.0), [0, 2], lambda i: i.mul_(0)),
    ("put", lambda x, i: x.put(i, x[0, :2] * 2.0), [0, 5], lambda i: i.mul_(0)),
    ("take", lambda x, i: x.take(i), [0, 5, 7], lambda i: i.mul_(0)),
    ("take_along_dim", lambda x, i: ag.take_along_dim(x, i), [[0, 5], [7, 1]],
     lambda i: i.mul_(0)),
    ("getitem", lambda x, i: x[i], [0, 2], lambda i: i.mul_(0)),
    ("getitem", lambda x, i: x[1:, i], [0, 2], lambda i: i.mul_(0)),
    ("getitem", lambda x, i: x[1, i], [0, 2], lambda i: i.mul_(0)),
    ("getitem", lambda x, i: x[i], [True, False, True], lambda i: i.fill_(True)),
    ("masked_select", lambda x, i: x.masked_select(i), [True, False, True, True],
     lambda i: i.fill_(True)),
    ("masked_scatter", lambda x, i: x.masked_scatter(i, x * 2.0), [True, False, True, True],
     lambda i: i.fill_(True)),
    ("embedding", lambda w, i: F.embedding(i, w), [[0, 2], [1, 1]], lambda i: i.mul_(0)),
    ("cross_entropy", lambda x, t: F.cross_entropy(x, t), [0, 3, 1], lambda t: t.fill_(2)),
    ("cross_entropy", lambda x, t: F.cross_entropy(x, t, reduction="none"), [0, 3, 1],
     lambda t: t.fill_(2)),
    ("nll_loss", lambda x, t: F.nll_loss(x, t), [0, 3, 1], lambda t: t.fill_(2)),
]  # fmt: skip
_KEPT_IDS = [f"{c[0]}-{k}" for k, c in enumerate(_KEPT)]


@pytest.mark.parametrize("name,fn,index,change", _KEPT, ids=_KEPT_IDS)
def test_changing_a_kept_index_tensor_before_backward_raises(name, fn, index, change):
    x = _r(3, 4)
    i = _ix(index)
    y = fn(x, i)
    change(i)
    with pytest.raises(RuntimeError, match=rf"index tensor of shape .* used by {name} .*modified"):
        y.backward(f64(np.ones(y.shape)))


@pytest.mark.parametrize("name,fn,index,change", _KEPT, ids=_KEPT_IDS)
def test_torch_raises_for_the_same_change(name, fn, index, change):
    torch = pytest.importorskip("torch")
    tfn = {
        "take_along_dim": lambda x, i: torch.take_along_dim(x, i),
        "embedding": lambda w, i: torch.nn.functional.embedding(i, w),
        "cross_entropy": None,
        "nll_loss": lambda x, t: torch.nn.functional.nll_loss(x, t),
    }.get(name, fn)
    if name == "cross_entropy":
        red = "none" if fn(_r(3, 4), _ix([0, 1, 2])).shape else "mean"
        tfn = lambda x, t: torch.nn.functional.cross_entropy(x, t, reduction=red)  # noqa: E731
    x = torch.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    i = torch.tensor(index)
    y = tfn(x, i)
    change(i)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward(torch.ones(y.shape, dtype=y.dtype))


def test_scatter_add_and_index_add_keep_the_index_only_for_the_source_gradient():
    """As in torch: with a source that needs no gradient the index is not kept (x's gradient
    is gy itself), so changing it is harmless; with one, it raises."""
    x = _r(3, 4)
    i, j = _ix([[0, 2, 1, 0]]), _ix([0, 2])
    y = x.scatter_add(0, i, f64(np.ones((1, 4)))) + x.index_add(0, j, f64(np.ones((2, 4))))
    i.fill_(1)
    j.fill_(1)
    y.backward(f64(np.ones((3, 4))))
    np.testing.assert_array_equal(_np(x.grad), np.full((3, 4), 2.0))
    s = _r(2, 4, seed=1)
    y = x.index_add(0, j, s)
    j.fill_(0)
    with pytest.raises(RuntimeError, match="used by index_add"):
        y.backward(f64(np.ones((3, 4))))


def test_a_kept_index_left_alone_or_changed_after_backward_is_fine():
    x = _r(3, 4)
    i = _ix([0, 2, 0])
    y = x.index_select(0, i)
    g = _r(3, 4, seed=1, requires_grad=False)
    y.backward(g, retain_graph=True)
    want = np.zeros((3, 4))
    np.add.at(want, [0, 2, 0], _np(g))
    np.testing.assert_allclose(_np(x.grad), want)
    i[0] = 1  # after backward: fine; a second backward through the record then raises
    with pytest.raises(RuntimeError, match="index tensor of shape \\(3,\\) used by index_select"):
        y.backward(g)
    # no record, nothing to check: under no_grad, and for an x that requires no grad
    with ag.no_grad():
        x.index_select(0, i)
    x2 = _r(3, 4, requires_grad=False)
    x2.index_select(0, i)
    i.add_(0)


def test_a_double_backward_after_the_index_changed_raises():
    x = _r(3, 4)
    i = _ix([0, 2])
    y = x.index_select(0, i)
    (g,) = ag.grad((y * y).sum(), x, create_graph=True)
    i[0] = 1
    with pytest.raises(RuntimeError, match="used by index_select .*modified in place"):
        (g * g).sum().backward()


@pytest.mark.parametrize(
    "name,fn,index",
    [
        ("index_select", lambda x, i: x.index_select(0, i), [0, 2]),
        ("getitem", lambda x, i: x[i], [0, 2]),
        ("getitem_tuple", lambda x, i: x[i, 1:], [0, 2]),
        ("getitem_mask", lambda x, i: x[1:, i], [True, True, False, False]),
        ("gather", lambda x, i: x.gather(0, i), [[0, 2, 1, 0], [2, 2, 0, 1]]),
        (
            "scatter_add",
            lambda x, i: x.scatter_add(0, i, x[:2] * 3.0),
            [[0, 2, 1, 0], [2, 2, 0, 1]],
        ),
        ("index_add", lambda x, i: x.index_add(0, i, x[:2] * 3.0), [0, 2]),
        ("take_along_dim", lambda x, i: ag.take_along_dim(x, i, 1), [[0, 3], [1, 1], [2, 0]]),
        ("embedding", lambda w, i: F.embedding(i, w), [[0, 2], [1, 1]]),
    ],
)
def test_a_raw_numpy_index_is_copied_when_recorded(name, fn, index):
    """A NumPy array has no version counter: the record copies it, so the gradient is the one
    for the indices the forward pass saw (PyTorch converts a NumPy index to a new tensor)."""
    x0 = np.random.default_rng(0).standard_normal((3, 4))
    i = np.array(index)
    x_ref = f64(x0, True)
    y = fn(x_ref, i.copy())
    g = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(f64(g))  # the reference: an index nobody changes
    x = f64(x0, True)
    y = fn(x, i)
    i[...] = i[..., ::-1] if i.dtype == bool else 1
    y.backward(f64(g))
    np.testing.assert_allclose(_np(x.grad), _np(x_ref.grad))


def test_a_raw_numpy_target_is_copied_by_cross_entropy():
    x0 = np.random.default_rng(0).standard_normal((3, 4))
    t = np.array([0, 3, 1])
    x = f64(x0, True)
    loss = F.cross_entropy(x, t)
    t[:] = 2
    loss.backward()
    p = np.exp(x0) / np.exp(x0).sum(1, keepdims=True)
    p[[0, 1, 2], [0, 3, 1]] -= 1
    np.testing.assert_allclose(_np(x.grad), p / 3)


def test_take_along_dim_with_a_dim_keeps_a_copy_as_torch():
    """torch.take_along_dim(x, i, dim) saves a copy of the broadcast indices: no error and the
    gradient of the indices it read (with dim=None it keeps i itself, and raises)."""
    x = _r(3, 4)
    i = _ix([[0], [2], [1]])
    y = ag.take_along_dim(x, i, 1)
    i[0, 0] = 3
    y.backward(f64(np.ones((3, 1))))
    np.testing.assert_array_equal(_np(x.grad), [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]])
    torch = pytest.importorskip("torch")
    tx = torch.tensor(_np(x), requires_grad=True)
    ti = torch.tensor([[0], [2], [1]])
    ty = torch.take_along_dim(tx, ti, 1)
    ti[0, 0] = 3
    ty.backward(torch.ones(3, 1, dtype=torch.float64))
    np.testing.assert_array_equal(tx.grad.numpy(), _np(x.grad))


def test_a_0d_integer_tensor_index_is_read_at_forward():
    x = _r(3, 4)
    i = ag.tensor(1)
    y = x[i]
    i.fill_(0)  # as in torch: the select read the value, nothing is kept
    y.backward(f64(np.arange(4.0)))
    np.testing.assert_array_equal(_np(x.grad), [[0, 0, 0, 0], [0, 1, 2, 3], [0, 0, 0, 0]])


# -- 2. integers first, then NumPy's placement of advanced indices ---------------------------------


def _x(*shape):
    return f64(np.arange(np.prod(shape), dtype=np.float64).reshape(shape))


def test_ints_are_selects_applied_first():
    x = _x(2, 3, 4)
    a = np.arange(24.0).reshape(2, 3, 4)
    idx = [0, 2, 1, 3, 0]
    y = x[0, :, idx]
    assert y.shape == (3, 5)  # NumPy: (5, 3)
    np.testing.assert_array_equal(_np(y), a[0][:, idx])
    np.testing.assert_array_equal(_np(x[0, :, _ix(idx)]), a[0][:, idx])
    assert x[None, 0, :, idx].shape == x[0, None, :, idx].shape == (1, 3, 5)  # NumPy: (5, 1, 3)
    np.testing.assert_array_equal(_np(x[-1, 1:, [1, 0]]), a[-1][1:, [1, 0]])
    b = np.arange(120.0).reshape(2, 3, 4, 5)
    y4 = _x(2, 3, 4, 5)
    np.testing.assert_array_equal(_np(y4[0, :, [0, 1], 1]), b[0, :, :, 1][:, [0, 1]])  # (3, 2)
    np.testing.assert_array_equal(_np(y4[:, [0, 2], :, 4]), b[:, :, :, 4][:, [0, 2]])  # (2, 2, 4)
    assert y4[:, [0, 2, 1], :, 4].shape == (2, 3, 4)  # NumPy: (3, 2, 4)
    # where NumPy and torch agree: advanced indices next to each other, or ints alone
    np.testing.assert_array_equal(_np(y4[[0, 1], 0, [1, 2]]), b[[0, 1], 0, [1, 2]])
    np.testing.assert_array_equal(_np(y4[:, [0, 1], 1, [1, 2]]), b[:, [0, 1], 1, [1, 2]])
    np.testing.assert_array_equal(_np(y4[[1, 0], :, 2]), b[[1, 0], :, 2])
    np.testing.assert_array_equal(_np(y4[1, ..., 2]), b[1, ..., 2])


def test_integer_scalars_of_every_kind_select():
    x = _x(2, 3, 4)
    a = np.arange(24.0).reshape(2, 3, 4)
    for one in (1, np.int64(1), np.array(1), ag.tensor(1), ag.tensor(1, dtype=ag.int32)):
        y = x[one, :, [0, 1, 2, 3, 0]]
        assert y.shape == (3, 5), type(one)
        np.testing.assert_array_equal(_np(y), a[1][:, [0, 1, 2, 3, 0]])
    # a 0-d integer tensor alone is a select: a view that writes through, as in torch
    v = x[ag.tensor(1)]
    v[0, 0] = -5.0
    assert _np(x)[1, 0, 0] == -5.0


def test_bools_add_a_dim_where_they_stand():
    x = _x(2, 3, 4)
    assert x[True].shape == (1, 2, 3, 4) and x[False].shape == (0, 2, 3, 4)
    assert x[ag.tensor(True)].shape == (1, 2, 3, 4)
    assert x[0, :, True].shape == (3, 1, 4)  # NumPy: (1, 3, 4)
    assert x[0, ag.tensor(True)].shape == (1, 3, 4)
    assert x[0, True, :, [0, 2, 1, 3, 0]].shape == (5, 3)
    assert x[:, True, [0, 2, 1]].shape == (2, 3, 4)
    mask = ag.tensor([True, False, True, True])
    np.testing.assert_array_equal(
        _np(x[1, :, mask]), np.arange(24.0).reshape(2, 3, 4)[1][:, [0, 2, 3]]
    )


def test_setitem_follows_the_same_order():
    a = np.zeros((2, 3, 4))
    v = np.arange(12.0).reshape(3, 4)
    x = f64(a)
    x[0, :, [3, 1, 0, 2]] = f64(v)
    want = a.copy()
    want[0][:, [3, 1, 0, 2]] = v
    np.testing.assert_array_equal(_np(x), want)
    x = f64(a)
    x[ag.tensor(1), 1:, ag.tensor([True, False, True, False])] = f64(np.ones((2, 2)))
    want = a.copy()
    want[1][1:, [0, 2]] = 1.0
    np.testing.assert_array_equal(_np(x), want)


def test_mixed_getitem_and_setitem_gradients():
    x = _r(2, 3, 4)
    assert ag.gradcheck(lambda t: t[0, :, [0, 2, 2, 3, 1]], (x,))
    assert ag.gradgradcheck(lambda t: t[0, :, [0, 2, 2, 3, 1]] ** 2, (x,))
    assert ag.gradcheck(lambda t: t[1, 1:, [True, False, True, True], None], (x,))

    def write(t, v):
        y = t * 1.0
        y[1, :, [3, 0]] = v
        return y * t

    v = _r(3, 2, seed=1)
    assert ag.gradcheck(write, (x, v))
    assert ag.gradgradcheck(write, (x, v))
    # the gradient of the value: the cotangent at the written places, in torch's order
    y = x.detach() * 1.0
    y.requires_grad_(True)
    z = y * 1.0
    z[0, :, [3, 0]] = v
    g = np.random.default_rng(2).standard_normal((2, 3, 4))
    (gv,) = ag.grad(z, [v], f64(g))
    np.testing.assert_array_equal(_np(gv), g[0][:, [3, 0]])


def test_index_put_keeps_numpy_rule_for_0d_tensors():
    """index_put takes index tensors only: a 0-d one is an advanced index there (not a select),
    in PyTorch as in NumPy."""
    a = np.arange(120.0).reshape(2, 3, 4, 5)
    i, j, k = np.array(1), np.array([0, 2]), np.array([[4], [0]])
    got = f64(a).index_put((_ix(i), _ix(j), _ix(j), _ix(k)), f64(-1.0))
    want = a.copy()
    want[i, j, j, k] = -1.0  # every index advanced, broadcast together: (2, 2) places
    np.testing.assert_array_equal(_np(got), want)
    assert (got.numpy() == -1.0).sum() == 4
    got = f64(a).index_put((_ix(i), _ix(j)), f64(-1.0))
    want = a.copy()
    want[1, [0, 2]] = -1.0
    np.testing.assert_array_equal(_np(got), want)


# a fixed list of indices, each checked against torch: value, gradient, and setitem
_CASES = [
    (0, slice(None), [0, 2, 1]),
    (slice(None), 0, [1, 3]),
    ([1, 0], slice(None), 0),
    (Ellipsis, 0, [1, 1]),
    (None, 0, slice(None), [0, 3]),
    (0, None, slice(1, None), [2, 0]),
    (1, [True, False, True]),
    (0, slice(None), True),
    (True, 0, slice(None), [3, 0, 1]),
    ([0, 1], 0, [1, 2]),
    ([[0], [1]], slice(None), [1, 2]),
    ("t0", slice(None), "t1"),
    ("tT", 0),
    (-1, slice(None, None, 2), [0, 0, 2]),
]


def _to(item, lib, torch=None):
    if isinstance(item, tuple):
        return tuple(_to(i, lib, torch) for i in item)
    mk = (lambda a: ag.tensor(np.asarray(a))) if lib == "ag" else (lambda a: torch.tensor(a))
    if item == "t0":
        return mk(1)
    if item == "t1":
        return mk([0, 3, 3])
    if item == "tT":
        return mk(True)
    if isinstance(item, list):
        return mk(item)
    return item


@pytest.mark.parametrize("index", _CASES, ids=[str(c) for c in _CASES])
def test_getitem_and_setitem_match_torch(index):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((2, 3, 4))
    x, tx = f64(a, True), torch.tensor(a, requires_grad=True)
    y, ty = x[_to(index, "ag")], tx[_to(index, "torch", torch)]
    assert y.shape == tuple(ty.shape)
    np.testing.assert_array_equal(_np(y), ty.detach().numpy())
    g = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(f64(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(_np(x.grad), tx.grad.numpy(), rtol=1e-12, atol=1e-12)
    v = np.random.default_rng(2).standard_normal(y.shape)
    w, tw = f64(a), torch.tensor(a)
    w[_to(index, "ag")] = f64(v)
    tw[_to(index, "torch", torch)] = torch.tensor(v)
    np.testing.assert_array_equal(_np(w), tw.numpy())


def test_random_indices_match_torch():
    """Random mixes of ints, slices, None, Ellipsis, int lists, masks, bools and 0-d tensors
    (torch refuses negative steps, so none here): the same value or the same error."""
    torch = pytest.importorskip("torch")
    rng = random.Random(0)
    shape = (2, 3, 4, 5)
    base = np.arange(120.0).reshape(shape)
    kinds = ["int", "slice", "none", "list", "bool", "mask", "t0", "tb"]
    compared = 0
    for _ in range(300):
        items, dim = [], 0
        length = rng.choice([1, 2])
        for _ in range(rng.randrange(1, 5)):
            kind = rng.choice(kinds)
            size = shape[dim] if dim < len(shape) else 1
            if kind == "int":
                items.append(rng.randrange(-size, size))
            elif kind == "slice":
                items.append(rng.choice([slice(None), slice(1, None), slice(None, None, 2)]))
            elif kind == "none":
                items.append(None)
            elif kind == "list":
                items.append(("list", [rng.randrange(size) for _ in range(length)]))
            elif kind == "bool":
                items.append(True)
            elif kind == "mask":
                items.append(("list", [rng.random() < 0.5 for _ in range(size)]))
            elif kind == "t0":
                items.append(("t0", rng.randrange(size)))
            else:
                items.append(("tb", True))
            dim += kind in ("int", "slice", "list", "mask", "t0")
        if rng.random() < 0.2:
            items.insert(rng.randrange(len(items) + 1), Ellipsis)

        def conv(make, items=items):
            return tuple(make(i[1]) if isinstance(i, tuple) else i for i in items)

        try:
            want = torch.tensor(base)[conv(torch.tensor)].numpy()
        except (IndexError, RuntimeError, ValueError):
            with pytest.raises((IndexError, ValueError, RuntimeError)):
                f64(base)[conv(lambda v: ag.tensor(np.asarray(v)))]
            continue
        got = f64(base)[conv(lambda v: ag.tensor(np.asarray(v)))]
        assert got.shape == want.shape, items
        np.testing.assert_array_equal(_np(got), want, err_msg=str(items))
        compared += 1
    assert compared > 200


# -- 3. flips are copies ---------------------------------------------------------------------------

# name, fn(module, x): the module is autograd or torch
_FLIPS = [
    ("flip", lambda m, x: x.flip(0)),
    ("flip_all", lambda m, x: m.flip(x) if m is ag else m.flip(x, (0, 1, 2))),
    ("fliplr", lambda m, x: m.fliplr(x)),
    ("flipud", lambda m, x: x.flipud()),
    ("rot90", lambda m, x: x.rot90()),
    ("rot90_k2", lambda m, x: m.rot90(x, 2)),
    ("rot90_k3", lambda m, x: m.rot90(x, 3, (0, 2))),
    ("rot90_k-1", lambda m, x: m.rot90(x, -1, (2, 1))),
]


def _with(m, fn):
    return lambda x: fn(m, x)


@pytest.mark.parametrize("name,fn", _FLIPS, ids=[f[0] for f in _FLIPS])
def test_flips_are_copies(name, fn):
    fn = _with(ag, fn)
    a = np.arange(24.0).reshape(2, 3, 4)
    x = f64(a)
    y = fn(x)
    want = _np(y).copy()
    assert y.is_contiguous()
    v0 = x._version
    y.add_(1.0)
    np.testing.assert_array_equal(_np(x), a)  # x unchanged
    assert x._version == v0
    np.testing.assert_array_equal(_np(y), want + 1.0)
    # a record that saved the flipped tensor does not see a change of x
    x = _r(2, 3, 4)
    y = fn(x)
    y0 = _np(y).copy()
    z = (y * y).sum()
    with ag.no_grad():
        x.add_(1.0)
    (gy,) = ag.grad(z, [y])
    np.testing.assert_allclose(_np(gy), 2 * y0)
    # an in-place op on the flip of a tensor that requires grad is recorded (no view refusal)
    x = _r(2, 3, 4)
    y = fn(x)
    y.mul_(3.0)
    y.sum().backward()
    np.testing.assert_allclose(_np(x.grad), np.full((2, 3, 4), 3.0))


@pytest.mark.parametrize("name,fn", _FLIPS, ids=[f[0] for f in _FLIPS])
def test_flips_match_torch(name, fn):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((2, 3, 4))
    fn, tfn = _with(ag, fn), _with(torch, fn)
    x, tx = f64(a, True), torch.tensor(a, requires_grad=True)
    y, ty = fn(x), tfn(tx)
    np.testing.assert_array_equal(_np(y), ty.detach().numpy())
    assert ty.untyped_storage().data_ptr() != tx.untyped_storage().data_ptr()  # a copy in torch
    g = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(f64(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_array_equal(_np(x.grad), tx.grad.numpy())
    assert ag.gradgradcheck(lambda t: fn(t) ** 2, (f64(a, True),))


def test_flip_of_0d_and_float32():
    s = f64(2.0)
    y = s.flip()
    y.add_(1.0)
    assert float(_np(s)) == 2.0 and float(_np(y)) == 3.0
    x = ag.tensor(np.arange(6, dtype=np.float32).reshape(2, 3), requires_grad=True)
    y = x.flip(1)
    assert y.dtype == np.float32
    y.backward(ag.ones(2, 3, dtype=ag.float32))
    assert x.grad.dtype == np.float32


# -- on cuda (the fake CuPy in CI) -----------------------------------------------------------------


@pytest.mark.gpu
def test_index_semantics_on_cuda():
    a = np.random.default_rng(0).standard_normal((2, 3, 4))
    x = ag.tensor(a, device="cuda", requires_grad=True)
    y = x[0, :, [0, 2, 2, 1, 3]]
    assert y.shape == (3, 5) and y.device.startswith("cuda")
    np.testing.assert_array_equal(_np(y), a[0][:, [0, 2, 2, 1, 3]])
    y.backward(ag.ones(3, 5, dtype=ag.float64, device="cuda"))
    want = np.zeros((2, 3, 4))
    np.add.at(want[0], (slice(None), [0, 2, 2, 1, 3]), 1.0)
    np.testing.assert_array_equal(_np(x.grad), want)
    i = ag.tensor([0, 2], device="cuda")
    y = x.index_select(1, i)
    i[0] = 1
    with pytest.raises(RuntimeError, match="used by index_select .*modified in place"):
        y.sum().backward()
    w = ag.tensor(a, device="cuda")
    w[1, :, ag.tensor([3, 0], device="cuda")] = 0.0
    want = a.copy()
    want[1][:, [3, 0]] = 0.0
    np.testing.assert_array_equal(_np(w), want)
    f = w.flip(0)
    f.add_(1.0)
    np.testing.assert_array_equal(_np(w), want)


def test_an_ellipsis_covering_no_dims_keeps_advanced_indices_adjacent():
    x = ag.tensor(np.arange(8.0).reshape(2, 2, 2))
    np.testing.assert_array_equal(x[:, [0, 1], ..., [0, 1]].numpy(), [[0.0, 3.0], [4.0, 7.0]])
    assert ag.zeros(5, 3, 4)[:, [0, 1], ..., [0, 1]].shape == (5, 2)  # torch's
    z = ag.zeros(2, 2, 2, dtype="float64")
    z[:, [0, 1], ..., [0, 1]] = ag.tensor([[1.0, 2.0], [3.0, 4.0]], dtype="float64")
    np.testing.assert_array_equal(z.numpy().ravel(), [1, 0, 0, 2, 3, 0, 0, 4])


def test_a_list_of_sequences_is_read_as_a_tuple_with_a_warning():
    x = ag.zeros(3, 4, 5)
    with pytest.warns(UserWarning, match="non-tuple sequence"):
        assert x[[[0, 1], [2, 0]]].shape == (2, 5)
    with pytest.warns(UserWarning, match="non-tuple sequence"):
        assert x[[ag.tensor(0), ag.tensor(2)]].shape == (5,)
    assert x[[0, 1]].shape == (2, 4, 5)  # a flat list stays an index array


def test_a_one_element_value_fills_one_element():
    a = ag.tensor([1.0, 2.0, 3.0], requires_grad=True) * 1
    v = ag.tensor([5.0], requires_grad=True)
    a[-1] = v
    a.sum().backward()
    np.testing.assert_array_equal(a.detach().numpy(), [1.0, 2.0, 5.0])
    np.testing.assert_array_equal(v.grad.numpy(), [1.0])
    b = ag.zeros(3)
    b[-1] = ag.tensor([[7.0]])
    np.testing.assert_array_equal(b.numpy(), [0.0, 0.0, 7.0])
