"""Decision: rule packs compiled into durable_rules, verdicts, explanations and verified fixes."""
