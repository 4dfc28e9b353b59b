"""Audit: predicted against logged for admin logs, log search, and the impact of a change."""
