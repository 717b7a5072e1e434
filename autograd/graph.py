"""Hooks on what records save for backward (``torch.autograd.graph``'s ``saved_tensors_hooks``
and ``save_on_cpu``).

Inside ``with saved_tensors_hooks(pack_hook, unpack_hook):`` every value a record saves for its
backward (its tensor inputs, its output, arrays it keeps) goes through ``pack_hook(tensor)``,
and the record keeps only what that returns; when backward needs the value it calls
``unpack_hook(packed)``, which must return a tensor (or array) of the same shape. The graph
identity of a saved input is kept apart from its data, so the unpacked value can be any copy
(moved to the host and back, compressed, recomputed) and higher-order backward still works.
Version checks stay: changing a saved tensor in place before backward still raises.

Hooks are per thread; contexts nest (the innermost applies); they apply to records made while
the context is open, whenever their backward runs. The pack hook runs with recording off.
"""

from __future__ import annotations

import threading
import weakref

from . import function as _fn
from .grad_mode import _state, no_grad
from .tensor import Tensor, _wrap

__all__ = ["saved_tensors_hooks", "save_on_cpu", "Node", "AccumulateGrad"]

Node = _fn.Function  # torch.autograd.graph.Node: what ``grad_fn`` and next_functions hold


class AccumulateGrad:
    """The end of a backward path at a leaf: ``variable`` is the leaf Tensor whose ``.grad``
    receives the gradient (torch's ``AccumulateGrad`` node in ``next_functions``). Two are
    equal when they stand for the same leaf."""

    __slots__ = ("variable", "__weakref__")
    next_functions = ()

    def __init__(self, variable):
        self.variable = variable

    def name(self) -> str:
        """The node's kind, as torch's ``name()``: ``'torch::autograd::AccumulateGrad'``."""
        return "torch::autograd::AccumulateGrad"

    def __eq__(self, other):
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self):
        return id(self.variable)

    def __repr__(self):
        return "<AccumulateGrad>"


# leaf id -> its AccumulateGrad while some graph walker holds the node (weakly: the node holds
# the leaf, so the id cannot be reused meanwhile): next_functions hands out one node per leaf,
# as torch (walkers such as torchviz key nodes by id)
_acc_nodes = weakref.WeakValueDictionary()


def accumulate_grad_of(leaf) -> AccumulateGrad:
    """The ``AccumulateGrad`` node of ``leaf``: the same object while one is held."""
    node = _acc_nodes.get(id(leaf))
    if node is None or node.variable is not leaf:
        node = _acc_nodes[id(leaf)] = AccumulateGrad(leaf)
    return node


class saved_tensors_hooks:  # noqa: N801 (PyTorch's name)
    """Context manager: records made inside save ``pack_hook(t)`` instead of each value ``t``
    (a Tensor of any shape) and get it back through ``unpack_hook(packed)`` in backward."""

    def __init__(self, pack_hook, unpack_hook):
        if not callable(pack_hook) or not callable(unpack_hook):
            raise TypeError("saved_tensors_hooks: pack_hook and unpack_hook must be callable")
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def _raw(self):
        """The hooks in the records' terms: values are Tensors or raw arrays."""
        pack_hook, unpack_hook = self.pack_hook, self.unpack_hook

        def pack(obj):
            # under no_grad, as in PyTorch: a hook that computes records nothing (and does
            # not call itself through the records it would make)
            with no_grad():
                return pack_hook(obj if isinstance(obj, Tensor) else _wrap(obj, None, False))

        def unpack(value):
            out = unpack_hook(value)
            if not isinstance(out, Tensor) and not hasattr(out, "shape"):
                raise TypeError(
                    f"saved_tensors_hooks: unpack_hook must return a tensor, got "
                    f"{type(out).__name__}"
                )
            return out

        return pack, unpack

    def __enter__(self):
        _push(self._raw())
        return self

    def __exit__(self, *exc):
        _pop()
        return False


class save_on_cpu(saved_tensors_hooks):  # noqa: N801
    """Saved values live in host memory until backward (cuda tensors are copied to the host
    when saved and back to their device when needed); a no-op for CPU tensors."""

    def __init__(self):
        def pack(t):
            d = t._data
            if type(d).__module__.startswith("cupy"):
                return ("cuda", d.device.id, d.get())
            return ("cpu", None, d)

        def unpack(packed):
            kind, dev, host = packed
            if kind == "cpu":
                return host
            from backends import cupy_or_none

            cp = cupy_or_none()
            with cp.cuda.Device(dev):  # the device for this copy only: the current one stays
                return cp.asarray(host)

        super().__init__(pack, unpack)


_count_lock = threading.Lock()


def _push(pair):
    """Open a hook context in this thread: ``pair`` is (pack, unpack) on raw saved values."""
    _state.saved_hooks.append(pair)
    with _count_lock:
        _fn._hooked += 1


def _pop():
    _state.saved_hooks.pop()
    with _count_lock:
        _fn._hooked -= 1
