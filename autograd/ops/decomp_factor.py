"""Linear algebra: factorisations and the pseudo-inverse (cholesky, qr, eigh, eigvalsh, svd,
svdvals, pinv, pinverse), batched over leading dims like PyTorch; re-exported by ``decomp.py``
(the inverse, determinants and solves), which ``autograd/linalg.py`` takes them from.

Each calls the input's array module (``numpy.linalg`` or ``cupy.linalg``) and writes its
derivative with autograd ops (matmul, transposes, constant triangular masks, the triangular
solve of ``_decomp_util.py``), so every rule is differentiable again (second order works). A
failed factorisation raises ``LinAlgError``. An op with several differentiable outputs (qr,
eigh, svd) returns one packed array, its outputs flattened and concatenated along the last
dim; the entry point slices them apart, and backward slices ``gy`` and the saved packed output
the same way.

Complex matrices follow PyTorch: conjugate transposes (``_H``) where the real rules transpose,
Hermitian inputs for cholesky and eigh, real eigenvalues and singular values, and for the
phase-free vectors of eigh and svd the loss must not depend on their phases (checked, as in
PyTorch).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..dtypes import COMPLEX
from ..function import Function
from ._decomp_util import (
    _H,
    _T,
    LinAlgError,
    SolveTriangular,
    _check_info,
    _diag,
    _diag_embed,
    _eye,
    _flat,
    _is_c,
    _lapack,
    _mm,
    _pack,
    _tie_safe,
    _ties,
    _tril,
    _unpack,
    _zero,
)
from ._linalg_util import _col, _f, _like, _matrix, _raw, _row, _shape, _xp
from .complex_parts import real

# result types, as torch.return_types
QRResult = namedtuple("linalg_qr", ["Q", "R"])
EighResult = namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
SVDResult = namedtuple("linalg_svd", ["U", "S", "Vh"])


# -- factorisations -----------------------------------------------------------------------------


class Cholesky(Function):
    """L with A = L L^T (lower), or U with A = U^T U (``upper``); A (..., n, n) SPD. Only one
    triangle of A is read, as torch (LAPACK's uplo): the lower one for L, the upper one for U.

    PyTorch's gA = L^-H (tril(M) + tril(M, -1)^H) / 2 L^-1, M = L^H gL (real: ^T for ^H),
    symmetric (Hermitian). LinAlgError naming the first leading minor that is not
    positive-definite (NaN included), as torch.
    """

    __slots__ = ("upper",)
    save_output = True
    complex_ok = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # a subclass makes L its own way (cholesky_ex): complex only once it says it is right
        if "complex_ok" not in cls.__dict__:
            cls.complex_ok = False

    def forward(self, a, upper):
        self.upper = upper
        if upper:  # the upper triangle of A is the lower one of A^H: U = chol(A^H)^H
            a = _conj_t(a)
        xp = _xp(a)
        try:
            lo = xp.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            lo = None
        # NumPy "succeeds" on NaN, CuPy on any failure (NaN out): the loop tells which minor
        if lo is None or not bool(xp.isfinite(lo).all()):
            lo, info = _chol_raw(a)
            _check_info("linalg.cholesky", info, _not_pd, info.ndim > 0)
        return _conj_t(lo) if upper else lo

    def backward(self, gy):
        (lo,) = self.saved
        return _cholesky_back(lo, gy, self.upper, self.odtype in COMPLEX), None


def _not_pd(i):
    return (
        "The factorization could not be completed because the input is not positive-definite "
        f"(the leading minor of order {i} is not positive-definite)."
    )


def _chol_raw(a):
    """(L, info) of the lower Cholesky factor: numpy's on success, else a left-looking column
    loop (as LAPACK's potf2): for a matrix that fails at column j (info = j + 1), the columns
    before j are L's, L[j, j] holds the non-positive pivot and the rest A's lower triangle."""
    xp = _xp(a)
    if type(a) is np.ndarray:  # cuSOLVER's failures are not reliably visible in its output
        try:
            L = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            pass
        else:  # NumPy "succeeds" on NaN input; the loop reports it (d > 0 is False for NaN)
            if not np.isnan(L).any():
                return L, np.zeros(a.shape[:-2], dtype=np.int32)
    a3, batch = _flat(a)
    nb, n, _ = a3.shape
    lo = a3 * xp.tri(n, n, dtype=a.dtype)
    info = xp.zeros((nb,), dtype=np.int32)
    ok = xp.ones((nb,), dtype=bool)
    for j in range(n):
        row = lo[:, j, :j]
        d = a3[:, j, j] - (row * row.conj()).sum(axis=-1)  # Hermitian: |L_jk|^2
        if d.dtype.kind == "c":
            d = d.real.astype(d.dtype)  # A's diagonal is read as real (LAPACK's zpotrf)
        good = ok & (d.real > 0)
        info = xp.where(ok & ~good, j + 1, info).astype(np.int32)
        root = xp.sqrt(xp.where(good, d, 1))
        lo[:, j, j] = xp.where(good, root, xp.where(ok, d, lo[:, j, j]))
        dots = xp.matmul(lo[:, j + 1 :, :j], row.conj()[:, :, None])[..., 0]
        col = (a3[:, j + 1 :, j] - dots) / root[:, None]
        lo[:, j + 1 :, j] = xp.where(good[:, None], col, lo[:, j + 1 :, j])
        ok = good
    return lo.reshape(a.shape), info.reshape(batch)


def _conj_t(a):
    """The conjugate transpose of an array's last two dims (the transpose for a real one)."""
    t = a.swapaxes(-1, -2)
    return t.conj() if t.dtype in COMPLEX else t


def _cholesky_back(lo, gl, upper, c):
    """Cholesky's gA, PyTorch's cholesky_backward in its order (so a failed factorisation's
    inf / NaN come out as torch's): M = L^H gL, Phi = (tril(M) + tril(M, -1)^H) / 2,
    gA = L^-H Phi L^-1 (c: complex; real: ^T for ^H)."""
    t = _H if c else _T
    if upper:
        lo, gl = t(lo), t(gl)
    m_ = _tril(_mm(t(lo), gl))
    phi = (m_ + t(_tril(m_, -1))) * 0.5
    ga = SolveTriangular.apply(t(lo), phi, True, True, False)  # L^-H Phi
    return SolveTriangular.apply(lo, ga, False, False, False)  # (L^-H Phi) L^-1


def cholesky(A, upper=False):
    """Cholesky factor of symmetric (complex: Hermitian) positive-definite A (..., n, n): lower
    L with A = L L^H, or upper U with A = U^H U. Only one triangle of A is read, as torch: the
    lower one (upper=False) or the upper one (upper=True); LinAlgError when not
    positive-definite. The gradient is torch's, symmetrised (Hermitian) over both triangles."""
    return Cholesky.apply(_matrix("linalg.cholesky", A, square=True), bool(upper))


def _qr_shapes(m, n, mode):
    k = min(m, n)
    if mode == "complete":
        return [(m, m), (m, n)]
    if mode == "r":
        return [(k, n)]
    return [(m, k), (k, n)]


class QR(Function):
    """A = Q R (packed output). Backward for m >= n (reduced):
    gA = (gQ + Q copyltu(M)) R^-T, M = R gR^T - gQ^T Q, copyltu(M) = tril(M) + tril(M, -1)^T;
    for m < n, A = [X | Y], R = [U | V]: gY = Q gV and gX as above with gQ + Y gV^T, gU.
    Complex: ^H for ^T, and copyltu keeps re(diag(M)) (R's diagonal is real, so the imaginary
    part of diag(Q^H dQ) is fixed by it)."""

    __slots__ = ("mode",)
    save_inputs = (0,)
    save_output = True
    complex_ok = True

    def forward(self, a, mode):
        self.mode = mode
        out = _xp(a).linalg.qr(a, mode=mode)
        parts = [out] if mode == "r" else list(out)
        return _pack(parts, a.shape[:-2])

    def backward(self, gy):
        a, packed = self.saved
        m, n = a.shape[-2:]
        if self.mode == "r":
            raise RuntimeError(
                "linalg.qr: the derivative of linalg.qr depends on Q, which is not computed when "
                "mode='r'. Use linalg.qr(A, mode='reduced') to differentiate through linalg.qr."
            )
        if self.mode == "complete" and m > n:
            raise RuntimeError(
                "linalg.qr: the QR decomposition is not differentiable when mode='complete' and "
                f"nrows > ncols (A of shape {_shape(a)})"
            )
        batch, shapes = _shape(a)[:-2], _qr_shapes(m, n, self.mode)
        q, r = _unpack(packed, batch, shapes)
        gq, gr = _unpack(gy, batch, shapes)
        c = self.odtype in COMPLEX
        if m >= n:
            return _qr_back(q, r, gq, gr, c), None
        y, u = a[..., :, m:], r[..., :, :m]
        gu, gv = gr[..., :, :m], gr[..., :, m:]
        gx = _qr_back(q, u, gq + _mm(y, _H(gv) if c else _T(gv)), gu, c)
        return _f().cat([gx, _mm(q, gv)], dim=-1), None


def _qr_back(q, r, gq, gr, c=False):
    """gA of A = Q R with R square (k, k), Q (m, k), m >= k (c: complex)."""
    t = _H if c else _T
    m_ = _mm(r, t(gr)) - _mm(t(gq), q)
    low = _tril(m_, -1)
    copyltu = low + t(low) + _diag_embed(real(_diag(m_)) if c else _diag(m_))
    b = gq + _mm(q, copyltu)
    return SolveTriangular.apply(t(r), b, False, False, False)  # b R^-T


def qr(A, mode="reduced"):
    """QR factorisation A = Q R, A (..., m, n), k = min(m, n). mode 'reduced': Q (..., m, k),
    R (..., k, n); 'complete': Q (..., m, m), R (..., m, n); 'r': R only (Q is an empty
    tensor, and there is no gradient). Returns the namedtuple (Q, R)."""
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(
            f"linalg.qr: received unrecognized mode {mode!r} but expected one of 'reduced' "
            "(default), 'r', or 'complete'"
        )
    A = _matrix("linalg.qr", A)
    s = _shape(A)
    batch = s[:-2]
    parts = _unpack(QR.apply(A, mode), batch, _qr_shapes(s[-2], s[-1], mode))
    if mode == "r":
        r = _raw(A)
        return QRResult(_like(A, _xp(r).empty((0,), dtype=r.dtype)), parts[0])
    return QRResult(*parts)


class Eigh(Function):
    """(w, V) of symmetric A = V diag(w) V^T, w ascending (packed output). Backward:
    gA = V (diag(gw) + skew(V^T gV) / 2 / E) V^T, E_ij = w_j - w_i (PyTorch's projection onto
    symmetric gradients); needs distinct eigenvalues. Complex (Hermitian) A: ^H for ^T, w real
    (packed as complex), the diagonal of skew(V^H gV) (i im, a phase) replaced by gw as
    PyTorch's, and a loss that depends on the eigenvectors' phases refused."""

    __slots__ = ("n",)
    save_output = True
    complex_ok = True

    def forward(self, a, uplo):
        self.n = a.shape[-1]
        w, v = _eigh_raw("linalg.eigh", a, uplo)
        return _pack([w, v], a.shape[:-2])

    def backward(self, gy):
        (packed,) = self.saved
        batch = _shape(packed)[:-1]
        n = self.n
        w, v = _unpack(packed, batch, [(n,), (n, n)])
        gw, gv = _unpack(gy, batch, [(n,), (n, n)])
        c = self.odtype in COMPLEX
        t = _T
        if c:
            w, gw, t = real(w), real(gw), _H
        inner = _diag_embed(gw)
        if not _zero(gv, _ties(w)):  # eigenvalues only (eigvalsh): no 1 / (w_j - w_i)
            vtgv = _mm(t(v), gv)
            e = _row(w) - _col(w) + _eye(w, n)
            num = (vtgv - t(vtgv)) * 0.5
            skew = num / _tie_safe(e, num, ~_raw(gv).any(axis=-2))
            if c:
                _check_phase("linalg.eigh", "eigenvectors", _raw(vtgv), None)
                skew = skew * (1 - _eye(w, n))  # its diagonal i im(V^H gV): gw takes its place
            inner = inner + skew
        return _mm(_mm(v, inner), t(v)), None


def _eigh_raw(op, a, uplo="L", vectors=True):
    """(w, V) of symmetric / Hermitian a (..., n, n) (``vectors`` False: w only), LAPACK's
    syevd. LinAlgError naming ``op`` where it fails, as torch's: always for a NaN entry (NumPy
    may return NaN instead), and for an inf one when only w is asked for (with V, torch returns
    NaN eigenvalues there)."""
    xp = _xp(a)
    try:
        out = xp.linalg.eigh(a, uplo) if vectors else xp.linalg.eigvalsh(a, uplo)
    except np.linalg.LinAlgError:
        out = None
    if out is None or (
        bool(xp.isnan(out[0] if vectors else out).any())
        and (not vectors or bool(xp.isnan(a).any()))
    ):
        raise LinAlgError(
            f"{op}: The algorithm failed to converge because the input matrix is ill-conditioned "
            "or has too many repeated eigenvalues (or holds inf / NaN)"
        )
    return out


def _check_phase(op, what, a, b):
    """RuntimeError unless im(diag(a)) = -im(diag(b)) (b None: 0) to PyTorch's tolerance: the
    loss must not depend on the phases of the complex singular/eigen vectors."""
    xp = _xp(a)
    da = xp.diagonal(a, 0, -2, -1).imag
    db = 0 if b is None else -xp.diagonal(b, 0, -2, -1).imag
    if not bool((abs(da - db) <= 1e-2 + 1e-2 * abs(db)).all()):
        raise RuntimeError(
            f"{op}: the {what} in the complex case are specified up to multiplication by "
            "e^{i phi}; the loss depends on this phase, so its gradient is ill-defined"
        )


def eigh(A, UPLO="L"):  # noqa: N803 - PyTorch's name
    """Eigen-decomposition of symmetric (complex: Hermitian) A (..., n, n), reading its lower
    (``UPLO='L'``) or upper triangle: the namedtuple (eigenvalues (..., n) ascending, real;
    eigenvectors (..., n, n) as columns). Eigenvectors are defined up to sign (complex: a
    phase); their gradient needs distinct eigenvalues (and a loss that ignores the phases)."""
    if UPLO not in ("L", "U"):
        raise ValueError(f"linalg.eigh: expected UPLO argument to be 'L' or 'U', but got {UPLO!r}")
    A = _matrix("linalg.eigh", A, square=True)
    s = _shape(A)
    n = s[-1]
    w, v = _unpack(Eigh.apply(A, UPLO), s[:-2], [(n,), (n, n)])
    if _is_c(v):  # packed with the complex vectors: the eigenvalues are real
        w = real(w)
    return EighResult(w, v)


def eigvalsh(A, UPLO="L"):  # noqa: N803
    """Eigenvalues (..., n), ascending, of symmetric A (..., n, n). LinAlgError where LAPACK
    fails to converge, an inf entry included (as torch's; its eigh returns NaN there)."""
    w = eigh(A, UPLO).eigenvalues
    if bool(_xp(_raw(w)).isnan(_raw(w)).any()):
        raise LinAlgError(
            "linalg.eigvalsh: The algorithm failed to converge because the input matrix is "
            "ill-conditioned or has too many repeated eigenvalues (or holds inf / NaN)"
        )
    return w


def _svd_shapes(m, n, full):
    k = min(m, n)
    return [(m, m), (k,), (n, n)] if full else [(m, k), (k,), (k, n)]


class SVD(Function):
    """A = U diag(S) Vh (packed output), S descending. Backward (reduced; with full matrices
    the extra columns of U and rows of Vh get no gradient, as in PyTorch), E_jk = s_k^2 - s_j^2:
    gA = U [(skew(U^T gU) S + S skew(V^T gV)) / E + diag(gS)] Vh, plus (I - U U^T) gU S^-1 Vh
    when m > k, or U S^-1 gVh (I - V V^T) when n > k. Needs distinct non-zero singular values
    for the vectors' gradient. Complex A: ^H for ^T, S real (packed as complex), plus PyTorch's
    diagonal term i im(diag(U^H gU)) / S, and a loss that depends on the vectors' phases is
    refused."""

    __slots__ = ("full", "mn")
    save_output = True
    complex_ok = True

    def forward(self, a, full):
        self.full, self.mn = full, a.shape[-2:]
        xp = _xp(a)
        u, s, vh = _lapack("linalg.svd", xp.linalg.svd, a, full, what="the SVD did not converge")
        return _pack([u, s, vh], a.shape[:-2])

    def backward(self, gy):
        (packed,) = self.saved
        m, n = self.mn
        batch = _shape(packed)[:-1]
        shapes = _svd_shapes(m, n, self.full)
        u, s, vh = _unpack(packed, batch, shapes)
        gu, gs, gvh = _unpack(gy, batch, shapes)
        c = self.odtype in COMPLEX
        if c:
            s, gs = real(s), real(gs)
        if self.full:
            k = min(m, n)
            u, gu, vh, gvh = u[..., :k], gu[..., :k], vh[..., :k, :], gvh[..., :k, :]
        return _svd_back(u, s, vh, gu, gs, gvh, c), None


def _svd_back(u, s, vh, gu, gs, gvh, c=False):
    m, k = u.shape[-2:]
    n = vh.shape[-1]
    # degenerate: the vectors' terms divide by s_k^2 - s_j^2 or by s (when m or n > k)
    degenerate = _ties(s) or ((m > k or n > k) and not bool(_raw(s).all()))
    skip_u, skip_vh = _zero(gu, degenerate), _zero(gvh, degenerate)
    if skip_u and skip_vh:  # singular values only (svdvals, norms): ties are fine
        return _mm(u * _row(gs), vh)
    t = _H if c else _T
    uhgu = _mm(t(u), gu)
    uhgu = uhgu - t(uhgu)
    vhgv = _mm(vh, t(gvh))
    vhgv = vhgv - t(vhgv)
    s2 = s * s
    e = _row(s2) - _col(s2) + _eye(s, k)
    num = uhgu * _row(s) + _col(s) * vhgv
    dead = ~(_raw(gu).any(axis=-2) | _raw(gvh).any(axis=-1))
    ga = num / _tie_safe(e, num, dead) + _diag_embed(gs)
    if c:  # the phases: im diag(U^H gU) = -im diag(V^H gV) for a loss that ignores them
        _check_phase("linalg.svd", "singular vectors", _raw(uhgu), _raw(vhgv))
        ga = ga + _diag_embed(_diag(uhgu) / (2 * s))
    if m > k and not skip_u:  # the part of gU outside U's span
        gus = gu / _row(s)
        ga = _mm(u, ga)
        return _mm(ga + gus - _mm(u, _mm(t(u), gus)), vh)
    if n > k and not skip_vh:
        sgvh = gvh / _col(s)
        ga = _mm(ga, vh) + sgvh - _mm(_mm(sgvh, t(vh)), vh)
        return _mm(u, ga)
    return _mm(_mm(u, ga), vh)


def _svd_parts(A, full):
    s = _shape(A)
    u, sv, vh = _unpack(SVD.apply(A, bool(full)), s[:-2], _svd_shapes(s[-2], s[-1], bool(full)))
    if _is_c(u):  # packed with the complex vectors: the singular values are real
        sv = real(sv)
    return u, sv, vh


def svd(A, full_matrices=True, *, driver=None):
    """Singular value decomposition A = U diag(S) Vh, A (..., m, n), k = min(m, n): the
    namedtuple (U (..., m, m), S (..., k) descending, Vh (..., n, n)), or with
    ``full_matrices=False`` U (..., m, k), Vh (..., k, n). Singular vectors are defined up to
    sign; their gradient needs distinct non-zero singular values. ``driver`` is cuSOLVER's
    choice in PyTorch and is ignored here."""
    A = _matrix("linalg.svd", A)
    return SVDResult(*_svd_parts(A, full_matrices))


def svdvals(A, *, driver=None):
    """Singular values (..., min(m, n)), descending, of A (..., m, n)."""
    return svd(_matrix("linalg.svdvals", A), full_matrices=False).S


# -- pseudo-inverse -----------------------------------------------------------------------------


def _tols(op, r, atol, rtol, smax):
    """max(atol, rtol * smax), with PyTorch's defaults: rtol = eps * max(m, n) when neither is
    given, and 0 when only atol is."""
    if rtol is None:
        rtol = 0.0 if (atol is not None and atol > 0) else np.finfo(r.dtype).eps * max(r.shape[-2:])
    atol = 0.0 if atol is None else atol
    return _xp(r).maximum(atol, rtol * smax)


def _pinv_raw(a, atol, rtol, hermitian):
    xp = _xp(a)
    if a.size == 0:
        return xp.zeros(a.shape[:-2] + a.shape[-2:][::-1], dtype=a.dtype)
    if hermitian:
        w, v = _eigh_raw("linalg.pinv", a)
        aw = abs(w)
        smax = aw.max(axis=-1, keepdims=True) if w.shape[-1] else aw
        keep = aw > _tols("linalg.pinv", a, atol, rtol, smax)
        winv = xp.where(keep, 1 / xp.where(keep, w, 1), 0).astype(a.dtype, copy=False)
        vh = v.swapaxes(-1, -2)
        return xp.matmul(v * winv[..., None, :], vh.conj() if a.dtype in COMPLEX else vh)
    u, s, vh = _lapack("linalg.pinv", xp.linalg.svd, a, False, what="the SVD did not converge")
    keep = s > _tols("linalg.pinv", a, atol, rtol, s[..., :1])
    sinv = xp.where(keep, 1 / xp.where(keep, s, 1), 0).astype(a.dtype, copy=False)
    v, uh = vh.swapaxes(-1, -2), u.swapaxes(-1, -2)
    if a.dtype in COMPLEX:
        v, uh = v.conj(), uh.conj()
    return xp.matmul(v * sinv[..., None, :], uh)


class Pinv(Function):
    """P = A^+ (through the SVD, or eigh when ``hermitian``), A (..., m, n) -> (..., n, m).
    Backward: PyTorch's formula for the pseudo-inverse of a matrix of constant rank (complex:
    ^H for ^T)."""

    __slots__ = ()
    save_inputs = (0,)
    save_output = True
    complex_ok = True

    def forward(self, a, atol, rtol, hermitian):
        return _pinv_raw(a, atol, rtol, hermitian)

    def backward(self, gy):
        a, p = self.saved
        m, n = a.shape[-2:]
        t = _H if self.odtype in COMPLEX else _T
        ph, gh = t(p), t(gy)
        if m <= n:
            k = _mm(gh, p)
            kph = _mm(k, ph)
            ga = -t(_mm(p, k)) + kph - _mm(_mm(a, p), kph) + _mm(_mm(ph, p), gh - _mm(k, a))
        else:
            k = _mm(p, gh)
            phk = _mm(ph, k)
            ga = -t(_mm(k, p)) + _mm(_mm(gh - _mm(a, k), p), ph) + phk - _mm(_mm(phk, p), a)
        return ga, None, None, None


def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None):
    """Moore-Penrose pseudo-inverse of A (..., m, n) -> (..., n, m). Singular values at or below
    max(atol, rtol * largest) count as zero (defaults as PyTorch; ``rcond`` is the older name of
    rtol); ``hermitian`` uses the eigen-decomposition of a symmetric A."""
    A = _matrix("linalg.pinv", A)
    if hermitian and _raw(A).size:  # an empty A need not be square (torch)
        _matrix("linalg.pinv", A, square=True)
    if rcond is not None:
        if rtol is not None:
            raise TypeError("linalg.pinv: pass rcond or rtol, not both")
        rtol = rcond
    return Pinv.apply(A, atol, rtol, bool(hermitian))


def pinverse(input, rcond=1e-15):  # noqa: A002
    """Pseudo-inverse of (..., m, n) -> (..., n, m); singular values below rcond * largest are
    dropped (``torch.pinverse``)."""
    return pinv(input, rtol=rcond)
