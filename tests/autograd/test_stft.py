"""stft / istft and the window functions (``autograd/ops/_stft.py``): values against torch over a
grid of arguments, round trips (also without torch), gradients against torch and gradcheck /
gradgradcheck (float64, complex128), windows against torch, dtypes, warnings, errors, the
framing / overlap-add pair against a plain loop, and the cuda path (fake CuPy in CI)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import autograd as ag
from autograd.errors import ShapeError
from autograd.ops._stft import (
    Frame,
    OverlapAdd,
    bartlett_window,
    blackman_window,
    hamming_window,
    hann_window,
    istft,
    kaiser_window,
    stft,
)

# both libraries warn for a missing window and for return_complex=False; test_warnings checks ours
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

WINDOWS = {
    "hann_window": hann_window,
    "hamming_window": hamming_window,
    "blackman_window": blackman_window,
    "bartlett_window": bartlett_window,
    "kaiser_window": kaiser_window,
}


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _np(t):
    return t.detach().cpu().numpy() if isinstance(t, ag.Tensor) else np.asarray(t)


def _signal(rng, shape, cplx=False):
    a = rng.standard_normal(shape)
    return a + 1j * rng.standard_normal(shape) if cplx else a


def _window(rng, kind, n):
    if kind == "none":
        return None
    w = 0.5 + rng.random(n)  # positive: NOLA holds for every hop <= n
    return w + 1j * rng.random(n) if kind == "complex" else w


def _both(torch, a):
    """(ours, torch's) tensors of a (None stays None)."""
    return (None, None) if a is None else (ag.tensor(a), torch.tensor(a))


def _run(fn, *args, **kw):
    try:
        return fn(*args, **kw)
    except (ValueError, RuntimeError, TypeError, IndexError) as e:
        return e


# -- stft values against torch ---------------------------------------------------------------------

# (n_fft, hop_length, win_length): even and odd n_fft, default hop, hop > win, win < n_fft
SIZES = [(8, None, None), (7, 3, None), (8, 3, 5), (9, 2, 4), (6, 7, None), (1, 1, None)]
PADS = [
    (False, "reflect"),
    (True, "reflect"),
    (True, "constant"),
    (True, "replicate"),
    (True, "circular"),
]


@pytest.mark.parametrize("n_fft,hop,win", SIZES)
@pytest.mark.parametrize("center,pad_mode", PADS)
def test_stft_matches_torch(torch, n_fft, hop, win, center, pad_mode):
    rng = np.random.default_rng(n_fft)
    cases = itertools.product(
        [(23,), (2, 23)],
        [False, True],
        ["none", "real", "complex"],
        [None, False, True],
        [False, True],
    )
    for shape, cplx, wkind, onesided, normalized in cases:
        a = _signal(rng, shape, cplx)
        w = _window(rng, wkind, win or n_fft)
        kw = dict(
            n_fft=n_fft,
            hop_length=hop,
            win_length=win,
            center=center,
            pad_mode=pad_mode,
            normalized=normalized,
            onesided=onesided,
            return_complex=True,
        )
        (x, tx), (wt, tw) = _both(torch, a), _both(torch, w)
        want = _run(torch.stft, tx, window=tw, **kw)
        got = _run(stft, x, window=wt, **kw)
        if isinstance(want, Exception):  # onesided with a complex input or window
            assert isinstance(got, ValueError), (kw, want, got)
            assert "onesided" in str(got) and "onesided" in str(want)
            continue
        assert got.shape == tuple(want.shape), kw
        assert got.dtype == np.complex128
        np.testing.assert_allclose(_np(got), want.numpy(), rtol=1e-10, atol=1e-12)


def test_stft_real_layout_and_align_to_window(torch):
    rng = np.random.default_rng(1)
    a, w = rng.standard_normal((2, 40)), rng.random(6)
    (x, tx), (wt, tw) = _both(torch, a), _both(torch, w)
    for onesided, normalized in itertools.product([True, False], [False, True]):
        kw = dict(n_fft=10, hop_length=3, win_length=6, onesided=onesided, normalized=normalized)
        got = stft(x, window=wt, return_complex=False, **kw)
        want = torch.stft(tx, window=tw, return_complex=False, **kw)
        assert got.shape == tuple(want.shape) and got.shape[-1] == 2
        np.testing.assert_allclose(_np(got), want.numpy(), atol=1e-12)
    # a complex input gives the real layout too (and complex output by default)
    z = _signal(rng, (25,), True)
    got = stft(ag.tensor(z), 8, return_complex=False)
    np.testing.assert_allclose(_np(got), torch.stft(torch.tensor(z), 8, return_complex=False))
    assert stft(ag.tensor(z), 8).dtype == np.complex128
    # align_to_window (center=False): frames start at t * hop - (n_fft - win) // 2 (torch
    # reads one sample past the end for some lengths when n_fft - win is odd: avoided here)
    for n_fft, hop, win in [(16, 4, 6), (15, 3, 6), (12, 5, 12)]:
        wv = rng.random(win)
        for align in (False, True):
            kw = dict(center=False, return_complex=True, align_to_window=align)
            got = stft(x, n_fft, hop, win, ag.tensor(wv), **kw)
            want = torch.stft(tx, n_fft, hop, win, torch.tensor(wv), **kw)
            assert got.shape == tuple(want.shape)
            np.testing.assert_allclose(_np(got), want.numpy(), atol=1e-12)


def test_stft_dtypes(torch):
    rng = np.random.default_rng(2)
    a = rng.standard_normal(40)
    x32 = ag.tensor(a.astype(np.float32))
    w64 = rng.random(16)
    y = stft(x32, 16, window=hann_window(16), return_complex=True)
    assert y.dtype == np.complex64  # float32 in, complex64 out
    want = torch.stft(
        torch.tensor(a, dtype=torch.float32), 16, window=torch.hann_window(16), return_complex=True
    )
    np.testing.assert_allclose(_np(y), want.numpy(), rtol=1e-4, atol=1e-4)
    assert stft(x32, 16, return_complex=False).dtype == np.float32
    # a float64 window widens (as torch's promotion), also zero-padded (win_length < n_fft)
    assert stft(x32, 16, window=ag.tensor(w64), return_complex=True).dtype == np.complex128
    assert stft(x32, 16, win_length=7, window=ag.tensor(w64[:7]), return_complex=True).dtype == (
        np.complex128
    )
    # an integer or bool window never widens: it takes the input's precision
    for wi in (np.arange(16) % 3, np.ones(16, bool)):
        got = stft(x32, 16, window=ag.tensor(wi), return_complex=True)
        assert got.dtype == np.complex64
        want = torch.stft(
            torch.tensor(a, dtype=torch.float32), 16, window=torch.tensor(wi), return_complex=True
        )
        assert want.dtype == torch.complex64
        np.testing.assert_allclose(_np(got), want.numpy(), rtol=1e-4, atol=1e-4)
    # complex64 input with a float32 window stays complex64; float16 is computed as float32
    assert stft(ag.tensor(a.astype(np.complex64)), 16, window=hann_window(16)).dtype == (
        np.complex64
    )
    assert stft(ag.tensor(a.astype(np.float16)), 16, return_complex=True).dtype == np.complex64
    # raw arrays in, raw arrays out (as every autograd function)
    raw = stft(a, 16, return_complex=True)
    assert type(raw) is np.ndarray
    np.testing.assert_allclose(raw, _np(stft(ag.tensor(a), 16, return_complex=True)))


def test_stft_strided_empty_and_short_inputs(torch):
    rng = np.random.default_rng(12)
    big = rng.standard_normal((30, 4))
    t = ag.tensor(big)
    w = ag.tensor(rng.random(8))
    for view, ref in [(t.T, big.T), (t.T[:, ::2], big.T[:, ::2]), (t[::-2, 1], big[::-2, 1])]:
        assert not view.numpy().flags.c_contiguous  # a strided view reaches the framing
        got = stft(view, 8, 3, window=w, center=False, return_complex=True)
        want = stft(ag.tensor(np.ascontiguousarray(ref)), 8, 3, window=w, center=False,
                    return_complex=True)  # fmt: skip
        np.testing.assert_array_equal(_np(got), _np(want))
        np.testing.assert_allclose(
            _np(got)[..., 1, :], (np.lib.stride_tricks.sliding_window_view(ref, 8, -1)[..., ::3, :]
                                  * _np(w) * np.exp(-2j * np.pi * np.arange(8) / 8)).sum(-1)
        )  # fmt: skip
    # a signal shorter than n_fft: center padding makes room ('constant' even from nothing)
    for length in (0, 3):
        a = rng.standard_normal(length)
        got = stft(ag.tensor(a), 8, pad_mode="constant", return_complex=True)
        want = torch.stft(torch.tensor(a), 8, pad_mode="constant", return_complex=True)
        assert got.shape == tuple(want.shape)
        np.testing.assert_allclose(_np(got), want.numpy(), atol=1e-12)
    # an empty batch gives an empty result (torch's FFT backends raise here)
    x = ag.tensor(np.zeros((0, 40)), requires_grad=True)
    y = stft(x, 16, window=hann_window(16, dtype=ag.float64), return_complex=True)
    assert y.shape == (0, 9, 11)
    (y.abs() ** 2).sum().backward()
    assert x.grad.shape == (0, 40)


def test_istft_dtypes(torch):
    rng = np.random.default_rng(13)
    z = _signal(rng, (9, 5), True)
    for cdt, wdt, out in [(np.complex64, None, np.float32), (np.complex64, np.float64, np.float64),
                          (np.complex128, np.float32, np.float64),
                          (np.complex64, np.int64, np.float32)]:  # fmt: skip
        w = None if wdt is None else (1 + np.arange(16) % 3).astype(wdt)
        (x, tx), (wt, tw) = _both(torch, z.astype(cdt)), _both(torch, w)
        got, want = istft(x, 16, window=wt), torch.istft(tx, 16, window=tw)
        assert got.dtype == out and want.numpy().dtype == out
        np.testing.assert_allclose(_np(got), want.numpy(), rtol=1e-5, atol=1e-5)


# -- istft -----------------------------------------------------------------------------------------

ISIZES = [(8, None, None), (7, 3, None), (8, 2, 5), (9, 4, 9), (1, 1, None)]


@pytest.mark.parametrize("n_fft,hop,win", ISIZES)
@pytest.mark.parametrize("center", [True, False])
def test_istft_matches_torch(torch, n_fft, hop, win, center):
    rng = np.random.default_rng(3)
    frames = 6
    cases = itertools.product(
        [(), (2,)],
        [None, False, True],
        [False, True],
        [False, True],
        ["none", "real", "complex"],
        [None, 10, 50],
    )
    compared = 0
    for batch, onesided, normalized, rc, wkind, length in cases:
        bins = n_fft if onesided is False else n_fft // 2 + 1
        a = _signal(rng, batch + (bins, frames), True)  # not Hermitian at bins 0, n/2: ignored
        w = _window(rng, wkind, win or n_fft)
        kw = dict(
            n_fft=n_fft,
            hop_length=hop,
            win_length=win,
            center=center,
            normalized=normalized,
            onesided=onesided,
            length=length,
            return_complex=rc,
        )
        (x, tx), (wt, tw) = _both(torch, a), _both(torch, w)
        want = _run(torch.istft, tx, window=tw, **kw)
        got = _run(istft, x, window=wt, **kw)
        if n_fft == 1 and center and length is None and "min()" in str(want):
            # torch trims to [0, -0): empty, and min() raises; ours keeps the whole signal
            want = torch.istft(tx, window=tw, **dict(kw, center=False))
        if isinstance(want, Exception):  # onesided + complex, NOLA at the uncentred edges
            assert isinstance(got, ValueError), (kw, wkind, want, got)
            continue
        assert not isinstance(got, Exception), (kw, wkind, want, got)
        assert got.shape == tuple(want.shape) and got.dtype == want.numpy().dtype, kw
        np.testing.assert_allclose(_np(got), want.numpy(), rtol=1e-10, atol=1e-11)
        compared += 1
    assert compared >= 36 or (not center and (win or n_fft) < n_fft)


@pytest.mark.parametrize(
    "n_fft,hop,win,wname,center",
    [
        (16, 4, None, "hann_window", True),
        (15, 5, None, "hann_window", True),
        (12, 3, 8, "hamming_window", True),
        (16, 8, 16, "hann_window", False),
        (10, 1, 10, "blackman_window", True),
        (9, 3, None, "bartlett_window", True),
        (11, 4, 9, "kaiser_window", True),
    ],
)
def test_istft_inverts_stft_without_torch(n_fft, hop, win, wname, center):
    rng = np.random.default_rng(4)
    w = WINDOWS[wname](win or n_fft, periodic=True, dtype=ag.float64)
    if not center:  # the windows' zero ends would fail NOLA at the uncentred edges
        w = ag.ones(win or n_fft, dtype=ag.float64)
    for shape in [(50,), (3, 50)]:
        a = rng.standard_normal(shape)
        spec = stft(ag.tensor(a), n_fft, hop, win, w, center=center, return_complex=True)
        back = istft(spec, n_fft, hop, win, w, center=center, length=50 if center else None)
        if center:
            np.testing.assert_allclose(_np(back), a, atol=1e-12)
        else:  # the frames cover a prefix of the signal
            m = back.shape[-1]
            assert 50 - n_fft < m <= 50
            np.testing.assert_allclose(_np(back), a[..., :m], atol=1e-12)
        # a complex signal: full spectrum, complex output
        z = _signal(rng, shape, True)
        spec = stft(ag.tensor(z), n_fft, hop, win, w, center=center)
        back = istft(
            spec,
            n_fft,
            hop,
            win,
            w,
            center=center,
            return_complex=True,
            length=50 if center else None,
        )
        assert back.dtype == np.complex128
        np.testing.assert_allclose(_np(back), z[..., : back.shape[-1]], atol=1e-12)
    # normalized both ways, float32 (float32 out); a length beyond the frames: the reflect-padded
    # tail the frames still cover, then zeros
    a = rng.standard_normal((2, 40)).astype(np.float32)
    spec = stft(ag.tensor(a), 8, 2, window=hann_window(8), normalized=True, return_complex=True)
    back = istft(spec, 8, 2, window=hann_window(8), normalized=True, length=46)
    assert back.dtype == np.float32 and back.shape == (2, 46)
    np.testing.assert_allclose(_np(back)[:, :40], a, atol=2e-6)
    np.testing.assert_allclose(_np(back)[:, 40:44], a[:, 38:34:-1], atol=2e-6)
    np.testing.assert_array_equal(_np(back)[:, 44:], 0)


# -- gradients -------------------------------------------------------------------------------------


def test_gradients_match_torch(torch):
    rng = np.random.default_rng(5)
    # a spectral loss: weighted |stft|^2 (and the real/imag parts), in input and window
    for cplx, center, onesided in [(False, True, True), (False, False, False), (True, True, False)]:
        a, w = _signal(rng, (2, 30), cplx), rng.random(6)
        c = rng.random((2, 7 if onesided and not cplx else 12, 11 if center else 7))
        c2 = rng.standard_normal(c.shape)
        x, wt = ag.tensor(a, requires_grad=True), ag.tensor(w, requires_grad=True)
        tx, tw = torch.tensor(a, requires_grad=True), torch.tensor(w, requires_grad=True)
        kw = dict(
            n_fft=12,
            hop_length=3,
            win_length=6,
            center=center,
            onesided=onesided,
            return_complex=True,
        )
        s = stft(x, window=wt, **kw)
        ts = torch.stft(tx, window=tw, **kw)
        assert s.shape == tuple(ts.shape)
        ((s.abs() ** 2 * ag.tensor(c)).sum() + (s.real * ag.tensor(c2)).sum()).backward()
        ((ts.abs() ** 2 * torch.tensor(c)).sum() + (ts.real * torch.tensor(c2)).sum()).backward()
        np.testing.assert_allclose(_np(x.grad), tx.grad.numpy(), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(_np(wt.grad), tw.grad.numpy(), rtol=1e-10, atol=1e-10)
    # istft outputs, in the spectrum and the window (whose square divides too)
    for rc, onesided in [(False, True), (False, False), (True, False)]:
        bins = 8 if onesided else 14
        z, w = _signal(rng, (2, bins, 6), True), 0.5 + rng.random(10)
        kw = dict(
            n_fft=14, hop_length=4, win_length=10, onesided=onesided, length=19, return_complex=rc
        )
        x, wt = ag.tensor(z, requires_grad=True), ag.tensor(w, requires_grad=True)
        tx, tw = torch.tensor(z, requires_grad=True), torch.tensor(w, requires_grad=True)
        y, ty = istft(x, window=wt, **kw), torch.istft(tx, window=tw, **kw)
        c = rng.standard_normal(y.shape)
        if rc:
            (ag.real(y) * ag.tensor(c) + ag.imag(y) ** 2).sum().backward()
            (ty.real * torch.tensor(c) + ty.imag**2).sum().backward()
        else:
            (y * ag.tensor(c)).sum().backward()
            (ty * torch.tensor(c)).sum().backward()
        np.testing.assert_allclose(_np(y), ty.detach().numpy(), atol=1e-12)
        np.testing.assert_allclose(_np(x.grad), tx.grad.numpy(), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(_np(wt.grad), tw.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(6)
    x = ag.tensor(rng.standard_normal(13), requires_grad=True)
    z = ag.tensor(_signal(rng, (2, 11), True), requires_grad=True)
    w = ag.tensor(rng.random(5), requires_grad=True)
    wc = ag.tensor(_signal(rng, 6, True), requires_grad=True)
    fns = [
        (lambda x, w: stft(x, 6, 2, 5, w, return_complex=True), (x, w)),
        (
            lambda x, w: stft(
                x, 6, 3, 5, w, onesided=False, normalized=True, center=False, return_complex=False
            ),
            (x, w),
        ),
        (lambda z, w: stft(z, 6, 2, window=w, pad_mode="circular"), (z, wc)),
    ]
    spec = _signal(rng, (4, 5), True)
    s = ag.tensor(spec, requires_grad=True)
    sf = ag.tensor(_signal(rng, (2, 6, 4), True), requires_grad=True)
    w6 = ag.tensor(0.5 + rng.random(6), requires_grad=True)
    fns += [
        (lambda s, w: istft(s, 6, 2, 5, w), (s, w)),
        (lambda s, w: istft(s, 6, 3, window=w, length=11, normalized=True), (s, w6)),
        (lambda s, w: istft(s, 6, 2, window=w, return_complex=True, center=False), (sf, wc)),
    ]
    for f, args in fns:
        assert ag.gradcheck(f, args)
        assert ag.gradgradcheck(f, args)


def test_frame_and_overlap_add_against_a_loop():
    rng = np.random.default_rng(7)
    for n, hop, count in [(5, 2, 7), (5, 1, 9), (4, 6, 3), (6, 3, 1), (7, 2, 3), (3, 3, 5)]:
        length = (count - 1) * hop + n + 2  # a tail no frame covers
        a = _signal(rng, (2, length), True)
        fr = Frame.apply(ag.tensor(a), n, hop, count)
        want = np.stack([a[:, t * hop : t * hop + n] for t in range(count)], axis=1)
        np.testing.assert_array_equal(_np(fr), want)
        ola = _np(OverlapAdd.apply(ag.tensor(want), hop, length))
        ref = np.zeros((2, length), complex)
        for t in range(count):
            ref[:, t * hop : t * hop + n] += want[:, t]
        np.testing.assert_allclose(ola, ref, atol=1e-14)
        # each other's adjoint: <Frame x, y> = <x, OverlapAdd y>
        y = _signal(rng, want.shape, True)
        lhs = np.vdot(y, _np(fr))
        rhs = np.vdot(_np(OverlapAdd.apply(ag.tensor(y), hop, length)), a)
        np.testing.assert_allclose(lhs, rhs)
        xt = ag.tensor(a, requires_grad=True)
        assert ag.gradgradcheck(lambda t, n=n, hop=hop, c=count: Frame.apply(t, n, hop, c), (xt,))


# -- windows ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(WINDOWS))
def test_windows_match_torch(torch, name):
    ours, theirs = WINDOWS[name], getattr(torch, name)
    for n, periodic in itertools.product([0, 1, 2, 3, 8, 11], [True, False]):
        for dtype, tdtype, tol in [
            (ag.float64, torch.float64, 1e-12),
            (ag.float32, torch.float32, 2e-6),
            (ag.float16, torch.float16, 2e-3),
        ]:
            got = ours(n, periodic, dtype=dtype)
            want = theirs(n, periodic, dtype=tdtype)
            assert got.shape == (n,) and got.dtype == np.dtype(dtype)
            np.testing.assert_allclose(_np(got).astype(float), want.double().numpy(), atol=tol)
    d = ours(6)  # defaults: periodic, the default float dtype
    assert d.dtype == np.float32 and not d.requires_grad
    np.testing.assert_allclose(_np(d), theirs(6).numpy(), atol=2e-6)
    r = ours(5, requires_grad=True)
    assert r.requires_grad and r.is_leaf
    ag.set_default_dtype(ag.float64)
    try:
        assert ours(4).dtype == np.float64
    finally:
        ag.set_default_dtype(ag.float32)


def test_window_parameters(torch):
    for alpha, beta in [(0.5, 0.4), (0.6, 0.3)]:
        np.testing.assert_allclose(
            _np(hamming_window(7, True, alpha, beta, dtype=ag.float64)),
            torch.hamming_window(7, True, alpha, beta, dtype=torch.float64).numpy(),
            atol=1e-12,
        )
    for beta in [0.0, 5.0, -3.0, 20.0]:
        for periodic in (True, False):
            np.testing.assert_allclose(
                _np(kaiser_window(9, periodic, beta, dtype=ag.float64)),
                torch.kaiser_window(9, periodic, beta, dtype=torch.float64).numpy(),
                rtol=1e-12,
                atol=1e-14,
            )
    np.testing.assert_allclose(
        _np(kaiser_window(8, dtype=ag.float64)),
        torch.kaiser_window(8, dtype=torch.float64).numpy(),  # beta = 12 by default
        rtol=1e-12,
    )


@pytest.mark.parametrize("name", sorted(WINDOWS))
def test_window_errors(name):
    f = WINDOWS[name]
    with pytest.raises(ValueError, match=f"{name} requires non-negative window_length"):
        f(-1)
    with pytest.raises(TypeError, match=f"{name}: window_length must be an int, got float"):
        f(4.0)
    with pytest.raises(TypeError, match=f"{name} expects floating point dtypes, got int64"):
        f(4, dtype=ag.int64)
    with pytest.raises(TypeError, match=f"{name} expects floating point dtypes, got complex64"):
        f(4, dtype=ag.complex64)
    with pytest.raises(TypeError, match=f"{name}: periodic must be a bool, got int"):
        f(4, 1)
    with pytest.raises(ValueError, match="unknown device"):
        f(4, device="tpu")


# -- warnings and errors ---------------------------------------------------------------------------


@pytest.mark.filterwarnings("default::UserWarning")
def test_warnings():
    x = ag.tensor(np.random.default_rng(8).standard_normal(40))
    with pytest.warns(UserWarning, match="stft: a window was not provided"):
        stft(x, 16, return_complex=True)
    with pytest.warns(UserWarning, match="return_complex=False is deprecated"):
        stft(x, 16, window=hann_window(16, dtype=ag.float64), return_complex=False)
    spec = stft(x, 16, window=hann_window(16, dtype=ag.float64), return_complex=True)
    with pytest.warns(UserWarning, match="istft: a window was not provided"):
        istft(spec, 16)
    with pytest.warns(UserWarning, match="padded with zeros in the tail"):
        y = istft(spec, 16, window=hann_window(16, dtype=ag.float64), length=60)
    assert y.shape == (60,)


def test_stft_errors():
    rng = np.random.default_rng(9)
    x = ag.tensor(rng.standard_normal((2, 40)))
    w = ag.tensor(rng.random(16))
    cases = [
        (
            ValueError,
            r"return_complex parameter be given for real inputs",
            dict(n_fft=16, return_complex=None),
        ),
        (
            ShapeError,
            r"stft\(input \(2, 40\) float64, n_fft=41.*expected 0 < n_fft <= 40, the "
            r"signal length, but got n_fft=41",
            dict(n_fft=41, center=False),
        ),
        (ValueError, r"expected 0 < n_fft <= 40.* got n_fft=0", dict(n_fft=0, center=False)),
        (
            ValueError,
            r"expected hop_length > 0, but got hop_length=0",
            dict(n_fft=16, hop_length=0),
        ),
        (ValueError, r"hop_length > 0, but got hop_length=0", dict(n_fft=3)),  # n_fft // 4 == 0
        (
            ValueError,
            r"expected 0 < win_length <= n_fft, but got win_length=17",
            dict(n_fft=16, win_length=17),
        ),
        (
            ValueError,
            r"expected 0 < win_length <= n_fft, but got win_length=0",
            dict(n_fft=16, win_length=0),
        ),
        (
            ShapeError,
            r"window=\(15,\) float32.*expected a 1D window tensor of size equal to "
            r"win_length=16, but got window with size \(15,\)",
            dict(n_fft=16, window=ag.ones(15)),
        ),
        (ShapeError, r"got window with size \(4, 4\)", dict(n_fft=16, window=ag.ones(4, 4))),
        (ValueError, r"Unrecognised padding mode 'foo'", dict(n_fft=16, pad_mode="foo")),
        (
            ShapeError,
            r"n_fft // 2 = 24 samples on each side in 'reflect' mode needs a signal of "
            r"at least 25 samples, got 20",
            dict(n_fft=48, input=x[:, :20]),
        ),
        (
            ShapeError,
            r"'circular' mode needs a signal of at least 24 samples, got 20",
            dict(n_fft=48, input=x[:, :20], pad_mode="circular"),
        ),
        (
            ValueError,
            r"Cannot have onesided output if window or input is complex",
            dict(n_fft=16, onesided=True, window=ag.tensor(w.numpy() + 0j)),
        ),
        (
            ValueError,
            r"align_to_window should only be set when center = False",
            dict(n_fft=16, align_to_window=True),
        ),
        (
            ShapeError,
            r"stft\(input \(2, 2, 40\).*expected a 1D \(L,\) or 2D \(B, L\) tensor",
            dict(n_fft=16, input=ag.zeros(2, 2, 40)),
        ),
        (ShapeError, r"expected a 1D \(L,\) or 2D", dict(n_fft=16, input=ag.tensor(1.0))),
        (
            TypeError,
            r"stft\(input \(40,\) int64.*expected a tensor of floating point or complex",
            dict(n_fft=16, input=ag.arange(40)),
        ),
        (TypeError, r"stft: hop_length must be an int, got float", dict(n_fft=16, hop_length=2.0)),
        (TypeError, r"stft: n_fft must be an int, got bool", dict(n_fft=True)),
        (TypeError, r"stft: window must be a Tensor, got list", dict(n_fft=16, window=[1.0] * 16)),
        (TypeError, r"stft: expected a Tensor as input, got list", dict(n_fft=16, input=[1.0])),
    ]
    for exc, pattern, kw in cases:
        kw = {"input": x, "return_complex": True, **kw}
        with pytest.raises(exc, match=pattern):
            stft(**kw)
    # 0 < n_fft <= L also after center padding: n_fft = 40 + 2 * 20 fits, reflect needs L > 20
    assert stft(x, 40, center=False, return_complex=True).shape == (2, 21, 1)
    assert stft(x, 39, return_complex=True).shape == (2, 20, 5)


def test_istft_errors():
    rng = np.random.default_rng(10)
    spec = ag.tensor(_signal(rng, (2, 9, 11), True))
    w = ag.tensor(rng.random(16))
    cases = [
        (
            TypeError,
            r"istft requires a complex-valued input tensor",
            dict(input=ag.tensor(np.ones((9, 11)))),
        ),
        (
            ShapeError,
            r"istft\(input \(1, 2, 9, 11\) complex128.*expected a 2D \(N, T\) or 3D",
            dict(input=spec[None]),
        ),
        (ShapeError, r"expected a 2D \(N, T\)", dict(input=spec[0, 0])),
        (ShapeError, r"input tensor cannot be empty", dict(input=spec[:, :, :0])),
        (
            ShapeError,
            r"expected the frequency dimension \(2nd to the last\) of the input tensor to"
            r" match n_fft / 2 \+ 1 = 10 when onesided=True, but got 9",
            dict(n_fft=18),
        ),
        (ShapeError, r"to match n_fft = 16 when onesided=False, but got 9", dict(onesided=False)),
        (ValueError, r"expected 0 < hop_length <= win_length", dict(hop_length=0)),
        (ValueError, r"expected 0 < hop_length <= win_length", dict(hop_length=17)),
        (ValueError, r"expected 0 < hop_length <= win_length", dict(win_length=0)),
        (ValueError, r"expected 0 < win_length <= n_fft", dict(win_length=17)),
        (ValueError, r"expected n_fft > 0, but got n_fft=0", dict(n_fft=0)),
        (
            ShapeError,
            r"expected a 1D window tensor of size equal to win_length=16, but got window "
            r"with size \(5,\)",
            dict(window=w[:5]),
        ),
        (
            ValueError,
            r"window overlap add min: 0 \(below 1e-11",
            dict(window=ag.zeros(16, dtype=ag.float64)),
        ),
        (
            ValueError,
            r"window overlap add min: 0 ",
            dict(window=hann_window(16, dtype=ag.float64), center=False),
        ),
        (
            ValueError,
            r"Cannot have onesided output if window or input is complex",
            dict(return_complex=True),
        ),
        (
            ValueError,
            r"Complex windows are incompatible with return_complex=False",
            dict(window=ag.tensor(w.numpy() + 1j), onesided=True),
        ),
        (ValueError, r"length must be non-negative, got -1", dict(length=-1)),
        (ValueError, r"the output would be empty", dict(length=0)),
        (ValueError, r"the output would be empty", dict(input=spec[..., :1])),
        (TypeError, r"istft: length must be an int, got float", dict(length=3.0)),
    ]
    for exc, pattern, kw in cases:
        kw = {"input": spec, "n_fft": 16, "hop_length": 4, "window": w, **kw}
        with pytest.raises(exc, match=pattern):
            istft(**kw)


# -- cuda (the fake CuPy in CI) --------------------------------------------------------------------


@pytest.mark.gpu
def test_cuda_values_and_gradients():
    rng = np.random.default_rng(11)
    a, z = rng.standard_normal((2, 30)), _signal(rng, (30,), True)
    wc = hann_window(8, dtype=ag.float64, device="cuda")
    assert wc.device.startswith("cuda")
    np.testing.assert_allclose(_np(wc), _np(hann_window(8, dtype=ag.float64)))
    w = ag.tensor(0.5 + rng.random(8))
    for arr, kw in [
        (a, dict(return_complex=True)),
        (z, dict(pad_mode="replicate")),
        (a, dict(center=False, onesided=False, return_complex=True)),
    ]:
        xc = ag.tensor(arr, device="cuda", requires_grad=True)
        y = stft(xc, 8, 3, window=w.to("cuda"), **kw)
        assert y.device.startswith("cuda")
        np.testing.assert_allclose(_np(y), _np(stft(ag.tensor(arr), 8, 3, window=w, **kw)))
        assert ag.gradcheck(lambda t, kw=kw: stft(t, 8, 3, window=w.to("cuda"), **kw), (xc,))
    spec = ag.tensor(_signal(rng, (2, 5, 6), True), device="cuda", requires_grad=True)
    wt = ag.tensor(0.5 + rng.random(8), device="cuda", requires_grad=True)
    y = istft(spec, 8, 2, window=wt, length=12)
    assert y.device.startswith("cuda")
    want = istft(ag.tensor(_np(spec)), 8, 2, window=ag.tensor(_np(wt)), length=12)
    np.testing.assert_allclose(_np(y), _np(want))
    assert ag.gradgradcheck(lambda s, v: istft(s, 8, 2, window=v, length=12), (spec, wt))
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        stft(ag.tensor(a, device="cuda"), 8, window=w, return_complex=True)
