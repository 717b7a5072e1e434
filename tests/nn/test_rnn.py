"""RNN, LSTM, GRU and their cells against PyTorch: outputs, final states, every gradient,
state_dict round trips, reprs, init, errors; gradcheck and gradgradcheck in float64."""

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

L, N, I, H = 4, 3, 5, 4  # sequence, batch, input and hidden sizes of the parity tests

KINDS = {  # name -> (our class, torch class, extra constructor kwargs)
    "rnn_tanh": (nn.RNN, "RNN", {}),
    "rnn_relu": (nn.RNN, "RNN", {"nonlinearity": "relu"}),
    "lstm": (nn.LSTM, "LSTM", {}),
    "gru": (nn.GRU, "GRU", {}),
}
CELLS = {
    "rnn_tanh": (nn.RNNCell, "RNNCell", {}),
    "rnn_relu": (nn.RNNCell, "RNNCell", {"nonlinearity": "relu"}),
    "lstm": (nn.LSTMCell, "LSTMCell", {}),
    "gru": (nn.GRUCell, "GRUCell", {}),
}
TORCH_DT = {np.float32: torch.float32, np.float64: torch.float64}


def _tol(dtype):
    return dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=2e-4, atol=2e-5)


def _flat(v):
    if isinstance(v, (tuple, list)):
        return [a for b in v for a in _flat(b)]
    return [v]


def _to_torch(ours, theirs):
    """Copy our parameters into the torch module through its own load_state_dict."""
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})


def _make(table, kind, dtype, *args, **kw):
    cls, tname, extra = table[kind]
    ours = cls(*args, **extra, **kw, dtype=dtype)
    theirs = getattr(torch.nn, tname)(*args, **extra, **kw, dtype=TORCH_DT[dtype])
    _to_torch(ours, theirs)
    return ours, theirs


def _leaf(a, dtype):
    a = a.astype(dtype)
    return ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _compare(ours, theirs, x_np, hx_np=None, dtype=np.float64, seed=1):
    """Forward both with the same input and hx (an array, a tuple of arrays or None), compare
    every output; backward with one random cotangent per output; compare the input, hx and
    parameter gradients."""
    tol = _tol(dtype)
    x, xt = _leaf(x_np, dtype)
    hx = hxt = None
    if hx_np is not None:
        pairs = [_leaf(h, dtype) for h in _flat(hx_np)]
        hx = tuple(p[0] for p in pairs) if isinstance(hx_np, tuple) else pairs[0][0]
        hxt = tuple(p[1] for p in pairs) if isinstance(hx_np, tuple) else pairs[0][1]
    out = ours(x) if hx is None else ours(x, hx)
    out_t = theirs(xt) if hxt is None else theirs(xt, hxt)
    assert isinstance(out, tuple) == isinstance(out_t, tuple)  # the same nesting of results
    if isinstance(out, tuple):
        assert len(out) == len(out_t)
        assert [isinstance(a, tuple) for a in out] == [isinstance(b, tuple) for b in out_t]
    fo, ft = _flat(out), _flat(out_t)
    rng = np.random.default_rng(seed)
    total = 0
    for a, b in zip(fo, ft):
        assert tuple(a.shape) == tuple(b.shape)
        assert a.dtype == dtype
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **tol)
        g = rng.standard_normal(tuple(b.shape)).astype(dtype)
        total = total + (a * ag.tensor(g)).sum()
        b.backward(torch.tensor(g), retain_graph=True)
    total.backward()
    assert x.grad.dtype == dtype
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), **tol)
    for h, ht in zip(_flat(hx), _flat(hxt)):
        if h is not None:
            np.testing.assert_allclose(h.grad.numpy(), ht.grad.numpy(), **tol)
    named_t = dict(theirs.named_parameters())
    names = [n for n, _ in ours.named_parameters()]
    assert names == list(named_t)
    for name, p in ours.named_parameters():
        assert p.grad is not None and p.grad.dtype == dtype, name
        np.testing.assert_allclose(p.grad.numpy(), named_t[name].grad.numpy(), err_msg=name,
                                   **tol)  # fmt: skip
    return out


def _hx(kind, shape, hidden, rng, proj=None):
    """Random initial state: (h, c) for an LSTM (h's last size ``proj`` when given)."""
    if kind == "lstm":
        hshape = shape[:-1] + (proj or hidden,)
        return (rng.standard_normal(hshape), rng.standard_normal(shape[:-1] + (hidden,)))
    return rng.standard_normal(shape[:-1] + (hidden,))


# -- layers against torch ------------------------------------------------------------------------

CONFIGS = [
    {},
    {"num_layers": 2},
    {"bidirectional": True},
    {"num_layers": 2, "bidirectional": True, "batch_first": True},
    {"batch_first": True},
    {"bias": False, "num_layers": 2},
]


@pytest.mark.parametrize("given_hx", [False, True], ids=["default_hx", "given_hx"])
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items())
                         or "plain")  # fmt: skip
@pytest.mark.parametrize("kind", list(KINDS))
def test_layer_matches_torch(kind, config, given_hx):
    ours, theirs = _make(KINDS, kind, np.float64, I, H, **config)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, L, I) if config.get("batch_first") else (L, N, I))
    dirs = 2 if config.get("bidirectional") else 1
    hx = _hx(kind, (config.get("num_layers", 1) * dirs, N, H), H, rng) if given_hx else None
    out = _compare(ours, theirs, x, hx)
    lead = (N, L) if config.get("batch_first") else (L, N)
    assert out[0].shape == lead + (dirs * H,)


@pytest.mark.parametrize("given_hx", [False, True], ids=["default_hx", "given_hx"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("kind", list(KINDS))
def test_layer_unbatched_input_matches_torch(kind, batch_first, given_hx):
    ours, theirs = _make(KINDS, kind, np.float64, I, H, num_layers=2, bidirectional=True,
                         batch_first=batch_first)  # fmt: skip
    rng = np.random.default_rng(2)
    hx = _hx(kind, (4, H), H, rng) if given_hx else None
    out = _compare(ours, theirs, rng.standard_normal((L, I)), hx)
    assert out[0].shape == (L, 2 * H)
    h_n = out[1][0] if kind == "lstm" else out[1]
    assert h_n.shape == (4, H)


@pytest.mark.parametrize("kind", list(KINDS))
def test_layer_float32_matches_torch_and_stays_float32(kind):
    ours, theirs = _make(KINDS, kind, np.float32, I, H, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(3)
    _compare(ours, theirs, rng.standard_normal((L, N, I)), _hx(kind, (4, N, H), H, rng),
             dtype=np.float32)  # fmt: skip


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "config", [{}, {"num_layers": 2, "bidirectional": True}, {"bias": False, "batch_first": True}]
)
def test_lstm_projection_matches_torch(config, dtype):
    ours, theirs = _make(KINDS, "lstm", dtype, I, H, proj_size=2, **config)
    assert ours.weight_hr_l0.shape == (2, H) and ours.weight_hh_l0.shape == (4 * H, 2)
    rng = np.random.default_rng(4)
    dirs = 2 if config.get("bidirectional") else 1
    layers = config.get("num_layers", 1)
    x = rng.standard_normal((N, L, I) if config.get("batch_first") else (L, N, I))
    _compare(ours, theirs, x, dtype=dtype)
    ours.zero_grad(), theirs.zero_grad()
    out = _compare(ours, theirs, x, _hx("lstm", (layers * dirs, N, H), H, rng, proj=2),
                   dtype=dtype)  # fmt: skip
    assert out[1][0].shape == (layers * dirs, N, 2) and out[1][1].shape == (layers * dirs, N, H)


@pytest.mark.parametrize("kind", list(KINDS))
def test_eval_mode_with_dropout_is_deterministic_and_matches_torch(kind):
    ours, theirs = _make(KINDS, kind, np.float64, I, H, num_layers=3, dropout=0.5)
    ours.eval(), theirs.eval()
    x = np.random.default_rng(5).standard_normal((L, N, I))
    first = _compare(ours, theirs, x)
    again = ours(ag.tensor(x))
    for a, b in zip(_flat(first), _flat(again)):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_training_dropout_applies_between_layers_only(kind):
    """In training, layer k+1 reads dropout(output of layer k), the last output is not dropped:
    the stack equals two one-layer modules with F.dropout between them, same RNG state."""
    cls = KINDS[kind][0]
    net = cls(I, H, num_layers=2, dropout=0.4, bidirectional=True, dtype=ag.float64)
    lower = cls(I, H, bidirectional=True, dtype=ag.float64)
    upper = cls(2 * H, H, bidirectional=True, dtype=ag.float64)
    sd = net.state_dict()
    lower.load_state_dict({k: v for k, v in sd.items() if "_l0" in k})
    upper.load_state_dict({k.replace("_l1", "_l0"): v for k, v in sd.items() if "_l1" in k})
    x = rand64(L, N, I, seed=6)
    ag.manual_seed(123)
    out, state = net(x)
    ag.manual_seed(123)
    mid, s0 = lower(x)
    ref, s1 = upper(F.dropout(mid, 0.4, True))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
    h = state[0] if kind == "lstm" else state
    h0, h1 = (s0[0], s1[0]) if kind == "lstm" else (s0, s1)
    both = np.concatenate([h0.detach().numpy(), h1.detach().numpy()])
    np.testing.assert_allclose(h.detach().numpy(), both, rtol=1e-12)
    ag.manual_seed(7)
    a = net(x)[0].detach().numpy()
    ag.manual_seed(8)
    b = net(x)[0].detach().numpy()
    assert not np.allclose(a, b)  # dropout is really on in training
    net.eval()
    np.testing.assert_array_equal(net(x)[0].detach().numpy(), net(x)[0].detach().numpy())


def test_empty_batch_matches_torch():
    ours, theirs = _make(KINDS, "lstm", np.float64, I, H, num_layers=2)
    out, (h, c) = ours(ag.zeros(L, 0, I, dtype=ag.float64))
    ot, (ht, _) = theirs(torch.zeros(L, 0, I, dtype=torch.float64))
    assert out.shape == tuple(ot.shape) == (L, 0, H) and h.shape == tuple(ht.shape) == (2, 0, H)


def test_no_grad_records_nothing():
    lstm = nn.LSTM(I, H, num_layers=2, bidirectional=True)
    with ag.no_grad():
        out, (h, c) = lstm(ag.randn(L, N, I))
    assert not out.requires_grad and not h.requires_grad and not c.requires_grad


# -- cells against torch ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("given_hx", [False, True], ids=["default_hx", "given_hx"])
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("kind", list(CELLS))
def test_cell_matches_torch(kind, batched, given_hx, bias, dtype):
    ours, theirs = _make(CELLS, kind, dtype, I, H, bias=bias)
    rng = np.random.default_rng(9)
    lead = (N,) if batched else ()
    hx = _hx(kind, lead + (H,), H, rng) if given_hx else None
    out = _compare(ours, theirs, rng.standard_normal(lead + (I,)), hx, dtype=dtype)
    for o in _flat(out):
        assert o.shape == lead + (H,)


def test_cell_unrolled_equals_layer():
    """An LSTMCell stepped over time gives the one-layer LSTM's outputs and final state."""
    layer = nn.LSTM(I, H, dtype=ag.float64)
    cell = nn.LSTMCell(I, H, dtype=ag.float64)
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = rand64(L, N, I, seed=10)
    out, (h_n, c_n) = layer(x)
    hc = None
    for t in range(L):
        hc = cell(x[t], hc)
        np.testing.assert_allclose(hc[0].detach().numpy(), out[t].detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(hc[1].detach().numpy(), c_n[0].detach().numpy(), rtol=1e-12)


# -- gradcheck and gradgradcheck (float64, tiny sizes) -------------------------------------------


def _check(fn, args, fast=False):
    assert ag.gradcheck(fn, args, atol=1e-6, rtol=1e-4)
    assert ag.gradgradcheck(fn, args, atol=1e-6, rtol=1e-4, fast_mode=fast)


@pytest.mark.parametrize("kind", list(CELLS))
def test_cell_gradcheck_and_gradgradcheck(kind):
    cell = CELLS[kind][0](2, 3, **CELLS[kind][2], dtype=ag.float64)
    params = tuple(cell.parameters())
    x, h, c = rand64(2, 2, seed=1), rand64(2, 3, seed=2), rand64(2, 3, seed=3, away_from=[0])
    if kind == "lstm":
        _check(lambda x, h, c, *p: cell(x, (h, c)), (x, h, c) + params)
    else:
        _check(lambda x, h, *p: cell(x, h), (x, h) + params)


@pytest.mark.parametrize(
    "kind, config",
    [
        ("rnn_tanh", {"bidirectional": True}),
        ("rnn_relu", {}),
        ("lstm", {}),
        ("lstm", {"proj_size": 2}),
        ("gru", {"bias": False}),
        ("gru", {}),
    ],
)
def test_sequence_gradcheck_and_gradgradcheck(kind, config):
    """Seq 3, batch 2, hidden 3: the whole recurrence, through every step, to second order."""
    cls, _, extra = KINDS[kind]
    m = cls(2, 3, **extra, **config, dtype=ag.float64)
    dirs = 2 if config.get("bidirectional") else 1
    x = rand64(3, 2, 2, seed=11)
    h = rand64(dirs, 2, config.get("proj_size") or 3, seed=12)
    params = tuple(m.parameters())
    if kind == "lstm":
        c = rand64(dirs, 2, 3, seed=13)
        _check(lambda x, h, c, *p: _flat(m(x, (h, c))), (x, h, c) + params)
    else:
        _check(lambda x, h, *p: _flat(m(x, h)), (x, h) + params)


def test_gru_two_layer_bidirectional_gradcheck_and_gradgradcheck():
    gru = nn.GRU(2, 3, num_layers=2, bidirectional=True, dtype=ag.float64)
    x, h = rand64(3, 2, 2, seed=14), rand64(4, 2, 3, seed=15)
    params = tuple(gru.parameters())

    def fn(x, h, *p):
        return gru(x, h)

    # first order element by element through everything; second order element by element
    # through the input, the state and a weight of each layer, and for every parameter along
    # a random direction (fast mode): the full element-wise check takes seconds
    assert ag.gradcheck(fn, (x, h) + params, atol=1e-6, rtol=1e-4)
    assert ag.gradgradcheck(fn, (x, h) + params, atol=1e-6, rtol=1e-4, fast_mode=True)
    some = (gru.weight_hh_l0_reverse, gru.bias_hh_l1)

    def fn2(x, h, w, b):
        return gru(x, h)

    assert ag.gradgradcheck(fn2, (x, h) + some, atol=1e-6, rtol=1e-4)


# -- the two backward paths ------------------------------------------------------------------------
# First order (create_graph off) runs a hand-written backward on arrays from the gate activations
# forward kept; under create_graph the rule recomputes the gates with autograd ops. They must agree.

PATHS = [
    ("rnn_tanh", {}),
    ("rnn_relu", {"bidirectional": True}),
    ("lstm", {}),
    ("lstm", {"proj_size": 2, "bidirectional": True}),
    ("gru", {}),
    ("gru", {"bias": False, "bidirectional": True}),
]


def _both_paths(m, kind, packed, seed, device="cpu"):
    """(first-order grads, create_graph grads) of m's outputs w.r.t. x, hx and every parameter,
    for random cotangents; x (L, N, I) = (4, 3, 5), packed with lengths [4, 2, 3] if asked."""
    rng = np.random.default_rng(seed)
    dirs = 2 if m.bidirectional else 1
    x = ag.tensor(rng.standard_normal((L, N, I)), device=device, requires_grad=True)
    hx = _hx(kind, (2 * dirs, N, H), H, rng, proj=m.proj_size or None)
    hx = tuple(ag.tensor(a, device=device, requires_grad=True) for a in _flat(hx))
    inp = nn.utils.rnn.pack_padded_sequence(x, [4, 2, 3], enforce_sorted=False) if packed else x
    out, state = m(inp, hx if kind == "lstm" else hx[0])
    outs = [out.data if packed else out] + _flat(state)
    cots = [ag.tensor(rng.standard_normal(tuple(o.shape)), device=device) for o in outs]
    leaves = [x, *hx, *m.parameters()]
    first = ag.grad(outs, leaves, cots, retain_graph=True)
    second = ag.grad(outs, leaves, cots, create_graph=True)
    return first, second


@pytest.mark.parametrize("packed", [False, True], ids=["padded", "packed"])
@pytest.mark.parametrize("kind, config", PATHS)
def test_first_order_backward_equals_the_create_graph_backward(kind, config, packed):
    cls, _, extra = KINDS[kind]
    m = cls(I, H, num_layers=2, **extra, **config, dtype=ag.float64)
    first, second = _both_paths(m, kind, packed, seed=21)
    assert len(first) == len(second) == 2 + (kind == "lstm") + len(list(m.parameters()))
    for a, b in zip(first, second):
        assert not a.requires_grad and b.requires_grad  # array path, then a recorded graph
        assert np.abs(a.numpy()).max() > 0
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-11, atol=1e-13)


@pytest.mark.gpu
@pytest.mark.parametrize("kind, config", PATHS[1::2], ids=["rnn_relu", "lstm_proj", "gru_nobias"])
def test_first_order_backward_equals_the_create_graph_backward_on_cuda(kind, config):
    cls, _, extra = KINDS[kind]
    m = cls(I, H, num_layers=2, **extra, **config, dtype=ag.float64).to("cuda")
    first, second = _both_paths(m, kind, True, seed=22, device="cuda")
    for a, b in zip(first, second):
        assert a.device.startswith("cuda") and b.requires_grad
        np.testing.assert_allclose(a.cpu().numpy(), b.detach().cpu().numpy(), rtol=1e-11,
                                   atol=1e-13)  # fmt: skip


@pytest.mark.parametrize("kind", list(KINDS))
def test_backward_twice_with_retain_graph_gives_the_same_gradients(kind):
    """The first-order backward reads the activations forward kept and must not change them."""
    cls, _, extra = KINDS[kind]
    m = cls(I, H, num_layers=2, bidirectional=True, **extra, dtype=ag.float64)
    x = ag.tensor(np.random.default_rng(3).standard_normal((L, N, I)), requires_grad=True)
    out = _flat(m(x))
    g = [ag.tensor(np.random.default_rng(4 + i).standard_normal(o.shape)) for i, o in
         enumerate(out)]  # fmt: skip
    leaves = [x, *m.parameters()]
    once = ag.grad(out, leaves, g, retain_graph=True)
    twice = ag.grad(out, leaves, g)
    for a, b in zip(once, twice):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_saturated_gates_match_torch(kind, dtype):
    """Pre-activations out to about +-60, one at -1000 (e^-a overflows: sigmoid 0, no warning);
    and a gate held near e^-20 keeps its relative precision: LSTM's output gate (so h ~ 1e-9),
    GRU's update gate (h ~ n), compared to torch with no absolute tolerance."""
    ours, theirs = _make(KINDS, kind, dtype, I, H, num_layers=2)
    with ag.no_grad():
        for p in ours.parameters():
            p.mul_(12.0)
        ours.bias_ih_l0[0] = -1000.0  # one unit of the first gate: e^1000 overflows float64
    _to_torch(ours, theirs)
    x_np = np.random.default_rng(5).standard_normal((L, N, I)) * 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _compare(ours, theirs, x_np, dtype=dtype)
    ours, theirs = _make(KINDS, kind, dtype, I, H)
    gate = slice(3 * H, 4 * H) if kind == "lstm" else slice(H, 2 * H)
    with ag.no_grad():
        ours.bias_ih_l0[gate] = -20.0
    _to_torch(ours, theirs)
    x, xt = _leaf(x_np / 3, dtype)
    out, out_t = ours(x)[0], theirs(xt)[0]
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(out.detach().numpy(), out_t.detach().numpy(), rtol=rtol, atol=0)
    g = np.random.default_rng(6).standard_normal(out.shape).astype(dtype)
    out.backward(ag.tensor(g))
    out_t.backward(torch.tensor(g))
    gb, gbt = ours.bias_ih_l0.grad.numpy()[gate], theirs.bias_ih_l0.grad.numpy()[gate]
    assert np.abs(gb).max() < 1e-6  # the gate's own gradient is ~e^-20 small ...
    np.testing.assert_allclose(gb, gbt, rtol=100 * rtol, atol=0)  # ... yet accurate


# -- parameters, state_dict, init, repr ------------------------------------------------------------

REPR_CASES = [
    ("RNN", (3, 4), {}),
    ("RNN", (3, 4, 2), {"nonlinearity": "relu", "bias": False}),
    ("LSTM", (3, 4), {"num_layers": 2, "batch_first": True, "dropout": 0.5}),
    ("LSTM", (3, 4), {"proj_size": 2, "bidirectional": True}),
    ("GRU", (3, 4), {"bidirectional": True, "bias": False, "dropout": 0.25, "num_layers": 3}),
    ("RNNCell", (3, 4), {}),
    ("RNNCell", (3, 4, False, "relu"), {}),
    ("LSTMCell", (3, 4), {"bias": False}),
    ("GRUCell", (3, 4), {}),
]


@pytest.mark.parametrize("name, args, kw", REPR_CASES)
def test_repr_parameter_names_and_shapes_match_torch(name, args, kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(ours) == repr(theirs)
    shapes = [(n, tuple(p.shape)) for n, p in ours.named_parameters()]
    assert shapes == [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    for attr in ("input_size", "hidden_size", "bias", "num_layers", "batch_first", "dropout",
                 "bidirectional", "proj_size", "mode", "nonlinearity"):  # fmt: skip
        if hasattr(theirs, attr):
            assert getattr(ours, attr) == getattr(theirs, attr), attr
    if hasattr(theirs, "_flat_weights_names"):
        assert ours._flat_weights_names == theirs._flat_weights_names
        assert ours._all_weights == theirs._all_weights
        aw, awt = ours.all_weights, theirs.all_weights
        assert [[tuple(p.shape) for p in ws] for ws in aw] == [
            [tuple(p.shape) for p in ws] for ws in awt
        ]
        assert aw[0][0] is ours.weight_ih_l0
        ours.flatten_parameters()  # a no-op, there for PyTorch code


@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN", "LSTMCell"])
def test_state_dict_round_trip_to_and_from_torch(name):
    kw = {} if name == "LSTMCell" else {"num_layers": 2, "bidirectional": True}
    if name == "LSTM":
        kw["proj_size"] = 2
    theirs = getattr(torch.nn, name)(I, H, dtype=torch.float64, **kw)
    ours = getattr(nn, name)(I, H, dtype=ag.float64, **kw)
    res = ours.load_state_dict(theirs.state_dict())  # torch -> ours, torch tensors as values
    assert not res.missing_keys and not res.unexpected_keys
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for k, v in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[k].numpy(), v.numpy())
    x = np.random.default_rng(16).standard_normal((L, N, I) if name != "LSTMCell" else (N, I))
    a = _flat(ours(ag.tensor(x)))
    b = _flat(theirs(torch.tensor(x)))
    for u, v in zip(a, b):
        np.testing.assert_allclose(u.detach().numpy(), v.detach().numpy(), rtol=1e-10)
    fresh = getattr(torch.nn, name)(I, H, dtype=torch.float64, **kw)  # ours -> torch
    fresh.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    for k, v in fresh.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), theirs.state_dict()[k].numpy())


@pytest.mark.parametrize("make", [
    lambda: nn.LSTM(7, 64, num_layers=2, bidirectional=True, proj_size=5),
    lambda: nn.GRU(7, 64),
    lambda: nn.RNN(7, 64, bias=False),
    lambda: nn.LSTMCell(7, 64),
    lambda: nn.GRUCell(7, 64),
    lambda: nn.RNNCell(7, 64),
])  # fmt: skip
def test_init_is_uniform_over_one_over_sqrt_hidden(make):
    m = make()
    bound = 1 / math.sqrt(64)
    allv = []
    for name, p in m.named_parameters():
        v = p.detach().numpy()
        assert p.dtype == np.float32 and p.requires_grad
        assert v.min() >= -bound and v.max() <= bound, name
        allv.append(v.ravel())
    allv = np.concatenate(allv)
    assert allv.min() < -0.95 * bound and allv.max() > 0.95 * bound
    assert abs(allv.std() - bound / math.sqrt(3)) < 0.05 * bound


def test_init_generator_dtype_and_reset_parameters():
    a = nn.GRU(3, 4, num_layers=2, generator=np.random.default_rng(0))
    b = nn.GRU(3, 4, num_layers=2, generator=np.random.default_rng(0))
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    before = a.weight_hh_l1.detach().numpy().copy()
    a.reset_parameters(np.random.default_rng(1))
    assert not np.array_equal(before, a.weight_hh_l1.detach().numpy())
    c = nn.LSTMCell(3, 4, dtype=ag.float64)
    assert all(p.dtype == np.float64 for p in c.parameters())
    assert c(ag.randn(2, 3, dtype=ag.float64))[0].dtype == np.float64


def test_rnn_accepts_torch_positional_order():
    m = nn.RNN(3, 4, 2, "relu", False)  # input, hidden, num_layers, nonlinearity, bias
    assert m.num_layers == 2 and m.nonlinearity == "relu" and m.bias is False
    assert m.mode == "RNN_RELU"
    out, h = m(ag.randn(2, 1, 3))
    assert (out.detach().numpy() >= 0).all()


# -- errors ---------------------------------------------------------------------------------------


def test_layer_input_errors():
    lstm = nn.LSTM(10, 20, num_layers=2)
    with pytest.raises(ShapeError, match=r"LSTM: input.size\(-1\) must be equal to input_size. "
                                         r"Expected 10, got 7"):  # fmt: skip
        lstm(ag.randn(5, 3, 7))
    with pytest.raises(ShapeError, match=r"LSTM: Expected input to be 2D or 3D, got 4D"):
        lstm(ag.randn(5, 3, 2, 10))
    with pytest.raises(ShapeError, match=r"GRU: Expected input to be 2D or 3D, got 1D"):
        nn.GRU(10, 20)(ag.randn(10))
    with pytest.raises(ShapeError, match="RNN: Expected sequence length to be larger than 0"):
        nn.RNN(10, 20)(ag.randn(0, 3, 10))
    with pytest.raises(TypeError, match="LSTM: input dtype float64 does not match weight dtype "
                                        "float32"):  # fmt: skip
        lstm(ag.randn(5, 3, 10, dtype=ag.float64))
    with pytest.raises(TypeError, match="GRU: expected a Tensor input, got list"):
        nn.GRU(1, 2)([[[1.0]]])


def test_layer_hidden_state_errors():
    lstm = nn.LSTM(10, 20, num_layers=2)
    x = ag.randn(5, 3, 10)
    h, c = ag.zeros(2, 3, 20), ag.zeros(2, 3, 20)
    with pytest.raises(ShapeError, match=r"LSTM: Expected hidden\[0\] size \(2, 3, 20\), got "
                                         r"\(2, 5, 20\)"):  # fmt: skip
        lstm(x, (ag.zeros(2, 5, 20), c))
    with pytest.raises(ShapeError, match=r"LSTM: Expected hidden\[1\] size \(2, 3, 20\), got "
                                         r"\(1, 3, 20\)"):  # fmt: skip
        lstm(x, (h, ag.zeros(1, 3, 20)))
    with pytest.raises(ShapeError, match=r"LSTM: For batched 3-D input, hidden\[0\] should also "
                                         r"be 3-D but got 2-D"):  # fmt: skip
        lstm(x, (ag.zeros(2, 20), c))
    with pytest.raises(TypeError, match=r"LSTM: hx must be a tuple \(h_0, c_0\)"):
        lstm(x, h)
    with pytest.raises(TypeError, match=r"LSTM: hidden\[1\] dtype float64 does not match"):
        lstm(x, (h, ag.zeros(2, 3, 20, dtype=ag.float64)))
    gru = nn.GRU(10, 20, bidirectional=True)
    with pytest.raises(ShapeError, match=r"GRU: Expected hidden size \(2, 3, 20\), got "
                                         r"\(1, 3, 20\)"):  # fmt: skip
        gru(x, ag.zeros(1, 3, 20))
    with pytest.raises(ShapeError, match=r"GRU: For unbatched 2-D input, hidden should also be "
                                         r"2-D but got 3-D"):  # fmt: skip
        gru(ag.randn(5, 10), ag.zeros(2, 1, 20))
    with pytest.raises(ShapeError, match=r"GRU: Expected hidden size \(2, 20\), got \(2, 19\)"):
        gru(ag.randn(5, 10), ag.zeros(2, 19))
    proj = nn.LSTM(10, 20, proj_size=4)
    with pytest.raises(ShapeError, match=r"Expected hidden\[0\] size \(1, 3, 4\), got "
                                         r"\(1, 3, 20\)"):  # fmt: skip
        proj(x, (ag.zeros(1, 3, 20), ag.zeros(1, 3, 20)))


def test_errors_come_before_any_work():
    gru = nn.GRU(10, 20)
    x = ag.randn(5, 3, 10, requires_grad=True)
    with pytest.raises(ShapeError):
        gru(x, ag.zeros(1, 4, 20))
    assert x.grad is None and all(p.grad is None for p in gru.parameters())


def test_constructor_errors():
    with pytest.raises(ValueError, match=r"LSTM: dropout should be a number in range \[0, 1\]"):
        nn.LSTM(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match="GRU: dropout should be a number"):
        nn.GRU(3, 4, dropout=-0.1)
    with pytest.raises(ValueError, match="RNN: dropout should be a number"):
        nn.RNN(3, 4, dropout=True)
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.5)
    with pytest.raises(TypeError, match="LSTM: hidden_size must be an int, got float 2.5"):
        nn.LSTM(3, 2.5)
    with pytest.raises(TypeError, match="GRU: input_size must be an int, got str"):
        nn.GRU("3", 4)
    with pytest.raises(TypeError, match="RNN: num_layers must be an int, got bool"):
        nn.RNN(3, 4, True)
    with pytest.raises(ValueError, match="LSTM: hidden_size must be >= 1, got 0"):
        nn.LSTM(3, 0)
    with pytest.raises(ValueError, match="GRU: num_layers must be >= 1, got 0"):
        nn.GRU(3, 4, num_layers=0)
    with pytest.raises(TypeError, match="LSTM: bias should be of type bool, got: int"):
        nn.LSTM(3, 4, bias=1)
    with pytest.raises(TypeError, match="GRU: batch_first should be of type bool"):
        nn.GRU(3, 4, batch_first="yes")
    with pytest.raises(ValueError, match="RNN: Unknown nonlinearity 'sigmoid'"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="RNNCell: Unknown nonlinearity 'gelu'"):
        nn.RNNCell(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match="GRU: proj_size argument is only supported for LSTM"):
        nn.GRU(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="RNN: proj_size argument is only supported for LSTM"):
        nn.RNN(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="LSTM: proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(TypeError, match="LSTMCell: hidden_size must be an int"):
        nn.LSTMCell(3, 4.0)
    with pytest.raises(TypeError, match="GRUCell: bias should be of type bool"):
        nn.GRUCell(3, 4, bias=None)


def test_cell_errors():
    cell = nn.LSTMCell(10, 20)
    with pytest.raises(ShapeError, match=r"LSTMCell: input.size\(-1\) must be equal to "
                                         r"input_size. Expected 10, got 7"):  # fmt: skip
        cell(ag.randn(3, 7))
    with pytest.raises(ShapeError, match="LSTMCell: Expected input to be 1D or 2D, got 3D"):
        cell(ag.randn(1, 3, 10))
    with pytest.raises(ShapeError, match=r"LSTMCell: Expected hx\[1\] size \(3, 20\) for input "
                                         r"of shape \(3, 10\), got \(2, 20\)"):  # fmt: skip
        cell(ag.randn(3, 10), (ag.zeros(3, 20), ag.zeros(2, 20)))
    with pytest.raises(TypeError, match=r"LSTMCell: hx must be a tuple \(h, c\)"):
        cell(ag.randn(3, 10), ag.zeros(3, 20))
    gru = nn.GRUCell(10, 20)
    with pytest.raises(ShapeError, match=r"GRUCell: Expected hidden size \(20,\) for input of "
                                         r"shape \(10,\), got \(1, 20\)"):  # fmt: skip
        gru(ag.randn(10), ag.zeros(1, 20))
    with pytest.raises(ShapeError, match=r"RNNCell: Expected hidden size \(3, 20\) for input of "
                                         r"shape \(3, 10\), got \(3, 21\)"):  # fmt: skip
        nn.RNNCell(10, 20)(ag.randn(3, 10), ag.zeros(3, 21))
    with pytest.raises(TypeError, match="GRUCell: input dtype float64 does not match weight"):
        gru(ag.randn(3, 10, dtype=ag.float64))


# -- GPU ------------------------------------------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn_relu"])
def test_layer_on_cuda_matches_cpu(kind):
    cls, _, extra = KINDS[kind]
    cpu = cls(I, H, num_layers=2, bidirectional=True, batch_first=True, **extra,
              dtype=ag.float64)  # fmt: skip
    gpu = cls(I, H, num_layers=2, bidirectional=True, batch_first=True, **extra,
              dtype=ag.float64).to("cuda")  # fmt: skip
    gpu.load_state_dict(cpu.state_dict())
    rng = np.random.default_rng(17)
    x_np = rng.standard_normal((N, L, I))
    outs = {}
    for dev, m in (("cpu", cpu), ("cuda", gpu)):
        x = ag.tensor(x_np, device=dev, requires_grad=True)
        out = _flat(m(x))
        g = np.random.default_rng(18)
        total = sum((o * ag.tensor(g.standard_normal(o.shape), device=dev)).sum() for o in out)
        total.backward()
        assert all(o.device.startswith(dev) for o in out) and x.grad.device.startswith(dev)
        outs[dev] = (
            [o.detach().cpu().numpy() for o in out]
            + [x.grad.cpu().numpy()]
            + [p.grad.cpu().numpy() for p in m.parameters()]
        )
    for a, b in zip(outs["cpu"], outs["cuda"]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def _records(t):
    """How many tape records the graph behind tensor ``t`` holds."""
    seen, stack = set(), [t._node]
    while stack:
        node = stack.pop()
        if node is None or isinstance(node, ag.Tensor) or id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(node.parents)
    return len(seen)


@pytest.mark.parametrize("kind", list(KINDS))
def test_tape_holds_a_few_records_per_layer_whatever_the_length(kind):
    """The input projection is one matmul per layer and direction and the recurrence one op:
    the graph does not grow with the sequence length (so backward stays linear in it)."""
    m = KINDS[kind][0](I, H, num_layers=2, bidirectional=True, **KINDS[kind][2])
    counts = [_records(_flat(m(ag.randn(n, N, I, requires_grad=True)))[0]) for n in (2, 40)]
    assert counts[0] == counts[1] < 40


def test_a_weight_swapped_for_a_computed_tensor_is_used():
    # the weight-drop pattern: the parameter is replaced by a tensor computed from another one
    ag.manual_seed(0)
    m = nn.LSTM(3, 4)
    raw = m.weight_hh_l0
    del m.weight_hh_l0
    m.weight_hh_l0_raw = nn.Parameter(raw.detach())
    m.weight_hh_l0 = m.weight_hh_l0_raw * 0.5
    x = ag.randn(5, 2, 3)
    out, _ = m(x)
    out.sum().backward()
    assert m.weight_hh_l0_raw.grad is not None
    ref = nn.LSTM(3, 4)
    ref.load_state_dict({k: v for k, v in m.state_dict().items() if k != "weight_hh_l0_raw"}
                        | {"weight_hh_l0": (raw * 0.5).detach()})  # fmt: skip
    np.testing.assert_allclose(out.detach().numpy(), ref(x)[0].detach().numpy(), rtol=1e-6)
