"""optim.swa_utils: AveragedModel (SWA and EMA), the averaging functions, SWALR and update_bn,
by hand and against PyTorch."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import optim
from optim import swa_utils as S


def _np(t):
    return t.detach().numpy()


def _model():
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)).double()


def _randomize(m, rng):
    """New random float values for every parameter and buffer; int buffers + 1."""
    sd = {}
    for k, v in m.state_dict().items():
        sd[k] = rng.standard_normal(v.shape) if v.dtype.kind == "f" else _np(v) + 1
    m.load_state_dict(sd)
    return sd


# -- AveragedModel -----------------------------------------------------------------------------


def test_swa_average_is_the_running_mean_and_buffers_are_copied():
    m = _model()
    am = S.AveragedModel(m)
    assert list(am.state_dict())[0] == "n_averaged"
    assert am.n_averaged.dtype == np.int64 and int(am.n_averaged) == 0
    rng = np.random.default_rng(0)
    snaps = []
    for _ in range(4):
        snaps.append(_randomize(m, rng))
        am.update_parameters(m)
    assert int(am.n_averaged) == 4
    for name, p in am.module.named_parameters():
        mean = np.mean([s[name] for s in snaps], axis=0)
        np.testing.assert_allclose(_np(p), mean, rtol=1e-12, err_msg=name)
    for name, b in am.module.named_buffers():  # not averaged: the model's latest
        np.testing.assert_array_equal(_np(b), snaps[-1][name])
    # forward runs the averaged copy
    x = ag.tensor(rng.standard_normal((5, 3)))
    np.testing.assert_allclose(_np(am(x)), _np(am.module(x)))


def test_first_update_copies_and_model_is_a_deep_copy():
    m = _model()
    am = S.AveragedModel(m)
    assert am.module is not m
    with ag.no_grad():
        m[0].weight.add_(1.0)
    assert not np.allclose(_np(am.module[0].weight), _np(m[0].weight))
    am.update_parameters(m)
    m.eval(), am.eval()
    x = ag.tensor(np.random.default_rng(1).standard_normal((2, 3)))
    np.testing.assert_allclose(_np(am(x)), _np(m(x)))


def test_use_buffers_averages_buffers_too():
    m = _model()
    am = S.AveragedModel(m, use_buffers=True)
    rng = np.random.default_rng(2)
    snaps = [None] * 3
    for i in range(3):
        snaps[i] = _randomize(m, rng)
        am.update_parameters(m)
    rm = np.mean([s["1.running_mean"] for s in snaps], axis=0)
    np.testing.assert_allclose(_np(am.module[1].running_mean), rm, rtol=1e-12)
    # the int64 counter takes 1, 2, 3: 1, then 1 + 1/2 -> 1, then 1 + 2/3 -> 1 (truncated)
    assert am.module[1].num_batches_tracked.dtype == np.int64
    assert int(am.module[1].num_batches_tracked) == 1


@pytest.mark.parametrize("how", ["avg_fn", "multi_avg_fn"])
def test_ema_by_hand(how):
    m = _model()
    decay = 0.8
    fn = S.get_ema_avg_fn(decay) if how == "avg_fn" else S.get_ema_multi_avg_fn(decay)
    am = S.AveragedModel(m, **{how: fn})
    rng = np.random.default_rng(3)
    ema = None
    for _ in range(4):
        sd = _randomize(m, rng)
        w = sd["2.weight"]
        ema = w if ema is None else decay * ema + (1 - decay) * w
        am.update_parameters(m)
    np.testing.assert_allclose(_np(am.module[2].weight), ema, rtol=1e-12)


def test_custom_avg_fn_gets_the_count():
    seen = []

    def avg_fn(avg, cur, n):
        seen.append(int(n))
        return avg + 1.0

    m = nn.Linear(2, 1)
    am = S.AveragedModel(m, avg_fn=avg_fn)
    w = _np(m.weight).copy()
    for _ in range(3):
        am.update_parameters(m)
    assert seen == [1, 1, 2, 2]  # weight and bias at n = 1, then at n = 2
    np.testing.assert_allclose(_np(am.module.weight), w + 2.0)


def test_averaging_functions_directly():
    a, b = ag.tensor([1.0, 2.0]), ag.tensor([3.0, 6.0])
    np.testing.assert_allclose(_np(S.get_swa_avg_fn()(a, b, 1)), [2.0, 4.0])
    np.testing.assert_allclose(_np(S.get_swa_avg_fn()(a, b, ag.tensor(3))), [1.5, 3.0])
    np.testing.assert_allclose(_np(S.get_ema_avg_fn(0.75)(a, b, 5)), [1.5, 3.0])
    x, y = [ag.tensor([1.0, 2.0]), ag.tensor([0, 4])], [ag.tensor([3.0, 6.0]), ag.tensor([4, 8])]
    S.get_swa_multi_avg_fn()(x, y, 1)
    np.testing.assert_allclose(_np(x[0]), [2.0, 4.0])
    np.testing.assert_array_equal(_np(x[1]), [2, 6])
    assert x[1].dtype == np.int64
    S.get_ema_multi_avg_fn(0.5)(x, y, 7)
    np.testing.assert_allclose(_np(x[0]), [2.5, 5.0])


def test_averaged_model_errors():
    with pytest.raises(ValueError, match="only one of avg_fn and multi_avg_fn"):
        S.AveragedModel(nn.Linear(2, 2), avg_fn=S.get_swa_avg_fn(), multi_avg_fn=lambda *a: None)
    with pytest.raises(TypeError, match="AveragedModel: model must be an nn.Module"):
        S.AveragedModel([1, 2])
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match="Invalid decay value"):
            S.get_ema_avg_fn(bad)
        with pytest.raises(ValueError, match="Invalid decay value"):
            S.get_ema_multi_avg_fn(bad)


def test_averaged_model_state_dict_round_trip():
    m = _model()
    am = S.AveragedModel(m)
    rng = np.random.default_rng(4)
    for _ in range(2):
        _randomize(m, rng)
        am.update_parameters(m)
    other = S.AveragedModel(_model())
    other.load_state_dict(am.state_dict())
    assert int(other.n_averaged) == 2
    for a, b in zip(am.state_dict().values(), other.state_dict().values()):
        np.testing.assert_array_equal(_np(a), _np(b))


# -- update_bn -----------------------------------------------------------------------------------


def test_update_bn_recomputes_running_stats_by_hand():
    m = _model()
    with ag.no_grad():
        m[1].running_mean.fill_(5.0)
    m[1].momentum = 0.3
    m.eval()
    rng = np.random.default_rng(5)
    xs = [rng.standard_normal((4, 3)) for _ in range(3)]
    loader = [ag.tensor(xs[0]), (ag.tensor(xs[1]), "label"), [ag.tensor(xs[2])]]
    S.update_bn(loader, m)
    w, b = _np(m[0].weight), _np(m[0].bias)
    h = [x @ w.T + b for x in xs]
    # momentum None: cumulative average of the per-batch statistics
    np.testing.assert_allclose(_np(m[1].running_mean), np.mean([a.mean(0) for a in h], 0))
    np.testing.assert_allclose(_np(m[1].running_var), np.mean([a.var(0, ddof=1) for a in h], 0))
    assert int(m[1].num_batches_tracked) == 3
    assert m[1].momentum == 0.3 and not m.training and not m[1].training


def test_update_bn_without_batch_norm_does_nothing():
    class Loader:
        def __iter__(self):
            raise AssertionError("update_bn read the loader of a model without batch norm")

    m = nn.Sequential(nn.Linear(2, 2), nn.LayerNorm(2)).eval()
    S.update_bn(Loader(), m)
    assert not m.training


# -- SWALR -------------------------------------------------------------------------------------


def _lrs(sched_cls, opt, n, **kw):
    s = sched_cls(opt, **kw)
    out = [opt.param_groups[0]["lr"]]
    for _ in range(n):
        opt.step()
        s.step()
        out.append(opt.param_groups[0]["lr"])
    return s, out


def _opt(lr=1.0):
    return optim.SGD([ag.zeros(1, requires_grad=True)], lr=lr)


def test_swalr_linear_sequence():
    _, lrs = _lrs(S.SWALR, _opt(), 6, swa_lr=0.1, anneal_epochs=4, anneal_strategy="linear")
    np.testing.assert_allclose(lrs, [1.0, 0.775, 0.55, 0.325, 0.1, 0.1, 0.1])


def test_swalr_cos_sequence():
    _, lrs = _lrs(S.SWALR, _opt(), 4, swa_lr=0.1, anneal_epochs=2)
    np.testing.assert_allclose(lrs, [1.0, 0.55, 0.1, 0.1, 0.1])
    _, lrs = _lrs(S.SWALR, _opt(), 3, swa_lr=0.1, anneal_epochs=3)
    a1 = (1 - math.cos(math.pi / 3)) / 2
    np.testing.assert_allclose(lrs[:2], [1.0, 0.1 * a1 + (1 - a1)])
    np.testing.assert_allclose(lrs[3], 0.1)


def test_swalr_zero_anneal_epochs_and_per_group_swa_lr():
    groups = [{"params": [ag.zeros(1, requires_grad=True)]} for _ in range(2)]
    opt = optim.SGD(groups, lr=1.0)
    s = S.SWALR(opt, swa_lr=[0.1, 0.2], anneal_epochs=0)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.2]
    assert [g["swa_lr"] for g in opt.param_groups] == [0.1, 0.2]
    s.step()
    assert s.get_last_lr() == [0.1, 0.2]


def test_swalr_errors_before_changing_the_optimizer():
    opt = _opt()
    with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear'"):
        S.SWALR(opt, swa_lr=0.1, anneal_strategy="exp")
    with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0"):
        S.SWALR(opt, swa_lr=0.1, anneal_epochs=-1)
    with pytest.raises(ValueError, match="anneal_epochs"):
        S.SWALR(opt, swa_lr=0.1, anneal_epochs=2.5)
    with pytest.raises(ValueError, match="SWALR: expected 1 values for swa_lr"):
        S.SWALR(opt, swa_lr=[0.1, 0.2])
    with pytest.raises(TypeError, match="is not an Optimizer"):
        S.SWALR([1], swa_lr=0.1)
    assert opt.param_groups[0]["lr"] == 1.0 and "swa_lr" not in opt.param_groups[0]


def test_swalr_state_dict_round_trip():
    s, _ = _lrs(S.SWALR, _opt(), 1, swa_lr=0.1, anneal_epochs=3, anneal_strategy="linear")
    sd = s.state_dict()
    assert "anneal_func" not in sd and "optimizer" not in sd
    opt2 = _opt()
    s2 = S.SWALR(opt2, swa_lr=0.5, anneal_epochs=9)
    s2.load_state_dict(sd)
    assert s2.anneal_func(0.25) == 0.25 and s2.anneal_epochs == 3
    opt2.param_groups[0]["lr"] = s.optimizer.param_groups[0]["lr"]
    opt2.param_groups[0]["swa_lr"] = 0.1
    s.step(), s2.step()
    assert s2.get_last_lr() == s.get_last_lr()


# -- against PyTorch ---------------------------------------------------------------------------


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("anneal_epochs", [0, 1, 3, 10])
def test_swalr_matches_torch(strategy, anneal_epochs):
    torch = pytest.importorskip("torch")
    kw = dict(swa_lr=0.05, anneal_epochs=anneal_epochs, anneal_strategy=strategy)
    _, ours = _lrs(S.SWALR, _opt(0.7), 14, **kw)
    topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, theirs = _lrs(torch.optim.swa_utils.SWALR, topt, 14, **kw)
    np.testing.assert_allclose(ours, theirs, rtol=1e-15)


def _torch_model(torch, m):
    tm = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2)
    ).double()
    tm.load_state_dict({k: torch.tensor(_np(v)) for k, v in m.state_dict().items()})
    return tm


@pytest.mark.parametrize(
    "kind", ["swa", "ema_multi", "ema_avg_buffers", "swa_buffers", "swa_multi"]
)
def test_averaged_model_matches_torch(kind):
    torch = pytest.importorskip("torch")
    TS = torch.optim.swa_utils
    kws = {
        "swa": ({}, {}),
        "ema_multi": (
            dict(multi_avg_fn=S.get_ema_multi_avg_fn(0.9)),
            dict(multi_avg_fn=TS.get_ema_multi_avg_fn(0.9)),
        ),
        "ema_avg_buffers": (
            dict(avg_fn=S.get_ema_avg_fn(0.9), use_buffers=True),
            dict(avg_fn=TS.get_ema_avg_fn(0.9), use_buffers=True),
        ),
        "swa_buffers": (dict(use_buffers=True), dict(use_buffers=True)),
        "swa_multi": (
            dict(multi_avg_fn=S.get_swa_multi_avg_fn()),
            dict(multi_avg_fn=TS.get_swa_multi_avg_fn()),
        ),
    }
    kw, tkw = kws[kind]
    m = _model()
    tm = _torch_model(torch, m)
    am, tam = S.AveragedModel(m, **kw), TS.AveragedModel(tm, **tkw)
    rng = np.random.default_rng(6)
    for _ in range(5):
        sd = _randomize(m, rng)
        tm.load_state_dict({k: torch.tensor(v) for k, v in sd.items()})
        am.update_parameters(m)
        tam.update_parameters(tm)
    sd, tsd = am.state_dict(), tam.state_dict()
    assert list(sd) == list(tsd)
    # torch's swa multi_avg_fn rounds its weight 1/(n+1) to float32 (ours stays exact in
    # float64): differences of ~1e-8 there
    tol = dict(atol=1e-7) if kind == "swa_multi" else dict(rtol=1e-14)
    for k in sd:
        np.testing.assert_allclose(_np(sd[k]), tsd[k].numpy(), err_msg=k, **tol)
    x = rng.standard_normal((6, 3))
    loader = [ag.tensor(x[:3]), ag.tensor(x[3:])]
    S.update_bn(loader, am)
    TS.update_bn([torch.tensor(x[:3]), torch.tensor(x[3:])], tam)
    for k, v in am.state_dict().items():
        np.testing.assert_allclose(_np(v), tam.state_dict()[k].numpy(), err_msg=k, **tol)
    np.testing.assert_allclose(_np(am(ag.tensor(x))), tam(torch.tensor(x)).detach().numpy(),
                               rtol=1e-6)  # fmt: skip
