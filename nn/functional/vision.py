"""Resampling and rearranging images.

interpolate (nearest, linear, bilinear, bicubic, trilinear), unfold/fold,
pixel_shuffle/pixel_unshuffle.
"""

from __future__ import annotations

__all__: list[str] = []
