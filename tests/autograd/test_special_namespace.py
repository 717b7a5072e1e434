"""``autograd.special`` (torch.special): the names, the aliases, and the new functions of
``autograd/ops/special_extra.py`` (entr, erfcx, ndtr, log_ndtr, ndtri, i0, i0e, i1, i1e,
xlog1py, multigammaln).

Accuracy against mpmath over wide ranges and in the tails (float64 and float32), against closed
forms (always) and scipy (when installed); gradcheck and gradgradcheck in float64 in every
regime of each kernel; values, gradients and second order against torch.special, edge points
included; dtypes, 0-d and empty inputs; the errors; no scipy needed; the cuda path.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

import autograd as ag
from autograd import special as S
from autograd.ops import special_extra as X

INF, NAN = math.inf, math.nan
NEW = ["entr", "erfcx", "ndtr", "log_ndtr", "ndtri", "i0", "i0e", "i1", "i1e"]
NEW_DOMAIN = {"ndtri": (0.01, 0.99), "entr": (0.05, 3.0)}  # elsewhere (-3, 3)


def _raw(t):
    return t.detach().numpy() if isinstance(t, ag.Tensor) else np.asarray(t)


def _f64(name, xs):
    with np.errstate(all="ignore"):
        return _raw(getattr(S, name)(ag.tensor(np.asarray(xs, dtype=np.float64))))


# -- names and aliases --------------------------------------------------------------------------


def test_every_name_exists_and_is_torch_specials():
    for name in S.__all__:
        assert callable(getattr(S, name)), name
    torch = pytest.importorskip("torch")
    assert not set(S.__all__) - set(dir(torch.special))


ALIASES = [
    ("erf", lambda m, x: m.erf(x), lambda x: ag.erf(x)),
    ("erfc", lambda m, x: m.erfc(x), lambda x: ag.erfc(x)),
    ("erfinv", lambda m, x: m.erfinv(x * 0.3), lambda x: ag.erfinv(x * 0.3)),
    ("expit", lambda m, x: m.expit(x), lambda x: ag.sigmoid(x)),
    ("exp2", lambda m, x: m.exp2(x), lambda x: ag.exp2(x)),
    ("expm1", lambda m, x: m.expm1(x), lambda x: ag.expm1(x)),
    ("log1p", lambda m, x: m.log1p(x.abs()), lambda x: ag.log1p(x.abs())),
    ("gammaln", lambda m, x: m.gammaln(x), lambda x: ag.lgamma(x)),
    ("digamma", lambda m, x: m.digamma(x), lambda x: ag.digamma(x)),
    ("psi", lambda m, x: m.psi(x), lambda x: ag.digamma(x)),
    ("polygamma", lambda m, x: m.polygamma(2, x), lambda x: ag.polygamma(2, x)),
    ("logit", lambda m, x: m.logit(x * 0.2 + 0.5, eps=0.3), lambda x: ag.logit(x * 0.2 + 0.5, 0.3)),
    ("sinc", lambda m, x: m.sinc(x), lambda x: ag.sinc(x)),
    ("round", lambda m, x: m.round(x * 10, decimals=1), lambda x: ag.round(x * 10, 1)),
    ("xlogy", lambda m, x: m.xlogy(x, x.abs() + 1), lambda x: ag.xlogy(x, x.abs() + 1)),
    ("logsumexp", lambda m, x: m.logsumexp(x, 1), lambda x: ag.logsumexp(x, dim=1)),
    ("softmax", lambda m, x: m.softmax(x, 0), lambda x: ag.softmax(x, dim=0)),
    ("log_softmax", lambda m, x: m.log_softmax(x, 1), lambda x: ag.log_softmax(x, dim=1)),
    ("sm_dtype", lambda m, x: m.softmax(x, 1, dtype=ag.float64),
     lambda x: ag.softmax(x.double(), dim=1)),
]  # fmt: skip


@pytest.mark.parametrize("name,fn,ref", ALIASES, ids=[a[0] for a in ALIASES])
def test_aliases_match_the_existing_ops_and_torch(name, fn, ref):
    xs = np.random.default_rng(1).uniform(-2, 2, (3, 4)).astype(np.float32)
    got, want = fn(S, ag.tensor(xs)), ref(ag.tensor(xs))
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(_raw(got), _raw(want))
    torch = pytest.importorskip("torch")
    theirs = fn(torch.special, torch.tensor(xs)) if name != "sm_dtype" else None
    if theirs is not None:
        np.testing.assert_allclose(_raw(got), theirs.numpy(), rtol=2e-6, atol=1e-6)


# -- accuracy -----------------------------------------------------------------------------------


def _mp_ref(name, x):
    mp = pytest.importorskip("mpmath")
    x = mp.mpf(float(x))
    if name in ("erfcx", "erfcx_grad"):
        if x > 1e4:  # asymptotic series: mpmath's erfc overflows past ~1e9
            t, s = mp.mpf(1), mp.mpf(0)
            for n in range(1, 12):
                s, t = s + t, t * -(2 * n - 1) / (2 * x * x)
            v = s / (x * mp.sqrt(mp.pi))
        else:
            v = mp.exp(x * x) * mp.erfc(x)
        return v if name == "erfcx" else 2 * x * v - 2 / mp.sqrt(mp.pi)
    if name == "ndtr":
        return mp.ncdf(x)
    if name == "log_ndtr":
        return mp.log(mp.ncdf(x)) if x < 0 else mp.log1p(-mp.ncdf(-x))
    if name == "ndtri":
        with mp.workdps(int(-mp.log10(min(x, 1 - x))) + 40):
            return (
                mp.sqrt(2) * mp.erfinv(2 * x - 1) if x > 0.5 else -mp.sqrt(2) * mp.erfinv(1 - 2 * x)
            )
    if name in ("i0", "i1"):
        return mp.besseli(int(name[1]), x)
    return mp.exp(-abs(x)) * mp.besseli(int(name[1]), x)  # i0e, i1e


def _logu(rng, lo, hi, n, sign=1.0):
    return sign * 10.0 ** rng.uniform(lo, hi, n)


def _ranges(name, rng):
    r = {
        "erfcx": [rng.uniform(-26, 26, 40), _logu(rng, -8, 5, 20), _logu(rng, 5, 300, 10),
                  _logu(rng, -6, 1.4, 15, -1.0)],
        "erfcx_grad": [rng.uniform(-20, 20, 30), _logu(rng, 0.7, 8, 20)],
        "ndtr": [rng.uniform(-37, 37, 40), _logu(rng, -8, 1.5, 15, -1.0)],
        "log_ndtr": [rng.uniform(-40, 40, 40), _logu(rng, 1.5, 150, 20, -1.0),
                     _logu(rng, -8, 1.6, 15)],
        "ndtri": [rng.uniform(0, 1, 40), _logu(rng, -307, -1, 15), 1 - _logu(rng, -16, -1, 15),
                  np.array([5e-324, 1e-310, 1e-300, 1 - 2.0**-53])],
        "i0": [rng.uniform(-30, 30, 40), _logu(rng, -6, 2.85, 20, -1.0)],
        "i1": [rng.uniform(-30, 30, 40), _logu(rng, -300, 2.85, 20)],
        "i0e": [rng.uniform(-30, 30, 40), _logu(rng, -6, 6, 20)],
        "i1e": [rng.uniform(-30, 30, 40), _logu(rng, -6, 6, 20, -1.0)],
    }  # fmt: skip
    return np.concatenate(r[name])


# float64 max relative error vs mpmath over the ranges above (measured: erfcx 5.2e-16,
# erfcx' 1.2e-14 (cancellation in 2 x y - 2/sqrt(pi) near x = 4), ndtr 4.6e-16, log_ndtr
# 5.7e-16, ndtri 6e-16, i0 7.5e-16, i0e 6.2e-16, i1 1.2e-15, i1e 1.2e-15)
BOUND = {"erfcx_grad": 3e-14, "i1": 3e-15, "i1e": 3e-15}


@pytest.mark.parametrize("name", NEW[1:] + ["erfcx_grad"])
def test_float64_accuracy_vs_mpmath_over_wide_ranges_and_tails(name):
    mp = pytest.importorskip("mpmath")
    xs = _ranges(name, np.random.default_rng(7))
    if name == "erfcx_grad":
        got = X.ErfcxGrad.apply(xs)
    else:
        got = _f64(name, xs)
    with mp.workdps(40):
        want = [_mp_ref(name, x) for x in xs]
        errs = [
            float(abs((mp.mpf(float(g)) - w) / w))
            for g, w in zip(got, want)
            if w != 0 and 1e-307 < abs(w) < 1e308  # normal float64 results
        ]
    assert len(errs) > 0.8 * len(xs)
    assert max(errs) < BOUND.get(name, 1.5e-15), (name, max(errs))


def test_the_named_tail_points_vs_mpmath():
    mp = pytest.importorskip("mpmath")
    points = [("log_ndtr", -1e3), ("log_ndtr", -1e150), ("ndtri", 1e-300), ("ndtri", 5e-324),
              ("ndtri", 1 - 1e-16), ("i0e", 1e3), ("i1e", -1e3), ("erfcx", 1e5), ("erfcx", -26.0),
              ("ndtr", -37.5), ("i0", 713.0), ("i1", 700.0)]  # fmt: skip
    with mp.workdps(40):
        for name, x in points:
            got, want = _f64(name, [x])[0], _mp_ref(name, x)
            assert np.isfinite(got) and abs((got - want) / want) < 2e-15, (name, x, got)


def test_tails_against_closed_forms():
    """Asymptotic expansions, no mpmath needed."""
    x = np.array([-1e3, -1e5, -1e100])  # log Phi(x) = -x^2/2 - log(-x sqrt(2 pi)) + log(1 - 1/x^2)
    r = 1 / x**2
    want = -(x**2) / 2 - np.log(-x * math.sqrt(2 * math.pi)) + np.log1p(-r + 3 * r * r)
    np.testing.assert_allclose(_f64("log_ndtr", x), want, rtol=1e-15)
    y = np.array([1e5, 1e10, 1e150])  # erfcx(y) = (1 - 1/(2y^2) + 3/(4y^4)) / (y sqrt(pi))
    r = 1 / y**2
    want = (1 - r / 2 + 0.75 * r * r) / (y * math.sqrt(math.pi))
    np.testing.assert_allclose(_f64("erfcx", y), want, rtol=1e-15)
    z = np.array([1e3, 1e6])  # i0e(z) = sum_k ((2k - 1)!!)^2 / (k! (8 z)^k) / sqrt(2 pi z)
    series = 1 + 1 / (8 * z) + 9 / (128 * z**2) + 225 / (3072 * z**3) + 11025 / (98304 * z**4)
    want = series / np.sqrt(2 * np.pi * z)
    np.testing.assert_allclose(_f64("i0e", z), want, rtol=1e-14)
    # ndtri inverts ndtr to rounding, deep in both tails
    t = np.array([-37.0, -30.0, -8.0, -1.0, 0.3, 2.0])  # Phi(-37) ~ 6e-300: still normal
    np.testing.assert_allclose(_f64("ndtri", _f64("ndtr", t)), t, rtol=1e-14)
    # the defining identities: erfcx(x) = exp(x^2) erfc(x); i1e = e^-|x| i1
    u = np.linspace(-5, 5, 41)
    erfc = np.vectorize(math.erfc)(u)
    np.testing.assert_allclose(_f64("erfcx", u), np.exp(u * u) * erfc, rtol=1e-13)
    np.testing.assert_allclose(_f64("i1e", u), np.exp(-abs(u)) * _f64("i1", u), rtol=1e-15)
    np.testing.assert_allclose(_f64("i0", u), np.i0(u), rtol=2e-15)


@pytest.mark.parametrize("name", NEW[1:])
def test_float32_is_the_float64_result_rounded(name):
    rng = np.random.default_rng(3)
    with np.errstate(all="ignore"):
        xs = _ranges(name, rng).astype(np.float32)  # past float32's range: inf
        got = _raw(getattr(S, name)(ag.tensor(xs)))
        want = _f64(name, xs.astype(np.float64)).astype(np.float32)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want)
    ok = np.isfinite(want) & (abs(want) > 1e-37)
    ref = _f64(name, xs.astype(np.float64))[ok]
    np.testing.assert_allclose(got[ok], ref, rtol=6e-8)  # one float32 rounding


@pytest.mark.parametrize("name", NEW + ["xlog1py"])
def test_against_scipy_on_a_wide_grid(name):
    sp = pytest.importorskip("scipy.special")
    xs = np.concatenate([np.linspace(-30, 30, 301), np.geomspace(1e-12, 1e3, 60)])
    if name == "ndtri":
        xs = np.concatenate([np.linspace(0, 1, 201), np.geomspace(1e-300, 0.5, 60)])
    if name == "xlog1py":
        a, b = np.meshgrid([0.0, -2.0, 0.5, 3.0], np.linspace(-1.5, 5, 27))
        with np.errstate(all="ignore"):
            got, want = _raw(S.xlog1py(ag.tensor(a), ag.tensor(b))), sp.xlog1py(a, b)
        np.testing.assert_allclose(got, want, rtol=1e-15, equal_nan=True)
        return
    with np.errstate(all="ignore"):
        got, want = _f64(name, xs), getattr(sp, name)(xs)
    # scipy rounds x^2 (erfcx for x < 0) and x / sqrt 2 (ndtr, log_ndtr): relative ~x^2 eps,
    # 1e-13 at |x| = 30 (the mpmath test above holds these to 1e-15)
    rtol = 3e-13 if name in ("erfcx", "ndtr", "log_ndtr") else 4e-15
    np.testing.assert_allclose(got, want, rtol=rtol, atol=0, equal_nan=True)


def test_multigammaln_against_its_definition_and_scipy():
    a = np.array([[1.5, 2.25, 7.0], [30.0, 1e3, 4.5]])
    for p in (1, 2, 3, 5):
        a_ok = a + (p - 1) / 2
        want = sum(np.vectorize(math.lgamma)(a_ok - j / 2) for j in range(p))
        want = want + p * (p - 1) / 4 * math.log(math.pi)
        got = _raw(S.multigammaln(ag.tensor(a_ok), p))
        np.testing.assert_allclose(got, want, rtol=1e-14)
    sp = pytest.importorskip("scipy.special")
    np.testing.assert_allclose(_raw(S.multigammaln(ag.tensor(a + 2), 4)),
                               sp.multigammaln(a + 2, 4), rtol=1e-14)  # fmt: skip


def test_no_scipy_needed(monkeypatch):
    xs = np.array([-3.0, -0.2, 0.0, 0.4, 5.0, 30.0])
    before = {n: _f64(n, xs if n != "ndtri" else abs(xs) / 31) for n in NEW}
    for mod in ("scipy", "scipy.special"):
        monkeypatch.setitem(sys.modules, mod, None)  # import scipy.special raises ImportError
    X._FOUND.clear()
    for n in NEW:
        np.testing.assert_array_equal(_f64(n, xs if n != "ndtri" else abs(xs) / 31), before[n])


# -- gradients ----------------------------------------------------------------------------------

GRAD_POINTS = {
    "entr": [0.05, 0.4, 1.0, 2.7],
    "erfcx": [-3.0, -0.3, 0.2, 1.5, 3.9, 4.3, 12.0],  # every interval of Cody's approximation
    "ndtr": [-9.0, -2.0, -0.4, 0.3, 1.7, 6.0],
    "log_ndtr": [-30.0, -5.0, -0.5, 0.2, 2.0, 7.0],
    "ndtri": [1e-3, 0.04, 0.3, 0.5, 0.8, 0.99],  # AS241's three regions
    "i0": [-10.0, -3.0, 0.1, 2.0, 7.9, 8.5],  # both Chebyshev ranges (|x| <= 8, > 8)
    "i0e": [-12.0, -3.0, 0.1, 2.0, 7.9, 9.0, 20.0],
    "i1": [-10.0, -3.0, 0.1, 2.0, 7.9, 8.5],
    "i1e": [-12.0, -3.0, 0.1, 2.0, 7.9, 9.0, 20.0],
}


@pytest.mark.parametrize("name", NEW)
def test_gradcheck_and_gradgradcheck_float64(name):
    pts = np.array(GRAD_POINTS[name])
    x = ag.tensor(pts, requires_grad=True)
    fn = getattr(S, name)
    eps = 1e-7 if name == "ndtri" else 1e-6  # ndtri's steep tail: a smaller step
    assert ag.gradcheck(fn, (x,), eps=eps)
    assert ag.gradgradcheck(fn, (x,), eps=eps)
    y = ag.tensor(np.random.default_rng(2).uniform(0.1, 0.9, (2, 3)), requires_grad=True)
    assert ag.gradgradcheck(fn, (y,))  # a 2-d input, random cotangents


def test_gradcheck_xlog1py_and_multigammaln():
    rng = np.random.default_rng(4)
    x = ag.tensor(rng.uniform(-2, 2, (3, 1)), requires_grad=True)
    y = ag.tensor(rng.uniform(-0.9, 3, (4,)), requires_grad=True)
    assert ag.gradcheck(S.xlog1py, (x, y)) and ag.gradgradcheck(S.xlog1py, (x, y))
    assert ag.gradcheck(lambda t: S.xlog1py(t, 2.5), (x,))
    assert ag.gradgradcheck(lambda t: S.xlog1py(1.5, t), (y,))
    a = ag.tensor(rng.uniform(2, 6, (2, 3)), requires_grad=True)
    for p in (1, 3):
        assert ag.gradcheck(lambda t, p=p: S.multigammaln(t, p), (a,))
        assert ag.gradgradcheck(lambda t, p=p: S.multigammaln(t, p), (a,))


def test_gradients_accurate_in_the_tails():
    """log_ndtr' = phi/Phi and erfcx' without cancellation, vs closed forms."""
    x = ag.tensor(np.array([-1e3, -1e6, -1e100]), requires_grad=True)
    (g,) = ag.grad(S.log_ndtr(x).sum(), [x])
    r = 1 / x.detach().numpy() ** 2  # phi/Phi(x) = -x / (1 - 1/x^2 + 3/x^4 - 15/x^6)
    want = -x.detach().numpy() / (1 - r + 3 * r * r - 15 * r**3)
    np.testing.assert_allclose(g.numpy(), want, rtol=1e-15)
    y = ag.tensor(np.array([1e3, 1e5, 1e8]), requires_grad=True)
    (g,) = ag.grad(S.erfcx(y).sum(), [y])
    yv = y.detach().numpy()  # erfcx'(y) = -(1/y^2 - 3/(2 y^4) + 15/(4 y^6)) / sqrt(pi)
    want = -(1 / yv**2 - 1.5 / yv**4 + 3.75 / yv**6) / math.sqrt(math.pi)
    np.testing.assert_allclose(g.numpy(), want, rtol=1e-14)


# -- against torch ------------------------------------------------------------------------------


def _vs_torch(fn, tfn, arrays, dtype, rtol, atol, second=True, seed=0):
    torch = pytest.importorskip("torch")
    arrays = [np.asarray(a, dtype) for a in arrays]
    ours = [ag.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    with np.errstate(all="ignore"):
        y, ty = fn(*ours), tfn(*theirs)
        assert y.dtype == np.dtype(dtype) and str(ty.dtype) == f"torch.{dtype}"
        np.testing.assert_allclose(_raw(y), ty.detach().numpy(), rtol=rtol, atol=atol)
        rng = np.random.default_rng(seed)
        w = rng.standard_normal(y.shape).astype(dtype)
        gs = ag.grad(y, ours, ag.tensor(w), create_graph=second)
        tgs = torch.autograd.grad(ty, theirs, torch.tensor(w), create_graph=second)
        for a, b, t in zip(gs, tgs, ours):
            assert a.dtype == t.dtype and a.shape == t.shape
            np.testing.assert_allclose(_raw(a), b.detach().numpy(), rtol=rtol, atol=atol)
        if not second:
            return
        vs = [rng.standard_normal(t.shape).astype(dtype) for t in ours]
        s = sum((a * ag.tensor(v)).sum() for a, v in zip(gs, vs))
        ts = sum((b * torch.tensor(v)).sum() for b, v in zip(tgs, vs))
        hs = ag.grad(s, ours, allow_unused=True)
        ths = torch.autograd.grad(ts, theirs, allow_unused=True)
        for a, b in zip(hs, ths):
            a = np.zeros(()) if a is None else _raw(a)
            b = np.zeros(()) if b is None else b.detach().numpy()
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", NEW)
def test_values_and_two_orders_of_gradients_match_torch(name, dtype):
    torch = pytest.importorskip("torch")
    lo, hi = NEW_DOMAIN.get(name, (-3.0, 3.0))
    xs = np.random.default_rng(5).uniform(lo, hi, (3, 5))
    f32 = dtype == "float32"
    rtol, atol = (2e-5, 1e-6) if f32 else (1e-11, 1e-300)
    _vs_torch(getattr(S, name), getattr(torch.special, name), [xs], dtype, rtol, atol)


EDGES = {
    "entr": [0.0, -1.0, NAN, INF, -INF, 1e-300, 2.0, -0.0],
    "erfcx": [0.0, -1.0, NAN, -INF, 1e-17, -3.0, 30.0, -40.0, 5.0],
    "ndtr": [0.0, -1.0, NAN, INF, -INF, 1e-300, -5.0, 30.0, -40.0],
    "log_ndtr": [0.0, -1.0, NAN, INF, 1e-17, -30.0, 30.0, -40.0],
    "ndtri": [0.0, 1.0, -0.1, 1.1, NAN, 0.5, 1e-300, 0.3],
    "i0": [0.0, -1.0, NAN, INF, -INF, 1e-300, 2.0, -30.0, 800.0],
    "i0e": [0.0, -1.0, NAN, INF, -INF, 1e-300, 2.0, -30.0, 800.0],
    "i1": [0.0, -1.0, NAN, INF, -INF, 1e-300, 1e-17, 2.0, -30.0, 800.0],
    "i1e": [0.0, -1.0, NAN, INF, -INF, 1e-300, 1e-17, 2.0, -30.0, 800.0],
}


@pytest.mark.parametrize("name", NEW)
def test_edge_values_and_gradients_match_torch(name):
    """0, +-inf, NaN, subnormal-adjacent and overflow points: values, first and second order
    (NaN where torch gives NaN). erfcx's and log_ndtr's gradients are exact where torch's
    cancel, so their tolerance is looser at the far points."""
    torch = pytest.importorskip("torch")
    xs = np.array(EDGES[name])
    tfn = getattr(torch.special, name)
    y = ag.tensor(xs, requires_grad=True)
    ty = torch.tensor(xs, requires_grad=True)
    with np.errstate(all="ignore"):
        out, tout = getattr(S, name)(y), tfn(ty)
        (g,) = ag.grad(out.sum(), [y], create_graph=True)
        (tg,) = torch.autograd.grad(tout.sum(), ty, create_graph=True)
        (h,) = ag.grad(g.sum(), [y])
        (th,) = torch.autograd.grad(tg.sum(), ty)
    for a, b in [(out, tout), (g, tg), (h, th)]:
        np.testing.assert_allclose(_raw(a), b.detach().numpy(), rtol=1e-9, atol=1e-300)


def test_ndtr_lower_tail_is_accurate_where_torchs_is_not():
    """torch 2.13 computes ndtr as (1 + erf(x / sqrt 2)) / 2: 1e-2 off at x = -8, 0 from
    x = -8.3 on. Ours is erfc-accurate down to the subnormals (mpmath test above)."""
    x = np.array([-8.0, -9.0, -20.0, -37.0])
    want = 0.5 * np.vectorize(math.erfc)(-x / math.sqrt(2))  # erfc: no cancellation
    np.testing.assert_allclose(_f64("ndtr", x), want, rtol=1e-13)


def test_xlog1py_and_multigammaln_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    for dtype, rtol in (("float32", 2e-5), ("float64", 1e-12)):
        x, y = rng.uniform(-2, 2, (3, 1)), rng.uniform(-0.9, 3, (4,))
        x[0, 0] = 0.0
        _vs_torch(S.xlog1py, torch.special.xlog1py, [x, y], dtype, rtol, 1e-6)
        a = rng.uniform(2, 6, (2, 3))
        for p in (1, 2, 4):
            _vs_torch(lambda t, p=p: S.multigammaln(t, p),
                      lambda t, p=p: torch.special.multigammaln(t, p),
                      [a], dtype, rtol, 1e-5)  # fmt: skip
    # x = 0: the value is 0, d/dx = 0 where y <= -1 (torch's masks), NaN y stays NaN
    xs, ys = np.array([0.0, 0.0, 0.0, 1.0, 0.0]), np.array([-1.0, -2.0, 3.0, -1.0, NAN])
    _vs_torch(S.xlog1py, torch.special.xlog1py, [xs, ys], "float64", 1e-12, 0, second=False)
    t = torch.tensor([0.0, 2.0, -1.0])
    np.testing.assert_allclose(_raw(S.xlog1py(ag.tensor(t.numpy()), 1.5)),
                               torch.special.xlog1py(t, 1.5).numpy(), rtol=1e-6)  # fmt: skip
    np.testing.assert_allclose(_raw(S.xlog1py(2.0, ag.tensor(t.numpy()))),
                               torch.special.xlog1py(2.0, t).numpy(), rtol=1e-6)  # fmt: skip


# -- dtypes, shapes, errors ---------------------------------------------------------------------


@pytest.mark.parametrize("name", NEW)
def test_dtype_0d_and_empty(name):
    for dtype in (np.float32, np.float64):
        for shape in [(), (0,), (2, 0, 3), (2, 3)]:
            x = ag.tensor(np.full(shape, 0.25, dtype), requires_grad=True)
            y = getattr(S, name)(x)
            assert y.dtype == dtype and y.shape == shape
            (g,) = ag.grad(y.sum(), [x])
            assert g.dtype == dtype and g.shape == shape
    assert _raw(S.xlog1py(ag.tensor(np.float32(2.0)), 1.0)).dtype == np.float32
    m = S.multigammaln(ag.tensor(np.zeros((0, 2), np.float32)), 3)
    assert m.dtype == np.float32 and m.shape == (0, 2)
    assert S.multigammaln(ag.tensor(np.float32(3.0)), 2).shape == ()


def test_errors_name_the_function():
    ints = ag.tensor(np.array([1, 2]))
    for name in NEW:
        with pytest.raises(TypeError, match=f"{name}: expected a floating point tensor"):
            getattr(S, name)(ints)
        with pytest.raises(TypeError, match=f"{name}: not supported for complex"):
            getattr(S, name)(np.array([1 + 1j]))  # a raw array (tensors are real)
    with pytest.raises(TypeError, match="xlog1py: expected a floating point"):
        S.xlog1py(ints, ints)
    with pytest.raises(ag.ShapeError, match=r"xlog1py: shapes \(2,\) and \(3,\)"):
        S.xlog1py(ag.tensor([1.0, 2.0]), ag.tensor([1.0, 2.0, 3.0]))
    a = ag.tensor([1.5, 2.0, 7.0])
    with pytest.raises(ValueError, match=r"multigammaln: all elements must be greater than "
                       r"\(p - 1\) / 2 = 1.5 for p = 4, got 1.5"):  # fmt: skip
        S.multigammaln(a, 4)
    S.multigammaln(a, 3)  # 1.5 > 1: fine
    assert math.isnan(S.multigammaln(ag.tensor([NAN, 3.0]), 1).numpy()[0])  # NaN in, NaN out
    with pytest.raises(ValueError, match="multigammaln: p has to be greater than or equal to 1"):
        S.multigammaln(a, 0)
    with pytest.raises(TypeError, match="multigammaln: p must be an int, got float"):
        S.multigammaln(a, 2.0)
    with pytest.raises(TypeError, match="multigammaln: expected a floating point"):
        S.multigammaln(ints, 1)
    assert ag.ops.special_extra.mvlgamma(a, 2).shape == (3,)


# -- cuda (a GPU, or the fake CuPy in CI) --------------------------------------------------------


@pytest.mark.gpu
def test_cuda_values_and_two_orders_of_gradients_match_the_cpu():
    rng = np.random.default_rng(0)
    xs = rng.uniform(-12, 12, (3, 4))
    ps = rng.uniform(0.001, 0.999, (3, 4))

    def run(device):
        out = []
        for name in NEW:
            v = ps if name in ("ndtri", "entr") else xs
            x = ag.tensor(v, device=device, requires_grad=True)
            with np.errstate(all="ignore"):
                y = getattr(S, name)(x)
                (g,) = ag.grad(y.sum(), [x], create_graph=True)
                (h,) = ag.grad((g * g).sum(), [x])
            assert y.device.startswith(device) and g.device.startswith(device)
            out += [y, g, h]
        a = ag.tensor(ps + 2, device=device, requires_grad=True)
        b = ag.tensor(xs[0], device=device, requires_grad=True)
        z = S.multigammaln(a, 3).sum() + S.xlog1py(a, b.abs()).sum()
        out += list(ag.grad(z, [a, b]))
        return [t.detach().cpu().numpy() for t in out]

    for a, b in zip(run("cuda"), run("cpu")):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-300)


def test_review_log_ndtr_second_derivative_is_finite_for_large_x():
    # d/dx (phi / Phi) = -g (x + g) for x >= 0: erfcx(-x / sqrt 2) overflows there (was NaN)
    for dt, v in (("float32", 14.0), ("float64", 40.0), ("float64", 2.0)):
        t = ag.tensor([v], dtype=dt, requires_grad=True)
        (g,) = ag.grad(S.log_ndtr(t).sum(), t, create_graph=True)
        (h,) = ag.grad(g.sum(), t)
        assert np.isfinite(h.numpy()).all()
    t = ag.tensor([2.0], dtype="float64", requires_grad=True)
    (g,) = ag.grad(S.log_ndtr(t).sum(), t, create_graph=True)
    (h,) = ag.grad(g.sum(), t)
    phi = math.exp(-2.0) / math.sqrt(2 * math.pi)
    big_phi = 0.5 * math.erfc(-2.0 / math.sqrt(2))
    r = phi / big_phi
    assert h.item() == pytest.approx(-r * (2.0 + r), rel=1e-13)


def test_review_multigammaln_nan_and_xlog1py_bool():
    out = S.multigammaln(ag.tensor([float("nan"), 3.0], dtype="float64"), 2)
    assert math.isnan(out.numpy()[0]) and out.numpy()[1] == pytest.approx(1.5502, abs=1e-4)
    assert S.xlog1py(ag.tensor([1.0], dtype="float64"), True).item() == pytest.approx(
        math.log(2.0), rel=1e-15
    )
