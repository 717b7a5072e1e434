"""``ag.linalg`` at singular, rank-deficient, empty and non-finite inputs, against torch.

Where torch returns inf / NaN (a singular triangular or LU solve, the ``_ex`` variants, the
backward of slogdet at a singular matrix) tapegrad returns the same values, NaN and inf in the
same places, forward and backward, rather than raising; where torch raises, tapegrad raises the
same kind of error (naming the op). Empty matrices and batches of none give torch's shapes and
values. Gradients at regular points of the rules these fixes touched are checked by gradcheck
and gradgradcheck in float64.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag

LA = ag.linalg


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _np(v):
    return v.detach().cpu().numpy() if hasattr(v, "detach") else np.asarray(v)


def _tuple(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,)


def _same(ours, theirs, rtol=1e-7, atol=1e-9):
    """Equal shapes, NaN in the same places, +-inf in the same places, the rest close."""
    a, t = _np(ours), _np(theirs)
    assert a.shape == t.shape, (a.shape, t.shape)
    if a.dtype.kind in "iub":
        np.testing.assert_array_equal(a, t)
        return
    np.testing.assert_array_equal(np.isnan(a), np.isnan(t))
    np.testing.assert_array_equal(np.isposinf(a), np.isposinf(t))
    np.testing.assert_array_equal(np.isneginf(a), np.isneginf(t))
    fin = np.isfinite(t)
    np.testing.assert_allclose(a[fin], t[fin], rtol=rtol, atol=atol)


def _run(lib, fn, arrays, cots, grad):
    """fn's float outputs, then (grad) the gradients of sum(out * cot) for each input."""
    xs = [lib.tensor(a, requires_grad=grad) for a in arrays]
    outs = _tuple(fn(lib, *xs))
    if not grad:
        return list(outs)
    floats = [o for o in outs if np.dtype(str(o.dtype).replace("torch.", "")).kind in "fc"]
    loss = sum((o * lib.tensor(c)).sum() for o, c in zip(floats, cots))
    loss.backward()
    return list(outs) + [x.grad for x in xs]


def _vs_torch(torch, fn, *arrays, grad=True, seed=0):
    """fn(lib, *tensors) run on torch and on tapegrad: every output and input gradient equal."""
    probe = _tuple(fn(torch, *[torch.tensor(a) for a in arrays]))
    rng = np.random.default_rng(seed)
    cots = [rng.standard_normal(tuple(o.shape)) for o in probe if o.is_floating_point()]
    theirs = _run(torch, fn, arrays, cots, grad)
    ours = _run(ag, fn, arrays, cots, grad)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        _same(o, t)


def _singular_ints(rng, n, kind):
    """An exactly singular n x n matrix of small integers (a zero row or column, a repeated
    column, or a zero on the diagonal of an upper triangle)."""
    a = rng.integers(-2, 3, size=(n, n)).astype(float)
    j = int(rng.integers(n))
    if kind == "row":
        a[j] = 0
    elif kind == "col":
        a[:, j] = 0
    elif kind == "repeat":
        a[:, j] = a[:, (j + 1) % n]
    else:
        a = np.triu(a)
        a[j, j] = 0
    return a


KINDS = ["row", "col", "repeat", "tri"]


# -- dtype checks ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", ["solve", "solve_ex"])
@pytest.mark.parametrize(
    "da,db",
    [(np.complex128, np.float64), (np.float64, np.complex128), (np.float32, np.float64),
     (np.float64, np.float32)],
)  # fmt: skip
def test_solve_refuses_mixed_dtypes_as_torch(torch, fn, da, db):
    a = (np.eye(3) * 2 + 1).astype(da)
    b = np.ones((3, 2)).astype(db)
    with pytest.raises(RuntimeError, match="same dtype"):
        getattr(torch.linalg, fn)(torch.tensor(a), torch.tensor(b))
    with pytest.raises(TypeError, match=rf"linalg\.{fn}: .*same dtype.*{np.dtype(da)}.*"):
        getattr(LA, fn)(ag.tensor(a), ag.tensor(b))


# -- triangular solves ---------------------------------------------------------------------------


def test_solve_triangular_singular_known_values():
    t = np.array([[1.0, 2, 3], [0, 0, 4], [0, 0, 5]])
    b = np.array([[1.0, 2], [3, 4], [5, 6]])
    x = LA.solve_triangular(ag.tensor(t), ag.tensor(b), upper=True)
    # back substitution: x2 = b2 / 5, x1 = (b1 - 4 x2) / 0 = -inf, x0 = b0 - 2 x1 - 3 x2 = inf
    _same(x, [[np.inf, np.inf], [-np.inf, -np.inf], [1.0, 1.2]])
    x = LA.solve_triangular(ag.tensor(t.T), ag.tensor(b), upper=False)
    _same(x, [[1.0, 2.0], [np.inf, np.nan], [-np.inf, np.nan]])  # 0 / 0 is NaN


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [False, True])
def test_solve_triangular_singular_matches_torch(torch, upper, left, unit):
    rng = np.random.default_rng(3)
    for trial in range(12):
        n = 1 + trial % 4
        a = rng.integers(-2, 3, size=(2, n, n)).astype(float)
        a[..., rng.integers(n), rng.integers(n)] = 0
        b = rng.integers(-2, 3, size=(2,) + ((n, 2) if left else (2, n))).astype(float)
        if trial % 3 == 0:
            b[0, 0, 0] = np.nan

        def f(lib, a, b):
            return lib.linalg.solve_triangular(a, b, upper=upper, left=left, unitriangular=unit)

        _vs_torch(torch, f, a, b, seed=trial)


# -- the LU family -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_lu_family_singular_matches_torch(torch, kind):
    rng = np.random.default_rng(4)
    for n in (2, 3, 4):
        a = _singular_ints(rng, n, kind)
        b = rng.standard_normal((n, 2))
        _vs_torch(torch, lambda lib, a: lib.linalg.lu_factor_ex(a), a)
        _vs_torch(torch, lambda lib, a: lib.linalg.lu(a), a)
        for left in (True, False):
            for adjoint in (False, True):

                def f(lib, a, b, left=left, adjoint=adjoint):
                    lu, piv, _ = lib.linalg.lu_factor_ex(a)
                    b = b if left else b.mT
                    return lib.linalg.lu_solve(lu, piv, b, left=left, adjoint=adjoint)

                _vs_torch(torch, f, a, b)


def test_lu_solve_singular_gives_inf_not_an_error():
    lu = ag.tensor(np.array([[2.0, 1.0], [0.5, 0.0]]))  # U[1, 1] = 0
    piv = ag.tensor(np.array([1, 2], dtype=np.int32))
    x = LA.lu_solve(lu, piv, ag.tensor(np.array([[1.0], [1.0]])))
    _same(x, [[-np.inf], [np.inf]])


def test_lu_factor_raises_at_a_zero_pivot_as_torch(torch):
    a = np.array([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]])
    with pytest.raises(RuntimeError, match=r"U\[3,3\] is zero"):
        torch.linalg.lu_factor(torch.tensor(a))
    with pytest.raises(LA.LinAlgError, match=r"linalg\.lu_factor: U\[3,3\] is zero"):
        LA.lu_factor(ag.tensor(a))
    info = LA.lu_factor_ex(ag.tensor(np.stack([np.eye(3), a]))).info
    np.testing.assert_array_equal(_np(info), [0, 3])


def test_lu_of_non_finite_input_keeps_l_unit_and_u_upper(torch):
    for bad in (np.nan, np.inf):
        a = np.array([[1.0, 2, 3], [4, bad, 6], [7, 8, 10]])
        _vs_torch(torch, lambda lib, a: lib.linalg.lu(a), a, grad=False)


# -- inverses and general solves -----------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_inv_ex_and_solve_ex_singular_match_torch(torch, kind):
    rng = np.random.default_rng(5)
    for n in (2, 3, 4):
        a = _singular_ints(rng, n, kind)
        b = rng.standard_normal((n, 2))
        _vs_torch(torch, lambda lib, a: lib.linalg.inv_ex(a), a)
        _vs_torch(torch, lambda lib, a, b: lib.linalg.solve_ex(a, b), a, b)
        _vs_torch(torch, lambda lib, a, b: lib.linalg.solve_ex(a, b.mT, left=False), a, b)


def test_inv_and_solve_of_nan_input_match_torch(torch):
    a = np.array([[1.0, 2, 3], [4, np.nan, 6], [7, 8, 10]])
    _vs_torch(torch, lambda lib, a: lib.linalg.inv(a), a, grad=False)
    _vs_torch(torch, lambda lib, a, b: lib.linalg.solve(a, b), a, np.ones((3, 2)), grad=False)


def test_inv_and_solve_singular_errors_name_the_pivot_as_torch():
    a = np.stack([np.eye(3), np.array([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]])])
    with pytest.raises(LA.LinAlgError, match=r"linalg\.inv: \(Batch element 1\): The diagonal "
                       "element 3 is zero"):  # fmt: skip
        LA.inv(ag.tensor(a))
    with pytest.raises(LA.LinAlgError, match=r"linalg\.solve: \(Batch element 1\): The solver "):
        LA.solve(ag.tensor(a), ag.tensor(np.ones((2, 3, 1))))
    with pytest.raises(LA.LinAlgError, match=r"linalg\.inv: The diagonal element 3"):
        LA.matrix_power(ag.tensor(a[1]), -2)


def test_solve_ex_and_inv_gradients_at_regular_points():
    rng = np.random.default_rng(6)
    a = ag.tensor(rng.standard_normal((2, 3, 3)) + 3 * np.eye(3), requires_grad=True)
    b = ag.tensor(rng.standard_normal((2, 3, 2)), requires_grad=True)
    for f in (lambda a, b: LA.solve_ex(a, b).result, lambda a, b: LA.solve(a, b.mT, left=False)):
        assert ag.gradcheck(f, (a, b))
    assert ag.gradgradcheck(lambda a, b: LA.solve_ex(a, b).result, (a, b))
    assert ag.gradgradcheck(lambda a: LA.inv_ex(a).inverse, (a,))


# -- determinants ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_slogdet_and_logdet_backward_at_singular_match_torch(torch, kind):
    rng = np.random.default_rng(7)
    for n in (2, 3, 4):
        a = _singular_ints(rng, n, kind)
        _vs_torch(torch, lambda lib, a: lib.linalg.slogdet(a), a)
        _vs_torch(torch, lambda lib, a: lib.logdet(a), a)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_det_and_slogdet_of_non_finite_input_match_torch(torch, bad):
    """torch's values and gradients (from its LU of A^T) where NumPy's differ (its det of a
    NaN matrix is 0), and no error from the SVD the singular path would take."""
    rng = np.random.default_rng(13)
    for trial in range(8):
        n = 2 + trial % 3
        a = rng.integers(-2, 3, size=(n, n)).astype(float) + 3 * np.eye(n)
        a.flat[rng.integers(n * n)] = bad
        _vs_torch(torch, lambda lib, a: lib.linalg.det(a), a, seed=trial)
        _vs_torch(torch, lambda lib, a: lib.linalg.slogdet(a), a, seed=trial)


def test_det_gradient_at_singular_is_the_cofactor_matrix(torch):
    """torch's first-order det backward returns 0 where det(A) == 0 exactly (it scales its
    solve by det); its create_graph path and the derivative of the polynomial det are the
    cofactor matrix, which tapegrad returns (finite, gradcheck passes)."""
    for a in (np.array([[1.0, 2, 3], [0, 0, 0], [4, 5, 7]]),
              np.array([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]])):  # fmt: skip
        t = torch.tensor(a, requires_grad=True)
        (want,) = torch.autograd.grad(torch.linalg.det(t), t, create_graph=True)
        x = ag.tensor(a, requires_grad=True)
        LA.det(x).backward()
        _same(x.grad, want, atol=1e-12)
        assert ag.gradcheck(LA.det, (ag.tensor(a, requires_grad=True),))


def test_slogdet_of_nan_input_has_sign_zero(torch):
    a = np.array([[1.0, 2, 3], [4, np.nan, 6], [7, 8, 10]])
    sign, logabs = LA.slogdet(ag.tensor(a))
    tsign, tlog = torch.linalg.slogdet(torch.tensor(a))
    assert _np(sign) == 0 and _np(tsign) == 0
    assert np.isnan(_np(logabs)) and np.isnan(_np(tlog))


def test_slogdet_gradients_at_regular_points():
    rng = np.random.default_rng(8)
    a = ag.tensor(rng.standard_normal((2, 3, 3)) + 3 * np.eye(3), requires_grad=True)
    assert ag.gradcheck(lambda a: LA.slogdet(a).logabsdet, (a,))
    assert ag.gradgradcheck(lambda a: LA.slogdet(a).logabsdet, (a,))
    c = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3)) + 3 * np.eye(3)
    c = ag.tensor(c, requires_grad=True)
    assert ag.gradcheck(lambda c: ag.real(LA.slogdet(c).sign) + LA.slogdet(c).logabsdet, (c,))


# -- Cholesky and eigh -----------------------------------------------------------------------------


def test_cholesky_of_nan_raises_naming_the_minor_as_torch(torch):
    a = np.array([[1.0, 2, 3], [4, np.nan, 6], [7, 8, 10]])
    with pytest.raises(RuntimeError, match="order 2 is not positive-definite"):
        torch.linalg.cholesky(torch.tensor(a))
    with pytest.raises(LA.LinAlgError, match=r"linalg\.cholesky: .*order 2 is not positive"):
        LA.cholesky(ag.tensor(a))
    spd = np.array([[4.0, 1], [1, 3]])
    with pytest.raises(LA.LinAlgError, match=r"\(Batch element 1\): .*order 2"):
        LA.cholesky(ag.tensor(np.stack([spd, np.ones((2, 2))])))


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_ex_backward_where_it_fails_matches_torch(torch, upper):
    rng = np.random.default_rng(9)
    for kind in KINDS:
        a = _singular_ints(rng, 3, kind)
        _vs_torch(torch, lambda lib, a: lib.linalg.cholesky_ex(a, upper=upper), a)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_gradients_at_regular_points(upper):
    rng = np.random.default_rng(10)
    m = rng.standard_normal((2, 3, 3))
    a = ag.tensor(m @ m.swapaxes(-1, -2) + 3 * np.eye(3), requires_grad=True)

    def f(a):  # symmetric input: cholesky reads one triangle
        return LA.cholesky((a + a.mT) / 2, upper=upper)

    assert ag.gradcheck(f, (a,))
    assert ag.gradgradcheck(f, (a,))


@pytest.mark.parametrize("bad", [np.inf, np.nan])
def test_eigh_family_of_non_finite_input_as_torch(torch, bad):
    """torch raises for a NaN entry, and for an inf one where only eigenvalues are computed
    (eigvalsh, matrix_rank); with eigenvectors (eigh, pinv) an inf gives NaN eigenvalues."""
    a = np.array([[1.0, 2, 3], [2, bad, 6], [3, 6, 10]])
    with pytest.raises(RuntimeError, match="failed to converge"):
        torch.linalg.eigvalsh(torch.tensor(a))
    for call, op in [(lambda x: LA.eigvalsh(x), "(eigh|eigvalsh)"),
                     (lambda x: LA.matrix_rank(x, hermitian=True), "matrix_rank")]:  # fmt: skip
        with pytest.raises(LA.LinAlgError, match=rf"linalg\.{op}: The algorithm failed"):
            call(ag.tensor(a))
    for fn in (lambda lib, x: lib.linalg.eigh(x).eigenvalues,
               lambda lib, x: lib.linalg.pinv(x, hermitian=True)):  # fmt: skip
        try:
            want = fn(torch, torch.tensor(a))
        except RuntimeError:
            with pytest.raises(LA.LinAlgError, match="The algorithm failed"):
                fn(ag, ag.tensor(a))
        else:
            _same(fn(ag, ag.tensor(a)), want)


# -- norms, cond ---------------------------------------------------------------------------------

EMPTY = [(0, 0), (0, 3), (3, 0), (2, 0, 0), (2, 0, 3), (0, 3, 3)]


@pytest.mark.parametrize("shape", EMPTY)
def test_norms_and_cond_of_empty_match_torch(torch, shape):
    a = np.zeros(shape)

    def both(fn):
        try:
            want = fn(torch, torch.tensor(a))
        except (RuntimeError, IndexError, ValueError) as e:
            with pytest.raises(type(e) if type(e) is not RuntimeError else RuntimeError):
                fn(ag, ag.tensor(a))
            return
        _same(fn(ag, ag.tensor(a)), want)

    for p in ["fro", "nuc", 2, -2, math.inf, -math.inf, 1, -1]:
        both(lambda lib, x, p=p: lib.linalg.matrix_norm(x, p))
    for p in [None, 2, -2, "fro", "nuc", math.inf, -math.inf, 1, -1]:
        both(lambda lib, x, p=p: lib.linalg.cond(x, p))
    for p in [2, 0, 1, 0.5, -1, -0.5, math.inf, -math.inf]:
        for dim in [None, -1, 0, (0, 1)]:
            both(lambda lib, x, p=p, d=dim: lib.linalg.vector_norm(x, p, d))
    both(lambda lib, x: lib.linalg.pinv(x, hermitian=True))
    both(lambda lib, x: lib.linalg.matrix_rank(x, hermitian=True))


def test_vector_norm_empty_error_names_the_op():
    with pytest.raises(RuntimeError, match=r"linalg\.vector_norm: cannot compute the -1 norm on "
                       "an empty tensor"):  # fmt: skip
        LA.vector_norm(ag.tensor(np.zeros((0, 3))), -1)
    with pytest.raises(RuntimeError, match="on the dimension 0 because this dimension is empty"):
        LA.vector_norm(ag.tensor(np.zeros((0, 3))), math.inf, dim=0)
    _same(LA.vector_norm(ag.tensor(np.zeros((0, 3))), -1, dim=1), np.zeros((0,)))


@pytest.mark.parametrize("p", ["fro", "nuc", math.inf, -math.inf, 1, -1, 2, None])
def test_cond_singular_and_nan_match_torch(torch, p):
    for a in (np.array([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]]), np.zeros((3, 3)),
              np.array([[1.0, 2, 3], [4, np.nan, 6], [7, 8, 10]])):  # fmt: skip
        try:
            want = torch.linalg.cond(torch.tensor(a), p)
        except RuntimeError:  # torch's SVD refuses NaN
            with pytest.raises(LA.LinAlgError):
                LA.cond(ag.tensor(a), p)
            continue
        got = LA.cond(ag.tensor(a), p)
        if np.isfinite(_np(want)) and abs(float(_np(want))) > 1e15:  # rounding-level pivots
            assert float(_np(got)) > 1e15
        else:
            _same(got, want)


def test_cond_gradient_at_regular_points():
    a = ag.tensor(np.array([[2.0, 1, 0], [1, 3, 1], [0, 1, 4]]), requires_grad=True)
    for p in ["fro", "nuc", 1, math.inf, None]:
        assert ag.gradcheck(lambda a, p=p: LA.cond(a, p), (a,))


# -- products -------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [np.inf, np.nan])
def test_multi_dot_associates_as_torch(torch, bad):
    """Three matrices go (A B) C unless A (B C) is strictly cheaper (torch's rule; a tie here),
    so an inf meets the same zeros; longer chains split as torch's dynamic programming."""
    a = np.array([[1.0, bad], [0, 1]])
    b, c = np.array([[0.0, 1], [1, 0]]), np.array([[2.0, 0], [0, 0]])
    _vs_torch(torch, lambda lib, a, b, c: lib.linalg.multi_dot([a, b, c]), a, b, c)
    rng = np.random.default_rng(12)
    shapes = [(2, 5), (5, 1), (1, 4), (4, 3)]
    mats = [rng.standard_normal(s) for s in shapes]
    mats[2][0, 1] = bad
    _vs_torch(torch, lambda lib, *m: lib.linalg.multi_dot(list(m)), *mats)


# -- empty inputs through the rest -----------------------------------------------------------------


@pytest.mark.parametrize(
    "sa,sb",
    [((0, 0), (0, 2)), ((0, 0), (0, 0)), ((0, 3, 3), (0, 3, 2)), ((2, 0, 0), (2, 0, 1)),
     ((3, 3), (3, 0)), ((0, 3, 3), (3, 2)), ((3, 3), (0, 3, 2))],
)  # fmt: skip
def test_solves_of_empty_match_torch(torch, sa, sb):
    a, b = np.zeros(sa) + np.eye(sa[-1]), np.zeros(sb)
    calls = [
        lambda lib, a, b: lib.linalg.solve(a, b),
        lambda lib, a, b: lib.linalg.solve_ex(a, b),
        lambda lib, a, b: lib.linalg.solve_triangular(a, b, upper=True),
        lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b),
        lambda lib, a, b: lib.linalg.lstsq(a, b).solution,
    ]
    for f in calls:
        try:  # torch refuses some broadcasts of empty batches tapegrad accepts
            f(torch, torch.tensor(a), torch.tensor(b))
        except RuntimeError:
            continue
        _vs_torch(torch, f, a, b)


@pytest.mark.parametrize("shape", EMPTY + [(2, 3, 0)])
def test_decompositions_of_empty_match_torch(torch, shape):
    a = np.zeros(shape)
    calls = [
        lambda lib, a: lib.linalg.svdvals(a),
        lambda lib, a: lib.linalg.pinv(a),
        lambda lib, a: lib.linalg.matrix_rank(a),
        lambda lib, a: lib.linalg.lu(a),
        lambda lib, a: lib.linalg.lu_factor_ex(a),
        lambda lib, a: lib.linalg.qr(a, mode="r").R,
    ]
    if shape[-1] == shape[-2]:
        calls += [
            lambda lib, a: lib.linalg.inv_ex(a),
            lambda lib, a: lib.linalg.det(a),
            lambda lib, a: lib.linalg.slogdet(a),
            lambda lib, a: lib.linalg.cholesky_ex(a),
            lambda lib, a: lib.linalg.eigvalsh(a),
            lambda lib, a: lib.linalg.matrix_power(a, -2),
        ]
    for f in calls:
        _vs_torch(torch, f, a, grad=False)


# -- cuda (the fake CuPy in CI) --------------------------------------------------------------------


@pytest.mark.gpu
def test_singular_fallbacks_on_cuda_match_the_cpu():
    """The substitution fallbacks run on the input's array module: same values on cuda."""
    rng = np.random.default_rng(11)
    a = _singular_ints(rng, 3, "tri")
    s = _singular_ints(rng, 3, "repeat")
    b = rng.standard_normal((3, 2))
    calls = [
        lambda a, b: LA.solve_triangular(a, b, upper=True),
        lambda a, b: LA.lu_solve(*LA.lu_factor_ex(a)[:2], b),
        lambda a, b: LA.solve_ex(a, b).result,
        lambda a, b: LA.inv_ex(a).inverse,
        lambda a, b: LA.slogdet(a).logabsdet,
        lambda a, b: LA.cholesky_ex(a).L,
    ]
    for f in calls:
        for m in (a, s):
            got, want = [], []
            for dev, out in (("cuda", got), ("cpu", want)):
                x = ag.tensor(m, requires_grad=True, device=dev)
                y = ag.tensor(b, requires_grad=True, device=dev)
                r = f(x, y)
                r.backward(ag.tensor(np.ones(r.shape), device=dev))
                out += [r, x.grad] + ([y.grad] if y.grad is not None else [])
            for g, w in zip(got, want):
                _same(g, w)
    with pytest.raises(LA.LinAlgError, match=r"linalg\.cholesky: .*order 2"):
        LA.cholesky(ag.tensor(np.array([[1.0, 2], [2, 1]]), device="cuda"))
    with pytest.raises(LA.LinAlgError, match=r"linalg\.(eigh|eigvalsh): The algorithm failed"):
        LA.eigvalsh(ag.tensor(np.array([[1.0, np.inf], [np.inf, 1]]), device="cuda"))
