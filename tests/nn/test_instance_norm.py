"""Instance normalisation: F.instance_norm and nn.InstanceNorm1d/2d/3d. Forward and running
statistics against a NumPy reference, gradcheck / gradgradcheck, train / eval, unbatched inputs,
affine and track_running_stats on and off, errors, and parity with torch (skipped without it)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

from .helpers import check_module_grads

LAYERS = {1: nn.InstanceNorm1d, 2: nn.InstanceNorm2d, 3: nn.InstanceNorm3d}
SHAPES = {1: (3, 4, 5), 2: (2, 4, 3, 5), 3: (2, 4, 3, 2, 3)}  # (N, C, *S), C = 4


def _t(a, requires_grad=False):
    return ag.tensor(a, dtype=ag.float64, requires_grad=requires_grad)


def _x(*shape, seed=0, scale=2.0, shift=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale + shift


def _bshape(x):
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def ref_instance_norm(x, w=None, b=None, eps=1e-5):
    """Each (n, c) slice of x (N, C, *S) standardised over S (biased variance)."""
    axes = tuple(range(2, x.ndim))
    y = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    if w is not None:
        y = y * w.reshape(_bshape(x))
    if b is not None:
        y = y + b.reshape(_bshape(x))
    return y


def ref_running(rm, rv, x, momentum):
    """PyTorch's update: the instance statistics (variance unbiased) averaged over the batch."""
    axes = tuple(range(2, x.ndim))
    mean = x.mean(axis=axes).mean(axis=0)
    var = x.var(axis=axes, ddof=1).mean(axis=0)
    return (1 - momentum) * rm + momentum * mean, (1 - momentum) * rv + momentum * var


def ref_eval(x, rm, rv, w=None, b=None, eps=1e-5):
    bs = _bshape(x)
    y = (x - rm.reshape(bs)) / np.sqrt(rv.reshape(bs) + eps)
    if w is not None:
        y = y * w.reshape(bs)
    if b is not None:
        y = y + b.reshape(bs)
    return y


# -- functional --------------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_functional_forward_and_running_stats(dim):
    x = _x(*SHAPES[dim])
    w, b = _x(4, seed=1), _x(4, seed=2)
    rm0, rv0 = _x(4, seed=3), np.abs(_x(4, seed=4)) + 0.5
    rm, rv = _t(rm0), _t(rv0)
    y = F.instance_norm(_t(x), rm, rv, _t(w), _t(b), use_input_stats=True, momentum=0.3)
    np.testing.assert_allclose(
        y.detach().numpy(), ref_instance_norm(x, w, b), rtol=1e-10, atol=1e-12
    )
    erm, erv = ref_running(rm0, rv0, x, 0.3)
    np.testing.assert_allclose(rm.numpy(), erm, rtol=1e-12)
    np.testing.assert_allclose(rv.numpy(), erv, rtol=1e-12)
    # without running statistics or affine parameters
    y = F.instance_norm(_t(x))
    np.testing.assert_allclose(y.detach().numpy(), ref_instance_norm(x), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_functional_with_running_stats_only(dim):
    """use_input_stats=False: a per-channel affine map with the running statistics, which are
    left unchanged."""
    x = _x(*SHAPES[dim], seed=5)
    w, b = _x(4, seed=1), _x(4, seed=2)
    rm0, rv0 = _x(4, seed=3), np.abs(_x(4, seed=4)) + 0.5
    rm, rv = _t(rm0), _t(rv0)
    y = F.instance_norm(_t(x), rm, rv, _t(w), _t(b), use_input_stats=False)
    np.testing.assert_allclose(
        y.detach().numpy(), ref_eval(x, rm0, rv0, w, b), rtol=1e-10, atol=1e-12
    )
    y = F.instance_norm(_t(x), rm, rv, use_input_stats=False)
    np.testing.assert_allclose(y.detach().numpy(), ref_eval(x, rm0, rv0), rtol=1e-10, atol=1e-12)
    assert rm.numpy().tolist() == rm0.tolist() and rv.numpy().tolist() == rv0.tolist()


@pytest.mark.parametrize("shape", [(3, 2, 4), (2, 3, 2, 3), (2, 2, 2, 1, 2)])
@pytest.mark.parametrize("affine", [True, False])
def test_functional_gradcheck_and_gradgradcheck(shape, affine):
    C = shape[1]
    x = _t(_x(*shape), True)
    params = (_t(_x(C, seed=1), True), _t(_x(C, seed=2), True)) if affine else ()
    rm, rv = _t(np.zeros(C)), _t(np.ones(C))

    def f(x, *wb):
        # running statistics given: their in-place update must not disturb the gradients
        return F.instance_norm(x, rm, rv, *wb, use_input_stats=True)

    assert ag.gradcheck(f, (x,) + params)
    assert ag.gradgradcheck(f, (x,) + params)


def test_functional_running_stats_gradcheck_and_gradgradcheck():
    x = _t(_x(2, 3, 4), True)
    w, b = _t(_x(3, seed=1), True), _t(_x(3, seed=2), True)
    rm, rv = _t(_x(3, seed=3)), _t(np.abs(_x(3, seed=4)) + 0.5)

    def f(x, w, b):
        return F.instance_norm(x, rm, rv, w, b, use_input_stats=False)

    assert ag.gradcheck(f, (x, w, b))
    assert ag.gradgradcheck(f, (x, w, b))


def test_functional_errors():
    x = ag.zeros(2, 3, 4, dtype=ag.float64)
    with pytest.raises(ag.ShapeError, match=r"instance_norm: .*\(N, C, \*S\), got \(3,\)"):
        F.instance_norm(ag.zeros(3, dtype=ag.float64))
    with pytest.raises(ag.ShapeError, match=r"instance_norm: weight must have shape \(3,\), got"):
        F.instance_norm(x, weight=ag.ones(4, dtype=ag.float64))
    with pytest.raises(ValueError, match=r"instance_norm: expected more than 1 spatial element "):
        F.instance_norm(ag.zeros(2, 3, 1, 1, dtype=ag.float64))
    with pytest.raises(ValueError, match=r"more than 1 spatial element.*\(2, 3\)"):
        F.instance_norm(ag.zeros(2, 3, dtype=ag.float64))
    with pytest.raises(ValueError, match="running_mean and running_var must be given"):
        F.instance_norm(x, use_input_stats=False)
    with pytest.raises(TypeError, match="instance_norm: expected a floating-point input"):
        F.instance_norm(ag.tensor([[[1, 2]]]))
    # a bad running_var is refused before running_mean moves
    rm, rv = ag.zeros(3, dtype=ag.float64), ag.ones(3)
    with pytest.raises(TypeError, match="instance_norm: running_var has dtype float32 but the"):
        F.instance_norm(_t(_x(2, 3, 4)), rm, rv)
    assert rm.numpy().tolist() == [0.0, 0.0, 0.0] and rm._version == 0
    # with the running statistics, a single spatial element is fine (nothing is estimated)
    y = F.instance_norm(ag.ones(2, 3, 1), ag.zeros(3), ag.ones(3), use_input_stats=False)
    assert y.shape == (2, 3, 1)


# -- layers ------------------------------------------------------------------------------------


def test_layer_defaults_repr_and_state():
    m = nn.InstanceNorm2d(4)
    assert repr(m) == (
        "InstanceNorm2d(4, eps=1e-05, momentum=0.1, affine=False, bias=False, "
        "track_running_stats=False)"
    )
    assert list(m.parameters()) == [] and m.running_mean is None and m.weight is None
    assert list(m.state_dict()) == []
    m = nn.InstanceNorm1d(4, affine=True, track_running_stats=True)
    assert set(m.state_dict()) == {
        "weight",
        "bias",
        "running_mean",
        "running_var",
        "num_batches_tracked",
    }
    assert np.all(m.weight.detach().numpy() == 1) and np.all(m.bias.detach().numpy() == 0)
    assert np.all(m.running_mean.numpy() == 0) and np.all(m.running_var.numpy() == 1)
    m = nn.InstanceNorm3d(2, affine=True, bias=False, dtype=ag.float64)
    assert m.bias is None and m.weight.dtype == np.float64


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_layer_tracking_train_then_eval(dim):
    m = LAYERS[dim](4, affine=True, track_running_stats=True, momentum=0.2).double()
    w, b = _x(4, seed=1), _x(4, seed=2)
    m.weight.detach().copy_(_t(w))
    m.bias.detach().copy_(_t(b))
    rm, rv = np.zeros(4), np.ones(4)
    for s in range(3):
        x = _x(*SHAPES[dim], seed=10 + s)
        y = m(_t(x))
        np.testing.assert_allclose(
            y.detach().numpy(), ref_instance_norm(x, w, b), rtol=1e-10, atol=1e-12
        )
        rm, rv = ref_running(rm, rv, x, 0.2)
    np.testing.assert_allclose(m.running_mean.numpy(), rm, rtol=1e-12)
    np.testing.assert_allclose(m.running_var.numpy(), rv, rtol=1e-12)
    assert m.num_batches_tracked.item() == 0  # as PyTorch: instance norm never counts batches
    m.eval()
    x = _x(*SHAPES[dim], seed=20)
    y = m(_t(x))
    np.testing.assert_allclose(
        y.detach().numpy(), ref_eval(x, rm, rv, w, b), rtol=1e-10, atol=1e-12
    )
    np.testing.assert_allclose(m.running_mean.numpy(), rm, rtol=1e-12)  # eval leaves them


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_layer_without_tracking_uses_instance_stats_in_eval(dim):
    m = LAYERS[dim](4).double()
    x = _x(*SHAPES[dim])
    ref = ref_instance_norm(x)
    np.testing.assert_allclose(m(_t(x)).detach().numpy(), ref, rtol=1e-10, atol=1e-12)
    m.eval()
    np.testing.assert_allclose(m(_t(x)).detach().numpy(), ref, rtol=1e-10, atol=1e-12)


def test_layer_momentum_none_leaves_running_stats():
    """As PyTorch: InstanceNorm passes momentum 0 when momentum is None."""
    m = nn.InstanceNorm1d(4, track_running_stats=True, momentum=None).double()
    m(_t(_x(3, 4, 5)))
    assert np.all(m.running_mean.numpy() == 0) and np.all(m.running_var.numpy() == 1)


@pytest.mark.parametrize("dim", [1, 2, 3])
@pytest.mark.parametrize("affine, track", [(True, True), (False, False), (False, True)])
def test_layer_unbatched_matches_a_batch_of_one(dim, affine, track):
    x = _x(*SHAPES[dim][1:], seed=3)  # (C, *S)
    a = LAYERS[dim](4, affine=affine, track_running_stats=track).double()
    b = LAYERS[dim](4, affine=affine, track_running_stats=track).double()
    w, bias = (_x(4, seed=1), _x(4, seed=2)) if affine else (None, None)
    if affine:
        for m in (a, b):
            m.weight.detach().copy_(_t(w))
            m.bias.detach().copy_(_t(bias))
    xa, xb = _t(x, True), _t(x[None], True)
    ya, yb = a(xa), b(xb)
    assert ya.shape == x.shape
    ref = ref_instance_norm(x[None], w, bias)[0]
    np.testing.assert_allclose(ya.detach().numpy(), ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy()[0], rtol=1e-12, atol=1e-14)
    g = _x(*x.shape, seed=4)
    ya.backward(_t(g))
    yb.backward(_t(g[None]))
    np.testing.assert_allclose(xa.grad.numpy(), xb.grad.numpy()[0], rtol=1e-12, atol=1e-14)
    if track:
        np.testing.assert_allclose(a.running_var.numpy(), b.running_var.numpy(), rtol=1e-12)
        a.eval()
        b.eval()
        np.testing.assert_allclose(
            a(_t(x)).detach().numpy(), b(_t(x[None])).detach().numpy()[0], rtol=1e-12
        )


@pytest.mark.parametrize("dim", [1, 2])
def test_layer_gradcheck_and_gradgradcheck(dim):
    m = LAYERS[dim](3, affine=True, track_running_stats=True).double()
    m.weight.detach().copy_(_t(_x(3, seed=1)))
    m.bias.detach().copy_(_t(_x(3, seed=2)))
    shape = (2, 3) + (3,) * dim
    check_module_grads(m, _t(_x(*shape), True), second_order=True)
    check_module_grads(m, _t(_x(*shape[1:]), True), second_order=True)  # unbatched
    m.eval()
    check_module_grads(m, _t(_x(*shape), True), second_order=True)


def test_layer_float32_stays_float32():
    x = ag.tensor(_x(2, 3, 4, 4).astype(np.float32), requires_grad=True)
    m = nn.InstanceNorm2d(3, affine=True, track_running_stats=True)
    y = m(x)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32
    assert m.running_var.dtype == np.float32 and m.weight.grad.dtype == np.float32


def test_layer_errors():
    m = nn.InstanceNorm2d(4, affine=True)
    with pytest.raises(ag.ShapeError, match=r"InstanceNorm2d\(4.*3-D or 4-D input, got \(2, 4\)"):
        m(ag.zeros(2, 4))
    with pytest.raises(
        ag.ShapeError, match=r"InstanceNorm2d\(4.*4 channels \(dim 1\), got \(2, 3, 5, 5\)"
    ):
        m(ag.zeros(2, 3, 5, 5))
    with pytest.raises(ag.ShapeError, match=r"4 channels \(dim 0\), got \(3, 5, 5\)"):
        m(ag.zeros(3, 5, 5))
    with pytest.raises(ag.ShapeError, match=r"InstanceNorm1d\(4.*4 channels.*got \(2, 3, 5\)"):
        nn.InstanceNorm1d(4, track_running_stats=True)(ag.zeros(2, 3, 5))
    with pytest.raises(TypeError, match=r"InstanceNorm1d\(4.*expected a Tensor input"):
        nn.InstanceNorm1d(4)(np.zeros((2, 4, 5)))
    # num_features unused: a warning, as PyTorch
    with pytest.warns(UserWarning, match=r"InstanceNorm1d\(4.*4 channels.*got \(2, 3, 5\)"):
        y = nn.InstanceNorm1d(4)(ag.randn(2, 3, 5))
    assert y.shape == (2, 3, 5)
    # one spatial element per instance: no statistics to estimate
    t = nn.InstanceNorm3d(4, track_running_stats=True)
    with pytest.raises(
        ValueError,
        match=r"InstanceNorm3d\(4.*more than 1 spatial element when training, got input of "
        r"shape \(4, 1, 1, 1\)",
    ):
        t(ag.zeros(4, 1, 1, 1))
    assert np.all(t.running_mean.numpy() == 0)
    with pytest.raises(ValueError, match=r"more than 1 spatial element.*\(2, 4, 1\)"):
        nn.InstanceNorm1d(4).eval()(ag.zeros(2, 4, 1))  # instance statistics in eval too
    t.eval()  # ... but the running statistics need none
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert t(ag.zeros(4, 1, 1, 1)).shape == (4, 1, 1, 1)
    with pytest.raises(TypeError, match="instance_norm: weight has dtype float32 but the input"):
        m(ag.zeros(2, 4, 3, 3, dtype=ag.float64))


# -- torch parity ------------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_torch_parity(dim):
    torch = pytest.importorskip("torch")
    ours = LAYERS[dim](4, affine=True, track_running_stats=True, momentum=0.3).double()
    theirs = getattr(torch.nn, f"InstanceNorm{dim}d")(
        4, affine=True, track_running_stats=True, momentum=0.3, dtype=torch.float64
    )
    w, b = _x(4, seed=1), _x(4, seed=2)
    for p, v in ((ours.weight, w), (ours.bias, b)):
        p.detach().copy_(_t(v))
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(w))
        theirs.bias.copy_(torch.tensor(b))
    assert repr(ours) == repr(theirs)

    def step(shape, seed):
        x = _x(*shape, seed=seed)
        xo, xt = _t(x, True), torch.tensor(x, requires_grad=True)
        y, yt = ours(xo), theirs(xt)
        np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
        g = _x(*yt.shape, seed=seed + 100, scale=1.0, shift=0.0)
        y.backward(_t(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-11)
        for p, pt in ((ours.weight, theirs.weight), (ours.bias, theirs.bias)):
            np.testing.assert_allclose(p.grad.numpy(), pt.grad.numpy(), rtol=1e-9, atol=1e-11)
            p.grad, pt.grad = None, None
        for name in ("running_mean", "running_var"):
            np.testing.assert_allclose(
                getattr(ours, name).numpy(), getattr(theirs, name).numpy(), rtol=1e-12
            )

    step(SHAPES[dim], 0)
    step(SHAPES[dim][1:], 1)  # unbatched
    ours.eval()
    theirs.eval()
    step(SHAPES[dim], 2)
    step(SHAPES[dim][1:], 3)
    # the functional form, without running statistics
    x = _x(*SHAPES[dim], seed=4)
    np.testing.assert_allclose(
        F.instance_norm(_t(x), eps=1e-3).numpy(),
        torch.nn.functional.instance_norm(torch.tensor(x), eps=1e-3).numpy(),
        rtol=1e-10,
        atol=1e-12,
    )


@pytest.mark.gpu
def test_layer_on_cuda_matches_cpu():
    """Forward, gradients and running statistics on cupy arrays match the CPU (skipped without
    a GPU)."""
    x = _x(2, 3, 4, 5)
    g = _x(2, 3, 4, 5, seed=1, scale=1.0, shift=0.0)
    out = {}
    for dev in ("cpu", "cuda"):
        m = nn.InstanceNorm2d(3, affine=True, track_running_stats=True).double().to(dev)
        xt = ag.tensor(x, dtype=ag.float64, device=dev, requires_grad=True)
        y = m(xt)
        y.backward(ag.tensor(g, dtype=ag.float64, device=dev))
        m.eval()
        z = m(ag.tensor(x[0], dtype=ag.float64, device=dev))  # unbatched, running statistics
        assert y.device.startswith(dev) and xt.grad.device.startswith(dev)
        out[dev] = [
            t.detach().cpu().numpy()
            for t in (y, xt.grad, m.weight.grad, m.bias.grad, m.running_var, z)
        ]
    for a, b in zip(out["cpu"], out["cuda"]):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)
