"""Transforms (``torch.distributions.transforms``): invertible (or not) maps ``y = t(x)`` with
``t.inv(y)`` and ``t.log_abs_det_jacobian(x, y)``, written with tapegrad's differentiable ops so
that a ``TransformedDistribution``'s ``rsample`` and ``log_prob`` differentiate (twice) in the
parameters of the transforms and of the base distribution.

Every transform has a ``domain`` and a ``codomain`` (constraints; their ``event_dim`` says how
many rightmost dims make one event), ``bijective``, and where monotone a ``sign`` (+1 / -1, a
number or a Tensor). ``log_abs_det_jacobian(x, y)`` has the shape of ``x`` less the domain's
``event_dim`` rightmost dims. Results are never cached (``cache_size`` must be 0; torch's cache
of the last (x, y) pair is an optimisation that changes no value).

Transforms: ExpTransform, AffineTransform(loc, scale, event_dim=0), SigmoidTransform,
TanhTransform, PowerTransform(exponent), AbsTransform (not bijective), SoftmaxTransform (not
bijective), ComposeTransform(parts); ``t.inv`` is an ``_InverseTransform``; ``identity_transform``
is ``ComposeTransform([])``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import factory as _factory
from .. import ops as _ops
from ..tensor import Tensor
from . import constraints
from .base import _sum_rightmost, broadcast_all

__all__ = [
    "AbsTransform", "AffineTransform", "ComposeTransform", "ExpTransform", "PowerTransform",
    "SigmoidTransform", "SoftmaxTransform", "TanhTransform", "Transform", "identity_transform",
]  # fmt: skip


def _same(a, b) -> bool:
    """Whether two parameters (numbers or Tensors) are equal everywhere."""
    if isinstance(a, numbers.Number) and isinstance(b, numbers.Number):
        return a == b
    try:
        return bool((a == b).all())
    except Exception:  # noqa: BLE001 - shapes that do not broadcast are not equal
        return False


class Transform:
    """Base class of the transforms: ``y = t(x)``, ``x = t.inv(y)``.

    cache_size: 0 only (no caching). Subclasses define ``_call(x)``, ``_inverse(y)`` and
    ``log_abs_det_jacobian(x, y)``, ``domain``, ``codomain``, ``bijective`` and ``sign``.
    """

    bijective = False
    domain = constraints.real
    codomain = constraints.real

    def __init__(self, cache_size: int = 0):
        if cache_size not in (0, 1):
            raise ValueError(f"cache_size must be 0 or 1, got {cache_size!r}")
        if cache_size == 1:
            raise NotImplementedError(
                f"{type(self).__name__}: caching (cache_size=1) is not supported; use 0"
            )
        self._cache_size = 0

    @property
    def event_dim(self) -> int:
        """The larger of the domain's and the codomain's event_dim."""
        if self.domain.event_dim == self.codomain.event_dim:
            return self.domain.event_dim
        raise ValueError("Please use either .domain.event_dim or .codomain.event_dim")

    @property
    def inv(self) -> Transform:
        """The inverse transform: ``t.inv(t(x)) == x`` (for a bijective ``t``)."""
        return _InverseTransform(self)

    @property
    def sign(self):
        """+1 or -1 (a number or a Tensor): the sign of the derivative of a monotone map."""
        raise NotImplementedError(f"{type(self).__name__} has no sign")

    def with_cache(self, cache_size: int = 1) -> Transform:
        """This transform (only cache_size 0 is supported)."""
        if cache_size == 0:
            return self
        raise NotImplementedError(f"{type(self).__name__}.with_cache: caching is not supported")

    def __call__(self, x: Tensor) -> Tensor:
        """``y = t(x)``, the shape given by ``forward_shape``."""
        return self._call(x)

    def _inv_call(self, y: Tensor) -> Tensor:
        return self._inverse(y)

    def _call(self, x):
        raise NotImplementedError(f"{type(self).__name__} does not implement __call__")

    def _inverse(self, y):
        raise NotImplementedError(f"{type(self).__name__} does not implement the inverse")

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """log |det dy/dx|: the shape of ``x`` less ``domain.event_dim`` rightmost dims."""
        raise NotImplementedError(f"{type(self).__name__} does not implement log_abs_det_jacobian")

    def forward_shape(self, shape) -> tuple:
        """The shape of ``t(x)`` for ``x`` of ``shape``."""
        return tuple(shape)

    def inverse_shape(self, shape) -> tuple:
        """The shape of ``t.inv(y)`` for ``y`` of ``shape``."""
        return tuple(shape)

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = object.__hash__

    def __repr__(self):
        return type(self).__name__ + "()"


class _InverseTransform(Transform):
    """The inverse of a transform: domain and codomain swapped, ``__call__`` its inverse."""

    def __init__(self, transform: Transform):
        super().__init__()
        self._inv = transform

    @property
    def domain(self):  # type: ignore[override]
        return self._inv.codomain

    @property
    def codomain(self):  # type: ignore[override]
        return self._inv.domain

    @property
    def bijective(self):  # type: ignore[override]
        return self._inv.bijective

    @property
    def sign(self):
        """The sign of the inverted transform."""
        return self._inv.sign

    @property
    def inv(self) -> Transform:
        """The transform this one inverts."""
        return self._inv

    def __call__(self, x):
        return self._inv._inv_call(x)

    def _inv_call(self, y):
        return self._inv(y)

    def log_abs_det_jacobian(self, x, y):
        """-log |det| of the inverted transform at (y, x)."""
        return -self._inv.log_abs_det_jacobian(y, x)

    def forward_shape(self, shape):
        """See ``Transform.forward_shape``."""
        return self._inv.inverse_shape(shape)

    def inverse_shape(self, shape):
        """See ``Transform.inverse_shape``."""
        return self._inv.forward_shape(shape)

    def __eq__(self, other):
        return isinstance(other, _InverseTransform) and self._inv == other._inv

    __hash__ = object.__hash__

    def __repr__(self):
        return f"{self._inv!r}.inv"


class ComposeTransform(Transform):
    """``parts[-1](...parts[1](parts[0](x)))``; the log-det sums the parts' (each summed over
    the event dims it does not already reduce). An empty list is the identity."""

    def __init__(self, parts, cache_size: int = 0):
        super().__init__(cache_size)
        parts = list(parts)
        for p in parts:
            if not isinstance(p, Transform):
                raise TypeError(
                    f"ComposeTransform: expected a list of Transforms, got {type(p).__name__}"
                )
        self.parts = parts

    @property
    def domain(self):  # type: ignore[override]
        if not self.parts:
            return constraints.real
        domain = self.parts[0].domain
        event_dim = self.parts[-1].codomain.event_dim
        for part in reversed(self.parts):
            event_dim += part.domain.event_dim - part.codomain.event_dim
            event_dim = max(event_dim, part.domain.event_dim)
        if event_dim > domain.event_dim:
            domain = constraints.independent(domain, event_dim - domain.event_dim)
        return domain

    @property
    def codomain(self):  # type: ignore[override]
        if not self.parts:
            return constraints.real
        codomain = self.parts[-1].codomain
        event_dim = self.parts[0].domain.event_dim
        for part in self.parts:
            event_dim += part.codomain.event_dim - part.domain.event_dim
            event_dim = max(event_dim, part.codomain.event_dim)
        if event_dim > codomain.event_dim:
            codomain = constraints.independent(codomain, event_dim - codomain.event_dim)
        return codomain

    @property
    def bijective(self):  # type: ignore[override]
        return all(p.bijective for p in self.parts)

    @property
    def sign(self):
        """The product of the parts' signs."""
        sign = 1
        for p in self.parts:
            sign = sign * p.sign
        return sign

    @property
    def inv(self) -> Transform:
        """The composition of the inverses, in reverse order."""
        return ComposeTransform([p.inv for p in reversed(self.parts)])

    def __call__(self, x):
        for part in self.parts:
            x = part(x)
        return x

    def _inv_call(self, y):
        for part in reversed(self.parts):
            y = part.inv(y)
        return y

    def log_abs_det_jacobian(self, x, y):
        """The sum of the parts' log-dets along the chain x -> ... -> y."""
        if not self.parts:
            return _factory.zeros_like(x)
        xs = [x]
        for part in self.parts[:-1]:
            xs.append(part(xs[-1]))
        xs.append(y)
        total = None
        event_dim = self.domain.event_dim
        for part, xi, yi in zip(self.parts, xs[:-1], xs[1:]):
            term = _sum_rightmost(
                part.log_abs_det_jacobian(xi, yi), event_dim - part.domain.event_dim
            )
            total = term if total is None else total + term
            event_dim += part.codomain.event_dim - part.domain.event_dim
        return total

    def forward_shape(self, shape):
        """See ``Transform.forward_shape``."""
        for part in self.parts:
            shape = part.forward_shape(shape)
        return tuple(shape)

    def inverse_shape(self, shape):
        """See ``Transform.inverse_shape``."""
        for part in reversed(self.parts):
            shape = part.inverse_shape(shape)
        return tuple(shape)

    def __eq__(self, other):
        return isinstance(other, ComposeTransform) and self.parts == other.parts

    __hash__ = object.__hash__

    def __repr__(self):
        inner = ",\n    ".join(repr(p) for p in self.parts)
        return f"ComposeTransform(\n    {inner}\n)"


identity_transform = ComposeTransform([])


class ExpTransform(Transform):
    """y = exp(x): real -> positive; log-det x."""

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = 1

    def __eq__(self, other):
        return isinstance(other, ExpTransform)

    __hash__ = object.__hash__

    def _call(self, x):
        return x.exp()

    def _inverse(self, y):
        return y.log()

    def log_abs_det_jacobian(self, x, y):
        """x (same shape)."""
        return x


class AbsTransform(Transform):
    """y = |x|: real -> positive (not bijective; ``inv`` returns y, the positive root)."""

    domain = constraints.real
    codomain = constraints.positive

    def __eq__(self, other):
        return isinstance(other, AbsTransform)

    __hash__ = object.__hash__

    def _call(self, x):
        return x.abs()

    def _inverse(self, y):
        return y


class PowerTransform(Transform):
    """y = x^exponent: positive -> positive; log-det log|exponent y / x|.

    exponent: a number or a Tensor (broadcast with x); ``.exponent`` is a Tensor, as torch's."""

    domain = constraints.positive
    codomain = constraints.positive
    bijective = True

    def __init__(self, exponent, cache_size: int = 0):
        super().__init__(cache_size)
        (self.exponent,) = broadcast_all(exponent, names=("exponent",), who="PowerTransform")
        # a number exponent is used as such (exact 1 / exponent in any dtype)
        self._e = float(exponent) if isinstance(exponent, numbers.Real) else self.exponent

    @property
    def sign(self):
        """sign(exponent) (a Tensor)."""
        return self.exponent.sign()

    def __eq__(self, other):
        return isinstance(other, PowerTransform) and _same(self.exponent, other.exponent)

    __hash__ = object.__hash__

    def _call(self, x):
        return x.pow(self._e)

    def _inverse(self, y):
        return y.pow(1 / self._e)

    def log_abs_det_jacobian(self, x, y):
        """log|exponent y / x| (broadcast shape)."""
        return (self._e * y / x).abs().log()

    def forward_shape(self, shape):
        """broadcast(shape, exponent.shape)."""
        return tuple(np.broadcast_shapes(tuple(shape), tuple(self.exponent.shape)))

    def inverse_shape(self, shape):
        """broadcast(shape, exponent.shape)."""
        return tuple(np.broadcast_shapes(tuple(shape), tuple(self.exponent.shape)))


def _clipped_sigmoid(x: Tensor) -> Tensor:
    fi = np.finfo(x.dtype)
    return x.sigmoid().clamp(min=float(fi.tiny), max=1.0 - float(fi.eps))


class SigmoidTransform(Transform):
    """y = sigmoid(x), clamped to [tiny, 1 - eps] of the dtype (as torch's): real -> [0, 1];
    log-det -softplus(-x) - softplus(x)."""

    domain = constraints.real
    codomain = constraints.unit_interval
    bijective = True
    sign = 1

    def __eq__(self, other):
        return isinstance(other, SigmoidTransform)

    __hash__ = object.__hash__

    def _call(self, x):
        return _clipped_sigmoid(x)

    def _inverse(self, y):
        fi = np.finfo(y.dtype)
        y = y.clamp(min=float(fi.tiny), max=1.0 - float(fi.eps))
        return y.log() - (-y).log1p()

    def log_abs_det_jacobian(self, x, y):
        """-softplus(-x) - softplus(x) (same shape)."""
        return -_ops.softplus(-x) - _ops.softplus(x)


class TanhTransform(Transform):
    """y = tanh(x): real -> [-1, 1]; inverse atanh; log-det 2 (log 2 - x - softplus(-2x))."""

    domain = constraints.real
    codomain = constraints.interval(-1.0, 1.0)
    bijective = True
    sign = 1

    def __eq__(self, other):
        return isinstance(other, TanhTransform)

    __hash__ = object.__hash__

    def _call(self, x):
        return x.tanh()

    def _inverse(self, y):
        return y.atanh()

    def log_abs_det_jacobian(self, x, y):
        """2 (log 2 - x - softplus(-2x)) (same shape)."""
        return 2.0 * (math.log(2.0) - x - _ops.softplus(-2.0 * x))


class AffineTransform(Transform):
    """y = loc + scale x, with ``event_dim`` rightmost dims taken as one event (the log-det sums
    log|scale| over them). loc, scale: numbers or Tensors broadcast with x."""

    bijective = True

    def __init__(self, loc, scale, event_dim: int = 0, cache_size: int = 0):
        super().__init__(cache_size)
        for name, v in (("loc", loc), ("scale", scale)):
            if not isinstance(v, (Tensor, numbers.Number)):
                raise TypeError(
                    f"AffineTransform: {name} must be a Tensor or a number, got {type(v).__name__}"
                )
        if not isinstance(event_dim, int) or event_dim < 0:
            raise ValueError(f"AffineTransform: event_dim must be an int >= 0, got {event_dim!r}")
        self.loc = loc
        self.scale = scale
        self._event_dim = event_dim

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        return self._event_dim

    @property
    def domain(self):  # type: ignore[override]
        if self._event_dim == 0:
            return constraints.real
        return constraints.independent(constraints.real, self._event_dim)

    @property
    def codomain(self):  # type: ignore[override]
        return self.domain

    @property
    def sign(self):
        """sign(scale): a number for a number scale, else a Tensor."""
        if isinstance(self.scale, numbers.Real):
            s = float(self.scale)
            return 1 if s > 0 else -1 if s < 0 else 0
        return self.scale.sign()

    def __eq__(self, other):
        return (
            isinstance(other, AffineTransform)
            and self._event_dim == other._event_dim
            and _same(self.loc, other.loc)
            and _same(self.scale, other.scale)
        )

    __hash__ = object.__hash__

    def _call(self, x):
        return self.loc + self.scale * x

    def _inverse(self, y):
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x, y):
        """log|scale| broadcast to x's shape, summed over the ``event_dim`` rightmost dims."""
        shape = tuple(x.shape)
        if isinstance(self.scale, Tensor):
            result = self.scale.abs().log()
            shape = tuple(np.broadcast_shapes(shape, tuple(result.shape)))
            result = result.expand(shape) if tuple(result.shape) != shape else result
        else:
            value = math.log(abs(self.scale)) if self.scale != 0 else -math.inf
            result = _factory.full(shape, value, dtype=x.dtype, device=x.device)
        if self._event_dim:
            result = _sum_rightmost(result, self._event_dim)
            shape = shape[: len(shape) - self._event_dim]
        return result.expand(shape) if tuple(result.shape) != shape else result

    def forward_shape(self, shape):
        """broadcast(shape, loc.shape, scale.shape)."""
        return tuple(np.broadcast_shapes(tuple(shape), np.shape(self.loc), np.shape(self.scale)))

    def inverse_shape(self, shape):
        """broadcast(shape, loc.shape, scale.shape)."""
        return self.forward_shape(shape)


class SoftmaxTransform(Transform):
    """y = softmax(x) over the last dim: real vectors -> the simplex (not bijective; ``inv``
    is log y, one of the preimages)."""

    domain = constraints.real_vector
    codomain = constraints.simplex

    def __eq__(self, other):
        return isinstance(other, SoftmaxTransform)

    __hash__ = object.__hash__

    def _call(self, x):
        probs = (x - x.max(-1, keepdim=True)[0]).exp()
        return probs / probs.sum(-1, keepdim=True)

    def _inverse(self, y):
        return y.log()

    def forward_shape(self, shape):
        """shape (at least 1-d)."""
        if len(shape) < 1:
            raise ValueError("SoftmaxTransform: too few dimensions on input")
        return tuple(shape)

    def inverse_shape(self, shape):
        """shape (at least 1-d)."""
        if len(shape) < 1:
            raise ValueError("SoftmaxTransform: too few dimensions on input")
        return tuple(shape)
