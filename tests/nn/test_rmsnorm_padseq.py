"""F.rms_norm / nn.RMSNorm and nn.utils.rnn.pad_sequence: values and gradients against torch
(float32 and float64), gradcheck / gradgradcheck in float64, reprs, errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd import ShapeError

pad_sequence = nn.utils.rnn.pad_sequence


def _a(*shape, seed=0, dtype=np.float64):
    return (np.random.default_rng(seed).standard_normal(shape) * 1.5 + 0.5).astype(dtype)


def _tol(dtype):
    return {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}


# -- rms_norm ----------------------------------------------------------------------------------

CASES = [((4, 6), 6), ((2, 3, 4), (3, 4)), ((2, 3, 2, 4), (3, 2, 4)), ((5,), (5,))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("with_weight", [False, True])
@pytest.mark.parametrize("eps", [None, 1e-3])
@pytest.mark.parametrize("shape, ns", CASES)
def test_rms_norm_matches_torch(shape, ns, eps, with_weight, dtype):
    torch = pytest.importorskip("torch")
    nsh = (ns,) if isinstance(ns, int) else ns
    x = _a(*shape, dtype=dtype)
    w = _a(*nsh, seed=1, dtype=dtype) if with_weight else None
    g = _a(*shape, seed=2, dtype=dtype)
    xo = ag.tensor(x, requires_grad=True)
    wo = None if w is None else ag.tensor(w, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    wt = None if w is None else torch.tensor(w, requires_grad=True)
    y = F.rms_norm(xo, ns, wo, eps)
    yt = torch.nn.functional.rms_norm(xt, list(nsh), wt, eps)
    assert y.dtype == x.dtype and tuple(y.shape) == shape
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), **_tol(dtype))
    y.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), **_tol(dtype))
    assert xo.grad.dtype == x.dtype
    if w is not None:
        np.testing.assert_allclose(wo.grad.numpy(), wt.grad.numpy(), **_tol(dtype))


def test_rms_norm_numpy_reference_and_default_eps():
    x = _a(3, 4) * 1e-5  # tiny values: eps matters, so its default is observable
    axes = (1,)
    for eps, ref_eps in [(None, np.finfo(np.float64).eps), (0.25, 0.25)]:
        ref = x / np.sqrt((x * x).mean(axis=axes, keepdims=True) + ref_eps)
        np.testing.assert_allclose(F.rms_norm(ag.tensor(x), 4, eps=eps).numpy(), ref, rtol=1e-12)
    x32 = x.astype(np.float32)
    ref = x32 / np.sqrt((x32 * x32).mean(axis=1, keepdims=True) + np.finfo(np.float32).eps)
    np.testing.assert_allclose(F.rms_norm(ag.tensor(x32), 4).numpy(), ref, rtol=1e-5)


@pytest.mark.parametrize("shape, ns", [((3, 4), 4), ((2, 3, 2), (3, 2))])
@pytest.mark.parametrize("eps", [None, 0.1])
def test_rms_norm_gradcheck_gradgradcheck(shape, ns, eps):
    nsh = (ns,) if isinstance(ns, int) else ns
    x = ag.tensor(_a(*shape), requires_grad=True)
    w = ag.tensor(_a(*nsh, seed=1), requires_grad=True)
    assert ag.gradcheck(lambda x, w: F.rms_norm(x, ns, w, eps), (x, w))
    assert ag.gradgradcheck(lambda x, w: F.rms_norm(x, ns, w, eps), (x, w))
    assert ag.gradcheck(lambda x: F.rms_norm(x, ns, eps=eps), (x,))
    assert ag.gradgradcheck(lambda x: F.rms_norm(x, ns, eps=eps), (x,))


def test_rms_norm_second_order_matches_torch():
    torch = pytest.importorskip("torch")
    x, w = _a(2, 5), _a(5, seed=1)
    xo, wo = ag.tensor(x, requires_grad=True), ag.tensor(w, requires_grad=True)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    yo = (F.rms_norm(xo, 5, wo) ** 3).sum()
    yt = (torch.nn.functional.rms_norm(xt, [5], wt) ** 3).sum()
    (gxo,) = ag.grad(yo, [xo], create_graph=True)
    (gxt,) = torch.autograd.grad(yt, [xt], create_graph=True)
    np.testing.assert_allclose(gxo.detach().numpy(), gxt.detach().numpy(), rtol=1e-10)
    ho = ag.grad((gxo * gxo).sum(), [xo, wo])
    ht = torch.autograd.grad((gxt * gxt).sum(), [xt, wt])
    for a, b in zip(ho, ht, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-12)


def test_rms_norm_errors():
    x = ag.ones(2, 3, 4)
    with pytest.raises(
        ShapeError, match=r"rms_norm: input of shape .*2, 3, 4.* normalized_shape \(3,\)"
    ):
        F.rms_norm(x, 3)
    with pytest.raises(ShapeError, match=r"rms_norm: .*normalized_shape \(5, 2, 3, 4\)"):
        F.rms_norm(x, (5, 2, 3, 4))
    with pytest.raises(ShapeError, match="rms_norm: normalized_shape must have at least one dim"):
        F.rms_norm(x, ())
    with pytest.raises(ShapeError, match=r"rms_norm: weight must have shape \(4,\), got \(3,\)"):
        F.rms_norm(x, 4, ag.ones(3))
    with pytest.raises(TypeError, match="rms_norm: expected a floating-point input"):
        F.rms_norm(ag.tensor([[1, 2]]), 2)
    with pytest.raises(TypeError, match="rms_norm: weight has dtype float64"):
        F.rms_norm(x, 4, ag.ones(4, dtype=ag.float64))


# -- RMSNorm -----------------------------------------------------------------------------------


def test_rmsnorm_module_repr_params_and_torch_parity():
    torch = pytest.importorskip("torch")
    m = nn.RMSNorm([3, 4])
    mt = torch.nn.RMSNorm([3, 4])
    assert repr(m) == repr(mt) == "RMSNorm((3, 4), eps=None, elementwise_affine=True)"
    assert m.normalized_shape == (3, 4) and m.eps is None
    np.testing.assert_array_equal(m.weight.detach().numpy(), np.ones((3, 4), np.float32))
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    m2 = nn.RMSNorm(4, eps=1e-6, elementwise_affine=False)
    assert repr(m2) == repr(torch.nn.RMSNorm(4, eps=1e-6, elementwise_affine=False))
    assert m2.weight is None and list(m2.parameters()) == []
    m64 = nn.RMSNorm(5, dtype=ag.float64)
    assert m64.weight.dtype == np.float64
    # values and gradients with a trained-looking weight, float32
    w = _a(3, 4, seed=3, dtype=np.float32)
    with ag.no_grad():
        m.weight.copy_(ag.tensor(w))
    with torch.no_grad():
        mt.weight.copy_(torch.tensor(w))
    x = _a(2, 3, 4, dtype=np.float32)
    xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = m(xo), mt(xt)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = _a(2, 3, 4, seed=4, dtype=np.float32)
    y.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m.weight.grad.numpy(), mt.weight.grad.numpy(), rtol=1e-5, atol=1e-5)
    m.reset_parameters()
    np.testing.assert_array_equal(m.weight.detach().numpy(), np.ones((3, 4), np.float32))
    m2.reset_parameters()  # no weight: nothing to do, no error


def test_rmsnorm_module_errors():
    m = nn.RMSNorm([3, 4])
    with pytest.raises(
        ShapeError, match=r"RMSNorm\(\(3, 4\).*expected input ending in \(3, 4\), got \(2, 4\)"
    ):
        m(ag.ones(2, 4))
    with pytest.raises(ShapeError, match=r"RMSNorm.*got \(4,\)"):
        m(ag.ones(4))
    with pytest.raises(TypeError, match="RMSNorm"):
        m([[1.0]])
    with pytest.raises(TypeError, match="RMSNorm: normalized_shape must be an int"):
        nn.RMSNorm(2.5)
    with pytest.raises(ValueError, match="RMSNorm: normalized_shape must be >= 0"):
        nn.RMSNorm((3, -1))


# -- pad_sequence ------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("trailing", [(), (2,), (2, 3)])
def test_pad_sequence_matches_torch(trailing, side, batch_first, dtype):
    torch = pytest.importorskip("torch")
    lengths = [3, 1, 4, 4]
    arrs = [_a(n, *trailing, seed=i, dtype=dtype) for i, n in enumerate(lengths)]
    ours = [ag.tensor(a, requires_grad=True) for a in arrs]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrs]
    y = pad_sequence(ours, batch_first, -2.5, side)
    yt = torch.nn.utils.rnn.pad_sequence(theirs, batch_first, -2.5, side)
    assert tuple(y.shape) == tuple(yt.shape) and y.dtype == dtype
    np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
    g = _a(*y.shape, seed=9, dtype=dtype)
    y.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


def test_pad_sequence_defaults_tensor_input_and_promotion():
    torch = pytest.importorskip("torch")
    a, b = _a(2, 3), _a(3, 3, seed=1)
    y = pad_sequence([ag.tensor(a), ag.tensor(b)])
    ref = np.zeros((3, 2, 3))
    ref[:2, 0], ref[:, 1] = a, b
    np.testing.assert_array_equal(y.detach().numpy(), ref)
    t = _a(2, 3, seed=2)  # a Tensor (B, L): its rows are the sequences
    np.testing.assert_array_equal(
        pad_sequence(ag.tensor(t)).numpy(),
        torch.nn.utils.rnn.pad_sequence(torch.tensor(t)).numpy(),
    )
    mixed = pad_sequence([ag.tensor(a), ag.tensor(b.astype(np.float32))])
    assert mixed.dtype == np.float64
    one = pad_sequence([ag.tensor(a)], batch_first=True)
    np.testing.assert_array_equal(one.detach().numpy(), a[None])


@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pad_sequence_gradcheck_gradgradcheck(side, batch_first):
    xs = [ag.tensor(_a(n, 2, seed=n), requires_grad=True) for n in (2, 4, 1)]

    def f(*s):
        return pad_sequence(list(s), batch_first, 1.5, side) ** 2

    assert ag.gradcheck(f, xs)
    assert ag.gradgradcheck(f, xs)


def test_pad_sequence_errors():
    with pytest.raises(ValueError, match="pad_sequence: padding_side must be 'left' or 'right'"):
        pad_sequence([ag.ones(2)], padding_side="mid")
    with pytest.raises(ValueError, match="pad_sequence: received an empty list"):
        pad_sequence([])
    with pytest.raises(ShapeError, match=r"pad_sequence: sequence 1 has shape \(2, 3\).*\(3, 2\)"):
        pad_sequence([ag.ones(3, 2), ag.ones(2, 3)])
    with pytest.raises(ShapeError, match="pad_sequence: sequence 0 is 0-d"):
        pad_sequence([ag.tensor(1.0), ag.tensor(2.0)])
    with pytest.raises(TypeError, match="pad_sequence: sequence 1 is a list"):
        pad_sequence([ag.ones(2), [1.0]])


def test_utils_rnn_namespace():
    assert "rnn" in nn.utils.__all__
    assert nn.utils.rnn.pad_sequence is pad_sequence
    assert "pad_sequence" in nn.utils.rnn.__all__
    assert "rms_norm" in F.normalization.__all__ and callable(F.rms_norm)
    assert "RMSNorm" in nn.__all__
