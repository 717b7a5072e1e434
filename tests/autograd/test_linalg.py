"""Linear algebra against PyTorch: values, first and second-order gradients (float32 and
float64, batched), singular inputs, errors, result types, and the cuda path (fake CuPy in CI).

The op table (specs_linalg.py, run by test_ops.py) checks every op against NumPy and by finite
differences; here the reference is torch itself, so conventions (which gradient a symmetric or
rank-deficient input gets, what full_matrices=True does to the gradient, ...) are pinned.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd as ag
from autograd.errors import ShapeError

from .specs_linalg import SPECS, _matrix, _orth, _spd, _sym

LA = ag.linalg
INF = math.inf
# torch's own deprecation notes (chain_matmul, torch.cholesky) are not this library's concern
pytestmark = pytest.mark.filterwarnings("ignore:torch\\.\\w+ is deprecated:UserWarning")


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _np(v):
    return v.detach().cpu().numpy() if hasattr(v, "detach") else np.asarray(v)


def _tuple(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,)


TOL = {np.float64: dict(rtol=1e-7, atol=1e-9), np.float32: dict(rtol=2e-3, atol=2e-4)}


def _compare(torch, ours, theirs, arrays, dtype, *, grad=True, second=False, seed=0):
    """Run ``ours`` on Tensors and ``theirs`` on torch tensors of ``arrays`` (cast to dtype);
    compare the outputs, the gradients of sum(cot * outputs) (random cotangents), and with
    ``second`` the gradient of sum(w * that gradient) (second order)."""
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(a, dtype=dtype) for a in arrays]
    xs = [ag.tensor(a, requires_grad=grad) for a in arrays]
    ts = [torch.tensor(a, requires_grad=grad) for a in arrays]
    outs, touts = _tuple(ours(*xs)), _tuple(theirs(*ts))
    assert len(outs) == len(touts)
    tol = TOL[dtype]
    for o, t in zip(outs, touts):
        assert o.shape == tuple(t.shape), (o.shape, tuple(t.shape))
        if t.dtype.is_floating_point:
            assert o.dtype == dtype, (o.dtype, dtype)
        np.testing.assert_allclose(_np(o), _np(t), **tol)
    if not grad:
        return
    cots = [rng.standard_normal(o.shape).astype(dtype) for o in outs]
    live = [i for i, o in enumerate(outs) if o.requires_grad]
    loss = sum((outs[i] * ag.tensor(cots[i])).sum() for i in live)
    tloss = sum((touts[i] * torch.tensor(cots[i])).sum() for i in live)
    gs = ag.grad(loss, xs, create_graph=second, allow_unused=True)
    tgs = torch.autograd.grad(tloss, ts, create_graph=second, allow_unused=True)
    for g, tg in zip(gs, tgs):
        want = np.zeros(g.shape if g is not None else ()) if tg is None else _np(tg)
        got = np.zeros_like(want) if g is None else _np(g)
        if g is not None:
            assert g.dtype == dtype
        np.testing.assert_allclose(got, want, **tol)
    if second:
        ws = [rng.standard_normal(a.shape).astype(dtype) for a in arrays]
        l2 = sum((g * ag.tensor(w)).sum() for g, w in zip(gs, ws) if g is not None)
        t2 = sum((g * torch.tensor(w)).sum() for g, w in zip(tgs, ws) if g is not None)
        tg2 = (
            torch.autograd.grad(t2, ts, allow_unused=True) if t2.requires_grad else [None] * len(ts)
        )
        g2 = ag.grad(l2, xs, allow_unused=True) if l2.requires_grad else [None] * len(xs)
        for a, g, tg in zip(arrays, g2, tg2):
            want = np.zeros(a.shape) if tg is None else _np(tg)
            np.testing.assert_allclose(np.zeros(a.shape) if g is None else _np(g), want, **tol)


def _rand(shape, seed=0):
    return np.random.default_rng(seed).uniform(-2, 2, shape)


# -- products ------------------------------------------------------------------------------------

PRODUCTS = [
    ("mm", lambda m: m.mm, [(3, 4), (4, 2)]),
    ("bmm", lambda m: m.bmm, [(2, 3, 4), (2, 4, 2)]),
    ("mv", lambda m: m.mv, [(3, 4), (4,)]),
    ("dot", lambda m: m.dot, [(5,), (5,)]),
    ("vdot", lambda m: m.vdot, [(5,), (5,)]),
    ("inner", lambda m: m.inner, [(2, 3), (4, 3)]),
    ("inner_0d", lambda m: m.inner, [(), (2, 3)]),
    ("outer", lambda m: m.outer, [(3,), (4,)]),
    ("ger", lambda m: m.ger, [(3,), (2,)]),
    (
        "addmm",
        lambda m: lambda i, a, b: m.addmm(i, a, b, beta=0.5, alpha=-2),
        [(4,), (3, 2), (2, 4)],
    ),
    ("addmv", lambda m: lambda i, a, b: m.addmv(i, a, b, alpha=3), [(3,), (3, 2), (2,)]),
    ("addbmm", lambda m: lambda i, a, b: m.addbmm(i, a, b, beta=2), [(3, 2), (4, 3, 5), (4, 5, 2)]),
    (
        "baddbmm",
        lambda m: lambda i, a, b: m.baddbmm(i, a, b, beta=-1),
        [(1, 3, 2), (2, 3, 4), (2, 4, 2)],
    ),
    ("tensordot", lambda m: m.tensordot, [(2, 3, 4), (3, 4, 2)]),
    ("tensordot_1", lambda m: lambda a, b: m.tensordot(a, b, dims=1), [(2, 3), (3, 4)]),
    (
        "tensordot_lists",
        lambda m: lambda a, b: m.tensordot(a, b, dims=([0, 2], [1, 0])),
        [(2, 3, 4), (4, 2, 5)],
    ),
    (
        "tensordot_bcast",
        lambda m: lambda a, b: m.tensordot(a, b, dims=([1], [0])),
        [(2, 1), (3, 4)],
    ),
    ("trace", lambda m: m.trace, [(3, 4)]),
    ("kron", lambda m: m.kron, [(2, 3), (2, 1, 2)]),
    ("cross", lambda m: lambda a, b: m.cross(a, b, dim=0), [(3, 2), (3, 2)]),
    ("linalg_cross", lambda m: m.linalg.cross, [(2, 1, 3), (1, 4, 3)]),
    ("chain_matmul", lambda m: m.chain_matmul, [(2, 3), (3, 5), (5, 1), (1, 4)]),
    ("multi_dot", lambda m: lambda *t: m.linalg.multi_dot(t), [(3,), (3, 4), (4, 2), (2,)]),
    ("multi_dot_2d", lambda m: lambda *t: m.linalg.multi_dot(t), [(6, 2), (2, 5), (5, 3)]),
    ("vecdot", lambda m: lambda a, b: m.linalg.vecdot(a, b, dim=0), [(3, 2), (3, 1)]),
    ("matrix_power_3", lambda m: lambda a: m.linalg.matrix_power(a, 3), [(2, 3, 3)]),
    ("matrix_power_0", lambda m: lambda a: m.matrix_power(a, 0), [(2, 3, 3)]),
    ("linalg_matmul", lambda m: m.linalg.matmul, [(2, 3, 4), (4, 2)]),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name,fn,shapes", PRODUCTS, ids=[p[0] for p in PRODUCTS])
def test_products_match_torch(torch, name, fn, shapes, dtype):
    arrays = [_rand(s, seed=i) for i, s in enumerate(shapes)]
    _compare(torch, fn(ag), fn(torch), arrays, dtype, second=dtype == np.float64)


def test_integer_products_keep_their_dtype(torch):
    a, b = np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4)
    for fn in (lambda m, x, y: m.mm(x, y), lambda m, x, y: m.tensordot(x, y, dims=1)):
        got, want = fn(ag, ag.tensor(a), ag.tensor(b)), fn(torch, torch.tensor(a), torch.tensor(b))
        assert got.dtype == np.int64
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert ag.trace(ag.tensor(np.ones((2, 3), np.int32))).dtype == np.int64  # as torch
    assert ag.trace(ag.tensor(a)).item() == torch.trace(torch.tensor(a)).item()


def test_raw_arrays_give_raw_arrays():
    a, b = _rand((2, 3)), _rand((3, 2), seed=1)
    out = ag.mm(a, b)
    assert type(out) is np.ndarray
    np.testing.assert_allclose(out, a @ b)
    assert type(LA.inv(a @ b)) is np.ndarray


# -- decompositions and solvers ------------------------------------------------------------------


def _w_vv(r):
    """eigh / svd outputs made sign-invariant: values, and squares of the vectors."""
    return tuple(v * v if v.ndim >= 2 else v for v in r)


def _mk(fn, *shapes):
    return lambda rng: [fn(rng, s) if fn else rng.uniform(-2, 2, s) for s in shapes]


def _two(f1, s1, f2, s2):
    return lambda rng: [f1(rng, s1), f2(rng, s2) if f2 else rng.uniform(-2, 2, s2)]


def _tri_input(rng, shape):
    return rng.uniform(-0.4, 0.4, shape) + 1.5 * np.eye(shape[-1])


DECOMPS = [
    ("inv", lambda m: m.linalg.inv, _mk(_matrix, (2, 3, 3))),
    ("inverse", lambda m: m.inverse, _mk(_matrix, (3, 3))),
    ("det", lambda m: m.linalg.det, _mk(_matrix, (2, 3, 3))),
    ("slogdet", lambda m: lambda a: tuple(m.linalg.slogdet(a)), _mk(_matrix, (2, 3, 3))),
    ("slogdet_top", lambda m: lambda a: tuple(m.slogdet(a)), _mk(_matrix, (3, 3))),
    ("logdet", lambda m: m.logdet, _mk(_spd, (2, 3, 3))),
    ("solve", lambda m: m.linalg.solve, _two(_matrix, (2, 3, 3), None, (3, 2))),
    ("solve_vec", lambda m: m.linalg.solve, _two(_matrix, (2, 3, 3), None, (2, 3))),
    (
        "solve_left_false",
        lambda m: lambda a, b: m.linalg.solve(a, b, left=False),
        _two(_matrix, (3, 3), None, (2, 4, 3)),
    ),
    (
        "solve_triangular",
        lambda m: lambda a, b: m.linalg.solve_triangular(a, b, upper=True),
        _two(_tri_input, (2, 3, 3), None, (3, 2)),
    ),
    (
        "solve_triangular_right_unit",
        lambda m: (
            lambda a, b: m.linalg.solve_triangular(
                a, b, upper=False, left=False, unitriangular=True
            )
        ),
        _two(_tri_input, (3, 3), None, (2, 2, 3)),
    ),
    ("cholesky", lambda m: m.linalg.cholesky, _mk(_spd, (2, 3, 3))),
    ("cholesky_upper", lambda m: lambda a: m.cholesky(a, upper=True), _mk(_spd, (3, 3))),
    ("qr_tall", lambda m: lambda a: tuple(m.linalg.qr(a)), _mk(_matrix, (2, 4, 3))),
    ("qr_wide", lambda m: lambda a: tuple(m.linalg.qr(a)), _mk(_matrix, (3, 5))),
    (
        "qr_complete",
        lambda m: lambda a: tuple(m.linalg.qr(a, mode="complete")),
        _mk(_matrix, (2, 3, 4)),
    ),
    ("eigh", lambda m: lambda a: _w_vv(m.linalg.eigh(a)), _mk(_sym, (2, 4, 4))),
    ("eigh_upper", lambda m: lambda a: _w_vv(m.linalg.eigh(a, UPLO="U")), _mk(_sym, (3, 3))),
    ("eigvalsh", lambda m: m.linalg.eigvalsh, _mk(_sym, (2, 3, 3))),
    (
        "svd_reduced",
        lambda m: lambda a: _w_vv(m.linalg.svd(a, full_matrices=False)),
        _mk(_matrix, (2, 4, 3)),
    ),
    (
        "svd_wide",
        lambda m: lambda a: _w_vv(m.linalg.svd(a, full_matrices=False)),
        _mk(_matrix, (3, 5)),
    ),
    ("svd_full_square", lambda m: lambda a: _w_vv(m.linalg.svd(a)), _mk(_matrix, (2, 3, 3))),
    # full_matrices=True on a tall matrix: the extra columns of U get no gradient (as torch)
    (
        "svd_full_tall",
        lambda m: lambda a: (lambda r: (r[0][..., :3] ** 2, r[1]))(m.linalg.svd(a)),
        _mk(_matrix, (5, 3)),
    ),
    ("svdvals", lambda m: m.linalg.svdvals, _mk(_matrix, (2, 3, 4))),
    ("pinv", lambda m: m.linalg.pinv, _mk(_matrix, (2, 3, 4))),
    ("pinv_tall", lambda m: m.linalg.pinv, _mk(_matrix, (4, 2))),
    ("pinv_hermitian", lambda m: lambda a: m.linalg.pinv(a, hermitian=True), _mk(_spd, (3, 3))),
    ("pinverse", lambda m: m.pinverse, _mk(_matrix, (3, 2))),
    ("matrix_power_neg", lambda m: lambda a: m.linalg.matrix_power(a, -3), _mk(_matrix, (3, 3))),
    (
        "vector_norm",
        lambda m: lambda a: m.linalg.vector_norm(a, 3, dim=(0, 2)),
        _mk(None, (2, 3, 2)),
    ),
    (
        "vector_norm_inf",
        lambda m: lambda a: m.linalg.vector_norm(a, -INF, dim=1, keepdim=True),
        _mk(None, (2, 3)),
    ),
    ("norm_all", lambda m: m.linalg.norm, _mk(None, (2, 3, 2))),
    ("norm_matrix_ord", lambda m: lambda a: m.linalg.norm(a, "nuc"), _mk(_matrix, (3, 4))),
    ("norm_vector_dim", lambda m: lambda a: m.linalg.norm(a, 1, dim=1), _mk(None, (3, 4))),
    ("cond", lambda m: m.linalg.cond, _mk(_matrix, (2, 3, 3))),
    ("cond_inf", lambda m: lambda a: m.linalg.cond(a, INF), _mk(_matrix, (3, 3))),
]

for _o in ("fro", "nuc", 2, -2, 1, -1, INF, -INF):
    DECOMPS.append(
        (
            f"matrix_norm_{_o}",
            (lambda o: lambda m: lambda a: m.linalg.matrix_norm(a, o))(_o),
            _mk(_matrix, (2, 3, 4)),
        )
    )
DECOMPS.append(
    (
        "matrix_norm_dims",
        lambda m: lambda a: m.linalg.matrix_norm(a, 2, dim=(0, 2), keepdim=True),
        _mk(_matrix, (3, 2, 4)),
    )
)

SECOND = {"inv", "det", "solve", "cholesky", "qr_tall", "qr_wide", "eigh", "svd_reduced",
          "svd_wide", "pinv", "solve_triangular", "matrix_norm_nuc", "slogdet"}  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name,fn,make", DECOMPS, ids=[d[0] for d in DECOMPS])
def test_decompositions_match_torch(torch, name, fn, make, dtype):
    arrays = make(np.random.default_rng(3))
    second = dtype == np.float64 and name in SECOND
    if name == "cond_inf":  # torch's backward of cond(A, inf) fails (an in-place op in it)
        _compare(torch, fn(ag), fn(torch), arrays, dtype, grad=False)
        inputs = tuple(ag.tensor(a, requires_grad=True) for a in arrays)
        assert ag.gradcheck(fn(ag), inputs) and ag.gradgradcheck(fn(ag), inputs)
        return
    _compare(torch, fn(ag), fn(torch), arrays, dtype, second=second)


def test_qr_factors_match_torch_directly(torch):
    # both use Householder QR (LAPACK geqrf): the factors agree without sign fixes
    a = _matrix(np.random.default_rng(4), (2, 5, 3))
    for mode in ("reduced", "complete", "r"):
        q, r = LA.qr(ag.tensor(a), mode=mode)
        tq, tr = torch.linalg.qr(torch.tensor(a), mode=mode)
        assert q.shape == tuple(tq.shape)
        np.testing.assert_allclose(_np(q), _np(tq), atol=1e-12)
        np.testing.assert_allclose(_np(r), _np(tr), atol=1e-12)


def test_eigh_and_svd_reconstruct_their_input():
    rng = np.random.default_rng(5)
    a = _sym(rng, (2, 4, 4)).astype(np.float32)
    w, v = LA.eigh(ag.tensor(a))
    assert w.dtype == v.dtype == np.float32
    assert np.all(np.diff(w.numpy(), axis=-1) > 0)  # ascending
    np.testing.assert_allclose(((v * w.reshape(2, 1, 4)) @ v.mT).numpy(), a, atol=1e-5)
    m = _matrix(rng, (3, 5))
    u, s, vh = LA.svd(ag.tensor(m))
    assert (u.shape, s.shape, vh.shape) == ((3, 3), (3,), (5, 5))
    assert np.all(np.diff(s.numpy()) < 0)  # descending
    np.testing.assert_allclose((u * s) @ vh[:3], m, atol=1e-12)
    np.testing.assert_allclose((vh @ vh.mT).numpy(), np.eye(5), atol=1e-12)


# -- singular and ill-posed inputs ---------------------------------------------------------------


def test_inv_of_a_singular_matrix_raises_like_torch(torch):
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(RuntimeError, match="singular"):
        torch.linalg.inv(torch.tensor(a))
    with pytest.raises(LA.LinAlgError, match=r"linalg\.inv: .*singular"):
        LA.inv(ag.tensor(a))
    batch = np.stack([np.eye(2), a])
    with pytest.raises(RuntimeError, match=r"linalg\.inv"):  # LinAlgError is a RuntimeError
        ag.inverse(ag.tensor(batch))
    with pytest.raises(LA.LinAlgError, match=r"linalg\.solve: .*singular"):
        LA.solve(ag.tensor(a), ag.tensor(np.ones(2)))
    with pytest.raises(LA.LinAlgError, match=r"linalg\.cholesky: .*not positive-definite"):
        LA.cholesky(ag.tensor(-np.eye(3)))
    with pytest.raises(LA.LinAlgError, match=r"linalg\.inv"):  # torch names inv too
        LA.matrix_power(ag.tensor(a), -1)


def test_determinants_of_singular_matrices(torch):
    a = np.array([[1.0, 2.0, 0.5], [2.0, 4.0, 1.0], [0.3, -1.0, 2.0]])  # row 1 = 2 * row 0
    t = ag.tensor(a, requires_grad=True)
    d = LA.det(t)
    assert d.item() == torch.linalg.det(torch.tensor(a)).item() == 0.0
    d.backward()
    # d det / dA is the cofactor matrix, also at a singular A (torch returns 0 here)
    cof = np.array(
        [[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(a, i, 0), j, 1)) for j in range(3)]
         for i in range(3)]
    )  # fmt: skip
    np.testing.assert_allclose(t.grad.numpy(), cof, atol=1e-12)
    assert np.abs(cof).max() > 1
    sign, logabs = LA.slogdet(ag.tensor(a))
    tsign, tlogabs = torch.linalg.slogdet(torch.tensor(a))
    assert sign.item() == tsign.item() == 0.0 and logabs.item() == tlogabs.item() == -INF
    neg = np.diag([1.0, -2.0, 3.0])
    assert math.isnan(ag.logdet(ag.tensor(neg)).item())
    assert math.isnan(torch.logdet(torch.tensor(neg)).item())
    assert ag.logdet(ag.tensor(a)).item() == -INF


def test_rank_deficient_pinv_rank_and_cond_match_torch(torch):
    rng = np.random.default_rng(7)
    a = rng.standard_normal((2, 4, 2)) @ rng.standard_normal((2, 2, 5))  # rank 2
    _compare(torch, LA.pinv, torch.linalg.pinv, [a], np.float64)
    for kw in ({}, {"hermitian": False, "atol": 1e-3}, {"rtol": 0.5}):
        np.testing.assert_array_equal(
            LA.matrix_rank(ag.tensor(a), **kw).numpy(),
            torch.linalg.matrix_rank(torch.tensor(a), **kw).numpy(),
        )
    r = LA.matrix_rank(ag.tensor(a))
    assert r.dtype == np.int64 and not r.requires_grad and r.tolist() == [2, 2]
    s = _spd(rng, (3, 3))
    assert LA.matrix_rank(ag.tensor(s), hermitian=True).item() == 3
    sing = np.array([[1.0, 2.0], [2.0, 4.0]])
    for p in ("fro", 1, INF):
        assert LA.cond(ag.tensor(sing), p).item() == INF
        assert torch.linalg.cond(torch.tensor(sing), p).item() == INF


# -- semantics -----------------------------------------------------------------------------------


def test_result_types_are_namedtuples():
    a = ag.tensor(_spd(np.random.default_rng(8), (3, 3)))
    assert type(LA.eigh(a)).__name__ == "linalg_eigh" and LA.eigh(a).eigenvectors.shape == (3, 3)
    assert type(LA.svd(a)).__name__ == "linalg_svd" and LA.svd(a).Vh.shape == (3, 3)
    assert type(LA.qr(a)).__name__ == "linalg_qr" and LA.qr(a).R.shape == (3, 3)
    assert type(LA.slogdet(a)).__name__ == "linalg_slogdet"
    assert type(ag.slogdet(a)).__name__ == "slogdet" and a.slogdet().logabsdet.ndim == 0


def test_qr_modes_that_have_no_gradient(torch):
    a = ag.tensor(_matrix(np.random.default_rng(9), (4, 3)), requires_grad=True)
    q, r = LA.qr(a, mode="r")
    assert q.shape == (0,) and r.shape == (3, 3)
    with pytest.raises(RuntimeError, match="mode='r'"):
        r.sum().backward()
    q, r = LA.qr(a, mode="complete")
    assert q.shape == (4, 4)
    with pytest.raises(RuntimeError, match="mode='complete' and nrows > ncols"):
        (q.sum() + r.sum()).backward()


def test_matrix_power_edge_cases():
    a = ag.tensor(_rand((2, 3, 3)), requires_grad=True)
    p0 = LA.matrix_power(a, 0)
    assert p0.requires_grad and p0.shape == (2, 3, 3)
    np.testing.assert_array_equal(_np(p0), np.broadcast_to(np.eye(3), (2, 3, 3)))
    p0.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), np.zeros((2, 3, 3)))
    p1 = a.matrix_power(1)
    assert p1 is not a and p1.requires_grad
    np.testing.assert_array_equal(_np(p1), _np(a))
    with pytest.raises(TypeError, match="matrix_power: n must be an int"):
        LA.matrix_power(a, 1.5)


def test_addmm_with_beta_zero_ignores_input(torch):
    i = ag.tensor(np.full(3, np.nan), requires_grad=True)
    a, b = ag.tensor(_rand((2, 4))), ag.tensor(_rand((4, 3), seed=1))
    out = ag.addmm(i, a, b, beta=0)
    np.testing.assert_allclose(_np(out), a.numpy() @ b.numpy())
    out.sum().backward()
    np.testing.assert_array_equal(i.grad.numpy(), np.zeros(3))


def test_cross_without_dim_uses_the_first_dim_of_size_3(torch):
    x, y = _rand((2, 3, 3)), _rand((2, 3, 3), seed=1)
    with pytest.warns(UserWarning, match="dim"):
        got = ag.cross(ag.tensor(x), ag.tensor(y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = torch.cross(torch.tensor(x), torch.tensor(y))
    np.testing.assert_allclose(got.numpy(), want.numpy())
    np.testing.assert_allclose(LA.cross(ag.tensor(x), ag.tensor(y)).numpy(), np.cross(x, y))


def test_empty_and_degenerate_shapes(torch):
    assert LA.det(ag.tensor(np.zeros((0, 0)))).item() == 1.0
    assert LA.inv(ag.tensor(np.zeros((2, 0, 0)))).shape == (2, 0, 0)
    assert ag.mm(ag.tensor(np.zeros((0, 3))), ag.tensor(np.zeros((3, 2)))).shape == (0, 2)
    assert ag.dot(ag.tensor(np.zeros(0)), ag.tensor(np.zeros(0))).item() == 0.0
    assert ag.trace(ag.tensor(np.zeros((0, 0)))).item() == 0.0
    u, s, vh = LA.svd(ag.tensor(np.ones((0, 3))), full_matrices=False)
    assert (u.shape, s.shape, vh.shape) == ((0, 0), (0,), (0, 3))
    x = ag.tensor(np.full((1, 1), 4.0), requires_grad=True)
    y = LA.inv(x) + LA.det(x) + LA.cholesky(x) + LA.eigvalsh(x)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[-1 / 16 + 1 + 0.25 + 1]])


def test_tensor_methods_call_the_functions():
    rng = np.random.default_rng(10)
    a = ag.tensor(_spd(rng, (3, 3)))
    v = ag.tensor(rng.standard_normal(3))
    pairs = [
        (a.mm(a), ag.mm(a, a)), (a.mv(v), ag.mv(a, v)), (v.dot(v), ag.dot(v, v)),
        (v.vdot(v), ag.vdot(v, v)), (v.inner(v), ag.inner(v, v)), (v.outer(v), ag.outer(v, v)),
        (v.ger(v), ag.ger(v, v)), (a.addmm(a, a, beta=2), ag.addmm(a, a, a, beta=2)),
        (v.addmv(a, v), ag.addmv(v, a, v)), (a.trace(), ag.trace(a)), (a.kron(v), ag.kron(a, v)),
        (a.cross(a, dim=1), ag.cross(a, a, dim=1)), (a.matrix_power(2), a @ a),
        (a.inverse(), LA.inv(a)), (a.det(), LA.det(a)), (a.logdet(), ag.logdet(a)),
        (a.pinverse(), LA.pinv(a)), (a.cholesky(), LA.cholesky(a)),
        (a[None].bmm(a[None]), ag.bmm(a[None], a[None])),
        (a.addbmm(a[None], a[None]), ag.addbmm(a, a[None], a[None])),
        (a[None].baddbmm(a[None], a[None]), ag.baddbmm(a[None], a[None], a[None])),
    ]  # fmt: skip
    for got, want in pairs:
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


# -- errors --------------------------------------------------------------------------------------

T = ag.tensor
ERRORS = [
    (
        lambda: ag.mm(T(np.ones(3)), T(np.ones((3, 3)))),
        ShapeError,
        r"mm: expected 2-D tensors, got shapes \(3,\) and \(3, 3\)",
    ),
    (
        lambda: ag.mm(T(np.ones((2, 3))), T(np.ones((4, 3)))),
        ShapeError,
        r"mm: mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x3\)",
    ),
    (
        lambda: ag.bmm(T(np.ones((2, 2, 3))), T(np.ones((3, 3, 3)))),
        ShapeError,
        r"bmm: shapes \(2, 2, 3\) and \(3, 3, 3\) cannot be multiplied",
    ),
    (lambda: ag.bmm(T(np.ones((2, 3))), T(np.ones((3, 3)))), ShapeError, "bmm: expected 3-D"),
    (lambda: ag.mv(T(np.ones((2, 3))), T(np.ones(2))), ShapeError, r"mv: size mismatch"),
    (
        lambda: ag.dot(T(np.ones(2)), T(np.ones(3))),
        ShapeError,
        r"dot: inconsistent tensor size, got shapes \(2,\) and \(3,\)",
    ),
    (lambda: ag.dot(T(np.ones((2, 2))), T(np.ones(2))), ShapeError, "dot: expected 1-D"),
    (
        lambda: ag.outer(T(np.ones((2, 3))), T(np.ones(2))),
        ShapeError,
        "outer: expected 1-D argument self, but got 2-D",
    ),
    (
        lambda: ag.inner(T(np.ones((2, 3))), T(np.ones((4, 2)))),
        ShapeError,
        "inner: the last dimension must match",
    ),
    (
        lambda: ag.addmm(T(np.ones((2, 2, 3))), T(np.ones((2, 4))), T(np.ones((4, 3)))),
        ShapeError,
        r"addmm: input of shape \(2, 2, 3\) cannot be broadcast",
    ),
    (
        lambda: ag.tensordot(T(np.ones((2, 2))), T(np.ones((3, 4))), dims=([1], [0])),
        ShapeError,
        "tensordot: contracted dimensions need to match, but first has size 2 in dim 1",
    ),
    (
        lambda: ag.tensordot(T(np.ones((2, 2))), T(np.ones((2, 4))), dims=([1, 0], [0])),
        ShapeError,
        "both dimension lists should have same length",
    ),
    (
        lambda: ag.tensordot(T(np.ones((2, 2))), T(np.ones((2, 4))), dims=3),
        ShapeError,
        "tensordot expects dims <= ndim",
    ),
    (
        lambda: ag.tensordot(T(np.ones((2, 2))), T(np.ones((2, 4))), dims=-1),
        ValueError,
        "dims >= 0",
    ),
    (
        lambda: ag.tensordot(T(np.ones((2, 2))), T(np.ones((2, 4))), dims=([5], [0])),
        IndexError,
        "tensordot: dim 5 is out of range",
    ),
    (
        lambda: ag.trace(T(np.ones(3))),
        ShapeError,
        "trace: expected a matrix, but got tensor with dim 1",
    ),
    (
        lambda: ag.cross(T(np.ones((2, 2))), T(np.ones((2, 2))), dim=1),
        ShapeError,
        "cross: inputs dimension 1 must have length 3. Got 2 and 2",
    ),
    (
        lambda: LA.cross(T(np.ones((2, 3))), T(np.ones(3))),
        ShapeError,
        "linalg.cross: inputs must have the same number of dimensions",
    ),
    (lambda: ag.chain_matmul(), ValueError, "chain_matmul"),
    (
        lambda: ag.chain_matmul(T(np.ones((2, 3))), T(np.ones((2, 3)))),
        ShapeError,
        r"tensors 0 and 1 with shapes \(2, 3\) and \(2, 3\) cannot be multiplied",
    ),
    (lambda: LA.multi_dot([T(np.ones(3))]), ValueError, "expected at least 2 tensors but got 1"),
    (
        lambda: LA.multi_dot([T(np.ones(3)), T(np.ones((3, 2, 2))), T(np.ones(2))]),
        ShapeError,
        "multi_dot\\(\\): tensor 1 must be 2D but got 3D",
    ),
    (
        lambda: LA.inv(T(np.ones((2, 3)))),
        ShapeError,
        "linalg.inv: A must be batches of square matrices, but they are 2 by 3 matrices",
    ),
    (
        lambda: LA.inv(T(np.ones(3))),
        ShapeError,
        "linalg.inv: the input tensor A must have at least 2",
    ),
    (
        lambda: LA.inv(T(np.ones((2, 2), np.int64))),
        TypeError,
        "linalg.inv: expected a floating point tensor as input, got dtype int64",
    ),
    (lambda: LA.det(T(np.ones((2, 2), np.float16))), TypeError, "linalg.det: dtype float16"),
    (
        lambda: LA.solve(T(np.eye(3)), T(np.ones((4, 2)))),
        ShapeError,
        r"linalg.solve: incompatible shapes of A and B for the equation AX = B "
        r"\(\(3, 3\) and \(4, 2\)\)",
    ),
    (
        lambda: LA.solve(T(np.eye(3)), T(np.ones(3)), left=False),
        ShapeError,
        "vector broadcasting of the left hand side is not supported for left=False",
    ),
    (
        lambda: LA.solve(T(np.ones((2, 3, 3))), T(np.ones((3, 3, 1)))),
        ShapeError,
        "linalg.solve: batch dimensions",
    ),
    (
        lambda: LA.solve_triangular(T(np.eye(3)), T(np.ones((2, 3))), upper=True),
        ShapeError,
        "linalg.solve_triangular: incompatible shapes",
    ),
    (lambda: LA.qr(T(np.eye(3)), mode="raw"), ValueError, "linalg.qr: received unrecognized mode"),
    (
        lambda: LA.eigh(T(np.eye(3)), UPLO="X"),
        ValueError,
        "expected UPLO argument to be 'L' or 'U'",
    ),
    (lambda: LA.eigh(T(np.ones((2, 3)))), ShapeError, "linalg.eigh: A must be batches of square"),
    (
        lambda: LA.svd(T(np.ones(3))),
        ShapeError,
        "linalg.svd: the input tensor A must have at least 2",
    ),
    (lambda: LA.matrix_norm(T(np.ones((3, 3))), ord=3), ValueError, "order 3 not supported"),
    (lambda: LA.matrix_norm(T(np.ones(3))), ShapeError, "at least 2 dimensions"),
    (lambda: LA.matrix_norm(T(np.ones((3, 3))), dim=(0, 0)), ValueError, "dims must be different"),
    (lambda: LA.matrix_norm(T(np.ones((3, 3))), dim=(0, 2)), IndexError, "dim 2 is out of range"),
    (
        lambda: LA.norm(T(np.ones((2, 3, 4))), ord=2),
        ShapeError,
        "linalg.norm: if dim is not specified but ord is, the input must be 1D or 2D. Got 3D",
    ),
    (
        lambda: LA.vector_norm(T(np.ones(3, np.int64))),
        TypeError,
        "linalg.vector_norm: expected a floating point tensor",
    ),
    (lambda: LA.vector_norm(T(np.ones(3)), "fro"), ValueError, "ord must be a number"),
    (lambda: LA.cond(T(np.eye(3)), 3), ValueError, "linalg.cond: order 3 not supported"),
    (
        lambda: LA.cond(T(np.ones((2, 3))), "fro"),
        ShapeError,
        "linalg.cond: A must be batches of square",
    ),
    (lambda: LA.pinv(T(np.eye(2)), 0.1, rtol=0.1), TypeError, "pass rcond or rtol"),
]


@pytest.mark.parametrize("call,exc,match", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors_name_the_op_and_shapes(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_backward_needs_distinct_eigenvalues_only_for_vectors():
    # repeated eigenvalues: the eigenvalues' gradient (V diag(g) V^T) is still finite
    a = ag.tensor(np.eye(3), requires_grad=True)
    LA.eigvalsh(a).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.eye(3), atol=1e-12)
    b = ag.tensor(
        np.diag([1.0, 1.0, 2.0]) @ _orth(np.random.default_rng(11), 3), requires_grad=True
    )
    LA.svdvals(b).sum().backward()
    assert np.isfinite(b.grad.numpy()).all()


# -- cuda (the fake CuPy in CI) --------------------------------------------------------------------


def _cuda(t):
    if isinstance(t, ag.Tensor):
        return t.detach().to("cuda").requires_grad_(t.requires_grad)
    return t


CUDA_SPECS = [s for s in SPECS if s.grad]


@pytest.mark.gpu
@pytest.mark.parametrize("spec", CUDA_SPECS, ids=[s.name for s in CUDA_SPECS])
def test_first_and_second_order_gradients_on_cuda(spec):
    from .op_table import make_inputs

    case = spec.cases[-1]  # the batched case where there is one
    arrays, tensors = make_inputs(spec, case)
    cuda = tuple(_cuda(t) for t in tensors)
    out = _tuple(spec.fn(*cuda))
    want = _tuple(spec.fn(*tensors))
    for o, w in zip(out, want):
        assert o.device.startswith("cuda"), o.device
        np.testing.assert_allclose(_np(o), _np(w), rtol=1e-9, atol=1e-10)
    assert ag.gradcheck(spec.fn, cuda)
    if spec.second:
        assert ag.gradgradcheck(spec.fn, cuda)


@pytest.mark.gpu
def test_cuda_singular_and_results():
    a = ag.tensor(np.array([[1.0, 2.0], [2.0, 4.0]]), device="cuda")
    with pytest.raises(LA.LinAlgError, match=r"linalg\.inv"):
        LA.inv(a)
    with pytest.raises(LA.LinAlgError, match=r"linalg\.cholesky"):
        LA.cholesky(-a)
    sign, logabs = LA.slogdet(a)
    assert sign.device.startswith("cuda") and sign.item() == 0.0 and logabs.item() == -INF
    r = LA.matrix_rank(a)
    assert r.device.startswith("cuda") and r.item() == 1
    q, r = LA.qr(ag.tensor(np.eye(3), device="cuda"), mode="r")
    assert q.device.startswith("cuda") and q.shape == (0,)


def test_every_public_name_has_a_docstring():
    import inspect

    from autograd.ops import decomp, linalg, linalg_norms

    for name in LA.__all__ + linalg.__all__ + decomp.__all__ + linalg_norms.__all__:
        obj = getattr(LA, name, None) or getattr(ag, name)
        assert (obj.__doc__ or "").strip(), name
    for cls in inspect.getmro(ag.Tensor):
        if cls.__name__ == "LinalgMethods":
            methods = [n for n in vars(cls) if not n.startswith("_")]
            assert len(methods) >= 22
            for n in methods:
                assert (getattr(cls, n).__doc__ or "").startswith("See ``autograd."), n


# -- review fixes: degenerate spectra under create_graph, unused outputs, det's second order ------


def _grad2(f, a):
    """(first-order gradient with create_graph, then the gradient of its weighted sum)."""
    x = ag.tensor(a, requires_grad=True)
    (g,) = ag.grad(f(x), x, create_graph=True)
    w = np.random.default_rng(5).standard_normal(a.shape)
    (h,) = ag.grad((g * ag.tensor(w)).sum(), x)
    return g.detach().numpy(), h.numpy()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the NaN second order at the tie
@pytest.mark.parametrize(
    "name", ["matrix_norm_2", "eigvalsh_sq", "svdvals_sq", "nuc_sq_tall", "cond"]
)
def test_values_only_functions_at_tied_spectra_differentiate_under_create_graph_like_torch(name):
    # the gradient built with create_graph is finite (it was NaN); differentiating it again
    # at a tie is NaN in torch too (the vectors are not differentiable there)
    torch = pytest.importorskip("torch")
    fns = {
        "matrix_norm_2": (np.eye(3), lambda L, x: L.linalg.matrix_norm(x, 2)),
        "eigvalsh_sq": (np.eye(3), lambda L, x: (L.linalg.eigvalsh(x) ** 2).sum()),
        "svdvals_sq": (np.eye(3), lambda L, x: (L.linalg.svdvals(x) ** 2).sum()),
        "nuc_sq_tall": (
            np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]]),
            lambda L, x: L.linalg.matrix_norm(x, "nuc") ** 2,
        ),
        "cond": (2 * np.eye(3), lambda L, x: L.linalg.cond(x)),
    }
    a, f = fns[name]
    g, h = _grad2(lambda x: f(ag, x), a)
    t = torch.tensor(a, requires_grad=True)
    (tg,) = torch.autograd.grad(f(torch, t), t, create_graph=True)
    w = np.random.default_rng(5).standard_normal(a.shape)
    (th,) = torch.autograd.grad((tg * torch.tensor(w)).sum(), t, allow_unused=True)
    assert np.isfinite(g).all()
    np.testing.assert_allclose(g, tg.detach().numpy(), atol=1e-12)
    if th is not None:
        np.testing.assert_allclose(h, th.numpy(), atol=1e-10)  # NaN where torch's is


@pytest.mark.parametrize(
    "a,which",
    [([[1.0, 0.5], [0.0, 0.0], [0.0, 0.0]], "Vh"), ([[1.0, 0.0, 0.0], [0.5, 0.0, 0.0]], "U")],
)
def test_svd_unused_vectors_next_to_a_zero_singular_value_give_torchs_gradient(a, which):
    torch = pytest.importorskip("torch")
    a = np.array(a)

    def loss(L, x, tensor):
        U, S, Vh = L.linalg.svd(x, full_matrices=False)
        v = Vh[0] if which == "Vh" else U[:, 0]
        return ((v**2) * tensor([1.0, 2.0], dtype=v.dtype)).sum()

    x = ag.tensor(a, requires_grad=True)
    loss(ag, x, ag.tensor).backward()
    t = torch.tensor(a, requires_grad=True)
    loss(torch, t, torch.tensor).backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=1e-12)


def test_det_second_order_of_a_nearly_singular_matrix_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 2)) @ rng.standard_normal((2, 3))  # det ~ 1e-17, not 0
    _, h = _grad2(lambda x: ag.linalg.det(x), a)
    t = torch.tensor(a, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.linalg.det(t), t, create_graph=True)
    w = np.random.default_rng(5).standard_normal(a.shape)
    (th,) = torch.autograd.grad((tg * torch.tensor(w)).sum(), t)
    np.testing.assert_allclose(h, th.numpy(), atol=1e-12)
