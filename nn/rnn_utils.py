"""Sequence helpers for recurrent models, exposed as ``nn.utils.rnn`` (as ``torch.nn.utils.rnn``).

batch = nn.utils.rnn.pad_sequence([a, b, c])    # a: (L_a, *), ... -> (max L, 3, *)
"""

from __future__ import annotations

import autograd as ag
from autograd import ShapeError, Tensor

__all__ = ["pad_sequence"]


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:  # fmt: skip
    """Pad a list of variable-length sequences to the longest one and stack them.

    sequences: a list of Tensors of shapes (L_i, *), the trailing dims * equal for all (or a
    Tensor (B, L, *), taken as its B rows). Returns (max L, B, *), or (B, max L, *) with
    batch_first; the gap is filled with padding_value after each sequence (padding_side
    'right') or before it ('left'). The dtype is the sequences' promoted dtype. Differentiable:
    gradients flow back to every sequence (the padding gets none).
    """
    op = "pad_sequence"
    if padding_side not in ("left", "right"):
        raise ValueError(f"{op}: padding_side must be 'left' or 'right', got {padding_side!r}")
    if isinstance(sequences, Tensor):
        sequences = [sequences[i] for i in range(sequences.shape[0])]
    seqs = list(sequences)
    if not seqs:
        raise ValueError(f"{op}: received an empty list of sequences")
    for i, s in enumerate(seqs):
        if not isinstance(s, Tensor):
            raise TypeError(f"{op}: sequence {i} is a {type(s).__name__}, expected a Tensor")
        if s.ndim == 0:
            raise ShapeError(f"{op}: sequence {i} is 0-d; expected shape (L, *)")
    trailing = tuple(seqs[0].shape[1:])
    for i, s in enumerate(seqs):
        if tuple(s.shape[1:]) != trailing:
            raise ShapeError(
                f"{op}: sequence {i} has shape {tuple(s.shape)}, but sequence 0 has shape "
                f"{tuple(seqs[0].shape)}; the dims after the first must match"
            )
    longest = max(s.shape[0] for s in seqs)
    keep = [0, 0] * len(trailing)
    padded = []
    for s in seqs:
        gap = longest - s.shape[0]
        if gap:
            side = [0, gap] if padding_side == "right" else [gap, 0]
            s = ag.pad(s, keep + side, value=padding_value)
        padded.append(s)
    return ag.stack(padded, 0 if batch_first else 1)
