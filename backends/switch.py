"""The backend switch: which kernel set runs the hot path (matmul, convolution, pooling).

Three sets, one interface (``backends/<name>_kernels.py``):

* ``numpy``: the CPU set. numpy arrays always get it, whatever the switch says.
* ``cupy``: the default GPU set (cuBLAS matmul, im2col + cuBLAS convolution).
* ``numba``: hand-written ``numba.cuda`` kernels on cupy arrays.

The switch chooses what cuda (cupy) arrays get: ``cupy`` unless ``numba`` is chosen, so
``use("numpy")`` means "the defaults" (numpy on the CPU, cupy on the GPU)::

    backends.use("numba")              # this thread, from now on
    with backends.use("cupy"):         # this thread, inside the block only
        ...
    backends.current()                 # "numba"
    backends.available()               # {"numpy": (True, "..."), "cupy": (False, "why"), ...}

The choice is per thread (a ``threading.local``, like grad mode). ``TAPEGRAD_BACKEND``, read
when ``backends`` is imported, is the default of every thread. Choosing a set this machine
cannot run raises RuntimeError with the reason; the environment variable's choice is checked the
first time a cuda array needs it (so a CPU-only program runs under any setting).
"""

from __future__ import annotations

import importlib
import os
import threading
from typing import NamedTuple

__all__ = [
    "NAMES",
    "Availability",
    "use",
    "current",
    "available",
    "availability",
    "gpu_set_name",
]

NAMES = ("numpy", "cupy", "numba")
ENV_VAR = "TAPEGRAD_BACKEND"


class Availability(NamedTuple):
    """Whether a kernel set can run on this machine, and why (or why not)."""

    ok: bool
    reason: str


def _check_name(name, where: str) -> str:
    if not isinstance(name, str) or name not in NAMES:
        raise ValueError(
            f"{where}: unknown backend {name!r}; choose one of {', '.join(map(repr, NAMES))}"
        )
    return name


def _env_default() -> str:
    value = os.environ.get(ENV_VAR, "").strip().lower()
    return _check_name(value, f"environment variable {ENV_VAR}") if value else "numpy"


_default = _env_default()
_local = threading.local()  # .name: this thread's choice, absent until use() is called


def current() -> str:
    """The chosen kernel set's name, ``'numpy'`` (the defaults), ``'cupy'`` or ``'numba'``."""
    return getattr(_local, "name", _default)


def gpu_set_name() -> str:
    """The set that cuda arrays get now: ``'numba'`` when chosen, else ``'cupy'``."""
    return "numba" if getattr(_local, "name", _default) == "numba" else "cupy"


class use:  # noqa: N801 (a function to users; a class so it is a context manager too)
    """Choose the kernel set for this thread: ``use(name)``, or ``with use(name): ...``.

    name: ``'numpy'``, ``'cupy'`` or ``'numba'``. The switch happens at the call; leaving a
    ``with`` block restores the previous choice. Raises ValueError for an unknown name and
    RuntimeError, with the reason, for a set this machine cannot run.
    """

    __slots__ = ("name", "_prev")

    def __init__(self, name: str):
        _check_name(name, "backends.use")
        if name != "numpy":
            ok, reason = availability(name)
            if not ok:
                raise RuntimeError(f"backend {name!r} is not available: {reason}")
        self.name = name
        self._prev = getattr(_local, "name", None)
        _local.name = name

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._prev is None:
            del _local.name
        else:
            _local.name = self._prev
        return False

    def __repr__(self):
        return f"backends.use({self.name!r})"


# -- what this machine can run -------------------------------------------------------------------

_cache: dict[str, tuple] = {}


def _first_line(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return f"{type(e).__name__}: {text[:300]}" if text else type(e).__name__


def _cuda_version(v: int) -> str:
    return f"{v // 1000}.{v % 1000 // 10}"


def probe_cupy():
    """``(module or None, Availability)`` for cupy: installed, importable, a GPU visible, and a
    driver new enough for its CUDA runtime. Checked once per process."""
    if "cupy" in _cache:
        return _cache["cupy"]
    cp = None
    try:
        mod = importlib.import_module("cupy")
    except ImportError:
        result = Availability(
            False, "cupy is not installed (pip install cupy-cuda12x, or tapegrad[gpu])"
        )
    except Exception as e:  # a broken install raises anything
        result = Availability(False, f"cupy failed to import ({_first_line(e)})")
    else:
        result = _cupy_device(mod)
        cp = mod if result.ok else None
    _cache["cupy"] = (cp, result)
    return cp, result


def _cupy_device(cp) -> Availability:
    rt = cp.cuda.runtime
    try:
        n = rt.getDeviceCount()
    except Exception as e:
        msg = _first_line(e)
        if "InsufficientDriver" in msg or "driver version is insufficient" in msg:
            return Availability(False, f"the NVIDIA driver is too old for CuPy's CUDA runtime "
                                       f"({msg})")  # fmt: skip
        if "NoDevice" in msg or "no CUDA-capable device" in msg:
            return Availability(False, "no GPU: no CUDA device is visible")
        return Availability(False, f"no usable CUDA GPU ({msg})")
    if n < 1:
        return Availability(False, "no GPU: no CUDA device is visible")
    try:
        drv, run = rt.driverGetVersion(), rt.runtimeGetVersion()
    except Exception:
        drv = run = 0
    if drv and run and drv // 1000 < run // 1000:
        return Availability(
            False,
            f"the NVIDIA driver is too old: it supports CUDA {_cuda_version(drv)}, CuPy was "
            f"built for CUDA {_cuda_version(run)} (update the driver or install the cupy "
            f"wheel for CUDA {drv // 1000}.x)",
        )
    try:
        name = rt.getDeviceProperties(0)["name"]
        name = name.decode() if isinstance(name, bytes) else str(name)
    except Exception:
        name = "CUDA device 0"
    return Availability(True, f"CuPy {cp.__version__} on {n} GPU(s): {name}")


def _probe_numba() -> Availability:
    if os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0"):
        return Availability(
            False,
            "NUMBA_ENABLE_CUDASIM is set: numba runs its CUDA simulator on the CPU (the kernels' "
            "tests use it), and cuda tensors need a real GPU",
        )
    try:
        numba = importlib.import_module("numba")
    except ImportError:
        return Availability(False, "numba is not installed (pip install numba, or tapegrad[gpu])")
    except Exception as e:
        return Availability(False, f"numba failed to import ({_first_line(e)})")
    cp, cupy_ok = probe_cupy()
    if cp is None:
        return Availability(
            False, f"the numba set runs on cupy arrays (cuda tensors), and {cupy_ok.reason}"
        )
    try:
        from numba import cuda

        if not cuda.is_available():
            from numba.cuda.cudadrv.driver import driver

            driver.get_version()  # raises the driver's initialisation error, the reason
            return Availability(False, "numba.cuda sees no usable GPU")
        from numba.cuda.cudadrv.driver import driver

        drv = driver.get_version()
        try:
            from numba.cuda.cudadrv.runtime import runtime

            tk = runtime.get_version()
        except Exception:
            tk = None
    except Exception as e:
        return Availability(False, f"numba.cuda cannot use the GPU ({_first_line(e)})")
    if tk is not None and tuple(drv) < tuple(tk) and drv[0] < tk[0]:
        return Availability(
            False,
            f"the NVIDIA driver is too old: it supports CUDA {drv[0]}.{drv[1]}, and numba "
            f"compiles with the CUDA {tk[0]}.{tk[1]} toolkit, whose PTX it cannot load (update "
            f"the driver, or give numba a CUDA toolkit no newer than {drv[0]}.x)",
        )
    try:  # one tiny kernel end to end: compiles, loads (PTX vs driver) and runs on cupy memory
        from . import numba_kernels

        numba_kernels.smoke_test()
    except Exception as e:
        msg = _first_line(e)
        if "PTX" in msg or "UNSUPPORTED_PTX_VERSION" in msg:
            return Availability(False, f"the NVIDIA driver is too old for numba's PTX ({msg})")
        return Availability(False, f"numba.cuda kernels fail on this GPU ({msg})")
    tk_s = "" if tk is None else f", toolkit CUDA {tk[0]}.{tk[1]}"
    return Availability(
        True, f"numba {numba.__version__} CUDA kernels (driver CUDA {drv[0]}.{drv[1]}{tk_s})"
    )


def availability(name: str) -> Availability:
    """``Availability(ok, reason)`` of one kernel set (probing only what that set needs)."""
    _check_name(name, "backends.availability")
    if name == "numpy":
        import numpy as np

        return Availability(True, f"NumPy {np.__version__} on the CPU")
    if name == "cupy":
        return probe_cupy()[1]
    if "numba" not in _cache:
        _cache["numba"] = (None, _probe_numba())
    return _cache["numba"][1]


def available(refresh: bool = False) -> dict[str, Availability]:
    """Which kernel sets this machine can run: ``{name: Availability(ok, reason)}``.

    ``reason`` says what runs when ok, else why not: no GPU, cupy or numba not installed, a driver
    too old. Probing imports cupy and numba (and compiles one tiny numba kernel) once per
    process; ``refresh=True`` probes again.
    """
    if refresh:
        _cache.clear()
    return {name: availability(name) for name in NAMES}


def require_gpu_set(name: str) -> None:
    """RuntimeError with the reason when the GPU set ``name`` cannot run (checked once)."""
    ok, reason = availability(name)
    if not ok:
        source = (
            f"{ENV_VAR}={name}"
            if getattr(_local, "name", None) is None
            else f"backends.use({name!r})"
        )
        raise RuntimeError(f"backend {name!r} ({source}) is not available: {reason}")
