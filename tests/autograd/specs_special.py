"""Op-table rows for ``autograd/ops/special.py`` (see op_table.Spec).

Domains keep away from singularities and kinks (acosh on x > 1, atanh on |x| < 1, logit on
(0, 1), copysign away from 0, lerp's |w| = 1/2 switch, ...): the edge points PyTorch defines are
checked against torch in test_special.py.
"""

from __future__ import annotations

import math

import numpy as np

import autograd as ag

from .op_table import Spec

BIN = [((3, 4), (3, 4)), ((3, 1), (4,)), ((), (2, 3)), ((2, 1, 3), (4, 1))]
UN = [((3, 4),), ((),), ((2, 3, 2),)]
SCALAR = [((2, 3),)]


def _vec(f):
    return np.vectorize(f, otypes=[np.float64])


_erfc = _vec(math.erfc)
_lgamma = _vec(math.lgamma)


def _series(f, f_int, df, x, n=1000):
    """sum_{k >= 0} f(k, x): n terms, then the Euler-Maclaurin tail int_n^inf f + f(n)/2 -
    f'(n)/12 (error ~1e-16 for the x used here)."""
    x = np.asarray(x, dtype=np.float64)
    k = np.arange(float(n))
    flat = x.reshape(-1, 1)
    head = np.sum(f(k, flat), axis=1)
    xs = flat[:, 0]
    return (head + f_int(n, xs) + f(n, xs) / 2 - df(n, xs) / 12).reshape(x.shape)


def _digamma_ref(x):
    # psi(x) = -gamma + sum_k (1/(k + 1) - 1/(k + x))
    return -np.euler_gamma + _series(
        lambda k, x: 1 / (k + 1) - 1 / (k + x),
        lambda n, x: np.log((n + x) / (n + 1)),
        lambda k, x: 1 / (k + x) ** 2 - 1 / (k + 1) ** 2,
        x,
    )


def _polygamma_ref(n):
    # psi^(n)(x) = (-1)^(n+1) n! sum_k (x + k)^-(n+1)
    s = n + 1.0

    def ref(x):
        return (
            (-1) ** (n + 1)
            * math.factorial(n)
            * _series(
                lambda k, x: (k + x) ** -s,
                lambda m, x: (m + x) ** (1 - s) / (s - 1),
                lambda k, x: -s * (k + x) ** (-s - 1),
                x,
            )
        )

    return ref


def _erfinv_ref(x):
    # bisection on math.erf (monotone): exact to float64 rounding after 80 halvings
    x = np.asarray(x, dtype=np.float64)
    lo, hi = np.full(x.shape, -6.0), np.full(x.shape, 6.0)
    erf = _vec(math.erf)
    for _ in range(80):
        mid = (lo + hi) / 2
        below = erf(mid) < x
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return (lo + hi) / 2


def _pair(dx, dy):
    """make(): x from domain dx, y from dy (each (lo, hi) or "nonzero")."""

    def draw(rng, shape, d):
        if d == "nonzero":
            return rng.uniform(0.3, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
        return rng.uniform(*d, shape)

    return lambda rng, case: (draw(rng, case[0], dx), draw(rng, case[1], dy))


def _logit_eps_inputs(rng, case):
    # values on both sides of [eps, 1 - eps] = [0.2, 0.8], none within 0.02 of its ends
    v = rng.choice([0.05, 0.1, 0.3, 0.45, 0.6, 0.75, 0.85, 0.95], size=case[0])
    return (v + rng.uniform(-0.02, 0.02, case[0]),)


def _lerp_inputs(rng, case):
    s, e, w = (rng.uniform(-2, 2, c) for c in case)
    # keep |w| away from the 1/2 switch between the two (equal) formulas
    w = np.where(np.abs(np.abs(w) - 0.5) < 0.05, w * 1.3, w)
    return s, e, w


def _with_nonfinite(rng, case):
    x = rng.uniform(-2, 2, case[0])
    flat = x.reshape(-1)
    flat[: min(3, flat.size)] = [np.nan, np.inf, -np.inf][: min(3, flat.size)]
    return (x,)


def _lerp_ref(s, e, w):
    return np.where(np.abs(w) < 0.5, s + w * (e - s), e - (e - s) * (1 - w))


def _hyp_case(name, fn, ref, domain):
    return Spec(name, fn, ref, UN, domain=domain)


SPECS = [
    # -- unary: trig and hyperbolic (rows of the unary table) -----------------------------------
    _hyp_case("sinh", ag.sinh, np.sinh, "real"),
    _hyp_case("cosh", ag.cosh, np.cosh, "real"),
    _hyp_case("asinh", ag.asinh, np.arcsinh, "real"),
    _hyp_case("acosh", ag.acosh, np.arccosh, (1.2, 3.0)),
    _hyp_case("atanh", ag.atanh, np.arctanh, "unit"),
    _hyp_case("asin", ag.asin, np.arcsin, "unit"),
    _hyp_case("acos", ag.acos, np.arccos, "unit"),
    _hyp_case("atan", ag.atan, np.arctan, "real"),
    Spec("arctan_method", lambda x: x.arctan(), np.arctan, SCALAR),
    Spec("arccosh_alias", ag.arccosh, np.arccosh, SCALAR, domain=(1.2, 3.0)),
    _hyp_case("log10", ag.log10, np.log10, "positive"),
    _hyp_case("exp2", ag.exp2, np.exp2, "real"),
    # -- unary: special functions ---------------------------------------------------------------
    _hyp_case("sinc", ag.sinc, np.sinc, "nonzero"),
    Spec("sinc_near0", ag.sinc, np.sinc, SCALAR, domain=(0.01, 0.2)),
    _hyp_case("logit", ag.logit, lambda x: np.log(x / (1 - x)), (0.05, 0.95)),
    Spec(
        "logit_eps",
        lambda x: ag.logit(x, eps=0.2),
        lambda x: np.log(np.clip(x, 0.2, 0.8) / (1 - np.clip(x, 0.2, 0.8))),
        [((3, 4),), ((2, 5),)],
        make=_logit_eps_inputs,
    ),
    _hyp_case("erfc", ag.erfc, _erfc, "real"),
    Spec("erfc_tail", ag.erfc, _erfc, SCALAR, domain=(3.0, 5.0), rtol=1e-12),
    _hyp_case("erfinv", ag.erfinv, _erfinv_ref, "unit"),
    _hyp_case("lgamma", ag.lgamma, _lgamma, (0.3, 4.0)),
    Spec("lgamma_negative", ag.lgamma, _lgamma, SCALAR, domain=(-2.8, -2.2)),
    Spec("digamma", ag.digamma, _digamma_ref, [((3, 4),), ((),)], domain=(0.5, 3.0)),
    Spec(
        "polygamma_1",
        lambda x: ag.polygamma(1, x),
        _polygamma_ref(1),
        [((3, 4),)],
        domain=(0.5, 3.0),
    ),
    Spec(
        "polygamma_2_method", lambda x: x.polygamma(2), _polygamma_ref(2), SCALAR, domain=(0.5, 3.0)
    ),
    _hyp_case("frac", ag.frac, lambda x: x - np.trunc(x), (-2.9, 2.9)),
    _hyp_case("deg2rad", ag.deg2rad, np.deg2rad, "real"),
    _hyp_case("rad2deg", ag.rad2deg, np.rad2deg, "real"),
    Spec("sgn", ag.sgn, np.sign, UN, domain="nonzero"),
    Spec("signbit", ag.signbit, np.signbit, UN, domain="nonzero", grad=False),
    Spec("positive", lambda x: ag.positive(x) * 1.0, lambda x: x, SCALAR),
    # -- binary: broadcasting pairs and Python scalars on either side ---------------------------
    Spec("atan2", ag.atan2, np.arctan2, BIN, domain="nonzero"),
    Spec("atan2_scalar_left", lambda x: ag.atan2(-1.5, x), lambda x: np.arctan2(-1.5, x), UN),
    Spec("arctan2_scalar_right", lambda x: x.arctan2(0.7), lambda x: np.arctan2(x, 0.7), UN),
    Spec("hypot", ag.hypot, np.hypot, BIN, domain="nonzero"),
    Spec("hypot_scalar", lambda x: ag.hypot(1.5, x), lambda x: np.hypot(1.5, x), UN),
    Spec("logaddexp", ag.logaddexp, np.logaddexp, BIN),
    Spec("logaddexp_scalar", lambda x: x.logaddexp(0.5), lambda x: np.logaddexp(x, 0.5), UN),
    Spec("logaddexp2", ag.logaddexp2, np.logaddexp2, BIN),
    Spec("logaddexp2_scalar", lambda x: ag.logaddexp2(-1.0, x), lambda x: np.logaddexp2(-1, x), UN),
    Spec("xlogy", ag.xlogy, lambda x, y: x * np.log(y), BIN, make=_pair((-2, 2), (0.2, 3))),
    Spec(
        "xlogy_scalar_x",
        lambda y: ag.xlogy(2.5, y),
        lambda y: 2.5 * np.log(y),
        UN,
        domain="positive",
    ),
    Spec("xlogy_scalar_y", lambda x: x.xlogy(3.0), lambda x: x * np.log(3.0), UN),
    Spec("fmod", ag.fmod, np.fmod, BIN, make=_pair((-3, 3), "nonzero")),
    Spec("fmod_scalar", lambda x: x.fmod(-0.7), lambda x: np.fmod(x, -0.7), UN, domain=(-3, 3)),
    Spec(
        "fmod_scalar_left",
        lambda y: ag.fmod(2.5, y),
        lambda y: np.fmod(2.5, y),
        UN,
        domain="nonzero",
    ),
    Spec("copysign", ag.copysign, np.copysign, BIN, domain="nonzero"),
    Spec(
        "copysign_scalar",
        lambda x: x.copysign(-1.0),
        lambda x: np.copysign(x, -1.0),
        UN,
        domain="nonzero",
    ),
    Spec("float_power", ag.float_power, np.float_power, BIN, make=_pair((0.3, 2), (-2, 2))),
    Spec("float_power_scalar", lambda x: x.float_power(3), lambda x: np.float_power(x, 3), UN),
    Spec("float_power_rscalar", lambda y: ag.float_power(1.7, y), lambda y: 1.7**y, UN),
    Spec(
        "lerp",
        ag.lerp,
        _lerp_ref,
        [((3, 4), (3, 4), (3, 4)), ((3, 1), (4,), (1, 4)), ((2, 3), (), (2, 1, 3))],
        make=_lerp_inputs,
    ),
    Spec("lerp_scalar_lo", lambda s, e: s.lerp(e, 0.3), lambda s, e: s + 0.3 * (e - s), BIN),
    Spec(
        "lerp_scalar_hi", lambda s, e: ag.lerp(s, e, -0.8), lambda s, e: _lerp_ref(s, e, -0.8), BIN
    ),
    Spec("clamp_min_tensor", ag.clamp_min, np.maximum, BIN, domain="nonzero"),
    Spec("clamp_max_tensor", ag.clamp_max, np.minimum, BIN, domain="nonzero"),
    Spec("clamp_min_scalar", lambda x: x.clamp_min(0.3), lambda x: np.maximum(x, 0.3), UN),
    Spec("clamp_max_scalar", lambda x: x.clamp_max(-0.3), lambda x: np.minimum(x, -0.3), UN),
    # -- others ---------------------------------------------------------------------------------
    Spec("nan_to_num", ag.nan_to_num, np.nan_to_num, UN),
    Spec(
        "nan_to_num_nonfinite",
        lambda x: ag.nan_to_num(x, nan=1.5, posinf=9.0, neginf=-9.0),
        lambda x: np.nan_to_num(x, nan=1.5, posinf=9.0, neginf=-9.0),
        [((3, 4),), ((5,),)],
        make=_with_nonfinite,
    ),
    Spec(
        "isclose",
        lambda x, y: ag.isclose(x, y, atol=0.5),
        lambda x, y: np.isclose(x, y, rtol=1e-5, atol=0.5),
        BIN,
        grad=False,
    ),
]
