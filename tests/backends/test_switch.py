"""The backend switch: use() as a call and a context manager, per thread, TAPEGRAD_BACKEND,
available() with reasons, unavailable sets refused with their reason, and kernels() dispatch."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import threading
import types

import numpy as np
import pytest

import backends
import backends.cupy_kernels as ck
import backends.numpy_kernels as nk
from backends import switch

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _run(code: str, **env) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in ("TAPEGRAD_BACKEND",)}
    full.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=full, capture_output=True, text=True
    )


class _FakeCupyArray:
    """Looks like a cupy array to kernels() (it goes by the type's module)."""

    __module__ = "cupy._core.core"


@pytest.fixture
def fake_gpu(monkeypatch):
    """Pretend both GPU sets can run (the probes' cache says so), then restore."""
    monkeypatch.setitem(switch._cache, "cupy", (None, switch.Availability(True, "fake GPU")))
    monkeypatch.setitem(switch._cache, "numba", (None, switch.Availability(True, "fake GPU")))
    monkeypatch.setattr(backends, "_gpu_sets", {})
    yield
    assert backends.current() == "numpy"


def test_available_names_every_set_with_a_reason():
    av = backends.available()
    assert list(av) == ["numpy", "cupy", "numba"]
    for name, entry in av.items():
        assert isinstance(entry, backends.Availability)
        ok, reason = entry
        assert isinstance(ok, bool) and isinstance(reason, str) and reason, name
    assert av["numpy"].ok
    if backends.cupy_or_none() is None:
        assert not av["cupy"].ok and not av["numba"].ok
        # the numba set runs on cupy arrays, so it names cupy's problem too
        assert "cupy" in av["numba"].reason or "numba" in av["numba"].reason


def test_unavailable_set_is_refused_with_its_reason_and_nothing_changes():
    av = backends.available()
    for name in ("cupy", "numba"):
        if av[name].ok:
            continue
        with pytest.raises(RuntimeError, match="not available") as info:
            backends.use(name)
        assert av[name].reason in str(info.value)
        assert backends.current() == "numpy"


def test_unknown_name_is_a_value_error():
    with pytest.raises(ValueError, match="unknown backend 'torch'"):
        backends.use("torch")
    with pytest.raises(ValueError):
        backends.use(None)


def test_use_as_context_manager_restores_and_nests(fake_gpu):
    assert backends.current() == "numpy"
    with backends.use("numba") as u:
        assert backends.current() == "numba" and u.name == "numba"
        with backends.use("cupy"):
            assert backends.current() == "cupy"
        assert backends.current() == "numba"
    assert backends.current() == "numpy"
    with pytest.raises(KeyError), backends.use("cupy"):  # restored on an exception too
        raise KeyError("boom")
    assert backends.current() == "numpy"


def test_plain_call_persists_in_this_thread_only(fake_gpu):
    seen = []
    choice = backends.use("numba")
    try:
        assert backends.current() == "numba"
        t = threading.Thread(target=lambda: seen.append(backends.current()))
        t.start()
        t.join()
    finally:
        choice.__exit__(None, None, None)  # drop this thread's choice
    assert seen == ["numpy"]
    assert backends.current() == "numpy"


def test_kernels_dispatch_by_device_and_switch(fake_gpu):
    a = np.zeros((2, 2))
    gpu = _FakeCupyArray()
    assert backends.kernels(a) is nk
    assert backends.kernels(gpu) is ck  # cuda arrays default to cupy
    with backends.use("numba"):
        import backends.numba_kernels as bk

        assert backends.kernels(a) is nk  # numpy arrays always get the numpy set
        assert backends.kernels(gpu) is bk
        with backends.use("numpy"):  # "the defaults": cupy on the GPU
            assert backends.kernels(gpu) is ck
    assert backends.kernels(np.float64(1.0)) is nk  # anything not cupy: the CPU set


def test_kernels_on_cuda_array_with_unavailable_numba_raises_the_reason(monkeypatch):
    monkeypatch.setitem(switch._cache, "numba", (None, switch.Availability(False, "no GPU here")))
    monkeypatch.setattr(backends, "_gpu_sets", {})
    monkeypatch.setattr(switch, "_default", "numba")  # as if TAPEGRAD_BACKEND=numba
    assert backends.current() == "numba"
    assert backends.kernels(np.zeros(3)) is nk  # a CPU program runs under any setting
    with pytest.raises(RuntimeError, match="TAPEGRAD_BACKEND=numba.*no GPU here"):
        backends.kernels(_FakeCupyArray())


def test_environment_variable_sets_every_threads_default():
    code = (
        "import threading, numpy as np, backends, backends.numpy_kernels as nk\n"
        "assert backends.current() == 'numba', backends.current()\n"
        "out = []\n"
        "t = threading.Thread(target=lambda: out.append(backends.current())); t.start(); t.join()\n"
        "assert out == ['numba']\n"
        "assert backends.kernels(np.zeros(2)) is nk\n"
        "import autograd as ag\n"
        "x = ag.tensor([[1.0, 2.0]], requires_grad=True)\n"
        "(x @ x.T).sum().backward(); assert x.grad.tolist() == [[2.0, 4.0]]\n"
    )
    proc = _run(code, TAPEGRAD_BACKEND="numba")
    assert proc.returncode == 0, proc.stderr
    proc = _run("import backends", TAPEGRAD_BACKEND="jax")
    assert proc.returncode != 0 and "TAPEGRAD_BACKEND" in proc.stderr and "'jax'" in proc.stderr


def test_import_backends_imports_neither_cupy_nor_numba():
    code = (
        "import sys, backends, autograd, nn\n"
        "assert backends.current() == 'numpy'\n"
        "assert 'cupy' not in sys.modules and 'numba' not in sys.modules\n"
    )
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr


def test_simulator_is_not_a_gpu():
    code = (
        "import backends\nok, why = backends.available()['numba']\n"
        "assert not ok and 'simulator' in why, why\nprint(why)\n"
    )
    proc = _run(code, NUMBA_ENABLE_CUDASIM="1")
    assert proc.returncode == 0, proc.stderr


# -- the reasons, from faked drivers and installs --------------------------------------------------


def _fake_cupy(count=1, error=None, driver=12040, runtime=12040):
    def get_count():
        if error is not None:
            raise RuntimeError(error)
        return count

    rt = types.SimpleNamespace(
        getDeviceCount=get_count,
        driverGetVersion=lambda: driver,
        runtimeGetVersion=lambda: runtime,
        getDeviceProperties=lambda i: {"name": b"Fake H100"},
    )
    return types.SimpleNamespace(cuda=types.SimpleNamespace(runtime=rt), __version__="13.0")


@pytest.mark.parametrize(
    ("kwargs", "ok", "words"),
    [
        ({}, True, "Fake H100"),
        ({"count": 0}, False, "no GPU"),
        ({"error": "CUDARuntimeError: cudaErrorNoDevice: no CUDA-capable device"}, False, "no GPU"),
        ({"error": "CUDARuntimeError: cudaErrorInsufficientDriver"}, False, "driver is too old"),
        ({"driver": 11080, "runtime": 12040}, False, "driver is too old"),
        ({"driver": 12020, "runtime": 12040}, True, "Fake"),  # minor versions are compatible
    ],
)
def test_cupy_reasons(kwargs, ok, words):
    got = switch._cupy_device(_fake_cupy(**kwargs))
    assert got.ok is ok and words in got.reason, got


def test_missing_installs_are_named(monkeypatch):
    real = switch.importlib.import_module

    def no_gpu_libs(name, *a):
        if name in ("cupy", "numba"):
            raise ImportError(f"No module named {name!r}")
        return real(name, *a)

    monkeypatch.setattr(switch.importlib, "import_module", no_gpu_libs)
    monkeypatch.delenv("NUMBA_ENABLE_CUDASIM", raising=False)
    monkeypatch.setattr(switch, "_cache", {})
    av = backends.available()
    assert not av["cupy"].ok and "cupy is not installed" in av["cupy"].reason
    assert not av["numba"].ok and "numba is not installed" in av["numba"].reason
