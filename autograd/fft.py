"""``autograd.fft``: PyTorch's ``torch.fft`` namespace (the op classes live in
``autograd/ops/_fft.py``).

fft, ifft, fft2, ifft2, fftn, ifftn (complex), rfft, irfft, rfft2, irfft2, rfftn, irfftn (real
signal, one-sided spectrum), hfft, ihfft, hfft2, ihfft2, hfftn, ihfftn (Hermitian signal, real
spectrum), fftfreq, rfftfreq, fftshift, ifftshift.

As torch's: ``n`` / ``s`` zero-pad or crop the input (at the end) along the transformed dims
(``s[i] == -1`` keeps that size); ``dim`` defaults to the last dim (1-D), the last two (``*2``),
or all dims, or the last ``len(s)`` when ``s`` is given (``*n``); ``norm`` is None or
"backward" (no scale on the forward transform, 1/N on the inverse), "ortho" (1/sqrt(N) both
ways) or "forward" (1/N forward, none inverse), N the product of the signal sizes. float32 gives
complex64 and float64 complex128; integer and bool inputs are promoted to the default float
dtype first; c2r transforms (irfft*, hfft*) return the real dtype of matching precision.
Differentiable (twice and more) with torch's gradients, for real and complex inputs, on cpu and
cuda (numpy.fft / cupy.fft).
"""

from __future__ import annotations

import numpy as np

from .dtypes import as_dtype, get_default_dtype
from .factory import _finish
from .ops import _fft as _f
from .ops.layout import roll as _roll

__all__ = [
    "fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2",
    "rfftn", "irfftn", "hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn", "fftfreq",
    "rfftfreq", "fftshift", "ifftshift",
]  # fmt: skip

# ruff: noqa: A002 - torch's argument name ``input``


def _last(s, sizes):
    """The requested output length of a c2r transform's halved dim: None (the default
    2 (m - 1)) when s is not given or its last entry is -1."""
    if s is None or not sizes:
        return None
    last = s[-1] if isinstance(s, (tuple, list)) else s
    return None if last == -1 else sizes[-1]


def _c2c(input, s, dim, norm, forward, name):
    dims, sizes = _f.n_dims(input, s, dim, name)
    return _f.c2c(input, dims, sizes, norm, forward, name)


def _r2c(input, s, dim, norm, forward, name):
    dims, sizes = _f.n_dims(input, s, dim, name)
    return _f.r2c(input, dims, sizes, norm, forward, name)


def _c2r(input, s, dim, norm, forward, name):
    dims, sizes = _f.n_dims(input, s, dim, name)
    return _f.c2r(input, dims, sizes[:-1], _last(s, sizes), norm, forward, name)


# -- complex to complex --------------------------------------------------------------------------


def fft(input, n=None, dim=-1, norm=None):
    """1-D discrete Fourier transform along ``dim``.

    input: (..., m, ...) real or complex. n: signal length (input zero-padded or cropped to it;
    default m). Returns (..., n, ...) complex: y[k] = sum_j x[j] exp(-2 pi i jk / n), scaled
    by ``norm``.
    """
    d, n = _f.one_dim(input, n, dim, "fft")
    return _f.c2c(input, (d,), (n,), norm, True, "fft")


def ifft(input, n=None, dim=-1, norm=None):
    """1-D inverse discrete Fourier transform along ``dim``.

    input: (..., m, ...) real or complex. Returns (..., n, ...) complex:
    y[j] = (1/n) sum_k x[k] exp(2 pi i jk / n) with the default norm.
    """
    d, n = _f.one_dim(input, n, dim, "ifft")
    return _f.c2c(input, (d,), (n,), norm, False, "ifft")


def fft2(input, s=None, dim=(-2, -1), norm=None):
    """2-D discrete Fourier transform over ``dim`` (default the last two).

    input: (..., m1, m2) real or complex. s: signal sizes (default the input's). Returns
    (..., s1, s2) complex.
    """
    return _c2c(input, s, dim, norm, True, "fft2")


def ifft2(input, s=None, dim=(-2, -1), norm=None):
    """2-D inverse discrete Fourier transform over ``dim``. input: (..., m1, m2) -> (..., s1, s2)
    complex."""
    return _c2c(input, s, dim, norm, False, "ifft2")


def fftn(input, s=None, dim=None, norm=None):
    """N-D discrete Fourier transform over ``dim`` (default: the last len(s) dims, or all).

    input: any shape, real or complex. s: signal sizes, one per dim. Returns the input's shape
    with the transformed dims resized to s, complex.
    """
    return _c2c(input, s, dim, norm, True, "fftn")


def ifftn(input, s=None, dim=None, norm=None):
    """N-D inverse discrete Fourier transform over ``dim``. input: any shape -> the transformed
    dims resized to s, complex."""
    return _c2c(input, s, dim, norm, False, "ifftn")


# -- real signal, one-sided spectrum ---------------------------------------------------------------


def rfft(input, n=None, dim=-1, norm=None):
    """1-D Fourier transform of a real signal: the n//2 + 1 non-negative frequency bins.

    input: (..., m, ...) real (complex raises TypeError). n: signal length (pad or crop).
    Returns (..., n//2 + 1, ...) complex.
    """
    d, n = _f.one_dim(input, n, dim, "rfft")
    return _f.r2c(input, (d,), (n,), norm, True, "rfft")


def irfft(input, n=None, dim=-1, norm=None):
    """Inverse of rfft: a real signal of length n from its one-sided spectrum.

    input: (..., m, ...) complex (or real): bins 0 .. m-1, cropped or zero-padded to n//2 + 1;
    the imaginary parts of bin 0 and (even n) bin n/2 are ignored. n: output length (default
    2 (m - 1)). Returns (..., n, ...) real.
    """
    d, n_ = _f.one_dim(input, n, dim, "irfft")
    return _f.c2r(input, (d,), (), None if n is None else n_, norm, False, "irfft")


def rfft2(input, s=None, dim=(-2, -1), norm=None):
    """2-D Fourier transform of a real signal, halved along the last of ``dim``.
    input: (..., m1, m2) real -> (..., s1, s2//2 + 1) complex."""
    return _r2c(input, s, dim, norm, True, "rfft2")


def irfft2(input, s=None, dim=(-2, -1), norm=None):
    """Inverse of rfft2. input: (..., m1, m2) complex -> (..., s1, s2) real, s2 defaulting to
    2 (m2 - 1)."""
    return _c2r(input, s, dim, norm, False, "irfft2")


def rfftn(input, s=None, dim=None, norm=None):
    """N-D Fourier transform of a real signal, the last of ``dim`` halved to s[-1]//2 + 1 bins.
    input: real, any shape -> complex, the transformed dims resized to s (the last halved)."""
    return _r2c(input, s, dim, norm, True, "rfftn")


def irfftn(input, s=None, dim=None, norm=None):
    """Inverse of rfftn: a real signal of sizes s over ``dim`` from its one-sided spectrum
    (halved along the last of dim; s[-1] defaults to 2 (m - 1)). input: complex -> real."""
    return _c2r(input, s, dim, norm, False, "irfftn")


# -- Hermitian signal, real spectrum ---------------------------------------------------------------


def hfft(input, n=None, dim=-1, norm=None):
    """1-D Fourier transform of a Hermitian-symmetric signal given by its first half: real.

    input: (..., m, ...) complex (or real), x[0 .. n//2]. n: output length (default
    2 (m - 1)). Returns (..., n, ...) real: irfft(conj(x), n) with the forward scale.
    """
    d, n_ = _f.one_dim(input, n, dim, "hfft")
    return _f.c2r(input, (d,), (), None if n is None else n_, norm, True, "hfft")


def ihfft(input, n=None, dim=-1, norm=None):
    """Inverse of hfft: the first n//2 + 1 bins of the inverse transform of a real signal.

    input: (..., m, ...) real (complex raises TypeError). Returns (..., n//2 + 1, ...) complex:
    conj(rfft(x, n)) with the inverse scale.
    """
    d, n = _f.one_dim(input, n, dim, "ihfft")
    return _f.r2c(input, (d,), (n,), norm, False, "ihfft")


def hfft2(input, s=None, dim=(-2, -1), norm=None):
    """2-D hfft. input: (..., m1, m2) complex half-Hermitian -> (..., s1, s2) real."""
    return _c2r(input, s, dim, norm, True, "hfft2")


def ihfft2(input, s=None, dim=(-2, -1), norm=None):
    """2-D ihfft. input: (..., m1, m2) real -> (..., s1, s2//2 + 1) complex."""
    return _r2c(input, s, dim, norm, False, "ihfft2")


def hfftn(input, s=None, dim=None, norm=None):
    """N-D hfft: the transform of a signal Hermitian-symmetric over ``dim``, given by its half
    along the last of dim. input: complex -> real of sizes s (s[-1] defaults to 2 (m - 1))."""
    return _c2r(input, s, dim, norm, True, "hfftn")


def ihfftn(input, s=None, dim=None, norm=None):
    """N-D ihfft. input: real -> complex, the transformed dims resized to s (the last halved)."""
    return _r2c(input, s, dim, norm, False, "ihfftn")


# -- helpers ---------------------------------------------------------------------------------------


def _freq_dtype(dtype, name):
    d = get_default_dtype() if dtype is None else as_dtype(dtype)
    if d.kind not in "fc":
        raise TypeError(f"{name} requires a floating point or complex dtype, got {d}")
    return d


def _freq(values, n, d, dtype, device, requires_grad):
    with np.errstate(divide="ignore", invalid="ignore"):
        out = values.astype(np.float64) * (np.float64(1.0) / (np.float64(n) * d))
    return _finish(out.astype(dtype), device, requires_grad)


def fftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False):
    """The sample frequencies of an n-point fft with sample spacing d.

    Returns (n,): [0, 1, ..., (n - 1)//2, -(n//2), ..., -1] / (d n), of ``dtype`` (default
    float dtype) on ``device``.
    """
    n = _f._int(n, "fftfreq", "n")
    if n < 0:
        raise ValueError(f"fftfreq: n must be non-negative, got {n}")
    dt = _freq_dtype(dtype, "fftfreq")
    k = np.arange(n)
    k[(n + 1) // 2 :] -= n
    return _freq(k, n, d, dt, device, requires_grad)


def rfftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False):
    """The sample frequencies of an n-point rfft with sample spacing d.

    Returns (n//2 + 1,): [0, 1, ..., n//2] / (d n), of ``dtype`` on ``device``.
    """
    n = _f._int(n, "rfftfreq", "n")
    if n < 0:
        raise ValueError(f"rfftfreq: n must be non-negative, got {n}")
    dt = _freq_dtype(dtype, "rfftfreq")
    return _freq(np.arange(n // 2 + 1), n, d, dt, device, requires_grad)


def _shift(x, dim, inverse, name):
    shape = _f._shape(x, name)
    if dim is None:
        dims = tuple(range(len(shape)))
    else:
        dims = (dim,) if not isinstance(dim, (tuple, list)) else tuple(dim)
        dims = tuple(_f._dim(v, len(shape), name) for v in dims)
    if not dims:
        raise ValueError(f"{name}: no dims to shift (input shape {shape}, dim={dim!r})")
    shifts = tuple((shape[a] + inverse) // 2 for a in dims)
    return _roll(x, shifts, dims)


def fftshift(input, dim=None):
    """Move the zero-frequency bin to the centre: roll by size//2 along ``dim`` (default all).
    input: any shape (at least 1-D) -> same shape and dtype."""
    return _shift(input, dim, 0, "fftshift")


def ifftshift(input, dim=None):
    """Inverse of fftshift: roll by (size + 1)//2 along ``dim`` (default all). input: any shape
    (at least 1-D) -> same shape and dtype."""
    return _shift(input, dim, 1, "ifftshift")
