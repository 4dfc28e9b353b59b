"""Addresses in headers and logs: the fast readings agree with the full RFC 5322 parser."""

from __future__ import annotations

from email.utils import getaddresses

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from whynolog.engine.read.addresses import (
    SeveralAddressesError,
    addresses_in,
    normalise,
    parse_addresses,
    strict_addresses_in,
)


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


@example('<>""@>')  # a quoted local part before a stray ">": no address
@given(st.text("ab@<>, .\"'()\t", max_size=20).filter(lambda v: v.count("@") < 2))
def test_odd_values_with_one_at_read_as_the_full_parser_reads_them(value: str) -> None:
    found = addresses_in(value)
    assert set(found) <= set(full_parser(value)) | {a.replace('"', "") for a in found}


@example('<>""@>')
@given(st.text("ab@<>, .\"'()\t:;[]\\=?", max_size=40))
def test_any_text_reads_as_plausible_addresses(value: str) -> None:
    for address in addresses_in(value):
        local, at, domain = address.rpartition("@")
        assert at and local and domain
        assert not set(domain) & set(':;<>()[],"\\ ')


@given(_ADDRESS, _ADDRESS, st.sampled_from(["{} <{}>", '"{}" <{}>', "{}<{}>", "'{}' <{}>"]))
def test_a_display_name_is_never_an_address(name: str, address: str, form: str) -> None:
    value = form.format(name, address)
    assert addresses_in(value) == (address.lower(),)
    assert strict_addresses_in(value) == (address.lower(),)


@given(st.lists(_ADDRESS, min_size=2, max_size=4, unique_by=str.lower), st.sampled_from(" \t"))
def test_several_addresses_without_a_comma_are_named(found: list[str], space: str) -> None:
    value = space.join(found)
    assert addresses_in(value) == tuple(a.lower() for a in found)
    with pytest.raises(SeveralAddressesError) as error:
        strict_addresses_in(value)
    assert error.value.addresses == tuple(a.lower() for a in found)
    for address in found:
        assert address.lower() in str(error.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("purchasing@a.com <do-not-reply@b.gov>", ("do-not-reply@b.gov",)),
        ('"purchasing@a.com" <do-not-reply@b.gov>', ("do-not-reply@b.gov",)),
        ("eve@x.com <frank@x.com>", ("frank@x.com",)),
        ("smith@gmail.com, Mikel@Lindsaar <r@gmail.com>", ("smith@gmail.com", "r@gmail.com")),
        ("Big Bug bb@bug.com", ("bb@bug.com",)),
        ("tyra3l@gmail.com (Ferenc Kovacs)", ("tyra3l@gmail.com",)),
        ("A Group:Chris <c@a.test>,joe@where.test;", ("c@a.test", "joe@where.test")),
        ("Undisclosed recipients:;", ()),
        ("<Undisclosed-Recipient:@mailman.enron.com;>", ()),
        ("John Doe <jdoe@machine(comment).  example>", ("jdoe@machine.example",)),
        ("jdoe@machine(comment). example", ("jdoe@machine.example",)),
        ("<@relay.net:a@x.com>", ("a@x.com",)),
        ("=?utf-8?q?a@b.com?= <c@d.com>", ("c@d.com",)),
        ('"Smith, Bob" <BOB@x.com>, c@d.com', ("bob@x.com", "c@d.com")),
        ("(((((a@b.com", ()),
    ],
)
def test_rfc_5322_forms(value: str, expected: tuple[str, ...]) -> None:
    assert addresses_in(value) == expected


def test_pathological_values_are_read_without_recursion() -> None:
    words = ", ".join(["=?utf-8?B?w6TDtsO8?= <a@b.com>"] * 5000)  # 135 KB of encoded words
    assert addresses_in(words) == ("a@b.com",)
    for junk in '(<>[",;:@':
        assert addresses_in(junk * 50_000 + "x@y.com") in ((), ("x@y.com",))


def test_display_names_case_and_repeats() -> None:
    value = "Bob Jones <Bob@X.com>, bob@x.COM, carol@y.org"
    assert addresses_in(value) == ("bob@x.com", "carol@y.org")
    assert normalise('"Jones, Bob" <Bob@X.com>') == "bob@x.com"
    assert normalise("no address here") is None
    assert parse_addresses(["a@b.com, c@d.com", "A@B.com"]) == ["a@b.com", "c@d.com"]
