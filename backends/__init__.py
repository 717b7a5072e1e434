"""Array-module dispatch and the kernel-set switch: the one place that knows about numpy, cupy
and numba.

``array_module(a)`` returns the module (``numpy`` or ``cupy``) that owns array ``a``, so ops are
written once against ``xp``. ``kernels(a)`` returns the kernel set (matmul, convolution, pooling)
for ``a``'s device: numpy arrays get the ``numpy`` set; cupy arrays get the GPU set chosen with
``use("cupy" | "numba")`` (default ``cupy``; see ``backends/switch.py``). cupy and numba are
imported lazily, only when a cupy array is seen or a GPU set is asked for, so ``import backends``
works on a machine without them.
"""

from __future__ import annotations

import numpy as np

from . import switch as _switch
from .switch import Availability, available, current, use

__all__ = [
    "array_module",
    "array_types",
    "device_of",
    "cupy_or_none",
    "kernels",
    "use",
    "current",
    "available",
    "Availability",
]


def cupy_or_none():
    """The ``cupy`` module if it imports and sees a GPU, else ``None`` (checked once; the reason
    is in ``available()["cupy"]``)."""
    return _switch.probe_cupy()[0]


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
    cp = _switch._cache.get("cupy", (None,))[0]
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

    a: any array. numpy arrays get the ``numpy`` set; cupy arrays get the GPU set the switch
    chose for this thread (``cupy`` unless ``use("numba")`` or ``TAPEGRAD_BACKEND=numba``).
    RuntimeError, with the reason, when the chosen GPU set cannot run here.
    """
    if type(a) is np.ndarray or not type(a).__module__.startswith("cupy"):
        return _numpy_kernels
    name = "numba" if getattr(_switch._local, "name", _switch._default) == "numba" else "cupy"
    mod = _gpu_sets.get(name)
    if mod is None:
        mod = _load_gpu_set(name)
    return mod


_gpu_sets: dict = {}


def _load_gpu_set(name: str):
    """Import the GPU kernel set ``name`` after checking this machine can run it."""
    import importlib

    if name == "numba":
        _switch.require_gpu_set(name)
    mod = importlib.import_module(f"{__name__}.{name}_kernels")
    _gpu_sets[name] = mod
    return mod


from . import numpy_kernels as _numpy_kernels  # noqa: E402
