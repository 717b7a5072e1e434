"""The machinery the ``autograd.func`` transforms share: pytrees of tensors (``_flatten``),
``argnums``, the differentiable stand-ins for the inputs a transform differentiates (``_Inputs``),
and the count of running transforms (``_depth``: inside one, every backward records its graph).

Split out of ``autograd/func.py``, which re-exports every name defined here.
"""

from __future__ import annotations

from .functional import _version
from .grad_mode import enable_grad, is_grad_enabled
from .ops import clone
from .tensor import Tensor

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
