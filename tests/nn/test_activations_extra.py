"""threshold, softshrink, hardshrink, tanhshrink, glu, rrelu, Softmax2d (and logsigmoid, softsign):
values and input gradients against PyTorch in float32 and float64 (random cotangents), the
subgradient at the kinks, gradcheck and gradgradcheck, module reprs, errors, the cuda path."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
tF = torch.nn.functional

DTYPES = [(ag.float32, torch.float32, 2e-6), (ag.float64, torch.float64, 1e-12)]


def _close(ours, theirs, tol):
    ours = ours.detach().numpy() if isinstance(ours, ag.Tensor) else np.asarray(ours)
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=tol, atol=tol)


def _compare(ours_fn, torch_fn, a, dt, tdt, tol, seed=0):
    """Forward of both on ``a``, then backward with one random cotangent; compare both."""
    x = ag.tensor(a, dtype=dt, requires_grad=True)
    xt = torch.tensor(a, dtype=tdt, requires_grad=True)
    y, yt = ours_fn(x), torch_fn(xt)
    assert y.dtype == dt and tuple(y.shape) == tuple(yt.shape)
    _close(y, yt, tol)
    g = np.random.default_rng(seed + 1).standard_normal(tuple(yt.shape))
    y.backward(ag.tensor(g, dtype=dt))
    yt.backward(torch.tensor(g, dtype=tdt))
    _close(x.grad, xt.grad, tol)
    assert x.grad.dtype == dt


def _away(a, kinks, margin=0.05):
    for k in kinks:
        close = np.abs(a - k) < margin
        a = np.where(close, k + np.where(a >= k, 2 * margin, -2 * margin), a)
    return a


# name: (ours, torch's, kinks kept away from in gradcheck)
CASES = {
    "threshold": (lambda x: F.threshold(x, 0.3, -2.0), lambda x: tF.threshold(x, 0.3, -2.0),
                  (0.3,)),
    "Threshold": (nn.Threshold(-0.5, 4.0), torch.nn.Threshold(-0.5, 4.0), (-0.5,)),
    "softshrink": (F.softshrink, tF.softshrink, (-0.5, 0.5)),
    "Softshrink(1.2)": (nn.Softshrink(1.2), torch.nn.Softshrink(1.2), (-1.2, 1.2)),
    "Softshrink(0)": (nn.Softshrink(0), torch.nn.Softshrink(0), (0,)),
    "hardshrink": (F.hardshrink, tF.hardshrink, (-0.5, 0.5)),
    "Hardshrink(0.8)": (nn.Hardshrink(0.8), torch.nn.Hardshrink(0.8), (-0.8, 0.8)),
    "Hardshrink(-0.3)": (nn.Hardshrink(-0.3), torch.nn.Hardshrink(-0.3), ()),
    "tanhshrink": (F.tanhshrink, tF.tanhshrink, ()),
    "Tanhshrink": (nn.Tanhshrink(), torch.nn.Tanhshrink(), ()),
    "glu": (F.glu, tF.glu, ()),
    "GLU(1)": (nn.GLU(1), torch.nn.GLU(1), ()),
    "GLU(0)": (lambda x: F.glu(x, 0), lambda x: tF.glu(x, 0), ()),
    "rrelu_eval": (F.rrelu, tF.rrelu, (0,)),
    "RReLU_eval": (nn.RReLU(0.1, 0.4).eval(), torch.nn.RReLU(0.1, 0.4).eval(), (0,)),
    "Softmax2d": (nn.Softmax2d(), torch.nn.Softmax2d(), ()),
    "logsigmoid": (F.logsigmoid, tF.logsigmoid, ()),
    "LogSigmoid": (nn.LogSigmoid(), torch.nn.LogSigmoid(), ()),
    "softsign": (F.softsign, tF.softsign, ()),
    "Softsign": (nn.Softsign(), torch.nn.Softsign(), ()),
}  # fmt: skip


@pytest.mark.parametrize("dt,tdt,tol", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch_values_and_gradients(name, dt, tdt, tol):
    ours, theirs, _ = CASES[name]
    a = np.random.default_rng(3).uniform(-3, 3, (2, 4, 3, 2))
    _compare(ours, theirs, a, dt, tdt, tol)


@pytest.mark.parametrize("name", list(CASES))
def test_gradcheck_and_gradgradcheck(name):
    ours, _, kinks = CASES[name]
    a = _away(np.random.default_rng(5).uniform(-3, 3, (2, 4, 2, 2)), kinks)
    x = ag.tensor(a, dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(ours, (x,))
    assert ag.gradgradcheck(ours, (x,))


def test_subgradients_at_the_kinks_match_torch():
    pts = [-1.5, -0.5, -0.49, 0.0, 0.3, 0.5, 0.51, 1.5]
    for ours, theirs in [
        (F.softshrink, tF.softshrink),
        (F.hardshrink, tF.hardshrink),
        (lambda x: F.softshrink(x, 1.5), lambda x: tF.softshrink(x, 1.5)),
        (lambda x: F.hardshrink(x, 0.0), lambda x: tF.hardshrink(x, 0.0)),
        (lambda x: F.threshold(x, 0.3, 7.0), lambda x: tF.threshold(x, 0.3, 7.0)),
        (lambda x: F.threshold(x, 0.5, 0.5), lambda x: tF.threshold(x, 0.5, 0.5)),
        (F.softsign, tF.softsign),
        (lambda x: F.rrelu(x, 0.2, 0.6), lambda x: tF.rrelu(x, 0.2, 0.6)),
    ]:  # fmt: skip
        for dt, tdt, tol in DTYPES:
            _compare(ours, theirs, np.array(pts), dt, tdt, tol)
    # the gradient is exactly 0 on [-lambd, lambd] including its ends, 1 outside
    x = ag.tensor([-0.5, 0.5, -0.5000001, 0.5000001], dtype=ag.float64, requires_grad=True)
    F.softshrink(x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0, 1.0]


def test_second_derivative_of_piecewise_linear_ones_is_zero_not_an_error():
    # as in PyTorch: the first-order gradient stays linked to x, its own gradient is 0
    for fn in (F.softshrink, F.hardshrink, lambda v: F.threshold(v, 0.1, 2.0), F.rrelu,
               lambda v: F.rrelu(v, training=True)):  # fmt: skip
        x = ag.tensor([-1.0, 0.3, 2.0, 0.7], dtype=ag.float64, requires_grad=True)
        (gx,) = ag.grad(fn(x).sum(), x, create_graph=True)
        (ggx,) = ag.grad((gx * gx).sum(), x)
        assert ggx.tolist() == [0.0, 0.0, 0.0, 0.0]


def test_nan_passes_through_like_torch():
    a = np.array([np.nan, 1.0, -1.0])
    pairs = [(F.softshrink, tF.softshrink), (F.hardshrink, tF.hardshrink),
             (lambda x: F.threshold(x, 0.0, 5.0), lambda x: tF.threshold(x, 0.0, 5.0))]  # fmt: skip
    for ours, theirs in pairs:
        y = ours(ag.tensor(a)).numpy()
        np.testing.assert_array_equal(np.isnan(y), [True, False, False])
        np.testing.assert_allclose(y[1:], theirs(torch.tensor(a)).numpy()[1:])


def test_large_inputs_stay_exact():
    a = np.array([-800.0, -40.0, -25.0, 0.0, 25.0, 800.0])
    _compare(F.logsigmoid, tF.logsigmoid, a, ag.float64, torch.float64, 1e-15)
    _compare(F.logsigmoid, tF.logsigmoid, a, ag.float32, torch.float32, 1e-7)
    _compare(F.tanhshrink, tF.tanhshrink, a, ag.float64, torch.float64, 1e-15)


def test_threshold_keeps_integer_dtype_and_casts_value_like_torch():
    y = F.threshold(ag.tensor([1, 2, 3]), 1, 5.5)
    assert y.dtype == ag.int64
    assert y.tolist() == tF.threshold(torch.tensor([1, 2, 3]), 1, 5.5).tolist() == [5, 2, 3]
    y = F.threshold(ag.tensor([0.25, 2.0], dtype=ag.float32), 1, 7)
    assert y.dtype == ag.float32 and y.tolist() == [7.0, 2.0]


def test_zero_dim_and_empty_inputs():
    for fn in (F.softshrink, F.hardshrink, F.tanhshrink, lambda x: F.threshold(x, 0.1, 2.0),
               F.rrelu, lambda x: F.rrelu(x, training=True)):  # fmt: skip
        s = ag.tensor(-0.7, dtype=ag.float64, requires_grad=True)
        y = fn(s)
        assert y.shape == ()
        y.backward()
        assert s.grad.shape == ()
        e = fn(ag.zeros(0, 3))
        assert e.shape == (0, 3) and e.dtype == ag.float32
    assert F.glu(ag.zeros(3, 0), 1).shape == (3, 0)
    assert F.glu(ag.zeros(0, 4)).shape == (0, 2)


# -- rrelu --------------------------------------------------------------------------------------


def test_rrelu_training_draws_slopes_in_range_from_the_global_seed():
    a = np.linspace(-3, 3, 61)
    ag.manual_seed(7)
    x = ag.tensor(a, dtype=ag.float64, requires_grad=True)
    y = F.rrelu(x, 0.2, 0.5, training=True)
    g = np.random.default_rng(0).standard_normal(a.shape)
    y.backward(ag.tensor(g))
    slopes = x.grad.numpy() / g
    pos, neg = a > 0, a <= 0
    np.testing.assert_allclose(slopes[pos], 1.0)
    assert (slopes[neg] >= 0.2).all() and (slopes[neg] <= 0.5).all()
    assert len(np.unique(np.round(slopes[neg], 12))) == neg.sum()  # one slope per element
    np.testing.assert_allclose(y.detach().numpy()[a < 0], (a * slopes)[a < 0])
    np.testing.assert_array_equal(y.detach().numpy()[pos], a[pos])
    # x == 0: output 0, gradient its random slope (as PyTorch's rrelu_with_noise)
    assert y.detach().numpy()[30] == 0 and 0.2 <= slopes[30] <= 0.5
    ag.manual_seed(7)
    y2 = F.rrelu(ag.tensor(a, dtype=ag.float64), 0.2, 0.5, training=True)
    np.testing.assert_array_equal(y2.numpy(), y.detach().numpy())
    other = np.random.default_rng(1)
    y3 = F.rrelu(ag.tensor(a, dtype=ag.float64), 0.2, 0.5, True, generator=other)
    assert not np.array_equal(y3.numpy(), y.detach().numpy())


def test_rrelu_training_slopes_average_to_the_eval_slope_and_keep_float32():
    ag.manual_seed(0)
    x = -ag.ones(20000)
    y = F.rrelu(x, training=True)
    assert y.dtype == ag.float32
    assert abs(-y.numpy().mean() - (1 / 8 + 1 / 3) / 2) < 3e-3
    assert np.allclose(F.rrelu(x).numpy(), -(1 / 8 + 1 / 3) / 2)


def test_rrelu_module_follows_train_and_eval_modes():
    m = nn.RReLU()
    a = -np.arange(1, 7, dtype=np.float64)
    y_train = m(ag.tensor(a)).numpy()
    m.eval()
    y_eval = m(ag.tensor(a)).numpy()
    np.testing.assert_allclose(y_eval, a * (1 / 8 + 1 / 3) / 2)
    assert not np.allclose(y_train, y_eval)
    x = ag.tensor(_away(a / 3, (0,)), requires_grad=True)
    assert ag.gradgradcheck(lambda v: F.rrelu(v, 0.1, 0.3), (x,))


def test_rrelu_training_gradcheck_with_fixed_noise():
    a = _away(np.random.default_rng(2).uniform(-2, 2, (3, 4)), (0,))
    x = ag.tensor(a, dtype=ag.float64, requires_grad=True)

    def fn(v):
        ag.manual_seed(11)  # the same slopes on every evaluation
        return F.rrelu(v, 0.1, 0.9, training=True)

    assert ag.gradcheck(fn, (x,))
    assert ag.gradgradcheck(fn, (x,))


# -- modules: reprs, defaults -------------------------------------------------------------------


def test_module_reprs_match_torch():
    pairs = [
        (nn.Threshold(0.1, 20), torch.nn.Threshold(0.1, 20)),
        (nn.Threshold(0.1, 20.0, inplace=True), torch.nn.Threshold(0.1, 20.0, inplace=True)),
        (nn.Softshrink(), torch.nn.Softshrink()),
        (nn.Softshrink(1), torch.nn.Softshrink(1)),
        (nn.Hardshrink(), torch.nn.Hardshrink()),
        (nn.Hardshrink(0.25), torch.nn.Hardshrink(0.25)),
        (nn.Tanhshrink(), torch.nn.Tanhshrink()),
        (nn.GLU(), torch.nn.GLU()),
        (nn.GLU(1), torch.nn.GLU(1)),
        (nn.RReLU(), torch.nn.RReLU()),
        (nn.RReLU(0.1, 0.3, inplace=True), torch.nn.RReLU(0.1, 0.3, inplace=True)),
        (nn.Softmax2d(), torch.nn.Softmax2d()),
        (nn.LogSigmoid(), torch.nn.LogSigmoid()),
        (nn.Softsign(), torch.nn.Softsign()),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
    m = nn.RReLU()
    assert (m.lower, m.upper) == (1 / 8, 1 / 3) and not m.inplace


def test_softmax2d_is_softmax_over_channels():
    a = np.random.default_rng(0).standard_normal((4, 5, 3))
    _compare(nn.Softmax2d(), torch.nn.Softmax2d(), a, ag.float64, torch.float64, 1e-12)
    y = nn.Softmax2d()(ag.tensor(a)).numpy()
    np.testing.assert_allclose(y.sum(axis=0), 1.0)


# -- errors -------------------------------------------------------------------------------------


ERRORS = [
    (ValueError, r"softshrink: lambd must be >= 0, got -0.5",
     lambda: F.softshrink(ag.ones(2), -0.5)),
    (ValueError, r"Softshrink: lambd must be >= 0, got -1", lambda: nn.Softshrink(-1)),
    (TypeError, r"softshrink: expected a floating point tensor, got dtype int64",
     lambda: F.softshrink(ag.tensor([1, 2]))),
    (TypeError, r"hardshrink: lambd must be a number, got str",
     lambda: F.hardshrink(ag.ones(2), "0.5")),
    (TypeError, r"threshold: value must be a number, got NoneType",
     lambda: F.threshold(ag.ones(2), 0.5, None)),
    (TypeError, r"threshold: threshold must be a number", lambda: nn.Threshold([0.5], 1.0)),
    (ag.ShapeError,
     r"glu: halving dimension must be even, but dimension 1 is size 5 \(input shape \(3, 5\)\)",
     lambda: F.glu(ag.ones(3, 5), 1)),
    (ag.ShapeError, r"glu: halving dimension must be even, but dimension 1 is size 3",
     lambda: nn.GLU()(ag.ones(2, 3))),
    (IndexError, r"glu: dim 2 is out of range for a tensor with 2 dimensions",
     lambda: F.glu(ag.ones(3, 4), 2)),
    (ag.ShapeError, r"glu: does not support scalars", lambda: F.glu(ag.tensor(1.0))),
    (TypeError, r"glu: expected a floating point tensor", lambda: F.glu(ag.tensor([1, 2]), 0)),
    (ValueError,
     r"rrelu: lower bound should be less than or equal to the upper bound, got lower=0.5, "
     r"upper=0.1",
     lambda: F.rrelu(ag.ones(3), 0.5, 0.1)),
    (ValueError, r"RReLU: lower bound .* got lower=0.5, upper=0.1", lambda: nn.RReLU(0.5, 0.1)),
    (TypeError, r"rrelu: expected a floating point tensor, got dtype int64",
     lambda: F.rrelu(ag.tensor([1, 2]), training=True)),
    (ValueError, r"Softmax2d: expected input to be 3D or 4D, got 2D instead \(shape \(2, 2\)\)",
     lambda: nn.Softmax2d()(ag.ones(2, 2))),
    (TypeError, r"Softmax2d: expected a Tensor input, got list",
     lambda: nn.Softmax2d()([[1.0]])),
    (TypeError, r"tanh: expected a floating point tensor", lambda: F.tanhshrink(ag.tensor([1, 2]))),
]  # fmt: skip


@pytest.mark.parametrize("exc,pattern,call", ERRORS, ids=[e[1][:30] for e in ERRORS])
def test_errors_name_the_function_and_the_values(exc, pattern, call):
    with pytest.raises(exc, match=pattern):
        call()


# -- cuda ---------------------------------------------------------------------------------------


@pytest.mark.gpu
def test_cuda_matches_cpu():
    a = np.random.default_rng(4).uniform(-2, 2, (3, 4, 2, 2))
    g = np.random.default_rng(5).standard_normal((3, 4, 2, 2))
    for fn in (F.softshrink, F.hardshrink, F.tanhshrink, lambda x: F.threshold(x, 0.2, -1.0),
               F.rrelu, nn.Softmax2d(), lambda x: F.glu(x, 1) * 1.0, F.logsigmoid):  # fmt: skip
        grads, outs = [], []
        for dev in ("cpu", "cuda"):
            x = ag.tensor(a, dtype=ag.float64, device=dev, requires_grad=True)
            y = fn(x)
            assert y.device.startswith(dev)
            gy = ag.tensor(g, dtype=ag.float64, device=dev)[tuple(slice(0, s) for s in y.shape)]
            y.backward(gy)
            outs.append(y.detach().cpu().numpy())
            grads.append(x.grad.cpu().numpy())
        np.testing.assert_allclose(outs[1], outs[0], rtol=1e-12)
        np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12)


@pytest.mark.gpu
def test_cuda_rrelu_training_noise_lives_on_the_device():
    ag.manual_seed(3)
    x = ag.tensor([-1.0, 0.0, 2.0], device="cuda", requires_grad=True)
    y = F.rrelu(x, 0.2, 0.4, training=True)
    assert y.device.startswith("cuda")
    y.sum().backward()
    g = x.grad.cpu().numpy()
    assert 0.2 <= g[0] <= 0.4 and 0.2 <= g[1] <= 0.4 and g[2] == 1.0
    ag.manual_seed(3)
    y_cpu = F.rrelu(ag.tensor([-1.0, 0.0, 2.0]), 0.2, 0.4, training=True)
    np.testing.assert_array_equal(y.detach().cpu().numpy(), y_cpu.numpy())


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (F.elu, tF.elu),
        (lambda x: F.elu(x, 2.0), lambda x: tF.elu(x, 2.0)),
        (F.selu, tF.selu),
        (F.celu, tF.celu),
        (lambda x: F.celu(x, 0.5), lambda x: tF.celu(x, 0.5)),
        (lambda x: F.celu(x, -0.5), lambda x: tF.celu(x, -0.5)),
    ],
)
def test_elu_family_first_and_second_derivatives_at_zero_match_torch(ours, theirs):
    # torch masks the exponential's derivative by x < 0 in elu's double backward: at exactly
    # 0 the first derivative is the negative branch's and the second is 0 (a tie split of
    # minimum(x, 0) gave alpha / 2 there)
    pts = np.array([-3.0, -1e-300, -0.0, 0.0, 1e-300, 0.7, -30.0, 30.0])
    x = ag.tensor(pts, requires_grad=True)
    tx = torch.tensor(pts, requires_grad=True)
    (g,) = ag.grad(ours(x).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad(theirs(tx).sum(), tx, create_graph=True)
    (gg,) = ag.grad(g.sum(), x)
    (tgg,) = torch.autograd.grad(tg.sum(), tx)
    np.testing.assert_allclose(ours(x).detach().numpy(), theirs(tx).detach().numpy(), rtol=1e-15)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=1e-15)
    np.testing.assert_allclose(gg.numpy(), tgg.numpy(), rtol=1e-15)
    assert ag.gradgradcheck(
        ours, (ag.tensor([-0.4, 0.3, -2.0], dtype=ag.float64, requires_grad=True),)
    )
