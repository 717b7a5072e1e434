"""autograd.graph's saved-tensor hooks, and the non-re-entrant checkpoint built on them."""

from __future__ import annotations

import gc
import threading
import weakref

import numpy as np
import pytest

import autograd as ag
import nn


def _x(shape=(3, 4), seed=0, rg=True):
    return ag.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=rg)


def _cot(shape, seed=9):
    return ag.tensor(np.random.default_rng(seed).standard_normal(shape))


def _f(x, w):
    return ((x @ w).tanh() * x.sum()).exp()


# -- saved_tensors_hooks ---------------------------------------------------------------------------


def test_hooks_see_every_saved_value_and_gradients_are_unchanged():
    x, w = _x(), _x((4, 2), seed=1)
    gy = _cot((3, 2))
    packed = []

    def pack(t):
        assert isinstance(t, ag.Tensor)
        packed.append(tuple(t.shape))
        return t.detach().numpy().copy()  # a copy: nothing is shared with the graph

    with ag.graph.saved_tensors_hooks(pack, lambda a: a):
        y = _f(x, w)
    assert (3, 4) in packed and (4, 2) in packed and (3, 2) in packed
    y.backward(gy)
    got = x.grad.numpy().copy(), w.grad.numpy().copy()
    x.grad = w.grad = None
    _f(x, w).backward(gy)
    np.testing.assert_array_equal(got[0], x.grad.numpy())
    np.testing.assert_array_equal(got[1], w.grad.numpy())


def test_higher_order_through_hooked_records():
    x, v = _x(), _cot((3, 4))
    with ag.graph.saved_tensors_hooks(lambda t: t.detach().numpy().copy(), lambda a: a):
        z = (x.tanh() ** 3 * x).sum()
    (g,) = ag.grad(z, x, create_graph=True)
    (h,) = ag.grad((g * v).sum(), x)
    z2 = (x.tanh() ** 3 * x).sum()
    (g2,) = ag.grad(z2, x, create_graph=True)
    (h2,) = ag.grad((g2 * v).sum(), x)
    np.testing.assert_allclose(g.detach().numpy(), g2.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(h.numpy(), h2.numpy(), rtol=1e-12)


def test_in_place_change_of_a_saved_input_still_raises():
    x = _x()
    a = x * 1.0
    with ag.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        y = a.exp() * a
    with ag.no_grad():
        a.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


def test_contexts_nest_and_end():
    x = _x()
    outer, inner = [], []
    with ag.graph.saved_tensors_hooks(lambda t: outer.append(1) or t, lambda t: t):
        with ag.graph.saved_tensors_hooks(lambda t: inner.append(1) or t, lambda t: t):
            x.exp()
        assert inner and not outer
        x.exp()
        assert outer
    n = len(outer) + len(inner)
    x.exp().sum().backward()  # made after the contexts: not packed
    assert len(outer) + len(inner) == n


def test_hooks_are_per_thread():
    x = _x()
    seen = []
    started, done = threading.Event(), threading.Event()

    def other():
        started.wait()
        x.exp()  # recorded in another thread while this thread's context is open
        done.set()

    t = threading.Thread(target=other)
    t.start()
    with ag.graph.saved_tensors_hooks(lambda v: seen.append(1) or v, lambda v: v):
        started.set()
        done.wait()
    t.join()
    assert not seen


def test_unpack_of_the_wrong_shape_is_refused():
    x = _x()
    with ag.graph.saved_tensors_hooks(lambda t: t, lambda t: np.zeros(7)):
        y = x.exp()
    with pytest.raises(RuntimeError, match=r"unpack returned shape \(7,\), the saved value had"):
        y.sum().backward()
    with pytest.raises(TypeError, match="must be callable"):
        ag.graph.saved_tensors_hooks(1, lambda t: t)


def test_save_on_cpu_on_the_cpu_changes_nothing():
    x, w = _x(), _x((4, 2), seed=1)
    gy = _cot((3, 2))
    with ag.graph.save_on_cpu():
        y = _f(x, w)
    y.backward(gy)
    got = x.grad.numpy().copy()
    x.grad = None
    _f(x, w).backward(gy)
    np.testing.assert_array_equal(got, x.grad.numpy())


# -- checkpoint(use_reentrant=False) ---------------------------------------------------------------


def _block(p=0.0):
    ag.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Dropout(p), nn.Linear(8, 4)).double()


def _all_grads(block, x):
    return [x.grad.numpy().copy()] + [p.grad.numpy().copy() for p in block.parameters()]


def _run(block, x, gy, ck):
    for p in block.parameters():
        p.grad = None
    x.grad = None
    ag.manual_seed(5)
    h = ag.checkpoint(block, x, use_reentrant=False) if ck else block(x)
    (h.tanh() * gy).sum().backward()
    return _all_grads(block, x)


@pytest.mark.parametrize("p", [0.0, 0.5])
def test_non_reentrant_gradients_equal_the_plain_call(p):
    block, x, gy = _block(p), _x(), _cot((3, 4))
    for a, b in zip(_run(block, x, gy, False), _run(block, x, gy, True)):
        np.testing.assert_array_equal(a, b)


def test_non_reentrant_keeps_no_saved_activation_and_recomputes_once():
    calls, kept = [], []

    class Keep(ag.Function):  # saves its input, as most ops do
        save_inputs = (0,)

        def forward(self, x):
            return x * x

        def backward(self, gy):
            (x,) = self.saved
            return gy * 2 * x

    def fn(x):
        calls.append(1)
        h = x * 2.0
        kept.append(weakref.ref(h._data))
        return Keep.apply(h).sin()

    x = _x()
    y = ag.checkpoint(fn, x, use_reentrant=False)
    gc.collect()
    assert kept[0]() is None  # the saved input of Keep was not kept
    y.backward(_cot((3, 4)))
    assert len(calls) == 2  # the forward, and one recomputation
    xd = x.detach().numpy()
    want = np.cos(4 * xd**2) * 8 * xd * _cot((3, 4)).numpy()
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-12)


def test_non_reentrant_works_with_grad_inputs_and_higher_order():
    block, x = _block(), _x()
    w = block[0].weight
    v = _cot((3, 4))
    ag.manual_seed(5)
    h = ag.checkpoint(block, x, use_reentrant=False)
    gx, gw = ag.grad((h * v).sum(), [x, w], create_graph=True)
    (hh,) = ag.grad((gx * gx).sum() + gw.sum(), x)
    ag.manual_seed(5)
    h2 = block(x)
    gx2, gw2 = ag.grad((h2 * v).sum(), [x, w], create_graph=True)
    (hh2,) = ag.grad((gx2 * gx2).sum() + gw2.sum(), x)
    np.testing.assert_allclose(gx.detach().numpy(), gx2.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(gw.detach().numpy(), gw2.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(hh.numpy(), hh2.numpy(), rtol=1e-10)
    # backward(inputs=...): only the named leaf accumulates
    y = ag.checkpoint(block, x, use_reentrant=False)
    x.grad = None
    for p in block.parameters():
        p.grad = None
    (y * v).sum().backward(inputs=[x])
    assert x.grad is not None and all(p.grad is None for p in block.parameters())


def test_non_reentrant_takes_any_arguments_and_outputs():
    x, y = _x(), _x(seed=1)

    def fn(pair, scale=None):
        a, b = pair
        return (a * b).exp() * scale, (a - b).tanh()

    u, w = ag.checkpoint(fn, [x, y], scale=y, use_reentrant=False)
    (u.sum() + w.sum()).backward()
    got = x.grad.numpy().copy(), y.grad.numpy().copy()
    x.grad = y.grad = None
    u, w = fn([x, y], scale=y)
    (u.sum() + w.sum()).backward()
    np.testing.assert_allclose(got[0], x.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(got[1], y.grad.numpy(), rtol=1e-12)


def test_non_reentrant_retain_graph_and_nesting():
    x = _x()
    inner = lambda t: (t * t).sin()  # noqa: E731
    outer = lambda t: ag.checkpoint(inner, t.exp(), use_reentrant=False).cos()  # noqa: E731
    v = _cot((3, 4))
    y = ag.checkpoint(outer, x, use_reentrant=False)
    y.backward(v, retain_graph=True)
    first = x.grad.numpy().copy()
    y.backward(v)
    np.testing.assert_allclose(x.grad.numpy(), 2 * first, rtol=1e-12)
    x.grad = None
    (x.exp() * x.exp()).sin().cos().backward(v)
    np.testing.assert_allclose(first, x.grad.numpy(), rtol=1e-12)
    assert ag.gradcheck(lambda t: ag.checkpoint(outer, t, use_reentrant=False), (x,))


def test_non_reentrant_refuses_a_different_recomputation_and_in_place_changes():
    state = {"n": 0}

    def fn(x):
        state["n"] += 1
        return x.exp() if state["n"] == 1 else x.exp().exp()

    y = ag.checkpoint(fn, _x(), use_reentrant=False)
    with pytest.raises(RuntimeError, match="saved 1 values .* and 2 when run again"):
        y.sum().backward()
    x = _x()
    y = ag.checkpoint(lambda t: t.exp(), x * 1.0, use_reentrant=False)
    z = ag.checkpoint(lambda t: t.exp() * t, x, use_reentrant=False)
    with ag.no_grad():
        x.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        z.sum().backward()
    y.sum().backward()  # its argument was a copy: unaffected


# -- from the second reading -----------------------------------------------------------------------


def test_non_reentrant_refuses_an_argument_changed_in_place_before_backward():
    x, w = _x((3,)), _x((3,), seed=1)
    a = x * 1.0
    y = ag.checkpoint(lambda t, u: (t + 1).exp() * u, a, w, use_reentrant=False)
    with ag.no_grad():
        a.add_(1.0)
    with pytest.raises(RuntimeError, match="argument of the checkpointed call .* modified"):
        y.sum().backward()


def test_non_reentrant_allows_a_backward_inside_fn():
    x = _x()

    def fn(a):
        (g,) = ag.grad((a**3).sum(), a, create_graph=True)
        return (g * a).sum()

    ag.checkpoint(fn, x, use_reentrant=False).backward()
    np.testing.assert_allclose(x.grad.numpy(), 9 * x.detach().numpy() ** 2, rtol=1e-12)


def test_pack_hooks_run_without_recording():
    x, w = _x((6,)), ag.tensor(np.ones(6))
    with ag.graph.saved_tensors_hooks(lambda t: t * t, lambda t: np.sqrt(t.numpy())):
        y = (x * w).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), np.ones(6))
