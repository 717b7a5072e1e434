"""The general (non-symmetric) eigendecomposition of ``torch.linalg``: eig and eigvals,
batched over leading dims like PyTorch. The symmetric/Hermitian one (eigh, eigvalsh) is in
``decomp_factor.py``.

A V = V diag(L) for square A (..., n, n), real or complex. L and V are always complex
(complex64 for float32/complex64 A, complex128 for float64/complex128 A), as in PyTorch; the
eigenvalues come in LAPACK's order (not sorted) and each eigenvector (a column of V) has
Euclidean norm 1 with its largest component real (LAPACK geev's normalisation, which NumPy and
PyTorch return too).

The forward pass is LAPACK's geev through ``numpy.linalg.eig``. CuPy arrays are copied to the
host for it and the results copied back (cuSOLVER's geev is only in recent CUDA and CuPy, and
CuPy does not promise LAPACK's order of the eigenvalues); the backward rule runs on the
input's device. The derivative is PyTorch's ``linalg_eig_backward``, written with autograd ops
(matmul, conj, real, this package's ``Solve``), so it is differentiable again (second order).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..function import Function
from ._decomp_util import (
    _H,
    LinAlgError,
    _diag,
    _diag_embed,
    _eye,
    _lapack,
    _mm,
    _pack,
    _unpack,
    _zero,
)
from ._linalg_util import _col, _matrix, _raw, _row, _shape, _xp
from .complex_parts import conj, real
from .decomp import Solve

__all__: list[str] = []  # torch has no top-level eig: the names live in autograd.linalg

EigResult = namedtuple("linalg_eig", ["eigenvalues", "eigenvectors"])


def _eig_raw(op, a):
    """(L (..., n), V (..., n, n)) of a (numpy or cupy, float or complex), complex, through
    NumPy's LAPACK geev (CuPy input: copied to the host and back)."""
    host = a if type(a) is np.ndarray else a.get()
    if host.size and not bool(np.isfinite(host).all()):
        raise LinAlgError(f"{op}: input tensor should not contain infs or NaNs")
    w, v = _lapack(op, np.linalg.eig, host, what="the eigenvalue algorithm did not converge")
    ct = np.result_type(a.dtype, np.complex64)  # NumPy returns real L and V when L is real
    w, v = w.astype(ct, copy=False), v.astype(ct, copy=False)
    if type(a) is not np.ndarray:
        xp = _xp(a)
        w, v = xp.asarray(w), xp.asarray(v)
    return w, v


def _any_tie(w) -> bool:
    """Whether some matrix of the eigenvalues w (..., n) has two exactly equal ones."""
    r = _raw(w)
    n = r.shape[-1]
    if n < 2:
        return False
    same = r[..., :, None] == r[..., None, :]
    return bool((same & ~_xp(r).eye(n, dtype=bool)).any())


def _check_phase(d):
    """PyTorch's check that the loss ignores each eigenvector's phase: im(diag(V^H gV)) = 0
    (to atol 1e-2, as its allclose)."""
    if not bool((abs(d.imag) <= 1e-2).all()):
        raise RuntimeError(
            "linalg_eig_backward: The eigenvectors in the complex case are specified up to "
            "multiplication by e^{i phi}. The specified loss function depends on this quantity, "
            "so it is ill-defined."
        )


class Eig(Function):
    """(L, V) of A = V diag(L) V^-1 (packed output, complex), V's columns of norm 1.

    PyTorch's linalg_eig_backward (arXiv:1701.00392, eq. 4.77 with the unit-norm term):
    gA = V^-H (diag(gL) + (V^H gV - V^H V diag(re diag(V^H gV))) / conj(E)) V^H,
    E_ij = L_j - L_i (1 on the diagonal, whose entries gL replaces). Eigenvalues only (gV
    unused): gA = V^-H diag(gL) V^H, fine with repeated eigenvalues; otherwise they divide by
    zero (NaN / inf, as in torch). A loss that depends on the eigenvectors' phases is refused.
    Real A gets the real part of gA."""

    __slots__ = ("n",)
    save_output = True
    complex_ok = True

    def forward(self, a, op):
        self.n = a.shape[-1]
        return _pack(list(_eig_raw(op, a)), a.shape[:-2])

    def backward(self, gy):
        (packed,) = self.saved
        batch, n = _shape(packed)[:-1], self.n
        w, v = _unpack(packed, batch, [(n,), (n, n)])
        gw, gv = _unpack(gy, batch, [(n,), (n, n)])
        vh = _H(v)
        if _zero(gv, _any_tie(w)):  # linalg.eigvals: V^-H diag(gL) V^H
            return self.reduce_grad(0, Solve.apply(vh, _col(gw) * vh, True, False)), None
        vhgv = _mm(vh, gv)
        d = _diag(vhgv)
        _check_phase(_raw(d))
        # project onto the tangent space of matrices with unit-norm columns at V
        proj = vhgv - _mm(vh, v * _row(real(d)))
        e = conj(_row(w) - _col(w)) + _eye(w, n)
        inner = proj / e
        if not _zero(gw):  # torch copies gL onto the diagonal when L's gradient is defined
            inner = inner * (1 - _eye(w, n)) + _diag_embed(gw)
        return self.reduce_grad(0, Solve.apply(vh, _mm(inner, vh), True, False)), None


def _eig(op, A):
    A = _matrix(op, A, square=True)
    s = _shape(A)
    n = s[-1]
    w, v = _unpack(Eig.apply(A, op), s[:-2], [(n,), (n, n)])
    return EigResult(w, v)


def eig(A):
    """Eigendecomposition of a square (not necessarily symmetric) A (..., n, n), real or
    complex: the namedtuple (eigenvalues (..., n), eigenvectors (..., n, n), the columns),
    both complex (complex64 for float32/complex64 A, else complex128), A V = V diag(L).
    Eigenvalues in LAPACK's order (not sorted); each eigenvector of norm 1 with its largest
    component real, so defined up to a phase: the loss must not depend on the phases (as in
    PyTorch, backward raises when it does), and the eigenvectors' gradient needs distinct
    eigenvalues. Real A gets the real part of the gradient. LinAlgError for non-finite A."""
    return _eig("linalg.eig", A)


def eigvals(A):
    """Eigenvalues (..., n) of a square A (..., n, n), complex, in ``eig``'s order.
    Differentiable, also at repeated eigenvalues: gA = V^-H diag(gL) V^H."""
    return _eig("linalg.eigvals", A).eigenvalues
