"""The engine: diamonds, deep chains, freeing, retain/create_graph, ag.grad, hooks, custom ops.

Gradients are compared with central differences of ``sum(v * f(x))`` for a random cotangent ``v``
(an all-ones cotangent hides bugs that cancel), in float64, or with closed forms.
"""

from __future__ import annotations

import gc
import os
import re
import weakref

import numpy as np
import pytest

import autograd as ag

HERE = os.path.basename(__file__)


def f64(a, requires_grad=True):
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def numeric_vjp(fn, arrays, v, eps=1e-6):
    """d/d(arrays) of sum(v * fn(*arrays)) by central differences; fn maps arrays to an array."""
    out = []
    for k, a in enumerate(arrays):
        g = np.zeros_like(a)
        for idx in np.ndindex(*a.shape):
            plus = [b.copy() for b in arrays]
            minus = [b.copy() for b in arrays]
            plus[k][idx] += eps
            minus[k][idx] -= eps
            g[idx] = (np.sum(v * fn(*plus)) - np.sum(v * fn(*minus))) / (2 * eps)
        out.append(g)
    return out


def through_tensors(fn):
    """Run a Tensor function on arrays (for numeric_vjp)."""

    def run(*arrays):
        with ag.no_grad():
            return fn(*[f64(a, requires_grad=False) for a in arrays]).numpy()

    return run


def check_vjp(fn, arrays, seed=0):
    """Backward of fn with a random cotangent equals the numerical vector-Jacobian product."""
    rng = np.random.default_rng(seed)
    xs = [f64(a) for a in arrays]
    y = fn(*xs)
    v = rng.standard_normal(y.shape)
    y.backward(v)
    want = numeric_vjp(through_tensors(fn), [np.array(a, dtype=np.float64) for a in arrays], v)
    for x, w in zip(xs, want):
        assert x.grad is not None
        assert x.grad.shape == x.shape
        np.testing.assert_allclose(x.grad.numpy(), w, rtol=1e-6, atol=1e-8)


# -- shared subexpressions ----------------------------------------------------------------------


def test_diamond_gradients_match_numerical():
    # x feeds a and b, both feed c: the engine must sum both paths before running x's records
    def fn(x):
        a = x * x
        b = x.exp()
        c = a * b + a.sin() * x - b / (a + 1.0)
        return c

    rng = np.random.default_rng(1)
    check_vjp(fn, [rng.uniform(-1, 1, size=(3, 4))])


def test_shared_interior_node_used_by_many_consumers():
    def fn(x, w):
        h = (x @ w).tanh()  # one interior record, consumed four times
        return h * h + h.exp() * 2.0 - h.sigmoid() + (h @ w.T)

    rng = np.random.default_rng(2)
    check_vjp(fn, [rng.standard_normal((3, 4)), rng.standard_normal((4, 4))])


def test_same_tensor_used_many_times_in_one_expression():
    x = f64([0.5, -1.5, 2.0])
    y = x
    for k in range(1, 51):
        y = y + x * float(k)
    y.backward(np.array([1.0, 2.0, -3.0]))
    # y = x * (1 + 1 + 2 + ... + 50)
    np.testing.assert_allclose(x.grad.numpy(), (1 + 1275) * np.array([1.0, 2.0, -3.0]))


def test_scalar_used_as_both_operands():
    x = f64(1.7)
    ((x * x) * x).backward()
    assert x.grad.shape == ()
    np.testing.assert_allclose(x.grad.item(), 3 * 1.7**2)


def test_multiple_outputs_to_grad():
    rng = np.random.default_rng(3)
    x = f64(rng.standard_normal(4))
    y1, y2 = x.sin(), (x * x).sum()
    v1 = rng.standard_normal(4)
    (g,) = ag.grad([y1, y2], x, grad_outputs=[ag.tensor(v1), ag.tensor(np.array(0.5))])
    np.testing.assert_allclose(g.numpy(), v1 * np.cos(x.detach().numpy()) + x.detach().numpy())


def test_gradients_keep_each_inputs_dtype():
    x32 = ag.tensor([1.0, 2.0], requires_grad=True)
    w64 = f64([1.0, 3.0])
    h16 = ag.tensor([0.5, 0.25], dtype=ag.float16, requires_grad=True)
    (x32 * w64 * h16).sum().backward()
    assert (x32.grad.dtype, w64.grad.dtype, h16.grad.dtype) == (np.float32, np.float64, np.float16)
    np.testing.assert_allclose(x32.grad.numpy(), [0.5, 0.75])
    np.testing.assert_allclose(w64.grad.numpy(), [0.5, 0.5])
    np.testing.assert_allclose(h16.grad.numpy(), [1.0, 6.0])


# -- accumulation -------------------------------------------------------------------------------


def test_grad_accumulates_over_two_backward_calls():
    x = f64([1.0, 2.0, 3.0])
    (x * x).sum().backward()
    first = x.grad
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])
    (x.sin() * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0] + 3 * np.cos([1.0, 2.0, 3.0]))
    assert x.grad is first  # accumulated in place, as PyTorch does
    assert not x.grad.requires_grad


def test_grad_reset_to_none_starts_over():
    x = f64([1.0, 2.0])
    (x * 3.0).sum().backward()
    x.grad = None
    (x * 5.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])


def test_leaf_grads_do_not_alias_each_other_or_the_seed():
    a, b = f64([1.0, 2.0]), f64([3.0, 4.0])
    v = np.array([0.3, -0.7])
    (a + b).backward(v)  # Add hands the same gradient array to both leaves
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    assert not np.shares_memory(a.grad.numpy(), v)
    with ag.no_grad():
        a.grad.mul_(10.0)
    np.testing.assert_allclose(b.grad.numpy(), v)
    np.testing.assert_allclose(v, [0.3, -0.7])


def test_leaf_grads_do_not_alias_with_create_graph():
    a, b = f64([1.0, 2.0]), f64([3.0, 4.0])
    v = ag.tensor(np.array([0.3, -0.7]))
    (a + b).backward(v, create_graph=True)
    assert a.grad is not b.grad
    assert not np.shares_memory(a.grad.detach().numpy(), b.grad.detach().numpy())
    assert not np.shares_memory(a.grad.detach().numpy(), v.numpy())


def test_backward_inputs_grads_do_not_alias():
    a, b = f64([1.0, 2.0]), f64([3.0, 4.0])
    v = np.array([0.3, -0.7])
    (a + b).backward(v, inputs=[a, b])
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    assert not np.shares_memory(a.grad.numpy(), v)
    (a * 2.0 + b).backward(v)  # the second backward accumulates in place
    np.testing.assert_allclose(a.grad.numpy(), 3 * v)
    np.testing.assert_allclose(b.grad.numpy(), 2 * v)
    np.testing.assert_allclose(v, [0.3, -0.7])


# -- deep graphs --------------------------------------------------------------------------------


def test_million_op_chain_has_no_recursion_limit():
    n = 10**6
    c = 1.0000001
    x = f64([1.0])
    y = x
    for _ in range(n):
        y = y * c
    y.backward(np.array([1.0]))
    np.testing.assert_allclose(x.grad.numpy(), [c**n], rtol=1e-8)


def test_deep_tensor_chain_and_freeing_without_backward():
    x = f64([1.0])
    w = f64([1.00001])
    y = x
    for _ in range(10**5):
        y = y * w
    gx, gw = ag.grad(y, [x, w], grad_outputs=ag.tensor(np.array([1.0])), retain_graph=True)
    np.testing.assert_allclose(gx.numpy(), [1.00001**100000], rtol=1e-8)
    np.testing.assert_allclose(gw.numpy(), [100000 * 1.00001**99999], rtol=1e-8)
    ref = weakref.ref(y.grad_fn)
    del y  # a 10^5-deep graph with saved tensors is released without recursion
    assert ref() is None


# -- freeing by reference counting ---------------------------------------------------------------


def test_graph_is_freed_by_refcounting_without_gc():
    gc.collect()
    gc.disable()
    try:
        x = f64(np.random.default_rng(0).standard_normal((3, 3)))
        h = x.exp()  # interior
        z = (h * h).sum()
        node_h = weakref.ref(h.grad_fn)
        node_z = weakref.ref(z.grad_fn)
        ref_h = weakref.ref(h)
        del h
        assert ref_h() is not None  # saved by the Mul record
        z.backward()
        assert ref_h() is None  # saved values are released as each record runs
        assert node_h() is not None  # still reachable from z
        del z
        assert node_z() is None
        assert node_h() is None
        assert x.grad is not None
    finally:
        gc.enable()


def test_unused_graph_is_freed_without_backward_or_gc():
    gc.collect()
    gc.disable()
    try:
        x = f64(np.ones((2, 2)))
        h = x.tanh()
        h.register_hook(lambda g: g * 2.0)
        h.retain_grad()
        y = (h @ h).sum()
        with ag.detect_anomaly():
            y = y * 2.0
        refs = [weakref.ref(y.grad_fn), weakref.ref(h.grad_fn), weakref.ref(h)]
        del h, y
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


def test_higher_order_graph_is_freed_without_gc():
    gc.collect()
    gc.disable()
    try:
        x = f64([0.3, 0.5])
        y = (x.sin() * x).sum()
        (g1,) = ag.grad(y, x, create_graph=True)
        (g2,) = ag.grad(g1.sum(), x, create_graph=True)
        refs = [weakref.ref(t.grad_fn) for t in (y, g1, g2)]
        del y, g1, g2
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


def test_retain_graph_keeps_saved_values():
    x = f64([1.0, 2.0])
    h = x.exp()
    ref_h = weakref.ref(h)
    z = (h * h).sum()
    del h
    z.backward(retain_graph=True)
    assert ref_h() is not None
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * 2 * np.exp(2 * np.array([1.0, 2.0])))


# -- retain_graph -------------------------------------------------------------------------------


def test_second_backward_needs_retain_graph():
    x = f64([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_save_private_arrays_reach_backward_and_are_freed_after_it():
    """An op's own forward array (save_private) follows the saved inputs in self.saved; the
    backward frees it unless retain_graph, and the op's instance no longer holds it."""

    class Sq(ag.Function):
        save_private = True

        def forward(self, x):
            self._private = (2 * x,)
            return x * x

        def backward(self, gy):
            (two_x,) = self.saved
            return gy * two_x

    x = f64([1.0, -3.0])
    y = Sq.apply(x)
    assert y.grad_fn._private is None
    (kept,) = [a for a, _, _ in y.grad_fn._saved]
    ref = weakref.ref(kept)
    del kept
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, -12.0])
    assert ref() is None
    with pytest.raises(RuntimeError, match="second time.*Sq"):
        y.sum().backward()


def test_second_backward_raises_even_when_nothing_was_saved():
    x = f64([1.0, 2.0])
    y = (x + 1.0).sum()  # neither record saves anything
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_backward_through_freed_subgraph_raises():
    x = f64([1.0, 2.0])
    h = x * x
    h.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        (h * 3.0).sum().backward()


# -- higher order -------------------------------------------------------------------------------


def test_create_graph_third_derivative_of_cube():
    for x0 in (0.7, -1.3):
        x = f64(x0)
        (g1,) = ag.grad(x**3, x, create_graph=True)
        (g2,) = ag.grad(g1, x, create_graph=True)
        (g3,) = ag.grad(g2, x)
        np.testing.assert_allclose(g1.item(), 3 * x0**2)
        np.testing.assert_allclose(g2.item(), 6 * x0)
        np.testing.assert_allclose(g3.item(), 6.0)
        assert g1.requires_grad and g2.requires_grad


def test_create_graph_derivatives_of_sin_via_backward():
    x0 = np.array([0.3, 1.2, -2.0])
    x = f64(x0)
    x.sin().sum().backward(create_graph=True)
    g1 = x.grad
    assert g1.requires_grad
    np.testing.assert_allclose(g1.detach().numpy(), np.cos(x0))
    (g2,) = ag.grad(g1.sum(), x, create_graph=True)
    np.testing.assert_allclose(g2.detach().numpy(), -np.sin(x0))
    (g3,) = ag.grad(g2.sum(), x)
    np.testing.assert_allclose(g3.numpy(), -np.cos(x0))


def test_create_graph_mixed_partials():
    rng = np.random.default_rng(4)
    a, b = f64(rng.standard_normal(3)), f64(rng.standard_normal(3))
    y = (a * a * b).exp().sum()
    (ga,) = ag.grad(y, a, create_graph=True)
    v = rng.standard_normal(3)
    (gab,) = ag.grad(ga, b, grad_outputs=ag.tensor(v))
    a0, b0 = a.detach().numpy(), b.detach().numpy()
    e = np.exp(a0 * a0 * b0)
    # d/db [2ab e^(a^2 b)] = 2a e + 2ab a^2 e
    np.testing.assert_allclose(gab.numpy(), v * (2 * a0 * e + 2 * a0**3 * b0 * e))


def test_gradgradcheck_composite():
    rng = np.random.default_rng(5)
    x, w = f64(rng.standard_normal((2, 3))), f64(rng.standard_normal((3, 2)))
    assert ag.gradgradcheck(lambda x, w: ((x @ w).tanh() * x.sum()).exp(), (x, w))


def test_first_order_grads_do_not_require_grad():
    x = f64([1.0, 2.0])
    (g,) = ag.grad((x * x).sum(), x)
    assert not g.requires_grad
    assert g.grad_fn is None


# -- ag.grad ------------------------------------------------------------------------------------


def test_grad_allow_unused():
    x, z = f64([1.0, 2.0]), f64([3.0, 4.0])
    y = (x * 2.0).sum()
    with pytest.raises(RuntimeError, match="allow_unused"):
        ag.grad(y, [x, z], retain_graph=True)
    gx, gz = ag.grad(y, [x, z], allow_unused=True)
    np.testing.assert_allclose(gx.numpy(), [2.0, 2.0])
    assert gz is None


def test_grad_does_not_touch_dot_grad():
    x = f64([1.0, 2.0])
    ag.grad((x * x).sum(), x)
    assert x.grad is None


def test_grad_with_respect_to_interior_tensors():
    rng = np.random.default_rng(6)
    x0 = rng.uniform(0.5, 1.5, size=(2, 3))
    x = f64(x0)
    h = x.log() * 2.0  # interior
    k = h.exp()  # interior, consumed twice
    y = (k * h).sum()
    gh, gk, gx = ag.grad(y, [h, k, x])
    h0 = 2 * np.log(x0)
    k0 = np.exp(h0)
    np.testing.assert_allclose(gk.numpy(), h0)
    np.testing.assert_allclose(gh.numpy(), k0 * h0 + k0)
    np.testing.assert_allclose(gx.numpy(), (k0 * h0 + k0) * 2 / x0)
    assert x.grad is None


def test_grad_output_itself():
    x = f64([1.0, 2.0])
    y = x * 3.0
    v = np.array([0.5, -2.0])
    (gy,) = ag.grad(y, y, grad_outputs=v)
    np.testing.assert_allclose(gy.numpy(), v)


def test_grad_input_not_requiring_grad_raises():
    x = f64([1.0], requires_grad=False)
    w = f64([2.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.grad((x * w).sum(), x)


# -- backward arguments -------------------------------------------------------------------------


def test_backward_with_gradient_for_non_scalar_output():
    rng = np.random.default_rng(7)
    x0 = rng.standard_normal((2, 3))
    x = f64(x0)
    y = x.tanh() * x
    v = rng.standard_normal((2, 3))
    y.backward(gradient=ag.tensor(v))
    t = np.tanh(x0)
    np.testing.assert_allclose(x.grad.numpy(), v * ((1 - t * t) * x0 + t))


def test_backward_gradient_that_requires_grad_without_create_graph():
    x = f64([0.3, 0.5])
    v = f64([1.0, 2.0])
    (x * x).backward(v)
    np.testing.assert_allclose(x.grad.numpy(), [0.6, 2.0])
    assert not x.grad.requires_grad


def test_backward_non_scalar_without_gradient_names_the_shape():
    x = f64(np.ones((2, 3)))
    with pytest.raises(RuntimeError, match=re.escape("(2, 3)")):
        (x * 2.0).backward()


def test_backward_gradient_of_wrong_shape_raises():
    x = f64(np.ones((2, 3)))
    with pytest.raises(RuntimeError, match=re.escape("(3, 2)")):
        (x * 2.0).backward(np.ones((3, 2)))


def test_backward_on_tensor_not_requiring_grad_raises():
    x = f64([1.0, 2.0], requires_grad=False)
    with pytest.raises(RuntimeError, match="does not require grad"):
        (x * 2.0).sum().backward()
    with ag.no_grad():
        y = (f64([1.0]) * 2.0).sum()
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_backward_inputs_accumulates_only_into_those():
    a, b, c = f64([1.0, 2.0]), f64([3.0, 4.0]), f64([5.0, 6.0])
    y = (a * b * c).sum()
    y.backward(inputs=[a, c])
    np.testing.assert_allclose(a.grad.numpy(), [15.0, 24.0])
    np.testing.assert_allclose(c.grad.numpy(), [3.0, 8.0])
    assert b.grad is None


def test_backward_inputs_single_tensor_and_accumulation():
    a, b = f64([1.0, 2.0]), f64([3.0, 4.0])
    (a * b).sum().backward(inputs=a)
    (a * b).sum().backward(inputs=a)
    np.testing.assert_allclose(a.grad.numpy(), [6.0, 8.0])
    assert b.grad is None


def test_backward_on_leaf_itself():
    x = f64([1.0, 2.0])
    x.backward(np.array([3.0, -1.0]))
    np.testing.assert_allclose(x.grad.numpy(), [3.0, -1.0])


def test_grad_of_constant_paths_stays_unset():
    x, w = f64([1.0, 2.0]), f64([1.0, 1.0], requires_grad=False)
    (x * w).sum().backward()
    assert w.grad is None
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])


# -- hooks and retain_grad ----------------------------------------------------------------------


def test_leaf_hook_replaces_gradient_and_can_be_removed():
    x = f64([1.0, 2.0])
    seen = []

    def hook(g):
        seen.append(g.numpy().copy())
        return g * 10.0

    handle = x.register_hook(hook)
    (x * x).sum().backward()
    np.testing.assert_allclose(seen[0], [2.0, 4.0])
    np.testing.assert_allclose(x.grad.numpy(), [20.0, 40.0])
    handle.remove()
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    assert len(seen) == 1


def test_leaf_hook_sees_the_total_gradient_once():
    x = f64([1.0, 2.0])
    calls = []
    x.register_hook(lambda g: calls.append(g.numpy().copy()))  # returns None: gradient kept
    (x * 2.0 + x * 3.0).sum().backward()
    assert len(calls) == 1
    np.testing.assert_allclose(calls[0], [5.0, 5.0])
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])


def test_interior_hook_modifies_gradient_flowing_back():
    x = f64([1.0, 2.0])
    h = x * x
    seen = []

    def hook(g):
        seen.append(g.numpy().copy())
        return g * 2.0

    handle = h.register_hook(hook)
    (h * 3.0).sum().backward(retain_graph=True)
    np.testing.assert_allclose(seen[0], [3.0, 3.0])
    np.testing.assert_allclose(x.grad.numpy(), [12.0, 24.0])  # 2 * 3 * 2x
    handle.remove()
    x.grad = None
    (h * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 12.0])


@pytest.mark.parametrize(
    "bad",
    [lambda g: ag.tensor(np.ones(3)), lambda g: g.float(), lambda g: g.numpy()],
    ids=["shape", "dtype", "not-a-tensor"],
)
@pytest.mark.parametrize("where", ["leaf", "interior"])
def test_hook_returning_an_invalid_gradient_raises(bad, where):
    x = f64([1.0, 2.0])
    h = x if where == "leaf" else x * 2.0
    h.register_hook(bad)
    with pytest.raises(RuntimeError, match="hook"):
        (h * h).sum().backward()
    assert x.grad is None


def test_hooks_need_requires_grad():
    with pytest.raises(RuntimeError):
        f64([1.0], requires_grad=False).register_hook(lambda g: g)
    with pytest.raises(TypeError):
        f64([1.0]).register_hook("not callable")


def test_retain_grad_on_interior_tensors():
    rng = np.random.default_rng(8)
    x0 = rng.standard_normal(3)
    x = f64(x0)
    h = x.sin()
    k = h * h
    h.retain_grad()
    k.retain_grad()
    m = x * 2.0  # not retained
    v = rng.standard_normal(3)
    (k + m).backward(v)
    np.testing.assert_allclose(k.grad.numpy(), v)
    np.testing.assert_allclose(h.grad.numpy(), v * 2 * np.sin(x0))
    with pytest.warns(UserWarning, match="not a leaf Tensor"):  # as torch
        assert m.grad is None
    np.testing.assert_allclose(x.grad.numpy(), v * 2 * np.sin(x0) * np.cos(x0) + 2 * v)


def test_retain_grad_accumulates_and_leaf_retain_is_noop():
    x = f64([1.0, 2.0])
    x.retain_grad()
    h = x * 3.0
    h.retain_grad()
    y = h.sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(h.grad.numpy(), [2.0, 2.0])
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])
    with pytest.raises(RuntimeError):
        f64([1.0], requires_grad=False).retain_grad()


# -- custom Functions ---------------------------------------------------------------------------


class Cube(ag.Function):
    """The example from autograd/function.py's docstring."""

    save_inputs = (0,)

    def forward(self, x):
        return x**3

    def backward(self, gy):
        (x,) = self.saved
        return gy * 3 * x * x


class ScaledProduct(ag.Function):
    """z = a * b * s for a constant s; exercises needs_grad, save_output and a constant arg."""

    save_inputs = (0, 1)
    save_output = True

    def forward(self, a, b, s):
        self.s = s
        return a * b * s

    def backward(self, gy):
        a, b, z = self.saved
        ga = self.reduce_grad(0, gy * b * self.s) if self.needs_grad(0) else None
        gb = self.reduce_grad(1, gy * a * self.s) if self.needs_grad(1) else None
        return ga, gb, None


def test_custom_function_forward_backward_and_gradcheck():
    x = f64([0.5, -1.0, 2.0])
    y = Cube.apply(x)
    assert isinstance(y, ag.Tensor)
    assert y.requires_grad and not y.is_leaf
    assert "Cube" in repr(y.grad_fn)
    np.testing.assert_allclose(y.detach().numpy(), [0.125, -1.0, 8.0])
    y.backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(x.grad.numpy(), [0.75, 6.0, 36.0])
    assert ag.gradcheck(Cube.apply, (f64(np.random.default_rng(0).standard_normal((2, 3))),))
    assert ag.gradgradcheck(Cube.apply, (f64(np.random.default_rng(1).standard_normal(4)),))


def test_custom_function_with_constants_and_broadcasting():
    rng = np.random.default_rng(9)
    a = f64(rng.standard_normal((3, 1)))
    b = f64(rng.standard_normal((4,)))
    assert ag.gradcheck(lambda a, b: ScaledProduct.apply(a, b, 2.5), (a, b))
    # only b requires grad: a's gradient is skipped
    c = f64(rng.standard_normal((3, 1)), requires_grad=False)
    y = ScaledProduct.apply(c, b, 2.5)
    y.backward(np.ones((3, 4)))
    np.testing.assert_allclose(b.grad.numpy(), np.full(4, 2.5 * c.numpy().sum()))


def test_custom_function_on_arrays_returns_array_and_records_nothing():
    out = Cube.apply(np.array([2.0]))
    assert isinstance(out, np.ndarray)
    x = f64([2.0], requires_grad=False)
    y = Cube.apply(x)
    assert not y.requires_grad and y.grad_fn is None


def test_backward_returning_wrong_shape_names_the_op():
    class BadShape(ag.Function):
        def forward(self, x):
            return x * 2

        def backward(self, gy):
            return gy.sum()

    x = f64([1.0, 2.0])
    with pytest.raises(RuntimeError, match="BadShape") as e:
        BadShape.apply(x).sum().backward()
    assert "(2,)" in str(e.value)
    # and when its input is an interior tensor
    with pytest.raises(RuntimeError, match="BadShape"):
        BadShape.apply(x * 3.0).sum().backward()


def test_backward_returning_wrong_dtype_names_the_op():
    class BadDtype(ag.Function):
        def forward(self, x):
            return x * 2

        def backward(self, gy):
            return (gy * 2).astype(np.float32)

    x = f64([1.0, 2.0])
    with pytest.raises(RuntimeError, match="BadDtype") as e:
        BadDtype.apply(x).sum().backward()
    assert "float32" in str(e.value) and "float64" in str(e.value)
    with pytest.raises(RuntimeError, match="BadDtype"):
        BadDtype.apply(x * 3.0).sum().backward()


@pytest.mark.parametrize("value", [1.0, "list", None], ids=["float", "list", "missing"])
def test_backward_returning_non_array_names_the_op(value):
    class NotAnArray(ag.Function):
        def forward(self, x, y):
            return x * y

        def backward(self, gy):
            if value == "list":
                return [gy], gy
            if value is None:
                return (gy,)  # one gradient for two arguments
            return value, gy

    x, y = f64([1.0, 2.0]), f64([3.0, 4.0])
    with pytest.raises(RuntimeError, match="NotAnArray"):
        NotAnArray.apply(x, y).sum().backward()


# -- anomaly detection --------------------------------------------------------------------------


def test_anomaly_forward_names_op_and_user_line():
    x = f64([1.0, -1.0])
    with ag.detect_anomaly():
        ok = x.exp()  # finite: no error
        with pytest.raises(RuntimeError) as e, np.errstate(invalid="ignore"):
            x.log()
    assert ok.shape == (2,)
    msg = str(e.value)
    assert "Log" in msg
    assert HERE in msg
    assert re.search(re.escape(HERE) + r":\d+", msg)
    assert not ag.is_anomaly_enabled()


def test_without_anomaly_mode_nan_propagates_silently():
    x = f64([1.0, -1.0])
    with np.errstate(invalid="ignore"):
        y = x.log()
    assert np.isnan(y.detach().numpy()[1])


def test_anomaly_backward_nan_names_op_and_line():
    x = f64([1.0, 4.0])
    with ag.detect_anomaly():
        y = (x * 0.0).sqrt()  # forward fine; d sqrt at 0 is infinite
        with pytest.raises(RuntimeError) as e, np.errstate(divide="ignore", invalid="ignore"):
            y.sum().backward()
    msg = str(e.value)
    assert "Sqrt" in msg
    assert "gradient" in msg
    assert HERE in msg


def test_anomaly_backward_in_custom_function():
    class NanBackward(ag.Function):
        def forward(self, x):
            return x + 1

        def backward(self, gy):
            return gy * np.nan

    x = f64([1.0, 2.0])
    with ag.detect_anomaly():
        y = NanBackward.apply(x) * 2.0
        with pytest.raises(RuntimeError, match="NanBackward") as e:
            y.sum().backward()
    assert HERE in str(e.value)
    # without anomaly mode the NaN reaches .grad
    x.grad = None
    NanBackward.apply(x).sum().backward()
    assert np.isnan(x.grad.numpy()).all()


def test_anomaly_enabled_only_for_backward_still_checks():
    x = f64([1.0, 4.0])
    y = (x * 0.0).sqrt()
    with ag.detect_anomaly():
        with pytest.raises(RuntimeError, match="Sqrt"), np.errstate(divide="ignore"):
            y.sum().backward()


def test_anomaly_decorator_and_check_nan_false():
    @ag.detect_anomaly()
    def f(x):
        assert ag.is_anomaly_enabled()
        return x.log()

    with pytest.raises(RuntimeError, match="Log"), np.errstate(invalid="ignore"):
        f(f64([-1.0]))
    assert not ag.is_anomaly_enabled()
    with ag.detect_anomaly(check_nan=False), np.errstate(invalid="ignore"):
        y = f64([-1.0]).log()
    assert np.isnan(y.detach().numpy()).all()


def test_retain_grad_is_filled_under_inputs_and_ag_grad():
    x = f64([1.0, 2.0])
    y = x * 3
    y.retain_grad()
    (y * y).sum().backward(inputs=[x])
    np.testing.assert_allclose(y.grad.numpy(), [6.0, 12.0])
    x = f64([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    ag.grad((y * y).sum(), x)
    np.testing.assert_allclose(y.grad.numpy(), [4.0, 8.0])


def test_backward_inputs_must_be_tensors_that_require_grad():
    x = f64([1.0, 2.0])
    loss = (x * 2).sum()
    with pytest.raises(RuntimeError, match="inputs argument cannot be empty"):
        loss.backward(inputs=[])
    with pytest.raises(RuntimeError, match=r"inputs\[0\] \(shape \(1,\)\) does not require grad"):
        loss.backward(inputs=[f64([1.0], requires_grad=False)])
    with pytest.raises(TypeError, match=r"inputs\[0\] must be a Tensor"):
        loss.backward(inputs=[np.ones(2)])


def test_anomaly_names_the_users_line_for_an_op_made_inside_a_layer():
    import nn

    layer = nn.Linear(2, 2)
    with ag.no_grad():
        layer.weight.fill_(float("nan"))
    with ag.detect_anomaly(), pytest.raises(RuntimeError, match=r"created at .*test_engine\.py"):
        layer(ag.ones(1, 2))


@pytest.mark.parametrize(
    "act", ["relu", "abs", "leaky_relu", "hardtanh", "softshrink", "clamp", "maximum"]
)
def test_a_parameter_reached_only_through_a_mask_gets_zeros_in_a_gradient_penalty(act):
    """R1/WGAN-GP: the bias before a ReLU reaches d(out)/dx only through the mask; torch links
    it with a zero derivative (threshold_backward reads the result), so its .grad is zeros, not
    None, and an optimiser still steps it (momentum, weight decay). clamp and maximum build
    their masks with comparisons in torch too: no link, .grad None in both."""
    torch = pytest.importorskip("torch")
    import nn.functional as F

    rng = np.random.default_rng(0)
    x0, w0, b0, v0 = (rng.standard_normal(s) for s in ((4, 3), (5, 3), (5,), (5,)))
    fns = {
        "relu": lambda L, F_, h: F_.relu(h),
        "abs": lambda L, F_, h: h.abs(),
        "leaky_relu": lambda L, F_, h: F_.leaky_relu(h, 0.1),
        "hardtanh": lambda L, F_, h: F_.hardtanh(h),
        "softshrink": lambda L, F_, h: F_.softshrink(h, 0.3),
        "clamp": lambda L, F_, h: h.clamp(-0.5, 0.5),
        "maximum": lambda L, F_, h: L.maximum(h, h * 0.3),
    }
    got = []
    for L, F_, grad in ((ag, F, ag.grad), (torch, torch.nn.functional, torch.autograd.grad)):
        x = L.tensor(x0, requires_grad=True)
        w, b, v = (L.tensor(a, requires_grad=True) for a in (w0, b0, v0))
        out = (fns[act](L, F_, x @ w.T + b) * v).sum()
        (g,) = grad(out, x, create_graph=True)
        (g * g).sum().backward()
        got.append([None if p.grad is None else p.grad.numpy() for p in (b, w, v)])
    for a, t in zip(*got):
        assert (a is None) == (t is None)
        if a is not None:
            np.testing.assert_allclose(a, t, rtol=1e-12, atol=1e-15)
    assert (got[0][0] is None) == (act in ("clamp", "maximum"))
