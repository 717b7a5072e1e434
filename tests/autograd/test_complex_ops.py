"""Complex tensors through einsum and the products, prod / cumprod, addcmul / addcdiv, var / std,
the norms, the decompositions and the factories.

Each enabled op: forward against NumPy (complex128 and complex64, dtype kept), gradcheck and
gradgradcheck on complex128 inputs (mixed real / complex where the op allows), and the
gradients of a real loss against PyTorch's. Ops PyTorch refuses for complex stay refused.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag

LA = ag.linalg
C128, C64 = np.complex128, np.complex64
# torch's own deprecation notes (chain_matmul) are not this library's concern
pytestmark = pytest.mark.filterwarnings("ignore:torch\\.\\w+ is deprecated:UserWarning")


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _c(*shape, seed=0, dtype=C128):
    """A random complex array, both parts standard normal."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def _r(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _herm_pd(n, seed=0):
    """A Hermitian positive-definite complex matrix."""
    x = _c(n, n, seed=seed)
    return x @ x.conj().T + n * np.eye(n)


def _tuple(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,)


def _np(v):
    if hasattr(v, "resolve_conj"):  # torch
        return v.detach().resolve_conj().numpy()
    return v.detach().numpy() if hasattr(v, "detach") else np.asarray(v)


def _check(fn, *arrays, second=True):
    """gradcheck (and gradgradcheck) of fn at Tensors of ``arrays`` (all require grad)."""
    xs = [ag.tensor(a, requires_grad=True) for a in arrays]
    assert ag.gradcheck(fn, xs)
    if second:
        assert ag.gradgradcheck(fn, xs)


def _pair(o, w):
    """sum(re(o) re(w) + im(o) im(w)) (a real loss), for our Tensors and torch's alike."""
    if np.iscomplexobj(w):
        return (o.real * w.real).sum() + (o.imag * w.imag).sum()
    return (o * w).sum()


def _vs_torch(torch, ours, theirs, *arrays, rtol=1e-10, atol=1e-10, seed=7):
    """Outputs (values and dtypes) and the gradients of a random real loss of them, ours vs
    torch's. ``theirs`` gets torch tensors of ``arrays`` (it casts mixed dtypes itself)."""
    xs = [ag.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    outs, touts = _tuple(ours(*xs)), _tuple(theirs(*ts))
    assert len(outs) == len(touts)
    rng = np.random.default_rng(seed)
    loss = tloss = 0
    for o, t in zip(outs, touts):
        assert o.shape == tuple(t.shape)
        assert str(o.dtype) == str(t.dtype).replace("torch.", ""), (o.dtype, t.dtype)
        np.testing.assert_allclose(_np(o), _np(t), rtol=1e-9, atol=1e-10)
        w = rng.standard_normal(o.shape)
        if np.iscomplexobj(_np(o)):
            w = w + 1j * rng.standard_normal(o.shape)
            tw = torch.tensor(w)
            loss = loss + _pair(o, w)
            tloss = tloss + (t.real * tw.real).sum() + (t.imag * tw.imag).sum()
        else:
            loss = loss + _pair(o, w)
            tloss = tloss + (t * torch.tensor(w)).sum()
    loss.backward()
    tloss.backward()
    for x, t in zip(xs, ts):
        assert x.grad is not None and x.grad.dtype == x.dtype
        tg = np.zeros(x.shape) if t.grad is None else _np(t.grad)  # torch: None for zero
        np.testing.assert_allclose(x.grad.numpy(), tg, rtol=rtol, atol=atol)


def _cd(torch, t):
    """A torch tensor as complex128 (a real input of a mixed op: its gradient is the real part)."""
    return t.to(torch.complex128)


# -- einsum and the products ----------------------------------------------------------------------

EINSUMS = [
    ("ij,jk->ik", [(2, 3), (3, 2)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("i,i->", [(3,), (3,)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("ij->", [(2, 3)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("ij,jk,kl->il", [(2, 2), (2, 3), (3, 2)]),
    ("...ij,...jk", [(2, 2, 3), (3, 2)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUMS, ids=[e for e, _ in EINSUMS])
def test_einsum_forward_and_grads(eq, shapes):
    for dt in (C128, C64):
        arrs = [_c(*s, seed=i, dtype=dt) for i, s in enumerate(shapes)]
        out = ag.einsum(eq, *[ag.tensor(a) for a in arrs])
        assert out.dtype == dt
        np.testing.assert_allclose(out.numpy(), np.einsum(eq, *arrs), rtol=1e-5)
    arrs = [_c(*s, seed=i) for i, s in enumerate(shapes)]
    _check(lambda *xs: ag.einsum(eq, *xs), *arrs)


def test_einsum_mixed_real_complex():
    a, b = _r(2, 3), _c(3, 2, seed=1)
    out = ag.einsum("ij,jk->ik", ag.tensor(a), ag.tensor(b))
    assert out.dtype == C128
    np.testing.assert_allclose(out.numpy(), a @ b)
    _check(lambda x, y: ag.einsum("ij,jk->ik", x, y), a, b)


def test_einsum_vs_torch(torch):
    a, b, c = _c(2, 3), _c(3, 3, seed=1), _r(3, 2, seed=2)
    _vs_torch(
        torch,
        lambda x, y, z: ag.einsum("ij,jk,kl->il", x, y, z),
        lambda x, y, z: torch.einsum("ij,jk,kl->il", x, y, _cd(torch, z)),
        a, b, c,
    )  # fmt: skip
    _vs_torch(torch, lambda y: ag.einsum("ii->i", y), lambda y: torch.einsum("ii->i", y), b)


PRODUCTS = [
    ("mm", lambda m: m.mm, [(2, 3), (3, 2)]),
    ("bmm", lambda m: m.bmm, [(2, 2, 3), (2, 3, 2)]),
    ("mv", lambda m: m.mv, [(2, 3), (3,)]),
    ("dot", lambda m: m.dot, [(3,), (3,)]),
    ("vdot", lambda m: m.vdot, [(3,), (3,)]),
    ("inner", lambda m: m.inner, [(2, 3), (3,)]),
    ("outer", lambda m: m.outer, [(2,), (3,)]),
    ("kron", lambda m: m.kron, [(2, 2), (2, 1)]),
    ("tensordot", lambda m: lambda a, b: m.tensordot(a, b, dims=([1], [0])), [(2, 3), (3, 2)]),
    ("trace", lambda m: m.trace, [(3, 3)]),
    (
        "addmm",
        lambda m: lambda a, b, c: m.addmm(a, b, c, beta=0.5, alpha=2 - 1j),
        [(2, 2), (2, 3), (3, 2)],
    ),
    ("addmv", lambda m: m.addmv, [(2,), (2, 3), (3,)]),
    ("baddbmm", lambda m: m.baddbmm, [(2, 2, 2), (2, 2, 3), (2, 3, 2)]),
    ("addbmm", lambda m: m.addbmm, [(2, 2), (2, 2, 3), (2, 3, 2)]),
    ("matrix_power3", lambda m: lambda a: m.linalg.matrix_power(a, 3), [(3, 3)]),
    ("matrix_power-2", lambda m: lambda a: m.linalg.matrix_power(a, -2), [(3, 3)]),
    ("matrix_power0", lambda m: lambda a: m.linalg.matrix_power(a, 0), [(2, 2)]),
    ("multi_dot", lambda m: lambda a, b, c: m.linalg.multi_dot([a, b, c]), [(3,), (3, 2), (2,)]),
    ("chain_matmul", lambda m: m.chain_matmul, [(2, 3), (3, 2), (2, 2)]),
    ("cross", lambda m: lambda a, b: m.cross(a, b, dim=1), [(2, 3), (2, 3)]),
    ("linalg.cross", lambda m: m.linalg.cross, [(2, 3), (1, 3)]),
    ("vecdot", lambda m: m.linalg.vecdot, [(2, 3), (2, 3)]),
    ("matmul", lambda m: m.matmul, [(2, 3), (3,)]),
]

NP_PRODUCTS = {
    "vdot": lambda a, b: np.vdot(a, b),
    "vecdot": lambda a, b: (a.conj() * b).sum(-1),
    "inner": np.inner,
    "trace": np.trace,
    "kron": np.kron,
    "outer": np.outer,
    "dot": np.dot,
    "mm": np.matmul,
}


@pytest.mark.parametrize("name,get,shapes", PRODUCTS, ids=[p[0] for p in PRODUCTS])
def test_products(torch, name, get, shapes):
    arrs = [_c(*s, seed=i) for i, s in enumerate(shapes)]
    for dt in (C128, C64):
        out = get(ag)(*[ag.tensor(a.astype(dt)) for a in arrs])
        assert out.dtype == dt
    if name in NP_PRODUCTS:
        out = get(ag)(*[ag.tensor(a) for a in arrs])
        np.testing.assert_allclose(out.numpy(), NP_PRODUCTS[name](*arrs), rtol=1e-12)
    _check(get(ag), *arrs, second=name not in ("addbmm", "baddbmm", "chain_matmul"))
    _vs_torch(torch, get(ag), get(torch), *arrs)


def test_vdot_conjugates_first_and_mixed():
    a, b = _c(3), _c(3, seed=1)
    np.testing.assert_allclose(ag.vdot(ag.tensor(a), ag.tensor(b)).numpy(), np.vdot(a, b))
    np.testing.assert_allclose(ag.vdot(ag.tensor(b), ag.tensor(a)).numpy(), np.vdot(b, a))
    r = _r(3, seed=2)
    np.testing.assert_allclose(ag.vdot(ag.tensor(r), ag.tensor(b)).numpy(), r @ b)
    _check(ag.vdot, r, b)
    _check(lambda x, y: ag.mm(x, y), _r(2, 3), _c(3, 2))


# -- prod, cumprod, addcmul, addcdiv --------------------------------------------------------------


def _with_zeros(n_zero, seed=0):
    a = _c(2, 3, seed=seed)
    a.flat[[1, 4][:n_zero]] = 0
    return a


@pytest.mark.parametrize("n_zero", [0, 1, 2])
@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)])
def test_prod(n_zero, dim):
    a = _with_zeros(n_zero)
    for dt in (C128, C64):
        out = ag.prod(ag.tensor(a.astype(dt)), dim=dim)
        assert out.dtype == dt
        np.testing.assert_allclose(out.numpy(), np.prod(a, axis=dim), rtol=1e-5, atol=1e-6)
    _check(lambda x: ag.prod(x, dim=dim), a)


@pytest.mark.parametrize("n_zero", [0, 1, 2])
def test_cumprod(n_zero):
    a = _with_zeros(n_zero)
    for dt in (C128, C64):
        out = ag.cumprod(ag.tensor(a.astype(dt)), dim=1)
        assert out.dtype == dt
        np.testing.assert_allclose(out.numpy(), np.cumprod(a, axis=1), rtol=1e-5, atol=1e-6)
    _check(lambda x: ag.cumprod(x, dim=1), a)
    _check(lambda x: ag.cumprod(x, dim=0), a)


def test_prod_cumprod_vs_torch(torch):
    for a in (_with_zeros(0), _with_zeros(1), _with_zeros(2)):
        _vs_torch(torch, lambda x: ag.prod(x, dim=1), lambda x: torch.prod(x, dim=1), a)
        _vs_torch(torch, lambda x: x.prod(), lambda x: x.prod(), a)
        _vs_torch(torch, lambda x: ag.cumprod(x, 1), lambda x: torch.cumprod(x, 1), a)


@pytest.mark.parametrize("op", ["addcmul", "addcdiv"])
def test_addcmul_addcdiv(torch, op):
    x, t1, t2 = _c(2, 3), _c(2, 3, seed=1), _c(3, seed=2)
    f = getattr(ag, op)
    tf = getattr(torch, op)
    ref = {"addcmul": lambda v: x + v * t1 * t2, "addcdiv": lambda v: x + v * t1 / t2}[op]
    for value in (0.5, 2 - 1j):
        out = f(ag.tensor(x), ag.tensor(t1), ag.tensor(t2), value=value)
        np.testing.assert_allclose(out.numpy(), ref(value), rtol=1e-12)
        ours = lambda a, b, c, v=value: f(a, b, c, value=v)  # noqa: E731
        _check(ours, x, t1, t2)
        _vs_torch(torch, ours, lambda a, b, c, v=value: tf(a, b, c, value=v), x, t1, t2)
    out = f(ag.tensor(x.astype(C64)), ag.tensor(t1.astype(C64)), ag.tensor(t2.astype(C64)))
    assert out.dtype == C64
    # mixed: a real input gets the real part of its gradient
    r = _r(2, 3, seed=3)
    _check(lambda a, b, c: f(a, b, c, value=0.5), r, t1, r + 2)
    with pytest.raises(TypeError, match=f"{op}: a complex value"):
        f(ag.tensor(r), ag.tensor(r), ag.tensor(r), value=1j)


# -- var, std, norms ------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["var", "std"])
@pytest.mark.parametrize("dim,correction,keepdim", [(None, 1, False), (1, 0, True), (0, 2, False),
                                                    ((0, 1), 1, True)])  # fmt: skip
def test_var_std(torch, op, dim, correction, keepdim):
    a = _c(3, 4)
    f = getattr(ag, op)
    ref = np.var(a, axis=dim, ddof=correction, keepdims=keepdim)
    ref = ref if op == "var" else np.sqrt(ref)
    for dt, rdt in ((C128, np.float64), (C64, np.float32)):
        out = f(ag.tensor(a.astype(dt)), dim=dim, correction=correction, keepdim=keepdim)
        assert out.dtype == rdt  # complex variance is real
        np.testing.assert_allclose(out.numpy(), ref, rtol=1e-5)
    fn = lambda x: f(x, dim=dim, correction=correction, keepdim=keepdim)  # noqa: E731
    _check(fn, a)
    tf = getattr(torch, op)
    _vs_torch(torch, fn, lambda x: tf(x, dim=dim, correction=correction, keepdim=keepdim), a)


def test_std_of_constant_slice_has_zero_gradient(torch):
    a = _c(2, 3)
    a[0] = 1 + 2j  # a constant row: std 0 there, gradient 0 (PyTorch's)
    _vs_torch(torch, lambda x: ag.std(x, dim=1), lambda x: torch.std(x, dim=1), a)


NORM_PS = [2, 1, 3, 1.5, 0.5, float("inf"), -float("inf"), 0, "fro"]


@pytest.mark.parametrize("p", NORM_PS, ids=[str(p) for p in NORM_PS])
def test_norm(torch, p):
    a = _c(3, 4)
    pn = 2 if p == "fro" else p
    ref = np.linalg.norm(a.ravel(), ord=pn) if pn != 0 else np.count_nonzero(a)
    for dt, rdt in ((C128, np.float64), (C64, np.float32)):
        out = ag.norm(ag.tensor(a.astype(dt)), p=p)
        assert out.dtype == rdt
        np.testing.assert_allclose(out.numpy(), ref, rtol=1e-5)
    out = ag.norm(ag.tensor(a), p=p, dim=1, keepdim=True)
    assert out.shape == (3, 1)
    fn = lambda x: ag.norm(x, p=p, dim=1)  # noqa: E731
    if p not in (0,):
        _check(fn, a, second=p not in (float("inf"), -float("inf")))
    _vs_torch(torch, fn, lambda x: torch.norm(x, p=p, dim=1), a)
    _vs_torch(torch, lambda x: LA.vector_norm(x, pn, dim=(0, 1)),
              lambda x: torch.linalg.vector_norm(x, pn, dim=(0, 1)), a)  # fmt: skip


def test_norm_at_zero_has_zero_gradient(torch):
    a = _c(2, 3)
    a[1] = 0
    for p in (2, 3, 1.5):
        _vs_torch(
            torch,
            lambda x, p=p: ag.norm(x, p=p, dim=1),
            lambda x, p=p: torch.norm(x, p=p, dim=1),
            a,
        )


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, float("inf"), -float("inf")])
def test_matrix_norm(torch, ord):
    a = _c(2, 3, 3)
    out = LA.matrix_norm(ag.tensor(a), ord)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), np.linalg.norm(a, ord=ord, axis=(-2, -1)), rtol=1e-10)
    assert LA.matrix_norm(ag.tensor(a.astype(C64)), ord).dtype == np.float32
    fn = lambda x: LA.matrix_norm(x, ord)  # noqa: E731
    if ord in ("fro", "nuc", 2, -2):
        _check(fn, a)
    _vs_torch(torch, fn, lambda x: torch.linalg.matrix_norm(x, ord), a)
    _vs_torch(torch, lambda x: LA.norm(x, ord), lambda x: torch.linalg.norm(x, ord), a[0])


def test_cond_and_norm_dtype(torch):
    a = _c(3, 3)
    for p in (None, -2, "nuc"):  # torch's backward of cond fails for 'fro', 1, inf (in-place)
        _vs_torch(torch, lambda x, p=p: LA.cond(x, p), lambda x, p=p: torch.linalg.cond(x, p), a)
    for p in ("fro", 1, 2):
        np.testing.assert_allclose(LA.cond(ag.tensor(a), p).numpy(), np.linalg.cond(a, p))
        _check(lambda x, p=p: LA.cond(x, p), a, second=p != 1)
    out = LA.vector_norm(ag.tensor(a), dtype=ag.complex128)
    assert out.dtype == np.float64
    with pytest.raises(TypeError, match="vector_norm: dtype should be complex"):
        LA.vector_norm(ag.tensor(a), dtype=ag.float64)
    with pytest.raises(TypeError, match="cdist: only supports floating-point"):
        ag.cdist(ag.tensor(a), ag.tensor(a))


# -- decompositions -------------------------------------------------------------------------------


def test_inv_det_slogdet_logdet(torch):
    a = _c(2, 3, 3)
    for dt in (C128, C64):
        t = ag.tensor(a.astype(dt))
        assert LA.inv(t).dtype == dt and LA.det(t).dtype == dt
        sign, logabs = LA.slogdet(t)
        assert sign.dtype == dt and logabs.dtype == (np.float64 if dt == C128 else np.float32)
    np.testing.assert_allclose(LA.inv(ag.tensor(a)).numpy(), np.linalg.inv(a), rtol=1e-10)
    np.testing.assert_allclose(LA.det(ag.tensor(a)).numpy(), np.linalg.det(a), rtol=1e-10)
    np.testing.assert_allclose(ag.logdet(ag.tensor(a)).numpy(), np.log(np.linalg.det(a)))
    for f, tf in [
        (LA.inv, torch.linalg.inv),
        (LA.det, torch.linalg.det),
        (LA.slogdet, torch.linalg.slogdet),
        (ag.logdet, torch.logdet),
        (lambda x: LA.slogdet(x)[0], lambda x: torch.linalg.slogdet(x)[0]),
    ]:
        _check(f, a[0])
        _vs_torch(torch, f, tf, a)


def test_det_singular(torch):
    a = _c(3, 3)
    a[2] = a[0] * (1 - 2j)  # rank 2: the gradient is the cofactor matrix, through the SVD
    _vs_torch(torch, LA.det, torch.linalg.det, a, rtol=1e-8, atol=1e-9)
    _check(LA.det, a, second=False)
    b = _c(3, 3, seed=1)
    b[2] = b[0] * 1e-9 + b[2] * 1e-9  # ill-conditioned: second order through the SVD
    _check(LA.det, b)


def test_solves(torch):
    a, b, v = _c(3, 3), _c(3, 2, seed=1), _c(3, seed=2)
    np.testing.assert_allclose(LA.solve(ag.tensor(a), ag.tensor(b)).numpy(),
                               np.linalg.solve(a, b), rtol=1e-10)  # fmt: skip
    for f, tf, args in [
        (LA.solve, torch.linalg.solve, (a, b)),
        (LA.solve, torch.linalg.solve, (a, v)),
        (lambda x, y: LA.solve(x, y, left=False), lambda x, y: torch.linalg.solve(x, y, left=False),
         (a, b.T.copy())),
    ]:  # fmt: skip
        _check(f, *args)
        _vs_torch(torch, f, tf, *args)
    with pytest.raises(TypeError):  # real A, complex B: refused, as torch
        LA.solve(ag.tensor(_r(3, 3) + 3 * np.eye(3)), ag.tensor(b))


TRI_CASES = [(True, True, False), (False, True, False), (True, False, True), (False, False, False)]


@pytest.mark.parametrize("upper,left,unit", TRI_CASES)
def test_solve_triangular(torch, upper, left, unit):
    a = _c(3, 3) + 3 * np.eye(3)
    b = _c(3, 2, seed=1) if left else _c(2, 3, seed=1)
    kw = dict(upper=upper, left=left, unitriangular=unit)
    f = lambda x, y: LA.solve_triangular(x, y, **kw)  # noqa: E731
    tri = np.triu(a) if upper else np.tril(a)
    if unit:
        tri = tri - np.diag(np.diag(tri)) + np.eye(3)
    ref = np.linalg.solve(tri, b) if left else np.linalg.solve(tri.T, b.T).T
    np.testing.assert_allclose(f(ag.tensor(a), ag.tensor(b)).numpy(), ref, rtol=1e-10)
    _check(f, a, b)
    _vs_torch(torch, f, lambda x, y: torch.linalg.solve_triangular(x, y, **kw), a, b)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(torch, upper):
    a = _herm_pd(3)
    out = LA.cholesky(ag.tensor(a), upper=upper)
    lo = np.linalg.cholesky(a)
    np.testing.assert_allclose(out.numpy(), lo.conj().T if upper else lo, rtol=1e-10)
    assert LA.cholesky(ag.tensor(a.astype(C64))).dtype == C64
    x = _c(3, 3, seed=1)
    f = lambda x: LA.cholesky(x @ x.conj().T + 3 * ag.eye(3), upper=upper)  # noqa: E731
    _check(f, x)
    _vs_torch(torch, f, lambda x: torch.linalg.cholesky(x @ x.mH + 3 * torch.eye(3),
                                                        upper=upper), x)  # fmt: skip
    # on A itself (torch's convention for the gradient of a Hermitian input)
    _vs_torch(torch, lambda a: LA.cholesky(a, upper=upper),
              lambda a: torch.linalg.cholesky(a, upper=upper), a)  # fmt: skip


@pytest.mark.parametrize("shape,mode", [((4, 3), "reduced"), ((3, 3), "complete"),
                                        ((2, 4), "reduced"), ((3, 3), "reduced")])  # fmt: skip
def test_qr(torch, shape, mode):
    a = _c(*shape)
    q, r = LA.qr(ag.tensor(a), mode=mode)
    nq, nr = np.linalg.qr(a, mode=mode)
    np.testing.assert_allclose(q.numpy(), nq, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(r.numpy(), nr, rtol=1e-10, atol=1e-12)
    assert np.allclose(np.diag(r.numpy()).imag, 0)
    assert LA.qr(ag.tensor(a.astype(C64)), mode=mode).Q.dtype == C64
    f = lambda x: tuple(LA.qr(x, mode=mode))  # noqa: E731
    _check(f, a)
    _vs_torch(torch, f, lambda x: tuple(torch.linalg.qr(x, mode=mode)), a)


def _eigh_inv(ag_or_torch, la):
    """Eigen-decomposition functions that do not depend on the eigenvectors' phases."""

    def f(x):
        h = x + x.conj().transpose(-1, -2)
        w, v = la.eigh(h)
        return w, v * v.conj(), (v * w[..., None, :].exp()) @ v.conj().transpose(-1, -2)

    return f


def test_eigh(torch):
    x = _c(3, 3)
    h = x + x.conj().T
    w, v = LA.eigh(ag.tensor(h))
    assert w.dtype == np.float64 and v.dtype == C128
    nw, nv = np.linalg.eigh(h)
    np.testing.assert_allclose(w.numpy(), nw, rtol=1e-10)
    np.testing.assert_allclose(np.abs(v.numpy()), np.abs(nv), rtol=1e-8, atol=1e-10)
    w64 = LA.eigvalsh(ag.tensor(h.astype(C64)))
    assert w64.dtype == np.float32
    f = _eigh_inv(ag, LA)
    _check(f, x)
    _check(lambda x: LA.eigvalsh(x + x.conj().T), x)
    _vs_torch(torch, f, _eigh_inv(torch, torch.linalg), x)
    _vs_torch(torch, lambda a: LA.eigvalsh(a), lambda a: torch.linalg.eigvalsh(a), h)


def _svd_inv(la, full):
    def f(x):
        u, s, vh = la.svd(x, full_matrices=full)
        k = s.shape[-1]
        return s, u[..., :k] @ vh[..., :k, :], u * u.conj(), vh * vh.conj()

    return f


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4)])
@pytest.mark.parametrize("full", [False, True])
def test_svd(torch, shape, full):
    a = _c(*shape)
    u, s, vh = LA.svd(ag.tensor(a), full_matrices=full)
    assert s.dtype == np.float64 and u.dtype == C128
    np.testing.assert_allclose(s.numpy(), np.linalg.svd(a, compute_uv=False), rtol=1e-10)
    np.testing.assert_allclose((u.numpy()[:, : s.shape[0]] * s.numpy()) @ vh.numpy()[: s.shape[0]],
                               a, rtol=1e-10, atol=1e-12)  # fmt: skip
    assert LA.svdvals(ag.tensor(a.astype(C64))).dtype == np.float32
    f = _svd_inv(LA, full)
    if not full:
        _check(f, a)
        _check(LA.svdvals, a)
    _vs_torch(torch, f, _svd_inv(torch.linalg, full), a)


def test_phase_dependent_loss_is_refused():
    a = ag.tensor(_c(3, 3), requires_grad=True)
    with pytest.raises(RuntimeError, match="svd: the singular vectors .* e\\^\\{i phi\\}"):
        LA.svd(a).U.real.sum().backward()
    h = ag.tensor(_herm_pd(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="eigh: the eigenvectors .* e\\^\\{i phi\\}"):
        LA.eigh(h).eigenvectors.imag.sum().backward()


@pytest.mark.parametrize("shape,hermitian", [((3, 3), False), ((4, 2), False), ((2, 4), False),
                                             ((3, 3), True)])  # fmt: skip
def test_pinv(torch, shape, hermitian):
    a = _herm_pd(3) if hermitian else _c(*shape)
    out = LA.pinv(ag.tensor(a), hermitian=hermitian)
    np.testing.assert_allclose(out.numpy(), np.linalg.pinv(a), rtol=1e-9, atol=1e-12)
    assert LA.pinv(ag.tensor(a.astype(C64)), hermitian=hermitian).dtype == C64
    if hermitian:
        f = lambda x: LA.pinv(x @ x.conj().T + 3 * ag.eye(3), hermitian=True)  # noqa: E731
        tf = lambda x: torch.linalg.pinv(x @ x.mH + 3 * torch.eye(3), hermitian=True)  # noqa: E731
        a = _c(3, 3, seed=1)
    else:
        f, tf = LA.pinv, torch.linalg.pinv
    _check(f, a)
    _vs_torch(torch, f, tf, a)


def test_matrix_exp(torch):
    a = _c(2, 3, 3) * 0.7
    big = _c(3, 3, seed=1) * 3  # beyond the largest Padé degree: scaled and squared
    for x in (a, big):
        ref = _np(torch.linalg.matrix_exp(torch.tensor(x)))
        np.testing.assert_allclose(LA.matrix_exp(ag.tensor(x)).numpy(), ref, rtol=1e-10)
        _vs_torch(torch, LA.matrix_exp, torch.linalg.matrix_exp, x, rtol=1e-9)
    assert LA.matrix_exp(ag.tensor(a.astype(C64))).dtype == C64
    _check(LA.matrix_exp, a[0])


def test_lstsq_householder_tensorinv(torch):
    a, b = _c(4, 2), _c(4, 3, seed=1)
    for driver in ("gelsd", "gelsy"):
        res = LA.lstsq(ag.tensor(a), ag.tensor(b), driver=driver)
        tres = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
        for o, t in zip(res, tres):
            assert str(o.dtype) == str(t.dtype).replace("torch.", "")
            np.testing.assert_allclose(_np(o), _np(t), rtol=1e-9, atol=1e-10)
    f = lambda x, y: tuple(LA.lstsq(x, y, driver="gelsd")[:2])  # noqa: E731
    _check(f, a, b)
    _vs_torch(torch, f, lambda x, y: tuple(torch.linalg.lstsq(x, y, driver="gelsd")[:2]), a, b)
    tau = _c(2, seed=2)
    _check(LA.householder_product, a, tau)
    _vs_torch(torch, LA.householder_product, torch.linalg.householder_product, a, tau)
    m = _c(2, 3, 6, seed=3)
    _vs_torch(torch, lambda x: LA.tensorinv(x, 2), lambda x: torch.linalg.tensorinv(x, 2), m)
    _vs_torch(torch, lambda x, y: LA.tensorsolve(x, y), torch.linalg.tensorsolve,
              _c(6, 2, 3, seed=4), _c(6, seed=5))  # fmt: skip
    _vs_torch(torch, lambda x: LA.vander(x, N=3), lambda x: torch.linalg.vander(x, N=3), _c(4))
    assert LA.matrix_rank(ag.tensor(a @ a.conj().T)).item() == 2


# -- ops PyTorch refuses for complex --------------------------------------------------------------

REFUSED = [
    ("relu", lambda z: ag.relu(z)),
    ("softmax|Softmax", lambda z: ag.softmax(z, 0)),
    ("Clamp|clamp", lambda z: ag.clamp(z, 0, 1)),
    ("sort|TakePerm", lambda z: ag.sort(z).values),
    ("amax", lambda z: ag.amax(z)),
    ("max", lambda z: z.max()),
    ("max", lambda z: ag.max(z, 0)),
    ("min", lambda z: ag.min(z)),
    ("argmax", lambda z: ag.argmax(z)),
    ("argmin", lambda z: ag.argmin(z, 0)),
    ("maximum|Maximum", lambda z: ag.maximum(z, z)),
]


@pytest.mark.parametrize("name,fn", REFUSED, ids=[f"{n}-{i}" for i, (n, _) in enumerate(REFUSED)])
def test_refused_ops_name_themselves(name, fn):
    z = ag.tensor(_c(3), requires_grad=True)
    with pytest.raises(TypeError, match=name):
        fn(z)


# -- factories ------------------------------------------------------------------------------------


def test_randn_rand_complex():
    ag.manual_seed(0)
    z = ag.randn(20000, dtype=ag.cfloat)
    assert z.dtype == C64 and z.shape == (20000,)
    a = z.numpy()
    assert abs(a.mean()) < 0.03
    assert abs(a.real.var() - 0.5) < 0.03 and abs(a.imag.var() - 0.5) < 0.03  # N(0, 1/2) each
    assert abs(np.mean(np.abs(a) ** 2) - 1) < 0.05
    assert abs(np.corrcoef(a.real, a.imag)[0, 1]) < 0.03
    u = ag.rand(20000, dtype=ag.cdouble).numpy()
    assert u.dtype == C128
    for part in (u.real, u.imag):
        assert part.min() >= 0 and part.max() < 1 and abs(part.mean() - 0.5) < 0.02
    assert ag.randn_like(ag.tensor(_c(2, 3))).dtype == C128
    assert ag.rand_like(ag.tensor(_c(2, 3, dtype=C64))).dtype == C64
    ag.manual_seed(3)
    first = ag.randn(4, dtype=ag.cdouble).numpy()
    ag.manual_seed(3)
    np.testing.assert_array_equal(ag.randn(4, dtype=ag.cdouble).numpy(), first)
    g = ag.randn(2, 2, dtype=ag.cdouble, requires_grad=True)
    assert g.requires_grad and g.is_leaf


def test_normal_complex():
    ag.manual_seed(1)
    z = ag.normal(2.0, 2.0, size=(20000,), dtype=ag.cdouble).numpy()
    assert z.dtype == C128
    # PyTorch's: both parts N(mean, std^2 / 2)
    assert abs(z.real.mean() - 2) < 0.05 and abs(z.imag.mean() - 2) < 0.05
    assert abs(z.real.std() - np.sqrt(2)) < 0.05 and abs(z.imag.std() - np.sqrt(2)) < 0.05
    m = ag.full((20000,), 1 - 1j, dtype=ag.cdouble)
    z = ag.normal(m, 1.0).numpy()
    assert z.dtype == C128
    assert abs(z.mean() - (1 - 1j)) < 0.05 and abs(z.imag.std() - np.sqrt(0.5)) < 0.05


def test_constant_factories_complex():
    for f in (ag.zeros, ag.ones, ag.empty):
        for dt in (ag.cfloat, ag.cdouble):
            assert f(2, 3, dtype=dt).dtype == dt
    np.testing.assert_array_equal(ag.ones(2, dtype=ag.cfloat).numpy(), [1, 1])
    np.testing.assert_array_equal(ag.eye(2, 3, dtype=ag.cdouble).numpy(), np.eye(2, 3))
    full = ag.full((2,), 1 + 2j)
    assert full.dtype == C64
    np.testing.assert_array_equal(full.numpy(), [1 + 2j, 1 + 2j])
    assert ag.full((2,), np.complex128(1j), dtype=ag.cdouble).dtype == C128
    assert ag.full((2,), 3 + 0j, dtype=ag.int64).numpy().tolist() == [3, 3]
    with pytest.raises(TypeError, match="full: the complex fill_value"):
        ag.full((2,), 1 + 2j, dtype=ag.float32)
    t = ag.tensor(_c(2, 2))
    for f in (ag.zeros_like, ag.ones_like, ag.empty_like):
        assert f(t).dtype == C128
    assert ag.full_like(t, 1j).numpy()[0, 0] == 1j
    assert ag.zeros_like(ag.ones(2), dtype=ag.cfloat).dtype == C64
    lin = ag.linspace(0, 1 + 1j, 3)
    assert lin.dtype == C64
    np.testing.assert_allclose(lin.numpy(), [0, 0.5 + 0.5j, 1 + 1j])
    assert ag.linspace(0, 1, 3, dtype=ag.cdouble).dtype == C128
    with pytest.raises(TypeError, match="linspace"):
        ag.linspace(0, 1 + 1j, 3, dtype=ag.float32)
    ag.set_default_dtype(ag.float64)
    try:
        assert ag.full((1,), 1j).dtype == C128 and ag.linspace(0, 1j, 2).dtype == C128
    finally:
        ag.set_default_dtype(ag.float32)


def test_factories_torch_refuses_for_complex():
    with pytest.raises(TypeError, match="arange"):
        ag.arange(3, dtype=ag.cfloat)
    with pytest.raises(TypeError, match="randint"):
        ag.randint(0, 3, (2,), dtype=ag.cfloat)
    with pytest.raises(TypeError, match="randperm"):
        ag.randperm(3, dtype=ag.cfloat)
    z = ag.zeros(2, dtype=ag.cfloat)
    with pytest.raises(TypeError, match="bernoulli"):
        ag.bernoulli(z, 0.5)
    with pytest.raises(TypeError, match="bernoulli"):
        ag.bernoulli(z)
    with pytest.raises(TypeError, match="poisson"):
        ag.poisson(z)
    with pytest.raises(TypeError, match="multinomial"):
        ag.multinomial(z, 1)
    with pytest.raises(TypeError, match="normal: std"):
        ag.normal(0.0, ag.ones(2, dtype=ag.cfloat))


# -- cuda (the fake CuPy in CI) -------------------------------------------------------------------

CUDA_CASES = [
    ("einsum", lambda x, y: ag.einsum("ij,jk->ik", x, y), [(3, 3), (3, 3)]),
    ("vdot", lambda x, y: ag.vdot(x[0], y[1]), [(3, 3), (3, 3)]),
    ("prod", lambda x: ag.prod(x, dim=1), [(3, 3)]),
    ("cumprod", lambda x: ag.cumprod(x, dim=0), [(3, 3)]),
    ("var", lambda x: ag.var(x, dim=0), [(3, 3)]),
    ("std", lambda x: ag.std(x), [(3, 3)]),
    ("norm3", lambda x: ag.norm(x, p=3, dim=1), [(3, 3)]),
    ("addcdiv", lambda x, y: ag.addcdiv(x, x, y, value=1j), [(3, 3), (3, 3)]),
    ("matrix_norm_nuc", lambda x: LA.matrix_norm(x, "nuc"), [(3, 3)]),
    ("inv", LA.inv, [(3, 3)]),
    ("det", LA.det, [(3, 3)]),
    ("slogdet", lambda x: tuple(LA.slogdet(x)), [(3, 3)]),
    ("solve", LA.solve, [(3, 3), (3, 2)]),
    ("solve_triangular", lambda x, y: LA.solve_triangular(x, y, upper=True), [(3, 3), (3, 2)]),
    ("cholesky", lambda x: LA.cholesky(x @ x.conj().T + 3 * ag.eye(3, device=x.device)), [(3, 3)]),
    ("qr", lambda x: tuple(LA.qr(x)), [(3, 2)]),
    ("eigh", _eigh_inv(ag, LA), [(3, 3)]),
    ("svd", _svd_inv(LA, False), [(3, 2)]),
    ("pinv", LA.pinv, [(2, 3)]),
    ("matrix_exp", LA.matrix_exp, [(3, 3)]),
]


@pytest.mark.gpu
@pytest.mark.parametrize("name,fn,shapes", CUDA_CASES, ids=[c[0] for c in CUDA_CASES])
def test_complex_ops_on_cuda(name, fn, shapes):
    arrs = [_c(*s, seed=i) for i, s in enumerate(shapes)]
    cpu = _tuple(fn(*[ag.tensor(a) for a in arrs]))
    xs = [ag.tensor(a, device="cuda", requires_grad=True) for a in arrs]
    out = _tuple(fn(*xs))
    for o, w in zip(out, cpu):
        assert o.device.startswith("cuda") and o.dtype == w.dtype
        np.testing.assert_allclose(o.detach().to("cpu").numpy(), w.numpy(), rtol=1e-9, atol=1e-10)
    assert ag.gradcheck(fn, xs)
    assert ag.gradgradcheck(fn, xs)


@pytest.mark.gpu
def test_complex_factories_on_cuda():
    for f in (ag.randn, ag.rand, ag.zeros, ag.ones):
        t = f(2, 3, dtype=ag.cfloat, device="cuda")
        assert t.device.startswith("cuda") and t.dtype == C64
    assert ag.full((2,), 1j, device="cuda").dtype == C64


def test_logsumexp(torch):
    a = _c(3, 4) * 3
    a[1, 2] += 500  # a large real part: the real max keeps exp finite
    for dt in (C128, C64):
        out = ag.logsumexp(ag.tensor(a.astype(dt)), dim=1)
        assert out.dtype == dt
    ref = np.log(np.exp(a - 500).sum(axis=1)) + 500
    np.testing.assert_allclose(ag.logsumexp(ag.tensor(a), dim=1).numpy(), ref, rtol=1e-12)
    _check(lambda x: ag.logsumexp(x, dim=1), _c(2, 3))
    for dim in (1, (0, 1)):
        ours = lambda x, d=dim: ag.logsumexp(x, dim=d)  # noqa: E731
        _vs_torch(torch, ours, lambda x, d=dim: torch.logsumexp(x, d), a)


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (2, 4)])
def test_geqrf_complex(torch, shape):
    a = _c(*shape)
    a[1:, 0] = 0  # a column already reduced (with a complex diagonal entry): tau is not 0
    for x in (a, _c(*shape, seed=1)):
        g, tau = ag.geqrf(ag.tensor(x))
        tg, ttau = torch.geqrf(torch.tensor(x))
        np.testing.assert_allclose(g.numpy(), _np(tg), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(tau.numpy(), _np(ttau), rtol=1e-10, atol=1e-12)
        if shape[0] >= shape[1]:
            q = LA.householder_product(g, tau).numpy()
            r = np.triu(g.numpy())[: shape[1]]
            np.testing.assert_allclose(q @ r, x, rtol=1e-10, atol=1e-12)
    assert ag.geqrf(ag.tensor(a.astype(C64))).a.dtype == C64


def test_inv_ex_solve_ex(torch):
    a, b = _c(3, 3), _c(3, 2, seed=1)
    f = lambda x: LA.inv_ex(x).inverse  # noqa: E731
    _check(f, a)
    _vs_torch(torch, f, lambda x: torch.linalg.inv_ex(x).inverse, a)
    for left in (True, False):
        g = lambda x, y, left=left: LA.solve_ex(x, y, left=left).result  # noqa: E731
        y = b if left else b.T.copy()
        _check(g, a, y)
        _vs_torch(torch, g, lambda x, y, left=left: torch.linalg.solve_ex(x, y, left=left)[0], a, y)
