"""Top-level PyTorch functions that are not ops: dtype promotion (result_type, promote_types,
can_cast), factories (logspace, scalar_tensor, asarray), queries (is_nonzero, is_same_size,
is_signed, typename), threads (set_num_threads, get_num_threads), seeds (initial_seed, seed),
the determinism flag, and the in-place spellings ``autograd.relu_(x)`` ... of Tensor methods.
"""

from __future__ import annotations

import numbers
import os

import numpy as np

from . import dtypes as _dt
from .ops._porting_math import torch_promote, torch_result_type
from .tensor import Tensor

__all__ = [
    "result_type", "promote_types", "can_cast", "logspace", "scalar_tensor", "asarray",
    "is_nonzero", "is_same_size", "is_signed", "typename", "set_num_threads", "get_num_threads",
    "initial_seed", "seed", "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
    "is_deterministic_algorithms_warn_only_enabled",
]  # fmt: skip


# -- dtypes ----------------------------------------------------------------------------------------


def result_type(tensor, other):
    """The dtype PyTorch gives an arithmetic op on ``tensor`` and ``other`` (Tensors or
    numbers): operands with dims decide within a category (bool < integer < float < complex);
    a 0-d tensor or a number counts only when of a higher category, then giving its own dtype
    (a Python float: the default float dtype; an int: int64).

    This is PyTorch's rule (``result_type(int64 tensor, 2.5)`` is float32). This library's own
    elementwise ops follow NumPy 2's promotion, which can give a wider dtype (float64 there).
    """
    return torch_result_type(tensor, other)


def promote_types(type1, type2):
    """The smallest dtype both ``type1`` and ``type2`` convert to, by PyTorch's table: the
    wider within a category (uint8 with int8 -> int16), else the higher category's dtype,
    keeping a float's precision against a complex (float64 with complex64 -> complex128)."""
    return torch_promote(_dt.as_dtype(type1), _dt.as_dtype(type2))


def can_cast(from_, to) -> bool:
    """Whether PyTorch's type promotion allows casting dtype ``from_`` to ``to``: not complex
    to a real dtype, not floating point to an integer, not a non-bool to bool (narrowing
    within a category, such as float64 -> float32, is allowed)."""
    a, b = _dt.as_dtype(from_), _dt.as_dtype(to)
    if a.kind == "c" and b.kind != "c":
        return False
    if a.kind == "f" and b.kind in "iub":
        return False
    return not (a.kind != "b" and b.kind == "b")


# -- factories -------------------------------------------------------------------------------------


def _number(v, op: str, what: str):
    if isinstance(v, Tensor):
        if v.numel() != 1:
            raise ValueError(f"{op}: {what} must be a number, got a tensor of shape {v.shape}")
        return v.item()
    if not isinstance(v, numbers.Number):
        raise TypeError(f"{op}: {what} must be a number, got {type(v).__name__}")
    return v


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    """``steps`` values base ** linspace(start, end, steps): (steps,) of ``dtype`` (default the
    default float dtype). start / end: numbers or one-element tensors; steps >= 0."""
    from .factory import _finish, _steps

    steps = _steps("logspace", steps)
    start, end = _number(start, "logspace", "start"), _number(end, "logspace", "end")
    base = _number(base, "logspace", "base")
    d = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
    if d.kind in "iu":
        return _finish(_int_logspace(start, end, steps, base, d), device, requires_grad)
    cplx = any(isinstance(v, complex) for v in (start, end, base))
    exps = np.linspace(start, end, steps, dtype=np.complex128 if cplx else np.float64)
    with np.errstate(over="ignore"):
        vals = np.power(complex(base) if cplx else float(base), exps)
    if d.kind == "b":
        vals = vals.real if cplx else vals
    return _finish(vals.astype(d), device, requires_grad)


def _int_logspace(start, end, steps, base, d):
    """logspace into integer dtype ``d`` as torch's CPU kernel: start and end converted to
    ``d`` first (truncated; RuntimeError when they don't fit), the powers taken in float64 with
    torch's two-sided steps, then truncated; a power beyond the range gives the dtype's (int8 /
    int16 / uint8: int32's) minimum, wrapped, as torch's casts on x86."""
    from .ops._porting_shape import _check_fill

    start, end = (int(_check_fill("logspace", v, d)) for v in (start, end))
    if isinstance(base, complex):
        raise TypeError(f"logspace: a complex base ({base!r}) can't give dtype {d}")
    i = np.arange(steps, dtype=np.float64)
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    exps = np.where(i < steps // 2, start + step * i, end - step * (steps - i - 1))
    if steps == 1:
        exps[0] = start
    with np.errstate(over="ignore", invalid="ignore"):
        vals = np.power(float(base), exps)
    wide = np.dtype(np.int64) if d.itemsize == 8 else np.dtype(np.int32)
    info = np.iinfo(wide)
    ok = np.isfinite(vals) & (vals > info.min - 1.0) & (vals < info.max + 1.0)
    out = np.where(ok, vals, 0).astype(wide)
    out[~ok] = info.min
    return out.astype(d)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A 0-d tensor holding the number ``s``, of ``dtype`` (default the default float dtype,
    whatever the number's type, as PyTorch). RuntimeError when the dtype can't hold it (NaN or
    an out-of-range value into an integer dtype, a complex one into a real dtype)."""
    from .factory import _finish
    from .ops._porting_shape import _check_fill

    s = _number(s, "scalar_tensor", "s")
    d = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
    s = _check_fill("scalar_tensor", s, d)  # RuntimeError as torch when d can't hold s
    return _finish(np.asarray(s).astype(d), device, requires_grad)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=None) -> Tensor:
    """``obj`` (a Tensor, array, DLPack or buffer object, number or nested sequence) as a
    Tensor, sharing its memory where it can.

    copy: None shares when no conversion is needed, True always copies, False never does
    (ValueError when a dtype or device conversion is needed). A Tensor comes back itself when
    nothing changes; ``copy=True`` gives a differentiable clone, and a dtype or device conversion
    a differentiable ``Tensor.to`` (as torch's ToCopyBackward0). requires_grad: None keeps a
    Tensor's (False for other objects); True makes the result a leaf that requires grad; False
    detaches it.
    """
    from .tensor import as_tensor, tensor

    want = None if dtype is None else _dt.as_dtype(dtype)
    if isinstance(obj, Tensor):
        change = (want is not None and want != obj.dtype) or (
            device is not None and str(device) != obj.device
            and not (str(device) == "cuda" and obj.device.startswith("cuda"))
        )  # fmt: skip
        if change and copy is False:
            raise ValueError(
                f"asarray: can't alias a tensor of dtype {obj.dtype} on {obj.device} as dtype "
                f"{want or obj.dtype} on {device or obj.device} without a copy (copy=False)"
            )
        if change:
            out = obj.to(*(v for v in (device, want) if v is not None))  # on the graph, as torch
        else:
            out = obj.clone() if copy else obj
    elif copy:
        out = tensor(obj, dtype=want, device=device)
    else:
        out = as_tensor(obj, want, device)
        if copy is False and not _shares(out._data, obj):
            raise ValueError(
                f"asarray: can't alias the {type(obj).__name__} as a tensor of dtype "
                f"{out.dtype} on {out.device} without a copy (copy=False)"
            )
    if requires_grad is None or out._node is not None and requires_grad:
        return out
    if requires_grad:
        return out.requires_grad_(True)
    return out.detach() if out._rg else out


def _shares(arr, obj) -> bool:
    """Whether ``arr`` is a view of the memory of array-like ``obj`` (never for a sequence)."""
    if type(arr) is np.ndarray:
        if not hasattr(obj, "__array_interface__"):
            return False
        return bool(np.shares_memory(arr, np.asarray(obj)))
    try:  # a cupy array: the same device memory
        return int(arr.data.ptr) == int(obj.data.ptr)
    except (AttributeError, TypeError):
        return False


# -- queries -------------------------------------------------------------------------------------


def _tensor(op: str, v, what: str = "input") -> Tensor:
    if not isinstance(v, Tensor):
        raise TypeError(f"{op}: {what} must be a Tensor, got {type(v).__name__}")
    return v


def is_nonzero(input) -> bool:  # noqa: A002 - PyTorch's name
    """Whether a one-element tensor's value is not zero (NaN counts as non-zero); RuntimeError
    for an empty tensor or one of more than one element."""
    n = _tensor("is_nonzero", input).numel()
    if n == 0:
        raise RuntimeError("is_nonzero: Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError(
            "is_nonzero: Boolean value of Tensor with more than one value is ambiguous (shape "
            f"{tuple(input.shape)})"
        )
    return bool(input.item() != 0)


def is_same_size(input, other) -> bool:  # noqa: A002 - PyTorch's names
    """Whether two tensors have the same shape."""
    return tuple(_tensor("is_same_size", input).shape) == tuple(
        _tensor("is_same_size", other, "other").shape
    )


def is_signed(input) -> bool:  # noqa: A002 - PyTorch's name
    """Whether the tensor's dtype is signed: True for signed integers, floating point and
    complex, False for uint8 and bool."""
    return _tensor("is_signed", input).dtype.kind in "ifc"


def typename(obj) -> str:
    """A type name as PyTorch's ``typename``: a Tensor's legacy type (``Tensor.type()``, such
    as ``'autograd.FloatTensor'``), else the object's (or its class's) module and qualified
    name, without the module for builtins."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        qualname = obj.__class__.__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"


# -- threads, seeds, determinism -------------------------------------------------------------------


def set_num_threads(n: int) -> None:
    """Use ``n`` threads for CPU work: the batch-parallel kernels (TAPEGRAD_NUM_THREADS, which
    this sets for the process) and the BLAS library (through threadpoolctl). n: an int >= 1."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"set_num_threads: expects an int, got {type(n).__name__}")
    n = int(n)
    if n < 1:
        raise ValueError(f"set_num_threads: expects a positive integer, got {n}")
    from backends import numpy_kernels as nk

    os.environ["TAPEGRAD_NUM_THREADS"] = str(n)
    with nk._blas_lock:
        if nk._blas["libs"] is None:
            nk._blas["libs"] = nk._blas_libs()
        libs = nk._blas["libs"]
        # the count the kernels' single-threaded sections restore is now n
        nk._blas["saved"] = tuple(n for _ in libs)
        if nk._blas["depth"] == 0:  # else the section that lowered them restores n on exit
            for lib in libs:
                lib.set_num_threads(n)


def get_num_threads() -> int:
    """The threads CPU work uses: TAPEGRAD_NUM_THREADS (set by ``set_num_threads``), else
    OMP_NUM_THREADS, else the CPUs this process may run on."""
    from backends import numpy_kernels as nk

    return nk._num_threads()


def initial_seed() -> int:
    """The seed of the global random generator: the last ``manual_seed`` (or ``seed``) value,
    else the 64-bit seed drawn at start-up."""
    from .random import default_generator

    seq = getattr(default_generator().bit_generator, "seed_seq", None)
    return int(getattr(seq, "entropy", 0) or 0)


def seed() -> int:
    """Seed the global random generator with a non-deterministic 64-bit number; returns it."""
    from . import random

    return random.seed()


_deterministic = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record whether deterministic algorithms are asked for (PyTorch's flag).

    Every CPU kernel here is deterministic already (no atomics, fixed reduction orders, the
    batch-parallel kernels split work the same way on every run at a given thread count), so
    the flag changes nothing on the CPU; it is kept for code that sets and reads it. GPU
    kernels are CuPy's and are not checked against it.
    """
    for name, v in (("mode", mode), ("warn_only", warn_only)):
        if not isinstance(v, bool):
            raise TypeError(
                f"use_deterministic_algorithms: {name} must be a bool, got {type(v).__name__}"
            )
    _deterministic["mode"], _deterministic["warn_only"] = mode, warn_only


def are_deterministic_algorithms_enabled() -> bool:
    """The flag set by ``use_deterministic_algorithms`` (False by default)."""
    return _deterministic["mode"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The ``warn_only`` flag set by ``use_deterministic_algorithms`` (False by default)."""
    return _deterministic["warn_only"]


# -- in-place spellings: autograd.relu_(x) is x.relu_() --------------------------------------------


def _inplace(name: str):
    def fn(input, *args, **kwargs):  # noqa: A002 - PyTorch's name
        return getattr(_tensor(name, input), name)(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (
        f"``input.{name}(...)``: the in-place op on a Tensor (same arguments); returns input. "
        f"See ``Tensor.{name}``."
    )
    return fn


abs_ = _inplace("abs_")
acos_ = _inplace("acos_")
acosh_ = _inplace("acosh_")
addmv_ = _inplace("addmv_")
arccos_ = _inplace("arccos_")
arccosh_ = _inplace("arccosh_")
arcsin_ = _inplace("arcsin_")
arcsinh_ = _inplace("arcsinh_")
arctan_ = _inplace("arctan_")
arctanh_ = _inplace("arctanh_")
asin_ = _inplace("asin_")
asinh_ = _inplace("asinh_")
atan_ = _inplace("atan_")
atanh_ = _inplace("atanh_")
ceil_ = _inplace("ceil_")
clamp_ = _inplace("clamp_")
clamp_max_ = _inplace("clamp_max_")
clamp_min_ = _inplace("clamp_min_")
clip_ = _inplace("clip_")
cos_ = _inplace("cos_")
cosh_ = _inplace("cosh_")
deg2rad_ = _inplace("deg2rad_")
detach_ = _inplace("detach_")
erf_ = _inplace("erf_")
erfc_ = _inplace("erfc_")
exp2_ = _inplace("exp2_")
exp_ = _inplace("exp_")
expm1_ = _inplace("expm1_")
fill_ = _inplace("fill_")
floor_ = _inplace("floor_")
frac_ = _inplace("frac_")
gcd_ = _inplace("gcd_")
index_put_ = _inplace("index_put_")
lcm_ = _inplace("lcm_")
ldexp_ = _inplace("ldexp_")
log10_ = _inplace("log10_")
log1p_ = _inplace("log1p_")
log2_ = _inplace("log2_")
log_ = _inplace("log_")
logit_ = _inplace("logit_")
nan_to_num_ = _inplace("nan_to_num_")
neg_ = _inplace("neg_")
negative_ = _inplace("negative_")
rad2deg_ = _inplace("rad2deg_")
reciprocal_ = _inplace("reciprocal_")
relu_ = _inplace("relu_")
round_ = _inplace("round_")
rsqrt_ = _inplace("rsqrt_")
sigmoid_ = _inplace("sigmoid_")
sin_ = _inplace("sin_")
sinc_ = _inplace("sinc_")
sinh_ = _inplace("sinh_")
sqrt_ = _inplace("sqrt_")
square_ = _inplace("square_")
tan_ = _inplace("tan_")
tanh_ = _inplace("tanh_")
trunc_ = _inplace("trunc_")
xlogy_ = _inplace("xlogy_")
zero_ = _inplace("zero_")

INPLACE = (
    "abs_ acos_ acosh_ addmv_ arccos_ arccosh_ arcsin_ arcsinh_ arctan_ arctanh_ asin_ asinh_ "
    "atan_ atanh_ ceil_ clamp_ clamp_max_ clamp_min_ clip_ cos_ cosh_ deg2rad_ detach_ erf_ "
    "erfc_ exp2_ exp_ expm1_ fill_ floor_ frac_ gcd_ index_put_ lcm_ ldexp_ log10_ log1p_ log2_ "
    "log_ logit_ nan_to_num_ neg_ negative_ rad2deg_ reciprocal_ relu_ round_ rsqrt_ sigmoid_ "
    "sin_ sinc_ sinh_ sqrt_ square_ tan_ tanh_ trunc_ xlogy_ zero_"
).split()
__all__ += INPLACE
