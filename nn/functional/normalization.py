"""Normalisation: ``batch_norm``, ``instance_norm``, ``layer_norm``, ``group_norm``,
``rms_norm``, as in ``torch.nn.functional``.

All four standardise x over some axes, y = (x - mean) / sqrt(var + eps) (biased variance), then
apply an optional per-feature affine map ``y * weight + bias``. One fused op does it,
``NormAffine``, with the hand-derived backward (xhat = standardised x, g = gy * weight):

    gx = rstd * (g - mean(g) - xhat * mean(g * xhat))      means over the normalised axes
    gweight = sum(gy * xhat),  gbias = sum(gy)              over the other axes

The statistics are computed outside the op, without recording, and handed in; the backward
recomputes them with differentiable ops only when a graph of the gradient is being built
(``create_graph=True``), where they depend on x too.
"""

from __future__ import annotations

import math
import numbers
import sys

import numpy as np

import autograd as ag
from autograd import Function, ShapeError, Tensor
from autograd.amp import _active as _amp_on
from autograd.amp import _tls as _amp
from autograd.amp import autocast_call as _autocast

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm"]


class NormAffine(Function):
    """y = ((x - mean) * rstd) * weight + bias, the statistics taken over groups of x.

    x: any shape; weight, bias: broadcastable to x's shape, or None; stat_shape: x's shape
    regrouped so that ``axes`` are the normalised ones (x.reshape(stat_shape)); mean, rstd:
    (stat_shape with ``axes`` set to 1), computed by the caller; eps: used to recompute rstd
    for higher-order gradients. Returns y, x's shape.
    """

    __slots__ = ("stat_shape", "axes", "eps")
    save_inputs = (0, 1, 3, 4)

    def forward(self, x, weight, bias, mean, rstd, stat_shape, axes, eps):
        self.stat_shape, self.axes, self.eps = stat_shape, axes, eps
        y = x.reshape(stat_shape) - mean
        y *= rstd
        y = y.reshape(x.shape)
        if weight is not None:
            y *= weight
        if bias is not None:
            y += bias
        return y

    def backward(self, gy):
        x, weight, mean, rstd = self.saved
        axes, stat_shape = self.axes, self.stat_shape
        p0, p1, p2 = self.parents[:3]
        xs = x.reshape(stat_shape)
        if isinstance(x, Tensor):  # create_graph: the statistics are functions of x as well
            mean = xs.mean(axis=axes, keepdims=True)
            xc = xs - mean
            rstd = ((xc * xc).mean(axis=axes, keepdims=True) + self.eps) ** -0.5
            xhat = xc * rstd
        else:
            xhat = (xs - mean) * rstd
        gx = gw = gb = None
        if p1 is not None:
            gw = self.reduce_grad(1, gy * xhat.reshape(x.shape))
        if p2 is not None:
            gb = self.reduce_grad(2, gy)
        if p0 is not None:
            g = (gy if weight is None else gy * weight).reshape(stat_shape)
            gx = g - g.mean(axis=axes, keepdims=True)
            gx = gx - xhat * (g * xhat).mean(axis=axes, keepdims=True)
            gx = (gx * rstd).reshape(x.shape)
        return gx, gw, gb


def _moments(xs, axes):
    """Biased mean and variance of xs over axes, keepdims, not recorded."""
    with ag.no_grad():
        mean = xs.mean(axis=axes, keepdims=True)
        var = xs.var(axis=axes, keepdims=True, correction=0)
    return mean, var


def _rstd(var, eps):
    with ag.no_grad():
        return (var + eps).rsqrt()


def _update_running(running_mean, running_var, mean, var, momentum, n):
    """In place, not recorded: ``running = (1 - momentum) running + momentum batch`` for (C,)
    running statistics; mean, var: (C,) biased batch moments over n values each (the variance
    made unbiased here, as PyTorch)."""
    with ag.no_grad():
        m = float(momentum)
        running_mean.mul_(1.0 - m).add_(mean * m)
        running_var.mul_(1.0 - m).add_(var * (m * n / (n - 1)))


def _running_affine(x, running_mean, running_var, weight, bias, eps, bshape):
    """Normalisation with fixed (C,) running statistics: a per-channel affine map of x,
    recorded (gradients reach x, weight and bias)."""
    scale = (running_var + eps).rsqrt()
    if weight is not None:
        scale = scale * weight
    shift = -running_mean * scale
    if bias is not None:
        shift = shift + bias
    return x * scale.reshape(bshape) + shift.reshape(bshape)


def _float(op, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {x.dtype}")


def _check_param(op, name, p, shape, dtype):
    """ShapeError / TypeError naming ``op`` and ``name`` unless p is None or has ``shape`` and
    the input's ``dtype`` (as PyTorch, no mixing: the result and gradients keep x's dtype)."""
    if p is None:
        return
    if tuple(p.shape) != tuple(shape):
        raise ShapeError(f"{op}: {name} must have shape {tuple(shape)}, got {tuple(p.shape)}")
    if p.dtype != dtype:
        raise TypeError(
            f"{op}: {name} has dtype {p.dtype} but the input has dtype {dtype}; they must match "
            "(convert the module with .to(dtype) or the input with .to(...))"
        )


def _refuse_under_vmap(op):
    """Running statistics updated in place from inside ``vmap`` would mix every entry's batch
    (torch raises the same): refused, with the ways out."""
    func = sys.modules.get("autograd.func")
    if func is not None and func._vmapping[0]:
        raise RuntimeError(
            f"{op}: called inside vmap in training mode with running_mean/running_var, which "
            "would be updated in place once per mapped entry (torch refuses this too). Use "
            "track_running_stats=False, eval mode, or "
            "autograd.func.replace_all_batch_norm_modules_(model)"
        )


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):  # fmt: skip
    """Batch normalisation over every dim but the channels (dim 1).

    x: (N, C) or (N, C, *S); running_mean, running_var: (C,) Tensors or None; weight, bias:
    (C,) or None. training: normalise with the batch statistics and, when running statistics
    are given, update them in place:
    ``running = (1 - momentum) running + momentum batch`` (the variance unbiased, as PyTorch).
    Otherwise normalise with the running statistics. As PyTorch, the running statistics are
    both given or both None (ValueError), and given when not training (RuntimeError).
    Returns x's shape.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(
            batch_norm, x, running_mean, running_var, weight, bias, training, momentum, eps
        )
    op = "batch_norm"
    _float(op, x)
    if x.ndim < 2:
        raise ShapeError(f"{op}: expected an input of shape (N, C) or (N, C, *S), got {x.shape}")
    C = x.shape[1]
    for name, p in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):  # fmt: skip
        _check_param(op, name, p, (C,), x.dtype)
    if not training and (running_mean is None or running_var is None):
        missing = "running_mean" if running_mean is None else "running_var"
        raise RuntimeError(
            f"{op}: {missing} must be defined in evaluation mode (training=False normalises "
            "with the running statistics)"
        )
    if (running_mean is None) != (running_var is None):
        raise ValueError(
            f"{op}: running_mean and running_var must either both be None or neither be None"
        )
    bshape = (1, C) + (1,) * (x.ndim - 2)
    if training:
        axes = (0,) + tuple(range(2, x.ndim))
        n = math.prod(x.shape[i] for i in axes)
        if n <= 1:
            raise ValueError(
                f"{op}: expected more than 1 value per channel when training, got input of "
                f"shape {x.shape}"
            )
        if running_mean is not None:
            _refuse_under_vmap(op)
        mean, var = _moments(x, axes)
        if running_mean is not None:
            _update_running(running_mean, running_var, mean.reshape(C), var.reshape(C), momentum, n)
        w = None if weight is None else weight.reshape(bshape)
        b = None if bias is None else bias.reshape(bshape)
        return NormAffine.apply(x, w, b, mean, _rstd(var, eps), tuple(x.shape), axes, eps)
    return _running_affine(x, running_mean, running_var, weight, bias, eps, bshape)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):  # fmt: skip
    """Instance normalisation: each (sample, channel) of x normalised over the spatial dims S.

    input: (N, C, *S); running_mean, running_var: (C,) Tensors or None; weight, bias: (C,) or
    None. use_input_stats: normalise with each instance's own statistics (S must hold more than
    one element) and, when running statistics are given, update them in place with the
    instance statistics averaged over the batch:
    ``running = (1 - momentum) running + momentum mean_N(instance)`` (the variance unbiased, as
    PyTorch). Otherwise normalise with the running statistics, which must then be given.
    Returns input's shape. (The layers also take unbatched (C, *S) inputs; this function does
    not, as in PyTorch.)
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(instance_norm, input, running_mean, running_var, weight, bias,
                         use_input_stats, momentum, eps)  # fmt: skip
    op, x = "instance_norm", input
    _float(op, x)
    if x.ndim < 2:
        raise ShapeError(f"{op}: expected an input of shape (N, C, *S), got {x.shape}")
    N, C = x.shape[:2]
    for name, p in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):  # fmt: skip
        _check_param(op, name, p, (C,), x.dtype)
    bshape = (1, C) + (1,) * (x.ndim - 2)
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError(
                f"{op}: running_mean and running_var must be given when use_input_stats is False"
            )
        return _running_affine(x, running_mean, running_var, weight, bias, eps, bshape)
    n = math.prod(x.shape[2:])
    if n == 1:
        raise ValueError(
            f"{op}: expected more than 1 spatial element when training, got input of shape "
            f"{x.shape}"
        )
    stat_shape = (N, C, n)
    mean, var = _moments(x.reshape(stat_shape), (2,))
    if running_mean is not None and running_var is not None:
        with ag.no_grad():
            bmean, bvar = mean.reshape(N, C).mean(axis=0), var.reshape(N, C).mean(axis=0)
        _update_running(running_mean, running_var, bmean, bvar, momentum, n)
    w = None if weight is None else weight.reshape(bshape)
    b = None if bias is None else bias.reshape(bshape)
    return NormAffine.apply(x, w, b, mean, _rstd(var, eps), stat_shape, (2,), eps)


def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalisation over the trailing dims ``normalized_shape``.

    x: (*, *normalized_shape); weight, bias: normalized_shape or None. Returns x's shape.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(layer_norm, x, normalized_shape, weight, bias, eps)
    op = "layer_norm"
    _float(op, x)
    if isinstance(normalized_shape, numbers.Integral):
        normalized_shape = (int(normalized_shape),)
    normalized_shape = tuple(int(s) for s in normalized_shape)
    k = len(normalized_shape)
    if k == 0 or x.ndim < k or tuple(x.shape[x.ndim - k :]) != normalized_shape:
        raise ShapeError(
            f"{op}: input of shape {x.shape} does not end with normalized_shape {normalized_shape}"
        )
    _check_param(op, "weight", weight, normalized_shape, x.dtype)
    _check_param(op, "bias", bias, normalized_shape, x.dtype)
    axes = tuple(range(x.ndim - k, x.ndim))
    mean, var = _moments(x, axes)
    return NormAffine.apply(x, weight, bias, mean, _rstd(var, eps), tuple(x.shape), axes, eps)


def _normalized_shape(op, x, normalized_shape):
    """normalized_shape as a tuple of ints; ShapeError naming ``op`` unless it is non-empty and
    x's shape ends with it."""
    if isinstance(normalized_shape, numbers.Integral):
        normalized_shape = (int(normalized_shape),)
    normalized_shape = tuple(int(s) for s in normalized_shape)
    k = len(normalized_shape)
    if k == 0:
        raise ShapeError(f"{op}: normalized_shape must have at least one dim, got ()")
    if x.ndim < k or tuple(x.shape[x.ndim - k :]) != normalized_shape:
        raise ShapeError(
            f"{op}: input of shape {x.shape} does not end with normalized_shape {normalized_shape}"
        )
    return normalized_shape


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Root-mean-square normalisation over the trailing dims ``normalized_shape``:
    ``y = x * rsqrt(mean(x * x) + eps) * weight``, the mean over those dims (no centring, no
    bias).

    input: (*, *normalized_shape), floating point; weight: normalized_shape or None (same dtype
    as input); eps: None for ``finfo(input.dtype).eps``. Returns input's shape and dtype.
    Composed of differentiable ops, so higher-order gradients work.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(rms_norm, input, normalized_shape, weight, eps)
    op, x = "rms_norm", input
    _float(op, x)
    normalized_shape = _normalized_shape(op, x, normalized_shape)
    _check_param(op, "weight", weight, normalized_shape, x.dtype)
    if eps is None:
        eps = float(np.finfo(x.dtype).eps)
    axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    y = x * ((x * x).mean(axis=axes, keepdims=True) + eps).rsqrt()
    return y if weight is None else y * weight


def group_norm(x, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalisation: the C channels in num_groups groups, each normalised over its
    channels and the spatial dims, per sample.

    x: (N, C, *S) with C divisible by num_groups; weight, bias: (C,) or None. Returns x's shape.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(group_norm, x, num_groups, weight, bias, eps)
    op = "group_norm"
    _float(op, x)
    if x.ndim < 2:
        raise ShapeError(f"{op}: expected an input of shape (N, C, *S), got {x.shape}")
    N, C = x.shape[:2]
    G = int(num_groups)
    if G < 1 or C % G:
        raise ValueError(
            f"{op}: num_groups={num_groups} must divide the {C} channels of input {x.shape}"
        )
    _check_param(op, "weight", weight, (C,), x.dtype)
    _check_param(op, "bias", bias, (C,), x.dtype)
    stat_shape = (N, G, math.prod(x.shape) // max(1, N * G))
    mean, var = _moments(x.reshape(stat_shape), (2,))
    bshape = (1, C) + (1,) * (x.ndim - 2)
    w = None if weight is None else weight.reshape(bshape)
    b = None if bias is None else bias.reshape(bshape)
    return NormAffine.apply(x, w, b, mean, _rstd(var, eps), stat_shape, (2,), eps)
