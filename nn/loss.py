"""Loss modules: thin wrappers over ``nn.functional`` with the options stored on the module.

``weight`` and ``pos_weight`` are registered as buffers, so ``to()`` moves them and
``state_dict()`` saves them, as in PyTorch.
"""

from __future__ import annotations

import autograd as ag
from autograd.tensor import Tensor

from . import functional as F
from .distance import PairwiseDistance
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
    "MultiMarginLoss",
    "MultiLabelMarginLoss",
    "MultiLabelSoftMarginLoss",
    "SoftMarginLoss",
    "MarginRankingLoss",
    "HingeEmbeddingLoss",
    "CosineEmbeddingLoss",
    "TripletMarginLoss",
    "TripletMarginWithDistanceLoss",
    "PoissonNLLLoss",
    "GaussianNLLLoss",
    "CTCLoss",
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


# -- margin, embedding and likelihood losses ------------------------------------------------------


class MultiMarginLoss(_Loss):
    """Multi-class hinge: sum_{i != y} w[y] max(0, margin - x[y] + x[i])^p / C per sample.

    input: (N, C) or (C,); target: (N,) class indices (or () / (1,)). p: 1 or 2.
    weight: (C,) per-class weights (a buffer).
    """

    def __init__(self, p: int = 1, margin: float = 1.0, weight=None, reduction: str = "mean"):
        super().__init__(reduction)
        if isinstance(p, bool) or p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: only p == 1 and p == 2 supported, got p={p!r}")
        weight = _as_buffer(weight)
        if weight is not None and weight.ndim != 1:
            raise ValueError(
                f"MultiMarginLoss: expected weight to be None or 1D tensor, got {weight.ndim}D "
                "instead"
            )
        self.p = p
        self.margin = margin
        self.register_buffer("weight", weight)

    def forward(self, input, target):
        return F.multi_margin_loss(input, target, self.p, self.margin, self.weight,
                                   self.reduction)  # fmt: skip


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge over (target, non-target) class pairs. input: (N, C) or (C,);
    target: the same shape, each row's target classes followed by -1 padding."""

    def forward(self, input, target):
        return F.multilabel_margin_loss(input, target, self.reduction)


class MultiLabelSoftMarginLoss(_Loss):
    """One-vs-all logistic loss averaged over classes. input, target: (N, C); target in
    [0, 1]; weight: broadcastable to input, e.g. (C,) (a buffer). 'none' -> (N,)."""

    def __init__(self, weight=None, reduction: str = "mean"):
        super().__init__(reduction)
        self.register_buffer("weight", _as_buffer(weight))

    def forward(self, input, target):
        return F.multilabel_soft_margin_loss(input, target, self.weight, self.reduction)


class SoftMarginLoss(_Loss):
    """log(1 + exp(-y x)), overflow-free. input, target (entries 1 or -1): the same shape."""

    def forward(self, input, target):
        return F.soft_margin_loss(input, target, self.reduction)


class MarginRankingLoss(_Loss):
    """max(0, -y (x1 - x2) + margin). input1, input2, target: the same shape, e.g. (N,)."""

    def __init__(self, margin: float = 0.0, reduction: str = "mean"):
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.margin_ranking_loss(input1, input2, target, self.margin, self.reduction)


class HingeEmbeddingLoss(_Loss):
    """x where y = 1, max(0, margin - x) where y = -1. input, target: the same shape."""

    def __init__(self, margin: float = 1.0, reduction: str = "mean"):
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input, target):
        return F.hinge_embedding_loss(input, target, self.margin, self.reduction)


class CosineEmbeddingLoss(_Loss):
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1.

    input1, input2: (N, D) with target (N,), or (D,) with a 0-d target.
    """

    def __init__(self, margin: float = 0.0, reduction: str = "mean"):
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, self.margin, self.reduction)


class TripletMarginLoss(_Loss):
    """max(0, margin + d(a, p) - d(a, n)) with d the p-norm pairwise distance.

    anchor, positive, negative: (N, D) or (D,). margin > 0; swap: the distance swap.
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                 swap: bool = False, reduction: str = "mean"):  # fmt: skip
        super().__init__(reduction)
        if not margin > 0:
            raise ValueError(
                f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead"
            )
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps,
                                     self.swap, self.reduction)  # fmt: skip


class TripletMarginWithDistanceLoss(_Loss):
    """max(0, margin + d(a, p) - d(a, n)) for a distance function ``d`` (default: a
    PairwiseDistance() submodule, as in PyTorch). Keyword-only arguments."""

    def __init__(self, *, distance_function=None, margin: float = 1.0, swap: bool = False,
                 reduction: str = "mean"):  # fmt: skip
        super().__init__(reduction)
        if not margin > 0:
            raise ValueError(
                "TripletMarginWithDistanceLoss: expected margin to be greater than 0, got "
                f"{margin} instead"
            )
        if distance_function is not None and not callable(distance_function):
            raise TypeError(
                "TripletMarginWithDistanceLoss: distance_function must be callable, got "
                f"{type(distance_function).__name__}"
            )
        self.distance_function = (
            distance_function if distance_function is not None else PairwiseDistance()
        )
        self.margin = margin
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction,
        )  # fmt: skip


class PoissonNLLLoss(_Loss):
    """Poisson NLL: exp(input) - target * input (log_input) or input - target * log(input +
    eps); full adds the Stirling term for target > 1. input, target: the same shape."""

    def __init__(self, log_input: bool = True, full: bool = False, eps: float = 1e-8,
                 reduction: str = "mean"):  # fmt: skip
        super().__init__(reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input, target):
        return F.poisson_nll_loss(log_input, target, self.log_input, self.full, self.eps,
                                  self.reduction)  # fmt: skip


class GaussianNLLLoss(_Loss):
    """Gaussian NLL 0.5 (log max(var, eps) + (input - target)^2 / max(var, eps)).

    input, target: the same shape; var: input's shape, input's shape without the last dim,
    or with one dim of size 1, or a number. Keyword-only arguments, as in PyTorch.
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
        super().__init__(reduction)
        self.full = full
        self.eps = eps

    def forward(self, input, target, var):
        return F.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class CTCLoss(_Loss):
    """Connectionist temporal classification loss (``F.ctc_loss``) with its options stored.

    forward(log_probs, targets, input_lengths, target_lengths): log_probs (T, N, C) or (T, C)
    log-probabilities; targets padded (N, S) or concatenated (sum(target_lengths),); lengths
    (N,) integer tensors or lists of ints. blank: the blank class; reduction 'mean' divides each
    loss by its target length before the batch mean; zero_infinity: impossible alignments give
    0 instead of inf.
    """

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False):
        super().__init__(reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                          self.reduction, self.zero_infinity)  # fmt: skip
