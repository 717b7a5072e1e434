"""``Tensor``'s reductions (``sum``, ``mean``, ``max``, ``var``, ``norm``, ``argmax``, ``cumsum``,
``all``, ...; ``dim``/``axis``, ``keepdim``/``keepdims`` both accepted), each a call to the op
of the same name in ``autograd.ops``. Moved verbatim from ``tensor.py``.
"""

from __future__ import annotations

# names of autograd/tensor.py, bound by its last line (``bind_tensor_names``): this module
# loads before they exist, since ``Tensor`` inherits from the class below
_FROM_TENSOR = ("_ops",)
_ops = None


class ReductionMethods:
    """The reductions of ``Tensor``."""

    __slots__ = ()

    # -- reductions (dim/axis, keepdim/keepdims both accepted) ---------------------------------

    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
        """See ``autograd.sum``: Sum over ``dim`` (int, tuple, or None for all). x: any shape."""
        return _ops.sum(self, dim, keepdim, axis=axis, keepdims=keepdims, dtype=dtype)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.mean``: Mean over ``dim`` (int, tuple, or None for all). x: any..."""
        return _ops.mean(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def prod(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.prod``: Product over ``dim`` (int, tuple, or None for all)."""
        return _ops.prod(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.max``: The max of x; with an int ``dim``, a ``(values, indices)``..."""
        return _ops.max(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.min``: The min of x; with an int ``dim``, a ``(values, indices)``..."""
        return _ops.min(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.amax``: Max over ``dim`` (int, tuple, or None for all); ties share..."""
        return _ops.amax(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.amin``: Min over ``dim`` (int, tuple, or None for all); ties share..."""
        return _ops.amin(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
            keepdims=None, ddof=None):  # fmt: skip
        """See ``autograd.var``: Variance over ``dim`` (int, tuple, or None for all),..."""
        return _ops.var(self, dim, unbiased, keepdim, correction=correction, axis=axis,
                        keepdims=keepdims, ddof=ddof)  # fmt: skip

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
            keepdims=None, ddof=None):  # fmt: skip
        """See ``autograd.std``: Standard deviation: sqrt(var(x, ...)); same arguments and..."""
        return _ops.std(self, dim, unbiased, keepdim, correction=correction, axis=axis,
                        keepdims=keepdims, ddof=ddof)  # fmt: skip

    def logsumexp(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.logsumexp``: log(sum(exp(x))) over ``dim`` (int, tuple, or None..."""
        return _ops.logsumexp(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def norm(self, p="fro", dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.norm``: The vector p-norm of x over ``dim`` (int, tuple, or None..."""
        return _ops.norm(self, p, dim, keepdim, axis=axis, keepdims=keepdims)

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.argmax``: Indices (int64, no gradient) of the max along ``dim``;..."""
        return _ops.argmax(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.argmin``: Indices (int64, no gradient) of the min along ``dim``;..."""
        return _ops.argmin(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def cumsum(self, dim=None, *, axis=None):
        """See ``autograd.cumsum``: Cumulative sum along ``dim`` (required unless x has at..."""
        return _ops.cumsum(self, dim, axis=axis)

    def cumprod(self, dim=None, *, axis=None):
        """See ``autograd.cumprod``: Cumulative product along ``dim`` (required unless x has..."""
        return _ops.cumprod(self, dim, axis=axis)

    def all(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.all``: Whether every element over ``dim`` (int, tuple, None for..."""
        return _ops.all(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def any(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.any``: Whether some element over ``dim`` (int, tuple, None for..."""
        return _ops.any(self, dim, keepdim, axis=axis, keepdims=keepdims)
