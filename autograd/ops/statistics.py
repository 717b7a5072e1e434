"""Statistics and integration of sampled data, as PyTorch: cov, corrcoef, trapezoid (trapz),
cumulative_trapezoid.

Each is composed of differentiable ops (sum, matmul, conj, sqrt, clamp, slicing, cumsum), so
first and higher order gradients, complex inputs and both devices come from those ops. The
steps and their order are PyTorch's (``aten/src/ATen/native/Correlation.cpp`` and
``Integration.cpp``), its corner cases included; integer inputs give the default float dtype
(float32), as there; a float tensor is never widened by an integer one.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from backends import array_module, device_of

from ..dtypes import get_default_dtype, real_of
from ..errors import ShapeError
from ..tensor import Tensor, _wrap
from ._dims import norm_dim

__all__ = ["cov", "corrcoef", "trapezoid", "trapz", "cumulative_trapezoid"]


def _f():
    from .. import ops  # late: ops/__init__ imports this module

    return ops


def _raw(v):
    return v._data if isinstance(v, Tensor) else v


def _array_arg(op, name, v):
    """TypeError unless ``v`` is a Tensor or an array (torch takes tensors only)."""
    if not isinstance(v, Tensor) and not (hasattr(v, "shape") and hasattr(v, "dtype")):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(v).__name__}")
    return v


def _same_device(op, a, b):
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        da, db = device_of(a._data), device_of(b._data)
        if da != db:
            raise RuntimeError(
                f"Expected all tensors to be on the same device, but got {da} and {db} (in {op})"
            )


def _cast(v, dtype):
    return v if v.dtype == dtype else _f().cast(v, dtype)


def _float_dtype(*dtypes):
    """The dtype of torch's arithmetic on tensors of ``dtypes``: floating and complex dtypes
    promote among themselves (as NumPy) and win over integers; integers alone give the
    default float dtype (a float result of integer data)."""
    fl = [d for d in dtypes if d.kind in "fc"]
    return np.result_type(*fl) if fl else np.dtype(get_default_dtype())


# -- cov, corrcoef --------------------------------------------------------------------------------


def _check_weights(kind, w, n, float_kind):
    """torch's checks of fweights (integers) or aweights (floats) for n observations."""
    name = f"{kind}weights"
    _array_arg("cov", name, w)
    if w.ndim > 1:
        raise ShapeError(
            f"cov: expected {name} to have one or fewer dimensions but got {name} with "
            f"{w.ndim} dimensions"
        )
    ok = w.dtype.kind == "f" if float_kind else w.dtype.kind in "iu"
    if not ok:
        want = "floating point" if float_kind else "integral"
        raise TypeError(f"cov: expected {name} to have {want} dtype but got {name} with {w.dtype}")
    size = int(np.prod(w.shape))
    if size != n:
        raise ShapeError(
            f"cov: expected {name} to have the same numel as there are observations in the input "
            f"but got {size} != {n}"
        )
    if n and bool((_raw(w) < 0).any()):
        raise ValueError(f"cov: {name} cannot be negative")


def cov(input, *, correction=1, fweights=None, aweights=None):  # noqa: A002 - torch's name
    """The covariance matrix of the variables in the rows of ``input``, as ``torch.cov``.

    input: (vars, obs), or (obs,) for one variable; real or complex (conjugated: the result is
    Hermitian); integers give the default float dtype. correction: an int, the difference
    between the observations' (weighted) count and the divisor (1: Bessel's, 0: the
    population's). fweights: (obs,) non-negative integer frequencies; aweights: (obs,)
    non-negative float weights (differentiable). Returns (vars, vars), squeezed: 0-d for one
    variable. A divisor <= 0 warns and gives inf / NaN, as torch.
    """
    x = _array_arg("cov", "input", input)
    if x.ndim > 2:
        raise ShapeError(
            "cov: expected input to have two or fewer dimensions but got an input with "
            f"{x.ndim} dimensions"
        )
    if x.dtype == np.bool_:
        raise TypeError("cov: bool dtype is not supported for input")
    if isinstance(correction, bool) or not isinstance(correction, numbers.Integral):
        raise TypeError(f"cov: correction must be an int, got {type(correction).__name__}")
    correction = int(correction)
    n = x.shape[1] if x.ndim == 2 else int(np.prod(x.shape))
    if fweights is not None:
        _check_weights("f", fweights, n, False)
        _same_device("cov", x, fweights)
    if aweights is not None:
        _check_weights("a", aweights, n, True)
        _same_device("cov", x, aweights)
    if aweights is None:
        dtype = _float_dtype(x.dtype)
    elif x.dtype.kind in "fc":
        dtype = np.result_type(x.dtype, aweights.dtype)
    else:  # torch: integer data times the weights, in their dtype
        dtype = aweights.dtype
    ops = _f()
    rdt = real_of(dtype) if dtype.kind == "c" else dtype
    x = _cast(x if x.ndim == 2 else ops.reshape(x, (1, n)), dtype)
    aw = None if aweights is None else _cast(aweights, rdt)
    w = None if fweights is None else _cast(fweights, rdt)
    if aw is not None:
        w = aw if w is None else w * aw
    with np.errstate(divide="ignore", invalid="ignore"):
        if w is None:
            avg = ops.sum(x, dim=1) / n
        else:
            w_sum = ops.sum(w)
            if bool(_raw(w_sum) == 0):
                raise ValueError("cov: weights sum to zero, can't be normalized")
            avg = ops.sum(x * w, dim=1) / w_sum
        if w is None:
            norm = n - correction
        elif correction == 0:
            norm = w_sum
        elif aw is None:
            norm = w_sum - correction
        elif fweights is None and n == 1 and correction == 1:
            norm = 0  # torch's corner case (the formula leaves a rounding error)
        else:
            norm = w_sum - ops.sum(w * aw) * correction / w_sum
        if bool(_raw(norm) <= 0):  # (NaN passes, as torch's le(0))
            warnings.warn(
                "cov: degrees of freedom is <= 0. Correction should be strictly less than the "
                "number of observations.",
                UserWarning,
                stacklevel=2,
            )
            norm = 0
        if n == 1 and (fweights is None) != (aweights is None):
            # torch's corner case: one observation with one kind of weights is its own
            # average; the centred data are zeros (no rounding error), with zero gradient
            xr = _raw(x)
            x = ops.where(array_module(xr).ones(xr.shape, dtype=bool), 0.0, x)
        else:
            x = x - ops.unsqueeze(avg, 1)
        c = ops.matmul(x, ops.conj(ops.transpose(x if w is None else x * w, 0, 1)))
        if dtype.kind == "c" and 1 in x.shape:
            # torch: for one variable or one observation, the imaginary part is exactly 0
            c = ops.complex(ops.real(c), None)
        return ops.squeeze(c / norm)


def corrcoef(input):  # noqa: A002 - torch's name
    """Pearson's correlation coefficients of the variables in the rows of ``input``, as
    ``torch.corrcoef``: cov(input) scaled by the standard deviations, clipped to [-1, 1] (the
    real and imaginary parts apart for complex input).

    input: (vars, obs) or (obs,). Returns (vars, vars), or 0-d for one variable (1, or NaN
    where its covariance is 0, inf or NaN).
    """
    x = _array_arg("corrcoef", "input", input)
    if x.ndim > 2:
        raise ShapeError(
            "corrcoef: expected input to have two or fewer dimensions but got an input with "
            f"{x.ndim} dimensions"
        )
    ops = _f()
    c = cov(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        if c.ndim == 0:
            return c / c
        d = ops.diagonal(c)
        cplx = c.dtype.kind == "c"
        std = ops.sqrt(ops.real(d) if cplx else d)
        c = c / ops.unsqueeze(std, 1)
        c = c / ops.unsqueeze(std, 0)
    if cplx:
        return ops.complex(ops.clamp(ops.real(c), -1, 1), ops.clamp(ops.imag(c), -1, 1))
    return ops.clamp(c, -1, 1)


# -- trapezoid, cumulative_trapezoid ------------------------------------------------------------


def _dim(op, y, dim, axis):
    if axis is not None:
        if dim != -1:
            raise TypeError(f"{op}: got both dim={dim!r} and axis={axis!r}; pass one")
        dim = axis
    if y.ndim == 0:
        raise IndexError(f"{op}: dim {dim} is out of range for a 0-d tensor (it has no dims)")
    return norm_dim(dim, y.ndim, op)


def _dx(op, dx):
    """dx as a Python float: a real number (or a 0-d real tensor), as torch's Scalar."""
    if isinstance(dx, Tensor) or hasattr(dx, "dtype"):
        if getattr(dx, "ndim", 0) == 0 and dx.dtype.kind in "iuf":
            return float(_raw(dx))
    elif isinstance(dx, numbers.Real) and not isinstance(dx, bool):
        return float(dx)
    raise TypeError(f"{op}: Currently, we only support dx as a real number (got {dx!r}).")


def _slices(v, d):
    """v without its last, and without its first, entry along dim d (views)."""
    ops, head = _f(), (slice(None),) * d
    return ops.getitem(v, (*head, slice(0, -1))), ops.getitem(v, (*head, slice(1, None)))


def _x_steps(op, y, x, d):
    """dx = x[1:] - x[:-1] along dim d of x laid out against y (torch's rule: a 1-D x along
    dim d, a shorter x padded with leading 1s, else x as it is; dx broadcasts with y's
    differences)."""
    ops = _f()
    if x.dtype == np.bool_:
        raise TypeError(f"{op}: received a bool input for `x` or `y`, but bool is not supported")
    if x.ndim == 1:
        if x.shape[0] != y.shape[d]:
            raise ShapeError(
                f"{op}: There must be one `x` value for each sample point (x has "
                f"{x.shape[0]}, y has {y.shape[d]} along dim {d})"
            )
        shape = [1] * y.ndim
        shape[d] = x.shape[0]
        x = ops.reshape(x, tuple(shape))
    elif x.ndim < y.ndim:
        x = ops.reshape(x, (1,) * (y.ndim - x.ndim) + tuple(x.shape))
    left, right = _slices(x, d)
    return right - left


def _bshape(op, y, dx, d):
    """ShapeError unless y's differences along d broadcast with dx."""
    shape = list(y.shape)
    shape[d] = max(shape[d] - 1, 0)
    try:
        np.broadcast_shapes(tuple(shape), tuple(dx.shape))
    except ValueError:
        raise ShapeError(
            f"{op}: y of shape {tuple(y.shape)} and x of shape giving steps "
            f"{tuple(dx.shape)} are not broadcastable along dim {d}"
        ) from None


def _prepare(op, y, x, dx, dim, axis):
    """Checks, the dim, and (x, dx) made ready: x's steps, or dx as a float."""
    y = _array_arg(op, "y", y)
    if x is not None and dx is not None:
        raise TypeError(f"{op}: pass either x (sample points) or dx (a spacing), not both")
    d = _dim(op, y, dim, axis)
    if x is not None:
        _array_arg(op, "x", x)
        _same_device(op, y, x)
    else:
        dx = _dx(op, 1 if dx is None else dx)
    return y, d, dx


def trapezoid(y, x=None, *, dx=None, dim=-1, axis=None):
    """The trapezoidal rule along ``dim``, as ``torch.trapezoid``: sum of (y[i] + y[i+1]) / 2
    times the step, the steps x[i+1] - x[i] (x given) or the constant ``dx`` (default 1).

    y: (..., n, ...) real or complex; x: (n,) or a shape whose differences along dim broadcast
    with y's (missing leading dims count as 1). Returns y's shape without dim (zeros of y's
    dtype for n = 0). Integer y and x give the default float dtype.
    """
    y, d, dx = _prepare("trapezoid", y, x, dx, dim, axis)
    if y.shape[d] == 0:  # numpy's (and torch's) answer for no samples: zeros, no gradient
        shape = tuple(s for i, s in enumerate(y.shape) if i != d)
        out = array_module(_raw(y)).zeros(shape, dtype=y.dtype)
        return _wrap(out, None, False) if isinstance(y, Tensor) else out
    if y.dtype == np.bool_:
        raise TypeError("trapezoid: received a bool input for `y`, but bool is not supported")
    ops = _f()
    if x is None:  # dx (sum(y) - (y[0] + y[-1]) / 2): torch's constant-step formula
        head = (slice(None),) * d
        ends = ops.getitem(y, (*head, 0)) + ops.getitem(y, (*head, -1))
        total = ops.sum(y, dim=d)
        if y.dtype.kind not in "fc":
            ends, total = _cast(ends, _float_dtype(y.dtype)), _cast(total, _float_dtype(y.dtype))
        return (total - ends * 0.5) * dx
    steps = _x_steps("trapezoid", y, x, d)
    _bshape("trapezoid", y, steps, d)
    left, right = _slices(y, d)
    pair = left + right
    dtype = _float_dtype(y.dtype, steps.dtype)
    if pair.dtype.kind not in "fc" and steps.dtype.kind not in "fc":  # integers: exact, halved
        return _cast(ops.sum(pair * steps, dim=d), dtype) / 2.0
    return ops.sum(_cast(pair, dtype) * _cast(steps, dtype), dim=d) / 2.0


trapz = trapezoid


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1, axis=None):
    """The running trapezoidal rule along ``dim``, as ``torch.cumulative_trapezoid``: entry i
    is the integral from sample 0 to sample i + 1 (steps from x, or the constant dx, default 1).

    y: (..., n, ...) real or complex; x as for ``trapezoid``. Returns y's shape with n - 1
    along dim (0 for n <= 1). Integer y and x give the default float dtype.
    """
    y, d, dx = _prepare("cumulative_trapezoid", y, x, dx, dim, axis)
    if y.dtype == np.bool_:
        raise TypeError(
            "cumulative_trapezoid: received a bool input for `y`, but bool is not supported"
        )
    ops = _f()
    if x is None:
        steps, dtype = dx / 2.0, _float_dtype(y.dtype)
    else:
        steps = _x_steps("cumulative_trapezoid", y, x, d)
        _bshape("cumulative_trapezoid", y, steps, d)
        dtype = _float_dtype(y.dtype, steps.dtype)
        steps = _cast(steps, dtype) / 2.0
    left, right = _slices(y, d)
    return ops.cumsum(steps * _cast(left + right, dtype), dim=d)
