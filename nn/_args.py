"""Checks of a layer constructor's size arguments, with errors that name the layer."""

from __future__ import annotations

import operator


def size_arg(layer: str, name: str, value, minimum: int = 0) -> int:
    """``value`` as an int >= ``minimum``; TypeError for a non-integer (2.5, '3', True),
    ValueError below the minimum, both naming ``layer`` and ``name``."""
    if isinstance(value, bool):
        raise TypeError(f"{layer}: {name} must be an int, got bool {value!r}")
    try:
        v = operator.index(value)
    except TypeError:
        raise TypeError(
            f"{layer}: {name} must be an int, got {type(value).__name__} {value!r}"
        ) from None
    if v < minimum:
        raise ValueError(f"{layer}: {name} must be >= {minimum}, got {v}")
    return v


def input_shape(layer, x) -> tuple:
    """The shape of a layer's input ``x`` (a Tensor or an array); TypeError naming ``layer``
    (a string or the module, printed) for anything else (a list, None)."""
    shape = getattr(x, "shape", None)
    if shape is None:
        raise TypeError(f"{layer}: expected a Tensor input, got {type(x).__name__}")
    return tuple(shape)
