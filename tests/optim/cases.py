"""The option combinations every optimiser is tested with: ``(name, problem, options)``.

Each algorithm gets its defaults, each option of issue 5 on its own, and mixes of them (with
``maximize`` and ``weight_decay`` among them). ``TORCH_NAMES`` are those torch.optim also has.
"""

from __future__ import annotations

CASES = [
    ("SGD", "quad", {}),
    ("SGD", "quad", dict(lr=0.1)),
    ("SGD", "quad", dict(lr=0.05, momentum=0.9)),
    ("SGD", "quad", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", "quad", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", "quad", dict(lr=0.05, weight_decay=0.1)),
    ("SGD", "quad", dict(lr=0.05, momentum=0.5, weight_decay=0.1, nesterov=True, maximize=True)),
    ("SGD", "quad", dict(lr=0.05, maximize=True)),
    ("Adagrad", "quad", {}),
    ("Adagrad", "quad", dict(lr=0.1, lr_decay=0.1)),
    ("Adagrad", "quad", dict(lr=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", "quad", dict(lr=0.1, weight_decay=0.1, eps=1e-6)),
    ("Adagrad", "quad", dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.1, maximize=True)),
    ("Adadelta", "quad", {}),
    ("Adadelta", "quad", dict(rho=0.5)),
    ("Adadelta", "quad", dict(lr=0.5, weight_decay=0.1, eps=1e-4)),
    ("Adadelta", "quad", dict(maximize=True)),
    ("RMSprop", "quad", {}),
    ("RMSprop", "quad", dict(alpha=0.9)),
    ("RMSprop", "quad", dict(centered=True)),
    ("RMSprop", "quad", dict(momentum=0.9)),
    ("RMSprop", "quad", dict(centered=True, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", "quad", dict(alpha=0.9, maximize=True, eps=1e-6)),
    ("Adam", "quad", {}),
    ("Adam", "quad", dict(lr=0.05)),
    ("Adam", "quad", dict(lr=0.05, amsgrad=True)),
    ("Adam", "quad", dict(lr=0.05, weight_decay=0.1)),
    ("Adam", "quad", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("Adam", "quad", dict(lr=0.05, betas=(0.5, 0.9), eps=1e-6)),
    ("Adam", "quad", dict(lr=0.05, amsgrad=True, maximize=True, weight_decay=0.1)),
    ("AdamW", "quad", {}),
    ("AdamW", "quad", dict(lr=0.05, weight_decay=0.5)),
    ("AdamW", "quad", dict(lr=0.05, amsgrad=True)),
    ("AdamW", "quad", dict(lr=0.05, maximize=True)),
    ("NAdam", "quad", {}),
    ("NAdam", "quad", dict(lr=0.05, momentum_decay=0.01)),
    ("NAdam", "quad", dict(lr=0.05, weight_decay=0.1)),
    ("NAdam", "quad", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", "quad", dict(lr=0.05, maximize=True, betas=(0.8, 0.99))),
    ("RAdam", "quad", {}),
    ("RAdam", "quad", dict(lr=0.05)),
    ("RAdam", "quad", dict(lr=0.05, betas=(0.9, 0.9))),
    ("RAdam", "quad", dict(lr=0.05, weight_decay=0.1)),
    ("RAdam", "quad", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", "quad", dict(lr=0.05, maximize=True, betas=(0.9, 0.9))),
    ("Adamax", "quad", {}),
    ("Adamax", "quad", dict(lr=0.05)),
    ("Adamax", "quad", dict(lr=0.05, weight_decay=0.1, betas=(0.5, 0.9))),
    ("Adamax", "quad", dict(lr=0.05, maximize=True)),
    ("AdamP", "quad", {}),
    ("AdamP", "quad", dict(lr=0.05, nesterov=True, weight_decay=0.1)),
    ("AdamP", "rownorm", dict(lr=0.05)),
    ("AdamP", "rownorm", dict(lr=0.05, weight_decay=0.1)),
    ("AdamP", "rownorm", dict(lr=0.05, nesterov=True, weight_decay=0.1, delta=0.2, wd_ratio=0.5)),
    ("AdamP", "rownorm", dict(lr=0.05, maximize=True, weight_decay=0.1)),
    ("AdamP", "layernorm4d", dict(lr=0.05, weight_decay=0.1)),
    ("AdamP", "layernorm4d", dict(lr=0.05, nesterov=True, betas=(0.8, 0.99))),
    ("Lion", "quad", {}),
    ("Lion", "quad", dict(lr=0.01)),
    ("Lion", "quad", dict(lr=0.01, weight_decay=0.5)),
    ("Lion", "quad", dict(lr=0.01, betas=(0.5, 0.9))),
    ("Lion", "quad", dict(lr=0.01, maximize=True, weight_decay=0.1)),
    ("Rprop", "quad", {}),
    ("Rprop", "quad", dict(lr=0.05, etas=(0.3, 1.5))),
    ("Rprop", "quad", dict(lr=0.05, step_sizes=(1e-4, 0.2), maximize=True)),
    ("ASGD", "quad", {}),
    ("ASGD", "quad", dict(lr=0.05, t0=3, lambd=1e-3)),
    ("ASGD", "quad", dict(lr=0.05, weight_decay=0.1, alpha=0.5, maximize=True)),
]

TORCH_NAMES = ("SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW", "NAdam", "RAdam",
               "Adamax", "Rprop", "ASGD")  # fmt: skip

ALL_NAMES = TORCH_NAMES + ("AdamP", "Lion")


def case_id(case) -> str:
    name, problem, kw = case
    opts = ",".join(f"{k}={v}" for k, v in kw.items()) or "defaults"
    return f"{name}-{problem}-{opts}"
