"""Observation values of an import batch: checked against the store, then inserted in chunks.

The store checks again what a hand-built batch could get wrong (units of the round's cluster,
each unit once, the variables' sectors, value types, bounds and categories) and refuses the
whole batch with every problem located by file and row. Values go in with ``executemany`` over
C-level iterators, a chunk of rows at a time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from itertools import chain, compress
from typing import Any

from klaster.catalogue.variable import Level, Variable
from klaster.importing.batch import ObservationBlock
from klaster.observations.core_variables import CORE_SECTOR
from klaster.store import _answers, _keys
from klaster.store._connection import insert_rows
from klaster.store._import_run import ImportRun
from klaster.store._values import BadValue, encode

_CHUNK = 50_000  # rows per executemany: bounds the work between two progress reports
_UNIT_TABLES = {Level.MEMBER: "members", Level.GROUP: "groups", Level.COOPERATIVE: "cooperatives"}


def add_block(run: ImportRun, block: ObservationBlock, keep: list[bool] | None) -> int:
    if not isinstance(block, ObservationBlock):
        raise run.fail(f"blocks must be ObservationBlocks, got {type(block).__name__}", [])
    where = block.source or run.batch.source
    _check_shape(run, block, where)
    found = run.conn.execute(
        "SELECT key, cluster_id FROM rounds WHERE id = ?", (block.round_id,)
    ).fetchone()
    if found is None:
        raise run.fail(
            f"round {block.round_id!r} is not in the store; declare it in the mapping or add it "
            "with Store.add_round",
            [],
        )
    round_key, cluster_id = found
    units, rows = list(block.unit_ids), list(block.rows)
    size = len(units)
    subs = list(block.submissions)
    times: list[str | None] = list(block.submitted) if block.submitted else [None] * size
    edits: list[str | None] = list(block.replaces) if block.replaces else [None] * size
    values = {code: list(column) for code, column in block.values.items()}
    if keep is not None:
        units, rows = list(compress(units, keep)), list(compress(rows, keep))
        subs, times = list(compress(subs, keep)), list(compress(times, keep))
        edits = list(compress(edits, keep))
        values = {code: list(compress(column, keep)) for code, column in values.items()}
    if not units:
        return 0
    variables = _block_variables(run, block, where)
    level = next(iter(variables.values())).level
    _check_duplicates(run, units, rows, where)
    keys = _unit_keys(run, cluster_id, level, units, rows, where)
    _check_sectors(run, cluster_id, level, variables, units, values, rows, where)
    variable_keys = [run.variables.key(v)[0] for v in variables.values()]
    _answers.replace_edited(run, edits, variable_keys)
    kept = _answers.settle(
        run, block, round_key, variable_keys, keys, (subs, times, rows, units), where
    )
    if kept is not None:  # rows older than the stored answer are left out
        keys, rows = list(compress(keys, kept)), list(compress(rows, kept))
        subs, times = list(compress(subs, kept)), list(compress(times, kept))
        units = list(compress(units, kept))
        values = {code: list(compress(column, kept)) for code, column in values.items()}
        if not keys:
            return 0
    encoded = {}
    problems = []
    for code, variable in variables.items():
        key, scale = run.variables.key(variable)
        try:
            column, needed = encode(variable, values[code], scale)
        except BadValue as bad:
            problems.append(f"{where} row {rows[bad.index]}: {code}: {bad.message}")
            continue
        run.variables.rescale(code, needed)
        encoded[key] = column
        run.values += len(column) - column.count(None)
    if problems:
        raise run.fail("values were refused", problems)
    _answers.record(run, round_key, keys, subs, times)
    _write_values(run, round_key, keys, encoded)
    written = dict(zip(units, rows, strict=True))
    run.touched.append((round_key, block.round_id, cluster_id, level, written))
    return len(units)


# The values the touched cluster's units hold in one round, found by primary-key probes
# (round, variable, unit): units of the cluster × variables of the level, in that order. CROSS
# JOIN fixes the order: a plain join let SQLite scan the round's values once per unit, which
# made imports quadratic (246× the reference at 20,000 rows).
_STORED_VALUES = (
    "SELECT u.id, v.key, ov.value "
    "FROM units u CROSS JOIN variables v CROSS JOIN observation_values ov "
    "WHERE ov.round_key = ? AND ov.variable_key = v.key AND ov.unit_key = u.key "
    "AND u.cluster_id = ? AND u.level = ? AND v.level = ?"
)


def check_sector_values(run: ImportRun) -> None:
    """Run the sector plugins' ``klaster_validate_values`` on what the batch touched.

    Each unit and round the batch wrote is read back as it now stands (earlier imports and
    the batch's blocks together), so a rule across variables sees them all.

    Raises:
        ImportDataError: Every problem, located by file, row, round and unit.
    """
    from klaster.plugins.default import get_host  # the plugins layer, loaded on use

    host = get_host()
    problems: list[str] = []
    for round_key, round_id, cluster_id, level, rows in run.touched:
        sector_rows = run.conn.execute(
            "SELECT sector FROM cluster_sectors WHERE cluster_id = ?", (cluster_id,)
        )
        if not host.checks_values(sector for (sector,) in sector_rows):
            continue
        values: dict[str, dict[str, Any]] = {unit: {} for unit in rows}
        decodings: dict[int, tuple[Variable, Callable[[Any], Any]] | None] = {}
        for unit, variable_key, raw in run.conn.execute(
            _STORED_VALUES, (round_key, cluster_id, level.value, level.value)
        ):
            found = values.get(unit)
            if found is not None and raw is not None:
                if variable_key in decodings:
                    decoding = decodings[variable_key]
                else:  # looked up once per variable: this loop runs once per stored value
                    decoding = decodings[variable_key] = run.variables.decoding(variable_key)
                if decoding is not None:  # a variable no loaded plugin declares is not checked
                    variable, decode = decoding
                    found[variable.code] = variable.check_value(decode(raw))
        sectors = _unit_sectors(run.conn, cluster_id, level)
        where = run.batch.source
        units = (
            (
                f"{where} row {row}: round {round_id!r} {level.value} {unit!r}",
                tuple(sorted(sectors.get(unit, ()))),
                level,
                values[unit],
            )
            for unit, row in rows.items()
        )
        problems += host.validate_recorded(units)
    if problems:
        raise run.fail("the sector plugins refused values", problems)


def _check_shape(run: ImportRun, block: ObservationBlock, where: str) -> None:
    size = len(block.unit_ids)
    wrong = [
        f"{where}: round {block.round_id!r}: {name} has {len(column)} items for {size} units"
        for name, column in (
            ("submissions", block.submissions),
            ("rows", block.rows),
            *((f"values[{code!r}]", column) for code, column in block.values.items()),
        )
        if len(column) != size
    ]
    if wrong:
        raise run.fail("a block's columns differ in length", wrong)
    if size and not block.values:
        raise run.fail(f"the block of round {block.round_id!r} records no variable", [])


def _block_variables(run: ImportRun, block: ObservationBlock, where: str) -> dict[str, Variable]:
    found: dict[str, Variable] = {}
    problems = []
    for code in block.values:
        variable = run.variables.variable(code) if isinstance(code, str) else None
        if variable is None:
            problems.append(
                f"{where}: unknown variable {code!r} (or one whose type or level differs from "
                "the stored one); load the plugin that declares it"
            )
        else:
            found[code] = variable
    levels = {v.level for v in found.values()}
    if len(levels) > 1:
        problems.append(
            f"{where}: round {block.round_id!r} mixes variables of levels "
            f"{', '.join(sorted(level.value for level in levels))}; one block holds one level"
        )
    if problems:
        raise run.fail("a block's variables were refused", problems)
    return found


def _check_duplicates(run: ImportRun, units: list[str], rows: list[int], where: str) -> None:
    if len(set(units)) == len(units):
        return
    first: dict[str, int] = {}
    problems = []
    for unit, row in zip(units, rows, strict=True):
        seen = first.setdefault(unit, row)
        if seen != row:
            problems.append(f"{where} row {row}: the unit of row {seen} again, in the same round")
    raise run.fail("a unit appears twice in one round", problems)


def _unit_keys(
    run: ImportRun,
    cluster_id: str,
    level: Level,
    units: list[str],
    rows: list[int],
    where: str,
) -> list[int]:
    mapping = _keys.unit_keys(run.conn, cluster_id, level)
    new = [u for u in units if u not in mapping]
    if new:
        keys = _keys.add_units(run.conn, cluster_id, level, new)
        if level is Level.CLUSTER:
            unknown = set(new) - {cluster_id}
        else:  # checked in SQL after the insert: no Python object per unit
            unknown = set(_keys.missing_records(run.conn, cluster_id, level, keys[0]))
        if unknown:
            problems = [
                f"{where} row {row}: not the ID of a {level.value} of cluster {cluster_id!r} "
                "(the value is not shown)"
                for unit, row in zip(units, rows, strict=True)
                if unit in unknown
            ]
            raise run.fail("rows name units the store does not hold", problems)
        if len(new) == len(units):  # every unit is new (no duplicates: checked before)
            return keys
        mapping.update(zip(new, keys, strict=True))
    return list(map(mapping.__getitem__, units))


def _check_sectors(
    run: ImportRun,
    cluster_id: str,
    level: Level,
    variables: dict[str, Variable],
    units: list[str],
    values: dict[str, list[Any]],
    rows: list[int],
    where: str,
) -> None:
    sectoral = {c: v for c, v in variables.items() if v.sector != CORE_SECTOR}
    if not sectoral:
        return
    sectors = _unit_sectors(run.conn, cluster_id, level)
    problems = [
        f"{where} row {row}: {code} is a variable of sector {variable.sector!r}; this "
        f"{level.value} is not in it"
        for code, variable in sectoral.items()
        for unit, row, value in zip(units, rows, values[code], strict=True)
        if value is not None and variable.sector not in sectors.get(unit, ())
    ]
    if problems:
        raise run.fail("values of another sector's variables were refused", problems)


def _unit_sectors(conn: sqlite3.Connection, cluster_id: str, level: Level) -> dict[str, set[str]]:
    if level is Level.CLUSTER:
        query = "SELECT cluster_id, sector FROM cluster_sectors WHERE cluster_id = ?"
    elif level is Level.COOPERATIVE:
        query = "SELECT cooperative_id, sector FROM cooperative_sectors WHERE cluster_id = ?"
    else:
        query = f"SELECT id, sector FROM {_UNIT_TABLES[level]} WHERE cluster_id = ?"
    found: dict[str, set[str]] = {}
    for unit, sector in conn.execute(query, (cluster_id,)):
        found.setdefault(unit, set()).add(sector)
    return found


def _write_values(
    run: ImportRun, round_key: int, keys: list[int], encoded: dict[int, Sequence[Any]]
) -> None:
    # One variable after the other, units in key order: the rows arrive in the primary key's
    # order, so every insert appends to the B-tree instead of splitting pages in its middle.
    size = len(keys)
    ordered = sorted(keys)
    if ordered != keys:  # a file listing known units in another order than they were numbered
        order = sorted(range(size), key=keys.__getitem__)
        keys = ordered
        encoded = {k: [column[i] for i in order] for k, column in encoded.items()}
    for variable_key, column in encoded.items():
        head, row = _insert_for(run.conn, round_key, variable_key)
        for start in range(0, size, _CHUNK):
            stop = min(start + _CHUNK, size)
            pairs = zip(keys[start:stop], column[start:stop], strict=True)
            insert_rows(run.conn, head, row, list(chain.from_iterable(pairs)))
            run.report(stop - start)


def _insert_for(conn: sqlite3.Connection, round_key: int, variable_key: int) -> tuple[str, str]:
    # The two keys are the store's own integers, written into the statement: two parameters
    # per row instead of four. A variable's first values in a round cannot replace anything,
    # and plain INSERT is cheaper than INSERT OR REPLACE.
    found = conn.execute(
        "SELECT 1 FROM observation_values WHERE round_key = ? AND variable_key = ? LIMIT 1",
        (round_key, variable_key),
    ).fetchone()
    verb = "INSERT" if found is None else "INSERT OR REPLACE"
    head = f"{verb} INTO observation_values (round_key, variable_key, unit_key, value) VALUES"
    return head, f"({int(round_key)}, {int(variable_key)}, ?, ?)"
