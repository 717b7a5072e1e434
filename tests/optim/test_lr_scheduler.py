"""Learning-rate schedules: each lr sequence against its formula (written here), against
torch.optim.lr_scheduler where torch is installed, state-dict round trips, and errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd as ag
import optim
from optim import lr_scheduler as S

BASE = (0.1, 0.02)  # two param groups with different base lrs


def _opt(cls=optim.SGD, **kw):
    ps = [ag.tensor(np.zeros(2), requires_grad=True) for _ in BASE]
    if cls is optim.SGD:
        kw.setdefault("momentum", 0.9)
    return cls([{"params": [p], "lr": lr} for p, lr in zip(ps, BASE)], **kw)


def _run(opt, sched, n, metrics=None):
    """The lrs (one list per group) after construction and after each of ``n`` steps."""
    out = [sched.get_last_lr()]
    for i in range(n):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[i])
        out.append(sched.get_last_lr())
        assert out[-1] == [g["lr"] for g in opt.param_groups]
    return np.array(out)


def _formula(f, n):
    return np.array([[f(base, e) for base in BASE] for e in range(n + 1)])


# -- formulas --------------------------------------------------------------------------------------

FORMULAS = {
    "StepLR": (lambda o: S.StepLR(o, step_size=3, gamma=0.5), lambda b, e: b * 0.5 ** (e // 3)),
    "MultiStepLR": (
        lambda o: S.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.1),
        lambda b, e: b * 0.1 ** sum(m <= e for m in [2, 5, 5, 9]),
    ),
    "ExponentialLR": (lambda o: S.ExponentialLR(o, gamma=0.9), lambda b, e: b * 0.9**e),
    "CosineAnnealingLR": (
        lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
        lambda b, e: 0.001 + (b - 0.001) * (1 + math.cos(math.pi * e / 10)) / 2,
    ),
    "LinearLR": (
        lambda o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4),
        lambda b, e: b * (0.25 + 0.75 * min(e, 4) / 4),
    ),
    "LinearLR-decay": (
        lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=8),
        lambda b, e: b * (1.0 - 0.9 * min(e, 8) / 8),
    ),
    "ConstantLR": (
        lambda o: S.ConstantLR(o, factor=0.5, total_iters=3),
        lambda b, e: b * (0.5 if e < 3 else 1.0),
    ),
    "PolynomialLR": (
        lambda o: S.PolynomialLR(o, total_iters=6, power=2.0),
        lambda b, e: b * (1 - min(e, 6) / 6) ** 2,
    ),
    "LambdaLR": (lambda o: S.LambdaLR(o, lambda e: 1 / (1 + e)), lambda b, e: b / (1 + e)),
    "CosineAnnealingWarmRestarts": (
        lambda o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.0),
        # periods 3, 6, 12 starting at epochs 0, 3, 9
        lambda b, e: b * (1 + math.cos(math.pi * _t_cur(e) / _t_i(e))) / 2,
    ),
}


def _t_i(e):
    start, length = 0, 3
    while e >= start + length:
        start, length = start + length, length * 2
    return length


def _t_cur(e):
    start, length = 0, 3
    while e >= start + length:
        start, length = start + length, length * 2
    return e - start


@pytest.mark.parametrize("key", list(FORMULAS))
def test_lr_sequence_matches_formula(key):
    make, f = FORMULAS[key]
    opt = _opt()
    got = _run(opt, make(opt), 30)
    np.testing.assert_allclose(got, _formula(f, 30), rtol=1e-12, atol=1e-15)


def test_lambda_per_group_and_one_cycle_formula():
    opt = _opt()
    got = _run(opt, S.LambdaLR(opt, [lambda e: 0.5**e, lambda e: e + 1.0]), 5)
    np.testing.assert_allclose(got[:, 0], [0.1 * 0.5**e for e in range(6)])
    np.testing.assert_allclose(got[:, 1], [0.02 * (e + 1) for e in range(6)])

    # OneCycleLR, two phases, cos: up from max/25 to max over 30% of 20 steps, then down
    opt = _opt()
    got = _run(opt, S.OneCycleLR(opt, max_lr=1.0, total_steps=20), 19)
    up_end, lo = 0.3 * 20 - 1, 1.0 / 25 / 1e4
    for e, lr in enumerate(got[:, 0]):
        if e <= up_end:
            want = 1.0 + (0.04 - 1.0) / 2 * (1 + math.cos(math.pi * e / up_end))
        else:
            pct = (e - up_end) / (19 - up_end)
            want = lo + (1.0 - lo) / 2 * (1 + math.cos(math.pi * pct))
        assert lr == pytest.approx(want, rel=1e-12)


def test_reduce_on_plateau_by_hand():
    opt = _opt()
    sched = S.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=2, cooldown=1, min_lr=0.01)
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.8, 0.8, 0.8, 0.8]
    got = _run(opt, sched, len(metrics), metrics)[1:, 0]
    # bad epochs after 0.9: 3rd one drops (epoch 5); cooldown 1 swallows epoch 6; then
    # 3 more bad epochs drop again (epoch 9); 0.8 improves; then 3 bad epochs, a drop
    want = [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025, 0.025, 0.0125]
    np.testing.assert_allclose(got, want)
    assert sched.best == 0.8
    # min_lr floors the second group (0.02 -> 0.01, then stays)
    assert opt.param_groups[1]["lr"] == 0.01


# -- against torch ---------------------------------------------------------------------------------


def _torch_opt(torch, optimizer="SGD", **kw):
    ps = [torch.zeros(2, requires_grad=True) for _ in BASE]
    if optimizer == "SGD":
        kw.setdefault("momentum", 0.9)
    cls = getattr(torch.optim, optimizer)
    return cls([{"params": [p], "lr": lr} for p, lr in zip(ps, BASE)], **kw)


TORCH_CASES = {
    "StepLR": dict(step_size=3, gamma=0.5),
    "MultiStepLR": dict(milestones=[2, 5, 5, 9], gamma=0.1),
    "ExponentialLR": dict(gamma=0.9),
    "CosineAnnealingLR": dict(T_max=10, eta_min=0.001),
    "CosineAnnealingLR-0": dict(T_max=7),
    "LinearLR": dict(start_factor=0.25, total_iters=4),
    "ConstantLR": dict(factor=0.5, total_iters=3),
    "PolynomialLR": dict(total_iters=6, power=2.0),
    "CosineAnnealingWarmRestarts": dict(T_0=3, T_mult=2, eta_min=0.001),
    "CosineAnnealingWarmRestarts-1": dict(T_0=4),
    "OneCycleLR": dict(max_lr=[1.0, 0.5], total_steps=40),
    "OneCycleLR-linear": dict(max_lr=1.0, total_steps=40, anneal_strategy="linear"),
    "OneCycleLR-3": dict(max_lr=1.0, epochs=4, steps_per_epoch=10, three_phase=True,
                         pct_start=0.25, div_factor=10.0, final_div_factor=100.0),
}  # fmt: skip


@pytest.mark.parametrize("key", list(TORCH_CASES))
@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_matches_torch(key, optimizer):
    torch = pytest.importorskip("torch")
    cls_name = key.split("-")[0]
    kw = TORCH_CASES[key]
    n = 39 if cls_name == "OneCycleLR" else 35
    opt = _opt(getattr(optim, optimizer))
    ours = _run(opt, getattr(S, cls_name)(opt, **kw), n)
    opt_t = _torch_opt(torch, optimizer)
    theirs = _run(opt_t, getattr(torch.optim.lr_scheduler, cls_name)(opt_t, **kw), n)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    if cls_name == "OneCycleLR":  # the momentum (SGD) or beta1 (Adam) cycles the same way
        key_m = "momentum" if optimizer == "SGD" else "betas"
        for g, gt in zip(opt.param_groups, opt_t.param_groups):
            assert g[key_m] == pytest.approx(gt[key_m], rel=1e-12)


def test_warm_restarts_fractional_epochs_match_torch():
    torch = pytest.importorskip("torch")
    opt, opt_t = _opt(), _torch_opt(torch)
    s = S.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=3, eta_min=0.01)
    st = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt_t, T_0=2, T_mult=3, eta_min=0.01)
    for epoch in np.arange(0, 20, 0.3):
        s.step(float(epoch))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            st.step(float(epoch))
        np.testing.assert_allclose(s.get_last_lr(), st.get_last_lr(), rtol=1e-10)


def test_sequential_matches_torch():
    torch = pytest.importorskip("torch")
    TS = torch.optim.lr_scheduler

    def build(mod, o):
        return mod.SequentialLR(
            o,
            [
                mod.LinearLR(o, start_factor=0.1, total_iters=5),
                mod.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
                mod.ExponentialLR(o, gamma=0.8),
            ],
            milestones=[5, 15],
        )

    opt, opt_t = _opt(), _torch_opt(torch)
    ours = _run(opt, build(S, opt), 25)
    theirs = _run(opt_t, build(TS, opt_t), 25)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    # warm-up to the base lr, then cosine from it, then exponential from the base lr again
    assert ours[5, 0] == pytest.approx(0.1) and ours[15, 0] == pytest.approx(0.1)


@pytest.mark.parametrize(
    "kw",
    [
        dict(mode="min", factor=0.5, patience=2),
        dict(mode="max", factor=0.3, patience=1, threshold_mode="abs", threshold=0.05),
        dict(mode="min", patience=0, cooldown=2, min_lr=[0.01, 0.015]),
        dict(mode="max", threshold=0.1, eps=0.05, min_lr=0.02),
    ],
)
def test_reduce_on_plateau_matches_torch(kw):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    metrics = list(np.cumsum(rng.normal(0, 1, 40)))
    opt, opt_t = _opt(), _torch_opt(torch)
    ours = _run(opt, S.ReduceLROnPlateau(opt, **kw), 40, metrics)
    theirs = _run(opt_t, torch.optim.lr_scheduler.ReduceLROnPlateau(opt_t, **kw), 40, metrics)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert len(np.unique(ours[:, 0])) > 1  # the case does drop the lr


# -- state dicts, get_last_lr, errors --------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda o: S.StepLR(o, 3),
        lambda o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2),
        lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=30),
        lambda o: S.ReduceLROnPlateau(o, patience=1),
        lambda o: S.SequentialLR(
            o, [S.LinearLR(o, 0.1, total_iters=3), S.ExponentialLR(o, 0.9)], [3]
        ),  # fmt: skip
    ],
    ids=["step", "warm-restarts", "one-cycle", "plateau", "sequential"],
)
def test_state_dict_round_trip(make):
    metrics = [1.0, 2.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 0.1, 0.2, 0.3, 0.4, 0.5] * 2
    plateau = lambda s: isinstance(s, S.ReduceLROnPlateau)  # noqa: E731

    opt = _opt()
    sched = make(opt)
    for i in range(8):
        sched.step(metrics[i]) if plateau(sched) else sched.step()
    sd, opt_sd = sched.state_dict(), opt.state_dict()
    rest = []
    for i in range(8, 20):
        sched.step(metrics[i]) if plateau(sched) else sched.step()
        rest.append(sched.get_last_lr())

    opt2 = _opt()
    sched2 = make(opt2)
    opt2.load_state_dict(opt_sd)
    sched2.load_state_dict(sd)
    got = []
    for i in range(8, 20):
        sched2.step(metrics[i]) if plateau(sched2) else sched2.step()
        got.append(sched2.get_last_lr())
    assert got == rest
    assert "optimizer" not in sd


def test_get_last_lr_is_a_copy():
    opt = _opt()
    sched = S.StepLR(opt, 2)
    lrs = sched.get_last_lr()
    lrs[0] = 99.0
    assert sched.get_last_lr()[0] == 0.1 and opt.param_groups[0]["initial_lr"] == 0.1


@pytest.mark.parametrize(
    "build,exc",
    [
        (lambda o: S.StepLR(o, step_size=0), ValueError),
        (lambda o: S.StepLR("not an optimizer", 3), TypeError),
        (lambda o: S.MultiStepLR(o, [1.5]), ValueError),
        (lambda o: S.LinearLR(o, start_factor=0.0), ValueError),
        (lambda o: S.LinearLR(o, end_factor=1.5), ValueError),
        (lambda o: S.ConstantLR(o, factor=2.0), ValueError),
        (lambda o: S.ExponentialLR(o, gamma=-1.0), ValueError),
        (lambda o: S.CosineAnnealingLR(o, T_max=0), ValueError),
        (lambda o: S.CosineAnnealingWarmRestarts(o, T_0=0), ValueError),
        (lambda o: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0), ValueError),
        (lambda o: S.OneCycleLR(o, max_lr=1.0), ValueError),
        (lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=1.5), ValueError),
        (lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=10, anneal_strategy="x"), ValueError),
        (lambda o: S.OneCycleLR(o, max_lr=[1.0], total_steps=10), ValueError),
        (lambda o: S.ReduceLROnPlateau(o, factor=1.0), ValueError),
        (lambda o: S.ReduceLROnPlateau(o, mode="lowest"), ValueError),
        (lambda o: S.ReduceLROnPlateau(o, threshold_mode="pct"), ValueError),
        (lambda o: S.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError),
        (lambda o: S.LambdaLR(o, [lambda e: 1.0]), ValueError),
        (lambda o: S.SequentialLR(o, [S.StepLR(o, 2), S.StepLR(o, 3)], milestones=[]), ValueError),
        (lambda o: S.SequentialLR(o, [S.StepLR(o, 2), S.StepLR(_opt(), 3)], [2]), ValueError),
        (lambda o: S.SequentialLR(o, [S.ReduceLROnPlateau(o)], []), ValueError),
        (lambda o: S.StepLR(o, 2, last_epoch=4), KeyError),
    ],
)
def test_errors(build, exc):
    with pytest.raises(exc):
        build(_opt())


def test_one_cycle_raises_past_total_steps_and_needs_momentum():
    opt = _opt()
    sched = S.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    sched.step()
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        sched.step()
    opt = _opt(optim.Adagrad)
    with pytest.raises(ValueError, match="momentum or beta1"):
        S.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    S.OneCycleLR(opt, max_lr=1.0, total_steps=3, cycle_momentum=False)


def test_one_cycle_cycles_momentum_of_sgd_made_without_it():
    """SGD made with momentum=0 gets its momentum from OneCycleLR; the buffer appears lazily."""
    p = ag.tensor(np.ones(3), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    sched = S.OneCycleLR(opt, max_lr=0.5, total_steps=10)
    assert opt.param_groups[0]["momentum"] == 0.95
    for _ in range(5):
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
        sched.step()
    assert "momentum_buffer" in opt.state[p]
    assert opt.param_groups[0]["momentum"] < 0.95


def _two_group_sgd(lib):
    """SGD with two param groups (lr 0.1 and 0.05), in tapegrad or in torch (lib)."""
    if lib == "torch":
        import torch

        ps = [torch.nn.Parameter(torch.zeros(1)) for _ in range(2)]
        return torch.optim.SGD([{"params": [ps[0]], "lr": 0.1}, {"params": [ps[1]], "lr": 0.05}])
    ps = [ag.tensor(np.zeros(1), requires_grad=True) for _ in range(2)]
    return optim.SGD([{"params": [ps[0]], "lr": 0.1}, {"params": [ps[1]], "lr": 0.05}])


CHAINS = {
    "StepLR": lambda L, o: [L.StepLR(o, 3, 0.5)],
    "MultiStepLR": lambda L, o: [L.MultiStepLR(o, [2, 5, 5, 9], 0.3)],
    "ConstantLR": lambda L, o: [L.ConstantLR(o, 0.25, 4)],
    "LinearLR": lambda L, o: [L.LinearLR(o, 0.1, 0.9, 6)],
    "ExponentialLR": lambda L, o: [L.ExponentialLR(o, 0.9)],
    "PolynomialLR": lambda L, o: [L.PolynomialLR(o, 7, 2.0)],
    "CosineAnnealingLR": lambda L, o: [L.CosineAnnealingLR(o, 5, 0.001)],
    "Exponential+MultiStep": lambda L, o: [L.ExponentialLR(o, 0.9), L.MultiStepLR(o, [3, 6])],
    "Linear+Cosine": lambda L, o: [L.LinearLR(o, 0.2, total_iters=4), L.CosineAnnealingLR(o, 8)],
    "Constant+Step": lambda L, o: [L.ConstantLR(o, 0.5, 3), L.StepLR(o, 2, 0.7)],
    "MultiplicativeLR": lambda L, o: [L.MultiplicativeLR(o, lambda e: 0.9 if e % 2 else 0.95)],
    "Multiplicative+Step": lambda L, o: [L.MultiplicativeLR(o, lambda e: 0.97), L.StepLR(o, 3)],
    "ChainedScheduler": lambda L, o: [
        L.ChainedScheduler([L.ConstantLR(o, 0.1, total_iters=2), L.ExponentialLR(o, 0.9)])
    ],
}


@pytest.mark.parametrize("name", list(CHAINS))
def test_recursive_schedules_chain_and_keep_hand_set_lrs_exactly_as_torch(name):
    """Stepping several schedulers on one optimizer composes them, and an lr changed by hand
    at epoch 10 carries on, bit for bit as torch's recursive rules (25 epochs, 2 groups)."""
    torch = pytest.importorskip("torch")
    ours_opt, theirs_opt = _two_group_sgd("tapegrad"), _two_group_sgd("torch")
    ours = CHAINS[name](S, ours_opt)
    theirs = CHAINS[name](torch.optim.lr_scheduler, theirs_opt)
    for epoch in range(25):
        if epoch == 10:
            for o in (ours_opt, theirs_opt):
                for g in o.param_groups:
                    g["lr"] *= 3
        assert [g["lr"] for g in ours_opt.param_groups] == [
            g["lr"] for g in theirs_opt.param_groups
        ], epoch
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch: "step() before optimizer.step()"
            for s in theirs:
                s.step()
        for s in ours:
            s.step()


def test_two_schedules_on_one_optimizer_multiply():
    """ExponentialLR(0.9) and MultiStepLR([3], 0.1) together: 0.1 * 0.9^e * 0.1^(e >= 3)."""
    opt = _opt()  # group 0's base lr: 0.1
    scheds = [S.ExponentialLR(opt, 0.9), S.MultiStepLR(opt, [3], 0.1)]
    for e in range(6):
        expect = 0.1 * 0.9**e * (0.1 if e >= 3 else 1.0)
        assert opt.param_groups[0]["lr"] == pytest.approx(expect, rel=1e-12)
        for s in scheds:
            s.step()


def test_an_lr_set_by_hand_carries_on_and_an_explicit_epoch_uses_the_closed_form():
    opt = _opt()  # group 0's base lr: 0.1
    s = S.StepLR(opt, 2, 0.5)
    s.step()
    opt.param_groups[0]["lr"] = 4.0
    s.step()  # epoch 2: a milestone, halves the current lr
    assert opt.param_groups[0]["lr"] == 2.0
    s.step()
    assert opt.param_groups[0]["lr"] == 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s.step(6)  # explicit epoch: base lr * 0.5^3
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.125, rel=1e-15)


@pytest.mark.parametrize(
    "make",
    [
        lambda L, o: L.StepLR(o, 2, 0.5, last_epoch=4),
        lambda L, o: L.StepLR(o, 2, 0.5, last_epoch=3),  # the constructor's step is a milestone
        lambda L, o: L.ExponentialLR(o, 0.8, last_epoch=2),
        lambda L, o: L.CosineAnnealingLR(o, 6, 0.001, last_epoch=4),
        lambda L, o: L.LinearLR(o, 0.2, total_iters=6, last_epoch=3),
    ],
)
def test_resuming_with_last_epoch_matches_torch(make):
    """Made with last_epoch >= 0 (groups already hold initial_lr): the constructor's step keeps
    the current lr except at a StepLR milestone, as torch 2 does; then the rules carry on."""
    torch = pytest.importorskip("torch")
    ours_opt, theirs_opt = _two_group_sgd("tapegrad"), _two_group_sgd("torch")
    for o in (ours_opt, theirs_opt):
        for g in o.param_groups:
            g["initial_lr"] = g["lr"] * 2
    ours, theirs = make(S, ours_opt), make(torch.optim.lr_scheduler, theirs_opt)
    for epoch in range(8):
        assert [g["lr"] for g in ours_opt.param_groups] == pytest.approx(
            [g["lr"] for g in theirs_opt.param_groups], rel=1e-14
        ), epoch
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs.step()
        ours.step()


def test_cyclic_lr_triangle_by_hand():
    """base 0.01, max 0.1, 3 steps up and 5 down: a triangle with a period of 8 steps; the
    momentum moves the other way between 0.9 and 0.8."""
    opt = _opt()
    sched = S.CyclicLR(opt, 0.01, 0.1, step_size_up=3, step_size_down=5)
    want = [0.01, 0.04, 0.07, 0.1, 0.082, 0.064, 0.046, 0.028, 0.01, 0.04]
    for e, lr in enumerate(want):
        assert opt.param_groups[0]["lr"] == pytest.approx(lr, rel=1e-12), e
        frac = (lr - 0.01) / 0.09
        assert opt.param_groups[0]["momentum"] == pytest.approx(0.9 - 0.1 * frac, rel=1e-12)
        sched.step()


@pytest.mark.parametrize(
    "kw, opt_cls",
    [
        ({"step_size_up": 3, "step_size_down": 5}, "SGD"),
        ({"step_size_up": 4, "mode": "triangular2"}, "SGD"),
        ({"step_size_up": 2, "mode": "exp_range", "gamma": 0.9}, "Adam"),
        ({"step_size_up": 2, "scale_fn": lambda x: 1 / x, "cycle_momentum": False}, "SGD"),
    ],
)
def test_cyclic_lr_matches_torch(kw, opt_cls):
    torch = pytest.importorskip("torch")

    def make(lib):
        if lib == "torch":
            ps = [torch.nn.Parameter(torch.zeros(1)) for _ in range(2)]
            mod, opt_mod = torch.optim.lr_scheduler, torch.optim
        else:
            ps = [ag.tensor(np.zeros(1), requires_grad=True) for _ in range(2)]
            mod, opt_mod = S, optim
        extra = {"momentum": 0.9} if opt_cls == "SGD" else {}
        o = getattr(opt_mod, opt_cls)([{"params": [p]} for p in ps], lr=0.1, **extra)
        return o, mod.CyclicLR(o, [0.01, 0.02], 0.1, **kw)

    (ours_opt, ours), (theirs_opt, theirs) = make("tapegrad"), make("torch")
    key = "betas" if opt_cls == "Adam" else "momentum"
    for epoch in range(20):
        for a, b in zip(ours_opt.param_groups, theirs_opt.param_groups):
            assert a["lr"] == pytest.approx(b["lr"], rel=1e-14), epoch
            assert np.allclose(a[key], b[key], rtol=1e-14), epoch
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs.step()
        ours.step()


def test_chained_scheduler_refuses_plateau_and_foreign_optimizers():
    opt, other = _opt(), _opt()
    with pytest.raises(ValueError, match="does not support ReduceLROnPlateau"):
        S.ChainedScheduler([S.ReduceLROnPlateau(opt)])
    with pytest.raises(ValueError, match="same optimizer"):
        S.ChainedScheduler([S.ExponentialLR(opt, 0.9), S.ExponentialLR(other, 0.9)])
    with pytest.raises(ValueError, match="mode 'sawtooth' is invalid"):
        S.CyclicLR(opt, 0.01, 0.1, mode="sawtooth")
