"""The backward pass: replay the tape in reverse and apply the chain rule.

Records reachable from the roots are collected with an explicit stack (no recursion: a chain of
10^6 ops works), sorted once by tape position (a topological order, since an op is recorded
after its inputs), and run from the newest. Gradients of interior tensors wait in a dict keyed by
record until their record runs; gradients of leaves are summed and stored in ``.grad`` at the end.
Every gradient a rule returns is checked against its input's shape, dtype and array type.
"""

from __future__ import annotations

import heapq
import sys

import numpy as np

from . import _node_hooks
from ._engine_hooks import (  # noqa: F401 - the hook machinery, re-exported
    _before,
    _call_hooks,
    _check_index_versions,
    _extra,
    _Handle,
    add_hook,
    retain,
)
from ._post_hooks import PostHook as _PostHook
from ._post_hooks import run_post_hooks as _run_post_hooks
from .function import RELEASED, Function, _user_frame
from .grad_mode import _refresh, _state
from .tensor import Tensor, _wrap

__all__ = ["backward", "grad"]

_ndarray = np.ndarray
_generic = np.generic


def _as_grad_array(value, t: Tensor, what: str):
    """Validate a user-supplied output gradient against tensor ``t``; returns an array."""
    if isinstance(value, Tensor):
        arr = value._data
    else:
        if type(t._data) is _ndarray:
            arr = np.asarray(value, dtype=t.dtype)
        else:  # a number or list for a cuda output: onto its device
            from backends import array_module

            arr = array_module(t._data).asarray(value, dtype=t.dtype)
    if tuple(arr.shape) != tuple(t.shape):
        raise RuntimeError(
            f"{what}: gradient has shape {tuple(arr.shape)}, but the output has shape "
            f"{tuple(t.shape)}"
        )
    if type(arr) is not type(t._data):
        raise RuntimeError(f"{what}: gradient is on a different device than the output")
    if arr.dtype != t.dtype:
        if (arr.dtype.kind == "c") != (t._data.dtype.kind == "c"):
            raise RuntimeError(
                f"{what}: mismatch in dtype: the gradient is {arr.dtype} and the output is "
                f"{t.dtype} (a complex output needs a complex gradient, a real one a real one)"
            )
        arr = arr.astype(t.dtype)
    return arr


def _root_grads(outputs, grad_outputs, what):
    roots = []
    for i, t in enumerate(outputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}: outputs must be Tensors, got {type(t).__name__}")
        if not t._rg:
            raise RuntimeError(
                f"{what}: element {i} of tensors does not require grad and does not have a "
                "grad_fn (was it made under no_grad, or from tensors that don't require grad?)"
            )
        g = grad_outputs[i] if grad_outputs is not None else None
        if g is None:
            if t._data.dtype.kind == "c":
                raise RuntimeError(
                    f"{what}: grad can be implicitly created only for real scalar outputs; the "
                    f"output is {t.dtype}. Backpropagate a real loss (z.abs(), z.real, ...) or "
                    "pass a gradient"
                )
            if t._data.size != 1:
                raise RuntimeError(
                    f"{what}: grad can be implicitly created only for scalar outputs; the output "
                    f"has shape {tuple(t.shape)}. Pass a gradient of that shape."
                )
            xp_ones = type(t._data)
            g = (np if xp_ones is _ndarray else _cp()).ones(t.shape, dtype=t.dtype)
            roots.append((t, g, True))
        else:
            if isinstance(g, Tensor) and g._rg:
                roots.append((t, g, False))  # a graph-connected seed (create_graph use)
            else:
                roots.append((t, _as_grad_array(g, t, what), False))
    return roots


def _cp():
    from backends import cupy_or_none

    return cupy_or_none()


def _collect(nodes):
    """All records reachable from ``nodes``, newest first."""
    seen = set(nodes)
    stack = list(nodes)
    pop, push, add = stack.pop, stack.append, seen.add
    while stack:
        for p in pop().parents:
            if p is not None and p not in seen and not isinstance(p, Tensor):
                add(p)
                push(p)
    order = sorted(seen, key=_seq_of, reverse=True)
    return order


def _seq_of(node):
    return node.seq


def _check(node, parent, g):
    """Check gradient ``g`` that ``node`` returned for input ``parent`` against that input."""
    i = next(k for k, p in enumerate(node.parents) if p is parent)
    if isinstance(parent, Tensor):
        arr_p = parent._data
        shape, dtype, atype = arr_p.shape, arr_p.dtype, type(arr_p)
    else:
        shape, dtype, atype = parent.oshape, parent.odtype, None
    arr = g._data if isinstance(g, Tensor) else g
    if not (hasattr(arr, "shape") and hasattr(arr, "dtype")):
        raise RuntimeError(
            f"Function {type(node).__name__} returned an invalid gradient at index {i}: got "
            f"{type(g).__name__}; expected an array or Tensor of shape {tuple(shape)}, "
            f"dtype {dtype}"
        )
    if atype is None:
        atype = type(arr) if type(arr) is not _generic else _ndarray
    if arr.shape != shape or arr.dtype != dtype or (type(arr) is not atype):
        raise RuntimeError(
            f"Function {type(node).__name__} returned an invalid gradient at index {i}: got "
            f"shape {tuple(arr.shape)}, dtype {arr.dtype}, {type(arr).__module__}."
            f"{type(arr).__name__}; expected shape {tuple(shape)}, dtype {dtype}, "
            f"{atype.__module__}.{atype.__name__}"
        )


def _anomaly_backward(node, grads):
    for i, g in enumerate(grads):
        if g is None:
            continue
        arr = g._data if isinstance(g, Tensor) else g
        if arr.dtype.kind in "fc":
            from backends import array_module

            if not bool(array_module(arr).isfinite(arr).all()):
                where = (node._extra or {}).get("where", "<unknown>")
                raise RuntimeError(
                    f"Function {type(node).__name__} returned non-finite values (NaN or Inf) in "
                    f"its gradient for input {i}; the op was created at {where}"
                )


class _Attach(Function):
    """g itself, recorded as a function of ``anchor`` with zero derivative: under create_graph,
    a gradient a rule computed from its saved tensors without a differentiable path to them
    (ReLU's ``gy * (y > 0)``) still requires grad, as in PyTorch, so a further ``grad`` through
    it gives zeros instead of "does not require grad"."""

    __slots__ = ("ashape", "adtype")
    complex_ok = True

    def forward(self, g, anchor):
        self.ashape, self.adtype = anchor.shape, anchor.dtype
        return g

    def backward(self, gy):
        from backends import array_module

        return gy, array_module(gy._data if isinstance(gy, Tensor) else gy).zeros(
            self.ashape, self.adtype
        )


def _attach(grads, saved, always=False):
    """``grads`` with each one that does not require grad (each one, when ``always``: an op
    whose derivative is piecewise constant in its saved tensor) attached to the first saved
    tensor that requires grad (see _Attach); unchanged when no saved tensor requires grad."""
    anchor = next((s for s in saved if isinstance(s, Tensor) and s._rg), None)
    if anchor is None:
        return grads
    single = grads.__class__ is not tuple
    out = []
    for g in (grads,) if single else grads:
        if g is not None and (always or not (isinstance(g, Tensor) and g._rg)):
            g = _Attach.apply(g if isinstance(g, Tensor) else _wrap(g, None, False), anchor)
        out.append(g)
    return out[0] if single else tuple(out)


def run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=None, what="backward"):
    """The engine. Accumulates into leaves' ``.grad``; or, with ``inputs``, returns their grads.

    outputs: sequence of Tensors; grad_outputs: matching gradients or None (scalar outputs).
    inputs: None, or Tensors whose gradients to return (nothing is accumulated then).
    """
    if retain_graph is None:
        retain_graph = create_graph
    roots = _root_grads(outputs, grad_outputs, what)
    node_grads: dict = {}
    leaf_grads: dict = {}
    leaf_list: list = []
    user_ids = set()  # the caller's gradient arrays: a leaf's .grad must not alias them

    def seed(t, g, created):
        if not created:
            user_ids.add(id(g._data if isinstance(g, Tensor) else g))
        if create_graph and not isinstance(g, Tensor):
            g = _wrap(g, None, False)
        if t._node is None:
            if t not in leaf_grads:
                leaf_list.append(t)
                leaf_grads[t] = g
            else:
                leaf_grads[t] = _acc(leaf_grads[t], g)
        else:
            node = t._node
            node_grads[node] = _acc(node_grads[node], g) if node in node_grads else g

    for t, g, created in roots:
        seed(t, g, created)

    targets = allowed = ends = None
    if inputs is not None:
        targets = {t._node: None for t in inputs if t._node is not None}
        order = _collect(list(node_grads))
        allowed = set(_prune(order, inputs))
        ends = _ends(order, inputs) if targets else None
        allowed_leaves = {t for t in inputs if t._node is None}

    # Records run newest first. A record is queued when its first gradient arrives; every record
    # that can contribute to it is newer, so it has run by the time this one leaves the heap.
    # While only one record is pending (a chain), the heap is skipped altogether.
    heap = [(-n.seq, n) for n in node_grads]
    heapq.heapify(heap)
    current = heapq.heappop(heap)[1] if heap else None

    prev, prev_returning = _state.grad, _state.returning
    _state.grad = bool(create_graph)
    _state.returning = inputs is not None
    _refresh()
    anomaly = _state.anomaly
    chains = allowed is None and not anomaly  # the chain shortcut below may be taken
    g = None  # the gradient of ``current`` when the chain shortcut handed it over
    # inf and NaN in gradients are values, not events (PyTorch is silent): NumPy's floating-point
    # warnings are off for the pass (np.seterr is per thread / context)
    errs = np.seterr(all="ignore")
    amp = sys.modules.get("autograd.amp")  # an autocast region open: off for this pass (torch)
    amp = amp if amp is not None and amp._active[0] else None
    if amp is not None:
        amp._backward_begin()
    try:
        while current is not None:
            node = current
            if g is None:
                g = node_grads.pop(node)
            packed = node._saved
            extra = node._extra
            if extra is not None or targets is not None or packed is RELEASED:
                g = _before(node, g, packed, extra, targets, create_graph, ends)
                if ends and node in ends:  # an input's record leading to no other input
                    g = None
                    current = heapq.heappop(heap)[1] if heap else None
                    continue
            node.saved = node._unpack(create_graph) if packed else ()
            grads = node.backward(g)
            if create_graph and node.saved and (node.link_saved or node.mask_grad):
                grads = _attach(grads, node.saved, node.mask_grad)
            if extra is not None and "node_post" in extra:  # grad_fn.register_hook
                grads = _node_hooks.run_post(node, extra["node_post"], grads, g, create_graph)
            g = None
            node.saved = None
            if not retain_graph:
                node._saved = RELEASED
            parents = node.parents
            kind = grads.__class__
            if kind is not tuple:
                if kind is _ndarray and chains and extra is None and not heap and len(parents) == 1:
                    # a link of a chain: one record in, one out, nothing else pending; the
                    # gradient goes straight to the parent record
                    p = parents[0]
                    if p is not None and not p._leaf_edge and p not in node_grads:
                        gd = grads.dtype
                        if (gd is p.odtype or gd == p.odtype) and grads.shape == p.oshape:
                            g = grads
                            current = p
                            continue
                grads = (grads,)
            if len(grads) != len(parents):
                _arity(node, grads, parents)
            if anomaly or (extra is not None and "where" in extra):
                _anomaly_backward(node, grads)
            fresh = None
            for p, gx in zip(parents, grads):
                if p is None or gx is None:
                    continue
                if gx.__class__ is not _ndarray and not isinstance(gx, Tensor):
                    gx = _normalise(gx)
                if p._leaf_edge:
                    _check(node, p, gx)
                    if allowed is not None and p not in allowed_leaves:
                        continue
                    if p in leaf_grads:
                        leaf_grads[p] = _acc(leaf_grads[p], gx)
                    else:
                        leaf_list.append(p)
                        leaf_grads[p] = gx
                    continue
                if not (gx.__class__ is _ndarray and gx.shape == p.oshape and gx.dtype == p.odtype):
                    _check(node, p, gx)
                if allowed is not None and p not in allowed:
                    continue
                if p in node_grads:
                    node_grads[p] = _acc(node_grads[p], gx)
                elif fresh is None:
                    node_grads[p] = gx
                    fresh = p
                else:
                    node_grads[p] = gx
                    heapq.heappush(heap, (-p.seq, p))
            if fresh is not None:
                if heap and heap[0][0] < -fresh.seq:
                    current = heapq.heappushpop(heap, (-fresh.seq, fresh))[1]
                else:
                    current = fresh
            else:
                current = heapq.heappop(heap)[1] if heap else None
        if inputs is not None:
            return _gather(inputs, targets, leaf_grads, create_graph)
        _store_leaves(leaf_list, leaf_grads, user_ids, create_graph)
        return None
    finally:
        np.seterr(**errs)
        _state.grad, _state.returning = prev, prev_returning
        _refresh()
        if amp is not None:
            amp._backward_end()


def _arity(node, grads, parents):
    """Allow omitted or None gradients for trailing non-tensor arguments; else raise."""
    n = min(len(grads), len(parents))
    if all(p is None for p in parents[n:]) and all(g is None for g in grads[n:]):
        return
    raise RuntimeError(
        f"Function {type(node).__name__}.backward returned {len(grads)} gradients, but forward "
        f"had {len(parents)} arguments"
    )


def _acc(a, b):
    # numpy turns 0-d + 0-d into a scalar; the engine keeps arrays
    r = a + b
    return np.asarray(r) if isinstance(r, _generic) else r


def _normalise(g):
    if isinstance(g, _generic):
        return np.asarray(g)
    return g


def _prune(order, inputs):
    """Keep only records on a path to one of ``inputs`` (order is newest first)."""
    want_nodes = {t._node for t in inputs if t._node is not None}
    want_leaves = {id(t) for t in inputs if t._node is None}
    useful = set()
    for node in reversed(order):  # oldest first: parents are decided before children
        for p in node.parents:
            if p is None:
                continue
            if (isinstance(p, Tensor) and id(p) in want_leaves) or (
                isinstance(p, Function) and p in useful
            ):
                useful.add(node)
                break
        else:
            if node in want_nodes:  # its gradient is wanted, its backward is not
                useful.add(node)
    return [n for n in order if n in useful]


def _ends(order, inputs):
    """The records of interior ``inputs`` whose backward leads to no other input: their
    gradient is captured and their backward never runs (nor its hooks), as in torch."""
    want_leaves = {id(t) for t in inputs if t._node is None}
    want_nodes = {t._node for t in inputs if t._node is not None}
    through = set()
    for node in reversed(order):
        for p in node.parents:
            if p is None:
                continue
            if (isinstance(p, Tensor) and id(p) in want_leaves) or (
                isinstance(p, Function) and (p in through or p in want_nodes)
            ):
                through.add(node)
                break
    return want_nodes - through


def _gather(inputs, targets, leaf_grads, create_graph):
    out = []
    for t in inputs:
        if t._node is None:
            g = leaf_grads.get(t)
            if g is not None and t._hooks:
                g = _call_hooks(t._hooks, g, create_graph)
        else:
            g = targets.get(t._node)
        if g is None:
            out.append(None)
        elif isinstance(g, Tensor):
            out.append(g)
        else:
            out.append(_wrap(g, None, False))
    return out


_cycle_warned = [False]


def _warn_cycle_once() -> None:
    """PyTorch's one warning per process for backward(create_graph=True) into leaves."""
    if not _cycle_warned[0]:
        _cycle_warned[0] = True
        import warnings

        frame, level = sys._getframe(0), 1  # point at the user's line, past this package
        while frame is not None and frame.f_globals.get("__name__", "").startswith("autograd"):
            frame, level = frame.f_back, level + 1

        warnings.warn(
            "Using backward() with create_graph=True will create a reference cycle between "
            "the parameter and its gradient which can cause a memory leak. We recommend using "
            "autograd.grad when creating the graph to avoid this. If you have to use this "
            "function, make sure to reset the .grad fields of your parameters to None after "
            "use to break the cycle and avoid the leak.",
            UserWarning,
            stacklevel=level,
        )


def _store_leaves(leaf_list, leaf_grads, user_ids, create_graph):
    if create_graph and leaf_list:
        _warn_cycle_once()
    seen = set()
    post = None  # leaves with post-accumulate hooks: run once every .grad is stored
    for t in leaf_list:
        if not t._rg:
            continue
        g = leaf_grads[t]
        if t._hooks:
            g = _call_hooks(t._hooks, g, create_graph)
            if any(h.__class__ is _PostHook for h in t._hooks):
                post = post or []
                post.append(t)
        if create_graph:
            gt = g if isinstance(g, Tensor) else _wrap(g, None, False)
            if t._grad is None:
                # as below: one gradient may reach two leaves, or be the caller's own tensor
                a = gt._data
                if id(a) in seen or id(a) in user_ids or a.base is not None:
                    gt = _own(gt, True)
                seen.add(id(gt._data))
                t._grad = gt
            else:
                t._grad = t._grad + gt
            continue
        if isinstance(g, Tensor):
            g = g._data
        cur = t._grad
        if cur is None:
            # the engine may hand one array to two leaves (z = a + b), or a view of another;
            # a leaf's .grad must own its memory, since users update it in place
            if id(g) in seen or id(g) in user_ids or g.base is not None:
                g = g.copy()
            seen.add(id(g))
            t._grad = _wrap(g, None, False)
        elif cur._data.shape == g.shape and cur._data.dtype == g.dtype and not cur._rg:
            cur._data += g
        else:
            t._grad = _wrap(cur._data + g, None, False)
    if post is not None:
        _run_post_hooks(post)


def _own(g, create_graph):
    """``g`` (a Tensor) with memory of its own; differentiable when ``create_graph``."""
    if create_graph and g._rg:
        from .ops import clone

        return clone(g)
    return _wrap(g._data.copy(), None, False)


def backward(t, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """``t.backward(...)``: accumulate gradients of ``t`` into the leaves' ``.grad``.

    t: the output Tensor; gradient: same shape as t (needed unless t has one element).
    inputs: optional Tensors to restrict accumulation to (a tensor named twice counts once, as
    torch: its gradient is accumulated and its post-accumulate hooks run once).
    """
    if inputs is not None:
        inputs = list({id(x): x for x in _check_inputs(inputs, "backward")}.values())
        if not inputs:
            raise RuntimeError("backward: the inputs argument cannot be empty")
        gs = run_backward([t], [gradient], retain_graph, create_graph, inputs, "backward")
        for x, g in zip(inputs, gs):
            extra = x._node._extra if x._node is not None else None
            ref = extra.get("retain") if extra else None
            if ref is not None and ref() is x:
                continue  # retain_grad: the pass stored x.grad already (once, as torch)
            if g is not None:
                # the gathered gradients may share memory with each other or the caller's seed
                x._grad = _own(g, create_graph) if x._grad is None else x._grad + g
                if x._hooks:
                    _run_post_hooks([x])
        return
    run_backward([t], [gradient], retain_graph, create_graph, None, "backward")


def _check_inputs(inputs, what: str) -> list:
    """``inputs`` (a Tensor or a sequence) as a list of Tensors that require grad; TypeError or
    RuntimeError naming ``what`` and the offending index otherwise."""
    if not isinstance(inputs, (Tensor, list, tuple)):
        raise TypeError(
            f"{what}: inputs must be a Tensor or a sequence of Tensors, got {type(inputs).__name__}"
        )
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if not inputs:
        raise RuntimeError(f"{what}: the inputs argument cannot be empty")
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            raise TypeError(f"{what}: inputs[{i}] must be a Tensor, got {type(x).__name__}")
        if not x._rg:
            raise RuntimeError(
                f"{what}: inputs[{i}] (shape {tuple(x.shape)}) does not require grad"
            )
    return inputs


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph=False,
    only_inputs=True,
    allow_unused=None,
    is_grads_batched=False,
    materialize_grads=False,
):
    """Gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated).

    outputs: Tensor or sequence; inputs: Tensor or sequence (leaves or interior tensors).
    grad_outputs: matching gradients (None for scalar outputs). Returns a tuple of Tensors, one
    per input, each of that input's shape (None for unused inputs when ``allow_unused``; zeros
    with ``materialize_grads``, which implies allow_unused). With ``create_graph=True`` the
    results are themselves differentiable. ``is_grads_batched``: each grad_output carries a
    leading batch dim B; returns (B, *input shape) per input, one vector-Jacobian product per
    entry (one backward pass each). ``only_inputs``: PyTorch's deprecated argument, ignored
    (False gives PyTorch's FutureWarning; nothing is accumulated into ``.grad`` either way).
    The arguments keep PyTorch's positional order.
    """
    if materialize_grads:
        if allow_unused is False:
            raise ValueError(
                "grad: Expected allow_unused to be True or not passed when materialize_grads="
                "True, but got: allow_unused=False."
            )
        allow_unused = True
    if not only_inputs:
        import warnings

        warnings.warn(
            "only_inputs argument is deprecated and is ignored now (defaults to True). To "
            "accumulate gradient for other parts of the graph, please use Tensor.backward().",
            FutureWarning,
            stacklevel=2,
        )
    if not isinstance(outputs, (Tensor, list, tuple)):
        raise TypeError(
            f"grad: outputs must be a Tensor or a sequence of Tensors, got {type(outputs).__name__}"
        )
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = _check_inputs(inputs, "grad")
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor) or hasattr(grad_outputs, "shape"):
        grad_outputs = [grad_outputs]  # one Tensor or array: the gradient of the one output
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    if is_grads_batched:
        from ._batched_grad import batched_grad

        res = batched_grad(run_backward, outputs, grad_outputs, retain_graph, create_graph, inputs)
    else:
        res = run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs, "grad")
    for i, g in enumerate(res):
        if g is None and materialize_grads:
            from .factory import zeros

            x = inputs[i]
            lead = (grad_outputs[0].shape[0],) if is_grads_batched else ()
            res[i] = zeros(lead + tuple(x.shape), dtype=x.dtype, device=x.device)
            continue
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: one of the differentiated Tensors (inputs[{i}], shape "
                f"{tuple(inputs[i].shape)}) appears to not have been used in the graph. "
                "Set allow_unused=True if this is the desired behavior."
            )
    return tuple(res)


__all__ += ["run_backward", "add_hook", "retain", "_user_frame"]
