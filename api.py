"""The library API: the one typed entry point for the CLI, the web app and distributed jobs."""

from __future__ import annotations
