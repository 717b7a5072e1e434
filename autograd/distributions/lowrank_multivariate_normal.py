"""LowRankMultivariateNormal (``torch.distributions.LowRankMultivariateNormal``): N(loc, W W^T
+ diag(D)) with a low-rank factor W (n, m) and a positive diagonal D (n). log_prob and entropy
use the capacitance matrix C = I_m + W^T D^-1 W (Woodbury identity and matrix determinant lemma),
so they cost O(n m^2) rather than O(n^3); every step is a differentiable op (Cholesky, triangular
solves), so they differentiate twice in loc, W and D."""

from __future__ import annotations

import math

from .. import factory as _factory
from .. import linalg as _linalg
from .. import ops as _ops
from ..errors import ShapeError
from ..tensor import Tensor
from . import constraints
from .base import Distribution, _bshape, _check_float, _expand, lazy_property
from .multivariate_normal import _batch_mahalanobis, _batch_mv

__all__ = ["LowRankMultivariateNormal"]


def _eye_like(m: int, like: Tensor) -> Tensor:
    return _factory.eye(m, dtype=like.dtype, device=like.device)


def _batch_capacitance_tril(W: Tensor, D: Tensor) -> Tensor:
    """cholesky(I + W^T D^-1 W) for W (..., n, m), D (..., n): (..., m, m)."""
    m = W.shape[-1]
    K = (W.mT / D.unsqueeze(-2)) @ W
    return _linalg.cholesky(K + _eye_like(m, W))


def _batch_lowrank_logdet(W: Tensor, D: Tensor, capacitance_tril: Tensor) -> Tensor:
    """log det(W W^T + D) = 2 log det(L_C) + sum log D."""
    diag = _ops.diagonal(capacitance_tril, 0, -2, -1)
    return 2 * diag.log().sum(-1) + D.log().sum(-1)


def _batch_lowrank_mahalanobis(W, D, x, capacitance_tril):
    """x^T (W W^T + D)^-1 x = x^T D^-1 x - |L_C^-1 W^T D^-1 x|^2 (Woodbury)."""
    Wt_Dinv = W.mT / D.unsqueeze(-2)
    Wt_Dinv_x = _batch_mv(Wt_Dinv, x)
    term1 = (x.pow(2) / D).sum(-1)
    term2 = _batch_mahalanobis(capacitance_tril, Wt_Dinv_x)
    return term1 - term2


def _batch_trace_XXT(bmat: Tensor) -> Tensor:
    """trace(X X^T) = sum of squares over the last two dims."""
    return bmat.pow(2).sum((-2, -1))


class LowRankMultivariateNormal(Distribution):
    """The multivariate normal N(loc, cov_factor cov_factor^T + diag(cov_diag)).

    loc: (..., n); cov_factor: (..., n, m); cov_diag: (..., n), > 0. ``batch_shape`` is the
    broadcast of their batch dims, ``event_shape`` (n,). rsample: loc + W eps_W + sqrt(D) eps_D.
    """

    arg_constraints = {
        "loc": constraints.real_vector,
        "cov_factor": constraints.independent(constraints.real, 2),
        "cov_diag": constraints.independent(constraints.positive, 1),
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, cov_factor, cov_diag, validate_args=None):
        who = "LowRankMultivariateNormal"
        for name, v in (("loc", loc), ("cov_factor", cov_factor), ("cov_diag", cov_diag)):
            if not isinstance(v, Tensor):
                raise TypeError(f"{who}: {name} must be a Tensor, got {type(v).__name__}")
            _check_float(who, name, v)
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        n = loc.shape[-1]
        if cov_factor.ndim < 2:
            raise ValueError(
                "cov_factor must be at least two-dimensional, with optional leading batch "
                "dimensions"
            )
        if cov_factor.shape[-2] != n:
            raise ShapeError(
                f"cov_factor must be a batch of matrices with shape {n} x m, got "
                f"{tuple(cov_factor.shape)}"
            )
        if cov_diag.ndim < 1 or cov_diag.shape[-1] != n:
            raise ShapeError(
                f"cov_diag must be a batch of vectors with shape ({n},), got "
                f"{tuple(cov_diag.shape)}"
            )
        m = cov_factor.shape[-1]
        batch = _bshape(
            who,
            {
                "loc batch": loc.shape[:-1],
                "cov_factor batch": cov_factor.shape[:-2],
                "cov_diag batch": cov_diag.shape[:-1],
            },
        )
        self.loc = _expand(loc, batch + (n,))
        self.cov_factor = _expand(cov_factor, batch + (n, m))
        self.cov_diag = _expand(cov_diag, batch + (n,))
        self._unbroadcasted_cov_factor = cov_factor
        self._unbroadcasted_cov_diag = cov_diag
        super().__init__(batch, (n,), validate_args=validate_args)
        self._capacitance_tril = _batch_capacitance_tril(cov_factor, cov_diag)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(LowRankMultivariateNormal, _instance)
        batch_shape = tuple(batch_shape)
        n, m = self.cov_factor.shape[-2:]
        new.loc = self.loc.expand(batch_shape + (n,))
        new.cov_factor = self.cov_factor.expand(batch_shape + (n, m))
        new.cov_diag = self.cov_diag.expand(batch_shape + (n,))
        new._unbroadcasted_cov_factor = self._unbroadcasted_cov_factor
        new._unbroadcasted_cov_diag = self._unbroadcasted_cov_diag
        new._capacitance_tril = self._capacitance_tril
        return self._finish_expand(new, batch_shape)

    def _param0(self):
        return self.loc

    @property
    def mean(self) -> Tensor:
        """loc, (*batch_shape, n)."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """loc, (*batch_shape, n)."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """sum_j W_ij^2 + D_i, (*batch_shape, n)."""
        v = self._unbroadcasted_cov_factor.pow(2).sum(-1) + self._unbroadcasted_cov_diag
        return _expand(v, self._batch_shape + self._event_shape)

    @lazy_property
    def scale_tril(self) -> Tensor:
        """The lower Cholesky factor of W W^T + D, as sqrt(D) cholesky(I + D^-1/2 W W^T
        D^-1/2); (*batch_shape, n, n)."""
        n = self._event_shape[0]
        d_sqrt = self._unbroadcasted_cov_diag.sqrt().unsqueeze(-1)
        dinvsqrt_w = self._unbroadcasted_cov_factor / d_sqrt
        K = dinvsqrt_w @ dinvsqrt_w.mT + _eye_like(n, d_sqrt)
        return _expand(d_sqrt * _linalg.cholesky(K), self._batch_shape + (n, n))

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        """W W^T + diag(D), (*batch_shape, n, n)."""
        n = self._event_shape[0]
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        cov = W @ W.mT + _ops.diag_embed(D)
        return _expand(cov, self._batch_shape + (n, n))

    @lazy_property
    def precision_matrix(self) -> Tensor:
        """D^-1 - D^-1 W C^-1 W^T D^-1 (Woodbury), (*batch_shape, n, n)."""
        n = self._event_shape[0]
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        Wt_Dinv = W.mT / D.unsqueeze(-2)
        A = _linalg.solve_triangular(self._capacitance_tril, Wt_Dinv, upper=False)
        prec = _ops.diag_embed(D.reciprocal()) - A.mT @ A
        return _expand(prec, self._batch_shape + (n, n))

    def rsample(self, sample_shape=()) -> Tensor:
        """loc + W eps_W + sqrt(D) eps_D, shape ``sample_shape + batch_shape + (n,)``."""
        shape = self._extended_shape(sample_shape)
        m = self._unbroadcasted_cov_factor.shape[-1]
        dt, dev = self.loc.dtype, self.loc.device
        eps_w = _factory.randn(shape[:-1] + (m,), dtype=dt, device=dev)
        eps_d = _factory.randn(shape, dtype=dt, device=dev)
        return (
            self.loc
            + _batch_mv(self._unbroadcasted_cov_factor, eps_w)
            + self._unbroadcasted_cov_diag.sqrt() * eps_d
        )

    def log_prob(self, value) -> Tensor:
        """-(n log(2 pi) + log det Sigma + (x - loc)^T Sigma^-1 (x - loc)) / 2; shape
        broadcast(value.shape[:-1], batch_shape)."""
        value = self._value(value)
        diff = value - self.loc
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        M = _batch_lowrank_mahalanobis(W, D, diff, self._capacitance_tril)
        log_det = _batch_lowrank_logdet(W, D, self._capacitance_tril)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + log_det + M)

    def entropy(self) -> Tensor:
        """(n (1 + log(2 pi)) + log det Sigma) / 2, of batch_shape."""
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        log_det = _batch_lowrank_logdet(W, D, self._capacitance_tril)
        h = 0.5 * (self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + log_det)
        return _expand(h, self._batch_shape)
