"""Addresses in headers and logs: the fast readings agree with the full RFC 5322 parser."""

from __future__ import annotations

from email.utils import getaddresses

from hypothesis import given
from hypothesis import strategies as st

from whynolog.engine.read.addresses import addresses_in, normalise, parse_addresses


def full_parser(value: str) -> tuple[str, ...]:
    """What the standard library's RFC 5322 parser reads, normalised the same way."""
    found = (raw.strip().strip("<>").strip().lower() for _name, raw in getaddresses([value]))
    return tuple(
        dict.fromkeys(
            a for a in found if "@" in a and not a.startswith("@") and not a.endswith("@")
        )
    )


_LOCAL = st.text("abcXYZ019._+-", min_size=1, max_size=8)
_DOMAIN = st.lists(st.text("abcxyz019-", min_size=1, max_size=6), min_size=1, max_size=3).map(
    ".".join
)
_ADDRESS = st.builds("{}@{}".format, _LOCAL, _DOMAIN)
_NAME = st.text("abc XYZé.'-", max_size=10)
_ITEM = st.one_of(
    _ADDRESS,
    st.builds("{} <{}>".format, _NAME, _ADDRESS),
    st.builds(" {}  ".format, _ADDRESS),
)


@given(st.lists(_ITEM, min_size=1, max_size=4).map(", ".join))
def test_address_lists_read_as_the_full_parser_reads_them(value: str) -> None:
    assert addresses_in(value) == full_parser(value)


@given(st.text("ab@<>, .\"'()\t", max_size=20))
def test_odd_values_read_as_the_full_parser_reads_them(value: str) -> None:
    assert addresses_in(value) == full_parser(value)


def test_display_names_case_and_repeats() -> None:
    value = "Bob Jones <Bob@X.com>, bob@x.COM, carol@y.org"
    assert addresses_in(value) == ("bob@x.com", "carol@y.org")
    assert normalise('"Jones, Bob" <Bob@X.com>') == "bob@x.com"
    assert normalise("no address here") is None
    assert parse_addresses(["a@b.com, c@d.com", "A@B.com"]) == ["a@b.com", "c@d.com"]
