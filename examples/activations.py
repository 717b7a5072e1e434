"""Activation functions and their derivatives, the derivatives computed by autograd, plotted.

The comparison of the lecture notes: sigmoid and tanh saturate at both ends (their derivative
goes to 0, so gradients vanish through deep stacks; sigmoid's is at most 1/4), ReLU has
derivative 1 for x > 0 and exactly 0 for x < 0 ("dead" units), Leaky ReLU keeps a small slope
there, and ELU saturates smoothly to -alpha for very negative inputs only.

Each derivative is ``x.grad`` after ``f(x).sum().backward()`` on a grid of points: for an
elementwise f, the gradient of the sum is f'(x) at every point. Nothing is differentiated by hand.

    python -m examples.activations [--quick] [--out runs/activations]
"""

from __future__ import annotations

import numpy as np

import autograd as ag
import nn.functional as F

from ._common import parser, pyplot, save_figure, write_json

ACTIVATIONS = {
    "sigmoid": F.sigmoid,
    "tanh": F.tanh,
    "relu": F.relu,
    "leaky_relu (0.1)": lambda x: F.leaky_relu(x, 0.1),  # slope 0.1, not 0.01, to be visible
    "elu (alpha=1)": F.elu,
}


def value_and_derivative(fn, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f(x) and f'(x) on the points ``x`` (1-D float64) for an elementwise ``fn``, by autograd."""
    t = ag.tensor(x, dtype=ag.float64, requires_grad=True)
    y = fn(t)
    y.sum().backward()  # d/dx_i sum_j f(x_j) = f'(x_i)
    return y.detach().numpy(), t.grad.numpy()


def summarize(x: np.ndarray, y: np.ndarray, dy: np.ndarray, depth: int = 10) -> dict:
    """Numbers that describe saturation on the grid ``x``.

    Returns: ``max_derivative``; ``derivative_at_0``; ``saturated_fraction`` (share of the grid
    where |f'| < 0.01); ``derivative_at_-5`` and ``_+5``; ``range`` (min, max of f);
    ``gain_through_depth``: max|f'| ** depth, the best case for a gradient passing ``depth``
    such units (weights of 1).
    """
    i0 = int(np.argmin(np.abs(x)))
    return {
        "max_derivative": float(np.abs(dy).max()),
        "derivative_at_0": float(dy[i0]),
        "derivative_at_-5": float(dy[0]),
        "derivative_at_+5": float(dy[-1]),
        "saturated_fraction": float(np.mean(np.abs(dy) < 0.01)),
        "range": [float(y.min()), float(y.max())],
        f"gain_through_{depth}_layers": float(np.abs(dy).max() ** depth),
    }


def main(argv=None) -> dict:
    """Compute, report and plot f and f' for each activation on [-5, 5].

    Returns ``{"stats": {name: summarize(...)}, "plot": path, "paths": [...]}``.
    """
    args = parser(__doc__, "activations").parse_args(argv)
    # an odd number of points puts one exactly at 0 (where relu'(0) = 0 by convention)
    x = np.linspace(-5.0, 5.0, 101 if args.quick else 1001)
    curves, stats = {}, {}
    for name, fn in ACTIVATIONS.items():
        y, dy = value_and_derivative(fn, x)
        curves[name] = (y, dy)
        stats[name] = summarize(x, y, dy)

    print(
        f"{'activation':18s} {'max f`':>7s} {'f`(0)':>7s} {'f`(-5)':>8s} {'f`(+5)':>8s} "
        f"{'|f`|<0.01':>10s} {'max|f`|^10':>11s}"
    )
    for name, s in stats.items():
        print(
            f"{name:18s} {s['max_derivative']:7.3f} {s['derivative_at_0']:7.3f} "
            f"{s['derivative_at_-5']:8.4f} {s['derivative_at_+5']:8.4f} "
            f"{s['saturated_fraction']:10.0%} {s['gain_through_10_layers']:11.2e}"
        )

    plt = pyplot()
    fig, (a0, a1) = plt.subplots(1, 2, figsize=(11, 4.2))
    styles = ["-", "-", "--", ":", "-."]  # the ReLU family overlaps for x > 0
    for (name, (y, dy)), ls in zip(curves.items(), styles):
        a0.plot(x, y, ls, label=name, lw=2)
        a1.plot(x, dy, ls, label=name, lw=2)
    a0.set(title="activation f(x)", xlabel="x", ylim=(-1.5, 3))
    a1.set(title="derivative f'(x), computed by autograd", xlabel="x", ylim=(-0.1, 1.15))
    a1.axhspan(-0.01, 0.01, color="grey", alpha=0.3, label="|f'| < 0.01 (saturated)")
    for a in (a0, a1):
        a.axhline(0, color="k", lw=0.5)
        a.axvline(0, color="k", lw=0.5)
        a.grid(alpha=0.3)
    a1.legend(fontsize=8, loc="upper left")
    path = save_figure(fig, args.out / "activations.png")
    report = write_json(args.out / "results.json", {"stats": stats})
    print(f"\nwrote {path}\nwrote {report}")
    return {"stats": stats, "plot": path, "paths": [str(path), str(report)]}


if __name__ == "__main__":
    main()
