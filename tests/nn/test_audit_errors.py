"""Bad input to losses, batch_norm and layers with swapped-in weights: errors (or values) as
PyTorch's (audit findings 3-7)."""

import numpy as np
import pytest

import autograd as ag
import autograd.func as agf
import nn
import nn.functional as F
from autograd import ShapeError

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _t64(v):
    return ag.tensor(v, dtype=ag.float64)


def _p64(v, requires_grad=False):
    return torch.tensor(v, dtype=torch.float64, requires_grad=requires_grad)


# -- 3. binary_cross_entropy: target outside [0, 1] ---------------------------------------------


@pytest.mark.parametrize("target", [[2.0, -1.0], [1.0, 1.5], [-0.1, 0.5], [float("nan"), 0.5]])
def test_bce_target_out_of_range_raises_as_torch(target):
    p = [0.9, 0.2]
    with pytest.raises(RuntimeError, match="all elements of target should be between 0 and 1"):
        TF.binary_cross_entropy(_p64(p), _p64(target))
    with pytest.raises(RuntimeError, match="all elements of target should be between 0 and 1"):
        F.binary_cross_entropy(_t64(p), _t64(target))
    with pytest.raises(ValueError):  # the input check's type: either catch works
        F.binary_cross_entropy(_t64(p), _t64(target), reduction="none")


def test_bce_target_in_range_unchanged():
    p, t = [0.9, 0.2, 0.5], [1.0, 0.0, 0.25]
    got = F.binary_cross_entropy(_t64(p), _t64(t), reduction="none")
    want = TF.binary_cross_entropy(_p64(p), _p64(t), reduction="none")
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="target"):
        F.binary_cross_entropy(ag.tensor(0.9), 1.5)  # a Python scalar target too


# -- 4. batch_norm with one or no running statistic ---------------------------------------------


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("which", ["mean", "var", "none"])
def test_batch_norm_missing_running_stats_as_torch(training, which):
    x = [[1.0, 2.0], [3.0, 5.0]]
    rm = None if which in ("mean", "none") else np.zeros(2)
    rv = None if which in ("var", "none") else np.ones(2)

    def run(T, Fn, t):
        m = None if rm is None else t(rm)
        v = None if rv is None else t(rv)
        return Fn.batch_norm(t(x), m, v, training=training)

    try:
        want = run(torch, TF, _p64)
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        with pytest.raises(type(e)) as got:
            run(ag, F, _t64)
        key = str(e).split(":")[-1].strip()[:30]
        assert key in str(got.value)
        return
    np.testing.assert_allclose(run(ag, F, _t64).numpy(), want.numpy(), rtol=1e-10)


def test_batch_norm_missing_var_leaves_running_mean_alone():
    rm = ag.zeros(2, dtype=ag.float64)
    with pytest.raises(ValueError, match="both be None or neither"):
        F.batch_norm(_t64([[1.0, 2.0], [3.0, 5.0]]), rm, None, training=True)
    np.testing.assert_array_equal(rm.numpy(), [0.0, 0.0])


def test_batchnorm_layer_without_running_stats_still_works():
    bn = nn.BatchNorm1d(2, track_running_stats=False).double()
    bn.eval()
    y = bn(_t64([[1.0, 2.0], [3.0, 5.0]]))
    np.testing.assert_allclose(y.detach().numpy(), [[-1.0, -1.0], [1.0, 1.0]], rtol=1e-4)


# -- 5. cross_entropy: probability targets with ignore_index ------------------------------------


@pytest.mark.parametrize("ignore_index", [-100, -1, -7, 0, 2, 5])
def test_cross_entropy_probs_ignore_index_as_torch(ignore_index):
    x = [[1.0, 2.0, 3.0], [1.0, 0.0, 0.0]]
    t = [[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]]
    try:
        want = TF.cross_entropy(_p64(x), _p64(t), ignore_index=ignore_index)
    except RuntimeError:
        with pytest.raises(RuntimeError, match="ignore_index is not supported for floating"):
            F.cross_entropy(_t64(x), _t64(t), ignore_index=ignore_index)
        assert ignore_index >= 0
        return
    assert ignore_index < 0
    got = F.cross_entropy(_t64(x), _t64(t), ignore_index=ignore_index)
    np.testing.assert_allclose(got.item(), want.item(), rtol=1e-12)


# -- 7. kl_div: negative (and NaN) targets ------------------------------------------------------


@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_values_and_grads_as_torch(log_target):
    inp = [-1.0, -2.0, -3.0, -1.0, -0.5]
    if log_target:
        tgt = [-0.5, 1.0, -float("inf"), float("nan"), -2.0]
    else:
        tgt = [-0.5, 1.0, 0.0, float("nan"), 0.3]
    gy = np.random.default_rng(0).standard_normal(5)
    a, b = _t64(inp), _t64(tgt)
    a.requires_grad_(True)
    b.requires_grad_(True)
    got = F.kl_div(a, b, reduction="none", log_target=log_target)
    (got * _t64(gy)).sum().backward()
    pa, pb = _p64(inp, True), _p64(tgt, True)
    want = TF.kl_div(pa, pb, reduction="none", log_target=log_target)
    (want * _p64(gy)).sum().backward()
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(a.grad.numpy(), pa.grad.numpy(), rtol=1e-12)
    gb, pgb = b.grad.numpy(), pb.grad.numpy()
    if not log_target:  # torch's target gradient at target == 0 is NaN (0/0); ours -input
        assert gb[2] == pytest.approx(gy[2] * 3.0)
        gb, pgb = np.delete(gb, 2), np.delete(pgb, 2)
    np.testing.assert_allclose(gb, pgb, rtol=1e-12)
    for red in ("sum", "mean", "batchmean"):
        g = F.kl_div(_t64(inp), _t64(tgt), reduction=red, log_target=log_target)
        assert np.isnan(g.item())


def test_kl_div_positive_targets_unchanged():
    inp, tgt = [-1.0, -2.0, -0.1], [0.5, 0.0, 0.5]
    got = F.kl_div(_t64(inp), _t64(tgt), reduction="sum")
    want = TF.kl_div(_p64(inp), _p64(tgt), reduction="sum")
    np.testing.assert_allclose(got.item(), want.item(), rtol=1e-12)


# -- 6. layers with a swapped-in weight or bias of another shape --------------------------------


def _all(m, params):
    """Every parameter's shape, with ``params`` swapped in (all ones: no random init)."""
    shapes = {k: tuple(p.shape) for k, p in m.named_parameters()}
    return {**shapes, **params}


def _call(m, params, x):
    ps = {k: ag.ones(*v) * 0.1 for k, v in _all(m, params).items()}
    return agf.functional_call(m, ps, (ag.ones(*x),))


def _torch_call(m, params, x):
    ps = {k: torch.ones(*v) * 0.1 for k, v in _all(m, params).items()}
    return torch.func.functional_call(m, ps, (torch.ones(*x),))


CONSISTENT = [
    # (layer factory, swapped params, input shape): torch accepts these
    (lambda n: n.Linear(2, 2), {"weight": (4, 5), "bias": (4,)}, (1, 5)),
    (lambda n: n.Linear(2, 2, bias=False), {"weight": (4, 5)}, (3, 5)),
    (lambda n: n.Conv1d(2, 3, 3), {"weight": (4, 5, 3), "bias": (4,)}, (1, 5, 7)),
    (lambda n: n.Conv2d(2, 3, 3), {"weight": (3, 2, 2, 2)}, (1, 2, 5, 5)),
    (lambda n: n.ConvTranspose1d(2, 3, 3), {"weight": (4, 5, 3), "bias": (5,)}, (1, 4, 7)),
    (lambda n: n.LSTMCell(2, 3), {"weight_ih": (12, 4)}, (1, 4)),
    (lambda n: n.GRUCell(2, 3), {"weight_ih": (9, 5)}, (2, 5)),
    (lambda n: n.RNNCell(2, 3), {"weight_ih": (3, 6)}, (6,)),
]


@pytest.mark.parametrize("case", range(len(CONSISTENT)))
def test_consistent_swapped_weights_work_as_torch(case):
    mk, params, x = CONSISTENT[case]
    got = _call(mk(nn), params, x)
    want = _torch_call(mk(torch.nn), params, x)
    if isinstance(got, tuple):  # LSTMCell: (h, c)
        got, want = got[1], want[1]
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-5)


MISMATCHED = [
    # (layer factory, swapped params, input shape, what the message names)
    (lambda n: n.Linear(2, 2), {"weight": (3, 2)}, (1, 2), ["Linear", "bias", "(3, 2)"]),
    (lambda n: n.Linear(2, 2), {"weight": (2, 3)}, (1, 2), ["Linear", "(2, 3)", "(1, 2)"]),
    (lambda n: n.Linear(2, 2), {"bias": (3,)}, (1, 2), ["Linear", "bias shape (3,)"]),
    (lambda n: n.Linear(2, 2), {"weight": (2,)}, (1, 2), ["Linear", "2-D"]),
    (lambda n: n.Conv1d(2, 3, 3), {"weight": (3, 5, 3)}, (1, 2, 7), ["Conv1d", "(3, 5, 3)"]),
    (lambda n: n.Conv1d(2, 3, 3), {"bias": (5,)}, (1, 2, 7), ["Conv1d", "bias", "(5,)"]),
    (lambda n: n.Conv2d(2, 3, 3), {"weight": (3, 2, 3)}, (1, 2, 5, 5), ["Conv2d", "4-D"]),
    (lambda n: n.ConvTranspose1d(2, 3, 3), {"bias": (4,)}, (1, 2, 7), ["ConvTranspose1d"]),
    (lambda n: n.Embedding(4, 3), {"weight": (5,)}, None, ["Embedding(4, 3)", "2-D"]),
    (lambda n: n.GRU(2, 3), {"bias_ih_l0": (5,)}, (4, 1, 2), ["GRU(2, 3)", "bias_ih_l0"]),
    (lambda n: n.GRU(2, 3), {"weight_ih_l0": (9, 4)}, (4, 1, 2), ["GRU", "(9, 4)", "(9, 2)"]),
    (lambda n: n.LSTM(2, 3), {"weight_hh_l0": (12, 4)}, (4, 1, 2), ["LSTM", "weight_hh_l0"]),
    (lambda n: n.LSTM(2, 3), {"weight_ih_l0": (8, 2)}, (4, 1, 2), ["LSTM", "(8, 2)"]),
    (lambda n: n.LSTM(2, 3, proj_size=2), {"weight_hr_l0": (2, 4)}, (4, 1, 2), ["weight_hr_l0"]),
    (lambda n: n.RNN(2, 3, num_layers=2), {"weight_ih_l1": (3, 4)}, (4, 1, 2), ["weight_ih_l1"]),
    (
        lambda n: n.GRU(2, 3, bidirectional=True),
        {"weight_ih_l0_reverse": (9, 4)},
        (4, 1, 2),
        ["weight_ih_l0_reverse"],
    ),
    (lambda n: n.RNNCell(2, 3), {"weight_ih": (3, 4)}, (1, 2), ["RNNCell", "Expected 4, got 2"]),
    (lambda n: n.RNNCell(2, 3), {"bias_ih": (4,)}, (1, 2), ["RNNCell(2, 3)", "bias_ih (4,)"]),
    (lambda n: n.GRUCell(2, 3), {"weight_hh": (9, 4)}, (1, 2), ["GRUCell", "weight_hh (9, 4)"]),
    (lambda n: n.LSTMCell(2, 3), {"bias_hh": (11,)}, (1, 2), ["LSTMCell", "bias_hh (11,)"]),
]


@pytest.mark.parametrize("case", range(len(MISMATCHED)))
def test_mismatched_swapped_weights_raise_naming_layer_and_shapes(case):
    mk, params, x, words = MISMATCHED[case]
    m = mk(nn)
    with pytest.raises(ShapeError) as e:
        if x is None:
            agf.functional_call(m, {k: ag.ones(*v) for k, v in params.items()}, (ag.tensor([1]),))
        else:
            _call(m, params, x)
    for w in words:
        assert w in str(e.value), (w, str(e.value))


def test_assigned_parameter_of_another_shape():
    m = nn.Linear(2, 2)
    m.weight = nn.Parameter(ag.ones(3, 2))
    with pytest.raises(ShapeError, match=r"Linear.*bias shape \(2,\).*\(3, 2\)"):
        m(ag.ones(1, 2))
    m.bias = nn.Parameter(ag.zeros(3))
    assert tuple(m(ag.ones(1, 2)).shape) == (1, 3)


def test_unswapped_layer_messages_unchanged():
    with pytest.raises(ShapeError) as e:
        nn.Linear(3, 4)(ag.randn(8, 5))
    assert str(e.value) == (
        "Linear(in_features=3, out_features=4): expected input with last dimension 3, got (8, 5)"
    )
    with pytest.raises(ShapeError, match="input.size\\(-1\\) must be equal to input_size"):
        nn.LSTMCell(2, 3)(ag.ones(1, 4))
