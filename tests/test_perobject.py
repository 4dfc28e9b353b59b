"""Values made once per live object: shared by identity, never confused, bounded."""

from __future__ import annotations

from whynolog.engine.base.perobject import PerObject


class Thing:
    """Unhashable, like a configuration."""

    __hash__ = None  # type: ignore[assignment]


def test_one_value_per_object_made_once() -> None:
    made: list[Thing] = []

    def make(thing: Thing) -> int:
        made.append(thing)
        return len(made)

    kept: PerObject[Thing, int] = PerObject()
    a, b = Thing(), Thing()
    assert (kept.get(a, make), kept.get(a, make), kept.get(b, make)) == (1, 1, 2)
    assert made == [a, b]  # the same object's value is not made again


def test_a_reused_id_is_a_new_object() -> None:
    kept: PerObject[Thing, str] = PerObject()
    first = Thing()
    kept.get(first, lambda _: "first")
    del first
    second = Thing()  # may well take the freed id
    assert kept.get(second, lambda _: "second") == "second"


def test_at_most_size_objects_are_kept() -> None:
    kept: PerObject[Thing, int] = PerObject(size=3)
    things = [Thing() for _ in range(10)]
    for thing in things:
        kept.get(thing, id)
        assert len(kept._kept) <= 3
    assert kept.get(things[-1], lambda _: -1) == id(things[-1])  # the newest is still kept
