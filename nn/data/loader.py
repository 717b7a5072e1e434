"""``DataLoader``: batches of a dataset, shuffled reproducibly, optionally prefetched in a thread.

loader = DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True, drop_last=False)
for epoch in range(10):
    for xb, yb in loader:            # xb: (64, ...) Tensor, yb: (64,) Tensor; last batch smaller
        ...

loader = DataLoader(ds, batch_size=64, sampler=SubsetRandomSampler(train_idx), num_workers=2)
loader = DataLoader(StreamDataset(), batch_size=64)     # an IterableDataset: in stream order

PyTorch's arguments are accepted (``sampler``, ``batch_sampler``, ``num_workers``,
``pin_memory``, ...; see ``DataLoader``); loading runs in this process, in the caller's thread
or one prefetch thread.

Seeds: each epoch (each ``iter(loader)``) draws one seed from ``generator`` (a
``numpy.random.Generator`` or an int seed; default the global autograd generator, so
``autograd.manual_seed`` fixes it), with or without shuffle. The shuffle permutes the indices
with it, and samplers and dataset code that sample draw from generators derived from it (see
``DataLoader``). ``state_dict()`` records the epoch, the position inside it and that seed, so a
run resumed from a checkpoint sees the same batches.
"""

from __future__ import annotations

import collections.abc as cabc
import functools
import itertools
import math
import numbers

import numpy as np

from autograd import random as _random

# collate and the loading thread live in their own modules; every name is importable from here
from ._loader_collate import (  # noqa: F401
    _collate_numbers,
    _is_array,
    _rebuild,
    _stack,
    _to_device,
    default_collate,
    default_convert,
)
from ._loader_workers import (  # noqa: F401
    _END,
    WorkerInfo,
    _Failure,
    _LoaderIter,
    _produce,
    _Progress,
    _put,
    _shutdown,
    _worker,
    get_worker_info,
)
from .dataset import IterableDataset, batch_fetcher
from .sampler import BatchSampler, RandomSampler, SequentialSampler, as_generator

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info", "WorkerInfo"]


# -- the loader --------------------------------------------------------------------------------


# Spawn keys of an epoch's seed: (k,) is batch k's generator; these two are streams of their own
# (no epoch has 2**40 batches).
_SAMPLER_KEY = 1 << 40
_WORKER_KEY = (1 << 40) + 1


def _child_generator(seed: int, key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))


def _batch_generator(seed: int, k: int) -> np.random.Generator:
    """Batch k's own generator: child k of the epoch's seed (made only if dataset code samples)."""
    return _child_generator(seed, k)


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))


def _len_or_none(obj):
    try:
        return len(obj)
    except (TypeError, NotImplementedError):
        return None


class DataLoader:
    """Iterate over ``dataset`` in batches; ``torch.utils.data.DataLoader``'s arguments.

    dataset: a map-style dataset (``len`` and ``ds[i]``), e.g. ``TensorDataset(X, y)``, or an
    ``IterableDataset`` (batched in iteration order; sampler, batch_sampler and shuffle=True
    are refused, as in PyTorch).
    batch_size: samples per batch (>= 1), or None: no batching, each sample is yielded alone,
    passed through ``collate_fn`` if given, else ``default_convert``.
    shuffle: a new random order each epoch (map-style datasets only).
    sampler: the order of the sample indices (a ``Sampler`` or any iterable of indices, e.g.
    ``SubsetRandomSampler``, ``WeightedRandomSampler``); excludes shuffle. Batched with
    ``BatchSampler(sampler, batch_size, drop_last)``.
    batch_sampler: yields whole batches of indices (lists); excludes batch_size, shuffle,
    sampler and drop_last.
    drop_last: drop the last batch when it is smaller than ``batch_size``.
    collate_fn: merges a list of samples into a batch (default ``default_collate``: Tensors of
    shape (B, ...)). Datasets with a vectorised ``get_batch(indices)`` (``TensorDataset`` and
    ``Subset`` s of it) are batched with one fancy index per field when collate_fn is None.
    generator: a ``numpy.random.Generator`` (or an int seed) for the epoch seeds; default the
    global autograd generator (one draw per epoch, shuffled or not, so ``autograd.manual_seed``
    fixes the order, the samplers' draws and the dataset's random draws).
    prefetch: when > 0, a background thread prepares up to that many batches ahead (useful when
    loading or collating is slow). The thread stops when the epoch ends, when the iterator is
    closed (``it.close()``) or garbage-collected, e.g. after a ``break``. The batches, random
    augmentations included, are the same as with prefetch=0 (see below).
    device: when given (``'cpu'``, ``'cuda'``), every Tensor of a batch is moved there.

    PyTorch's multiprocessing options, mapped onto this process:
    num_workers: > 0 runs the loading in the prefetch thread (one thread, whatever the number:
    no worker processes, so no pickling and no per-worker dataset copies), ``num_workers *
    prefetch_factor`` batches ahead (at least ``prefetch``). The batches are the same as with
    num_workers=0. prefetch_factor: default 2 when num_workers > 0; needs num_workers > 0.
    worker_init_fn: called with worker id 0 in the caller's thread at each ``iter(loader)``
    (once per loader with persistent_workers=True), before the first batch is loaded, only when
    num_workers > 0 (as in PyTorch); ``get_worker_info()`` describes worker 0 of 1 meanwhile,
    and its autograd sampling draws from a generator of the epoch seed.
    persistent_workers: needs num_workers > 0; only says when worker_init_fn runs.
    timeout: seconds to wait for a batch from the loading thread before a RuntimeError; > 0
    needs a thread (num_workers > 0 or prefetch > 0).
    pin_memory, pin_memory_device: accepted and ignored: host memory is not pinned (copies to
    the GPU go through ``device=`` or ``Tensor.to``). multiprocessing_context: accepted (needs
    num_workers > 0, as in PyTorch) and ignored. in_order: accepted; batches always come in
    order.

    Randomness in samplers and dataset code: while batch k of an epoch is fetched
    (``dataset[i]`` or ``get_batch`` and ``collate_fn``, in the main thread or the prefetch
    thread), sampling given no generator (``autograd.rand`` / ``randn``, dropout, ``nn.data``
    augmentations, ...) draws from a generator of that batch alone, seeded from the epoch's
    seed and k, not from the global autograd generator; a sampler given no generator draws from
    one generator of the epoch's seed. So the same seed gives the same data with prefetch or
    num_workers 0 or > 0, however long the training step takes and whatever it samples, and a
    run resumed mid-epoch sees the same order and augmentations. Not covered: NumPy's legacy
    ``np.random.*`` functions, Python's ``random``, generators the dataset or a sampler holds
    itself; ``autograd.manual_seed`` and ``get_rng_state`` called in dataset code still act on
    the global generator.

    ``len(loader)`` is the number of batches per epoch (``len(batch_sampler)``; for an
    IterableDataset from its ``len``, TypeError if it has none). ``state_dict()`` /
    ``load_state_dict()`` save and restore the epoch, the position inside it and the shuffle
    state (see there). ``loader.sampler`` / ``loader.batch_sampler`` are the samplers given, or
    ones describing the default order (``RandomSampler(dataset, generator=generator)`` for
    shuffle=True: same algorithm, its first epoch is the loader's; None for an IterableDataset).
    """

    def __init__(
        self,
        dataset,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler=None,
        batch_sampler=None,
        num_workers: int = 0,
        collate_fn=None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn=None,
        multiprocessing_context=None,
        generator=None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
        prefetch: int = 0,
        device=None,
    ):
        # PyTorch's checks, in its order and words
        if not _is_int(num_workers):
            raise TypeError(f"num_workers option should be an int, got {num_workers!r}")
        if num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; "
                "use num_workers=0 to disable multiprocessing."
            )
        if not isinstance(timeout, numbers.Real) or isinstance(timeout, (bool, np.bool_)):
            raise TypeError(f"timeout option should be a number of seconds, got {timeout!r}")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing. "
                "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor "
                "to None."
            )
        elif num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and (not _is_int(prefetch_factor) or prefetch_factor < 0):
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError(
                "multiprocessing_context can only be used with multi-process loading "
                "(num_workers > 0), but got num_workers=0"
            )
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            if shuffle not in {False, None}:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified shuffle option, but "
                    f"got shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified sampler option, but "
                    f"got sampler={sampler}"
                )
            elif batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler "
                    f"option, but got batch_sampler={batch_sampler}"
                )
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                    "sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None:
            if drop_last:
                raise ValueError(
                    "batch_size=None option disables auto-batching and is mutually exclusive "
                    "with drop_last"
                )
        elif not _is_int(batch_size) or batch_size < 1:
            raise ValueError(
                f"DataLoader: batch_size must be a positive int or None, got {batch_size!r}"
            )
        # this library's own checks
        for name, s in (("sampler", sampler), ("batch_sampler", batch_sampler)):
            if s is not None and not isinstance(s, cabc.Iterable):
                raise TypeError(
                    f"DataLoader: {name} must be a Sampler or an iterable of indices, got "
                    f"{type(s).__name__}"
                )
        if not _is_int(prefetch) or prefetch < 0:
            raise ValueError(f"DataLoader: prefetch must be an int >= 0, got {prefetch!r}")
        generator = as_generator(generator, "DataLoader")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError("DataLoader: collate_fn must be callable")
        if worker_init_fn is not None and not callable(worker_init_fn):
            raise TypeError("DataLoader: worker_init_fn must be callable")
        if not isinstance(pin_memory_device, str):
            raise TypeError(
                f"DataLoader: pin_memory_device must be a str, got {type(pin_memory_device)}"
            )
        depth = max(prefetch, num_workers * prefetch_factor, 1) if num_workers > 0 else prefetch
        if timeout > 0 and depth == 0:
            raise ValueError(
                "DataLoader: timeout > 0 needs a loading thread to time out (num_workers > 0 "
                "or prefetch > 0)"
            )
        if not iterable and sampler is None and batch_sampler is None:
            len(dataset)  # the default order needs a map-style dataset with a len
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = shuffle
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.generator = generator
        self.prefetch = int(prefetch)
        self.device = device
        self.num_workers = int(num_workers)
        self.prefetch_factor = prefetch_factor
        self.pin_memory = bool(pin_memory)
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.persistent_workers = bool(persistent_workers)
        self.in_order = in_order
        self._kind = (
            "iterable"
            if iterable
            else "default"
            if sampler is None and batch_sampler is None
            else "sampler"
        )
        self._sampler = sampler
        self._batch_sampler = batch_sampler
        self._default_sampler = None
        self._index_source = None
        self._depth = depth
        self._workers_started = False
        self._next_epoch = 0
        self._progress: _Progress | None = None
        self._resume: tuple | None = None

    # -- samplers --------------------------------------------------------------------------------

    @property
    def sampler(self):
        """The sampler given, or one describing the default order (None for an IterableDataset)."""
        if self._sampler is not None or self._kind == "iterable":
            return self._sampler
        if self._default_sampler is None:
            if self.shuffle:
                self._default_sampler = RandomSampler(self.dataset, generator=self.generator)
            else:
                self._default_sampler = SequentialSampler(self.dataset)
        return self._default_sampler

    @property
    def batch_sampler(self):
        """The batch sampler given, else ``BatchSampler(sampler, batch_size, drop_last)`` (None
        when batch_size is None or for an IterableDataset)."""
        if self._batch_sampler is not None:
            return self._batch_sampler
        if self.batch_size is None or self._kind == "iterable":
            return None
        return BatchSampler(self.sampler, self.batch_size, self.drop_last)

    def _indices(self):
        """What a sampler-driven epoch iterates: batches of indices, or single indices when
        batch_size is None."""
        if self._index_source is None:
            if self._batch_sampler is not None:
                self._index_source = self._batch_sampler
            elif self.batch_size is None:
                self._index_source = self._sampler
            else:
                self._index_source = BatchSampler(self._sampler, self.batch_size, self.drop_last)
        return self._index_source

    def __len__(self) -> int:
        if self._kind == "sampler":
            return len(self._indices())
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _num_batches(self):
        return _len_or_none(self)

    # -- one epoch -------------------------------------------------------------------------------

    def _finish(self, batch):
        return batch if self.device is None else _to_device(batch, self.device)

    def _one(self, sample):
        """A sample when batch_size is None: through collate_fn, else default_convert."""
        return self.collate_fn(sample) if self.collate_fn is not None else default_convert(sample)

    def _fetcher(self, seed: int):
        """``(fetch, stop)``: ``fetch(k) -> batch k`` of the epoch of ``seed``, called for
        k = start, start + 1, ... in one thread; it raises StopIteration past the end. stop: the
        number of batches when ``fetch`` cannot tell (random-access default order), else None.
        Dataset code samples from batch k's own generator (child k of ``seed``)."""
        if self._kind == "default":
            return self._default_fetcher(seed), len(self)
        if self._kind == "sampler":
            return self._sampler_fetcher(seed), None
        return self._iterable_fetcher(seed), None

    def _default_fetcher(self, seed):
        n, bs, ds = len(self.dataset), self.batch_size, self.dataset
        order = np.random.default_rng(seed).permutation(n) if self.shuffle else np.arange(n)
        if bs is None:

            def fetch(k):
                with _random.thread_generator(functools.partial(_batch_generator, seed, k)):
                    batch = self._one(ds[int(order[k])])
                return self._finish(batch)

            return fetch
        fast = batch_fetcher(ds) if self.collate_fn is None else None
        collate = self.collate_fn or default_collate

        def fetch(k):
            idx = order[k * bs : (k + 1) * bs]
            with _random.thread_generator(functools.partial(_batch_generator, seed, k)):
                batch = fast(idx) if fast is not None else collate([ds[int(i)] for i in idx])
            return self._finish(batch)

        return fetch

    def _sampler_fetcher(self, seed):
        ds, source, batched = self.dataset, self._indices(), self.batch_size is not None
        batched = batched or self._batch_sampler is not None
        fast = batch_fetcher(ds) if batched and self.collate_fn is None else None
        collate = self.collate_fn or default_collate
        sampler_gen = _child_generator(seed, _SAMPLER_KEY)  # the sampler's draws, whole epoch
        state = {"it": None, "next": 0}  # the index iterator, the number of the next batch

        def next_indices():
            with _random.thread_generator(sampler_gen):
                if state["it"] is None:
                    state["it"] = iter(source)
                idx = next(state["it"])
            state["next"] += 1
            return idx

        def fetch(k):
            while state["next"] < k:  # resumed mid-epoch: replay the skipped draws
                next_indices()
            idx = next_indices()
            with _random.thread_generator(functools.partial(_batch_generator, seed, k)):
                if not batched:
                    batch = self._one(ds[idx])
                elif fast is not None:
                    batch = fast(idx)
                else:
                    batch = collate([ds[i] for i in idx])
            return self._finish(batch)

        return fetch

    def _iterable_fetcher(self, seed):
        ds, bs, drop_last = self.dataset, self.batch_size, self.drop_last
        collate = self.collate_fn or default_collate
        state = {"it": None, "next": 0, "ended": False}

        def pull(k, make_batch):
            """Batch k's samples, read under batch k's generator (collated if make_batch)."""
            if state["ended"]:
                raise StopIteration
            with _random.thread_generator(functools.partial(_batch_generator, seed, k)):
                if state["it"] is None:
                    state["it"] = iter(ds)
                if bs is None:
                    try:
                        sample = next(state["it"])
                    except StopIteration:
                        state["ended"] = True
                        raise
                    batch = self._one(sample) if make_batch else None
                else:
                    samples = list(itertools.islice(state["it"], bs))
                    if len(samples) < bs:
                        state["ended"] = True
                    if not samples or (drop_last and len(samples) < bs):
                        raise StopIteration
                    batch = collate(samples) if make_batch else None
            state["next"] += 1
            return batch

        def fetch(k):
            while state["next"] < k:  # resumed mid-epoch: read the skipped samples again
                pull(state["next"], False)
            return self._finish(pull(k, True))

        return fetch

    def _init_worker(self, seed: int) -> None:
        prev = getattr(_worker, "info", None)
        _worker.info = WorkerInfo(0, 1, seed, self.dataset)
        try:
            with _random.thread_generator(functools.partial(_child_generator, seed, _WORKER_KEY)):
                self.worker_init_fn(0)
        finally:
            _worker.info = prev

    def __iter__(self):
        if self._resume is not None:
            epoch, seed, start = self._resume
            self._resume = None
        else:
            epoch, seed, start = self._next_epoch, None, 0
        if seed is None:  # a new epoch (or a resumed one whose seed was not recorded)
            seed = int(_random.gen(self.generator).integers(2**63))
        self._next_epoch = epoch + 1
        fetch, stop = self._fetcher(seed)
        progress = _Progress(epoch, seed, start)
        self._progress = progress
        if self.num_workers > 0 and self.worker_init_fn is not None:
            if not (self.persistent_workers and self._workers_started):
                self._workers_started = True
                self._init_worker(seed)
        return _LoaderIter(
            fetch, start, stop, self._num_batches(), progress, self._depth, self.timeout
        )

    # -- checkpointing ---------------------------------------------------------------------------

    def state_dict(self) -> dict:
        """``{"epoch", "batch", "seed", "shuffle", "generator", "num_samples", "batch_size"}``.

        epoch: the epoch the next batch belongs to (0-based); batch: how many of its batches
        were already yielded; seed: that epoch's seed (None between epochs, i.e. before its
        ``iter()``); generator: this loader's own generator state (None when it uses the global
        one: save ``autograd.get_rng_state()`` beside it). Safe to call inside the loop, also
        right after ``iter()``: it describes the position after the batch just yielded. Plain
        ints, bools, strs and dicts (num_samples None for an IterableDataset without len,
        batch_size None without batching).

        With a sampler or an IterableDataset, resuming mid-epoch replays the epoch's first
        batches of indices (or reads its first samples again) and skips them; that reproduces
        the order when the sampler draws from no generator of its own (a sampler holding one:
        save and restore its ``generator.bit_generator.state`` too).
        """
        nb = self._num_batches()
        p = self._progress
        if self._resume is not None:
            epoch, seed, done = self._resume
        elif p is None or p.finished or (nb is not None and p.done >= nb):
            epoch, seed, done = self._next_epoch, None, 0
        else:
            epoch, seed, done = p.epoch, p.seed, p.done
        return {
            "epoch": int(epoch),
            "batch": int(done),
            "seed": seed,
            "shuffle": self.shuffle,
            "generator": None if self.generator is None else self.generator.bit_generator.state,
            "num_samples": _len_or_none(self.dataset),
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
        nb = self._num_batches()
        for name, v in (("epoch", epoch), ("batch", done)):
            if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 0:
                raise ValueError(
                    f"DataLoader.load_state_dict: {name} must be an int >= 0, got {v!r}"
                )
        n_here = _len_or_none(self.dataset)
        n = state.get("num_samples", n_here)
        if n != n_here or state.get("batch_size", self.batch_size) != self.batch_size:
            raise ValueError(
                f"DataLoader.load_state_dict: the state is for {n} samples in batches of "
                f"{state.get('batch_size')}, this loader has {n_here} in batches of "
                f"{self.batch_size}"
            )
        if nb is not None and done > nb:
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
        if (nb is None or done < nb) and (done > 0 or seed is not None):
            # mid-epoch, or right after that epoch's iter() drew its seed (batch 0): continue
            # that epoch with that seed; the saved generator state is already past its draw
            self._resume = (int(epoch), None if seed is None else int(seed), int(done))
            self._next_epoch = int(epoch)
        else:
            self._resume = None
            self._next_epoch = int(epoch) + (1 if done == nb and done > 0 else 0)
