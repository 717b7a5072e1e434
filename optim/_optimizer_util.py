"""Helpers of ``optim.Optimizer``: the option checks shared by the optimisers (ValueError, with
PyTorch's wording), the scratch workspace of a step, PyTorch's accepted implementation switches,
the finite-gradient test, the real views of complex parameters and their state, and the
conversions of state values (copies, torch tensors, dtype and device).

Split out of ``optim/optimizer.py``, which re-exports every name defined here.
"""

from __future__ import annotations

import copy
import numbers

import numpy as np

from autograd.ops.complex_parts import _real_view  # view_as_real's view, any layout, cupy too
from autograd.tensor import Tensor
from backends import array_module, array_types, device_of

# -- option checks shared by the optimisers (ValueError, with PyTorch's wording) ------------------


def _where(gi) -> str:
    return "" if gi is None else f" (param group {gi})"


def check_nonneg(group: dict, key: str, label: str, gi) -> None:
    """Raise ValueError unless ``group[key]`` is a real number >= 0 (NaN is refused)."""
    v = group[key]
    if isinstance(v, Tensor):
        v = v.item()
    if not isinstance(v, numbers.Real) or isinstance(v, bool) or not v >= 0.0:
        raise ValueError(f"Invalid {label}: {v!r}{_where(gi)}")


def check_range(group: dict, key: str, label: str, gi, lo: float, hi: float, hi_open=False):
    """Raise ValueError unless ``lo <= group[key] <= hi`` (``< hi`` when ``hi_open``)."""
    v = group[key]
    ok = isinstance(v, numbers.Real) and not isinstance(v, bool) and lo <= v <= hi
    if ok and hi_open and v == hi:
        ok = False
    if not ok:
        raise ValueError(f"Invalid {label}: {v!r}{_where(gi)}")


def check_betas(group: dict, gi, key: str = "betas") -> None:
    """Raise ValueError unless ``group[key]`` is a pair of numbers in ``[0, 1)``."""
    betas = group[key]
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(
            f"Invalid {key}: expected a pair (beta1, beta2), got {betas!r}{_where(gi)}"
        )
    for i, b in enumerate(betas):
        if not isinstance(b, numbers.Real) or isinstance(b, bool) or not 0.0 <= b < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {b!r}{_where(gi)}")


def check_bool(group: dict, key: str, gi) -> None:
    """Raise ValueError unless ``group[key]`` is a bool (numpy bools accepted)."""
    if not isinstance(group[key], (bool, np.bool_)):
        raise ValueError(f"Invalid {key}: expected a bool, got {group[key]!r}{_where(gi)}")


class _Workspace:
    """Scratch arrays for the update's temporaries, reused across steps.

    ``like(a, slot)`` returns an uninitialised array with ``a``'s shape, dtype and device, a view
    into a flat buffer kept per ``(slot, dtype, device)`` and grown to the largest size asked for.
    Two different slots never overlap; the same slot is the same memory for every shape.
    """

    __slots__ = ("_pools", "_views")

    def __init__(self):
        self._pools = {}
        self._views = {}

    def like(self, a, slot: int):
        """A scratch array shaped like ``a`` (contents undefined)."""
        cls = type(a)
        dev = None if cls is np.ndarray else device_of(a)
        key = (slot, a.shape, a.dtype, cls, dev)
        v = self._views.get(key)
        if v is None:
            v = self._make(a, key)
        return v

    def _make(self, a, key):
        slot, shape, dtype, cls, dev = key
        pkey = (slot, dtype, cls, dev)
        n = a.size
        pool = self._pools.get(pkey)
        if pool is None or pool.size < n:
            xp = array_module(a)
            if xp is not np:
                with xp.cuda.Device(a.device.id):
                    pool = xp.empty(max(n, 1), dtype=dtype)
            else:
                pool = np.empty(max(n, 1), dtype=dtype)
            self._pools[pkey] = pool
            # views into the old buffer are dropped; the old buffer is freed with them
            for k in [k for k in self._views if (k[0], k[2], k[3], k[4]) == pkey]:
                del self._views[k]
        v = pool[:n].reshape(shape)
        self._views[key] = v
        return v

    def clear(self) -> None:
        """Free every scratch buffer (they are made again on the next step)."""
        self._pools.clear()
        self._views.clear()


def _same_device(pa, ga) -> bool:
    if type(pa) is not type(ga):
        return False
    if type(pa) is np.ndarray:
        return True
    return device_of(pa) == device_of(ga)


def _foreign(v):
    """A torch tensor (a state loaded from ``torch.optim``) as a numpy array; else ``v``."""
    if not isinstance(v, Tensor) and all(hasattr(v, a) for a in ("detach", "cpu", "numpy")):
        return v.detach().cpu().numpy()
    return v


def _is_array(v) -> bool:
    return isinstance(v, array_types()) or type(v).__module__.startswith("cupy")


# PyTorch's implementation switches: foreach/fused pick its kernels and capturable is for CUDA
# graphs; tapegrad has one vectorised step, so they are accepted and change nothing.
# differentiable=True (a step recorded on the tape) is not supported.
_TORCH_FLAGS = ("foreach", "fused", "capturable", "differentiable")


def _check_torch_flags(name: str, flags: dict) -> None:
    """TypeError for a keyword that is not one of PyTorch's switches; NotImplementedError for
    differentiable=True."""
    for k in flags:
        if k not in _TORCH_FLAGS:
            raise TypeError(f"{name}.__init__() got an unexpected keyword argument '{k}'")
    if flags.get("differentiable"):
        raise NotImplementedError(
            f"{name}: differentiable=True (an optimiser step recorded for autograd) is not "
            "supported; the step runs under no_grad"
        )


def _all_finite(a) -> bool:
    """Whether every element of ``a`` is finite: one sum, then a full check if it overflowed."""
    xp = array_module(a)
    if a.size == 0:
        return True
    with np.errstate(over="ignore", invalid="ignore"):
        s = a.sum()
    if bool(xp.isfinite(s)):
        return True  # NaN or Inf anywhere makes the sum NaN or Inf
    return bool(xp.isfinite(a).all())


def _as_real(arrays, grads, states, cplx):
    """Swap the complex parameters' arrays, gradients and state dicts (positions ``cplx``) for
    real views, in the lists given. Returns, per position, the views made of its state arrays."""
    made = []
    for i in cplx:
        arrays[i] = _real_view(arrays[i])
        grads[i] = _real_view(grads[i])
        st = states[i]
        views = {k: _real_view(v) for k, v in st.items() if _is_array(v) and v.dtype.kind == "c"}
        vst = dict(st)
        vst.update(views)
        states[i] = vst
        made.append(views)
    return made


def _back_to_complex(originals, viewed, made):
    """Write what an update did to the real-view state dicts ``viewed`` back to the complex
    parameters' own state dicts ``originals``: numbers, and arrays made during the update (fresh
    or lazy state, real (..., 2)) as complex arrays; the views of ``made`` were updated in place."""
    for st, vst, views in zip(originals, viewed, made):
        for k, v in vst.items():
            if views.get(k) is v:
                continue
            if _is_array(v) and v.dtype.kind == "f" and v.ndim and v.shape[-1] == 2:
                v = _to_complex(v)
            st[k] = v
        for k in [k for k in st if k not in vst]:
            del st[k]


def _to_complex(r):
    """Real array (..., 2) of [re, im] pairs as a complex array (...) (a view when its last axis
    is contiguous, else of a contiguous copy)."""
    if r.strides[-1] != r.itemsize:
        r = array_module(r).ascontiguousarray(r)
    return r.view(np.result_type(r.dtype, np.complex64))[..., 0]


def _copy_value(v):
    if isinstance(v, Tensor):
        return v._data.copy()
    if _is_array(v):
        return v.copy()
    return copy.deepcopy(v)


def _to_like(v, p):
    """A copy of array ``v`` with ``p``'s dtype, on ``p``'s device."""
    xp = array_module(p)
    if xp is np:
        if type(v) is not np.ndarray:
            v = v.get()
        return np.array(v, dtype=p.dtype, copy=True)
    with xp.cuda.Device(p.device.id):
        return xp.array(v, dtype=p.dtype, copy=True)
