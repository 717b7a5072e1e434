"""Tensor methods for complex tensors, calling ``autograd/ops/complex_parts.py``."""

from __future__ import annotations


def _ops():
    from .. import ops  # late: autograd.ops imports the tensor module

    return ops


class ComplexMethods:
    """``real``, ``imag`` (properties, as PyTorch's), ``conj``, ``angle``, ``sgn``, ..."""

    __slots__ = ()

    @property
    def real(self):
        """The real part (this tensor itself when it is real). Same shape; float dtype."""
        return _ops().real(self)

    @property
    def imag(self):
        """The imaginary part of a complex tensor. Same shape; float dtype."""
        return _ops().imag(self)

    def conj(self):
        """The complex conjugate (this tensor itself when it is real). Same shape and dtype."""
        return _ops().conj(self)

    def conj_physical(self):
        """The complex conjugate (conjugates are always materialised here)."""
        return _ops().conj(self)

    def resolve_conj(self):
        """This tensor: conjugates are never lazy here."""
        return self

    def resolve_neg(self):
        """This tensor: negations are never lazy here."""
        return self

    def is_conj(self) -> bool:
        """False: conjugates are never lazy views here."""
        return False

    def angle(self):
        """atan2(imag, real) elementwise. Same shape; float dtype."""
        return _ops().angle(self)

    def sgn(self):
        """z / |z| (0 at 0) for complex tensors, sign for real ones. Same shape and dtype."""
        return _ops().sgn(self)
