"""Smoke tests of every example in ``examples/`` on its ``--quick`` setting, asserting outcomes.

Plots need matplotlib, the digits examples scikit-learn, the digits demo tqdm: all three are in
the ``examples`` extra, so those tests skip where it is not installed.
"""

from __future__ import annotations

import importlib
import inspect
import math
import pathlib
import subprocess
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
# demo.py (the autograd-only spiral) is tested in test_docs_and_demo.py
EXAMPLES = sorted(
    p.stem
    for p in (ROOT / "examples").glob("*.py")
    if not p.stem.startswith("_") and p.stem != "demo"
)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _needs(*modules):
    for m in modules:
        pytest.importorskip(m)


def _run(name: str, tmp_path, *extra):
    module = importlib.import_module(f"examples.{name}")
    return module.main(["--quick", "--out", str(tmp_path), *extra])


def _is_png(path) -> bool:
    path = pathlib.Path(path)
    return path.is_file() and path.stat().st_size > 1000 and path.read_bytes()[:8] == PNG_MAGIC


@pytest.fixture(autouse=True)
def _quiet_numpy():
    with np.errstate(all="ignore"):
        yield


def test_every_example_is_tested_and_documented():
    tested = {n[len("test_") :] for n in globals() if n.startswith("test_")}
    assert set(EXAMPLES) <= tested, f"untested examples: {set(EXAMPLES) - tested}"
    for name in EXAMPLES + ["_common"]:
        # importable without the optional packages: sklearn, matplotlib, tqdm load lazily
        module = importlib.import_module(f"examples.{name}")
        assert module.__doc__, name
        for fname, obj in vars(module).items():
            if fname.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                assert obj.__doc__, f"examples.{name}.{fname} has no docstring"


def test_gradcheck_custom_op(tmp_path):
    r = _run("gradcheck_custom_op", tmp_path)
    assert r["hypot_gradcheck"] and r["hypot_gradgradcheck"]
    # the missing-gy bug passes a hand check with gy = 1, and gradcheck still catches it
    assert r["forgets_gy_passes_sum_check"]
    assert r["forgets_gy_caught"] and r["swapped_caught"]
    assert "gradcheck failed for input" in r["forgets_gy_message"]
    assert (tmp_path / "results.json").is_file()


def test_activations(tmp_path):
    _needs("matplotlib")
    r = _run("activations", tmp_path)
    assert _is_png(r["plot"])
    s = r["stats"]
    assert s["sigmoid"]["max_derivative"] == pytest.approx(0.25, abs=1e-6)
    assert s["tanh"]["derivative_at_0"] == pytest.approx(1.0, abs=1e-6)
    assert s["relu"]["derivative_at_0"] == 0.0 and s["relu"]["derivative_at_-5"] == 0.0
    assert s["leaky_relu (0.1)"]["derivative_at_-5"] == pytest.approx(0.1, abs=1e-6)
    # ELU saturates on the left only: f'(-5) = e^-5, f'(+5) = 1
    assert s["elu (alpha=1)"]["derivative_at_-5"] == pytest.approx(math.exp(-5), rel=1e-6)
    assert s["elu (alpha=1)"]["derivative_at_+5"] == pytest.approx(1.0)
    assert s["sigmoid"]["gain_through_10_layers"] < 1e-5


def test_init_study(tmp_path):
    _needs("matplotlib")
    r = _run("init_study", tmp_path)
    assert _is_png(r["plot"])
    for act in ("tanh", "relu"):
        zero = r["stats"][act]["zero"]
        assert max(zero["act_std"]) == 0 and max(zero["grad_std"]) == 0
        small = r["stats"][act]["small random (0.01)"]["act_std"]
        assert small[-1] < 1e-3 * small[0]  # collapses layer by layer
    he_relu = r["stats"]["relu"]["He"]["act_std"]
    assert 0.5 < he_relu[-1] / he_relu[0] < 2  # He keeps ReLU activations steady
    xavier_relu = r["stats"]["relu"]["Xavier"]["act_std"]
    assert xavier_relu[-1] / xavier_relu[0] < he_relu[-1] / he_relu[0]
    assert r["stats"]["tanh"]["Xavier"]["act_std"][-1] > 0.1


def test_optimizers(tmp_path):
    _needs("matplotlib")
    r = _run("optimizers", tmp_path)
    assert _is_png(r["plot"])
    from examples.optimizers import OPTIMIZERS

    assert set(r["final_loss"]) == set(OPTIMIZERS)
    for name, curve in r["curves"].items():
        assert all(math.isfinite(v) for v in curve), name
        assert curve[-1] < curve[0], f"{name} did not reduce the loss"
    assert r["ranking"][0] in r["final_loss"]


def test_perceptron_xor(tmp_path):
    _needs("matplotlib")
    r = _run("perceptron_xor", tmp_path)
    p = r["perceptron"]
    assert p["AND"]["converged"] and p["AND"]["accuracy"] == 1.0
    assert p["OR"]["converged"] and p["OR"]["accuracy"] == 1.0
    assert not p["XOR"]["converged"] and p["XOR"]["best_accuracy"] <= 0.75
    assert r["step_net_max_grad"] == 0.0
    assert r["mlp_xor_accuracy"] == 1.0
    assert _is_png(r["plot"])


def test_babysit(tmp_path):
    _needs("sklearn", "matplotlib")
    r = _run("babysit", tmp_path)
    init = r["initial"]
    assert abs(init["initial_loss"] - math.log(10)) < 0.2
    assert init["loss_with_l2"] > init["initial_loss"]
    assert r["overfit"]["train_accuracy"] == 1.0 and r["overfit"]["samples"] == 20
    verdicts = {run["lr"]: run["verdict"] for run in r["sweep"]}
    assert verdicts[min(verdicts)] == "too small" and verdicts[max(verdicts)] == "exploded"
    assert 1e-3 <= r["best_lr"] <= 1.0
    assert _is_png(r["plot"])


def test_hparam_search(tmp_path):
    _needs("sklearn", "matplotlib")
    r = _run("hparam_search", tmp_path, "--trials", "4")
    assert r["distinct_lrs"] == {"grid": 2, "random": 4}
    for name in ("grid", "random"):
        assert len(r[name]["trials"]) == 4
        assert all(len(t["fold_scores"]) == 2 for t in r[name]["trials"])
        assert r[name]["best"]["cv_mean"] == max(t["cv_mean"] for t in r[name]["trials"])
        assert 0 <= r[name]["test_accuracy"] <= 1
    assert max(r["grid"]["best"]["cv_mean"], r["random"]["best"]["cv_mean"]) > 0.5
    assert _is_png(r["plot"])


def test_ensemble(tmp_path):
    _needs("sklearn")
    r = _run("ensemble", tmp_path)
    bag = r["bagging"]
    assert len(bag["member_accuracy"]) == r["members"]
    assert 0.55 < bag["distinct_fraction"] < 0.7  # 1 - 1/e of the samples per bootstrap
    assert bag["ensemble_accuracy"] > 0.75 and bag["single_model_accuracy"] > 0.75
    h = r["heads"]
    assert h["softmax_sum"] == pytest.approx(1.0, abs=1e-4)
    assert h["sigmoid_sum"] > 1.2  # several labels on at once
    assert h["class_accuracy"] > 0.75 and h["exact_match"] > 0.5
    assert (tmp_path / "results.json").is_file()


def test_digits(tmp_path):
    _needs("sklearn", "matplotlib", "tqdm")
    from examples import digits

    r = digits.main(["--quick", "--out", str(tmp_path), "--no-progress"])
    assert r["epochs_run"] == 3 and r["device"] == "cpu"
    assert r["test_accuracy"] > 0.85
    assert _is_png(r["plot"])
    assert r["checkpoint"].is_file()

    # the checkpoint restores the best model: same test accuracy from a fresh model
    import autograd as ag
    import nn
    from nn.data import Standardize, load_digits

    ckpt = nn.load(r["checkpoint"])
    assert ckpt["epoch"] == r["best_epoch"] and ckpt["test_accuracy"] == r["test_accuracy"]
    model = digits.build_model()
    model.load_state_dict(ckpt["model"])
    pre = Standardize()
    pre.load_state_dict(ckpt["preprocess"])
    X, y = load_digits()
    with ag.no_grad():
        pred = model.eval()(ag.tensor(pre.transform(X))).argmax(dim=1).numpy()
    assert (pred == y).mean() > 0.85


def test_digits_cli_output_ends_with_accuracy_and_paths(tmp_path):
    _needs("sklearn", "matplotlib", "tqdm")
    out = subprocess.run(
        [sys.executable, "-m", "examples.digits", "--quick", "--augment", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    ).stdout.strip().splitlines()  # fmt: skip
    assert out[-3].startswith("test accuracy: ")
    assert out[-2] == f"wrote {tmp_path / 'checkpoint.npz'}"
    assert out[-1] == f"wrote {tmp_path / 'curves.png'}"


def test_digits_cuda_without_a_gpu_is_a_clear_error(capsys):
    _needs("sklearn", "tqdm")
    from backends import cupy_or_none
    from examples import digits

    if cupy_or_none() is not None:
        pytest.skip("a GPU is present")
    with pytest.raises(SystemExit) as e:
        digits.main(["--quick", "--device", "cuda"])
    assert e.value.code == 2
    assert "device 'cuda' is not available" in capsys.readouterr().err
