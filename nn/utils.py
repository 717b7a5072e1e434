"""Regularisation and parameter helpers: norm penalties, gradient clipping, flat vectors.

Gradient clipping lives in ``optim.clip`` (optimisers need it without ``nn``) and is re-exported
here under PyTorch's names.

``parameters`` arguments accept a Module, a single Tensor, or an iterable of Tensors.

``nn.utils.rnn`` (``nn/rnn_utils.py``) holds ``pad_sequence``, as ``torch.nn.utils.rnn``.
"""

from __future__ import annotations

import autograd as ag
from autograd import ShapeError
from autograd.tensor import Tensor
from optim.clip import clip_grad_norm_, clip_grad_value_, get_total_norm

from . import rnn_utils as rnn

__all__ = [
    "l1_penalty",
    "l2_penalty",
    "clip_grad_norm_",
    "clip_grad_value_",
    "get_total_norm",
    "parameters_to_vector",
    "vector_to_parameters",
    "num_parameters",
    "rnn",
]


def _params(parameters) -> list:
    from .module import Module

    if isinstance(parameters, Module):
        return list(parameters.parameters())
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def l1_penalty(parameters):
    """sum_p sum |p|: the L1 norm penalty (differentiable; gradient sign(p), 0 at 0).

    Add ``lam * l1_penalty(model)`` to the loss for lasso-style sparsity. Returns a 0-d tensor.
    """
    ps = _params(parameters)
    if not ps:
        return ag.tensor(0.0)
    total = ag.abs(ps[0]).sum()
    for p in ps[1:]:
        total = total + ag.abs(p).sum()
    return total


def l2_penalty(parameters):
    """sum_p sum p^2: the squared L2 norm penalty (differentiable; gradient 2p).

    ``lam / 2 * l2_penalty(model)`` is the classic weight-decay term (gradient lam * p).
    Returns a 0-d tensor.
    """
    ps = _params(parameters)
    if not ps:
        return ag.tensor(0.0)
    total = (ps[0] * ps[0]).sum()
    for p in ps[1:]:
        total = total + (p * p).sum()
    return total


def parameters_to_vector(parameters) -> Tensor:
    """All parameters flattened and concatenated: a 1-D tensor of length sum(p.numel()).

    Differentiable (gradients flow back to each parameter).
    """
    ps = _params(parameters)
    if not ps:
        raise ValueError("parameters_to_vector: no parameters given")
    dev = ps[0].device
    for p in ps[1:]:
        if p.device != dev:
            raise RuntimeError(
                f"parameters_to_vector: found two parameters on different devices: {dev} and "
                f"{p.device}"
            )
    return ag.cat([ag.reshape(p, (-1,)) for p in ps])


def vector_to_parameters(vec, parameters) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into each parameter in place (shapes kept).

    vec: (sum(p.numel()),). The length is checked before anything is written.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected vec to be a Tensor, but got: {type(vec).__name__}")
    ps = _params(parameters)
    n = sum(p.numel() for p in ps)
    if vec.ndim != 1 or vec.shape[0] != n:
        raise ShapeError(
            f"vector_to_parameters: vec has shape {tuple(vec.shape)}, but the parameters have "
            f"{n} elements in total"
        )
    v = vec._data
    pos = 0
    with ag.no_grad():
        for p in ps:
            k = p.numel()
            p.copy_(Tensor(v[pos : pos + k].reshape(p.shape)))
            pos += k


def num_parameters(module_or_params, trainable_only: bool = False) -> int:
    """The number of scalar parameters, ``sum(p.numel())``; ``trainable_only``: requiring grad."""
    return sum(
        p.numel() for p in _params(module_or_params) if p.requires_grad or not trainable_only
    )
