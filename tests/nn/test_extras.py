"""embedding_bag / EmbeddingBag, max_unpool / MaxUnpool, lp_pool / LPPool, local_response_norm /
LocalResponseNorm and gumbel_softmax: hand-computed values, first and second order gradients
(float64, random cotangents), errors, dtypes, and (where torch is installed) parity with torch."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd as ag
import nn.functional as F
from autograd import ShapeError
from nn import extras as L
from nn.functional import extras as X


def _t(a, requires_grad=False, dtype=ag.float64):
    return ag.tensor(np.asarray(a), dtype=dtype, requires_grad=requires_grad)


def _i(a):
    return ag.tensor(np.asarray(a, dtype=np.int64))


def _np(t):
    return t.detach().numpy()


def _torch():
    return pytest.importorskip("torch")


def _vjp_pair(ours, theirs, rng, *leaves):
    """Backward a random cotangent through both outputs; return the leaves' gradients."""
    torch = _torch()
    g = rng.standard_normal(tuple(ours.shape))
    (ours * _t(g)).sum().backward()
    (theirs * torch.tensor(g)).sum().backward()
    return [(_np(a.grad), b.grad.numpy()) for a, b in leaves]


W6 = np.arange(18, dtype=np.float64).reshape(6, 3) / 10 - 0.8  # rows distinct, no ties per column


# -- embedding_bag ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_hand_computed(mode):
    inp = _i([1, 2, 4, 5, 0, 3])
    off = _i([0, 3, 3, 5])  # bags [1, 2, 4], [], [5, 0], [3]
    y = _np(X.embedding_bag(inp, _t(W6), off, mode=mode))
    bags = [[1, 2, 4], [], [5, 0], [3]]
    red = {"sum": np.sum, "mean": np.mean, "max": np.max}[mode]
    want = np.stack([red(W6[b], axis=0) if b else np.zeros(3) for b in bags])
    np.testing.assert_allclose(y, want, rtol=1e-12)


def test_embedding_bag_2d_input_and_padding_idx():
    inp = _i([[1, 2, 2], [4, 4, 4], [0, 4, 3]])
    y = _np(X.embedding_bag(inp, _t(W6), mode="mean", padding_idx=4))
    want = np.stack([W6[[1, 2, 2]].mean(0), np.zeros(3), W6[[0, 3]].mean(0)])
    np.testing.assert_allclose(y, want, rtol=1e-12)
    y = _np(X.embedding_bag(inp, _t(W6), mode="max", padding_idx=-2))  # -2 is row 4
    want = np.stack([W6[[1, 2]].max(0), np.zeros(3), W6[[0, 3]].max(0)])
    np.testing.assert_allclose(y, want, rtol=1e-12)


def test_embedding_bag_per_sample_weights_and_include_last_offset():
    inp = _i([1, 2, 4, 5])
    psw = _t([0.5, -2.0, 3.0, 1.5], requires_grad=True)
    w = _t(W6, requires_grad=True)
    y = X.embedding_bag(inp, w, _i([0, 1, 4]), mode="sum", per_sample_weights=psw,
                        include_last_offset=True)  # fmt: skip
    want = np.stack([0.5 * W6[1], -2.0 * W6[2] + 3.0 * W6[4] + 1.5 * W6[5]])
    np.testing.assert_allclose(_np(y), want, rtol=1e-12)
    g = np.array([[1.0, -1.0, 2.0], [0.5, 3.0, -1.0]])
    (y * _t(g)).sum().backward()
    np.testing.assert_allclose(_np(psw.grad), [W6[1] @ g[0], W6[2] @ g[1], W6[4] @ g[1],
                                               W6[5] @ g[1]], rtol=1e-12)  # fmt: skip
    want_gw = np.zeros_like(W6)
    for r, b, s in zip([1, 2, 4, 5], [0, 1, 1, 1], [0.5, -2.0, 3.0, 1.5]):
        want_gw[r] += s * g[b]
    np.testing.assert_allclose(_np(w.grad), want_gw, rtol=1e-12)


def test_embedding_bag_empty_cases_and_dtype():
    w32 = ag.tensor(W6.astype(np.float32), requires_grad=True)
    y = X.embedding_bag(_i([]), w32, _i([0, 0]), mode="max")
    assert y.dtype == ag.float32 and tuple(y.shape) == (2, 3) and not _np(y).any()
    y.sum().backward()
    assert w32.grad is not None and not _np(w32.grad).any()
    assert tuple(X.embedding_bag(_i([1, 2]), w32, _i([])).shape) == (0, 3)
    assert tuple(X.embedding_bag(_i(np.zeros((2, 0))), w32).shape) == (2, 3)
    assert tuple(X.embedding_bag(_i(np.zeros((0, 4))), w32).shape) == (0, 3)
    y = X.embedding_bag(_i([1, 1]).to(ag.int32), w32, _i([0]).to(ag.int32), mode="sum")
    assert y.dtype == ag.float32
    np.testing.assert_allclose(_np(y), 2 * W6[1:2].astype(np.float32), rtol=1e-6)


def test_embedding_bag_max_gradient_goes_to_the_first_maximum():
    w = _t([[1.0, 2.0], [1.0, 3.0], [0.0, 5.0]], requires_grad=True)
    X.embedding_bag(_i([0, 1, 0]), w, _i([0]), mode="max").sum().backward()
    np.testing.assert_array_equal(_np(w.grad), [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])


def test_embedding_bag_scale_grad_by_freq():
    # documented semantics: row r's gradient / (occurrences of r in input); rows 1: 2x, 3: 1x
    w = _t(np.ones((4, 3)), requires_grad=True)
    X.embedding_bag(_i([1, 1, 3]), w, _i([0]), mode="sum", scale_grad_by_freq=True).sum().backward()
    np.testing.assert_allclose(_np(w.grad)[:, 0], [0.0, 1.0, 0.0, 1.0])
    w.grad = None
    X.embedding_bag(_i([1, 1, 2, 1, 3]), w, _i([0, 2]), mode="mean",
                    scale_grad_by_freq=True).sum().backward()  # fmt: skip
    np.testing.assert_allclose(_np(w.grad)[:, 0], [0.0, (0.5 + 0.5 + 1 / 3) / 3, 1 / 3, 1 / 3])


def test_embedding_bag_max_norm_renormalises_looked_up_rows():
    w = _t([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    X.embedding_bag(_i([0, 1]), w, _i([0]), max_norm=1.0)
    np.testing.assert_allclose(np.linalg.norm(_np(w), axis=1), [1.0, 0.5, 10.0], rtol=1e-6)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_gradcheck(mode):
    rng = np.random.default_rng(1)
    w = _t(rng.standard_normal((5, 3)), requires_grad=True)
    inp, off = _i([1, 2, 4, 1, 3, 0, 2]), _i([0, 3, 3, 5])

    def f(w):
        return X.embedding_bag(inp, w, off, mode=mode, padding_idx=0)

    assert ag.gradcheck(f, (w,))
    assert ag.gradgradcheck(f, (w,))


def test_embedding_bag_gradcheck_per_sample_weights_and_freq_scaling():
    rng = np.random.default_rng(2)
    w = _t(rng.standard_normal((5, 3)), requires_grad=True)
    psw = _t(rng.standard_normal((2, 3)), requires_grad=True)
    inp = _i([[1, 2, 4], [1, 3, 0]])

    def f(w, p):
        return X.embedding_bag(inp, w, mode="sum", per_sample_weights=p, padding_idx=3)

    assert ag.gradcheck(f, (w, psw))
    assert ag.gradgradcheck(f, (w, psw))

    def g(w, p):  # psw's gradient is exact; weight's is scaled by design
        return X.embedding_bag(inp, w, mode="sum", per_sample_weights=p, scale_grad_by_freq=True)

    assert ag.gradcheck(g, (w.detach(), psw))
    assert ag.gradgradcheck(g, (w, psw), atol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        (dict(mode="min"), ValueError, "mode has to be one of sum, mean or max"),
        (dict(mode="max", scale_grad_by_freq=True), ValueError, "max mode does not support"),
        (dict(sparse=True), NotImplementedError, "sparse=True"),
        (dict(mode="mean", per_sample_weights=np.ones(4)), NotImplementedError, "mode='sum'"),
        (dict(mode="sum", per_sample_weights=np.ones(3)), ShapeError, r"\(3,\).*\(4,\)"),
        (dict(mode="sum", per_sample_weights=np.ones(4, np.float32)), TypeError, "float32"),
        (dict(offsets=None), ValueError, "offsets has to be a 1-D tensor"),
        (dict(offsets=[[0]]), ShapeError, "offsets has to be a 1-D"),
        (dict(offsets=[1, 2]), ValueError, r"offsets\[0\] has to be 0"),
        (dict(offsets=[0, 3, 2]), ValueError, "non-decreasing"),
        (dict(offsets=[0, 5]), ValueError, "greater than input's length 4"),
        (dict(offsets=[0, 3], include_last_offset=True), ValueError, "must equal the input's"),
        (dict(offsets=[0.0, 2.0]), TypeError, "offsets must be an integer"),
        (dict(padding_idx=6), IndexError, "-6 through 5, but got 6"),
    ],
)
def test_embedding_bag_errors(kwargs, exc, match):
    kwargs = dict(kwargs)
    off = kwargs.pop("offsets", [0, 2])
    psw = kwargs.pop("per_sample_weights", None)
    with pytest.raises(exc, match=match):
        X.embedding_bag(_i([1, 2, 3, 4]), _t(W6), None if off is None else np.asarray(off),
                        per_sample_weights=psw, **kwargs)  # fmt: skip


def test_embedding_bag_input_errors():
    with pytest.raises(IndexError, match="index 6 is out of range for a weight with 6 rows"):
        X.embedding_bag(_i([1, 6]), _t(W6), _i([0]))
    with pytest.raises(IndexError, match="index -1"):
        X.embedding_bag(_i([-1, 2]), _t(W6), _i([0]))
    with pytest.raises(TypeError, match="input must be an integer tensor"):
        X.embedding_bag(_t([1.0, 2.0]), _t(W6), _i([0]))
    with pytest.raises(ShapeError, match="weight has to be a 2-D"):
        X.embedding_bag(_i([1]), _t(np.ones(6)), _i([0]))
    with pytest.raises(
        ShapeError, match=r"input has to be a 1-D or 2-D tensor, got shape \(1, 1, 1\)"
    ):
        X.embedding_bag(_i([[[1]]]), _t(W6))
    with pytest.raises(ValueError, match="if input is 2-D"):
        X.embedding_bag(_i([[1, 2]]), _t(W6), _i([0]))


def test_embedding_bag_module():
    bag = L.EmbeddingBag(5, 3, mode="sum", padding_idx=-1)
    assert bag.padding_idx == 4 and not _np(bag.weight)[4].any()
    assert repr(bag) == "EmbeddingBag(5, 3, mode='sum', padding_idx=4)"
    y = bag(_i([1, 4, 2, 3]), _i([0, 2]))
    w = _np(bag.weight)
    np.testing.assert_allclose(_np(y), np.stack([w[1], w[2] + w[3]]), rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(_np(bag.weight.grad)[:, 0], [0, 1, 1, 1, 0])
    r = repr(L.EmbeddingBag(4, 2, max_norm=1.0, norm_type=3.0, scale_grad_by_freq=True))
    assert (
        r == "EmbeddingBag(4, 2, max_norm=1.0, norm_type=3.0, scale_grad_by_freq=True, mode='mean')"
    )
    pre = L.EmbeddingBag.from_pretrained(_t(W6), mode="max")
    assert not pre.weight.requires_grad and pre.mode == "max"
    np.testing.assert_allclose(_np(pre(_i([[0, 5]]))), W6[[0, 5]].max(0)[None])
    with pytest.raises(ValueError, match="EmbeddingBag: mode has to be one of"):
        L.EmbeddingBag(5, 3, mode="x")
    with pytest.raises(ValueError, match="padding_idx must be within num_embeddings"):
        L.EmbeddingBag(5, 3, padding_idx=5)
    with pytest.raises(NotImplementedError, match="sparse"):
        L.EmbeddingBag(5, 3, sparse=True)
    with pytest.raises(IndexError, match=r"^EmbeddingBag\(5, 3, mode='sum'.*index 7"):
        bag(_i([7]), _i([0]))


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 4])
@pytest.mark.parametrize("ilo", [False, True])
def test_embedding_bag_matches_torch(mode, padding_idx, ilo):
    torch = _torch()
    import torch.nn.functional as TF

    rng = np.random.default_rng(3)
    W = rng.standard_normal((6, 3))
    inp = np.array([1, 2, 4, 5, 4, 3, 2, 0, 4, 1])
    off = np.array([0, 4, 4, 6, 8] + ([10] if ilo else []))
    w, tw = _t(W, True), torch.tensor(W, requires_grad=True)
    y = X.embedding_bag(_i(inp), w, _i(off), mode=mode, padding_idx=padding_idx,
                        include_last_offset=ilo)  # fmt: skip
    ty = TF.embedding_bag(torch.tensor(inp), tw, torch.tensor(off), mode=mode,
                          padding_idx=padding_idx, include_last_offset=ilo)  # fmt: skip
    np.testing.assert_allclose(_np(y), ty.detach().numpy(), rtol=1e-12, atol=1e-15)
    for a, b in _vjp_pair(y, ty, rng, (w, tw)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_embedding_bag_psw_and_module_match_torch():
    torch = _torch()
    rng = np.random.default_rng(4)
    inp = np.array([[1, 2, 4], [5, 1, 0]])
    psw = rng.standard_normal((2, 3))
    bag = L.EmbeddingBag(6, 3, mode="sum", padding_idx=4)
    tbag = torch.nn.EmbeddingBag(6, 3, mode="sum", padding_idx=4).double()
    with torch.no_grad():
        tbag.weight.copy_(torch.tensor(_np(bag.weight), dtype=torch.float64))
    bag.double()
    p, tp = _t(psw, True), torch.tensor(psw, requires_grad=True)
    y, ty = bag(_i(inp), per_sample_weights=p), tbag(torch.tensor(inp), per_sample_weights=tp)
    np.testing.assert_allclose(_np(y), ty.detach().numpy(), rtol=1e-12)
    for a, b in _vjp_pair(y, ty, rng, (bag.weight, tbag.weight), (p, tp)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    assert repr(bag) == repr(tbag)


# -- max_unpool ------------------------------------------------------------------------------------


def test_max_unpool1d_hand_computed_and_repeated_indices():
    x = _t([[[1.0, 2.0, 3.0]]], requires_grad=True)
    y = X.max_unpool1d(x, _i([[[0, 3, 5]]]), 2)
    np.testing.assert_array_equal(_np(y), [[[1, 0, 0, 2, 0, 3]]])
    # repeated indices: the last write shows; backward gathers (PyTorch's behaviour)
    y = X.max_unpool1d(x, _i([[[0, 0, 1]]]), 2, output_size=[5])
    np.testing.assert_array_equal(_np(y), [[[2, 3, 0, 0, 0]]])
    y.backward(_t([[[10.0, 20.0, 30.0, 40.0, 50.0]]]))
    np.testing.assert_array_equal(_np(x.grad), [[[10, 10, 20]]])


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("batched", [True, False])
def test_max_unpool_inverts_max_pool(d, batched):
    rng = np.random.default_rng(d)
    shape = (2, 3) + (5,) * d if batched else (3,) + (5,) * d
    x = rng.permutation(math.prod(shape)).reshape(shape).astype(np.float32)
    pool = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[d - 1]
    unpool = (X.max_unpool1d, X.max_unpool2d, X.max_unpool3d)[d - 1]
    y, idx = pool(ag.tensor(x), 2, return_indices=True)
    z = unpool(y, idx, 2, output_size=shape[-d:])
    assert z.dtype == ag.float32 and tuple(z.shape) == shape
    zn = _np(z)
    kept = zn != 0
    assert kept.sum() == y.numel()
    np.testing.assert_array_equal(zn[kept], x[kept])  # each maximum back at its position
    x4 = ag.tensor(x[(...,) + (slice(0, 4),) * d])  # no remainder: the default size fits
    y, idx = pool(x4, 2, return_indices=True)
    assert tuple(unpool(y, idx, 2).shape) == tuple(x4.shape)  # default (2 - 1) * 2 + 2


def test_max_unpool_gradcheck():
    rng = np.random.default_rng(5)
    y = _t(rng.standard_normal((2, 2, 3, 4)), requires_grad=True)
    idx = _i([rng.permutation(20)[:12].reshape(3, 4) for _ in range(4)]).reshape(2, 2, 3, 4)

    def f(a):
        return X.max_unpool2d(a, idx, 2, 1, output_size=(4, 5))

    assert ag.gradcheck(f, (y,))
    assert ag.gradgradcheck(f, (y,))


def test_max_unpool_errors():
    x, idx = _t(np.ones((1, 1, 2, 2))), _i(np.zeros((1, 1, 2, 2)))
    with pytest.raises(ValueError, match=r"dim 0 must be between 2 and 6"):
        X.max_unpool2d(x, idx, 2, output_size=(6, 5))
    with pytest.raises(ValueError, match="2 or 4 elements, but it has a length of 1"):
        X.max_unpool2d(x, idx, 2, output_size=(4,))
    with pytest.raises(IndexError, match=r"invalid max index 16 \(output planes are of size 4x4"):
        X.max_unpool2d(x, idx + 16, 2)
    with pytest.raises(ShapeError, match=r"indices of the input's shape \(1, 1, 2, 2\)"):
        X.max_unpool2d(x, idx[..., :1], 2)
    with pytest.raises(TypeError, match="indices must be an integer tensor"):
        X.max_unpool2d(x, x, 2)
    with pytest.raises(TypeError, match="floating-point input"):
        X.max_unpool2d(idx, idx, 2)
    with pytest.raises(ShapeError, match=r"3-D \(unbatched\) or 4-D \(batched\)"):
        X.max_unpool2d(x[0, 0], idx[0, 0], 2)
    with pytest.raises(ValueError, match="kernel_size must be >= 1"):
        X.max_unpool2d(x, idx, 0)
    assert tuple(X.max_unpool2d(x, idx, 2, output_size=(1, 1, 5, 5)).shape) == (1, 1, 5, 5)


def test_max_unpool_modules():
    m = L.MaxUnpool2d(2)
    assert repr(m) == "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    assert repr(L.MaxUnpool1d(2)) == "MaxUnpool1d(kernel_size=(2,), stride=(2,), padding=(0,))"
    assert repr(L.MaxUnpool3d(2, 1)).startswith(
        "MaxUnpool3d(kernel_size=(2, 2, 2), stride=(1, 1, 1)"
    )
    x = _t(np.arange(1.0, 17.0).reshape(1, 1, 4, 4))
    y, idx = F.max_pool2d(x, 2, return_indices=True)
    z = m(y, idx, output_size=(5, 5))
    assert tuple(z.shape) == (1, 1, 5, 5) and _np(z).sum() == _np(y).sum()
    with pytest.raises(IndexError, match=r"^MaxUnpool2d\(kernel_size=\(2, 2\).*invalid max index"):
        m(y, idx + 100)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_max_unpool_matches_torch(d):
    torch = _torch()
    import torch.nn.functional as TF

    rng = np.random.default_rng(10 + d)
    x = rng.standard_normal((2, 3) + (5,) * d)
    pool = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[d - 1]
    tpool = (TF.max_pool1d, TF.max_pool2d, TF.max_pool3d)[d - 1]
    y, idx = pool(_t(x), 3, 2, 1, return_indices=True)
    ty, tidx = tpool(torch.tensor(x), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(_np(idx), tidx.numpy())  # the same index format
    a, ta = _t(_np(y), True), torch.tensor(_np(y), requires_grad=True)
    z = (X.max_unpool1d, X.max_unpool2d, X.max_unpool3d)[d - 1](a, idx, 3, 2, 1, x.shape[2:])
    tz = (TF.max_unpool1d, TF.max_unpool2d, TF.max_unpool3d)[d - 1](ta, tidx, 3, 2, 1, x.shape[2:])
    np.testing.assert_array_equal(_np(z), tz.detach().numpy())
    for g, tg in _vjp_pair(z, tz, rng, (a, ta)):
        np.testing.assert_array_equal(g, tg)


# -- lp_pool ---------------------------------------------------------------------------------------


def test_lp_pool_hand_computed():
    x = _t([[[3.0, 4.0, 0.0, 0.0, 1.0, -2.0]]], requires_grad=True)
    y = X.lp_pool1d(x, 2, 2)
    np.testing.assert_allclose(_np(y), [[[5.0, 0.0, math.sqrt(5.0)]]])
    y.sum().backward()  # a window whose sum is zero gets a zero (not NaN) gradient
    np.testing.assert_allclose(
        _np(x.grad), [[[0.6, 0.8, 0, 0, 1 / math.sqrt(5), -2 / math.sqrt(5)]]]
    )
    np.testing.assert_allclose(_np(X.lp_pool1d(x, 1, 3)), [[[7.0, -1.0]]])
    np.testing.assert_allclose(_np(X.lp_pool1d(x, math.inf, 2)), [[[4.0, 0.0, 2.0]]])
    np.testing.assert_allclose(_np(X.lp_pool1d(x, -math.inf, 3)), [[[0.0, 0.0]]])
    x2 = _t(np.arange(16.0).reshape(1, 4, 4))  # unbatched
    np.testing.assert_allclose(_np(X.lp_pool2d(x2, 1, 2))[0], [[10.0, 18.0], [42.0, 50.0]])


def test_lp_pool_dtype_and_shapes():
    x = ag.tensor(np.abs(np.random.default_rng(0).standard_normal((2, 3, 5, 5, 5))).astype("f4"))
    y = X.lp_pool3d(x, 2, (2, 3, 2), stride=(1, 2, 2), ceil_mode=True)
    assert y.dtype == ag.float32 and tuple(y.shape) == (2, 3, 4, 2, 3)
    assert tuple(X.lp_pool2d(x[0, 0], 3, 2).shape) == (5, 2, 2)  # unbatched (C, H, W)


def test_lp_pool_gradcheck():
    rng = np.random.default_rng(6)
    x = _t(np.abs(rng.standard_normal((1, 2, 5, 5))) + 0.5, requires_grad=True)
    for p in (3, 1.5):

        def f(a, p=p):
            return X.lp_pool2d(a, p, 2, ceil_mode=True)

        assert ag.gradcheck(f, (x,))
        assert ag.gradgradcheck(f, (x,))


def test_lp_pool_errors():
    x = _t(np.ones((1, 2, 4)))
    with pytest.raises(ValueError, match="lp_pool1d: norm_type must be nonzero"):
        X.lp_pool1d(x, 0, 2)
    with pytest.raises(TypeError, match="lp_pool1d: norm_type must be a real number"):
        X.lp_pool1d(x, "2", 2)
    with pytest.raises(TypeError, match="lp_pool2d: expected a floating-point input"):
        X.lp_pool2d(_i(np.ones((1, 2, 2, 2))), 2, 2)
    with pytest.raises(ValueError, match="kernel_size must be >= 1"):
        X.lp_pool1d(x, 2, 0)
    with pytest.raises(ShapeError, match=r"LPPool2d\(norm_type=2.*expected a 3-D"):
        L.LPPool2d(2, 2)(x[0])


def test_lp_pool_modules():
    m = L.LPPool2d(2, 3)
    assert repr(m) == "LPPool2d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)"
    x = _t(np.ones((1, 1, 6, 6)))
    np.testing.assert_allclose(_np(m(x)), np.full((1, 1, 2, 2), 3.0))
    assert tuple(L.LPPool1d(1, 2, 1)(x[0]).shape) == (1, 6, 5)
    assert tuple(L.LPPool3d(2, 2)(_t(np.ones((1, 4, 4, 4)))).shape) == (1, 2, 2, 2)


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("p", [1, 2, 3.5, math.inf])
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_lp_pool_matches_torch(d, p, ceil_mode):
    torch = _torch()
    import torch.nn.functional as TF

    rng = np.random.default_rng(d)
    x = np.abs(rng.standard_normal((2, 2) + (5,) * d))
    x[..., :2] = 0  # windows with a zero sum
    a, ta = _t(x, True), torch.tensor(x, requires_grad=True)
    y = (X.lp_pool1d, X.lp_pool2d, X.lp_pool3d)[d - 1](a, p, 2, None, ceil_mode)
    ty = (TF.lp_pool1d, TF.lp_pool2d, TF.lp_pool3d)[d - 1](ta, p, 2, None, ceil_mode)
    np.testing.assert_allclose(_np(y), ty.detach().numpy(), rtol=1e-12, atol=1e-15)
    for g, tg in _vjp_pair(y, ty, rng, (a, ta)):
        np.testing.assert_allclose(g, tg, rtol=1e-10, atol=1e-14)


# -- local_response_norm ---------------------------------------------------------------------------


def test_local_response_norm_hand_computed():
    x = np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 4, 1)
    y = _np(X.local_response_norm(_t(x), 3, alpha=0.3, beta=0.5, k=2.0))
    sq = x[0, :, 0] ** 2
    sums = [sq[0] + sq[1], sq[0] + sq[1] + sq[2], sq[1] + sq[2] + sq[3], sq[2] + sq[3]]
    want = x[0, :, 0] / np.sqrt(2.0 + 0.3 * np.array(sums) / 3)
    np.testing.assert_allclose(y[0, :, 0], want, rtol=1e-12)
    # an even size: the window is c - 1 .. c (size // 2 before, (size - 1) // 2 after)
    y = _np(X.local_response_norm(_t(x), 2, alpha=1.0, beta=1.0, k=0.0))
    sums = [sq[0], sq[0] + sq[1], sq[1] + sq[2], sq[2] + sq[3]]
    np.testing.assert_allclose(y[0, :, 0], x[0, :, 0] / (np.array(sums) / 2), rtol=1e-12)


def test_local_response_norm_dtype_empty_and_gradcheck():
    x32 = ag.tensor(np.ones((2, 3, 2, 2, 2, 2), np.float32))
    assert X.local_response_norm(x32, 2).dtype == ag.float32
    e = ag.zeros(0, 3, 4)
    assert X.local_response_norm(e, 2) is e
    x = _t(np.random.default_rng(7).standard_normal((2, 5, 3)), requires_grad=True)

    def f(a):
        return X.local_response_norm(a, 3, 0.5, 0.75, 1.0)

    assert ag.gradcheck(f, (x,))
    assert ag.gradgradcheck(f, (x,))


def test_local_response_norm_errors_and_module():
    with pytest.raises(
        ShapeError, match=r"3-D or higher dimensional input \(N, C, \*\), got shape \(2, 3\)"
    ):
        X.local_response_norm(_t(np.ones((2, 3))), 2)
    with pytest.raises(ValueError, match="size must be >= 1, got 0"):
        X.local_response_norm(_t(np.ones((1, 2, 3))), 0)
    with pytest.raises(TypeError, match="floating-point input"):
        X.local_response_norm(_i(np.ones((1, 2, 3))), 2)
    m = L.LocalResponseNorm(2)
    assert repr(m) == "LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)"
    with pytest.raises(ShapeError, match=r"^LocalResponseNorm\(2, .*got shape \(3,\)"):
        m(_t(np.ones(3)))
    with pytest.raises(ValueError, match="LocalResponseNorm: size must be >= 1"):
        L.LocalResponseNorm(0)


@pytest.mark.parametrize("shape", [(2, 5, 4), (2, 5, 3, 3), (1, 6, 2, 2, 3), (1, 4, 2, 1, 2, 2)])
@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_local_response_norm_matches_torch(shape, size):
    torch = _torch()
    rng = np.random.default_rng(size)
    x = rng.standard_normal(shape)
    a, ta = _t(x, True), torch.tensor(x, requires_grad=True)
    y = L.LocalResponseNorm(size, 0.1, 0.6, 2.0)(a)
    ty = torch.nn.LocalResponseNorm(size, 0.1, 0.6, 2.0)(ta)
    np.testing.assert_allclose(_np(y), ty.detach().numpy(), rtol=1e-12)
    for g, tg in _vjp_pair(y, ty, rng, (a, ta)):
        np.testing.assert_allclose(g, tg, rtol=1e-10, atol=1e-14)


# -- gumbel_softmax --------------------------------------------------------------------------------


def _gumbel_noise(seed, shape):
    """The noise gumbel_softmax draws after ag.manual_seed(seed): -log(Exp(1)) samples."""
    return -np.log(np.random.default_rng(seed).exponential(1.0, size=shape))


def _softmax(z, axis):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("dim", [-1, 0])
def test_gumbel_softmax_values_from_the_global_generator(dim):
    logits = np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]]))
    ag.manual_seed(11)
    y = _np(X.gumbel_softmax(_t(logits), tau=0.5, dim=dim))
    want = _softmax((logits + _gumbel_noise(11, logits.shape)) / 0.5, dim)
    np.testing.assert_allclose(y, want, rtol=1e-12)
    ag.manual_seed(11)
    h = _np(X.gumbel_softmax(_t(logits), tau=0.5, hard=True, dim=dim))
    onehot = (np.arange(want.shape[dim]).reshape((-1, 1) if dim == 0 else (1, -1))
              == np.expand_dims(want.argmax(dim), dim))  # fmt: skip
    np.testing.assert_array_equal(h, onehot.astype(float))


def test_gumbel_softmax_hard_is_straight_through():
    rng = np.random.default_rng(8)
    logits = rng.standard_normal((3, 4))
    g = rng.standard_normal((3, 4))
    grads = []
    for hard in (False, True):
        x = _t(logits, requires_grad=True)
        ag.manual_seed(5)
        (X.gumbel_softmax(x, tau=0.8, hard=hard) * _t(g)).sum().backward()
        grads.append(_np(x.grad))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12, atol=1e-15)
    assert np.abs(grads[0]).max() > 1e-3


def test_gumbel_softmax_samples_follow_the_softmax():
    probs = np.array([0.1, 0.2, 0.3, 0.4])
    ag.manual_seed(0)
    y = _np(X.gumbel_softmax(_t(np.tile(np.log(probs), (20000, 1))), hard=True))
    assert (y.sum(1) == 1).all()
    np.testing.assert_allclose(y.mean(0), probs, atol=0.015)


def test_gumbel_softmax_gradcheck_dtype_and_errors():
    x = _t(np.random.default_rng(9).standard_normal((2, 4)), requires_grad=True)

    def f(a):
        ag.manual_seed(3)
        return X.gumbel_softmax(a, tau=0.7)

    assert ag.gradcheck(f, (x,))
    assert ag.gradgradcheck(f, (x,))
    y = X.gumbel_softmax(ag.tensor(np.zeros((2, 3), np.float32)), hard=True)
    assert y.dtype == ag.float32 and (_np(y).sum(1) == 1).all()
    with pytest.raises(ValueError, match="tau must be a positive number, got 0"):
        X.gumbel_softmax(x, tau=0)
    with pytest.raises(TypeError, match="floating-point logits"):
        X.gumbel_softmax(_i([1, 2]))
    with pytest.raises(IndexError, match="dim 2 is out of range"):
        X.gumbel_softmax(x, dim=2)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        X.gumbel_softmax(x, eps=1e-5)
    assert any("deprecated" in str(w.message) for w in rec)


def test_gumbel_softmax_matches_torch_given_the_same_noise():
    torch = _torch()
    rng = np.random.default_rng(12)
    logits = rng.standard_normal((3, 5))
    a, ta = _t(logits, True), torch.tensor(logits, requires_grad=True)
    ag.manual_seed(21)
    y = X.gumbel_softmax(a, tau=0.3, dim=0)
    ty = torch.softmax((ta + torch.tensor(_gumbel_noise(21, logits.shape))) / 0.3, dim=0)
    np.testing.assert_allclose(_np(y), ty.detach().numpy(), rtol=1e-12)
    for g, tg in _vjp_pair(y, ty, rng, (a, ta)):
        np.testing.assert_allclose(g, tg, rtol=1e-10, atol=1e-14)
