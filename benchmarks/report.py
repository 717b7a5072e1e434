"""Results as markdown (stdout and a file) and JSON, and the change against an earlier run.

The JSON layout (``SCHEMA``)::

    {"schema", "created", "command", "config": {...}, "machine": {...},
     "workloads": {name: {"description", "device", "unit", "units_per_call", "params", "notes",
                          "check": {"ok", "detail"} | null, "wall_s",
                          "candidates": {name: {"impl", "mode", "status": "ok" | "skipped",
                                                "skip_reason", "median", "min", "max", "mean",
                                                "stdev", "rounds", "inner_calls", "samples"}},
                          "ratios": {name: {"numerator", "denominator", "target", "median",
                                            "min", "meets_target", "skip_reason"}}}},
     "skipped": {workload name: reason}}

Times are in the workload's ``unit`` (e.g. µs/op); ratios are plain numbers (lower is better).
"""

from __future__ import annotations

import json
import os
from datetime import datetime

__all__ = [
    "SCHEMA",
    "fmt_time",
    "format_markdown",
    "format_workload",
    "format_compare",
    "load_results",
    "write_results",
]

SCHEMA = "tapegrad-bench/1"


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


def _fmt_ratio(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}x"


def _status(r: dict) -> str:
    if r.get("median") is None:
        return "skipped"
    if r.get("target") is None:
        return ""
    return "meets" if r.get("meets_target") else "**misses**"


def format_workload(name: str, w: dict) -> str:
    """Markdown for one workload: the candidates' times and the ratios (with their targets)."""
    unit = w["unit"]
    lines = [f"### {name} ({w['device']})", "", w["description"], ""]
    lines += [
        f"| candidate | median {unit} | min {unit} | mean ± sd {unit} | rounds × calls |",
        "|---|---:|---:|---:|---:|",
    ]
    skipped: dict[str, list[str]] = {}  # reason -> candidate names
    for cname, c in w["candidates"].items():
        if c["status"] != "ok":
            skipped.setdefault(c["skip_reason"], []).append(cname)
            lines.append(f"| {cname} | skipped | | | |")
            continue
        lines.append(
            f"| {cname} | {fmt_time(c['median'])} | {fmt_time(c['min'])} | "
            f"{fmt_time(c['mean'])} ± {fmt_time(c['stdev'])} | {c['rounds']} × {c['inner_calls']} |"
        )
    if w["ratios"]:
        lines += [
            "",
            "| ratio (lower is better) | of medians | of mins | target | status |",
            "|---|---:|---:|---:|---|",
        ]
        for rname, r in w["ratios"].items():
            target = "" if r["target"] is None else f"<= {r['target']:.1f}x"
            lines.append(
                f"| {rname} | {_fmt_ratio(r['median'])} | {_fmt_ratio(r['min'])} | {target} | "
                f"{_status(r)} |"
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
        f"interleaved round-robin; samples of >= {config.get('min_sample_s')} s"
        + (" (--quick)" if config.get("quick") else ""),
    ]
    if "gpu" in m:
        lines.append(f"- GPU: {m['gpu'] or 'none (' + m.get('gpu_skip_reason', '') + ')'}")
    return lines


def format_markdown(results: dict, compare_md: str | None = None) -> str:
    """The whole run as a markdown document (what is printed and written to ``results.md``)."""
    lines = [f"## tapegrad benchmarks, {results['created']}", ""]
    lines += _machine_lines(results["machine"], results["config"])
    for name, w in results["workloads"].items():
        lines += ["", format_workload(name, w)]
    if results.get("skipped"):
        lines += ["", "Skipped workloads:"]
        lines += [f"- {name}: {reason}" for name, reason in results["skipped"].items()]
    if compare_md:
        lines += ["", compare_md]
    return "\n".join(lines) + "\n"


def _pct(old: float | None, new: float | None) -> str:
    if not old or new is None:
        return "–"
    return f"{(new / old - 1) * 100:+.1f}%"


def format_compare(old: dict, new: dict, old_label: str = "old") -> str:
    """Markdown: per workload, each candidate's median and each ratio, old vs new, and the change.

    Negative changes are faster (times) or closer to the floor (ratios).
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
                f"| {rname} | {_fmt_ratio(orr['median'])} | {_fmt_ratio(r['median'])} "
                f"| {_pct(orr['median'], r['median'])} |"
            )
    return "\n".join(lines)


def load_results(path: str) -> dict:
    """Read an earlier run's JSON; ValueError if it is not a tapegrad benchmark result."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, dict) or "workloads" not in data:
        raise ValueError(f"{path}: not a tapegrad benchmark results file (no 'workloads')")
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
