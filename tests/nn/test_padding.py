"""nn.padding: the Zero/Constant/Reflection/Replication/Circular padding layers in 1, 2 and 3
dims against PyTorch (values, input gradients, reprs), gradients to second order, the argument
forms, the rank checks and errors naming the layer, and the layers on cuda (``gpu`` marker)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import ShapeError

KINDS = ["ZeroPad", "ConstantPad", "ReflectionPad", "ReplicationPad", "CircularPad"]


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _layer(lib, kind, d, padding, value=1.5):
    cls = getattr(lib, f"{kind}{d}d")
    return cls(padding, value) if kind == "ConstantPad" else cls(padding)


def _paddings(d):
    return [1, tuple(range(2 * d)), tuple([2, -1, 0, 1, 1, 0][: 2 * d]), [0, 2] * d]


def _cases():
    for kind in KINDS:
        for d in (1, 2, 3):
            for i in range(4):
                yield pytest.param(kind, d, i, id=f"{kind}{d}d-pad{i}")


@pytest.mark.parametrize("kind,d,pad_case", list(_cases()))
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_padding_layers_match_torch(torch, kind, d, pad_case, batched, dtype):
    padding = _paddings(d)[pad_case]
    ours, theirs = _layer(nn, kind, d, padding), _layer(torch.nn, kind, d, padding)
    assert repr(ours) == repr(theirs)
    shape = ((2,) if batched else ()) + (3,) + (6, 5, 4)[3 - d :]
    rng = np.random.default_rng(pad_case)
    a = rng.standard_normal(shape).astype(dtype)
    x, xt = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, yt = ours(x), theirs(xt)
    assert y.shape == tuple(yt.shape) and y.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
    g = rng.standard_normal(tuple(yt.shape)).astype(dtype)
    y.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    tol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=tol, atol=tol)


def test_reprs_and_argument_forms(torch):
    tnn = torch.nn
    for ours, theirs in [
        (nn.ZeroPad2d(1), tnn.ZeroPad2d(1)),
        (nn.ZeroPad1d([1, 2]), tnn.ZeroPad1d([1, 2])),  # a list is kept as a tuple
        (nn.ConstantPad2d(1, 3), tnn.ConstantPad2d(1, 3)),
        (nn.ConstantPad1d((1, 2), 0.5), tnn.ConstantPad1d((1, 2), 0.5)),
        (nn.ConstantPad3d((1, 2, 0, 0, 3, 1), -2.0), tnn.ConstantPad3d((1, 2, 0, 0, 3, 1), -2.0)),
        (nn.ReflectionPad3d(2), tnn.ReflectionPad3d(2)),
        (nn.ReplicationPad2d((0, 1, 2, 3)), tnn.ReplicationPad2d((0, 1, 2, 3))),
        (nn.CircularPad1d(1), tnn.CircularPad1d(1)),
    ]:
        assert repr(ours) == repr(theirs)
        assert ours.padding == theirs.padding
    assert nn.ConstantPad2d(1, 3).value == 3


def test_padding_values():
    x = ag.tensor(np.arange(1.0, 4.0).reshape(1, 3))
    np.testing.assert_array_equal(nn.ReflectionPad1d(2)(x).numpy(), [[3, 2, 1, 2, 3, 2, 1]])
    np.testing.assert_array_equal(nn.ReplicationPad1d(2)(x).numpy(), [[1, 1, 1, 2, 3, 3, 3]])
    np.testing.assert_array_equal(nn.CircularPad1d(2)(x).numpy(), [[2, 3, 1, 2, 3, 1, 2]])
    np.testing.assert_array_equal(nn.ConstantPad1d((1, 0), 9)(x).numpy(), [[9, 1, 2, 3]])
    np.testing.assert_array_equal(nn.ZeroPad1d((-1, 1))(x).numpy(), [[2, 3, 0]])  # crop left
    ints = nn.ZeroPad2d(1)(ag.tensor(np.arange(4).reshape(2, 2)))  # any rank >= d
    assert ints.dtype == np.int64 and ints.shape == (4, 4)
    assert nn.ZeroPad3d(1)(ag.zeros(1, 1, 2, 2, 2)).shape == (1, 1, 4, 4, 4)
    assert nn.ReplicationPad1d(1)(ag.zeros(0, 3, 4)).shape == (0, 3, 6)  # an empty batch


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("d", [1, 2, 3])
def test_padding_gradcheck_and_gradgradcheck(kind, d):
    padding = (2, 1, 0, 2, 1, 1)[: 2 * d]
    layer = _layer(nn, kind, d, padding)
    x = ag.tensor(np.random.default_rng(d).standard_normal((1, 1) + (3,) * d),
                  requires_grad=True)  # fmt: skip
    assert ag.gradcheck(layer, (x,))
    assert ag.gradgradcheck(lambda t: layer(t) ** 3, (x,))


def test_rank_errors_name_the_layer():
    with pytest.raises(ShapeError, match=r"ReflectionPad2d\(\(1, 1, 1, 1\)\): expected a 3-D "
                       r"\(unbatched\) or 4-D \(batched\) input, got shape \(3, 4\)"):  # fmt: skip
        nn.ReflectionPad2d(1)(ag.randn(3, 4))
    with pytest.raises(ShapeError, match=r"ReplicationPad1d\(\(1, 1\)\): .* got shape \(4,\)"):
        nn.ReplicationPad1d(1)(ag.randn(4))
    with pytest.raises(ShapeError, match=r"CircularPad3d\(.*\): expected a 4-D .*\(2, 3, 4\)"):
        nn.CircularPad3d(1)(ag.randn(2, 3, 4))
    with pytest.raises(ShapeError, match=r"ReflectionPad2d\(.*\): .* got shape \(1, 2, 3, 3, 4\)"):
        nn.ReflectionPad2d(1)(ag.randn(1, 2, 3, 3, 4))
    with pytest.raises(ShapeError, match=r"ZeroPad2d\(\(1, 1, 1, 1\)\): expected an input of at "
                       r"least 2 dims, got shape \(4,\)"):  # fmt: skip
        nn.ZeroPad2d(1)(ag.randn(4))
    with pytest.raises(ShapeError, match=r"ConstantPad3d\(padding=.*value=2.0\): .*least 3 dims"):
        nn.ConstantPad3d(1, 2.0)(ag.randn(4, 5))
    with pytest.raises(ShapeError, match=r"ReflectionPad1d\(\(1, 1\)\): expected non-empty .*"
                       r"\(2, 0, 4\)"):  # fmt: skip
        nn.ReflectionPad1d(1)(ag.randn(2, 0, 4))
    with pytest.raises(TypeError, match="ZeroPad1d.*expected a Tensor input, got list"):
        nn.ZeroPad1d(1)([1.0, 2.0])


def test_size_errors_name_the_layer():
    with pytest.raises(ShapeError, match=r"ReflectionPad2d\(\(3, 0, 0, 0\)\): reflect padding "
                       r"\(3, 0\) .*less than the dimension size 3"):  # fmt: skip
        nn.ReflectionPad2d((3, 0, 0, 0))(ag.randn(1, 3, 3))
    with pytest.raises(ShapeError, match=r"CircularPad1d\(\(5, 5\)\): circular padding"):
        nn.CircularPad1d(5)(ag.randn(2, 3))


def test_constructor_errors():
    with pytest.raises(ValueError, match=r"ZeroPad2d: padding must be an int or a tuple of 4 "
                       r"ints, got \(1, 2\)"):  # fmt: skip
        nn.ZeroPad2d((1, 2))
    with pytest.raises(ValueError, match="ReflectionPad3d: padding must be .* 6 ints"):
        nn.ReflectionPad3d((1, 1, 1, 1))
    with pytest.raises(TypeError, match="ZeroPad1d: padding must be an int or a tuple of 2"):
        nn.ZeroPad1d(2.5)
    with pytest.raises(TypeError, match="CircularPad2d: padding must be"):
        nn.CircularPad2d((1, 1, 1, True))
    with pytest.raises(TypeError, match="ConstantPad1d: value must be a number, got '0'"):
        nn.ConstantPad1d(1, "0")


@pytest.mark.gpu
@pytest.mark.parametrize("kind", KINDS)
def test_padding_layers_on_cuda_match_cpu(kind):
    a = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    layer = _layer(nn, kind, 2, (1, 2, 2, 0))
    res, g = [], np.random.default_rng(1).standard_normal((2, 3, 6, 8))
    for dev in ("cpu", "cuda"):
        x = ag.tensor(a, device=dev, requires_grad=True)
        y = layer(x)
        y.backward(ag.tensor(g, device=dev))
        assert y.device.startswith(dev) and x.grad.device.startswith(dev)
        res.append((y.detach().cpu().numpy(), x.grad.cpu().numpy()))
    np.testing.assert_array_equal(res[1][0], res[0][0])
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-13, atol=1e-13)


@pytest.mark.gpu
def test_padding_gradgradcheck_on_cuda():
    x = ag.tensor(np.random.default_rng(0).standard_normal((1, 2, 3)), device="cuda",
                  requires_grad=True)  # fmt: skip
    assert ag.gradgradcheck(lambda t: nn.ReflectionPad1d((2, 1))(t) ** 3, (x,))
