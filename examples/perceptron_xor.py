"""The perceptron learns AND and OR but never XOR; a two-layer MLP trained by backprop solves XOR.

A single-layer perceptron y = step(w . x + b) trained with Rosenblatt's rule
(w += lr (t - y) x, b += lr (t - y), one sample at a time) converges whenever the classes are
linearly separable: AND and OR are, so it reaches 100% in a few epochs. XOR is not (no line
separates (0,1),(1,0) from (0,0),(1,1)), so the rule cycles for ever and never gets all four
right: at best 3 of 4.

Gradient descent cannot train step units either: the step's derivative is 0, so backprop gives
every weight a zero gradient (checked below). With smooth units (tanh hidden layer, sigmoid
output, binary cross-entropy) a 2-8-1 network trained by backpropagation solves XOR.

    python -m examples.perceptron_xor [--quick] [--out runs/perceptron_xor]
"""

from __future__ import annotations

import numpy as np

import autograd as ag
import nn
import nn.functional as F
import optim

from ._common import parser, pyplot, save_figure, write_json

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
TARGETS = {
    "AND": np.array([0, 0, 0, 1], dtype=np.float32),
    "OR": np.array([0, 1, 1, 1], dtype=np.float32),
    "XOR": np.array([0, 1, 1, 0], dtype=np.float32),
}


class Perceptron:
    """y = step(w . x + b) for x of shape (N, d), trained by the perceptron rule (not backprop)."""

    def __init__(self, d: int, rng: np.random.Generator):
        self.w = ag.tensor(rng.normal(0, 0.1, d).astype(np.float32))
        self.b = ag.zeros(())

    def __call__(self, x: ag.Tensor) -> ag.Tensor:
        """0/1 predictions, shape (N,)."""
        return F.step(x @ self.w + self.b)

    def fit(self, x: np.ndarray, t: np.ndarray, lr: float = 0.1, max_epochs: int = 100) -> dict:
        """Rosenblatt's rule, one sample at a time, until an epoch makes no mistake.

        Returns ``converged`` (bool), ``epochs`` run, ``accuracy`` after the last epoch and
        ``best_accuracy`` seen at the end of any epoch.
        """
        xt, tt = ag.tensor(x), ag.tensor(t)
        best, epoch = 0.0, 0
        for epoch in range(1, max_epochs + 1):
            mistakes = 0
            for xi, ti in zip(x, t):
                err = float(ti - self(ag.tensor(xi)).item())  # +1, 0 or -1
                if err:
                    mistakes += 1
                    self.w += lr * err * ag.tensor(xi)
                    self.b += lr * err
            acc = (self(xt) == tt).float().mean().item()
            best = max(best, acc)
            if mistakes == 0:
                return {"converged": True, "epochs": epoch, "accuracy": acc, "best_accuracy": best}
        return {"converged": False, "epochs": epoch, "accuracy": acc, "best_accuracy": best}


def step_net_gradients(rng: np.random.Generator) -> float:
    """Largest |gradient| of a BCE loss w.r.t. the weights of a 2-4-1 net of step units (0)."""
    w1 = ag.tensor(rng.normal(0, 1, (2, 4)).astype(np.float32), requires_grad=True)
    w2 = ag.tensor(rng.normal(0, 1, (4,)).astype(np.float32), requires_grad=True)
    h = F.step(ag.tensor(X) @ w1)
    y = F.sigmoid(F.step(h @ w2) * 4 - 2)  # squashed so BCE is finite
    F.binary_cross_entropy(y, ag.tensor(TARGETS["XOR"])).backward()
    return float(max(np.abs(w1.grad.numpy()).max(), np.abs(w2.grad.numpy()).max()))


def train_mlp(x: np.ndarray, t: np.ndarray, steps: int, hidden: int = 8) -> tuple:
    """A 2-hidden-1 tanh MLP with a logit output, Adam on binary cross-entropy (full batch).

    Returns (model, losses, accuracy).
    """
    model = nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 1))
    opt = optim.Adam(model.parameters(), lr=0.05)
    xt, tt = ag.tensor(x), ag.tensor(t[:, None])
    losses = []
    for _ in range(steps):
        loss = F.binary_cross_entropy_with_logits(model(xt), tt)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    with ag.no_grad():
        acc = ((model(xt) > 0).float() == tt).float().mean().item()
    return model, losses, acc


def _regions(ax, predict, title: str, t: np.ndarray) -> None:
    g = np.linspace(-0.5, 1.5, 201, dtype=np.float32)
    gx, gy = np.meshgrid(g, g)
    z = predict(np.stack([gx.ravel(), gy.ravel()], 1)).reshape(gx.shape)
    ax.contourf(gx, gy, z, levels=[-0.5, 0.5, 1.5], colors=["#f4c7c3", "#c3dcf4"])
    ax.scatter(
        X[:, 0],
        X[:, 1],
        c=["#c0392b" if v == 0 else "#1f5fa8" for v in t],
        s=120,
        edgecolors="k",
        zorder=3,
    )
    ax.set(
        title=title,
        xlim=(-0.5, 1.5),
        ylim=(-0.5, 1.5),
        aspect="equal",
        xticks=[0, 1],
        yticks=[0, 1],
    )


def main(argv=None) -> dict:
    """Train the perceptron on AND, OR, XOR and the MLP on XOR; plot the decision regions.

    Returns ``{"perceptron": {gate: fit result}, "step_net_max_grad": float,
    "mlp_xor_accuracy": float, "mlp_final_loss": float, "plot": path, "paths": [...]}``.
    """
    args = parser(__doc__, "perceptron_xor").parse_args(argv)
    rng = np.random.default_rng(args.seed)
    ag.manual_seed(args.seed)
    max_epochs = 30 if args.quick else 100

    perceptrons, results = {}, {}
    for gate, t in TARGETS.items():
        p = Perceptron(2, rng)
        results[gate] = p.fit(X, t, max_epochs=max_epochs)
        perceptrons[gate] = p
        r = results[gate]
        verdict = (
            f"converged in {r['epochs']} epoch(s)"
            if r["converged"]
            else f"did NOT converge in {r['epochs']} epochs"
        )
        print(
            f"perceptron on {gate:3s}: {verdict}; accuracy {r['accuracy']:.0%} "
            f"(best {r['best_accuracy']:.0%})"
        )

    gmax = step_net_gradients(rng)
    print(f"\nbackprop through a 2-4-1 net of step units: largest weight gradient = {gmax}")

    steps = 300 if args.quick else 1000
    mlp, losses, acc = train_mlp(X, TARGETS["XOR"], steps)
    print(
        f"2-8-1 tanh MLP on XOR by backprop: {steps} Adam steps, BCE {losses[-1]:.4f}, "
        f"accuracy {acc:.0%}"
    )

    plt = pyplot()
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.8))
    for ax, gate in zip(axes, TARGETS):
        r = results[gate]
        _regions(
            ax,
            lambda pts, p=perceptrons[gate]: p(ag.tensor(pts)).numpy(),
            f"perceptron, {gate}: {r['accuracy']:.0%}",
            TARGETS[gate],
        )

    def mlp_predict(pts):
        with ag.no_grad():
            return (mlp(ag.tensor(pts)) > 0).float().numpy()[:, 0]

    _regions(axes[3], mlp_predict, f"2-8-1 MLP (backprop), XOR: {acc:.0%}", TARGETS["XOR"])
    fig.suptitle("Decision regions: a line separates AND and OR, not XOR")
    path = save_figure(fig, args.out / "perceptron_xor.png")
    out = {
        "perceptron": results,
        "step_net_max_grad": gmax,
        "mlp_xor_accuracy": acc,
        "mlp_final_loss": losses[-1],
    }
    report = write_json(args.out / "results.json", out)
    print(f"\nwrote {path}\nwrote {report}")
    return {**out, "plot": path, "paths": [str(path), str(report)]}


if __name__ == "__main__":
    main()
