"""Margin, embedding and likelihood losses with PyTorch's formulas, re-exported by ``loss``.

reduction = ``'mean'`` | ``'sum'`` | ``'none'`` as in ``nn.functional.loss``. As there, a target
that should have the input's shape must have it exactly (a ShapeError names both shapes; PyTorch
would broadcast). Subgradients follow PyTorch: the multi-class hinges (multi_margin_loss,
multilabel_margin_loss) count a term only where ``margin - x[y] + x[i] > 0`` strictly (gradient
0 on the kink), while the losses PyTorch builds from ``clamp_min(., 0)`` (margin_ranking,
hinge_embedding, cosine_embedding, the triplet losses) pass the gradient at exactly 0.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

import autograd as ag
from autograd import ShapeError
from autograd.amp import _active as _amp_on
from autograd.amp import _tls as _amp
from autograd.amp import autocast_call as _autocast
from autograd.tensor import Tensor, _wrap
from backends import array_module

from .activation import logsigmoid
from .distance import ClampMinValueOnly, pairwise_distance
from .loss import _check_float, _check_reduction, _check_same, _raw, _reduce, _shape

__all__ = [
    "multi_margin_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "soft_margin_loss",
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "cosine_embedding_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
    "poisson_nll_loss",
    "gaussian_nll_loss",
]

_COSINE_EPS = 1e-12  # PyTorch's EPSILON in cosine_embedding_loss


def _is_number(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _on_device(a, like):
    """Array ``a`` on the device of the array ``like`` (host data copied to a GPU)."""
    if type(a) is type(like):
        return a
    return array_module(like).asarray(a)


def _float_operand(v, like):
    """``v`` as a float operand for ``like`` (the input): numbers stay numbers, float tensors
    pass (tensor-tensor promotion, as in ``loss``), integer/bool tensors and any array or list
    become constants of like's dtype on like's device (a constant never widens the input)."""
    if isinstance(v, Tensor):
        return v if v.dtype.kind == "f" else ag.cast(v, _raw(like).dtype)
    if _is_number(v):
        return float(v)
    raw = _raw(like)
    arr = v if hasattr(v, "dtype") else np.asarray(v)
    return _wrap(_on_device(arr.astype(raw.dtype, copy=False), raw), None, False)


def _int_target(op, target, like):
    """The raw integer target on like's device; TypeError for a non-integer dtype."""
    t = _raw(target)
    if not hasattr(t, "dtype"):
        t = np.asarray(t)
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"{op}: target must be an integer tensor (class indices), got dtype {t.dtype}"
        )
    return _on_device(t, _raw(like))


def _min_max(t):
    """(min, max) of a non-empty integer array, in one host read."""
    if type(t) is np.ndarray:
        return int(t.min()), int(t.max())
    lo, hi = array_module(t).stack([t.min(), t.max()]).tolist()
    return int(lo), int(hi)


def _min_max_len(t, lengths):
    """(min, max) of a non-empty integer array and the max of ``lengths``, in one host read."""
    if type(t) is np.ndarray:
        return int(t.min()), int(t.max()), int(lengths.max())
    stats = array_module(t).stack([t.min(), t.max(), lengths.max()]).astype(np.int64)
    lo, hi, k = stats.tolist()
    return int(lo), int(hi), int(k)


def _matrix_input(op, input):
    xs = _shape(input)
    if len(xs) not in (1, 2) or xs[-1] == 0:
        raise ShapeError(
            f"{op}: expected input of shape (N, C) or (C,) with C > 0 classes, got {xs}"
        )
    _check_float(op, "input", input)
    return xs, (xs[0] if len(xs) == 2 else 1), xs[-1]


# -- multi-class hinges ---------------------------------------------------------------------------


def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0, weight=None,
                      reduction: str = "mean"):  # fmt: skip
    """Multi-class hinge: per sample sum_{i != y} w[y] max(0, margin - x[y] + x[i])^p / C.

    input: (N, C) or (C,) scores; target: (N,) class indices (() or (1,) when there is one
    sample: a (C,) or (1, C) input); p: 1 or 2; weight: (C,) per-class weights (constants).
    ``'none'`` returns (N,), or () for a 0-d target (PyTorch's shapes). Gradient 0 where a
    term is exactly at its margin.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(multi_margin_loss, input, target, p, margin, weight, reduction)
    op = "multi_margin_loss"
    _check_reduction(op, reduction)
    if isinstance(p, bool) or p not in (1, 2):
        raise ValueError(f"{op}: only p == 1 and p == 2 supported, got p={p!r}")
    xs, n, c = _matrix_input(op, input)
    t = _int_target(op, target, input)
    ts = tuple(t.shape)
    if ts != (n,) and not (n == 1 and ts == ()):  # PyTorch: 0-d or 1-d with N entries
        expected = f"({n},)" if n != 1 else "() or (1,)"
        raise ShapeError(
            f"{op}: input shape {xs} needs a target of shape {expected} (one class index per "
            f"sample), got target shape {ts}"
        )
    if t.size:
        lo, hi = _min_max(t)
        if lo < 0 or hi >= c:
            raise IndexError(
                f"{op}: target {lo if lo < 0 else hi} is out of range: input shape {xs} has {c} "
                f"classes (valid targets are 0 to {c - 1})"
            )
    w = None
    if weight is not None:
        w = _raw(weight)
        w = w if hasattr(w, "shape") else np.asarray(w)
        if tuple(w.shape) != (c,):
            raise ShapeError(
                f"{op}: weight should be a 1-D tensor of size {c} (one per class), got shape "
                f"{tuple(w.shape)}"
            )
        w = _on_device(w.astype(_raw(input).dtype, copy=False), _raw(input))
    xp = array_module(_raw(input))
    t = t.reshape(n)
    x = input if len(xs) == 2 else ag.reshape(input, (1, c))
    xy = ag.gather(x, 1, t.reshape(n, 1))
    h = ag.relu((margin - xy) + x)  # PyTorch counts z = margin - x[y] + x[i] only where z > 0
    if p == 2:
        h = h * h
    if w is not None:
        h = h * w[t].reshape(n, 1)
    others = xp.arange(c).reshape(1, c) != t.reshape(n, 1)
    loss = ag.where(others, h, 0.0).sum(1) / c
    if not ts:
        loss = ag.reshape(loss, ())
    return _reduce(loss, reduction)


def multilabel_margin_loss(input, target, reduction: str = "mean"):
    """Multi-label hinge: per sample sum_{j} sum_{i not a target} max(0, 1 - x[y_j] + x[i]) / C.

    input: (N, C) or (C,); target: the same shape, integer, each row the sample's target
    classes followed by -1 (the first -1 ends the list; a class listed twice counts twice).
    ``'none'`` returns (N,) (() for a (C,) input). Costs O(N C K), K the longest target list:
    the K target scores (N, K) are compared with all C scores (N, K, C).
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(multilabel_margin_loss, input, target, reduction)
    op = "multilabel_margin_loss"
    _check_reduction(op, reduction)
    xs, n, c = _matrix_input(op, input)
    t = _int_target(op, target, input)
    if tuple(t.shape) != xs:
        raise ShapeError(
            f"{op}: target must have the input's shape {xs} (class indices padded with -1), got "
            f"target shape {tuple(t.shape)}"
        )
    xp = array_module(_raw(input))
    t = t.reshape(n, c)
    ends = t < 0
    first_end = xp.where(ends.any(axis=1), ends.argmax(axis=1), c)  # (N,): each list's length
    k = 0
    if t.size:
        lo, hi, k = _min_max_len(t, first_end)
        if lo < -1 or hi >= c:
            raise IndexError(
                f"{op}: target {lo if lo < -1 else hi} is out of range: input shape {xs} has {c} "
                f"classes (valid targets are 0 to {c - 1}, and -1 ends a sample's list)"
            )
    valid = xp.arange(k).reshape(1, k) < first_end.reshape(n, 1)  # (N, K): listed entries
    tk = xp.where(valid, t[:, :k], 0)
    # is_target (N, C): scatter the listed classes; unlisted slots go to a spare column c
    rows = xp.broadcast_to(xp.arange(n).reshape(n, 1), (n, k))
    is_target = xp.zeros((n, c + 1), dtype=bool)
    is_target[rows, xp.where(valid, tk, c)] = True
    pairs = valid[:, :, None] & ~is_target[:, None, :c]  # (N, K, C): (listed j, non-target i)
    x = input if len(xs) == 2 else ag.reshape(input, (1, c))
    xy = ag.gather(x, 1, tk)  # (N, K): the score of each listed target
    z = ag.reshape(1 - xy, (n, k, 1)) + ag.reshape(x, (n, 1, c))
    loss = ag.where(pairs, ag.relu(z), 0.0).sum((1, 2)) / c
    if len(xs) == 1:
        loss = ag.reshape(loss, ())
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, reduction: str = "mean"):
    """Multi-label one-vs-all logistic loss, averaged over the C classes:
    -(t log sigmoid(x) + (1 - t) log sigmoid(-x)) * w, summed over the last dim / C.

    input: (N, C) (any shape, classes last); target: the same shape, in [0, 1]; weight:
    broadcastable to input, e.g. (C,). ``'none'`` returns (N,) (input's shape without its last
    dim).
    """
    op = "multilabel_soft_margin_loss"
    _check_reduction(op, reduction)
    _check_same(op, input, target)
    _check_float(op, "input", input)
    xs = _shape(input)
    if not xs:
        raise ShapeError(f"{op}: input must have a class dimension, got shape ()")
    if weight is not None:
        ws = _shape(weight)
        try:
            ok = tuple(np.broadcast_shapes(ws, xs)) == xs
        except ValueError:
            ok = False
        if not ok:
            raise ShapeError(f"{op}: weight shape {ws} is not broadcastable to input shape {xs}")
        weight = _float_operand(weight, input)
    target = _float_operand(target, input)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss.sum(-1) / xs[-1], reduction)


# -- binary and pairwise margins ------------------------------------------------------------------


def soft_margin_loss(input, target, reduction: str = "mean"):
    """Two-class logistic loss log(1 + exp(-y x)), computed without overflow for any y x.

    input: any shape; target: the same shape, entries 1 or -1.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(soft_margin_loss, input, target, reduction)
    op = "soft_margin_loss"
    _check_reduction(op, reduction)
    _check_same(op, input, target)
    _check_float(op, "input", input)
    target = _float_operand(target, input)
    return _reduce(ag.softplus(-input * target, 1.0, math.inf), reduction)


def margin_ranking_loss(input1, input2, target, margin: float = 0, reduction: str = "mean"):
    """max(0, -y (x1 - x2) + margin): y = 1 ranks x1 above x2, y = -1 below.

    input1, input2, target: the same shape (e.g. (N,)). Gradient passes at exactly 0.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(margin_ranking_loss, input1, input2, target, margin, reduction)
    op = "margin_ranking_loss"
    _check_reduction(op, reduction)
    shapes = (_shape(input1), _shape(input2), _shape(target))
    if not shapes[0] == shapes[1] == shapes[2]:
        raise ShapeError(
            f"{op}: input1, input2 and target shapes must match, got input1 {shapes[0]}, "
            f"input2 {shapes[1]} and target {shapes[2]}"
        )
    _check_float(op, "input1", input1)
    _check_float(op, "input2", input2)
    target = _float_operand(target, input1)
    return _reduce(ag.clamp(-target * (input1 - input2) + margin, min=0), reduction)


def hinge_embedding_loss(input, target, margin: float = 1.0, reduction: str = "mean"):
    """x where y = 1, max(0, margin - x) where y = -1 (PyTorch's rule adds both terms for any
    other y). input: any shape, e.g. distances; target: the same shape, entries 1 or -1."""
    if _amp_on[0] and _amp.ready:
        return _autocast(hinge_embedding_loss, input, target, margin, reduction)
    op = "hinge_embedding_loss"
    _check_reduction(op, reduction)
    _check_same(op, input, target)
    _check_float(op, "input", input)
    t = _raw(target)
    t = _on_device(t if hasattr(t, "dtype") else np.asarray(t), _raw(input))
    loss = ag.where(t != 1, ag.clamp(margin - input, min=0), 0.0) + ag.where(t != -1, input, 0.0)
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin: float = 0, reduction: str = "mean"):
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1 (0 otherwise).

    input1, input2: (N, D) with target (N,), or (D,) with a 0-d target; the inputs broadcast
    against each other. cos = <x1, x2> / sqrt((|x1|^2 + 1e-12) (|x2|^2 + 1e-12)) (PyTorch's).
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(cosine_embedding_loss, input1, input2, target, margin, reduction)
    op = "cosine_embedding_loss"
    _check_reduction(op, reduction)
    s1, s2, ts = _shape(input1), _shape(input2), _shape(target)
    if len(ts) not in (0, 1):
        raise ShapeError(
            f"{op}: 0D or 1D target tensor expected, multi-target not supported, got target "
            f"shape {ts}"
        )
    need = 2 if len(ts) == 1 else 1
    if len(s1) != need or len(s2) != need:
        raise ShapeError(
            f"{op}: a {len(ts)}-D target expects {need}-D inputs, but got inputs of shapes {s1} "
            f"and {s2}"
        )
    try:
        shape = tuple(np.broadcast_shapes(s1, s2))
    except ValueError:
        raise ShapeError(f"{op}: input1 {s1} and input2 {s2} are not broadcastable") from None
    if ts and ts[0] != shape[0]:
        raise ShapeError(
            f"{op}: target shape {ts} does not match the batch size {shape[0]} of input1 {s1} "
            f"and input2 {s2}"
        )
    _check_float(op, "input1", input1)
    _check_float(op, "input2", input2)
    t = _raw(target)
    t = _on_device(t if hasattr(t, "dtype") else np.asarray(t), _raw(input1))
    d = len(ts)
    prod = (input1 * input2).sum(d)
    mag1 = (input1 * input1).sum(d) + _COSINE_EPS
    mag2 = (input2 * input2).sum(d) + _COSINE_EPS
    cos = prod / ag.sqrt(mag1 * mag2)
    loss = ag.where(t == 1, 1 - cos, 0.0) + ag.where(t == -1, ag.clamp(cos - margin, min=0), 0.0)
    return _reduce(loss, reduction)


# -- triplets -------------------------------------------------------------------------------------


def _triplet_checks(op, anchor, positive, negative, margin, reduction):
    _check_reduction(op, reduction)
    if not margin > 0:
        raise ValueError(f"{op}: margin must be greater than 0, got {margin}")
    sa, sp, sn = _shape(anchor), _shape(positive), _shape(negative)
    if not len(sa) == len(sp) == len(sn):
        raise ShapeError(
            f"{op}: the anchor, positive, and negative tensors are expected to have the same "
            f"number of dimensions, but got: anchor {len(sa)}D, positive {len(sp)}D, and "
            f"negative {len(sn)}D inputs (shapes {sa}, {sp}, {sn})"
        )
    return sa, sp, sn


def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False,
                        reduction: str = "mean"):  # fmt: skip
    """max(0, margin + d(a, p) - d(a, n)), d = pairwise_distance(., ., p, eps).

    anchor, positive, negative: (N, D) or (D,), the same number of dims, broadcastable
    ('none' -> (N,) or ()). swap: use min(d(a, n), d(p, n)) as the negative distance
    (Balntas et al. 2016). margin > 0.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(
            triplet_margin_loss, anchor, positive, negative, margin, p, eps, swap, reduction
        )
    op = "triplet_margin_loss"
    sa, sp, sn = _triplet_checks(op, anchor, positive, negative, margin, reduction)
    try:
        np.broadcast_shapes(sa, sp, sn)
    except ValueError:
        raise ShapeError(
            f"{op}: anchor {sa}, positive {sp} and negative {sn} are not broadcastable"
        ) from None
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ag.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(ag.clamp(margin + d_pos - d_neg, min=0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean"):  # fmt: skip
    """max(0, margin + d(a, p) - d(a, n)) for any distance ``d`` (default pairwise_distance).

    anchor, positive, negative: the same number of dims; distance_function(x1, x2) returns one
    distance per sample, e.g. ``lambda a, b: 1 - F.cosine_similarity(a, b)``. swap and margin
    as in triplet_margin_loss.
    """
    op = "triplet_margin_with_distance_loss"
    _triplet_checks(op, anchor, positive, negative, margin, reduction)
    if distance_function is None:
        distance_function = pairwise_distance
    elif not callable(distance_function):
        raise TypeError(
            f"{op}: distance_function must be callable, got {type(distance_function).__name__}"
        )
    d_pos = distance_function(anchor, positive)
    d_neg = distance_function(anchor, negative)
    if swap:
        d_neg = ag.minimum(d_neg, distance_function(positive, negative))
    return _reduce(ag.clamp(margin + d_pos - d_neg, min=0), reduction)


# -- likelihoods ----------------------------------------------------------------------------------


def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False, eps: float = 1e-8,
                     reduction: str = "mean"):  # fmt: skip
    """Poisson negative log-likelihood of ``target`` counts.

    log_input=True: exp(input) - target * input (input = log rate); False: input - target *
    log(input + eps) (input = rate). full: adds Stirling's approximation of log(target!),
    target log target - target + log(2 pi target) / 2, where target > 1 (0 elsewhere).
    input, target: the same shape.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(poisson_nll_loss, input, target, log_input, full, eps, reduction)
    op = "poisson_nll_loss"
    _check_reduction(op, reduction)
    _check_same(op, input, target)
    _check_float(op, "input", input)
    target = _float_operand(target, input)
    if log_input:
        loss = ag.exp(input) - target * input
    else:
        loss = input - target * ag.log(input + eps)
    if full:
        big = _raw(target) > 1
        safe = ag.where(big, target, 2.0)  # the masked entries never see log(0)
        stirling = safe * ag.log(safe) - safe + ag.log(safe * (2 * math.pi)) * 0.5
        loss = loss + ag.where(big, stirling, 0.0)
    return _reduce(loss, reduction)


def _var_shape(op, xs, vs):
    """var's shape fitted to input's by PyTorch's rules: the same shape; input's without its
    last dim (unsqueezed); or input's with exactly one dim of size 1."""
    if vs == xs:
        return vs
    if xs and xs[:-1] == vs:
        return vs + (1,)
    if len(xs) == len(vs) and sum(b for a, b in zip(xs, vs) if a != b) == 1:
        try:
            if tuple(np.broadcast_shapes(vs, xs)) == xs:
                return vs
        except ValueError:
            pass
    raise ShapeError(
        f"{op}: var is of incorrect size: var {vs} for input {xs} (expected input's shape, "
        "input's shape without its last dimension, or input's shape with one dimension of "
        "size 1)"
    )


def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean"):  # fmt: skip
    """Gaussian negative log-likelihood 0.5 (log v + (input - target)^2 / v), v = max(var, eps).

    input, target: the same shape; var: a non-negative number or tensor, of input's shape
    (heteroscedastic), of input's shape without its last dim, or with one dim of size 1
    (homoscedastic, broadcast). As in PyTorch the eps clamp changes var's value only: its
    gradient flows as if unclamped. full: adds 0.5 log(2 pi).
    """
    op = "gaussian_nll_loss"
    _check_reduction(op, reduction)
    _check_same(op, input, target)
    _check_float(op, "input", input)
    if _is_number(var):
        if var < 0:
            raise ValueError(f"{op}: var has negative entry/entries (got {var})")
    else:
        xs, vs = _shape(input), _shape(var)
        shape = _var_shape(op, xs, vs)
        raw = _raw(var)
        raw = raw if hasattr(raw, "dtype") else np.asarray(raw)
        if raw.size and bool((raw < 0).any()):
            raise ValueError(f"{op}: var has negative entry/entries")
    d = input - _float_operand(target, input)
    if _is_number(var):
        v = max(float(var), eps)
        loss = (d**2 / v + math.log(v)) * 0.5
    else:
        var = _float_operand(var, input)
        if shape != vs:
            var = ag.reshape(var, shape)
        v = ClampMinValueOnly.apply(var, eps)
        loss = (ag.log(v) + d**2 / v) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
