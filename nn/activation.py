"""Activation modules. Input of any shape -> output of the same shape, unless noted
(Softmax/LogSoftmax act along ``dim``, Softmax2d along the channels of (N, C, H, W) or (C, H, W);
Maxout maps (..., in) -> (..., out); GLU halves ``dim``).

A layer built with ``inplace=True`` overwrites its input and returns it, as PyTorch's: recorded
on the graph for an interior tensor, refused (RuntimeError naming the layer) for a leaf that
requires grad; see ``nn.functional.activation``.
"""

from __future__ import annotations

import math

import autograd as ag
from autograd import ShapeError

from . import functional as F
from . import init
from ._args import input_shape, size_arg
from .functional.activation import _inplace
from .module import Module
from .parameter import Parameter

__all__ = [
    "Step",
    "Heaviside",
    "Sigmoid",
    "Tanh",
    "ReLU",
    "ReLU6",
    "LeakyReLU",
    "PReLU",
    "ELU",
    "SELU",
    "CELU",
    "GELU",
    "SiLU",
    "Mish",
    "Softplus",
    "Softsign",
    "Hardtanh",
    "Hardsigmoid",
    "Hardswish",
    "LogSigmoid",
    "Maxout",
    "Softmax",
    "LogSoftmax",
    "Softmin",
    "Softmax2d",
    "Threshold",
    "Softshrink",
    "Hardshrink",
    "Tanhshrink",
    "GLU",
    "RReLU",
]


class Step(Module):
    """Heaviside step: y = 1 where x > 0, else 0. Any shape.

    Why it cannot train a network: its derivative is zero wherever it exists (and undefined at
    0), so backpropagation multiplies every upstream gradient by 0. Every weight feeding a step
    unit gets gradient 0 and gradient descent never moves; the loss is piecewise constant in the
    weights. This is why the perceptron used its own update rule and why smooth units (sigmoid,
    tanh, ReLU) replaced the step in trainable networks.

    straight_through: opt in to a surrogate gradient (the straight-through estimator): True or
    ``'identity'`` passes the upstream gradient unchanged, ``'clipped'`` passes it only where
    |x| <= 1. The forward pass stays the exact 0/1 step.
    """

    def __init__(self, straight_through=False):
        super().__init__()
        F.step(ag.zeros(1), straight_through)  # validate the option now
        self.straight_through = straight_through

    def forward(self, input):
        return F.step(input, self.straight_through)

    def extra_repr(self) -> str:
        return f"straight_through={self.straight_through!r}" if self.straight_through else ""


Heaviside = Step


class _Simple(Module):
    _fn = None

    def forward(self, input):
        return type(self)._fn(input)


class Sigmoid(_Simple):
    """y = 1 / (1 + e^-x). Any shape."""

    _fn = staticmethod(F.sigmoid)


class Tanh(_Simple):
    """y = tanh(x). Any shape."""

    _fn = staticmethod(F.tanh)


class ReLU(Module):
    """y = max(x, 0); relu'(0) = 0. Any shape. ``inplace``: overwrite the input, return it."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        if self.inplace:
            return _inplace(input, "ReLU", ag.relu)
        return ag.relu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """y = x if x > 0 else negative_slope * x. Any shape."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        if self.inplace:
            return _inplace(input, "LeakyReLU", F.leaky_relu, self.negative_slope)
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class PReLU(Module):
    """y = x if x > 0 else a * x with a learned slope ``a``.

    num_parameters: 1 (one slope shared) or C (one per channel, dim 1 of (N, C, ...) inputs).
    init: the initial slope (0.25). weight: (num_parameters,).
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        super().__init__()
        num_parameters = size_arg("PReLU", "num_parameters", num_parameters, 1)
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(ag.full((num_parameters,), init, dtype=dtype, device=device))

    def reset_parameters(self) -> None:
        """Set every slope back to ``init``."""
        init.constant_(self.weight, self.init)

    def forward(self, input):
        n = self.num_parameters
        if n != 1:
            xs = tuple(input.shape)
            c = xs[1] if len(xs) >= 2 else (xs[0] if len(xs) == 1 else None)
            if c != n:
                raise ShapeError(
                    f"PReLU(num_parameters={n}): expected input with {n} channels (dimension "
                    f"1), got {xs}"
                )
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class ELU(Module):
    """y = x if x > 0 else alpha (e^x - 1). Any shape."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        if self.inplace:
            return _inplace(input, "ELU", F.elu, self.alpha)
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class SELU(ReLU):
    """y = scale * elu(x, alpha), alpha ~ 1.6733, scale ~ 1.0507 (self-normalising). Any shape."""

    def forward(self, input):
        if self.inplace:
            return _inplace(input, "SELU", F.selu)
        return F.selu(input)


class CELU(ELU):
    """y = max(0, x) + min(0, alpha (e^(x / alpha) - 1)). Any shape."""

    def forward(self, input):
        if self.inplace:
            return _inplace(input, "CELU", F.celu, self.alpha)
        return F.celu(input, self.alpha)


class GELU(Module):
    """y = x Phi(x) (Phi: the standard normal CDF); ``approximate='tanh'`` for the tanh formula."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate='{self.approximate}'"


class SiLU(ReLU):
    """y = x * sigmoid(x) (swish). Any shape."""

    def forward(self, input):
        if self.inplace:
            return _inplace(input, "SiLU", F.silu)
        return F.silu(input)


class Mish(ReLU):
    """y = x * tanh(softplus(x)). Any shape."""

    def forward(self, input):
        if self.inplace:
            return _inplace(input, "Mish", F.mish)
        return F.mish(input)


class Softplus(Module):
    """y = log(1 + e^(beta x)) / beta, linear where beta x > threshold. Any shape."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softsign(_Simple):
    """y = x / (1 + |x|). Any shape."""

    _fn = staticmethod(F.softsign)


class LogSigmoid(_Simple):
    """y = log(sigmoid(x)), stable. Any shape."""

    _fn = staticmethod(F.logsigmoid)


class Hardtanh(Module):
    """y = clip(x, min_val, max_val); gradient 1 strictly inside, 0 outside. Any shape."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val {min_val} must not exceed max_val {max_val}")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input):
        if self.inplace:
            return _inplace(input, "Hardtanh", F.hardtanh, self.min_val, self.max_val)
        return F.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"min_val={self.min_val}, max_val={self.max_val}{inplace}"


class ReLU6(Hardtanh):
    """y = min(max(x, 0), 6): Hardtanh(0, 6), as in PyTorch. Any shape."""

    def __init__(self, inplace: bool = False):
        super().__init__(0.0, 6.0, inplace)

    def forward(self, input):
        if self.inplace:
            return _inplace(input, "ReLU6", F.relu6)
        return F.relu6(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Hardsigmoid(ReLU):
    """y = relu6(x + 3) / 6. Any shape."""

    def forward(self, input):
        if self.inplace:
            return _inplace(input, "Hardsigmoid", F.hardsigmoid)
        return F.hardsigmoid(input)

    def extra_repr(self) -> str:
        return ""  # as PyTorch prints it, inplace or not


class Hardswish(ReLU):
    """y = x * relu6(x + 3) / 6. Any shape."""

    def forward(self, input):
        if self.inplace:
            return _inplace(input, "Hardswish", F.hardswish)
        return F.hardswish(input)

    def extra_repr(self) -> str:
        return ""  # as PyTorch prints it, inplace or not


class Maxout(Module):
    """Maxout unit (Goodfellow et al. 2013): y_j = max over k pieces of affine maps of x.

    (..., in_features) -> (..., out_features). weight: (out_features, pieces, in_features),
    bias: (out_features, pieces); each piece is initialised like a Linear(in, out) layer.
    """

    def __init__(self, in_features: int, out_features: int, pieces: int, bias: bool = True,
                 device=None, dtype=None, generator=None):  # fmt: skip
        super().__init__()
        in_features = size_arg("Maxout", "in_features", in_features)
        out_features = size_arg("Maxout", "out_features", out_features)
        pieces = size_arg("Maxout", "pieces", pieces, 1)
        self.in_features = in_features
        self.out_features = out_features
        self.pieces = pieces
        self.weight = Parameter(
            ag.empty(out_features, pieces, in_features, dtype=dtype, device=device)
        )
        if bias:
            self.bias = Parameter(ag.empty(out_features, pieces, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None) -> None:
        """U(-1/sqrt(in), 1/sqrt(in)) for weight and bias, as a Linear layer's default."""
        bound = 1 / math.sqrt(self.in_features) if self.in_features else 0
        init.uniform_(self.weight, -bound, bound, generator=generator)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def forward(self, input):
        shape = tuple(input.shape)
        if not shape or shape[-1] != self.in_features:
            raise ShapeError(
                f"Maxout(in_features={self.in_features}, out_features={self.out_features}, "
                f"pieces={self.pieces}): expected input with last dimension {self.in_features}, "
                f"got {shape}"
            )
        return F.maxout(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"pieces={self.pieces}"
        )


class Softmax(Module):
    """y = exp(x) / sum(exp(x)) along ``dim`` (default -1). Any shape, same shape out."""

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, -1 if self.dim is None else self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """y = log(softmax(x)) along ``dim`` (default -1), computed stably. Same shape out."""

    def forward(self, input):
        return F.log_softmax(input, -1 if self.dim is None else self.dim)


class Softmin(Softmax):
    """y = softmax(-x) along ``dim`` (default -1)."""

    def forward(self, input):
        return F.softmin(input, -1 if self.dim is None else self.dim)


class Softmax2d(Module):
    """Softmax over the channels at every spatial position: (N, C, H, W) or (C, H, W), dim -3.

    Any other rank raises a ShapeError (a ValueError, as PyTorch's) naming the shape.
    """

    def forward(self, input):
        shape = input_shape("Softmax2d", input)
        if len(shape) not in (3, 4):
            raise ShapeError(
                f"Softmax2d: expected input to be 3D or 4D, got {len(shape)}D instead "
                f"(shape {shape})"
            )
        return F.softmax(input, -3)


class Threshold(Module):
    """y = x where x > threshold, else value. Any shape; gradient 0 at x == threshold."""

    def __init__(self, threshold: float, value: float, inplace: bool = False):
        super().__init__()
        F.threshold(ag.zeros(1), threshold, value)  # validate the numbers now
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input):
        if self.inplace:
            return _inplace(input, "Threshold", F.threshold, self.threshold, self.value)
        return F.threshold(input, self.threshold, self.value)

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"threshold={self.threshold}, value={self.value}{inplace}"


class Softshrink(Module):
    """y = x - lambd where x > lambd, x + lambd where x < -lambd, else 0. lambd >= 0."""

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        F.activation._lambd("Softshrink", lambd, True)
        self.lambd = lambd

    def forward(self, input):
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Module):
    """y = x where |x| > lambd, else 0. Any shape."""

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        F.activation._lambd("Hardshrink", lambd, False)
        self.lambd = lambd

    def forward(self, input):
        return F.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Tanhshrink(_Simple):
    """y = x - tanh(x). Any shape."""

    _fn = staticmethod(F.tanhshrink)


class GLU(Module):
    """Gated linear unit a * sigmoid(b), a and b the halves of the input along ``dim``.

    (..., 2k, ...) -> (..., k, ...); an odd size along ``dim`` raises a ShapeError.
    """

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        input_shape("GLU", input)
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class RReLU(Module):
    """Randomized leaky ReLU: slope ~ U(lower, upper) per element for x <= 0 while training
    (drawn from autograd's global generator), the mean slope (lower + upper) / 2 in eval mode.
    Any shape."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False):
        super().__init__()
        if not lower <= upper:
            raise ValueError(
                f"RReLU: lower bound should be less than or equal to the upper bound, got "
                f"lower={lower}, upper={upper}"
            )
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input):
        if self.inplace:
            return _inplace(input, "RReLU", F.rrelu, self.lower, self.upper, self.training)
        return F.rrelu(input, self.lower, self.upper, self.training)

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"lower={self.lower}, upper={self.upper}{inplace}"
