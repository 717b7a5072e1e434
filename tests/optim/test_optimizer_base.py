"""The Optimizer shell: construction and its errors, param groups, zero_grad, closures, lazy
state, in-place updates without a graph, version counters and the workspace."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import autograd as ag
import optim

from .cases import ALL_NAMES
from .helpers import STATEFUL, make, run_steps


def _param(*shape, seed=0):
    return ag.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


# -- construction errors (ValueError / TypeError, as torch) ---------------------------------------

BAD_OPTIONS = [
    ("SGD", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("SGD", dict(lr=float("nan")), "Invalid learning rate: nan"),
    ("SGD", dict(momentum=-0.5), "Invalid momentum value: -0.5"),
    ("SGD", dict(weight_decay=-1e-4), "Invalid weight_decay value"),
    ("SGD", dict(nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1), "Nesterov momentum requires"),
    ("Adagrad", dict(lr_decay=-1.0), "Invalid lr_decay value"),
    ("Adagrad", dict(initial_accumulator_value=-1.0), "Invalid initial_accumulator_value"),
    ("Adagrad", dict(eps=-1e-10), "Invalid epsilon value"),
    ("Adadelta", dict(rho=1.5), "Invalid rho value: 1.5"),
    ("Adadelta", dict(lr=-1.0), "Invalid learning rate"),
    ("RMSprop", dict(alpha=-0.9), "Invalid alpha value"),
    ("RMSprop", dict(momentum=-0.9), "Invalid momentum value"),
    ("RMSprop", dict(eps=-1.0), "Invalid epsilon value"),
    ("Adam", dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    ("Adam", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("Adam", dict(betas=(0.9,)), "Invalid betas"),
    ("Adam", dict(eps=-1e-8), "Invalid epsilon value"),
    ("Adam", dict(weight_decay=-0.1), "Invalid weight_decay value"),
    ("AdamW", dict(lr=-1e-3), "Invalid learning rate"),
    ("NAdam", dict(momentum_decay=-1.0), "Invalid momentum_decay value"),
    ("RAdam", dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1"),
    ("Adamax", dict(eps=-1.0), "Invalid epsilon value"),
    ("AdamP", dict(delta=-0.1), "Invalid delta value"),
    ("AdamP", dict(wd_ratio=-0.1), "Invalid wd_ratio value"),
    ("Lion", dict(lr=-1e-4), "Invalid learning rate"),
    ("Lion", dict(betas=(0.9, 1.5)), "Invalid beta parameter at index 1"),
]


@pytest.mark.parametrize("name,kw,match", BAD_OPTIONS, ids=lambda v: str(v))
def test_invalid_options_raise_value_error(name, kw, match):
    with pytest.raises(ValueError, match=match.replace("(", r"\(").replace(")", r"\)")):
        getattr(optim, name)([_param(3)], **kw)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_bad_params_arguments(name):
    cls = getattr(optim, name)
    p = _param(3)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts, but got Tensor"):
        cls(p)
    with pytest.raises(ValueError, match="empty parameter list"):
        cls([])
    with pytest.raises(TypeError, match="ordered collections"):
        cls({p})
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        cls([p, np.zeros(3)])
    with pytest.raises(ValueError, match="non-leaf"):
        cls([p * 2])
    with pytest.raises(ValueError, match="listed twice"):
        cls([p, p])
    with pytest.raises(ValueError, match="more than one parameter group"):
        cls([{"params": [p]}, {"params": [p]}])


def test_invalid_option_in_one_group_names_the_group():
    with pytest.raises(ValueError, match=r"Invalid learning rate: -1.0 \(param group 1\)"):
        optim.Adam([{"params": [_param(2)]}, {"params": [_param(3)], "lr": -1.0}])


# -- param groups ---------------------------------------------------------------------------------


def test_groups_get_defaults_and_keep_their_own_options():
    a, b = _param(2), _param(3)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    g0, g1 = opt.param_groups
    assert g0["params"] == [a] and g1["params"] == [b]
    assert g0["lr"] == 0.1 and g0["momentum"] == 0.0
    assert g1["lr"] == 0.5 and g1["momentum"] == 0.9 and g1["nesterov"] is False
    assert opt.defaults["lr"] == 0.1


def test_per_group_options_drive_the_update():
    a, b = _param(4, seed=1), _param(4, seed=2)
    a0, b0 = a._data.copy(), b._data.copy()
    opt = optim.SGD([{"params": [a], "lr": 0.0}, {"params": [b]}], lr=0.1)
    (a.sum() + b.sum()).backward()
    opt.step()
    np.testing.assert_array_equal(a._data, a0)
    np.testing.assert_allclose(b._data, b0 - 0.1)


def test_add_param_group():
    a, b, c = _param(2), _param(3), _param(4)
    opt = optim.Adam([a], lr=0.01)
    opt.add_param_group({"params": [b], "lr": 0.1})
    assert len(opt.param_groups) == 2
    assert opt.param_groups[1]["lr"] == 0.1 and opt.param_groups[1]["betas"] == (0.9, 0.999)
    with pytest.raises(ValueError, match="already in param group 0"):
        opt.add_param_group({"params": [c, a]})
    with pytest.raises(ValueError, match=r"Invalid learning rate: -2 \(param group 2\)"):
        opt.add_param_group({"params": [c], "lr": -2})
    with pytest.raises(TypeError):
        opt.add_param_group([c])
    assert len(opt.param_groups) == 2  # nothing was added by the failed calls
    opt.add_param_group({"params": c})  # a single Tensor is accepted
    assert opt.param_groups[2]["params"] == [c]


def test_named_parameters_and_generators_and_tensor_subclasses():
    class Parameter(ag.Tensor):
        __slots__ = ()

    w = Parameter(np.ones(3), requires_grad=True)
    opt = optim.SGD((p for p in [w]), lr=0.5)
    (w * w).sum().backward()
    opt.step()
    np.testing.assert_allclose(w._data, 0.0)
    opt = optim.SGD([("w", w)], lr=0.5)
    assert opt.param_groups[0]["param_names"] == ["w"]
    assert opt.param_groups[0]["params"] == [w]


# -- zero_grad, closure, lazy state ----------------------------------------------------------------


def test_zero_grad():
    a = _param(3)
    opt = optim.SGD([a], lr=0.1)
    (a * a).sum().backward()
    g = a.grad._data
    opt.zero_grad(set_to_none=False)
    assert a.grad._data is g and not g.any()
    opt.zero_grad()
    assert a.grad is None
    opt.zero_grad()  # no gradient: nothing to do


def test_closure_runs_with_grad_enabled_and_its_loss_is_returned():
    a = _param(3)
    opt = optim.SGD([a], lr=0.1)
    calls = []

    def closure():
        calls.append(ag.is_grad_enabled())
        opt.zero_grad()
        loss = (a * a).sum()
        loss.backward()
        return loss

    with ag.no_grad():
        loss = opt.step(closure)
    assert calls == [True]
    assert isinstance(loss, ag.Tensor) and loss.item() > 0
    assert opt.step() is None


def test_parameters_without_gradients_are_skipped_and_state_is_lazy():
    a, b = _param(3, seed=1), _param(3, seed=2)
    opt = optim.Adam([a, b], lr=0.1)
    assert len(opt.state) == 0
    b0 = b._data.copy()
    (a * a).sum().backward()
    opt.step()
    assert opt.state[a]["step"] == 1
    assert not opt.state.get(b)
    np.testing.assert_array_equal(b._data, b0)


def test_momentum_switched_on_later_creates_its_buffer():
    a = _param(3)
    opt = optim.SGD([a], lr=0.1)
    (a * a).sum().backward()
    opt.step()
    assert "momentum_buffer" not in opt.state[a]
    opt.param_groups[0]["momentum"] = 0.9
    opt.step()
    assert "momentum_buffer" in opt.state[a]


# -- in place, no graph, version counters, memory -------------------------------------------------


@pytest.mark.parametrize("name", ALL_NAMES)
def test_updates_in_place_without_a_graph(name):
    m, opt = make(name)
    data = [p._data for p in m.params]
    run_steps(m, opt, 2)
    state_arrays = {
        (i, k): v for i, p in enumerate(m.params) for k, v in opt.state[p].items()
        if isinstance(v, np.ndarray)
    }  # fmt: skip
    assert state_arrays
    run_steps(m, opt, 2)
    for p, d in zip(m.params, data):
        assert p._data is d  # the same array, updated in place
        assert p.is_leaf and p.requires_grad and p.grad_fn is None
    for (i, k), v in state_arrays.items():
        assert opt.state[m.params[i]][k] is v


def test_step_bumps_the_version_so_stale_graphs_refuse_to_backprop():
    a = _param(3)
    opt = optim.SGD([a], lr=0.1)
    y = (a * a).sum()  # saves a for its backward
    y.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


def test_steady_state_step_allocates_no_parameter_sized_temporaries():
    w = ag.tensor(np.zeros((500, 500)), requires_grad=True)  # 2 MB
    w.grad = ag.tensor(np.ones((500, 500)))
    for name in ("Adam", "SGD", "RMSprop", "Lion", "NAdam"):
        opt = getattr(optim, name)([w], **STATEFUL[name])
        opt.step()
        opt.step()
        tracemalloc.start()
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < 100_000, f"{name}: a steady-state step allocated {peak} bytes"


def test_repr_lists_groups():
    opt = optim.Adam([{"params": [_param(2)]}, {"params": [_param(2, seed=3)], "lr": 0.5}])
    text = repr(opt)
    assert text.startswith("Adam (") and "Parameter Group 1" in text and "lr: 0.5" in text


def test_a_single_group_dict_is_accepted():
    a = _param(2)
    opt = optim.SGD({"params": [a], "lr": 0.5})
    assert opt.param_groups[0]["lr"] == 0.5 and opt.param_groups[0]["params"] == [a]
