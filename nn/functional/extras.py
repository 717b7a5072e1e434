"""``embedding_bag``, ``max_unpool1d/2d/3d``, ``lp_pool1d/2d/3d``, ``local_response_norm`` and
``gumbel_softmax``, as in ``torch.nn.functional``.

Each is built from differentiable ops (``index_select``, ``index_add``, ``max(dim)``, ``where``,
the pooling ops, ``softmax``) plus two small ops of its own, so first- and second-order
gradients follow from theirs:

* ``MaxUnpool``: y (N, C, *out) is zero except ``y[n, c].flat[indices[n, c, j]] = x[n, c, j]``
  (the flat per-plane positions ``max_pool*d(..., return_indices=True)`` returns); its backward
  gathers gy at the same positions, as PyTorch's does (so with repeated indices every source
  gets the gradient of the position it was written to, though only the last write shows).
* ``ScaleGrad``: the identity forward whose backward scales gy (``scale_grad_by_freq``), and
  ``ScaleGradMul``, the product with ``per_sample_weights`` whose backward scales only the
  weight's path.

Index bookkeeping (bags, windows, tables) is done on integer arrays, which carry no gradient.
"""

from __future__ import annotations

import math
import numbers
import operator
import warnings

import numpy as np

import autograd as ag
from autograd import Function, ShapeError
from autograd.random import gen
from autograd.tensor import Tensor
from backends import array_module

from .conv import _ntuple
from .linear import _renorm_rows
from .pooling import avg_pool1d, avg_pool2d, avg_pool3d, max_pool1d, max_pool2d, max_pool3d

__all__ = [
    "embedding_bag",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "local_response_norm",
    "gumbel_softmax",
]


def _raw(v):
    return v._data if isinstance(v, Tensor) else v


def _shape(v):
    return tuple(getattr(v, "shape", ()))


def _float_input(op, x, name="input"):
    """x's array after checking it is a floating-point Tensor/array (TypeError naming ``op``)."""
    a = _raw(x)
    if not hasattr(a, "dtype"):
        raise TypeError(f"{op}: expected {name} to be a Tensor, got {type(x).__name__}")
    if a.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point {name}, got dtype {a.dtype}")
    return a


def _int_array(op, name, v, xp=None):
    """An integer index argument (Tensor, array or list) as an array (TypeError otherwise)."""
    a = _raw(v)
    if not hasattr(a, "dtype"):
        a = np.asarray(a)
        if a.dtype.kind not in "iu" and a.size == 0:
            a = a.astype(np.int64)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{op}: {name} must be an integer tensor (int32 or int64), got {a.dtype}")
    if xp is not None and array_module(a) is not xp:
        if xp is np:
            raise RuntimeError(
                f"Expected all tensors to be on the same device, but {name} is on a GPU and "
                f"the weight on the cpu (in {op})"
            )
        a = xp.asarray(a)
    return a


class ScaleGrad(Function):
    """y = x (a copy); gx = gy * scale, ``scale`` a constant array broadcastable to x."""

    __slots__ = ("scale",)

    def forward(self, x, scale):
        self.scale = scale
        return x.copy()

    def backward(self, gy):
        return gy * self.scale, None


class ScaleGradMul(Function):
    """y = rows * p (rows (m, D), p (m, 1)); g_rows = gy * p * scale, g_p = sum_D gy * rows.

    ``scale`` (m, 1), a constant, scales only the path to rows (``scale_grad_by_freq``), so the
    mixed second derivatives stay those of the scaled first-order rule.
    """

    __slots__ = ("scale",)
    save_inputs = (0, 1)

    def forward(self, rows, p, scale):
        self.scale = scale
        return rows * p

    def backward(self, gy):
        rows, p = self.saved
        g_rows = gy * p * self.scale if self.needs_grad(0) else None
        g_p = (gy * rows).sum(axis=1, keepdims=True) if self.needs_grad(1) else None
        return g_rows, g_p, None


# -- embedding_bag ---------------------------------------------------------------------------------

_BAG_MODES = ("sum", "mean", "max")


def _bags(op, idx, offsets, include_last_offset, n_words):
    """Flat word indices and per-bag extents from a 2-D input or a 1-D input with offsets.

    Returns (flat (n,), ends (B,) exclusive ends, total: entries that belong to some bag).
    """
    xp = array_module(idx)
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(
                f"{op}: if input is 2-D ({tuple(idx.shape)}), then offsets has to be None, as "
                "input is treated as a mini-batch of fixed length sequences; got offsets of "
                f"shape {_shape(_raw(offsets))}"
            )
        B, L = idx.shape
        ends = (xp.arange(B, dtype=xp.int64) + 1) * L
        return idx.reshape(-1), ends, B * L
    if idx.ndim != 1:
        raise ShapeError(f"{op}: input has to be a 1-D or 2-D tensor, got shape {tuple(idx.shape)}")
    if offsets is None:
        raise ValueError(f"{op}: offsets has to be a 1-D tensor when input is 1-D, but got None")
    off = _int_array(op, "offsets", offsets, xp).astype(xp.int64)
    if off.ndim != 1:
        raise ShapeError(f"{op}: offsets has to be a 1-D tensor, got shape {tuple(off.shape)}")
    n = idx.shape[0]
    if include_last_offset and off.shape[0] == 0:
        raise ValueError(
            f"{op}: include_last_offset=True needs at least one offset (the end of the last bag)"
        )
    if off.shape[0]:
        first, last = int(off[0]), int(off[-1])
        if first != 0:
            raise ValueError(
                f"{op}: offsets[0] has to be 0, i.e., the first bag has to start at position "
                f"0; got {first}"
            )
        if last > n:
            raise ValueError(
                f"{op}: offsets[-1] can not be greater than input's length {n}, got {last}"
            )
        if off.shape[0] > 1 and bool((off[1:] < off[:-1]).any()):
            raise ValueError(f"{op}: offsets must be non-decreasing, got {off.tolist()}")
    if include_last_offset and int(off[-1]) != n:
        # CSR: the last offset ends the last bag and must be len(input) (PyTorch's CPU kernels
        # disagree between modes about entries past it, pytorch/pytorch#191965)
        raise ValueError(
            f"{op}: with include_last_offset=True the last offset must equal the input's length "
            f"{n}, got {int(off[-1])}"
        )
    starts = off[:-1] if include_last_offset else off
    if starts.shape[0] == 0:  # no bags
        return idx, starts, 0
    ends = xp.concatenate([starts[1:], xp.asarray([n], dtype=xp.int64)])
    return idx, ends, n


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):  # fmt: skip
    """Sums, means or maxima of bags of embeddings, without building the (bags, len, dim) lookup.

    input: integer (B, L) (B bags of L indices each; offsets must be None) or (n,) with
    ``offsets`` (B,) giving each bag's start (``include_last_offset``: (B + 1,), CSR style, the
    extra last entry equal to len(input)); offsets must start at 0, not decrease and not exceed
    len(input). weight:
    (num_embeddings, dim). mode: ``"sum"``, ``"mean"`` or ``"max"`` (elementwise over the bag;
    the gradient goes to the first maximum). per_sample_weights: input's shape, weight's dtype,
    mode ``"sum"`` only: each looked-up row is scaled by it (and it gets a gradient).
    padding_idx: entries equal to it are left out of their bag (and out of the mean's count).
    Empty bags give zeros. scale_grad_by_freq: weight's gradient is divided by how often each
    index occurs in ``input``. max_norm: looked-up rows are first renormalised in place to
    norm <= max_norm (``norm_type``-norm). sparse=True (sparse gradients) is not supported.
    Returns (B, dim) in weight's dtype.
    """
    op = "embedding_bag"
    w = _float_input(op, weight, "weight")
    if w.ndim != 2:
        raise ShapeError(
            f"{op}: weight has to be a 2-D (num_embeddings, embedding_dim) tensor, got shape "
            f"{tuple(w.shape)}"
        )
    xp = array_module(w)
    idx = _int_array(op, "input", input, xp)
    if mode not in _BAG_MODES:
        raise ValueError(f"{op}: mode has to be one of sum, mean or max, got {mode!r}")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError(f"{op}: max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError(f"{op}: max mode does not support sparse weights")
    if sparse:
        raise NotImplementedError(
            f"{op}: sparse=True (a sparse gradient for weight) is not supported by tapegrad; "
            "use sparse=False (weight.grad is then dense)"
        )
    psw = per_sample_weights
    if psw is not None:
        pa = _raw(psw)
        if _shape(pa) != tuple(idx.shape):
            raise ShapeError(
                f"{op}: if per_sample_weights ({_shape(pa)}) is not None, then it must have the "
                f"same shape as the input ({tuple(idx.shape)})"
            )
        if mode != "sum":
            raise NotImplementedError(
                f"{op}: per_sample_weights was not None. per_sample_weights is only supported "
                f"for mode='sum' (got mode={mode!r})"
            )
        if pa.dtype != w.dtype:
            raise TypeError(
                f"{op}: per_sample_weights dtype {pa.dtype} differs from weight dtype {w.dtype}"
            )
    n_words, dim = w.shape
    flat, ends, total = _bags(op, idx, offsets, include_last_offset, n_words)
    if flat.size:
        lo, hi = int(flat.min()), int(flat.max())
        if lo < 0 or hi >= n_words:
            raise IndexError(
                f"{op}: index {lo if lo < 0 else hi} is out of range for a weight with "
                f"{n_words} rows (valid: 0 to {n_words - 1})"
            )
    if padding_idx is not None:
        p = operator.index(padding_idx)
        if not -n_words <= p < n_words:
            raise IndexError(
                f"{op}: padding_idx must be within the number of embeddings, -{n_words} through "
                f"{n_words - 1}, but got {p}"
            )
        padding_idx = p + n_words if p < 0 else p
    if max_norm is not None and flat.size:
        _renorm_rows(weight, flat, max_norm, norm_type)

    B = int(ends.shape[0])
    pos = xp.arange(total, dtype=xp.int64)
    bag = xp.searchsorted(ends, pos, side="right")  # bag b holds positions [ends[b-1], ends[b])
    words = flat[:total].astype(xp.int64)
    if padding_idx is not None:
        keep = words != padding_idx
        pos, bag, words = pos[keep], bag[keep], words[keep]
    count = xp.bincount(bag, minlength=B)[:B] if B else xp.zeros(0, dtype=xp.int64)
    zeros = xp.zeros((B, dim), dtype=w.dtype)
    if mode == "max" and words.size:
        return _bag_max(weight, words, bag, count, B, dim)
    rows = ag.index_select(weight, 0, words)  # (m, dim)
    scale = None
    if scale_grad_by_freq and isinstance(rows, Tensor) and rows.requires_grad:
        freq = xp.bincount(words, minlength=n_words)  # weight's gradient / its row's frequency
        scale = (1.0 / freq[words]).astype(w.dtype)[:, None]
    if psw is not None:
        ps = psw.reshape(-1) if isinstance(psw, Tensor) else xp.asarray(_raw(psw)).reshape(-1)
        ps = ag.index_select(ps, 0, pos).reshape(-1, 1)
        rows = rows * ps if scale is None else ScaleGradMul.apply(rows, ps, scale)
    elif scale is not None:
        rows = ScaleGrad.apply(rows, scale)
    out = ag.index_add(zeros, 0, bag, rows)
    if mode == "mean":
        out = out / xp.maximum(count, 1).astype(w.dtype)[:, None]
    return out


def _bag_max(weight, words, bag, count, B, dim):
    """The elementwise max of each bag's rows: a (B, Lmax) table of word indices (entry order,
    padded), gathered, -inf where padded, reduced by max(dim=1); empty bags give zeros."""
    xp = array_module(words)
    L = int(count.max())
    start = xp.cumsum(count) - count
    rank = xp.arange(words.shape[0], dtype=xp.int64) - start[bag]
    table = xp.zeros((B, L), dtype=xp.int64)
    valid = xp.zeros((B, L), dtype=bool)
    table[bag, rank] = words
    valid[bag, rank] = True
    rows = ag.index_select(weight, 0, table.reshape(-1)).reshape(B, L, dim)
    rows = ag.where(valid[:, :, None], rows, -math.inf)
    best = ag.max(rows, dim=1).values  # the first maximum in entry order takes the gradient
    return ag.where((count > 0)[:, None], best, 0.0)


# -- max_unpool ------------------------------------------------------------------------------------


class MaxUnpool(Function):
    """y (N, C, *out) = 0 but y[n, c].flat[indices[n, c, j]] = x[n, c, j]; gx = gy at indices.

    x, indices: (N, C, *S); out: d ints. Repeated indices: the last write wins.
    """

    __slots__ = ("indices", "x_shape")

    def forward(self, x, indices, out):
        xp = array_module(x)
        N, C = x.shape[:2]
        P, K = math.prod(out), math.prod(x.shape[2:])
        y = xp.zeros((N * C, P), dtype=x.dtype)
        rows = xp.arange(N * C, dtype=xp.int64)[:, None]
        idx = indices.reshape(N * C, K)
        y[rows, idx] = x.reshape(N * C, K)
        self.indices, self.x_shape = idx.reshape(N, C, K), x.shape
        return y.reshape((N, C) + tuple(out))

    def backward(self, gy):
        N, C = self.x_shape[:2]
        g = ag.gather(gy.reshape(N, C, -1), 2, self.indices)
        return g.reshape(self.x_shape), None, None


def _unpool_size(op, d, in_sizes, kernel, stride, padding, output_size):
    default = tuple(
        (n - 1) * s + k - 2 * p for n, k, s, p in zip(in_sizes, kernel, stride, padding)
    )
    if output_size is None:
        out = default
    else:
        sizes = tuple(output_size) if isinstance(output_size, (list, tuple)) else (output_size,)
        if len(sizes) == d + 2:
            sizes = sizes[2:]
        if len(sizes) != d:
            raise ValueError(
                f"{op}: output_size should be a sequence containing {d} or {d + 2} elements, "
                f"but it has a length of {len(sizes)}"
            )
        try:
            sizes = tuple(operator.index(v) for v in sizes)
        except TypeError:
            raise TypeError(f"{op}: output_size must hold ints, got {output_size!r}") from None
        for i, (m, dm, s) in enumerate(zip(sizes, default, stride)):
            if not dm - s < m < dm + s:
                raise ValueError(
                    f"{op}: invalid output_size {output_size!r} (dim {i} must be between "
                    f"{dm - s} and {dm + s}, exclusive, for input sizes {tuple(in_sizes)})"
                )
        out = sizes
    if any(m < 0 for m in out):
        raise ValueError(
            f"{op}: output_size must contain non-negative spatial dimensions, got {tuple(out)}"
        )
    return tuple(out)


def _max_unpool(d, op, x, indices, kernel_size, stride, padding, output_size):
    a = _float_input(op, x)
    shape = tuple(a.shape)
    if len(shape) not in (d + 1, d + 2):
        raise ShapeError(
            f"{op}: expected a {d + 1}-D (unbatched) or {d + 2}-D (batched) input, got shape "
            f"{shape}"
        )
    xp = array_module(a)
    idx = _int_array(op, "indices", indices, xp)
    if tuple(idx.shape) != shape:
        raise ShapeError(
            f"{op}: expected indices of the input's shape {shape}, got {tuple(idx.shape)}"
        )
    kernel = _ntuple(kernel_size, d, "kernel_size", op)
    stride = kernel if stride is None or stride == () or stride == [] else stride
    stride = _ntuple(stride, d, "stride", op)
    padding = _ntuple(padding, d, "padding", op, minimum=0)
    out = _unpool_size(op, d, shape[-d:], kernel, stride, padding, output_size)
    P = math.prod(out)
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= P:
            raise IndexError(
                f"{op}: found an invalid max index {lo if lo < 0 else hi} (output planes are of "
                f"size {'x'.join(map(str, out))}; valid: 0 to {P - 1})"
            )
    unbatched = len(shape) == d + 1
    if unbatched:
        x = x.reshape((1,) + shape)
        idx = idx.reshape((1,) + shape)
    y = MaxUnpool.apply(x, idx.astype(xp.int64), out)
    return y.reshape(tuple(y.shape)[1:]) if unbatched else y


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool1d``: zeros with each input value put back at its index.

    input, indices: (N, C, L) or (C, L), indices as returned by ``max_pool1d(...,
    return_indices=True)`` (positions in [0, Lout)). Returns (N, C, Lout), by default
    Lout = (L - 1) stride - 2 padding + kernel_size; ``output_size`` (int sequence of 1 or 3)
    may pick another size within ``stride`` of it (e.g. the pooled input's size).
    """
    return _max_unpool(1, "max_unpool1d", input, indices, kernel_size, stride, padding,
                       output_size)  # fmt: skip


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool2d``. input, indices: (N, C, H, W) or (C, H, W).

    indices: flat positions in [0, Hout Wout) of each (n, c) plane, as ``max_pool2d(...,
    return_indices=True)`` gives. Returns (N, C, Hout, Wout), per dim (n - 1) stride - 2 padding
    + kernel unless ``output_size`` ((Hout, Wout) or (N, C, Hout, Wout)) says otherwise.
    """
    return _max_unpool(2, "max_unpool2d", input, indices, kernel_size, stride, padding,
                       output_size)  # fmt: skip


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool3d``. input, indices: (N, C, D, H, W) or (C, D, H, W).

    Returns (N, C, Dout, Hout, Wout); indices are flat positions in [0, Dout Hout Wout).
    """
    return _max_unpool(3, "max_unpool3d", input, indices, kernel_size, stride, padding,
                       output_size)  # fmt: skip


# -- lp_pool ---------------------------------------------------------------------------------------


def _lp_pool(d, op, x, norm_type, kernel_size, stride, ceil_mode):
    _float_input(op, x)
    if isinstance(norm_type, Tensor):
        norm_type = norm_type.item()
    if isinstance(norm_type, bool) or not isinstance(norm_type, numbers.Real):
        raise TypeError(f"{op}: norm_type must be a real number, got {norm_type!r}")
    if norm_type == 0 or math.isnan(norm_type):
        raise ValueError(f"{op}: norm_type must be nonzero, got {norm_type!r}")
    kernel = _ntuple(kernel_size, d, "kernel_size", op)
    maxp = (max_pool1d, max_pool2d, max_pool3d)[d - 1]
    if math.isinf(norm_type):  # the max (or, for -inf, the min) of |x| over each window
        if norm_type > 0:
            return maxp(ag.abs(x), kernel, stride, 0, 1, ceil_mode)
        return -maxp(-ag.abs(x), kernel, stride, 0, 1, ceil_mode)
    avgp = (avg_pool1d, avg_pool2d, avg_pool3d)[d - 1]
    p = float(norm_type)
    with np.errstate(invalid="ignore"):  # odd p, negative window sums: NaN, as torch (silent)
        s = avgp(x**p, kernel, stride, 0, ceil_mode) * math.prod(kernel)
    # PyTorch's (sign(s) relu(|s|))^(1/p): its gradient is zero where s == 0 (no inf * 0 NaN)
    nz = s != 0
    safe = ag.where(nz, s, 1.0)
    return ag.where(nz, safe ** (1.0 / p), math.inf if p < 0 else 0.0)  # 0^(1/p)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling: (sum over each window of x^p)^(1/p), p = norm_type.

    input: (N, C, L) or (C, L). Returns (N, C, Lout), Lout as in ``avg_pool1d`` (no padding;
    stride defaults to kernel_size). As in PyTorch the window sum is the average pool times the
    kernel size (with ceil_mode a clipped last window is scaled the same way); p = inf gives the
    max of |x|, -inf the min. The gradient is zero for a window whose sum is zero.
    """
    return _lp_pool(1, "lp_pool1d", input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over 2-D windows. input: (N, C, H, W) or (C, H, W).

    Returns (N, C, Hout, Wout) = (kh kw avg_pool2d(x^p))^(1/p), p = norm_type (see lp_pool1d).
    """
    return _lp_pool(2, "lp_pool2d", input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over 3-D windows. input: (N, C, D, H, W) or (C, D, H, W).

    Returns (N, C, Dout, Hout, Wout) = (kd kh kw avg_pool3d(x^p))^(1/p) (see lp_pool1d).
    """
    return _lp_pool(3, "lp_pool3d", input, norm_type, kernel_size, stride, ceil_mode)


# -- local_response_norm ---------------------------------------------------------------------------


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Normalise each element by the energy of nearby channels (AlexNet's LRN).

    input: (N, C, *) with at least 3 dims. y = x / (k + alpha / size * sum_{c'} x[:, c']^2)^beta,
    the sum over the ``size`` channels c - size // 2 .. c + (size - 1) // 2 (zeros beyond the
    edges; the divisor stays ``size``). Returns input's shape and dtype.
    """
    op = "local_response_norm"
    a = _float_input(op, input)
    if a.ndim < 3:
        raise ShapeError(
            f"{op}: expected a 3-D or higher dimensional input (N, C, *), got shape "
            f"{tuple(a.shape)}"
        )
    if isinstance(size, bool):
        raise TypeError(f"{op}: size must be an int, got {size!r}")
    try:
        size = operator.index(size)
    except TypeError:
        raise TypeError(f"{op}: size must be an int, got {size!r}") from None
    if size < 1:
        raise ValueError(f"{op}: size must be >= 1, got {size}")
    if a.size == 0:
        return input
    C = a.shape[1]
    sq = input * input
    pad = (0, 0) * (a.ndim - 2) + (size // 2, (size - 1) // 2)
    sq = ag.pad(sq, pad)  # channels: size // 2 zeros before, (size - 1) // 2 after
    s = sq[:, 0:C]
    for j in range(1, size):
        s = s + sq[:, j : j + C]
    div = (s / size * alpha + k) ** beta
    return input / div


# -- gumbel_softmax --------------------------------------------------------------------------------


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """A sample from the Gumbel-softmax (Concrete) distribution over ``dim``.

    logits: (..., K, ...) float, unnormalised log-probabilities. y = softmax((logits + g) / tau)
    with g ~ Gumbel(0, 1) drawn from autograd's global generator (``ag.manual_seed``). hard: the
    one-hot of y's argmax (the first maximum) in the forward pass, with y's gradient (straight
    through: ``y_hard - y.detach() + y``). eps: deprecated, ignored (a warning if changed).
    tau: temperature > 0. Returns logits' shape and dtype.
    """
    op = "gumbel_softmax"
    a = _float_input(op, logits, "logits")
    if eps != 1e-10:
        warnings.warn("gumbel_softmax: `eps` parameter is deprecated and has no effect.",
                      stacklevel=2)  # fmt: skip
    if isinstance(tau, bool) or not isinstance(tau, numbers.Real) or not tau > 0:
        raise ValueError(f"{op}: tau must be a positive number, got {tau!r}")
    axis = ag.norm_dim(dim, a.ndim, op)
    xp = array_module(a)
    e = gen().exponential(1.0, size=a.shape)
    g = (-np.log(e)).astype(a.dtype)
    g = g if xp is np else xp.asarray(g)
    if not isinstance(logits, Tensor):
        logits = ag.tensor(logits)
    y = ag.softmax((logits + g) / tau, dim=dim)
    if not hard:
        return y
    ya = _raw(y)
    if ya.ndim == 0:
        y_hard = xp.ones_like(ya)
    else:  # one-hot of the first maximum along axis
        first = xp.expand_dims(xp.argmax(ya, axis=axis), axis)
        k = xp.arange(ya.shape[axis]).reshape((-1,) + (1,) * (ya.ndim - 1 - axis))
        y_hard = (k == first).astype(ya.dtype)
    return y_hard - y.detach() + y
