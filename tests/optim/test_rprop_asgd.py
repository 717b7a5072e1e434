"""Rprop and ASGD: hand-computed steps, option checks, state dicts (a round trip mid-run continues
the same trajectory), and (where torch is installed) step-by-step parity with torch.optim, also
after loading torch's own state dict mid-run."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import autograd as ag
import optim
from optim.asgd import ASGD
from optim.optimizer import NonFiniteGradError
from optim.rprop import Rprop


def _p(values, dtype=np.float64):
    return ag.tensor(np.array(values, dtype=dtype), requires_grad=True)


def _steps(opt, params, grads):
    """Feed each entry of ``grads`` (one array per parameter) to a step; return the params after
    each step."""
    out = []
    for gs in grads:
        for p, g in zip(params, gs):
            p.grad = ag.tensor(np.asarray(g, dtype=p.dtype))
        opt.step()
        out.append([p.detach().numpy().copy() for p in params])
    return out


def _grad_seq(rng, shapes, n, dtype=np.float64):
    seq = []
    for k in range(n):
        gs = [rng.standard_normal(s).astype(dtype) for s in shapes]
        if k % 3 == 2:
            gs[0].reshape(-1)[:2] = 0  # zero gradients: sign 0
        seq.append(gs)
    return seq


# -- Rprop -----------------------------------------------------------------------------------------


def test_rprop_hand_computed():
    # elementwise: [grows, flips, zero grad]
    p = _p([1.0, 1.0, 1.0])
    opt = Rprop([p], lr=0.1, etas=(0.5, 1.2), step_sizes=(1e-6, 0.13))
    grads = [[2.0, 2.0, 0.0], [3.0, -1.0, 0.0], [1.0, -1.0, 1.0], [5.0, 4.0, -1.0]]
    got = [s[0] for s in _steps(opt, [p], [[g] for g in grads])]
    # element 0: steps 0.1, 0.12, then 0.144 and 0.1728 clamped to the max 0.13
    # element 1: 0.1; the flip halves the step size (0.05) and skips the move; prev is then 0,
    #            so the next step moves 0.05 (up, g < 0); the next flip: 0.025, no move
    # element 2: g == 0 moves nothing and keeps the step size; then 0.1 down; then a flip
    want = [
        [0.9, 0.9, 1.0],
        [0.78, 0.9, 1.0],
        [0.65, 0.95, 0.9],
        [0.52, 0.95, 0.9],
    ]
    np.testing.assert_allclose(np.array(got), want, rtol=1e-12)
    st = opt.state[p]
    assert st["step"] == 4
    np.testing.assert_allclose(st["step_size"], [0.13, 0.025, 0.05])
    np.testing.assert_array_equal(st["prev"], [5.0, 0.0, 0.0])


def test_rprop_maximize_and_float32():
    a, b = _p([0.5, -0.5], np.float32), _p([0.5, -0.5], np.float32)
    opt_a, opt_b = Rprop([a], lr=0.2, maximize=True), Rprop([b], lr=0.2)
    grads = [np.array([1.0, -2.0], np.float32), np.array([0.5, 3.0], np.float32)]
    got_a = _steps(opt_a, [a], [[g] for g in grads])
    got_b = _steps(opt_b, [b], [[-g] for g in grads])
    np.testing.assert_array_equal(got_a, got_b)
    assert a.dtype == ag.float32
    assert opt_a.state[a]["step_size"].dtype == np.float32
    np.testing.assert_allclose(got_a[0][0], [0.7, -0.7], rtol=1e-6)  # ascends


def test_rprop_lr_only_seeds_the_step_size():
    p = _p([0.0])
    opt = Rprop([p], lr=0.1)
    _steps(opt, [p], [[[1.0]]])
    opt.param_groups[0]["lr"] = 10.0
    _steps(opt, [p], [[[1.0]]])
    np.testing.assert_allclose(p.detach().numpy(), [-0.1 - 0.12])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(lr=-0.1), "Invalid learning rate: -0.1"),
        (dict(etas=(1.5, 1.2)), r"Invalid eta values: \(1.5, 1.2\)"),
        (dict(etas=(0.5, 1.0)), "Invalid eta values"),
        (dict(etas=(0.5,)), "Invalid eta values"),
        (dict(step_sizes=(1.0, 0.5)), r"Invalid step_sizes: \(1.0, 0.5\)"),
        (dict(step_sizes=(-1.0, 0.5)), "Invalid step_sizes"),
        (dict(maximize="yes"), "Invalid maximize"),
    ],
)
def test_rprop_option_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Rprop([_p([1.0])], **kwargs)


def test_rprop_group_option_error_names_the_group():
    with pytest.raises(ValueError, match=r"Invalid eta values.*\(param group 1\)"):
        Rprop([{"params": [_p([1.0])]}, {"params": [_p([2.0])], "etas": (2.0, 3.0)}])


# -- ASGD ------------------------------------------------------------------------------------------


def test_asgd_hand_computed():
    p = _p([1.0])
    lr, lambd, alpha, t0, wd = 0.1, 0.5, 1.0, 1, 0.2
    opt = ASGD([p], lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=wd)
    grads = [1.0, -2.0, 0.5, 3.0]
    got = [s[0][0] for s in _steps(opt, [p], [[[g]] for g in grads])]
    # by hand: eta_1 = lr, mu_1 = 1; after step t: eta = lr / (1 + lambd lr t), mu = 1/max(1, t - 1)
    x, ax, eta, mu, want, want_ax = 1.0, 0.0, lr, 1.0, [], []
    for t, g in enumerate(grads, 1):
        g = g + wd * x
        x = x * (1 - lambd * eta) - eta * g
        ax = x if mu == 1 else ax + mu * (x - ax)
        eta, mu = lr / (1 + lambd * lr * t), 1 / max(1, t - t0)
        want.append(x)
        want_ax.append(ax)
    np.testing.assert_allclose(got, want, rtol=1e-14)
    assert want_ax[-1] != want[-1]  # averaging started (mu = 1/2 at step 4)
    st = opt.state[p]
    np.testing.assert_allclose(st["ax"], [want_ax[-1]], rtol=1e-14)
    assert st["step"] == 4 and st["mu"] == 1 / 3 and math.isclose(st["eta"], lr / 1.2)
    assert got[0] == pytest.approx(0.83)  # g = 1 + 0.2 * 1; x = 1 * (1 - 0.05) - 0.1 * 1.2


def test_asgd_maximize_float32_and_check_finite():
    p = _p([1.0, 2.0], np.float32)
    opt = ASGD([p], lr=0.1, maximize=True, check_finite=True)
    _steps(opt, [p], [[np.array([1.0, -1.0], np.float32)]])
    assert p.dtype == ag.float32 and opt.state[p]["ax"].dtype == np.float32
    np.testing.assert_allclose(p.detach().numpy(), [1.0 * (1 - 1e-5) + 0.1, 2 * (1 - 1e-5) - 0.1],
                               rtol=1e-6)  # fmt: skip
    before = copy.deepcopy(opt.state_dict())
    p.grad = ag.tensor(np.array([np.nan, 1.0], np.float32))
    with pytest.raises(NonFiniteGradError, match="1 NaN"):
        opt.step()
    after = opt.state_dict()
    np.testing.assert_array_equal(after["state"][0]["ax"], before["state"][0]["ax"])
    assert after["state"][0]["step"] == 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(lr=-1.0), "Invalid learning rate: -1.0"),
        (dict(weight_decay=-1e-3), "Invalid weight_decay value: -0.001"),
        (dict(lambd=-1.0), "Invalid lambd value"),
        (dict(t0=float("nan")), "Invalid t0 value"),
        (dict(alpha="0.75"), "Invalid alpha value"),
        (dict(maximize=1), "Invalid maximize"),
    ],
)
def test_asgd_option_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ASGD([_p([1.0])], **kwargs)


# -- state dicts -----------------------------------------------------------------------------------

MAKERS = {
    "Rprop": lambda ps: Rprop(
        [{"params": ps[:1]}, {"params": ps[1:], "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.5)}],
        lr=0.05,
    ),
    "ASGD": lambda ps: ASGD(
        [{"params": ps[:1]}, {"params": ps[1:], "weight_decay": 0.1, "lr": 0.02}],
        lr=0.05,
        t0=3,
        lambd=1e-2,
        alpha=0.6,
    ),  # fmt: skip
}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_state_dict_round_trip_mid_run_continues_identically(name):
    rng = np.random.default_rng(0)
    init = [rng.standard_normal((3, 2)), rng.standard_normal(4)]
    grads = _grad_seq(rng, [(3, 2), (4,)], 10)
    ps = [_p(a) for a in init]
    opt = MAKERS[name](ps)
    _steps(opt, ps, grads[:5])
    sd = copy.deepcopy(opt.state_dict())
    mid = [p.detach().numpy().copy() for p in ps]
    want = _steps(opt, ps, grads[5:])

    ps2 = [_p(a) for a in mid]
    opt2 = MAKERS[name](ps2)
    opt2.param_groups[0]["lr"] = 0.999  # the loaded options win
    opt2.load_state_dict(sd)
    got = _steps(opt2, ps2, grads[5:])
    for w, g in zip(want, got):
        for a, b in zip(w, g):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_load_state_dict_validates_before_changing_anything(name):
    ps = [_p(np.ones((3, 2))), _p(np.ones(4))]
    opt = MAKERS[name](ps)
    _steps(opt, ps, [[np.ones((3, 2)), np.ones(4)]])
    sd = copy.deepcopy(opt.state_dict())
    bad = copy.deepcopy(sd)
    key = "step_size" if name == "Rprop" else "ax"
    bad["state"][1][key] = np.zeros(5)
    with pytest.raises(ValueError, match=rf"state '{key}' has shape \(5,\), expected \(4,\)"):
        opt.load_state_dict(bad)
    bad = copy.deepcopy(sd)
    del bad["state"][0]["step"]
    with pytest.raises(ValueError, match="state is missing step"):
        opt.load_state_dict(bad)
    np.testing.assert_array_equal(opt.state[ps[1]][key], sd["state"][1][key])


# -- torch parity ----------------------------------------------------------------------------------


@pytest.fixture
def torch64():
    torch = pytest.importorskip("torch")
    prev = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # torch keeps ASGD's eta and mu in the default dtype
    yield torch
    torch.set_default_dtype(prev)


TORCH_CASES = [
    ("Rprop", dict(lr=0.05)),
    ("Rprop", dict(lr=0.01, etas=(0.3, 1.7), step_sizes=(1e-3, 0.2), maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=1e-2, alpha=0.6, t0=4, weight_decay=0.1)),
    ("ASGD", dict(lr=0.02, t0=0, weight_decay=0.05, maximize=True)),
]


def _torch_pair(torch, name, kw, init, dtype):
    cls = {"Rprop": Rprop, "ASGD": ASGD}[name]
    ps = [_p(a, dtype) for a in init]
    tps = [torch.tensor(a.astype(dtype), requires_grad=True) for a in init]
    groups = [{"params": ps[:1]}, {"params": ps[1:], "lr": 0.03}]
    tgroups = [{"params": tps[:1]}, {"params": tps[1:], "lr": 0.03}]
    return ps, tps, cls(groups, **kw), getattr(torch.optim, name)(tgroups, **kw)


def _torch_steps(torch, opt, tps, grads):
    out = []
    for gs in grads:
        for p, g in zip(tps, gs):
            p.grad = torch.tensor(g)
        opt.step()
        out.append([p.detach().numpy().copy() for p in tps])
    return out


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("name", "kw"), TORCH_CASES, ids=lambda v: str(v))
def test_trajectory_matches_torch(torch64, name, kw, dtype):
    torch = torch64
    rng = np.random.default_rng(1)
    init = [rng.standard_normal((3, 2)), rng.standard_normal(4)]
    grads = _grad_seq(rng, [(3, 2), (4,)], 12, dtype)
    ps, tps, opt, topt = _torch_pair(torch, name, kw, init, dtype)
    ours = _steps(opt, ps, grads)
    theirs = _torch_steps(torch, topt, tps, grads)
    tol = dict(rtol=1e-12, atol=1e-14) if dtype == np.float64 else dict(rtol=1e-6, atol=1e-7)
    for k, (a, b) in enumerate(zip(ours, theirs)):
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, err_msg=f"{name} {kw}: step {k + 1}", **tol)
    for p, tp in zip(ps, tps):
        st, tst = opt.state[p], topt.state[tp]
        assert set(st) == set(tst)
        for key, v in st.items():
            np.testing.assert_allclose(np.asarray(v), tst[key].numpy(), **tol)


@pytest.mark.parametrize("name", ["Rprop", "ASGD"])
def test_loading_torch_state_dict_mid_run_reproduces_torch(torch64, name):
    torch = torch64
    kw = dict(lr=0.05, t0=2, lambd=1e-2) if name == "ASGD" else dict(lr=0.05, etas=(0.4, 1.3))
    rng = np.random.default_rng(2)
    init = [rng.standard_normal((3, 2)), rng.standard_normal(4)]
    grads = _grad_seq(rng, [(3, 2), (4,)], 10)
    _, tps, _, topt = _torch_pair(torch, name, kw, init, np.float64)
    _torch_steps(torch, topt, tps, grads[:5])
    mid = [p.detach().numpy().copy() for p in tps]
    sd = copy.deepcopy(topt.state_dict())  # torch's holds its live state tensors
    theirs = _torch_steps(torch, topt, tps, grads[5:])
    ps, _, opt, _ = _torch_pair(torch, name, kw, mid, np.float64)
    opt.load_state_dict(sd)
    ours = _steps(opt, ps, grads[5:])
    for a, b in zip(ours, theirs):
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14)


def test_lr_change_mid_run_matches_torch(torch64):
    torch = torch64
    rng = np.random.default_rng(3)
    init = [rng.standard_normal(3), rng.standard_normal(2)]
    grads = _grad_seq(rng, [(3,), (2,)], 6)
    for name, kw in (("Rprop", dict(lr=0.1)), ("ASGD", dict(lr=0.1, t0=1))):
        ps, tps, opt, topt = _torch_pair(torch, name, kw, init, np.float64)
        _steps(opt, ps, grads[:3])
        _torch_steps(torch, topt, tps, grads[:3])
        for g in (*opt.param_groups, *topt.param_groups):
            g["lr"] = 0.5
        a, b = _steps(opt, ps, grads[3:]), _torch_steps(torch, topt, tps, grads[3:])
        np.testing.assert_allclose(np.concatenate(a[-1]), np.concatenate(b[-1]), rtol=1e-12)


def test_defaults_match_torch():
    torch = pytest.importorskip("torch")
    for ours, theirs in ((Rprop, torch.optim.Rprop), (ASGD, torch.optim.ASGD)):
        p = ag.tensor([1.0], requires_grad=True)
        tp = torch.tensor([1.0], requires_grad=True)
        mine, ref = ours([p]).defaults, theirs([tp]).defaults
        for key, v in mine.items():
            assert ref[key] == v, (ours.__name__, key)


@pytest.mark.parametrize(
    "name", ["SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "RMSprop", "NAdam", "RAdam",
             "Adamax", "Rprop", "ASGD"],
)  # fmt: skip
def test_pytorch_implementation_switches_are_accepted(name):
    p = [ag.tensor([1.0, -2.0], requires_grad=True)]
    opt = getattr(optim, name)(p, foreach=None, fused=None, capturable=False, differentiable=False)
    p[0].grad = ag.tensor([0.5, 0.5])
    opt.step()
    with pytest.raises(NotImplementedError, match=f"{name}: differentiable=True"):
        getattr(optim, name)(p, differentiable=True)
    with pytest.raises(TypeError, match="unexpected keyword argument 'fuse'"):
        getattr(optim, name)(p, fuse=True)
