"""Smoke test of the benchmark suite: ``python -m benchmarks --quick`` runs every workload once
(one subprocess, shared by the tests below) and writes its JSON, markdown and, with matplotlib,
PNG charts. Timings are never asserted on (they belong to the report)."""

from __future__ import annotations

import importlib.util
import json
import numbers
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.registry import WORKLOADS
from benchmarks.report import fmt_target

ROOT = Path(__file__).resolve().parents[1]
HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None


def _run(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """The one ``--quick`` run over all workloads: (process, output folder, parsed JSON)."""
    out = tmp_path_factory.mktemp("bench")
    proc = _run("--quick", "--out", str(out), "--threads", "1")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    data = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    return proc, out, data


def test_files_written(quick):
    proc, out, _ = quick
    assert "| candidate |" in proc.stdout
    assert (out / "latest.json").is_file() and (out / "latest.md").is_file()
    assert list(out.glob("results-*.json")) and list(out.glob("results-*.md"))
    assert "### targets" in (out / "latest.md").read_text(encoding="utf-8")


def test_plots_written_or_skip_reported(quick):
    proc, out, data = quick
    if HAS_MATPLOTLIB:
        assert data["plots"]["files"], data["plots"]
        for name in ("ratio_vs_torch.png", "gflops.png") if HAS_TORCH else ("gflops.png",):
            png = out / name
            assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert data["plots"]["skipped"] and "plots skipped" in proc.stdout


def test_json_layout(quick):
    _, _, data = quick
    for key in ("schema", "created", "config", "machine", "workloads", "skipped", "plots"):
        assert key in data
    assert "errors" not in data, data.get("errors")
    for key in ("cpu_model", "logical_cores", "python", "numpy", "numpy_config", "threads"):
        assert key in data["machine"]
    assert data["machine"]["threads"]["effective"] == 1
    cpu = {name for name, w in WORKLOADS.items() if "cpu" in w.devices}
    assert set(data["workloads"]) == cpu
    assert set(data["skipped"]) == set(WORKLOADS) - cpu  # the GPU-only ones, with reasons
    for name, w in data["workloads"].items():
        for key in ("description", "unit", "candidates", "ratios", "check", "params", "wall_s"):
            assert key in w, (name, key)
        if w["check"] is not None:
            assert w["check"]["ok"], (name, w["check"])
        for cname, c in w["candidates"].items():
            if c["status"] == "ok":
                assert isinstance(c["median"], numbers.Real), (name, cname)
                assert isinstance(c["min"], numbers.Real), (name, cname)
            else:
                assert c["skip_reason"], (name, cname)
                assert c["impl"] == "torch" and not HAS_TORCH, (name, cname, c["skip_reason"])
        for rname, r in w["ratios"].items():
            if r["median"] is None:
                assert r["skip_reason"], (name, rname)
            else:
                assert isinstance(r["median"], numbers.Real), (name, rname)
            if r["target"] is not None and r["median"] is not None:
                assert isinstance(r["meets_target"], bool), (name, rname)


def test_rates_and_targets(quick):
    _, _, data = quick
    w = data["workloads"]
    for c in w["matmul"]["candidates"].values():
        assert c["flops"] and (c["status"] != "ok" or c["gflops"] > 0)
    assert w["mlp"]["items_label"] == "samples"
    assert w["mlp"]["candidates"]["tapegrad"]["throughput"] > 0
    r = w["mlp"]["ratios"]["tapegrad / floor, throughput"]
    assert r["target"] == 0.97 and r["higher_is_better"] is True
    assert w["memory"]["measure"] == "value" and w["memory"]["unit"] == "MiB"
    assert w["memory"]["ratios"]["tapegrad / floor, peak memory"]["target"] == 1.15
    assert w["overhead"]["unit"] == "µs/op" and w["overhead"]["units_per_call"] == 1000


def test_targets_printed_exactly(quick):
    proc, _, _ = quick
    assert "<= 1.15x" in proc.stdout and ">= 0.97x" in proc.stdout
    assert "<= 1.0x" in proc.stdout  # conv's target at 1 thread
    assert fmt_target(1.25) == "<= 1.25x"  # was printed as "<= 1.2x"
    assert fmt_target(3.0) == "<= 3.0x" and fmt_target(0.97, True) == ">= 0.97x"


def test_compare_and_cuda_skip(quick, tmp_path):
    _, out, _ = quick
    proc = _run(
        "--device", "cuda", "--only", "gradcheck", "--out", str(tmp_path),
        "--compare", str(out / "latest.json"), timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    # without a GPU every workload is skipped with a reason; with one, the CPU-only ones are
    assert "gradcheck" in data["skipped"] or "gradcheck" in data["workloads"]
    assert "change vs" in proc.stdout


def test_compare_refuses_a_malformed_results_file_before_running(tmp_path):
    """A JSON file of the wrong structure is refused up front (exit 2, naming the file and
    the entry), not after the whole run."""
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"workloads": {"overhead": {"candidates": 5}}}))
    r = _run("--only", "overhead", "--quick", "--out", str(tmp_path / "o"), "--compare", str(bad))
    assert r.returncode == 2
    assert "bad.json: workload 'overhead': 'candidates' is not an object" in r.stderr
    assert not (tmp_path / "o").exists()
    broken = tmp_path / "broken.json"
    broken.write_text("{x")
    r = _run("--only", "overhead", "--compare", str(broken))
    assert r.returncode == 2 and "broken.json: not valid JSON" in r.stderr


def test_an_interrupted_run_keeps_the_finished_workloads(monkeypatch):
    """A time limit's SIGTERM (turned into SystemExit) or Ctrl-C during a workload: the ones
    that finished are returned, and the report says where it stopped."""
    from benchmarks import runner
    from benchmarks.registry import RunConfig
    from benchmarks.report import format_markdown

    calls = []

    def fake_run_workload(w, config):
        calls.append(w.name)
        if len(calls) == 2:
            raise SystemExit(143)
        return {"description": w.name, "candidates": {}, "ratios": {}}

    monkeypatch.setattr(runner, "run_workload", fake_run_workload)
    monkeypatch.setattr(runner, "machine_info", lambda config: {})
    results = runner.run(RunConfig(progress=False), ["overhead", "matmul", "conv"])
    assert list(results["workloads"]) == ["overhead"] and calls == ["overhead", "matmul"]
    assert results["interrupted"] == "during matmul (SystemExit)"
    assert "**Interrupted** during matmul" in format_markdown({**results, "workloads": {}})
