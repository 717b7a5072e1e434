"""Stochastic weight averaging and EMA of a model's weights, as ``torch.optim.swa_utils``::

    swa_model = optim.swa_utils.AveragedModel(model)
    swa_sched = optim.swa_utils.SWALR(opt, swa_lr=0.05)
    for epoch in range(100):
        train_one_epoch(model, opt)
        if epoch >= 75:
            swa_model.update_parameters(model)
            swa_sched.step()
    optim.swa_utils.update_bn(loader, swa_model)   # batch-norm statistics for the averaged weights
    swa_model(x)

``AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.999))`` keeps an EMA instead.
Unlike the rest of ``optim`` this module needs ``nn`` (an averaged model is a Module).
"""

from __future__ import annotations

import copy
import itertools
import math
import numbers

import autograd as ag
from autograd.tensor import Tensor
from nn.module import Module

from .lr_scheduler import LRScheduler, _check_optimizer, _per_group
from .optimizer import Optimizer

__all__ = [
    "AveragedModel",
    "update_bn",
    "SWALR",
    "get_ema_multi_avg_fn",
    "get_swa_multi_avg_fn",
    "get_ema_avg_fn",
    "get_swa_avg_fn",
]


def _count(n) -> int:
    """The number of averaged models as a Python int (a 0-d tensor or an int)."""
    return int(n.item()) if isinstance(n, Tensor) else int(n)


def _lerp_(a: Tensor, b: Tensor, w: float) -> None:
    """a <- a + w (b - a) in place, with torch's lerp rounding (from b's side when w >= 0.5)."""
    if w < 0.5:
        a.copy_(a + w * (b - a))
    else:
        a.copy_(b - (b - a) * (1 - w))


def _check_decay(decay) -> None:
    if not 0.0 <= decay <= 1.0:
        raise ValueError(
            f"Invalid decay value {decay} provided. Please provide a value in [0,1] range."
        )


def get_ema_multi_avg_fn(decay: float = 0.999):
    """An in-place EMA over lists of tensors, for ``AveragedModel(multi_avg_fn=...)``.

    The function ``(ema_params, model_params, num_averaged)`` sets each
    ema <- decay * ema + (1 - decay) * current (same shapes pairwise). decay: in [0, 1].
    """
    _check_decay(decay)

    def ema_update(ema_param_list, current_param_list, _num_averaged) -> None:
        with ag.no_grad():
            for p_ema, p_model in zip(ema_param_list, current_param_list, strict=True):
                if p_ema.dtype.kind in "fc":
                    _lerp_(p_ema, p_model, 1 - decay)
                else:
                    p_ema.copy_(p_ema * decay + p_model * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn():
    """An in-place equal-weight running mean over lists of tensors (``multi_avg_fn``).

    The function ``(averaged_params, model_params, num_averaged)`` sets each
    avg <- avg + (current - avg) / (num_averaged + 1) (same shapes pairwise).
    """

    def swa_update(averaged_param_list, current_param_list, num_averaged) -> None:
        n = _count(num_averaged)
        with ag.no_grad():
            for p_avg, p_model in zip(averaged_param_list, current_param_list, strict=True):
                if p_avg.dtype.kind in "fc":
                    _lerp_(p_avg, p_model, 1 / (n + 1))
                else:
                    p_avg.copy_(p_avg + (p_model - p_avg) / (n + 1))

    return swa_update


def get_ema_avg_fn(decay: float = 0.999):
    """A per-tensor EMA for ``AveragedModel(avg_fn=...)``: ``(ema, current, num_averaged)``
    returns decay * ema + (1 - decay) * current (their shape). decay: in [0, 1]."""
    _check_decay(decay)

    def ema_update(ema_param, current_param, num_averaged):
        with ag.no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn():
    """A per-tensor running mean for ``avg_fn``: ``(avg, current, num_averaged)`` returns
    avg + (current - avg) / (num_averaged + 1) (their shape)."""

    def swa_update(averaged_param, current_param, num_averaged):
        with ag.no_grad():
            return averaged_param + (current_param - averaged_param) / (_count(num_averaged) + 1)

    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` whose parameters are a running average (SWA) or EMA of the
    ``model``'s parameters over the calls of ``update_parameters``.

    model: deep-copied into ``self.module`` (moved to ``device`` if given). avg_fn:
    ``(averaged, current, num_averaged) -> new averaged`` per tensor; multi_avg_fn:
    ``(averaged_list, current_list, num_averaged)`` updating the averaged tensors in place;
    at most one of them (default: equal-weight mean). use_buffers: average the buffers too
    (else they are copied from ``model`` at each update). ``n_averaged`` (an int64 0-d
    buffer) counts the updates. Calling it runs ``self.module``.
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError(
                "AveragedModel: only one of avg_fn and multi_avg_fn should be provided"
            )
        if not isinstance(model, Module):
            raise TypeError(
                f"AveragedModel: model must be an nn.Module, got {type(model).__name__}"
            )
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", ag.tensor(0, dtype=ag.int64, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model) -> None:
        """Fold ``model``'s current parameters (and buffers with ``use_buffers``) into the
        average: the first call copies them, later ones apply the averaging function. Pairs
        tensors in ``parameters()`` order, moving ``model``'s to the averaged ones' device."""
        if self.use_buffers:
            self_param = itertools.chain(self.module.parameters(), self.module.buffers())
            model_param = itertools.chain(model.parameters(), model.buffers())
        else:
            self_param, model_param = self.module.parameters(), model.parameters()
        n = _count(self.n_averaged)
        averaged, current = [], []
        with ag.no_grad():
            for p_avg, p_model in zip(self_param, model_param):
                p_model_ = p_model.detach().to(p_avg.device)
                averaged.append(p_avg.detach())
                current.append(p_model_)
                if n == 0:
                    p_avg.detach().copy_(p_model_)
            if n > 0:
                if self.avg_fn is not None:
                    for p_avg, p_model in zip(averaged, current):
                        p_avg.copy_(self.avg_fn(p_avg, p_model, self.n_averaged))
                elif self.multi_avg_fn is not None:
                    for group in _groups(averaged, current):
                        self.multi_avg_fn(*group, self.n_averaged)
                else:  # torch's CPU path: avg + (current - avg) / (n + 1) per tensor
                    for p_avg, p_model in zip(averaged, current):
                        p_avg.copy_(p_avg + (p_model - p_avg) / (n + 1))
            if not self.use_buffers:
                for b_swa, b_model in zip(self.module.buffers(), model.buffers(), strict=True):
                    b_swa.detach().copy_(b_model.detach().to(b_swa.device))
            self.n_averaged.add_(1)


def _groups(averaged: list, current: list) -> list:
    """The (averaged, current) pairs split into lists by (device, dtype), as torch groups
    them for ``multi_avg_fn``."""
    groups: dict = {}
    for a, c in zip(averaged, current):
        pair = groups.setdefault((str(a.device), str(a.dtype)), ([], []))
        pair[0].append(a)
        pair[1].append(c)
    return list(groups.values())


def update_bn(loader, model, device=None) -> None:
    """Recompute the running statistics of every batch-norm layer of ``model`` with one pass
    over ``loader`` (a cumulative average over its batches, no gradient).

    loader: an iterable of batches, each a Tensor (N, ...) or a list/tuple whose first item is
    one. The running statistics are reset first; momentum and training mode are restored
    afterwards. Does nothing when ``model`` has no batch-norm layer.
    """
    from nn.normalization import _BatchNorm

    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    try:
        with ag.no_grad():
            for batch in loader:
                if isinstance(batch, (list, tuple)):
                    batch = batch[0]
                if device is not None:
                    batch = batch.to(device)
                model(batch)
    finally:
        for module, momentum in momenta.items():
            module.momentum = momentum
        model.train(was_training)


class SWALR(LRScheduler):
    """Anneals each group's lr from its current value to ``swa_lr`` over ``anneal_epochs``
    steps, then holds it there (for SWA's final phase).

    At step t, with alpha = f(min(1, t / max(1, anneal_epochs))), f(s) = (1 - cos(pi s)) / 2
    (``'cos'``) or s (``'linear'``): lr = alpha * swa_lr + (1 - alpha) * lr_start, where
    lr_start is recovered from the group's current lr (torch's recursive rule, so an lr set by
    another scheduler carries on). swa_lr: a float or one per param group (stored as
    ``group["swa_lr"]``). anneal_epochs: 0 jumps to swa_lr at the first step.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        swa_lr,
        anneal_epochs: int = 10,
        anneal_strategy: str = "cos",
        last_epoch: int = -1,
    ):
        _check_optimizer(optimizer)
        swa_lrs = _per_group("swa_lr", optimizer, swa_lr, "SWALR")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                "SWALR: anneal_strategy must be one of 'cos' or 'linear', instead got "
                f"{anneal_strategy!r}"
            )
        if (
            not isinstance(anneal_epochs, numbers.Integral)
            or isinstance(anneal_epochs, bool)
            or anneal_epochs < 0
        ):
            raise ValueError(
                f"SWALR: anneal_epochs must be equal or greater than 0, got {anneal_epochs!r}"
            )
        for lr, group in zip(swa_lrs, optimizer.param_groups):
            group["swa_lr"] = lr
        self._set_anneal_func(anneal_strategy)
        self.anneal_epochs = int(anneal_epochs)
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def get_lr(self):
        """The lr of every param group for the current step (the formula above)."""
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        groups = self.optimizer.param_groups
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, prev_lrs)]

    def state_dict(self) -> dict:
        """The scheduler's state: every attribute except the optimizer and the anneal
        function (restored from the strategy's name)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the state saved by ``state_dict()``."""
        super().load_state_dict(state_dict)
        self._set_anneal_func(self._anneal_strategy)
