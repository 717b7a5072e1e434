"""Complex weights in ``nn.utils.parametrizations``: ``orthogonal`` makes them unitary and
``spectral_norm`` divides by the largest singular value, as in PyTorch; ``F.normalize``
accepts complex input (the norm of the moduli)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

P = nn.utils.parametrizations
RNG = np.random.default_rng(5)


def cplx(*shape):
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


def clinear(n_in, n_out, w0):
    m = nn.Linear(n_in, n_out, dtype=ag.complex128)
    with ag.no_grad():
        m.weight.copy_(ag.tensor(w0))
    return m


def unitary_gap(w):
    """max |Q^H Q - I| for a tall Q, |Q Q^H - I| for a wide one."""
    g = w.conj().T @ w if w.shape[0] >= w.shape[1] else w @ w.conj().T
    return np.abs(g - np.eye(g.shape[0])).max()


# -- F.normalize ----------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf"), 0.5])
@pytest.mark.parametrize("dim", [0, -1])
def test_normalize_complex_values_and_gradients(p, dim):
    a = cplx(3, 4)
    z = ag.tensor(a, requires_grad=True)
    y = F.normalize(z, p=p, dim=dim)
    assert y.dtype == np.complex128
    norm = np.linalg.norm(np.abs(a), ord=p, axis=dim, keepdims=True)
    np.testing.assert_allclose(y.detach().numpy(), a / norm, rtol=1e-12)
    assert ag.gradcheck(lambda z: F.normalize(z, p=p, dim=dim), (z,))
    assert ag.gradgradcheck(lambda z: F.normalize(z, p=p, dim=dim), (z,))


def test_normalize_complex64_and_tiny_norm():
    y = F.normalize(ag.tensor(cplx(2, 3).astype(np.complex64)), dim=1)
    assert y.dtype == np.complex64
    np.testing.assert_allclose(np.abs(y.numpy()) ** 2 @ np.ones(3), np.ones(2), rtol=1e-5)
    z = ag.tensor(np.array([1e-14 + 1e-14j, 0j]))  # below eps: divided by eps
    np.testing.assert_allclose(F.normalize(z, dim=0).numpy(), z.numpy() / 1e-12)
    with pytest.raises(TypeError, match="normalize: expected a floating point tensor, got dtype"):
        F.normalize(ag.tensor([1, 2]), dim=0)


def test_normalize_complex_matches_torch():
    torch = pytest.importorskip("torch")
    a, ct = cplx(3, 4), cplx(3, 4)
    for p in (2.0, 1.0, float("inf")):
        t = torch.tensor(a, requires_grad=True)
        want = torch.nn.functional.normalize(t, p=p, dim=1)
        (gt,) = torch.autograd.grad(want, t, torch.tensor(ct))
        z = ag.tensor(a, requires_grad=True)
        got = F.normalize(z, p=p, dim=1)
        (g,) = ag.grad(got, z, ag.tensor(ct))
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(g.numpy(), gt.numpy(), rtol=1e-10, atol=1e-12)


# -- orthogonal -----------------------------------------------------------------------------------

SHAPES = [(3, 3), (3, 5), (5, 3)]  # (in, out): weight (out, in) square, tall, wide
MAPS = ["matrix_exp", "cayley", None]


@pytest.mark.parametrize("n_in,n_out", SHAPES)
@pytest.mark.parametrize("orth_map", MAPS)
def test_orthogonal_complex_weight_is_unitary(n_in, n_out, orth_map):
    w0 = cplx(n_out, n_in)
    m = P.orthogonal(clinear(n_in, n_out, w0), orthogonal_map=orth_map)
    w = m.weight.detach().numpy()
    assert w.dtype == np.complex128
    assert unitary_gap(w) < 1e-12
    if n_out >= n_in:  # the Q of w0 = Q R with diag(R) real and > 0
        r = np.linalg.solve(w.conj().T @ w, w.conj().T @ w0)
        np.testing.assert_allclose(r, np.triu(r), atol=1e-10)
        np.testing.assert_allclose(np.diag(r).imag, 0, atol=1e-10)
        assert (np.diag(r).real > 0).all()
    # stays unitary when the original moves (a skew-Hermitian exponent / Cayley argument)
    orig = m.parametrizations.weight.original
    with ag.no_grad():
        orig.copy_(ag.tensor(cplx(*orig.shape) * 0.3))
    assert unitary_gap(m.weight.detach().numpy()) < 1e-12
    loss = (m.weight * ag.tensor(cplx(n_out, n_in))).real.sum()
    loss.backward()
    assert orig.grad is not None and orig.grad.dtype == np.complex128


def test_orthogonal_complex_keeps_a_unitary_weight_and_refuses_householder():
    u = np.linalg.qr(cplx(3, 3))[0]
    m = P.orthogonal(clinear(3, 3, u))
    np.testing.assert_allclose(m.weight.detach().numpy(), u, atol=1e-12)
    with pytest.raises(ValueError, match="householder parametrization does not support complex"):
        P.orthogonal(clinear(3, 4, cplx(4, 3)), orthogonal_map="householder")


@pytest.mark.parametrize("orth_map", ["matrix_exp", "cayley"])
def test_orthogonal_complex_forward_gradients(orth_map):
    layer = P.orthogonal(clinear(3, 4, cplx(4, 3)), orthogonal_map=orth_map).parametrizations
    orth = layer.weight[0]
    x = ag.tensor(cplx(4, 3) * 0.4, requires_grad=True)
    assert ag.gradcheck(orth, (x,))
    assert ag.gradgradcheck(orth, (x,))


@pytest.mark.parametrize("n_in,n_out", SHAPES)
@pytest.mark.parametrize("orth_map", MAPS)
@pytest.mark.parametrize("triv", [True, False])
def test_orthogonal_complex_matches_torch(n_in, n_out, orth_map, triv):
    torch = pytest.importorskip("torch")
    w0 = cplx(n_out, n_in)
    m = P.orthogonal(clinear(n_in, n_out, w0), orthogonal_map=orth_map, use_trivialization=triv)
    tm = torch.nn.Linear(n_in, n_out, dtype=torch.complex128)
    with torch.no_grad():
        tm.weight.copy_(torch.tensor(w0))
    torch.nn.utils.parametrizations.orthogonal(tm, orthogonal_map=orth_map, use_trivialization=triv)
    np.testing.assert_allclose(m.weight.detach().numpy(), tm.weight.detach().numpy(), atol=1e-12)
    # the same original (and base: its completion columns are random) -> the same weight/grad
    x0, c = cplx(n_out, n_in) * 0.3, cplx(n_out, n_in)
    ours, theirs = m.parametrizations.weight, tm.parametrizations.weight
    with ag.no_grad():
        ours.original.copy_(ag.tensor(x0))
        if triv:
            ours[0].base.copy_(ag.tensor(theirs[0].base.numpy()))
    with torch.no_grad():
        theirs.original.copy_(torch.tensor(x0))
    (m.weight * ag.tensor(c)).real.sum().backward()
    (tm.weight * torch.tensor(c)).real.sum().backward()
    np.testing.assert_allclose(m.weight.detach().numpy(), tm.weight.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.original.grad.numpy(), theirs.original.grad.numpy(), atol=1e-10)


# -- spectral_norm --------------------------------------------------------------------------------


def test_spectral_norm_complex_sigma_is_the_largest_singular_value():
    w0 = cplx(4, 3)
    m = P.spectral_norm(clinear(3, 4, w0))
    sn = m.parametrizations.weight[0]
    assert sn._u.dtype == np.complex128 and sn._v.dtype == np.complex128
    for _ in range(30):  # power iterations in training mode
        w = m.weight
    s = np.linalg.svd(w0, compute_uv=False)
    np.testing.assert_allclose(np.linalg.svd(w.detach().numpy(), compute_uv=False), s / s[0])
    # u, v converge to the top singular pair: W v = sigma u (sigma real, up to rounding)
    u, v = sn._u.numpy(), sn._v.numpy()
    np.testing.assert_allclose(w0 @ v, s[0] * u, atol=1e-10)
    m.eval()
    (m.weight * ag.tensor(cplx(4, 3))).real.sum().backward()
    assert m.parametrizations.weight.original.grad.dtype == np.complex128
    # gradient with u, v held constant
    wt = ag.tensor(w0, requires_grad=True)
    assert ag.gradcheck(sn, (wt,))
    assert ag.gradgradcheck(sn, (wt,))
    # a 1-D complex weight is just normalised
    b = P.spectral_norm(clinear(3, 4, w0), "bias").bias.detach().numpy()
    assert b.dtype == np.complex128
    np.testing.assert_allclose(np.linalg.norm(b), 1.0)


def test_spectral_norm_complex_matches_torch():
    torch = pytest.importorskip("torch")
    w0 = cplx(4, 3)
    m = P.spectral_norm(clinear(3, 4, w0))
    tm = torch.nn.Linear(3, 4, dtype=torch.complex128)
    with torch.no_grad():
        tm.weight.copy_(torch.tensor(w0))
    torch.nn.utils.parametrizations.spectral_norm(tm)
    ours, theirs = m.parametrizations.weight, tm.parametrizations.weight
    with ag.no_grad():  # u, v start at random: take torch's
        ours[0]._u.copy_(ag.tensor(theirs[0]._u.numpy()))
        ours[0]._v.copy_(ag.tensor(theirs[0]._v.numpy()))
    for mode in ("train", "train", "eval"):
        getattr(m, mode)()
        getattr(tm, mode)()
        c = cplx(4, 3)
        w, tw = m.weight, tm.weight
        (w * ag.tensor(c)).real.sum().backward()
        (tw * torch.tensor(c)).real.sum().backward()
        np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-10)
        np.testing.assert_allclose(ours[0]._u.numpy(), theirs[0]._u.numpy(), rtol=1e-10)
        np.testing.assert_allclose(ours[0]._v.numpy(), theirs[0]._v.numpy(), rtol=1e-10)
        np.testing.assert_allclose(
            ours.original.grad.numpy(), theirs.original.grad.numpy(), rtol=1e-9, atol=1e-12
        )
