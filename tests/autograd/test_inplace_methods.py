"""The table-made in-place methods (``x.exp_()``, ``x.scatter_add_(...)``): values, safety."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from autograd.errors import ShapeError
from autograd.methods.inplace import InplaceMethods

NAMES = sorted(n for n in vars(InplaceMethods) if n.endswith("_") and not n.startswith("_"))

# argument-free methods and the input domain that keeps them finite
UNARY = {
    "abs_": "real", "absolute_": "real", "neg_": "real", "negative_": "real", "exp_": "real",
    "expm1_": "real", "log_": "pos", "log1p_": "pos", "log2_": "pos", "sqrt_": "pos",
    "rsqrt_": "pos", "sin_": "real", "cos_": "real", "tan_": "unit", "tanh_": "real",
    "sigmoid_": "real", "relu_": "real", "erf_": "real", "reciprocal_": "pos", "square_": "real",
    "sign_": "real", "floor_": "real", "ceil_": "real", "trunc_": "real", "round_": "real",
    "sinh_": "real", "cosh_": "real", "asinh_": "real", "arcsinh_": "real", "acosh_": "gt1",
    "arccosh_": "gt1", "atanh_": "unit", "arctanh_": "unit", "asin_": "unit", "arcsin_": "unit",
    "acos_": "unit", "arccos_": "unit", "atan_": "real", "arctan_": "real", "log10_": "pos",
    "exp2_": "real", "sinc_": "real", "logit_": "prob", "erfc_": "real", "erfinv_": "unit",
    "lgamma_": "pos", "digamma_": "pos", "frac_": "real", "deg2rad_": "real", "rad2deg_": "real",
    "sgn_": "real", "nan_to_num_": "real",
}  # fmt: skip


def _draw(domain, shape=(3, 4), seed=0):
    rng = np.random.default_rng(seed)
    lo, hi = {
        "real": (-2, 2), "pos": (0.2, 2), "unit": (-0.9, 0.9), "gt1": (1.1, 3), "prob": (0.1, 0.9)
    }[domain]  # fmt: skip
    return rng.uniform(lo, hi, shape)


def test_every_inplace_method_has_its_out_of_place_op():
    for name in NAMES:
        base = InplaceMethods.__dict__[name].__name__[:-1]
        assert callable(getattr(ag, base, None)), f"{name}: autograd.{base} is missing"


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary_inplace_matches_out_of_place_and_bumps_the_version(name, dtype):
    a = _draw(UNARY[name]).astype(dtype)
    x = ag.tensor(a)
    view = x[1]  # a view sees the write
    want = getattr(ag, InplaceMethods.__dict__[name].__name__[:-1])(ag.tensor(a)).numpy()
    v0 = x._version
    out = getattr(x, name)()
    assert out is x and x.dtype == dtype
    np.testing.assert_array_equal(x.numpy(), want)
    np.testing.assert_array_equal(view.numpy(), want[1])
    assert x._version == v0 + 1


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_inplace_matches_torch(name):
    torch = pytest.importorskip("torch")
    a = _draw(UNARY[name], seed=3)
    x, t = ag.tensor(a), torch.tensor(a)
    getattr(x, name)()
    getattr(t, name)()
    np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "name,args",
    [("atan2_", (0.7,)), ("hypot_", (1.5,)), ("xlogy_", (2.0,)), ("fmod_", (0.6,)),
     ("copysign_", (-1.0,)), ("lerp_", (1.0, 0.25)), ("clamp_min_", (0.1,)),
     ("clamp_max_", (-0.1,))],
)  # fmt: skip
def test_binary_inplace_matches_torch(name, args):
    torch = pytest.importorskip("torch")
    a = _draw("pos", seed=4)
    x, t = ag.tensor(a), torch.tensor(a)
    getattr(x, name)(*(ag.tensor(np.full(4, v)) for v in args[:1]), *args[1:])
    getattr(t, name)(*(torch.tensor(np.full(4, v)) for v in args[:1]), *args[1:])
    np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-12, atol=1e-12)


def test_arguments_pass_through():
    x = ag.tensor([0.123456, -2.5, 3.75])
    x.round_(decimals=2)
    np.testing.assert_allclose(x.numpy(), [0.12, -2.5, 3.75], rtol=1e-6)
    x.clip_(-1.0, 1.0)
    np.testing.assert_allclose(x.numpy(), [0.12, -1.0, 1.0], rtol=1e-6)
    z = ag.zeros(4)
    z.scatter_add_(0, ag.tensor([0, 0, 3]), ag.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(z.numpy(), [3.0, 0.0, 0.0, 3.0])


def test_float_only_op_on_an_integer_tensor_raises_and_writes_nothing():
    i = ag.tensor([1, 4, 9])
    with pytest.raises(TypeError, match="sqrt"):
        i.sqrt_()
    np.testing.assert_array_equal(i.numpy(), [1, 4, 9])
    assert i._version == 0


def test_a_result_dtype_the_tensor_cannot_hold_is_refused():
    i = ag.tensor([1, 2, 3])
    with pytest.raises(TypeError, match=r"clamp_: the result has dtype float64, which can't"):
        i.clip_(0.5, 2.5)
    np.testing.assert_array_equal(i.numpy(), [1, 2, 3])
    assert i._version == 0


def test_a_result_of_another_shape_is_refused():
    x = ag.zeros(3)
    with pytest.raises(ShapeError, match=r"clamp_: the result has shape \(2, 3\)"):
        x.clip_(ag.zeros((2, 1)), None)
    np.testing.assert_array_equal(x.numpy(), [0.0, 0.0, 0.0])


def test_leaves_that_require_grad_are_refused_and_interior_tensors_recorded():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="exp_: a leaf Tensor that requires grad"):
        w.exp_()
    y = w * 2
    assert y.sqrt_() is y  # recorded: d sqrt(2w)/dw = 1 / sqrt(2w)
    y.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 1 / np.sqrt([2.0, 4.0]), rtol=1e-6)
    with ag.no_grad():
        w.exp_()  # as an optimiser would
    np.testing.assert_allclose(w.detach().numpy(), np.exp([1.0, 2.0]), rtol=1e-6)


def test_writing_a_tensor_saved_for_backward_is_caught():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    x = ag.tensor([3.0, 4.0])
    y = (w * x).sum()  # Mul saved x
    x.exp_()
    with pytest.raises(RuntimeError, match="version"):
        y.backward()


def test_tensor_arguments_are_read_as_arrays():
    x = ag.tensor([-3.0, 0.5, 3.0])
    x.clip_(ag.tensor(-1.0), ag.tensor([1.0, 0.25, 2.0]))
    np.testing.assert_array_equal(x.numpy(), [-1.0, 0.25, 2.0])


def _indexed_cases(lib, t):
    """(name, args) of each indexed in-place method, made with ``t`` (ag.tensor or torch.tensor)."""
    i64 = {"dtype": lib.int64}
    return [
        ("scatter_", (1, t([[2, 0], [1, 3]], **i64), t([[1.0, 2.0], [3.0, 4.0]]))),
        ("scatter_reduce_", (0, t([[0, 1, 0, 1], [1, 1, 1, 0]], **i64), t([[1.0] * 4] * 2), "sum")),
        ("index_add_", (0, t([2, 0], **i64), t([[1.0] * 4, [2.0] * 4]))),
        ("index_copy_", (1, t([3, 1], **i64), t([[7.0, 8.0], [9.0, 10.0], [11.0, 12.0]]))),
        ("index_fill_", (1, t([0, 2], **i64), -1.5)),
        ("index_put_", ((t([0, 2, 0], **i64), t([1, 3, 1], **i64)), t([5.0, 6.0, 7.0]), True)),
        ("masked_scatter_", (t([True, False, True, False]), t([[9.0] * 4] * 3))),
        ("put_", (t([0, 5, 11], **i64), t([1.0, 2.0, 3.0]))),
        ("triu_", (1,)),
        ("tril_", (-1,)),
    ]


@pytest.mark.parametrize("case", range(10))
def test_indexed_inplace_methods_match_torch(case):
    torch = pytest.importorskip("torch")
    base = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    name, args = _indexed_cases(ag, ag.tensor)[case]
    tname, targs = _indexed_cases(torch, torch.tensor)[case]
    x, t = ag.tensor(base), torch.tensor(base)
    assert getattr(x, name)(*args) is x
    getattr(t, tname)(*targs)
    np.testing.assert_array_equal(x.numpy(), t.numpy())
    assert x._version == 1


def test_where_with_only_a_condition_is_nonzero_as_tuple():
    torch = pytest.importorskip("torch")
    c = np.array([[True, False, True], [False, True, False]])
    got, want = ag.where(ag.tensor(c)), torch.where(torch.tensor(c))
    assert isinstance(got, tuple) and len(got) == len(want) == 2
    for g, w in zip(got, want):
        assert g.dtype == ag.int64
        np.testing.assert_array_equal(g.numpy(), w.numpy())
    with pytest.raises(TypeError, match="where: y must be a tensor"):
        ag.where(ag.tensor(c), 1.0)
