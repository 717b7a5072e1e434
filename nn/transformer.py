"""Transformer layers: the encoder and decoder layers, their stacks and nn.Transformer, as
``torch.nn``.

Same constructor arguments and defaults, submodule and parameter names (a PyTorch
``state_dict`` loads as is, and back), initialisation, reprs and mask semantics::

    layer = nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, batch_first=True)
    encoder = nn.TransformerEncoder(layer, num_layers=2)     # two deep copies of ``layer``
    out = encoder(x, src_key_padding_mask=pad)               # x: (N, S, 16), pad: (N, S) bool

PyTorch's inference fast paths (fused kernels, nested tensors) are not reproduced: every call
takes the reference path, which they compute the same result as. ``enable_nested_tensor`` and
``mask_check`` are accepted and ignored.
"""

from __future__ import annotations

import copy
import numbers

import numpy as np

import autograd as ag
from autograd import ShapeError
from autograd.tensor import Tensor
from backends import array_module

from . import functional as F
from . import init
from ._args import size_arg
from .activation import GELU, ReLU
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .functional.attention import _canonical_mask
from .linear import Linear
from .module import Module
from .normalization import LayerNorm

__all__ = [
    "Transformer",
    "TransformerEncoder",
    "TransformerDecoder",
    "TransformerEncoderLayer",
    "TransformerDecoderLayer",
]


def _generate_square_subsequent_mask(sz, device=None, dtype=None):
    return ag.triu(ag.full((sz, sz), float("-inf"), dtype=dtype, device=device), diagonal=1)


def _get_clones(module, n):
    """A ModuleList of ``n`` independent deep copies of ``module`` (PyTorch's _get_clones)."""
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


def _get_activation_fn(layer, activation):
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise ValueError(f"{layer}: activation should be relu/gelu, not {activation}")


def _seq_len(src, batch_first):
    shape = tuple(src.shape)
    if len(shape) == 2:
        return shape[0]
    return shape[1 if batch_first else 0]


def _detect_is_causal_mask(mask, is_causal=None, size=None):
    """``is_causal`` when given; else whether ``mask`` equals the float causal mask of its
    size and dtype (PyTorch's detection)."""
    make_causal = is_causal is True
    if is_causal is None and mask is not None:
        sz = size if size is not None else mask.shape[-2]
        if tuple(mask.shape) == (sz, sz):
            data = mask._data if isinstance(mask, Tensor) else mask
            xp = array_module(data)
            ref = xp.triu(xp.full((sz, sz), -np.inf), 1)
            make_causal = bool((data == ref).all())
        else:
            make_causal = False
    return make_causal


def _layer_args(name, d_model, nhead, dim_feedforward, dropout):
    d_model = size_arg(name, "d_model", d_model, 1)
    nhead = size_arg(name, "nhead", nhead, 1)
    dim_feedforward = size_arg(name, "dim_feedforward", dim_feedforward, 1)
    if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or not 0 <= dropout <= 1:
        raise ValueError(
            f"{name}: dropout probability has to be between 0 and 1, but got {dropout!r}"
        )
    if d_model % nhead:
        raise ValueError(
            f"{name}: d_model must be divisible by nhead, got d_model={d_model} and nhead={nhead}"
        )
    return d_model, nhead, dim_feedforward


class TransformerEncoderLayer(Module):
    """Self-attention and a feed-forward network, each with a residual connection and LayerNorm.

    norm_first=False: x = norm1(x + sa(x)); x = norm2(x + ff(x)). norm_first=True:
    x = x + sa(norm1(x)); x = x + ff(norm2(x)). ff(x) = linear2(dropout(activation(linear1(x)))).
    activation: 'relu', 'gelu' or a unary callable (a Module is registered as a child).
    Submodules (PyTorch's names): self_attn, linear1, dropout, linear2, norm1, norm2, dropout1,
    dropout2. Input (S, N, d_model) ((N, S, d_model) with batch_first) or unbatched
    (S, d_model); output the same shape.
    """

    def __init__(
        self,
        d_model,
        nhead,
        dim_feedforward=2048,
        dropout=0.1,
        activation=F.relu,
        layer_norm_eps=1e-5,
        batch_first=False,
        norm_first=False,
        bias=True,
        device=None,
        dtype=None,
        generator=None,
    ):
        super().__init__()
        name = type(self).__name__
        d_model, nhead, dim_feedforward = _layer_args(
            name, d_model, nhead, dim_feedforward, dropout
        )
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(
            d_model,
            nhead,
            dropout=dropout,
            bias=bias,
            batch_first=batch_first,
            generator=generator,
            **kw,
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, generator=generator, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, generator=generator, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if isinstance(activation, str):
            activation = _get_activation_fn(name, activation)
        elif not callable(activation):
            raise TypeError(
                f"{name}: activation must be 'relu', 'gelu' or a callable, got "
                f"{type(activation).__name__}"
            )
        if activation is F.relu or isinstance(activation, ReLU):
            self.activation_relu_or_gelu = 1
        elif activation is F.gelu or isinstance(activation, GELU):
            self.activation_relu_or_gelu = 2
        else:
            self.activation_relu_or_gelu = 0
        self.activation = activation

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        """src: (S, N, E) ((N, S, E) batch_first) or (S, E); src_mask: (S, S) or
        (N * nhead, S, S); src_key_padding_mask: (N, S) or (S,). Bool masks: True = masked
        out; float masks are added. is_causal: a hint that src_mask is causal. Returns src's
        shape."""
        op = type(self).__name__
        src_key_padding_mask = _canonical_mask(
            op,
            src_key_padding_mask,
            "src_key_padding_mask",
            src_mask,
            "src_mask",
            src.dtype,
            src.device,
        )
        src_mask = _canonical_mask(op, src_mask, "src_mask", None, "", src.dtype, src.device)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        x = self.self_attn(
            x,
            x,
            x,
            attn_mask=attn_mask,
            key_padding_mask=key_padding_mask,
            need_weights=False,
            is_causal=is_causal,
        )[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)


class TransformerDecoderLayer(Module):
    """Self-attention, attention over the encoder's memory and a feed-forward network, each with
    a residual connection and LayerNorm (before each block with norm_first, else after).

    Submodules (PyTorch's names): self_attn, multihead_attn, linear1, dropout, linear2, norm1,
    norm2, norm3, dropout1, dropout2, dropout3. tgt (T, N, d_model) ((N, T, d_model) with
    batch_first) or (T, d_model); memory (S, N, d_model) likewise; output tgt's shape.
    """

    def __init__(
        self,
        d_model,
        nhead,
        dim_feedforward=2048,
        dropout=0.1,
        activation=F.relu,
        layer_norm_eps=1e-5,
        batch_first=False,
        norm_first=False,
        bias=True,
        device=None,
        dtype=None,
        generator=None,
    ):
        super().__init__()
        name = type(self).__name__
        d_model, nhead, dim_feedforward = _layer_args(
            name, d_model, nhead, dim_feedforward, dropout
        )
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(
            d_model,
            nhead,
            dropout=dropout,
            batch_first=batch_first,
            bias=bias,
            generator=generator,
            **kw,
        )
        self.multihead_attn = MultiheadAttention(
            d_model,
            nhead,
            dropout=dropout,
            batch_first=batch_first,
            bias=bias,
            generator=generator,
            **kw,
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, generator=generator, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, generator=generator, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        if isinstance(activation, str):
            activation = _get_activation_fn(name, activation)
        elif not callable(activation):
            raise TypeError(
                f"{name}: activation must be 'relu', 'gelu' or a callable, got "
                f"{type(activation).__name__}"
            )
        self.activation = activation

    def forward(
        self,
        tgt,
        memory,
        tgt_mask=None,
        memory_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        tgt_is_causal=False,
        memory_is_causal=False,
    ):
        """tgt: (T, N, E), memory: (S, N, E) (batch first or unbatched likewise); tgt_mask
        (T, T) or (N * nhead, T, T); memory_mask (T, S) or (N * nhead, T, S); the key padding
        masks (N, T) and (N, S). Bool masks: True = masked out. Returns tgt's shape."""
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(
                self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal
            )
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(
                x
                + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            )
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        x = self.self_attn(
            x,
            x,
            x,
            attn_mask=attn_mask,
            key_padding_mask=key_padding_mask,
            is_causal=is_causal,
            need_weights=False,
        )[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal=False):
        x = self.multihead_attn(
            x,
            mem,
            mem,
            attn_mask=attn_mask,
            key_padding_mask=key_padding_mask,
            is_causal=is_causal,
            need_weights=False,
        )[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout3(x)


class TransformerEncoder(Module):
    """A stack of ``num_layers`` deep copies of ``encoder_layer`` (``layers.0``, ``layers.1``,
    ...), then ``norm`` if given. Input and output as the layer's."""

    def __init__(
        self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True
    ):
        super().__init__()
        if not isinstance(encoder_layer, Module):
            raise TypeError(
                f"TransformerEncoder: encoder_layer must be a Module, got "
                f"{type(encoder_layer).__name__}"
            )
        num_layers = size_arg("TransformerEncoder", "num_layers", num_layers)
        self.layers = _get_clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = False  # there are no nested tensors here
        self.mask_check = mask_check

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        """src: (S, N, E) ((N, S, E) batch first) or (S, E); mask: (S, S) or (N * nhead, S, S);
        src_key_padding_mask: (N, S) or (S,) (bool: True = padding). is_causal: None detects
        a causal ``mask``. Returns src's shape."""
        op = type(self).__name__
        src_key_padding_mask = _canonical_mask(
            op, src_key_padding_mask, "src_key_padding_mask", mask, "mask", src.dtype, src.device
        )
        mask = _canonical_mask(op, mask, "mask", None, "", src.dtype, src.device)
        first = self.layers[0] if len(self.layers) else None
        batch_first = getattr(getattr(first, "self_attn", None), "batch_first", False)
        is_causal = _detect_is_causal_mask(mask, is_causal, _seq_len(src, batch_first))
        output = src
        for mod in self.layers:
            output = mod(
                output,
                src_mask=mask,
                is_causal=is_causal,
                src_key_padding_mask=src_key_padding_mask,
            )
        if self.norm is not None:
            output = self.norm(output)
        return output


class TransformerDecoder(Module):
    """A stack of ``num_layers`` deep copies of ``decoder_layer``, then ``norm`` if given."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        if not isinstance(decoder_layer, Module):
            raise TypeError(
                f"TransformerDecoder: decoder_layer must be a Module, got "
                f"{type(decoder_layer).__name__}"
            )
        num_layers = size_arg("TransformerDecoder", "num_layers", num_layers)
        self.layers = _get_clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        tgt,
        memory,
        tgt_mask=None,
        memory_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        tgt_is_causal=None,
        memory_is_causal=False,
    ):
        """See ``TransformerDecoderLayer.forward``; tgt_is_causal None detects a causal
        tgt_mask. Returns tgt's shape."""
        first = self.layers[0] if len(self.layers) else None
        batch_first = getattr(getattr(first, "self_attn", None), "batch_first", False)
        tgt_is_causal = _detect_is_causal_mask(tgt_mask, tgt_is_causal, _seq_len(tgt, batch_first))
        output = tgt
        for mod in self.layers:
            output = mod(
                output,
                memory,
                tgt_mask=tgt_mask,
                memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=tgt_is_causal,
                memory_is_causal=memory_is_causal,
            )
        if self.norm is not None:
            output = self.norm(output)
        return output


class Transformer(Module):
    """The encoder-decoder Transformer ("Attention Is All You Need"): ``encoder``, a
    TransformerEncoder of num_encoder_layers layers with a final LayerNorm, and ``decoder``, a
    TransformerDecoder of num_decoder_layers layers with a final LayerNorm (or the given
    custom_encoder / custom_decoder). Every parameter with more than one dim is re-drawn with
    xavier_uniform_ (PyTorch's init).

    forward(src (S, N, E), tgt (T, N, E)) -> (T, N, E) (batch first or unbatched likewise).
    """

    def __init__(
        self,
        d_model=512,
        nhead=8,
        num_encoder_layers=6,
        num_decoder_layers=6,
        dim_feedforward=2048,
        dropout=0.1,
        activation=F.relu,
        custom_encoder=None,
        custom_decoder=None,
        layer_norm_eps=1e-5,
        batch_first=False,
        norm_first=False,
        bias=True,
        device=None,
        dtype=None,
        generator=None,
    ):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        layer_args = (
            d_model,
            nhead,
            dim_feedforward,
            dropout,
            activation,
            layer_norm_eps,
            batch_first,
            norm_first,
            bias,
        )
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(*layer_args, generator=generator, **kw)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
            self.encoder = TransformerEncoder(layer, num_encoder_layers, norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TransformerDecoderLayer(*layer_args, generator=generator, **kw)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
            self.decoder = TransformerDecoder(layer, num_decoder_layers, norm)
        self._reset_parameters(generator)
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(
        self,
        src,
        tgt,
        src_mask=None,
        tgt_mask=None,
        memory_mask=None,
        src_key_padding_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        src_is_causal=None,
        tgt_is_causal=None,
        memory_is_causal=False,
    ):
        """src: (S, N, E), tgt: (T, N, E) ((N, S, E), (N, T, E) with batch_first; (S, E), (T, E)
        unbatched). Masks as TransformerEncoder and TransformerDecoder. Returns (T, N, E)."""
        name = type(self).__name__
        ss, ts = tuple(src.shape), tuple(tgt.shape)
        b = 0 if self.batch_first else 1
        if len(ss) == 3 and len(ts) == 3 and ss[b] != ts[b]:
            raise ShapeError(
                f"{name}: the batch number of src and tgt must be equal, got shapes {ss} and "
                f"{ts} (batch_first={self.batch_first})"
            )
        if ss[-1] != self.d_model or ts[-1] != self.d_model:
            raise ShapeError(
                f"{name}: the feature number of src and tgt must be equal to d_model="
                f"{self.d_model}, got shapes {ss} and {ts}"
            )
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        return self.decoder(
            tgt,
            memory,
            tgt_mask=tgt_mask,
            memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """A float (sz, sz) mask: -inf above the diagonal (position i may not see j > i), 0
        on and below it. dtype: the default float dtype when None."""
        return _generate_square_subsequent_mask(
            size_arg("generate_square_subsequent_mask", "sz", sz), device, dtype
        )

    def _reset_parameters(self, generator=None):
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p, generator=generator)
