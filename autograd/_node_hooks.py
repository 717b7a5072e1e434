"""Hooks on a record (``grad_fn.register_prehook`` / ``grad_fn.register_hook``), PyTorch's
``Node`` hooks.

A pre-hook ``hook(grad_outputs)`` runs before the record's backward, with a one-element tuple
(a record has one output); it may return a tuple whose first element replaces the gradient.
A hook ``hook(grad_inputs, grad_outputs)`` runs after it, with one entry per input edge (as
``next_functions``: None where no gradient flows); a returned tuple of that length replaces them.
Gradients are Tensors for the hooks; what they return is checked against what it replaces.
Hooks live in the record's ``_extra`` dict, so a record without any pays nothing.
"""

from __future__ import annotations

from .tensor import Tensor, _wrap


def register(node, kind: str, hook):
    """Add ``hook`` to ``node``'s list ``kind`` ("node_pre" or "node_post"); returns a handle
    with ``remove()``."""
    from ._engine_hooks import _extra, _Handle

    if not callable(hook):
        raise TypeError(f"register_hook: hook must be callable, got {type(hook).__name__}")
    hooks = _extra(node).setdefault(kind, [])
    hooks.append(hook)
    return _Handle(hooks, hook)


def _as_tensor(g):
    return g if g is None or isinstance(g, Tensor) else _wrap(g, None, False)


def _replacement(new, old, what: str, node, create_graph):
    """``new`` checked against ``old`` (same shape and dtype), as what the engine carries."""
    if new is None or old is None:
        if new is not None and old is None:
            raise RuntimeError(
                f"hook on {node.name()} returned a gradient for {what}, which had none"
            )
        return None if new is None else new
    if not isinstance(new, Tensor) or new.shape != old.shape or new.dtype != old.dtype:
        raise RuntimeError(
            f"hook on {node.name()} returned an invalid gradient for {what}: expected a Tensor "
            f"of shape {tuple(old.shape)} and dtype {old.dtype}, got {new!r:.80}"
        )
    return new if create_graph else new._data.copy()


def _as_tuple(r, n: int, node, what: str):
    if not isinstance(r, (tuple, list)) or len(r) != n:
        raise RuntimeError(
            f"hook on {node.name()} must return None or a tuple of {n} {what}, got {r!r:.80}"
        )
    return tuple(r)


def run_pre(node, hooks, g, create_graph):
    """The record's pre-hooks on its output gradient ``g``; returns the gradient to use."""
    for hook in list(hooks):
        gt = _as_tensor(g)
        r = hook((gt,))
        if r is not None:
            (new,) = _as_tuple(r, 1, node, "gradient")
            g = _replacement(new, gt, "its output", node, create_graph)
    return g


def run_post(node, hooks, grads, g, create_graph):
    """The record's hooks on its input gradients ``grads`` (as backward returned them) and
    output gradient ``g``; returns the input gradients to use (a tuple)."""
    grads = grads if isinstance(grads, tuple) else (grads,)
    total = len(node.parents)
    grads = tuple(grads) + (None,) * (total - len(grads))
    n = len(node.next_functions)  # one entry per input edge, as torch (no trailing non-tensors)
    gout = (_as_tensor(g),)
    for hook in list(hooks):
        gin = tuple(_as_tensor(x) for x in grads[:n])
        r = hook(gin, gout)
        if r is not None:
            r = _as_tuple(r, n, node, "input gradients")
            grads = (
                tuple(
                    _replacement(new, old, f"input {i}", node, create_graph)
                    for i, (new, old) in enumerate(zip(r, gin))
                )
                + grads[n:]
            )
    return grads
