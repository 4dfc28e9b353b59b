"""Quality: lint of configuration and rule packs, test suites, the rule reference."""
