"""Grad modes (``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``) and anomaly
detection.

The state is thread-local: one thread's ``no_grad`` never affects another's recording.
``_state.mode`` packs both switches in one integer so the per-op path reads one attribute:
0 = not recording, 1 = recording, 2 = recording with anomaly checks; and while no thread has
changed it from 1 (``_altered`` is empty) the per-op path does not read even that.
"""

from __future__ import annotations

import functools
import inspect
import threading

__all__ = [
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "detect_anomaly",
    "is_anomaly_enabled",
    "inference_mode",
    "is_inference_mode_enabled",
]


class _State(threading.local):
    def __init__(self):
        self.grad = True
        self.anomaly = False
        self.inference = False  # inside inference_mode(True)
        self.mode = 1
        self.returning = False  # a backward pass that returns gradients (ag.grad, inputs=)
        self.saved_hooks = []  # autograd.graph.saved_tensors_hooks: (pack, unpack), innermost last


_state = _State()

# One entry per thread whose mode is not the default 1 (recording, no anomaly checks), so while
# ``_altered`` is empty the per-op path knows the mode without the thread-local lookup. Entries
# are added and removed by the thread whose mode changes (list.append and list.pop are atomic),
# so a thread never sees it empty while its own mode is altered; a thread that ends with its
# mode altered only keeps the others on the thread-local lookup.
_altered: list = []


def _refresh():
    old = _state.mode
    new = (2 if _state.anomaly else 1) if _state.grad else 0
    _state.mode = new
    if old == 1 and new != 1:
        _altered.append(None)
    elif old != 1 and new == 1:
        _altered.pop()


def is_grad_enabled() -> bool:
    """Whether ops are recorded on the tape in this thread."""
    return _state.grad


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on in this thread."""
    return _state.anomaly


def is_inference_mode_enabled() -> bool:
    """Whether this thread is inside ``inference_mode(True)``."""
    return _state.inference


def _decorate(make_ctx, fn):
    """``fn`` run inside a fresh context from ``make_ctx()`` at every call. A generator function
    gets the context around each resumption of its body (``next``, ``send``, ``throw``,
    ``close``), not just around the call that makes the generator."""
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def generator(*args, **kwargs):
            gen = fn(*args, **kwargs)
            try:
                with make_ctx():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with make_ctx():
                            gen.close()
                        raise
                    except BaseException as e:
                        with make_ctx():
                            response = gen.throw(e)
                    else:
                        with make_ctx():
                            response = gen.send(request)
            except StopIteration as stop:
                return stop.value

        return generator

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with make_ctx():
            return fn(*args, **kwargs)

    return wrapper


class _Switch:
    """Context manager and decorator that sets grad mode and restores the previous one.

    As a decorator it may be written with or without parentheses: ``@ag.no_grad()`` or
    ``@ag.no_grad``.
    """

    _value = True

    def __new__(cls, *args, **kwargs):
        if cls is not set_grad_enabled and len(args) == 1 and callable(args[0]) and not kwargs:
            return cls()(args[0])  # bare decorator: no_grad(fn)
        return super().__new__(cls)

    def __enter__(self):
        self._prev = _state.grad
        _state.grad = self._value
        _refresh()
        return self

    def __exit__(self, *exc):
        _state.grad = self._prev
        _refresh()
        return False

    def _fresh(self):
        return type(self)()

    def __call__(self, fn):
        return _decorate(self._fresh, fn)


class no_grad(_Switch):
    """Turn recording off: ops inside build no graph and their outputs do not require grad.

    Usable as ``with ag.no_grad():`` and as a decorator ``@ag.no_grad()``.
    """

    _value = False


class enable_grad(_Switch):
    """Turn recording back on inside a ``no_grad`` block (context manager or decorator)."""

    _value = True


class set_grad_enabled(_Switch):
    """Set recording to ``mode``: immediately, and for the ``with`` block if used as one.

    ``ag.set_grad_enabled(False)`` alone switches recording off (as in PyTorch); used as a
    context manager or decorator it restores the previous mode on exit.
    """

    def __init__(self, mode: bool):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled: mode must be a bool, got {type(mode).__name__}")
        self._value = mode
        self._prev = _state.grad
        _state.grad = mode
        _refresh()

    def __enter__(self):
        # the switch already happened in __init__; __exit__ restores what was before it
        return self

    def _fresh(self):
        return set_grad_enabled(self._value)

    def __call__(self, fn):
        # used as a decorator: undo the switch __init__ made, apply it per call instead
        _state.grad = self._prev
        _refresh()
        return super().__call__(fn)


class detect_anomaly:
    """Check every op's forward and backward output for NaN/Inf while active.

    The first op that produces a non-finite value raises ``RuntimeError`` naming the op and the
    ``file:line`` of user code where that op was created. Slow: use it to find a bug, not to
    train. Context manager or decorator; ``check_nan=False`` disables it inside the block.
    """

    def __new__(cls, check_nan=True):
        if callable(check_nan):  # a bare decorator: @ag.detect_anomaly
            return cls()(check_nan)
        return super().__new__(cls)

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = _state.anomaly
        _state.anomaly = self.check_nan
        _refresh()
        return self

    def __exit__(self, *exc):
        _state.anomaly = self._prev
        _refresh()
        return False

    def __call__(self, fn):
        return _decorate(lambda: detect_anomaly(self.check_nan), fn)


class inference_mode:
    """``inference_mode(True)``: recording off (as ``no_grad``) and
    ``is_inference_mode_enabled()`` True inside the block; ``inference_mode(False)``: inference
    mode off and recording on, as PyTorch's. Context manager or decorator (``@ag.inference_mode``
    or ``@ag.inference_mode()``); both switches are restored on exit.

    Unlike PyTorch, tensors made inside are ordinary tensors: they may later be saved for
    backward or written in place under recording, which PyTorch refuses for "inference tensors".
    """

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):  # a bare decorator: @ag.inference_mode
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True):
        if not isinstance(mode, bool):
            raise TypeError(f"inference_mode: mode must be a bool, got {type(mode).__name__}")
        self.mode = mode

    def __enter__(self):
        self._prev = (_state.grad, _state.inference)
        _state.grad = not self.mode
        _state.inference = self.mode
        _refresh()
        return self

    def __exit__(self, *exc):
        _state.grad, _state.inference = self._prev
        _refresh()
        return False

    def __call__(self, fn):
        return _decorate(lambda: inference_mode(self.mode), fn)

    def clone(self):
        """A fresh context with the same mode (PyTorch's ``clone``)."""
        return inference_mode(self.mode)
