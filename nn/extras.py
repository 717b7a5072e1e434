"""Layers: ``EmbeddingBag``, ``MaxUnpool1d/2d/3d``, ``LPPool1d/2d/3d``, ``LocalResponseNorm``.

    bag = nn.EmbeddingBag(1000, 16, mode="sum")
    y = bag(ids, offsets)                  # ids (n,), offsets (B,) -> (B, 16)
    pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
    z = unpool(*pool(x))                   # x (N, C, H, W) -> same shape, zeros off the maxima

Arguments, defaults, attributes and reprs as in ``torch.nn``; the work is done by
``nn.functional.extras``. Errors raised by the functional forms are re-raised naming the layer.
"""

from __future__ import annotations

import autograd as ag
from autograd import ShapeError
from autograd.tensor import Tensor

from . import init
from ._args import input_shape, size_arg
from .functional import extras as _X
from .functional.conv import _ntuple
from .module import Module
from .parameter import Parameter

__all__ = [
    "EmbeddingBag",
    "MaxUnpool1d",
    "MaxUnpool2d",
    "MaxUnpool3d",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
    "LocalResponseNorm",
]

_CAUGHT = (IndexError, ValueError, TypeError, NotImplementedError)


def _named(layer, e):
    """``e`` re-made with the layer's repr in front of its message (same exception type)."""
    try:
        return type(e)(f"{layer!r}: {e}")
    except Exception:  # an exception type that wants other arguments: keep the original
        return e


class EmbeddingBag(Module):
    """Sums, means or maxima of bags of embeddings (``F.embedding_bag`` with a learned table).

    num_embeddings, embedding_dim: the table's shape; weight init N(0, 1), the ``padding_idx``
    row zeroed. mode: ``"sum"``, ``"mean"`` (default) or ``"max"``. max_norm, norm_type:
    renormalise looked-up rows in place. scale_grad_by_freq: divide weight's gradient by the
    index frequencies in the batch. include_last_offset: offsets are CSR style ((B + 1,)).
    padding_idx: entries equal to it are left out of their bag. sparse=True is not supported.

    forward(input, offsets=None, per_sample_weights=None): input (B, L) or (n,) with offsets
    (B,); per_sample_weights input's shape (mode "sum"). Returns (B, embedding_dim).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm=None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight=None, include_last_offset: bool = False,
                 padding_idx=None, device=None, dtype=None, generator=None):  # fmt: skip
        super().__init__()
        num_embeddings = size_arg("EmbeddingBag", "num_embeddings", num_embeddings)
        embedding_dim = size_arg("EmbeddingBag", "embedding_dim", embedding_dim)
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"EmbeddingBag: mode has to be one of sum, mean or max, got {mode!r}")
        if sparse:
            raise NotImplementedError(
                "EmbeddingBag: sparse=True (sparse gradients) is not supported by tapegrad; "
                "use sparse=False"
            )
        if mode == "max" and scale_grad_by_freq:
            raise ValueError(
                "EmbeddingBag: max mode does not support scaling the gradient by the frequency"
            )
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"EmbeddingBag: padding_idx must be within num_embeddings ({num_embeddings}),"
                    f" got {padding_idx}"
                )
            if padding_idx < 0:
                padding_idx += num_embeddings
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset
        self.padding_idx = padding_idx
        if _weight is None:
            w = ag.empty(num_embeddings, embedding_dim, dtype=dtype, device=device)
            self.weight = Parameter(w)
            self.reset_parameters(generator)
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ShapeError(
                    f"EmbeddingBag: _weight shape {tuple(_weight.shape)} does not match "
                    f"({num_embeddings}, {embedding_dim})"
                )
            self.weight = Parameter(_weight)

    def reset_parameters(self, generator=None) -> None:
        """Re-draw the weights from N(0, 1) and zero the padding row."""
        init.normal_(self.weight, generator=generator)
        if self.padding_idx is not None:
            with ag.no_grad():
                self.weight[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, max_norm=None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        mode: str = "mean", sparse: bool = False,
                        include_last_offset: bool = False, padding_idx=None):  # fmt: skip
        """An EmbeddingBag whose table is ``embeddings`` (num_embeddings, embedding_dim), shared;
        ``freeze``: the weight gets no gradient."""
        if getattr(embeddings, "ndim", None) != 2:
            raise ShapeError(
                "EmbeddingBag.from_pretrained: embeddings must be 2-D, got shape "
                f"{tuple(getattr(embeddings, 'shape', ()))}"
            )
        n, d = embeddings.shape
        bag = cls(n, d, max_norm=max_norm, norm_type=norm_type,
                  scale_grad_by_freq=scale_grad_by_freq, mode=mode, sparse=sparse,
                  _weight=embeddings, include_last_offset=include_last_offset,
                  padding_idx=padding_idx)  # fmt: skip
        bag.weight.requires_grad_(not freeze)
        return bag

    def forward(self, input, offsets=None, per_sample_weights=None):
        if not isinstance(input, Tensor) and not hasattr(input, "dtype"):
            input = ag.tensor(input)
        try:
            return _X.embedding_bag(
                input,
                self.weight,
                offsets,
                self.max_norm,
                self.norm_type,
                self.scale_grad_by_freq,
                self.mode,
                self.sparse,
                per_sample_weights,
                self.include_last_offset,
                self.padding_idx,
            )
        except _CAUGHT as e:
            raise _named(self, e) from None

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s


class _MaxUnpoolNd(Module):
    _d = 0

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        name = type(self).__name__
        self.kernel_size = _ntuple(kernel_size, self._d, "kernel_size", name)
        stride = kernel_size if stride is None or stride == () else stride
        self.stride = _ntuple(stride, self._d, "stride", name)
        self.padding = _ntuple(padding, self._d, "padding", name, minimum=0)

    def forward(self, input, indices, output_size=None):
        input_shape(repr(self), input)
        f = (_X.max_unpool1d, _X.max_unpool2d, _X.max_unpool3d)[self._d - 1]
        try:
            return f(input, indices, self.kernel_size, self.stride, self.padding, output_size)
        except _CAUGHT as e:
            raise _named(self, e) from None

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Partial inverse of MaxPool1d: (N, C, L) or (C, L) values and their pooling indices ->
    (N, C, Lout), zeros except at the indices. Lout = (L - 1) stride - 2 padding + kernel_size
    unless forward's ``output_size`` says otherwise."""

    _d = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """Partial inverse of MaxPool2d: (N, C, H, W) or (C, H, W) values and indices (flat
    positions in each output plane) -> (N, C, Hout, Wout), zeros except at the indices."""

    _d = 2


class MaxUnpool3d(_MaxUnpoolNd):
    """Partial inverse of MaxPool3d: (N, C, D, H, W) or (C, D, H, W) values and indices ->
    (N, C, Dout, Hout, Wout), zeros except at the indices."""

    _d = 3


class _LPPoolNd(Module):
    _d = 0

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode: bool = False):
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def forward(self, input):
        shape = input_shape(repr(self), input)
        d = self._d
        if len(shape) not in (d + 1, d + 2):
            raise ShapeError(
                f"{self!r}: expected a {d + 1}-D (unbatched) or {d + 2}-D (batched) input, got "
                f"{shape}"
            )
        f = (_X.lp_pool1d, _X.lp_pool2d, _X.lp_pool3d)[d - 1]
        try:
            return f(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)
        except _CAUGHT as e:
            raise _named(self, e) from None

    def extra_repr(self) -> str:
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"ceil_mode={self.ceil_mode}"
        )


class LPPool1d(_LPPoolNd):
    """Power-average pooling: (N, C, L) or (C, L) -> (N, C, Lout), each window's
    (sum x^p)^(1/p), p = norm_type (inf: max |x|). stride defaults to kernel_size."""

    _d = 1


class LPPool2d(_LPPoolNd):
    """Power-average pooling over 2-D windows: (N, C, H, W) or (C, H, W) -> (N, C, Hout, Wout),
    each window's (sum x^p)^(1/p), p = norm_type."""

    _d = 2


class LPPool3d(_LPPoolNd):
    """Power-average pooling over 3-D windows: (N, C, D, H, W) or (C, D, H, W) ->
    (N, C, Dout, Hout, Wout), each window's (sum x^p)^(1/p), p = norm_type."""

    _d = 3


class LocalResponseNorm(Module):
    """Local response normalisation across channels: (N, C, *) -> same shape.

    y = x / (k + alpha / size * sum of x^2 over the ``size`` neighbouring channels)^beta.
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size = size_arg("LocalResponseNorm", "size", size, minimum=1)
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        input_shape(repr(self), input)
        try:
            return _X.local_response_norm(input, self.size, self.alpha, self.beta, self.k)
        except _CAUGHT as e:
            raise _named(self, e) from None

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
