"""Sorting, selection and scans.

sort, argsort, topk, kthvalue, median, cummax/cummin, logcumsumexp.
"""

from __future__ import annotations

__all__: list[str] = []
