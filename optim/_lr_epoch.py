"""The epoch schedules of ``optim.lr_scheduler``: LambdaLR, MultiplicativeLR, StepLR,
MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR, CosineAnnealingLR and
CosineAnnealingWarmRestarts (see ``optim.lr_scheduler`` for their recursive and closed forms).
"""

from __future__ import annotations

import math
import numbers
import types
from bisect import bisect_right
from collections import Counter

from ._lr_base import LRScheduler, _check_optimizer, _positive_int
from .optimizer import Optimizer


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
