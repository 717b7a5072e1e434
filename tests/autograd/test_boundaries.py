"""Gradients and errors at the edges of an op's domain, each pinned to PyTorch's convention:
pow at a zero base, clamp with crossed bounds, unsigned subtraction, in-place dtype rules, bad
``to()`` and ``tensor()`` arguments, sign of a bool tensor."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from autograd.errors import ShapeError


def f64(v, rg=True):
    return ag.tensor(np.asarray(v, dtype=np.float64), requires_grad=rg)


def _grads(out, inputs, cot):
    return [g.numpy() for g in ag.grad((out * ag.tensor(cot)).sum(), inputs)]


# -- pow at a zero base ---------------------------------------------------------------------------


def test_pow_base_gradient_is_zero_where_the_exponent_is_zero():
    """d(x^y)/dx = y x^(y-1) is 0 * 0^-1 = NaN at x = y = 0 unmasked; PyTorch gives 0."""
    x, y = f64([0.0, 0.0, 2.0]), f64([0.0, 2.0, 3.0])
    cot = np.array([1.5, -2.0, 0.5])
    gx, gy = _grads(x**y, [x, y], cot)
    np.testing.assert_array_equal(gx, [0.0, 0.0, 0.5 * 3 * 4.0])
    np.testing.assert_allclose(gy, [0.0, 0.0, 0.5 * 8 * np.log(2.0)])


def test_pow_exponent_gradient_is_zero_at_a_zero_base_with_nonnegative_exponent():
    """d(x^y)/dy = x^y log x is 0 * -inf at x = 0, y > 0; PyTorch gives 0 there and keeps
    -inf for y < 0 (x^y = inf), for a tensor base and a constant base alike."""
    x, y = f64([0.0, 0.0, 0.0, 3.0]), f64([2.0, 0.0, -1.0, 2.0])
    with np.errstate(divide="ignore"):
        (gy,) = _grads(x**y, [y], np.ones(4))
    np.testing.assert_array_equal(gy[:3], [0.0, 0.0, -np.inf])
    np.testing.assert_allclose(gy[3], 9 * np.log(3.0))
    y2 = f64([2.0, 0.5, 0.0, -1.0])
    with np.errstate(divide="ignore"):
        (g2,) = _grads(0.0**y2, [y2], np.ones(4))
    np.testing.assert_array_equal(g2, [0.0, 0.0, 0.0, -np.inf])


def test_pow_of_an_integer_base_differentiates_in_the_exponent():
    y = f64([1.5, 2.0])
    (gy,) = _grads(ag.tensor([2, 3]) ** y, [y], np.ones(2))
    np.testing.assert_allclose(gy, [2**1.5 * np.log(2), 9 * np.log(3)], rtol=1e-14)


def test_pow_second_order_at_a_zero_exponent_keeps_its_cross_term():
    """The zero-exponent mask covers only x = 0: at y = 0, x != 0, d2(x^y)/dxdy = 1/x (PyTorch
    masks every y = 0 and gets 0 there)."""
    x, y = f64([0.5, 1.5, 2.0]), f64([0.0, 2.0, 0.5])
    (gx,) = ag.grad((x**y).sum(), [x], create_graph=True)
    (gxy,) = ag.grad(gx[0], [y])
    np.testing.assert_allclose(gxy.numpy(), [2.0, 0.0, 0.0])
    assert ag.gradcheck(lambda a, b: a**b, (x, y))
    assert ag.gradgradcheck(lambda a, b: a**b, (x, y))


# -- clamp --------------------------------------------------------------------------------------


def test_clamp_with_min_above_max_sends_every_gradient_to_max():
    """With min > max the output is max everywhere, so max gets the whole gradient."""
    x = f64([0.5, -1.0, 2.0], rg=False)
    lo, hi = f64([1.0, 1.0, 1.0]), f64([0.0, 0.0, 0.0])
    y = ag.clamp(x, lo, hi)
    np.testing.assert_array_equal(y.detach().numpy(), [0.0, 0.0, 0.0])
    glo, ghi = _grads(y, [lo, hi], np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(glo, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(ghi, [1.0, 2.0, 3.0])


def test_clamp_gradients_match_torch_on_ties_and_crossed_bounds():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    for _ in range(50):
        xv, lv, hv = (rng.integers(-2, 3, 8).astype(float) for _ in range(3))
        cot = rng.standard_normal(8)
        x, lo, hi = f64(xv), f64(lv), f64(hv)
        ours = _grads(ag.clamp(x, lo, hi), [x, lo, hi], cot)
        X, L, H = (torch.tensor(v, requires_grad=True) for v in (xv, lv, hv))
        theirs = torch.autograd.grad((torch.clamp(X, L, H) * torch.tensor(cot)).sum(), [X, L, H])
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(a, b.numpy())


def test_clamp_bounds_that_do_not_broadcast_name_the_op_and_shapes():
    with pytest.raises(ShapeError, match=r"clamp: .*input \(2, 3\), min \(4,\)"):
        ag.clamp(ag.ones(2, 3), ag.ones(4))


# -- integer arithmetic ---------------------------------------------------------------------------


def test_unsigned_minus_a_python_int_wraps_as_numpy_does():
    np.testing.assert_array_equal((ag.tensor([1, 2], dtype=ag.uint8) - 2).numpy(), [255, 0])
    assert (ag.tensor([1], dtype=ag.int8) - (-128)).numpy().tolist() == [-127]
    x = f64([1.5])
    (x - 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0])


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.add_(0.5),
        lambda t: t.sub_(ag.tensor([0.5, 1.0])),
        lambda t: t.mul_(ag.tensor([1.5, 2.0])),
        lambda t: t.pow_(0.5),
        lambda t: t.clamp_(0.5, None),
    ],
)
def test_in_place_float_result_into_an_int_tensor_is_refused_untouched(call):
    t = ag.tensor([1, 2])
    with pytest.raises(TypeError, match=r"(add|sub|mul|pow|clamp)_: .*float64.*int64"):
        call(t)
    assert t.numpy().tolist() == [1, 2] and t._version == 0


def test_in_place_ops_that_keep_the_dtype_kind_still_work():
    t = ag.tensor([1, 2])
    t.add_(1).mul_(2).clamp_(0, 5)
    assert t.numpy().tolist() == [4, 5]
    f = ag.tensor([1.0, 2.0], dtype=ag.float32)
    f.add_(ag.tensor([1.0], dtype=ag.float64)).mul_(ag.tensor([2, 3]))
    assert f.dtype == np.float32 and f.numpy().tolist() == [4.0, 9.0]


# -- constructors and conversions -----------------------------------------------------------------


def test_to_with_an_unknown_string_says_it_is_neither_device_nor_dtype():
    with pytest.raises(ValueError, match=r"'tpu' is neither a device .* nor a dtype"):
        ag.ones(2).to("tpu")
    assert ag.ones(2).to("float64").dtype == np.float64


def test_ragged_nested_list_error_names_tensor():
    with pytest.raises(ValueError, match="tensor: nested sequences must be rectangular"):
        ag.tensor([[1, 2], [3]])


def test_sign_of_a_bool_tensor_is_itself():
    s = ag.sign(ag.tensor([True, False]))
    assert s.dtype == np.bool_ and s.numpy().tolist() == [True, False]


def test_div_gradient_in_the_divisor_does_not_underflow():
    # -x / y^2 written as -x / y / y: y * y underflows to 0 for |y| < 1e-162 in float64
    y = ag.tensor([1e-170, -3e-200], dtype=ag.float64, requires_grad=True)
    x = ag.tensor([1e-170, 2e-200], dtype=ag.float64)
    (g,) = ag.grad((x / y).sum(), y)
    np.testing.assert_allclose(g.numpy(), [-1e170, -(2 / 3) / 3e-200], rtol=1e-12)
