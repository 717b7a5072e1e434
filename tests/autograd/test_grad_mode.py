"""Grad modes: no_grad, enable_grad, set_grad_enabled (call, context, decorator), per thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import autograd as ag


def leaf():
    return ag.tensor(np.array([1.0, 2.0]), requires_grad=True)


def test_no_grad_context_outputs_do_not_require_grad():
    x = leaf()
    assert ag.is_grad_enabled()
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        y = x * x
        z = (x @ x).exp() + x.sum()
        w = x[0]
    assert ag.is_grad_enabled()
    for t in (y, z, w):
        assert not t.requires_grad and t.grad_fn is None and t.is_leaf
    with pytest.raises(RuntimeError):
        y.sum().backward()
    # the same op outside records again
    assert (x * x).requires_grad


def test_no_grad_decorator():
    calls = []

    @ag.no_grad()
    def f(x):
        calls.append(ag.is_grad_enabled())
        return x * 2.0

    y = f(leaf())
    assert not y.requires_grad
    assert calls == [False]
    assert ag.is_grad_enabled()
    assert f.__name__ == "f"


def test_no_grad_restores_on_exception():
    with pytest.raises(ValueError):
        with ag.no_grad():
            raise ValueError("boom")
    assert ag.is_grad_enabled()


def test_nested_modes():
    x = leaf()
    with ag.no_grad():
        with ag.enable_grad():
            assert ag.is_grad_enabled()
            y = x * 2.0
        assert not ag.is_grad_enabled()
        with ag.no_grad():
            pass
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()
    assert y.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_enable_grad_decorator_inside_no_grad():
    @ag.enable_grad()
    def f(x):
        return x * 3.0

    with ag.no_grad():
        y = f(leaf())
        assert not ag.is_grad_enabled()
    assert y.requires_grad


def test_set_grad_enabled_as_plain_call():
    try:
        ag.set_grad_enabled(False)
        assert not ag.is_grad_enabled()
        assert not (leaf() * 2.0).requires_grad
        ag.set_grad_enabled(True)
        assert ag.is_grad_enabled()
        assert (leaf() * 2.0).requires_grad
    finally:
        ag.set_grad_enabled(True)


def test_set_grad_enabled_as_context_manager():
    with ag.set_grad_enabled(False):
        assert not ag.is_grad_enabled()
        y = leaf() * 2.0
        with ag.set_grad_enabled(True):
            assert ag.is_grad_enabled()
            z = leaf() * 2.0
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()
    assert not y.requires_grad and z.requires_grad
    with ag.no_grad():
        with ag.set_grad_enabled(True):
            assert ag.is_grad_enabled()
        assert not ag.is_grad_enabled()


def test_set_grad_enabled_as_decorator():
    @ag.set_grad_enabled(False)
    def f(x):
        return x * 2.0

    assert ag.is_grad_enabled()  # decorating switches nothing
    assert not f(leaf()).requires_grad
    assert ag.is_grad_enabled()


def test_set_grad_enabled_rejects_non_bool():
    with pytest.raises(TypeError):
        ag.set_grad_enabled(0)
    assert ag.is_grad_enabled()


def test_grad_mode_is_thread_local():
    ready = threading.Event()
    release = threading.Event()
    seen = {}

    def worker_no_grad():
        with ag.no_grad():
            ready.set()
            release.wait(5)
            seen["worker"] = (ag.is_grad_enabled(), (leaf() * 2.0).requires_grad)

    t = threading.Thread(target=worker_no_grad)
    t.start()
    assert ready.wait(5)
    # the other thread is inside no_grad: this one still records
    seen["main"] = (ag.is_grad_enabled(), (leaf() * 2.0).requires_grad)
    release.set()
    t.join(5)
    assert seen["main"] == (True, True)
    assert seen["worker"] == (False, False)


def test_new_threads_start_with_grad_enabled():
    result = []
    with ag.no_grad():
        t = threading.Thread(target=lambda: result.append(ag.is_grad_enabled()))
        t.start()
        t.join(5)
    assert result == [True]


def test_backward_restores_grad_mode():
    x = leaf()
    y = (x * x).sum()
    with ag.no_grad():
        y.backward()  # backward works under no_grad, and leaves the mode as it was
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])


def test_backward_restores_grad_mode_after_an_error():
    class Boom(ag.Function):
        def forward(self, x):
            return x * 1.0

        def backward(self, gy):
            raise ValueError("boom")

    y = Boom.apply(leaf()).sum()
    with pytest.raises(ValueError):
        y.backward()
    assert ag.is_grad_enabled()
    y = Boom.apply(leaf()).sum()
    with ag.no_grad():
        with pytest.raises(ValueError):
            y.backward()
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()


def test_detect_anomaly_flag_restored():
    assert not ag.is_anomaly_enabled()
    with ag.detect_anomaly():
        assert ag.is_anomaly_enabled()
        with ag.no_grad():
            assert ag.is_anomaly_enabled() and not ag.is_grad_enabled()
            with np.errstate(invalid="ignore"):
                y = leaf().log() * -1.0  # not recorded: no check
        assert ag.is_grad_enabled()
    assert not ag.is_anomaly_enabled()
    assert not y.requires_grad


def test_grad_mode_decorators_apply_inside_generator_bodies():
    """A decorated generator runs each resumption under the mode (the call that makes the
    generator runs no body), as torch does; the generator's return value survives."""
    x = ag.tensor([1.0, 2.0], requires_grad=True)

    @ag.no_grad()
    def off(a):
        yield a * 2
        yield a * 3
        return "done"

    @ag.enable_grad()
    def on(a):
        yield a * 2

    assert [t.requires_grad for t in off(x)] == [False, False]
    with ag.no_grad():
        assert next(on(x)).requires_grad
    assert ag.is_grad_enabled()
    gen = off(x)
    next(gen)
    next(gen)
    with pytest.raises(StopIteration) as stop:
        next(gen)
    assert stop.value.value == "done"


def test_no_grad_and_enable_grad_work_as_bare_decorators():
    x = ag.tensor([1.0], requires_grad=True)

    @ag.no_grad
    def off(a):
        return a * 2

    @ag.enable_grad
    def on(a):
        return a * 2

    assert not off(x).requires_grad and ag.is_grad_enabled()
    with ag.no_grad():
        assert on(x).requires_grad


def test_detect_anomaly_works_as_a_bare_decorator():
    @ag.detect_anomaly
    def f(x):
        assert ag.is_anomaly_enabled()
        return x * 2

    assert f(ag.tensor([1.0, 2.0], requires_grad=True)).detach().numpy().tolist() == [2.0, 4.0]
    assert not ag.is_anomaly_enabled()


def test_a_thread_that_ends_with_recording_off_leaves_other_threads_recording():
    # the per-op path skips the thread-local read while no thread has changed its mode
    # (grad_mode._altered); a thread that dies inside set_grad_enabled(False) must not leak
    import threading

    def leave_off():
        ag.set_grad_enabled(False)  # never restored: the thread just ends

    t = threading.Thread(target=leave_off)
    t.start()
    t.join()
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    assert ag.is_grad_enabled()
    y = x * 2.0 + 1.0
    assert y.requires_grad and y.grad_fn is not None
    with ag.no_grad():
        assert not (x * 2.0).requires_grad
    assert (x * 2.0).requires_grad
