"""The global random generator, ``manual_seed``, and random tensor factories' sampling.

One ``numpy.random.Generator`` (PCG64) seeded by ``manual_seed``; functions that sample take an
optional ``generator`` (a ``numpy.random.Generator``) instead. GPU tensors are sampled on the host
and copied, so a seed gives the same numbers on every device. Uniform samples are drawn in float64
and rounded to the tensor's dtype, except that one within half a float32 (float16) ulp of the top
of [low, high) is set to the largest value below ``high`` (``cast_below``) rather than rounded up
to ``high``: ``rand`` / ``uniform_`` in float32 never return 1.0 / ``high`` (they could before;
every other float32 draw and the generator's stream are as they were).

``draw_fill`` makes the host samples of the in-place fills (``bernoulli_``, ``random_``,
``exponential_``, ``geometric_``, ``log_normal_``, ``cauchy_``) after ``check_fill`` has checked
their arguments; the Tensor methods in ``methods/special.py`` write them in place.
"""

from __future__ import annotations

import threading

import numpy as np

__all__ = ["manual_seed", "default_generator", "seed", "get_rng_state", "set_rng_state"]
# also used by the sampling functions and the in-place fills: gen, host, check_fill, draw_fill,
# cast_below


def _entropy64() -> int:
    """A non-deterministic 64-bit seed (torch's seeds are uint64)."""
    return int(np.random.SeedSequence().entropy) & (2**64 - 1)


# seeded from a 64-bit draw, so that ``initial_seed()`` is a uint64 as torch's and
# ``manual_seed(initial_seed())`` reproduces the start-up stream
_gen = [np.random.default_rng(_entropy64())]
_local = threading.local()  # .gen: this thread's stand-in for the global generator, if any


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the global generator; returns it."""
    if not isinstance(seed, (int, np.integer)):
        raise TypeError(f"manual_seed: seed must be an int, got {type(seed).__name__}")
    _gen[0] = np.random.default_rng(int(seed))
    return _gen[0]


def seed() -> int:
    """Seed the global generator with a non-deterministic 64-bit number; returns it (as
    ``torch.random.seed``, which takes no argument)."""
    s = _entropy64()
    manual_seed(s)
    return s


def default_generator() -> np.random.Generator:
    """The global generator that sampling functions use when given none."""
    return _gen[0]


def get_rng_state() -> dict:
    """The global generator's state (a dict; pass to ``set_rng_state`` to restore)."""
    return _gen[0].bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restore a state from ``get_rng_state``."""
    _gen[0].bit_generator.state = state


def gen(generator=None) -> np.random.Generator:
    """The generator to sample from: ``generator`` if given (checked), else this thread's
    ``thread_generator`` if one is set, else the global one."""
    if generator is None:
        g = getattr(_local, "gen", None)
        if g is None:
            return _gen[0]
        if g.__class__ is _Lazy:  # made on first use: most dataset code never samples
            g = _local.gen = g.make()
        return g
    if not isinstance(generator, np.random.Generator):
        raise TypeError(
            f"generator must be a numpy.random.Generator, got {type(generator).__name__}"
        )
    return generator


class _Lazy:
    __slots__ = ("make",)

    def __init__(self, make):
        self.make = make


class thread_generator:
    """Inside the ``with`` block, in this thread only, sampling given no generator draws from
    ``generator`` instead of the global one (DataLoader runs dataset code under one).

    generator: a ``numpy.random.Generator``, or a function of no arguments that makes one; it
    is then called only if something in the block samples (so a block that never does costs
    nothing but the switch).
    """

    __slots__ = ("_new", "_prev")

    def __init__(self, generator):
        self._new = generator if isinstance(generator, np.random.Generator) else _Lazy(generator)

    def __enter__(self):
        self._prev = getattr(_local, "gen", None)
        _local.gen = self._new
        return self

    def __exit__(self, *exc):
        _local.gen = self._prev
        return False


def fill_random(d, kind: str, a, b, generator=None):
    """Fill array ``d`` in place: ``uniform`` on [a, b) or ``normal`` with mean a, std b."""
    if kind == "uniform" and not a <= b:
        raise ValueError(f"uniform_: a ({a}) must be <= b ({b})")
    if kind == "normal" and not b >= 0:
        raise ValueError(f"normal_: std must be >= 0, got {b}")
    g = gen(generator)
    if kind == "uniform":
        host = cast_below(g.uniform(a, b, size=d.shape), d.dtype, b, a)
    else:
        host = g.normal(a, b, size=d.shape)
    if type(d) is np.ndarray:
        d[...] = host
    else:
        d[...] = _to_device_like(host.astype(d.dtype), d)


def cast_below(u, dtype, high=1.0, low=0.0):
    """Host float64 uniform samples ``u`` (in [low, high)) cast to the float ``dtype``, kept
    below ``high`` there: a draw that rounds up to ``high`` in a narrower dtype (a float64 draw
    within 2^-25 of 1 is 1.0 in float32) becomes the largest ``dtype`` value below it (not below
    ``low``). Other draws are only rounded, so seeded streams are unchanged."""
    dt = np.dtype(dtype)
    with np.errstate(over="ignore"):  # bounds past the dtype's range: its inf
        out = np.asarray(np.asarray(u).astype(dt, copy=False))
        if dt.kind != "f" or dt.itemsize >= 8:
            return out
        top = np.nextafter(dt.type(high), dt.type(-np.inf))
        return np.asarray(np.minimum(out, max(top, dt.type(low))))


def _to_device_like(host, like):
    from backends import array_module

    return array_module(like).asarray(host)


def host(a):
    """Array ``a`` on the host: a numpy array as is, a cupy array copied."""
    return a if isinstance(a, np.ndarray) else a.get()


# -- the in-place fills: checks, then host samples ---------------------------------------------

_FLOAT_ONLY = {
    "exponential_": "Exponential",
    "log_normal_": "Log-normal",
    "cauchy_": "Cauchy",
}


def random_bounds(dtype, lo, hi):
    """``random_``'s inclusive range [lo, hi] for a tensor of ``dtype``: ``hi`` None gives the
    dtype's top (its largest int; for floats 2^digits, the last of a run of exact integers).
    ``hi`` (exclusive) and ``lo`` must be ints with lo < hi that the dtype holds."""
    for name, v in (("from", lo), ("to", hi)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer))):
            raise TypeError(f"random_: {name} must be an int, got {type(v).__name__} {v!r}")
    dt = np.dtype(dtype)
    if dt.kind == "b":
        dmin, dmax = 0, 1
    elif dt.kind in "iu":
        dmin, dmax = int(np.iinfo(dt).min), int(np.iinfo(dt).max)
    else:  # floats hold every integer up to 2^digits exactly
        top = 2 ** (np.finfo(dt).nmant + 1)
        dmin, dmax = -top, top
    lo = int(lo)
    if hi is None:
        if not dmin <= lo <= dmax:
            raise ValueError(f"random_: from ({lo}) is out of bounds for dtype {dt}")
        return lo, dmax
    hi = int(hi)
    if lo >= hi:
        raise ValueError(
            f"random_ expects 'from' to be less than 'to', but got from={lo} >= to={hi}"
        )
    if not dmin <= lo <= dmax:
        raise ValueError(f"random_: from ({lo}) is out of bounds for dtype {dt}")
    if not dmin <= hi - 1 <= dmax:
        raise ValueError(f"random_: to - 1 ({hi - 1}) is out of bounds for dtype {dt}")
    return lo, hi - 1


def check_fill(op: str, dtype, shape, params: tuple) -> tuple:
    """Check the in-place fill ``op``'s parameters for a tensor of ``dtype`` and ``shape``; the
    parameters as ``draw_fill`` takes them (bernoulli_'s tensor p on the host, broadcast)."""
    dt = np.dtype(dtype)
    if op in _FLOAT_ONLY and dt.kind != "f":
        raise TypeError(
            f"{op}: the {_FLOAT_ONLY[op]} distribution is continuous: the tensor must have a "
            f"floating point dtype, got {dt}"
        )
    if op == "bernoulli_":
        (p,) = params
        if hasattr(p, "shape"):  # an array (a Tensor's data)
            p = host(p)
            if p.dtype.kind != "f":
                raise TypeError(f"bernoulli_: a tensor p must be floating point, got {p.dtype}")
            try:
                p = np.broadcast_to(p, shape)
            except ValueError:
                from .errors import ShapeError

                raise ShapeError(
                    f"bernoulli_: p of shape {tuple(p.shape)} can't be broadcast to the "
                    f"tensor's shape {tuple(shape)}"
                ) from None
            if not bool(((p >= 0) & (p <= 1)).all()):
                raise ValueError("bernoulli_: every element of p must be in [0, 1]")
            return (p,)
        _real(op, "p", p)
        if not 0 <= p <= 1:
            raise ValueError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        return (float(p),)
    if op == "random_":
        return random_bounds(dt, *params)
    if op == "exponential_":
        (lambd,) = params
        _real(op, "lambd", lambd)
        if not lambd > 0:
            raise ValueError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    elif op == "geometric_":
        (p,) = params
        _real(op, "p", p)
        if not 0 < p < 1:
            raise ValueError(f"geometric_ expects p to be in (0, 1), but got p={p}")
        if dt.kind == "b":
            raise TypeError("geometric_: not defined for bool tensors (values are 1, 2, ...)")
    elif op == "log_normal_":
        mean, std = params
        _real(op, "mean", mean)
        _real(op, "std", std)
        if not std > 0:
            raise ValueError(f"log_normal_ expects std > 0.0, but found std={std}")
    elif op == "cauchy_":
        median, sigma = params
        _real(op, "median", median)
        _real(op, "sigma", sigma)
        if not sigma > 0:
            raise ValueError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    return tuple(float(v) for v in params)


def _real(op, name, v):
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: {name} must be a real number, got {type(v).__name__}")


def draw_fill(op: str, shape, dtype, params: tuple, generator=None) -> np.ndarray:
    """Host samples of shape ``shape`` and ``dtype`` for the fill ``op`` (parameters from
    ``check_fill``), drawn from ``gen(generator)``."""
    g = gen(generator)
    if op == "bernoulli_":
        out = g.random(shape) < params[0]
    elif op == "random_":
        lo, hi = params
        out = g.integers(lo, hi, size=shape, dtype=np.int64, endpoint=True)
    elif op == "exponential_":
        out = g.exponential(1.0 / params[0], size=shape)
    elif op == "geometric_":
        out = g.geometric(params[0], size=shape)
    elif op == "log_normal_":
        out = g.lognormal(params[0], params[1], size=shape)
    elif op == "cauchy_":
        out = params[0] + params[1] * g.standard_cauchy(size=shape)
    else:  # pragma: no cover - internal misuse
        raise ValueError(f"unknown random fill {op}")
    with np.errstate(over="ignore"):  # a float16 geometric or Cauchy tail: inf, as torch
        return np.asarray(out).astype(dtype, copy=False)
