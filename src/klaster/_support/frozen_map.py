"""``FrozenMap``: a read-only, hashable mapping for the dict fields of frozen records."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V", bound=Hashable)


class FrozenMap(Mapping[K, V]):
    """A mapping that cannot change, so a frozen record holding one can be hashed.

    Equal to any mapping of the same items (a ``dict`` too); equal maps hash equal.

    Example:
        >>> units = FrozenMap({"73.03": "DiszpKrYNg8"})
        >>> units["73.03"], units == {"73.03": "DiszpKrYNg8"}
        ('DiszpKrYNg8', True)
        >>> hash(units) == hash(FrozenMap([("73.03", "DiszpKrYNg8")]))
        True
    """

    __slots__ = ("_hash", "_items")

    def __init__(self, items: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> None:
        self._items: dict[K, V] = dict(items)
        self._hash: int | None = None

    def __getitem__(self, key: K) -> V:
        return self._items[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._items.items()))
        return self._hash

    def __repr__(self) -> str:
        return f"FrozenMap({self._items!r})"
