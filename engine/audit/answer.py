"""The answer ``why`` opens with: one line per log entry, before any detail.

An admin asked "why didn't my email log?": the first thing they read says
whether it logged, with which code, the reason and what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from whynolog.engine.audit.prediction import Prediction
from whynolog.engine.decide.rulepack import Outcome
from whynolog.engine.facts.phrases import join_and


@dataclass(frozen=True)
class Answer:
    """Whether one entry's email logged, why, and what to do, in one line each."""

    logged: bool
    code: str
    reason: str
    do: str

    def to_dict(self) -> dict[str, Any]:
        return {"logged": self.logged, "code": self.code, "reason": self.reason, "do": self.do}


def answer(
    code: str, outcome: Outcome, prediction: Prediction, external: Sequence[str] = ()
) -> Answer:
    """The answer for an entry that shows ``code`` (``outcome`` says what the code means).

    Where the configuration explains the code (it agrees), its reasons and its verified fix
    are the answer; otherwise the code's meaning, and what the configuration says instead.
    """
    verdict = prediction.verdict
    if prediction.status == "agree" and verdict is not None:
        reason = " ".join(verdict.reasons)
        if verdict.fix is not None:
            changes = "; and ".join(verdict.fix.changes)
            do = changes[:1].upper() + changes[1:] + "."
        else:
            do = verdict.remedy
    else:
        reason = outcome.meaning
        do = outcome.remedy
        if prediction.status == "disagree":
            gives = prediction.outcome or "one of " + ", ".join(prediction.possible)
            cause = f": {prediction.causes[0]}" if prediction.causes else ""
            reason = f"{reason} This configuration gives {gives}{cause}."
        if outcome.logged and external:
            do = f"{do} ({join_and(external)})"
    return Answer(outcome.logged, code, reason, do)
