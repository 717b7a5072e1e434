"""``autograd.distributions`` (torch.distributions' API on tapegrad's ops).

Without torch: log_prob against closed forms written with NumPy / math; sample means and
variances over many draws (tolerances from the sample size); reproducibility under
``manual_seed``; reparameterised gradients (d/dloc mean(rsample) = 1, gradcheck of functions of
rsample at a fixed seed, and for Gamma / Beta / Dirichlet the expected gradient of E[x] and
E[x^2] against the closed form, plus the implicit-gradient identity P(a + h, x + h dx/da) =
P(a, x)); gradcheck and gradgradcheck in float64 for log_prob, cdf, icdf, entropy, moments and
kl_divergence w.r.t. the parameters; shapes (batch, event, sample, expand, Independent), float32
preservation; the errors (invalid parameters / values naming the distribution and the
parameter, shapes, types, unregistered KL pairs).

With torch: every value and first and second order gradient w.r.t. the parameters in float64
against torch.distributions, and every registered KL pair. The cuda path runs under the ``gpu``
marker (a GPU, or the fake CuPy in CI).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd as ag
import autograd.distributions as D
from autograd.distributions import constraints, kl_divergence, register_kl
from autograd.distributions._igamma import igamma_and_grad
from autograd.errors import ShapeError

RNG = np.random.default_rng(1234)


def _pos(*s):
    return RNG.uniform(0.5, 2.0, s)


def _real(*s):
    return RNG.normal(size=s)


def _unit(*s):
    return RNG.uniform(0.1, 0.9, s)


def _spd(n, batch=()):
    a = RNG.normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _tril(n):
    m = np.tril(RNG.normal(size=(n, n)) * 0.3)
    np.fill_diagonal(m, RNG.uniform(0.5, 1.5, n))
    return m


_LOW, _HIGH = np.array([-2.5, -1.2, -3.0]), np.array([1.0, 2.0, 1.3])


def t64(a, grad=False):
    return ag.tensor(np.asarray(a, np.float64), requires_grad=grad)


# -- the cases: (class name, parameters, a value in the support, icdf probabilities) -----------
# the same constructors (by name and keyword) are run on autograd and on torch

CASES = [
    ("Normal", dict(loc=_real(3), scale=_pos(2, 1)), _real(2, 3), _unit(2, 3)),
    ("LogNormal", dict(loc=_real(3), scale=_pos(3)), _pos(2, 3), _unit(3)),
    ("Uniform", dict(low=_LOW, high=_HIGH), _real(3) * 0.3, _unit(3)),
    ("Laplace", dict(loc=_real(3), scale=_pos(3)), _real(2, 3), _unit(3)),
    ("Exponential", dict(rate=_pos(2, 3)), _pos(2, 3), _unit(2, 3)),
    ("Gamma", dict(concentration=_pos(3) * 2, rate=_pos(2, 1)), _pos(2, 3), None),
    ("Beta", dict(concentration1=_pos(3), concentration0=_pos(3)), _unit(3), None),
    ("Dirichlet", dict(concentration=_pos(2, 3)), RNG.dirichlet([1, 1, 1], 2), None),
    ("Bernoulli", dict(probs=_unit(3)), np.array([0.0, 1.0, 1.0]), None),
    ("Bernoulli", dict(logits=_real(3)), np.array([0.0, 1.0, 1.0]), None),
    ("Binomial", dict(total_count=5, probs=_unit(3)), np.array([0.0, 3.0, 5.0]), None),
    ("Binomial", dict(total_count=5, logits=_real(3)), np.array([0.0, 3.0, 5.0]), None),
    ("Categorical", dict(probs=_pos(2, 4)), np.array([[1, 3], [0, 2], [3, 3]]), None),
    ("Categorical", dict(logits=_real(2, 4)), np.array([[1, 3], [0, 2], [3, 3]]), None),
    ("OneHotCategorical", dict(probs=_pos(2, 4)), np.eye(4)[[1, 3]], None),
    ("OneHotCategorical", dict(logits=_real(2, 4)), np.eye(4)[[[0, 2]]], None),
    ("Poisson", dict(rate=_pos(3) * 3), np.array([0.0, 2.0, 5.0]), None),
    ("MultivariateNormal", dict(loc=_real(2, 3), covariance_matrix=_spd(3)), _real(4, 2, 3), None),
    ("MultivariateNormal", dict(loc=_real(3), precision_matrix=_spd(3)), _real(4, 2, 3), None),
    (
        "MultivariateNormal",
        dict(loc=_real(3), scale_tril=np.stack([_tril(3), _tril(3)])),
        _real(4, 2, 3),
        None,
    ),
]
IDS = [f"{n}-{'-'.join(p)}" for n, p, _, _ in CASES]
METHODS = ["log_prob", "cdf", "icdf", "entropy", "mean", "variance", "stddev", "mode"]


def _build(lib, mod, name, params, grad=True):
    """The distribution ``name`` of module ``mod`` (autograd or torch distributions) with float64
    parameter tensors of ``lib`` that require grad; returns it and the tensors."""
    kw, ts = {}, []
    for k, v in params.items():
        if isinstance(v, int):
            kw[k] = v
            continue
        t = lib.tensor(np.asarray(v, np.float64), requires_grad=grad)
        kw[k] = t
        ts.append(t)
    return getattr(mod, name)(**kw), ts


def _value(lib, v):
    v = np.asarray(v)
    return lib.tensor(v) if v.dtype.kind in "iu" else lib.tensor(v.astype(np.float64))


def _apply(d, method, value, probs, lib):
    if method in ("log_prob", "cdf"):
        return getattr(d, method)(_value(lib, value))
    if method == "icdf":
        return d.icdf(_value(lib, probs))
    if method == "entropy":
        return d.entropy()
    return getattr(d, method)


# -- closed forms without torch -----------------------------------------------------------------

_lgamma = np.vectorize(math.lgamma)


def _ref_log_prob(name, p, x):
    """The log density / mass from textbook formulas (NumPy, float64)."""
    if name == "Normal":
        return -((x - p["loc"]) ** 2) / (2 * p["scale"] ** 2) - np.log(
            p["scale"] * math.sqrt(2 * math.pi)
        )
    if name == "LogNormal":
        y = np.log(x)
        return _ref_log_prob("Normal", p, y) - y
    if name == "Uniform":
        return -np.log(p["high"] - p["low"]) + 0 * x
    if name == "Laplace":
        return -np.log(2 * p["scale"]) - np.abs(x - p["loc"]) / p["scale"]
    if name == "Exponential":
        return np.log(p["rate"]) - p["rate"] * x
    if name == "Gamma":
        a, r = p["concentration"], p["rate"]
        return a * np.log(r) + (a - 1) * np.log(x) - r * x - _lgamma(a)
    if name == "Beta":
        a, b = p["concentration1"], p["concentration0"]
        lbeta = _lgamma(a) + _lgamma(b) - _lgamma(a + b)
        return (a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - lbeta
    if name == "Dirichlet":
        a = p["concentration"]
        lb = _lgamma(a).sum(-1) - _lgamma(a.sum(-1))
        return ((a - 1) * np.log(x)).sum(-1) - lb
    if name == "Bernoulli":
        q = p["probs"] if "probs" in p else 1 / (1 + np.exp(-p["logits"]))
        return np.log(np.where(x == 1, q, 1 - q))
    if name == "Binomial":
        q = p["probs"] if "probs" in p else 1 / (1 + np.exp(-p["logits"]))
        n = p["total_count"]
        comb = _lgamma(n + 1) - _lgamma(x + 1) - _lgamma(n - x + 1)
        return comb + x * np.log(q) + (n - x) * np.log1p(-q)
    if name in ("Categorical", "OneHotCategorical"):
        if "probs" in p:
            logp = np.log(p["probs"] / p["probs"].sum(-1, keepdims=True))
        else:
            lg = p["logits"]
            logp = lg - np.log(np.exp(lg).sum(-1, keepdims=True))
        idx = x.argmax(-1) if name == "OneHotCategorical" else x
        b = np.broadcast_shapes(idx.shape, logp.shape[:-1])
        logp = np.broadcast_to(logp, b + logp.shape[-1:])
        return np.take_along_axis(logp, np.broadcast_to(idx, b)[..., None], -1)[..., 0]
    if name == "Poisson":
        lam = p["rate"]
        return x * np.log(lam) - lam - _lgamma(x + 1)
    if name == "MultivariateNormal":
        loc = p["loc"]
        if "covariance_matrix" in p:
            cov = p["covariance_matrix"]
        elif "precision_matrix" in p:
            cov = np.linalg.inv(p["precision_matrix"])
        else:
            cov = p["scale_tril"] @ np.swapaxes(p["scale_tril"], -1, -2)
        d = x - loc
        n = loc.shape[-1]
        m = np.einsum("...i,...ij,...j->...", d, np.linalg.inv(cov), d)
        return -0.5 * (n * math.log(2 * math.pi) + m + np.linalg.slogdet(cov)[1])
    raise AssertionError(name)


@pytest.mark.parametrize("name,params,value,probs", CASES, ids=IDS)
def test_log_prob_matches_closed_form(name, params, value, probs):
    d, _ = _build(ag, D, name, params, grad=False)
    got = d.log_prob(_value(ag, value)).numpy()
    p = {k: (np.float64(v) if isinstance(v, int) else v) for k, v in params.items()}
    np.testing.assert_allclose(got, _ref_log_prob(name, p, np.asarray(value)), rtol=1e-10)


def test_cdf_icdf_closed_forms():
    x = np.array([-1.0, 0.3, 2.0])
    n = D.Normal(t64(0.5), t64(2.0))
    ref = np.array([0.5 * (1 + math.erf((v - 0.5) / (2 * math.sqrt(2)))) for v in x])
    np.testing.assert_allclose(n.cdf(t64(x)).numpy(), ref, rtol=1e-12)
    np.testing.assert_allclose(n.icdf(n.cdf(t64(x))).numpy(), x, rtol=1e-10)
    e = D.Exponential(t64([0.5, 2.0, 3.0]))
    np.testing.assert_allclose(e.cdf(t64([1.0, 1.0, 0.1])).numpy(), 1 - np.exp([-0.5, -2, -0.3]))
    lap = D.Laplace(t64(0.0), t64(1.0))
    np.testing.assert_allclose(
        lap.cdf(t64(x)).numpy(), np.where(x < 0, 0.5 * np.exp(x), 1 - 0.5 * np.exp(-x))
    )
    np.testing.assert_allclose(lap.icdf(lap.cdf(t64(x))).numpy(), x, rtol=1e-12)
    u = D.Uniform(t64(1.0), t64(3.0))
    np.testing.assert_allclose(u.cdf(t64([1.5, 2.5])).numpy(), [0.25, 0.75])
    np.testing.assert_allclose(u.icdf(t64([0.25, 0.75])).numpy(), [1.5, 2.5])
    # Gamma.cdf: P(1, x) = 1 - e^-x, P(3, x) = 1 - e^-x (1 + x + x^2 / 2)
    xs = np.array([0.0, 0.2, 1.5, 7.0, 40.0])
    g1 = D.Gamma(t64(1.0), t64(1.0)).cdf(t64(xs)).numpy()
    np.testing.assert_allclose(g1, 1 - np.exp(-xs), rtol=1e-13, atol=1e-15)
    g3 = D.Gamma(t64(3.0), t64(2.0)).cdf(t64(xs / 2)).numpy()
    np.testing.assert_allclose(g3, 1 - np.exp(-xs) * (1 + xs + xs**2 / 2), rtol=1e-12, atol=1e-15)


def test_entropy_closed_forms():
    np.testing.assert_allclose(
        D.Normal(t64(0.0), t64([1.0, 3.0])).entropy().numpy(),
        0.5 * np.log(2 * np.pi * np.e * np.array([1, 9])),
    )
    np.testing.assert_allclose(D.Exponential(t64(2.0)).entropy().item(), 1 - math.log(2))
    np.testing.assert_allclose(D.Uniform(t64(1.0), t64(4.0)).entropy().item(), math.log(3))
    np.testing.assert_allclose(D.Laplace(t64(0.0), t64(2.0)).entropy().item(), 1 + math.log(4))
    # Gamma(1, r) is Exponential(r); Beta(1, 1) and Dirichlet(1, 1, 1) are uniform on a simplex
    np.testing.assert_allclose(D.Gamma(t64(1.0), t64(2.0)).entropy().item(), 1 - math.log(2))
    assert abs(D.Beta(t64(1.0), t64(1.0)).entropy().item()) < 1e-14
    np.testing.assert_allclose(D.Dirichlet(t64([1.0, 1.0, 1.0])).entropy().item(), -math.log(2))
    p = np.array([0.2, 0.5, 0.3])
    np.testing.assert_allclose(D.Categorical(t64(p)).entropy().item(), -(p * np.log(p)).sum())
    np.testing.assert_allclose(
        D.Bernoulli(t64(0.3)).entropy().item(), -(0.3 * math.log(0.3) + 0.7 * math.log(0.7))
    )
    cov = _spd(3)
    ent = D.MultivariateNormal(t64(np.zeros(3)), covariance_matrix=t64(cov)).entropy().item()
    np.testing.assert_allclose(ent, 0.5 * np.linalg.slogdet(2 * np.pi * np.e * cov)[1])


# -- sampling -----------------------------------------------------------------------------------

N = 20000

MOMENTS = [  # (distribution, mean, variance, kurtosis (E(x-mu)^4 / var^2), for the tolerances)
    (lambda: D.Normal(t64([0.5, -1.0]), t64([1.0, 2.0])), [0.5, -1.0], [1.0, 4.0], 3),
    (
        lambda: D.LogNormal(t64(0.1), t64(0.3)),
        math.exp(0.1 + 0.045),
        math.expm1(0.09) * math.exp(0.29),
        4,
    ),
    (lambda: D.Uniform(t64(-1.0), t64(3.0)), 1.0, 16 / 12, 1.8),
    (lambda: D.Laplace(t64(1.0), t64(0.5)), 1.0, 0.5, 6),
    (lambda: D.Exponential(t64([0.5, 2.0])), [2.0, 0.5], [4.0, 0.25], 9),
    (lambda: D.Gamma(t64([0.3, 4.0]), t64([1.0, 2.0])), [0.3, 2.0], [0.3, 1.0], 23),
    (lambda: D.Beta(t64(2.0), t64(3.0)), 0.4, 0.04, 3),
    (
        lambda: D.Dirichlet(t64([1.0, 2.0, 3.0])),
        [1 / 6, 2 / 6, 3 / 6],
        [5 / 252, 8 / 252, 9 / 252],
        4,
    ),
    (lambda: D.Bernoulli(t64([0.2, 0.7])), [0.2, 0.7], [0.16, 0.21], 5),
    (lambda: D.Binomial(10, t64(0.3)), 3.0, 2.1, 3),
    (lambda: D.Poisson(t64([0.5, 6.0])), [0.5, 6.0], [0.5, 6.0], 5),
    (lambda: D.OneHotCategorical(t64([0.2, 0.3, 0.5])), [0.2, 0.3, 0.5], [0.16, 0.21, 0.25], 4),
]


@pytest.mark.parametrize("i", range(len(MOMENTS)))
def test_sample_moments(i):
    make, mean, var, kurt = MOMENTS[i]
    d = make()
    x = d.sample((N,)).numpy()
    assert x.shape == (N,) + d.batch_shape + d.event_shape
    mean, var = np.broadcast_to(mean, x.shape[1:]), np.broadcast_to(var, x.shape[1:])
    # 5 standard errors: of the mean sqrt(var / N), of the variance var sqrt((kurt - 1) / N)
    assert np.all(np.abs(x.mean(0) - mean) < 5 * np.sqrt(var / N))
    assert np.all(np.abs(x.var(0) - var) < 5 * var * np.sqrt((kurt - 1) / N))
    np.testing.assert_allclose(d.mean.numpy(), mean, rtol=1e-12)
    np.testing.assert_allclose(d.variance.numpy(), var, rtol=1e-12)


def test_categorical_and_mvn_samples():
    p = np.array([[0.1, 0.6, 0.3], [0.5, 0.25, 0.25]])
    c = D.Categorical(t64(p * 3))  # unnormalised probs
    x = c.sample((N,))
    assert x.dtype == np.int64 and x.shape == (N, 2)
    freq = np.stack([(x.numpy() == k).mean(0) for k in range(3)], -1)
    assert np.all(np.abs(freq - p) < 5 * np.sqrt(p * (1 - p) / N))
    cov = np.array([[2.0, 0.6], [0.6, 1.0]])
    m = D.MultivariateNormal(t64([1.0, -1.0]), covariance_matrix=t64(cov))
    y = m.rsample((N,)).numpy()
    assert np.all(np.abs(y.mean(0) - [1, -1]) < 5 * np.sqrt(np.diag(cov) / N))
    np.testing.assert_allclose(np.cov(y.T), cov, atol=6 * 2.0 * math.sqrt(2 / N))


def test_seed_reproduces_samples():
    for make in [lambda: D.Normal(t64([0.0, 1.0]), t64(1.0)), lambda: D.Gamma(t64(2.0), t64(1.0)),
                 lambda: D.Categorical(t64([0.2, 0.8])), lambda: D.Poisson(t64(3.0)),
                 lambda: D.Dirichlet(t64([1.0, 2.0]))]:  # fmt: skip
        ag.manual_seed(7)
        a = make().sample((5,)).numpy()
        ag.manual_seed(7)
        b = make().sample((5,)).numpy()
        c = make().sample((5,)).numpy()
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(b, c)


def test_rsample_gradient_of_location_is_one():
    for cls in (D.Normal, D.Laplace):
        loc = t64([0.3, -1.0], grad=True)
        cls(loc, t64([1.0, 2.0])).rsample((50,)).mean(0).sum().backward()
        np.testing.assert_allclose(loc.grad.numpy(), [1.0, 1.0], rtol=1e-12)
    loc = t64([0.3, -1.0], grad=True)
    D.MultivariateNormal(loc, scale_tril=t64(_tril(2))).rsample((7,)).mean(0).sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [1.0, 1.0], rtol=1e-12)


def _seeded(make, shape=(4,)):
    def fn(*params):
        ag.manual_seed(11)
        return make(*params).rsample(shape)

    return fn


@pytest.mark.parametrize(
    "make,params",
    [
        (D.Normal, (_real(2), _pos(2))),
        (D.LogNormal, (_real(2), _pos(2) * 0.3)),
        (D.Uniform, (_LOW[:2], _HIGH[:2])),
        (D.Laplace, (_real(2), _pos(2))),
        (D.Exponential, (_pos(2),)),
        (lambda loc, L: D.MultivariateNormal(loc, scale_tril=ag.tril(L)), (_real(2), _tril(2))),
        (
            lambda loc, A: D.MultivariateNormal(
                loc, covariance_matrix=A @ A.mT + ag.eye(2, dtype=A.dtype)
            ),
            (_real(2), _real(2, 2)),
        ),
        (lambda r: D.Gamma(t64([0.7, 3.0]), r), (_pos(2),)),  # exact in rate
    ],
    ids=[
        "Normal",
        "LogNormal",
        "Uniform",
        "Laplace",
        "Exponential",
        "MVN-tril",
        "MVN-cov",
        "Gamma-rate",
    ],
)
def test_rsample_gradcheck_at_a_fixed_seed(make, params):
    ins = tuple(t64(p, grad=True) for p in params)
    assert ag.gradcheck(_seeded(make), ins)
    assert ag.gradgradcheck(_seeded(make), ins)


@pytest.mark.parametrize(
    "kind",
    ["gamma", "beta1", "beta0", "dirichlet"],
)
def test_implicit_rsample_gradient_in_expectation(kind):
    # per-sample gradients (one draw per batch element) of x and x^2 average to the derivative
    # of E[x], E[x^2]: checked within 5 standard errors of that average
    n = 20000
    a0, b0 = 1.7, 0.6
    a = t64(np.full(n, a0), grad=True)
    if kind == "gamma":
        x = D.Gamma(a, 2.0).rsample()
        d_mean, d_sq = 1 / 2.0, (2 * a0 + 1) / 4.0
    elif kind in ("beta1", "beta0"):
        x = D.Beta(a, b0).rsample() if kind == "beta1" else D.Beta(b0, a).rsample()
        s = a0 + b0
        if kind == "beta1":  # E x = a / s, E x^2 = a (a + 1) / (s (s + 1))
            d_mean = b0 / s**2
            d_sq = ((2 * a0 + 1) * s * (s + 1) - a0 * (a0 + 1) * (2 * s + 1)) / (s * (s + 1)) ** 2
        else:  # x ~ Beta(b0, a): E x = b0 / s
            d_mean = -b0 / s**2
            d_sq = -b0 * (b0 + 1) * (2 * s + 1) / (s * (s + 1)) ** 2
    else:
        conc = ag.stack([a, t64(np.full(n, b0)), t64(np.full(n, 1.0))], -1)
        x = D.Dirichlet(conc).rsample()[..., 0]
        s = a0 + b0 + 1.0
        d_mean = (b0 + 1.0) / s**2
        d_sq = ((2 * a0 + 1) * s * (s + 1) - a0 * (a0 + 1) * (2 * s + 1)) / (s * (s + 1)) ** 2
    (g1,) = ag.grad(x.sum(), [a], retain_graph=True)
    (g2,) = ag.grad((x * x).sum(), [a])
    for g, want in ((g1.numpy(), d_mean), (g2.numpy(), d_sq)):
        assert abs(g.mean() - want) < 5 * g.std() / math.sqrt(n), (g.mean(), want)


def test_implicit_gradient_keeps_the_cdf_fixed():
    # x(a) = F^-1(u; a) moves so that P(a, x) stays u: P(a + h, x + h dx/da) - P(a, x) = O(h^2)
    a = np.array([0.05, 0.4, 1.0, 3.0, 25.0, 400.0])
    ag.manual_seed(3)
    x = D.Gamma(t64(a), t64(1.0)).sample((3,)).numpy()
    aa = np.broadcast_to(a, x.shape)
    p0, g = igamma_and_grad(aa, x)
    h = 1e-5 * aa
    p1, _ = igamma_and_grad(aa + h, x + h * g)
    assert np.all(np.abs(p1 - p0) < 1e-9)
    dens = np.exp((aa - 1) * np.log(x) - x - _lgamma(aa))
    d_num = (igamma_and_grad(aa + h, x)[0] - igamma_and_grad(aa - h, x)[0]) / (2 * h)
    np.testing.assert_allclose(-d_num / dens, g, rtol=1e-5, atol=1e-9)


def test_second_order_through_a_gamma_sample_raises():
    a = t64([1.5, 2.0], grad=True)
    x = D.Gamma(a, 1.0).rsample()
    (g,) = ag.grad(x.sum(), [a], create_graph=True)
    with pytest.raises(RuntimeError, match="second derivative of a Gamma"):
        g.sum().backward()
    for make in (lambda a: D.Beta(a, 0.5), lambda a: D.Dirichlet(ag.stack([a, a + 1], -1))):
        (g,) = ag.grad(make(a).rsample().sum(), [a], create_graph=True)
        with pytest.raises(RuntimeError, match="second derivative of a Gamma / Beta / Dirichlet"):
            g.sum().backward()
    r = t64([1.5, 2.0], grad=True)  # through the rate it is exact to any order
    assert ag.gradgradcheck(_seeded(lambda r: D.Gamma(t64([0.5, 2.0]), r)), (r,))


# -- gradcheck and gradgradcheck in float64 -----------------------------------------------------

GRAD_CASES = [  # (name, constructor of the parameter tensors, parameters, value, methods)
    ("Normal", D.Normal, (_real(3), _pos(3)), _real(2, 3), ["log_prob", "cdf", "icdf", "entropy"]),
    (
        "LogNormal",
        D.LogNormal,
        (_real(3), _pos(3)),
        _pos(3),
        ["log_prob", "cdf", "icdf", "entropy", "mean", "variance", "mode"],
    ),
    (
        "Uniform",
        D.Uniform,
        (_LOW, _HIGH),
        _real(3) * 0.2,
        ["log_prob", "cdf", "icdf", "entropy", "variance"],
    ),
    ("Laplace", D.Laplace, (_real(3), _pos(3)), _real(3), ["log_prob", "cdf", "icdf", "entropy"]),
    (
        "Exponential",
        D.Exponential,
        (_pos(3),),
        _pos(3),
        ["log_prob", "cdf", "icdf", "entropy", "variance"],
    ),
    ("Gamma", D.Gamma, (_pos(3) * 2, _pos(3)), _pos(3), ["log_prob", "entropy", "variance"]),
    ("Beta", D.Beta, (_pos(3), _pos(3)), _unit(3), ["log_prob", "entropy", "variance"]),
    (
        "Dirichlet",
        D.Dirichlet,
        (_pos(2, 3),),
        RNG.dirichlet([1, 1, 1], 2),
        ["log_prob", "entropy", "variance"],
    ),
    (
        "Bernoulli-p",
        lambda p: D.Bernoulli(probs=p),
        (_unit(3),),
        np.array([0.0, 1.0, 1.0]),
        ["log_prob", "entropy", "variance"],
    ),
    (
        "Bernoulli-l",
        lambda lg: D.Bernoulli(logits=lg),
        (_real(3),),
        np.array([0.0, 1.0, 1.0]),
        ["log_prob", "entropy", "mean"],
    ),
    (
        "Binomial",
        lambda p: D.Binomial(6, probs=p),
        (_unit(3),),
        np.array([0.0, 2.0, 6.0]),
        ["log_prob", "entropy", "variance"],
    ),
    (
        "Categorical-p",
        lambda p: D.Categorical(probs=p),
        (_pos(2, 4),),
        np.array([1, 3]),
        ["log_prob", "entropy"],
    ),
    (
        "Categorical-l",
        lambda lg: D.Categorical(logits=lg),
        (_real(2, 4),),
        np.array([[1], [3]]),
        ["log_prob", "entropy"],
    ),
    (
        "OneHot",
        lambda p: D.OneHotCategorical(probs=p),
        (_pos(2, 4),),
        np.eye(4)[[1, 2]],
        ["log_prob", "entropy", "variance"],
    ),
    ("Poisson", D.Poisson, (_pos(3) * 2,), np.array([0.0, 1.0, 4.0]), ["log_prob"]),
    (
        "MVN-tril",
        lambda loc, L: D.MultivariateNormal(loc, scale_tril=ag.tril(L)),
        (_real(3), _tril(3)),
        _real(2, 3),
        ["log_prob", "entropy", "variance"],
    ),
    (
        "MVN-cov",
        lambda loc, A: D.MultivariateNormal(
            loc, covariance_matrix=A @ A.mT + ag.eye(3, dtype=A.dtype)
        ),
        (_real(3), _real(3, 3)),
        _real(2, 3),
        ["log_prob", "entropy"],
    ),
    (
        "MVN-prec",
        lambda loc, A: D.MultivariateNormal(
            loc, precision_matrix=A @ A.mT + ag.eye(2, dtype=A.dtype)
        ),
        (_real(2), _real(2, 2)),
        _real(3, 2),
        ["log_prob", "entropy", "variance"],
    ),
    (
        "Independent",
        lambda loc, s: D.Independent(D.Normal(loc, s), 1),
        (_real(2, 3), _pos(2, 3)),
        _real(2, 3),
        ["log_prob", "entropy"],
    ),
]


@pytest.mark.parametrize(
    "name,make,params,value,methods", GRAD_CASES, ids=[c[0] for c in GRAD_CASES]
)
def test_gradcheck_and_gradgradcheck(name, make, params, value, methods):
    ins = tuple(t64(p, grad=True) for p in params)
    v = _value(ag, value)
    probs = t64(_unit(*np.shape(value)))
    for m in methods:

        def fn(*ps, m=m):
            d = make(*ps)
            if m == "icdf":
                return d.icdf(probs)
            return (
                getattr(d, m)(v)
                if m in ("log_prob", "cdf")
                else (d.entropy() if m == "entropy" else getattr(d, m))
            )

        assert ag.gradcheck(fn, ins), m
        assert ag.gradgradcheck(fn, ins), m
    if name == "Gamma":  # cdf: first order in all three, second order in rate and value
        x = t64(_pos(3), grad=True)
        assert ag.gradcheck(lambda a, r, x: D.Gamma(a, r).cdf(x), ins + (x,))
        assert ag.gradgradcheck(lambda r, x: D.Gamma(ins[0].detach(), r).cdf(x), (ins[1], x))


KL_CASES = [  # (name, make p, make q, parameters of p, parameters of q)
    ("Normal", D.Normal, D.Normal, (_real(3), _pos(3)), (_real(3), _pos(3))),
    (
        "Bernoulli",
        lambda p: D.Bernoulli(p),
        lambda lg: D.Bernoulli(logits=lg),
        (_unit(3),),
        (_real(3),),
    ),
    (
        "Categorical",
        lambda p: D.Categorical(p),
        lambda lg: D.Categorical(logits=lg),
        (_pos(2, 3),),
        (_real(3),),
    ),
    (
        "MVN",
        lambda m, L: D.MultivariateNormal(m, scale_tril=ag.tril(L)),
        lambda m, A: D.MultivariateNormal(m, covariance_matrix=A @ A.mT + ag.eye(2, dtype=A.dtype)),
        (_real(2), _tril(2)),
        (_real(2), _real(2, 2)),
    ),
    (
        "Uniform",
        D.Uniform,
        D.Uniform,
        (np.array([0.1, -0.5]), np.array([0.6, 0.4])),
        (np.array([-1.0, -2.0]), np.array([2.0, 1.0])),
    ),
    (
        "Independent",
        lambda m, s: D.Independent(D.Normal(m, s), 1),
        lambda m, s: D.Independent(D.Normal(m, s), 1),
        (_real(2, 2), _pos(2, 2)),
        (_real(2), _pos(2)),
    ),
    ("Laplace", D.Laplace, D.Laplace, (_real(3), _pos(3)), (_real(3), _pos(3))),
    ("Exponential", D.Exponential, D.Exponential, (_pos(3),), (_pos(3),)),
    ("Beta", D.Beta, D.Beta, (_pos(3), _pos(3)), (_pos(3), _pos(3))),
    ("Gamma", D.Gamma, D.Gamma, (_pos(3), _pos(3)), (_pos(3), _pos(3))),
    ("Dirichlet", D.Dirichlet, D.Dirichlet, (_pos(2, 3),), (_pos(3),)),
    ("Poisson", D.Poisson, D.Poisson, (_pos(3),), (_pos(3),)),
    ("Beta-Normal", D.Beta, D.Normal, (_pos(2), _pos(2)), (_real(2), _pos(2))),
    ("Beta-Gamma", D.Beta, D.Gamma, (_pos(2), _pos(2)), (_pos(2), _pos(2))),
    ("Beta-Exponential", D.Beta, D.Exponential, (_pos(2), _pos(2)), (_pos(2),)),
    (
        "Beta-Uniform",
        D.Beta,
        D.Uniform,
        (_pos(2), _pos(2)),
        (np.array([-0.5, -0.1]), np.array([1.2, 1.5])),
    ),
    (
        "Uniform-Beta",
        D.Uniform,
        D.Beta,
        (np.array([0.1, 0.3]), np.array([0.6, 0.8])),
        (_pos(2), _pos(2)),
    ),
    (
        "Uniform-Gamma",
        D.Uniform,
        D.Gamma,
        (np.array([0.1, 0.3]), np.array([0.6, 2.0])),
        (_pos(2), _pos(2)),
    ),
    (
        "Uniform-Exponential",
        D.Uniform,
        D.Exponential,
        (np.array([0.1, 0.3]), np.array([0.6, 2.0])),
        (_pos(2),),
    ),
    ("Exponential-Normal", D.Exponential, D.Normal, (_pos(2),), (_real(2), _pos(2))),
    ("Gamma-Normal", D.Gamma, D.Normal, (_pos(2), _pos(2)), (_real(2), _pos(2))),
]


@pytest.mark.parametrize("name,mp,mq,pp,pq", KL_CASES, ids=[c[0] for c in KL_CASES])
def test_kl_gradcheck_and_gradgradcheck(name, mp, mq, pp, pq):
    ins = tuple(t64(p, grad=True) for p in pp + pq)
    k = len(pp)

    def fn(*ps):
        return kl_divergence(mp(*ps[:k]), mq(*ps[k:]))

    kl = fn(*ins)
    assert np.all(kl.detach().numpy() >= -1e-12)
    assert ag.gradcheck(fn, ins)
    assert ag.gradgradcheck(fn, ins)


def test_kl_closed_forms_and_monte_carlo():
    # KL of a distribution with itself is 0; Normal-Normal against its formula; Gamma-Gamma
    # against a Monte Carlo estimate E_p[log p - log q]
    p = D.Normal(t64([0.0, 1.0]), t64([1.0, 2.0]))
    np.testing.assert_allclose(kl_divergence(p, p).numpy(), 0.0, atol=1e-15)
    q = D.Normal(t64(1.0), t64(3.0))
    ref = np.log(3 / np.array([1, 2])) + (np.array([1, 4]) + np.array([1, 0])) / 18 - 0.5
    np.testing.assert_allclose(kl_divergence(p, q).numpy(), ref, rtol=1e-12)
    gp, gq = D.Gamma(t64(2.0), t64(1.5)), D.Gamma(t64(3.0), t64(1.0))
    x = gp.sample((N,))
    mc = (gp.log_prob(x) - gq.log_prob(x)).numpy()
    assert abs(mc.mean() - kl_divergence(gp, gq).item()) < 5 * mc.std() / math.sqrt(N)
    u, w = D.Uniform(t64([0.0, -2.0]), t64([1.0, 1.0])), D.Uniform(t64(-1.0), t64(2.0))
    np.testing.assert_allclose(kl_divergence(u, w).numpy(), [math.log(3), math.inf])


def test_kl_registry():
    class MyNormal(D.Normal):
        pass

    p, q = MyNormal(t64(0.0), t64(1.0)), D.Normal(t64(1.0), t64(1.0))
    np.testing.assert_allclose(kl_divergence(p, q).item(), 0.5)  # the base pair's form

    @register_kl(MyNormal, D.Normal)
    def _mine(p, q):
        return p.loc * 0 + 42.0

    try:
        assert kl_divergence(p, q).item() == 42.0
        assert kl_divergence(q, p).item() == 0.5
    finally:
        from autograd.distributions import kl as kl_mod

        del kl_mod._KL_REGISTRY[MyNormal, D.Normal]
        kl_mod._KL_MEMOIZE.clear()
    with pytest.raises(NotImplementedError, match="p type Normal and q type Poisson"):
        kl_divergence(q, D.Poisson(t64(1.0)))
    with pytest.raises(TypeError, match="Distribution subclass"):
        register_kl(int, D.Normal)


# -- shapes, dtypes, validation, errors ---------------------------------------------------------


def test_shapes_expand_and_independent():
    d = D.Normal(t64(np.zeros((2, 1))), t64(np.ones(3)))
    assert d.batch_shape == (2, 3) and d.event_shape == ()
    assert d.sample().shape == (2, 3) and d.rsample((4, 5)).shape == (4, 5, 2, 3)
    assert d.log_prob(t64(np.zeros((7, 1, 3)))).shape == (7, 2, 3)
    e = d.expand((6, 2, 3))
    assert e.batch_shape == (6, 2, 3) and e.sample().shape == (6, 2, 3)
    assert D.Normal(0.0, 1.0).batch_shape == () and D.Normal(0.0, 1.0).sample((3,)).shape == (3,)
    ind = D.Independent(d, 1)
    assert ind.batch_shape == (2,) and ind.event_shape == (3,)
    assert ind.log_prob(t64(np.zeros((2, 3)))).shape == (2,) and ind.has_rsample
    np.testing.assert_allclose(
        ind.log_prob(t64(np.ones((2, 3)))).numpy(), d.log_prob(t64(np.ones((2, 3)))).sum(-1).numpy()
    )
    mvn = D.MultivariateNormal(t64(np.zeros((4, 1, 3))), covariance_matrix=t64(_spd(3, (5,))))
    assert mvn.batch_shape == (4, 5) and mvn.event_shape == (3,)
    assert mvn.rsample((2,)).shape == (2, 4, 5, 3)
    assert mvn.log_prob(t64(np.zeros(3))).shape == (4, 5)
    assert mvn.covariance_matrix.shape == (4, 5, 3, 3) and mvn.precision_matrix.shape == (
        4,
        5,
        3,
        3,
    )
    np.testing.assert_allclose(
        (mvn.covariance_matrix @ mvn.precision_matrix).numpy(),
        np.broadcast_to(np.eye(3), (4, 5, 3, 3)),
        atol=1e-12,
    )
    # L broadcast within its own batch dims (1 -> 4): the solve runs on the expanded factor
    L, loc4, x4 = _tril(3), _real(4, 3), _real(2, 4, 3)
    wide = D.MultivariateNormal(t64(loc4), scale_tril=t64(L[None])).log_prob(t64(x4))
    narrow = D.MultivariateNormal(t64(loc4), scale_tril=t64(L)).log_prob(t64(x4))
    np.testing.assert_allclose(wide.numpy(), narrow.numpy(), rtol=1e-12)
    assert wide.shape == (2, 4)
    np.testing.assert_allclose(d.perplexity().numpy(), np.exp(d.entropy().numpy()))
    assert ag.distributions.Normal is D.Normal
    c = D.Categorical(t64(np.ones((2, 3))))
    assert c.enumerate_support().shape == (3, 2) and c.enumerate_support(False).shape == (3, 1)
    assert D.OneHotCategorical(t64(np.ones((2, 3)))).enumerate_support().shape == (3, 2, 3)
    assert D.Bernoulli(t64([0.5, 0.2])).enumerate_support().numpy().tolist() == [[0, 0], [1, 1]]


def test_float32_is_preserved():
    f = np.float32
    for d in [D.Normal(ag.tensor([0.0, 1.0]), 1.0), D.Gamma(ag.tensor([2.0]), 1.0),
              D.Beta(ag.tensor([2.0]), 3.0), D.Laplace(ag.tensor([0.0]), 1.0),
              D.Bernoulli(ag.tensor([0.3])), D.Poisson(ag.tensor([2.0])),
              D.Exponential(ag.tensor([2.0])), D.Uniform(ag.tensor([0.0]), 1.0)]:  # fmt: skip
        x = d.sample((3,))
        assert x.dtype == f, type(d).__name__
        assert d.log_prob(x).dtype == f, type(d).__name__
        if d.has_rsample:
            assert d.rsample().dtype == f
    assert D.Normal(0.0, 1.0).sample().dtype == f  # numbers: the default dtype
    assert D.Categorical(ag.tensor([0.5, 0.5])).sample().dtype == np.int64


def test_invalid_parameters_name_distribution_and_parameter():
    cases = [
        (lambda: D.Normal(t64([0.0]), t64([-1.0])), "parameter scale .* distribution Normal"),
        (lambda: D.Exponential(t64(0.0)), "parameter rate .* Exponential"),
        (lambda: D.Uniform(t64(1.0), t64(0.0)), "parameter low .* Uniform"),
        (lambda: D.Gamma(t64(-1.0), t64(1.0)), "parameter concentration .* Gamma"),
        (lambda: D.Beta(t64(1.0), t64(-2.0)), "parameter concentration0 .* Beta"),
        (lambda: D.Dirichlet(t64([1.0, 0.0])), "parameter concentration .* Dirichlet"),
        (lambda: D.Bernoulli(t64(1.5)), "parameter probs .* Bernoulli"),
        (lambda: D.Binomial(t64(2.5), t64(0.5)), "parameter total_count .* Binomial"),
        (lambda: D.Categorical(t64([0.5, -0.2])), "parameter probs .* Categorical"),
        (lambda: D.Poisson(t64(-1.0)), "parameter rate .* Poisson"),
        (lambda: D.Laplace(t64(math.nan), t64(1.0)), "parameter loc .* Laplace"),
        (
            lambda: D.MultivariateNormal(
                t64([0.0, 0.0]), covariance_matrix=t64([[1.0, 2.0], [2.0, 1.0]])
            ),
            "covariance_matrix .* PositiveDefinite",
        ),
        (
            lambda: D.MultivariateNormal(t64([0.0, 0.0]), scale_tril=t64([[1.0, 1.0], [0.0, 1.0]])),
            "scale_tril .* LowerCholesky",
        ),
    ]
    for make, pattern in cases:
        with pytest.raises(ValueError, match=pattern):
            make()
    D.Normal(t64([0.0]), t64([-1.0]), validate_args=False)  # no check when asked not to
    D.Distribution.set_default_validate_args(False)
    try:
        D.Normal(t64([0.0]), t64([-1.0]))
    finally:
        D.Distribution.set_default_validate_args(True)


def test_invalid_values_and_arguments():
    with pytest.raises(ValueError, match="support .*GreaterThanEq.* Exponential"):
        D.Exponential(t64(1.0)).log_prob(t64(-1.0))
    with pytest.raises(ValueError, match="support .*Boolean"):
        D.Bernoulli(t64(0.5)).log_prob(t64(0.5))
    with pytest.raises(ValueError, match="support .*IntegerInterval"):
        D.Categorical(t64([0.5, 0.5])).log_prob(ag.tensor([2]))
    with pytest.raises(ValueError, match="support .*Simplex"):
        D.Dirichlet(t64([1.0, 1.0])).log_prob(t64([0.5, 0.6]))
    with pytest.raises(ValueError, match="not broadcastable with batch_shape"):
        D.Normal(t64(np.zeros(3)), 1.0).log_prob(t64(np.zeros(2)))
    with pytest.raises(ValueError, match="event_shape"):
        D.MultivariateNormal(t64(np.zeros(3)), scale_tril=t64(np.eye(3))).log_prob(t64(np.zeros(2)))
    assert D.Exponential(t64(1.0), validate_args=False).log_prob(t64(-1.0)).item() == 1.0
    with pytest.raises(ValueError, match="Either `probs` or `logits`|either `probs` or `logits`"):
        D.Bernoulli(probs=t64(0.5), logits=t64(0.0))
    with pytest.raises(ValueError, match="either"):
        D.Categorical()
    with pytest.raises(ShapeError, match="Normal: the shapes of loc \\(2,\\), scale \\(3,\\)"):
        D.Normal(t64(np.zeros(2)), t64(np.ones(3)))
    with pytest.raises(TypeError, match="Normal: loc must be a floating point tensor"):
        D.Normal(ag.tensor([0, 1]), 1.0)
    with pytest.raises(TypeError, match="Gamma: rate must be a Tensor or a number, got str"):
        D.Gamma(1.0, "2")
    with pytest.raises(ValueError, match="at least one-dimensional"):
        D.Categorical(t64(0.5))
    with pytest.raises(
        ShapeError, match="MultivariateNormal: covariance_matrix of shape \\(2, 2\\)"
    ):
        D.MultivariateNormal(t64(np.zeros(3)), covariance_matrix=t64(np.eye(2)))
    with pytest.raises(ValueError, match="exactly one of"):
        D.MultivariateNormal(
            t64(np.zeros(2)), covariance_matrix=t64(np.eye(2)), scale_tril=t64(np.eye(2))
        )
    with pytest.raises(ValueError, match="reinterpreted_batch_ndims <= len"):
        D.Independent(D.Normal(t64(np.zeros(2)), 1.0), 2)
    with pytest.raises(NotImplementedError, match="Poisson does not implement entropy"):
        D.Poisson(t64(1.0)).entropy()


def test_constraints_check_and_repr():
    x = t64([-1.0, 0.0, 0.5, 1.0, math.nan])
    assert constraints.positive.check(x).numpy().tolist() == [False, False, True, True, False]
    assert constraints.unit_interval.check(x).numpy().tolist() == [False, True, True, True, False]
    assert constraints.real.check(x).numpy().tolist() == [True] * 4 + [False]
    assert constraints.simplex.check(t64([[0.2, 0.8], [0.5, 0.6]])).numpy().tolist() == [
        True,
        False,
    ]
    assert repr(constraints.positive) == "GreaterThan(lower_bound=0.0)"
    assert repr(constraints.independent(constraints.real, 1)) == "IndependentConstraint(Real(), 1)"
    assert constraints.is_dependent(D.Uniform.support) and not constraints.is_dependent(
        constraints.real
    )
    with pytest.raises(ValueError, match="dependent"):
        constraints.dependent.check(x)


def test_modes_and_edge_moments():
    assert np.isnan(D.Bernoulli(t64([0.2, 0.5, 0.9])).mode.numpy()).tolist() == [False, True, False]
    assert D.Bernoulli(t64([0.2, 0.9])).mode.numpy().tolist() == [0.0, 1.0]
    assert D.Categorical(t64([0.2, 0.5, 0.3])).mode.item() == 1
    assert D.OneHotCategorical(t64([0.2, 0.5, 0.3])).mode.numpy().tolist() == [0.0, 1.0, 0.0]
    np.testing.assert_allclose(
        D.Dirichlet(t64([[2.0, 3.0, 1.0], [0.5, 0.5, 0.5]])).mode.numpy(),
        [[1 / 3, 2 / 3, 0.0], [1, 0, 0]],
    )
    assert D.Gamma(t64([0.5, 3.0]), t64(2.0)).mode.numpy().tolist() == [0.0, 1.0]
    assert D.Poisson(t64(2.7)).mode.item() == 2.0
    assert np.isnan(D.Uniform(t64(0.0), t64(1.0)).mode.item())
    assert D.Binomial(10, t64(0.33)).mode.item() == 3.0


# -- small and large concentrations, float32 uniforms, values at the support's edges ------------


def _mean_within(g, want, k=5.0):
    """The mean of per-sample values ``g`` within ``k`` standard errors of ``want``."""
    g = np.asarray(g, np.float64)
    se = g.std(0) / math.sqrt(g.shape[0])
    assert np.all(np.abs(g.mean(0) - want) < k * se + 1e-12), (g.mean(0), want, se)


def test_float32_beta_at_small_concentration():
    # float32 gammas at concentration 0.01 underflow (both to the smallest normal: the Beta draw
    # was exactly 1/2 a sixth of the time, the gradient 16x too large); drawn and normalised in
    # float64 then cast, the U shape, its variance and the implicit gradient are right
    n, a0 = 100_000, 0.01
    ag.manual_seed(0)
    a = ag.tensor(np.full(n, a0, np.float32), requires_grad=True)
    x = D.Beta(a, ag.tensor(np.float32(a0))).rsample()
    assert x.dtype == np.float32
    xs = x.detach().numpy().astype(np.float64)
    fi = np.finfo(np.float32)
    assert xs.min() >= fi.tiny and xs.max() <= 1 - fi.epsneg  # torch's clamp
    assert not np.any(xs == 0.5)
    var = a0 * a0 / ((2 * a0) ** 2 * (2 * a0 + 1))  # 0.2451
    _mean_within((xs - 0.5) ** 2, var)  # E x = 1/2 exactly
    (g,) = ag.grad(x.sum(), [a])
    assert g.dtype == np.float32
    _mean_within(g.numpy(), 1 / (4 * a0))  # d E[x] / da = b / (a + b)^2 = 25


def test_float32_dirichlet_at_small_concentration_matches_float64():
    n, al = 50_000, np.full(3, 0.01)
    w = np.array([1.0, 2.0, 3.0])
    ag.manual_seed(1)
    a = ag.tensor(np.tile(al, (n, 1)).astype(np.float32), requires_grad=True)
    x = D.Dirichlet(a).rsample()
    (g,) = ag.grad((x * ag.tensor(w.astype(np.float32))).sum(), [a])
    a0 = al.sum()
    _mean_within(g.numpy(), (w * a0 - (w * al).sum()) / a0**2)  # -33.3, 0, 33.3
    # the float32 draws are the float64 ones (same seed, same concentrations) cast and clamped
    c = np.array([[0.01, 0.3, 2.0], [0.05, 1.0, 0.002]], np.float32)
    ag.manual_seed(4)
    x32 = D.Dirichlet(ag.tensor(c)).rsample((20,)).numpy()
    ag.manual_seed(4)
    x64 = D.Dirichlet(t64(c)).rsample((20,)).numpy()
    fi = np.finfo(np.float32)
    np.testing.assert_array_equal(x32, np.clip(x64.astype(np.float32), fi.tiny, 1 - fi.epsneg))


def test_float64_beta_below_float64_range():
    # Beta(0.001, 0.001): gammas below 1e-308 a third of the time: drawn in log space, no draw
    # collapses to 1/2 (a quarter did) and the variance is right
    n = 50_000
    ag.manual_seed(2)
    x = D.Beta(t64(0.001), t64(0.001)).sample((n,)).numpy()
    assert not np.any(x == 0.5)
    assert x.min() >= np.finfo(np.float64).tiny and x.max() <= 1 - np.finfo(np.float64).epsneg
    _mean_within((x - 0.5) ** 2, 0.001**2 / (0.002**2 * 1.002))
    # and the gradient at 0.003 (it was 930 for 83.3; torch's is ~283)
    n = 200_000
    ag.manual_seed(3)
    a = t64(np.full(n, 0.003), grad=True)
    (g,) = ag.grad(D.Beta(a, t64(0.003)).rsample().sum(), [a])
    _mean_within(g.numpy(), 1 / (4 * 0.003))


def test_log_reparam_grad_in_log_space():
    from autograd.distributions._igamma import log_reparam_grad

    # d log x / da where x is representable: (dx/da) / x
    a = np.array([0.003, 0.05, 0.7, 3.0, 80.0, 1e6])
    x = np.array([1e-300, 1e-20, 0.3, 2.5, 95.0, 1e6 + 700.0])
    np.testing.assert_allclose(log_reparam_grad(a, np.log(x)), igamma_and_grad(a, x)[1] / x,
                               rtol=1e-13)  # fmt: skip
    # far below float64's range only the series' first term is left: (psi(a + 1) - log x) / a
    a, lx = np.array([0.001, 0.01]), np.array([-1e5, -3e4])
    psi = ag.digamma(t64(a + 1)).numpy()
    np.testing.assert_allclose(log_reparam_grad(a, lx), (psi - lx) / a, rtol=1e-12)


def test_igamma_large_concentration_uses_temme(monkeypatch):
    from autograd.distributions import _igamma

    a = np.array([1e9, 1e10, 1e12, 1e15])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p, g = igamma_and_grad(a, a)
    # P(a, a) = 1/2 + 1 / (3 sqrt(2 pi a)) + O(a^-3/2), dx/da at x = a is 1 + 1 / (6 a) + O(a^-2)
    # (DLMF 8.12.3 at eta = 0); the series stopped at 10^5 terms: 0.34 and 0.85 at a = 1e10
    np.testing.assert_allclose(p, 0.5 + 1 / (3 * np.sqrt(2 * np.pi * a)), rtol=1e-14)
    np.testing.assert_allclose(g, 1 + 1 / (6 * a), rtol=1e-14)

    # near the mode of a large concentration, no O(sqrt(a)) iteration runs at all
    def boom(*args):
        raise AssertionError("series / continued fraction used")

    x = a[:, None] + np.sqrt(a)[:, None] * np.linspace(-6, 6, 7)
    monkeypatch.setattr(_igamma, "_series", boom)
    monkeypatch.setattr(_igamma, "_cfrac", boom)
    p, g = igamma_and_grad(a[:, None], x)
    monkeypatch.undo()
    # the identity P(a + h, x + h dx/da) = P(a, x) + O(h^2) (a wrong dx/da by d moves P by
    # ~0.4 h d / sqrt(a))
    h = 1e-4 * np.sqrt(a)[:, None]
    assert np.all(np.abs(igamma_and_grad(a[:, None] + h, x + h * g)[0] - p) < 1e-10)
    # and dx/da = -(dP/da) / p numerically, where the density is accurate from its formula
    a, x = a[:2, None] * 1e-5, x[:2] * 1e-5  # 1e4, 1e5
    h = 1e-4 * np.sqrt(a)
    dpda = (igamma_and_grad(a + h, x)[0] - igamma_and_grad(a - h, x)[0]) / (2 * h)
    dens = np.exp((a - 1) * np.log(x) - x - _lgamma(a))
    np.testing.assert_allclose(-dpda / dens, igamma_and_grad(a, x)[1], rtol=1e-6)


def test_temme_agrees_with_series_and_continued_fraction(monkeypatch):
    from autograd.distributions import _igamma

    r = np.random.default_rng(8)
    a = np.exp(r.uniform(np.log(50), np.log(2000), 400))
    x = a * (1 + r.uniform(-0.3, 0.3, a.size))
    x[:40] = a[:40] * 0.7  # the region's edges
    x[40:80] = a[40:80] * 1.3
    a1 = np.full(101, 173.0)  # one concentration: the k sums folded first
    x1 = a1 * (1 + np.linspace(-0.3, 0.3, 101))
    p, g = igamma_and_grad(a, x)
    p1, g1 = igamma_and_grad(a1, x1)
    monkeypatch.setattr(_igamma, "_TEMME_A", np.inf)
    # the series' P is good to ~1e-12 at a = 2000 ((a - 1) log x - lgamma(a) cancels)
    for (pt, gt), (ps, gs) in (
        ((p, g), igamma_and_grad(a, x)),
        ((p1, g1), igamma_and_grad(a1, x1)),
    ):
        np.testing.assert_allclose(pt, ps, rtol=1e-10, atol=1e-11)
        np.testing.assert_allclose(gt, gs, rtol=1e-12)


def test_gamma_large_concentration_cdf_and_rsample():
    for a in (1e9, 1e12):
        assert abs(D.Gamma(t64([a]), t64(1.0)).cdf(t64([a])).item() - 0.5) < 1e-5
        c = t64([a], grad=True)
        ag.manual_seed(0)
        (g,) = ag.grad(D.Gamma(c, 1.0).rsample((200,)).mean(), [c])
        # per sample dx/da = 1 + z / (2 sqrt(a)) + ..., z ~ N(0, 1): within 5 standard errors
        assert abs(g.item() - 1) < 5 / (2 * math.sqrt(200 * a))


def test_igamma_warns_when_not_converged(monkeypatch):
    from autograd.distributions import _igamma

    monkeypatch.setattr(_igamma, "_MAX_ITER", 3)
    with pytest.warns(RuntimeWarning, match="series did not converge in 3 steps for 1 value"):
        igamma_and_grad(np.array([2.0]), np.array([1.5]))
    with pytest.warns(RuntimeWarning, match="continued fraction did not converge"):
        igamma_and_grad(np.array([2.0]), np.array([4.0]))


_K_NEAR_ONE = 14_817_372  # PCG64(0)'s first float64 draw within 2^-25 of 1 (1.0 in float32)


def _near_one():
    ag.manual_seed(0).bit_generator.advance(_K_NEAR_ONE)


def test_float32_uniform_draws_stay_below_one():
    _near_one()
    u64 = ag.rand(1, dtype=np.float64).item()
    assert u64 >= 1 - 2.0**-25  # the draw: 1.0 once rounded to float32
    top = 1 - 2.0**-24
    for dt in (np.float32, np.float16):
        _near_one()
        u = ag.rand(1, dtype=dt)
        assert u.dtype == dt and u.item() == 1 - float(np.finfo(dt).epsneg)
    _near_one()
    t = ag.zeros(2, dtype=np.float32).uniform_(-1.0, 1.0)
    assert t.numpy()[0] == top
    _near_one()
    d = D.Uniform(ag.tensor(np.float32(0.0)), ag.tensor(np.float32(1.0)))
    x = d.rsample()
    assert x.item() == top and d.log_prob(x).item() == 0.0
    _near_one()
    y = D.Laplace(ag.tensor(np.float32(0.0)), ag.tensor(np.float32(1.0))).rsample()
    assert np.isfinite(y.item()) and y.item() > 16
    # every other draw, and the stream, are as before: float32 draws are float64's rounded
    ag.manual_seed(3)
    a = ag.rand(1000, dtype=np.float32).numpy()
    b = ag.randn(3, dtype=np.float64).numpy()
    ag.manual_seed(3)
    np.testing.assert_array_equal(a, ag.rand(1000, dtype=np.float64).numpy().astype(np.float32))
    np.testing.assert_array_equal(b, ag.randn(3, dtype=np.float64).numpy())


def test_categorical_log_prob_validates_before_converting():
    d = D.Categorical(t64([0.2, 0.3, 0.5]))
    for bad in (1.5, np.array([0.5, 2.9]), t64([0.5]), -1, 3, np.array([0, 3])):
        with pytest.raises(ValueError, match="support .*IntegerInterval.* Categorical"):
            d.log_prob(bad)
    lp = np.log([0.2, 0.3, 0.5])
    for good, want in ((1, lp[1]), (np.array([0, 2]), lp[[0, 2]]), (t64([1.0]), lp[[1]]),
                       ([2, 1], lp[[2, 1]]), (ag.tensor([True]), lp[[1]])):  # fmt: skip
        np.testing.assert_allclose(d.log_prob(good).numpy(), want, rtol=1e-12)
    o = D.OneHotCategorical(t64([0.2, 0.3, 0.5]))
    np.testing.assert_allclose(o.log_prob(np.array([0.0, 0.0, 1.0])).item(), lp[2])
    with pytest.raises(ValueError, match="support .*OneHot"):
        o.log_prob(np.array([0.0, 0.5, 0.5]))
    with pytest.raises(TypeError, match="Categorical: expected a Tensor, a number or an array"):
        d.log_prob("1")
    # without validation an index outside 0..k-1 must not wrap around (gather's -1 is the last)
    d = D.Categorical(t64([0.2, 0.3, 0.5]), validate_args=False)
    for bad, shown in ((ag.tensor([1, -1]), -1), (ag.tensor([[3]]), 3), (-2, -2)):
        with pytest.raises(IndexError, match=f"Categorical.log_prob: index {shown} is out of "):
            d.log_prob(bad)
    assert d.log_prob(ag.tensor([], dtype=np.int64)).shape == (0,)


def test_bernoulli_infinite_logits():
    d = D.Bernoulli(logits=t64([math.inf, -math.inf, math.inf, -math.inf]))
    assert d.log_prob(t64([0.0, 1.0, 1.0, 0.0])).numpy().tolist() == [-math.inf, -math.inf, 0, 0]
    assert d.entropy().numpy().tolist() == [0.0] * 4
    lg = t64([0.3, -2.0], grad=True)
    assert ag.gradgradcheck(lambda lg: D.Bernoulli(logits=lg).log_prob(t64([0.0, 1.0])), (lg,))
    assert ag.gradgradcheck(lambda lg: D.Bernoulli(logits=lg).entropy(), (lg,))


def test_lognormal_cdf_at_zero():
    d = D.LogNormal(t64([0.0, 1.0]), t64(1.0))
    assert d.cdf(t64([0.0, 0.0])).numpy().tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="support \\(Real\\(\\)\\) of the distribution Normal"):
        d.cdf(t64([-1.0, 1.0]))  # log(-1) is NaN: outside the Normal's support, as torch says
    with pytest.raises(ValueError, match="support .*GreaterThan.* LogNormal"):
        d.log_prob(t64([0.0, 1.0]))
    assert np.isnan(D.LogNormal(0.0, 1.0, validate_args=False).cdf(t64(-1.0)).item())


def test_positive_definite_check_agrees_with_cholesky():
    # nearly singular covariances: the constraint accepts exactly those that factorise, so a
    # MultivariateNormal either builds or raises the constraint's ValueError, never LinAlgError
    r = np.random.default_rng(0)
    eig_disagrees = 0
    for _ in range(300):
        v = r.normal(size=(3, 2))
        m = v @ v.T + r.choice([1e-17, 1e-16, 1e-15, 0.0]) * np.eye(3)
        m = (m + m.T) / 2
        try:
            np.linalg.cholesky(m)
            factorises = True
        except np.linalg.LinAlgError:
            factorises = False
        eig_disagrees += bool((np.linalg.eigvalsh(m) > 0).all()) != factorises
        assert bool(constraints.positive_definite.check(t64(m)).item()) == factorises
        try:
            D.MultivariateNormal(t64(np.zeros(3)), covariance_matrix=t64(m))
            assert factorises
        except ValueError as e:
            assert not factorises and "PositiveDefinite" in str(e)
    assert eig_disagrees  # the cases the eigenvalue check got wrong are among them
    ok = constraints.positive_definite.check(t64(np.stack([np.eye(2), -np.eye(2), np.eye(2)])))
    assert ok.numpy().tolist() == [True, False, True]


def test_no_floating_point_warnings_at_the_support_edges():
    c = t64([0.5, 2.0], grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        D.Gamma(c, 1.0).log_prob(t64([0.0, 0.0]))
        D.Beta(c, t64([0.5, 1.0])).log_prob(t64([0.0, 1.0]))
        assert np.isinf(D.Exponential(t64([1e-300, 1.0])).variance.numpy()[0])
        assert D.Dirichlet(t64([[0.5, 0.5], [2.0, 1.0]])).mode.shape == (2, 2)
        D.Poisson(t64([0.0, 1.0])).log_prob(t64([1.0, 0.0]))
        D.Bernoulli(t64([0.0, 1.0])).entropy()
        D.LogNormal(0.0, 1.0).cdf(t64(0.0))
        D.Normal(t64([0.0]), t64([1e-300])).log_prob(t64([1.0]))
        kl_divergence(D.Uniform(t64(0.0), t64(2.0)), D.Uniform(t64(0.5), t64(1.0)))
        (g,) = ag.grad(D.Gamma(c, 1.0).cdf(t64([0.0, 1.0])).sum(), [c])
    assert g.numpy()[0] == 0.0


# -- against torch ------------------------------------------------------------------------------


def _torch():
    return pytest.importorskip("torch")


def _np(t):
    return None if t is None else t.detach().numpy()


def _grads(lib, out, ts, v, create_graph=False):
    s = (out * lib.tensor(v)).sum()
    if lib is ag:
        return ag.grad(s, ts, allow_unused=True, create_graph=create_graph)
    return lib.autograd.grad(s, ts, allow_unused=True, create_graph=create_graph)


# torch's trigamma (d digamma) is accurate to ~1e-9 only; ours is scipy's (1e-15)
_LOOSE = {"Gamma", "Beta", "Dirichlet"}
# torch's double backward through abs imports ~800 modules (seconds): their second order is left
# to gradgradcheck above
_TORCH_ABS = {"Laplace", "Binomial"}


@pytest.mark.parametrize("name,params,value,probs", CASES, ids=IDS)
def test_against_torch(name, params, value, probs):
    torch = _torch()
    import torch.distributions as TD

    for method in METHODS:
        if method == "icdf" and probs is None:
            continue
        d, ts = _build(ag, D, name, params)
        td, tts = _build(torch, TD, name, params)
        try:
            want = _apply(td, method, value, probs, torch)
        except NotImplementedError:
            with pytest.raises(NotImplementedError):
                _apply(d, method, value, probs, ag)
            continue
        got = _apply(d, method, value, probs, ag)
        assert got.shape == tuple(want.shape), method
        assert str(want.dtype) == f"torch.{got.dtype}", method
        np.testing.assert_allclose(_np(got), _np(want), rtol=1e-10, atol=1e-12, err_msg=method)
        if method == "mode" or not want.requires_grad:
            continue
        if name == "Gamma" and method == "cdf":  # torch has no concentration gradient
            ts, tts = ts[1:], tts[1:]
        v = np.random.default_rng(5).standard_normal(tuple(want.shape))
        gs = _grads(ag, got, ts, v, create_graph=True)
        tgs = _grads(torch, want, tts, v, create_graph=True)
        rtol = 1e-7 if name in _LOOSE else 1e-9
        for a, b in zip(gs, tgs):
            assert (a is None) == (b is None), method
            if a is not None:
                np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=1e-11, err_msg=method)
        # second order: the gradient of <first-order gradients, w> w.r.t. the parameters
        pairs = [(a, b) for a, b in zip(gs, tgs) if a is not None and b.requires_grad]
        if not pairs or name in _TORCH_ABS:
            continue
        w = [np.random.default_rng(6).standard_normal(tuple(b.shape)) for _, b in pairs]
        s = sum((a * ag.tensor(wi)).sum() for (a, _), wi in zip(pairs, w))
        ts_ = sum((b * torch.tensor(wi)).sum() for (_, b), wi in zip(pairs, w))
        hs = ag.grad(s, ts, allow_unused=True)
        ths = torch.autograd.grad(ts_, tts, allow_unused=True)
        for a, b in zip(hs, ths):
            a = 0.0 if a is None else _np(a)
            b = 0.0 if b is None else _np(b)
            np.testing.assert_allclose(a, b, rtol=max(rtol, 1e-8), atol=1e-10, err_msg=method)


KL_TORCH = [
    (
        ("Normal", dict(loc=_real(3), scale=_pos(2, 1))),
        ("Normal", dict(loc=_real(3), scale=_pos(3))),
    ),
    (("Bernoulli", dict(probs=_unit(3))), ("Bernoulli", dict(logits=_real(3)))),
    (("Categorical", dict(probs=_pos(2, 4))), ("Categorical", dict(logits=_real(4)))),
    (("OneHotCategorical", dict(probs=_pos(2, 4))), ("OneHotCategorical", dict(probs=_pos(2, 4)))),
    (
        ("MultivariateNormal", dict(loc=_real(2, 3), covariance_matrix=_spd(3))),
        ("MultivariateNormal", dict(loc=_real(3), precision_matrix=_spd(3))),
    ),
    (
        ("MultivariateNormal", dict(loc=_real(3), scale_tril=_tril(3))),
        ("MultivariateNormal", dict(loc=_real(2, 3), covariance_matrix=_spd(3, (2,)))),
    ),
    (
        ("Uniform", dict(low=_real(3) - 0.5, high=_real(3) * 0 + 1.5)),
        ("Uniform", dict(low=np.full(3, -3.0), high=np.full(3, 4.0))),
    ),
    (
        ("Laplace", dict(loc=_real(3), scale=_pos(3))),
        ("Laplace", dict(loc=_real(3), scale=_pos(3))),
    ),
    (("Exponential", dict(rate=_pos(3))), ("Exponential", dict(rate=_pos(3)))),
    (
        ("Beta", dict(concentration1=_pos(3), concentration0=_pos(3))),
        ("Beta", dict(concentration1=_pos(3), concentration0=_pos(3))),
    ),
    (
        ("Gamma", dict(concentration=_pos(3), rate=_pos(3))),
        ("Gamma", dict(concentration=_pos(3), rate=_pos(3))),
    ),
    (("Dirichlet", dict(concentration=_pos(2, 3))), ("Dirichlet", dict(concentration=_pos(3)))),
    (("Poisson", dict(rate=_pos(3))), ("Poisson", dict(rate=_pos(3)))),
    (
        ("Binomial", dict(total_count=5, probs=_unit(3))),
        ("Binomial", dict(total_count=5, logits=_real(3))),
    ),
    (
        ("LogNormal", dict(loc=_real(3), scale=_pos(3))),
        ("LogNormal", dict(loc=_real(3), scale=_pos(3))),
    ),
    (("Exponential", dict(rate=_pos(3))), ("Gamma", dict(concentration=_pos(3), rate=_pos(3)))),
    (("Gamma", dict(concentration=_pos(3), rate=_pos(3))), ("Exponential", dict(rate=_pos(3)))),
    (("Normal", dict(loc=_real(3), scale=_pos(3))), ("Laplace", dict(loc=_real(3), scale=_pos(3)))),
    (("Laplace", dict(loc=_real(3), scale=_pos(3))), ("Normal", dict(loc=_real(3), scale=_pos(3)))),
    (
        ("Uniform", dict(low=_LOW, high=_HIGH)),
        ("Normal", dict(loc=_real(3), scale=_pos(3))),
    ),
    (("Bernoulli", dict(probs=_unit(3))), ("Poisson", dict(rate=_pos(3)))),
    (
        ("Beta", dict(concentration1=_pos(3), concentration0=_pos(3))),
        ("Normal", dict(loc=_real(3), scale=_pos(3))),
    ),
    (
        ("Beta", dict(concentration1=_pos(3), concentration0=_pos(3))),
        ("Uniform", dict(low=np.array([-0.5, 0.0, 0.2]), high=np.array([1.0, 1.5, 1.3]))),
    ),
    (
        ("Beta", dict(concentration1=_pos(3), concentration0=_pos(3))),
        ("Exponential", dict(rate=_pos(3))),
    ),
    (
        ("Beta", dict(concentration1=_pos(3), concentration0=_pos(3))),
        ("Gamma", dict(concentration=_pos(3), rate=_pos(3))),
    ),
    (
        ("Uniform", dict(low=np.array([0.1, -0.2, 0.3]), high=np.array([0.5, 0.7, 2.0]))),
        ("Exponential", dict(rate=_pos(3))),
    ),
    (
        ("Uniform", dict(low=np.array([0.1, -0.2, 0.3]), high=np.array([0.5, 0.7, 2.0]))),
        ("Gamma", dict(concentration=_pos(3), rate=_pos(3))),
    ),
    (
        ("Uniform", dict(low=np.array([0.1, -0.2, 0.3]), high=np.array([0.5, 0.7, 1.2]))),
        ("Beta", dict(concentration1=_pos(3), concentration0=_pos(3))),
    ),
    (("Exponential", dict(rate=_pos(3))), ("Normal", dict(loc=_real(3), scale=_pos(3)))),
    (
        ("Gamma", dict(concentration=_pos(3), rate=_pos(3))),
        ("Normal", dict(loc=_real(3), scale=_pos(3))),
    ),
]


@pytest.mark.parametrize("p,q", KL_TORCH, ids=[f"{p[0]}-{q[0]}" for p, q in KL_TORCH])
def test_kl_against_torch(p, q):
    torch = _torch()
    import torch.distributions as TD

    dp, ts = _build(ag, D, *p)
    dq, ts2 = _build(ag, D, *q)
    tp, tts = _build(torch, TD, *p)
    tq, tts2 = _build(torch, TD, *q)
    got, want = kl_divergence(dp, dq), TD.kl_divergence(tp, tq)
    assert got.shape == tuple(want.shape)
    np.testing.assert_allclose(_np(got), _np(want), rtol=1e-10, atol=1e-12)
    v = np.random.default_rng(2).standard_normal(tuple(want.shape))
    rtol = 1e-7 if {p[0], q[0]} & _LOOSE else 1e-9
    for a, b in zip(_grads(ag, got, ts + ts2, v), _grads(torch, want, tts + tts2, v)):
        np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=1e-11)


def test_kl_edge_cases_and_independent_against_torch():
    torch = _torch()
    import torch.distributions as TD

    lo, hi = np.array([0.0, -2.0]), np.array([1.0, 1.0])
    got = kl_divergence(D.Uniform(t64(lo), t64(hi)), D.Uniform(t64(-1.0), t64(2.0)))
    want = TD.kl_divergence(
        TD.Uniform(torch.tensor(lo), torch.tensor(hi)),
        TD.Uniform(torch.tensor(-1.0, dtype=torch.float64), torch.tensor(2.0, dtype=torch.float64)),
    )
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    # zero probabilities: KL terms with p = 0 vanish, q = 0 where p > 0 gives inf (torch's)
    pc, qc = (
        np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]]),
        np.array([[0.5, 0.0, 0.5], [0.25, 0.5, 0.25]]),
    )
    got = kl_divergence(D.Categorical(t64(pc)), D.Categorical(t64(qc)))
    want = TD.kl_divergence(TD.Categorical(torch.tensor(pc)), TD.Categorical(torch.tensor(qc)))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    pb, qb = np.array([0.0, 1.0, 0.0, 0.3]), np.array([0.5, 0.5, 1.0, 0.0])
    got = kl_divergence(D.Bernoulli(t64(pb)), D.Bernoulli(t64(qb)))
    want = TD.kl_divergence(TD.Bernoulli(torch.tensor(pb)), TD.Bernoulli(torch.tensor(qb)))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    assert np.isinf(got.numpy()[3]) and np.isfinite(got.numpy()[:2]).all()
    loc, s = _real(2, 3), _pos(2, 3)
    got = kl_divergence(
        D.Independent(D.Normal(t64(loc), t64(s)), 2),
        D.Independent(D.Normal(t64(loc * 0), t64(s * 0 + 1)), 2),
    )
    want = TD.kl_divergence(
        TD.Independent(TD.Normal(torch.tensor(loc), torch.tensor(s)), 2),
        TD.Independent(TD.Normal(torch.tensor(loc * 0), torch.tensor(s * 0 + 1)), 2),
    )
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_gamma_helpers_against_torch():
    torch = _torch()
    a = np.array([0.05, 0.5, 1.0, 2.5, 8.0, 30.0, 200.0])
    x = np.array([0.01, 0.3, 2.0, 1.0, 12.0, 25.0, 230.0])
    p, g = igamma_and_grad(a, x)
    # torch's gammainc is good to ~1e-9 here (ours matches mpmath to ~1e-15)
    want = torch.special.gammainc(torch.tensor(a), torch.tensor(x)).numpy()
    np.testing.assert_allclose(p, want, rtol=1e-8)
    # torch's reparameterised gradient is an approximation good to ~1e-3 (ours: ~1e-13)
    tg = torch._standard_gamma_grad(torch.tensor(a), torch.tensor(x)).numpy()
    np.testing.assert_allclose(g, tg, rtol=2e-2)


_KL_INFINITE = [
    ("Normal", dict(loc=_real(3), scale=_pos(3))),
    ("Laplace", dict(loc=_real(3), scale=_pos(3))),
    ("Exponential", dict(rate=_pos(3))),
    ("Gamma", dict(concentration=_pos(3), rate=_pos(3))),
    ("Poisson", dict(rate=_pos(3))),
    ("Uniform", dict(low=_LOW, high=_HIGH)),
    ("Beta", dict(concentration1=_pos(3), concentration0=_pos(3))),
    ("Bernoulli", dict(probs=_unit(3))),
    ("Binomial", dict(total_count=4, probs=_unit(3))),
]


def test_kl_infinite_pairs_against_torch():
    torch = _torch()
    import torch.distributions as TD

    pairs = [("Normal", q) for q in ("Uniform", "Beta", "Exponential", "Gamma")]
    pairs += [("Laplace", q) for q in ("Uniform", "Beta", "Exponential", "Gamma")]
    pairs += [(p, q) for p in ("Exponential", "Gamma") for q in ("Uniform", "Beta")]
    pairs += [("Poisson", "Bernoulli"), ("Poisson", "Binomial")]
    spec = dict(_KL_INFINITE)
    for p, q in pairs:
        got = kl_divergence(_build(ag, D, p, spec[p])[0], _build(ag, D, q, spec[q])[0])
        want = TD.kl_divergence(_build(torch, TD, p, spec[p])[0], _build(torch, TD, q, spec[q])[0])
        assert got.shape == tuple(want.shape) and got.dtype == np.float64, (p, q)
        np.testing.assert_array_equal(got.numpy(), want.numpy())
        assert not got.requires_grad
    # the broadcast shape (torch's is p's batch_shape)
    got = kl_divergence(D.Normal(t64(0.0), t64(1.0)), D.Uniform(t64(np.zeros(2)), t64(1.0)))
    assert got.shape == (2,) and np.isinf(got.numpy()).all()


def test_lognormal_cdf_and_categorical_values_against_torch():
    torch = _torch()
    import torch.distributions as TD

    v = np.array([0.0, 0.5, 3.0])
    got = D.LogNormal(t64(0.2), t64(1.3)).cdf(t64(v)).numpy()
    want = TD.LogNormal(torch.tensor(0.2, dtype=torch.float64), 1.3).cdf(torch.tensor(v)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    for bad in (torch.tensor([0.5]), torch.tensor([-1])):  # both refuse non-integers / -1
        with pytest.raises(ValueError, match="support"):
            TD.Categorical(torch.tensor([0.2, 0.8])).log_prob(bad)
        with pytest.raises(ValueError, match="support"):
            D.Categorical(ag.tensor([0.2, 0.8])).log_prob(ag.tensor(bad.numpy()))
    m = np.array([[1.0, 2.0], [2.0, 1.0]])
    pattern = "Expected parameter covariance_matrix .* to satisfy the constraint PositiveDefinite"
    with pytest.raises(ValueError, match=pattern):
        TD.MultivariateNormal(torch.zeros(2, dtype=torch.float64), torch.tensor(m))
    with pytest.raises(ValueError, match=pattern):
        D.MultivariateNormal(t64(np.zeros(2)), t64(m))


# -- cuda (a GPU, or the fake CuPy in CI) --------------------------------------------------------


@pytest.mark.gpu
def test_distributions_on_cuda():
    # every distribution on cuda: samples, log_prob, entropy, kl and cdf stay there, and the
    # values and parameter gradients equal the CPU's for the same seed
    def run(device):
        def t(a):
            return ag.tensor(np.asarray(a, np.float64), device=device, requires_grad=True)

        loc, scale, conc = t([0.0, 1.0]), t([1.0, 2.0]), t([1.5, 3.0])
        bern, cat, cov = t([0.3, 0.6]), t([0.2, 0.8]), t([[2.0, 0.5], [0.5, 1.0]])
        dists = [
            D.Normal(loc, scale), D.Laplace(loc, scale), D.Exponential(scale),
            D.Gamma(conc, scale), D.Beta(conc, scale), D.Dirichlet(conc),
            D.Uniform(loc, loc + scale), D.LogNormal(loc, scale), D.Bernoulli(bern),
            D.Poisson(scale), D.Binomial(4, bern), D.Categorical(cat), D.OneHotCategorical(cat),
            D.MultivariateNormal(loc, covariance_matrix=cov),
        ]  # fmt: skip
        outs = []
        for d in dists:
            ag.manual_seed(0)
            x = d.rsample((3,)) if d.has_rsample else d.sample((3,))
            assert x.device.startswith(device), type(d).__name__
            total = d.log_prob(x.detach()).sum() + (x.sum() if d.has_rsample else 0)
            if not isinstance(d, D.Poisson):
                total = total + d.entropy().sum()
            outs.append(total)
        q = D.Normal(ag.zeros(2, dtype=np.float64, device=device), 2.0)
        kl = kl_divergence(D.Normal(loc, scale), q)
        cdf = D.Gamma(conc, scale).cdf(t([0.5, 1.0]))
        assert kl.device.startswith(device) and cdf.device.startswith(device)
        outs += [kl.sum(), cdf.sum()]
        sum(outs).backward()
        params = (loc, scale, conc, bern, cat, cov)
        return [o.item() for o in outs], [p.grad.cpu().numpy() for p in params]

    (vc, gc), (vg, gg) = run("cpu"), run("cuda")
    np.testing.assert_allclose(vg, vc, rtol=1e-12)
    for a, b in zip(gg, gc):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.gpu
def test_float32_draws_on_cuda():
    # cuda samples are drawn on the host and copied: the same float32 guard and values
    top = 1 - 2.0**-24
    for dev in ("cpu", "cuda"):
        _near_one()
        u = ag.rand(2, dtype=np.float32, device=dev)
        assert u.device.startswith(dev) and u.cpu().numpy()[0] == top
        _near_one()
        t = ag.zeros(2, dtype=np.float32, device=dev).uniform_(0.0, 1.0)
        assert t.cpu().numpy()[0] == top
        _near_one()
        d = D.Uniform(ag.zeros(1, device=dev), ag.ones(1, device=dev))
        assert d.log_prob(d.rsample()).cpu().numpy()[0] == 0.0

    def run(dev):
        ag.manual_seed(5)
        a = ag.tensor(np.full(64, 0.01, np.float32), device=dev, requires_grad=True)
        x = D.Beta(a, 0.02).rsample()
        (g,) = ag.grad(x.sum(), [a])
        assert x.device.startswith(dev) and x.dtype == np.float32
        return x.detach().cpu().numpy(), g.cpu().numpy()

    (xc, gc), (xg, gg) = run("cpu"), run("cuda")
    np.testing.assert_array_equal(xg, xc)
    np.testing.assert_allclose(gg, gc, rtol=1e-6)
