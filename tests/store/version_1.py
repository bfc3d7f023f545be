"""Writing a store as version 1 wrote it: the patches the issue-13 additions need.

A version-1 store has no intake tables and no ``members.application_id`` or ``groups.capacity``
column; tests that write one apply :func:`without_intake` next to their other patches.
"""

from __future__ import annotations

from typing import Any

import pytest

from klaster.store import _connection, _program


def without_intake(patch: pytest.MonkeyPatch) -> None:
    """Write no intake and the version-1 columns of members and groups."""

    def insert_tuples(conn: Any, table: str, columns: int, rows: Any) -> None:
        if table in ("members", "groups"):  # their last columns are new in version 2
            new = 2 if table == "groups" else 1  # (a group's capacity and village)
            columns, rows = columns - new, (row[:-new] for row in rows)
        _connection.insert_tuples(conn, table, columns, rows)

    def sectors_only(conn: Any, cluster: Any) -> None:  # no sector areas, no area overrides
        conn.executemany(
            "INSERT INTO cluster_sectors VALUES (?, ?, ?, ?)",
            ((cluster.id, s.sector, i, s.partner_id) for i, s in enumerate(cluster.sectors)),
        )

    patch.setattr(_program, "insert_tuples", insert_tuples)
    patch.setattr("klaster.store._program._area_rows.insert_sectors", sectors_only)
    patch.setattr("klaster.store._program._intake_rows.insert_entities", lambda *a: None)
    patch.setattr("klaster.store._creation._intake_rows.insert_history", lambda *a: None)
    # Nor the location-choice tables (issue 13, location targeting).
    patch.setattr("klaster.store._creation._locations.append_choices", lambda *a: None)
