"""BatchNorm (running statistics, eval behaviour, momentum), LayerNorm and GroupNorm: forward
against NumPy references, gradcheck / gradgradcheck, layers, torch parity."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

from .helpers import check_module_grads


def _t(a, requires_grad=False):
    return ag.tensor(a, dtype=ag.float64, requires_grad=requires_grad)


def _x(*shape, seed=0, scale=2.0, shift=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale + shift


def ref_norm(x, axes, eps=1e-5):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps)


# -- batch norm --------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 3, 4, 5), (2, 3, 2, 3, 2)])
def test_batch_norm_training_forward_and_running_stats(shape):
    x = _x(*shape)
    axes = (0,) + tuple(range(2, len(shape)))
    w, b = _x(3, seed=1), _x(3, seed=2)
    rm, rv = ag.zeros(3, dtype=ag.float64), ag.ones(3, dtype=ag.float64)
    y = F.batch_norm(_t(x), rm, rv, _t(w), _t(b), training=True, momentum=0.3)
    bshape = (1, 3) + (1,) * (len(shape) - 2)
    ref = ref_norm(x, axes) * w.reshape(bshape) + b.reshape(bshape)
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-10, atol=1e-12)
    n = x.size // 3
    np.testing.assert_allclose(rm.numpy(), 0.3 * x.mean(axis=axes), rtol=1e-12)
    # running variance uses the unbiased batch variance, as PyTorch
    np.testing.assert_allclose(rv.numpy(), 0.7 + 0.3 * x.var(axis=axes) * n / (n - 1), rtol=1e-12)


def test_batch_norm_layer_running_stats_over_steps_and_eval():
    bn = nn.BatchNorm2d(3).double()
    xs = [_x(4, 3, 5, 5, seed=s) for s in range(4)]
    rm, rv = np.zeros(3), np.ones(3)
    for x in xs:
        bn(_t(x))
        rm = 0.9 * rm + 0.1 * x.mean(axis=(0, 2, 3))
        rv = 0.9 * rv + 0.1 * x.var(axis=(0, 2, 3), ddof=1)
    np.testing.assert_allclose(bn.running_mean.numpy(), rm, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), rv, rtol=1e-12)
    assert bn.num_batches_tracked.item() == 4
    bn.eval()
    x = _x(2, 3, 4, 4, seed=9)
    y = bn(_t(x)).detach().numpy()
    ref = (x - rm.reshape(1, 3, 1, 1)) / np.sqrt(rv.reshape(1, 3, 1, 1) + 1e-5)
    np.testing.assert_allclose(y, ref, rtol=1e-10, atol=1e-12)
    bn(_t(x))
    assert bn.num_batches_tracked.item() == 4  # eval leaves the statistics alone
    np.testing.assert_allclose(bn.running_mean.numpy(), rm, rtol=1e-12)


def test_batch_norm_cumulative_average_and_no_tracking():
    bn = nn.BatchNorm1d(2, momentum=None).double()
    xs = [_x(5, 2, seed=s) for s in range(3)]
    for x in xs:
        bn(_t(x))
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean([x.mean(0) for x in xs], axis=0))
    free = nn.BatchNorm1d(2, track_running_stats=False, affine=False).double().eval()
    assert free.running_mean is None and list(free.parameters()) == []
    x = _x(5, 2, seed=7)
    np.testing.assert_allclose(free(_t(x)).numpy(), ref_norm(x, (0,)), rtol=1e-10, atol=1e-12)


def test_batch_norm_eval_with_affine_gradients():
    bn = nn.BatchNorm2d(3).double()
    bn.running_mean.copy_(_t(_x(3, seed=3)))
    bn.running_var.copy_(_t(np.abs(_x(3, seed=4)) + 0.5))
    bn.weight.detach().copy_(_t(_x(3, seed=5)))
    bn.eval()
    check_module_grads(bn, _t(_x(2, 3, 3, 2, seed=6), True))


@pytest.mark.parametrize("shape", [(5, 3), (3, 3, 2, 4)])
def test_batch_norm_training_gradcheck_and_gradgradcheck(shape):
    w, b = _t(_x(3, seed=1), True), _t(_x(3, seed=2), True)
    x = _t(_x(*shape), True)

    def f(x, w, b):
        return F.batch_norm(x, None, None, w, b, training=True)

    assert ag.gradcheck(f, (x, w, b))
    assert ag.gradgradcheck(f, (x, w, b))


def test_batch_norm_errors_and_repr():
    bn = nn.BatchNorm2d(16)
    assert repr(bn) == (
        "BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    )
    with pytest.raises(ag.ShapeError, match=r"BatchNorm2d\(16.*16 channels, got \(2, 3, 4, 4\)"):
        bn(ag.zeros(2, 3, 4, 4))
    with pytest.raises(ag.ShapeError, match="4-D input, got"):
        bn(ag.zeros(2, 16, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(4)(ag.zeros(1, 4))
    assert set(bn.state_dict()) == {
        "weight",
        "bias",
        "running_mean",
        "running_var",
        "num_batches_tracked",
    }


# -- layer norm / group norm -------------------------------------------------------------------


@pytest.mark.parametrize("shape, ns", [((4, 6), 6), ((2, 3, 4, 5), (4, 5)), ((3, 2, 5), (2, 5))])
def test_layer_norm_forward_and_gradchecks(shape, ns):
    nsh = (ns,) if isinstance(ns, int) else ns
    x = _x(*shape)
    w, b = _x(*nsh, seed=1), _x(*nsh, seed=2)
    axes = tuple(range(len(shape) - len(nsh), len(shape)))
    y = F.layer_norm(_t(x), ns, _t(w), _t(b))
    np.testing.assert_allclose(y.numpy(), ref_norm(x, axes) * w + b, rtol=1e-10, atol=1e-12)
    args = (_t(x, True), _t(w, True), _t(b, True))
    assert ag.gradcheck(lambda x, w, b: F.layer_norm(x, ns, w, b), args)
    assert ag.gradgradcheck(lambda x, w, b: F.layer_norm(x, ns, w, b), args)
    assert ag.gradcheck(lambda x: F.layer_norm(x, ns), (_t(x, True),))


@pytest.mark.parametrize("shape, groups", [((2, 6, 3, 2), 3), ((3, 4, 5), 1), ((2, 4), 4)])
def test_group_norm_forward_and_gradchecks(shape, groups):
    x = _x(*shape)
    C = shape[1]
    w, b = _x(C, seed=1), _x(C, seed=2)
    xs = x.reshape(shape[0], groups, -1)
    bshape = (1, C) + (1,) * (len(shape) - 2)
    ref = ref_norm(xs, (2,)).reshape(shape) * w.reshape(bshape) + b.reshape(bshape)
    np.testing.assert_allclose(F.group_norm(_t(x), groups, _t(w), _t(b)).numpy(), ref, rtol=1e-10)
    args = (_t(x, True), _t(w, True), _t(b, True))
    assert ag.gradcheck(lambda x, w, b: F.group_norm(x, groups, w, b), args)
    assert ag.gradgradcheck(lambda x, w, b: F.group_norm(x, groups, w, b), args)


def test_norm_layers_defaults_repr_and_gradcheck():
    ln = nn.LayerNorm((3, 4)).double()
    assert repr(ln) == "LayerNorm((3, 4), eps=1e-05, elementwise_affine=True, bias=True)"
    assert np.all(ln.weight.detach().numpy() == 1) and np.all(ln.bias.detach().numpy() == 0)
    check_module_grads(ln, _t(_x(2, 3, 4), True))
    gn = nn.GroupNorm(2, 4).double()
    assert repr(gn) == "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"
    check_module_grads(gn, _t(_x(2, 4, 3), True))
    with pytest.raises(ValueError, match="divisible by num_groups"):
        nn.GroupNorm(3, 4)
    with pytest.raises(
        ag.ShapeError, match=r"LayerNorm\(\(3, 4\).*ending in \(3, 4\), got \(2, 4, 3\)"
    ):
        ln(ag.zeros(2, 4, 3, dtype=ag.float64))
    assert nn.LayerNorm(4, bias=False).bias is None
    assert nn.LayerNorm(4, elementwise_affine=False).weight is None


def test_norm_float32_stays_float32():
    x = ag.tensor(_x(4, 3, 2, 2).astype(np.float32), requires_grad=True)
    for layer in (nn.BatchNorm2d(3), nn.GroupNorm(3, 3), nn.LayerNorm((2, 2))):
        y = layer(x)
        y.sum().backward()
        assert y.dtype == np.float32 and x.grad.dtype == np.float32
        x.grad = None


# -- torch parity ------------------------------------------------------------------------------


def _parity(ours_fn, torch_fn, x, params, torch):
    ours = [_t(a, True) for a in [x] + params]
    theirs = [torch.tensor(a, requires_grad=True) for a in [x] + params]
    y, yt = ours_fn(*ours), torch_fn(*theirs)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(1).standard_normal(yt.shape)
    y.backward(_t(g))
    yt.backward(torch.tensor(g))
    for a, at in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), at.grad.numpy(), rtol=1e-9, atol=1e-11)


def test_batch_norm_torch_parity():
    torch = pytest.importorskip("torch")
    x, w, b = _x(4, 3, 5, 2), _x(3, seed=1), _x(3, seed=2)
    rm, rv = ag.zeros(3, dtype=ag.float64), ag.ones(3, dtype=ag.float64)
    rmt, rvt = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    tF = torch.nn.functional
    _parity(
        lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.2),
        lambda x, w, b: tF.batch_norm(x, rmt, rvt, w, b, training=True, momentum=0.2),
        x, [w, b], torch,
    )  # fmt: skip
    np.testing.assert_allclose(rm.numpy(), rmt.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv.numpy(), rvt.numpy(), rtol=1e-12)
    _parity(
        lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False),
        lambda x, w, b: torch.nn.functional.batch_norm(x, rmt, rvt, w, b, training=False),
        x, [w, b], torch,
    )  # fmt: skip


def test_layer_and_group_norm_torch_parity():
    torch = pytest.importorskip("torch")
    x = _x(2, 6, 4, 3)
    _parity(
        lambda x, w, b: F.layer_norm(x, (4, 3), w, b),
        lambda x, w, b: torch.nn.functional.layer_norm(x, (4, 3), w, b),
        x, [_x(4, 3, seed=1), _x(4, 3, seed=2)], torch,
    )  # fmt: skip
    _parity(
        lambda x, w, b: F.group_norm(x, 3, w, b),
        lambda x, w, b: torch.nn.functional.group_norm(x, 3, w, b),
        x, [_x(6, seed=1), _x(6, seed=2)], torch,
    )  # fmt: skip


def test_batch_norm_refuses_integer_running_stats_before_updating_any():
    """An integer running_var is refused with the buffer's name before running_mean moves."""
    rm, rv = ag.zeros(3), ag.tensor([1, 1, 1])
    with pytest.raises(TypeError, match="batch_norm: running_var has dtype int64 but the input"):
        F.batch_norm(ag.randn(4, 3), rm, rv, training=True)
    assert rm.numpy().tolist() == [0.0, 0.0, 0.0] and rm._version == 0


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: nn.BatchNorm1d(3).double(), "running_mean"),
        (lambda: nn.LayerNorm(3).double(), "weight"),
        (lambda: nn.GroupNorm(1, 3).double(), "weight"),
    ],
)
@pytest.mark.parametrize("training", [True, False])
def test_norm_layers_refuse_an_input_of_another_dtype(make, name, training):
    """A float32 input on a float64 layer is refused in the forward (it used to return float32
    in training, float64 in eval, and fail in backward)."""
    m = make()
    m.train(training)
    x = ag.randn(4, 3, requires_grad=True)
    with pytest.raises(TypeError, match=rf"_norm: {name} has dtype float64 but the input"):
        m(x)
    y = m(x.double())
    assert y.dtype == np.float64
    y.sum().backward()
