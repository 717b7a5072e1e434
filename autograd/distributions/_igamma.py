"""Host numerics of the regularised lower incomplete gamma function and the implicit
reparameterisation gradient of Gamma samples (float64 NumPy arrays in and out).

For ``x ~ Gamma(a, 1)`` drawn by inverting ``u = P(a, x)``, the sample moves with ``a`` as
``dx/da = -(dP/da)(a, x) / p(a, x)`` with ``p`` the density (Figurnov et al., "Implicit
Reparameterization Gradients", 2018). ``P`` and ``dP/da`` are computed to near float64 precision:

* ``x <= a + 1``: the series ``P = p * R``, ``R = sum_n x^(n+1) / (a (a+1) ... (a+n))``, which
  gives ``dx/da = sum_n T_n (psi(a + n + 1) - log x)`` with ``T_n`` the terms of ``R``;
* ``x > a + 1``: Legendre's continued fraction ``Q = 1 - P = p * x * F(a, x)``, run with forward
  mode derivatives in ``a`` (dual numbers through the modified Lentz iteration), which gives
  ``dx/da = x (F (log x - psi(a)) + dF/da)``.
"""

from __future__ import annotations

import numpy as np

from ..ops.special import _special

_TINY = 1e-300
_EPS = 1e-16
_MAX_ITER = 100_000


def _log_density(a, x):
    """log p(a, x) = (a - 1) log x - x - lgamma(a) (x > 0)."""
    return (a - 1) * np.log(x) - x - _special("gammaln", a)


def _series(a, x):
    """R and the gradient sum of the series region (every x > 0, best for x <= a + 1)."""
    r = np.zeros_like(x)
    g = np.zeros_like(x)
    logx = np.log(x)
    term = x / a  # T_0
    psi = _special("digamma", a + 1)  # psi(a + n + 1) at n = 0
    idx = np.arange(x.size)
    n = 0
    while idx.size and n < _MAX_ITER:
        r[idx] += term
        g[idx] += term * (psi - logx)
        # converged once past the peak of the terms (a + n >= x) and below float64 resolution
        done = (term <= _EPS * r[idx]) & (a + n >= x)
        if done.any():
            keep = ~done
            idx, term, psi, a, x, logx = (v[keep] for v in (idx, term, psi, a, x, logx))
        n += 1
        psi = psi + 1 / (a + n)
        term = term * x / (a + n)
    return r, g


def _cfrac(a, x):
    """F(a, x) with Q = p x F, and dF/da: Legendre's continued fraction (x > a + 1)."""
    f = np.empty_like(x)
    df = np.empty_like(x)
    b = x + 1 - a
    db = -np.ones_like(x)
    c = np.full_like(x, 1 / _TINY)
    dc = np.zeros_like(x)
    d = 1 / b
    dd = -db / (b * b)
    h, dh = d.copy(), dd.copy()
    idx = np.arange(x.size)
    i = 1
    while idx.size and i < _MAX_ITER:
        an = -i * (i - a)
        dan = i
        b = b + 2
        # d <- 1 / (an d + b), c <- b + an / c, h <- h d c, each with its derivative in a
        den = an * d + b
        dden = dan * d + an * dd + db
        den = np.where(np.abs(den) < _TINY, _TINY, den)
        d, dd = 1 / den, -dden / (den * den)
        c_new = b + an / c
        dc = db + (dan * c - an * dc) / (c * c)
        c = np.where(np.abs(c_new) < _TINY, _TINY, c_new)
        delta = d * c
        ddelta = dd * c + d * dc
        h, dh = h * delta, dh * delta + h * ddelta
        i += 1
        done = (np.abs(delta - 1) < _EPS) & (np.abs(ddelta) <= _EPS * (np.abs(dh / h) + 1))
        if done.any():
            f[idx[done]], df[idx[done]] = h[done], dh[done]
            keep = ~done
            idx, a, x, b, db = idx[keep], a[keep], x[keep], b[keep], db[keep]
            c, dc, d, dd, h, dh = c[keep], dc[keep], d[keep], dd[keep], h[keep], dh[keep]
    f[idx], df[idx] = h, dh  # not converged in _MAX_ITER steps: the last iterate
    return f, df


def igamma_and_grad(a, x):
    """``(P(a, x), dx/da)``: the regularised lower incomplete gamma function and the implicit
    reparameterisation gradient ``-(dP/da) / p``; ``dP/da`` itself is ``-p * dx/da``.

    a: float64 array of concentrations > 0; x: float64 array of the same shape, x >= 0.
    Returns two float64 arrays of that shape (P = 0 and dx/da = 0 at x = 0; P = 1, dx/da = 0
    at x = inf).
    """
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    shape = a.shape
    a, x = a.ravel(), x.ravel()
    p_out = np.zeros_like(x)
    g_out = np.zeros_like(x)
    ok = (x > 0) & np.isfinite(x) & (a > 0) & np.isfinite(a)
    p_out[~ok & (x == np.inf)] = 1.0
    bad = np.isnan(x) | np.isnan(a) | (a <= 0) | (x < 0)
    p_out[bad] = np.nan
    g_out[bad] = np.nan
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        lo = ok & (x <= a + 1)
        if lo.any():
            al, xl = a[lo], x[lo]
            r, g = _series(al, xl)
            p_out[lo] = np.minimum(np.exp(_log_density(al, xl) + np.log(r)), 1.0)
            g_out[lo] = g
        hi = ok & (x > a + 1)
        if hi.any():
            ah, xh = a[hi], x[hi]
            f, df = _cfrac(ah, xh)
            q = np.exp(_log_density(ah, xh) + np.log(xh * f))
            p_out[hi] = 1.0 - q
            g_out[hi] = xh * (f * (np.log(xh) - _special("digamma", ah)) + df)
    return p_out.reshape(shape), g_out.reshape(shape)
