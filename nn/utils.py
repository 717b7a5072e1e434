"""Regularisation and parameter helpers: norm penalties, gradient clipping, flat vectors.

Gradient clipping lives in ``optim.clip`` (optimisers need it without ``nn``) and is re-exported
here under PyTorch's names.

``parameters`` arguments accept a Module, a single Tensor, or an iterable of Tensors.

``nn.utils.rnn`` (``nn/rnn_utils.py``) holds ``pad_sequence``, as ``torch.nn.utils.rnn``.
``nn.utils.parametrize`` and ``nn.utils.parametrizations`` are torch's parametrization tools
(``nn/parametrize.py``, ``nn/parametrizations.py``); ``weight_norm`` / ``spectral_norm`` here
are torch's legacy hook-based versions (parameters ``weight_g``/``weight_v``, and
``weight_orig`` with buffers ``weight_u``/``weight_v``). ``nn.utils.stateless.functional_call``
runs a module with other parameters (``nn/stateless.py``; also ``autograd.func``).
"""

from __future__ import annotations

import sys

import autograd as ag
from autograd import ShapeError
from autograd.tensor import Tensor
from optim.clip import clip_grad_norm_, clip_grad_value_, get_total_norm

from . import parametrizations, parametrize, stateless
from . import rnn_utils as rnn
from .parametrizations import _norm_dim, _norm_except_dim, _weight_norm

# torch's import paths (from torch.nn.utils.rnn import pack_padded_sequence, import
# torch.nn.utils.parametrize as P): nn.utils is one module, so its submodules are registered
# under those names; each is the one module object, not a copy
for _name, _mod in (
    ("rnn", rnn),
    ("parametrize", parametrize),
    ("parametrizations", parametrizations),
    ("stateless", stateless),
):
    sys.modules[f"{__name__}.{_name}"] = _mod
del _name, _mod

__all__ = [
    "l1_penalty",
    "l2_penalty",
    "clip_grad_norm_",
    "clip_grad_value_",
    "get_total_norm",
    "parameters_to_vector",
    "vector_to_parameters",
    "num_parameters",
    "rnn",
    "parametrize",
    "parametrizations",
    "stateless",
    "weight_norm",
    "remove_weight_norm",
    "spectral_norm",
    "remove_spectral_norm",
]


def _params(parameters) -> list:
    from .module import Module

    if isinstance(parameters, Module):
        return list(parameters.parameters())
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def l1_penalty(parameters):
    """sum_p sum |p|: the L1 norm penalty (differentiable; gradient sign(p), 0 at 0).

    Add ``lam * l1_penalty(model)`` to the loss for lasso-style sparsity. Returns a 0-d tensor.
    """
    ps = _params(parameters)
    if not ps:
        return ag.tensor(0.0)
    total = ag.abs(ps[0]).sum()
    for p in ps[1:]:
        total = total + ag.abs(p).sum()
    return total


def l2_penalty(parameters):
    """sum_p sum p^2: the squared L2 norm penalty (differentiable; gradient 2p).

    ``lam / 2 * l2_penalty(model)`` is the classic weight-decay term (gradient lam * p).
    Returns a 0-d tensor.
    """
    ps = _params(parameters)
    if not ps:
        return ag.tensor(0.0)
    total = (ps[0] * ps[0]).sum()
    for p in ps[1:]:
        total = total + (p * p).sum()
    return total


def parameters_to_vector(parameters) -> Tensor:
    """All parameters flattened and concatenated: a 1-D tensor of length sum(p.numel()).

    Differentiable (gradients flow back to each parameter).
    """
    ps = _params(parameters)
    if not ps:
        raise ValueError("parameters_to_vector: no parameters given")
    dev = ps[0].device
    for p in ps[1:]:
        if p.device != dev:
            raise RuntimeError(
                f"parameters_to_vector: found two parameters on different devices: {dev} and "
                f"{p.device}"
            )
    return ag.cat([ag.reshape(p, (-1,)) for p in ps])


def vector_to_parameters(vec, parameters) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into each parameter in place (shapes kept).

    vec: (sum(p.numel()),). The length is checked before anything is written.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected vec to be a Tensor, but got: {type(vec).__name__}")
    ps = _params(parameters)
    n = sum(p.numel() for p in ps)
    if vec.ndim != 1 or vec.shape[0] != n:
        raise ShapeError(
            f"vector_to_parameters: vec has shape {tuple(vec.shape)}, but the parameters have "
            f"{n} elements in total"
        )
    v = vec._data
    pos = 0
    with ag.no_grad():
        for p in ps:
            k = p.numel()
            p.copy_(Tensor(v[pos : pos + k].reshape(p.shape)))
            pos += k


def num_parameters(module_or_params, trainable_only: bool = False) -> int:
    """The number of scalar parameters, ``sum(p.numel())``; ``trainable_only``: requiring grad."""
    return sum(
        p.numel() for p in _params(module_or_params) if p.requires_grad or not trainable_only
    )


# -- legacy weight norm and spectral norm (forward pre-hooks, as torch.nn.utils) -----------------


class WeightNorm:
    """The forward pre-hook of the legacy ``weight_norm``: sets ``module.<name>`` to
    g * v / ||v|| from the parameters ``<name>_g`` and ``<name>_v`` before each forward."""

    def __init__(self, name: str, dim: int | None):
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module):
        """g * v / ||v|| (the norm over every dim except ``dim``): v's shape."""
        return _weight_norm(
            getattr(module, self.name + "_v"), getattr(module, self.name + "_g"), self.dim
        )

    def remove(self, module) -> None:
        """Replace ``<name>_g`` and ``<name>_v`` by a parameter ``<name>`` (the current w)."""
        from .parameter import Parameter

        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs) -> None:
        setattr(module, self.name, self.compute_weight(module))


def _find_hook(module, kind, name: str):
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, kind) and hook.name == name:
            return key, hook
    return None, None


def weight_norm(module, name: str = "weight", dim: int | None = 0):
    """Legacy weight normalisation: ``module.<name>`` = g * v / ||v||, recomputed by a forward
    pre-hook before every forward (deprecated in torch for
    ``nn.utils.parametrizations.weight_norm``; a FutureWarning says so, as torch).

    The parameter ``<name>`` (shape S) is replaced by ``<name>_g`` (S with every dim but
    ``dim`` of size 1, 0-d for ``dim=None``/-1: the whole-tensor norm) and ``<name>_v`` (S),
    torch's names, so state_dicts load both ways. Returns ``module``.
    """
    import warnings

    from .module import Module
    from .parameter import Parameter

    if not isinstance(module, Module):
        raise TypeError(f"weight_norm: module must be an nn.Module, got {type(module).__name__}")
    if _find_hook(module, WeightNorm, name)[1] is not None:
        raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
    weight = module._parameters.get(name) if isinstance(name, str) else None
    if weight is None:
        raise ValueError(
            f"weight_norm: module {type(module).__name__} has no parameter named '{name}'"
        )
    if dim is not None:
        _norm_dim("weight_norm", dim, weight.ndim)
    warnings.warn(
        "`nn.utils.weight_norm` is deprecated in favor of `nn.utils.parametrizations.weight_norm`.",
        FutureWarning,
        stacklevel=2,
    )
    fn = WeightNorm(name, dim)
    with ag.no_grad():
        g = _norm_except_dim(weight, fn.dim)
    del module._parameters[name]
    module.register_parameter(name + "_g", Parameter(g.detach()))
    module.register_parameter(name + "_v", Parameter(weight.detach()))
    setattr(module, name, fn.compute_weight(module))
    module.register_forward_pre_hook(fn)
    return module


def remove_weight_norm(module, name: str = "weight"):
    """Undo the legacy ``weight_norm``: ``<name>`` becomes a parameter again (its current
    value g * v / ||v||). Returns ``module``; ValueError if there is no such weight norm."""
    key, hook = _find_hook(module, WeightNorm, name)
    if hook is None:
        raise ValueError(
            f"remove_weight_norm: weight_norm of '{name}' not found in {type(module).__name__}"
        )
    hook.remove(module)
    del module._forward_pre_hooks[key]
    return module


class SpectralNorm:
    """The forward pre-hook of the legacy ``spectral_norm``: sets ``module.<name>`` to
    W / sigma before each forward, W = ``<name>_orig``, sigma = u . (W_mat v) with buffers
    ``<name>_u``, ``<name>_v`` updated first by power iteration in training mode."""

    def __init__(self, name="weight", n_power_iterations=1, dim=0, eps=1e-12):
        if n_power_iterations <= 0:
            raise ValueError(
                "spectral_norm: Expected n_power_iterations to be positive, but got "
                f"n_power_iterations={n_power_iterations}"
            )
        self.name = name
        self.dim = dim
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight):
        """W (d0, ..., dn) as a (d_dim, prod(others)) matrix."""
        if self.dim != 0:
            weight = ag.movedim(weight, self.dim, 0)
        return ag.reshape(weight, (weight.shape[0], -1))

    def compute_weight(self, module, do_power_iteration: bool):
        """W / sigma, W's shape; ``do_power_iteration`` first refines u and v in place."""
        from .functional import normalize

        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with ag.no_grad():
                wm = weight_mat.detach()
                for _ in range(self.n_power_iterations):
                    v.copy_(normalize(ag.mv(wm.T, u), dim=0, eps=self.eps))
                    u.copy_(normalize(ag.mv(wm, v), dim=0, eps=self.eps))
        # clones: u, v are constants of this graph, later in-place updates must not reach it
        u, v = u.detach().clone(), v.detach().clone()
        return weight / ag.dot(u, ag.mv(weight_mat, v))

    def remove(self, module) -> None:
        """Replace ``<name>_orig``, ``<name>_u``, ``<name>_v`` by a parameter ``<name>``."""
        from .parameter import Parameter

        with ag.no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs) -> None:
        setattr(module, self.name, self.compute_weight(module, module.training))


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Legacy spectral normalisation: ``module.<name>`` = W / sigma(W), recomputed by a forward
    pre-hook (with ``n_power_iterations`` power-iteration steps in training mode).

    The parameter ``<name>`` (W, shape S) becomes ``<name>_orig``; buffers ``<name>_u``
    (S[dim],) and ``<name>_v`` (prod(S) / S[dim],) start as random unit vectors; torch's names,
    so state_dicts load both ways. dim: 0, or 1 for ConvTranspose modules. Returns ``module``.
    """
    from .conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
    from .functional import normalize
    from .module import Module

    if not isinstance(module, Module):
        raise TypeError(f"spectral_norm: module must be an nn.Module, got {type(module).__name__}")
    if _find_hook(module, SpectralNorm, name)[1] is not None:
        raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
    weight = module._parameters.get(name) if isinstance(name, str) else None
    if weight is None:
        raise ValueError(
            f"spectral_norm: module {type(module).__name__} has no parameter named '{name}'"
        )
    if dim is None:
        convt = (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)
        dim = 1 if isinstance(module, convt) else 0
    dim = _norm_dim("spectral_norm", dim, weight.ndim)
    fn = SpectralNorm(name, n_power_iterations, dim, eps)
    with ag.no_grad():
        h, w = fn.reshape_weight_to_matrix(weight).shape
        u = normalize(ag.randn(h, dtype=weight.dtype, device=weight.device), dim=0, eps=eps)
        v = normalize(ag.randn(w, dtype=weight.dtype, device=weight.device), dim=0, eps=eps)
    delattr(module, name)
    module.register_parameter(name + "_orig", weight)
    setattr(module, name, weight.detach())
    module.register_buffer(name + "_u", u)
    module.register_buffer(name + "_v", v)
    module.register_forward_pre_hook(fn)
    return module


def remove_spectral_norm(module, name: str = "weight"):
    """Undo the legacy ``spectral_norm``: ``<name>`` becomes a parameter again (W / sigma with
    the current u, v). Returns ``module``; ValueError if there is no such spectral norm."""
    key, hook = _find_hook(module, SpectralNorm, name)
    if hook is None:
        raise ValueError(
            f"remove_spectral_norm: spectral_norm of '{name}' not found in {type(module).__name__}"
        )
    hook.remove(module)
    del module._forward_pre_hooks[key]
    return module
