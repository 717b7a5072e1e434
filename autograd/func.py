"""Composable function transforms, as ``torch.func``: ``grad``, ``grad_and_value``, ``vjp``,
``jvp``, ``jacrev``, ``jacfwd``, ``hessian``, ``vmap`` and ``functional_call``.

Each transform takes a function and returns a function; they nest (``grad(grad(f))``,
``vmap(grad(f))`` for per-sample gradients, ``jacfwd(jacrev(f))``) and are differentiable
themselves. They run on the tape: a transform called inside another (or on inputs that
require grad) records its backward pass with ``create_graph=True``, so an enclosing transform
or ``backward()`` sees through it, also through tensors the inner function closes over. At the
top level, on inputs that do not require grad, the results are plain tensors.

``vmap`` runs the function once per batch entry and stacks the results (there are no batching
rules): its results and gradients equal a batched computation's, and its cost is that of B
calls. ``randomness`` is checked by watching the global generator (``autograd.manual_seed``).
"""

from __future__ import annotations

import functools

# the shared machinery and vmap live in their own modules; every name is re-exported here
from ._func_core import (  # noqa: F401
    _argnums,
    _depth,
    _detach_tree,
    _flatten,
    _Inputs,
    _out,
    _reaches_other_leaves,
    _run,
    _split_aux,
)
from ._vmap import (  # noqa: F401 - _vmapping is read by nn.functional's batch_norm
    _in_dims_per_arg,
    _match_dims,
    _out_leaves,
    _spread,
    _stack_out,
    _take,
    _vmapping,
    vmap,
)
from .engine import grad as _grad
from .factory import zeros_like
from .functional import _jacobian_forward, _jacobian_reverse
from .grad_mode import enable_grad, is_grad_enabled
from .ops import stack
from .random import get_rng_state, set_rng_state
from .tensor import Tensor

__all__ = [
    "grad",
    "grad_and_value",
    "vjp",
    "jvp",
    "linearize",
    "jacrev",
    "jacfwd",
    "hessian",
    "vmap",
    "functional_call",
    "stack_module_state",
    "replace_all_batch_norm_modules_",
]


# -- grad / grad_and_value / vjp / jvp -------------------------------------------------------------


def _check_outputs(outs, fn: str):
    for i, o in enumerate(outs):
        if o.dtype.kind not in "fc":
            raise RuntimeError(
                f"{fn}: f's output {i} has dtype {o.dtype}; only floating-point outputs can be "
                "differentiated"
            )


def grad_and_value(func, argnums=0, has_aux: bool = False):
    """``f -> (args -> (df/dargs[argnums], f(args)))`` for a scalar-valued ``f``.

    f must return a 0-d float Tensor (or ``(that, aux)`` with ``has_aux``). The gradient has
    the structure of ``args[argnums]`` (a tuple of them for a tuple ``argnums``); each tensor
    the shape of its input. Returns ``((grad, value))`` or ``((grad, (value, aux)))``.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        fn = "grad_and_value"
        ins = _Inputs(args, _argnums(argnums, len(args), fn), fn)
        out, aux = _split_aux(_run(func, ins.args, kwargs), has_aux, fn)
        if not isinstance(out, Tensor) or out.ndim != 0:
            what = (
                f"a tensor of shape {tuple(out.shape)}"
                if isinstance(out, Tensor)
                else (type(out).__name__)
            )
            raise RuntimeError(f"{fn}(f)(*args): f must return a scalar (0-d) Tensor, got {what}")
        _check_outputs((out,), fn)
        record = ins.after((out,))
        flat = ins.flat
        if out.requires_grad:
            gs = _grad(out, flat, create_graph=record, retain_graph=record, allow_unused=True)
        else:
            gs = (None,) * len(flat)
        gs = [zeros_like(t) if g is None else _out(g, record) for g, t in zip(gs, flat)]
        trees = ins.trees(gs)
        g = tuple(trees) if isinstance(argnums, tuple) else trees[0]
        value = _out(out, record)
        if has_aux:
            return g, (value, _detach_tree(aux, record))
        return g, value

    return wrapper


def grad(func, argnums=0, has_aux: bool = False):
    """``f -> (args -> df/dargs[argnums])`` for a scalar-valued ``f`` (``torch.func.grad``).

    f must return a 0-d float Tensor (or ``(that, aux)`` with ``has_aux``, giving
    ``(grad, aux)``). The gradient has the structure and shapes of ``args[argnums]``; an input
    f does not depend on gets zeros. ``grad(grad(f))`` is the second derivative.
    """
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapper


def _check_like(vs, outs, what: str, fn: str, other: str = "output"):
    if len(vs) != len(outs):
        raise ValueError(
            f"{fn}: expected {len(outs)} {what} tensors (one per {other}), got {len(vs)}"
        )
    for i, (v, o) in enumerate(zip(vs, outs)):
        if not isinstance(v, Tensor):
            raise TypeError(f"{fn}: {what} {i} must be a Tensor, got {type(v).__name__}")
        if tuple(v.shape) != tuple(o.shape):
            raise ValueError(
                f"{fn}: {what} {i} has shape {tuple(v.shape)}, but {other} {i} has shape "
                f"{tuple(o.shape)}"
            )


def vjp(func, *primals, has_aux: bool = False):
    """``(func(*primals), vjp_fn)``: ``vjp_fn(cotangents)`` gives v^T J, one per primal.

    primals: Tensors (or pytrees of them). cotangents: the structure and shapes of func's
    output. ``vjp_fn`` returns a tuple with one entry per primal, each of that primal's
    structure; it may be called several times. With ``has_aux``, returns ``(out, vjp_fn, aux)``.
    """
    fn = "vjp"
    if not primals:
        raise ValueError("vjp: give at least one primal")
    ins = _Inputs(primals, tuple(range(len(primals))), fn)
    out, aux = _split_aux(_run(func, ins.args, {}), has_aux, fn)
    outs, _ = _flatten(out)
    if not outs:
        raise RuntimeError(f"vjp: func must return a Tensor or a pytree of Tensors, got {out!r}")
    _check_outputs(outs, fn)
    record = ins.after(outs)
    flat = ins.flat

    def vjp_fn(cotangents):
        vs, _ = _flatten(cotangents)
        _check_like(vs, outs, "cotangent", "vjp_fn")
        live = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
        rec = record or (is_grad_enabled() and any(v.requires_grad for v in vs))
        gs = (None,) * len(flat)
        if live:
            gs = _grad(
                [o for o, _ in live],
                flat,
                [v for _, v in live],
                retain_graph=True,
                create_graph=rec,
                allow_unused=True,
            )
        gs = [zeros_like(t) if g is None else _out(g, rec) for g, t in zip(gs, flat)]
        return tuple(ins.trees(gs))

    result = _detach_tree(out, record)
    if has_aux:
        return result, vjp_fn, _detach_tree(aux, record)
    return result, vjp_fn


def _seed_vjp(outs, flat):
    """``(us, g)``: zero cotangents ``us`` that require grad, one per output, and
    g(u) = u^T J as a graph (create_graph): linear in u, so J v is its gradient against u
    (jvp and linearize by double backward). g has one entry per input (None: unreached)."""
    us = [zeros_like(o).requires_grad_() for o in outs]
    live = [(o, u) for o, u in zip(outs, us) if o.requires_grad]
    if not live:
        return us, (None,) * len(flat)
    g = _grad(
        [o for o, _ in live],
        flat,
        [u for _, u in live],
        create_graph=True,
        retain_graph=True,
        allow_unused=True,
    )
    return us, g


def jvp(func, primals, tangents, *, strict: bool = False, has_aux: bool = False):
    """``(func(*primals), J @ tangents)``: the Jacobian-vector product (``torch.func.jvp``).

    primals, tangents: tuples of Tensors (or pytrees) of equal structure and shapes. Returns
    func's output and its tangent (same structure and shapes). Computed by double backward:
    u -> u^T J is linear in u, and J v is its gradient against u.
    """
    fn = "jvp"
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: primals and tangents must be tuples of Tensors")
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp: {len(primals)} primals but {len(tangents)} tangents; give one per primal"
        )
    ins = _Inputs(primals, tuple(range(len(primals))), fn)
    vs, _ = _flatten(tuple(tangents))
    _check_like(vs, ins.flat, "tangent", fn, "primal")
    out, aux = _split_aux(_run(func, ins.args, {}), has_aux, fn)
    outs, rb = _flatten(out)
    if not outs:
        raise RuntimeError(f"jvp: func must return a Tensor or a pytree of Tensors, got {out!r}")
    _check_outputs(outs, fn)
    record = ins.after(outs) or (is_grad_enabled() and any(v.requires_grad for v in vs))
    with enable_grad():
        us, g = _seed_vjp(outs, ins.flat)
        pairs = [(gi, v) for gi, v in zip(g, vs) if gi is not None and gi.requires_grad]
        if strict and len(pairs) != len(vs):
            raise RuntimeError("jvp: an output is independent of an input, which strict forbids")
        jv = (None,) * len(us)
        if pairs:
            jv = _grad(
                [gi for gi, _ in pairs],
                us,
                [v for _, v in pairs],
                create_graph=record,
                retain_graph=record,
                allow_unused=True,
            )
    jv = [zeros_like(o) if j is None else _out(j, record) for j, o in zip(jv, outs)]
    result = _detach_tree(out, record), rb(jv)
    if has_aux:
        return result + (_detach_tree(aux, record),)
    return result


def linearize(func, *primals):
    """``(func(*primals), jvp_fn)``: f's value and its linearisation at ``primals``
    (``torch.func.linearize``, ``jax.linearize``).

    primals: Tensors. ``jvp_fn(*tangents)`` (Tensors shaped as the primals) returns J @ t,
    shaped as f's output (a pytree as f returns). f runs once; its graph and the graph of
    ``u -> u^T J`` (one backward with create_graph) are kept, so each call of jvp_fn costs one
    backward pass through the latter, not a new evaluation of f.
    """
    fn = "linearize"
    ins = _Inputs(primals, tuple(range(len(primals))), fn)
    out = _run(func, ins.args, {})
    outs, rb = _flatten(out)
    if not outs:
        raise RuntimeError(
            f"linearize: func must return a Tensor or a pytree of Tensors, got {out!r}"
        )
    _check_outputs(outs, fn)
    with enable_grad():
        us, g = _seed_vjp(outs, ins.flat)

    def jvp_fn(*tangents):
        """J @ tangents: one Tensor per primal, of its shape; returns f's output structure."""
        vs, _ = _flatten(tuple(tangents))
        _check_like(vs, ins.flat, "tangent", fn, "primal")
        pairs = [(gi, v) for gi, v in zip(g, vs) if gi is not None and gi.requires_grad]
        jv = (None,) * len(us)
        if pairs:
            with enable_grad():
                jv = _grad(
                    [gi for gi, _ in pairs],
                    us,
                    [v for _, v in pairs],
                    retain_graph=True,
                    allow_unused=True,
                )
        return rb([zeros_like(o) if j is None else _out(j, False) for j, o in zip(jv, outs)])

    return _detach_tree(out, False), jvp_fn


# -- Jacobians and the Hessian ---------------------------------------------------------------


def _first_complex(tree, start: int = 0):
    """``(index, dtype)`` of the first complex Tensor among ``tree``'s leaves, counted as
    torch's pytree counts them (anything but a tuple, list or dict is a leaf, None included),
    or ``(next index, None)`` when there is none."""
    if isinstance(tree, Tensor):
        return (start, tree.dtype) if tree.dtype.kind == "c" else (start + 1, None)
    if isinstance(tree, (tuple, list, dict)):
        for item in tree.values() if isinstance(tree, dict) else tree:
            start, dtype = _first_complex(item, start)
            if dtype is not None:
                return start, dtype
        return start, None
    return start + 1, None


def _error_if_complex(fn: str, tree, is_input: bool) -> None:
    """torch.func's jacrev / jacfwd / hessian refuse complex inputs (every positional
    argument, differentiated or not) and complex outputs: their Jacobian of a complex map is
    not defined there. Raise as they do, naming the leaf and its dtype."""
    idx, dtype = _first_complex(tree)
    if dtype is None:
        return
    what = "inputs" if is_input else "outputs"
    raise RuntimeError(
        f"{fn}: Expected all {what} to be real but received complex tensor at flattened "
        f"{what[:-1]} idx: {idx} (dtype {dtype}). Like torch.func.{fn}, it does not support "
        "complex tensors: differentiate the real and imaginary parts (view_as_real, .real, "
        ".imag) as separate real tensors."
    )


def _builtin_graph(outs, ins) -> bool:
    """Whether every record between ``outs`` and ``ins`` is one of tapegrad's own ops (all
    twice differentiable), not a user's Function whose backward may not be."""
    stop = {id(t._node) for t in ins if t._node is not None}
    seen, stack = set(), [t._node for t in outs if t._node is not None]
    while stack:
        rec = stack.pop()
        if id(rec) in seen or id(rec) in stop:
            continue
        seen.add(id(rec))
        klass = type(rec)
        # a PyTorch-protocol record (``_forward_cls``: the user's Function) is never trusted,
        # nor one whose gradient a hook may change (a hook need not be linear in it)
        if (
            hasattr(klass, "_forward_cls")
            or not klass.twice_differentiable
            or not klass.__module__.startswith(_OWN_MODULES)
        ):
            return False
        extra = rec._extra
        if extra is not None and not _HOOK_FREE.issuperset(extra):
            return False
        stack.extend(p for p in rec.parents or () if p is not None and not p._leaf_edge)
    return True


_OWN_MODULES = ("autograd.", "nn.")
_HOOK_FREE = frozenset({"retain", "index_versions"})  # _extra entries that change no gradient


def _builder(strategy, outs, ins):
    """The Jacobian builder for ``strategy``, or the other direction when it needs fewer
    passes (the Jacobian is the same): a reverse pass per output element, or a forward one
    (double backward, measured ~1.4x a reverse pass here) per input element. Forward is taken
    for jacrev only when every op on the way is tapegrad's own (a user Function's backward
    need not be differentiable)."""
    m = sum(o.numel() for o in outs)
    n = sum(x.numel() for x in ins)
    if strategy == "reverse-mode":
        if m > 2 * n and _builtin_graph(outs, ins):
            return _jacobian_forward
        return _jacobian_reverse
    return _jacobian_reverse if m <= n else _jacobian_forward


def _jac(func, argnums, has_aux, strategy, fn, randomness="same"):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        _error_if_complex(fn, args, True)
        ins = _Inputs(args, _argnums(argnums, len(args), fn), fn)
        state = get_rng_state() if randomness == "error" else None
        out, aux = _split_aux(_run(func, ins.args, kwargs), has_aux, fn)
        if state is not None and get_rng_state() != state:
            set_rng_state(state)  # as vmap: the generator as it was before f ran
            raise RuntimeError(
                f"{fn}: f drew random numbers while randomness='error'; pass "
                "randomness='same' or 'different' (f runs once here, so every column sees "
                "the same draws either way)"
            )
        outs, rb = _flatten(out)
        if not outs:
            raise RuntimeError(
                f"{fn}: f must return a Tensor or a pytree of Tensors, got {type(out).__name__}"
            )
        _check_outputs(outs, fn)
        _error_if_complex(fn, out, False)
        record = ins.after(outs)
        build = _builder(strategy, outs, ins.flat)
        _depth[0] += 1  # the passes record when asked: an outer transform may read them
        try:
            with enable_grad():
                try:
                    blocks = build(outs, ins.flat, record, False, fn)
                except RuntimeError:
                    if build is not _jacobian_forward or strategy != "reverse-mode":
                        raise
                    # jacrev's own choice of forward mode met an op refusing double backward
                    blocks = _jacobian_reverse(outs, ins.flat, record, False, fn)
        finally:
            _depth[0] -= 1
        per_out = []
        for row in blocks:
            trees = ins.trees([_out(b, record) for b in row])
            per_out.append(tuple(trees) if isinstance(argnums, tuple) else trees[0])
        jac = rb(per_out)
        if has_aux:
            return jac, _detach_tree(aux, record)
        return jac

    return wrapper


def jacrev(func, argnums=0, *, has_aux: bool = False, chunk_size=None):
    """``f -> (args -> J)``: the Jacobian of f in ``args[argnums]`` by reverse mode.

    For an output of shape O and an input of shape I, J has shape O + I; several outputs give
    a tuple, a tuple ``argnums`` a tuple per output. One backward pass per output element;
    when outputs have more than twice as many elements as inputs and every op on the way is
    tapegrad's own, one forward (double backward) pass per input element instead (the same
    Jacobian, fewer passes). ``chunk_size`` (None or a positive int) is accepted for PyTorch
    compatibility (rows are computed one at a time). As ``torch.func.jacrev``, complex
    tensors among the positional arguments or the outputs raise a RuntimeError.
    """
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"jacrev: `chunk_size` should be greater than 0, got {chunk_size!r}")
    return _jac(func, argnums, has_aux, "reverse-mode", "jacrev")


def jacfwd(func, argnums=0, has_aux: bool = False, *, randomness: str = "error"):
    """``f -> (args -> J)``: as ``jacrev``, computed column by column (one double backward per
    input element), or row by row when outputs have no more elements than inputs (fewer
    passes, the same Jacobian). Complex inputs or outputs raise, as in torch.

    randomness: ``"error"`` (torch's default) raises if f draws random numbers; f runs once
    here, so with ``"same"`` or ``"different"`` every column sees the same draws.
    """
    if randomness not in ("error", "different", "same"):
        raise ValueError(
            f"jacfwd: randomness must be 'error', 'different' or 'same', got {randomness!r}"
        )
    return _jac(func, argnums, has_aux, "forward-mode", "jacfwd", randomness)


def hessian(func, argnums=0):
    """``f -> (args -> H)``: the Hessian of a scalar f in ``args[argnums]``.

    For an input of shape I, H has shape I + I. Computed as ``jacrev(jacrev(f))``: both
    passes are reverse mode here, which needs second derivatives only (PyTorch's
    ``jacfwd(jacrev(f))`` would need third ones, its forward mode being double backward here).
    Complex inputs or outputs raise, as in torch.
    """
    inner = _jac(func, argnums, False, "reverse-mode", "hessian")
    return _jac(inner, argnums, False, "reverse-mode", "hessian")


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights: bool = True, strict: bool = False):  # fmt: skip
    """``module(*args, **kwargs)`` with its parameters and buffers replaced by the tensors in
    ``parameter_and_buffer_dicts`` (a dict of dotted names, or a tuple of dicts), then restored.

    See ``nn.stateless.functional_call``; this is ``torch.func.functional_call``.
    """
    from nn.stateless import functional_call as _call

    return _call(
        module, parameter_and_buffer_dicts, args, kwargs, tie_weights=tie_weights, strict=strict
    )


def stack_module_state(models):
    """``(params, buffers)`` of several modules of the same structure, each a dict of dotted
    name -> the models' tensors stacked along a new dim 0 (``torch.func.stack_module_state``).

    models: a sequence of M modules. A stacked parameter is a new leaf of shape (M, *shape)
    that requires grad when the originals do; buffers are stacked without grad. For ensembles:
    ``vmap(lambda p, b, x: functional_call(base, (p, b), (x,)), in_dims=(0, 0, None))``.
    """
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: expected at least one model, got none")
    first = models[0]
    for i, m in enumerate(models[1:], 1):
        if type(m) is not type(first):
            raise RuntimeError(
                f"stack_module_state: model {i} is a {type(m).__name__}, model 0 a "
                f"{type(first).__name__}; all models must have the same structure"
            )
    named = [dict(m.named_parameters()) for m in models]
    bufs = [dict(m.named_buffers()) for m in models]
    for i, (p, b) in enumerate(zip(named[1:], bufs[1:]), 1):
        if list(p) != list(named[0]) or list(b) != list(bufs[0]):
            raise RuntimeError(
                f"stack_module_state: model {i}'s parameters/buffers differ in names from model "
                "0's; all models must have the same structure"
            )
    params = {}
    for k, t0 in named[0].items():
        s = stack([p[k].detach() for p in named])
        params[k] = s.requires_grad_() if t0.requires_grad else s
    buffers = {k: stack([b[k].detach() for b in bufs]) for k in bufs[0]}
    return params, buffers


def replace_all_batch_norm_modules_(root):
    """Make every batch-norm module under ``root`` (itself included) use batch statistics only,
    so ``vmap`` can run it (``torch.func.replace_all_batch_norm_modules_``): running_mean,
    running_var and num_batches_tracked become None and track_running_stats False. In place;
    returns ``root``. Modules are found by duck typing (``modules()`` and the three buffers)."""
    for m in root.modules():
        if hasattr(m, "track_running_stats") and hasattr(m, "running_mean"):
            m.running_mean = None
            m.running_var = None
            if hasattr(m, "num_batches_tracked"):
                m.num_batches_tracked = None
            m.track_running_stats = False
    return root
