"""The demo: a two-layer network written directly on the autograd API learns a spiral.

No ``nn`` or ``optim``: parameters are leaf tensors, the loss is built from differentiable ops,
``backward()`` fills ``.grad``, and plain SGD updates the leaves under ``no_grad``. At the end the
analytic gradients of the loss are checked against central differences with ``gradcheck``.

    python -m examples.demo [--steps 300] [--seed 0] [--quick] [--out runs/demo]

It prints the loss and accuracy as it trains and writes ``report.json`` (accuracies, the
gradcheck result, the time) to ``--out``.
"""

from __future__ import annotations

import math
import time

import numpy as np

import autograd as ag

from ._common import parser, write_json


def spiral(n_per_class: int, classes: int, rng: np.random.Generator):
    """Points on interleaved spiral arms. Returns X (N, 2) float32 and labels (N,) int64."""
    xs, ys = [], []
    for c in range(classes):
        r = np.linspace(0.05, 1.0, n_per_class)
        t = np.linspace(c * 4.0, (c + 1) * 4.0, n_per_class) + rng.normal(0, 0.2, n_per_class)
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
        ys.append(np.full(n_per_class, c))
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.int64)


def init_params(sizes, rng):
    """He-initialised weights and zero biases for an MLP with layer ``sizes``."""
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        w = rng.normal(0, math.sqrt(2.0 / fan_in), (fan_in, fan_out)).astype(np.float32)
        params += [ag.tensor(w, requires_grad=True), ag.zeros(fan_out, requires_grad=True)]
    return params


def forward(params, x):
    """Logits (N, classes) of the MLP: linear-relu-linear-relu-linear."""
    h = x
    for i in range(0, len(params) - 2, 2):
        h = (h @ params[i] + params[i + 1]).relu()
    return h @ params[-2] + params[-1]


def cross_entropy(logits, labels):
    """Mean negative log-likelihood of integer ``labels`` (N,) under ``logits`` (N, C)."""
    z = logits - logits.max(dim=1, keepdim=True).values.detach()
    logp = z - z.exp().sum(dim=1, keepdim=True).log()
    return -logp[ag.arange(len(labels)), labels].mean()


def main(argv=None) -> float:
    """Train, report, gradcheck; returns the held-out test accuracy."""
    ap = parser(__doc__, "demo")
    ap.add_argument("--steps", type=int, default=None, help="SGD steps (default 300, --quick 60)")
    ap.add_argument("--lr", type=float, default=0.5, help="learning rate")
    args = ap.parse_args(argv)
    if args.steps is None:
        args.steps = 60 if args.quick else 300

    rng = np.random.default_rng(args.seed)
    X_all, y_all = spiral(200, 3, rng)
    order = rng.permutation(len(y_all))
    train, test = order[: len(order) // 2], order[len(order) // 2 :]
    X, y = X_all[train], y_all[train]
    x, labels = ag.tensor(X), ag.tensor(y)
    params = init_params([2, 64, 64, 3], rng)

    t0 = time.perf_counter()
    for step in range(args.steps + 1):
        loss = cross_entropy(forward(params, x), labels)
        for p in params:
            p.grad = None
        loss.backward()
        with ag.no_grad():
            for p in params:
                p -= args.lr * p.grad
        if step % max(1, args.steps // 6) == 0:
            with ag.no_grad():
                acc = (forward(params, x).argmax(dim=1) == labels).float().mean().item()
            print(f"step {step:4d}  loss {loss.item():.4f}  train accuracy {acc:.3f}")
    elapsed = time.perf_counter() - t0

    # gradcheck: the same loss in float64 on a few points, analytic vs numerical gradients
    p64 = [ag.tensor(p.detach().numpy(), dtype=ag.float64, requires_grad=True) for p in params]
    xs = ag.tensor(X[:8], dtype=ag.float64)
    ok = ag.gradcheck(
        lambda *ps: cross_entropy(forward(ps, xs), labels[:8]), tuple(p64), raise_exception=False
    )
    print(f"gradcheck of the loss w.r.t. all {sum(p.numel() for p in p64)} parameters: "
          f"{'passed' if ok else 'FAILED'}")  # fmt: skip
    with ag.no_grad():
        pred = forward(params, ag.tensor(X_all[test])).argmax(dim=1)
        test_acc = (pred == ag.tensor(y_all[test])).float().mean().item()
    print(f"trained {args.steps} steps in {elapsed:.2f} s; train accuracy {acc:.3f}, "
          f"held-out test accuracy {test_acc:.3f}")  # fmt: skip
    report = write_json(
        args.out / "report.json",
        {"steps": args.steps, "seconds": elapsed, "train_accuracy": acc,
         "test_accuracy": test_acc, "gradcheck_passed": bool(ok)},
    )  # fmt: skip
    print(f"wrote {report}")
    return test_acc


if __name__ == "__main__":
    main()
