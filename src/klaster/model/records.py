"""A read-only, ID-keyed collection of records, as ``cluster.members`` returns."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Generic, Protocol, TypeVar

from klaster.errors import DuplicateIdError, NotFoundError, ValidationError

__all__ = ["Records"]

# Internal interface for the owner of a Records (Cluster, Program): ``put_record`` and
# ``drop_record`` below. Records is read-only to everyone else; the owner validates in context
# first, then calls these. A loader that checked whole columns may leave the records to be built
# on first need (``put_columns``): a report that reads the columns (``columns_of``) then never
# builds a million records.


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

    __slots__ = ("_by_id", "_columns", "_ids", "_kind", "_pending", "_positions")

    def __init__(self, kind: str, records: Iterable[R] = ()) -> None:
        if not isinstance(kind, str):  # Records([a, b]) would otherwise be silently empty
            raise ValidationError(
                f"Records takes the kind first (e.g. Records('members', [...])), "
                f"got {type(kind).__name__}",
                path="kind",
            )
        self._kind = kind
        self._positions: dict[str, int] | None = None  # index_of's map, built on first use
        # Records checked as columns and not built yet: the IDs are the keys (values None)
        # until ``_ready`` builds them; the columns stay until then.
        self._pending: Callable[[], Sequence[R]] | None = None
        self._columns: Mapping[str, Sequence[Any]] | None = None
        # A loader's IDs whose map (``_by_id``) is not made yet: a million keys cost a tenth of
        # a second, and a report that reads the columns never looks one up.
        self._ids: Sequence[str] | None = None
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

    def _keyed(self) -> dict[str, Any]:
        """The map by ID (values ``None`` while pending), made first if a loader left only IDs."""
        ids = self._ids
        if ids is not None:
            self._by_id = dict.fromkeys(ids)  # type: ignore[assignment]
            self._ids = None
        return self._by_id

    def _ready(self) -> dict[str, R]:
        """The records by ID, built first if a loader left them as columns."""
        build = self._pending
        if build is not None:
            built = build()
            ids = self._ids
            self._by_id = dict(zip(self._by_id if ids is None else ids, built, strict=True))
            self._ids = None
            # Built: the records hold the values, so the columns' lists go (no second copy).
            self._pending = self._columns = None
        return self._by_id

    def __iter__(self) -> Iterator[R]:
        return iter(self._ready().values())

    def __len__(self) -> int:
        ids = self._ids
        return len(self._by_id) if ids is None else len(ids)

    def __contains__(self, key: object) -> bool:
        return key in self._keyed()

    def __getitem__(self, key: str) -> R:
        try:
            return self._ready()[key]
        except KeyError:
            raise NotFoundError(f"no {self._kind} with ID {key!r}; {self._known()}") from None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Records):
            return NotImplemented
        return list(self._ready().items()) == list(other._ready().items())

    __hash__ = None  # type: ignore[assignment]

    def __getstate__(self) -> dict[str, Any]:
        # Pickled and copied built: the pending builder is a closure over the loader's columns.
        self._ready()
        return {name: getattr(self, name) for name in self.__slots__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return f"<Records of {len(self)} {self._kind}>"

    def get(self, key: str) -> R | None:
        """The record with ID ``key``, or ``None``."""
        return self._ready().get(key)

    def as_mapping(self) -> Mapping[str, R]:
        """A read-only live view, ID to record: a plain mapping for code that looks up millions.

        Example:
            >>> import klaster
            >>> org = klaster.Organisation("dd", "Dompet Dhuafa", "ngo")
            >>> klaster.Records("organisations", [org]).as_mapping().get("dd") is org
            True
        """
        return MappingProxyType(self._ready())

    def ids(self) -> tuple[str, ...]:
        """All IDs, in insertion order."""
        ids = self._ids
        return tuple(self._by_id if ids is None else ids)

    def index_of(self, key: str) -> int:
        """Position of the record with ID ``key`` (used to locate errors)."""
        # Replays locate every record in turn: a map kept until the IDs change, not a scan.
        keyed = self._keyed()
        if self._positions is None or len(self._positions) != len(keyed):
            self._positions = {found: index for index, found in enumerate(keyed)}
        index = self._positions.get(key)
        if index is None:
            raise NotFoundError(f"no {self._kind} with ID {key!r}; {self._known()}")
        return index

    def _known(self) -> str:
        ids = list(self.ids())
        if not ids:
            return f"there are no {self._kind} yet"
        shown = ", ".join(repr(i) for i in ids[:_SHOWN_IDS])
        more = f" and {len(ids) - _SHOWN_IDS} more" if len(ids) > _SHOWN_IDS else ""
        return f"known: {shown}{more}"


def put_record(records: Records[R], record: R) -> None:
    """Add or replace ``record`` under its ID (internal: only the owner, after validating)."""
    records._ready()[record.id] = record
    records._columns = None


def put_records(records: Records[R], ids: Iterable[str], items: Iterable[R]) -> None:
    """Add or replace ``items`` under ``ids``, their IDs in order (internal: the bulk paths)."""
    records._ready().update(zip(ids, items, strict=True))
    records._columns = None


def put_columns(
    records: Records[R],
    ids: Sequence[str],
    columns: Mapping[str, Sequence[Any]],
    build: Callable[[], Sequence[R]],
) -> None:
    """Fill empty ``records`` with records checked as columns, built on first need (internal).

    Args:
        records: Empty records (a loader's new cluster).
        ids: The records' IDs, in order, distinct.
        columns: The checked columns of the records (a field name to one value per record,
            in order), readable through :func:`columns_of` until the records are built.
        build: Builds the records, in order, when something first reads one.
    """
    if len(records) or records._pending is not None:
        raise ValueError("put_columns fills empty records only")
    records._by_id = {}
    records._ids = ids  # (their map made on first look-up by ID)
    records._columns = columns
    records._pending = build
    records._positions = None


def columns_of(records: Records[R]) -> Mapping[str, Sequence[Any]] | None:
    """The loader's columns of ``records`` (internal: the fast paths), if they still hold.

    ``None`` once the records were built (something read one, or a record was added, replaced
    or removed), or when they were never given as columns: then read the records.
    """
    return records._columns


def clear_records(records: Records[R]) -> None:
    """Remove every record, built or not (internal: a loader undoing a refused fill)."""
    records._by_id = {}
    records._ids = None
    records._pending = None
    records._columns = None
    records._positions = None


def field_of(records: Records[Any], name: str) -> Sequence[Any]:
    """Field ``name`` of every record, in order: the loader's column when it still holds.

    Internal: for checks and fast paths that read one field of a million records without
    building them (``name`` must be a field of the records).
    """
    columns = records._columns
    if columns is not None:
        return columns[name]
    return [getattr(record, name) for record in records]


def fields_of(parts: Iterable[Records[Any]], name: str) -> list[Any]:
    """Field ``name`` of every record of ``parts``, end to end (internal, as :func:`field_of`).

    ``parts``: a program's clusters' members or groups; each part's loader column is read when
    it still holds, so a million records are not built for one field.
    """
    return list(itertools.chain.from_iterable(field_of(records, name) for records in parts))


def drop_record(records: Records[R], key: str) -> None:
    """Remove the record with ID ``key`` (internal: only the owner, to undo a refused add)."""
    del records._ready()[key]
    records._positions = None
    records._columns = None
