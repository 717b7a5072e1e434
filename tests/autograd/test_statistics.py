"""cov, corrcoef, trapezoid (trapz) and cumulative_trapezoid (``autograd/ops/statistics.py``).

Values against NumPy (np.cov, np.corrcoef, np.trapezoid, a cumulative rule written here) and
PyTorch, dtypes (float32 kept, integers to float32, weights promoting as torch), the corner cases
torch defines (one variable, one observation, no observations, a divisor <= 0), gradients of a
real loss with random cotangents against torch, gradcheck and gradgradcheck in float64 and
complex128 (weights and sample points included), the errors, the Tensor methods, and the cuda
path (``gpu``-marked: on a GPU, or in CI on the fake CuPy).
"""

from __future__ import annotations

import warnings
from functools import partial

import numpy as np
import pytest

import autograd as ag
from autograd.errors import ShapeError

F64, F32, C128, C64 = np.float64, np.float32, np.complex128, np.complex64


def _torch():
    return pytest.importorskip("torch")


def _r(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _c(*shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def _t(a, rg=False):
    return ag.tensor(a, requires_grad=rg)


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _check(fn, *arrays, second=True):
    """gradcheck and gradgradcheck of fn at Tensors of ``arrays`` (all require grad)."""
    xs = [_t(a, True) for a in arrays]
    assert ag.gradcheck(fn, xs)
    if second:
        assert ag.gradgradcheck(fn, xs)


def _vs_torch(fn_ag, fn_t, arrays, seed=7, rtol=1e-10, atol=1e-12):
    """Values and the gradients of a real loss <out, v> (v random, conjugated for complex) of
    every argument, against torch, all arguments requiring grad."""
    torch = _torch()
    xs = [_t(a, True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = fn_ag(*xs), fn_t(*ts)
    np.testing.assert_allclose(_np(out), tout.detach().numpy(), rtol=rtol, atol=atol)
    assert out.dtype == np.dtype(str(tout.dtype).replace("torch.", ""))
    v = _c(*out.shape, seed=seed) if out.dtype.kind == "c" else _r(*out.shape, seed=seed)
    loss = (out * ag.tensor(v).conj()).real.sum()
    tloss = (tout * torch.tensor(v).conj()).real.sum()
    grads = ag.grad(loss, xs)
    tgrads = torch.autograd.grad(tloss, ts)
    for g, tg in zip(grads, tgrads):
        np.testing.assert_allclose(_np(g), tg.numpy(), rtol=1e-9, atol=1e-11)


# -- cov ------------------------------------------------------------------------------------------

_NP_COV = [
    ({}, {}),
    ({"correction": 0}, {"ddof": 0}),
    ({"correction": 2}, {"ddof": 2}),
    ({"fweights": np.array([1, 2, 0, 3, 1])}, {}),
    ({"aweights": np.array([0.5, 1.0, 2.0, 0.25, 1.5])}, {}),
    (
        {"fweights": np.array([1, 2, 1, 3, 1]), "aweights": np.array([0.5, 1.0, 2.0, 0.3, 1.0])},
        {},
    ),
    (
        {
            "fweights": np.array([2, 1, 1, 3, 1]),
            "aweights": np.array([0.5, 1.0, 2.0, 0.3, 1.0]),
            "correction": 2,
        },
        {"ddof": 2},
    ),
]


@pytest.mark.parametrize("kw,npkw", _NP_COV, ids=range(len(_NP_COV)))
@pytest.mark.parametrize("cplx", [False, True], ids=["real", "complex"])
def test_cov_matches_numpy(kw, npkw, cplx):
    x = _c(3, 5) if cplx else _r(3, 5)
    akw = {k: (_t(v) if k != "correction" else v) for k, v in kw.items()}
    out = ag.cov(_t(x), **akw)
    ref = np.cov(x, fweights=kw.get("fweights"), aweights=kw.get("aweights"), **npkw)
    assert out.shape == (3, 3) and out.dtype == x.dtype
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12, atol=1e-14)
    if cplx:  # Hermitian: the conjugate is taken, as torch and NumPy
        np.testing.assert_allclose(out.numpy(), out.numpy().conj().T, atol=1e-14)


def test_cov_one_variable_and_raw_arrays():
    x = _r(6)
    out = ag.cov(_t(x))
    assert out.shape == () and np.isclose(out.item(), np.var(x, ddof=1))
    assert ag.cov(_t(x[None])).shape == ()  # (1, n) squeezes too, as torch
    raw = ag.cov(_r(2, 4))  # raw arrays in, raw array out
    assert isinstance(raw, np.ndarray) and np.allclose(raw, np.cov(_r(2, 4)))
    assert ag.cov(_t(np.zeros((0, 3)))).shape == (0, 0)


def test_cov_dtypes():
    x32 = _r(2, 5).astype(F32)
    assert ag.cov(_t(x32)).dtype == F32
    assert ag.cov(_t(x32.astype(C64))).dtype == C64
    xi = np.arange(6).reshape(2, 3)
    out = ag.cov(_t(xi))
    assert out.dtype == F32 and np.allclose(out.numpy(), np.cov(xi))
    fw = _t(np.array([1, 2, 1], dtype=np.uint8))
    assert ag.cov(_t(x32[:, :3]), fweights=fw).dtype == F32  # integer weights never widen
    aw = np.array([1.0, 2.0, 1.0])
    assert ag.cov(_t(x32[:, :3]), aweights=_t(aw)).dtype == F64  # as torch: tensor promotion
    assert ag.cov(_t(x32[:, :3]), aweights=_t(aw.astype(np.float16))).dtype == F32
    assert ag.cov(_t(x32[:, :3].astype(C64)), aweights=_t(aw)).dtype == C128
    assert ag.cov(_t(xi), aweights=_t(aw)).dtype == F64


@pytest.mark.parametrize(
    "make",
    [
        lambda: (_r(3, 5), {}),
        lambda: (_c(3, 5), {}),
        lambda: (_r(5), {"correction": 0}),
        lambda: (_c(4), {}),
        lambda: (_r(2, 5), {"fweights": np.array([1, 2, 1, 3, 1])}),
        lambda: (_c(2, 5), {"aweights": np.array([0.5, 1.0, 2.0, 0.3, 1.0])}),
        lambda: (
            _c(3, 5),
            {
                "fweights": np.array([2, 1, 1, 3, 1]),
                "aweights": np.array([0.5, 1.0, 2.0, 0.3, 1.0]),
                "correction": 2,
            },
        ),
    ],
    ids=["real", "complex", "1d_c0", "1d_complex", "fweights", "aweights", "both_c2"],
)
def test_cov_values_and_gradients_vs_torch(make):
    torch = _torch()
    x, kw = make()
    fw = kw.get("fweights")
    corr = kw.get("correction", 1)
    if "aweights" in kw:  # the analytic weights are differentiated too
        aw = kw["aweights"]

        def f(a, w):
            return ag.cov(a, correction=corr, fweights=None if fw is None else _t(fw), aweights=w)

        def tf(a, w):
            tfw = None if fw is None else torch.tensor(fw)
            return torch.cov(a, correction=corr, fweights=tfw, aweights=w)

        _vs_torch(f, tf, [x, aw])
    else:
        _vs_torch(
            lambda a: ag.cov(a, correction=corr, fweights=None if fw is None else _t(fw)),
            lambda a: torch.cov(
                a, correction=corr, fweights=None if fw is None else torch.tensor(fw)
            ),
            [x],
        )


def test_cov_gradcheck_float64_and_complex128():
    fw = _t(np.array([1, 2, 1, 3]))
    _check(ag.cov, _r(3, 4))
    _check(ag.cov, _c(3, 4))
    _check(ag.cov, _c(4))
    _check(lambda a: ag.cov(a, correction=0, fweights=fw), _c(2, 4))
    _check(lambda a, w: ag.cov(a, aweights=w), _r(2, 4), np.array([0.5, 1.0, 2.0, 0.3]))
    _check(
        lambda a, w: ag.cov(a, fweights=fw, aweights=w, correction=2),
        _c(3, 4),
        np.array([0.5, 1.0, 2.0, 0.3]),
    )


def test_cov_corner_cases_as_torch():
    torch = _torch()
    # one observation: torch's corner cases (zeros with fweights, NaN with aweights), warnings
    x = np.array([[1.0], [2.0]])
    xt = _t(x, True)
    out = ag.cov(xt, fweights=_t(np.array([2])))
    tout = torch.cov(torch.tensor(x), fweights=torch.tensor([2]))
    np.testing.assert_array_equal(out.detach().numpy(), tout.numpy())
    out.sum().backward()
    np.testing.assert_array_equal(xt.grad.numpy(), np.zeros((2, 1)))  # its own average
    with pytest.warns(UserWarning, match="cov: degrees of freedom is <= 0"):
        out = ag.cov(_t(x), aweights=_t(np.array([0.3])))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tout = torch.cov(torch.tensor(x), aweights=torch.tensor([0.3]))
        assert np.isnan(out.numpy()).all() and np.isnan(tout.numpy()).all()
        # a divisor <= 0: torch divides by 0 (inf), no observations: NaN
        for args, kw in [((_r(2, 3),), {"correction": 3}), ((np.zeros((2, 0)),), {})]:
            with pytest.warns(UserWarning, match="degrees of freedom"):
                got = ag.cov(_t(args[0]), **kw).numpy()
            want = torch.cov(torch.tensor(args[0]), **kw).numpy()
            np.testing.assert_array_equal(got, want)
        assert np.isnan(ag.cov(_t(np.zeros(0))).item())
    # complex with one variable: the imaginary part is exactly 0
    z = _c(5)
    out = ag.cov(_t(z))
    assert out.dtype == C128 and out.numpy().imag == 0
    assert np.isclose(out.numpy().real, np.cov(z).real)


def test_cov_errors():
    x = _t(_r(2, 3))
    with pytest.raises(ShapeError, match=r"cov: expected input to have two or fewer.*3 dim"):
        ag.cov(_t(_r(2, 2, 2)))
    with pytest.raises(TypeError, match="cov: bool dtype is not supported"):
        ag.cov(_t(np.ones((2, 3), bool)))
    with pytest.raises(TypeError, match="cov: input must be a Tensor, got list"):
        ag.cov([[1.0, 2.0]])
    for c in (0.5, True, None):
        with pytest.raises(TypeError, match="cov: correction must be an int"):
            ag.cov(x, correction=c)
    with pytest.raises(TypeError, match="cov: expected fweights to have integral dtype"):
        ag.cov(x, fweights=_t(np.array([1.0, 2.0, 1.0])))
    with pytest.raises(TypeError, match="cov: expected fweights to have integral dtype"):
        ag.cov(x, fweights=_t(np.array([True, False, True])))
    with pytest.raises(TypeError, match="cov: expected aweights to have floating point dtype"):
        ag.cov(x, aweights=_t(np.array([1, 2, 1])))
    with pytest.raises(TypeError, match="cov: expected aweights to have floating point dtype"):
        ag.cov(x, aweights=_t(np.array([1, 2, 1j])))
    with pytest.raises(ShapeError, match=r"cov: expected fweights .* same numel .* 2 != 3"):
        ag.cov(x, fweights=_t(np.array([1, 2])))
    with pytest.raises(ShapeError, match="cov: expected aweights to have one or fewer dim"):
        ag.cov(x, aweights=_t(np.ones((1, 3))))
    with pytest.raises(ValueError, match="cov: fweights cannot be negative"):
        ag.cov(x, fweights=_t(np.array([1, -2, 1])))
    with pytest.raises(ValueError, match="cov: aweights cannot be negative"):
        ag.cov(x, aweights=_t(np.array([1.0, -2.0, 1.0])))
    with pytest.raises(ValueError, match="cov: weights sum to zero"):
        ag.cov(x, aweights=_t(np.zeros(3)))
    with pytest.raises(TypeError, match="cov: fweights must be a Tensor"):
        ag.cov(x, fweights=[1, 2, 1])


# -- corrcoef -------------------------------------------------------------------------------------


@pytest.mark.parametrize("cplx", [False, True], ids=["real", "complex"])
def test_corrcoef_matches_numpy_and_is_clipped(cplx):
    x = _c(4, 6) if cplx else _r(4, 6)
    out = ag.corrcoef(_t(x))
    np.testing.assert_allclose(out.numpy(), np.corrcoef(x), rtol=1e-12, atol=1e-14)
    assert out.dtype == x.dtype
    parts = (out.numpy().real, out.numpy().imag) if cplx else (out.numpy(),)
    assert all(np.abs(p).max() <= 1 for p in parts)
    # perfectly correlated rows: exactly +-1 after the clip
    y = np.stack([x[0], 2 * x[0] + 1, -3 * x[0]])
    np.testing.assert_allclose(ag.corrcoef(_t(y)).numpy().real, np.corrcoef(y).real, atol=1e-12)
    assert ag.corrcoef(_t(x.astype(C64 if cplx else F32))).dtype == (C64 if cplx else F32)


def test_corrcoef_scalar_cases_and_ints():
    assert ag.corrcoef(_t(_r(5))).item() == 1.0  # c / c
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(ag.corrcoef(_t(np.ones(4))).item())  # a zero variance
    xi = np.array([[1, 2, 3, 5], [2, 1, 0, 4]])
    out = ag.corrcoef(_t(xi))
    assert out.dtype == F32 and np.allclose(out.numpy(), np.corrcoef(xi), atol=1e-6)
    assert _t(_r(3, 4)).corrcoef().shape == (3, 3)
    with pytest.raises(ShapeError, match="corrcoef: expected input to have two or fewer"):
        ag.corrcoef(_t(_r(2, 2, 2)))
    with pytest.raises(TypeError, match="corrcoef: input must be a Tensor"):
        ag.corrcoef(3.0)


@pytest.mark.parametrize("make", [lambda: _r(3, 5), lambda: _c(3, 5), lambda: _c(2, 4)])
def test_corrcoef_values_and_gradients_vs_torch(make):
    torch = _torch()
    _vs_torch(ag.corrcoef, torch.corrcoef, [make()])


def test_corrcoef_gradcheck_float64_and_complex128():
    _check(ag.corrcoef, _r(3, 5))
    _check(ag.corrcoef, _c(3, 5))
    _check(ag.corrcoef, _c(5))


def test_cov_and_corrcoef_methods():
    x = _t(_c(3, 4))
    fw = _t(np.array([1, 2, 1, 1]))
    np.testing.assert_allclose(
        x.cov(correction=0, fweights=fw).numpy(), ag.cov(x, correction=0, fweights=fw).numpy()
    )
    np.testing.assert_allclose(x.corrcoef().numpy(), ag.corrcoef(x).numpy())


# -- trapezoid, cumulative_trapezoid ---------------------------------------------------------------


def _cumtrapz_ref(y, x=None, dx=1.0, axis=-1):
    """The cumulative trapezoidal rule (scipy's cumulative_trapezoid without initial)."""
    y = np.moveaxis(np.asarray(y), axis, -1)
    if x is None:
        steps = dx
    else:
        x = np.asarray(x)
        x = np.moveaxis(x, axis, -1) if x.ndim == y.ndim else x
        steps = np.diff(x, axis=-1)
    return np.moveaxis(np.cumsum(steps * (y[..., 1:] + y[..., :-1]) / 2.0, axis=-1), -1, axis)


_INTEG = [
    ("dx1", (3, 5), None, {}),
    ("dx", (3, 5), None, {"dx": 0.25}),
    ("dim0", (4, 3), None, {"dim": 0}),
    ("x1d", (2, 3, 4), np.array([0.0, 0.5, 2.0, 3.5]), {}),
    ("x1d_dim1", (2, 4, 3), np.array([0.0, 0.5, 2.0, 3.5]), {"dim": 1}),
    ("x_full", (3, 4), "full", {}),
    ("x_full_dim0", (3, 4), "full", {"dim": 0}),
    ("x_2d_pad", (2, 3, 4), "row", {}),
    ("axis", (3, 5), None, {"axis": 0}),
]


def _x_for(spec, shape, seed=3):
    if isinstance(spec, str):
        x = np.cumsum(np.abs(_r(*shape, seed=seed)) + 0.1, axis=-1)
        return x if spec == "full" else x[0]  # "row": (3, 4) against a (2, 3, 4) y
    return spec


@pytest.mark.parametrize("name,shape,xs,kw", _INTEG, ids=[c[0] for c in _INTEG])
@pytest.mark.parametrize("cplx", [False, True], ids=["real", "complex"])
def test_trapezoid_and_cumulative_match_numpy(name, shape, xs, kw, cplx):
    y = _c(*shape) if cplx else _r(*shape)
    x = _x_for(xs, shape)
    if name == "x_full_dim0":
        x = np.cumsum(np.abs(_r(*shape, seed=3)) + 0.1, axis=0)
    axis = kw.get("dim", kw.get("axis", -1))
    args = () if x is None else (_t(x),)
    out = ag.trapezoid(_t(y), *args, **kw)
    ref = np.trapezoid(y, x, dx=kw.get("dx", 1.0), axis=axis)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12, atol=1e-13)
    assert out.dtype == y.dtype
    cum = ag.cumulative_trapezoid(_t(y), *args, **kw)
    cref = _cumtrapz_ref(y, x, dx=kw.get("dx", 1.0), axis=axis)
    assert cum.shape == cref.shape and cum.dtype == y.dtype
    np.testing.assert_allclose(cum.numpy(), cref, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(ag.trapz(_t(y), *args, **kw).numpy(), ref, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("name,shape,xs,kw", _INTEG[:-1], ids=[c[0] for c in _INTEG[:-1]])
@pytest.mark.parametrize("cplx", [False, True], ids=["real", "complex"])
def test_integration_values_and_gradients_vs_torch(name, shape, xs, kw, cplx):
    torch = _torch()
    y = _c(*shape) if cplx else _r(*shape)
    x = _x_for(xs, shape)
    if name == "x_full_dim0":
        x = np.cumsum(np.abs(_r(*shape, seed=3)) + 0.1, axis=0)
    for f, tf in (
        (ag.trapezoid, torch.trapezoid),
        (ag.cumulative_trapezoid, torch.cumulative_trapezoid),
    ):
        # with x, the sample points are differentiated too
        _vs_torch(partial(f, **kw), partial(tf, **kw), [y] if x is None else [y, x])


def test_integration_gradcheck_float64_and_complex128():
    xs = np.array([0.0, 0.5, 2.0, 3.5])
    for f in (ag.trapezoid, ag.cumulative_trapezoid):
        _check(f, _r(3, 4))
        _check(f, _c(3, 4))
        _check(partial(f, dx=0.3, dim=0), _c(3, 4))
        _check(f, _r(2, 4), xs)
        _check(f, _c(2, 4), xs)
        _check(partial(f, dim=0), _c(3, 2), np.cumsum(np.abs(_r(3, 2)), axis=0))


def test_integration_dtypes_ints_and_empty():
    torch = _torch()
    yi = np.array([[1, 2, 3], [4, 5, 7]])
    cases = [
        (lambda m, y: m.trapezoid(y), yi),
        (lambda m, y: m.trapezoid(y, dx=2), yi),
        (lambda m, y: m.cumulative_trapezoid(y), yi),
        (lambda m, y: m.cumulative_trapezoid(y, dx=0.5), yi),
    ]
    for fn, y in cases:
        out, ref = fn(ag, _t(y)), fn(torch, torch.tensor(y))
        assert out.dtype == F32 and str(ref.dtype) == "torch.float32"
        np.testing.assert_allclose(out.numpy(), ref.numpy())
    # mixed integer and float operands: the float dtype, never widened (torch's promotion)
    for ydt, xdt, want in [
        (np.int64, F32, F32),
        (F32, np.int64, F32),
        (np.int64, np.int64, F32),
        (F32, F64, F64),
        (C64, F64, C128),
    ]:
        y, x = yi.astype(ydt), np.array([1, 2, 4]).astype(xdt)
        for f, tf in (
            (ag.trapezoid, torch.trapezoid),
            (ag.cumulative_trapezoid, torch.cumulative_trapezoid),
        ):
            out, ref = f(_t(y), _t(x)), tf(torch.tensor(y), torch.tensor(x))
            assert out.dtype == want, (f.__name__, ydt, xdt)
            np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-6)
    assert ag.trapezoid(_t(_r(2, 3).astype(F32))).dtype == F32
    # no samples: zeros of y's dtype (torch and NumPy); one sample: 0 / an empty running sum
    e = ag.trapezoid(_t(np.zeros((2, 0), np.int32)))
    assert e.shape == (2,) and e.dtype == np.int32 and not e.numpy().any()
    assert ag.trapezoid(_t(np.zeros((2, 0))), _t(np.zeros(5))).shape == (2,)
    assert np.array_equal(ag.trapezoid(_t(_r(2, 1))).numpy(), np.zeros(2))
    assert ag.cumulative_trapezoid(_t(_r(2, 1))).shape == (2, 0)
    assert ag.cumulative_trapezoid(_t(np.zeros((2, 0)))).shape == (2, 0)
    # a 0-d dx tensor is a number, as torch's Scalar
    np.testing.assert_allclose(
        ag.trapezoid(_t(yi), dx=_t(np.float64(2.0))).numpy(), [8.0, 21.0], rtol=1e-7
    )


def test_integration_errors():
    y = _t(_r(2, 3))
    for op, f in (("trapezoid", ag.trapezoid), ("cumulative_trapezoid", ag.cumulative_trapezoid)):
        with pytest.raises(TypeError, match=f"{op}: pass either x .* or dx"):
            f(y, _t(np.arange(3.0)), dx=2)
        for dx in (2j, True, "a"):
            with pytest.raises(TypeError, match=f"{op}: Currently, we only support dx as a real"):
                f(y, dx=dx)
        with pytest.raises(TypeError, match=f"{op}: received a bool input"):
            f(_t(np.ones((2, 3), bool)))
        with pytest.raises(TypeError, match=f"{op}: received a bool input for `x` or `y`"):
            f(y, _t(np.ones(3, bool)))
        with pytest.raises(ShapeError, match=f"{op}: There must be one `x` value for each"):
            f(y, _t(np.arange(2.0)))
        with pytest.raises(ShapeError, match=f"{op}: y of shape \\(2, 3\\) .* not broadcastable"):
            f(y, _t(np.ones((3, 3))))
        with pytest.raises(IndexError, match=f"{op}: dim 2 is out of range"):
            f(y, dim=2)
        with pytest.raises(IndexError, match=f"{op}: dim -1 is out of range for a 0-d"):
            f(_t(np.float64(2.0)))
        with pytest.raises(TypeError, match=f"{op}: x must be a Tensor, got list"):
            f(y, [1.0, 2.0, 3.0])
        with pytest.raises(TypeError, match=f"{op}: x must be a Tensor, got float"):
            f(y, 2.0)
        with pytest.raises(TypeError, match=f"{op}: y must be a Tensor"):
            f([1.0, 2.0])
        with pytest.raises(TypeError, match=f"{op}: got both dim=0 and axis=1"):
            f(y, dim=0, axis=1)


# -- cuda -----------------------------------------------------------------------------------------

_CUDA = [
    ("cov", lambda a: ag.cov(a), (3, 4)),
    ("cov_aweights", lambda a: ag.cov(a, aweights=ag.ones(4, dtype=F64, device="cuda")), (2, 4)),
    ("corrcoef", ag.corrcoef, (3, 5)),
    ("trapezoid", lambda a: ag.trapezoid(a, dx=0.5), (3, 4)),
    ("cumulative_trapezoid", lambda a: ag.cumulative_trapezoid(a, dim=0), (3, 4)),
]


@pytest.mark.gpu
@pytest.mark.parametrize("name,fn,shape", _CUDA, ids=[c[0] for c in _CUDA])
@pytest.mark.parametrize("cplx", [False, True], ids=["real", "complex"])
def test_statistics_on_cuda(name, fn, shape, cplx):
    a = _c(*shape) if cplx else _r(*shape)
    x = ag.tensor(a, device="cuda", requires_grad=True)
    out = fn(x)
    cpu_fn = (lambda t: ag.cov(t, aweights=ag.ones(4, dtype=F64))) if name == "cov_aweights" else fn
    want = cpu_fn(_t(a))
    assert out.device.startswith("cuda") and out.dtype == want.dtype
    np.testing.assert_allclose(out.detach().to("cpu").numpy(), want.numpy(), rtol=1e-10)
    assert ag.gradcheck(fn, (x,))
    assert ag.gradgradcheck(fn, (x,))


@pytest.mark.gpu
def test_integration_sample_points_on_cuda():
    y = ag.tensor(_c(2, 4), device="cuda", requires_grad=True)
    x = ag.tensor(np.array([0.0, 0.5, 2.0, 3.5]), device="cuda", requires_grad=True)
    for f in (ag.trapezoid, ag.cumulative_trapezoid):
        want = f(_t(_c(2, 4)), _t(np.array([0.0, 0.5, 2.0, 3.5])))
        np.testing.assert_allclose(f(y, x).detach().to("cpu").numpy(), want.numpy())
        assert ag.gradcheck(f, (y, x)) and ag.gradgradcheck(f, (y, x))
    with pytest.raises(RuntimeError, match="same device.*in trapezoid"):
        ag.trapezoid(y, _t(np.arange(4.0)))
