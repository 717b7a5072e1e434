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

from . import functional as _functional
from .engine import grad as _grad
from .factory import zeros_like
from .grad_mode import enable_grad, is_grad_enabled
from .ops import clone, stack
from .random import get_rng_state, set_rng_state
from .tensor import Tensor

__all__ = [
    "grad",
    "grad_and_value",
    "vjp",
    "jvp",
    "jacrev",
    "jacfwd",
    "hessian",
    "vmap",
    "functional_call",
]

_depth = [0]  # how many transforms are running: inside one, every backward records its graph


# -- pytrees of tensors (tuples, lists, dicts, Tensors; anything else is a leaf constant) --------


def _flatten(tree):
    """``(leaves, rebuild)``: the Tensors of a nested tuple/list/dict in order, and a function
    that builds the same structure from a new list of leaves."""
    if isinstance(tree, Tensor):
        return [tree], lambda ls: ls[0]
    if isinstance(tree, (tuple, list)):
        parts = [_flatten(t) for t in tree]
        kind = type(tree)

        def rebuild(ls):
            out, i = [], 0
            for leaves, rb in parts:
                out.append(rb(ls[i : i + len(leaves)]))
                i += len(leaves)
            return kind(out) if kind in (tuple, list) else kind(*out)  # namedtuples

        return [leaf for leaves, _ in parts for leaf in leaves], rebuild
    if isinstance(tree, dict):
        keys = list(tree)
        parts = [_flatten(tree[k]) for k in keys]

        def rebuild(ls):
            out, i = {}, 0
            for k, (leaves, rb) in zip(keys, parts):
                out[k] = rb(ls[i : i + len(leaves)])
                i += len(leaves)
            return type(tree)(out) if type(tree) is not dict else out

        return [leaf for leaves, _ in parts for leaf in leaves], rebuild
    return [], lambda ls: tree


def _argnums(argnums, nargs: int, fn: str) -> tuple:
    """``argnums`` (int or tuple of ints) as a tuple of checked non-negative positions."""
    many = isinstance(argnums, tuple)
    nums = argnums if many else (argnums,)
    out = []
    for a in nums:
        if not isinstance(a, int) or isinstance(a, bool):
            raise TypeError(f"{fn}: argnums must be an int or a tuple of ints, got {argnums!r}")
        if not -nargs <= a < nargs:
            raise ValueError(
                f"{fn}: argnums {a} is out of range for a function called with {nargs} "
                "positional arguments"
            )
        out.append(a % nargs)
    if len(set(out)) != len(out):
        raise ValueError(f"{fn}: argnums {argnums!r} repeats an argument")
    if not out:
        raise ValueError(f"{fn}: argnums must name at least one argument")
    return tuple(out)


def _track(args, nums, fn: str):
    """Fresh differentiable stand-ins for the tensors in ``args[nums]``.

    Returns ``(new_args, leaves, record)``: ``leaves`` are the stand-ins; ``record`` says the
    backward must be recorded (inside another transform, or an input already requires grad:
    then a stand-in is a differentiable copy, so gradients also reach the caller's tensor).
    """
    record = _depth[0] > 0 and is_grad_enabled()
    new_args = list(args)
    leaves, rebuilds = [], []
    for n in nums:
        ls, rb = _flatten(args[n])
        if not ls:
            raise TypeError(
                f"{fn}: argument {n} must be a Tensor or a tuple/list/dict of Tensors, got "
                f"{type(args[n]).__name__}"
            )
        for i, t in enumerate(ls):
            if t.dtype.kind not in "fc":
                raise TypeError(
                    f"{fn}: argument {n} holds a tensor of dtype {t.dtype} (leaf {i}); only "
                    "floating-point inputs can be differentiated"
                )
        leaves.append(ls)
        rebuilds.append(rb)
    record = record or (is_grad_enabled() and any(t.requires_grad for ls in leaves for t in ls))
    stand = []
    for n, ls, rb in zip(nums, leaves, rebuilds):
        new = [clone(t) if record and t.requires_grad else t.detach().requires_grad_() for t in ls]
        new_args[n] = rb(new)
        stand.append((new, rb))
    return new_args, stand, record


def _run(func, args, kwargs):
    _depth[0] += 1
    try:
        with enable_grad():
            return func(*args, **kwargs)
    finally:
        _depth[0] -= 1


def _split_aux(out, has_aux: bool, fn: str):
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(
            f"{fn}(f)(*args): with has_aux=True, f must return a tuple (output, aux), got "
            f"{type(out).__name__}"
        )
    return out


def _out(t, record: bool):
    return t if record else t.detach()


def _detach_tree(tree, record: bool):
    leaves, rb = _flatten(tree)
    return rb([_out(t, record) for t in leaves])


# -- grad / grad_and_value / vjp / jvp -------------------------------------------------------------


def grad_and_value(func, argnums=0, has_aux: bool = False):
    """``f -> (args -> (df/dargs[argnums], f(args)))`` for a scalar-valued ``f``.

    f must return a 0-d float Tensor (or ``(that, aux)`` with ``has_aux``). The gradient has
    the structure of ``args[argnums]`` (a tuple of them for a tuple ``argnums``); each tensor
    the shape of its input. Returns ``((grad, value))`` or ``((grad, (value, aux)))``.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        fn = "grad_and_value"
        nums = _argnums(argnums, len(args), fn)
        new_args, stand, record = _track(args, nums, fn)
        out, aux = _split_aux(_run(func, new_args, kwargs), has_aux, fn)
        if not isinstance(out, Tensor) or out.ndim != 0:
            what = (
                f"a tensor of shape {tuple(out.shape)}"
                if isinstance(out, Tensor)
                else (type(out).__name__)
            )
            raise RuntimeError(f"{fn}(f)(*args): f must return a scalar (0-d) Tensor, got {what}")
        flat = [t for new, _ in stand for t in new]
        if out.requires_grad:
            gs = _grad(out, flat, create_graph=record, retain_graph=record, allow_unused=True)
        else:
            gs = (None,) * len(flat)
        gs = [zeros_like(t) if g is None else _out(g, record) for g, t in zip(gs, flat)]
        trees, i = [], 0
        for new, rb in stand:
            trees.append(rb(gs[i : i + len(new)]))
            i += len(new)
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


def vjp(func, *primals, has_aux: bool = False):
    """``(func(*primals), vjp_fn)``: ``vjp_fn(cotangents)`` gives v^T J, one per primal.

    primals: Tensors (or pytrees of them). cotangents: the structure and shapes of func's
    output. ``vjp_fn`` returns a tuple with one entry per primal, each of that primal's
    structure; it may be called several times. With ``has_aux``, returns ``(out, vjp_fn, aux)``.
    """
    fn = "vjp"
    if not primals:
        raise ValueError("vjp: give at least one primal")
    new_args, stand, record = _track(primals, tuple(range(len(primals))), fn)
    out, aux = _split_aux(_run(func, new_args, {}), has_aux, fn)
    outs, _ = _flatten(out)
    if not outs:
        raise RuntimeError(f"vjp: func must return a Tensor or a pytree of Tensors, got {out!r}")
    flat = [t for new, _ in stand for t in new]

    def vjp_fn(cotangents):
        vs, _ = _flatten(cotangents)
        if len(vs) != len(outs):
            raise ValueError(
                f"vjp_fn: expected {len(outs)} cotangent tensors (one per output), got {len(vs)}"
            )
        for i, (v, o) in enumerate(zip(vs, outs)):
            if tuple(v.shape) != tuple(o.shape):
                raise ValueError(
                    f"vjp_fn: cotangent {i} has shape {tuple(v.shape)}, but output {i} has "
                    f"shape {tuple(o.shape)}"
                )
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
        trees, i = [], 0
        for new, rb in stand:
            trees.append(rb(gs[i : i + len(new)]))
            i += len(new)
        return tuple(trees)

    result = _detach_tree(out, record)
    if has_aux:
        return result, vjp_fn, _detach_tree(aux, record)
    return result, vjp_fn


def jvp(func, primals, tangents, *, strict: bool = False, has_aux: bool = False):
    """``(func(*primals), J @ tangents)``: the Jacobian-vector product (``torch.func.jvp``).

    primals, tangents: tuples of Tensors of equal shapes. Returns func's output and the
    tangent of each output (same structure and shapes). Computed by double backward.
    """
    fn = "jvp"
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: primals and tangents must be tuples of Tensors")
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp: {len(primals)} primals but {len(tangents)} tangents; give one per primal"
        )
    aux_box = []

    def f(*xs):
        out, aux = _split_aux(func(*xs), has_aux, fn)
        aux_box.append(aux)
        return out

    record = (_depth[0] > 0 and is_grad_enabled()) or (
        is_grad_enabled() and any(isinstance(t, Tensor) and t.requires_grad for t in primals)
    )
    _depth[0] += 1
    try:
        out, jv = _functional.jvp(
            f, tuple(primals), tuple(tangents), create_graph=record, strict=strict
        )
    finally:
        _depth[0] -= 1
    if has_aux:
        return out, jv, _detach_tree(aux_box[-1], record)
    return out, jv


# -- Jacobians and the Hessian ---------------------------------------------------------------------


def _jac(func, argnums, has_aux, strategy, fn):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums = _argnums(argnums, len(args), fn)
        for n in nums:
            if not isinstance(args[n], Tensor):
                raise TypeError(
                    f"{fn}: argument {n} must be a Tensor, got {type(args[n]).__name__}"
                )
        aux_box = []

        def f(*sel):
            full = list(args)
            for n, s in zip(nums, sel):
                full[n] = s
            out, aux = _split_aux(func(*full, **kwargs), has_aux, fn)
            aux_box.append(aux)
            if isinstance(out, list):
                out = tuple(out)
            return out

        sel = tuple(args[n] for n in nums)
        record = (_depth[0] > 0 and is_grad_enabled()) or (
            is_grad_enabled() and any(t.requires_grad for t in sel)
        )
        _depth[0] += 1
        try:
            jac = _functional.jacobian(
                f, sel if isinstance(argnums, tuple) else sel[0], create_graph=record,
                strategy=strategy,
            )  # fmt: skip
        finally:
            _depth[0] -= 1
        if has_aux:
            return jac, _detach_tree(aux_box[-1], record)
        return jac

    return wrapper


def jacrev(func, argnums=0, *, has_aux: bool = False, chunk_size=None):
    """``f -> (args -> J)``: the Jacobian of f in ``args[argnums]`` by reverse mode.

    For an output of shape O and an input of shape I, J has shape O + I; several outputs give
    a tuple, a tuple ``argnums`` a tuple per output. One backward pass per output element.
    ``chunk_size`` is accepted for PyTorch compatibility (rows are computed one at a time).
    """
    return _jac(func, argnums, has_aux, "reverse-mode", "jacrev")


def jacfwd(func, argnums=0, has_aux: bool = False, *, randomness: str = "error"):
    """``f -> (args -> J)``: as ``jacrev``, computed column by column (one double backward per
    input element): cheaper when inputs have fewer elements than outputs."""
    return _jac(func, argnums, has_aux, "forward-mode", "jacfwd")


def hessian(func, argnums=0):
    """``f -> (args -> H)``: the Hessian of a scalar f in ``args[argnums]``.

    For an input of shape I, H has shape I + I. Computed as ``jacrev(jacrev(f))``: both
    passes are reverse mode here, which needs second derivatives only (PyTorch's
    ``jacfwd(jacrev(f))`` would need third ones, its forward mode being double backward here).
    """
    return jacrev(jacrev(func, argnums), argnums)


# -- vmap -----------------------------------------------------------------------------------------


def _in_dims_per_arg(in_dims, nargs: int):
    if isinstance(in_dims, (int, type(None))):
        return (in_dims,) * nargs
    if not isinstance(in_dims, tuple):
        raise TypeError(
            f"vmap: in_dims must be an int, None or a tuple, got {type(in_dims).__name__}"
        )
    if len(in_dims) != nargs:
        raise ValueError(
            f"vmap: in_dims has {len(in_dims)} entries but the function was called with {nargs} "
            "positional arguments"
        )
    return in_dims


def _leaf_dims(arg, dims, n: int):
    """Pair every tensor of ``arg`` with its mapped dim (``dims`` an int/None for the whole
    argument, or a pytree of them matching it)."""
    leaves, rb = _flatten(arg)
    if isinstance(dims, (int, type(None))):
        return leaves, [dims] * len(leaves), rb
    dflat = _flatten_dims(dims)
    if len(dflat) != len(leaves):
        raise ValueError(
            f"vmap: in_dims for argument {n} has {len(dflat)} entries but the argument holds "
            f"{len(leaves)} tensors"
        )
    return leaves, dflat, rb


def _flatten_dims(dims):
    if isinstance(dims, (tuple, list)):
        return [d for x in dims for d in _flatten_dims(x)]
    if isinstance(dims, dict):
        return [d for k in dims for d in _flatten_dims(dims[k])]
    return [dims]


def _take(t, dim: int, b: int):
    return t[(slice(None),) * dim + (b,)]


def vmap(func, in_dims=0, out_dims=0, randomness: str = "error", *, chunk_size=None):
    """``f -> batched f``: map f over a dimension of its inputs (``torch.func.vmap``).

    in_dims: per positional argument, the dim to map (None: not mapped, passed whole); an int
    for all. Mapped inputs must agree in size B along their dims. out_dims: where the batch
    dim goes in each output (int, or a tuple per output). f returns Tensors (or a tuple/list/
    dict of them) of the same shapes for every entry; results are stacked: an output of shape
    S per entry becomes S with B inserted at out_dims. Keyword arguments are not mapped.

    randomness: ``"error"`` raises if f draws from the global generator, ``"different"`` lets
    each entry draw its own numbers, ``"same"`` replays one set of draws for every entry.
    Runs f once per entry (no batching rules): results and gradients equal a batched run's.
    """
    if randomness not in ("error", "different", "same"):
        raise ValueError(
            f"vmap: randomness must be 'error', 'different' or 'same', got {randomness!r}"
        )

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        dims = _in_dims_per_arg(in_dims, len(args))
        mapped, size = [], None
        for n, (a, d) in enumerate(zip(args, dims)):
            leaves, ds, rb = _leaf_dims(a, d, n)
            for t, dd in zip(leaves, ds):
                if dd is None:
                    continue
                if not isinstance(dd, int) or not -t.ndim <= dd < max(t.ndim, 1) or t.ndim == 0:
                    raise ValueError(
                        f"vmap: in_dim {dd} is out of range for argument {n}, a tensor of shape "
                        f"{tuple(t.shape)}"
                    )
                b = t.shape[dd % t.ndim]
                if size is None:
                    size = b
                elif b != size:
                    raise ValueError(
                        f"vmap: mapped inputs disagree in batch size: {size} and {b} (argument "
                        f"{n}, shape {tuple(t.shape)}, in_dim {dd})"
                    )
            mapped.append((leaves, ds, rb))
        if size is None:
            raise ValueError("vmap: at least one argument must be mapped (in_dims all None)")
        if size == 0:
            raise ValueError("vmap: the mapped dimension has size 0; nothing to map over")
        state = get_rng_state()
        results = []
        for b in range(size):
            if randomness == "same":
                set_rng_state(state)
            call = []
            for leaves, ds, rb in mapped:
                call.append(
                    rb([t if d is None else _take(t, d % t.ndim, b) for t, d in zip(leaves, ds)])
                )
            results.append(func(*call, **kwargs))
            if b == 0 and randomness == "error" and get_rng_state() != state:
                raise RuntimeError(
                    "vmap: f drew random numbers while randomness='error'; pass "
                    "randomness='different' (independent draws per entry) or 'same'"
                )
        return _stack_out(results, out_dims)

    return wrapper


def _stack_out(results, out_dims):
    first, rb = _flatten(results[0])
    if not first:
        raise RuntimeError(
            f"vmap: f must return Tensors (or a tuple/list/dict of them), got "
            f"{type(results[0]).__name__}"
        )
    per = [_flatten(r)[0] for r in results]
    odims = _flatten_dims(out_dims) if isinstance(out_dims, (tuple, list, dict)) else None
    if odims is not None and len(odims) != len(first):
        raise ValueError(f"vmap: out_dims has {len(odims)} entries but f returns {len(first)}")
    out = []
    for i, t0 in enumerate(first):
        col = [p[i] for p in per]
        for j, t in enumerate(col):
            if tuple(t.shape) != tuple(t0.shape):
                raise RuntimeError(
                    f"vmap: output {i} has shape {tuple(t0.shape)} for entry 0 but "
                    f"{tuple(t.shape)} for entry {j}; every entry must give the same shape"
                )
        d = out_dims if odims is None else odims[i]
        if not isinstance(d, int) or not -(t0.ndim + 1) <= d <= t0.ndim:
            raise ValueError(
                f"vmap: out_dim {d!r} is out of range for output {i} of {t0.ndim} dims"
            )
        out.append(stack(col, dim=d))
    return rb(out)


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
