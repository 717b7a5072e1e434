"""Complex parameters in the optimisers: each complex number is updated as two real ones (PyTorch's
``view_as_real`` rule), the state stays complex and round-trips, LBFGS and gradient clipping use
the real view / the modulus. Compared with torch.optim where torch is installed."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
import optim

from .cases import ALL_NAMES
from .helpers import STATEFUL

RNG = np.random.default_rng(7)


def _c(*shape, rng=RNG):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


SHAPES = [(3, 4), (5,), ()]  # complex parameters (a 0-d one too)
REAL_SHAPE = (2, 3)  # a real parameter in the same group
N_STEPS = 8


def _grads(seed: int):
    """N_STEPS gradient sets: a fixed direction plus noise, so signs mostly persist (Rprop)."""
    rng = np.random.default_rng(seed)
    base = [_c(*s, rng=rng) for s in SHAPES] + [rng.standard_normal(REAL_SHAPE)]

    def noise(b):
        return _c(*b.shape, rng=rng) if b.dtype.kind == "c" else rng.standard_normal(b.shape)

    return [[b + 0.6 * noise(b) for b in base] for _ in range(N_STEPS)]


def _start(seed: int = 3):
    rng = np.random.default_rng(seed)
    return [_c(*s, rng=rng) for s in SHAPES] + [rng.standard_normal(REAL_SHAPE)]


# options that reach every rule that squares, compares or takes signs of the gradient
COMPLEX_CASES = [
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.3, weight_decay=0.1)),
    ("Adadelta", dict(lr=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, maximize=True)),
    ("Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, decoupled_weight_decay=True, weight_decay=0.1, maximize=True)),
    ("AdamW", dict(lr=0.05, amsgrad=True)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.05, momentum_decay=0.01)),
    ("RAdam", dict(lr=0.05, betas=(0.9, 0.9), weight_decay=0.1)),
    ("Adamax", dict(lr=0.05, weight_decay=0.1)),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-4, 0.2))),
    ("ASGD", dict(lr=0.05, t0=2, lambd=1e-3, weight_decay=0.1)),
]


def _case_id(case):
    name, kw = case
    return name + "-" + ",".join(f"{k}={v}" for k, v in kw.items())


def _ours(arrays):
    return [ag.tensor(a.copy(), requires_grad=True) for a in arrays]


def _groups(ps, lr):
    """Group 0: the 2-D and 1-D complex parameters and the real one; group 1: the 0-d one."""
    return [{"params": [ps[0], ps[1], ps[3]]}, {"params": [ps[2]], "lr": lr / 2}]


# -- the rule: a complex number is two real numbers ----------------------------------------------


@pytest.mark.parametrize("name", ALL_NAMES)
def test_complex_parameter_moves_like_its_real_view(name):
    """Every optimiser on a complex (3, 4) parameter equals the same optimiser on the real
    (3, 4, 2) parameter of its [re, im] pairs, step for step, bit for bit."""
    kw = dict(STATEFUL[name])
    if name == "Adagrad":
        kw["initial_accumulator_value"] = 0.2  # re and im both start at 0.2 (PyTorch's rule)
    z0, grads = _c(3, 4), [_c(3, 4) for _ in range(6)]
    z = ag.tensor(z0.copy(), requires_grad=True)
    r = ag.tensor(z0.view(np.float64).reshape(3, 4, 2).copy(), requires_grad=True)
    oz, orr = getattr(optim, name)([z], **kw), getattr(optim, name)([r], **kw)
    for g in grads:
        z.grad = ag.tensor(g.copy())
        r.grad = ag.tensor(g.view(np.float64).reshape(3, 4, 2).copy())
        oz.step()
        orr.step()
        assert z.dtype == np.complex128
        np.testing.assert_array_equal(z._data.view(np.float64).reshape(3, 4, 2), r._data)
    for k, v in orr.state[r].items():
        got = oz.state[z][k]
        if isinstance(v, np.ndarray):
            assert got.dtype == np.complex128 and got.shape == (3, 4), k
            np.testing.assert_array_equal(got.view(np.float64).reshape(3, 4, 2), v)
        else:
            assert got == v, k


def test_adam_second_moment_uses_squared_parts_not_g_squared():
    """One Adam step from zero state: v = (1 - beta2) * (re^2, im^2) per part, so each part moves
    by about lr (sign of its own gradient part); g * g (complex) would give a wrong step."""
    z = ag.tensor(np.array([1 + 1j, -2 + 0.5j]), requires_grad=True)
    z.grad = ag.tensor(np.array([3 - 4j, 1j]))
    opt = optim.Adam([z], lr=0.1)
    opt.step()
    np.testing.assert_allclose(z._data, [0.9 + 1.1j, -2.0 + 0.4j], rtol=0, atol=1e-8)
    np.testing.assert_allclose(opt.state[z]["exp_avg_sq"], 0.001 * np.array([9 + 16j, 0 + 1j]))


def test_non_contiguous_complex_parameter():
    """A parameter whose array is a transposed view is updated in place (memory shared)."""
    base = _c(3, 2)
    z = ag.from_numpy(base.T).requires_grad_()
    r = ag.tensor(base.T.copy(), requires_grad=True)
    g = _c(2, 3)
    oz, orr = optim.RMSprop([z], lr=0.1, momentum=0.5), optim.RMSprop([r], lr=0.1, momentum=0.5)
    for _ in range(3):
        z.grad, r.grad = ag.tensor(g), ag.tensor(g)
        oz.step()
        orr.step()
    np.testing.assert_array_equal(base.T, r._data)  # base was written through z
    assert oz.state[z]["momentum_buffer"].dtype == np.complex128


def test_complex64_stays_complex64_and_matches_float32_real_view():
    z0, g = _c(4).astype(np.complex64), _c(4).astype(np.complex64)
    z = ag.tensor(z0.copy(), requires_grad=True)
    r = ag.tensor(z0.view(np.float32).reshape(4, 2).copy(), requires_grad=True)
    oz, orr = optim.Adam([z], lr=0.1), optim.Adam([r], lr=0.1)
    for _ in range(3):
        z.grad, r.grad = ag.tensor(g), ag.tensor(g.view(np.float32).reshape(4, 2).copy())
        oz.step()
        orr.step()
    assert z.dtype == np.complex64 and oz.state[z]["exp_avg"].dtype == np.complex64
    np.testing.assert_array_equal(z._data.view(np.float32).reshape(4, 2), r._data)


def test_lazy_state_made_later_is_complex():
    """State keys an option switched on later makes (SGD's momentum buffer, RMSprop's grad_avg)
    are complex arrays shaped like the parameter."""
    z = ag.tensor(_c(2, 3), requires_grad=True)
    sgd = optim.SGD([z], lr=0.1)
    rms = optim.RMSprop([ag.tensor(_c(2, 3), requires_grad=True)], lr=0.1)
    w = rms.param_groups[0]["params"][0]
    for step in range(4):
        if step == 2:
            sgd.param_groups[0]["momentum"] = 0.9
            rms.param_groups[0]["centered"] = True
        z.grad, w.grad = ag.tensor(_c(2, 3)), ag.tensor(_c(2, 3))
        sgd.step()
        rms.step()
    for st, key in ((sgd.state[z], "momentum_buffer"), (rms.state[w], "grad_avg")):
        assert st[key].dtype == np.complex128 and st[key].shape == (2, 3)
        assert st[key].flags.writeable and np.abs(st[key].imag).max() > 0


def test_non_finite_complex_gradient_changes_nothing():
    z = ag.tensor(_c(3), requires_grad=True)
    opt = optim.Adam([z], lr=0.1, check_finite=True)
    z.grad = ag.tensor(_c(3))
    opt.step()
    before = (z._data.copy(), opt.state[z]["exp_avg"].copy())
    z.grad = ag.tensor(np.array([1 + 1j, complex(1, math.nan), 0j]))
    with pytest.raises(optim.NonFiniteGradError, match="not finite"):
        opt.step()
    np.testing.assert_array_equal(z._data, before[0])
    np.testing.assert_array_equal(opt.state[z]["exp_avg"], before[1])


# -- state dicts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_NAMES)
def test_state_dict_round_trip_keeps_complex_state(name):
    grads = _grads(1)
    ps = _ours(_start())
    opt = getattr(optim, name)(_groups(ps, 0.05), **STATEFUL[name])
    for g in grads[:4]:
        for p, gg in zip(ps, g):
            p.grad = ag.tensor(gg.copy())
        opt.step()
    sd = opt.state_dict()
    for i, st in sd["state"].items():
        for k, v in st.items():
            if isinstance(v, np.ndarray):
                assert v.dtype == (np.float64 if i == 2 else np.complex128), (i, k)
    ps2 = _ours([p._data for p in ps])
    opt2 = getattr(optim, name)(_groups(ps2, 0.05), **STATEFUL[name])
    opt2.load_state_dict(sd)
    for g in grads[4:]:
        for q, o in ((ps, opt), (ps2, opt2)):
            for p, gg in zip(q, g):
                p.grad = ag.tensor(gg.copy())
            o.step()
    for a, b in zip(ps, ps2):
        np.testing.assert_array_equal(a._data, b._data)


def test_complex_state_into_a_real_parameter_is_refused():
    z = ag.tensor(_c(3), requires_grad=True)
    opt = optim.Adam([z])
    z.grad = ag.tensor(_c(3))
    opt.step()
    sd = opt.state_dict()
    r = ag.tensor(np.zeros(3), requires_grad=True)
    opt_r = optim.Adam([r])
    with pytest.raises(ValueError, match="complex .* imaginary part"):
        opt_r.load_state_dict(sd)
    assert not opt_r.state


# -- torch ---------------------------------------------------------------------------------------


@pytest.fixture
def torch64():
    torch = pytest.importorskip("torch")
    prev = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # torch keeps step counts / mu_product in it
    yield torch
    torch.set_default_dtype(prev)


@pytest.mark.parametrize("case", COMPLEX_CASES, ids=_case_id)
def test_matches_torch_on_complex_parameters(case, torch64):
    torch = torch64
    name, kw = case
    start, grads = _start(), _grads(2)
    ps = _ours(start)
    pts = [torch.tensor(a.copy(), requires_grad=True) for a in start]
    opt = getattr(optim, name)(_groups(ps, kw["lr"]), **kw)
    opt_t = getattr(torch.optim, name)(_groups(pts, kw["lr"]), **kw)
    for step, g in enumerate(grads):
        for p, pt, gg in zip(ps, pts, g):
            p.grad = ag.tensor(gg.copy())
            pt.grad = torch.tensor(gg.copy())
        opt.step()
        opt_t.step()
        for i, (p, pt) in enumerate(zip(ps, pts)):
            np.testing.assert_allclose(
                p._data, pt.detach().numpy(), rtol=0, atol=1e-12,
                err_msg=f"{name}: parameter {i} after step {step + 1}",
            )  # fmt: skip
    for p, pt in zip(ps, pts):
        for k, v in opt_t.state[pt].items():
            if k in opt.state[p] and v.ndim:
                np.testing.assert_allclose(opt.state[p][k], v.numpy(), rtol=0, atol=1e-12)
                assert opt.state[p][k].dtype == v.numpy().dtype


@pytest.mark.parametrize("name", ["Adam", "Adagrad", "Rprop", "RMSprop"])
def test_loads_torch_state_of_complex_parameters(name, torch64):
    """A torch.optim state dict (complex state tensors) loads, and both continue alike."""
    torch = torch64
    kw = dict(STATEFUL[name])
    kw.pop("etas", None)
    start, grads = _start(), _grads(3)
    pts = [torch.tensor(a.copy(), requires_grad=True) for a in start]
    opt_t = getattr(torch.optim, name)(_groups(pts, kw.get("lr", 0.01)), **kw)
    for g in grads[:4]:
        for pt, gg in zip(pts, g):
            pt.grad = torch.tensor(gg.copy())
        opt_t.step()
    ps = _ours([pt.detach().numpy() for pt in pts])
    opt = getattr(optim, name)(_groups(ps, kw.get("lr", 0.01)), **kw)
    opt.load_state_dict(opt_t.state_dict())
    assert opt.state[ps[0]]["step"] == 4
    for g in grads[4:]:
        for p, pt, gg in zip(ps, pts, g):
            p.grad = ag.tensor(gg.copy())
            pt.grad = torch.tensor(gg.copy())
        opt.step()
        opt_t.step()
    for p, pt in zip(ps, pts):
        np.testing.assert_allclose(p._data, pt.detach().numpy(), rtol=0, atol=1e-12)


def test_complex64_adam_matches_torch(torch64):
    torch = torch64
    z0 = _c(3, 2).astype(np.complex64)
    z = ag.tensor(z0.copy(), requires_grad=True)
    zt = torch.tensor(z0.copy(), requires_grad=True)
    opt, opt_t = (
        optim.Adam([z], lr=0.05, amsgrad=True),
        torch.optim.Adam([zt], lr=0.05, amsgrad=True),
    )
    for _ in range(5):
        g = _c(3, 2).astype(np.complex64)
        z.grad, zt.grad = ag.tensor(g), torch.tensor(g)
        opt.step()
        opt_t.step()
    assert z.dtype == np.complex64
    np.testing.assert_allclose(z._data, zt.detach().numpy(), rtol=0, atol=2e-6)


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_on_complex_parameters_matches_torch(line_search, torch64):
    """LBFGS works on the real view: real inner products, flat state of 2 entries per complex
    element (as torch's, which loads)."""
    torch = torch64
    rng = np.random.default_rng(5)
    A, y = _c(6, 3, rng=rng), _c(6, rng=rng)
    z0, r0 = _c(3, rng=rng), rng.standard_normal(2)
    z, r = ag.tensor(z0.copy(), requires_grad=True), ag.tensor(r0.copy(), requires_grad=True)
    zt, rt = (
        torch.tensor(z0.copy(), requires_grad=True),
        torch.tensor(r0.copy(), requires_grad=True),
    )
    kw = dict(lr=0.5, max_iter=5, line_search_fn=line_search)
    opt, opt_t = optim.LBFGS([z, r], **kw), torch.optim.LBFGS([zt, rt], **kw)
    Aa, ya, At, yt = ag.tensor(A), ag.tensor(y), torch.tensor(A), torch.tensor(y)

    def closure():
        opt.zero_grad()
        loss = ((Aa @ z - ya).abs() ** 2).sum() + (r**4).sum() + 0.1 * (z.abs() ** 4).sum()
        loss.backward()
        return loss

    def closure_t():
        opt_t.zero_grad()
        loss = ((At @ zt - yt).abs() ** 2).sum() + (rt**4).sum() + 0.1 * (zt.abs() ** 4).sum()
        loss.backward()
        return loss

    # 15 quasi-Newton iterations amplify rounding: 2e-12 apart on some CPUs (torch's kernels
    # vectorise differently), so 1e-10; a wrong step is off by far more
    for _ in range(3):
        opt.step(closure)
        opt_t.step(closure_t)
        np.testing.assert_allclose(z._data, zt.detach().numpy(), rtol=0, atol=1e-10)
        np.testing.assert_allclose(r._data, rt.detach().numpy(), rtol=0, atol=1e-10)
    st = opt.state_dict()["state"][0]
    assert st["d"].shape == (3 * 2 + 2,) and st["d"].dtype == np.float64
    np.testing.assert_allclose(st["d"], opt_t.state_dict()["state"][0]["d"].numpy(), atol=1e-10)
    opt2 = optim.LBFGS([z, r], **kw)
    opt2.load_state_dict(opt_t.state_dict())
    assert opt2.state[z]["prev_flat_grad"].shape == (8,)


# -- gradient clipping ---------------------------------------------------------------------------


def _with_grads(*grads):
    ps = []
    for g in grads:
        g = np.asarray(g)
        p = ag.tensor(np.zeros_like(g), requires_grad=True)
        p.grad = ag.tensor(g.copy())
        ps.append(p)
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, math.inf])
def test_clip_grad_norm_uses_the_modulus(norm_type):
    gz = np.array([3 + 4j, 1 + 0j, -2j])
    gr = np.array([1.0, -2.0], dtype=np.float32)
    mods = np.concatenate([np.abs(gz), np.abs(gr)])
    want = mods.max() if norm_type == math.inf else (mods**norm_type).sum() ** (1 / norm_type)
    ps = _with_grads(gz, gr)
    total = optim.clip_grad_norm_(ps, max_norm=1.0, norm_type=norm_type)
    assert total.dtype == np.float64  # real: the common dtype's real counterpart
    assert total.item() == pytest.approx(want, rel=1e-12)
    np.testing.assert_allclose(ps[0].grad._data, gz / (want + 1e-6), rtol=1e-12)
    z64 = _with_grads(gz.astype(np.complex64))
    assert optim.clip.get_total_norm([z64[0].grad]).dtype == np.float32
    assert z64[0].grad.dtype == np.complex64


def test_clip_grad_norm_matches_torch(torch64):
    torch = torch64
    gz, gr = _c(3, 2), RNG.standard_normal(4).astype(np.float32)
    ps = _with_grads(gz, gr)
    pts = [
        torch.zeros(g.shape, dtype=torch.from_numpy(g).dtype, requires_grad=True) for g in (gz, gr)
    ]
    for pt, g in zip(pts, (gz, gr)):
        pt.grad = torch.tensor(g.copy())
    for nt in (2.0, 1.0, math.inf):
        a = optim.clip.get_total_norm([p.grad for p in ps], nt)
        b = torch.nn.utils.get_total_norm([pt.grad for pt in pts], nt)
        assert a.item() == pytest.approx(b.item(), rel=1e-6)
        assert str(b.dtype).endswith(str(a.dtype))
    optim.clip_grad_norm_(ps, 0.5)
    torch.nn.utils.clip_grad_norm_(pts, 0.5)
    np.testing.assert_allclose(ps[0].grad._data, pts[0].grad.numpy(), rtol=1e-6)


def test_clip_grad_value_refuses_complex_and_changes_nothing():
    ps = _with_grads(np.array([5.0, -5.0]), np.array([3 + 4j]))
    with pytest.raises(TypeError, match="parameter 1 .*complex"):
        optim.clip_grad_value_(ps, 1.0)
    np.testing.assert_array_equal(ps[0].grad._data, [5.0, -5.0])


@pytest.mark.gpu
@pytest.mark.parametrize("name", ["Adam", "Rprop", "Adagrad", "RMSprop"])
def test_complex_parameters_on_cuda_match_cpu(name):
    """The real views are made on the device (CuPy's ``view``), state stays there and complex."""
    kw = dict(STATEFUL[name])
    z0, grads = _c(3, 4), [_c(3, 4) for _ in range(4)]
    z = ag.tensor(z0.copy(), requires_grad=True, device="cuda")
    zc = ag.tensor(z0.copy(), requires_grad=True)
    opt, opt_c = getattr(optim, name)([z], **kw), getattr(optim, name)([zc], **kw)
    for g in grads:
        z.grad, zc.grad = ag.tensor(g, device="cuda"), ag.tensor(g)
        opt.step()
        opt_c.step()
    np.testing.assert_allclose(z._data.get(), zc._data, rtol=0, atol=1e-12)
    for v in opt.state[z].values():
        if hasattr(v, "shape"):
            assert v.dtype == np.complex128 and type(v).__module__.startswith("cupy")
    total = optim.clip_grad_norm_([z], 1.0)
    assert total.item() == pytest.approx(np.linalg.norm(grads[-1]), rel=1e-12)


def test_real_state_into_a_complex_parameter_is_refused():
    """A real exp_avg loaded as v + 0j would take a wrong step on the imaginary part; torch
    refuses, and so does this, changing nothing."""
    p = ag.tensor(np.ones(3) + 1j, requires_grad=True)
    opt = optim.Adam([p])
    q = ag.tensor(np.ones(3), requires_grad=True)
    real_opt = optim.Adam([q])
    q.grad = ag.ones(3, dtype=ag.float64)
    real_opt.step()
    before = opt.state_dict()
    with pytest.raises(ValueError, match="state 'exp_avg' is real .*complex128"):
        opt.load_state_dict(real_opt.state_dict())
    assert opt.state_dict()["state"] == before["state"]
