"""TransformerEncoderLayer, TransformerDecoderLayer, their stacks and nn.Transformer against
PyTorch: outputs and every input and parameter gradient (random cotangents, float64), masks,
norm_first, activations, batch_first, unbatched input, state_dict round trips, reprs, init,
errors; gradcheck and gradgradcheck of one encoder layer; the GPU path."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd import ShapeError

from .helpers import rand64

torch = pytest.importorskip("torch")

TOL = dict(rtol=1e-10, atol=1e-12)


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """torch on one thread for this module: on these tiny shapes threads only contend."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


D, NH, FF, S, T, N = 4, 2, 6, 3, 4, 2  # d_model, heads, feed-forward, src/tgt lengths, batch


def _torch_kw(kw):
    """Our constructor kwargs as PyTorch's (an activation Module swapped for torch's)."""
    out = dict(kw)
    act = kw.get("activation")
    if isinstance(act, nn.Module):
        out["activation"] = getattr(torch.nn, type(act).__name__)()
    elif act is F.gelu:
        out["activation"] = torch.nn.functional.gelu
    return out


def _make(name, *args, **kw):
    """(ours, torch's) modules of class ``name``, ours loaded with torch's weights."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's enable_nested_tensor notice
        theirs = _torch_make(name, *args, **_torch_kw(kw))
    ours = _our_make(name, *args, **kw)
    res = ours.load_state_dict(theirs.state_dict())
    assert not res.missing_keys and not res.unexpected_keys
    return ours, theirs


def _our_make(name, *args, **kw):
    if name in ("TransformerEncoder", "TransformerDecoder"):
        layer = getattr(nn, name + "Layer")(*args, dtype=ag.float64, **kw)
        norm = nn.LayerNorm(D, dtype=ag.float64)
        return getattr(nn, name)(layer, 2, norm)
    return getattr(nn, name)(*args, dtype=ag.float64, **kw)


def _torch_make(name, *args, **kw):
    if name in ("TransformerEncoder", "TransformerDecoder"):
        layer = getattr(torch.nn, name + "Layer")(*args, dtype=torch.float64, **kw)
        norm = torch.nn.LayerNorm(D, dtype=torch.float64)
        return getattr(torch.nn, name)(layer, 2, norm)
    return getattr(torch.nn, name)(*args, dtype=torch.float64, **kw)


def _compare(ours, theirs, inputs, masks, seed=1, train=False):
    """Call both modules on the same float64 inputs (leaves requiring grad) and masks (keyword
    arrays), compare the output, backprop one random cotangent, compare every gradient."""
    if not train:
        ours.eval(), theirs.eval()
    xs = [ag.tensor(a, requires_grad=True) for a in inputs]
    xts = [torch.tensor(a, requires_grad=True) for a in inputs]
    kw = {k: (ag.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in masks.items()}
    kwt = {k: (torch.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in masks.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = ours(*xs, **kw)
        out_t = theirs(*xts, **kwt)
    assert tuple(out.shape) == tuple(out_t.shape) and out.dtype == np.float64
    np.testing.assert_allclose(out.detach().numpy(), out_t.detach().numpy(), **TOL)
    g = np.random.default_rng(seed).standard_normal(tuple(out_t.shape))
    (out * ag.tensor(g)).sum().backward()
    out_t.backward(torch.tensor(g))
    for i, (x, xt) in enumerate(zip(xs, xts)):
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), err_msg=f"input {i}", **TOL)
    named_t = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(named_t)
    for name, p in ours.named_parameters():
        assert p.grad is not None, name
        np.testing.assert_allclose(p.grad.numpy(), named_t[name].grad.numpy(), err_msg=name, **TOL)
    return out


def _seq(rng, n, batch_first, batched=True):
    if not batched:
        return rng.standard_normal((n, D))
    return rng.standard_normal((N, n, D) if batch_first else (n, N, D))


def _kpm(rng, n, batched=True, dtype=bool):
    m = rng.uniform(size=(N, n) if batched else (n,)) < 0.4
    m[..., 0] = False
    return m if dtype is bool else np.where(m, -np.inf, rng.standard_normal(m.shape))


def _causal(n):
    return np.triu(np.full((n, n), -np.inf), 1)


LAYER_CONFIGS = {
    "plain": {},
    "norm_first": {"norm_first": True},
    "gelu": {"activation": "gelu"},
    "gelu_module": {"activation": nn.GELU(), "norm_first": True},
    "gelu_function": {"activation": F.gelu},
    "batch_first": {"batch_first": True},
    "no_bias": {"bias": False, "layer_norm_eps": 1e-3},
}
ENC_MASKS = ["none", "src_mask_bool", "src_mask_float", "causal", "kpm_bool", "kpm_float", "both"]


def _enc_masks(kind, rng, batched=True):
    if kind == "none":
        return {}
    if kind == "src_mask_bool":
        m = rng.uniform(size=(S, S)) < 0.3
        m[:, 0] = False
        return {"src_mask": m}
    if kind == "src_mask_float":
        return {"src_mask": rng.standard_normal((N * NH, S, S) if batched else (NH, S, S))}
    if kind == "causal":
        return {"src_mask": _causal(S), "is_causal": True}
    if kind == "kpm_bool":
        return {"src_key_padding_mask": _kpm(rng, S, batched)}
    if kind == "kpm_float":
        return {"src_key_padding_mask": _kpm(rng, S, batched, float)}
    if kind == "both":
        return {"src_key_padding_mask": _kpm(rng, S, batched), "src_mask": _causal(S) == -np.inf}
    raise AssertionError(kind)


@pytest.mark.parametrize("masks", ENC_MASKS)
@pytest.mark.parametrize("config", list(LAYER_CONFIGS))
def test_encoder_layer_matches_torch(config, masks):
    cfg = LAYER_CONFIGS[config]
    ours, theirs = _make("TransformerEncoderLayer", D, NH, FF, **cfg)
    rng = np.random.default_rng(0)
    x = _seq(rng, S, cfg.get("batch_first", False))
    out = _compare(ours, theirs, [x], _enc_masks(masks, rng))
    assert out.shape == x.shape


@pytest.mark.parametrize("masks", ["none", "kpm_bool", "src_mask_float", "causal"])
def test_encoder_layer_unbatched_matches_torch(masks):
    ours, theirs = _make("TransformerEncoderLayer", D, NH, FF, batch_first=True)
    rng = np.random.default_rng(1)
    _compare(ours, theirs, [_seq(rng, S, True, batched=False)], _enc_masks(masks, rng, False))


def test_encoder_layer_training_with_dropout_zero_matches_torch():
    ours, theirs = _make("TransformerEncoderLayer", D, NH, FF, dropout=0.0, norm_first=True)
    rng = np.random.default_rng(2)
    _compare(ours, theirs, [_seq(rng, S, False)], _enc_masks("both", rng), train=True)


def test_encoder_layer_float32_stays_float32_and_matches_torch():
    theirs = torch.nn.TransformerEncoderLayer(D, NH, FF, batch_first=True).eval()
    ours = nn.TransformerEncoderLayer(D, NH, FF, batch_first=True).eval()
    ours.load_state_dict(theirs.state_dict())
    rng = np.random.default_rng(12)
    x = rng.standard_normal((N, S, D)).astype(np.float32)
    kpm = _kpm(rng, S)
    out = ours(ag.tensor(x, requires_grad=True), src_key_padding_mask=ag.tensor(kpm))
    out_t = theirs(torch.tensor(x, requires_grad=True), src_key_padding_mask=torch.tensor(kpm))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.detach().numpy(), out_t.detach().numpy(), rtol=1e-5, atol=1e-5)
    out.sum().backward()
    assert all(p.grad.dtype == np.float32 for p in ours.parameters())


def _dec_masks(kind, rng, batched=True):
    if kind == "none":
        return {}
    if kind == "causal":
        return {"tgt_mask": _causal(T), "tgt_is_causal": True}
    if kind == "tgt_bool":
        return {"tgt_mask": _causal(T) == -np.inf, "tgt_key_padding_mask": _kpm(rng, T, batched)}
    if kind == "memory":
        m = rng.uniform(size=(T, S)) < 0.3
        m[:, 0] = False
        return {"memory_mask": m, "memory_key_padding_mask": _kpm(rng, S, batched)}
    if kind == "float_all":
        return {
            "tgt_mask": _causal(T),
            "memory_mask": rng.standard_normal((N * NH, T, S) if batched else (NH, T, S)),
            "tgt_key_padding_mask": _kpm(rng, T, batched, float),
            "memory_key_padding_mask": _kpm(rng, S, batched, float),
        }
    raise AssertionError(kind)


@pytest.mark.parametrize("masks", ["none", "causal", "tgt_bool", "memory", "float_all"])
@pytest.mark.parametrize("config", ["plain", "norm_first", "gelu", "batch_first", "no_bias"])
def test_decoder_layer_matches_torch(config, masks):
    cfg = LAYER_CONFIGS[config]
    ours, theirs = _make("TransformerDecoderLayer", D, NH, FF, **cfg)
    rng = np.random.default_rng(3)
    bf = cfg.get("batch_first", False)
    _compare(ours, theirs, [_seq(rng, T, bf), _seq(rng, S, bf)], _dec_masks(masks, rng))


def test_decoder_layer_unbatched_matches_torch():
    ours, theirs = _make("TransformerDecoderLayer", D, NH, FF, norm_first=True)
    rng = np.random.default_rng(4)
    x, m = _seq(rng, T, False, batched=False), _seq(rng, S, False, batched=False)
    _compare(ours, theirs, [x, m], _dec_masks("float_all", rng, batched=False))


@pytest.mark.parametrize(
    "masks", [{}, {"mask": "causal"}, {"mask": "causal", "is_causal": True}, {"kpm": True}]
)
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_stack_matches_torch(batch_first, masks):
    ours, theirs = _make("TransformerEncoder", D, NH, FF, batch_first=batch_first)
    assert [n for n, _ in ours.named_parameters()][:2] == [
        "layers.0.self_attn.in_proj_weight",
        "layers.0.self_attn.in_proj_bias",
    ]
    rng = np.random.default_rng(5)
    kw = {}
    if masks.get("mask"):
        kw["mask"] = _causal(S)
    if masks.get("is_causal"):
        kw["is_causal"] = True
    if masks.get("kpm"):
        kw["src_key_padding_mask"] = _kpm(rng, S)
    _compare(ours, theirs, [_seq(rng, S, batch_first)], kw)


@pytest.mark.parametrize("masks", ["none", "causal", "tgt_bool", "float_all"])
def test_decoder_stack_matches_torch(masks):
    ours, theirs = _make("TransformerDecoder", D, NH, FF, norm_first=True)
    rng = np.random.default_rng(6)
    kw = _dec_masks(masks, rng)
    kw.pop("tgt_is_causal", None)  # the stack detects a causal tgt_mask itself
    _compare(ours, theirs, [_seq(rng, T, False), _seq(rng, S, False)], kw)


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_torch(batch_first):
    kw = dict(
        d_model=D,
        nhead=NH,
        num_encoder_layers=2,
        num_decoder_layers=1,
        dim_feedforward=FF,
        batch_first=batch_first,
    )
    ours, theirs = _make("Transformer", **kw)
    rng = np.random.default_rng(7)
    masks = {
        "tgt_mask": np.asarray(nn.Transformer.generate_square_subsequent_mask(T, dtype=ag.float64)),
        "src_key_padding_mask": _kpm(rng, S),
        "memory_key_padding_mask": _kpm(rng, S),
    }
    out = _compare(ours, theirs, [_seq(rng, S, batch_first), _seq(rng, T, batch_first)], masks)
    assert out.shape == ((N, T, D) if batch_first else (T, N, D))


def test_transformer_unbatched_and_custom_parts_match_torch():
    ours, theirs = _make("Transformer", D, NH, 1, 1, FF, activation="gelu", norm_first=True)
    rng = np.random.default_rng(8)
    _compare(
        ours,
        theirs,
        [_seq(rng, S, False, False), _seq(rng, T, False, False)],
        {"tgt_mask": _causal(T), "tgt_is_causal": True},
    )
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, NH, FF), 1)
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(D, NH, FF), 1)
    t = nn.Transformer(D, NH, custom_encoder=enc, custom_decoder=dec)
    assert t.encoder is enc and t.decoder is dec and t.encoder.norm is None


def test_generate_square_subsequent_mask_matches_torch():
    m = nn.Transformer.generate_square_subsequent_mask(4)
    mt = torch.nn.Transformer.generate_square_subsequent_mask(4)
    assert m.dtype == np.float32 and not m.requires_grad
    np.testing.assert_array_equal(m.numpy(), mt.numpy())
    m64 = nn.Transformer.generate_square_subsequent_mask(3, dtype=ag.float64)
    assert m64.dtype == np.float64 and np.isneginf(m64.numpy()[0, 1]) and m64.numpy()[1, 0] == 0
    inst = nn.Transformer(D, NH, 1, 1, FF).generate_square_subsequent_mask(2)
    np.testing.assert_array_equal(inst.numpy(), [[0.0, -np.inf], [0.0, 0.0]])


def test_training_dropout_is_seeded_and_off_in_eval():
    layer = nn.TransformerEncoderLayer(D, NH, FF, dropout=0.5, dtype=ag.float64)
    x = rand64(S, N, D, seed=1)
    ag.manual_seed(4)
    a = layer(x).detach().numpy()
    ag.manual_seed(4)
    b = layer(x).detach().numpy()
    ag.manual_seed(5)
    c = layer(x).detach().numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    layer.eval()
    np.testing.assert_array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())


def test_encoder_layer_gradcheck_and_gradgradcheck():
    """d_model 2, one head, feed-forward 3, seq 2, batch 1, gelu (smooth), with a padding
    mask: the whole layer to second order, through the input and every parameter."""
    layer = nn.TransformerEncoderLayer(2, 1, 3, dropout=0.0, activation="gelu", dtype=ag.float64)
    x = rand64(2, 1, 2, seed=3)
    kpm = ag.tensor(np.array([[False, True]]))
    params = tuple(layer.parameters())

    def fn(x, *p):
        return layer(x, src_key_padding_mask=kpm)

    assert ag.gradcheck(fn, (x,) + params, atol=1e-6, rtol=1e-4)
    assert ag.gradgradcheck(fn, (x,) + params, atol=1e-6, rtol=1e-4, fast_mode=True)
    some = (layer.self_attn.in_proj_weight, layer.linear1.bias, layer.norm1.weight)

    def fn2(x, *p):
        return layer(x, src_key_padding_mask=kpm)

    assert ag.gradgradcheck(fn2, (x,) + some, atol=1e-6, rtol=1e-4)


# -- parameters, state_dict, init, repr ------------------------------------------------------------

REPR_CASES = [
    ("TransformerEncoderLayer", (D, NH), {}),
    ("TransformerEncoderLayer", (D, NH, FF), {"activation": nn.GELU(), "dropout": 0.25}),
    ("TransformerDecoderLayer", (D, NH, FF), {"bias": False, "layer_norm_eps": 1e-6}),
    ("TransformerEncoder", (D, NH, FF), {}),
    ("TransformerDecoder", (D, NH, FF), {}),
    ("Transformer", (D, NH, 2, 1, FF), {}),
]


@pytest.mark.parametrize("name, args, kw", REPR_CASES)
def test_repr_names_shapes_and_state_dict_round_trip(name, args, kw):
    ours, theirs = _make(name, *args, **kw)
    assert repr(ours) == repr(theirs)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == [
        (n, tuple(p.shape)) for n, p in theirs.named_parameters()
    ]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for k, v in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[k].numpy(), v.numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fresh = _torch_make(name, *args, **_torch_kw(kw))
    for p in ours.parameters():  # ours -> torch, after changing ours
        p.detach().mul_(1.5)
    fresh.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    for k, v in fresh.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), 1.5 * theirs.state_dict()[k].numpy())


def test_layer_attributes_match_torch():
    for ours, theirs in (
        (nn.TransformerEncoderLayer(D, NH), torch.nn.TransformerEncoderLayer(D, NH)),
        (
            nn.TransformerEncoderLayer(D, NH, activation="gelu"),
            torch.nn.TransformerEncoderLayer(D, NH, activation="gelu"),
        ),
        (
            nn.TransformerEncoderLayer(D, NH, activation=nn.Tanh()),
            torch.nn.TransformerEncoderLayer(D, NH, activation=torch.nn.Tanh()),
        ),
    ):
        assert ours.activation_relu_or_gelu == theirs.activation_relu_or_gelu
        assert ours.norm_first == theirs.norm_first
        assert ours.self_attn.batch_first == theirs.self_attn.batch_first
    assert nn.TransformerEncoderLayer(D, NH).activation is F.relu
    assert nn.TransformerDecoderLayer(D, NH, activation="gelu").activation is F.gelu
    t = nn.Transformer(D, NH, 1, 1, FF, batch_first=True)
    assert (t.d_model, t.nhead, t.batch_first) == (D, NH, True)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, NH), 3, enable_nested_tensor=False)
    assert enc.num_layers == 3 and not enc.enable_nested_tensor and enc.norm is None


def test_stacks_are_independent_deep_copies():
    layer = nn.TransformerEncoderLayer(D, NH, FF)
    enc = nn.TransformerEncoder(layer, 3)
    ws = [m.self_attn.in_proj_weight for m in enc.layers]
    assert len({id(w) for w in ws} | {id(layer.self_attn.in_proj_weight)}) == 4
    for w in ws:  # copies of the given layer's values
        np.testing.assert_array_equal(
            w.detach().numpy(), layer.self_attn.in_proj_weight.detach().numpy()
        )
    ws[0].detach().mul_(2.0)
    assert not np.allclose(ws[0].detach().numpy(), ws[1].detach().numpy())
    assert len(list(enc.parameters())) == 3 * len(list(layer.parameters()))


def test_transformer_init_is_xavier_uniform_on_matrices():
    t = nn.Transformer(32, 4, 1, 1, 64)
    for name, p in t.named_parameters():
        v = p.detach().numpy()
        if p.ndim > 1:
            fan_out, fan_in = v.shape
            bound = math.sqrt(6.0 / (fan_in + fan_out))
            assert np.abs(v).max() <= bound and np.abs(v).max() > 0.8 * bound, name
    np.testing.assert_array_equal(t.encoder.layers[0].self_attn.in_proj_bias.detach().numpy(), 0)
    np.testing.assert_array_equal(t.decoder.norm.weight.detach().numpy(), 1)
    a = nn.Transformer(8, 2, 1, 1, 16, generator=np.random.default_rng(0))
    b = nn.Transformer(8, 2, 1, 1, 16, generator=np.random.default_rng(0))
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


# -- errors ---------------------------------------------------------------------------------------


def test_constructor_errors():
    with pytest.raises(
        ValueError,
        match="TransformerEncoderLayer: d_model must be divisible by "
        "nhead, got d_model=5 and nhead=2",
    ):
        nn.TransformerEncoderLayer(5, 2)
    with pytest.raises(
        ValueError, match="TransformerDecoderLayer: activation should be relu/gelu, not tanh"
    ):
        nn.TransformerDecoderLayer(4, 2, activation="tanh")
    with pytest.raises(
        TypeError,
        match="TransformerEncoderLayer: activation must be 'relu', 'gelu' or a callable, got int",
    ):
        nn.TransformerEncoderLayer(4, 2, activation=3)
    with pytest.raises(
        ValueError, match="TransformerEncoderLayer: dropout probability has to be between 0 and 1"
    ):
        nn.TransformerEncoderLayer(4, 2, dropout=-0.1)
    with pytest.raises(TypeError, match="TransformerEncoderLayer: nhead must be an int"):
        nn.TransformerEncoderLayer(4, 2.0)
    with pytest.raises(TypeError, match="TransformerEncoder: encoder_layer must be a Module"):
        nn.TransformerEncoder("layer", 2)
    with pytest.raises(ValueError, match="Transformer.*divisible"):
        nn.Transformer(6, 4)


def test_call_errors():
    t = nn.Transformer(D, NH, 1, 1, FF)
    with pytest.raises(
        ShapeError,
        match=r"Transformer: the batch number of src and tgt must be "
        r"equal, got shapes \(3, 2, 4\) and \(4, 3, 4\)",
    ):
        t(ag.randn(3, 2, D), ag.randn(4, 3, D))
    with pytest.raises(
        ShapeError, match="the feature number of src and tgt must be equal to d_model=4"
    ):
        t(ag.randn(3, 2, D), ag.randn(4, 2, 5))
    layer = nn.TransformerEncoderLayer(D, NH, FF)
    x = ag.randn(S, N, D, requires_grad=True)
    with pytest.raises(ValueError, match="need attn_mask if specifying the is_causal hint"):
        layer(x, is_causal=True)
    with pytest.raises(
        ShapeError,
        match=r"MultiheadAttention\(embed_dim=4, num_heads=2\): the "
        r"shape of the 2-D attn_mask is \(4, 4\), but should "
        r"be \(3, 3\)",
    ):
        layer(x, src_mask=ag.zeros(4, 4))
    with pytest.raises(
        ShapeError,
        match=r"expected key_padding_mask of shape \(2, 3\), got "
        r"\(3, 2\)",
    ):
        layer(x, src_key_padding_mask=ag.zeros(3, 2, dtype=ag.bool))
    with pytest.raises(ShapeError, match="expected query with embedding dimension 4"):
        layer(ag.randn(S, N, 5))
    with pytest.raises(
        TypeError,
        match="TransformerEncoderLayer: only bool and floating types of "
        "src_key_padding_mask are supported, got int64",
    ):
        layer(x, src_key_padding_mask=ag.zeros(2, 3, dtype=ag.int64))
    assert x.grad is None and all(p.grad is None for p in layer.parameters())
    with pytest.warns(UserWarning, match="mismatched src_key_padding_mask and mask"):
        nn.TransformerEncoder(layer, 1)(
            x, mask=ag.zeros(3, 3), src_key_padding_mask=ag.zeros(2, 3, dtype=ag.bool)
        )


# -- GPU ------------------------------------------------------------------------------------------


@pytest.mark.gpu
def test_encoder_layer_on_cuda_matches_cpu():
    cpu = nn.TransformerEncoderLayer(
        D, NH, FF, batch_first=True, norm_first=True, activation="gelu", dtype=ag.float64
    )
    cpu.eval()
    gpu = nn.TransformerEncoderLayer(
        D, NH, FF, batch_first=True, norm_first=True, activation="gelu", dtype=ag.float64
    ).to("cuda")
    gpu.eval()
    gpu.load_state_dict(cpu.state_dict())
    rng = np.random.default_rng(9)
    x_np, g_np = rng.standard_normal((N, S, D)), rng.standard_normal((N, S, D))
    kpm_np = np.array([[False, False, True], [False, True, True]])
    res = {}
    for dev, m in (("cpu", cpu), ("cuda", gpu)):
        x = ag.tensor(x_np, device=dev, requires_grad=True)
        mask = ag.tensor(_causal(S) == -np.inf, device=dev)  # bool, as the padding mask
        out = m(x, src_mask=mask, src_key_padding_mask=ag.tensor(kpm_np, device=dev))
        (out * ag.tensor(g_np, device=dev)).sum().backward()
        assert out.device.startswith(dev) and x.grad.device.startswith(dev)
        res[dev] = [out.detach().cpu().numpy(), x.grad.cpu().numpy()] + [
            p.grad.cpu().numpy() for p in m.parameters()
        ]
    for a, b in zip(res["cpu"], res["cuda"]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
