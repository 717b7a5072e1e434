"""Layers: ``Linear``, ``Bilinear``, ``Identity``, ``Flatten``, ``Unflatten``, ``Embedding``."""

from __future__ import annotations

import math

import autograd as ag
from autograd import ShapeError
from autograd.amp import _active as _amp_on
from autograd.amp import _tls as _amp
from autograd.amp import autocast_call as _autocast
from autograd.tensor import Tensor

from . import functional as F
from . import init
from ._args import input_shape, size_arg
from .functional.linear import Linear as _LinearFn
from .functional.linear import check_dtypes
from .module import Module
from .parameter import Parameter

__all__ = ["Identity", "Linear", "Bilinear", "Flatten", "Unflatten", "Embedding"]


def _empty(*shape, dtype=None, device=None):
    return ag.empty(*shape, dtype=dtype, device=device)


class Identity(Module):
    """Returns its input unchanged (any shape); constructor arguments are accepted and ignored."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x @ W^T + b.

    in_features, out_features: sizes; bias: learn an additive bias.
    Input (..., in_features) -> output (..., out_features).
    weight: (out_features, in_features), init kaiming_uniform_(a=sqrt(5)), i.e.
    U(-1/sqrt(in), 1/sqrt(in)); bias: (out_features,), U(-1/sqrt(in), 1/sqrt(in)) (PyTorch's).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None, generator=None):  # fmt: skip
        super().__init__()
        in_features = size_arg("Linear", "in_features", in_features)
        out_features = size_arg("Linear", "out_features", out_features)
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(_empty(out_features, in_features, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(_empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None) -> None:
        """Re-draw weight and bias with PyTorch's default initialisation."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def forward(self, input):
        shape = input_shape(self, input)
        weight, b = self.weight, self.bias  # read once: a parametrized weight is computed
        x, w = (input._data if isinstance(input, Tensor) else input), weight._data
        ws = w.shape  # the weight's own shape: a swapped-in weight may differ from the sizes
        if (
            len(ws) != 2
            or not shape
            or shape[-1] != ws[1]
            or (b is not None and b._data.shape != ws[:1] and b._data.shape not in ((), (1,)))
        ):
            self._shape_error(shape, ws, b)
        if _amp_on[0] and _amp.ready:
            return _autocast(F.linear, input, weight, b)
        if x.dtype != w.dtype or (b is not None and b._data.dtype != w.dtype):
            check_dtypes(  # raises, naming the layer (the name is built only then)
                f"Linear(in_features={self.in_features}, out_features={self.out_features})",
                x,
                w,
                None if b is None else b._data,
            )
        return _LinearFn.apply(input, weight, b)

    def _shape_error(self, shape, ws, b):
        """ShapeError naming the layer, the input's and the weight's (and bias's) shapes."""
        name = f"Linear(in_features={self.in_features}, out_features={self.out_features})"
        ws = tuple(ws)
        if len(ws) != 2:
            raise ShapeError(f"{name}: weight must be 2-D (out, in), got shape {ws}")
        if not shape or shape[-1] != ws[1]:
            swapped = ws != (self.out_features, self.in_features)
            raise ShapeError(  # the input and weight can't be multiplied
                f"{name}: expected input with last dimension {ws[1]}, got {shape}"
                + (f" (the layer's weight has shape {ws})" if swapped else "")
            )
        raise ShapeError(
            f"{name}: bias shape {tuple(b.shape)} doesn't match weight shape {ws}: expected "
            f"({ws[0]},)"
        )

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Bilinear(Module):
    """y_k = x1^T W_k x2 + b_k.

    Inputs (..., in1_features) and (..., in2_features) -> (..., out_features).
    weight: (out, in1, in2) and bias (out,), both U(-1/sqrt(in1), 1/sqrt(in1)) (PyTorch's).
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias=True,
                 device=None, dtype=None, generator=None):  # fmt: skip
        super().__init__()
        in1_features = size_arg("Bilinear", "in1_features", in1_features)
        in2_features = size_arg("Bilinear", "in2_features", in2_features)
        out_features = size_arg("Bilinear", "out_features", out_features)
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        self.weight = Parameter(
            _empty(out_features, in1_features, in2_features, dtype=dtype, device=device)
        )
        if bias:
            self.bias = Parameter(_empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None) -> None:
        """weight and bias drawn again from U(-1/sqrt(in1_features), 1/sqrt(in1_features))."""
        bound = 1 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound, generator=generator)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def forward(self, input1, input2):
        if input1.shape[-1] != self.in1_features or input2.shape[-1] != self.in2_features:
            raise ShapeError(
                f"{self._get_name()}({self.extra_repr()}): expected inputs with last dimensions "
                f"{self.in1_features} and {self.in2_features}, got {tuple(input1.shape)} and "
                f"{tuple(input2.shape)}"
            )
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )


class Flatten(Module):
    """Flatten dims ``start_dim..end_dim`` into one: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return ag.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size``: (N, 12) -> (N, 3, 4) for dim=1, size (3, 4).

    One entry of ``unflattened_size`` may be -1 (inferred).
    """

    def __init__(self, dim: int, unflattened_size):
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(int(s) for s in unflattened_size)

    def forward(self, input):
        shape = tuple(input.shape)
        nd = len(shape)
        d = self.dim + nd if self.dim < 0 else self.dim
        if not 0 <= d < nd:
            raise IndexError(
                f"Unflatten(dim={self.dim}): dimension out of range for input of shape {shape}"
            )
        sizes = self.unflattened_size
        known = math.prod(s for s in sizes if s != -1)
        ok = (
            known == shape[d]
            if -1 not in sizes
            else sizes.count(-1) == 1 and known > 0 and shape[d] % known == 0
        )
        if not ok:
            raise ShapeError(
                f"Unflatten(dim={self.dim}, unflattened_size={sizes}): sizes don't multiply to "
                f"the size {shape[d]} of dimension {self.dim} of input shape {shape}"
            )
        return ag.reshape(input, shape[:d] + sizes + shape[d + 1 :])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Embedding(Module):
    """A lookup table: integer indices (...) -> rows of ``weight``, (..., embedding_dim).

    weight: (num_embeddings, embedding_dim), init N(0, 1) (PyTorch's), the ``padding_idx`` row
    zeroed and excluded from gradients. ``max_norm``: looked-up rows are renormalised in place.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx=None, max_norm=None,
                 norm_type: float = 2.0, _weight=None, device=None, dtype=None,
                 generator=None):  # fmt: skip
        super().__init__()
        num_embeddings = size_arg("Embedding", "num_embeddings", num_embeddings)
        embedding_dim = size_arg("Embedding", "embedding_dim", embedding_dim)
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError("Embedding: padding_idx must be within num_embeddings")
            if padding_idx < 0:
                padding_idx += num_embeddings
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        if _weight is None:
            self.weight = Parameter(
                _empty(num_embeddings, embedding_dim, dtype=dtype, device=device)
            )
            self.reset_parameters(generator)
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ShapeError(
                    f"Embedding: _weight shape {tuple(_weight.shape)} does not match "
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
    def from_pretrained(cls, embeddings, freeze: bool = True, padding_idx=None, max_norm=None,
                        norm_type: float = 2.0):  # fmt: skip
        """An Embedding with the given (num_embeddings, embedding_dim) weights (shared)."""
        if embeddings.ndim != 2:
            raise ShapeError(f"Embeddings parameter is expected to be 2-dimensional, got "
                             f"{tuple(embeddings.shape)}")  # fmt: skip
        n, d = embeddings.shape
        emb = cls(n, d, padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                  _weight=embeddings)  # fmt: skip
        emb.weight.requires_grad_(not freeze)
        return emb

    def forward(self, input):
        if not isinstance(input, Tensor) and not hasattr(input, "dtype"):
            input = ag.tensor(input)
        if input.dtype.kind not in "iu":
            raise TypeError(
                f"{self._get_name()}({self.extra_repr()}): expected integer indices, got dtype "
                f"{input.dtype}"
            )
        try:
            return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type)
        except (IndexError, ShapeError) as e:  # e.g. a swapped-in weight that is not 2-D
            raise type(e)(f"{self._get_name()}({self.extra_repr()}): {e}") from None

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        return s
