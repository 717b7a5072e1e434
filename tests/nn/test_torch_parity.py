"""Optional parity with PyTorch, layer by layer: outputs and gradients (skipped without torch)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
tF = torch.nn.functional

RTOL, ATOL = 1e-9, 1e-11


def _pair(shape, seed=0, low=None):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape) if low is None else rng.uniform(low, -low, shape)
    return ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _close(ours, theirs, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)


def _compare(ours_fn, torch_fn, shape, seed=0, low=None, our_params=(), torch_params=(),
             rtol=RTOL):  # fmt: skip
    """Forward, then backward with the same random cotangent; compare every gradient."""
    x, xt = _pair(shape, seed, low)
    y, yt = ours_fn(x), torch_fn(xt)
    _close(y, yt, rtol)
    g = np.random.default_rng(seed + 100).standard_normal(yt.shape)
    y.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    _close(x.grad, xt.grad, rtol)
    for p, pt in zip(our_params, torch_params):
        _close(p.grad, pt.grad, rtol)


def _copy_params(ours, theirs):
    for (n, p), (nt, pt) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert n == nt and tuple(p.shape) == tuple(pt.shape)
        with torch.no_grad():
            pt.copy_(torch.tensor(p.detach().numpy()))


def test_linear_parity():
    ours = nn.Linear(5, 3, dtype=ag.float64)
    theirs = torch.nn.Linear(5, 3, dtype=torch.float64)
    _copy_params(ours, theirs)
    _compare(ours, theirs, (4, 2, 5), our_params=list(ours.parameters()),
             torch_params=list(theirs.parameters()))  # fmt: skip


def test_embedding_parity():
    ours = nn.Embedding(6, 3, padding_idx=2, dtype=ag.float64)
    theirs = torch.nn.Embedding(6, 3, padding_idx=2, dtype=torch.float64)
    _copy_params(ours, theirs)
    idx = np.array([[0, 2, 5], [2, 2, 1]])
    y, yt = ours(ag.tensor(idx)), theirs(torch.tensor(idx))
    _close(y, yt)
    g = np.random.default_rng(0).standard_normal(yt.shape)
    y.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    _close(ours.weight.grad, theirs.weight.grad)


ACTS = [
    ("Sigmoid", nn.Sigmoid(), torch.nn.Sigmoid()),
    ("Tanh", nn.Tanh(), torch.nn.Tanh()),
    ("ReLU", nn.ReLU(), torch.nn.ReLU()),
    ("ReLU6", nn.ReLU6(), torch.nn.ReLU6()),
    ("LeakyReLU", nn.LeakyReLU(), torch.nn.LeakyReLU()),
    ("LeakyReLU(0.3)", nn.LeakyReLU(0.3), torch.nn.LeakyReLU(0.3)),
    ("ELU(0.7)", nn.ELU(0.7), torch.nn.ELU(0.7)),
    ("SELU", nn.SELU(), torch.nn.SELU()),
    ("CELU(1.5)", nn.CELU(1.5), torch.nn.CELU(1.5)),
    ("GELU", nn.GELU(), torch.nn.GELU()),
    ("GELU(tanh)", nn.GELU("tanh"), torch.nn.GELU("tanh")),
    ("SiLU", nn.SiLU(), torch.nn.SiLU()),
    ("Mish", nn.Mish(), torch.nn.Mish()),
    ("Softplus", nn.Softplus(), torch.nn.Softplus()),
    ("Softplus(2, 3)", nn.Softplus(2.0, 3.0), torch.nn.Softplus(2.0, 3.0)),
    ("Softsign", nn.Softsign(), torch.nn.Softsign()),
    ("LogSigmoid", nn.LogSigmoid(), torch.nn.LogSigmoid()),
    ("Hardtanh", nn.Hardtanh(), torch.nn.Hardtanh()),
    ("Hardtanh(-2, 3)", nn.Hardtanh(-2.0, 3.0), torch.nn.Hardtanh(-2.0, 3.0)),
    ("Hardsigmoid", nn.Hardsigmoid(), torch.nn.Hardsigmoid()),
    ("Hardswish", nn.Hardswish(), torch.nn.Hardswish()),
    ("Identity", nn.Identity(), torch.nn.Identity()),
    ("Softmax(1)", nn.Softmax(1), torch.nn.Softmax(1)),
    ("LogSoftmax(1)", nn.LogSoftmax(1), torch.nn.LogSoftmax(1)),
    ("Softmin(0)", nn.Softmin(0), torch.nn.Softmin(0)),
]


@pytest.mark.parametrize("name,ours,theirs", ACTS, ids=[a[0] for a in ACTS])
def test_activation_parity(name, ours, theirs):
    # PyTorch's hardsigmoid/hardswish backward multiplies by 1/6 rounded to float32
    rtol = 1e-7 if name.startswith("Hards") else RTOL
    _compare(ours, theirs, (4, 5, 3), low=-6, rtol=rtol)


def test_activation_parity_at_kinks():
    pts = [-3.0, -1.0, 0.0, 1.0, 3.0, 6.0]
    for ours, theirs in [(nn.ReLU(), torch.nn.ReLU()), (nn.LeakyReLU(0.1), torch.nn.LeakyReLU(0.1)),
                         (nn.Hardtanh(), torch.nn.Hardtanh()), (nn.ReLU6(), torch.nn.ReLU6()),
                         (nn.ELU(), torch.nn.ELU())]:  # fmt: skip
        x = ag.tensor(pts, dtype=ag.float64, requires_grad=True)
        xt = torch.tensor(pts, dtype=torch.float64, requires_grad=True)
        ours(x).sum().backward()
        theirs(xt).sum().backward()
        _close(x.grad, xt.grad)


def test_prelu_parity():
    ours = nn.PReLU(4, init=0.1, dtype=ag.float64)
    theirs = torch.nn.PReLU(4, init=0.1, dtype=torch.float64)
    with ag.no_grad():
        ours.weight.copy_(ag.tensor([0.1, -0.2, 0.3, 0.5]))
    _copy_params(ours, theirs)
    _compare(ours, theirs, (2, 4, 3), our_params=[ours.weight], torch_params=[theirs.weight])


def test_step_matches_heaviside():
    x, xt = _pair((20,))
    _close(F.step(x), torch.heaviside(xt, torch.tensor(0.0, dtype=torch.float64)))


# -- losses -------------------------------------------------------------------------------------


def _loss_compare(ours, theirs, x_np, t_np, t_is_index=False, rtol=RTOL, atol=ATOL):
    x, xt = ag.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    if t_is_index:
        t, tt = ag.tensor(t_np), torch.tensor(t_np)
    else:
        t, tt = ag.tensor(t_np, requires_grad=True), torch.tensor(t_np, requires_grad=True)
    y, yt = ours(x, t), theirs(xt, tt)
    _close(y, yt, rtol, atol)
    g = np.random.default_rng(1).standard_normal(tuple(yt.shape))
    y.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    _close(x.grad, xt.grad, rtol, atol)
    if not t_is_index and tt.grad is not None:
        _close(t.grad, tt.grad, rtol, atol)


@pytest.mark.parametrize("red", ["mean", "sum", "none"])
def test_regression_loss_parity(red):
    rng = np.random.default_rng(2)
    x, t = rng.standard_normal((5, 4)), rng.standard_normal((5, 4)) * 2
    _loss_compare(nn.MSELoss(reduction=red), torch.nn.MSELoss(reduction=red), x, t)
    _loss_compare(nn.L1Loss(reduction=red), torch.nn.L1Loss(reduction=red), x, t)
    _loss_compare(nn.HuberLoss(red, 0.7), torch.nn.HuberLoss(red, 0.7), x, t)
    _loss_compare(nn.SmoothL1Loss(red, beta=0.4), torch.nn.SmoothL1Loss(reduction=red, beta=0.4),
                  x, t)  # fmt: skip


@pytest.mark.parametrize("red", ["mean", "sum", "none"])
def test_binary_loss_parity(red):
    rng = np.random.default_rng(3)
    p = rng.uniform(0.02, 0.98, (6, 3))
    t = rng.uniform(0, 1, (6, 3))
    w = rng.uniform(0.5, 2, (3,))
    _loss_compare(nn.BCELoss(ag.tensor(w), red), torch.nn.BCELoss(torch.tensor(w), reduction=red),
                  p, t)  # fmt: skip
    x = rng.standard_normal((6, 3)) * 5
    pw = rng.uniform(0.5, 4, (3,))
    _loss_compare(nn.BCEWithLogitsLoss(ag.tensor(w), red, pos_weight=ag.tensor(pw)),
                  torch.nn.BCEWithLogitsLoss(torch.tensor(w), reduction=red,
                                             pos_weight=torch.tensor(pw)), x, t)  # fmt: skip


CE_KW = [
    {},
    {"weight": [0.3, 1.0, 2.0, 0.7]},
    {"ignore_index": 1},
    {"label_smoothing": 0.15},
    {"weight": [0.3, 1.0, 2.0, 0.7], "ignore_index": 0, "label_smoothing": 0.3},
]


@pytest.mark.parametrize("red", ["mean", "sum", "none"])
@pytest.mark.parametrize("kw", CE_KW, ids=["plain", "weight", "ignore", "smooth", "all"])
def test_cross_entropy_parity(kw, red):
    rng = np.random.default_rng(4)
    ours_kw = {k: ag.tensor(v, dtype=ag.float64) if k == "weight" else v for k, v in kw.items()}
    torch_kw = {k: torch.tensor(v, dtype=torch.float64) if k == "weight" else v
                for k, v in kw.items()}  # fmt: skip
    ours = nn.CrossEntropyLoss(reduction=red, **ours_kw)
    theirs = torch.nn.CrossEntropyLoss(reduction=red, **torch_kw)
    _loss_compare(ours, theirs, rng.standard_normal((7, 4)) * 3, rng.integers(0, 4, 7), True)
    _loss_compare(ours, theirs, rng.standard_normal((2, 4, 3, 2)), rng.integers(0, 4, (2, 3, 2)),
                  True)  # fmt: skip
    probs = rng.uniform(size=(7, 4))
    probs /= probs.sum(1, keepdims=True)
    if "ignore_index" not in kw:
        _loss_compare(ours, theirs, rng.standard_normal((7, 4)), probs)
    nll_kw = {k: v for k, v in ours_kw.items() if k != "label_smoothing"}
    nll_tkw = {k: v for k, v in torch_kw.items() if k != "label_smoothing"}
    lp = np.log(probs)
    _loss_compare(nn.NLLLoss(reduction=red, **nll_kw), torch.nn.NLLLoss(reduction=red, **nll_tkw),
                  lp, rng.integers(0, 4, 7), True)  # fmt: skip


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("red", ["mean", "sum", "none", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_parity(red, log_target):
    rng = np.random.default_rng(5)
    q = np.log(rng.dirichlet(np.ones(4), size=3))
    p = rng.dirichlet(np.ones(4), size=3)
    t = np.log(p) if log_target else p
    _loss_compare(nn.KLDivLoss(red, log_target), torch.nn.KLDivLoss(reduction=red,
                  log_target=log_target), q, t)  # fmt: skip


# -- init and utils -----------------------------------------------------------------------------


def test_default_init_ranges_match_pytorch():
    ours, theirs = nn.Linear(300, 200), torch.nn.Linear(300, 200)
    bound = 1 / np.sqrt(300)  # U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias
    for p, pt in zip(ours.parameters(), theirs.parameters()):
        a, b = np.abs(p.detach().numpy()).max(), pt.detach().abs().max().item()
        assert 0.95 * bound < a <= bound and 0.95 * bound < b <= bound
        assert abs(p.detach().numpy().std() - pt.detach().std().item()) < 0.1 * bound


def test_clip_grad_norm_parity():
    rng = np.random.default_rng(6)
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    ps = [nn.Parameter(ag.tensor(g)) for g in grads]
    pts = [torch.nn.Parameter(torch.tensor(g)) for g in grads]
    for p, pt, g in zip(ps, pts, grads):
        p.grad = ag.tensor(g * 3)
        pt.grad = torch.tensor(g * 3)
    for norm_type in (2.0, 1.0, float("inf")):
        n = nn.utils.clip_grad_norm_(ps, 1.5, norm_type)
        nt = torch.nn.utils.clip_grad_norm_(pts, 1.5, norm_type)
        np.testing.assert_allclose(n.item(), nt.item(), rtol=1e-6)
        for p, pt in zip(ps, pts):
            _close(p.grad, pt.grad)


def test_state_dict_keys_match_pytorch():
    ours = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())  # torch tensors are accepted
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    y, yt = ours(ag.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert repr(ours) == repr(theirs)
