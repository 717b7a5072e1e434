"""Weight normalisation, spectral normalisation and orthogonal weights as parametrizations, as in
``torch.nn.utils.parametrizations`` (reached as ``nn.utils.parametrizations``)::

    m = nn.utils.parametrizations.weight_norm(nn.Linear(20, 40))
    m.parametrizations.weight.original0     # g: (40, 1)
    m.parametrizations.weight.original1     # v: (40, 20);  m.weight = g * v / ||v|| per row

    d = nn.utils.parametrizations.spectral_norm(nn.Linear(20, 40))
    d.weight                                # weight / sigma, sigma ~ its largest singular value

    o = nn.utils.parametrizations.orthogonal(nn.Linear(20, 40))
    o.weight.T @ o.weight                   # the (20, 20) identity, through optimizer steps
"""

from __future__ import annotations

import numbers

import numpy as np

import autograd as ag
from autograd.ops.linalg_extra import geqrf
from autograd.tensor import Tensor

from . import parametrize
from .functional import normalize
from .module import Module

__all__ = ["weight_norm", "spectral_norm", "orthogonal"]


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


def _mT(x: Tensor) -> Tensor:  # noqa: N802
    return ag.transpose(x, -2, -1)


def _mH(x: Tensor) -> Tensor:  # noqa: N802
    """The conjugate transpose of the last two dims (the transpose for a real x)."""
    return _mT(ag.conj(x)) if x.dtype.kind == "c" else _mT(x)


class _SpectralNorm(Module):
    """The spectral-norm parametrization: forward(W) = W / sigma, sigma = u^H (W_mat v), with
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
        # u <- W v / ||W v||, v <- W^H u / ||W^H u|| (W^H: the conjugate transpose, W^T for a
        # real W), written into the buffers in place
        with ag.no_grad():
            wm = weight_mat.detach()
            wm_h = _mH(wm)
            for _ in range(n_power_iterations):
                self._u.copy_(normalize(ag.mv(wm, self._v), dim=0, eps=self.eps))
                self._v.copy_(normalize(ag.mv(wm_h, self._u), dim=0, eps=self.eps))

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


# -- orthogonal ---------------------------------------------------------------------------------

_ORTH_MAPS = ("matrix_exp", "cayley", "householder")


def _is_orthogonal(q: Tensor) -> bool:
    """Whether the tall q (..., n, k) has orthonormal columns: allclose(Q^H Q, I) with atol
    10 n eps (rtol 1e-5), as torch (eps of q's dtype: of its parts for a complex q)."""
    n, k = q.shape[-2:]
    eps = 10.0 * n * float(np.finfo(q.dtype).eps)
    eye = ag.eye(k, dtype=q.dtype, device=q.device)
    return bool(ag.allclose(_mH(q) @ q, eye.expand(q.shape[:-2] + (k, k)), atol=eps))


def _make_orthogonal(a: Tensor) -> Tensor:
    """The Q (..., n, k) of a tall a = Q R with diag(R) real and >= 0 (geqrf, then the
    reflectors; Q's columns are scaled by sgn(diag(R)), the unit phase for a complex a)."""
    x, tau = geqrf(a)
    q = ag.linalg.householder_product(x, tau)
    return q * ag.sgn(ag.linalg.diagonal(x)).unsqueeze(-2)


class _Orthogonal(Module):
    """The orthogonal parametrization (torch's ``_Orthogonal``). forward(X): X (..., n, k)
    (transposed first when n < k) mapped to Q with orthonormal columns: 'matrix_exp' /
    'cayley' of the skew-symmetric A = X' - X'^H (X' the lower triangle of X padded to n x n;
    for a complex X, A is skew-Hermitian and Q unitary),
    the first k columns; 'householder': the product of the reflectors below X's diagonal times
    the signs of its diagonal. With ``use_trivialization`` Q is multiplied by the buffer
    ``base`` (n, n), set by right_inverse to the orthogonalised assigned value."""

    def __init__(self, weight: Tensor, orthogonal_map: str, *, use_trivialization=True):
        super().__init__()
        if weight.dtype.kind == "c" and orthogonal_map == "householder":
            raise ValueError(
                "orthogonal: the householder parametrization does not support complex tensors."
            )
        self.shape = tuple(weight.shape)
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:  # noqa: N803 - torch's name
        n, k = X.shape[-2:]
        transposed = n < k
        if transposed:
            X = _mT(X)
            n, k = k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            X = ag.tril(X)
            if n != k:  # embed into a square matrix
                pad = ag.zeros(X.shape[:-1] + (n - k,), dtype=X.dtype, device=X.device)
                X = ag.cat([X, pad], dim=-1)
            A = X - _mH(X)  # skew-symmetric (skew-Hermitian for a complex X)
            if self.orthogonal_map == "matrix_exp":
                Q = ag.linalg.matrix_exp(A)
            else:  # the Cayley map (I + A/2)(I - A/2)^-1
                eye = ag.eye(n, dtype=A.dtype, device=A.device)
                Q = ag.linalg.solve(eye - 0.5 * A, eye + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = ag.tril(X, -1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = ag.linalg.householder_product(A, tau)
            # the diagonal of X holds +-1 signs: no gradient (torch casts it to int)
            Q = Q * ag.trunc(ag.linalg.diagonal(X)).detach().unsqueeze(-2)
        if "base" in self._buffers:
            Q = self.base @ Q
        if transposed:
            Q = _mT(Q)
        return Q

    def right_inverse(self, Q: Tensor) -> Tensor:  # noqa: N803
        """The original that gives Q (of the weight's shape): with trivialization, -I (and
        ``base`` <- Q orthogonalised, completed to n x n with random columns when not
        square); without, for 'householder', Q's geqrf reflectors with R's signs on the
        diagonal ('matrix_exp' and 'cayley' have no inverse then)."""
        with ag.no_grad():
            if tuple(Q.shape) != self.shape:
                raise ValueError(
                    f"orthogonal: expected a matrix or batch of matrices of shape {self.shape}. "
                    f"Got a tensor of shape {tuple(Q.shape)}."
                )
            q_init = Q
            n, k = Q.shape[-2:]
            transpose = n < k
            if transpose:
                Q = _mT(Q)
                n, k = k, n
            if "base" not in self._buffers:
                if self.orthogonal_map in ("matrix_exp", "cayley"):
                    raise NotImplementedError(
                        "orthogonal: it is not possible to assign to the matrix exponential or "
                        "the Cayley parametrizations when use_trivialization=False."
                    )
                A, tau = geqrf(Q)
                # diag(R) > 0 makes the decomposition unique; where LAPACK skipped a
                # reflection (tau == 0) the forward's reflector flips that sign back
                d = ag.sign(ag.linalg.diagonal(A))
                d = ag.where(tau == 0.0, -d, d)
                on_diag = ag.eye(n, k, dtype=bool, device=A.device)
                A = ag.where(on_diag, d.unsqueeze(-2), A)
                return _mT(A) if transpose else A
            if n == k:
                Q = ag.clone(Q) if _is_orthogonal(Q) else _make_orthogonal(Q)
            else:  # complete Q to an n x n orthogonal matrix
                N = ag.randn(*(tuple(Q.shape[:-2]) + (n, n - k)), dtype=Q.dtype, device=Q.device)
                Q = _make_orthogonal(ag.cat([Q, N], dim=-1))
            self.base = Q
            # -I: householder(zeros) is then the identity (the diagonal holds the signs)
            m_, n_ = q_init.shape[-2:]
            return ag.zeros_like(q_init) - ag.eye(m_, n_, dtype=q_init.dtype, device=q_init.device)


def orthogonal(
    module: Module,
    name: str = "weight",
    orthogonal_map: str | None = None,
    *,
    use_trivialization: bool = True,
) -> Module:
    """Make ``module.<name>`` (a matrix or a batch of matrices (..., m, n)) orthogonal: Q^H Q
    = I_n when m >= n, Q Q^H = I_m otherwise (Q^H the conjugate transpose: a complex weight
    becomes unitary), kept so through optimizer steps.

    orthogonal_map: 'matrix_exp' or 'cayley' (of a skew-symmetric matrix made from the
    original's lower triangle) or 'householder' (a product of reflectors); default
    'matrix_exp' for square (or complex) weights, 'householder' otherwise. With
    ``use_trivialization`` (default) an extra (..., n, n) buffer
    ``parametrizations.<name>[0].base`` holds the orthogonal matrix the original is measured
    from (the dynamic trivialization of Lezcano-Casado, 2019). The initial weight is the
    module's own when orthogonal, else its Q factor (diag R >= 0). Returns ``module``.
    """
    weight = getattr(module, name, None) if isinstance(name, str) else None
    if not isinstance(weight, Tensor):
        raise ValueError(
            f"orthogonal: module {type(module).__name__} has no parameter or buffer with name "
            f"'{name}'"
        )
    if weight.ndim < 2:
        raise ValueError(
            "orthogonal: expected a matrix or batch of matrices. Got a tensor of "
            f"{weight.ndim} dimensions (shape {tuple(weight.shape)})."
        )
    if orthogonal_map is None:
        square = weight.shape[-2] == weight.shape[-1]
        orthogonal_map = "matrix_exp" if square or weight.dtype.kind == "c" else "householder"
    if orthogonal_map not in _ORTH_MAPS:
        raise ValueError(
            'orthogonal: orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
            f"Got: {orthogonal_map}"
        )
    orth = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
