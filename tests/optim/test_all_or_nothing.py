"""A step either updates every parameter or changes nothing.

Each optimiser, after a few steps (so its state is not trivial), gets one bad gradient on the
*last* parameter of the *second* group, so a step that checked as it went would already have
updated three parameters and their state. It must raise, naming the group, the parameter, its
shape and the problem, and leave every parameter, every state array (the same objects, the same
bytes), every gradient and every option exactly as they were. Fixing the gradient lets the next
step go through.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import optim

from .cases import ALL_NAMES
from .helpers import make, run_steps, snapshot


def _bad_shape(m):
    m.d._grad = ag.tensor(np.ones((2, 3)))  # past the .grad setter, as a buggy hook might
    return ag.ShapeError, "gradient has shape (2, 3)"


def _bad_dtype(m):
    m.d._grad = ag.tensor(np.ones((2, 2), dtype=np.float32))
    return TypeError, "gradient has dtype float32"


def _not_a_tensor(m):
    m.d._grad = np.ones((2, 2))
    return TypeError, "not a Tensor"


def _nan(m):
    m.d.grad._data[0, 1] = np.nan
    return optim.NonFiniteGradError, "gradient is not finite (1 NaN, 0 Inf of 4 elements)"


def _inf(m):
    m.d.grad._data[1, 0] = -np.inf
    return optim.NonFiniteGradError, "gradient is not finite (0 NaN, 1 Inf of 4 elements)"


def _read_only(m):
    m.d._data.flags.writeable = False
    return ValueError, "the parameter's array is read-only"


BREAKERS = {"shape": _bad_shape, "dtype": _bad_dtype, "not-a-tensor": _not_a_tensor,
            "nan": _nan, "inf": _inf, "read-only": _read_only}  # fmt: skip


@pytest.mark.parametrize("problem", list(BREAKERS))
@pytest.mark.parametrize("name", ALL_NAMES)
def test_bad_gradient_changes_nothing(name, problem):
    m, opt = make(name, check_finite=True)
    run_steps(m, opt, 3)
    m.backward(opt)
    exc, detail = BREAKERS[problem](m)
    before = snapshot(opt, m.params)
    with pytest.raises(exc) as info:
        opt.step()
    msg = str(info.value)
    assert f"{name}.step: param group 1, parameter 1" in msg
    assert "shape (2, 2)" in msg and detail in msg and "No parameter or state was changed" in msg
    assert snapshot(opt, m.params) == before

    # fixed, the step goes through, and it is the 4th step of every state
    m.d._data.flags.writeable = True
    m.backward(opt)
    opt.step()
    assert snapshot(opt, m.params)["params"] != before["params"]
    for p in m.params:
        if "step" in opt.state[p]:
            assert opt.state[p]["step"] == 4


@pytest.mark.parametrize("name", ALL_NAMES)
def test_bad_gradient_before_any_state_exists(name):
    """At the first step no state may be created for the good parameters either."""
    m, opt = make(name, check_finite=True)
    m.backward(opt)
    _nan(m)
    with pytest.raises(optim.NonFiniteGradError):
        opt.step()
    assert all(not opt.state.get(p) for p in m.params)


@pytest.mark.parametrize("name", ["SGD", "Adam", "Lion", "RMSprop"])
def test_invalid_option_set_after_construction_changes_nothing(name):
    """An option made invalid after construction (by hand or by a schedule) is caught at the
    step, before anything changes."""
    m, opt = make(name)
    run_steps(m, opt, 2)
    m.backward(opt)
    opt.param_groups[1]["lr"] = -0.5
    before = snapshot(opt, m.params)
    with pytest.raises(ValueError, match=r"Invalid learning rate: -0.5 \(param group 1\)"):
        opt.step()
    assert snapshot(opt, m.params) == before


def test_non_finite_gradients_pass_without_check_finite():
    """``check_finite`` is off by default (it costs a reduction per parameter)."""
    m, opt = make("SGD")
    m.backward(opt)
    m.d.grad._data[0, 0] = np.nan
    opt.step()
    assert np.isnan(m.d._data).any()
    assert not np.isnan(m.W._data).any()


def test_check_finite_can_be_switched_on_later():
    m, opt = make("Adam")
    assert opt.check_finite is False
    m.backward(opt)
    m.b.grad._data[0] = np.inf
    opt.check_finite = True
    with pytest.raises(ValueError, match="param group 0, parameter 1 .*not finite"):
        opt.step()


def test_huge_but_finite_gradient_passes_the_finite_check():
    """The fast check sums the gradient; a sum that overflows must not be mistaken for Inf."""
    m, opt = make("SGD", dtype=np.float32, check_finite=True)
    m.backward(opt)
    m.c.grad._data[:] = np.finfo(np.float32).max
    opt.step()  # no error: every element is finite


def test_named_parameters_are_named_in_errors():
    m, _ = make("SGD")
    opt = optim.SGD([("fc.weight", m.W), ("fc.bias", m.b)], lr=0.1)
    m.backward(opt)
    m.b._grad = ag.tensor(np.ones(4))
    with pytest.raises(ag.ShapeError, match=r"parameter 1 'fc.bias' \(shape \(3,\)"):
        opt.step()


@pytest.mark.gpu
def test_gradient_on_another_device_changes_nothing():
    m, opt = make("Adam")
    m.backward(opt)
    m.d._grad = m.d.grad.to("cuda")
    before = snapshot(opt, m.params)
    with pytest.raises(RuntimeError, match="gradient is on cuda"):
        opt.step()
    assert snapshot(opt, m.params) == before
