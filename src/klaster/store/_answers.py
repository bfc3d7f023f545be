"""Which submission answered each unit in each round, and what a second answer does.

An import writing a variable a unit already has a value for in the round would overwrite an
answer. The ``answers`` table (created on first use, so older stores need no migration) keeps
each (round, unit)'s submission and ``_submission_time``. An edited submission (Kobo's
``meta/deprecatedID``) replaces the one it edits; any other overlap is refused naming both
submissions, unless the import asks to keep the later one by ``_submission_time``
(``on_conflict="replace"``): a later submission replaces the stored answer, an earlier one is
left out.
"""

from __future__ import annotations

from collections.abc import Sequence

from klaster.importing.batch import ObservationBlock
from klaster.store._connection import chunks, placeholders
from klaster.store._import_run import ImportRun

_DDL = """CREATE TABLE IF NOT EXISTS answers (
    round_key INTEGER NOT NULL,
    unit_key INTEGER NOT NULL,
    submission TEXT NOT NULL,
    submitted TEXT,
    PRIMARY KEY (round_key, unit_key)
) WITHOUT ROWID"""


def ensure_table(run: ImportRun) -> None:
    """Create the ``answers`` table if the store has none yet."""
    run.conn.execute(_DDL)


def replace_edited(run: ImportRun, edits: Sequence[str | None], variable_keys: list[int]) -> None:
    """Remove the answers the block's edited submissions replace.

    Their values of the block's variables go, in whichever round and unit they were.
    """
    targets = sorted({e for e in edits if e})
    if not targets:
        return
    conn = run.conn
    marks = placeholders(len(variable_keys))
    emptied: list[tuple[int, int]] = []
    for part in chunks(targets):
        marked = placeholders(len(part))
        query = f"SELECT round_key, unit_key FROM answers WHERE submission IN ({marked})"
        for round_key, unit_key in conn.execute(query, part).fetchall():
            run.round_units.take()  # before the first delete: no trigger per row
            conn.execute(
                "DELETE FROM observation_values WHERE round_key = ? AND unit_key = ? AND "
                f"variable_key IN ({marks})",
                (round_key, unit_key, *variable_keys),
            )
            conn.execute(
                "DELETE FROM answers WHERE round_key = ? AND unit_key = ?", (round_key, unit_key)
            )
            emptied.append((round_key, unit_key))
            run.replaced += 1
    if emptied:  # a unit may keep rows of variables the edit does not answer
        run.round_units.recheck(emptied)


def settle(
    run: ImportRun,
    block: ObservationBlock,
    round_key: int,
    variable_keys: list[int],
    keys: list[int],
    picked: tuple[list[str], list[str | None], list[int], list[str]],
    where: str,
) -> list[bool] | None:
    """Which rows to write (``None``: all), the policy applied to answers already stored.

    Raises:
        ImportDataError: An answer would be overwritten and the policy does not allow it.
    """
    subs, times, rows, units = picked
    conn = run.conn
    taken: set[int] = set()
    wanted = set(keys)
    for variable_key in variable_keys:
        args = (round_key, variable_key)
        query = "SELECT unit_key FROM observation_values WHERE round_key = ? AND variable_key = ?"
        if conn.execute(query + " LIMIT 1", args).fetchone() is not None:
            taken.update(u for (u,) in conn.execute(query, args) if u in wanted)
    if not taken:
        return None
    stored: dict[int, tuple[str, str | None]] = {}
    ordered = sorted(taken)
    for part in (ordered[i : i + 900] for i in range(0, len(ordered), 900)):
        query = (
            "SELECT unit_key, submission, submitted FROM answers WHERE round_key = ? AND "
            f"unit_key IN ({placeholders(len(part))})"
        )
        stored.update((u, (s, t)) for u, s, t in conn.execute(query, (round_key, *part)))
    keep = [True] * len(keys)
    problems = []
    for index, key in enumerate(keys):
        if key not in taken:
            continue
        old_sub, old_time = stored.get(key, (None, None))
        new_time = times[index]
        if run.on_conflict == "replace" and old_time and new_time and old_time != new_time:
            if new_time > old_time:
                run.replaced += 1
            else:
                keep[index] = False  # an earlier answer never replaces a later one
                run.outdated += 1
            continue
        old = f"submission {old_sub!r}" if old_sub else "values recorded without a submission ID"
        how = (
            "their _submission_time cannot order them (missing or equal)"
            if run.on_conflict == "replace"
            else "import with on_conflict='replace' to keep the later one by _submission_time, "
            "or leave the row out"
        )
        problems.append(
            f"{where} row {rows[index]}: {block.round_id!r} already holds an answer for "
            f"{units[index]!r} ({old}); submission {subs[index]!r} would overwrite it: {how}"
        )
    if problems:
        raise run.fail("answers already stored would be overwritten", problems)
    return keep


def record(
    run: ImportRun, round_key: int, keys: list[int], subs: list[str], times: list[str | None]
) -> None:
    """Remember which submission answered each written (round, unit)."""
    run.conn.executemany(
        "INSERT OR REPLACE INTO answers (round_key, unit_key, submission, submitted) "
        "VALUES (?, ?, ?, ?)",
        ((round_key, key, sub, time) for key, sub, time in zip(keys, subs, times, strict=True)),
    )
