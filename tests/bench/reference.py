"""Plain-Python reference of the default decision semantics, for timing comparisons.

Reads ``org.yaml`` and a text admin log, predicts each entry with a plain
if-chain (no explanations, no rule engine) and prints a JSON summary
``{total, agree, disagree, undetermined, rejected}``:

- entries that recorded From and To/Cc are predicted and compared with the
  logged code; a logged ``NOLOG_CONTENT`` that only a body filter could
  explain, or a logged ``NOLOG_DUPLICATE`` of an entry without Message-ID, is
  undetermined (the log never records the body or the date);
- subject-only entries are ``disagree`` when the subject matches a
  subject/any content filter but the logged code is one that ranks after the
  content rule (``LOG_OK``, ``NOLOG_ALL_IGNORED``), else ``undetermined``.

    python tests/bench/reference.py --config org.yaml admin.log
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from typing import Any

import yaml

AFTER_CONTENT = ("LOG_OK", "NOLOG_ALL_IGNORED")
_CODE = re.compile(r"LOG_OK|NOLOG_[A-Z0-9_]+")


class Org:
    """The configuration's facts, indexed for the if-chain."""

    def __init__(self, data: dict[str, Any]) -> None:
        org = data["organization"]
        self.internal_domains = {
            d.strip().lstrip("@").rstrip(".").lower() for d in org.get("internal_domains") or []
        }
        self.valid = (data.get("integration") or {}).get("credentials", "valid") == "valid"
        # address -> (active, ignored addresses, ignored domains)
        self.owner: dict[str, tuple[bool, frozenset[str], tuple[str, ...]]] = {}
        for user in data.get("users") or []:
            ignore = [e.strip().lower() for e in user.get("ignore") or []]
            facts = (
                user.get("active", True),
                frozenset(e for e in ignore if not e.startswith("@")),
                tuple(e[1:] for e in ignore if e.startswith("@")),
            )
            for address in user["emails"]:
                self.owner[address.strip().lower()] = facts
        self.subject_filters: list[tuple[str, re.Pattern[str] | None]] = []
        self.body_filters = False
        for flt in data.get("content_filters") or []:
            field = flt.get("field", "any")
            if field in ("body", "any"):
                self.body_filters = True
            if field in ("subject", "any"):
                if "regex" in flt:
                    self.subject_filters.append(("", re.compile(flt["regex"], re.IGNORECASE)))
                else:
                    self.subject_filters.append((flt["contains"].lower(), None))

    def internal(self, address: str) -> bool:
        """The address belongs to a user or its domain (or a parent) is internal."""
        if address in self.owner:
            return True
        domain = address.rpartition("@")[2]
        while domain:
            if domain in self.internal_domains:
                return True
            domain = domain.partition(".")[2]
        return False

    def subject_hit(self, subject: str) -> bool:
        """A subject/any content filter matches the subject."""
        lower = subject.lower()
        for phrase, regex in self.subject_filters:
            if regex is None:
                if phrase in lower:
                    return True
            elif regex.search(subject):
                return True
        return False


def ignores(facts: tuple[bool, frozenset[str], tuple[str, ...]], address: str) -> bool:
    """The user's ignore list holds the address or a domain covering it."""
    if address in facts[1]:
        return True
    domain = address.rpartition("@")[2]
    return any(domain == d or domain.endswith("." + d) for d in facts[2])


def decide(org: Org, sender: str, recipients: list[str], subject: str, duplicate: bool) -> str:
    """The outcome of an email whose body is unknown (treated as matching no filter)."""
    if not org.valid:
        return "NOT_PROCESSED"
    if duplicate:
        return "NOLOG_DUPLICATE"
    outbound = org.internal(sender)
    if outbound:
        facts = org.owner.get(sender)
        if facts is None or not facts[0]:
            return "NOLOG_SENDER_NOT_USER"
        external = [a for a in recipients if not org.internal(a)]
        if not external:
            return "NOLOG_NO_RECIPS"
        if org.subject_hit(subject):
            return "NOLOG_CONTENT"
        if all(ignores(facts, a) for a in external):
            return "NOLOG_ALL_IGNORED"
        return "LOG_OK"
    users = [org.owner[a] for a in recipients if a in org.owner and org.owner[a][0]]
    if not users:
        return "NOLOG_NO_USERS"
    if org.subject_hit(subject):
        return "NOLOG_CONTENT"
    if all(ignores(facts, sender) for facts in users):
        return "NOLOG_ALL_IGNORED"
    return "LOG_OK"


def address(text: str) -> str:
    """The bare lower-case address in ``Name <addr>`` or ``addr``."""
    start = text.find("<")
    if start >= 0:
        end = text.find(">", start)
        text = text[start + 1 : end if end > 0 else len(text)]
    return text.strip().lower()


def entries(path: str) -> Iterator[list[str] | None]:
    """The log's entries as lists of lines (blank-line separated), streaming."""
    block: list[str] = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            line = line.rstrip("\r\n")
            if line.strip():
                block.append(line)
            elif block:
                yield block
                block = []
    if block:
        yield block


def summarise(org: Org, path: str) -> dict[str, int]:
    """Parse, predict and compare every entry of the log."""
    counts = {"total": 0, "agree": 0, "disagree": 0, "undetermined": 0, "rejected": 0}
    logged_ids: set[str] = set()
    for block in entries(path):
        first, code = block[0], block[-1].strip()
        head, sep, subject = first.partition(" Subject:")
        if len(block) < 2 or not sep or len(head) < 19 or not _CODE.fullmatch(code):
            counts["rejected"] += 1
            continue
        subject = subject.strip()
        fields: dict[str, str] = {}
        for line in block[1:-1]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        counts["total"] += 1
        mid = fields.get("message-id", "").lower() or None
        sender = fields.get("from")
        if sender is not None and ("to" in fields or "cc" in fields):
            recipients = [
                address(a)
                for key in ("to", "cc")
                if fields.get(key)
                for a in fields[key].split(",")
            ]
            predicted = decide(
                org, address(sender), recipients, subject, mid is not None and mid in logged_ids
            )
            if code == predicted:
                status = "agree"
            elif (code == "NOLOG_CONTENT" and org.body_filters and predicted in AFTER_CONTENT) or (
                code == "NOLOG_DUPLICATE" and mid is None
            ):
                status = "undetermined"
            else:
                status = "disagree"
        elif code in AFTER_CONTENT and org.subject_hit(subject):
            status = "disagree"
        else:
            status = "undetermined"
        counts[status] += 1
        if code == "LOG_OK" and mid is not None:
            logged_ids.add(mid)
    return counts


def main(argv: list[str] | None = None) -> int:
    """Command line: print the JSON summary of one log."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("log", help="text admin log")
    parser.add_argument("--config", required=True, help="org.yaml")
    args = parser.parse_args(argv)
    with open(args.config, encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    print(json.dumps(summarise(Org(data), args.log)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
