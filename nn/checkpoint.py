"""``nn.save`` / ``nn.load``: checkpoints as one ``.npz`` file with a JSON manifest, never pickle.

nn.save({"model": model.state_dict(), "optim": opt.state_dict(), "epoch": epoch,
         "rng": ag.get_rng_state(), "loader": loader.state_dict()}, "ckpt.npz")
ckpt = nn.load("ckpt.npz")                      # map_location="cpu" moves every tensor to the CPU
model.load_state_dict(ckpt["model"]); opt.load_state_dict(ckpt["optim"])

What can be saved: nested dicts (any ``Mapping``; ``OrderedDict`` and ``Counter`` are kept,
other mappings come back as plain dicts), lists and tuples
of Tensors (``Parameter`` s stay Parameters; ``requires_grad`` is kept), numpy or cupy arrays,
numpy scalars, and Python ``None`` / bool / int (any size) / float (NaN and inf too) / str.
NumPy's own types are accepted where the Python ones are: ``np.str_`` comes back as str, ndarray
subclasses (``np.memmap``, ``np.matrix``) as plain arrays. Dict keys: str, int, float, bool, None
or tuples of those (NumPy scalars of those kinds come back as the Python type). At most
``MAX_DEPTH`` (200) levels of nesting. An object reachable twice (a tied weight) is stored once
and comes back as one object.

The file: ``np.savez`` members ``a0.npy, a1.npy, ...`` (device arrays are copied to the host)
and ``__manifest__.npy``, the UTF-8 JSON ``{"format": "tapegrad.checkpoint", "version": 1,
"root": node}`` where every node is tagged (``{"t": "dict", "keys": [...], "values": [...]}``,
``{"t": "tensor", "ref": "a0", "dtype": "<f4", "shape": [3, 4], "device": "cpu", ...}``, ...).
Loading uses ``np.load(allow_pickle=False)``, so a checkpoint from a stranger cannot run code.

Saving is atomic: the file is written beside the target under a temporary name, flushed and
fsynced, then renamed over the target with ``os.replace`` (and the folder fsynced), so a crash
mid-save leaves the previous checkpoint intact (and possibly a stray ``.<name>.*.tmp`` file).
Loading checks everything and builds the whole result before returning; any problem raises
``CheckpointError`` (a ValueError) naming the file and the key.
"""

from __future__ import annotations

import errno
import json
import math
import numbers
import os
import uuid
import zipfile
import zlib
from collections import Counter, OrderedDict
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from autograd.tensor import Tensor

from .parameter import Parameter

__all__ = ["save", "load", "CheckpointError", "FORMAT_NAME", "FORMAT_VERSION"]

FORMAT_NAME = "tapegrad.checkpoint"
FORMAT_VERSION = 1
_MANIFEST = "__manifest__"
_ARRAY_KINDS = "biufc"  # bool, ints, floats, complex: everything np.load reads without pickle
MAX_DEPTH = 200  # nesting levels; nn.load (recursive, like json) reads this deep with room to spare


class CheckpointError(ValueError):
    """A checkpoint file is corrupt, truncated, of an unknown version or inconsistent."""


def _key_str(path: list) -> str:
    if len(path) > 12:  # a very deep path: its start and its length
        return _key_str(path[:8]) + f"... ({len(path)} levels deep)"
    return "obj" + "".join(f"[{k!r}]" for k in path) if path else "obj (the root)"


def _too_deep(path, what="") -> ValueError:
    return ValueError(
        f"nn.save: {_key_str(path)}: {what}nested too deeply (more than {MAX_DEPTH} levels of "
        "dicts, lists and tuples); flatten the structure"
    )


# -- encoding ------------------------------------------------------------------------------------


class _Encoder:
    """Walk the object once: collect host arrays and build the manifest tree."""

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}
        self.memo: dict[int, str] = {}  # id(tensor or array) -> ref, for objects seen twice
        self.keep: list = []  # keeps memoised objects alive so their ids stay unique
        self.active: set[int] = set()

    def _array_node(self, a, path):
        device = "cpu"
        if isinstance(a, np.ma.MaskedArray):
            raise TypeError(
                f"nn.save: {_key_str(path)}: masked arrays cannot be saved; save their .data and "
                ".mask"
            )
        if isinstance(a, np.ndarray):
            a = np.asarray(a)  # np.memmap, np.matrix, ...: saved as the plain array
        elif not type(a).__module__.startswith("cupy"):
            raise TypeError(f"nn.save: {_key_str(path)}: unsupported array type {type(a)}")
        else:
            from backends import device_of

            device = device_of(a)
            a = a.get()
        if a.dtype.kind not in _ARRAY_KINDS:
            raise TypeError(
                f"nn.save: {_key_str(path)}: arrays of dtype {a.dtype} cannot be saved without "
                "pickle (only bool, integer, float and complex arrays)"
            )
        ref = f"a{len(self.arrays)}"
        self.arrays[ref] = a
        return {"ref": ref, "dtype": a.dtype.str, "shape": list(a.shape), "device": device}

    def node(self, obj, path):
        if obj is None:
            return {"t": "none"}
        if isinstance(obj, bool):
            return {"t": "bool", "v": obj}
        if isinstance(obj, Tensor):
            return self._memo(obj, path, self._tensor)
        if isinstance(obj, np.ndarray) or type(obj).__module__.startswith("cupy"):
            if not hasattr(obj, "dtype") or not hasattr(obj, "shape"):
                raise TypeError(f"nn.save: {_key_str(path)}: cannot save {type(obj).__name__}")
            return self._memo(obj, path, lambda a, p: {"t": "array", **self._array_node(a, p)})
        if isinstance(obj, np.str_):
            return {"t": "str", "v": str(obj)}
        if isinstance(obj, np.generic):
            if obj.dtype.kind not in _ARRAY_KINDS:
                raise TypeError(
                    f"nn.save: {_key_str(path)}: cannot save a numpy {type(obj).__name__} "
                    "scalar (only bool, integer, float and complex ones, and np.str_)"
                )
            n = self._array_node(np.asarray(obj), path)
            return {"t": "npscalar", **n}
        if isinstance(obj, int):
            return {"t": "int", "v": int(obj)}
        if isinstance(obj, float):
            v = float(obj)
            return {"t": "float", "v": v if math.isfinite(v) else repr(v)}
        if isinstance(obj, str):
            return {"t": "str", "v": obj}
        if isinstance(obj, (list, tuple, Mapping)):
            if len(path) >= MAX_DEPTH:
                raise _too_deep(path)
            if id(obj) in self.active:
                raise TypeError(f"nn.save: {_key_str(path)}: the object contains itself (a cycle)")
            self.active.add(id(obj))
            try:
                return self._container(obj, path)
            finally:
                self.active.discard(id(obj))
        raise TypeError(
            f"nn.save: {_key_str(path)}: cannot save an object of type {type(obj).__name__}; "
            "checkpoints hold dicts, lists, tuples, Tensors, arrays, numbers, str, bool and None "
            "(save model.state_dict() and optimizer.state_dict(), not the objects)"
        )

    def _memo(self, obj, path, make):
        key = id(obj)
        if key in self.memo:
            return {"t": "same", "ref": self.memo[key]}
        n = make(obj, path)
        self.memo[key] = n["ref"]
        self.keep.append(obj)
        return n

    def _tensor(self, t, path):
        n = {"t": "tensor", **self._array_node(t._data, path)}
        if t.requires_grad:
            n["requires_grad"] = True
        if isinstance(t, Parameter):
            n["parameter"] = True
        return n

    def _container(self, obj, path):
        if isinstance(obj, tuple) and hasattr(obj, "_fields"):
            raise TypeError(
                f"nn.save: {_key_str(path)}: namedtuple {type(obj).__name__} is not supported; "
                "save it as a dict (obj._asdict())"
            )
        if isinstance(obj, (list, tuple)):
            items = [self.node(v, path + [i]) for i, v in enumerate(obj)]
            return {"t": "list" if isinstance(obj, list) else "tuple", "items": items}
        keys, values = [], []
        for k, v in obj.items():
            keys.append(self._key(k, path))
            values.append(self.node(v, path + [k]))
        n = {"t": "dict", "keys": keys, "values": values}
        if isinstance(obj, OrderedDict):
            n["ordered"] = True
        elif isinstance(obj, Counter):
            n["counter"] = True
        return n

    def _key(self, k, path, depth=0):
        if k is None or isinstance(k, (bool, str)):
            return self.node(k, path)
        if isinstance(k, np.bool_):
            return self.node(bool(k), path)
        if isinstance(k, numbers.Integral):
            return {"t": "int", "v": int(k)}
        if isinstance(k, (float, np.floating)):
            return self.node(float(k), path)
        if isinstance(k, tuple) and not hasattr(k, "_fields"):
            if len(path) + depth >= MAX_DEPTH:
                raise _too_deep(path, "a dict key ")
            return {"t": "tuple", "items": [self._key(v, path, depth + 1) for v in k]}
        raise TypeError(
            f"nn.save: {_key_str(path)}: dict key {k!r} of type {type(k).__name__} is not "
            "supported (str, int, float, bool, None or tuples of those)"
        )


def _fsync_dir(folder: str) -> None:
    """Make the rename durable; not possible on every platform (e.g. Windows), then skipped."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _os_error(e: OSError, what: str) -> OSError:
    """``e`` said again about the target instead of the temp file (same errno, so the same
    subclass: PermissionError, ...)."""
    reason = e.strerror or str(e)
    return OSError(e.errno, f"{what}: {reason}") if e.errno else OSError(f"{what}: {reason}")


def save(obj, path, *, compress: bool = False) -> None:
    """Save ``obj`` (nested dicts / lists / tuples of Tensors, arrays and plain values) to
    ``path``, atomically: a crash mid-save leaves any previous file at ``path`` intact.

    path: a file name (str or Path; no extension is added) or a writable binary file object
    (then written directly, not atomically). compress: zip-deflate the arrays (smaller,
    slower). Unsupported values raise TypeError, and structures nested more than ``MAX_DEPTH``
    levels deep ValueError, naming the key, before anything is written. A missing folder or a
    path that is a folder raises FileNotFoundError / IsADirectoryError naming both.
    """
    enc = _Encoder()
    try:
        root = enc.node(obj, [])
        manifest = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "root": root}
        text = json.dumps(manifest, allow_nan=False, separators=(",", ":"))
    except RecursionError:  # the caller's own stack is already deep
        raise ValueError(
            "nn.save: obj is nested too deeply to save from here (Python's recursion limit)"
        ) from None
    arrays = dict(enc.arrays)
    arrays[_MANIFEST] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    writer = np.savez_compressed if compress else np.savez

    if hasattr(path, "write"):
        writer(path, **arrays)
        return
    path = os.fspath(Path(path).expanduser())
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        if os.path.exists(folder):
            raise NotADirectoryError(
                errno.ENOTDIR, f"nn.save: cannot save to {path}: {folder} is not a folder"
            )
        raise FileNotFoundError(
            errno.ENOENT, f"nn.save: cannot save to {path}: the folder {folder} does not exist"
        )
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, f"nn.save: cannot save to {path}: it is a folder")
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{uuid.uuid4().hex[:12]}.tmp")
    # O_EXCL: never clobber another writer's temp file; mode 0o666 lets the umask decide, as
    # for any new file
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as e:
        raise _os_error(
            e, f"nn.save: cannot save to {path}: cannot create a file in {folder}"
        ) from e
    try:
        with os.fdopen(fd, "wb") as f:
            writer(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.replace(tmp, path)
        except OSError as e:
            raise _os_error(e, f"nn.save: cannot save to {path}: cannot replace it") from e
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(folder)


# -- decoding ------------------------------------------------------------------------------------


class _Decoder:
    def __init__(self, where, npz, map_location):
        self.where = where
        self.npz = npz
        self.map_location = map_location
        self.files = set(npz.files)
        self.cache: dict[str, object] = {}

    def fail(self, path, msg):
        return CheckpointError(f"{self.where}: {_key_str(path)}: {msg}")

    def node(self, n, path):
        if not isinstance(n, dict) or "t" not in n:
            raise self.fail(path, f"malformed manifest entry {str(n)[:80]!r}")
        t = n["t"]
        try:
            if t == "none":
                return None
            if t in ("bool", "int", "str"):
                v = n["v"]
                want = {"bool": bool, "int": int, "str": str}[t]
                if type(v) is not want:
                    raise self.fail(path, f"manifest says {t} but holds {v!r}")
                return v
            if t == "float":
                v = n["v"]
                if isinstance(v, str) and v in ("nan", "inf", "-inf"):
                    return float(v)
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    raise self.fail(path, f"manifest says float but holds {v!r}")
                return float(v)
            if t in ("list", "tuple"):
                items = [self.node(v, path + [i]) for i, v in enumerate(n["items"])]
                return items if t == "list" else tuple(items)
            if t == "dict":
                keys, values = n["keys"], n["values"]
                if len(keys) != len(values):
                    raise self.fail(path, "manifest dict has different numbers of keys and values")
                out = OrderedDict() if n.get("ordered") else Counter() if n.get("counter") else {}
                for kn, vn in zip(keys, values):
                    k = self._key(kn, path)
                    out[k] = self.node(vn, path + [k])
                return out
            if t in ("tensor", "array", "npscalar"):
                ref = n["ref"]
                a = self._array(n, path)
                if t == "npscalar":
                    if a.ndim != 0:
                        raise self.fail(path, f"numpy scalar {ref!r} has shape {a.shape}, not ()")
                    return a[()]
                if t == "tensor":
                    rg, param = n.get("requires_grad", False), n.get("parameter", False)
                    if type(rg) is not bool or type(param) is not bool:
                        raise self.fail(path, "requires_grad and parameter must be true or false")
                    if rg and a.dtype.kind not in "fc":
                        raise self.fail(
                            path, f"a tensor of dtype {a.dtype} cannot have requires_grad=True"
                        )
                v = self._place(a, n, t, path)
                if t == "tensor":
                    v = (Parameter if param else Tensor)(v, requires_grad=rg)
                self.cache[ref] = v
                return v
            if t == "same":
                ref = n["ref"]
                if ref not in self.cache:
                    raise self.fail(path, f"reference to {ref!r} before its definition")
                return self.cache[ref]
        except KeyError as e:
            raise self.fail(path, f"manifest entry of type {t!r} lacks {e}") from None
        except TypeError as e:  # e.g. an unhashable key, a list where a dict belongs
            raise self.fail(path, f"malformed manifest entry: {e}") from None
        raise self.fail(path, f"unknown manifest entry type {t!r}")

    _KEY_TYPES = ("none", "bool", "int", "float", "str", "tuple")

    def _key(self, n, path):
        """A dict key: only the node types ``save`` writes for keys (all hashable)."""
        t = n.get("t") if isinstance(n, dict) else None
        if t not in self._KEY_TYPES:
            raise self.fail(path, f"a dict key of type {t!r} in the manifest")
        if t == "tuple":
            items = n.get("items")
            if not isinstance(items, list):
                raise self.fail(path, "malformed tuple dict key in the manifest")
            return tuple(self._key(v, path) for v in items)
        return self.node(n, path)

    def _array(self, n, path):
        ref = n["ref"]
        if not isinstance(ref, str) or ref not in self.files:
            raise self.fail(path, f"array {ref!r} named by the manifest is missing from the file")
        try:
            a = self.npz[ref]
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, zlib.error) as e:
            raise self.fail(path, f"array {ref!r} is corrupt or truncated: {e}") from e
        dtype, shape = n["dtype"], n["shape"]
        try:
            want = np.dtype(dtype)
        except (TypeError, ValueError):
            raise self.fail(path, f"unknown dtype {dtype!r} in the manifest") from None
        if want.kind not in _ARRAY_KINDS:
            raise self.fail(path, f"dtype {want} cannot be in a checkpoint")
        if a.dtype != want:
            raise self.fail(path, f"array {ref!r} has dtype {a.dtype}, the manifest says {want}")
        if list(a.shape) != list(shape):
            raise self.fail(
                path, f"array {ref!r} has shape {tuple(a.shape)}, the manifest says {tuple(shape)}"
            )
        return a

    def _place(self, a, n, t, path):
        """Device of the loaded value: map_location, else where it was saved (cupy for cuda)."""
        from autograd.device import parse_device

        saved = n.get("device", "cpu")
        try:
            if not isinstance(saved, str):
                raise ValueError
            kind, idx = parse_device(saved)
        except ValueError:
            raise self.fail(path, f"unknown device {saved!r} in the manifest") from None
        saved = "cpu" if kind == "cpu" else f"cuda:{idx}"
        target = self.map_location
        if target is None:
            target = saved
        elif t == "array" and saved == "cpu":
            target = "cpu"  # plain numpy arrays are never moved
        if target == "cpu":
            return a
        return self.to_device(a, target, path)

    def to_device(self, a, device, path):
        from autograd.device import cuda_module

        try:
            xp = cuda_module(device)
        except RuntimeError as e:
            raise self.fail(
                path,
                f"saved on {device}, but {e}; pass map_location='cpu' to load the checkpoint "
                "on the CPU",
            ) from None
        return xp.asarray(a)


def load(path, map_location=None):
    """Load a checkpoint written by ``save``; returns the saved object.

    map_location: None puts every tensor (and device array) back on the device it was saved
    from; ``'cpu'`` or ``'cuda'`` / ``'cuda:N'`` moves every tensor there (plain numpy arrays
    stay numpy). Raises FileNotFoundError, or CheckpointError (a ValueError) naming the file and
    the key for a truncated or corrupt file, a missing manifest, an unknown format or version,
    or arrays whose dtype or shape disagree with the manifest. Nothing is returned until the
    whole object is built.
    """
    if map_location is not None:
        from autograd.device import parse_device

        kind, idx = parse_device(map_location)
        map_location = "cpu" if kind == "cpu" else f"cuda:{idx}"
    if hasattr(path, "read"):
        where, src = repr(path), path
    else:
        src = os.fspath(Path(path).expanduser())
        where = src
        if not os.path.isfile(src):
            raise FileNotFoundError(f"nn.load: no such checkpoint file: {src}")
    try:
        npz = np.load(src, allow_pickle=False)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error) as e:
        raise CheckpointError(
            f"{where}: not a readable tapegrad checkpoint (truncated or corrupt .npz?): {e}"
        ) from e
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise CheckpointError(
            f"{where}: not a tapegrad checkpoint: a .npy array, not an .npz archive"
        )
    with npz:
        if _MANIFEST not in npz.files:
            raise CheckpointError(
                f"{where}: no {_MANIFEST!r} entry: not a tapegrad checkpoint (an .npz from "
                "np.savez?)"
            )
        try:
            raw = npz[_MANIFEST]
            if raw.dtype != np.uint8 or raw.ndim != 1:
                raise ValueError(f"manifest is {raw.dtype} {raw.shape}, expected uint8 bytes")
            manifest = json.loads(raw.tobytes().decode("utf-8"))
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, zlib.error, RecursionError) as e:
            raise CheckpointError(f"{where}: the manifest is corrupt or truncated: {e}") from e
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
            fmt = manifest.get("format") if isinstance(manifest, dict) else None
            raise CheckpointError(f"{where}: unknown format {fmt!r}, expected {FORMAT_NAME!r}")
        version = manifest.get("version")
        if version != FORMAT_VERSION:
            raise CheckpointError(
                f"{where}: unknown {FORMAT_NAME} version {version!r}; this tapegrad reads version "
                f"{FORMAT_VERSION} (was it saved by a newer tapegrad?)"
            )
        if "root" not in manifest:
            raise CheckpointError(f"{where}: the manifest has no 'root' entry")
        try:
            return _Decoder(where, npz, map_location).node(manifest["root"], [])
        except RecursionError:
            raise CheckpointError(f"{where}: the manifest is nested too deeply") from None
