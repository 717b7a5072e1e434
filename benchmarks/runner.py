"""Run registered workloads: set up candidates, check them, time them interleaved, collect
results as JSON-ready dicts (see ``report.py`` for the layout)."""

from __future__ import annotations

import sys
import time
from dataclasses import asdict
from datetime import datetime, timezone

from .machine import gpu_status, machine_info
from .registry import RunConfig, Workload, WorkloadSetup, get_workload
from .report import SCHEMA
from .timing import time_interleaved

__all__ = ["run", "run_workload", "ratio_values"]


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def ratio_values(num: dict, den: dict) -> tuple[float | None, float | None]:
    """Ratios of medians and of mins of two candidate results, or None where either is missing."""
    if num.get("median") is None or den.get("median") is None:
        return None, None
    return num["median"] / den["median"], num["min"] / den["min"]


def _setup_result(workload: Workload, config: RunConfig, ws: WorkloadSetup) -> dict:
    return {
        "description": workload.description,
        "device": config.device,
        "unit": ws.unit,
        "units_per_call": ws.units_per_call,
        "params": ws.params,
        "notes": list(ws.notes),
        "check": None,
        "candidates": {},
        "ratios": {},
    }


def run_workload(workload: Workload, config: RunConfig) -> dict:
    """Set up ``workload``, check its candidates agree, time them interleaved; a result dict."""
    t0 = time.perf_counter()
    ws = workload.load_setup()(config)
    out = _setup_result(workload, config, ws)
    names = [c.name for c in ws.candidates]
    if len(set(names)) != len(names):
        raise ValueError(f"workload {workload.name}: candidate names are not unique: {names}")
    if ws.check is not None:
        ok, detail = ws.check()
        out["check"] = {"ok": bool(ok), "detail": detail}
        if not ok:
            _log(f"WARNING: {workload.name}: correctness check failed: {detail}")
    timed = [(c.name, c.fn, c.sync) for c in ws.candidates if not c.skipped]
    for c in ws.candidates:
        if c.skipped:
            _log(f"skip {workload.name} / {c.name}: {c.skip_reason or 'no implementation'}")
    _log(
        f"{workload.name}: timing {len(timed)} candidates, {config.warmup_rounds} + "
        f"{config.rounds} rounds, interleaved"
    )
    stats = (
        time_interleaved(
            timed,
            rounds=config.rounds,
            warmup_rounds=config.warmup_rounds,
            min_sample_s=config.min_sample_s,
            progress=workload.name if config.progress else None,
        )
        if timed
        else {}
    )
    scale = 1.0 / (ws.units_per_call * ws.unit_seconds)  # seconds per call -> unit
    for c in ws.candidates:
        entry = {"impl": c.impl, "mode": c.mode}
        s = stats.get(c.name)
        if s is None:
            entry.update(status="skipped", skip_reason=c.skip_reason or "no implementation")
        else:
            entry.update(
                status="ok",
                skip_reason=None,
                median=s.median * scale,
                min=s.min * scale,
                max=s.max * scale,
                mean=s.mean * scale,
                stdev=s.stdev * scale,
                rounds=s.rounds,
                inner_calls=s.inner,
                samples=[v * scale for v in s.samples],
            )
        out["candidates"][c.name] = entry
    for r in ws.ratios:
        num = out["candidates"].get(r.numerator)
        den = out["candidates"].get(r.denominator)
        if num is None or den is None:
            raise ValueError(
                f"workload {workload.name}: ratio {r.name!r} names an unknown candidate"
            )
        med, mn = ratio_values(num, den)
        reason = None
        if med is None:
            reason = num.get("skip_reason") or den.get("skip_reason")
        out["ratios"][r.name] = {
            "numerator": r.numerator,
            "denominator": r.denominator,
            "target": r.target,
            "median": med,
            "min": mn,
            "meets_target": None if (r.target is None or med is None) else med <= r.target,
            "skip_reason": reason,
        }
    out["wall_s"] = time.perf_counter() - t0
    return out


def run(config: RunConfig, names: list[str], argv: list[str] | None = None) -> dict:
    """Run the workloads called ``names`` (in order) under ``config``; the full results dict.

    Workloads that do not support ``config.device``, or need a GPU this machine lacks, are
    skipped with the reason (printed, and kept under ``"skipped"``).
    """
    results = {
        "schema": SCHEMA,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": "python -m benchmarks " + " ".join(argv or []),
        "config": asdict(config),
        "machine": machine_info(config),
        "workloads": {},
        "skipped": {},
    }
    gpu_reason = None
    if config.device == "cuda":
        ok, detail = gpu_status()
        if not ok:
            gpu_reason = f"--device cuda but no CUDA GPU is available ({detail})"
            print(f"skip: {gpu_reason}; skipping workloads: {', '.join(names)}", flush=True)
    for name in names:
        w = get_workload(name)
        if gpu_reason is not None:
            results["skipped"][name] = gpu_reason
            continue
        reason = None
        if config.device not in w.devices:
            reason = f"runs on {'/'.join(w.devices)} only, not {config.device}"
        if reason is not None:
            print(f"skip {name}: {reason}", flush=True)
            results["skipped"][name] = reason
            continue
        results["workloads"][name] = run_workload(w, config)
    return results
