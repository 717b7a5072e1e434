"""Helpers shared by the workloads' correctness checks."""

from __future__ import annotations

import numpy as np

__all__ = ["as_numpy", "compare", "tolerances"]


def as_numpy(a) -> np.ndarray:
    """A NumPy array from a tapegrad or torch tensor (detached) or an array."""
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
