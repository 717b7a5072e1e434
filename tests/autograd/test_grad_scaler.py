"""``GradScaler`` (autograd/_grad_scaler.py, as ``ag.amp.GradScaler``): a training loop step by
step against ``torch.amp.GradScaler`` (scaled loss, unscale_ + clipping, skipped steps and the
scale backing off, growth), the optimizer duck-typed, state dicts, pass-through when disabled,
errors; and a cuda training loop (the fake CuPy in CI) against the same loop on the CPU."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
import optim

F16, F32, F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _rng(seed=0):
    return np.random.default_rng(seed)


def _pair(torch, seed=0):
    """The same float32 MLP and SGD (momentum) in tapegrad and torch."""
    ag.manual_seed(seed)
    m = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3))
    tm = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    with torch.no_grad():
        for p, tp in zip(m.parameters(), tm.parameters()):
            tp.copy_(torch.tensor(p.detach().numpy()))
    opt = optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(tm.parameters(), lr=0.1, momentum=0.9)
    return m, opt, tm, topt


def test_train_loop_matches_torch_step_by_step(torch):
    """Scaled loss, unscale_ + clip_grad_norm_, steps skipped on an inf gradient (the scale
    backs off, the parameters and momentum stay), growth after growth_interval clean steps."""
    m, opt, tm, topt = _pair(torch)
    kw = dict(init_scale=2.0**10, growth_factor=2.0, backoff_factor=0.25, growth_interval=3)
    scaler, tscaler = ag.amp.GradScaler("cpu", **kw), torch.amp.GradScaler("cpu", **kw)
    r = _rng(5)
    history = []
    for it in range(9):
        x = r.standard_normal((4, 6)).astype(np.float32)
        y = r.integers(0, 3, 4)
        opt.zero_grad()
        topt.zero_grad()
        with ag.autocast("cpu"):
            loss = F.cross_entropy(m(ag.tensor(x)), ag.tensor(y))
        with torch.autocast("cpu", dtype=torch.float16):
            tloss = torch.nn.functional.cross_entropy(tm(torch.tensor(x)), torch.tensor(y))
        scaled, tscaled = scaler.scale(loss), tscaler.scale(tloss)
        assert scaled.dtype == F32 and scaled.item() == pytest.approx(tscaled.item(), rel=2e-3)
        scaled.backward()
        tscaled.backward()
        if it in (2, 3):  # an overflow: inf in one gradient
            m[0].weight.grad.numpy()[0, 0] = np.inf
            tm[0].weight.grad[0, 0] = float("inf")
        before = [p.detach().numpy().copy() for p in m.parameters()]
        scaler.unscale_(opt)
        tscaler.unscale_(topt)
        for p, tp in zip(m.parameters(), tm.parameters()):
            np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=2e-2, atol=2e-3)
        if it not in (2, 3):
            nn.utils.clip_grad_norm_(m.parameters(), 0.5)
            torch.nn.utils.clip_grad_norm_(tm.parameters(), 0.5)
        ret, tret = scaler.step(opt), tscaler.step(topt)
        assert ret is None and tret is None
        skipped = all(np.array_equal(b, p.detach().numpy()) for b, p in zip(before, m.parameters()))
        assert skipped == (it in (2, 3))
        scaler.update()
        tscaler.update()
        history.append((scaler.get_scale(), scaler._get_growth_tracker()))
        assert history[-1] == (tscaler.get_scale(), tscaler._get_growth_tracker())
        for p, tp in zip(m.parameters(), tm.parameters()):
            np.testing.assert_allclose(
                p.detach().numpy(), tp.detach().numpy(), rtol=1e-2, atol=1e-3
            )
    # 1024 -> two clean steps (tracker 1, 2) -> two skips (256, 64) -> 3 clean: grows to 128
    assert [s for s, _ in history] == [1024, 1024, 256, 64, 64, 64, 128, 128, 128]
    assert scaler.state_dict() == tscaler.state_dict()


def test_step_returns_the_optimizer_value_and_forwards_arguments():
    class Opt:
        def __init__(self, params):
            self.param_groups = [{"params": list(params)}]
            self.calls = []

        def step(self, *args, **kwargs):
            self.calls.append((args, kwargs))
            return "stepped"

    w = ag.randn(3, requires_grad=True)
    opt = Opt([w])
    scaler = ag.amp.GradScaler("cpu", init_scale=4.0)
    scaler.scale((w * w).sum()).backward()
    np.testing.assert_allclose(w.grad.numpy(), 8 * w.detach().numpy(), rtol=1e-6)
    assert scaler.step(opt, 1, lr=2) == "stepped" and opt.calls == [((1,), {"lr": 2})]
    np.testing.assert_allclose(w.grad.numpy(), 2 * w.detach().numpy(), rtol=1e-6)  # unscaled
    scaler.update()
    w.grad = None
    scaler.scale((w * np.nan).sum()).backward()
    assert scaler.step(opt) is None and len(opt.calls) == 1  # NaN: skipped
    scaler.update()
    assert scaler.get_scale() == 2.0


def test_scale_structures_and_dtypes():
    scaler = ag.amp.GradScaler("cpu", init_scale=8.0)
    a, b = ag.ones(2), ag.ones(3)
    out = scaler.scale([a, (b, [a])])
    assert isinstance(out, list) and isinstance(out[1], tuple) and isinstance(out[1][1], list)
    np.testing.assert_array_equal(out[1][1][0].numpy(), [8.0, 8.0])
    gen = scaler.scale(iter([a, b]))
    assert [t.numpy().tolist() for t in gen] == [[8.0, 8.0], [8.0, 8.0, 8.0]]
    # as torch (times a 0-d float32 tensor): float16 with dims stays float16, 0-d becomes float32
    assert scaler.scale(ag.ones(2).half()).dtype == F16
    assert scaler.scale(ag.tensor(1.0).half()).dtype == F32
    assert scaler.scale(ag.tensor(1.0, dtype=ag.float64)).dtype == F64
    with pytest.raises(ValueError, match="GradScaler.scale: outputs must be a Tensor"):
        scaler.scale([a, 3.0])


def test_disabled_scaler_is_a_pass_through():
    w = ag.randn(3, requires_grad=True)
    opt = optim.SGD([w], lr=0.5)
    scaler = ag.amp.GradScaler("cpu", enabled=False)
    loss = (w * w).sum()
    assert scaler.scale(loss) is loss and not scaler.is_enabled()
    loss.backward()
    before = w.detach().numpy().copy()
    scaler.unscale_(opt)
    scaler.unscale_(opt)  # no error when disabled
    assert scaler.step(opt) is None
    np.testing.assert_allclose(w.detach().numpy(), before - 0.5 * 2 * before, rtol=1e-6)
    scaler.update()
    assert scaler.get_scale() == 1.0 and scaler.state_dict() == {}
    scaler.load_state_dict({})  # a no-op


def test_growth_never_reaches_inf_and_update_with_new_scale():
    w = ag.randn(2, requires_grad=True)
    opt = optim.SGD([w], lr=0.0)
    scaler = ag.amp.GradScaler("cpu", init_scale=3e38, growth_interval=1)
    for _ in range(2):
        scaler.scale(w.sum()).backward()
        scaler.step(opt)
        scaler.update()
        w.grad = None
    assert scaler.get_scale() == float(np.float32(3e38))  # 6e38 would be inf in float32
    scaler.update(0.1)
    assert scaler.get_scale() == float(np.float32(0.1))
    scaler.update(ag.tensor(4.0))
    assert scaler.get_scale() == 4.0
    with pytest.raises(ValueError, match="GradScaler.update: new_scale"):
        scaler.update(ag.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match="GradScaler.update: new_scale"):
        scaler.update(ag.tensor(2.0, requires_grad=True))


def test_state_dict_round_trip(torch):
    kw = dict(init_scale=256.0, growth_factor=4.0, backoff_factor=0.125, growth_interval=7)
    scaler = ag.amp.GradScaler("cpu", **kw)
    tscaler = torch.amp.GradScaler("cpu", **kw)
    assert scaler.state_dict() == tscaler.state_dict()  # before the first scale()
    w = ag.randn(3, requires_grad=True)
    tw = torch.tensor(w.detach().numpy(), requires_grad=True)
    opt, topt = optim.SGD([w], lr=0.1), torch.optim.SGD([tw], lr=0.1)
    for s, o, v in ((scaler, opt, w), (tscaler, topt, tw)):
        s.scale((v * v).sum()).backward()
        s.step(o)
        s.update()
    sd = scaler.state_dict()
    assert sd == tscaler.state_dict() and sd["_growth_tracker"] == 1
    other = ag.amp.GradScaler("cpu")
    other.load_state_dict(sd)
    assert other.state_dict() == sd and other.get_scale() == 256.0
    other.load_state_dict(tscaler.state_dict())
    clone = pickle.loads(pickle.dumps(scaler))
    assert clone.state_dict() == sd
    with pytest.raises(RuntimeError, match="GradScaler.load_state_dict: the source state dict"):
        other.load_state_dict({})


def test_grad_scaler_errors_name_the_method():
    w = ag.randn(3, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    scaler = ag.amp.GradScaler("cpu")
    with pytest.raises(RuntimeError, match=r"GradScaler.step: .*scaler.scale\(loss"):
        scaler.step(opt)
    scaler.scale(w.sum()).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match=r"unscale_\(\) has already been called"):
        scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="GradScaler.step: Closure use"):
        scaler.step(opt, closure=lambda: None)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match=r"step\(\) has already been called"):
        scaler.step(opt)
    with pytest.raises(RuntimeError, match=r"unscale_\(\) is being called after step\(\)"):
        scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="pickled"):
        pickle.dumps(scaler)
    scaler.update()
    h = ag.randn(3, dtype=ag.float16, requires_grad=True)
    h_opt = optim.SGD([h], lr=0.1)
    scaler.scale(h.sum()).backward()
    with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients"):
        scaler.unscale_(h_opt)
    fresh = ag.amp.GradScaler("cpu")
    fresh.scale(w.sum())
    with pytest.raises(RuntimeError, match=r"GradScaler.update: no inf checks"):
        fresh.update()
    with pytest.raises(ValueError, match="GradScaler: the growth factor must be > 1.0"):
        ag.amp.GradScaler("cpu", growth_factor=1.0)
    with pytest.raises(ValueError, match="GradScaler: the backoff factor must be < 1.0"):
        ag.amp.GradScaler("cpu", backoff_factor=1.5)
    with pytest.raises(ValueError, match="GradScaler: device must be"):
        ag.amp.GradScaler("tpu")


def test_cuda_scaler_and_autocast_without_a_gpu_warn_and_disable():
    from backends import cupy_or_none

    if cupy_or_none() is not None:
        pytest.skip("a GPU is usable here")
    with pytest.warns(UserWarning, match="CUDA is not available"):
        scaler = ag.amp.GradScaler()
    assert not scaler.is_enabled()
    with pytest.warns(UserWarning, match="CUDA is not available"):
        ctx = ag.autocast("cuda")
    with ctx:
        assert not ag.is_autocast_enabled("cuda")


@pytest.mark.gpu
def test_cuda_training_loop_with_grad_scaler_matches_the_cpu_loop():
    """The same model and data: 'cuda' autocast + GradScaler('cuda') on cuda tensors, and 'cpu'
    autocast + GradScaler('cpu') on the CPU, give the same scales, skips and parameters."""
    results = []
    for dev in ("cpu", "cuda"):
        ag.manual_seed(1)
        m = nn.Sequential(nn.Conv1d(2, 4, 3), nn.BatchNorm1d(4), nn.ReLU(), nn.Flatten(),
                          nn.Linear(16, 3)).to(dev)  # fmt: skip
        opt = optim.Adam(m.parameters(), lr=1e-2)
        scaler = ag.amp.GradScaler(dev, init_scale=2.0**8, growth_interval=2)
        r = _rng(9)
        scales = []
        for it in range(5):
            x = ag.tensor(r.standard_normal((3, 2, 6)), dtype=ag.float32, device=dev)
            y = ag.tensor(r.integers(0, 3, 3), device=dev)
            opt.zero_grad()
            with ag.autocast(dev):
                h = m(x)
                loss = F.cross_entropy(h, y)
            assert h.dtype == F16 and loss.dtype == F32
            scaler.scale(loss).backward()
            if it == 1:
                m[0].weight.grad = m[0].weight.grad * float("inf")
            scaler.unscale_(opt)
            nn.utils.clip_grad_norm_(m.parameters(), 1.0)
            scaler.step(opt)
            scaler.update()
            scales.append(scaler.get_scale())
        results.append((scales, [p.detach().cpu().numpy() for p in m.parameters()]))
    assert results[0][0] == results[1][0] == [256.0, 128.0, 128.0, 256.0, 256.0]
    for p, q in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(p, q, rtol=1e-4, atol=1e-5)
