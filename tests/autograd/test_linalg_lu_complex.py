"""Complex matrices through the LU family (autograd/ops/linalg_lu.py): lu_factor,
lu_factor_ex, lu, lu_unpack and lu_solve on complex64/complex128.

Torch-free checks first: P L U = A, LAPACK's complex pivoting (zgetrf's izamax picks the
largest |re| + |im|, not the largest modulus), dtypes; gradients by gradcheck and
gradgradcheck in complex128 (random cotangents) for square, tall, wide and batched inputs and
every lu_solve mode. Then torch as the reference for values, pivots, gradients and second
order, and the cuda path (the fake CuPy in CI).
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from autograd.ops.linalg_extra import lu_unpack

LA = ag.linalg


def _np(v):
    return v.detach().cpu().numpy() if hasattr(v, "detach") else np.asarray(v)


def _tuple(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,)


def _c(seed, *shape):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def _t(a, rg=False, device="cpu"):
    return ag.tensor(a, requires_grad=rg, device=device)


SHAPES = [(3, 3), (2, 3, 3), (4, 2), (2, 5), (2, 4, 3), (2, 3, 4)]

# 2x2 matrices whose first column's entries order differently by modulus and by |re| + |im|
CABS1 = [
    np.array([[3.0, 1.0], [2.0 + 2.0j, 1.0]]),  # |.|: 3 > 2.83, |re| + |im|: 3 < 4
    np.array([[2.9, 1.0], [2.0 + 0.95j, 1.0]]),  # |.|: 2.9 > 2.21, |re| + |im|: 2.9 < 2.95
]


# -- values ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_plu_reconstructs_a(shape, dtype):
    a = _c(1, *shape).astype(dtype)
    P, L, U = LA.lu(_t(a, rg=True))  # recorded: complex tensors that require grad factor too
    assert P.dtype == L.dtype == U.dtype == dtype
    k = min(shape[-2:])
    assert L.shape == shape[:-1] + (k,) and U.shape == shape[:-2] + (k, shape[-1])
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.complex64 else dict(rtol=1e-12, atol=1e-13)
    P, L, U = P.numpy(), L.detach().numpy(), U.detach().numpy()
    np.testing.assert_allclose(P @ L @ U, a, **tol)
    np.testing.assert_array_equal(np.diagonal(L, axis1=-2, axis2=-1), 1)
    # the pivot has the largest |re| + |im| in its column: |l| <= sqrt(2) (not <= 1)
    assert abs(L).max() <= np.sqrt(2) * (1 + 1e-6)
    LU, piv = LA.lu_factor(_t(a, rg=True))
    assert LU.dtype == dtype and piv.dtype == np.int32
    p2, l2, u2 = lu_unpack(LU, piv)
    np.testing.assert_array_equal(p2.numpy(), P)
    np.testing.assert_array_equal(l2.detach().numpy(), L)
    np.testing.assert_array_equal(u2.detach().numpy(), U)


@pytest.mark.parametrize("a", CABS1)
def test_complex_pivoting_uses_abs_re_plus_abs_im(a):
    LU, piv = LA.lu_factor(_t(a))
    assert piv.tolist() == [2, 2]  # row 2 is the pivot: |re| + |im| is larger there
    np.testing.assert_allclose(LU.numpy()[0], a[1])
    out = LA.lu_factor_ex(_t(np.stack([a, a])))
    assert out.pivots.tolist() == [[2, 2], [2, 2]] and out.info.tolist() == [0, 0]


def test_singular_complex_info():
    a = np.array([[1 + 1j, 2 + 2j], [-1 + 1j, -2 + 2j]])  # rank 1: row 2 = i row 1
    x = _t(a, rg=True)
    out = LA.lu_factor_ex(x)
    assert out.info.item() == 2
    np.testing.assert_allclose(out.LU.detach().numpy(), [[1 + 1j, 2 + 2j], [1j, 0]])
    with pytest.raises(LA.LinAlgError, match=r"linalg\.lu_factor: U\[2,2\] is zero"):
        LA.lu_factor(x)


# -- gradients ------------------------------------------------------------------------------------

FNS = {
    "lu_factor": lambda a: LA.lu_factor(a).LU,
    "lu_factor_ex": lambda a: LA.lu_factor_ex(a).LU,
    "lu": lambda a: LA.lu(a)[1:],
    "lu_unpack": lambda a: lu_unpack(*LA.lu_factor(a))[1:],
}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", list(FNS))
def test_factor_gradcheck_and_gradgradcheck(name, shape):
    a = _t(_c(2, *shape), rg=True)
    assert ag.gradcheck(FNS[name], (a,))
    assert ag.gradgradcheck(FNS[name], (a,))


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
def test_lu_solve_gradcheck_and_gradgradcheck(left, adjoint):
    a = _t(_c(3, 2, 3, 3), rg=True)
    b = _t(_c(4, 2, 3, 2) if left else _c(4, 2, 2, 3), rg=True)

    def fn(a, b):
        LU, piv = LA.lu_factor(a)
        return LA.lu_solve(LU, piv, b, left=left, adjoint=adjoint)

    x = fn(a, b).detach().numpy()
    op = np.swapaxes(a.detach().numpy(), -1, -2).conj() if adjoint else a.detach().numpy()
    np.testing.assert_allclose(op @ x if left else x @ op, _np(b), rtol=1e-12, atol=1e-12)
    assert ag.gradcheck(fn, (a, b))
    assert ag.gradgradcheck(fn, (a, b))


def test_packed_lu_gradient_is_the_one_of_l_and_u():
    # a cotangent on the packed LU acts as one on L's strict lower part and on U
    a0 = _c(5, 3, 3)
    g = _c(6, 3, 3)
    a1, a2 = _t(a0, rg=True), _t(a0, rg=True)
    (LA.lu_factor(a1).LU * _t(g)).sum().real.backward()
    _, L, U = LA.lu(a2)
    low = np.tril(g, -1)
    ((L * _t(low)).sum() + (U * _t(np.triu(g))).sum()).real.backward()
    np.testing.assert_allclose(a1.grad.numpy(), a2.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert a1.grad.dtype == np.complex128


# -- torch as the reference -----------------------------------------------------------------------


def _torch_np(t):
    return t.detach().resolve_conj().resolve_neg().numpy()


@pytest.mark.parametrize("a", CABS1 + [_c(7, 4, 4)])
def test_pivots_and_factors_match_torch(a):
    torch = pytest.importorskip("torch")
    LU, piv = LA.lu_factor(_t(a, rg=True))
    LUt, pivt = torch.linalg.lu_factor(torch.tensor(a, requires_grad=True))
    np.testing.assert_array_equal(piv.numpy(), pivt.numpy())
    np.testing.assert_allclose(LU.detach().numpy(), _torch_np(LUt), rtol=1e-12, atol=1e-13)


def _vs_torch(fa, ft, arrays, seed):
    """First and second-order gradients of fa (autograd) and ft (torch) with the same random
    complex cotangents."""
    torch = pytest.importorskip("torch")
    xs = [_t(a, rg=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    ya, yt = fa(*xs), ft(*ts)
    ya, yt = _tuple(ya), _tuple(yt)
    for o, w in zip(ya, yt):
        np.testing.assert_allclose(o.detach().numpy(), _torch_np(w), rtol=1e-11, atol=1e-12)
    gs = [_c(seed + i, *w.shape) for i, w in enumerate(yt)]
    la = sum((o * _t(g)).sum().real for o, g in zip(ya, gs))
    lt = sum((w * torch.tensor(g)).sum().real for w, g in zip(yt, gs))
    gx = ag.grad(la, xs, create_graph=True)
    gt = torch.autograd.grad(lt, ts, create_graph=True)
    hs = [_c(seed + 10 + i, *a.shape) for i, a in enumerate(arrays)]
    hx = ag.grad(sum((g * _t(h)).sum().real for g, h in zip(gx, hs)), xs)
    ht = torch.autograd.grad(sum((g * torch.tensor(h)).sum().real for g, h in zip(gt, hs)), ts)
    for a, b in zip(gx, gt):
        np.testing.assert_allclose(a.detach().numpy(), _torch_np(b), rtol=1e-9, atol=1e-11)
    for a, b in zip(hx, ht):
        np.testing.assert_allclose(a.numpy(), _torch_np(b), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("shape", SHAPES)
def test_lu_gradients_match_torch(shape):
    torch = pytest.importorskip("torch")
    a = _c(8, *shape)
    _vs_torch(lambda x: LA.lu(x)[1:], lambda x: torch.linalg.lu(x)[1:], [a], 20)
    _vs_torch(lambda x: LA.lu_factor(x).LU, lambda x: torch.linalg.lu_factor(x).LU, [a], 30)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
def test_lu_solve_gradients_match_torch(left, adjoint):
    torch = pytest.importorskip("torch")
    a, b = _c(9, 2, 3, 3), (_c(10, 3, 2) if left else _c(10, 2, 3))  # B broadcasts over A's batch

    def fa(x, y):
        return LA.lu_solve(*LA.lu_factor(x), y, left=left, adjoint=adjoint)

    def ft(x, y):
        return torch.linalg.lu_solve(*torch.linalg.lu_factor(x), y, left=left, adjoint=adjoint)

    _vs_torch(fa, ft, [a, b], 40)


# -- cuda (the fake CuPy in CI) -------------------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.parametrize("name", list(FNS))
def test_cuda_values_and_gradients(name):
    a = _c(11, 2, 3, 3)
    f = FNS[name]
    xg = _t(a, rg=True, device="cuda")
    for o, w in zip(_tuple(f(xg)), _tuple(f(_t(a)))):
        assert o.device.startswith("cuda")
        np.testing.assert_allclose(_np(o), _np(w), rtol=1e-12, atol=1e-13)
    assert ag.gradcheck(f, (xg,))
    assert ag.gradgradcheck(f, (xg,))
    _, piv = LA.lu_factor(_t(CABS1[0], device="cuda"))
    assert piv.tolist() == [2, 2]
