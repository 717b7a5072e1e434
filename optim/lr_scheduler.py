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

The schedules live in ``_lr_base.py`` (LRScheduler), ``_lr_epoch.py`` (the epoch schedules),
``_lr_cyclic.py`` (OneCycleLR, CyclicLR) and ``_lr_compose.py`` (ReduceLROnPlateau,
SequentialLR, ChainedScheduler); import them from here.
"""

from __future__ import annotations

# the private helpers stay importable from here (optim/swa_utils.py uses two of them)
from ._lr_base import (  # noqa: F401
    LRScheduler,
    _check_optimizer,
    _per_group,
    _positive_int,
)
from ._lr_compose import ChainedScheduler, ReduceLROnPlateau, SequentialLR, _Composite  # noqa: F401
from ._lr_cyclic import CyclicLR, OneCycleLR
from ._lr_epoch import (
    ConstantLR,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from .optimizer import Optimizer  # noqa: F401 - in this namespace before the split

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
