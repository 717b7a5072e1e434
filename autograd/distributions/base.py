"""``Distribution``, the base class (``torch.distributions.Distribution``), and the helpers the
distributions share: ``broadcast_all``, ``lazy_property``, probs/logits conversions, host
sampling onto a parameter's device.

Shapes: a distribution has a ``batch_shape`` (independent, non-identical copies, from
broadcasting its parameters) and an ``event_shape`` (the shape of one draw). ``sample(S)`` /
``rsample(S)`` return ``S + batch_shape + event_shape``; ``log_prob(value)`` takes a value
whose rightmost dims are ``event_shape`` and whose others broadcast with ``batch_shape`` and
returns its shape less ``event_shape``; ``entropy()``, ``mean``, ``variance`` are of
``batch_shape`` (+ ``event_shape`` for the moments).

Validation follows torch's default (``validate_args=None`` means on, unless
``Distribution.set_default_validate_args(False)`` or ``python -O``): parameters outside their
constraint raise ValueError naming the distribution, the parameter and the constraint, and so
do values outside the support given to ``log_prob`` / ``cdf``.
"""

from __future__ import annotations

import functools
import numbers
import operator

import numpy as np

from .. import dtypes as _dt
from .. import ops as _ops
from ..errors import ShapeError
from ..grad_mode import enable_grad, no_grad
from ..random import cast_below, gen, host
from ..tensor import Tensor, _wrap
from . import constraints

__all__ = ["Distribution", "broadcast_all", "lazy_property", "logits_to_probs",
           "probs_to_logits", "clamp_probs"]  # fmt: skip


def _is_number(v) -> bool:
    return isinstance(v, (numbers.Number, np.number, np.bool_))


def _shape_of(size) -> tuple:
    """A ``sample_shape`` / ``batch_shape`` argument as a tuple of ints."""
    if isinstance(size, (int, np.integer)):
        return (int(size),)
    try:
        items = tuple(size)
    except TypeError:
        raise TypeError(f"expected a shape (a tuple of ints), got {size!r}") from None
    shape = []
    for i, s in enumerate(items):
        try:  # integers only (as torch.Size): int() would truncate 2.5 to 2
            shape.append(operator.index(s))
        except TypeError:
            raise TypeError(
                f"expected a shape (a tuple of ints), got {size!r} (item {i} is {type(s).__name__})"
            ) from None
    shape = tuple(shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"negative dimension in shape {shape}")
    return shape


def _bshape(who: str, shapes: dict) -> tuple:
    """The broadcast of ``shapes`` (name -> shape), or ShapeError naming ``who`` and them."""
    try:
        return tuple(np.broadcast_shapes(*shapes.values()))
    except ValueError:
        desc = ", ".join(f"{k} {tuple(s)}" for k, s in shapes.items())
        raise ShapeError(f"{who}: the shapes of {desc} are not broadcastable") from None


def _expand(t: Tensor, shape: tuple) -> Tensor:
    """``t`` broadcast to ``shape`` (itself when it already has that shape)."""
    return t if tuple(t.shape) == tuple(shape) else t.expand(shape)


def broadcast_all(*values, names=None, who="broadcast_all"):
    """Tensors and numbers broadcast to one shape (torch's ``broadcast_all``).

    values: Tensors of any broadcastable shapes, or Python numbers (made tensors of the first
    tensor's dtype and device, or of the default dtype when all are numbers). Returns a tuple of
    Tensors of the broadcast shape. ``names`` / ``who`` name the arguments in errors.
    """
    names = names or [f"argument {i}" for i in range(len(values))]
    like = None
    for name, v in zip(names, values):
        if isinstance(v, Tensor):
            like = like if like is not None else v
        elif not _is_number(v):
            raise TypeError(f"{who}: {name} must be a Tensor or a number, got {type(v).__name__}")
    dtype = like.dtype if like is not None else _dt.get_default_dtype()
    device = like.device if like is not None else None
    ts = [v if isinstance(v, Tensor) else _wrap_const(np.asarray(v, dtype), device) for v in values]
    devs = {t.device for t in ts}
    if len(devs) > 1:
        raise RuntimeError(
            f"Expected all tensors to be on the same device, but got {' and '.join(sorted(devs))}"
            f" (in {who})"
        )
    shape = _bshape(who, {n: tuple(t.shape) for n, t in zip(names, ts)})
    return tuple(_expand(t, shape) for t in ts)


def _wrap_const(arr, device) -> Tensor:
    t = _wrap(arr, None, False)
    return t if device in (None, "cpu") else t.to(device)


def _check_float(who: str, name: str, t: Tensor) -> None:
    if t.dtype.kind != "f":
        raise TypeError(f"{who}: {name} must be a floating point tensor, got dtype {t.dtype}")


def _from_host(arr: np.ndarray, like: Tensor) -> Tensor:
    """Host array ``arr`` as a constant Tensor of ``like``'s dtype and device."""
    arr = np.asarray(arr).astype(like.dtype, copy=False)
    t = _wrap(arr, None, False)
    if type(like._data) is not np.ndarray:
        from backends import array_module

        t = _wrap(array_module(like._data).asarray(arr), None, False)
    return t


def _draw(like: Tensor, shape: tuple, fn) -> Tensor:
    """``fn(generator, shape)`` (host float64 samples of ``shape``) from the global generator, as
    a constant Tensor of ``like``'s dtype and device."""
    return _from_host(fn(gen(), shape), like)


def _uniform(like: Tensor, shape: tuple, low: float, high: float) -> Tensor:
    """Uniform samples on [low, high) of ``shape`` from the global generator, as a constant
    Tensor of ``like``'s dtype and device: drawn in float64 and kept below ``high`` in that dtype
    (``cast_below``: a float32 draw never rounds up to ``high``)."""
    u = cast_below(gen().uniform(low, high, size=shape), like.dtype, high, low)
    return _from_host(u, like)


def _sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """``value`` summed over its ``dim`` rightmost dims."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[: value.ndim - dim]) + (-1,)).sum(-1)


def clamp_probs(probs: Tensor) -> Tensor:
    """``probs`` clamped to [eps, 1 - eps] (eps of its dtype); same shape."""
    eps = float(np.finfo(probs.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Log-odds (``is_binary``) or log-probabilities of ``probs``, clamped first; same shape."""
    p = clamp_probs(probs)
    return p.log() - (-p).log1p() if is_binary else p.log()


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """sigmoid (``is_binary``) or softmax over the last dim of ``logits``; same shape."""
    return logits.sigmoid() if is_binary else _ops.softmax(logits, -1)


class lazy_property:
    """A property computed on first access (with grad enabled) and then stored on the instance
    (torch's ``lazy_property``: probs from logits and the reverse)."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


_QUIET_METHODS = ("log_prob", "cdf", "icdf", "entropy")
_QUIET_PROPERTIES = ("mean", "mode", "variance", "stddev")


def _quiet(fn):
    """``fn`` run with NumPy's floating point warnings off: log(0), 0 * inf and the like at the
    support's edges give -inf / NaN silently, as in torch."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
            return fn(*args, **kwargs)

    wrapper._quiet = True
    return wrapper


class Distribution:
    """Base class of the probability distributions.

    batch_shape: the shape over which parameters are batched; event_shape: the shape of one
    sample; validate_args: check parameters (here) and values (``log_prob``, ``cdf``) against
    their constraints; None takes the class default (on, as torch's). A subclass's
    ``log_prob``, ``cdf``, ``icdf``, ``entropy`` and moments (``mean``, ``mode``, ``variance``,
    ``stddev``) run with NumPy's floating point warnings off (``_quiet``).
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in _QUIET_METHODS:
            fn = cls.__dict__.get(name)
            if callable(fn) and not getattr(fn, "_quiet", False):
                setattr(cls, name, _quiet(fn))
        for name in _QUIET_PROPERTIES:
            prop = cls.__dict__.get(name)
            if type(prop) is property and not getattr(prop.fget, "_quiet", False):
                setattr(cls, name, prop.getter(_quiet(prop.fget)))

    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__
    arg_constraints: dict = {}
    support = None

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn validation on or off for every distribution made with ``validate_args=None``."""
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args expects True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape = _shape_of(batch_shape)
        self._event_shape = _shape_of(event_shape)
        if validate_args is not None:
            self._validate_args = bool(validate_args)
        if self._validate_args:
            for param, constraint in self.arg_constraints.items():
                if constraints.is_dependent(constraint):
                    continue
                if param not in self.__dict__ and isinstance(
                    getattr(type(self), param, None), lazy_property
                ):
                    continue  # not given: computed from the other parameterisation
                value = getattr(self, param)
                if not bool(constraint.check(value).all()):
                    raise ValueError(
                        f"Expected parameter {param} ({type(value).__name__} of shape "
                        f"{tuple(value.shape)}) of distribution {self!r} to satisfy the "
                        f"constraint {constraint!r}, but found invalid values:\n{value}"
                    )

    # -- shapes -----------------------------------------------------------------------------

    @property
    def batch_shape(self) -> tuple:
        """The shape over which parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self) -> tuple:
        """The shape of a single sample (without batching)."""
        return self._event_shape

    def _extended_shape(self, sample_shape=()) -> tuple:
        """``sample_shape + batch_shape + event_shape``."""
        return _shape_of(sample_shape) + self._batch_shape + self._event_shape

    def expand(self, batch_shape, _instance=None):
        """A new distribution with the parameters expanded to ``batch_shape`` (no copy, no new
        validation)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement expand")

    def _get_checked_instance(self, cls, _instance=None):
        if _instance is None and type(self).__init__ is not cls.__init__:
            raise NotImplementedError(
                f"Subclass {type(self).__name__} of {cls.__name__} that defines a custom "
                "__init__ method must also define a custom .expand() method."
            )
        return type(self).__new__(type(self)) if _instance is None else _instance

    def _finish_expand(self, new, batch_shape, event_shape=None):
        Distribution.__init__(
            new, batch_shape, self._event_shape if event_shape is None else event_shape, False
        )
        new._validate_args = self._validate_args
        return new

    # -- moments and the rest (overridden by each distribution) -----------------------------

    @property
    def mean(self) -> Tensor:
        """The mean, of shape ``batch_shape + event_shape``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement mean")

    @property
    def mode(self) -> Tensor:
        """The mode, of shape ``batch_shape + event_shape``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    @property
    def variance(self) -> Tensor:
        """The variance, of shape ``batch_shape + event_shape``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement variance")

    @property
    def stddev(self) -> Tensor:
        """The standard deviation, of shape ``batch_shape + event_shape``."""
        return self.variance.sqrt()

    def sample(self, sample_shape=()) -> Tensor:
        """A sample of shape ``sample_shape + batch_shape + event_shape``; no gradient."""
        with no_grad():
            return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape=()) -> Tensor:
        """A reparameterised sample of shape ``sample_shape + batch_shape + event_shape``,
        differentiable with respect to the parameters."""
        raise NotImplementedError(f"{type(self).__name__} does not implement rsample")

    def log_prob(self, value) -> Tensor:
        """The log density / mass at ``value``: shape ``broadcast(value.shape[:-len(event)],
        batch_shape)``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement log_prob")

    def cdf(self, value) -> Tensor:
        """The cumulative distribution function at ``value`` (broadcast with batch_shape)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement cdf")

    def icdf(self, value) -> Tensor:
        """The inverse cdf at probabilities ``value`` (broadcast with batch_shape)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement icdf")

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """All values of a discrete distribution along dim 0: ``(n,) + batch_shape +
        event_shape`` (``expand=False``: batch dims of size 1)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement enumerate_support")

    def entropy(self) -> Tensor:
        """The entropy, of shape ``batch_shape``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement entropy")

    def perplexity(self) -> Tensor:
        """exp(entropy()), of shape ``batch_shape``."""
        return self.entropy().exp()

    # -- values -----------------------------------------------------------------------------

    def _param0(self) -> Tensor:
        """A parameter tensor: the dtype and device that values are made in."""
        for v in self.__dict__.values():
            if isinstance(v, Tensor):
                return v
        raise AttributeError(f"{type(self).__name__} has no tensor parameter")

    def _as_tensor(self, value, index: bool = False) -> Tensor:
        """``value`` as a Tensor on the parameters' device: a number or array becomes one of the
        parameters' float dtype, an integer or bool Tensor is cast to it. ``index``: the value
        is a category index: integers (numbers, arrays, Tensors) become int64 and floats keep a
        float dtype, so that a non-integer is seen by the support check, not truncated first."""
        p = self._param0()
        if isinstance(value, Tensor):
            if value.dtype.kind in "biu":
                dtype = np.dtype(np.int64) if index else p.dtype
                return value.astype(dtype) if value.dtype != dtype else value
            return value
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise TypeError(
                f"{type(self).__name__}: expected a Tensor, a number or an array of numbers as "
                f"the value, got {type(value).__name__}"
            )
        dtype = np.int64 if index and arr.dtype.kind in "biu" else p.dtype
        return _wrap_const(arr.astype(dtype), p.device)

    def _value(self, value, index: bool = False) -> Tensor:
        """``_as_tensor(value, index)``, validated against the support when validation is on."""
        value = self._as_tensor(value, index)
        if self._validate_args:
            self._validate_sample(value)
        return value

    def _validate_sample(self, value: Tensor) -> None:
        """Check that ``value``'s rightmost dims are ``event_shape``, that the others broadcast
        with ``batch_shape``, and that it lies in the support (ValueError otherwise)."""
        name = type(self).__name__
        shape = tuple(value.shape)
        n_event = len(self._event_shape)
        if shape[len(shape) - n_event :] != self._event_shape or len(shape) < n_event:
            raise ValueError(
                f"{name}: the right-most size of value must match event_shape: {shape} vs "
                f"{self._event_shape}."
            )
        expected = self._batch_shape + self._event_shape
        for i, j in zip(reversed(shape), reversed(expected)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(
                    f"{name}: value is not broadcastable with batch_shape+event_shape: {shape} "
                    f"vs {expected}."
                )
        support = self.support
        if support is None:
            return
        if not bool(support.check(value).all()):
            raise ValueError(
                f"Expected value argument ({type(value).__name__} of shape {shape}) to be "
                f"within the support ({support!r}) of the distribution {self!r}, but found "
                f"invalid values:\n{value}"
            )

    def __repr__(self):
        parts = []
        for p in self.arg_constraints:
            v = self.__dict__.get(p)
            if isinstance(v, Tensor):
                parts.append(f"{p}: {v.item() if v.numel() == 1 else tuple(v.shape)}")
        return f"{type(self).__name__}({', '.join(parts)})"


def _host_params(*ts):
    """Float64 host copies of Tensors (for samplers that draw on the host)."""
    return tuple(host(t.detach()._data).astype(np.float64) for t in ts)
