"""Helpers shared by the workloads' correctness checks."""

from __future__ import annotations

import numpy as np

__all__ = ["as_numpy", "compare", "tolerances"]


def as_numpy(a) -> np.ndarray:
    """A NumPy array from a tapegrad or torch tensor (detached, on any device) or an array
    (NumPy or CuPy)."""
    if type(a).__module__.startswith("cupy"):
        return a.get()
    if hasattr(a, "detach"):
        a = a.detach()
    if hasattr(a, "cpu") and not isinstance(a, np.ndarray):
        a = a.cpu()
    return np.asarray(a.numpy() if hasattr(a, "numpy") else a)


def tolerances(dtype) -> tuple[float, float]:
    """``(rtol, atol as a fraction of the reference's largest magnitude)`` for ``dtype``:
    loose enough for another BLAS's summation order, tight enough to catch a wrong result."""
    return (1e-3, 1e-4) if np.dtype(dtype) == np.float32 else (1e-7, 1e-10)


def compare(what: str, got, want, dtype=None, rel_norm: float | None = None) -> str | None:
    """None when ``got`` matches ``want`` (same shape, ``dtype`` if given, values within
    ``tolerances``), else a one-line description of the difference.

    rel_norm: compare ``||got - want|| / ||want||`` with this bound instead of element by
    element. For a train step through ReLUs: a pre-activation within rounding of 0 can land on
    the other side of the kink under another BLAS's summation order, which moves one unit's
    gradient for one sample (about 0.3% of the norm, measured on the MLP), while a real bug moves
    all of it.
    """
    got, want = as_numpy(got), as_numpy(want)
    if dtype is not None and got.dtype != np.dtype(dtype):
        return f"{what} has dtype {got.dtype}, expected {np.dtype(dtype)}"
    if got.shape != want.shape:
        return f"{what} has shape {got.shape}, expected {want.shape}"
    if rel_norm is not None:
        ref = float(np.linalg.norm(want.astype(np.float64)))
        err = float(np.linalg.norm(got.astype(np.float64) - want)) / (ref or 1.0)
        return None if err <= rel_norm else f"{what} differs (relative norm error {err:.2e})"
    rtol, afrac = tolerances(dtype if dtype is not None else want.dtype)
    scale = float(np.abs(want).max()) if want.size else 0.0
    if not np.allclose(got, want, rtol=rtol, atol=afrac * scale):
        err = float(np.abs(got.astype(np.float64) - want).max()) / (scale or 1.0)
        return f"{what} differs (max error {err:.2e} of max |ref|)"
    return None


def check_train_states(states: dict, keys, check_norm: float) -> tuple[bool, str]:
    """Compare one train step's results per implementation against the ``numpy floor`` entry.

    states: {impl: {"loss": float, "grads": [arrays], "params": [arrays]}}, the floor included
    (it is removed); keys: one name per gradient/parameter, for the messages. Returns
    (ok, message) for the workload's correctness check.
    """
    ref = states.pop("numpy floor")
    problems = []
    for impl, st in states.items():
        if not np.isclose(st["loss"], ref["loss"], rtol=1e-4):
            problems.append(f"{impl}: loss {st['loss']:.6g} vs the floor's {ref['loss']:.6g}")
        for kind in ("grads", "params"):
            for key, got, want in zip(keys, st[kind], ref[kind]):
                p = compare(f"{impl}: {kind[:-1]} of {key}", got, want, np.float32, check_norm)
                if p:
                    problems.append(p)
    if problems:
        return False, "; ".join(problems)
    return True, (
        "after one step from the same weights, loss, gradients and parameters match the numpy "
        f"floor's (relative norm error <= {check_norm:g}): " + ", ".join(states)
    )


def train_step_candidates(impls, build, config, flops) -> list:
    """One ``train step`` Candidate per implementation name (skipped with the build's reason).

    build(impl, config) -> (step or None, state or skip reason); flops: per step. On cuda each
    sample ends with a device synchronize.
    """
    from .devices import sync_for
    from .registry import Candidate

    out = []
    for impl in impls:
        step, state_or_reason = build(impl, config)
        out.append(
            Candidate(
                impl,
                impl.split()[0],
                "train step",
                step,
                skip_reason=state_or_reason if step is None else None,
                flops=flops,
                sync=None if step is None else sync_for(config, impl),
            )
        )
    return out
