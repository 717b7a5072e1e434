"""Recurrent layers.

RNNCell, LSTMCell, GRUCell and the multi-layer, optionally bidirectional RNN, LSTM and GRU.
"""

from __future__ import annotations

__all__: list[str] = []
