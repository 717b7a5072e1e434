"""Array-module dispatch: the one place that knows about numpy vs cupy.

``array_module(a)`` returns the module (``numpy`` or ``cupy``) that owns array ``a``, so ops are
written once against ``xp``. cupy is imported lazily, only when a cupy array is seen or asked for,
so ``import backends`` works on a machine without it.
"""

from __future__ import annotations

import importlib

import numpy as np

__all__ = ["array_module", "array_types", "device_of", "cupy_or_none", "kernels"]

_cupy = None
_cupy_checked = False


def cupy_or_none():
    """The ``cupy`` module if it imports and sees a GPU, else ``None`` (checked once)."""
    global _cupy, _cupy_checked
    if not _cupy_checked:
        _cupy_checked = True
        try:
            cp = importlib.import_module("cupy")
            cp.cuda.runtime.getDeviceCount()
            _cupy = cp
        except Exception:  # not installed, no driver, no device: all mean "no cupy"
            _cupy = None
    return _cupy


def array_module(a):
    """``numpy`` for a numpy array (or scalar), ``cupy`` for a cupy array.

    a: an array of any shape. Returns the module to call array functions on.
    """
    if type(a) is np.ndarray:
        return np
    mod = type(a).__module__
    if mod.startswith("cupy"):
        return cupy_or_none()
    return np


def array_types() -> tuple:
    """The array classes tensors may hold: ``(numpy.ndarray,)`` plus ``cupy.ndarray`` if loaded."""
    cp = _cupy if _cupy_checked else None
    return (np.ndarray,) if cp is None else (np.ndarray, cp.ndarray)


def device_of(a) -> str:
    """``'cpu'`` for a numpy array, ``'cuda:N'`` for a cupy array on device N."""
    if type(a) is np.ndarray:
        return "cpu"
    dev = getattr(a, "device", None)
    if dev is not None and type(a).__module__.startswith("cupy"):
        return f"cuda:{dev.id}"
    return "cpu"


def kernels(a):
    """The kernel set (a module with ``matmul`` ...) that runs ops on array ``a``'s device.

    a: any array. numpy arrays get the ``numpy`` set, cupy arrays the ``cupy`` set.
    """
    if type(a) is np.ndarray:
        return _numpy_kernels
    from . import cupy_kernels

    return cupy_kernels


from . import numpy_kernels as _numpy_kernels  # noqa: E402
