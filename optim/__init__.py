"""tapegrad's optimisers, learning-rate schedules, early stopping and gradient clipping.

import optim
opt = optim.Adam(model.parameters(), lr=1e-3)
sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)
for epoch in range(100):
    for x, y in data:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()             # all-or-nothing: a bad gradient raises and changes nothing
    sched.step()

Every optimiser keeps PyTorch's name, options and defaults, and also takes ``check_finite=True``
to refuse NaN/Inf gradients (see ``Optimizer``).
"""

from __future__ import annotations

from . import lr_scheduler
from .adam import Adam, Adamax, AdamP, AdamW, NAdam, RAdam
from .adaptive import Adadelta, Adagrad, RMSprop
from .asgd import ASGD
from .clip import clip_grad_norm_, clip_grad_value_
from .early_stopping import EarlyStopping
from .lbfgs import LBFGS
from .lion import Lion
from .optimizer import NonFiniteGradError, Optimizer
from .rprop import Rprop
from .sgd import SGD

__all__ = [
    "Optimizer",
    "NonFiniteGradError",
    "SGD",
    "Adagrad",
    "Adadelta",
    "RMSprop",
    "Adam",
    "AdamW",
    "NAdam",
    "RAdam",
    "Adamax",
    "AdamP",
    "LBFGS",
    "Lion",
    "Rprop",
    "ASGD",
    "lr_scheduler",
    "swa_utils",
    "EarlyStopping",
    "clip_grad_norm_",
    "clip_grad_value_",
]


def __getattr__(name):
    # swa_utils' AveragedModel is an nn.Module: loaded on first use, so that importing optim
    # needs autograd only (DESIGN.md)
    if name == "swa_utils":
        import importlib

        return importlib.import_module(".swa_utils", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
