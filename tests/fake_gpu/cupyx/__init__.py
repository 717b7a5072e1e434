"""``cupyx`` for the fake CuPy (see ``tests/fake_gpu/cupy``): ``scatter_add`` with CuPy's dtype
limits, and ``cupyx.scipy.special.erf``."""

import cupy as _cp
import numpy as _np

# the dtypes CuPy's scatter_add accumulates (12-14); others raise there, so here too
_SCATTER_DTYPES = frozenset({"float16", "float32", "float64", "int32", "uint32", "uint64"})


def scatter_add(a, slices, value):
    """a[slices] += value, accumulating over repeated indices."""
    if type(a) is not _cp.ndarray:
        raise TypeError(f"scatter_add: a must be a cupy.ndarray, got {type(a)}")
    if a.dtype.name not in _SCATTER_DTYPES:
        raise TypeError(f"scatter_add does not support dtype {a.dtype}")
    _np.add.at(a._a, _cp._unwrap(slices, False), _cp._unwrap(value, True))
