"""``autograd.special``: PyTorch's ``torch.special`` namespace.

Aliases of the ops elsewhere (``autograd/ops``): erf, erfc, erfinv, expit (sigmoid), exp2,
expm1, log1p, gammaln (lgamma), digamma, psi (digamma), polygamma, logit, sinc, round, xlogy,
logsumexp, softmax, log_softmax. Functions of their own (``autograd/ops/special_extra.py``):
entr, erfcx, ndtr, log_ndtr, ndtri, i0, i0e, i1, i1e, xlog1py, multigammaln.

All elementwise (xlogy and xlog1py broadcast), float only (integer tensors raise TypeError),
dtype-preserving, and differentiable twice and more with torch's gradients. Without scipy.
"""

from __future__ import annotations

from . import ops as _ops
from .ops import special_extra as _extra

erf = _ops.erf
erfc = _ops.erfc
erfinv = _ops.erfinv
expit = _ops.sigmoid
exp2 = _ops.exp2
expm1 = _ops.expm1
log1p = _ops.log1p
gammaln = _ops.lgamma
digamma = psi = _ops.digamma
polygamma = _ops.polygamma
logit = _ops.logit
sinc = _ops.sinc
round = _ops.round  # noqa: A001 - torch.special's name
xlogy = _ops.xlogy
logsumexp = _ops.logsumexp
softmax = _ops.softmax
log_softmax = _ops.log_softmax

entr = _extra.entr
erfcx = _extra.erfcx
ndtr = _extra.ndtr
log_ndtr = _extra.log_ndtr
ndtri = _extra.ndtri
i0 = _extra.i0
i0e = _extra.i0e
i1 = _extra.i1
i1e = _extra.i1e
xlog1py = _extra.xlog1py
multigammaln = _extra.multigammaln

__all__ = [
    "erf", "erfc", "erfinv", "expit", "exp2", "expm1", "log1p", "gammaln", "digamma", "psi",
    "polygamma", "logit", "sinc", "round", "xlogy", "logsumexp", "softmax", "log_softmax",
    "entr", "erfcx", "ndtr", "log_ndtr", "ndtri", "i0", "i0e", "i1", "i1e", "xlog1py",
    "multigammaln",
]  # fmt: skip
