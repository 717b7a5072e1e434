"""Tensor factories: zeros/ones/full/empty/arange/linspace/eye/rand/randn/randint and ``_like``,
and the sampling functions randperm, multinomial, bernoulli, normal and poisson.

Floats default to float32 (``set_default_dtype`` changes it); ``device`` is ``'cpu'`` or
``'cuda[:N]'``; ``requires_grad`` makes a leaf that records. Random factories draw from the global
generator (``manual_seed``) or a given ``numpy.random.Generator``, on the host (a cuda result is
copied over), so a seed gives the same numbers on every device. As PyTorch's, a sample drawn from
tensor parameters (bernoulli, normal, poisson) passes a zero gradient back to them.

Complex dtypes as PyTorch: zeros/ones/full/empty/eye/linspace and the ``_like`` forms take them
(a complex ``fill_value`` or endpoint gives the complex default, complex64 beside float32);
``rand`` draws both parts uniform on [0, 1), ``randn`` both parts N(0, 1/2) (so E|z|^2 = 1),
``normal`` both parts N(mean, std^2 / 2); arange, randint, randperm, bernoulli and poisson
refuse them.
"""

from __future__ import annotations

import math
import numbers
import operator

import numpy as np

from . import dtypes as _dt
from .errors import ShapeError
from .function import Function
from .random import cast_below, gen, host
from .tensor import Tensor, _wrap

__all__ = [
    "zeros", "ones", "full", "empty", "arange", "linspace", "eye", "rand", "randn", "randint",
    "zeros_like", "ones_like", "full_like", "empty_like", "rand_like", "randn_like",
    "randint_like", "randperm", "multinomial", "bernoulli", "normal", "poisson",
]  # fmt: skip


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    try:
        shape = tuple(operator.index(s) for s in size)  # 2.5 is refused, not truncated
    except TypeError:
        raise TypeError(f"size must be ints, got {size!r}") from None
    if any(s < 0 for s in shape):
        raise ValueError(f"negative dimension in size {shape}")
    return shape


def _finish(arr, device, requires_grad):
    if device is not None and str(device).startswith("cuda"):
        from .device import cuda_module

        arr = cuda_module(device).asarray(arr)
    elif device is not None and str(device) != "cpu":
        raise ValueError(f"unknown device {device!r}: expected 'cpu' or 'cuda[:N]'")
    t = _wrap(arr, None, False)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float(dtype):
    return _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)


def _sample_dtype(dtype, op, complex_ok=False):
    """The float (or, where ``complex_ok``, complex) dtype to draw ``op``'s samples in;
    TypeError for integer and bool dtypes."""
    d = _float(dtype)
    if d.kind != "f" and not (complex_ok and d.kind == "c"):
        what = "floating point or complex" if complex_ok else "floating point"
        raise TypeError(f"{op}: expected a {what} dtype, got {d}")
    return d


def _no_complex(op, d):
    if d.kind == "c":
        raise TypeError(f"{op}: not implemented for complex dtype {d} (as in PyTorch)")


def _as_complex(parts, d):
    """(..., 2) real parts -> (...) complex of dtype ``d``: [..., 0] real, [..., 1] imaginary."""
    z = np.empty(parts.shape[:-1], d)
    z.real = parts[..., 0]
    z.imag = parts[..., 1]
    return z


def _is_complex_number(v) -> bool:
    return isinstance(v, (complex, np.complexfloating))


def zeros(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of zeros of shape ``size``."""
    return _finish(np.zeros(_shape(size), _float(dtype)), device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of ones of shape ``size``."""
    return _finish(np.ones(_shape(size), _float(dtype)), device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """An uninitialised tensor of shape ``size``."""
    return _finish(np.empty(_shape(size), _float(dtype)), device, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value`` (dtype inferred from it: bool,
    int64, the default float, or for a complex number the complex default)."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if not isinstance(fill_value, (numbers.Number, np.generic)):
        raise TypeError(f"full: fill_value must be a number, got {type(fill_value).__name__}")
    if dtype is None:
        if isinstance(fill_value, (bool, np.bool_)):
            dtype = np.bool_
        elif isinstance(fill_value, (int, np.integer)):
            dtype = np.int64
        elif _is_complex_number(fill_value):
            dtype = _dt.complex_of(_dt.get_default_dtype())
    elif _is_complex_number(fill_value) and _dt.as_dtype(dtype).kind != "c":
        if fill_value.imag != 0:
            raise TypeError(
                f"full: the complex fill_value {fill_value!r} cannot be converted to dtype "
                f"{_dt.as_dtype(dtype)} without losing its imaginary part"
            )
        fill_value = fill_value.real
    shape = _shape((size,))
    return _finish(np.full(shape, fill_value, _float(dtype)), device, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Values from start (inclusive) to end (exclusive) by step; int64 for int arguments.
    Complex dtypes are refused (as in PyTorch)."""
    if end is None:
        start, end = 0, start
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    if not ints and not all(math.isfinite(float(v)) for v in (start, end, step)):
        raise ValueError(f"arange: start, end and step must be finite, got {start}, {end}, {step}")
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if dtype is None:
        dtype = np.int64 if ints else _dt.get_default_dtype()
    dt = _dt.as_dtype(dtype)
    _no_complex("arange", dt)
    if ints:
        arr = np.arange(start, end, step, dtype=dt)
    else:  # computed in float64, then cast: float32 steps would drift (1000 + 0.001 k)
        n = max(0, math.ceil((end - start) / step))
        arr = (start + step * np.arange(n, dtype=np.float64)).astype(dt)
        if dt.kind in "iub" and n and len(np.unique(arr)) < n:
            raise ValueError(
                f"arange: a fractional step ({step}) with integer dtype {dt} would repeat "
                "values; use a float dtype or integer arguments"
            )
    return _finish(arr, device, requires_grad)


def _steps(op: str, steps) -> int:
    """``steps`` as a non-negative int, or the TypeError / ValueError naming ``op``."""
    try:
        steps = operator.index(steps)
    except TypeError:
        raise TypeError(f"{op}: steps must be an int, got {steps!r}") from None
    if steps < 0:
        raise ValueError(f"{op}: number of steps must be non-negative, got {steps}")
    return steps


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from start to end inclusive (complex start or end: the
    complex default dtype, or a complex ``dtype``)."""
    steps = _steps("linspace", steps)
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    cplx = _is_complex_number(start) or _is_complex_number(end)
    if dtype is None and cplx:
        dtype = _dt.complex_of(_dt.get_default_dtype())
    d = _float(dtype)
    if cplx and d.kind != "c":
        raise TypeError(
            f"linspace: complex start/end ({start!r}, {end!r}) cannot be cast to dtype {d}"
        )
    arr = np.linspace(start, end, steps, dtype=d)
    return _finish(arr, device, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """The (n, m) identity matrix (m defaults to n)."""
    n, m = _shape((n, n if m is None else m))
    return _finish(np.eye(n, m, dtype=_float(dtype)), device, requires_grad)


def rand(*size, dtype=None, device=None, requires_grad=False, generator=None) -> Tensor:
    """Uniform samples on [0, 1) of shape ``size`` (below 1 in every dtype: ``cast_below``).
    A complex dtype draws both parts uniform on [0, 1)."""
    d = _sample_dtype(dtype, "rand", complex_ok=True)
    shape = _shape(size)
    if d.kind == "c":
        arr = _as_complex(cast_below(gen(generator).random(shape + (2,)), _dt.real_of(d)), d)
    else:
        arr = cast_below(gen(generator).random(shape), d)
    return _finish(arr, device, requires_grad)


def randn(*size, dtype=None, device=None, requires_grad=False, generator=None) -> Tensor:
    """Standard normal samples of shape ``size``. A complex dtype draws both parts N(0, 1/2),
    so that E|z|^2 = 1 (PyTorch's)."""
    d = _sample_dtype(dtype, "randn", complex_ok=True)
    shape = _shape(size)
    if d.kind == "c":
        parts = gen(generator).standard_normal(shape + (2,)) * math.sqrt(0.5)
        arr = _as_complex(parts, d)
    else:
        arr = gen(generator).standard_normal(shape).astype(d)
    return _finish(arr, device, requires_grad)


def randint(low, high=None, size=(), dtype=None, device=None, generator=None) -> Tensor:
    """Integers uniform on [low, high) of shape ``size`` (int64 by default). PyTorch's forms:
    ``randint(high, size)``, ``randint(low, high, size)``."""
    if isinstance(high, (tuple, list)) and size == ():  # randint(high, (3,)): torch's 2-arg form
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    _no_complex("randint", _dt.as_dtype(dtype or np.int64))
    shape = _shape((size,))
    arr = gen(generator).integers(low, high, size=shape)
    return _finish(arr.astype(_dt.as_dtype(dtype or np.int64)), device, False)


def _like(x, dtype, device):
    return (x.dtype if dtype is None else _dt.as_dtype(dtype)), (
        x.device if device is None else device
    )


def zeros_like(x, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Zeros of x's shape, dtype and device."""
    dt, dev = _like(x, dtype, device)
    return zeros(x.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def ones_like(x, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Ones of x's shape, dtype and device."""
    dt, dev = _like(x, dtype, device)
    return ones(x.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def empty_like(x, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uninitialised, of x's shape, dtype and device."""
    dt, dev = _like(x, dtype, device)
    return empty(x.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def full_like(x, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``fill_value`` everywhere, of x's shape, dtype and device."""
    dt, dev = _like(x, dtype, device)
    return full(x.shape, fill_value, dtype=dt, device=dev, requires_grad=requires_grad)


def rand_like(x, dtype=None, device=None, requires_grad=False, generator=None) -> Tensor:
    """Uniform [0, 1) samples of x's shape, dtype and device."""
    dt, dev = _like(x, dtype, device)
    return rand(x.shape, dtype=dt, device=dev, requires_grad=requires_grad, generator=generator)


def randn_like(x, dtype=None, device=None, requires_grad=False, generator=None) -> Tensor:
    """Standard normal samples of x's shape, dtype and device."""
    dt, dev = _like(x, dtype, device)
    return randn(x.shape, dtype=dt, device=dev, requires_grad=requires_grad, generator=generator)


def randint_like(x, low, high=None, dtype=None, device=None, generator=None) -> Tensor:
    """Random integers of x's shape on [low, high)."""
    dt, dev = _like(x, dtype, device)
    return randint(low, high, x.shape, dtype=dt, device=dev, generator=generator)


# -- sampling -----------------------------------------------------------------------------------


class Sampled(Function):
    """y = a sample drawn (beforehand, on the host) from distributions whose parameters are the
    other arguments; the gradient to each parameter is zero, as PyTorch's (sampling is not
    reparameterised). ``apply(sample, *params)``: the sample array, then the parameters."""

    __slots__ = ()

    def forward(self, sample, *params):
        return sample

    def backward(self, gy):
        from backends import array_module

        xp = array_module(gy._data if isinstance(gy, Tensor) else gy)
        grads = [None] * len(self.parents)
        for i in range(1, len(grads)):
            if self.needs_grad(i):
                shape, dtype = self.input_meta(i)
                grads[i] = xp.zeros(shape, dtype)
        return tuple(grads)


def _tensor_arg(op, name, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(x).__name__}")
    return x


def _on_device_of(arr, x):
    """Host array ``arr`` as a Tensor (no grad) on ``x``'s device."""
    if type(x._data) is not np.ndarray:
        from backends import array_module

        arr = array_module(x._data).asarray(arr)
    return _wrap(arr, None, False)


def randperm(n, *, generator=None, dtype=np.int64, device=None, requires_grad=False) -> Tensor:
    """A random permutation of 0 .. n-1: shape (n,), int64 by default (any integer or float dtype
    that holds n - 1 exactly)."""
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"randperm: n must be an int, got {type(n).__name__}") from None
    if n < 0:
        raise ValueError(f"randperm: n must be non-negative, got {n}")
    dt = _dt.as_dtype(dtype)
    if dt.kind == "b":
        raise TypeError("randperm: not defined for dtype bool")
    _no_complex("randperm", dt)
    top = np.iinfo(dt).max if dt.kind in "iu" else 2 ** (np.finfo(dt).nmant + 1)
    if n - 1 > top:
        raise ValueError(f"randperm: n ({n}) is too large for dtype {dt}: n - 1 must be <= {top}")
    arr = gen(generator).permutation(n).astype(dt)
    return _finish(arr, device, requires_grad)


def multinomial(input, num_samples, replacement=False, *, generator=None) -> Tensor:  # noqa: A002
    """Category indices drawn with probabilities proportional to the rows of ``input``.

    input: (k,) or (rows, k) non-negative finite float weights, each row with a positive sum.
    Returns int64 (num_samples,) or (rows, num_samples). Without replacement no index repeats
    within a row (num_samples <= k); once a row's positive-weight categories are used up its
    zero-weight ones follow in random order, as PyTorch's do. No gradient.
    """
    op = "multinomial"
    x = _tensor_arg(op, "input", input)
    try:
        num_samples = operator.index(num_samples)
    except TypeError:
        raise TypeError(f"{op}: num_samples must be an int, got {num_samples!r}") from None
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: only floating point dtypes are supported for input, got {x.dtype}")
    if x.ndim not in (1, 2):
        raise ShapeError(f"{op}: input must be 1-D or 2-D, got shape {tuple(x.shape)}")
    if num_samples <= 0:
        raise ValueError(f"{op}: num_samples must be positive, got {num_samples}")
    k = x.shape[-1]
    if k == 0:
        raise ShapeError(f"{op}: input has no categories (shape {tuple(x.shape)})")
    if not replacement and num_samples > k:
        raise ValueError(
            f"{op}: cannot sample num_samples={num_samples} > {k} categories without replacement"
        )
    w = host(x._data).astype(np.float64).reshape(-1, k)
    if not bool((np.isfinite(w) & (w >= 0)).all()):
        raise ValueError(f"{op}: the probability tensor contains inf, nan or an element < 0")
    total = w.sum(axis=1)
    if bool((total <= 0).any()):
        row = int(np.argmax(total <= 0))
        raise ValueError(
            f"{op}: invalid distribution: the weights of row {row} sum to 0 (all zero)"
        )
    g = gen(generator)
    rows = w.shape[0]
    if replacement:  # inverse CDF, one row at a time
        out = np.empty((rows, num_samples), np.int64)
        u = g.random((rows, num_samples))
        for r in range(rows):
            cdf = np.cumsum(w[r])
            cdf /= cdf[-1]
            cdf[-1] = 1.0  # u < 1: the last positive-weight category is the top
            out[r] = np.searchsorted(cdf, u[r], side="right")
    else:  # the exponential race: the num_samples largest w / E, E ~ Exp(1) (PyTorch's method)
        with np.errstate(divide="ignore"):
            key = w / g.exponential(size=w.shape)
        zero = w == 0
        if zero.any():  # after every positive weight, in random order
            key = np.where(zero, -g.random(w.shape), key)
        out = np.argsort(-key, axis=1, kind="stable")[:, :num_samples]
    out = out.astype(np.int64)
    return _on_device_of(out.reshape(num_samples) if x.ndim == 1 else out, x)


def bernoulli(input, p=None, *, generator=None) -> Tensor:  # noqa: A002
    """0/1 samples of input's shape and dtype: 1 with probability input (elementwise, a float
    tensor of values in [0, 1]), or with probability ``p`` (a number) when given (input then
    only gives the shape and dtype). The gradient to input is zero (PyTorch's)."""
    op = "bernoulli"
    x = _tensor_arg(op, "input", input)
    shape, dt = tuple(x.shape), x.dtype
    _no_complex(op, dt)
    if p is None:
        if dt.kind != "f":
            raise TypeError(
                f"{op}: probabilities must be a floating point tensor, got dtype {dt} (pass p= "
                "to draw integers of that dtype)"
            )
        prob = host(x._data)
        if not bool(((prob >= 0) & (prob <= 1)).all()):  # NaN fails too
            raise ValueError(f"{op}: every probability must be in [0, 1]")
    else:
        if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
            raise TypeError(f"{op}: p must be a number, got {type(p).__name__}")
        if not 0 <= p <= 1:
            raise ValueError(f"{op}: p must be in [0, 1], got {p}")
        prob = float(p)
    sample = (gen(generator).random(shape) < prob).astype(dt)
    return Sampled.apply(sample, x)


def _param(op, name, v, complex_ok=False):
    if isinstance(v, Tensor):
        if v.dtype.kind != "f" and not (complex_ok and v.dtype.kind == "c"):
            alt = " (or a complex one)" if complex_ok else ""
            raise TypeError(
                f"{op}: {name} must be a floating point tensor{alt}, got dtype {v.dtype}"
            )
        return v
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: {name} must be a Tensor or a number, got {type(v).__name__}")
    return float(v)


def normal(mean=0.0, std=1.0, size=None, generator=None, *, dtype=None, device=None,
           requires_grad=False) -> Tensor:  # fmt: skip
    """Normal samples with the given mean and standard deviation (std >= 0), as
    ``torch.normal``'s forms:

    * ``normal(mean: Tensor, std: Tensor)``: shape broadcast(mean, std);
    * ``normal(mean: Tensor, std=1.0)`` / ``normal(mean: float, std: Tensor)``: the tensor's shape;
    * ``normal(mean: float, std: float, size)``: shape ``size`` (with dtype, device,
      requires_grad as the other factories).

    With a tensor argument the dtype is mean's (std's when mean is a number) and the device the
    tensors'; the gradient to mean and std is zero (PyTorch's: not reparameterised). Complex (a
    complex dtype, or a complex mean tensor): both parts get noise of std / sqrt(2), and a
    number mean goes into both parts (PyTorch's).
    """
    op = "normal"
    mean, std = _param(op, "mean", mean, complex_ok=True), _param(op, "std", std)
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError(
                f"{op}: with a number for both mean and std, size is required "
                "(normal(mean, std, size))"
            )
        if not std >= 0:
            raise ValueError(f"{op} expects std >= 0.0, but found std {std}")
        shape = _shape((size,))
        d = _sample_dtype(dtype, op, complex_ok=True)
        if d.kind == "c":
            parts = gen(generator).normal(mean, std * math.sqrt(0.5), size=shape + (2,))
            return _finish(_as_complex(parts, d), device, requires_grad)
        arr = gen(generator).normal(mean, std, size=shape).astype(d)
        return _finish(arr, device, requires_grad)
    if size is not None:
        raise TypeError(f"{op}: size is only for a number mean and std, got tensor arguments")
    if dtype is not None or device is not None or requires_grad:
        raise TypeError(f"{op}: dtype, device and requires_grad are only for the size form")
    if len(tensors) == 2 and type(mean._data) is not type(std._data):
        raise RuntimeError(
            "Expected all tensors to be on the same device, but got "
            f"{mean.device} and {std.device} (in {op})"
        )
    try:
        shape = np.broadcast_shapes(*(tuple(t.shape) for t in tensors))
    except ValueError:
        raise ShapeError(
            f"{op}: the shapes of mean {tuple(mean.shape)} and std {tuple(std.shape)} are not "
            "broadcastable"
        ) from None
    dt = tensors[0].dtype
    wide = np.complex128 if dt.kind == "c" else np.float64
    m = host(mean._data).astype(wide) if isinstance(mean, Tensor) else mean
    sd = host(std._data).astype(np.float64) if isinstance(std, Tensor) else std
    if not bool(np.all(np.asarray(sd) >= 0)):  # NaN fails too
        raise ValueError(f"{op} expects all elements of std >= 0.0")
    if dt.kind == "c":
        noise = _as_complex(gen(generator).standard_normal(shape + (2,)) * math.sqrt(0.5), wide)
    else:
        noise = gen(generator).standard_normal(shape)
    sample = (m + sd * noise).astype(dt)
    return Sampled.apply(sample, *tensors)


def poisson(input, generator=None) -> Tensor:  # noqa: A002
    """Poisson samples with rates ``input`` (a float tensor of finite values >= 0), of input's
    shape and dtype. The gradient to input is zero (PyTorch's)."""
    op = "poisson"
    x = _tensor_arg(op, "input", input)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: rates must be a floating point tensor, got dtype {x.dtype}")
    lam = host(x._data).astype(np.float64)
    if not bool((np.isfinite(lam) & (lam >= 0)).all()):
        raise ValueError(f"{op}: invalid Poisson rate: every rate must be finite and >= 0")
    sample = gen(generator).poisson(lam).astype(x.dtype)
    return Sampled.apply(sample, x)
