"""Higher-level differentiation of whole functions: ``vjp``, ``jvp``, ``jacobian``, ``hessian``,
``hvp``, ``vhp`` (PyTorch's ``torch.autograd.functional``, same names, arguments and results).

``func`` takes the tensors of ``inputs`` (one Tensor or a tuple of them) as positional arguments
and returns a Tensor or a tuple of Tensors. Each function runs ``func`` on fresh copies of the
inputs that require grad (so the caller's tensors are not touched and need not require grad)
and differentiates with the tape:

* ``vjp``: one backward pass, v^T J.
* ``jvp``: J v by the double-backward trick: g(u) = u^T J is linear in u, so J v is the gradient
  of <g(u), v> in u (two reverse passes, no forward mode needed).
* ``jacobian``: one reverse pass per output element (``strategy="reverse-mode"``), or one
  double-backward per input element (``"forward-mode"``, better when inputs are few).
* ``hessian``: the Jacobian of the gradient of a scalar function; ``hvp`` / ``vhp``: H v and
  v^T H by two reverse passes (equal for twice-differentiable functions: H is symmetric).

With ``create_graph=False`` the results are detached; with ``True`` they are differentiable in
the original inputs (higher orders). ``strict=True`` raises when an output does not depend on an
input (the result would be all zeros); otherwise that block is zeros.

Complex tensors follow PyTorch (gradients d/dx + i d/dy; see ``jacobian``). Where PyTorch
refuses (an omitted v for a complex tensor, a complex output of the non-vectorized
reverse-mode Jacobian, a complex scalar for ``hessian``/``hvp``/``vhp``) so does this module.
"""

from __future__ import annotations

from .engine import grad as _grad
from .errors import ShapeError
from .factory import ones_like, zeros, zeros_like
from .grad_mode import enable_grad
from .ops import clone, reshape, stack
from .tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


# -- plumbing -------------------------------------------------------------------------------------


def _as_tuple(obj, what: str, fn: str):
    """``(tuple_of_tensors, was_tuple)``; TypeError naming ``fn`` for anything but Tensors."""
    was_tuple = isinstance(obj, (tuple, list))
    items = tuple(obj) if was_tuple else (obj,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            where = f"{what}[{i}]" if was_tuple else what
            raise TypeError(f"{fn}: {where} must be a Tensor, got {type(t).__name__}")
    return items, was_tuple


def _prepare(inputs, create_graph: bool, fn: str):
    """Fresh inputs that require grad: a differentiable copy of an input that already requires
    grad when ``create_graph`` (so results stay connected to it), else a detached one."""
    items, was_tuple = _as_tuple(inputs, "inputs", fn)
    _check_float(items, fn)
    out = [
        clone(t) if create_graph and t.requires_grad else t.detach().requires_grad_() for t in items
    ]
    return tuple(out), was_tuple


def _check_float(items, fn: str):
    for i, t in enumerate(items):
        if t.dtype.kind not in "fc":
            raise TypeError(f"{fn}: inputs[{i}] must be floating point, got dtype {t.dtype}")


def _call(func, inputs, fn: str):
    versions = [_version(t) for t in inputs]
    with enable_grad():
        out = func(*inputs)
    for i, (t, v) in enumerate(zip(inputs, versions)):
        if _version(t) != v:  # a write into the fresh input (a copy when create_graph)
            raise RuntimeError(
                f"{fn}: func modified inputs[{i}] (shape {tuple(t.shape)}) in place; the "
                "derivative with respect to it is then not defined (PyTorch raises: a leaf "
                "Variable that requires grad is being used in an in-place operation). Clone "
                "the input inside func before writing to it."
            )
    return _as_tuple(out, "outputs", fn)


def _version(t) -> int:
    vc = t._vc
    return 0 if vc is None else vc[0]


def _check_v(v, refs, what: str, fn: str):
    """``v`` (Tensor or tuple) as a tuple matching ``refs`` in count and shapes."""
    vs, _ = _as_tuple(v, "v", fn)
    if len(vs) != len(refs):
        raise ValueError(f"{fn}: v has {len(vs)} tensors but the {what} have {len(refs)}")
    for i, (a, r) in enumerate(zip(vs, refs)):
        if tuple(a.shape) != tuple(r.shape):
            raise ShapeError(
                f"{fn}: v[{i}] has shape {tuple(a.shape)}, but {what}[{i}] has shape "
                f"{tuple(r.shape)}"
            )
    return vs


def _default_v(ts, what: str, fn: str):
    """v = (1,) for a single one-element Tensor (v may be omitted only then)."""
    if len(ts) != 1 or ts[0].numel() != 1:
        shapes = ", ".join(str(tuple(t.shape)) for t in ts)
        raise RuntimeError(
            f"{fn}: v can be omitted only when the {what} are a single Tensor with one element, "
            f"got shapes {shapes}"
        )
    return (ones_like(ts[0]),)


def _refuse_implicit_complex(t, fn: str, what: str, fix: str = "pass v explicitly") -> None:
    """An omitted v (or cotangent) is ones, which PyTorch creates only for real tensors:
    RuntimeError when ``t`` (the tensor it would seed) is complex and takes part in the graph
    (``grad can be implicitly created only for real scalar outputs``)."""
    if t.dtype.kind == "c" and t.requires_grad:
        raise RuntimeError(
            f"{fn}: {what} is complex ({t.dtype}); a default gradient of ones can be implicitly "
            f"created only for real scalar outputs (PyTorch raises here too): {fix}"
        )


def _vjp_raw(outs, ins, vs, create_graph, retain, strict, fn, what="the output"):
    """sum_i v_i^T d out_i / d ins, one Tensor per input (zeros where unused, unless strict:
    then a RuntimeError says ``what`` is independent of which input)."""
    pairs = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
    if not pairs:
        grads = (None,) * len(ins)
    else:
        grads = _grad(
            [o for o, _ in pairs],
            list(ins),
            [v for _, v in pairs],
            retain_graph=retain,
            create_graph=create_graph,
            allow_unused=True,
        )
    out = []
    for i, (g, x) in enumerate(zip(grads, ins)):
        if g is None:
            if strict:
                raise RuntimeError(
                    f"{fn}: {what} is independent of inputs[{i}] (shape "
                    f"{tuple(x.shape)}), which strict=True forbids"
                )
            g = zeros_like(x)
        out.append(g)
    return tuple(out)


def _contract(g, vs, wrt, create_graph: bool):
    """d(sum_i <g_i, v_i>)/d wrt, one Tensor per ``wrt`` (zeros where it does not depend):
    the second reverse pass of jvp and of the Hessian products. g: gradients built with
    create_graph (those that do not require grad are constants and drop out)."""
    live = [(gi, vi) for gi, vi in zip(g, vs) if gi.requires_grad]
    if live:
        out = _grad(
            [gi for gi, _ in live],
            list(wrt),
            [vi for _, vi in live],
            retain_graph=create_graph,
            create_graph=create_graph,
            allow_unused=True,
        )
    else:
        out = (None,) * len(wrt)
    return tuple(zeros_like(w) if o is None else o for o, w in zip(out, wrt))


def _check_scalar(outs, fn: str) -> None:
    """RuntimeError naming ``fn`` unless func returned a single one-element Tensor, real when
    it takes part in the graph (its gradient is seeded with 1, as in PyTorch)."""
    if len(outs) != 1 or outs[0].numel() != 1:
        shapes = ", ".join(str(tuple(o.shape)) for o in outs)
        raise RuntimeError(
            f"{fn}: func must return a single Tensor with one element, got outputs of shapes "
            f"{shapes}"
        )
    fix = "return a real scalar (e.g. .real or .abs() of it)"
    _refuse_implicit_complex(outs[0], fn, "func's output", fix)


def _finish(ts, create_graph: bool):
    return tuple(t if create_graph else t.detach() for t in ts)


def _shape_like(ts, was_tuple):
    return ts if was_tuple else ts[0]


# -- vjp / jvp ------------------------------------------------------------------------------------


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product.

    inputs: Tensor or tuple of Tensors x_j; v: the cotangent(s), one per output of func, each
    of that output's shape (may be omitted for a single one-element output). Returns the
    outputs and one Tensor per input, of that input's shape (a tuple when inputs is one).
    """
    fn = "vjp"
    ins, in_tuple = _prepare(inputs, create_graph, fn)
    outs, out_tuple = _call(func, ins, fn)
    if v is None:
        vs = _default_v(outs, "outputs", fn)
        _refuse_implicit_complex(outs[0], fn, "v was omitted but func's output")
    else:
        vs = _check_v(v, outs, "outputs", fn)
    g = _vjp_raw(outs, ins, vs, create_graph, create_graph, strict, fn)
    return _shape_like(_finish(outs, create_graph), out_tuple), _shape_like(
        _finish(g, create_graph), in_tuple
    )


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), J v)``: the Jacobian-vector product.

    v: the tangent(s), one per input, each of that input's shape (may be omitted for a single
    one-element input). Returns the outputs and one Tensor per output, of that output's shape.
    Computed by double backward: u -> u^T J is linear in u, and J v is its gradient against v.
    """
    fn = "jvp"
    ins, in_tuple = _prepare(inputs, create_graph, fn)
    vs = _default_v(ins, "inputs", fn) if v is None else _check_v(v, ins, "inputs", fn)
    outs, out_tuple = _call(func, ins, fn)
    # dummy cotangents u (zeros: the value does not matter, g is linear in u)
    us = tuple(zeros_like(o).requires_grad_() for o in outs)
    g = _vjp_raw(outs, ins, us, True, True, strict, fn)
    if strict:
        for i, gi in enumerate(g):
            if not gi.requires_grad:
                raise RuntimeError(
                    f"jvp: the Jacobian against inputs[{i}] does not depend on the cotangent "
                    "(output independent of this input), which strict=True forbids"
                )
    if v is None:  # v = ones seeds the second pass at the gradient against the input
        _refuse_implicit_complex(g[0], fn, "v was omitted but the input")
    jv = _contract(g, vs, us, create_graph)
    return _shape_like(_finish(outs, create_graph), out_tuple), _shape_like(
        _finish(jv, create_graph), out_tuple
    )


# -- jacobian / hessian ---------------------------------------------------------------------------


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):  # fmt: skip
    """The Jacobian of ``func`` at ``inputs``: d out_i / d in_j of shape out_i.shape +
    in_j.shape.

    Returns one Tensor for one input and one output; a tuple over inputs for one output (or
    over outputs for one input); a tuple of tuples ``J[i][j]`` for several of each.
    strategy: ``"reverse-mode"`` (one backward per output element) or ``"forward-mode"`` (one
    double backward per input element). vectorize: the rows are computed one by one either
    way; it matters only for complex outputs, as in PyTorch.

    Complex tensors follow PyTorch: for a complex input z, reverse-mode row k is the gradient
    of real output k (d/dx + i d/dy); forward-mode column k is the derivative along the real
    unit e_k. A complex output is refused in reverse mode with ``vectorize=False`` (PyTorch's
    per-element backward needs a real scalar); with ``vectorize=True`` row k is the gradient
    for a real one-hot cotangent (``conj(f'(z))`` for a holomorphic f; for a real input the
    derivative's real part), PyTorch's vectorized result.
    """
    return _jacobian(func, inputs, create_graph, strict, vectorize, strategy, "jacobian")


def _refuse_complex_rows(outs, fn: str) -> None:
    """PyTorch's non-vectorized reverse-mode Jacobian backpropagates each element of each
    output alone, with an implicit cotangent of 1: it raises for a complex output that takes
    part in the graph. Raise the same, with the way out."""
    for i, o in enumerate(outs):
        if o.dtype.kind != "c" or not o.requires_grad or o.numel() == 0:
            continue
        if fn == "hessian":
            what = (
                f"inputs[{i}] is complex ({o.dtype}), so the gradient whose Jacobian is the "
                "Hessian is complex"
            )
        else:
            what = f"outputs[{i}] is complex ({o.dtype})"
        raise RuntimeError(
            f"{fn}: {what}; with vectorize=False PyTorch refuses this (grad can be implicitly "
            "created only for real scalar outputs). Pass vectorize=True for the result PyTorch "
            "computes then (row k: the gradient for a real one-hot cotangent), or split complex "
            "tensors into real and imaginary parts"
        )


def _jacobian(func, inputs, create_graph, strict, vectorize, strategy, fn):
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(
            f"{fn}: strategy must be 'reverse-mode' or 'forward-mode', got {strategy!r}"
        )
    ins, in_tuple = _prepare(inputs, create_graph, fn)
    outs, out_tuple = _call(func, ins, fn)
    if strategy == "reverse-mode" and not vectorize:
        _refuse_complex_rows(outs, fn)
    if strategy == "reverse-mode":
        blocks = _jacobian_reverse(outs, ins, create_graph, strict, fn)
    else:
        blocks = _jacobian_forward(outs, ins, create_graph, strict, fn)
    blocks = [[b if create_graph else b.detach() for b in row] for row in blocks]
    if out_tuple:
        return tuple(tuple(row) if in_tuple else row[0] for row in blocks)
    return tuple(blocks[0]) if in_tuple else blocks[0][0]


def _one_hot_like(t, flat_index: int):
    """A constant of t's shape, dtype and device: 1 at C-order position flat_index, else 0."""
    e = zeros_like(t)
    e._data.reshape(-1)[flat_index] = 1  # a fresh contiguous array: reshape is a view
    return e


def _empty_block(o, x):
    """The (0-element) Jacobian block of output o against input x when either is empty."""
    return zeros(*(tuple(o.shape) + tuple(x.shape)), dtype=o.dtype, device=o.device)


def _jacobian_reverse(outs, ins, create_graph, strict, fn):
    """J[i][j], one backward pass per element of each output (a one-hot cotangent)."""
    blocks = []
    for i, o in enumerate(outs):
        rows = [[] for _ in ins]
        n = o.numel()
        for k in range(n):
            e = _one_hot_like(o, k)
            g = _vjp_raw((o,), ins, (e,), create_graph, True, strict, fn, f"outputs[{i}]")
            for j, gj in enumerate(g):
                rows[j].append(gj)
        row = []
        for j, x in enumerate(ins):
            if n:
                J = reshape(stack(rows[j]), tuple(o.shape) + tuple(x.shape))
            else:
                J = _empty_block(o, x)
            row.append(J)
        blocks.append(row)
    return blocks


def _jacobian_forward(outs, ins, create_graph, strict, fn):
    """J[i][j], one Jacobian-vector product (double backward) per element of each input."""
    us = tuple(zeros_like(o).requires_grad_() for o in outs)
    g = _vjp_raw(outs, ins, us, True, True, strict, fn)
    cols = [[[] for _ in ins] for _ in outs]
    for j, (x, gj) in enumerate(zip(ins, g)):
        for k in range(x.numel()):
            if gj.requires_grad:
                jv = _grad(
                    [gj],
                    list(us),
                    [_one_hot_like(x, k)],
                    retain_graph=True,
                    create_graph=create_graph,
                    allow_unused=True,
                )
            else:
                jv = (None,) * len(outs)
            for i, o in enumerate(outs):
                cols[i][j].append(zeros_like(o) if jv[i] is None else jv[i])
    blocks = []
    for i, o in enumerate(outs):
        row = []
        for j, x in enumerate(ins):
            if x.numel():
                # (*out shape, in elements): the input's C-order index last
                J = reshape(stack(cols[i][j], dim=-1), tuple(o.shape) + tuple(x.shape))
            else:
                J = _empty_block(o, x)
            row.append(J)
        blocks.append(row)
    return blocks


def hessian(func, inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):  # fmt: skip
    """The Hessian of a scalar ``func`` at ``inputs``: d2 f / d in_i d in_j of shape
    in_i.shape + in_j.shape (one Tensor for one input, else a tuple of tuples ``H[i][j]``).

    func must return a single real Tensor with one element. Computed as the Jacobian of the
    gradient (the gradient built with create_graph). A complex input makes the gradient
    complex: as in PyTorch, the reverse-mode outer Jacobian then needs ``vectorize=True`` (see
    ``jacobian``).
    """
    fn = "hessian"
    items, in_tuple = _as_tuple(inputs, "inputs", fn)
    _check_float(items, fn)

    def gradient(*xs):
        outs, _ = _call(func, xs, fn)
        _check_scalar(outs, fn)
        g = _vjp_raw(outs, xs, (None,), True, True, strict, fn)
        return g if in_tuple else g[0]

    return _jacobian(
        gradient, items if in_tuple else items[0], create_graph, strict, vectorize,
        outer_jacobian_strategy, fn,
    )  # fmt: skip


def vhp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), v^T H)`` for a scalar ``func``: the gradient's vector-Jacobian
    product. v: one Tensor per input, of its shape. Returns the output and one Tensor per
    input."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), H v)`` for a scalar ``func``. v: one Tensor per input, of its shape.
    Returns the output and one Tensor per input. For a twice-differentiable func H is
    symmetric, so this equals ``vhp``; it is computed the same way (two reverse passes)."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func, inputs, v, create_graph, strict, fn):
    ins, in_tuple = _prepare(inputs, create_graph, fn)
    outs, _ = _call(func, ins, fn)
    _check_scalar(outs, fn)
    vs = _default_v(ins, "inputs", fn) if v is None else _check_v(v, ins, "inputs", fn)
    g = _vjp_raw(outs, ins, (None,), True, True, strict, fn)
    if strict and not all(gi.requires_grad for gi in g):
        raise RuntimeError(
            f"{fn}: the gradient does not depend on the inputs (the function is linear in "
            "them), which strict=True forbids"
        )
    if v is None:  # v = ones seeds the second pass at the (complex) gradient
        _refuse_implicit_complex(g[0], fn, "v was omitted but the input")
    hv = _contract(g, vs, ins, create_graph)
    return _finish(outs, create_graph)[0], _shape_like(_finish(hv, create_graph), in_tuple)
