"""Which triangle cholesky reads: the lower one for L, the upper one with upper=True (torch's
``linalg.cholesky``, ``cholesky_ex``, ``torch.cholesky`` and ``Tensor.cholesky`` alike, LAPACK's
uplo), for real and complex (Hermitian) input.

Each input carries junk in the triangle that must not be read, so a factor of the wrong
triangle differs from torch's. Gradients: torch's symmetrised (Hermitian) rule on such an input,
and gradcheck / gradgradcheck through a function that builds the read triangle from X and keeps
the junk constant.

Also here (the same linalg review): ``dtype=`` of vector_norm / matrix_norm / linalg.norm
refuses what torch refuses (a narrowing dtype, real <-> complex, a non-float dtype).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd as ag

N = 4


def _spd(cplx, seed=0, batch=()):
    rng = np.random.default_rng(seed)
    b = rng.standard_normal(batch + (N, N))
    if cplx:
        b = b + 1j * rng.standard_normal(batch + (N, N))
    return b @ np.swapaxes(b, -1, -2).conj() + N * np.eye(N)


def _junk(cplx, seed=1, batch=()):
    rng = np.random.default_rng(seed)
    j = rng.standard_normal(batch + (N, N))
    return j + 1j * rng.standard_normal(batch + (N, N)) if cplx else j


def _with_junk(s, j, upper):
    """s with junk in the triangle that cholesky(upper=upper) must not read (and, for complex,
    an imaginary part on the diagonal, which LAPACK ignores)."""
    a = s + (np.tril(j, -1) if upper else np.triu(j, 1))
    if np.iscomplexobj(s):
        a = a + 1j * np.diag(np.diag(j.real))
    return a


def _np(t):
    return t.detach().cpu().numpy()


ENTRIES = {
    "linalg.cholesky": lambda a, up: ag.linalg.cholesky(a, upper=up),
    "cholesky": lambda a, up: ag.cholesky(a, upper=up),
    "Tensor.cholesky": lambda a, up: a.cholesky(upper=up),
}


def _torch_entry(torch, name):
    return {
        "linalg.cholesky": lambda a, up: torch.linalg.cholesky(a, upper=up),
        "cholesky": lambda a, up: torch.cholesky(a, upper=up),
        "Tensor.cholesky": lambda a, up: a.cholesky(upper=up),
        "linalg.cholesky_ex": lambda a, up: torch.linalg.cholesky_ex(a, upper=up).L,
    }[name]


def _check_vs_torch(name, f, cplx, upper):
    torch = pytest.importorskip("torch")
    s = _spd(cplx)
    a = _with_junk(s, _junk(cplx), upper)
    g = _junk(cplx, seed=5)
    x = ag.tensor(a, requires_grad=True)
    out = f(x, upper)
    out.backward(ag.tensor(g))
    tx = torch.tensor(a, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.cholesky is deprecated
        tout = _torch_entry(torch, name)(tx, upper)
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(_np(out), tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(_np(x.grad), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    # the factor is that of the Hermitian matrix of the read triangle, i.e. of s
    r = _np(out)
    m = np.swapaxes(r, -1, -2).conj() @ r if upper else r @ np.swapaxes(r, -1, -2).conj()
    np.testing.assert_allclose(m, s, rtol=1e-12, atol=1e-12)
    assert not (np.tril(r, -1) if upper else np.triu(r, 1)).any()


@pytest.mark.parametrize("cplx", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("upper", [False, True], ids=["lower", "upper"])
@pytest.mark.parametrize("name", list(ENTRIES))
def test_reads_torchs_triangle(name, upper, cplx):
    _check_vs_torch(name, ENTRIES[name], cplx, upper)


@pytest.mark.parametrize("cplx", [False, True], ids=["real", "complex"])
def test_cholesky_ex_upper_reads_upper_triangle(cplx):
    _check_vs_torch(
        "linalg.cholesky_ex", lambda a, up: ag.linalg.cholesky_ex(a, upper=up).L, cplx, True
    )


@pytest.mark.parametrize("cplx", [False, True], ids=["real", "complex"])
def test_cholesky_ex_lower_reads_lower_triangle(cplx):
    _check_vs_torch(
        "linalg.cholesky_ex", lambda a, up: ag.linalg.cholesky_ex(a, upper=up).L, cplx, False
    )


def test_batched_and_float32():
    s = _spd(False, batch=(2, 3))
    a = s + np.tril(_junk(False, batch=(2, 3)), -1)
    u = _np(ag.linalg.cholesky(ag.tensor(a), upper=True))
    np.testing.assert_allclose(np.swapaxes(u, -1, -2) @ u, s, rtol=1e-12, atol=1e-12)
    u32 = ag.linalg.cholesky(ag.tensor(a.astype(np.float32)), upper=True)
    assert u32.dtype == np.float32
    np.testing.assert_allclose(_np(u32), u, rtol=1e-4, atol=1e-4)
    # the whole matrix, not its read triangle, being non-PD does not matter: only s is read
    bad = s + np.tril(np.full((N, N), -1e3), -1)
    np.testing.assert_allclose(_np(ag.cholesky(ag.tensor(bad), upper=True)), u, atol=1e-12)
    with pytest.raises(ag.linalg.LinAlgError, match="not positive-definite"):
        ag.cholesky(ag.tensor(bad), upper=False)


@pytest.mark.parametrize("cplx", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("upper", [False, True], ids=["lower", "upper"])
def test_gradcheck_through_the_read_triangle(upper, cplx):
    """X -> cholesky(A(X)), A's read triangle (and, Hermitian, its mirror) built from X and the
    other strict triangle offset by constant junk: only the read triangle moves the factor."""
    x0 = _spd(cplx) + 0.1 * _junk(cplx, seed=3)
    junk = ag.tensor(_junk(cplx, seed=4))

    def f(x):
        if upper:
            a = ag.triu(x) + ag.triu(x, 1).mH + ag.tril(junk, -1)
        else:
            a = ag.tril(x) + ag.tril(x, -1).mH + ag.triu(junk, 1)
        if cplx:  # a Hermitian read triangle has a real diagonal
            a = a - 1j * ag.diag_embed(ag.diagonal(x, 0, -2, -1).imag)
        return ag.linalg.cholesky(a, upper=upper)

    x = ag.tensor(x0, requires_grad=True)
    assert ag.gradcheck(f, (x,))
    assert ag.gradgradcheck(f, (x,))


@pytest.mark.gpu
@pytest.mark.parametrize("cplx", [False, True], ids=["real", "complex"])
def test_upper_on_cuda_matches_cpu(cplx):
    a = _with_junk(_spd(cplx), _junk(cplx), True)
    g = _junk(cplx, seed=5)
    outs = []
    for dev in ("cpu", "cuda"):
        x = ag.tensor(a, requires_grad=True, device=dev)
        u = ag.linalg.cholesky(x, upper=True)
        u.backward(ag.tensor(g, device=dev))
        outs.append((_np(u), _np(x.grad)))
    for c, d in zip(*outs):
        np.testing.assert_allclose(d, c, rtol=1e-10, atol=1e-12)


# -- linalg norms' dtype= (kept here with the other linalg review fixes) -------------------------

# name: (call on module m (ag or torch), input shape, the op named in the error, as torch's)
_NORMS = {
    "vector_norm": (lambda m, x, d: m.linalg.vector_norm(x, dtype=d), (5,), "vector_norm"),
    "matrix_norm": (lambda m, x, d: m.linalg.matrix_norm(x, dtype=d), (3, 3), "matrix_norm"),
    "matrix_norm nuc": (
        lambda m, x, d: m.linalg.matrix_norm(x, "nuc", dtype=d),
        (3, 3),
        "matrix_norm",
    ),
    "norm": (lambda m, x, d: m.linalg.norm(x, dtype=d), (3, 3), "vector_norm"),
    "norm ord=2": (lambda m, x, d: m.linalg.norm(x, 2, dtype=d), (3, 3), "matrix_norm"),
}

# (input dtype, dtype=, the message torch gives too, with NumPy's dtype names)
_REFUSED = [
    ("float64", "float32", r"the dtype of the input \(float64\) should be convertible without "
     r"narrowing to the specified dtype \(float32\)"),
    ("float32", "float16", r"input \(float32\) should be convertible without narrowing"),
    ("complex128", "complex64", r"input \(complex128\) should be convertible without narrowing"),
    ("float32", "complex64", "dtype should be real for real inputs, but got complex64"),
    ("float64", "complex128", "dtype should be real for real inputs, but got complex128"),
    ("complex128", "float64", "dtype should be complex for complex inputs, but got float64"),
    ("float64", "int64", "dtype should be floating point or complex, but got int64"),
]  # fmt: skip


@pytest.mark.parametrize("xdt,dt,msg", _REFUSED)
@pytest.mark.parametrize("name", list(_NORMS))
def test_norm_dtype_refused_as_torch(name, xdt, dt, msg):
    torch = pytest.importorskip("torch")
    f, shape, op = _NORMS[name]
    x = np.random.default_rng(0).standard_normal(shape).astype(xdt)
    with pytest.raises(RuntimeError, match=f"linalg.{op}: "):  # torch refuses it too
        f(torch, torch.tensor(x), getattr(torch, dt))
    with pytest.raises(TypeError, match=f"linalg.{op}: .*{msg}"):
        f(ag, ag.tensor(x), getattr(ag, dt))


@pytest.mark.parametrize("name", list(_NORMS))
def test_norm_dtype_widening_allowed(name):
    torch = pytest.importorskip("torch")
    f, shape, _ = _NORMS[name]
    for xdt, dt, want in [("float32", "float64", np.float64), ("float64", "float64", np.float64),
                          ("complex64", "complex128", np.float64)]:  # fmt: skip
        x = np.random.default_rng(1).standard_normal(shape).astype(xdt)
        if xdt.startswith("complex"):
            x = x + 1j * np.random.default_rng(2).standard_normal(shape).astype(xdt)
        t = ag.tensor(x, requires_grad=True)
        out = f(ag, t, getattr(ag, dt))
        assert out.dtype == want
        tout = f(torch, torch.tensor(x), getattr(torch, dt))
        np.testing.assert_allclose(_np(out), tout.numpy(), rtol=1e-12)
        out.sum().backward()
        assert t.grad.dtype == x.dtype  # the gradient returns in the input's dtype
