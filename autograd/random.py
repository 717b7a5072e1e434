"""The global random generator, ``manual_seed``, and random tensor factories' sampling.

One ``numpy.random.Generator`` (PCG64) seeded by ``manual_seed``; functions that sample take an
optional ``generator`` (a ``numpy.random.Generator``) instead. GPU tensors are sampled on the host
and copied, so a seed gives the same numbers on every device.
"""

from __future__ import annotations

import threading

import numpy as np

__all__ = ["manual_seed", "default_generator", "seed", "get_rng_state", "set_rng_state"]

_gen = [np.random.default_rng()]
_local = threading.local()  # .gen: this thread's stand-in for the global generator, if any


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the global generator; returns it."""
    if not isinstance(seed, (int, np.integer)):
        raise TypeError(f"manual_seed: seed must be an int, got {type(seed).__name__}")
    _gen[0] = np.random.default_rng(int(seed))
    return _gen[0]


seed = manual_seed


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
        host = g.uniform(a, b, size=d.shape)
    else:
        host = g.normal(a, b, size=d.shape)
    if type(d) is np.ndarray:
        d[...] = host
    else:
        d[...] = _to_device_like(host.astype(d.dtype), d)


def _to_device_like(host, like):
    from backends import array_module

    return array_module(like).asarray(host)
