"""Behaviours a torch-parity audit found wrong (each test failed before its fix).

The expected values are written out (NumPy references, PyTorch's documented rules), so these
run without torch; where torch is installed, one test also compares against it directly.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# -- operators and elementwise ops ----------------------------------------------------------------


def test_bitwise_operators_on_integer_tensors_are_bitwise():
    a, b = ag.tensor([6, 5, 0, -3]), ag.tensor([3, 1, 2, 7])
    an, bn = a.numpy(), b.numpy()
    np.testing.assert_array_equal((a & b).numpy(), an & bn)
    np.testing.assert_array_equal((a | b).numpy(), an | bn)
    np.testing.assert_array_equal((a ^ b).numpy(), an ^ bn)
    np.testing.assert_array_equal((~a).numpy(), ~an)
    np.testing.assert_array_equal((a & 3).numpy(), an & 3)
    np.testing.assert_array_equal((1 | a).numpy(), 1 | an)
    m, k = a > 0, b > 2
    np.testing.assert_array_equal((m & k).numpy(), (an > 0) & (bn > 2))  # bool: logical
    np.testing.assert_array_equal((~m).numpy(), ~(an > 0))
    with pytest.raises(TypeError, match=r"bitwise_and: not defined for float32"):
        ag.tensor([1.0]) & ag.tensor([2.0])


@pytest.mark.parametrize("op", ["floor_divide", "remainder"])
def test_integer_division_by_zero_raises(op):
    a = ag.tensor([5, 3])
    fn = getattr(ag, op)
    with pytest.raises(ZeroDivisionError, match=op):
        fn(a, 0)
    with pytest.raises(ZeroDivisionError, match=op):
        fn(a, ag.tensor([1, 0]))
    with pytest.raises(ZeroDivisionError, match=op):
        fn(7, ag.tensor([2, 0]))
    np.testing.assert_array_equal(fn(a, 2).numpy(), getattr(np, op)(a.numpy(), 2))
    with np.errstate(divide="ignore", invalid="ignore"):  # floats follow IEEE, as in torch
        assert not np.isfinite(fn(ag.tensor([1.0]), 0.0).numpy()).any()


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_minimum_pass_the_whole_gradient_to_both_sides_of_a_nan(op):
    x = np.array([1.0, 2.0, np.nan, 3.0, 1.0, np.nan])
    y = np.array([2.0, 2.0, 1.0, np.nan, 0.0, np.nan])
    g = _rand(6)
    a, b = ag.tensor(x, requires_grad=True), ag.tensor(y, requires_grad=True)
    getattr(ag, op)(a, b).backward(ag.tensor(g))
    win_a = (x > y) if op == "maximum" else (x < y)
    win_b = (y > x) if op == "maximum" else (y < x)
    nan = np.isnan(x) | np.isnan(y)
    tie = x == y
    want_a = np.where(nan, g, np.where(tie, g / 2, g * win_a))
    want_b = np.where(nan, g, np.where(tie, g / 2, g * win_b))
    np.testing.assert_allclose(a.grad.numpy(), want_a)
    np.testing.assert_allclose(b.grad.numpy(), want_b)
    # away from NaN and ties the rule is unchanged, to second order
    xs = ag.tensor(_rand(4, 3, seed=1), requires_grad=True)
    ys = ag.tensor(_rand(4, 3, seed=2), requires_grad=True)
    assert ag.gradcheck(getattr(ag, op), (xs, ys))
    assert ag.gradgradcheck(lambda u, v: getattr(ag, op)(u, v) * u, (xs, ys))


# -- reductions -----------------------------------------------------------------------------------


def test_var_std_take_pytorchs_positional_overloads():
    x = _rand(2, 5)
    t = ag.tensor(x)
    for op in ("var", "std"):
        ref = getattr(np, op)
        np.testing.assert_allclose(getattr(t, op)(1, False).numpy(), ref(x, 1, ddof=0))
        np.testing.assert_allclose(getattr(t, op)(1, True).numpy(), ref(x, 1, ddof=1))
        got = getattr(ag, op)(t, 1, False, True)  # (dim, unbiased, keepdim)
        np.testing.assert_allclose(got.numpy(), ref(x, 1, ddof=0, keepdims=True))
        np.testing.assert_allclose(getattr(t, op)(False).numpy(), ref(x, ddof=0))  # (unbiased)
        np.testing.assert_allclose(getattr(t, op)(1, correction=2).numpy(), ref(x, 1, ddof=2))
        np.testing.assert_allclose(getattr(t, op)(0, keepdim=True).numpy(),
                                   ref(x, 0, ddof=1, keepdims=True))  # fmt: skip
        with pytest.raises(TypeError, match=rf"{op}: pass one of correction and unbiased"):
            getattr(t, op)(1, True, correction=0)


@pytest.mark.parametrize("op", ["sum", "mean", "amax", "amin", "var", "std", "logsumexp"])
def test_an_empty_dim_list_reduces_every_dim(op):
    x = _rand(2, 3, 4)
    t = ag.tensor(x)
    for empty in ((), []):
        np.testing.assert_allclose(
            getattr(t, op)(dim=empty).numpy(), getattr(t, op)().numpy(), rtol=1e-12
        )
    if op == "sum":  # NumPy's axis=() keeps its meaning: no reduction
        np.testing.assert_allclose(t.sum(axis=()).numpy(), x)


def test_norm_p0_stays_on_the_graph_with_zero_gradient():
    x = _rand(3, 4)
    x[0, 1] = 0.0
    t = ag.tensor(x, requires_grad=True)
    n = ag.norm(t, p=0, dim=1)
    np.testing.assert_array_equal(n.detach().numpy(), (x != 0).sum(1))
    n.backward(ag.tensor(_rand(3, seed=3)))
    np.testing.assert_array_equal(t.grad.numpy(), np.zeros_like(x))


# -- shape ops ------------------------------------------------------------------------------------


def test_circular_pad_crops_then_wraps():
    x = np.arange(4.0).reshape(1, 1, 4)
    cases = {
        (-1, 1): [1, 2, 3, 1],
        (2, -1): [1, 2, 0, 1, 2],
        (1, 1): [3, 0, 1, 2, 3, 0],
        (-1, -1): [1, 2],
        (3, -1): [0, 1, 2, 0, 1, 2],
        (-2, 2): [2, 3, 2, 3],
    }
    for p, want in cases.items():
        got = F.pad(ag.tensor(x), p, mode="circular").numpy()
        np.testing.assert_array_equal(got[0, 0], want, err_msg=str(p))
    t = ag.tensor(_rand(2, 3, 5), requires_grad=True)
    assert ag.gradcheck(lambda u: F.pad(u, (-2, 3, 1, -1), mode="circular"), (t,))


def test_index_select_on_a_0d_tensor():
    x = ag.tensor(3.0, requires_grad=True)
    y = ag.index_select(x, 0, [0])
    assert y.shape == () and y.item() == 3.0
    y.backward()
    assert x.grad.item() == 1.0
    with pytest.raises(IndexError, match="out of bounds"):
        ag.index_select(x, 0, [1])
    with pytest.raises(ag.ShapeError, match="one index"):
        ag.index_select(x, 0, [0, 0])


# -- nn.functional --------------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [-2.0, -0.5, 0.5, 2.0])
def test_celu_for_any_nonzero_alpha(alpha):
    x = np.array([-3.0, -1.0, -0.2, 0.5, 2.0])
    want = np.where(x > 0, x, alpha * np.expm1(x / alpha))
    np.testing.assert_allclose(F.celu(ag.tensor(x), alpha).numpy(), want, rtol=1e-12)
    np.testing.assert_allclose(nn.CELU(alpha)(ag.tensor(x)).numpy(), want, rtol=1e-12)
    t = ag.tensor(_rand(4, 5, seed=4), requires_grad=True)
    assert ag.gradcheck(lambda u: F.celu(u, alpha), (t,))
    assert ag.gradgradcheck(lambda u: F.celu(u, alpha), (t,))


def test_celu_alpha_zero_is_refused():
    with pytest.raises(ValueError, match="celu: alpha cannot be 0"):
        F.celu(ag.tensor([1.0]), 0.0)


def test_0d_inputs_to_gelu_and_kl_div():
    from math import erf, sqrt

    got = F.gelu(ag.tensor(np.array(0.5))).item()
    assert got == pytest.approx(0.5 * 0.5 * (1 + erf(0.5 / sqrt(2))), rel=1e-12)
    inp, tgt = -1.2, 0.3
    got = F.kl_div(ag.tensor(np.array(inp)), ag.tensor(np.array(tgt)), reduction="sum").item()
    assert got == pytest.approx(tgt * (np.log(tgt) - inp), rel=1e-12)


def test_cross_entropy_with_no_weight_left_is_nan_with_smoothing_too():
    logits = ag.tensor(_rand(2, 3), requires_grad=True)
    w = ag.tensor([0.0, 1.0, 1.0], dtype=ag.float64)
    for eps in (0.0, 0.1):
        loss = F.cross_entropy(logits, ag.tensor([0, 0]), weight=w, label_smoothing=eps)
        assert np.isnan(loss.item())


def test_relu6_is_a_hardtanh():
    m = nn.ReLU6()
    assert isinstance(m, nn.Hardtanh) and (m.min_val, m.max_val) == (0.0, 6.0)
    x = ag.tensor([-1.0, 3.0, 7.0])
    np.testing.assert_array_equal(m(x).numpy(), [0.0, 3.0, 6.0])


def test_against_torch_where_installed():
    torch = pytest.importorskip("torch")
    x = _rand(2, 5)
    for args in ((1, False), (1, True), (1, False, True), (False,)):
        np.testing.assert_allclose(
            ag.tensor(x).std(*args).numpy(), torch.tensor(x).std(*args).numpy(), rtol=1e-12
        )
    a = torch.tensor([6, 5, 0]), torch.tensor([3, 1, 2])
    b = ag.tensor([6, 5, 0]), ag.tensor([3, 1, 2])
    np.testing.assert_array_equal((b[0] & b[1]).numpy(), (a[0] & a[1]).numpy())
    np.testing.assert_array_equal((~b[0]).numpy(), (~a[0]).numpy())
    xs = np.arange(6.0).reshape(1, 2, 3)
    for p in ((-1, 2), (2, -1), (-1, 1, 1, -1)):
        np.testing.assert_array_equal(
            F.pad(ag.tensor(xs), p, mode="circular").numpy(),
            torch.nn.functional.pad(torch.tensor(xs), p, mode="circular").numpy(),
        )


# -- Tensor API (second audit) ---------------------------------------------------------------------


def test_one_element_index_is_a_view():
    x = ag.zeros(3)
    x[0].fill_(5)
    y = ag.zeros(2, 3)
    y[0, 1].add_(5)
    y[..., 1, 2].add_(1)
    np.testing.assert_array_equal(x.numpy(), [5, 0, 0])
    np.testing.assert_array_equal(y.numpy(), [[0, 5, 0], [0, 0, 1]])
    for v in x:
        v.fill_(1)
    np.testing.assert_array_equal(x.numpy(), [1, 1, 1])


def test_reshape_copy_has_its_own_version_and_view_refuses_to_copy():
    a = ag.tensor(_rand(2, 3), requires_grad=True) * 1.0
    b = a.T.reshape(6)  # a copy: changing it must not invalidate a's saved uses
    y = a.exp()
    with ag.no_grad():
        b.add_(1.0)
    y.sum().backward()  # no false "modified by an in-place operation"
    t = ag.tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises(RuntimeError, match="view: shape \\(6,\\) is not compatible"):
        t.T.view(6)
    v = t.view(3, 2)
    v[0, 0] = 9.0
    assert t[0, 0].item() == 9.0


def test_arange_float_steps_and_integer_dtypes():
    a = ag.arange(1000, 1001, 0.001)
    assert a.dtype == np.float32 and len(a) == 1000
    np.testing.assert_allclose(a.numpy(), 1000 + 0.001 * np.arange(1000), atol=1e-4)
    with pytest.raises(ValueError, match="fractional step"):
        ag.arange(0, 3, 0.5, dtype=ag.int64)
    np.testing.assert_array_equal(ag.arange(0, 6, 2.0, dtype=ag.int64).numpy(), [0, 2, 4])
    assert ag.arange(ag.tensor(4)).dtype == np.int64
    assert ag.full((2,), ag.tensor(3)).dtype == np.int64


def test_factory_arguments_follow_pytorch():
    assert ag.randint(10, (3,)).shape == (3,) and ag.randint(2, 5, (4,)).shape == (4,)
    with pytest.raises(TypeError, match="size must be ints"):
        ag.zeros(2.5)
    t64 = ag.tensor(np.ones(2))
    assert ag.tensor([t64, t64]).dtype == np.float64
    assert ag.tensor([np.float64(1.0), 2.0]).dtype == np.float64
    assert ag.tensor([1.0, 2.0]).dtype == np.float32


def test_augmented_assignments_are_in_place():
    x = ag.tensor([6, 5, 3])
    v = x[0]
    v **= 2
    x[1:] //= 2
    assert x.tolist() == [36, 2, 1]
    x %= 5
    x |= 8
    x &= 9
    x ^= 1
    want = (((np.array([36, 2, 1]) % 5) | 8) & 9) ^ 1
    np.testing.assert_array_equal(x.numpy(), want)
    w = ag.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Tensor that requires grad"):
        w **= 2
    with pytest.raises(ZeroDivisionError):
        x //= 0


def test_format_contains_and_as_tensor():
    assert f"{ag.tensor(0.123456):.3f}" == "0.123" and f"{ag.tensor([2.5]):.1f}" == "2.5"
    assert f"{ag.ones(2)}" == str(ag.ones(2))
    with pytest.raises(TypeError, match="only 0-d and one-element 1-D tensors"):
        f"{ag.ones(2):.2f}"
    m = ag.ones(2, 2) * 2
    assert 2.0 in m and 3 not in m and ag.tensor(2.0) in m
    t = ag.tensor(_rand(3), requires_grad=True)
    assert ag.as_tensor(t, dtype=ag.float64) is t
    u = ag.as_tensor(t, dtype=ag.float32)
    assert u.requires_grad and u.dtype == np.float32
    u.sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), np.ones(3))


def test_a_hooks_tensor_is_not_aliased_by_grad():
    x = ag.tensor(np.ones(2), requires_grad=True)
    replacement = ag.tensor(np.full(2, 10.0))
    x.register_hook(lambda g: replacement)
    (x * 2).sum().backward()
    (x * 2).sum().backward()
    np.testing.assert_array_equal(replacement.numpy(), [10.0, 10.0])
    np.testing.assert_array_equal(x.grad.numpy(), [20.0, 20.0])


def test_masked_fill_in_place_and_new_factories():
    x = ag.tensor(np.arange(6.0).reshape(2, 3))
    x.masked_fill_(x > 2, -1.0)
    x.masked_fill_(ag.tensor([True, False, False]), 7.0)  # broadcast over rows
    np.testing.assert_array_equal(x.numpy(), [[7, 1, 2], [7, -1, -1]])
    assert x.new_zeros(2, 3).dtype == np.float64 and x.new_zeros((2, 3)).shape == (2, 3)
    assert x.new_ones(2).tolist() == [1.0, 1.0] and x.new_full((2,), 5).dtype == np.float64
    assert x.new_tensor([1, 2]).dtype == np.float64 and x.new_empty(4).shape == (4,)
    assert x.new_zeros(2, dtype=ag.int64).dtype == np.int64


# -- from the second reading of the fixes ----------------------------------------------------------


def test_all_and_any_with_an_empty_dim_reduce_nothing():
    a = ag.tensor(np.array([[True, False], [True, True]]))
    np.testing.assert_array_equal(a.all(dim=()).numpy(), a.numpy())
    np.testing.assert_array_equal(a.any(dim=[]).numpy(), a.numpy())


def test_celu_derivative_at_zero_is_one_for_negative_alpha():
    x = ag.tensor(np.array([0.0]), requires_grad=True)
    F.celu(x, -2.0).backward()
    assert x.grad.item() == 1.0


def test_compare_keeps_other_type_errors_and_circular_pad_wraps_once():
    with pytest.raises(TypeError) as e:
        ag.tensor([1.0]) == "a"  # noqa: B015
    assert "bitwise" not in str(e.value)
    with pytest.raises(ag.ShapeError, match="more than once"):
        F.pad(ag.tensor(np.arange(5.0).reshape(1, 1, 5)), (3, -3), mode="circular")


def test_arange_refuses_non_finite_bounds_and_new_takes_size():
    with pytest.raises(ValueError, match="arange: start, end and step must be finite"):
        ag.arange(0, float("inf"))
    assert ag.ones(2).new_zeros(size=(2, 3)).shape == (2, 3)


@pytest.mark.parametrize("fn", [F.relu, F.leaky_relu, F.hardtanh, F.relu6, F.hardsigmoid, ag.abs])
def test_a_second_grad_through_piecewise_linear_ops_is_zeros(fn):
    # the first-order gradient is a mask of x: it still requires grad (as in PyTorch), and
    # its own gradient is zero instead of "does not require grad"
    a = ag.tensor(_rand(6), requires_grad=True)
    (g,) = ag.grad((fn(a) * ag.tensor(_rand(6, seed=1))).sum(), a, create_graph=True)
    assert g.requires_grad
    (h,) = ag.grad((g * ag.tensor(_rand(6, seed=2))).sum(), a)
    np.testing.assert_array_equal(h.numpy(), np.zeros(6))


@pytest.mark.parametrize("fn", [ag.sign, ag.floor, ag.round])
def test_a_zero_gradient_under_create_graph_is_a_constant(fn):
    # PyTorch's backward is zeros_like(grad): no graph, so a second grad needs allow_unused
    a = ag.tensor(_rand(6), requires_grad=True)
    (g,) = ag.grad((fn(a) * ag.tensor(_rand(6, seed=1))).sum(), a, create_graph=True)
    assert not g.requires_grad
    np.testing.assert_array_equal(g.numpy(), np.zeros(6))


def test_second_grad_through_relu_matches_torch():
    torch = pytest.importorskip("torch")
    x = _rand(5)
    a, t = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (g,) = ag.grad(F.relu(a).sum(), a, create_graph=True)
    (tg,) = torch.autograd.grad(torch.relu(t).sum(), t, create_graph=True)
    assert g.requires_grad == tg.requires_grad
    (h,) = ag.grad(g.sum(), a)
    (th,) = torch.autograd.grad(tg.sum(), t)
    np.testing.assert_array_equal(h.numpy(), th.numpy())


# -- error messages (an audit of bad inputs) -------------------------------------------------------


def test_bad_operands_and_arguments_get_errors_that_name_the_problem():
    import optim

    x = ag.ones(3)
    with pytest.raises(TypeError, match="unsupported operand type.*'Tensor' and 'str'"):
        x + "a"
    with pytest.raises(TypeError, match="unsupported operand type.*'Tensor' and 'NoneType'"):
        x / None
    with pytest.raises(ag.ShapeError, match=r"add: shapes \(3,\) and \(2,\)"):
        x + [1.0, 2.0]
    with pytest.raises(TypeError, match="where: y must be a tensor"):
        ag.where(x > 0, x, "a")
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        ag.tensor([1.0], device="tpu")
    with pytest.raises(ValueError, match="negative dimension"):
        ag.eye(-1)
    with pytest.raises(TypeError, match="full: fill_value must be a number"):
        ag.full_like(x, "a")
    with pytest.raises(TypeError, match="linspace: steps must be an int"):
        ag.linspace(0, 1, 2.5)
    with pytest.raises(TypeError, match="grad: outputs must be a Tensor"):
        ag.grad(3.0, x)
    with pytest.raises(RuntimeError, match="grad: the inputs argument cannot be empty"):
        ag.grad(x.sum(), [])
    with pytest.raises(ValueError, match=r"uniform_: a \(1\) must be <= b \(0\)"):
        x.uniform_(1, 0)
    with pytest.raises(ValueError, match="normal_: std must be >= 0"):
        nn.init.normal_(x, 0, -1)
    with pytest.raises(ValueError, match=r"trunc_normal_: a \(2\) must be < b \(-2\)"):
        nn.init.trunc_normal_(x, a=2, b=-2)
    with pytest.raises(TypeError, match="Linear.*expected a Tensor input, got list"):
        nn.Linear(2, 2)([[1.0, 2.0]])
    w = ag.tensor(np.ones(3), requires_grad=True)
    w.grad = ag.tensor(np.full(3, 3.0))
    with pytest.raises(ValueError, match="clip_grad_norm_: max_norm must be >= 0"):
        optim.clip_grad_norm_([w], -1)
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 3.0, 3.0])
    with pytest.raises(ValueError, match="StepLR: gamma must be >= 0"):
        optim.lr_scheduler.StepLR(optim.SGD([w], lr=0.1), 1, gamma=-1)


def test_trunc_normal_far_tail_returns_quickly_inside_the_interval():
    t = ag.zeros(2000)
    nn.init.trunc_normal_(t, a=8.0, b=9.0, generator=np.random.default_rng(0))
    v = t.numpy()
    assert v.min() >= 8.0 and v.max() <= 9.0 and 8.0 < v.mean() < 8.3
