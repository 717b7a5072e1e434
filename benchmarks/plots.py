"""PNG bar charts of a run, drawn with matplotlib (Agg backend) when it is importable.

* ``ratio_vs_torch.png``: per workload, tapegrad's cost relative to PyTorch's (time, or the
  measured quantity such as peak memory), one bar per ratio that compares a tapegrad candidate
  with a torch one; below 1 means tapegrad is cheaper. Throughput ratios are inverted so that
  every bar reads the same way.
* ``gflops.png``: GFLOP/s (from the median time) per candidate, one panel per workload whose
  candidates report flops (matmul, conv, ...), bars grouped by configuration and coloured by
  implementation.

matplotlib stays optional: without it ``write_plots`` returns the reason and nothing is drawn.
"""

from __future__ import annotations

import os

__all__ = ["write_plots", "torch_ratio_bars", "gflops_panels"]

_COLORS = {"numpy": "#7f7f7f", "tapegrad": "#1f77b4", "torch": "#ff7f0e"}


def _impl_label(impl: str) -> str:
    return "numpy floor" if impl == "numpy" else impl


def torch_ratio_bars(results: dict) -> list[tuple[str, float]]:
    """``(label, tapegrad cost / torch cost)`` for every ratio of a tapegrad candidate over a
    torch one that has a value, in run order."""
    bars = []
    for wname, w in results.get("workloads", {}).items():
        cands = w.get("candidates", {})
        for rname, r in w.get("ratios", {}).items():
            num, den = cands.get(r["numerator"], {}), cands.get(r["denominator"], {})
            if num.get("impl") != "tapegrad" or den.get("impl") != "torch":
                continue
            v = r.get("median")
            if not v:
                continue
            bars.append((f"{wname}: {rname}", 1.0 / v if r.get("higher_is_better") else v))
    return bars


def gflops_panels(results: dict) -> dict[str, dict[str, dict[str, float]]]:
    """``{workload: {group: {impl label: GFLOP/s}}}`` for workloads whose candidates report
    flops; a candidate's group is its configuration, or its mode (fwd+bwd, fwd) when it has
    none."""
    panels = {}
    for wname, w in results.get("workloads", {}).items():
        groups: dict[str, dict[str, float]] = {}
        for cname, c in w.get("candidates", {}).items():
            if c.get("gflops") is None:
                continue
            group = c.get("group") or c.get("mode") or ""
            groups.setdefault(group, {})[_impl_label(c.get("impl", cname))] = c["gflops"]
        if groups:
            panels[wname] = groups
    return panels


def write_plots(results: dict, out_dir: str) -> dict:
    """Draw the charts into ``out_dir``; ``{"files": [paths]}`` or ``{"skipped": reason}``."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception as e:  # not installed, or a broken install
        return {"skipped": f"matplotlib not importable ({type(e).__name__}: {e})"}
    os.makedirs(out_dir, exist_ok=True)
    files = []
    created = results.get("created", "")
    threads = results.get("machine", {}).get("threads", {}).get("effective")

    bars = torch_ratio_bars(results)
    if bars:
        labels = [b[0] for b in bars]
        values = [b[1] for b in bars]
        fig, ax = plt.subplots(figsize=(9, 0.32 * len(bars) + 1.6))
        colors = ["#2ca02c" if v <= 1 else "#d62728" for v in values]
        ax.barh(range(len(bars)), values, color=colors)
        ax.set_yticks(range(len(bars)), labels, fontsize=8)
        ax.invert_yaxis()
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.set_xscale("log")
        for i, v in enumerate(values):
            ax.annotate(f"{v:.2f}x", (v, i), xytext=(3, 0), textcoords="offset points",
                        va="center", fontsize=7)  # fmt: skip
        ax.set_xlabel("tapegrad / PyTorch: time (or memory); < 1 is better, log scale")
        ax.set_title(f"tapegrad relative to PyTorch ({threads} threads, {created})", fontsize=9)
        fig.tight_layout()
        path = os.path.join(out_dir, "ratio_vs_torch.png")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        files.append(path)

    panels = gflops_panels(results)
    if panels:
        fig, axes = plt.subplots(len(panels), 1, figsize=(9, 3.2 * len(panels)), squeeze=False)
        for ax, (wname, groups) in zip(axes[:, 0], panels.items()):
            impls = sorted({i for g in groups.values() for i in g}, key=_impl_order)
            width = 0.8 / max(1, len(impls))
            for k, impl in enumerate(impls):
                xs = [j + (k - (len(impls) - 1) / 2) * width for j in range(len(groups))]
                ys = [g.get(impl, 0.0) for g in groups.values()]
                color = _COLORS.get(impl.split()[0])
                ax.bar(xs, ys, width, label=impl, color=color)
            ax.set_xticks(range(len(groups)), list(groups), fontsize=8)
            ax.set_ylabel("GFLOP/s (median)")
            ax.set_title(wname, fontsize=9)
            ax.legend(fontsize=7)
        fig.suptitle(f"GFLOP/s per candidate ({threads} threads, {created})", fontsize=9)
        fig.tight_layout(rect=(0, 0, 1, 0.98))
        path = os.path.join(out_dir, "gflops.png")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        files.append(path)
    return {"files": files}


def _impl_order(label: str) -> tuple:
    order = {"numpy": 0, "tapegrad": 1, "torch": 2}
    return (order.get(label.split()[0], 3), label)
