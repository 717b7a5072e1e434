"""Short-time Fourier transforms and window functions: ``torch.stft``, ``torch.istft``,
``torch.hann_window``, ``hamming_window``, ``blackman_window``, ``bartlett_window`` and
``kaiser_window``, with PyTorch 2.13's arguments, defaults, output layout and errors.

stft is a composition of differentiable ops: (center) pad -> frames -> times the window ->
``autograd.fft``'s R2C (one-sided) or C2C -> transpose. istft inverts it: C2R or C2C -> times
the window -> overlap-add -> divided by the overlap-added squared window (the "envelope"), so
the gradients of the input and of the window, and of every order, come from those ops.

Framing and overlap-add are the one pair of new ops here, each the adjoint of the other:

* ``Frame``: y[..., t, k] = x[..., t hop + k]: (..., L) -> (..., T, n). The gradient sums the
  frames' gradients where they overlap: gx = OverlapAdd(gy).
* ``OverlapAdd``: y[..., j] = sum over t, k with t hop + k = j of x[..., t, k]:
  (..., T, n) -> (..., length). gx = Frame(gy).

Both are linear and move or sum values only, so they are right for complex tensors. They exist
because the composition through gather / scatter-add (``Tensor.unfold``) sums overlapping
gradients element by element (np.add.at) once frames overlap more than 16 times, about 30x
slower here, and goes through the host for complex tensors on cuda; overlap-add is done as
ceil(n / hop) strided additions instead (or T, when there are fewer frames).

Windows are computed in float64 on the host (as torch's formulas, periodic = the first N of
N + 1 points of the symmetric window), then cast to ``dtype`` and copied to ``device``.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from backends import array_module, device_of

from ..dtypes import COMPLEX, as_dtype, complex_of, get_default_dtype, real_of
from ..errors import ShapeError
from ..function import Function
from ..tensor import Tensor
from . import _fft as _f
from ._fft import _int
from ._index import GetItem
from .arithmetic import Div, Mul
from .complex_parts import view_as_real
from .elementwise import Cast
from .shape import Pad, Permute, Reshape, broadcast_to
from .shape import pad as _pad

__all__ = [
    "stft", "istft", "hann_window", "hamming_window", "blackman_window", "bartlett_window",
    "kaiser_window",
]  # fmt: skip

# ruff: noqa: A002 - torch's argument name ``input``

_PAD_MODES = ("constant", "reflect", "replicate", "circular")


# -- framing and overlap-add: a pair of adjoint linear ops --------------------------------------


class Frame(Function):
    """y[..., t, k] = x[..., t hop + k] for t < count, k < n: (..., L) -> (..., count, n),
    count <= (L - n) // hop + 1. gx = OverlapAdd(gy) back to length L."""

    __slots__ = ("hop", "length")
    complex_ok = True  # moves values; its adjoint sums them
    link_saved = False

    def forward(self, x, n, hop, count):
        self.hop, self.length = hop, x.shape[-1]
        xp = array_module(x)
        st = x.strides
        shape, strides = x.shape[:-1] + (count, n), st[:-1] + (hop * st[-1], st[-1])
        if xp is np:
            view = np.lib.stride_tricks.as_strided(x, shape, strides, writeable=False)
        else:
            view = xp.lib.stride_tricks.as_strided(x, shape, strides)
        return xp.ascontiguousarray(view)  # a copy: the output never aliases x

    def backward(self, gy):
        return OverlapAdd.apply(gy, self.hop, self.length), None, None, None


class OverlapAdd(Function):
    """y[..., j] = sum_{t hop + k = j} x[..., t, k]: (..., T, n) -> (..., length), where
    length >= (T - 1) hop + n (the tail beyond the last frame is zero). gx = Frame(gy)."""

    __slots__ = ("n", "hop", "count")
    complex_ok = True  # sums values; its adjoint moves them
    link_saved = False

    def forward(self, x, hop, length):
        *batch, count, n = x.shape
        self.n, self.hop, self.count = n, hop, count
        xp = array_module(x)
        passes = -(-n // hop)  # frame chunks of hop samples: chunk j of frame t starts at t + j
        if count <= passes:  # few frames: add each whole
            out = xp.zeros((*batch, max(length, (count - 1) * hop + n)), x.dtype)
            for t in range(count):
                out[..., t * hop : t * hop + n] += x[..., t, :]
        else:
            buf = xp.zeros((*batch, count + passes, hop), x.dtype)
            for j in range(passes):
                w = min(hop, n - j * hop)
                buf[..., j : j + count, :w] += x[..., :, j * hop : j * hop + w]
            out = buf.reshape(*batch, (count + passes) * hop)
        if out.shape[-1] > length:
            return xp.ascontiguousarray(out[..., :length])
        if out.shape[-1] < length:
            widths = [(0, 0)] * len(batch) + [(0, length - out.shape[-1])]
            return xp.pad(out, widths)
        return out

    def backward(self, gy):
        return Frame.apply(gy, self.n, self.hop, self.count), None, None


# -- argument checks -------------------------------------------------------------------------------


def _opt_int(v, default, name, what):
    return default if v is None else _int(v, name, what)


def _dtype(x):
    return np.dtype(x.dtype)


def _desc(name, x, n_fft, hop, win, window, **more):
    """``name(input (2, 40) float64, n_fft=16, ...)``: the call, for error messages."""
    w = "None" if window is None else type(window).__name__
    if hasattr(window, "shape") and hasattr(window, "dtype"):
        w = f"{tuple(window.shape)} {_dtype(window)}"
    extra = "".join(f", {k}={v!r}" for k, v in more.items())
    return (
        f"{name}(input {tuple(x.shape)} {_dtype(x)}, n_fft={n_fft}, hop_length={hop}, "
        f"win_length={win}, window={w}{extra})"
    )


def _check_window(window, x, win, desc, name):
    if window is None:
        return
    if not hasattr(window, "shape") or not hasattr(window, "dtype"):
        raise TypeError(f"{name}: window must be a Tensor, got {type(window).__name__}")
    if tuple(window.shape) != (win,):
        raise ShapeError(
            f"{desc}: expected a 1D window tensor of size equal to win_length={win}, but got "
            f"window with size {tuple(window.shape)}"
        )
    if _dtype(window).kind not in "biufc":
        raise TypeError(f"{name}: unsupported window dtype {_dtype(window)}")
    dx, dw = device_of(_raw(x)), device_of(_raw(window))
    if dx != dw:
        raise RuntimeError(
            f"Expected all tensors to be on the same device, but got {dx} and {dw} "
            f"(in {name}: input and window)"
        )


def _raw(v):
    return v._data if isinstance(v, Tensor) else v


def _full_window(window, win, n_fft, rdt, like):
    """The window as n_fft points (zero-padded on both sides, centred), None for all ones.
    An integer or bool window is cast to the input's real dtype ``rdt`` (torch's promotion:
    an integer tensor never widens a float one)."""
    if window is None:
        if win == n_fft:
            return None
        xp = array_module(_raw(like))
        w = xp.zeros(n_fft, rdt)
        left = (n_fft - win) // 2
        w[left : left + win] = 1
        return w
    if _dtype(window).kind in "biu":
        window = Cast.apply(window, rdt)
    if win < n_fft:
        left = (n_fft - win) // 2
        window = Pad.apply(window, ((left, n_fft - win - left),), 0)
    return window


def _warn_rectangular(name):
    warnings.warn(
        f"{name}: a window was not provided, so a rectangular window is applied, which is "
        "known to cause spectral leakage; other windows such as hann_window or hamming_window "
        "are recommended to reduce spectral leakage (PyTorch warns likewise)",
        UserWarning,
        stacklevel=3,
    )


# -- stft ------------------------------------------------------------------------------------------


def stft(
    input,
    n_fft,
    hop_length=None,
    win_length=None,
    window=None,
    center=True,
    pad_mode="reflect",
    normalized=False,
    onesided=None,
    return_complex=None,
    align_to_window=None,
):
    """Short-time Fourier transform, as ``torch.stft``.

    input: (L,) or (B, L), float or complex. Frame t holds samples
    [t hop_length, t hop_length + n_fft) of the signal (padded by n_fft // 2 on both sides with
    ``pad_mode`` when ``center``: 'reflect' (default), 'constant', 'replicate', 'circular'),
    times ``window`` ((win_length,), zero-padded centred to n_fft; default all ones), then
    Fourier transformed: X[f, t] = sum_k window[k] x[t hop + k] exp(-2 pi i f k / n_fft),
    scaled by n_fft^-1/2 when ``normalized``.

    hop_length defaults to n_fft // 4, win_length to n_fft. onesided (default True for real
    input and window) keeps the n_fft // 2 + 1 non-negative frequencies. return_complex must be
    given for real input and window (True: complex output; False: the deprecated real layout,
    a trailing dim of size 2 holding [re, im]). align_to_window (center=False only): frames
    start win_length's left padding earlier, so the window (not the frame) starts at t hop.

    Returns (B?, N, T) complex (or (B?, N, T, 2) real), N = n_fft // 2 + 1 (onesided) or
    n_fft, T = 1 + (L' - n_fft) // hop_length frames, L' the signal length after padding.
    Differentiable (any order) in input and window.
    """
    name = "stft"
    if not hasattr(input, "shape") or not hasattr(input, "dtype"):
        raise TypeError(f"{name}: expected a Tensor as input, got {type(input).__name__}")
    n_fft = _int(n_fft, name, "n_fft")
    hop = _opt_int(hop_length, n_fft // 4, name, "hop_length")
    win = _opt_int(win_length, n_fft, name, "win_length")
    desc = _desc(name, input, n_fft, hop, win, window)
    dt = _dtype(input)
    if dt.kind not in "fc":
        raise TypeError(f"{desc}: expected a tensor of floating point or complex values")
    if input.ndim not in (1, 2):
        raise ShapeError(f"{desc}: expected a 1D (L,) or 2D (B, L) tensor")
    if center and align_to_window is not None:
        raise ValueError(f"{desc}: align_to_window should only be set when center = False")
    length = input.shape[-1]
    half = n_fft // 2
    padded = length + 2 * half if center else length
    if center:
        if pad_mode not in _PAD_MODES:
            raise ValueError(
                f"{desc}: Unrecognised padding mode {pad_mode!r} (expected one of {_PAD_MODES})"
            )
        need = {"reflect": half + 1, "circular": half, "replicate": 1 if half else 0}
        if length < need.get(pad_mode, 0):
            raise ShapeError(
                f"{desc}: center padding of n_fft // 2 = {half} samples on each side in "
                f"{pad_mode!r} mode needs a signal of at least {need[pad_mode]} samples, got "
                f"{length}"
            )
    if n_fft <= 0 or n_fft > padded:
        after = " (after center padding)" if center else ""
        raise ShapeError(
            f"{desc}: expected 0 < n_fft <= {padded}, the signal length{after}, but got "
            f"n_fft={n_fft}"
        )
    if hop <= 0:
        raise ValueError(f"{desc}: expected hop_length > 0, but got hop_length={hop}")
    if win <= 0 or win > n_fft:
        raise ValueError(f"{desc}: expected 0 < win_length <= n_fft, but got win_length={win}")
    _check_window(window, input, win, desc, name)
    cplx = dt in COMPLEX or (window is not None and _dtype(window) in COMPLEX)
    if onesided is None:
        onesided = not cplx
    elif onesided and cplx:
        raise ValueError(f"{desc}: Cannot have onesided output if window or input is complex")
    if return_complex is None:
        if not cplx:
            raise ValueError(
                f"{desc}: stft requires the return_complex parameter be given for real inputs, "
                "and will further require that return_complex=True in a future PyTorch release"
            )
        return_complex = True
    if not return_complex:
        warnings.warn(
            "stft with return_complex=False is deprecated (as in PyTorch): the output will be "
            "complex for all inputs; view_as_real on the complex output gives the old layout",
            UserWarning,
            stacklevel=2,
        )
    if window is None:
        _warn_rectangular(name)

    x = _f.promote(input, name)  # float16 -> float32 (as autograd.fft)
    rdt = real_of(complex_of(_dtype(x)))
    one_d = x.ndim == 1
    if one_d:
        x = Reshape.apply(x, (1, length))
    if center:
        x = _pad(x, (half, half), mode=pad_mode)
    elif align_to_window and win < n_fft:  # frames begin where the window's zeros begin
        left = (n_fft - win) // 2
        x = Pad.apply(x, ((0, 0), (left, n_fft - win - left)), 0)
    count = 1 + (x.shape[-1] - n_fft) // hop
    frames = Frame.apply(x, n_fft, hop, count)  # (B, T, n_fft)
    w = _full_window(window, win, n_fft, rdt, x)
    if w is not None:
        frames = Mul.apply(frames, w)
    norm = "ortho" if normalized else "backward"
    if onesided:
        y = _f.r2c(frames, (2,), (n_fft,), norm, True, name)
    else:
        y = _f.c2c(frames, (2,), (n_fft,), norm, True, name)
    y = Permute.apply(y, (0, 2, 1))  # (B, N, T)
    if one_d:
        y = Reshape.apply(y, tuple(y.shape[1:]))
    return y if return_complex else view_as_real(y)


# -- istft -----------------------------------------------------------------------------------------


def istft(
    input,
    n_fft,
    hop_length=None,
    win_length=None,
    window=None,
    center=True,
    normalized=False,
    onesided=None,
    length=None,
    return_complex=False,
):
    """Inverse short-time Fourier transform, as ``torch.istft`` (least-squares: the
    overlap-added windowed inverse transforms divided by the overlap-added squared window).

    input: (N, T) or (B, N, T) complex, as stft's complex output: N = n_fft // 2 + 1 bins
    (onesided, the default when N != n_fft) or n_fft. hop_length defaults to n_fft // 4 and
    must be in (0, win_length]; win_length defaults to n_fft; window: (win_length,), default
    all ones, zero-padded centred to n_fft. center: the stft input was padded by n_fft // 2
    (trimmed here). normalized: the stft was. length: the output length (trimmed, or
    zero-padded with a warning, at the end). return_complex: a complex output (needs the full
    spectrum, onesided False); else real (the inverse of a one-sided spectrum, bins beyond
    n_fft // 2 ignored).

    Returns (B?, L) with L = length, or (T - 1) hop_length + n_fft less 2 (n_fft // 2) when
    center. ValueError when the squared window's overlap-add vanishes inside the output (NOLA:
    "window overlap add min"). Differentiable (any order) in input and window.
    """
    name = "istft"
    if not hasattr(input, "shape") or not hasattr(input, "dtype"):
        raise TypeError(f"{name}: expected a Tensor as input, got {type(input).__name__}")
    n_fft = _int(n_fft, name, "n_fft")
    hop = _opt_int(hop_length, n_fft // 4, name, "hop_length")
    win = _opt_int(win_length, n_fft, name, "win_length")
    length = _opt_int(length, None, name, "length")
    desc = _desc(name, input, n_fft, hop, win, window, center=bool(center), length=length)
    if _dtype(input) not in COMPLEX:
        raise TypeError(
            f"{desc}: istft requires a complex-valued input tensor matching the output from "
            "stft with return_complex=True"
        )
    if input.ndim not in (2, 3):
        raise ShapeError(f"{desc}: expected a 2D (N, T) or 3D (B, N, T) complex tensor")
    if 0 in tuple(input.shape):
        raise ShapeError(f"{desc}: input tensor cannot be empty")
    if n_fft <= 0:
        raise ValueError(f"{desc}: expected n_fft > 0, but got n_fft={n_fft}")
    bins, count = input.shape[-2], input.shape[-1]
    if onesided is None:
        onesided = bins != n_fft
    if onesided and bins != n_fft // 2 + 1:
        raise ShapeError(
            f"{desc}: expected the frequency dimension (2nd to the last) of the input tensor to "
            f"match n_fft / 2 + 1 = {n_fft // 2 + 1} when onesided=True, but got {bins}"
        )
    if not onesided and bins != n_fft:
        raise ShapeError(
            f"{desc}: expected the frequency dimension (2nd to the last) of the input tensor to "
            f"match n_fft = {n_fft} when onesided=False, but got {bins}"
        )
    if not 0 < hop <= win:
        raise ValueError(f"{desc}: expected 0 < hop_length <= win_length")
    if win > n_fft:
        raise ValueError(f"{desc}: expected 0 < win_length <= n_fft")
    _check_window(window, input, win, desc, name)
    if length is not None and length < 0:
        raise ValueError(f"{desc}: length must be non-negative, got {length}")
    wc = window is not None and _dtype(window) in COMPLEX
    if return_complex and onesided:
        raise ValueError(f"{desc}: Cannot have onesided output if window or input is complex")
    if not return_complex and wc:
        raise ValueError(f"{desc}: Complex windows are incompatible with return_complex=False")
    full = (count - 1) * hop + n_fft
    start = n_fft // 2 if center else 0
    if length is not None:
        end = start + length
    else:
        end = full - n_fft // 2 if center else full
    stop = min(end, full)
    if stop <= start:
        raise ValueError(
            f"{desc}: the output would be empty (samples {start} to {end} of the {full} "
            "overlap-added ones)"
        )
    if window is None:
        _warn_rectangular(name)

    # the envelope first: NOLA is checked before the transforms run
    rdt = real_of(_dtype(input))
    w = _full_window(window, win, n_fft, rdt, input)
    if w is None:
        w = array_module(_raw(input)).ones(n_fft, rdt)
    w2 = broadcast_to(Mul.apply(w, w), (1, count, n_fft))
    env = GetItem.apply(OverlapAdd.apply(w2, hop, full), (slice(None), slice(start, stop)))
    xp = array_module(_raw(env))
    low = float(xp.abs(_raw(env)).min())
    if not low >= 1e-11:
        raise ValueError(
            f"{desc}: window overlap add min: {low:.3g} (below 1e-11: the squared window, "
            f"overlap-added every hop_length={hop} samples, vanishes inside the output, so it "
            "cannot be divided out; the window and hop_length fail NOLA)"
        )

    x = input if input.ndim == 3 else Reshape.apply(input, (1, bins, count))
    x = Permute.apply(x, (0, 2, 1))  # (B, T, N)
    norm = "ortho" if normalized else "backward"
    if return_complex:
        frames = _f.c2c(x, (2,), (n_fft,), norm, False, name)
    else:  # the first n_fft // 2 + 1 bins (a full spectrum is cropped by the resize)
        frames = _f.c2r(x, (2,), (), n_fft, norm, False, name)
    y = OverlapAdd.apply(Mul.apply(frames, w), hop, full)  # (B, full)
    y = Div.apply(GetItem.apply(y, (slice(None), slice(start, stop))), env)
    if input.ndim == 2:
        y = Reshape.apply(y, tuple(y.shape[1:]))
    if end > full:
        warnings.warn(
            f"istft: the signal ({full - start} samples) is shorter than length={length}: the "
            "result is padded with zeros in the tail; check center and hop_length (PyTorch "
            "warns likewise)",
            UserWarning,
            stacklevel=2,
        )
        y = Pad.apply(y, ((0, 0),) * (y.ndim - 1) + ((0, end - full),), 0)
    return y


# -- windows ---------------------------------------------------------------------------------------


def _window_args(name, window_length, periodic, dtype):
    n = _int(window_length, name, "window_length")
    if n < 0:
        raise ValueError(f"{name} requires non-negative window_length, got window_length={n}")
    if not isinstance(periodic, (bool, np.bool_)):
        raise TypeError(f"{name}: periodic must be a bool, got {type(periodic).__name__}")
    d = get_default_dtype() if dtype is None else as_dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"{name} expects floating point dtypes, got {d}")
    return n, bool(periodic), d


def _number(v, name, what):
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{name}: {what} must be a real number, got {type(v).__name__}")
    return float(v)


def _make(name, window_length, periodic, dtype, device, requires_grad, formula):
    """A window from ``formula(points, m)``: float64 values at points 0 .. m - 1 of the
    symmetric window of m points (m = N + 1 when periodic, the last one dropped)."""
    from ..factory import _finish

    n, periodic, d = _window_args(name, window_length, periodic, dtype)
    if n <= 1:
        w = np.ones(n)
    else:
        m = n + 1 if periodic else n
        w = formula(np.arange(m, dtype=np.float64), m)[:n]
    return _finish(w.astype(d), device, requires_grad)


def _cosine(name, window_length, periodic, alpha, beta, dtype, device, requires_grad):
    a, b = _number(alpha, name, "alpha"), _number(beta, name, "beta")
    return _make(
        name, window_length, periodic, dtype, device, requires_grad,
        lambda k, m: a - b * np.cos(k * (2 * np.pi / (m - 1))),
    )  # fmt: skip


def hann_window(
    window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False
):
    """The Hann window: w[k] = 0.5 - 0.5 cos(2 pi k / (M - 1)), M = N + 1 (periodic, default)
    or N. Returns (N,) of ``dtype`` (default float dtype) on ``device``; N = 1 gives [1]."""
    return _cosine("hann_window", window_length, periodic, 0.5, 0.5, dtype, device, requires_grad)


def hamming_window(
    window_length,
    periodic=True,
    alpha=0.54,
    beta=0.46,
    *,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
):
    """The generalised Hamming window: w[k] = alpha - beta cos(2 pi k / (M - 1)), M = N + 1
    (periodic, default) or N. Returns (N,) of ``dtype`` on ``device``; N = 1 gives [1]."""
    return _cosine(
        "hamming_window", window_length, periodic, alpha, beta, dtype, device, requires_grad
    )


def blackman_window(
    window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False
):
    """The Blackman window: w[k] = 0.42 - 0.5 cos(2 pi k / (M - 1)) + 0.08 cos(4 pi k / (M - 1)),
    M = N + 1 (periodic, default) or N. Returns (N,) of ``dtype`` on ``device``."""

    def formula(k, m):
        t = k * (np.pi / (m - 1))
        return 0.08 * np.cos(4 * t) - 0.5 * np.cos(2 * t) + 0.42

    return _make("blackman_window", window_length, periodic, dtype, device, requires_grad, formula)


def bartlett_window(
    window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False
):
    """The Bartlett (triangular) window: w[k] = 1 - |2 k / (M - 1) - 1|, M = N + 1 (periodic,
    default) or N. Returns (N,) of ``dtype`` on ``device``."""

    def formula(k, m):
        w = k * (2.0 / (m - 1))
        first = ((m - 1) >> 1) + 1
        w[first:] = 2 - w[first:]
        return w

    return _make("bartlett_window", window_length, periodic, dtype, device, requires_grad, formula)


def kaiser_window(
    window_length,
    periodic=True,
    beta=12.0,
    *,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
):
    """The Kaiser window: w[k] = I0(beta sqrt(1 - ((k - a) / a)^2)) / I0(beta), a = (M - 1) / 2,
    M = N + 1 (periodic, default) or N; I0 the modified Bessel function of order 0. Returns
    (N,) of ``dtype`` on ``device``."""
    b = _number(beta, "kaiser_window", "beta")

    def formula(k, m):
        a = (m - 1) / 2.0
        return np.i0(b * np.sqrt(np.maximum(1 - ((k - a) / a) ** 2, 0.0))) / np.i0(b)

    return _make("kaiser_window", window_length, periodic, dtype, device, requires_grad, formula)
