"""autograd.functional: vjp, jvp, jacobian, hessian, hvp, vhp against closed forms, finite
differences (float64) and, where installed, torch.autograd.functional."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import autograd.functional as AF

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((4, 4))


def t64(v, rg=False):
    return ag.tensor(np.asarray(v, dtype=np.float64), requires_grad=rg)


def two_in_two_out(x, y):
    """(4,), (2, 3) -> (3,), ()"""
    return (t64(A) @ x).tanh() * y.sum(0), (x * x).sum() * y.mean()


def scalar_fn(x, y):
    return ((t64(A) @ x).tanh() * y.sum(0)).sum() ** 2 + (x * x * x).sum()


X, Y = RNG.standard_normal(4), RNG.standard_normal((2, 3))


def numeric_jacobian(f, xs, i_out, j_in, eps=1e-6):
    """d f(xs)[i_out] / d xs[j_in] by central differences, shape out.shape + in.shape."""
    xs = [np.array(x, dtype=np.float64) for x in xs]
    base = np.asarray(f(*[t64(x) for x in xs])[i_out].numpy())
    J = np.zeros(base.shape + xs[j_in].shape)
    for k in np.ndindex(xs[j_in].shape):
        hi = [x.copy() for x in xs]
        lo = [x.copy() for x in xs]
        hi[j_in][k] += eps
        lo[j_in][k] -= eps
        d = f(*[t64(x) for x in hi])[i_out].numpy() - f(*[t64(x) for x in lo])[i_out].numpy()
        J[(Ellipsis,) + k] = d / (2 * eps)
    return J


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
def test_jacobian_of_a_linear_map_is_its_matrix(strategy):
    J = AF.jacobian(lambda x: t64(A) @ x, t64(X), strategy=strategy)
    assert J.shape == (3, 4) and not J.requires_grad
    np.testing.assert_allclose(J.numpy(), A, rtol=1e-15)


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
def test_jacobian_blocks_match_finite_differences(strategy):
    J = AF.jacobian(two_in_two_out, (t64(X), t64(Y)), strategy=strategy)
    assert len(J) == 2 and all(len(row) == 2 for row in J)
    for i in range(2):
        for j in range(2):
            num = numeric_jacobian(two_in_two_out, (X, Y), i, j)
            assert J[i][j].shape == num.shape
            np.testing.assert_allclose(J[i][j].numpy(), num, rtol=1e-6, atol=1e-8)


def test_jacobian_result_structure_follows_inputs_and_outputs():
    x, y = t64(X), t64(Y)
    one_one = AF.jacobian(lambda a: a * 2, x)
    assert isinstance(one_one, ag.Tensor) and one_one.shape == (4, 4)
    one_out = AF.jacobian(lambda a, b: a * b.sum(), (x, y))
    assert isinstance(one_out, tuple) and [t.shape for t in one_out] == [(4, 4), (4, 2, 3)]
    one_in = AF.jacobian(lambda a: (a * 2, a.sum()), x)
    assert isinstance(one_in, tuple) and [t.shape for t in one_in] == [(4, 4), (4,)]


def test_vjp_and_jvp_are_adjoint():
    """<v, J u> = <J^T v, u> for random u, v (jvp by the double-backward trick)."""
    x, y = t64(X), t64(Y)
    u = (t64(RNG.standard_normal(4)), t64(RNG.standard_normal((2, 3))))
    v = (t64(RNG.standard_normal(3)), t64(1.7))
    outs, jv = AF.jvp(two_in_two_out, (x, y), u)
    outs2, vj = AF.vjp(two_in_two_out, (x, y), v)
    np.testing.assert_allclose(outs[0].numpy(), outs2[0].numpy())
    lhs = sum(float((a.numpy() * b.numpy()).sum()) for a, b in zip(v, jv))
    rhs = sum(float((a.numpy() * b.numpy()).sum()) for a, b in zip(vj, u))
    assert lhs == pytest.approx(rhs, rel=1e-12)
    J = AF.jacobian(two_in_two_out, (x, y))
    expect0 = J[0][0].numpy() @ u[0].numpy() + np.tensordot(J[0][1].numpy(), u[1].numpy(), 2)
    np.testing.assert_allclose(jv[0].numpy(), expect0, rtol=1e-12)


def test_hessian_of_a_quadratic_form_is_b_plus_b_transpose():
    H = AF.hessian(lambda x: x @ (t64(B) @ x), t64(X))
    np.testing.assert_allclose(H.numpy(), B + B.T, rtol=1e-14)


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
def test_hessian_blocks_match_finite_differences_of_the_gradient(strategy):
    H = AF.hessian(scalar_fn, (t64(X), t64(Y)), outer_jacobian_strategy=strategy)

    def grads(x, y):
        return ag.grad(scalar_fn(x, y), [x, y])

    for i in range(2):
        for j in range(2):
            num = numeric_jacobian(
                lambda a, b: grads(a.requires_grad_(), b.requires_grad_()), (X, Y), i, j
            )
            np.testing.assert_allclose(H[i][j].numpy(), num, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(H[0][1].numpy(), np.moveaxis(H[1][0].numpy(), -1, 0), rtol=1e-12)


def test_hvp_and_vhp_equal_the_hessian_times_v():
    x = t64(X)
    v = t64(RNG.standard_normal(4))
    H = AF.hessian(lambda a: scalar_fn(a, t64(Y)), x).numpy()
    out, hv = AF.hvp(lambda a: scalar_fn(a, t64(Y)), x, v)
    _, vh = AF.vhp(lambda a: scalar_fn(a, t64(Y)), x, v)
    assert out.shape == ()
    np.testing.assert_allclose(hv.numpy(), H @ v.numpy(), rtol=1e-12)
    np.testing.assert_allclose(vh.numpy(), v.numpy() @ H, rtol=1e-12)


def test_create_graph_results_differentiate_to_third_order():
    """H of sum(x^4) is diag(12 x^2); d sum(H) / dx = 24 x."""
    x = t64(X, rg=True)
    H = AF.hessian(lambda a: (a**4).sum(), x, create_graph=True)
    assert H.requires_grad
    (g3,) = ag.grad(H.sum(), x)
    np.testing.assert_allclose(g3.numpy(), 24 * X, rtol=1e-12)
    _, (vj,) = AF.vjp(lambda a: (a**3,), (x,), (t64(np.ones(4)),), create_graph=True)
    (g2,) = ag.grad(vj.sum(), x)
    np.testing.assert_allclose(g2.numpy(), 6 * X, rtol=1e-12)


def test_caller_tensors_are_left_as_they_were():
    x = t64(X)
    AF.jacobian(lambda a: a * a, x)
    AF.hessian(lambda a: (a * a).sum(), x)
    assert not x.requires_grad and x.grad is None and x.grad_fn is None


def test_strict_refuses_an_output_independent_of_an_input_and_zeros_otherwise():
    x, y = t64(X), t64(Y)
    with pytest.raises(RuntimeError, match=r"jacobian: outputs\[0\] is independent of inputs\[1\]"):
        AF.jacobian(lambda a, b: a * 2, (x, y), strict=True)
    J = AF.jacobian(lambda a, b: a * 2, (x, y))
    assert J[1].shape == (4, 2, 3) and not J[1].numpy().any()
    with pytest.raises(RuntimeError, match="strict=True"):
        AF.hvp(lambda a: (a * 3).sum(), x, x, strict=True)
    _, hv = AF.hvp(lambda a: (a * 3).sum(), x, x)
    assert not hv.numpy().any()


def test_bad_arguments_name_the_function_and_the_shapes():
    x = t64(X)
    with pytest.raises(TypeError, match=r"jacobian: inputs must be a Tensor, got ndarray"):
        AF.jacobian(lambda a: a, X)
    with pytest.raises(TypeError, match=r"vjp: outputs must be a Tensor, got float"):
        AF.vjp(lambda a: 1.0, x, x)
    with pytest.raises(TypeError, match=r"hessian: inputs\[0\] must be floating point"):
        AF.hessian(lambda a: a.sum(), ag.tensor([1, 2]))
    with pytest.raises(ag.ShapeError, match=r"vjp: v\[0\] has shape \(3,\), but outputs\[0\] "):
        AF.vjp(lambda a: a * 2, x, t64(np.ones(3)))
    with pytest.raises(RuntimeError, match=r"jvp: v can be omitted only when the inputs"):
        AF.jvp(lambda a: a * 2, x)
    with pytest.raises(RuntimeError, match=r"hessian: func must return a single Tensor"):
        AF.hessian(lambda a: a * 2, x)
    with pytest.raises(ValueError, match="strategy must be"):
        AF.jacobian(lambda a: a, x, strategy="sideways")


def test_every_function_matches_torch_autograd_functional():
    torch = pytest.importorskip("torch")
    TF = torch.autograd.functional

    def tfn(x, y):
        return (torch.tensor(A) @ x).tanh() * y.sum(0), (x * x).sum() * y.mean()

    def tscalar(x, y):
        return ((torch.tensor(A) @ x).tanh() * y.sum(0)).sum() ** 2 + (x * x * x).sum()

    ours_in, theirs_in = (t64(X), t64(Y)), (torch.tensor(X), torch.tensor(Y))
    u = (RNG.standard_normal(4), RNG.standard_normal((2, 3)))
    v = (RNG.standard_normal(3), np.array(0.3))

    def same(a, b):
        if isinstance(a, tuple):
            assert isinstance(b, tuple) and len(a) == len(b)
            for p, q in zip(a, b):
                same(p, q)
        else:
            assert a.shape == tuple(b.shape)
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)

    same(AF.jacobian(two_in_two_out, ours_in), TF.jacobian(tfn, theirs_in))
    same(
        AF.vjp(two_in_two_out, ours_in, tuple(map(t64, v))),
        TF.vjp(tfn, theirs_in, tuple(map(torch.tensor, v))),
    )
    same(
        AF.jvp(two_in_two_out, ours_in, tuple(map(t64, u))),
        TF.jvp(tfn, theirs_in, tuple(map(torch.tensor, u))),
    )
    same(AF.hessian(scalar_fn, ours_in), TF.hessian(tscalar, theirs_in))
    for ours, theirs in ((AF.hvp, TF.hvp), (AF.vhp, TF.vhp)):
        same(
            ours(scalar_fn, ours_in, tuple(map(t64, u))),
            theirs(tscalar, theirs_in, tuple(map(torch.tensor, u))),
        )
