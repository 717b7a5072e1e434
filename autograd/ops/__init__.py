"""The differentiable functions users call (``ag.exp(x)``, ``ag.sum(x, dim=1)``, ...).

Each is a thin entry point that normalises arguments (dim/axis, keepdim/keepdims, shapes) and
applies one op class. They accept Tensors, arrays and scalars: given a Tensor they return a Tensor
(recorded when grad mode is on); given only raw arrays they return a raw array, which is what lets
backward rules written with these functions run without recording.
"""

from __future__ import annotations

import numpy as np

from ..amp import _active as _amp_on
from ..amp import _tls as _amp
from ..amp import autocast_call as _autocast
from ..tensor import Tensor, _wrap
from ._dims import norm_axes, norm_dim, pick_dim, pick_keep  # noqa: F401
from ._porting_math import *  # noqa: F403 - fmax, fmin, heaviside, ldexp, frexp, gcd, isin, rsub, addr
from ._porting_reduce import *  # noqa: F403 - nansum, nanmean, std_mean, dist, renorm, histc, ...
from ._porting_shape import *  # noqa: F403 - select, *_scatter, masked_fill, cholesky_solve, ...
from ._stft import *  # noqa: F403 - stft, istft, hann/hamming/blackman/bartlett/kaiser_window
from .arithmetic import Add, Div, FloorDivide, Matmul, Mul, Neg, Pow, PowConst, Remainder, Sub
from .complex_parts import *  # noqa: F403 - real, imag, conj, angle, complex, view_as_real, ...
from .decomp import *  # noqa: F403 - inverse, det, logdet, slogdet, pinverse, cholesky
from .einsum import *  # noqa: F403 - einsum
from .elementwise import (
    UNARY,
    Cast,
    Clamp,
    Clone,
    Compare,
    Maximum,
    Minimum,
    Round,
    Softplus,
    ToDevice,
    Where,
)
from .indexing import *  # noqa: F403 - scatter, index_put, masked_select, nonzero, ...
from .layout import *  # noqa: F403 - triu, diagonal, roll, movedim, unbind, ...
from .linalg import *  # noqa: F403 - mm, bmm, outer, tensordot, ...
from .linalg_extra import *  # noqa: F403 - matrix_exp, lu_unpack, geqrf (rest: autograd.linalg)
from .linalg_norms import *  # noqa: F403 - nothing top-level (torch.linalg norms, cond, rank)
from .pointwise import *  # noqa: F403 - addcmul, addcdiv, is_tensor, numel, is_floating_point
from .reduction import *  # noqa: F403 - reduction entry points (sum, mean, max, ...)
from .shape import *  # noqa: F403 - shape entry points (reshape, cat, getitem, ...)
from .sorting import *  # noqa: F403 - sort, topk, kthvalue, median, cummax, ...
from .special import *  # noqa: F403 - trig, hyperbolic, special and binary math
from .special_extra import *  # noqa: F403 - i0, mvlgamma (the rest: autograd.special)
from .statistics import *  # noqa: F403 - cov, corrcoef, trapezoid, cumulative_trapezoid

_INTERNAL = {
    "annotations",
    "np",
    "Tensor",
    "arithmetic",
    "complex_parts",
    "elementwise",
    "reduction",
    "shape",
    "special",
    "special_extra",
    "sorting",
    "indexing",
    "linalg",
    "decomp",
    "decomp_factor",
    "decomp_eig",
    "linalg_norms",
    "linalg_extra",
    "linalg_lu",
    "layout",
    "pointwise",
    "statistics",
}

# -- arithmetic ---------------------------------------------------------------------------------


def add(x, y):
    """x + y with broadcasting. x, y: broadcastable shapes (or scalars)."""
    return Add.apply(x, y)


def sub(x, y):
    """x - y with broadcasting."""
    return Sub.apply(x, y)


subtract = sub


def mul(x, y):
    """x * y with broadcasting."""
    return Mul.apply(x, y)


multiply = mul


def div(x, y, *, rounding_mode=None):
    """x / y with broadcasting: true division, or with ``rounding_mode`` "floor" (floor(x / y))
    or "trunc" (rounded toward zero), as torch; the rounded forms keep integer dtypes and have
    zero gradient."""
    if rounding_mode is None:
        return Div.apply(x, y)
    if rounding_mode == "floor":
        return FloorDivide.apply(x, y)
    if rounding_mode == "trunc":
        kinds = [getattr(v, "dtype", np.dtype(type(v))).kind for v in (x, y)]  # no builtins here
        if kinds[0] in "iub" and kinds[1] in "iub":
            # integers: floor division, one up where it rounded a negative quotient down
            q = FloorDivide.apply(x, y)
            inexact = ne(Remainder.apply(x, y), 0)
            negative = logical_xor(lt(x, 0), lt(y, 0))
            return where(logical_and(inexact, negative), q + 1, q)
        return trunc(Div.apply(x, y))
    raise ValueError(
        f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
        f"{rounding_mode!r}"
    )


divide = true_divide = div


def neg(x):
    """-x."""
    return Neg.apply(x)


negative = neg


def pow(x, y):  # noqa: A001 - PyTorch's name
    """x ** y; either may be a scalar constant. Broadcasting shapes."""
    if _amp_on[0] and _amp.ready:
        return _autocast(pow, x, y)
    if y.__class__ is int or y.__class__ is float:  # saves x only (PyTorch's pow(T, Scalar))
        return PowConst.apply(x, y)
    return Pow.apply(x, y)


def floor_divide(x, y):
    """floor(x / y); zero gradient (piecewise constant)."""
    return FloorDivide.apply(x, y)


def remainder(x, y):
    """x mod y with the sign of y (Python's convention)."""
    return Remainder.apply(x, y)


mod = fmod_python = remainder


def matmul(x, y):
    """Matrix product. x: (..., n, k) or (k,); y: (..., k, m) or (k,) -> (..., n, m)."""
    if _amp_on[0] and _amp.ready:
        return _autocast(matmul, x, y)
    return Matmul.apply(x, y)


# -- unary elementwise (one table in elementwise.py) --------------------------------------------

_exp, _log, _tanh = UNARY["exp"].apply, UNARY["log"].apply, UNARY["tanh"].apply


def exp(x):
    """e^x elementwise."""
    if _amp_on[0] and _amp.ready:
        return _autocast(exp, x)
    return _exp(x)


def log(x):
    """Natural log elementwise."""
    if _amp_on[0] and _amp.ready:
        return _autocast(log, x)
    return _log(x)


def log1p(x):
    """log(1 + x), accurate for small x."""
    if _amp_on[0] and _amp.ready:
        return _autocast(log1p, x)
    return UNARY["log1p"].apply(x)


def expm1(x):
    """e^x - 1, accurate for small x."""
    if _amp_on[0] and _amp.ready:
        return _autocast(expm1, x)
    return UNARY["expm1"].apply(x)


def log2(x):
    """Base-2 log elementwise."""
    if _amp_on[0] and _amp.ready:
        return _autocast(log2, x)
    return UNARY["log2"].apply(x)


def sqrt(x):
    """Square root elementwise."""
    return UNARY["sqrt"].apply(x)


def rsqrt(x):
    """1 / sqrt(x) elementwise."""
    if _amp_on[0] and _amp.ready:
        return _autocast(rsqrt, x)
    return UNARY["rsqrt"].apply(x)


def abs(x):  # noqa: A001
    """|x| elementwise; abs'(0) = 0."""
    return UNARY["abs"].apply(x)


absolute = abs


def sign(x):
    """-1, 0 or 1 elementwise; zero gradient."""
    return UNARY["sign"].apply(x)


def sin(x):
    """sin(x) elementwise."""
    return UNARY["sin"].apply(x)


def cos(x):
    """cos(x) elementwise."""
    return UNARY["cos"].apply(x)


def tan(x):
    """tan(x) elementwise."""
    if _amp_on[0] and _amp.ready:
        return _autocast(tan, x)
    return UNARY["tan"].apply(x)


def tanh(x):
    """tanh(x) elementwise."""
    return _tanh(x)


def sigmoid(x):
    """1 / (1 + e^-x) elementwise, without overflow for large |x|."""
    return UNARY["sigmoid"].apply(x)


def relu(x):
    """max(x, 0) elementwise; relu'(0) = 0."""
    return UNARY["relu"].apply(x)


def erf(x):
    """The error function elementwise."""
    return UNARY["erf"].apply(x)


def reciprocal(x):
    """1 / x elementwise."""
    if _amp_on[0] and _amp.ready:
        return _autocast(reciprocal, x)
    return UNARY["reciprocal"].apply(x)


def square(x):
    """x * x elementwise."""
    return UNARY["square"].apply(x)


def floor(x):
    """Round down; zero gradient."""
    return UNARY["floor"].apply(x)


def ceil(x):
    """Round up; zero gradient."""
    return UNARY["ceil"].apply(x)


def trunc(x):
    """Round toward zero; zero gradient."""
    return UNARY["trunc"].apply(x)


def round(x, decimals: int = 0):  # noqa: A001
    """Round half to even (numpy's rule) to ``decimals`` places; zero gradient."""
    return Round.apply(x, int(decimals))


def softplus(x, beta=1.0, threshold=20.0):
    """log(1 + e^(beta x)) / beta, linear where beta x > threshold (as PyTorch)."""
    if _amp_on[0] and _amp.ready:
        return _autocast(softplus, x, beta, threshold)
    return Softplus.apply(x, beta, threshold)


def clamp(x, min=None, max=None):  # noqa: A002
    """Clip x to [min, max]; either bound may be None, a scalar or a tensor."""
    return Clamp.apply(x, min, max)


clip = clamp


def maximum(x, y):
    """Elementwise max with broadcasting; ties split the gradient half and half."""
    return Maximum.apply(x, y)


def minimum(x, y):
    """Elementwise min with broadcasting; ties split the gradient half and half."""
    return Minimum.apply(x, y)


def where(cond, x=None, y=None):
    """x where cond else y (cond: bool tensor/array; shapes broadcast).

    ``where(cond)`` alone is ``nonzero(cond, as_tuple=True)``: a tuple of int64 index tensors,
    one per dim of cond (each of length the number of True elements), as in PyTorch.
    """
    if x is None and y is None:
        return nonzero(cond, as_tuple=True)  # noqa: F405 - from .indexing
    for name, v in (("x", x), ("y", y)):
        if v is None or isinstance(v, (str, bytes)):
            raise TypeError(
                f"where: {name} must be a tensor, an array or a number, got {type(v).__name__}"
            )
    return Where.apply(cond, x, y)


def cast(x, dtype):
    """x converted to ``dtype``; differentiable between float dtypes, a plain copy otherwise."""
    dtype = np.dtype(dtype)
    if dtype.kind not in "fc" and isinstance(x, Tensor):
        return _wrap(x._data.astype(dtype), None, False)
    return Cast.apply(x, dtype)


def to_device(x, device: str):
    """x copied to ``device`` ('cpu' or 'cuda:N'); differentiable."""
    return ToDevice.apply(x, device)


def clone(x):
    """A copy of x; the gradient passes through."""
    return Clone.apply(x)


# -- comparisons and logic (bool results, no gradient) ------------------------------------------


def _cmp(fn):
    def op(x, y=None):
        return Compare.apply(fn, x) if y is None and fn.nin == 1 else Compare.apply(fn, x, y)

    op.__name__ = fn.__name__
    op.__doc__ = f"Elementwise numpy.{fn.__name__}; returns a bool tensor (no gradient)."
    return op


eq = _cmp(np.equal)
ne = _cmp(np.not_equal)
lt = _cmp(np.less)
le = _cmp(np.less_equal)
gt = _cmp(np.greater)
ge = _cmp(np.greater_equal)
logical_and = _cmp(np.logical_and)
logical_or = _cmp(np.logical_or)
logical_xor = _cmp(np.logical_xor)
logical_not = _cmp(np.logical_not)
bitwise_and = _cmp(np.bitwise_and)
bitwise_or = _cmp(np.bitwise_or)
bitwise_xor = _cmp(np.bitwise_xor)
bitwise_not = _cmp(np.invert)
bitwise_not.__name__ = "bitwise_not"
for _op in (bitwise_and, bitwise_or, bitwise_xor, bitwise_not):
    _op.__doc__ = (
        f"Elementwise {_op.__name__} of integer or bool tensors (logical on bool), as the "
        "``&``, ``|``, ``^``, ``~`` operators; any shapes that broadcast; no gradient."
    )
isnan = _cmp(np.isnan)
isinf = _cmp(np.isinf)
isfinite = _cmp(np.isfinite)
not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge


def equal(x, y) -> bool:
    """``torch.equal``: whether y (a Tensor) has x's shape and equal elements, as one Python bool
    (NaN != NaN). The elementwise comparison is ``eq``."""
    if not isinstance(x, Tensor):
        raise TypeError(f"equal: input must be a Tensor, got {type(x).__name__}")
    return x.equal(y)


__all__ = [n for n in dir() if not n.startswith("_") and n not in _INTERNAL]
