"""``autocast`` through composite layers, against PyTorch's CPU autocast in float16 (and torch's
CUDA lists on the fake CuPy): ``ag.checkpoint`` recomputing under the first run's autocast
state, ``nn.MultiheadAttention`` and the Transformer layers taking a float16 input with float32
weights, and the recurrent layers and cells (torch's RNN ops per device)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import autograd as ag
import nn

F16, F32, F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
TOL = 3e-2  # float16 rounding, as test_amp.py


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _rng(seed=0):
    return np.random.default_rng(seed)


def _flat(out):
    """The tensors of a layer's output, flattened: (out, h) and (out, (h, c)) alike."""
    if isinstance(out, (tuple, list)):
        return [t for v in out for t in _flat(v)]
    return [] if out is None else [out]


def _close(ours, theirs, tol=TOL):
    a = ours.detach().numpy().astype(np.float64)
    b = theirs.detach().double().numpy()
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol * (1 + np.abs(b).max()))


def _dtype(t) -> str:
    return str(t.dtype).replace("torch.", "")


def _backward(torch, outs, touts, seed=1):
    """Both sums of out * cotangent (random, float64) backpropagated."""
    r = _rng(seed)
    loss = tloss = 0
    for o, to in zip(outs, touts):
        cot = r.standard_normal(tuple(o.shape))
        loss = loss + (o.to(ag.float64) * ag.tensor(cot)).sum()
        tloss = tloss + (to.double() * torch.tensor(cot)).sum()
    loss.backward()
    tloss.backward()


def _same_grads(ours, theirs, tol=TOL):
    """Parameters of two layers with torch's names: same gradient dtypes and values."""
    tp = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert p.grad is not None and p.grad.dtype == p.dtype == F32, name
        assert _dtype(tp[name].grad) == "float32", name
        _close(p.grad, tp[name].grad, tol)


# -- checkpoint ------------------------------------------------------------------------------------


def _block(seed=0):
    ag.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def _grads(block, x0, cot, how, device="cpu", autocast=True):
    """Gradients of (block(x) * cot).sum() (x, then the parameters), block run as ``how``
    (None: plainly; True/False: ag.checkpoint with that use_reentrant) under autocast."""
    block.zero_grad()
    x = x0.detach().requires_grad_()
    with ag.autocast(device, enabled=autocast):
        y = block(x) if how is None else ag.checkpoint(block, x, use_reentrant=how)
    (y.float() * cot).sum().backward()
    return y.dtype, [x.grad.numpy()] + [p.grad.numpy() for p in block.parameters()]


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_checkpoint_recomputes_under_the_forward_autocast_state(torch, use_reentrant):
    """The recomputation in backward runs under the autocast state of the forward (float16
    matmuls), so the gradients are exactly those without checkpointing, and torch's."""
    block = _block()
    x0 = ag.tensor(_rng(0).standard_normal((5, 4)), dtype=ag.float32)
    cot = ag.tensor(_rng(1).standard_normal((5, 3)), dtype=ag.float32)
    dt, ref = _grads(block, x0, cot, None)
    dtc, got = _grads(block, x0, cot, use_reentrant)
    assert dt == dtc == F16
    for a, b in zip(ref, got):
        assert a.dtype == b.dtype == F32
        np.testing.assert_array_equal(a, b)

    # torch's checkpoint, same weights
    tblock = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    tblock.load_state_dict({k: torch.tensor(v.numpy()) for k, v in block.state_dict().items()})
    tx = torch.tensor(x0.numpy(), requires_grad=True)
    with torch.autocast("cpu", dtype=torch.float16):
        ty = torch.utils.checkpoint.checkpoint(tblock, tx, use_reentrant=use_reentrant)
    (ty.float() * torch.tensor(cot.numpy())).sum().backward()
    tgrads = [tx.grad] + [p.grad for p in tblock.parameters()]
    for a, b in zip(got, tgrads):
        np.testing.assert_allclose(a, b.numpy(), rtol=TOL, atol=TOL * (1 + np.abs(b.numpy()).max()))

    # a call made with autocast off recomputes in float32, even with backward inside a region
    dt, ref = _grads(block, x0, cot, None, autocast=False)
    block.zero_grad()
    x = x0.detach().requires_grad_()
    with ag.autocast("cpu"), ag.autocast("cpu", enabled=False):
        y = ag.checkpoint(block, x, use_reentrant=use_reentrant)
    assert dt == y.dtype == F32
    with ag.autocast("cpu"):
        (y * cot).sum().backward()
    for a, b in zip(ref, [x.grad.numpy()] + [p.grad.numpy() for p in block.parameters()]):
        np.testing.assert_array_equal(a, b)
    assert not ag.is_autocast_enabled("cpu") and ag.amp._active[0] == 0


@pytest.mark.gpu
@pytest.mark.parametrize("use_reentrant", [True, False])
def test_checkpoint_recomputes_under_cuda_autocast(use_reentrant):
    block = _block().to("cuda")
    x0 = ag.randn(5, 4, device="cuda")
    cot = ag.randn(5, 3, device="cuda")
    dt, ref = _grads(block, x0, cot, None, "cuda")
    dtc, got = _grads(block, x0, cot, use_reentrant, "cuda")
    assert dt == dtc == F16
    for a, b in zip(ref, got):
        assert a.dtype == b.dtype == F32
        np.testing.assert_array_equal(a, b)


# -- multi-head attention and the Transformer layers ---------------------------------------------


def _mha_pair(torch, **kw):
    ag.manual_seed(0)
    ours = nn.MultiheadAttention(8, 2, **kw)
    theirs = torch.nn.MultiheadAttention(8, 2, **kw)
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("first", ["float32", "float16"])
def test_multihead_attention_under_autocast_matches_torch(torch, first, need_weights):
    """A float16 (or float32) query with float32 weights: output and weights in torch's dtypes
    (float16 on the CPU), values and gradients (float32 for the weights, the input's dtype
    for the input) within float16 rounding. Outside autocast the mix is still refused."""
    ours, theirs = _mha_pair(torch)
    x = _rng(2).standard_normal((3, 2, 8))
    q = ag.tensor(x, dtype=first, requires_grad=True)
    tq = torch.tensor(x, dtype=getattr(torch, first), requires_grad=True)
    mask = np.triu(np.ones((3, 3), bool), 1)
    with ag.autocast("cpu"):
        out, w = ours(q, q, q, need_weights=need_weights, attn_mask=ag.tensor(mask))
    with torch.autocast("cpu", dtype=torch.float16):
        tout, tw = theirs(tq, tq, tq, need_weights=need_weights, attn_mask=torch.tensor(mask))
    assert str(out.dtype) == _dtype(tout) == "float16"
    assert (w is None) == (tw is None) and (w is None or str(w.dtype) == _dtype(tw))
    _close(out, tout)
    _backward(torch, [out], [tout])
    assert q.grad.dtype == q.dtype and _dtype(tq.grad) == str(q.dtype)
    _close(q.grad, tq.grad)
    _same_grads(ours, theirs)
    if first == "float16":
        with pytest.raises(TypeError, match="in_proj_weight dtype float32 does not match the "):
            ours(q, q, q)
    with ag.autocast("cpu"), pytest.raises(TypeError, match="dtype float32 does not match the"):
        ours(q.double(), q.double(), q.double())  # float64 is never cast


def test_multihead_attention_kdim_bias_kv_batch_first_under_autocast(torch):
    """Separate projections (kdim, vdim), bias_k/bias_v, add_zero_attn, batch_first and a key
    padding mask: a float16 query with float32 key, value and weights, as torch."""
    kw = dict(kdim=6, vdim=5, add_bias_kv=True, add_zero_attn=True, batch_first=True)
    ours, theirs = _mha_pair(torch, **kw)
    r = _rng(3)
    xs = [r.standard_normal(s) for s in ((2, 3, 8), (2, 4, 6), (2, 4, 5))]
    q, k, v = (ag.tensor(a, dtype=d, requires_grad=True) for a, d in zip(xs, (F16, F32, F32)))
    tq, tk, tv = (
        torch.tensor(a, dtype=d, requires_grad=True)
        for a, d in zip(xs, (torch.float16, torch.float32, torch.float32))
    )
    kpm = np.array([[False, False, True, False], [False] * 4])
    with ag.autocast("cpu"):
        out, w = ours(q, k, v, key_padding_mask=ag.tensor(kpm), average_attn_weights=False)
    with torch.autocast("cpu", dtype=torch.float16):
        tout, tw = theirs(
            tq, tk, tv, key_padding_mask=torch.tensor(kpm), average_attn_weights=False
        )
    assert str(out.dtype) == _dtype(tout) and str(w.dtype) == _dtype(tw)
    assert tuple(w.shape) == tuple(tw.shape)
    _close(out, tout)
    _close(w, tw)
    _backward(torch, [out, w], [tout, tw])
    for t, tt in ((q, tq), (k, tk), (v, tv)):
        assert t.grad.dtype == t.dtype and _dtype(tt.grad) == str(t.dtype)
        _close(t.grad, tt.grad)
    _same_grads(ours, theirs)


def _transformer_pair(torch, kind, **kw):
    ag.manual_seed(0)
    ours = getattr(nn, kind)(8, 2, 16, dropout=0.0, **kw)
    theirs = getattr(torch.nn, kind)(8, 2, 16, dropout=0.0, **kw)
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("first", ["float32", "float16"])
@pytest.mark.parametrize("kind", ["TransformerEncoderLayer", "TransformerDecoderLayer"])
def test_transformer_layers_under_autocast_match_torch(torch, kind, first, norm_first):
    """Encoder and decoder layers (float16 or float32 input, float32 weights): output dtype as
    torch's (a float32 residual keeps the output float32 on the CPU), values and gradients
    within float16 rounding."""
    ours, theirs = _transformer_pair(torch, kind, norm_first=norm_first)
    r = _rng(4)
    xs = [r.standard_normal((3, 2, 8))] + [r.standard_normal((4, 2, 8))] * ("Decoder" in kind)
    args = [ag.tensor(a, dtype=first, requires_grad=True) for a in xs]
    targs = [torch.tensor(a, dtype=getattr(torch, first), requires_grad=True) for a in xs]
    with ag.autocast("cpu"):
        out = ours(*args)
    with torch.autocast("cpu", dtype=torch.float16):
        tout = theirs(*targs)
    assert str(out.dtype) == _dtype(tout) == first
    _close(out, tout)
    _backward(torch, [out], [tout])
    for a, ta in zip(args, targs):
        assert a.grad.dtype == a.dtype and _dtype(ta.grad) == first
        _close(a.grad, ta.grad)
    _same_grads(ours, theirs)


@pytest.mark.gpu
def test_multihead_attention_under_cuda_autocast():
    """torch's CUDA lists: projections and bmm in float16, softmax in float32 (so the returned
    weights are float32), the output float16; float32 gradients for the weights. The encoder
    layer's output is float32: layer_norm is on CUDA's float32 list."""
    ag.manual_seed(0)
    mha = nn.MultiheadAttention(8, 2).to("cuda")
    enc = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0).to("cuda")
    q = ag.randn(3, 2, 8, device="cuda").half().requires_grad_()
    with ag.autocast("cuda"):
        out, w = mha(q, q, q)
        out2, none = mha(q, q, q, need_weights=False)
        y = enc(q)
    assert out.dtype == out2.dtype == F16 and w.dtype == y.dtype == F32 and none is None
    (out.float().sum() + w.sum() + out2.float().sum() + y.float().sum()).backward()
    assert q.grad.dtype == F16 and q.grad.device.startswith("cuda")
    for p in list(mha.parameters()) + list(enc.parameters()):
        assert p.grad.dtype == F32
    with pytest.raises(TypeError, match="does not match the query dtype"):
        mha(q, q, q)


# -- recurrent layers and cells --------------------------------------------------------------------

_ONEDNN = "could not create a primitive descriptor"  # torch's float16 oneDNN LSTM on this CPU


def _rnn_pair(torch, kind, *size, **kw):
    ag.manual_seed(0)
    torch.manual_seed(0)  # the weights both use: unseeded, float16 tolerances failed 1 in 5
    ours = getattr(nn, kind)(*size, **kw)
    theirs = getattr(torch.nn, kind)(*size, **kw)
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def _tensors(torch, arrays, dtypes):
    ours = [
        None if a is None else ag.tensor(a, dtype=d, requires_grad=True)
        for a, d in zip(arrays, dtypes)
    ]
    theirs = [
        None if a is None else torch.tensor(a, dtype=getattr(torch, d), requires_grad=True)
        for a, d in zip(arrays, dtypes)
    ]
    return ours, theirs


def _hx(hs, lstm):
    if hs[0] is None:
        return None
    return tuple(hs) if lstm else hs[0]


# kind, extra constructor kwargs, cell?
RNN_KINDS = {
    "RNN": ("RNN", {"num_layers": 2}, False),
    "RNN_relu": ("RNN", {"nonlinearity": "relu", "bidirectional": True}, False),
    "LSTM": ("LSTM", {"num_layers": 2}, False),
    "LSTM_proj": ("LSTM", {"proj_size": 3}, False),
    "GRU": ("GRU", {"num_layers": 2, "batch_first": True}, False),
    "RNNCell": ("RNNCell", {}, True),
    "RNNCell_relu": ("RNNCell", {"nonlinearity": "relu"}, True),
    "LSTMCell": ("LSTMCell", {}, True),
    "GRUCell": ("GRUCell", {}, True),
}
# input dtype, state dtypes (None: no hx); LSTM states are (h, c)
RNN_DTYPES = [
    ("float32", None),
    ("float16", None),
    ("float16", ("float32", "float32")),
    ("float32", ("float16", "float16")),
    ("float16", ("float16", "float32")),
]


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
@pytest.mark.parametrize("dtypes", RNN_DTYPES, ids=lambda d: f"{d[0]}-{d[1]}")
@pytest.mark.parametrize("case", sorted(RNN_KINDS))
def test_recurrent_layers_under_cpu_autocast_match_torch(torch, case, dtypes):
    """nn.RNN/LSTM/GRU and the cells with float32 parameters under CPU autocast: the output
    and state dtypes torch gives (float16 for the RNNs; the recurrent state's dtype for GRU,
    the LSTM off oneDNN and the LSTM/GRU cells), values within float16 rounding, float32
    parameter gradients and each input's gradient in its dtype."""
    kind, kw, cell = RNN_KINDS[case]
    lstm = kind.startswith("LSTM")
    first, states = dtypes
    ours, theirs = _rnn_pair(torch, kind, 4, 5, **kw)
    r = _rng(5)
    x = r.standard_normal((3, 4) if cell else (3, 3, 4))
    if states is None:
        hs, sdt = [None], [first]
    else:
        dirs = 1 if cell else (2 if kw.get("bidirectional") else 1) * kw.get("num_layers", 1)
        hsize = kw.get("proj_size") or 5
        shapes = [(3, 5)] * 2 if cell else [(dirs, 3, hsize), (dirs, 3, 5)]
        shapes = shapes[: 2 if lstm else 1]
        hs, sdt = [r.standard_normal(s) for s in shapes], list(states[: 2 if lstm else 1])
    (xa, *ha), (tx, *th) = _tensors(torch, [x] + hs, [first] + sdt)
    with ag.autocast("cpu"):
        out = ours(xa, _hx(ha, lstm))
    onednn = False
    try:
        with torch.autocast("cpu", dtype=torch.float16):
            tout = theirs(tx, _hx(th, lstm))
    except RuntimeError as e:  # torch's oneDNN LSTM (a float32 input) lacks float16 here:
        assert _ONEDNN in str(e) and lstm and first == "float32"
        onednn = True  # its float16 result is the float16 input's (all cast to float16)
        tx = torch.tensor(x, dtype=torch.float16, requires_grad=True)
        th = [None if h is None else h.detach().half().requires_grad_() for h in th]
        with torch.autocast("cpu", dtype=torch.float16):
            tout = theirs(tx, _hx(th, lstm))
    outs, touts = _flat(out), _flat(tout)
    assert [str(o.dtype) for o in outs] == [_dtype(t) for t in touts], case
    for o, t in zip(outs, touts):
        _close(o, t)
    _backward(torch, outs, touts)
    for a, ta in zip([xa] + ha, [tx] + th):
        if a is None:
            continue
        assert a.grad.dtype == a.dtype
        if not onednn:
            assert _dtype(ta.grad) == str(a.dtype)
        _close(a.grad, ta.grad)
    _same_grads(ours, theirs)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
@pytest.mark.parametrize("lengths", [[3, 2, 1], [3, 3, 3]])
def test_packed_recurrences_under_cpu_autocast_match_torch(torch, kind, lengths):
    """Packed sequences: the GRU and the ragged LSTM keep the state's dtype (float32), the
    LSTM with equal lengths runs on torch's oneDNN path (float16)."""
    ours, theirs = _rnn_pair(torch, kind, 4, 5)
    x = _rng(6).standard_normal((3, 3, 4))
    xa = ag.tensor(x, dtype=ag.float32, requires_grad=True)
    tx = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    with ag.autocast("cpu"):
        out = ours(nn.utils.rnn.pack_padded_sequence(xa, lengths))
    onednn = kind == "LSTM" and len(set(lengths)) == 1
    if onednn:  # torch's oneDNN float16 LSTM fails on this CPU: compare with its float16 input
        tx = torch.tensor(x, dtype=torch.float16, requires_grad=True)
    with torch.autocast("cpu", dtype=torch.float16):
        tout = theirs(torch.nn.utils.rnn.pack_padded_sequence(tx, lengths))
    outs = [out[0].data] + _flat(out[1])
    touts = [tout[0].data] + _flat(tout[1])
    want = "float16" if onednn else "float32"
    assert [str(o.dtype) for o in outs] == [_dtype(t) for t in touts] == [want] * len(outs)
    for o, t in zip(outs, touts):
        _close(o, t)
    _backward(torch, outs, touts)
    assert xa.grad.dtype == F32
    _close(xa.grad, tx.grad)
    _same_grads(ours, theirs)


def test_recurrent_layers_refuse_float64_under_autocast():
    """float64 is never cast: a float64 input to a float32 layer is still refused, naming it
    (and outside autocast a float16 input to a float32 layer is, too)."""
    lstm, cell = nn.LSTM(4, 5), nn.GRUCell(4, 5)
    x64 = ag.randn(3, 2, 4, dtype=ag.float64)
    with ag.autocast("cpu"):
        with pytest.raises(TypeError, match="LSTM: input dtype float64 does not match weight"):
            lstm(x64)
        with pytest.raises(TypeError, match=r"LSTM: hidden\[1\] dtype float64 does not match"):
            lstm(x64.half(), (ag.zeros(1, 2, 5), ag.zeros(1, 2, 5, dtype=ag.float64)))
        with pytest.raises(TypeError, match="GRUCell: input dtype float64 does not match"):
            cell(x64[0])
        assert cell(x64[0].half()).dtype == F16
    with pytest.raises(TypeError, match="GRUCell: input dtype float16 does not match"):
        cell(x64[0].half())


@pytest.mark.gpu
@pytest.mark.parametrize("case", sorted(RNN_KINDS))
def test_recurrent_layers_under_cuda_autocast_are_float16(case):
    """On CUDA torch runs the recurrences in float16 (cuDNN's _cudnn_rnn and the *_cell ops
    are lower precision): every output and state float16, whatever the input's and the
    state's dtypes, the same values as the float16 layer; float32 parameter gradients."""
    kind, kw, cell = RNN_KINDS[case]
    lstm = kind.startswith("LSTM")
    ag.manual_seed(0)
    layer = getattr(nn, kind)(4, 5, **kw).to("cuda")
    half = copy.deepcopy(layer).half()
    x = ag.randn(*((2, 4) if cell else (2, 2, 4)), device="cuda").requires_grad_()
    if cell:
        hs = [ag.randn(2, 5, device="cuda") for _ in range(1 + lstm)]
    else:
        dirs = (2 if kw.get("bidirectional") else 1) * kw.get("num_layers", 1)
        hsize = kw.get("proj_size") or 5
        hs = [ag.randn(dirs, 2, hsize, device="cuda")]
        hs += [ag.randn(dirs, 2, 5, device="cuda")] * lstm
    hs = [h.requires_grad_() for h in hs]
    with ag.autocast("cuda"):
        out = layer(x, _hx(hs, lstm))
    ref = half(x.detach().half(), _hx([h.detach().half() for h in hs], lstm))
    for o, want in zip(_flat(out), _flat(ref)):
        assert o.dtype == F16 and o.device.startswith("cuda")
        np.testing.assert_array_equal(o.detach().cpu().numpy(), want.detach().cpu().numpy())
    sum(o.float().sum() for o in _flat(out)).backward()
    for t in [x] + hs:
        assert t.grad.dtype == F32
    for p in layer.parameters():
        assert p.grad.dtype == F32 and p.grad.device.startswith("cuda")
