"""``autograd.distributions``: probability distributions with PyTorch's API
(``torch.distributions``), built on tapegrad's differentiable ops, so that ``log_prob``,
``rsample``, ``entropy``, ``cdf`` / ``icdf`` and ``kl_divergence`` differentiate (first and
second order) in the parameters.

    import autograd as ag
    from autograd.distributions import Normal, kl_divergence

    loc = ag.zeros(3, requires_grad=True)
    scale = ag.ones(3, requires_grad=True)
    d = Normal(loc, scale)
    x = d.rsample((100,))                 # (100, 3), reparameterised: x = loc + scale * eps
    loss = -d.log_prob(x).mean() + kl_divergence(d, Normal(0.0, 2.0)).sum()
    loss.backward()

Distributions: Normal, LogNormal, Uniform, Laplace, Exponential, Gamma, Beta, Dirichlet,
MultivariateNormal (rsample), Cauchy, HalfCauchy, HalfNormal, Gumbel, StudentT, Chi2,
LowRankMultivariateNormal, RelaxedBernoulli, RelaxedOneHotCategorical (and their logit / log-space
versions), and Bernoulli, Binomial, Categorical, OneHotCategorical, Poisson, Geometric,
Multinomial, MixtureSameFamily (sample only); Independent reinterprets batch dims as event dims,
and TransformedDistribution pushes a distribution through ``transforms`` (ExpTransform,
AffineTransform, SigmoidTransform, TanhTransform, PowerTransform, AbsTransform,
SoftmaxTransform, ComposeTransform). Samples come from the global
generator (``autograd.manual_seed``), on the parameters' device.
"""

from __future__ import annotations

import importlib

# name -> the submodule defining it; loaded on first access, so ``import autograd`` (which
# imports this package) pays nothing for the distributions until one is used
_WHERE = {
    "Distribution": "base",
    "Exponential": "continuous", "Laplace": "continuous", "Uniform": "continuous",
    "Bernoulli": "discrete", "Binomial": "discrete", "Categorical": "discrete",
    "OneHotCategorical": "discrete", "Poisson": "discrete",
    "Beta": "gamma", "Dirichlet": "gamma", "Gamma": "gamma",
    "Independent": "independent",
    "kl_divergence": "kl", "register_kl": "kl",
    "MultivariateNormal": "multivariate_normal",
    "LogNormal": "normal", "Normal": "normal",
    "Cauchy": "continuous_extra", "Chi2": "continuous_extra", "Gumbel": "continuous_extra",
    "HalfCauchy": "continuous_extra", "HalfNormal": "continuous_extra",
    "StudentT": "continuous_extra",
    "Geometric": "discrete_extra", "Multinomial": "discrete_extra",
    "LowRankMultivariateNormal": "lowrank_multivariate_normal",
    "MixtureSameFamily": "mixture",
    "ExpRelaxedCategorical": "relaxed", "LogitRelaxedBernoulli": "relaxed",
    "RelaxedBernoulli": "relaxed", "RelaxedOneHotCategorical": "relaxed",
    "TransformedDistribution": "transformed",
    "AbsTransform": "transforms", "AffineTransform": "transforms",
    "ComposeTransform": "transforms", "ExpTransform": "transforms",
    "PowerTransform": "transforms", "SigmoidTransform": "transforms",
    "SoftmaxTransform": "transforms", "TanhTransform": "transforms", "Transform": "transforms",
    "identity_transform": "transforms",
}  # fmt: skip

_SUBMODULES = ("constraints", "transforms")

__all__ = [*_SUBMODULES, *_WHERE]


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    mod = _WHERE.get(name)
    if mod is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{mod}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
