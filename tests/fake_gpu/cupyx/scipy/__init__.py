"""``cupyx.scipy`` for the fake CuPy."""
