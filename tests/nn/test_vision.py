"""nn.functional.vision and nn.vision: interpolate (every mode against PyTorch, values and input
gradients in float32 and float64, the index tables exhaustively, gradients to second order),
unfold/fold, pixel_shuffle/unshuffle, channel_shuffle, the layers and their reprs, the errors,
and the same ops on cuda (``gpu`` marker)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd import ShapeError


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _np(t):
    return t.detach().cpu().numpy()


def _compare(torch, ours, theirs, shape, dtype=np.float64, seed=0, tol=None):
    """ours(x) vs theirs(x_torch): values, dtype, and the input gradient for a random cotangent."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape).astype(dtype)
    x, xt = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, yt = ours(x), theirs(xt)
    assert y.shape == tuple(yt.shape)
    assert y.dtype == np.dtype(dtype)
    tol = tol or (2e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(_np(y), _np(yt), rtol=tol, atol=tol)
    g = rng.standard_normal(tuple(yt.shape)).astype(dtype)
    y.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(_np(x.grad), _np(xt.grad), rtol=tol, atol=tol)


# -- interpolate against PyTorch ---------------------------------------------------------------

_SHAPES = {1: (2, 3, 7), 2: (2, 2, 5, 7), 3: (1, 2, 3, 5, 4)}
_MODE_D = [("nearest", 1), ("nearest", 2), ("nearest", 3), ("nearest-exact", 1),
           ("nearest-exact", 2), ("nearest-exact", 3), ("linear", 1), ("bilinear", 2),
           ("bicubic", 2), ("trilinear", 3), ("area", 1), ("area", 2), ("area", 3)]  # fmt: skip
_SIZES = [
    {"size": 3},  # downsampling
    {"size": 11},  # upsampling, odd
    {"scale_factor": 1.7},  # non-integer, the kernels use 1 / 1.7
    {"scale_factor": 0.6},
    {"scale_factor": 2},
    {"scale_factor": 1.3, "recompute_scale_factor": True},  # the kernels use in / out
    {"per_dim": (0.5, 2.3, 1.5)},
    {"per_dim_size": (4, 9, 2)},
]


def _size_kwargs(kw, d):
    if "per_dim" in kw:
        return {"scale_factor": kw["per_dim"][:d]}
    if "per_dim_size" in kw:
        return {"size": list(kw["per_dim_size"][:d])}
    return kw


def _interp_cases():
    for mode, d in _MODE_D:
        aligns = [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]
        for i in range(len(_SIZES)):
            for ac in aligns:
                yield pytest.param(mode, d, i, ac, id=f"{mode}-{d}d-size{i}-ac{ac}")


@pytest.mark.parametrize("mode,d,size_case,align_corners", list(_interp_cases()))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_interpolate_matches_torch(torch, mode, d, size_case, align_corners, dtype):
    kw = _size_kwargs(_SIZES[size_case], d)
    kw.update(mode=mode, align_corners=align_corners)
    _compare(
        torch,
        lambda x: F.interpolate(x, **kw),
        lambda x: torch.nn.functional.interpolate(x, **kw),
        _SHAPES[d],
        dtype,
        seed=size_case,
    )


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("kw", [{"size": (3, 4)}, {"size": (9, 3)}, {"scale_factor": 0.4},
                                {"scale_factor": (2.5, 0.3)}, {"size": (5, 7)}])  # fmt: skip
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_interpolate_antialias_matches_torch(torch, mode, align_corners, kw, dtype):
    kw = dict(kw, mode=mode, align_corners=align_corners, antialias=True)
    _compare(
        torch,
        lambda x: F.interpolate(x, **kw),
        lambda x: torch.nn.functional.interpolate(x, **kw),
        (1, 2, 9, 10),
        dtype,
    )


def _basis_cases():
    sizes = [1, 2, 3, 4, 5, 7, 8, 13, 31]
    for n in sizes:
        for m in (1, 2, 3, 5, 6, 9, 16, 33):
            yield n, {"size": m}
        for s in (0.3, 1 / 3, 0.75, 1.1, 1.5, 2.0, 7 / 3, 3.3):
            if int(n * s) > 0:
                yield n, {"scale_factor": s}


_BASIS = list(_basis_cases())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_interpolate_index_tables_exhaustive(torch, dtype):
    """Every (in, out, scale) pair: push the basis e_0..e_{n-1} through (batch = n), so each
    output row is one column of the resampling matrix; nearest must match exactly (an index off
    by one would be a 1), the weighted modes to a few float32 ulps (PyTorch's compiled kernel
    fuses multiply-adds; the source index's is reproduced, the cubic polynomial's not)."""
    tF = torch.nn.functional
    for n, kw in _BASIS:
        e = np.eye(n, dtype=dtype)
        x1, x2 = e.reshape(n, 1, n), e.reshape(n, 1, 1, n)
        kw2 = (
            {"size": (1, kw["size"])}
            if "size" in kw
            else {"scale_factor": (1.0, kw["scale_factor"])}
        )
        runs = [(x1, kw, "nearest", None, False), (x1, kw, "nearest-exact", None, False)]
        for ac in (False, True):
            runs += [(x1, kw, "linear", ac, False), (x2, kw2, "bicubic", ac, False),
                     (x2, kw2, "bilinear", ac, True), (x2, kw2, "bicubic", ac, True)]  # fmt: skip
        for a, k, mode, ac, aa in runs:
            args = dict(k, mode=mode, align_corners=ac, antialias=aa)
            ours = _np(F.interpolate(ag.tensor(a), **args))
            theirs = tF.interpolate(torch.tensor(a), **args).numpy()
            tol = 0 if mode.startswith("nearest") else (3e-6 if dtype == np.float32 else 1e-13)
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=tol, err_msg=f"{n} {args}")


_ROUNDING = [(2, {"size": m}) for m in (49, 61, 82, 94, 98, 103, 107, 110)] + [
    (3, {"size": 123}),
    (4, {"size": 41}),
    (6, {"size": 94}),
    (6, {"scale_factor": 3.7}),
    (11, {"scale_factor": 7.7}),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest_index_rounding_matches_torch(torch, dtype, mode):
    """Sizes where the source index lands within a rounding of an integer: PyTorch computes it
    in the input's precision (float32 for float32), then floors it as a float32; a float64
    formula picks the neighbour in some of these."""
    for n, kw in _ROUNDING:
        a = np.arange(n, dtype=dtype).reshape(1, 1, n)
        ours = _np(F.interpolate(ag.tensor(a), mode=mode, **kw))
        theirs = torch.nn.functional.interpolate(torch.tensor(a), mode=mode, **kw).numpy()
        np.testing.assert_array_equal(ours, theirs, err_msg=f"{n} {kw}")


_NEAREST_2D = [(n, s) for n in range(1, 13)
               for s in (0.5, 0.75, 1.0, 1.05, 1.1, 1.2, 1.5, 1.99, 2.0, 2.1, 2.2, 2.49, 3.0, 3.3)
               if int(n * s) > 0]  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest_2d_scale_factor_pairs_match_torch(torch, dtype, mode):
    """2-D: PyTorch's nearest kernel (nearest_idx) copies a dim whose output size is its input
    size and halves the index of one whose output is twice it, ignoring a scale_factor that
    rounded there (1.2 on 4, 2.1 on 5); its backward does the same. nearest-exact has no such
    shortcut, and neither do the 1-D and 3-D forwards. Along H and along W, each (in, scale)
    pair pushes the basis through (batch = in), with the other dim resized too."""
    tF = torch.nn.functional
    shortcuts = 0
    for n, s in _NEAREST_2D:
        shortcuts += int(n * s) in (n, 2 * n) and s not in (1.0, 2.0)
        e = np.eye(n, dtype=dtype)
        for a, sf in ((e.reshape(n, 1, n, 1), (s, 2.5)), (e.reshape(n, 1, 1, n), (1.7, s))):
            rng = np.random.default_rng(n)
            x, xt = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
            y, yt = (
                F.interpolate(x, scale_factor=sf, mode=mode),
                tF.interpolate(xt, scale_factor=sf, mode=mode),
            )
            np.testing.assert_array_equal(_np(y), _np(yt), err_msg=f"{n} {sf}")
            g = rng.standard_normal(tuple(yt.shape)).astype(dtype)
            y.backward(ag.tensor(g))
            yt.backward(torch.tensor(g))
            tol = 1e-5 if dtype == np.float32 else 1e-12
            np.testing.assert_allclose(_np(x.grad), _np(xt.grad), rtol=tol, atol=tol,
                                       err_msg=f"{n} {sf}")  # fmt: skip
        for shape, sf in (((1, 1, n), (s,)), ((1, 1, n, 1, 2), (s, 1.0, 1.5))):  # 1-D, 3-D
            a = np.arange(np.prod(shape), dtype=dtype).reshape(shape)
            np.testing.assert_array_equal(
                _np(F.interpolate(ag.tensor(a), scale_factor=sf, mode=mode)),
                tF.interpolate(torch.tensor(a), scale_factor=sf, mode=mode).numpy(),
                err_msg=f"{shape} {sf}",
            )
    assert shortcuts >= 10  # the pairs do reach the shortcut with a scale other than 1 or 2


def test_nearest_2d_copies_and_halves_whatever_the_scale():
    x = np.arange(4.0).reshape(1, 1, 4, 1)
    np.testing.assert_array_equal(
        _np(F.interpolate(ag.tensor(x), scale_factor=(1.2, 1.0))).ravel(), [0, 1, 2, 3]
    )
    np.testing.assert_array_equal(  # 1-D keeps floor(o / 1.2)
        _np(F.interpolate(ag.tensor(x.reshape(1, 1, 4)), scale_factor=1.2)).ravel(), [0, 0, 1, 2]
    )
    np.testing.assert_array_equal(  # nearest-exact: floor((o + 1/2) / 1.2)
        _np(F.interpolate(ag.tensor(x), scale_factor=(1.2, 1.0), mode="nearest-exact")).ravel(),
        [0, 1, 2, 2],
    )
    x = ag.tensor(np.arange(5.0).reshape(1, 1, 1, 5), requires_grad=True)
    y = F.interpolate(x, scale_factor=(1.0, 2.1))
    np.testing.assert_array_equal(_np(y).ravel(), np.repeat(np.arange(5), 2))
    y.backward(ag.tensor(np.arange(10.0).reshape(1, 1, 1, 10)))
    np.testing.assert_array_equal(_np(x.grad).ravel(), [1, 5, 9, 13, 17])  # o >> 1: pairs


def test_interpolate_known_values():
    x = ag.tensor([[[0.0, 1.0, 2.0, 3.0]]])
    np.testing.assert_array_equal(
        _np(F.interpolate(x, scale_factor=2)), [[[0, 0, 1, 1, 2, 2, 3, 3]]]
    )
    np.testing.assert_allclose(
        _np(F.interpolate(x, size=7, mode="linear", align_corners=True)),
        [[[0, 0.5, 1, 1.5, 2, 2.5, 3]]],
    )
    # align_corners=False: source (o + 1/2) / 2 - 1/2, clamped at 0 and at the last pixel
    np.testing.assert_allclose(
        _np(F.interpolate(x, scale_factor=2, mode="linear")),
        [[[0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3]]],
    )
    np.testing.assert_array_equal(
        _np(F.interpolate(x, size=3, mode="nearest-exact")),
        [[[0, 2, 3]]],  # (o + 1/2) 4/3
    )
    np.testing.assert_array_equal(_np(F.interpolate(x, size=3)), [[[0, 1, 2]]])
    np.testing.assert_allclose(_np(F.interpolate(x, size=2, mode="area")), [[[0.5, 2.5]]])


def test_interpolate_dtypes_and_shapes():
    x32 = ag.randn(2, 3, 4, 5)
    for mode in ("nearest", "bilinear", "bicubic", "area", "nearest-exact"):
        y = F.interpolate(x32, size=(3, 8), mode=mode)
        assert y.dtype == np.float32 and y.shape == (2, 3, 3, 8)
    xi = ag.tensor(np.arange(10).reshape(1, 2, 5))  # nearest modes gather any dtype
    y = F.interpolate(xi, scale_factor=2)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(_np(y)[0, 1], np.repeat(np.arange(5, 10), 2))
    empty = F.interpolate(ag.zeros(0, 3, 5), scale_factor=2, mode="linear")
    assert empty.shape == (0, 3, 10)
    same = ag.randn(1, 1, 3, 4, requires_grad=True)
    y = F.interpolate(same, size=(3, 4), mode="bilinear")  # nothing to resample: a copy
    assert y is not same and np.array_equal(_np(y), _np(same))
    y.sum().backward()
    np.testing.assert_array_equal(_np(same.grad), np.ones((1, 1, 3, 4)))


@pytest.mark.parametrize(
    "shape,kw,want",
    [
        ((1, 2, 3), {"scale_factor": 0.3}, (1, 2, 0)),
        ((1, 2, 3), {"size": 0}, (1, 2, 0)),
        ((1, 2, 3, 4), {"scale_factor": 0.3}, (1, 2, 0, 1)),
        ((1, 2, 3, 4), {"size": (0, 2)}, (1, 2, 0, 2)),
        ((1, 1, 3, 3, 3), {"scale_factor": (1.0, 0.3, 1.0)}, (1, 1, 3, 0, 3)),
        ((1, 0, 3), {"scale_factor": 0.3}, (1, 0, 0)),
        ((0, 2, 3), {"scale_factor": 0.3, "recompute_scale_factor": True}, (0, 2, 0)),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_interpolate_area_empty_output(shape, kw, want, dtype):
    """'area' whose output size is 0 gives an empty result, as PyTorch's forward (its backward
    raises; the gradient here is the zeros it mathematically is)."""
    x = ag.tensor(np.ones(shape, dtype=dtype), requires_grad=True)
    y = F.interpolate(x, mode="area", **kw)
    assert y.shape == want and y.dtype == np.dtype(dtype)
    y.sum().backward()
    assert x.grad.shape == shape
    np.testing.assert_array_equal(_np(x.grad), np.zeros(shape))


def test_interpolate_area_empty_output_shapes_match_torch(torch):
    tF = torch.nn.functional
    for shape, kw in [((2, 3, 3), {"scale_factor": 0.2}), ((1, 2, 5, 4), {"scale_factor": 0.1}),
                      ((1, 1, 2, 3, 4), {"size": (1, 0, 2)})]:  # fmt: skip
        got = F.interpolate(ag.zeros(*shape), mode="area", **kw)
        assert got.shape == tuple(tF.interpolate(torch.zeros(shape), mode="area", **kw).shape)
    with pytest.raises(ShapeError, match=r"output \(W: -1\)"):  # still an error: negative
        F.interpolate(ag.zeros(1, 2, 3), size=-1, mode="area")
    with pytest.raises(ShapeError, match=r"input \(W: 0\)"):  # and an empty input
        F.interpolate(ag.zeros(1, 2, 0), size=0, mode="area")


def test_interpolate_nan_stays_local():
    """Only the taps that read a NaN become NaN (no dense matrix product spreading it)."""
    a = np.arange(12.0).reshape(1, 1, 12)
    a[0, 0, 5] = np.nan
    y = _np(F.interpolate(ag.tensor(a), size=24, mode="linear"))
    assert np.isnan(y).sum() == 4 and not np.isnan(y[0, 0, :8]).any()


def test_resample_maps_fill_partial_ranks():
    """A weighted map fills the ranks most outputs reach (edge outputs have fewer taps): those
    ranks are whole (no indexed add), the outputs with fewer taps repeating their own taps in
    powers-of-two pieces, so a tap read alone gives its weight exactly; a rank few outputs
    reach stays partial."""
    from nn.functional import vision as V

    fwd, adj = V._maps("bicubic", 112, 56, False, None, "float32", True)
    assert fwd.ranks and all(cols is None for cols, _, _ in fwd.ranks)
    assert all(cols is None for cols, _, _ in adj.ranks)
    fwd, adj = V._maps("bilinear", 56, 112, False, None, "float32", False)
    assert all(cols is None for cols, _, _ in adj.ranks[:-1])  # one reader more: input 1 only
    assert adj.ranks[-1][0] == slice(1, 2)
    rng = np.random.default_rng(0)
    for trial in range(200):
        size, n = int(rng.integers(1, 12)), int(rng.integers(1, 9))
        counts = rng.integers(0 if trial % 3 == 0 else 1, 9, size)
        dst = np.repeat(np.arange(size), counts)
        src = np.concatenate([np.sort(rng.choice(n, c, replace=False if c <= n else True))
                              for c in counts] + [np.zeros(0, np.int64)])  # fmt: skip
        w = rng.standard_normal(dst.size).astype(np.float32)
        m = V._Map(size, dst, src, w)
        reach = (counts[None] > np.arange(8)[:, None]).sum(axis=1)  # outputs with > r taps
        filled = int(np.count_nonzero(reach * 4 >= size))
        got = np.zeros((size, n), np.float32)
        for r, (cols, s, wr) in enumerate(m.ranks):
            c = np.arange(size)[slice(None) if cols is None else cols]
            assert np.unique(c).size == c.size == s.size == wr.size
            assert c.size == (np.count_nonzero(counts) if r < filled else reach[r])
            np.add.at(got, (c, s), wr)  # rank by rank: basis inputs, one at a time
        want = np.zeros((size, n), np.float64)
        np.add.at(want, (dst, src), w)
        if len(set(zip(dst.tolist(), src.tolist()))) == dst.size:
            np.testing.assert_array_equal(got, want.astype(np.float32), err_msg=str(trial))
        else:
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_interpolate_antialias_infinities_match_torch(torch, mode):
    """The filled taps repeat an output's own inputs: an infinite input gives +-inf where
    PyTorch does (a zero-weight tap on it would give NaN), and NaN stays local."""
    tF = torch.nn.functional
    rng = np.random.default_rng(0)
    for n, m in [(12, 5), (9, 4), (13, 6), (20, 3), (11, 2)]:
        for pos in range(n):
            for val in (np.inf, -np.inf, np.nan):
                a = rng.standard_normal((1, 1, 1, n))
                a[..., pos] = val
                kw = dict(size=(1, m), mode=mode, antialias=True)
                with np.errstate(invalid="ignore"):
                    ours = _np(F.interpolate(ag.tensor(a), **kw))
                theirs = tF.interpolate(torch.tensor(a), **kw).numpy()
                np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs), f"{n} {m} {pos}")
                np.testing.assert_array_equal(ours[np.isinf(ours)], theirs[np.isinf(ours)])


@pytest.mark.parametrize(
    "mode,shape,kw",
    [
        ("nearest", (1, 2, 4, 5), {"scale_factor": 1.6}),
        ("nearest-exact", (1, 2, 5), {"size": 3}),
        ("linear", (2, 1, 5), {"scale_factor": 1.7}),
        ("linear", (2, 1, 7), {"size": 3, "align_corners": True}),
        ("bilinear", (1, 2, 4, 5), {"size": (7, 3)}),
        ("bilinear", (1, 1, 9, 8), {"size": (4, 3), "antialias": True}),
        ("bicubic", (1, 1, 4, 5), {"scale_factor": (1.5, 0.8), "align_corners": True}),
        ("bicubic", (1, 1, 8, 7), {"size": (3, 5), "antialias": True}),
        ("trilinear", (1, 1, 3, 4, 3), {"size": (4, 3, 5)}),
        ("area", (1, 2, 5, 7), {"size": (3, 4)}),
    ],
)
def test_interpolate_gradcheck_and_gradgradcheck(mode, shape, kw):
    x = ag.tensor(np.random.default_rng(1).standard_normal(shape), requires_grad=True)
    assert ag.gradcheck(lambda t: F.interpolate(t, mode=mode, **kw), (x,))
    # cubed, so the second derivative runs through the adjoint map's own backward
    assert ag.gradgradcheck(lambda t: F.interpolate(t, mode=mode, **kw) ** 3, (x,))
    # a non-contiguous input (a transposed view)
    xt = ag.tensor(np.random.default_rng(2).standard_normal(shape[:-2] + shape[:-3:-1]),
                   requires_grad=True)  # fmt: skip
    assert ag.gradcheck(lambda t: F.interpolate(t.transpose(-1, -2), mode=mode, **kw), (xt,))


def test_deprecated_aliases_warn_and_match(torch):
    a = np.random.default_rng(0).standard_normal((1, 2, 3, 4))
    x, xt = ag.tensor(a), torch.tensor(a)
    tF = torch.nn.functional
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = [
            tF.upsample(xt, scale_factor=2, mode="bilinear"),
            tF.upsample_nearest(xt, size=(5, 6)),
            tF.upsample_bilinear(xt, scale_factor=1.5),
        ]
    with pytest.warns(UserWarning, match="upsample is deprecated"):
        got0 = F.upsample(x, scale_factor=2, mode="bilinear")
    with pytest.warns(UserWarning, match="upsample_nearest is deprecated"):
        got1 = F.upsample_nearest(x, size=(5, 6))
    with pytest.warns(UserWarning, match="upsample_bilinear is deprecated"):
        got2 = F.upsample_bilinear(x, scale_factor=1.5)  # align_corners=True
    for got, exp in zip((got0, got1, got2), want):
        np.testing.assert_allclose(_np(got), exp.numpy(), rtol=1e-12, atol=1e-12)


def test_interpolate_errors():
    x = ag.randn(2, 3, 5)
    with pytest.raises(ShapeError, match=r"interpolate: expected a 3-D, 4-D or 5-D .*\(3, 5\)"):
        F.interpolate(ag.randn(3, 5), scale_factor=2)
    with pytest.raises(ShapeError, match=r"'bilinear' needs a 4-D input .*\(2, 3, 5\)"):
        F.interpolate(x, scale_factor=2, mode="bilinear")
    with pytest.raises(ShapeError, match=r"'linear' needs a 3-D input"):
        F.interpolate(ag.randn(1, 1, 2, 3), scale_factor=2, mode="linear")
    with pytest.raises(ShapeError, match=r"'trilinear' needs a 5-D"):
        F.interpolate(x, size=3, mode="trilinear")
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(x, size=3, align_corners=True)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(x, size=3, mode="area", align_corners=False)
    with pytest.raises(ValueError, match="mode must be one of"):
        F.interpolate(x, size=3, mode="cubic")
    with pytest.raises(ValueError, match="antialias is restricted"):
        F.interpolate(x, size=3, mode="linear", antialias=True)
    with pytest.raises(ValueError, match="recompute_scale_factor is not meaningful"):
        F.interpolate(x, size=3, recompute_scale_factor=True)
    with pytest.raises(ValueError, match=r"same number of spatial dimensions.*\(2, 2\)"):
        F.interpolate(x, size=(2, 2))
    with pytest.raises(ValueError, match=r"scale_factor must have the same number|same number"):
        F.interpolate(x, scale_factor=(2.0, 2.0))
    with pytest.raises(TypeError, match="size must be an int"):
        F.interpolate(x, size=4.0)
    with pytest.raises(TypeError, match="size must be an int"):
        F.interpolate(x, size=(True,))
    with pytest.raises(TypeError, match="scale_factor must be a number"):
        F.interpolate(x, scale_factor="2")
    with pytest.raises(ValueError, match="scale_factor must be finite"):
        F.interpolate(x, scale_factor=float("inf"))
    with pytest.raises(ShapeError, match=r"greater than 0.*input \(W: 5\) and output \(W: 0\)"):
        F.interpolate(x, scale_factor=0.1)
    with pytest.raises(ShapeError, match=r"greater than 0.*output \(W: -2\)"):
        F.interpolate(x, size=-2)
    with pytest.raises(ShapeError, match=r"input \(H: 0, W: 4\)"):
        F.interpolate(ag.zeros(1, 1, 0, 4), size=(2, 2), mode="bilinear")
    with pytest.raises(ShapeError, match=r"non-empty input.*\(2, 0, 5\)"):
        F.interpolate(ag.zeros(2, 0, 5), scale_factor=2)
    with pytest.raises(TypeError, match="'linear' needs a floating-point input, got int64"):
        F.interpolate(ag.tensor(np.arange(10).reshape(1, 2, 5)), scale_factor=2, mode="linear")
    with pytest.raises(TypeError, match="expected a Tensor"):
        F.interpolate([[[1.0]]], scale_factor=2)


# -- layers ---------------------------------------------------------------------------------------


def test_upsample_layers_match_torch(torch):
    tnn = torch.nn
    pairs = [
        (nn.Upsample(scale_factor=2), tnn.Upsample(scale_factor=2), (1, 2, 3, 4)),
        (nn.Upsample(size=5, mode="linear"), tnn.Upsample(size=5, mode="linear"), (2, 1, 3)),
        (nn.Upsample(scale_factor=(2, 1.5), mode="bilinear", align_corners=True),
         tnn.Upsample(scale_factor=(2, 1.5), mode="bilinear", align_corners=True), (1, 1, 3, 4)),
        (nn.Upsample(size=(2, 3, 4), mode="trilinear"),
         tnn.Upsample(size=(2, 3, 4), mode="trilinear"), (1, 1, 3, 3, 3)),
        (nn.Upsample(scale_factor=1.5, mode="bicubic", recompute_scale_factor=True),
         tnn.Upsample(scale_factor=1.5, mode="bicubic", recompute_scale_factor=True),
         (1, 1, 3, 4)),
        (nn.UpsamplingNearest2d(scale_factor=3), tnn.UpsamplingNearest2d(scale_factor=3),
         (1, 2, 2, 3)),
        (nn.UpsamplingBilinear2d(size=(5, 7)), tnn.UpsamplingBilinear2d(size=(5, 7)),
         (1, 2, 2, 3)),
    ]  # fmt: skip
    for ours, theirs, shape in pairs:
        assert repr(ours) == repr(theirs)
        _compare(torch, ours, theirs, shape)
    assert repr(nn.Upsample(scale_factor=0)) == repr(tnn.Upsample(scale_factor=0))  # unset


def test_upsample_layer_errors_name_the_layer():
    up = nn.Upsample(scale_factor=2, mode="bilinear")
    with pytest.raises(ShapeError, match=r"Upsample\(scale_factor=2.0, mode='bilinear'\): mode "
                       r"'bilinear' needs a 4-D input .*shape \(2, 3, 5\)"):  # fmt: skip
        up(ag.randn(2, 3, 5))
    with pytest.raises(ShapeError, match=r"UpsamplingNearest2d\(scale_factor=2.0.*\(3, 5\)"):
        nn.UpsamplingNearest2d(scale_factor=2)(ag.randn(3, 5))
    with pytest.raises(ValueError, match=r"Upsample\(size=None, mode='nearest'\): either size"):
        nn.Upsample()(ag.randn(1, 1, 3))
    with pytest.raises(ValueError, match="Upsample: only one of size or scale_factor"):
        nn.Upsample(size=3, scale_factor=2)
    with pytest.raises(ValueError, match="Upsample: align_corners option"):
        nn.Upsample(scale_factor=2, align_corners=True)
    with pytest.raises(ValueError, match="Upsample: mode must be one of"):
        nn.Upsample(scale_factor=2, mode="cubic")
    with pytest.raises(TypeError, match="Upsample: scale_factor must be a number"):
        nn.Upsample(scale_factor="2")


def test_shuffle_fold_layer_reprs_match_torch(torch):
    tnn = torch.nn
    for ours, theirs in [
        (nn.PixelShuffle(3), tnn.PixelShuffle(3)),
        (nn.PixelUnshuffle(2), tnn.PixelUnshuffle(2)),
        (nn.ChannelShuffle(4), tnn.ChannelShuffle(4)),
        (nn.Unfold(3, padding=1), tnn.Unfold(3, padding=1)),
        (nn.Unfold((2, 3), dilation=(1, 2), stride=2),
         tnn.Unfold((2, 3), dilation=(1, 2), stride=2)),
        (nn.Fold((4, 5), 2), tnn.Fold((4, 5), 2)),
        (nn.Fold(output_size=6, kernel_size=(2, 3), padding=1, stride=(1, 2)),
         tnn.Fold(output_size=6, kernel_size=(2, 3), padding=1, stride=(1, 2))),
    ]:  # fmt: skip
        assert repr(ours) == repr(theirs)


def test_layer_construction_errors():
    with pytest.raises(ValueError, match="PixelShuffle: upscale_factor must be >= 1, got 0"):
        nn.PixelShuffle(0)
    with pytest.raises(TypeError, match="PixelUnshuffle: downscale_factor must be an int"):
        nn.PixelUnshuffle(2.0)
    with pytest.raises(ValueError, match="ChannelShuffle: groups must be >= 1"):
        nn.ChannelShuffle(-1)
    with pytest.raises(ValueError, match="Unfold: kernel_size must be >= 1"):
        nn.Unfold(0)
    with pytest.raises(ValueError, match="Fold: padding must be >= 0"):
        nn.Fold(4, 2, padding=-1)
    with pytest.raises(ValueError, match="Fold: output_size must be an int or a tuple of 2"):
        nn.Fold((4, 5, 6), 2)


# -- unfold / fold -------------------------------------------------------------------------------

_FOLD_GEOMS = [
    dict(kernel_size=2),
    dict(kernel_size=(2, 3), stride=(2, 1)),
    dict(kernel_size=3, padding=1),
    dict(kernel_size=(3, 2), dilation=(2, 1), padding=(1, 2), stride=2),
    dict(kernel_size=1, padding=3, stride=3),  # padding wider than the kernel
]


@pytest.mark.parametrize("geom", _FOLD_GEOMS)
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unfold_fold_match_torch(torch, geom, batched, dtype):
    tF = torch.nn.functional
    shape = (2, 3, 5, 6) if batched else (3, 5, 6)
    _compare(torch, lambda x: F.unfold(x, **geom), lambda x: tF.unfold(x, **geom), shape, dtype)
    cols = tF.unfold(torch.zeros(shape), **geom).shape
    _compare(
        torch,
        lambda c: F.fold(c, (5, 6), **geom),
        lambda c: tF.fold(c, (5, 6), **geom),
        tuple(cols),
        dtype,
    )


@pytest.mark.parametrize("geom", _FOLD_GEOMS[1:4])
def test_unfold_fold_adjoint_and_gradients(geom):
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((1, 2, 4, 5)), requires_grad=True)
    cols = F.unfold(x, **geom)
    c = ag.tensor(rng.standard_normal(cols.shape), requires_grad=True)
    lhs = (cols * c).sum().item()
    rhs = (x * F.fold(c, (4, 5), **geom)).sum().item()
    assert abs(lhs - rhs) < 1e-10 * max(1.0, abs(lhs))  # <unfold x, c> = <x, fold c>
    assert ag.gradcheck(lambda t: F.unfold(t, **geom), (x,))
    assert ag.gradgradcheck(lambda t: F.unfold(t, **geom) ** 3, (x,))
    assert ag.gradcheck(lambda t: F.fold(t, (4, 5), **geom), (c,))
    assert ag.gradgradcheck(lambda t: F.fold(t, (4, 5), **geom) ** 3, (c,))
    layer = nn.Fold((4, 5), **geom)
    np.testing.assert_array_equal(_np(layer(c)), _np(F.fold(c, (4, 5), **geom)))
    np.testing.assert_array_equal(_np(nn.Unfold(**geom)(x)), _np(cols))


def test_unfold_fold_values_and_empty():
    x = ag.tensor(np.arange(12.0).reshape(1, 1, 3, 4))
    cols = _np(F.unfold(x, 2))  # rows: offsets (0,0), (0,1), (1,0), (1,1); columns: blocks
    np.testing.assert_array_equal(cols[0, 0], [0, 1, 2, 4, 5, 6])
    np.testing.assert_array_equal(cols[0, 3], [5, 6, 7, 9, 10, 11])
    counts = _np(F.fold(F.unfold(ag.ones(1, 1, 3, 4), 2), (3, 4), 2))  # overlap counts
    np.testing.assert_array_equal(counts[0, 0], [[1, 2, 2, 1], [2, 4, 4, 2], [1, 2, 2, 1]])
    assert F.unfold(ag.zeros(0, 2, 4, 4), 2).shape == (0, 8, 9)
    assert F.fold(ag.zeros(0, 8, 9), 4, 2).shape == (0, 2, 4, 4)
    assert F.unfold(ag.randn(2, 4, 4), 3).dtype == np.float32


def test_unfold_fold_errors():
    with pytest.raises(ShapeError, match=r"unfold: expected a 3-D .* got shape \(5, 6\)"):
        F.unfold(ag.randn(5, 6), 2)
    with pytest.raises(ShapeError, match=r"unfold: expected .*\(2, 0, 5, 6\)"):
        F.unfold(ag.randn(2, 0, 5, 6), 2)
    with pytest.raises(ShapeError, match=r"unfold: input of shape \(1, 5, 6\).* gives \(-1, 0\)"):
        F.unfold(ag.randn(1, 5, 6), 7)
    with pytest.raises(ValueError, match="unfold: stride must be >= 1"):
        F.unfold(ag.randn(1, 5, 6), 2, stride=0)
    with pytest.raises(ValueError, match="unfold: padding must be >= 0"):
        F.unfold(ag.randn(1, 5, 6), 2, padding=-1)
    with pytest.raises(ValueError, match="unfold: kernel_size must be an int or a tuple of 2"):
        F.unfold(ag.randn(1, 5, 6), (2, 2, 2))
    with pytest.raises(TypeError, match="unfold: kernel_size must be an int"):
        F.unfold(ag.randn(1, 5, 6), 2.0)
    with pytest.raises(ShapeError, match=r"fold: expected a 2-D .* got shape \(8,\)"):
        F.fold(ag.randn(8), (4, 5), 2)
    with pytest.raises(ShapeError, match=r"fold: the input's C\*kh\*kw dim \(size 7"):
        F.fold(ag.randn(2, 7, 12), (4, 5), 2)
    with pytest.raises(ShapeError, match=r"fold: output_size=\(4, 5\).* 3 \* 4 = 12 sliding "
                       r"blocks, but the input's last dim .* has 11"):  # fmt: skip
        F.fold(ag.randn(2, 8, 11), (4, 5), 2)
    with pytest.raises(ShapeError, match=r"too few"):
        F.fold(ag.randn(2, 8, 1), (1, 1), 2)
    with pytest.raises(ShapeError, match=r"Fold\(output_size=\(4, 5\).*\): expected a 2-D"):
        nn.Fold((4, 5), 2)(ag.randn(1, 2, 8, 12))
    with pytest.raises(ShapeError, match=r"Unfold\(kernel_size=2, .*\(2, 3\)"):
        nn.Unfold(2)(ag.randn(2, 3))


# -- pixel and channel shuffles -----------------------------------------------------------------


@pytest.mark.parametrize("shape,r", [((2, 8, 3, 2), 2), ((9, 2, 3), 3), ((2, 2, 4, 1, 2), 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pixel_shuffle_matches_torch(torch, shape, r, dtype):
    tF = torch.nn.functional
    _compare(torch, lambda x: F.pixel_shuffle(x, r), lambda x: tF.pixel_shuffle(x, r), shape,
             dtype)  # fmt: skip
    up = tuple(shape[:-3]) + (shape[-3] // (r * r), shape[-2] * r, shape[-1] * r)
    _compare(torch, nn.PixelUnshuffle(r), torch.nn.PixelUnshuffle(r), up, dtype)


@pytest.mark.parametrize("shape,g", [((2, 6, 3), 2), ((1, 6, 2, 2), 3), ((2, 4, 1, 2, 2), 4)])
def test_channel_shuffle_matches_torch(torch, shape, g):
    _compare(torch, lambda x: F.channel_shuffle(x, g),
             lambda x: torch.nn.functional.channel_shuffle(x, g), shape)  # fmt: skip
    _compare(torch, nn.ChannelShuffle(g), torch.nn.ChannelShuffle(g), shape)


def test_shuffles_values_inverse_and_gradients():
    x = ag.tensor(np.arange(12.0).reshape(1, 6, 2))
    np.testing.assert_array_equal(_np(F.channel_shuffle(x, 2))[0, :, 0], [0, 6, 2, 8, 4, 10])
    a = ag.tensor(np.arange(16.0).reshape(1, 4, 2, 2))
    y = _np(F.pixel_shuffle(a, 2))[0, 0]  # y[h r + i, w r + j] = x[i r + j, h, w]
    np.testing.assert_array_equal(y[:2, :2], [[0, 4], [8, 12]])
    rng = np.random.default_rng(0)
    z = ag.tensor(rng.standard_normal((2, 8, 3, 2)), requires_grad=True)
    np.testing.assert_array_equal(_np(F.pixel_unshuffle(F.pixel_shuffle(z, 2), 2)), _np(z))
    assert ag.gradcheck(lambda t: F.pixel_shuffle(t, 2), (z,))
    assert ag.gradgradcheck(lambda t: F.pixel_shuffle(t, 2) ** 3, (z,))
    assert ag.gradgradcheck(lambda t: F.pixel_unshuffle(t, 1) ** 3, (z,))
    assert ag.gradgradcheck(lambda t: F.channel_shuffle(t, 4) ** 3, (z,))
    assert F.pixel_shuffle(ag.zeros(0, 4, 2, 2), 2).shape == (0, 1, 4, 4)
    ints = F.pixel_shuffle(ag.tensor(np.arange(16).reshape(4, 2, 2)), 2)
    assert ints.dtype == np.int64


def test_shuffle_errors():
    with pytest.raises(ShapeError, match=r"pixel_shuffle: expected .* at least 3 dims.*\(8, 3\)"):
        F.pixel_shuffle(ag.randn(8, 3), 2)
    with pytest.raises(ShapeError, match=r"divisible by upscale_factor\^2 = 4, got 7 channels"):
        F.pixel_shuffle(ag.randn(7, 3, 3), 2)
    with pytest.raises(ValueError, match="pixel_shuffle: upscale_factor must be positive, got 0"):
        F.pixel_shuffle(ag.randn(8, 3, 3), 0)
    with pytest.raises(TypeError, match="pixel_shuffle: upscale_factor must be an int"):
        F.pixel_shuffle(ag.randn(8, 3, 3), 2.0)
    with pytest.raises(ShapeError, match=r"pixel_unshuffle: height and width .*\(2, 5, 6\)"):
        F.pixel_unshuffle(ag.randn(2, 5, 6), 2)
    with pytest.raises(ShapeError, match=r"channel_shuffle: expected .* more than 2 dims"):
        F.channel_shuffle(ag.randn(6, 3), 2)
    with pytest.raises(ShapeError, match="got 5 channels and 2 groups"):
        F.channel_shuffle(ag.randn(2, 5, 3), 2)
    with pytest.raises(ValueError, match="channel_shuffle: groups must be positive"):
        F.channel_shuffle(ag.randn(2, 6, 3), 0)
    with pytest.raises(ShapeError, match=r"PixelShuffle\(upscale_factor=2\): the channel dim"):
        nn.PixelShuffle(2)(ag.randn(1, 6, 2, 2))
    with pytest.raises(ShapeError, match=r"ChannelShuffle\(groups=2\): expected"):
        nn.ChannelShuffle(2)(ag.randn(4, 2))


# -- cuda ------------------------------------------------------------------------------------------


def _on(dev, a, requires_grad=True):
    return ag.tensor(a, device=dev, requires_grad=requires_grad)


@pytest.mark.gpu
@pytest.mark.parametrize(
    "kw",
    [
        {"scale_factor": 1.5},
        {"size": (3, 7), "mode": "nearest-exact"},
        {"size": (3, 7), "mode": "bilinear", "align_corners": True},
        {"scale_factor": 0.6, "mode": "bicubic"},
        {"size": (3, 4), "mode": "bilinear", "antialias": True},
        {"size": (2, 3), "mode": "area"},
        {"size": (2, 12), "mode": "bilinear"},  # adjoint ranks: an index array, a slice
    ],
)
def test_interpolate_on_cuda_matches_cpu(kw):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 2, 5, 6))
    outs, g = [], None
    for dev in ("cpu", "cuda"):
        x = _on(dev, a)
        y = F.interpolate(x, **kw)
        g = rng.standard_normal(y.shape) if g is None else g
        y.backward(ag.tensor(g, device=dev))
        assert y.device.startswith(dev) and x.grad.device.startswith(dev)
        outs.append((_np(y), _np(x.grad)))
    np.testing.assert_allclose(outs[1][0], outs[0][0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(outs[1][1], outs[0][1], rtol=1e-12, atol=1e-12)


@pytest.mark.gpu
@pytest.mark.parametrize(
    "kw",
    [
        {"size": (9, 4), "mode": "bilinear"},
        {"size": (9, 4), "mode": "bicubic", "align_corners": True},
        {"size": (3, 4), "mode": "bicubic", "antialias": True},
        {"size": (2, 12), "mode": "bilinear", "antialias": True},
        {"scale_factor": 1.5, "mode": "nearest-exact"},
    ],
)
def test_interpolate_on_cuda_uploads_its_tables_once(monkeypatch, kw):
    """The index, weight and column arrays go to the device once per map and device: a second
    call of the same geometry copies nothing from the host (counted at cupy.asarray)."""
    cupy = pytest.importorskip("cupy")
    from nn.functional import vision as V

    rng = np.random.default_rng(0)
    x = _on("cuda", rng.standard_normal((1, 2, 5, 6)))
    g = ag.tensor(rng.standard_normal(F.interpolate(x, **kw).shape), device="cuda")
    V._maps.cache_clear()
    real, copies = cupy.asarray, []

    def counting(a, *args, **kwargs):
        if isinstance(a, np.ndarray):
            copies.append(a.shape)
        return real(a, *args, **kwargs)

    monkeypatch.setattr(cupy, "asarray", counting)

    def step():
        x.grad = None
        F.interpolate(x, **kw).backward(g)

    step()
    first = len(copies)
    assert first > 0  # the first call does upload (the counter sees it)
    step()
    assert len(copies) == first, f"uploaded again: {copies[first:]}"


@pytest.mark.gpu
def test_interpolate_gradgradcheck_on_cuda():
    x = _on("cuda", np.random.default_rng(0).standard_normal((1, 1, 3, 4)))
    assert ag.gradgradcheck(lambda t: F.interpolate(t, size=(5, 3), mode="bicubic") ** 3, (x,))


@pytest.mark.gpu
def test_fold_shuffles_on_cuda_match_cpu():
    a = np.random.default_rng(0).standard_normal((2, 4, 4, 6))
    res = []
    for dev in ("cpu", "cuda"):
        x = _on(dev, a)
        cols = nn.Unfold(3, padding=1, stride=(1, 2))(x)
        y = F.fold(cols, (4, 6), 3, padding=1, stride=(1, 2))
        z = nn.ChannelShuffle(2)(F.pixel_unshuffle(F.pixel_shuffle(y, 2), 2))
        (z * z).sum().backward()
        assert z.device.startswith(dev)
        res.append((_np(z), _np(x.grad)))
    for got, want in zip(res[1], res[0]):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    c = _on("cuda", np.random.default_rng(1).standard_normal((1, 4, 6)))
    assert ag.gradgradcheck(lambda t: F.fold(t, (3, 4), 2) ** 3, (c,))
