"""Op-table rows for the linear algebra ops: ``autograd/ops/linalg.py``, ``decomp.py`` and
``linalg_norms.py`` (see op_table.Spec).

Decompositions get well-conditioned inputs from their ``make``: Q diag(d) Q^T with distinct d
(eigh), SPD matrices (cholesky, logdet), distinct singular values (svd, pinv), so finite
differences stay in the smooth region. Eigen- and singular vectors are defined up to sign, so
their rows check gauge-invariant functions of them (V * V, V f(w) V^T, U f(S) Vh).
"""

from __future__ import annotations

import numpy as np

import autograd as ag

from .op_table import Spec

LA = ag.linalg


def _orth(rng, n, batch=()):
    q, r = np.linalg.qr(rng.standard_normal(batch + (n, n)))
    return q * np.sign(np.diagonal(r, axis1=-2, axis2=-1))[..., None, :]


def _spread(rng, k, batch=(), lo=0.5, hi=2.5, signs=False):
    """k distinct values in [lo, hi], at least (hi - lo) / (2k) apart, random order."""
    base = np.linspace(lo, hi, k)
    d = np.broadcast_to(base, batch + (k,)).copy()
    d = rng.permuted(d, axis=-1)
    if signs:
        d = d * rng.choice([-1.0, 1.0], size=d.shape)
    return d


def _matrix(rng, shape, lo=0.5, hi=2.5, signs=True):
    """A (..., m, n) with distinct singular values in [lo, hi] (well-conditioned)."""
    *batch, m, n = shape
    batch = tuple(batch)
    k = min(m, n)
    u = _orth(rng, m, batch)[..., :, :k]
    v = _orth(rng, n, batch)[..., :, :k]
    s = _spread(rng, k, batch, lo, hi)
    a = (u * s[..., None, :]) @ np.swapaxes(v, -1, -2)
    if signs and m == n:  # a random sign of det
        a = a * rng.choice([-1.0, 1.0], size=batch + (1, 1))
    return a


def _sym(rng, shape, lo=-2.0, hi=2.0):
    """Symmetric (..., n, n) with distinct eigenvalues in [lo, hi]."""
    *batch, n, _ = shape
    q = _orth(rng, n, tuple(batch))
    return (q * _spread(rng, n, tuple(batch), lo, hi)[..., None, :]) @ np.swapaxes(q, -1, -2)


def _spd(rng, shape):
    return _sym(rng, shape, 0.5, 2.5)


def _sym_invertible(rng, shape):
    """Symmetric with eigenvalues of both signs, |w| in [0.5, 2.5]."""
    *batch, n, _ = shape
    q = _orth(rng, n, tuple(batch))
    w = _spread(rng, n, tuple(batch), 0.5, 2.5, signs=True)
    return (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)


def _singular(rng, shape):
    """A with its last row zeroed: det is exactly 0, the other minors are not."""
    a = _matrix(rng, shape)
    a[..., -1, :] = 0.0
    return a


def _mk(*makers):
    """make(rng, case): one maker per input, each called with its shape (``None``: uniform)."""

    def make(rng, case):
        return tuple(
            rng.uniform(-2, 2, s) if f is None else f(rng, s) for f, s in zip(makers, case)
        )

    return make


def _T(a):
    return np.swapaxes(a, -1, -2)


def _symt(a):
    """(A + A^T) / 2 of a Tensor or array: eigh/cholesky read one triangle, so rows feed a
    symmetrised input and compare functions of a symmetric matrix."""
    return (a + a.swapaxes(-1, -2)) * 0.5


def _eigh_fn(a):
    w, v = LA.eigh(_symt(a))
    return w, v * v, (v * ag.sin(w).reshape(w.shape[:-1] + (1, w.shape[-1]))) @ v.mT


def _eigh_ref(a):
    w, v = np.linalg.eigh(_symt(a))
    return w, v * v, (v * np.sin(w)[..., None, :]) @ _T(v)


def _svd_fn(full):
    def fn(a):
        u, s, vh = LA.svd(a, full_matrices=full)
        k = s.shape[-1]
        u, vh = u[..., :k], vh[..., :k, :]
        mid = (u * ag.exp(s).reshape(s.shape[:-1] + (1, k))) @ vh
        return s, u * u, vh * vh, mid

    return fn


def _svd_ref(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return s, u * u, vh * vh, (u * np.exp(s)[..., None, :]) @ vh


def _qr_ref(mode):
    def ref(a):
        return list(np.linalg.qr(a, mode=mode))

    return ref


def _tri(a, upper, unit):
    n = a.shape[-1]
    t = np.triu(a) if upper else np.tril(a)
    if unit:
        t = t - np.diagonal(t, axis1=-2, axis2=-1)[..., None, :] * np.eye(n) + np.eye(n)
    return t


def _solve_tri_spec(name, upper, left, unit, case):
    def fn(a, b):
        return LA.solve_triangular(a, b, upper=upper, left=left, unitriangular=unit)

    def ref(a, b):
        t = _tri(a, upper, unit)
        return np.linalg.solve(t, b) if left else _T(np.linalg.solve(_T(t), _T(b)))

    def tri_make(rng, s):  # a well-conditioned triangle: diagonal of size 1..2, small off it
        a = rng.uniform(-0.4, 0.4, s)
        n = s[-1]
        return a + np.eye(n) * rng.uniform(1, 2, s[:-1])[..., None] * rng.choice([-1, 1], n)

    return Spec(name, fn, ref, [case], make=_mk(tri_make, None))


def _kron_ref(a, b):
    return np.kron(a, b)


def _mp_ref(n):
    def ref(a):
        return np.linalg.matrix_power(a, n)

    return ref


def _pinv_ref(a):
    return np.linalg.pinv(a)


def _norm_ref(ord_, axis=(-2, -1)):
    def ref(a):
        return np.linalg.norm(a, ord=ord_, axis=axis)

    return ref


def _cond_fn(p):
    def fn(a):
        return LA.cond(a, p)

    return fn


SQ = [((3, 3),), ((2, 3, 3),)]

SPECS = [
    # -- products --------------------------------------------------------------------------------
    Spec("mm", ag.mm, np.matmul, [((3, 4), (4, 5)), ((1, 3), (3, 1))]),
    Spec("bmm", ag.bmm, np.matmul, [((2, 3, 4), (2, 4, 2))]),
    Spec("mv", ag.mv, np.matmul, [((3, 4), (4,))]),
    Spec("dot", ag.dot, np.dot, [((4,), (4,))]),
    Spec("vdot", ag.vdot, np.vdot, [((3,), (3,))]),
    Spec("outer", ag.outer, np.outer, [((3,), (4,))]),
    Spec("ger", lambda a, b: a.ger(b), np.outer, [((2,), (3,))]),
    Spec("inner", ag.inner, np.inner, [((2, 3), (4, 3)), ((3,), (3,)), ((), (2, 3))]),
    Spec(
        "addmm",
        lambda i, a, b: ag.addmm(i, a, b, beta=0.5, alpha=2.0),
        lambda i, a, b: 0.5 * i + 2.0 * (a @ b),
        [((3, 5), (3, 4), (4, 5)), ((5,), (3, 4), (4, 5))],
    ),
    Spec(
        "addmm_beta0",
        lambda i, a, b: i.addmm(a, b, beta=0),
        lambda i, a, b: a @ b,
        [((1, 2), (3, 4), (4, 2))],
    ),
    Spec(
        "addmv",
        lambda i, a, b: ag.addmv(i, a, b, beta=-1.5, alpha=0.5),
        lambda i, a, b: -1.5 * i + 0.5 * (a @ b),
        [((3,), (3, 4), (4,)), ((), (3, 4), (4,))],
    ),
    Spec(
        "addbmm",
        lambda i, a, b: ag.addbmm(i, a, b, alpha=1.5),
        lambda i, a, b: i + 1.5 * (a @ b).sum(0),
        [((3, 2), (4, 3, 5), (4, 5, 2))],
    ),
    Spec(
        "baddbmm",
        lambda i, a, b: ag.baddbmm(i, a, b, beta=2.0),
        lambda i, a, b: 2.0 * i + a @ b,
        [((2, 3, 2), (2, 3, 4), (2, 4, 2)), ((3, 1), (2, 3, 4), (2, 4, 2))],
    ),
    Spec("tensordot_2", ag.tensordot, np.tensordot, [((2, 3, 4), (3, 4, 2))]),
    Spec(
        "tensordot_lists",
        lambda a, b: ag.tensordot(a, b, dims=([2, 0], [0, 1])),
        lambda a, b: np.tensordot(a, b, axes=([2, 0], [0, 1])),
        [((2, 3, 4), (4, 2, 3))],
    ),
    Spec(
        "tensordot_bcast1",
        lambda a, b: ag.tensordot(a, b, dims=([1], [0])),
        lambda a, b: a.sum(1)[:, None] * b.sum(0)[None, :],
        [((2, 1), (3, 4)), ((2, 3), (1, 4))],
    ),
    Spec(
        "tensordot_0",
        lambda a, b: ag.tensordot(a, b, dims=0),
        lambda a, b: np.tensordot(a, b, axes=0),
        [((2,), (3, 2))],
    ),
    Spec("trace", ag.trace, np.trace, [((3, 3),), ((2, 4),)]),
    Spec("kron", ag.kron, _kron_ref, [((2, 3), (3, 2)), ((2,), (2, 3)), ((), (3,))]),
    Spec(
        "cross_dim",
        lambda a, b: ag.cross(a, b, dim=0),
        lambda a, b: np.cross(a, b, axis=0),
        [((3, 4), (3, 4)), ((3, 1), (3, 2))],
    ),
    Spec(
        "linalg_cross",
        LA.cross,
        lambda a, b: np.cross(a, b),
        [((4, 3), (4, 3)), ((2, 1, 3), (1, 2, 3))],
    ),
    Spec(
        "chain_matmul",
        lambda a, b, c: ag.chain_matmul(a, b, c),
        lambda a, b, c: a @ b @ c,
        [((2, 3), (3, 4), (4, 2))],
    ),
    Spec(
        "multi_dot",
        lambda *ts: LA.multi_dot(ts),
        lambda *ts: np.linalg.multi_dot(ts),
        [((3,), (3, 4), (4, 2), (2,)), ((2, 5), (5, 1), (1, 3), (3, 2))],
    ),
    Spec(
        "vecdot",
        lambda a, b: LA.vecdot(a, b, dim=0),
        lambda a, b: (a * b).sum(0),
        [((3, 2), (3, 1))],
    ),
    Spec("matrix_power_3", lambda a: LA.matrix_power(a, 3), _mp_ref(3), SQ),
    Spec("matrix_power_1", lambda a: a.matrix_power(1), _mp_ref(1), [((3, 3),)]),
    Spec("matrix_power_0", lambda a: ag.matrix_power(a, 0), _mp_ref(0), [((2, 3, 3),)]),
    Spec(
        "matrix_power_neg",
        lambda a: ag.matrix_power(a, -2),
        _mp_ref(-2),
        SQ,
        make=_mk(_matrix),
        atol=1e-9,
    ),
    # -- inverse, determinants, solves -----------------------------------------------------------
    Spec("inv", LA.inv, np.linalg.inv, SQ + [((1, 1),)], make=_mk(_matrix), atol=1e-9),
    Spec("inverse", lambda a: a.inverse(), np.linalg.inv, [((3, 3),)], make=_mk(_matrix)),
    Spec("det", LA.det, np.linalg.det, SQ + [((1, 1),)], make=_mk(_matrix)),
    Spec("det_singular", ag.det, lambda a: np.zeros(a.shape[:-2]), SQ, make=_mk(_singular)),
    Spec(
        "slogdet",
        lambda a: tuple(LA.slogdet(a)),
        lambda a: list(np.linalg.slogdet(a)),
        SQ,
        make=_mk(_matrix),
    ),
    Spec(
        "slogdet_top",
        lambda a: a.slogdet().logabsdet,
        lambda a: np.linalg.slogdet(a)[1],
        [((2, 3, 3),)],
        make=_mk(_matrix),
    ),
    Spec("logdet", ag.logdet, lambda a: np.log(np.linalg.det(a)), SQ, make=_mk(_spd)),
    Spec(
        "solve",
        LA.solve,
        np.linalg.solve,
        [((3, 3), (3, 2)), ((2, 3, 3), (3, 2)), ((3, 3), (2, 3, 1))],
        make=_mk(_matrix, None),
        atol=1e-9,
    ),
    Spec(
        "solve_vector",
        LA.solve,
        lambda a, b: np.linalg.solve(a, b[..., None])[..., 0],
        [((3, 3), (3,)), ((2, 3, 3), (2, 3))],
        make=_mk(_matrix, None),
        atol=1e-9,
    ),
    Spec(
        "solve_right",
        lambda a, b: LA.solve(a, b, left=False),
        lambda a, b: _T(np.linalg.solve(_T(a), _T(b))),
        [((3, 3), (2, 3)), ((2, 3, 3), (4, 3))],
        make=_mk(_matrix, None),
        atol=1e-9,
    ),
    _solve_tri_spec("solve_triangular_lower", False, True, False, ((3, 3), (3, 2))),
    _solve_tri_spec("solve_triangular_upper", True, True, False, ((2, 3, 3), (3, 2))),
    _solve_tri_spec("solve_triangular_right", True, False, False, ((3, 3), (2, 3))),
    _solve_tri_spec("solve_triangular_unit", False, False, True, ((2, 3, 3), (2, 2, 3))),
    # -- factorisations --------------------------------------------------------------------------
    Spec(
        "cholesky",
        lambda a: LA.cholesky(_symt(a)),
        lambda a: np.linalg.cholesky(_symt(a)),
        SQ,
        make=_mk(_spd),
    ),
    Spec(
        "cholesky_upper",
        lambda a: ag.cholesky(_symt(a), upper=True),
        lambda a: _T(np.linalg.cholesky(_symt(a))),
        [((2, 3, 3),)],
        make=_mk(_spd),
    ),
    Spec(
        "qr",
        lambda a: tuple(LA.qr(a)),
        _qr_ref("reduced"),
        [((4, 3),), ((3, 3),), ((3, 5),), ((2, 4, 3),)],
        make=_mk(_matrix),
    ),
    Spec(
        "qr_complete",
        lambda a: tuple(LA.qr(a, mode="complete")),
        _qr_ref("complete"),
        [((3, 4),), ((2, 3, 3),)],
        make=_mk(_matrix),
    ),
    Spec("eigh", _eigh_fn, _eigh_ref, [((3, 3),), ((2, 4, 4),)], make=_mk(_sym)),
    Spec(
        "eigh_upper",
        lambda a: LA.eigh(_symt(a), UPLO="U").eigenvalues,
        lambda a: np.linalg.eigvalsh(_symt(a)),
        [((3, 3),)],
        make=_mk(_sym),
    ),
    Spec(
        "eigvalsh",
        lambda a: LA.eigvalsh(_symt(a)),
        lambda a: np.linalg.eigvalsh(_symt(a)),
        [((2, 3, 3),)],
        make=_mk(_sym),
    ),
    Spec(
        "svd",
        _svd_fn(False),
        _svd_ref,
        [((4, 3),), ((3, 4),), ((3, 3),), ((2, 3, 2),)],
        make=_mk(_matrix),
    ),
    Spec(
        "svd_full",
        _svd_fn(True),
        _svd_ref,
        [((4, 3),), ((3, 4),), ((2, 3, 3),)],
        make=_mk(_matrix),
    ),
    Spec(
        "svdvals",
        LA.svdvals,
        lambda a: np.linalg.svd(a, compute_uv=False),
        [((2, 3, 4),)],
        make=_mk(_matrix),
    ),
    Spec("pinv", LA.pinv, _pinv_ref, [((3, 4),), ((4, 3),), ((2, 3, 3),)], make=_mk(_matrix)),
    Spec(
        "pinv_hermitian",
        lambda a: LA.pinv(_symt(a), hermitian=True),
        lambda a: np.linalg.pinv(_symt(a)),
        [((3, 3),), ((2, 4, 4),)],
        make=_mk(_sym_invertible),
    ),
    Spec("pinverse", ag.pinverse, _pinv_ref, [((2, 4, 3),)], make=_mk(_matrix)),
    # -- norms -----------------------------------------------------------------------------------
    Spec("matrix_norm_fro", LA.matrix_norm, _norm_ref("fro"), [((3, 4),), ((2, 3, 3),)]),
    Spec(
        "matrix_norm_nuc",
        lambda a: LA.matrix_norm(a, "nuc"),
        _norm_ref("nuc"),
        [((3, 4),), ((2, 3, 3),)],
        make=_mk(_matrix),
    ),
    Spec(
        "matrix_norm_2",
        lambda a: (LA.matrix_norm(a, 2), LA.matrix_norm(a, -2)),
        lambda a: [np.linalg.norm(a, 2, axis=(-2, -1)), np.linalg.norm(a, -2, axis=(-2, -1))],
        [((4, 3),), ((2, 3, 3),)],
        make=_mk(_matrix),
    ),
    Spec(
        "matrix_norm_inf_1",
        lambda a: (
            LA.matrix_norm(a, float("inf")),
            LA.matrix_norm(a, -float("inf")),
            LA.matrix_norm(a, 1),
            LA.matrix_norm(a, -1),
        ),
        lambda a: [np.linalg.norm(a, o, axis=(-2, -1)) for o in (np.inf, -np.inf, 1, -1)],
        [((3, 4),), ((2, 3, 3),)],
        domain="nonzero",
    ),
    Spec(
        "matrix_norm_dims_keepdim",
        lambda a: LA.matrix_norm(a, "nuc", dim=(2, 0), keepdim=True),
        lambda a: np.linalg.norm(np.moveaxis(a, (2, 0), (-2, -1)), "nuc", axis=(-2, -1))[
            None, :, None
        ],
        [((3, 2, 4),)],
    ),
    Spec("vector_norm", LA.vector_norm, lambda a: np.linalg.norm(a.ravel()), [((3, 4),)]),
    Spec(
        "vector_norm_ord_dim",
        lambda a: (
            LA.vector_norm(a, 1, dim=1),
            LA.vector_norm(a, 3.0, dim=(0, 2), keepdim=True),
            LA.vector_norm(a, float("inf"), dim=-1),
        ),
        lambda a: [
            np.abs(a).sum(1),
            (np.abs(a) ** 3).sum((0, 2), keepdims=True) ** (1 / 3),
            np.abs(a).max(-1),
        ],
        [((2, 3, 4),)],
        domain="nonzero",
    ),
    Spec("linalg_norm", LA.norm, lambda a: np.linalg.norm(a.ravel()), [((2, 3, 2),)]),
    Spec(
        "linalg_norm_ord",
        lambda a: (LA.norm(a, 2), LA.norm(a, "fro"), LA.norm(a, 1, dim=0)),
        lambda a: [np.linalg.norm(a, 2), np.linalg.norm(a, "fro"), np.abs(a).sum(0)],
        [((3, 4),)],
        make=_mk(_matrix),
    ),
    Spec(
        "cond",
        lambda a: (LA.cond(a), LA.cond(a, -2), LA.cond(a, "fro"), LA.cond(a, 1)),
        lambda a: [np.linalg.cond(a, p) for p in (None, -2, "fro", 1)],
        [((3, 3),), ((2, 3, 3),)],
        make=_mk(_matrix),
        atol=1e-9,
    ),
]
