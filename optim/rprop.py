"""Rprop: resilient backpropagation (Riedmiller & Braun 1993), PyTorch's variant (Rprop-)."""

from __future__ import annotations

import numbers

from backends import array_module

from ._functional import grad_in
from .optimizer import Optimizer, _where, check_bool, check_nonneg

__all__ = ["Rprop", "rprop"]


def rprop(params, grads, states, ws, *, etaminus, etaplus, step_size_min, step_size_max,
          maximize):  # fmt: skip
    """The Rprop update of arrays ``params`` in place (PyTorch's rule).

    g = grad (negated if maximize);  s = sign(g * prev)
    step_size = clamp(step_size * (etaplus if s > 0, etaminus if s < 0, 1 if s == 0),
                      step_size_min, step_size_max)
    g = 0 where s < 0 (a sign change: skip this step, and the next one sees no change)
    p = p - sign(g) * step_size;  prev = g
    states[i]: ``step`` (int), ``prev`` and ``step_size`` (shape of the parameter; step_size
    starts at lr). Only the sign of the gradient is used.
    """
    for p, g0, st in zip(params, grads, states):
        xp = array_module(p)
        st["step"] += 1
        g = grad_in(p, g0, 0.0, maximize, ws)
        prev, step_size = st["prev"], st["step_size"]
        s = ws.like(p, 1)
        xp.multiply(g, prev, out=s)
        xp.sign(s, out=s)
        neg = s < 0
        factor = ws.like(p, 2)
        factor.fill(1.0)
        xp.copyto(factor, etaplus, where=s > 0)
        xp.copyto(factor, etaminus, where=neg)
        xp.copyto(factor, s, where=xp.isnan(s))  # NaN propagates to the step size, as in PyTorch
        step_size *= factor
        xp.clip(step_size, step_size_min, step_size_max, out=step_size)
        xp.copyto(prev, g)
        xp.copyto(prev, 0, where=neg)
        xp.sign(prev, out=s)
        s *= step_size
        p -= s


class Rprop(Optimizer):
    """Rprop: per-element step sizes grown by ``etas[1]`` while the gradient keeps its sign and
    shrunk by ``etas[0]`` when it flips (that step is then skipped). Full-batch training only.

    lr (1e-2): the initial step size. etas (0.5, 1.2): (etaminus, etaplus), 0 < etaminus < 1 <
    etaplus. step_sizes (1e-6, 50): the (min, max) step size. maximize, check_finite: see
    ``Optimizer``. State per parameter: ``step``, ``prev``, ``step_size`` (shape of the
    parameter). Changing ``lr`` after a parameter's first step has no effect on it (as in
    PyTorch: lr only seeds ``step_size``).
    """

    _state_keys = {"step": "int", "prev": "array", "step_size": "array"}

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        maximize: bool = False,
        check_finite: bool = False,
        **torch_flags,
    ):
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, maximize=maximize)
        super().__init__(params, defaults, check_finite=check_finite, **torch_flags)

    def _check_group(self, group, gi):
        check_nonneg(group, "lr", "learning rate", gi)
        check_bool(group, "maximize", gi)
        etas = group["etas"]
        ok = isinstance(etas, (tuple, list)) and len(etas) == 2
        ok = ok and all(isinstance(e, numbers.Real) and not isinstance(e, bool) for e in etas)
        if not ok or not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(
                f"Invalid eta values: {etas!r}: expected (etaminus, etaplus) with "
                f"0 < etaminus < 1 < etaplus{_where(gi)}"
            )
        sizes = group["step_sizes"]
        ok = isinstance(sizes, (tuple, list)) and len(sizes) == 2
        ok = ok and all(isinstance(e, numbers.Real) and not isinstance(e, bool) for e in sizes)
        if not ok or not 0.0 <= sizes[0] <= sizes[1]:
            raise ValueError(
                f"Invalid step_sizes: {sizes!r}: expected (min, max) with 0 <= min <= max"
                f"{_where(gi)}"
            )

    def _init_state(self, p, group):
        xp = array_module(p)
        return {
            "step": 0,
            "prev": xp.zeros_like(p),
            "step_size": xp.full_like(p, float(group["lr"])),
        }

    def _update_group(self, group, params, grads, states, ws):
        etaminus, etaplus = group["etas"]
        lo, hi = group["step_sizes"]
        rprop(
            params,
            grads,
            states,
            ws,
            etaminus=float(etaminus),
            etaplus=float(etaplus),
            step_size_min=float(lo),
            step_size_max=float(hi),
            maximize=bool(group["maximize"]),
        )
