"""Loss modules: thin wrappers over ``nn.functional`` with the options stored on the module.

``weight`` and ``pos_weight`` are registered as buffers, so ``to()`` moves them and
``state_dict()`` saves them, as in PyTorch.
"""

from __future__ import annotations

import autograd as ag
from autograd.tensor import Tensor

from . import functional as F
from .module import Module

__all__ = [
    "MSELoss",
    "L1Loss",
    "HuberLoss",
    "SmoothL1Loss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "NLLLoss",
    "KLDivLoss",
]


def _as_buffer(v):
    if v is None or isinstance(v, Tensor):
        return v
    return ag.tensor(v)


class _Loss(Module):
    def __init__(self, reduction: str = "mean"):
        super().__init__()
        F.loss._check_reduction(type(self).__name__, reduction, self._extra_reductions)
        self.reduction = reduction

    _extra_reductions = ()

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction='{self.reduction}'"


class MSELoss(_Loss):
    """(input - target)^2 reduced. input, target: same shape; output scalar or that shape."""

    def forward(self, input, target):
        return F.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """|input - target| reduced. input, target: same shape."""

    def forward(self, input, target):
        return F.l1_loss(input, target, self.reduction)


class HuberLoss(_Loss):
    """Quadratic for |d| < delta, linear beyond (slope delta). input, target: same shape."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, self.reduction, self.delta)


class SmoothL1Loss(_Loss):
    """Huber loss divided by beta: 0.5 d^2 / beta for |d| < beta, |d| - beta / 2 beyond."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0):
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, self.reduction, self.beta)


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities in [0, 1]; input, target: same shape.

    weight: broadcastable to input, rescales each element's loss.
    """

    def __init__(self, weight=None, reduction: str = "mean"):
        super().__init__(reduction)
        self.register_buffer("weight", _as_buffer(weight))

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy in one stable op (any logit size); multi-label ready.

    input: logits, any shape, e.g. (N, C); target: same shape in [0, 1]. weight: broadcastable
    to input. pos_weight: (C,) weights of the positive term per label.
    """

    def __init__(self, weight=None, reduction: str = "mean", pos_weight=None):
        super().__init__(reduction)
        self.register_buffer("weight", _as_buffer(weight))
        self.register_buffer("pos_weight", _as_buffer(pos_weight))

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, self.reduction, self.pos_weight
        )


class CrossEntropyLoss(_Loss):
    """Cross-entropy of logits, from log_softmax (never softmax then log).

    input: (N, C), (N, C, d1, ...) or (C,). target: class indices (N), (N, d1, ...) or (),
    or class probabilities of input's shape. weight: (C,). ignore_index: skipped targets.
    label_smoothing: eps in [0, 1]. 'mean' is PyTorch's weighted mean.
    """

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0):  # fmt: skip
        super().__init__(reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(
                f"CrossEntropyLoss: label_smoothing must be between 0.0 and 1.0, got "
                f"{label_smoothing}"
            )
        self.register_buffer("weight", _as_buffer(weight))
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                               self.label_smoothing)  # fmt: skip

    def extra_repr(self) -> str:
        parts = [] if self.reduction == "mean" else [f"reduction='{self.reduction}'"]
        if self.ignore_index != -100:
            parts.append(f"ignore_index={self.ignore_index}")
        if self.label_smoothing:
            parts.append(f"label_smoothing={self.label_smoothing}")
        return ", ".join(parts)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (e.g. LogSoftmax output).

    input: (N, C), (N, C, d1, ...) or (C,); target: class indices (N), (N, d1, ...) or ().
    """

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__(reduction)
        self.register_buffer("weight", _as_buffer(weight))
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class KLDivLoss(_Loss):
    """KL(target || q) with input = log q. input, target: same shape.

    reduction: 'batchmean' (the KL per sample), 'sum', 'none', or 'mean' (mean over elements,
    PyTorch's default). log_target: the target is given as log-probabilities.
    """

    _extra_reductions = ("batchmean",)

    def __init__(self, reduction: str = "mean", log_target: bool = False):
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, self.reduction, self.log_target)
