"""Learning-rate schedules, as in ``torch.optim.lr_scheduler``.

A scheduler wraps an optimizer and sets ``group["lr"]`` of every param group each time its
``step()`` is called (once per epoch, or once per batch for ``OneCycleLR``), after
``optimizer.step()``::

    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)
    for epoch in range(100):
        train_one_epoch(model, opt)
        sched.step()

Constructing a scheduler records each group's starting lr as ``group["initial_lr"]`` (the base
lr) and sets the lr for epoch 0. ``last_epoch`` counts the ``step()`` calls (0 after
construction).

StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR and CosineAnnealingLR
follow PyTorch's recursive rules: each ``step()`` moves the group's *current* lr (times gamma at
a milestone, ...), so an lr changed by hand carries on from there and two of them stepped on one
optimizer compose (``ExponentialLR`` and ``MultiStepLR`` together decay by both), as in PyTorch.
``step(epoch)`` with an explicit epoch uses the closed form of the base lr instead. The step
the constructor takes follows PyTorch 2's rules too (resuming with ``last_epoch >= 0`` keeps
the current lr, except at a StepLR/MultiStepLR/ConstantLR milestone). LambdaLR, OneCycleLR and
CosineAnnealingWarmRestarts are closed forms, as in PyTorch. ``ReduceLROnPlateau`` reacts to a
metric and scales the current lr. ``state_dict()``/``load_state_dict()`` save and restore a
scheduler's counters.
"""

from __future__ import annotations

import math
import numbers
import types
from bisect import bisect_right
from collections import Counter

from .optimizer import Optimizer

__all__ = [
    "LRScheduler",
    "LambdaLR",
    "MultiplicativeLR",
    "StepLR",
    "MultiStepLR",
    "ConstantLR",
    "LinearLR",
    "ExponentialLR",
    "PolynomialLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "OneCycleLR",
    "CyclicLR",
    "ChainedScheduler",
    "SequentialLR",
    "ReduceLROnPlateau",
]


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


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch); ``lr_lambda`` is a function or one per param group."""

    def __init__(self, optimizer: Optimizer, lr_lambda, last_epoch: int = -1):
        _check_optimizer(optimizer)
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"Expected {n} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"LambdaLR: lr_lambda must be callable, got {type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """The lr of every param group at ``last_epoch`` (the formula above)."""
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self) -> dict:
        """As the base class, with each lambda saved as its ``__dict__`` if it is a callable
        object and as None if it is a plain function (which cannot be saved)."""
        sd = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        sd["lr_lambdas"] = [
            None if isinstance(fn, types.FunctionType) else fn.__dict__.copy()
            for fn in self.lr_lambdas
        ]
        return sd

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore counters; callable objects' attributes are restored in place."""
        sd = dict(state_dict)
        lambdas = sd.pop("lr_lambdas", [None] * len(self.lr_lambdas))
        if len(lambdas) != len(self.lr_lambdas):
            raise ValueError(
                f"LambdaLR.load_state_dict: {len(lambdas)} saved lr_lambdas, "
                f"expected {len(self.lr_lambdas)}"
            )
        self.__dict__.update(sd)
        for fn, saved in zip(self.lr_lambdas, lambdas):
            if saved is not None:
                fn.__dict__.update(saved)


class MultiplicativeLR(LambdaLR):
    """lr = lr * lr_lambda(epoch) at every step after the first (recursive: it multiplies the
    current lr); ``lr_lambda`` is a function or one per param group."""

    def get_lr(self):
        """The closed form (for ``step(epoch)``): base_lr times the product of the factors of
        epochs 1 to ``last_epoch``."""
        out = []
        for fn, base in zip(self.lr_lambdas, self.base_lrs):
            lr = base
            for e in range(1, self.last_epoch + 1):
                lr *= fn(e)
            out.append(lr)
        return out

    def _update_lr(self, epoch=None) -> None:
        if epoch is not None:
            super()._update_lr(epoch)
            return
        self.last_epoch += 1
        groups = self.optimizer.param_groups
        if not self._is_initial:  # the constructor's step keeps the lr, as PyTorch
            for group, fn in zip(groups, self.lr_lambdas):
                group["lr"] = group["lr"] * fn(self.last_epoch)
        self._last_lr = [group["lr"] for group in groups]


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (epoch // step_size): decay by ``gamma`` every ``step_size``."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch=-1):
        self.step_size = _positive_int(step_size, "step_size", "StepLR")
        if not gamma >= 0:
            raise ValueError(f"{type(self).__name__}: gamma must be >= 0, got {gamma}")
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """The lr of every param group at ``last_epoch`` (the formula above)."""
        return [b * self.gamma ** (self.last_epoch // self.step_size) for b in self.base_lrs]

    def _chain(self, lr, base):
        e = self.last_epoch
        return lr * self.gamma if e != 0 and e % self.step_size == 0 else lr


class MultiStepLR(LRScheduler):
    """lr = base_lr * gamma ** (number of milestones <= epoch)."""

    def __init__(self, optimizer: Optimizer, milestones, gamma: float = 0.1, last_epoch=-1):
        milestones = list(milestones)
        for m in milestones:
            if not isinstance(m, numbers.Integral) or isinstance(m, bool):
                raise ValueError(f"MultiStepLR: milestones must be integers, got {m!r}")
        self.milestones = Counter(int(m) for m in milestones)
        if not gamma >= 0:
            raise ValueError(f"{type(self).__name__}: gamma must be >= 0, got {gamma}")
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """The lr of every param group at ``last_epoch`` (the formula above)."""
        k = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [b * self.gamma**k for b in self.base_lrs]

    def _chain(self, lr, base):
        k = self.milestones.get(self.last_epoch, 0)  # a milestone listed twice decays twice
        return lr * self.gamma**k if k else lr


class ConstantLR(LRScheduler):
    """lr = base_lr * factor until epoch ``total_iters``, then base_lr."""

    def __init__(self, optimizer, factor: float = 1.0 / 3, total_iters: int = 5, last_epoch=-1):
        if not 0.0 <= factor <= 1.0:
            raise ValueError("Constant multiplicative factor expected to be between 0 and 1.")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """The lr of every param group at ``last_epoch`` (the formula above)."""
        f = self.factor if self.last_epoch < self.total_iters else 1.0
        return [b * f for b in self.base_lrs]

    def _chain(self, lr, base):
        e = self.last_epoch
        if e == 0:
            return lr * self.factor
        if e != self.total_iters:
            return lr
        return lr * (1.0 / self.factor) if self.factor else base


class LinearLR(LRScheduler):
    """lr = base_lr * (start + (end - start) * min(epoch, total_iters) / total_iters).

    The usual warm-up: ``LinearLR(opt, start_factor=0.01, total_iters=5)`` climbs to the base lr
    over 5 epochs and stays there.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ):
        if not 0.0 < start_factor <= 1.0:
            raise ValueError(
                "Starting multiplicative factor expected to be greater than 0 and less or "
                "equal to 1."
            )
        if not 0.0 <= end_factor <= 1.0:
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1.")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = _positive_int(total_iters, "total_iters", "LinearLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """The lr of every param group at ``last_epoch`` (the formula above)."""
        frac = min(self.total_iters, self.last_epoch) / self.total_iters
        f = self.start_factor + (self.end_factor - self.start_factor) * frac
        return [b * f for b in self.base_lrs]

    def _chain(self, lr, base):
        e, s, t = self.last_epoch, self.start_factor, self.total_iters
        if e == 0:
            return lr * s
        if self._is_initial or e > t:
            return lr
        return lr * (1.0 + (self.end_factor - s) / (t * s + (e - 1) * (self.end_factor - s)))


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ** epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1):
        if not isinstance(gamma, numbers.Real) or not gamma > 0:
            raise ValueError(f"ExponentialLR: gamma must be a number > 0, got {gamma!r}")
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """The lr of every param group at ``last_epoch`` (the formula above)."""
        return [b * self.gamma**self.last_epoch for b in self.base_lrs]

    def _chain(self, lr, base):
        return lr if self._is_initial else lr * self.gamma


class PolynomialLR(LRScheduler):
    """lr = base_lr * (1 - min(epoch, total_iters) / total_iters) ** power."""

    def __init__(self, optimizer, total_iters: int = 5, power: float = 1.0, last_epoch=-1):
        self.total_iters = _positive_int(total_iters, "total_iters", "PolynomialLR")
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """The lr of every param group at ``last_epoch`` (the formula above)."""
        f = (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power
        return [b * f for b in self.base_lrs]

    def _chain(self, lr, base):
        e, t = self.last_epoch, self.total_iters
        if self._is_initial or e > t:
            return lr
        return lr * ((1.0 - e / t) / (1.0 - (e - 1) / t)) ** self.power


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2.

    Anneals from the base lr to ``eta_min`` over ``T_max`` epochs (SGDR without restarts; past
    ``T_max`` the cosine carries on, rising again, as in PyTorch).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch=-1):
        self.T_max = _positive_int(T_max, "T_max", "CosineAnnealingLR")
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """The lr of every param group at ``last_epoch`` (the formula above)."""
        c = (1.0 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2.0
        return [self.eta_min + (b - self.eta_min) * c for b in self.base_lrs]

    def _chain(self, lr, base):
        e, t, lo = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return lr
        if self._step_count == 1 and e > 0:
            return lo + (base - lo) * (1.0 + math.cos(math.pi * e / t)) / 2.0
        if (e - 1 - t) % (2 * t) == 0:  # leaving the trough: the ratio below would be 0/0
            return lr + (base - lo) * (1.0 - math.cos(math.pi / t)) / 2.0
        return (1.0 + math.cos(math.pi * e / t)) / (1.0 + math.cos(math.pi * (e - 1) / t)) * (
            lr - lo
        ) + lo


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing from the base lr to ``eta_min`` over ``T_i`` epochs, then a restart.

    T_0: epochs until the first restart; each later period is ``T_mult`` times longer.
    lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2, T_cur the epochs since
    the last restart. ``step(epoch)`` accepts fractional epochs (``epoch + batch / n_batches``).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,
        T_mult: int = 1,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ):
        self.T_0 = _positive_int(T_0, "T_0", "CosineAnnealingWarmRestarts")
        if not isinstance(T_mult, numbers.Integral) or T_mult < 1:
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult!r}")
        if not isinstance(eta_min, numbers.Real):
            raise ValueError(f"Expected float or int eta_min, but got {eta_min!r}")
        self.T_i = self.T_0
        self.T_mult = int(T_mult)
        self.eta_min = eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """The lr of every param group at ``last_epoch`` (the formula above)."""
        c = (1.0 + math.cos(math.pi * self.T_cur / self.T_i)) / 2.0
        return [self.eta_min + (b - self.eta_min) * c for b in self.base_lrs]

    def step(self, epoch=None) -> None:
        """Advance one epoch, or jump to (possibly fractional) ``epoch``."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            if epoch < 0:
                raise ValueError(f"Expected non-negative epoch, but got {epoch}")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult**n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self._step_count = getattr(self, "_step_count", 0) + 1
        self.last_epoch = math.floor(epoch)
        groups = self.optimizer.param_groups
        for group, lr in zip(groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in groups]


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin 2017): lr warms up to ``max_lr``, then anneals far below.

    Step it after every batch, ``total_steps`` times (or ``epochs * steps_per_epoch``).
    Phases (fractions of the cycle): ``pct_start`` from ``max_lr / div_factor`` up to ``max_lr``,
    then down to ``initial_lr / final_div_factor``; with ``three_phase`` the descent first returns
    to the initial lr symmetrically, then anneals to the minimum. ``anneal_strategy``: "cos" or
    "linear". With ``cycle_momentum`` the momentum (SGD/RMSprop ``momentum``, or ``betas[0]``)
    moves inversely between ``max_momentum`` and ``base_momentum``.
    max_lr, base_momentum, max_momentum: a number or one per param group.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr,
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum=0.85,
        max_momentum=0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if total_steps is not None:
            self.total_steps = _positive_int(total_steps, "total_steps", "OneCycleLR")
        elif epochs is not None and steps_per_epoch is not None:
            epochs = _positive_int(epochs, "epochs", "OneCycleLR")
            steps_per_epoch = _positive_int(steps_per_epoch, "steps_per_epoch", "OneCycleLR")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        if not isinstance(pct_start, float) or not 0.0 <= pct_start <= 1.0:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy!r}"
            )
        self.anneal_strategy = anneal_strategy
        n = self.total_steps
        if three_phase:
            self._phases = [
                (float(pct_start * n) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (float(2 * pct_start * n) - 2, "max_lr", "initial_lr", "base_momentum",
                 "max_momentum"),
                (n - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]  # fmt: skip
        else:
            self._phases = [
                (float(pct_start * n) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (n - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        max_lrs = _per_group("max_lr", optimizer, max_lr, "OneCycleLR")
        if last_epoch == -1:
            for m, group in zip(max_lrs, optimizer.param_groups):
                group["initial_lr"] = m / div_factor
                group["max_lr"] = m
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(
                    "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"
                )
            self.use_beta1 = "betas" in optimizer.defaults
            maxm = _per_group("max_momentum", optimizer, max_momentum, "OneCycleLR")
            basem = _per_group("base_momentum", optimizer, base_momentum, "OneCycleLR")
            if last_epoch == -1:
                for mm, bm, group in zip(maxm, basem, optimizer.param_groups):
                    if self.use_beta1:
                        group["betas"] = (mm, *group["betas"][1:])
                    else:
                        group["momentum"] = mm
                    group["max_momentum"] = mm
                    group["base_momentum"] = bm
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        """The lrs at the current step; also sets each group's momentum when cycling it."""
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"Tried to step {step} times. The specified number of total steps is "
                f"{self.total_steps}"
            )
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, (end, lr0, lr1, mom0, mom1) in enumerate(self._phases):
                if step <= end or i == len(self._phases) - 1:
                    pct = (step - start) / (end - start)
                    lr = self._anneal(group[lr0], group[lr1], pct)
                    if self.cycle_momentum:
                        mom = self._anneal(group[mom0], group[mom1], pct)
                    break
                start = end
            lrs.append(lr)
            if self.cycle_momentum:
                if self.use_beta1:
                    group["betas"] = (mom, *group["betas"][1:])
                else:
                    group["momentum"] = mom
        return lrs


class CyclicLR(LRScheduler):
    """Cyclical learning rates (Smith 2017): lr oscillates between ``base_lr`` and ``max_lr``.

    Step it after every batch. A cycle is ``step_size_up`` steps up and ``step_size_down``
    (default: the same) down. mode: "triangular" (constant amplitude), "triangular2" (halved
    every cycle), "exp_range" (scaled by ``gamma ** step``); or ``scale_fn`` (a function of the
    cycle number, or of the step with ``scale_mode="iterations"``). With ``cycle_momentum`` the
    momentum (``momentum``, or ``betas[0]``) moves inversely between ``max_momentum`` and
    ``base_momentum``. base_lr, max_lr, base_momentum, max_momentum: a number or one per group.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        base_lr,
        max_lr,
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn=None,
        scale_mode: str = "cycle",
        cycle_momentum: bool = True,
        base_momentum=0.8,
        max_momentum=0.9,
        last_epoch: int = -1,
    ):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        base_lrs = _per_group("base_lr", optimizer, base_lr, "CyclicLR")
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = _per_group("max_lr", optimizer, max_lr, "CyclicLR")
        up = float(_positive_int(step_size_up, "step_size_up", "CyclicLR"))
        down = (
            up
            if step_size_down is None
            else float(_positive_int(step_size_down, "step_size_down", "CyclicLR"))
        )
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(f"CyclicLR: mode {mode!r} is invalid and scale_fn is None")
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(
                f"CyclicLR: scale_mode must be 'cycle' or 'iterations', got {scale_mode!r}"
            )
        self.mode, self.gamma = mode, gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        if scale_fn is None:
            self.scale_mode = "iterations" if mode == "exp_range" else "cycle"
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(
                    "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"
                )
            self.use_beta1 = "betas" in optimizer.defaults
            self.base_momentums = _per_group("base_momentum", optimizer, base_momentum, "CyclicLR")
            self.max_momentums = _per_group("max_momentum", optimizer, max_momentum, "CyclicLR")
            if last_epoch == -1:
                for mm, bm, group in zip(
                    self.max_momentums, self.base_momentums, optimizer.param_groups
                ):
                    if self.use_beta1:
                        group["betas"] = (mm, *group["betas"][1:])
                    else:
                        group["momentum"] = mm
                    group["max_momentum"] = mm
                    group["base_momentum"] = bm
        super().__init__(optimizer, last_epoch)  # its step uses the groups' initial_lr as base
        self.base_lrs = base_lrs

    def scale_fn(self, x) -> float:
        """The amplitude factor at cycle (or step) ``x``."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x

    def get_lr(self):
        """The lrs at the current step; also sets each group's momentum when cycling it."""
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            factor = x / self.step_ratio
        else:
            factor = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [b + (m - b) * factor * scale for b, m in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for bm, mm, group in zip(
                self.base_momentums, self.max_momentums, self.optimizer.param_groups
            ):
                momentum = mm - (mm - bm) * factor * scale
                if self.use_beta1:
                    group["betas"] = (momentum, *group["betas"][1:])
                else:
                    group["momentum"] = momentum
        return lrs

    def state_dict(self) -> dict:
        """As the base class; a custom scale_fn is kept as its ``__dict__`` if it is a callable
        object, as None if it is a plain function."""
        sd = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_scale_fn_custom")}
        fn = self._scale_fn_custom
        sd["_scale_fn_custom"] = (
            None if fn is None or isinstance(fn, types.FunctionType) else fn.__dict__.copy()
        )
        return sd

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore counters; a callable-object scale_fn's attributes are restored in place."""
        sd = dict(state_dict)
        fn = sd.pop("_scale_fn_custom", None)
        self.__dict__.update(sd)
        if fn is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(fn)


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
