"""Initialisers: fill a tensor in place (outside the graph) and return it, as ``torch.nn.init``.

Every random initialiser takes ``generator=`` (a ``numpy.random.Generator``); without one it
draws from the global generator that ``autograd.manual_seed`` seeds. Samples are drawn in float64
on the host and cast to the tensor's dtype and device.

Complex tensors follow PyTorch: ``uniform_(a, b)`` draws the real and the imaginary part each
from U(a, b); ``normal_(mean, std)`` draws each part from N(mean, std^2 / 2) (a complex normal of
variance std^2), and so do the xavier/kaiming initialisers built on them; ``trunc_normal_`` and
``orthogonal_`` refuse complex tensors (TypeError; PyTorch fails there too).

Fans follow PyTorch: for a weight of shape (out, in, *kernel), ``fan_in = in * prod(kernel)`` and
``fan_out = out * prod(kernel)``; a ConvTranspose weight (in, out/groups, *kernel) is read the
same way, as PyTorch does.
"""

from __future__ import annotations

import math

import numpy as np

import autograd as ag
from autograd.random import gen
from autograd.tensor import Tensor

__all__ = [
    "calculate_gain",
    "zeros_",
    "ones_",
    "constant_",
    "eye_",
    "normal_",
    "uniform_",
    "trunc_normal_",
    "small_random_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "orthogonal_",
]


def _check(tensor, op: str) -> Tensor:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(tensor).__name__}")
    return tensor


def _is_complex(tensor: Tensor) -> bool:
    return tensor.dtype.kind == "c"


def _no_complex(tensor: Tensor, op: str) -> None:
    if _is_complex(tensor):
        raise TypeError(
            f"{op}: complex tensors are not supported (got {tensor.dtype}, shape "
            f"{tuple(tensor.shape)}); initialise .real and .imag parts separately"
        )


def _write(tensor: Tensor, host: np.ndarray) -> Tensor:
    """Copy host values into ``tensor``'s array in place (any device); bumps its version."""
    d = tensor._data
    if type(d) is not np.ndarray:
        from backends import array_module

        host = array_module(d).asarray(host.astype(d.dtype))
    with ag.no_grad():
        tensor.copy_(host)
    return tensor


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for a nonlinearity (scales the std of the init), as PyTorch.

    linear/conv*/sigmoid: 1; tanh: 5/3; relu: sqrt(2); leaky_relu: sqrt(2 / (1 + slope^2))
    (slope ``param``, default 0.01); selu: 3/4.
    """
    linear = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "identity"]  # fmt: skip
    if nonlinearity in linear or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor):
    """``(fan_in, fan_out)`` of a weight (out, in, *kernel); ValueError below 2 dimensions."""
    if tensor.ndim < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(got shape {tuple(tensor.shape)})"
        )
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0. Any shape."""
    _check(tensor, "zeros_")
    with ag.no_grad():
        return tensor.zero_()


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1. Any shape."""
    _check(tensor, "ones_")
    with ag.no_grad():
        return tensor.fill_(1)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``. Any shape."""
    _check(tensor, "constant_")
    with ag.no_grad():
        return tensor.fill_(val)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor (n, m) with the identity (ones on the diagonal)."""
    _check(tensor, "eye_")
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-D tensors are supported, got shape {tuple(tensor.shape)}")
    return _write(tensor, np.eye(*tensor.shape))


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with samples of U(a, b). Any shape; complex: each part U(a, b), as PyTorch."""
    _check(tensor, "uniform_")
    if not a <= b:
        raise ValueError(f"uniform_: a ({a}) must be <= b ({b})")
    g = gen(generator)
    if _is_complex(tensor):  # the real and the imaginary part, each U(a, b)
        parts = g.uniform(a, b, size=tuple(tensor.shape) + (2,))
        return _write(tensor, parts[..., 0] + 1j * parts[..., 1])
    return _write(tensor, g.uniform(a, b, size=tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with samples of N(mean, std^2). Any shape; complex: each part N(mean, std^2 / 2)
    (a complex normal of variance std^2), as PyTorch."""
    _check(tensor, "normal_")
    if not std >= 0:
        raise ValueError(f"normal_: std must be >= 0, got {std}")
    g = gen(generator)
    if _is_complex(tensor):  # a complex normal of variance std^2: each part N(mean, std^2 / 2)
        parts = g.normal(mean, std / math.sqrt(2.0), size=tuple(tensor.shape) + (2,))
        return _write(tensor, parts[..., 0] + 1j * parts[..., 1])
    return _write(tensor, g.normal(mean, std, size=tensor.shape))


def trunc_normal_(tensor: Tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None) -> Tensor:
    """Fill with N(mean, std^2) samples restricted to [a, b]: resampled until inside when the
    interval holds at least 5% of the mass, else by the inverse CDF (a far tail). Any shape."""
    _check(tensor, "trunc_normal_")
    _no_complex(tensor, "trunc_normal_")
    if not a < b:
        raise ValueError(f"trunc_normal_: a ({a}) must be < b ({b})")
    if not std > 0:
        raise ValueError(f"trunc_normal_: std must be > 0, got {std}")
    g = gen(generator)
    lo, hi = (_norm_cdf((v - mean) / std) for v in (a, b))
    if hi - lo >= 0.05:
        out = g.normal(mean, std, size=tensor.shape)
        bad = (out < a) | (out > b)
        while bad.any():
            out[bad] = g.normal(mean, std, size=int(bad.sum()))
            bad = (out < a) | (out > b)
    else:
        from statistics import NormalDist

        inv = np.vectorize(NormalDist(mean, std).inv_cdf, otypes=[np.float64])
        tiny = np.nextafter(0.0, 1.0)
        p = np.clip(g.uniform(lo, hi, size=tensor.shape), tiny, 1.0 - 1e-16)
        out = np.clip(inv(p) if p.size else p, a, b)
    return _write(tensor, out)


def _norm_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def small_random_(tensor: Tensor, std: float = 0.01, generator=None) -> Tensor:
    """Fill with small random values N(0, std^2), std 0.01 ("small random numbers").

    The classic initialisation of the lecture notes: fine for shallow nets; in deep nets the
    activations shrink layer by layer, which is why xavier/kaiming scale std with the fan.
    """
    return normal_(tensor, 0.0, std, generator=generator)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot uniform: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)). Shape (out, in, ...)."""
    _check(tensor, "xavier_uniform_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = gain * math.sqrt(6.0 / float(fan_in + fan_out))
    return uniform_(tensor, -a, a, generator=generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    _check(tensor, "xavier_normal_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator=generator)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator=None) -> Tensor:  # fmt: skip
    """He uniform: U(-bound, bound), bound = sqrt(3) * gain / sqrt(fan).

    gain = calculate_gain(nonlinearity, a) (a: the negative slope of leaky_relu); fan is
    fan_in (preserves the forward variance) or fan_out (the backward one). Shape (out, in, ...).
    PyTorch's Linear and Conv default is ``a=sqrt(5)``: bound = 1 / sqrt(fan_in).
    """
    _check(tensor, "kaiming_uniform_")
    if 0 in tensor.shape:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator=generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator=None) -> Tensor:  # fmt: skip
    """He normal: N(0, std^2), std = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a)."""
    _check(tensor, "kaiming_normal_")
    if 0 in tensor.shape:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator=generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """A (semi-)orthogonal matrix times ``gain`` (Saxe et al. 2013), via QR of a normal sample.

    tensor: (rows, ...) with at least 2 dimensions, viewed as (rows, numel / rows); its rows
    (or columns, whichever are fewer) come out orthonormal.
    """
    _check(tensor, "orthogonal_")
    _no_complex(tensor, "orthogonal_")
    if tensor.ndim < 2:
        raise ValueError(
            f"orthogonal_: only tensors with 2 or more dimensions are supported, got shape "
            f"{tuple(tensor.shape)}"
        )
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = gen(generator).normal(0.0, 1.0, size=(rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))  # makes the decomposition unique (uniform over orthogonals)
    if rows < cols:
        q = q.T
    return _write(tensor, (gain * q).reshape(tensor.shape))
