"""Sequence helpers for recurrent models, exposed as ``nn.utils.rnn`` (as ``torch.nn.utils.rnn``).

batch = nn.utils.rnn.pad_sequence([a, b, c])    # a: (L_a, *), ... -> (max L, 3, *)
packed = nn.utils.rnn.pack_padded_sequence(batch, [5, 2, 3], enforce_sorted=False)
out, h_n = nn.GRU(4, 8)(packed)                 # out: a PackedSequence, h_n: (1, 3, 8)
y, lengths = nn.utils.rnn.pad_packed_sequence(out)  # y: (5, 3, 8), lengths: [5, 2, 3]

A ``PackedSequence`` keeps only the valid steps, time-major: ``data`` (sum(lengths), *) holds
step 0 of every sequence (longest first), then step 1 of those still running, and so on;
``batch_sizes[t]`` counts the sequences running at step t. Packing and unpacking are gathers
(``index_select``), so gradients flow both ways, to any order.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

import autograd as ag
from autograd import ShapeError, Tensor

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpad_sequence",
    "pack_sequence",
    "unpack_sequence",
]

_PackedSequence = namedtuple(
    "PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"]
)


class PackedSequence(_PackedSequence):
    """A batch of variable-length sequences with the padding left out (a namedtuple).

    data: (sum(lengths), *), the valid steps time-major (step t of the sequences still running,
    longest first, then step t + 1); batch_sizes: int64 CPU Tensor (T,), non-increasing, how
    many sequences run at step t (T the longest length); sorted_indices: int64 Tensor (B,) on
    data's device, original batch index of each column in length order (None when the batch
    was already sorted); unsorted_indices: its inverse (computed when omitted). Made by
    ``pack_padded_sequence`` / ``pack_sequence``, and by the recurrent layers given one.
    ``PackedSequence((data, batch_sizes))`` also works, as in torch.
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise TypeError(
                    "PackedSequence: without batch_sizes, data must be a pair (data, "
                    f"batch_sizes), got {type(data).__name__}"
                )
            data, batch_sizes = data
        if not isinstance(batch_sizes, Tensor):
            batch_sizes = ag.tensor(np.asarray(batch_sizes, dtype=np.int64))
        elif batch_sizes.device != "cpu":
            raise ValueError(
                "PackedSequence: batch_sizes should always be on CPU, got it on "
                f"{batch_sizes.device}. Make PackedSequences with pack_sequence or "
                "pack_padded_sequence in nn.utils.rnn."
            )
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        """``data.to(*args, **kwargs)`` (device and/or dtype, differentiable); the indices
        follow data's device, batch_sizes stays on the CPU. Returns self when data is already
        there."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        dev = data.device

        def move(t):
            return None if t is None else t.to(dev)

        return type(self)(
            data, self.batch_sizes, move(self.sorted_indices), move(self.unsorted_indices)
        )

    def cpu(self) -> PackedSequence:
        """This sequence with data (and the indices) on the CPU."""
        return self.to("cpu")

    def cuda(self, device=None) -> PackedSequence:
        """This sequence with data (and the indices) on GPU ``device``."""
        return self.to("cuda" if device is None else f"cuda:{int(device)}")

    def double(self) -> PackedSequence:
        """data cast to float64."""
        return self.to(ag.float64)

    def float(self) -> PackedSequence:
        """data cast to float32."""
        return self.to(ag.float32)

    def half(self) -> PackedSequence:
        """data cast to float16."""
        return self.to(np.float16)

    def long(self) -> PackedSequence:
        """data cast to int64 (no gradient)."""
        return self.to(np.int64)

    def int(self) -> PackedSequence:
        """data cast to int32 (no gradient)."""
        return self.to(np.int32)

    @property
    def is_cuda(self) -> bool:
        """True when data lives on a GPU."""
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        """False: tapegrad has no pinned host memory."""
        return False


def invert_permutation(permutation):
    """The inverse of a permutation: (B,) int Tensor -> (B,) int64 Tensor on its device, with
    out[permutation[i]] = i; None for None."""
    if permutation is None:
        return None
    perm = _host_ints(permutation)
    inv = np.empty_like(perm)
    inv[perm] = np.arange(perm.size)
    return ag.tensor(inv, device=_device(permutation))


# -- helpers: the packed layout as index arrays (host NumPy, int64) ------------------------------


def _device(t):
    return t.device if isinstance(t, Tensor) else "cpu"


def _host_ints(t):
    """A Tensor, array or list of integers as a host int64 array."""
    if isinstance(t, Tensor):
        t = t.detach().cpu().numpy()
    elif hasattr(t, "get") and not isinstance(t, np.ndarray):  # a cupy array
        t = t.get()
    return np.asarray(t).astype(np.int64, copy=False)


def _steps(bs):
    """For each packed row k: its step t and its place j (in length order) among the
    sequences running at t. bs: (T,) batch sizes -> (t, j), each (sum(bs),)."""
    t = np.repeat(np.arange(bs.size), bs)
    j = np.arange(t.size) - np.repeat(np.cumsum(bs) - bs, bs)
    return t, j


def _sorted_lengths(bs):
    """The lengths in length order (B,) from the batch sizes (T,): steps with more than j
    sequences running."""
    return (bs[None, :] > np.arange(bs[0])[:, None]).sum(1)


def _batch_sizes(op, seq):
    """seq's batch sizes as a host array (T,), after checking seq is a valid PackedSequence."""
    if not isinstance(seq, PackedSequence):
        raise TypeError(f"{op}: expected a PackedSequence, got {type(seq).__name__}")
    if not isinstance(seq.data, Tensor):
        raise TypeError(f"{op}: PackedSequence data must be a Tensor, got {type(seq.data)}")
    bs = _host_ints(seq.batch_sizes).reshape(-1)
    if bs.size == 0 or bs.min() <= 0 or (np.diff(bs) > 0).any():
        raise ValueError(
            f"{op}: batch_sizes must be a non-empty, non-increasing run of positive counts, "
            f"got {bs.tolist()}"
        )
    if seq.data.ndim == 0 or seq.data.shape[0] != bs.sum():
        raise ShapeError(
            f"{op}: PackedSequence data has shape {tuple(seq.data.shape)}, but batch_sizes "
            f"{bs.tolist()} sum to {int(bs.sum())} rows"
        )
    return bs


def _lengths_arg(op, lengths):
    """lengths (Tensor, array or list) as a host int64 array (B,)."""
    if not isinstance(lengths, (Tensor, np.ndarray, list, tuple)) and not hasattr(
        lengths, "__array__"
    ):
        raise TypeError(
            f"{op}: lengths must be a 1-D Tensor or a list of ints, got {type(lengths).__name__}"
        )
    lens = _host_ints(lengths)
    if lens.ndim != 1:
        raise ShapeError(f"{op}: lengths must be 1-D, got shape {tuple(lens.shape)}")
    return lens


def _padded(op, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(x).__name__}")
    if x.ndim < 2:
        raise ShapeError(
            f"{op}: input must be (T, B, *) or (B, T, *) with batch_first, got shape "
            f"{tuple(x.shape)}"
        )
    return tuple(x.shape)


# -- pack / pad ----------------------------------------------------------------------------------


def _pack(op, input, lengths, batch_first, enforce_sorted):
    shape = _padded(op, input)
    lens = _lengths_arg(op, lengths)
    steps, batch = (shape[1], shape[0]) if batch_first else (shape[0], shape[1])
    if 0 in shape:
        raise ShapeError(f"{op}: cannot pack empty tensors (input shape {shape})")
    if lens.size != batch:
        raise ShapeError(
            f"{op}: expected len(lengths) to be equal to batch_size, but got {lens.size} "
            f"(batch_size={batch}, input shape {shape}, batch_first={batch_first})"
        )
    if lens.min() <= 0:
        raise ValueError(
            f"{op}: length of all samples has to be greater than 0, got lengths {lens.tolist()}"
        )
    if enforce_sorted and (np.diff(lens) > 0).any():
        raise ValueError(
            f"{op}: `lengths` array must be sorted in decreasing order when `enforce_sorted` "
            f"is True, got {lens.tolist()}. You can pass `enforce_sorted=False` to "
            "pack_padded_sequence and/or pack_sequence to sidestep this requirement."
        )
    if lens.max() > steps:
        raise ShapeError(
            f"{op}: lengths {lens.tolist()} exceed the sequence length {steps} of the input "
            f"(shape {shape}, batch_first={batch_first})"
        )
    order = None if enforce_sorted else np.argsort(-lens, kind="stable")
    sl = lens if order is None else lens[order]
    bs = (sl[None, :] > np.arange(sl[0])[:, None]).sum(1)
    t, j = _steps(bs)
    col = j if order is None else order[j]
    data = input[(col, t) if batch_first else (t, col)]
    sorted_indices = None if order is None else ag.tensor(order, device=input.device)
    return PackedSequence(data, ag.tensor(bs), sorted_indices, None)


def pack_padded_sequence(input, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:  # fmt: skip
    """Pack a padded batch of variable-length sequences.

    input: (T, B, *) ((B, T, *) with batch_first), sequence b valid for its first lengths[b]
    steps; lengths: (B,) ints (a list or a Tensor), each in [1, T], non-increasing unless
    ``enforce_sorted=False`` (then the batch is sorted by length, stably, and the order kept
    in ``sorted_indices``). Returns a PackedSequence, data (sum(lengths), *). Differentiable:
    the padding gets zero gradient.
    """
    return _pack("pack_padded_sequence", input, lengths, batch_first, enforce_sorted)


def pad_packed_sequence(sequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length=None) -> tuple:  # fmt: skip
    """Inverse of ``pack_padded_sequence``: a PackedSequence back to a padded batch.

    sequence: PackedSequence, data (sum(lengths), *). Returns (padded, lengths): padded
    (T, B, *) ((B, T, *) with batch_first), T = total_length or the longest length, the gap
    filled with padding_value, sequences in their original order; lengths (B,) int64 CPU
    Tensor. Differentiable in data.
    """
    op = "pad_packed_sequence"
    bs = _batch_sizes(op, sequence)
    steps = bs.size
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                f"{op}: Expected total_length to be at least the length of the longest "
                f"sequence in input, but got total_length={total_length} and max sequence "
                f"length being {steps}"
            )
        steps = int(total_length)
    data = sequence.data
    total, batch = data.shape[0], int(bs[0])
    lengths = _sorted_lengths(bs)
    pos = np.full((steps, batch), total, dtype=np.int64)  # row `total`: the padding value
    t, j = _steps(bs)
    pos[t, j] = np.arange(total)
    if sequence.unsorted_indices is not None:
        unsorted = _host_ints(sequence.unsorted_indices)
        pos, lengths = pos[:, unsorted], lengths[unsorted]
    if batch_first:
        pos = pos.T
    rest = tuple(data.shape[1:])
    if total < pos.size:
        pad = ag.full((1,) + rest, padding_value, dtype=data.dtype, device=data.device)
        data = ag.cat([data, pad], 0)
    padded = data.index_select(0, pos.reshape(-1)).reshape(pos.shape + rest)
    return padded, ag.tensor(lengths.astype(np.int64))


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of variable-length sequences, each (L_i, *) with the same trailing dims.

    Lengths must be non-increasing unless ``enforce_sorted=False``. Returns a PackedSequence,
    data (sum L_i, *) (as ``pack_padded_sequence(pad_sequence(sequences), lengths)``).
    """
    op = "pack_sequence"
    seqs = list(sequences)
    if not seqs:
        raise ValueError(f"{op}: received an empty list of sequences")
    for i, s in enumerate(seqs):
        if not isinstance(s, Tensor):
            raise TypeError(f"{op}: sequence {i} is a {type(s).__name__}, expected a Tensor")
        if s.ndim == 0:
            raise ShapeError(f"{op}: sequence {i} is 0-d; expected shape (L, *)")
    lengths = [s.shape[0] for s in seqs]
    return _pack(op, pad_sequence(seqs), lengths, False, enforce_sorted)


def unpack_sequence(packed_sequences) -> list:
    """Inverse of ``pack_sequence``: a PackedSequence -> list of B Tensors (L_b, *), in the
    original order. Differentiable in data."""
    op = "unpack_sequence"
    bs = _batch_sizes(op, packed_sequences)
    data = packed_sequences.data
    starts = np.cumsum(bs) - bs  # packed row of step t's first (longest) sequence
    lengths = _sorted_lengths(bs)
    place = np.arange(bs[0])  # column j in length order of original sequence b
    if packed_sequences.unsorted_indices is not None:
        place = _host_ints(packed_sequences.unsorted_indices)
    return [data.index_select(0, starts[: lengths[j]] + j) for j in place]


def unpad_sequence(padded_sequences, lengths, batch_first: bool = False) -> list:
    """Split a padded batch into its sequences: padded (T, B, *) ((B, T, *) with batch_first),
    lengths (B,) ints in [0, T] -> list of B Tensors (lengths[b], *). Differentiable."""
    op = "unpad_sequence"
    x = padded_sequences
    shape = _padded(op, x)
    lens = _lengths_arg(op, lengths)
    steps, batch = (shape[1], shape[0]) if batch_first else (shape[0], shape[1])
    if lens.size != batch:
        raise ShapeError(
            f"{op}: got {lens.size} lengths for a batch of {batch} (input shape {shape}, "
            f"batch_first={batch_first})"
        )
    if lens.size and (lens.min() < 0 or lens.max() > steps):
        raise ShapeError(
            f"{op}: lengths {lens.tolist()} must lie in [0, {steps}], the sequence length of "
            f"the input (shape {shape}, batch_first={batch_first})"
        )
    if batch_first:
        return [x[b, :n] for b, n in enumerate(lens.tolist())]
    return [x[:n, b] for b, n in enumerate(lens.tolist())]


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
