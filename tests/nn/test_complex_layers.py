"""Complex layers: F.linear / nn.Linear with complex weights and inputs (PyTorch's conjugate
gradient convention), complex initialisers, Module.to / float / double with complex dtypes, and
state dicts and checkpoints that keep complex dtypes."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
import optim

from .helpers import check_module_grads


def _c(*shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def _leaf(*shape, seed=0):
    return ag.tensor(_c(*shape, seed=seed), requires_grad=True)


# -- F.linear ------------------------------------------------------------------------------------


@pytest.mark.parametrize("x_shape", [(2, 3, 4), (4,), (0, 4)], ids=["batched", "1d", "empty"])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_complex_gradcheck_and_gradgradcheck(x_shape, bias):
    x, w = _leaf(*x_shape, seed=1), _leaf(5, 4, seed=2)
    args = (x, w, _leaf(5, seed=3)) if bias else (x, w)
    assert ag.gradcheck(lambda *a: F.linear(*a), args)
    assert ag.gradgradcheck(lambda *a: F.linear(*a), args)
    # a real loss of a complex output (non-holomorphic on top): the gradient through it
    assert ag.gradgradcheck(lambda *a: F.linear(*a).abs(), args)


def test_linear_complex_gradient_is_conjugate_convention():
    """gx = gy @ conj(W), gW = gy^T conj(x), gb = sum gy (by hand)."""
    x, w, b = _leaf(3, 4, seed=1), _leaf(2, 4, seed=2), _leaf(2, seed=3)
    gy = _c(3, 2, seed=4)
    y = F.linear(x, w, b)
    np.testing.assert_allclose(y.detach().numpy(), x._data @ w._data.T + b._data, rtol=1e-13)
    y.backward(ag.tensor(gy))
    np.testing.assert_allclose(x.grad.numpy(), gy @ w._data.conj(), rtol=1e-13)
    np.testing.assert_allclose(w.grad.numpy(), gy.T @ x._data.conj(), rtol=1e-13)
    np.testing.assert_allclose(b.grad.numpy(), gy.sum(0), rtol=1e-13)


def test_linear_complex_matches_torch():
    torch = pytest.importorskip("torch")
    x, w, b = _leaf(2, 3, 4, seed=1), _leaf(5, 4, seed=2), _leaf(5, seed=3)
    xt, wt, bt = (torch.tensor(t._data.copy(), requires_grad=True) for t in (x, w, b))
    gy = _c(2, 3, 5, seed=4)
    y = F.linear(x, w, b)
    yt = torch.nn.functional.linear(xt, wt, bt)
    y.backward(ag.tensor(gy))
    yt.backward(torch.tensor(gy))
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-13)
    for ours, theirs in ((x, xt), (w, wt), (b, bt)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-13)


def test_linear_refuses_mixed_real_and_complex():
    lin = nn.Linear(4, 3, dtype=ag.cdouble)
    with pytest.raises(TypeError, match="float64 and weight dtype complex128"):
        lin(ag.randn(2, 4, dtype=ag.float64))
    with pytest.raises(TypeError, match="differ"):
        F.linear(_leaf(2, 4), ag.randn(3, 4, dtype=ag.float64))


# -- nn.Linear -----------------------------------------------------------------------------------


def test_complex_linear_layer_dtypes_init_and_grads():
    lin = nn.Linear(400, 30, dtype=ag.cfloat)
    assert lin.weight.dtype == np.complex64 and lin.bias.dtype == np.complex64
    bound = 1 / math.sqrt(400)  # PyTorch: each part U(-1/sqrt(in), 1/sqrt(in))
    for t in (lin.weight, lin.bias):
        d = t.detach().numpy()
        for part in (d.real, d.imag):
            assert np.abs(part).max() <= bound * (1 + 1e-6)
            assert np.abs(part).max() > 0.8 * bound
    y = lin(ag.tensor(_c(2, 400)).to(ag.cfloat))
    assert y.dtype == np.complex64 and y.shape == (2, 30)

    lin64 = nn.Linear(4, 3, dtype=ag.cdouble)
    check_module_grads(lin64, _leaf(2, 4), second_order=True, atol=1e-7, rtol=1e-6)


def test_complex_linear_trains_like_torch():
    """nn.Linear(cdouble) + Adam on a complex least-squares problem: the same trajectory as
    torch (weights copied across), and the loss goes down."""
    torch = pytest.importorskip("torch")
    X, Y = _c(16, 4, seed=5), _c(16, 2, seed=6)
    lin = nn.Linear(4, 2, dtype=ag.cdouble)
    lin_t = torch.nn.Linear(4, 2, dtype=torch.cdouble)
    with torch.no_grad():
        lin_t.weight.copy_(torch.tensor(lin.weight.detach().numpy()))
        lin_t.bias.copy_(torch.tensor(lin.bias.detach().numpy()))
    opt = optim.Adam(lin.parameters(), lr=0.05)
    opt_t = torch.optim.Adam(lin_t.parameters(), lr=0.05)
    Xa, Ya, Xt, Yt = ag.tensor(X), ag.tensor(Y), torch.tensor(X), torch.tensor(Y)
    losses = []
    for _ in range(10):
        opt.zero_grad()
        loss = ((lin(Xa) - Ya).abs() ** 2).mean()
        loss.backward()
        opt.step()
        opt_t.zero_grad()
        loss_t = ((lin_t(Xt) - Yt).abs() ** 2).mean()
        loss_t.backward()
        opt_t.step()
        losses.append(loss.item())
        assert loss.item() == pytest.approx(loss_t.item(), rel=1e-12)
    np.testing.assert_allclose(lin.weight.detach().numpy(), lin_t.weight.detach().numpy(),
                               rtol=0, atol=1e-12)  # fmt: skip
    assert losses[-1] < 0.8 * losses[0]


# -- init ----------------------------------------------------------------------------------------


def test_uniform_and_normal_on_complex_tensors():
    g = np.random.default_rng(0)
    t = nn.init.uniform_(ag.empty(20000, dtype=ag.cdouble), -1.0, 3.0, generator=g)
    d = t.numpy()
    for part in (d.real, d.imag):  # each part U(-1, 3): mean 1, std 4 / sqrt(12)
        assert part.min() >= -1.0 and part.max() <= 3.0
        assert part.mean() == pytest.approx(1.0, abs=0.05)
        assert part.std() == pytest.approx(4 / math.sqrt(12), rel=0.03)
    t = nn.init.normal_(ag.empty(20000, dtype=ag.cfloat), 3.0, 2.0, generator=g)
    d = t.numpy()
    assert t.dtype == np.complex64
    for part in (d.real, d.imag):  # each part N(3, 2^2 / 2): total variance 4 (PyTorch's)
        assert part.mean() == pytest.approx(3.0, abs=0.05)
        assert part.std() == pytest.approx(2.0 / math.sqrt(2), rel=0.03)
    w = nn.init.kaiming_normal_(ag.empty(200, 50, dtype=ag.cdouble), generator=g).numpy()
    assert np.abs(w).std() > 0 and (np.abs(w) ** 2).mean() == pytest.approx(2 / 50, rel=0.05)


def test_real_initialisers_draw_as_before():
    """The complex branch leaves the real draws (and so every seeded model) unchanged."""
    t = nn.init.uniform_(ag.empty(5, dtype=ag.float64), -2.0, 2.0,
                         generator=np.random.default_rng(3))  # fmt: skip
    np.testing.assert_array_equal(t.numpy(), np.random.default_rng(3).uniform(-2.0, 2.0, 5))
    t = nn.init.normal_(ag.empty(5, dtype=ag.float64), 1.0, 0.5, generator=np.random.default_rng(3))
    np.testing.assert_array_equal(t.numpy(), np.random.default_rng(3).normal(1.0, 0.5, 5))


def test_complex_init_refusals_and_fills():
    for fn in (nn.init.trunc_normal_, nn.init.orthogonal_):
        t = ag.zeros(3, 3, dtype=ag.cdouble)
        with pytest.raises(TypeError, match="complex tensors are not supported"):
            fn(t)
        assert not t.numpy().any()
    e = nn.init.eye_(ag.empty(2, 3, dtype=ag.cfloat)).numpy()
    np.testing.assert_array_equal(e, np.eye(2, 3))
    assert e.dtype == np.complex64


# -- Module.to and dtype casts -------------------------------------------------------------------


def test_module_to_complex_and_real_casts():
    model = nn.Sequential(nn.Linear(3, 2, dtype=ag.float64), nn.Linear(2, 2, dtype=ag.cdouble))
    w0 = model[0].weight.detach().numpy().copy()
    p0 = model[0].weight
    model.to(ag.cfloat)
    assert model[0].weight is p0 and p0.dtype == np.complex64
    np.testing.assert_allclose(p0.detach().numpy(), w0.astype(np.complex64))
    model.to(ag.cdouble)
    with pytest.warns(np.exceptions.ComplexWarning, match="discards the imaginary part"):
        model[0].to(ag.float32)  # a real layer again (as PyTorch: a warning, imag dropped)
    model.double()  # PyTorch: float()/double()/half() touch real floating tensors only
    assert model[0].weight.dtype == np.float64 and model[1].weight.dtype == np.complex128
    model.float()
    assert model[0].weight.dtype == np.float32 and model[1].weight.dtype == np.complex128
    with pytest.raises(TypeError, match="floating point or complex dtypes"):
        model.to(ag.int64)
    y = model[1](_leaf(2, 2))
    y.abs().sum().backward()
    assert model[1].weight.grad.dtype == np.complex128


# -- state dicts and checkpoints -----------------------------------------------------------------


def test_state_dict_round_trip_keeps_complex():
    a, b = nn.Linear(3, 2, dtype=ag.cdouble), nn.Linear(3, 2, dtype=ag.cdouble)
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(b.weight.detach().numpy(), a.weight.detach().numpy())
    assert b.weight.dtype == np.complex128
    c64 = nn.Linear(3, 2, dtype=ag.cfloat)
    c64.load_state_dict(a.state_dict())  # cast to the layer's dtype
    assert c64.weight.dtype == np.complex64
    real = nn.Linear(3, 2, dtype=ag.float64)
    with pytest.warns(UserWarning, match="discards the imaginary part"):
        real.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(real.weight.detach().numpy(), a.weight.detach().numpy().real)


def test_loads_torch_complex_state_dict():
    torch = pytest.importorskip("torch")
    lin_t = torch.nn.Linear(3, 2, dtype=torch.cfloat)
    lin = nn.Linear(3, 2, dtype=ag.cfloat)
    lin.load_state_dict(lin_t.state_dict())
    np.testing.assert_array_equal(lin.weight.detach().numpy(), lin_t.weight.detach().numpy())
    assert lin.weight.dtype == np.complex64


def test_checkpoint_keeps_complex_model_and_optimizer_state(tmp_path):
    lin = nn.Linear(4, 3, dtype=ag.cfloat)
    opt = optim.Adam(lin.parameters(), lr=0.1)
    x = ag.tensor(_c(2, 4)).to(ag.cfloat)
    (lin(x).abs() ** 2).sum().backward()
    opt.step()
    z = ag.tensor(_c(2), requires_grad=True)
    path = tmp_path / "complex.ckpt"
    nn.save({"model": lin.state_dict(), "opt": opt.state_dict(), "z": z}, path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning: nothing is cast to real
        ck = nn.load(path)
    assert ck["z"].dtype == np.complex128 and ck["z"].requires_grad
    np.testing.assert_array_equal(ck["z"].detach().numpy(), z.detach().numpy())
    lin2 = nn.Linear(4, 3, dtype=ag.cfloat)
    lin2.load_state_dict(ck["model"])
    np.testing.assert_array_equal(lin2.weight.detach().numpy(), lin.weight.detach().numpy())
    opt2 = optim.Adam(lin2.parameters(), lr=0.1)
    opt2.load_state_dict(ck["opt"])
    st, st2 = opt.state[lin.weight], opt2.state[lin2.weight]
    assert st2["exp_avg"].dtype == np.complex64
    np.testing.assert_array_equal(st2["exp_avg_sq"], st["exp_avg_sq"])
    for o, m in ((opt, lin), (opt2, lin2)):  # both continue alike
        o.zero_grad()
        (m(x).abs() ** 2).sum().backward()
        o.step()
    np.testing.assert_array_equal(lin2.weight.detach().numpy(), lin.weight.detach().numpy())


# -- convolution ---------------------------------------------------------------------------------

CONVS = {
    "conv1d": lambda x, w, b: F.conv1d(x[..., 0], w[..., 0], b, padding=1, stride=2),
    "conv2d": lambda x, w, b: F.conv2d(x, w, b, padding=1, dilation=(1, 2)),
    "conv2d_groups": lambda x, w, b: F.conv2d(x, w[:, :1], b, groups=2),
    "conv3d": lambda x, w, b: F.conv3d(x[:, :, None], w[:, :, None], b, padding=(0, 1, 1)),
    "conv_transpose2d": lambda x, w, b: F.conv_transpose2d(
        x[:, :, :3, :3], w.transpose(0, 1)[:, :2], None, stride=2, output_padding=1
    ),
}


@pytest.mark.parametrize("name", sorted(CONVS))
def test_conv_complex_gradcheck_and_gradgradcheck(name):
    x, w, b = _leaf(1, 2, 5, 5, seed=4), _leaf(4, 2, 3, 3, seed=5), _leaf(4, seed=6)
    assert ag.gradcheck(CONVS[name], (x, w, b))
    assert ag.gradgradcheck(CONVS[name], (x, w, b))


def test_conv_complex_matches_torch_and_refuses_mixed_dtypes():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    x, w, b = _c(2, 2, 6, 6, seed=7), _c(3, 2, 3, 3, seed=8), _c(3, seed=9)

    def run(lib, fn, mk):
        X, W, B = mk(x), mk(w), mk(b)
        y = fn.conv2d(X, W, B, padding=1, stride=(2, 1))
        ((y.abs() ** 2).sum() + y.real.sum()).backward()
        return [y.detach().numpy()] + [t.grad.numpy() for t in (X, W, B)]

    want = run(torch, tf, lambda a: torch.tensor(a, requires_grad=True))
    got = run(ag, F, lambda a: ag.tensor(a, requires_grad=True))
    for g, t in zip(got, want):
        np.testing.assert_allclose(g, t, rtol=1e-11, atol=1e-11)
    with pytest.raises(TypeError, match="conv2d: input float64 and weight complex128"):
        F.conv2d(ag.tensor(x.real), ag.tensor(w))
    m = nn.Conv2d(2, 3, 3, dtype=ag.cfloat)
    assert m.weight.dtype == np.complex64 and m(ag.tensor(x, dtype=ag.cfloat)).dtype == np.complex64


@pytest.mark.gpu
def test_conv_complex_on_cuda_under_every_kernel_set():
    import backends

    x, w, b = _c(1, 2, 5, 5, seed=10), _c(3, 2, 3, 3, seed=11), _c(3, seed=12)
    ref = F.conv2d(ag.tensor(x), ag.tensor(w), ag.tensor(b), padding=1).numpy()
    for name in ("cupy", "numba"):
        ok, _ = backends.available()[name]
        if not ok:
            continue
        with backends.use(name):
            X, W = ag.tensor(x, device="cuda", requires_grad=True), ag.tensor(w, device="cuda")
            y = F.conv2d(X, W, ag.tensor(b, device="cuda"), padding=1)
            np.testing.assert_allclose(y.detach().cpu().numpy(), ref, rtol=1e-12, atol=1e-12)
            assert ag.gradcheck(lambda X, W=W: F.conv2d(X, W, None, padding=1), (X,))
