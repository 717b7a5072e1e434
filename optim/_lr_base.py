"""The base class of the learning-rate schedules (``LRScheduler``) and the argument checks the
schedules share. Users import everything from ``optim.lr_scheduler``, whose docstring describes
the schedules.
"""

from __future__ import annotations

import numbers

from .optimizer import Optimizer


def _check_optimizer(optimizer) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


def _positive_int(value, name: str, cls: str) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{cls}: expected a positive integer {name}, but got {value!r}")
    return int(value)


def _per_group(name: str, optimizer: Optimizer, value, owner: str = "") -> list:
    """``value`` repeated per param group, or a list/tuple checked to have one per group;
    ``owner`` (the scheduler's name) leads the error message."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(
                f"{owner + ': ' if owner else ''}expected {n} values for {name} (one per param "
                f"group), got {len(value)}"
            )
        return list(value)
    return [value] * n


class LRScheduler:
    """Base class: sets every group's ``lr`` to ``get_lr()`` at each ``step()``.

    optimizer: the Optimizer whose ``param_groups`` it drives. last_epoch: -1 to start (the
    default); when resuming with ``last_epoch >= 0`` every group must already hold
    ``"initial_lr"``. Subclasses implement ``get_lr()``: the lrs (one per group) at
    ``self.last_epoch``.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                        "a scheduler with last_epoch >= 0"
                    )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True  # the constructor's step (PyTorch's rules treat it apart)
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rate of every param group at epoch ``self.last_epoch``."""
        raise NotImplementedError

    #: PyTorch's recursive rule, ``_chain(lr, base_lr)``: the lr at ``last_epoch`` from the
    #: group's current lr; None for the closed-form schedules
    _chain = None

    def get_last_lr(self) -> list[float]:
        """The learning rates this scheduler last set, one per param group."""
        return list(self._last_lr)

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or jump to ``epoch``) and set every group's lr."""
        self._step_count += 1
        self._update_lr(epoch)

    def _update_lr(self, epoch=None) -> None:
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        groups = self.optimizer.param_groups
        recursive = self._chain is not None and epoch is None and len(groups) == len(self.base_lrs)
        if recursive:
            values = [self._chain(g["lr"], b) for g, b in zip(groups, self.base_lrs)]
        else:
            values = self.get_lr()
        if len(values) != len(groups):
            raise ValueError(
                f"{type(self).__name__}: the optimizer has {len(groups)} param groups, but the "
                f"scheduler was made for {len(values)}"
            )
        for group, lr in zip(groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in groups]

    def state_dict(self) -> dict:
        """The scheduler's state: every attribute except the optimizer."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the state saved by ``state_dict()``."""
        if not isinstance(state_dict, dict):
            raise ValueError(f"{type(self).__name__}.load_state_dict: expected a dict")
        self.__dict__.update(state_dict)
