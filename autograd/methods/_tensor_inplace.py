"""``Tensor``'s hand-written in-place ops (``add_``, ``mul_``, ``fill_``, ``copy_``, ``clamp_``,
``uniform_``, ...), each through ``autograd.inplace.apply`` and its safety rules. Moved
verbatim from ``tensor.py``; the generated ``name_`` forms are in ``inplace.py``.
"""

from __future__ import annotations

# names of autograd/tensor.py, bound by its last line (``bind_tensor_names``): this module
# loads before they exist, since ``Tensor`` inherits from the class below
_FROM_TENSOR = ("Tensor", "_inplace", "_ops")
Tensor = _inplace = _ops = None


class InplaceOpMethods:
    """The hand-written in-place ops of ``Tensor``."""

    __slots__ = ()

    # -- in-place ops (see autograd/inplace.py for the safety rules) ----------------------------

    def add_(self, other, alpha=1) -> Tensor:
        """self += alpha * other, in place."""
        return _inplace.apply(self, "add_", other, alpha)

    def sub_(self, other, alpha=1) -> Tensor:
        """self -= alpha * other, in place."""
        return _inplace.apply(self, "sub_", other, alpha)

    def mul_(self, other) -> Tensor:
        """self *= other, in place."""
        return _inplace.apply(self, "mul_", other)

    def div_(self, other, *, rounding_mode=None) -> Tensor:
        """self /= other, in place; ``rounding_mode`` "floor" or "trunc" as ``autograd.div``."""
        if rounding_mode is None:
            return _inplace.apply(self, "div_", other)
        return self.copy_(_ops.div(self, other, rounding_mode=rounding_mode))

    def pow_(self, other) -> Tensor:
        """self **= other, in place."""
        return _inplace.apply(self, "pow_", other)

    def zero_(self) -> Tensor:
        """Fill with zeros in place."""
        return _inplace.apply(self, "fill_", 0)

    def fill_(self, value) -> Tensor:
        """Fill with ``value`` in place."""
        return _inplace.apply(self, "fill_", value)

    def copy_(self, src) -> Tensor:
        """Copy ``src`` (broadcastable) into self in place."""
        return _inplace.apply(self, "copy_", src)

    def clamp_(self, min=None, max=None) -> Tensor:
        """Clip to [min, max] in place."""
        return _inplace.apply(self, "clamp_", min, max)

    def uniform_(self, a=0.0, b=1.0, generator=None) -> Tensor:
        """Fill in place with samples uniform on [a, b)."""
        return _inplace.apply(self, "uniform_", a, b, generator)

    def normal_(self, mean=0.0, std=1.0, generator=None) -> Tensor:
        """Fill in place with normal samples (mean, std)."""
        return _inplace.apply(self, "normal_", mean, std, generator)
