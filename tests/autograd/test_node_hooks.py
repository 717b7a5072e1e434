"""grad_fn.register_prehook / register_hook (torch's Node hooks)."""

import numpy as np
import pytest

import autograd as ag


def _trace(lib, ag_or_torch):
    T = ag_or_torch
    x = T.tensor([1.0, 2.0], requires_grad=True)
    w = T.tensor([3.0, 4.0], requires_grad=True)
    y = x * w
    log = []

    def pre(go):
        log.append(("pre", [g.tolist() for g in go]))
        return (go[0] * 10,)

    def post(gi, go):
        log.append(("post", [None if g is None else g.tolist() for g in gi], go[0].tolist()))
        return (gi[0] + 1, None)

    y.grad_fn.register_prehook(pre)
    y.grad_fn.register_hook(post)
    y.sum().backward()
    return log, x.grad.tolist(), w.grad


def test_order_and_replacements_match_torch():
    torch = pytest.importorskip("torch")
    ours = _trace("ag", ag)
    theirs = _trace("torch", torch)
    assert ours == theirs
    assert ours[1] == [31.0, 41.0] and ours[2] is None


def test_handles_remove_and_none_leaves_gradients():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    calls = []
    h = y.grad_fn.register_hook(lambda gi, go: calls.append(1))
    p = y.grad_fn.register_prehook(lambda go: calls.append(2))
    y.sum().backward(retain_graph=True)
    assert calls == [2, 1]
    np.testing.assert_allclose(x.grad.numpy(), np.exp([1.0, 2.0]), rtol=1e-6)
    h.remove()
    p.remove()
    y.sum().backward()
    assert calls == [2, 1]


def test_bad_returns_name_the_record():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * ag.tensor([3.0, 4.0], requires_grad=True)
    y.grad_fn.register_hook(lambda gi, go: (gi[0],))
    with pytest.raises(RuntimeError, match="hook on MulBackward0 must return None or a tuple of 2"):
        y.sum().backward(retain_graph=True)
    z = x.sin()
    z.grad_fn.register_prehook(lambda go: (go[0][:1],))
    with pytest.raises(RuntimeError, match="hook on SinBackward0 returned an invalid gradient"):
        z.sum().backward()
    with pytest.raises(TypeError, match="hook must be callable"):
        z.grad_fn.register_hook(3)


def test_hooks_under_create_graph_stay_differentiable():
    x = ag.tensor([0.5, -1.0], dtype=ag.float64, requires_grad=True)
    y = x.sin()
    y.grad_fn.register_hook(lambda gi, go: (gi[0] * x,))  # d/dx (cos x * x)
    (g,) = ag.grad(y.sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), np.cos(x.detach().numpy()) * x.detach().numpy())
    (gg,) = ag.grad(g.sum(), x)
    xv = x.detach().numpy()
    np.testing.assert_allclose(gg.numpy(), -np.sin(xv) * xv + np.cos(xv), rtol=1e-12)


def test_grad_inputs_per_input_edge_as_torch():
    x = ag.tensor([1.0, -2.0, 3.0], requires_grad=True)
    seen = []
    for y in (x.sum(0), x.reshape(3, 1), x**3, x.clamp(-1.0, 1.0), x[0]):
        y.grad_fn.register_hook(lambda gi, go: (seen.append(len(gi)), (gi[0] * 2,))[1])
        y.sum().backward()
    assert seen == [1] * 5


def test_grad_of_an_interior_input_skips_its_records_hooks_and_backward():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    calls = []
    y.grad_fn.register_prehook(lambda go: (calls.append("pre"), (go[0] * 10,))[1])
    y.grad_fn.register_hook(lambda gi, go: calls.append("post"))
    (g,) = ag.grad((y * 2).sum(), y)
    assert g.tolist() == [2.0, 2.0] and calls == []  # torch: 2, the record never runs
    y2 = x.exp()
    y2.sum().backward()  # y2's record is released
    (g2,) = ag.grad((y2 * 3).sum(), y2)  # fine: that record is not run
    assert g2.tolist() == [3.0, 3.0]


def test_accumulate_grad_node_is_one_object_per_leaf():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    a, b = (f for f, _ in y.grad_fn.next_functions)
    assert a is b and a.variable is x
