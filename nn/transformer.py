"""Transformer layers: the encoder and decoder layers, their stacks and nn.Transformer."""

from __future__ import annotations

__all__: list[str] = []
