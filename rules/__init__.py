"""The shipped rule pack (``default.yaml``), installed as package data."""
