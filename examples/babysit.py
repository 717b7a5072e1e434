"""Babysitting a network before the real training: the lecture notes' three sanity checks.

1. Initial loss. With small output weights the softmax is nearly uniform, so the cross-entropy
   of C classes starts at -ln(1/C) = ln(C) (2.303 for the 10 digits). Anything else means a bug
   in the loss or the initialisation. Adding L2 regularisation must raise it.
2. Overfit a tiny subset. Without regularisation, the network must drive the loss on 20 samples
   to ~0 and their accuracy to 100%; if it cannot, the model or the training loop is broken.
3. Learning-rate sweep. Short runs over a log range of learning rates: too small and the loss
   barely moves, too large and it explodes (NaN or growing); the usable range lies between.

Data: scikit-learn's 8x8 digits, standardised with statistics of the training part only.

    python -m examples.babysit [--quick] [--out runs/babysit]
"""

from __future__ import annotations

import math

import numpy as np

import autograd as ag
import nn
import nn.functional as F
import optim
from nn.data import DataLoader, Standardize, TensorDataset, load_digits, train_test_split

from ._common import parser, pyplot, save_figure, write_json


def make_model(hidden: int = 100, classes: int = 10) -> nn.Sequential:
    """64 -> hidden (ReLU) -> classes, the output layer initialised small (std 0.01)."""
    model = nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, classes))
    nn.init.small_random_(model[2].weight)
    nn.init.zeros_(model[2].bias)
    return model


def l2_penalty(model: nn.Module) -> ag.Tensor:
    """0.5 * sum of squared weights (biases excluded)."""
    return 0.5 * sum((p * p).sum() for name, p in model.named_parameters() if "weight" in name)


def accuracy(model: nn.Module, x: ag.Tensor, y: ag.Tensor) -> float:
    """Share of rows of ``x`` whose arg-max logit equals ``y`` (eval mode, no graph)."""
    with ag.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()


def check_initial_loss(x, y, classes: int = 10, reg: float = 0.1) -> dict:
    """Loss of a fresh model on (x, y), its distance from ln(classes), and the loss with L2 ``reg``.

    Returns ``initial_loss``, ``expected`` (ln C), ``loss_with_l2``.
    """
    model = make_model(classes=classes)
    with ag.no_grad():
        data = F.cross_entropy(model(x), y).item()
        with_reg = data + reg * l2_penalty(model).item()
    return {
        "initial_loss": data,
        "expected": math.log(classes),
        "loss_with_l2": with_reg,
        "l2_strength": reg,
    }


def overfit_small(x, y, n: int = 20, max_steps: int = 300, lr: float = 1e-2) -> dict:
    """Train on the first ``n`` samples (no regularisation) until 100% accuracy and loss < 0.01.

    Returns ``samples``, ``steps`` taken, ``steps_to_100``, ``final_loss``, ``train_accuracy``.
    """
    xs, ys = x[:n], y[:n]
    model = make_model()
    opt = optim.Adam(model.parameters(), lr=lr)
    first_perfect = None
    for step in range(1, max_steps + 1):
        loss = F.cross_entropy(model(xs), ys)
        opt.zero_grad()
        loss.backward()
        opt.step()
        acc = accuracy(model, xs, ys)
        if acc == 1.0 and first_perfect is None:
            first_perfect = step
        if acc == 1.0 and loss.item() < 0.01:
            break
    with ag.no_grad():
        final = F.cross_entropy(model(xs), ys).item()
    return {
        "samples": n,
        "steps": step,
        "steps_to_100": first_perfect,
        "final_loss": final,
        "train_accuracy": accuracy(model, xs, ys),
    }


def lr_sweep(x, y, xv, yv, lrs, epochs: int, batch_size: int = 64, seed: int = 0) -> list[dict]:
    """Short SGD (momentum 0.9) runs, one per learning rate, from the same initial weights.

    Returns one dict per lr: ``lr``, ``losses`` (per step), ``final_loss`` (mean of the last
    epoch), ``val_accuracy``, ``verdict`` ('too small', 'good', 'exploded').
    """
    ag.manual_seed(seed)
    start = make_model().state_dict()
    runs = []
    for lr in lrs:
        model = make_model()
        model.load_state_dict(start)
        opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        loader = DataLoader(
            TensorDataset(x, y),
            batch_size=batch_size,
            shuffle=True,
            generator=np.random.default_rng(seed),
        )
        losses = []
        with np.errstate(all="ignore"):  # the large rates overflow on purpose
            for _ in range(epochs):
                for xb, yb in loader:
                    loss = F.cross_entropy(model(xb), yb)
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    losses.append(loss.item())
            val = accuracy(model, xv, yv)
        last = float(np.mean(losses[-len(loader) :]))
        if not math.isfinite(last) or last > 1.5 * losses[0]:
            verdict = "exploded"
        elif last > 0.9 * losses[0]:
            verdict = "too small"
        else:
            verdict = "good"
        runs.append(
            {
                "lr": lr,
                "losses": losses,
                "final_loss": last,
                "val_accuracy": val,
                "verdict": verdict,
            }
        )
    return runs


def main(argv=None) -> dict:
    """Run the three checks on digits; returns their results and writes the sweep's plot.

    Returns ``{"initial": ..., "overfit": ..., "sweep": [...], "best_lr": float,
    "plot": path, "paths": [...]}`` (see the check functions for the fields).
    """
    args = parser(__doc__, "babysit").parse_args(argv)
    rng = np.random.default_rng(args.seed)
    ag.manual_seed(args.seed)
    X, y = load_digits(flatten=True)
    Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.2, stratify=y, generator=rng)
    pre = Standardize().fit(Xtr)  # statistics of the training part only
    Xtr, Xva = pre.transform(Xtr), pre.transform(Xva)
    if args.quick:
        Xtr, ytr = Xtr[:300], ytr[:300]
    x, t, xv, tv = (ag.tensor(a) for a in (Xtr, ytr, Xva, yva))

    init = check_initial_loss(x, t)
    print(
        f"1. initial loss {init['initial_loss']:.4f}  (ln 10 = {init['expected']:.4f}); "
        f"with L2 strength {init['l2_strength']}: {init['loss_with_l2']:.4f} (goes up)"
    )

    over = overfit_small(x, t)
    print(
        f"2. overfit {over['samples']} samples: train accuracy {over['train_accuracy']:.0%} "
        f"(first 100% at step {over['steps_to_100']}), loss {over['final_loss']:.4f} "
        f"after {over['steps']} steps"
    )

    lrs = (
        [1e-5, 1e-2, 1e-1, 10.0] if args.quick else [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0]
    )
    sweep = lr_sweep(x, t, xv, tv, lrs, epochs=3, seed=args.seed)
    print("3. learning-rate sweep (SGD, momentum 0.9):")
    for r in sweep:
        print(
            f"   lr {r['lr']:8.0e}: loss {r['losses'][0]:.3f} -> {r['final_loss']:9.4g}, "
            f"val accuracy {r['val_accuracy']:.1%}  [{r['verdict']}]"
        )
    good = [r for r in sweep if r["verdict"] == "good"] or sweep
    best = max(good, key=lambda r: r["val_accuracy"])
    print(f"   best: lr {best['lr']:.0e} (val accuracy {best['val_accuracy']:.1%})")

    plt = pyplot()
    fig, (a0, a1) = plt.subplots(1, 2, figsize=(12, 4.5))
    for r in sweep:
        a0.plot(
            np.clip(np.nan_to_num(r["losses"], nan=10.0), 0, 10),
            label=f"lr {r['lr']:.0e} ({r['verdict']})",
        )
    a0.axhline(init["expected"], color="k", ls=":", lw=1, label="ln 10")
    a0.set(
        xlabel="step",
        ylabel="training loss (clipped at 10, NaN drawn at 10)",
        title="learning-rate sweep",
    )
    a0.legend(fontsize=8)
    a1.semilogx([r["lr"] for r in sweep], [r["val_accuracy"] for r in sweep], "o-")
    a1.set(
        xlabel="learning rate",
        ylabel="validation accuracy",
        ylim=(0, 1),
        title="accuracy after the short run",
    )
    for a in (a0, a1):
        a.grid(alpha=0.3)
    path = save_figure(fig, args.out / "lr_sweep.png")
    out = {
        "initial": init,
        "overfit": over,
        "best_lr": best["lr"],
        "sweep": [{k: v for k, v in r.items() if k != "losses"} for r in sweep],
    }
    report = write_json(args.out / "results.json", out)
    print(f"\nwrote {path}\nwrote {report}")
    return {**out, "sweep": sweep, "plot": path, "paths": [str(path), str(report)]}


if __name__ == "__main__":
    main()
