"""The rows read, column-wise, and how they become the batch's observation blocks."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from itertools import chain, compress, groupby
from typing import Any

from attrs import define, field

from klaster.catalogue.variable import Level, Variable
from klaster.importing.batch import ObservationBlock
from klaster.observations.core_variables import CORE_SECTOR


@define
class Columns:
    """The rows read so far, column-wise (one entry per main row, bad rows included)."""

    submissions: list[str] = field(factory=list)
    units: list[str] = field(factory=list)
    rows: list[int] = field(factory=list)
    rounds: list[str] = field(factory=list)
    values: dict[str, list[Any]] = field(factory=dict)
    sectors: list[tuple[str, ...]] = field(factory=list)  # each row's unit's sector(s)
    owners: list[int] | None = None  # the main row each row belongs to (default: ``rows``)
    submitted: list[str | None] = field(factory=list)  # each row's submission time
    replaces: list[str | None] = field(factory=list)  # the submission each row's edits


class Interned(dict[Any, tuple[str, ...]]):
    """One tuple object per distinct sector (a million rows share a handful)."""

    def __missing__(self, key: Any) -> tuple[str, ...]:
        found = self[key] = (key,) if isinstance(key, str) else tuple(key)
        return found


def sectors_getter(level: Level) -> Callable[[Any], tuple[str, ...]]:
    interned = Interned()
    if level is Level.COOPERATIVE:
        return lambda unit: interned[tuple(unit.sectors)]
    return lambda unit: interned[unit.sector]


def check_rows(
    variable: Variable,
    column: Sequence[Any],
    sectors: Sequence[tuple[str, ...]],
    units: Sequence[str],
    name: str,
    level: Level,
    report: Callable[[int, str], None],
    skip: Collection[int] = (),
) -> None:
    """Row by row: a value of a sector the unit is not in, or a required value missing.

    Rows in ``skip`` (a cell reported already) are left out.
    """
    core = variable.sector == CORE_SECTOR
    for index, value in enumerate(column):
        unit_sectors = sectors[index]
        if not unit_sectors or index in skip:
            continue  # an unknown unit or a bad cell, reported already
        applies = core or variable.sector in unit_sectors
        if value is not None and not applies:
            report(
                index,
                f"column {name!r}: {variable.code} is a variable of sector "
                f"{variable.sector!r}; {level.value} {units[index]!r} is in "
                + ", ".join(map(repr, unit_sectors)),
            )
        elif value is None and applies and variable.required:
            report(index, f"column {name!r}: {variable.label.en} ({variable.code}) is required")


def to_blocks(
    columns: Columns, bad: set[int], source: str, catalogue: Mapping[str, Variable]
) -> list[ObservationBlock]:
    """The blocks of the good rows: one per round and set of variables, in order of appearance.

    A block holds the variables its units may record: a farmer's row in a form that also asks
    micro-business questions carries no UMKM values (not even missing ones). Rows mostly come
    in runs of one round and sector, so each block's columns are cut as slices of the runs.
    """
    if bad:
        owners = columns.rows if columns.owners is None else columns.owners
        keep = [owner not in bad for owner in owners]
        columns = Columns(
            submissions=list(compress(columns.submissions, keep)),
            units=list(compress(columns.units, keep)),
            rows=list(compress(columns.rows, keep)),
            rounds=list(compress(columns.rounds, keep)),
            values={code: list(compress(v, keep)) for code, v in columns.values.items()},
            sectors=list(compress(columns.sectors, keep)),
            submitted=list(compress(columns.submitted, keep)),
            replaces=list(compress(columns.replaces, keep)),
        )
    recorded: dict[tuple[str, ...], tuple[str, ...]] = {}
    for sectors in set(columns.sectors):
        recorded[sectors] = tuple(
            code
            for code in columns.values
            if catalogue[code].sector == CORE_SECTOR or catalogue[code].sector in sectors
        )
    spans: dict[tuple[str, tuple[str, ...]], list[tuple[int, int]]] = {}
    start = 0
    keys = zip(columns.rounds, map(recorded.__getitem__, columns.sectors), strict=True)
    for key, run in groupby(keys):
        stop = start + len(list(run))
        spans.setdefault(key, []).append((start, stop))
        start = stop
    blocks = []
    for (round_id, codes), parts in spans.items():
        if not round_id or not codes:
            continue  # rows without a round are bad rows; rows with nothing to record, nothing

        def cut(values: list[Any], parts: list[tuple[int, int]] = parts) -> list[Any]:
            if len(parts) == 1:
                ((a, b),) = parts
                return values if (a, b) == (0, len(values)) else values[a:b]
            return list(chain.from_iterable(values[a:b] for a, b in parts))

        blocks.append(
            ObservationBlock(
                round_id=round_id,
                submissions=cut(columns.submissions),
                unit_ids=cut(columns.units),
                rows=cut(columns.rows),
                values={code: cut(columns.values[code]) for code in codes},
                source=source,
                submitted=cut(columns.submitted) if any(columns.submitted) else (),
                replaces=cut(columns.replaces) if any(columns.replaces) else (),
            )
        )
    return blocks
