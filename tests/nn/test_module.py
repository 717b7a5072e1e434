"""Module, Parameter and containers: registration, iteration, modes, state dicts, hooks, repr."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import autograd as ag
import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(4, 2, bias=False)
        self.scale = nn.Parameter(ag.ones(2))
        self.register_buffer("steps", ag.zeros((), dtype=ag.int64))
        self.register_buffer("cache", ag.zeros(2), persistent=False)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


# -- Parameter ----------------------------------------------------------------------------------


def test_parameter_is_a_leaf_tensor_requiring_grad_and_shares_data():
    t = ag.randn(3, 2)
    p = nn.Parameter(t)
    assert isinstance(p, ag.Tensor) and isinstance(p, nn.Parameter)
    assert p.requires_grad and p.is_leaf
    assert p._data is t._data  # shared, no copy
    a = np.arange(4.0, dtype=np.float32)
    q = nn.Parameter(a)
    assert q._data is a
    assert not nn.Parameter(ag.zeros(2), requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:\ntensor(")
    assert nn.Parameter().shape == (0,)


def test_parameter_has_no_instance_dict_and_ops_return_plain_tensors():
    p = nn.Parameter(ag.randn(3))
    assert not hasattr(p, "__dict__")
    y = p * 2
    assert type(y) is ag.Tensor
    y.sum().backward()
    np.testing.assert_allclose(p.grad.numpy(), 2 * np.ones(3))


def test_parameter_copy_and_pickle_keep_the_class():
    p = nn.Parameter(ag.randn(3))
    for q in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(q) is nn.Parameter and q.requires_grad
        assert q._data is not p._data
        np.testing.assert_array_equal(q.detach().numpy(), p.detach().numpy())


# -- registration and iteration -----------------------------------------------------------------


def test_setattr_registers_parameters_modules_and_buffers():
    net = Net()
    assert list(net._parameters) == ["scale"]
    assert list(net._modules) == ["fc1", "act", "fc2"]
    assert list(net._buffers) == ["steps", "cache"]
    names = [n for n, _ in net.named_parameters()]
    assert names == ["scale", "fc1.weight", "fc1.bias", "fc2.weight"]
    assert len(list(net.parameters())) == 4
    assert [n for n, _ in net.named_buffers()] == ["steps", "cache"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "fc2"]
    assert list(net.children()) == [net.fc1, net.act, net.fc2]
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "fc2"]
    assert [n for n, _ in net.named_parameters(prefix="m", recurse=False)] == ["m.scale"]
    assert nn.utils.num_parameters(net) == 2 + 12 + 4 + 8
    assert sum(p.numel() for p in net.parameters()) == 26


def test_shared_parameters_are_listed_once():
    a = nn.Linear(2, 2)
    b = nn.Linear(2, 2)
    b.weight = a.weight
    seq = nn.Sequential(a, b, a)
    assert len(list(seq.parameters())) == 3
    assert len(list(seq.modules())) == 3


def test_setattr_errors():
    net = Net()
    with pytest.raises(TypeError, match="parameter 'scale'"):
        net.scale = ag.ones(2)  # a plain tensor where a Parameter is registered
    net.scale = None
    assert net.scale is None and "scale" in net._parameters
    with pytest.raises(TypeError, match="buffer 'steps'"):
        net.steps = 3

    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ag.ones(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()
    with pytest.raises(KeyError, match="contain"):
        net.register_buffer("a.b", ag.ones(1))
    with pytest.raises(KeyError, match="already exists"):
        net.register_buffer("fc1", ag.ones(1))
    with pytest.raises(TypeError):
        net.register_parameter("w", ag.ones(1))


def test_reassigning_a_name_moves_it_between_kinds_and_delattr():
    net = Net()
    net.fc1 = nn.Parameter(ag.ones(1))
    assert "fc1" not in net._modules and "fc1" in net._parameters
    net.extra = nn.Buffer(ag.ones(3))
    assert "extra" in net._buffers and type(net.extra) is ag.Tensor
    net.tmp = nn.Buffer(ag.ones(3), persistent=False)
    assert "tmp" not in net.state_dict()
    del net.fc2
    assert "fc2" not in net._modules
    with pytest.raises(AttributeError, match="no attribute 'fc2'"):
        net.fc2  # noqa: B018


def test_get_submodule_parameter_buffer():
    seq = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 1)))
    assert seq.get_submodule("1.1") is seq[1][1]
    assert seq.get_parameter("1.1.bias") is seq[1][1].bias
    with pytest.raises(AttributeError):
        seq.get_submodule("2")
    net = Net()
    assert net.get_buffer("steps") is net.steps


# -- modes, gradients, dtype --------------------------------------------------------------------


def test_train_eval_propagates():
    net = Net()
    assert net.training and net.fc1.training
    assert net.eval() is net
    assert not net.training and not net.fc1.training and not net.act.training
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_and_requires_grad_():
    net = Net()
    net(ag.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    g = net.fc1.weight.grad
    net.zero_grad(set_to_none=False)
    assert net.fc1.weight.grad is g and not g.numpy().any()
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.fc1.requires_grad_(False)
    net(ag.randn(5, 3)).sum().backward()
    assert net.fc1.weight.grad is None and net.fc2.weight.grad is not None


def test_to_dtype_keeps_parameter_identity_and_integer_buffers():
    net = Net()
    w = net.fc1.weight
    net(ag.randn(2, 3)).sum().backward()
    assert net.double() is net
    assert net.fc1.weight is w and w.dtype == np.float64
    assert w.grad.dtype == np.float64
    assert net.steps.dtype == np.int64
    assert net.cache.dtype == np.float64
    y = net(ag.randn(2, 3, dtype=ag.float64))
    assert y.dtype == np.float64
    net.to(ag.float32)
    assert w.dtype == np.float32
    net.to("cpu")
    with pytest.raises(TypeError, match="floating point"):
        net.to(ag.int32)


def test_to_invalidates_graphs_that_saved_the_old_array():
    lin = nn.Linear(2, 2)
    x = ag.randn(3, 2, requires_grad=True)
    y = lin(x).sum()
    lin.double()
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


def test_apply_visits_children_first():
    seq = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Tanh()))
    seen = []
    assert seq.apply(lambda m: seen.append(type(m).__name__)) is seq
    assert seen == ["Linear", "Tanh", "Sequential", "Sequential"]

    def init_zero(m):
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)

    seq.apply(init_zero)
    assert not seq[0].weight.detach().numpy().any()


# -- state dict ---------------------------------------------------------------------------------


def test_state_dict_contents_and_round_trip():
    net = Net()
    sd = net.state_dict()
    assert list(sd) == ["scale", "steps", "fc1.weight", "fc1.bias", "fc2.weight"]
    assert all(not v.requires_grad for v in sd.values())
    assert sd["fc1.weight"]._data is net.fc1.weight._data  # shares memory, as PyTorch
    snap = copy.deepcopy(sd)
    other = Net()
    x = ag.randn(4, 3)
    assert not np.allclose(other(x).detach().numpy(), net(x).detach().numpy())
    res = other.load_state_dict(snap)
    assert res.missing_keys == [] and res.unexpected_keys == []
    np.testing.assert_array_equal(other(x).detach().numpy(), net(x).detach().numpy())
    # numpy arrays are accepted, and values are copied (not aliased)
    arrays = {k: v.numpy() for k, v in snap.items()}
    other.load_state_dict(arrays)
    assert other.fc1.weight._data is not arrays["fc1.weight"]
    assert list(net.state_dict(keep_vars=True).values())[0] is net.scale


def test_state_dict_prefix():
    lin = nn.Linear(2, 2)
    assert list(lin.state_dict(prefix="enc.")) == ["enc.weight", "enc.bias"]


def _snapshot(m):
    return {k: v.numpy().copy() for k, v in m.state_dict().items()}


@pytest.mark.parametrize("kind", ["missing", "unexpected", "shape"])
def test_strict_load_failure_names_the_key_and_leaves_the_model_unchanged(kind):
    net = Net()
    before = _snapshot(net)
    sd = {k: v * 0 + 7 for k, v in Net().state_dict().items()}
    if kind == "missing":
        del sd["fc2.weight"]
        err, match = RuntimeError, 'Missing key.*"fc2.weight"'
    elif kind == "unexpected":
        sd["fc3.bias"] = ag.zeros(2)
        err, match = RuntimeError, 'Unexpected key.*"fc3.bias"'
    else:
        sd["fc2.weight"] = ag.zeros(3, 4)
        err, match = ag.ShapeError, r"size mismatch for fc2.weight.*\(3, 4\).*\(2, 4\)"
    with pytest.raises(err, match=match):
        net.load_state_dict(sd)
    after = _snapshot(net)
    for k in before:
        np.testing.assert_array_equal(after[k], before[k])


def test_non_strict_load_reports_keys_but_shape_errors_still_raise():
    net = Net()
    sd = net.state_dict()
    del sd["scale"]
    sd["junk"] = ag.zeros(1)
    res = net.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["scale"] and res.unexpected_keys == ["junk"]
    sd["fc1.bias"] = ag.zeros(5)
    with pytest.raises(ag.ShapeError):
        net.load_state_dict(sd, strict=False)


def test_load_casts_dtype():
    net = Net()
    sd = {k: v.numpy().astype(np.float64) if v.dtype.kind == "f" else v.numpy()
          for k, v in Net().state_dict().items()}  # fmt: skip
    net.load_state_dict(sd)
    assert net.fc1.weight.dtype == np.float32


def test_module_pickle_and_deepcopy():
    net = Net()
    x = ag.randn(2, 3)
    for clone in (copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        assert type(clone.fc1.weight) is nn.Parameter
        assert clone.fc1.weight is not net.fc1.weight
        np.testing.assert_allclose(clone(x).detach().numpy(), net(x).detach().numpy())


# -- hooks --------------------------------------------------------------------------------------


def test_forward_hooks_run_modify_and_remove():
    lin = nn.Linear(2, 2)
    calls = []

    def pre(m, args):
        calls.append("pre")
        return (args[0] * 0,)

    def post(m, args, out):
        calls.append("post")
        return out + 1

    h1 = lin.register_forward_pre_hook(pre)
    h2 = lin.register_forward_hook(post)
    y = lin(ag.randn(3, 2))
    assert calls == ["pre", "post"]
    np.testing.assert_allclose(
        y.detach().numpy(), np.broadcast_to(lin.bias.detach().numpy() + 1, (3, 2))
    )
    h1.remove()
    h2.remove()
    x = ag.randn(3, 2)
    np.testing.assert_allclose(
        lin(x).detach().numpy(), (x @ lin.weight.T + lin.bias).detach().numpy()
    )
    assert calls == ["pre", "post"]


def test_hook_order_prepend_kwargs_and_context_manager():
    lin = nn.Linear(2, 2)
    order = []
    lin.register_forward_hook(lambda m, a, o: order.append(1))
    lin.register_forward_hook(lambda m, a, o: order.append(0), prepend=True)
    with lin.register_forward_hook(lambda m, a, kw, o: order.append(("kw", kw)), with_kwargs=True):
        lin(ag.randn(1, 2))
    assert order == [0, 1, ("kw", {})]
    order.clear()
    lin(ag.randn(1, 2))
    assert order == [0, 1]


def test_hooks_see_nested_module_outputs():
    seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    shapes = {}
    for name, m in seq.named_children():
        m.register_forward_hook(lambda m, a, o, name=name: shapes.__setitem__(name, o.shape))
    seq(ag.randn(5, 3))
    assert shapes == {"0": (5, 4), "1": (5, 4), "2": (5, 2)}


# -- repr ---------------------------------------------------------------------------------------


def test_repr_prints_the_tree_like_pytorch():
    seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Sequential(nn.Linear(4, 2, bias=False)))
    assert repr(seq) == (
        "Sequential(\n"
        "  (0): Linear(in_features=3, out_features=4, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Linear(in_features=4, out_features=2, bias=False)\n"
        "  )\n"
        ")"
    )
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(nn.Embedding(10, 3, padding_idx=0)) == "Embedding(10, 3, padding_idx=0)"
    assert repr(nn.Identity()) == "Identity()"


# -- containers ---------------------------------------------------------------------------------


def test_sequential_indexing_and_editing():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and seq[0] is a and seq[-1] is c
    assert list(seq) == [a, b, c]
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [b, c]
    assert seq(ag.randn(4, 2)).shape == (4, 1)
    seq.append(nn.Sigmoid())
    assert len(seq) == 4
    del seq[1]
    assert list(seq._modules) == ["0", "1", "2"] and seq[1] is c
    seq.insert(1, b)
    assert seq[1] is b and seq[2] is c
    assert seq.pop(-1).__class__ is nn.Sigmoid
    with pytest.raises(IndexError):
        seq[5]
    named = nn.Sequential({"enc": nn.Linear(2, 2), "act": nn.Tanh()})
    assert list(named._modules) == ["enc", "act"] and named[1] is named.act


def test_module_list_and_dict():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(ml) == 3 and len(list(ml.parameters())) == 6
    ml.append(nn.ReLU())
    ml.extend([nn.Tanh()])
    ml.insert(0, nn.Sigmoid())
    assert isinstance(ml[0], nn.Sigmoid) and len(ml) == 6
    del ml[0]
    assert isinstance(ml[0], nn.Linear) and list(ml._modules)[-1] == "4"
    assert isinstance(ml[-1], nn.Tanh)
    assert len(ml[:2]) == 2
    md = nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.ReLU()})
    md["c"] = nn.Tanh()
    assert list(md.keys()) == ["a", "b", "c"] and "b" in md and len(md) == 3
    assert [n for n, _ in md.named_parameters()] == ["a.weight", "a.bias"]
    assert isinstance(md.pop("b"), nn.ReLU) and "b" not in md
    with pytest.raises(NotImplementedError):
        md(ag.ones(1))


def test_parameter_list_and_dict():
    pl = nn.ParameterList([ag.ones(2), nn.Parameter(ag.zeros(3))])
    assert all(isinstance(p, nn.Parameter) for p in pl) and len(pl) == 2
    pd = nn.ParameterDict({"w": ag.ones(2)})
    assert isinstance(pd["w"], nn.Parameter)
    holder = nn.Module()
    holder.pl = pl
    assert [n for n, _ in holder.named_parameters()] == ["pl.0", "pl.1"]


def test_forward_not_implemented():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)


def test_deep_module_tree_iterates_without_recursion_limit():
    m = nn.Identity()
    for _ in range(3000):
        outer = nn.Module()
        outer.inner = m
        m = outer
    assert len(list(m.modules())) == 3001


def test_state_dict_saves_a_shared_submodule_under_each_name():
    """As PyTorch: a module registered twice appears under both prefixes, so checkpoints of
    either library load into the other; parameters() still lists it once."""

    class Shared(nn.Module):
        def __init__(self):
            super().__init__()
            lin = nn.Linear(2, 2)
            self.a = lin
            self.b = lin

    m = Shared()
    assert list(m.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]
    assert len(list(m.parameters())) == 2
    sd = {k: v.numpy() * 0 + 3.0 for k, v in m.state_dict().items()}
    m.load_state_dict(sd)
    assert float(m.a.weight.detach().numpy().sum()) == 12.0
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "b.weight"'):
        m.load_state_dict({k: v for k, v in sd.items() if not k.startswith("b.weight")})


def test_named_modules_without_dedup_stops_at_a_module_containing_itself():
    a = nn.Sequential(nn.Linear(1, 1))
    a.add_module("again", a)
    names = [n for n, _ in a.named_modules(remove_duplicate=False)]
    assert names == ["", "0"]
