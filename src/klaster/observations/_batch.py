"""Preparing a batch of rows for :class:`~klaster.observations.values.Observations`.

Every check a batch goes through happens here, before anything is stored: the round exists; each
row is a pair (unit ID, values) of one level; the unit is a member, group or cooperative of the
round's cluster (the message says when it belongs to another cluster) and appears once; each
variable is known, of the unit's level and of a sector the unit is in; each value passes its
variable; each variable's batch column can merge into the stored one. A refused row raises
:class:`RowRefused` (or, when validating, is collected as a located message), so the store changes
all at once or not at all. Values are never repeated in a message.

Internal interface of the package: :func:`prepare_batch` (given any :class:`BatchSource`, in
practice :class:`~klaster.observations.storage.ObservationStorage`), :class:`LevelBatch`,
:class:`RowRefused`, and the unit lookups :func:`finder` and :func:`sectors`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from klaster.catalogue.variable import Level, Variable
from klaster.errors import DuplicateIdError, InvalidReferenceError, KlasterError, ValidationError
from klaster.model.cluster import Cluster
from klaster.model.program import Program
from klaster.observations._messages import PLURAL, listing
from klaster.observations.columns.factory import Column, column_of
from klaster.observations.core_variables import CORE_SECTOR
from klaster.observations.rounds import Round

Row = tuple[str, Mapping[str, object]]
"""One row of a batch: a unit ID and its values by variable code (``None`` = missing)."""

_VALUES_INDEX = re.compile(r"^values\[(\d+)\]")


class BatchSource(Protocol):
    """What preparing a batch reads: the program, the catalogue, the rounds, stored columns."""

    @property
    def program(self) -> Program:
        """The observed program."""

    @property
    def variables(self) -> Mapping[str, Variable]:
        """The variable catalogue."""

    def round(self, round_id: str) -> Round:
        """The round, or raise :class:`~klaster.errors.NotFoundError`."""

    def stored_column(self, round_id: str, level: Level, code: str) -> Column[Any] | None:
        """The stored column a batch column would merge into, if any."""


class LevelBatch:
    """The checked rows of one level in a batch, before they are stored."""

    __slots__ = ("positions", "rows", "staged", "unit_ids", "values")

    def __init__(self) -> None:
        self.unit_ids: list[str] = []
        self.rows: list[int] = []  # the row of the batch each unit came from (for messages)
        self.positions: dict[str, list[int]] = {}  # code -> indexes into unit_ids
        self.values: dict[str, list[object]] = {}  # code -> checked values
        self.staged: dict[str, Column[Any]] = {}


class RowRefused(Exception):
    """A row refused while preparing a batch: its position in the batch and the located error."""

    def __init__(self, row: int | None, error: KlasterError) -> None:
        super().__init__(row, error)
        self.row = row
        self.error = error

    def located(self) -> KlasterError:
        """The error, its message naming the row of the batch (when known)."""
        if self.row is None:
            return self.error
        error = self.error
        located = type(error).__new__(type(error))
        located.__dict__.update(error.__dict__)
        KlasterError.__init__(
            located, f"{error.message} (row {self.row} of the batch)", path=error.path
        )
        return located


def prepare_batch(
    obs: BatchSource,
    round_id: str,
    rows: Sequence[Row],
    problems: list[str] | None,
    limit: int,
    surveyed: Level | None = None,
) -> tuple[Round, dict[Level, LevelBatch]]:
    """Check a batch; return it ready to store. Raises :class:`RowRefused` (or collects).

    ``surveyed`` (for the sidecar reader) accepts rows without values as units of that
    level surveyed with every value missing.
    """
    try:
        rnd = obs.round(round_id)
    except KlasterError as exc:
        raise RowRefused(None, exc) from None
    cluster = obs.program.clusters[rnd.cluster_id]
    batches: dict[Level, LevelBatch] = {}
    finders: dict[Level, Callable[[str], Any]] = {}
    # (level, unit's sectors) -> {code: variable} of the variables such a unit may record,
    # filled as codes come: one lookup per value instead of three checks.
    allowed: dict[tuple[Level, tuple[str, ...]], dict[str, Variable]] = {}
    seen: dict[tuple[Level, str], int] = {}
    prefix = f"rounds[{round_id}]"
    for position, row in enumerate(rows):
        try:
            unit_id, values = row
        except (TypeError, ValueError):
            unit_id, values = None, None
        try:
            if not isinstance(values, Mapping):
                raise ValidationError(
                    "a row is a pair (unit ID, {variable code: value}), got " + type(row).__name__,
                    path=f"{prefix}.rows[{position}]",
                )
            if not isinstance(unit_id, str):
                raise ValidationError(
                    f"a unit ID is a string, got {type(unit_id).__name__}",
                    path=f"{prefix}.rows[{position}]",
                )
            if values:
                level = _row_level(obs, values, prefix, unit_id)
            elif surveyed is not None:
                level = surveyed
            else:
                raise ValidationError(
                    "the row records no variable: give at least one value (None records "
                    "a missing one)",
                    path=f"{prefix}.rows[{position}]",
                )
            find = finders.get(level)
            if find is None:
                find = finders[level] = finder(cluster, level)
            unit = find(unit_id)
            if unit is None:
                where = f"{prefix}.{PLURAL[level]}[{unit_id}]"
                raise _unknown_unit(obs, rnd, level, unit_id, where)
            first = seen.setdefault((level, unit_id), position)
            if first != position:
                raise DuplicateIdError(
                    f"the unit appears twice in the batch (rows {first} and {position}); "
                    "give each unit one row per batch",
                    path=f"{prefix}.{PLURAL[level]}[{unit_id}]",
                )
            unit_sectors = sectors(cluster, level, unit)
            may = allowed.get((level, unit_sectors))
            if may is None:
                may = allowed[(level, unit_sectors)] = {}
            batch = batches.get(level)
            if batch is None:
                batch = batches[level] = LevelBatch()
            slot = len(batch.unit_ids)
            where = f"{prefix}.{PLURAL[level]}[{unit_id}]"
            staged_positions, staged_values = batch.positions, batch.values
            # Values go straight to the batch: a refused batch is never stored, so what a
            # bad row left there does no harm.
            for code, raw in values.items():
                variable = may.get(code)
                if variable is None:
                    variable = may[code] = _allowed(obs, code, level, unit_sectors, values, where)
                try:
                    value = variable.check_value(raw)
                except KlasterError as exc:
                    raise exc.at(where) from None
                positions = staged_positions.get(code)
                if positions is None:
                    positions = staged_positions[code] = []
                    batch.values[code] = []
                positions.append(slot)
                staged_values[code].append(value)
        except KlasterError as exc:
            if problems is None:
                raise RowRefused(position, exc) from None
            problems.append(str(RowRefused(position, exc).located()))
            if len(problems) >= limit:
                return rnd, {}
            continue
        batch.unit_ids.append(unit.id)  # the program's own string: no second copy
        batch.rows.append(position)
    if problems:
        return rnd, {}
    for level, batch in batches.items():
        _stage(obs, rnd, level, batch, problems)
    return rnd, batches


def _allowed(
    obs: BatchSource,
    code: object,
    level: Level,
    sectors: tuple[str, ...],
    values: Mapping[str, object],
    unit_path: str,
) -> Variable:
    """The variable ``code`` if a unit of ``level`` in ``sectors`` may record it; else raise."""
    where = f"{unit_path}.{code}"
    variable = obs.variables.get(code) if isinstance(code, str) else None
    if variable is None:
        raise InvalidReferenceError(
            f"unknown variable {code!r}; known: {listing(obs.variables)}", path=where
        )
    if variable.level is not level:
        raise ValidationError(
            f"{code} is a {variable.level.value} variable but {next(iter(values))} is a "
            f"{level.value} variable; a row holds one unit's values: record them in "
            "separate rows",
            path=where,
        )
    if variable.sector != CORE_SECTOR and variable.sector not in sectors:
        raise ValidationError(
            f"{code} is a variable of sector {variable.sector!r}; this {level.value} is in "
            + ", ".join(map(repr, sectors)),
            path=where,
        )
    return variable


def _row_level(obs: BatchSource, values: Mapping[str, object], prefix: str, unit_id: str) -> Level:
    # The row's level is its first variable's; the loop over values checks the others.
    code = next(iter(values))
    variable = obs.variables.get(code) if isinstance(code, str) else None
    if variable is None:
        raise InvalidReferenceError(
            f"unknown variable {code!r}; known: {listing(obs.variables)}",
            path=f"{prefix}.units[{unit_id}].{code}",
        )
    return variable.level


def _unknown_unit(
    obs: BatchSource, rnd: Round, level: Level, unit_id: str, where: str
) -> KlasterError:
    kind = level.value
    if level is Level.CLUSTER:
        return InvalidReferenceError(
            f"cluster-level values of round {rnd.id!r} are recorded for its cluster "
            f"{rnd.cluster_id!r}, not for another unit",
            path=where,
        )
    for other in obs.program.clusters:
        if other.id != rnd.cluster_id and finder(other, level)(unit_id) is not None:
            return InvalidReferenceError(
                f"{kind} {unit_id!r} belongs to cluster {other.id!r}, but round {rnd.id!r} "
                f"surveys cluster {rnd.cluster_id!r}",
                path=where,
            )
    return InvalidReferenceError(
        f"{kind} {unit_id!r} is not a {kind} of program {obs.program.id!r}; add it to "
        f"cluster {rnd.cluster_id!r} first",
        path=where,
    )


def _stage(
    obs: BatchSource, rnd: Round, level: Level, batch: LevelBatch, problems: list[str] | None
) -> None:
    # Build each variable's batch column and check it can merge into the stored one: the
    # last checks that can fail, all done before anything is stored.
    for code, values in batch.values.items():
        variable = obs.variables[code]
        where = f"rounds[{rnd.id}].{PLURAL[level]}"
        try:
            try:
                staged = column_of(variable.type, values, variable.category_codes())
            except KlasterError as exc:
                slot = batch.positions[code][_values_index(exc)]
                where = f"{where}[{batch.unit_ids[slot]}].{code}"
                error = ValidationError(exc.message, path=where)
                raise RowRefused(batch.rows[slot], error) from None
            stored = obs.stored_column(rnd.id, level, code)
            if stored is not None:
                try:
                    stored.check_merge(staged)
                except KlasterError as exc:
                    raise RowRefused(None, exc.at(f"{where}.{code}")) from None
        except RowRefused as bad:
            if problems is None:
                raise
            problems.append(str(bad.located()))
            continue
        batch.staged[code] = staged


def finder(cluster: Cluster, level: Level) -> Callable[[str], Any]:
    if level is Level.MEMBER:
        return cluster.members.get
    if level is Level.GROUP:
        return cluster.groups.get
    if level is Level.COOPERATIVE:
        return cluster.cooperatives.get
    return lambda unit_id: cluster if unit_id == cluster.id else None


def sectors(cluster: Cluster, level: Level, unit: Any) -> tuple[str, ...]:
    if level is Level.COOPERATIVE:
        return tuple(unit.sectors)
    if level is Level.CLUSTER:
        return cluster.sector_codes
    return (unit.sector,)


def rows_of(unit_ids: Sequence[str], values: Mapping[str, Sequence[object]]) -> list[Row]:
    codes = list(values)
    for code in codes:
        if len(values[code]) != len(unit_ids):
            raise ValidationError(
                f"has {len(values[code])} values for {len(unit_ids)} units; give one value "
                "per unit (None for missing)",
                path=f"values[{code}]",
            )
    if not codes:
        return [(unit_id, {}) for unit_id in unit_ids]
    cells = zip(*(values[code] for code in codes), strict=True)
    return [
        (unit_id, dict(zip(codes, row, strict=True)))
        for unit_id, row in zip(unit_ids, cells, strict=True)
    ]


def _values_index(exc: KlasterError) -> int:
    found = _VALUES_INDEX.match(exc.path or "")
    return int(found.group(1)) if found else 0
