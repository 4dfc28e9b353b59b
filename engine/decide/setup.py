"""A setup: one organisation's configuration with the rule pack that judges its email."""

from __future__ import annotations

from dataclasses import dataclass

from whynolog.engine.decide.rulepack import RulePack
from whynolog.engine.read.config import Config


@dataclass(frozen=True)
class Setup:
    """A loaded configuration and rule pack (plain data: safe to share and to pickle)."""

    config: Config
    pack: RulePack

    @property
    def label(self) -> str:
        """The setup as a comparison names it."""
        return f"rules {self.pack.name} ({self.pack.path}), config {self.config.path}"
