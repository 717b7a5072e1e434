"""Tensor factories: zeros/ones/full/empty/arange/linspace/eye/rand/randn/randint and ``_like``.

Floats default to float32 (``set_default_dtype`` changes it); ``device`` is ``'cpu'`` or
``'cuda[:N]'``; ``requires_grad`` makes a leaf that records. Random factories draw from the global
generator (``manual_seed``) or a given ``numpy.random.Generator``.
"""

from __future__ import annotations

import math
import numbers
import operator

import numpy as np

from . import dtypes as _dt
from .random import gen
from .tensor import Tensor, _wrap

__all__ = [
    "zeros", "ones", "full", "empty", "arange", "linspace", "eye", "rand", "randn", "randint",
    "zeros_like", "ones_like", "full_like", "empty_like", "rand_like", "randn_like",
    "randint_like",
]  # fmt: skip


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    try:
        shape = tuple(operator.index(s) for s in size)  # 2.5 is refused, not truncated
    except TypeError:
        raise TypeError(f"size must be ints, got {size!r}") from None
    if any(s < 0 for s in shape):
        raise ValueError(f"negative dimension in size {shape}")
    return shape


def _finish(arr, device, requires_grad):
    if device is not None and str(device).startswith("cuda"):
        from .device import cuda_module

        arr = cuda_module(device).asarray(arr)
    elif device is not None and str(device) != "cpu":
        raise ValueError(f"unknown device {device!r}: expected 'cpu' or 'cuda[:N]'")
    t = _wrap(arr, None, False)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float(dtype):
    return _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)


def _sample_dtype(dtype, op):
    """The float dtype to draw ``op``'s samples in; TypeError for integer and bool dtypes."""
    d = _float(dtype)
    if d.kind != "f":
        raise TypeError(f"{op}: expected a floating point dtype, got {d}")
    return d


def zeros(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of zeros of shape ``size``."""
    return _finish(np.zeros(_shape(size), _float(dtype)), device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of ones of shape ``size``."""
    return _finish(np.ones(_shape(size), _float(dtype)), device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """An uninitialised tensor of shape ``size``."""
    return _finish(np.empty(_shape(size), _float(dtype)), device, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value`` (dtype inferred from it)."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if not isinstance(fill_value, (numbers.Number, np.generic)):
        raise TypeError(f"full: fill_value must be a number, got {type(fill_value).__name__}")
    if dtype is None:
        if isinstance(fill_value, (bool, np.bool_)):
            dtype = np.bool_
        elif isinstance(fill_value, (int, np.integer)):
            dtype = np.int64
    shape = _shape((size,))
    return _finish(np.full(shape, fill_value, _float(dtype)), device, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Values from start (inclusive) to end (exclusive) by step; int64 for int arguments."""
    if end is None:
        start, end = 0, start
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    if not ints and not all(math.isfinite(float(v)) for v in (start, end, step)):
        raise ValueError(f"arange: start, end and step must be finite, got {start}, {end}, {step}")
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if dtype is None:
        dtype = np.int64 if ints else _dt.get_default_dtype()
    dt = _dt.as_dtype(dtype)
    if ints:
        arr = np.arange(start, end, step, dtype=dt)
    else:  # computed in float64, then cast: float32 steps would drift (1000 + 0.001 k)
        n = max(0, math.ceil((end - start) / step))
        arr = (start + step * np.arange(n, dtype=np.float64)).astype(dt)
        if dt.kind in "iub" and n and len(np.unique(arr)) < n:
            raise ValueError(
                f"arange: a fractional step ({step}) with integer dtype {dt} would repeat "
                "values; use a float dtype or integer arguments"
            )
    return _finish(arr, device, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from start to end inclusive."""
    try:
        steps = operator.index(steps)
    except TypeError:
        raise TypeError(f"linspace: steps must be an int, got {steps!r}") from None
    if steps < 0:
        raise ValueError(f"linspace: number of steps must be non-negative, got {steps}")
    arr = np.linspace(start, end, steps, dtype=_float(dtype))
    return _finish(arr, device, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """The (n, m) identity matrix (m defaults to n)."""
    n, m = _shape((n, n if m is None else m))
    return _finish(np.eye(n, m, dtype=_float(dtype)), device, requires_grad)


def rand(*size, dtype=None, device=None, requires_grad=False, generator=None) -> Tensor:
    """Uniform samples on [0, 1) of shape ``size``."""
    arr = gen(generator).random(_shape(size)).astype(_sample_dtype(dtype, "rand"))
    return _finish(arr, device, requires_grad)


def randn(*size, dtype=None, device=None, requires_grad=False, generator=None) -> Tensor:
    """Standard normal samples of shape ``size``."""
    arr = gen(generator).standard_normal(_shape(size)).astype(_sample_dtype(dtype, "randn"))
    return _finish(arr, device, requires_grad)


def randint(low, high=None, size=(), dtype=None, device=None, generator=None) -> Tensor:
    """Integers uniform on [low, high) of shape ``size`` (int64 by default). PyTorch's forms:
    ``randint(high, size)``, ``randint(low, high, size)``."""
    if isinstance(high, (tuple, list)) and size == ():  # randint(high, (3,)): torch's 2-arg form
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    shape = _shape((size,))
    arr = gen(generator).integers(low, high, size=shape)
    return _finish(arr.astype(_dt.as_dtype(dtype or np.int64)), device, False)


def _like(x, dtype, device):
    return (x.dtype if dtype is None else _dt.as_dtype(dtype)), (
        x.device if device is None else device
    )


def zeros_like(x, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Zeros of x's shape, dtype and device."""
    dt, dev = _like(x, dtype, device)
    return zeros(x.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def ones_like(x, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Ones of x's shape, dtype and device."""
    dt, dev = _like(x, dtype, device)
    return ones(x.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def empty_like(x, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uninitialised, of x's shape, dtype and device."""
    dt, dev = _like(x, dtype, device)
    return empty(x.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def full_like(x, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``fill_value`` everywhere, of x's shape, dtype and device."""
    dt, dev = _like(x, dtype, device)
    return full(x.shape, fill_value, dtype=dt, device=dev, requires_grad=requires_grad)


def rand_like(x, dtype=None, device=None, requires_grad=False, generator=None) -> Tensor:
    """Uniform [0, 1) samples of x's shape, dtype and device."""
    dt, dev = _like(x, dtype, device)
    return rand(x.shape, dtype=dt, device=dev, requires_grad=requires_grad, generator=generator)


def randn_like(x, dtype=None, device=None, requires_grad=False, generator=None) -> Tensor:
    """Standard normal samples of x's shape, dtype and device."""
    dt, dev = _like(x, dtype, device)
    return randn(x.shape, dtype=dt, device=dev, requires_grad=requires_grad, generator=generator)


def randint_like(x, low, high=None, dtype=None, device=None, generator=None) -> Tensor:
    """Random integers of x's shape on [low, high)."""
    dt, dev = _like(x, dtype, device)
    return randint(low, high, x.shape, dtype=dt, device=dev, generator=generator)
