"""Views that reinterpret bytes: ``view_as_real`` / ``view_as_complex`` (true views sharing memory
and the version counter, as PyTorch's), ``Tensor.view(dtype)``, and the conjugate transposes
``Tensor.mH`` / ``Tensor.H`` / ``adjoint``."""

import warnings

import numpy as np
import pytest

import autograd as ag
import nn

RNG = np.random.default_rng(11)


def carr(*shape):
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


def shares(a, b) -> bool:
    return np.shares_memory(a.detach().numpy(), b.detach().numpy())


# layouts of a complex128 tensor (3, 4): view_as_real takes every one
Z_LAYOUTS = {
    "contiguous": lambda z: z,
    "transposed": lambda z: z.T,
    "strided": lambda z: z[:, ::2],
    "reversed": lambda z: z[::-1],
    "column": lambda z: z[:, 1],
    "expanded": lambda z: z[:1].expand(2, 4),
    "0-d": lambda z: z[1, 2],
}

# layouts of a float64 tensor (..., 2) that view_as_complex takes (as PyTorch does)
X_LAYOUTS = {
    "contiguous": lambda: ag.tensor(RNG.standard_normal((3, 2))),
    "permuted": lambda: ag.tensor(RNG.standard_normal((3, 4, 2))).permute(1, 0, 2),
    "strided": lambda: ag.tensor(RNG.standard_normal((3, 4, 2)))[:, ::2],
    "offset_even": lambda: ag.tensor(RNG.standard_normal((4, 4)))[:, 2:],
    "expanded": lambda: ag.tensor(RNG.standard_normal((1, 2))).expand(3, 2),
    "1-d": lambda: ag.tensor(RNG.standard_normal(2)),
}


# -- view_as_real / view_as_complex are views --------------------------------------------------


@pytest.mark.parametrize("layout", sorted(set(Z_LAYOUTS) - {"expanded"}))
def test_view_as_real_writes_reach_the_base(layout):
    base = ag.tensor(carr(3, 4))
    z = Z_LAYOUTS[layout](base)
    v = ag.view_as_real(z)
    assert v.shape == tuple(z.shape) + (2,) and v.dtype == np.float64
    a = z.numpy().copy()
    np.testing.assert_array_equal(v.numpy(), np.stack([a.real, a.imag], -1))
    before = base._version
    v[..., 0] = 0.0  # the real parts
    assert base._version == before + 1 and v._version == base._version
    np.testing.assert_array_equal(z.numpy().real, np.zeros(z.shape))
    np.testing.assert_array_equal(z.numpy().imag, a.imag)
    base.mul_(2.0)  # and the view sees writes to the base
    np.testing.assert_array_equal(v.numpy()[..., 1], 2 * a.imag)


def test_view_as_real_complex64_gives_float32_view():
    z = ag.tensor(carr(2, 3).astype(np.complex64))
    v = ag.view_as_real(z)
    assert v.dtype == np.float32 and shares(v, z)
    v[0, 1, 1] = 7.0
    assert z.numpy()[0, 1] == np.complex64(z.numpy()[0, 1].real + 7j)


@pytest.mark.parametrize("layout", sorted(set(X_LAYOUTS) - {"expanded"}))
def test_view_as_complex_writes_reach_the_base(layout):
    x = X_LAYOUTS[layout]()
    c = ag.view_as_complex(x)
    assert c.shape == tuple(x.shape[:-1]) and c.dtype == np.complex128 and shares(c, x)
    a = x.numpy().copy()
    np.testing.assert_array_equal(c.numpy(), a[..., 0] + 1j * a[..., 1])
    before = x._version
    c.fill_(2 - 3j)
    assert x._version == before + 1 and c._version == x._version
    np.testing.assert_array_equal(x.numpy()[..., 0], np.full(x.shape[:-1], 2.0))
    np.testing.assert_array_equal(x.numpy()[..., 1], np.full(x.shape[:-1], -3.0))
    assert ag.view_as_complex(ag.zeros(3, 2, dtype=ag.float32)).dtype == np.complex64


def test_expanded_layouts_are_read_only_views():
    z = ag.tensor(carr(3, 4))
    v = ag.view_as_real(z[:1].expand(2, 4))
    assert v._data.strides[0] == 0 and shares(v, z)
    c = ag.view_as_complex(X_LAYOUTS["expanded"]())
    assert c.shape == (3,) and c._data.strides == (0,)


def test_round_trip_is_a_view_of_the_original():
    z = ag.tensor(carr(2, 3))
    w = ag.view_as_complex(ag.view_as_real(z))
    w[1, 1] = 9j
    assert z.numpy()[1, 1] == 9j and w._version == z._version == 1


def test_nn_init_through_view_as_real_fills_a_complex_parameter():
    p = nn.Parameter(ag.zeros(4, 3, dtype=ag.complex64))
    out = nn.init.uniform_(ag.view_as_real(p), -0.5, 0.5)
    assert out.shape == (4, 3, 2)
    a = p.detach().numpy()
    assert p._version == 1 and p.requires_grad
    assert np.all(a.real != 0) and np.all(a.imag != 0)
    assert np.all(np.abs(a.real) <= 0.5) and np.all(np.abs(a.imag) <= 0.5)
    nn.init.zeros_(ag.view_as_real(p)[..., 1])  # zero the imaginary parts only
    np.testing.assert_array_equal(p.detach().numpy().imag, np.zeros((4, 3)))
    np.testing.assert_array_equal(p.detach().numpy().real, a.real)


def test_inplace_through_the_view_of_a_leaf_that_requires_grad_is_refused():
    w = ag.tensor(carr(3), requires_grad=True)
    v = ag.view_as_real(w)
    with pytest.raises(RuntimeError, match="view"):
        v[..., 0] = 0.0
    np.testing.assert_array_equal(w.detach().numpy().real != 0, True)
    with ag.no_grad():  # as an optimiser or an initialiser does
        v[..., 0] = 0.0
    np.testing.assert_array_equal(w.detach().numpy().real, np.zeros(3))
    x = ag.tensor(RNG.standard_normal((3, 2)), requires_grad=True)
    with pytest.raises(RuntimeError, match="view"):
        ag.view_as_complex(x).mul_(2)


def test_inplace_through_the_view_of_a_graph_tensor_is_recorded():
    # PyTorch's CopySlices (autograd/_inplace_views.py): a write through .real or view_as_real
    # reaches the complex base's record, and a write to the base reaches its live views
    z0 = carr(3)
    g = carr(3)
    w = ag.tensor(z0, requires_grad=True)
    h = w * 2
    v = ag.view_as_real(h)
    h.real[0] = 1.0
    v[..., 1].mul_(3.0)
    h.add_(1j)  # the base, while its view lives
    (ag.view_as_real(h * ag.tensor(g)).sum() + v[1, 0] * 5).backward()
    w2 = ag.tensor(z0, requires_grad=True)
    h2 = w2 * 2
    re, im = ag.real(h2), ag.imag(h2)
    re = ag.cat([ag.ones(1, dtype=ag.float64), re[1:]])
    h2 = ag.complex(re, im * 3.0) + 1j
    (ag.view_as_real(h2 * ag.tensor(g)).sum() + ag.real(h2)[1] * 5).backward()
    np.testing.assert_allclose(h.detach().numpy(), h2.detach().numpy())
    np.testing.assert_allclose(v.detach().numpy(), ag.view_as_real(h2).detach().numpy())
    np.testing.assert_allclose(w.grad.numpy(), w2.grad.numpy())


def test_write_through_the_view_invalidates_saved_values():
    z = ag.tensor(carr(3), requires_grad=True)
    h = z * 1.0
    y = (h * h).abs().sum()  # saves h
    v = ag.view_as_real(h.detach())  # shares h's memory and version counter
    v[0, 0] = 5.0
    assert h.detach().numpy()[0].real == 5.0
    with pytest.raises(RuntimeError, match="version"):
        y.backward()


# -- gradients -----------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", sorted(Z_LAYOUTS))
def test_view_as_real_gradcheck_and_gradgradcheck(layout):
    base = ag.tensor(carr(3, 4), requires_grad=True)
    assert shares(ag.view_as_real(Z_LAYOUTS[layout](base)), base)

    def f(t):
        return ag.view_as_real(Z_LAYOUTS[layout](t)) ** 2

    assert ag.gradcheck(f, (base,))
    assert ag.gradgradcheck(f, (base,))


@pytest.mark.parametrize("layout", sorted(set(X_LAYOUTS) - {"expanded"}))
def test_view_as_complex_gradcheck_and_gradgradcheck(layout):
    x0 = X_LAYOUTS[layout]()
    assert shares(ag.view_as_complex(x0), x0)
    x = x0.detach().requires_grad_()  # the same layout, a leaf

    def f(t):
        return ag.view_as_complex(t) ** 2 * (1 - 2j)

    assert ag.gradcheck(f, (x,))
    assert ag.gradgradcheck(f, (x,))


def test_gradients_and_a_manual_step_through_views_match_torch():
    torch = pytest.importorskip("torch")
    a, b = carr(3, 4), RNG.standard_normal((4, 3, 2))

    def run(lib, mk):
        z, x = mk(a), mk(b)
        y = lib.view_as_real(z.T).pow(2).sum() + (lib.view_as_complex(x.permute(1, 0, 2)) * z)
        y.abs().sum().backward()
        with lib.no_grad():  # an SGD step written on the real views (a common torch idiom)
            lib.view_as_real(z).sub_(0.1 * lib.view_as_real(z.grad))
            lib.view_as_complex(x).sub_(0.1 * lib.view_as_complex(x.grad))
        return [t.detach().numpy() for t in (z.grad, x.grad, z, x)]

    got = run(ag, lambda v: ag.tensor(v, requires_grad=True))
    want = run(torch, lambda v: torch.tensor(v, requires_grad=True))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


# -- errors --------------------------------------------------------------------------------------

# (name, maker(lib)) of float64 (..., 2) layouts; both libraries build the same one
BAD_AND_GOOD = {
    "odd_stride": lambda lib: lib.zeros(3, 3, dtype=lib.float64)[:, :2],
    "odd_offset": lambda lib: lib.zeros(7, dtype=lib.float64)[1:].view(3, 2),
    "offset_1": lambda lib: lib.zeros(4, 4, dtype=lib.float64)[:, 1:3],
    "offset_2": lambda lib: lib.zeros(4, 4, dtype=lib.float64)[:, 2:],
    "last_stride": lambda lib: lib.zeros(2, 4, dtype=lib.float64).T,
    "last_stride_0": lambda lib: lib.zeros(3, 1, dtype=lib.float64).expand(3, 2),
    "expanded": lambda lib: lib.zeros(1, 2, dtype=lib.float64).expand(3, 2),
    "last_size": lambda lib: lib.zeros(3, 3, dtype=lib.float64),
    "0-d": lambda lib: lib.zeros((), dtype=lib.float64),
    "empty": lambda lib: lib.zeros(0, 2, dtype=lib.float64),
    "empty_strided": lambda lib: lib.zeros(0, 4, 2, dtype=lib.float64)[:, ::2],
    "permuted": lambda lib: lib.zeros(3, 4, 2, dtype=lib.float64).permute(1, 0, 2),
}


def test_view_as_complex_accepts_and_refuses_as_torch():
    torch = pytest.importorskip("torch")
    for name, make in sorted(BAD_AND_GOOD.items()):
        try:
            want = torch.view_as_complex(make(torch))
        except RuntimeError as e:
            with pytest.raises(RuntimeError) as info:
                ag.view_as_complex(make(ag))
            if "last dimension of size 2" not in str(e):  # ours: "last dim must have size 2"
                assert str(e).split(",")[0] in str(info.value), name
            continue
        x = make(ag)
        got = ag.view_as_complex(x)
        assert got.shape == tuple(want.shape), name
        assert got.numel() == 0 or shares(got, x), name


def test_view_errors():
    with pytest.raises(RuntimeError, match="stride divisible by 2 for all but last dimension"):
        ag.view_as_complex(ag.zeros(3, 3, dtype=ag.float64)[:, :2])
    with pytest.raises(RuntimeError, match="storage_offset divisible by 2, but got 1"):
        ag.view_as_complex(ag.zeros(4, 4)[:, 1:3])
    with pytest.raises(RuntimeError, match="last dimension with stride 1"):
        ag.view_as_complex(ag.zeros(2, 4).T)
    with pytest.raises(ag.ShapeError, match="one or more dimensions"):
        ag.view_as_complex(ag.zeros(()))
    with pytest.raises(ag.ShapeError, match="last dim must have size 2"):
        ag.view_as_complex(ag.zeros(3, 3))
    with pytest.raises(TypeError, match="float32 or float64.*int64"):
        ag.view_as_complex(ag.zeros(3, 2, dtype=ag.int64))
    with pytest.raises(TypeError, match="expected a complex tensor, got dtype float32"):
        ag.view_as_real(ag.zeros(3))


# -- mH, H, adjoint ------------------------------------------------------------------------------


def test_mh_h_adjoint_values():
    a = carr(2, 3, 4)
    z = ag.tensor(a)
    want = np.conj(np.swapaxes(a, -1, -2))
    for got in (z.mH, z.adjoint(), ag.adjoint(z)):
        assert got.shape == (2, 4, 3) and got.dtype == np.complex128
        np.testing.assert_array_equal(got.numpy(), want)
    np.testing.assert_array_equal(z[0].H.numpy(), np.conj(a[0]).T)
    x = ag.tensor(RNG.standard_normal((3, 2)).astype(np.float32))
    for got in (x.mH, x.H, x.adjoint()):  # real: the transpose, a view
        assert got.dtype == np.float32 and shares(got, x)
        np.testing.assert_array_equal(got.numpy(), x.numpy().T)


def test_mh_h_adjoint_errors_and_0d():
    v = ag.tensor(carr(3))
    with pytest.raises(IndexError, match="matrices or batches of matrices.*1-D"):
        _ = v.mH
    with pytest.raises(IndexError, match="matrices or batches of matrices"):
        ag.adjoint(v)
    with pytest.raises(IndexError, match=r"matrices \(2-D tensors\).*1-D"):
        _ = v.H
    with pytest.raises(IndexError, match=r"2-D tensors.*3-D.*using tensor.mH"):
        _ = ag.tensor(carr(2, 2, 2)).H
    s = ag.tensor(np.complex128(1 + 2j))
    with pytest.warns(UserWarning, match="deprecated on 0-D"):
        assert s.mH.item() == 1 - 2j
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        assert s.H.item() == 1 - 2j and ag.adjoint(s).item() == 1 - 2j
    assert len(rec) == 2


def test_mh_matches_torch():
    torch = pytest.importorskip("torch")
    a = carr(2, 3, 4)
    np.testing.assert_array_equal(ag.tensor(a).mH.numpy(), torch.tensor(a).mH.resolve_conj())
    np.testing.assert_array_equal(
        ag.tensor(a[0]).H.numpy(), torch.tensor(a[0]).H.resolve_conj().numpy()
    )


@pytest.mark.parametrize("shape", [(3, 2), (2, 3, 2)])
def test_adjoint_gradcheck_and_gradgradcheck(shape):
    z = ag.tensor(carr(*shape), requires_grad=True)
    w = ag.tensor(carr(*shape[:-2], shape[-2], shape[-2]))

    def f(t):
        return t.mH @ w @ t.adjoint().mH

    assert ag.gradcheck(f, (z,))
    assert ag.gradgradcheck(f, (z,))
    assert ag.gradcheck(lambda t: t[..., 0, :, :].H if t.ndim == 3 else t.H, (z,))


# -- Tensor.view(dtype) --------------------------------------------------------------------------


def test_view_dtype_reinterprets_and_shares_memory():
    a = RNG.standard_normal((3, 4))
    x = ag.tensor(a)
    for dt, shape in [(ag.int64, (3, 4)), (ag.float32, (3, 8)), (ag.complex128, (3, 2)),
                      (ag.int8, (3, 32)), (ag.float16, (3, 16))]:  # fmt: skip
        y = x.view(dt)
        assert y.dtype == dt and y.shape == shape and shares(y, x)
        np.testing.assert_array_equal(y.numpy(), a.view(dt))
    assert x.view(dtype=np.int64).dtype == np.int64 and x.view("float32").shape == (3, 8)
    assert x.view(-1).shape == (12,) and x.view(4, 3).shape == (4, 3)  # shapes still work
    assert x.T.view(ag.int64).shape == (4, 3)  # same itemsize: any layout
    assert ag.zeros(0, 4).view(ag.float64).shape == (0, 2)
    assert ag.zeros(2, 0).T.view(ag.int8).shape == (0, 8)
    y = x.view(ag.int32)
    y[0, 0] = 0
    assert x._version == 1 == y._version
    assert a[0, 0] != x.numpy()[0, 0]


def test_view_dtype_is_not_differentiable():
    x = ag.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    h = x * 2
    y = h.view(ag.float32)
    assert not y.requires_grad and y.grad_fn is None
    assert not x.view(ag.float64).requires_grad  # even to the same dtype, as torch
    (h * h).sum().backward()
    assert x.grad is not None


def test_view_dtype_write_invalidates_saved_values():
    x = ag.tensor(RNG.standard_normal(4), requires_grad=True)
    h = x * 1.0
    loss = (h * h).sum()
    h.view(ag.int64)[0] = 0
    with pytest.raises(RuntimeError, match="version"):
        loss.backward()


def test_view_dtype_errors():
    x = ag.zeros(3, 3)
    with pytest.raises(RuntimeError, match=r"self.stride\(0\) must be divisible by 2"):
        x[:, :2].view(ag.float64)
    with pytest.raises(ag.ShapeError, match=r"self.size\(-1\) must be divisible by 2"):
        x.view(ag.float64)
    with pytest.raises(RuntimeError, match=r"storage_offset\(\) must be divisible by 2"):
        ag.zeros(3, 4)[:, 1:3].view(ag.float64)
    with pytest.raises(RuntimeError, match=r"self.stride\(-1\) must be 1.*got 3"):
        x.T.view(ag.float16)
    with pytest.raises(ag.ShapeError, match=r"self.dim\(\) cannot be 0"):
        ag.tensor(1.0).view(ag.float64)
    with pytest.raises(TypeError, match="not supported"):
        x.view(np.uint32)
    with pytest.raises(TypeError, match="shape or a dtype"):
        x.view(3, dtype=ag.float32)


VIEW_DTYPE_CASES = [
    ("float64", (3, 4), None, "int64"),
    ("float64", (3, 4), None, "float32"),
    ("float64", (3, 4), None, "complex128"),
    ("float64", (3, 4), None, "int8"),
    ("float64", (3, 4), "T", "float32"),
    ("float64", (3, 4), "T", "int64"),
    ("float64", (3, 4), (slice(None), slice(1, None)), "complex128"),
    ("float64", (3, 4), (slice(None), slice(None, 3)), "float32"),
    ("float64", (3, 4), (slice(None), slice(1, 3)), "complex128"),
    ("float64", (), None, "int32"),
    ("float64", (), None, "int64"),
    ("float32", (3, 3), (slice(None), slice(None, 2)), "float64"),
    ("float32", (3, 4), (slice(None), slice(1, 3)), "float64"),
    ("float32", (3, 4), (slice(None), slice(2, 4)), "float64"),
    ("float32", (3, 4), None, "uint8"),
    ("complex64", (3, 4), None, "float64"),
    ("complex64", (3, 4), None, "float32"),
    ("int16", (2, 4), None, "float16"),
]


@pytest.mark.parametrize("src,shape,index,dst", VIEW_DTYPE_CASES)
def test_view_dtype_matches_torch(src, shape, index, dst):
    torch = pytest.importorskip("torch")
    a = np.asarray(RNG.standard_normal(shape) * 100).astype(src)

    def layout(t):
        return t if index is None else (t.T if index == "T" else t[index])

    try:
        want = layout(torch.from_numpy(a.copy())).view(getattr(torch, dst))
    except RuntimeError as e:
        with pytest.raises(RuntimeError) as info:
            layout(ag.tensor(a)).view(getattr(ag, dst, np.dtype(dst)))
        assert str(e).split(" to view")[0] in str(info.value)
        return
    got = layout(ag.tensor(a)).view(getattr(ag, dst, np.dtype(dst)))
    assert got.shape == tuple(want.shape) and not got.requires_grad
    np.testing.assert_array_equal(got.numpy(), want.numpy())


# -- on cuda (a real GPU, or CI's fake CuPy) -------------------------------------------------------


@pytest.mark.gpu
def test_views_on_cuda_share_memory_and_match_cpu():
    a = carr(3, 4)
    z = ag.tensor(a, device="cuda")
    for layout in sorted(Z_LAYOUTS):
        v = ag.view_as_real(Z_LAYOUTS[layout](z))
        zc = Z_LAYOUTS[layout](ag.tensor(a))
        np.testing.assert_array_equal(v.cpu().numpy(), ag.view_as_real(zc).numpy())
        np.testing.assert_array_equal(ag.view_as_complex(v).cpu().numpy(), zc.numpy())
    v = ag.view_as_real(z.T)
    v[1, 0, 1] = 42.0  # z[0, 1].imag
    assert z.cpu().numpy()[0, 1] == a[0, 1].real + 42j and z._version == 1
    c = ag.view_as_complex(ag.view_as_real(z)[:, ::2])
    c.fill_(1j)
    assert np.all(z.cpu().numpy()[:, ::2] == 1j) and np.all(z.cpu().numpy()[:, 1::2] != 1j)
    x = ag.tensor(RNG.standard_normal((3, 4)), device="cuda")
    for dt in (ag.float32, ag.int64, ag.complex128, ag.int8):
        np.testing.assert_array_equal(x.view(dt).cpu().numpy(), x.cpu().numpy().view(dt))
    np.testing.assert_array_equal(
        x.T.view(ag.int64).cpu().numpy(), x.cpu().numpy().T.view(np.int64)
    )
    x.view(ag.int64)[0, 0] = 0
    assert x.cpu().numpy()[0, 0] == 0.0 and x._version == 1
    import cupy

    if not cupy.__version__.endswith("fake"):  # the fake's arrays don't say their offset
        with pytest.raises(RuntimeError, match="storage_offset"):
            ag.view_as_complex(ag.zeros(4, 4, device="cuda")[:, 1:3])
    with pytest.raises(RuntimeError, match="stride divisible by 2"):
        ag.view_as_complex(ag.zeros(3, 3, device="cuda")[:, :2])
    zg = ag.tensor(a, device="cuda", requires_grad=True)
    assert ag.gradcheck(lambda t: ag.view_as_complex(ag.view_as_real(t.T) ** 2), (zg,))


# -- review follow-ups: size-1 dims and Python's complex ---------------------------------------


def test_view_as_complex_ignores_the_stride_of_a_size_one_dim():
    base = ag.tensor(np.arange(6.0).reshape(2, 3))
    t = base[:1, :2]  # strides (3, 1) in elements: dim 0 has an odd stride but size 1
    z = ag.view_as_complex(t)
    np.testing.assert_array_equal(z.numpy(), np.array([0.0 + 1.0j]))
    z[0] = 7 + 8j  # still a view
    np.testing.assert_array_equal(base.numpy()[0, :2], [7.0, 8.0])


def test_view_dtype_to_a_smaller_type_after_a_new_last_axis():
    x = ag.ones(4, 8)
    v = x[:, :, None].view(ag.float16)  # NumPy gives the new axis stride 0; torch's is 1
    assert tuple(v.shape) == (4, 8, 2)  # float32 -> float16, as torch
    w = x.T.unsqueeze(-1).view(ag.float16)
    assert tuple(w.shape) == (8, 4, 2)
    np.testing.assert_array_equal(w.numpy().view(np.float32).reshape(8, 4), np.ones((8, 4)))


def test_view_accepts_python_complex_as_a_dtype():
    v = ag.ones(4, dtype=ag.float64).view(complex)
    assert v.dtype == ag.complex128 and tuple(v.shape) == (2,)
    np.testing.assert_array_equal(v.numpy(), np.array([1 + 1j, 1 + 1j]))
