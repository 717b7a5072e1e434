"""NumPy fallbacks for ``scipy.special`` (host arrays; float64 results), used by
``autograd/ops/special.py`` when scipy (or, on cuda, ``cupyx.scipy.special``) is not importable.

``FALLBACK`` maps a scipy.special name (erfc, gammaln, digamma, polygamma, erfinv) to the
function computing it on a numpy array.
"""

from __future__ import annotations

import math

import numpy as np

_SQRT_PI = math.sqrt(math.pi)


def _vectorized(f):
    v = np.vectorize(f, otypes=[np.float64])

    def vf(x):
        with np.errstate(over="ignore"):  # math.lgamma's overflow (inf) leaves the FPU flag
            return v(np.asarray(x, dtype=np.float64))

    return vf


_TINY = np.finfo(np.float64).tiny


def _lgamma1(t):
    try:
        return math.lgamma(t)
    except (ValueError, OverflowError):  # a pole (0, -1, -2, ...), or |t| > ~2.55e305
        return math.inf


_erf_v, _erfc_v = _vectorized(math.erf), _vectorized(math.erfc)


def _digamma_np(x):
    """psi(x): reflection below 1/2, recurrence up to 10, then the asymptotic series."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        refl = x < 0.5
        z = np.where(refl, 1 - x, x)
        acc = np.zeros_like(z)
        for _ in range(10):  # psi(z) = psi(z + 1) - 1/z
            small = z < 10
            acc = acc - np.where(small, 1 / z, 0)
            z = np.where(small, z + 1, z)
        r = 1 / (z * z)
        tail = r * (1 / 12 - r * (1 / 120 - r * (1 / 252 - r * (1 / 240 - r * (1 / 132 - r * (
            691 / 32760 - r / 12))))))  # fmt: skip
        psi = acc + np.log(z) - 0.5 / z - tail
        cot = 1 / np.tan(np.pi * (x - np.round(x)))  # period pi: x - round(x) is exact
        psi = np.where(refl, psi - np.pi * cot, psi)  # psi(x) = psi(1 - x) - pi cot(pi x)
        pole = (x <= 0) & (x == np.floor(x))
        return np.where(pole, np.where(x == 0, -np.copysign(np.inf, x), np.nan), psi)


_B2K = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798,
        -174611 / 330)  # fmt: skip


def _cot_poly(n):
    """Coefficients (of c^0, c^1, ...) of P_n with d^n/du^n cot(u) = P_n(cot u)."""
    p = [0, 1]
    for _ in range(n):  # d/du P(cot u) = -(1 + c^2) P'(c)
        dp = [i * p[i] for i in range(1, len(p))]
        q = [0] * (len(dp) + 2)
        for i, a in enumerate(dp):
            q[i] -= a
            q[i + 2] -= a
        p = q
    return p


def _cot_coefs(n):
    """P_n's coefficients (``_cot_poly``) as floats times 2^-e, and e >= 0: scaled down by a
    power of two (exactly) where they pass the float range (n >= 170)."""
    p = _cot_poly(n)
    e = max(0, max(abs(a) for a in p).bit_length() - 1000)
    return [a / (1 << e) for a in p], e  # int / int: correctly rounded


def _cotpi(r):
    """cot(pi r) for r in [-1/2, 1/2], exactly 0 at +-1/2: cos(pi r) as sin(pi (1/2 - |r|)),
    where 1/2 - |r| is exact near +-1/2 (a rounded pi r would leave cot ~ 6e-17 there, which
    pi^(n+1) P_n' blows up for large n)."""
    return np.sin(np.pi * (0.5 - np.abs(r))) / np.sin(np.pi * r)


def _polygamma_np(n, x):
    """psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x) for n >= 1: Hurwitz zeta by recurrence and
    the Euler-Maclaurin tail; the reflection formula for x < 0. Every coefficient is a float
    and the sum is kept relative to x^-(n+1) (n! x^-(n+1) in log space where it leaves the
    float range), so what passes the float range is +-inf, never an error."""
    x = np.asarray(x, dtype=np.float64)
    s, sign = n + 1, float((-1) ** (n + 1))
    big = 12 + 2 * n
    with np.errstate(all="ignore"):
        neg = x < 0
        z0 = np.where(neg, 1 - x, x) + 0.0  # + 0.0: -0.0 becomes 0.0
        # zeta(s, z0) = z0^-s rel: (z / z0)^-s summed for z = z0, z0 + 1, ... (zeta(s, z) =
        # z^-s + zeta(s, z + 1)) up to big, then the Euler-Maclaurin tail z^-s (z / (s - 1)
        # + 1/2 + sum_k B_2k / (2k)! (s)_(2k-1) z^(1-2k))
        z, acc = z0, np.zeros_like(z0)
        for _ in range(big):
            small = z < big
            acc = acc + np.where(small, (z / z0) ** -s, 0)
            z = np.where(small, z + 1, z)
        tail, poch, zp = z / (s - 1) + 0.5, float(s), 1 / z
        for k, b in enumerate(_B2K, 1):
            tail = tail + (b / math.factorial(2 * k) * poch) * zp
            poch *= (s + 2 * k - 1) * (s + 2 * k)
            zp = zp / (z * z)
        rel = acc + (z / z0) ** -s * tail
        out = sign * np.exp(math.lgamma(n + 1) - s * np.log(z0) + np.log(rel))
        if n <= 170:  # n! is a float: the direct product, unless z0^-s underflows
            p = z0**-s
            out = np.where(p >= _TINY, (sign * math.factorial(n)) * p * rel, out)
        out = np.where(z0 == np.inf, sign * 0.0, out)  # the limit 0 at +inf
        if neg.any():  # psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi^(n+1) P_n(cot(pi x))
            c = _cotpi(x - np.round(x))  # cot(pi x) has period 1: reduce exactly
            coefs, e = _cot_coefs(n)
            pc = np.zeros_like(c)
            for a in reversed(coefs):
                pc = pc * c + a
            # pi^(n+1) = m^(n+1) 2^(2(n+1)), m = pi / 4: the powers of two go in exactly
            m, ex = math.frexp(math.pi)
            refl = np.ldexp(pc * m ** (n + 1), e + ex * (n + 1))
            out = np.where(neg, (-1) ** n * out - refl, out)
        pole = (x <= 0) & (x == np.floor(x)) & np.isfinite(x)
        return np.where(pole, sign * np.inf, out)


# Giles, "Approximating the erfinv function" (single precision), then Newton steps
_GILES_LO = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
             -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)  # fmt: skip
_GILES_HI = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
             -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)  # fmt: skip


def _erfinv_np(x):
    """erfinv: Giles' approximation refined by Newton steps on erf (erfc for |x| > 1/2, where
    1 - |x| is exact)."""
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    with np.errstate(all="ignore"):
        w = -np.log((1 - a) * (1 + a))
        lo, hi = w - 2.5, np.sqrt(w) - 3
        p_lo, p_hi = np.zeros_like(w), np.zeros_like(w)
        for c_lo, c_hi in zip(_GILES_LO, _GILES_HI):
            p_lo, p_hi = p_lo * lo + c_lo, p_hi * hi + c_hi
        y = np.where(w < 5, p_lo, p_hi) * a
        tail = a > 0.5
        for _ in range(4):
            # Newton on f(y) = erf(y) - a in the middle, on log erfc(y) - log(1 - a) in the
            # tails (nearly quadratic in y there, so it converges from far off)
            slope = (2 / _SQRT_PI) * np.exp(-y * y)  # erf'(y)
            ec = _erfc_v(y)
            step = np.where(tail, np.log(ec / (1 - a)) * ec, _erf_v(y) - a) / slope
            y = np.where(np.isfinite(step), y - step * np.where(tail, -1, 1), y)
        y = np.where(a == 1, np.inf, np.where(a > 1, np.nan, y))
        return np.copysign(y, x)


FALLBACK = {
    "erfc": _erfc_v,
    "gammaln": _vectorized(_lgamma1),
    "digamma": _digamma_np,
    "polygamma": _polygamma_np,
    "erfinv": _erfinv_np,
}
