"""Complex logaddexp and logcumsumexp (torch supports both; logaddexp2 it refuses).

Values against torch (random, large-range and edge inputs: +-inf, NaN), the accuracy where
|e^(n - m)| is tiny, dtypes (complex64 kept, promotion with real operands), first and second
order gradcheck in complex128, gradients against torch's, and the cuda path.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd as ag

INF, NAN = math.inf, math.nan


def _c(*shape, scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    return scale * (rng.standard_normal(shape) + 1j * rng.standard_normal(shape))


def _np(t):
    return t.detach().cpu().numpy()


def _close(a, b, rtol=1e-12, atol=1e-14):
    """Elementwise equal up to rounding, NaN matching NaN, infinities matching exactly."""
    a, b = np.asarray(a), np.asarray(b)
    for pa, pb in ((a.real, b.real), (a.imag, b.imag)):
        np.testing.assert_allclose(pa, pb, rtol=rtol, atol=atol, equal_nan=True)


# -- logaddexp ---------------------------------------------------------------------------------


def test_logaddexp_complex_random_vs_torch():
    torch = pytest.importorskip("torch")
    a, b = _c(4, 3, scale=5.0), _c(3, scale=5.0, seed=1)
    out = ag.logaddexp(ag.tensor(a), ag.tensor(b))
    assert out.dtype == np.complex128 and out.shape == (4, 3)
    _close(_np(out), torch.logaddexp(torch.tensor(a), torch.tensor(b)).numpy())
    # the method, and a far larger range (e^x overflows: the stable form must not)
    a, b = a + 1000, b - 300
    out = ag.tensor(a).logaddexp(ag.tensor(b))
    assert np.isfinite(_np(out)).all()
    _close(_np(out), torch.logaddexp(torch.tensor(a), torch.tensor(b)).numpy())


def test_logaddexp_complex_edges_vs_torch():
    torch = pytest.importorskip("torch")
    vals = [complex(INF, 0), complex(-INF, 0), complex(INF, 1), complex(-INF, 1),
            complex(INF, NAN), complex(NAN, 1), complex(-INF, 3), complex(INF, INF),
            complex(-INF, -2), complex(INF, -2), 1 + 1j, 0j, -2 + 3j, 3 + math.pi * 1j,
            3 + 0j, 1e308 + 0j]  # fmt: skip
    x, y = np.meshgrid(np.array(vals), np.array(vals))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = torch.logaddexp(torch.tensor(x), torch.tensor(y)).numpy()
    _close(_np(ag.logaddexp(ag.tensor(x), ag.tensor(y))), want)


def test_logaddexp_complex_tiny_term_is_accurate():
    # log(e^0 + e^-40) = log1p(e^-40) ~ 4.25e-18: NumPy's complex log1p would give 0 here
    out = _np(ag.logaddexp(ag.tensor(np.array([0j, 1e-3 + 0j])), ag.tensor(np.array([-40 + 0j]))))
    want = [math.log1p(math.exp(-40)), 1e-3 + math.log1p(math.exp(-40 - 1e-3))]
    np.testing.assert_allclose(out.real, want, rtol=1e-13, atol=0)
    np.testing.assert_array_equal(out.imag, 0)


def test_logaddexp_complex_dtypes():
    z64 = ag.tensor(_c(3).astype(np.complex64))
    assert ag.logaddexp(z64, z64).dtype == np.complex64
    assert ag.logaddexp(z64, 1.5).dtype == np.complex64  # a Python scalar never widens
    assert ag.logaddexp(z64, ag.tensor(np.ones(3))).dtype == np.complex128
    assert ag.logaddexp(ag.tensor(np.ones(3, np.float32)), 1j).dtype == np.complex64
    want = np.log(np.exp(_np(z64).astype(np.complex128)) + np.exp(1.5))
    _close(_np(ag.logaddexp(z64, 1.5)), want, rtol=1e-5, atol=1e-5)
    assert ag.logaddexp(ag.tensor(np.ones(2)), ag.tensor(np.ones(2))).dtype == np.float64


def test_logaddexp_complex_errors():
    z = ag.tensor(_c(2, 3))
    with pytest.raises(ag.ShapeError, match=r"logaddexp: shapes \(2, 3\) and \(4,\)"):
        ag.logaddexp(z, ag.tensor(_c(4)))
    # torch: "logaddexp2_cpu" not implemented for 'ComplexDouble'
    with pytest.raises(TypeError, match="logaddexp2: not supported for complex tensors"):
        ag.logaddexp2(z, z)
    with pytest.raises(TypeError, match="logaddexp2: not supported for complex"):
        ag.logaddexp2(ag.tensor(np.ones(3)), 1j)


def test_logaddexp_complex_gradcheck():
    a = ag.tensor(_c(3, 2), requires_grad=True)
    b = ag.tensor(_c(2, seed=1), requires_grad=True)
    r = ag.tensor(np.random.default_rng(2).standard_normal(2), requires_grad=True)
    for f, args in [
        (ag.logaddexp, (a, b)),
        (ag.logaddexp, (a, r)),  # a real input of a complex op
        (lambda a: ag.logaddexp(a, 0.5 - 2j), (a,)),
        (lambda a: ag.logaddexp(1j, a), (a,)),
    ]:
        assert ag.gradcheck(f, args)
        assert ag.gradgradcheck(f, args)


def test_logaddexp_complex_grads_vs_torch():
    torch = pytest.importorskip("torch")
    a, b, g = _c(3, 2, scale=3.0), _c(2, seed=1), _c(3, 2, seed=2)
    r = np.random.default_rng(3).standard_normal(2)
    A, B, R = (ag.tensor(v, requires_grad=True) for v in (a, b, r))
    ag.logaddexp(A, B).backward(ag.tensor(g))
    ag.logaddexp(A, R).backward(ag.tensor(g))
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    tr = torch.tensor(r + 0j, requires_grad=True)  # torch's mixed real/complex backward fails
    torch.logaddexp(ta, tb).backward(torch.tensor(g))
    torch.logaddexp(ta, tr).backward(torch.tensor(g))
    np.testing.assert_allclose(_np(A.grad), ta.grad.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(_np(B.grad), tb.grad.numpy(), rtol=1e-12, atol=1e-14)
    assert R.grad.dtype == np.float64
    np.testing.assert_allclose(_np(R.grad), tr.grad.numpy().real, rtol=1e-12, atol=1e-14)


# -- logcumsumexp ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape,dim", [((7,), 0), ((3, 5), 1), ((4, 3, 2), 0), ((6,), -1), ((), 0), ((0, 3), 0)]
)
def test_logcumsumexp_complex_vs_torch(shape, dim):
    torch = pytest.importorskip("torch")
    x = _c(*shape, scale=4.0)
    out = ag.logcumsumexp(ag.tensor(x), dim)
    assert out.dtype == np.complex128 and out.shape == shape
    _close(_np(out), torch.logcumsumexp(torch.tensor(x), dim).numpy(), atol=1e-13)


def test_logcumsumexp_complex_edges_and_dtype():
    torch = pytest.importorskip("torch")
    x = np.array([complex(-INF, 0), complex(-INF, 2), 1 + 1j, 2 - 1j, 1000 + 0.5j,
                  complex(INF, 1), 3 + 0j, complex(NAN, 0), 1j])  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = torch.logcumsumexp(torch.tensor(x), 0).numpy()
    _close(_np(ag.logcumsumexp(ag.tensor(x), 0)), want)
    z = ag.tensor(_c(5).astype(np.complex64))
    out = z.logcumsumexp(0)
    assert out.dtype == np.complex64
    want = np.log(np.cumsum(np.exp(_np(z).astype(np.complex128))))
    _close(_np(out), want, rtol=1e-5, atol=1e-5)  # the principal branch: |im| < pi here


def test_logcumsumexp_complex_gradcheck():
    x = ag.tensor(_c(4, 3), requires_grad=True)
    for d in (0, 1, -1):
        assert ag.gradcheck(lambda a, d=d: ag.logcumsumexp(a, d), (x,))
        assert ag.gradgradcheck(lambda a, d=d: ag.logcumsumexp(a, d), (x,))


@pytest.mark.parametrize("scale,shift", [(1.0, 0.0), (3.0, 1000.0)])
def test_logcumsumexp_complex_grads_vs_torch(scale, shift):
    torch = pytest.importorskip("torch")
    x, g = _c(5, 3, scale=scale) + shift, _c(5, 3, seed=1)
    X = ag.tensor(x, requires_grad=True)
    ag.logcumsumexp(X, 0).backward(ag.tensor(g))
    tx = torch.tensor(x, requires_grad=True)
    torch.logcumsumexp(tx, 0).backward(torch.tensor(g))
    np.testing.assert_allclose(_np(X.grad), tx.grad.resolve_conj().numpy(), rtol=1e-10, atol=1e-12)


def test_logcumsumexp_complex_leading_neg_inf_gets_zero_grad():
    # entries whose running sum is still -inf get gradient 0, as the real op (torch: NaN)
    x = ag.tensor(
        np.array([complex(-INF, 0), complex(-INF, 2), 1 + 1j, 2 - 1j]), requires_grad=True
    )
    ag.logcumsumexp(x, 0).backward(ag.tensor(np.array([1 + 1j, 2 - 1j, 0.5j, 1.0])))
    gx = _np(x.grad)
    np.testing.assert_array_equal(gx[:2], 0)
    assert np.isfinite(gx).all()


def test_logcumsumexp_real_still_refuses_integers():
    with pytest.raises(TypeError, match="logcumsumexp"):
        ag.logcumsumexp(ag.tensor(np.arange(3)), 0)
    with pytest.raises(TypeError, match="both dim"):
        ag.logcumsumexp(ag.tensor(_c(3)), 0, axis=0)
    with pytest.raises(IndexError):
        ag.logcumsumexp(ag.tensor(_c(3)), 1)


# -- cuda ----------------------------------------------------------------------------------------


@pytest.mark.gpu
def test_complex_logexp_on_cuda_match_cpu():
    a, b, g = _c(4, 3, scale=3.0), _c(3, seed=1), _c(4, 3, seed=2)
    outs = {}
    for dev in ("cpu", "cuda"):
        A = ag.tensor(a, requires_grad=True, device=dev)
        B = ag.tensor(b, requires_grad=True, device=dev)
        y = ag.logaddexp(A, B) + ag.logcumsumexp(A, 0)
        y.backward(ag.tensor(g, device=dev))
        assert y.device == A.grad.device
        outs[dev] = [_np(y), _np(A.grad), _np(B.grad)]
    for c, d in zip(outs["cpu"], outs["cuda"]):
        np.testing.assert_allclose(d, c, rtol=1e-12, atol=1e-13)
