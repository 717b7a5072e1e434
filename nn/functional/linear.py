"""Functional affine map, embedding lookup and one-hot encoding."""

from __future__ import annotations

import math

import numpy as np

import autograd as ag
from autograd import Function, ShapeError
from autograd.amp import _active as _amp_on
from autograd.amp import _tls as _amp
from autograd.amp import autocast_call as _autocast
from autograd.dtypes import COMPLEX
from autograd.ops.shape import GetItem, _int_index, _private, _recording, guard_index
from autograd.tensor import Tensor, _wrap
from backends import array_module, kernels

__all__ = ["linear", "bilinear", "embedding", "one_hot"]


def _raw(v):
    return v._data if isinstance(v, Tensor) else v


class Linear(Function):
    """y = x @ w^T + b in one record.

    x: (..., in); w: (out, in); b: (out,) or None. Returns (..., out).
    gx = gy @ w; gw = gy^T x (batch dims flattened); gb = gy summed over batch dims.
    Complex (y is holomorphic in x, w and b; PyTorch's convention g = gy * conj(dy/dz)):
    gx = gy @ conj(w); gw = gy^T conj(x); gb = gy.
    """

    __slots__ = ()
    complex_ok = True
    save_inputs = (0, 1)

    def forward(self, x, w, b):
        y = kernels(x).matmul(x, w.T)
        if b is not None:
            if b.dtype == y.dtype:
                y += b  # y is this op's own fresh product: add in place, no second array
            else:
                y = y + b
        return y

    def backward(self, gy):
        x, w = self.saved
        if self.odtype in COMPLEX:
            x, w = ag.conj(x), ag.conj(w)
        gx = gw = gb = None
        if self.needs_grad(0):
            gx = self.reduce_grad(0, ag.matmul(gy, w))
        if self.needs_grad(1):
            out_f, in_f = w.shape
            rows = math.prod(x.shape[:-1])  # not -1: ambiguous when a size is 0
            gw = ag.matmul(gy.reshape(rows, out_f).T, x.reshape(rows, in_f))
            gw = self.reduce_grad(1, gw)
        if self.needs_grad(2):
            gb = self.reduce_grad(2, gy)
        return gx, gw, gb


def linear(input, weight, bias=None):
    """y = input @ weight^T + bias.

    input: (..., in) (or (in,)); weight: (out, in); bias: (out,) or None. Returns (..., out).
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(linear, input, weight, bias)
    w = _raw(weight)
    x = _raw(input)
    if w.ndim != 2:
        raise ShapeError(f"linear: weight must be 2-D (out, in), got shape {tuple(w.shape)}")
    if x.ndim == 0 or x.shape[-1] != w.shape[1]:
        raise ShapeError(
            f"linear: input shape {tuple(x.shape)} and weight shape {tuple(w.shape)} don't "
            f"match: expected input with last dimension {w.shape[1]}"
        )
    if bias is not None and tuple(_raw(bias).shape) not in ((w.shape[0],), (), (1,)):
        raise ShapeError(
            f"linear: bias shape {tuple(_raw(bias).shape)} doesn't match weight shape "
            f"{tuple(w.shape)}: expected ({w.shape[0]},)"
        )
    check_dtypes("linear", x, w, None if bias is None else _raw(bias))
    return Linear.apply(input, weight, bias)


def check_dtypes(op, x, w, b=None):
    """TypeError naming ``op`` unless input x, weight w and bias b (arrays; b may be None)
    share one dtype: as in PyTorch, a layer does not promote (a float64 batch into a float32
    layer is a mistake to report, not a silent float64 result with float32 gradients)."""
    if x.dtype != w.dtype or (b is not None and b.dtype != w.dtype):
        bias = "" if b is None else f", bias {b.dtype}"
        raise TypeError(
            f"{op}: input dtype {x.dtype} and weight dtype {w.dtype}{bias} differ; convert "
            "the input (x.to(dtype)) or the layer (module.to(dtype))"
        )


def bilinear(input1, input2, weight, bias=None):
    """y_k = x1^T W_k x2 + b_k.

    input1: (..., in1); input2: (..., in2); weight: (out, in1, in2); bias: (out,) or None.
    Returns (..., out).
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(bilinear, input1, input2, weight, bias)
    w = _raw(weight)
    x1, x2 = _raw(input1), _raw(input2)
    if w.ndim != 3 or x1.shape[-1] != w.shape[1] or x2.shape[-1] != w.shape[2]:
        raise ShapeError(
            f"bilinear: input shapes {tuple(x1.shape)} and {tuple(x2.shape)} don't match weight "
            f"shape {tuple(w.shape)} (expected (out, in1, in2))"
        )
    if tuple(x1.shape[:-1]) != tuple(x2.shape[:-1]):
        raise ShapeError(
            f"bilinear: input shapes {tuple(x1.shape)} and {tuple(x2.shape)} must agree in every "
            "dimension but the last"
        )
    check_dtypes("bilinear", x1, w, None if bias is None else _raw(bias))
    check_dtypes("bilinear", x2, w)
    y = ag.einsum("...i,kij,...j->...k", input1, weight, input2)
    return y if bias is None else y + bias


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0):
    """Look up rows of ``weight``: out[..., :] = weight[input[...], :].

    input: integer tensor of any shape (...) with values in [0, num_embeddings); weight:
    (num_embeddings, embedding_dim). Returns (..., embedding_dim). Rows at ``padding_idx`` get no
    gradient. ``max_norm``: rows looked up are first renormalised in place to norm <= max_norm.
    """
    idx = _raw(input)
    w = _raw(weight)
    if not hasattr(idx, "dtype") or idx.dtype.kind not in "iu":
        idx = np.asarray(idx)
        if idx.dtype.kind not in "iu":
            raise TypeError(f"embedding: indices must be an integer tensor, got dtype {idx.dtype}")
    if w.ndim != 2:
        raise ShapeError(f"embedding: weight must be 2-D, got shape {tuple(w.shape)}")
    n = w.shape[0]
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= n:
            raise IndexError(
                f"embedding: index {lo if lo < 0 else hi} is out of range for an embedding "
                f"with {n} rows (valid: 0 to {n - 1})"
            )
    if padding_idx is not None:
        padding_idx = int(padding_idx)
        if padding_idx < 0:
            padding_idx += n
        if not 0 <= padding_idx < n:
            raise IndexError(f"embedding: padding_idx must be within the {n} rows")
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    # weight's rows at flat (index_select's record): input's version is checked at backward
    # (a Tensor), or the record has a copy of it (a raw array), so a later in-place change to
    # input can't move the gradient
    flat = _private(_int_index(idx.reshape(-1), weight, "embedding"), input, _recording(weight))
    out = guard_index(GetItem.apply(weight, (flat,)), "embedding", input)
    out = out.reshape(tuple(idx.shape) + (w.shape[1],))
    if padding_idx is not None and isinstance(out, Tensor) and out.requires_grad:
        xp = array_module(idx)
        keep = (idx != padding_idx)[..., None].astype(w.dtype)
        if not bool(xp.all(keep)):
            out = ag.where(_wrap(keep > 0, None, False), out, out.detach())
    return out


def _renorm_rows(weight, idx, max_norm, norm_type):
    w = _raw(weight)
    xp = array_module(w)
    rows = xp.unique(idx.reshape(-1))
    sub = w[rows]
    norms = (xp.abs(sub) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(w.dtype)
    with ag.no_grad():
        w[rows] = sub * scale[:, None]
        if isinstance(weight, Tensor) and weight._vc is not None:
            weight._vc[0] += 1


def one_hot(tensor, num_classes: int = -1):
    """One-hot encode integer class indices.

    tensor: integer (...) with values in [0, num_classes); num_classes: -1 means max + 1.
    Returns int64 (..., num_classes).
    """
    idx = _raw(tensor)
    if not hasattr(idx, "dtype"):
        idx = np.asarray(idx)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected an integer tensor, got dtype {idx.dtype}")
    xp = array_module(idx)
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= num_classes):
        raise IndexError(
            f"one_hot: class values must be in [0, {num_classes}), got min {int(idx.min())} "
            f"and max {int(idx.max())}"
        )
    out = (idx[..., None] == xp.arange(num_classes)).astype(np.int64)
    return _wrap(out, None, False)
