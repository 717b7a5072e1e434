"""EarlyStopping: patience, min_delta, modes, non-finite values, restoring the best weights."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
import optim


def _feed(stopper, values):
    """The index of the value at which ``step`` first returned True, or None."""
    for i, v in enumerate(values):
        if stopper.step(v):
            return i
    return None


def test_min_mode_patience():
    s = optim.EarlyStopping(patience=2)
    assert _feed(s, [1.0, 0.8, 0.9, 0.7, 0.75, 0.71, 0.6]) == 5
    assert s.best == 0.7 and s.best_epoch == 3 and s.epoch == 5 and s.num_bad_epochs == 2
    assert s.should_stop


def test_max_mode_and_min_delta():
    s = optim.EarlyStopping(patience=2, min_delta=0.05, mode="max")
    # 0.52 and 0.54 do not beat 0.5 by more than 0.05
    assert _feed(s, [0.5, 0.52, 0.54, 0.9]) == 2
    assert s.best == 0.5 and s.best_epoch == 0
    s = optim.EarlyStopping(patience=2, min_delta=0.05, mode="max")
    assert _feed(s, [0.5, 0.52, 0.6, 0.62, 0.64]) == 4
    assert s.best == 0.6 and s.best_epoch == 2


def test_patience_zero_stops_at_the_first_epoch_without_improvement():
    s = optim.EarlyStopping(patience=0)
    assert _feed(s, [3.0, 2.0, 1.0, 1.0]) == 3


def test_non_finite_values():
    s = optim.EarlyStopping(patience=5)
    assert _feed(s, [1.0, 0.5, math.nan]) == 2
    assert s.best == 0.5
    s = optim.EarlyStopping(patience=2, check_finite=False)
    assert _feed(s, [1.0, math.nan, math.inf, 0.5]) == 2


def test_tensor_values_and_reset_and_state_dict():
    s = optim.EarlyStopping(patience=1)
    s.step(ag.tensor(2.0))
    s.step(ag.tensor([1.0]))
    sd = s.state_dict()
    s2 = optim.EarlyStopping(patience=1)
    s2.load_state_dict(sd)
    assert (s2.best, s2.best_epoch, s2.epoch) == (1.0, 1, 1)
    assert s2.step(1.5) is True
    s2.reset()
    assert s2.best == math.inf and s2.best_epoch is None and not s2.should_stop
    with pytest.raises(ValueError):
        s2.load_state_dict({"best": 1.0})


def test_restore_best_weights():
    w = ag.tensor(np.zeros(3), requires_grad=True)
    s = optim.EarlyStopping(patience=2, params=[w])
    assert s.restore_best() is False
    for value in [3.0, 1.0, 2.0, 2.5]:
        w._data += 1.0  # "training"
        s.step(value)
    assert s.should_stop
    data = w._data
    assert s.restore_best() is True
    assert w._data is data  # restored in place
    np.testing.assert_array_equal(w._data, 2.0)  # the weights at the value 1.0
    with pytest.raises(RuntimeError, match="without params"):
        optim.EarlyStopping().restore_best()


def test_object_with_parameters_method():
    w = ag.tensor(np.ones(2), requires_grad=True)

    class Model:
        def parameters(self):
            return iter([w])

    s = optim.EarlyStopping(params=Model())
    s.step(1.0)
    w._data[:] = 5.0
    s.restore_best()
    np.testing.assert_array_equal(w._data, 1.0)


@pytest.mark.parametrize(
    "kw",
    [dict(patience=-1), dict(patience=1.5), dict(min_delta=-0.1), dict(mode="lowest")],
)
def test_invalid_arguments(kw):
    with pytest.raises(ValueError):
        optim.EarlyStopping(**kw)
    with pytest.raises(TypeError):
        optim.EarlyStopping(params=[np.zeros(2)])


def test_a_module_restores_its_buffers_too():
    """BatchNorm's running statistics of the best epoch come back with its weights."""
    import nn

    m = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    stopper = optim.EarlyStopping(patience=1, params=m)
    m.train()
    m(ag.randn(8, 3))
    stopper.step(1.0)
    best_mean = m[1].running_mean.numpy().copy()
    best_count = int(m[1].num_batches_tracked.item())
    m(ag.randn(8, 3) * 5 + 3)
    assert not np.allclose(m[1].running_mean.numpy(), best_mean)
    stopper.step(2.0)
    assert stopper.restore_best()
    np.testing.assert_array_equal(m[1].running_mean.numpy(), best_mean)
    assert int(m[1].num_batches_tracked.item()) == best_count
