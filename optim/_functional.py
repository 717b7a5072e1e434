"""Helpers shared by the functional cores: the effective gradient and linear interpolation.

Every function works on raw arrays (numpy or cupy) and writes with ``out=``; ``ws`` is the
optimizer's workspace (``ws.like(a, slot)`` gives a scratch array shaped like ``a``). Slot 0 is
reserved for the effective gradient; the cores use slots 1 and 2 for their temporaries.
"""

from __future__ import annotations

from backends import array_module

__all__ = ["grad_in", "lerp_", "add_scaled_"]

# elements per scratch block in add_scaled_: 1 MiB of float32, small enough to stay in cache
_BLOCK = 1 << 18


def grad_in(p, g, weight_decay: float, maximize: bool, ws):
    """The gradient the update sees: ``(-g if maximize else g) + weight_decay * p``.

    p, g: arrays of one shape. Returns ``g`` itself when there is nothing to add (it is never
    written to: ``g`` is the user's ``.grad``), else a scratch array (slot 0).
    """
    if weight_decay != 0:
        xp = array_module(p)
        t = ws.like(g, 0)
        xp.multiply(p, weight_decay, out=t)
        if maximize:
            xp.subtract(t, g, out=t)
        else:
            xp.add(t, g, out=t)
        return t
    if maximize:
        t = ws.like(g, 0)
        array_module(g).negative(g, out=t)
        return t
    return g


def lerp_(a, b, weight: float, tmp, xp):
    """``a += weight * (b - a)`` in place (``a`` moves a fraction ``weight`` towards ``b``).

    tmp: a scratch array shaped like ``a``. The exponential moving average of the Adam family:
    ``m = beta * m + (1 - beta) * g`` is ``lerp_(m, g, 1 - beta)``.
    """
    xp.subtract(b, a, out=tmp)
    tmp *= weight
    a += tmp


def add_scaled_(p, d, alpha: float, ws, slot: int = 2):
    """``p += alpha * d`` in place through a scratch block of at most ``_BLOCK`` elements.

    p, d: arrays of one shape. The product goes through the workspace (``slot``) in blocks, so
    no parameter-sized temporary is kept: the step's peak memory stays near the gradients'.
    """
    xp = array_module(p)
    n = p.size
    if n <= _BLOCK or not (p.flags.c_contiguous and d.flags.c_contiguous):
        t = ws.like(d, slot)
        xp.multiply(d, alpha, out=t)
        p += t
        return
    pf, df = p.reshape(-1), d.reshape(-1)
    for i in range(0, n, _BLOCK):
        dd = df[i : i + _BLOCK]
        t = ws.like(dd, slot)
        xp.multiply(dd, alpha, out=t)
        pf[i : i + _BLOCK] += t
