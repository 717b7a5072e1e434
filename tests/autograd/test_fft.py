"""``autograd.fft`` (torch.fft): values against numpy.fft and torch, dtypes, n / s padding and
cropping, dims, norms, first and second-order gradients (gradcheck / gradgradcheck in
complex128 and float64, and against torch), errors, fftfreq / fftshift, and the cuda path."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from autograd import fft as F
from autograd.errors import ShapeError

NORMS = (None, "ortho", "forward")
C2C = ("fft", "ifft", "fft2", "ifft2", "fftn", "ifftn")
R2C = ("rfft", "ihfft", "rfft2", "ihfft2", "rfftn", "ihfftn")  # real input only
C2R = ("irfft", "hfft", "irfft2", "hfft2", "irfftn", "hfftn")  # real output
ONE_D = {"fft", "ifft", "rfft", "irfft", "hfft", "ihfft"}


def _rand(rng, shape, cplx):
    a = rng.standard_normal(shape)
    return a + 1j * rng.standard_normal(shape) if cplx else a


def _np(t):
    return t.detach().cpu().numpy() if isinstance(t, ag.Tensor) else np.asarray(t)


def _swap(norm):
    return {None: "forward", "backward": "forward", "forward": "backward"}.get(norm, norm)


def _ref(name, a, kw):
    """numpy.fft's answer for ``name`` (hfft2/hfftn/ihfft2/ihfftn composed from irfftn /
    rfftn, which numpy lacks)."""
    kw = dict(kw)
    norm = kw.pop("norm", None)
    if name in ONE_D:
        args = dict(n=kw.get("n"), axis=kw.get("dim", -1), norm=norm)
        return getattr(np.fft, name)(a, **args)
    axes = kw.get("dim", (-2, -1) if name.endswith("2") else None)
    s = kw.get("s")
    if axes is None and s is not None:
        axes = tuple(range(a.ndim - len(s), a.ndim))
    base = name.rstrip("2n")
    if base == "hfft":
        return np.fft.irfftn(np.conj(a), s=s, axes=axes, norm=_swap(norm))
    if base == "ihfft":
        return np.conj(np.fft.rfftn(a, s=s, axes=axes, norm=_swap(norm)))
    return getattr(np.fft, base + "n")(a, s=s, axes=axes, norm=norm)


# (kwargs, input shape) per kind: default sizes, padding, cropping, negative and reordered dims
def _cases(name):
    if name in ONE_D:
        return [
            ({}, (3, 6)),
            ({"n": 9}, (3, 6)),  # pad (odd)
            ({"n": 4}, (3, 6)),  # crop (even)
            ({"n": 5, "dim": 0}, (4, 3)),
            ({"n": 2, "dim": -2}, (4, 3)),
        ]
    return [
        ({}, (2, 3, 4)),
        ({"s": (5, 3)}, (2, 3, 4)),  # pad one dim, crop the other
        ({"s": (4, 5), "dim": (2, 0)}, (3, 2, 4)),  # reordered dims: dim 0 is the halved one
        ({"dim": (-1, -3)}, (3, 2, 5)),
    ] + ([({"s": (3, 3, 7)}, (2, 3, 4))] if name.endswith("n") else [])


def _is_c2r(name):
    return name.rstrip("2n") in ("irfft", "hfft")


FORWARD = [
    (name, kw, shape, norm)
    for name in C2C + R2C + C2R
    for kw, shape in _cases(name)
    for norm in NORMS
]


@pytest.mark.parametrize("name,kw,shape,norm", FORWARD)
def test_values_against_numpy(name, kw, shape, norm):
    rng = np.random.default_rng(1)
    cplx = name not in R2C
    a = _rand(rng, shape, cplx)
    y = getattr(F, name)(ag.tensor(a), norm=norm, **kw)
    want = _ref(name, a, dict(kw, norm=norm))
    assert y.shape == want.shape
    assert y.dtype == (np.float64 if _is_c2r(name) else np.complex128)
    np.testing.assert_allclose(_np(y), want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", C2C + R2C + C2R)
def test_float32_and_integer_inputs_keep_torch_dtypes(name):
    rng = np.random.default_rng(2)
    real = name in R2C
    a = _rand(rng, (3, 4), not real)
    f = getattr(F, name)
    y32 = f(ag.tensor(a.astype(np.float32 if real else np.complex64)))
    want = np.float32 if _is_c2r(name) else np.complex64
    assert y32.dtype == want
    np.testing.assert_allclose(_np(y32), _ref(name, a, {}), rtol=2e-4, atol=2e-4)
    # a real float32 input of a c2c / c2r transform: promoted to complex64 (float32 out of c2r)
    yr = f(ag.tensor(a.real.astype(np.float32)))
    assert yr.dtype == want
    np.testing.assert_allclose(_np(yr), _ref(name, a.real, {}), rtol=2e-4, atol=2e-4)
    # integer and bool: the default float dtype first (float32 -> complex64)
    ints = np.arange(12).reshape(3, 4) % 5
    for arr in (ints, ints.astype(bool)):
        yi = f(ag.tensor(arr))
        assert yi.dtype == want
        np.testing.assert_allclose(_np(yi), _ref(name, arr.astype(np.float64), {}), atol=1e-4)
    ag.set_default_dtype(ag.float64)
    try:
        assert f(ag.tensor(ints)).dtype == (np.float64 if _is_c2r(name) else np.complex128)
    finally:
        ag.set_default_dtype(ag.float32)


def test_round_trips_and_identities():
    rng = np.random.default_rng(3)
    z = ag.tensor(_rand(rng, (3, 5), True))
    x = ag.tensor(rng.standard_normal((4, 6)))
    for norm in NORMS:
        np.testing.assert_allclose(_np(F.ifft(F.fft(z, norm=norm), norm=norm)), _np(z))
        np.testing.assert_allclose(_np(F.irfft(F.rfft(x, norm=norm), 6, norm=norm)), _np(x))
        np.testing.assert_allclose(_np(F.irfftn(F.rfftn(x, norm=norm), x.shape, norm=norm)), _np(x))
        np.testing.assert_allclose(_np(F.hfft(F.ihfft(x, norm=norm), 6, norm=norm)), _np(x))
    for name in C2C + C2R:  # "backward" is the default
        f = getattr(F, name)
        np.testing.assert_array_equal(_np(f(z, norm="backward")), _np(f(z)))
    np.testing.assert_array_equal(_np(F.ihfft2(x, norm="backward")), _np(F.ihfft2(x)))
    # ortho is unitary: Parseval
    y = F.fftn(z, norm="ortho")
    np.testing.assert_allclose((_np(y) * _np(y).conj()).sum().real, (np.abs(_np(z)) ** 2).sum())
    # irfft ignores the imaginary parts of bin 0 and (even n) bin n/2
    h = _rand(rng, 4, True)
    h2 = h.copy()
    h2[0] += 5j
    h2[3] -= 2j
    np.testing.assert_allclose(_np(F.irfft(ag.tensor(h2))), _np(F.irfft(ag.tensor(h))))


def test_zero_d_empty_dims_and_empty_batches():
    x = ag.tensor(2.5, dtype=ag.float64)
    y = F.fftn(x)  # no dims: x as complex
    assert y.shape == () and y.dtype == np.complex128 and y.item() == 2.5
    y = F.fftn(ag.tensor(np.arange(3.0)), dim=())
    assert y.dtype == np.complex128 and np.array_equal(_np(y), np.arange(3.0))
    e = F.rfft(ag.tensor(np.zeros((0, 4))))
    assert e.shape == (0, 3) and e.dtype == np.complex128
    assert F.irfft(ag.tensor(np.zeros((2, 0, 3), complex)), dim=-1).shape == (2, 0, 4)


# -- gradients -------------------------------------------------------------------------------------


def _grad_cases():
    out = []
    for name in C2C + R2C + C2R:
        one = name in ONE_D
        pad = {"n": 7} if one else {"s": (4, 5)}
        crop = {"n": 3} if one else {"s": (1, 2)}
        for norm in NORMS:
            for kw in ({}, pad, crop):
                for cplx in (False, True) if name not in R2C else (False,):
                    out.append((name, norm, kw, cplx))
    return out


@pytest.mark.parametrize("name,norm,kw,cplx", _grad_cases())
def test_gradcheck_and_gradgradcheck(name, norm, kw, cplx):
    rng = np.random.default_rng(4)
    shape = (2, 5) if name in ONE_D else (2, 3, 4)
    if _is_c2r(name) and "n" not in kw and "s" not in kw:
        shape = shape[:-1] + (3,)  # default output length 2 (m - 1) = 4
    x = ag.tensor(_rand(rng, shape, cplx), requires_grad=True)
    fn = getattr(F, name)

    def f(t):
        return fn(t, norm=norm, **kw)

    assert ag.gradcheck(f, (x,))
    assert ag.gradgradcheck(f, (x,))


def test_fftshift_gradients_and_composition():
    rng = np.random.default_rng(5)
    z = ag.tensor(_rand(rng, (3, 4), True), requires_grad=True)

    def f(t):
        return F.fftshift(F.fft2(t), dim=(0, 1)) * F.ifftshift(t)

    assert ag.gradcheck(f, (z,))
    assert ag.gradgradcheck(f, (z,))
    x = ag.tensor(rng.standard_normal((2, 5)), requires_grad=True)

    def g(t):  # a nonlinear loss through rfft and irfft: a nonzero second derivative
        s = F.rfft(t, n=8, norm="ortho")
        return F.irfft(s * s.conj() * s, n=5) * t

    assert ag.gradcheck(g, (x,))
    assert ag.gradgradcheck(g, (x,))


# -- against torch ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _torch_cases():
    out = []
    for name in C2C + R2C + C2R:
        one = name in ONE_D
        if one:
            sizes = [{}, {"n": 6}, {"n": 7}, {"n": 3, "dim": 0}, {"n": 1}]
        else:
            sizes = [{}, {"s": (4, 6)}, {"s": (3, 5), "dim": (2, 0)}, {"s": (-1, 7)}]
            if name.endswith("n"):
                sizes.append({"s": (2, 2, 5)})
        for kw in sizes:
            for norm in NORMS:
                for cplx in (False, True) if name not in R2C else (False,):
                    out.append((name, kw, norm, cplx))
    return out


@pytest.mark.parametrize("name,kw,norm,cplx", _torch_cases())
def test_values_and_gradients_against_torch(torch, name, kw, norm, cplx):
    rng = np.random.default_rng(6)
    shape = (4, 5) if name in ONE_D else (3, 4, 5)
    a = _rand(rng, shape, cplx)
    x = ag.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    y = getattr(F, name)(x, norm=norm, **kw)
    ty = getattr(torch.fft, name)(t, norm=norm, **kw)
    want = ty.detach().resolve_conj().numpy()
    assert y.shape == want.shape and y.dtype == want.dtype
    np.testing.assert_allclose(_np(y), want, rtol=1e-10, atol=1e-12)
    wa, wb = rng.standard_normal(want.shape), rng.standard_normal(want.shape)
    if np.iscomplexobj(want):  # a real loss reading both parts, and the modulus
        loss = (y.real * ag.tensor(wa) + y.imag * ag.tensor(wb)).sum() + (y.abs() ** 2).sum()
        tl = (ty.real * torch.tensor(wa) + ty.imag * torch.tensor(wb)).sum()
        tl = tl + (ty.abs() ** 2).sum()
    else:
        loss = (y * ag.tensor(wa) + y * y * ag.tensor(wb)).sum()
        tl = (ty * torch.tensor(wa) + ty * ty * torch.tensor(wb)).sum()
    loss.backward()
    tl.backward()
    assert x.grad.dtype == a.dtype
    np.testing.assert_allclose(_np(x.grad), t.grad.resolve_conj().numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", ["fft", "rfft", "irfft", "hfft", "ihfft", "fftn", "irfftn"])
def test_second_order_against_torch(torch, name):
    rng = np.random.default_rng(7)
    cplx = name not in R2C
    a, v = _rand(rng, (3, 4), cplx), _rand(rng, (3, 4), cplx)
    x = ag.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    kw = {"norm": "ortho"} if name in ONE_D else {"s": (3, 6)}
    y = getattr(F, name)(x, **kw)
    ty = getattr(torch.fft, name)(t, **kw)
    if ty.dtype.is_complex:  # a nonlinear real loss: the second derivative is not zero
        loss, tloss = (y.abs() ** 3).sum(), (ty.abs() ** 3).sum()
    else:
        loss, tloss = (y**3).sum(), (ty**3).sum()
    (g,) = ag.grad(loss, x, create_graph=True)
    (tg,) = torch.autograd.grad(tloss, t, create_graph=True)
    np.testing.assert_allclose(_np(g), tg.detach().resolve_conj().numpy(), rtol=1e-9, atol=1e-10)
    vv, tv = ag.tensor(v), torch.tensor(v)
    if cplx:
        second = (g.real * vv.real + g.imag * vv.imag).sum()
        tsecond = (tg.real * tv.real + tg.imag * tv.imag).sum()
    else:
        second, tsecond = (g * vv).sum(), (tg * tv).sum()
    second.backward()
    tsecond.backward()
    np.testing.assert_allclose(_np(x.grad), t.grad.resolve_conj().numpy(), rtol=1e-9, atol=1e-9)


def test_freq_and_shift_against_torch(torch):
    for n in (0, 1, 4, 7):
        for d in (1.0, 0.25):
            np.testing.assert_allclose(_np(F.fftfreq(n, d)), torch.fft.fftfreq(n, d).numpy())
            np.testing.assert_allclose(_np(F.rfftfreq(n, d)), torch.fft.rfftfreq(n, d).numpy())
    a = np.arange(30.0).reshape(5, 6)
    for dim in (None, 0, -1, (0, 1), (1,)):
        for f in ("fftshift", "ifftshift"):
            np.testing.assert_array_equal(
                _np(getattr(F, f)(ag.tensor(a), dim=dim)),
                getattr(torch.fft, f)(torch.tensor(a), dim=dim).numpy(),
            )


# -- fftfreq, rfftfreq, fftshift, ifftshift --------------------------------------------------------


def test_fftfreq_rfftfreq_values_dtypes_devices():
    for n in (1, 2, 5, 8):
        for d in (1.0, 0.1):
            f = F.fftfreq(n, d, dtype=ag.float64)
            assert f.dtype == np.float64 and f.shape == (n,)
            np.testing.assert_allclose(_np(f), np.fft.fftfreq(n, d), rtol=1e-15)
            r = F.rfftfreq(n, d=d, dtype=ag.float64)
            np.testing.assert_allclose(_np(r), np.fft.rfftfreq(n, d), rtol=1e-15)
    assert F.fftfreq(4).dtype == np.float32 and F.rfftfreq(5).shape == (3,)
    assert F.fftfreq(3, dtype=ag.complex64).dtype == np.complex64
    assert F.fftfreq(0).shape == (0,)
    t = F.fftfreq(4, requires_grad=True)
    assert t.requires_grad and t.device == "cpu"
    with pytest.raises(TypeError, match="fftfreq requires a floating point or complex dtype"):
        F.fftfreq(4, dtype=ag.int64)
    with pytest.raises(ValueError, match="rfftfreq: n must be non-negative, got -1"):
        F.rfftfreq(-1)
    with pytest.raises(TypeError, match="fftfreq: n must be an int"):
        F.fftfreq(2.5)


def test_fftshift_values_and_dims():
    a = np.arange(24.0).reshape(2, 3, 4)
    x = ag.tensor(a)
    for dim in (None, 0, -1, (0, 2), [1]):
        ax = dim if not isinstance(dim, list) else tuple(dim)
        np.testing.assert_array_equal(_np(F.fftshift(x, dim)), np.fft.fftshift(a, ax))
        np.testing.assert_array_equal(_np(F.ifftshift(x, dim=dim)), np.fft.ifftshift(a, ax))
        back = F.ifftshift(F.fftshift(x, dim), dim)
        np.testing.assert_array_equal(_np(back), a)
    ints = ag.tensor(np.arange(5))
    assert F.fftshift(ints).dtype == np.int64
    np.testing.assert_array_equal(_np(F.fftshift(ints)), np.fft.fftshift(np.arange(5)))
    with pytest.raises(IndexError, match="fftshift: dim 3 is out of range"):
        F.fftshift(x, dim=3)
    with pytest.raises(ValueError, match="ifftshift: no dims to shift"):
        F.ifftshift(ag.tensor(1.0))


# -- errors ----------------------------------------------------------------------------------------


def test_errors_name_the_function_and_arguments():
    x = ag.tensor(np.ones((3, 4)))
    z = ag.tensor(np.ones((3, 4), complex))
    with pytest.raises(ValueError, match='fft: Invalid normalization mode: "xx"'):
        F.fft(x, norm="xx")
    with pytest.raises(ValueError, match='irfftn: Invalid normalization mode: "Ortho"'):
        F.irfftn(z, norm="Ortho")
    with pytest.raises(IndexError, match=r"fft: dim 2 is out of range .* \[-2, 1\]"):
        F.fft(x, dim=2)
    with pytest.raises(IndexError, match=r"rfft2: dim -3 is out of range"):
        F.rfft2(x, dim=(-3, 0))
    with pytest.raises(IndexError, match="fft: dim -1 given, but the input is 0-d"):
        F.fft(ag.tensor(1.0))
    with pytest.raises(IndexError, match="fftn: FFT dims must be unique"):
        F.fftn(x, dim=(0, -2))
    with pytest.raises(TypeError, match="fft: dim must be an int, got float"):
        F.fft(x, dim=1.0)
    with pytest.raises(TypeError, match="ifft: n must be an int, got float"):
        F.ifft(x, n=2.5)
    for bad in (0, -1):
        with pytest.raises(ShapeError, match=rf"fft: Invalid number of data points \({bad}\)"):
            F.fft(x, n=bad)
    with pytest.raises(RuntimeError, match=r"irfft: Invalid number of data points \(0\)"):
        F.irfft(ag.tensor(np.ones(1, complex)))
    with pytest.raises(ValueError, match=r"fftn: Invalid number of data points \(0\)"):
        F.fftn(x, s=(0, 2))
    with pytest.raises(ShapeError, match=r"ifft: Invalid number of data points \(0\)"):
        F.ifft(ag.tensor(np.ones((2, 0))))
    with pytest.raises(TypeError, match="rfft expects a real input tensor, but got complex128"):
        F.rfft(z)
    with pytest.raises(TypeError, match="ihfftn expects a real input tensor"):
        F.ihfftn(z)
    with pytest.raises(ShapeError, match="fft2: When given, dim and shape .* same length"):
        F.fft2(x, s=(4,))
    with pytest.raises(ShapeError, match="fftn: Got shape with 3 values .* only has 2 dim"):
        F.fftn(x, s=(2, 2, 2))
    with pytest.raises(ShapeError, match="rfftn must transform at least one axis"):
        F.rfftn(x, dim=())
    with pytest.raises(ShapeError, match="hfftn must transform at least one axis"):
        F.hfftn(z, dim=())
    with pytest.raises(TypeError, match="fft: expected a Tensor as input, got list"):
        F.fft([1.0, 2.0])
    # a bad norm is refused before any work: nothing recorded on an input that requires grad
    w = ag.tensor(np.ones(4), requires_grad=True)
    with pytest.raises(ValueError):
        F.rfft(w, n=8, norm="bad")
    assert w.grad is None and w.grad_fn is None


def test_raw_arrays_in_raw_arrays_out():
    a = np.random.default_rng(8).standard_normal((2, 6))
    y = F.rfft(a, n=4)
    assert type(y) is np.ndarray
    np.testing.assert_allclose(y, np.fft.rfft(a, n=4))


# -- cuda (the fake CuPy in CI) --------------------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.parametrize("name", C2C + R2C + C2R)
def test_cuda_values_and_gradients(name):
    rng = np.random.default_rng(9)
    one = name in ONE_D
    a = _rand(rng, (2, 5) if one else (2, 3, 4), name not in R2C)
    kw = {"n": 6} if one else {"s": (2, 5)}
    f = getattr(F, name)
    xc = ag.tensor(a, device="cuda", requires_grad=True)
    for norm in NORMS:  # a non-Hermitian input: c2r drops the parts pocketfft ignores on cuda too
        y = f(xc, norm=norm, **kw)
        assert y.device.startswith("cuda")
        np.testing.assert_allclose(_np(y), _np(f(ag.tensor(a), norm=norm, **kw)), rtol=1e-10)
    assert ag.gradcheck(lambda t: f(t, **kw), (xc,))
    assert ag.gradgradcheck(lambda t: f(t, **kw), (xc,))
    y32 = f(ag.tensor(a.astype(np.complex64 if name not in R2C else np.float32), device="cuda"))
    assert y32.dtype == (np.float32 if _is_c2r(name) else np.complex64)


@pytest.mark.gpu
def test_cuda_freq_and_shift():
    f = F.fftfreq(5, 0.5, device="cuda", dtype=ag.float64)
    assert f.device.startswith("cuda")
    np.testing.assert_allclose(_np(f), np.fft.fftfreq(5, 0.5))
    assert F.rfftfreq(6, device="cuda").device.startswith("cuda")
    x = ag.tensor(np.arange(6.0), device="cuda", requires_grad=True)
    s = F.fftshift(x)
    assert s.device.startswith("cuda")
    np.testing.assert_array_equal(_np(s), np.fft.fftshift(np.arange(6.0)))
    assert ag.gradcheck(lambda t: F.ifftshift(F.fft(t)), (x,))


def test_namespace_matches_torch_fft(torch):
    for name in F.__all__:
        assert hasattr(torch.fft, name), name
        doc = getattr(F, name).__doc__
        assert doc and ("->" in doc or "Returns" in doc), name  # states the shapes
    tf = torch.fft
    public = {n for n in dir(tf) if not n.startswith("_") and callable(getattr(tf, n))}
    assert public - set(F.__all__) <= {"Tensor"}, public - set(F.__all__)
