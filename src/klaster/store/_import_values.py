"""Observation values of an import batch: checked against the store, then inserted in chunks.

The store checks again what a hand-built batch could get wrong (units of the round's cluster,
each unit once, the variables' sectors, value types, bounds and categories) and refuses the
whole batch with every problem located by file and row. Values go in with ``executemany`` over
C-level iterators, a chunk of rows at a time. The sector plugins' checks across a unit's values
run last (:mod:`klaster.store._import_checks`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from itertools import chain, compress
from typing import Any

from klaster.catalogue.variable import Level, Variable
from klaster.importing.batch import ObservationBlock
from klaster.observations.core_variables import CORE_SECTOR
from klaster.store import _answers, _keys
from klaster.store._connection import insert_rows
from klaster.store._import_checks import NO_SECTORS, unit_sectors
from klaster.store._import_run import ImportRun, Written
from klaster.store._values import BadValue, encode

_CHUNK = 50_000  # rows per executemany: bounds the work between two progress reports


def add_block(
    run: ImportRun,
    block: ObservationBlock,
    keep: list[bool] | None,
    alone: Sequence[tuple[str, ...] | None] | None = None,
) -> int:
    """Check and write one block; ``alone`` is what the reader's sector check saw (per row)."""
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
    if alone is not None and len(alone) != size:
        alone = None
    if keep is not None:
        units, rows = list(compress(units, keep)), list(compress(rows, keep))
        subs, times = list(compress(subs, keep)), list(compress(times, keep))
        edits = list(compress(edits, keep))
        values = {code: list(compress(column, keep)) for code, column in values.items()}
        alone = None if alone is None else list(compress(alone, keep))
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
        alone = None if alone is None else list(compress(alone, kept))
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
    place = (round_key, block.round_id, cluster_id, level, where)
    run.touched.append(Written(*place, units, keys, rows, variables, values, alone))
    return len(units)


def _check_shape(run: ImportRun, block: ObservationBlock, where: str) -> None:
    size = len(block.unit_ids)
    if not isinstance(block.values, Mapping) or not all(
        isinstance(c, Sequence) and not isinstance(c, str) for c in block.values.values()
    ):
        raise run.fail(
            f"{where}: round {block.round_id!r}: values must map each variable code to a list "
            "of values, one per unit",
            [],
        )
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
                f"the stored one); {_undeclared_hint(run)}"
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


def _undeclared_hint(run: ImportRun) -> str:
    """What to install or enable, in the words of the missing-plugin warning."""
    from klaster.plugins.default import get_host  # the plugins layer, loaded on use
    from klaster.plugins.missing import undeclared_hint

    query = "SELECT sector FROM cluster_sectors UNION SELECT sector FROM members"
    sectors = [sector for (sector,) in run.conn.execute(query)]
    return undeclared_hint(get_host(), sectors) or "install the plugin that declares it"


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
    sectors = unit_sectors(run, cluster_id, level)
    outside = {  # per sector, the rows whose unit is not in it: one pass per sector
        sector: [i for i, unit in enumerate(units) if sector not in sectors.get(unit, NO_SECTORS)]
        for sector in {v.sector for v in sectoral.values()}
    }
    problems = [
        f"{where} row {rows[i]}: {code} is a variable of sector {variable.sector!r}; this "
        f"{level.value} is not in it"
        for code, variable in sectoral.items()
        for i in outside[variable.sector]
        if values[code][i] is not None
    ]
    if problems:
        raise run.fail("values of another sector's variables were refused", problems)


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
    run.round_units.add(round_key, keys)  # (the triggers dropped first: one pair per unit)
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
