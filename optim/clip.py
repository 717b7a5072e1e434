"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_`` (in place on ``.grad``)."""

from __future__ import annotations

import math

import numpy as np

from autograd.tensor import Tensor
from backends import array_module

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p._grad._data for p in parameters if p._grad is not None]


def _norm(a, norm_type: float) -> float:
    xp = array_module(a)
    if a.size == 0:
        return 0.0
    if norm_type == math.inf:
        return float(xp.abs(a).max())
    flat = a.reshape(-1)
    if norm_type == 2.0:
        return math.sqrt(float(xp.dot(flat, flat)))
    if norm_type == 1.0:
        return float(xp.abs(flat).sum())
    return float((xp.abs(flat) ** norm_type).sum()) ** (1.0 / norm_type)


def clip_grad_norm_(
    parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False
) -> Tensor:
    """Scale the gradients of ``parameters`` in place so their joint norm is at most ``max_norm``.

    parameters: a Tensor or an iterable of Tensors (those with ``.grad`` None are skipped).
    norm_type: the p of the p-norm (``math.inf`` for the max norm); the joint norm is the norm of
    the per-parameter norms, as if all gradients were one vector. Gradients are multiplied by
    ``max_norm / (total_norm + 1e-6)`` when that is below 1 (PyTorch's rule).
    error_if_nonfinite: raise RuntimeError, changing nothing, if the joint norm is NaN or Inf.
    Returns the joint norm before clipping, as a 0-d float64 Tensor.
    """
    norm_type = float(norm_type)
    if not norm_type > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be > 0, got {norm_type}")
    grads = _grads(parameters)
    if not grads:
        return Tensor(np.asarray(0.0))
    norms = [_norm(g, norm_type) for g in grads]
    if norm_type == math.inf:
        total = max(norms)
    else:
        total = math.fsum(n**norm_type for n in norms) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is {total}, "
            "so they cannot be clipped. Set error_if_nonfinite=False to scale them anyway."
        )
    coef = float(max_norm) / (total + 1e-6)
    if coef < 1.0:
        for g in grads:
            g *= coef
    return Tensor(np.asarray(total, dtype=np.float64))


def clip_grad_value_(parameters, clip_value: float) -> None:
    """Clamp every gradient element of ``parameters`` to ``[-clip_value, clip_value]`` in place.

    parameters: a Tensor or an iterable of Tensors (those with ``.grad`` None are skipped).
    """
    clip_value = float(clip_value)
    if not clip_value >= 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for g in _grads(parameters):
        array_module(g).clip(g, -clip_value, clip_value, out=g)
