"""Reductions over ``dim``/``axis`` (int, tuple or None) with ``keepdim``/``keepdims``.

Backward of a reduction first restores the reduced dims (``keepdims`` shape) and then broadcasts
to the input's shape; both steps are differentiable ops, so the rules work for any order.
"""

from __future__ import annotations

import numpy as np

from ..function import Function
from ._dims import ndim_of as _ndim
from ._dims import norm_axes, pick_dim, pick_keep

__all__ = ["Sum", "Mean", "expand_reduced", "sum", "mean"]


def expand_reduced(gy, axes, keepdim, xshape):
    """Reshape a reduced gradient back to rank len(xshape) (size-1 reduced dims), then broadcast.

    gy: the reduced shape; axes: the reduced dims (None = all). Returns shape ``xshape``.
    """
    from . import broadcast_to

    if not keepdim:
        kshape = tuple(1 if (axes is None or i in axes) else s for i, s in enumerate(xshape))
        gy = gy.reshape(kshape)
    return broadcast_to(gy, xshape)


class Sum(Function):
    """y = sum of x over ``axes``; dy/dx = 1 broadcast back."""

    __slots__ = ("axes", "keep", "xshape")

    def forward(self, x, axes, keep, dtype):
        self.axes, self.keep, self.xshape = axes, keep, x.shape
        return x.sum(axis=axes, keepdims=keep, dtype=dtype)

    def backward(self, gy):
        return (
            self.reduce_grad(0, expand_reduced(gy, self.axes, self.keep, self.xshape)),
            None,
            None,
            None,
        )


class Mean(Function):
    """y = mean of x over ``axes``; dy/dx = 1/n broadcast back."""

    __slots__ = ("axes", "keep", "xshape")

    def forward(self, x, axes, keep):
        if x.dtype.kind not in "fc":
            raise TypeError(f"mean: expected a floating point tensor, got dtype {x.dtype}")
        self.axes, self.keep, self.xshape = axes, keep, x.shape
        return x.mean(axis=axes, keepdims=keep)

    def backward(self, gy):
        xs = self.xshape
        n = int(np.prod(xs)) if self.axes is None else int(np.prod([xs[a] for a in self.axes]))
        g = expand_reduced(gy, self.axes, self.keep, xs)
        return g * (1.0 / max(n, 1)), None, None


def sum(x, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):  # noqa: A001
    """Sum over ``dim`` (int, tuple, or None for all). x: any shape."""
    axes = norm_axes(pick_dim(dim, axis, "sum"), _ndim(x), "sum")
    return Sum.apply(x, axes, pick_keep(keepdim, keepdims), dtype)


def mean(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Mean over ``dim`` (int, tuple, or None for all). x: any float shape."""
    axes = norm_axes(pick_dim(dim, axis, "mean"), _ndim(x), "mean")
    return Mean.apply(x, axes, pick_keep(keepdim, keepdims))
