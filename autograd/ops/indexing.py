"""Indexed reads and writes beyond getitem/gather/scatter_add.

scatter, index_put, index_fill, index_copy, masked_select/scatter, take_along_dim, nonzero, unique,
...
"""

from __future__ import annotations

__all__: list[str] = []
