"""Small end-to-end scripts a user would copy (run with ``python -m examples.<name>``)."""
