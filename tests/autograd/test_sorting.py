"""Sorting, selection and scans against PyTorch: values, indices and gradients, ties, NaN, 0-d
and empty inputs, errors, and the cuda path.

The op table (specs_sorting.py, run by test_ops.py) checks forward, gradcheck and gradgradcheck
on tie-free random inputs; here every op runs side by side with torch in float32 and float64
with a random cotangent, on inputs with ties and NaN where torch defines the result.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from autograd import ShapeError

torch = pytest.importorskip("torch")

DTYPES = [np.float32, np.float64]
NAN = np.nan


def _distinct(shape, seed=0):
    """Distinct values (a shuffled grid with jitter): no ties, so every index is defined."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    return ((rng.permutation(n) + rng.uniform(0.2, 0.8, n)) * (4.0 / max(n, 1)) - 2.0).reshape(
        shape
    )


def _ties(shape, seed=0, levels=3):
    """Small integers as floats: many ties."""
    return np.random.default_rng(seed).integers(0, levels, shape).astype(np.float64)


def _as_list(out):
    if isinstance(out, (tuple, list)):
        return list(out)
    return [out]


def _np(t):
    if isinstance(t, ag.Tensor):
        return t.detach().cpu().numpy()
    if torch.is_tensor(t):
        return t.detach().numpy()
    return np.asarray(t)


def _compare(fn, x, dtype, seed=0, grad=True, ref=None, indices=True):
    """Run ``fn(module, x)`` with autograd and with torch (or ``ref``); compare every output
    (values, and indices unless ``indices`` is False: dtype, shape and value) and the gradient of
    sum(gy * float outputs). indices False: the choice among tied elements is torch's to make,
    so only each gradient's total is compared."""
    xa = ag.tensor(np.asarray(x, dtype=dtype), requires_grad=grad)
    xt = torch.tensor(np.asarray(x, dtype=dtype), requires_grad=grad)
    got, want = _as_list(fn(ag, xa)), _as_list(fn(ref or torch, xt))
    assert len(got) == len(want)
    rng = np.random.default_rng(seed)
    ga, gt = [], []
    for g, w in zip(got, want):
        gn, wn = _np(g), _np(w)
        assert gn.shape == wn.shape, (gn.shape, wn.shape)
        assert gn.dtype == wn.dtype, (gn.dtype, wn.dtype)
        if gn.dtype.kind == "f":
            tol = 1e-6 if dtype == np.float32 else 1e-12
            np.testing.assert_allclose(gn, wn, rtol=tol * 10, atol=tol)
            if grad and w.requires_grad:
                assert g.requires_grad
                gy = rng.standard_normal(gn.shape).astype(dtype)
                ga.append((g, ag.tensor(gy)))
                gt.append((w, torch.tensor(gy)))
        else:
            if indices:
                np.testing.assert_array_equal(gn, wn)
            if isinstance(g, ag.Tensor):
                assert not g.requires_grad
    if ga:
        (dx,) = ag.grad([o for o, _ in ga], [xa], grad_outputs=[v for _, v in ga])
        (dxt,) = torch.autograd.grad([o for o, _ in gt], [xt], grad_outputs=[v for _, v in gt])
        assert dx.dtype == dtype
        if indices:
            np.testing.assert_allclose(_np(dx), _np(dxt), rtol=1e-5, atol=1e-6)
        else:
            np.testing.assert_allclose(_np(dx).sum(), _np(dxt).sum(), rtol=1e-5, atol=1e-6)
    return got


# -- sort, argsort, msort -----------------------------------------------------------------------

SORT_CASES = [
    ("default", lambda m, x: m.sort(x), (3, 5)),
    ("dim0_desc", lambda m, x: m.sort(x, 0, descending=True), (4, 3)),
    ("negdim_stable", lambda m, x: m.sort(x, dim=-2, stable=True), (2, 4, 3)),
    ("desc_stable_kw", lambda m, x: m.sort(x, dim=1, descending=True, stable=True), (2, 6)),
    ("argsort", lambda m, x: m.argsort(x, dim=-1, descending=True), (3, 5)),
    ("argsort_stable", lambda m, x: m.argsort(x, dim=0, stable=True), (5, 2)),
    ("msort", lambda m, x: m.msort(x), (5, 3)),
    ("method", lambda m, x: x.sort(1, True), (3, 4)),
]


class _StableTorch:
    """torch with sort/argsort made stable: torch's default order of equal elements is
    unspecified (its CPU sort is stable for short rows only); ours is always the stable one."""

    def __getattr__(self, name):
        return getattr(torch, name)

    @staticmethod
    def sort(x, dim=-1, descending=False, stable=False):
        return torch.sort(x, dim=dim, descending=descending, stable=True)

    @staticmethod
    def argsort(x, dim=-1, descending=False, stable=False):
        return torch.argsort(x, dim=dim, descending=descending, stable=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,fn,shape", SORT_CASES, ids=[c[0] for c in SORT_CASES])
@pytest.mark.parametrize("make", [_distinct, _ties], ids=["distinct", "ties"])
def test_sort_matches_torch(name, fn, shape, make, dtype):
    _compare(fn, make(shape), dtype, ref=_StableTorch())


def test_sort_long_rows_with_ties_are_stable():
    x = _ties((3, 40), seed=1)
    _compare(lambda m, t: m.sort(t, 1), x, np.float64, ref=_StableTorch())
    _compare(lambda m, t: m.sort(t, 0, descending=True), x, np.float32, ref=_StableTorch())


@pytest.mark.parametrize("descending", [False, True])
def test_sort_nan_placement_matches_torch(descending):
    x = np.array([[2.0, NAN, -1.0, NAN, 0.5], [NAN, 1.0, 1.0, -3.0, NAN]])
    _compare(lambda m, t: m.sort(t, 1, descending=descending), x, np.float64)


def test_sort_int_and_bool_and_method_argsort():
    x = np.array([[3, 1, 2, 1], [0, -5, 7, 7]])
    got = ag.sort(ag.tensor(x), 1, descending=True)
    want = torch.sort(torch.tensor(x), dim=1, descending=True, stable=True)
    np.testing.assert_array_equal(_np(got.values), want.values.numpy())
    np.testing.assert_array_equal(_np(got.indices), want.indices.numpy())
    b = np.array([True, False, True, False])
    np.testing.assert_array_equal(
        _np(ag.tensor(b).argsort()), torch.argsort(torch.tensor(b), stable=True).numpy()
    )


# -- topk, kthvalue -----------------------------------------------------------------------------

TOPK_CASES = [
    ("k2", lambda m, x: m.topk(x, 2), (3, 5)),
    ("k1_dim0", lambda m, x: m.topk(x, 1, dim=0), (4, 3)),
    ("kn_smallest", lambda m, x: m.topk(x, 5, dim=-1, largest=False), (3, 5)),
    ("k0", lambda m, x: m.topk(x, 0, 1), (3, 5)),
    ("negdim", lambda m, x: m.topk(x, 3, -2), (2, 4, 3)),
    ("method", lambda m, x: x.topk(2, largest=False), (6,)),
    ("kth1", lambda m, x: m.kthvalue(x, 1), (3, 5)),
    ("kthn_dim0_keep", lambda m, x: m.kthvalue(x, 4, 0, keepdim=True), (4, 3)),
    ("kth_negdim", lambda m, x: m.kthvalue(x, 2, dim=-2), (2, 4, 3)),
    ("kth_method", lambda m, x: x.kthvalue(3, 1, True), (2, 5)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,fn,shape", TOPK_CASES, ids=[c[0] for c in TOPK_CASES])
def test_topk_kthvalue_match_torch(name, fn, shape, dtype):
    _compare(fn, _distinct(shape, seed=3), dtype)


def test_topk_with_ties_selects_equal_values_and_sends_gradient_there():
    # torch leaves the order among equal values unspecified; the values and the gradient's
    # total per value must still agree, and our picks are the lowest indices (stable)
    x = ag.tensor([3.0, 1.0, 3.0, 2.0, 1.0, 3.0], dtype=ag.float64, requires_grad=True)
    v, i = ag.topk(x, 2)
    np.testing.assert_array_equal(_np(v), torch.topk(torch.tensor(_np(x)), 2).values.numpy())
    np.testing.assert_array_equal(_np(i), [0, 2])
    v.sum().backward()
    np.testing.assert_array_equal(_np(x.grad), [1, 0, 1, 0, 0, 0])
    _, i = ag.topk(x, 3, largest=False)
    np.testing.assert_array_equal(_np(i), [1, 4, 3])


def test_topk_float32_preserved_and_sorted_false_gives_the_same_set():
    x = _distinct((4, 6), seed=5).astype(np.float32)
    v, i = ag.topk(ag.tensor(x), 3, sorted=False)
    assert v.dtype == np.float32 and i.dtype == np.int64
    tv, ti = torch.topk(torch.tensor(x), 3, sorted=False)
    np.testing.assert_array_equal(np.sort(_np(v), 1), np.sort(tv.numpy(), 1))
    np.testing.assert_array_equal(np.sort(_np(i), 1), np.sort(ti.numpy(), 1))


# -- median, nanmedian, mode --------------------------------------------------------------------

MEDIAN_X = {
    "distinct": _distinct((3, 6), seed=1),
    "ties": _ties((3, 5), seed=2),
    "nan": np.array([[1.0, NAN, 2.0, 0.5], [3.0, 2.0, 1.0, 0.0], [NAN, NAN, NAN, NAN]]),
}
MEDIAN_CASES = [
    ("all", lambda m, x: m.median(x)),
    ("dim1", lambda m, x: m.median(x, 1)),
    ("dim0_keep", lambda m, x: m.median(x, 0, keepdim=True)),
    ("negdim_method", lambda m, x: x.median(-1, True)),
    ("nan_all", lambda m, x: m.nanmedian(x)),
    ("nan_dim", lambda m, x: m.nanmedian(x, 1)),
    ("nan_dim0_keep", lambda m, x: x.nanmedian(0, keepdim=True)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,fn", MEDIAN_CASES, ids=[c[0] for c in MEDIAN_CASES])
@pytest.mark.parametrize("kind", list(MEDIAN_X))
def test_median_matches_torch(name, fn, kind, dtype):
    x = MEDIAN_X[kind]
    # torch's index among tied medians (an nth_element) and for an all-NaN row of nanmedian is
    # unspecified: there only values and the gradient's total are compared
    unspecified = (kind == "ties" and name != "all" and name != "nan_all") or (
        kind == "nan" and name == "nan_dim"
    )
    _compare(fn, x, dtype, indices=not unspecified)


def test_median_all_spreads_gradient_over_ties_like_torch():
    x = np.array([1.0, 2.0, 2.0, 3.0, 2.0])
    _compare(lambda m, t: m.median(t), x, np.float64)
    xa = ag.tensor(x, requires_grad=True)
    ag.median(xa).backward()
    np.testing.assert_allclose(_np(xa.grad), [0, 1 / 3, 1 / 3, 0, 1 / 3])


def test_median_int_and_empty():
    assert ag.median(ag.tensor([3, 1, 2, 7])).item() == torch.median(torch.tensor([3, 1, 2, 7]))
    assert np.isnan(ag.median(ag.tensor(np.zeros(0))).item())
    assert np.isnan(ag.nanmedian(ag.tensor([NAN, NAN])).item())


MODE_X = [
    np.array([[2.0, 1.0, 2.0, 1.0, 3.0], [1.0, 2.0, 2.0, 1.0, 0.0]]),
    _ties((4, 7), seed=4, levels=4),
    np.array([[1.0, 2.0, 2.0], [3.0, 3.0, 1.0]]),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("i", range(len(MODE_X)))
def test_mode_matches_torch_values_indices_and_gradient(i, dtype):
    x = MODE_X[i]
    _compare(lambda m, t: m.mode(t), x, dtype)
    _compare(lambda m, t: m.mode(t, 0, keepdim=True), x, dtype)
    _compare(lambda m, t: t.mode(-2), x, dtype)


# -- quantile, nanquantile ----------------------------------------------------------------------

INTERPOLATIONS = ["linear", "lower", "higher", "midpoint", "nearest"]
Q_X = {
    "distinct": _distinct((3, 7), seed=6),
    "ties": _ties((4, 5), seed=7),
    "nan": np.array([[1.0, NAN, 2.0, 0.5, 4.0], [3.0, 2.0, 1.0, 0.0, -1.0], [NAN] * 5]),
}
Q_CASES = [
    ("scalar_all", lambda m, x, it: m.quantile(x, 0.3, interpolation=it)),
    ("scalar_all_keep", lambda m, x, it: m.quantile(x, 0.75, None, True, interpolation=it)),
    (
        "tensor_dim1",
        lambda m, x, it: m.quantile(x, _q(m, x, [0.0, 0.25, 0.5, 1.0]), 1, interpolation=it),
    ),  # fmt: skip
    (
        "tensor_negdim_keep",
        lambda m, x, it: m.quantile(x, _q(m, x, [0.1, 0.9]), -2, True, interpolation=it),
    ),  # fmt: skip
    (
        "tensor_all_keep",
        lambda m, x, it: x.quantile(_q(m, x, [0.5, 0.125]), keepdim=True, interpolation=it),
    ),  # fmt: skip
    ("q0d_tensor", lambda m, x, it: m.quantile(x, _q(m, x, 0.6), 0, interpolation=it)),
    (
        "nan_dim1",
        lambda m, x, it: m.nanquantile(x, _q(m, x, [0.2, 0.5, 0.7]), 1, interpolation=it),
    ),  # fmt: skip
    ("nan_all", lambda m, x, it: x.nanquantile(0.4, interpolation=it)),
]


def _q(m, x, values):
    if m is torch:
        return torch.tensor(values, dtype=x.dtype)
    return ag.tensor(values, dtype=x.dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("interp", INTERPOLATIONS)
@pytest.mark.parametrize("name,fn", Q_CASES, ids=[c[0] for c in Q_CASES])
@pytest.mark.parametrize("kind", list(Q_X))
def test_quantile_matches_torch(name, fn, kind, interp, dtype):
    x = Q_X[kind]
    # with ties the gradient goes to one of the equal neighbours: ours the stable sort's, torch's
    # its default sort's (unspecified); then only the gradient's total is compared
    _compare(lambda m, t: fn(m, t, interp), x, dtype, indices=kind != "ties")


def test_quantile_gradient_goes_to_the_two_neighbours():
    x = ag.tensor([3.0, 1.0, 2.0, 5.0], dtype=ag.float64, requires_grad=True)
    ag.quantile(x, 0.4).backward()  # rank 1.2 between sorted 2 (index 2) and 3 (index 0)
    np.testing.assert_allclose(_np(x.grad), [0.2, 0.0, 0.8, 0.0])


def test_quantile_0d_and_float32():
    x = ag.tensor(2.5, requires_grad=True)
    y = ag.quantile(x, 0.5)
    assert y.shape == () and y.dtype == np.float32 and y.item() == 2.5
    assert ag.quantile(x, [0.1, 0.9], 0, keepdim=True).shape == (2,)
    assert ag.quantile(ag.tensor(np.ones((2, 3), np.float32)), 0.5, 1).dtype == np.float32


def test_quantile_second_order():
    x = ag.tensor(_distinct((3, 5), seed=8), requires_grad=True)
    assert ag.gradgradcheck(lambda t: ag.quantile(t, [0.3, 0.8], 1) ** 2, (x,))


# the gradient wrt a q tensor that requires grad: (x_hi - x_lo)(n - 1) with 'linear', none
# with the other modes (torch's); q 0-d and 1-D, over all elements, along a dim, keepdim
QGRAD_CASES = [
    ("q0d_all", lambda m, x, q, it: m.quantile(x, q, interpolation=it), 0.3),
    ("q1d_all_keep", lambda m, x, q, it: m.quantile(x, q, None, True, interpolation=it),
     [0.3, 0.62]),
    ("q1d_dim1", lambda m, x, q, it: m.quantile(x, q, 1, interpolation=it), [0.1, 0.55, 0.9]),
    ("q0d_dim0_keep", lambda m, x, q, it: m.quantile(x, q, 0, True, interpolation=it), 0.4),
    ("q1d_method_negdim", lambda m, x, q, it: x.quantile(q, -2, interpolation=it), [0.7, 0.2]),
    ("nan_q1d_dim1", lambda m, x, q, it: m.nanquantile(x, q, 1, interpolation=it),
     [0.0, 0.3, 0.55, 1.0]),
    ("nan_q0d_all", lambda m, x, q, it: m.nanquantile(x, q, interpolation=it), 0.45),
    ("nan_quantile_dim1", lambda m, x, q, it: m.quantile(x, q, 1, interpolation=it),
     [0.0, 0.3, 0.55]),
]  # fmt: skip
QGRAD_X = {
    "distinct": _distinct((3, 7), seed=19),
    # NaN among values, a row of NaN only, a clean row (q = 0 on the all-NaN row: NaN, as torch)
    "nan": np.array([[1.0, NAN, 4.0, 3.0, 0.5], [NAN] * 5, [1.0, 2.5, 3.0, 4.0, -1.0]]),
}


def _qgrad_run(m, fn, x, q, it, dtype):
    """Values, the gradients wrt (x, q) for a random cotangent (create_graph), and the
    gradients of <those gradients, random v> wrt (x, q), all as NumPy (None for none)."""
    rng = np.random.default_rng(20)
    t = m.tensor if m is ag else torch.tensor
    xt = t(np.asarray(x, dtype), requires_grad=True)
    qt = t(np.asarray(q, dtype), requires_grad=True)
    y = fn(m, xt, qt, it)
    gy = t(rng.standard_normal(tuple(y.shape)).astype(dtype))
    grad = ag.grad if m is ag else torch.autograd.grad
    gs = grad(y, [xt, qt], gy, create_graph=True, allow_unused=True)
    vs = [t(rng.standard_normal(tuple(v.shape)).astype(dtype)) for v in (xt, qt)]
    s = sum((g * v).sum() for g, v in zip(gs, vs) if g is not None)
    hs = grad(s, [xt, qt], allow_unused=True) if s.requires_grad else (None, None)
    return [None if v is None else _np(v) for v in (y, *gs, *hs)], y.requires_grad


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("interp", INTERPOLATIONS)
@pytest.mark.parametrize("name,fn,q", QGRAD_CASES, ids=[c[0] for c in QGRAD_CASES])
def test_quantile_gradient_wrt_q_matches_torch_to_second_order(name, fn, q, interp, dtype):
    x = QGRAD_X["nan" if name.startswith("nan") else "distinct"]
    with np.errstate(invalid="ignore"):
        got, got_rg = _qgrad_run(ag, fn, x, q, interp, dtype)
    want, want_rg = _qgrad_run(torch, fn, x, q, interp, dtype)
    assert got_rg == want_rg
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for part, a, b in zip(["y", "gx", "gq", "hx", "hq"], got, want):
        if b is None or a is None:  # q unused (not 'linear'), or a second order that is 0
            assert a is None or not np.any(a), part
            assert b is None or not np.any(b), part
            continue
        assert a.shape == b.shape and a.dtype == b.dtype, part
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=part)
    if interp == "linear":  # q's gradient is there and has q's shape
        assert got[2] is not None and got[2].shape == np.shape(q)
    else:
        assert got[2] is None


def test_quantile_gradient_wrt_q_is_the_slope_and_passes_gradcheck():
    x = ag.tensor([1.0, 2.0, 4.0], dtype=ag.float64)
    q = ag.tensor([0.3], dtype=ag.float64, requires_grad=True)
    y = ag.quantile(x, q)
    assert y.requires_grad
    y.sum().backward()
    np.testing.assert_allclose(_np(q.grad), [2.0])  # (2 - 1) * (3 - 1)
    assert not ag.quantile(x, q, interpolation="midpoint").requires_grad
    xs = ag.tensor(_distinct((3, 6), seed=21), requires_grad=True)
    qs = ag.tensor([0.15, 0.5, 0.93], dtype=ag.float64, requires_grad=True)  # ranks off integers
    for f in (
        lambda a, b: ag.quantile(a, b, 1) ** 2,
        lambda a, b: ag.nanquantile(a, b[2], 0, keepdim=True) * a.sum(),
    ):
        assert ag.gradcheck(f, (xs, qs))
        assert ag.gradgradcheck(f, (xs, qs))


def test_quantile_q_tensor_must_have_the_inputs_dtype():
    x = ag.tensor([1.0, 2.0, 4.0], dtype=ag.float64)
    for op in ("quantile", "nanquantile"):
        msg = rf"^{op}: the q tensor must have the input's dtype, got q of dtype float32 and "
        with pytest.raises(TypeError, match=msg + "input of dtype float64"):
            getattr(ag, op)(x, ag.tensor(0.5, dtype=ag.float32))
        with pytest.raises(TypeError, match=rf"^{op}: .*q of dtype int64 and input of dtype fl"):
            getattr(ag, op)(x.float(), ag.tensor([0, 1]))
    # Python numbers and lists stay accepted, in x's dtype
    x32 = x.float()
    assert ag.quantile(x32, 0.5).dtype == np.float32
    assert ag.nanquantile(x32, [0.25, 1]).dtype == np.float32
    np.testing.assert_allclose(_np(ag.quantile(x32, [0.25, 1])), [1.5, 4.0])


# -- cummax, cummin, logcumsumexp ---------------------------------------------------------------

CUM_X = {
    "distinct": _distinct((3, 6), seed=9),
    "ties": _ties((3, 6), seed=10),
    "nan": np.array([[1.0, 3.0, 3.0, 2.0, NAN, 5.0, NAN], [3.0, 1.0, 1.0, 2.0, 0.5, 0.5, 9.0]]),
}
CUM_CASES = [
    ("cummax1", lambda m, x: m.cummax(x, 1)),
    ("cummax0", lambda m, x: m.cummax(x, dim=0)),
    ("cummin_neg", lambda m, x: m.cummin(x, -1)),
    ("cummin_method", lambda m, x: x.cummin(0)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,fn", CUM_CASES, ids=[c[0] for c in CUM_CASES])
@pytest.mark.parametrize("kind", list(CUM_X))
def test_cummax_cummin_match_torch(name, fn, kind, dtype):
    _compare(fn, CUM_X[kind], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "x",
    [
        _distinct((3, 6), seed=11),
        np.array([[-1000.0, 0.0, -1000.0, 50.0], [80.0, 80.0, -80.0, 1e-3]]),
        np.array([[30.0, -30.0, 10.0, 10.0, -5.0]]),
    ],
    ids=["normal", "wide", "ties"],
)
def test_logcumsumexp_matches_torch_and_is_stable(x, dtype):
    got = _compare(lambda m, t: m.logcumsumexp(t, 1), x, dtype)
    _compare(lambda m, t: t.logcumsumexp(0), x, dtype, seed=1)
    _compare(lambda m, t: m.logcumsumexp(t, dim=-1), x, dtype, seed=2)
    assert np.isfinite(_np(got[0])).all()


def test_logcumsumexp_minus_inf_and_second_order():
    x = ag.tensor([-np.inf, 1.0, -np.inf, 2.0], dtype=ag.float64, requires_grad=True)
    y = ag.logcumsumexp(x, 0)
    np.testing.assert_allclose(_np(y), [-np.inf, 1.0, 1.0, np.logaddexp(1.0, 2.0)])
    (g,) = ag.grad([y], [x], grad_outputs=[ag.tensor([0.5, -1.0, 2.0, 1.0])])
    # torch gives NaN at the leading -inf; exp(-inf) = 0 contributes nothing
    s = 1 / (1 + np.e)
    np.testing.assert_allclose(_np(g), [0.0, -1.0 + 2.0 + s, 0.0, 1 - s])
    t = ag.tensor(_distinct((2, 5), seed=12) * 3, requires_grad=True)
    assert ag.gradgradcheck(lambda v: ag.logcumsumexp(v, 1), (t,))
    assert ag.gradgradcheck(lambda v: ag.logcumsumexp(v, 0) ** 2, (t,))


# -- aminmax ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.aminmax(x),
        lambda m, x: m.aminmax(x, keepdim=True),
        lambda m, x: m.aminmax(x, dim=1),
        lambda m, x: x.aminmax(dim=-2, keepdim=True),
    ],
    ids=["all", "all_keep", "dim1", "negdim_keep"],
)
@pytest.mark.parametrize("make", [_distinct, _ties], ids=["distinct", "ties"])
def test_aminmax_matches_torch(fn, make, dtype):
    _compare(fn, make((3, 4), seed=13), dtype)  # ties: the gradient is shared, as torch


# -- 0-d and empty inputs -----------------------------------------------------------------------

ZERO_D = [
    ("sort", lambda m, x: m.sort(x)),
    ("sort_dim0_desc", lambda m, x: m.sort(x, 0, True)),
    ("argsort", lambda m, x: m.argsort(x, -1)),
    ("msort", lambda m, x: m.msort(x)),
    ("topk1", lambda m, x: m.topk(x, 1)),
    ("kthvalue", lambda m, x: m.kthvalue(x, 1, 0)),
    ("median", lambda m, x: m.median(x)),
    ("median_dim", lambda m, x: m.median(x, 0)),
    ("median_dim_keep", lambda m, x: m.median(x, -1, True)),
    ("nanmedian_dim", lambda m, x: m.nanmedian(x, 0)),
    ("mode", lambda m, x: m.mode(x)),
    ("cummax", lambda m, x: m.cummax(x, 0)),
    ("cummin", lambda m, x: m.cummin(x, -1)),
    ("logcumsumexp", lambda m, x: m.logcumsumexp(x, 0)),
    ("aminmax", lambda m, x: m.aminmax(x)),
    ("aminmax_dim", lambda m, x: m.aminmax(x, dim=0)),
    ("quantile", lambda m, x: m.quantile(x, 0.3)),
    ("quantile_dim", lambda m, x: m.quantile(x, 0.3, 0, True)),
]


@pytest.mark.parametrize("name,fn", ZERO_D, ids=[c[0] for c in ZERO_D])
def test_zero_dim_inputs_match_torch(name, fn):
    _compare(fn, np.array(1.5), np.float64)


EMPTY = [
    ("sort", lambda m, x: m.sort(x, 1)),
    ("sort_1d", lambda m, x: m.sort(x.reshape(-1))),
    ("argsort", lambda m, x: m.argsort(x, 1)),
    ("topk0", lambda m, x: m.topk(x, 0)),
    ("cummax", lambda m, x: m.cummax(x, 1)),
    ("cummin_dim0", lambda m, x: m.cummin(x, 0)),
    ("logcumsumexp", lambda m, x: m.logcumsumexp(x, -1)),
    ("aminmax_dim0", lambda m, x: m.aminmax(x, dim=0)),
    ("median_dim0", lambda m, x: m.median(x, 0)),
    ("kthvalue_dim0", lambda m, x: m.kthvalue(x, 2, 0)),
    ("mode_dim0", lambda m, x: m.mode(x, 0)),
]


@pytest.mark.parametrize("name,fn", EMPTY, ids=[c[0] for c in EMPTY])
def test_empty_dim_matches_torch(name, fn):
    _compare(fn, np.zeros((2, 0)), np.float64)


# -- searchsorted, bucketize --------------------------------------------------------------------


def _both(fn, *arrays):
    got = fn(ag, *[ag.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays])
    want = fn(torch, *[torch.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays])
    assert not got.requires_grad
    assert got.dtype == np.dtype(str(want.dtype).replace("torch.", ""))
    np.testing.assert_array_equal(_np(got), want.numpy())
    return got


SEQ = np.array([-1.0, 0.5, 0.5, 2.0, 3.0])
SEQ2 = np.array([[1.0, 2.0, 2.0, 5.0], [-3.0, -1.0, 0.0, 0.0]])
VALS = np.array([[0.5, -2.0, 2.0, 9.0, 3.0], [2.5, 0.5, -1.0, 0.7, 3.0]])


@pytest.mark.parametrize(
    "fn,args",
    [
        (lambda m, s, v: m.searchsorted(s, v), (SEQ, VALS)),
        (lambda m, s, v: m.searchsorted(s, v, right=True), (SEQ, VALS)),
        (lambda m, s, v: m.searchsorted(s, v, side="right", out_int32=True), (SEQ, VALS)),
        (lambda m, s, v: m.searchsorted(s, v), (SEQ2, VALS[:, :3] * 2)),
        (lambda m, s, v: m.searchsorted(s, v, right=True), (SEQ2, np.array([[2.0], [0.0]]))),
        (lambda m, s, v: m.searchsorted(s, v), (SEQ, 0.5)),
        (lambda m, s, v: m.searchsorted(s, v, right=True), (SEQ, np.array(0.5))),
        (lambda m, s, v: m.searchsorted(s, v), (SEQ, VALS.astype(np.float32))),
        (lambda m, s, v: m.searchsorted(s, v), (np.array([1, 3, 5, 7]), np.array([0, 3, 8]))),
        (lambda m, s, v: m.searchsorted(s, v, sorter=m.argsort(s)), (SEQ[::-1].copy(), VALS)),
        (lambda m, s, v: m.searchsorted(s, v), (np.array([1.0, 3.0]), np.array([NAN, 2.0]))),
        (lambda m, s, v: m.searchsorted(s, v), (np.zeros((2, 0)), np.ones((2, 3)))),
        (lambda m, s, v: m.bucketize(v, s), (SEQ, VALS)),
        (lambda m, s, v: m.bucketize(v, s, right=True, out_int32=True), (SEQ, VALS)),
        (lambda m, s, v: m.bucketize(v, s), (SEQ, 2.0)),
    ],
)
def test_searchsorted_bucketize_match_torch(fn, args):
    _both(fn, *args)


def test_searchsorted_has_no_gradient():
    s = ag.tensor(SEQ, requires_grad=True)
    v = ag.tensor(VALS, requires_grad=True)
    out = ag.searchsorted(s, v)
    assert not out.requires_grad and out.grad_fn is None


# -- unique, unique_consecutive -----------------------------------------------------------------

UNIQ_X = [
    np.array([3.0, 1.0, 3.0, NAN, 2.0, NAN, 1.0]),
    np.array([[1, 2], [1, 2], [0, 5], [1, 2], [0, 4]]),
    np.array([[1.0, 1.0, 2.0], [2.0, 2.0, 1.0]]),
    np.zeros((0, 3)),
    np.array(4.0),
]


@pytest.mark.parametrize("i", range(len(UNIQ_X)))
@pytest.mark.parametrize("inverse", [False, True])
@pytest.mark.parametrize("counts", [False, True])
@pytest.mark.parametrize("dim", [None, 0, -1])
@pytest.mark.parametrize("op", ["unique", "unique_consecutive"])
def test_unique_matches_torch(i, inverse, counts, dim, op):
    x = UNIQ_X[i]
    if dim is not None and x.ndim == 0:
        with pytest.raises(IndexError, match=f"{op}: dim"):
            getattr(ag, op)(ag.tensor(x), return_inverse=inverse, dim=dim)
        return
    if dim is not None and np.isnan(x).any():
        return  # torch compares NaN rows bitwise; not a case to pin
    if dim is not None and x.size == 0 and x.shape[dim] != 0:
        with pytest.raises(ShapeError, match=f"{op}: the tensor of shape \\(0, 3\\) has 0-sized"):
            getattr(ag, op)(ag.tensor(x), dim=dim)
        with pytest.raises(RuntimeError):  # torch: RuntimeError; ShapeError is one
            getattr(torch, op)(torch.tensor(x), dim=dim)
        return

    def fn(m, t):
        kw = dict(return_inverse=inverse, return_counts=counts, dim=dim)
        return getattr(m, op)(t, **kw) if m is torch else getattr(t, op)(**kw)

    xa = ag.tensor(x, requires_grad=x.dtype.kind == "f")
    got, want = _as_list(fn(ag, xa)), _as_list(fn(torch, torch.tensor(x)))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert not g.requires_grad and g.grad_fn is None
        assert _np(g).dtype == w.numpy().dtype
        np.testing.assert_array_equal(_np(g), w.numpy())


# -- errors -------------------------------------------------------------------------------------


def test_k_out_of_range_names_op_k_and_size():
    x = ag.tensor(np.zeros((2, 4)))
    with pytest.raises(
        IndexError, match=r"topk: k \(5\) is out of range for dimension 1 with size 4"
    ):
        ag.topk(x, 5)
    with pytest.raises(IndexError, match=r"topk: k \(-1\)"):
        x.topk(-1)
    with pytest.raises(IndexError, match=r"topk: k \(3\) .*dimension 0 with size 2"):
        ag.topk(x, 3, dim=0)
    with pytest.raises(IndexError, match=r"kthvalue: k \(0\) .*size 4"):
        ag.kthvalue(x, 0)
    with pytest.raises(IndexError, match=r"kthvalue: k \(5\) .*dimension 1 with size 4"):
        x.kthvalue(5)
    with pytest.raises(IndexError, match=r"kthvalue: k \(2\) .*size 1"):
        ag.kthvalue(ag.tensor(1.0), 2)
    with pytest.raises(TypeError, match="topk: k must be an int"):
        ag.topk(x, 1.5)


@pytest.mark.parametrize(
    "call",
    [
        lambda x: ag.sort(x, 2),
        lambda x: ag.argsort(x, -3),
        lambda x: ag.topk(x, 1, dim=2),
        lambda x: ag.kthvalue(x, 1, -3),
        lambda x: ag.median(x, 2),
        lambda x: ag.nanmedian(x, -3),
        lambda x: ag.mode(x, 5),
        lambda x: ag.quantile(x, 0.5, 2),
        lambda x: ag.cummax(x, 2),
        lambda x: ag.cummin(x, -3),
        lambda x: ag.logcumsumexp(x, 2),
        lambda x: ag.aminmax(x, dim=2),
        lambda x: ag.unique(x, dim=2),
        lambda x: ag.sort(ag.tensor(1.0), 1),
    ],
)
def test_bad_dim_raises_index_error_naming_op(call):
    with pytest.raises(IndexError, match=r"\w+: dim -?\d+ is out of range"):
        call(ag.tensor(np.zeros((2, 3))))


def test_reduction_over_empty_dim_raises_index_error():
    x = ag.tensor(np.zeros((2, 0)))
    for call in (lambda: ag.median(x, 1), lambda: ag.mode(x, 1), lambda: ag.kthvalue(x, 1, 1)):
        with pytest.raises(IndexError, match=r"\(\): expected reduction dim 1 to have non-zero"):
            call()
    with pytest.raises(RuntimeError, match="aminmax"):
        ag.aminmax(x)


def test_quantile_errors():
    x = ag.tensor(np.arange(4.0))
    with pytest.raises(ValueError, match=r"quantile: q must be in the range \[0, 1\], got 1.5"):
        ag.quantile(x, 1.5)
    with pytest.raises(ValueError, match=r"nanquantile: q must be in the range.*-0.1"):
        ag.nanquantile(x, ag.tensor([0.5, -0.1], dtype=x.dtype))
    with pytest.raises(ValueError, match="in the range"):
        ag.quantile(x, NAN)
    with pytest.raises(ShapeError, match=r"quantile: q must be a scalar or a 1-D tensor.*\(2, 2\)"):
        ag.quantile(x, np.full((2, 2), 0.5))
    with pytest.raises(
        TypeError, match="quantile: expected a floating point tensor, got dtype int64"
    ):
        ag.quantile(ag.tensor([1, 2, 3]), 0.5)
    with pytest.raises(ValueError, match="quantile: interpolation must be one of linear"):
        ag.quantile(x, 0.5, interpolation="cubic")
    with pytest.raises(
        ShapeError, match=r"quantile: the input must be non-empty, got shape \(0,\)"
    ):
        ag.quantile(ag.tensor(np.zeros(0)), 0.5)
    with pytest.raises(TypeError, match="quantile: q must be a float or a tensor"):
        ag.quantile(x, "0.5")


def test_searchsorted_errors():
    s2 = ag.tensor(np.zeros((2, 3)))
    with pytest.raises(ShapeError, match=r"searchsorted: .*leading dims.*\(2, 3\).*\(3, 1\)"):
        ag.searchsorted(s2, ag.tensor(np.zeros((3, 1))))
    with pytest.raises(ShapeError, match=r"searchsorted: .*\(2, 3\).*shape \(\)"):
        ag.searchsorted(s2, 1.0)
    with pytest.raises(ShapeError, match="at least one dimension"):
        ag.searchsorted(ag.tensor(1.0), ag.tensor([1.0]))
    with pytest.raises(ValueError, match="side and right can't be set to opposites"):
        ag.searchsorted(ag.tensor([1.0]), 1.0, right=True, side="left")
    with pytest.raises(ValueError, match="side must be 'left' or 'right'"):
        ag.searchsorted(ag.tensor([1.0]), 1.0, side="middle")
    with pytest.raises(ShapeError, match=r"bucketize: boundaries must be 1-D, got shape \(2, 3\)"):
        ag.bucketize(ag.tensor([1.0]), s2)
    with pytest.raises(ShapeError, match="sorter"):
        ag.searchsorted(ag.tensor([1.0, 2.0]), 1.0, sorter=ag.tensor([0]))


def test_float_only_ops_refuse_integers_and_missing_dims():
    with pytest.raises(TypeError, match="logcumsumexp: expected a floating point tensor"):
        ag.logcumsumexp(ag.tensor([1, 2]), 0)
    with pytest.raises(TypeError, match=r"logcumsumexp\(\) missing 1 required positional"):
        ag.logcumsumexp(ag.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="cummax: missing the dim"):
        ag.tensor([1.0]).cummax()
    with pytest.raises(TypeError, match="both dim"):
        ag.sort(ag.tensor([1.0]), 0, axis=0)


# -- second order through selections ------------------------------------------------------------


@pytest.mark.parametrize(
    "fn",
    [
        lambda t: ag.sort(t, 1, descending=True).values ** 3,
        lambda t: ag.topk(t, 2, 0).values ** 2,
        lambda t: ag.kthvalue(t, 2, 1).values.exp(),
        lambda t: ag.median(t, 0).values ** 2,
        lambda t: ag.cummax(t, 1).values ** 2,
        lambda t: ag.mode(t, 1).values * t.sum(),
    ],
    ids=["sort", "topk", "kthvalue", "median", "cummax", "mode"],
)
def test_second_order_through_selection(fn):
    t = ag.tensor(_distinct((3, 4), seed=14), requires_grad=True)
    assert ag.gradcheck(fn, (t,))
    assert ag.gradgradcheck(fn, (t,))


# -- the cuda path (fake CuPy in CI, a real GPU where there is one) -----------------------------

CUDA_OPS = [
    ("sort", lambda x: ag.sort(x, 1, descending=True)),
    ("argsort", lambda x: ag.argsort(x, 0)),
    ("topk", lambda x: ag.topk(x, 2, largest=False)),
    ("kthvalue", lambda x: ag.kthvalue(x, 2, 0, keepdim=True)),
    ("median", lambda x: ag.median(x)),
    ("median_dim", lambda x: ag.median(x, 1)),
    ("nanmedian_dim", lambda x: ag.nanmedian(x, -1)),
    ("mode", lambda x: ag.mode(x.round(), 1)),
    ("quantile", lambda x: ag.quantile(x, [0.2, 0.5, 1.0], 1, interpolation="linear")),
    ("nanquantile_nearest", lambda x: ag.nanquantile(x, 0.4, 0, interpolation="nearest")),
    ("cummax", lambda x: ag.cummax(x, 1)),
    ("cummin", lambda x: ag.cummin(x, 0)),
    ("logcumsumexp", lambda x: ag.logcumsumexp(x * 30, 1)),
    ("aminmax", lambda x: ag.aminmax(x, dim=1)),
    ("unique", lambda x: ag.unique(x.round(), return_inverse=True, return_counts=True)),
    ("unique_dim", lambda x: ag.unique((x > 0).float(), dim=0, return_inverse=True)),
    ("unique_consecutive", lambda x: ag.unique_consecutive(x.round(), return_counts=True)),
    ("searchsorted", lambda x: ag.searchsorted(ag.sort(x, 1).values, x[:, :2], right=True)),
    ("searchsorted_1d", lambda x: ag.searchsorted(ag.sort(x[0]).values, x)),
    ("bucketize", lambda x: ag.bucketize(x, ag.sort(x[1]).values)),
]


def _host(v):
    return [_host(o) for o in v] if isinstance(v, (tuple, list)) else _np(v)


@pytest.mark.gpu
@pytest.mark.parametrize("name,fn", CUDA_OPS, ids=[c[0] for c in CUDA_OPS])
def test_cuda_matches_cpu(name, fn):
    x = _distinct((4, 6), seed=15)
    x[1, 2] = x[2, 3] = x[3, 0]  # a few ties
    want = fn(ag.tensor(x))
    got = fn(ag.tensor(x, device="cuda"))
    for g, w in zip(_as_list(got), _as_list(want)):
        assert g.device.startswith("cuda") and g.dtype == w.dtype
        np.testing.assert_allclose(_np(g), _np(w), rtol=1e-12, atol=1e-12)


@pytest.mark.gpu
@pytest.mark.parametrize(
    "fn",
    [
        lambda t: ag.sort(t, 1).values,
        lambda t: ag.topk(t, 2, 0).values,
        lambda t: ag.median(t, -1).values,
        lambda t: ag.quantile(t, [0.3, 0.9], 1),
        lambda t: ag.cummax(t, 1).values,
        lambda t: ag.logcumsumexp(t, 1),
    ],
    ids=["sort", "topk", "median", "quantile", "cummax", "logcumsumexp"],
)
def test_cuda_gradcheck_and_gradgradcheck(fn):
    t = ag.tensor(_distinct((3, 5), seed=16), device="cuda", requires_grad=True)
    assert ag.gradcheck(fn, (t,))
    assert ag.gradgradcheck(fn, (t,))


@pytest.mark.gpu
@pytest.mark.parametrize("qdev", ["cuda", "cpu"])
def test_cuda_quantile_gradient_wrt_q_matches_the_cpu(qdev):
    xs, qv = _distinct((3, 5), seed=22), [0.15, 0.5, 0.93]
    xs[1, 2] = NAN

    def run(xdev, qd):
        x = ag.tensor(xs, device=xdev, requires_grad=True)
        q = ag.tensor(qv, dtype=ag.float64, device=qd, requires_grad=True)
        y = ag.quantile(x, q, 1) + ag.nanquantile(x, q, 1)
        gs = ag.grad((y * y).sum(), [x, q], create_graph=True)
        hs = ag.grad([(g * g).sum() for g in gs], [x, q])  # each on its own device
        assert gs[1].device.startswith(qd) and y.device.startswith(xdev)
        return [_np(t) for t in (y, *gs, *hs)]

    for a, b in zip(run("cuda", qdev), run("cpu", "cpu")):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# -- argument spellings -------------------------------------------------------------------------


def test_axis_and_keepdims_spellings_and_positional_arguments():
    x = ag.tensor(_distinct((3, 5), seed=17))
    t = torch.tensor(_np(x))
    np.testing.assert_array_equal(_np(ag.sort(x, axis=0).indices), torch.sort(t, 0).indices)
    np.testing.assert_array_equal(_np(x.topk(2, axis=0).values), torch.topk(t, 2, 0).values)
    got = ag.kthvalue(x, 2, axis=1, keepdims=True)
    np.testing.assert_array_equal(_np(got.values), torch.kthvalue(t, 2, 1, True).values)
    got = ag.median(x, axis=-1, keepdims=True)
    np.testing.assert_array_equal(_np(got.indices), torch.median(t, -1, True).indices)
    got = x.mode(axis=0, keepdims=True)
    np.testing.assert_array_equal(_np(got.values), torch.mode(t, 0, True).values)
    got = ag.quantile(x, 0.3, None, True, "midpoint")
    want = torch.quantile(t, 0.3, None, True, interpolation="midpoint")
    np.testing.assert_allclose(_np(got), want.numpy(), rtol=1e-12)
    np.testing.assert_allclose(_np(ag.nanquantile(x, 0.7, axis=1)), torch.nanquantile(t, 0.7, 1))
    mn, mx = ag.aminmax(x, 1, True)
    want = torch.aminmax(t, dim=1, keepdim=True)
    np.testing.assert_array_equal(_np(mn), want.min.numpy())
    np.testing.assert_array_equal(_np(mx), want.max.numpy())
    np.testing.assert_array_equal(_np(x.aminmax(axis=0).max), torch.aminmax(t, dim=0).max)
    np.testing.assert_array_equal(_np(x.cummax(axis=1).indices), torch.cummax(t, 1).indices)
    s = ag.tensor([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(_np(ag.searchsorted(s, ag.tensor([2.0]), True, None, True)), [2])
    assert ag.searchsorted(s, ag.tensor([2.0]), True, None, True).dtype == np.int32
    np.testing.assert_array_equal(_np(ag.bucketize(ag.tensor([2.0]), s, True)), [2])
    with pytest.raises(TypeError, match="median: got both dim=0 and axis=1"):
        ag.median(x, 0, axis=1)


def test_namedtuple_fields_and_raw_arrays():
    x = ag.tensor(_distinct((2, 4), seed=18))
    for res, name in [
        (ag.sort(x), "sort"),
        (ag.topk(x, 2), "topk"),
        (ag.kthvalue(x, 1), "kthvalue"),
        (ag.median(x, 1), "median"),
        (ag.nanmedian(x, 1), "nanmedian"),
        (ag.mode(x), "mode"),
        (ag.cummax(x, 1), "cummax"),
        (ag.cummin(x, 1), "cummin"),
    ]:
        assert type(res).__name__ == name and res._fields == ("values", "indices")
        assert res.indices.dtype == np.int64 and not res.indices.requires_grad
    assert ag.aminmax(x)._fields == ("min", "max")
    # raw arrays in, raw arrays out (what backward rules use)
    v, i = ag.sort(_np(x), 1, descending=True)
    assert type(v) is np.ndarray and type(i) is np.ndarray
    np.testing.assert_array_equal(v, -np.sort(-_np(x), 1))
