"""Complex tensors through sinc, lerp and nan_to_num (``autograd/ops/special.py``).

Each: values against NumPy and PyTorch (complex128 and complex64, dtype kept), gradients of a
real loss with random cotangents against PyTorch (second order too where torch has it),
gradcheck and gradgradcheck on complex128 inputs (mixed real / complex where the op allows),
the in-place methods, and the cuda path (``gpu``-marked: on a GPU, or in CI on the fake CuPy).
torch records no gradient for a complex nan_to_num; its gradient is checked against torch's
nan_to_num of the real and imaginary parts, which is what the op computes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag

C128, C64 = np.complex128, np.complex64
INF, NAN = math.inf, math.nan


def _torch():
    return pytest.importorskip("torch")


def _c(*shape, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) * scale


def _r(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _check(fn, *arrays, second=True):
    xs = [ag.tensor(a, requires_grad=True) for a in arrays]
    assert ag.gradcheck(fn, xs)
    if second:
        assert ag.gradgradcheck(fn, xs)


def _grads_vs_torch(fn_ag, fn_t, arrays, second=False, seed=5):
    """Values, first-order gradients (cotangent v) and, with ``second``, the gradients of
    <grad, w> (a second random direction) of every argument, against torch."""
    torch = _torch()
    xs = [ag.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = fn_ag(*xs), fn_t(*ts)
    np.testing.assert_allclose(_np(out), tout.detach().numpy(), rtol=1e-12, atol=1e-14)
    v = _c(*out.shape, seed=seed)
    gs = ag.grad(out, xs, ag.tensor(v), create_graph=second)
    tgs = torch.autograd.grad(tout, ts, torch.tensor(v), create_graph=second)
    for g, tg in zip(gs, tgs):
        tg = tg.detach().resolve_conj()
        np.testing.assert_allclose(_np(g), tg.numpy(), rtol=1e-10, atol=1e-12)
    if not second:
        return
    ws = [_c(*a.shape, seed=seed + 1 + i) for i, a in enumerate(arrays)]
    loss = sum((g * ag.tensor(w).conj()).real.sum() for g, w in zip(gs, ws))
    tloss = sum((g * torch.tensor(w).conj()).real.sum() for g, w in zip(tgs, ws))
    gg = ag.grad(loss, xs, allow_unused=True) if loss.requires_grad else [None] * len(xs)
    if tloss.requires_grad:  # None: the gradient does not depend on that input
        tgg = torch.autograd.grad(tloss, ts, allow_unused=True)
    else:  # a gradient constant in the inputs (lerp with a constant weight)
        tgg = [None] * len(ts)
    for g, tg, a in zip(gg, tgg, arrays):
        g = np.zeros_like(a) if g is None else _np(g)
        tg = np.zeros_like(a) if tg is None else tg.resolve_conj().numpy()
        np.testing.assert_allclose(g, tg, rtol=1e-9, atol=1e-11)


def _sinc_ref(z):
    z = np.asarray(z)
    safe = np.where(z == 0, 1, z) * np.pi
    return np.where(z == 0, 1, np.sin(safe) / safe)


# -- sinc -----------------------------------------------------------------------------------------


def test_sinc_complex_values():
    torch = _torch()
    z = _c(3, 4, scale=1.5)
    z[0, :3] = [0, 1e-30 + 1e-30j, 2.0]  # 1 at 0, and a real point inside a complex tensor
    for dt in (C128, C64):
        out = ag.sinc(ag.tensor(z.astype(dt)))
        assert out.dtype == dt
        tol = 1e-12 if dt == C128 else 2e-6
        np.testing.assert_allclose(out.numpy(), _sinc_ref(z.astype(dt)), rtol=tol, atol=tol)
        ref = torch.sinc(torch.tensor(z.astype(dt))).numpy()
        np.testing.assert_allclose(out.numpy(), ref, rtol=tol, atol=tol)
    assert ag.sinc(ag.tensor(np.array([0j]))).numpy()[0] == 1
    assert _np(ag.tensor(z).sinc()).dtype == C128  # the method


def test_sinc_complex_gradients_vs_torch():
    torch = _torch()
    z = _c(6, scale=1.2)
    z[0] = 0  # sinc'(0) = 0 (torch's mask), also in a complex tensor
    _grads_vs_torch(ag.sinc, torch.sinc, [z])
    # second order, away from 0 (torch's double backward is NaN there)
    _grads_vs_torch(ag.sinc, torch.sinc, [_c(2, 3, seed=1)], second=True)


def test_sinc_complex_gradcheck():
    _check(ag.sinc, _c(2, 3, seed=2))
    z = _c(4, seed=3)
    z[0] = 0
    _check(ag.sinc, z, second=False)
    # the gradient at 0 is exactly 0, and finite at second order (masked on a safe value)
    x = ag.tensor(np.array([0j, 1e-200j, 0.5 + 0.5j]), requires_grad=True)
    (g,) = ag.grad(ag.sinc(x).real.sum(), [x], create_graph=True)
    assert g.detach().numpy()[0] == 0 and g.detach().numpy()[1] == 0
    (gg,) = ag.grad((g * g.conj()).real.sum(), [x])
    assert np.isfinite(gg.numpy()).all()


def test_sinc_still_refuses_integers():
    with pytest.raises(TypeError, match="sinc: expected a floating point tensor"):
        ag.sinc(ag.tensor(np.array([1, 2])))


# -- lerp -----------------------------------------------------------------------------------------


def _lerp_ref(s, e, w):
    w = np.asarray(w)
    return np.where(np.abs(w) < 0.5, s + w * (e - s), e - (e - s) * (1 - w))


def test_lerp_complex_values():
    torch = _torch()
    s, e = _c(3, 4, seed=0), _c(3, 4, seed=1)
    w = _c(3, 4, seed=2) * 0.6  # both sides of |w| = 0.5
    assert (np.abs(w) < 0.5).any() and (np.abs(w) >= 0.5).any()
    for dt in (C128, C64):
        out = ag.lerp(ag.tensor(s.astype(dt)), ag.tensor(e.astype(dt)), ag.tensor(w.astype(dt)))
        assert out.dtype == dt
        tol = 1e-12 if dt == C128 else 2e-6
        np.testing.assert_allclose(out.numpy(), _lerp_ref(s, e, w), rtol=tol, atol=tol)
        tout = torch.lerp(*(torch.tensor(a.astype(dt)) for a in (s, e, w))).numpy()
        np.testing.assert_allclose(out.numpy(), tout, rtol=tol, atol=tol)
    for wc in (0.3 + 0.1j, 0.7 - 0.4j, 0.25):  # Python weights: complex and real
        out = ag.tensor(s).lerp(ag.tensor(e), wc)
        np.testing.assert_allclose(out.numpy(), _lerp_ref(s, e, wc), rtol=1e-12)
        tout = torch.lerp(torch.tensor(s), torch.tensor(e), wc).numpy()
        np.testing.assert_allclose(out.numpy(), tout, rtol=1e-12)
    # a real weight tensor with complex ends (NumPy's promotion; torch asks for one dtype)
    wr = _r(3, 4, seed=4)
    out = ag.lerp(ag.tensor(s), ag.tensor(e), ag.tensor(wr))
    np.testing.assert_allclose(out.numpy(), _lerp_ref(s, e, wr), rtol=1e-12)


def test_lerp_complex_gradients_vs_torch():
    torch = _torch()
    s, e, w = _c(2, 3, seed=0), _c(2, 3, seed=1), _c(2, 3, seed=2) * 0.6
    _grads_vs_torch(ag.lerp, torch.lerp, [s, e, w], second=True)
    _grads_vs_torch(
        lambda a, b: ag.lerp(a, b, 0.6 - 0.3j),
        lambda a, b: torch.lerp(a, b, 0.6 - 0.3j),
        [s, e],
        second=True,
    )
    # broadcasting: the weight's gradient is summed back to its shape
    _grads_vs_torch(ag.lerp, torch.lerp, [s, e[:1], w[:, :1]], second=True)


def test_lerp_complex_gradcheck():
    s, e, w = _c(2, 3, seed=0), _c(2, 3, seed=1), _c(2, 3, seed=2) * 0.6
    _check(ag.lerp, s, e, w)
    _check(ag.lerp, s, e[0], w[:, :1])
    _check(lambda a, b: ag.lerp(a, b, 0.2 + 0.3j), s, e)
    _check(lambda a, b: ag.lerp(a, b, -0.9 + 0.1j), s, e)
    # mixed real and complex arguments: a real one gets the real part of its gradient
    _check(ag.lerp, s, e, w.real)
    _check(ag.lerp, s.real, e, w)
    _check(lambda a, b: ag.lerp(a, b, 0.3j), s.real, e.real)


def test_lerp_real_gradient_of_real_weight_is_real_part_of_conjugate_rule():
    # dL/dw for a real w of a complex lerp is Re(conj(gz) (end - start))... checked numerically
    s, e = _c(4, seed=0), _c(4, seed=1)
    w = ag.tensor(np.array([0.1, 0.4, 0.6, 1.3]), requires_grad=True)
    out = ag.lerp(ag.tensor(s), ag.tensor(e), w)
    v = _c(4, seed=9)
    (g,) = ag.grad(out, [w], ag.tensor(v))
    assert g.dtype == np.float64
    np.testing.assert_allclose(g.numpy(), (v * np.conj(e - s)).real, rtol=1e-12)


# -- nan_to_num -----------------------------------------------------------------------------------


def _nonfinite():
    z = _c(8, seed=3)
    z[:6] = [
        complex(NAN, 1.0),
        complex(2.0, INF),
        complex(-INF, NAN),
        complex(INF, -INF),
        complex(NAN, NAN),
        complex(-3.0, -INF),
    ]
    return z


_NAN_KW = [{}, {"nan": 1.5, "posinf": 9.0, "neginf": -9.0}, {"posinf": 4.0}]


@pytest.mark.parametrize("kw", _NAN_KW, ids=["default", "all", "posinf"])
def test_nan_to_num_complex_values(kw):
    torch = _torch()
    z = _nonfinite()
    for dt in (C128, C64):
        out = ag.nan_to_num(ag.tensor(z.astype(dt)), **kw)
        assert out.dtype == dt and np.isfinite(out.numpy()).all()
        np.testing.assert_array_equal(out.numpy(), np.nan_to_num(z.astype(dt), **kw))
        tout = torch.nan_to_num(torch.tensor(z.astype(dt)), **kw)
        np.testing.assert_array_equal(out.numpy(), tout.numpy())
    # the parts are replaced apart: the finite part survives
    out = ag.nan_to_num(ag.tensor(z)).numpy()
    assert out[0].imag == 1.0 and out[1].real == 2.0 and out[5].real == -3.0
    assert out[1].imag == np.finfo(np.float64).max and out[5].imag == np.finfo(np.float64).min
    assert ag.nan_to_num(ag.tensor(z.astype(C64))).numpy()[1].imag == np.finfo(np.float32).max


def test_nan_to_num_complex_gradient_per_part():
    torch = _torch()
    z = _nonfinite()
    x = ag.tensor(z, requires_grad=True)
    v = _c(8, seed=4)
    (g,) = ag.grad(ag.nan_to_num(x, nan=1.0), [x], ag.tensor(v))
    want = v.real * np.isfinite(z.real) + 1j * (v.imag * np.isfinite(z.imag))
    np.testing.assert_array_equal(g.numpy(), want)
    # torch records no gradient for a complex nan_to_num: its rule applied to each part
    tz = torch.tensor(z, requires_grad=True)
    tout = torch.complex(torch.nan_to_num(tz.real, nan=1.0), torch.nan_to_num(tz.imag, nan=1.0))
    (tg,) = torch.autograd.grad(tout, tz, torch.tensor(v))
    np.testing.assert_array_equal(g.numpy(), tg.numpy())
    # second order: the gradient is linear in gy, with the same masks (d<g, w>/dgy)
    vt = ag.tensor(v, requires_grad=True)
    (g1,) = ag.grad(ag.nan_to_num(x), [x], vt, create_graph=True)
    w = _c(8, seed=6)
    (gv,) = ag.grad((g1 * ag.tensor(w).conj()).real.sum(), [vt])
    np.testing.assert_array_equal(
        gv.numpy(), w.real * np.isfinite(z.real) + 1j * (w.imag * np.isfinite(z.imag))
    )


def test_nan_to_num_complex_gradcheck():
    _check(ag.nan_to_num, _c(2, 3))
    _check(lambda a: ag.nan_to_num(a * 2, nan=1.0, posinf=3.0), _c(4))


def test_nan_to_num_complex_argument_refused():
    with pytest.raises(TypeError, match="nan_to_num: nan must be a number, got complex"):
        ag.nan_to_num(ag.tensor(_c(2)), nan=1j)


def test_inplace_methods_on_complex():
    a = ag.tensor(_c(4, seed=1), requires_grad=True)
    b = a * 1
    b.sinc_()
    b.lerp_(b * 2, 0.3 + 0.1j)
    b.nan_to_num_()
    s = _sinc_ref(_c(4, seed=1))
    want = np.nan_to_num(_lerp_ref(s, 2 * s, 0.3 + 0.1j))
    np.testing.assert_allclose(b.detach().numpy(), want, rtol=1e-12)
    assert ag.gradcheck(lambda t: (t * 1).sinc_().lerp_(t, 0.7j).nan_to_num_(), (a,))


# -- cuda -----------------------------------------------------------------------------------------

_CUDA = [
    ("sinc", ag.sinc, [(2, 3)]),
    ("lerp", ag.lerp, [(2, 3), (2, 3), (1, 3)]),
    ("lerp_scalar", lambda a, b: ag.lerp(a, b, 0.7 + 0.2j), [(2, 3), (2, 3)]),
    ("nan_to_num", lambda a: ag.nan_to_num(a, nan=2.0), [(2, 3)]),
]


@pytest.mark.gpu
@pytest.mark.parametrize("name,fn,shapes", _CUDA, ids=[c[0] for c in _CUDA])
def test_complex_more_on_cuda(name, fn, shapes):
    arrs = [_c(*s, seed=i) for i, s in enumerate(shapes)]
    cpu = fn(*[ag.tensor(a) for a in arrs])
    xs = [ag.tensor(a, device="cuda", requires_grad=True) for a in arrs]
    out = fn(*xs)
    assert out.device.startswith("cuda") and out.dtype == cpu.dtype
    np.testing.assert_allclose(out.detach().to("cpu").numpy(), cpu.numpy(), rtol=1e-12)
    assert ag.gradcheck(fn, xs)
    assert ag.gradgradcheck(fn, xs)


@pytest.mark.gpu
def test_complex_nan_to_num_on_cuda_nonfinite():
    z = _nonfinite()
    x = ag.tensor(z, device="cuda", requires_grad=True)
    out = ag.nan_to_num(x)
    np.testing.assert_array_equal(out.detach().to("cpu").numpy(), np.nan_to_num(z))
    v = _c(8, seed=4)
    (g,) = ag.grad(out, [x], ag.tensor(v, device="cuda"))
    want = v.real * np.isfinite(z.real) + 1j * (v.imag * np.isfinite(z.imag))
    np.testing.assert_array_equal(g.to("cpu").numpy(), want)
