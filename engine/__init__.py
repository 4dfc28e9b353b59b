"""The engine: facts from YAML, decisions from durable_rules, explanations as data."""
