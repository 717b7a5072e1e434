"""nn.data: datasets, the DataLoader, k-fold splits, file readers, preprocessing, augmentation."""

from __future__ import annotations

import gc
import gzip
import pickle
import struct
import sys
import threading
import time
from collections import namedtuple

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd.errors import ShapeError
from nn.data import (
    PCA,
    ZCA,
    ConcatDataset,
    DataLoader,
    Dataset,
    DatasetFormatError,
    KFold,
    Standardize,
    StratifiedKFold,
    Subset,
    TensorDataset,
    ZeroCenter,
    cutmix,
    cutout,
    default_collate,
    gaussian_noise,
    load_cifar10,
    load_digits,
    load_fashion_mnist,
    load_mnist,
    mixup,
    one_hot,
    random_crop,
    random_horizontal_flip,
    random_split,
    read_idx,
    train_test_split,
)


def _xy(n=10, d=3, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)).astype(np.float32), np.arange(n) % classes


def _labels(loader):
    return [b[1].numpy().tolist() for b in loader]


# -- datasets --------------------------------------------------------------------------------


def test_tensor_dataset_samples_are_tensors_of_rows():
    X, y = _xy()
    ds = TensorDataset(ag.tensor(X), y)
    assert len(ds) == 10
    x3, y3 = ds[3]
    assert isinstance(x3, ag.Tensor) and x3.shape == (3,) and y3.shape == ()
    np.testing.assert_array_equal(x3.numpy(), X[3])
    assert y3.item() == y[3] and ds[-1][1].item() == y[-1]
    with pytest.raises(IndexError):
        ds[10]
    with pytest.raises(ValueError, match="size mismatch"):
        TensorDataset(X, y[:5])


def test_subset_concat_and_random_split():
    X, y = _xy(20)
    ds = TensorDataset(X, y)
    sub = Subset(ds, [5, 2, 7])
    assert len(sub) == 3 and sub[1][1].item() == y[2]
    cat = ConcatDataset([sub, ds])
    assert len(cat) == 23 and cat[3][1].item() == y[0] and cat[2][1].item() == y[7]
    assert len(sub + ds) == 23

    a, b, c = random_split(ds, [10, 6, 4], generator=np.random.default_rng(1))
    idx = np.concatenate([a.indices, b.indices, c.indices])
    assert sorted(idx.tolist()) == list(range(20)) and (len(a), len(b), len(c)) == (10, 6, 4)
    a2, _, _ = random_split(ds, [10, 6, 4], generator=np.random.default_rng(1))
    np.testing.assert_array_equal(a.indices, a2.indices)
    parts = random_split(ds, [0.5, 0.3, 0.2])
    assert [len(p) for p in parts] == [10, 6, 4]
    with pytest.raises(ValueError, match="sum of input lengths"):
        random_split(ds, [10, 5])


# -- the loader ------------------------------------------------------------------------------


def test_loader_order_len_and_drop_last():
    X, y = _xy(10)
    ds = TensorDataset(X, np.arange(10))
    loader = DataLoader(ds, batch_size=4)
    assert len(loader) == 3
    assert _labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    xb, _ = next(iter(loader))
    assert xb.shape == (4, 3) and xb.dtype == ag.float32
    dl = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(dl) == 2 and _labels(dl) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(ds, batch_size=0)


def test_shuffle_reproducible_with_seed_and_new_order_each_epoch():
    ds = TensorDataset(np.arange(50.0), np.arange(50))
    ag.manual_seed(7)
    loader = DataLoader(ds, batch_size=8, shuffle=True)
    e1, e2 = _labels(loader), _labels(loader)
    for e in (e1, e2):
        assert sorted(sum(e, [])) == list(range(50))
    assert e1 != e2
    ag.manual_seed(7)
    assert _labels(DataLoader(ds, batch_size=8, shuffle=True)) == e1
    # an own generator: the global seed does not matter
    g1 = _labels(DataLoader(ds, batch_size=8, shuffle=True, generator=np.random.default_rng(3)))
    ag.manual_seed(123)
    g2 = _labels(DataLoader(ds, batch_size=8, shuffle=True, generator=np.random.default_rng(3)))
    assert g1 == g2


def test_vectorised_batches_equal_sample_by_sample_collate():
    X, y = _xy(23)
    ds = Subset(TensorDataset(X, y), np.arange(22, -1, -1))
    for shuffle in (False, True):
        ag.manual_seed(0)
        fast = list(DataLoader(ds, batch_size=5, shuffle=shuffle))
        ag.manual_seed(0)
        slow = list(DataLoader(ds, batch_size=5, shuffle=shuffle, collate_fn=default_collate))
        assert len(fast) == len(slow) == 5
        for (xf, yf), (xs, ys) in zip(fast, slow):
            assert xf.dtype == xs.dtype and yf.dtype == ys.dtype
            np.testing.assert_array_equal(xf.numpy(), xs.numpy())
            np.testing.assert_array_equal(yf.numpy(), ys.numpy())


Pair = namedtuple("Pair", ["image", "label"])


class _DictDataset(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        return {
            "x": np.full((2, 2), i, np.float64),
            "y": i,
            "w": 0.5 * i,
            "ok": i % 2 == 0,
            "name": f"s{i}",
            "pair": Pair(ag.tensor([i, i]), np.int32(i)),
        }


def test_collate_dicts_tuples_numbers_and_strings():
    xb = next(iter(DataLoader(_DictDataset(), batch_size=4)))
    assert xb["x"].shape == (4, 2, 2) and xb["x"].dtype == ag.float64
    assert xb["y"].dtype == ag.int64 and xb["y"].tolist() == [0, 1, 2, 3]
    assert xb["w"].dtype == ag.float32 and xb["w"].tolist() == [0.0, 0.5, 1.0, 1.5]
    assert xb["ok"].dtype == ag.bool_ and xb["ok"].tolist() == [True, False, True, False]
    assert xb["name"] == ["s0", "s1", "s2", "s3"]
    assert isinstance(xb["pair"], Pair) and xb["pair"].image.shape == (4, 2)
    assert xb["pair"].label.dtype == ag.int32
    tup = default_collate([(np.zeros(3), 1), (np.ones(3), 2)])
    assert isinstance(tup, tuple) and tup[0].shape == (2, 3) and tup[1].tolist() == [1, 2]


def test_collate_errors_name_the_field():
    with pytest.raises(ShapeError, match=r"\['x'\]"):
        default_collate([{"x": np.zeros(3)}, {"x": np.zeros(4)}])
    with pytest.raises(TypeError, match="object"):
        default_collate([object(), object()])


def _prefetch_threads():
    return [t for t in threading.enumerate() if t.name == "tapegrad-DataLoader-prefetch"]


def _wait_gone(thread, timeout=5.0):
    end = time.monotonic() + timeout
    while thread.is_alive() and time.monotonic() < end:
        time.sleep(0.01)
    return not thread.is_alive()


def test_prefetch_yields_the_same_batches_and_its_thread_exits():
    X, y = _xy(37)
    ds = TensorDataset(X, y)
    for kw in ({}, {"collate_fn": default_collate}):
        ag.manual_seed(1)
        plain = list(DataLoader(ds, batch_size=4, shuffle=True, **kw))
        ag.manual_seed(1)
        it = iter(DataLoader(ds, batch_size=4, shuffle=True, prefetch=3, **kw))
        thread = it._thread
        assert thread is not None and thread.is_alive()
        pre = list(it)
        assert len(pre) == len(plain) == 10
        for (a, b), (c, d) in zip(plain, pre):
            np.testing.assert_array_equal(a.numpy(), c.numpy())
            np.testing.assert_array_equal(b.numpy(), d.numpy())
        assert _wait_gone(thread)


def test_prefetch_thread_stops_when_the_loop_is_abandoned():
    ds = TensorDataset(np.zeros((1000, 2)), np.arange(1000))
    loader = DataLoader(ds, batch_size=1, prefetch=2)
    for i, _ in enumerate(loader):
        if i == 3:
            break
    gc.collect()
    assert all(_wait_gone(t) for t in _prefetch_threads())
    it = iter(loader)
    next(it)
    thread = it._thread
    it.close()
    assert not thread.is_alive()
    with pytest.raises(StopIteration):
        next(it)


class _Failing(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            raise KeyError("sample 5 is broken")
        return np.float32(i)


def test_prefetch_reraises_the_worker_exception():
    it = iter(DataLoader(_Failing(), batch_size=2, prefetch=2))
    assert next(it).tolist() == [0.0, 1.0]
    next(it)
    with pytest.raises(KeyError, match="sample 5"):
        next(it)
    assert _wait_gone(it._thread)


@pytest.mark.parametrize("own_generator", [False, True])
def test_loader_state_dict_resumes_mid_epoch(own_generator):
    ds = TensorDataset(np.arange(30.0), np.arange(30))

    def make(seed):
        g = np.random.default_rng(seed) if own_generator else None
        return DataLoader(ds, batch_size=4, shuffle=True, generator=g)

    ag.manual_seed(0)
    ref = make(0)
    full = _labels(ref) + _labels(ref)  # two epochs of 8 batches

    ag.manual_seed(0)
    first = make(0)
    seen = []
    for _, yb in first:
        seen.append(yb.numpy().tolist())
        if len(seen) == 3:
            state, rng = first.state_dict(), ag.get_rng_state()
            break
    assert state["epoch"] == 0 and state["batch"] == 3
    ag.manual_seed(99)
    resumed = make(42)
    resumed.load_state_dict(state)
    ag.set_rng_state(rng)
    assert resumed.state_dict()["batch"] == 3
    rest = _labels(resumed) + _labels(resumed)
    assert seen + rest[:5] == full[:8] and rest[5:] == full[8:]

    with pytest.raises(ValueError, match="samples"):
        DataLoader(
            TensorDataset(np.arange(5.0)),
            batch_size=4,
            shuffle=True,
            generator=np.random.default_rng(0) if own_generator else None,
        ).load_state_dict(state)


@pytest.mark.parametrize("own_generator", [False, True])
@pytest.mark.parametrize("prefetch", [0, 2])
def test_loader_state_taken_right_after_iter_resumes_that_epoch(own_generator, prefetch):
    ds = TensorDataset(np.arange(8.0), np.arange(8))

    def make():
        g = np.random.default_rng(0) if own_generator else None
        return DataLoader(ds, batch_size=4, shuffle=True, generator=g, prefetch=prefetch)

    ag.manual_seed(5)
    loader = make()
    it = iter(loader)  # epoch 0's seed is drawn here, before the first batch
    state, rng = loader.state_dict(), ag.get_rng_state()
    assert state["epoch"] == 0 and state["batch"] == 0 and state["seed"] is not None
    full = _labels(it) + _labels(loader) + _labels(loader)

    ag.manual_seed(99)
    resumed = make()
    resumed.load_state_dict(state)
    ag.set_rng_state(rng)
    assert resumed.state_dict() == state
    assert _labels(resumed) + _labels(resumed) + _labels(resumed) == full

    # at an epoch boundary (the state after a whole epoch) the next epoch draws a new seed
    ag.manual_seed(5)
    loader = make()
    first = _labels(loader)
    state, rng = loader.state_dict(), ag.get_rng_state()
    assert (state["epoch"], state["batch"], state["seed"]) == (1, 0, None)
    resumed = make()
    resumed.load_state_dict(state)
    ag.set_rng_state(rng)
    assert first + _labels(resumed) + _labels(resumed) == full


class _Augmented(Dataset):
    """Samples with random 'augmentation' drawn from the global autograd generator."""

    def __len__(self):
        return 12

    def __getitem__(self, i):
        return np.float32(i + ag.rand(1).item())


def _train_run(prefetch, step_time, shuffle=True, epochs=2):
    """(the batches, the training step's own random draws) of a seeded run."""
    ag.manual_seed(0)
    loader = DataLoader(_Augmented(), batch_size=4, shuffle=shuffle, prefetch=prefetch)
    batches, drawn = [], []
    for _ in range(epochs):
        for k, b in enumerate(loader):
            batches.append(b.numpy().tolist())
            drawn.append(ag.randn(2).numpy().tolist())  # e.g. dropout in the training step
            time.sleep(step_time * (k % 2))
    return batches, drawn


@pytest.mark.parametrize("shuffle", [False, True])
def test_dataset_randomness_is_the_same_with_prefetch_whatever_the_step_time(shuffle):
    ref = _train_run(0, 0.0, shuffle)
    assert _train_run(2, 0.0, shuffle) == ref
    assert _train_run(2, 0.02, shuffle) == ref
    assert _train_run(0, 0.02, shuffle) == ref
    batches = np.array(ref[0])
    assert not np.array_equal(batches[:3], batches[3:])  # new augmentations each epoch
    assert ag.random.gen() is ag.random.default_generator()  # the global one again

    # a run resumed mid-epoch sees the same augmentations
    ag.manual_seed(0)
    loader = DataLoader(_Augmented(), batch_size=4, shuffle=shuffle, prefetch=2)
    it = iter(loader)
    seen = [next(it).numpy().tolist()]
    state = loader.state_dict()
    it.close()
    again = DataLoader(_Augmented(), batch_size=4, shuffle=shuffle)
    again.load_state_dict(state)
    assert seen + [b.numpy().tolist() for b in again] == ref[0][:3]


# -- k-fold ------------------------------------------------------------------------------------


@pytest.mark.parametrize("shuffle", [False, True])
def test_kfold_partitions_the_indices(shuffle):
    folds = list(KFold(4, shuffle=shuffle, generator=np.random.default_rng(0)).split(np.zeros(10)))
    assert len(folds) == 4
    vals = [v for _, v in folds]
    assert sorted(np.concatenate(vals).tolist()) == list(range(10))
    assert [len(v) for v in vals] == [3, 3, 2, 2]
    for tr, va in folds:
        assert set(tr) | set(va) == set(range(10)) and not set(tr) & set(va)
    if not shuffle:
        assert vals[0].tolist() == [0, 1, 2] and vals[3].tolist() == [8, 9]
    with pytest.raises(ValueError, match="n_splits"):
        list(KFold(11).split(10))


@pytest.mark.parametrize("shuffle", [False, True])
def test_stratified_kfold_keeps_class_ratios(shuffle):
    y = np.array([0] * 30 + [1] * 15 + [2] * 6)
    np.random.default_rng(2).shuffle(y)
    skf = StratifiedKFold(3, shuffle=shuffle, generator=np.random.default_rng(5))
    vals = []
    for tr, va in skf.split(np.zeros((51, 2)), ag.tensor(y)):
        vals.append(va)
        assert np.bincount(y[va], minlength=3).tolist() == [10, 5, 2]
        assert np.bincount(y[tr], minlength=3).tolist() == [20, 10, 4]
    assert sorted(np.concatenate(vals).tolist()) == list(range(51))
    with pytest.raises(ValueError, match="greater than the number of members"):
        list(StratifiedKFold(40).split(np.zeros(51), y))


def test_splits_agree_with_scikit_learn():
    sk = pytest.importorskip("sklearn.model_selection")
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, size=47)
    ours = [v.tolist() for _, v in StratifiedKFold(5).split(np.zeros(47), y)]
    theirs = [v.tolist() for _, v in sk.StratifiedKFold(5).split(np.zeros(47), y)]
    assert ours == theirs
    ours = [v.tolist() for _, v in KFold(6).split(47)]
    assert ours == [v.tolist() for _, v in sk.KFold(6).split(np.zeros(47))]


def test_train_test_split_stratified():
    X = np.arange(100.0).reshape(50, 2)
    y = np.array([0] * 40 + [1] * 10)
    Xtr, Xte, ytr, yte = train_test_split(
        X, y, test_size=0.2, stratify=y, generator=np.random.default_rng(0)
    )
    assert Xte.shape == (10, 2) and Xtr.shape == (40, 2)
    assert np.bincount(yte).tolist() == [8, 2]
    np.testing.assert_array_equal(Xte[:, 0] // 2, np.arange(50)[(Xte[:, 0] // 2).astype(int)])
    assert sorted(np.concatenate([Xtr[:, 0], Xte[:, 0]]).tolist()) == X[:, 0].tolist()
    np.testing.assert_array_equal(y[(Xte[:, 0] // 2).astype(int)], yte)


# -- IDX (MNIST) and CIFAR-10 files --------------------------------------------------------------


def write_idx(path, arr, gz=False):
    """Write ``arr`` in the IDX format (big-endian header and data), gzipped when asked."""
    codes = {
        np.uint8: 0x08,
        np.int8: 0x09,
        np.int16: 0x0B,
        np.int32: 0x0C,
        np.float32: 0x0D,
        np.float64: 0x0E,
    }
    code = codes[arr.dtype.type]
    head = bytes([0, 0, code, arr.ndim]) + b"".join(struct.pack(">I", s) for s in arr.shape)
    raw = head + arr.astype(arr.dtype.newbyteorder(">")).tobytes()
    (gzip.open if gz else open)(path, "wb").write(raw)
    return raw


def _mnist_like(n, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n, dtype=np.uint8)


@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist_reads_real_idx_files(tmp_path, gz):
    ext = ".gz" if gz else ""
    imgs, lbls = _mnist_like(7, 0)
    timgs, tlbls = _mnist_like(3, 1)
    write_idx(tmp_path / f"train-images-idx3-ubyte{ext}", imgs, gz)
    write_idx(tmp_path / f"train-labels-idx1-ubyte{ext}", lbls, gz)
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    write_idx(raw / f"t10k-images-idx3-ubyte{ext}", timgs, gz)
    write_idx(raw / f"t10k-labels-idx1-ubyte{ext}", tlbls, gz)
    X, y = load_mnist(tmp_path)
    assert X.shape == (7, 1, 28, 28) and X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_allclose(X[:, 0] * 255, imgs, atol=1e-3)
    np.testing.assert_array_equal(y, lbls)
    Xt, yt = load_mnist(str(tmp_path), train=False, normalize=False)
    assert Xt.dtype == np.uint8 and Xt.shape == (3, 1, 28, 28)
    np.testing.assert_array_equal(Xt[:, 0], timgs)
    np.testing.assert_array_equal(yt, tlbls)
    Xf, _ = load_fashion_mnist(tmp_path)
    np.testing.assert_array_equal(Xf, X)


def test_read_idx_dtypes_are_big_endian(tmp_path):
    for arr in (
        np.arange(-6, 6, dtype=np.int16).reshape(3, 4),
        np.linspace(-1, 1, 5, dtype=np.float32),
        np.arange(8, dtype=np.int32) * 70000,
    ):
        write_idx(tmp_path / "a.idx", arr)
        out = read_idx(tmp_path / "a.idx")
        assert out.dtype == arr.dtype and out.dtype.isnative
        np.testing.assert_array_equal(out, arr)


def test_idx_errors_name_the_path_and_what_was_expected(tmp_path):
    imgs, lbls = _mnist_like(4, 0)
    p = tmp_path / "train-images-idx3-ubyte"
    raw = write_idx(p, imgs)
    write_idx(tmp_path / "train-labels-idx1-ubyte", lbls)

    p.write_bytes(b"\x12\x34" + raw[2:])
    with pytest.raises(DatasetFormatError, match=r"train-images-idx3-ubyte.*magic number 0x1234"):
        load_mnist(tmp_path)
    p.write_bytes(raw[:-100])
    with pytest.raises(DatasetFormatError, match=r"train-images-idx3-ubyte.*truncated.*3136"):
        load_mnist(tmp_path)
    gzp = tmp_path / "train-images-idx3-ubyte.gz"
    p.unlink()
    gzp.write_bytes(gzip.compress(raw)[:-30])
    with pytest.raises(DatasetFormatError, match=r"images-idx3-ubyte\.gz.*gzip"):
        load_mnist(tmp_path)
    write_idx(gzp, imgs[:3], gz=True)
    with pytest.raises(DatasetFormatError, match="3 images but .* 4 labels"):
        load_mnist(tmp_path)
    write_idx(gzp, lbls, gz=True)  # labels where images belong
    with pytest.raises(DatasetFormatError, match=r"0x00000803"):
        load_mnist(tmp_path)
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte"):
        load_mnist(tmp_path, train=False)
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_mnist(tmp_path / "nowhere")


def write_cifar_batch(path, n, seed, protocol=2):
    """A CIFAR-10 python batch: a pickled dict with bytes keys, as the official archive has."""
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
    labels = rng.integers(0, 10, n).tolist()
    d = {
        b"batch_label": b"training batch",
        b"labels": labels,
        b"data": data,
        b"filenames": [f"img_{seed}_{i}.png".encode() for i in range(n)],
    }
    with open(path, "wb") as f:
        pickle.dump(d, f, protocol=protocol)
    return data, np.array(labels)


def test_load_cifar10_reads_real_format_batches(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    parts = [
        write_cifar_batch(folder / f"data_batch_{i}", 3, i, protocol=2 + i % 4) for i in range(1, 6)
    ]
    test = write_cifar_batch(folder / "test_batch", 4, 9)
    X, y = load_cifar10(tmp_path)
    assert X.shape == (15, 3, 32, 32) and X.dtype == np.float32 and y.dtype == np.int64
    data = np.concatenate([p[0] for p in parts])
    np.testing.assert_array_equal(y, np.concatenate([p[1] for p in parts]))
    # rows are 1024 red, 1024 green, 1024 blue values, each 32 x 32 row-major
    np.testing.assert_allclose(X[4, 1, 2, 5] * 255, data[4, 1024 + 2 * 32 + 5], atol=1e-3)
    Xt, yt = load_cifar10(folder, train=False, normalize=False)
    assert Xt.dtype == np.uint8
    np.testing.assert_array_equal(Xt.reshape(4, -1), test[0])
    np.testing.assert_array_equal(yt, test[1])


class _Evil:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_cifar10_errors_and_refuses_foreign_pickles(tmp_path, capsys):
    write_cifar_batch(tmp_path / "test_batch", 2, 0)
    raw = (tmp_path / "test_batch").read_bytes()
    (tmp_path / "test_batch").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DatasetFormatError, match="test_batch.*CIFAR-10 python batch"):
        load_cifar10(tmp_path, train=False)
    with open(tmp_path / "test_batch", "wb") as f:
        pickle.dump({b"data": _Evil(), b"labels": [1]}, f)
    with pytest.raises(DatasetFormatError, match="refusing to load global builtins.print"):
        load_cifar10(tmp_path, train=False)
    assert "must never run" not in capsys.readouterr().out
    with open(tmp_path / "test_batch", "wb") as f:
        pickle.dump({b"data": np.zeros((2, 100), np.uint8), b"labels": [1, 2]}, f)
    with pytest.raises(DatasetFormatError, match=r"\(N, 3072\)"):
        load_cifar10(tmp_path, train=False)
    with pytest.raises(FileNotFoundError, match="data_batch_1"):
        load_cifar10(tmp_path)


def test_load_digits_without_sklearn_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # import fails
    with pytest.raises(ImportError, match=r"pip install tapegrad\[examples\]"):
        load_digits()


def test_load_digits():
    pytest.importorskip("sklearn")
    X, y = load_digits()
    assert X.shape == (1797, 1, 8, 8) and X.dtype == np.float32 and 0 <= X.min() <= X.max() <= 1
    assert y.shape == (1797,) and y.dtype == np.int64 and set(y.tolist()) == set(range(10))
    assert load_digits(flatten=True, scale=False)[0].max() == 16


# -- preprocessing -------------------------------------------------------------------------------


def _train_test(seed=0):
    rng = np.random.default_rng(seed)
    mix = rng.standard_normal((6, 6))
    train = (rng.standard_normal((400, 6)) @ mix + 3.0).astype(np.float32)
    test = (rng.standard_normal((50, 6)) @ mix * 2 - 1.0).astype(np.float32)
    return train, test


def test_standardize_uses_training_statistics_only():
    train, test = _train_test()
    pre = Standardize().fit(train)
    np.testing.assert_allclose(pre.mean_, train.astype(np.float64).mean(0), rtol=1e-6)
    np.testing.assert_allclose(pre.scale_, train.astype(np.float64).std(0), rtol=1e-6)
    z = pre.transform(train)
    assert z.dtype == np.float32
    np.testing.assert_allclose(z.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(0), 1, atol=1e-4)
    zt = pre.transform(test)  # the test set's own statistics are not used
    np.testing.assert_allclose(zt, (test - pre.mean_) / pre.scale_, rtol=1e-4, atol=1e-5)
    assert np.abs(zt.mean(0)).max() > 0.1
    np.testing.assert_allclose(pre.inverse_transform(zt), test, rtol=1e-5, atol=1e-4)
    c = ZeroCenter().fit(train)
    np.testing.assert_allclose(c.transform(test), test - train.mean(0), atol=1e-4)


def test_per_channel_statistics_and_tensor_in_tensor_out():
    imgs = np.random.default_rng(0).uniform(0, 255, (20, 3, 4, 4)).astype(np.uint8)
    imgs[:, 1] //= 4
    pre = Standardize(per_channel=True).fit(imgs)
    assert pre.mean_.shape == (3,) and pre.scale_.shape == (3,)
    out = pre.transform(ag.tensor(imgs))
    assert isinstance(out, ag.Tensor) and out.dtype == ag.float32 and out.shape == (20, 3, 4, 4)
    o = out.numpy()
    np.testing.assert_allclose(o.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(o.std(axis=(0, 2, 3)), 1, atol=1e-4)
    with pytest.raises(ShapeError, match=r"\(N, 3, 4, 4\)"):
        pre.transform(np.zeros((2, 3, 5, 5)))
    with pytest.raises(RuntimeError, match="fit"):
        ZCA().transform(imgs)


def test_zca_whitened_covariance_is_identity():
    train, test = _train_test()
    zca = ZCA(eps=1e-6).fit(train)
    z = zca.transform(train.astype(np.float64))
    assert z.shape == train.shape
    np.testing.assert_allclose(np.cov(z.T, bias=True), np.eye(6), atol=1e-4)
    # ZCA is the symmetric whitening matrix: of all whitenings, the closest to the input
    np.testing.assert_allclose(zca.whitening_, zca.whitening_.T, atol=1e-10)
    np.testing.assert_allclose(zca.inverse_transform(zca.transform(test)), test, atol=1e-3)
    big_eps = ZCA(eps=10.0).fit(train).transform(train.astype(np.float64))
    assert np.cov(big_eps.T, bias=True).diagonal().max() < 0.99  # eps shrinks small directions


def test_pca_components_variance_and_whitening():
    train, test = _train_test()
    pca = PCA(n_components=3).fit(train)
    assert pca.components_.shape == (3, 6)
    np.testing.assert_allclose(pca.components_ @ pca.components_.T, np.eye(3), atol=1e-10)
    ev = pca.explained_variance_
    assert np.all(np.diff(ev) <= 0)
    z = pca.transform(train.astype(np.float64))
    assert z.shape == (400, 3)
    np.testing.assert_allclose(z.var(0), ev, rtol=1e-8)
    np.testing.assert_allclose(np.cov(z.T, bias=True), np.diag(ev), atol=1e-6 * ev[0])
    zw = PCA(3, whiten=True, eps=0.0).fit(train).transform(train.astype(np.float64))
    np.testing.assert_allclose(np.cov(zw.T, bias=True), np.eye(3), atol=1e-8)
    full = PCA().fit(train)
    np.testing.assert_allclose(full.inverse_transform(full.transform(test)), test, atol=1e-4)
    assert 1 <= PCA(0.9).fit(train).components_.shape[0] <= 6
    sk = pytest.importorskip("sklearn.decomposition")
    ref = sk.PCA(3).fit(train.astype(np.float64))
    np.testing.assert_allclose(np.abs(pca.components_), np.abs(ref.components_), atol=1e-6)


def test_numpy_scalars_work_where_python_numbers_do():
    ds = TensorDataset(np.zeros((10, 1)))
    assert [len(p) for p in random_split(ds, [np.float32(0.3), np.float32(0.7)])] == [3, 7]
    assert [len(p) for p in random_split(ds, [np.int64(4), np.int64(6)])] == [4, 6]
    train, _ = _train_test()
    pca = PCA(np.int64(3))
    assert pca.n_components == 3 and type(pca.n_components) is int
    assert pca.fit(train).components_.shape == (3, 6)
    assert type(PCA(np.float32(0.5)).n_components) is float
    for bad in (True, np.True_, 0, 1.0):
        with pytest.raises(ValueError, match="n_components must be"):
            PCA(bad)


def test_pca_variance_fraction_of_constant_data_says_there_is_no_variance():
    with pytest.raises(ValueError, match=r"n_components=0\.9.*no variance"):
        PCA(0.9).fit(np.ones((10, 3)))
    assert PCA(2).fit(np.ones((10, 3))).components_.shape == (2, 3)


def test_preprocessor_state_survives_a_checkpoint(tmp_path):
    train, test = _train_test()
    for pre in (Standardize(per_channel=False), PCA(2, whiten=True), ZCA(eps=1e-3)):
        pre.fit(train)
        nn.save({"pre": pre.state_dict()}, tmp_path / "p.npz")
        fresh = type(pre)()
        fresh.load_state_dict(nn.load(tmp_path / "p.npz")["pre"])
        np.testing.assert_array_equal(fresh.transform(test), pre.transform(test))


# -- augmentation ----------------------------------------------------------------------------------


def _imgs(n=6, c=2, h=5, w=7, seed=0):
    return np.random.default_rng(seed).standard_normal((n, c, h, w)).astype(np.float32)


def test_horizontal_flip():
    x = _imgs()
    np.testing.assert_array_equal(random_horizontal_flip(x, p=1.0), x[..., ::-1])
    np.testing.assert_array_equal(random_horizontal_flip(x, p=0.0), x)
    out = random_horizontal_flip(ag.tensor(x), generator=np.random.default_rng(3)).numpy()
    flipped = [np.array_equal(o, xi[..., ::-1]) for o, xi in zip(out, x)]
    kept = [np.array_equal(o, xi) for o, xi in zip(out, x)]
    assert all(f != k for f, k in zip(flipped, kept)) and any(flipped) and any(kept)
    again = random_horizontal_flip(x, generator=np.random.default_rng(3))
    np.testing.assert_array_equal(again, out)


def test_random_crop_windows_lie_inside_the_padded_image():
    x = _imgs(8, 2, 6, 6)
    out = random_crop(x, 6, padding=2, generator=np.random.default_rng(0))
    assert out.shape == (8, 2, 6, 6)
    padded = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)))
    offsets = set()
    for i in range(8):
        hits = [
            (t, l)
            for t in range(5)
            for l in range(5)
            if np.array_equal(out[i], padded[i, :, t : t + 6, l : l + 6])
        ]
        assert hits, f"crop {i} is not a window of the padded image"
        offsets.add(hits[0])
    assert len(offsets) > 1
    np.testing.assert_array_equal(random_crop(x, 6), x)
    assert random_crop(x, (3, 4)).shape == (8, 2, 3, 4)
    with pytest.raises(ValueError, match="fit"):
        random_crop(x, 11, padding=2)


def test_gaussian_noise():
    x = np.zeros((200, 50), np.float32)
    out = gaussian_noise(x, 0.5, generator=np.random.default_rng(0))
    assert out.dtype == np.float32 and abs(out.std() - 0.5) < 0.01 and abs(out.mean()) < 0.01


def test_cutout_zeroes_a_square():
    x = np.ones((40, 3, 12, 12), np.float32)
    out = cutout(x, 4, generator=np.random.default_rng(0))
    full = 0
    for o in out:
        zero = o == 0
        assert np.array_equal(zero[0], zero[1]) and np.array_equal(zero[0], zero[2])
        rows, cols = np.flatnonzero(zero[0].any(1)), np.flatnonzero(zero[0].any(0))
        assert 1 <= len(rows) <= 4 and 1 <= len(cols) <= 4
        box = zero[0][rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        assert box.all() and zero[0].sum() == box.size  # one filled rectangle
        full += box.shape == (4, 4)
    assert full > 10  # squares away from the border are whole


def test_one_hot():
    t = one_hot(np.array([2, 0]), 3)
    np.testing.assert_array_equal(t, [[0, 0, 1], [1, 0, 0]])
    assert t.dtype == np.float32
    assert isinstance(one_hot(ag.tensor([1]), 2), ag.Tensor)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        one_hot(np.array([3]), 3)


def test_mixup_targets_match_the_mixing_weight():
    x = _imgs(8)
    y = np.array([0, 1, 2, 3, 0, 1, 2, 3])
    xm, t, info = mixup(
        ag.tensor(x),
        y,
        num_classes=4,
        alpha=0.4,
        generator=np.random.default_rng(1),
        return_info=True,
    )
    lam, perm = info["lam"], info["perm"]
    assert 0 <= lam <= 1 and sorted(perm.tolist()) == list(range(8))
    assert t.shape == (8, 4) and t.dtype == ag.float32
    np.testing.assert_allclose(t.numpy().sum(1), 1, rtol=1e-6)
    oh = np.eye(4)[y]
    np.testing.assert_allclose(t.numpy(), lam * oh + (1 - lam) * oh[perm], rtol=1e-6)
    np.testing.assert_allclose(xm.numpy(), lam * x + (1 - lam) * x[perm], rtol=1e-5, atol=1e-6)
    logits = ag.randn(8, 4, requires_grad=True)
    F.cross_entropy(logits, t).backward()  # soft targets are what cross_entropy takes
    assert logits.grad.shape == (8, 4)
    xm2, t2 = mixup(x, t.numpy(), alpha=0.4, generator=np.random.default_rng(2))
    np.testing.assert_allclose(t2.sum(1), 1, rtol=1e-6)
    with pytest.raises(ValueError, match="num_classes"):
        mixup(x, y)


def test_cutmix_targets_match_the_pasted_area():
    x = _imgs(8, 3, 10, 10)
    y = np.arange(8) % 5
    for seed in range(5):
        xm, t, info = cutmix(
            x, y, num_classes=5, generator=np.random.default_rng(seed), return_info=True
        )
        y0, y1, x0, x1 = info["box"]
        perm, lam = info["perm"], info["lam"]
        assert lam == pytest.approx(1 - (y1 - y0) * (x1 - x0) / 100)
        inside = np.zeros((10, 10), bool)
        inside[y0:y1, x0:x1] = True
        np.testing.assert_array_equal(xm[:, :, inside], x[perm][:, :, inside])
        np.testing.assert_array_equal(xm[:, :, ~inside], x[:, :, ~inside])
        oh = np.eye(5)[y]
        np.testing.assert_allclose(t, lam * oh + (1 - lam) * oh[perm], rtol=1e-6)
        np.testing.assert_allclose(t.sum(1), 1, rtol=1e-6)
