"""MultivariateNormal (``torch.distributions.MultivariateNormal``): N(loc, Sigma) given by the
covariance, the precision or the lower Cholesky factor ``scale_tril`` of Sigma; everything is
computed from the Cholesky factor L (``autograd.linalg.cholesky`` and ``solve_triangular``), so
log_prob, rsample, entropy and the KL divergence differentiate twice in every parameter."""

from __future__ import annotations

import math

import numpy as np

from .. import factory as _factory
from .. import linalg as _linalg
from .. import ops as _ops
from ..errors import ShapeError
from ..tensor import Tensor
from . import constraints
from .base import Distribution, _bshape, _check_float, _expand, lazy_property

__all__ = ["MultivariateNormal"]


def _batch_mv(bmat: Tensor, bvec: Tensor) -> Tensor:
    """bmat (..., n, n) times bvec (..., n), batch dims broadcast: (..., n)."""
    return (bmat @ bvec.unsqueeze(-1)).squeeze(-1)


def _batch_mahalanobis(L: Tensor, x: Tensor) -> Tensor:
    """x^T (L L^T)^-1 x for L (*lb, n, n) lower triangular and x (*xb, n), the batch shapes
    broadcast: shape broadcast(lb, xb). When x only adds leading dims to L's batch, one
    triangular solve takes them all as columns (L is never copied per sample)."""
    n = x.shape[-1]
    lb = tuple(L.shape[:-2])
    full = _bshape("MultivariateNormal", {"scale_tril batch": lb, "value batch": x.shape[:-1]})
    x = _expand(x, full + (n,))
    k = len(lb)
    inner, outer = full[len(full) - k :], full[: len(full) - k]
    if inner == lb:
        m = int(np.prod(outer, dtype=np.int64))
        cols = x.reshape((m,) + inner + (n,)).movedim(0, -1)  # (*lb, n, m)
        y = _linalg.solve_triangular(L, cols, upper=False)
        return y.pow(2).sum(-2).movedim(-1, 0).reshape(full)
    y = _linalg.solve_triangular(_expand(L, full + (n, n)), x.unsqueeze(-1), upper=False)
    return y.squeeze(-1).pow(2).sum(-1)


def _precision_to_scale_tril(P: Tensor) -> Tensor:
    """The lower Cholesky factor of P^-1 (..., n, n), via the Cholesky factor of the flipped P."""
    Lf = _linalg.cholesky(_ops.flip(P, (-2, -1)))
    L_inv = _ops.flip(Lf, (-2, -1)).mT
    eye = _factory.eye(P.shape[-1], dtype=P.dtype, device=P.device)
    return _linalg.solve_triangular(L_inv, eye, upper=False)


class MultivariateNormal(Distribution):
    """The multivariate normal distribution N(loc, Sigma).

    loc: (..., n). Exactly one of covariance_matrix (Sigma, positive definite), precision_matrix
    (Sigma^-1, positive definite) or scale_tril (lower triangular L with a positive diagonal,
    Sigma = L L^T), each (..., n, n). ``batch_shape`` is the broadcast of loc.shape[:-1] and the
    matrix's batch dims; ``event_shape`` (n,). rsample: loc + L eps, eps ~ N(0, I).
    """

    arg_constraints = {
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(
        self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None,
        validate_args=None,
    ):  # fmt: skip
        who = "MultivariateNormal"
        given = {
            k: v
            for k, v in (
                ("covariance_matrix", covariance_matrix),
                ("precision_matrix", precision_matrix),
                ("scale_tril", scale_tril),
            )
            if v is not None
        }
        if len(given) != 1:
            raise ValueError(
                f"{who}: exactly one of covariance_matrix or precision_matrix or scale_tril may "
                "be specified."
            )
        ((name, mat),) = given.items()
        for pname, v in (("loc", loc), (name, mat)):
            if not isinstance(v, Tensor):
                raise TypeError(f"{who}: {pname} must be a Tensor, got {type(v).__name__}")
            _check_float(who, pname, v)
        if loc.ndim < 1:
            raise ValueError(f"{who}: loc must be at least one-dimensional.")
        if mat.ndim < 2:
            raise ValueError(
                f"{who}: {name} must be at least two-dimensional, with optional leading batch "
                "dimensions"
            )
        n = loc.shape[-1]
        if mat.shape[-2:] != (n, n):
            raise ShapeError(
                f"{who}: {name} of shape {tuple(mat.shape)} must be (..., n, n) with n = "
                f"{n}, loc's last dim (loc of shape {tuple(loc.shape)})"
            )
        batch = _bshape(who, {"loc batch": loc.shape[:-1], f"{name} batch": mat.shape[:-2]})
        setattr(self, name, _expand(mat, batch + (n, n)))
        self.loc = _expand(loc, batch + (n,))
        super().__init__(batch, (n,), validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = mat
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = _linalg.cholesky(mat)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(mat)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(MultivariateNormal, _instance)
        batch_shape = tuple(batch_shape)
        n = self._event_shape[0]
        new.loc = self.loc.expand(batch_shape + (n,))
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(batch_shape + (n, n)))
        return self._finish_expand(new, batch_shape)

    def _param0(self):
        return self.loc

    @lazy_property
    def scale_tril(self) -> Tensor:
        """L, (*batch_shape, n, n)."""
        n = self._event_shape[0]
        return self._unbroadcasted_scale_tril.expand(self._batch_shape + (n, n))

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        """L L^T, (*batch_shape, n, n)."""
        L = self._unbroadcasted_scale_tril
        n = self._event_shape[0]
        return (L @ L.mT).expand(self._batch_shape + (n, n))

    @lazy_property
    def precision_matrix(self) -> Tensor:
        """(L L^T)^-1 = L^-T L^-1, (*batch_shape, n, n)."""
        L = self._unbroadcasted_scale_tril
        n = self._event_shape[0]
        eye = _factory.eye(n, dtype=L.dtype, device=L.device)
        L_inv = _linalg.solve_triangular(L, eye, upper=False)
        return (L_inv.mT @ L_inv).expand(self._batch_shape + (n, n))

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
        """diag(Sigma) = sum_j L_ij^2, (*batch_shape, n)."""
        v = self._unbroadcasted_scale_tril.pow(2).sum(-1)
        return _expand(v, self._batch_shape + self._event_shape)

    def rsample(self, sample_shape=()) -> Tensor:
        """loc + L eps, shape ``sample_shape + batch_shape + (n,)``."""
        shape = self._extended_shape(sample_shape)
        eps = _factory.randn(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + _batch_mv(self._unbroadcasted_scale_tril, eps)

    def _half_log_det(self) -> Tensor:
        L = self._unbroadcasted_scale_tril
        return _ops.diagonal(L, 0, -2, -1).log().sum(-1)

    def log_prob(self, value) -> Tensor:
        """-(n log(2 pi) + (x - loc)^T Sigma^-1 (x - loc)) / 2 - log det L; shape
        broadcast(value.shape[:-1], batch_shape)."""
        value = self._value(value)
        n = self._event_shape[0]
        m = _batch_mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        return -0.5 * (n * math.log(2 * math.pi) + m) - self._half_log_det()

    def entropy(self) -> Tensor:
        """n (1 + log(2 pi)) / 2 + log det L, of batch_shape."""
        n = self._event_shape[0]
        h = 0.5 * n * (1.0 + math.log(2 * math.pi)) + self._half_log_det()
        return _expand(h, self._batch_shape)
