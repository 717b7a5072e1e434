"""Op-table rows for ``autograd/ops/layout.py`` (see op_table.Spec)."""

from __future__ import annotations

SPECS: list = []
