"""Helpers the examples share: the common flags, a headless pyplot, and the JSON report."""

from __future__ import annotations

import argparse
import json
import math
import pathlib


def parser(doc: str, name: str) -> argparse.ArgumentParser:
    """An argument parser with the flags every example takes.

    doc: the example's module docstring (its first line becomes the description).
    name: the example's name; ``--out`` defaults to ``runs/<name>``.
    Flags: ``--quick`` (a tiny setting for smoke tests), ``--out DIR``, ``--seed N``.
    """
    ap = argparse.ArgumentParser(
        prog=f"python -m examples.{name}",
        description=doc.strip().splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    ap.add_argument("--quick", action="store_true", help="tiny setting (seconds; for CI)")
    ap.add_argument(
        "--out",
        type=pathlib.Path,
        default=pathlib.Path("runs") / name,
        help="folder for the plots and the JSON report",
    )
    ap.add_argument("--seed", type=int, default=0, help="random seed")
    return ap


def pyplot():
    """``matplotlib.pyplot`` on the non-interactive Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: pathlib.Path) -> pathlib.Path:
    """Write ``fig`` to ``path`` (PNG, parents created), close it, and return the path."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    fig.clf()
    pyplot().close(fig)
    return path


def _jsonable(v):
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, pathlib.Path):
        return str(v)
    if hasattr(v, "item") and getattr(v, "ndim", 1) == 0:
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)  # JSON has no NaN/Inf
    return v


def write_json(path: pathlib.Path, results: dict) -> pathlib.Path:
    """Write ``results`` (numbers, strings, paths, nested lists/dicts) as JSON; returns the path."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_jsonable(results), indent=2) + "\n")
    return path
