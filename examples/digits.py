"""Train a small CNN on scikit-learn's 8x8 handwritten digits: the end-to-end tapegrad demo.

Everything a training run needs, in one file: load the data (bundled with scikit-learn, nothing
to download), split it into train / validation / test (stratified), standardise with training
statistics only, train a CNN (Conv2d, BatchNorm2d, ReLU, MaxPool2d, Dropout, Linear) with Adam
and a cosine learning-rate schedule, watch a progress bar per epoch, checkpoint the best model
so far (model, optimiser, schedule, preprocessing, history: enough to resume), stop early when
the validation loss stops improving, restore the best weights, report the test accuracy and plot
the training and validation curves. ``--augment`` adds random one-pixel shifts of the training
images.

    python -m examples.digits                    # CPU, ~98-99% test accuracy in seconds
    python -m examples.digits --device cuda      # on a GPU (needs tapegrad[gpu])
    python -m examples.digits --epochs 50 --seed 1 --out runs/digits-seed1

Reload the checkpoint:

    ckpt = nn.load("runs/digits/checkpoint.npz")
    model = build_model(); model.load_state_dict(ckpt["model"]); model.eval()
    pre = Standardize(); pre.load_state_dict(ckpt["preprocess"])
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

import numpy as np

import autograd as ag
import nn
import nn.functional as F
import optim
from nn.data import (
    DataLoader,
    Standardize,
    TensorDataset,
    load_digits,
    random_crop,
    train_test_split,
)

from ._common import pyplot, save_figure

CLASSES = 10


def build_model(dropout: float = 0.1) -> nn.Sequential:
    """The CNN: (N, 1, 8, 8) images -> (N, 10) logits.

    conv 3x3 (16) - BN - ReLU - conv 3x3 (32) - BN - ReLU - maxpool 2 -> (32, 4, 4)
    - dropout - flatten - linear 512 -> 64 - ReLU - dropout - linear 64 -> 10.
    """
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Dropout(dropout),
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 64),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(64, CLASSES),
    )


def parse_args(argv=None) -> argparse.Namespace:
    """The command line: --epochs, --seed, --out, --device, --quick, --batch-size, --lr, ..."""
    ap = argparse.ArgumentParser(
        prog="python -m examples.digits",
        description=__doc__.strip().splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    ap.add_argument("--epochs", type=int, default=40, help="maximum epochs (early stopping)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the split, init and shuffling")
    ap.add_argument(
        "--out",
        type=pathlib.Path,
        default=pathlib.Path("runs/digits"),
        help="folder for the checkpoint and the plot",
    )
    ap.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    ap.add_argument("--quick", action="store_true", help="a tiny run (3 epochs), for smoke tests")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3, help="Adam's initial learning rate")
    ap.add_argument("--patience", type=int, default=6, help="early-stopping patience (epochs)")
    ap.add_argument(
        "--augment", action="store_true", help="shift training images by up to one pixel at random"
    )
    ap.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = ap.parse_args(argv)
    if args.quick:
        args.epochs = min(args.epochs, 3)
    try:
        check_device(args.device)
    except (RuntimeError, ValueError) as e:
        ap.error(str(e))
    return args


def check_device(device: str) -> None:
    """Raise (saying why) unless ``device`` is 'cpu' or a CUDA device this machine has."""
    from autograd.device import cuda_module, parse_device

    kind, _ = parse_device(device)  # ValueError for a bad name
    if kind == "cuda":
        cuda_module(device)  # RuntimeError: cupy missing or no GPU visible


def evaluate(model, x: ag.Tensor, y: ag.Tensor, batch_size: int = 512) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` (in eval mode, no graph) on (x, y)."""
    model.eval()
    total_loss, correct = 0.0, 0
    with ag.no_grad():
        for i in range(0, len(y), batch_size):
            logits = model(x[i : i + batch_size])
            yb = y[i : i + batch_size]
            total_loss += F.cross_entropy(logits, yb, reduction="sum").item()
            correct += (logits.argmax(dim=1) == yb).sum().item()
    return total_loss / len(y), correct / len(y)


def train_epoch(model, loader, opt, desc: str, progress: bool, shift=None) -> tuple:
    """One pass over ``loader``; a tqdm bar (when ``progress``) shows the running loss/accuracy.

    shift: None, or ``(fill, generator)`` to move each training image by up to one pixel at
    random (pad 1 with ``fill``, the background value, then crop back to 8x8).
    Returns (mean loss, accuracy, the bar) over the epoch's training batches.
    """
    from tqdm import tqdm

    model.train()
    # the caller adds the validation metrics to the bar, then closes it
    bar = tqdm(total=len(loader), desc=desc, unit="batch", disable=not progress, dynamic_ncols=True)
    seen, loss_sum, correct = 0, 0.0, 0
    for xb, yb in loader:
        if shift is not None:
            xb = random_crop(xb, 8, padding=1, fill=shift[0], generator=shift[1])
        logits = model(xb)
        loss = F.cross_entropy(logits, yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        n = len(yb)
        seen += n
        loss_sum += loss.item() * n
        correct += (logits.argmax(dim=1) == yb).sum().item()
        bar.set_postfix({"loss": f"{loss_sum / seen:.4f}", "acc": f"{correct / seen:.1%}"}, False)
        bar.update(1)
    return loss_sum / seen, correct / seen, bar


def plot_history(history: dict, best_epoch: int, path: pathlib.Path, train_label="training"):
    """Training and validation loss (left) and accuracy (right) per epoch, to a PNG.

    history: lists ``train_loss``, ``val_loss``, ``train_acc``, ``val_acc`` (one per epoch).
    best_epoch: 1-based, marked by a dotted line. Returns ``path``.
    """
    plt = pyplot()
    from matplotlib.ticker import MaxNLocator

    epochs = np.arange(1, len(history["train_loss"]) + 1)
    fig, (a0, a1) = plt.subplots(1, 2, figsize=(11, 4))
    a0.plot(epochs, history["train_loss"], "o-", ms=3, label="training")
    a0.plot(epochs, history["val_loss"], "o-", ms=3, label="validation")
    a0.set(xlabel="epoch", ylabel="cross-entropy", yscale="log", title="loss")
    a1.plot(epochs, history["train_acc"], "o-", ms=3, label=train_label)
    a1.plot(epochs, history["val_acc"], "o-", ms=3, label="validation")
    a1.set(
        xlabel="epoch",
        ylabel="accuracy",
        title="accuracy",
        ylim=(max(0.0, min(history["val_acc"] + history["train_acc"]) - 0.02), 1.0),
    )
    for a in (a0, a1):
        a.xaxis.set_major_locator(MaxNLocator(integer=True))
        a.axvline(best_epoch, color="grey", ls=":", label=f"best epoch ({best_epoch})")
        a.grid(alpha=0.3)
        a.legend(fontsize=8)
    fig.suptitle("tapegrad: CNN on 8x8 digits")
    return save_figure(fig, path)


def main(argv=None) -> dict:
    """Train, evaluate, checkpoint and plot. Returns the run's metrics and the paths it wrote.

    Returns a dict: ``test_accuracy``, ``test_loss``, ``best_val_loss``, ``best_val_accuracy``,
    ``best_epoch`` (1-based), ``epochs_run``, ``stopped_early``, ``train_seconds``,
    ``seconds`` (the whole call), ``history`` (per-epoch lists), ``checkpoint``, ``plot``,
    ``device``, ``samples`` (train/val/test sizes).
    """
    t_start = time.perf_counter()
    args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    ag.manual_seed(args.seed)

    # data: 1797 images (N, 1, 8, 8) in [0, 1]; 20% test, then 15% of the rest for validation
    X, y = load_digits()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, stratify=y, generator=rng)
    X_tr, X_va, y_tr, y_va = train_test_split(
        X_tr, y_tr, test_size=0.15, stratify=y_tr, generator=rng
    )
    pre = Standardize(per_channel=True).fit(X_tr)  # training statistics only
    X_tr, X_va, X_te = pre.transform(X_tr), pre.transform(X_va), pre.transform(X_te)
    dev = args.device
    loader = DataLoader(
        TensorDataset(X_tr, y_tr),
        batch_size=args.batch_size,
        shuffle=True,
        generator=rng,
        device=None if dev == "cpu" else dev,
    )
    x_va, t_va = ag.tensor(X_va).to(dev), ag.tensor(y_va).to(dev)
    x_te, t_te = ag.tensor(X_te).to(dev), ag.tensor(y_te).to(dev)
    shift = None
    if args.augment:  # pad with the standardised value of a blank pixel
        shift = (float(pre.transform(np.zeros((1, 1, 8, 8), np.float32))[0, 0, 0, 0]), rng)

    model = build_model().to(dev)
    n_params = sum(p.numel() for p in model.parameters())
    opt = optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    # the module: its buffers (BatchNorm's running statistics) come back with the best weights
    stopper = optim.EarlyStopping(patience=args.patience, min_delta=1e-4, params=model)
    print(
        f"digits: {len(y_tr)} train / {len(y_va)} validation / {len(y_te)} test images; "
        f"CNN with {n_params:,} parameters on {dev}"
    )

    args.out.mkdir(parents=True, exist_ok=True)
    ckpt_path = args.out / "checkpoint.npz"
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": [], "lr": []}
    # a bar per epoch on a terminal; a plain line per epoch in logs and under pytest
    progress = not args.no_progress and sys.stderr.isatty()
    t0 = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        history["lr"].append(opt.param_groups[0]["lr"])
        desc = f"epoch {epoch:2d}/{args.epochs}"
        tr_loss, tr_acc, bar = train_epoch(model, loader, opt, desc, progress, shift)
        va_loss, va_acc = evaluate(model, x_va, t_va)
        sched.step()
        for k, v in zip(history, (tr_loss, tr_acc, va_loss, va_acc)):
            history[k].append(v)
        stop = stopper.step(va_loss)
        improved = stopper.best_epoch == epoch - 1
        postfix = {"loss": f"{tr_loss:.4f}", "acc": f"{tr_acc:.1%}", "val_loss": f"{va_loss:.4f}",
                   "val_acc": f"{va_acc:.1%}"}  # fmt: skip
        bar.set_postfix(postfix)
        if improved:
            bar.set_description(desc + " *")
        bar.close()
        if not progress:
            print(
                f"{desc}: loss {tr_loss:.4f} acc {tr_acc:.1%}  val_loss {va_loss:.4f} "
                f"val_acc {va_acc:.1%}{'  *' if improved else ''}"
            )
        if improved:  # the best model so far, resumable: atomic, so a crash keeps the last one
            nn.save(
                {
                    "model": model.state_dict(),
                    "optimizer": opt.state_dict(),
                    "scheduler": sched.state_dict(),
                    "early_stopping": stopper.state_dict(),
                    "preprocess": pre.state_dict(),
                    "epoch": epoch,
                    "history": history,
                    "args": {
                        k: str(v) if isinstance(v, pathlib.Path) else v
                        for k, v in vars(args).items()
                    },
                },
                ckpt_path,
            )
        if stop:
            print(f"early stopping: no validation improvement for {args.patience} epochs")
            break
    train_seconds = time.perf_counter() - t0
    stopper.restore_best()
    best_epoch = stopper.best_epoch + 1
    te_loss, te_acc = evaluate(model, x_te, t_te)
    ckpt = nn.load(ckpt_path)
    ckpt.update(test_accuracy=te_acc, test_loss=te_loss, full_history=history)
    nn.save(ckpt, ckpt_path)
    label = "training (dropout on" + (", shifted images)" if args.augment else ")")
    plot_path = plot_history(history, best_epoch, args.out / "curves.png", label)

    seconds = time.perf_counter() - t_start
    print(
        f"trained {len(history['train_loss'])} epochs in {train_seconds:.1f} s; best epoch "
        f"{best_epoch} (validation loss {stopper.best:.4f}, accuracy "
        f"{history['val_acc'][best_epoch - 1]:.1%}); total {seconds:.1f} s"
    )
    print(f"test accuracy: {te_acc:.2%} ({round(te_acc * len(y_te))}/{len(y_te)})")
    print(f"wrote {ckpt_path}")
    print(f"wrote {plot_path}")
    return {
        "test_accuracy": te_acc,
        "test_loss": te_loss,
        "best_val_loss": stopper.best,
        "best_val_accuracy": history["val_acc"][best_epoch - 1],
        "best_epoch": best_epoch,
        "epochs_run": len(history["train_loss"]),
        "stopped_early": bool(stopper.should_stop),
        "train_seconds": train_seconds,
        "seconds": seconds,
        "history": history,
        "checkpoint": ckpt_path,
        "plot": plot_path,
        "device": dev,
        "samples": {"train": len(y_tr), "val": len(y_va), "test": len(y_te)},
        "parameters": n_params,
    }


if __name__ == "__main__":
    main()
