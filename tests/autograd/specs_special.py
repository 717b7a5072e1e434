"""Op-table rows for ``autograd/ops/special.py`` (see op_table.Spec)."""

from __future__ import annotations

SPECS: list = []
