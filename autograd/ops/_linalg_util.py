"""Private helpers shared by the linear-algebra modules (``linalg.py``: products; ``decomp.py``:
inverses, determinants and solves; ``decomp_factor.py``: factorisations and the pseudo-inverse;
``linalg_norms.py``: norms, cond, matrix_rank): turning arguments into Tensors or arrays,
shapes, and the float-matrix check that names the op.
"""

from __future__ import annotations

import numpy as np

from backends import array_module

from .. import amp as _amp
from ..errors import ShapeError
from ..tensor import Tensor, _wrap


def _f():
    from .. import ops  # late: ops/__init__ imports the modules that import this one

    return ops


def _raw(v):
    return v._data if isinstance(v, Tensor) else v


def _xp(a):
    return np if type(a) is np.ndarray else array_module(a)


def _arg(v):
    """A Tensor or array as is; nested lists and scalars as a numpy array."""
    if isinstance(v, Tensor) or (hasattr(v, "shape") and hasattr(v, "dtype")):
        return v
    return np.asarray(v)


def _like(x, arr):
    """``arr`` as a Tensor without grad when ``x`` is a Tensor, else as an array."""
    if isinstance(arr, np.generic):
        arr = np.asarray(arr)
    return _wrap(arr, None, False) if isinstance(x, Tensor) else arr


def _shape(x) -> tuple:
    return tuple(int(s) for s in x.shape)


def _col(v):
    """(..., n) -> (..., n, 1)."""
    return v.reshape(_shape(v) + (1,))


def _row(v):
    """(..., n) -> (..., 1, n)."""
    s = _shape(v)
    return v.reshape(s[:-1] + (1, s[-1]))


def _check_float(op, x):
    dt = _raw(x).dtype
    if dt.kind not in "fc":
        raise TypeError(f"{op}: expected a floating point tensor as input, got dtype {dt}")
    if dt.itemsize < 4:
        raise TypeError(f"{op}: dtype {dt} is not supported; use float32 or float64")


def _float_arg(op, x):
    """x as a Tensor/array of a float dtype linalg supports, else TypeError naming ``op`` (under
    CPU autocast a float16 x is cast to float32, as torch's autocast does for linalg)."""
    x = _arg(x)
    if _amp._active[0]:
        x = _amp.cpu_float32(x)
    _check_float(op, x)
    return x


def _matrix(op, A, square=False, name="A"):
    """A as a Tensor/array of float (..., m, n) matrices, else the error torch raises (see
    ``_float_arg``)."""
    A = _float_arg(op, A)
    s = _shape(A)
    if len(s) < 2:
        raise ShapeError(
            f"{op}: the input tensor {name} must have at least 2 dimensions, got shape {s}"
        )
    if square and s[-1] != s[-2]:
        raise ShapeError(
            f"{op}: {name} must be batches of square matrices, but they are {s[-2]} by {s[-1]} "
            f"matrices (shape {s})"
        )
    return A
