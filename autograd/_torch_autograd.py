"""``autograd.autograd``: PyTorch's ``torch.autograd`` namespace, so ``torch.autograd.grad(...)``
ports as ``ag.autograd.grad(...)`` when ``torch`` becomes ``ag``.

Every name is tapegrad's own object (``ag.autograd.grad is ag.grad``); ``backward`` takes
several outputs at once, as ``torch.autograd.backward``; ``set_detect_anomaly`` switches
anomaly mode on or off (also as a context manager).
"""

from __future__ import annotations

from . import functional, graph
from .engine import _check_inputs, _own, grad, run_backward
from .engine import backward as _backward_one
from .function import Function
from .grad_mode import (
    _refresh,
    _state,
    detect_anomaly,
    enable_grad,
    inference_mode,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import gradcheck, gradgradcheck
from .tensor import Tensor

__all__ = [
    "grad", "backward", "Function", "functional", "graph", "gradcheck", "gradgradcheck",
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
    "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "Variable",
]  # fmt: skip


class _VariableMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    """PyTorch's legacy ``torch.autograd.Variable(data, requires_grad=False)``: a new leaf
    Tensor sharing ``data``'s memory (a Tensor; its graph is not followed), requiring grad when
    asked; ``isinstance(t, Variable)`` holds for every Tensor, as in torch. ``volatile`` is
    accepted and ignored (torch removed it: use ``no_grad``)."""

    def __new__(cls, data, requires_grad: bool = False, volatile: bool = False):
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(bool(requires_grad))


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` (a Tensor or a sequence) into the leaves'
    ``.grad``, seeded by ``grad_tensors`` (matching shapes; None for one-element outputs), in
    one backward pass. inputs: optional Tensors to restrict accumulation to (as
    ``Tensor.backward``)."""
    ts = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None:
        gs = [None] * len(ts)
    else:
        gs = [grad_tensors] if isinstance(grad_tensors, Tensor) else list(grad_tensors)
    if len(gs) != len(ts):
        raise RuntimeError(
            f"backward: got {len(gs)} grad_tensors for {len(ts)} tensors; give one per tensor"
        )
    if len(ts) == 1:
        return _backward_one(ts[0], gs[0], retain_graph, create_graph, inputs)
    if inputs is None:
        run_backward(ts, gs, retain_graph, create_graph, None, "backward")
        return None
    inputs = _check_inputs(inputs, "backward")
    grads = run_backward(ts, gs, retain_graph, create_graph, inputs, "backward")
    for x, g in zip(inputs, grads):
        if g is not None:
            x._grad = _own(g, create_graph) if x._grad is None else x._grad + g
    return None


class set_detect_anomaly:
    """``set_detect_anomaly(mode, check_nan=True)``: anomaly mode on or off from here on; as a
    context manager, restored on exit (PyTorch's)."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self._prev = _state.anomaly
        _state.anomaly = bool(mode) and bool(check_nan)
        _refresh()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _state.anomaly = self._prev
        _refresh()
        return False
