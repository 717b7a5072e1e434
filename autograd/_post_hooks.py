"""``Tensor.register_post_accumulate_grad_hook``: hooks that run on a leaf once backward has
accumulated its gradient into ``.grad`` (PyTorch's; an optimiser step per parameter, in
backward, is their use).

Such a hook is kept in the leaf's ``_hooks`` list, beside its gradient hooks, as a ``PostHook``:
called as a gradient hook it does nothing, so the engine's leaf path pays nothing new unless a
leaf has hooks at all; within that branch it notes the leaves that have post hooks and runs
them after every ``.grad`` is stored (``backward(inputs=...)`` too; ``autograd.grad``
accumulates nothing, so it runs none, as PyTorch).
"""

from __future__ import annotations

from ._engine_hooks import _Handle  # the one handle class of every hook

__all__ = ["PostHook", "add_post_accumulate_hook", "run_post_hooks"]


class PostHook:
    """A post-accumulate hook ``fn(tensor)`` in a leaf's ``_hooks`` list (a no-op gradient hook)."""

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, grad):
        return None


def add_post_accumulate_hook(t, hook):
    """Register ``hook(t)`` to run after backward accumulated into leaf ``t``'s ``.grad``.

    t: a leaf Tensor that requires grad (checked by the caller). Returns a handle.
    """
    if not callable(hook):
        raise TypeError(
            f"register_post_accumulate_grad_hook: hook must be callable, got {type(hook).__name__}"
        )
    if t._hooks is None:
        t._hooks = []
    h = PostHook(hook)
    t._hooks.append(h)
    return _Handle(t._hooks, h)


def run_post_hooks(leaves):
    """Run the post-accumulate hooks of ``leaves`` (Tensors whose ``.grad`` is stored), each
    with its tensor; a hook returning anything but None raises RuntimeError, as PyTorch."""
    for t in leaves:
        for h in list(t._hooks or ()):
            if h.__class__ is PostHook and h.fn(t) is not None:
                raise RuntimeError(
                    "post accumulate grad hooks should return None (a hook registered on the "
                    f"tensor of shape {tuple(t.shape)} returned a value)"
                )
