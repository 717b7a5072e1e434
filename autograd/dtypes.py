"""dtypes: numpy dtype objects under PyTorch's names, and the default float dtype."""

from __future__ import annotations

import builtins

import numpy as np

__all__ = [
    "float16",
    "float32",
    "float64",
    "complex64",
    "complex128",
    "cfloat",
    "cdouble",
    "int32",
    "int64",
    "bool_",
    "half",
    "float",
    "double",
    "int",
    "long",
    "get_default_dtype",
    "set_default_dtype",
    "as_dtype",
    "finfo",
    "iinfo",
]

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)  # noqa: A001 - PyTorch's name
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
int16 = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)  # noqa: A001
int64 = long = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)
complex64 = cfloat = np.dtype(np.complex64)
complex128 = cdouble = np.dtype(np.complex128)

SUPPORTED = frozenset(
    [float16, float32, float64, complex64, complex128, int8, uint8, int16, int32, int64, bool_]
)
COMPLEX = frozenset([complex64, complex128])  # ``dtype in COMPLEX``: the per-op path's test

_default = [float32]

_ALIASES = {
    "bool": bool_,
    "float": float32,
    "double": float64,
    "half": float16,
    "long": int64,
    "cfloat": complex64,
    "cdouble": complex128,
}


def get_default_dtype():
    """The dtype given to tensors made from Python floats (float32 unless changed)."""
    return _default[0]


def set_default_dtype(dtype) -> None:
    """Set the default float dtype: float32 or float64 (float16 allowed, not advised)."""
    d = as_dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes are allowed, got {d}")
    _default[0] = d


def complex_of(dtype):
    """The complex dtype whose parts have the float ``dtype`` (float64 -> complex128; float32
    and float16 -> complex64); a complex dtype is returned unchanged."""
    d = np.dtype(dtype)
    if d.kind == "c":
        return d
    return complex128 if d == float64 else complex64


def real_of(dtype):
    """The float dtype of a complex ``dtype``'s parts (complex64 -> float32); others unchanged."""
    d = np.dtype(dtype)
    return {complex64: float32, complex128: float64}.get(d, d)


def as_dtype(dtype):
    """A numpy dtype from a dtype, a type (``np.float32``, ``bool``) or a name (``'float32'``)."""
    if isinstance(dtype, str) and dtype in _ALIASES:
        return _ALIASES[dtype]
    try:
        d = np.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"not a dtype: {dtype!r}") from e
    if d not in SUPPORTED:
        raise TypeError(f"dtype {d} is not supported")
    return d


_int, _float = builtins.int, builtins.float  # the names int and float are dtypes here


class finfo:  # noqa: N801 - PyTorch's name
    """Machine limits of a floating dtype, as ``torch.finfo``: ``bits``, ``eps``, ``max``,
    ``min``, ``tiny`` (= ``smallest_normal``), ``resolution`` (Python floats) and ``dtype`` (its
    name). ``finfo()`` describes the default float dtype; a complex dtype gives its parts'."""

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")

    def __init__(self, dtype=None):
        d = get_default_dtype() if dtype is None else as_dtype(dtype)
        if d.kind not in "fc":
            raise TypeError(f"finfo: {d} is not a floating point dtype; use iinfo for integers")
        info = np.finfo(d)
        self.bits = _int(info.bits)
        self.eps, self.max, self.min = _float(info.eps), _float(info.max), _float(info.min)
        self.tiny = self.smallest_normal = _float(info.smallest_normal)
        self.resolution = 10.0 ** -_int(info.precision)  # torch: exactly 10^-digits
        self.dtype = str(real_of(d))

    def __repr__(self):
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
            f"eps={self.eps:g}, smallest_normal={self.tiny:g}, tiny={self.tiny:g}, "
            f"dtype={self.dtype})"
        )


class iinfo:  # noqa: N801 - PyTorch's name
    """Limits of an integer dtype, as ``torch.iinfo``: ``bits``, ``min``, ``max`` (Python
    ints) and ``dtype`` (its name). bool is refused, as torch."""

    __slots__ = ("bits", "min", "max", "dtype")

    def __init__(self, dtype):
        d = as_dtype(dtype)
        if d.kind not in "iu":
            raise TypeError(f"iinfo: {d} is not an integer dtype; use finfo for floats")
        info = np.iinfo(d)
        self.bits, self.min, self.max = _int(info.bits), _int(info.min), _int(info.max)
        self.dtype = str(d)

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
