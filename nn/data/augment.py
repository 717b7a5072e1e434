"""Batch augmentations for images (N, C, H, W) and soft targets, each drawing from a
``numpy.random.Generator`` for reproducibility (default: the global autograd generator).

rng = np.random.default_rng(0)
xb = random_crop(random_horizontal_flip(xb, generator=rng), 32, padding=4, generator=rng)
xb, tb = mixup(xb, yb, num_classes=10, alpha=0.2, generator=rng)
loss = F.cross_entropy(model(xb), tb)          # tb: (N, C) class probabilities

Inputs are arrays or Tensors (on any device); results are new arrays or Tensors of the same
kind, dtype and device (random numbers are drawn on the host, so a seed gives the same result
on every device). Augment the training batches only, never validation or test data.
"""

from __future__ import annotations

import numbers

import numpy as np

from autograd import random as _random
from autograd.errors import ShapeError
from autograd.tensor import Tensor

__all__ = [
    "one_hot",
    "random_horizontal_flip",
    "random_crop",
    "gaussian_noise",
    "cutout",
    "mixup",
    "cutmix",
]


def _raw(x):
    """(array, xp, wrap-result-like-x)."""
    if isinstance(x, Tensor):
        from backends import array_module

        return x._data, array_module(x._data), Tensor
    if isinstance(x, np.ndarray):
        return x, np, lambda r: r
    if type(x).__module__.startswith("cupy"):
        from backends import array_module

        return x, array_module(x), lambda r: r
    a = np.asarray(x)
    return a, np, lambda r: r


def _images(a, op):
    if a.ndim != 4:
        raise ShapeError(f"{op}: expected images (N, C, H, W), got shape {tuple(a.shape)}")


def _dev(xp, host):
    return host if xp is np else xp.asarray(host)


def _check_p(p, op):
    if not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: p must be a probability in [0, 1], got {p!r}")


def one_hot(y, num_classes: int, dtype=np.float32):
    """Class indices (N,) (or any shape S) -> one-hot rows (*S, num_classes) of ``dtype``.

    y: integer array / Tensor / list with values in [0, num_classes). Returns the same kind as
    y (Tensor in, Tensor out), float32 by default so ``cross_entropy`` takes it as
    probabilities.
    """
    a, xp, wrap = _raw(y)
    if a.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected integer class indices, got dtype {a.dtype}")
    if not isinstance(num_classes, numbers.Integral) or num_classes < 1:
        raise ValueError(f"one_hot: num_classes must be an int >= 1, got {num_classes!r}")
    if a.size and (int(a.min()) < 0 or int(a.max()) >= num_classes):
        raise ValueError(
            f"one_hot: class values must be in [0, {num_classes}), got min {int(a.min())} and "
            f"max {int(a.max())}"
        )
    return wrap((a[..., None] == xp.arange(num_classes)).astype(dtype))


def random_horizontal_flip(x, p: float = 0.5, generator=None):
    """Mirror each image left-right (last axis) with probability ``p``. x: (N, C, H, W)."""
    _check_p(p, "random_horizontal_flip")
    a, xp, wrap = _raw(x)
    _images(a, "random_horizontal_flip")
    flip = _random.gen(generator).random(a.shape[0]) < p
    mask = _dev(xp, flip)[:, None, None, None]
    return wrap(xp.where(mask, a[..., ::-1], a))


def random_crop(x, size, padding: int = 0, fill=0, generator=None):
    """Pad each image by ``padding`` pixels on every side (with ``fill``), then cut a random
    ``size`` window from it (a different one per image).

    x: (N, C, H, W); size: int or (h, w) with h <= H + 2 padding, w <= W + 2 padding.
    Returns (N, C, h, w).
    """
    a, xp, wrap = _raw(x)
    _images(a, "random_crop")
    h, w = (size, size) if isinstance(size, numbers.Integral) else (int(size[0]), int(size[1]))
    if not isinstance(padding, numbers.Integral) or padding < 0:
        raise ValueError(f"random_crop: padding must be an int >= 0, got {padding!r}")
    n, c, H, W = a.shape
    Hp, Wp = H + 2 * padding, W + 2 * padding
    if not (0 < h <= Hp and 0 < w <= Wp):
        raise ValueError(
            f"random_crop: crop size ({h}, {w}) must fit the padded image ({Hp}, {Wp})"
        )
    if padding:
        pad = ((0, 0), (0, 0), (padding, padding), (padding, padding))
        a = xp.pad(a, pad, mode="constant", constant_values=fill)
    g = _random.gen(generator)
    top = g.integers(0, Hp - h + 1, size=n)
    left = g.integers(0, Wp - w + 1, size=n)
    rows = _dev(xp, top[:, None] + np.arange(h))  # (N, h)
    cols = _dev(xp, left[:, None] + np.arange(w))  # (N, w)
    idx_n = _dev(xp, np.arange(n))[:, None, None]
    # advanced indices around a slice: result (N, h, w, C)
    out = a.transpose(0, 2, 3, 1)[idx_n, rows[:, :, None], cols[:, None, :]]
    return wrap(xp.ascontiguousarray(out.transpose(0, 3, 1, 2)))


def gaussian_noise(x, std: float, generator=None):
    """x + noise, noise ~ N(0, std^2) elementwise, in x's float dtype. Any shape."""
    if not isinstance(std, numbers.Real) or std < 0:
        raise ValueError(f"gaussian_noise: std must be >= 0, got {std!r}")
    a, xp, wrap = _raw(x)
    if a.dtype.kind != "f":
        raise TypeError(f"gaussian_noise: expected a float input, got dtype {a.dtype}")
    noise = _random.gen(generator).normal(0.0, std, size=a.shape).astype(a.dtype)
    return wrap(a + _dev(xp, noise))


def cutout(x, size: int, p: float = 1.0, fill=0, generator=None):
    """Cutout (DeVries & Taylor, 2017): set a ``size`` x ``size`` square of every channel to
    ``fill``, at a random centre per image (with probability ``p``).

    The centre is uniform over the image, so a square near the border is clipped to the part
    inside. x: (N, C, H, W); returns the same shape.
    """
    _check_p(p, "cutout")
    a, xp, wrap = _raw(x)
    _images(a, "cutout")
    if not isinstance(size, numbers.Integral) or size < 1:
        raise ValueError(f"cutout: size must be an int >= 1, got {size!r}")
    n, _, H, W = a.shape
    g = _random.gen(generator)
    cy = g.integers(0, H, size=n)
    cx = g.integers(0, W, size=n)
    apply = g.random(n) < p
    y0, x0 = np.clip(cy - size // 2, 0, H), np.clip(cx - size // 2, 0, W)
    y1, x1 = np.clip(cy - size // 2 + size, 0, H), np.clip(cx - size // 2 + size, 0, W)
    ys, xs = np.arange(H), np.arange(W)
    inside = (
        (ys[None, :, None] >= y0[:, None, None])
        & (ys[None, :, None] < y1[:, None, None])
        & (xs[None, None, :] >= x0[:, None, None])
        & (xs[None, None, :] < x1[:, None, None])
        & apply[:, None, None]
    )  # (N, H, W)
    return wrap(xp.where(_dev(xp, inside)[:, None], xp.asarray(fill, dtype=a.dtype), a))


def _soft_targets(y, n, num_classes, dtype, xp, op):
    """Targets as probabilities (N, C): one-hot of class indices, or soft targets as given."""
    t, _, _ = _raw(y)
    if t.shape[:1] != (n,):
        raise ShapeError(f"{op}: targets must have {n} rows like the inputs, got {tuple(t.shape)}")
    if t.dtype.kind in "iu" and t.ndim == 1:
        if num_classes is None:
            raise ValueError(f"{op}: num_classes is required with integer class labels")
        return _raw(one_hot(t, num_classes, dtype=dtype))[0]
    if t.dtype.kind == "f" and t.ndim == 2:
        if num_classes is not None and t.shape[1] != num_classes:
            raise ShapeError(f"{op}: soft targets have {t.shape[1]} classes, not {num_classes}")
        return t.astype(dtype)
    raise TypeError(
        f"{op}: targets must be integer class indices (N,) or probabilities (N, C), got "
        f"{t.dtype} of shape {tuple(t.shape)}"
    )


def _beta(g, alpha, op):
    if not isinstance(alpha, numbers.Real) or alpha <= 0:
        raise ValueError(f"{op}: alpha must be > 0, got {alpha!r}")
    return float(g.beta(alpha, alpha))


def mixup(
    x,
    y,
    num_classes: int | None = None,
    alpha: float = 1.0,
    generator=None,
    return_info: bool = False,
):
    """MixUp (Zhang et al., 2018): blend each sample with another of the batch.

    lam ~ Beta(alpha, alpha), perm a random permutation of the batch:
    x' = lam x + (1 - lam) x[perm], t = lam onehot(y) + (1 - lam) onehot(y)[perm].
    x: (N, ...) float; y: class indices (N,) (needs ``num_classes``) or probabilities (N, C).
    Returns ``(x', t)`` with t (N, C) in x's float dtype, rows summing to 1, ready for
    ``F.cross_entropy(logits, t)``; with ``return_info`` also ``{"lam": lam, "perm": perm}``.
    """
    a, xp, wrap = _raw(x)
    if a.dtype.kind != "f":
        raise TypeError(f"mixup: expected float inputs, got dtype {a.dtype}")
    n = a.shape[0]
    t = _soft_targets(y, n, num_classes, a.dtype, xp, "mixup")
    g = _random.gen(generator)
    lam = _beta(g, alpha, "mixup")
    perm = g.permutation(n)
    pd = _dev(xp, perm)
    lam_a = a.dtype.type(lam)
    xm = lam_a * a + (1 - lam_a) * a[pd]
    tm = lam_a * t + (1 - lam_a) * t[pd]
    out = (wrap(xm), wrap(tm))
    return out + ({"lam": lam, "perm": perm},) if return_info else out


def cutmix(
    x,
    y,
    num_classes: int | None = None,
    alpha: float = 1.0,
    generator=None,
    return_info: bool = False,
):
    """CutMix (Yun et al., 2019): paste a random box of another sample of the batch.

    lam ~ Beta(alpha, alpha) sets the box's area to about (1 - lam) H W (side ratios
    sqrt(1 - lam), centre uniform, clipped to the image); every image i gets the box from image
    perm[i]. The targets use the actual pasted area: lam' = 1 - box area / (H W),
    t = lam' onehot(y) + (1 - lam') onehot(y)[perm]. x: (N, C, H, W) float; y as in ``mixup``.
    Returns ``(x', t)``; with ``return_info`` also ``{"lam": lam', "perm": perm,
    "box": (y0, y1, x0, x1)}``.
    """
    a, xp, wrap = _raw(x)
    _images(a, "cutmix")
    if a.dtype.kind != "f":
        raise TypeError(f"cutmix: expected float inputs, got dtype {a.dtype}")
    n, _, H, W = a.shape
    t = _soft_targets(y, n, num_classes, a.dtype, xp, "cutmix")
    g = _random.gen(generator)
    lam = _beta(g, alpha, "cutmix")
    perm = g.permutation(n)
    r = np.sqrt(1.0 - lam)
    ch, cw = int(H * r), int(W * r)
    cy, cx = int(g.integers(0, H)), int(g.integers(0, W))
    y0, y1 = int(np.clip(cy - ch // 2, 0, H)), int(np.clip(cy + ch - ch // 2, 0, H))
    x0, x1 = int(np.clip(cx - cw // 2, 0, W)), int(np.clip(cx + cw - cw // 2, 0, W))
    pd = _dev(xp, perm)
    xm = a.copy()
    xm[:, :, y0:y1, x0:x1] = a[pd][:, :, y0:y1, x0:x1]
    lam_adj = 1.0 - (y1 - y0) * (x1 - x0) / (H * W)
    lam_a = a.dtype.type(lam_adj)
    tm = lam_a * t + (1 - lam_a) * t[pd]
    out = (wrap(xm), wrap(tm))
    info = {"lam": lam_adj, "perm": perm, "box": (y0, y1, x0, x1)}
    return out + (info,) if return_info else out
