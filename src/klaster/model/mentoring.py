"""The mentoring log (*pendampingan*): visits by field facilitators to members and groups.

A :class:`Visit` is one facilitator's visit on one day to members and/or groups of a cluster,
with the topics and the follow-up actions agreed. A program may log millions of visits, so the
:class:`MentoringLog` keeps them in columns and builds :class:`Visit` records only when asked;
the measurement engines and the store read the columns (:meth:`MentoringLog.columns`, an
internal interface). Checks in context (the facilitator's assignment, members of the cluster, no
future dates) are :class:`~klaster.model.fieldwork.Fieldwork`'s.
"""

from __future__ import annotations

import datetime as _dt
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, MutableSequence, Sequence

from attrs import define, field, frozen

from klaster._support.validate import (
    check_date,
    check_id,
    check_optional_text,
    check_texts,
    check_unique_ids,
    require_id,
    to_date,
    to_str_tuple,
)
from klaster.errors import DuplicateIdError, NotFoundError, ValidationError

__all__ = ["MentoringLog", "Visit", "VisitColumns"]


@frozen
class Visit:
    """A facilitator's mentoring visit (*kunjungan pendampingan*).

    Args:
        id: Stable ID, unique in the program.
        cluster_id: The cluster visited.
        facilitator_id: The :class:`~klaster.model.people.Person` who visited; they must be
            assigned to the cluster on ``on``.
        on: The day of the visit (not in the future).
        member_ids: Members visited individually.
        group_ids: Groups visited (a group visit counts for each member in the group that day).
        topics: What was discussed (``"pembukuan"``, ``"pemasaran"``).
        follow_up: Actions agreed.
        note: Free text.

    Example:
        >>> import datetime
        >>> v = Visit("v-1", "lebak", "pd-1", datetime.date(2012, 3, 5), group_ids=["G-01"])
        >>> v.group_ids
        ('G-01',)
    """

    id: str = field(validator=check_id)
    cluster_id: str = field(validator=check_id)
    facilitator_id: str = field(validator=check_id)
    on: _dt.date = field(converter=to_date, validator=check_date)
    member_ids: tuple[str, ...] = field(
        default=(), converter=to_str_tuple, validator=check_unique_ids
    )
    group_ids: tuple[str, ...] = field(
        default=(), converter=to_str_tuple, validator=check_unique_ids
    )
    topics: tuple[str, ...] = field(default=(), converter=to_str_tuple, validator=check_texts)
    follow_up: tuple[str, ...] = field(default=(), converter=to_str_tuple, validator=check_texts)
    note: str | None = field(default=None, validator=check_optional_text)

    def __attrs_post_init__(self) -> None:
        if not self.member_ids and not self.group_ids:
            raise ValidationError(
                "a visit is to at least one member or group (member_ids, group_ids)",
                path="member_ids",
            )


MEMBER = 0
"""Subject kind code of a member in :class:`VisitColumns`."""
GROUP = 1
"""Subject kind code of a group in :class:`VisitColumns`."""


@frozen
class VisitColumns:
    """The log as columns (internal interface for the engines and the store).

    Visits are rows ``0..n-1``; subjects are rows of their own pointing at their visit.

    Args:
        ids: Visit IDs.
        cluster_ids: Each visit's cluster.
        facilitator_ids: Each visit's facilitator.
        days: Each visit's date as a proleptic ordinal (:meth:`datetime.date.toordinal`).
        subject_visit: For each subject row, the row of its visit.
        subject_kind: :data:`MEMBER` or :data:`GROUP`.
        subject_ids: The member's or group's ID.
    """

    ids: list[str]
    cluster_ids: list[str]
    facilitator_ids: list[str]
    days: Sequence[int]
    subject_visit: Sequence[int]
    subject_kind: bytearray
    subject_ids: list[str]


@define(eq=False)
class MentoringLog:
    """The visits of a program, in columns; iterating yields :class:`Visit` records.

    Filled by :meth:`Fieldwork.log_visit <klaster.model.fieldwork.Fieldwork.log_visit>`,
    which checks each visit in context first.
    """

    _ids: list[str] = field(factory=list)
    _index: dict[str, int] = field(factory=dict)
    _clusters: list[str] = field(factory=list)
    _facilitators: list[str] = field(factory=list)
    # (array("i") columns; annotated as sequences: array is not generic before Python 3.12)
    _days: MutableSequence[int] = field(factory=lambda: array("i"))
    _subject_visit: MutableSequence[int] = field(factory=lambda: array("i"))
    _subject_kind: bytearray = field(factory=bytearray)
    _subject_ids: list[str] = field(factory=list)
    # Visit row → (topics, follow-up, note), only for visits that have any: most have none.
    _extra: dict[int, tuple[tuple[str, ...], tuple[str, ...], str | None]] = field(factory=dict)

    @classmethod
    def from_columns(
        cls,
        columns: VisitColumns,
        extras: dict[int, tuple[tuple[str, ...], tuple[str, ...], str | None]] | None = None,
    ) -> MentoringLog:
        """A log from columns in bulk (internal: the store's loading).

        Checks the shape and the IDs; the checks in context run when a program takes the log
        in (:meth:`Fieldwork.bind <klaster.model.fieldwork.Fieldwork.bind>`, column-wise).

        Raises:
            ValidationError: Columns of different lengths, a malformed or repeated visit ID,
                subjects out of visit order or of an unknown kind.
        """
        n = len(columns.ids)
        if not (len(columns.cluster_ids) == len(columns.facilitator_ids) == len(columns.days) == n):
            raise ValidationError("visit columns differ in length", path="visits")
        if not (
            len(columns.subject_visit) == len(columns.subject_kind) == len(columns.subject_ids)
        ):
            raise ValidationError("visit subject columns differ in length", path="visits")
        index: dict[str, int] = {}
        for row, visit_id in enumerate(columns.ids):
            require_id(visit_id, f"visits[{row}].id")
            if index.setdefault(visit_id, row) != row:
                raise DuplicateIdError(
                    f"duplicate ID {visit_id!r}: also visits[{index[visit_id]}]",
                    path=f"visits[{row}].id",
                )
        previous, seen = -1, set[tuple[int, str]]()
        subjects = zip(
            columns.subject_visit, columns.subject_kind, columns.subject_ids, strict=True
        )
        for row, kind, subject in subjects:
            if not max(previous, 0) <= row < n or kind not in (MEMBER, GROUP):
                raise ValidationError(
                    f"visit subject of row {row} (kind {kind}) is out of order or unknown",
                    path="visits",
                )
            if row != previous:  # a new visit: its subjects are checked for repeats alone
                previous, seen = row, set()
            if (kind, subject) in seen:
                what = "member_ids" if kind == MEMBER else "group_ids"
                raise ValidationError("lists an ID twice", path=f"visits[{row}].{what}")
            seen.add((kind, subject))
        for row, (topics, follow_up, _note) in (extras or {}).items():
            if not 0 <= row < n or not all(t.strip() for t in (*topics, *follow_up)):
                raise ValidationError(
                    "topics and follow-up are non-empty text of a logged visit",
                    path=f"visits[{row}].topics",
                )
        return cls(
            ids=list(columns.ids),
            index=index,
            clusters=list(columns.cluster_ids),
            facilitators=list(columns.facilitator_ids),
            days=array("i", columns.days),
            subject_visit=array("i", columns.subject_visit),
            subject_kind=bytearray(columns.subject_kind),
            subject_ids=list(columns.subject_ids),
            extra=dict(extras or {}),
        )

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, visit_id: object) -> bool:
        return visit_id in self._index

    def __iter__(self) -> Iterator[Visit]:
        subjects: list[list[tuple[int, str]]] = [[] for _ in self._ids]
        for row, kind, subject in zip(
            self._subject_visit, self._subject_kind, self._subject_ids, strict=True
        ):
            subjects[row].append((kind, subject))
        for row in range(len(self._ids)):
            yield self._visit(row, subjects[row])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MentoringLog):
            return NotImplemented
        return list(self) == list(other)

    def __getitem__(self, visit_id: str) -> Visit:
        row = self._index.get(visit_id)
        if row is None:
            raise NotFoundError(f"no visit {visit_id!r} in the mentoring log", path="visits")
        subjects = [
            (kind, subject)
            for r, kind, subject in zip(
                self._subject_visit, self._subject_kind, self._subject_ids, strict=True
            )
            if r == row
        ]
        return self._visit(row, subjects)

    def index_of(self, visit_id: str) -> int:
        """The row of a visit (its position in the log)."""
        return self._index[visit_id]

    def _visit(self, row: int, subjects: list[tuple[int, str]]) -> Visit:
        topics, follow_up, note = self._extra.get(row, ((), (), None))
        return Visit(
            id=self._ids[row],
            cluster_id=self._clusters[row],
            facilitator_id=self._facilitators[row],
            on=_dt.date.fromordinal(self._days[row]),
            member_ids=tuple(s for k, s in subjects if k == MEMBER),
            group_ids=tuple(s for k, s in subjects if k == GROUP),
            topics=topics,
            follow_up=follow_up,
            note=note,
        )

    def append(self, visit: Visit) -> None:
        """Append a visit already checked in context (internal: the owning ``Fieldwork``)."""
        if visit.id in self._index:
            raise DuplicateIdError(
                f"duplicate ID {visit.id!r}: a visit with that ID is already logged",
                path=f"visits[{len(self._ids)}].id",
            )
        row = len(self._ids)
        self._index[visit.id] = row
        self._ids.append(visit.id)
        self._clusters.append(visit.cluster_id)
        self._facilitators.append(visit.facilitator_id)
        self._days.append(visit.on.toordinal())
        for kind, ids in ((MEMBER, visit.member_ids), (GROUP, visit.group_ids)):
            for subject in ids:
                self._subject_visit.append(row)
                self._subject_kind.append(kind)
                self._subject_ids.append(subject)
        if visit.topics or visit.follow_up or visit.note is not None:
            self._extra[row] = (visit.topics, visit.follow_up, visit.note)

    def truncate(self, length: int) -> None:
        """Drop the visits from row ``length`` on (internal: undoing a refused batch)."""
        for visit_id in self._ids[length:]:
            del self._index[visit_id]
        del self._ids[length:], self._clusters[length:], self._facilitators[length:]
        del self._days[length:]
        keep = bisect_left(self._subject_visit, length)  # subjects are in visit order
        del self._subject_visit[keep:], self._subject_kind[keep:], self._subject_ids[keep:]
        for row in [r for r in self._extra if r >= length]:
            del self._extra[row]

    def columns(self) -> VisitColumns:
        """The log as columns (internal interface; the lists are the log's own: do not change)."""
        return VisitColumns(
            ids=self._ids,
            cluster_ids=self._clusters,
            facilitator_ids=self._facilitators,
            days=self._days,
            subject_visit=self._subject_visit,
            subject_kind=self._subject_kind,
            subject_ids=self._subject_ids,
        )

    def extras(self) -> dict[int, tuple[tuple[str, ...], tuple[str, ...], str | None]]:
        """Row → (topics, follow-up, note) of the visits that have any (internal; read only)."""
        return self._extra

    def of_cluster(self, cluster_id: str) -> Iterable[Visit]:
        """The visits to one cluster, in log order."""
        return (v for v in self if v.cluster_id == cluster_id)
