"""Convolution: functional conv1d/2d/3d and conv_transpose against direct-loop references,
gradcheck / gradgradcheck, the Conv layers (defaults, init, repr, errors), torch parity."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
import backends.numpy_kernels as nk
import nn
import nn.functional as F

from .helpers import check_module_grads


@pytest.fixture(autouse=True)
def _both_paths(conv_path):
    """Every test here runs on both CPU convolution paths (see tests/conftest.py)."""


# -- direct-loop references ---------------------------------------------------------------------


def _pairs(padding, kernel, dilation):
    d = len(kernel)
    if padding == "valid":
        return [(0, 0)] * d
    if padding == "same":
        return [
            (dl * (k - 1) // 2, dl * (k - 1) - dl * (k - 1) // 2) for k, dl in zip(kernel, dilation)
        ]
    p = (padding,) * d if isinstance(padding, int) else padding
    return [(q, q) for q in p]


def ref_conv(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """Convolution by loops over batch, output channel and output position (no im2col)."""
    N, C = x.shape[:2]
    O, cg = w.shape[:2]
    kernel = w.shape[2:]
    d = len(kernel)
    stride = (stride,) * d if isinstance(stride, int) else stride
    dilation = (dilation,) * d if isinstance(dilation, int) else dilation
    pads = _pairs(padding, kernel, dilation)
    xp = np.pad(x, [(0, 0), (0, 0)] + pads)
    out = tuple(
        (xp.shape[2 + i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1 for i in range(d)
    )
    og = O // groups
    y = np.zeros((N, O) + out)
    for n in range(N):
        for o in range(O):
            g = o // og
            xs = xp[n, g * cg : (g + 1) * cg]
            for pos in np.ndindex(*out):
                win = tuple(
                    slice(
                        pos[i] * stride[i],
                        pos[i] * stride[i] + dilation[i] * (kernel[i] - 1) + 1,
                        dilation[i],
                    )
                    for i in range(d)
                )
                y[(n, o) + pos] = np.sum(xs[(slice(None),) + win] * w[o])
            if b is not None:
                y[n, o] += b[o]
    return y


def ref_conv_transpose(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed convolution by scattering every input element times the kernel."""
    N, cin = x.shape[:2]
    cog = w.shape[1]
    kernel = w.shape[2:]
    d = len(kernel)
    tup = lambda v: (v,) * d if isinstance(v, int) else v  # noqa: E731
    stride, padding, dilation, opad = tup(stride), tup(padding), tup(dilation), tup(output_padding)
    S = x.shape[2:]
    out = tuple(
        (S[i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1) + opad[i] + 1
        for i in range(d)
    )
    full = tuple(
        out[i] + 2 * padding[i] + dilation[i] * (kernel[i] - 1) + stride[i] for i in range(d)
    )
    y = np.zeros((N, cog * groups) + full)
    cig = cin // groups
    for n in range(N):
        for ci in range(cin):
            g = ci // cig
            for pos in np.ndindex(*S):
                for k in np.ndindex(*kernel):
                    at = tuple(pos[i] * stride[i] + k[i] * dilation[i] for i in range(d))
                    y[(n, slice(g * cog, (g + 1) * cog)) + at] += (
                        x[(n, ci) + pos] * w[(ci, slice(None)) + k]
                    )
    y = y[
        (slice(None), slice(None)) + tuple(slice(padding[i], padding[i] + out[i]) for i in range(d))
    ]
    if b is not None:
        y = y + b.reshape((-1,) + (1,) * d)
    return y


def _t(a, requires_grad=False):
    return ag.tensor(a, dtype=ag.float64, requires_grad=requires_grad)


def _rand(rng, *shape):
    return rng.standard_normal(shape)


CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}

# (d, x shape, w shape, kwargs)
FORWARD_CASES = [
    (1, (2, 3, 11), (4, 3, 3), {}),
    (1, (2, 4, 13), (6, 2, 4), dict(stride=3, padding=2, dilation=2, groups=2)),
    (1, (1, 3, 9), (2, 3, 4), dict(padding="same")),
    (1, (2, 2, 8), (2, 2, 3), dict(padding="valid", stride=2)),
    (2, (2, 3, 7, 8), (4, 3, 3, 3), dict(padding=1)),
    (2, (2, 4, 9, 7), (6, 2, 3, 2), dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)),
    (2, (1, 6, 8, 8), (6, 1, 3, 3), dict(stride=2, padding=1, groups=6)),  # depthwise
    (2, (2, 2, 6, 7), (3, 2, 4, 2), dict(padding="same", dilation=(2, 1))),  # even kernel: asym.
    (2, (2, 3, 5, 5), (5, 3, 1, 1), dict(stride=2)),  # 1x1, stride leaves a tail row
    (2, (2, 2, 10, 9), (4, 2, 3, 3), dict(stride=3, dilation=2, padding=(2, 1))),
    (3, (2, 2, 5, 6, 4), (3, 2, 2, 3, 2), dict(padding=1)),
    (3, (1, 4, 6, 5, 5), (4, 2, 3, 2, 3), dict(stride=(1, 2, 2), dilation=(2, 1, 1), groups=2)),
]


@pytest.mark.parametrize("d, xs, ws, kw", FORWARD_CASES)
@pytest.mark.parametrize("bias", [False, True])
def test_conv_forward_matches_loop_reference(d, xs, ws, kw, bias):
    rng = np.random.default_rng(1)
    x, w = _rand(rng, *xs), _rand(rng, *ws)
    b = _rand(rng, ws[0]) if bias else None
    y = CONV[d](_t(x), _t(w), None if b is None else _t(b), **kw)
    np.testing.assert_allclose(y.numpy(), ref_conv(x, w, b, **kw), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("d, xs, ws, kw", FORWARD_CASES[1::2])
def test_conv_gradcheck_input_weight_bias(d, xs, ws, kw):
    rng = np.random.default_rng(2)
    x, w, b = _t(_rand(rng, *xs), True), _t(_rand(rng, *ws), True), _t(_rand(rng, ws[0]), True)
    assert ag.gradcheck(lambda x, w, b: CONV[d](x, w, b, **kw), (x, w, b))


@pytest.mark.parametrize(
    "kw", [dict(padding=1, groups=2), dict(stride=2, padding=(1, 0), dilation=(1, 2), groups=2)]
)
def test_conv2d_gradgradcheck(kw):
    rng = np.random.default_rng(3)
    x, w, b = (
        _t(_rand(rng, 2, 4, 5, 6), True),
        _t(_rand(rng, 4, 2, 3, 2), True),
        _t(_rand(rng, 4), True),
    )
    assert ag.gradgradcheck(lambda x, w, b: F.conv2d(x, w, b, **kw), (x, w, b))


def test_conv_grad_of_only_weight_and_only_input():
    rng = np.random.default_rng(4)
    x, w = _rand(rng, 2, 3, 6, 6), _rand(rng, 4, 3, 3, 3)
    wt = _t(w, True)
    F.conv2d(_t(x), wt, padding=1).sum().backward()
    xt = _t(x, True)
    F.conv2d(xt, _t(w), padding=1).sum().backward()
    assert wt.grad.shape == w.shape and xt.grad.shape == x.shape
    # sum of outputs: d/dw[o, c, i, j] = sum of the input window at that offset
    ref = np.stack(
        [ref_conv(x, np.eye(27)[k].reshape(1, 3, 3, 3), padding=1).sum() for k in range(27)]
    )
    np.testing.assert_allclose(wt.grad.numpy()[0].ravel(), ref, rtol=1e-10)


def test_conv_float32_and_noncontiguous_input():
    rng = np.random.default_rng(5)
    x = _rand(rng, 2, 3, 9, 8)
    w = _rand(rng, 4, 3, 3, 3)
    xt = ag.tensor(x.transpose(0, 1, 3, 2).astype(np.float32)).transpose(2, 3)  # a strided view
    y = F.conv2d(xt, ag.tensor(w.astype(np.float32)), stride=2)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), ref_conv(x, w, stride=2), rtol=1e-4, atol=1e-5)


def test_conv_unbatched_input():
    rng = np.random.default_rng(6)
    x, w = _rand(rng, 3, 7, 7), _rand(rng, 2, 3, 3, 3)
    y = F.conv2d(_t(x), _t(w), padding=1)
    assert y.shape == (2, 7, 7)
    np.testing.assert_allclose(y.numpy(), ref_conv(x[None], w, padding=1)[0], rtol=1e-10)


def test_conv_batch_chunks_and_threads_agree(monkeypatch):
    """Small im2col chunks and a forced thread pool give the same numbers as one chunk."""
    rng = np.random.default_rng(7)
    x, w, b = _rand(rng, 7, 4, 9, 9), _rand(rng, 6, 2, 3, 3), _rand(rng, 6)
    geom = ((2, 1), ((1, 1), (0, 2)), (1, 2), 2)
    y1 = nk.conv_forward(x, w, b, *geom)
    gy = _rand(rng, *y1.shape)
    gx1 = nk.conv_grad_input(gy, w, x.shape, *geom)
    gw1 = nk.conv_grad_weight(x, gy, w.shape, *geom)
    monkeypatch.setattr(nk, "_CHUNK_BYTES", 1)
    monkeypatch.setattr(nk, "_PARALLEL_FLOPS", 0)
    monkeypatch.setenv("TAPEGRAD_NUM_THREADS", "3")
    # chunked GEMMs may sum in another order: exact up to rounding of the largest terms
    for got, ref in (
        (nk.conv_forward(x, w, b, *geom), y1),
        (nk.conv_grad_input(gy, w, x.shape, *geom), gx1),
        (nk.conv_grad_weight(x, gy, w.shape, *geom), gw1),
    ):
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-13 * np.abs(ref).max())
    xp = np.pad(x, [(0, 0), (0, 0), (1, 1), (0, 2)])  # the asymmetric padding, done by hand
    np.testing.assert_allclose(y1, ref_conv(xp, w, b, (2, 1), 0, (1, 2), 2), rtol=1e-10)


# -- transposed convolution -------------------------------------------------------------------

TRANSPOSE_CASES = [
    (1, (2, 4, 5), (4, 3, 3), dict(stride=2, padding=1, output_padding=1)),
    (2, (2, 3, 4, 5), (3, 2, 3, 3), {}),
    (2, (2, 4, 4, 3), (4, 3, 3, 2), dict(stride=2, padding=1, output_padding=1, groups=2)),
    (2, (1, 2, 3, 4), (2, 2, 2, 3), dict(stride=(3, 1), dilation=(1, 2), padding=(0, 1))),
    (3, (1, 2, 3, 3, 2), (2, 2, 2, 2, 2), dict(stride=2)),
    # stride 1 with output_padding (allowed below the dilation): one conv over the output has
    # more positions than the input, so the input gradient is cropped
    (1, (1, 1, 3), (1, 1, 2), dict(stride=1, output_padding=1, dilation=2)),
    (2, (2, 4, 3, 4), (4, 1, 2, 3), dict(output_padding=(1, 0), dilation=(2, 1), groups=2)),
    (3, (1, 2, 2, 3, 2), (2, 2, 2, 2, 2), dict(stride=(1, 2, 1), output_padding=1, dilation=2)),
]
CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


@pytest.mark.parametrize("d, xs, ws, kw", TRANSPOSE_CASES)
def test_conv_transpose_matches_scatter_reference_and_gradchecks(d, xs, ws, kw):
    rng = np.random.default_rng(8)
    x, w = _rand(rng, *xs), _rand(rng, *ws)
    b = _rand(rng, ws[1] * kw.get("groups", 1))
    y = CONV_T[d](_t(x), _t(w), _t(b), **kw)
    np.testing.assert_allclose(y.numpy(), ref_conv_transpose(x, w, b, **kw), rtol=1e-10, atol=1e-12)
    args = (_t(x, True), _t(w, True), _t(b, True))
    assert ag.gradcheck(lambda x, w, b: CONV_T[d](x, w, b, **kw), args)
    if kw.get("output_padding") and kw.get("stride", 1) in (1, (1, 2, 1)):
        assert ag.gradgradcheck(lambda x, w, b: CONV_T[d](x, w, b, **kw), args)


def test_conv_transpose_is_the_adjoint_of_conv():
    rng = np.random.default_rng(9)
    x, w = _rand(rng, 2, 3, 7, 6), _rand(rng, 4, 3, 3, 2)
    kw = dict(stride=2, padding=1, dilation=(1, 2))
    y = F.conv2d(_t(x), _t(w), **kw).numpy()
    v = _rand(rng, *y.shape)
    assert y.shape[2:] == (4, 3)
    # back to x's (7, 6): H (4 - 1) 2 - 2 + 2 + 1 = 7, W (3 - 1) 2 - 2 + 2 + 1 + 1 = 6
    u = F.conv_transpose2d(_t(v), _t(w), **kw, output_padding=(0, 1))
    assert u.shape == x.shape
    assert np.sum(y * v) == pytest.approx(np.sum(x * u.numpy()), rel=1e-10)  # <Ax, v> = <x, A^T v>


def test_conv_transpose2d_gradgradcheck():
    rng = np.random.default_rng(10)
    x, w = _t(_rand(rng, 1, 2, 3, 3), True), _t(_rand(rng, 2, 3, 2, 2), True)
    assert ag.gradgradcheck(lambda x, w: F.conv_transpose2d(x, w, stride=2), (x, w))


# -- errors -------------------------------------------------------------------------------------


def test_functional_errors_name_the_op_and_shapes():
    x = ag.zeros(8, 1, 28, 28)
    w = ag.zeros(16, 3, 3, 3)
    with pytest.raises(
        ag.ShapeError, match=r"conv2d: .*\(16, 3, 3, 3\).*3 channels.*\(8, 1, 28, 28\)"
    ):
        F.conv2d(x, w)
    with pytest.raises(ag.ShapeError, match=r"conv2d: expected a 3-D \(unbatched\) or 4-D"):
        F.conv2d(ag.zeros(28, 28), w)
    with pytest.raises(ag.ShapeError, match="smaller than the dilated kernel"):
        F.conv2d(ag.zeros(1, 3, 2, 2), w)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        F.conv2d(ag.zeros(1, 3, 5, 5), w, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding must be 'valid', 'same'"):
        F.conv2d(ag.zeros(1, 3, 5, 5), w, padding="full")
    with pytest.raises(ValueError, match="stride must be >= 1"):
        F.conv2d(ag.zeros(1, 3, 5, 5), w, stride=0)
    with pytest.raises(ValueError, match="tuple of 2 ints"):
        F.conv2d(ag.zeros(1, 3, 5, 5), w, stride=(1, 1, 1))
    with pytest.raises(TypeError, match="same dtype"):
        F.conv2d(ag.zeros(1, 3, 5, 5, dtype=ag.float64), w)
    with pytest.raises(ag.ShapeError, match="bias must have shape"):
        F.conv2d(ag.zeros(1, 3, 5, 5), w, ag.zeros(3))
    with pytest.raises(ValueError, match="output_padding"):
        F.conv_transpose2d(ag.zeros(1, 16, 3, 3), w, stride=2, output_padding=2)


def test_layer_errors_name_the_layer_and_both_shapes():
    conv = nn.Conv2d(3, 16, kernel_size=3)
    with pytest.raises(ag.ShapeError) as e:
        conv(ag.zeros(8, 1, 28, 28))
    assert (
        str(e.value)
        == "Conv2d(3, 16, kernel_size=3): expected input with 3 channels, got (8, 1, 28, 28)"
    )
    with pytest.raises(
        ag.ShapeError, match=r"Conv1d\(2, 4, kernel_size=\(3,\)\)|Conv1d\(2, 4, kernel_size=3\)"
    ):
        nn.Conv1d(2, 4, 3)(ag.zeros(2, 2, 3, 5))
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv2d(3, 16, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="in_channels .* divisible by groups"):
        nn.Conv2d(3, 16, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(3, 16, 3, padding_mode="mirror")


# -- layers ------------------------------------------------------------------------------------


def test_conv_layer_repr_like_torch():
    assert repr(nn.Conv2d(3, 16, 3)) == "Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1))"
    assert repr(nn.Conv2d(3, 16, (3, 5), stride=2, padding=1, dilation=2, bias=False)) == (
        "Conv2d(3, 16, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1), dilation=(2, 2), "
        "bias=False)"
    )
    assert repr(nn.Conv1d(4, 8, 3, padding="same", groups=2, padding_mode="reflect")) == (
        "Conv1d(4, 8, kernel_size=(3,), stride=(1,), padding=same, groups=2, padding_mode=reflect)"
    )
    assert repr(nn.ConvTranspose2d(4, 8, 3, stride=2, output_padding=1)) == (
        "ConvTranspose2d(4, 8, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))"
    )


def test_conv_layer_shapes_and_default_init():
    ag.manual_seed(0)
    conv = nn.Conv2d(64, 32, 3, groups=2)
    assert conv.weight.shape == (32, 32, 3, 3) and conv.bias.shape == (32,)
    fan_in = 32 * 9
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) = U(-1/sqrt(fan_in), ...)
    w = conv.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.05)
    assert np.abs(conv.bias.detach().numpy()).max() <= bound
    assert nn.Conv3d(2, 4, 2, bias=False).bias is None
    t = nn.ConvTranspose2d(4, 6, 3, groups=2)
    assert t.weight.shape == (4, 3, 3, 3)
    assert np.abs(t.bias.detach().numpy()).max() <= 1 / math.sqrt(3 * 9)
    assert [n for n, _ in conv.named_parameters()] == ["weight", "bias"]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_conv_padding_modes(mode):
    ag.manual_seed(1)
    conv = nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode=mode).double()
    x = np.random.default_rng(11).standard_normal((2, 2, 5, 6))
    np_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    xp = np.pad(x, [(0, 0), (0, 0), (1, 1), (2, 2)], mode=np_mode)
    ref = ref_conv(xp, conv.weight.detach().numpy(), conv.bias.detach().numpy())
    np.testing.assert_allclose(conv(_t(x)).detach().numpy(), ref, rtol=1e-10)


def test_conv_layers_gradcheck_through_parameters():
    ag.manual_seed(2)
    rng = np.random.default_rng(12)
    for layer, shape in [
        (nn.Conv1d(2, 3, 3, stride=2, padding=1), (2, 2, 7)),
        (nn.Conv2d(2, 4, (2, 3), padding="same", groups=2), (1, 2, 4, 5)),
        (nn.Conv3d(1, 2, 2, dilation=(1, 2, 1)), (1, 1, 3, 4, 3)),
        (nn.ConvTranspose2d(2, 2, 3, stride=2, padding=1), (1, 2, 3, 3)),
    ]:
        check_module_grads(layer.double(), _t(rng.standard_normal(shape), True))


def test_conv_transpose_layer_output_size():
    t = nn.ConvTranspose2d(4, 8, 3, stride=2)
    assert t(ag.zeros(1, 4, 5, 5)).shape == (1, 8, 11, 11)
    assert t(ag.zeros(1, 4, 5, 5), output_size=(12, 12)).shape == (1, 8, 12, 12)
    assert t(ag.zeros(1, 4, 5, 5), output_size=(1, 8, 12, 11)).shape == (1, 8, 12, 11)
    with pytest.raises(ValueError, match="output size"):
        t(ag.zeros(1, 4, 5, 5), output_size=(14, 14))


def test_small_cnn_trains_one_step():
    ag.manual_seed(3)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * 4 * 4, 3),
    )
    x = ag.randn(5, 1, 8, 8)
    loss = F.cross_entropy(model(x), ag.tensor([0, 1, 2, 0, 1]))
    loss.backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())


# -- torch parity ------------------------------------------------------------------------------

PARITY = [
    ("conv1d", (2, 4, 12), (6, 2, 3), dict(stride=2, padding=1, dilation=2, groups=2)),
    ("conv2d", (2, 3, 9, 8), (4, 3, 3, 3), dict(padding=1)),
    (
        "conv2d",
        (2, 4, 9, 8),
        (8, 1, 3, 2),
        dict(stride=(2, 1), padding=1, dilation=(2, 1), groups=4),
    ),
    ("conv2d", (2, 2, 7, 8), (3, 2, 4, 4), dict(padding="same")),
    (
        "conv3d",
        (1, 4, 5, 6, 5),
        (4, 2, 3, 2, 3),
        dict(stride=(1, 2, 1), padding=1, dilation=(1, 1, 2), groups=2),
    ),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's own note on even kernels
@pytest.mark.parametrize("name, xs, ws, kw", PARITY)
def test_conv_torch_parity(name, xs, ws, kw):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(13)
    x, w, b = _rand(rng, *xs), _rand(rng, *ws), _rand(rng, ws[0])
    ours = [_t(a, True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = getattr(F, name)(*ours, **kw)
    yt = getattr(torch.nn.functional, name)(*theirs, **kw)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = _rand(rng, *yt.shape)
    y.backward(_t(g))
    yt.backward(torch.tensor(g))
    for a, at in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), at.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "xs, ws, kw",
    [
        ((2, 4, 5, 4), (4, 3, 3, 3), dict(stride=2, padding=1, output_padding=1)),
        ((2, 4, 3, 4), (4, 2, 2, 3), dict(stride=(1, 2), groups=2, dilation=(2, 1))),
    ],
)
def test_conv_transpose2d_torch_parity(xs, ws, kw):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(14)
    x, w = _rand(rng, *xs), _rand(rng, *ws)
    b = _rand(rng, ws[1] * kw.get("groups", 1))
    ours = [_t(a, True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = F.conv_transpose2d(*ours, **kw)
    yt = torch.nn.functional.conv_transpose2d(*theirs, **kw)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = _rand(rng, *yt.shape)
    y.backward(_t(g))
    yt.backward(torch.tensor(g))
    for a, at in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), at.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_conv_layer_torch_parity_float32():
    torch = pytest.importorskip("torch")
    ag.manual_seed(4)
    conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)
    ct = torch.nn.Conv2d(3, 8, 3, stride=2, padding=1)
    with torch.no_grad():
        ct.weight.copy_(torch.from_numpy(conv.weight.detach().numpy()))
        ct.bias.copy_(torch.from_numpy(conv.bias.detach().numpy()))
    x = np.random.default_rng(15).standard_normal((4, 3, 16, 16)).astype(np.float32)
    y, yt = conv(ag.tensor(x)), ct(torch.from_numpy(x))
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(
        conv.weight.grad.numpy(), ct.weight.grad.numpy(), rtol=1e-4, atol=1e-4
    )
    np.testing.assert_allclose(conv.bias.grad.numpy(), ct.bias.grad.numpy(), rtol=1e-4)


def test_conv_empty_batch():
    x = ag.zeros(0, 3, 5, 5, requires_grad=True)
    w, b = ag.randn(4, 3, 3, 3, requires_grad=True), ag.randn(4, requires_grad=True)
    y = F.conv2d(x, w, b, padding=1)
    assert y.shape == (0, 4, 5, 5)
    y.sum().backward()
    assert x.grad.shape == (0, 3, 5, 5) and np.all(w.grad.numpy() == 0)
    assert np.all(b.grad.numpy() == 0)
