"""Gamma, Beta and Dirichlet (``torch.distributions``' classes of those names).

``rsample`` is reparameterised as torch's is, by implicit differentiation: a standard Gamma
sample x at concentration a is drawn on the host (NumPy's generator, the global one; for a < 1
as ``Gamma(a + 1) * U^(1/a)``, kept as its log) and moves with a as
``dx/da = -(dP/da)(a, x) / p(a, x)`` (P the regularised incomplete gamma function, p the
density), computed to near float64 precision in ``_igamma.py`` (torch approximates it, to about
1e-3 relative). Gamma(a, rate) = x / rate (x at least the dtype's smallest normal, as torch's).
Dirichlet(a) = softmax(log x) over the last dim, the gamma variables normalised in log space and
in float64 whatever the dtype (with ``d log x / da`` from the same formula, evaluated in log
space), then cast and clamped to [tiny, 1 - epsneg] of the dtype as torch's: so a float32
Beta(0.01, 0.01) keeps its U shape where float32 gammas would underflow. torch uses a different,
equally valid, implicit gradient of the Dirichlet marginals, so per-sample gradients differ while
their expectations agree (ours stays right below concentration ~0.005, where torch's is biased).
Beta(a, b) = Dirichlet([a, b])[..., 0]. Second derivatives through a sample with respect to the
concentration are not implemented (nor are they in torch): they raise RuntimeError.

``Gamma.cdf`` is P(concentration, rate * value), differentiable in all three (torch's refuses
the concentration gradient), the concentration's derivative first order only.
"""

from __future__ import annotations

import numpy as np

from .. import factory as _factory
from .. import ops as _ops
from ..function import Function
from ..random import gen, host
from ..tensor import Tensor
from . import constraints
from ._igamma import igamma_and_grad, log_reparam_grad
from .base import Distribution, _check_float, _is_number, broadcast_all

__all__ = ["Gamma", "Beta", "Dirichlet"]

_QUIET = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")


def _like(arr: np.ndarray, ref, dtype):
    """Host ``arr`` in ``dtype`` on the array module of the raw array ``ref``."""
    arr = np.asarray(arr).astype(dtype, copy=False)
    if type(ref) is np.ndarray:
        return arr
    from backends import array_module

    return array_module(ref).asarray(arr)


def _gamma_draws(a: np.ndarray):
    """Standard Gamma draws at float64 concentrations ``a`` (host), from the global generator:
    ``(x, log x)``. a >= 1: NumPy's sampler; a < 1: ``Gamma(a + 1) * U^(1/a)`` (U uniform on
    (0, 1]) kept as its log, so that log x stays exact where x underflows (below ~1e-308, which
    a draw at a = 0.01 is with probability ~0.1)."""
    g = gen()
    small = a < 1
    x = np.asarray(g.standard_gamma(np.where(small, a + 1, a)), np.float64)
    with np.errstate(divide="ignore", under="ignore"):
        logx = np.log(x)
        if small.any():
            a_s = a[small]
            logx[small] += np.log1p(-g.random(a_s.shape)) / a_s
            x[small] = np.exp(logx[small])
    return x, logx


class _ReparamGrad(Function):
    """g = dx/da for standard Gamma samples x at concentrations a (broadcast); host numerics.
    Its own derivative is not implemented (torch's ``_standard_gamma_grad`` has none either)."""

    twice_differentiable = False  # see Function.twice_differentiable

    __slots__ = ()

    def forward(self, a, x):
        _, g = igamma_and_grad(host(a), host(x), want_p=False)
        return _like(g, a, np.result_type(a.dtype, x.dtype))

    def backward(self, gy):
        raise RuntimeError(_NO_SECOND_ORDER)


class _LogReparamGrad(Function):
    """d log(x) / da for standard Gamma samples given as log x (``log_reparam_grad``); as
    ``_ReparamGrad``, no derivative of its own."""

    twice_differentiable = False  # see Function.twice_differentiable

    __slots__ = ()

    def forward(self, a, logx):
        return _like(log_reparam_grad(host(a), host(logx)), a, a.dtype)

    def backward(self, gy):
        raise RuntimeError(_NO_SECOND_ORDER)


_NO_SECOND_ORDER = (
    "the second derivative of a Gamma / Beta / Dirichlet rsample (or of Gamma.cdf) with respect "
    "to the concentration is not implemented (torch's neither)"
)


class _StandardGamma(Function):
    """x ~ Gamma(a, 1) drawn elementwise (x >= the dtype's tiny, as torch's); dx/da by implicit
    reparameterisation (``_ReparamGrad``). a: any shape, float; x: a's shape and dtype."""

    twice_differentiable = False  # see Function.twice_differentiable

    __slots__ = ()
    save_inputs = (0,)
    save_output = True

    def forward(self, a):
        draw, _ = _gamma_draws(host(a).astype(np.float64))
        draw = np.maximum(draw, np.finfo(a.dtype).tiny)
        return _like(draw, a, a.dtype)

    def backward(self, gy):
        a, x = self.saved
        with np.errstate(**_QUIET):
            return gy * _ReparamGrad.apply(a, x)


class _LogStandardGamma(Function):
    """log x, x ~ Gamma(a, 1) drawn elementwise, finite however small x is; d log(x) / da by
    implicit reparameterisation in log space (``_LogReparamGrad``). a: float64, any shape."""

    twice_differentiable = False  # see Function.twice_differentiable

    __slots__ = ()
    save_inputs = (0,)
    save_output = True

    def forward(self, a):
        _, logx = _gamma_draws(host(a).astype(np.float64))
        return _like(np.maximum(logx, -np.finfo(np.float64).max), a, a.dtype)

    def backward(self, gy):
        a, logx = self.saved
        with np.errstate(**_QUIET):
            return gy * _LogReparamGrad.apply(a, logx)


class _SampleRange(Function):
    """A normalised sample clamped to [tiny, 1 - epsneg] of its dtype, as torch clamps its
    Dirichlet samples (so that log_prob of a sample is finite); the gradient passes straight
    through (the clamp stands for rounding, not for a function of the parameters)."""

    __slots__ = ()

    def forward(self, x):
        fi = np.finfo(x.dtype)
        return x.clip(float(fi.tiny), 1.0 - float(fi.epsneg))

    def backward(self, gy):
        return gy


class _GammaCdf(Function):
    """y = P(a, x), the regularised lower incomplete gamma function (broadcast);
    dy/dx = p(a, x) = x^(a-1) e^-x / Gamma(a), dy/da = -p(a, x) dx/da (first order only)."""

    twice_differentiable = False  # see Function.twice_differentiable

    __slots__ = ()
    save_inputs = (0, 1)

    def forward(self, a, x):
        p, _ = igamma_and_grad(host(a), host(x))
        return _like(p, a, np.result_type(a.dtype, x.dtype))

    def backward(self, gy):
        a, x = self.saved
        with np.errstate(**_QUIET):  # x = 0 or inf: 0 * inf and the like, silently
            dens = _ops.exp(_ops.xlogy(a - 1, x) - x - _ops.lgamma(a))
            ga = gx = None
            if self.needs_grad(0):  # 0 at x = 0 (P(a, 0) = 0 for every a), not inf * 0
                ga = -(gy * dens) * _ReparamGrad.apply(a, x)
                ga = self.reduce_grad(0, _ops.where(x > 0, ga, 0.0))
            if self.needs_grad(1):
                gx = self.reduce_grad(1, gy * dens)
        return ga, gx


def _standard_gamma(concentration: Tensor) -> Tensor:
    """Standard Gamma samples of ``concentration``'s shape, reparameterised."""
    return _StandardGamma.apply(concentration)


class Gamma(Distribution):
    """The Gamma distribution with density rate^a x^(a-1) e^(-rate x) / Gamma(a) on (0, inf).

    concentration (a), rate: Tensors (or numbers) > 0 broadcast to ``batch_shape``.
    ``rsample``: standard Gamma samples / rate, reparameterised (see the module docstring).
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(
            concentration, rate, names=("concentration", "rate"), who="Gamma"
        )
        _check_float("Gamma", "concentration", self.concentration)
        _check_float("Gamma", "rate", self.rate)
        scalar = _is_number(concentration) and _is_number(rate)
        super().__init__(() if scalar else tuple(self.rate.shape), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(Gamma, _instance)
        batch_shape = tuple(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        return self._finish_expand(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        """concentration / rate."""
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        """max((concentration - 1) / rate, 0)."""
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        """concentration / rate^2."""
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape=()) -> Tensor:
        """Shape ``sample_shape + batch_shape``, differentiable in concentration and rate."""
        shape = self._extended_shape(sample_shape)
        return _standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)

    def log_prob(self, value) -> Tensor:
        """a log(rate) + (a - 1) log(value) - rate value - lgamma(a)."""
        value = self._value(value)
        a, r = self.concentration, self.rate
        return _ops.xlogy(a, r) + _ops.xlogy(a - 1, value) - r * value - a.lgamma()

    def cdf(self, value) -> Tensor:
        """P(concentration, rate * value) (regularised lower incomplete gamma)."""
        value = self._value(value)
        return _GammaCdf.apply(self.concentration, self.rate * value)

    def entropy(self) -> Tensor:
        """a - log(rate) + lgamma(a) + (1 - a) digamma(a)."""
        a = self.concentration
        return a - self.rate.log() + a.lgamma() + (1.0 - a) * a.digamma()


class Dirichlet(Distribution):
    """The Dirichlet distribution on the simplex, density prod x_i^(a_i - 1) / B(a).

    concentration: Tensor (..., k), k >= 1, entries > 0: ``batch_shape`` its leading dims,
    ``event_shape`` (k,). ``rsample``: normalised Gamma samples (see the module docstring).
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None):
        if not isinstance(concentration, Tensor):
            raise TypeError(
                f"Dirichlet: concentration must be a Tensor, got {type(concentration).__name__}"
            )
        _check_float("Dirichlet", "concentration", concentration)
        if concentration.ndim < 1:
            raise ValueError(
                "Dirichlet: `concentration` parameter must be at least one-dimensional."
            )
        self.concentration = concentration
        shape = tuple(concentration.shape)
        super().__init__(shape[:-1], shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = tuple(batch_shape)
        new.concentration = self.concentration.expand(batch_shape + self.event_shape)
        return self._finish_expand(new, batch_shape)

    def rsample(self, sample_shape=()) -> Tensor:
        """Shape ``sample_shape + batch_shape + (k,)``, differentiable in concentration."""
        shape = self._extended_shape(sample_shape)
        a = self.concentration.expand(shape)
        # log-gammas normalised by softmax, in float64 whatever the dtype: float32 gammas at a
        # small concentration underflow (Beta(0.01, 0.01) would be exactly 1/2 a sixth of the time)
        a64 = a if a.dtype == np.float64 else a.astype(np.float64)
        x = _ops.softmax(_LogStandardGamma.apply(a64), -1)
        return _SampleRange.apply(x if a.dtype == np.float64 else x.astype(a.dtype))

    def log_prob(self, value) -> Tensor:
        """sum (a_i - 1) log x_i + lgamma(sum a) - sum lgamma(a_i); shape without the last dim."""
        value = self._value(value)
        a = self.concentration
        return _ops.xlogy(a - 1.0, value).sum(-1) + a.sum(-1).lgamma() - a.lgamma().sum(-1)

    @property
    def mean(self) -> Tensor:
        """a / sum(a)."""
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        """(a - 1)_+ / sum (a - 1)_+, or the first vertex where every a_i < 1."""
        a = self.concentration
        am1 = (a - 1).clamp(min=0.0)
        corner = (a < 1).all(-1).unsqueeze(-1)
        mode = am1 / _ops.where(corner, 1.0, am1.sum(-1, keepdim=True))
        vertex = (_factory.arange(a.shape[-1], device=a.device) == 0).astype(a.dtype)
        return _ops.where(corner, vertex, mode)

    @property
    def variance(self) -> Tensor:
        """a (a0 - a) / (a0^2 (a0 + 1)), a0 = sum(a)."""
        a = self.concentration
        a0 = a.sum(-1, keepdim=True)
        return a * (a0 - a) / (a0.pow(2) * (a0 + 1))

    def entropy(self) -> Tensor:
        """log B(a) - (k - a0) digamma(a0) - sum (a_i - 1) digamma(a_i)."""
        a = self.concentration
        k = a.shape[-1]
        a0 = a.sum(-1)
        return (
            a.lgamma().sum(-1)
            - a0.lgamma()
            - (k - a0) * a0.digamma()
            - ((a - 1.0) * a.digamma()).sum(-1)
        )


class Beta(Distribution):
    """The Beta distribution on [0, 1], density x^(a-1) (1-x)^(b-1) / B(a, b).

    concentration1 (a), concentration0 (b): Tensors (or numbers) > 0, broadcast to
    ``batch_shape``. Built on ``Dirichlet([a, b])`` (its first coordinate), as torch's.
    """

    arg_constraints = {
        "concentration1": constraints.positive,
        "concentration0": constraints.positive,
    }
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        c1, c0 = broadcast_all(
            concentration1, concentration0, names=("concentration1", "concentration0"),
            who="Beta",
        )  # fmt: skip
        _check_float("Beta", "concentration1", c1)
        _check_float("Beta", "concentration0", c0)
        self._dirichlet = Dirichlet(_ops.stack([c1, c0], -1), validate_args=False)
        super().__init__(self._dirichlet.batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """See ``Distribution.expand``."""
        new = self._get_checked_instance(Beta, _instance)
        batch_shape = tuple(batch_shape)
        new._dirichlet = self._dirichlet.expand(batch_shape)
        return self._finish_expand(new, batch_shape)

    def _param0(self):
        return self._dirichlet.concentration

    @property
    def concentration1(self) -> Tensor:
        """a, of batch_shape."""
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self) -> Tensor:
        """b, of batch_shape."""
        return self._dirichlet.concentration[..., 1]

    def __repr__(self):
        c = self._dirichlet.concentration
        if c.numel() == 2:
            return f"Beta(concentration1: {c[..., 0].item()}, concentration0: {c[..., 1].item()})"
        shape = tuple(c.shape[:-1])
        return f"Beta(concentration1: {shape}, concentration0: {shape})"

    @property
    def mean(self) -> Tensor:
        """a / (a + b)."""
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        """The Dirichlet mode's first coordinate."""
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self) -> Tensor:
        """a b / ((a + b)^2 (a + b + 1))."""
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape=()) -> Tensor:
        """Shape ``sample_shape + batch_shape``, differentiable in both concentrations."""
        return self._dirichlet.rsample(sample_shape)[..., 0]

    def log_prob(self, value) -> Tensor:
        """Dirichlet([a, b]).log_prob([value, 1 - value])."""
        value = self._value(value)
        return self._dirichlet.log_prob(_ops.stack([value, 1.0 - value], -1))

    def entropy(self) -> Tensor:
        """The Dirichlet([a, b]) entropy."""
        return self._dirichlet.entropy()
