"""gradcheck and gradgradcheck: right gradients pass, wrong ones are caught with clear messages."""

from __future__ import annotations

import re

import numpy as np
import pytest

import autograd as ag


def f64(a, requires_grad=True):
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def rand(*shape, seed=0):
    return f64(np.random.default_rng(seed).standard_normal(shape))


class Double(ag.Function):
    """y = 2x, right."""

    def forward(self, x):
        return x * 2

    def backward(self, gy):
        return gy * 2


class WrongAt(ag.Function):
    """y = x * w elementwise; w's gradient is off by 5 at one element."""

    save_inputs = (0, 1)
    where = (1, 2)

    def forward(self, x, w):
        return x * w

    def backward(self, gy):
        x, w = self.saved
        gw = np.array(gy * x, copy=True)
        gw[self.where] += 5.0
        return gy * w, gw


class MeanOfCotangent(ag.Function):
    """y = 2x, but backward uses the mean of gy: right only for an all-ones cotangent."""

    def forward(self, x):
        return x * 2

    def backward(self, gy):
        return np.full_like(gy, gy.mean()) * 2


class NanAt(ag.Function):
    def forward(self, x):
        return x * 2

    def backward(self, gy):
        g = np.array(gy * 2, copy=True)
        g[3] = np.nan
        return g


class CubeFirstOrderOnly(ag.Function):
    """x^3 with a backward that reads the raw saved array: right first order, no second order."""

    save_inputs = (0,)

    def forward(self, x):
        return x**3

    def backward(self, gy):
        (x,) = self.saved
        x = x._data if isinstance(x, ag.Tensor) else x  # cuts the graph of the gradient
        return gy * 3 * x * x


def test_right_gradients_pass():
    a, b = rand(3, 4, seed=1), rand(4, 2, seed=2)
    assert ag.gradcheck(lambda a, b: (a @ b).tanh(), (a, b)) is True
    assert ag.gradcheck(Double.apply, (rand(5),))
    assert ag.gradcheck(lambda x: x.exp().sum(), (rand(2, 3),))  # 0-d output
    assert ag.gradcheck(lambda x: x * x, (f64(1.5),))  # 0-d input
    assert ag.gradcheck(lambda x: (x.sin(), x * 3.0), (rand(3),))  # tuple of outputs
    assert ag.gradcheck(rand(3).__mul__, (rand(3, seed=3),))


def test_inputs_not_requiring_grad_are_held_constant():
    c = f64([1.0, 2.0], requires_grad=False)
    x = rand(2)
    assert ag.gradcheck(lambda x, c, k: x * c * k, (x, c, 3.0))
    with pytest.raises(ValueError, match="no input requires grad"):
        ag.gradcheck(lambda c: c * 2.0, (c,))


def test_inputs_are_restored_after_the_check():
    x = rand(3, 2)
    before = x.detach().numpy().copy()
    ag.gradcheck(lambda x: x.sin(), (x,))
    np.testing.assert_array_equal(x.detach().numpy(), before)


def test_broken_backward_is_caught_with_a_clear_message():
    x, w = rand(3, 4, seed=4), rand(3, 4, seed=5)
    with pytest.raises(ag.GradcheckError) as e:
        ag.gradcheck(WrongAt.apply, (x, w))
    msg = str(e.value)
    assert "input 1" in msg
    assert "index (1, 2)" in msg
    m = re.search(r"analytic (\S+), numerical (\S+)", msg)
    assert m, msg
    analytic, numerical = float(m.group(1).rstrip(",")), float(m.group(2).rstrip(","))
    assert abs((analytic - numerical) - 5.0) < 1e-4
    assert isinstance(e.value, RuntimeError)


def test_broken_backward_at_other_element():
    class WrongAt00(WrongAt):
        where = (0, 0)

    with pytest.raises(ag.GradcheckError, match=re.escape("index (0, 0)")):
        ag.gradcheck(WrongAt00.apply, (rand(2, 2, seed=6), rand(2, 2, seed=7)))


def test_raise_exception_false_returns_false():
    args = (rand(3, 4, seed=4), rand(3, 4, seed=5))
    assert ag.gradcheck(WrongAt.apply, args, raise_exception=False) is False
    assert ag.gradcheck(Double.apply, (rand(3),), raise_exception=False) is True


def test_random_cotangent_catches_what_ones_would_hide():
    x = rand(4, seed=8)
    # with an all-ones cotangent this backward gives the right answer
    y = MeanOfCotangent.apply(x)
    y.backward(np.ones(4))
    np.testing.assert_allclose(x.grad.numpy(), np.full(4, 2.0))
    with pytest.raises(ag.GradcheckError):
        ag.gradcheck(MeanOfCotangent.apply, (x,))


def test_nan_gradient_fails_and_is_located():
    x = f64(np.arange(5.0))
    with pytest.raises(ag.GradcheckError) as e:
        ag.gradcheck(NanAt.apply, (x,))
    assert "index (3,)" in str(e.value)
    assert "nan" in str(e.value)


def test_float32_input_warns():
    x = ag.tensor(np.array([0.5, 1.0, 1.5], dtype=np.float32), requires_grad=True)
    with pytest.warns(UserWarning, match="float64"):
        ag.gradcheck(lambda x: x * 2.0, (x,), eps=1e-2, atol=1e-2, rtol=1e-2)


def test_float64_input_does_not_warn(recwarn):
    ag.gradcheck(lambda x: x * 2.0, (rand(3),))
    assert not [w for w in recwarn.list if "float64" in str(w.message)]


def test_gradgradcheck_passes_and_catches_missing_second_order():
    x = rand(4, seed=9)
    assert ag.gradcheck(CubeFirstOrderOnly.apply, (x,))
    assert ag.gradgradcheck(lambda x: x**3, (x,))
    with pytest.raises(ag.GradcheckError):
        ag.gradgradcheck(CubeFirstOrderOnly.apply, (x,))
    assert ag.gradgradcheck(CubeFirstOrderOnly.apply, (x,), raise_exception=False) is False


def test_gradgradcheck_two_inputs():
    a, b = rand(2, 3, seed=10), rand(3, seed=11)
    assert ag.gradgradcheck(lambda a, b: (a * b).sin() * a, (a, b))


def test_gradgradcheck_refuses_inputs_that_do_not_require_grad():
    y = ag.randn(3, dtype=ag.float64)
    with pytest.raises(ValueError, match="gradgradcheck: no input requires grad"):
        ag.gradgradcheck(lambda a: a.sin(), (y,))


def test_gradgradcheck_skips_integer_outputs():
    x = ag.randn(3, dtype=ag.float64, requires_grad=True)
    assert ag.gradgradcheck(lambda a: (a.sin(), a.argmax()), (x,))


# -- fast_mode: one directional derivative per input ---------------------------------------------


def test_fast_mode_passes_right_gradients_and_restores_inputs():
    a, b = rand(3, 4, seed=1), rand(4, 2, seed=2)
    before = a.detach().numpy().copy(), b.detach().numpy().copy()
    assert ag.gradcheck(lambda a, b: (a @ b).tanh(), (a, b), fast_mode=True) is True
    np.testing.assert_array_equal(a.detach().numpy(), before[0])
    np.testing.assert_array_equal(b.detach().numpy(), before[1])
    assert ag.gradcheck(lambda x: x.exp().sum(), (rand(2, 3),), fast_mode=True)
    assert ag.gradcheck(lambda x: x * x, (f64(1.5),), fast_mode=True)  # 0-d input
    assert ag.gradcheck(lambda x: (x.sin(), x * 3.0), (rand(3),), fast_mode=True)
    c = f64([1.0, 2.0], requires_grad=False)
    assert ag.gradcheck(lambda x, c, k: x * c * k, (rand(2), c, 3.0), fast_mode=True)


@pytest.mark.parametrize("seed", range(5))
def test_fast_mode_catches_a_wrong_element_and_names_the_input(seed):
    x, w = rand(3, 4, seed=4), rand(3, 4, seed=5)
    with pytest.raises(ag.GradcheckError) as e:
        ag.gradcheck(WrongAt.apply, (x, w), fast_mode=True, seed=seed)
    msg = str(e.value)
    assert "fast_mode" in msg and "input 1" in msg and "fast_mode=False" in msg
    # the directional error is the element's error (5) times u's component there
    m = re.search(r"analytic u.J\^T v = (\S+), numerical (\S+) ", msg)
    assert m and abs(float(m.group(1).rstrip(",")) - float(m.group(2))) > 1e-3, msg
    assert ag.gradcheck(WrongAt.apply, (x, w), fast_mode=True, raise_exception=False) is False


def test_fast_mode_catches_nan_and_cotangent_misuse():
    with pytest.raises(ag.GradcheckError, match="fast_mode"):
        ag.gradcheck(NanAt.apply, (rand(5),), fast_mode=True)
    with pytest.raises(ag.GradcheckError, match="fast_mode"):
        ag.gradcheck(MeanOfCotangent.apply, (rand(4, seed=8),), fast_mode=True)


def test_gradgradcheck_fast_mode():
    x = rand(4, seed=9)
    assert ag.gradgradcheck(lambda x: (x * x).sin(), (x,), fast_mode=True)
    with pytest.raises(ag.GradcheckError, match="fast_mode"):
        ag.gradgradcheck(CubeFirstOrderOnly.apply, (x,), fast_mode=True)


def test_fast_mode_agrees_with_torch_on_a_passing_op():
    torch = pytest.importorskip("torch")
    a_np = np.random.default_rng(3).standard_normal((4, 5))
    a = ag.tensor(a_np, requires_grad=True)
    at = torch.tensor(a_np, requires_grad=True)
    assert ag.gradcheck(lambda x: (x * x).tanh(), (a,), fast_mode=True)
    assert torch.autograd.gradcheck(lambda x: (x * x).tanh(), (at,), fast_mode=True)
