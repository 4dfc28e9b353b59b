"""Seeded generator of a scale corpus: ``org.yaml`` and a text admin log.

The configuration has USERS users (10% inactive, aliases on a second internal
domain, ignore lists of addresses and ``@domain`` entries) and 50 content
filters; the log has ENTRIES entries in time order over six weeks, 70% with
From/To/Cc/Message-ID and 30% subject-only. Each entry is built for a target
outcome, so its logged code is the one the decision semantics give, except
for about 2% deliberately wrong codes. The same seed gives the same bytes.

    python tests/bench/generate.py --out /tmp/corpus --entries 200000 --seed 7
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

INTERNAL_DOMAINS = ("acme.com", "acme.co.uk")
SPAN = dt.timedelta(weeks=6)
START = dt.datetime(2026, 10, 5, 7, 0, 0, tzinfo=dt.timezone.utc)
SUBJECT_ONLY_SHARE = 0.30
WRONG_SHARE = 0.02
RING = 1000  # recent emails kept for later copies

LOG_OK = "LOG_OK"
SENDER_NOT_USER = "NOLOG_SENDER_NOT_USER"
ALL_IGNORED = "NOLOG_ALL_IGNORED"
CONTENT = "NOLOG_CONTENT"
DUPLICATE = "NOLOG_DUPLICATE"
NO_RECIPS = "NOLOG_NO_RECIPS"
NO_USERS = "NOLOG_NO_USERS"
CODES = (LOG_OK, SENDER_NOT_USER, ALL_IGNORED, CONTENT, DUPLICATE, NO_RECIPS, NO_USERS)

# Target mix of fresh entries ("copy"/"resend" repeat an earlier Message-ID).
MIX = (
    ("ok_out", 0.40),
    ("ok_in", 0.33),
    (NO_RECIPS, 0.07),
    (NO_USERS, 0.05),
    (SENDER_NOT_USER, 0.03),
    (ALL_IGNORED, 0.04),
    (CONTENT, 0.045),
    ("copy", 0.03),
    ("resend", 0.005),
)

FIRST = (
    "alice",
    "bob",
    "carol",
    "dan",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "karl",
    "laura",
    "mallory",
    "nina",
    "oscar",
    "peggy",
    "quentin",
    "rita",
    "sam",
    "trent",
    "ursula",
    "victor",
    "wendy",
    "xavier",
    "yvonne",
    "zoe",
    "adam",
    "beth",
    "chris",
    "diana",
    "eric",
    "fiona",
    "george",
    "hannah",
    "ian",
    "julia",
    "kevin",
    "lena",
    "mike",
    "nora",
    "owen",
    "paula",
    "ravi",
    "sara",
    "tom",
    "uma",
    "vera",
    "will",
    "xena",
    "yusuf",
    "zara",
    "jose",
    "amelie",
    "bjorn",
    "chloe",
    "dmitri",
    "elif",
    "farid",
    "gita",
)
LAST = (
    "smith",
    "jones",
    "brown",
    "lee",
    "garcia",
    "miller",
    "davis",
    "wilson",
    "moore",
    "taylor",
    "anderson",
    "thomas",
    "jackson",
    "white",
    "harris",
    "martin",
    "thompson",
    "young",
    "allen",
    "king",
    "wright",
    "scott",
    "green",
    "baker",
    "adams",
    "nelson",
    "hill",
    "campbell",
    "mitchell",
    "roberts",
    "carter",
    "phillips",
    "evans",
    "turner",
    "torres",
    "parker",
    "collins",
    "edwards",
    "stewart",
    "morris",
    "murphy",
    "cook",
    "rogers",
    "morgan",
    "peterson",
    "cooper",
    "reed",
    "bailey",
    "bell",
    "kim",
    "ng",
    "muller",
    "rossi",
    "dubois",
    "novak",
    "silva",
    "sato",
)
COMPANIES = (
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark",
    "Wayne",
    "Soylent",
    "Cyberdyne",
    "Tyrell",
    "Wonka",
    "Gringotts",
    "Oscorp",
    "Monarch",
    "Aperture",
    "Massive",
    "Dynamic",
    "Pied",
    "Piper",
    "Nakatomi",
    "Prestige",
)
TOPICS = (
    "Q4 renewal",
    "Pricing proposal",
    "Contract draft v3",
    "Meeting notes",
    "Onboarding plan",
    "Support case 4411",
    "Quarterly business review",
    "Demo follow-up",
    "Purchase order",
    "Invoice question",
    "Project kickoff",
    "Roadmap preview",
    "Trial extension",
    "Security questionnaire",
    "Partnership idea",
    "Training session",
    "Implementation timeline",
    "Feedback on the pilot",
    "Budget approval",
    "Statement of work",
    "Preisliste für Müller GmbH",
    "Devis n°2291",
    "Lunch on Thursday?",
    "Reference call",
    "Licence count",
    "Migration plan",
    "Data processing agreement",
    "Intro call",
    "Pilot results",
    "Price increase 2027",
)
PREFIXES = ("", "", "", "", "Re: ", "RE: ", "Fwd: ", "Re: Re: ", "AW: ")

CONTAINS_SUBJECT = (
    "out of office",
    "automatic reply",
    "autoreply",
    "undeliverable",
    "delivery status",
    "read receipt",
    "[bulk]",
    "[spam]",
    "newsletter",
    "webinar invitation",
    "job alert",
    "password reset",
    "verify your email",
    "your order has shipped",
    "daily digest",
    "weekly digest",
    "security alert",
    "account statement",
    "free trial expiring",
    "event reminder",
)
CONTAINS_BODY = (
    "unsubscribe",
    "view this email in your browser",
    "manage your preferences",
    "this message was sent to",
    "you are receiving this",
    "privacy policy",
    "sent from my iphone",
    "confidentiality notice",
    "no longer wish to receive",
    "powered by mailchimp",
)
CONTAINS_ANY = (
    "lottery winner",
    "wire transfer urgent",
    "crypto giveaway",
    "act now",
    "limited time offer",
    "click here",
    "congratulations you",
    "100% free",
    "earn money fast",
    "risk-free",
)
# (name, field, anchored RE2-compatible regex, subjects that match it: {t} is a topic)
REGEXES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "calendar-replies",
        "subject",
        r"^((re|fwd?): )*(accepted|declined|tentative): ",
        ("Accepted: {t}", "Declined: {t}", "Tentative: {t}"),
    ),
    ("helpdesk-tickets", "subject", r"^\[ticket #[0-9]+\]", ("[Ticket #48213] {t}",)),
    (
        "auto-responses",
        "subject",
        r"^auto(matic)?[ -]?(reply|response)",
        ("Auto-Response: {t}", "Automatic response: {t}"),
    ),
    ("invoice-copies", "subject", r"\(invoice [0-9]{6,}\)$", ("{t} (invoice 2026113)",)),
    (
        "bounces",
        "subject",
        r"^(returned mail|mail delivery failed)",
        ("Mail delivery failed: {t}", "Returned mail: {t}"),
    ),
    ("spam-tag", "any", r"^\*{3}spam\*{3}", ("***SPAM*** {t}",)),
    ("chain-forwards", "any", r"^(fw|fwd): +(fw|fwd): +(fw|fwd): ", ("Fwd: Fw: Fwd: {t}",)),
    ("automated-bodies", "body", r"^this is an automated message", ()),
    ("unsubscribe-footer", "body", r"unsubscribe\s+here\.?$", ()),
    ("mobile-signature", "body", r"^sent from (my )?(iphone|ipad|android)", ()),
)


@dataclass
class User:
    """A user account as generated: ``emails[0]`` is the login."""

    name: str
    emails: list[str]
    active: bool
    ignore: list[str] = field(default_factory=list)
    ignore_addrs: frozenset[str] = frozenset()
    ignore_domains: tuple[str, ...] = ()

    def ignores(self, address: str) -> bool:
        """True when ``address`` is on this user's ignore list (address or ``@domain``)."""
        if address in self.ignore_addrs:
            return True
        domain = address.rpartition("@")[2]
        return any(domain == d or domain.endswith("." + d) for d in self.ignore_domains)


@dataclass
class Org:
    """The generated organisation and the address pools the log draws from."""

    users: list[User]
    filters: list[dict[str, str]]
    active: list[User]
    inactive: list[User]
    ignorers: list[User]  # active users with a non-empty ignore list
    ignored_addrs: frozenset[str]
    ignored_domains: list[str]
    internal_nonusers: list[str]
    hit_subjects: list[Callable[[random.Random], str]]
    subject_filter: re.Pattern[str]


def _contact(rng: random.Random) -> str:
    """An external contact at a customer, partner or free-mail domain."""
    roll = rng.random()
    first, last = rng.choice(FIRST), rng.choice(LAST)
    if roll < 0.75:
        return f"{first}.{last}@customer{rng.randrange(900)}.com"
    if roll < 0.9:
        return f"{first[0]}{last}@{rng.choice(COMPANIES).lower()}{rng.randrange(50)}.io"
    return f"{first}{rng.randrange(10000)}@{rng.choice(('gmail.com', 'outlook.com'))}"


def build_org(seed: int, n_users: int) -> Org:
    """The organisation for ``seed``: users, ignore lists and content filters."""
    rng = random.Random(f"{seed}-org")
    ignored_domains = [
        f"{kind}{i}.{tld}"
        for i in range(40)
        for kind, tld in (("competitor", "com"), ("news", "io"))
    ]
    ignorable = sorted({_contact(rng) for _ in range(max(200, n_users))})
    names = [(f, la) for f in FIRST for la in LAST]
    rng.shuffle(names)
    taken: set[str] = set()
    users: list[User] = []
    for i in range(n_users):
        first, last = names[i % len(names)]
        suffix = "" if i < len(names) else str(i // len(names))
        login = f"{first}.{last}{suffix}@{INTERNAL_DOMAINS[0]}"
        emails = [login]
        taken.add(login)
        if rng.random() < 0.35:
            alias = f"{first[0]}{last}{suffix}@{INTERNAL_DOMAINS[1]}"
            if alias in taken:
                alias = f"{first[0]}{last}{i}@{INTERNAL_DOMAINS[1]}"
            emails.append(alias)
            taken.add(alias)
        if rng.random() < 0.02:
            emails.append(f"{first}.{last}.{i}@gmail.com")  # a personal alias outside
        ignore: list[str] = []
        for _ in range(rng.randint(0, 4)):
            entry = (
                f"@{rng.choice(ignored_domains)}" if rng.random() < 0.3 else rng.choice(ignorable)
            )
            if entry not in ignore:
                ignore.append(entry)
        users.append(
            User(
                name=f"{first.title()} {last.title()}",
                emails=emails,
                active=rng.random() >= 0.1,
                ignore=ignore,
                ignore_addrs=frozenset(e for e in ignore if not e.startswith("@")),
                ignore_domains=tuple(e[1:] for e in ignore if e.startswith("@")),
            )
        )

    if all(u.active for u in users):  # small organisations: still one of each kind
        users[-1].active = False
    if not any(u.active and u.ignore for u in users):
        users[0].active = True
        users[0].ignore = ["@competitor0.com"]
        users[0].ignore_domains = ("competitor0.com",)

    filters: list[dict[str, str]] = []
    for kind, phrases in (
        ("subject", CONTAINS_SUBJECT),
        ("body", CONTAINS_BODY),
        ("any", CONTAINS_ANY),
    ):
        for phrase in phrases:
            name = re.sub(r"[^a-z0-9]+", "-", phrase.lower()).strip("-")
            filters.append({"name": name, "field": kind, "contains": phrase})
    for name, kind, regex, _ in REGEXES:
        filters.append({"name": name, "field": kind, "regex": regex})

    hit_subjects: list[Callable[[random.Random], str]] = []
    for phrase in (*CONTAINS_SUBJECT, *CONTAINS_ANY):
        hit_subjects.append(
            lambda r, p=phrase: r.choice(
                (
                    f"{p.capitalize()}: {r.choice(TOPICS)}",
                    f"{r.choice(TOPICS)} - {p}",
                    f"Re: {p.upper()} {r.choice(COMPANIES)}",
                )
            )
        )
    for _, _, _, examples in REGEXES:
        if examples:
            hit_subjects.append(lambda r, ex=examples: r.choice(ex).format(t=r.choice(TOPICS)))
    subject_filter = re.compile(
        "|".join(
            f"(?:{f['regex']})" if "regex" in f else re.escape(f["contains"])
            for f in filters
            if f["field"] in ("subject", "any")
        ),
        re.IGNORECASE,
    )
    for make in hit_subjects:  # every template of a hit really hits
        sample = make(rng)
        if not subject_filter.search(sample):
            raise RuntimeError(f"subject {sample!r} matches no content filter")

    active = [u for u in users if u.active]
    return Org(
        users=users,
        filters=filters,
        active=active,
        inactive=[u for u in users if not u.active],
        ignorers=[u for u in active if u.ignore],
        ignored_addrs=frozenset(a for u in users for a in u.ignore_addrs),
        ignored_domains=ignored_domains,
        internal_nonusers=[
            "noreply@acme.com",
            "sales@acme.com",
            "support@acme.co.uk",
            "it-helpdesk@eu.acme.com",
            "billing@uk.acme.co.uk",
            "jobs@acme.com",
            "press@us.acme.com",
            "facilities@acme.com",
        ],
        hit_subjects=hit_subjects,
        subject_filter=subject_filter,
    )


def _q(text: str) -> str:
    """A YAML scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def write_config(org: Org, path: Path) -> None:
    """Write ``org.yaml`` in the configuration format."""
    out = [
        "# Generated scale corpus: a fictitious organisation.",
        "organization:",
        "  name: Acme Scale Corp",
        f"  internal_domains: [{', '.join(INTERNAL_DOMAINS)}]",
        "integration:",
        "  credentials: valid",
        "  last_verified: 2026-10-01T09:00:00Z",
        "  alert_address: crm-admin@acme.com",
        "users:",
    ]
    for u in org.users:
        out.append(f"  - name: {_q(u.name)}")
        out.append(f"    emails: [{', '.join(u.emails)}]")
        if not u.active:
            out.append("    active: false")
        if u.ignore:
            out.append(f"    ignore: [{', '.join(_q(e) for e in u.ignore)}]")
    out.append("content_filters:")
    for f in org.filters:
        kind = "regex" if "regex" in f else "contains"
        out += [f"  - name: {f['name']}", f"    field: {f['field']}", f"    {kind}: {_q(f[kind])}"]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


class LogWriter:
    """Builds entries for target outcomes and streams them to a text admin log."""

    def __init__(self, org: Org, seed: int, entries: int, out: TextIO) -> None:
        self.org = org
        self.rng = random.Random(f"{seed}-log")
        self.entries = entries
        self.out = out
        self.serial = 0
        self.logged: list[tuple[str, str, str, str, str]] = []  # copies become duplicates
        self.unlogged: list[tuple[str, str, str, str, str, str]] = []  # copies judged afresh
        self.stats: dict[str, int] = dict.fromkeys(CODES, 0)
        self.wrong = 0
        kinds, weights = zip(*MIX, strict=True)
        self.kinds: tuple[str, ...] = kinds
        self.cum = [sum(weights[: i + 1]) for i in range(len(weights))]

    # --- addresses --------------------------------------------------------------

    def _show(self, address: str) -> str:
        """The address as a log may write it: sometimes with a display name or other case."""
        roll = self.rng.random()
        if roll < 0.06:
            local = address.partition("@")[0]
            name = " ".join(p.title() for p in re.split(r"[._]", local) if p.isalpha())
            return f"{name or 'Contact'} <{address}>"
        if roll < 0.09:
            local, _, domain = address.partition("@")
            return f"{local.title()}@{domain.upper()}"
        return address

    def _clean_external(self) -> str:
        """An external address nobody ignores."""
        while True:
            address = _contact(self.rng)
            if address not in self.org.ignored_addrs:
                return address

    def _ignored_by(self, user: User) -> str:
        """An external address on ``user``'s ignore list (``@domain`` entries: any local part)."""
        entry = self.rng.choice(user.ignore)
        if not entry.startswith("@"):
            return entry
        sub = self.rng.choice(("", "", "mail.", "eu."))
        return f"{self.rng.choice(FIRST)}@{sub}{entry[1:]}"

    def _addr(self, user: User) -> str:
        return self.rng.choice(user.emails)

    def _colleague(self) -> str:
        """An internal address: any user's (active or not) or a shared mailbox."""
        if self.rng.random() < 0.8:
            return self._addr(self.rng.choice(self.org.users))
        return self.rng.choice(self.org.internal_nonusers)

    # --- subjects ---------------------------------------------------------------

    def _clean_subject(self) -> str:
        rng = self.rng
        while True:
            roll = rng.random()
            topic = rng.choice(TOPICS)
            if roll < 0.3:
                topic = f"{topic} - {rng.choice(COMPANIES)}"
            elif roll < 0.4:
                topic = f"{topic} #{rng.randrange(100000)}"
            subject = rng.choice(PREFIXES) + topic
            if not self.org.subject_filter.search(subject):
                return subject

    def _hit_subject(self) -> str:
        return self.rng.choice(self.org.hit_subjects)(self.rng)

    # --- participants for a target outcome ---------------------------------------

    def _ok(self, outbound: bool) -> tuple[str, list[str], list[str]]:
        """Participants that reach the last rule without an earlier outcome."""
        rng, org = self.rng, self.org
        if outbound:
            user = rng.choice(org.active)
            to = [self._clean_external()]
            if rng.random() < 0.3:
                to.append(self._colleague())
            cc: list[str] = []
            if rng.random() < 0.3:
                cc.append(self._colleague())
            if user.ignore and rng.random() < 0.2:  # an ignored one among others still logs
                cc.append(self._ignored_by(user))
            rng.shuffle(to)
            return self._addr(user), to, cc
        if rng.random() < 0.1 and org.ignorers:
            # Ignored by one active recipient but not by another: still logs.
            ignorer = rng.choice(org.ignorers)
            sender = self._ignored_by(ignorer)
            other = rng.choice(org.active)
            if other is not ignorer and not other.ignores(sender):
                return sender, [self._addr(ignorer)], [self._addr(other)]
        sender = self._clean_external()
        to = [self._addr(rng.choice(org.active))]
        if rng.random() < 0.2:
            to.append(self._addr(rng.choice(org.users)))
        cc = [self._colleague()] if rng.random() < 0.25 else []
        if rng.random() < 0.1:
            cc.append(self._clean_external())
        return sender, to, cc

    def _participants(self, code: str) -> tuple[str, list[str], list[str]]:
        rng, org = self.rng, self.org
        if code == NO_RECIPS:
            to = [self._colleague() for _ in range(rng.randint(1, 2))]
            cc = [self._colleague()] if rng.random() < 0.3 else []
            return self._addr(rng.choice(org.active)), to, cc
        if code == NO_USERS:
            pool: list[Callable[[], str]] = [
                lambda: self._addr(rng.choice(org.inactive)),
                lambda: rng.choice(org.internal_nonusers),
                self._clean_external,
            ]
            to = [rng.choice(pool[:2])()]
            cc = [rng.choice(pool)() for _ in range(rng.randint(0, 2))]
            return self._clean_external(), to, cc
        if code == SENDER_NOT_USER:
            sender = (
                self._addr(rng.choice(org.inactive))
                if rng.random() < 0.6
                else rng.choice(org.internal_nonusers)
            )
            return sender, [self._clean_external() for _ in range(rng.randint(1, 2))], []
        if code == ALL_IGNORED:
            user = rng.choice(org.ignorers)
            if rng.random() < 0.6:  # outbound: every external recipient ignored
                to = [self._ignored_by(user) for _ in range(rng.randint(1, 2))]
                cc = [self._colleague()] if rng.random() < 0.3 else []
                return self._addr(user), to, cc
            cc = [self._addr(rng.choice(org.inactive))] if rng.random() < 0.2 else []
            return self._ignored_by(user), [self._addr(user)], cc
        if code == CONTENT:
            return self._ok(rng.random() < 0.5)
        return self._ok(code == "ok_out")

    # --- entries -----------------------------------------------------------------

    def _kind(self) -> str:
        roll = self.rng.random()
        for kind, edge in zip(self.kinds, self.cum, strict=True):
            if roll < edge:
                return kind
        return self.kinds[-1]

    def _maybe_wrong(self, code: str) -> str:
        if self.rng.random() < WRONG_SHARE:
            self.wrong += 1
            return self.rng.choice([c for c in CODES if c != code])
        return code

    def _emit(self, when: str, subject: str, headers: str, code: str) -> None:
        self.stats[code] += 1
        self.out.write(f"{when} Subject: {subject}\n{headers}{code}\n\n")

    def write(self) -> None:
        """Write every entry, in time order, streaming."""
        rng = self.rng
        step = SPAN.total_seconds() / max(1, self.entries)
        clock = START.timestamp()
        for _ in range(self.entries):
            clock += rng.uniform(0, 2 * step)
            when = dt.datetime.fromtimestamp(int(clock), dt.timezone.utc)
            stamp = when.strftime("%Y-%m-%d %H:%M:%S")
            kind = self._kind()
            if rng.random() < SUBJECT_ONLY_SHARE:
                self._subject_only(stamp, kind)
            else:
                self._full(stamp, kind)

    def _subject_only(self, stamp: str, kind: str) -> None:
        code = {"ok_out": LOG_OK, "ok_in": LOG_OK, "copy": DUPLICATE, "resend": LOG_OK}.get(
            kind, kind
        )
        hit = code == CONTENT and self.rng.random() < 0.85
        subject = self._hit_subject() if hit else self._clean_subject()
        self._emit(stamp, subject, "", self._maybe_wrong(code))

    def _full(self, stamp: str, kind: str) -> None:
        rng = self.rng
        if kind == "copy" and self.logged:
            subject, sender, to, cc, mid = rng.choice(self.logged)
            self._emit(stamp, subject, _headers(sender, to, cc, mid), DUPLICATE)
            return
        if kind == "resend" and self.unlogged:
            i = rng.randrange(len(self.unlogged))
            subject, sender, to, cc, mid, code = self.unlogged[i]
            self._emit(stamp, subject, _headers(sender, to, cc, mid), code)
            if code == LOG_OK:  # now it has logged: later copies are duplicates
                self.unlogged[i] = self.unlogged[-1]
                self.unlogged.pop()
                self._remember(self.logged, (subject, sender, to, cc, mid))
            return
        if kind in ("copy", "resend"):
            kind = "ok_out"
        code = LOG_OK if kind.startswith("ok_") else kind
        sender_addr, to_addrs, cc_addrs = self._participants(kind)
        hit = code == CONTENT and rng.random() < 0.85  # else a body filter (not in the log)
        subject = self._hit_subject() if hit else self._clean_subject()
        self.serial += 1
        domain = sender_addr.rpartition("@")[2]
        mid = f"<{self.serial:x}.{rng.randrange(1 << 32):08x}@{domain}>"
        sender = self._show(sender_addr)
        to = ", ".join(self._show(a) for a in to_addrs)
        cc = ", ".join(self._show(a) for a in cc_addrs)
        logged = self._maybe_wrong(code)
        self._emit(stamp, subject, _headers(sender, to, cc, mid), logged)
        if logged == LOG_OK:
            self._remember(self.logged, (subject, sender, to, cc, mid))
        else:
            self._remember(self.unlogged, (subject, sender, to, cc, mid, code))

    def _remember(self, ring: list[Any], item: Any) -> None:
        if len(ring) < RING:
            ring.append(item)
        else:
            ring[self.rng.randrange(RING)] = item


def _headers(sender: str, to: str, cc: str, mid: str) -> str:
    return f"From: {sender}\nTo: {to}\n" + (f"Cc: {cc}\n" if cc else "") + f"Message-ID: {mid}\n"


def write_log(org: Org, path: Path, seed: int, entries: int) -> LogWriter:
    """Stream ``entries`` log entries to ``path``; returns the writer (for its counts)."""
    with path.open("w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
        writer = LogWriter(org, seed, entries, out)
        writer.write()
    return writer


def generate(
    out: Path, entries: int, users: int, seed: int, log_name: str = "admin.log"
) -> LogWriter:
    """Write ``org.yaml`` and the log ``log_name`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    org = build_org(seed, users)
    write_config(org, out / "org.yaml")
    return write_log(org, out / log_name, seed, entries)


def main(argv: list[str] | None = None) -> int:
    """Command line: write the corpus and print what was written."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    parser.add_argument("--entries", type=int, default=200_000, help="log entries (200000)")
    parser.add_argument("--users", type=int, default=2_000, help="users (2000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (7)")
    parser.add_argument("--log-name", default="admin.log", help="log file name (admin.log)")
    args = parser.parse_args(argv)
    if args.users < 3 or args.entries < 0:
        parser.error("--users must be at least 3 and --entries not negative")
    began = time.perf_counter()
    writer = generate(args.out, args.entries, args.users, args.seed, args.log_name)
    took = time.perf_counter() - began
    mix = ", ".join(f"{code} {n}" for code, n in sorted(writer.stats.items(), key=lambda i: -i[1]))
    print(
        f"wrote {args.out / 'org.yaml'} and {args.out / args.log_name}: {args.entries} entries "
        f"in {took:.1f} s ({mix}; {writer.wrong} deliberately wrong)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
