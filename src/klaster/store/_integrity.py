"""The store's integrity check: SQLite's page and index check, and every reference resolved."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from klaster.errors import StoreError
from klaster.store import _keys


def check_integrity(conn: sqlite3.Connection, path: Path) -> None:
    """Run SQLite's integrity and foreign-key checks and look for orphan units and values.

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
