"""The store's integrity check: SQLite's page and index check, and every reference resolved."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from klaster.errors import StoreError
from klaster.store import _keys, _round_units


def check_integrity(conn: sqlite3.Connection, path: Path, version: int) -> None:
    """Run SQLite's integrity and foreign-key checks and look for orphan units and values.

    ``round_units`` is checked from schema version 3 (a version-2 store read as it is has none).

    Raises:
        StoreError: Naming what failed.
    """
    found = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
    broken = conn.execute("PRAGMA foreign_key_check").fetchall()
    units = _keys.orphan_units(conn)
    values = _keys.orphan_values(conn)
    if found != ["ok"]:
        shown = "; ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
        raise StoreError(
            f"{path}: the integrity check failed ({shown}); restore the store from a backup"
        )
    problems = sorted({f"{row[0]} → {row[2]}" for row in broken})
    if units:
        problems.append(f"units → members/groups/cooperatives ({units})")
    if values:
        problems.append(f"observation_values → rounds/variables/units ({values} rows)")
    if problems:
        raise StoreError(
            f"{path}: the foreign-key check failed: rows refer to missing records "
            f"({'; '.join(problems)}); the store was changed outside klaster"
        )
    if version >= 3:
        _check_round_units(conn, path)


def _check_round_units(conn: sqlite3.Connection, path: Path) -> None:
    """The surveyed units of each round: as the values say, and the triggers keeping them."""
    if not _round_units.exists(conn):
        raise StoreError(
            f"{path}: the store has schema version 3 but no round_units table (dropped outside "
            "klaster); restore the store from a backup"
        )
    extra, missing = _round_units.differences(conn)
    problems = []
    if extra or missing:
        problems.append(
            f"round_units differs from the observation values ({extra} (round, unit) pair(s) "
            f"without a value, {missing} missing)"
        )
    gone = _round_units.missing_triggers(conn)
    if gone:
        problems.append(f"the triggers keeping round_units are missing ({', '.join(gone)})")
    if problems:
        raise StoreError(
            f"{path}: the surveyed units of the rounds are out of date ({'; '.join(problems)}); "
            "the store was changed outside klaster. Loading all the observations and saving "
            "them again (Store.save_observations) rebuilds them"
        )
