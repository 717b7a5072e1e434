"""Host numerics of the regularised lower incomplete gamma function and the implicit
reparameterisation gradient of Gamma samples (float64 NumPy arrays in and out).

For ``x ~ Gamma(a, 1)`` drawn by inverting ``u = P(a, x)``, the sample moves with ``a`` as
``dx/da = -(dP/da)(a, x) / p(a, x)`` with ``p`` the density (Figurnov et al., "Implicit
Reparameterization Gradients", 2018). ``P`` and ``dx/da`` are computed to near float64 precision
in three regions:

* ``a >= 50`` and ``|x - a| <= 0.3 a``, where the two below need O(sqrt(a)) terms (10^5 at
  a = 10^10): Temme's uniform asymptotic expansion (DLMF 8.12.3-8.12.12; cephes' and torch's
  igamma use it there too). With ``lambda = x / a``, ``eta^2 / 2 = lambda - 1 - log(lambda)``
  (eta of the sign of lambda - 1) and ``E = exp(-a eta^2 / 2) / sqrt(2 pi a)``::

      P = erfc(-eta sqrt(a / 2)) / 2 - E S,   S = sum_k c_k(eta) a^-k,
      c_k(eta) = sum_n d[k][n] eta^n   (DLMF 8.12.12's coefficients, ``_TEMME_D``);

  differentiating at fixed x (d eta / da = -(lambda - 1) / (a eta)) and dividing by the density
  ``p = E / (lambda Gamma*(a))`` (Gamma* from Stirling's series, ``_STIRLING``), E cancels::

      dx/da = lambda Gamma*(a) [r - eta/2 + (lambda - 1 - eta^2/2 - 1/(2a)) S
                                - (r / a) dS/deta - (1/a) sum_k k c_k a^-k],  r = (lambda-1)/eta;

* elsewhere with ``x <= a + 1``: the series ``P = p * R``, ``R = sum_n x^(n+1) / (a (a+1) ...
  (a+n))``, which gives ``dx/da = sum_n T_n (psi(a + n + 1) - log x)`` with ``T_n`` the terms
  of ``R``; summed as R / x and (dx/da) / x, so that it also serves ``log x`` given for an x
  that underflows (``log_reparam_grad``);
* elsewhere with ``x > a + 1``: Legendre's continued fraction ``Q = 1 - P = p * x * F(a, x)``,
  run with forward mode derivatives in ``a`` (dual numbers through the modified Lentz
  iteration), which gives ``dx/da = x (F (log x - psi(a)) + dF/da)``.

The series and the fraction stop within ~150 steps in their regions; one that has not converged
after ``_MAX_ITER`` steps (which would be a bug) keeps its last iterate and warns.

The coefficient tables are exact rationals rounded to float64, from the recurrence
``d[k][n] = (-1)^k g_k d[0][n] + (n + 2) d[k-1][n+2]``, ``d[0][0] = -1/3``,
``d[0][n] = (n + 2) alpha_(n+2)`` with ``lambda = 1 + sum_n alpha_n eta^n`` (the reversion of
``eta(lambda)``) and ``g_k`` Stirling's coefficients (``Gamma*(a) = sum_k g_k a^-k``); they agree
with cephes' ``igam.h`` to its printed digits.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..ops.special import _special

_TINY = 1e-300
_EPS = 1e-16
_MAX_ITER = 10_000
_TEMME_A = 50.0  # Temme's expansion for a >= this ...
_TEMME_SIGMA = 0.3  # ... and |x - a| <= this * a

# Temme's coefficients d[k][n] (k < 10, n < 17: enough for a >= 50, |eta| <= 0.34 to ~1e-18)
# fmt: off
_TEMME_D = [
    [
        -0.3333333333333333, 0.08333333333333333, -0.014814814814814815, 0.0011574074074074073,
        0.0003527336860670194, -0.0001787551440329218, 3.919263178522438e-05,
        -2.185448510679992e-06, -1.85406221071516e-06, 8.296711340953087e-07,
        -1.7665952736826078e-07, 6.707853543401498e-09, 1.0261809784240309e-08,
        -4.382036018453353e-09, 9.14769958223679e-10, -2.5514193994946248e-11,
        -5.830772132550426e-11,
    ],
    [
        -0.001851851851851852, -0.003472222222222222, 0.0026455026455026454,
        -0.0009902263374485596, 0.00020576131687242798, -4.018775720164609e-07,
        -1.8098550334489977e-05, 7.64916091608111e-06, -1.6120900894563446e-06,
        4.647127802807434e-09, 1.378633446915721e-07, -5.752545603517705e-08,
        1.1951628599778148e-08, -1.7543241719747647e-11, -1.0091543710600413e-09,
        4.162792991842583e-10, -8.56390702649298e-11,
    ],
    [
        0.004133597883597883, -0.0026813271604938273, 0.0007716049382716049,
        2.0093878600823047e-06, -0.0001073665322636516, 5.2923448829120125e-05,
        -1.2760635188618728e-05, 3.423578734096138e-08, 1.3721957309062934e-06,
        -6.298992138380055e-07, 1.4280614206064242e-07, -2.0477098421990866e-10,
        -1.409252991086752e-08, 6.228974084922022e-09, -1.3670488396617114e-09,
        9.428356159014678e-13, 1.2872252400089318e-10,
    ],
    [
        0.0006494341563786008, 0.00022947209362139917, -0.0004691894943952557,
        0.00026772063206283885, -7.561801671883977e-05, -2.396505113867297e-07,
        1.1082654115347302e-05, -5.6749528269915965e-06, 1.4230900732435883e-06,
        -2.7861080291528143e-11, -1.6958404091930278e-07, 8.099464905388083e-08,
        -1.9111168485973655e-08, 2.3928620439808118e-12, 2.0620131815488797e-09,
        -9.460496661855133e-10, 2.1541049775774907e-10,
    ],
    [
        -0.0008618882909167117, 0.0007840392217200666, -0.0002990724803031902,
        -1.4638452578843418e-06, 6.641498215465122e-05, -3.968365047179435e-05,
        1.1375726970678419e-05, 2.507497226237533e-10, -1.6954149536558305e-06,
        8.907507532205309e-07, -2.292934834000805e-07, 2.956794137544049e-11,
        2.8865829742708783e-08, -1.4189739437803219e-08, 3.4463580499464896e-09,
        -2.3024517174528067e-13, -3.9409233028046403e-10,
    ],
    [
        -0.00033679855336635813, -6.972813758365857e-05, 0.0002772753244959392,
        -0.00019932570516188847, 6.797780477937208e-05, 1.419062920643967e-07,
        -1.3594048189768693e-05, 8.018470256334202e-06, -2.291481176508095e-06,
        -3.252473551298454e-10, 3.4652846491085265e-07, -1.8447187191171344e-07,
        4.8240967037894184e-08, -1.7989466721743514e-14, -6.306194500013523e-09,
        3.162417628774568e-09, -7.840924253697429e-10,
    ],
    [
        0.0005313079364639922, -0.0005921664373536939, 0.0002708782096718045,
        7.902353232660328e-07, -8.153969367561969e-05, 5.61168275310625e-05,
        -1.8329116582843375e-05, -3.0796134506033047e-09, 3.465155368803609e-06,
        -2.0291327396058603e-06, 5.788792863149004e-07, 2.338630673826657e-13,
        -8.828600746330484e-08, 4.7435958880408125e-08, -1.2545415020710383e-08,
        8.649648858010293e-14, 1.6846058979264062e-09,
    ],
    [
        0.00034436760689237765, 5.171790908260592e-05, -0.00033493161081142234,
        0.0002812695154763237, -0.00010976582244684731, -1.2741009095484485e-07,
        2.7744451511563645e-05, -1.8263488805711332e-05, 5.7876949497350525e-06,
        4.93875893393627e-10, -1.0595367014026043e-06, 6.166714376110408e-07,
        -1.7562973359060463e-07, -1.297447328701544e-12, 2.695423606288966e-08,
        -1.4578352908731272e-08, 3.887645959386175e-09,
    ],
    [
        -0.0006526239185953094, 0.0008394987206720873, -0.000438297098541721,
        -6.969091458420552e-07, 0.00016644846642067547, -0.00012783517679769218,
        4.629953263691304e-05, 4.557909867922708e-09, -1.0595271125805195e-05,
        6.783342904865167e-06, -2.1075476666258803e-06, -1.7213731432817144e-11,
        3.773587741611098e-07, -2.1867506700122867e-07, 6.220228804018927e-08, 6.597703826733e-16,
        -9.590386497425686e-09,
    ],
    [
        -0.0005967612901927463, -7.204895416020011e-05, 0.0006782308837667328,
        -0.0006401475260262758, 0.00027750107634328704, 1.819700838046515e-07,
        -8.479507117068503e-05, 6.105192082501531e-05, -2.1073920183404862e-05,
        -8.858589014125599e-10, 4.5284535953805374e-06, -2.8427815022504407e-06,
        8.708234177864641e-07, 3.6886101871706966e-12, -1.534469519070206e-07,
        8.862466778790695e-08, -2.5184812301826817e-08,
    ],
]
_STIRLING = [  # Gamma*(a) = sum_k g_k a^-k
    1, 1 / 12, 1 / 288, -139 / 51840, -571 / 2488320, 163879 / 209018880,
    5246819 / 75246796800, -534703531 / 902961561600, -4483131259 / 86684309913600,
    432261921612371 / 514904800886784000, 6232523202521089 / 86504006548979712000,
]
# fmt: on

_TEMME_D = np.array(_TEMME_D)
_STIRLING = np.array(_STIRLING)
_TEMME_COLMAX = np.abs(_TEMME_D).max(0)


def _warn_unconverged(what: str, n: int) -> None:
    warnings.warn(
        f"igamma: the {what} did not converge in {_MAX_ITER} steps for {n} value(s); their "
        "P(a, x) and reparameterisation gradient are approximate",
        RuntimeWarning,
        stacklevel=4,
    )


def _log1pmx(s):
    """log(1 + s) - s (s > -1), accurate for small s (its series for |s| < 1/2)."""
    out = np.log1p(s) - s
    small = np.abs(s) < 0.5
    if small.any():
        t = s[small]
        m = float(np.abs(t).max())
        n_max = 2 if m == 0 else int(np.clip(np.ceil(-39.0 / np.log(m)) + 2, 2, 60))
        acc = np.zeros_like(t)
        for n in range(n_max, 1, -1):  # sum_{n >= 2} (-1)^(n+1) t^n / n = t^2 * acc
            acc = acc * t + (1.0 if n % 2 else -1.0) / n
        out[small] = acc * t * t
    return out


def _horner(coef, t):
    """sum_n coef[n] t^n (coef: host floats; t: an array), in place on one buffer."""
    out = np.full_like(t, coef[-1])
    for c in coef[-2::-1]:
        out *= t
        out += c
    return out


def _temme(a, x, want_p):
    """P(a, x) (None unless ``want_p``) and (dx/da) / x by Temme's expansion (the module
    docstring); a >= 50, |x - a| <= 0.3 a."""
    s = (x - a) / a  # lambda - 1
    eta = np.sign(s) * np.sqrt(np.maximum(-2.0 * _log1pmx(s), 0.0))
    r = np.where(eta == 0, 1.0, s / np.where(eta == 0, 1.0, eta))  # (lambda - 1) / eta
    # the terms that matter for these a and eta: |c_k| a^-k and |d[k][n] eta^n| above ~1e-17 S
    a_min, e_max = float(a.min()), float(np.abs(eta).max())
    n_k = int(min(len(_TEMME_D), np.ceil(14.5 / np.log10(a_min))))
    big = np.nonzero(_TEMME_COLMAX * e_max ** np.arange(_TEMME_D.shape[1]) >= 3e-18)[0]
    n_n = min(_TEMME_D.shape[1], int(big.max()) + 2)
    inv_a = 1.0 / a
    if a_min == float(a.max()):  # one concentration (the usual batch): fold the k sums first
        pw = a_min ** -np.arange(n_k, dtype=np.float64)
        d = _TEMME_D[:n_k, :n_n]
        s_sum = _horner(pw @ d, eta)
        ds_sum = _horner((pw @ d)[1:] * np.arange(1, n_n), eta)
        ks_sum = _horner((np.arange(n_k) * pw) @ d, eta)
    else:
        s_sum, ds_sum, ks_sum = np.zeros_like(a), np.zeros_like(a), np.zeros_like(a)
        afac = np.ones_like(a)
        ck, dck = np.empty_like(a), np.empty_like(a)
        for k in range(n_k):  # c_k(eta) and c_k'(eta) by Horner's rule, in place
            row = _TEMME_D[k]
            ck.fill(row[n_n - 1])
            dck.fill((n_n - 1) * row[n_n - 1])
            for n in range(n_n - 2, -1, -1):
                ck *= eta
                ck += row[n]
                if n:
                    dck *= eta
                    dck += n * row[n]
            ck *= afac
            s_sum += ck
            ds_sum += dck * afac
            if k:
                ks_sum += k * ck
            afac *= inv_a
    gstar = np.zeros_like(a)
    for gk in _STIRLING[::-1]:
        gstar = gstar * inv_a + gk
    dq = r - eta / 2 + (s - eta * eta / 2 - inv_a / 2) * s_sum - r * inv_a * ds_sum - ks_sum * inv_a
    g_over_x = gstar * dq * inv_a
    if not want_p:
        return None, g_over_x
    e = np.exp(-0.5 * a * eta * eta) / np.sqrt(2 * np.pi * a)
    p = 0.5 * _special("erfc", -eta * np.sqrt(a / 2)) - e * s_sum
    return np.clip(p, 0.0, 1.0), g_over_x


def _series(a, x, logx):
    """R / x and G / x with R = sum_n T_n, G = sum_n T_n (psi(a + n + 1) - log x) and
    T_n = x^(n+1) / (a (a+1) ... (a+n)) (x >= 0, best for x <= a + 1; log x given, so that an x
    that underflowed to 0 still gives G / x)."""
    r = np.zeros_like(x)
    g = np.zeros_like(x)
    term = 1 / a  # T_0 / x
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
    if idx.size:
        _warn_unconverged("series", idx.size)
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
        # converged: delta within an ulp of 1 (either side) and its dual part negligible
        done = (np.abs(delta - 1) <= 3e-16) & (np.abs(ddelta) <= _EPS * (np.abs(dh / h) + 1))
        if done.any():
            f[idx[done]], df[idx[done]] = h[done], dh[done]
            keep = ~done
            idx, a, x, b, db = idx[keep], a[keep], x[keep], b[keep], db[keep]
            c, dc, d, dd, h, dh = c[keep], dc[keep], d[keep], dd[keep], h[keep], dh[keep]
    if idx.size:
        f[idx], df[idx] = h, dh  # the last iterate
        _warn_unconverged("continued fraction", idx.size)
    return f, df


def _igamma(a, x, logx, want_p):
    """P(a, x) (None unless ``want_p``) and (dx/da) / x for flat float64 arrays of valid
    arguments (a > 0 finite, x = exp(logx) finite, logx finite)."""
    p_out = np.zeros_like(a) if want_p else None
    g_out = np.zeros_like(a)
    temme = (a >= _TEMME_A) & (np.abs(x - a) <= _TEMME_SIGMA * a)
    lo = ~temme & (x <= a + 1)
    hi = ~temme & ~lo
    if temme.any():
        p, g_out[temme] = _temme(a[temme], x[temme], want_p)
        if want_p:
            p_out[temme] = p
    if lo.any():
        al, xl, ll = a[lo], x[lo], logx[lo]
        r, g_out[lo] = _series(al, xl, ll)
        if want_p:
            p_out[lo] = np.minimum(np.exp(al * ll - xl - _special("gammaln", al) + np.log(r)), 1.0)
    if hi.any():
        ah, xh, lh = a[hi], x[hi], logx[hi]
        f, df = _cfrac(ah, xh)
        g_out[hi] = f * (lh - _special("digamma", ah)) + df
        if want_p:
            log_dens = (ah - 1) * lh - xh - _special("gammaln", ah)
            p_out[hi] = 1.0 - np.exp(log_dens + np.log(xh * f))
    return p_out, g_out


def _flat(a, x):
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    return a.shape, a.ravel(), x.ravel()


def igamma_and_grad(a, x, want_p=True):
    """``(P(a, x), dx/da)``: the regularised lower incomplete gamma function and the implicit
    reparameterisation gradient ``-(dP/da) / p``; ``dP/da`` itself is ``-p * dx/da``.

    a: float64 array of concentrations > 0; x: float64 array broadcasting with it, x >= 0.
    Returns two float64 arrays of the broadcast shape (P = 0 and dx/da = 0 at x = 0; P = 1,
    dx/da = 0 at x = inf; NaN for NaN, a <= 0 or x < 0); P is None when ``want_p`` is false
    (the gradient alone, cheaper).
    """
    shape, a, x = _flat(a, x)
    p_out = np.zeros_like(x) if want_p else None
    g_out = np.zeros_like(x)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        ok = (x > 0) & np.isfinite(x) & (a > 0) & np.isfinite(a)
        bad = np.isnan(x) | np.isnan(a) | (a <= 0) | (x < 0)
        g_out[bad] = np.nan
        if want_p:
            p_out[~ok & (x == np.inf)] = 1.0
            p_out[bad] = np.nan
        if ok.any():
            xo = x[ok]
            p, g = _igamma(a[ok], xo, np.log(xo), want_p)
            g_out[ok] = g * xo
            if want_p:
                p_out[ok] = p
    return (None if p_out is None else p_out.reshape(shape)), g_out.reshape(shape)


def log_reparam_grad(a, logx):
    """``d log(x) / da`` for Gamma(a, 1) samples given as ``logx`` (the implicit gradient over
    x, evaluated without forming x: right for samples far below float64's range, as small-a
    draws are). Same shapes and conventions as ``igamma_and_grad``; NaN where logx or a is
    NaN or a <= 0, 0 at logx = +inf."""
    shape, a, logx = _flat(a, logx)
    out = np.zeros_like(logx)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        ok = np.isfinite(logx) & (a > 0) & np.isfinite(a)
        out[np.isnan(logx) | np.isnan(a) | (a <= 0) | (logx == -np.inf)] = np.nan
        if ok.any():
            lo = logx[ok]
            out[ok] = _igamma(a[ok], np.exp(lo), lo, False)[1]
    return out.reshape(shape)
