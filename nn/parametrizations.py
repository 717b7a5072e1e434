"""Weight normalisation and spectral normalisation as parametrizations, as in
``torch.nn.utils.parametrizations`` (reached as ``nn.utils.parametrizations``)::

    m = nn.utils.parametrizations.weight_norm(nn.Linear(20, 40))
    m.parametrizations.weight.original0     # g: (40, 1)
    m.parametrizations.weight.original1     # v: (40, 20);  m.weight = g * v / ||v|| per row

    d = nn.utils.parametrizations.spectral_norm(nn.Linear(20, 40))
    d.weight                                # weight / sigma, sigma ~ its largest singular value

``orthogonal`` is not provided.
"""

from __future__ import annotations

import numbers

import autograd as ag
from autograd.tensor import Tensor

from . import parametrize
from .functional import normalize
from .module import Module

__all__ = ["weight_norm", "spectral_norm"]


def _norm_dim(op: str, dim, ndim: int) -> int:
    if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int or None, got {type(dim).__name__}")
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(
            f"{op}: Dimension out of range (expected to be in range of "
            f"[{-max(ndim, 1)}, {max(ndim, 1) - 1}], but got {dim})"
        )
    return int(dim)


def _norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """torch.norm_except_dim(v, 2, dim): the 2-norm of v over every dim except ``dim``.

    v: (d0, ..., dn). dim == -1 means the whole tensor: returns a 0-d tensor. Otherwise returns
    shape (1, ..., d_dim, ..., 1) (v.ndim dims).
    """
    if dim == -1:
        return ag.norm(v)
    d = dim + v.ndim if dim < 0 else dim
    n = v.shape[d]
    rows = ag.reshape(ag.movedim(v, d, 0), (n, -1))
    shape = [1] * v.ndim
    shape[d] = n
    return ag.reshape(ag.norm(rows, 2, 1), tuple(shape))


def _weight_norm(v: Tensor, g: Tensor, dim: int) -> Tensor:
    """torch._weight_norm: v * (g / ||v||), the norm over every dim except ``dim`` (-1: all).

    v: (d0, ..., dn); g: the norm's shape (see ``_norm_except_dim``). Returns v's shape.
    """
    return v * (g / _norm_except_dim(v, dim))


class _WeightNorm(Module):
    """The weight-norm parametrization: forward(g, v) = g * v / ||v|| (dim: -1 or None = the
    whole tensor), right_inverse(w) = (||w||, w)."""

    def __init__(self, dim: int | None = 0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        """(g, v) = (the norm of ``weight`` over every dim except ``dim``, ``weight``)."""
        return _norm_except_dim(weight, self.dim), weight

    def extra_repr(self) -> str:
        return ""


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrize ``module.<name>`` as w = g * v / ||v|| (Salimans & Kingma, 2016).

    The norm runs over every dim except ``dim`` (one magnitude per output row by default:
    for a Linear weight (out, in), g is (out, 1)); ``dim=None`` (or -1, as in torch) uses the
    whole tensor's norm (g is 0-d). g is stored as ``parametrizations.<name>.original0`` and
    v as ``original1`` (v starts as the weight, g as its norm, so w is unchanged). A state_dict
    saved with the legacy ``nn.utils.weight_norm`` (keys ``<name>_g``, ``<name>_v``) loads.
    Returns ``module``.
    """
    weight = getattr(module, name, None) if isinstance(name, str) else None
    if isinstance(weight, Tensor) and dim is not None:
        _norm_dim("weight_norm", dim, weight.ndim)
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def _weight_norm_compat_hook(
        state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
    ):
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(_weight_norm_compat_hook)
    return module


class _SpectralNorm(Module):
    """The spectral-norm parametrization: forward(W) = W / sigma, sigma = u . (W_mat v), with
    u, v (buffers ``_u``, ``_v``) estimated by power iteration on W_mat, W seen as a matrix
    (W's dim ``dim`` first, the rest flattened). In training mode each forward first runs
    ``n_power_iterations`` steps (without gradient); in eval mode u and v stay. The gradient
    treats u and v as constants. A 1-D W is just normalised: W / ||W||."""

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(
                "spectral_norm: Dimension out of range (expected to be in range of "
                f"[-{ndim}, {ndim - 1}] but got {dim})"
            )
        if n_power_iterations <= 0:
            raise ValueError(
                "spectral_norm: Expected n_power_iterations to be positive, but got "
                f"n_power_iterations={n_power_iterations}"
            )
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            with ag.no_grad():
                weight_mat = self._reshape_weight_to_matrix(weight)
                h, w = weight_mat.shape
                u = ag.randn(h, dtype=weight.dtype, device=weight.device)
                v = ag.randn(w, dtype=weight.dtype, device=weight.device)
                self.register_buffer("_u", normalize(u, dim=0, eps=self.eps))
                self.register_buffer("_v", normalize(v, dim=0, eps=self.eps))
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = ag.movedim(weight, self.dim, 0)
        return ag.reshape(weight, (weight.shape[0], -1))

    def _power_method(self, weight_mat: Tensor, n_power_iterations: int) -> None:
        # u <- W v / ||W v||, v <- W^T u / ||W^T u||, written into the buffers in place
        with ag.no_grad():
            wm = weight_mat.detach()
            for _ in range(n_power_iterations):
                self._u.copy_(normalize(ag.mv(wm, self._v), dim=0, eps=self.eps))
                self._v.copy_(normalize(ag.mv(wm.T, self._u), dim=0, eps=self.eps))

    def forward(self, weight):
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u = self._u.detach().clone()
        v = self._v.detach().clone()
        sigma = ag.vdot(u, ag.mv(weight_mat, v))
        return weight / sigma

    def right_inverse(self, value):
        """The identity: the stored weight is the unnormalised one."""
        return value


def spectral_norm(
    module: Module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> Module:
    """Reparametrize ``module.<name>`` as W / sigma(W), sigma the largest singular value of W
    seen as a matrix (Miyato et al., 2018), estimated by power iteration.

    W: (d0, ..., dn) is read as a (d_dim, prod(others)) matrix; ``dim`` defaults to 0 (1 for
    ConvTranspose modules). u (d_dim,) and v (prod(others),) are buffers
    ``parametrizations.<name>.0._u`` / ``._v``, initialised at random and refined by 15 power
    iterations, then by ``n_power_iterations`` on every access in training mode (never in
    eval mode). The gradient flows through sigma with u and v held constant. A 1-D W becomes
    W / max(||W||, eps). Returns ``module``.
    """
    weight = getattr(module, name, None) if isinstance(name, str) else None
    if not isinstance(weight, Tensor):
        raise ValueError(
            f"spectral_norm: module {type(module).__name__} has no parameter or buffer with "
            f"name '{name}'"
        )
    if dim is None:
        from .conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

        convt = (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)
        dim = 1 if isinstance(module, convt) else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps)
    )
    return module
