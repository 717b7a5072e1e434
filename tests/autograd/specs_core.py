"""Op-table rows for arithmetic and elementwise ops (format: tests/autograd/op_table.py)."""

from __future__ import annotations

import math

import numpy as np

import autograd as ag

from .op_table import Spec

BIN = [((3, 4), (3, 4)), ((3, 1), (4,)), ((), (2, 3)), ((2, 1, 3), (4, 1))]
UN = [((3, 4),), ((),), ((2, 3, 2),)]

_erf = np.vectorize(math.erf)


def _bool_cond(rng, case):
    return (rng.random(case[0]) > 0.5, rng.uniform(-2, 2, case[1]), rng.uniform(-2, 2, case[2]))


SPECS = [
    Spec("add", lambda x, y: x + y, np.add, BIN),
    Spec("sub", lambda x, y: x - y, np.subtract, BIN),
    Spec("mul", lambda x, y: x * y, np.multiply, BIN),
    Spec("div", lambda x, y: x / y, np.divide, BIN, domain="nonzero"),
    Spec("radd_scalar", lambda x: 2.5 + x, lambda x: 2.5 + x, UN),
    Spec("rsub_scalar", lambda x: 2.5 - x, lambda x: 2.5 - x, UN),
    Spec("rmul_scalar", lambda x: 3.0 * x, lambda x: 3.0 * x, UN),
    Spec("rdiv_scalar", lambda x: 2.0 / x, lambda x: 2.0 / x, UN, domain="nonzero"),
    Spec("neg", lambda x: -x, np.negative, UN),
    Spec("pow_tensor", lambda x, y: x**y, np.power, BIN, domain="positive"),
    Spec("pow_scalar", lambda x: x**3, lambda x: x**3, UN),
    Spec("pow_half", lambda x: x**0.5, np.sqrt, UN, domain="positive"),
    Spec("pow_neg", lambda x: x**-2, lambda x: x**-2.0, UN, domain="nonzero"),
    Spec("pow_zero", lambda x: x**0, lambda x: x**0, UN),
    Spec("rpow_scalar", lambda x: 2.0**x, lambda x: 2.0**x, UN),
    Spec("floor_divide", lambda x, y: x // y, np.floor_divide, BIN, domain="positive"),
    Spec("remainder", lambda x, y: x % y, np.remainder, BIN, domain="positive"),
    Spec(
        "matmul",
        lambda x, y: x @ y,
        np.matmul,
        [
            ((3, 4), (4, 5)),
            ((4,), (4,)),
            ((4,), (4, 3)),
            ((3, 4), (4,)),
            ((2, 3, 4), (4, 5)),
            ((2, 1, 3, 4), (5, 4, 2)),
            ((4,), (2, 4, 3)),
        ],
    ),  # fmt: skip
    Spec("exp", ag.exp, np.exp, UN),
    Spec("log", ag.log, np.log, UN, domain="positive"),
    Spec("log1p", ag.log1p, np.log1p, UN, domain="gt-1"),
    Spec("expm1", ag.expm1, np.expm1, UN),
    Spec("log2", ag.log2, np.log2, UN, domain="positive"),
    Spec("sqrt", ag.sqrt, np.sqrt, UN, domain="positive"),
    Spec("rsqrt", ag.rsqrt, lambda x: 1 / np.sqrt(x), UN, domain="positive"),
    Spec("reciprocal", ag.reciprocal, np.reciprocal, UN, domain="nonzero"),
    Spec("square", ag.square, np.square, UN),
    Spec("abs", ag.abs, np.abs, UN, domain="nonzero"),
    Spec("sign", ag.sign, np.sign, UN, domain="nonzero"),
    Spec("sin", ag.sin, np.sin, UN),
    Spec("cos", ag.cos, np.cos, UN),
    Spec("tan", ag.tan, np.tan, UN, domain=(-1.2, 1.2)),
    Spec("tanh", ag.tanh, np.tanh, UN),
    Spec("sigmoid", ag.sigmoid, lambda x: 1 / (1 + np.exp(-x)), UN, domain=(-6, 6)),
    Spec("relu", ag.relu, lambda x: np.maximum(x, 0), UN, domain="nonzero"),
    Spec("softplus", ag.softplus, lambda x: np.log1p(np.exp(x)), UN, domain=(-4, 4)),
    Spec(
        "softplus_beta",
        lambda x: ag.softplus(x, beta=2.0, threshold=3.0),
        lambda x: np.where(2 * x > 3.0, x, np.log1p(np.exp(2 * x)) / 2),
        UN,
        domain="nonzero",
    ),
    Spec("erf", ag.erf, _erf, UN),
    Spec("floor", ag.floor, np.floor, UN),
    Spec("ceil", ag.ceil, np.ceil, UN),
    Spec("round", ag.round, np.round, UN),
    Spec(
        "clamp_both",
        lambda x: x.clamp(-0.5, 0.7),
        lambda x: np.clip(x, -0.5, 0.7),
        UN,
        domain="nonzero",
    ),  # fmt: skip
    Spec("clamp_min", lambda x: ag.clamp(x, min=0.3), lambda x: np.maximum(x, 0.3), UN),
    Spec("clamp_max", lambda x: ag.clip(x, max=0.3), lambda x: np.minimum(x, 0.3), UN),
    Spec(
        "clamp_tensor_bounds",
        lambda x, lo, hi: ag.clamp(x, lo, hi),
        lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
        [((3, 4), (3, 4), (4,))],
        make=lambda rng, case: (
            rng.uniform(-2, 2, case[0]),
            rng.uniform(-1.5, -0.5, case[1]),
            rng.uniform(0.5, 1.5, case[2]),
        ),  # fmt: skip
    ),
    Spec("maximum", ag.maximum, np.maximum, BIN),
    Spec("minimum", ag.minimum, np.minimum, BIN),
    Spec(
        "where",
        ag.where,
        np.where,
        [((3, 4), (3, 4), (3, 4)), ((3, 1), (4,), ())],
        make=_bool_cond,
        diff=(1, 2),
    ),  # fmt: skip
    Spec(
        "cast_f32_f64",
        lambda x: x.float().double() * 1.0,
        lambda x: x.astype(np.float32).astype(np.float64),
        UN,
        atol=1e-6,
        grad=False,
    ),  # fmt: skip
    Spec(
        "mixed_dtype_add",
        lambda x, y: x + y.float(),
        lambda x, y: x + y.astype(np.float32),
        [((3, 4), (3, 4))],
        diff=(0,),
        atol=1e-6,
    ),  # fmt: skip
    Spec("eq", lambda x, y: x == y, np.equal, BIN, grad=False),
    Spec("lt", lambda x, y: x < y, np.less, BIN, grad=False),
    Spec("ge", lambda x, y: x >= y, np.greater_equal, BIN, grad=False),
    Spec(
        "logical_and",
        lambda x, y: (x > 0) & (y > 0),
        lambda x, y: (x > 0) & (y > 0),
        BIN,
        grad=False,
    ),  # fmt: skip
    Spec("logical_not", lambda x: ~(x > 0), lambda x: ~(x > 0), UN, grad=False),
]
