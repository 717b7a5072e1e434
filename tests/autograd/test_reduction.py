"""Targeted tests of the reductions, scans and softmax: zeros, ties, extremes, shapes, errors.

The op table (specs_reduction.py) covers forward / gradcheck / gradgradcheck on random inputs;
these tests pin the cases random inputs never hit, and compare with PyTorch when it is installed.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

import autograd as ag


def _t(a, requires_grad=True):
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def _grad(fn, x, gy=None, seed=0):
    """d sum(gy * fn(x)) / dx with a random (float64) cotangent gy; returns (y, gy, gx)."""
    x = x.detach().requires_grad_(True)
    y = fn(x)
    if gy is None:
        gy = np.random.default_rng(seed).standard_normal(y.shape)
    (gx,) = ag.grad([y], [x], grad_outputs=[ag.tensor(gy, dtype=y.dtype)])
    return y, gy, gx.detach().numpy()


def _brute_prod_grad(a, gy):
    """d prod(a) / d a_i = prod of the other elements, by definition (flat a, scalar gy)."""
    flat = a.reshape(-1)
    return np.array([gy * np.prod(np.delete(flat, i)) for i in range(flat.size)]).reshape(a.shape)


def _brute_cumprod_grad(a, gy):
    """dL/da_i = sum_{k >= i} gy_k prod_{j <= k, j != i} a_j (1-D a)."""
    n = a.size
    out = np.zeros(n)
    for i in range(n):
        for k in range(i, n):
            out[i] += gy[k] * np.prod([a[j] for j in range(k + 1) if j != i])
    return out


# -- prod and cumprod with zeros -----------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [[2.0, 0.0, 3.0, -1.5], [0.0, 2.0, 0.0, 4.0], [0.0, 0.0, 0.0, 0.0], [1.5, -2.0, 0.5, 3.0]],
    ids=["one_zero", "two_zeros", "all_zeros", "no_zero"],
)
def test_prod_gradient_with_zeros(values):
    a = np.asarray(values)
    y, gy, gx = _grad(ag.prod, _t(a), gy=np.asarray(0.7))
    assert y.item() == np.prod(a)
    np.testing.assert_allclose(gx, _brute_prod_grad(a, 0.7), atol=1e-12)
    x = _t(a)
    assert ag.gradcheck(ag.prod, (x,))
    assert ag.gradgradcheck(ag.prod, (x,))


def test_prod_dims_with_zeros_first_and_second_order():
    rng = np.random.default_rng(3)
    a = rng.uniform(-2, 2, (3, 4, 2))
    a[0, 1, 0] = a[0, 2, 0] = 0.0  # two zeros in one slice of dim 1
    a[1, 3, 1] = 0.0
    for dim in (1, (0, 2), None, -1):
        x = _t(a)
        assert ag.gradcheck(lambda x, d=dim: ag.prod(x, d), (x,))
        assert ag.gradgradcheck(lambda x, d=dim: ag.prod(x, d), (x,))


@pytest.mark.parametrize(
    "values",
    [
        [2.0, 0.0, 3.0, -1.5, 0.5],
        [0.0, 2.0, 0.0, 4.0, 1.5],
        [1.2, -0.7, 2.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0],
        [1.5, -2.0, 0.5, 3.0, 0.9],
    ],
    ids=["one_zero", "two_zeros", "trailing_zeros", "all_zeros", "no_zero"],
)
def test_cumprod_gradient_with_zeros(values):
    a = np.asarray(values)
    gy = np.random.default_rng(1).standard_normal(a.shape)
    y, _, gx = _grad(ag.cumprod, _t(a), gy=gy)
    np.testing.assert_allclose(y.detach().numpy(), np.cumprod(a))
    np.testing.assert_allclose(gx, _brute_cumprod_grad(a, gy), atol=1e-12)
    x = _t(a)
    assert ag.gradcheck(ag.cumprod, (x,))
    assert ag.gradgradcheck(ag.cumprod, (x,))


def test_cumprod_zeros_along_middle_dim_and_third_order():
    rng = np.random.default_rng(4)
    a = rng.uniform(-2, 2, (2, 6, 3))
    a[0, 1, :] = 0.0
    a[1, 2, 0] = a[1, 4, 0] = 0.0
    x = _t(a)
    assert ag.gradcheck(lambda x: ag.cumprod(x, 1), (x,))
    assert ag.gradgradcheck(lambda x: ag.cumprod(x, 1), (x,))
    v = ag.tensor(rng.standard_normal((2, 6, 3)))

    def first(x):
        (g,) = ag.grad([ag.cumprod(x, 1)], [x], grad_outputs=[v], create_graph=True)
        return g

    x = _t(a)
    assert ag.gradcheck(first, (x,))  # second order
    assert ag.gradgradcheck(first, (x,))  # third order


# -- max / min / amax / amin: ties ----------------------------------------------------------------


def test_full_max_spreads_gradient_over_ties():
    _, _, gx = _grad(ag.max, _t([1.0, 3.0, 3.0, 2.0]), gy=np.asarray(2.0))
    np.testing.assert_allclose(gx, [0.0, 1.0, 1.0, 0.0])
    _, _, gx = _grad(lambda x: x.max(), _t([[3.0, 3.0], [1.0, 3.0]]), gy=np.asarray(1.5))
    np.testing.assert_allclose(gx, [[0.5, 0.5], [0.0, 0.5]])
    _, _, gx = _grad(ag.min, _t([1.0, 3.0, 1.0, 2.0]), gy=np.asarray(1.0))
    np.testing.assert_allclose(gx, [0.5, 0.0, 0.5, 0.0])


def test_amax_amin_ties_per_slice():
    a = np.array([[1.0, 4.0, 4.0], [2.0, 2.0, 2.0], [5.0, 0.0, 1.0]])
    gy = np.array([0.3, -1.2, 2.0])
    _, _, gx = _grad(lambda x: ag.amax(x, 1), _t(a), gy=gy)
    np.testing.assert_allclose(gx, [[0, 0.15, 0.15], [-0.4, -0.4, -0.4], [2.0, 0, 0]])
    _, _, gx = _grad(lambda x: x.amin(dim=0, keepdim=True), _t(a), gy=np.array([[1.0, 2, 3]]))
    np.testing.assert_allclose(gx, [[1.0, 0, 0], [0, 0, 0], [0, 2, 3]])
    _, _, gx = _grad(lambda x: ag.amax(x, (0, 1)), _t(a), gy=np.asarray(1.0))
    np.testing.assert_allclose(gx, [[0, 0, 0], [0, 0, 0], [1.0, 0, 0]])


def test_max_dim_returns_values_and_indices_and_grad_goes_to_index():
    a = np.array([[1.0, 4.0, 4.0], [2.0, 7.0, 2.0]])
    x = _t(a)
    r = ag.max(x, 1)
    assert isinstance(r, tuple) and r._fields == ("values", "indices")
    values, indices = r
    np.testing.assert_array_equal(values.detach().numpy(), [4.0, 7.0])
    assert indices.dtype == np.int64 and not indices.requires_grad
    np.testing.assert_array_equal(indices.detach().numpy(), [1, 1])  # first of the tied maxima
    values.backward(ag.tensor(np.array([2.0, 3.0])))
    np.testing.assert_allclose(x.grad.detach().numpy(), [[0, 2.0, 0], [0, 3.0, 0]])

    r = x.min(dim=0, keepdim=True)
    assert r.values.shape == (1, 3) and r.indices.shape == (1, 3)
    np.testing.assert_array_equal(r.indices.detach().numpy(), [[0, 0, 1]])


def test_max_of_0d_and_elementwise_overload():
    x = _t(2.5)
    v, i = ag.max(x, 0)
    assert v.shape == () and i.shape == () and int(i.item()) == 0 and v.item() == 2.5
    a, b = _t([1.0, 5.0]), _t([3.0, 2.0])
    np.testing.assert_array_equal(ag.max(a, b).detach().numpy(), [3.0, 5.0])
    np.testing.assert_array_equal(ag.min(a, b).detach().numpy(), [1.0, 2.0])


def test_max_min_of_empty_raise():
    x = ag.zeros(0, 3)
    with pytest.raises(RuntimeError, match="max"):
        ag.max(x)
    with pytest.raises(IndexError, match="amin.*dim 0"):
        ag.amin(x, 0)
    with pytest.raises(IndexError, match="argmax"):
        ag.argmax(x, 0)
    assert ag.amax(x, 1).shape == (0,)


def test_argmax_argmin_int64_no_grad():
    a = np.array([[1.0, 9.0, 3.0], [7.0, 2.0, 7.0]])
    x = _t(a)
    for got, want in [
        (ag.argmax(x), np.argmax(a)),
        (ag.argmax(x, 1), np.argmax(a, 1)),
        (x.argmin(0, keepdim=True), np.argmin(a, 0, keepdims=True)),
        (ag.argmax(x, keepdim=True), np.argmax(a, keepdims=True)),
    ]:
        assert got.dtype == np.int64 and not got.requires_grad
        assert got.shape == np.shape(want)
        np.testing.assert_array_equal(got.detach().numpy(), want)


# -- extremes: logsumexp, softmax, log_softmax ---------------------------------------------------


@pytest.mark.parametrize("big", [1e4, -1e4])
def test_logsumexp_softmax_finite_at_large_inputs(big):
    a = np.array([[big, big, big - 1.0], [big, -big, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lse, _, g_lse = _grad(lambda x: ag.logsumexp(x, 1), _t(a))
        sm, _, g_sm = _grad(lambda x: ag.softmax(x, -1), _t(a))
        ls, _, g_ls = _grad(lambda x: ag.log_softmax(x, 1), _t(a))
    for arr in (lse.detach().numpy(), g_lse, sm.detach().numpy(), g_sm, ls.detach().numpy(), g_ls):
        assert np.isfinite(arr).all()
    m = a.max(1, keepdims=True)
    want = (m + np.log(np.exp(a - m).sum(1, keepdims=True)))[:, 0]
    np.testing.assert_allclose(lse.detach().numpy(), want, rtol=1e-14)
    np.testing.assert_allclose(sm.detach().numpy().sum(1), [1.0, 1.0])
    np.testing.assert_allclose(np.exp(ls.detach().numpy()), sm.detach().numpy(), atol=1e-15)
    np.testing.assert_allclose(ag.logsumexp(_t([big, big])).item(), big + math.log(2))


def test_logsumexp_all_neg_inf_rows():
    a = np.array([[-np.inf, -np.inf], [0.0, -np.inf], [1.0, 2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, gy, gx = _grad(lambda x: ag.logsumexp(x, 1), _t(a))
    np.testing.assert_array_equal(y.detach().numpy()[:2], [-np.inf, 0.0])
    np.testing.assert_allclose(gx[0], [0.0, 0.0])  # no NaN for an all -inf row
    np.testing.assert_allclose(gx[1], [gy[1], 0.0])
    assert ag.logsumexp(ag.zeros(0)).item() == -np.inf


def test_softmax_with_neg_inf_entries():
    a = np.array([[0.0, -np.inf, 1.0]])
    y = ag.softmax(_t(a))
    np.testing.assert_allclose(y.detach().numpy(), [[1 / (1 + np.e), 0.0, np.e / (1 + np.e)]])
    assert np.isfinite(_grad(ag.softmax, _t(a))[2]).all()


# -- norm at zero --------------------------------------------------------------------------------


@pytest.mark.parametrize("p", ["fro", 2, 1, 3, 1.5, 0.5, float("inf"), -float("inf")])
def test_norm_gradient_at_zero_is_zero(p):
    _, _, gx = _grad(lambda x: ag.norm(x, p), ag.zeros(2, 3, dtype=ag.float64))
    np.testing.assert_array_equal(gx, np.zeros((2, 3)))


def test_norm_zero_row_with_dim():
    a = np.array([[0.0, 0.0], [3.0, 4.0]])
    y, gy, gx = _grad(lambda x: x.norm(dim=1), _t(a))
    np.testing.assert_allclose(y.detach().numpy(), [0.0, 5.0])
    np.testing.assert_allclose(gx, [[0.0, 0.0], [gy[1] * 0.6, gy[1] * 0.8]])


def test_norm_bad_p():
    with pytest.raises(ValueError, match="nuc"):
        ag.norm(_t([[1.0]]), "nuc")
    with pytest.raises(TypeError, match="floating point"):
        ag.norm(ag.tensor([1, 2]))


# -- var / std arguments -------------------------------------------------------------------------


def test_var_std_correction_spellings():
    a = np.random.default_rng(0).standard_normal((4, 5))
    x = _t(a, requires_grad=False)
    np.testing.assert_allclose(ag.var(x).item(), a.var(ddof=1))
    np.testing.assert_allclose(ag.var(x, unbiased=False).item(), a.var())
    np.testing.assert_allclose(ag.var(x, 1, ddof=0).detach().numpy(), a.var(1))
    np.testing.assert_allclose(x.std(axis=0, correction=2).detach().numpy(), a.std(0, ddof=2))
    np.testing.assert_allclose(ag.std(x, unbiased=True).item(), a.std(ddof=1))
    with pytest.raises(TypeError, match="unbiased"):
        ag.var(x, unbiased=True, ddof=1)
    with pytest.warns(RuntimeWarning, match="degrees of freedom"):
        v = ag.var(ag.tensor([1.0]))
    assert math.isnan(v.item())
    with pytest.raises(TypeError, match="floating point"):
        ag.var(ag.tensor([1, 2, 3]))


def test_std_gradient_of_constant_slice_is_zero():
    a = np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])
    y, gy, gx = _grad(lambda x: ag.std(x, 1), _t(a))
    np.testing.assert_array_equal(gx[0], [0.0, 0.0, 0.0])
    assert np.isfinite(gx).all()
    x = _t(a[1:])
    assert ag.gradgradcheck(lambda x: ag.std(x, 1, keepdim=True), (x,))


# -- scans ---------------------------------------------------------------------------------------


def test_cumsum_cumprod_need_dim_for_2d():
    x = _t(np.ones((2, 3)))
    for fn in (ag.cumsum, ag.cumprod):
        with pytest.raises(TypeError, match="dim is required"):
            fn(x)
    np.testing.assert_array_equal(ag.cumsum(_t([1.0, 2.0, 3.0])).detach().numpy(), [1, 3, 6])
    assert ag.cumsum(ag.tensor([True, True, False])).dtype == np.int64


# -- all / any -----------------------------------------------------------------------------------


def test_all_any():
    a = np.array([[1.0, 0.0], [2.0, 3.0]])
    x = _t(a)
    assert ag.all(x).dtype == np.bool_ and not ag.all(x).requires_grad
    assert not ag.all(x).item() and ag.any(x).item()
    np.testing.assert_array_equal(x.all(1).detach().numpy(), [False, True])
    np.testing.assert_array_equal(
        ag.any(x == 0, dim=0, keepdim=True).detach().numpy(), [[False, True]]
    )


# -- shapes, arguments, errors -------------------------------------------------------------------

REDUCERS = {
    "sum": ag.sum, "mean": ag.mean, "prod": ag.prod, "amax": ag.amax, "amin": ag.amin,
    "logsumexp": ag.logsumexp, "all": ag.all, "any": ag.any,
    "norm": lambda x, dim=None, keepdim=False, **kw: ag.norm(x, 2, dim, keepdim, **kw),
    # PyTorch's var/std read a third positional argument as unbiased
    "var": lambda x, dim=None, keepdim=False, **kw: ag.var(x, dim, keepdim=keepdim, **kw),
    "std": lambda x, dim=None, keepdim=False, **kw: ag.std(x, dim, keepdim=keepdim, **kw),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(REDUCERS))
@pytest.mark.parametrize("dim", [None, 0, 2, -1, (0, 2), (1,)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_reduction_shapes(name, dim, keepdim):
    fn = REDUCERS[name]
    a = np.random.default_rng(0).uniform(0.5, 2, (2, 3, 4))
    x = _t(a)
    got = fn(x, dim, keepdim)
    want = np.sum(a, axis=dim, keepdims=keepdim)
    assert got.shape == want.shape
    assert fn(x, axis=dim, keepdims=keepdim).shape == want.shape
    if got.requires_grad:  # the gradient comes back in x's shape
        got.backward(ag.ones_like(got))
        assert x.grad.shape == x.shape


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_dim_shapes(name, keepdim):
    x = _t(np.random.default_rng(0).standard_normal((2, 3, 4)))
    for d in (0, 1, -1):
        v, i = getattr(ag, name)(x, d, keepdim)
        want = np.max(x.detach().numpy(), axis=d, keepdims=keepdim).shape
        assert v.shape == want and i.shape == want


OPS_WITH_DIM = {
    "sum": lambda x, d: ag.sum(x, d),
    "mean": lambda x, d: ag.mean(x, d),
    "prod": lambda x, d: ag.prod(x, d),
    "max": lambda x, d: ag.max(x, d),
    "min": lambda x, d: ag.min(x, d),
    "amax": lambda x, d: ag.amax(x, d),
    "amin": lambda x, d: ag.amin(x, (0, d)),
    "argmax": lambda x, d: ag.argmax(x, d),
    "argmin": lambda x, d: ag.argmin(x, d),
    "var": lambda x, d: ag.var(x, d),
    "std": lambda x, d: ag.std(x, d),
    "logsumexp": lambda x, d: ag.logsumexp(x, d),
    "norm": lambda x, d: ag.norm(x, 2, d),
    "cumsum": lambda x, d: ag.cumsum(x, d),
    "cumprod": lambda x, d: ag.cumprod(x, d),
    "all": lambda x, d: ag.all(x, d),
    "any": lambda x, d: ag.any(x, d),
    "softmax": lambda x, d: ag.softmax(x, d),
    "log_softmax": lambda x, d: ag.log_softmax(x, d),
}


@pytest.mark.parametrize("name", sorted(OPS_WITH_DIM))
@pytest.mark.parametrize("bad", [2, -3])
def test_bad_dim_raises_index_error_naming_op(name, bad):
    x = _t(np.ones((2, 3)))
    with pytest.raises(IndexError, match=rf"{name}: dim {bad} is out of range .* 2 dimensions"):
        OPS_WITH_DIM[name](x, bad)


@pytest.mark.parametrize("name", sorted(OPS_WITH_DIM))
@pytest.mark.parametrize("dim", [0, -1])
def test_zero_dim_input_accepts_dim_0_and_minus_1(name, dim):
    x = _t(1.5)
    fn = ag.amin if name == "amin" else OPS_WITH_DIM[name]  # (not with a tuple of dims here)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # var/std of one element: nan
        y = fn(x, dim)
    y = y[0] if isinstance(y, tuple) else y
    assert y.shape == ()
    want = {"argmax": 0, "argmin": 0, "var": np.nan, "std": np.nan, "softmax": 1.0,
            "log_softmax": 0.0, "all": True, "any": True}.get(name, 1.5)  # fmt: skip
    np.testing.assert_equal(y.detach().numpy(), want)


def test_nan_is_the_max_and_gets_the_gradient():
    y, _, gx = _grad(ag.max, _t([1.0, np.nan, 3.0]), gy=np.asarray(2.0))
    assert np.isnan(y.item())
    np.testing.assert_array_equal(gx, [0.0, 2.0, 0.0])


def test_empty_reductions():
    x = ag.zeros(2, 0, dtype=ag.float64, requires_grad=True)
    np.testing.assert_array_equal(ag.prod(x, 1).detach().numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(ag.logsumexp(x, 1).detach().numpy(), [-np.inf, -np.inf])
    assert ag.softmax(x, 1).shape == (2, 0) and ag.cumprod(x, 1).shape == (2, 0)
    ag.prod(x, 1).sum().backward()
    assert x.grad.shape == (2, 0)


def test_dim_and_axis_together_is_a_type_error():
    with pytest.raises(TypeError, match="both dim"):
        ag.prod(_t([1.0]), 0, axis=0)


@pytest.mark.parametrize("name", ["prod", "amax", "var", "logsumexp", "norm", "softmax", "cumprod"])
def test_float32_stays_float32(name):
    fns = {
        "prod": lambda x: ag.prod(x, 1),
        "amax": lambda x: ag.amax(x, 0),
        "var": lambda x: ag.var(x, 1),
        "logsumexp": ag.logsumexp,
        "norm": lambda x: ag.norm(x, 3),
        "softmax": ag.softmax,
        "cumprod": lambda x: ag.cumprod(x, 1),
    }
    x = ag.tensor(np.random.default_rng(0).uniform(0.5, 1.5, (3, 4)), dtype=ag.float32)
    x.requires_grad_(True)
    y = fns[name](x)
    assert y.dtype == np.float32
    y.backward(ag.ones_like(y))
    assert x.grad.dtype == np.float32


def test_functions_accept_raw_arrays():
    a = np.random.default_rng(0).uniform(0.5, 1.5, (3, 4))
    assert isinstance(ag.prod(a, 1), np.ndarray)
    np.testing.assert_allclose(ag.prod(a, 1), a.prod(1))
    np.testing.assert_allclose(ag.cumprod(a, 0), a.cumprod(0))
    np.testing.assert_allclose(ag.softmax(a), np.exp(a) / np.exp(a).sum(-1, keepdims=True))
    v, i = ag.max(a, 1)
    np.testing.assert_array_equal(i, a.argmax(1))
    assert isinstance(ag.argmax(a), np.ndarray) and ag.all(a > 0).item()


# -- PyTorch parity ------------------------------------------------------------------------------


def _parity_cases(rng):
    a = rng.standard_normal((3, 4, 5))
    z = a.copy()
    z[0, 1, :2] = 0.0
    z[2, :, 3] = 0.0
    z[1, 2, 4] = 0.0
    tie = np.round(rng.standard_normal((3, 4, 5)))  # many ties
    big = a * 1e4
    return [
        ("prod_dim_zeros", z, lambda m, x: m.prod(x, 1)),
        ("prod_all_zero", z[1], lambda m, x: m.prod(x)),
        ("cumprod_zeros", z, lambda m, x: m.cumprod(x, 2)),
        ("cumsum", a, lambda m, x: m.cumsum(x, 0)),
        ("max_all_ties", tie, lambda m, x: m.max(x)),
        ("amax_ties", tie, lambda m, x: m.amax(x, (0, 2), keepdim=True)),
        ("amin_ties", tie, lambda m, x: m.amin(x, 1)),
        ("max_dim", a, lambda m, x: m.max(x, 2).values),
        ("min_dim_keep", a, lambda m, x: m.min(x, 0, keepdim=True).values),
        ("var", a, lambda m, x: m.var(x, 1)),
        ("var_corr0", a, lambda m, x: m.var(x, (0, 2), correction=0)),
        ("std_keep", a, lambda m, x: m.std(x, -1, keepdim=True)),
        ("std_constant_slice", tie * 0 + 1, lambda m, x: m.std(x, (0, 2))),
        ("logsumexp_big", big, lambda m, x: m.logsumexp(x, 1)),
        ("softmax_big", big, lambda m, x: m.softmax(x, 1)),
        ("log_softmax_big", big, lambda m, x: m.log_softmax(x, -1)),
        ("norm_fro", a, lambda m, x: m.norm(x)),
        ("norm_2_dim_zeros", z, lambda m, x: m.norm(x, 2, 2)),
        ("norm_1", z, lambda m, x: m.norm(x, 1, (0, 1))),
        ("norm_inf_ties", tie, lambda m, x: m.norm(x, float("inf"), 1)),
        ("norm_3", a, lambda m, x: m.norm(x, 3, 0)),
        ("mean", a, lambda m, x: m.mean(x, (1, 2))),
    ]


def test_torch_parity():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    for name, a, fn in _parity_cases(rng):
        x = ag.tensor(a, requires_grad=True)
        y = fn(ag, x)
        gy = rng.standard_normal(y.shape)
        y.backward(ag.tensor(gy))
        tx = torch.tensor(a, requires_grad=True)
        ty = fn(torch, tx)
        ty.backward(torch.tensor(gy))
        np.testing.assert_allclose(
            y.detach().numpy(), ty.detach().numpy(), rtol=1e-12, err_msg=name
        )
        np.testing.assert_allclose(
            x.grad.detach().numpy(), tx.grad.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=name
        )


def test_torch_parity_indices_and_second_order():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    a = rng.standard_normal((3, 4))
    for dim, keep in itertools.product((0, 1, -1), (False, True)):
        for op in ("max", "min"):
            v, i = getattr(ag, op)(ag.tensor(a), dim, keep)
            tv, ti = getattr(torch, op)(torch.tensor(a), dim, keep)
            np.testing.assert_array_equal(i.detach().numpy(), ti.detach().numpy())
            np.testing.assert_array_equal(v.detach().numpy(), tv.detach().numpy())
        np.testing.assert_array_equal(
            ag.argmax(ag.tensor(a), dim, keep).detach().numpy(),
            torch.argmax(torch.tensor(a), dim, keep),
        )
    # second order through prod / cumprod with zeros
    z = a.copy()
    z[0, 1] = z[2, 1] = z[2, 3] = 0.0
    v = rng.standard_normal((3, 4))
    for fn in (lambda m, x: m.prod(x, 1), lambda m, x: m.cumprod(x, 1)):
        x = ag.tensor(z, requires_grad=True)
        (g,) = ag.grad([fn(ag, x).sum()], [x], create_graph=True)
        (g * ag.tensor(v)).sum().backward()
        tx = torch.tensor(z, requires_grad=True)
        (tg,) = torch.autograd.grad(fn(torch, tx).sum(), tx, create_graph=True)
        (tg * torch.tensor(v)).sum().backward()
        np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), atol=1e-12)
        np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.detach().numpy(), atol=1e-12)


@pytest.mark.gpu
def test_norm_p0_under_create_graph_on_cuda():
    # NonzeroCount's zero gradient must be made on the tensor's device when gy is a Tensor
    x = ag.tensor(np.array([1.0, 0.0, 2.0]), device="cuda", requires_grad=True)
    (g,) = ag.grad(ag.norm(x, 0) + (x * x).sum(), x, create_graph=True)
    (h,) = ag.grad(g.sum(), x)
    assert g.device.startswith("cuda") and h.device.startswith("cuda")
    np.testing.assert_allclose(h.cpu().numpy(), [2.0, 2.0, 2.0])
