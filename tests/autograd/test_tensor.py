"""The Tensor API: construction, factories, dtypes and promotion, properties, conversion, errors."""

from __future__ import annotations

import pickle
import re
import types

import numpy as np
import pytest

import autograd as ag

# -- construction -------------------------------------------------------------------------------


def test_tensor_default_dtypes():
    assert ag.tensor([1.0, 2.0]).dtype == np.float32
    assert ag.tensor(1.5).dtype == np.float32
    assert ag.tensor([1, 2]).dtype == np.int64
    assert ag.tensor([True, False]).dtype == np.bool_
    assert ag.tensor(np.array([1.0, 2.0])).dtype == np.float64  # arrays keep their dtype
    assert ag.tensor(np.array([1, 2], dtype=np.int32)).dtype == np.int32
    assert ag.get_default_dtype() == np.float32


@pytest.mark.parametrize(
    "dtype", [ag.float16, ag.float32, ag.float64, ag.int32, ag.int64, ag.bool_, "float64", "long"]
)
def test_tensor_explicit_dtypes(dtype):
    t = ag.tensor([[0, 1], [1, 0]], dtype=dtype)
    assert t.dtype == np.dtype({"long": "int64"}.get(dtype, dtype))
    assert t.shape == (2, 2)
    np.testing.assert_array_equal(t.numpy(), np.array([[0, 1], [1, 0]], dtype=t.dtype))


def test_tensor_copies_and_from_numpy_shares():
    a = np.array([1.0, 2.0])
    t = ag.tensor(a)
    a[0] = 5.0
    assert t[0].item() == 1.0
    s = ag.from_numpy(a)
    a[1] = 7.0
    assert s.tolist() == [5.0, 7.0]


def test_tensor_of_tensors():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    t = ag.tensor([x[0], x[1] * 2.0])
    assert not t.requires_grad and t.is_leaf
    assert t.tolist() == [1.0, 4.0]


def test_unsupported_dtypes_raise():
    with pytest.raises(TypeError):
        ag.tensor(["a", "b"])
    with pytest.raises(TypeError):
        ag.from_dlpack(np.zeros(2, dtype=np.uint64))
    with pytest.raises(TypeError):
        ag.zeros(2, dtype="complex256")
    with pytest.raises(TypeError):
        ag.tensor(np.array([1], dtype=np.uint32))


def test_set_default_dtype():
    try:
        ag.set_default_dtype(ag.float64)
        assert ag.tensor([1.0]).dtype == np.float64
        assert ag.zeros(2).dtype == np.float64
        assert ag.randn(2).dtype == np.float64
        with pytest.raises(TypeError):
            ag.set_default_dtype(ag.int32)
    finally:
        ag.set_default_dtype(ag.float32)
    assert ag.tensor([1.0]).dtype == np.float32


# -- factories ----------------------------------------------------------------------------------


def test_constant_factories():
    z = ag.zeros(2, 3)
    assert z.shape == (2, 3) and z.dtype == np.float32 and not z.numpy().any()
    assert ag.zeros((2, 3)).shape == (2, 3)
    assert ag.zeros([4]).shape == (4,)
    assert ag.zeros(()).shape == ()
    o = ag.ones(3, dtype=ag.float64)
    assert o.dtype == np.float64 and o.tolist() == [1.0, 1.0, 1.0]
    f = ag.full((2, 2), 7.5)
    assert f.dtype == np.float32 and (f.numpy() == 7.5).all()
    assert ag.full((2,), 3).dtype == np.int64
    assert ag.full((2,), np.int64(3)).dtype == np.int64
    assert ag.full((2,), True).dtype == np.bool_
    assert ag.full(3, 1.0).shape == (3,)
    assert ag.empty(4, 5).shape == (4, 5)
    e = ag.eye(3)
    np.testing.assert_array_equal(e.numpy(), np.eye(3, dtype=np.float32))
    assert ag.eye(2, 4).shape == (2, 4)
    with pytest.raises(ValueError):
        ag.zeros(-1)
    with pytest.raises(ValueError):
        ag.zeros(2, device="tpu")


def test_ranges():
    a = ag.arange(5)
    assert a.dtype == np.int64 and a.tolist() == [0, 1, 2, 3, 4]
    assert ag.arange(2, 8, 3).tolist() == [2, 5]
    b = ag.arange(0.0, 1.0, 0.25)
    assert b.dtype == np.float32
    np.testing.assert_allclose(b.numpy(), [0.0, 0.25, 0.5, 0.75])
    assert ag.arange(3, dtype=ag.float64).dtype == np.float64
    with pytest.raises(ValueError):
        ag.arange(0, 5, 0)
    ls = ag.linspace(0, 1, 5)
    assert ls.dtype == np.float32
    np.testing.assert_allclose(ls.numpy(), [0.0, 0.25, 0.5, 0.75, 1.0])
    assert ag.linspace(0, 1, 0).shape == (0,)


def test_random_factories_and_seed_reproducibility():
    ag.manual_seed(123)
    a = [ag.rand(3, 4), ag.randn(2, 2), ag.randint(0, 10, (5,)), ag.randint(4, size=(2, 3))]
    ag.manual_seed(123)
    b = [ag.rand(3, 4), ag.randn(2, 2), ag.randint(0, 10, (5,)), ag.randint(4, size=(2, 3))]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    ag.manual_seed(124)
    assert not np.array_equal(ag.rand(3, 4).numpy(), a[0].numpy())
    r, n, i = a[0], a[1], a[2]
    assert r.dtype == np.float32 and r.shape == (3, 4)
    assert ((r.numpy() >= 0) & (r.numpy() < 1)).all()
    assert n.dtype == np.float32 and n.shape == (2, 2)
    assert i.dtype == np.int64 and ((i.numpy() >= 0) & (i.numpy() < 10)).all()
    assert a[3].shape == (2, 3) and (a[3].numpy() < 4).all()
    with pytest.raises(ValueError):
        ag.randint(5, 5)


def test_rng_state_and_generator():
    state = ag.get_rng_state()
    x = ag.randn(4)
    ag.set_rng_state(state)
    np.testing.assert_array_equal(ag.randn(4).numpy(), x.numpy())
    g1, g2 = np.random.default_rng(7), np.random.default_rng(7)
    np.testing.assert_array_equal(
        ag.rand(3, generator=g1).numpy(), ag.rand(3, generator=g2).numpy()
    )
    with pytest.raises(TypeError):
        ag.manual_seed(1.5)
    with pytest.raises(TypeError):
        ag.rand(2, generator=42)


def test_random_float_factories_reject_integer_dtypes():
    with pytest.raises(TypeError):
        ag.rand(3, dtype=ag.int64)
    with pytest.raises(TypeError):
        ag.randn_like(ag.tensor([1, 2]))


def test_like_factories():
    x = ag.tensor(np.ones((2, 3)))  # float64
    for f in (ag.zeros_like, ag.ones_like, ag.empty_like, ag.rand_like, ag.randn_like):
        y = f(x)
        assert y.shape == (2, 3) and y.dtype == np.float64 and y.device == "cpu"
    assert ag.zeros_like(x).numpy().sum() == 0
    assert ag.ones_like(x).numpy().sum() == 6
    fl = ag.full_like(x, 2.5)
    assert fl.dtype == np.float64 and (fl.numpy() == 2.5).all()
    assert ag.zeros_like(x, dtype=ag.int32).dtype == np.int32
    ri = ag.randint_like(x, 3, 7)
    assert ri.shape == (2, 3) and ((ri.numpy() >= 3) & (ri.numpy() < 7)).all()
    i = ag.tensor([1, 2])
    assert ag.zeros_like(i).dtype == np.int64
    assert ag.ones_like(x, requires_grad=True).requires_grad


def test_factories_requires_grad():
    for t in (ag.zeros(2, requires_grad=True), ag.randn(2, requires_grad=True),
              ag.linspace(0, 1, 3, requires_grad=True)):  # fmt: skip
        assert t.requires_grad and t.is_leaf
    with pytest.raises(RuntimeError):
        ag.arange(3, requires_grad=True)  # int64


# -- promotion (NumPy 2) ------------------------------------------------------------------------


def test_python_scalars_never_widen():
    x = ag.tensor([1.0, 2.0])
    for y in (x * 2.0, 2.0 * x, x + 1, x - 0.5, 1.0 - x, x / 3.0, 3.0 / x, x**2.0, -x):
        assert y.dtype == np.float32
    h = ag.tensor([1.0], dtype=ag.float16)
    assert (h * 2.0).dtype == np.float16
    i = ag.tensor([1, 2], dtype=ag.int32)
    assert (i + 1).dtype == np.int32


def test_int_tensor_with_float_scalar_becomes_float():
    i = ag.tensor([1, 2])
    y = i + 1.5
    assert y.dtype.kind == "f"
    np.testing.assert_allclose(y.numpy(), [2.5, 3.5])
    assert (i * 0.5).dtype.kind == "f"
    assert (i / 2).dtype.kind == "f"


def test_tensor_tensor_promotion():
    a32 = ag.tensor([1.0], dtype=ag.float32)
    a64 = ag.tensor([1.0], dtype=ag.float64)
    i64 = ag.tensor([1])
    assert (a32 + a64).dtype == np.float64
    assert (a32 * i64).dtype == np.float64  # numpy's rule for int64 with float32
    assert (ag.tensor([1], dtype=ag.int32) + i64).dtype == np.int64


# -- properties ---------------------------------------------------------------------------------


def test_shape_properties():
    x = ag.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4)
    assert x.ndim == 3 and x.dim() == 3
    assert x.size() == (2, 3, 4)
    assert x.size(1) == 3 and x.size(-1) == 4
    assert x.numel() == 24
    assert x.dtype == np.float32
    assert x.device == "cpu" and not x.is_cuda
    assert len(x) == 2
    with pytest.raises(IndexError, match="size"):
        x.size(3)


def test_requires_grad_and_leaves():
    x = ag.tensor([1.0, 2.0])
    assert not x.requires_grad and x.is_leaf and x.grad_fn is None and x.grad is None
    assert x.requires_grad_() is x
    assert x.requires_grad and x.is_leaf
    y = x * 2.0
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    with pytest.raises(RuntimeError):
        y.requires_grad_(False)
    x.requires_grad_(False)
    assert not x.requires_grad
    x.requires_grad = True
    assert x.requires_grad
    z = ag.tensor([1.0]) * 2.0  # made by an op, but nothing required grad: a leaf
    assert z.is_leaf and not z.requires_grad


@pytest.mark.parametrize("dtype", [ag.int32, ag.int64, ag.bool_])
def test_requires_grad_on_integer_tensor_raises(dtype):
    with pytest.raises(RuntimeError, match="floating point"):
        ag.tensor([1, 0], dtype=dtype, requires_grad=True)
    t = ag.tensor([1, 0], dtype=dtype)
    with pytest.raises(RuntimeError, match="floating point"):
        t.requires_grad_()
    assert not t.requires_grad


def test_detach():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    assert np.shares_memory(d.numpy(), y.detach().numpy())
    np.testing.assert_array_equal(d.numpy(), [3.0, 6.0])
    y.detach_()
    assert y.is_leaf and not y.requires_grad


def test_grad_setter_validates():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    x.grad = ag.tensor([0.5, 0.5])
    assert x.grad.tolist() == [0.5, 0.5]
    with pytest.raises(ValueError):
        x.grad = ag.tensor([1.0, 2.0, 3.0])
    with pytest.raises(TypeError):
        x.grad = np.ones(2)
    x.grad = None
    assert x.grad is None


# -- conversion ---------------------------------------------------------------------------------


def test_numpy_and_array_protocol():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    n = x.numpy()
    assert isinstance(n, np.ndarray) and n.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(x), n)
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    assert not np.shares_memory(np.array(x, copy=True), n)
    r = ag.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        r.numpy()
    assert r.detach().numpy().tolist() == [1.0]
    np.testing.assert_array_equal(np.asarray(r), [1.0])


def test_item_tolist_len_iter_and_python_numbers():
    assert ag.tensor(2.5).item() == 2.5
    assert isinstance(ag.tensor([3]).item(), int)
    assert ag.tensor([[1.5]]).item() == 1.5
    with pytest.raises(RuntimeError, match="2 elements"):
        ag.tensor([1.0, 2.0]).item()
    x = ag.tensor([[1, 2], [3, 4]])
    assert x.tolist() == [[1, 2], [3, 4]]
    assert len(x) == 2
    rows = list(x)
    assert [r.tolist() for r in rows] == [[1, 2], [3, 4]]
    assert all(isinstance(r, ag.Tensor) for r in rows)
    with pytest.raises(TypeError):
        len(ag.tensor(1.0))
    with pytest.raises(TypeError):
        iter(ag.tensor(1.0))
    assert float(ag.tensor([2.0])) == 2.0 and int(ag.tensor(3)) == 3
    assert bool(ag.tensor([1.0])) and not bool(ag.tensor(0.0))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(ag.tensor([1.0, 2.0]))
    assert [10, 20, 30][ag.tensor(1)] == 20  # __index__


def test_iteration_is_differentiable():
    x = ag.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    total = sum(t * float(k) for k, t in enumerate(x))
    total.backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 1.0, 2.0])


def test_repr_shows_values_dtype_and_grad_state():
    x = ag.tensor([1.5, -2.0])
    r = repr(x)
    assert r.startswith("tensor(") and "1.5" in r and "-2." in r and "dtype=float32" in r
    assert "requires_grad" not in r and "grad_fn" not in r
    x.requires_grad_()
    assert "requires_grad=True" in repr(x)
    y = x * x
    assert "grad_fn=<MulBackward>" in repr(y)
    assert "int64" in repr(ag.tensor([1, 2]))


def test_dlpack_round_trip():
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    t = ag.from_dlpack(a)
    assert t.shape == (2, 3) and t.dtype == np.float64
    assert np.shares_memory(t.numpy(), a)  # zero-copy
    back = np.from_dlpack(t)
    np.testing.assert_array_equal(back, a)
    assert np.shares_memory(back, a)
    t2 = ag.from_dlpack(ag.tensor([1, 2], dtype=ag.int32))
    assert t2.dtype == np.int32 and t2.tolist() == [1, 2]


def test_pickle_round_trip():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = pickle.loads(pickle.dumps(x))
    assert y.requires_grad and y.tolist() == [1.0, 2.0] and y.dtype == np.float32


def test_ndarray_times_tensor_returns_tensor_and_keeps_graph():
    x = ag.tensor(np.array([1.0, 2.0]), requires_grad=True)
    a = np.array([3.0, 4.0])
    for y in (a * x, a + x, a - x, a / x, x * a):
        assert isinstance(y, ag.Tensor) and y.requires_grad
    (a * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), a)
    m = np.ones((2, 2)) @ ag.tensor(np.eye(2))
    assert isinstance(m, ag.Tensor)
    c = a > ag.tensor([3.5, 3.5])
    assert isinstance(c, ag.Tensor) and c.dtype == np.bool_ and c.tolist() == [False, True]


def test_conversions_between_dtypes():
    x = ag.tensor(np.array([1.7, -2.2]), requires_grad=True)
    assert x.float().dtype == np.float32
    assert x.half().dtype == np.float16
    assert x.int().tolist() == [1, -2] and not x.int().requires_grad
    assert x.long().dtype == np.int64
    assert x.bool().dtype == np.bool_
    assert x.double() is x
    y = x.float()
    y.sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])
    assert x.to(ag.float32).dtype == np.float32
    assert x.to("cpu") is x


# -- devices ------------------------------------------------------------------------------------


class _FakeCudaArray(np.ndarray):
    """A numpy array pretending to live on cuda:0 (to reach the device check without a GPU)."""

    __module__ = "cupy._fake"

    @property
    def device(self):
        return types.SimpleNamespace(id=0)


def test_device_mismatch_message_simulated():
    a = ag.ones(2, 3)
    b = ag.from_numpy(np.ones((3, 2), dtype=np.float32).view(_FakeCudaArray))
    assert b.device == "cuda:0"
    msg = "Expected all tensors to be on the same device, but got cpu and cuda:0 (in matmul)"
    with pytest.raises(RuntimeError, match=re.escape(msg)):
        a @ b
    with pytest.raises(RuntimeError, match=re.escape("but got cpu and cuda:0 (in add)")):
        ag.add(a, b.T)


@pytest.mark.gpu
def test_device_mismatch_message_real():
    a = ag.ones(2, 3)
    b = ag.ones(3, 2, device="cuda")
    msg = "Expected all tensors to be on the same device, but got cpu and cuda:0 (in matmul)"
    with pytest.raises(RuntimeError, match=re.escape(msg)):
        a @ b


def test_cuda_without_gpu_says_why():
    from backends import cupy_or_none

    if cupy_or_none() is not None:
        pytest.skip("a GPU is present")
    with pytest.raises(RuntimeError, match="not available"):
        ag.zeros(2, device="cuda")


# -- errors -------------------------------------------------------------------------------------


def test_matmul_shape_error_message():
    with pytest.raises(ag.ShapeError) as e:
        ag.ones(2, 3) @ ag.ones(4, 5)
    assert str(e.value) == "matmul: (2, 3) @ (4, 5): inner dimensions 3 and 4 differ"
    assert isinstance(e.value, ValueError) and isinstance(e.value, RuntimeError)


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum"])
def test_broadcast_mismatch_raises_shape_error_naming_op(op):
    x, y = ag.ones(2, 3), ag.ones(4)
    fn = {
        "add": lambda: x + y,
        "sub": lambda: x - y,
        "mul": lambda: x * y,
        "div": lambda: x / y,
        "maximum": lambda: ag.maximum(x, y),
    }[op]
    with pytest.raises(ag.ShapeError) as e:
        fn()
    msg = str(e.value)
    assert msg.startswith(op) and "(2, 3)" in msg and "(4,)" in msg


def test_bad_dim_raises_index_error():
    x = ag.ones(2, 3)
    with pytest.raises(IndexError, match="dim 2"):
        x.sum(dim=2)
    with pytest.raises(IndexError):
        x.mean(dim=-3)
    with pytest.raises(IndexError):
        x.transpose(0, 5)
    with pytest.raises(IndexError):
        _ = ag.ones(2).mT


def test_from_numpy_of_a_memmap_shares_the_file_and_mixes_with_other_tensors(tmp_path):
    m = np.memmap(tmp_path / "m.dat", dtype=np.float64, mode="w+", shape=(4,))
    t = ag.from_numpy(m)
    np.testing.assert_array_equal((t + ag.ones(4, dtype=ag.float64)).numpy(), np.ones(4))
    assert "tensor" in repr(t)
    t[1] = 5.0
    m.flush()
    back = np.memmap(tmp_path / "m.dat", dtype=np.float64, mode="r", shape=(4,))
    np.testing.assert_array_equal(back, [0.0, 5.0, 0.0, 0.0])
