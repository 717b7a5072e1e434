"""PyTorch APIs that porting tutorial code needs, side by side with PyTorch.

* sampling: randperm, multinomial, bernoulli, normal, poisson and the in-place fills bernoulli_,
  random_, exponential_, geometric_, log_normal_, cauchy_: shapes, dtypes, ranges, statistics on
  large samples (means and variances within several standard errors, chi-square for
  frequencies), reproducibility under ``manual_seed`` / ``generator``, the errors (torch raises
  on the same inputs), zero gradients as torch's, the in-place rules;
* inference_mode and the queries is_tensor, numel, is_floating_point;
* addcmul / addcdiv and their in-place forms: values, dtypes, broadcasting, gradients to second
  order, the optimiser pattern under no_grad;
* cdist: every p and compute mode against torch, values and gradients (0 at zero distance),
  gradcheck and gradgradcheck, batch broadcasting, errors;
* grad(only_inputs=...), and the Tensor methods nelement, type, isinf, isnan, trunc, equal,
  unfold.
"""

from __future__ import annotations

import inspect
import math
import warnings

import numpy as np
import pytest

import autograd as ag
from autograd.errors import ShapeError

INF, NAN = math.inf, math.nan


def _torch():
    return pytest.importorskip("torch")


def _np(t):
    return t.detach().numpy()


def _raises_in_torch(fn, *args):
    """Whether torch raises on the same call (our error cases must be errors there too)."""
    try:
        fn(*args)
    except (RuntimeError, ValueError, TypeError, IndexError, NotImplementedError):
        return True
    return False


def _close_mean(samples, mean, std, k=6.0):
    """The sample mean within k standard errors of ``mean`` (``std``: one draw's std)."""
    n = samples.size
    assert abs(samples.mean() - mean) <= k * std / math.sqrt(n), (samples.mean(), mean)


def _close_var(samples, var, k=6.0, kurt=3.0):
    """The sample variance within k standard errors of ``var`` (``kurt``: the kurtosis)."""
    n = samples.size
    se = var * math.sqrt((kurt - 1) / n)
    assert abs(samples.var() - var) <= k * se, (samples.var(), var)


def _chi2_ok(counts, probs, alpha=1e-4):
    """Pearson's chi-square test of ``counts`` against ``probs`` at level ``alpha``."""
    from scipy.stats import chi2

    counts = np.asarray(counts, float)
    expected = counts.sum() * np.asarray(probs, float)
    keep = expected > 0
    assert counts[~keep].sum() == 0, "a zero-probability category was drawn"
    stat = ((counts[keep] - expected[keep]) ** 2 / expected[keep]).sum()
    assert stat < chi2.ppf(1 - alpha, keep.sum() - 1), stat


# -- randperm -------------------------------------------------------------------------------------


def test_randperm_is_a_permutation_of_int64_by_default():
    p = ag.randperm(50)
    assert p.dtype == np.int64 and p.shape == (50,) and not p.requires_grad
    np.testing.assert_array_equal(np.sort(p.numpy()), np.arange(50))
    assert ag.randperm(0).shape == (0,)
    assert not np.array_equal(ag.randperm(50).numpy(), np.arange(50))  # shuffled


def test_randperm_dtypes_seed_and_generator():
    t = _torch()
    f = ag.randperm(20, dtype=ag.float32, requires_grad=True)
    assert f.dtype == np.float32 and f.requires_grad and f.is_leaf
    assert t.randperm(20, dtype=t.float32).dtype == t.float32
    np.testing.assert_array_equal(np.sort(f.detach().numpy()), np.arange(20))
    assert ag.randperm(128, dtype=ag.int8).numpy().max() == 127  # n - 1 fits int8
    ag.manual_seed(3)
    a = ag.randperm(30).numpy()
    ag.manual_seed(3)
    np.testing.assert_array_equal(ag.randperm(30).numpy(), a)
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    np.testing.assert_array_equal(
        ag.randperm(30, generator=g1).numpy(), ag.randperm(30, generator=g2).numpy()
    )


def test_randperm_positions_are_uniform():
    ag.manual_seed(1)
    n, trials = 4, 8000
    first = np.array([ag.randperm(n).numpy()[0] for _ in range(trials)])
    _chi2_ok(np.bincount(first, minlength=n), np.full(n, 1 / n))


def test_randperm_errors():
    t = _torch()
    with pytest.raises(ValueError, match="randperm: n must be non-negative"):
        ag.randperm(-1)
    with pytest.raises(TypeError, match="randperm: n must be an int"):
        ag.randperm(2.5)
    with pytest.raises(TypeError, match="randperm: not defined for dtype bool"):
        ag.randperm(3, dtype=ag.bool)
    with pytest.raises(ValueError, match=r"randperm: n \(129\) is too large for dtype int8"):
        ag.randperm(129, dtype=ag.int8)
    for call in (lambda m: m.randperm(-1), lambda m: m.randperm(129, dtype=m.int8)):
        assert _raises_in_torch(call, t)


# -- multinomial ----------------------------------------------------------------------------------


def test_multinomial_shapes_dtypes_and_no_repeats_without_replacement():
    w = ag.tensor([[1.0, 2.0, 3.0, 4.0], [4.0, 0.5, 0.0, 1.0]])
    for _ in range(50):
        s = ag.multinomial(w, 3)
        assert s.dtype == np.int64 and s.shape == (2, 3) and not s.requires_grad
        for row in s.numpy():
            assert len(set(row)) == 3
    s1 = ag.multinomial(ag.tensor([1.0, 1.0, 1.0]), 3)
    assert s1.shape == (3,)
    assert sorted(s1.numpy()) == [0, 1, 2]
    assert w.multinomial(5, True).shape == (2, 5)
    assert ag.multinomial(ag.ones(0, 3), 2).shape == (0, 2)  # torch: (0, num_samples)
    assert ag.multinomial(ag.ones(3, dtype=ag.float64, requires_grad=True), 2).dtype == np.int64


def test_multinomial_frequencies_with_replacement_chi_square():
    ag.manual_seed(0)
    probs = np.array([0.1, 0.0, 0.2, 0.3, 0.4])
    s = ag.multinomial(ag.tensor(probs * 7.0), 20000, replacement=True).numpy()
    _chi2_ok(np.bincount(s, minlength=5), probs)
    rows = ag.multinomial(ag.tensor([[1.0, 0.0, 3.0], [0.0, 5.0, 5.0]]), 6000, True).numpy()
    _chi2_ok(np.bincount(rows[0], minlength=3), [0.25, 0.0, 0.75])
    _chi2_ok(np.bincount(rows[1], minlength=3), [0.0, 0.5, 0.5])


def test_multinomial_without_replacement_draw_order_chi_square():
    # first draw ~ w / sum(w); second draw, given the first was i: w_j / (sum - w_i)
    ag.manual_seed(0)
    w = np.array([1.0, 2.0, 3.0, 4.0])
    s = ag.multinomial(ag.tensor(np.tile(w, (6000, 1))), 2).numpy()
    _chi2_ok(np.bincount(s[:, 0], minlength=4), w / w.sum())
    second = s[s[:, 0] == 3, 1]  # given category 3 first
    rest = w.copy()
    rest[3] = 0
    _chi2_ok(np.bincount(second, minlength=4), rest / rest.sum())


def test_multinomial_zero_weights_come_last_without_replacement():
    # as torch: once positive weights are used up, zero-weight categories follow (no error)
    t = _torch()
    assert t.multinomial(t.tensor([1.0, 0.0, 0.0]), 2).shape == (2,)
    for _ in range(30):
        s = ag.multinomial(ag.tensor([0.0, 2.0, 0.0, 1.0, 0.0]), 5).numpy()
        assert set(s[:2]) == {1, 3} and sorted(s) == [0, 1, 2, 3, 4]


def test_multinomial_is_reproducible():
    w = ag.tensor([0.2, 0.5, 0.3])
    ag.manual_seed(7)
    a = ag.multinomial(w, 10, True).numpy()
    ag.manual_seed(7)
    np.testing.assert_array_equal(ag.multinomial(w, 10, True).numpy(), a)
    g = np.random.default_rng(1)
    b = ag.multinomial(w, 10, True, generator=g).numpy()
    np.testing.assert_array_equal(
        w.multinomial(10, True, generator=np.random.default_rng(1)).numpy(), b
    )


@pytest.mark.parametrize(
    "args,err,match",
    [
        (([1.0, -1.0, 0.0], 1), ValueError, "multinomial: the probability tensor contains"),
        (([1.0, NAN], 1), ValueError, "inf, nan or an element < 0"),
        (([1.0, INF], 1), ValueError, "inf, nan or an element < 0"),
        (([0.0, 0.0, 0.0], 1), ValueError, "row 0 sum to 0"),
        (([[1.0, 1.0], [0.0, 0.0]], 1), ValueError, "row 1 sum to 0"),
        (([1.0, 2.0, 3.0], 4), ValueError, "num_samples=4 > 3 categories without replacement"),
        (([1.0, 2.0, 3.0], 0), ValueError, "num_samples must be positive"),
        ((1.0, 1), ShapeError, "multinomial: input must be 1-D or 2-D"),
        (([[[1.0]]], 1), ShapeError, "must be 1-D or 2-D"),
    ],
)
def test_multinomial_errors(args, err, match):
    t = _torch()
    w, n = args
    with pytest.raises(err, match=match):
        ag.multinomial(ag.tensor(w), n)
    assert _raises_in_torch(lambda: t.multinomial(t.tensor(w), n))


def test_multinomial_type_errors():
    with pytest.raises(TypeError, match="multinomial: only floating point dtypes"):
        ag.multinomial(ag.tensor([1, 2]), 1)
    with pytest.raises(TypeError, match="multinomial: input must be a Tensor"):
        ag.multinomial([1.0, 2.0], 1)
    with pytest.raises(TypeError, match="multinomial: num_samples must be an int"):
        ag.multinomial(ag.tensor([1.0, 2.0]), 1.5)


# -- bernoulli, normal, poisson -------------------------------------------------------------------


def test_bernoulli_values_frequencies_and_dtypes():
    ag.manual_seed(0)
    p = np.array([0.0, 0.1, 0.5, 0.9, 1.0])
    x = ag.tensor(np.tile(p, (20000, 1)))
    s = ag.bernoulli(x)
    assert s.dtype == np.float64 and s.shape == x.shape
    v = s.numpy()
    assert set(np.unique(v)) <= {0.0, 1.0}
    assert v[:, 0].sum() == 0 and v[:, 4].sum() == 20000
    for j in (1, 2, 3):
        _close_mean(v[:, j], p[j], math.sqrt(p[j] * (1 - p[j])))
    assert ag.bernoulli(ag.tensor([0.5], dtype=ag.float32)).dtype == np.float32
    q = ag.bernoulli(ag.zeros(40000), p=0.3)  # p: input gives the shape and dtype
    _close_mean(q.numpy(), 0.3, math.sqrt(0.21))
    i = ag.bernoulli(ag.zeros(10, dtype=ag.int64), 0.5)
    assert i.dtype == np.int64  # torch: bernoulli(long, p) is long
    assert ag.tensor([0.0, 1.0]).bernoulli().tolist() == [0.0, 1.0]
    assert ag.tensor([0.0, 0.0]).bernoulli(1.0).tolist() == [1.0, 1.0]


def test_bernoulli_errors_as_torch():
    t = _torch()
    for bad in ([0.0, 1.5], [-0.5, 0.2], [0.0, NAN]):
        with pytest.raises(ValueError, match=r"bernoulli: every probability must be in \[0, 1\]"):
            ag.bernoulli(ag.tensor(bad))
        assert _raises_in_torch(lambda b: t.bernoulli(t.tensor(b)), bad)
    with pytest.raises(ValueError, match=r"bernoulli: p must be in \[0, 1\], got 1.5"):
        ag.bernoulli(ag.zeros(2), 1.5)
    with pytest.raises(TypeError, match="bernoulli: probabilities must be a floating point"):
        ag.bernoulli(ag.tensor([0, 1]))
    assert _raises_in_torch(lambda: t.bernoulli(t.tensor([0, 1])))
    with pytest.raises(TypeError, match="bernoulli: input must be a Tensor"):
        ag.bernoulli([0.5])


def test_sampled_outputs_require_grad_with_zero_gradients_as_torch():
    t = _torch()
    x = ag.tensor([0.2, 0.7], requires_grad=True)
    tx = t.tensor([0.2, 0.7], requires_grad=True)
    cases = [
        (lambda a: ag.bernoulli(a), lambda a: t.bernoulli(a)),
        (lambda a: ag.poisson(a), lambda a: t.poisson(a)),
        (lambda a: ag.normal(a, 2.0), lambda a: t.normal(a, 2.0)),
        (lambda a: ag.normal(1.0, a), lambda a: t.normal(1.0, a)),
        (lambda a: ag.normal(a, a[:1] * 3), lambda a: t.normal(a, a[:1] * 3)),
    ]
    for ours, theirs in cases:
        y, ty = ours(x), theirs(tx)
        assert y.requires_grad and ty.requires_grad
        (g,) = ag.grad((y * y).sum(), x)
        (tg,) = t.autograd.grad((ty * ty).sum(), tx)
        np.testing.assert_array_equal(_np(g), tg.numpy())
        assert _np(g).tolist() == [0.0, 0.0]
    with ag.no_grad():
        assert not ag.normal(x, 1.0).requires_grad


def test_normal_forms_shapes_and_dtypes_as_torch():
    t = _torch()
    combos = [
        (lambda m: m.normal(m.zeros(3, 1), m.ones(2))),
        (lambda m: m.normal(m.zeros(3), 2.0)),
        (lambda m: m.normal(0.0, m.ones(3, dtype=m.float64))),
        (lambda m: m.normal(m.zeros(3, dtype=m.float64), m.ones(3))),
        (lambda m: m.normal(m.zeros(3), m.ones(3, dtype=m.float64))),
        (lambda m: m.normal(m.zeros(()), 1.0)),
        (lambda m: m.normal(0.0, 1.0, (2, 3))),
        (lambda m: m.normal(0.0, 1.0, size=(2, 3), dtype=m.float64)),
    ]
    for c in combos:
        ours, theirs = c(ag), c(t)
        assert ours.shape == tuple(theirs.shape)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    assert ag.normal(0.0, 1.0, (2,), requires_grad=True).is_leaf


def test_normal_statistics_and_seed():
    ag.manual_seed(0)
    mean = ag.tensor(np.repeat([[-2.0], [3.0]], 20000, axis=1))
    std = ag.tensor([[0.5], [2.0]])
    s = ag.normal(mean, std).numpy()
    for r, (m, sd) in enumerate(((-2.0, 0.5), (3.0, 2.0))):
        _close_mean(s[r], m, sd)
        _close_var(s[r], sd * sd)
    z = ag.normal(1.5, 0.0, (5,)).numpy()
    np.testing.assert_array_equal(z, 1.5)
    ag.manual_seed(4)
    a = ag.normal(0.0, 1.0, (6,)).numpy()
    ag.manual_seed(4)
    np.testing.assert_array_equal(ag.normal(0.0, 1.0, (6,)).numpy(), a)
    g = ag.normal(mean[:, :5], 1.0, generator=np.random.default_rng(2)).numpy()
    np.testing.assert_array_equal(
        ag.normal(mean[:, :5], 1.0, None, np.random.default_rng(2)).numpy(), g
    )


def test_normal_errors():
    t = _torch()
    with pytest.raises(ValueError, match="normal expects std >= 0.0"):
        ag.normal(0.0, -1.0, (2,))
    with pytest.raises(ValueError, match="normal expects all elements of std >= 0.0"):
        ag.normal(ag.zeros(3), ag.tensor([1.0, -1.0, 1.0]))
    with pytest.raises(ValueError, match="normal expects all elements of std >= 0.0"):
        ag.normal(ag.zeros(3), NAN)
    for call in (
        lambda m: m.normal(m.zeros(3), m.tensor([1.0, -1.0, 1.0])),
        lambda m: m.normal(m.zeros(3), float("nan")),
        lambda m: m.normal(0.0, 1.0),
        lambda m: m.normal(m.zeros(3), m.ones(2)),
        lambda m: m.normal(m.zeros(3), 1.0, (3,)),
    ):
        assert _raises_in_torch(call, t)
    with pytest.raises(TypeError, match="normal: with a number for both mean and std, size"):
        ag.normal(0.0, 1.0)
    with pytest.raises(ShapeError, match=r"normal: the shapes of mean \(3,\) and std \(2,\)"):
        ag.normal(ag.zeros(3), ag.ones(2))
    with pytest.raises(TypeError, match="normal: size is only for a number mean and std"):
        ag.normal(ag.zeros(3), 1.0, (3,))
    with pytest.raises(TypeError, match="normal: mean must be a floating point tensor"):
        ag.normal(ag.zeros(3, dtype=ag.int64), 1.0)
    with pytest.raises(TypeError, match="normal: std must be a Tensor or a number"):
        ag.normal(ag.zeros(3), "1")


def test_poisson_statistics_dtype_and_errors():
    t = _torch()
    ag.manual_seed(0)
    lam = ag.tensor(np.repeat([[0.0], [0.5], [4.0]], 30000, axis=1), dtype=ag.float32)
    s = ag.poisson(lam)
    assert s.dtype == np.float32 and s.shape == lam.shape
    v = s.numpy()
    assert (v[0] == 0).all() and (v == np.round(v)).all()
    for r, m in ((1, 0.5), (2, 4.0)):
        _close_mean(v[r], m, math.sqrt(m))
        _close_var(v[r], m, kurt=3 + 1 / m)
    for bad in ([1.0, -2.0], [1.0, NAN]):
        with pytest.raises(ValueError, match="poisson: invalid Poisson rate"):
            ag.poisson(ag.tensor(bad))
        assert _raises_in_torch(lambda b: t.poisson(t.tensor(b)), bad)
    with pytest.raises(ValueError, match="poisson: invalid Poisson rate"):
        ag.poisson(ag.tensor([INF]))  # torch returns garbage here
    with pytest.raises(TypeError, match="poisson: rates must be a floating point tensor"):
        ag.poisson(ag.tensor([1, 2]))


# -- in-place fills -------------------------------------------------------------------------------


def test_bernoulli_fill():
    ag.manual_seed(0)
    x = ag.zeros(40000)
    assert x.bernoulli_() is x
    _close_mean(x.numpy(), 0.5, 0.5)
    _close_mean(ag.zeros(40000).bernoulli_(0.2).numpy(), 0.2, 0.4)
    for dt in (ag.int64, ag.bool, ag.float64):
        y = ag.zeros(8, dtype=dt).bernoulli_(0.5)
        assert y.dtype == dt and set(np.unique(y.numpy()).tolist()) <= {0, 1}
    p = ag.tensor([0.0, 1.0, 0.5])
    z = ag.zeros(20000, 3).bernoulli_(p).numpy()  # p broadcasts to self's shape
    assert z[:, 0].sum() == 0 and z[:, 1].sum() == 20000
    _close_mean(z[:, 2], 0.5, 0.5)


def test_random_fill_ranges_as_torch():
    t = _torch()
    ag.manual_seed(0)

    def vals(dtype, *args, **kwargs):
        return ag.zeros(20000, dtype=dtype).random_(*args, **kwargs).numpy()

    v = vals(ag.float32, 10)
    assert v.min() == 0 and v.max() == 9 and (v == np.round(v)).all()
    _chi2_ok(np.bincount(v.astype(int), minlength=10), np.full(10, 0.1))
    v = vals(ag.float32, 3, 10)
    assert v.min() == 3 and v.max() == 9
    v = vals(ag.float32, **{"from": -5, "to": -2})
    assert set(v.tolist()) == {-5.0, -4.0, -3.0}
    assert set(vals(ag.float32, to=2).tolist()) == {0.0, 1.0}
    v = vals(ag.float32)  # [0, 2^24] for float32, as torch
    tv = t.zeros(20000).random_().numpy()
    assert 0 <= v.min() and v.max() <= 2**24 and tv.max() <= 2**24
    assert v.max() > 2**23 and tv.max() > 2**23
    v = vals(ag.float64)
    assert v.max() <= 2**53 and v.max() > 2**52
    v = vals(ag.int8)
    assert v.dtype == np.int8 and v.min() >= 0 and v.max() == 127
    assert vals(ag.int64).max() > 2**62
    assert set(vals(ag.bool).tolist()) == {False, True}
    v = vals(ag.int64, **{"from": 5})  # up to the dtype's top
    assert v.min() >= 5 and v.max() > 2**62


def test_random_fill_errors_as_torch():
    t = _torch()
    cases = [
        ((5, 5), {}, ValueError, "random_ expects 'from' to be less than 'to'.*from=5 >= to=5"),
        ((0,), {}, ValueError, "from=0 >= to=0"),
        ((-5,), {}, ValueError, "from=0 >= to=-5"),
    ]
    for args, kw, err, match in cases:
        with pytest.raises(err, match=match):
            ag.zeros(3).random_(*args, **kw)
        assert _raises_in_torch(lambda a, k: t.zeros(3).random_(*a, **k), args, kw)
    with pytest.raises(
        ValueError, match=r"random_: to - 1 \(299\) is out of bounds for dtype int8"
    ):
        ag.zeros(3, dtype=ag.int8).random_(0, 300)
    assert _raises_in_torch(lambda: t.zeros(3, dtype=t.int8).random_(0, 300))
    with pytest.raises(ValueError, match=r"random_: from \(-1\) is out of bounds for dtype uint8"):
        ag.zeros(3, dtype=ag.uint8).random_(-1, 3)
    assert _raises_in_torch(lambda: t.zeros(3, dtype=t.uint8).random_(-1, 3))
    with pytest.raises(ValueError, match="out of bounds for dtype bool"):
        ag.zeros(3, dtype=ag.bool).random_(0, 3)
    with pytest.raises(TypeError, match="random_: from must be an int, got float 0.5"):
        ag.zeros(3).random_(0.5, 3)
    with pytest.raises(TypeError, match="random_: expected random_"):
        ag.zeros(3).random_(1, 2, 3)
    with pytest.raises(TypeError, match="random_: expected random_"):
        ag.zeros(3).random_(low=1)


def test_continuous_fills_statistics():
    ag.manual_seed(0)
    n = 40000
    e = ag.zeros(n).exponential_(2.0).numpy()
    assert e.min() >= 0
    _close_mean(e, 0.5, 0.5)
    _close_var(e, 0.25, kurt=9.0)
    g = ag.zeros(n, dtype=ag.int64).geometric_(0.25).numpy()
    assert g.dtype == np.int64 and g.min() == 1
    _close_mean(g, 4.0, math.sqrt(0.75) / 0.25)
    gf = ag.zeros(n).geometric_(0.5).numpy()
    assert (gf == np.round(gf)).all() and gf.min() == 1
    ln = ag.zeros(n, dtype=ag.float64).log_normal_(0.5, 0.25).numpy()
    assert ln.min() > 0
    _close_mean(np.log(ln), 0.5, 0.25)
    _close_var(np.log(ln), 0.0625)
    c = ag.zeros(n, dtype=ag.float64).cauchy_(2.0, 3.0).numpy()
    q1, med, q3 = np.quantile(c, [0.25, 0.5, 0.75])  # quartiles of Cauchy: median -+ sigma
    se = 3.0 * math.pi / 2 / math.sqrt(n)  # std error of the median
    assert abs(med - 2.0) < 6 * se and abs((q3 - q1) - 6.0) < 0.3
    x = ag.zeros(4, dtype=ag.float32)
    for fill in (x.exponential_, x.log_normal_, x.cauchy_):
        assert fill() is x and x.dtype == np.float32


@pytest.mark.parametrize(
    "dtype,method,args,err,match",
    [
        ("float32", "bernoulli_", (1.5,), ValueError, r"bernoulli_ expects p to be in \[0, 1\]"),
        ("float32", "exponential_", (0,), ValueError, "exponential_ expects lambda > 0.0"),
        ("float32", "exponential_", (-1,), ValueError, "exponential_ expects lambda > 0.0"),
        ("int64", "exponential_", (), TypeError, "exponential_: the Exponential distribution"),
        ("float32", "geometric_", (0,), ValueError, r"geometric_ expects p to be in \(0, 1\)"),
        ("float32", "geometric_", (1,), ValueError, r"geometric_ expects p to be in \(0, 1\)"),
        ("float32", "geometric_", (), TypeError, "missing 1 required positional argument"),
        ("float32", "log_normal_", (0, 0), ValueError, "log_normal_ expects std > 0.0"),
        ("float32", "log_normal_", (0, -1), ValueError, "log_normal_ expects std > 0.0"),
        ("int64", "log_normal_", (), TypeError, "log_normal_: the Log-normal distribution"),
        ("float32", "cauchy_", (0, 0), ValueError, "cauchy_ expects sigma > 0.0"),
        ("int64", "cauchy_", (), TypeError, "cauchy_: the Cauchy distribution is continuous"),
    ],
)
def test_fill_errors_as_torch(dtype, method, args, err, match):
    t = _torch()
    x = ag.zeros(3, dtype=dtype)
    with pytest.raises(err, match=match):
        getattr(x, method)(*args)
    np.testing.assert_array_equal(x.numpy(), 0)  # nothing written
    assert _raises_in_torch(lambda: getattr(t.zeros(3, dtype=getattr(t, dtype)), method)(*args))


def test_bernoulli_fill_tensor_p_errors():
    with pytest.raises(ShapeError, match=r"bernoulli_: p of shape \(2,\) can't be broadcast"):
        ag.zeros(2, 3).bernoulli_(ag.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"bernoulli_: every element of p must be in \[0, 1\]"):
        ag.zeros(3).bernoulli_(ag.tensor([0.0, 1.0, 1.5]))


FILLS = [
    ("bernoulli_", ()),
    ("random_", (0, 5)),
    ("exponential_", ()),
    ("geometric_", (0.5,)),
    ("log_normal_", ()),
    ("cauchy_", ()),
    ("uniform_", ()),
    ("normal_", ()),
]


@pytest.mark.parametrize("method,args", FILLS, ids=[f[0] for f in FILLS])
def test_fill_reproducible_and_generator(method, args):
    ag.manual_seed(11)
    a = getattr(ag.zeros(6), method)(*args).numpy()
    ag.manual_seed(11)
    np.testing.assert_array_equal(getattr(ag.zeros(6), method)(*args).numpy(), a)
    b = getattr(ag.zeros(6), method)(*args, generator=np.random.default_rng(3)).numpy()
    c = getattr(ag.zeros(6), method)(*args, generator=np.random.default_rng(3)).numpy()
    np.testing.assert_array_equal(b, c)


@pytest.mark.parametrize("method,args", FILLS[:6], ids=[f[0] for f in FILLS[:6]])
def test_fill_in_place_rules(method, args):
    w = ag.zeros(3, requires_grad=True)
    state = ag.get_rng_state()
    with pytest.raises(RuntimeError, match=f"{method}: a leaf Tensor that requires grad"):
        getattr(w, method)(*args)
    assert ag.get_rng_state() == state  # refused before drawing
    np.testing.assert_array_equal(w.detach().numpy(), 0)
    with ag.no_grad():  # as initialisers do
        getattr(w, method)(*args)
    assert w.requires_grad and w.is_leaf
    v = w.detach()  # shares memory and the version counter
    ver = v._version
    getattr(v, method)(*args)
    assert v._version == ver + 1
    # on a recorded graph: the write is recorded, the old value gets a zero gradient (torch's)
    x = ag.ones(3, requires_grad=True)
    y = x * 2
    getattr(y, method)(*args)
    assert y.requires_grad
    (g,) = ag.grad((y * x).sum(), x)
    np.testing.assert_array_equal(_np(g), _np(y))  # only the direct path: d(y x)/dx = y


def test_fill_gradient_matches_torch_on_an_interior_tensor():
    t = _torch()
    x, tx = ag.ones(3, requires_grad=True), t.ones(3, requires_grad=True)
    y, ty = x * 2, tx * 2
    y.exponential_()
    ty.exponential_()
    (g,) = ag.grad(y.sum(), x)
    (tg,) = t.autograd.grad(ty.sum(), tx)
    np.testing.assert_array_equal(_np(g), tg.numpy())


# -- inference_mode and queries -------------------------------------------------------------------


def test_inference_mode_states_as_torch():
    t = _torch()

    def states(m, inference):
        out = []
        with m.no_grad():
            with inference(m, False):
                out.append((m.is_grad_enabled(), m.is_inference_mode_enabled()))
        with inference(m, True):
            out.append((m.is_grad_enabled(), m.is_inference_mode_enabled()))
            with inference(m, False):
                out.append((m.is_grad_enabled(), m.is_inference_mode_enabled()))
            with m.enable_grad():
                out.append((m.is_grad_enabled(), m.is_inference_mode_enabled()))
            out.append((m.is_grad_enabled(), m.is_inference_mode_enabled()))
        out.append((m.is_grad_enabled(), m.is_inference_mode_enabled()))
        return out

    ours = states(ag, lambda m, mode: m.inference_mode(mode))
    assert ours == states(t, lambda m, mode: m.inference_mode(mode))
    assert ours[1] == (False, True)


def test_inference_mode_records_nothing_and_decorates():
    x = ag.ones(2, requires_grad=True)
    with ag.inference_mode():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert (x * 2).requires_grad and not ag.is_inference_mode_enabled()

    @ag.inference_mode
    def bare():
        return ag.is_grad_enabled(), ag.is_inference_mode_enabled(), (x * 2).requires_grad

    @ag.inference_mode()
    def called():
        return ag.is_inference_mode_enabled()

    @ag.inference_mode(False)
    def off():
        return ag.is_inference_mode_enabled()

    def gen():
        yield ag.is_inference_mode_enabled()
        yield ag.is_inference_mode_enabled()

    assert bare() == (False, True, False) and called() is True
    with ag.inference_mode():
        assert off() is False
    assert list(ag.inference_mode()(gen)()) == [True, True]
    assert ag.is_grad_enabled() and not ag.is_inference_mode_enabled()
    with pytest.raises(ZeroDivisionError):
        with ag.inference_mode():
            raise ZeroDivisionError
    assert ag.is_grad_enabled() and not ag.is_inference_mode_enabled()
    with pytest.raises(TypeError, match="inference_mode: mode must be a bool, got str"):
        ag.inference_mode("yes")


def test_is_tensor_numel_is_floating_point_as_torch():
    t = _torch()
    makers = (
        lambda m: m.zeros(2, 3),
        lambda m: m.zeros(0, 4, dtype=m.int64),
        lambda m: m.tensor(3.0, dtype=m.float64),
        lambda m: m.ones(5, dtype=m.bool),
    )
    for make in makers:
        a, b = make(ag), make(t)
        assert ag.is_tensor(a) and t.is_tensor(b)
        assert ag.numel(a) == t.numel(b) == a.nelement() == b.nelement()
        assert ag.is_floating_point(a) == t.is_floating_point(b) == a.is_floating_point()
    assert not ag.is_tensor([1.0]) and not ag.is_tensor(np.ones(2))
    with pytest.raises(TypeError, match="numel: input must be a Tensor, got list"):
        ag.numel([1.0])
    with pytest.raises(TypeError, match="is_floating_point: input must be a Tensor, got list"):
        ag.is_floating_point([1.0])


# -- addcmul / addcdiv ----------------------------------------------------------------------------

ADDC_SHAPES = [
    ((3, 4), (3, 4), (3, 4)),
    ((1, 4), (3, 1), (4,)),
    ((), (2, 3), (3,)),
    ((2, 1), (), (1, 3)),
]


@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("shapes", ADDC_SHAPES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_addc_values_gradients_and_dtypes_vs_torch(name, shapes, dtype):
    t = _torch()
    rng = np.random.default_rng(0)
    arrs = [(rng.uniform(0.5, 2.0, s) * rng.choice([-1, 1], s)).astype(dtype) for s in shapes]
    xs = [ag.tensor(a, requires_grad=True) for a in arrs]
    ts = [t.tensor(a, requires_grad=True) for a in arrs]
    y = getattr(ag, name)(*xs, value=-0.7)
    ty = getattr(t, name)(*ts, value=-0.7)
    assert y.dtype == np.dtype(dtype) and y.shape == tuple(ty.shape)
    rtol = 1e-6 if dtype == "float32" else 1e-14
    np.testing.assert_allclose(_np(y), ty.detach().numpy(), rtol=rtol)
    cot = rng.standard_normal(y.shape).astype(dtype)
    gs = ag.grad((y * ag.tensor(cot)).sum(), xs)
    tgs = t.autograd.grad((ty * t.tensor(cot)).sum(), ts)
    for g, tg, a in zip(gs, tgs, arrs):
        assert g.shape == a.shape and g.dtype == a.dtype
        np.testing.assert_allclose(_np(g), tg.numpy(), rtol=10 * rtol, atol=10 * rtol)
    m = getattr(xs[0].detach(), name)(xs[1].detach(), xs[2].detach(), value=-0.7)
    np.testing.assert_array_equal(m.numpy(), _np(y))  # the method


@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("shapes", ADDC_SHAPES)
def test_addc_gradcheck_and_gradgradcheck(name, shapes):
    rng = np.random.default_rng(1)
    xs = [ag.tensor(rng.uniform(0.5, 2.0, s), requires_grad=True) for s in shapes]
    fn = lambda a, b, c: getattr(ag, name)(a, b, c, value=1.3)  # noqa: E731
    assert ag.gradcheck(fn, xs)
    assert ag.gradgradcheck(fn, xs)


def test_addc_integer_rules_as_torch():
    t = _torch()
    i = [1, 2, 3]
    y = ag.addcmul(ag.tensor(i), ag.tensor(i), ag.tensor(i), value=2)
    ty = t.addcmul(t.tensor(i), t.tensor(i), t.tensor(i), value=2)
    assert y.dtype == np.int64 and y.tolist() == ty.tolist()
    with pytest.raises(TypeError, match="addcdiv: integer division of tensor1 by tensor2"):
        ag.addcdiv(ag.ones(3), ag.tensor(i), ag.tensor(i))
    assert _raises_in_torch(lambda: t.addcdiv(t.ones(3), t.tensor(i), t.tensor(i)))
    f = ag.addcdiv(ag.tensor(i), ag.tensor([1.0, 2.0, 4.0]), ag.tensor(i), value=2)
    np.testing.assert_allclose(f.numpy(), [3.0, 4.0, 5.666666666], rtol=1e-6)
    with pytest.raises(TypeError, match="addcmul: for integer tensors value must be an int"):
        ag.addcmul(ag.tensor(i), ag.tensor(i), ag.tensor(i), value=2.5)
    with pytest.raises(TypeError, match="addcmul: not defined for bool tensors"):
        b = ag.ones(2, dtype=ag.bool)
        ag.addcmul(b, b, b)


def test_addc_errors():
    t = _torch()
    with pytest.raises(ShapeError, match=r"addcmul: shapes \(3,\), \(2,\), \(3,\)"):
        ag.addcmul(ag.ones(3), ag.ones(2), ag.ones(3))
    assert _raises_in_torch(lambda: t.addcmul(t.ones(3), t.ones(2), t.ones(3)))
    with pytest.raises(ShapeError, match=r"addcdiv: shapes"):
        ag.addcdiv(ag.ones(3), ag.ones(3), ag.ones(4))
    with pytest.raises(TypeError):  # value is keyword-only, as torch
        ag.addcmul(ag.ones(3), ag.ones(3), ag.ones(3), 2)
    assert _raises_in_torch(lambda: t.addcmul(t.ones(3), t.ones(3), t.ones(3), 2))
    with pytest.raises(TypeError, match="addcmul: tensor2 must be a Tensor, got float"):
        ag.addcmul(ag.ones(3), ag.ones(3), 2.0)
    with pytest.raises(TypeError, match="addcmul: value must be a real number, got str"):
        ag.addcmul(ag.ones(3), ag.ones(3), ag.ones(3), value="2")
    with pytest.raises(ShapeError, match="addcmul_: the result has shape"):
        ag.ones(3).addcmul_(ag.ones(2, 3), ag.ones(3))
    assert _raises_in_torch(lambda: t.ones(3).addcmul_(t.ones(2, 3), t.ones(3)))
    with pytest.raises(TypeError, match="addcmul_: the result has dtype float"):
        ag.ones(3, dtype=ag.int64).addcmul_(ag.ones(3), ag.ones(3))


def test_addc_in_place_as_an_optimiser_uses_them():
    t = _torch()
    rng = np.random.default_rng(2)
    p0, g0, m0, v0 = (rng.uniform(0.5, 1.5, (2, 3)) for _ in range(4))
    p, g = ag.tensor(p0, requires_grad=True), ag.tensor(g0)
    m, v = ag.tensor(m0), ag.tensor(v0)
    tp, tg = t.tensor(p0, requires_grad=True), t.tensor(g0)
    tm, tv = t.tensor(m0), t.tensor(v0)
    with ag.no_grad():
        assert v.mul_(0.999).addcmul_(g, g, value=0.001) is v
        assert p.addcdiv_(m, v.sqrt() + 1e-8, value=-0.01) is p
    with t.no_grad():
        tv.mul_(0.999).addcmul_(tg, tg, value=0.001)
        tp.addcdiv_(tm, tv.sqrt() + 1e-8, value=-0.01)
    np.testing.assert_allclose(v.numpy(), tv.numpy(), rtol=1e-14)
    np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-14)
    assert p.is_leaf and p.requires_grad
    with pytest.raises(RuntimeError, match="addcdiv_: a leaf Tensor that requires grad"):
        p.addcdiv_(m, v)
    # on a recorded graph the in-place form is recorded and differentiates to second order
    x = ag.tensor(p0, requires_grad=True)
    a, b = ag.tensor(g0, requires_grad=True), ag.tensor(m0, requires_grad=True)

    def f(x, a, b):
        y = x * 1.0
        return y.addcdiv_(a, b, value=0.5)

    assert ag.gradcheck(f, (x, a, b)) and ag.gradgradcheck(f, (x, a, b))


# -- cdist ----------------------------------------------------------------------------------------

MODES = ["use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
         "donot_use_mm_for_euclid_dist"]  # fmt: skip
PS = [2.0, 1.0, 0.0, 0.5, 1.5, 3.0, INF]


@pytest.mark.parametrize("p", PS)
@pytest.mark.parametrize("mode", MODES)
def test_cdist_values_and_gradients_vs_torch(p, mode):
    t = _torch()
    rng = np.random.default_rng(0)
    for s1, s2 in [((3, 4), (5, 4)), ((2, 3, 4), (1, 5, 4)), ((2, 1, 3, 2), (3, 4, 2))]:
        a, b = rng.standard_normal(s1), rng.standard_normal(s2)
        A, B = ag.tensor(a, requires_grad=True), ag.tensor(b, requires_grad=True)
        ta, tb = t.tensor(a, requires_grad=True), t.tensor(b, requires_grad=True)
        y, ty = ag.cdist(A, B, p, mode), t.cdist(ta, tb, p, mode)
        assert y.shape == tuple(ty.shape) and y.dtype == np.float64
        np.testing.assert_allclose(_np(y), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
        cot = rng.standard_normal(y.shape)
        gs = ag.grad((y * ag.tensor(cot)).sum(), [A, B])
        tgs = t.autograd.grad((ty * t.tensor(cot)).sum(), [ta, tb])
        for g, tg in zip(gs, tgs):
            np.testing.assert_allclose(_np(g), tg.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("p", [2.0, 1.0, 0.5, 1.5, 3.0, INF])
@pytest.mark.parametrize("mode", ["use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"])
def test_cdist_gradcheck_and_gradgradcheck(p, mode):
    rng = np.random.default_rng(3)
    A = ag.tensor(rng.standard_normal((2, 3, 3)), requires_grad=True)
    B = ag.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    fn = lambda a, b: ag.cdist(a, b, p, mode)  # noqa: E731
    assert ag.gradcheck(fn, (A, B))
    assert ag.gradgradcheck(fn, (A, B))


def test_cdist_large_inputs_take_the_matmul_path_as_torch():
    t = _torch()
    rng = np.random.default_rng(4)
    a = rng.standard_normal((30, 5)).astype(np.float32)
    b = np.concatenate([a[:3], rng.standard_normal((27, 5)).astype(np.float32)])
    A, B = ag.tensor(a, requires_grad=True), ag.tensor(b, requires_grad=True)
    ta, tb = t.tensor(a, requires_grad=True), t.tensor(b, requires_grad=True)
    y, ty = ag.cdist(A, B), t.cdist(ta, tb)
    assert y.dtype == np.float32
    np.testing.assert_allclose(_np(y), ty.detach().numpy(), rtol=1e-4, atol=1e-3)
    near = ~np.isclose(ty.detach().numpy(), 0, atol=1e-2)  # torch's mm is unstable at 0
    cot = rng.standard_normal(y.shape).astype(np.float32) * near
    gs = ag.grad((y * ag.tensor(cot)).sum(), [A, B])
    tgs = t.autograd.grad((ty * t.tensor(cot)).sum(), [ta, tb])
    for g, tg in zip(gs, tgs):
        np.testing.assert_allclose(_np(g), tg.numpy(), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("p", [2.0, 1.0, 0.5, 1.5, 3.0, INF])
def test_cdist_gradient_at_zero_distance_and_ties_as_torch(p):
    t = _torch()
    a = [[0.0, 0.0], [1.0, 1.0], [1.0, -1.0]]
    b = [[0.0, 0.0], [1.0, 2.0], [0.0, 0.0]]
    A, B = ag.tensor(a, requires_grad=True), ag.tensor(b, requires_grad=True)
    ta, tb = t.tensor(a, requires_grad=True), t.tensor(b, requires_grad=True)
    y = ag.cdist(A, B, p, "donot_use_mm_for_euclid_dist")
    ty = t.cdist(ta, tb, p, "donot_use_mm_for_euclid_dist")
    np.testing.assert_allclose(_np(y), ty.detach().numpy(), rtol=1e-6)
    cot = np.arange(9.0).reshape(3, 3) - 4
    gs = ag.grad((y * ag.tensor(cot, dtype=ag.float32)).sum(), [A, B])
    tgs = t.autograd.grad((ty * t.tensor(cot, dtype=t.float32)).sum(), [ta, tb])
    for g, tg in zip(gs, tgs):
        assert np.isfinite(_np(g)).all()
        np.testing.assert_allclose(_np(g), tg.numpy(), rtol=1e-6, atol=1e-6)


def test_cdist_p2_zero_distance_gradient_is_zero():
    x = ag.tensor([[1.0, 2.0]], dtype=ag.float64, requires_grad=True)
    for mode in MODES:
        (g,) = ag.grad(ag.cdist(x, x.detach(), 2.0, mode).sum(), x)
        np.testing.assert_array_equal(_np(g), 0)


def test_cdist_empty_shapes_as_torch():
    t = _torch()
    for s1, s2 in [((0, 3), (4, 3)), ((2, 0), (4, 0)), ((2, 3), (0, 3))]:
        for p in (2.0, 1.0, INF, 0.0):
            y = ag.cdist(ag.ones(*s1), ag.ones(*s2), p)
            ty = t.cdist(t.ones(*s1), t.ones(*s2), p)
            assert y.shape == tuple(ty.shape)
            np.testing.assert_array_equal(y.numpy(), ty.numpy())


def test_cdist_errors_as_torch():
    t = _torch()
    cases = [
        (lambda m: m.cdist(m.ones(2, 3), m.ones(4, 2)), ShapeError, "same number of columns"),
        (lambda m: m.cdist(m.ones(3), m.ones(4, 3)), ShapeError, "x1 must have at least 2 dim"),
        (lambda m: m.cdist(m.ones(2, 3, dtype=m.int64), m.ones(4, 3, dtype=m.int64)),
         TypeError, "cdist: expected a floating point tensor"),
        (lambda m: m.cdist(m.ones(2, 3), m.ones(4, 3, dtype=m.float64)), TypeError,
         "x1 and x2 must have the same dtype"),
        (lambda m: m.cdist(m.ones(2, 3), m.ones(4, 3), p=-1.0), ValueError, "non-negative p"),
        (lambda m: m.cdist(m.ones(2, 3), m.ones(4, 3), p=NAN), ValueError, "non-negative p"),
        (lambda m: m.cdist(m.ones(2, 3), m.ones(4, 3), compute_mode="bad"), ValueError,
         "'bad' is not a valid value for compute_mode"),
        (lambda m: m.cdist(m.ones(5, 2, 3), m.ones(3, 4, 3)), ShapeError,
         "batch dims of x1 .* are not broadcastable"),
        (lambda m: m.cdist(m.ones(2, 3, dtype=m.float16), m.ones(4, 3, dtype=m.float16)),
         TypeError, "float16 is not supported"),
    ]  # fmt: skip
    for call, err, match in cases:
        with pytest.raises(err, match=match):
            call(ag)
        assert _raises_in_torch(call, t)


# -- grad(only_inputs) ----------------------------------------------------------------------------


def test_grad_only_inputs_as_torch():
    t = _torch()
    ours = list(inspect.signature(ag.grad).parameters)
    theirs = list(inspect.signature(t.autograd.grad).parameters)
    assert ours == theirs[: len(ours)]  # same positional order
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (g,) = ag.grad(y, x, only_inputs=True, retain_graph=True)
    np.testing.assert_array_equal(g.numpy(), [2.0, 4.0])
    with pytest.warns(FutureWarning, match="only_inputs argument is deprecated and is ignored"):
        (g2,) = ag.grad(y, x, only_inputs=False)
    np.testing.assert_array_equal(g2.numpy(), [2.0, 4.0])
    assert x.grad is None  # nothing accumulated
    tx = t.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(FutureWarning, match="only_inputs argument is deprecated and is ignored"):
        t.autograd.grad((tx * tx).sum(), tx, only_inputs=False)


# -- Tensor methods -------------------------------------------------------------------------------

DTYPES = ["float16", "float32", "float64", "int8", "uint8", "int16", "int32", "int64", "bool"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_type_names_follow_torch(dtype):
    t = _torch()
    ours = ag.zeros(2, dtype=dtype).type()
    theirs = t.zeros(2, dtype=getattr(t, dtype)).type()
    assert ours == theirs.replace("torch.", "autograd.")


def test_type_casts():
    t = _torch()
    x = ag.tensor([1.5, -2.0], requires_grad=True)
    for arg in (ag.float64, "float64", "autograd.DoubleTensor", "torch.DoubleTensor"):
        y = x.type(arg)
        assert y.dtype == np.float64 and y.requires_grad and not y.is_leaf
    assert x.type(ag.float32) is x and x.type("torch.FloatTensor") is x
    assert x.type("autograd.LongTensor").tolist() == t.tensor([1.5, -2.0]).type(t.int64).tolist()
    (g,) = ag.grad(x.type("float64").sum(), x)
    assert g.dtype == np.float32 and g.tolist() == [1.0, 1.0]
    for bad in ("foo", "torch.float64x", "autograd.spam.FloatTensor"):
        with pytest.raises(ValueError, match="type: invalid type"):
            x.type(bad)
    assert _raises_in_torch(lambda: t.ones(2).type("foo"))
    with pytest.raises(TypeError, match="type: dtype must be a dtype or a type name string"):
        x.type(5)


def test_nelement_isinf_isnan_trunc_vs_torch():
    t = _torch()
    v = [1.5, -2.7, INF, -INF, NAN, -0.2, 0.0]
    x, tx = ag.tensor(v), t.tensor(v)
    assert x.nelement() == tx.nelement() == 7
    assert x.isinf().tolist() == tx.isinf().tolist()
    assert x.isnan().tolist() == tx.isnan().tolist()
    np.testing.assert_array_equal(x.trunc().numpy(), tx.trunc().numpy())
    assert np.signbit(x.trunc().numpy()).tolist() == np.signbit(tx.trunc().numpy()).tolist()
    assert x.trunc().dtype == np.float32 and x.fix().tolist()[:2] == [1.0, -2.0]
    i = ag.tensor([3, -4])
    assert i.trunc().tolist() == [3, -4] and i.isinf().tolist() == [False, False]
    w = ag.tensor([1.7, -1.7], requires_grad=True)
    (g,) = ag.grad(w.trunc().sum(), w)
    assert g.tolist() == [0.0, 0.0]


def test_equal_as_torch():
    t = _torch()
    cases = [
        (lambda m: m.ones(3), lambda m: m.ones(3)),
        (lambda m: m.ones(3), lambda m: m.ones(2)),
        (lambda m: m.ones(3), lambda m: m.ones(1, 3)),
        (lambda m: m.ones(3), lambda m: m.ones(3, dtype=m.int64)),
        (lambda m: m.ones(3), lambda m: m.ones(3, dtype=m.float64)),
        (lambda m: m.tensor([NAN]), lambda m: m.tensor([NAN])),
        (lambda m: m.ones(0), lambda m: m.ones(0)),
        (lambda m: m.ones(3, dtype=m.bool), lambda m: m.ones(3, dtype=m.int64)),
        (lambda m: m.tensor([1.0, 2.0]), lambda m: m.tensor([1.0, 2.5])),
    ]
    for a, b in cases:
        ours = a(ag).equal(b(ag))
        assert type(ours) is bool and ours == t.equal(a(t), b(t))
    with pytest.raises(TypeError, match="equal: other must be a Tensor, got int"):
        ag.ones(3).equal(3)


UNFOLDS = [((7,), 0, 3, 2), ((7,), 0, 7, 1), ((7,), 0, 0, 1), ((2, 5, 3), 1, 2, 2),
           ((2, 5, 3), -2, 3, 1), ((4, 6), -1, 2, 3), ((0, 5), 1, 2, 2), ((5, 0), 1, 0, 2),
           ((), 0, 1, 1), ((), -1, 0, 1)]  # fmt: skip


@pytest.mark.parametrize("shape,dim,size,step", UNFOLDS)
def test_unfold_vs_torch(shape, dim, size, step):
    t = _torch()
    a = np.arange(float(np.prod(shape))).reshape(shape)
    x, tx = ag.tensor(a, requires_grad=True), t.tensor(a, requires_grad=True)
    y, ty = x.unfold(dim, size, step), tx.unfold(dim, size, step)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_array_equal(_np(y), ty.detach().numpy())
    cot = np.random.default_rng(0).standard_normal(y.shape)
    (g,) = ag.grad((y * ag.tensor(cot)).sum(), x)
    (tg,) = t.autograd.grad((ty * t.tensor(cot)).sum(), tx)
    np.testing.assert_allclose(_np(g), tg.numpy(), rtol=1e-14)


def test_unfold_gradcheck_dtype_and_copy():
    rng = np.random.default_rng(5)
    x = ag.tensor(rng.standard_normal((3, 7)), requires_grad=True)
    fn = lambda a: a.unfold(1, 3, 2) ** 2  # noqa: E731 - overlapping windows
    assert ag.gradcheck(fn, (x,)) and ag.gradgradcheck(fn, (x,))
    f = ag.ones(2, 4, dtype=ag.float32).unfold(1, 2, 1)
    assert f.dtype == np.float32 and f.shape == (2, 3, 2)
    i = ag.arange(5).unfold(0, 2, 1)
    assert i.dtype == np.int64 and i.tolist() == [[0, 1], [1, 2], [2, 3], [3, 4]]
    base = ag.zeros(4)
    w = base.unfold(0, 2, 2)
    w[0, 0] = 5.0  # a view, as torch's: the write reaches the base
    assert base.tolist() == [5.0, 0.0, 0.0, 0.0]


def test_unfold_errors_as_torch():
    t = _torch()
    cases = [
        ((7,), 0, 8, 1, ValueError, "unfold: maximum size for tensor at dimension 0 is 7"),
        ((7,), 0, 3, 0, ValueError, "unfold: step is 0 but must be > 0"),
        ((7,), 0, 3, -1, ValueError, "unfold: step is -1 but must be > 0"),
        ((7,), 1, 3, 1, IndexError, "unfold: dim 1 is out of range"),
        ((), 0, 2, 1, ValueError, "maximum size for tensor at dimension 0 is 1"),
    ]
    for shape, dim, size, step, err, match in cases:
        with pytest.raises(err, match=match):
            ag.zeros(shape).unfold(dim, size, step)
        assert _raises_in_torch(lambda *a: t.zeros(a[0]).unfold(*a[1:]), shape, dim, size, step)
    with pytest.raises(TypeError, match="unfold: size must be an int"):
        ag.zeros(4).unfold(0, 2.0, 1)


# -- the cuda path (on a GPU, or in CI on the fake CuPy) ------------------------------------------


@pytest.mark.gpu
def test_cuda_sampling_stays_on_the_device_and_matches_the_cpu_stream():
    dev = "cuda"
    w = ag.tensor([[1.0, 2.0, 3.0]], device=dev)
    for draw in (
        lambda d: ag.multinomial(ag.tensor([[1.0, 2.0, 3.0]], device=d), 2),
        lambda d: ag.bernoulli(ag.full((4,), 0.5, device=d)),
        lambda d: ag.normal(ag.zeros(4, device=d), 1.0),
        lambda d: ag.poisson(ag.full((4,), 2.0, device=d)),
        lambda d: ag.zeros(4, device=d).random_(0, 9),
        lambda d: ag.zeros(4, device=d).exponential_(),
        lambda d: ag.zeros(4, device=d).bernoulli_(ag.full((4,), 0.5, device=d)),
    ):
        ag.manual_seed(9)
        on = draw(dev)
        ag.manual_seed(9)
        off = draw("cpu")
        assert on.device.startswith("cuda")
        np.testing.assert_array_equal(on.cpu().numpy(), off.numpy())
    assert ag.randperm(5, device=dev).device.startswith("cuda")
    assert w.multinomial(1).device.startswith("cuda")
    a = ag.tensor(np.arange(6.0).reshape(3, 2), device=dev, requires_grad=True)
    b = ag.tensor(np.ones((2, 2)), device=dev, requires_grad=True)
    y = ag.cdist(a, b)
    gs = ag.grad(y.sum(), [a, b])
    assert all(g.device.startswith("cuda") for g in (y, *gs))
    ac, bc = a.cpu().detach().requires_grad_(), b.cpu().detach().requires_grad_()
    gc = ag.grad(ag.cdist(ac, bc).sum(), [ac, bc])
    for g, h in zip(gs, gc):
        np.testing.assert_allclose(g.cpu().numpy(), h.numpy(), rtol=1e-12)
    z = ag.addcmul(a, a, a, value=0.5)
    assert z.device.startswith("cuda")
    np.testing.assert_allclose(z.detach().cpu().numpy(), (ac + 0.5 * ac * ac).detach().numpy())
