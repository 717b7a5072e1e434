"""The rest of torch.linalg (autograd/ops/linalg_extra.py): matrix_exp, lstsq, the LU family,
householder_product, vander, tensorinv, tensorsolve, the ``_ex`` variants, diagonal, geqrf.

Torch-free checks of the math (matrix_exp against eigendecompositions and known closed forms,
lstsq's normal equations, P L U = A, lu_solve's equations, Q^T Q = I), first and second-order
gradchecks in float64 with random cotangents, then torch itself as the reference for values,
gradients and second order, the errors, and the cuda path (the fake CuPy in CI).
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from autograd.errors import ShapeError
from autograd.ops.linalg_extra import geqrf, lu_unpack

from .specs_linalg import _matrix, _spd

LA = ag.linalg
TOL = {np.float64: dict(rtol=1e-7, atol=1e-9), np.float32: dict(rtol=2e-3, atol=2e-4)}


def _t(a, rg=False, dtype=np.float64, device="cpu"):
    return ag.tensor(np.asarray(a, dtype=dtype), requires_grad=rg, device=device)


def _np(v):
    return v.detach().cpu().numpy() if hasattr(v, "detach") else np.asarray(v)


def _tuple(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,)


def _rng(seed=0):
    return np.random.default_rng(seed)


# -- matrix_exp -----------------------------------------------------------------------------------


def _expm_eig(w, v):
    """V diag(e^w) V^-1: the exponential of the diagonalizable V diag(w) V^-1."""
    return (v * np.exp(w)[..., None, :]) @ np.linalg.inv(v)


# 1-norms that take each Padé degree (3, 5, 7, 9, 13) and the scaling and squaring beyond
@pytest.mark.parametrize("scale", [0.002, 0.05, 0.2, 0.5, 1.2, 8.0])
def test_matrix_exp_of_diagonalizable_matrices(scale):
    rng = _rng(1)
    v = _matrix(rng, (2, 4, 4), 0.7, 1.5)  # well-conditioned eigenvectors
    w = rng.uniform(-1, 1, (2, 4)) * scale
    a = (v * w[..., None, :]) @ np.linalg.inv(v)
    got = LA.matrix_exp(_t(a))
    assert got.shape == (2, 4, 4) and got.dtype == np.float64
    np.testing.assert_allclose(got.numpy(), _expm_eig(w, v), rtol=1e-11, atol=1e-13)


def test_matrix_exp_closed_forms():
    # rotations: exp([[0, -t], [t, 0]]) = [[cos t, -sin t], [sin t, cos t]], also for large t
    for th in (0.3, 40.0):
        got = LA.matrix_exp(_t([[0.0, -th], [th, 0.0]])).numpy()
        c, s = np.cos(th), np.sin(th)
        np.testing.assert_allclose(got, [[c, -s], [s, c]], atol=1e-10)
    # a nilpotent matrix: the series stops, exp(N) = I + N + N^2 / 2
    n = np.triu(_rng().standard_normal((3, 3)), 1) * 3
    np.testing.assert_allclose(
        LA.matrix_exp(_t(n)).numpy(), np.eye(3) + n + n @ n / 2, rtol=1e-12, atol=1e-12
    )
    # exp(A) exp(-A) = I for a general matrix of large norm; exp of a 1 x 1 is exp
    a = _rng(2).standard_normal((5, 5)) * 2
    e = LA.matrix_exp(_t(a)).numpy() @ LA.matrix_exp(_t(-a)).numpy()
    np.testing.assert_allclose(e, np.eye(5), atol=1e-8)
    np.testing.assert_allclose(LA.matrix_exp(_t([[[2.0]]])).numpy(), [[[np.exp(2.0)]]])
    # float32 stays float32; empty matrices and empty batches keep their shapes
    a32 = LA.matrix_exp(_t(a / 4, dtype=np.float32))
    assert a32.dtype == np.float32
    np.testing.assert_allclose(a32.numpy(), LA.matrix_exp(_t(a / 4)).numpy(), rtol=2e-5, atol=1e-5)
    assert LA.matrix_exp(_t(np.zeros((0, 0)))).shape == (0, 0)
    assert LA.matrix_exp(_t(np.zeros((0, 3, 3)))).shape == (0, 3, 3)


def test_matrix_exp_gradient_is_the_frechet_derivative():
    # d/dt exp(A + t E) at t = 0 against a central difference, for a large-norm A
    rng = _rng(3)
    a, e, g = (rng.standard_normal((4, 4)) * s for s in (2.5, 1.0, 1.0))
    x = _t(a, rg=True)
    (ga,) = ag.grad((LA.matrix_exp(x) * _t(g)).sum(), [x])
    h = 1e-6
    num = (LA.matrix_exp(_t(a + h * e)).numpy() - LA.matrix_exp(_t(a - h * e)).numpy()) / (2 * h)
    np.testing.assert_allclose((ga.numpy() * e).sum(), (num * g).sum(), rtol=1e-6)


# -- lstsq ----------------------------------------------------------------------------------------


def test_lstsq_tall_satisfies_the_normal_equations():
    rng = _rng(4)
    a, b = _matrix(rng, (2, 6, 3)), rng.standard_normal((2, 6, 2))
    x, res, rank, sv = LA.lstsq(_t(a), _t(b), driver="gelsd")
    r = a @ x.numpy() - b
    np.testing.assert_allclose(np.swapaxes(a, -1, -2) @ r, 0, atol=1e-12)  # A^T (AX - B) = 0
    np.testing.assert_allclose(res.numpy(), (r * r).sum(-2), rtol=1e-10)
    assert rank.dtype == np.int64 and rank.tolist() == [3, 3]
    np.testing.assert_allclose(sv.numpy(), np.linalg.svd(a, compute_uv=False), rtol=1e-12)


def test_lstsq_wide_and_rank_deficient_give_the_minimum_norm_solution():
    rng = _rng(5)
    a, b = rng.standard_normal((3, 5)), rng.standard_normal((3, 2))
    x = LA.lstsq(_t(a), _t(b)).solution.numpy()
    np.testing.assert_allclose(a @ x, b, atol=1e-12)
    null = np.linalg.svd(a)[2][3:]  # the null space of A: the solution has no part there
    np.testing.assert_allclose(null @ x, 0, atol=1e-12)
    d = rng.standard_normal((6, 2))
    d = np.concatenate([d, d[:, :1] * 2], axis=1)  # rank 2
    out = LA.lstsq(_t(d), _t(b.repeat(2, 0)), driver="gelsd")
    assert out.rank.item() == 2 and out.residuals.shape == (0,)  # not full rank: no residuals
    np.testing.assert_allclose(out.solution.numpy(), np.linalg.pinv(d) @ b.repeat(2, 0), atol=1e-12)


@pytest.mark.parametrize(
    "driver, shapes",
    [  # (solution, residuals, rank, singular_values) for A (2, 5, 3), B (2, 5, 2), as torch's CPU
        (None, [(2, 3, 2), (0,), (2,), (0,)]),
        ("gelsy", [(2, 3, 2), (0,), (2,), (0,)]),
        ("gels", [(2, 3, 2), (2, 2), (0,), (0,)]),
        ("gelsd", [(2, 3, 2), (2, 2), (2,), (2, 3)]),
        ("gelss", [(2, 3, 2), (2, 2), (2,), (2, 3)]),
    ],
)
def test_lstsq_fills_its_fields_per_driver(driver, shapes):
    rng = _rng(6)
    out = LA.lstsq(
        _t(rng.standard_normal((2, 5, 3))), _t(rng.standard_normal((2, 5, 2))), driver=driver
    )
    assert type(out).__name__ == "linalg_lstsq"
    assert [o.shape for o in out] == shapes
    assert out.rank.dtype == np.int64 and out.residuals.dtype == np.float64


def test_lstsq_vectors_broadcasting_and_float32():
    rng = _rng(7)
    a, b = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 5))
    out = LA.lstsq(_t(a), _t(b), driver="gels")
    assert out.solution.shape == (2, 3) and out.residuals.shape == (2, 1)
    np.testing.assert_allclose(out.solution.numpy(), (np.linalg.pinv(a) @ b[..., None])[..., 0])
    out = LA.lstsq(_t(a[:1]), _t(rng.standard_normal((3, 5, 2))), driver="gelsd")
    assert out.solution.shape == (3, 3, 2) and out.rank.shape == (1,)
    assert LA.lstsq(_t(a, dtype=np.float32), _t(b, dtype=np.float32)).solution.dtype == np.float32


# -- LU -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(4, 4), (2, 5, 3), (2, 3, 5), (0, 3), (2, 1, 1)])
def test_lu_reconstructs_its_input(shape):
    a = _rng(8).standard_normal(shape)
    p, lo, up = LA.lu(_t(a))
    k = min(shape[-2:])
    assert p.shape == shape[:-1] + (shape[-2],) and lo.shape == shape[:-1] + (k,)
    assert up.shape == shape[:-2] + (k, shape[-1])
    p, lo, up = p.numpy(), lo.numpy(), up.numpy()
    np.testing.assert_allclose(p @ lo @ up, a, atol=1e-12)
    assert set(np.unique(p)) <= {0.0, 1.0}  # a permutation matrix
    np.testing.assert_array_equal(p.sum(-1), 1)
    np.testing.assert_array_equal(p.sum(-2), 1)
    np.testing.assert_array_equal(np.triu(lo[..., :k, :], 1), 0)
    np.testing.assert_array_equal(np.diagonal(lo, axis1=-2, axis2=-1), 1)
    np.testing.assert_array_equal(np.tril(up, -1), 0)
    assert (abs(lo) <= 1).all()  # partial pivoting: |multipliers| <= 1
    lu_, piv = LA.lu_factor(_t(a))
    assert piv.dtype == np.int32 and piv.shape == shape[:-2] + (k,)
    assert ((piv.numpy() >= 1) & (piv.numpy() <= shape[-2])).all()
    np.testing.assert_array_equal(np.tril(lu_.numpy(), -1)[..., :, :k], np.tril(lo, -1))
    np.testing.assert_array_equal(np.triu(lu_.numpy())[..., :k, :], up)
    p2, l2, u2 = lu_unpack(lu_, piv)
    np.testing.assert_array_equal(p2.numpy(), p)
    np.testing.assert_array_equal(l2.numpy(), lo)
    np.testing.assert_array_equal(u2.numpy(), up)


def test_lu_of_singular_matrices_and_without_pivoting():
    s = np.array([[1.0, 2, 3], [2, 4, 6], [1, 1, 1]])
    with pytest.raises(LA.LinAlgError, match=r"linalg\.lu_factor: U\[3,3\] is zero"):
        LA.lu_factor(_t(s))
    with pytest.raises(LA.LinAlgError, match=r"\(Batch element 1\): U\[3,3\] is zero"):
        LA.lu_factor(_t(np.stack([np.eye(3), s])))
    out = LA.lu_factor_ex(_t(np.stack([np.eye(3), s, np.zeros((3, 3))])))
    assert out.info.dtype == np.int32 and out.info.tolist() == [0, 3, 1]
    assert out.pivots.numpy().tolist() == [[1, 2, 3], [2, 3, 3], [1, 2, 3]]
    with pytest.raises(LA.LinAlgError, match=r"lu_factor_ex: \(Batch element 1\)"):
        LA.lu_factor_ex(_t(np.stack([np.eye(3), s])), check_errors=True)
    p, lo, up = LA.lu(_t(s))  # lu factors singular matrices
    np.testing.assert_allclose(p.numpy() @ lo.numpy() @ up.numpy(), s, atol=1e-14)
    a = _spd(_rng(), (3, 3))  # no zero pivots without row swaps
    p, lo, up = LA.lu(_t(a), pivot=False)
    assert p.shape == (0,)
    np.testing.assert_allclose(lo.numpy() @ up.numpy(), a, atol=1e-12)
    assert LA.lu_factor(_t(a), pivot=False).pivots.numpy().tolist() == [1, 2, 3]


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
def test_lu_solve_solves_its_equation(left, adjoint):
    rng = _rng(9)
    a = _matrix(rng, (2, 3, 3))
    b = rng.standard_normal((4, 1, 3, 2) if left else (4, 1, 2, 3))  # batch dims broadcast
    lu_, piv = LA.lu_factor(_t(a))
    x = LA.lu_solve(lu_, piv, _t(b), left=left, adjoint=adjoint).numpy()
    op = np.swapaxes(a, -1, -2) if adjoint else a
    np.testing.assert_allclose(op @ x if left else x @ op, np.broadcast_to(b, x.shape), atol=1e-12)


# -- Householder products, geqrf ------------------------------------------------------------------


def test_householder_product_is_the_product_of_reflectors():
    rng = _rng(10)
    a, tau = rng.standard_normal((2, 5, 3)), rng.uniform(0.2, 1.8, (2, 2))
    got = LA.householder_product(_t(a), _t(tau)).numpy()
    for b in range(2):
        h = np.eye(5)
        for i in range(2):
            v = np.concatenate([np.zeros(i), [1.0], a[b, i + 1 :, i]])
            h = h @ (np.eye(5) - tau[b, i] * np.outer(v, v))
        np.testing.assert_allclose(got[b], h[:, :3], atol=1e-12)
    assert LA.householder_product(_t(a), _t(np.zeros((2, 0)))).numpy().tolist() == (
        np.broadcast_to(np.eye(5, 3), (2, 5, 3)).tolist()
    )


@pytest.mark.parametrize("shape", [(2, 5, 3), (4, 4), (3, 5)])
def test_geqrf_and_householder_product_give_the_qr_factorisation(shape):
    a = _rng(11).standard_normal(shape)
    x, tau = geqrf(_t(a))
    assert tau.shape == shape[:-2] + (min(shape[-2:]),)
    r = np.triu(x.numpy())
    m, n = shape[-2:]
    if m >= n:
        q = LA.householder_product(x, tau).numpy()
        eye = np.broadcast_to(np.eye(n), shape[:-2] + (n, n))
        np.testing.assert_allclose(np.swapaxes(q, -1, -2) @ q, eye, atol=1e-12)
        np.testing.assert_allclose(q @ r[..., :n, :], a, atol=1e-12)
    np.testing.assert_allclose(abs(r[..., : min(m, n), :]), abs(np.linalg.qr(a)[1]), atol=1e-12)


# -- vander, tensorinv, tensorsolve, diagonal -----------------------------------------------------


def test_vander():
    x = np.array([[0.0, 2.0, -1.5], [1.0, 0.5, 3.0]])
    got = LA.vander(_t(x), N=4)
    np.testing.assert_allclose(got.numpy(), [np.vander(r, 4, increasing=True) for r in x])
    assert LA.vander(_t(x[0])).shape == (3, 3)
    # integers: int64, as torch (its cumprod widens)
    ints = LA.vander(ag.tensor(np.arange(3, dtype=np.int32)), N=4)
    assert ints.dtype == np.int64 and ints.numpy().tolist() == [
        [1, 0, 0, 0],
        [1, 1, 1, 1],
        [1, 2, 4, 8],
    ]
    assert LA.vander(_t(x, dtype=np.float32)).dtype == np.float32
    assert LA.vander(_t(np.zeros(0)), N=2).shape == (0, 2)
    xg = _t([0.0, 2.0, -1.0], rg=True)  # the gradient at 0 is exact (cumprod's)
    (g,) = ag.grad((LA.vander(xg, N=4) * _t(np.arange(12.0).reshape(3, 4))).sum(), [xg])
    np.testing.assert_allclose(g.numpy(), [1.0, 113.0, 22.0])


def test_tensorinv_and_tensorsolve():
    rng = _rng(12)
    a = _matrix(rng, (6, 6)).reshape(2, 3, 6)
    ainv = LA.tensorinv(_t(a), ind=2).numpy()
    assert ainv.shape == (6, 2, 3)
    np.testing.assert_allclose(np.tensordot(ainv, a, 2), np.eye(6), atol=1e-12)
    np.testing.assert_allclose(ainv, np.linalg.tensorinv(a, ind=2), atol=1e-12)
    b = rng.standard_normal((2, 3))
    x = LA.tensorsolve(_t(a), _t(b)).numpy()
    np.testing.assert_allclose(np.tensordot(a, x, 1), b, atol=1e-12)
    a2 = _matrix(rng, (6, 6)).reshape(6, 2, 3)  # dims moved to the end: A (2, 3, 6)
    x = LA.tensorsolve(_t(a2), _t(b), dims=(0,)).numpy()
    np.testing.assert_allclose(x, np.linalg.tensorsolve(a2, b, axes=(0,)), atol=1e-12)


def test_diagonal_defaults_to_the_last_two_dims():
    a = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(LA.diagonal(_t(a)).numpy(), np.diagonal(a, 0, -2, -1))
    np.testing.assert_array_equal(
        LA.diagonal(_t(a), offset=1, dim1=0, dim2=2).numpy(), np.diagonal(a, 1, 0, 2)
    )


# -- the _ex variants -----------------------------------------------------------------------------

SING = np.array([[1.0, 2, 3], [2, 4, 6], [1, 1, 1]])
NOT_PD = np.array([[4.0, 2, 0], [2, -3, 0], [0, 0, 1]])


def test_ex_variants_agree_with_the_raising_ones_on_good_input():
    rng = _rng(13)
    a, b, s = _matrix(rng, (2, 3, 3)), rng.standard_normal((2, 3, 2)), _spd(rng, (2, 3, 3))
    inv, info = LA.inv_ex(_t(a))
    np.testing.assert_allclose(inv.numpy(), LA.inv(_t(a)).numpy())
    assert info.dtype == np.int32 and info.tolist() == [0, 0]
    x, info = LA.solve_ex(_t(a), _t(b))
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(a, b))
    assert info.shape == (2,)
    for upper in (False, True):
        lo, info = LA.cholesky_ex(_t(s), upper=upper)
        np.testing.assert_allclose(lo.numpy(), LA.cholesky(_t(s), upper=upper).numpy())
        assert info.tolist() == [0, 0]


def test_ex_variants_report_failures_in_info():
    inv, info = LA.inv_ex(_t(np.stack([SING, np.eye(3)])))
    assert info.tolist() == [3, 0] and not np.isfinite(inv.numpy()[0]).all()
    np.testing.assert_array_equal(inv.numpy()[1], np.eye(3))
    x, info = LA.solve_ex(_t(np.stack([np.eye(3), SING])), _t(np.ones(3)))
    assert info.tolist() == [0, 3] and x.shape == (2, 3)
    lo, info = LA.cholesky_ex(_t(np.stack([NOT_PD, np.eye(3)])))
    assert info.tolist() == [2, 0]
    np.testing.assert_allclose(lo.numpy()[0, :, 0], [2.0, 1.0, 0.0])  # the columns before
    assert lo.numpy()[0, 1, 1] == -4.0  # the non-positive pivot, as LAPACK leaves it
    with pytest.raises(LA.LinAlgError, match=r"inv_ex: \(Batch element 0\): The diagonal elem"):
        LA.inv_ex(_t(np.stack([SING, np.eye(3)])), check_errors=True)
    with pytest.raises(LA.LinAlgError, match=r"solve_ex: The solver failed"):
        LA.solve_ex(_t(SING), _t(np.ones(3)), check_errors=True)
    with pytest.raises(LA.LinAlgError, match=r"leading minor of order 2 is not positive-def"):
        LA.cholesky_ex(_t(NOT_PD), check_errors=True)


# -- gradients: gradcheck and gradgradcheck -------------------------------------------------------


def _sym(a):
    return (a + a.mT) / 2


def _lu_inputs(rng, batch=(2,), k=2, left=True):
    a = _matrix(rng, batch + (3, 3))
    lu_, piv = LA.lu_factor(_t(a))
    b = rng.standard_normal(batch + ((3, k) if left else (k, 3)))
    return lu_.numpy(), b, piv.numpy()


def _lu_solve(left, adjoint):
    return lambda m: lambda lu_, b, piv: m.linalg.lu_solve(lu_, piv, b, left=left, adjoint=adjoint)


# name, fn(m) (m: autograd or torch), make(rng) -> arrays (int arrays get no gradient)
GRAD_CASES = [
    ("matrix_exp", lambda m: m.linalg.matrix_exp, lambda r: [r.standard_normal((2, 3, 3))]),
    (
        "matrix_exp_squaring",
        lambda m: m.linalg.matrix_exp,
        lambda r: [r.standard_normal((3, 3)) * 3],
    ),
    (
        "lstsq_tall",
        lambda m: lambda a, b: tuple(m.linalg.lstsq(a, b, driver="gelsd")[:2]),
        lambda r: [_matrix(r, (2, 4, 3)), r.standard_normal((2, 4, 2))],
    ),
    (
        "lstsq_wide_vector",
        lambda m: lambda a, b: m.linalg.lstsq(a, b).solution,
        lambda r: [_matrix(r, (2, 4)), r.standard_normal((2,))],
    ),
    ("lu", lambda m: lambda a: tuple(m.linalg.lu(a)[1:]), lambda r: [_matrix(r, (2, 3, 3))]),
    (
        "lu_tall",
        lambda m: lambda a: tuple(m.linalg.lu(a)[1:]),
        lambda r: [r.standard_normal((4, 2))],
    ),
    (
        "lu_wide",
        lambda m: lambda a: tuple(m.linalg.lu(a)[1:]),
        lambda r: [r.standard_normal((2, 4))],
    ),
    ("lu_factor", lambda m: lambda a: m.linalg.lu_factor(a).LU, lambda r: [_matrix(r, (2, 3, 3))]),
    (
        "lu_factor_ex",
        lambda m: lambda a: m.linalg.lu_factor_ex(a).LU,
        lambda r: [r.standard_normal((3, 4))],
    ),
    ("lu_solve", _lu_solve(True, False), lambda r: _lu_inputs(r)),
    ("lu_solve_adjoint", _lu_solve(True, True), lambda r: _lu_inputs(r, (), 1)),
    ("lu_solve_right", _lu_solve(False, False), lambda r: _lu_inputs(r, left=False)),
    ("lu_solve_right_adjoint", _lu_solve(False, True), lambda r: _lu_inputs(r, left=False)),
    (
        "householder_product",
        lambda m: m.linalg.householder_product,
        lambda r: [r.standard_normal((2, 4, 3)), r.uniform(0.2, 1.8, (2, 2))],
    ),
    ("vander", lambda m: lambda x: m.linalg.vander(x, N=4), lambda r: [r.standard_normal((2, 3))]),
    (
        "tensorinv",
        lambda m: lambda a: m.linalg.tensorinv(a, ind=1),
        lambda r: [_matrix(r, (4, 4)).reshape(4, 2, 2)],
    ),
    (
        "tensorsolve",
        lambda m: lambda a, b: m.linalg.tensorsolve(a, b, dims=(0,)),
        lambda r: [_matrix(r, (4, 4)).reshape(4, 2, 2), r.standard_normal((2, 2))],
    ),
    ("inv_ex", lambda m: lambda a: m.linalg.inv_ex(a).inverse, lambda r: [_matrix(r, (2, 3, 3))]),
    (
        "solve_ex",
        lambda m: lambda a, b: m.linalg.solve_ex(a, b, left=False).result,
        lambda r: [_matrix(r, (2, 3, 3)), r.standard_normal((2, 2, 3))],
    ),
    (
        "cholesky_ex",
        lambda m: lambda a: m.linalg.cholesky_ex(_sym(a), upper=True).L,
        lambda r: [_spd(r, (2, 3, 3))],
    ),
]
IDS = [c[0] for c in GRAD_CASES]


def _inputs(make, seed=0, device="cpu"):
    arrays = make(_rng(seed))
    return arrays, tuple(
        ag.tensor(a, requires_grad=a.dtype.kind == "f", device=device) for a in arrays
    )


@pytest.mark.parametrize("name, fn, make", GRAD_CASES, ids=IDS)
def test_gradcheck_first_and_second_order(name, fn, make):
    _, xs = _inputs(make)
    f = fn(ag)
    assert ag.gradcheck(f, xs)
    assert ag.gradgradcheck(f, xs)


@pytest.mark.parametrize("name, fn, make", GRAD_CASES, ids=IDS)
def test_values_and_gradients_match_torch(name, fn, make):
    torch = pytest.importorskip("torch")
    arrays, xs = _inputs(make)
    ts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    outs, touts = _tuple(fn(ag)(*xs)), _tuple(fn(torch)(*ts))
    for o, t in zip(outs, touts):
        assert o.shape == tuple(t.shape) and o.dtype == np.float64
        np.testing.assert_allclose(_np(o), _np(t), rtol=1e-9, atol=1e-11)
    rng = _rng(1)
    cots = [rng.standard_normal(o.shape) for o in outs]
    diff = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    gs = ag.grad(
        sum((o * _t(c)).sum() for o, c in zip(outs, cots)), [xs[i] for i in diff], create_graph=True
    )
    tgs = torch.autograd.grad(
        sum((t * torch.tensor(c)).sum() for t, c in zip(touts, cots)),
        [ts[i] for i in diff],
        create_graph=True,
    )
    for g, tg in zip(gs, tgs):
        np.testing.assert_allclose(_np(g), _np(tg), rtol=1e-8, atol=1e-10)
    ws = [rng.standard_normal(g.shape) for g in gs]
    g2 = ag.grad(
        sum((g * _t(w)).sum() for g, w in zip(gs, ws)), [xs[i] for i in diff], allow_unused=True
    )
    tg2 = torch.autograd.grad(
        sum((g * torch.tensor(w)).sum() for g, w in zip(tgs, ws)),
        [ts[i] for i in diff],
        allow_unused=True,
    )
    for g, tg in zip(g2, tg2):
        want = np.zeros(g.shape) if tg is None else _np(tg)
        np.testing.assert_allclose(_np(g), want, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize(
    "call",
    [
        lambda m, a: m.linalg.matrix_exp(a),
        lambda m, a: m.linalg.lu(a),
        lambda m, a: m.linalg.lstsq(a, a[..., :1]),
        lambda m, a: m.linalg.inv_ex(a),
        lambda m, a: m.linalg.householder_product(a, a[..., 0, :2] * 0.5),
    ],
)
def test_float32_values_match_torch(call):
    torch = pytest.importorskip("torch")
    a = _matrix(_rng(14), (2, 3, 3)).astype(np.float32)
    for o, t in zip(
        _tuple(call(ag, _t(a, dtype=np.float32))), _tuple(call(torch, torch.tensor(a)))
    ):
        assert o.dtype == _np(t).dtype
        np.testing.assert_allclose(_np(o), _np(t), **TOL[np.float32])


def test_singular_ex_and_pivots_match_torch():
    torch = pytest.importorskip("torch")
    batch = np.stack([SING, np.eye(3), np.zeros((3, 3))])
    for fn in ("inv_ex", "lu_factor_ex"):
        ours, theirs = getattr(LA, fn)(_t(batch)), getattr(torch.linalg, fn)(torch.tensor(batch))
        for o, t in zip(ours, theirs):
            np.testing.assert_array_equal(_np(o), _np(t))
    ours, theirs = LA.cholesky_ex(_t(NOT_PD)), torch.linalg.cholesky_ex(torch.tensor(NOT_PD))
    np.testing.assert_array_equal(_np(ours.info), _np(theirs.info))
    np.testing.assert_array_equal(_np(ours.L)[:, :2], _np(theirs.L)[:, :2])
    a = torch.tensor(_rng(15).standard_normal((2, 5, 3)))
    for o, t in zip(geqrf(_t(a.numpy())), torch.geqrf(a)):
        np.testing.assert_allclose(_np(o), _np(t), atol=1e-12)
    lu_, piv = torch.linalg.lu_factor(a)
    for o, t in zip(lu_unpack(_t(lu_.numpy()), ag.tensor(piv.numpy())), torch.lu_unpack(lu_, piv)):
        np.testing.assert_array_equal(_np(o), _np(t))


# -- errors ---------------------------------------------------------------------------------------

A3 = np.eye(3)
PIV = np.array([1, 2, 3], dtype=np.int32)


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (
            lambda: LA.matrix_exp(_t(np.ones((2, 3)))),
            ShapeError,
            r"matrix_exp: A must be batches of square",
        ),
        (lambda: LA.matrix_exp(_t(np.ones(3))), ShapeError, r"matrix_exp: .*at least 2 dim"),
        (
            lambda: LA.matrix_exp(ag.tensor(np.ones((2, 2), dtype=np.int64))),
            TypeError,
            "matrix_exp",
        ),
        (
            lambda: LA.lstsq(_t(A3), _t(np.ones((4, 2)))),
            ShapeError,
            r"lstsq: A.size\(-2\) should match",
        ),
        (lambda: LA.lstsq(_t(A3), _t(np.ones((2, 3, 2)))), ShapeError, r"lstsq: B must have"),
        (lambda: LA.lstsq(_t(A3), _t(A3), driver="x"), ValueError, r"lstsq: parameter `driver`"),
        (lambda: LA.lstsq(_t(A3), _t(A3, dtype=np.float32)), TypeError, r"lstsq: .*same dtype"),
        (
            lambda: LA.lstsq(_t(np.ones((2, 3, 3))), _t(np.ones((3, 3, 3)))),
            ShapeError,
            r"lstsq: batch",
        ),
        (lambda: LA.lu_factor(_t(np.ones(3))), ShapeError, r"lu_factor: .*at least 2 dim"),
        (lambda: LA.lu(ag.tensor(np.eye(3, dtype=np.int64))), TypeError, r"linalg\.lu"),
        (
            lambda: LA.lu_solve(_t(np.ones((3, 2))), PIV[:2], _t(A3)),
            ShapeError,
            r"lu_solve: LU must be batches of square",
        ),
        (
            lambda: LA.lu_solve(_t(A3), PIV[:2], _t(A3)),
            ShapeError,
            r"lu_solve: expected pivots of shape \(3,\)",
        ),
        (
            lambda: LA.lu_solve(_t(A3), PIV * 1.0, _t(A3)),
            TypeError,
            r"lu_solve: pivots must be an integer",
        ),
        (lambda: LA.lu_solve(_t(A3), PIV + 3, _t(A3)), ValueError, r"lu_solve: pivots must lie in"),
        (
            lambda: LA.lu_solve(_t(A3), PIV, _t(np.ones((4, 2)))),
            ShapeError,
            r"equation AX = B \(\(3, 3\) and \(4, 2\)\)",
        ),
        (
            lambda: LA.lu_solve(_t(A3), PIV, _t(np.ones((4, 2))), left=False),
            ShapeError,
            r"equation XA = B",
        ),
        (
            lambda: LA.lu_solve(_t(A3), PIV, _t(np.ones(3))),
            ShapeError,
            r"lu_solve: .*B must have at least 2",
        ),
        (
            lambda: LA.lu_solve(_t(A3), PIV, _t(A3, dtype=np.float32)),
            TypeError,
            r"lu_solve: .*same dtype",
        ),
        (
            lambda: LA.lu_solve(
                _t(np.ones((2, 3, 3))), np.ones((2, 3), np.int32), _t(np.ones((3, 3, 1)))
            ),
            ShapeError,
            r"lu_solve: batch",
        ),
        (
            lambda: LA.householder_product(_t(np.ones((3, 4))), _t(np.ones(2))),
            ShapeError,
            r"input.shape\[-2\] must be >=",
        ),
        (
            lambda: LA.householder_product(_t(np.ones((4, 3))), _t(np.ones(4))),
            ShapeError,
            r"input.shape\[-1\] must be >= tau",
        ),
        (
            lambda: LA.householder_product(_t(np.ones((2, 4, 3))), _t(np.ones(2))),
            ShapeError,
            r"one dimension less",
        ),
        (
            lambda: LA.householder_product(_t(np.ones((2, 4, 3))), _t(np.ones((3, 2)))),
            ShapeError,
            r"batch dimensions of tau",
        ),
        (
            lambda: LA.householder_product(_t(np.ones((4, 3))), _t(np.ones(2), dtype=np.float32)),
            TypeError,
            r"tau dtype float32",
        ),
        (lambda: LA.vander(_t(np.ones(3)), N=1), ValueError, r"vander: N must be greater than 1"),
        (lambda: LA.vander(_t(1.0)), ShapeError, r"vander: x must have at least one dim"),
        (lambda: LA.vander(ag.tensor([True, False])), TypeError, r"vander: .*got dtype bool"),
        (
            lambda: LA.tensorinv(_t(np.ones((4, 6, 8, 2)))),
            ShapeError,
            r"tensorinv: expected prod.*16 != 24",
        ),
        (
            lambda: LA.tensorinv(_t(np.ones((2, 2))), ind=0),
            ValueError,
            r"tensorinv: .*strictly positive",
        ),
        (
            lambda: LA.tensorinv(_t(np.zeros((2, 2, 2, 2)))),
            LA.LinAlgError,
            r"tensorinv: A seen as a 4 x 4",
        ),
        (
            lambda: LA.tensorsolve(_t(np.ones((2, 3, 5))), _t(np.ones((2, 3)))),
            ShapeError,
            r"tensorsolve: expected prod",
        ),
        (
            lambda: LA.tensorsolve(_t(np.ones((3, 4))), _t(np.ones(4))),
            ShapeError,
            r"tensorsolve: expected prod",
        ),
        (
            lambda: LA.cholesky_ex(_t(np.ones((2, 3)))),
            ShapeError,
            r"cholesky_ex: A must be batches of square",
        ),
        (
            lambda: LA.inv_ex(_t(np.ones((2, 3)))),
            ShapeError,
            r"inv_ex: A must be batches of square",
        ),
        (
            lambda: LA.solve_ex(_t(A3), _t(np.ones((4, 2)))),
            ShapeError,
            r"solve_ex: incompatible shapes",
        ),
        (
            lambda: LA.solve_ex(_t(A3), _t(np.ones(3)), left=False),
            ShapeError,
            r"solve_ex: incompatible shapes",
        ),
        (
            lambda: LA.solve_ex(_t(np.ones((2, 3, 3))), _t(np.ones((3, 3, 1)))),
            ShapeError,
            r"solve_ex: batch",
        ),
        (lambda: geqrf(_t(np.ones(3))), ShapeError, r"geqrf: .*at least 2 dim"),
        (lambda: lu_unpack(_t(A3), PIV[:2]), ShapeError, r"lu_unpack: expected pivots of shape"),
    ],
)
def test_errors_name_the_op_and_the_shapes(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_results_are_namedtuples_and_raw_arrays_stay_raw():
    a = _matrix(_rng(16), (3, 3))
    names = {
        "linalg_lstsq": LA.lstsq(a, a),
        "linalg_lu_factor": LA.lu_factor(a),
        "linalg_lu_factor_ex": LA.lu_factor_ex(a),
        "linalg_lu": LA.lu(a),
        "linalg_cholesky_ex": LA.cholesky_ex(a @ a.T),
        "linalg_inv_ex": LA.inv_ex(a),
        "linalg_solve_ex": LA.solve_ex(a, a),
        "geqrf": geqrf(a),
        "lu_unpack": lu_unpack(*LA.lu_factor(a)),
    }
    for name, out in names.items():
        assert type(out).__name__ == name
        assert all(type(o) is np.ndarray for o in out), name
    assert type(LA.matrix_exp(a)) is np.ndarray
    assert LA.lu_factor_ex(a)._fields == ("LU", "pivots", "info")
    assert LA.lstsq(a, a)._fields == ("solution", "residuals", "rank", "singular_values")


# -- cuda (the fake CuPy in CI) -------------------------------------------------------------------

CUDA_CASES = [
    c
    for c in GRAD_CASES
    if c[0]
    in {
        "matrix_exp_squaring",
        "lstsq_tall",
        "lu",
        "lu_tall",
        "lu_solve_adjoint",
        "householder_product",
        "vander",
        "inv_ex",
        "solve_ex",
        "cholesky_ex",
    }
]


@pytest.mark.gpu
@pytest.mark.parametrize("name, fn, make", CUDA_CASES, ids=[c[0] for c in CUDA_CASES])
def test_cuda_values_and_gradients(name, fn, make):
    _, cpu = _inputs(make)
    _, cuda = _inputs(make, device="cuda")
    f = fn(ag)
    for o, w in zip(_tuple(f(*cuda)), _tuple(f(*cpu))):
        assert o.device.startswith("cuda"), o.device
        np.testing.assert_allclose(_np(o), _np(w), rtol=1e-9, atol=1e-11)
    assert ag.gradcheck(f, cuda)
    assert ag.gradgradcheck(f, cuda)


@pytest.mark.gpu
def test_cuda_failures_and_fields():
    d = "cuda"
    inv, info = LA.inv_ex(_t(np.stack([SING, np.eye(3)]), device=d))
    assert inv.device.startswith(d) and info.device.startswith(d) and info.tolist() == [3, 0]
    lo, info = LA.cholesky_ex(_t(NOT_PD, device=d))
    assert info.item() == 2 and lo.device.startswith(d)
    out = LA.lu_factor_ex(_t(SING, device=d))
    assert out.info.item() == 3 and out.pivots.device.startswith(d)
    with pytest.raises(LA.LinAlgError, match=r"linalg\.lu_factor"):
        LA.lu_factor(_t(SING, device=d))
    x, info = LA.solve_ex(_t(SING, device=d), _t(np.ones(3), device=d))
    assert info.item() == 3
    out = LA.lstsq(
        _t(np.ones((4, 2)) + np.eye(4, 2), device=d), _t(np.ones(4), device=d), driver="gelsd"
    )
    assert all(o.device.startswith(d) for o in out) and out.rank.item() == 2
    p, lo, up = lu_unpack(*LA.lu_factor(_t(_matrix(_rng(), (3, 3)), device=d)))
    assert p.device.startswith(d)
    a, tau = geqrf(_t(_rng().standard_normal((4, 3)), device=d))
    q = LA.householder_product(a, tau)
    np.testing.assert_allclose(_np(q.mT @ q), np.eye(3), atol=1e-12)


def test_review_geqrf_scales_its_column_norms():
    # ||tail|| squared would overflow (1e20) or underflow (1e-25) in float32
    base = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 1.0]], np.float32)
    for scale in (np.float32(1e20), np.float32(1e-25)):
        a = base * scale
        r = ag.geqrf(ag.tensor(a))
        np.testing.assert_allclose(r.tau.numpy(), [1.169, 1.5321], rtol=1e-3)  # torch's
        q = ag.linalg.householder_product(r.a, r.tau).numpy()
        err = np.abs(q @ np.triu(r.a.numpy())[:2] - a).max() / np.abs(a).max()
        assert err < 1e-6


def test_review_cholesky_ex_reports_nan_input():
    out = ag.linalg.cholesky_ex(ag.tensor([[np.nan, 0.0], [0.0, 1.0]], dtype="float64"))
    assert out.info.item() == 1
    with pytest.raises(Exception, match="cholesky"):
        ag.linalg.cholesky_ex(ag.tensor([[np.nan, 0.0], [0.0, 1.0]]), check_errors=True)
