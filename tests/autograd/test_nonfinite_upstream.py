"""Masked and zero gradients stay exactly 0 where the upstream gradient is inf or NaN.

PyTorch's backward of relu, clamp, hardtanh, maximum/minimum selects (``where``), and that of
sign/floor/round is ``zeros_like(grad)``; a product ``gy * mask`` would give NaN there. The
case is common: ``relu(x).sqrt()`` or ``clamp(d, min=0).sqrt()`` at 0 sends inf into the mask.
The expected values are PyTorch 2.13's, written out.
"""

import numpy as np
import pytest

import autograd as ag
import nn.functional as F

INF, NAN = float("inf"), float("nan")
X = [0.0, -1.0, 2.0]
GY = [INF, NAN, INF]

CASES = [
    ("relu", ag.relu, [0.0, 0.0, INF]),
    ("abs", ag.abs, [NAN, NAN, INF]),  # torch: gy * sgn(x), a product there too
    ("sign", ag.sign, [0.0, 0.0, 0.0]),
    ("floor", ag.floor, [0.0, 0.0, 0.0]),
    ("ceil", ag.ceil, [0.0, 0.0, 0.0]),
    ("trunc", ag.trunc, [0.0, 0.0, 0.0]),
    ("round", ag.round, [0.0, 0.0, 0.0]),
    ("relu6", F.relu6, [0.0, 0.0, INF]),
    ("hardtanh", F.hardtanh, [INF, 0.0, 0.0]),
    ("leaky_relu", F.leaky_relu, [INF, NAN, INF]),  # a slope, not a mask: the product is right
    ("threshold", lambda t: F.threshold(t, 0.5, 0.0), [0.0, 0.0, INF]),
    ("clamp", lambda t: t.clamp(-0.5, 0.5), [INF, 0.0, 0.0]),
    ("clamp_min", lambda t: t.clamp(min=0.5), [0.0, 0.0, INF]),
    ("maximum", lambda t: ag.maximum(t, ag.tensor([0.0, 0.0, 2.0])), [INF, 0.0, INF]),
    ("minimum", lambda t: ag.minimum(t, ag.tensor([1.0, -2.0, 2.0])), [INF, 0.0, INF]),
]


@pytest.mark.parametrize("name,fn,expect", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_nonfinite_upstream_gradient(name, fn, expect, dtype):
    x = ag.tensor(X, dtype=dtype, requires_grad=True)
    with np.errstate(invalid="ignore"):
        (g,) = ag.grad(fn(x), x, ag.tensor(GY, dtype=dtype))
    assert g.dtype == x.dtype
    np.testing.assert_array_equal(g.numpy(), np.array(expect, dtype=dtype))


def test_sqrt_behind_relu_and_clamp_gives_finite_gradients():
    a = ag.tensor([[0.0, 4.0], [-1.0, 1.0]], dtype="float64", requires_grad=True)
    (g,) = ag.grad(ag.relu(a).sqrt().sum(), a)
    np.testing.assert_array_equal(g.numpy(), [[0.0, 0.25], [0.0, 0.5]])
    (g,) = ag.grad(a.clamp(min=1e-30).sqrt().sum() + ag.relu(-a).sqrt().sum(), a)
    assert g.numpy()[1, 0] == pytest.approx(-0.5)


def test_masks_under_create_graph_are_exact_and_second_order_works():
    x = ag.tensor([0.5, -1.3, 0.9], dtype="float64", requires_grad=True)  # away from kinks
    cot = ag.tensor([0.3, -1.1, 0.7], dtype="float64")
    for fn in (ag.relu, F.hardtanh, lambda t: t.clamp(-0.5, 1.0), lambda t: t.clamp(0.5, 1.0)):
        assert ag.gradgradcheck(lambda t, fn=fn: fn(t * t - 0.4) * t, (x,), grad_outputs=(cot,))
    x = ag.tensor([0.5, -1.0, 2.0], dtype="float64", requires_grad=True)
    y = ag.maximum(x * x, ag.tensor([0.25, 0.0, 5.0], dtype="float64"))
    (g,) = ag.grad(y.sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [0.5, -2.0, 0.0])  # tie at 0.25: half
    (h,) = ag.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), [1.0, 2.0, 0.0])


def test_matches_torch():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    pairs = [
        (ag.relu, torch.relu),
        (F.relu6, tf.relu6),
        (F.hardtanh, tf.hardtanh),
        (lambda t: t.clamp(-0.5, 0.5), lambda t: t.clamp(-0.5, 0.5)),
        (ag.sign, torch.sign),
    ]
    rng = np.random.default_rng(0)
    xs = np.concatenate([rng.standard_normal(20), [0.0, 0.5, -0.5, 1.0, -1.0, 6.0]])
    gys = rng.standard_normal(xs.size)
    gys[::3] = INF
    gys[1::5] = NAN
    for ours, theirs in pairs:
        x = ag.tensor(xs, requires_grad=True)
        tx = torch.tensor(xs, requires_grad=True)
        with np.errstate(invalid="ignore"):
            (g,) = ag.grad(ours(x), x, ag.tensor(gys))
        (tg,) = torch.autograd.grad(theirs(tx), tx, torch.tensor(gys))
        np.testing.assert_array_equal(g.numpy(), tg.numpy())


def test_max_over_a_dim_and_over_all_select():
    x = ag.tensor([[1.5, -2.0, 3.0, 0.25], [4.0, 0.5, -1.0, 2.0]], requires_grad=True)
    with np.errstate(invalid="ignore"):
        (g,) = ag.grad(x.max(1).values, x, ag.tensor([INF, NAN]))
    np.testing.assert_array_equal(g.numpy(), [[0, 0, INF, 0], [NAN, 0, 0, 0]])  # torch's
    (g,) = ag.grad(x.max(), x, ag.tensor(INF))
    np.testing.assert_array_equal(g.numpy(), [[0, 0, 0, 0], [INF, 0, 0, 0]])


def test_a_nan_input_passes_the_gradient_through_relu_and_hardtanh():
    # torch's masks are result <= 0 and (x <= lo) | (x >= hi): false at NaN
    for fn in (ag.relu, F.hardtanh, F.relu6):
        x = ag.tensor([NAN, -1.0, 0.5], requires_grad=True)
        (g,) = ag.grad(fn(x), x, ag.tensor([3.0, 3.0, 3.0]))
        np.testing.assert_array_equal(g.numpy(), [3.0, 0.0, 3.0])


def test_no_zero_link_through_ops_whose_backward_is_differentiable():
    # gw does not depend on x: torch gives None, and no 0 * inf NaN may leak in through x's
    # sqrt at 0 (an op dividing by a constant must not link its gradient to its numerator)
    x = ag.tensor([0.0, 4.0], dtype="float64", requires_grad=True)
    w = ag.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    (gw,) = ag.grad(((x.sqrt() + w * w) / 2).sum(), w, create_graph=True)
    assert ag.grad(gw.sum(), x, allow_unused=True) == (None,)
    x = ag.tensor([0.0, 2.0], dtype="float64", requires_grad=True)
    with np.errstate(divide="ignore"):
        (g,) = ag.grad(((x**-1) / 2).sum(), x, create_graph=True)
        (h,) = ag.grad(g.sum(), x)
    np.testing.assert_array_equal(h.numpy(), [INF, 0.125])  # torch's


def test_rrelu_training_gradient_stays_linked_under_create_graph():
    x = ag.tensor([-1.0, 0.3, 2.0, 0.7], dtype="float64", requires_grad=True)
    (gx,) = ag.grad(F.rrelu(x, training=True).sum(), x, create_graph=True)
    assert gx.requires_grad  # as torch's rrelu_with_noise backward
    (ggx,) = ag.grad((gx * gx).sum(), x)
    np.testing.assert_array_equal(ggx.numpy(), np.zeros(4))


def test_backward_is_silent_about_inf_and_nan():
    import warnings

    x = ag.tensor([0.0, 1.0], requires_grad=True)
    y = ag.relu(x).sqrt().sum()
    before = np.geterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy's divide-by-zero at sqrt'(0) would raise here
        y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.5])
    assert np.geterr() == before  # restored after the pass
