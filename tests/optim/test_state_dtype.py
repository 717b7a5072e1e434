"""A parameter cast (or moved, or resized) after the optimiser made its state.

``module.to(float32)`` (or to a complex dtype) mid-training replaces the parameters' arrays but
not the optimiser's state. torch is inconsistent there (Adam raises from ``lerp``, AdamW after
its weight decay already changed a parameter, SGD and Adagrad carry on with float64 state);
here every optimiser refuses the step before anything changes, naming the optimiser, the group,
the parameter (index and shape), the state key and both dtypes, and says how to go on:
``load_state_dict(state_dict())`` casts the state to the parameters (real to real), a fresh
state is needed between real and complex.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
import optim

from .cases import ALL_NAMES
from .helpers import STATEFUL, snapshot


class _Two:
    """Linear(3, 4) in group 0 and Linear(4, 2) in group 1 (lr halved), float64."""

    def __init__(self, name, **extra):
        ag.manual_seed(0)
        self.net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).to(ag.float64)
        self.x = ag.tensor(np.random.default_rng(0).standard_normal((5, 3)))
        kw = dict(STATEFUL[name], **extra)
        lr = kw.get("lr", 1e-3)
        groups = [
            {"params": list(self.net[0].parameters())},
            {"params": list(self.net[2].parameters()), "lr": lr / 2},
        ]
        self.opt = getattr(optim, name)(groups, **kw)

    @property
    def params(self):
        return list(self.net.parameters())

    def backward(self):
        self.opt.zero_grad()
        first, act, last = self.net
        h = act(first(self.x.to(first.weight.dtype)))
        y = last(h.to(last.weight.dtype))  # the layers may differ in dtype once one is cast
        loss = (y.abs() ** 2).sum() if y.dtype.kind == "c" else (y**2).sum()
        loss.backward()

    def steps(self, n):
        for _ in range(n):
            self.backward()
            self.opt.step()


def _array_dtypes(opt, p):
    return {k: v.dtype for k, v in opt.state[p].items() if hasattr(v, "dtype")}


@pytest.mark.parametrize("name", ALL_NAMES)
def test_cast_to_float32_refused_then_state_cast_by_reload(name):
    t = _Two(name)
    t.steps(3)
    t.net[2].to(ag.float32)  # only the second group's layer: group 0 would be updated first
    t.backward()
    before = snapshot(t.opt, t.params)
    with pytest.raises(TypeError) as info:
        t.opt.step()
    msg = str(info.value)
    assert f"{name}.step: param group 1, parameter 0 (shape (2, 4), dtype float32" in msg
    assert "has dtype float64, the parameter float32" in msg and "module.to()" in msg
    assert "load_state_dict(optimizer.state_dict())" in msg
    assert "No parameter or state was changed" in msg
    assert snapshot(t.opt, t.params) == before

    t.opt.load_state_dict(t.opt.state_dict())  # casts the state to the parameters' dtypes
    for p in t.net[2].parameters():
        assert set(_array_dtypes(t.opt, p).values()) <= {np.dtype(np.float32)}
    t.opt.step()
    assert snapshot(t.opt, t.params)["params"] != before["params"]
    assert all(p.dtype == np.float32 for p in t.net[2].parameters())
    for p in t.net[2].parameters():
        assert set(_array_dtypes(t.opt, p).values()) <= {np.dtype(np.float32)}
    for p in t.net[0].parameters():
        assert set(_array_dtypes(t.opt, p).values()) <= {np.dtype(np.float64)}


@pytest.mark.parametrize("name", ALL_NAMES)
def test_cast_to_complex_refused_then_fresh_state(name):
    t = _Two(name)
    t.steps(2)
    t.net[2].to(ag.complex128)
    t.backward()
    before = snapshot(t.opt, t.params)
    with pytest.raises(TypeError) as info:
        t.opt.step()
    msg = str(info.value)
    assert f"{name}.step: param group 1, parameter 0 (shape (2, 4), dtype complex128" in msg
    assert "has dtype float64, the parameter complex128" in msg
    assert "cannot be cast between real and complex" in msg
    assert snapshot(t.opt, t.params) == before
    with pytest.raises(ValueError, match="is real"):  # the reload refuses it too
        t.opt.load_state_dict(t.opt.state_dict())
    assert snapshot(t.opt, t.params) == before

    for p in t.net[2].parameters():
        del t.opt.state[p]
    t.opt.step()
    for p in t.net[2].parameters():
        assert set(_array_dtypes(t.opt, p).values()) <= {np.dtype(np.complex128)}


@pytest.mark.parametrize("name", ["SGD", "Adam", "Rprop"])
def test_whole_module_cast_refused_on_its_first_parameter(name):
    t = _Two(name)
    t.steps(1)
    t.net.to(ag.float32)
    t.backward()
    with pytest.raises(TypeError, match=rf"{name}\.step: param group 0, parameter 0 \(shape "):
        t.opt.step()


def test_resized_parameter_refused():
    t = _Two("Adam")
    t.steps(2)
    b = t.net[2].bias
    b.data = ag.zeros(3, dtype=ag.float64)  # a new shape, as a careless surgery would do
    b.grad = ag.ones(3, dtype=ag.float64)
    before = snapshot(t.opt, t.params)
    with pytest.raises(ag.ShapeError, match=r"parameter 1 .*state 'exp_avg' has shape \(2,\)"):
        t.opt.step()
    assert snapshot(t.opt, t.params) == before


def test_params_without_grad_or_state_are_not_checked():
    t = _Two("Adam")
    t.steps(1)
    t.net[2].to(ag.float32)
    t.backward()
    for p in t.net[2].parameters():
        p.grad = None  # skipped by the step, so its stale state is not in the way
    t.opt.step()
    fresh = optim.Adam(t.net.parameters())  # no state yet: nothing to mismatch
    t.backward()
    fresh.step()


def _lbfgs(dtype_after):
    ag.manual_seed(0)
    net = nn.Linear(3, 2).to(ag.float64)
    x = ag.tensor(np.random.default_rng(0).standard_normal((4, 3)))
    opt = optim.LBFGS(net.parameters(), max_iter=3)

    def closure():
        opt.zero_grad()
        y = net(x.to(net.weight.dtype))
        loss = (y.abs() ** 2).sum() if y.dtype.kind == "c" else (y**2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    net.to(dtype_after)
    return net, opt, closure


@pytest.mark.parametrize(
    "dtype,exc,detail",
    [
        (ag.float32, TypeError, "8 float64 elements on cpu, the parameters' has 8 float32"),
        (ag.complex128, ag.ShapeError, "8 float64 elements on cpu, the parameters' has 16"),
    ],
)
def test_lbfgs_history_checked_before_the_closure_runs(dtype, exc, detail):
    net, opt, closure = _lbfgs(dtype)
    w = [p._data.copy() for p in net.parameters()]
    evals = opt.state[net.weight]["func_evals"]
    with pytest.raises(exc, match="LBFGS.step: state 'd' is a flat vector of " + detail):
        opt.step(closure)
    assert opt.state[net.weight]["func_evals"] == evals
    for a, p in zip(w, net.parameters()):
        np.testing.assert_array_equal(p._data, a)
    if dtype == ag.float32:
        opt.load_state_dict(opt.state_dict())
        opt.step(closure)
        assert opt.state[net.weight]["d"].dtype == np.float32
    else:
        opt.state.clear()
        opt.step(closure)
        assert opt.state[net.weight]["d"].size == 16


@pytest.mark.gpu
@pytest.mark.parametrize("name", ["Adam", "SGD"])
def test_moved_to_cuda_refused_then_moved_by_reload(name):
    t = _Two(name)
    t.steps(2)
    t.net.to("cuda")
    t.x = t.x.to("cuda")
    t.backward()
    with pytest.raises(RuntimeError, match=r"param group 0, parameter 0 .* is on cpu"):
        t.opt.step()
    t.opt.load_state_dict(t.opt.state_dict())
    t.opt.step()
    for p in t.params:
        for v in t.opt.state[p].values():
            if hasattr(v, "shape"):
                assert type(v) is type(p._data)
