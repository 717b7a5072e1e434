"""Activation functions. Each takes ``x`` of any shape and returns that shape (softmax-like ones
take a ``dim``).

Piecewise ops whose derivative needs care are Functions with the rule written once (raw arrays
when not recording, tensors for ``create_graph``): step, leaky_relu, elu, gelu, silu, hardtanh,
threshold, softshrink, hardshrink. The rest compose autograd ops. rrelu draws its training
slopes from autograd's global generator (``ag.manual_seed``) or a ``generator`` passed in.

``inplace=True`` (relu, relu6, leaky_relu, elu, selu, celu, silu, mish, hardtanh, hardsigmoid,
hardswish, threshold, rrelu) overwrites x with the result and returns x itself, as PyTorch does:
the out-of-place op runs and its result is written through ``autograd.inplace.apply_op``, so it is
recorded on the graph when x is an interior tensor, a plain write under ``no_grad()`` or when x
does not require grad, and refused (RuntimeError naming the function) on a leaf that requires
grad or on a view of a recorded graph.
"""

from __future__ import annotations

import math

import numpy as np

import autograd as ag
from autograd import Function, ShapeError
from autograd.amp import _active as _amp_on
from autograd.amp import _tls as _amp
from autograd.amp import autocast_call as _autocast
from autograd.inplace import apply_op
from autograd.ops._dims import norm_dim
from autograd.ops.arithmetic import _raw, drop_where, keep_where, zero_grad
from autograd.random import gen
from autograd.tensor import Tensor
from backends import array_module

__all__ = [
    "step",
    "heaviside",
    "identity",
    "sigmoid",
    "tanh",
    "relu",
    "relu6",
    "leaky_relu",
    "prelu",
    "elu",
    "selu",
    "celu",
    "gelu",
    "silu",
    "mish",
    "softplus",
    "softsign",
    "hardtanh",
    "hardsigmoid",
    "hardswish",
    "logsigmoid",
    "maxout",
    "softmax",
    "log_softmax",
    "softmin",
    "threshold",
    "softshrink",
    "hardshrink",
    "tanhshrink",
    "glu",
    "rrelu",
]

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _inplace(x, op, fn, *args):
    """x overwritten with ``fn(x, *args)`` (fn: the out-of-place form); returns x itself.

    Recorded on the graph when x is an interior tensor that requires grad; a RuntimeError naming
    ``op`` for a leaf that requires grad (while recording) or a view of a recorded graph.
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(inplace=True): expected a Tensor, got {type(x).__name__}")
    return apply_op(x, op + "(inplace=True)", fn, *args)


def _float(name, x):
    """TypeError unless x is real floating point (torch refuses these activations on complex
    tensors; silu, which torch allows, skips the complex test)."""
    if x.dtype.kind == "c" and name != "silu":
        raise TypeError(f"{name}: not supported for complex tensors (got {x.dtype})")
    if x.dtype.kind not in "fc":
        raise TypeError(f"{name}: expected a floating point tensor, got dtype {x.dtype}")


# -- step (Heaviside) -------------------------------------------------------------------------


class Step(Function):
    """y = 1 where x > 0 else 0. dy/dx = 0, or a straight-through surrogate when asked."""

    __slots__ = ("mode",)
    save_inputs = (0,)

    def forward(self, x, mode):
        _float("step", x)
        self.mode = mode
        return (x > 0).astype(x.dtype)

    def backward(self, gy):
        (x,) = self.saved
        if self.mode == "identity":
            return gy, None
        if self.mode == "clipped":  # the hardtanh surrogate: pass where |x| <= 1
            return keep_where(gy, abs(_raw(x)) <= 1), None
        return zero_grad(gy), None


def step(x, straight_through=False):
    """The Heaviside step: 1 where x > 0, else 0 (so step(0) = 0). x: any shape.

    Its true derivative is 0 everywhere (undefined at 0), so backpropagation through it gives
    every weight before it a zero gradient: a network of step units cannot be trained by
    gradient descent (the perceptron rule and sigmoid units exist for this reason).

    straight_through: False (the true zero gradient), True or ``'identity'`` (the
    straight-through estimator: pass gy unchanged, as if the step were the identity), or
    ``'clipped'`` (pass gy only where |x| <= 1, the hardtanh surrogate of Hubara et al.).
    """
    mode = {False: None, None: None, True: "identity", "identity": "identity",
            "clipped": "clipped"}.get(straight_through, "bad")  # fmt: skip
    if mode == "bad":
        raise ValueError(
            f"step: straight_through must be False, True, 'identity' or 'clipped', got "
            f"{straight_through!r}"
        )
    return Step.apply(x, mode)


heaviside = step


def identity(x):
    """Returns x (the linear activation)."""
    return x


def sigmoid(x):
    """1 / (1 + e^-x), stable for large |x|. Any shape."""
    return ag.sigmoid(x)


def tanh(x):
    """tanh(x). Any shape."""
    return ag.tanh(x)


def relu(x, inplace: bool = False):
    """max(x, 0); relu'(0) = 0. Any shape. ``inplace``: overwrite x and return it."""
    if inplace:
        return _inplace(x, "relu", ag.relu)
    return ag.relu(x)


# -- leaky relu, elu, selu, celu --------------------------------------------------------------


class LeakyReLU(Function):
    """y = x if x > 0 else slope * x; dy/dx = 1 if x > 0 else slope (slope at 0, as PyTorch)."""

    __slots__ = ("slope",)
    mask_grad = True
    save_inputs = (0,)

    def forward(self, x, slope):
        _float("leaky_relu", x)
        self.slope = slope
        return np.where(x > 0, x, x * slope)

    def backward(self, gy):
        (x,) = self.saved
        return ag.where(x > 0, gy, gy * self.slope), None


def leaky_relu(x, negative_slope: float = 0.01, inplace: bool = False):
    """x where x > 0, negative_slope * x elsewhere. Any shape. ``inplace``: overwrite x."""
    if inplace:
        return _inplace(x, "leaky_relu", LeakyReLU.apply, float(negative_slope))
    return LeakyReLU.apply(x, float(negative_slope))


class ELU(Function):
    """PyTorch's elu family: y = scale x where x > 0, else alpha scale (e^(input_scale x) - 1);
    dy/dx = scale where x > 0, else alpha scale input_scale e^(input_scale x).

    elu is (alpha, 1, 1), selu (SELU_ALPHA, SELU_SCALE, 1), celu (alpha, 1, 1 / alpha). The
    branch is taken on x itself, so a negative alpha (celu) keeps it. Under create_graph the
    exponential's derivative is masked by x < 0 as torch's elu double backward is: the second
    derivative at exactly 0 is 0, the first is the negative branch's (alpha scale input_scale).
    """

    __slots__ = ("alpha", "scale", "iscale")
    save_inputs = (0,)

    def forward(self, x, alpha, scale, input_scale):
        _float("elu", x)
        self.alpha, self.scale, self.iscale = alpha, scale, input_scale
        neg = np.minimum(x, 0)
        if input_scale != 1:
            neg = neg * input_scale
        pos = x if scale == 1 else x * scale
        return np.where(x > 0, pos, np.expm1(neg) * (alpha * scale))

    def backward(self, gy):
        (x,) = self.saved
        c, s = self.iscale, self.scale
        inner = ag.where(x < 0, x, 0)  # e^(c x) cannot overflow where x > 0 (not selected)
        neg = ag.exp(inner if c == 1 else inner * c) * (self.alpha * s * c)
        pos = gy if s == 1 else gy * s
        return ag.where(x > 0, pos, gy * neg), None, None, None


def elu(x, alpha: float = 1.0, inplace: bool = False):
    """x where x > 0, alpha * (exp(x) - 1) elsewhere. Any shape. ``inplace``: overwrite x."""
    if inplace:
        return _inplace(x, "elu", ELU.apply, float(alpha), 1.0, 1.0)
    return ELU.apply(x, float(alpha), 1.0, 1.0)


def selu(x, inplace: bool = False):
    """scale * elu(x, alpha) with the self-normalising constants (Klambauer et al. 2017).

    Any shape. ``inplace``: overwrite x and return it."""
    if inplace:
        return _inplace(x, "selu", selu)
    return ELU.apply(x, SELU_ALPHA, SELU_SCALE, 1.0)


def celu(x, alpha: float = 1.0, inplace: bool = False):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)): x where x > 0, else
    alpha * expm1(x / alpha), for any alpha but 0. Any shape. ``inplace``: overwrite x."""
    if alpha == 0:
        raise ValueError("celu: alpha cannot be 0")
    if inplace:
        return _inplace(x, "celu", celu, alpha)
    alpha = float(alpha)
    return ELU.apply(x, alpha, 1.0, 1.0 / alpha)


# -- gelu, silu, mish ---------------------------------------------------------------------------


class GELU(Function):
    """Exact: y = x Phi(x), dy/dx = Phi(x) + x phi(x).

    tanh: y = x/2 (1 + tanh(u)), u = sqrt(2/pi)(x + 0.044715 x^3),
    dy/dx = (1 + t)/2 + x/2 (1 - t^2) sqrt(2/pi)(1 + 3 * 0.044715 x^2), t = tanh(u).
    """

    __slots__ = ("approx",)
    save_inputs = (0,)

    def forward(self, x, approx):
        _float("gelu", x)
        self.approx = approx
        if approx == "tanh":
            return 0.5 * x * (1 + np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)))
        return 0.5 * x * (1 + ag.erf(x * _INV_SQRT_2))

    def backward(self, gy):
        (x,) = self.saved
        if self.approx == "tanh":
            t = ag.tanh((x + x * x * x * 0.044715) * _SQRT_2_OVER_PI)
            dt = (1 - t * t) * ((x * x * (3 * 0.044715) + 1) * _SQRT_2_OVER_PI)
            return gy * ((t + 1) * 0.5 + x * 0.5 * dt), None
        cdf = (ag.erf(x * _INV_SQRT_2) + 1) * 0.5
        pdf = ag.exp(x * x * -0.5) * _INV_SQRT_2PI
        return gy * (cdf + x * pdf), None


def gelu(x, approximate: str = "none"):
    """Gaussian error linear unit x * Phi(x); ``approximate='tanh'`` uses the tanh formula."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(x, approximate)


class SiLU(Function):
    """y = x sigmoid(x); dy/dx = s (1 + x (1 - s)), s = sigmoid(x)."""

    __slots__ = ()
    save_inputs = (0,)

    def forward(self, x):
        _float("silu", x)
        return x * ag.sigmoid(x)

    def backward(self, gy):
        (x,) = self.saved
        s = ag.sigmoid(x)
        return gy * (s * (x * (1 - s) + 1))


def silu(x, inplace: bool = False):
    """x * sigmoid(x) (swish). Any shape. ``inplace``: overwrite x and return it."""
    if inplace:
        return _inplace(x, "silu", SiLU.apply)
    return SiLU.apply(x)


def mish(x, inplace: bool = False):
    """x * tanh(softplus(x)). Any shape. ``inplace``: overwrite x and return it."""
    if inplace:
        return _inplace(x, "mish", mish)
    return x * ag.tanh(ag.softplus(x))


def softplus(x, beta: float = 1.0, threshold: float = 20.0):
    """log(1 + exp(beta x)) / beta, linear where beta x > threshold. Any shape."""
    return ag.softplus(x, beta, threshold)


def softsign(x):
    """x / (1 + |x|). Any shape."""
    return x / (ag.abs(x) + 1)


def logsigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x| (no linear cut-off, so the value and
    the gradient sigmoid(-x) are exact everywhere, as PyTorch's). Any shape."""
    return -ag.softplus(-x, 1.0, math.inf)


# -- hard (piecewise linear) ------------------------------------------------------------------


class Hardtanh(Function):
    """y = clip(x, lo, hi); dy/dx = 1 strictly inside (lo, hi), else 0 (as PyTorch)."""

    __slots__ = ("lo", "hi")
    mask_grad = True
    save_inputs = (0,)

    def forward(self, x, lo, hi):
        _float("hardtanh", x)
        self.lo, self.hi = lo, hi
        return np.clip(x, lo, hi)

    def backward(self, gy):
        (x,) = self.saved
        x = _raw(x)  # torch's rule: 0 where x <= lo or x >= hi (so a NaN x passes gy)
        return drop_where(gy, (x <= self.lo) | (x >= self.hi)), None, None


def hardtanh(x, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
    """Clip x to [min_val, max_val]. Any shape. ``inplace``: overwrite x and return it."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val {min_val} must not exceed max_val {max_val}")
    if inplace:
        return _inplace(x, "hardtanh", Hardtanh.apply, float(min_val), float(max_val))
    return Hardtanh.apply(x, float(min_val), float(max_val))


def relu6(x, inplace: bool = False):
    """min(max(x, 0), 6). Any shape. ``inplace``: overwrite x and return it."""
    if inplace:
        return _inplace(x, "relu6", relu6)
    return Hardtanh.apply(x, 0.0, 6.0)


def hardsigmoid(x, inplace: bool = False):
    """relu6(x + 3) / 6. Any shape. ``inplace``: overwrite x and return it."""
    if inplace:
        return _inplace(x, "hardsigmoid", hardsigmoid)
    return Hardtanh.apply(x + 3, 0.0, 6.0) / 6


def hardswish(x, inplace: bool = False):
    """x * relu6(x + 3) / 6. Any shape. ``inplace``: overwrite x and return it."""
    if inplace:
        return _inplace(x, "hardswish", hardswish)
    return x * (Hardtanh.apply(x + 3, 0.0, 6.0) / 6)


# -- parametric and multi-input -----------------------------------------------------------------


def prelu(x, weight):
    """x where x > 0, weight * x elsewhere; weight: (1,) or (C,) for channel dim 1.

    x: (N, C, ...) or (C,) or any shape when weight has one element. Returns x's shape.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(prelu, x, weight)
    w = weight._data if isinstance(weight, Tensor) else weight
    n = w.size
    if n != 1:
        xs = tuple(x.shape)
        c = xs[1] if len(xs) >= 2 else (xs[0] if len(xs) == 1 else None)
        if c != n:
            raise ShapeError(
                f"prelu: weight has {n} parameters but the input of shape {xs} has "
                f"{c} channels (dimension 1)"
            )
        if len(xs) >= 2:
            weight = ag.reshape(weight, (n,) + (1,) * (len(xs) - 2))
    elif w.ndim:
        weight = ag.reshape(weight, ())
    return ag.where(x > 0, x, x * weight)


def maxout(x, weight, bias=None, pieces: int | None = None):
    """Max over k affine maps: y_j = max_i (x @ W[j, i]^T + b[j, i]).

    x: (..., in); weight: (out, pieces, in); bias: (out, pieces) or None. Returns (..., out).
    """
    w = weight._data if isinstance(weight, Tensor) else weight
    if w.ndim != 3 or x.shape[-1] != w.shape[2]:
        raise ShapeError(
            f"maxout: input shape {tuple(x.shape)} and weight shape {tuple(w.shape)} don't match "
            "(expected weight (out, pieces, in) with in = the input's last dimension)"
        )
    out_f, k, in_f = w.shape
    from .linear import linear

    z = linear(x, ag.reshape(weight, (out_f * k, in_f)),
               None if bias is None else ag.reshape(bias, (out_f * k,)))  # fmt: skip
    z = ag.reshape(z, tuple(x.shape[:-1]) + (out_f, k))
    return ag.amax(z, -1)


# -- softmax family ---------------------------------------------------------------------------


def softmax(x, dim: int = -1, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim`` (default the last), stable. Returns x's shape."""
    return ag.softmax(x, dim if dim is not None else -1, dtype=dtype)


def log_softmax(x, dim: int = -1, dtype=None):
    """log(softmax(x)) along ``dim``, computed stably (no log of a rounded softmax)."""
    return ag.log_softmax(x, dim if dim is not None else -1, dtype=dtype)


def softmin(x, dim: int = -1, dtype=None):
    """softmax(-x) along ``dim``."""
    return ag.softmax(-x, dim if dim is not None else -1, dtype=dtype)


# -- threshold and shrinkage ----------------------------------------------------------------------


class Threshold(Function):
    """y = value where x <= threshold, else x; dy/dx = 0 where x <= threshold (the threshold
    itself included), else 1. A NaN x passes through (as PyTorch)."""

    __slots__ = ("th",)
    mask_grad = True
    save_inputs = (0,)

    def forward(self, x, th, value):
        self.th = th
        return np.where(x <= th, x.dtype.type(value), x)

    def backward(self, gy):
        (x,) = self.saved
        return ag.where(x <= self.th, 0.0, gy), None, None


def threshold(x, threshold, value, inplace: bool = False):
    """x where x > threshold, else ``value``. x: any shape (float, or integer with ``value`` cast
    to its dtype as PyTorch does). The gradient is 0 at x == threshold. ``inplace``: overwrite
    x and return it."""
    for name, v in (("threshold", threshold), ("value", value)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise TypeError(f"threshold: {name} must be a number, got {type(v).__name__} {v!r}")
    if x.dtype.kind not in "fciu":
        raise TypeError(f"threshold: expected a numeric tensor, got dtype {x.dtype}")
    if inplace:
        return _inplace(x, "threshold", Threshold.apply, threshold, value)
    return Threshold.apply(x, threshold, value)


class Shrink(Function):
    """Soft shrinkage y = x - lambd sign(x) where |x| > lambd, else 0; hard shrinkage
    y = x where |x| > lambd, else 0. dy/dx = 1 outside [-lambd, lambd], 0 on it (its ends
    included, as PyTorch)."""

    __slots__ = ("lambd",)
    mask_grad = True
    save_inputs = (0,)

    def forward(self, x, lambd, soft):
        self.lambd = lambd
        zero = (x >= -lambd) & (x <= lambd)
        return np.where(zero, 0, x - np.sign(x) * lambd if soft else x)

    def backward(self, gy):
        (x,) = self.saved
        zero = (x >= -self.lambd) & (x <= self.lambd)
        return ag.where(zero, 0.0, gy), None, None


def _lambd(op, lambd, nonneg):
    if isinstance(lambd, bool) or not isinstance(lambd, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: lambd must be a number, got {type(lambd).__name__} {lambd!r}")
    if nonneg and not lambd >= 0:
        raise ValueError(f"{op}: lambd must be >= 0, got {lambd}")
    return float(lambd)


def softshrink(x, lambd: float = 0.5):
    """Soft shrinkage: x - lambd where x > lambd, x + lambd where x < -lambd, else 0.

    x: any float shape. lambd >= 0 (ValueError otherwise). Gradient 0 at |x| == lambd.
    """
    lambd = _lambd("softshrink", lambd, True)
    _float("softshrink", x)
    return Shrink.apply(x, lambd, True)


def hardshrink(x, lambd: float = 0.5):
    """Hard shrinkage: x where |x| > lambd, else 0. x: any float shape. Gradient 0 at
    |x| == lambd. A negative lambd makes it the identity (as PyTorch)."""
    lambd = _lambd("hardshrink", lambd, False)
    _float("hardshrink", x)
    return Shrink.apply(x, lambd, False)


def tanhshrink(x):
    """x - tanh(x). Any float shape; the derivative is tanh(x)^2."""
    return x - ag.tanh(x)


# -- gated and randomized ---------------------------------------------------------------------


def glu(x, dim: int = -1):
    """Gated linear unit: a * sigmoid(b), where a and b are the first and second halves of x
    along ``dim``. x: (..., 2k, ...) -> (..., k, ...). ShapeError for an odd size or a 0-d x."""
    shape = tuple(x.shape)
    if not shape:
        raise ShapeError(
            "glu: does not support scalars (0-d input) because halving size must be even"
        )
    d = norm_dim(dim, len(shape), "glu")
    if shape[d] % 2:
        raise ShapeError(
            f"glu: halving dimension must be even, but dimension {d} is size {shape[d]} "
            f"(input shape {shape})"
        )
    _float("glu", x)
    a, b = ag.chunk(x, 2, d) if shape[d] else (x, x)
    return a * ag.sigmoid(b)


def rrelu(x, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False, generator=None):  # fmt: skip
    """Randomized leaky ReLU: x where x > 0, else a * x.

    training: each element's slope ``a`` is drawn from U(lower, upper) (from autograd's global
    generator, or ``generator``; positive elements keep slope 1), and the gradient is that
    slope (at x == 0 too, as PyTorch). Evaluation: the fixed slope (lower + upper) / 2.
    x: any float shape; returns that shape. ``inplace``: overwrite x and return it.
    """
    if not lower <= upper:
        raise ValueError(
            f"rrelu: lower bound should be less than or equal to the upper bound, got "
            f"lower={lower}, upper={upper}"
        )
    _float("rrelu", x)
    if inplace:
        return _inplace(x, "rrelu", rrelu, lower, upper, training, False, generator)
    if not training:
        return LeakyReLU.apply(x, (lower + upper) / 2)
    raw = x._data if isinstance(x, Tensor) else x
    host = gen(generator).uniform(lower, upper, size=raw.shape).astype(raw.dtype)
    noise = host if type(raw) is np.ndarray else array_module(raw).asarray(host)
    noise = np.where(raw > 0, raw.dtype.type(1), noise)
    return _RReLUNoise.apply(x, noise)


class _RReLUNoise(Function):
    """y = x * noise for rrelu's drawn slopes (1 where x > 0); dy/dx = noise, piecewise constant
    in x: under create_graph the gradient stays linked to x, as torch's rrelu_with_noise."""

    __slots__ = ("noise",)
    mask_grad = True
    save_inputs = (0,)

    def forward(self, x, noise):
        self.noise = noise
        return x * noise

    def backward(self, gy):
        return gy * self.noise, None
