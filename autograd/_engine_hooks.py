"""The engine's hook machinery: tensor hooks (``register_hook``), ``retain_grad``, index-tensor
version checks and the record's pre-hooks, all kept in a record's ``_extra`` dict (or a leaf's
``_hooks`` list) so that records without any cost the engine one ``is None`` test.

``_before`` is the rare per-record work the engine calls when a record has ``_extra``, when
``autograd.grad`` asked for interior gradients, or when the record was released.
"""

from __future__ import annotations

import weakref

from . import _node_hooks
from .function import RELEASED
from .tensor import Tensor, _wrap


class _Handle:
    """Returned by the ``register_*hook`` methods; ``remove()`` unregisters the hook."""

    __slots__ = ("_hooks", "_hook")

    def __init__(self, hooks, hook):
        self._hooks = hooks
        self._hook = hook

    def remove(self):
        """Unregister the hook (again: nothing)."""
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _extra(node):
    if node._extra is None:
        node._extra = {}
    return node._extra


def add_hook(t: Tensor, hook):
    """Register ``hook(grad)`` on tensor ``t`` (leaf: on the tensor; interior: on its record)."""
    if not callable(hook):
        raise TypeError(f"register_hook: hook must be callable, got {type(hook).__name__}")
    if t._node is None:
        if t._hooks is None:
            t._hooks = []
        hooks = t._hooks
    else:
        hooks = _extra(t._node).setdefault("hooks", [])
    hooks.append(hook)
    return _Handle(hooks, hook)


def retain(t: Tensor):
    """Keep ``.grad`` for interior tensor ``t`` when its record runs (``retain_grad``)."""
    _extra(t._node)["retain"] = weakref.ref(t)


def _call_hooks(hooks, g, create_graph):
    for hook in list(hooks):
        gt = g if isinstance(g, Tensor) else _wrap(g, None, False)
        r = hook(gt)
        if r is not None:
            if (
                not isinstance(r, Tensor)
                or r.shape != gt.shape
                or r.dtype != gt.dtype
                or type(r._data) is not type(gt._data)
            ):
                raise RuntimeError(
                    "hook returned an invalid gradient: expected a Tensor of shape "
                    f"{tuple(gt.shape)} and dtype {gt.dtype} on {gt.device}, got {r!r:.80}"
                )
            # a copy: the hook's tensor stays the caller's (a leaf's .grad accumulates in place)
            g = r if create_graph else r._data.copy()
    return g


def _before(node, g, packed, extra, targets, create_graph, ends=None):
    """The rare per-record work: released check, hooks, retain_grad, ag.grad targets.

    ends: records whose backward will not run (``autograd.grad``'s interior inputs leading to
    no other input): no released check for them."""
    if packed is RELEASED and not (ends and node in ends):
        node._unpack(False)  # raises the "backward a second time" error
    if extra is not None:
        if "index_versions" in extra:  # index tensors the op kept (ops.shape.guard_index)
            _check_index_versions(node, extra["index_versions"])
        if "hooks" in extra:
            g = _call_hooks(extra["hooks"], g, create_graph)
        ref = extra.get("retain")
        t = ref() if ref is not None else None
        if t is not None:  # also under ag.grad / inputs=: a kept record's gradient is complete
            gt = g if create_graph else _wrap(g.copy(), None, False)
            t._grad = gt if t._grad is None else t._grad + gt
    if targets is not None and node in targets:  # as torch: before the record's own pre-hooks
        targets[node] = g
    # grad_fn.register_prehook (not for a record that will not run)
    if extra is not None and "node_pre" in extra and not (ends and node in ends):
        g = _node_hooks.run_pre(node, extra["node_pre"], g, create_graph)
    return g


def _check_index_versions(node, entries):
    """RuntimeError, as PyTorch's, when an index tensor a record kept changed in place."""
    for op, vc, ver, shape in entries:
        if vc[0] != ver:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"in-place operation: the index tensor of shape {shape} used by {op} (record "
                f"{type(node).__name__}) was modified in place; it is at version {vc[0]}, "
                f"expected version {ver}. The gradient would follow the new indices: change "
                f"the index after backward(), or pass {op} a clone() of it."
            )
