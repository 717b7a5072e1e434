"""``DataLoader``: batches of a dataset, shuffled reproducibly, optionally prefetched in a thread.

loader = DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True, drop_last=False)
for epoch in range(10):
    for xb, yb in loader:            # xb: (64, ...) Tensor, yb: (64,) Tensor; last batch smaller
        ...

Seeds: each epoch (each ``iter(loader)``) draws one seed from ``generator`` (a
``numpy.random.Generator``; default the global autograd generator, so ``autograd.manual_seed``
fixes it), with or without shuffle. The shuffle permutes the indices with it, and dataset code
that samples draws from generators derived from it (see ``DataLoader``). ``state_dict()``
records the epoch, the position inside it and that seed, so a run resumed from a checkpoint
sees the same batches.
"""

from __future__ import annotations

import collections.abc as cabc
import functools
import math
import numbers
import queue
import threading
import weakref

import numpy as np

from autograd import dtypes as _dt
from autograd import random as _random
from autograd.errors import ShapeError
from autograd.tensor import Tensor

from .dataset import batch_fetcher

__all__ = ["DataLoader", "default_collate"]


# -- collate ---------------------------------------------------------------------------------


def _is_array(x) -> bool:
    return isinstance(x, np.ndarray) or type(x).__module__.startswith("cupy")


def _stack(arrays, where: str):
    shapes = {tuple(a.shape) for a in arrays}
    if len(shapes) > 1:
        raise ShapeError(
            f"collate: samples{where} have different shapes {sorted(shapes)}; they cannot be "
            "stacked into one batch (pad them, or pass a collate_fn)"
        )
    if type(arrays[0]) is np.ndarray:
        return Tensor(np.stack(arrays))
    from backends import array_module

    return Tensor(array_module(arrays[0]).stack(arrays))


def _collate_numbers(samples, where):
    """Scalars (Python or NumPy) as one tensor whose dtype fits them all: bool, int64, or the
    default float dtype for Python floats (NumPy scalars keep their promoted dtype)."""
    if not all(isinstance(s, (numbers.Number, np.generic)) for s in samples):
        raise TypeError(f"collate: samples{where} mix numbers and other types")
    if all(isinstance(s, np.generic) for s in samples):
        return Tensor(np.array(samples, dtype=np.result_type(*samples)))
    if all(isinstance(s, (bool, np.bool_)) for s in samples):
        return Tensor(np.array(samples, dtype=np.bool_))
    if all(isinstance(s, (numbers.Integral, np.integer)) for s in samples):
        return Tensor(np.array(samples, dtype=np.int64))
    return Tensor(np.array(samples, dtype=_dt.get_default_dtype()))


def default_collate(samples, _where: str = ""):
    """Merge a list of samples into one batch, field by field.

    Tensors and arrays of shape S -> a Tensor (B, *S) (dtype and device kept); Python floats ->
    a (B,) Tensor of the default float dtype; ints -> int64; bools -> bool; numpy scalars keep
    their dtype; str / bytes -> a list; tuples, lists, namedtuples and dicts -> the same
    container of collated fields. Samples of unequal shapes raise a ShapeError naming the field.
    """
    if not isinstance(samples, (list, tuple)) or not samples:
        raise ValueError("collate: expected a non-empty list of samples")
    elem = samples[0]
    if isinstance(elem, Tensor):
        return _stack(
            [s._data if isinstance(s, Tensor) else np.asarray(s) for s in samples], _where
        )
    if _is_array(elem):
        return _stack(samples, _where)
    if isinstance(elem, (str, bytes)):  # before np.generic: numpy.str_ is a str
        return list(samples)
    if isinstance(elem, (numbers.Number, np.generic)):
        return _collate_numbers(samples, _where)
    if isinstance(elem, cabc.Mapping):
        keys = list(elem)
        for s in samples:
            if not isinstance(s, cabc.Mapping) or set(s) != set(keys):
                raise ValueError(f"collate: dict samples{_where} have different keys")
        out = {k: default_collate([s[k] for s in samples], f"{_where}[{k!r}]") for k in keys}
        return out if type(elem) is dict else _rebuild(type(elem), out)
    if isinstance(elem, (tuple, list)):
        n = len(elem)
        if any(len(s) != n for s in samples):
            raise ValueError(f"collate: samples{_where} are sequences of different lengths")
        fields = [default_collate(list(f), f"{_where}[{i}]") for i, f in enumerate(zip(*samples))]
        if isinstance(elem, tuple) and hasattr(elem, "_fields"):
            return type(elem)(*fields)
        return tuple(fields) if isinstance(elem, tuple) else fields
    raise TypeError(
        f"collate: samples{_where} of type {type(elem).__name__} cannot be batched; expected "
        "Tensors, arrays, numbers, str, or tuples / lists / dicts of them (or pass a collate_fn)"
    )


def _rebuild(cls, d):
    try:
        return cls(d)
    except Exception:
        return d


def _to_device(batch, device):
    if isinstance(batch, Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return type(batch)((k, _to_device(v, device)) for k, v in batch.items())
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):
        return type(batch)(*(_to_device(v, device) for v in batch))
    if isinstance(batch, (tuple, list)):
        return type(batch)(_to_device(v, device) for v in batch)
    return batch


# -- the loader --------------------------------------------------------------------------------


class _Progress:
    """Where the latest epoch is: its index, its shuffle seed and how many batches were yielded."""

    __slots__ = ("epoch", "seed", "done")

    def __init__(self, epoch, seed, done):
        self.epoch, self.seed, self.done = epoch, seed, done


def _batch_generator(seed: int, k: int) -> np.random.Generator:
    """Batch k's own generator: child k of the epoch's seed (made only if dataset code samples)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(k,))))


class DataLoader:
    """Iterate over ``dataset`` in batches.

    dataset: a map-style dataset (``len`` and ``ds[i]``), e.g. ``TensorDataset(X, y)``.
    batch_size: samples per batch (>= 1). shuffle: a new random order each epoch.
    drop_last: drop the last batch when it is smaller than ``batch_size``.
    collate_fn: merges a list of samples into a batch (default ``default_collate``: Tensors of
    shape (B, ...)). Datasets with a vectorised ``get_batch(indices)`` (``TensorDataset`` and
    ``Subset`` s of it) are batched with one fancy index per field when collate_fn is None.
    generator: a ``numpy.random.Generator`` for the epoch seeds; default the global autograd
    generator (one draw per epoch, shuffled or not, so ``autograd.manual_seed`` fixes the order
    and the dataset's random draws).
    prefetch: when > 0, a background thread prepares up to that many batches ahead (useful when
    loading or collating is slow). The thread stops when the epoch ends, when the iterator is
    closed (``it.close()``) or garbage-collected, e.g. after a ``break``. The batches, random
    augmentations included, are the same as with prefetch=0 (see below).
    device: when given (``'cpu'``, ``'cuda'``), every Tensor of a batch is moved there.

    Randomness in dataset code: while batch k of an epoch is fetched (``dataset[i]`` or
    ``get_batch`` and ``collate_fn``, in the main thread or the prefetch thread), sampling given
    no generator (``autograd.rand`` / ``randn``, dropout, ``nn.data`` augmentations, ...) draws
    from a generator of that batch alone, seeded from the epoch's seed and k, not from the
    global autograd generator. So the same seed gives the same data with prefetch=0 or > 0,
    however long the training step takes and whatever it samples, and a run resumed mid-epoch
    sees the same augmentations. Not covered: NumPy's legacy ``np.random.*`` functions, Python's
    ``random``, generators the dataset holds itself; ``autograd.manual_seed`` and
    ``get_rng_state`` called in dataset code still act on the global generator.

    ``len(loader)`` is the number of batches per epoch. ``state_dict()`` / ``load_state_dict()``
    save and restore the epoch, the position inside it and the shuffle state (see there).
    """

    def __init__(
        self,
        dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        collate_fn=None,
        generator=None,
        prefetch: int = 0,
        device=None,
    ):
        if (
            not isinstance(batch_size, numbers.Integral)
            or isinstance(batch_size, bool)
            or (batch_size < 1)
        ):
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        if not isinstance(prefetch, numbers.Integral) or isinstance(prefetch, bool) or prefetch < 0:
            raise ValueError(f"DataLoader: prefetch must be an int >= 0, got {prefetch!r}")
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError(
                "DataLoader: generator must be a numpy.random.Generator, got "
                f"{type(generator).__name__}"
            )
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError("DataLoader: collate_fn must be callable")
        len(dataset)  # a map-style dataset is required
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.generator = generator
        self.prefetch = int(prefetch)
        self.device = device
        self._next_epoch = 0
        self._progress: _Progress | None = None
        self._resume: tuple | None = None

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _fetcher(self, order: np.ndarray, seed: int):
        """``fetch(k) -> batch k`` of an epoch whose sample order is ``order``; dataset code
        samples from batch k's own generator (child k of ``seed``), whichever thread runs it."""
        bs, ds, device = self.batch_size, self.dataset, self.device
        fast = batch_fetcher(ds) if self.collate_fn is None else None
        collate = self.collate_fn or default_collate

        def fetch(k):
            idx = order[k * bs : (k + 1) * bs]
            with _random.thread_generator(functools.partial(_batch_generator, seed, k)):
                batch = fast(idx) if fast is not None else collate([ds[int(i)] for i in idx])
            return batch if device is None else _to_device(batch, device)

        return fetch

    def __iter__(self):
        n = len(self.dataset)
        if self._resume is not None:
            epoch, seed, start = self._resume
            self._resume = None
        else:
            epoch, seed, start = self._next_epoch, None, 0
        if seed is None:  # a new epoch (or a resumed one whose seed was not recorded)
            seed = int(_random.gen(self.generator).integers(2**63))
        self._next_epoch = epoch + 1
        order = np.random.default_rng(seed).permutation(n) if self.shuffle else np.arange(n)
        progress = _Progress(epoch, seed, start)
        self._progress = progress
        return _LoaderIter(self._fetcher(order, seed), start, len(self), progress, self.prefetch)

    # -- checkpointing ---------------------------------------------------------------------------

    def state_dict(self) -> dict:
        """``{"epoch", "batch", "seed", "shuffle", "generator", "num_samples", "batch_size"}``.

        epoch: the epoch the next batch belongs to (0-based); batch: how many of its batches
        were already yielded; seed: that epoch's seed (None between epochs, i.e. before its
        ``iter()``); generator: this loader's own generator state (None when it uses the global
        one: save ``autograd.get_rng_state()`` beside it). Safe to call inside the loop, also
        right after ``iter()``: it describes the position after the batch just yielded. Plain
        ints, bools, strs and dicts.
        """
        nb = len(self)
        if self._resume is not None:
            epoch, seed, done = self._resume
        elif self._progress is None or self._progress.done >= nb:
            epoch, seed, done = self._next_epoch, None, 0
        else:
            p = self._progress
            epoch, seed, done = p.epoch, p.seed, p.done
        return {
            "epoch": int(epoch),
            "batch": int(done),
            "seed": seed,
            "shuffle": self.shuffle,
            "generator": None if self.generator is None else self.generator.bit_generator.state,
            "num_samples": len(self.dataset),
            "batch_size": self.batch_size,
        }

    def load_state_dict(self, state: dict) -> None:
        """Restore ``state_dict()``: the next ``iter(loader)`` continues that epoch at that batch.

        Checked in full first (ValueError naming the problem), so a bad state changes nothing.
        """
        if not isinstance(state, cabc.Mapping):
            raise TypeError(f"DataLoader.load_state_dict: expected a dict, got {type(state)}")
        missing = {"epoch", "batch", "seed"} - set(state)
        if missing:
            raise ValueError(f"DataLoader.load_state_dict: missing keys {sorted(missing)}")
        epoch, done, seed = state["epoch"], state["batch"], state["seed"]
        nb = len(self)
        for name, v in (("epoch", epoch), ("batch", done)):
            if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 0:
                raise ValueError(
                    f"DataLoader.load_state_dict: {name} must be an int >= 0, got {v!r}"
                )
        n = state.get("num_samples", len(self.dataset))
        if n != len(self.dataset) or state.get("batch_size", self.batch_size) != self.batch_size:
            raise ValueError(
                f"DataLoader.load_state_dict: the state is for {n} samples in batches of "
                f"{state.get('batch_size')}, this loader has {len(self.dataset)} in batches of "
                f"{self.batch_size}"
            )
        if done > nb:
            raise ValueError(
                f"DataLoader.load_state_dict: batch {done} is past the {nb} batches of an epoch"
            )
        if seed is not None and (
            not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0
        ):
            raise ValueError(f"DataLoader.load_state_dict: seed must be an int >= 0, got {seed!r}")
        shuffle = state.get("shuffle", self.shuffle if seed is None else True)  # older states
        if not isinstance(shuffle, (bool, np.bool_)):
            raise ValueError(f"DataLoader.load_state_dict: shuffle must be a bool, got {shuffle!r}")
        if bool(shuffle) != self.shuffle:
            raise ValueError(
                f"DataLoader.load_state_dict: the state was saved from a loader with "
                f"shuffle={bool(shuffle)}, this one has shuffle={self.shuffle}"
            )
        if self.shuffle and seed is None and done > 0:
            raise ValueError("DataLoader.load_state_dict: a mid-epoch position needs its seed")
        gstate = state.get("generator")
        if (gstate is None) != (self.generator is None):
            raise ValueError(
                "DataLoader.load_state_dict: the state was saved from a loader "
                f"{'without' if gstate is None else 'with'} its own generator, this one "
                f"{'has' if self.generator is not None else 'has none'}"
            )
        if gstate is not None:
            probe = type(self.generator.bit_generator)()
            try:
                probe.state = gstate
            except (TypeError, ValueError, KeyError) as e:
                raise ValueError(f"DataLoader.load_state_dict: bad generator state: {e}") from e
            self.generator.bit_generator.state = gstate
        self._progress = None
        if done < nb and (done > 0 or seed is not None):
            # mid-epoch, or right after that epoch's iter() drew its seed (batch 0): continue
            # that epoch with that seed; the saved generator state is already past its draw
            self._resume = (int(epoch), None if seed is None else int(seed), int(done))
            self._next_epoch = int(epoch)
        else:
            self._resume = None
            self._next_epoch = int(epoch) + (1 if done == nb and done > 0 else 0)


# -- iteration, with an optional producer thread ---------------------------------------------------

_END = object()


class _Failure:
    __slots__ = ("exc",)

    def __init__(self, exc):
        self.exc = exc


def _produce(fetch, start, stop, q, stop_event):
    """Producer thread: put batches ``start..stop-1`` then _END (or the exception) into ``q``."""
    item = _END
    try:
        for k in range(start, stop):
            if stop_event.is_set():
                return
            batch = fetch(k)
            if not _put(q, batch, stop_event):
                return
    except BaseException as e:  # handed to the consumer, which re-raises it
        item = _Failure(e)
    _put(q, item, stop_event)


def _put(q, item, stop_event) -> bool:
    while not stop_event.is_set():
        try:
            q.put(item, timeout=0.05)
            return True
        except queue.Full:
            continue
    return False


def _shutdown(stop_event, q, thread):
    stop_event.set()
    try:
        while True:
            q.get_nowait()
    except queue.Empty:
        pass
    if thread is not threading.current_thread():
        thread.join(timeout=5.0)


class _LoaderIter:
    """One epoch's iterator; ``close()`` (or dropping it) stops its prefetch thread."""

    def __init__(self, fetch, start, stop, progress, prefetch):
        self._fetch = fetch
        self._k = start
        self._stop = stop
        self._progress = progress
        self._thread = None
        if prefetch > 0 and start < stop:
            self._queue = queue.Queue(maxsize=prefetch)
            stop_event = threading.Event()
            self._thread = threading.Thread(
                target=_produce,
                args=(fetch, start, stop, self._queue, stop_event),
                name="tapegrad-DataLoader-prefetch",
                daemon=True,
            )
            self._thread.start()
            self._finalizer = weakref.finalize(
                self, _shutdown, stop_event, self._queue, self._thread
            )

    def __iter__(self):
        return self

    def __len__(self) -> int:
        return self._stop - self._k

    def __next__(self):
        if self._k >= self._stop:
            self.close()
            raise StopIteration
        if self._thread is None:
            batch = self._fetch(self._k)
        else:
            while True:
                try:
                    batch = self._queue.get(timeout=0.1)
                    break
                except queue.Empty:
                    if not self._thread.is_alive() and self._queue.empty():
                        raise RuntimeError(
                            "DataLoader: the prefetch thread stopped unexpectedly"
                        ) from None
            if batch is _END:
                self.close()
                raise StopIteration
            if isinstance(batch, _Failure):
                self._k = self._stop
                self.close()
                raise batch.exc
        self._k += 1
        self._progress.done = self._k
        return batch

    def close(self) -> None:
        """Stop the prefetch thread (if any) and wait for it; ``next`` then raises StopIteration."""
        self._k = self._stop
        if self._thread is not None:
            self._finalizer()
