"""Results as markdown (stdout and a file), JSON and PNG charts, and the change against an
earlier run.

The JSON layout (``SCHEMA``)::

    {"schema", "created", "command", "config": {...}, "machine": {...},
     "workloads": {name: {"description", "device", "measure": "time" | "value", "unit",
                          "units_per_call", "items_label", "params", "notes",
                          "check": {"ok", "detail"} | null, "wall_s",
                          "candidates": {name: {"impl", "mode", "group", "flops",
                                                "status": "ok" | "skipped",
                                                "skip_reason", "median", "min", "max", "mean",
                                                "stdev", "rounds", "inner_calls", "samples",
                                                ["gflops", "gflops_best"],
                                                ["throughput", "throughput_best"]}},
                          "ratios": {name: {"numerator", "denominator", "target",
                                            "higher_is_better", "median", "min",
                                            "meets_target", "skip_reason"}}}},
     "skipped": {workload name: reason},
     ["errors": {workload name: the exception}],
     ["interrupted": "during NAME (KeyboardInterrupt or SystemExit)"],
     "plots": {"files": [paths]} | {"skipped": reason}}

Times are in the workload's ``unit`` (e.g. µs/op); a ``"value"`` workload's figures are the
measured quantity in its unit (e.g. MB). GFLOP/s and throughput (``items_label``/s) come from the
median and the best (min) time. Ratios are plain numbers: of times (lower is better) unless
``higher_is_better``, where they are of throughputs.
"""

from __future__ import annotations

import json
import os
from datetime import datetime

__all__ = [
    "SCHEMA",
    "fmt_time",
    "fmt_target",
    "fmt_rate",
    "format_markdown",
    "format_summary",
    "format_workload",
    "format_compare",
    "load_results",
    "write_results",
]

SCHEMA = "tapegrad-bench/2"


def fmt_time(v: float | None) -> str:
    """A time for a table: about three significant digits, never in exponent form."""
    if v is None:
        return "–"
    a = abs(v)
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def _fmt_ratio(v: float | None, target: float | None = None) -> str:
    """``1.23x``; with a third decimal when two would look equal to the target."""
    if v is None:
        return "–"
    if target is not None and f"{v:.2f}" == f"{target:.2f}" and v != target:
        return f"{v:.3f}x"
    return f"{v:.2f}x"


def fmt_target(target: float, higher_is_better: bool = False) -> str:
    """A ratio's target as written in the issue: ``<= 1.25x``, ``>= 0.97x``, ``<= 3.0x``.

    Up to three decimals, trailing zeros dropped (one kept), so a target is never shown rounded.
    """
    s = f"{target:.3f}".rstrip("0")
    s += "0" if s.endswith(".") else ""
    return f"{'>=' if higher_is_better else '<='} {s}x"


def fmt_rate(v: float | None) -> str:
    """A rate (GFLOP/s, samples/s) with about three significant digits and thousands commas."""
    if v is None:
        return "–"
    a = abs(v)
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def _status(r: dict) -> str:
    if r.get("median") is None:
        return "skipped"
    if r.get("target") is None:
        return ""
    return "meets" if r.get("meets_target") else "**misses**"


def _ratio_direction(r: dict) -> str:
    return "higher is better" if r.get("higher_is_better") else "lower is better"


def format_workload(name: str, w: dict) -> str:
    """Markdown for one workload: the candidates' figures and the ratios (with their targets)."""
    unit = w["unit"]
    value = w.get("measure", "time") == "value"
    cands = w["candidates"].items()
    groups = any(c.get("group") for _, c in cands)
    gflops = any(c.get("gflops") is not None for _, c in cands)
    items = w.get("items_label")
    lines = [f"### {name} ({w['device']})", "", w["description"], ""]
    head = ["candidate"] + (["config"] if groups else [])
    head += [f"median {unit}", f"min {unit}", f"mean ± sd {unit}"]
    head += ["GFLOP/s (median)"] if gflops else []
    head += [f"{items}/s (median)"] if items else []
    head += ["runs" if value else "rounds × calls"]
    align = "|---|" + ("---|" if groups else "") + "---:|" * (len(head) - 1 - groups)
    lines += ["| " + " | ".join(head) + " |", align]
    skipped: dict[str, list[str]] = {}  # reason -> candidate names
    for cname, c in cands:
        row = [cname] + ([c.get("group") or ""] if groups else [])
        if c["status"] != "ok":
            skipped.setdefault(c["skip_reason"], []).append(cname)
            row += ["skipped"] + [""] * (len(head) - len(row) - 1)
            lines.append("| " + " | ".join(row) + " |")
            continue
        row += [
            fmt_time(c["median"]),
            fmt_time(c["min"]),
            f"{fmt_time(c['mean'])} ± {fmt_time(c['stdev'])}",
        ]
        row += [fmt_rate(c.get("gflops"))] if gflops else []
        row += [fmt_rate(c.get("throughput"))] if items else []
        row += [str(c["rounds"]) if value else f"{c['rounds']} × {c['inner_calls']}"]
        lines.append("| " + " | ".join(row) + " |")
    if w["ratios"]:
        lines += [
            "",
            "| ratio | of medians | of mins | target | status |",
            "|---|---:|---:|---:|---|",
        ]
        for rname, r in w["ratios"].items():
            hib = bool(r.get("higher_is_better"))
            target = "" if r["target"] is None else fmt_target(r["target"], hib)
            label = f"{rname} ({_ratio_direction(r)})"
            lines.append(
                f"| {label} | {_fmt_ratio(r['median'], r['target'])} | "
                f"{_fmt_ratio(r['min'], r['target'])} | {target} | {_status(r)} |"
            )
    if skipped:
        lines.append("")
        lines += [f"Skipped: {', '.join(names)}: {reason}." for reason, names in skipped.items()]
    check = w.get("check")
    if check is not None:
        mark = "ok" if check["ok"] else "**FAILED**"
        lines += ["", f"Correctness check: {mark} ({check['detail']})"]
    for note in w.get("notes", ()):
        lines.append(f"- {note}")
    return "\n".join(lines)


def format_summary(results: dict) -> str | None:
    """Markdown: every ratio that has a target, across workloads, with its status; None if
    there is none."""
    rows = []
    for name, w in results.get("workloads", {}).items():
        for rname, r in w.get("ratios", {}).items():
            if r.get("target") is None:
                continue
            hib = bool(r.get("higher_is_better"))
            rows.append(
                f"| {name} | {rname} | {_fmt_ratio(r.get('median'), r['target'])} | "
                f"{fmt_target(r['target'], hib)} | {_status(r)} |"
            )
    if not rows:
        return None
    head = [
        "### targets",
        "",
        "| workload | ratio | of medians | target | status |",
        "|---|---|---:|---:|---|",
    ]
    return "\n".join(head + rows)


def _machine_lines(m: dict, config: dict) -> list[str]:
    np_cfg = m.get("numpy_config") or {}
    blas = np_cfg.get("blas") if isinstance(np_cfg, dict) else None
    if isinstance(blas, dict):
        blas_s = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    else:
        blas_s = "see JSON"
    torch_s = m.get("torch") or f"not used ({m.get('torch_skip_reason', 'unavailable')})"
    cores = f"{m.get('logical_cores')} logical"
    if m.get("physical_cores"):
        cores += f", {m['physical_cores']} physical"
    if m.get("usable_cores") is not None:
        cores += f", {m['usable_cores']} usable"
    threads = m.get("threads", {})
    lines = [
        f"- CPU: {m.get('cpu_model')} ({cores})",
        f"- Python {m.get('python')}, NumPy {m.get('numpy')} (BLAS: {blas_s}), torch: {torch_s}",
        f"- threads: {threads.get('effective')} "
        f"({'--threads ' + str(threads['requested']) if threads.get('requested') else 'default'})",
        f"- rounds: {config.get('rounds')} timed + {config.get('warmup_rounds')} warm-up, "
        f"interleaved round-robin in a shuffled order; samples of >= "
        f"{config.get('min_sample_s')} s" + (" (--quick)" if config.get("quick") else ""),
    ]
    if config.get("settle_s") and (threads.get("effective") or 1) > 1:
        lines.append(
            f"- NumPy and torch candidates run in separate blocks of each round, "
            f"{config['settle_s']} s apart (idle BLAS/OpenMP threads spin, slowing the other)"
        )
    if "gpu" in m:
        lines.append(f"- GPU: {m['gpu'] or 'none (' + m.get('gpu_skip_reason', '') + ')'}")
    return lines


def format_markdown(results: dict, compare_md: str | None = None) -> str:
    """The whole run as a markdown document (what is printed and written to ``results.md``)."""
    lines = [f"## tapegrad benchmarks, {results['created']}", ""]
    lines += _machine_lines(results["machine"], results["config"])
    summary = format_summary(results)
    if summary:
        lines += ["", summary]
    for name, w in results["workloads"].items():
        lines += ["", format_workload(name, w)]
    if results.get("skipped"):
        lines += ["", "Skipped workloads:"]
        lines += [f"- {name}: {reason}" for name, reason in results["skipped"].items()]
    if results.get("errors"):
        lines += ["", "**Failed workloads:**"]
        lines += [f"- {name}: {err}" for name, err in results["errors"].items()]
    if results.get("interrupted"):
        lines += ["", f"**Interrupted** {results['interrupted']}: later workloads did not run."]
    plots = results.get("plots")
    if plots and plots.get("skipped"):
        lines += ["", f"Plots skipped: {plots['skipped']}."]
    if compare_md:
        lines += ["", compare_md]
    return "\n".join(lines) + "\n"


def _pct(old: float | None, new: float | None) -> str:
    if not old or new is None:
        return "–"
    return f"{(new / old - 1) * 100:+.1f}%"


def format_compare(old: dict, new: dict, old_label: str = "old") -> str:
    """Markdown: per workload, each candidate's median and each ratio, old vs new, and the change.

    For times and lower-is-better ratios a negative change is an improvement; for throughput
    ratios (higher is better) a positive one.
    """
    lines = [f"### change vs {old_label} ({old.get('created', '?')})"]
    common = [w for w in new.get("workloads", {}) if w in old.get("workloads", {})]
    if not common:
        return "\n".join(lines + ["", "No workload in common with the earlier results."])
    for name in common:
        ow, nw = old["workloads"][name], new["workloads"][name]
        unit = nw.get("unit", "")
        lines += [
            "",
            f"**{name}**",
            "",
            "| candidate / ratio | old | new | change |",
            "|---|---:|---:|---:|",
        ]
        for cname, c in nw.get("candidates", {}).items():
            oc = ow.get("candidates", {}).get(cname)
            if oc is None or oc.get("median") is None or c.get("median") is None:
                continue
            lines.append(
                f"| {cname} (median {unit}) | {fmt_time(oc['median'])} | {fmt_time(c['median'])} "
                f"| {_pct(oc['median'], c['median'])} |"
            )
        for rname, r in nw.get("ratios", {}).items():
            orr = ow.get("ratios", {}).get(rname)
            if orr is None or orr.get("median") is None or r.get("median") is None:
                continue
            lines.append(
                f"| {rname} ({_ratio_direction(r)}) | {_fmt_ratio(orr['median'])} | "
                f"{_fmt_ratio(r['median'])} "
                f"| {_pct(orr['median'], r['median'])} |"
            )
    return "\n".join(lines)


def load_results(path: str) -> dict:
    """Read an earlier run's JSON; ValueError naming the file and the first bad entry if it is
    not a tapegrad benchmark result (checked before any benchmark runs)."""
    with open(path, encoding="utf-8") as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(data, dict) or not isinstance(data.get("workloads"), dict):
        raise ValueError(f"{path}: not a tapegrad benchmark results file (no 'workloads')")
    for name, w in data["workloads"].items():
        if not isinstance(w, dict):
            raise ValueError(f"{path}: workload {name!r} is not an object")
        for part in ("candidates", "ratios"):
            entries = w.get(part, {})
            if not isinstance(entries, dict):
                raise ValueError(f"{path}: workload {name!r}: {part!r} is not an object")
            for key, e in entries.items():
                median = e.get("median") if isinstance(e, dict) else "bad"
                if median is not None and (
                    isinstance(median, bool) or not isinstance(median, (int, float))
                ):
                    raise ValueError(
                        f"{path}: workload {name!r}, {part[:-1]} {key!r}: expected an object "
                        "with a numeric 'median'"
                    )
    return data


def write_results(results: dict, markdown: str, out_dir: str) -> dict[str, str]:
    """Write ``results-<timestamp>.json/.md`` and ``latest.json/.md`` to ``out_dir``.

    Returns the paths written, keyed ``json``, ``md``, ``latest_json``, ``latest_md``.
    """
    os.makedirs(out_dir, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    text = json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n"
    paths = {
        "json": os.path.join(out_dir, f"results-{stamp}.json"),
        "md": os.path.join(out_dir, f"results-{stamp}.md"),
        "latest_json": os.path.join(out_dir, "latest.json"),
        "latest_md": os.path.join(out_dir, "latest.md"),
    }
    for key, content in (("json", text), ("md", markdown)):
        for path in (paths[key], paths["latest_" + key]):
            with open(path, "w", encoding="utf-8") as f:
                f.write(content)
    return paths
