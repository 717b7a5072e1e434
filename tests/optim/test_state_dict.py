"""state_dict / load_state_dict: copies both ways, an identical continued trajectory after a round
trip (through pickle too), and loads that validate everything before changing anything."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import autograd as ag
import optim

from .cases import ALL_NAMES
from .helpers import STATEFUL, make, run_steps, snapshot


def _trajectory(m, opt, n):
    out = []
    for _ in range(n):
        m.backward(opt)
        opt.step()
        out.append([p._data.copy() for p in m.params])
    return out


@pytest.mark.parametrize("via_pickle", [False, True], ids=["dict", "pickle"])
@pytest.mark.parametrize("name", ALL_NAMES)
def test_round_trip_continues_identically(name, via_pickle):
    m, opt = make(name)
    run_steps(m, opt, 5)
    sd = opt.state_dict()
    saved_params = [p._data.copy() for p in m.params]
    expected = _trajectory(m, opt, 6)

    if via_pickle:
        sd = pickle.loads(pickle.dumps(sd))
    m2, _ = make(name)
    for p, a in zip(m2.params, saved_params):
        p._data[...] = a
    # made with other options: the loaded ones must win
    opt2 = getattr(optim, name)(m2.groups(0.123), lr=0.123)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    got = _trajectory(m2, opt2, 6)
    for step, (e, g) in enumerate(zip(expected, got)):
        for a, b in zip(e, g):
            np.testing.assert_array_equal(a, b, err_msg=f"{name}: step {step + 1} after loading")


@pytest.mark.parametrize("name", ALL_NAMES)
def test_state_dict_is_a_copy(name):
    m, opt = make(name)
    run_steps(m, opt, 2)
    sd = opt.state_dict()
    frozen = copy.deepcopy(sd)
    run_steps(m, opt, 2)
    for i, st in frozen["state"].items():
        for k, v in st.items():
            if isinstance(v, np.ndarray):
                np.testing.assert_array_equal(sd["state"][i][k], v)
            else:
                assert sd["state"][i][k] == v
    # and loading copies too: changing the dict afterwards does not reach the optimizer
    opt.load_state_dict(sd)
    arrays = [v for st in sd["state"].values() for v in st.values() if isinstance(v, np.ndarray)]
    for a in arrays:
        a[...] = 7.0
    for p in m.params:
        for v in opt.state[p].values():
            if isinstance(v, np.ndarray):
                assert not (v == 7.0).all()


def test_layout():
    m, opt = make("Adam")
    run_steps(m, opt, 1)
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2, 3]]
    assert sorted(sd["state"]) == [0, 1, 2, 3]
    assert set(sd["state"][3]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert sd["state"][3]["exp_avg"].shape == (2, 2)
    assert sd["param_groups"][1]["lr"] == STATEFUL["Adam"]["lr"] / 2


def _broken(sd, how):
    sd = copy.deepcopy(sd)
    if how == "groups":
        sd["param_groups"] = sd["param_groups"][:1]
        return sd, "has 1 parameter groups, but the optimizer has 2"
    if how == "group size":
        sd["param_groups"][1]["params"] = [2]
        return sd, "param group 1 has 1 parameters in the state dict, but 2 in the optimizer"
    if how == "shape":
        sd["state"][3]["exp_avg"] = np.zeros((2, 3))
        return sd, r"param group 1, parameter 1 \(shape \(2, 2\)\): state 'exp_avg' has shape"
    if how == "key":
        sd["state"][1]["momentum_buffer"] = np.zeros(3)
        return sd, "unknown state key 'momentum_buffer' for Adam"
    if how == "missing":
        del sd["state"][2]["exp_avg_sq"]
        return sd, "state is missing exp_avg_sq"
    if how == "step":
        sd["state"][0]["step"] = -3
        return sd, "'step' must be an integer >= 0"
    if how == "id":
        sd["state"][9] = sd["state"][0]
        return sd, "state for unknown parameter id 9"
    if how == "option":
        sd["param_groups"][1]["betas"] = (0.9, 1.2)
        return sd, r"Invalid beta parameter at index 1: 1.2 \(param group 1\)"
    if how == "not a dict":
        return {"state": {}}, "expected a dict with 'state' and 'param_groups'"
    raise ValueError(how)


@pytest.mark.parametrize(
    "how", ["groups", "group size", "shape", "key", "missing", "step", "id", "option", "not a dict"]
)
def test_invalid_load_raises_and_changes_nothing(how):
    m, opt = make("Adam")
    run_steps(m, opt, 3)
    sd = opt.state_dict()
    m2, opt2 = make("Adam", lr=0.01)
    run_steps(m2, opt2, 1)
    bad, match = _broken(sd, how)
    before = snapshot(opt2, m2.params)
    groups_before = [dict(g) for g in opt2.param_groups]
    with pytest.raises(ValueError, match=match):
        opt2.load_state_dict(bad)
    assert snapshot(opt2, m2.params) == before
    assert [dict(g) for g in opt2.param_groups] == groups_before


def test_load_casts_to_the_parameter_dtype_and_keeps_group_objects():
    m, opt = make("Adam")
    run_steps(m, opt, 2)
    m32, opt32 = make("Adam", dtype=np.float32)
    group_objects = list(opt32.param_groups)
    opt32.load_state_dict(opt.state_dict())
    assert all(a is b for a, b in zip(opt32.param_groups, group_objects))
    for p in m32.params:
        assert opt32.state[p]["exp_avg"].dtype == np.float32
    run_steps(m32, opt32, 1)
    assert m32.W.dtype == np.float32


def test_load_replaces_state_of_parameters_absent_from_the_dict():
    m, opt = make("SGD")
    sd_empty = opt.state_dict()
    assert sd_empty["state"] == {}
    run_steps(m, opt, 2)
    opt.load_state_dict(sd_empty)
    assert all(not opt.state.get(p) for p in m.params)


@pytest.mark.parametrize(
    "name, kw", [("Adam", {}), ("SGD", {"momentum": 0.9, "lr": 0.1}), ("RMSprop", {})]
)
def test_load_a_torch_optimizer_state_dict_and_continue_its_trajectory(name, kw):
    """torch keeps ``step`` as a 0-d tensor and the moments as tensors: both load, and the
    next step equals torch's."""
    torch = pytest.importorskip("torch")
    w0 = np.random.default_rng(0).standard_normal((3, 2))
    tp = torch.nn.Parameter(torch.tensor(w0))
    topt = getattr(torch.optim, name)([tp], **kw)
    for _ in range(3):
        topt.zero_grad()
        (tp**2).sum().backward()
        topt.step()
    p = ag.tensor(tp.detach().numpy().copy(), requires_grad=True)
    opt = getattr(optim, name)([p], **kw)
    opt.load_state_dict(topt.state_dict())
    topt.zero_grad()
    (tp**2).sum().backward()
    topt.step()
    (p**2).sum().backward()
    opt.step()
    np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-12, atol=1e-15)
