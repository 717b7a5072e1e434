"""Run registered workloads: set up candidates, check them, time them interleaved, collect
results as JSON-ready dicts (see ``report.py`` for the layout)."""

from __future__ import annotations

import sys
import time
import traceback
from dataclasses import asdict
from datetime import datetime, timezone

from .machine import gpu_status, machine_info
from .registry import RunConfig, Workload, WorkloadSetup, get_workload
from .report import SCHEMA
from .timing import log, measure_interleaved, time_interleaved, workload_bar

__all__ = ["run", "run_workload", "ratio_values"]


def ratio_values(
    num: dict, den: dict, higher_is_better: bool = False
) -> tuple[float | None, float | None]:
    """Ratios of medians and of mins of two candidate results, or None where either is missing.

    higher_is_better: the ratio of throughputs, i.e. ``den / num`` of times.
    """
    if num.get("median") is None or den.get("median") is None:
        return None, None
    if higher_is_better:
        num, den = den, num
    if not den["median"] or not den["min"]:
        return None, None
    return num["median"] / den["median"], num["min"] / den["min"]


def _setup_result(workload: Workload, config: RunConfig, ws: WorkloadSetup) -> dict:
    return {
        "description": workload.description,
        "device": config.device,
        "measure": ws.measure,
        "unit": ws.unit,
        "units_per_call": ws.units_per_call,
        "items_label": ws.items_label if ws.items_per_call else None,
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
            log(f"WARNING: {workload.name}: correctness check failed: {detail}")
    active = [(c.name, c.fn, c.sync) for c in ws.candidates if not c.skipped]
    for c in ws.candidates:
        if c.skipped:
            log(f"skip {workload.name} / {c.name}: {c.skip_reason or 'no implementation'}")
    label = ("runs" if ws.measure == "value" else "rounds") if config.progress else None
    if ws.measure == "value":
        log(
            f"{workload.name}: measuring {len(active)} candidates, {ws.value_rounds} "
            "round(s), interleaved"
        )
        stats = measure_interleaved(active, ws.value_rounds, progress=label) if active else {}
        scale = 1.0  # the samples are already in the unit
    elif ws.measure == "time":
        log(
            f"{workload.name}: timing {len(active)} candidates, {config.warmup_rounds} + "
            f"{config.rounds} rounds, interleaved"
        )
        stats = (
            time_interleaved(
                active,
                rounds=config.rounds,
                warmup_rounds=config.warmup_rounds,
                min_sample_s=config.min_sample_s,
                progress=label,
                pools={c.name: c.thread_pool for c in ws.candidates if not c.skipped},
                # CPU thread pools compete only on the CPU (a GPU run's host threads idle)
                settle_s=(
                    config.settle_s
                    if config.effective_threads > 1 and config.device == "cpu"
                    else 0.0
                ),
            )
            if active
            else {}
        )
        scale = 1.0 / (ws.units_per_call * ws.unit_seconds)  # seconds per call -> unit
    else:
        raise ValueError(f"workload {workload.name}: unknown measure {ws.measure!r}")
    for c in ws.candidates:
        entry = {"impl": c.impl, "mode": c.mode, "group": c.group, "flops": c.flops}
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
            if ws.measure == "time":
                # rates from the median and from the best (min) seconds per call
                if c.flops:
                    entry["gflops"] = c.flops / s.median / 1e9
                    entry["gflops_best"] = c.flops / s.min / 1e9
                if ws.items_per_call:
                    entry["throughput"] = ws.items_per_call / s.median
                    entry["throughput_best"] = ws.items_per_call / s.min
        out["candidates"][c.name] = entry
    for r in ws.ratios:
        num = out["candidates"].get(r.numerator)
        den = out["candidates"].get(r.denominator)
        if num is None or den is None:
            raise ValueError(
                f"workload {workload.name}: ratio {r.name!r} names an unknown candidate"
            )
        med, mn = ratio_values(num, den, r.higher_is_better)
        reason = None
        if med is None:
            reason = num.get("skip_reason") or den.get("skip_reason")
        meets = None
        if r.target is not None and med is not None:
            meets = med >= r.target if r.higher_is_better else med <= r.target
        out["ratios"][r.name] = {
            "numerator": r.numerator,
            "denominator": r.denominator,
            "target": r.target,
            "higher_is_better": r.higher_is_better,
            "median": med,
            "min": mn,
            "meets_target": meets,
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
    bar = workload_bar(len(names)) if config.progress and gpu_reason is None else None
    name = None
    try:
        for name in names:
            w = get_workload(name)
            if bar is not None:
                bar.set_description(f"workloads: {name}")
            if gpu_reason is not None:
                results["skipped"][name] = gpu_reason
                continue
            reason = None
            if config.device not in w.devices:
                reason = f"runs on {'/'.join(w.devices)} only, not {config.device}"
                if w.counterpart:
                    reason += f"; {w.counterpart} is its {config.device} counterpart"
            if reason is not None:
                log(f"skip {name}: {reason}", stream=sys.stdout)
                results["skipped"][name] = reason
            else:
                try:
                    results["workloads"][name] = run_workload(w, config)
                except Exception as e:  # one broken workload must not lose the others' results
                    detail = "".join(traceback.format_exception_only(type(e), e)).strip()
                    log(f"ERROR: workload {name} failed:\n{traceback.format_exc()}")
                    results.setdefault("errors", {})[name] = detail
            if bar is not None:
                bar.update(1)
    except (KeyboardInterrupt, SystemExit) as e:
        # Ctrl-C, or SIGTERM from a time limit (cli.main turns it into SystemExit): the
        # workloads finished so far are still reported and written
        log(f"interrupted during {name} ({type(e).__name__}); reporting what finished")
        results["interrupted"] = f"during {name} ({type(e).__name__})"
    finally:
        if bar is not None:
            bar.close()
    return results
