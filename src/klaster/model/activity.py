"""Activities: the dated events of a program's working life and who took part.

An :class:`Activity` is a socialisation, a workshop, a training, a group meeting (where members
recite the *Ikrar Mitra*), a field visit or a ceremony: planned, then held, cancelled or
postponed. Its :class:`Participant` records name members, groups, cooperative boards and
outside people (officials by role, never as beneficiaries), with attendance once it was held.
Routine mentoring visits (*pendampingan*) are the mentoring log's
(:mod:`klaster.model.mentoring`), not activities. The kinds are data
(:mod:`klaster.model.activity_kinds`); sector plugins add their own.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
from collections.abc import Iterable
from typing import Any

import attrs
from attrs import field, frozen

from klaster._support.validate import (
    check_code,
    check_enum,
    check_id,
    check_optional_date,
    check_optional_id,
    check_optional_text,
    check_text,
    check_texts,
    check_unique_ids,
    enum_value,
    optional_int_at_least,
    require_code,
    to_optional_date,
    to_str_tuple,
)
from klaster.errors import KlasterError, ValidationError
from klaster.label import LabelledEnum, labelled

__all__ = ["Activity", "ActivityStatus", "Participant", "ParticipantKind"]


class ActivityStatus(LabelledEnum):
    """Where an activity stands."""

    PLANNED = labelled("planned", "Direncanakan", "Planned")
    """Direncanakan: has a planned date, not held yet."""
    HELD = labelled("held", "Terlaksana", "Held")
    """Terlaksana: took place on ``held_on``; only a held activity has attendance."""
    CANCELLED = labelled("cancelled", "Dibatalkan", "Cancelled")
    """Dibatalkan: will not take place."""
    POSTPONED = labelled("postponed", "Ditunda", "Postponed")
    """Ditunda: put off; ``planned_on`` is the new date if one is known."""


class ParticipantKind(LabelledEnum):
    """Who a participant is."""

    MEMBER = labelled("member", "Mitra", "Member")
    """A member (*mitra*) of the activity's cluster."""
    GROUP = labelled("group", "Kelompok", "Group")
    """A group (*kelompok*) of the cluster, taking part as a whole."""
    BOARD = labelled("board", "Pengurus koperasi", "Cooperative board")
    """The board (*pengurus*) of a cooperative of the cluster; the ID is the cooperative's."""
    PERSON = labelled("person", "Pihak luar", "Outside person")
    """A person of the program's ``people``: an official, a trainer, staff."""


def _to_status(value: ActivityStatus | str) -> ActivityStatus:
    return enum_value(ActivityStatus, value)


def _to_participant_kind(value: ParticipantKind | str) -> ParticipantKind:
    return enum_value(ParticipantKind, value)


def _check_attended(_inst: object, attribute: Any, value: Any) -> None:
    if value is not None and not isinstance(value, bool):
        raise ValidationError(
            f"must be true, false or nothing (not recorded), got {type(value).__name__}",
            path=attribute.name,
        )


@frozen
class Participant:
    """Someone invited to or taking part in an activity.

    Args:
        kind: :class:`ParticipantKind`.
        id: The member's, group's, cooperative's (for its board) or person's ID.
        attended: Whether they attended; ``None`` while not recorded (and always before the
            activity is held).
        role: What they did there (``"opened the workshop"``, ``"panelist"``).
    """

    kind: ParticipantKind = field(
        converter=_to_participant_kind, validator=check_enum(ParticipantKind)
    )
    id: str = field(validator=check_id)
    attended: bool | None = field(default=None, validator=_check_attended)
    role: str | None = field(default=None, validator=check_optional_text)


def _to_participants(value: Iterable[Participant]) -> tuple[Participant, ...]:
    return tuple(value)


def _check_participants(_inst: object, attribute: Any, value: tuple[Participant, ...]) -> None:
    seen: dict[tuple[ParticipantKind, str], int] = {}
    for index, item in enumerate(value):
        where = f"{attribute.name}[{index}]"
        if not isinstance(item, Participant):
            raise ValidationError(f"must be a Participant, got {type(item).__name__}", path=where)
        first = seen.setdefault((item.kind, item.id), index)
        if first != index:
            raise ValidationError(
                f"{item.kind.value} {item.id!r} is listed twice (also participants[{first}])",
                path=where,
            )


def _check_optional_code(_inst: object, attribute: Any, value: str | None) -> None:
    if value is not None:
        require_code(value, attribute.name)


@frozen
class Activity:
    """A dated event of the program: planned, held, cancelled or postponed.

    Args:
        id: Stable ID, unique in the program (``"lebak-workshop-pemandirian"``).
        kind: Code of an activity kind (``"workshop"``, ``"training"``; see
            :func:`~klaster.model.activity_kinds.activity_kinds`).
        title: What it was (``"Workshop Pemandirian Klaster Mandiri Blora"``).
        status: :class:`ActivityStatus`.
        cluster_id: The cluster it belongs to; ``None`` for a program-wide activity (the
            poverty-map study).
        planned_on: The planned date, if there was one.
        held_on: The date it took place; required when held, absent otherwise.
        sector: A sector code of the cluster when the activity is for one sector.
        village: The desa it took place in (name or Kemendagri code of a desa of the cluster).
        venue: Where (``"Pendopo Kabupaten Lebak"``).
        organiser_ids: Organisations of the program that organised it.
        facilitator_ids: People of the program who facilitated or trained.
        topics: What was covered.
        participants: Who was invited or took part.
        headcount: The number of attendees reported, when they are not all listed (``140``).
        milestone: The milestone it realises: a phase value (``"independence"``: the workshop
            that decided that lifecycle move) or a milestone code (``"handover"``).
        note: Free text.

    Example:
        >>> import datetime
        >>> a = Activity("blora-wp", "workshop", "Workshop Pemandirian", "held",
        ...              cluster_id="blora", held_on=datetime.date(2014, 2, 18), headcount=140)
        >>> a.happened
        True
    """

    id: str = field(validator=check_id)
    kind: str = field(validator=check_code)
    title: str = field(validator=check_text)
    status: ActivityStatus = field(converter=_to_status, validator=check_enum(ActivityStatus))
    cluster_id: str | None = field(default=None, validator=check_optional_id)
    planned_on: _dt.date | None = field(
        default=None, converter=to_optional_date, validator=check_optional_date
    )
    held_on: _dt.date | None = field(
        default=None, converter=to_optional_date, validator=check_optional_date
    )
    sector: str | None = field(default=None, validator=_check_optional_code)
    village: str | None = field(default=None, validator=check_optional_text)
    venue: str | None = field(default=None, validator=check_optional_text)
    organiser_ids: tuple[str, ...] = field(
        default=(), converter=to_str_tuple, validator=check_unique_ids
    )
    facilitator_ids: tuple[str, ...] = field(
        default=(), converter=to_str_tuple, validator=check_unique_ids
    )
    topics: tuple[str, ...] = field(default=(), converter=to_str_tuple, validator=check_texts)
    participants: tuple[Participant, ...] = field(
        default=(), converter=_to_participants, validator=_check_participants
    )
    headcount: int | None = field(default=None, validator=optional_int_at_least(0))
    milestone: str | None = field(default=None, validator=_check_optional_code)
    note: str | None = field(default=None, validator=check_optional_text)

    def __attrs_post_init__(self) -> None:
        held = self.status is ActivityStatus.HELD
        if held and self.held_on is None:
            raise ValidationError(
                "a held activity has the date it took place (held_on)", path="held_on"
            )
        if not held and self.held_on is not None:
            raise ValidationError(
                f"a {self.status.value} activity has no held_on date; set status 'held' if "
                "it took place",
                path="held_on",
            )
        if self.status is ActivityStatus.PLANNED and self.planned_on is None:
            raise ValidationError("a planned activity has a planned_on date", path="planned_on")
        if held:
            return
        if self.headcount is not None:
            raise ValidationError(
                f"a {self.status.value} activity did not happen: no headcount", path="headcount"
            )
        for index, participant in enumerate(self.participants):
            if participant.attended is not None:
                raise ValidationError(
                    f"attendance recorded for a {self.status.value} activity that did not "
                    "happen; record attendance once it is held",
                    path=f"participants[{index}].attended",
                )

    @property
    def happened(self) -> bool:
        """Whether it was held."""
        return self.status is ActivityStatus.HELD

    @property
    def date(self) -> _dt.date | None:
        """The date it took place if held, else the planned date."""
        return self.held_on if self.held_on is not None else self.planned_on

    def with_attendance(self, attendance: Iterable[Participant]) -> tuple[Participant, ...]:
        """The participants once ``attendance`` is recorded (what :meth:`Fieldwork.hold` keeps).

        The invited participants are kept in their order; one of ``attendance`` replaces the
        invited one of the same kind and ID, the others are added after them.

        Example:
            >>> import datetime
            >>> invited = [Participant("member", "M-1"), Participant("member", "M-2")]
            >>> a = Activity("lat-1", "training", "Pelatihan", "planned",
            ...              planned_on=datetime.date(2013, 5, 14), participants=invited)
            >>> came = [Participant("member", "M-2", True), Participant("member", "M-3", True)]
            >>> [(p.id, p.attended) for p in a.with_attendance(came)]
            [('M-1', None), ('M-2', True), ('M-3', True)]
        """
        merged = {(p.kind, p.id): p for p in self.participants}
        for participant in attendance:
            merged[(participant.kind, participant.id)] = participant
        return tuple(merged.values())

    def held_as(self, record: Activity) -> Activity:
        """This activity once ``record`` (the same activity, imported) says it was held.

        How an import of a form's attendance meets an activity the program holds: a planned or
        postponed one becomes held as ``record`` says, merged as :meth:`Fieldwork.hold` merges
        (the invited participants kept, ``record``'s replacing those of the same kind and ID,
        the others added) and every field ``record`` gives (not empty) winning over this one's.
        When that changes nothing (the same import again) this activity is returned as it is.

        Raises:
            ValidationError: Anything else (at ``id``): ``record`` is not held, or this activity
                is held or cancelled and ``record`` would change it.
        """
        if not isinstance(record, Activity) or record.id != self.id:
            raise ValidationError(f"must be activity {self.id!r} again", path="id")
        given = {
            f.name: getattr(record, f.name)
            for f in attrs.fields(Activity)
            if f.name not in ("id", "participants") and getattr(record, f.name) not in (None, ())
        }
        merged = None
        with contextlib.suppress(KlasterError):  # (held_on with a planned status): refused below
            merged = attrs.evolve(
                self, **given, participants=self.with_attendance(record.participants)
            )
        if merged == self:
            return self
        open_ = self.status in (ActivityStatus.PLANNED, ActivityStatus.POSTPONED)
        if merged is not None and open_ and record.status is ActivityStatus.HELD:
            return merged
        raise ValidationError(
            f"activity {self.id!r} is already in the program ({self.status.value}) with other "
            "values; an import only records that a planned or postponed activity was held "
            "(change this one with Fieldwork.update_activity)",
            path="id",
        )

    def attendees(self) -> tuple[Participant, ...]:
        """The participants recorded as attending."""
        return tuple(p for p in self.participants if p.attended)

    def attendance_count(self) -> int | None:
        """Attendees listed (or the reported headcount if larger); ``None`` before it is held."""
        if not self.happened:
            return None
        listed = sum(1 for p in self.participants if p.attended)
        return max(listed, self.headcount or 0)
