"""What the numbers were measured on: CPU, cores, Python, NumPy and its BLAS, torch, threads.

Also the optional competitors' loaders (``load_torch``) and the GPU check, so every workload
treats a missing torch or GPU the same way: a candidate skipped with the reason.
"""

from __future__ import annotations

import contextlib
import io
import os
import platform
import sys

__all__ = ["THREAD_ENV_VARS", "cpu_model", "gpu_status", "load_torch", "machine_info"]

# The variables BLAS libraries and OpenMP read, once, when they are loaded.
THREAD_ENV_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)

_torch_cache: dict = {}


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (``platform.processor()`` elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Model", "cpu model", "Processor"):
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _physical_cores() -> int | None:
    """Physical cores from /proc/cpuinfo (distinct (physical id, core id) pairs), if known."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    pairs = set()
    for block in text.split("\n\n"):
        fields = dict(
            (k.strip(), v.strip()) for k, _, v in (ln.partition(":") for ln in block.splitlines())
        )
        if "core id" in fields:
            pairs.add((fields.get("physical id", "0"), fields["core id"]))
    return len(pairs) or None


def load_torch(config):
    """``(torch, None)`` with ``torch.set_num_threads(config.effective_threads)``, or
    ``(None, reason)`` when torch cannot be imported. Workloads check its devices themselves."""
    key = config.effective_threads
    if key in _torch_cache:
        return _torch_cache[key]
    try:
        import torch
    except Exception as e:  # ImportError, or a broken install raising anything
        result = (None, f"torch not importable ({type(e).__name__}: {e})")
    else:
        torch.set_num_threads(config.effective_threads)
        result = (torch, None)
    _torch_cache[key] = result
    return result


def gpu_status() -> tuple[bool, str]:
    """``(True, device name)`` when cupy imports and sees a CUDA GPU, else ``(False, reason)``."""
    try:
        import cupy
    except Exception as e:
        return False, f"cupy not importable ({type(e).__name__}: {e})"
    try:
        n = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:
        return False, f"no CUDA device visible ({type(e).__name__}: {e})"
    if n < 1:
        return False, "no CUDA device visible"
    try:
        props = cupy.cuda.runtime.getDeviceProperties(0)
        name = props["name"]
        return True, name.decode() if isinstance(name, bytes) else str(name)
    except Exception:
        return True, "CUDA device 0"


def _numpy_config() -> dict:
    """NumPy's build info (BLAS/LAPACK) from ``numpy.show_config``, as a dict when possible."""
    import numpy as np

    try:
        cfg = np.show_config(mode="dicts")
        deps = cfg.get("Build Dependencies", {})
        return {"blas": deps.get("blas"), "lapack": deps.get("lapack")}
    except TypeError:  # numpy < 1.26: no mode argument, prints text
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            np.show_config()
        return {"show_config": buf.getvalue()}
    except Exception as e:
        return {"error": f"{type(e).__name__}: {e}"}


def _threadpools() -> list | str:
    """threadpoolctl's view of the loaded BLAS/OpenMP pools, or why it is unavailable."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    try:
        return threadpool_info()
    except Exception as e:
        return f"{type(e).__name__}: {e}"


def machine_info(config) -> dict:
    """A JSON-ready description of this machine and the run's thread settings."""
    import numpy as np

    try:
        affinity = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        affinity = None
    info = {
        "cpu_model": cpu_model(),
        "logical_cores": os.cpu_count(),
        "physical_cores": _physical_cores(),
        "usable_cores": affinity,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "numpy": np.__version__,
        "numpy_config": _numpy_config(),
        "threadpools": _threadpools(),
        "threads": {
            "requested": config.threads,
            "effective": config.effective_threads,
            "env": {v: os.environ.get(v) for v in THREAD_ENV_VARS},
        },
    }
    torch, reason = load_torch(config)
    if torch is not None:
        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    else:
        info["torch"] = None
        info["torch_skip_reason"] = reason
    if config.device == "cuda":
        ok, detail = gpu_status()
        info["gpu"] = detail if ok else None
        if not ok:
            info["gpu_skip_reason"] = detail
    return info
