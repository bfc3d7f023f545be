"""Applying an :class:`~klaster.importing.ImportBatch` to the store in one transaction.

The batch was checked by its reader; the store checks again what could have changed since, or
what a hand-built batch could get wrong (the cluster's sectors and villages for new members,
group spells, units of the round's cluster, value types, bounds and categories), and refuses
the whole batch with every problem located by file and row. Submissions already stored are
skipped, so importing a file twice changes nothing. Observation values go in with
``executemany`` over C-level iterators, a chunk of rows at a time.
"""

from __future__ import annotations

import datetime as _dt
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from itertools import chain, compress
from pathlib import Path
from typing import Any

from klaster._version import __version__
from klaster.catalogue.variable import Level, Variable
from klaster.errors import ImportDataError, KlasterError
from klaster.importing.batch import ImportBatch, NewMember, ObservationBlock
from klaster.model.cluster import Cluster
from klaster.model.member import Member
from klaster.observations.core_variables import CORE_SECTOR
from klaster.store import _keys, _loading, _program
from klaster.store._connection import chunks, insert_rows, placeholders
from klaster.store._values import BadValue, encode
from klaster.store.summary import ImportSummary

Progress = Callable[[int, int], None]
_CHUNK = 50_000  # rows per executemany: bounds the work between two progress reports
_UNIT_TABLES = {Level.MEMBER: "members", Level.GROUP: "groups", Level.COOPERATIVE: "cooperatives"}


def known_submissions(conn: sqlite3.Connection, ids: Iterable[str]) -> frozenset[str]:
    """Which of ``ids`` the store already holds."""
    if conn.execute("SELECT 1 FROM submissions LIMIT 1").fetchone() is None:
        return frozenset()
    listed = sorted({i for i in ids if isinstance(i, str)})
    found: set[str] = set()
    for part in chunks(listed):
        query = f"SELECT id FROM submissions WHERE id IN ({placeholders(len(part))})"
        found.update(row[0] for row in conn.execute(query, part))
    return frozenset(found)


class _Import:
    """One batch being applied: counts, progress, and the problems found."""

    def __init__(
        self, conn: sqlite3.Connection, source: Path, batch: ImportBatch, progress: Progress | None
    ) -> None:
        self.conn = conn
        self.source = source
        self.batch = batch
        self.progress = progress
        self.done = 0
        self.total = 0
        self.values = 0
        self.variables = _keys.VariableKeys(conn, _keys.default_catalogue())

    def fail(self, message: str, problems: Sequence[str]) -> ImportDataError:
        return ImportDataError(
            f"{self.batch.source}: {message}; nothing was imported", problems=problems
        )

    def report(self, step: int) -> None:
        self.done += step
        if self.progress is not None:
            self.progress(self.done, self.total)


def apply_import(
    conn: sqlite3.Connection, source: Path, batch: ImportBatch, progress: Progress | None
) -> ImportSummary:
    """Write ``batch`` (inside the caller's write transaction); see ``Store.apply_import``."""
    if not isinstance(batch, ImportBatch):
        raise ImportDataError(f"apply_import takes an ImportBatch, got {type(batch).__name__}")
    run = _Import(conn, source, batch, progress)
    submissions = batch.submissions  # (a property that builds the set each time)
    known = known_submissions(conn, submissions)
    members = [m for m in batch.members if m.submission not in known]
    blocks = [
        (b, None if not known else [s not in known for s in b.submissions]) for b in batch.blocks
    ]
    run.total = len(members) + sum(
        (len(b) if keep is None else sum(keep)) * len(b.values) for b, keep in blocks
    )
    added_rounds = _add_rounds(run)
    _add_members(run, members)
    rows = sum(_add_block(run, block, keep) for block, keep in blocks)
    summary = ImportSummary(
        source=batch.source,
        members_added=len(members),
        rows_added=rows,
        values_added=run.values,
        submissions_skipped=len(known) + batch.skipped,
    )
    if members or rows or added_rounds:  # a file imported twice leaves no trace the second time
        _log(run, summary, submissions - known if known else submissions)
    return summary


def _log(run: _Import, summary: ImportSummary, submissions: Iterable[str]) -> None:
    cursor = run.conn.execute(
        "INSERT INTO imports (source, imported_at, klaster_version, members_added, rows_added, "
        "values_added, submissions_skipped) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            summary.source,
            _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            __version__,
            summary.members_added,
            summary.rows_added,
            summary.values_added,
            summary.submissions_skipped,
        ),
    )
    # Sorted: appending to the key's B-tree is faster than inserting all over it.
    insert_rows(
        run.conn,
        "INSERT INTO submissions (id, import_key) VALUES",
        f"(?, {int(cursor.lastrowid or 0)})",
        sorted(submissions),
    )


def _add_rounds(run: _Import) -> int:
    stored = {r.id: r for _, r in _keys.stored_rounds(run.conn, run.source)}
    added = 0
    for index, rnd in enumerate(run.batch.rounds):
        if stored.get(rnd.id) == rnd:
            continue  # declared by the mapping, added by an earlier import
        try:
            _keys.add_round(run.conn, run.source, rnd)
        except KlasterError as exc:
            raise run.fail("a round cannot be added", [str(exc.at(f"rounds[{index}]"))]) from None
        added += 1
    return added


# -- members ------------------------------------------------------------------------------------


def _add_members(run: _Import, members: list[NewMember]) -> None:
    by_cluster: dict[str, list[NewMember]] = {}
    for item in members:
        by_cluster.setdefault(item.cluster_id, []).append(item)
    problems: list[str] = []
    taken = _existing(run.conn, "members", [m.member.id for m in members])
    for cluster_id, items in by_cluster.items():
        where = items[0].where or run.batch.source
        try:
            shell = _loading.cluster_shell(
                run.conn, run.source, cluster_id, (m.group_id for m in items if m.group_id)
            )
        except KlasterError as exc:
            problems.append(f"{where}: {exc.message}")
            continue
        spells: list[tuple[str, int]] = []
        for item in items:
            place = item.where or run.batch.source
            if item.member.id in taken:
                problems.append(
                    f"{place}: member {item.member.id!r} is already in the store; member IDs are "
                    "unique in the program"
                )
                continue
            try:
                shell.add_member(item.member)
            except KlasterError as exc:  # located in the partial cluster: keep the field only
                problems.append(f"{place}: {_field(exc)}{exc.message}")
                continue
            if item.group_id is None:
                continue
            try:
                group = shell.join_group(item.group_id, item.member.id, item.member.joined)
            except KlasterError as exc:
                problems.append(f"{place}: group {item.group_id!r}: {exc.message}")
                continue
            spells.append((group.id, len(group.memberships) - 1))
        if not problems:
            _insert_members(run, shell.id, [m.member for m in items], spells, shell)
    if problems:
        raise run.fail("new members were refused", problems)


def _field(exc: KlasterError) -> str:
    path = (exc.path or "").split(".", 1)
    return f"{path[1]}: " if len(path) == 2 else ""


def _insert_members(
    run: _Import,
    cluster_id: str,
    members: list[Member],
    spells: list[tuple[str, int]],
    shell: Cluster,
) -> None:
    conn = run.conn
    start = _program.next_positions(conn, "members", "cluster_id", [cluster_id])[cluster_id]
    conn.executemany(
        _program.INSERT_MEMBER,
        (_program.member_row(cluster_id, start + i, m) for i, m in enumerate(members)),
    )
    positions = _program.next_positions(conn, "memberships", "group_id", (g for g, _ in spells))
    rows = []
    for group_id, index in spells:
        spell = shell.groups[group_id].memberships[index]
        rows.append(_program.membership_row(cluster_id, group_id, positions[group_id], spell))
        positions[group_id] += 1
    conn.executemany(_program.INSERT_MEMBERSHIP, rows)
    run.report(len(members))


def _existing(conn: sqlite3.Connection, table: str, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for part in chunks(sorted(set(ids))):
        query = f"SELECT id FROM {table} WHERE id IN ({placeholders(len(part))})"
        found.update(row[0] for row in conn.execute(query, part))
    return found


# -- observation values -------------------------------------------------------------------------


def _add_block(run: _Import, block: ObservationBlock, keep: list[bool] | None) -> int:
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
    values = {code: list(column) for code, column in block.values.items()}
    if keep is not None:
        units, rows = list(compress(units, keep)), list(compress(rows, keep))
        values = {code: list(compress(column, keep)) for code, column in values.items()}
    if not units:
        return 0
    variables = _block_variables(run, block, where)
    level = next(iter(variables.values())).level
    _check_duplicates(run, units, rows, where)
    keys = _unit_keys(run, cluster_id, level, units, rows, where)
    _check_sectors(run, cluster_id, level, variables, units, values, rows, where)
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
    _write_values(run, round_key, keys, encoded)
    return len(units)


def _check_shape(run: _Import, block: ObservationBlock, where: str) -> None:
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


def _block_variables(run: _Import, block: ObservationBlock, where: str) -> dict[str, Variable]:
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


def _check_duplicates(run: _Import, units: list[str], rows: list[int], where: str) -> None:
    if len(set(units)) == len(units):
        return
    first: dict[str, int] = {}
    problems = []
    for unit, row in zip(units, rows, strict=True):
        seen = first.setdefault(unit, row)
        if seen != row:
            problems.append(
                f"{where} row {row}: unit {unit!r} already has a row in this block (row {seen})"
            )
    raise run.fail("a unit appears twice in one round", problems)


def _unit_keys(
    run: _Import,
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
                f"{where} row {row}: {level.value} {unit!r} is not a {level.value} of cluster "
                f"{cluster_id!r}"
                for unit, row in zip(units, rows, strict=True)
                if unit in unknown
            ]
            raise run.fail("rows name units the store does not hold", problems)
        if len(new) == len(units):  # every unit is new (no duplicates: checked before)
            return keys
        mapping.update(zip(new, keys, strict=True))
    return list(map(mapping.__getitem__, units))


def _check_sectors(
    run: _Import,
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
    run: _Import, round_key: int, keys: list[int], encoded: dict[int, Sequence[Any]]
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
