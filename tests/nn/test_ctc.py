"""nn.functional.ctc_loss and nn.CTCLoss: the loss against a brute-force sum over alignments,
PyTorch's gradient convention (the true derivative plus exp(log_probs)) checked numerically,
gradcheck through log_softmax, reductions, zero_infinity, target formats, lengths, the errors,
create_graph, against PyTorch (values and gradients, several lengths, blank not 0, float32),
and the cuda path (``gpu`` marker)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd import ShapeError


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _np(t):
    return t.detach().cpu().numpy()


def _log_probs(T, N, C, seed=0, dtype=np.float64):
    x = np.random.default_rng(seed).standard_normal((T, N, C))
    return (x - np.log(np.exp(x).sum(-1, keepdims=True))).astype(dtype)


def _brute(lp, target, blank):
    """-log sum over every path of length T (C^T of them) that collapses to target."""
    T, C = lp.shape
    total = 0.0
    for path in itertools.product(range(C), repeat=T):
        out, prev = [], None
        for c in path:
            if c != prev and c != blank:
                out.append(c)
            prev = c
        if out == list(target):
            total += np.exp(sum(lp[t, c] for t, c in enumerate(path)))
    return -np.log(total) if total > 0 else np.inf


# -- values -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target, T, blank",
    [([1, 2], 4, 0), ([1, 1], 4, 0), ([2], 3, 0), ([], 3, 0), ([0, 1, 1], 5, 2), ([1, 1], 3, 0)],
)
def test_loss_equals_the_sum_over_alignments(target, T, blank):
    lp = _log_probs(T, 1, 3, seed=len(target) + T)
    got = F.ctc_loss(ag.tensor(lp), np.array([target + [0]]), [T], [len(target)], blank=blank,
                     reduction="none")  # fmt: skip
    np.testing.assert_allclose(got.numpy(), [_brute(lp[:, 0], target, blank)], rtol=1e-12)


def test_impossible_alignment_is_inf_and_zero_infinity():
    lp = _log_probs(3, 2, 3)
    tg = np.array([[1, 1], [2, 1]])  # [1, 1] needs 3 frames: possible; a 2-frame input is not
    loss = F.ctc_loss(ag.tensor(lp), tg, [2, 3], [2, 2], reduction="none")
    assert np.isinf(loss.numpy()[0]) and np.isfinite(loss.numpy()[1])
    x = ag.tensor(lp, requires_grad=True)
    z = F.ctc_loss(x, tg, [2, 3], [2, 2], reduction="none", zero_infinity=True)
    np.testing.assert_allclose(_np(z), [0.0, loss.numpy()[1]])
    z.sum().backward()
    assert (x.grad.numpy()[:, 0] == 0).all() and np.isfinite(x.grad.numpy()).all()
    assert np.abs(x.grad.numpy()[:, 1]).sum() > 0
    x.grad = None  # without zero_infinity: NaN on the live frames of that sample (PyTorch's)
    F.ctc_loss(x, tg, [2, 3], [2, 2], reduction="sum").backward()
    g = x.grad.numpy()
    assert np.isnan(g[:2, 0]).all() and (g[2, 0] == 0).all() and np.isfinite(g[:, 1]).all()


def test_zero_input_length():
    lp = ag.tensor(_log_probs(3, 2, 3), requires_grad=True)
    loss = F.ctc_loss(lp, np.array([[1], [1]]), [0, 0], [0, 1], reduction="none")
    np.testing.assert_array_equal(loss.detach().numpy(), [0.0, np.inf])
    loss.sum().backward()
    np.testing.assert_array_equal(lp.grad.numpy(), 0.0)


def test_reductions_and_target_formats():
    lp = ag.tensor(_log_probs(7, 3, 5))
    padded = np.array([[1, 2, 3], [4, 4, 0], [2, 0, 0]])
    il, tl = [7, 6, 4], [3, 2, 0]
    none = F.ctc_loss(lp, padded, il, tl, reduction="none").numpy()
    concat = F.ctc_loss(lp, np.array([1, 2, 3, 4, 4]), tuple(il), ag.tensor(tl),
                        reduction="none").numpy()  # fmt: skip
    np.testing.assert_array_equal(none, concat)
    garbage = padded.copy()
    garbage[1, 2], garbage[2, :] = 99, -5  # entries past each length are never read
    np.testing.assert_array_equal(F.ctc_loss(lp, garbage, il, tl, reduction="none").numpy(), none)
    np.testing.assert_allclose(F.ctc_loss(lp, padded, il, tl, reduction="sum").numpy(), none.sum())
    mean = F.ctc_loss(lp, padded, ag.tensor(il), ag.tensor(tl)).numpy()
    np.testing.assert_allclose(mean, np.mean(none / np.maximum(tl, 1)), rtol=1e-14)
    for k in range(3):  # each sample alone, with its own frames, is the same loss
        alone = F.ctc_loss(ag.tensor(lp.numpy()[: il[k], k : k + 1]), padded[k : k + 1],
                           [il[k]], [tl[k]], reduction="none")  # fmt: skip
        np.testing.assert_allclose(alone.numpy(), none[k : k + 1], rtol=1e-13)


def test_unbatched_matches_a_batch_of_one():
    lp = _log_probs(6, 1, 4)
    batched = F.ctc_loss(ag.tensor(lp), np.array([[1, 3]]), [6], [2], reduction="none")
    for il, tl in [([6], [2]), (6, 2), (ag.tensor(6), ag.tensor([2]))]:
        y = F.ctc_loss(ag.tensor(lp[:, 0]), np.array([1, 3]), il, tl, reduction="none")
        assert y.shape == ()
        np.testing.assert_allclose(y.numpy(), batched.numpy()[0])


def test_float32_stays_float32():
    x = ag.tensor(_log_probs(5, 2, 4, dtype=np.float32), requires_grad=True)
    y = F.ctc_loss(x, np.array([[1, 2], [3, 0]]), [5, 4], [2, 1])
    assert y.dtype == np.float32 and y.shape == ()
    y.backward()
    assert x.grad.dtype == np.float32
    y64 = F.ctc_loss(ag.tensor(x.detach().numpy().astype(np.float64)), np.array([[1, 2], [3, 0]]),
                     [5, 4], [2, 1])  # fmt: skip
    np.testing.assert_allclose(y.detach().numpy(), y64.numpy(), rtol=1e-6)


def test_frames_past_the_input_length_are_ignored():
    lp = _log_probs(6, 2, 4)
    tg, il, tl = np.array([[1, 2], [3, 3]]), [4, 6], [2, 2]
    ref = F.ctc_loss(ag.tensor(lp), tg, il, tl, reduction="none").numpy()
    lp2 = lp.copy()
    lp2[4:, 0] = np.nan
    x = ag.tensor(lp2, requires_grad=True)
    y = F.ctc_loss(x, tg, il, tl, reduction="none")
    np.testing.assert_array_equal(y.detach().numpy(), ref)
    y.sum().backward()
    assert (x.grad.numpy()[4:, 0] == 0).all() and np.isfinite(x.grad.numpy()).all()


# -- gradients --------------------------------------------------------------------------------

CASES = [  # targets, input lengths, target lengths, blank
    (np.array([[1, 2, 2], [3, 1, 0], [2, 0, 0]]), [6, 5, 3], [3, 2, 1], 0),
    (np.array([[0, 1, 1], [1, 0, 0], [2, 2, 2]]), [6, 6, 6], [3, 1, 0], 3),
]


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_gradcheck_through_log_softmax(case, reduction):
    tg, il, tl, blank = CASES[case]
    z = ag.tensor(np.random.default_rng(case).standard_normal((6, 3, 4)), requires_grad=True)

    def f(z):
        return F.ctc_loss(ag.log_softmax(z, 2), tg, il, tl, blank=blank, reduction=reduction)

    assert ag.gradcheck(f, (z,))


@pytest.mark.parametrize("case", range(len(CASES)))
def test_gradient_is_the_true_derivative_plus_exp_log_probs(case):
    """PyTorch's ctc gradient, for free log_probs: d loss / d lp + gy exp(lp) on live frames."""
    tg, il, tl, blank = CASES[case]
    lp = np.random.default_rng(case).standard_normal((6, 3, 4))  # not normalised: any rows
    gy = np.random.default_rng(9).standard_normal(3)
    x = ag.tensor(lp, requires_grad=True)
    F.ctc_loss(x, tg, il, tl, blank=blank, reduction="none").backward(ag.tensor(gy))

    def loss(a):
        return float(F.ctc_loss(ag.tensor(a), tg, il, tl, blank=blank, reduction="none").numpy()
                     @ gy)  # fmt: skip

    num = np.zeros_like(lp)
    for idx in np.ndindex(*lp.shape):
        a, b = lp.copy(), lp.copy()
        a[idx] += 1e-6
        b[idx] -= 1e-6
        num[idx] = (loss(a) - loss(b)) / 2e-6
    live = (np.arange(6)[:, None] < np.array(il)[None, :])[:, :, None]
    expected = num + np.where(live, np.exp(lp) * gy[None, :, None], 0)
    np.testing.assert_allclose(x.grad.numpy(), expected, atol=1e-7)


def test_create_graph_gives_first_order_and_refuses_second():
    z = ag.tensor(np.random.default_rng(0).standard_normal((5, 2, 4)), requires_grad=True)
    tg = np.array([[1, 2], [3, 0]])
    loss = F.ctc_loss(ag.log_softmax(z, 2), tg, [5, 4], [2, 1])
    (g,) = ag.grad(loss, z, create_graph=True)
    (g0,) = ag.grad(F.ctc_loss(ag.log_softmax(z, 2), tg, [5, 4], [2, 1]), z)
    np.testing.assert_allclose(_np(g), _np(g0), rtol=1e-14)
    assert g.requires_grad
    with pytest.raises(RuntimeError, match="ctc_loss: the gradient of ctc_loss is not differ"):
        ag.grad((g * g).sum(), z)


def test_module():
    lp = ag.tensor(_log_probs(6, 2, 5), requires_grad=True)
    tg = np.array([[1, 2], [4, 0]])
    m = nn.CTCLoss(blank=3, reduction="sum", zero_infinity=True)
    np.testing.assert_array_equal(
        _np(m(lp, tg, [6, 5], [2, 1])),
        _np(F.ctc_loss(lp, tg, [6, 5], [2, 1], blank=3, reduction="sum", zero_infinity=True)),
    )
    assert repr(nn.CTCLoss()) == "CTCLoss()"
    assert repr(m) == "CTCLoss(reduction='sum')"
    with pytest.raises(ValueError, match="CTCLoss: reduction must be one of"):
        nn.CTCLoss(reduction="avg")


# -- errors -----------------------------------------------------------------------------------


def test_errors():
    lp = ag.tensor(_log_probs(5, 2, 4))
    tg = np.array([[1, 2], [3, 0]])
    with pytest.raises(ValueError, match="ctc_loss: reduction must be one of"):
        F.ctc_loss(lp, tg, [5, 5], [2, 1], reduction="avg")
    with pytest.raises(TypeError, match="ctc_loss: log_probs must be float32 or float64"):
        F.ctc_loss(ag.tensor(np.zeros((5, 2, 4), dtype=np.int64)), tg, [5, 5], [2, 1])
    with pytest.raises(
        ShapeError, match=r"ctc_loss: log_probs must be \(T, N, C\).*\(1, 5, 2, 4\)"
    ):
        F.ctc_loss(ag.reshape(lp, (1, 5, 2, 4)), tg, [5, 5], [2, 1])
    with pytest.raises(ShapeError, match=r"ctc_loss: log_probs must not be empty.*\(5, 0, 4\)"):
        F.ctc_loss(lp[:, :0], tg[:0], [], [])
    with pytest.raises(ValueError, match=r"blank must be in the label range \[0, 4\), got 4"):
        F.ctc_loss(lp, tg, [5, 5], [2, 1], blank=4)
    with pytest.raises(ShapeError, match=r"input_lengths must have one entry per batch.*N=2"):
        F.ctc_loss(lp, tg, [5], [2, 1])
    with pytest.raises(
        ValueError, match=r"input_lengths must be at most .* T=5 of log_probs, got 6"
    ):
        F.ctc_loss(lp, tg, [6, 5], [2, 1])
    with pytest.raises(ValueError, match="target_lengths must be non-negative, got -1"):
        F.ctc_loss(lp, tg, [5, 5], [-1, 1])
    with pytest.raises(TypeError, match="input_lengths must hold integers, got dtype float32"):
        F.ctc_loss(lp, tg, ag.tensor([5.0, 5.0]), [2, 1])
    with pytest.raises(TypeError, match="target_lengths must be an integer tensor or a list"):
        F.ctc_loss(lp, tg, [5, 5], [2.0, 1.0])
    with pytest.raises(
        ShapeError,
        match=r"padded targets must have shape \(N, S\) with N=2 and "
        r"S >= max\(target_lengths\)=3, got shape \(2, 2\)",
    ):
        F.ctc_loss(lp, tg, [5, 5], [3, 1])
    with pytest.raises(ShapeError, match=r"sum\(target_lengths\)=3 entries, got shape \(4,\)"):
        F.ctc_loss(lp, np.array([1, 2, 3, 1]), [5, 5], [2, 1])
    with pytest.raises(TypeError, match="targets must hold integer class indices"):
        F.ctc_loss(lp, tg.astype(np.float64), [5, 5], [2, 1])
    with pytest.raises(IndexError, match="target 4 is out of bounds for log_probs with C=4"):
        F.ctc_loss(lp, np.array([[1, 4], [3, 0]]), [5, 5], [2, 1])
    with pytest.raises(IndexError, match="target -1 is out of bounds"):
        F.ctc_loss(lp, np.array([[1, -1], [3, 0]]), [5, 5], [2, 1])
    with pytest.raises(ShapeError, match=r"unbatched log_probs \(T, C\) needs 1-D targets"):
        F.ctc_loss(lp[:, 0], tg, [5], [2])
    with pytest.raises(ShapeError, match="unbatched input .* one input_lengths value"):
        F.ctc_loss(lp[:, 0], tg[0], [5, 5], [2])


# -- against PyTorch --------------------------------------------------------------------------

_TG = [[1, 2, 2, 3, 1], [5, 5, 1, 0, 0], [2, 1, 0, 0, 0], [3, 3, 3, 3, 3]]
TORCH_CASES = [  # T, N, C, targets, input lengths, target lengths, blank
    (8, 3, 5, [[1, 2, 3], [1, 1, 0], [2, 0, 0]], [8, 5, 3], [3, 2, 1], 0),
    (8, 3, 5, [[1, 2, 0], [3, 3, 3], [4, 1, 1]], [8, 8, 6], [3, 0, 3], 4),
    (12, 4, 6, _TG, [12, 10, 7, 9], [5, 3, 2, 5], 0),  # [3 3 3 3 3] in 9 frames: just possible
    (5, 2, 4, [[1, 1, 1], [2, 3, 0]], [4, 5], [3, 2], 0),  # sample 0 is impossible
]


@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("case", range(len(TORCH_CASES)))
def test_against_torch(torch, case, reduction, zero_infinity):
    T, N, C, tg, il, tl, blank = TORCH_CASES[case]
    tg = np.array(tg)
    rng = np.random.default_rng(case)
    lp = rng.standard_normal((T, N, C))  # raw (not normalised): PyTorch's gradient convention
    x, xt = ag.tensor(lp, requires_grad=True), torch.tensor(lp, requires_grad=True)
    kw = {"blank": blank, "reduction": reduction, "zero_infinity": zero_infinity}
    y = F.ctc_loss(x, tg, il, tl, **kw)
    yt = torch.nn.functional.ctc_loss(xt, torch.tensor(tg), il, tl, **kw)
    np.testing.assert_allclose(_np(y), _np(yt), rtol=1e-12)
    gy = rng.standard_normal(tuple(yt.shape))
    y.backward(ag.tensor(gy))
    yt.backward(torch.tensor(gy))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_against_torch_float32_concatenated_through_log_softmax(torch):
    rng = np.random.default_rng(5)
    T, N, C = 30, 4, 7
    z = rng.standard_normal((T, N, C)).astype(np.float32)
    il, tl = [30, 25, 17, 11], [10, 7, 5, 0]
    flat = rng.integers(1, C, sum(tl))
    x, xt = ag.tensor(z, requires_grad=True), torch.tensor(z, requires_grad=True)
    y = F.ctc_loss(ag.log_softmax(x, 2), ag.tensor(flat), ag.tensor(il), ag.tensor(tl))
    yt = torch.nn.functional.ctc_loss(xt.log_softmax(2), torch.tensor(flat), torch.tensor(il),
                                      torch.tensor(tl))  # fmt: skip
    assert y.dtype == np.float32
    np.testing.assert_allclose(_np(y), _np(yt), rtol=2e-6)
    y.backward()
    yt.backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), atol=2e-7)


def test_against_torch_unbatched(torch):
    lp = _log_probs(6, 1, 4)[:, 0]
    for reduction in ("none", "mean"):
        y = F.ctc_loss(ag.tensor(lp), np.array([1, 3, 3]), [6], [3], reduction=reduction)
        yt = torch.nn.functional.ctc_loss(torch.tensor(lp), torch.tensor([1, 3, 3]), [6], [3],
                                          reduction=reduction)  # fmt: skip
        assert y.shape == tuple(yt.shape)
        np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=1e-12)


# -- cuda -------------------------------------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_on_cuda_matches_cpu(zero_infinity):
    T, N, C, tg, il, tl, blank = TORCH_CASES[3]
    lp = np.random.default_rng(0).standard_normal((T, N, C))
    outs = []
    for dev in ("cpu", "cuda"):
        x = ag.tensor(lp, device=dev, requires_grad=True)
        y = F.ctc_loss(x, ag.tensor(np.array(tg), device=dev), ag.tensor(il, device=dev), tl,
                       blank=blank, reduction="sum", zero_infinity=zero_infinity)  # fmt: skip
        y.backward()
        assert y.device.startswith(dev) and x.grad.device.startswith(dev)
        outs.append((_np(y), _np(x.grad)))
    np.testing.assert_allclose(outs[1][0], outs[0][0], rtol=1e-13)
    np.testing.assert_allclose(outs[1][1], outs[0][1], rtol=1e-13, atol=1e-15)
