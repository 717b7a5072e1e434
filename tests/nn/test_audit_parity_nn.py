"""nn behaviours an API audit against PyTorch found wrong (each test failed before its fix)."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import autograd as ag
import nn


class FrozenBN(nn.Module):
    """A block that keeps its BatchNorm in eval mode whatever train() says."""

    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm1d(3)

    def train(self, mode: bool = True):
        super().train(mode)
        self.bn.eval()
        return self

    def forward(self, x):
        return self.bn(x)


def test_train_calls_each_childs_own_train():
    model = nn.Sequential(nn.Linear(3, 3), FrozenBN())
    model.eval()
    model.train()
    assert model.training and model[0].training and not model[1].bn.training
    model(ag.ones(4, 3))
    np.testing.assert_array_equal(model[1].bn.running_mean.numpy(), np.zeros(3))


def test_moduledict_and_parameterdict_take_each_other_and_pairs():
    a = nn.ModuleDict({"x": nn.Linear(2, 2), "y": nn.ReLU()})
    b = nn.ModuleDict(a)
    assert list(b.keys()) == ["x", "y"] and b["x"] is a["x"]
    c = nn.ModuleDict()
    c.update(a)
    assert list(c) == ["x", "y"]
    p = nn.ParameterDict([("w", ag.ones(2)), ("v", ag.zeros(3))])
    assert list(p.keys()) == ["w", "v"] and isinstance(p["w"], nn.Parameter)
    q = nn.ParameterDict(p)
    assert q["v"] is p["v"]
    assert q.get("nope") is None and q.pop("w") is p["w"] and list(q) == ["v"]
    q.clear()
    assert len(q) == 0


def test_sequential_insert_refuses_to_rename_named_modules():
    named = nn.Sequential(OrderedDict([("conv", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    with pytest.raises(ValueError, match="the modules have names \\(conv, act\\)"):
        named.insert(1, nn.Tanh())
    assert list(named._modules) == ["conv", "act"]
    plain = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    plain.insert(1, nn.Tanh())
    assert isinstance(plain[1], nn.Tanh) and len(plain) == 3


def test_a_refused_batchnorm_call_changes_no_state():
    bn = nn.BatchNorm1d(3, momentum=None)
    with pytest.raises(Exception, match="."):
        bn(ag.ones(1, 3))  # a batch of one in training is refused
    assert bn.num_batches_tracked.item() == 0
    bn(ag.tensor(np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]], dtype=np.float32)))
    assert bn.num_batches_tracked.item() == 1
    np.testing.assert_allclose(bn.running_mean.numpy(), np.ones(3))  # the cumulative average


def test_sequential_arithmetic_and_reset_parameters():
    a, b = nn.Sequential(nn.Linear(2, 2)), nn.Sequential(nn.ReLU(), nn.Tanh())
    c = a + b
    assert [type(m) for m in c] == [nn.Linear, nn.ReLU, nn.Tanh] and c[0] is a[0]
    assert len(a * 3) == 3 and (a * 3)[2] is a[0] and len(2 * b) == 4
    a += b
    assert len(a) == 3
    with pytest.raises(ValueError, match="positive int"):
        a * 0
    for m in (nn.LayerNorm(3), nn.GroupNorm(1, 3)):
        m.weight.detach().fill_(2.0)
        m.bias.detach().fill_(2.0)
        m.reset_parameters()
        np.testing.assert_array_equal(m.weight.detach().numpy(), np.ones(3))
        np.testing.assert_array_equal(m.bias.detach().numpy(), np.zeros(3))
    bl = nn.Bilinear(2, 3, 4)
    w0 = bl.weight.detach().numpy().copy()
    bl.reset_parameters()
    w1 = bl.weight.detach().numpy()
    assert (w1 != w0).any() and np.abs(w1).max() <= 1 / np.sqrt(2)


def test_reprs_match_pytorchs():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU(), nn.ReLU()])
    assert repr(ml) == (
        "ModuleList(\n  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n"
        "  (3-4): 2 x ReLU()\n)"
    )
    assert repr(nn.ModuleList()) == "ModuleList()"
    assert repr(nn.ModuleList([nn.Tanh()])) == "ModuleList(\n  (0): Tanh()\n)"
    assert repr(nn.ELU(inplace=True)) == "ELU(alpha=1.0, inplace=True)"
    assert repr(nn.CELU(0.5)) == "CELU(alpha=0.5)"
    assert repr(nn.Hardtanh(inplace=True)) == "Hardtanh(min_val=-1.0, max_val=1.0, inplace=True)"
    assert repr(nn.Hardswish(inplace=True)) == "Hardswish()"
    assert repr(nn.Hardsigmoid(inplace=True)) == "Hardsigmoid()"
    assert repr(nn.ReLU6(inplace=True)) == "ReLU6(inplace=True)"


def test_reprs_against_torch_where_installed():
    torch = pytest.importorskip("torch")
    for ours, theirs in [
        (nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.Sequential(nn.ReLU())]),
         torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.Linear(2, 2),
                              torch.nn.Sequential(torch.nn.ReLU())])),
        (nn.ELU(0.5, True), torch.nn.ELU(0.5, True)),
        (nn.Hardtanh(-2.0, 2.0), torch.nn.Hardtanh(-2.0, 2.0)),
    ]:  # fmt: skip
        assert repr(ours) == repr(theirs)


# -- nn.data (third audit) -------------------------------------------------------------------------


def test_train_test_split_checks_stratify_length_and_test_size():
    from nn.data.splits import train_test_split

    with pytest.raises(ValueError, match="stratify has 6 labels for 10 samples"):
        train_test_split(np.arange(10), test_size=0.2, stratify=np.array([0, 1] * 3))
    with pytest.raises(TypeError, match="test_size must be a fraction"):
        train_test_split(np.arange(10), test_size=True)
    with pytest.raises(ValueError, match="whole count"):
        train_test_split(np.arange(10), test_size=np.float32(3.7))
    train, test = train_test_split(np.arange(10), test_size=np.float32(0.25))
    assert (len(train), len(test)) == (7, 3)
    assert [len(p) for p in train_test_split(np.arange(10), test_size=3.0)] == [7, 3]


def test_collate_takes_the_dtype_of_all_samples():
    from nn.data.loader import default_collate

    out = default_collate([0, 0.5, 1.7])
    assert out.dtype == np.float32 and out.tolist() == pytest.approx([0.0, 0.5, 1.7])
    assert default_collate([1, 2]).dtype == np.int64
    assert default_collate([True, False]).dtype == np.bool_
    assert default_collate([np.int32(1), np.float64(0.5)]).dtype == np.float64
    assert default_collate([np.str_("cat"), np.str_("dog")]) == ["cat", "dog"]


def test_preprocessor_state_loading_is_all_or_nothing_and_inverse_checks_shapes():
    from nn.data.preprocess import Standardize, ZeroCenter

    x = np.random.default_rng(0).standard_normal((20, 4))
    s = Standardize().fit(x)
    state = s.state_dict()
    bad = dict(state, feature_shape=["x"], eps=0.5)
    with pytest.raises(ValueError, match="feature_shape must be ints"):
        s.load_state_dict(bad)
    assert s.eps == state["eps"] and s.feature_shape_ == (4,)
    s.load_state_dict(Standardize(per_channel=True).state_dict())  # an unfitted state
    with pytest.raises(RuntimeError, match="not fitted yet"):
        s.transform(x)
    s.load_state_dict(state)
    np.testing.assert_allclose(s.inverse_transform(s.transform(x)), x, atol=1e-12)
    for pre in (Standardize().fit(x), ZeroCenter().fit(x)):
        with pytest.raises(ag.ShapeError, match="inverse_transform: expected samples"):
            pre.inverse_transform(np.zeros((2, 1)))
