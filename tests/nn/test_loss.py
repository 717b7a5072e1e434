"""Losses: forward against NumPy references for every reduction, gradchecks, stability, errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

from .helpers import rand64

REDUCTIONS = ["mean", "sum", "none"]


def _red(v, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction](v)


def _np(t):
    return t.detach().numpy()


def _check_forward(module, inputs, ref):
    y = module(*inputs)
    np.testing.assert_allclose(_np(y), ref, rtol=1e-10, atol=1e-12)


def _gradcheck(module, *inputs, second_order=False):
    assert ag.gradcheck(lambda *a: module(*a), inputs)
    if second_order:
        assert ag.gradgradcheck(lambda *a: module(*a), inputs)


# -- regression -----------------------------------------------------------------------------------


def _huber(d, delta):
    a = np.abs(d)
    return np.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))


REGRESSION = {
    "MSELoss": (lambda r: nn.MSELoss(r), lambda d: d * d),
    "L1Loss": (lambda r: nn.L1Loss(r), np.abs),
    "HuberLoss": (lambda r: nn.HuberLoss(r), lambda d: _huber(d, 1.0)),
    "HuberLoss(0.3)": (lambda r: nn.HuberLoss(r, delta=0.3), lambda d: _huber(d, 0.3)),
    "SmoothL1Loss": (lambda r: nn.SmoothL1Loss(r), lambda d: _huber(d, 1.0)),
    "SmoothL1Loss(0.5)": (lambda r: nn.SmoothL1Loss(r, beta=0.5), lambda d: _huber(d, 0.5) / 0.5),
    "SmoothL1Loss(0)": (lambda r: nn.SmoothL1Loss(r, beta=0.0), np.abs),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", list(REGRESSION))
def test_regression_losses(name, reduction):
    make, ref = REGRESSION[name]
    x = rand64(4, 3, seed=1)
    # keep |x - t| away from the kinks (0 and the delta/beta switch points)
    t = ag.tensor(_np(x) + np.array([0.15, -0.6, 2.0])[None, :] * np.array([1, -1, 1, -1])[:, None],
                  dtype=ag.float64, requires_grad=True)  # fmt: skip
    m = make(reduction)
    _check_forward(m, (x, t), _red(ref(_np(x) - _np(t)), reduction))
    _gradcheck(m, x, t, second_order=name.startswith("MSE"))


def test_regression_shape_mismatch_names_both_shapes():
    with pytest.raises(ag.ShapeError, match=r"mse_loss.*input \(4, 1\).*target \(4,\)"):
        F.mse_loss(ag.randn(4, 1), ag.randn(4))
    with pytest.raises(ValueError, match="reduction"):
        nn.L1Loss(reduction="avg")


# -- binary -------------------------------------------------------------------------------------


def _bce(p, t, w=None):
    lp = np.maximum(np.log(p), -100)
    l1p = np.maximum(np.log(1 - p), -100)
    out = -(t * lp + (1 - t) * l1p)
    return out if w is None else out * w


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_loss(reduction):
    rng = np.random.default_rng(0)
    p = ag.tensor(rng.uniform(0.05, 0.95, (5, 3)), requires_grad=True)
    t = ag.tensor(rng.uniform(0, 1, (5, 3)), requires_grad=True)
    w = ag.tensor(rng.uniform(0.5, 2, (3,)))
    m = nn.BCELoss(weight=w, reduction=reduction)
    _check_forward(m, (p, t), _red(_bce(_np(p), _np(t), _np(w)), reduction))
    _gradcheck(m, p, t, second_order=True)


def test_bce_clamps_logs_at_minus_100_and_checks_range():
    p = ag.tensor([0.0, 1.0, 0.5], requires_grad=True)
    t = ag.tensor([1.0, 0.0, 1.0])
    loss = F.binary_cross_entropy(p, t, reduction="none")
    np.testing.assert_allclose(_np(loss), [100, 100, np.log(2)], rtol=1e-6)
    loss.sum().backward()
    assert np.isfinite(p.grad.numpy()).all()
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.binary_cross_entropy(ag.tensor([1.5]), ag.tensor([1.0]))


def _bce_logits(x, t, w=None, pw=None):
    lw = 1 if pw is None else 1 + (pw - 1) * t
    out = (1 - t) * x + lw * np.logaddexp(0, -x)
    return out if w is None else out * w


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_multilabel_with_weight_and_pos_weight(reduction):
    rng = np.random.default_rng(1)
    x = rand64(6, 4, seed=2)
    t = ag.tensor((rng.uniform(size=(6, 4)) > 0.5).astype(np.float64))
    w = ag.tensor(rng.uniform(0.5, 2, (6, 1)))
    pw = ag.tensor(rng.uniform(0.5, 3, (4,)), requires_grad=True)
    m = nn.BCEWithLogitsLoss(weight=w, reduction=reduction, pos_weight=pw)
    _check_forward(m, (x, t), _red(_bce_logits(_np(x), _np(t), _np(w), _np(pw)), reduction))
    _gradcheck(m, x, t, second_order=True)

    def with_pw(x, pw):
        return F.binary_cross_entropy_with_logits(x, t, w, reduction, pw)

    assert ag.gradcheck(with_pw, (x, pw)) and ag.gradgradcheck(with_pw, (x, pw))
    soft = ag.tensor(rng.uniform(size=(6, 4)), requires_grad=True)
    _gradcheck(nn.BCEWithLogitsLoss(reduction=reduction), x, soft, second_order=True)


def test_bce_with_logits_is_stable_for_huge_logits():
    x = ag.tensor([-1e4, -100.0, 100.0, 1e4], dtype=ag.float32, requires_grad=True)
    t = ag.tensor([0.0, 1.0, 0.0, 1.0])
    loss = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    np.testing.assert_allclose(_np(loss), [0, 100, 100, 0], atol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0, -1, 1, 0], atol=1e-6)
    pw = ag.tensor([3.0, 3.0, 3.0, 3.0])
    l2 = F.binary_cross_entropy_with_logits(x, t, pos_weight=pw, reduction="none")
    np.testing.assert_allclose(_np(l2), [0, 300, 100, 0], atol=1e-5)


# -- classification -----------------------------------------------------------------------------


def _log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def _ce_ref(x, t, w=None, ignore=-100, reduction="mean", eps=0.0):
    """Cross-entropy by loops over samples: x (N, C, *d), t (N, *d)."""
    c = x.shape[1]
    lp = np.moveaxis(_log_softmax(x, 1), 1, -1).reshape(-1, c)
    tf = t.reshape(-1)
    w = np.ones(c) if w is None else w
    losses, denom = [], 0.0
    for i in range(len(tf)):
        if tf[i] == ignore:
            losses.append(0.0)
            continue
        nll = -w[tf[i]] * lp[i, tf[i]]
        smooth = -(w * lp[i]).sum()
        losses.append((1 - eps) * nll + eps / c * smooth)
        denom += w[tf[i]]
    losses = np.array(losses).reshape(t.shape)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / denom


CE_CASES = {
    "plain": {},
    "weight": {"weight": [0.2, 1.0, 3.0, 0.5, 1.5]},
    "ignore": {"ignore_index": 2},
    "smoothing": {"label_smoothing": 0.1},
    "all": {"weight": [0.2, 1.0, 3.0, 0.5, 1.5], "ignore_index": 1, "label_smoothing": 0.25},
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", list(CE_CASES))
def test_cross_entropy_class_indices(case, reduction):
    kw = dict(CE_CASES[case])
    x = rand64(6, 5, seed=3)
    t = ag.tensor([0, 2, 4, 1, 2, 3])
    w = np.array(kw["weight"]) if "weight" in kw else None
    if w is not None:
        kw["weight"] = ag.tensor(w, dtype=ag.float64)
    m = nn.CrossEntropyLoss(reduction=reduction, **kw)
    ref = _ce_ref(_np(x), t.numpy(), w, kw.get("ignore_index", -100), reduction,
                  kw.get("label_smoothing", 0.0))  # fmt: skip
    _check_forward(m, (x, t), ref)
    _gradcheck(m, x, t, second_order=True)


def test_cross_entropy_fused_path_matches_the_general_one():
    """(N, C) logits with plain class indices take one fused record; its loss and gradient
    equal log_softmax + NLL's (forced here by unit class weights), also in float32 and under a
    retain_graph second backward."""
    rng = np.random.default_rng(11)
    for dtype in (np.float64, np.float32):
        x = rng.standard_normal((7, 4)).astype(dtype) * 3
        t = ag.tensor(rng.integers(0, 4, 7))
        for reduction in ("mean", "sum"):
            a = ag.tensor(x, requires_grad=True)
            fused = F.cross_entropy(a, t, reduction=reduction)
            assert type(fused._node).__name__ == "SoftmaxCrossEntropy"
            b = ag.tensor(x, requires_grad=True)
            ones = ag.ones(4, dtype=dtype)
            general = F.cross_entropy(b, t, weight=ones, reduction=reduction)
            assert type(general._node).__name__ != "SoftmaxCrossEntropy"
            assert fused.dtype == dtype
            tol = 1e-12 if dtype == np.float64 else 1e-5
            np.testing.assert_allclose(_np(fused), _np(general), rtol=tol)
            fused.backward(retain_graph=True)
            first = a.grad.numpy().copy()
            fused.backward()
            general.backward()
            np.testing.assert_allclose(first, _np(b.grad), rtol=tol, atol=tol)
            np.testing.assert_allclose(a.grad.numpy(), 2 * first, rtol=tol, atol=tol)


def test_cross_entropy_fused_path_keeps_only_its_softmax():
    """The fused record saves its softmax, not the logits: an in-place change of the logits
    after the loss leaves the gradient as the forward saw it (as log_softmax + NLL does), the
    softmax is freed by the backward, and a second backward says so."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 3))
    t = ag.tensor(rng.integers(0, 3, 6))
    a = ag.tensor(x, requires_grad=True)
    h = a * 1.0
    loss = F.cross_entropy(h, t)
    with ag.no_grad():
        h.mul_(5.0)
    loss.backward()
    p = np.exp(x - x.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(6), t.numpy()] -= 1
    np.testing.assert_allclose(a.grad.numpy(), p / 6, rtol=1e-12, atol=1e-15)
    with pytest.raises(RuntimeError, match="second time.*SoftmaxCrossEntropy"):
        loss.backward()


def test_cross_entropy_fused_second_and_third_order_match_the_general_path():
    """Under create_graph the fused record's softmax joins the graph as softmax's output on
    the logits: Hessian-vector and third-order products equal log_softmax + NLL's."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((5, 4))
    t = ag.tensor(rng.integers(0, 4, 5))
    v = rng.standard_normal((5, 4))
    results = []
    for weight in (None, ag.ones(4, dtype=np.float64)):
        a = ag.tensor(x, requires_grad=True)
        loss = F.cross_entropy(a * 2.0, t, weight=weight)
        (g,) = ag.grad(loss, a, create_graph=True)
        (hv,) = ag.grad((g * ag.tensor(v)).sum(), a, create_graph=True)
        (third,) = ag.grad((hv * hv).sum(), a)
        results.append((g.detach().numpy(), hv.detach().numpy(), third.numpy()))
    assert type(F.cross_entropy(ag.tensor(x, requires_grad=True), t)._node).__name__ == (
        "SoftmaxCrossEntropy"
    )
    for f, gen in zip(results[0], results[1]):
        np.testing.assert_allclose(f, gen, rtol=1e-10, atol=1e-13)


def test_cross_entropy_spatial_targets_and_unbatched():
    x = rand64(2, 4, 3, 2, seed=4)
    t = ag.tensor(np.random.default_rng(0).integers(0, 4, (2, 3, 2)))
    w = np.array([1.0, 2.0, 0.5, 1.0])
    for red in REDUCTIONS:
        m = nn.CrossEntropyLoss(weight=ag.tensor(w), reduction=red, label_smoothing=0.05)
        _check_forward(m, (x, t), _ce_ref(_np(x), t.numpy(), w, reduction=red, eps=0.05))
    _gradcheck(nn.CrossEntropyLoss(weight=ag.tensor(w)), x, t)
    xu = rand64(5, seed=5)
    y = F.cross_entropy(xu, ag.tensor(3))
    assert y.shape == ()
    np.testing.assert_allclose(_np(y), -_log_softmax(_np(xu), 0)[3])
    assert F.cross_entropy(xu, ag.tensor(3), reduction="none").shape == ()


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_class_probabilities(reduction):
    rng = np.random.default_rng(6)
    x = rand64(4, 3, seed=6)
    p = rng.uniform(size=(4, 3))
    p /= p.sum(1, keepdims=True)
    t = ag.tensor(p, requires_grad=True)
    w = np.array([0.5, 1.0, 2.0])
    eps = 0.2
    m = nn.CrossEntropyLoss(weight=ag.tensor(w), reduction=reduction, label_smoothing=eps)
    ts = p * (1 - eps) + eps / 3
    per = -(_log_softmax(_np(x), 1) * ts * w).sum(1)
    ref = {"mean": per.sum() / 4, "sum": per.sum(), "none": per}[reduction]
    _check_forward(m, (x, t), ref)
    _gradcheck(m, x, t, second_order=True)


def test_cross_entropy_is_stable_for_huge_logits():
    x = ag.tensor([[1e4, 0.0, -1e4], [0.0, 0.0, 0.0]], requires_grad=True)
    loss = F.cross_entropy(x, ag.tensor([2, 0]), reduction="none")
    np.testing.assert_allclose(_np(loss), [2e4, np.log(3)], rtol=1e-6)
    loss.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    # masked logits (-inf) for classes that are never the target stay finite
    xm = ag.tensor([[0.0, -np.inf, 1.0]], requires_grad=True)
    lm = F.cross_entropy(xm, ag.tensor([2]))
    lm.backward()
    assert np.isfinite(_np(lm)) and np.isfinite(xm.grad.numpy()).all()


def test_cross_entropy_all_ignored_mean_is_nan_with_zero_gradient_like_pytorch():
    x = ag.randn(2, 3, requires_grad=True)
    y = F.cross_entropy(x, ag.tensor([-100, -100]))
    assert np.isnan(_np(y))
    y.backward()
    assert not x.grad.numpy().any()


def test_cross_entropy_errors_name_shapes_and_classes():
    x = ag.randn(4, 5)
    with pytest.raises(IndexError, match=r"target 5 is out of bounds.*\(4, 5\) has 5 classes"):
        F.cross_entropy(x, ag.tensor([0, 1, 5, 2]))
    with pytest.raises(IndexError, match="target -1"):
        F.cross_entropy(x, ag.tensor([0, 1, -1, 2]))
    with pytest.raises(ag.ShapeError, match=r"input shape \(4, 5\) needs a target of shape \(4,\)"):
        F.cross_entropy(x, ag.tensor([0, 1]))
    with pytest.raises(ag.ShapeError, match="weight"):
        F.cross_entropy(x, ag.tensor([0, 1, 2, 3]), weight=ag.ones(3))
    with pytest.raises(ag.ShapeError, match="probability target"):
        F.cross_entropy(x, ag.randn(4, 3))
    with pytest.raises(TypeError, match="integer"):
        F.nll_loss(x, ag.tensor([0.0, 1.0, 2.0, 3.0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_with_weight_and_ignore(reduction):
    lp = ag.tensor(_log_softmax(np.random.default_rng(7).standard_normal((5, 4)), 1),
                   requires_grad=True)  # fmt: skip
    t = ag.tensor([0, 3, 1, 1, 2])
    w = np.array([1.0, 0.5, 2.0, 3.0])
    m = nn.NLLLoss(weight=ag.tensor(w), ignore_index=3, reduction=reduction)
    picked = -w[t.numpy()] * _np(lp)[np.arange(5), t.numpy()]
    keep = t.numpy() != 3
    picked = np.where(keep, picked, 0)
    ref = {"mean": picked.sum() / w[t.numpy()][keep].sum(), "sum": picked.sum(),
           "none": picked}[reduction]  # fmt: skip
    _check_forward(m, (lp, t), ref)
    _gradcheck(m, lp, t, second_order=True)


# -- KL divergence ------------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", ["mean", "sum", "none", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    rng = np.random.default_rng(8)
    q = _log_softmax(rng.standard_normal((3, 4)), 1)
    p = np.exp(_log_softmax(rng.standard_normal((3, 4)), 1))
    p[0, 1] = 0.0  # a zero-probability target contributes 0
    x = ag.tensor(q, requires_grad=True)
    tv = np.log(p + 1e-300) if log_target else p
    t = ag.tensor(tv, requires_grad=not log_target)
    m = nn.KLDivLoss(reduction=reduction, log_target=log_target)
    pt = np.where(p > 0, p * (np.log(np.where(p > 0, p, 1)) - q), 0)
    if log_target:
        pt = np.exp(tv) * (tv - q)
    ref = {"mean": pt.mean(), "sum": pt.sum(), "none": pt, "batchmean": pt.sum() / 3}[reduction]
    np.testing.assert_allclose(_np(m(x, t)), ref, rtol=1e-10, atol=1e-12)
    if not log_target:
        t2 = ag.tensor(np.exp(_log_softmax(rng.standard_normal((3, 4)), 1)), requires_grad=True)
        _gradcheck(m, x, t2, second_order=True)
    else:
        _gradcheck(m, x, t)


def test_loss_module_buffers_and_repr():
    m = nn.CrossEntropyLoss(weight=[1.0, 2.0], label_smoothing=0.1)
    assert "weight" in dict(m.named_buffers())
    assert repr(m) == "CrossEntropyLoss(label_smoothing=0.1)"
    m.double()
    assert m.weight.dtype == np.float64
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"
