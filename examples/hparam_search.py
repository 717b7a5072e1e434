"""Random search vs grid search over learning rate and weight decay, scored by k-fold CV.

Both searches get the same budget of trials. The grid tries every pair of a few values per
hyperparameter; random search draws each trial's pair log-uniformly from the same ranges
(Bergstra & Bengio, 2012): with the same number of trials it tries as many distinct learning
rates as trials instead of a handful, which pays off when one hyperparameter matters much more
than the other (here the learning rate).

Each trial trains an MLP (64-64-10, SGD with momentum 0.9) on digits and is scored by the mean
validation accuracy of stratified k-fold cross-validation on the training set; the test set is
touched once, by the best setting retrained on the whole training set.

    python -m examples.hparam_search [--quick] [--out runs/hparam_search] [--trials 16] [--folds 3]
"""

from __future__ import annotations

import itertools
import math

import numpy as np

import autograd as ag
import nn
import nn.functional as F
import optim
from nn.data import (
    DataLoader,
    Standardize,
    StratifiedKFold,
    TensorDataset,
    load_digits,
    train_test_split,
)

from ._common import parser, pyplot, save_figure, write_json

LR_RANGE = (1e-4, 1.0)
WD_RANGE = (1e-6, 1e-1)


def train_and_score(xtr, ytr, xva, yva, lr: float, wd: float, epochs: int, seed: int) -> float:
    """Train a fresh 64-64-10 MLP on (xtr, ytr); return its accuracy on (xva, yva)."""
    ag.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=wd)
    loader = DataLoader(
        TensorDataset(xtr, ytr), batch_size=64, shuffle=True, generator=np.random.default_rng(seed)
    )
    with np.errstate(all="ignore"):  # a too-large lr may overflow: it just scores badly
        for _ in range(epochs):
            for xb, yb in loader:
                loss = F.cross_entropy(model(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
        with ag.no_grad():
            pred = model(ag.tensor(xva)).argmax(dim=1).numpy()
    return float((pred == yva).mean())


def cross_validate(x, y, lr: float, wd: float, folds: int, epochs: int, seed: int) -> list[float]:
    """Validation accuracy of each of ``folds`` stratified folds (same folds for every trial)."""
    kf = StratifiedKFold(folds, shuffle=True, generator=np.random.default_rng(seed))
    return [
        train_and_score(x[tr], y[tr], x[va], y[va], lr, wd, epochs, seed)
        for tr, va in kf.split(x, y)
    ]


def grid(trials: int) -> list[tuple[float, float]]:
    """A sqrt(trials) x sqrt(trials) log-spaced grid over LR_RANGE x WD_RANGE."""
    k = max(1, math.isqrt(trials))
    lrs = np.geomspace(*LR_RANGE, k)
    wds = np.geomspace(*WD_RANGE, k)
    return [(float(a), float(b)) for a, b in itertools.product(lrs, wds)]


def random_trials(trials: int, rng: np.random.Generator) -> list[tuple[float, float]]:
    """``trials`` pairs drawn log-uniformly from LR_RANGE x WD_RANGE."""
    lo, hi = np.log10([LR_RANGE, WD_RANGE]).T
    draws = 10 ** rng.uniform(lo, hi, (trials, 2))
    return [(float(a), float(b)) for a, b in draws]


def search(name, settings, x, y, folds, epochs, seed) -> list[dict]:
    """Cross-validate every (lr, weight_decay) in ``settings``; print one line per trial."""
    results = []
    for lr, wd in settings:
        scores = cross_validate(x, y, lr, wd, folds, epochs, seed)
        results.append(
            {
                "lr": lr,
                "weight_decay": wd,
                "cv_mean": float(np.mean(scores)),
                "cv_std": float(np.std(scores)),
                "fold_scores": scores,
            }
        )
        print(
            f"  {name:6s} lr {lr:9.2e}  wd {wd:9.2e}  CV accuracy "
            f"{np.mean(scores):6.1%} +- {np.std(scores):.1%}"
        )
    return results


def main(argv=None) -> dict:
    """Run both searches with the same budget, retrain each winner, report and plot.

    Returns ``{"grid": {"best": ..., "test_accuracy": ..., "trials": [...]}, "random": {...},
    "distinct_lrs": {"grid": n, "random": n}, "plot": path, "paths": [...]}``.
    """
    ap = parser(__doc__, "hparam_search")
    ap.add_argument("--trials", type=int, default=None, help="trials per search (16; quick 4)")
    ap.add_argument("--folds", type=int, default=None, help="k of k-fold CV (3; quick 2)")
    args = ap.parse_args(argv)
    trials = args.trials or (4 if args.quick else 16)
    folds = args.folds or (2 if args.quick else 3)
    epochs = 2 if args.quick else 6
    rng = np.random.default_rng(args.seed)
    X, y = load_digits(flatten=True)
    xtr, xte, ytr, yte = train_test_split(X, y, test_size=0.2, stratify=y, generator=rng)
    pre = Standardize().fit(xtr)
    xtr, xte = pre.transform(xtr), pre.transform(xte)
    if args.quick:
        xtr, ytr = xtr[:300], ytr[:300]

    print(
        f"{trials} trials per search, {folds}-fold CV on {len(ytr)} training digits, "
        f"{epochs} epochs per fit"
    )
    out = {}
    for name, settings in (("grid", grid(trials)), ("random", random_trials(trials, rng))):
        res = search(name, settings, xtr, ytr, folds, epochs, args.seed)
        best = max(res, key=lambda r: r["cv_mean"])
        test = train_and_score(
            xtr, ytr, xte, yte, best["lr"], best["weight_decay"], epochs, args.seed
        )
        out[name] = {
            "best": {k: best[k] for k in ("lr", "weight_decay", "cv_mean", "cv_std")},
            "test_accuracy": test,
            "trials": res,
        }
    distinct = {k: len({round(r["lr"], 12) for r in out[k]["trials"]}) for k in out}
    print()
    for name in ("grid", "random"):
        b = out[name]["best"]
        print(
            f"best by {name:6s} search: lr {b['lr']:.2e}, weight decay {b['weight_decay']:.2e}:"
            f" CV {b['cv_mean']:.1%} +- {b['cv_std']:.1%}, test accuracy "
            f"{out[name]['test_accuracy']:.1%} ({distinct[name]} distinct learning rates "
            f"tried)"
        )
    winner = max(("grid", "random"), key=lambda k: out[k]["best"]["cv_mean"])
    wb = out[winner]["best"]
    print(
        f"best setting overall ({winner} search): lr {wb['lr']:.3g}, "
        f"weight decay {wb['weight_decay']:.3g}"
    )

    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
    for ax, name in zip(axes, ("grid", "random")):
        tr = out[name]["trials"]
        sc = ax.scatter(
            [r["lr"] for r in tr],
            [r["weight_decay"] for r in tr],
            c=[r["cv_mean"] for r in tr],
            cmap="viridis",
            vmin=0,
            vmax=1,
            s=70,
            edgecolors="k",
        )
        b = out[name]["best"]
        ax.scatter([b["lr"]], [b["weight_decay"]], marker="*", s=350, c="red", edgecolors="k")
        ax.set(
            xscale="log",
            yscale="log",
            xlabel="learning rate",
            title=f"{name} search: {distinct[name]} distinct learning rates\n"
            f"best (red star) CV {b['cv_mean']:.1%}",
        )
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("weight decay")
    fig.colorbar(sc, ax=axes, label=f"{folds}-fold CV accuracy")
    path = save_figure(fig, args.out / "hparam_search.png")
    results = {**out, "distinct_lrs": distinct, "best_overall": {"search": winner, **wb}}
    report = write_json(args.out / "results.json", results)
    print(f"\nwrote {path}\nwrote {report}")
    return {**results, "plot": path, "paths": [str(path), str(report)]}


if __name__ == "__main__":
    main()
