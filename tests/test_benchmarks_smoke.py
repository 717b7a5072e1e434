"""Smoke test of the benchmark suite: ``python -m benchmarks --quick --only overhead`` runs and
writes its JSON and markdown. Timings are never asserted on (they belong to the report)."""

from __future__ import annotations

import json
import numbers
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_quick_overhead_writes_json_and_markdown(tmp_path):
    proc = _run("--quick", "--only", "overhead", "--out", str(tmp_path), "--threads", "1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "| candidate |" in proc.stdout
    assert (tmp_path / "latest.json").is_file()
    assert (tmp_path / "latest.md").is_file()
    assert list(tmp_path.glob("results-*.json")) and list(tmp_path.glob("results-*.md"))

    data = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    for key in ("schema", "created", "config", "machine", "workloads", "skipped"):
        assert key in data
    for key in ("cpu_model", "logical_cores", "python", "numpy", "numpy_config", "threads"):
        assert key in data["machine"]
    assert data["machine"]["threads"]["effective"] == 1
    w = data["workloads"]["overhead"]
    assert w["unit"] == "µs/op" and w["units_per_call"] == 1000
    assert w["check"]["ok"], w["check"]
    for name in ("numpy floor fwd+bwd", "numpy floor fwd", "tapegrad fwd+bwd",
                 "tapegrad fwd (recording)", "tapegrad fwd no_grad"):  # fmt: skip
        c = w["candidates"][name]
        assert c["status"] == "ok"
        assert isinstance(c["median"], numbers.Real) and isinstance(c["min"], numbers.Real)
    for name in ("tapegrad / floor, fwd+bwd", "tapegrad / floor, fwd (recording)"):
        r = w["ratios"][name]
        assert isinstance(r["median"], numbers.Real) and isinstance(r["min"], numbers.Real)
        assert isinstance(r["target"], numbers.Real) and isinstance(r["meets_target"], bool)
    torch_ok = w["candidates"]["torch fwd+bwd"]["status"] == "ok"
    r = w["ratios"]["tapegrad / torch, fwd+bwd"]
    assert isinstance(r["median"], numbers.Real) if torch_ok else r["skip_reason"]


def test_compare_and_cuda_skip(tmp_path):
    first = _run("--quick", "--only", "overhead", "--out", str(tmp_path / "a"), "--rounds", "2")
    assert first.returncode == 0, first.stdout + first.stderr
    old = tmp_path / "a" / "latest.json"
    proc = _run("--device", "cuda", "--out", str(tmp_path / "b"), "--compare", str(old))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((tmp_path / "b" / "latest.json").read_text(encoding="utf-8"))
    # without a GPU every workload is skipped with a reason; with one, the CPU-only ones are
    assert "overhead" in data["skipped"] or "overhead" in data["workloads"]
    assert "change vs" in proc.stdout
