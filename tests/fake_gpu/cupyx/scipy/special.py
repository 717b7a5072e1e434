"""``cupyx.scipy.special`` for the fake CuPy: erf on cupy arrays only."""

import math

import cupy as _cp
import numpy as _np


def erf(x):
    """The error function, elementwise, of a cupy array."""
    if type(x) is not _cp.ndarray:
        raise TypeError(f"Unsupported type {type(x)}")
    try:
        from scipy.special import erf as _erf

        return _cp.ndarray._of(_erf(x._a))
    except ImportError:
        a = x._a
        out = _np.vectorize(math.erf, otypes=[a.dtype])(a) if a.size else a.copy()
        return _cp.ndarray._of(out)
