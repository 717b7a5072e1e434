"""Preprocessing fitted on the training set only, then applied unchanged to every other split.

pre = Standardize().fit(X_train)          # statistics of the training set
X_train, X_val, X_test = pre.transform(X_train), pre.transform(X_val), pre.transform(X_test)

``ZeroCenter``, ``Standardize`` (per feature or per channel), ``PCA`` (optionally whitened) and
``ZCA`` whitening. Inputs are arrays or Tensors (N, ...); outputs have the input's kind, device
and float dtype (integer input, e.g. uint8 pixels, gives the default float dtype). Statistics are
computed in float64. ``state_dict()`` / ``load_state_dict()`` hold the fitted statistics, so they
can be saved with ``nn.save`` beside the model that needs them at test time.
"""

from __future__ import annotations

import numbers
import operator

import numpy as np

from autograd import dtypes as _dt
from autograd.errors import ShapeError
from autograd.tensor import Tensor

__all__ = ["ZeroCenter", "Standardize", "PCA", "ZCA"]


def _host(x):
    """(numpy array, how to give a result back in x's kind and device)."""
    if isinstance(x, Tensor):
        dev = x.device
        a = x._data if type(x._data) is np.ndarray else x._data.get()

        def back(r):
            t = Tensor(r)
            return t if dev == "cpu" else t.to(dev)

        return a, back
    if type(x).__module__.startswith("cupy"):
        from backends import array_module

        return x.get(), array_module(x).asarray
    return np.asarray(x), lambda r: r


def _out_dtype(a: np.ndarray):
    return a.dtype if a.dtype.kind == "f" else np.dtype(_dt.get_default_dtype())


class _Preprocessor:
    """Common shell: ``fit`` (returns self), ``transform``, ``fit_transform``,
    ``inverse_transform``, ``state_dict``, ``load_state_dict``."""

    _state_keys: tuple = ()
    _options: tuple = ()

    def fit(self, x):
        """Compute the statistics of ``x`` (N, ...), the training set; returns self."""
        a, _ = _host(x)
        if a.ndim < 2 or a.shape[0] < 1:
            raise ShapeError(
                f"{type(self).__name__}.fit: expected samples (N, ...) with N >= 1, got shape "
                f"{a.shape}"
            )
        self._fit(a.astype(np.float64, copy=False))
        self.feature_shape_ = tuple(a.shape[1:])
        return self

    def transform(self, x):
        """Apply the fitted statistics to ``x`` (N, ...) of the training set's feature shape."""
        a, back = _host(x)
        self._check(a, "transform")
        return back(self._transform(a, _out_dtype(a)))

    def fit_transform(self, x):
        """``fit(x)`` then ``transform(x)``."""
        return self.fit(x).transform(x)

    def inverse_transform(self, z):
        """Undo ``transform``: data back in the original units."""
        a, back = _host(z)
        self._require_fit("inverse_transform")
        return back(self._inverse(a, _out_dtype(a)))

    def _require_fit(self, what):
        if not hasattr(self, "feature_shape_"):
            raise RuntimeError(
                f"{type(self).__name__}.{what}: not fitted yet; call fit() on the training set "
                "first"
            )

    def _check(self, a, what):
        self._require_fit(what)
        if tuple(a.shape[1:]) != self.feature_shape_ or a.ndim < 2:
            raise ShapeError(
                f"{type(self).__name__}.{what}: expected samples of shape (N, "
                f"{', '.join(map(str, self.feature_shape_))}) as in fit, got {a.shape}"
            )

    def state_dict(self) -> dict:
        """The options and fitted statistics (arrays, ints, floats, bools); empty until fitted."""
        d = {k: getattr(self, k) for k in self._options}
        if hasattr(self, "feature_shape_"):
            d["feature_shape"] = list(self.feature_shape_)
            for k in self._state_keys:
                d[k] = getattr(self, k).copy()
        return d

    def load_state_dict(self, state: dict) -> None:
        """Restore ``state_dict()`` (checked first: nothing changes on error)."""
        missing = [k for k in self._options if k not in state]
        if "feature_shape" in state:
            missing += [k for k in self._state_keys if k not in state]
        if missing:
            raise ValueError(f"{type(self).__name__}.load_state_dict: missing keys {missing}")
        fitted = "feature_shape" in state
        arrays = {}
        if fitted:  # everything converted and checked before anything is set
            try:
                shape = tuple(operator.index(s) for s in state["feature_shape"])
            except TypeError:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: feature_shape must be ints, got "
                    f"{state['feature_shape']!r}"
                ) from None
            for k in self._state_keys:
                v = state[k]
                v = v.numpy() if isinstance(v, Tensor) else np.asarray(v)
                arrays[k] = np.array(v, dtype=np.float64)
        for k in self._options:
            setattr(self, k, state[k])
        for k in ("feature_shape_",) + tuple(self._state_keys):  # an unfitted state: unfit
            if not fitted and hasattr(self, k):
                delattr(self, k)
        for k, v in arrays.items():
            setattr(self, k, v)
        if fitted:
            self.feature_shape_ = shape

    def __repr__(self):
        opts = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._options)
        return f"{type(self).__name__}({opts})"


def _axes(a, per_channel):
    return (0,) if not per_channel else (0,) + tuple(range(2, a.ndim))


def _bshape(stat, ndim, per_channel):
    """Broadcast a per-channel (C,) statistic against (N, C, ...)."""
    return stat.reshape((1, -1) + (1,) * (ndim - 2)) if per_channel else stat


class ZeroCenter(_Preprocessor):
    """x - mean, the mean taken over the training samples.

    per_channel=False: one mean per feature, shape x.shape[1:]. per_channel=True: one per
    channel of (N, C, ...) data, over the samples and spatial positions, shape (C,).
    """

    _state_keys = ("mean_",)
    _options = ("per_channel",)

    def __init__(self, per_channel: bool = False):
        self.per_channel = bool(per_channel)

    def _fit(self, a):
        if self.per_channel and a.ndim < 2:
            raise ShapeError(f"{type(self).__name__}: per_channel needs (N, C, ...), got {a.shape}")
        self.mean_ = a.mean(axis=_axes(a, self.per_channel))

    def _transform(self, a, dt):
        m = _bshape(self.mean_, a.ndim, self.per_channel).astype(dt)
        return a.astype(dt, copy=False) - m

    def _inverse(self, z, dt):
        self._check(z, "inverse_transform")
        return z.astype(dt, copy=False) + _bshape(self.mean_, z.ndim, self.per_channel).astype(dt)


class Standardize(ZeroCenter):
    """(x - mean) / std, statistics of the training samples (per feature or per channel).

    Features whose training std is below ``eps`` are only centred (divided by 1), as
    scikit-learn's StandardScaler does with constant features.
    """

    _state_keys = ("mean_", "scale_")
    _options = ("per_channel", "eps")

    def __init__(self, per_channel: bool = False, eps: float = 1e-8):
        super().__init__(per_channel)
        self.eps = float(eps)

    def _fit(self, a):
        super()._fit(a)
        std = a.std(axis=_axes(a, self.per_channel))
        self.scale_ = np.where(std < self.eps, 1.0, std)

    def _transform(self, a, dt):
        s = _bshape(self.scale_, a.ndim, self.per_channel).astype(dt)
        return super()._transform(a, dt) / s

    def _inverse(self, z, dt):
        self._check(z, "inverse_transform")
        s = _bshape(self.scale_, z.ndim, self.per_channel).astype(dt)
        return super()._inverse(z.astype(dt, copy=False) * s, dt)


def _eig_cov(a2):
    """Mean (D,), eigenvalues (D,) descending and eigenvectors (D, D) (columns) of the biased
    covariance Xc^T Xc / N, each eigenvector's largest entry made positive (a fixed sign)."""
    mean = a2.mean(axis=0)
    xc = a2 - mean
    cov = xc.T @ xc / a2.shape[0]
    s, u = np.linalg.eigh(cov)
    s, u = s[::-1].clip(min=0.0), u[:, ::-1]
    sign = np.sign(u[np.abs(u).argmax(axis=0), np.arange(u.shape[1])])
    sign[sign == 0] = 1.0
    return mean, s, np.ascontiguousarray(u * sign)


class PCA(_Preprocessor):
    """Principal component analysis: project centred, flattened samples onto the top principal
    axes of the training covariance.

    n_components: how many axes to keep (default all D = prod(x.shape[1:])); a float in (0, 1)
    keeps the fewest explaining at least that fraction of the variance.
    whiten: also divide each component by sqrt(eigenvalue + eps), giving unit variance.
    transform: (N, ...) -> (N, k). inverse_transform: (N, k) -> (N, ...), exact when k = D.
    Fitted: ``mean_`` (D,), ``components_`` (k, D) (rows are the axes), ``explained_variance_``
    (k,), ``explained_variance_ratio_`` (k,).
    """

    _state_keys = ("mean_", "components_", "explained_variance_", "explained_variance_ratio_")
    _options = ("n_components", "whiten", "eps")

    def __init__(self, n_components=None, whiten: bool = False, eps: float = 1e-5):
        k = n_components
        if isinstance(k, numbers.Integral) and not isinstance(k, (bool, np.bool_)) and k >= 1:
            k = int(k)  # np.int64 too; never a bool
        elif isinstance(k, (float, np.floating)) and 0 < k < 1:
            k = float(k)
        elif k is not None:
            raise ValueError(
                f"PCA: n_components must be an int >= 1, a float in (0, 1) or None, got "
                f"{n_components!r}"
            )
        self.n_components = k
        self.whiten = bool(whiten)
        self.eps = float(eps)

    def _fit(self, a):
        a2 = a.reshape(a.shape[0], -1)
        mean, s, u = _eig_cov(a2)
        total = s.sum()
        ratio = s / total if total > 0 else np.zeros_like(s)
        k = self.n_components
        if k is None:
            k = len(s)
        elif isinstance(k, float):
            if total <= 0:
                raise ValueError(
                    f"PCA: n_components={k} asks for that fraction of the variance, but the "
                    "training data has no variance (every feature is constant); pass an int"
                )
            k = min(int(np.searchsorted(np.cumsum(ratio), k - 1e-12) + 1), len(s))
        if k > len(s):
            raise ValueError(f"PCA: n_components={k} is more than the {len(s)} features")
        self.mean_ = mean
        self.components_ = np.ascontiguousarray(u[:, :k].T)
        self.explained_variance_ = s[:k]
        self.explained_variance_ratio_ = ratio[:k]

    def _scale(self):
        return np.sqrt(self.explained_variance_ + self.eps) if self.whiten else None

    def _transform(self, a, dt):
        a2 = a.reshape(a.shape[0], -1).astype(dt, copy=False)
        z = (a2 - self.mean_.astype(dt)) @ self.components_.T.astype(dt)
        sc = self._scale()
        return z / sc.astype(dt) if sc is not None else z

    def _inverse(self, z, dt):
        k = self.components_.shape[0]
        if z.ndim != 2 or z.shape[1] != k:
            raise ShapeError(f"PCA.inverse_transform: expected (N, {k}), got {z.shape}")
        z = z.astype(dt, copy=False)
        sc = self._scale()
        if sc is not None:
            z = z * sc.astype(dt)
        x = z @ self.components_.astype(dt) + self.mean_.astype(dt)
        return x.reshape((z.shape[0],) + self.feature_shape_)


class ZCA(_Preprocessor):
    """ZCA whitening: x -> (x - mean) W with W = U diag(1 / sqrt(S + eps)) U^T, where U S U^T is
    the training covariance of the flattened samples.

    The whitened training data has covariance U diag(S / (S + eps)) U^T, the identity for
    eps << S, while staying as close to the input as possible (images still look like images).
    eps regularises the small-variance directions (noise): for pixels in [0, 1], 1e-2 to 1e-1
    is common; the default 1e-5 whitens almost exactly. Shapes: (N, ...) -> (N, ...).
    """

    _state_keys = ("mean_", "whitening_", "coloring_")
    _options = ("eps",)

    def __init__(self, eps: float = 1e-5):
        if not eps >= 0:
            raise ValueError(f"ZCA: eps must be >= 0, got {eps!r}")
        self.eps = float(eps)

    def _fit(self, a):
        mean, s, u = _eig_cov(a.reshape(a.shape[0], -1))
        if self.eps == 0 and s.min() <= 0:
            raise ValueError("ZCA: the covariance is singular; use eps > 0")
        self.mean_ = mean
        self.whitening_ = (u / np.sqrt(s + self.eps)) @ u.T
        self.coloring_ = (u * np.sqrt(s + self.eps)) @ u.T

    def _transform(self, a, dt):
        a2 = a.reshape(a.shape[0], -1).astype(dt, copy=False)
        z = (a2 - self.mean_.astype(dt)) @ self.whitening_.astype(dt)
        return z.reshape(a.shape)

    def _inverse(self, z, dt):
        self._check(z, "inverse_transform")
        z2 = z.reshape(z.shape[0], -1).astype(dt, copy=False)
        x = z2 @ self.coloring_.astype(dt) + self.mean_.astype(dt)
        return x.reshape(z.shape)
