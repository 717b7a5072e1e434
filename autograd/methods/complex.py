"""Tensor methods for complex tensors (``autograd/ops/complex_parts.py``) and the short-time
Fourier transform (``autograd/ops/_stft.py``)."""

from __future__ import annotations


def _ops():
    from .. import ops  # late: autograd.ops imports the tensor module

    return ops


class ComplexMethods:
    """``real``, ``imag``, ``mH``, ``H`` (properties, as PyTorch's), ``adjoint``, ``conj``,
    ``angle``, ``sgn``, ..., ``stft`` and ``istft``."""

    __slots__ = ()

    @property
    def real(self):
        """The real part (this tensor itself when it is real). Same shape; float dtype."""
        return _ops().real(self)

    @property
    def imag(self):
        """The imaginary part of a complex tensor. Same shape; float dtype."""
        return _ops().imag(self)

    @property
    def mH(self):  # noqa: N802 - PyTorch's name
        """See ``autograd.adjoint``: the conjugate transpose of the last two dims,
        (..., m, n) -> (..., n, m); ``mT`` for a real tensor."""
        return _ops().adjoint(self)

    @property
    def H(self):  # noqa: N802 - PyTorch's name
        """The conjugate transpose of a matrix: (m, n) -> (n, m) (``mT`` for a real one). Only
        2-D tensors (IndexError otherwise, as PyTorch; use ``mH`` for batches)."""
        n = self.ndim
        if n != 2 and n != 0:  # 0-d: conj with PyTorch's deprecation warning, as adjoint
            hint = "; for batches of matrices, consider using tensor.mH" if n > 2 else ""
            raise IndexError(
                "H: tensor.H is only supported on matrices (2-D tensors), got a "
                f"{n}-D tensor of shape {tuple(self.shape)}{hint}"
            )
        return _ops().adjoint(self)

    def adjoint(self):
        """See ``autograd.adjoint``: the conjugate transpose of the last two dims,
        (..., m, n) -> (..., n, m)."""
        return _ops().adjoint(self)

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

    def stft(
        self, n_fft, hop_length=None, win_length=None, window=None, center=True,
        pad_mode="reflect", normalized=False, onesided=None, return_complex=None,
        align_to_window=None,
    ):  # fmt: skip
        """See ``autograd.stft``: short-time Fourier transform of (L,) or (B, L)."""
        return _ops().stft(
            self, n_fft, hop_length, win_length, window, center, pad_mode, normalized,
            onesided, return_complex, align_to_window,
        )  # fmt: skip

    def istft(
        self, n_fft, hop_length=None, win_length=None, window=None, center=True,
        normalized=False, onesided=None, length=None, return_complex=False,
    ):  # fmt: skip
        """See ``autograd.istft``: inverse STFT of (B?, N, T) complex -> (B?, L)."""
        return _ops().istft(
            self, n_fft, hop_length, win_length, window, center, normalized, onesided, length,
            return_complex,
        )  # fmt: skip
