"""Gradient clipping: ``clip_grad_norm_``, ``clip_grad_value_`` and ``get_total_norm``.

They act in place on ``.grad`` (bumping its version counter) and never record a graph.
``parameters`` may be a Module (anything with ``.parameters()``), a Tensor, or an iterable of
Tensors; ``nn.utils`` re-exports these functions under PyTorch's names.
"""

from __future__ import annotations

import math

import numpy as np

import autograd as ag
from autograd.tensor import Tensor
from backends import array_module

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm"]


def _params(parameters) -> list:
    if isinstance(parameters, Tensor):
        return [parameters]
    if callable(getattr(parameters, "parameters", None)):
        return list(parameters.parameters())
    return list(parameters)


def _norm_of(arrays, norm_type: float) -> float:
    """The norm of the concatenation of ``arrays`` (float64 accumulation)."""
    if not (norm_type > 0 or norm_type == -math.inf):
        raise ValueError(f"norm_type must be > 0 or +-inf, got {norm_type}")
    if not arrays:
        return 0.0
    if norm_type in (math.inf, -math.inf):
        # np.max/np.min, not Python's: they return NaN when any array holds one
        big = norm_type == math.inf
        parts = [
            float(array_module(a).abs(a).max() if big else array_module(a).abs(a).min())
            for a in arrays
            if a.size
        ]
        if not parts:
            return 0.0 if big else math.inf
        return float(np.max(parts) if big else np.min(parts))
    total = 0.0
    for a in arrays:
        xp = array_module(a)
        # |g| of a complex gradient is its modulus (PyTorch's vector_norm)
        a64 = xp.abs(a.astype(np.complex128 if a.dtype.kind == "c" else np.float64))
        total += float((a64**norm_type).sum()) if norm_type != 2 else float((a64 * a64).sum())
    return total ** (1.0 / norm_type)


def get_total_norm(tensors, norm_type: float = 2.0) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` taken together (as one flat vector); 0-d.

    Complex entries count by their modulus; the norm is real (float64 for complex128).
    """
    arrays = [t._data for t in _params(tensors) if t is not None]
    return ag.tensor(_norm_of(arrays, float(norm_type)), dtype=_norm_dtype(arrays))


def _norm_dtype(arrays):
    """The returned norm's dtype: the arrays' common float dtype, the real one of a complex
    dtype (float32 when there are no arrays or they are not floating)."""
    dt = np.result_type(*[a.dtype for a in arrays]) if arrays else np.dtype(np.float32)
    if dt.kind == "c":
        return np.finfo(dt).dtype
    return dt if dt.kind == "f" else np.dtype(np.float32)


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:  # fmt: skip
    """Rescale all gradients together so their joint norm is at most ``max_norm``.

    The total norm is that of all ``.grad`` tensors concatenated; if it exceeds ``max_norm``
    every gradient is multiplied by ``max_norm / (total + 1e-6)`` in place. norm_type: a
    float, or ``inf`` for the max |g|. error_if_nonfinite: raise (changing nothing) when the
    total norm is NaN or inf. Returns the total norm (before clipping) as a 0-d tensor of the
    gradients' float dtype.
    """
    max_norm = float(max_norm)
    if not max_norm >= 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    norm_type = float(norm_type)
    grads = [p.grad for p in _params(parameters) if p.grad is not None]
    total = _norm_of([g._data for g in grads], norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the gradients "
            "by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    coef = max_norm / (total + 1e-6)
    if coef < 1 or math.isnan(coef):  # a NaN norm poisons the gradients, as PyTorch
        with ag.no_grad(), np.errstate(invalid="ignore"):  # inf * 0 -> NaN, as PyTorch
            for g in grads:
                d = g._data
                d *= d.dtype.type(coef)
                if g._vc is not None:
                    g._vc[0] += 1
    return ag.tensor(total, dtype=_norm_dtype([g._data for g in grads]))


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element to [-clip_value, clip_value] in place.

    Complex gradients raise TypeError (before any gradient changes): clamping has no order to
    use there (PyTorch: "clamp is not supported for complex types").
    """
    clip_value = float(clip_value)
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    parameters = _params(parameters)
    for i, p in enumerate(parameters):
        if p.grad is not None and p.grad.dtype.kind == "c":
            raise TypeError(
                f"clip_grad_value_: parameter {i} (shape {tuple(p.shape)}) has a complex gradient "
                f"({p.grad.dtype}); clamp is not supported for complex types. Clip the norm "
                "(clip_grad_norm_) instead"
            )
    for p in parameters:
        g = p.grad
        if g is not None:
            d = g._data
            array_module(d).clip(d, -clip_value, clip_value, out=d)
            if g._vc is not None:
                g._vc[0] += 1
