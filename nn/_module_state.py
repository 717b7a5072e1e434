"""``Module.state_dict`` / ``load_state_dict``: the dotted-name dict of parameters and
persistent buffers, and a load that checks and converts every value before writing any.

Split out of ``nn/module.py``: ``Module`` inherits these methods from ``_StateDictMixin``, and
``nn.module`` re-exports every name defined here.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict, namedtuple
from typing import TYPE_CHECKING

import numpy as np

import autograd as ag
from autograd.errors import ShapeError
from autograd.tensor import Tensor

if TYPE_CHECKING:
    from .module import Module


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict(strict=False)`` returns: the keys it skipped."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


class _StateDictMixin:
    """Mixin of ``Module``: ``state_dict`` and ``load_state_dict``, over the parameters and
    persistent buffers of the module tree (``named_modules``)."""

    # -- state dict ----------------------------------------------------------------------------

    def _state_items(self, prefix: str):
        for name, p in self._parameters.items():
            if p is not None:
                yield prefix + name, p
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers:
                yield prefix + name, b

    def state_dict(self, destination=None, prefix: str = "", keep_vars: bool = False):
        """An ordered dict ``{dotted_name: tensor}`` of parameters and persistent buffers.

        Values share memory with the module (detached tensors, or the parameters themselves
        with ``keep_vars=True``), as in PyTorch: ``copy.deepcopy`` it to keep a snapshot.
        """
        if destination is None:
            destination = OrderedDict()
        # a module registered under two names is saved under both (as PyTorch)
        root = prefix.rstrip(".") if prefix else ""
        for mprefix, m in self.named_modules(prefix=root, remove_duplicate=False):
            p = mprefix + "." if mprefix else ""
            for key, t in m._state_items(p):
                destination[key] = t if keep_vars else t.detach()
        return destination

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copy parameters and buffers from ``state_dict`` (values: Tensors or arrays).

        strict: missing or unexpected keys raise (else they are returned). A wrongly shaped
        value always raises (a ShapeError). Everything is checked and converted before anything
        is written, so on error every parameter and buffer is left as it was. Values are cast to
        each tensor's dtype and device. Returns ``IncompatibleKeys(missing_keys,
        unexpected_keys)``.
        """
        if not hasattr(state_dict, "keys"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}")
        state_dict = _run_load_pre_hooks(self, state_dict, strict)
        own = OrderedDict()
        for mprefix, m in self.named_modules(remove_duplicate=False):
            p = mprefix + "." if mprefix else ""
            for key, t in m._state_items(p):
                own[key] = t
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        shape_errors = []
        plan = []
        for key, t in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            try:
                arr = _value_array(value)
            except TypeError as e:
                errors.append(f'While copying the parameter named "{key}": {e}')
                continue
            if tuple(arr.shape) != tuple(t.shape):
                shape_errors.append(
                    f"size mismatch for {key}: copying a param with shape {tuple(arr.shape)} "
                    f"from checkpoint, the shape in current model is {tuple(t.shape)}."
                )
                continue
            try:
                arr = _convert_like(arr, t)
            except Exception as e:  # e.g. cupy missing for a GPU model
                errors.append(f'While copying the parameter named "{key}": {e}')
                continue
            plan.append((t, arr))
        if strict:
            if unexpected:
                keys = ", ".join(f'"{k}"' for k in unexpected)
                errors.insert(0, f"Unexpected key(s) in state_dict: {keys}.")
            if missing:
                keys = ", ".join(f'"{k}"' for k in missing)
                errors.insert(0, f"Missing key(s) in state_dict: {keys}.")
        if errors or shape_errors:
            msg = f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(
                errors + shape_errors
            )
            raise (ShapeError if shape_errors else RuntimeError)(msg)
        # every value checked and converted: now write (nothing below can fail on bad input)
        for t, arr in plan:
            if assign:
                _swap_data(t, arr)
            else:
                with ag.no_grad():
                    t.copy_(Tensor(arr))
        return IncompatibleKeys(missing, unexpected)


def _run_load_pre_hooks(root: Module, state_dict, strict: bool):
    """``state_dict``, or a copy rewritten by the modules' load_state_dict pre-hooks."""
    hooked = [
        (prefix, m)
        for prefix, m in root.named_modules(remove_duplicate=False)
        if m.__dict__.get("_load_state_dict_pre_hooks")
    ]
    if not hooked:
        return state_dict
    state_dict = OrderedDict(state_dict)  # the caller's dict is never changed
    error_msgs = []
    for prefix, m in hooked:
        for hook in list(m._load_state_dict_pre_hooks.values()):
            hook(state_dict, prefix + "." if prefix else "", {}, strict, [], [], error_msgs)
    if error_msgs:
        raise RuntimeError(
            f"Error(s) in loading state_dict for {type(root).__name__}:\n\t"
            + "\n\t".join(error_msgs)
        )
    return state_dict


def _swap_data(t: Tensor, arr) -> None:
    """Point tensor ``t`` at array ``arr`` in place (identity kept), invalidating saved copies."""
    if t._vc is not None:
        t._vc[0] += 1  # records that saved the old array must not read the new one
    t._data = arr
    t._vc = None


def _value_array(value):
    if isinstance(value, Tensor):
        return value._data
    if hasattr(value, "detach") and hasattr(value, "cpu") and hasattr(value, "numpy"):
        return value.detach().cpu().numpy()  # a torch tensor
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return value
    if isinstance(value, (int, float, bool, list, tuple, np.generic)):
        return np.asarray(value)
    raise TypeError(f"expected a Tensor or an array, got {type(value).__name__}")


def _convert_like(arr, t: Tensor):
    """``arr`` as a new array with ``t``'s dtype and on ``t``'s device."""
    target = type(t._data)
    if type(arr) is not target:
        if target is np.ndarray:
            arr = arr.get() if hasattr(arr, "get") else np.asarray(arr)
        else:
            from backends import array_module

            arr = array_module(t._data).asarray(arr)
    if arr.dtype != t.dtype:
        if arr.dtype.kind in "fc" and t.dtype.kind in "iub":
            warnings.warn(
                f"load_state_dict: casting floating point values to {t.dtype}", stacklevel=3
            )
        if arr.dtype.kind == "c" and t.dtype.kind != "c":  # PyTorch's copy_ warns and drops it
            warnings.warn(
                f"load_state_dict: casting complex values ({arr.dtype}) to {t.dtype} discards "
                "the imaginary part",
                stacklevel=3,
            )
            arr = arr.real
        arr = arr.astype(t.dtype)
    else:
        arr = arr.copy()
    return arr
