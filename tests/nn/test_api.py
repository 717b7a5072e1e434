"""The nn package surface: exports, docstrings, and a small end-to-end training run."""

from __future__ import annotations

import importlib
import inspect

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

PART_A = [importlib.import_module(f"nn.{m}") for m in
          ["activation", "container", "init", "linear", "loss", "module", "parameter", "utils",
           "functional.activation", "functional.linear", "functional.loss"]]  # fmt: skip


def test_exports():
    for name in ["Module", "Parameter", "Sequential", "ModuleList", "ModuleDict", "Linear",
                 "Identity", "Flatten", "Unflatten", "Embedding", "Step", "Sigmoid", "Tanh",
                 "ReLU", "LeakyReLU", "PReLU", "ELU", "SELU", "GELU", "SiLU", "Softplus",
                 "Hardtanh", "Maxout", "Softmax", "LogSoftmax", "MSELoss", "L1Loss", "HuberLoss",
                 "SmoothL1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss",
                 "KLDivLoss", "init", "utils", "functional"]:  # fmt: skip
        assert hasattr(nn, name), name
    for name in ["linear", "embedding", "one_hot", "relu", "gelu", "step", "softmax",
                 "cross_entropy", "binary_cross_entropy_with_logits", "nll_loss", "kl_div",
                 "mse_loss", "pad"]:  # fmt: skip
        assert callable(getattr(F, name)), name
    assert set(F.__all__) <= set(dir(F))
    assert set(nn.__all__) <= set(dir(nn))


@pytest.mark.parametrize("mod", PART_A, ids=[m.__name__ for m in PART_A])
def test_every_public_class_and_function_has_a_docstring(mod):
    missing = []
    for name in mod.__all__:
        obj = getattr(mod, name)
        if (inspect.isclass(obj) or inspect.isfunction(obj)) and not (obj.__doc__ or "").strip():
            missing.append(name)
        if inspect.isclass(obj) and obj.__module__ == mod.__name__:
            # with the mixins the class is made of (Module's hooks and state_dict)
            members = {}
            for klass in reversed(obj.__mro__):
                if klass.__module__.split(".")[0] == mod.__name__.split(".")[0]:
                    members.update(vars(klass))
            for meth_name, meth in members.items():
                if (not meth_name.startswith("_") and inspect.isfunction(meth)
                        and meth_name not in ("forward", "extra_repr")
                        and not (meth.__doc__ or "").strip()):  # fmt: skip
                    missing.append(f"{name}.{meth_name}")
    assert not missing, f"{mod.__name__}: no docstring for {missing}"


def test_mlp_learns_xor_with_plain_gradient_descent():
    ag.manual_seed(0)
    x = ag.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = ag.tensor([0, 1, 1, 0])
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    lossf = nn.CrossEntropyLoss()
    for _ in range(300):
        model.zero_grad()
        out = lossf(model(x), y)
        out.backward()
        with ag.no_grad():
            for p in model.parameters():
                p -= 0.5 * p.grad
    assert out.item() < 0.05
    assert np.array_equal(model(x).argmax(1).numpy(), y.numpy())


def test_mlp_gradients_through_every_parameter_in_float64():
    model = nn.Sequential(nn.Linear(3, 5), nn.GELU(), nn.Linear(5, 4), nn.LogSoftmax(1)).double()
    x = ag.tensor(np.random.default_rng(0).standard_normal((6, 3)), requires_grad=True)
    t = ag.tensor([0, 1, 2, 3, 0, 1])
    params = list(model.parameters())
    assert ag.gradcheck(lambda x, *p: F.nll_loss(model(x), t), (x, *params))
