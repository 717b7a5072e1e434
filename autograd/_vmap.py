"""``vmap`` (``torch.func.vmap``) and its helpers: matching ``in_dims`` to the arguments, taking
one batch entry, and stacking the per-entry results along ``out_dims``.

``vmap`` runs the function once per batch entry and stacks the results (there are no batching
rules). ``_vmapping`` counts the running vmaps (batch norm refuses to update its running
statistics inside one). Split out of ``autograd/func.py``, which re-exports every name here.
"""

from __future__ import annotations

import functools

from ._func_core import _flatten
from .ops import stack
from .random import get_rng_state, set_rng_state
from .tensor import Tensor

_vmapping = [0]  # how many vmaps are running (batch_norm refuses to update running stats then)


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
    Runs f once per entry (no batching rules): results and gradients equal a batched run's,
    but a side effect of f happens once per entry: an in-place write into a tensor from
    outside f (a captured buffer, an argument with in_dim None) is repeated B times, where
    torch's vmap writes once or raises; return such values instead. Writes into the mapped
    arguments reach their entries, as in torch. ``chunk_size`` (None or a positive int) is
    accepted for PyTorch compatibility. Batch norm in training mode with running statistics
    is refused inside f, as torch (see ``replace_all_batch_norm_modules_``).
    """
    if randomness not in ("error", "different", "same"):
        raise ValueError(
            f"vmap: randomness must be 'error', 'different' or 'same', got {randomness!r}"
        )
    if chunk_size is not None and (
        not isinstance(chunk_size, int) or isinstance(chunk_size, bool) or chunk_size <= 0
    ):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

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
