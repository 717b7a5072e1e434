"""Connectionist temporal classification loss, as ``torch.nn.functional.ctc_loss``.

Each target l (length S) is extended with blanks to l' = (b, l_1, b, l_2, .., b, l_S, b) of
length 2S + 1. In log space, with y_t(c) = log_probs[t, n, c]:

    alpha_0(0) = y_0(b), alpha_0(1) = y_0(l'_1), else -inf
    alpha_t(s) = lse(alpha_{t-1}(s), alpha_{t-1}(s-1), [skip(s)] alpha_{t-1}(s-2)) + y_t(l'_s)
    loss = -lse(alpha_{T-1}(2S), alpha_{T-1}(2S-1))           (T: this sample's input length)

skip(s): l'_s is a label that differs from l'_{s-2}. beta runs the same recursion backwards from
the last two positions at T-1; both include y_t, so alpha_t(s) + beta_t(s) - y_t(l'_s) is the log
probability of the paths through (t, s). Both recursions are vectorised over the batch and the
positions; only the time steps loop.

The gradient is PyTorch's (``ctc_loss_backward``), per sample and t < T:

    d loss / d y_t(c) = exp(y_t(c)) - exp(lse_{s: l'_s = c}(alpha_t(s) + beta_t(s)) + loss - y_t(c))

The second term is the true derivative of the loss with respect to ``log_probs``; PyTorch adds
exp(y_t(c)), which sums to gy over c when the rows are log-probabilities, so it vanishes through a
log_softmax: the gradient reaching the logits is exact, but the one reported for ``log_probs``
itself is not the derivative of the loss as a function of free inputs. Frames t >= T get zero.
The backward is not differentiable again (nor is PyTorch's): under ``create_graph`` the first
gradient is recorded so that differentiating it raises.
"""

from __future__ import annotations

import operator

import numpy as np

import autograd as ag
from autograd import Function, ShapeError
from autograd.amp import _active as _amp_on
from autograd.amp import _tls as _amp
from autograd.amp import autocast_call as _autocast
from autograd.ops.shape import _add_at
from autograd.tensor import Tensor, _wrap
from backends import array_module

from .loss import _check_reduction

__all__ = ["ctc_loss"]

_OP = "ctc_loss"
_NINF = -np.inf


def _host(v):
    """A NumPy array of v (a Tensor, a numpy or cupy array, a list or a number)."""
    a = v._data if isinstance(v, Tensor) else v
    if type(a) is not np.ndarray and type(a).__module__.startswith("cupy"):
        return a.get()
    return np.asarray(a)


def _like(a, ref):
    """The host array ``a`` on ref's device (ref: a numpy or cupy array)."""
    if type(ref) is np.ndarray:
        return a
    xp = array_module(ref)
    with xp.cuda.Device(ref.device.id):
        return xp.asarray(a)


def _lse3(a, b, c):
    """log(e^a + e^b + e^c) elementwise, -inf when all three are (PyTorch's formula)."""
    xp = array_module(a)
    m = xp.maximum(xp.maximum(a, b), c)
    m = xp.where(m == _NINF, 0, m)
    return xp.log(xp.exp(a - m) + xp.exp(b - m) + xp.exp(c - m)) + m


class CTC(Function):
    """Per-sample CTC loss of log_probs (T, N, C) -> (N,) (see the module docstring).

    ext (N, L): the extended targets (L = 2 max(S) + 1, blanks past each target); skip (N, L):
    where the s - 2 transition is allowed; il, tl: host int arrays (N,) of input and target
    lengths. The loss is inf for an impossible alignment (0 with zero_infinity, gradient 0).
    """

    twice_differentiable = False  # see Function.twice_differentiable

    __slots__ = ("ext", "skip", "il", "tl", "lin", "blank", "zero_inf")
    save_inputs = (0,)
    save_private = True

    def forward(self, lp, ext, skip, lengths, lin, blank, zero_infinity):
        il, tl = (np.asarray(v, dtype=np.int64) for v in lengths)
        self.ext, self.skip, self.il, self.tl = ext, skip, il, tl
        self.lin, self.blank, self.zero_inf = lin, blank, zero_infinity
        xp = array_module(lp)
        n, L = ext.shape
        tm = max(int(il.max()), 1)
        emit = lp[:tm, xp.arange(n)[:, None], ext]  # (tm, N, L): y_t(l'_s)
        # alpha, padded by two -inf columns in front so s - 1 and s - 2 are plain slices
        la = xp.full((tm, n, L + 2), _NINF, dtype=lp.dtype)
        la[0, :, 2:4] = emit[0, :, :2]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            for t in range(1, tm):
                prev = la[t - 1]
                two = xp.where(skip, prev[:, :-2], _NINF)
                la[t, :, 2:] = _lse3(prev[:, 2:], prev[:, 1:-1], two) + emit[t]
            rows = np.arange(n)
            last = _like(np.maximum(il - 1, 0), lp), _like(rows, lp)
            end = la[last[0], last[1], _like(2 + 2 * tl, lp)]
            before = la[last[0], last[1], _like(1 + 2 * tl, lp)]  # column 1 (-inf) when S = 0
            m = xp.maximum(end, before)
            m = xp.where(m == _NINF, 0, m)
            nll = -(xp.log(xp.exp(end - m) + xp.exp(before - m)) + m)
        # no frames: a likelihood of 1 for an empty target, else 0
        empty = np.where(tl == 0, 0.0, np.inf)
        nll = xp.where(_like(il == 0, lp), _like(empty, lp).astype(lp.dtype), nll)
        self._private = (la, nll)
        if zero_infinity:
            return xp.where(nll == np.inf, 0, nll).astype(lp.dtype, copy=False)
        return nll.astype(lp.dtype, copy=False)

    def backward(self, gy):
        lp, la, nll = self.saved
        create = isinstance(gy, Tensor)
        lpr = lp._data if isinstance(lp, Tensor) else lp
        la = la._data if isinstance(la, Tensor) else la
        nll = nll._data if isinstance(nll, Tensor) else nll
        g = self._grad(lpr, la, nll, gy._data if create else gy)
        if create:  # recorded so that differentiating it again raises, as in PyTorch
            anchors = [v for v in (gy, lp) if isinstance(v, Tensor) and v.requires_grad]
            g = _NotTwice.apply(g, *anchors) if anchors else _wrap(g, None, False)
        return g, None, None, None, None, None, None

    def _grad(self, lp, la, nll, gy):
        xp = array_module(lp)
        T, n, c = lp.shape
        L = self.ext.shape[1]
        tm = la.shape[0]
        il = _like(self.il, lp)[:, None]  # (N, 1)
        tl = _like(self.tl, lp)[:, None]
        emit = lp[:tm, xp.arange(n)[:, None], self.ext]
        pos = xp.arange(L)[None, :]
        ends = (pos == 2 * tl) | ((pos == 2 * tl - 1) & (tl > 0))  # where beta starts
        skip2 = xp.zeros((n, L + 2), dtype=bool)
        skip2[:, : max(L - 2, 0)] = self.skip[:, 2:]  # s -> s + 2 allowed
        # beta, padded by two -inf columns at the end so s + 1 and s + 2 are plain slices
        lb = xp.full((tm + 1, n, L + 2), _NINF, dtype=lp.dtype)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            for t in range(tm - 1, -1, -1):
                nxt = lb[t + 1]
                two = xp.where(skip2[:, :L], nxt[:, 2:], _NINF)
                rec = _lse3(nxt[:, :L], nxt[:, 1 : L + 1], two) + emit[t]
                start = xp.where(ends, emit[t], _NINF)
                lb[t, :, :L] = xp.where(il - 1 == t, start, xp.where(il - 1 > t, rec, _NINF))
            ab = la[:, :, 2:] + lb[:tm, :, :L]  # (tm, N, L): log paths through (t, s), times y
            m = ab.max(axis=2, keepdims=True)
            m = xp.where(xp.isfinite(m), m, 0)
            e = xp.exp(ab - m)
            acc = xp.zeros((tm, n, c), dtype=lp.dtype)
            acc[:, :, self.blank] = e[:, :, 0::2].sum(axis=2)  # the blank positions
            if L > 1:  # the labels: a repeated label adds up
                flat = acc.reshape(tm, n * c)
                _add_at(flat, (slice(None), self.lin), e[:, :, 1::2].reshape(tm, -1))
            y = lp[:tm]
            occ = xp.exp(xp.log(acc) + m + nll[None, :, None] - y)
            g = xp.exp(y) - xp.where(acc > 0, occ, 0)
        live = (xp.arange(tm)[:, None] < il[:, 0][None, :])[:, :, None]  # t < T_n
        inf = (nll == np.inf)[None, :, None]
        if self.zero_inf:
            g = xp.where(inf, 0, g)
        else:  # PyTorch: NaN on every live frame of a sample with infinite loss
            g = xp.where(inf & live, np.nan, g)
        g = xp.where(live, g, 0) * gy[None, :, None]
        if tm == T:
            return g.astype(lp.dtype, copy=False)
        out = xp.zeros(lp.shape, dtype=lp.dtype)
        out[:tm] = g
        return out


class _NotTwice(Function):
    """g itself, recorded on the tensors ctc_loss's gradient depends on, so that differentiating
    that gradient raises (PyTorch: derivative for _ctc_loss_backward is not implemented)."""

    twice_differentiable = False  # see Function.twice_differentiable

    __slots__ = ()

    def forward(self, g, *anchors):
        return g

    def backward(self, gy):
        raise RuntimeError(
            "ctc_loss: the gradient of ctc_loss is not differentiable (its double backward is "
            "not implemented, as in PyTorch); create_graph works for first-order use only"
        )


# -- arguments --------------------------------------------------------------------------------


def _int_array(name, v):
    """Lengths as a host int64 array: a Tensor/array of integers, a list/tuple of ints, or an
    int."""
    if isinstance(v, (list, tuple)):
        try:
            vals = [operator.index(i) for i in v]
        except TypeError:
            raise TypeError(
                f"{_OP}: {name} must be an integer tensor or a list/tuple of ints, got {v!r}"
            ) from None
        return np.asarray(vals, dtype=np.int64).reshape(len(vals))
    if isinstance(v, bool) or not (isinstance(v, (int, np.integer)) or hasattr(v, "dtype")):
        raise TypeError(
            f"{_OP}: {name} must be an integer tensor or a list/tuple of ints, got "
            f"{type(v).__name__}"
        )
    a = _host(v)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{_OP}: {name} must hold integers, got dtype {a.dtype}")
    return a.astype(np.int64)


def _lengths(name, v, n, unbatched, limit=None):
    a = _int_array(name, v)
    if unbatched:
        if a.shape not in ((), (1,)):
            raise ShapeError(
                f"{_OP}: unbatched input (log_probs (T, C)) takes one {name} value, got shape "
                f"{a.shape}"
            )
        a = a.reshape(1)
    elif a.shape != (n,):
        raise ShapeError(
            f"{_OP}: {name} must have one entry per batch element (N={n}), got shape {a.shape}"
        )
    if a.size and a.min() < 0:
        raise ValueError(f"{_OP}: {name} must be non-negative, got {int(a.min())}")
    if limit is not None and a.size and a.max() > limit:
        raise ValueError(
            f"{_OP}: {name} must be at most the number of time steps T={limit} of log_probs, "
            f"got {int(a.max())}"
        )
    return a


def _padded_targets(targets, tl, n, c, unbatched):
    """Targets as a host (N, max(tl)) int64 array (entries past each length: undefined)."""
    if not hasattr(targets, "dtype") and not isinstance(targets, (list, tuple)):
        raise TypeError(f"{_OP}: targets must be an integer tensor, got {type(targets).__name__}")
    t = _host(targets)
    if t.size == 0 and t.dtype.kind == "f" and not hasattr(targets, "dtype"):
        t = t.astype(np.int64)  # an empty list
    if t.dtype.kind not in "iu":
        raise TypeError(f"{_OP}: targets must hold integer class indices, got dtype {t.dtype}")
    t = t.astype(np.int64)
    smax = int(tl.max()) if tl.size else 0
    if unbatched:
        if t.ndim != 1:
            raise ShapeError(
                f"{_OP}: unbatched log_probs (T, C) needs 1-D targets (S,), got shape {t.shape}"
            )
        t = t[None]
    if t.ndim == 2:
        if t.shape[0] != n or t.shape[1] < smax:
            raise ShapeError(
                f"{_OP}: padded targets must have shape (N, S) with N={n} and S >= "
                f"max(target_lengths)={smax}, got shape {t.shape}"
            )
        pad = t[:, :smax]
        live = np.arange(smax)[None, :] < tl[:, None]
    elif t.ndim == 1:
        total = int(tl.sum())
        if t.shape[0] != total:
            raise ShapeError(
                f"{_OP}: concatenated 1-D targets must have sum(target_lengths)={total} "
                f"entries, got shape {t.shape}"
            )
        live = np.arange(smax)[None, :] < tl[:, None]
        pad = np.zeros((n, smax), dtype=np.int64)
        pad[live] = t
    else:
        raise ShapeError(
            f"{_OP}: targets must be padded (N, S) or concatenated (sum(target_lengths),), got "
            f"shape {t.shape}"
        )
    used = pad[live]
    if used.size and (used.min() < 0 or used.max() >= c):
        bad = int(used.min()) if used.min() < 0 else int(used.max())
        raise IndexError(
            f"{_OP}: target {bad} is out of bounds for log_probs with C={c} classes (valid "
            f"classes are 0 to {c - 1})"
        )
    return pad, live


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False):  # fmt: skip
    """Connectionist temporal classification loss, as ``torch.nn.functional.ctc_loss``.

    log_probs: (T, N, C) log-probabilities (e.g. ``log_softmax(x, 2)``), or unbatched (T, C);
    float32 or float64. targets: padded (N, S) (S >= max target length; entries past a length
    are ignored) or all targets concatenated (sum(target_lengths),); unbatched: (S,). Class
    indices in [0, C). input_lengths, target_lengths: (N,) integer tensors or lists/tuples of
    ints (unbatched: one value), input lengths <= T. blank: the blank class in [0, C).
    reduction: ``'none'`` gives the (N,) losses (unbatched: a 0-d tensor), ``'sum'`` their sum,
    ``'mean'`` (default) the batch mean of each loss divided by its target length (clamped at
    1). zero_infinity: impossible alignments (input too short) give loss 0 and gradient 0
    instead of inf. The gradient with respect to log_probs is PyTorch's (it includes an
    exp(log_probs) term that vanishes through a log_softmax: see the module docstring); first
    order only.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(ctc_loss, log_probs, targets, input_lengths, target_lengths, blank,
                         reduction, zero_infinity)  # fmt: skip
    _check_reduction(_OP, reduction)
    if not isinstance(log_probs, Tensor) and not hasattr(log_probs, "dtype"):
        raise TypeError(f"{_OP}: log_probs must be a Tensor, got {type(log_probs).__name__}")
    x = log_probs._data if isinstance(log_probs, Tensor) else log_probs
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"{_OP}: log_probs must be float32 or float64, got dtype {x.dtype}")
    shape = tuple(x.shape)
    if len(shape) not in (2, 3):
        raise ShapeError(
            f"{_OP}: log_probs must be (T, N, C) or unbatched (T, C), got shape {shape}"
        )
    if 0 in shape:
        raise ShapeError(f"{_OP}: log_probs must not be empty, got shape {shape}")
    unbatched = len(shape) == 2
    T, c = shape[0], shape[-1]
    n = 1 if unbatched else shape[1]
    if isinstance(blank, bool) or not isinstance(blank, (int, np.integer)):
        raise TypeError(f"{_OP}: blank must be an int, got {blank!r}")
    if not 0 <= blank < c:
        raise ValueError(f"{_OP}: blank must be in the label range [0, {c}), got {blank}")
    il = _lengths("input_lengths", input_lengths, n, unbatched, limit=T)
    tl = _lengths("target_lengths", target_lengths, n, unbatched)
    pad, live = _padded_targets(targets, tl, n, c, unbatched)
    smax = pad.shape[1]
    lab = np.where(live, pad, blank)
    ext = np.full((n, 2 * smax + 1), blank, dtype=np.int64)
    ext[:, 1::2] = lab
    skip = np.zeros(ext.shape, dtype=bool)
    skip[:, 3::2] = lab[:, 1:] != lab[:, :-1]
    lin = (np.arange(n)[:, None] * c + lab).reshape(-1)  # label positions in the (N C) rows
    ext, skip, lin = (_like(a, x) for a in (ext, skip, lin))
    lp = ag.reshape(log_probs, (T, 1, c)) if unbatched else log_probs
    lengths = (tuple(il.tolist()), tuple(tl.tolist()))
    loss = CTC.apply(lp, ext, skip, lengths, lin, int(blank), bool(zero_infinity))
    if reduction == "none":
        return ag.reshape(loss, ()) if unbatched else loss
    if reduction == "sum":
        return loss.sum()
    div = _like(np.maximum(tl, 1).astype(x.dtype), x)
    return (loss / div).mean()
