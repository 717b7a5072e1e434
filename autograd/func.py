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

from .engine import grad as _grad
from .factory import zeros_like
from .functional import _jacobian_forward, _jacobian_reverse, _version
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
    "stack_module_state",
    "replace_all_batch_norm_modules_",
]

_depth = [0]  # how many transforms are running: inside one, every backward records its graph
_vmapping = [0]  # how many vmaps are running (batch_norm refuses to update running stats then)


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


class _Inputs:
    """Fresh differentiable stand-ins for the tensors in ``args[nums]``, and the checks a
    transform runs around ``f``.

    A stand-in is a detached leaf, or a differentiable copy (``clone``) of an input that
    requires grad while grad mode is on (so gradients also reach the caller's tensor).
    """

    def __init__(self, args, nums, fn: str):
        self.fn = fn
        self.args = list(args)
        self.groups = []  # per argnum: (stand-ins, rebuild)
        leaves = []
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
            leaves.append((n, ls, rb))
        grad_on = is_grad_enabled()
        self.record = grad_on and (
            _depth[0] > 0 or any(t.requires_grad for _, ls, _ in leaves for t in ls)
        )
        for n, ls, rb in leaves:
            new = [
                clone(t) if grad_on and t.requires_grad else t.detach().requires_grad_() for t in ls
            ]
            self.args[n] = rb(new)
            self.groups.append((n, new, rb))
        self.flat = [t for _, new, _ in self.groups for t in new]
        self.versions = [_version(t) for t in self.flat]

    def after(self, outputs):
        """Check f did not write into a stand-in, and decide whether the backward is
        recorded: also when f's graph reaches a tensor that requires grad other than the
        stand-ins (one it closes over), so gradients through it are kept, as torch.func."""
        for t, v in zip(self.flat, self.versions):
            if _version(t) != v:
                n = next(n for n, new, _ in self.groups if any(u is t for u in new))
                raise RuntimeError(
                    f"{self.fn}: f modified its input (argument {n}, shape {tuple(t.shape)}) "
                    "in place; the derivative with respect to it is then not defined (PyTorch "
                    "raises: a leaf Variable that requires grad is being used in an in-place "
                    "operation). Clone the input inside f before writing to it."
                )
        if not self.record and is_grad_enabled():
            self.record = _reaches_other_leaves(outputs, {id(t) for t in self.flat})
        return self.record

    def trees(self, flat_values):
        """``flat_values`` (one per stand-in) in the structure of each argnum."""
        out, i = [], 0
        for _, new, rb in self.groups:
            out.append(rb(flat_values[i : i + len(new)]))
            i += len(new)
        return out


def _reaches_other_leaves(outputs, stand_ids) -> bool:
    """Whether the recorded graph behind ``outputs`` reaches a tensor that requires grad and
    is not one of ``stand_ids`` (a walk over the records, each visited once)."""
    stack, seen = [], set()
    for t in outputs:
        if not t.requires_grad:
            continue
        if t._node is None:
            if id(t) not in stand_ids:
                return True
        else:
            stack.append(t._node)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for p in getattr(node, "parents", ()) or ():
            if p is None:
                continue
            if isinstance(p, Tensor):
                if id(p) not in stand_ids:
                    return True
            else:
                stack.append(p)
    return False


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
        us = [zeros_like(o).requires_grad_() for o in outs]  # g(u) = u^T J is linear in u
        live = [(o, u) for o, u in zip(outs, us) if o.requires_grad]
        g = (None,) * len(ins.flat)
        if live:
            g = _grad(
                [o for o, _ in live],
                ins.flat,
                [u for _, u in live],
                create_graph=True,
                retain_graph=True,
                allow_unused=True,
            )
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


def _jac(func, argnums, has_aux, strategy, fn):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        _error_if_complex(fn, args, True)
        ins = _Inputs(args, _argnums(argnums, len(args), fn), fn)
        out, aux = _split_aux(_run(func, ins.args, kwargs), has_aux, fn)
        outs, rb = _flatten(out)
        if not outs:
            raise RuntimeError(
                f"{fn}: f must return a Tensor or a pytree of Tensors, got {type(out).__name__}"
            )
        _check_outputs(outs, fn)
        _error_if_complex(fn, out, False)
        record = ins.after(outs)
        build = _jacobian_reverse if strategy == "reverse-mode" else _jacobian_forward
        _depth[0] += 1  # the passes record when asked: an outer transform may read them
        try:
            with enable_grad():
                blocks = build(outs, ins.flat, record, False, fn)
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
    a tuple, a tuple ``argnums`` a tuple per output. One backward pass per output element.
    ``chunk_size`` is accepted for PyTorch compatibility (rows are computed one at a time).
    As ``torch.func.jacrev``, complex tensors among the positional arguments or the outputs
    raise a RuntimeError.
    """
    return _jac(func, argnums, has_aux, "reverse-mode", "jacrev")


def jacfwd(func, argnums=0, has_aux: bool = False, *, randomness: str = "error"):
    """``f -> (args -> J)``: as ``jacrev``, computed column by column (one double backward per
    input element): cheaper when inputs have fewer elements than outputs. Complex inputs or
    outputs raise, as in torch."""
    return _jac(func, argnums, has_aux, "forward-mode", "jacfwd")


def hessian(func, argnums=0):
    """``f -> (args -> H)``: the Hessian of a scalar f in ``args[argnums]``.

    For an input of shape I, H has shape I + I. Computed as ``jacrev(jacrev(f))``: both
    passes are reverse mode here, which needs second derivatives only (PyTorch's
    ``jacfwd(jacrev(f))`` would need third ones, its forward mode being double backward here).
    Complex inputs or outputs raise, as in torch.
    """
    inner = _jac(func, argnums, False, "reverse-mode", "hessian")
    return _jac(inner, argnums, False, "reverse-mode", "hessian")


# -- vmap -----------------------------------------------------------------------------------------


def _in_dims_per_arg(in_dims, nargs: int):
    if isinstance(in_dims, (int, type(None))) and not isinstance(in_dims, bool):
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


def _match_dims(arg, dims, where: str):
    """Pair ``arg``'s tensors with their mapped dims: ``dims`` is an int/None for the whole of
    ``arg``, or a pytree of the same structure (tuples/lists of the same length, dicts of the
    same keys). Returns ``(tensors, dims, rebuild)``; a non-tensor leaf must have dim None."""
    if dims is None or (isinstance(dims, int) and not isinstance(dims, bool)):
        if isinstance(arg, Tensor):
            return [arg], [dims], lambda ls: ls[0]
        if isinstance(arg, (tuple, list, dict)):
            return _match_dims(arg, _spread(arg, dims), where)
        if dims is not None:
            raise ValueError(
                f"vmap: in_dim {dims} was given for {where}, which is a "
                f"{type(arg).__name__}, not a Tensor; use None for inputs that are not mapped"
            )
        return [], [], lambda ls: arg
    if isinstance(dims, (tuple, list)) and isinstance(arg, (tuple, list)):
        if len(dims) != len(arg):
            raise ValueError(
                f"vmap: in_dims for {where} has {len(dims)} entries but the input has {len(arg)}"
            )
        keys = range(len(arg))
    elif isinstance(dims, dict) and isinstance(arg, dict):
        if set(dims) != set(arg):
            raise ValueError(
                f"vmap: in_dims for {where} has keys {sorted(map(str, dims))} but the input has "
                f"keys {sorted(map(str, arg))}"
            )
        keys = list(arg)
    else:
        raise ValueError(
            f"vmap: in_dims for {where} ({type(dims).__name__}) does not match the input's "
            f"structure ({type(arg).__name__})"
        )
    parts = [_match_dims(arg[k], dims[k], f"{where}[{k!r}]") for k in keys]

    def rebuild(ls):
        out, i = [], 0
        for ts, _, rb in parts:
            out.append(rb(ls[i : i + len(ts)]))
            i += len(ts)
        if isinstance(arg, dict):
            return dict(zip(keys, out))
        return type(arg)(out) if type(arg) in (tuple, list) else type(arg)(*out)

    return (
        [t for ts, _, _ in parts for t in ts],
        [d for _, ds, _ in parts for d in ds],
        rebuild,
    )


def _spread(arg, d):
    if isinstance(arg, dict):
        return {k: d for k in arg}
    return type(arg)(d for _ in arg) if type(arg) in (tuple, list) else tuple(d for _ in arg)


def _take(t, dim: int, b: int):
    return t[(slice(None),) * dim + (b,)]


def vmap(func, in_dims=0, out_dims=0, randomness: str = "error", *, chunk_size=None):
    """``f -> batched f``: map f over a dimension of its inputs (``torch.func.vmap``).

    in_dims: per positional argument, the dim to map (None: not mapped, passed whole), or a
    pytree matching the argument; an int for all. Mapped inputs must agree in size B along
    their dims. out_dims: where the batch dim goes in each output (int, None for an output
    that does not depend on the batch, or a tuple per output). f returns Tensors (or a
    tuple/list/dict of them) of the same shapes for every entry; an output of shape S per entry
    becomes S with B inserted at its out_dim. Keyword arguments are not mapped.

    randomness: ``"error"`` raises if f draws from the global generator, ``"different"`` lets
    each entry draw its own numbers, ``"same"`` replays one set of draws for every entry.
    Runs f once per entry (no batching rules): results and gradients equal a batched run's.
    ``chunk_size`` is accepted for PyTorch compatibility. Batch norm in training mode with
    running statistics is refused inside f, as torch (see ``replace_all_batch_norm_modules_``).
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
            leaves, ds, rb = _match_dims(a, d, f"argument {n}")
            for t, dd in zip(leaves, ds):
                if dd is None:
                    continue
                if t.ndim == 0 or not -t.ndim <= dd < t.ndim:
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
            raise ValueError(
                "vmap: the mapped dimension has size 0; f runs once per entry here, so the "
                "output's shape cannot be known"
            )
        state = get_rng_state()
        results = []
        _vmapping[0] += 1
        try:
            for b in range(size):
                if randomness == "same":
                    set_rng_state(state)
                call = []
                for leaves, ds, rb in mapped:
                    entry = [
                        t if d is None else _take(t, d % t.ndim, b) for t, d in zip(leaves, ds)
                    ]
                    call.append(rb(entry))
                results.append(func(*call, **kwargs))
                if b == 0 and randomness == "error" and get_rng_state() != state:
                    set_rng_state(state)
                    raise RuntimeError(
                        "vmap: f drew random numbers while randomness='error'; pass "
                        "randomness='different' (independent draws per entry) or 'same'"
                    )
        finally:
            _vmapping[0] -= 1
        return _stack_out(results, out_dims)

    return wrapper


def _out_leaves(tree, where="output"):
    """The leaves of f's output pytree; every leaf must be a Tensor (as torch.func.vmap)."""
    if isinstance(tree, Tensor):
        return [tree]
    if isinstance(tree, (tuple, list)):
        return [t for i, x in enumerate(tree) for t in _out_leaves(x, f"{where}[{i}]")]
    if isinstance(tree, dict):
        return [t for k, x in tree.items() for t in _out_leaves(x, f"{where}[{k!r}]")]
    raise RuntimeError(
        f"vmap: f must return only Tensors (or tuples/lists/dicts of them), but {where} is a "
        f"{type(tree).__name__}"
    )


def _stack_out(results, out_dims):
    first = _out_leaves(results[0])
    _, rb = _flatten(results[0])
    per = [_out_leaves(r) for r in results]
    if not isinstance(out_dims, (tuple, list, dict)):
        odims = [out_dims] * len(first)
    elif isinstance(results[0], Tensor) and len(out_dims) == 1:
        odims = list(out_dims)
    else:
        odims = _match_dims(results[0], out_dims, "the output")[1]
    if len(odims) != len(first):
        raise ValueError(f"vmap: out_dims has {len(odims)} entries but f returns {len(first)}")
    out = []
    for i, t0 in enumerate(first):
        col = [p[i] for p in per]
        for j, t in enumerate(col):
            if len(per[j]) != len(first) or tuple(t.shape) != tuple(t0.shape):
                raise RuntimeError(
                    f"vmap: output {i} has shape {tuple(t0.shape)} for entry 0 but "
                    f"{tuple(t.shape)} for entry {j}; every entry must give the same shape"
                )
        d = odims[i]
        if d is None:
            if any(t is not t0 and not bool((t == t0).all()) for t in col[1:]):
                raise ValueError(
                    f"vmap: out_dims is None for output {i}, but its value differs between "
                    "batch entries; give it a batch dim"
                )
            out.append(t0)
            continue
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
