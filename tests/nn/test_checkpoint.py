"""nn.save / nn.load: round trips, the file format, atomic saves, validation, exact resume."""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import subprocess
import sys
import textwrap
import zipfile
from collections import Counter, OrderedDict
from pathlib import Path

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
import optim
from nn.data import DataLoader, TensorDataset

ROOT = Path(__file__).resolve().parents[2]


def _mlp(seed=0):
    ag.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))


def _step(model, opt, xb, yb):
    opt.zero_grad()
    loss = F.cross_entropy(model(xb), yb)
    loss.backward()
    opt.step()


def _trained(opt_cls=optim.SGD, **kw):
    model = _mlp()
    opt = opt_cls(model.parameters(), lr=0.05, **kw)
    x, y = ag.randn(8, 6), ag.tensor(np.arange(8) % 3)
    for _ in range(3):
        _step(model, opt, x, y)
    return model, opt


def _sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# -- round trips ---------------------------------------------------------------------------------


def test_round_trip_of_nested_values(tmp_path):
    w = nn.Parameter(ag.randn(3, 2))
    t = ag.tensor([[1, 2]], dtype=ag.int32)
    obj = {
        "tensors": [w, t, w],  # w twice: stored once, one object back
        "arrays": (np.arange(6.0).reshape(2, 3), np.array(True), np.zeros((0, 4), np.int8)),
        "od": OrderedDict([("b", 1), ("a", 2)]),
        "counter": Counter({4: 1, 2: 2}),  # MultiStepLR's milestones
        "keys": {0: "zero", 1.5: None, (1, "x"): [], True: -(2**100), None: 1e300},
        "floats": [float("nan"), float("inf"), -0.0, 0.1],
        "np_scalar": np.float32(2.5),
        "text": "naïve – ünïcode",
        "empty": {},
    }
    nn.save(obj, tmp_path / "c.npz")
    out = nn.load(tmp_path / "c.npz")
    t0, t1, t2 = out["tensors"]
    assert type(t0) is nn.Parameter and t0.requires_grad and t2 is t0
    np.testing.assert_array_equal(t0.detach().numpy(), w.detach().numpy())
    assert type(t1) is ag.Tensor and t1.dtype == ag.int32 and not t1.requires_grad
    a0, a1, a2 = out["arrays"]
    assert isinstance(out["arrays"], tuple) and a0.dtype == np.float64 and a1.shape == ()
    assert a1.dtype == np.bool_ and a2.shape == (0, 4) and a2.dtype == np.int8
    assert type(out["od"]) is OrderedDict and list(out["od"]) == ["b", "a"]
    assert type(out["counter"]) is Counter and out["counter"] == obj["counter"]
    assert out["keys"] == obj["keys"] and type(list(out["keys"])[3]) is bool
    f = out["floats"]
    assert math.isnan(f[0]) and f[1] == math.inf and math.copysign(1, f[2]) < 0 and f[3] == 0.1
    assert type(out["np_scalar"]) is np.float32 and out["np_scalar"] == 2.5
    assert out["text"] == obj["text"] and out["empty"] == {}


def test_file_is_an_npz_with_a_json_manifest_and_no_pickle(tmp_path):
    model, opt = _trained()
    nn.save({"model": model.state_dict(), "epoch": 4}, tmp_path / "c.npz")
    with zipfile.ZipFile(tmp_path / "c.npz") as z:
        names = set(z.namelist())
    assert "__manifest__.npy" in names and len(names) == 5
    with np.load(tmp_path / "c.npz", allow_pickle=False) as z:
        manifest = json.loads(z["__manifest__"].tobytes())
        assert manifest["format"] == "tapegrad.checkpoint" and manifest["version"] == 1
        assert all(z[k].dtype != object for k in z.files)
    root = manifest["root"]
    assert root["t"] == "dict" and [k["v"] for k in root["keys"]] == ["model", "epoch"]
    leaf = root["values"][0]["values"][0]
    assert leaf["t"] == "tensor" and leaf["dtype"] == "<f4" and leaf["shape"] == [16, 6]


def test_model_and_optimizer_state_round_trip(tmp_path):
    for opt_cls, kw in ((optim.SGD, {"momentum": 0.9}), (optim.Adam, {})):
        model, opt = _trained(opt_cls, **kw)
        nn.save({"model": model.state_dict(), "opt": opt.state_dict()}, tmp_path / "c.npz")
        ck = nn.load(tmp_path / "c.npz")
        model2 = _mlp(seed=5)
        opt2 = opt_cls(model2.parameters(), lr=0.5, **kw)
        model2.load_state_dict(ck["model"])
        opt2.load_state_dict(ck["opt"])
        assert opt2.param_groups[0]["lr"] == 0.05
        x, y = ag.randn(8, 6), ag.tensor(np.arange(8) % 3)
        model.eval(), model2.eval()
        for m, o in ((model, opt), (model2, opt2)):
            _step(m, o, x, y)
        for p, q in zip(model.parameters(), model2.parameters()):
            np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


def test_rng_state_round_trip(tmp_path):
    ag.manual_seed(3)
    ag.randn(5)
    nn.save({"rng": ag.get_rng_state()}, tmp_path / "r.npz")
    expected = ag.randn(4).numpy()
    ag.manual_seed(1234)
    ag.set_rng_state(nn.load(tmp_path / "r.npz")["rng"])
    np.testing.assert_array_equal(ag.randn(4).numpy(), expected)


def test_file_objects_and_compression():
    buf = io.BytesIO()
    nn.save({"x": np.arange(1000.0)}, buf, compress=True)
    buf.seek(0)
    np.testing.assert_array_equal(nn.load(buf)["x"], np.arange(1000.0))


def test_map_location_cpu_and_missing_gpu(tmp_path):
    nn.save({"t": ag.ones(2), "a": np.ones(2)}, tmp_path / "c.npz")
    out = nn.load(tmp_path / "c.npz", map_location="cpu")
    assert out["t"].device == "cpu" and isinstance(out["a"], np.ndarray)
    with pytest.raises(ValueError, match="unknown device"):
        nn.load(tmp_path / "c.npz", map_location="tpu")
    from backends import cupy_or_none

    if cupy_or_none() is None:
        with pytest.raises(nn.CheckpointError, match="map_location='cpu'"):
            nn.load(tmp_path / "c.npz", map_location="cuda")


@pytest.mark.gpu
def test_gpu_tensors_are_stored_on_the_host_and_come_back(tmp_path):
    t = ag.randn(3, 4).to("cuda")
    nn.save({"t": t, "raw": t._data}, tmp_path / "g.npz")
    with np.load(tmp_path / "g.npz", allow_pickle=False) as z:
        assert z["a0"].shape == (3, 4)
    back = nn.load(tmp_path / "g.npz")
    assert back["t"].device.startswith("cuda") and back["raw"].__class__.__module__ == "cupy"
    cpu = nn.load(tmp_path / "g.npz", map_location="cpu")
    assert cpu["t"].device == "cpu" and isinstance(cpu["raw"], np.ndarray)
    np.testing.assert_array_equal(cpu["t"].numpy(), t.numpy())


def test_unsupported_values_raise_before_writing(tmp_path):
    p = tmp_path / "c.npz"
    nn.save({"v": 1}, p)
    before = _sha(p)
    with pytest.raises(TypeError, match=r"obj\['opt'\]\['fn'\].*function"):
        nn.save({"opt": {"fn": lambda: 0}}, p)
    with pytest.raises(TypeError, match="without pickle"):
        nn.save({"a": np.array([object()])}, p)
    with pytest.raises(TypeError, match="dict key"):
        nn.save({frozenset(): 1}, p)
    cyc = []
    cyc.append(cyc)
    with pytest.raises(TypeError, match="cycle"):
        nn.save(cyc, p)
    assert _sha(p) == before and sorted(x.name for x in tmp_path.iterdir()) == ["c.npz"]


def test_save_into_a_missing_folder_or_onto_a_folder_names_the_target(tmp_path):
    target = tmp_path / "no" / "such" / "ckpt.npz"
    with pytest.raises(FileNotFoundError) as e:
        nn.save({"v": 1}, target)
    msg = str(e.value)
    assert str(target) in msg and f"{tmp_path / 'no' / 'such'} does not exist" in msg
    assert ".tmp" not in msg
    (tmp_path / "folder").mkdir()
    with pytest.raises(IsADirectoryError, match=re.escape(f"{tmp_path / 'folder'}: it is a fold")):
        nn.save({"v": 1}, tmp_path / "folder")
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match=re.escape(f"{tmp_path / 'file'} is not a fold")):
        nn.save({"v": 1}, tmp_path / "file" / "ckpt.npz")
    assert sorted(x.name for x in tmp_path.iterdir()) == ["file", "folder"]
    assert not any((tmp_path / "folder").iterdir())


def _nested(depth, make=lambda o: [o]):
    o = 0
    for _ in range(depth):
        o = make(o)
    return o


def test_save_of_a_too_deeply_nested_object_says_so_and_writes_nothing(tmp_path):
    p = tmp_path / "c.npz"
    nn.save({"v": 1}, p)
    before = _sha(p)
    for make, key in ((lambda o: [o], r"obj\[0\]\[0\]"), (lambda o: {"k": o}, r"obj\['k'\]")):
        with pytest.raises(ValueError, match=f"{key}.*nested too deeply"):
            nn.save(_nested(5000, make), p)
        ok = _nested(nn.checkpoint.MAX_DEPTH, make)
        nn.save(ok, tmp_path / "ok.npz")
        assert nn.load(tmp_path / "ok.npz") == ok
    with pytest.raises(ValueError, match="dict key nested too deeply"):
        nn.save({_nested(5000, lambda o: (o,)): 1}, p)
    assert _sha(p) == before and sorted(x.name for x in tmp_path.iterdir()) == ["c.npz", "ok.npz"]


class _Subclass(np.ndarray):
    pass


def test_numpy_types_are_saved_as_their_python_or_plain_array_kinds(tmp_path):
    mm = np.lib.format.open_memmap(tmp_path / "mm.npy", mode="w+", dtype=np.float32, shape=(3,))
    mm[:] = [1, 2, 3]
    obj = {
        "mm": mm,
        "sub": np.arange(4).reshape(2, 2).view(_Subclass),
        "label": np.str_("cat"),
        np.True_: "bool key",
        np.float32(0.5): "float key",
        np.str_("k"): np.int64(4),
    }
    nn.save(obj, tmp_path / "c.npz")
    back = nn.load(tmp_path / "c.npz")
    assert type(back["mm"]) is np.ndarray and back["mm"].tolist() == [1, 2, 3]
    assert type(back["sub"]) is np.ndarray and back["sub"].tolist() == [[0, 1], [2, 3]]
    assert type(back["label"]) is str and back["label"] == "cat"
    assert {type(k) for k in back} == {str, bool, float}
    assert back[True] == "bool key" and back[0.5] == "float key" and back["k"] == 4
    with pytest.raises(TypeError, match=r"obj\['m'\]: masked arrays"):
        nn.save({"m": np.ma.masked_array([1, 2], mask=[0, 1])}, tmp_path / "m.npz")
    with pytest.raises(TypeError, match=r"obj\['b'\]: cannot save a numpy bytes_ scalar"):
        nn.save({"b": np.bytes_(b"x")}, tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()


# -- validation on load ----------------------------------------------------------------------


def _rewrite(path, edit_manifest=None, drop=None, replace=None):
    """Rewrite a checkpoint with an edited manifest or arrays (np.savez, as nn.save does)."""
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    m = json.loads(arrays["__manifest__"].tobytes())
    if edit_manifest:
        edit_manifest(m)
    arrays["__manifest__"] = np.frombuffer(json.dumps(m).encode(), np.uint8)
    for k in drop or ():
        del arrays[k]
    arrays.update(replace or {})
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def _saved(tmp_path):
    model, opt = _trained(momentum=0.9)
    p = tmp_path / "c.npz"
    nn.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 2}, p)
    return p


def test_truncated_and_corrupt_files(tmp_path):
    p = _saved(tmp_path)
    raw = p.read_bytes()
    p.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(nn.CheckpointError, match=f"{p}.*truncated or corrupt"):
        nn.load(p)
    # flip a byte inside the first array's data: the zip CRC catches it, naming the key
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        info = z.getinfo("a0.npy")
    offset = info.header_offset + 30 + len(info.filename) + len(info.extra) + 200
    bad = bytearray(raw)
    bad[offset] ^= 0xFF
    p.write_bytes(bytes(bad))
    with pytest.raises(nn.CheckpointError, match=r"\['model'\]\['0.weight'\].*corrupt"):
        nn.load(p)
    p.write_bytes(b"not a checkpoint at all")
    with pytest.raises(nn.CheckpointError, match=str(p)):
        nn.load(p)
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        nn.load(tmp_path / "missing.npz")


def test_missing_manifest_and_unknown_version(tmp_path):
    p = tmp_path / "plain.npz"
    np.savez(p, x=np.ones(3))
    with pytest.raises(nn.CheckpointError, match="not a tapegrad checkpoint"):
        nn.load(p)
    p = _saved(tmp_path)
    _rewrite(p, lambda m: m.update(version=2))
    with pytest.raises(nn.CheckpointError, match="version 2.*reads version 1"):
        nn.load(p)
    _rewrite(p, lambda m: m.update(version=1, format="other"))
    with pytest.raises(nn.CheckpointError, match="unknown format 'other'"):
        nn.load(p)


def test_shape_dtype_and_missing_array_errors_name_the_key(tmp_path):
    p = _saved(tmp_path)
    _rewrite(p, replace={"a2": np.zeros((5, 5), np.float32)})
    with pytest.raises(nn.CheckpointError, match=r"\['model'\]\['3.weight'\].*shape \(5, 5\)"):
        nn.load(p)
    p = _saved(tmp_path)
    _rewrite(p, replace={"a1": np.zeros(16, np.float64)})
    with pytest.raises(nn.CheckpointError, match=r"\['0.bias'\].*dtype float64.*float32"):
        nn.load(p)
    p = _saved(tmp_path)
    _rewrite(p, drop=["a5"])
    with pytest.raises(nn.CheckpointError, match=r"\['opt'\]\['state'\]\[1\].*'a5'.*missing"):
        nn.load(p)
    with pytest.raises(nn.CheckpointError):
        raise nn.CheckpointError("is a ValueError") from None
    assert issubclass(nn.CheckpointError, ValueError)


def _forged(path, root, arrays):
    manifest = {"format": "tapegrad.checkpoint", "version": 1, "root": root}
    with open(path, "wb") as f:
        np.savez(f, __manifest__=np.frombuffer(json.dumps(manifest).encode(), np.uint8), **arrays)
    return path


@pytest.mark.parametrize(
    "entry, arrays, problem",
    [
        ({"t": "tensor", "requires_grad": True}, {}, "dtype int64 cannot have requires_grad"),
        ({"t": "tensor", "requires_grad": "yes"}, {}, "must be true or false"),
        ({"t": "tensor", "device": "tpu"}, {}, "unknown device 'tpu'"),
        ({"t": "array", "device": 3}, {}, "unknown device 3"),
        ({"t": "npscalar"}, {}, r"numpy scalar 'a0' has shape \(2, 3\)"),
        ({"t": "array", "dtype": "<U3", "shape": [2]}, {"a0": np.array(["a", "b"])}, "<U3"),
    ],
)
def test_inconsistent_manifest_entries_raise_checkpoint_errors(tmp_path, entry, arrays, problem):
    value = {"ref": "a0", "dtype": "<i8", "shape": [2, 3], **entry}
    root = {"t": "dict", "keys": [{"t": "str", "v": "x"}], "values": [value]}
    arrays = arrays or {"a0": np.arange(6).reshape(2, 3)}
    p = _forged(tmp_path / "forged.npz", root, arrays)
    with pytest.raises(nn.CheckpointError, match=re.escape(f"{p}: obj['x']: ") + f".*{problem}"):
        nn.load(p)
    # a dict key that save never writes (a tensor)
    key = {"t": "tensor", "ref": "a0", "dtype": "<i8", "shape": [2, 3]}
    root = {"t": "dict", "keys": [key], "values": [{"t": "none"}]}
    p = _forged(tmp_path / "forged.npz", root, {"a0": np.arange(6).reshape(2, 3)})
    with pytest.raises(nn.CheckpointError, match=re.escape(f"{p}: obj") + ".*key of type 'tensor'"):
        nn.load(p)


# -- atomic save ---------------------------------------------------------------------------------

_WRITER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    import numpy as np, numpy.lib.format as fmt
    import autograd as ag, nn

    orig, calls = fmt.write_array, [0]

    def slow_write(fp, arr, *args, **kwargs):
        calls[0] += 1
        if calls[0] == 2:  # half of the second array, then hang until killed
            fp.write(np.ascontiguousarray(arr).tobytes()[: arr.nbytes // 2])
            print("MID-SAVE", flush=True)
            time.sleep(60)
        return orig(fp, arr, *args, **kwargs)

    fmt.write_array = slow_write
    big = {{"w": ag.ones(512, 512), "b": np.full((512, 512), 7.0), "epoch": 99}}
    nn.save(big, {path!r})
    print("SAVED", flush=True)
    """
)


def test_a_writer_killed_mid_save_leaves_the_old_checkpoint(tmp_path):
    p = tmp_path / "ckpt.npz"
    nn.save({"w": ag.zeros(3), "epoch": 1}, p)
    before = _sha(p)
    script = _WRITER.format(root=str(ROOT), path=str(p))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "MID-SAVE", line
        temps = list(tmp_path.glob(".ckpt.npz.*.tmp"))
        assert len(temps) == 1 and temps[0].stat().st_size > 0
        proc.kill()  # SIGKILL: no cleanup handlers run
    finally:
        proc.kill()
        proc.wait(10)
    assert _sha(p) == before
    ck = nn.load(p)
    assert ck["epoch"] == 1 and ck["w"].tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(nn.CheckpointError):
        nn.load(temps[0])  # the half-written temp file is not a checkpoint


_LOOPER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    import numpy as np, nn
    data = [np.full(1_500_000, float(i)) for i in (1, 2)]
    print("GO", flush=True)
    i = 0
    while True:
        nn.save({{"x": data[i % 2], "i": i % 2}}, {path!r})
        i += 1
    """
)


def test_random_kills_never_leave_a_corrupt_checkpoint(tmp_path):
    p = tmp_path / "loop.npz"
    nn.save({"x": np.full(1_500_000, 1.0), "i": 0}, p)
    script = _LOOPER.format(root=str(ROOT), path=str(p))
    for delay in (0.05, 0.13, 0.29):
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout.readline().strip() == "GO"
            try:
                proc.wait(delay)
            except subprocess.TimeoutExpired:
                pass
        finally:
            proc.kill()
            proc.wait(10)
        ck = nn.load(p)  # always one whole checkpoint or the other
        assert ck["i"] in (0, 1) and np.all(ck["x"] == ck["i"] + 1.0)


def test_a_failing_save_removes_its_temp_file(tmp_path, monkeypatch):
    p = tmp_path / "c.npz"
    nn.save({"v": 1}, p)
    before = _sha(p)

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", boom)
    with pytest.raises(OSError, match="disk full"):
        nn.save({"v": np.ones(3)}, p)
    assert _sha(p) == before and [x.name for x in tmp_path.iterdir()] == ["c.npz"]


# -- resume reproduces the uninterrupted run exactly -------------------------------------------


def _setup(seed, own_generator):
    """Model (with dropout) initialised from ``seed``, SGD with momentum, a shuffling loader over
    fixed data (its own generator, if any, also from ``seed``)."""
    model = _mlp(seed)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
    rng = np.random.default_rng(1234)
    X = rng.standard_normal((40, 6)).astype(np.float32)
    y = rng.integers(0, 3, 40)
    gen = np.random.default_rng(seed + 1) if own_generator else None
    loader = DataLoader(TensorDataset(X, y), batch_size=8, shuffle=True, generator=gen)
    return model, opt, loader


def _train(model, opt, loader, steps):
    """Run ``steps`` optimizer steps over as many epochs as needed; returns the step count."""
    done = 0
    while done < steps:
        for xb, yb in loader:
            _step(model, opt, xb, yb)
            done += 1
            if done == steps:
                return done
    return done


@pytest.mark.parametrize("own_generator", [False, True])
def test_resume_from_checkpoint_is_bit_identical(tmp_path, own_generator):
    N, half = 14, 7  # 5 batches per epoch: the checkpoint falls mid-epoch
    ag.manual_seed(0)
    model, opt, loader = _setup(0, own_generator)
    _train(model, opt, loader, N)
    ref = [p.detach().numpy().copy() for p in model.parameters()]

    ag.manual_seed(0)
    model, opt, loader = _setup(0, own_generator)
    _train(model, opt, loader, half)
    nn.save(
        {
            "model": model.state_dict(),
            "optim": opt.state_dict(),
            "rng": ag.get_rng_state(),
            "loader": loader.state_dict(),
            "step": half,
        },
        tmp_path / "ckpt.npz",
    )
    del model, opt, loader

    ag.manual_seed(77)  # a different process state, then everything from the checkpoint
    model, opt, loader = _setup(5, own_generator)
    ck = nn.load(tmp_path / "ckpt.npz")
    model.load_state_dict(ck["model"])
    opt.load_state_dict(ck["optim"])
    loader.load_state_dict(ck["loader"])
    ag.set_rng_state(ck["rng"])
    assert ck["step"] == half and ck["loader"]["epoch"] == 1 and ck["loader"]["batch"] == 2
    _train(model, opt, loader, N - half)
    for a, p in zip(ref, model.parameters()):
        assert np.array_equal(a, p.detach().numpy())
