"""``Tensor``'s elementwise methods (``exp``, ``tanh``, ``clamp``, ``maximum``, ``softmax``, the
comparisons, ...), each a call to the op of the same name in ``autograd.ops``. Moved verbatim
from ``tensor.py``.
"""

from __future__ import annotations

# names of autograd/tensor.py, bound by its last line (``bind_tensor_names``): this module
# loads before they exist, since ``Tensor`` inherits from the class below
_FROM_TENSOR = ("_ops", "_tanh_fast", "_Neg")
_ops = _tanh_fast = _Neg = None


class ElementwiseMethods:
    """The elementwise methods of ``Tensor``."""

    __slots__ = ()

    # -- elementwise ---------------------------------------------------------------------------

    def tanh(self):
        """See ``autograd.tanh``: tanh(x) elementwise."""
        return _tanh_fast(self)

    def exp(self):
        """See ``autograd.exp``: e^x elementwise."""
        return _ops.exp(self)

    def log(self):
        """See ``autograd.log``: Natural log elementwise."""
        return _ops.log(self)

    def log1p(self):
        """See ``autograd.log1p``: log(1 + x), accurate for small x."""
        return _ops.log1p(self)

    def expm1(self):
        """See ``autograd.expm1``: e^x - 1, accurate for small x."""
        return _ops.expm1(self)

    def log2(self):
        """See ``autograd.log2``: Base-2 log elementwise."""
        return _ops.log2(self)

    def sqrt(self):
        """See ``autograd.sqrt``: Square root elementwise."""
        return _ops.sqrt(self)

    def rsqrt(self):
        """See ``autograd.rsqrt``: 1 / sqrt(x) elementwise."""
        return _ops.rsqrt(self)

    def abs(self):
        """See ``autograd.abs``: |x| elementwise; abs'(0) = 0."""
        return _ops.abs(self)

    def sign(self):
        """See ``autograd.sign``: -1, 0 or 1 elementwise; zero gradient."""
        return _ops.sign(self)

    def sin(self):
        """See ``autograd.sin``: sin(x) elementwise."""
        return _ops.sin(self)

    def cos(self):
        """See ``autograd.cos``: cos(x) elementwise."""
        return _ops.cos(self)

    def tan(self):
        """See ``autograd.tan``: tan(x) elementwise."""
        return _ops.tan(self)

    def sigmoid(self):
        """See ``autograd.sigmoid``: 1 / (1 + e^-x) elementwise, without overflow for large |x|."""
        return _ops.sigmoid(self)

    def relu(self):
        """See ``autograd.relu``: max(x, 0) elementwise; relu'(0) = 0."""
        return _ops.relu(self)

    def softplus(self, beta=1.0, threshold=20.0):
        """See ``autograd.softplus``: log(1 + e^(beta x)) / beta, linear where beta x >..."""
        return _ops.softplus(self, beta, threshold)

    def erf(self):
        """See ``autograd.erf``: The error function elementwise."""
        return _ops.erf(self)

    def reciprocal(self):
        """See ``autograd.reciprocal``: 1 / x elementwise."""
        return _ops.reciprocal(self)

    def square(self):
        """See ``autograd.square``: x * x elementwise."""
        return _ops.square(self)

    def neg(self):
        """-self."""
        return _Neg.apply(self)

    def floor(self):
        """See ``autograd.floor``: Round down; zero gradient."""
        return _ops.floor(self)

    def ceil(self):
        """See ``autograd.ceil``: Round up; zero gradient."""
        return _ops.ceil(self)

    def round(self, decimals=0):
        """See ``autograd.round``: Round half to even (numpy's rule) to ``decimals`` places;..."""
        return _ops.round(self, decimals)

    def clamp(self, min=None, max=None):
        """See ``autograd.clamp``: Clip x to [min, max]; either bound may be None, a scalar..."""
        return _ops.clamp(self, min, max)

    clip = clamp

    def maximum(self, other):
        """See ``autograd.maximum``: Elementwise max with broadcasting; ties split the..."""
        return _ops.maximum(self, other)

    def minimum(self, other):
        """See ``autograd.minimum``: Elementwise min with broadcasting; ties split the..."""
        return _ops.minimum(self, other)

    def pow(self, exponent):
        """See ``autograd.pow``: x ** y; either may be a scalar constant. Broadcasting shapes."""
        return _ops.pow(self, exponent)

    def add(self, other, alpha=1):
        """self + alpha * other."""
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other, alpha=1):
        """self - alpha * other."""
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other):
        """self * other."""
        return self * other

    def div(self, other, *, rounding_mode=None):
        """self / other; ``rounding_mode`` "floor" or "trunc" as ``autograd.div``."""
        if rounding_mode is None:
            return self / other
        return _ops.div(self, other, rounding_mode=rounding_mode)

    def matmul(self, other):
        """See ``autograd.matmul``: Matrix product. x: (..., n, k) or (k,); y: (..., k, m)..."""
        return _ops.matmul(self, other)

    def softmax(self, dim=-1, *, axis=None):
        """See ``autograd.softmax``: exp(x) / sum(exp(x)) along ``dim`` (default the last),..."""
        return _ops.softmax(self, dim if axis is None else axis)

    def log_softmax(self, dim=-1, *, axis=None):
        """See ``autograd.log_softmax``: log(softmax(x)) along ``dim`` (default the last),..."""
        return _ops.log_softmax(self, dim if axis is None else axis)

    def eq(self, other):
        """See ``autograd.eq``: Elementwise numpy.equal; returns a bool tensor (no gradient)."""
        return _ops.eq(self, other)

    def ne(self, other):
        """See ``autograd.ne``: Elementwise numpy.not_equal; returns a bool tensor (no gradient)."""
        return _ops.ne(self, other)

    def lt(self, other):
        """See ``autograd.lt``: Elementwise numpy.less; returns a bool tensor (no gradient)."""
        return _ops.lt(self, other)

    def le(self, other):
        """See ``autograd.le``: Elementwise numpy.less_equal; returns a bool tensor (no..."""
        return _ops.le(self, other)

    def gt(self, other):
        """See ``autograd.gt``: Elementwise numpy.greater; returns a bool tensor (no gradient)."""
        return _ops.gt(self, other)

    def ge(self, other):
        """See ``autograd.ge``: Elementwise numpy.greater_equal; returns a bool tensor (no..."""
        return _ops.ge(self, other)

    def logical_not(self):
        """See ``autograd.logical_not``: Elementwise numpy.logical_not; returns a bool..."""
        return _ops.logical_not(self)

    def isnan(self):
        """See ``autograd.isnan``: Elementwise numpy.isnan; returns a bool tensor (no gradient)."""
        return _ops.isnan(self)

    def isfinite(self):
        """See ``autograd.isfinite``: Elementwise numpy.isfinite; returns a bool tensor (no..."""
        return _ops.isfinite(self)
