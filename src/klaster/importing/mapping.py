"""The mapping file: which columns of a field-data export become which member fields and variables.

A mapping is a small TOML file (format version :data:`MAPPING_VERSION`, documented in
``docs/importing.md``) read and checked by :func:`klaster.importing.load_mapping` (see
:mod:`klaster.importing.mapping_file`) into the records of this module.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from attrs import field, frozen

from klaster.catalogue._recordcheck import to_tuple
from klaster.catalogue.variable import Level
from klaster.label import Label, LabelledEnum, labelled
from klaster.observations.rounds import RoundKind

__all__ = [
    "ACTIVITY_FIELDS",
    "APPLICANT_FIELDS",
    "MAPPING_VERSION",
    "MEMBER_FIELDS",
    "PARTICIPANT_FIELDS",
    "ROSTER_FIELDS",
    "VISIT_FIELDS",
    "Aggregate",
    "ColumnRule",
    "FormKind",
    "ImportMapping",
    "RepeatMapping",
    "RoundDeclaration",
]

MAPPING_VERSION = 1
"""The mapping format this klaster reads (the file's ``mapping_version``)."""

MEMBER_FIELDS = (
    "id",
    "name",
    "sex",
    "household_size",
    "village",
    "sector",
    "joined",
    "business_type",
    "left",
    "national_id",
    "phone",
    "birth_year",
    "group",
    "outside_area",
    "application_id",
)
"""Targets of a registration form: the :class:`~klaster.model.member.Member` fields, plus ``group``
(the *kelompok* the new member joins on the day they join). ``application_id`` enrols an
applicant of the program's intake: its ``enrolled`` decision is recorded with the member.
``outside_area`` is the reason for keeping a member whose village is outside its sector's area:
recorded as the cluster's :class:`~klaster.model.sector_areas.AreaOverride` (only for a member
outside the area; empty: such a row is refused, as without the column)."""

ACTIVITY_FIELDS = (
    "id",
    "kind",
    "title",
    "status",
    "planned_on",
    "held_on",
    "sector",
    "village",
    "venue",
    "organiser_ids",
    "facilitator_ids",
    "topics",
    "headcount",
    "milestone",
    "note",
    "outside_area",
)
"""Targets of an activity form: the :class:`~klaster.model.activity.Activity` fields (its
cluster is the mapping's ``[cluster]``; its participants come from a repeat group).
``outside_area`` is the reason for holding an activity whose village is outside its sector's area,
recorded as the cluster's :class:`~klaster.model.sector_areas.AreaOverride` (only for an activity
outside the area; empty: such a row is refused, as without the column)."""

VISIT_FIELDS = (
    "id",
    "facilitator_id",
    "on",
    "member_ids",
    "group_ids",
    "topics",
    "follow_up",
    "note",
)
"""Targets of a mentoring-visit form: the :class:`~klaster.model.mentoring.Visit` fields (its
cluster is the mapping's ``[cluster]``; members and groups visited may also come from a repeat)."""

APPLICANT_FIELDS = (
    "id",
    "name",
    "sex",
    "household_size",
    "village",
    "sector",
    "applied_on",
    "business_type",
    "national_id",
    "phone",
    "note",
)
"""Targets of a screening form: the :class:`~klaster.model.applicant.Applicant` fields (its
cluster is the mapping's ``[cluster]``; its screening answers are the form's ``[variables]``)."""

ROSTER_FIELDS = (
    *MEMBER_FIELDS[:-1],
    "group_name",
    "group_sector",
    "group_village",
    "group_formed",
    "group_capacity",
    "role",
    "group_joined",
    "group_left",
    "group_outside_area",
)
"""Targets of a roster (``form = "roster"``, :func:`~klaster.importing.read_roster`): one row
per member or per membership. The member fields of a registration (without
``application_id``), ``group`` (the *kelompok* ID) and the group's fields (``group_name``,
``group_sector``, ``group_village``, ``group_formed``, ``group_capacity``: used when the group is
new, compared when it is held), and the membership's (``role``, ``group_joined``,
``group_left``). ``outside_area`` and ``group_outside_area`` are the reasons for keeping a new
member or group outside its sector's area (recorded as
:class:`~klaster.model.sector_areas.AreaOverride`, only where needed)."""

PARTICIPANT_FIELDS = ("kind", "id", "attended", "role")
"""Targets of the participants repeat of an activity form (one row per participant:
:class:`~klaster.model.activity.Participant`); a visit form's repeat maps ``kind`` and ``id``."""


class FormKind(LabelledEnum):
    """What a form's submissions are (the mapping's ``form``)."""

    SURVEY = labelled("survey", "Survei", "Survey")
    """Observation values of existing members (groups, cooperatives) in one round."""
    REGISTRATION = labelled("registration", "Pendaftaran", "Registration")
    """New members (*mitra*), one per submission."""
    ACTIVITY = labelled("activity", "Kegiatan", "Activity")
    """Activities (a training, a meeting), one per submission; participants and attendance in a
    repeat group, one row per participant."""
    VISIT = labelled("visit", "Kunjungan pendampingan", "Mentoring visit")
    """Mentoring visits, one per submission: facilitator, day, members and groups visited."""
    SCREENING = labelled("screening", "Penyaringan calon mitra", "Screening")
    """Applicants (households asking to join) with their screening answers, one per submission."""
    ROSTER = labelled("roster", "Daftar mitra dan kelompok", "Roster")
    """A program's members, groups and memberships, one row per member or membership
    (:func:`~klaster.importing.read_roster`)."""


class Aggregate(LabelledEnum):
    """How the rows of a repeat group become one value of their parent submission."""

    SUM = labelled("sum", "Jumlah", "Sum")
    """Sum of the rows' numbers (0 when there are no rows)."""
    COUNT = labelled("count", "Banyaknya", "Count")
    """Number of rows (with ``column``: of rows answering it); 0 when there are none."""
    MAX = labelled("max", "Terbesar", "Largest")
    """Largest number (missing when there are no rows)."""
    MIN = labelled("min", "Terkecil", "Smallest")
    """Smallest number (missing when there are no rows)."""
    ANY = labelled("any", "Salah satu ya", "Any yes")
    """Whether any row answers yes (false when there are no rows)."""
    ALL = labelled("all", "Semua ya", "All yes")
    """Whether every row answers yes (missing when there are no rows)."""


def _frozen_map(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


@frozen
class ColumnRule:
    """How one target (a variable code or a member field) is read from a submission.

    Args:
        target: The variable code or member field.
        column: The column (Kobo/ODK name with its group path, e.g. ``"hh/pendapatan"``);
            ``None`` with ``value`` set.
        value: A fixed value for every row instead of a column (e.g. the sector).
        values: Answers to values (``{"ya": True}``, ``{"L": "male"}``); other answers are read
            as they are.
        scale: Multiplier of numbers (``1000`` for answers in *ribu* Rupiah).
        date_format: ``strptime`` format of dates that are not ISO (``"%d/%m/%Y"``).
        option: Select-multiple: the option whose choice is the (boolean) value.
        count: Select-multiple: the value is the number of options chosen.
        aggregate: In a repeat group: how its rows become one value.
        missing: Answers that mean "not recorded" besides an empty cell (``["n/a", "-99"]``).
        where: The key path in the mapping file, for messages.
    """

    target: str
    column: str | None = None
    value: object = None
    values: Mapping[str, object] = field(factory=dict, converter=_frozen_map, hash=False)
    scale: Decimal | None = None
    date_format: str | None = None
    option: str | None = None
    count: bool = False
    aggregate: Aggregate | None = None
    missing: tuple[str, ...] = field(default=(), converter=to_tuple)
    where: str = ""


@frozen
class RepeatMapping:
    """A repeat group: its own sheet (XLSX) or file (CSV), joined to the main submissions.

    Args:
        name: The repeat's name in the mapping (messages, default sheet name).
        sheet: The XLSX sheet holding its rows (default: ``name``).
        file: For CSV exports, the file holding its rows, relative to the main file's folder.
        parent_column: Its column naming the parent row (default ``_parent_index`` for Kobo,
            ``PARENT_KEY`` for ODK).
        parent_key: The main sheet's column it refers to (default ``_index`` or ``KEY``).
        unit: Instead of aggregating: the column with the unit each row describes.
        level: With ``unit``: the level of those units (default member).
        variables: The variables it feeds.
        fields: Activity and visit forms: the participant fields of each row
            (:data:`PARTICIPANT_FIELDS`).
        where: The key path in the mapping file.
    """

    name: str
    sheet: str | None = None
    file: str | None = None
    parent_column: str | None = None
    parent_key: str | None = None
    unit: str | None = None
    level: Level = Level.MEMBER
    variables: tuple[ColumnRule, ...] = field(default=(), converter=to_tuple)
    fields: tuple[ColumnRule, ...] = field(default=(), converter=to_tuple)
    where: str = ""


@frozen
class RoundDeclaration:
    """The round a survey's values belong to: an existing round, or one the mapping declares.

    Args:
        id: The round ID; ``{cluster}`` in it is replaced by each row's cluster, so one mapping
            serves a form filled in many clusters.
        kind: For a declared round: its :class:`~klaster.observations.rounds.RoundKind`.
        on: For a declared round: its date.
        cluster_id: For a declared round: its cluster (default: the mapping's cluster).
        label: Optional title for reports.
        note: Free text.
    """

    id: str
    kind: RoundKind | None = None
    on: _dt.date | None = None
    cluster_id: str | None = None
    label: Label | None = None
    note: str | None = None

    @property
    def declared(self) -> bool:
        """Whether the mapping declares the round (kind and date given)."""
        return self.kind is not None


@frozen
class ImportMapping:
    """A checked mapping file (see ``docs/importing.md`` for the format).

    Args:
        name: The mapping file's name, for messages.
        form: :class:`FormKind`.
        level: A survey's unit level (member, group or cooperative).
        unit: A survey's column holding the unit ID.
        submission: The submission-ID column (``None``: the first of ``_uuid``,
            ``meta/instanceID``, ``instanceID``, ``KEY``); ``"@unit"``: no such column, a row's
            ID is its round and unit (plain CSV).
        cluster_id: The fixed cluster.
        cluster_column: The column naming each row's cluster.
        round: A survey's round.
        delimiter: The CSV delimiter (``None``: detected from the header).
        decimal_comma: Numbers are written ``12,5``.
        sheet: The XLSX sheet of the main rows (default: the first).
        max_rows: Refuse files with more data rows than this.
        max_unpacked_mb: Refuse XLSX files whose sheets unpack to more MB than this (default
            256).
        fields: A registration's member fields; an activity's or a visit's fields.
        variables: A survey's variables read from the main rows.
        repeats: Repeat groups.
    """

    name: str
    form: FormKind
    level: Level = Level.MEMBER
    unit: str | None = None
    submission: str | None = None
    cluster_id: str | None = None
    cluster_column: str | None = None
    round: RoundDeclaration | None = None
    delimiter: str | None = None
    decimal_comma: bool = False
    sheet: str | None = None
    max_rows: int | None = None
    max_unpacked_mb: int | None = None
    fields: tuple[ColumnRule, ...] = field(default=(), converter=to_tuple)
    variables: tuple[ColumnRule, ...] = field(default=(), converter=to_tuple)
    repeats: tuple[RepeatMapping, ...] = field(default=(), converter=to_tuple)

    def variable_codes(self) -> tuple[str, ...]:
        """Every variable the mapping feeds, main rows first, then each repeat's."""
        codes = [rule.target for rule in self.variables]
        for repeat in self.repeats:
            codes += [rule.target for rule in repeat.variables]
        return tuple(codes)
