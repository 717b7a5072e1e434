"""Constraints: the sets that distribution parameters and samples must lie in
(``torch.distributions.constraints``, the subset the distributions here use).

``constraint.check(value)`` returns a bool Tensor of ``value``'s shape less the constraint's
``event_dim`` rightmost dims, True where the event satisfies it. Checks never record on the tape.

Instances: real, real_vector, positive, nonnegative, unit_interval, boolean, one_hot, simplex,
nonnegative_integer, positive_integer, lower_triangular, lower_cholesky, symmetric,
positive_definite, dependent; factories: greater_than, greater_than_eq, less_than, interval,
half_open_interval, integer_interval, independent, multinomial; and ``dependent_property``,
``is_dependent``.
"""

from __future__ import annotations

import numpy as np

from .. import factory as _factory
from .. import ops as _ops
from ..grad_mode import no_grad
from ..random import host
from ..tensor import Tensor, _wrap

__all__ = [
    "Constraint", "boolean", "dependent", "dependent_property", "greater_than", "greater_than_eq",
    "half_open_interval", "independent", "integer_interval", "interval", "is_dependent",
    "less_than", "lower_cholesky", "lower_triangular", "multinomial", "nonnegative",
    "nonnegative_integer", "one_hot", "positive", "positive_definite", "positive_integer",
    "real", "real_vector", "simplex", "symmetric", "unit_interval",
]  # fmt: skip


class Constraint:
    """A region a variable must lie in.

    is_discrete: whether the region is discrete. event_dim: how many rightmost dims make one
    event; ``check`` reduces over them.
    """

    is_discrete = False
    event_dim = 0

    def check(self, value: Tensor) -> Tensor:
        """A bool Tensor of shape ``value.shape[:value.ndim - event_dim]``: True where the event
        satisfies the constraint."""
        raise NotImplementedError

    def __repr__(self):
        return type(self).__name__[1:] + "()"


class _Dependent(Constraint):
    """Placeholder for a constraint that depends on other variables (never checked)."""

    def __init__(self, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        self._is_discrete = is_discrete
        self._event_dim = event_dim

    @property
    def is_discrete(self):  # type: ignore[override]
        if self._is_discrete is NotImplemented:
            raise NotImplementedError(".is_discrete cannot be determined statically")
        return self._is_discrete

    @property
    def event_dim(self):  # type: ignore[override]
        if self._event_dim is NotImplemented:
            raise NotImplementedError(".event_dim cannot be determined statically")
        return self._event_dim

    def __call__(self, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        """``dependent(is_discrete=True, event_dim=1)``: a placeholder with those attributes."""
        return _Dependent(
            is_discrete=self._is_discrete if is_discrete is NotImplemented else is_discrete,
            event_dim=self._event_dim if event_dim is NotImplemented else event_dim,
        )

    def check(self, value):
        """Always raises: a dependent constraint cannot be checked on its own."""
        raise ValueError("Cannot determine validity of dependent constraint")


def is_dependent(constraint) -> bool:
    """Whether ``constraint`` is a ``dependent`` placeholder (skipped by validation)."""
    return isinstance(constraint, _Dependent)


class _DependentProperty(property, _Dependent):
    """``@dependent_property``: a property on instances, a ``dependent`` constraint on the class
    (a support that depends on the parameters, such as Uniform's interval)."""

    def __init__(self, fn=None, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        property.__init__(self, fn)
        self._is_discrete = is_discrete
        self._event_dim = event_dim

    def __call__(self, fn):
        """Decorate ``fn`` keeping the static attributes given to the factory."""
        return _DependentProperty(fn, is_discrete=self._is_discrete, event_dim=self._event_dim)


def _t(v):
    """``v`` (Tensor or number) as something the comparison ops take, without recording."""
    return v.detach() if isinstance(v, Tensor) else v


def _all_last(b: Tensor, n: int) -> Tensor:
    """``b`` reduced with ``all`` over its ``n`` rightmost dims."""
    for _ in range(n):
        b = b.all(-1)
    return b


class _IndependentConstraint(Constraint):
    """``base_constraint`` with ``reinterpreted_batch_ndims`` more dims taken as one event."""

    def __init__(self, base_constraint, reinterpreted_batch_ndims: int):
        if not isinstance(base_constraint, Constraint):
            raise TypeError(f"independent: expected a Constraint, got {type(base_constraint)}")
        if not isinstance(reinterpreted_batch_ndims, int) or reinterpreted_batch_ndims < 0:
            raise ValueError(
                "independent: reinterpreted_batch_ndims must be an int >= 0, got "
                f"{reinterpreted_batch_ndims!r}"
            )
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    @property
    def is_discrete(self):  # type: ignore[override]
        return self.base_constraint.is_discrete

    @property
    def event_dim(self):  # type: ignore[override]
        return self.base_constraint.event_dim + self.reinterpreted_batch_ndims

    def check(self, value):
        """See ``Constraint.check``."""
        result = self.base_constraint.check(value)
        if result.ndim < self.reinterpreted_batch_ndims:
            raise ValueError(f"Expected value.dim() >= {self.event_dim} but got {value.ndim}")
        return _all_last(result, self.reinterpreted_batch_ndims)

    def __repr__(self):
        return f"IndependentConstraint({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


class _Boolean(Constraint):
    """The two values {0, 1}."""

    is_discrete = True

    def check(self, value):
        """See ``Constraint.check``."""
        with no_grad():
            return (value == 0) | (value == 1)


class _OneHot(Constraint):
    """One-hot vectors (0/1 entries summing to 1 along the last dim)."""

    is_discrete = True
    event_dim = 1

    def check(self, value):
        """See ``Constraint.check``."""
        with no_grad():
            return ((value == 0) | (value == 1)).all(-1) & (value.sum(-1) == 1)


class _Bounded(Constraint):
    """A constraint with ``lower_bound`` and / or ``upper_bound`` (numbers or Tensors)."""

    _fields: tuple = ()

    def __init__(self, *bounds):
        for name, b in zip(self._fields, bounds):
            setattr(self, name, b)

    def check(self, value):
        """See ``Constraint.check``."""
        with no_grad():
            return self._check(_t(value))

    def __repr__(self):
        args = ", ".join(f"{f}={getattr(self, f)}" for f in self._fields)
        return f"{type(self).__name__[1:]}({args})"


class _IntegerInterval(_Bounded):
    """Integers in [lower_bound, upper_bound]."""

    is_discrete = True
    _fields = ("lower_bound", "upper_bound")

    def _check(self, v):
        return (v % 1 == 0) & (v >= _t(self.lower_bound)) & (v <= _t(self.upper_bound))


class _IntegerGreaterThan(_Bounded):
    """Integers in [lower_bound, inf)."""

    is_discrete = True
    _fields = ("lower_bound",)

    def _check(self, v):
        return (v % 1 == 0) & (v >= _t(self.lower_bound))


class _Multinomial(Constraint):
    """Vectors (last dim) of non-negative entries summing to at most ``upper_bound`` (torch's
    check: integrality is not checked)."""

    is_discrete = True
    event_dim = 1

    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def check(self, value):
        """See ``Constraint.check``."""
        with no_grad():
            return (value >= 0).all(-1) & (value.sum(-1) <= self.upper_bound)

    def __repr__(self):
        return f"Multinomial(upper_bound={self.upper_bound})"


class _Real(Constraint):
    """The extended real line [-inf, inf] (NaN fails)."""

    def check(self, value):
        """See ``Constraint.check``."""
        with no_grad():
            return value == value


class _GreaterThan(_Bounded):
    """(lower_bound, inf]."""

    _fields = ("lower_bound",)

    def _check(self, v):
        return v > _t(self.lower_bound)


class _GreaterThanEq(_Bounded):
    """[lower_bound, inf)."""

    _fields = ("lower_bound",)

    def _check(self, v):
        return v >= _t(self.lower_bound)


class _LessThan(_Bounded):
    """[-inf, upper_bound)."""

    _fields = ("upper_bound",)

    def _check(self, v):
        return v < _t(self.upper_bound)


class _Interval(_Bounded):
    """[lower_bound, upper_bound]."""

    _fields = ("lower_bound", "upper_bound")

    def _check(self, v):
        return (v >= _t(self.lower_bound)) & (v <= _t(self.upper_bound))


class _HalfOpenInterval(_Bounded):
    """[lower_bound, upper_bound)."""

    _fields = ("lower_bound", "upper_bound")

    def _check(self, v):
        return (v >= _t(self.lower_bound)) & (v < _t(self.upper_bound))


class _Simplex(Constraint):
    """Vectors along the last dim with entries >= 0 summing to 1 (within 1e-6)."""

    event_dim = 1

    def check(self, value):
        """See ``Constraint.check``."""
        with no_grad():
            return (value >= 0).all(-1) & ((value.sum(-1) - 1).abs() < 1e-6)


class _LowerTriangular(Constraint):
    """Lower-triangular square matrices."""

    event_dim = 2

    def check(self, value):
        """See ``Constraint.check``."""
        with no_grad():
            return _all_last(value.tril() == value, 2)


class _LowerCholesky(Constraint):
    """Lower-triangular square matrices with a positive diagonal."""

    event_dim = 2

    def check(self, value):
        """See ``Constraint.check``."""
        with no_grad():
            tri = _all_last(value.tril() == value, 2)
            return tri & (_ops.diagonal(value, 0, -2, -1) > 0).all(-1)


class _Symmetric(Constraint):
    """Symmetric square matrices (within atol 1e-6)."""

    event_dim = 2

    def check(self, value):
        """See ``Constraint.check``."""
        with no_grad():
            if value.shape[-1] != value.shape[-2]:
                return _factory.zeros(value.shape[:-2], dtype=np.bool_, device=value.device)
            return _all_last(_ops.isclose(value, value.mT, atol=1e-6), 2)


class _PositiveDefinite(_Symmetric):
    """Symmetric positive-definite matrices: symmetric, and their Cholesky factorisation (of
    the lower triangle, in the matrix's dtype) succeeds, as torch's ``cholesky_ex(...).info ==
    0`` check, so that a matrix that passes is one that MultivariateNormal can factorise."""

    def check(self, value):
        """See ``Constraint.check``."""
        sym = super().check(value)
        if not bool(sym.all()):
            return sym
        out = _wrap(_cholesky_ok(host(value.detach()._data)), None, False)
        return out if type(value._data) is np.ndarray else out.to(value.device)


def _cholesky_ok(a: np.ndarray) -> np.ndarray:
    """Whether NumPy's Cholesky factorisation of each matrix of ``a`` (..., n, n) succeeds:
    bool of shape a.shape[:-2] (one batched call; matrix by matrix only when one fails)."""
    batch = a.shape[:-2]
    if a.dtype == np.float16:  # NumPy's linalg has no float16
        a = a.astype(np.float32)
    if a.size == 0:
        return np.ones(batch, bool)
    try:
        np.linalg.cholesky(a)
        return np.ones(batch, bool)
    except np.linalg.LinAlgError:
        pass
    flat = a.reshape((-1,) + a.shape[-2:])
    ok = np.ones(len(flat), bool)
    for i, m in enumerate(flat):
        try:
            np.linalg.cholesky(m)
        except np.linalg.LinAlgError:
            ok[i] = False
    return ok.reshape(batch)


dependent = _Dependent()
dependent_property = _DependentProperty
independent = _IndependentConstraint
boolean = _Boolean()
one_hot = _OneHot()
nonnegative_integer = _IntegerGreaterThan(0)
positive_integer = _IntegerGreaterThan(1)
integer_interval = _IntegerInterval
multinomial = _Multinomial
real = _Real()
real_vector = independent(real, 1)
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
unit_interval = _Interval(0.0, 1.0)
interval = _Interval
half_open_interval = _HalfOpenInterval
simplex = _Simplex()
lower_triangular = _LowerTriangular()
lower_cholesky = _LowerCholesky()
symmetric = _Symmetric()
positive_definite = _PositiveDefinite()
