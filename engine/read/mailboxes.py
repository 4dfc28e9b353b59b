"""RFC 5322 address lists (From/To/Cc/Bcc values) read in linear time, without recursion.

The address of a mailbox is its angle-addr: a display name never becomes an
address, quoted or not (``purchasing@a.com <do-not-reply@b.gov>`` is
``do-not-reply@b.gov``). Comments, quoted strings, groups
(``Team: a@x.com, b@x.com;``), obsolete routes (``<@relay:a@x.com>``) and
obsolete spacing (``jdoe@machine(comment). example``) are read as RFC 5322
reads them. A bare address with words beside it (``Big Bug bb@bug.com``) is
that address; two or more bare addresses with no comma between them are kept
together as one item, so that a strict reader can name them.
"""

from __future__ import annotations

import re
from functools import lru_cache

_TOKEN = re.compile(
    r"""
      (?P<space>[ \t\r\n]+)
    | (?P<quoted>(?:"[^"\\]*(?:\\.[^"\\]*)*"?)+)
    | (?P<stray><+(?=<)|[)>\]]+)
    | (?P<angle><[^<>]*>?)
    | (?P<literal>\[+[^\[\]]*\]?)
    | (?P<special>[,;:]+)
    | (?P<comment>\()
    | (?P<atom>[^\s"(),:;<>\[\]\\]+)
    | (?P<other>\\.?|.)
    """,
    re.VERBOSE | re.DOTALL,
)
"""One lexical token (runs of junk as one); the alternatives start with different characters and
never backtrack, so matching is linear."""

Item = tuple[str, ...]
"""The addresses of one comma-separated item: one, or several that lack a comma between them."""


@lru_cache(maxsize=256)
def address_items(value: str) -> tuple[Item, ...]:
    """The mailboxes of one header value, in order, normalised (bare, lower case).

    Items with no address (``Undisclosed recipients``, a lone display name)
    are left out. Cached: a strict reading and a lenient one of the same value
    parse it once.
    """
    items: list[Item] = []
    # Bare words of the current item, each as its parts (joined once: += would be quadratic),
    # and whether the word holds an "@"; words after an angle-addr mean a missing comma.
    words: list[list[str]] = []
    after_angle: list[list[str]] = []
    has_at: list[bool] = []
    angles: list[str] = []
    glue = False  # the next token continues the last word (no space between)

    def close() -> None:
        if words or angles or after_angle:
            found = _item(words, angles, after_angle)
            if found:
                items.append(found)
            words.clear()
            angles.clear()
            after_angle.clear()
            has_at.clear()

    pos, size = 0, len(value)
    while pos < size:
        if value[pos] == "(":
            pos = _skip_comment(value, pos)
            glue = False
            continue
        match = _TOKEN.match(value, pos)
        assert match is not None  # the last alternative matches any character
        pos = match.end()
        kind, text = match.lastgroup, match.group()
        if kind == "space":
            glue = False
        elif kind == "special":  # a run of them, read at once (runs come only from junk)
            if ":" in text and not angles:
                words.clear()  # a group's display name (or an obsolete route): not an address
                has_at.clear()
            if "," in text or ";" in text:
                close()
            glue = False
        elif kind == "angle":
            address = _angle_address(text) if text.endswith(">") else None
            if address:
                angles.append(address)
            glue = False
        else:  # quoted, literal, atom, stray, other: stray characters spoil the word they touch
            target = after_angle if angles else words
            if target and (glue or _continues(target[-1][-1], "@" in text, text, has_at[-1])):
                target[-1].append(text)
                has_at[-1] = has_at[-1] or "@" in text
            else:
                target.append([text])
                has_at.append("@" in text)
            glue = True
    close()
    return tuple(items)


def _skip_comment(value: str, pos: int) -> int:
    """The position after the comment opening at ``pos``; comments nest, counted, not recursed."""
    depth, size = 0, len(value)
    while pos < size:
        char = value[pos]
        if char == "\\":
            pos += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return pos + 1
        pos += 1
    return size


def _continues(last: str, at: bool, text: str, last_at: bool) -> bool:
    """True when an obsolete spaced addr-spec goes on (``jdoe @ x`` or ``jdoe@x. example``).

    ``last`` is the last part of the word so far, ``last_at`` whether that word
    holds an "@"; ``at`` whether ``text`` does.
    """
    if at and last_at:
        return False  # two addresses
    if last.endswith("@") or text.startswith("@"):
        return True
    return last_at and (text.startswith(".") or last.endswith("."))


def _angle_address(text: str) -> str | None:
    """The address inside ``<...>``: comments and spaces dropped, an obsolete route skipped."""
    inner = text[1:-1]
    if "(" in inner:
        inner = re.sub(r"\([^()]*\)", "", inner)
    inner = "".join(inner.split())
    if inner.startswith("@") and ":" in inner:
        inner = inner.rpartition(":")[2]
    return _address(inner)


def _item(words: list[list[str]], angles: list[str], after_angle: list[list[str]]) -> Item:
    if angles:
        extra = [a for a in (_bare_address("".join(w)) for w in after_angle) if a]
        return tuple(dict.fromkeys([*angles, *extra]))
    return tuple(dict.fromkeys(a for a in (_bare_address("".join(w)) for w in words) if a))


def _bare_address(word: str) -> str | None:
    """The address a bare word holds; a quoted phrase or an encoded word is a display name."""
    if word.startswith('"') and not _QUOTED_LOCAL.fullmatch(word):
        return None
    if word.startswith("=?") and word.endswith("?="):
        return None
    return _address(word)


_QUOTED_LOCAL = re.compile(r'"(?:[^"\\]|\\.)*"@[^"]+', re.DOTALL)


def _address(text: str) -> str | None:
    address = text.strip().lower()
    if "@" not in address or address.startswith("@") or address.endswith("@"):
        return None
    if address.startswith('"'):  # a quoted local part may hold anything; its domain may not
        if _SPECIALS.intersection(address.rpartition("@")[2]):
            return None  # ``""@>``: a stray character spoils the word
    elif _SPECIALS.intersection(address) or address.count("@") > 1:
        return None  # ``<Undisclosed-Recipient:@host;>``, ``a@b@c`` and the like: no mailbox
    return address


_SPECIALS = frozenset(':;<>()[],\\"')
