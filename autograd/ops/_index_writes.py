"""The three ops every indexed write of ``indexing.py`` is reduced to (``Put``, ``ScatterSum``,
``ScatterReduce``; see that module's docstring for their semantics) and the helpers that turn
index arguments into flat (row-major) int64 positions ``lin`` into the output.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..function import Function
from ..tensor import Tensor, _wrap
from .elementwise import Where
from .shape import GetItem, _add_at, _as_operand, _int_index, _raw, _xp

# -- helpers ---------------------------------------------------------------------------------------


def _mod(a):
    return np if type(a) is np.ndarray else _xp(a)


def _numel(v) -> int:
    return int(np.prod(v.shape))


def _out(x, arr):
    """``arr`` as a no-grad Tensor when ``x`` is a Tensor, else as an array."""
    if isinstance(arr, np.generic):
        arr = np.asarray(arr)
    return _wrap(arr, None, False) if isinstance(x, Tensor) else arr


def _same_device(a, x, op: str):
    """RuntimeError for a cuda index/mask with a cpu tensor (the reverse is copied over)."""
    if type(_raw(x)) is np.ndarray and type(a) is not np.ndarray:
        raise RuntimeError(
            f"Expected all tensors to be on the same device, but got cpu and cuda:0 (in {op})"
        )
    return a


def _index(index, x, op: str):
    """An integer index array on x's device (shape.py's checks and wording)."""
    return _same_device(_int_index(index, x, op), x, op)


def _bool_mask(mask, x, op: str):
    """``mask`` (Tensor, array, list, bool) as a bool array on x's device."""
    a = mask._data if isinstance(mask, Tensor) else mask
    if not (hasattr(a, "dtype") and hasattr(a, "shape")):
        a = np.asarray(a)
    if a.dtype != np.bool_:
        raise TypeError(f"{op}: mask must be a bool tensor, got dtype {a.dtype}")
    xr = _raw(x)
    if type(xr) is not np.ndarray and type(a) is np.ndarray:
        a = _xp(xr).asarray(a)
    return _same_device(a, x, op)


def _operand(v, x, op: str, name: str):
    """A Tensor/array operand (lists become arrays) whose dtype must equal x's (as PyTorch)."""
    if isinstance(v, (numbers.Number, str)) or v is None:
        raise TypeError(f"{op}: {name} must be a tensor, got {type(v).__name__}")
    v = _as_operand(v)
    if v.dtype != x.dtype:
        raise TypeError(
            f"{op}: expected {name} dtype to equal the input's, got {v.dtype} and {x.dtype}"
        )
    return v


def _scalar(value, dtype, op: str):
    """A Python number cast as PyTorch casts a fill value to ``dtype`` (floats stay weak)."""
    if not isinstance(value, numbers.Number):
        raise TypeError(f"{op}: value must be a number, got {type(value).__name__}")
    if dtype.kind == "b":
        return bool(value)
    if dtype.kind in "iu":
        return int(value)
    return complex(value) if dtype.kind == "c" else float(value)


def _lin_along(idx, d: int, shape):
    """Flat positions, in an array of ``shape``, of the elements gather/scatter address:
    ``(i0, .., idx[i0, .., ik], .., in)`` for every position of idx. int64, idx's shape."""
    xp = _mod(idx)
    n = len(shape)
    strides = [1] * n
    for k in range(n - 2, -1, -1):
        strides[k] = strides[k + 1] * shape[k + 1]
    idx = idx.astype(np.int64)
    lin = xp.where(idx < 0, idx + shape[d], idx) * strides[d]
    for k in range(n):
        if k != d:
            grid = xp.arange(idx.shape[k], dtype=np.int64) * strides[k]
            lin = lin + grid.reshape((1,) * k + (-1,) + (1,) * (n - k - 1))
    return lin


def _along_dim(idx, d: int, shape):
    """``_lin_along`` for a 1-D idx along ``d`` of a block whose dim ``d`` has len(idx)."""
    xp = _mod(idx)
    n = len(shape)
    block = tuple(shape[:d]) + (idx.shape[0],) + tuple(shape[d + 1 :])
    full = xp.broadcast_to(idx.reshape((1,) * d + (-1,) + (1,) * (n - d - 1)), block)
    return _lin_along(full, d, shape)


def _last_writes(lin):
    """Bool mask over flat ``lin`` keeping the last occurrence of each position; None if all
    positions are distinct. Deterministic on numpy and cupy (a sort on unique keys)."""
    n = lin.size
    if n < 2:
        return None
    xp = _mod(lin)
    lin = lin.reshape(-1)
    order = xp.argsort(lin * n + xp.arange(n, dtype=np.int64))  # unique keys: ties by position
    s = lin[order]
    last = xp.empty(n, dtype=bool)
    last[-1] = True
    last[:-1] = s[1:] != s[:-1]
    if bool(last.all()):
        return None
    win = xp.zeros(n, dtype=bool)
    win[order[last]] = True
    return win


def _written(lin, shape):
    """Bool array of ``shape``: True at the flat positions ``lin``."""
    xp = _mod(lin)
    m = xp.zeros(int(np.prod(shape)), dtype=bool)
    m[lin.reshape(-1)] = True
    return m.reshape(shape)


def _pick(t, lin, shape):
    """t's elements at flat positions ``lin``, shaped ``shape``; differentiable (GetItem)."""
    return GetItem.apply(t.reshape(-1), lin.reshape(-1)).reshape(shape)


def _counts(lin, size: int, dtype):
    xp = _mod(lin)
    return xp.bincount(lin.reshape(-1), minlength=size).astype(dtype)


_UFUNCS = {"prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


def _reduce_at(flat, lin, v, how: str):
    """flat[lin] = how(flat[lin], v) in place, repeated positions reduced in turn."""
    uf = _UFUNCS[how]
    if type(flat) is np.ndarray:
        uf.at(flat, lin, v)
        return
    if lin.size == 0:
        return
    xp = _xp(flat)
    # CuPy has no multiply.at: pass r applies the r-th write to each position (distinct
    # positions within a pass), or, when one position is written very often, via the host
    order = xp.argsort(lin)
    s, sv = lin[order], v[order]
    rank = xp.arange(s.size) - xp.searchsorted(s, s)
    passes = int(rank.max()) + 1
    if passes > 16:
        host = flat.get()
        uf.at(host, lin.get(), v.get())
        flat[...] = xp.asarray(host)
        return
    for r in range(passes):
        m = rank == r
        t = s[m]
        flat[t] = uf(flat[t], sv[m])


def _identity(how: str, dtype):
    """The start value of a written position without include_self (prod, amax, amin)."""
    if how == "prod":
        return 1
    if dtype.kind == "b":
        return how == "amin"
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return info.min if how == "amax" else info.max
    return -np.inf if how == "amax" else np.inf


# -- the three write ops ---------------------------------------------------------------------------


class Put(Function):
    """y = x with ``values`` written at flat positions ``lin`` (shape S; values broadcast to S).

    ``win``: None, or a bool mask over flat lin of the writes that land (the last per position).
    gx = gy with the written positions zeroed; gvalues = gy at lin (zero where a write lost).
    """

    __slots__ = ("lin", "win", "xshape")
    complex_ok = True  # moves or sums gy only

    def forward(self, x, lin, values, win):
        self.lin, self.win, self.xshape = lin, win, x.shape
        out = x.copy()  # C-contiguous, so the flat view below writes into it
        flat = out.reshape(-1)
        flin = lin.reshape(-1)
        if getattr(values, "ndim", 0) == 0:  # a number: one value, so repeats are harmless
            flat[flin] = values
            return out
        v = _mod(out).broadcast_to(values, lin.shape).reshape(-1)
        if win is None:
            flat[flin] = v
        else:
            flat[flin[win]] = v[win]
        return out

    def backward(self, gy):
        gx = gv = None
        if self.needs_grad(0):
            gx = Where.apply(_written(self.lin, self.xshape), 0, gy)
        if self.needs_grad(2):
            g = _pick(gy, self.lin, (self.lin.size,))
            if self.win is not None:
                g = Where.apply(self.win, g, 0)
            gv = self.reduce_grad(2, g.reshape(self.lin.shape))
        return gx, None, gv, None


class ScatterSum(Function):
    """y = x with ``src`` (shape S) summed into flat positions ``lin`` (shape S); ``mean``
    divides each written position by its count (plus one when ``include_self``; integer
    dtypes floor-divide, as PyTorch). include_self False: written positions start from 0.

    gx = gy / N (zero at written positions without include_self); gsrc = (gy / N) at lin.
    """

    __slots__ = ("lin", "mean", "include_self", "xshape")
    complex_ok = True  # moves or sums gy only

    def forward(self, x, lin, src, mean, include_self):
        self.lin, self.mean, self.include_self, self.xshape = lin, mean, include_self, x.shape
        out = x.copy()
        flat = out.reshape(-1)
        flin = lin.reshape(-1)
        if not include_self:
            flat[flin] = 0
        _add_at(flat, flin, _mod(out).asarray(src).reshape(-1))
        if not mean:
            return out
        n = self._n(out.dtype if out.dtype.kind in "fc" else np.int64)
        if out.dtype.kind in "fc":
            return out / n
        return (out // n).astype(out.dtype)

    def _n(self, dtype):
        """Divisor per output position (x's shape): 1 where nothing was written."""
        n = _counts(self.lin, int(np.prod(self.xshape)), dtype).reshape(self.xshape)
        return n + 1 if self.include_self else _mod(n).maximum(n, 1)

    def backward(self, gy):
        gx = gs = None
        if self.mean:
            gy = gy / self._n(gy.dtype)
        if self.needs_grad(0):
            gx = gy if self.include_self else Where.apply(_written(self.lin, self.xshape), 0, gy)
        if self.needs_grad(2):
            gs = _pick(gy, self.lin, self.lin.shape)
        return gx, None, gs, None, None


class ScatterReduce(Function):
    """y = x with ``src`` (shape S) reduced into flat positions ``lin`` by 'prod', 'amax' or
    'amin' (include_self False: written positions start from the reduction's identity).

    Gradients are PyTorch's: amax/amin split gy evenly among the elements (of x and src) equal
    to the result; prod divides the result by the element, and where an element is zero
    recomputes the product without it (one zero per position; with two or more zeros at one
    position the first-order gradient is exact but its own derivative is not, as in PyTorch,
    which raises there).
    """

    __slots__ = ("lin", "how", "include_self")
    save_inputs = (0, 2)
    save_output = True

    def forward(self, x, lin, src, how, include_self):
        self.lin, self.how, self.include_self = lin, how, include_self
        out = x.copy()
        flat = out.reshape(-1)
        flin = lin.reshape(-1)
        if not include_self:
            flat[flin] = _identity(how, out.dtype)
        _reduce_at(flat, flin, _mod(out).asarray(src).reshape(-1), how)
        return out

    def backward(self, gy):
        x, src, out = self.saved
        xr, sr = _raw(x), _raw(src)
        lin, shape = self.lin, xr.shape
        if self.how == "prod":
            return self._prod(gy, x, src, out, xr, sr)
        # amax / amin: share gy among the elements equal to the result
        outr = _raw(out)
        value = outr.reshape(-1)[lin.reshape(-1)].reshape(sr.shape)
        x_is = xr == outr
        if not self.include_self:  # x took no part at the written positions
            x_is &= ~_written(lin, shape)
        s_is = sr == value
        n = x_is.astype(gy.dtype).reshape(-1)
        _add_at(n, lin.reshape(-1), s_is.astype(gy.dtype).reshape(-1))
        n = _mod(n).maximum(n, 1).reshape(shape)  # 0 only where the result is NaN
        gd = gy / n
        gx = Where.apply(x_is, gd, 0) if self.needs_grad(0) else None
        gs = Where.apply(s_is, _pick(gd, lin, sr.shape), 0) if self.needs_grad(2) else None
        return gx, None, gs, None, None

    def _prod(self, gy, x, src, out, xr, sr):
        lin, inc = self.lin, self.include_self
        gx = gs = None
        if self.needs_grad(0):
            x_zero = xr == 0
            if bool(x_zero.any()):  # the product of the others, where x is zero
                mx = Where.apply(x_zero, 1, x)
                gx = gy * ScatterReduce.apply(mx, lin, src, "prod", inc) / mx
            else:
                gx = gy * out / x
            if not inc:
                gx = Where.apply(_written(lin, xr.shape), 0, gx)
        if self.needs_grad(2):
            s_zero = sr == 0
            gs = _pick(gy * out, lin, sr.shape) / Where.apply(s_zero, 1, src)
            if bool(s_zero.any()):
                nz = _counts(lin.reshape(-1)[s_zero.reshape(-1)], xr.size, np.int64)
                single = s_zero & (nz[lin.reshape(-1)].reshape(sr.shape) == 1)
                if bool(single.any()):  # the product of the others, for a lone zero
                    ms = Where.apply(single, 1, src)
                    other = ScatterReduce.apply(x, lin, ms, "prod", inc)
                    gs = Where.apply(single, _pick(gy * other, lin, sr.shape), gs)
        return gx, None, gs, None, None
