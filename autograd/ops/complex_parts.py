"""Complex tensors: parts, conjugate, angle, construction, and the real view.

Gradients follow PyTorch's convention: for a real loss L of z = x + iy the gradient is
``dL/dx + i dL/dy`` (twice dL/d(conj z)), so gradient descent works on complex parameters as on
real ones. A holomorphic f then backpropagates ``gy * conj(f'(z))``, and a real input of a
complex op receives the real part of its gradient (``Function.reduce_grad``).
"""

from __future__ import annotations

import numpy as np

from ..dtypes import COMPLEX, complex_of, real_of
from ..errors import ShapeError
from ..function import Function
from ..tensor import Tensor
from ._shape_util import share_version
from .arithmetic import zero_grad

__all__ = [
    "real", "imag", "conj", "conj_physical", "resolve_conj", "resolve_neg", "angle", "sgn",
    "complex", "polar", "view_as_real", "view_as_complex", "is_complex", "is_conj",
]  # fmt: skip


def _arr(x):
    return x._data if isinstance(x, Tensor) else x


def _is_c(x) -> bool:
    return _arr(x).dtype in COMPLEX


class Real(Function):
    """y = re(z), a view of z's data (writes go through, as PyTorch's ``z.real``); the gradient
    gy (real) goes back as gy + 0i."""

    __slots__ = ()
    complex_ok = True

    def forward(self, z):
        return z.real

    def backward(self, gy):
        return complex(gy, None)


class Imag(Function):
    """y = im(z), a view of z's data; the gradient gy (real) goes back as 0 + i gy."""

    __slots__ = ()
    complex_ok = True

    def forward(self, z):
        return z.imag

    def backward(self, gy):
        return complex(None, gy)


class Conj(Function):
    """y = conj(z); gz = conj(gy) (conjugation is its own adjoint)."""

    __slots__ = ()
    complex_ok = True

    def forward(self, z):
        return z.conj()

    def backward(self, gy):
        return conj(gy)


class MakeComplex(Function):
    """z = re + i im from two real tensors (broadcast); g_re = re(gz), g_im = im(gz)."""

    __slots__ = ()
    complex_ok = True

    def forward(self, re, im):
        if re.dtype.kind != "f" or im.dtype.kind != "f":
            raise TypeError(
                f"complex: expected real and imag to be floating point tensors, got {re.dtype} "
                f"and {im.dtype}"
            )
        if re.dtype != im.dtype:
            raise TypeError(
                f"complex: expected real and imag to have the same dtype, got {re.dtype} and "
                f"{im.dtype}"
            )
        try:
            shape = np.broadcast_shapes(re.shape, im.shape)
        except ValueError:
            raise ShapeError(
                f"complex: shapes {tuple(re.shape)} and {tuple(im.shape)} are not broadcastable"
            ) from None
        xp = np if type(re) is np.ndarray else _xp(re)
        z = xp.empty(shape, complex_of(re.dtype))
        z.real[...] = re  # not re + 1j * im: 1j * inf would put a NaN in the real part
        z.imag[...] = im
        return z

    def backward(self, gz):
        p0, p1 = self.parents
        return (
            None if p0 is None else self.reduce_grad(0, real(gz)),
            None if p1 is None else self.reduce_grad(1, imag(gz)),
        )


class Angle(Function):
    """theta = atan2(im z, re z); d theta = (-im dx + re dy) / |z|^2, so gz = gy i z / |z|^2
    (0 at z = 0). A real input's angle (0 or pi) is piecewise constant: zero gradient."""

    __slots__ = ()
    complex_ok = True
    save_inputs = (0,)
    link_saved = False

    def forward(self, z):
        if z.dtype.kind not in "fc":
            raise TypeError(f"angle: expected a floating point or complex tensor, got {z.dtype}")
        y = np.angle(z) if type(z) is np.ndarray else _xp(z).angle(z)
        return y.astype(real_of(z.dtype), copy=False)

    def backward(self, gy):
        (z,) = self.saved
        if not _is_c(z):
            return zero_grad(gy)
        a2 = real(z) * real(z) + imag(z) * imag(z)
        safe = _where0(a2)
        # i z / |z|^2 = (-im + i re) / |z|^2
        return complex(-gy * imag(z) / safe, gy * real(z) / safe)


class Sgn(Function):
    """s = z / |z| (0 at 0) for complex z (``sgn`` sends real tensors to ``sign``).
    ds/dx = (1 - s x/|z|) / |z| and ds/dy = (i - s y/|z|) / |z|, which give
    gz = (gy - re(gy conj(s)) s) / |z|, and 0 at z = 0."""

    __slots__ = ()
    complex_ok = True
    save_inputs = (0,)
    link_saved = False

    def forward(self, z):
        xp = np if type(z) is np.ndarray else _xp(z)
        a = xp.abs(z)
        with np.errstate(invalid="ignore", divide="ignore"):
            return xp.where(a == 0, 0, z / xp.where(a == 0, 1, a)).astype(z.dtype, copy=False)

    def backward(self, gy):
        (z,) = self.saved
        from . import abs as _abs

        a = _abs(z)
        s = sgn(z)
        safe = _where0(a)
        return (gy - real(gy * conj(s)) * s) / safe


def _where0(a):
    """a with its zeros replaced by inf (x / inf = 0: the gradient at z = 0 is 0, as torch's)."""
    raw = _arr(a)
    xp = np if type(raw) is np.ndarray else _xp(raw)
    mask = raw == 0
    if not mask.any():
        return a
    fill = xp.where(mask, xp.inf, 0).astype(raw.dtype)
    return a + fill  # inf where 0, a elsewhere (a constant added: the gradient is a's)


class ViewAsReal(Function):
    """(...) complex -> (..., 2) real: the real and imaginary parts side by side."""

    __slots__ = ()
    complex_ok = True

    def forward(self, z):
        if z.dtype not in COMPLEX:
            raise TypeError(f"view_as_real: expected a complex tensor, got dtype {z.dtype}")
        xp = np if type(z) is np.ndarray else _xp(z)
        out = xp.empty(z.shape + (2,), real_of(z.dtype))
        out[..., 0] = z.real
        out[..., 1] = z.imag
        return out

    def backward(self, gy):
        return view_as_complex(gy)


class ViewAsComplex(Function):
    """(..., 2) real -> (...) complex: the last dim holds the real and imaginary parts."""

    __slots__ = ()
    complex_ok = True

    def forward(self, x):
        if x.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise TypeError(
                f"view_as_complex: expected a float32 or float64 tensor, got dtype {x.dtype}"
            )
        if x.ndim == 0 or x.shape[-1] != 2:
            raise ShapeError(
                f"view_as_complex: the last dim must have size 2, got shape {tuple(x.shape)}"
            )
        xp = np if type(x) is np.ndarray else _xp(x)
        z = xp.empty(x.shape[:-1], complex_of(x.dtype))
        z.real[...] = x[..., 0]
        z.imag[...] = x[..., 1]
        return z

    def backward(self, gz):
        return view_as_real(gz)


def _xp(a):
    from backends import array_module

    return array_module(a)


# -- entry points ---------------------------------------------------------------------------------


def real(x):
    """The real part: a view sharing x's data and version counter (``z.real[0] = 5`` writes into
    z, as in PyTorch). x: any shape -> same shape, the parts' float dtype. A real tensor is
    returned as it is (PyTorch's ``x.real`` of a real tensor)."""
    return share_version(x, Real.apply(x)) if _is_c(x) else x


def imag(x):
    """The imaginary part: a view sharing x's data and version counter, as ``real``.
    x: a complex tensor of any shape -> same shape, real dtype."""
    if not _is_c(x):
        raise TypeError(
            f"imag is not implemented for tensors with non-complex dtypes ({_arr(x).dtype})"
        )
    return share_version(x, Imag.apply(x))


def conj(x):
    """The complex conjugate. x: any shape -> same shape and dtype; a real tensor is returned as
    it is (conjugation is the identity there, as in PyTorch)."""
    return Conj.apply(x) if _is_c(x) else x


conj_physical = conj


def resolve_conj(x):
    """x itself: conjugation here is always materialised (PyTorch's lazy-conjugate bit is not
    kept). Accepted so PyTorch code ports."""
    return x


resolve_neg = resolve_conj


def is_conj(x) -> bool:
    """False: conjugates are materialised, never lazy views."""
    return False


def angle(x):
    """The argument atan2(im, re) in (-pi, pi]. x: any shape, float or complex -> same shape,
    real dtype (0 or pi for real x, with zero gradient)."""
    return Angle.apply(x)


def sgn(x):
    """z / |z| (0 at 0) for complex x; the sign -1, 0 or 1 for real x (zero gradient).
    Same shape and dtype."""
    if _is_c(x):
        return Sgn.apply(x)
    from .elementwise import UNARY

    return UNARY["sign"].apply(x)


def complex(real, imag):  # noqa: A001 - PyTorch's name
    """real + i imag. real, imag: float tensors of one dtype, broadcastable shapes -> complex
    tensor (complex64 from float32, complex128 from float64). Either may be None (a zero part),
    which backward rules use."""
    if real is None or imag is None:
        part = imag if real is None else real
        raw = _arr(part)
        xp = np if type(raw) is np.ndarray else _xp(raw)
        zero = xp.zeros(raw.shape, raw.dtype)
        if isinstance(part, Tensor):
            from ..tensor import _wrap

            zero = _wrap(zero, None, False)
        real, imag = (zero, part) if real is None else (part, zero)
    return MakeComplex.apply(real, imag)


def polar(abs, angle):  # noqa: A002 - PyTorch's names
    """abs * (cos(angle) + i sin(angle)). abs, angle: float tensors, broadcastable -> complex."""
    from . import cos, mul, sin

    return complex(mul(abs, cos(angle)), mul(abs, sin(angle)))


def view_as_real(x):
    """A complex tensor (...) as a real one (..., 2): [re, im] in the last dim. A copy here
    (PyTorch returns a view); differentiable both ways."""
    return ViewAsReal.apply(x)


def view_as_complex(x):
    """A float32/float64 tensor (..., 2) as a complex one (...). A copy (PyTorch: a view)."""
    return ViewAsComplex.apply(x)


def is_complex(x) -> bool:
    """Whether x has a complex dtype."""
    return _is_c(x)
