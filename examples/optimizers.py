"""Fit one regression problem with every optimiser and plot all their loss curves on one chart.

A small tanh MLP learns y = sin(3x) + 0.3x (+ noise) from 256 points, full batch, each optimiser
starting from the same initial weights, each with a learning rate in its usual range (Adadelta
at its default 1.0, Lion about 10x below Adam, plain SGD higher). The final mean squared error
of each is printed, best first; the curves go to one PNG with a log-scale loss axis.

    python -m examples.optimizers [--quick] [--out runs/optimizers] [--steps 500]
"""

from __future__ import annotations

import numpy as np

import autograd as ag
import nn
import nn.functional as F
import optim

from ._common import parser, pyplot, save_figure, write_json

# name -> (optimiser class, keyword arguments)
OPTIMIZERS = {
    "SGD": (optim.SGD, dict(lr=0.1)),
    # Nesterov's stable range is narrower (lr * curvature < 2(1 + m) / (1 + 2m) against 2(1 + m)
    # for heavy ball): at lr=0.05 it diverges here while plain momentum does not
    "SGD momentum": (optim.SGD, dict(lr=0.03, momentum=0.9)),
    "SGD Nesterov": (optim.SGD, dict(lr=0.03, momentum=0.9, nesterov=True)),
    "Adagrad": (optim.Adagrad, dict(lr=0.05)),
    "Adadelta": (optim.Adadelta, dict(lr=1.0)),
    "RMSprop": (optim.RMSprop, dict(lr=3e-3)),
    "Adam": (optim.Adam, dict(lr=1e-2)),
    "AdamW": (optim.AdamW, dict(lr=1e-2, weight_decay=1e-2)),
    "NAdam": (optim.NAdam, dict(lr=1e-2)),
    "RAdam": (optim.RAdam, dict(lr=1e-2)),
    "Adamax": (optim.Adamax, dict(lr=2e-2)),
    "AdamP": (optim.AdamP, dict(lr=1e-2)),
    "Lion": (optim.Lion, dict(lr=1e-3)),
}


def make_data(n: int, rng: np.random.Generator) -> tuple[ag.Tensor, ag.Tensor]:
    """``n`` points x ~ U(-2, 2), y = sin(3x) + 0.3x + N(0, 0.1^2). Shapes (n, 1), (n, 1)."""
    x = rng.uniform(-2, 2, (n, 1))
    y = np.sin(3 * x) + 0.3 * x + rng.normal(0, 0.1, (n, 1))
    return ag.tensor(x.astype(np.float32)), ag.tensor(y.astype(np.float32))


def make_model(hidden: int) -> nn.Sequential:
    """1 -> hidden -> hidden -> 1 MLP with tanh units."""
    return nn.Sequential(
        nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, 1)
    )


def train(model, opt, x, y, steps: int) -> list[float]:
    """``steps`` full-batch steps of MSE; returns the loss before each step."""
    losses = []
    for _ in range(steps):
        loss = F.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def main(argv=None) -> dict:
    """Train one model per optimiser from the same start; plot and rank the loss curves.

    Returns ``{"final_loss": {name: mse}, "ranking": [names best first], "plot": path, ...}``.
    """
    ap = parser(__doc__, "optimizers")
    ap.add_argument("--steps", type=int, default=None, help="steps (default 500; quick 40)")
    args = ap.parse_args(argv)
    steps = args.steps or (40 if args.quick else 500)
    rng = np.random.default_rng(args.seed)
    x, y = make_data(64 if args.quick else 256, rng)
    ag.manual_seed(args.seed)
    start = make_model(16 if args.quick else 64).state_dict()

    curves = {}
    for name, (cls, kw) in OPTIMIZERS.items():
        model = make_model(16 if args.quick else 64)
        model.load_state_dict(start)  # every optimiser starts from the same weights
        curves[name] = train(model, cls(model.parameters(), **kw), x, y, steps)
    final = {name: c[-1] for name, c in curves.items()}
    ranking = sorted(final, key=lambda k: np.nan_to_num(final[k], nan=np.inf))
    print(f"MSE after {steps} full-batch steps (start {curves['SGD'][0]:.4f}; noise floor 0.01):")
    for name in ranking:
        cls, kw = OPTIMIZERS[name]
        opts = ", ".join(f"{k}={v}" for k, v in kw.items())
        print(f"  {name:14s} {final[name]:.5f}   ({opts})")

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 5.5))
    cmap = plt.get_cmap("tab20")
    for i, name in enumerate(ranking):
        ax.semilogy(
            np.arange(steps),
            curves[name],
            color=cmap(i),
            lw=1.6,
            ls="-" if i < 7 else "--",
            label=f"{name} ({final[name]:.4f})",
        )
    ax.axhline(0.01, color="k", lw=0.8, ls=":", label="noise variance (0.01)")
    ax.set(
        xlabel="step",
        ylabel="training MSE (log)",
        title="One regression problem, every optimiser, same initial weights",
    )
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, ncol=2)
    path = save_figure(fig, args.out / "optimizers.png")
    report = write_json(
        args.out / "results.json", {"steps": steps, "final_loss": final, "ranking": ranking}
    )
    print(f"\nwrote {path}\nwrote {report}")
    return {
        "final_loss": final,
        "ranking": ranking,
        "curves": curves,
        "plot": path,
        "paths": [str(path), str(report)],
    }


if __name__ == "__main__":
    main()
