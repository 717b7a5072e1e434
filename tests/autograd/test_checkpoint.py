"""ag.checkpoint: the same gradients as the plain call, nothing of fn's inside kept between
forward and backward, random state replayed, and the unsupported uses refused."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import autograd as ag
import nn


def _block():
    ag.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 4)).double()


def _x(rg=True, seed=0):
    return ag.tensor(np.random.default_rng(seed).standard_normal((3, 4)), requires_grad=rg)


def _grads(block, x, use_checkpoint):
    for p in block.parameters():
        p.grad = None
    h = ag.checkpoint(block, x) if use_checkpoint else block(x)
    (h.tanh() * 2).sum().backward()
    return [p.grad.numpy().copy() for p in block.parameters()]


def test_gradients_equal_the_plain_call():
    block = _block()
    x1, x2 = _x(), _x()
    plain = _grads(block, x1, False)
    ck = _grads(block, x2, True)
    np.testing.assert_array_equal(x1.grad.numpy(), x2.grad.numpy())
    for a, b in zip(plain, ck):
        np.testing.assert_array_equal(a, b)


def test_parameters_get_gradients_when_no_argument_requires_grad():
    block = _block()
    plain = _grads(block, _x(rg=False), False)
    ck = _grads(block, _x(rg=False), True)
    for a, b in zip(plain, ck):
        np.testing.assert_array_equal(a, b)


def test_nothing_inside_fn_is_kept_until_backward():
    kept = []

    def fn(x):
        h = x * 2
        kept.append(weakref.ref(h))
        return h.tanh()

    x = _x()
    y = ag.checkpoint(fn, x)
    gc.collect()
    assert kept[0]() is None  # the first run's intermediate is gone
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 / np.cosh(2 * x.detach().numpy()) ** 2)


def test_dropout_inside_draws_the_same_mask_again():
    layer = nn.Sequential(nn.Linear(4, 4).double(), nn.Dropout(0.5))
    x = ag.tensor(np.random.default_rng(1).standard_normal((50, 4)), requires_grad=True)
    ag.manual_seed(3)
    layer(x).sum().backward()
    plain = x.grad.numpy().copy()
    x.grad = None
    ag.manual_seed(3)
    ag.checkpoint(layer, x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), plain)


def test_refused_uses_say_why():
    block = _block()
    x = _x()
    with pytest.raises(RuntimeError, match="not compatible with ag.grad"):
        ag.grad(ag.checkpoint(block, x).sum(), x)
    with pytest.raises(RuntimeError, match="create_graph=True"):
        ag.checkpoint(block, x).sum().backward(create_graph=True)
    with pytest.raises(TypeError, match="fn must return one Tensor"):
        ag.checkpoint(lambda a: (a, a), x)
    y = ag.checkpoint(block, x)
    with ag.no_grad():
        x.add_(1.0)  # the saved argument changed before backward
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


def test_without_recording_it_is_a_plain_call():
    block = _block()
    with ag.no_grad():
        y = ag.checkpoint(block, _x())
    assert not y.requires_grad and y.grad_fn is None


def test_tensors_in_kwargs_or_containers_are_refused():
    x = _x()
    with pytest.raises(TypeError, match="keyword argument 'y' holds a Tensor"):
        ag.checkpoint(lambda a, y: a * y, x, y=x)
    with pytest.raises(TypeError, match="argument 0 holds a Tensor"):
        ag.checkpoint(lambda pair: pair[0] * pair[1], [x, x])


def test_dropout_replays_the_generator_of_the_first_run():
    """A forward under a thread generator (as in a DataLoader's dataset code) is replayed
    with that generator in backward, whatever generator is active then."""
    from autograd.random import thread_generator

    layer = nn.Dropout(0.5)
    x = ag.tensor(np.ones(200), requires_grad=True)
    with thread_generator(np.random.default_rng(7)):
        y = ag.checkpoint(layer, x)
    mask = y.detach().numpy() != 0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy() != 0, mask)
