"""Loss functions with PyTorch's semantics, ``reduction`` = ``'mean'`` | ``'sum'`` | ``'none'``.

Shapes: the regression and binary losses take ``input`` and ``target`` of the same shape (a
mismatch raises a ShapeError naming both; PyTorch would broadcast with a warning, which hides the
classic (N, 1) vs (N,) bug). ``'none'`` returns that shape, the others a scalar.

Cross-entropy is log_softmax followed by a fused NLL pick: never a softmax followed by a log.
BCE-with-logits is one fused, overflow-free Function. The margin, embedding and likelihood
losses (multi_margin_loss ... gaussian_nll_loss) are in ``loss_margin`` and re-exported here.
"""

from __future__ import annotations

import numpy as np

import autograd as ag
from autograd import Function, ShapeError
from autograd.amp import _active as _amp_on
from autograd.amp import _tls as _amp
from autograd.amp import autocast_call as _autocast
from autograd.function import record_output
from autograd.ops.reduction import Softmax
from autograd.ops.shape import _recording, guard_index
from autograd.tensor import Tensor, _wrap
from backends import array_module

__all__ = [
    "mse_loss",
    "l1_loss",
    "huber_loss",
    "smooth_l1_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "nll_loss",
    "kl_div",
]

_REDUCTIONS = ("mean", "sum", "none")


def _raw(v):
    return v._data if isinstance(v, Tensor) else v


def _shape(v):
    return tuple(getattr(v, "shape", None) or np.shape(v)) if not isinstance(v, str) else ()


def _reduce(loss, reduction: str):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _check_reduction(op: str, reduction, extra=()):
    if reduction not in _REDUCTIONS + tuple(extra):
        raise ValueError(
            f"{op}: reduction must be one of {', '.join(map(repr, _REDUCTIONS + tuple(extra)))}, "
            f"got {reduction!r}"
        )


def _as_operand(v, like):
    """Scalars, lists and arrays as constants (Tensors pass through)."""
    if isinstance(v, Tensor):
        return v
    if isinstance(v, (int, float)):
        return v
    arr = np.asarray(v) if not hasattr(v, "shape") else v
    return _wrap(arr.astype(_raw(like).dtype, copy=False), None, False)


def _check_real(op: str, *vs):
    """TypeError for a complex operand: these losses are not defined for complex tensors (torch
    refuses them too; l1_loss, which uses |input - target|, allows them)."""
    for v in vs:
        if hasattr(v, "dtype") and _raw(v).dtype.kind == "c":
            raise TypeError(f"{op}: not supported for complex tensors (got {_raw(v).dtype})")


def _check_same(op: str, input, target):
    if _shape(input) != _shape(target):
        raise ShapeError(
            f"{op}: input and target shapes must match, got input {_shape(input)} and target "
            f"{_shape(target)}"
        )


class LossValueError(ValueError, RuntimeError):
    """A value a loss refuses (PyTorch raises RuntimeError): either catch works."""


def _check_float(op: str, name: str, v):
    if _raw(v).dtype.kind == "c":
        raise TypeError(f"{op}: not supported for complex tensors ({name} is {_raw(v).dtype})")
    if _raw(v).dtype.kind not in "fc":
        raise TypeError(f"{op}: {name} must be a floating point tensor, got dtype {_raw(v).dtype}")


# -- regression -------------------------------------------------------------------------------


def mse_loss(input, target, reduction: str = "mean"):
    """Mean squared error: (input - target)^2, reduced. input, target: the same shape."""
    if _amp_on[0] and _amp.ready:
        return _autocast(mse_loss, input, target, reduction)
    _check_reduction("mse_loss", reduction)
    _check_same("mse_loss", input, target)
    _check_real("mse_loss", input, target)
    d = input - target
    return _reduce(d * d, reduction)


def l1_loss(input, target, reduction: str = "mean"):
    """Mean absolute error |input - target|, reduced (gradient 0 where equal)."""
    if _amp_on[0] and _amp.ready:
        return _autocast(l1_loss, input, target, reduction)
    _check_reduction("l1_loss", reduction)
    _check_same("l1_loss", input, target)
    return _reduce(ag.abs(input - target), reduction)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta), d = input - target; reduced."""
    if _amp_on[0] and _amp.ready:
        return _autocast(huber_loss, input, target, reduction, delta)
    _check_reduction("huber_loss", reduction)
    _check_same("huber_loss", input, target)
    _check_real("huber_loss", input, target)
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    d = input - target
    a = ag.abs(d)
    small = a < delta
    loss = ag.where(small, d * d * 0.5, (a - 0.5 * delta) * delta)
    return _reduce(loss, reduction)


def smooth_l1_loss(input, target, reduction: str = "mean", beta: float = 1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (huber / beta); beta=0 is L1."""
    if _amp_on[0] and _amp.ready:
        return _autocast(smooth_l1_loss, input, target, reduction, beta)
    _check_reduction("smooth_l1_loss", reduction)
    _check_same("smooth_l1_loss", input, target)
    _check_real("smooth_l1_loss", input, target)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    d = input - target
    a = ag.abs(d)
    if beta == 0:
        return _reduce(a, reduction)
    loss = ag.where(a < beta, d * d * (0.5 / beta), a - 0.5 * beta)
    return _reduce(loss, reduction)


# -- binary -----------------------------------------------------------------------------------


class BinaryCrossEntropy(Function):
    """l = -(t log p + (1 - t) log(1 - p)) elementwise, each log clamped at -100 (as PyTorch).

    dl/dp = (p - t) / max(p (1 - p), 1e-12); dl/dt = log(1 - p) - log(p) (clamped logs).
    """

    __slots__ = ()
    save_inputs = (0, 1)

    def forward(self, p, t):
        xp = array_module(p)
        with np.errstate(divide="ignore"):
            lp = xp.maximum(xp.log(p), -100)
            l1p = xp.maximum(xp.log1p(-p), -100)
        return -(t * lp + (1 - t) * l1p)

    def backward(self, gy):
        p, t = self.saved
        gp = gt = None
        if self.needs_grad(0):
            gp = self.reduce_grad(0, gy * (p - t) / ag.clamp(p * (1 - p), 1e-12, None))
        if self.needs_grad(1):
            lp = ag.clamp(ag.log(ag.clamp(p, 1e-44, None)), -100, None)
            l1p = ag.clamp(ag.log(ag.clamp(1 - p, 1e-44, None)), -100, None)
            gt = self.reduce_grad(1, gy * (l1p - lp))
        return gp, gt


def binary_cross_entropy(input, target, weight=None, reduction: str = "mean"):
    """BCE on probabilities: -w (t log p + (1 - t) log(1 - p)), logs clamped at -100.

    input: probabilities in [0, 1], any shape; target: same shape, in [0, 1]; weight:
    broadcastable to input (rescales each element). Prefer binary_cross_entropy_with_logits on
    raw scores: it is exact where sigmoid would round to 0 or 1.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(binary_cross_entropy, input, target, weight, reduction)
    _check_reduction("binary_cross_entropy", reduction)
    _check_same("binary_cross_entropy", input, target)
    _check_float("binary_cross_entropy", "input", input)
    p = _raw(input)
    if p.size and (bool((p < 0).any()) or bool((p > 1).any())):
        raise LossValueError(
            "binary_cross_entropy: all elements of input should be between 0 and 1 "
            f"(got min {float(p.min())}, max {float(p.max())})"
        )
    t = _raw(target) if hasattr(target, "dtype") else np.asarray(target)
    if t.size and not bool(((t >= 0) & (t <= 1)).all()):  # NaN too, as PyTorch
        raise LossValueError(
            "binary_cross_entropy: all elements of target should be between 0 and 1 (got "
            f"min {float(t.min())}, max {float(t.max())})"
        )
    target = _as_operand(target, input)
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * _as_operand(weight, input)
    return _reduce(loss, reduction)


class BCEWithLogits(Function):
    """l = (1 - t) x + lw * softplus(-x), lw = 1 + (pw - 1) t, computed without overflow.

    softplus(-x) = log1p(exp(-|x|)) + max(-x, 0). With no pos_weight lw = 1 and
    dl/dx = sigmoid(x) - t. In general dl/dx = (1 - t) - lw sigmoid(-x),
    dl/dt = -x + (pw - 1) softplus(-x), dl/dpw = t softplus(-x).
    """

    __slots__ = ()
    save_inputs = (0, 1, 2)

    def forward(self, x, t, pw):
        xp = array_module(x)
        sp = xp.logaddexp(0, -x)  # softplus(-x), stable for either sign
        if pw is None:
            return (1 - t) * x + sp
        return (1 - t) * x + (1 + (pw - 1) * t) * sp

    def backward(self, gy):
        x, t, pw = self.saved
        gx = gt = gpw = None
        if pw is None:
            if self.needs_grad(0):
                gx = self.reduce_grad(0, gy * (ag.sigmoid(x) - t))
            if self.needs_grad(1):
                gt = self.reduce_grad(1, gy * -x)
            return gx, gt, None
        lw = (pw - 1) * t + 1
        if self.needs_grad(0):
            gx = self.reduce_grad(0, gy * ((1 - t) - lw * ag.sigmoid(-x)))
        if self.needs_grad(1) or self.needs_grad(2):
            sp = ag.softplus(-x)
            if self.needs_grad(1):
                gt = self.reduce_grad(1, gy * ((pw - 1) * sp - x))
            if self.needs_grad(2):
                gpw = self.reduce_grad(2, gy * (t * sp))
        return gx, gt, gpw


def binary_cross_entropy_with_logits(input, target, weight=None, reduction: str = "mean",
                                     pos_weight=None):  # fmt: skip
    """sigmoid + BCE in one stable op: finite for logits of any size (e.g. +-1e4).

    input: logits, any shape (e.g. (N, C) for multi-label); target: same shape, in [0, 1];
    weight: broadcastable to input; pos_weight: broadcastable to input along the last dim,
    e.g. (C,) for C labels: weights the positive term (pos_weight > 1 raises recall).
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(
            binary_cross_entropy_with_logits, input, target, weight, reduction, pos_weight
        )
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    _check_same("binary_cross_entropy_with_logits", input, target)
    _check_float("binary_cross_entropy_with_logits", "input", input)
    target = _as_operand(target, input)
    if pos_weight is not None:
        pos_weight = _as_operand(pos_weight, input)
        try:
            np.broadcast_shapes(_shape(pos_weight), _shape(input))
        except ValueError:
            raise ShapeError(
                f"binary_cross_entropy_with_logits: pos_weight shape {_shape(pos_weight)} is not "
                f"broadcastable to input shape {_shape(input)}"
            ) from None
    loss = BCEWithLogits.apply(input, target, pos_weight)
    if weight is not None:
        loss = loss * _as_operand(weight, input)
    return _reduce(loss, reduction)


# -- classification: NLL and cross-entropy ------------------------------------------------------


class NLLPick(Function):
    """NLL from log-probabilities ``lp`` (N, C, *d) and class indices ``t`` (N, *d), reduced.

    Per sample: l_i = -(1 - eps) w[t_i] lp[i, t_i] - (eps / C) sum_c w[c] lp[i, c], and 0 where
    t_i == ignore_index (w = 1 without weights, eps = label smoothing). ``'none'`` returns l
    (N, *d), ``'sum'`` its sum, ``'mean'`` its sum over the summed w[t_i] of the non-ignored
    samples (PyTorch's weighted mean; NaN when all are ignored). The loss is linear in ``lp``,
    so the gradient is gy times a constant array ``coef``: dl_i/dlp[i, c] =
    -(1 - eps) w[t_i] [c == t_i] - (eps / C) w[c], zero on ignored samples.
    """

    __slots__ = ("coef", "reduction")

    def forward(self, lp, t, w, ignore_index, eps, reduction, any_ignored):
        xp = array_module(lp)
        n, c = lp.shape[0], lp.shape[1]
        dt = lp.dtype
        ignored = t == ignore_index  # any_ignored: known from the target check (no sync)
        ts = xp.where(ignored, 0, t) if any_ignored else t
        keep = (~ignored).astype(dt)
        wt = keep if w is None else w[ts] * keep  # (N, *d)
        if reduction == "mean":
            total = wt.sum()
            scale = xp.where(total != 0, 1 / xp.where(total != 0, total, 1), 0).astype(dt)
        else:
            scale = None
        coef = xp.zeros(lp.shape, dtype=dt)
        wc = None
        if eps:
            bshape = (1, c) + (1,) * (lp.ndim - 2)
            wc = xp.ones(bshape, dtype=dt) if w is None else w.reshape(bshape)
            coef += wc * (keep[:, None] * (-eps / c))
        # the picked class: (1 - eps) w[t] on top of the smoothing term; the loss reads only
        # the picked entries (no 0 * -inf from masked logits)
        if lp.ndim == 2:
            rows = xp.arange(n)
            coef[rows, ts] -= (1 - eps) * wt
            loss = -((1 - eps) * wt) * lp[rows, ts]
        else:
            idx = ts[:, None]
            picked = xp.take_along_axis(coef, idx, axis=1) - ((1 - eps) * wt)[:, None]
            xp.put_along_axis(coef, idx, picked, axis=1)
            loss = -((1 - eps) * wt) * xp.take_along_axis(lp, idx, axis=1)[:, 0]
        if eps:
            with np.errstate(invalid="ignore"):
                loss = loss - (eps / c) * keep * (wc * lp).sum(axis=1)
        if any_ignored:
            loss = xp.where(ignored, 0, loss)
        self.reduction = reduction
        if reduction == "none":
            self.coef = coef
            return loss.astype(dt, copy=False)
        if reduction == "sum":
            self.coef = coef
            return xp.asarray(loss.sum(), dtype=dt)
        self.coef = coef * scale  # no weight at all: NaN loss (PyTorch's), zero gradient
        with np.errstate(invalid="ignore", divide="ignore"):
            return xp.asarray(xp.where(total != 0, loss.sum() / total, xp.nan), dtype=dt)

    def backward(self, gy):
        if self.reduction == "none":
            gy = gy.reshape((gy.shape[0], 1) + tuple(gy.shape[1:]))
        return gy * self.coef, None, None, None, None, None, None


class SoftmaxCrossEntropy(Function):
    """The common cross-entropy in one record: logits x (N, C), class indices t (N,) (none
    ignored, no weights, no smoothing), reduced by mean (``mean=True``) or sum.

    loss = scale * sum_i (log sum_c exp(x_ic - m_i) - (x_it_i - m_i)), m_i = max_c x_ic, scale =
    1/N or 1: log_softmax's value without its (N, C) array. dloss/dx = scale (softmax(x) -
    onehot(t)). The softmax made in forward is the record's only saved array (x is not kept, so
    changing the logits in place after the loss is harmless, as on the log_softmax path); it is
    freed after backward. A second-order backward records it as softmax's output on x.
    """

    __slots__ = ("t", "scale")
    save_private = True

    def forward(self, x, t, mean):
        xp = array_module(x)
        rows = xp.arange(x.shape[0])
        z = x - x.max(axis=1, keepdims=True)
        picked = z[rows, t]
        e = xp.exp(z, out=z)
        s = e.sum(axis=1, keepdims=True)
        loss = (xp.log(s)[:, 0] - picked).sum()
        self.scale = 1.0 / x.shape[0] if mean else 1.0
        e /= s  # softmax, for the backward
        self._private = (e,)
        self.t = t
        return xp.asarray(loss * self.scale, dtype=x.dtype)

    def backward(self, gy):
        (p,) = self.saved
        xp = array_module(p)
        rows = xp.arange(p.shape[0])
        if isinstance(gy, Tensor):  # create_graph: p as softmax's output on x, differentiable
            onehot = xp.zeros_like(p)
            onehot[rows, self.t] = 1
            p = record_output(Softmax, p, self.parents[0], axis=1)
            return (p - onehot) * (gy * self.scale), None, None
        g = p.copy()  # p stays intact for a retain_graph backward; (N, C) is small
        g[rows, self.t] -= 1
        g *= gy * self.scale
        return g, None, None


def _target_stats(t, ignore_index):
    """``(lo, hi, n_ignored)``: the smallest and largest target that is not ``ignore_index``
    and how many are; t: a non-empty integer array. One host read (one GPU sync on cupy)."""
    xp = array_module(t)
    valid = t != ignore_index
    if xp is np:  # on the host the plain reductions are cheaper than the one-read stack
        n_valid = int(np.count_nonzero(valid))
        if n_valid == 0:
            return 0, 0, t.size
        if n_valid == t.size:
            return int(t.min()), int(t.max()), 0
        tv = t[valid]
        return int(tv.min()), int(tv.max()), t.size - n_valid
    info = np.iinfo(t.dtype)
    stats = xp.stack(
        [
            xp.where(valid, t, info.max).min().astype(np.int64),
            xp.where(valid, t, info.min).max().astype(np.int64),
            (t.size - valid.sum()).astype(np.int64),
        ]
    )
    lo, hi, n_ignored = (int(v) for v in stats.tolist())
    return lo, hi, n_ignored


def _class_target(op, input, target, weight, ignore_index):
    """Validate (input, target, weight) for class-index targets.

    Returns ``(t, w, c, n_ignored)``: the raw target and weight (on the input's device), the
    class count and how many targets equal ignore_index.
    """
    x = _raw(input)
    t = _raw(target)
    if not hasattr(t, "dtype"):
        t = np.asarray(t)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: class-index target must be an integer tensor, got dtype {t.dtype}")
    xs, ts = tuple(x.shape), tuple(t.shape)
    if x.ndim < 1 or (x.ndim == 1 and ts != ()) or (x.ndim >= 2 and ts != xs[:1] + xs[2:]):
        expected = "()" if x.ndim == 1 else str(xs[:1] + xs[2:])
        raise ShapeError(
            f"{op}: input shape {xs} needs a target of shape {expected} (class indices), got "
            f"target shape {ts}"
        )
    c = xs[0] if x.ndim == 1 else xs[1]
    n_ignored = 0
    if t.size:
        lo, hi, n_ignored = _target_stats(t, ignore_index)
        if n_ignored < t.size:
            if lo < 0 or hi >= c:
                bad = lo if lo < 0 else hi
                raise IndexError(
                    f"{op}: target {bad} is out of bounds: input shape {xs} has {c} classes "
                    f"(valid targets are 0 to {c - 1}, or ignore_index={ignore_index})"
                )
    w = None
    if weight is not None:
        w = _raw(weight)
        if not hasattr(w, "shape"):
            w = np.asarray(w, dtype=x.dtype)
        if tuple(w.shape) != (c,):
            raise ShapeError(
                f"{op}: weight should be a 1-D tensor of size {c} (one per class), got shape "
                f"{tuple(w.shape)}"
            )
        w = w.astype(x.dtype, copy=False)
    if type(t) is not type(x):
        t = array_module(x).asarray(t)
    if w is not None and type(w) is not type(x):
        w = array_module(x).asarray(w)
    return t, w, c, n_ignored


def _nll(op, logp, target, weight, ignore_index, reduction, label_smoothing):
    """NLL from log-probabilities (N, C, *d) or (C,), with PyTorch's weighted-mean reduction."""
    t, w, c, n_ignored = _class_target(op, logp, target, weight, ignore_index)
    unbatched = _raw(logp).ndim == 1
    if unbatched:
        logp = ag.reshape(logp, (1, c))
        t = t.reshape(1)
    loss = NLLPick.apply(logp, t, w, ignore_index, float(label_smoothing), reduction, n_ignored > 0)
    guard_index(loss, op, target)  # as PyTorch: a target changed in place before backward raises
    if reduction == "none" and unbatched:
        return ag.reshape(loss, ())
    return loss


def nll_loss(input, target, weight=None, ignore_index: int = -100, reduction: str = "mean"):
    """Negative log-likelihood: -w[t] * input[i, t_i], reduced.

    input: log-probabilities (N, C) or (N, C, d1, ...) or (C,); target: class indices (N) or
    (N, d1, ...) or (); weight: (C,). ``'mean'`` divides by the summed weight of the
    non-ignored targets (NaN if every target is ignored, as PyTorch).
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(nll_loss, input, target, weight, ignore_index, reduction)
    _check_reduction("nll_loss", reduction)
    _check_float("nll_loss", "input", input)
    return _nll("nll_loss", input, target, weight, ignore_index, reduction, 0.0)


def cross_entropy(input, target, weight=None, ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0):  # fmt: skip
    """Cross-entropy between softmax(input) and the target, computed from log_softmax.

    input: logits (N, C), (N, C, d1, ...) or (C,). target: either class indices (N), (N, d1,
    ...) or () (integer), or class probabilities with input's shape (float). weight: (C,) class
    weights. ignore_index: targets equal to it contribute nothing (indices only; with
    probabilities only a negative one, e.g. the default -100, is accepted, as PyTorch).
    label_smoothing in [0, 1]: the target becomes (1 - eps) target + eps / C.
    ``'mean'`` follows PyTorch: for indices, divided by the summed weight of the non-ignored
    targets; for probabilities, divided by the number of samples N (* d1 * ...).
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(
            cross_entropy, input, target, weight, ignore_index, reduction, label_smoothing
        )
    op = "cross_entropy"
    _check_reduction(op, reduction)
    _check_float(op, "input", input)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(
            f"{op}: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}"
        )
    x = _raw(input)
    if x.ndim == 0:
        raise ShapeError(f"{op}: input must have a class dimension, got shape ()")
    cdim = 0 if x.ndim == 1 else 1
    t = _raw(target)
    if (
        x.ndim == 2
        and weight is None
        and not label_smoothing
        and reduction != "none"
        and getattr(t, "dtype", np.dtype(float)).kind in "iu"
    ):
        t, _, _, n_ignored = _class_target(op, input, target, None, ignore_index)
        if x.shape[0] and not n_ignored:
            if t is target and _recording(input):  # the record keeps t: the caller's raw array
                t = t.copy()  # is copied, a target Tensor's version is checked at backward
            loss = SoftmaxCrossEntropy.apply(input, t, reduction == "mean")
            return guard_index(loss, op, target)
    probs = hasattr(t, "dtype") and t.dtype.kind == "f"
    if probs and ignore_index >= 0:  # PyTorch's rule: a negative one can match no class
        raise LossValueError(
            f"{op}: ignore_index is not supported for floating point target (class "
            f"probabilities, dtype {t.dtype}), got ignore_index={ignore_index}"
        )
    logp = ag.log_softmax(input, cdim)
    if probs:
        return _cross_entropy_probs(op, logp, target, weight, reduction, label_smoothing, cdim)
    return _nll(op, logp, target, weight, ignore_index, reduction, label_smoothing)


def _cross_entropy_probs(op, logp, target, weight, reduction, eps, cdim):
    xs = _shape(logp)
    if _shape(target) != xs:
        raise ShapeError(
            f"{op}: class-probability target must have the input's shape {xs}, got target "
            f"shape {_shape(target)}"
        )
    c = xs[cdim]
    if eps:
        target = target * (1 - eps) + eps / c
    prod = logp * target
    if weight is not None:
        w = _raw(weight)
        if tuple(w.shape) != (c,):
            raise ShapeError(
                f"{op}: weight should be a 1-D tensor of size {c} (one per class), got shape "
                f"{tuple(w.shape)}"
            )
        bshape = (c,) + (1,) * (len(xs) - cdim - 1)
        prod = prod * ag.reshape(weight, bshape)
    if reduction == "none":
        return -prod.sum(cdim)
    if reduction == "sum":
        return -prod.sum()
    n = int(np.prod(xs)) // c if c else 0
    return -prod.sum() / n if n else -prod.sum() * float("nan")


# -- distributions ------------------------------------------------------------------------------


def kl_div(input, target, reduction: str = "mean", log_target: bool = False):
    """KL divergence KL(target || q) with ``input`` = log q (log-probabilities).

    Pointwise (PyTorch's formula): xlogy(target, target) - target * input, so 0 where
    target = 0 and NaN where it is negative or NaN; with ``log_target`` the target is given as
    log-probabilities: exp(target) * (target - input). The gradient with respect to the target
    at target = 0 is -input (PyTorch's is NaN there). input, target: same
    shape. reduction: ``'batchmean'`` (sum / N: the true KL per sample), ``'sum'``, ``'none'``,
    or ``'mean'`` (PyTorch's default: the mean over all elements, not the KL).
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(kl_div, input, target, reduction, log_target)
    _check_reduction("kl_div", reduction, ("batchmean",))
    _check_same("kl_div", input, target)
    _check_real("kl_div", input, target)
    target = _as_operand(target, input)
    if log_target:
        with np.errstate(invalid="ignore"):  # exp(-inf) * (-inf - input): NaN, as PyTorch
            loss = ag.exp(target) * (target - input)
    else:
        t = _raw(target)
        zero = t == 0
        if isinstance(zero, np.generic):  # a 0-d target: NumPy gives a scalar
            zero = np.asarray(zero)
        if isinstance(target, Tensor):
            zero = _wrap(zero, None, False)
        safe = ag.where(zero, 1.0, target)
        with np.errstate(invalid="ignore"):  # log of a negative target: NaN, as PyTorch
            xlogx = ag.where(zero, 0.0, target * ag.log(safe))
        loss = xlogx - target * input
    if reduction == "batchmean":
        n = _shape(input)[0] if _shape(input) else 1
        return loss.sum() / n
    return _reduce(loss, reduction)


# the margin, embedding and likelihood losses live in their own module (it reuses the helpers
# above, so it is imported last)
from .loss_margin import *  # noqa: E402, F403
from .loss_margin import __all__ as _margin_all  # noqa: E402

__all__ += _margin_all
