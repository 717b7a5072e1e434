"""The discrete Fourier transforms behind ``autograd.fft``: three op classes and their argument
handling (dims, sizes, norm, dtype promotion, zero padding and cropping).

Every transform is a composition of (zero pad | crop) along the transformed dims, an optional
conjugation, and one of:

* ``C2C``: y = c * F x (forward) or c * conj(F) x (inverse) over ``axes``, where
  F[k, j] = exp(-2 pi i k j / N) per axis. It is C-linear, so torch's gradient is the adjoint,
  gx = conj(c) * F^H gy: the transform in the other direction with the same scale c.
* ``R2C``: y = the first N//2 + 1 bins (along the last axis) of c2c(x) for real x. Its adjoint
  pads gy with zeros back to N bins and takes the real part of the inverse-direction c2c.
* ``C2R``: y = c * (inverse DFT of the Hermitian extension of x), real, of length N along the
  last axis (x holds N//2 + 1 bins; the imaginary parts of bin 0 and, for even N, bin N/2 are
  ignored). Bin k in 1 .. N - (N//2 + 1) appears twice in the extension (k and N - k), so
  dy/d(re x_k) = 2 c cos, dy/d(im x_k) = -2 c sin: gx = r2c(gy) with those bins doubled (torch's
  ``fft_c2r_backward``); bins 0 and N/2 get r2c(gy), real.

The scale c is a ``mode``: "none" (1), "sqrtn" (1/sqrt(N)) or "n" (1/N), N the product of the
full signal sizes over ``axes``; a norm string maps to a mode by the transform's direction.
Backward rules call the same classes, so they run raw or record a graph (second order).
"""

from __future__ import annotations

import operator

import numpy as np

from backends import array_module

from ..dtypes import COMPLEX, complex_of, get_default_dtype, real_of
from ..errors import ShapeError
from ..function import Function
from ..tensor import Tensor
from ._index import GetItem
from .complex_parts import conj, real
from .elementwise import Cast
from .shape import Pad

# mode -> numpy's norm keyword, for a forward-direction and an inverse-direction transform
_NP_NORM = {
    True: {"none": "backward", "sqrtn": "ortho", "n": "forward"},
    False: {"none": "forward", "sqrtn": "ortho", "n": "backward"},
}


class C2C(Function):
    """y = complex DFT of x over ``axes`` (forward or inverse direction), scaled by ``mode``.
    x: real or complex, any shape -> same shape, complex. gx = the other direction of gy."""

    __slots__ = ("axes", "fwd", "mode")
    complex_ok = True
    link_saved = False

    def forward(self, x, axes, fwd, mode):
        self.axes, self.fwd, self.mode = axes, fwd, mode
        xp = array_module(x)
        f = xp.fft.fftn if fwd else xp.fft.ifftn
        y = f(x, axes=axes, norm=_NP_NORM[fwd][mode])
        return y.astype(complex_of(x.dtype), copy=False)

    def backward(self, gy):
        gx = C2C.apply(gy, self.axes, not self.fwd, self.mode)
        return self.reduce_grad(0, gx), None, None, None


class R2C(Function):
    """y = the one-sided forward DFT of real x over ``axes`` (the last of them halved).
    x: (..., N, ...) real -> (..., N//2 + 1, ...) complex along axes[-1]."""

    __slots__ = ("axes", "mode", "full")
    complex_ok = True
    link_saved = False

    def forward(self, x, axes, mode):
        self.axes, self.mode, self.full = axes, mode, x.shape[axes[-1]]
        xp = array_module(x)
        y = xp.fft.rfftn(x, axes=axes, norm=_NP_NORM[True][mode])
        return y.astype(complex_of(x.dtype), copy=False)

    def backward(self, gy):
        last = self.axes[-1]
        missing = self.full - gy.shape[last]
        if missing > 0:  # the discarded half of the spectrum had no effect: zero gradient
            widths = [(0, 0)] * gy.ndim
            widths[last] = (0, missing)
            gy = Pad.apply(gy, tuple(widths), 0)
        return real(C2C.apply(gy, self.axes, False, self.mode)), None, None


class C2R(Function):
    """y = the real inverse DFT over ``axes`` of the one-sided spectrum x, of length ``n`` along
    axes[-1]. x: (..., n//2 + 1, ...) complex (or real) -> (..., n, ...) real."""

    __slots__ = ("axes", "mode", "n")
    complex_ok = True
    link_saved = False

    def forward(self, x, axes, mode, n):
        self.axes, self.mode, self.n = axes, mode, n
        xp = array_module(x)
        norm = _NP_NORM[False][mode]
        rdt = real_of(complex_of(x.dtype))
        if xp is np:  # pocketfft ignores the imaginary parts of bins 0 and n/2 itself
            s = [x.shape[a] for a in axes[:-1]] + [n]
            return xp.fft.irfftn(x, s=s, axes=axes, norm=norm).astype(rdt, copy=False)
        # cuFFT's c2r reads them (its result for a non-Hermitian input is unspecified): the
        # other axes first (the scale splits over the steps), then those parts dropped, so the
        # result and the gradient above are pocketfft's on every device
        if len(axes) > 1:
            x = xp.fft.ifftn(x, axes=axes[:-1], norm=norm)
        else:
            x = x.astype(complex_of(x.dtype))  # a copy: written below
        edge = [slice(None)] * x.ndim
        for k in (0, n // 2) if n % 2 == 0 else (0,):
            edge[axes[-1]] = k
            x[tuple(edge)] = x[tuple(edge)].real
        return xp.fft.irfft(x, n=n, axis=axes[-1], norm=norm).astype(rdt, copy=False)

    def backward(self, gy):
        g = R2C.apply(gy, self.axes, self.mode)
        n = self.n
        twice = n - (n // 2 + 1)  # bins 1 .. twice stand for themselves and their mirror
        if twice > 0:
            raw = g._data if isinstance(g, Tensor) else g
            shape = [1] * raw.ndim
            shape[self.axes[-1]] = n // 2 + 1
            w = np.ones(n // 2 + 1, real_of(raw.dtype))
            w[1 : 1 + twice] = 2
            g = g * array_module(raw).asarray(w.reshape(shape))
        return self.reduce_grad(0, g), None, None, None


# -- argument handling ---------------------------------------------------------------------------


def norm_mode(norm, forward: bool, name: str) -> str:
    """The scale of a transform in ``forward`` (or inverse) direction for torch's ``norm``."""
    if norm is None or norm == "backward":
        return "none" if forward else "n"
    if norm == "forward":
        return "n" if forward else "none"
    if norm == "ortho":
        return "sqrtn"
    raise ValueError(
        f'{name}: Invalid normalization mode: "{norm}" (expected None, "backward", "forward" '
        'or "ortho")'
    )


def promote(x, name: str):
    """x as a float or complex Tensor/array: integer and bool to the default float dtype,
    float16 to float32 (torch computes CUDA half as float, and refuses it on the CPU)."""
    dt = np.dtype(x.dtype)
    if dt in COMPLEX or (dt.kind == "f" and dt.itemsize >= 4):
        return x
    if dt.kind not in "biuf":
        raise TypeError(f"{name}: unsupported input dtype {dt}")
    target = np.dtype(np.float32) if dt.kind == "f" else get_default_dtype()
    return Cast.apply(x, target)


def _shape(x, name: str) -> tuple:
    """x's shape; TypeError unless x is a Tensor (or an array)."""
    if not hasattr(x, "dtype") or not hasattr(x, "shape"):
        raise TypeError(f"{name}: expected a Tensor as input, got {type(x).__name__}")
    return tuple(x.shape)


def _int(v, name: str, what: str) -> int:
    if isinstance(v, bool):
        raise TypeError(f"{name}: {what} must be an int, got bool")
    try:
        return operator.index(v)
    except TypeError:
        raise TypeError(f"{name}: {what} must be an int, got {type(v).__name__}") from None


def _dim(d, ndim: int, name: str) -> int:
    d = _int(d, name, "dim")
    if ndim == 0:
        raise IndexError(f"{name}: dim {d} given, but the input is 0-d (it has no dimensions)")
    if not -ndim <= d < ndim:
        raise IndexError(
            f"{name}: dim {d} is out of range for a tensor with {ndim} dimensions (expected "
            f"to be in range of [{-ndim}, {ndim - 1}])"
        )
    return d % ndim


def _points(n: int, name: str) -> None:
    if n < 1:
        raise ShapeError(f"{name}: Invalid number of data points ({n}) specified")


def one_dim(x, n, dim, name: str):
    """(dim, n) of a 1-D transform: dim normalised, n the input size when None."""
    shape = _shape(x, name)
    d = _dim(dim, len(shape), name)
    n = shape[d] if n is None else _int(n, name, "n")
    return d, n


def n_dims(x, s, dim, name: str):
    """(dims, sizes) of an n-dim transform, as torch: dim given (s, if given, as long as dim),
    else the last len(s) dims, else all dims; s[i] == -1 (or s None) keeps the input size.
    dims keep their given order (the last one is the halved one of rfftn / irfftn)."""
    shape = _shape(x, name)
    ndim = len(shape)
    if s is not None:
        s = (s,) if not isinstance(s, (tuple, list)) else tuple(s)
        s = tuple(_int(v, name, "s") for v in s)
    if dim is not None:
        dims = (dim,) if not isinstance(dim, (tuple, list)) else tuple(dim)
        dims = tuple(_dim(d, ndim, name) for d in dims)
        if len(set(dims)) != len(dims):
            raise IndexError(f"{name}: FFT dims must be unique, got dim={tuple(dim)}")
        if s is not None and len(s) != len(dims):
            raise ShapeError(
                f"{name}: When given, dim and shape arguments must have the same length "
                f"(s={s}, dim={tuple(dim)})"
            )
    elif s is not None:
        if len(s) > ndim:
            raise ShapeError(
                f"{name}: Got shape with {len(s)} values but input tensor only has {ndim} "
                f"dimensions (s={s}, input shape {shape})."
            )
        dims = tuple(range(ndim - len(s), ndim))
    else:
        dims = tuple(range(ndim))
    sizes = tuple(shape[d] for d in dims) if s is None else s
    sizes = tuple(shape[d] if v == -1 else v for d, v in zip(dims, sizes))
    return dims, sizes


def resize(x, dims, sizes):
    """x zero-padded or cropped (at the end) to ``sizes`` along ``dims`` (differentiable)."""
    shape = tuple(x.shape)
    crop = [slice(None)] * len(shape)
    widths = [(0, 0)] * len(shape)
    for d, n in zip(dims, sizes):
        if n < shape[d]:
            crop[d] = slice(0, n)
        elif n > shape[d]:
            widths[d] = (0, n - shape[d])
    if any(c != slice(None) for c in crop):
        x = GetItem.apply(x, tuple(crop))
    if any(w != (0, 0) for w in widths):
        x = Pad.apply(x, tuple(widths), 0)
    return x


# -- the three kinds of transform, with torch's argument rules -----------------------------------


def c2c(x, dims, sizes, norm, forward: bool, name: str):
    """Complex transform of x over dims after resizing to sizes (checked >= 1)."""
    mode = norm_mode(norm, forward, name)
    for n in sizes:
        _points(n, name)
    x = resize(promote(x, name), dims, sizes)
    if not dims:  # torch: no dims to transform gives x as complex
        return Cast.apply(x, complex_of(x.dtype))
    return C2C.apply(x, dims, forward, mode)


def r2c(x, dims, sizes, norm, forward: bool, name: str):
    """One-sided transform of real x over dims (the last halved) after resizing to sizes;
    ``forward`` False is ihfft's: conj of the forward transform, scaled as an inverse."""
    mode = norm_mode(norm, forward, name)
    if np.dtype(x.dtype) in COMPLEX:
        raise TypeError(f"{name} expects a real input tensor, but got {x.dtype}")
    if not dims:
        raise ShapeError(f"{name} must transform at least one axis")
    for n in sizes:
        _points(n, name)
    y = R2C.apply(resize(promote(x, name), dims, sizes), dims, mode)
    return y if forward else conj(y)


def c2r(x, dims, sizes, last, norm, forward: bool, name: str):
    """Real output of length ``last`` (None: 2 (m - 1), m = x's size) along dims[-1] and
    ``sizes`` along the other dims, from the one-sided spectrum x; ``forward`` True is hfft's:
    the transform of conj(x), forward-scaled."""
    mode = norm_mode(norm, forward, name)
    if not dims:
        raise ShapeError(f"{name} must transform at least one axis")
    if last is None:
        last = 2 * (x.shape[dims[-1]] - 1)
    _points(last, name)
    for n in sizes:
        _points(n, name)
    x = resize(promote(x, name), dims, tuple(sizes) + (last // 2 + 1,))
    if forward:
        x = conj(x)
    return C2R.apply(x, dims, mode, last)
