"""The op-spec table format and the input makers that drive tests/autograd/test_ops.py.

Each row (``Spec``) names an op, a NumPy reference, the input shapes of each case (broadcasting
pairs among them) and the input domain. test_ops.py checks every row and case: forward against
the reference, first-order gradcheck and second-order gradgradcheck in float64 with random
cotangents, on contiguous and on non-contiguous (strided view) inputs.

Rows live in one list per ops module: ``specs_core.SPECS`` (arithmetic, elementwise),
``specs_reduction``, ``specs_shape``, ``specs_special``, ``specs_sorting``, ``specs_indexing``,
``specs_linalg``, ``specs_layout`` and ``specs_porting``; ``all_specs()`` joins them into the
one table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

import autograd as ag

DOMAINS = {
    "real": (-2.0, 2.0),
    "positive": (0.2, 2.0),
    "unit": (-0.9, 0.9),
    "gt-1": (-0.5, 2.0),
}


@dataclass
class Spec:
    """One row of the op table.

    name: test id. fn: the op under test, called with Tensors (and the constants in ``args``).
    ref: the NumPy reference, called with arrays. cases: tuple of shapes per case, e.g.
    ``[((3, 4), (3, 4)), ((3, 1), (4,))]``. domain: a DOMAINS key or ``(lo, hi)``; ``"nonzero"``
    draws |x| in [0.2, 2] with random sign (keeps kinks of abs/relu/max away). make: optional
    ``make(rng, case) -> tuple of arrays`` overriding the random inputs. diff: indices of inputs
    that require grad (default: every float input). grad / second: whether to gradcheck at
    first / second order. atol, rtol: the forward comparison tolerances.
    """

    name: str
    fn: Callable
    ref: Callable
    cases: list
    domain: object = "real"
    make: Callable | None = None
    diff: tuple | None = None
    grad: bool = True
    second: bool = True
    atol: float = 1e-10
    rtol: float = 1e-7
    tags: set = field(default_factory=set)


def draw(rng, shape, domain):
    """A float64 array of ``shape`` drawn from ``domain``."""
    if domain == "nonzero":
        mag = rng.uniform(0.2, 2.0, size=shape)
        return np.asarray(mag * rng.choice([-1.0, 1.0], size=shape))
    lo, hi = DOMAINS[domain] if isinstance(domain, str) else domain
    return np.asarray(rng.uniform(lo, hi, size=shape))


def noncontiguous(a):
    """The same values as ``a`` in a strided (non-contiguous) view of a larger array."""
    if a.ndim == 0:
        return a
    big = np.empty(a.shape[:-1] + (a.shape[-1] * 2,), dtype=a.dtype)
    view = big[..., ::2]
    view[...] = a
    assert not view.flags["C_CONTIGUOUS"] or a.shape[-1] <= 1
    return view


def make_inputs(spec: Spec, case, seed: int = 0, contiguous: bool = True):
    """(arrays, tensors): the case's numpy inputs and matching Tensors (requires_grad per spec)."""
    rng = np.random.default_rng(seed)
    arrays = spec.make(rng, case) if spec.make else tuple(draw(rng, s, spec.domain) for s in case)
    arrays = tuple(np.asarray(a) if isinstance(a, (np.generic, float)) else a for a in arrays)
    tensors = []
    for i, a in enumerate(arrays):
        if not isinstance(a, np.ndarray):
            tensors.append(a)
            continue
        data = a if contiguous or a.dtype.kind != "f" else noncontiguous(a)
        t = ag.from_numpy(data)
        want = (a.dtype.kind == "f") if spec.diff is None else (i in spec.diff)
        if want:
            t.requires_grad_(True)
        tensors.append(t)
    return arrays, tuple(tensors)


def all_specs():
    """The whole table: core rows, then reductions, shape ops and the wider op set."""
    from . import specs_core

    rows = list(specs_core.SPECS)
    for mod in (
        "specs_reduction",
        "specs_shape",
        "specs_special",
        "specs_sorting",
        "specs_indexing",
        "specs_linalg",
        "specs_layout",
        "specs_porting",
    ):
        try:
            m = __import__(f"tests.autograd.{mod}", fromlist=["SPECS"])
        except ModuleNotFoundError:
            continue
        rows.extend(m.SPECS)
    return rows
