"""nn.utils.rnn packing (PackedSequence, pack/pad/unpack/unpad) and RNN/LSTM/GRU on packed input.

Torch-free: hand-computed layouts, round trips, each sequence's result equal to running it
alone, gradcheck and gradgradcheck (float64, random cotangents), errors. Then parity with
PyTorch (skipped without it): the layouts, and every output and gradient of the layers.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import ShapeError

R = nn.utils.rnn
PackedSequence = R.PackedSequence

KINDS = {  # name -> (class, extra constructor kwargs)
    "rnn_tanh": (nn.RNN, {}),
    "rnn_relu": (nn.RNN, {"nonlinearity": "relu"}),
    "lstm": (nn.LSTM, {}),
    "gru": (nn.GRU, {}),
}


def _np(t):
    return t.detach().numpy()


def _arange(*shape, requires_grad=False):
    """Float64 tensor 0, 1, 2, ... (so every element names its position)."""
    a = np.arange(float(np.prod(shape))).reshape(shape)
    return ag.tensor(a, requires_grad=requires_grad)


def _rand(*shape, seed=0, requires_grad=True):
    a = np.random.default_rng(seed).standard_normal(shape)
    return ag.tensor(a, requires_grad=requires_grad)


def _flat(v):
    if isinstance(v, PackedSequence) or hasattr(v, "batch_sizes"):  # ours or torch's
        return [v.data]
    if isinstance(v, (tuple, list)):
        return [a for b in v for a in _flat(b)]
    return [v]


# -- PackedSequence and the layouts, by hand --------------------------------------------------


def test_pack_padded_sequence_sorted_layout_by_hand():
    x = _arange(3, 3, 1)  # x[t, b] = 3 t + b
    p = R.pack_padded_sequence(x, [3, 2, 1])
    assert isinstance(p, tuple) and p._fields == (
        "data",
        "batch_sizes",
        "sorted_indices",
        "unsorted_indices",
    )
    assert p.batch_sizes.dtype == np.int64 and p.batch_sizes.device == "cpu"
    assert p.batch_sizes.tolist() == [3, 2, 1]
    assert _np(p.data)[:, 0].tolist() == [0, 1, 2, 3, 4, 6]  # step 0 of all, step 1 of two, ...
    assert p.sorted_indices is None and p.unsorted_indices is None
    data, batch_sizes, sorted_indices, unsorted_indices = p  # unpacks as a namedtuple
    assert data is p.data and sorted_indices is None


def test_pack_padded_sequence_unsorted_and_batch_first_by_hand():
    x = _arange(3, 3, 1)  # (B, T) with batch_first: x[b, t] = 3 b + t
    p = R.pack_padded_sequence(x, [1, 3, 2], batch_first=True, enforce_sorted=False)
    assert p.batch_sizes.tolist() == [3, 2, 1]
    assert p.sorted_indices.tolist() == [1, 2, 0]
    assert p.unsorted_indices.tolist() == [2, 0, 1]
    assert p.sorted_indices.dtype == np.int64
    # step 0 of sequences 1, 2, 0; step 1 of 1, 2; step 2 of 1
    assert _np(p.data)[:, 0].tolist() == [3, 6, 0, 4, 7, 5]
    # lengths as an int64 or float Tensor (truncated, as torch's .to(int64)) give the same
    for lengths in (ag.tensor([1, 3, 2]), ag.tensor([1.5, 3.0, 2.9])):
        q = R.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        assert _np(q.data)[:, 0].tolist() == [3, 6, 0, 4, 7, 5]
    # equal lengths keep their order (a stable sort)
    q = R.pack_padded_sequence(_arange(2, 4), [1, 2, 2, 1], enforce_sorted=False)
    assert q.sorted_indices.tolist() == [1, 2, 0, 3]


def test_pad_packed_sequence_by_hand_with_padding_value_and_total_length():
    x = _arange(3, 3, 1)
    p = R.pack_padded_sequence(x, [2, 3, 1], enforce_sorted=False)
    y, lengths = R.pad_packed_sequence(p, padding_value=-1.0, total_length=4)
    assert lengths.tolist() == [2, 3, 1] and lengths.dtype == np.int64
    assert lengths.device == "cpu"
    want = np.array([[0, 1, 2], [3, 4, -1], [-1, 7, -1], [-1, -1, -1]], dtype=float)
    np.testing.assert_array_equal(_np(y)[..., 0], want)
    yb, _ = R.pad_packed_sequence(p, batch_first=True)
    np.testing.assert_array_equal(_np(yb)[..., 0], np.where(want[:3] < 0, 0, want[:3]).T)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_pad_round_trip_with_trailing_dims(batch_first, enforce_sorted):
    lengths = [4, 3, 3, 1] if enforce_sorted else [3, 1, 4, 3]
    x = _rand(4, 4, 2, 3)
    mask = np.arange(4)[:, None] < np.array(lengths)[None, :]  # (T, B)
    if batch_first:
        mask = mask.T
    p = R.pack_padded_sequence(x, lengths, batch_first, enforce_sorted)
    assert p.data.shape == (sum(lengths), 2, 3)
    y, got = R.pad_packed_sequence(p, batch_first)
    assert got.tolist() == lengths
    np.testing.assert_array_equal(_np(y), np.where(mask[..., None, None], _np(x), 0))
    again = R.pack_padded_sequence(y, got, batch_first, enforce_sorted)
    np.testing.assert_array_equal(_np(again.data), _np(p.data))


def test_pack_sequence_unpack_sequence_unpad_sequence_round_trip():
    seqs = [_rand(n, 2, seed=n) for n in (2, 4, 1)]
    p = R.pack_sequence(seqs, enforce_sorted=False)
    assert p.batch_sizes.tolist() == [3, 2, 1, 1]
    assert p.sorted_indices.tolist() == [1, 0, 2]
    for a, b in zip(R.unpack_sequence(p), seqs):
        np.testing.assert_array_equal(_np(a), _np(b))
    padded = R.pad_sequence(seqs, batch_first=True)
    for a, b in zip(R.unpad_sequence(padded, ag.tensor([2, 4, 1]), batch_first=True), seqs):
        np.testing.assert_array_equal(_np(a), _np(b))
    out = R.unpad_sequence(R.pad_sequence(seqs), [2, 0, 1])
    assert [tuple(o.shape) for o in out] == [(2, 2), (0, 2), (1, 2)]
    # sorted input: no indices
    assert R.pack_sequence([seqs[1], seqs[0]]).sorted_indices is None


def test_packed_sequence_construction_and_conversions():
    p = R.pack_padded_sequence(_rand(3, 2, 2), [3, 1], enforce_sorted=False)
    q = PackedSequence(p.data, p.batch_sizes, p.sorted_indices)  # unsorted computed
    assert q.unsorted_indices.tolist() == p.unsorted_indices.tolist()
    r = PackedSequence((p.data, [3, 1, 1]))
    assert r.batch_sizes.dtype == np.int64 and r.batch_sizes.tolist() == [3, 1, 1]
    assert r.sorted_indices is None and r.unsorted_indices is None
    assert R.invert_permutation(ag.tensor([2, 0, 3, 1])).tolist() == [1, 3, 0, 2]
    assert R.invert_permutation(None) is None
    f = p.float()
    assert isinstance(f, PackedSequence) and f.data.dtype == np.float32
    assert f.batch_sizes is p.batch_sizes and f.sorted_indices.tolist() == [0, 1]
    assert f.double().data.dtype == np.float64
    assert p.double() is p and p.to("cpu") is p and p.cpu() is p  # already there: self
    assert not p.is_cuda and not p.is_pinned()
    x = _rand(4, 2)
    PackedSequence(x, [2, 1, 1]).float().data.sum().backward()  # the cast is differentiable
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((4, 2)))
    with pytest.raises(TypeError, match="PackedSequence: without batch_sizes"):
        PackedSequence(p.data)


# -- gradients of packing ---------------------------------------------------------------------


@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_and_pad_gradcheck_and_gradgradcheck(batch_first):
    x = _rand(3, 3, 2)

    def pack(x):
        return R.pack_padded_sequence(x, [1, 3, 2], batch_first, enforce_sorted=False).data

    def round_trip(x):
        p = R.pack_padded_sequence(x * x, [3, 2, 2], batch_first)
        return R.pad_packed_sequence(p, batch_first, padding_value=0.5, total_length=4)[0]

    for fn in (pack, round_trip):
        assert ag.gradcheck(fn, (x,))
        assert ag.gradgradcheck(fn, (x,))


def test_pad_packed_and_unpack_gradcheck_through_data():
    data = _rand(6, 2)
    bs, si = ag.tensor([3, 2, 1]), ag.tensor([2, 0, 1])

    def pad(d):
        return R.pad_packed_sequence(PackedSequence(d * d, bs, si), batch_first=True)[0]

    def unpack(d):
        return tuple(R.unpack_sequence(PackedSequence(d * d, bs, si)))

    def unpad(x):
        return tuple(R.unpad_sequence(x * x, [1, 3, 2]))

    for fn, arg in ((pad, data), (unpack, data), (unpad, _rand(3, 3, 2, seed=1))):
        assert ag.gradcheck(fn, (arg,))
        assert ag.gradgradcheck(fn, (arg,))


def test_padding_gets_zero_gradient():
    x = _rand(3, 2, 2)
    p = R.pack_padded_sequence(x, [3, 1])
    (p.data * _rand(4, 2, seed=3, requires_grad=False)).sum().backward()
    assert np.all(x.grad.numpy()[1:, 1] == 0) and np.all(x.grad.numpy()[:, 0] != 0)


# -- errors -----------------------------------------------------------------------------------


def test_packing_errors():
    x = ag.zeros(3, 2, 4)
    with pytest.raises(ValueError, match=r"pack_padded_sequence: `lengths` array must be sorted "
                                         r"in decreasing order .*got \[2, 3\]"):  # fmt: skip
        R.pack_padded_sequence(x, [2, 3])
    with pytest.raises(ValueError, match=r"pack_sequence: `lengths` array must be sorted"):
        R.pack_sequence([ag.zeros(1), ag.zeros(2)])
    with pytest.raises(ValueError, match=r"greater than 0, got lengths \[3, 0\]"):
        R.pack_padded_sequence(x, [3, 0])
    with pytest.raises(ValueError, match=r"pack_sequence: length of all samples"):
        R.pack_sequence([ag.zeros(2), ag.zeros(0)], enforce_sorted=False)
    with pytest.raises(ShapeError, match=r"lengths \[4, 2\] exceed the sequence length 3"):
        R.pack_padded_sequence(x, [4, 2])
    with pytest.raises(ShapeError, match=r"len\(lengths\) to be equal to batch_size, but got 3 "
                                         r"\(batch_size=2"):  # fmt: skip
        R.pack_padded_sequence(x, [3, 2, 1])
    with pytest.raises(ShapeError, match=r"lengths must be 1-D, got shape \(1, 2\)"):
        R.pack_padded_sequence(x, [[3, 2]])
    with pytest.raises(ShapeError, match=r"cannot pack empty tensors \(input shape \(3, 0, 4\)"):
        R.pack_padded_sequence(ag.zeros(3, 0, 4), [])
    with pytest.raises(ShapeError, match=r"pack_padded_sequence: input must be \(T, B, \*\)"):
        R.pack_padded_sequence(ag.zeros(3), [3])
    with pytest.raises(TypeError, match="pack_padded_sequence: input must be a Tensor"):
        R.pack_padded_sequence(np.zeros((3, 2)), [3, 2])
    with pytest.raises(ValueError, match="pack_sequence: received an empty list"):
        R.pack_sequence([])
    p = R.pack_padded_sequence(x, [3, 2])
    with pytest.raises(ValueError, match=r"pad_packed_sequence: Expected total_length to be at "
                                         r"least .* got total_length=2 and max sequence length "
                                         r"being 3"):  # fmt: skip
        R.pad_packed_sequence(p, total_length=2)
    with pytest.raises(TypeError, match="pad_packed_sequence: expected a PackedSequence"):
        R.pad_packed_sequence(x)
    msg = r"unpack_sequence: PackedSequence data has shape \(4, 4\), but batch_sizes \[3, 2\] sum"
    with pytest.raises(ShapeError, match=msg):
        R.unpack_sequence(PackedSequence(ag.zeros(4, 4), ag.tensor([3, 2])))
    with pytest.raises(ValueError, match=r"non-increasing run of positive counts, got \[1, 2\]"):
        R.pad_packed_sequence(PackedSequence(ag.zeros(3, 4), ag.tensor([1, 2])))
    with pytest.raises(ShapeError, match=r"unpad_sequence: lengths \[4, 1\] must lie in \[0, 3\]"):
        R.unpad_sequence(x, [4, 1])
    with pytest.raises(ShapeError, match=r"unpad_sequence: got 3 lengths for a batch of 2"):
        R.unpad_sequence(x, [1, 1, 1])


def test_pack_padded_batch_first_error_names_the_layout():
    msg = r"lengths \[3, 3\] exceed the sequence length 2 of the input \(shape \(2, 2\), batch_"
    with pytest.raises(ShapeError, match=msg + r"first=True\)"):
        R.pack_padded_sequence(ag.zeros(2, 2), [3, 3], batch_first=True)


# -- recurrent layers on packed input, torch-free ---------------------------------------------


def _model(kind, seed=0, **kw):
    cls, extra = KINDS[kind]
    ag.manual_seed(seed)
    return cls(3, 3, **extra, **kw, dtype=ag.float64)


def _hx(kind, layers, batch, seed=5, hidden=3, proj=None):
    h = _rand(layers, batch, proj or hidden, seed=seed)
    return (h, _rand(layers, batch, hidden, seed=seed + 1)) if kind == "lstm" else h


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_each_sequence_matches_running_it_alone(kind, bidirectional):
    """Packed output and h_n (c_n) of every sequence equal an unpacked run of that sequence
    alone, with its own column of hx (hx is given in the original order)."""
    m = _model(kind, num_layers=2, bidirectional=bidirectional)
    lengths = [2, 4, 1, 3]
    seqs = [_rand(n, 3, seed=10 + n) for n in lengths]
    hx = _hx(kind, 4 if bidirectional else 2, 4)
    out, state = m(R.pack_sequence(seqs, enforce_sorted=False), hx)
    assert isinstance(out, PackedSequence) and out.data.shape == (10, 6 if bidirectional else 3)
    assert out.batch_sizes.tolist() == [4, 3, 2, 1] and out.sorted_indices.tolist() == [1, 3, 0, 2]
    states = _flat(state)
    for b, (seq, got) in enumerate(zip(seqs, R.unpack_sequence(out))):
        hb = tuple(h[:, b : b + 1] for h in _flat(hx))
        alone, alone_state = m(seq[:, None], hb if kind == "lstm" else hb[0])
        np.testing.assert_allclose(_np(got), _np(alone)[:, 0], rtol=1e-12, atol=1e-13)
        for s, a in zip(states, _flat(alone_state)):
            np.testing.assert_allclose(_np(s)[:, b], _np(a)[:, 0], rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("kind", list(KINDS))
def test_packed_layer_gradcheck_and_gradgradcheck(kind):
    """Through the padded input (packed inside), hx and every parameter; first and second
    order, bidirectional so both directions' frozen steps are crossed."""
    m = KINDS[kind][0](2, 2, bidirectional=True, dtype=ag.float64, **KINDS[kind][1])
    x = _rand(3, 3, 2, seed=1)
    hx = _flat(_hx(kind, 2, 3, hidden=2))
    params = list(m.parameters())

    def fn(x, *rest):
        p = R.pack_padded_sequence(x, [1, 3, 2], enforce_sorted=False)
        h = rest[: len(hx)]
        out, state = m(p, tuple(h) if kind == "lstm" else h[0])
        return (out.data, *_flat(state))

    args = (x, *hx, *params)
    assert ag.gradcheck(fn, args)
    assert ag.gradgradcheck(fn, args)


def test_lstm_projection_packed_each_sequence_matches_running_it_alone():
    m = nn.LSTM(3, 4, proj_size=2, bidirectional=True, dtype=ag.float64)
    seqs = [_rand(n, 3, seed=n) for n in (1, 3, 2)]
    out, (h_n, c_n) = m(R.pack_sequence(seqs, enforce_sorted=False))
    assert h_n.shape == (2, 3, 2) and c_n.shape == (2, 3, 4)
    for b, seq in enumerate(seqs):
        alone, (h, c) = m(seq[:, None])
        np.testing.assert_allclose(_np(R.unpack_sequence(out)[b]), _np(alone)[:, 0], rtol=1e-12)
        np.testing.assert_allclose(_np(h_n)[:, b], _np(h)[:, 0], rtol=1e-12)
        np.testing.assert_allclose(_np(c_n)[:, b], _np(c)[:, 0], rtol=1e-12)


def test_packed_output_feeds_the_next_layer_and_batch_first_is_ignored():
    seqs = [_rand(n, 3, seed=n) for n in (2, 3)]
    p = R.pack_sequence(seqs, enforce_sorted=False)
    a, b = _model("lstm"), _model("lstm", batch_first=True)
    (out_a, (h_a, _)), (out_b, (h_b, _)) = a(p), b(p)
    np.testing.assert_array_equal(_np(out_a.data), _np(out_b.data))
    np.testing.assert_array_equal(_np(h_a), _np(h_b))
    g = _model("gru", seed=1)
    out, h = g(out_a)
    assert out.sorted_indices is p.sorted_indices and out.batch_sizes is p.batch_sizes
    y, lengths = R.pad_packed_sequence(out, batch_first=True)
    assert lengths.tolist() == [2, 3] and y.shape == (2, 3, 3)
    np.testing.assert_array_equal(_np(y)[0, 2], 0)  # padding past the short sequence's end
    np.testing.assert_allclose(_np(y)[1, 2], _np(h)[0, 1], rtol=1e-12)


def test_equal_lengths_match_the_unpacked_layer():
    m = _model("gru", num_layers=2, bidirectional=True)
    x = _rand(4, 3, 3)
    out, h = m(R.pack_padded_sequence(x, [4, 4, 4]))
    ref, ref_h = m(x)
    np.testing.assert_allclose(_np(R.pad_packed_sequence(out)[0]), _np(ref), rtol=1e-12)
    np.testing.assert_allclose(_np(h), _np(ref_h), rtol=1e-12)


def test_packed_float32_stays_float32():
    m = nn.LSTM(3, 2)
    p = R.pack_sequence([ag.randn(3, 3), ag.randn(2, 3)])
    out, (h, c) = m(p)
    assert out.data.dtype == h.dtype == c.dtype == np.float32


def _records(t):
    seen, stack = set(), [t._node]
    while stack:
        node = stack.pop()
        if node is None or isinstance(node, ag.Tensor) or id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(node.parents)
    return len(seen)


def test_packed_tape_does_not_grow_with_the_length():
    m = nn.LSTM(3, 2, num_layers=2, bidirectional=True)
    counts = []
    for n in (3, 30):
        x = ag.randn(n, 2, 3, requires_grad=True)
        counts.append(_records(m(R.pack_padded_sequence(x, [n, 2]))[0].data))
    assert counts[0] == counts[1] < 40


def test_packed_layer_errors():
    m = nn.LSTM(3, 2, num_layers=2)
    p = R.pack_sequence([ag.randn(3, 3), ag.randn(2, 3)])
    with pytest.raises(ShapeError, match=r"LSTM: packed input data must be 2-D .*\(5, 1, 3\)"):
        m(PackedSequence(ag.randn(5, 1, 3), p.batch_sizes))
    with pytest.raises(ShapeError, match="LSTM: input.size\\(-1\\) must be equal to input_size"):
        m(PackedSequence(ag.randn(5, 4), p.batch_sizes))
    with pytest.raises(TypeError, match="LSTM: input dtype float64 does not match weight"):
        m(p.double())
    with pytest.raises(ShapeError, match=r"LSTM: Expected hidden\[0\] size \(2, 2, 2\), got "
                                         r"\(2, 3, 2\)"):  # fmt: skip
        m(p, (ag.zeros(2, 3, 2), ag.zeros(2, 2, 2)))
    with pytest.raises(ShapeError, match=r"GRU: For batched 3-D input, hidden should also be 3-D"):
        nn.GRU(3, 2)(p, ag.zeros(1, 2))
    with pytest.raises(ShapeError, match=r"LSTM: PackedSequence data has shape \(4, 3\), but "
                                         r"batch_sizes \[2, 2, 1\] sum to 5"):  # fmt: skip
        m(PackedSequence(ag.randn(4, 3), p.batch_sizes))


@pytest.mark.gpu
def test_packed_layer_on_cuda_matches_cpu():
    cpu = nn.LSTM(3, 4, num_layers=2, bidirectional=True, dtype=ag.float64)
    gpu = nn.LSTM(3, 4, num_layers=2, bidirectional=True, dtype=ag.float64).to("cuda")
    gpu.load_state_dict(cpu.state_dict())
    x_np = np.random.default_rng(3).standard_normal((4, 3, 3))
    got = {}
    for dev, m in (("cpu", cpu), ("cuda", gpu)):
        x = ag.tensor(x_np, device=dev, requires_grad=True)
        p = R.pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False)
        assert p.sorted_indices.device.startswith(dev) and p.batch_sizes.device == "cpu"
        assert p.is_cuda == (dev == "cuda")
        out, (h, c) = m(p)
        y, lengths = R.pad_packed_sequence(out, batch_first=True)
        assert y.device.startswith(dev) and lengths.device == "cpu"
        g = np.random.default_rng(4)
        total = sum(
            (o * ag.tensor(g.standard_normal(o.shape), device=dev)).sum() for o in (y, h, c)
        )
        total.backward()
        got[dev] = [t.detach().cpu().numpy() for t in (y, h, c, x.grad)] + [
            q.grad.cpu().numpy() for q in m.parameters()
        ]
    for a, b in zip(got["cpu"], got["cuda"]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    moved = R.pack_sequence([ag.randn(2, 3)]).cuda()
    assert moved.is_cuda and moved.cpu().data.device == "cpu"


# -- against PyTorch --------------------------------------------------------------------------


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _pair(a, torch):
    """The same float64 leaf for us and for torch."""
    return ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


@pytest.mark.parametrize("trailing", [(), (2,)], ids=["2d", "3d"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_layouts_match_torch(torch, trailing, batch_first, enforce_sorted):
    TR = torch.nn.utils.rnn
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    shape = (4, 5) if batch_first else (5, 4)
    a = np.random.default_rng(0).standard_normal(shape + trailing)
    x, xt = _pair(a, torch)
    p = R.pack_padded_sequence(x, lengths, batch_first, enforce_sorted)
    pt = TR.pack_padded_sequence(xt, torch.tensor(lengths), batch_first, enforce_sorted)
    np.testing.assert_array_equal(_np(p.data), pt.data.detach().numpy())
    assert p.batch_sizes.tolist() == pt.batch_sizes.tolist()
    for ours, theirs in ((p.sorted_indices, pt.sorted_indices),
                         (p.unsorted_indices, pt.unsorted_indices)):  # fmt: skip
        assert (ours is None) == (theirs is None)
        assert ours is None or ours.tolist() == theirs.tolist()
    y, lens = R.pad_packed_sequence(p, batch_first, padding_value=-3.0, total_length=6)
    yt, lens_t = TR.pad_packed_sequence(pt, batch_first, padding_value=-3.0, total_length=6)
    np.testing.assert_array_equal(_np(y), yt.detach().numpy())
    assert lens.tolist() == lens_t.tolist()
    for u, ut in zip(R.unpack_sequence(p), TR.unpack_sequence(pt), strict=True):
        np.testing.assert_array_equal(_np(u), ut.detach().numpy())
    for u, ut in zip(R.unpad_sequence(y, lens, batch_first),
                     TR.unpad_sequence(yt.clone(), lens_t, batch_first), strict=True):  # fmt: skip
        np.testing.assert_array_equal(_np(u), ut.detach().numpy())
    # gradients back through the whole chain, random cotangent
    g = np.random.default_rng(1).standard_normal(tuple(yt.shape))
    (y * ag.tensor(g)).sum().backward()
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


def test_pack_sequence_matches_torch(torch):
    TR = torch.nn.utils.rnn
    arrays = [np.random.default_rng(n).standard_normal((n, 2)) for n in (2, 4, 1, 4)]
    ours = R.pack_sequence([ag.tensor(a) for a in arrays], enforce_sorted=False)
    theirs = TR.pack_sequence([torch.tensor(a) for a in arrays], enforce_sorted=False)
    np.testing.assert_array_equal(_np(ours.data), theirs.data.numpy())
    assert ours.batch_sizes.tolist() == theirs.batch_sizes.tolist()
    assert ours.sorted_indices.tolist() == theirs.sorted_indices.tolist()


def _load(ours, torch_cls, torch, **kw):
    theirs = torch_cls(**kw, dtype=torch.float64)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    return theirs


@pytest.mark.parametrize("given_hx", [False, True], ids=["zero_hx", "given_hx"])
@pytest.mark.parametrize("enforce_sorted", [True, False], ids=["sorted", "unsorted"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_packed_layer_matches_torch(torch, kind, bidirectional, enforce_sorted, given_hx):
    """Output data, h_n, c_n and every gradient (padded input, hx, parameters), 2 layers."""
    cls, extra = KINDS[kind]
    kw = dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=bidirectional, **extra)
    ag.manual_seed(7)
    ours = cls(**kw, dtype=ag.float64)
    theirs = _load(ours, getattr(torch.nn, cls.__name__), torch, **kw)
    lengths = [5, 3, 2, 1] if enforce_sorted else [2, 5, 1, 3]
    rng = np.random.default_rng(11)
    x, xt = _pair(rng.standard_normal((4, 5, 3)), torch)  # batch-first padded input
    layers = 2 * (2 if bidirectional else 1)
    hx = hxt = None
    if given_hx:
        pairs = [_pair(rng.standard_normal((layers, 4, 4)), torch)]
        if kind == "lstm":
            pairs.append(_pair(rng.standard_normal((layers, 4, 4)), torch))
        hx = tuple(a for a, _ in pairs) if kind == "lstm" else pairs[0][0]
        hxt = tuple(b for _, b in pairs) if kind == "lstm" else pairs[0][1]
    p = R.pack_padded_sequence(x, lengths, True, enforce_sorted)
    pt = torch.nn.utils.rnn.pack_padded_sequence(xt, lengths, True, enforce_sorted)
    out, out_t = ours(p, hx), theirs(pt, hxt)
    assert isinstance(out[0], PackedSequence) and out[0].batch_sizes.tolist() == [4, 3, 2, 1, 1]
    assert out[0].sorted_indices is p.sorted_indices
    fo, ft = _flat(out), _flat(out_t)
    assert len(fo) == len(ft) == (3 if kind == "lstm" else 2)
    total = 0
    for a, b in zip(fo, ft):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(_np(a), b.detach().numpy(), rtol=1e-10, atol=1e-12)
        g = rng.standard_normal(tuple(b.shape))
        total = total + (a * ag.tensor(g)).sum()
        b.backward(torch.tensor(g), retain_graph=True)
    total.backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    for h, ht in zip(_flat(hx) if given_hx else [], _flat(hxt) if given_hx else []):
        np.testing.assert_allclose(h.grad.numpy(), ht.grad.numpy(), rtol=1e-10, atol=1e-12)
    named = dict(theirs.named_parameters())
    for name, q in ours.named_parameters():
        np.testing.assert_allclose(q.grad.numpy(), named[name].grad.numpy(), rtol=1e-10,
                                   atol=1e-12, err_msg=name)  # fmt: skip


def test_packed_lstm_projection_matches_torch(torch):
    kw = dict(input_size=3, hidden_size=4, proj_size=2, num_layers=2, bidirectional=True)
    ours = nn.LSTM(**kw, dtype=ag.float64)
    theirs = _load(ours, torch.nn.LSTM, torch, **kw)
    arrays = [np.random.default_rng(n).standard_normal((n, 3)) for n in (3, 1, 4)]
    pairs = [_pair(a, torch) for a in arrays]
    out, (h, c) = ours(R.pack_sequence([a for a, _ in pairs], enforce_sorted=False))
    out_t, (ht, ct) = theirs(
        torch.nn.utils.rnn.pack_sequence([b for _, b in pairs], enforce_sorted=False)
    )
    rng = np.random.default_rng(2)
    total = 0
    for a, b in ((out.data, out_t.data), (h, ht), (c, ct)):
        np.testing.assert_allclose(_np(a), b.detach().numpy(), rtol=1e-10, atol=1e-12)
        g = rng.standard_normal(tuple(b.shape))
        total = total + (a * ag.tensor(g)).sum()
        b.backward(torch.tensor(g), retain_graph=True)
    total.backward()
    for a, b in pairs:
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)
    named = dict(theirs.named_parameters())
    for name, q in ours.named_parameters():
        np.testing.assert_allclose(q.grad.numpy(), named[name].grad.numpy(), rtol=1e-10,
                                   atol=1e-12, err_msg=name)  # fmt: skip


def test_torch_raises_where_we_raise(torch):
    """The errors we copy are torch's errors too (same conditions)."""
    TR = torch.nn.utils.rnn
    for ours, theirs in (
        (lambda: R.pack_padded_sequence(ag.zeros(3, 2), [2, 3]),
         lambda: TR.pack_padded_sequence(torch.zeros(3, 2), [2, 3])),
        (lambda: R.pack_padded_sequence(ag.zeros(3, 2), [3, 0]),
         lambda: TR.pack_padded_sequence(torch.zeros(3, 2), [3, 0])),
        (lambda: R.pack_padded_sequence(ag.zeros(3, 2), [3, 2, 1]),
         lambda: TR.pack_padded_sequence(torch.zeros(3, 2), [3, 2, 1])),
        (lambda: R.pad_packed_sequence(R.pack_padded_sequence(ag.zeros(3, 2), [3, 2]), False,
                                       0.0, 2),
         lambda: TR.pad_packed_sequence(TR.pack_padded_sequence(torch.zeros(3, 2), [3, 2]),
                                        False, 0.0, 2)),
    ):  # fmt: skip
        with pytest.raises((ValueError, RuntimeError)):
            ours()
        with pytest.raises((ValueError, RuntimeError)):
            theirs()
