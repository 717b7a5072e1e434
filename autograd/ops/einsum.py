"""einsum: forward by numpy.einsum, backward by einsum again (one per operand).

The gradient of operand i contracts the output gradient with every other operand into operand
i's subscripts; letters summed away inside operand i are broadcast back, and repeated letters
(diagonals, traces) are embedded on the diagonal. The backward einsums are the same op, so the
rule is differentiable again. Complex operands: the rule is multilinear, so operand i's gradient
contracts gy with the conjugates of the others (a real operand keeps the real part).
"""

from __future__ import annotations

import functools
import math
import string

import numpy as np

from ..amp import _active as _amp_on
from ..amp import _tls as _amp
from ..amp import autocast_call as _autocast
from ..dtypes import COMPLEX
from ..errors import ShapeError
from ..function import Function
from ..tensor import Tensor
from .complex_parts import conj
from .shape import (
    _as_operand,
    _module_of,
    _raw,
    _shape_str,
    _xp,
    broadcast_to,
    share_version,
)

__all__ = ["Einsum", "einsum"]


_LETTERS = string.ascii_letters


class _EinsumPlan:
    """A parsed einsum: the equation with ellipses spelled out, broadcasts, and backward rules."""

    __slots__ = ("equation", "eq", "targets", "back", "optimize")

    def __init__(self, equation, eq, targets, back, optimize):
        self.equation, self.eq, self.targets = equation, eq, targets
        self.back, self.optimize = back, optimize


def _einsum_error(equation, msg, cls=ValueError):
    return cls(f"einsum({equation!r}): {msg}")


@functools.lru_cache(maxsize=1024)
def _einsum_plan(equation: str, shapes: tuple) -> _EinsumPlan:
    eq = equation.replace(" ", "")
    for c in eq:
        if c not in _LETTERS and c not in ",->.":
            raise _einsum_error(equation, f"invalid subscript {c!r}; use letters a-z, A-Z")
    if eq.count("->") > 1 or eq.replace("->", "").count("-") or eq.replace("->", "").count(">"):
        raise _einsum_error(equation, "the equation must contain at most one '->'")
    lhs, rhs = eq.split("->") if "->" in eq else (eq, None)
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise _einsum_error(
            equation, f"the equation names {len(terms)} operands, but {len(shapes)} were given"
        )
    for t in terms + ([rhs] if rhs is not None else []):
        if t.count("...") > 1 or "." in t.replace("...", ""):
            raise _einsum_error(equation, f"subscripts {t!r}: '.' is only valid as one '...'")
    used = {c for c in eq if c in _LETTERS}
    ell_dims = []
    for i, (t, s) in enumerate(zip(terms, shapes)):
        named = len(t.replace("...", ""))
        k = len(s) - named
        if k < 0 or (k > 0 and "..." not in t):
            raise _einsum_error(
                equation,
                f"operand {i} has shape {_shape_str(s)} ({len(s)} dimensions), but its "
                f"subscripts {t!r} name {named}",
                ShapeError,
            )
        ell_dims.append(k)
    n_ell = max(ell_dims)
    free = [c for c in _LETTERS if c not in used]
    if n_ell > len(free):
        raise _einsum_error(equation, "too many dimensions for 52 subscript letters")
    ell = "".join(free[:n_ell])
    free = free[n_ell:]
    full = [t.replace("...", ell[n_ell - k :]) for t, k in zip(terms, ell_dims)]
    if rhs is None:
        counts: dict = {}
        for t in terms:
            for c in t.replace("...", ""):
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, m in counts.items() if m == 1))
    else:
        out = rhs.replace("...", ell)
        for c in out:
            if out.count(c) > 1:
                raise _einsum_error(equation, f"output subscript {c!r} appears more than once")
            if not any(c in t for t in full):
                raise _einsum_error(
                    equation, f"output subscript {c!r} does not appear in any operand"
                )
    # each letter's size; size-1 dims broadcast against other operands (as PyTorch)
    sizes: dict = {}
    for i, (t, s) in enumerate(zip(full, shapes)):
        mine: dict = {}
        for c, m in zip(t, s):
            if mine.setdefault(c, m) != m:
                raise _einsum_error(
                    equation,
                    f"subscript {c!r} is repeated in operand {i} for dimensions of sizes "
                    f"{mine[c]} and {m} (shape {_shape_str(s)})",
                    ShapeError,
                )
            have = sizes.get(c)
            if have is None or have == 1:
                sizes[c] = m
            elif m != 1 and m != have:
                raise _einsum_error(
                    equation,
                    f"subscript {c!r} has size {have} in one operand and {m} in operand {i}; "
                    f"operand shapes {', '.join(_shape_str(v) for v in shapes)}",
                    ShapeError,
                )
    targets = []
    for t, s in zip(full, shapes):
        want = tuple(sizes[c] for c in t)
        targets.append(None if want == tuple(s) else want)
    # backward of operand i: einsum of gy with the other operands, producing operand i's
    # subscripts. A letter repeated in operand i (a diagonal) gets a fresh letter per extra
    # occurrence, tied to the first by an identity matrix; letters that only operand i has
    # (summed away) are missing from that einsum and broadcast back afterwards.
    back = []
    for i, t in enumerate(full):
        pool = iter(free)
        renamed, eyes, seen = [], [], set()
        for c in t:
            if c in seen:
                f = next(pool, None)
                if f is None:
                    raise _einsum_error(
                        equation,
                        "too many repeated subscripts to build the gradient",
                        NotImplementedError,
                    )
                renamed.append(f)
                eyes.append(c + f)
            else:
                seen.add(c)
                renamed.append(c)
        others = tuple(j for j in range(len(full)) if j != i)
        avail = set(out).union(*(full[j] for j in others), *eyes)
        keep = "".join(c for c in renamed if c in avail)
        eq_g = ",".join([out] + [full[j] for j in others] + eyes) + "->" + keep
        expand = None
        if len(keep) != len(renamed):
            expand = (
                tuple(sizes[c] if c in avail else 1 for c in renamed),
                tuple(sizes[c] for c in t),
            )
        back.append((eq_g, others, tuple(sizes[e[0]] for e in eyes), expand))
    work = math.prod(sizes.values()) if sizes else 1
    optimize = len(full) > 2 or (len(full) == 2 and work >= 1 << 15)
    return _EinsumPlan(equation, ",".join(full) + "->" + out, tuple(targets), back, optimize)


class Einsum(Function):
    """y = einsum(equation, *operands); operand i's gradient is an einsum of gy with the others.

    Subclassed per number of operands (``_einsum_op``) so every operand is saved for backward.
    """

    __slots__ = ("plan",)
    complex_ok = True  # multilinear: gy contracted with the others' conjugates

    def forward(self, plan, *xs):
        self.plan = plan
        xp = _module_of(xs)
        if plan.optimize:
            return xp.einsum(plan.eq, *xs, optimize=True)
        return xp.einsum(plan.eq, *xs)

    def backward(self, gy):
        ops = self.saved
        parents = self.parents
        if self.odtype in COMPLEX:  # d/d x_i of a multilinear form: the others, conjugated
            ops = [conj(o) for o in ops]
        grads = [None]
        for i, (eq_g, others, eyes, expand) in enumerate(self.plan.back):
            if parents[i + 1] is None:
                grads.append(None)
                continue
            args = [gy] + [ops[j] for j in others]
            if eyes:
                g_raw = _raw(gy)
                xp = np if type(g_raw) is np.ndarray else _xp(g_raw)
                args += [xp.eye(m, dtype=g_raw.dtype) for m in eyes]
            g = einsum(eq_g, *args)
            if expand is not None:
                g = broadcast_to(g.reshape(expand[0]), expand[1])
            grads.append(self.reduce_grad(i + 1, g))
        return tuple(grads)


_EINSUM_OPS: dict = {}


def _einsum_op(n: int):
    cls = _EINSUM_OPS.get(n)
    if cls is None:
        cls = type(
            "Einsum",
            (Einsum,),
            {"__slots__": (), "__doc__": Einsum.__doc__, "save_inputs": tuple(range(1, n + 1))},
        )
        _EINSUM_OPS[n] = cls
    return cls


def einsum(equation, *operands):
    """Einstein summation, as ``numpy.einsum`` / ``torch.einsum``.

    equation: e.g. 'ij,jk->ik' (explicit), 'ij,jk' (implicit: the letters seen once, sorted),
    '...ij,...jk->...ik' (ellipsis), 'ii->i' (diagonal), 'ii' (trace). Dims sharing a letter
    must match or be 1 (broadcast). operands: Tensors or arrays, one per comma-separated term
    (or one list of them). Returns the output subscripts' shape. An ellipsis left out of an
    explicit output is summed.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(einsum, equation, *operands)
    if not isinstance(equation, str):
        raise TypeError(f"einsum: equation must be a str, got {type(equation).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        inner = operands[0]
        if inner and all(isinstance(o, Tensor) or hasattr(o, "shape") for o in inner):
            operands = tuple(inner)
    ops = [_as_operand(o) for o in operands]
    plan = _einsum_plan(equation, tuple(tuple(o.shape) for o in ops))
    for i, target in enumerate(plan.targets):
        if target is not None:
            ops[i] = broadcast_to(ops[i], target)
    out = _einsum_op(len(ops)).apply(plan, *ops)
    if len(ops) == 1 and isinstance(out, Tensor) and out._data.base is not None:
        share_version(ops[0], out)  # numpy returns a view for 'ij->ji', 'ii->i', ...
    return out
