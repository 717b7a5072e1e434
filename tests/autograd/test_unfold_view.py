"""Tensor.unfold is a view (PyTorch's): windows of the input's memory sharing its version
counter; writes into overlapping windows are refused (MemoryOverlapError)."""

import numpy as np
import pytest

import autograd as ag
from autograd._inplace_views import MemoryOverlapError, check_overlap

_OVERLAP = "more than one element of the written-to tensor"


def _t(a, rg=False):
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=rg)


@pytest.mark.parametrize(
    "shape,dim,size,step",
    [
        ((6,), 0, 2, 1),
        ((2, 7, 3), 1, 3, 2),
        ((2, 5, 4), -1, 2, 2),
        ((4, 3), 0, 4, 1),
        ((5,), 0, 0, 2),
    ],
)
def test_values_and_strides_as_torch(shape, dim, size, step):
    torch = pytest.importorskip("torch")
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    u = _t(a).unfold(dim, size, step)
    tu = torch.from_numpy(a).unfold(dim, size, step)
    assert tuple(u.shape) == tuple(tu.shape)
    assert u.stride() == tu.stride()
    np.testing.assert_array_equal(u.numpy(), tu.numpy())


def test_write_to_base_reaches_unfold_as_torch():
    torch = pytest.importorskip("torch")
    x = ag.arange(6.0)
    u = x.unfold(0, 2, 1)
    x[0] = 100
    tx = torch.arange(6.0)
    tu = tx.unfold(0, 2, 1)
    tx[0] = 100
    np.testing.assert_array_equal(u.numpy(), tu.numpy())
    assert u[0].tolist() == [100.0, 1.0]
    x.mul_(2)
    assert u[4].tolist() == [8.0, 10.0]


def test_shares_version_counter_and_base():
    x = ag.arange(6.0)
    u = x.unfold(0, 3, 3)
    assert u._base is x and u._version == x._version
    x.add_(1)
    assert u._version == x._version == 1
    u.add_(1)  # non-overlapping windows: allowed, and seen by x
    assert x._version == 2
    assert x.tolist() == [2.0, 3.0, 4.0, 5.0, 6.0, 7.0]


def test_saved_unfold_backward_raises_after_base_changes():
    a = _t(np.arange(6.0), rg=True)
    x = a * 1
    y = (x.unfold(0, 2, 1) ** 2).sum()  # pow saves the unfold view
    with ag.no_grad():
        x.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation|version"):
        y.backward()


def test_write_through_unfold_reaches_base_and_grad_as_torch():
    torch = pytest.importorskip("torch")
    a = _t(np.arange(6.0), rg=True)
    x = a * 1
    x.unfold(0, 2, 2).mul_(_t([2.0, 3.0]))
    c = np.random.default_rng(0).standard_normal(6)
    (x * _t(c)).sum().backward()
    ta = torch.arange(6.0, dtype=torch.float64, requires_grad=True)
    tx = ta * 1
    tx.unfold(0, 2, 2).mul_(torch.tensor([2.0, 3.0], dtype=torch.float64))
    (tx * torch.from_numpy(c)).sum().backward()
    np.testing.assert_allclose(x.detach().numpy(), tx.detach().numpy())
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy())


@pytest.mark.parametrize("rg", [False, True])
@pytest.mark.parametrize(
    "write",
    [
        lambda u: u.add_(1),
        lambda u: u.mul_(2),
        lambda u: u.fill_(3),
        lambda u: u.copy_(ag.ones(5, 2, dtype=ag.float64)),
        lambda u: u.__setitem__((1, 1), 7.0),
    ],
    ids=["add_", "mul_", "fill_", "copy_", "setitem"],
)
def test_write_into_overlapping_windows_refused(write, rg):
    a = _t(np.arange(6.0), rg=rg)
    x = a * 1
    u = x.unfold(0, 2, 1)
    with pytest.raises(MemoryOverlapError, match=_OVERLAP):
        write(u)
    assert x.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0] and x._version == 0


def test_write_into_one_window_of_overlapping_unfold_allowed():
    x = ag.arange(6.0)
    u = x.unfold(0, 2, 1)
    u[1].add_(10)  # one window: no overlap inside it
    assert x.tolist() == [0.0, 11.0, 12.0, 3.0, 4.0, 5.0]
    assert u[0].tolist() == [0.0, 11.0]


@pytest.mark.parametrize(
    "shape,strides,overlap",
    [
        ((5, 2), (8, 8), True),  # unfold(0, 2, 1)
        ((3, 2), (16, 8), False),  # unfold(0, 2, 2)
        ((2, 2), (24, 16), False),  # interleaved, no overlap (exact check)
        ((2, 3), (16, 8), True),
        ((3, 4), (32, 0), True),
        ((4,), (-8,), False),
    ],
)
def test_check_overlap_layouts(shape, strides, overlap):
    base = np.zeros(64)
    a = np.lib.stride_tricks.as_strided(base[32:], shape, strides)
    if overlap:
        with pytest.raises(MemoryOverlapError, match=_OVERLAP):
            check_overlap(a, "op")
    else:
        check_overlap(a, "op")


def test_gradcheck_and_gradgradcheck_unchanged():
    rng = np.random.default_rng(1)
    x = _t(rng.standard_normal((2, 7, 3)), rg=True)
    assert ag.gradcheck(lambda t: t.unfold(1, 3, 2), (x,))
    assert ag.gradgradcheck(lambda t: t.unfold(1, 3, 1), (x,))
    assert ag.gradcheck(lambda t: t[:, ::2].unfold(-1, 2, 1), (x,))  # strided input
    assert ag.gradgradcheck(lambda t: t.transpose(0, 2).unfold(0, 2, 1), (x,))


def test_grad_sums_overlapping_windows_as_torch():
    torch = pytest.importorskip("torch")
    a = np.arange(12.0).reshape(3, 4)
    g = np.random.default_rng(2).standard_normal((3, 2, 3))
    x = _t(a, rg=True)
    x.unfold(1, 3, 1).backward(_t(g))
    tx = torch.from_numpy(a).requires_grad_()
    tx.unfold(1, 3, 1).backward(torch.from_numpy(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


def test_float32_and_zero_dim():
    x = ag.arange(5.0)
    assert x.unfold(0, 2, 2).dtype == ag.float32
    s = ag.tensor(3.0)
    assert tuple(s.unfold(0, 1, 1).shape) == (1,) and tuple(s.unfold(0, 0, 1).shape) == (0,)
