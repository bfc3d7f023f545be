"""Reading a field-data export through its mapping: the one entry point, ``read_submissions``."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path

from klaster._support.gc import gc_paused
from klaster.catalogue.variable import Level, Variable
from klaster.errors import ImportDataError
from klaster.importing._fieldwork import FieldworkReader
from klaster.importing._registration import RegistrationReader
from klaster.importing._rounds import with_round
from klaster.importing._screening import ScreeningReader
from klaster.importing._submissions import Known
from klaster.importing._survey import SurveyReader
from klaster.importing.batch import (
    ImportBatch,
    ObservationBlock,
    SectorCheck,
    check_on_conflict,
    note_sector_check,
)
from klaster.importing.mapping import FormKind, ImportMapping, RoundDeclaration
from klaster.model.cluster import Cluster
from klaster.model.program import Program
from klaster.observations.core_variables import variable_catalogue
from klaster.observations.rounds import Round
from klaster.observations.sector_checks import unit_of, unit_sectors
from klaster.observations.values import Observations

__all__ = ["read_submissions", "sector_problems"]


def read_submissions(
    path: str | os.PathLike[str],
    mapping: ImportMapping,
    *,
    program: Program,
    observations: Observations | None = None,
    known: Iterable[str] | Callable[[list[str]], Iterable[str]] = frozenset(),
    keep_valid: bool = False,
    max_rows: int | None = None,
    on_conflict: str = "refuse",
    variables: Mapping[str, Variable] | None = None,
    round: str | RoundDeclaration | None = None,
) -> ImportBatch:
    """Read a KoboToolbox / ODK export (``;``/``,`` CSV or XLSX) or a plain CSV into a batch.

    Every row is checked before anything is returned: the submission ID (new, not twice in the
    file), the unit (a member, group or cooperative of the round's cluster; for a registration,
    a new member ID), each value against its variable (type, unit scaling, bounds, categories,
    the unit's sector, required) or member field, and the round (held by ``observations`` or
    declared in the mapping). An activity or visit form's rows become activities (with their
    participants and attendance) or mentoring visits, each checked as
    :meth:`Fieldwork.add_activity <klaster.model.fieldwork.Fieldwork.add_activity>` or
    :meth:`~klaster.model.fieldwork.Fieldwork.log_visit` would check it (participants of the
    cluster, the facilitator's assignment on the day, no held date in the future). Nothing is
    written: pass the batch to :meth:`klaster.store.Store.apply_import`.

    Args:
        path: The export: ``.csv`` (any of ``;`` ``,`` tab ``|``; UTF-8 with or without BOM) or
            ``.xlsx`` (repeat groups on their own sheets).
        mapping: From :func:`~klaster.importing.load_mapping`.
        program: The program whose members, groups and clusters the rows name.
        observations: Its observations: the variable catalogue and the rounds held (required
            for survey and registration forms; activity and visit forms do not read them).
        known: Submission IDs already imported, or a function returning which of the IDs it
            is given were (``known=store.known_submissions``: asked once per chunk of rows).
            Their rows are skipped, unchecked, and counted in ``batch.skipped``.
        keep_valid: Set bad rows aside in ``batch.rejected`` (with every reason) instead of
            raising; write them with :func:`~klaster.importing.write_rejects`. A row the sector
            plugins' ``klaster_validate_values`` refuse is one too (with its whole submission:
            the repeat rows of its parent go with it).
        max_rows: Refuse files with more data rows (default: the mapping's ``max_rows``).
        variables: A screening form's answer variables by code (default: the core variables and
            the sector plugins'; ``klaster import`` passes
            :func:`klaster.targeting.screening_catalogue`).
        on_conflict: Two submissions of the file answering the same unit and round:
            ``"refuse"`` (the default) reports both; ``"replace"`` keeps the later one by
            ``_submission_time`` (``SubmissionDate``). An edited submission (Kobo's
            ``meta/deprecatedID``) replaces the one it edits either way.
        round: A survey's round, replacing the mapping's ``[round]`` (required when the mapping
            leaves it open, so that one mapping serves every round of a form): a round ID the
            observations hold, or a :class:`~klaster.importing.RoundDeclaration` of a new one.

    Returns:
        The checked batch.

    Raises:
        ImportDataError: The file cannot be read (missing, not CSV/XLSX, wrong delimiter,
            columns missing, over ``max_rows``) or, unless ``keep_valid``, any row is bad;
            ``problems`` lists every one as ``<file> row <n> column '<c>': <reason>``.
    """
    if not isinstance(mapping, ImportMapping):
        raise ImportDataError(
            f"mapping must be an ImportMapping (from load_mapping), got {type(mapping).__name__}"
        )
    if not isinstance(program, Program):
        raise ImportDataError(f"program must be a Program, got {type(program).__name__}")
    if mapping.form is FormKind.ROSTER:
        raise ImportDataError(
            f"{mapping.name}: a roster mapping; read it with klaster.importing.read_roster"
        )
    fieldwork = mapping.form in (FormKind.ACTIVITY, FormKind.VISIT)
    screening = mapping.form is FormKind.SCREENING
    if observations is None and (fieldwork or screening):
        pass  # an activity, visit or screening form reads no observations
    elif not isinstance(observations, Observations):
        raise ImportDataError(
            f"observations must be an Observations, got {type(observations).__name__}"
        )
    elif observations.program is not program and observations.program.id != program.id:
        raise ImportDataError(
            f"the observations are of program {observations.program.id!r}, not {program.id!r}"
        )
    if isinstance(known, str):
        raise ImportDataError("known must be a collection of submission IDs, not one string")
    limit = max_rows if max_rows is not None else mapping.max_rows
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ImportDataError(f"max_rows must be a whole number of at least 1, got {limit!r}")
    if not callable(known) and not isinstance(known, Iterable):
        raise ImportDataError(
            f"known must be a collection of submission IDs or a function, got "
            f"{type(known).__name__}"
        )
    check_on_conflict(on_conflict)
    if mapping.form is FormKind.SURVEY:
        mapping = with_round(mapping, round)
    elif round is not None:
        raise ImportDataError(
            f"{mapping.name}: round is for survey forms, not {mapping.form.value}"
        )
    held = Known(known)
    target = Path(path)
    # Reading allocates millions of small objects and no cycles: the collector only slows it.
    with gc_paused():
        if fieldwork:
            return FieldworkReader(target, mapping, program, held, limit).read(keep_valid)
        if screening:
            catalogue = variables if variables is not None else variable_catalogue()
            reader = ScreeningReader(target, mapping, program, held, limit, catalogue)
            return reader.read(keep_valid)
        if mapping.form is FormKind.REGISTRATION:
            return RegistrationReader(target, mapping, program, held, limit).read(keep_valid)
        assert observations is not None
        survey = SurveyReader(target, mapping, program, observations, held, limit, on_conflict)
        if keep_valid:  # the rows the sector plugins refuse are set aside like any bad row
            return survey.read(True, partial(sector_problems, observations=observations))
        batch = survey.read(False)
    problems = sector_problems(batch, observations)
    if problems:
        raise ImportDataError(
            f"{batch.source}: the sector plugins refused rows; nothing was imported",
            problems=problems,
        )
    return batch


def sector_problems(batch: ImportBatch, observations: Observations) -> tuple[str, ...]:
    """The sector plugins' ``klaster_validate_values`` problems with a batch's rows.

    Each row is checked as its unit's values of the round would stand once imported: the
    values ``observations`` hold for it, then the row's. Rows whose round is new are checked
    alone. Run by :func:`read_submissions` (so also by ``klaster import --dry-run``). A batch
    with no problem is noted as checked (:class:`~klaster.importing.batch.SectorCheck`): the
    store's ``apply_import`` then asks the plugins again only about what this check could not
    see (values the store held before, a unit answered by several blocks).

    Returns:
        ``<file> row <n>: round '<R>' member '<ID>': <problem> (plugin '<name>')`` each.
    """
    # A dict, a tuple and a text per row and no cycles: the collector only slows the check.
    with gc_paused():
        return _sector_problems(batch, observations)


def _sector_problems(batch: ImportBatch, observations: Observations) -> tuple[str, ...]:
    host = observations.storage.host
    rounds = {r.id: r for r in (*observations.rounds(), *batch.rounds)}
    program = observations.program
    problems: list[str] = []
    # Per block, per row: the sectors the unit was checked in alone (None: not, or not alone).
    seen: list[tuple[tuple[str, ...] | None, ...] | None] = []
    for block in batch.blocks:
        seen.append(None)
        rnd = rounds.get(block.round_id)
        if rnd is None or rnd.cluster_id not in program.clusters or not block.values:
            continue
        cluster = program.clusters[rnd.cluster_id]
        if not host.checks_values(cluster.sector_codes):
            continue
        variable = observations.variables.get(next(iter(block.values)))
        if variable is None:
            continue
        alone: list[tuple[str, ...] | None] = []
        where = block.source or batch.source
        rows = _block_columns(block, where, rnd, cluster, variable.level, observations, alone)
        problems += host.validate_recorded_columns(variable.level, *rows)  # the block at once
        seen[-1] = tuple(alone)
    if not problems:
        note_sector_check(batch, SectorCheck(host, host.plugins(), tuple(seen)))
    return tuple(problems)


def _block_columns(
    block: ObservationBlock,
    where: str,
    rnd: Round,
    cluster: Cluster,
    level: Level,
    observations: Observations,
    alone: list[tuple[str, ...] | None],
) -> tuple[dict[str, list[object]], list[tuple[str, ...]], list[str], Callable[[int], str]]:
    """The block's units as the plugins see them, as columns (one row per known unit).

    Returns the columns, each row's sectors, unit IDs and location; ``alone`` gets the sectors
    of the units seen alone (``None``: not, or not alone) for every row of the block.
    """
    held = observations.storage.has_round(rnd.id)
    head, tail = f"{where} row ", f": round {rnd.id!r} {level.value} "
    interned: dict[tuple[str, ...], tuple[str, ...]] = {}  # one tuple per sector, not per row
    kept: list[int] = []  # the block's rows of known units
    sectors_of: list[tuple[str, ...]] = []
    stored_of: dict[int, dict[str, object]] = {}  # row of the batch -> values held before
    for at, unit_id in enumerate(block.unit_ids):
        unit = unit_of(cluster, level, unit_id)
        if unit is None:
            alone.append(None)
            continue
        sectors = unit_sectors(cluster, level, unit)
        stored = observations.row(rnd.id, unit_id, level) if held else None
        if stored:  # the row's values over those held
            stored_of[len(kept)] = stored
        alone.append(None if stored else interned.setdefault(sectors, sectors))
        kept.append(at)
        sectors_of.append(interned.setdefault(sectors, sectors))
    every = len(kept) == len(block.unit_ids)
    columns = {
        code: list(column) if every else [column[at] for at in kept]
        for code, column in block.values.items()
    }
    for row, stored in stored_of.items():
        for code, value in stored.items():
            if value is None:
                continue
            column = columns.get(code)
            if column is None:
                column = columns[code] = [None] * len(kept)
            if column[row] is None:
                column[row] = value
    unit_ids = [block.unit_ids[at] for at in kept]
    numbers = [block.rows[at] for at in kept]

    def locate(row: int) -> str:
        return f"{head}{numbers[row]}{tail}{unit_ids[row]!r}"

    return columns, sectors_of, unit_ids, locate
