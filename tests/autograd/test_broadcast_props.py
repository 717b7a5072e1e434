"""Property tests: binary ops with broadcasting agree with NumPy, forward and backward.

For random mutually broadcastable shapes, the forward equals NumPy's, and each input's gradient
(for a random cotangent) has that input's shape and equals the un-broadcast gradient computed
here with plain NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("hypothesis")  # a test extra: the GPU machine may lack it

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import autograd as ag

SHAPES = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4)
SETTINGS = settings(max_examples=30, deadline=None)


def unbroadcast(g, shape):
    """Sum g (the broadcast shape) down to ``shape``: leading dims, then dims that were 1."""
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, s in enumerate(shape):
        if s == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g


def _maximum_grads(x, y, v):
    win, tie = (x > y), (x == y)
    return v * win + 0.5 * v * tie, v * (y > x) + 0.5 * v * tie


# op name: (tensor op, numpy forward, numpy gradients (x, y, v) -> (gx, gy) on the broadcast shape)
OPS = {
    "add": (lambda a, b: a + b, np.add, lambda x, y, v: (v, v)),
    "sub": (lambda a, b: a - b, np.subtract, lambda x, y, v: (v, -v)),
    "mul": (lambda a, b: a * b, np.multiply, lambda x, y, v: (v * y, v * x)),
    "div": (lambda a, b: a / b, np.divide, lambda x, y, v: (v / y, -v * x / (y * y))),
    "maximum": (ag.maximum, np.maximum, _maximum_grads),
}


def draw_inputs(seed, shapes, op):
    rng = np.random.default_rng(seed)
    sx, sy = shapes.input_shapes
    if op == "maximum":
        # small integers: ties are common, so the half-and-half rule is exercised
        x = rng.integers(-2, 3, size=sx).astype(np.float64)
        y = rng.integers(-2, 3, size=sy).astype(np.float64)
    else:
        x = rng.standard_normal(sx)
        y = rng.uniform(0.5, 2.0, size=sy) * rng.choice([-1.0, 1.0], size=sy)  # away from 0
    v = rng.standard_normal(shapes.result_shape)
    return np.asarray(x), np.asarray(y), np.asarray(v)


def check(op, shapes, seed):
    fn, ref, grads = OPS[op]
    x0, y0, v = draw_inputs(seed, shapes, op)
    x = ag.tensor(x0, requires_grad=True)
    y = ag.tensor(y0, requires_grad=True)
    out = fn(x, y)
    want = ref(x0, y0)
    assert out.shape == want.shape == shapes.result_shape
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-12, atol=0)
    out.backward(v)
    xb, yb = np.broadcast_to(x0, want.shape), np.broadcast_to(y0, want.shape)
    gx_full, gy_full = grads(xb, yb, v)
    for t, g_full in ((x, gx_full), (y, gy_full)):
        assert t.grad is not None
        assert t.grad.shape == t.shape
        assert t.grad.dtype == np.float64
        np.testing.assert_allclose(
            t.grad.numpy(), unbroadcast(np.asarray(g_full), t.shape), rtol=1e-10, atol=1e-12
        )


@SETTINGS
@given(shapes=SHAPES, seed=st.integers(0, 2**32 - 1))
def test_add(shapes, seed):
    check("add", shapes, seed)


@SETTINGS
@given(shapes=SHAPES, seed=st.integers(0, 2**32 - 1))
def test_sub(shapes, seed):
    check("sub", shapes, seed)


@SETTINGS
@given(shapes=SHAPES, seed=st.integers(0, 2**32 - 1))
def test_mul(shapes, seed):
    check("mul", shapes, seed)


@SETTINGS
@given(shapes=SHAPES, seed=st.integers(0, 2**32 - 1))
def test_div(shapes, seed):
    check("div", shapes, seed)


@SETTINGS
@given(shapes=SHAPES, seed=st.integers(0, 2**32 - 1))
def test_maximum(shapes, seed):
    check("maximum", shapes, seed)


@SETTINGS
@given(shapes=SHAPES, seed=st.integers(0, 2**32 - 1))
def test_one_side_constant(shapes, seed):
    """Only x requires grad: x's gradient is right and the constant gets none."""
    x0, y0, v = draw_inputs(seed, shapes, "mul")
    x = ag.tensor(x0, requires_grad=True)
    c = ag.tensor(y0)
    (x * c).backward(v)
    assert c.grad is None
    want = unbroadcast(v * np.broadcast_to(y0, v.shape), x0.shape)
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-10, atol=1e-12)


def test_unbroadcast_helper_reference():
    # the reference itself, on a hand-worked case: (2, 3) summed to (3,), (2, 1) and ()
    g = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    np.testing.assert_array_equal(unbroadcast(g, (3,)), [5.0, 7.0, 9.0])
    np.testing.assert_array_equal(unbroadcast(g, (2, 1)), [[6.0], [15.0]])
    np.testing.assert_array_equal(unbroadcast(g, ()), 21.0)
