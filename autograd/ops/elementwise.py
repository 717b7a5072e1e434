"""Elementwise ops: the unary table, clamp, maximum/minimum, where, casts, comparisons.

The unary ops are rows of one table: name, forward ``f(x)`` (numpy ufuncs, which cupy arrays
also accept), what backward needs (``"x"`` the input, ``"y"`` the output) and the derivative
``df(x, y, gy)``, written with operators and ``autograd`` functions so it is differentiable again.
Subgradients follow PyTorch: relu'(0) = 0, abs'(0) = 0, sign' = floor' = round' = 0.
"""

from __future__ import annotations

import math

import numpy as np

from ..dtypes import COMPLEX
from ..errors import ShapeError
from ..function import Function
from .arithmetic import _bshape, _raw, drop_where, keep_where, zero_grad

__all__ = [
    "UNARY",
    "Tanh",
    "Clamp",
    "Maximum",
    "Minimum",
    "Where",
    "Cast",
    "Clone",
    "Softplus",
    "Compare",
]

_LN2 = math.log(2.0)


def _erf(x):
    """Error function on an array: scipy's when installed, else math.erf elementwise."""
    if not isinstance(x, (np.ndarray, np.generic)):
        from cupyx.scipy.special import erf

        return erf(x).astype(x.dtype, copy=False)
    try:
        from scipy.special import erf
    except ImportError:
        return np.vectorize(math.erf, otypes=[x.dtype])(x) if x.size else x.copy()
    return erf(x).astype(x.dtype, copy=False)  # scipy has no float16 loop: it widens


def _sigmoid(x):
    """1 / (1 + e^-x) without overflow: 0.5 tanh(x / 2) + 0.5, and e^x / (1 + e^x) where
    x < -2, whose small values the tanh form loses to cancellation (full precision for both
    signs; on the CPU ~15x faster than exp(-logaddexp(0, -x)))."""
    if x.dtype in COMPLEX:
        return 1 / (1 + np.exp(-x)) if type(x) is np.ndarray else 1 / (1 + _xp_of(x).exp(-x))
    if type(x) is not np.ndarray:  # cupy: elementwise everywhere, no host sync
        from backends import array_module

        xp = array_module(x)
        t = xp.exp(xp.minimum(x, 0))
        return xp.where(x < -2.0, t / (1 + t), xp.tanh(x * 0.5) * 0.5 + 0.5)
    y = np.multiply(x, 0.5, out=np.empty(x.shape, x.dtype))
    np.tanh(y, out=y)
    y *= 0.5
    y += 0.5
    idx = np.flatnonzero(x < -2.0)
    if idx.size:
        t = np.exp(x.reshape(-1)[idx])
        y.reshape(-1)[idx] = t / (1 + t)
    return y


def _no_order(name, *args):
    """TypeError when an operand is complex: NumPy orders complex numbers lexicographically,
    torch refuses (clamp, maximum, minimum)."""
    for a in args:
        if getattr(a, "dtype", None) in COMPLEX or isinstance(a, complex):
            dts = ", ".join(str(getattr(v, "dtype", type(v).__name__)) for v in args)
            raise TypeError(f"{name}: not supported for complex tensors (got {dts})")


def _xp_of(x):
    from backends import array_module

    return array_module(x)


def _sign(x):
    """-1, 0 or 1 (bool stays bool); NaN gives 0, as PyTorch's sign and sgn (NumPy's: NaN)."""
    if x.dtype == np.bool_:
        return x.copy()
    y = np.sign(x)
    return np.where(y != y, 0, y) if x.dtype.kind == "f" else y


def _check_float(name, x):
    """TypeError unless x is a real floating point array (a float-only op that torch does not
    define for complex tensors either; complex-capable ops test ``kind in "fc"`` first)."""
    if x.dtype.kind == "c":
        raise TypeError(f"{name}: not supported for complex tensors (got {x.dtype})")
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating point tensor, got dtype {x.dtype}")


def _unary(name, f, df, save, float_only=True):
    """Make the Function class of a unary elementwise op from one table row."""

    kinds = "fc" if name in _HOLOMORPHIC or name == "abs" else "f"
    if float_only:

        def forward(self, x):
            if x.dtype.kind not in kinds:
                _check_float(name, x)
            return f(x)

    elif kinds == "f":  # integers allowed (relu, sign, floor, ...), complex not (as torch)

        def forward(self, x):
            if x.dtype in COMPLEX:
                _check_float(name, x)
            return f(x)

    else:

        def forward(self, x):
            return f(x)

    if df is None:  # piecewise constant: zero gradient

        def backward(self, gy):
            return zero_grad(gy)

    elif name in _HOLOMORPHIC:
        # complex z: gz = gy * conj(f'(z)) = conj(df(conj(gy))), df being linear in gy
        if save == "x":

            def backward(self, gy):
                if self.odtype in COMPLEX:
                    cj = _f().conj
                    return cj(df(self.saved[0], None, cj(gy)))
                return df(self.saved[0], None, gy)

        else:

            def backward(self, gy):
                if self.odtype in COMPLEX:
                    cj = _f().conj
                    return cj(df(None, self.saved[0], cj(gy)))
                return df(None, self.saved[0], gy)

    elif save == "x":

        def backward(self, gy):
            return df(self.saved[0], None, gy)

    else:

        def backward(self, gy):
            return df(None, self.saved[0], gy)

    cls = type(
        name.capitalize(),
        (Function,),
        {
            "__slots__": (),
            "__doc__": f"Elementwise {name}.",
            "op_name": name,
            "save_inputs": (0,) if save == "x" else (),
            "save_output": save == "y",
            "mask_grad": name in _MASK_GRAD,
            "link_saved": False,  # df is written in differentiable ops
            "complex_ok": name in _HOLOMORPHIC or name == "abs",
            "forward": forward,
            "backward": backward,
        },
    )
    return cls


def _f():
    # the autograd functions used inside derivatives (imported late: ops/__init__ defines them)
    from .. import ops

    return ops


class TanhBackward(Function):
    """gx = gy (1 - y^2), tanh's backward as one recorded op (torch's tanh_backward).

    Used when a backward records its graph (create_graph): each level of a repeated
    derivative of tanh then adds one record for this part where ``gy * (1 - y * y)`` added
    three. Its own backward: d/dgy is this op again, d/dy = -2 gy y. Real dtypes only.
    """

    __slots__ = ()
    save_inputs = (0, 1)
    link_saved = False

    def forward(self, gy, y):
        return gy * (1 - y * y)

    def backward(self, gg):
        gy, y = self.saved
        ggy = TanhBackward.apply(gg, y) if self.needs_grad(0) else None
        gyy = gg * gy * y * -2 if self.needs_grad(1) else None
        return ggy, gyy


class SigmoidBackward(Function):
    """gx = gy y (1 - y), sigmoid's backward as one recorded op (torch's sigmoid_backward);
    see TanhBackward. d/dgy is this op again, d/dy = gy (1 - 2 y). Real dtypes only."""

    __slots__ = ()
    save_inputs = (0, 1)
    link_saved = False

    def forward(self, gy, y):
        return gy * (y * (1 - y))

    def backward(self, gg):
        gy, y = self.saved
        ggy = SigmoidBackward.apply(gg, y) if self.needs_grad(0) else None
        gyy = gg * gy * (1 - y * 2) if self.needs_grad(1) else None
        return ggy, gyy


def _tanh_df(x, y, gy):
    if gy.__class__ is np.ndarray or y.dtype in COMPLEX:  # raw (no graph) or complex
        return gy * (1 - y * y)
    return TanhBackward.apply(gy, y)


def _sigmoid_df(x, y, gy):
    if gy.__class__ is np.ndarray or y.dtype in COMPLEX:
        return gy * (y * (1 - y))
    return SigmoidBackward.apply(gy, y)


# name: (forward, saved ("x" or "y"), derivative df(x, y, gy) or None for zero gradient)
_TABLE = {
    "exp": (np.exp, "y", lambda x, y, gy: gy * y),
    "log": (np.log, "x", lambda x, y, gy: gy / x),
    "log1p": (np.log1p, "x", lambda x, y, gy: gy / (x + 1)),
    "expm1": (np.expm1, "y", lambda x, y, gy: gy * (y + 1)),
    "log2": (np.log2, "x", lambda x, y, gy: gy / (x * _LN2)),
    "sqrt": (np.sqrt, "y", lambda x, y, gy: gy / (y * 2)),
    "rsqrt": (lambda x: 1 / np.sqrt(x), "y", lambda x, y, gy: gy * (y * y * y) * -0.5),
    "sin": (np.sin, "x", lambda x, y, gy: gy * _f().cos(x)),
    "cos": (np.cos, "x", lambda x, y, gy: -gy * _f().sin(x)),
    "tan": (np.tan, "y", lambda x, y, gy: gy * (y * y + 1)),
    "tanh": (np.tanh, "y", _tanh_df),
    "sigmoid": (_sigmoid, "y", _sigmoid_df),
    "relu": (lambda x: np.maximum(x, 0), "y", lambda x, y, gy: drop_where(gy, _raw(y) <= 0)),
    "abs": (np.abs, "x", lambda x, y, gy: gy * _f().sgn(x)),  # complex: z / |z|
    "erf": (_erf, "x", lambda x, y, gy: gy * (_f().exp(-(x * x)) * (2 / math.sqrt(math.pi)))),
    "reciprocal": (lambda x: 1 / x, "y", lambda x, y, gy: -gy * (y * y)),
    "square": (np.square, "x", lambda x, y, gy: gy * (x * 2)),
    "sign": (lambda x: _sign(x), None, None),
    "floor": (np.floor, None, None),
    "ceil": (np.ceil, None, None),
    "trunc": (np.trunc, None, None),
    # trig and hyperbolic (their entry points are in special.py)
    "sinh": (np.sinh, "x", lambda x, y, gy: gy * _f().cosh(x)),
    "cosh": (np.cosh, "x", lambda x, y, gy: gy * _f().sinh(x)),
    "asinh": (np.arcsinh, "x", lambda x, y, gy: gy * _f().rsqrt(x * x + 1)),  # 1/sqrt(x^2+1)
    # 1/sqrt(x-1) 1/sqrt(x+1), not rsqrt(x^2 - 1): the same for real x, and the principal
    # branch for complex x (rsqrt(z^2 - 1) flips its sign where re z < 0)
    "acosh": (np.arccosh, "x", lambda x, y, gy: gy * _f().rsqrt(x - 1) * _f().rsqrt(x + 1)),
    "atanh": (np.arctanh, "x", lambda x, y, gy: gy / (1 - x * x)),
    "asin": (np.arcsin, "x", lambda x, y, gy: gy * _f().rsqrt(1 - x * x)),
    "acos": (np.arccos, "x", lambda x, y, gy: -gy * _f().rsqrt(1 - x * x)),
    "atan": (np.arctan, "x", lambda x, y, gy: gy / (x * x + 1)),
    "log10": (np.log10, "x", lambda x, y, gy: gy / (x * math.log(10.0))),
    "exp2": (np.exp2, "y", lambda x, y, gy: gy * (y * _LN2)),  # d/dx 2^x = 2^x ln 2
}

# derivatives piecewise constant in the saved value (see Function.mask_grad)
_MASK_GRAD = {"relu", "abs"}

# complex-differentiable rows: their df(x, y, gy) is gy * f'(x) (see _unary)
_HOLOMORPHIC = {
    "exp", "log", "log1p", "expm1", "log2", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh",
    "sigmoid", "reciprocal", "square", "sinh", "cosh", "asinh", "acosh", "atanh", "asin",
    "acos", "atan", "log10", "exp2",
}  # fmt: skip

_INT_OK = {"abs", "sign", "square", "floor", "ceil", "trunc", "relu"}

UNARY = {
    name: _unary(name, f, df, save, float_only=name not in _INT_OK)
    for name, (f, save, df) in _TABLE.items()
}
Tanh = UNARY["tanh"]


class Round(Function):
    """Round half to even to ``decimals`` places; zero gradient."""

    __slots__ = ("decimals",)

    def forward(self, x, decimals):
        if x.dtype.kind == "c":
            _check_float("round", x)  # torch does not round complex numbers
        self.decimals = decimals
        return np.round(x, decimals)

    def backward(self, gy):
        return zero_grad(gy), None


class Softplus(Function):
    """y = log(1 + exp(beta x)) / beta, and x where beta x > threshold; dy/dx = sigmoid(beta x)."""

    __slots__ = ()
    save_inputs = (0, 1, 2)

    def forward(self, x, beta, threshold):
        _check_float("softplus", x)
        bx = x * beta
        return np.where(bx > threshold, x, np.logaddexp(0, bx) / beta)

    def backward(self, gy):
        x, beta, threshold = self.saved
        bx = x * beta
        s = _f().sigmoid(bx)
        return _f().where(bx > threshold, gy, gy * s), None, None


class Clamp(Function):
    """y = min(max(x, lo), hi), bounds optional (constants or tensors).

    dy/dx = 1 where lo <= x <= hi; lo gets the gradient where x < lo < hi, hi where x > hi or
    hi < lo (then y = hi everywhere). These are PyTorch's rules, ties included.
    """

    __slots__ = ()
    save_inputs = (0, 1, 2)

    def forward(self, x, lo, hi):
        if lo is None and hi is None:
            raise ValueError("clamp: at least one of min and max must be given")
        _no_order("clamp", x, lo, hi)
        y = x
        try:
            if lo is not None:
                y = np.maximum(y, lo)
            if hi is not None:
                y = np.minimum(y, hi)
        except ValueError:
            shapes = ", ".join(
                f"{n} {tuple(getattr(v, 'shape', ()))}"
                for n, v in (("input", x), ("min", lo), ("max", hi))
                if v is not None
            )
            raise ShapeError(f"clamp: shapes are not broadcastable: {shapes}") from None
        return y

    def backward(self, gy):
        x, lo, hi = (_raw(v) for v in self.saved)  # the masks are constants
        keep = True
        glo = ghi = None
        if lo is not None:
            keep = x >= lo
            if self.parents[1] is not None:
                below = x < lo
                if hi is not None:
                    below = below & (lo < hi)
                glo = self.reduce_grad(1, keep_where(gy, below))
        if hi is not None:
            keep = keep & (x <= hi) if lo is not None else x <= hi
            if self.parents[2] is not None:
                above = x > hi
                if lo is not None:
                    above = above | (hi < lo)
                ghi = self.reduce_grad(2, keep_where(gy, above))
        gx = None if self.parents[0] is None else self.reduce_grad(0, keep_where(gy, keep))
        return gx, glo, ghi


class Maximum(Function):
    """z = max(x, y) elementwise; a tie splits the gradient half and half, and where x or y is
    NaN both get the whole gradient (as in PyTorch)."""

    __slots__ = ()
    save_inputs = (0, 1)
    _gt = staticmethod(lambda a, b: a > b)

    def forward(self, x, y):
        if x.dtype in COMPLEX or getattr(y, "dtype", None) in COMPLEX:
            _no_order("maximum" if type(self) is Maximum else "minimum", x, y)
        try:
            return np.maximum(x, y) if type(self) is Maximum else np.minimum(x, y)
        except ValueError:
            _bshape(type(self).__name__.lower(), x, y)

    def backward(self, gy):
        # PyTorch's rule: the full gradient unless the other side wins, half on a tie; so a
        # NaN (no side wins) passes the whole gradient to both
        x, y = (_raw(v) for v in self.saved)  # the masks are constants
        tie = x == y
        # (no tie: skip the half; not asked on cupy, where .any() would wait for the device)
        half = None if type(tie) is np.ndarray and not tie.any() else keep_where(gy * 0.5, tie)
        gx = gw = None
        if self.parents[0] is not None:
            gx = keep_where(gy, ~(self._gt(y, x) | tie))
            gx = self.reduce_grad(0, gx if half is None else gx + half)
        if self.parents[1] is not None:
            gw = keep_where(gy, ~(self._gt(x, y) | tie))
            gw = self.reduce_grad(1, gw if half is None else gw + half)
        return gx, gw


class Minimum(Maximum):
    """z = min(x, y) elementwise; a tie splits the gradient half and half."""

    __slots__ = ()
    _gt = staticmethod(lambda a, b: a < b)


class Where(Function):
    """z = x where cond else y (cond: bool, no gradient)."""

    __slots__ = ()
    complex_ok = True
    save_inputs = (0,)

    def forward(self, cond, x, y):
        if getattr(cond, "dtype", np.dtype(bool)) != np.bool_:
            raise TypeError(f"where: condition must be a bool tensor, got dtype {cond.dtype}")
        try:
            return np.where(cond, x, y)
        except ValueError:
            raise _where_error(cond, x, y) from None

    def backward(self, gy):
        (cond,) = self.saved
        w = _f().where
        gx = None if self.parents[1] is None else self.reduce_grad(1, w(cond, gy, 0))
        gw = None if self.parents[2] is None else self.reduce_grad(2, w(cond, 0, gy))
        return None, gx, gw


def _where_error(cond, x, y):
    shapes = [tuple(getattr(v, "shape", ())) for v in (cond, x, y)]
    return ShapeError(
        f"where: condition, x and y shapes {shapes[0]}, {shapes[1]}, {shapes[2]} are not "
        "broadcastable"
    )


class Cast(Function):
    """Change dtype; float-to-float casts pass the gradient back in the input's dtype."""

    __slots__ = ()
    complex_ok = True

    def forward(self, x, dtype):
        return x.astype(dtype)

    def backward(self, gy):
        return self.reduce_grad(0, gy), None


class Clone(Function):
    """A copy; the gradient passes through unchanged."""

    __slots__ = ()
    complex_ok = True

    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        return gy


_ORDERING = frozenset([np.less, np.less_equal, np.greater, np.greater_equal])
_BITWISE = (np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.invert)


class Compare(Function):
    """Comparisons and logic: bool outputs, never part of a gradient path."""

    __slots__ = ()
    differentiable = False

    def forward(self, fn, *args):
        if fn in _ORDERING and any(
            getattr(a, "dtype", None) in COMPLEX or isinstance(a, complex) for a in args
        ):  # NumPy would order complex numbers lexicographically; torch refuses, as here
            dts = ", ".join(str(getattr(a, "dtype", type(a).__name__)) for a in args)
            raise TypeError(f"{fn.__name__}: complex numbers have no order (got {dts})")
        try:
            return fn(*args)
        except ValueError:
            _bshape(fn.__name__, *args[:2])
        except TypeError:
            if fn not in _BITWISE:
                raise
            dts = ", ".join(str(a.dtype) for a in args if hasattr(a, "dtype"))
            name = "bitwise_not" if fn is np.invert else fn.__name__
            raise TypeError(f"{name}: not defined for {dts} (integer or bool tensors)") from None


class ToDevice(Function):
    """The same values on another device; the gradient moves back."""

    __slots__ = ("src",)
    complex_ok = True

    def forward(self, x, device):
        from ..device import move
        from ..tensor import _device_str

        self.src = _device_str(x)
        return move(x, device)

    def backward(self, gy):
        return ToDevice.apply(gy, self.src), None
