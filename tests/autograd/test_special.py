"""The elementwise math of ``autograd/ops/special.py`` side by side with PyTorch.

Values and gradients (random cotangents) in float32 and float64, at ordinary points and at the
edge points torch defines (sinc at 0, xlogy at x = 0, atan2 in every quadrant and at signed
zeros, hypot at 0, logaddexp with -inf, fmod signs, clamp_min/max ties, ...); second order
against torch; the scipy-free fallbacks of the special functions; dtypes, 0-d and empty inputs;
the errors; and the cuda path (``gpu``-marked: on a GPU, or in CI on the fake CuPy).
The op table (specs_special.py) adds numerical gradcheck and gradgradcheck on random inputs.
"""

from __future__ import annotations

import math
import sys
import types
import warnings

import numpy as np
import pytest

import autograd as ag
import autograd.ops.special as special_mod

INF, NAN = math.inf, math.nan


def _torch():
    return pytest.importorskip("torch")


def _tol(dtype, rtol=None, atol=None):
    f32 = np.dtype(dtype) == np.float32
    return (rtol or (5e-6 if f32 else 1e-12)), (atol if atol is not None else (1e-6 if f32 else 0))


def _np(t):
    return None if t is None else (t.detach() + 0).numpy()  # + 0: torch's ZeroTensor too


def _check(fn, args, dtype, out_dtype=None, rtol=None, atol=None, second=False, seed=0):
    """fn(m, *args) with m = autograd and m = torch: the values, the gradients for a random
    cotangent (and with ``second``, the gradient of <gradients, random v>) must agree.

    args: lists/arrays become tensors of ``dtype`` that require grad; numbers stay numbers.
    """
    torch = _torch()
    rtol, atol = _tol(dtype, rtol, atol)
    arrays = [a if isinstance(a, (int, float)) else np.asarray(a, dtype) for a in args]
    ours = [a if isinstance(a, (int, float)) else ag.tensor(a, requires_grad=True) for a in arrays]
    theirs = [a if isinstance(a, (int, float)) else torch.tensor(a, requires_grad=True)
              for a in arrays]  # fmt: skip
    with np.errstate(all="ignore"):
        y, ty = fn(ag, *ours), fn(torch, *theirs)
        assert y.dtype == np.dtype(out_dtype or dtype)
        assert str(ty.dtype) == f"torch.{y.dtype}"
        np.testing.assert_allclose(_np(y), _np(ty), rtol=rtol, atol=atol)
        rng = np.random.default_rng(seed)
        g = rng.standard_normal(y.shape).astype(y.dtype)
        ins = [t for t in ours if isinstance(t, ag.Tensor)]
        tins = [t for t in theirs if not isinstance(t, (int, float))]
        gs = ag.grad(y, ins, ag.tensor(g), create_graph=second)
        tgs = torch.autograd.grad(ty, tins, torch.tensor(g), create_graph=second)
        for a, b, t in zip(gs, tgs, ins):
            assert a.dtype == t.dtype and a.shape == t.shape
            np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=atol)
        if not second:
            return
        vs = [rng.standard_normal(t.shape).astype(t.dtype) for t in ins]
        s = sum((a * ag.tensor(v)).sum() for a, v in zip(gs, vs))
        ts = sum((b * torch.tensor(v)).sum() for b, v in zip(tgs, vs))
        hs = ag.grad(s, ins, allow_unused=True)
        ths = torch.autograd.grad(ts, tins, allow_unused=True)
        for a, b in zip(hs, ths):
            a = np.zeros(()) if a is None else _np(a)
            b = np.zeros(()) if b is None else _np(b)
            np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-12)


FLOATS = pytest.mark.parametrize("dtype", ["float32", "float64"])

# name: (fn(m, x), points with the edges torch defines); fn runs with m = autograd and m = torch
UNARY = {
    "sinh": (lambda m, x: m.sinh(x), [-3, -0.5, 0, 0.5, 3, 20]),
    "cosh": (lambda m, x: m.cosh(x), [-3, -0.5, 0, 0.5, 3, 20]),
    "asinh": (lambda m, x: m.asinh(x), [-5, -0.3, 0, 0.3, 5, 1e3]),
    "acosh": (lambda m, x: m.acosh(x), [0.5, 1, 1.5, 3, 100]),
    "atanh": (lambda m, x: m.atanh(x), [-1, -0.5, 0, 0.5, 0.99, 1, 1.5]),
    "asin": (lambda m, x: m.asin(x), [-1, -0.5, 0, 0.7, 1, 2]),
    "acos": (lambda m, x: m.acos(x), [-1, -0.5, 0, 0.7, 1, 2]),
    "atan": (lambda m, x: m.atan(x), [-10, -1, 0, 1, 10]),
    "arcsin": (lambda m, x: m.arcsin(x), [-0.5, 0, 0.7]),
    "arccos": (lambda m, x: m.arccos(x), [-0.5, 0, 0.7]),
    "arctan": (lambda m, x: m.arctan(x), [-2, 0, 3]),
    "arcsinh": (lambda m, x: m.arcsinh(x), [-2, 0, 3]),
    "arccosh": (lambda m, x: m.arccosh(x), [1.5, 3]),
    "arctanh": (lambda m, x: m.arctanh(x), [-0.5, 0, 0.7]),
    "log10": (lambda m, x: m.log10(x), [-1, 0, 0.1, 1, 10, 1e5]),
    "exp2": (lambda m, x: m.exp2(x), [-3, 0, 0.5, 3, -INF]),
    "sinc": (lambda m, x: m.sinc(x), [-2.5, -1, -0.0, 0, 0.25, 0.5, 1, 3]),
    # tiny x where pi x^2 underflows (float32 below ~1e-22, float64 below ~1e-162): torch's
    # gradient is 0 there, no NaN
    "sinc_tiny": (lambda m, x: m.sinc(x), [1e-23, -3e-23, 1e-30, 1e-150, -1e-163, 1e-170, 1e-5]),
    "logit": (lambda m, x: m.logit(x), [-0.5, 0, 0.1, 0.5, 0.9, 1, 1.5]),
    # no NaN input here: torch's gradient there is NaN or 0 depending on its kernel (float32
    # and short inputs NaN, float64 vectorised 0, varying with the CPU); see test_logit_eps_nan
    "logit_eps": (lambda m, x: m.logit(x, 0.2), [0, 0.1, 0.2, 0.5, 0.8, 0.9, 1]),
    # eps > 0.5 (lo > hi): torch takes lo where x < lo, else hi where x > hi; gradient 0
    "logit_eps_big": (lambda m, x: m.logit(x, 0.6), [0, 1, 0.3, 0.5, 0.45, 0.55, 0.7]),
    "logit_eps_half": (lambda m, x: m.logit(x, 0.5), [0, 0.3, 0.5, 0.7, 1]),
    # bounds in x's dtype (1 - eps rounded there); eps < 0 clamps nothing (NaN gradient outside)
    "logit_eps_edges": (lambda m, x: m.logit(x, 0.1), [0.1, 0.9, 0.0999999, 0.90000001, 0.5]),
    "logit_eps_neg": (lambda m, x: m.logit(x, -0.1), [-0.5, -0.05, 0, 0.3, 1, 1.05, 1.5]),
    "erfc": (lambda m, x: m.erfc(x), [-3, -0.5, 0, 0.5, 3, 8, INF, -INF]),
    "erfinv": (lambda m, x: m.erfinv(x), [-1, -0.999, -0.5, 0, 0.3, 0.9999, 1, 1.5]),
    "lgamma": (lambda m, x: m.lgamma(x), [-INF, -2.5, -1, 0, 0.5, 1, 2, 10, 100, INF]),
    "digamma": (lambda m, x: m.digamma(x), [-2.5, -0.0, 0, 0.5, 1, 10, INF]),
    "polygamma1": (lambda m, x: m.polygamma(1, x), [-2.5, 0, 0.5, 1, 10]),
    "polygamma2": (lambda m, x: m.polygamma(2, x), [-2.5, 0.5, 1, 10]),
    "polygamma3": (lambda m, x: m.polygamma(3, x), [-1.5, 0.5, 2, 7]),
    "frac": (lambda m, x: m.frac(x), [-2.5, -0.5, 0, 0.5, 2.25]),
    "deg2rad": (lambda m, x: m.deg2rad(x), [-180, 0, 90, 1e3]),
    "rad2deg": (lambda m, x: m.rad2deg(x), [-3, 0, 1.5, 1e3]),
    "sgn": (lambda m, x: m.sgn(x), [-2, -0.0, 0, 3, NAN, INF, -INF]),  # sgn(NaN) = 0
    "sign": (lambda m, x: m.sign(x), [-2, -0.0, 0, 3, NAN, INF, -INF]),
    "abs_at_nan": (lambda m, x: m.abs(x), [NAN, -2, 3]),  # gradient sign(NaN) = 0
    "nan_to_num": (lambda m, x: m.nan_to_num(x), [NAN, INF, -INF, 1, -2]),
    "nan_to_num_args": (lambda m, x: m.nan_to_num(x, 1.5, 9.0, -9.0), [NAN, INF, -INF, 1]),
}
# float32 kernels differ by ulps between libraries; near the zeros of lgamma / digamma and the
# cancellation in sinc', relative error is no measure: an absolute one is used there
F32_ATOL = {"lgamma": 1e-5, "digamma": 1e-5, "erfinv": 1e-5, "polygamma3": 1e-4, "sinc": 1e-6}


@FLOATS
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_values_and_gradients_match_torch(name, dtype):
    fn, points = UNARY[name]
    atol = F32_ATOL.get(name) if dtype == "float32" else None
    rtol = None
    if name.startswith(("polygamma", "digamma")):  # torch's trigamma is good to ~1e-9
        rtol = 2e-5 if dtype == "float32" else 1e-9
    _check(fn, [points], dtype, rtol=rtol, atol=atol)


def test_sinc_is_one_at_zero_with_zero_gradient_and_finite_second_derivative():
    x = ag.tensor([0.0, -0.0, 1e-3], dtype=ag.float64, requires_grad=True)
    y = ag.sinc(x)
    np.testing.assert_array_equal(y.detach().numpy()[:2], [1.0, 1.0])
    (g,) = ag.grad(y.sum(), [x], create_graph=True)
    gn = g.detach().numpy()
    assert gn[0] == 0 and gn[1] == 0
    np.testing.assert_allclose(gn[2], -(math.pi**2) / 3 * 1e-3, rtol=1e-5)
    (h,) = ag.grad(g.sum(), [x])
    # torch's second derivative at 0 is NaN (the masked branch leaks); ours is finite
    assert np.isfinite(h.numpy()).all()
    np.testing.assert_allclose(h.numpy()[2], -(math.pi**2) / 3, rtol=1e-5)


@FLOATS
def test_sinc_gradient_is_zero_without_warnings_where_pi_x_squared_underflows(dtype):
    """Where pi x^2 underflows, and where the formula cancels to exactly 0 (torch's value
    too), the first order is 0 and the second order finite: torch's is NaN at the first kind
    and at the smallest of the second (its 1 / x^4 overflows)."""
    if dtype == "float32":
        tiny = [1e-23, -1e-30, 3e-24] + [1e-22, -1e-20, 1e-10, 1e-5]
    else:
        tiny = [1e-163, -1e-170, 1e-200] + [1e-160, -1e-155, 1e-100, 1e-20]
    x = ag.tensor(tiny + [0.0, 0.3], dtype=dtype, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning (0 / 0) either
        (g0,) = ag.grad(ag.sinc(x).sum(), [x])
        (g,) = ag.grad(ag.sinc(x).sum(), [x], create_graph=True)
        (h,) = ag.grad(g.sum(), [x])
    for v in (g0.numpy(), g.detach().numpy()):
        assert v.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(v[:8], [0.0] * 8)
    assert np.isfinite(h.numpy()).all()


def test_positive_returns_its_input_and_signbit_sees_negative_zero():
    torch = _torch()
    x = ag.tensor([-1.0, -0.0, 0.0, 2.0, -INF, NAN])
    assert ag.positive(x) is x and x.positive() is x
    want = torch.signbit(torch.tensor(x.numpy())).numpy()
    np.testing.assert_array_equal(ag.signbit(x).numpy(), want)
    np.testing.assert_array_equal(x.signbit().numpy(), [True, True, False, False, True, False])
    assert ag.signbit(x).dtype == np.bool_ and not ag.signbit(x.requires_grad_()).requires_grad
    i = ag.tensor([-3, 0, 4])
    np.testing.assert_array_equal(ag.signbit(i).numpy(), [True, False, False])
    np.testing.assert_array_equal(ag.signbit(ag.tensor([True, False])).numpy(), [False, False])
    assert ag.positive(i) is i and ag.positive(2.5) == 2.5


# -- binary ops -----------------------------------------------------------------------------------

ZEROS_Y = [1, 1, -1, -1, 0, 0, -0.0, -0.0, 0, 1, -0.0, 2]
ZEROS_X = [1, -1, 1, -1, 0, -0.0, 0, -0.0, -1, 0, -3, INF]

BINARY = {
    # atan2(y, x) in each quadrant and on each signed zero axis, and the origin (gradient 0)
    "atan2": (lambda m, y, x: m.atan2(y, x), ZEROS_Y, ZEROS_X),
    "arctan2": (lambda m, y, x: m.arctan2(y, x), [1, -2], [-3, 0.5]),
    "hypot": (lambda m, x, y: m.hypot(x, y), [0, 3, -0.0, 1e-30, -5, INF], [0, 4, 2, 1e-30, 0, 1]),
    "logaddexp": (
        lambda m, x, y: m.logaddexp(x, y),
        [-INF, -INF, 0, 1, INF, 100, -INF, 3],
        [0, -INF, -INF, 1, 0, -100, INF, -2],
    ),
    "logaddexp2": (
        lambda m, x, y: m.logaddexp2(x, y),
        [-INF, -INF, 0, 1, INF, 100, 3],
        [0, -INF, -INF, 1, 0, -100, -2],
    ),
    "xlogy": (
        lambda m, x, y: m.xlogy(x, y),
        [0, 0, 0, 0, 1, 2, 0, -1.5, 3],
        [2, 0, -1, NAN, 0, -1, INF, 0.5, 4],
    ),
    "fmod": (
        lambda m, x, y: m.fmod(x, y),
        [5, -5, 5, -5, 3, 5.5, -0.0, 7.5, -7.5],
        [3, 3, -3, -3, 0, 2, 1, 2.5, -2.5],
    ),
    "copysign": (
        lambda m, x, y: m.copysign(x, y),
        [0, -0.0, 2, -2, 3, -1, 0.5],
        [-1, 1, -0.0, 0.0, INF, -INF, NAN],
    ),
    # ties (x == min / max) pass the gradient to x; NaN passes it nowhere
    "clamp_min": (lambda m, x, b: m.clamp_min(x, b), [1, 2, 3, NAN, 2], [2, 2, 2, 0, NAN]),
    "clamp_max": (lambda m, x, b: m.clamp_max(x, b), [1, 2, 3, NAN, 2], [2, 2, 2, 0, NAN]),
    "lerp": (
        lambda m, s, e: m.lerp(s, e, 0.3),
        [0, 1, -2, 5],
        [1, -1, 4, 5],
    ),
    "lerp_hi": (lambda m, s, e: m.lerp(s, e, 0.75), [0, 1, -2], [1, -1, 4]),
}


@FLOATS
@pytest.mark.parametrize("name", list(BINARY))
def test_binary_values_and_gradients_match_torch(name, dtype):
    fn, x, y = BINARY[name]
    _check(fn, [x, y], dtype)


@FLOATS
def test_lerp_with_a_weight_tensor_on_both_sides_of_one_half(dtype):
    w = [-1.2, -0.5, -0.2, 0.0, 0.49, 0.5, 0.8, 1.0, 1.7]
    s = [1.0, -2.0, 3.0, 0.5, 2.0, -1.0, 4.0, 1.0, 0.3]
    e = [2.0, 5.0, -3.0, 0.5, -2.0, 1.0, 4.5, -1.0, 0.7]
    _check(lambda m, a, b, c: m.lerp(a, b, c), [s, e, w], dtype)


@FLOATS
def test_float_power_computes_in_float64_and_returns_gradients_in_the_inputs_dtype(dtype):
    x, y = [0.0, 2.0, -2.0, 0.5, 0.0, 3.0], [0.0, 3.0, 2.0, -1.0, 2.0, 0.5]
    _check(lambda m, a, b: m.float_power(a, b), [x, y], dtype, out_dtype="float64")
    _check(lambda m, a: m.float_power(a, 3), [x], dtype, out_dtype="float64")
    i = ag.tensor([1, 2, 3])
    assert ag.float_power(i, 2).dtype == np.float64
    np.testing.assert_array_equal(i.float_power(2).numpy(), [1.0, 4.0, 9.0])
    np.testing.assert_allclose(ag.float_power(2, ag.tensor([0.5], dtype=ag.float32)).numpy(),
                               [math.sqrt(2)], rtol=1e-15)  # fmt: skip


@pytest.mark.parametrize(
    "name,fn",
    [
        ("atan2", lambda m, x, y: m.atan2(x, y)),
        ("hypot", lambda m, x, y: m.hypot(x, y)),
        ("logaddexp", lambda m, x, y: m.logaddexp(x, y)),
        ("logaddexp2", lambda m, x, y: m.logaddexp2(x, y)),
        ("xlogy", lambda m, x, y: m.xlogy(x, m.exp(y))),
        ("fmod", lambda m, x, y: m.fmod(x, y + 3)),
        ("copysign", lambda m, x, y: m.copysign(x, y)),
        ("float_power", lambda m, x, y: m.float_power(m.exp(x), y)),
        ("clamp_min", lambda m, x, y: m.clamp_min(x, y)),
        ("clamp_max", lambda m, x, y: m.clamp_max(x, y)),
        ("lerp", lambda m, x, y: m.lerp(x, y, m.sigmoid(y))),
    ],
)
def test_broadcast_pairs_match_torch_and_reduce_gradients(name, fn):
    rng = np.random.default_rng(3)
    for xs, ys in [((3, 1), (4,)), ((), (2, 3)), ((2, 1, 3), (4, 1))]:
        x, y = rng.uniform(-2, 2, xs), rng.uniform(-2, 2, ys)
        _check(fn, [x, y], "float64")


@pytest.mark.parametrize(
    "fn,const",
    [
        (lambda m, t, c: m.atan2(c, t), -1.5),
        (lambda m, t, c: m.atan2(t, c), 0.7),
        (lambda m, t, c: m.hypot(c, t), 1.5),
        (lambda m, t, c: m.logaddexp(t, c), 0.5),
        (lambda m, t, c: m.logaddexp2(c, t), -1.0),
        (lambda m, t, c: m.xlogy(c, m.exp(t)), 2.5),
        (lambda m, t, c: m.xlogy(t, c), 3.0),
        (lambda m, t, c: m.fmod(t, c), -0.7),
        (lambda m, t, c: m.copysign(t, c), -1.0),
        (lambda m, t, c: m.copysign(c, t), 2.0),
    ],
)
@FLOATS
def test_a_python_scalar_on_either_side_matches_torch_with_that_scalar_as_a_tensor(
    fn, const, dtype
):
    """torch wants tensors for some of these; a 0-d tensor of the scalar stands in for it."""
    torch = _torch()
    x = np.random.default_rng(0).uniform(-2, 2, (2, 3)).astype(dtype)
    t = ag.tensor(x, requires_grad=True)
    tt = torch.tensor(x, requires_grad=True)
    with np.errstate(all="ignore"):
        y = fn(ag, t, const)
        ty = fn(torch, tt, torch.tensor(const, dtype=tt.dtype))
    assert y.dtype == np.dtype(dtype)  # a Python scalar never widens the tensor
    rtol, atol = _tol(dtype)
    np.testing.assert_allclose(_np(y), _np(ty), rtol=rtol, atol=atol)
    g = np.random.default_rng(1).standard_normal(x.shape).astype(dtype)
    (a,) = ag.grad(y, [t], ag.tensor(g))
    (b,) = torch.autograd.grad(ty, [tt], torch.tensor(g))
    np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=atol)


def test_fmod_keeps_the_dividends_sign_on_integers_and_refuses_integer_zero_division():
    torch = _torch()
    a, b = [-7, 7, -7, 7, 0], [2, -2, -2, 2, 3]
    want = torch.fmod(torch.tensor(a), torch.tensor(b)).numpy()
    got = ag.fmod(ag.tensor(a), ag.tensor(b))
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got.numpy(), want)
    np.testing.assert_array_equal(ag.tensor(a).fmod(3).numpy(), np.fmod(a, 3))
    with pytest.raises(ZeroDivisionError, match="fmod"):
        ag.fmod(ag.tensor(a), 0)
    with pytest.raises(ZeroDivisionError, match="fmod"):
        ag.fmod(ag.tensor(a), ag.tensor([1, 1, 0, 1, 1]))


@pytest.mark.parametrize(
    "fn,args",
    [
        (lambda m, x: m.asinh(x), [[-2.0, 0.3, 4.0]]),
        (lambda m, x: m.acosh(x), [[1.5, 3.0]]),
        (lambda m, x: m.atanh(x), [[-0.5, 0.7]]),
        (lambda m, x: m.asin(x), [[-0.5, 0.7]]),
        (lambda m, x: m.acos(x), [[-0.5, 0.7]]),
        (lambda m, x: m.atan(x), [[-2.0, 0.5]]),
        (lambda m, x: m.cosh(x), [[-2.0, 0.5]]),
        (lambda m, x: m.log10(x), [[0.3, 5.0]]),
        (lambda m, x: m.exp2(x), [[-1.0, 2.5]]),
        (lambda m, x: m.sinc(x), [[-1.3, 0.4, 2.2]]),
        (lambda m, x: m.logit(x), [[0.1, 0.6]]),
        (lambda m, x: m.logit(x, 0.2), [[0.1, 0.6, 0.9]]),
        (lambda m, x: m.erfc(x), [[-1.0, 0.5]]),
        (lambda m, x: m.erfinv(x), [[-0.7, 0.2]]),
        (lambda m, x: m.lgamma(x), [[-2.5, 0.7, 3.0]]),
        (lambda m, x: m.digamma(x), [[0.7, 3.0]]),
        (lambda m, x: m.polygamma(2, x), [[0.7, 3.0]]),
        (lambda m, x, y: m.atan2(x, y), [[1.0, -2.0, 0.5], [-1.0, 0.5, 3.0]]),
        (lambda m, x, y: m.hypot(x, y), [[1.0, -2.0], [-1.0, 0.5]]),
        (lambda m, x, y: m.logaddexp(x, y), [[1.0, -2.0], [-1.0, 0.5]]),
        (lambda m, x, y: m.logaddexp2(x, y), [[1.0, -2.0], [-1.0, 0.5]]),
        (lambda m, x, y: m.xlogy(x, y), [[1.0, -2.0, 0.0], [0.5, 3.0, 2.0]]),
        (lambda m, x, y: m.fmod(x, y), [[5.5, -2.0], [2.0, 0.7]]),
        (lambda m, x, y: m.copysign(x, y), [[1.5, -2.0], [-1.0, 0.5]]),
        (lambda m, x, y: m.float_power(x, y), [[1.5, 2.0], [-1.0, 0.5]]),
        (lambda m, x, y, w: m.lerp(x, y, w), [[1.5, 2.0], [-1.0, 0.5], [0.2, 0.9]]),
    ],
)
def test_second_order_matches_torch(fn, args):
    _check(fn, args, "float64", rtol=1e-8, second=True)  # torch's trigamma: ~1e-9


def test_fmod_second_order_is_zero_at_a_zero_divisor_and_where_x_over_y_overflows():
    """trunc(x / y) is a constant for the graph: torch's second order is 0 there (NaN before,
    from d(x / y) at y = 0)."""
    x, y = [3.0, -2.0, 1e300, 5.5, 0.0], [0.0, -0.0, 1e-10, 2.0, 0.0]
    _check(lambda m, a, b: m.fmod(a, b), [x, y], "float64", second=True)
    a = ag.tensor([3.0], dtype=ag.float64, requires_grad=True)
    b = ag.tensor([0.0], dtype=ag.float64, requires_grad=True)
    with np.errstate(invalid="ignore"):  # NumPy's fmod(3, 0) = NaN warns in the forward
        y = ag.fmod(a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the backward warns of nothing
        gs = ag.grad(y.sum(), [a, b], create_graph=True)
        assert gs[1].detach().numpy()[0] == -INF  # -trunc(3 / 0), as torch
        hs = ag.grad(gs[0].sum() + gs[1].sum(), [a, b], allow_unused=True)
    for h in hs:
        assert h is None or not np.any(h.numpy())


def test_masked_points_keep_second_order_finite():
    """torch's double backward is NaN at these points (a masked branch leaks 0 * inf); the
    first-order values are torch's and the second order stays finite."""
    x0 = ag.tensor([0.0, 1.0], dtype=ag.float64, requires_grad=True)
    y0 = ag.tensor([0.0, 2.0], dtype=ag.float64, requires_grad=True)
    for f in (ag.atan2, ag.copysign, lambda a, b: ag.logit(a * 0.05, eps=0.2) + b):
        gs = ag.grad(f(x0, y0).sum(), [x0, y0], create_graph=True)
        hs = ag.grad(sum(g.sum() for g in gs), [x0, y0], allow_unused=True)
        for h in hs:
            assert h is None or np.isfinite(h.numpy()).all()
    (gx,) = ag.grad(ag.atan2(x0, y0).sum(), [x0])
    assert gx.numpy()[0] == 0.0


# -- nan_to_num, isclose, allclose --------------------------------------------------------------


@FLOATS
def test_nan_to_num_defaults_are_the_dtype_extremes(dtype):
    x = ag.tensor([NAN, INF, -INF, 1.0], dtype=dtype)
    fi = np.finfo(dtype)
    np.testing.assert_array_equal(ag.nan_to_num(x).numpy(), [0.0, fi.max, fi.min, 1.0])
    np.testing.assert_array_equal(x.nan_to_num(posinf=5.0).numpy(), [0.0, 5.0, fi.min, 1.0])
    assert x.nan_to_num().dtype == np.dtype(dtype)
    i = ag.tensor([1, -2])
    assert ag.nan_to_num(i).dtype == np.int64
    np.testing.assert_array_equal(ag.nan_to_num(i).numpy(), [1, -2])


@FLOATS
@pytest.mark.parametrize("equal_nan", [False, True])
@pytest.mark.parametrize("rtol,atol", [(1e-05, 1e-08), (0.0, 0.5), (0.1, 0.0)])
def test_isclose_matches_torch(dtype, equal_nan, rtol, atol):
    torch = _torch()
    x = np.array([1, INF, -INF, NAN, 1, 1e-9, 1, 10, -0.0, INF, NAN], dtype=dtype)
    y = np.array([1 + 1e-6, INF, INF, NAN, 1.1, 0, 1.4, 10.9, 0.0, 1e30, 1.0], dtype=dtype)
    got = ag.isclose(ag.tensor(x), ag.tensor(y), rtol, atol, equal_nan)
    want = torch.isclose(torch.tensor(x), torch.tensor(y), rtol, atol, equal_nan).numpy()
    assert got.dtype == np.bool_
    np.testing.assert_array_equal(got.numpy(), want)
    assert ag.tensor(x).allclose(ag.tensor(y), rtol, atol, equal_nan) is bool(want.all())
    both = ag.allclose(ag.tensor(x[:3]), ag.tensor(x[:3]), rtol, atol, equal_nan)
    assert both is True


def test_isclose_broadcasts_takes_scalars_and_integers():
    torch = _torch()
    a = ag.tensor([[1.0], [2.0]])
    np.testing.assert_array_equal(ag.isclose(a, ag.tensor([1.0, 2.0, 2.0000001])).numpy(),
                                  [[True, False, False], [False, True, True]])  # fmt: skip
    np.testing.assert_array_equal(a.isclose(2.0).numpy(), [[False], [True]])
    i, j = [1, 5, -3], [2, 5, 0]
    want = torch.isclose(torch.tensor(i), torch.tensor(j), atol=1).numpy()
    np.testing.assert_array_equal(ag.isclose(ag.tensor(i), ag.tensor(j), atol=1).numpy(), want)
    assert ag.allclose(ag.tensor([1.0, 2.0]), ag.tensor([1.0, 2.0 + 1e-9])) is True
    assert not ag.isclose(a.requires_grad_(), 1.0).requires_grad


# -- dtypes, 0-d and empty inputs ---------------------------------------------------------------

FLOAT_UNARY = ["sinh", "cosh", "asinh", "acosh", "atanh", "asin", "acos", "atan", "log10", "exp2",
               "sinc", "logit", "erfc", "erfinv", "lgamma", "digamma", "frac", "deg2rad",
               "rad2deg"]  # fmt: skip


@pytest.mark.parametrize("name", FLOAT_UNARY + ["sgn", "nan_to_num"])
@pytest.mark.parametrize("shape", [(), (0, 3)])
def test_zero_d_and_empty_inputs_keep_shape_and_dtype(name, shape):
    x = ag.tensor(np.full(shape, 1.25 if name != "logit" else 0.25, np.float32),
                  requires_grad=True)  # fmt: skip
    if name in ("atanh", "asin", "acos", "erfinv"):
        x = ag.tensor(np.full(shape, 0.25, np.float32), requires_grad=True)
    y = getattr(ag, name)(x)
    assert y.shape == shape and y.dtype == np.float32
    assert getattr(x, name)().shape == shape
    (g,) = ag.grad(y.sum(), [x])
    assert g.shape == shape and g.dtype == np.float32 and np.isfinite(g.numpy()).all()


@FLOATS
def test_sign_and_sgn_of_nan_are_zero_as_torch(dtype):
    torch = _torch()
    v = np.array([NAN, -NAN, -2.0, -0.0, 0.0, 1e-30, INF, -INF], dtype=dtype)
    want = torch.sign(torch.tensor(v)).numpy()
    for got in (ag.sign(ag.tensor(v)), ag.sgn(ag.tensor(v)), ag.tensor(v).sign(),
                ag.tensor(v).sgn()):  # fmt: skip
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(got.numpy(), want)
    np.testing.assert_array_equal(want[:2], [0.0, 0.0])


def test_int_friendly_ops_keep_integer_dtypes():
    i = ag.tensor([-3, 0, 4])
    assert ag.sign(i).dtype == np.int64 and ag.sign(ag.tensor([True])).dtype == np.bool_
    np.testing.assert_array_equal(ag.sign(i).numpy(), [-1, 0, 1])
    assert ag.sgn(i).dtype == np.int64
    np.testing.assert_array_equal(ag.sgn(i).numpy(), [-1, 0, 1])
    np.testing.assert_array_equal(ag.sgn(ag.tensor([True, False])).numpy(), [True, False])
    assert ag.clamp_min(i, 0).dtype == np.int64 and ag.clamp_max(i, 0).dtype == np.int64
    np.testing.assert_array_equal(i.clamp_min(0).numpy(), [0, 0, 4])
    np.testing.assert_array_equal(i.clamp_max(ag.tensor([1, -1, 1])).numpy(), [-3, -1, 1])


# -- the scipy-free fallbacks --------------------------------------------------------------------


@pytest.fixture
def no_scipy(monkeypatch):
    """As on a machine without scipy: importing scipy.special fails, nothing is cached.
    Returns this module and the real scipy.special (None when not installed)."""
    try:
        import scipy.special as real
    except ImportError:
        real = None
    monkeypatch.setitem(sys.modules, "scipy.special", None)
    monkeypatch.setattr(special_mod, "_IMPLS", {})
    return special_mod, real


FALLBACK_POINTS = np.concatenate(
    [np.linspace(-30.3, 30.1, 301), np.geomspace(1e-8, 1e8, 60), -np.geomspace(1e-6, 4, 40) + 0.1]
)


@pytest.mark.parametrize(
    "name,n",
    [("gammaln", None), ("digamma", None), ("polygamma", 1), ("polygamma", 2),
     ("polygamma", 5), ("erfc", None)],
)  # fmt: skip
def test_fallbacks_without_scipy_match_torch_and_scipy(no_scipy, name, n):
    torch = _torch()
    mod, scipy_special = no_scipy
    x = FALLBACK_POINTS[np.abs(FALLBACK_POINTS - np.round(FALLBACK_POINTS)) > 1e-9]
    x = np.concatenate([x, [0.0, -0.0, 1.0, 2.0]])
    op = {"gammaln": "lgamma"}.get(name, name)
    args = () if n is None else (n,)
    got = getattr(ag, op)(*args, ag.tensor(x)).numpy()
    assert mod._IMPLS[(name, False)] is mod._FALLBACK[name]
    refs = [(getattr(torch, op)(*args, torch.tensor(x)).numpy(), 1e-9 if n else 1e-11)]
    if scipy_special is not None:
        refs.append((getattr(scipy_special, name)(*args, x), 1e-11))
    for want, tol in refs:
        ok = np.isfinite(want)
        np.testing.assert_array_equal(got[~ok], want[~ok])
        scale = np.maximum(np.abs(want[ok]), 1.0)  # absolute near the zeros, else relative
        assert np.max(np.abs(got[ok] - want[ok]) / scale) < tol


def test_erfinv_fallback_without_scipy_matches_torch(no_scipy):
    torch = _torch()
    t = np.geomspace(1e-16, 0.5, 80)
    x = np.concatenate([np.linspace(-0.999, 0.999, 301), 1 - t, -1 + t, [0.0, -0.0, 1e-300]])
    x = np.concatenate([x, [1.0, -1.0, 1.5, -2.0, NAN]])
    got = ag.erfinv(ag.tensor(x)).numpy()
    want = torch.erfinv(torch.tensor(x)).numpy()
    mod, _ = no_scipy
    assert mod._IMPLS[("erfinv", False)] is mod._FALLBACK["erfinv"]
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)
    np.testing.assert_array_equal(np.signbit(got[-8:-6]), [False, True])  # 0.0 and -0.0


def test_fallbacks_give_torchs_values_at_the_poles(no_scipy):
    torch = _torch()
    x = np.array([0.0, -0.0, -1.0, -2.0, -INF, INF, NAN])
    for fn in (lambda m, v: m.lgamma(v), lambda m, v: m.digamma(v)):
        got = fn(ag, ag.tensor(x)).numpy()
        np.testing.assert_array_equal(got, fn(torch, torch.tensor(x)).numpy())
    # polygamma: +-inf at 0 (scipy's and torch's); at +-inf torch is inconsistent across n
    # (NaN or 0 or -inf): the fallback gives the limit 0 at inf and NaN at -inf
    p1 = ag.polygamma(1, ag.tensor([0.0, -1.0, INF, -INF])).numpy()
    np.testing.assert_array_equal(p1, [INF, INF, 0.0, NAN])
    np.testing.assert_array_equal(ag.polygamma(2, ag.tensor([0.0, -3.0])).numpy(), [-INF, -INF])


def test_lgamma_fallback_is_inf_past_the_float_range(no_scipy):
    torch = _torch()
    x = np.array([2.55e305, 3e305, 1e308, np.finfo(np.float64).max, -3e305, 2.0, INF])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no OverflowError, no RuntimeWarning
        got = ag.lgamma(ag.tensor(x)).numpy()
    want = torch.lgamma(torch.tensor(x)).numpy()
    np.testing.assert_array_equal(got[1:], want[1:])  # inf, and lgamma(2) = 0
    np.testing.assert_allclose(got[0], want[0], rtol=1e-14)  # finite just below
    assert ag.lgamma(ag.tensor([3e38], dtype=ag.float32)).numpy()[0] == INF


# psi^(n)(x) for large n, from mpmath at 400 digits. torch and scipy compute n! zeta(n + 1, x)
# as exp(lgamma(n + 1)) zeta: inf past n = 170 even where the value is finite (171, 5.0) and
# NaN (inf * 0) at (700, 200.0); for x < 0 their direct sum cancels 2^171 against itself, so
# at (170, -2.5) they give -5.6128e276 and at (20, -2.5) -4.2198e8: the fallback gives the
# true values, through the reflection formula
POLYGAMMA_BIG_N = [
    (171, 1.0, INF), (171, 5.0, 7.4291197607133289e188), (170, 1.0, -7.257415615307999e306),
    (170, 5.0, -2.172257239974668e187), (170, -2.5, -6.6856927007828417e213),
    (170, -0.3, INF), (170, -2.3, INF), (700, 200.0, -2.3742641909084064e76), (700, 5.0, -INF),
    (200, 0.5, -INF), (200, 30.0, -9.9109053899111743e77), (300, -40.25, INF),
    (20, -2.5, -9182070.2049456267), (20, -7.3, 2.3258315617067719e29),
]  # fmt: skip


def test_polygamma_fallback_gives_inf_not_an_error_for_large_n(no_scipy):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for n, x, want in POLYGAMMA_BIG_N:
            got = ag.polygamma(n, ag.tensor([x], dtype=ag.float64)).numpy()[0]
            np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=f"n={n}, x={x}")
        # and on whole arrays, poles included; float32 overflows to inf
        got = ag.polygamma(171, ag.tensor([1.0, 5.0, 0.0, -3.0], dtype=ag.float64)).numpy()
        np.testing.assert_allclose(got, [INF, 7.4291197607133289e188, INF, INF], rtol=1e-12)
        got = ag.polygamma(40, ag.tensor([5.0, 1.0], dtype=ag.float32)).numpy()
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, [-1.7952358e19, -INF], rtol=1e-6)


def test_fallbacks_keep_float32_and_match_the_float64_result(no_scipy):
    x = np.array([0.3, 1.7, 4.0, -2.5])
    for name in ("lgamma", "digamma", "erfc"):
        y32 = getattr(ag, name)(ag.tensor(x, dtype=ag.float32))
        assert y32.dtype == np.float32
        y64 = getattr(ag, name)(ag.tensor(x))
        np.testing.assert_allclose(y32.numpy(), y64.numpy(), rtol=1e-6)


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FLOAT_UNARY)
def test_float_only_unary_ops_refuse_integer_tensors(name):
    with pytest.raises(TypeError, match=rf"^{name}: expected a floating point tensor.*int64"):
        getattr(ag, name)(ag.tensor([1, 2]))
    with pytest.raises(TypeError, match=rf"^{name}:"):
        getattr(ag.tensor([1, 2]), name)()


@pytest.mark.parametrize(
    "name", ["atan2", "hypot", "logaddexp", "logaddexp2", "xlogy", "copysign", "lerp"]
)
def test_float_only_binary_ops_refuse_integer_tensors(name):
    i = ag.tensor([1, 2])
    args = (i, i, 0.5) if name == "lerp" else (i, i)
    with pytest.raises(TypeError, match=rf"^{name}: expected a floating point tensor.*int64"):
        getattr(ag, name)(*args)
    with pytest.raises(TypeError, match=rf"^{name}:"):
        getattr(ag, name)(i, 2.0, 0.5) if name == "lerp" else getattr(ag, name)(i, 2.0)


@pytest.mark.parametrize(
    "name",
    ["atan2", "arctan2", "hypot", "logaddexp", "logaddexp2", "xlogy", "fmod", "copysign",
     "float_power", "clamp_min", "clamp_max", "isclose", "allclose"],
)  # fmt: skip
def test_non_broadcastable_shapes_name_the_op_and_both_shapes(name):
    a = ag.tensor(np.ones((2, 3)), requires_grad=True)
    b = ag.tensor(np.ones(4) * 2)
    op = "atan2" if name == "arctan2" else name
    with pytest.raises(ag.ShapeError, match=rf"^{op}: shapes \(2, 3\) and \(4,\)"):
        getattr(ag, name)(a, b)
    with pytest.raises(ag.ShapeError, match=rf"^{op}: shapes \(2, 3\) and \(4,\)"):
        getattr(a, name)(b)


def test_lerp_shape_and_dtype_errors_name_all_operands():
    s, e = ag.tensor(np.ones((2, 3))), ag.tensor(np.ones(3))
    with pytest.raises(ag.ShapeError, match=r"^lerp: shapes \(2, 3\), \(3,\), \(4,\)"):
        ag.lerp(s, e, ag.tensor(np.ones(4)))
    with pytest.raises(TypeError, match=r"^lerp: weight must be floating point.*int64"):
        s.lerp(e, ag.tensor([1, 0, 1]))


def test_argument_errors():
    x = ag.tensor([0.5, 1.5])
    with pytest.raises(ValueError, match=r"^polygamma: n must be non-negative, got -1"):
        ag.polygamma(-1, x)
    with pytest.raises(TypeError, match=r"^polygamma: n must be an int, got float"):
        x.polygamma(1.5)
    with pytest.raises(TypeError, match=r"^polygamma: expected a floating point tensor.*int64"):
        ag.polygamma(1, ag.tensor([1, 2]))
    with pytest.raises(ValueError, match=r"^isclose: rtol and atol must be >= 0"):
        ag.isclose(x, x, rtol=-1.0)
    with pytest.raises(ValueError, match=r"^allclose: rtol and atol must be >= 0"):
        x.allclose(x, atol=-1e-3)
    with pytest.raises(TypeError, match=r"^clamp_min: min must be a number or a tensor"):
        ag.clamp_min(x, None)
    with pytest.raises(TypeError, match=r"^clamp_max: max must be a number or a tensor"):
        x.clamp_max(None)
    with pytest.raises(TypeError, match=r"^positive: not supported for bool tensors"):
        ag.positive(ag.tensor([True]))
    with pytest.raises(TypeError, match=r"^nan_to_num: posinf must be a number, got str"):
        x.nan_to_num(posinf="big")


def _sign0(a):
    return np.where(np.isnan(a), 0.0, np.sign(a))  # torch's sign(NaN) is 0


METHODS = [  # (name, extra args, NumPy reference or None)
    ("sinh", (), np.sinh), ("cosh", (), np.cosh), ("asinh", (), np.arcsinh),
    ("acosh", (), np.arccosh), ("atanh", (), np.arctanh), ("asin", (), np.arcsin),
    ("acos", (), np.arccos), ("atan", (), np.arctan), ("arcsinh", (), np.arcsinh),
    ("arccosh", (), np.arccosh), ("arctanh", (), np.arctanh), ("arcsin", (), np.arcsin),
    ("arccos", (), np.arccos), ("arctan", (), np.arctan), ("log10", (), np.log10),
    ("exp2", (), np.exp2), ("sinc", (), np.sinc), ("logit", (), None), ("logit", (0.3,), None),
    ("erfc", (), None), ("erfinv", (), None), ("lgamma", (), None), ("digamma", (), None),
    ("polygamma", None, None), ("frac", (), None), ("deg2rad", (), np.deg2rad),
    ("rad2deg", (), np.rad2deg), ("sgn", (), _sign0), ("signbit", (), np.signbit),
    ("atan2", (0.3,), np.arctan2), ("arctan2", (-0.3,), np.arctan2), ("hypot", (2.0,), np.hypot),
    ("logaddexp", (0.5,), np.logaddexp), ("logaddexp2", (0.5,), np.logaddexp2),
    ("xlogy", (2.0,), None), ("fmod", (0.3,), np.fmod), ("copysign", (-1.0,), np.copysign),
    ("float_power", (1.5,), np.float_power), ("clamp_min", (0.2,), np.maximum),
    ("clamp_max", (0.2,), np.minimum), ("nan_to_num", (0.0, 3.0), None),
    ("isclose", (0.25,), None), ("lerp", None, None),
]  # fmt: skip


@pytest.mark.parametrize("name,args,ref", METHODS, ids=[f"{m[0]}-{m[1]}" for m in METHODS])
def test_tensor_methods_call_the_functions(name, args, ref):
    x = ag.tensor([0.25, 0.5, -0.0, 0.75, 1.5, NAN], dtype=ag.float64)
    if args is None:  # a leading (polygamma's n) or extra tensor argument
        got, want = {
            "polygamma": (lambda: x.polygamma(1), lambda: ag.polygamma(1, x)),
            "lerp": (lambda: x.lerp(x * 2, 0.75), lambda: ag.lerp(x, x * 2, 0.75)),
        }[name]
        args = ()
    else:
        got, want = (lambda: getattr(x, name)(*args)), (lambda: getattr(ag, name)(x, *args))
    with np.errstate(all="ignore"):
        got, want = got(), want()
        np.testing.assert_array_equal(got.numpy(), want.numpy())
        assert got.dtype == want.dtype and got.shape == x.shape
        if ref is not None:
            np.testing.assert_allclose(got.numpy(), ref(x.numpy(), *args), rtol=1e-14)


# -- cuda (a GPU, or the fake CuPy in CI) --------------------------------------------------------

CUDA_CASES = [
    (lambda x, y: ag.sinh(x) + ag.acosh(y + 2.5) + ag.atanh(x * 0.4), "sinh_acosh_atanh"),
    (lambda x, y: ag.asin(x * 0.4) * ag.acos(y * 0.3) + ag.atan(x), "asin_acos_atan"),
    (lambda x, y: ag.log10(y + 3) + ag.exp2(x) + ag.sinc(x), "log10_exp2_sinc"),
    (lambda x, y: ag.logit(ag.sigmoid(x), eps=0.2) + ag.erfc(y), "logit_erfc"),
    (lambda x, y: ag.erfinv(ag.tanh(x)) + ag.lgamma(y + 2.5) + ag.digamma(y + 2.5), "gamma"),
    (lambda x, y: ag.polygamma(1, y + 2.5) + ag.frac(x) + ag.deg2rad(y), "polygamma_frac"),
    (lambda x, y: ag.atan2(x, y) + ag.hypot(x, y) + ag.logaddexp(x, y), "atan2_hypot_lae"),
    (lambda x, y: ag.logaddexp2(x, 0.5) + ag.xlogy(x, y + 3) + ag.fmod(x, y + 3), "xlogy_fmod"),
    (lambda x, y: ag.copysign(x, y) + ag.float_power(y + 3, x), "copysign_float_power"),
    (lambda x, y: ag.lerp(x, y, ag.sigmoid(y)) + ag.clamp_min(x, y) + x.clamp_max(0.1), "lerp"),
    (lambda x, y: ag.nan_to_num(x / (y * 0)) + ag.rad2deg(x), "nan_to_num"),
]


@pytest.mark.gpu
@pytest.mark.parametrize("fn,name", CUDA_CASES, ids=[c[1] for c in CUDA_CASES])
def test_cuda_values_and_two_orders_of_gradients_match_the_cpu(fn, name):
    rng = np.random.default_rng(0)
    xs, ys = rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, (4,))

    def run(device):
        x = ag.tensor(xs, device=device, requires_grad=True)
        y = ag.tensor(ys, device=device, requires_grad=True)
        with np.errstate(all="ignore"):
            out = fn(x, y)
            gs = ag.grad(out.sum(), [x, y], create_graph=True)
            hs = ag.grad(sum((g * g).sum() for g in gs), [x, y], allow_unused=True)
        assert all(t.device.startswith(device) for t in (out, *gs))
        return [t.detach().cpu().numpy() for t in (out, *gs, *hs) if t is not None]

    for a, b in zip(run("cuda"), run("cpu")):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def _cupy_like_polygamma(xp, special):
    """CuPy's polygamma (cupyx/scipy/special/_polygamma.py) over the array module ``xp`` and
    the special functions ``special``: ``cupy.broadcast_arrays(n, x)`` takes arrays only, so
    a Python int n raises there (and ``n == 0`` would be a Python bool in ``cupy.where``)."""

    def polygamma(n, x):
        if type(n) is not xp.ndarray:
            raise TypeError(f"Unsupported type {type(n)}")
        n, x = xp.broadcast_arrays(n, x)
        fac2 = (-1.0) ** (n + 1) * special.gamma(n + 1.0) * special.zeta(n + 1.0, x)
        return xp.where(n == 0, special.digamma(x), fac2)

    return polygamma


def test_polygamma_passes_n_to_cupyx_as_an_array(monkeypatch):
    """The call shape on cuda, checked here with NumPy standing in for CuPy."""
    scipy_special = pytest.importorskip("scipy.special")
    fake = types.ModuleType("cupyx.scipy.special")
    fake.polygamma = _cupy_like_polygamma(np, scipy_special)
    for name, mod in [("cupyx", types.ModuleType("cupyx")),
                      ("cupyx.scipy", types.ModuleType("cupyx.scipy")),
                      ("cupyx.scipy.special", fake)]:  # fmt: skip
        monkeypatch.setitem(sys.modules, name, mod)
    sys.modules["cupyx"].scipy = sys.modules["cupyx.scipy"]
    sys.modules["cupyx.scipy"].special = fake
    fn = special_mod._find("polygamma", True)
    x = np.array([[0.5, 2.0, 7.5]], dtype=np.float32)
    for n in (1, 3):
        got = fn(n, x)
        np.testing.assert_allclose(got, scipy_special.polygamma(n, x.astype(np.float64)),
                                   rtol=1e-14)  # fmt: skip
        assert got.dtype == np.float64 and got.shape == x.shape  # n in float64, as scipy's


@pytest.mark.gpu
def test_cuda_polygamma_goes_through_cupyx_with_n_as_an_array(monkeypatch):
    import cupy
    import cupyx.scipy.special as cs

    if not hasattr(cs, "polygamma"):  # the fake CuPy: CuPy's recipe, special functions on host
        scipy_special = pytest.importorskip("scipy.special")

        class _Host:
            def __getattr__(self, name):
                f = getattr(scipy_special, name)
                return lambda *a: cupy.asarray(f(*(v.get() for v in a)))

        monkeypatch.setattr(cs, "polygamma", _cupy_like_polygamma(cupy, _Host()), raising=False)
    monkeypatch.setattr(special_mod, "_IMPLS", {})
    xs = np.array([0.3, 1.5, 4.0, -2.5])
    for dtype in ("float64", "float32"):
        for n in (1, 2, 4):
            x = ag.tensor(xs, dtype=dtype, device="cuda", requires_grad=True)
            y = ag.polygamma(n, x)
            (g,) = ag.grad(y.sum(), [x])
            assert y.device.startswith("cuda") and y.dtype == np.dtype(dtype)
            want = ag.polygamma(n, ag.tensor(xs, dtype=dtype))
            np.testing.assert_allclose(y.detach().cpu().numpy(), want.numpy(), rtol=1e-6)
            want_g = ag.polygamma(n + 1, ag.tensor(xs, dtype=dtype))
            np.testing.assert_allclose(g.cpu().numpy(), want_g.numpy(), rtol=1e-6)
    assert special_mod._IMPLS[("polygamma", True)].__name__ != "on_host"


@pytest.mark.gpu
def test_cuda_bool_results_and_isclose():
    x = ag.tensor([-1.0, -0.0, 2.0, NAN], device="cuda")
    assert ag.signbit(x).device.startswith("cuda")
    np.testing.assert_array_equal(ag.signbit(x).cpu().numpy(), [True, True, False, False])
    c = ag.isclose(x, ag.tensor([-1.0, 0.0, 2.1, NAN], device="cuda"), equal_nan=True)
    assert c.device.startswith("cuda")
    np.testing.assert_array_equal(c.cpu().numpy(), [True, True, False, True])
    assert ag.allclose(x, x, equal_nan=True) is True


@FLOATS
def test_logit_eps_nan(dtype):
    # a NaN input gives a NaN value and gradient (torch's scalar kernel and float32 agree)
    for eps in (0.2, 0.6):
        x = ag.tensor([NAN, 0.5], dtype=dtype, requires_grad=True)
        y = ag.logit(x, eps)
        y.sum().backward()
        assert np.isnan(y.detach().numpy()[0]) and np.isnan(x.grad.numpy()[0])
