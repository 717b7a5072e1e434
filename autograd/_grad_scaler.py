"""``GradScaler``: dynamic loss scaling for float16 training, as ``torch.amp.GradScaler``
(reached as ``autograd.amp.GradScaler``).

The optimizer is used through ``param_groups`` (dicts with "params") and each parameter's
``.grad``, as torch does, so autograd needs nothing from ``optim``.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from enum import Enum

import numpy as np

from .tensor import Tensor, tensor

__all__ = ["GradScaler", "OptState"]

_F16 = np.dtype(np.float16)
_F32 = np.dtype(np.float32)


def _cuda_usable() -> bool:
    from backends import cupy_or_none

    return cupy_or_none() is not None


class OptState(Enum):
    """Where an optimizer is in the scaler's iteration: before unscale_, after it, after step."""

    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _fresh_state() -> dict:
    return {"stage": OptState.READY, "found_inf_per_device": {}}


def _f32(x) -> float:
    """``x`` rounded to float32 (inf beyond its range): the scale lives in a float32, as the
    scale tensor of torch's scaler."""
    with np.errstate(over="ignore"):
        return float(np.float32(x))


class GradScaler:
    """Dynamic loss scaling for float16 training, as ``torch.amp.GradScaler``.

    ``scale(loss)`` multiplies the loss by the scale (2**16 at first), so float16 gradients do
    not underflow; ``step(optimizer)`` divides the gradients by it again (``unscale_``) and runs
    ``optimizer.step()`` unless a gradient holds inf or NaN (then the step is skipped);
    ``update()`` multiplies the scale by ``backoff_factor`` after a skipped step and by
    ``growth_factor`` after ``growth_interval`` consecutive good ones.

    device: 'cuda' or 'cpu' (as torch: 'cuda' without a usable GPU warns and disables the
        scaler). Gradients of cpu and cuda parameters are both handled.
    enabled: False makes every method a pass-through (``step`` just calls ``optimizer.step``).

    The optimizer is used through ``param_groups`` (dicts with "params") and each parameter's
    ``.grad``, so any optimizer with PyTorch's interface works. The scale is a Python float
    rounded to float32 (torch keeps a float32 tensor; the values are the same).
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0**16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True):  # fmt: skip
        if not isinstance(device, str) or device.split(":")[0] not in ("cpu", "cuda"):
            raise ValueError(f"GradScaler: device must be 'cuda' or 'cpu', got {device!r}")
        self._device = device.split(":")[0]
        if enabled and self._device == "cuda" and not _cuda_usable():
            warnings.warn(
                "GradScaler is enabled, but CUDA is not available.  Disabling.", stacklevel=2
            )
            enabled = False
        self._enabled = bool(enabled)
        if self._enabled:
            if growth_factor <= 1.0:
                raise ValueError(
                    f"GradScaler: the growth factor must be > 1.0, got {growth_factor}"
                )
            if backoff_factor >= 1.0:
                raise ValueError(
                    f"GradScaler: the backoff factor must be < 1.0, got {backoff_factor}"
                )
        self._init_scale = init_scale
        self._scale = None  # set by the first scale(): float32-rounded Python float
        self._growth_factor = growth_factor
        self._backoff_factor = backoff_factor
        self._growth_interval = growth_interval
        self._init_growth_tracker = 0
        self._growth_tracker = None
        self._per_optimizer_states = defaultdict(_fresh_state)

    def _check_scale_growth_tracker(self, funcname: str):
        if self._scale is None:
            raise RuntimeError(
                f"GradScaler.{funcname}: attempted {funcname} but the scale is not set. This may "
                "indicate your script did not use scaler.scale(loss or outputs) earlier in the "
                "iteration."
            )
        return self._scale, self._growth_tracker

    def _lazy_init(self):
        if self._scale is None:
            self._scale = _f32(self._init_scale)
            self._growth_tracker = int(self._init_growth_tracker)

    def _times_scale(self, t: Tensor) -> Tensor:
        # torch multiplies by a 0-d float32 tensor: a float16 tensor with dims stays float16,
        # a 0-d one becomes float32 (a Python float would keep it float16)
        if t.ndim == 0 or t._data.dtype.kind != "f":
            return t * tensor(self._scale, dtype=_F32, device=t.device)
        return t * self._scale

    def scale(self, outputs):
        """``outputs`` times the scale: a Tensor, or (nested) lists/tuples/iterables of them.

        Returns the same structure (an iterator for other iterables, as torch). Unchanged when
        the scaler is disabled.
        """
        if not self._enabled:
            return outputs

        def apply(v):
            if isinstance(v, Tensor):
                self._lazy_init()
                return self._times_scale(v)
            if isinstance(v, (list, tuple)):
                return type(v)(apply(w) for w in v)
            if isinstance(v, (str, bytes)) or not hasattr(v, "__iter__"):
                raise ValueError(
                    "GradScaler.scale: outputs must be a Tensor or an iterable of Tensors, got "
                    f"{type(v).__name__}"
                )
            return map(apply, v)

        return apply(outputs)

    def _unscale_grads_(self, optimizer, inv_scale: float, allow_fp16: bool) -> dict:
        """Multiply every gradient by ``inv_scale`` in place; per device, 1.0 if any held a
        non-finite value (checked before the multiply) else 0.0."""
        per_device: dict = {}
        for group in optimizer.param_groups:
            for p in group["params"]:
                if not isinstance(p, Tensor):
                    raise TypeError(
                        f"GradScaler.unscale_: expected the optimizer's params to be Tensors, got "
                        f"{type(p).__name__}"
                    )
                g = p.grad
                if g is None:
                    continue
                if not allow_fp16 and g._data.dtype == _F16:
                    raise ValueError("Attempting to unscale FP16 gradients.")
                per_device.setdefault(g.device, []).append(g)
        found = {}
        for dev, grads in per_device.items():
            bad = False
            for g in grads:
                a = g._data
                if not bad and not bool(np.isfinite(a).all()):
                    bad = True
                a *= inv_scale
                if g._vc is not None:
                    g._vc[0] += 1
            found[dev] = 1.0 if bad else 0.0
        return found

    def unscale_(self, optimizer) -> None:
        """Divide ``optimizer``'s gradients by the scale, in place, and check them for inf/NaN.

        Optional: call it between backward and ``step`` to clip or inspect the true gradients.
        At most once per optimizer per ``update()`` (RuntimeError otherwise, as torch).
        """
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.UNSCALED:
            raise RuntimeError(
                "GradScaler.unscale_: unscale_() has already been called on this optimizer since "
                "the last update()."
            )
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("GradScaler.unscale_: unscale_() is being called after step().")
        inv_scale = _f32(
            1.0 / np.float64(self._scale)
        )  # torch: scale.double().reciprocal().float()
        state["found_inf_per_device"] = self._unscale_grads_(optimizer, inv_scale, False)
        state["stage"] = OptState.UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """``unscale_(optimizer)`` (unless already called), then ``optimizer.step(*args,
        **kwargs)`` unless a gradient holds inf or NaN. Returns the step's return value, or
        None when it was skipped. A ``closure=`` keyword is refused, as in torch."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError(
                "GradScaler.step: Closure use is not currently supported if GradScaler is enabled."
            )
        self._check_scale_growth_tracker("step")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError(
                "GradScaler.step: step() has already been called since the last update()."
            )
        if state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if not state["found_inf_per_device"]:
            raise RuntimeError(
                "GradScaler.step: no inf checks were recorded for this optimizer (none of its "
                "parameters has a gradient)."
            )
        retval = None
        if not sum(state["found_inf_per_device"].values()):
            retval = optimizer.step(*args, **kwargs)
        state["stage"] = OptState.STEPPED
        return retval

    def update(self, new_scale=None) -> None:
        """Update the scale at the end of the iteration: ``backoff_factor`` times it if any
        optimizer's step was skipped, ``growth_factor`` times it after ``growth_interval``
        consecutive unskipped iterations (never past float32's range). ``new_scale`` (a float
        or a one-element tensor) sets it instead."""
        if not self._enabled:
            return
        scale, tracker = self._check_scale_growth_tracker("update")
        if new_scale is not None:
            if isinstance(new_scale, Tensor):
                reason = (
                    "GradScaler.update: new_scale should be a float or a 1-element tensor on "
                    f"{self._device} with requires_grad=False"
                )
                if (
                    new_scale.device.split(":")[0] != self._device
                    or new_scale.numel() != 1
                    or new_scale.requires_grad
                ):
                    raise ValueError(reason)
                new_scale = new_scale.item()
            if not isinstance(new_scale, (int, float, np.floating, np.integer)):
                raise TypeError(
                    f"GradScaler.update: new_scale must be a float or a tensor, got "
                    f"{type(new_scale).__name__}"
                )
            self._scale = _f32(new_scale)
        else:
            found = [
                f
                for state in self._per_optimizer_states.values()
                for f in state["found_inf_per_device"].values()
            ]
            if not found:
                raise RuntimeError(
                    "GradScaler.update: no inf checks were recorded prior to update() (call "
                    "step() or unscale_() first)."
                )
            # torch's _amp_update_scale_: float32 scale times a double factor, stored as float32
            if sum(found):
                self._scale, self._growth_tracker = _f32(scale * self._backoff_factor), 0
            elif tracker + 1 == self._growth_interval:
                grown = _f32(scale * self._growth_factor)
                if np.isfinite(grown):  # never grows past float32's range to inf
                    self._scale = grown
                self._growth_tracker = 0
            else:
                self._growth_tracker = tracker + 1
        self._per_optimizer_states = defaultdict(_fresh_state)

    def get_scale(self) -> float:
        """The current scale (the initial one before the first ``scale``); 1.0 when disabled."""
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else self._scale

    def get_growth_factor(self) -> float:
        """The factor the scale grows by after ``growth_interval`` good iterations."""
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        """Set the growth factor."""
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        """The factor the scale shrinks by after a skipped step."""
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        """Set the backoff factor."""
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        """How many consecutive unskipped iterations grow the scale."""
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        """Set the growth interval."""
        self._growth_interval = new_interval

    def _get_growth_tracker(self) -> int:
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None else self._growth_tracker

    def is_enabled(self) -> bool:
        """Whether this scaler scales (False: every method is a pass-through)."""
        return self._enabled

    def state_dict(self) -> dict:
        """``{"scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker"}``
        (empty when disabled). Take it after ``update()``."""
        if not self._enabled:
            return {}
        return {
            "scale": self.get_scale(),
            "growth_factor": self._growth_factor,
            "backoff_factor": self._backoff_factor,
            "growth_interval": self._growth_interval,
            "_growth_tracker": self._get_growth_tracker(),
        }

    def load_state_dict(self, state_dict: dict) -> None:
        """Load what ``state_dict()`` returned (a no-op when disabled)."""
        if not self._enabled:
            return
        if not state_dict:
            raise RuntimeError(
                "GradScaler.load_state_dict: the source state dict is empty, possibly because it "
                "was saved from a disabled instance of GradScaler."
            )
        keys = ("scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker")
        missing = [k for k in keys if k not in state_dict]
        if missing:
            raise KeyError(f"GradScaler.load_state_dict: missing keys {missing}")
        self._init_scale = float(state_dict["scale"])
        if self._scale is not None:
            self._scale = _f32(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._init_growth_tracker = int(state_dict["_growth_tracker"])
        if self._growth_tracker is not None:
            self._growth_tracker = self._init_growth_tracker

    def __getstate__(self):
        if self._enabled and self._per_optimizer_states:
            raise RuntimeError(
                "GradScaler: an instance may only be pickled at the beginning of an iteration, or "
                "at the end after scaler.update()."
            )
        state = self.__dict__.copy()
        state["_per_optimizer_states"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._per_optimizer_states = defaultdict(_fresh_state)
