"""Input: the configuration, emails and admin logs, read into plain values."""
