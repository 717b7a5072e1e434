"""Complex tensors: dtypes, parts, the conjugate gradient convention, the record-time guard and
complex gradcheck."""

import numpy as np
import pytest

import autograd as ag

RNG = np.random.default_rng(7)


def cplx(*shape, requires_grad=True):
    a = RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)
    return ag.tensor(a, requires_grad=requires_grad)


def real(*shape, requires_grad=True):
    return ag.tensor(RNG.standard_normal(shape), requires_grad=requires_grad)


# -- dtypes and construction ---------------------------------------------------------------------


def test_python_complex_gets_default_complex_dtype():
    assert ag.tensor([1 + 2j, 3j]).dtype == ag.complex64
    assert ag.tensor(np.array([1 + 2j])).dtype == ag.complex128  # arrays keep theirs
    assert ag.tensor([1.0, 2j], dtype=ag.cdouble).dtype == np.complex128
    ag.set_default_dtype(ag.float64)
    try:
        assert ag.tensor([1j]).dtype == ag.complex128
    finally:
        ag.set_default_dtype(ag.float32)


def test_dtype_names_and_helpers():
    from autograd.dtypes import complex_of, real_of

    assert ag.cfloat is ag.complex64 and ag.cdouble is ag.complex128
    assert complex_of(np.float64) == np.complex128 and complex_of(np.float32) == np.complex64
    assert real_of(np.complex64) == np.float32 and real_of(np.float32) == np.float32
    z = ag.tensor([1j])
    assert z.is_complex() and not z.is_floating_point() and ag.is_complex(z)
    assert not ag.tensor([1.0]).is_complex()


def test_complex_can_require_grad_integers_cannot():
    z = ag.tensor([1 + 1j]).requires_grad_()
    assert z.requires_grad
    with pytest.raises(RuntimeError, match="floating point or complex"):
        ag.tensor([1]).requires_grad_()


def test_complex64_stays_complex64():
    z = ag.tensor(np.array([1 + 2j], np.complex64), requires_grad=True)
    x = ag.tensor(np.array([2.0], np.float32), requires_grad=True)
    y = (z * x).exp() * 2.0
    assert y.dtype == np.complex64
    y.abs().sum().backward()
    assert z.grad.dtype == np.complex64 and x.grad.dtype == np.float32


# -- parts -----------------------------------------------------------------------------------------


def test_parts_values():
    a = np.array([[1 + 2j, -3 - 0.5j], [0j, 2 - 1j]])
    z = ag.tensor(a)
    np.testing.assert_array_equal(z.real.numpy(), a.real)
    np.testing.assert_array_equal(z.imag.numpy(), a.imag)
    np.testing.assert_array_equal(z.conj().numpy(), a.conj())
    np.testing.assert_allclose(z.angle().numpy(), np.angle(a))
    np.testing.assert_allclose(z.abs().numpy(), np.abs(a))
    s = z.sgn().numpy()
    nz = a != 0
    np.testing.assert_allclose(s[nz], a[nz] / np.abs(a[nz]))
    assert s[1, 0] == 0
    np.testing.assert_array_equal(ag.view_as_real(z).numpy(), np.stack([a.real, a.imag], -1))
    np.testing.assert_array_equal(ag.view_as_complex(ag.view_as_real(z)).numpy(), a)
    r, th = np.array([2.0, 0.5]), np.array([np.pi / 2, -1.0])
    p = ag.polar(ag.tensor(r), ag.tensor(th)).numpy()
    np.testing.assert_allclose(p, r * np.exp(1j * th), rtol=0, atol=1e-15)
    assert p.dtype == np.complex128
    assert z.real.dtype == np.float64 and z.angle().dtype == np.float64


def test_real_and_conj_of_real_tensor_are_itself_imag_raises():
    x = real(3)
    assert x.real is x and x.conj() is x
    with pytest.raises(TypeError, match="imag is not implemented.*float64"):
        _ = x.imag
    ang = ag.angle(ag.tensor([-2.0, 0.0, 3.0]))
    assert ang.dtype == np.float32
    np.testing.assert_array_equal(ang.numpy(), np.float32([np.pi, 0, 0]))


def test_complex_constructor_keeps_infinities_and_checks_args():
    z = ag.complex(ag.tensor([1.0]), ag.tensor([np.inf]))
    assert z.numpy()[0].real == 1.0 and z.numpy()[0].imag == np.inf  # not NaN (1j * inf)
    with pytest.raises(TypeError, match="same dtype"):
        ag.complex(ag.tensor([1.0], dtype=ag.float32), ag.tensor([1.0], dtype=ag.float64))
    with pytest.raises(TypeError, match="floating point"):
        ag.complex(ag.tensor([1]), ag.tensor([1]))
    with pytest.raises(ag.ShapeError, match=r"\(2,\) and \(3,\)"):
        ag.complex(ag.zeros(2), ag.zeros(3))
    assert ag.complex(ag.zeros(2, 1), ag.zeros(3)).shape == (2, 3)


def test_view_as_complex_and_real_errors():
    with pytest.raises(ag.ShapeError, match="last dim must have size 2"):
        ag.view_as_complex(ag.zeros(3, 3))
    with pytest.raises(TypeError, match="float32 or float64"):
        ag.view_as_complex(ag.zeros(3, 2, dtype=ag.int64))
    with pytest.raises(TypeError, match="expected a complex tensor"):
        ag.view_as_real(ag.zeros(3))


# -- gradients -----------------------------------------------------------------------------------

UNARY = {
    "exp": ag.exp, "log": ag.log, "sqrt": ag.sqrt, "rsqrt": ag.rsqrt, "sin": ag.sin,
    "cos": ag.cos, "tan": ag.tan, "tanh": ag.tanh, "sigmoid": ag.sigmoid, "sinh": ag.sinh,
    "cosh": ag.cosh, "asinh": ag.asinh, "acosh": ag.acosh, "asin": ag.asin, "acos": ag.acos,
    "atanh": ag.atanh, "atan": ag.atan, "reciprocal": ag.reciprocal,
    "square": ag.square, "log1p": ag.log1p, "expm1": ag.expm1, "log10": ag.log10,
    "exp2": ag.exp2, "abs": ag.abs, "angle": ag.angle, "sgn": ag.sgn, "real": ag.real,
    "imag": ag.imag, "conj": ag.conj, "view_as_real": ag.view_as_real,
    "neg": lambda z: -z, "pow_int": lambda z: z**3, "pow_float": lambda z: z**2.5,
    "pow_complex_const": lambda z: z ** (0.5 - 1j), "mul_complex_const": lambda z: z * (2 - 1j),
    "add_complex_const": lambda z: 1j + z, "div_by_const": lambda z: (1 - 2j) / z,
    "sum": lambda z: z.sum(dim=0), "mean": lambda z: z.mean(), "T": lambda z: z.T,
    "getitem": lambda z: z[1:, ::-1], "cat": lambda z: ag.cat([z, z * z]),
    "where": lambda z: ag.where(ag.tensor([[True, False]]), z, z.conj()),
    "cast_real": lambda z: z.real.to(ag.complex128) * z,
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradcheck_and_gradgradcheck(name):
    z = cplx(3, 2)
    assert ag.gradcheck(UNARY[name], (z,))
    assert ag.gradgradcheck(UNARY[name], (z,))


BINARY = {
    "mul": lambda a, b: a * b, "div": lambda a, b: a / b, "pow": lambda a, b: a**b,
    "matmul": lambda a, b: a @ b.T, "sub": lambda a, b: a - b,
    "complex": lambda a, b: ag.complex(a.real, b.imag),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_gradcheck_and_gradgradcheck(name):
    a, b = cplx(3, 2), cplx(3, 2)
    assert ag.gradcheck(BINARY[name], (a, b))
    assert ag.gradgradcheck(BINARY[name], (a, b))


@pytest.mark.parametrize("name", ["mul", "div", "matmul", "sub"])
def test_real_and_complex_operands_mix(name):
    x, z = real(3, 2), cplx(3, 2)
    assert ag.gradcheck(BINARY[name], (x, z))
    assert ag.gradgradcheck(BINARY[name], (z, x))


def test_real_input_gets_real_gradient():
    x = real(4)
    y = (x * (1 + 2j)).exp()
    (y.real * 3 + y.imag).sum().backward()
    assert x.grad.dtype == np.float64
    # d/dx [3 Re e^{cx} + Im e^{cx}] = Re((3 - i) c e^{cx})... checked against the difference
    xd, c = x.detach().numpy(), 1 + 2j
    want = ((3 - 1j) * c * np.exp(c * xd)).real
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-12)


def test_pow_with_negative_real_or_complex_base():
    """The exponent's gradient needs the complex log of the base (torch promotes it)."""
    x = ag.tensor([-1.5, 2.0], dtype=ag.float64, requires_grad=True)
    w = cplx(2)
    assert ag.gradcheck(lambda x, w: x**w, (x, w))
    assert ag.gradgradcheck(lambda x, w: x**w, (x, w))
    assert ag.gradcheck(lambda w: (-2.0) ** w, (w,))
    assert ag.gradcheck(lambda w: (1 + 1j) ** w, (w,))
    assert ag.gradgradcheck(lambda w: (-2.0) ** w, (w,))


def test_acosh_gradient_left_of_the_imaginary_axis():
    z = ag.tensor(np.array([-2 + 0.1j, -0.5 - 2j, 0.3 + 0.5j]), requires_grad=True)
    assert ag.gradcheck(ag.acosh, (z,))
    ag.acosh(z).real.sum().backward()
    zd = z.detach().numpy()
    np.testing.assert_allclose(z.grad.numpy(), np.conj(1 / (np.sqrt(zd - 1) * np.sqrt(zd + 1))))


def test_complex_output_needs_an_explicit_complex_gradient():
    z = cplx(2)
    with pytest.raises(RuntimeError, match="only for real scalar outputs.*complex128"):
        (z * z).sum().backward()
    with pytest.raises(RuntimeError, match="mismatch in dtype.*float64.*complex128"):
        ag.grad(z * z, z, grad_outputs=ag.ones(2, dtype=ag.float64))
    (g,) = ag.grad(z * 2, z, grad_outputs=ag.tensor(np.array([1j, 1.0])))
    np.testing.assert_array_equal(g.numpy(), [2j, 2])


def test_real_and_imag_are_views():
    """As PyTorch's: writes go through to the complex tensor, and share its version counter."""
    z = ag.tensor(np.array([1 + 2j, 3 - 1j]))
    z.real[0] = 5.0
    z.imag.mul_(2)
    np.testing.assert_array_equal(z.numpy(), [5 + 4j, 3 - 2j])
    w = cplx(2)
    y = w * w
    r = y.real
    assert r._vc is y._vc
    out = (y.exp() * 2).abs().sum()  # exp saves its output, not y: y's change is harmless
    ag.exp(y).abs().sum().backward()
    s = (w * y).abs().sum()  # Mul saves y
    with ag.no_grad():
        r.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        s.backward()
    assert out.requires_grad


def test_polar_and_broadcast_gradients():
    r, th = real(3, 1), real(1, 4)
    assert ag.gradcheck(ag.polar, (r, th))
    assert ag.gradgradcheck(ag.polar, (r, th))


def test_abs_angle_sgn_gradient_is_zero_at_zero():
    z = ag.tensor(np.array([0j, 1 + 1j]), requires_grad=True)
    (z.abs().sum() + z.angle().sum() + z.sgn().real.sum()).backward()
    assert z.grad.numpy()[0] == 0
    assert np.isfinite(z.grad.numpy()).all()


def test_abs_squared_gradient_is_twice_z():
    """PyTorch's convention: d|z|^2 = 2z (dL/dx + i dL/dy), so gradient descent works."""
    z = cplx(5)
    (z.abs() ** 2).sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), 2 * z.detach().numpy(), rtol=1e-12)


def test_gradcheck_catches_a_missing_conjugate():
    class BadSquare(ag.Function):
        save_inputs = (0,)
        complex_ok = True

        def forward(self, z):
            return z * z

        def backward(self, gy):
            (z,) = self.saved
            return gy * 2 * z  # should be gy * conj(2 z)

    z = cplx(3)
    with pytest.raises(ag.GradcheckError, match="complex128"):
        ag.gradcheck(BadSquare.apply, (z,))
    assert not ag.gradcheck(BadSquare.apply, (z,), fast_mode=True, raise_exception=False)


def test_gradcheck_complex_fast_mode_passes_a_right_rule():
    a, b = cplx(3, 2), cplx(2, 4)
    assert ag.gradcheck(lambda a, b: (a @ b).tanh(), (a, b), fast_mode=True)


# -- the record-time guard -------------------------------------------------------------------------


def test_ops_without_a_complex_rule_refuse_to_record():
    from nn.functional.extras import ScaleGrad  # no complex rule; its forward runs on complex

    z = cplx(3)
    with pytest.raises(
        TypeError, match=r"ScaleGrad: autograd does not support complex.*complex128"
    ):
        ScaleGrad.apply(z, 2.0)
    with ag.no_grad():  # not recorded: nothing can go wrong
        assert ScaleGrad.apply(z, 2.0).dtype == np.complex128
    assert ScaleGrad.apply(z.detach(), 2.0).dtype == np.complex128


@pytest.mark.parametrize(
    "fn",
    [
        ag.relu, ag.erf, ag.floor, ag.sign, lambda z: ag.clamp(z, 0, 1),
        lambda z: ag.maximum(z, z), lambda z: ag.softmax(z, 0), ag.deg2rad,
    ],
)  # fmt: skip
def test_ops_torch_refuses_for_complex_refuse_in_forward(fn):
    """Refused before any work, with or without recording (NumPy would order complex numbers
    or give a meaningless value)."""
    z = cplx(3, requires_grad=False)
    with pytest.raises(TypeError, match="not supported for complex tensors"):
        fn(z)


def test_user_function_needs_complex_ok():
    class Twice(ag.Function):
        def forward(self, z):
            return z * 2

        def backward(self, gy):
            return gy * 2

    z = cplx(3)
    with pytest.raises(TypeError, match="set complex_ok = True"):
        Twice.apply(z)

    class TwiceOk(Twice):
        complex_ok = True

    assert ag.gradcheck(TwiceOk.apply, (z,))


# -- against PyTorch -------------------------------------------------------------------------------


def test_gradients_match_torch():
    torch = pytest.importorskip("torch")
    a = RNG.standard_normal((3, 3)) + 1j * RNG.standard_normal((3, 3))
    b = RNG.standard_normal((3, 3)) + 1j * RNG.standard_normal((3, 3))
    x = RNG.standard_normal((3, 3))

    def loss(lib, A, B, X):
        y = ((A @ B).exp() * A.conj()).abs().sum() + (A / B).angle().sum()
        y = y + (A**2.5).real.sum() + (A.sgn() * B).imag.sum() + (X * A).tanh().abs().sum()
        return y + lib.view_as_real(B.sqrt() - X).sum()

    def grads(lib, mk):
        A, B, X = mk(a), mk(b), mk(x)
        loss(lib, A, B, X).backward()
        return [t.grad.detach().numpy() for t in (A, B, X)]

    want = grads(torch, lambda v: torch.tensor(v, requires_grad=True))
    got = grads(ag, lambda v: ag.tensor(v, requires_grad=True))
    for g, w in zip(got, want):
        assert g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


# -- on cuda (a real GPU, or CI's fake CuPy) -------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.parametrize("name", ["exp", "abs", "angle", "sgn", "view_as_real", "pow_float"])
def test_complex_on_cuda_matches_cpu(name):
    a = RNG.standard_normal((3, 2)) + 1j * RNG.standard_normal((3, 2))
    v = RNG.standard_normal((3, 2))
    outs = []
    for dev in ("cpu", "cuda"):
        z = ag.tensor(a, device=dev, requires_grad=True)
        x = ag.tensor(v, device=dev, requires_grad=True)
        y = UNARY[name](ag.complex(x, x * 2) * z)
        (ag.view_as_real(y) if y.is_complex() else y).sum().backward()
        assert z.grad.device == y.device and x.grad.dtype == np.float64
        outs.append([t.detach().cpu().numpy() for t in (y, z.grad, x.grad)])
    for c, g in zip(*outs):
        np.testing.assert_allclose(g, c, rtol=1e-12, atol=1e-14)
    z = ag.tensor(a, device="cuda", requires_grad=True)
    assert ag.gradcheck(UNARY[name], (z,))


@pytest.mark.parametrize(
    "fn",
    [
        lambda z: z < z, lambda z: z >= 1, lambda z: ag.sort(z), lambda z: ag.argsort(z),
        lambda z: ag.topk(z, 1), lambda z: ag.median(z), lambda z: ag.quantile(z, 0.5),
        lambda z: ag.cummax(z, 0), lambda z: ag.aminmax(z), lambda z: ag.kthvalue(z, 1),
    ],
)  # fmt: skip
def test_ordering_ops_refuse_complex_even_without_grad(fn):
    """NumPy orders complex numbers lexicographically; torch refuses, as here."""
    z = ag.tensor([1 + 2j, 3j])
    with pytest.raises(TypeError, match="complex"):
        fn(z)
    np.testing.assert_array_equal((z == z).numpy(), [True, True])  # equality is defined


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_ex_complex(upper):
    m = RNG.standard_normal((2, 3, 3)) + 1j * RNG.standard_normal((2, 3, 3))
    a = m @ m.conj().swapaxes(-1, -2) + np.eye(3)
    L, info = ag.linalg.cholesky_ex(ag.tensor(a), upper=upper)
    want = np.linalg.cholesky(a)
    np.testing.assert_allclose(L.numpy(), want.conj().swapaxes(-1, -2) if upper else want)
    assert not info.numpy().any()
    A = ag.tensor(a[0], requires_grad=True)

    def f(A):
        return ag.linalg.cholesky_ex((A + A.conj().T) / 2, upper=upper).L

    assert ag.gradcheck(f, (A,))
    assert ag.gradgradcheck(f, (A,))
    bad = a[0].copy()
    bad[2, 2] = -5  # fails at the third leading minor: the loop reports it
    assert int(ag.linalg.cholesky_ex(ag.tensor(bad)).info) == 3


def _unitary(rng, n):
    q, _ = np.linalg.qr(rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n)))
    return q


@pytest.mark.parametrize("dtype", [np.complex128, np.float64])
def test_svd_tie_the_loss_does_not_see_gives_finite_second_order(dtype):
    """A = Q diag(3, 1, 1, 0.5) W: NumPy's LAPACK returns the two 1s exactly tied; the spectral
    norm depends on the top pair only, so its Hessian is finite (it was NaN from 0 / 0)."""
    rng = np.random.default_rng(0)
    q, w = _unitary(rng, 4), _unitary(rng, 4)
    if dtype == np.float64:
        q, w = np.linalg.qr(q.real)[0], np.linalg.qr(w.real)[0]
    a = q @ np.diag([3.0, 1.0, 1.0, 0.5]) @ w

    def hess(x):
        (g,) = ag.grad(ag.linalg.matrix_norm(x, 2), x, create_graph=True)
        return g

    def f(arr):  # the first-order gradient's squared norm, whose gradient is checked
        t = ag.tensor(arr, requires_grad=True)
        return float((ag.grad(ag.linalg.matrix_norm(t, 2), t)[0].abs() ** 2).sum())

    x = ag.tensor(a, requires_grad=True)
    (h,) = ag.grad((hess(x).abs() ** 2).sum(), x)
    assert np.isfinite(h.numpy()).all()
    num = np.zeros_like(a)
    for idx in np.ndindex(*a.shape):
        for step in (1e-6, 1e-6j) if dtype == np.complex128 else (1e-6,):
            b = a.copy()
            b[idx] += step
            fp = f(b)
            b[idx] -= 2 * step
            num[idx] += (fp - f(b)) / 2e-6 * (step / 1e-6)
    np.testing.assert_allclose(h.numpy(), num, atol=1e-7)


def test_lu_solve_adjoint_is_the_conjugate_transpose():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))
    b = rng.standard_normal((3, 2)) + 1j * rng.standard_normal((3, 2))
    lu, piv = ag.linalg.lu_factor(ag.tensor(a))
    x = ag.linalg.lu_solve(lu, piv, ag.tensor(b), adjoint=True).numpy()
    np.testing.assert_allclose(a.conj().T @ x, b, atol=1e-12)
    y = ag.linalg.lu_solve(lu, piv, ag.tensor(b.T), adjoint=True, left=False).numpy()
    np.testing.assert_allclose(y @ a.conj().T, b.T, atol=1e-12)
    B = ag.tensor(b, requires_grad=True)
    assert ag.gradcheck(lambda B: ag.linalg.lu_solve(lu, piv, B, adjoint=True), (B,))
