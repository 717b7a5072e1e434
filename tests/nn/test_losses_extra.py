"""Margin, embedding and likelihood losses (multi_margin ... gaussian_nll) and their modules:
values and gradients against PyTorch for every reduction in float32 and float64 (random
cotangents), PyTorch's subgradients on the hinges, gradcheck and gradgradcheck, reprs, errors,
and the cuda path."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
tF = torch.nn.functional

REDUCTIONS = ["mean", "sum", "none"]
DTYPES = [(ag.float32, torch.float32, 2e-5), (ag.float64, torch.float64, 1e-11)]
DT_IDS = ["float32", "float64"]

_rng = np.random.default_rng(0)
N, C, D = 4, 5, 3
X = _rng.standard_normal((N, C))
T_CLS = np.array([1, 0, 4, 2])
W = _rng.uniform(0.5, 2.0, C)
# class lists ended by -1: duplicates, an empty list, a full list, one past a -1 that is ignored
T_ML = np.array([[3, 0, -1, 1, 2], [1, 2, 3, 4, 0], [-1, 0, 0, 0, 0], [4, 4, -1, 2, 0]])
T_BIN = (_rng.uniform(size=(N, C)) > 0.5).astype(np.float64)
T_SOFT = _rng.uniform(size=(N, C))
T_SIGN = _rng.choice([-1.0, 1.0], size=(N, C))
V1, V2, V3 = (_rng.standard_normal((N, D)) for _ in range(3))
Y_N = np.array([1.0, -1.0, -1.0, 1.0])
Y_N0 = np.array([1.0, 0.0, -1.0, -1.0])
RATE = _rng.uniform(0.2, 3.0, (N, C))
COUNTS = _rng.uniform(0.1, 4.0, (N, C))
VAR = _rng.uniform(0.2, 2.0, (N, C))


def _np(t):
    return t.detach().cpu().numpy() if isinstance(t, ag.Tensor) else t.detach().numpy()


def _cos_dist(a, b):
    return 1 - F.cosine_similarity(a, b)


def _tcos_dist(a, b):
    return 1 - tF.cosine_similarity(a, b)


_DEVICE = ["cpu"]  # where our constants are made (the cuda test switches it)


def _c(a, ours, dt):
    """A constant (no grad) in the right library and dtype; integer arrays keep their dtype."""
    if ours:
        return ag.tensor(a, dtype=None if a.dtype.kind in "iu" else dt, device=_DEVICE[0])
    return torch.tensor(a, dtype=None if a.dtype.kind in "iu" else dt)


# name: (ours(r, dt, *xs), theirs(r, tdt, *xs), differentiable arrays). The same lambda body
# serves both libraries through ``L`` (F or tF) and ``c(a)`` (a constant of the right kind).
def _case(fn, *arrays):
    return (lambda r, dt, *xs: fn(F, nn, lambda a: _c(a, True, dt), r, *xs),
            lambda r, dt, *xs: fn(tF, torch.nn, lambda a: _c(a, False, dt), r, *xs),
            arrays)  # fmt: skip


CASES = {
    "multi_margin": _case(lambda L, M, c, r, x: L.multi_margin_loss(x, c(T_CLS), reduction=r), X),
    "multi_margin_p2_w": _case(lambda L, M, c, r, x: L.multi_margin_loss(
        x, c(T_CLS), p=2, margin=0.7, weight=c(W), reduction=r), X),
    "MultiMarginLoss_w": _case(lambda L, M, c, r, x: M.MultiMarginLoss(
        margin=1.5, weight=c(W), reduction=r)(x, c(T_CLS)), X),
    "multi_margin_1d": _case(lambda L, M, c, r, x: L.multi_margin_loss(
        x, c(np.array(3)), reduction=r), X[0]),
    "multi_margin_1d_t1": _case(lambda L, M, c, r, x: L.multi_margin_loss(
        x, c(np.array([2])), p=2, reduction=r), X[1]),
    "multi_margin_row_t0": _case(lambda L, M, c, r, x: L.multi_margin_loss(
        x, c(np.array(3)), weight=c(W), reduction=r), X[:1]),  # (1, C) input, 0-d target
    "multilabel_margin_short": _case(lambda L, M, c, r, x: L.multilabel_margin_loss(
        x, c(T_ML[[0, 2, 3]]), reduction=r), X[:3]),  # longest list K = 2 < C
    "multilabel_margin": _case(lambda L, M, c, r, x: L.multilabel_margin_loss(
        x, c(T_ML), reduction=r), X),
    "MultiLabelMarginLoss_1d": _case(lambda L, M, c, r, x: M.MultiLabelMarginLoss(
        reduction=r)(x, c(T_ML[0])), X[2]),
    "multilabel_soft_margin": _case(lambda L, M, c, r, x, t: L.multilabel_soft_margin_loss(
        x, t, reduction=r), X, T_SOFT),
    "MultiLabelSoftMarginLoss_w": _case(lambda L, M, c, r, x: M.MultiLabelSoftMarginLoss(
        weight=c(W), reduction=r)(x, c(T_BIN)), X * 3),
    "soft_margin": _case(lambda L, M, c, r, x: L.soft_margin_loss(x, c(T_SIGN), reduction=r), X),
    "SoftMarginLoss": _case(lambda L, M, c, r, x: M.SoftMarginLoss(reduction=r)(
        x, c(T_SIGN)), X * 4),
    "margin_ranking": _case(lambda L, M, c, r, a, b: L.margin_ranking_loss(
        a, b, c(Y_N), reduction=r), V1[:, 0], V2[:, 0]),
    "MarginRankingLoss_t": _case(lambda L, M, c, r, a, b, t: M.MarginRankingLoss(
        0.3, reduction=r)(a, b, t), V1[:, 1], V2[:, 1], Y_N * 0.7),
    "hinge_embedding": _case(lambda L, M, c, r, x: L.hinge_embedding_loss(
        x, c(T_SIGN), reduction=r), X),
    "HingeEmbeddingLoss_0": _case(lambda L, M, c, r, x: M.HingeEmbeddingLoss(
        0.5, reduction=r)(x, c(T_SIGN * (X[:, :1] > 0))), X),
    "cosine_embedding": _case(lambda L, M, c, r, a, b: L.cosine_embedding_loss(
        a, b, c(Y_N), reduction=r), V1, V2),
    "CosineEmbeddingLoss_m": _case(lambda L, M, c, r, a, b: M.CosineEmbeddingLoss(
        -0.2, reduction=r)(a, b, c(Y_N0)), V1, V2),
    "cosine_embedding_1d": _case(lambda L, M, c, r, a, b: L.cosine_embedding_loss(
        a, b, c(np.array(-1.0)), margin=-0.5, reduction=r), V1[0], V2[0]),
    "cosine_embedding_bcast": _case(lambda L, M, c, r, a, b: L.cosine_embedding_loss(
        a, b, c(Y_N), reduction=r), V1, V2[:1]),
    "triplet": _case(lambda L, M, c, r, a, p, n: L.triplet_margin_loss(
        a, p, n, reduction=r), V1, V2, V3),
    "TripletMarginLoss_p1_swap": _case(lambda L, M, c, r, a, p, n: M.TripletMarginLoss(
        margin=2.0, p=1.0, eps=1e-3, swap=True, reduction=r)(a, p, n), V1, V2, V3 * 0.5),
    "triplet_p3_1d": _case(lambda L, M, c, r, a, p, n: L.triplet_margin_loss(
        a, p, n, margin=3.0, p=3, reduction=r), V1[0], V2[0], V3[0]),
    "triplet_distance": _case(lambda L, M, c, r, a, p, n: L.triplet_margin_with_distance_loss(
        a, p, n, reduction=r), V1, V2, V3),
    "TripletMarginWithDistanceLoss_cos": _case(
        lambda L, M, c, r, a, p, n: M.TripletMarginWithDistanceLoss(
            distance_function=_cos_dist if L is F else _tcos_dist, margin=0.5, swap=True,
            reduction=r)(a, p, n), V1, V2, V3),
    "poisson": _case(lambda L, M, c, r, x, t: L.poisson_nll_loss(x, t, reduction=r),
                     X * 0.5, COUNTS),
    "poisson_full": _case(lambda L, M, c, r, x, t: L.poisson_nll_loss(
        x, t, full=True, reduction=r), X * 0.5, COUNTS),
    "PoissonNLLLoss_rate_full": _case(lambda L, M, c, r, x, t: M.PoissonNLLLoss(
        log_input=False, full=True, eps=1e-3, reduction=r)(x, t), RATE, COUNTS),
    "poisson_rate": _case(lambda L, M, c, r, x: L.poisson_nll_loss(
        x, c(np.floor(COUNTS)), log_input=False, reduction=r), RATE),
    "gaussian": _case(lambda L, M, c, r, x, t, v: L.gaussian_nll_loss(x, t, v, reduction=r),
                      X, T_SOFT, VAR),
    "gaussian_full_rowvar": _case(lambda L, M, c, r, x, t, v: L.gaussian_nll_loss(
        x, t, v, full=True, reduction=r), X, T_SOFT, VAR[:, 0]),
    "GaussianNLLLoss_col1": _case(lambda L, M, c, r, x, t, v: M.GaussianNLLLoss(
        eps=1e-3, reduction=r)(x, t, v), X, T_SOFT, VAR[:, :1]),
    "gaussian_row1": _case(lambda L, M, c, r, x, t, v: L.gaussian_nll_loss(
        x, t, v, reduction=r), X, T_SOFT, VAR[:1]),
    "gaussian_float_var": _case(lambda L, M, c, r, x, t: L.gaussian_nll_loss(
        x, t, 0.3, full=True, reduction=r), X, T_SOFT),
}  # fmt: skip


def _run(fn, r, dt, arrays, torch_side):
    lib = torch if torch_side else ag
    xs = [lib.tensor(a, dtype=dt, requires_grad=True) for a in arrays]
    return fn(r, dt, *xs), xs


@pytest.mark.parametrize("dt,tdt,tol", DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch_values_and_gradients(name, reduction, dt, tdt, tol):
    ours, theirs, arrays = CASES[name]
    y, xs = _run(ours, reduction, dt, arrays, False)
    yt, ts = _run(theirs, reduction, tdt, arrays, True)
    assert y.dtype == dt and tuple(y.shape) == tuple(yt.shape)
    np.testing.assert_allclose(_np(y), _np(yt), rtol=tol, atol=tol)
    g = np.random.default_rng(1).standard_normal(tuple(yt.shape))
    y.backward(ag.tensor(g, dtype=dt))
    yt.backward(torch.tensor(g, dtype=tdt))
    for x, t in zip(xs, ts):
        assert x.grad.dtype == dt
        np.testing.assert_allclose(_np(x.grad), _np(t.grad), rtol=tol, atol=tol)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", list(CASES))
def test_gradcheck_and_gradgradcheck(name, reduction):
    ours, _, arrays = CASES[name]
    xs = tuple(ag.tensor(a, dtype=ag.float64, requires_grad=True) for a in arrays)

    def fn(*v):
        return ours(reduction, ag.float64, *v)

    assert ag.gradcheck(fn, xs)
    assert ag.gradgradcheck(fn, xs)


# -- subgradients at the hinges -------------------------------------------------------------------


def _torch_pair(ours_fn, torch_fn, arrays):
    """Values and gradients of both, float64 and float32, on hand-made inputs."""
    for dt, tdt, tol in DTYPES:
        xs = [ag.tensor(a, dtype=dt, requires_grad=True) for a in arrays]
        ts = [torch.tensor(a, dtype=tdt, requires_grad=True) for a in arrays]
        y, yt = ours_fn(*xs), torch_fn(*ts)
        np.testing.assert_allclose(_np(y), _np(yt), rtol=tol, atol=tol)
        y.sum().backward()
        yt.sum().backward()
        for x, t in zip(xs, ts):
            np.testing.assert_allclose(_np(x.grad), _np(t.grad), rtol=tol, atol=tol)


def test_multi_class_hinges_give_zero_gradient_exactly_at_the_margin():
    x = np.array([[1.0, 2.0, 0.5, 1.25], [0.0, -1.0, 1.0, 3.0]])  # row 0: x[y] - x[0] == 1
    t = np.array([1, 3])
    for p in (1, 2):
        _torch_pair(lambda v, p=p: F.multi_margin_loss(v, ag.tensor(t), p, reduction="none"),
                    lambda v, p=p: tF.multi_margin_loss(v, torch.tensor(t), p, reduction="none"),
                    (x,))  # fmt: skip
    g = ag.tensor(x[:1], requires_grad=True)
    F.multi_margin_loss(g, ag.tensor([1]), margin=1.0).backward()
    assert g.grad.tolist() == [[0.0, -0.25, 0.0, 0.25]]  # only x[3] is inside the margin
    tml = np.array([[1, -1, 0, 0], [0, 3, -1, 2]])
    xm = np.array([[0.5, 1.5, 0.75, 0.25], [2.0, 2.5, 1.0, 1.5]])  # 1 - x[1] + x[0] == 0
    _torch_pair(lambda v: F.multilabel_margin_loss(v, ag.tensor(tml), reduction="none"),
                lambda v: tF.multilabel_margin_loss(v, torch.tensor(tml), reduction="none"),
                (xm,))  # fmt: skip


def test_clamp_based_losses_pass_the_gradient_exactly_at_zero():
    # each row sits exactly on its kink: PyTorch's clamp_min(., 0) passes the gradient there
    _torch_pair(lambda a, b: F.margin_ranking_loss(a, b, ag.tensor([1.0, -1.0]), 0.5),
                lambda a, b: tF.margin_ranking_loss(a, b, torch.tensor([1.0, -1.0]), 0.5),
                (np.array([1.5, 0.25]), np.array([1.0, 0.75])))  # fmt: skip
    _torch_pair(lambda x: F.hinge_embedding_loss(x, ag.tensor([-1.0, -1.0, 1.0]), 1.0),
                lambda x: tF.hinge_embedding_loss(x, torch.tensor([-1.0, -1.0, 1.0]), 1.0),
                (np.array([1.0, 0.5, 1.0]),))  # fmt: skip
    a, b = np.array([[1.0, 0.0]]), np.array([[1.0, 1.0]])
    cos = 1 / math.sqrt((1 + 1e-12) * (2 + 1e-12))
    _torch_pair(lambda u, v: F.cosine_embedding_loss(u, v, ag.tensor([-1.0]), cos),
                lambda u, v: tF.cosine_embedding_loss(u, v, torch.tensor([-1.0]), cos),
                (a, b))  # fmt: skip
    anc, pos, neg = np.array([[0.0, 0.0]]), np.array([[3.0, 0.0]]), np.array([[0.0, 4.0]])
    _torch_pair(lambda u, v, w: F.triplet_margin_loss(u, v, w, margin=1.0, eps=0.0),
                lambda u, v, w: tF.triplet_margin_loss(u, v, w, margin=1.0, eps=0.0),
                (anc, pos, neg))  # fmt: skip
    # swap with d(a, n) == d(p, n): torch.minimum splits the gradient half and half
    anc, pos, neg = np.array([[0.0, 0.0]]), np.array([[2.0, 0.0]]), np.array([[1.0, 3.0]])
    _torch_pair(lambda u, v, w: F.triplet_margin_loss(u, v, w, margin=5.0, eps=0.0, swap=True),
                lambda u, v, w: tF.triplet_margin_loss(u, v, w, margin=5.0, eps=0.0, swap=True),
                (anc, pos, neg))  # fmt: skip


def test_gaussian_var_below_eps_is_clamped_in_value_only_like_torch():
    x, t = np.array([[0.5, 1.0, -1.0]]), np.array([[1.5, 0.0, 2.0]])
    v = np.array([[1e-8, 2.0, 1e-6]])  # below eps, ordinary, exactly eps
    _torch_pair(
        lambda a, b, s: F.gaussian_nll_loss(a, b, s, reduction="sum"),
        lambda a, b, s: tF.gaussian_nll_loss(a, b, s, reduction="sum"),
        (x, t, v),
    )
    _torch_pair(lambda a, b: F.gaussian_nll_loss(a, b, 0.0, eps=1e-3),
                lambda a, b: tF.gaussian_nll_loss(a, b, 0.0, eps=1e-3), (x, t))  # fmt: skip


# -- stability and deliberate differences ---------------------------------------------------------


def test_soft_margin_loss_is_finite_for_huge_margins():
    # PyTorch computes log1p(exp(-y x)): inf and a NaN gradient here
    x = ag.tensor([1000.0, -1000.0, 30.0], dtype=ag.float64, requires_grad=True)
    y = F.soft_margin_loss(x, ag.tensor([-1.0, -1.0, 1.0], dtype=ag.float64), reduction="none")
    np.testing.assert_allclose(_np(y), [1000.0, 0.0, math.log1p(math.exp(-30.0))], rtol=1e-15)
    y.sum().backward()
    np.testing.assert_allclose(_np(x.grad), [1.0, 0.0, -1 / (1 + math.exp(30.0))], rtol=1e-12)
    x32 = ag.tensor([200.0, -200.0], dtype=ag.float32)
    assert np.isfinite(_np(F.soft_margin_loss(x32, ag.tensor([-1.0, 1.0])))).all()


def test_poisson_full_target_gradient_is_finite_at_zero_count():
    # PyTorch's masked Stirling term gives 0 * inf = NaN for d/dtarget at target == 0
    x = ag.tensor([0.5, -1.0], dtype=ag.float64, requires_grad=True)
    t = ag.tensor([0.0, 1.0], dtype=ag.float64, requires_grad=True)
    loss = F.poisson_nll_loss(x, t, full=True, reduction="sum")
    tl = tF.poisson_nll_loss(torch.tensor([0.5, -1.0]), torch.tensor([0.0, 1.0]), full=True,
                             reduction="sum")  # fmt: skip
    np.testing.assert_allclose(loss.item(), tl.item(), rtol=1e-6)
    loss.backward()
    np.testing.assert_allclose(_np(t.grad), [-0.5, 1.0])  # d/dt (exp(x) - t x) = -x
    np.testing.assert_allclose(_np(x.grad), [math.exp(0.5), math.exp(-1.0) - 1.0])


def test_integer_targets_and_inputs_keep_the_input_dtype():
    x = ag.tensor(X, dtype=ag.float32)
    assert F.multilabel_soft_margin_loss(x, ag.tensor(T_BIN.astype(np.int64))).dtype == ag.float32
    assert F.soft_margin_loss(x, ag.tensor(T_SIGN.astype(np.int64))).dtype == ag.float32
    assert F.poisson_nll_loss(x, ag.tensor(np.floor(COUNTS).astype(np.int64))).dtype == ag.float32
    assert F.hinge_embedding_loss(x, ag.tensor(T_SIGN.astype(np.int64))).dtype == ag.float32
    assert F.gaussian_nll_loss(x, x, ag.ones(N, C, dtype=ag.int64)).dtype == ag.float32
    assert F.gaussian_nll_loss(x, x, 2).dtype == ag.float32
    for t in (ag.tensor(T_CLS.astype(np.int32)), ag.tensor(T_CLS.astype(np.uint8))):
        a = F.multi_margin_loss(x, t).item()
        assert a == pytest.approx(
            tF.multi_margin_loss(torch.tensor(X).float(), torch.tensor(T_CLS)).item(), rel=1e-6
        )


# constants (lists, NumPy arrays of any dtype, integer tensors) take the input's dtype; a float
# tensor of another dtype promotes as in loss.py's losses (mse_loss, bce_with_logits ...)
_X32 = ag.tensor([0.3, -0.2], dtype=ag.float32)
_T32 = ag.tensor([1.0, 0.0], dtype=ag.float32)
_I64 = ag.tensor([1, 2])
CONSTANT_OPERANDS = {
    "soft_margin_list": lambda x: F.soft_margin_loss(x, [1.0, -1.0]),
    "soft_margin_f64_array": lambda x: F.soft_margin_loss(x, np.array([1.0, -1.0])),
    "multilabel_soft_margin_list_weight": lambda x: F.multilabel_soft_margin_loss(
        x, _T32, weight=[0.5, 2.0]),
    "multilabel_soft_margin_f64_target": lambda x: F.multilabel_soft_margin_loss(
        x, np.array([1.0, 0.0]), weight=np.array([0.5, 2.0])),
    "gaussian_list_var": lambda x: F.gaussian_nll_loss(x, x * 0, [0.5, 2.0]),
    "gaussian_f64_var": lambda x: F.gaussian_nll_loss(x, _T32, np.array([0.5, 2.0])),
    "gaussian_list_target": lambda x: F.gaussian_nll_loss(x, [1.0, 0.0], 1.0),
    "gaussian_int_target": lambda x: F.gaussian_nll_loss(x, _I64, 1.0),
    "gaussian_int_target_tensor_var": lambda x: F.gaussian_nll_loss(x, _I64, ag.ones(2)),
    "poisson_list": lambda x: F.poisson_nll_loss(x, [1.0, 2.0]),
    "poisson_f64_array_full": lambda x: F.poisson_nll_loss(x, np.array([1.0, 2.0]), full=True),
    "poisson_int_target": lambda x: F.poisson_nll_loss(x * x + 0.5, _I64, log_input=False),
    "margin_ranking_f64_array": lambda x: F.margin_ranking_loss(x[:1], x[1:], np.ones(1)),
    "margin_ranking_list": lambda x: F.margin_ranking_loss(x, x * 2, [1.0, -1.0]),
    "margin_ranking_int_target": lambda x: F.margin_ranking_loss(x, x * 2, ag.tensor([1, -1])),
    "multi_margin_list_weight": lambda x: F.multi_margin_loss(x, ag.tensor(1), weight=[1.0, 2.0]),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CONSTANT_OPERANDS))
def test_constant_operands_never_widen_a_float32_input(name):
    x = ag.tensor(_X32.numpy(), requires_grad=True)
    y = CONSTANT_OPERANDS[name](x)
    assert y.dtype == ag.float32
    y.backward()
    assert x.grad.dtype == ag.float32
    # the same loss on a float64 input: the constant's values are kept (only its dtype changes)
    y64 = CONSTANT_OPERANDS[name](ag.tensor(_X32.numpy(), dtype=ag.float64))
    assert y64.dtype == ag.float64
    np.testing.assert_allclose(y.item(), y64.item(), rtol=1e-6)


def test_a_float64_tensor_target_promotes_as_in_the_other_losses():
    t64 = ag.tensor([1.0, -1.0], dtype=ag.float64)
    assert F.mse_loss(_X32, t64).dtype == ag.float64  # loss.py's rule: tensors promote
    assert F.soft_margin_loss(_X32, t64).dtype == ag.float64
    assert F.poisson_nll_loss(_X32, t64.abs()).dtype == ag.float64
    assert F.gaussian_nll_loss(_X32, t64, 1.0).dtype == ag.float64
    assert F.margin_ranking_loss(_X32, _X32, t64).dtype == ag.float64
    assert F.multilabel_soft_margin_loss(_X32, t64.abs()).dtype == ag.float64


def _records_made(call, exc, match):
    """How many graph records ``call`` made before raising ``exc`` (tape positions taken)."""
    from autograd import function

    before = function._next_seq()
    with pytest.raises(exc, match=match):
        call()
    return function._next_seq() - before - 1


def test_argument_errors_come_before_any_work():
    x = ag.randn(2, 3, requires_grad=True)
    t = ag.zeros(2, 3, requires_grad=True)

    def probe():  # the count sees work: two recorded ops, then an error
        (x * t).sum()
        raise RuntimeError("probe")

    assert _records_made(probe, RuntimeError, "probe") == 2
    bad_w = ag.ones(2)
    assert _records_made(lambda: F.multilabel_soft_margin_loss(x, t, weight=bad_w),
                         ag.ShapeError, "weight shape") == 0  # fmt: skip
    assert _records_made(lambda: F.gaussian_nll_loss(x, t, ag.ones(3)),
                         ag.ShapeError, "var is of incorrect size") == 0  # fmt: skip
    assert _records_made(lambda: F.gaussian_nll_loss(x, t, -ag.ones(2, 3)),
                         ValueError, "negative") == 0  # fmt: skip
    assert _records_made(lambda: F.gaussian_nll_loss(x, t, -1.0), ValueError, "negative") == 0


def test_multi_margin_accepts_one_sample_with_a_0d_target_like_torch():
    x = np.array([[0.5, 1.0, -0.25, 0.75]])
    for tshape in ((), (1,)):
        t = np.full(tshape, 1)
        ours = F.multi_margin_loss(ag.tensor(x), ag.tensor(t), reduction="none")
        theirs = tF.multi_margin_loss(torch.tensor(x), torch.tensor(t), reduction="none")
        assert tuple(ours.shape) == tuple(theirs.shape) == tshape
        np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-12)
        for xs in (x, x[0]):  # (1, C) and (C,) give the same shapes
            assert F.multi_margin_loss(ag.tensor(xs), ag.tensor(t), reduction="none").shape == (
                tshape
            )


def test_multilabel_margin_memory_grows_with_the_longest_list_not_c_squared():
    import tracemalloc

    n, c = 16, 400  # an (N, C, C) float64 array would be 20 MB
    t = np.full((n, c), -1)
    t[:, :3] = np.random.default_rng(2).integers(0, c, (n, 3))
    x = ag.tensor(np.random.default_rng(3).standard_normal((n, c)), requires_grad=True)
    target = ag.tensor(t)
    tracemalloc.start()
    try:
        F.multilabel_margin_loss(x, target).backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4e6, f"peak {peak / 1e6:.1f} MB"
    tl = tF.multilabel_margin_loss(torch.tensor(x.detach().numpy()), torch.tensor(t))
    assert x.grad is not None and F.multilabel_margin_loss(x, target).item() == pytest.approx(
        tl.item(), rel=1e-12
    )


def test_empty_batches():
    e = ag.zeros(0, C, requires_grad=True)
    t = ag.tensor(np.zeros(0, dtype=np.int64))
    assert F.multi_margin_loss(e, t, reduction="sum").item() == 0.0
    assert F.multi_margin_loss(e, t, reduction="none").shape == (0,)
    tm = ag.tensor(np.zeros((0, C), dtype=np.int64))
    assert F.multilabel_margin_loss(e, tm, reduction="none").shape == (0,)
    assert F.multilabel_soft_margin_loss(e, ag.zeros(0, C), reduction="sum").item() == 0.0
    z = ag.zeros(0, D)
    assert F.triplet_margin_loss(z, z, z, reduction="none").shape == (0,)
    assert F.cosine_embedding_loss(z, z, ag.zeros(0), reduction="sum").item() == 0.0


def test_multilabel_margin_counts_duplicates_and_stops_at_the_first_minus_one():
    x = ag.tensor([[0.1, 0.2, 0.4, 0.8]], dtype=ag.float64)
    one = F.multilabel_margin_loss(x, ag.tensor([[3, 0, -1, 1]])).item()
    assert one == pytest.approx(0.85)  # PyTorch's documented example
    twice = F.multilabel_margin_loss(x, ag.tensor([[3, 3, -1, 1]])).item()
    single = F.multilabel_margin_loss(x, ag.tensor([[3, -1, 0, 0]])).item()
    assert twice == pytest.approx(2 * single)
    assert F.multilabel_margin_loss(x, ag.tensor([[-1, 3, 0, 1]])).item() == 0.0


# -- modules --------------------------------------------------------------------------------------


def test_module_reprs_match_torch():
    w = [1.0, 2.0, 3.0]
    pairs = [
        (nn.MultiMarginLoss(), torch.nn.MultiMarginLoss()),
        (nn.MultiMarginLoss(p=2, margin=0.5, weight=ag.tensor(w)),
         torch.nn.MultiMarginLoss(p=2, margin=0.5, weight=torch.tensor(w))),
        (nn.MultiLabelMarginLoss(), torch.nn.MultiLabelMarginLoss()),
        (nn.MultiLabelSoftMarginLoss(weight=ag.tensor(w)),
         torch.nn.MultiLabelSoftMarginLoss(weight=torch.tensor(w))),
        (nn.SoftMarginLoss(), torch.nn.SoftMarginLoss()),
        (nn.MarginRankingLoss(0.5), torch.nn.MarginRankingLoss(0.5)),
        (nn.HingeEmbeddingLoss(2.0), torch.nn.HingeEmbeddingLoss(2.0)),
        (nn.CosineEmbeddingLoss(0.2), torch.nn.CosineEmbeddingLoss(0.2)),
        (nn.TripletMarginLoss(p=1, swap=True), torch.nn.TripletMarginLoss(p=1, swap=True)),
        (nn.TripletMarginWithDistanceLoss(margin=0.5),
         torch.nn.TripletMarginWithDistanceLoss(margin=0.5)),
        (nn.PoissonNLLLoss(full=True), torch.nn.PoissonNLLLoss(full=True)),
        (nn.GaussianNLLLoss(full=True), torch.nn.GaussianNLLLoss(full=True)),
    ]  # fmt: skip
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)


def test_module_defaults_and_weight_buffers_match_torch():
    for ours, theirs, attrs in [
        (nn.MultiMarginLoss(), torch.nn.MultiMarginLoss(), ("p", "margin", "reduction")),
        (nn.TripletMarginLoss(), torch.nn.TripletMarginLoss(), ("margin", "p", "eps", "swap")),
        (nn.PoissonNLLLoss(), torch.nn.PoissonNLLLoss(), ("log_input", "full", "eps")),
        (nn.GaussianNLLLoss(), torch.nn.GaussianNLLLoss(), ("full", "eps")),
        (nn.MarginRankingLoss(), torch.nn.MarginRankingLoss(), ("margin",)),
        (nn.HingeEmbeddingLoss(), torch.nn.HingeEmbeddingLoss(), ("margin",)),
        (nn.CosineEmbeddingLoss(), torch.nn.CosineEmbeddingLoss(), ("margin",)),
        (nn.TripletMarginWithDistanceLoss(), torch.nn.TripletMarginWithDistanceLoss(),
         ("margin", "swap")),
    ]:  # fmt: skip
        for a in attrs:
            assert getattr(ours, a) == getattr(theirs, a), a
    m = nn.MultiMarginLoss(weight=[1.0, 2.0])
    assert list(m.state_dict()) == ["weight"] and m.weight.tolist() == [1.0, 2.0]
    assert list(nn.MultiLabelSoftMarginLoss(weight=ag.ones(3)).state_dict()) == ["weight"]
    assert isinstance(nn.TripletMarginWithDistanceLoss().distance_function, nn.PairwiseDistance)
    assert nn.TripletMarginWithDistanceLoss().state_dict() == {}


# -- errors ---------------------------------------------------------------------------------------

_x, _t = ag.randn(2, 3), ag.tensor([0, 2])
ERRORS = [
    (ValueError, r"multi_margin_loss: only p == 1 and p == 2 supported, got p=3",
     lambda: F.multi_margin_loss(_x, _t, p=3)),
    (ValueError, r"MultiMarginLoss: only p == 1 and p == 2 supported, got p=0",
     lambda: nn.MultiMarginLoss(p=0)),
    (ValueError, r"MultiMarginLoss: expected weight to be None or 1D tensor, got 2D instead",
     lambda: nn.MultiMarginLoss(weight=ag.ones(1, 3))),
    (ValueError, r"multi_margin_loss: reduction must be one of 'mean', 'sum', 'none', got 'avg'",
     lambda: F.multi_margin_loss(_x, _t, reduction="avg")),
    (ValueError, r"TripletMarginLoss: reduction must be one of", lambda: nn.TripletMarginLoss(
        reduction="batchmean")),
    (ag.ShapeError,
     r"multi_margin_loss: input shape \(2, 3\) needs a target of shape \(2,\) \(one class index "
     r"per sample\), got target shape \(3,\)",
     lambda: F.multi_margin_loss(_x, ag.tensor([0, 1, 2]))),
    (ag.ShapeError, r"multi_margin_loss: input shape \(3,\) needs a target of shape \(\) or \(1,\)",
     lambda: F.multi_margin_loss(ag.ones(3), ag.tensor([0, 1]))),
    (ag.ShapeError, r"multi_margin_loss: input shape \(1, 3\) needs a target of shape \(\) or "
     r"\(1,\) \(one class index per sample\), got target shape \(2,\)",
     lambda: F.multi_margin_loss(ag.ones(1, 3), ag.tensor([0, 1]))),
    (ag.ShapeError, r"multi_margin_loss: input shape \(2, 3\) needs a target of shape \(2,\) "
     r"\(one class index per sample\), got target shape \(\)",
     lambda: F.multi_margin_loss(_x, ag.tensor(0))),
    (ag.ShapeError, r"multi_margin_loss: input shape \(1, 3\) needs a target of shape \(\) or "
     r"\(1,\) \(one class index per sample\), got target shape \(1, 1\)",
     lambda: F.multi_margin_loss(ag.ones(1, 3), ag.tensor([[0]]))),
    (ag.ShapeError,
     r"multi_margin_loss: expected input of shape \(N, C\) or \(C,\) with C > 0 classes, got "
     r"\(2, 3, 4\)",
     lambda: F.multi_margin_loss(ag.ones(2, 3, 4), _t)),
    (TypeError, r"multi_margin_loss: target must be an integer tensor \(class indices\), got "
     r"dtype float32", lambda: F.multi_margin_loss(_x, ag.tensor([0.0, 2.0]))),
    (TypeError, r"multi_margin_loss: input must be a floating point tensor, got dtype int64",
     lambda: F.multi_margin_loss(ag.tensor([[1, 2]]), ag.tensor([0]))),
    (IndexError, r"multi_margin_loss: target 3 is out of range: input shape \(2, 3\) has 3 "
     r"classes", lambda: F.multi_margin_loss(_x, ag.tensor([0, 3]))),
    (IndexError, r"multi_margin_loss: target -1 is out of range",
     lambda: F.multi_margin_loss(_x, ag.tensor([-1, 0]))),
    (ag.ShapeError, r"multi_margin_loss: weight should be a 1-D tensor of size 3 \(one per "
     r"class\), got shape \(4,\)", lambda: F.multi_margin_loss(_x, _t, weight=ag.ones(4))),
    (ag.ShapeError, r"multilabel_margin_loss: target must have the input's shape \(2, 3\) "
     r"\(class indices padded with -1\), got target shape \(3,\)",
     lambda: F.multilabel_margin_loss(_x, ag.tensor([0, 1, -1]))),
    (IndexError, r"multilabel_margin_loss: target -2 is out of range: input shape \(2, 3\) has "
     r"3 classes \(valid targets are 0 to 2, and -1 ends a sample's list\)",
     lambda: F.multilabel_margin_loss(_x, ag.tensor([[0, -2, -1], [0, 1, 2]]))),
    (IndexError, r"multilabel_margin_loss: target 3 is out of range",
     lambda: F.multilabel_margin_loss(_x, ag.tensor([[0, 3, -1], [0, 1, 2]]))),
    (TypeError, r"multilabel_margin_loss: target must be an integer tensor",
     lambda: F.multilabel_margin_loss(_x, ag.zeros(2, 3))),
    (ag.ShapeError, r"multilabel_soft_margin_loss: input and target shapes must match, got "
     r"input \(2, 3\) and target \(2, 1\)",
     lambda: F.multilabel_soft_margin_loss(_x, ag.zeros(2, 1))),
    (ag.ShapeError, r"multilabel_soft_margin_loss: weight shape \(2,\) is not broadcastable to "
     r"input shape \(2, 3\)",
     lambda: F.multilabel_soft_margin_loss(_x, ag.zeros(2, 3), weight=ag.ones(2))),
    (ag.ShapeError, r"soft_margin_loss: input and target shapes must match, got input \(2, 3\) "
     r"and target \(3,\)", lambda: nn.SoftMarginLoss()(_x, ag.ones(3))),
    (ag.ShapeError, r"margin_ranking_loss: input1, input2 and target shapes must match, got "
     r"input1 \(2,\), input2 \(2,\) and target \(2, 1\)",
     lambda: F.margin_ranking_loss(ag.ones(2), ag.ones(2), ag.ones(2, 1))),
    (ag.ShapeError, r"hinge_embedding_loss: input and target shapes must match",
     lambda: F.hinge_embedding_loss(ag.ones(2), ag.ones(3))),
    (ag.ShapeError, r"cosine_embedding_loss: 0D or 1D target tensor expected, multi-target not "
     r"supported, got target shape \(2, 1\)",
     lambda: F.cosine_embedding_loss(_x, _x, ag.ones(2, 1))),
    (ag.ShapeError, r"cosine_embedding_loss: a 1-D target expects 2-D inputs, but got inputs of "
     r"shapes \(3,\) and \(3,\)",
     lambda: F.cosine_embedding_loss(ag.ones(3), ag.ones(3), ag.ones(2))),
    (ag.ShapeError, r"cosine_embedding_loss: target shape \(3,\) does not match the batch size 2 "
     r"of input1 \(2, 3\) and input2 \(2, 3\)",
     lambda: F.cosine_embedding_loss(_x, _x, ag.ones(3))),
    (ag.ShapeError, r"cosine_embedding_loss: input1 \(2, 3\) and input2 \(2, 4\) are not "
     r"broadcastable", lambda: F.cosine_embedding_loss(_x, ag.ones(2, 4), ag.ones(2))),
    (ValueError, r"triplet_margin_loss: margin must be greater than 0, got 0",
     lambda: F.triplet_margin_loss(_x, _x, _x, margin=0)),
    (ValueError, r"TripletMarginLoss: expected margin to be greater than 0, got -1 instead",
     lambda: nn.TripletMarginLoss(margin=-1)),
    (ValueError, r"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got 0",
     lambda: nn.TripletMarginWithDistanceLoss(margin=0)),
    (ag.ShapeError, r"triplet_margin_loss: the anchor, positive, and negative tensors are "
     r"expected to have the same number of dimensions, but got: anchor 2D, positive 2D, and "
     r"negative 1D inputs", lambda: F.triplet_margin_loss(_x, _x, ag.ones(3))),
    (ag.ShapeError, r"triplet_margin_loss: anchor \(2, 3\), positive \(2, 3\) and negative "
     r"\(2, 4\) are not broadcastable", lambda: F.triplet_margin_loss(_x, _x, ag.ones(2, 4))),
    (ag.ShapeError, r"triplet_margin_with_distance_loss: the anchor, positive, and negative",
     lambda: F.triplet_margin_with_distance_loss(_x, ag.ones(3), _x)),
    (TypeError, r"triplet_margin_with_distance_loss: distance_function must be callable, got str",
     lambda: F.triplet_margin_with_distance_loss(_x, _x, _x, distance_function="l2")),
    (TypeError, r"TripletMarginWithDistanceLoss: distance_function must be callable",
     lambda: nn.TripletMarginWithDistanceLoss(distance_function=3)),
    (ag.ShapeError, r"poisson_nll_loss: input and target shapes must match, got input \(2, 3\) "
     r"and target \(2,\)", lambda: F.poisson_nll_loss(_x, ag.ones(2))),
    (ValueError, r"PoissonNLLLoss: reduction must be one of", lambda: nn.PoissonNLLLoss(
        reduction=None)),
    (ag.ShapeError, r"gaussian_nll_loss: var is of incorrect size: var \(3,\) for input \(2, 3\)",
     lambda: F.gaussian_nll_loss(_x, _x, ag.ones(3))),
    (ag.ShapeError, r"gaussian_nll_loss: var is of incorrect size: var \(1, 1\)",
     lambda: F.gaussian_nll_loss(_x, _x, ag.ones(1, 1))),
    (ValueError, r"gaussian_nll_loss: var has negative entry/entries",
     lambda: F.gaussian_nll_loss(_x, _x, -ag.ones(2, 3))),
    (ValueError, r"gaussian_nll_loss: var has negative entry/entries \(got -0.5\)",
     lambda: nn.GaussianNLLLoss()(_x, _x, -0.5)),
    (ag.ShapeError, r"gaussian_nll_loss: input and target shapes must match",
     lambda: F.gaussian_nll_loss(_x, ag.ones(3), ag.ones(2, 3))),
]  # fmt: skip


@pytest.mark.parametrize("exc,pattern,call", ERRORS, ids=[e[1][:40] for e in ERRORS])
def test_errors_name_the_loss_and_the_shapes(exc, pattern, call):
    with pytest.raises(exc, match=pattern):
        call()


def test_torch_also_rejects_what_we_reject():
    # the errors above mirror PyTorch's checks (types aside): spot-check a few against torch
    tx = torch.randn(2, 3)
    for call in (lambda: tF.multi_margin_loss(tx, torch.tensor([0, 3])),
                 lambda: tF.multi_margin_loss(tx, torch.tensor(0)),
                 lambda: tF.multi_margin_loss(tx[:1], torch.tensor([[0]])),
                 lambda: tF.multi_margin_loss(tx, torch.tensor([0, 1]), p=3),
                 lambda: tF.multilabel_margin_loss(tx, torch.tensor([[0, -2, -1], [0, 1, 2]])),
                 lambda: tF.cosine_embedding_loss(tx, tx, torch.ones(2, 1)),
                 lambda: tF.triplet_margin_loss(tx, tx, tx, margin=0),
                 lambda: tF.gaussian_nll_loss(tx, tx, torch.ones(1, 1))):  # fmt: skip
        with pytest.raises((RuntimeError, ValueError)):
            call()


# -- cuda -----------------------------------------------------------------------------------------


@pytest.mark.gpu
def test_cuda_matches_cpu_for_every_case():
    for name, (ours, _, arrays) in CASES.items():
        outs, grads = [], []
        for dev in ("cpu", "cuda"):
            xs = [ag.tensor(a, dtype=ag.float64, device=dev, requires_grad=True) for a in arrays]
            _DEVICE[0] = dev
            try:
                y = ours("sum", ag.float64, *xs)
            finally:
                _DEVICE[0] = "cpu"
            assert y.device.startswith(dev), name
            y.backward()
            outs.append(_np(y))
            grads.append([_np(x.grad) for x in xs])
        np.testing.assert_allclose(outs[1], outs[0], rtol=1e-12, err_msg=name)
        for g1, g0 in zip(grads[1], grads[0]):
            np.testing.assert_allclose(g1, g0, rtol=1e-12, atol=1e-14, err_msg=name)


@pytest.mark.gpu
def test_cuda_errors_and_host_targets():
    x = ag.randn(3, 4, device="cuda")
    with pytest.raises(IndexError, match="multi_margin_loss: target 4 is out of range"):
        F.multi_margin_loss(x, ag.tensor([0, 4, 1], device="cuda"))
    with pytest.raises(IndexError, match="multilabel_margin_loss: target -3 is out of range"):
        F.multilabel_margin_loss(x, ag.tensor([[0, -3, 1, 1]] * 3, device="cuda"))
    with pytest.raises(ValueError, match="var has negative"):
        F.gaussian_nll_loss(x, x, -ag.ones(3, 4, device="cuda"))
    loss = F.multi_margin_loss(x, ag.tensor([0, 3, 1], device="cuda"),
                               weight=ag.ones(4, device="cuda"))  # fmt: skip
    assert loss.device.startswith("cuda")
    # host constants go to the device in the input's dtype; an integer device target is cast
    x32 = ag.randn(2, device="cuda")
    losses = [
        F.soft_margin_loss(x32, [1.0, -1.0]),
        F.gaussian_nll_loss(x32, np.zeros(2), np.array([0.5, 2.0])),
        F.poisson_nll_loss(x32, ag.tensor([1, 2], device="cuda")),
        F.multilabel_margin_loss(x32, ag.tensor([1, -1], device="cuda")),
        F.multi_margin_loss(x32[None], ag.tensor(1, device="cuda"), weight=[1.0, 2.0]),
    ]
    for y in losses:
        assert y.dtype == ag.float32 and y.device.startswith("cuda")
