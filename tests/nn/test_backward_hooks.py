"""Module backward hooks: register_full_backward_hook / register_full_backward_pre_hook, with
PyTorch's arguments, replacement rules and firing conditions."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn


def _x(*shape, seed=0, rg=True):
    return ag.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=rg)


def test_full_hook_sees_grad_input_and_grad_output_of_a_layer():
    lin = nn.Linear(3, 2).double()
    seen = []
    lin.register_full_backward_hook(lambda m, gi, go: seen.append((m, gi, go)))
    x = _x(4, 3)
    (lin(x) * 2).sum().backward()
    ((m, gi, go),) = seen
    assert m is lin and len(gi) == 1 and len(go) == 1
    np.testing.assert_array_equal(go[0].numpy(), np.full((4, 2), 2.0))
    np.testing.assert_allclose(gi[0].numpy(), x.grad.numpy())


def _layer_and_reference():
    """A Linear layer, an input, a random cotangent, ``loss(lin, x)`` = <lin(x), cotangent>,
    and the unhooked gradients of x and the weight (the layer's grads reset)."""
    lin = nn.Linear(3, 2).double()
    x = _x(4, 3)
    cot = ag.tensor(np.random.default_rng(9).standard_normal((4, 2)))

    def loss():
        return (lin(x) * cot).sum()

    loss().backward()
    ref_x, ref_w = x.grad.numpy().copy(), lin.weight.grad.numpy().copy()
    x.grad = None
    lin.zero_grad()
    return lin, x, loss, ref_x, ref_w


def test_a_full_hook_can_replace_grad_input_and_leaves_parameter_grads_alone():
    lin, x, loss, ref_x, ref_w = _layer_and_reference()
    handle = lin.register_full_backward_hook(lambda m, gi, go: (gi[0] * 3,))
    loss().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * ref_x)
    np.testing.assert_allclose(lin.weight.grad.numpy(), ref_w)
    handle.remove()
    x.grad = None
    loss().backward()
    np.testing.assert_allclose(x.grad.numpy(), ref_x)


def test_a_pre_hook_replaces_grad_output_for_the_whole_module():
    lin, x, loss, ref_x, ref_w = _layer_and_reference()
    seen = []
    lin.register_full_backward_pre_hook(lambda m, go: (seen.append("pre"), (go[0] * 0.5,))[1])
    lin.register_full_backward_hook(lambda m, gi, go: seen.append(go[0].numpy().copy()))
    loss().backward()
    np.testing.assert_allclose(x.grad.numpy(), 0.5 * ref_x)
    np.testing.assert_allclose(lin.weight.grad.numpy(), 0.5 * ref_w)
    assert seen[0] == "pre"  # the full hook then sees the replaced grad_output
    np.testing.assert_allclose(seen[1], 0.5 * np.random.default_rng(9).standard_normal((4, 2)))


def test_several_inputs_non_tensors_and_an_input_without_grad():
    class Mix(nn.Module):
        def forward(self, a, b, k, c):
            return (a * b).tanh() * k + c

    m = Mix()
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append(gi))
    a, b, c = _x(3, seed=1), _x(3, seed=2), _x(3, seed=3, rg=False)
    m(a, b, 2.0, c).sum().backward()
    (gi,) = seen
    assert len(gi) == 4 and gi[2] is None and gi[3] is None
    np.testing.assert_allclose(gi[0].numpy(), a.grad.numpy())
    np.testing.assert_allclose(gi[1].numpy(), b.grad.numpy())


def test_the_full_hook_fires_with_nones_when_no_input_requires_grad():
    lin = nn.Linear(3, 2).double()
    seen = []
    lin.register_full_backward_hook(lambda m, gi, go: seen.append((gi, go)))
    lin(_x(4, 3, rg=False)).sum().backward()
    ((gi, go),) = seen
    assert gi == (None,) and go[0].shape == (4, 2)
    assert lin.weight.grad is not None


def test_hooks_keep_second_order_gradients_right():
    lin = nn.Linear(3, 2).double()
    lin.register_full_backward_hook(lambda m, gi, go: None)
    assert ag.gradgradcheck(lambda x: lin(x).tanh(), (_x(2, 3),))


def test_modules_returning_a_tuple_are_refused_with_a_clear_error():
    class Two(nn.Module):
        def forward(self, x):
            return x * 2, x * 3

    m = Two()
    m.register_full_backward_hook(lambda mod, gi, go: None)
    with pytest.raises(TypeError, match="full backward hooks need a module that returns one"):
        m(_x(2))
    with ag.no_grad():  # not recording: no hooks to run, nothing refused
        m(_x(2))


def test_matches_torch_on_a_two_input_module():
    torch = pytest.importorskip("torch")

    class Ours(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(4, 3).double()

        def forward(self, a, b, k):
            return (self.lin(a) * b).tanh() * k

    class Theirs(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(4, 3).double()

        def forward(self, a, b, k):
            return (self.lin(a) * b).tanh() * k

    ours, theirs = Ours(), Theirs()
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    logs = {"ours": [], "theirs": []}

    def hook(name):
        def fn(mod, gi, go):
            logs[name].append([None if g is None else g.detach().numpy().copy() for g in gi + go])
            return tuple(None if g is None else g * 2 for g in gi)

        return fn

    ours.register_full_backward_hook(hook("ours"))
    theirs.register_full_backward_hook(hook("theirs"))
    rng = np.random.default_rng(0)
    av, bv = rng.standard_normal((2, 4)), rng.standard_normal((2, 3))
    a, b = ag.tensor(av, requires_grad=True), ag.tensor(bv, requires_grad=True)
    ta, tb = torch.tensor(av, requires_grad=True), torch.tensor(bv, requires_grad=True)
    (ours(a, b, 2.0) ** 2).sum().backward()
    (theirs(ta, tb, 2.0) ** 2).sum().backward()
    for mine, ref in zip(logs["ours"][0], logs["theirs"][0]):
        assert (mine is None) == (ref is None)
        if mine is not None:
            np.testing.assert_allclose(mine, ref, rtol=1e-12)
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        ours.lin.weight.grad.numpy(), theirs.lin.weight.grad.numpy(), rtol=1e-12
    )


def test_a_backward_that_skips_the_output_runs_no_hook_and_keeps_no_stale_state():
    """The aux-loss pattern: the loss uses a tensor the module stashed, not its output."""

    class Stash(nn.Module):
        def forward(self, x):
            self.aux = x * 3
            return self.aux.tanh()

    m = Stash()
    fired = []
    m.register_full_backward_hook(lambda mod, gi, go: fired.append(gi))
    x = _x(3)
    y = m(x)
    m.aux.sum().backward(retain_graph=True)  # reaches x without passing through y
    assert fired == []
    np.testing.assert_allclose(x.grad.numpy(), 3.0)
    y.sum().backward()  # now through the output: the hook fires once
    assert len(fired) == 1


def test_grad_output_is_the_gradient_of_the_output_after_forward_hooks():
    lin = nn.Linear(3, 2).double()
    lin.register_forward_hook(lambda m, args, out: out * 2)
    seen = []
    lin.register_full_backward_hook(lambda m, gi, go: seen.append(go[0].numpy().copy()))
    (lin(_x(4, 3)) * 3).sum().backward()
    np.testing.assert_array_equal(seen[0], np.full((4, 2), 3.0))  # d(3 * out2)/d out2


def test_hooks_are_those_registered_at_call_time_and_unused_inputs_get_zeros():
    class Second(nn.Module):
        def forward(self, a, b):
            return b * 2

    m = Second()
    seen = []
    handle = m.register_full_backward_hook(lambda mod, gi, go: seen.append(gi))
    a, b = _x(2, seed=1), _x(2, seed=2)
    y = m(a, b)
    handle.remove()  # after the call: this backward still runs it (PyTorch's rule)
    y.sum().backward()
    (gi,) = seen
    np.testing.assert_array_equal(gi[0].numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(gi[1].numpy(), [2.0, 2.0])
