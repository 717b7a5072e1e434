"""The ``gpu``-marked tests, run without a GPU on a stand-in for CuPy made of NumPy.

``tests/fake_gpu/cupy`` keeps the CuPy rules whose breach crashes only on a real GPU (its own
array type, no implicit host conversion, no NumPy arrays mixed into ufuncs or functions, 0-d
results); see its docstring. With that folder first on ``PYTHONPATH`` every cuda path of the
library runs in CI: the op table on "cuda" against the CPU, gradcheck, train steps, device
errors, ``.to`` round trips, checkpoints. The numba set is not faked (its kernels run under
numba's CUDA simulator in ``tests/backends/test_numba_sim.py``), so its cases skip there.

Each check runs in a subprocess: the fake must be imported as ``cupy`` before anything probes
for a GPU, and must never leak into this process.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
FAKE = ROOT / "tests" / "fake_gpu"


def _env():
    env = dict(os.environ)
    for k in ("TAPEGRAD_BACKEND", "NUMBA_ENABLE_CUDASIM", "PYTEST_XDIST_WORKER"):
        env.pop(k, None)
    env["PYTHONPATH"] = os.pathsep.join([str(FAKE), str(ROOT), env.get("PYTHONPATH", "")])
    env["TAPEGRAD_FAKE_GPU"] = "1"
    env["TAPEGRAD_REQUIRE_GPU"] = "1"  # the fake not picked up: exit 3, not a green skip-all
    return env


def _run(args, timeout):
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=_env(), capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip


FAKE_RULES = r"""
import numpy as np
import cupy as cp
import cupyx

assert cp.__version__.endswith("-fake")
a = cp.asarray(np.arange(6.0).reshape(2, 3))
assert type(a) is cp.ndarray and type(a).__module__ == "cupy"
for bad in (lambda: np.asarray(a), lambda: a + np.ones(3), lambda: np.ones(3) * a,
            lambda: cp.concatenate([a, np.ones((2, 3))]), lambda: cp.exp(np.ones(2)),
            lambda: cp.maximum(a, [1.0, 2.0, 3.0])):
    try:
        bad()
    except TypeError:
        pass
    else:
        raise AssertionError("the fake must refuse host data where CuPy does")
assert type(a.sum()) is cp.ndarray and a.sum().ndim == 0 and float(a.sum()) == 15.0
assert type(a[0, 1]) is cp.ndarray and type(np.exp(a)) is cp.ndarray
assert type(a.get()) is np.ndarray and a.device == cp.cuda.Device(0)
v = a.reshape(3, 2)
assert v.base is a and v[0].base is a and a[1, 2].base is a  # views hold their base
a[1, 2].fill(7.0)  # a 0-d element is a view, as in CuPy
assert float(a[1, 2]) == 7.0
a[0] = np.zeros(3)  # CuPy copies NumPy values and index arrays to the device
assert float(a[np.array([0])].sum()) == 0.0
try:
    cupyx.scatter_add(cp.zeros(3, dtype=np.int64), cp.asarray([0, 0]), cp.ones(2, dtype=np.int64))
except TypeError:
    pass
else:
    raise AssertionError("scatter_add must refuse int64, as CuPy's does")
import backends
assert backends.cupy_or_none() is cp and backends.available()["cupy"].ok
print("fake rules hold")
"""


def test_the_fake_keeps_cupys_rules():
    r = _run(["-c", FAKE_RULES], timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "fake rules hold" in r.stdout


def test_gpu_tests_pass_on_the_fake_gpu():
    r = _run(["-m", "pytest", "-m", "gpu", "-q", "-p", "no:cacheprovider", "-x", "tests"], 600)
    tail = "\n".join((r.stdout + r.stderr).strip().splitlines()[-30:])
    assert r.returncode == 0, tail
    passed = int(tail.rsplit(" passed", 1)[0].split()[-1])
    assert passed >= 400, f"too few gpu tests ran on the fake GPU:\n{tail}"


def test_benchmarks_run_on_the_fake_gpu(tmp_path):
    """``python -m benchmarks --device cuda --quick``: every cuda workload runs its cupy-set
    candidates and passes its correctness check (timings are not looked at)."""
    from benchmarks.registry import WORKLOADS

    r = _run(["-m", "benchmarks", "--device", "cuda", "--quick", "--out", str(tmp_path)], 600)
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    data = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    cuda = {name for name, w in WORKLOADS.items() if "cuda" in w.devices}
    assert set(data["workloads"]) == cuda, sorted(set(data["workloads"]) ^ cuda)
    for name, w in data["workloads"].items():
        if w["check"]:
            assert w["check"]["ok"], (name, w["check"])
        ran = [c for c, v in w["candidates"].items() if v["status"] == "ok"]
        assert any("cupy" in c or c == "tapegrad" for c in ran), (name, ran)
    for name in set(WORKLOADS) - cuda:
        assert "cuda counterpart" in data["skipped"][name], data["skipped"][name]
