"""The newer ``autograd.distributions``: transforms and TransformedDistribution, Cauchy,
HalfNormal, HalfCauchy, Gumbel, StudentT, Chi2, Geometric, Multinomial, RelaxedBernoulli,
RelaxedOneHotCategorical, MixtureSameFamily, LowRankMultivariateNormal, and their KL pairs.

Without torch: log_prob / cdf / entropy against closed forms (NumPy, math); transforms' inverses
and log-dets against autograd derivatives; sample moments (tolerances from the sample size);
gradcheck and gradgradcheck in float64 of log_prob, cdf, icdf, entropy, moments, rsample at a
fixed seed and KL w.r.t. the parameters; shapes, float32, errors.

With torch: every value and first and second order gradient w.r.t. the parameters in float64
against torch.distributions, and every KL pair torch registers for these families.
"""

from __future__ import annotations

import itertools
import math
import types
import warnings

import numpy as np
import pytest

import autograd as ag
import autograd.distributions as D
from autograd.distributions import constraints, kl_divergence
from autograd.distributions import transforms as T
from autograd.errors import ShapeError

RNG = np.random.default_rng(4321)
_lgamma = np.vectorize(math.lgamma)
EULER = 0.57721566490153286060


def _pos(*s):
    return RNG.uniform(0.5, 2.0, s)


def _real(*s):
    return RNG.normal(size=s)


def _unit(*s):
    return RNG.uniform(0.1, 0.9, s)


def _spd(n, batch=()):
    a = RNG.normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def t64(a, grad=False):
    return ag.tensor(np.asarray(a, np.float64), requires_grad=grad)


# -- the cases: (id, make(M, T, *params), parameters, value, icdf probabilities) ---------------
# ``make`` is run with M, T = autograd's distributions / transforms modules and with torch's


def _tril(n):
    m = np.tril(RNG.normal(size=(n, n)) * 0.3)
    np.fill_diagonal(m, RNG.uniform(0.5, 1.5, n))
    return m


CASES = [
    ("Cauchy", lambda M, T, a, b: M.Cauchy(a, b), (_real(3), _pos(2, 1)), _real(2, 3), _unit(3)),
    ("HalfNormal", lambda M, T, s: M.HalfNormal(s), (_pos(3),), _pos(2, 3), _unit(3)),
    ("HalfCauchy", lambda M, T, s: M.HalfCauchy(s), (_pos(3),), _pos(2, 3), _unit(3)),
    ("Gumbel", lambda M, T, a, b: M.Gumbel(a, b), (_real(3), _pos(3)), _real(2, 3), _unit(3)),
    (
        "StudentT",
        lambda M, T, df, a, b: M.StudentT(df, a, b),
        (_pos(3) * 2, _real(3), _pos(3)),
        _real(2, 3),
        None,
    ),
    ("StudentT-df", lambda M, T, df: M.StudentT(df), (np.array([0.7, 1.5, 3.0]),), _real(3), None),
    ("Chi2", lambda M, T, df: M.Chi2(df), (_pos(3) * 2,), _pos(2, 3), None),
    ("Geometric-p", lambda M, T, p: M.Geometric(p), (_unit(3),), np.array([0.0, 2.0, 5.0]), None),
    (
        "Geometric-l",
        lambda M, T, lg: M.Geometric(logits=lg),
        (_real(3),),
        np.array([0.0, 2.0, 5.0]),
        None,
    ),
    (
        "Multinomial-p",
        lambda M, T, p: M.Multinomial(4, probs=p),
        (_pos(2, 3),),
        np.array([[1.0, 3, 0], [2, 1, 1]]),
        None,
    ),
    (
        "Multinomial-l",
        lambda M, T, lg: M.Multinomial(3, logits=lg),
        (_real(3),),
        np.array([[1.0, 2, 0], [0, 0, 3]]),
        None,
    ),
    (
        "LowRankMVN",
        lambda M, T, m, W, d: M.LowRankMultivariateNormal(m, W, d),
        (_real(2, 3), _real(3, 2), _pos(3)),
        _real(4, 2, 3),
        None,
    ),
    (
        "LowRankMVN-batched",
        lambda M, T, m, W, d: M.LowRankMultivariateNormal(m, W, d),
        (_real(3), _real(2, 3, 1), _pos(2, 3)),
        _real(2, 3),
        None,
    ),
    (
        "Transformed-exp",
        lambda M, T, m, s: M.TransformedDistribution(M.Normal(m, s), T.ExpTransform()),
        (_real(3), _pos(3)),
        _pos(2, 3),
        _unit(3),
    ),
    (
        "Transformed-affine-tanh",
        lambda M, T, m, s: M.TransformedDistribution(
            M.Normal(m, s), [T.AffineTransform(0.5, s), T.TanhTransform()]
        ),
        (_real(3), _pos(3)),
        np.tanh(_real(2, 3)),
        _unit(3),
    ),
    (
        "Transformed-sigmoid-negaffine",
        lambda M, T, m, s: M.TransformedDistribution(
            M.Normal(m, s), [T.SigmoidTransform(), T.AffineTransform(1.0, -2.0)]
        ),
        (_real(3), _pos(3)),
        1 - 2 * _unit(2, 3),
        _unit(3),
    ),
    (
        "Transformed-power-tensor-sign",
        lambda M, T, r, e: M.TransformedDistribution(M.Exponential(r), [T.PowerTransform(e)]),
        (_pos(3), np.array([0.5, -1.5, 2.0])),
        _pos(2, 3),
        _unit(3),
    ),
    (
        "Transformed-affine-event",
        lambda M, T, m, s, b: M.TransformedDistribution(
            M.Normal(m, s), [T.AffineTransform(b, s, event_dim=1)]
        ),
        (_real(2, 3), _pos(3), _real(3)),
        _real(4, 2, 3),
        None,
    ),
    (
        "Transformed-mvn-compose",
        lambda M, T, m, L, s: M.TransformedDistribution(
            M.MultivariateNormal(m, scale_tril=L),
            T.ComposeTransform([T.AffineTransform(0.0, s, event_dim=1), T.ExpTransform()]),
        ),
        (_real(2), _tril(2), _pos(2)),
        _pos(3, 2),
        None,
    ),
    (
        "RelaxedBernoulli",
        lambda M, T, t, p: M.RelaxedBernoulli(t, probs=p),
        (np.array(0.7), _unit(3)),
        _unit(2, 3),
        None,
    ),
    (
        "RelaxedBernoulli-logits",
        lambda M, T, t, lg: M.RelaxedBernoulli(t, logits=lg),
        (np.array([0.5, 2.0, 1.0]), _real(3)),
        _unit(3),
        None,
    ),
    (
        "RelaxedOneHotCategorical",
        lambda M, T, t, p: M.RelaxedOneHotCategorical(t, probs=p),
        (np.array(0.8), _pos(2, 3)),
        RNG.dirichlet([1, 1, 1], 2),
        None,
    ),
    (
        "Mixture-Normal",
        lambda M, T, w, m, s: M.MixtureSameFamily(M.Categorical(logits=w), M.Normal(m, s)),
        (_real(2, 3), _real(2, 3), _pos(2, 3)),
        _real(4, 2),
        None,
    ),
    (
        "Mixture-MVN-broadcast",
        lambda M, T, w, m, d: M.MixtureSameFamily(
            M.Categorical(probs=w), M.Independent(M.Normal(m, d), 1)
        ),
        (_pos(3), _real(2, 3, 2), _pos(2, 3, 2)),
        _real(4, 2, 2),
        None,
    ),
]
IDS = [c[0] for c in CASES]
METHODS = ["log_prob", "cdf", "icdf", "entropy", "mean", "variance", "stddev", "mode"]


def _apply(d, method, value, probs, lib):
    if method in ("log_prob", "cdf"):
        return getattr(d, method)(lib.tensor(value))
    if method == "icdf":
        return d.icdf(lib.tensor(probs))
    if method == "entropy":
        return d.entropy()
    return getattr(d, method)


def _make(lib, M, Tm, make, params, grad=True):
    ts = [lib.tensor(np.asarray(p, np.float64), requires_grad=grad) for p in params]
    return make(M, Tm, *ts), ts


# -- closed forms without torch -----------------------------------------------------------------


def test_log_prob_cdf_entropy_closed_forms():
    x = np.array([-2.0, -0.3, 0.0, 1.1, 4.0])
    c = D.Cauchy(t64(0.5), t64(2.0))
    z = (x - 0.5) / 2
    np.testing.assert_allclose(c.log_prob(t64(x)).numpy(), -np.log(np.pi * 2 * (1 + z**2)))
    np.testing.assert_allclose(c.cdf(t64(x)).numpy(), np.arctan(z) / np.pi + 0.5, rtol=1e-13)
    np.testing.assert_allclose(c.icdf(c.cdf(t64(x))).numpy(), x, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(c.entropy().item(), math.log(8 * math.pi))
    xp = np.abs(x)
    hn = D.HalfNormal(t64(1.5))
    ref = 0.5 * np.log(2 / np.pi) - np.log(1.5) - xp**2 / (2 * 1.5**2)
    np.testing.assert_allclose(hn.log_prob(t64(xp)).numpy(), ref, rtol=1e-13)
    erf = np.vectorize(math.erf)
    np.testing.assert_allclose(hn.cdf(t64(xp)).numpy(), erf(xp / (1.5 * math.sqrt(2))))
    np.testing.assert_allclose(hn.entropy().item(), 0.5 * math.log(math.pi * 1.5**2 / 2) + 0.5)
    hc = D.HalfCauchy(t64(2.0))
    np.testing.assert_allclose(
        hc.log_prob(t64(xp)).numpy(), np.log(2 / (np.pi * 2 * (1 + (xp / 2) ** 2)))
    )
    np.testing.assert_allclose(hc.cdf(t64(xp)).numpy(), 2 / np.pi * np.arctan(xp / 2))
    g = D.Gumbel(t64(0.3), t64(1.7))
    z = (x - 0.3) / 1.7
    np.testing.assert_allclose(g.log_prob(t64(x)).numpy(), -z - np.exp(-z) - np.log(1.7))
    np.testing.assert_allclose(g.cdf(t64(x)).numpy(), np.exp(-np.exp(-z)), rtol=1e-12)
    np.testing.assert_allclose(g.icdf(g.cdf(t64(x))).numpy(), x, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(g.entropy().item(), math.log(1.7) + 1 + EULER)
    df, loc, sc = 3.5, 0.2, 1.3
    st = D.StudentT(t64(df), t64(loc), t64(sc))
    y = (x - loc) / sc
    ref = (
        math.lgamma((df + 1) / 2)
        - math.lgamma(df / 2)
        - 0.5 * math.log(df * math.pi)
        - math.log(sc)
        - (df + 1) / 2 * np.log1p(y**2 / df)
    )
    np.testing.assert_allclose(st.log_prob(t64(x)).numpy(), ref, rtol=1e-13)
    # StudentT(1) is Cauchy: entropy log(4 pi scale)
    np.testing.assert_allclose(
        D.StudentT(t64(1.0), 0.0, t64(2.0)).entropy().item(), math.log(8 * math.pi), rtol=1e-13
    )
    ch = D.Chi2(t64([1.0, 4.0]))
    xs = np.array([0.7, 2.5])
    k = np.array([1.0, 4.0])
    ref = (k / 2 - 1) * np.log(xs) - xs / 2 - k / 2 * np.log(2) - _lgamma(k / 2)
    np.testing.assert_allclose(ch.log_prob(t64(xs)).numpy(), ref, rtol=1e-13)
    assert ch.df.numpy().tolist() == [1.0, 4.0]
    ge = D.Geometric(t64(0.3))
    ks = np.array([0.0, 1.0, 5.0])
    np.testing.assert_allclose(ge.log_prob(t64(ks)).numpy(), ks * np.log(0.7) + np.log(0.3))
    ent = -sum(0.3 * 0.7**k * math.log(0.3 * 0.7**k) for k in range(2000))
    np.testing.assert_allclose(ge.entropy().item(), ent, rtol=1e-12)
    assert D.Geometric(t64(1.0)).log_prob(t64(0.0)).item() == 0.0


def test_multinomial_log_prob_and_entropy_by_enumeration():
    p = np.array([0.2, 0.3, 0.5])
    n = 4
    m = D.Multinomial(n, t64(p * 2))  # unnormalised probs
    xs = np.array([x for x in itertools.product(range(n + 1), repeat=3) if sum(x) == n], float)
    ref = _lgamma(n + 1) - _lgamma(xs + 1).sum(-1) + (xs * np.log(p)).sum(-1)
    lp = m.log_prob(t64(xs)).numpy()
    np.testing.assert_allclose(lp, ref, rtol=1e-12)
    np.testing.assert_allclose(np.exp(lp).sum(), 1.0, rtol=1e-12)
    np.testing.assert_allclose(m.entropy().item(), -(np.exp(ref) * ref).sum(), rtol=1e-13)
    # a zero probability: x_i = 0 there contributes 0, not 0 * -inf
    z = D.Multinomial(2, t64([0.0, 0.5, 0.5]))
    np.testing.assert_allclose(z.log_prob(t64([0.0, 1.0, 1.0])).item(), math.log(0.5))


def test_lowrank_mvn_matches_dense_mvn():
    loc, W, d = _real(2, 4), _real(4, 2), _pos(4)
    lr = D.LowRankMultivariateNormal(t64(loc), t64(W), t64(d))
    cov = W @ W.T + np.diag(d)
    mvn = D.MultivariateNormal(t64(loc), covariance_matrix=t64(cov))
    x = t64(_real(3, 2, 4))
    np.testing.assert_allclose(lr.log_prob(x).numpy(), mvn.log_prob(x).numpy(), rtol=1e-12)
    np.testing.assert_allclose(lr.entropy().numpy(), mvn.entropy().numpy(), rtol=1e-12)
    np.testing.assert_allclose(lr.covariance_matrix.numpy()[0], cov, rtol=1e-12)
    np.testing.assert_allclose(lr.precision_matrix.numpy()[1], np.linalg.inv(cov), rtol=1e-10)
    L = lr.scale_tril.numpy()[0]
    np.testing.assert_allclose(L @ L.T, cov, rtol=1e-12)
    np.testing.assert_allclose(np.triu(L, 1), 0.0)
    np.testing.assert_allclose(lr.variance.numpy(), np.broadcast_to(np.diag(cov), (2, 4)))
    assert lr.batch_shape == (2,) and lr.event_shape == (4,)


def test_transformed_matches_lognormal_and_closed_forms():
    m, s = t64(_real(3)), t64(_pos(3))
    td = D.TransformedDistribution(D.Normal(m, s), D.ExpTransform())
    ln = D.LogNormal(m, s)
    x = t64(_pos(2, 3))
    for meth in ("log_prob", "cdf"):
        np.testing.assert_allclose(getattr(td, meth)(x).numpy(), getattr(ln, meth)(x).numpy())
    u = t64(_unit(3))
    np.testing.assert_allclose(td.icdf(u).numpy(), ln.icdf(u).numpy(), rtol=1e-13)
    # tanh(N(0, 1)): density phi(atanh y) / (1 - y^2)
    th = D.TransformedDistribution(D.Normal(t64(0.0), t64(1.0)), D.TanhTransform())
    y = np.array([-0.9, 0.0, 0.5, 0.99])
    ref = -0.5 * np.arctanh(y) ** 2 - 0.5 * math.log(2 * math.pi) - np.log1p(-(y**2))
    np.testing.assert_allclose(th.log_prob(t64(y)).numpy(), ref, rtol=1e-12)
    # a decreasing transform flips the cdf: P(1 - 2 U <= y) = 1 - (1 - y) / 2 on [-1, 1]
    fl = D.TransformedDistribution(D.Uniform(t64(0.0), t64(1.0)), D.AffineTransform(1.0, -2.0))
    np.testing.assert_allclose(fl.cdf(t64([-0.5, 0.5])).numpy(), [0.25, 0.75])
    np.testing.assert_allclose(fl.icdf(t64([0.25, 0.75])).numpy(), [-0.5, 0.5])
    np.testing.assert_allclose(fl.log_prob(t64([0.3])).numpy(), [-math.log(2)])


# -- transforms ---------------------------------------------------------------------------------

TRANSFORMS = [  # (transform, input in its domain)
    (T.ExpTransform(), _real(2, 3)),
    (T.AffineTransform(t64(_real(3)), t64(_pos(3) - 1.2)), _real(2, 3)),
    (T.AffineTransform(2.0, -0.5), _real(3)),
    (T.SigmoidTransform(), _real(2, 3) * 3),
    (T.TanhTransform(), _real(2, 3)),
    (T.PowerTransform(t64([0.5, -2.0, 3.0])), _pos(2, 3)),
    (T.ComposeTransform([T.ExpTransform(), T.PowerTransform(2.5), T.ExpTransform().inv]), _real(3)),
    (T.ExpTransform().inv, _pos(2, 3)),
]


@pytest.mark.parametrize("i", range(len(TRANSFORMS)))
def test_transform_inverse_and_log_det(i):
    t, x = TRANSFORMS[i]
    x = t64(x, grad=True)
    y = t(x)
    np.testing.assert_allclose(t.inv(y).detach().numpy(), x.detach().numpy(), rtol=1e-10)
    assert t.inv.inv is t or t.inv.inv == t
    assert t.bijective and t.domain.check(x).all() and t.codomain.check(y).all()
    # elementwise: log|dy/dx| from autograd, against log_abs_det_jacobian, and its sign
    (dydx,) = ag.grad(y.sum(), [x])
    ladj = t.log_abs_det_jacobian(x, y).detach().numpy()
    np.testing.assert_allclose(ladj, np.log(np.abs(dydx.numpy())), rtol=1e-10, atol=1e-12)
    sign = t.sign
    sign = sign.numpy() if isinstance(sign, ag.Tensor) else sign
    assert np.all(np.sign(dydx.numpy()) == sign)
    inv_ladj = t.inv.log_abs_det_jacobian(y, x).detach().numpy()
    np.testing.assert_allclose(inv_ladj, -ladj, rtol=1e-12)
    assert ag.gradgradcheck(lambda x: t.log_abs_det_jacobian(x, t(x)), (x,))


def test_transform_event_dims_shapes_and_equality():
    a = T.AffineTransform(t64(_real(3)), t64(_pos(3)), event_dim=1)
    assert a.domain.event_dim == 1 and a.codomain.event_dim == 1
    x = t64(_real(4, 3))
    ladj = a.log_abs_det_jacobian(x, a(x))
    assert ladj.shape == (4,)
    np.testing.assert_allclose(ladj.numpy(), np.log(a.scale.numpy()).sum(), rtol=1e-13)
    assert a.forward_shape((3,)) == (3,) and a.forward_shape((2, 1)) == (2, 3)
    sm = T.SoftmaxTransform()
    assert not sm.bijective and sm.domain.event_dim == 1 and sm.codomain is constraints.simplex
    y = sm(t64(_real(2, 4)))
    np.testing.assert_allclose(y.numpy().sum(-1), 1.0)
    np.testing.assert_allclose(sm(sm.inv(y)).numpy(), y.numpy(), rtol=1e-13)
    with pytest.raises(NotImplementedError):
        sm.log_abs_det_jacobian(y, y)
    c = T.ComposeTransform([T.ExpTransform(), T.AffineTransform(0.0, 1.0, event_dim=2)])
    assert c.domain.event_dim == 2 and c.codomain.event_dim == 2
    xx = t64(_real(5, 2, 3))
    np.testing.assert_allclose(c.log_abs_det_jacobian(xx, c(xx)).numpy(), xx.numpy().sum((1, 2)))
    assert c.sign == 1 and c.inv.parts[0] == c.parts[1].inv
    assert T.identity_transform(xx) is xx
    assert T.ExpTransform() == T.ExpTransform() and T.ExpTransform() != T.TanhTransform()
    assert T.AffineTransform(1.0, 2.0) == T.AffineTransform(1.0, 2.0)
    assert T.AffineTransform(1.0, 2.0) != T.AffineTransform(1.0, 3.0)
    assert T.AbsTransform()(t64([-2.0, 3.0])).numpy().tolist() == [2.0, 3.0]
    with pytest.raises(NotImplementedError, match="caching"):
        T.ExpTransform(cache_size=1)
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        T.ExpTransform(cache_size=2)
    with pytest.raises(ValueError, match="event_dim must be an int >= 0"):
        T.AffineTransform(0.0, 1.0, event_dim=-1)
    with pytest.raises(TypeError, match="loc must be a Tensor or a number"):
        T.AffineTransform("a", 1.0)
    with pytest.raises(TypeError, match="expected a list of Transforms"):
        T.ComposeTransform([T.ExpTransform(), 3])
    f32 = T.SigmoidTransform()(ag.tensor([-200.0, 0.0, 200.0]))
    assert f32.dtype == np.float32 and 0 < f32.numpy()[0] and f32.numpy()[2] < 1


def test_transformed_distribution_shapes():
    base = D.Normal(t64(np.zeros(3)), t64(np.ones(3)))
    td = D.TransformedDistribution(base, D.AffineTransform(t64(np.zeros((2, 1))), 2.0))
    assert td.batch_shape == (2, 3) and td.base_dist.batch_shape == (2, 3)
    assert td.rsample((4,)).shape == (4, 2, 3) and td.log_prob(t64(np.ones(3))).shape == (2, 3)
    ev = D.TransformedDistribution(base, D.AffineTransform(0.0, 2.0, event_dim=1))
    assert ev.batch_shape == () and ev.event_shape == (3,)
    assert isinstance(ev.base_dist, D.Independent) and ev.log_prob(t64(np.ones(3))).shape == ()
    assert ev.expand((5,)).sample().shape == (5, 3)
    sm = D.TransformedDistribution(base, D.SoftmaxTransform())
    assert sm.event_shape == (3,) and sm.support is constraints.simplex
    assert td.expand((4, 2, 3)).batch_shape == (4, 2, 3)
    assert isinstance(D.HalfNormal(t64(1.0)).expand((2,)), D.HalfNormal)
    g = D.Gumbel(t64([0.0, 1.0]), t64(1.0)).expand((3, 2))
    assert isinstance(g, D.Gumbel) and g.sample().shape == (3, 2) and g.loc.shape == (3, 2)
    with pytest.raises(ValueError, match="transforms must be a Transform or a list"):
        D.TransformedDistribution(base, "exp")
    with pytest.raises(ValueError, match="base_distribution needs to have shape"):
        D.TransformedDistribution(D.Normal(0.0, 1.0), D.SoftmaxTransform())
    with pytest.raises(ValueError, match="within the support"):
        D.TransformedDistribution(base, D.ExpTransform()).log_prob(t64([-1.0, 1.0, 1.0]))


# -- sampling -----------------------------------------------------------------------------------

N = 20000

MOMENTS = [  # (distribution, mean, variance, kurtosis for the tolerances)
    (lambda: D.HalfNormal(t64([0.5, 2.0])), [0.5 * math.sqrt(2 / math.pi),
     2 * math.sqrt(2 / math.pi)], [0.25 * (1 - 2 / math.pi), 4 * (1 - 2 / math.pi)], 4),
    (lambda: D.Gumbel(t64(1.0), t64(2.0)), 1 + 2 * EULER, (2 * math.pi) ** 2 / 6, 5.4),
    (lambda: D.StudentT(t64(9.0), t64(1.0), t64(0.5)), 1.0, 0.25 * 9 / 7, 3 + 6 / 5),
    (lambda: D.Chi2(t64([1.0, 5.0])), [1.0, 5.0], [2.0, 10.0], 15),
    (lambda: D.Geometric(t64([0.3, 0.8])), [7 / 3, 0.25], [7 / 0.9, 0.3125], 12),
    (lambda: D.Multinomial(5, t64([0.2, 0.8])), [1.0, 4.0], [0.8, 0.8], 3),
    (
        lambda: D.MixtureSameFamily(
            D.Categorical(t64([0.3, 0.7])), D.Normal(t64([-1.0, 2.0]), t64([0.5, 1.0]))
        ),
        0.3 * -1 + 0.7 * 2,
        0.3 * 0.25 + 0.7 * 1 + 0.3 * 0.7 * 9,
        4,
    ),
    (
        lambda: D.TransformedDistribution(D.Normal(t64(0.2), t64(0.3)), D.ExpTransform()),
        math.exp(0.2 + 0.045),
        math.expm1(0.09) * math.exp(0.49),
        4,
    ),
]  # fmt: skip


@pytest.mark.parametrize("i", range(len(MOMENTS)))
def test_sample_moments(i):
    make, mean, var, kurt = MOMENTS[i]
    ag.manual_seed(100 + i)
    d = make()
    x = d.sample((N,)).numpy()
    assert x.shape == (N,) + d.batch_shape + d.event_shape
    mean, var = np.broadcast_to(mean, x.shape[1:]), np.broadcast_to(var, x.shape[1:])
    assert np.all(np.abs(x.mean(0) - mean) < 5 * np.sqrt(var / N))
    assert np.all(np.abs(x.var(0) - var) < 5 * var * np.sqrt((kurt - 1) / N))
    if not isinstance(d, D.TransformedDistribution):
        np.testing.assert_allclose(d.mean.numpy(), mean, rtol=1e-12)
        np.testing.assert_allclose(d.variance.numpy(), var, rtol=1e-12)


def test_heavy_tailed_and_relaxed_samples():
    ag.manual_seed(5)
    # Cauchy / HalfCauchy: quartiles (sd of a sample quantile sqrt(q(1-q)/N)/density)
    c = D.Cauchy(t64(1.0), t64(2.0)).sample((N,)).numpy()
    q1, q2, q3 = np.quantile(c, [0.25, 0.5, 0.75])
    tol = 5 * math.sqrt(0.25 * 0.75 / N) / (1 / (math.pi * 2 * 2))  # density at quartile
    assert abs(q1 + 1) < tol and abs(q3 - 3) < tol and abs(q2 - 1) < tol
    h = D.HalfCauchy(t64(2.0)).sample((N,)).numpy()
    assert h.min() >= 0 and abs(np.median(h) - 2.0) < tol
    # relaxed samples lie in the support, and at a low temperature approach the discrete law
    rb = D.RelaxedBernoulli(t64(0.05), probs=t64([0.2, 0.9])).rsample((N,)).numpy()
    assert np.all((rb >= 0) & (rb <= 1))
    assert np.all(np.abs((rb > 0.5).mean(0) - [0.2, 0.9]) < 5 * np.sqrt(0.2 * 0.8 / N))
    ro = D.RelaxedOneHotCategorical(t64(0.05), probs=t64([0.2, 0.3, 0.5])).rsample((N,)).numpy()
    np.testing.assert_allclose(ro.sum(-1), 1.0, rtol=1e-12)
    freq = np.bincount(ro.argmax(-1), minlength=3) / N
    assert np.all(np.abs(freq - [0.2, 0.3, 0.5]) < 5 * np.sqrt(0.25 / N))
    # LowRankMVN: the sample covariance
    W, d = np.array([[1.0], [0.5]]), np.array([0.5, 1.0])
    lr = D.LowRankMultivariateNormal(t64([1.0, -1.0]), t64(W), t64(d))
    y = lr.rsample((N,)).numpy()
    np.testing.assert_allclose(np.cov(y.T), W @ W.T + np.diag(d), atol=6 * 1.5 * math.sqrt(2 / N))
    # Mixture of MVN-like components: samples per component
    mix = D.MixtureSameFamily(
        D.Categorical(t64([0.5, 0.5])),
        D.Independent(D.Normal(t64([[-10.0, 0.0], [10.0, 5.0]]), t64(0.1)), 1),
    )
    s = mix.sample((N,)).numpy()
    assert s.shape == (N, 2)
    left = s[:, 0] < 0
    assert abs(left.mean() - 0.5) < 5 * math.sqrt(0.25 / N)
    np.testing.assert_allclose(s[left, 1].mean(), 0.0, atol=0.02)
    np.testing.assert_allclose(s[~left, 1].mean(), 5.0, atol=0.02)


def test_seeded_samples_reproduce():
    for make in (
        lambda: D.Cauchy(t64(0.0), t64(1.0)),
        lambda: D.Gumbel(t64(0.0), t64(1.0)),
        lambda: D.StudentT(t64(3.0)),
        lambda: D.Geometric(t64(0.4)),
        lambda: D.Multinomial(3, t64([0.5, 0.5])),
        lambda: D.RelaxedBernoulli(t64(0.5), t64(0.3)),
    ):
        ag.manual_seed(9)
        a = make().sample((5,)).numpy()
        ag.manual_seed(9)
        np.testing.assert_array_equal(a, make().sample((5,)).numpy())


# -- gradcheck and gradgradcheck ----------------------------------------------------------------


def _seeded(make, shape=(3,)):
    def fn(*params):
        ag.manual_seed(11)
        return make(*params).rsample(shape)

    return fn


RSAMPLE = [  # exact to second order in these parameters
    ("Cauchy", lambda a, b: D.Cauchy(a, b), (_real(2), _pos(2))),
    ("HalfNormal", lambda s: D.HalfNormal(s), (_pos(2),)),
    ("HalfCauchy", lambda s: D.HalfCauchy(s), (_pos(2),)),
    ("Gumbel", lambda a, b: D.Gumbel(a, b), (_real(2), _pos(2))),
    ("StudentT-loc-scale", lambda a, b: D.StudentT(t64([2.0, 5.0]), a, b), (_real(2), _pos(2))),
    ("LowRankMVN", lambda m, W, d: D.LowRankMultivariateNormal(m, W, d), (_real(3), _real(3, 2),
     _pos(3))),
    ("RelaxedBernoulli", lambda t, p: D.RelaxedBernoulli(t, p), (np.array(0.6), _unit(2))),
    ("RelaxedOneHot", lambda t, lg: D.RelaxedOneHotCategorical(t, logits=lg), (np.array(0.6),
     _real(2, 3))),
    ("Transformed", lambda m, s: D.TransformedDistribution(D.Normal(m, s), [D.AffineTransform(
        1.0, s), D.TanhTransform()]), (_real(2), _pos(2))),
]  # fmt: skip


@pytest.mark.parametrize("name,make,params", RSAMPLE, ids=[r[0] for r in RSAMPLE])
def test_rsample_gradcheck_at_a_fixed_seed(name, make, params):
    ins = tuple(t64(p, grad=True) for p in params)
    assert ag.gradcheck(_seeded(make), ins)
    assert ag.gradgradcheck(_seeded(make), ins)


def test_studentt_and_chi2_rsample_df_gradient_first_order():
    # through the Gamma (implicit reparameterisation): first order only, as torch's
    df = t64([2.5, 6.0], grad=True)
    ag.manual_seed(1)
    x = D.Chi2(df).rsample((4,))
    (g,) = ag.grad(x.sum(), [df])
    assert np.all(np.isfinite(g.numpy())) and np.all(g.numpy() > 0)
    n = 20000
    df = t64(np.full(n, 4.0), grad=True)
    x = D.Chi2(df).rsample()
    (g,) = ag.grad(x.sum(), [df])  # d E[x] / d df = 1
    assert abs(g.numpy().mean() - 1.0) < 5 * g.numpy().std() / math.sqrt(n)
    y = D.StudentT(t64(np.full(n, 5.0), grad=True)).rsample()
    assert y.requires_grad


GRAD = [  # (name, make, parameters, value, methods)
    ("Cauchy", D.Cauchy, (_real(3), _pos(3)), _real(3),
     ["log_prob", "cdf", "icdf", "entropy"]),
    ("HalfNormal", D.HalfNormal, (_pos(3),), _pos(3),
     ["log_prob", "cdf", "icdf", "entropy", "mean", "variance"]),
    ("HalfCauchy", D.HalfCauchy, (_pos(3),), _pos(3), ["log_prob", "cdf", "icdf", "entropy"]),
    ("Gumbel", D.Gumbel, (_real(3), _pos(3)), _real(3),
     ["log_prob", "cdf", "icdf", "entropy", "mean", "variance"]),
    ("StudentT", D.StudentT, (_pos(3) + 2.5, _real(3), _pos(3)), _real(3),
     ["log_prob", "entropy", "variance"]),
    ("Chi2", D.Chi2, (_pos(3) * 2,), _pos(3), ["log_prob", "entropy", "variance"]),
    ("Geometric", D.Geometric, (_unit(3),), np.array([0.0, 1.0, 4.0]),
     ["log_prob", "entropy", "variance"]),
    ("Multinomial", lambda p: D.Multinomial(3, p), (_pos(2, 3),),
     np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 3.0]]), ["log_prob", "entropy", "variance"]),
    ("LowRankMVN", D.LowRankMultivariateNormal, (_real(3), _real(3, 2), _pos(3)), _real(2, 3),
     ["log_prob", "entropy", "variance"]),
    ("RelaxedBernoulli", lambda t, p: D.RelaxedBernoulli(t, p), (np.array(0.7), _unit(3)),
     _unit(3), ["log_prob"]),
    ("RelaxedOneHot", lambda t, p: D.RelaxedOneHotCategorical(t, p), (np.array(0.7), _pos(3)),
     RNG.dirichlet([1, 1, 1], 2), ["log_prob"]),
    ("Mixture", lambda w, m, s: D.MixtureSameFamily(D.Categorical(logits=w), D.Normal(m, s)),
     (_real(3), _real(3), _pos(3)), _real(2), ["log_prob", "cdf", "mean", "variance"]),
    ("Transformed", lambda m, s: D.TransformedDistribution(D.Normal(m, s), [D.AffineTransform(
        0.5, s), D.SigmoidTransform()]), (_real(3), _pos(3)), _unit(3),
     ["log_prob", "cdf", "icdf"]),
]  # fmt: skip


@pytest.mark.parametrize("name,make,params,value,methods", GRAD, ids=[c[0] for c in GRAD])
def test_gradcheck_and_gradgradcheck(name, make, params, value, methods):
    ins = tuple(t64(p, grad=True) for p in params)
    v = t64(value)
    probs = t64(_unit(*np.shape(value)))
    for m in methods:

        def fn(*ps, m=m):
            d = make(*ps)
            if m == "icdf":
                return d.icdf(probs)
            if m in ("log_prob", "cdf"):
                return getattr(d, m)(v)
            return d.entropy() if m == "entropy" else getattr(d, m)

        assert ag.gradcheck(fn, ins), m
        assert ag.gradgradcheck(fn, ins), m


KL_CASES = [  # (name, make p, make q, parameters of p, parameters of q)
    ("Cauchy", D.Cauchy, D.Cauchy, (_real(3), _pos(3)), (_real(3), _pos(3))),
    ("Gumbel", D.Gumbel, D.Gumbel, (_real(3), _pos(3)), (_real(3), _pos(3))),
    ("Geometric", D.Geometric, lambda lg: D.Geometric(logits=lg), (_unit(3),), (_real(3),)),
    ("HalfNormal", D.HalfNormal, D.HalfNormal, (_pos(3),), (_pos(3),)),
    ("LowRank-LowRank", D.LowRankMultivariateNormal, D.LowRankMultivariateNormal,
     (_real(2, 3), _real(3, 2), _pos(3)), (_real(3), _real(3, 1), _pos(3))),
    ("MVN-LowRank", lambda m, L: D.MultivariateNormal(m, scale_tril=ag.tril(L)),
     D.LowRankMultivariateNormal, (_real(3), _tril(3)), (_real(2, 3), _real(3, 2), _pos(3))),
    ("LowRank-MVN", D.LowRankMultivariateNormal,
     lambda m, L: D.MultivariateNormal(m, scale_tril=ag.tril(L)),
     (_real(2, 3), _real(3, 2), _pos(3)), (_real(3), _tril(3))),
    ("Exponential-Gumbel", D.Exponential, D.Gumbel, (_pos(3),), (_real(3), _pos(3))),
    ("Gamma-Gumbel", D.Gamma, D.Gumbel, (_pos(3), _pos(3)), (_real(3), _pos(3))),
    ("Gumbel-Normal", D.Gumbel, D.Normal, (_real(3), _pos(3)), (_real(3), _pos(3))),
    ("Normal-Gumbel", D.Normal, D.Gumbel, (_real(3), _pos(3)), (_real(3), _pos(3))),
    ("Uniform-Gumbel", D.Uniform, D.Gumbel, (np.array([-1.0, 0.0]), np.array([0.5, 2.0])),
     (_real(2), _pos(2))),
    ("Transformed", lambda m, s: D.TransformedDistribution(D.Normal(m, s), D.ExpTransform()),
     lambda m, s: D.TransformedDistribution(D.Normal(m, s), D.ExpTransform()),
     (_real(3), _pos(3)), (_real(3), _pos(3))),
]  # fmt: skip


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


def test_kl_monte_carlo_and_special_cases():
    ag.manual_seed(3)
    pairs = [
        (D.Gumbel(t64(0.5), t64(1.5)), D.Normal(t64(0.0), t64(2.0))),
        (D.Cauchy(t64(0.5), t64(1.5)), D.Cauchy(t64(-1.0), t64(0.7))),
        (
            D.LowRankMultivariateNormal(t64([0.0, 1.0]), t64([[1.0], [0.5]]), t64([0.5, 1.0])),
            D.MultivariateNormal(t64([1.0, 0.0]), covariance_matrix=t64(_spd(2))),
        ),
    ]
    for p, q in pairs:
        x = p.sample((N,))
        mc = (p.log_prob(x) - q.log_prob(x)).numpy()
        assert abs(mc.mean() - kl_divergence(p, q).item()) < 5 * mc.std() / math.sqrt(N)
    g = D.Gumbel(t64([0.0, 1.0]), t64(1.0))
    assert np.all(np.isinf(kl_divergence(g, D.Exponential(t64(1.0))).numpy()))
    assert abs(kl_divergence(g, g).numpy()).max() < 1e-14
    ln = D.TransformedDistribution(D.Normal(t64(0.0), t64(1.0)), D.ExpTransform())
    other = D.TransformedDistribution(D.Normal(t64(0.0), t64(1.0)), D.TanhTransform())
    with pytest.raises(NotImplementedError, match="different transforms"):
        kl_divergence(ln, other)
    lr3 = D.LowRankMultivariateNormal(t64(np.zeros(3)), t64(np.ones((3, 1))), t64(np.ones(3)))
    lr2 = D.LowRankMultivariateNormal(t64(np.zeros(2)), t64(np.ones((2, 1))), t64(np.ones(2)))
    with pytest.raises(ValueError, match="different event shapes"):
        kl_divergence(lr3, lr2)


# -- errors, dtypes, shapes ---------------------------------------------------------------------


def test_invalid_parameters_and_values():
    with pytest.raises(ValueError, match="parameter scale .* of distribution Cauchy"):
        D.Cauchy(t64(0.0), t64(-1.0))
    with pytest.raises(ValueError, match="parameter scale .* HalfNormal"):
        D.HalfNormal(t64([1.0, 0.0]))
    with pytest.raises(ValueError, match="parameter df"):
        D.StudentT(t64(-1.0))
    with pytest.raises(ValueError, match="parameter df"):
        D.Chi2(t64([2.0, -1.0]))
    with pytest.raises(ValueError, match="probs .* to be positive"):
        D.Geometric(t64([0.5, 0.0]))
    with pytest.raises(ValueError, match="either `probs` or `logits`"):
        D.Geometric()
    with pytest.raises(NotImplementedError, match="inhomogeneous total_count"):
        D.Multinomial(t64([2.0]), t64([0.5, 0.5]))
    with pytest.raises(ValueError, match="within the support"):
        D.Multinomial(2, t64([0.5, 0.5])).log_prob(t64([2.0, 1.0]))
    with pytest.raises(ValueError, match="within the support"):
        D.HalfNormal(t64(1.0)).log_prob(t64(-0.5))
    with pytest.raises(ValueError, match="within the support"):
        D.Geometric(t64(0.5)).log_prob(t64(1.5))
    with pytest.raises(ValueError, match="loc must be at least one-dimensional"):
        D.LowRankMultivariateNormal(t64(0.0), t64(np.ones((1, 1))), t64(np.ones(1)))
    with pytest.raises(ValueError, match="cov_factor must be at least two-dimensional"):
        D.LowRankMultivariateNormal(t64(np.zeros(2)), t64(np.ones(2)), t64(np.ones(2)))
    with pytest.raises(ShapeError, match="cov_factor must be a batch of matrices with shape 2"):
        D.LowRankMultivariateNormal(t64(np.zeros(2)), t64(np.ones((3, 1))), t64(np.ones(2)))
    with pytest.raises(ShapeError, match="cov_diag must be a batch of vectors"):
        D.LowRankMultivariateNormal(t64(np.zeros(2)), t64(np.ones((2, 1))), t64(np.ones(3)))
    with pytest.raises(ShapeError, match="not broadcastable"):
        D.LowRankMultivariateNormal(t64(np.zeros((2, 2))), t64(np.ones((3, 2, 1))), t64(np.ones(2)))
    with pytest.raises(ValueError, match="parameter cov_diag"):
        D.LowRankMultivariateNormal(t64(np.zeros(2)), t64(np.ones((2, 1))), t64([1.0, -1.0]))
    with pytest.raises(TypeError, match="Cauchy: loc must be a floating point"):
        D.Cauchy(ag.tensor([1, 2]), 1.0)
    cat = D.Categorical(t64([0.5, 0.5]))
    with pytest.raises(ValueError, match="needs to be an instance of .*Categorical"):
        D.MixtureSameFamily(D.Normal(0.0, 1.0), D.Normal(t64([0.0, 1.0]), 1.0))
    with pytest.raises(ValueError, match=r"\(2\) does not equal .*\(3\)"):
        D.MixtureSameFamily(cat, D.Normal(t64(np.zeros(3)), 1.0))
    with pytest.raises(ValueError, match="is not compatible with"):
        D.MixtureSameFamily(
            D.Categorical(t64(np.ones((2, 2)))), D.Normal(t64(np.zeros((3, 2))), 1.0)
        )
    with pytest.raises(TypeError, match="temperature must be a Tensor or a number"):
        D.RelaxedBernoulli("hot", probs=t64(0.5))


def test_moments_of_undefined_cases_and_float32():
    st = D.StudentT(t64([0.5, 1.5, 3.0]), t64(2.0), t64(1.0))
    m, v = st.mean.numpy(), st.variance.numpy()
    assert np.isnan(m[0]) and m[1] == 2.0 and np.isnan(v[0]) and np.isinf(v[1])
    np.testing.assert_allclose(v[2], 3.0)
    c = D.Cauchy(t64([0.0, 1.0]), t64(1.0))
    assert np.all(np.isnan(c.mean.numpy())) and np.all(np.isinf(c.variance.numpy()))
    assert np.all(np.isinf(D.HalfCauchy(t64([1.0, 2.0])).mean.numpy()))
    for d in (
        D.Cauchy(ag.tensor([0.0, 1.0]), ag.tensor(1.0)),
        D.HalfNormal(ag.tensor([1.0, 2.0])),
        D.Gumbel(ag.tensor([0.0, 1.0]), ag.tensor(2.0)),
        D.StudentT(ag.tensor([3.0, 4.0])),
        D.LowRankMultivariateNormal(ag.zeros(2), ag.ones(2, 1), ag.ones(2)),
        D.RelaxedBernoulli(ag.tensor(0.5), ag.tensor([0.3, 0.6])),
        D.RelaxedOneHotCategorical(ag.tensor(0.5), ag.tensor([0.3, 0.7])),
        D.TransformedDistribution(D.Normal(ag.zeros(2), ag.ones(2)), D.TanhTransform()),
    ):
        x = d.rsample((3,))
        assert x.dtype == np.float32, type(d).__name__
        assert d.log_prob(x).dtype == np.float32, type(d).__name__
    assert D.Geometric(ag.tensor([0.3])).sample((2,)).dtype == np.float32
    assert D.Multinomial(3, ag.tensor([0.3, 0.7])).sample().dtype == np.float32


def test_shapes_with_batch_broadcasting():
    d = D.Cauchy(t64(np.zeros((2, 1))), t64(np.ones(3)))
    assert d.batch_shape == (2, 3) and d.rsample((4,)).shape == (4, 2, 3)
    assert d.log_prob(t64(np.zeros((5, 1, 3)))).shape == (5, 2, 3)
    assert d.expand((7, 2, 3)).sample().shape == (7, 2, 3)
    assert D.Gumbel(0.0, 1.0).batch_shape == () and D.Gumbel(0.0, 1.0).sample().shape == ()
    assert D.HalfNormal(1.0).batch_shape == () and D.Chi2(2.0).batch_shape == ()
    st = D.StudentT(t64([1.0, 2.0]), t64(np.zeros((3, 1))))
    assert st.batch_shape == (3, 2) and st.rsample((4,)).shape == (4, 3, 2)
    m = D.Multinomial(2, t64(np.ones((4, 3))))
    assert m.batch_shape == (4,) and m.event_shape == (3,) and m.sample((5,)).shape == (5, 4, 3)
    assert np.all(m.sample((5,)).numpy().sum(-1) == 2)
    lr = D.LowRankMultivariateNormal(t64(np.zeros(3)), t64(np.ones((2, 3, 1))), t64(np.ones(3)))
    assert lr.batch_shape == (2,) and lr.rsample((4,)).shape == (4, 2, 3)
    assert lr.log_prob(t64(np.zeros((5, 1, 3)))).shape == (5, 2)
    assert lr.expand((6, 2)).rsample().shape == (6, 2, 3)
    rc = D.RelaxedOneHotCategorical(t64(0.5), logits=t64(np.zeros((2, 4))))
    assert rc.batch_shape == (2,) and rc.event_shape == (4,) and rc.rsample((3,)).shape == (3, 2, 4)
    mix = D.MixtureSameFamily(D.Categorical(t64(np.ones(3))), D.Normal(t64(np.zeros((2, 3))), 1.0))
    assert mix.batch_shape == (2,) and mix.sample((4,)).shape == (4, 2)
    assert mix.log_prob(t64(np.zeros((4, 1)))).shape == (4, 2)
    assert mix.expand((5, 2)).sample().shape == (5, 2)


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


# torch's trigamma is accurate to ~1e-9 only; torch's Multinomial entropy takes lgamma(n + 1) in
# float32 (ours is exact: see test_multinomial_log_prob_and_entropy_by_enumeration)
_LOOSE = {"StudentT", "StudentT-df", "Chi2"}


@pytest.mark.parametrize("name,make,params,value,probs", CASES, ids=IDS)
def test_against_torch(name, make, params, value, probs):
    torch = _torch()
    import torch.distributions as TD
    import torch.distributions.transforms as TT

    for method in METHODS:
        if method == "icdf" and probs is None:
            continue
        d, ts = _make(ag, D, T, make, params)
        td, tts = _make(torch, TD, TT, make, params)
        assert d.batch_shape == tuple(td.batch_shape) and d.event_shape == tuple(td.event_shape)
        try:
            want = _apply(td, method, value, probs, torch)
        except NotImplementedError:
            with pytest.raises(NotImplementedError):
                _apply(d, method, value, probs, ag)
            continue
        got = _apply(d, method, value, probs, ag)
        assert got.shape == tuple(want.shape), method
        assert str(want.dtype) == f"torch.{got.dtype}", method
        rtol = 1e-7 if name.startswith("Multinomial") and method == "entropy" else 1e-10
        np.testing.assert_allclose(_np(got), _np(want), rtol=rtol, atol=1e-12, err_msg=method)
        if method == "mode" or not want.requires_grad or (name, method) == ("Chi2", "cdf"):
            continue  # torch's Chi2 (Gamma) cdf has no df gradient; ours: first order
        v = np.random.default_rng(5).standard_normal(tuple(want.shape))
        gs = _grads(ag, got, ts, v, create_graph=True)
        tgs = _grads(torch, want, tts, v, create_graph=True)
        rtol = 1e-7 if name in _LOOSE else 1e-9
        for a, b in zip(gs, tgs):
            if b is None or not np.any(_np(b)):
                assert a is None or not np.any(_np(a)), method
                continue
            np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=1e-11, err_msg=method)
        pairs = [(a, b) for a, b in zip(gs, tgs) if a is not None and b is not None]
        pairs = [(a, b) for a, b in pairs if b.requires_grad and a.requires_grad]
        if not pairs:
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


def test_relaxed_samples_scored_by_torch():
    torch = _torch()
    import torch.distributions as TD
    from torch.distributions.relaxed_bernoulli import LogitRelaxedBernoulli
    from torch.distributions.relaxed_categorical import ExpRelaxedCategorical

    TD = types.SimpleNamespace(  # the logit / log-space ones are not exported by torch
        RelaxedBernoulli=TD.RelaxedBernoulli,
        RelaxedOneHotCategorical=TD.RelaxedOneHotCategorical,
        LogitRelaxedBernoulli=LogitRelaxedBernoulli,
        ExpRelaxedCategorical=ExpRelaxedCategorical,
    )
    for make in (
        lambda M, t, p: M.RelaxedBernoulli(t, probs=p),
        lambda M, t, p: M.RelaxedOneHotCategorical(t, probs=p),
        lambda M, t, p: M.LogitRelaxedBernoulli(t, probs=p),
        lambda M, t, p: M.ExpRelaxedCategorical(t, probs=p),
    ):
        d = make(D, t64(0.6), t64([0.2, 0.3, 0.5]))
        td = make(TD, torch.tensor(np.float64(0.6)), torch.tensor(np.array([0.2, 0.3, 0.5])))
        assert d.batch_shape == tuple(td.batch_shape) and d.event_shape == tuple(td.event_shape)
        x = d.rsample((5,))
        np.testing.assert_allclose(
            d.log_prob(x).numpy(), td.log_prob(torch.tensor(x.numpy())).numpy(), rtol=1e-10
        )


KL_TORCH = [  # (make, parameters of p, parameters of q): make(M, T, *params) as in CASES
    (lambda M, a, b: M.Cauchy(a, b), lambda M, a, b: M.Cauchy(a, b), (_real(3), _pos(3)),
     (_real(3), _pos(3))),
    (lambda M, a, b: M.Gumbel(a, b), lambda M, a, b: M.Gumbel(a, b), (_real(3), _pos(3)),
     (_real(3), _pos(3))),
    (lambda M, p: M.Geometric(p), lambda M, p: M.Geometric(logits=p), (_unit(3),), (_real(3),)),
    (lambda M, s: M.HalfNormal(s), lambda M, s: M.HalfNormal(s), (_pos(3),), (_pos(3),)),
    (lambda M, m, W, d: M.LowRankMultivariateNormal(m, W, d),
     lambda M, m, W, d: M.LowRankMultivariateNormal(m, W, d),
     (_real(2, 3), _real(3, 2), _pos(3)), (_real(3), _real(2, 3, 1), _pos(3))),
    (lambda M, m, c: M.MultivariateNormal(m, covariance_matrix=c),
     lambda M, m, W, d: M.LowRankMultivariateNormal(m, W, d),
     (_real(3), _spd(3)), (_real(2, 3), _real(3, 2), _pos(3))),
    (lambda M, m, W, d: M.LowRankMultivariateNormal(m, W, d),
     lambda M, m, c: M.MultivariateNormal(m, covariance_matrix=c),
     (_real(2, 3), _real(3, 2), _pos(3)), (_real(3), _spd(3))),
    (lambda M, r: M.Exponential(r), lambda M, a, b: M.Gumbel(a, b), (_pos(3),),
     (_real(3), _pos(3))),
    (lambda M, a, r: M.Gamma(a, r), lambda M, a, b: M.Gumbel(a, b), (_pos(3), _pos(3)),
     (_real(3), _pos(3))),
    (lambda M, a, b: M.Gumbel(a, b), lambda M, a, b: M.Normal(a, b), (_real(3), _pos(3)),
     (_real(3), _pos(3))),
    (lambda M, a, b: M.Normal(a, b), lambda M, a, b: M.Gumbel(a, b), (_real(3), _pos(3)),
     (_real(3), _pos(3))),
    (lambda M, a, b: M.Uniform(a, b), lambda M, a, b: M.Gumbel(a, b),
     (np.array([-1.0, 0.0, 0.5]), np.array([0.5, 2.0, 0.7])), (_real(3), _pos(3))),
    (lambda M, df: M.Chi2(df), lambda M, df: M.Chi2(df), (_pos(3),), (_pos(3),)),
]  # fmt: skip


@pytest.mark.parametrize("i", range(len(KL_TORCH)))
def test_kl_against_torch(i):
    torch = _torch()
    import torch.distributions as TD

    mp, mq, pp, pq = KL_TORCH[i]
    ts = [t64(p, grad=True) for p in pp + pq]
    tts = [torch.tensor(np.asarray(p, np.float64), requires_grad=True) for p in pp + pq]
    k = len(pp)
    got = kl_divergence(mp(D, *ts[:k]), mq(D, *ts[k:]))
    want = TD.kl_divergence(mp(TD, *tts[:k]), mq(TD, *tts[k:]))
    assert got.shape == tuple(want.shape)
    np.testing.assert_allclose(_np(got), _np(want), rtol=1e-10, atol=1e-12)
    v = np.random.default_rng(2).standard_normal(tuple(want.shape))
    for a, b in zip(_grads(ag, got, ts, v), _grads(torch, want, tts, v)):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-8, atol=1e-10)
    for tq in (TD.Beta(1.0, 2.0), TD.Exponential(1.0), TD.Gamma(1.0, 1.0), TD.Uniform(0.0, 1.0)):
        assert torch.isinf(TD.kl_divergence(TD.Gumbel(0.0, 1.0), tq)).all()


def test_number_temperature_and_quiet_edges():
    # a number temperature works (torch's log_prob needs a Tensor): same values as a Tensor one
    p = t64([0.2, 0.7])
    x = t64([0.3, 0.9])
    a = D.RelaxedBernoulli(0.5, probs=p).log_prob(x).numpy()
    b = D.RelaxedBernoulli(t64(0.5), probs=p).log_prob(x).numpy()
    np.testing.assert_allclose(a, b, rtol=1e-14)
    c = D.RelaxedOneHotCategorical(0.5, probs=t64([0.2, 0.8])).log_prob(t64([0.3, 0.7])).item()
    d = D.RelaxedOneHotCategorical(t64(0.5), t64([0.2, 0.8])).log_prob(t64([0.3, 0.7])).item()
    np.testing.assert_allclose(c, d, rtol=1e-14)
    # support edges give -inf / 0 silently (no NumPy warnings), as torch
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hn = D.HalfNormal(t64(1.0), validate_args=False)
        assert hn.log_prob(t64(-1.0)).item() == -math.inf
        assert D.Geometric(t64(1.0)).log_prob(t64(0.0)).item() == 0.0
        D.Multinomial(2, t64([0.0, 1.0])).log_prob(t64([0.0, 2.0]))
        ln = D.TransformedDistribution(
            D.Normal(t64(0.0), t64(1.0)), D.ExpTransform(), validate_args=False
        )
        assert math.isnan(ln.log_prob(t64(0.0)).item())  # -inf + inf, as torch's


@pytest.mark.gpu
def test_extra_distributions_on_cuda():
    # samples, log_prob, entropy and kl stay on cuda; values and gradients equal the CPU's
    def run(device):
        def t(a):
            return ag.tensor(np.asarray(a, np.float64), device=device, requires_grad=True)

        loc, scale, prob = t([0.0, 1.0]), t([1.0, 2.0]), t([0.3, 0.6])
        W = t([[1.0], [0.5]])
        dists = [
            D.Cauchy(loc, scale), D.HalfNormal(scale), D.HalfCauchy(scale), D.Gumbel(loc, scale),
            D.StudentT(scale + 2, loc, scale), D.Geometric(prob), D.Multinomial(3, prob),
            D.LowRankMultivariateNormal(loc, W, scale),
            D.RelaxedBernoulli(scale, prob), D.RelaxedOneHotCategorical(scale[0], prob),
            D.MixtureSameFamily(D.Categorical(prob), D.Normal(loc, scale)),
            D.TransformedDistribution(D.Normal(loc, scale), [D.AffineTransform(loc, scale),
                                                             D.TanhTransform()]),
        ]  # fmt: skip
        outs = []
        for d in dists:
            ag.manual_seed(0)
            x = d.rsample((3,)) if d.has_rsample else d.sample((3,))
            assert x.device.startswith(device), type(d).__name__
            total = d.log_prob(x.detach()).sum() + (x.sum() if d.has_rsample else 0)
            outs.append(total)
        kl = kl_divergence(D.Gumbel(loc, scale), D.Normal(loc, scale))
        assert kl.device.startswith(device)
        outs.append(kl.sum())
        sum(outs).backward()
        return [o.item() for o in outs], [p.grad.cpu().numpy() for p in (loc, scale, prob, W)]

    (vc, gc), (vg, gg) = run("cpu"), run("cuda")
    np.testing.assert_allclose(vg, vc, rtol=1e-12)
    for a, b in zip(gg, gc):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
