"""Values made once per live object and shared by everyone who asks for the same object."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class PerObject(Generic[K, V]):
    """``made(obj)`` remembered per object, found by identity (configurations and packs are
    unhashable, and hashing one would cost more than the look-up saves).

    The object is kept beside its value, so an id reused by a new object is never mistaken
    for the old one. At most ``size`` objects are kept: a process that loads many (a server,
    a test run) stays flat.
    """

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._kept: dict[int, tuple[K, V]] = {}

    def get(self, obj: K, made: Callable[[K], V]) -> V:
        """The value for ``obj``, made the first time it is asked for."""
        kept = self._kept.get(id(obj))
        if kept is None or kept[0] is not obj:
            if len(self._kept) >= self.size:
                self._kept.clear()
            kept = self._kept[id(obj)] = (obj, made(obj))
        return kept[1]
