"""The schedules of ``optim.lr_scheduler`` that follow something other than their own epoch
count: ReduceLROnPlateau (a metric) and the composites SequentialLR and ChainedScheduler (other
schedulers on the same optimizer).
"""

from __future__ import annotations

import math
import numbers
from bisect import bisect_right

from ._lr_base import LRScheduler, _check_optimizer
from .optimizer import Optimizer


class _Composite(LRScheduler):
    """A scheduler made of others on one optimizer (SequentialLR, ChainedScheduler): their
    checks, and state dicts that nest theirs. Subclasses set ``_schedulers``, ``optimizer`` and
    ``_last_lr`` and write ``step``."""

    def _check_schedulers(self, schedulers, optimizer) -> list:
        name = type(self).__name__
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError(f"{name} expects at least one scheduler, but got none.")
        for i, s in enumerate(schedulers):
            if not hasattr(s, "optimizer"):
                raise TypeError(f"{name}: scheduler {i} has no `optimizer` attribute")
            if isinstance(s, ReduceLROnPlateau):
                raise ValueError(
                    f"{name} does not support ReduceLROnPlateau (its step needs a metric), got "
                    f"one at index {i}"
                )
            if s.optimizer is not optimizer:
                raise ValueError(
                    f"{name} expects all schedulers to belong to the same optimizer, but "
                    f"scheduler {i} ({type(s).__name__}) drives a different one"
                )
        return schedulers

    def get_lr(self):
        """The lrs set by the last step."""
        return list(self._last_lr)

    def state_dict(self) -> dict:
        """Counters plus each wrapped scheduler's state dict."""
        sd = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        sd["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return sd

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore counters and each wrapped scheduler's state."""
        sd = dict(state_dict)
        subs = sd.pop("_schedulers", None)
        if subs is None or len(subs) != len(self._schedulers):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: expected {len(self._schedulers)} "
                "scheduler states"
            )
        self.__dict__.update(sd)
        for s, st in zip(self._schedulers, subs):
            s.load_state_dict(st)


class SequentialLR(_Composite):
    """Run ``schedulers`` one after another, switching at the epochs in ``milestones``.

    ``SequentialLR(opt, [LinearLR(opt, 0.1, total_iters=5), CosineAnnealingLR(opt, 95)],
    milestones=[5])``: a 5-epoch warm-up, then cosine annealing whose epoch 0 is epoch 5.
    Needs ``len(milestones) == len(schedulers) - 1``; every scheduler must drive ``optimizer``.
    """

    def __init__(self, optimizer: Optimizer, schedulers, milestones, last_epoch: int = -1):
        _check_optimizer(optimizer)
        schedulers = self._check_schedulers(schedulers, optimizer)
        milestones = list(milestones)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                "SequentialLR expects one milestone fewer than schedulers, but got "
                f"{len(schedulers)} schedulers and {len(milestones)} milestones"
            )
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for s in schedulers:  # undo the step each scheduler took when it was made
            s.last_epoch -= 1
        idx = bisect_right(milestones, 0)
        schedulers[idx]._initial_step()
        self._last_lr = schedulers[idx].get_last_lr()

    def step(self) -> None:
        """Advance one epoch: step the active scheduler (restarted at 0 on its milestone)."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_Composite):
    """Step several schedulers of one optimizer together: ``ChainedScheduler([ConstantLR(opt,
    0.1, total_iters=2), ExponentialLR(opt, 0.9)])``; each ``step()`` steps every one in order,
    so their (recursive) effects compose."""

    def __init__(self, schedulers, optimizer: Optimizer | None = None):
        schedulers = list(schedulers)
        if optimizer is None and schedulers:
            optimizer = schedulers[0].optimizer
        self._schedulers = self._check_schedulers(schedulers, optimizer)
        self.optimizer = optimizer
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def step(self) -> None:
        """Step every scheduler, in order."""
        for s in self._schedulers:
            s.step()
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by ``factor`` when a metric stops improving for ``patience`` epochs.

    Call ``step(metric)`` once per epoch with the validation metric.
    mode: "min" (lower is better) or "max". factor (0.1, < 1): the lr multiplier.
    patience (10): bad epochs tolerated; the lr drops on the next one. threshold (1e-4),
    threshold_mode: "rel" (better means beyond ``best * (1 -/+ threshold)``) or "abs" (beyond
    ``best -/+ threshold``). cooldown (0): epochs after a drop during which bad epochs are not
    counted. min_lr (0): a floor, a number or one per group. eps (1e-8): drops smaller than this
    are skipped.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr=0.0,
        eps: float = 1e-8,
    ):
        _check_optimizer(optimizer)
        if not factor < 1.0:
            raise ValueError("Factor should be < 1.0.")
        if not isinstance(patience, numbers.Integral) or patience < 0:
            raise ValueError(f"ReduceLROnPlateau: patience must be an integer >= 0, got {patience}")
        if not isinstance(cooldown, numbers.Integral) or cooldown < 0:
            raise ValueError(f"ReduceLROnPlateau: cooldown must be an integer >= 0, got {cooldown}")
        self.factor = factor
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError(
                    f"expected {len(optimizer.param_groups)} min_lrs, got {len(min_lr)}"
                )
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._step_count = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _init_is_better(self, mode, threshold, threshold_mode) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"mode {mode!r} is unknown!")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold mode {threshold_mode!r} is unknown!")
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        """Whether bad epochs are being ignored after a recent drop."""
        return self.cooldown_counter > 0

    def is_better(self, a: float, best: float) -> bool:
        """Whether metric ``a`` improves on ``best`` by more than the threshold."""
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (1.0 + self.threshold)
        return a > best + self.threshold

    def step(self, metrics, epoch=None) -> None:
        """Record this epoch's metric (a number or 1-element tensor); drop the lr if stalled."""
        current = float(metrics)
        self._step_count += 1
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"The number of param groups in the optimizer ({len(groups)}) differs from "
                    f"when ReduceLROnPlateau was made ({len(self.min_lrs)}); set `min_lrs` to "
                    "one value per group"
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        for i, group in enumerate(groups):
            old = float(group["lr"])
            new = max(old * self.factor, self.min_lrs[i])
            if old - new > self.eps:
                group["lr"] = new

    def get_lr(self):
        """The groups' current lrs."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the counters, best value and options saved by ``state_dict()``."""
        super().load_state_dict(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)
