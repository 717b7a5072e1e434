"""Distances and normalisation: cosine_similarity, pairwise_distance, pdist, normalize.

PyTorch's formulas, kinks included:

* ``pairwise_distance(x1, x2) = ||x1 - x2 + eps||_p`` over the last dim (eps is added to the
  difference, not used as a floor), with the norm's gradient (0 at a zero vector; ties of |x|
  share it for p = inf).
* ``cosine_similarity = sum((x1 / max(||x1||, eps)) * (x2 / max(||x2||, eps)))``: each input is
  scaled by its own clamped norm, so the result stays in [-1, 1] and the product of the norms
  is never formed (no overflow). As in PyTorch the clamp only changes the value: the gradient
  flows through the norm as if unclamped.
* ``normalize(x) = x / max(||x||_p, eps)``; here the clamp is an ordinary op (gradient 0 through
  the denominator where the norm is below eps). Complex x is divided by the norm of |x|.
* ``pdist``: the distances between the rows of an (N, M) matrix; for p = inf each |difference|
  equal to the distance gets the whole gradient (PyTorch's pdist rule; ``pairwise_distance``
  splits it).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

import autograd as ag
from autograd import Function, ShapeError
from autograd.amp import _active as _amp_on
from autograd.amp import _tls as _amp
from autograd.amp import autocast_call as _autocast
from autograd.ops._dims import norm_dim
from autograd.tensor import Tensor
from backends import array_module

__all__ = ["cosine_similarity", "pairwise_distance", "pdist", "normalize"]


def _raw(v):
    return v._data if isinstance(v, Tensor) else v


def _tensor_arg(op, name, v):
    if not isinstance(v, Tensor) and not hasattr(v, "dtype"):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(v).__name__}")
    return tuple(v.shape)


def _p_arg(op, p):
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or math.isnan(p):
        raise TypeError(f"{op}: p must be a real number, got {p!r}")
    return float(p)


def _float_pair(op, x1, x2):
    """x1 and x2 in a common float dtype: an integer (or bool) input is cast to the other's
    float dtype, or both to the default float dtype (PyTorch's promotion for these ops)."""
    k1, k2 = _raw(x1).dtype.kind, _raw(x2).dtype.kind
    if k1 == "c" or k2 == "c":
        raise TypeError(f"{op}: complex inputs are not supported")
    if k1 != "f" and k2 != "f":
        dt = ag.get_default_dtype()
        return ag.cast(x1, dt), ag.cast(x2, dt)
    if k1 != "f":
        x1 = ag.cast(x1, _raw(x2).dtype)
    if k2 != "f":
        x2 = ag.cast(x2, _raw(x1).dtype)
    return x1, x2


def _broadcast(op, s1, s2):
    try:
        return tuple(np.broadcast_shapes(s1, s2))
    except ValueError:
        raise ShapeError(f"{op}: x1 shape {s1} and x2 shape {s2} are not broadcastable") from None


class ClampMinValueOnly(Function):
    """y = max(x, lo) in value, but dy/dx = 1 everywhere: the clamp PyTorch applies under
    ``no_grad`` to a clone (cosine_similarity's norms, gaussian_nll_loss's variance)."""

    __slots__ = ()

    def forward(self, x, lo):
        return np.maximum(x, x.dtype.type(lo))

    def backward(self, gy):
        return gy, None


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    """||x1 - x2 + eps||_p over the last dimension of the broadcast shape.

    x1, x2: broadcastable, e.g. (N, D) and (N, D) or (D,) -> (N,) ((N, 1) with keepdim);
    0-d inputs give a 0-d distance. p: any real (2, 1, inf, 0 counts non-zeros, fractional and
    negative p as torch.norm). Integer inputs are promoted to float.
    """
    op = "pairwise_distance"
    s1, s2 = _tensor_arg(op, "x1", x1), _tensor_arg(op, "x2", x2)
    _broadcast(op, s1, s2)
    p = _p_arg(op, p)
    x1, x2 = _float_pair(op, x1, x2)
    return ag.norm(x1 - x2 + eps, p, -1, keepdim)


def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8):
    """Cosine of the angle between x1 and x2 along ``dim``, in [-1, 1].

    x1, x2: broadcastable, e.g. (N, D) and (N, D) -> (N,) for dim=1. Computed as
    sum((x1 / max(||x1||, eps)) * (x2 / max(||x2||, eps))) along ``dim`` (PyTorch's current
    formula); the clamp changes the value only, not the gradient path. Integer inputs are
    promoted to float.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(cosine_similarity, x1, x2, dim, eps)
    op = "cosine_similarity"
    s1, s2 = _tensor_arg(op, "x1", x1), _tensor_arg(op, "x2", x2)
    shape = _broadcast(op, s1, s2)
    d = norm_dim(dim, len(shape), op)
    x1, x2 = _float_pair(op, x1, x2)
    if s1 != shape:
        x1 = ag.broadcast_to(x1, shape)
    if s2 != shape:
        x2 = ag.broadcast_to(x2, shape)
    n1 = ClampMinValueOnly.apply(ag.norm(x1, 2, d, keepdim=True), eps)
    n2 = ClampMinValueOnly.apply(ag.norm(x2, 2, d, keepdim=True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(d)


def normalize(input, p: float = 2.0, dim: int = 1, eps: float = 1e-12):
    """input / max(||input||_p, eps) along ``dim``: unit p-norm slices. Returns input's shape
    and dtype.

    input: a float or complex tensor of any shape with a ``dim`` (IndexError otherwise); a
    complex input is divided by the (real) p-norm of its moduli |z|, as in PyTorch.
    """
    op = "normalize"
    shape = _tensor_arg(op, "input", input)
    p = _p_arg(op, p)
    d = norm_dim(dim, len(shape), op)
    if _raw(input).dtype.kind not in "fc":
        raise TypeError(
            f"{op}: expected a floating point tensor, got dtype {_raw(input).dtype} (complex "
            "tensors are accepted too)"
        )
    return input / ag.clamp(ag.norm(input, p, d, keepdim=True), min=eps)


class PdistInf(Function):
    """y_k = max_m |d_km| over the rows of d (K, M); dy/dd = sign(d) where |d| == y (each tied
    element gets the whole gradient, PyTorch's pdist rule), else 0."""

    __slots__ = ()
    save_inputs = (0,)
    save_output = True

    def forward(self, d):
        return np.abs(d).max(axis=1)

    def backward(self, gy):
        d, y = self.saved
        hit = ag.abs(d) == y.reshape((-1, 1))
        return gy.reshape((-1, 1)) * (ag.sign(d) * hit)


def pdist(input, p: float = 2):
    """The p-norm distances between every pair of rows i < j of ``input`` (N, M), in the order
    (0, 1), (0, 2), ..., (1, 2), ...: shape (N * (N - 1) / 2,). p >= 0 (inf allowed).

    Gradient 0 for a pair at distance 0 (as PyTorch).
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(pdist, input, p)
    op = "pdist"
    shape = _tensor_arg(op, "input", input)
    if len(shape) != 2:
        raise ShapeError(f"{op}: only supports 2D tensors, got: {len(shape)}D (shape {shape})")
    if _raw(input).dtype.kind != "f":
        raise TypeError(f"{op}: only supports floating-point dtypes, got {_raw(input).dtype}")
    p = _p_arg(op, p)
    if p < 0:
        raise ValueError(f"{op}: only supports non-negative p values, got p={p}")
    n, m = shape
    xp = array_module(_raw(input))
    i, j = np.triu_indices(n, 1)
    if xp is not np:
        i, j = xp.asarray(i), xp.asarray(j)
    diff = ag.index_select(input, 0, i) - ag.index_select(input, 0, j)
    if p == math.inf and m and len(i):
        return PdistInf.apply(diff)
    return ag.norm(diff, p if p != math.inf else 1.0, 1)
