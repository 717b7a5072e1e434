"""The whole stack on a real GPU, under each GPU kernel set (skipped cleanly without a GPU).

* the op-spec table's forward on cuda against the CPU, and gradcheck in float64 on cuda;
* the kernel sets against each other (numpy vs cupy vs numba) on odd, multi-tile shapes;
* a full MLP and CNN train step on cuda against the same step on the CPU;
* device-mismatch errors, ``.to`` round trips (differentiable), optimiser state on the
  parameters' device, a checkpoint saved from the GPU loaded on the CPU;
* the numba set on a non-default cupy stream.

Every test marked ``gpu``; ``tests/conftest.py`` skips them when cupy sees no GPU.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pytest

import autograd as ag
import backends
import backends.numpy_kernels as nk
import nn
import nn.functional as F
import optim

from .autograd.op_table import all_specs, make_inputs

pytestmark = pytest.mark.gpu

GPU_SETS = ["cupy", "numba"]


@pytest.fixture(params=GPU_SETS)
def gpu_set(request):
    """Run the test under each GPU kernel set (numba skipped, with its reason, if unavailable)."""
    ok, reason = backends.available()[request.param]
    if not ok:
        pytest.skip(f"{request.param} set unavailable: {reason}")
    with backends.use(request.param):
        yield request.param


def _cp():
    return backends.cupy_or_none()


def _host(v):
    if isinstance(v, (tuple, list)):
        return [_host(o) for o in v]
    if isinstance(v, ag.Tensor):
        return v.detach().cpu().numpy()
    if type(v).__module__.startswith("cupy"):
        return v.get()
    return np.asarray(v)


def _cuda(v):
    return v.detach().to("cuda").requires_grad_(v.requires_grad) if isinstance(v, ag.Tensor) else v


# -- the op table on cuda --------------------------------------------------------------------------

SPECS = all_specs()
CASES = [pytest.param(s, i, id=f"{s.name}-{i}") for s in SPECS for i in range(len(s.cases))]
GRAD_OPS = {
    "matmul", "mul", "div", "tanh", "exp", "maximum", "sum_dim", "mean_tuple", "max_dim_values",
    "logsumexp_dim", "softmax_last", "log_softmax_last", "norm_2_dim", "var_dim_biased",
    "cumsum_dim1", "einsum_batch", "gather_dim1", "scatter_add_dim1", "getitem_tensor_index",
    "pad_reflect", "where",
}  # fmt: skip


def _skip_unless_kernel_op(spec, gpu_set):
    """The numba set replaces only the kernels (matmul here; conv and pooling are tested
    below): other ops run the same cupy code under both sets, so once is enough."""
    if gpu_set == "numba" and not spec.name.startswith(("matmul", "einsum")):
        pytest.skip("same cupy code under both GPU sets; run under cupy")


@pytest.mark.parametrize("spec,case", CASES)
def test_op_table_forward_on_cuda_matches_cpu(spec, case, gpu_set):
    _skip_unless_kernel_op(spec, gpu_set)
    _, tensors = make_inputs(spec, spec.cases[case])
    want = _host(spec.fn(*tensors))
    out = spec.fn(*[_cuda(t) for t in tensors])
    for o in out if isinstance(out, (tuple, list)) else [out]:
        if isinstance(o, ag.Tensor):
            assert o.device.startswith("cuda"), f"{spec.name}: output on {o.device}"
    got = _host(out)
    if isinstance(want, list):
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, atol=max(spec.atol, 1e-9), rtol=max(spec.rtol, 1e-6))
    else:
        assert np.shape(got) == np.shape(want)
        np.testing.assert_allclose(got, want, atol=max(spec.atol, 1e-9), rtol=max(spec.rtol, 1e-6))


@pytest.mark.parametrize(
    "spec,case", [p for p in CASES if p.values[0].name in GRAD_OPS and p.values[0].grad]
)
def test_op_table_gradcheck_on_cuda(spec, case, gpu_set):
    _skip_unless_kernel_op(spec, gpu_set)
    _, tensors = make_inputs(spec, spec.cases[case])
    assert ag.gradcheck(spec.fn, tuple(_cuda(t) for t in tensors))


def _r(*shape, seed=0):
    return ag.tensor(np.random.default_rng(seed).standard_normal(shape), device="cuda",
                     requires_grad=True)  # fmt: skip


@pytest.mark.parametrize(
    "name,fn,shapes",
    [
        ("matmul batched", lambda a, b: (a @ b).tanh(), [(2, 3, 5), (5, 4)]),
        (
            "conv2d",
            lambda x, w: F.conv2d(x, w, stride=(2, 1), padding=1, dilation=(1, 2), groups=2),
            [(2, 4, 6, 7), (4, 2, 3, 2)],
        ),  # fmt: skip
        ("conv1d", lambda x, w: F.conv1d(x, w, padding="same"), [(1, 2, 7), (3, 2, 4)]),
        (
            "conv_transpose2d",
            lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1),
            [(1, 2, 3, 4), (2, 3, 3, 3)],
        ),  # fmt: skip
        (
            "max_pool2d",
            lambda x: F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
            [(2, 2, 7, 6)],
        ),  # fmt: skip
        (
            "avg_pool2d",
            lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
            [(2, 2, 7, 6)],
        ),  # fmt: skip
        (
            "cross_entropy",
            lambda x: F.cross_entropy(x, ag.tensor([0, 2, 1], device="cuda"), label_smoothing=0.1),
            [(3, 4)],
        ),  # fmt: skip
    ],
)
def test_gradcheck_float64_on_cuda(name, fn, shapes, gpu_set):
    inputs = tuple(_r(*s, seed=i) for i, s in enumerate(shapes))
    assert ag.gradcheck(fn, inputs), name
    if name.startswith("conv2d") or name.startswith("matmul"):
        assert ag.gradgradcheck(fn, inputs), name


# -- kernel sets against each other ----------------------------------------------------------------


def _sets():
    import backends.cupy_kernels as ck

    out = {"cupy": ck}
    if backends.available()["numba"].ok:
        import backends.numba_kernels as bk

        out["numba"] = bk
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernel_sets_agree_on_matmul(dtype):
    cp = _cp()
    rng = np.random.default_rng(0)
    tol = 2e-4 if dtype == np.float32 else 1e-11
    cases = [
        ((257, 129), (129, 65)),  # several 128-wide tiles, none full
        ((1, 4097), (4097, 3)),  # split-K
        ((3, 33, 17), (17, 70)),  # batched, broadcast
        ((2, 1, 8, 9), (5, 9, 6)),
        ((9,), (9, 4)),
        ((1000, 1000), (1000, 1000)),
    ]
    for sa, sb in cases:
        a = rng.standard_normal(sa).astype(dtype)
        b = rng.standard_normal(sb).astype(dtype)
        want = nk.matmul(a, b)
        for name, ks in _sets().items():
            got = ks.matmul(cp.asarray(a), cp.asarray(b))
            assert type(got).__module__.startswith("cupy") and got.dtype == dtype, name
            scale = np.abs(want).max() + 1
            np.testing.assert_allclose(got.get(), want, rtol=tol, atol=tol * scale, err_msg=name)
            # transposed operands, read in place
            got_t = ks.matmul(cp.asarray(b).T, cp.asarray(a).T) if a.ndim == b.ndim == 2 else None
            if got_t is not None:
                np.testing.assert_allclose(got_t.get(), want.T, rtol=tol, atol=tol * scale)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "xs,ws,geom",
    [
        ((3, 4, 19, 17), (6, 2, 3, 3), ((2, 1), ((1, 1), (1, 0)), (1, 2), 2)),
        ((8, 16, 30, 30), (32, 16, 3, 3), ((1, 1), ((1, 1), (1, 1)), (1, 1), 1)),
        ((4, 8, 12, 12), (8, 1, 5, 5), ((2, 2), ((2, 2), (2, 2)), (1, 1), 8)),  # depthwise
        ((2, 4, 33), (6, 2, 5), ((3,), ((2, 1),), (2,), 2)),  # 1-D
        ((1, 3, 6, 7, 5), (4, 3, 2, 3, 2), ((1, 2, 1), ((0, 1), (1, 1), (0, 0)), (1, 1, 2), 1)),
    ],
)
def test_kernel_sets_agree_on_conv(xs, ws, geom, dtype):
    cp = _cp()
    rng = np.random.default_rng(1)
    tol = 2e-4 if dtype == np.float32 else 1e-10
    x = rng.standard_normal(xs).astype(dtype)
    w = rng.standard_normal(ws).astype(dtype)
    b = rng.standard_normal(ws[0]).astype(dtype)
    y = nk.conv_forward(x, w, b, *geom)
    gy = rng.standard_normal(y.shape).astype(dtype)
    gx = nk.conv_grad_input(gy, w, x.shape, *geom)
    gw = nk.conv_grad_weight(x, gy, w.shape, *geom)
    X, W, B, GY = (cp.asarray(v) for v in (x, w, b, gy))
    for name, ks in _sets().items():
        for got, want in [
            (ks.conv_forward(X, W, B, *geom), y),
            (ks.conv_grad_input(GY, W, x.shape, *geom), gx),
            (ks.conv_grad_weight(X, GY, w.shape, *geom), gw),
        ]:
            assert got.dtype == dtype and got.shape == want.shape, name
            scale = np.abs(want).max() + 1
            np.testing.assert_allclose(got.get(), want, rtol=tol, atol=tol * scale, err_msg=name)


def test_kernel_sets_agree_on_pooling():
    cp = _cp()
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 3, 17, 15)).astype(np.float32)
    x[0, 0, 2, 2] = np.nan
    X = cp.asarray(x)
    for pool in [((3, 3), (2, 2), (1, 1), (1, 1), True), ((2, 3), (1, 2), (0, 1), (2, 1), False)]:
        y, idx = nk.max_pool_forward(x, *pool)
        gy = rng.standard_normal(y.shape).astype(np.float32)
        gx = nk.max_pool_backward(gy, idx, x.shape, *pool[:4])
        for name, ks in _sets().items():
            yg, ig = ks.max_pool_forward(X, *pool)
            np.testing.assert_array_equal(yg.get(), y, err_msg=name)
            np.testing.assert_array_equal(ig.get(), idx, err_msg=name)
            got = ks.max_pool_backward(cp.asarray(gy), ig, x.shape, *pool[:4]).get()
            np.testing.assert_allclose(got, gx, rtol=1e-6, atol=1e-6, err_msg=name)
    x = np.nan_to_num(x)
    for avg in [((3, 3), (2, 2), (1, 1), True, True), ((3, 2), (2, 1), (1, 0), False, False)]:
        y = nk.avg_pool_forward(x, *avg)
        gy = rng.standard_normal(y.shape).astype(np.float32)
        gx = nk.avg_pool_backward(gy, x.shape, *avg[:3], avg[4])
        for name, ks in _sets().items():
            got = ks.avg_pool_forward(cp.asarray(x), *avg).get()
            np.testing.assert_allclose(got, y, rtol=1e-5, atol=1e-6, err_msg=name)
            got = ks.avg_pool_backward(cp.asarray(gy), x.shape, *avg[:3], avg[4]).get()
            np.testing.assert_allclose(got, gx, rtol=1e-5, atol=1e-6, err_msg=name)


def test_numba_set_on_a_non_default_stream():
    if not backends.available()["numba"].ok:
        pytest.skip(backends.available()["numba"].reason)
    import backends.numba_kernels as bk

    cp = _cp()
    rng = np.random.default_rng(3)
    a = rng.standard_normal((300, 200)).astype(np.float32)
    b = rng.standard_normal((200, 100)).astype(np.float32)
    stream = cp.cuda.Stream(non_blocking=True)
    with stream:
        A, B = cp.asarray(a), cp.asarray(b)
        C = bk.matmul(A, B) * 2  # the cupy op queues behind the numba kernel on this stream
    stream.synchronize()
    np.testing.assert_allclose(C.get(), 2 * (a @ b), rtol=2e-4, atol=2e-3)


@pytest.mark.skipif(
    bool(os.environ.get("TAPEGRAD_FAKE_GPU")), reason="the fake GPU (NumPy) has no CUDA driver"
)
def test_numba_is_available_on_a_gpu_machine_with_numba():
    pytest.importorskip("numba")
    ok, reason = backends.available()["numba"]
    assert ok, reason


# -- training on cuda ------------------------------------------------------------------------------


def _train_step(model_fn, x_np, t_np, device, steps=2):
    ag.manual_seed(0)
    model = model_fn().double().to(device)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    x, t = ag.tensor(x_np, device=device), ag.tensor(t_np, device=device)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), t)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, [p.detach().cpu().numpy() for p in model.parameters()], model, opt


def _mlp():
    return nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 32), nn.GELU(),
                         nn.Linear(32, 5))  # fmt: skip


def _cnn():
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=2), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(8 * 2 * 2, 5),
    )  # fmt: skip


@pytest.mark.parametrize(
    "model_fn,x_shape", [(_mlp, (16, 20)), (_cnn, (4, 3, 16, 16))], ids=["mlp", "cnn"]
)
def test_train_steps_on_cuda_match_cpu(model_fn, x_shape, gpu_set):
    rng = np.random.default_rng(4)
    x_np = rng.standard_normal(x_shape)
    t_np = rng.integers(0, 5, size=x_shape[0])
    ref_losses, ref_params, *_ = _train_step(model_fn, x_np, t_np, "cpu")
    losses, params, model, opt = _train_step(model_fn, x_np, t_np, "cuda")
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-9)
    for p, r in zip(params, ref_params):
        np.testing.assert_allclose(p, r, rtol=1e-7, atol=1e-9)
    for p in model.parameters():
        assert p.device.startswith("cuda") and p.grad.device.startswith("cuda")
        for v in opt.state[p].values():  # optimiser state lives with its parameter
            if hasattr(v, "shape") and np.ndim(v):
                assert type(v).__module__.startswith("cupy")


def test_float32_train_step_runs_on_cuda(gpu_set):
    model = _cnn().to("cuda")
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = ag.randn(8, 3, 16, 16).to("cuda")
    t = ag.tensor(np.arange(8) % 5, device="cuda")
    for _ in range(3):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), t)
        loss.backward()
        opt.step()
    assert np.isfinite(loss.item()) and loss.dtype == np.float32


# -- devices ---------------------------------------------------------------------------------------


def test_device_mismatch_raises_before_any_work():
    a = ag.ones(2, 3)
    b = ag.ones(3, 2, device="cuda")
    msg = "Expected all tensors to be on the same device, but got cpu and cuda:0 (in matmul)"
    with pytest.raises(RuntimeError, match=re.escape(msg)):
        a @ b
    with pytest.raises(RuntimeError, match="same device"):
        F.conv2d(ag.ones(1, 1, 4, 4, device="cuda"), ag.ones(1, 1, 2, 2))
    with pytest.raises(RuntimeError, match="same device"):
        nn.Linear(3, 2)(ag.ones(4, 3, device="cuda"))


def test_to_round_trips_and_is_differentiable():
    x = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = x.to("cuda")
    assert y.device == "cuda:0" and y.dtype == x.dtype and y.requires_grad
    assert x.cuda().cpu().device == "cpu"
    np.testing.assert_array_equal(y.cpu().detach().numpy(), x.detach().numpy())
    (y * 2).sum().backward()
    assert x.grad.device == "cpu"
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0))
    z = ag.tensor([1, 2, 3]).to("cuda").to("cpu")
    assert z.dtype == np.int64 and z.tolist() == [1, 2, 3]
    m = _mlp()
    before = [p.detach().numpy().copy() for p in m.parameters()]
    m.to("cuda").to("cpu")
    for p, b in zip(m.parameters(), before):
        assert p.device == "cpu"
        np.testing.assert_array_equal(p.detach().numpy(), b)


def test_optimizer_state_moves_to_the_parameters_device():
    rng = np.random.default_rng(5)
    x_np, t_np = rng.standard_normal((16, 20)), rng.integers(0, 5, size=16)
    _, _, gpu_model, gpu_opt = _train_step(_mlp, x_np, t_np, "cuda")
    cpu_model = _mlp().double()
    cpu_model.load_state_dict({k: v.cpu() for k, v in gpu_model.state_dict().items()})
    cpu_opt = optim.Adam(cpu_model.parameters(), lr=1e-2)
    cpu_opt.load_state_dict(gpu_opt.state_dict())  # cupy state arrays land on the CPU
    for p in cpu_model.parameters():
        for v in cpu_opt.state[p].values():
            assert not type(v).__module__.startswith("cupy")
    # one more step on each: the same trajectory
    for model, opt, dev in [(gpu_model, gpu_opt, "cuda"), (cpu_model, cpu_opt, "cpu")]:
        opt.zero_grad()
        F.cross_entropy(model(ag.tensor(x_np, device=dev)), ag.tensor(t_np, device=dev)).backward()
        opt.step()
    for a, b in zip(gpu_model.parameters(), cpu_model.parameters()):
        np.testing.assert_allclose(a.detach().cpu().numpy(), b.detach().numpy(), rtol=1e-9)


def test_checkpoint_saved_from_gpu_loads_on_cpu(tmp_path):
    if not hasattr(nn, "save"):
        pytest.skip("nn.save is not available")
    rng = np.random.default_rng(6)
    x_np, t_np = rng.standard_normal((16, 20)), rng.integers(0, 5, size=16)
    _, _, model, opt = _train_step(_mlp, x_np, t_np, "cuda")
    path = tmp_path / "ckpt.npz"
    nn.save({"model": model.state_dict(), "optim": opt.state_dict()}, path)
    ckpt = nn.load(path, map_location="cpu")
    cpu_model = _mlp().double()
    cpu_model.load_state_dict(ckpt["model"])
    assert all(p.device == "cpu" for p in cpu_model.parameters())
    x = ag.tensor(x_np)
    np.testing.assert_allclose(
        cpu_model(x).detach().numpy(), model(x.to("cuda")).detach().cpu().numpy(), rtol=1e-10
    )
    cpu_opt = optim.Adam(cpu_model.parameters(), lr=1e-2)
    cpu_opt.load_state_dict(ckpt["optim"])
    back = nn.load(path)  # without map_location: back on the GPU it came from
    assert back["model"]["0.weight"].device.startswith("cuda")


# -- host/device edges found by review -------------------------------------------------------------


def test_copy_from_host_data_into_a_cuda_tensor():
    t = ag.zeros(2, 3, device="cuda")
    t.copy_(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(_host(t), np.arange(6.0).reshape(2, 3))
    t.copy_([[1, 2, 3], [4, 5, 6]])
    assert t.device.startswith("cuda") and _host(t)[1, 2] == 6


@pytest.mark.parametrize("dtype", [np.int64, np.int8, np.float32])
def test_scatter_add_on_cuda_for_dtypes_cupy_lacks(dtype):
    src = np.arange(6).reshape(2, 3).astype(dtype)
    idx = np.array([[0, 1, 0], [1, 1, 0]])
    want = ag.scatter_add(ag.zeros(2, 3, dtype=dtype), 1, ag.tensor(idx), ag.tensor(src))
    got = ag.scatter_add(
        ag.zeros(2, 3, dtype=dtype, device="cuda"), 1, ag.tensor(idx, device="cuda"),
        ag.tensor(src, device="cuda"),
    )  # fmt: skip
    np.testing.assert_array_equal(_host(got), _host(want))


def test_backward_with_a_number_seed_on_cuda():
    x = ag.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    (x * 3).sum().backward(2.0)
    np.testing.assert_array_equal(_host(x.grad), [6.0, 6.0])


def test_deepcopy_keeps_a_cuda_tensor_on_its_device():
    import copy

    m = nn.BatchNorm1d(3).to("cuda")
    m2 = copy.deepcopy(m)
    assert m2.running_mean.device.startswith("cuda") and m2.weight.device.startswith("cuda")
    t = ag.ones(2, device="cuda")
    assert copy.deepcopy(t).device.startswith("cuda")


def test_checkpoint_on_cuda_matches_the_plain_call():
    block = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 4)).double().to("cuda")
    x = ag.tensor(np.random.default_rng(0).standard_normal((3, 4)), device="cuda",
                  requires_grad=True)  # fmt: skip
    block(x).sum().backward()
    plain = _host(x.grad)
    for reentrant in (True, False):
        x.grad = None
        ag.checkpoint(block, x, use_reentrant=reentrant).sum().backward()
        np.testing.assert_allclose(_host(x.grad), plain, rtol=1e-12)


def test_save_on_cpu_keeps_saved_values_on_the_host():
    x = ag.tensor(np.random.default_rng(1).standard_normal((3, 4)), device="cuda",
                  requires_grad=True)  # fmt: skip
    seen = []
    with ag.graph.save_on_cpu():
        y = (x.exp() * x).tanh()
        for node in (y.grad_fn,):
            seen += [type(p.value[2]).__module__ for p, _, _ in node._saved]
    assert seen and all(m == "numpy" for m in seen)  # the packed copies are NumPy arrays
    y.sum().backward()
    xd = _host(x)
    t = np.tanh(np.exp(xd) * xd)
    np.testing.assert_allclose(_host(x.grad), (1 - t * t) * np.exp(xd) * (1 + xd), rtol=1e-10)
    assert x.grad.device.startswith("cuda")


def test_full_backward_hook_on_cuda():
    lin = nn.Linear(3, 2).double().to("cuda")
    lin.register_full_backward_hook(lambda m, gi, go: (gi[0] * 2,))
    x = ag.tensor(np.ones((4, 3)), device="cuda", requires_grad=True)
    lin(x).sum().backward()
    want = 2 * _host(lin.weight).sum(axis=0)
    np.testing.assert_allclose(_host(x.grad), np.broadcast_to(want, (4, 3)), rtol=1e-12)
