"""The general eigendecomposition (autograd/ops/decomp_eig.py): ``ag.linalg.eig`` and
``ag.linalg.eigvals``.

Torch-free checks first: A V = V diag(L), the LAPACK normalisation (unit columns, largest
component real), NumPy's values, dtypes (always complex), batches, empty inputs; gradients by
gradcheck and gradgradcheck (float64 and complex128, random cotangents) on losses that do not
depend on the eigenvectors' phases, and V f(L) V^-1 = f(A) against ``matrix_exp``'s gradient.
Then torch as the reference for values, gradients, second order and its phase error; the
errors; the cuda path (the fake CuPy in CI).

Inputs are S diag(w) S^-1 with a well-conditioned S and eigenvalues at least 0.5 apart, so
finite differences stay where the eigenvectors are smooth in A.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from autograd.errors import ShapeError

from .specs_linalg import _matrix

LA = ag.linalg


def _np(v):
    return v.detach().cpu().numpy() if hasattr(v, "detach") else np.asarray(v)


def _diagonalizable(seed, shape, kind):
    """(..., n, n) S B S^-1: kind 'real' (real eigenvalues), 'pair' (real, with a complex
    conjugate pair 0.3 +- 1.1i in B's leading 2x2 block) or 'complex' (complex entries)."""
    rng = np.random.default_rng(seed)
    *batch, n, _ = shape
    batch = tuple(batch)
    s = _matrix(rng, shape, 0.7, 1.4, signs=False)
    w = rng.permuted(np.broadcast_to(np.linspace(-1.3, 1.7, n), batch + (n,)).copy(), axis=-1)
    b = np.zeros(shape)
    b[..., np.arange(n), np.arange(n)] = w
    if kind == "pair":
        b[..., :2, :2] = [[0.3, -1.1], [1.1, 0.3]]
    if kind == "complex":
        s = s + 1j * _matrix(rng, shape, 0.1, 0.3, signs=False)
        b = b + 1j * np.diag(rng.uniform(-1, 1, n))
    return s @ b @ np.linalg.inv(s)


def _t(a, rg=False, device="cpu"):
    return ag.tensor(a, requires_grad=rg, device=device)


CASES = [("real", np.float64), ("pair", np.float64), ("complex", np.complex128)]


# -- values ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (2, 1, 3, 3)])
@pytest.mark.parametrize("kind, dtype", CASES + [("pair", np.float32), ("complex", np.complex64)])
def test_eigenpairs_dtypes_and_lapack_normalisation(shape, kind, dtype):
    a = _diagonalizable(1, shape, kind).astype(dtype)
    L, V = LA.eig(_t(a))
    want = np.complex64 if dtype in (np.float32, np.complex64) else np.complex128
    assert L.dtype == want and V.dtype == want
    assert L.shape == shape[:-1] and V.shape == shape
    tol = dict(rtol=1e-4, atol=1e-4) if want == np.complex64 else dict(rtol=1e-10, atol=1e-11)
    lv, vv = L.numpy(), V.numpy()
    np.testing.assert_allclose(a @ vv, vv * lv[..., None, :], **tol)  # A V = V diag(L)
    np.testing.assert_allclose(np.linalg.norm(vv, axis=-2), 1, **tol)
    # geev's scaling: each column's component of largest modulus is real
    big = np.take_along_axis(vv, abs(vv).argmax(axis=-2)[..., None, :], axis=-2)
    np.testing.assert_allclose(big.imag, 0, atol=tol["atol"])
    wn, vn = np.linalg.eig(a)  # the same LAPACK routine: the same order and scaling
    np.testing.assert_allclose(lv, wn, **tol)
    np.testing.assert_allclose(vv, vn, **tol)
    if kind == "pair":  # a real matrix: its complex eigenvalues come in conjugate pairs
        np.testing.assert_allclose(np.sort_complex(lv), np.sort_complex(lv.conj()), **tol)
        assert (abs(lv.imag) > 1).sum() == 2 * np.prod(shape[:-2], dtype=int)
    np.testing.assert_array_equal(LA.eigvals(_t(a)).numpy(), lv)


def test_raw_arrays_real_eigenvalues_and_empty_inputs():
    a = np.diag([3.0, -1.0, 2.0])
    out = LA.eig(a)  # raw arrays in, raw arrays out; complex even when L is real (not NumPy's)
    assert type(out).__name__ == "linalg_eig" and out._fields == ("eigenvalues", "eigenvectors")
    assert type(out.eigenvalues) is np.ndarray and out.eigenvalues.dtype == np.complex128
    np.testing.assert_array_equal(out.eigenvalues, [3, -1, 2])
    np.testing.assert_array_equal(out.eigenvectors, np.eye(3))
    for shape, dtype, want in [((0, 0), np.float32, np.complex64), ((2, 0, 0), np.float64,
                                                                     np.complex128)]:  # fmt: skip
        x = _t(np.zeros(shape, dtype), rg=True)
        L, V = LA.eig(x)
        assert L.shape == shape[:-1] and V.shape == shape and L.dtype == V.dtype == want
        (L.abs().sum() + V.abs().sum()).backward()
        assert x.grad.shape == shape and x.grad.dtype == dtype


# -- gradients ------------------------------------------------------------------------------------

LOSSES = {
    "abs_vectors": lambda L, V: V.abs(),  # |V_ij| ignores each column's phase
    "reconstruct": lambda L, V: (V * L.unsqueeze(-2)) @ LA.inv(V),  # = A: gA = g
    "exp_of_matrix": lambda L, V: (V * L.exp().unsqueeze(-2)) @ LA.inv(V),  # = matrix_exp(A)
    "both": lambda L, V: L.abs().unsqueeze(-2) * V.abs() + L.real.unsqueeze(-1),
    "projector": lambda L, V: V[..., :, :1] @ LA.inv(V)[..., :1, :],  # the first eigenprojector
}


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("kind, dtype", CASES)
@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)])
def test_gradcheck_and_gradgradcheck(loss, kind, dtype, shape):
    a = _t(_diagonalizable(2, shape, kind).astype(dtype), rg=True)
    f = LOSSES[loss]

    def fn(x):
        return f(*LA.eig(x))

    assert ag.gradcheck(fn, (a,))
    assert ag.gradgradcheck(fn, (a,))


@pytest.mark.parametrize("kind, dtype", CASES)
def test_eigvals_gradcheck_and_gradgradcheck(kind, dtype):
    a = _t(_diagonalizable(3, (2, 3, 3), kind).astype(dtype), rg=True)
    assert ag.gradcheck(LA.eigvals, (a,))
    assert ag.gradgradcheck(LA.eigvals, (a,))
    assert ag.gradcheck(lambda x: LA.eig(x).eigenvalues, (a,))


@pytest.mark.parametrize("kind, dtype", CASES)
def test_matrix_function_gradient_matches_matrix_exp(kind, dtype):
    # V diag(e^L) V^-1 is e^A: both gradients (first and second order) must agree
    rng = np.random.default_rng(4)
    a0 = _diagonalizable(4, (2, 3, 3), kind).astype(dtype)
    g = rng.standard_normal((2, 3, 3)) + 1j * rng.standard_normal((2, 3, 3))
    h = rng.standard_normal(a0.shape) + 1j * rng.standard_normal(a0.shape)

    def grads(make_y):
        x = _t(a0, rg=True)
        (gx,) = ag.grad((make_y(x) * _t(g)).sum().real, (x,), create_graph=True)
        (hx,) = ag.grad((gx * _t(h)).sum().real, (x,))
        return gx.detach().numpy(), hx.numpy()

    got = grads(lambda x: LOSSES["exp_of_matrix"](*LA.eig(x)))
    want = grads(LA.matrix_exp)
    assert got[0].dtype == dtype  # a real A gets a real gradient
    np.testing.assert_allclose(got[0], want[0], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_real_input_gets_a_real_gradient(dtype):
    x = _t(_diagonalizable(5, (3, 3), "pair").astype(dtype), rg=True)
    L, V = LA.eig(x)
    (V.abs().sum() + (L * L).real.sum()).backward()
    assert x.grad.dtype == dtype and np.isfinite(x.grad.numpy()).all()
    # d sum(re L^2) = d re tr(A^2) = 2 A^T
    x.grad = None
    (LA.eigvals(x) ** 2).real.sum().backward()
    tol = 1e-3 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.detach().numpy().T, rtol=tol, atol=tol)


def test_repeated_eigenvalues():
    # the eigenvalues alone stay differentiable (V^-H diag(gL) V^H); the vectors divide by 0
    x = _t(np.eye(3), rg=True)
    LA.eigvals(x).real.sum().backward()  # d tr(A)
    np.testing.assert_allclose(x.grad.numpy(), np.eye(3), atol=1e-12)
    x.grad = None
    LA.eig(x).eigenvectors.abs().sum().backward()
    assert np.isnan(x.grad.numpy()).all()  # as torch


def test_phase_dependent_loss_is_refused():
    x = _t(_diagonalizable(6, (3, 3), "complex"), rg=True)
    with pytest.raises(RuntimeError, match=r"linalg_eig_backward: .*e\^\{i phi\}.*ill-defined"):
        LA.eig(x).eigenvectors.real.sum().backward()
    x2 = _t(_diagonalizable(6, (3, 3), "pair"), rg=True)  # real A: its vectors are complex
    with pytest.raises(RuntimeError, match="linalg_eig_backward"):
        LA.eig(x2).eigenvectors.imag.sum().backward()


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["eig", "eigvals"])
def test_errors_name_the_op(op):
    f = getattr(LA, op)
    name = rf"linalg\.{op}"
    with pytest.raises(
        ShapeError, match=rf"{name}: A must be batches of square .*2 by 3.*\(4, 2, 3\)"
    ):
        f(_t(np.zeros((4, 2, 3))))
    with pytest.raises(ShapeError, match=rf"{name}: .*at least 2 dimensions, got shape \(3,\)"):
        f(_t(np.zeros(3)))
    with pytest.raises(TypeError, match=rf"{name}: expected a floating point .*int64"):
        f(ag.tensor(np.eye(3, dtype=np.int64)))
    with pytest.raises(TypeError, match=rf"{name}: dtype float16"):
        f(np.eye(2, dtype=np.float16))
    for bad in (np.nan, np.inf):
        with pytest.raises(LA.LinAlgError, match=rf"{name}: .*infs or NaNs"):
            f(_t(np.array([[1.0, bad], [0.0, 1.0]])))


# -- torch as the reference -----------------------------------------------------------------------


def _match(lt, l_ours):
    """The permutation p with lt[..., p] closest to l_ours (for the order LAPACKs may differ
    in)."""
    d = abs(l_ours[..., :, None] - lt[..., None, :])
    return d.argmin(axis=-1)


@pytest.mark.parametrize("kind, dtype", CASES)
def test_values_match_torch(kind, dtype):
    torch = pytest.importorskip("torch")
    a = _diagonalizable(7, (2, 4, 4), kind).astype(dtype)
    L, V = LA.eig(_t(a))
    lt, vt = (r.resolve_conj().numpy() for r in torch.linalg.eig(torch.tensor(a)))
    p = _match(lt, L.numpy())
    lt = np.take_along_axis(lt, p, axis=-1)
    vt = np.take_along_axis(vt, p[..., None, :], axis=-1)
    np.testing.assert_allclose(L.numpy(), lt, rtol=1e-10, atol=1e-12)
    # the same vectors up to a phase (both are geev's: in practice the same phase too)
    inner = np.einsum("...ij,...ij->...j", V.numpy().conj(), vt)
    np.testing.assert_allclose(abs(inner), 1, rtol=1e-10)
    assert LA.eigvals(_t(a.astype(np.float32 if kind != "complex" else np.complex64))).dtype == (
        torch.linalg.eigvals(torch.tensor(a).to(torch.float32 if kind != "complex" else
                                                torch.complex64)).numpy().dtype
    )  # fmt: skip


# order-free losses, so torch's order of the eigenvalues does not matter: rows (coordinates)
# weighted by a fixed vector, columns through a function of their eigenvalue
TORCH_LOSSES = {
    "rows_weighted": lambda L, V, w: (V.abs() * w[:, None] * L.real.unsqueeze(-2)).sum(),
    "exp_of_matrix": lambda L, V, w: (((V * L.exp().unsqueeze(-2)) @ V.inverse()) * w).sum().real,
    "eigenvalues": lambda L, V, w: (L * L * L).real.sum() + L.abs().sum(),
}


@pytest.mark.parametrize("loss", list(TORCH_LOSSES))
@pytest.mark.parametrize("kind, dtype", CASES)
def test_first_and_second_order_gradients_match_torch(loss, kind, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    a0 = _diagonalizable(8, (2, 3, 3), kind).astype(dtype)
    w0 = rng.standard_normal(3)
    h = rng.standard_normal(a0.shape).astype(dtype)
    if dtype == np.complex128:
        h = h + 1j * rng.standard_normal(a0.shape)
    f = TORCH_LOSSES[loss]
    x = _t(a0, rg=True)
    (gx,) = ag.grad(f(*LA.eig(x), _t(w0)), (x,), create_graph=True)
    (hx,) = ag.grad((gx * _t(h)).sum().real, (x,))
    xt = torch.tensor(a0, requires_grad=True)
    (gt,) = torch.autograd.grad(f(*torch.linalg.eig(xt), torch.tensor(w0)), (xt,),
                                create_graph=True)  # fmt: skip
    (ht,) = torch.autograd.grad((gt * torch.tensor(h)).sum().real, (xt,))
    assert gx.dtype == dtype
    np.testing.assert_allclose(gx.detach().numpy(), gt.detach().numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(hx.numpy(), ht.numpy(), rtol=1e-7, atol=1e-9)


def test_phase_error_matches_torch():
    torch = pytest.importorskip("torch")
    a = _diagonalizable(9, (3, 3), "complex")
    xt = torch.tensor(a, requires_grad=True)
    with pytest.raises(RuntimeError) as want:
        torch.linalg.eig(xt).eigenvectors.real.sum().backward()
    x = _t(a, rg=True)
    with pytest.raises(RuntimeError) as got:
        LA.eig(x).eigenvectors.real.sum().backward()
    assert str(got.value) == str(want.value).splitlines()[0]


# -- cuda (the fake CuPy in CI) -------------------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.parametrize("kind, dtype", CASES)
def test_cuda_values_and_gradients(kind, dtype):
    a = _diagonalizable(10, (2, 3, 3), kind).astype(dtype)
    xc, xg = _t(a, rg=True), _t(a, rg=True, device="cuda")
    Lc, Vc = LA.eig(xc)
    Lg, Vg = LA.eig(xg)
    assert Lg.device.startswith("cuda") and Vg.device.startswith("cuda")
    np.testing.assert_allclose(_np(Lg), _np(Lc), rtol=1e-12)
    np.testing.assert_allclose(_np(Vg), _np(Vc), rtol=1e-12)
    (Vc.abs().sum() + Lc.real.sum()).backward()
    (Vg.abs().sum() + Lg.real.sum()).backward()
    assert xg.grad.device.startswith("cuda")
    np.testing.assert_allclose(_np(xg.grad), _np(xc.grad), rtol=1e-10, atol=1e-12)
    assert ag.gradgradcheck(lambda x: LOSSES["both"](*LA.eig(x)), (xg,))
    assert ag.gradcheck(LA.eigvals, (xg,))
