"""Bagging small MLPs on digits against one model, and a multi-label head beside a multi-class one.

Bagging (bootstrap aggregating): each member trains on a bootstrap sample of the training set
(N draws with replacement, so about 63% of the distinct samples, some repeated) and the ensemble
averages the members' softmax probabilities. The members make partly independent errors, so the
average is usually more accurate than a typical member, and than one model trained on all the
data with the same recipe.

Multi-label vs multi-class: one shared trunk with two heads. The multi-class head answers
"which digit?" with a softmax over 10 mutually exclusive classes (probabilities sum to 1) and
cross-entropy. The multi-label head answers four yes/no questions at once ("even?", ">= 5?",
"prime?", "has a closed loop?" (0, 6, 8, 9)): one sigmoid per label, each trained with binary
cross-entropy, so several can be on together and the outputs need not sum to 1. (These four
labels are functions of the digit, so reading them off the predicted digit is a fair baseline,
printed beside; a multi-label head is what you need when the labels are not determined by one
class, e.g. the tags of a photo.)

    python -m examples.ensemble [--quick] [--out runs/ensemble] [--members 7]
"""

from __future__ import annotations

import numpy as np

import autograd as ag
import nn
import nn.functional as F
import optim
from nn.data import DataLoader, Standardize, TensorDataset, load_digits, train_test_split

from ._common import parser, write_json

LABELS = ("even", ">= 5", "prime", "closed loop")
_ATTR = np.array(
    [[d % 2 == 0, d >= 5, d in (2, 3, 5, 7), d in (0, 6, 8, 9)] for d in range(10)],
    dtype=np.float32,
)  # (10 digits, 4 labels)


def attributes(y: np.ndarray) -> np.ndarray:
    """Multi-label targets (N, 4) float32 in {0, 1} for digit labels ``y`` (N,)."""
    return _ATTR[y]


def mlp(hidden: int = 32) -> nn.Sequential:
    """64 -> hidden (ReLU) -> 10 logits."""
    return nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10))


def fit(model, x: np.ndarray, y: np.ndarray, epochs: int, generator, loss_fn=None) -> nn.Module:
    """Train ``model`` with Adam (lr 1e-2, weight decay 1e-4) in batches of 64.

    x: (N, 64) float32, y: (N,) int64 (or any target ``loss_fn(model(xb), yb)`` takes).
    """
    loss_fn = loss_fn or F.cross_entropy
    opt = optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-4)
    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, generator=generator)
    model.train()
    for _ in range(epochs):
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.eval()


def probabilities(model, x: np.ndarray) -> np.ndarray:
    """Softmax class probabilities (N, 10) of ``model`` on ``x`` (N, 64)."""
    with ag.no_grad():
        return F.softmax(model(ag.tensor(x)), dim=1).numpy()


def bagging(xtr, ytr, xte, yte, members: int, epochs: int, rng) -> dict:
    """Train ``members`` MLPs on bootstrap samples and one on everything; compare on the test set.

    Returns ``member_accuracy`` (list), ``mean_member_accuracy``, ``ensemble_accuracy``,
    ``ensemble_accuracy_by_size`` (accuracy of the first k members, k = 1..members),
    ``single_model_accuracy``, ``distinct_fraction`` (mean share of distinct samples per
    bootstrap).
    """
    n = len(ytr)
    probs, accs, distinct = [], [], []
    for _ in range(members):
        idx = rng.integers(0, n, n)  # bootstrap: n draws with replacement
        distinct.append(len(np.unique(idx)) / n)
        p = probabilities(fit(mlp(), xtr[idx], ytr[idx], epochs, rng), xte)
        probs.append(p)
        accs.append(float((p.argmax(1) == yte).mean()))
    by_size = [
        float((np.mean(probs[:k], 0).argmax(1) == yte).mean()) for k in range(1, members + 1)
    ]
    single = probabilities(fit(mlp(), xtr, ytr, epochs, rng), xte)
    return {
        "member_accuracy": accs,
        "mean_member_accuracy": float(np.mean(accs)),
        "ensemble_accuracy": by_size[-1],
        "ensemble_accuracy_by_size": by_size,
        "single_model_accuracy": float((single.argmax(1) == yte).mean()),
        "distinct_fraction": float(np.mean(distinct)),
    }


class TwoHeads(nn.Module):
    """A shared trunk 64 -> hidden with a multi-class head (10 logits) and a multi-label head
    (4 logits, one per yes/no label). forward: (N, 64) -> ((N, 10), (N, 4))."""

    def __init__(self, hidden: int = 64):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(64, hidden), nn.ReLU())
        self.classes = nn.Linear(hidden, 10)
        self.labels = nn.Linear(hidden, len(LABELS))

    def forward(self, x):
        h = self.trunk(x)
        return self.classes(h), self.labels(h)


def two_heads(xtr, ytr, xte, yte, epochs: int, rng) -> dict:
    """Train ``TwoHeads`` on cross-entropy (classes) + BCE with logits (labels); evaluate.

    Returns ``class_accuracy``; ``label_accuracy`` per label; ``exact_match`` (all 4 labels
    right); ``labels_from_class_exact_match`` (labels read off the predicted digit);
    ``softmax_sum`` and ``sigmoid_sum`` (mean over the test set of each head's output sum).
    """
    model = TwoHeads()
    target = np.concatenate([ytr[:, None].astype(np.float32), attributes(ytr)], 1)

    def loss_fn(out, t):
        logits, label_logits = out
        digit = t[:, 0].long()
        return F.cross_entropy(logits, digit) + F.binary_cross_entropy_with_logits(
            label_logits, t[:, 1:]
        )

    fit(model, xtr, target, epochs, rng, loss_fn)
    with ag.no_grad():
        logits, label_logits = model(ag.tensor(xte))
        p_class = F.softmax(logits, dim=1).numpy()
        p_label = F.sigmoid(label_logits).numpy()
    truth = attributes(yte)
    pred_labels = (p_label > 0.5).astype(np.float32)
    return {
        "class_accuracy": float((p_class.argmax(1) == yte).mean()),
        "label_accuracy": {k: float(v) for k, v in zip(LABELS, (pred_labels == truth).mean(0))},
        "exact_match": float((pred_labels == truth).all(1).mean()),
        "labels_from_class_exact_match": float(
            (attributes(p_class.argmax(1)) == truth).all(1).mean()
        ),
        "softmax_sum": float(p_class.sum(1).mean()),
        "sigmoid_sum": float(p_label.sum(1).mean()),
        "mean_positive_labels": float(truth.sum(1).mean()),
    }


def main(argv=None) -> dict:
    """Run the bagging comparison and the two-head model on digits; print and return the results.

    Returns ``{"bagging": bagging(...), "heads": two_heads(...), "paths": [...]}``.
    """
    ap = parser(__doc__, "ensemble")
    ap.add_argument("--members", type=int, default=None, help="bagged models (default 7; quick 3)")
    args = ap.parse_args(argv)
    members = args.members or (3 if args.quick else 7)
    epochs = 4 if args.quick else 20
    rng = np.random.default_rng(args.seed)
    ag.manual_seed(args.seed)
    X, y = load_digits(flatten=True)
    xtr, xte, ytr, yte = train_test_split(X, y, test_size=0.25, stratify=y, generator=rng)
    pre = Standardize().fit(xtr)
    xtr, xte = pre.transform(xtr), pre.transform(xte)
    if args.quick:
        xtr, ytr = xtr[:400], ytr[:400]

    bag = bagging(xtr, ytr, xte, yte, members, epochs, rng)
    print(
        f"Bagging {members} MLPs (64-32-10, {epochs} epochs each) on {len(ytr)} digits; "
        f"test set {len(yte)}:"
    )
    print(
        f"  members:           {', '.join(f'{a:.1%}' for a in bag['member_accuracy'])} "
        f"(mean {bag['mean_member_accuracy']:.1%}; each saw "
        f"{bag['distinct_fraction']:.0%} distinct samples)"
    )
    print(f"  ensemble by size:  {', '.join(f'{a:.1%}' for a in bag['ensemble_accuracy_by_size'])}")
    print(f"  ensemble:          {bag['ensemble_accuracy']:.1%}")
    print(f"  one model, all data: {bag['single_model_accuracy']:.1%}")

    heads = two_heads(xtr, ytr, xte, yte, epochs, rng)
    print("\nShared trunk, two heads (cross-entropy + binary cross-entropy):")
    print(
        f"  multi-class (softmax): digit accuracy {heads['class_accuracy']:.1%}; "
        f"probabilities sum to {heads['softmax_sum']:.3f}"
    )
    per = ", ".join(f"{k} {v:.1%}" for k, v in heads["label_accuracy"].items())
    print(f"  multi-label (sigmoid): {per}")
    print(
        f"     all 4 labels right {heads['exact_match']:.1%} (read off the predicted digit: "
        f"{heads['labels_from_class_exact_match']:.1%}); sigmoid outputs sum to "
        f"{heads['sigmoid_sum']:.2f} on average ({heads['mean_positive_labels']:.2f} labels "
        f"are on)"
    )
    results = {"members": members, "epochs": epochs, "bagging": bag, "heads": heads}
    report = write_json(args.out / "results.json", results)
    print(f"\nwrote {report}")
    return {**results, "paths": [str(report)]}


if __name__ == "__main__":
    main()
