"""The sector plugins' checks across a unit's values, run on what an import wrote.

``read_submissions`` asks the plugins about each unit's values of a round and notes the batch
(:class:`~klaster.importing.batch.SectorCheck`); the store asks again only about what that check
could not see (:func:`check_sector_values`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.importing.batch import ObservationBlock, SectorCheck
from klaster.store._connection import placeholders
from klaster.store._import_run import ImportRun, Written

NO_SECTORS: frozenset[str] = frozenset()
"""The sectors of a unit the store has none for."""
_PROBES = 500  # units read back per query (SQLite allows 999 parameters)
_UNIT_TABLES = {Level.MEMBER: "members", Level.GROUP: "groups", Level.COOPERATIVE: "cooperatives"}


def note_stored(run: ImportRun, blocks: Iterable[ObservationBlock]) -> None:
    """Note, before the batch writes any value, which units hold values in its rounds."""
    for round_id in {b.round_id for b in blocks if isinstance(b, ObservationBlock)}:
        found = run.conn.execute("SELECT key FROM rounds WHERE id = ?", (round_id,)).fetchone()
        if found is not None:
            query = "SELECT unit_key FROM observation_values WHERE round_key = ?"
            run.before[found[0]] = {unit for (unit,) in run.conn.execute(query, found)}


def stored_values_query(count: int) -> str:
    """The values ``count`` units (their keys) hold in one round, for the variables of a level.

    Primary-key probes (round, variable, unit), variables of the level × the units: CROSS JOIN
    fixes that order (a plain join scanned the round's values once per unit: quadratic).
    """
    return (
        "SELECT ov.unit_key, v.key, ov.value "
        "FROM variables v CROSS JOIN observation_values ov "
        "WHERE v.level = ? AND ov.round_key = ? AND ov.variable_key = v.key "
        f"AND ov.unit_key IN ({placeholders(count)})"
    )


def check_sector_values(run: ImportRun, checked: SectorCheck | None = None) -> None:
    """Run the sector plugins' ``klaster_validate_values`` on what the reader could not see.

    Each unit and round the batch wrote is checked as it now stands, unless ``checked`` (the
    note of :func:`~klaster.importing.reader.sector_problems`) says the reader's check saw it
    so: with the same plugins, in the unit's stored sectors, alone. A unit that held values
    in the round before the batch, or that several blocks answer, is read back from the store
    (earlier imports and the batch's blocks together, so a rule across variables sees them
    all); one the reader did not check (a hand-built batch) is checked from the batch. Stored
    values are not checked one by one again: they were when written.

    Raises:
        ImportDataError: Every problem, located by file, row, round and unit.
    """
    from klaster.plugins.default import get_host  # the plugins layer, loaded on use

    host = get_host()
    trusted = checked is not None and checked.host is host and checked.plugins == host.plugins()
    again: dict[int, set[int]] = {}  # per round, units several blocks wrote
    seen: dict[int, set[int]] = {}
    for written in run.touched:
        keys = set(written.keys)
        found = seen.setdefault(written.round_key, set())
        again.setdefault(written.round_key, set()).update(found & keys)
        found |= keys
    problems: list[str] = []
    done: set[tuple[int, int]] = set()  # (round, unit) read back
    for written in run.touched:
        cluster_id, level = written.cluster_id, written.level
        sector_rows = run.conn.execute(
            "SELECT sector FROM cluster_sectors WHERE cluster_id = ?", (cluster_id,)
        )
        if not host.checks_values(sector for (sector,) in sector_rows):
            continue
        sectors = unit_sectors(run, cluster_id, level)
        stored = run.before.get(written.round_key, set()) | again[written.round_key]
        alone = written.alone if trusted else None
        back: dict[int, int] = {}  # unit key -> index, to read back
        mine: list[int] = []  # to check from the batch's values
        saws = (None,) * len(written.keys) if alone is None else alone
        pairs = zip(written.units, written.keys, saws, strict=True)
        for index, (unit, key, saw) in enumerate(pairs):
            if key in stored:
                if (written.round_key, key) not in done:
                    done.add((written.round_key, key))
                    back[key] = index
                continue
            has = sectors.get(unit, NO_SECTORS)
            if saw is None or len(saw) != len(has) or not has.issuperset(saw):
                mine.append(index)  # else the reader checked these values in these sectors
        units = [*_batch_values(written, mine), *_read_back(run, written, back)]
        # One batch of columns (klaster_validate_columns), a row per unit in this order.
        codes = dict.fromkeys(code for _, values in units for code in values)
        columns = {code: [values.get(code) for _, values in units] for code in codes}
        indexes = [index for index, _ in units]
        unit_ids = [written.units[index] for index in indexes]
        of_unit = [tuple(sorted(sectors.get(unit, NO_SECTORS))) for unit in unit_ids]

        def where(row: int, written: Written = written, indexes: list[int] = indexes) -> str:
            index = indexes[row]
            return (
                f"{written.where} row {written.rows[index]}: round {written.round_id!r} "
                f"{written.level.value} {written.units[index]!r}"
            )

        problems += host.validate_recorded_columns(level, columns, of_unit, unit_ids, where)
    if problems:
        raise run.fail("the sector plugins refused values", problems)


def _batch_values(written: Written, indexes: list[int]) -> list[tuple[int, dict[str, Any]]]:
    """Each row of ``indexes`` with its values as the block wrote them, in canonical types."""
    found: list[tuple[int, dict[str, Any]]] = [(index, {}) for index in indexes]
    for code, column in written.values.items():
        decimal = written.variables[code].type is ValueType.DECIMAL  # hand-built: ints allowed
        for index, values in found:
            value = column[index]
            if value is not None:
                values[code] = Decimal(value) if decimal and type(value) is int else value
    return found


def _read_back(
    run: ImportRun, written: Written, back: dict[int, int]
) -> Iterable[tuple[int, dict[str, Any]]]:
    """Each unit of ``back`` (key -> index) with every value it holds in the round."""
    found: dict[int, dict[str, Any]] = {key: {} for key in back}
    decodings: dict[int, tuple[Variable, Callable[[Any], Any]] | None] = {}
    level = written.level.value
    keys = sorted(back)
    for part in (keys[i : i + _PROBES] for i in range(0, len(keys), _PROBES)):
        rows = run.conn.execute(stored_values_query(len(part)), (level, written.round_key, *part))
        for unit_key, variable_key, raw in rows:
            if raw is None:
                continue
            if variable_key in decodings:
                decoding = decodings[variable_key]
            else:  # looked up once per variable: this loop runs once per stored value
                decoding = decodings[variable_key] = run.variables.decoding(variable_key)
            if decoding is not None:  # a variable no loaded plugin declares is not checked
                variable, decode = decoding
                found[unit_key][variable.code] = decode(raw)
    return ((back[key], values) for key, values in found.items())


def unit_sectors(run: ImportRun, cluster_id: str, level: Level) -> dict[str, frozenset[str]]:
    """Each unit's sectors (of a cluster and level), read once per batch."""
    found = run.sectors.get((cluster_id, level))
    if found is None:  # read once per cluster and level: members are added before any block
        found = run.sectors[(cluster_id, level)] = _read_sectors(run.conn, cluster_id, level)
    return found


def _read_sectors(
    conn: sqlite3.Connection, cluster_id: str, level: Level
) -> dict[str, frozenset[str]]:
    if level is Level.CLUSTER:
        query = "SELECT cluster_id, sector FROM cluster_sectors WHERE cluster_id = ?"
    elif level is Level.COOPERATIVE:
        query = "SELECT cooperative_id, sector FROM cooperative_sectors WHERE cluster_id = ?"
    else:
        query = f"SELECT id, sector FROM {_UNIT_TABLES[level]} WHERE cluster_id = ?"
    found: dict[str, frozenset[str]] = {}
    one: dict[str, frozenset[str]] = {}  # kept for the batch: one set per sector, not per unit
    for unit, sector in conn.execute(query, (cluster_id,)):
        had = found.get(unit)
        if had is not None:  # a cooperative in several sectors
            found[unit] = had | {sector}
        elif (alone := one.get(sector)) is not None:
            found[unit] = alone
        else:
            found[unit] = one[sector] = frozenset((sector,))
    return found
