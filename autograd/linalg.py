"""``autograd.linalg``: PyTorch's ``torch.linalg`` namespace (the functions live in
``autograd/ops/linalg.py``)."""

from __future__ import annotations

__all__: list[str] = []
