"""nn.utils.parametrizations.orthogonal: the weight stays orthogonal through optimizer steps for
each map ('matrix_exp', 'cayley', 'householder'), with and without the trivialization, for
square, tall, wide and batched weights; its initial value, assignment, state_dict, gradients
(first and second order), errors; the same trajectories as PyTorch's; the cuda path."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
import optim

PZ = nn.utils.parametrizations
MAPS = ["matrix_exp", "cayley", "householder"]
SHAPES = [(4, 4), (5, 3), (3, 5)]


def _np(t):
    return t.detach().cpu().numpy()


def _linear(shape, seed=0, dtype=np.float64, device="cpu"):
    out_f, in_f = shape
    m = nn.Linear(in_f, out_f, bias=False, dtype=dtype)
    w = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    with ag.no_grad():
        m.weight.copy_(ag.tensor(w))
    return m.to(device)


def _orth_error(w):
    """max |Q^T Q - I| (tall) or |Q Q^T - I| (wide) over a (..., m, n) array."""
    m, n = w.shape[-2:]
    wt = np.swapaxes(w, -1, -2)
    g = wt @ w if m >= n else w @ wt
    return np.abs(g - np.eye(min(m, n))).max()


class Batched(nn.Module):
    def __init__(self, shape, seed=0):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.weight = nn.Parameter(ag.tensor(rng.standard_normal(shape)))

    def forward(self, x):  # x (n,) -> (..., m)
        return self.weight @ x


def _train(m, steps=4, seed=1, lr=0.05):
    rng = np.random.default_rng(seed)
    opt = optim.Adam(m.parameters(), lr=lr)
    in_f = m.weight.shape[-1]
    for _ in range(steps):
        x = ag.tensor(rng.standard_normal((3, in_f)), dtype=m.weight.dtype, device=m.weight.device)
        loss = (m(x) ** 3).sum() if isinstance(m, nn.Linear) else (m(x[0]) ** 3).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()


@pytest.mark.parametrize("triv", [True, False], ids=["triv", "no-triv"])
@pytest.mark.parametrize("omap", MAPS)
@pytest.mark.parametrize("shape", SHAPES, ids=["square", "tall", "wide"])
def test_stays_orthogonal_through_optimizer_steps(shape, omap, triv):
    m = PZ.orthogonal(_linear(shape), orthogonal_map=omap, use_trivialization=triv)
    before = _np(m.weight)
    assert _orth_error(before) < 1e-12
    _train(m)
    after = _np(m.weight)
    assert _orth_error(after) < 1e-12
    assert np.abs(after - before).max() > 1e-3  # the steps moved it
    orig = m.parametrizations.weight.original
    assert orig.grad is not None and orig.shape == shape
    if triv:
        assert not m.parametrizations.weight[0].base.requires_grad


@pytest.mark.parametrize("omap", MAPS)
def test_batched_weights(omap):
    m = PZ.orthogonal(Batched((2, 4, 3)), orthogonal_map=omap)
    assert m.weight.shape == (2, 4, 3) and _orth_error(_np(m.weight)) < 1e-12
    _train(m)
    assert _orth_error(_np(m.weight)) < 1e-12


def test_default_map_and_the_initial_value():
    sq = PZ.orthogonal(_linear((4, 4)))
    tall = PZ.orthogonal(_linear((5, 3)))
    assert sq.parametrizations.weight[0].orthogonal_map == "matrix_exp"
    assert tall.parametrizations.weight[0].orthogonal_map == "householder"
    # a non-orthogonal weight starts as its Q factor, with diag(R) >= 0
    w = _np(_linear((5, 3)).weight)
    q, r = np.linalg.qr(w)
    q = q * np.sign(np.diag(r))
    np.testing.assert_allclose(_np(tall.weight), q, atol=1e-12)
    # an orthogonal weight is kept as it is; the original is then -I
    lin = _linear((4, 4))
    with ag.no_grad():
        lin.weight.copy_(ag.tensor(np.linalg.qr(_np(lin.weight))[0]))
    want = _np(lin.weight)
    PZ.orthogonal(lin)
    np.testing.assert_allclose(_np(lin.weight), want, atol=1e-14)
    np.testing.assert_array_equal(_np(lin.parametrizations.weight.original), -np.eye(4))
    # without trivialization, householder stores the reflectors: the same initial Q
    hh = PZ.orthogonal(_linear((5, 3)), orthogonal_map="householder", use_trivialization=False)
    np.testing.assert_allclose(_np(hh.weight), q, atol=1e-12)
    assert "base" not in hh.parametrizations.weight[0]._buffers


def test_assignment_state_dict_and_float32():
    m = PZ.orthogonal(_linear((5, 3)), orthogonal_map="cayley")
    q = np.linalg.qr(np.random.default_rng(3).standard_normal((5, 3)))[0]
    m.weight = ag.tensor(q)
    np.testing.assert_allclose(_np(m.weight), q, atol=1e-12)
    keys = set(m.state_dict())
    assert keys == {"parametrizations.weight.original", "parametrizations.weight.0.base"}
    m2 = PZ.orthogonal(_linear((5, 3), seed=9), orthogonal_map="cayley")
    m2.load_state_dict(m.state_dict())
    np.testing.assert_allclose(_np(m2.weight), q, atol=1e-12)
    f32 = PZ.orthogonal(_linear((4, 3), dtype=np.float32))
    assert f32.weight.dtype == np.float32 and _orth_error(_np(f32.weight)) < 1e-5
    _train(f32)
    assert f32.weight.dtype == np.float32 and _orth_error(_np(f32.weight)) < 1e-5


@pytest.mark.parametrize("omap", MAPS)
@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4)], ids=["square", "tall", "wide"])
def test_gradients_first_and_second_order(shape, omap):
    m = PZ.orthogonal(_linear(shape), orthogonal_map=omap)
    orth = m.parametrizations.weight[0]
    x = ag.tensor(np.random.default_rng(4).standard_normal(shape) * 0.5, requires_grad=True)
    assert ag.gradcheck(orth, (x,))
    assert ag.gradgradcheck(orth, (x,))


def test_errors():
    with pytest.raises(
        ValueError,
        match=r"orthogonal: expected a matrix or batch of matrices. Got a tensor of 1 dim.*\(3,\)",
    ):
        PZ.orthogonal(nn.BatchNorm1d(3))
    with pytest.raises(ValueError, match='orthogonal_map has to be one of "matrix_exp"'):
        PZ.orthogonal(_linear((3, 3)), orthogonal_map="qr")
    with pytest.raises(ValueError, match="no parameter or buffer with name 'w'"):
        PZ.orthogonal(_linear((3, 3)), name="w")
    m = PZ.orthogonal(_linear((4, 3)))
    with pytest.raises(
        ValueError,
        match=r"orthogonal: expected .* of shape \(4, 3\). Got a tensor of shape \(3, 4\)",
    ):
        m.weight = ag.tensor(np.eye(3, 4))
    m = PZ.orthogonal(_linear((3, 3)), orthogonal_map="matrix_exp", use_trivialization=False)
    assert _orth_error(_np(m.weight)) < 1e-12  # exp of the skew part of the kept original
    with pytest.raises(
        NotImplementedError, match="orthogonal: it is not possible to assign to the matrix exp"
    ):
        m.weight = ag.tensor(np.eye(3))


# -- against PyTorch ------------------------------------------------------------------------------


@pytest.mark.parametrize("triv", [True, False], ids=["triv", "no-triv"])
@pytest.mark.parametrize("omap", [None, *MAPS])
@pytest.mark.parametrize("shape", SHAPES, ids=["square", "tall", "wide"])
def test_matches_torch_through_sgd_steps(shape, omap, triv):
    torch = pytest.importorskip("torch")
    ours = _linear(shape)
    theirs = torch.nn.Linear(shape[1], shape[0], bias=False).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(_np(ours.weight)))
    PZ.orthogonal(ours, orthogonal_map=omap, use_trivialization=triv)
    torch.nn.utils.parametrizations.orthogonal(theirs, orthogonal_map=omap, use_trivialization=triv)
    if triv and shape[0] != shape[1]:  # the completion to n x n is random: use torch's
        with ag.no_grad():
            base = theirs.parametrizations.weight[0].base.detach().numpy()
            ours.parametrizations.weight[0].base.copy_(ag.tensor(base))
    np.testing.assert_allclose(_np(ours.weight), theirs.weight.detach().numpy(), atol=1e-12)
    opt, topt = optim.SGD(ours.parameters(), lr=0.1), torch.optim.SGD(theirs.parameters(), lr=0.1)
    rng = np.random.default_rng(5)
    for _ in range(3):
        x = rng.standard_normal((4, shape[1]))
        loss, tloss = (ours(ag.tensor(x)) ** 3).sum(), (theirs(torch.tensor(x)) ** 3).sum()
        opt.zero_grad()
        topt.zero_grad()
        loss.backward()
        tloss.backward()
        g = ours.parametrizations.weight.original.grad.numpy()
        tg = theirs.parametrizations.weight.original.grad.numpy()
        np.testing.assert_allclose(g, tg, rtol=1e-9, atol=1e-10)
        opt.step()
        topt.step()
    np.testing.assert_allclose(_np(ours.weight), theirs.weight.detach().numpy(), atol=1e-10)
    want = theirs.parametrizations.weight.original.detach().numpy()
    np.testing.assert_allclose(_np(ours.parametrizations.weight.original), want, atol=1e-10)


# -- cuda (the fake CuPy in CI) -------------------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.parametrize(
    "omap, triv", [(m, True) for m in MAPS] + [("householder", False)], ids=str
)
def test_cuda(omap, triv):
    m = PZ.orthogonal(_linear((5, 3), device="cuda"), orthogonal_map=omap, use_trivialization=triv)
    cpu = PZ.orthogonal(_linear((5, 3)), orthogonal_map=omap, use_trivialization=triv)
    if triv:
        with ag.no_grad():
            cpu.parametrizations.weight[0].base.copy_(m.parametrizations.weight[0].base.cpu())
    assert m.weight.device.startswith("cuda")
    np.testing.assert_allclose(_np(m.weight), _np(cpu.weight), atol=1e-12)
    _train(m)
    assert _orth_error(_np(m.weight)) < 1e-12
    assert m.parametrizations.weight.original.grad.device.startswith("cuda")
