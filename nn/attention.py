"""``nn.MultiheadAttention``, as ``torch.nn.MultiheadAttention``.

Same constructor arguments and defaults, parameter names and shapes (a PyTorch ``state_dict``
loads as is, and back), initialisation, repr and return structure::

    mha = nn.MultiheadAttention(16, 4, batch_first=True)
    out, weights = mha(x, x, x)        # x: (N, L, 16) -> out (N, L, 16), weights (N, L, L)
"""

from __future__ import annotations

import numbers

import autograd as ag

from . import init
from ._args import size_arg
from .functional.attention import _mha
from .linear import Linear
from .module import Module
from .parameter import Parameter

__all__ = ["MultiheadAttention"]


class NonDynamicallyQuantizableLinear(Linear):
    """A plain ``Linear`` under PyTorch's name for the output projection of
    ``MultiheadAttention`` (so reprs and ``type(...).__name__`` match)."""


class MultiheadAttention(Module):
    """Multi-head attention: Concat(head_1, ..., head_h) W_O, head_i = Attention(Q W_i^Q,
    K W_i^K, V W_i^V), each head of size embed_dim // num_heads.

    embed_dim E, num_heads H (dividing E); dropout: on the attention weights in training;
    bias: in_proj_bias and out_proj.bias; add_bias_kv: learned bias_k, bias_v (1, 1, E)
    appended to the keys and values; add_zero_attn: a zero key and value appended; kdim, vdim:
    the key's and value's features (default E); batch_first: (N, L, E) instead of (L, N, E).

    Parameters (PyTorch's names): ``in_proj_weight`` (3E, E) when kdim == vdim == E, else
    ``q_proj_weight`` (E, E), ``k_proj_weight`` (E, kdim), ``v_proj_weight`` (E, vdim), all
    xavier_uniform_; ``in_proj_bias`` (3E,) and ``out_proj.bias`` zeros; ``out_proj.weight``
    (E, E) Linear's default init; ``bias_k``, ``bias_v`` xavier_normal_.
    """

    def __init__(
        self,
        embed_dim,
        num_heads,
        dropout=0.0,
        bias=True,
        add_bias_kv=False,
        add_zero_attn=False,
        kdim=None,
        vdim=None,
        batch_first=False,
        device=None,
        dtype=None,
        generator=None,
    ):
        super().__init__()
        name = "MultiheadAttention"
        embed_dim = size_arg(name, "embed_dim", embed_dim)
        num_heads = size_arg(name, "num_heads", num_heads)
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"{name}: embed_dim and num_heads must be greater than 0, got embed_dim="
                f"{embed_dim} and num_heads={num_heads} instead"
            )
        if embed_dim % num_heads:
            raise ValueError(
                f"{name}: embed_dim must be divisible by num_heads, got embed_dim={embed_dim} "
                f"and num_heads={num_heads}"
            )
        if (
            isinstance(dropout, bool)
            or not isinstance(dropout, numbers.Real)
            or not 0.0 <= dropout <= 1.0
        ):
            raise ValueError(
                f"{name}: dropout probability has to be between 0 and 1, but got {dropout!r}"
            )
        kdim = embed_dim if kdim is None else size_arg(name, "kdim", kdim, 1)
        vdim = embed_dim if vdim is None else size_arg(name, "vdim", vdim, 1)
        self.embed_dim = embed_dim
        self.kdim = kdim
        self.vdim = vdim
        self._qkv_same_embed_dim = kdim == embed_dim and vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        kw = {"dtype": dtype, "device": device}
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(ag.empty(embed_dim, embed_dim, **kw))
            self.k_proj_weight = Parameter(ag.empty(embed_dim, kdim, **kw))
            self.v_proj_weight = Parameter(ag.empty(embed_dim, vdim, **kw))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(ag.empty(3 * embed_dim, embed_dim, **kw))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(ag.empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(
            embed_dim, embed_dim, bias=bias, generator=generator, **kw
        )
        if add_bias_kv:
            self.bias_k = Parameter(ag.empty(1, 1, embed_dim, **kw))
            self.bias_v = Parameter(ag.empty(1, 1, embed_dim, **kw))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters(generator)

    def _reset_parameters(self, generator=None) -> None:
        """PyTorch's init: xavier_uniform_ projections, zero biases, xavier_normal_ bias_k/v."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight, generator=generator)
        else:
            init.xavier_uniform_(self.q_proj_weight, generator=generator)
            init.xavier_uniform_(self.k_proj_weight, generator=generator)
            init.xavier_uniform_(self.v_proj_weight, generator=generator)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k, generator=generator)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v, generator=generator)

    def forward(
        self,
        query,
        key,
        value,
        key_padding_mask=None,
        need_weights=True,
        attn_mask=None,
        average_attn_weights=True,
        is_causal=False,
    ):
        """Attend from query to key/value.

        query: (L, N, E) ((N, L, E) with batch_first) or unbatched (L, E); key: (S, N, kdim),
        value: (S, N, vdim) (likewise). key_padding_mask: (N, S) or (S,), bool (True = ignore
        that key) or float (added); attn_mask: (L, S) or (N * num_heads, L, S) ((num_heads,
        L, S) unbatched), bool (True = not allowed) or float (added). is_causal: a hint that
        attn_mask is the causal mask (it must be given).

        Returns (attn_output shaped as query with E features, attn_weights): the weights
        (N, L, S) averaged over heads, (N, num_heads, L, S) when not average_attn_weights,
        without N unbatched, or None when not need_weights. A query whose keys are all masked
        gets NaN with need_weights and zeros without (as PyTorch).
        """
        return _mha(
            query,
            key,
            value,
            self.embed_dim,
            self.num_heads,
            self.in_proj_weight,
            self.in_proj_bias,
            self.bias_k,
            self.bias_v,
            self.add_zero_attn,
            self.dropout,
            self.out_proj.weight,
            self.out_proj.bias,
            self.training,
            key_padding_mask,
            need_weights,
            attn_mask,
            not self._qkv_same_embed_dim,
            self.q_proj_weight,
            self.k_proj_weight,
            self.v_proj_weight,
            None,
            None,
            average_attn_weights,
            is_causal,
            self.batch_first,
            f"MultiheadAttention(embed_dim={self.embed_dim}, num_heads={self.num_heads})",
        )

    def __setstate__(self, state):
        state.setdefault("_qkv_same_embed_dim", True)
        super().__setstate__(state)
