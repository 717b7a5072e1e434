"""jacrev / jacfwd take the direction with fewer passes (the same Jacobian), argument checks."""

import numpy as np
import pytest

import autograd as ag
import autograd.func as func_mod
from autograd.func import jacfwd, jacrev


def _wide(x):  # R^3 -> R^(5, 4): many more outputs than inputs
    w = ag.tensor(np.linspace(-1.0, 1.0, 60).reshape(3, 20))
    return (x @ w).tanh().reshape(5, 4) * x.sum()


def _narrow(x):  # R^12 -> R^2
    return ag.stack([(x * x).sum(), x.sin().prod()])


def _spy(monkeypatch):
    used = []
    for name in ("_jacobian_forward", "_jacobian_reverse"):
        real = getattr(func_mod, name)

        def spy(*a, _real=real, _name=name):
            used.append(_name)
            return _real(*a)

        monkeypatch.setattr(func_mod, name, spy)
    return used


def test_jacrev_goes_forward_for_wide_outputs_and_matches_reverse(monkeypatch):
    x = ag.tensor([0.3, -0.7, 1.1], dtype=ag.float64)
    J_rev = ag.functional.jacobian(_wide, x, strategy="reverse-mode")
    used = _spy(monkeypatch)
    J = jacrev(_wide)(x)
    assert used == ["_jacobian_forward"] and J.shape == (5, 4, 3)
    np.testing.assert_allclose(J.numpy(), J_rev.numpy(), rtol=1e-13, atol=1e-15)


def test_jacfwd_goes_reverse_for_narrow_outputs(monkeypatch):
    x = ag.tensor(np.linspace(0.1, 1.2, 12))
    J_fwd = ag.functional.jacobian(_narrow, x, strategy="forward-mode")
    used = _spy(monkeypatch)
    J = jacfwd(_narrow)(x)
    assert used == ["_jacobian_reverse"]
    np.testing.assert_allclose(J.numpy(), J_fwd.numpy(), rtol=1e-13, atol=1e-15)


def test_jacrev_stays_reverse_through_a_users_function(monkeypatch):
    class Cube(ag.Function):  # its backward is not differentiable (raw numpy)
        @staticmethod
        def forward(ctx, v):
            ctx.save_for_backward(v)
            return v**3

        @staticmethod
        def backward(ctx, gy):
            (v,) = ctx.saved_tensors
            return ag.tensor(3 * v.detach().numpy() ** 2) * gy

    used = _spy(monkeypatch)
    x = ag.tensor([0.5, -1.0], dtype=ag.float64)
    J = jacrev(lambda v: Cube.apply(v)[:, None] * ag.ones(2, 10, dtype=ag.float64))(x)
    assert used == ["_jacobian_reverse"]
    expect = np.zeros((2, 10, 2))
    for i in range(2):
        expect[i, :, i] = 3 * x.numpy()[i] ** 2
    np.testing.assert_allclose(J.numpy(), expect, rtol=1e-15)


def test_direction_choice_matches_torch_and_nests():
    torch = pytest.importorskip("torch")
    xs = np.array([0.3, -0.7, 1.1])
    ours = jacrev(_wide)(ag.tensor(xs))
    w = torch.tensor(np.linspace(-1.0, 1.0, 60).reshape(3, 20))
    theirs = torch.func.jacrev(lambda x: (x @ w).tanh().reshape(5, 4) * x.sum())(torch.tensor(xs))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-13, atol=1e-15)
    # nested: the gradient of a Jacobian entry's sum goes through the forward-built Jacobian
    x = ag.tensor(xs, requires_grad=True)
    (g,) = ag.grad(jacrev(_wide)(x).sum(), x)
    tx = torch.tensor(xs, requires_grad=True)
    wt = w
    (tg,) = torch.autograd.grad(
        torch.func.jacrev(lambda v: (v @ wt).tanh().reshape(5, 4) * v.sum())(tx).sum(), tx
    )
    np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-12)


def test_argument_checks_as_torch():
    with pytest.raises(ValueError, match="chunk_size` should be greater than 0"):
        jacrev(_wide, chunk_size=0)
    with pytest.raises(ValueError, match="randomness must be 'error', 'different' or 'same'"):
        jacfwd(_wide, randomness="foo")
    with pytest.raises(RuntimeError, match="drew random numbers while randomness='error'"):
        jacfwd(lambda v: v * ag.rand(3))(ag.ones(3))
    J = jacfwd(lambda v: v * ag.rand(3), randomness="same")(ag.ones(3))
    assert J.shape == (3, 3)


def test_vmap_chunk_size_checked_as_torch():
    for bad in (0, -2, 1.5):
        with pytest.raises(ValueError, match="chunk_size should be None or greater than 0"):
            ag.vmap(lambda r: r, chunk_size=bad)
    assert ag.vmap(lambda r: r * 2, chunk_size=2)(ag.ones(3, 2)).tolist() == [[2.0, 2.0]] * 3


def test_linearize_matches_torch_and_runs_f_once():
    torch = pytest.importorskip("torch")
    from autograd.func import linearize

    calls = []
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal(4), rng.standard_normal((4, 3))

    def f(x, w):
        calls.append(1)
        return ((x @ w).sin(), (x * x).sum())

    def ft(x, w):
        return ((x @ w).sin(), (x * x).sum())

    out, jvp_fn = linearize(f, ag.tensor(a), ag.tensor(b))
    tout, tjvp = torch.func.linearize(ft, torch.tensor(a), torch.tensor(b))
    for _ in range(3):
        ta, tb = rng.standard_normal(4), rng.standard_normal((4, 3))
        ours = jvp_fn(ag.tensor(ta), ag.tensor(tb))
        theirs = tjvp(torch.tensor(ta), torch.tensor(tb))
        for o, t in zip(ours, theirs):
            np.testing.assert_allclose(o.numpy(), t.detach().numpy(), rtol=1e-13, atol=1e-15)
    assert len(calls) == 1
    np.testing.assert_allclose(out[0].numpy(), tout[0].numpy(), rtol=1e-13, atol=1e-14)
    with pytest.raises(ValueError, match="tangent 1 has shape"):
        jvp_fn(ag.tensor(a), ag.tensor(a))
    with pytest.raises(ValueError, match="expected 2 tangent tensors"):
        jvp_fn(ag.tensor(a))


def test_jacrev_stays_reverse_where_hooks_or_refusals_are():
    x = ag.tensor([0.3, -0.7], dtype=ag.float64)

    def hooked(v):
        y = v.sin()
        y.register_hook(lambda g: g.clamp(max=0.1))  # not linear in the gradient
        return y[:, None] * ag.ones(2, 6, dtype=ag.float64)

    J = jacrev(hooked)(x)
    J_rev = ag.functional.jacobian(hooked, x, strategy="reverse-mode")
    np.testing.assert_allclose(J.numpy(), J_rev.numpy(), rtol=1e-15)

    def node_hooked(v):
        y = v.exp()
        y.grad_fn.register_hook(lambda gi, go: (gi[0] + 1,))
        return y[:, None] * ag.ones(2, 6, dtype=ag.float64)

    np.testing.assert_allclose(
        jacrev(node_hooked)(x).numpy(),
        ag.functional.jacobian(node_hooked, x, strategy="reverse-mode").numpy(),
        rtol=1e-15,
    )


def test_forward_mode_through_logcumsumexp():
    # its backward must be linear in the cotangent at 0 (forward mode seeds with zeros)
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(1).standard_normal((3, 4)) * 3
    for ax in (0, 1):
        ours = jacrev(lambda v, ax=ax: ag.logcumsumexp(v, ax))(ag.tensor(a))
        fwd = jacfwd(lambda v, ax=ax: ag.logcumsumexp(v, ax))(ag.tensor(a))
        theirs = torch.func.jacrev(lambda v, ax=ax: torch.logcumsumexp(v, ax))(torch.tensor(a))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(fwd.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-14)


def test_jacfwd_randomness_error_restores_the_generator():
    ag.manual_seed(3)
    state = ag.get_rng_state()
    with pytest.raises(RuntimeError, match="randomness='error'"):
        jacfwd(lambda v: v * ag.rand(3))(ag.ones(3))
    assert ag.get_rng_state() == state
