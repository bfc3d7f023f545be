"""A read-only, ID-keyed collection of records, as ``cluster.members`` returns."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Generic, Protocol, TypeVar

from klaster.errors import DuplicateIdError, NotFoundError, ValidationError

__all__ = ["Records"]

# Internal interface for the owner of a Records (Cluster, Program): ``put_record`` and
# ``drop_record`` below. Records is read-only to everyone else; the owner validates in context
# first, then calls these.


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


R = TypeVar("R", bound=_HasId)

_SHOWN_IDS = 5


class Records(Generic[R]):
    """Records of one kind keyed by ID, in insertion order; iterating yields the records.

    ``records["M-1"]`` looks up by ID (raising :class:`~klaster.errors.NotFoundError` that names
    some IDs that do exist), ``"M-1" in records`` tests an ID, ``len(records)`` counts. The owner
    (a cluster or program) changes it through its own methods, which validate first.

    Example:
        >>> from klaster import Organisation
        >>> orgs = Records("organisations", [Organisation("dd", "Dompet Dhuafa", "ngo")])
        >>> orgs["dd"].name
        'Dompet Dhuafa'
        >>> [o.id for o in orgs]
        ['dd']
    """

    __slots__ = ("_by_id", "_kind", "_positions")

    def __init__(self, kind: str, records: Iterable[R] = ()) -> None:
        if not isinstance(kind, str):  # Records([a, b]) would otherwise be silently empty
            raise ValidationError(
                f"Records takes the kind first (e.g. Records('members', [...])), "
                f"got {type(kind).__name__}",
                path="kind",
            )
        self._kind = kind
        self._positions: dict[str, int] | None = None  # index_of's map, built on first use
        items = records if isinstance(records, list | tuple) else list(records)
        try:  # the usual case, in one pass: every record has an ID and no ID repeats
            by_id = {record.id: record for record in items}
        except Exception:  # the loop below raises what it always did
            by_id = {}
        if len(by_id) == len(items):
            self._by_id: dict[str, R] = by_id
            return
        self._by_id = {}
        for index, record in enumerate(items):
            if record.id in self._by_id:
                raise DuplicateIdError(
                    f"duplicate ID {record.id!r}: IDs must be unique among {kind}",
                    path=f"{kind}[{index}].id",
                )
            self._by_id[record.id] = record

    def __iter__(self) -> Iterator[R]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, key: object) -> bool:
        return key in self._by_id

    def __getitem__(self, key: str) -> R:
        try:
            return self._by_id[key]
        except KeyError:
            raise NotFoundError(f"no {self._kind} with ID {key!r}; {self._known()}") from None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Records):
            return NotImplemented
        return list(self._by_id.items()) == list(other._by_id.items())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Records of {len(self)} {self._kind}>"

    def get(self, key: str) -> R | None:
        """The record with ID ``key``, or ``None``."""
        return self._by_id.get(key)

    def as_mapping(self) -> Mapping[str, R]:
        """A read-only live view, ID to record: a plain mapping for code that looks up millions.

        Example:
            >>> import klaster
            >>> org = klaster.Organisation("dd", "Dompet Dhuafa", "ngo")
            >>> klaster.Records("organisations", [org]).as_mapping().get("dd") is org
            True
        """
        return MappingProxyType(self._by_id)

    def ids(self) -> tuple[str, ...]:
        """All IDs, in insertion order."""
        return tuple(self._by_id)

    def index_of(self, key: str) -> int:
        """Position of the record with ID ``key`` (used to locate errors)."""
        # Replays locate every record in turn: a map kept until the IDs change, not a scan.
        if self._positions is None or len(self._positions) != len(self._by_id):
            self._positions = {found: index for index, found in enumerate(self._by_id)}
        index = self._positions.get(key)
        if index is None:
            raise NotFoundError(f"no {self._kind} with ID {key!r}; {self._known()}")
        return index

    def _known(self) -> str:
        ids = list(self._by_id)
        if not ids:
            return f"there are no {self._kind} yet"
        shown = ", ".join(repr(i) for i in ids[:_SHOWN_IDS])
        more = f" and {len(ids) - _SHOWN_IDS} more" if len(ids) > _SHOWN_IDS else ""
        return f"known: {shown}{more}"


def put_record(records: Records[R], record: R) -> None:
    """Add or replace ``record`` under its ID (internal: only the owner, after validating)."""
    records._by_id[record.id] = record


def put_records(records: Records[R], ids: Iterable[str], items: Iterable[R]) -> None:
    """Add or replace ``items`` under ``ids``, their IDs in order (internal: the bulk paths)."""
    records._by_id.update(zip(ids, items, strict=True))


def drop_record(records: Records[R], key: str) -> None:
    """Remove the record with ID ``key`` (internal: only the owner, to undo a refused add)."""
    del records._by_id[key]
    records._positions = None
