"""nn.data samplers, IterableDataset and the DataLoader's torch.utils.data options."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import autograd as ag
from nn.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_convert,
    get_worker_info,
    random_split,
)


def _ds(n=10):
    return TensorDataset(np.arange(n, dtype=np.float32), np.arange(n))


def _labels(loader):
    return [yb.numpy().tolist() for _, yb in loader]


def _prefetch_threads():
    return [t for t in threading.enumerate() if t.name == "tapegrad-DataLoader-prefetch"]


# -- samplers --------------------------------------------------------------------------------


def test_sequential_sampler():
    s = SequentialSampler(range(5))
    assert list(s) == [0, 1, 2, 3, 4] and list(s) == [0, 1, 2, 3, 4] and len(s) == 5
    assert list(SequentialSampler([])) == []


def test_random_sampler_without_replacement_is_a_permutation():
    ag.manual_seed(0)
    s = RandomSampler(range(50))
    a, b = list(s), list(s)
    assert len(s) == 50 and sorted(a) == sorted(b) == list(range(50))
    assert a != b  # a new order each iteration
    assert all(type(i) is int for i in a)
    # num_samples > N: whole permutations, then the start of one more
    s = RandomSampler(range(4), num_samples=10, generator=0)
    out = list(s)
    assert len(s) == 10 and len(out) == 10
    assert sorted(out[:4]) == sorted(out[4:8]) == [0, 1, 2, 3]
    assert len(set(out[8:])) == 2
    assert len(list(RandomSampler(range(10), num_samples=3, generator=0))) == 3


def test_random_sampler_with_replacement():
    s = RandomSampler(range(5), replacement=True, num_samples=5000, generator=1)
    out = np.array(list(s))
    assert len(s) == len(out) == 5000 and out.min() == 0 and out.max() == 4
    np.testing.assert_allclose(np.bincount(out) / 5000, 0.2, atol=0.03)
    assert len(list(RandomSampler(range(3), replacement=True))) == 3  # num_samples default N


def test_random_sampler_num_samples_follows_the_dataset():
    data = list(range(3))
    s = RandomSampler(data)
    data.append(3)
    assert len(s) == 4 and sorted(s) == [0, 1, 2, 3]


def test_random_sampler_errors_as_torch():
    with pytest.raises(TypeError, match="replacement should be a boolean value"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(ValueError, match="num_samples=0"):
        RandomSampler([])
    with pytest.raises(TypeError, match="generator"):
        RandomSampler(range(3), generator="seed")


def test_random_samplers_are_reproducible():
    ag.manual_seed(5)
    a = [list(RandomSampler(range(20))) for _ in range(3)]
    ag.manual_seed(5)
    assert [list(RandomSampler(range(20))) for _ in range(3)] == a
    # an int seed: epochs differ, and the same seed repeats the same sequence of epochs
    s1, s2 = RandomSampler(range(20), generator=3), RandomSampler(range(20), generator=3)
    e1 = [list(s1), list(s1)]
    assert e1[0] != e1[1] and [list(s2), list(s2)] == e1
    # an own generator: the autograd seed does not matter, and is not consumed
    ag.manual_seed(1)
    g1 = list(RandomSampler(range(20), generator=np.random.default_rng(9)))
    state = ag.get_rng_state()
    ag.manual_seed(2)
    g2 = list(RandomSampler(range(20), generator=np.random.default_rng(9)))
    assert g1 == g2
    ag.manual_seed(1)
    list(RandomSampler(range(20), generator=np.random.default_rng(9)))
    assert ag.get_rng_state() == state


def test_random_sampler_is_the_loaders_shuffle():
    ds = _ds(20)
    ag.manual_seed(4)
    order = list(RandomSampler(ds))
    ag.manual_seed(4)
    assert sum(_labels(DataLoader(ds, batch_size=6, shuffle=True)), []) == order
    loader = DataLoader(ds, batch_size=6, shuffle=True, generator=np.random.default_rng(7))
    assert isinstance(loader.sampler, RandomSampler)
    assert list(RandomSampler(ds, generator=np.random.default_rng(7))) == sum(_labels(loader), [])


@pytest.mark.parametrize("kind", ["list", "array", "tensor"])
def test_subset_random_sampler(kind):
    idx = [3, 8, 1, 6, 9]
    given = {"list": idx, "array": np.array(idx), "tensor": ag.tensor(idx)}[kind]
    s = SubsetRandomSampler(given, generator=0)
    a, b = list(s), list(s)
    assert len(s) == 5 and sorted(a) == sorted(b) == sorted(idx) and a != b
    assert all(isinstance(i, int) for i in a)
    assert list(SubsetRandomSampler(given, generator=0)) == a
    ag.manual_seed(3)
    c = list(SubsetRandomSampler(given))
    ag.manual_seed(3)
    assert list(SubsetRandomSampler(given)) == c


def test_weighted_sampler_frequencies_with_replacement():
    w = [0.1, 0.9, 0.4, 0.0, 3.0, 0.6]
    s = WeightedRandomSampler(w, 20000, generator=0)
    out = np.array(list(s))
    assert len(s) == len(out) == 20000
    freq = np.bincount(out, minlength=6) / 20000
    np.testing.assert_allclose(freq, np.array(w) / sum(w), atol=0.015)
    assert freq[3] == 0  # zero weight: never drawn
    ag.manual_seed(1)
    a = list(WeightedRandomSampler(ag.tensor(w), 50))
    ag.manual_seed(1)
    assert list(WeightedRandomSampler(np.array(w), 50)) == a


def test_weighted_sampler_without_replacement():
    w = np.array([1.0, 2.0, 0.0, 7.0])
    s = WeightedRandomSampler(w, 3, replacement=False, generator=2)
    firsts = []
    for _ in range(4000):
        out = list(s)
        assert len(out) == 3 and len(set(out)) == 3 and 2 not in out  # no repeats, no zeros
        firsts.append(out[0])
    # the first draw follows the weights; each later one renormalises over the rest
    np.testing.assert_allclose(np.bincount(firsts, minlength=4) / 4000, w / w.sum(), atol=0.03)


def test_weighted_sampler_errors():
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        WeightedRandomSampler([1.0, 2.0], 0)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        WeightedRandomSampler([1.0, 2.0], True)
    with pytest.raises(ValueError, match="replacement should be a boolean value"):
        WeightedRandomSampler([1.0, 2.0], 2, replacement=0)
    with pytest.raises(ValueError, match=r"weights should be a 1d sequence .*\(2, 1\)"):
        WeightedRandomSampler([[1.0], [2.0]], 2)
    with pytest.raises(ValueError, match=">= 0"):
        WeightedRandomSampler([1.0, -2.0], 2)
    with pytest.raises(ValueError, match="sum to 0"):
        WeightedRandomSampler([0.0, 0.0], 2)
    with pytest.raises(ValueError, match="without replacement"):
        WeightedRandomSampler([1.0, 0.0, 1.0], 3, replacement=False)


def test_batch_sampler():
    bs = BatchSampler(SequentialSampler(range(10)), 3, drop_last=False)
    assert list(bs) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]] and len(bs) == 4
    bs = BatchSampler(SequentialSampler(range(10)), 3, drop_last=True)
    assert list(bs) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]] and len(bs) == 3
    assert list(BatchSampler([5, 1, 4], 2, False)) == [[5, 1], [4]]  # any iterable
    assert list(BatchSampler([], 2, False)) == []
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value"):
        BatchSampler(range(3), 2, 1)


def test_sampler_base_class():
    with pytest.raises(NotImplementedError):
        iter(Sampler())

    class Reversed(Sampler[int]):  # the annotation style of PyTorch code
        def __init__(self, data):
            self.data = data

        def __iter__(self):
            return iter(range(len(self.data) - 1, -1, -1))

        def __len__(self):
            return len(self.data)

    ds = _ds(5)
    loader = DataLoader(ds, batch_size=2, sampler=Reversed(ds))
    assert len(loader) == 3 and _labels(loader) == [[4, 3], [2, 1], [0]]

    class Squares(Dataset[int]):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return i * i

    assert [b.tolist() for b in DataLoader(Squares(), batch_size=2)] == [[0, 1], [4]]


# -- the loader with samplers ------------------------------------------------------------------


def test_loader_with_a_sampler_follows_its_order():
    ds = _ds(10)
    s = SubsetRandomSampler([9, 2, 5, 7, 0], generator=4)
    loader = DataLoader(ds, batch_size=2, sampler=s)
    assert len(loader) == 3 and loader.sampler is s
    batches = _labels(loader)
    assert [len(b) for b in batches] == [2, 2, 1] and sorted(sum(batches, [])) == [0, 2, 5, 7, 9]
    assert _labels(DataLoader(ds, batch_size=2, sampler=s, drop_last=True))[-1] != batches[-1]
    assert len(DataLoader(ds, batch_size=2, sampler=s, drop_last=True)) == 2
    # a plain iterable of indices, and a dataset without vectorised get_batch
    assert _labels(DataLoader(ds, batch_size=2, sampler=[3, 1, 4])) == [[3, 1], [4]]
    slow = DataLoader(ds, batch_size=2, sampler=[3, 1, 4], collate_fn=lambda s: s)
    assert [[int(y) for _, y in b] for b in slow] == [[3, 1], [4]]


def test_loader_with_weighted_sampler_rebalances_classes():
    y = np.array([0] * 90 + [1] * 10)
    ds = TensorDataset(np.zeros((100, 2), np.float32), y)
    w = 1.0 / np.bincount(y)[y]
    loader = DataLoader(ds, batch_size=50, sampler=WeightedRandomSampler(w, 4000, generator=0))
    seen = np.concatenate([yb.numpy() for _, yb in loader])
    assert len(loader) == 80 and len(seen) == 4000
    assert abs(seen.mean() - 0.5) < 0.05


def test_loader_with_a_batch_sampler():
    ds = _ds(10)
    bsamp = BatchSampler(SequentialSampler(ds), 4, drop_last=True)
    loader = DataLoader(ds, batch_sampler=bsamp)
    assert _labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]] and len(loader) == 2
    assert loader.batch_size is None and loader.drop_last is False
    assert loader.batch_sampler is bsamp
    uneven = DataLoader(ds, batch_sampler=[[1], [2, 3, 4], [9, 0]])
    assert _labels(uneven) == [[1], [2, 3, 4], [9, 0]]


@pytest.mark.parametrize("sampler_kind", ["random", "weighted", "batch"])
def test_loader_sampler_draws_are_reproducible_and_the_same_with_prefetch(sampler_kind):
    ds = _ds(23)

    def make(**kw):
        if sampler_kind == "random":
            return DataLoader(ds, batch_size=4, sampler=RandomSampler(ds), **kw)
        if sampler_kind == "weighted":
            s = WeightedRandomSampler(np.linspace(0.1, 1, 23), 30)
            return DataLoader(ds, batch_size=4, sampler=s, **kw)
        s = BatchSampler(RandomSampler(ds, replacement=True), 5, drop_last=False)
        return DataLoader(ds, batch_sampler=s, **kw)

    ag.manual_seed(11)
    loader = make()
    ref = [_labels(loader), _labels(loader)]
    assert ref[0] != ref[1]  # a new order each epoch
    for kw in ({}, {"prefetch": 2}, {"num_workers": 3}, {"num_workers": 1, "pin_memory": True}):
        ag.manual_seed(11)
        loader = make(**kw)
        got = [_labels(loader), _labels(loader)]
        assert got == ref, kw
    # the training step's own draws do not change the epoch's order (the sampler draws from
    # its own stream; the next epoch's seed, drawn from the global generator, does change)
    for kw in ({}, {"num_workers": 2}):
        ag.manual_seed(11)
        epoch = []
        for _, yb in make(**kw):
            epoch.append(yb.numpy().tolist())
            ag.randn(3)
        assert epoch == ref[0]


def test_loader_generator_may_be_an_int_seed():
    ds = _ds(30)
    a = DataLoader(ds, batch_size=5, shuffle=True, generator=8)
    b = DataLoader(ds, batch_size=5, shuffle=True, generator=8)
    ea = [_labels(a), _labels(a)]
    assert ea == [_labels(b), _labels(b)] and ea[0] != ea[1]
    with pytest.raises(TypeError, match="generator"):
        DataLoader(ds, generator=1.5)


@pytest.mark.parametrize("prefetch", [0, 2])
def test_loader_with_a_sampler_resumes_mid_epoch(prefetch):
    ds = _ds(22)

    def make():
        return DataLoader(ds, batch_size=4, sampler=RandomSampler(ds), prefetch=prefetch)

    ag.manual_seed(0)
    ref = make()
    full = _labels(ref) + _labels(ref)
    ag.manual_seed(0)
    first, seen = make(), []
    it = iter(first)
    for _ in range(2):
        seen.append(next(it)[1].numpy().tolist())
    state, rng = first.state_dict(), ag.get_rng_state()
    it.close()
    assert state["batch"] == 2
    ag.manual_seed(99)
    resumed = make()
    resumed.load_state_dict(state)
    ag.set_rng_state(rng)
    assert seen + _labels(resumed) + _labels(resumed) == full


# -- batch_size=None ----------------------------------------------------------------------------


def test_batch_size_none_yields_samples_one_by_one():
    ds = _ds(4)
    loader = DataLoader(ds, batch_size=None)
    out = list(loader)
    assert len(loader) == 4 and len(out) == 4
    assert out[2][1].shape == () and out[2][1].item() == 2
    assert [y.item() for _, y in DataLoader(ds, batch_size=None, sampler=[3, 0])] == [3, 0]
    assert list(DataLoader(ds, batch_size=None, collate_fn=lambda s: int(s[1]))) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)


def test_default_convert():
    out = default_convert({"x": np.ones(3), "n": 2, "f": np.float32(1.5), "s": "a", "t": (1,)})
    assert isinstance(out["x"], ag.Tensor) and out["x"].shape == (3,)
    assert out["n"] == 2 and out["s"] == "a" and out["t"] == (1,)
    assert isinstance(out["f"], ag.Tensor) and out["f"].dtype == ag.float32


# -- IterableDataset -----------------------------------------------------------------------------


class _Range(IterableDataset):
    """PyTorch's documentation example: shards [start, end) across workers, if any."""

    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        info = get_worker_info()
        if info is None:  # single-process loading: everything
            lo, hi = self.start, self.end
        else:
            per = int(np.ceil((self.end - self.start) / info.num_workers))
            lo = self.start + info.id * per
            hi = min(lo + per, self.end)
        return iter(range(lo, hi))


class _Sized(_Range):
    def __len__(self):
        return self.end - self.start


def test_iterable_dataset_batches_in_iteration_order():
    loader = DataLoader(_Range(3, 10), batch_size=3)
    assert [b.tolist() for b in loader] == [[3, 4, 5], [6, 7, 8], [9]]
    assert [b.tolist() for b in loader] == [[3, 4, 5], [6, 7, 8], [9]]  # each epoch again
    dropped = DataLoader(_Range(3, 10), batch_size=3, drop_last=True, shuffle=False)
    assert [b.tolist() for b in dropped] == [[3, 4, 5], [6, 7, 8]]
    assert list(DataLoader(_Range(0, 3), batch_size=None)) == [0, 1, 2]
    with pytest.raises(TypeError):
        len(loader)
    assert len(DataLoader(_Sized(0, 10), batch_size=3)) == 4
    assert len(DataLoader(_Sized(0, 10), batch_size=3, drop_last=True)) == 3
    assert loader.sampler is None and loader.batch_sampler is None


def test_iterable_dataset_with_workers_prefetch_and_worker_init_fn():
    calls = []

    def init(worker_id):
        info = get_worker_info()  # PyTorch's docs: reconfigure the dataset per worker
        calls.append((worker_id, info.id, info.num_workers))
        ds = info.dataset
        per = int(np.ceil((ds.end - ds.start) / info.num_workers))
        ds.start = ds.start + worker_id * per
        ds.end = min(ds.start + per, ds.end)

    ds = _Range(0, 7)
    loader = DataLoader(ds, batch_size=2, num_workers=2, worker_init_fn=init)
    it = iter(loader)
    assert it._thread is not None
    assert [b.tolist() for b in it] == [[0, 1], [2, 3], [4, 5], [6]]
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4, 5], [6]]
    assert calls == [(0, 0, 1), (0, 0, 1)] and get_worker_info() is None
    persistent = DataLoader(
        ds, batch_size=2, num_workers=1, worker_init_fn=init, persistent_workers=True
    )
    calls.clear()
    list(persistent), list(persistent)
    assert calls == [(0, 0, 1)]
    calls.clear()
    list(DataLoader(ds, batch_size=2, worker_init_fn=init))  # num_workers=0: not called
    assert calls == []


def test_iterable_dataset_randomness_is_the_same_with_workers():
    class Noisy(IterableDataset):
        def __iter__(self):
            for i in range(9):
                yield np.float32(i + ag.rand(1).item())

    def run(**kw):
        ag.manual_seed(3)
        loader = DataLoader(Noisy(), batch_size=4, **kw)
        return [[b.numpy().tolist() for b in loader] for _ in range(2)]

    ref = run()
    assert ref[0] != ref[1] and run(num_workers=2) == ref and run(prefetch=1) == ref


def test_iterable_dataset_resumes_mid_epoch():
    ds = _Sized(0, 11)
    ag.manual_seed(0)
    loader = DataLoader(ds, batch_size=3)
    it = iter(loader)
    first = next(it).tolist()
    state = loader.state_dict()
    assert state["batch"] == 1 and state["num_samples"] == 11
    again = DataLoader(ds, batch_size=3, num_workers=1)
    again.load_state_dict(state)
    assert [first] + [b.tolist() for b in again] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10]]


def test_iterable_dataset_refuses_samplers_and_shuffle():
    ds = _Range(0, 4)
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(ds, shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler option"):
        DataLoader(ds, sampler=[0, 1])
    with pytest.raises(ValueError, match="expected unspecified batch_sampler option"):
        DataLoader(ds, batch_sampler=[[0, 1]])


def test_chain_and_concat_datasets():
    chained = _Sized(0, 3) + _Sized(10, 12)
    assert isinstance(chained, ChainDataset) and len(chained) == 5
    assert list(chained) == [0, 1, 2, 10, 11]
    assert [b.tolist() for b in DataLoader(chained, batch_size=2)] == [[0, 1], [2, 10], [11]]
    with pytest.raises(TypeError, match="ConcatDataset does not support IterableDataset"):
        ConcatDataset([_ds(2), _Range(0, 2)])
    with pytest.raises(TypeError, match="only supports IterableDataset"):
        ChainDataset([_ds(2)])
    with pytest.raises(TypeError):
        len(_Range(0, 2))


def test_random_split_accepts_an_int_seed():
    a, b = random_split(_ds(10), [7, 3], generator=5)
    a2, _ = random_split(_ds(10), [7, 3], generator=5)
    assert a.indices.tolist() == a2.indices.tolist() and len(b) == 3


# -- workers, pinning, timeouts ----------------------------------------------------------------


def test_num_workers_loads_in_the_prefetch_thread_with_the_same_batches():
    ds = _ds(37)
    ag.manual_seed(2)
    plain = _labels(DataLoader(ds, batch_size=4, shuffle=True))
    ag.manual_seed(2)
    loader = DataLoader(ds, batch_size=4, shuffle=True, num_workers=4, pin_memory=True)
    assert loader.prefetch_factor == 2 and loader.num_workers == 4
    it = iter(loader)
    assert it._thread is not None and it._queue.maxsize == 8  # num_workers * prefetch_factor
    assert [yb.numpy().tolist() for _, yb in it] == plain
    loader = DataLoader(ds, batch_size=4, num_workers=1, prefetch_factor=0, prefetch=3)
    assert iter(loader)._queue.maxsize == 3
    it = iter(DataLoader(ds, batch_size=4, pin_memory=True, pin_memory_device="cuda"))
    assert it._thread is None and len(list(it)) == 10


def test_worker_init_fn_sampling_is_reproducible():
    drawn = []
    ds = _ds(4)

    def init(worker_id):
        drawn.append(ag.rand(1).item())

    for _ in range(2):
        ag.manual_seed(6)
        list(DataLoader(ds, batch_size=2, num_workers=1, worker_init_fn=init))
    assert drawn[0] == drawn[1]


class _Slow(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            time.sleep(0.5)
        return np.float32(i)


def test_timeout_waiting_for_the_loading_thread():
    it = iter(DataLoader(_Slow(), batch_size=1, num_workers=1, timeout=0.1))
    assert next(it).tolist() == [0.0] and next(it).tolist() == [1.0]
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.1 seconds"):
        next(it)
    it.close()
    assert all(not t.is_alive() for t in _prefetch_threads())
    assert len(list(DataLoader(_Slow(), batch_size=2, num_workers=1, timeout=5))) == 2


# -- option errors (torch's rules and words) -----------------------------------------------------

_CONFLICTS = [
    ({"sampler": [0, 1], "shuffle": True}, "sampler option is mutually exclusive with shuffle"),
    ({"batch_sampler": [[0]], "batch_size": 2}, "batch_sampler option is mutually exclusive"),
    ({"batch_sampler": [[0]], "shuffle": True}, "batch_sampler option is mutually exclusive"),
    ({"batch_sampler": [[0]], "sampler": [0]}, "batch_sampler option is mutually exclusive"),
    ({"batch_sampler": [[0]], "drop_last": True}, "batch_sampler option is mutually exclusive"),
    ({"batch_sampler": [[0]], "batch_size": None}, "batch_sampler option is mutually exclusive"),
    ({"batch_size": None, "drop_last": True}, "mutually exclusive with drop_last"),
    ({"num_workers": -1}, "num_workers option should be non-negative"),
    ({"timeout": -1}, "timeout option should be non-negative"),
    ({"prefetch_factor": 2}, "prefetch_factor option could only be specified in multiprocessing"),
    ({"num_workers": 1, "prefetch_factor": -1}, "prefetch_factor option should be non-negative"),
    ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
    ({"multiprocessing_context": "spawn"}, "multiprocessing_context can only be used"),
]


@pytest.mark.parametrize(("kw", "message"), _CONFLICTS)
def test_conflicting_options_raise_like_torch(kw, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(_ds(4), **kw)


@pytest.mark.parametrize(("kw", "message"), _CONFLICTS[:9] + _CONFLICTS[10:])
def test_conflicting_option_messages_equal_torch(kw, message):
    torch = pytest.importorskip("torch")
    tds = torch.utils.data.TensorDataset(torch.arange(4.0))
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.DataLoader(tds, **kw)
    with pytest.raises(ValueError) as ours:
        DataLoader(_ds(4), **kw)
    assert str(ours.value) == str(theirs.value)


def test_other_option_errors():
    ds = _ds(4)
    with pytest.raises(ValueError, match="timeout > 0 needs a loading thread"):
        DataLoader(ds, timeout=1)
    assert DataLoader(ds, timeout=1, prefetch=1).timeout == 1
    with pytest.raises(TypeError, match="worker_init_fn must be callable"):
        DataLoader(ds, num_workers=1, worker_init_fn=3)
    with pytest.raises(TypeError, match="sampler must be a Sampler"):
        DataLoader(ds, sampler=3)
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(TypeError, match="num_workers"):
        DataLoader(ds, num_workers=1.5)


def test_torch_positional_argument_order():
    ds = _ds(6)
    # dataset, batch_size, shuffle, sampler, batch_sampler, num_workers, collate_fn, pin_memory,
    # drop_last
    loader = DataLoader(ds, 4, False, [5, 4, 3, 2, 1], None, 0, None, True, True)
    assert _labels(loader) == [[5, 4, 3, 2]]


# -- index sequences equal torch's ---------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 7, 12])
@pytest.mark.parametrize("batch_size", [1, 3, 5])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sequential_and_batch_samplers_equal_torch(n, batch_size, drop_last):
    torch = pytest.importorskip("torch")
    tdata = torch.utils.data
    data = list(range(n))
    assert list(SequentialSampler(data)) == list(tdata.SequentialSampler(data))
    assert len(SequentialSampler(data)) == len(tdata.SequentialSampler(data))
    ours = BatchSampler(SequentialSampler(data), batch_size, drop_last)
    theirs = tdata.BatchSampler(tdata.SequentialSampler(data), batch_size, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)
    # the batches a loader yields over a TensorDataset
    if n:
        t_loader = tdata.DataLoader(
            tdata.TensorDataset(torch.arange(n)), batch_size=batch_size, drop_last=drop_last
        )
        o_loader = DataLoader(_ds(n), batch_size=batch_size, drop_last=drop_last)
        assert _labels(o_loader) == [b[0].tolist() for b in t_loader]
        assert len(o_loader) == len(t_loader)


def test_sampler_lengths_equal_torch():
    torch = pytest.importorskip("torch")
    tdata = torch.utils.data
    data = list(range(9))
    pairs = [
        (RandomSampler(data), tdata.RandomSampler(data)),
        (RandomSampler(data, True, 20), tdata.RandomSampler(data, True, 20)),
        (RandomSampler(data, num_samples=13), tdata.RandomSampler(data, num_samples=13)),
        (SubsetRandomSampler([1, 5, 2]), tdata.SubsetRandomSampler([1, 5, 2])),
        (WeightedRandomSampler([1.0, 2.0], 7), tdata.WeightedRandomSampler([1.0, 2.0], 7)),
    ]
    for ours, theirs in pairs:
        assert len(ours) == len(theirs) == len(list(ours)) == len(list(theirs))
        assert set(ours) <= set(range(9))
