"""The loading thread of ``DataLoader``: ``WorkerInfo`` / ``get_worker_info`` (what a
``worker_init_fn`` sees), an epoch's progress, and the epoch iterator with its optional
producer (prefetch) thread. Moved verbatim from ``loader.py``, which re-exports every name.
"""

from __future__ import annotations

import queue
import threading
import time
import weakref

# -- workers ---------------------------------------------------------------------------------


class WorkerInfo:
    """What ``get_worker_info()`` returns inside a ``worker_init_fn``: the loading thread is
    worker ``id`` 0 of ``num_workers`` 1; ``seed`` is the epoch's seed; ``dataset`` is the
    loader's dataset itself (not a copy, as a worker process would have)."""

    __slots__ = ("id", "num_workers", "seed", "dataset")

    def __init__(self, id, num_workers, seed, dataset):
        self.id, self.num_workers, self.seed, self.dataset = id, num_workers, seed, dataset

    def __repr__(self) -> str:
        return f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed})"


_worker = threading.local()  # .info: set while a worker_init_fn runs


def get_worker_info() -> WorkerInfo | None:
    """None: there are no worker processes (``IterableDataset.__iter__`` code written for
    PyTorch takes its single-process branch and yields everything once). Inside a
    ``worker_init_fn`` only, a ``WorkerInfo`` (worker 0 of 1), as PyTorch guarantees there."""
    return getattr(_worker, "info", None)


# -- iteration, with an optional producer thread ---------------------------------------------------


class _Progress:
    """Where the latest epoch is: its index, its seed, how many batches were yielded, and
    whether its iterator ran out (an epoch's length is not always known in advance)."""

    __slots__ = ("epoch", "seed", "done", "finished")

    def __init__(self, epoch, seed, done):
        self.epoch, self.seed, self.done, self.finished = epoch, seed, done, False


_END = object()


class _Failure:
    __slots__ = ("exc",)

    def __init__(self, exc):
        self.exc = exc


def _produce(fetch, start, stop, q, stop_event):
    """Producer thread: put batches ``start..stop-1`` (stop None: until ``fetch`` raises
    StopIteration) then _END (or the exception) into ``q``."""
    item = _END
    try:
        k = start
        while stop is None or k < stop:
            if stop_event.is_set():
                return
            try:
                batch = fetch(k)
            except StopIteration:
                break
            if not _put(q, batch, stop_event):
                return
            k += 1
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
    """One epoch's iterator; ``close()`` (or dropping it) stops its prefetch thread.

    Batches ``start, start + 1, ...`` until ``stop`` (None: until ``fetch`` raises
    StopIteration); ``length``: the epoch's number of batches when known (for ``len``).
    timeout > 0: seconds to wait for the prefetch thread's next batch before a RuntimeError."""

    def __init__(self, fetch, start, stop, length, progress, prefetch, timeout=0):
        self._fetch = fetch
        self._k = start
        self._stop = stop
        self._length = length
        self._progress = progress
        self._timeout = timeout
        self._done = False
        self._thread = None
        if prefetch > 0 and (stop is None or start < stop):
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
        """Batches left in this epoch (TypeError when the sampler or dataset has no len)."""
        if self._done:
            return 0
        if self._length is None:
            raise TypeError("this DataLoader's sampler or dataset has no len()")
        return max(self._length - self._k, 0)

    def _end(self):
        self._progress.finished = True
        self.close()
        raise StopIteration

    def __next__(self):
        if self._done:
            raise StopIteration
        if self._stop is not None and self._k >= self._stop:
            self._end()
        if self._thread is None:
            try:
                batch = self._fetch(self._k)
            except StopIteration:
                self._end()
        else:
            batch = self._get()
            if batch is _END:
                self._end()
            if isinstance(batch, _Failure):
                self.close()
                raise batch.exc
        self._k += 1
        self._progress.done = self._k
        return batch

    def _get(self):
        """The prefetch thread's next item, waiting at most ``timeout`` seconds if > 0."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = 0.1 if deadline is None else min(0.1, max(deadline - time.monotonic(), 0.0))
            try:
                return self._queue.get(timeout=wait)
            except queue.Empty:
                if not self._thread.is_alive() and self._queue.empty():
                    raise RuntimeError(
                        "DataLoader: the prefetch thread stopped unexpectedly"
                    ) from None
                if deadline is not None and time.monotonic() >= deadline:
                    raise RuntimeError(
                        f"DataLoader timed out after {self._timeout} seconds"
                    ) from None

    def close(self) -> None:
        """Stop the prefetch thread (if any) and wait for it; ``next`` then raises StopIteration."""
        self._done = True
        if self._thread is not None:
            self._finalizer()
