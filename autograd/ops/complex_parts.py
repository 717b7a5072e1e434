"""Complex tensors: parts, conjugate, angle, construction, adjoint, and the views that
reinterpret bytes (``view_as_real``, ``view_as_complex``, ``Tensor.view(dtype)``).

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
    "complex", "polar", "view_as_real", "view_as_complex", "is_complex", "is_conj", "adjoint",
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
    """(...) complex -> (..., 2) real, a view of z's memory: [re, im] in the last dim (any layout
    of z works: the new dim has stride 1, the others twice z's). gz = gy[..., 0] + i gy[..., 1]."""

    __slots__ = ()
    complex_ok = True

    def forward(self, z):
        if z.dtype not in COMPLEX:
            raise TypeError(f"view_as_real: expected a complex tensor, got dtype {z.dtype}")
        return _real_view(z)

    def backward(self, gy):
        return ViewAsComplex.apply(gy)


class ViewAsComplex(Function):
    """(..., 2) real -> (...) complex: the last dim holds the real and imaginary parts; a view of
    x's memory when its layout allows (``view_as_complex`` checks that first), else of a copy
    (the gradient gy of ``view_as_real`` may have any layout). gx = [re gz, im gz]."""

    __slots__ = ()
    complex_ok = True

    def forward(self, x):
        if _complex_view_problem(x) is not None:
            x = (np if type(x) is np.ndarray else _xp(x)).ascontiguousarray(x)
        return _complex_view(x)

    def backward(self, gz):
        return ViewAsReal.apply(gz)


# -- views that reinterpret the bytes -------------------------------------------------------------


def _byte_offset(a) -> int:
    """Bytes from the start of a's allocation to its first element (PyTorch's
    ``storage_offset() * element_size()``); 0 where the array module doesn't say."""
    if type(a) is np.ndarray:
        root = a
        while isinstance(root.base, np.ndarray):
            root = root.base
        return a.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    try:  # cupy: a MemoryPointer into an allocation
        return int(a.data.ptr - a.data.mem.ptr)
    except AttributeError:
        return 0


def _on_memory(a, dtype, shape, strides):
    """A ``dtype`` array of ``shape`` and ``strides`` (bytes) on a's memory from its first
    element (cupy: its ``view(dtype)`` wants a C-contiguous array, so a contiguous run at a's
    start is reinterpreted, then strided). The caller has checked that it stays inside a."""
    st = _xp(a).lib.stride_tricks.as_strided
    n = np.dtype(dtype).itemsize
    head = st(a, (max(n // a.itemsize, 1),), (a.itemsize,)).view(dtype)
    return st(head, shape, strides)


def _real_view(z):
    """(...) complex array -> (..., 2) real view of the same memory."""
    rd = real_of(z.dtype)
    if type(z) is np.ndarray:
        return z[..., None].view(rd)  # the new size-1 axis may change its itemsize
    return _on_memory(z, rd, z.shape + (2,), z.strides + (z.itemsize // 2,))


def _complex_view(x):
    """(..., 2) real array (last stride 1, others even) -> (...) complex view of its memory."""
    cd = complex_of(x.dtype)
    if type(x) is np.ndarray:
        return x.view(cd)[..., 0]
    return _on_memory(x, cd, x.shape[:-1], x.strides[:-1])


def _complex_view_problem(x):
    """Why (..., 2) float array x can't be viewed as complex (PyTorch's conditions, strides in
    elements), or None. An empty x has none (its strides mean nothing: NumPy 2 gives 0s)."""
    if x.size == 0:
        return None
    isz = x.itemsize
    if x.strides[-1] != isz:
        s = x.strides[-1]
        return f"Tensor must have a last dimension with stride 1, but got {s / isz:g}"
    for i, (s, n) in enumerate(zip(x.strides[:-1], x.shape[:-1])):
        if n != 1 and s % (2 * isz):  # a size-1 dim's stride is never used (torch skips it)
            return (
                "Tensor must have a stride divisible by 2 for all but last dimension, but "
                f"dim {i} has stride {s / isz:g}"
            )
    off = _byte_offset(x)
    if off % (2 * isz):
        return f"Tensor must have a storage_offset divisible by 2, but got {off / isz:g}"
    return None


def view_dtype(x, dtype):
    """``x.view(dtype)``: x's bytes reinterpreted as ``dtype``, sharing memory and version
    counter, outside the graph (not differentiable, as in PyTorch: the result never requires
    grad, like ``detach()``). x: (..., n) -> (..., n * isz(x) // isz(dtype)); any shape, same
    shape and strides when the itemsizes match.

    A different itemsize needs a 1-d or more x with x.stride(-1) == 1 and, to a larger dtype,
    size(-1), the storage offset and the other strides divisible by the ratio (PyTorch's
    conditions, checked in its order; RuntimeError, ShapeError for the sizes). An empty x's
    strides are not checked (NumPy's are not PyTorch's there).
    """
    from ..dtypes import as_dtype
    from ..tensor import _wrap

    d = as_dtype(dtype)
    a = x._data
    isz, nsz = a.itemsize, d.itemsize
    if nsz != isz:
        _check_view_dtype(a, d)
    if nsz == isz or type(a) is np.ndarray:
        out = a.view(d)  # NumPy: the last axis contiguous suffices (checked above)
    else:
        n = a.shape[-1] * isz // nsz
        out = _on_memory(a, d, a.shape[:-1] + (n,), a.strides[:-1] + (nsz,))
    t = _wrap(out, None, False)
    if x._vc is None:
        x._vc = [0]
    t._vc = x._vc  # writes through either are seen by the records that saved the other
    return t


def _check_view_dtype(a, d):
    """PyTorch's conditions (and order) for viewing array ``a`` as ``d`` of another itemsize."""
    isz, nsz = a.itemsize, d.itemsize
    what = f"to view {a.dtype} as {d} (different element sizes)"
    if a.ndim == 0:
        raise ShapeError(f"view: self.dim() cannot be 0 {what}")
    last = f"view: self.stride(-1) must be 1 {what}, but got {a.strides[-1] / isz:g}"
    r = nsz // isz
    if r and a.shape[-1] % r:
        raise ShapeError(
            f"view: self.size(-1) must be divisible by {r} {what}, but got {a.shape[-1]}"
        )
    if a.size == 0:  # nothing to reinterpret; an empty array's strides mean nothing
        return
    # a size-1 last dim has any stride in NumPy (0 after x[..., None]) where torch's is 1
    unit = a.strides[-1] == isz or a.shape[-1] == 1
    if isz > nsz:
        if not unit:
            raise RuntimeError(last)
        return
    off = _byte_offset(a)
    if off % nsz:
        raise RuntimeError(
            f"view: self.storage_offset() must be divisible by {r} {what}, but got {off / isz:g}"
        )
    if not unit:
        raise RuntimeError(last)
    for i, s in enumerate(a.strides[:-1]):
        if s % nsz:
            raise RuntimeError(
                f"view: self.stride({i}) must be divisible by {r} {what}, but got {s / isz:g}"
            )


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
    """A complex tensor (...) as a real one (..., 2), [re, im] in the last dim: a view sharing
    x's memory and version counter, as PyTorch's (``nn.init.uniform_(view_as_real(w))`` and
    ``view_as_real(z)[..., 0] = 0`` write into x). Any layout of x works; float32 from
    complex64, float64 from complex128. Differentiable both ways; an in-place write through it
    while recording is recorded on x, as PyTorch's (autograd/_inplace_views.py), and refused
    when x is a leaf that requires grad (as for every view of one)."""
    if not _is_c(x):
        raise TypeError(f"view_as_real: expected a complex tensor, got dtype {_arr(x).dtype}")
    return share_version(x, ViewAsReal.apply(x))


def view_as_complex(x):
    """A float32/float64 tensor (..., 2) as a complex one (...): a view sharing x's memory and
    version counter, as PyTorch's. x's layout must allow it (PyTorch's conditions, raised as
    RuntimeError otherwise): last dim of stride 1, every other stride and the storage offset
    even (in elements; not checked on an empty x); ``x.contiguous()`` always qualifies.
    complex64 from float32, complex128 from float64; differentiable both ways."""
    a = _arr(x)
    if a.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(
            f"view_as_complex: expected a float32 or float64 tensor, got dtype {a.dtype}"
        )
    if a.ndim == 0:
        raise ShapeError("view_as_complex: Input tensor must have one or more dimensions")
    if a.shape[-1] != 2:
        raise ShapeError(
            f"view_as_complex: the last dim must have size 2, got shape {tuple(a.shape)}"
        )
    why = _complex_view_problem(a)
    if why is not None:
        raise RuntimeError(
            f"view_as_complex: {why} (shape {tuple(a.shape)}); use x.contiguous() first, "
            "which copies"
        )
    return share_version(x, ViewAsComplex.apply(x))


def adjoint(x):
    """The conjugate transpose of the last two dims (PyTorch's ``adjoint`` and ``Tensor.mH``):
    (..., m, n) -> (..., n, m). A view of x when x is real (the transpose); for complex x the
    conjugate is materialised (a new tensor: PyTorch's lazy conjugate bit is not kept). A 0-d
    x gives conj(x) with PyTorch's deprecation warning; a 1-d x raises IndexError."""
    n = _arr(x).ndim
    if n == 0:
        import warnings

        warnings.warn(
            "adjoint() / Tensor.mH / Tensor.H is deprecated on 0-D tensors (as in PyTorch). "
            "Consider using x.conj().",
            UserWarning,
            stacklevel=2,
        )
        return conj(x)
    if n < 2:
        raise IndexError(
            "adjoint: tensor.adjoint() / tensor.mH is only supported on matrices or batches of "
            f"matrices, got a {n}-D tensor of shape {tuple(_arr(x).shape)}"
        )
    from .shape import transpose

    return conj(transpose(x, -2, -1))


def is_complex(x) -> bool:
    """Whether x has a complex dtype."""
    return _is_c(x)
