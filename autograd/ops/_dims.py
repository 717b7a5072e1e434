"""Normalising ``dim``/``axis`` and ``keepdim``/``keepdims`` arguments, with clear errors."""

from __future__ import annotations

import operator

__all__ = ["norm_dim", "norm_axes", "pick_dim", "pick_keep", "ndim_of"]


def norm_dim(dim, ndim: int, op: str) -> int:
    """``dim`` as a non-negative int; IndexError naming ``op``, the dim and ndim if out of range."""
    try:
        d = operator.index(dim)
    except TypeError:
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}") from None
    n = max(ndim, 1)
    if not -n <= d < n:
        raise IndexError(
            f"{op}: dim {d} is out of range for a tensor with {ndim} dimensions "
            f"(expected to be in range of [{-n}, {n - 1}])"
        )
    return d % n if ndim else 0


def norm_axes(dim, ndim: int, op: str):
    """``None`` (all dims) or a sorted tuple of distinct non-negative dims."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        axes = tuple(norm_dim(d, ndim, op) for d in dim)
        if len(set(axes)) != len(axes):
            raise IndexError(f"{op}: dim {tuple(dim)} names a dimension more than once")
        return tuple(sorted(axes))
    return (norm_dim(dim, ndim, op),)


def pick_dim(dim, axis, op: str):
    """Accept PyTorch's ``dim`` or NumPy's ``axis`` (not both)."""
    if axis is None:
        return dim
    if dim is not None:
        raise TypeError(f"{op}: got both dim={dim!r} and axis={axis!r}; pass one")
    return axis


def pick_keep(keepdim, keepdims) -> bool:
    """Accept PyTorch's ``keepdim`` or NumPy's ``keepdims``."""
    return bool(keepdim if keepdims is None else keepdims)


def ndim_of(x) -> int:
    """Number of dims of a Tensor, array or scalar."""
    return x.ndim if hasattr(x, "ndim") else len(getattr(x, "shape", ()))
