"""What an import produces before anything is written: the contract between readers and the store.

A reader (Kobo/ODK CSV or XLSX, plain CSV, through a mapping file) turns a field-data file into
one :class:`ImportBatch`: the new members it registers, the observation values it records, and
the activities (with attendance) and mentoring visits it logs, already checked against the
program and the variable catalogue, plus the rows it rejected with their reasons. The store
applies a batch in one transaction (:meth:`klaster.store.Store.apply_import`), skipping
submissions whose ``_uuid`` it already holds, so importing the same file twice changes nothing.

Observation values travel column-wise (one sequence per variable), because a national program
imports millions of rows and per-row objects would cost more than the database writes.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence

from attrs import field, frozen

from klaster.catalogue._recordcheck import to_tuple
from klaster.errors import ImportDataError
from klaster.model.activity import Activity
from klaster.model.applicant import Applicant
from klaster.model.member import Member
from klaster.model.mentoring import Visit
from klaster.observations.rounds import Round

__all__ = [
    "ON_CONFLICT",
    "ImportBatch",
    "NewActivity",
    "NewApplicant",
    "NewMember",
    "NewVisit",
    "ObservationBlock",
    "Rejection",
    "SectorCheck",
    "check_on_conflict",
    "note_sector_check",
    "sector_check",
]

ON_CONFLICT = ("refuse", "replace")
"""What an import does with a second answer for a unit and round: refuse it (the default), or
keep the later one by ``_submission_time``."""


def check_on_conflict(value: object) -> str:
    """``value`` if it is one of :data:`ON_CONFLICT`.

    Raises:
        ImportDataError: It is not.
    """
    if not isinstance(value, str) or value not in ON_CONFLICT:
        raise ImportDataError(
            f"on_conflict must be 'refuse' (the default) or 'replace', got {value!r}"
        )
    return value


@frozen
class NewMember:
    """A member (*mitra*) registered by one submission.

    Attributes:
        submission: The submission's ``_uuid`` (or the mapping's ID column for plain CSV).
        cluster_id: The cluster the member joins.
        member: The checked member record.
        group_id: The group (*kelompok*) the member joins on ``member.joined``, if given.
        where: Where it came from, for messages (``registrasi.csv row 17``).
        outside_area: The reason for keeping the member outside its sector's area, recorded as
            the cluster's :class:`~klaster.model.sector_areas.AreaOverride` (``None``: the
            member is inside it, or refused if not).
    """

    submission: str
    cluster_id: str
    member: Member
    group_id: str | None = None
    where: str = ""
    outside_area: str | None = None


@frozen
class NewApplicant:
    """An applicant (a household asking to join) with its screening answers, from one submission.

    Attributes:
        submission: The submission's ID.
        applicant: The checked applicant record (its cluster, sector and village checked
            against the program).
        where: Where it came from, for messages (``screening.csv row 17``).
    """

    submission: str
    applicant: Applicant
    where: str = ""


@frozen
class NewActivity:
    """An activity (with its participants and attendance) recorded by one submission.

    Attributes:
        submission: The submission's ID.
        activity: The checked activity record (checked against the program too).
        where: Where it came from, for messages (``training.csv row 17``).
        outside_area: The reason to record for an activity held outside its sector's area
            (only when it is, and its cluster holds no override for it yet).
    """

    submission: str
    activity: Activity
    where: str = ""
    outside_area: str | None = None


@frozen
class NewVisit:
    """A mentoring visit logged by one submission.

    Attributes:
        submission: The submission's ID.
        visit: The checked visit record (facilitator assigned on the day, members and groups of
            the cluster, not in the future).
        where: Where it came from, for messages (``visits.csv row 17``).
    """

    submission: str
    visit: Visit
    where: str = ""


@frozen
class ObservationBlock:
    """The observation values of one round, one row per submission, stored column-wise.

    Attributes:
        round_id: The survey round every row belongs to.
        submissions: One submission ID (``_uuid``) per row.
        unit_ids: One unit (member, group or cooperative) ID per row.
        rows: One source row number per row (1-based, as a spreadsheet shows it), for messages.
        values: Per variable code, one checked value per row (``None`` = missing).
        source: The file the rows came from, for messages.
        submitted: One ``_submission_time`` per row (UTC, ISO 8601; ``None`` = unknown), or
            empty when the export has none: how ``on_conflict="replace"`` orders answers.
        replaces: One replaced submission ID per row (Kobo's ``meta/deprecatedID`` of an
            edited submission; ``None`` = none), or empty.
    """

    round_id: str
    submissions: tuple[str, ...] = field(converter=to_tuple)
    unit_ids: tuple[str, ...] = field(converter=to_tuple)
    rows: tuple[int, ...] = field(converter=to_tuple)
    values: Mapping[str, Sequence[object]] = field(factory=dict)
    source: str = ""
    submitted: tuple[str | None, ...] = field(default=(), converter=to_tuple)
    replaces: tuple[str | None, ...] = field(default=(), converter=to_tuple)

    def __len__(self) -> int:
        return len(self.unit_ids)


@frozen
class Rejection:
    """A row an import refused, with every reason found.

    Attributes:
        source: The file (``survey.csv`` or ``survey.xlsx:hh_repeat``).
        row: The row number as a spreadsheet shows it (the header is row 1).
        reasons: Located reasons (``column 'hh/pendapatan': must be at least 0, got -5``).
        raw: The row as read, by column name, for the rejects file. It can hold personal
            data: it is written only to the rejects file the user asked for, never logged.
    """

    source: str
    row: int
    reasons: tuple[str, ...] = field(converter=to_tuple)
    raw: Mapping[str, str] = field(factory=dict, repr=False)


@frozen
class ImportBatch:
    """Everything one import would write, checked, and what it rejected.

    Attributes:
        source: The imported file's name.
        rounds: Rounds the mapping declares that the observations did not hold yet; the store
            adds them in the same transaction.
        members: New members, in file order.
        blocks: Observation values: one block per round and set of variables recorded (a unit's
            block holds only the variables of its sector(s)); a repeat group giving one row per
            unit has blocks of its own.
        activities: Activities of an activity form (one per submission), in file order.
        visits: Mentoring visits of a visit form (one per submission), in file order.
        applicants: Applicants of a screening form (one per submission), in file order.
        rejected: Rows refused (empty unless the import was asked to keep valid rows).
        skipped: Submissions left out because they were already imported (``known``).
        superseded: Submissions of the file left out because a later submission (by
            ``_submission_time``, with ``on_conflict="replace"``) or their edit in the same file
            answers the same unit and round; the store records them as imported.
    """

    source: str
    rounds: tuple[Round, ...] = field(default=(), converter=to_tuple)
    members: tuple[NewMember, ...] = field(default=(), converter=to_tuple)
    blocks: tuple[ObservationBlock, ...] = field(default=(), converter=to_tuple)
    rejected: tuple[Rejection, ...] = field(default=(), converter=to_tuple)
    skipped: int = 0
    superseded: tuple[str, ...] = field(default=(), converter=to_tuple)
    activities: tuple[NewActivity, ...] = field(default=(), converter=to_tuple)
    visits: tuple[NewVisit, ...] = field(default=(), converter=to_tuple)
    applicants: tuple[NewApplicant, ...] = field(default=(), converter=to_tuple)

    @property
    def submissions(self) -> frozenset[str]:
        """Every submission ID the batch writes (members, activities, visits, observation rows)."""
        found = {m.submission for m in self.members}
        found.update(a.submission for a in self.activities)
        found.update(v.submission for v in self.visits)
        found.update(a.submission for a in self.applicants)
        for block in self.blocks:
            found.update(block.submissions)
        return frozenset(found)


@frozen(eq=False)
class SectorCheck:
    """What the sector plugins' check of a batch saw: internal, from the reader to the store.

    :func:`~klaster.importing.reader.sector_problems` notes it on a batch it found nothing wrong
    with, so that :meth:`Store.apply_import <klaster.store.Store.apply_import>` need not ask the
    plugins again about a unit the check saw exactly as the store will hold it: a unit with no
    earlier values in the round, answered by one block, in the sectors the store has it in,
    with the same plugins loaded.

    Attributes:
        host: The :class:`~klaster.plugins.PluginHost` that ran the check.
        plugins: Its plugins then (``host.plugins()``): one loaded or removed since voids it.
        sectors: Per block of the batch, per row, the sectors the unit's values were checked
            in, alone; ``None`` where they were not (merged with values the observations held,
            a unit the program does not know) or for a block left unchecked.
    """

    host: object
    plugins: tuple[object, ...]
    sectors: tuple[tuple[tuple[str, ...] | None, ...] | None, ...]


# Batches are compared by value and hold dicts: the note is kept by identity, for as long as the
# batch lives. A batch rebuilt from a checked one (attrs.evolve) carries no note: checked again.
_NOTES: dict[int, tuple[weakref.ref[ImportBatch], SectorCheck]] = {}


def note_sector_check(batch: ImportBatch, check: SectorCheck) -> None:
    """Remember that ``batch`` passed the sector plugins' check as ``check`` says (internal)."""
    key = id(batch)
    _NOTES[key] = (weakref.ref(batch, lambda _: _NOTES.pop(key, None)), check)


def sector_check(batch: ImportBatch) -> SectorCheck | None:
    """The sector plugins' check ``batch`` passed in its reader, if any (internal)."""
    found = _NOTES.get(id(batch))
    if found is None or found[0]() is not batch:
        return None
    return found[1]
