"""``gradcheck`` and ``gradgradcheck``: analytic gradients against central differences.

Both contract the outputs with a random cotangent ``v`` (an all-ones cotangent hides bugs that
cancel), so one backward pass gives the analytic ``J^T v``, and one central difference per input
element gives the numerical one: ``(f(x + eps e_j) - f(x - eps e_j)) / 2 eps`` with
``f = sum(v * fn(x))``. Run them in float64: float32 inputs get a warning.

Complex inputs and outputs follow PyTorch's convention. A complex output o is contracted as
``re(sum(conj(v) * o))`` with a complex random v; a complex input's analytic gradient
``dL/d(re) + i dL/d(im)`` is compared with central differences along the real and the imaginary
part of each element.

``fast_mode=True`` checks one number per input instead (PyTorch's fast mode): ``u . J^T v`` for
a random unit direction ``u``, against the directional difference ``(f(x + eps u) - f(x - eps
u)) / 2 eps``: two evaluations per input instead of two per element. A wrong gradient almost
surely moves that number too; the element-wise check says where.
"""

from __future__ import annotations

import warnings

import numpy as np

from .engine import grad as _grad
from .tensor import Tensor, _wrap

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytic and numerical gradients disagree."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(fn, inputs):
    out = _as_tuple(fn(*inputs))
    for o in out:
        if not isinstance(o, Tensor):
            raise TypeError(f"gradcheck: fn must return Tensors, got {type(o).__name__}")
    return out


def _host(a):
    return a if type(a) is np.ndarray else a.get()


def _fail(msg, raise_exception):
    if raise_exception:
        raise GradcheckError(msg)
    return False


def gradcheck(
    fn,
    inputs,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
    fast_mode: bool = False,
) -> bool:
    """Check ``fn``'s analytic gradients against central differences.

    fn: callable taking ``*inputs`` and returning a Tensor or a tuple of Tensors (any shapes).
    inputs: a Tensor or a tuple; every Tensor that requires grad is checked (others are held).
    An element passes when ``|analytic - numerical| <= atol + rtol * |numerical|``.
    fast_mode: check one random directional derivative per input (see the module docstring).
    Returns True, or raises GradcheckError naming the input, the worst element's index and
    both values (returns False instead when ``raise_exception=False``).
    """
    inputs = _as_tuple(inputs)
    diff = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not diff:
        raise ValueError("gradcheck: no input requires grad; nothing to check")
    for i in diff:
        if inputs[i].dtype not in (np.float64, np.complex128):
            warnings.warn(
                f"gradcheck: input {i} has dtype {inputs[i].dtype}; central differences need "
                "float64 (or complex128) to be meaningful (eps=1e-6 is below float32 precision)",
                stacklevel=2,
            )
    rng = np.random.default_rng(seed)
    outs = _outputs(fn, inputs)
    vs = [_cotangent(rng, o) if o.dtype.kind in "fc" else None for o in outs]
    # analytic J^T v for every differentiable input
    live = [(o, v) for o, v in zip(outs, vs) if v is not None and o.requires_grad]
    if live:
        analytic = _grad(
            [o for o, _ in live],
            [inputs[i] for i in diff],
            grad_outputs=[_move(v, o) for o, v in live],
            allow_unused=True,
        )
    else:
        analytic = [None] * len(diff)

    def f():
        # recording stays on: fn may itself differentiate (gradgradcheck's first_order does)
        res = _outputs(fn, inputs)
        total = 0.0
        for o, v in zip(res, vs):
            if v is not None:
                od = _host(o._data)
                if od.dtype.kind == "c":  # re(sum(conj(v) o)): the pairing the engine's vjp uses
                    total += float(np.sum(np.conj(v) * od.astype(np.complex128)).real)
                else:
                    total += float(np.sum(od.astype(np.float64, copy=False) * v))
        return total

    for k, i in enumerate(diff):
        x = inputs[i]
        data = x._data
        a = analytic[k]
        cplx = data.dtype.kind == "c"
        wide = np.complex128 if cplx else np.float64
        a = np.zeros(x.shape, wide) if a is None else _host(a._data).astype(wide)
        if fast_mode:
            msg = _directional(i, x, a, f, rng, eps, atol, rtol)
            if msg is not None:
                return _fail(msg, raise_exception)
            continue
        num = np.zeros(x.shape, wide)
        flat_idx = list(np.ndindex(*x.shape)) if x.ndim else [()]
        for idx in flat_idx:
            orig = data[idx].copy() if data.ndim else data[()].copy()
            for step in (eps, 1j * eps) if cplx else (eps,):
                data[idx] = orig + step
                fp = f()
                data[idx] = orig - step
                fm = f()
                data[idx] = orig
                # d/d(re) into the real part, d/d(im) into the imaginary part
                num[idx] += (fp - fm) / (2 * eps) * (step / eps)
        err = np.abs(a - num) - (atol + rtol * np.abs(num))
        bad = ~(err <= 0)  # NaN counts as failure
        if bad.any():
            # a NaN difference is the worst of all (nanargmax would skip it for a passing element)
            diff = np.nan_to_num(np.abs(a - num), nan=np.inf)
            worst = np.unravel_index(int(np.argmax(np.where(bad, diff, -1))),
                                     num.shape) if num.ndim else ()  # fmt: skip
            worst = tuple(int(w) for w in worst)
            msg = (
                f"gradcheck failed for input {i} (shape {tuple(x.shape)}, dtype {x.dtype}): "
                f"{int(bad.sum())} of {bad.size} elements differ. Worst at index {worst}: "
                f"analytic {_num(a[worst])!r}, numerical {_num(num[worst])!r} "
                f"(atol={atol}, rtol={rtol}, eps={eps})"
            )
            return _fail(msg, raise_exception)
    return True


def _directional(i, x, a, f, rng, eps, atol, rtol):
    """fast_mode for input ``i``: None when ``u . a`` (a = the analytic J^T v) matches the
    directional difference of f along a random unit ``u``, else the failure message."""
    data = x._data
    u = rng.standard_normal(x.shape)
    if data.dtype.kind == "c":
        u = u + 1j * rng.standard_normal(x.shape)
    u /= np.linalg.norm(u) or 1.0
    orig = data.copy()
    step = eps * u.astype(data.dtype) if type(data) is np.ndarray else _move(eps * u, x)._data
    try:
        data[...] = orig + step
        fp = f()
        data[...] = orig - step
        fm = f()
    finally:
        data[...] = orig
    num = (fp - fm) / (2 * eps)
    ana = float(np.sum(np.conj(a) * u).real)  # the directional derivative along u
    if abs(ana - num) <= atol + rtol * abs(num):  # NaN fails
        return None
    return (
        f"gradcheck (fast_mode) failed for input {i} (shape {tuple(x.shape)}, dtype {x.dtype}): "
        f"along a random unit direction u, analytic u.J^T v = {ana!r}, numerical {num!r} "
        f"(atol={atol}, rtol={rtol}, eps={eps}); rerun with fast_mode=False to see which "
        "elements differ"
    )


def _cotangent(rng, o):
    """A random cotangent of o's shape and dtype (complex: both parts standard normal)."""
    v = rng.standard_normal(o.shape)
    if o.dtype.kind == "c":
        v = v + 1j * rng.standard_normal(o.shape)
    return np.asarray(v).astype(o.dtype)


def _num(v):
    """A float, or a complex for a complex element (for messages)."""
    return complex(v) if np.iscomplexobj(v) else float(v)


def _move(v, like: Tensor):
    if type(like._data) is np.ndarray:
        return _wrap(v, None, False)
    from backends import array_module

    return _wrap(array_module(like._data).asarray(v), None, False)


def gradgradcheck(
    fn,
    inputs,
    grad_outputs=None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
    fast_mode: bool = False,
) -> bool:
    """Check second derivatives: gradcheck of ``x, v -> grad(fn(x), x, v, create_graph=True)``.

    fn, inputs, fast_mode: as for gradcheck. grad_outputs: the first-order cotangents (random
    float64 tensors of the outputs' shapes when None); they are checked as inputs too.
    """
    inputs = _as_tuple(inputs)
    diff = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not diff:
        raise ValueError(
            "gradgradcheck: no input requires grad, so there is nothing to check (set "
            "requires_grad=True on the float64 inputs to differentiate)"
        )
    outs = _outputs(fn, inputs)
    rng = np.random.default_rng(seed + 1)
    if grad_outputs is None:
        # integer / bool outputs carry no gradient: a constant zero cotangent stands in
        grad_outputs = [
            _move(_cotangent(rng, o), o).requires_grad_(True)
            if o.dtype.kind in "fc"
            else _move(np.zeros(o.shape, o.dtype), o)
            for o in outs
        ]
    grad_outputs = list(_as_tuple(grad_outputs))
    n_in = len(inputs)

    def first_order(*args):
        xs, gs = args[:n_in], args[n_in:]
        ys = _outputs(fn, xs)
        pairs = [(y, g) for y, g in zip(ys, gs) if y.requires_grad]
        gr = _grad(
            [y for y, _ in pairs],
            [xs[i] for i in diff],
            grad_outputs=[g for _, g in pairs],
            create_graph=True,
            allow_unused=True,
        )
        return tuple(g for g in gr if g is not None)

    return gradcheck(
        first_order,
        tuple(inputs) + tuple(grad_outputs),
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
        seed=seed + 2,
        fast_mode=fast_mode,
    )
