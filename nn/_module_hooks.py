"""``Module``'s hook registration (forward pre-hooks, forward hooks, full backward hooks and
pre-hooks, load_state_dict pre-hooks) and the ``RemovableHandle`` each returns.

Split out of ``nn/module.py``: ``Module`` inherits these methods from ``_HooksMixin``, and
``nn.module`` re-exports ``RemovableHandle``. ``Module.__call__`` runs the hooks.
"""

from __future__ import annotations

import functools
import itertools
from collections import OrderedDict

_handle_ids = itertools.count()


class RemovableHandle:
    """Returned by the ``register_*_hook`` methods: ``remove()`` unregisters the hook.

    Also a context manager (the hook is removed on exit).
    """

    __slots__ = ("_dicts", "id")

    def __init__(self, *dicts):
        self._dicts = dicts
        self.id = next(_handle_ids)

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        for d in self._dicts:
            d.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class _HooksMixin:
    """Mixin of ``Module``: the ``register_*_hook`` methods. The hooks live in the module's
    ``_forward_pre_hooks``, ``_forward_hooks``, ``_backward_hooks`` and ``_backward_pre_hooks``
    dicts (made by ``Module.__init__``), keyed by their handle's id."""

    def register_forward_pre_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False):
        """Call ``hook(module, args)`` before forward (``hook(module, args, kwargs)`` with kwargs).

        The hook may return None, new args (a tuple, or a single value) or, with
        ``with_kwargs=True``, a tuple ``(args, kwargs)``. Returns a RemovableHandle.
        """
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs.add(handle.id)
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False):
        """Call ``hook(module, args, output)`` after forward (``(module, args, kwargs, output)``).

        A non-None return value replaces the output. Returns a RemovableHandle.
        """
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs.add(handle.id)
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_hook(self, hook, *, prepend: bool = False):
        """Call ``hook(module, grad_input, grad_output)`` once the gradients of this module's
        inputs are computed (PyTorch's semantics).

        grad_input: a tuple with one entry per positional argument of the call (None for
        non-Tensors and inputs that do not require grad); grad_output: a 1-tuple, the gradient
        of the module's output. The hook may return a new grad_input tuple, which then flows
        on instead. It must not change its arguments in place. Supported for modules that
        return one Tensor. Returns a RemovableHandle.
        """
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        if prepend:
            self._backward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_pre_hook(self, hook, *, prepend: bool = False):
        """Call ``hook(module, grad_output)`` when the gradient of the module's output arrives,
        before the module's own backward; it may return a new grad_output (a 1-tuple). Returns a
        RemovableHandle."""
        handle = RemovableHandle(self._backward_pre_hooks)
        self._backward_pre_hooks[handle.id] = hook
        if prepend:
            self._backward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def _register_load_state_dict_pre_hook(self, hook, with_module: bool = False):
        """Call ``hook(state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` (``hook(module, ...)`` with ``with_module``) before
        ``load_state_dict`` reads this module's keys; it may rewrite the (copied) state_dict,
        e.g. to rename old keys. ``local_metadata`` and the key lists are scratch; a message
        appended to ``error_msgs`` makes the load raise. Returns a RemovableHandle."""
        hooks = self.__dict__.setdefault("_load_state_dict_pre_hooks", OrderedDict())
        handle = RemovableHandle(hooks)
        hooks[handle.id] = functools.partial(hook, self) if with_module else hook
        return handle
