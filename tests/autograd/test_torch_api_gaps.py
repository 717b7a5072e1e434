"""The PyTorch porting API (``autograd/ops/_porting_*.py``, ``autograd/_porting_api.py``)
side by side with torch; the Tensor methods, hooks and threads are in
test_torch_api_gaps_methods.py.

* differentiable functions: values, dtypes and gradients (random cotangents, float64) equal
  torch's, edge points included (fmax ties and NaN, dist at a zero difference, renorm below
  maxnorm, cholesky_solve's full-matrix gradient);
* functions without a gradient, the dtype functions, factories and queries: values, dtypes;
* the error cases: an error here wherever torch raises.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")
NAN, INF = float("nan"), float("inf")


def _rng(seed=0):
    return np.random.default_rng(seed)


def _dt(t):
    return str(t.dtype).replace("torch.", "")


def _np(v):
    if isinstance(v, ag.Tensor):
        return v.detach().numpy()
    return v.detach().numpy() if isinstance(v, torch.Tensor) else np.asarray(v)


def _inputs(lib, arrays, diff):
    out = []
    for i, a in enumerate(arrays):
        if not isinstance(a, np.ndarray):
            out.append(a)
            continue
        t = ag.tensor(a) if lib is ag else torch.from_numpy(a.copy())
        if i in diff:
            t.requires_grad_(True)
        out.append(t)
    return out


def _outs(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _same(got, want, rtol=1e-10, atol=1e-12):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert _dt(g) == _dt(w), (_dt(g), _dt(w))
        assert tuple(g.shape) == tuple(w.shape), (g.shape, w.shape)
        np.testing.assert_allclose(_np(g), _np(w), rtol=rtol, atol=atol, equal_nan=True)


def check(fn, arrays, diff=(), rtol=1e-10, atol=1e-12):
    """``fn(module, *tensors)`` with module ag and torch: values (and, for ``diff`` inputs,
    gradients under random cotangents) equal."""
    xa, xt = _inputs(ag, arrays, diff), _inputs(torch, arrays, diff)
    oa, ot = _outs(fn(ag, *xa)), _outs(fn(torch, *xt))
    _same(oa, ot, rtol, atol)
    if not diff:
        return
    rng = _rng(7)
    pairs = [(a, t) for a, t in zip(oa, ot) if t.dtype.is_floating_point and t.requires_grad]
    cots = [rng.standard_normal(tuple(t.shape)) for _, t in pairs]
    la = sum(((a * ag.tensor(c)).sum() for (a, _), c in zip(pairs, cots)), ag.tensor(0.0))
    lt = sum(((t * torch.from_numpy(c)).sum() for (_, t), c in zip(pairs, cots)))
    ga = ag.grad(la, [xa[i] for i in diff], allow_unused=True)
    gt = torch.autograd.grad(lt, [xt[i] for i in diff], allow_unused=True)
    for i, g, w in zip(diff, ga, gt):
        w = torch.zeros_like(xt[i]) if w is None else w
        g = ag.zeros_like(xa[i]) if g is None else g
        np.testing.assert_allclose(_np(g), _np(w), rtol=1e-9, atol=1e-11, err_msg=f"grad {i}")


def _T(m, a):
    """Array ``a`` as a tensor of module ``m`` (ag or torch)."""
    return ag.tensor(a) if m is ag else torch.from_numpy(np.array(a))


def _tri(shape, upper=False, seed=0):
    a = _rng(seed).uniform(-0.5, 0.5, shape)
    a = np.triu(a) if upper else np.tril(a)
    i = np.arange(shape[-1])
    a[..., i, i] = _rng(seed + 1).uniform(1.0, 2.0, shape[:-1])
    return a


R = _rng(1)
A34, B34, V3, V4 = (
    R.uniform(-2, 2, (3, 4)),
    R.uniform(-2, 2, (3, 4)),
    R.normal(size=3),
    R.normal(size=4),
)
NANS = np.array([[1.0, NAN, 2.0, -3.0], [NAN, 2.0, NAN, NAN], [0.5, 4.0, NAN, 1.0]])
TIES_A = np.array([1.0, NAN, 2.0, 3.0, NAN, -1.0, 0.0])
TIES_B = np.array([1.0, 1.0, NAN, 4.0, NAN, 0.0, 0.0])
# (name, fn(m, *inputs) with m = ag or torch, input arrays, indices that require grad)
DIFF = [
    ("fmax_ties_nan", lambda m, a, b: m.fmax(a, b), [TIES_A, TIES_B], (0, 1)),
    ("fmin_ties_nan", lambda m, a, b: m.fmin(a, b), [TIES_A, TIES_B], (0, 1)),
    ("fmax_broadcast", lambda m, a, b: m.fmax(a, b), [A34[:, :1].copy(), V4], (0, 1)),
    ("ldexp", lambda m, a, b: m.ldexp(a, b), [A34, B34], (0, 1)),
    # (torch's gradient for a negative integer exponent is 0: it takes 2 ** e in integers)
    ("ldexp_int_exp", lambda m, a, b: m.ldexp(a, b), [A34, np.arange(0, 4)], (0,)),
    ("frexp", lambda m, x: m.frexp(x), [np.array([8.0, 0.3, -5.0, 0.0, INF, -2.5e-3])], (0,)),
    ("nextafter", lambda m, a, b: m.nextafter(a, b), [A34, B34], (0, 1)),
    ("nansum", lambda m, x: m.nansum(x), [NANS], (0,)),
    ("nansum_dim", lambda m, x: m.nansum(x, 1, keepdim=True), [NANS], (0,)),
    ("nanmean", lambda m, x: m.nanmean(x), [NANS], (0,)),
    ("nanmean_dim", lambda m, x: m.nanmean(x, dim=1), [NANS], (0,)),
    ("std_mean", lambda m, x: m.std_mean(x, 1), [A34], (0,)),
    ("std_mean_kw", lambda m, x: m.std_mean(x, dim=1, unbiased=False, keepdim=True), [A34], (0,)),
    ("std_mean_positional", lambda m, x: m.std_mean(x, 0, True), [A34], (0,)),
    ("var_mean", lambda m, x: m.var_mean(x, (0, 1), correction=0), [A34], (0,)),
    ("var_mean_all", lambda m, x: m.var_mean(x), [A34], (0,)),
    ("dist_zero_diff", lambda m, x, y: m.dist(x, y), [A34, A34], (0, 1)),
    ("rsub", lambda m, x, y: m.rsub(x, y, alpha=3), [A34, V4], (0, 1)),
    ("addr", lambda m, a, u, v: m.addr(a, u, v, beta=2, alpha=0.5), [A34, V3, V4], (0, 1, 2)),
    ("addr_beta0_nan", lambda m, a, u, v: m.addr(a, u, v, beta=0), [NAN * A34, V3, V4], (0, 1, 2)),
    ("select", lambda m, x: m.select(x, 1, -2), [A34], (0,)),
    ("select_scatter", lambda m, x, s: m.select_scatter(x, s, 0, 1), [A34, V4], (0, 1)),
    (
        "slice_scatter",
        lambda m, x, s: m.slice_scatter(x, s, 1, -3, None, 2),
        [A34, A34[:, :2]],
        (0, 1),
    ),
    ("slice_scatter_clamp", lambda m, x, s: m.slice_scatter(x, s, 0, -10, 100), [A34, B34], (0, 1)),
    ("diagonal_scatter", lambda m, x, s: m.diagonal_scatter(x, s, -1), [A34, V3[:2]], (0, 1)),
    (
        "diagonal_scatter_3d",
        lambda m, x, s: m.diagonal_scatter(x, s, 1, 2, 0),
        [R.normal(size=(3, 2, 4)), R.normal(size=(2, 2))],
        (0, 1),
    ),
    (
        "masked_fill_tensor",
        lambda m, x, v: m.masked_fill(x, _T(m, A34 > 0), v),
        [A34, np.array(2.5)],
        (0, 1),
    ),
    ("masked_fill_bcast", lambda m, x: m.masked_fill(x, _T(m, V3 > 0)[:, None], -1), [A34], (0,)),
    ("narrow_copy", lambda m, x: m.narrow_copy(x, 1, -3, 2), [A34], (0,)),
    ("split_with_sizes", lambda m, x: m.split_with_sizes(x, [1, 0, 3], 1), [A34], (0,)),
    ("concat", lambda m, a, b: m.concat([a, b], 1), [A34, B34], (0, 1)),
    (
        "cholesky_solve",
        lambda m, b, L: m.cholesky_solve(b, L),
        [R.normal(size=(2, 3, 2)), _tri((3, 3))],
        (0, 1),
    ),
    (
        "cholesky_solve_upper",
        lambda m, b, u: m.cholesky_solve(b, u, upper=True),
        [R.normal(size=(3, 2)), _tri((2, 3, 3), True)],
        (0, 1),
    ),
    ("cholesky_inverse", lambda m, L: m.cholesky_inverse(L), [_tri((3, 3))], (0,)),
    (
        "cholesky_inverse_upper",
        lambda m, u: m.cholesky_inverse(u, True),
        [_tri((2, 3, 3), True)],
        (0,),
    ),
]
DIFF += [
    (f"dist_p{p}", lambda m, x, y, p=p: m.dist(x, y, p), [A34, V4], (0, 1))
    for p in (2, 1, 3.5, -1, INF, -INF)
]
DIFF += [
    (f"renorm_{p}_{d}_{n}", lambda m, x, p=p, d=d, n=n: m.renorm(x, p, d, n), [A34], (0,))
    for p, d, n in ((2, 0, 2.0), (1, 1, 2.5), (INF, -1, 1.0), (3, 0, 100.0))
]


@pytest.mark.parametrize("name,fn,arrays,diff", DIFF, ids=[c[0] for c in DIFF])
def test_differentiable_functions_match_torch(name, fn, arrays, diff):
    check(fn, [np.array(a) for a in arrays], diff)


I32 = np.array([[12, -18, 0, 7], [8, 12, 0, -21]], dtype=np.int64)
STEP = np.array([-1.0, 0.0, 2.0, NAN])
INFS = np.array([1.0, INF, -INF, NAN])
NODIFF = [
    ("heaviside", lambda m, x, v: m.heaviside(x, v), [STEP, np.array([0.5])]),
    ("heaviside_int", lambda m, x, v: m.heaviside(x, v), [np.array([-1, 0, 2]), np.array([7])]),
    ("gcd", lambda m, a, b: m.gcd(a, b), [I32[0], I32[1]]),
    ("lcm", lambda m, a, b: m.lcm(a, b), [I32[0], I32[1].astype(np.int32)]),
    ("isin", lambda m, a, b: m.isin(a, b), [I32, np.array([0, 12, 5])]),
    ("isin_invert", lambda m, a, b: m.isin(a, b, invert=True), [A34.round(), np.array([0.0, 1])]),
    ("isin_scalar", lambda m, b: m.isin(12, b), [I32]),
    ("isposinf", lambda m, x: m.isposinf(x), [INFS]),
    ("isneginf", lambda m, x: m.isneginf(x), [INFS]),
    ("isneginf_int", lambda m, x: m.isneginf(x), [I32]),
    ("isreal", lambda m, x: m.isreal(x), [np.array([1 + 0j, 1j, 2 - 0j])]),
    ("isreal_float", lambda m, x: m.isreal(x), [A34]),
    ("histc", lambda m, x: m.histc(x), [A34]),
    ("histc_range", lambda m, x: m.histc(x, 7, -1, 1), [A34]),
    ("histc_float32", lambda m, x: m.histc(x.float(), 4), [np.array([1.0, 2, 1, 5])]),
    ("histc_equal", lambda m, x: m.histc(x, 3), [np.ones(4)]),
    ("histogram", lambda m, x: m.histogram(x, 4), [A34]),
    (
        "histogram_weighted",
        lambda m, x, w: m.histogram(x, 3, range=(-1.0, 1.0), weight=w, density=True),
        [A34, B34**2],
    ),
    ("histogram_edges", lambda m, x, e: m.histogram(x, e), [A34, np.array([-2.0, -0.5, 0, 3])]),
    ("dist_p0", lambda m, x, y: m.dist(x, y, 0), [A34, B34]),
    ("nanmean_nan_slice", lambda m, x: m.nanmean(x, 1), [np.array([[NAN, NAN], [1.0, NAN]])]),
    ("unravel_index", lambda m, i: m.unravel_index(i, (2, 3)), [np.array([[5, 0], [-1, 7]])]),
    ("unravel_index_int", lambda m, i: m.unravel_index(i, 4), [np.array(3)]),
]


@pytest.mark.parametrize("name,fn,arrays", NODIFF, ids=[c[0] for c in NODIFF])
def test_functions_without_gradient_match_torch(name, fn, arrays):
    check(fn, arrays, rtol=1e-6, atol=1e-9)


def test_all_nan_slice_of_nanmean_gets_a_zero_gradient():
    x = ag.tensor([[NAN, NAN], [1.0, NAN]], requires_grad=True)
    (g,) = ag.grad(ag.nanmean(x, 1).sum(), [x])  # torch: NaN in the all-NaN row
    np.testing.assert_array_equal(_np(g), [[0.0, 0.0], [1.0, 0.0]])


def test_heaviside_has_a_zero_gradient():
    x = ag.tensor([-1.0, 0.5], requires_grad=True)
    v = ag.tensor([0.5, 0.5], requires_grad=True)
    g = ag.grad(ag.heaviside(x, v).sum(), [x, v])
    assert all(not _np(t).any() for t in g)


def test_dtype_functions_match_torch():
    T = ag.tensor
    cases = [
        (T([1, 2]), 1.0),
        (T([1, 2], dtype=ag.uint8), T(1000)),
        (T([1.0], dtype=ag.float16), T(1.0, dtype=ag.float64)),
        (1, 2.0),
        (T([1], dtype=ag.int8), 1j),
        (True, T([1], dtype=ag.uint8)),
        (T(1.0, dtype=ag.float64), T([1], dtype=ag.int32)),
        (T(1, dtype=ag.int64), T([1], dtype=ag.int8)),
        (T(1.5), 2),
        (T([1.0]), T(2j)),
    ]
    for a, b in cases:
        ta = torch.from_numpy(_np(a).copy()) if isinstance(a, ag.Tensor) else a
        tb = torch.from_numpy(_np(b).copy()) if isinstance(b, ag.Tensor) else b
        assert str(ag.result_type(a, b)) == _dt(torch.empty(0, dtype=torch.result_type(ta, tb)))
    dts = [
        "bool",
        "uint8",
        "int8",
        "int16",
        "int32",
        "int64",
        "float16",
        "float32",
        "float64",
        "complex64",
        "complex128",
    ]
    for a in dts:
        for b in dts:
            ta, tb = getattr(torch, a), getattr(torch, b)
            assert str(ag.promote_types(a, b)) == _dt(
                torch.empty(0, dtype=torch.promote_types(ta, tb))
            )
            assert ag.can_cast(a, b) == torch.can_cast(ta, tb), (a, b)


def test_factories_match_torch():
    _same([ag.logspace(0, 2, 5)], [torch.logspace(0, 2, 5)], rtol=1e-6)
    _same(
        [ag.logspace(-1, 3, 3, base=2, dtype=ag.int64)],
        [torch.logspace(-1, 3, 3, base=2, dtype=torch.int64)],
    )
    _same([ag.logspace(ag.tensor(0.0), ag.tensor(1.0), 0)], [torch.logspace(0, 1, 0)])
    for s, kw in ((3, {}), (3, {"dtype": ag.int64}), (True, {}), (2.5, {"dtype": ag.float64})):
        tkw = {"dtype": getattr(torch, str(kw["dtype"]))} if kw else {}
        _same([ag.scalar_tensor(s, **kw)], [torch.scalar_tensor(s, **tkw)])
    assert ag.scalar_tensor(2.0, requires_grad=True).requires_grad
    arr = np.arange(3.0)
    t = ag.asarray(arr)
    arr[0] = 9.0  # shares memory, keeps float64
    assert t.dtype == np.float64 and t[0].item() == 9.0
    assert ag.asarray(arr, copy=True)._data is not arr
    assert ag.asarray([1.0, 2.0]).dtype == np.float32 and ag.asarray([1, 2]).dtype == np.int64
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    assert ag.asarray(x) is x
    c = ag.asarray(x, copy=True)
    assert c is not x and c.grad_fn is not None
    cv = ag.asarray(x, dtype=ag.float64)  # on the graph, as torch (ToCopyBackward0)
    assert cv.requires_grad and cv.grad_fn is not None
    assert not ag.asarray(x, dtype=ag.float64, requires_grad=False).requires_grad
    assert not ag.asarray(x, requires_grad=False).requires_grad
    assert ag.asarray(arr, requires_grad=True).requires_grad
    for bad in (
        lambda: ag.asarray([1, 2], copy=False),
        lambda: ag.asarray(arr, dtype=ag.float32, copy=False),
        lambda: ag.asarray(x, dtype=ag.float64, copy=False),
    ):
        with pytest.raises(ValueError):
            bad()
    assert ag.broadcast_shapes((2, 1), (3,)) == tuple(torch.broadcast_shapes((2, 1), (3,)))
    assert ag.broadcast_shapes(2, (3, 1)) == tuple(torch.broadcast_shapes(2, (3, 1)))
    assert ag.broadcast_shapes() == () and ag.broadcast_shapes([2, 0], [1]) == (2, 0)


def test_queries_match_torch():
    for a in (np.array([0.0]), np.array([[3]]), np.array(NAN), np.array([True])):
        assert ag.is_nonzero(ag.tensor(a)) == torch.is_nonzero(torch.from_numpy(a))
        assert ag.tensor(a).is_nonzero() == torch.from_numpy(a).is_nonzero()
    for d in ("bool", "uint8", "int8", "int64", "float16", "float64", "complex64"):
        assert ag.is_signed(ag.zeros(1, dtype=d)) == torch.is_signed(
            torch.zeros(1, dtype=getattr(torch, d))
        )
        assert (
            ag.zeros(1, dtype=d).is_signed() == torch.zeros(1, dtype=getattr(torch, d)).is_signed()
        )
    assert ag.is_same_size(ag.ones(2), ag.zeros(2, dtype=ag.int64)) and not ag.ones(2).is_same_size(
        ag.ones(1, 2)
    )
    assert ag.typename(ag.ones(2)) == "autograd.FloatTensor" and ag.typename(3) == "int"
    assert ag.typename(ag.Tensor) == "autograd.tensor.Tensor"
    x, t = ag.zeros(2, 3), torch.zeros(2, 3)
    assert x.is_cpu and x.get_device() == t.get_device() == -1
    for f in (
        lambda v: v,
        lambda v: v.t(),
        lambda v: v[1, 1:],
        lambda v: v[:, 2],
        lambda v: v[1:][:, 1:],
    ):
        assert f(x).storage_offset() == f(t).storage_offset()
    assert (x[1, 1:].byte().dtype, x.char().dtype, x.short().dtype) == (np.uint8, np.int8, np.int16)
    assert (x.cfloat().dtype, x.cdouble().dtype) == (np.complex64, np.complex128)


ERRORS = [
    ("broadcast_mismatch", lambda m: m.broadcast_shapes((2,), (3,))),
    (
        "broadcast_negative",
        lambda m: m.broadcast_shapes(
            (-1,),
        ),
    ),
    ("isin_two_numbers", lambda m: m.isin(2, 3)),
    ("nanmean_int", lambda m: m.nanmean(m.tensor([1, 2]))),
    ("std_mean_int", lambda m: m.std_mean(m.tensor([1, 2]))),
    ("heaviside_dtypes", lambda m: m.heaviside(m.tensor([1.0]), m.tensor([1]))),
    ("histc_int", lambda m: m.histc(m.tensor([1, 2]))),
    ("histc_bins0", lambda m: m.histc(m.tensor([1.0]), bins=0)),
    ("histc_max_lt_min", lambda m: m.histc(m.tensor([1.0]), 3, 3, 1)),
    ("histc_nan_range", lambda m: m.histc(m.tensor([1.0, NAN]), 2)),
    ("histogram_int", lambda m: m.histogram(m.tensor([1, 2]), 2)),
    ("gcd_float", lambda m: m.gcd(m.tensor([1.0]), m.tensor([2.0]))),
    ("gcd_bool", lambda m: m.gcd(m.tensor([True]), m.tensor([False]))),
    ("logspace_negative", lambda m: m.logspace(0, 1, -1)),
    ("unravel_float", lambda m: m.unravel_index(m.tensor([1.0]), (2, 3))),
    ("unravel_negative_shape", lambda m: m.unravel_index(m.tensor([1]), (2, -1))),
    ("masked_fill_long_mask", lambda m: m.masked_fill(m.ones(2), m.tensor([1, 0]), 5.0)),
    (
        "masked_fill_1d_value",
        lambda m: m.masked_fill(m.ones(2), m.tensor([True, False]), m.ones(2)),
    ),
    ("scalar_tensor_list", lambda m: m.scalar_tensor([1.0])),
    ("select_0d", lambda m: m.select(m.tensor(1.0), 0, 0)),
    ("select_index", lambda m: m.select(m.ones(2, 3), 0, 2)),
    ("select_dim", lambda m: m.select(m.ones(2, 3), 2, 0)),
    ("select_scatter_shape", lambda m: m.select_scatter(m.ones(2, 3), m.ones(3), 1, 0)),
    ("slice_scatter_step", lambda m: m.slice_scatter(m.ones(2, 3), m.ones(2, 1), 1, 0, 1, 0)),
    ("slice_scatter_shape", lambda m: m.slice_scatter(m.ones(2, 3), m.ones(2, 2), 1)),
    ("diagonal_scatter_shape", lambda m: m.diagonal_scatter(m.ones(2, 3), m.ones(3))),
    ("isposinf_complex", lambda m: m.isposinf(m.tensor([1j]))),
    ("is_nonzero_empty", lambda m: m.is_nonzero(m.ones(0))),
    ("is_nonzero_two", lambda m: m.is_nonzero(m.ones(2))),
    ("is_nonzero_number", lambda m: m.is_nonzero(5)),
    ("is_signed_number", lambda m: m.is_signed(3)),
    ("frexp_int", lambda m: m.frexp(m.tensor([8]))),
    ("nextafter_int", lambda m: m.nextafter(m.tensor([1]), m.tensor([2]))),
    ("dist_int", lambda m: m.dist(m.tensor([1, 2]), m.tensor([1, 1]))),
    ("dist_shapes", lambda m: m.dist(m.ones(2, 2), m.ones(3))),
    ("renorm_p0", lambda m: m.renorm(m.ones(2, 2), 0, 0, 1)),
    ("renorm_maxnorm", lambda m: m.renorm(m.ones(2, 2), 2, 0, -1)),
    ("renorm_1d", lambda m: m.renorm(m.ones(2), 2, 0, 1)),
    ("renorm_dim", lambda m: m.renorm(m.ones(2, 2), 2, 2, 1)),
    ("rsub_bool", lambda m: m.rsub(m.tensor([True]), m.tensor([True]))),
    ("addr_2d_vec", lambda m: m.addr(m.zeros(2, 3), m.ones(1, 2), m.ones(3))),
    ("addr_input_shape", lambda m: m.addr(m.zeros(3, 3), m.ones(2), m.ones(3))),
    ("cholesky_solve_1d", lambda m: m.cholesky_solve(m.ones(3), m.eye(3))),
    ("cholesky_solve_sizes", lambda m: m.cholesky_solve(m.ones(4, 2), m.eye(3))),
    ("cholesky_solve_dtypes", lambda m: m.cholesky_solve(m.ones(3, 2).double(), m.eye(3))),
    ("cholesky_solve_square", lambda m: m.cholesky_solve(m.ones(3, 2), m.ones(3, 2))),
    ("cholesky_inverse_1d", lambda m: m.cholesky_inverse(m.ones(3))),
    ("cholesky_inverse_square", lambda m: m.cholesky_inverse(m.ones(2, 3))),
    ("split_with_sizes_sum", lambda m: m.split_with_sizes(m.arange(5), [2, 2])),
    ("split_with_sizes_negative", lambda m: m.split_with_sizes(m.arange(5), [2, -1, 4])),
    ("split_with_sizes_int", lambda m: m.split_with_sizes(m.arange(5), 2)),
    ("set_num_threads_0", lambda m: m.set_num_threads(0)),
    ("set_num_threads_float", lambda m: m.set_num_threads(1.5)),
    ("deterministic_str", lambda m: m.use_deterministic_algorithms("a")),
    ("float_power__float32", lambda m: m.ones(2).float_power_(2)),
    ("fill_diagonal__1d", lambda m: m.zeros(3).fill_diagonal_(1)),
    ("fill_diagonal__unequal", lambda m: m.zeros(2, 3, 2).fill_diagonal_(1)),
    ("sum_to_size_bad", lambda m: m.ones(2, 3).sum_to_size(2)),
    ("sum_to_size_longer", lambda m: m.ones(2, 3).sum_to_size(1, 1, 3)),
    ("t__3d", lambda m: m.zeros(2, 3, 4).t_()),
]
_TYPES = (RuntimeError, ValueError, TypeError, IndexError, NotImplementedError)


@pytest.mark.parametrize("name,call", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_where_torch_raises(name, call):
    with pytest.raises(_TYPES):
        call(torch)
    with pytest.raises(_TYPES):
        call(ag)
