"""One import batch being applied to the store: its counts, progress and refusals.

Internal interface shared by :mod:`klaster.store._imports` (rounds, members, the log) and
:mod:`klaster.store._import_values` (observation values).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

from klaster.catalogue.variable import Level
from klaster.errors import ImportDataError
from klaster.importing.batch import ImportBatch
from klaster.store import _keys

Progress = Callable[[int, int], None]


class ImportRun:
    """One batch being applied: counts, progress, and the problems found."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        source: Path,
        batch: ImportBatch,
        progress: Progress | None,
        on_conflict: str = "refuse",
    ) -> None:
        self.on_conflict = on_conflict
        self.replaced = 0  # stored answers replaced (by an edit or a later submission)
        self.outdated = 0  # rows left out: the stored answer is later
        self.conn = conn
        self.source = source
        self.batch = batch
        self.progress = progress
        self.done = 0
        self.total = 0
        self.values = 0
        self.variables = _keys.VariableKeys(conn, _keys.default_catalogue())
        # (round key, round ID, cluster ID, level, unit ID -> file row) of each block written
        self.touched: list[tuple[int, str, str, Level, dict[str, int]]] = []

    def fail(self, message: str, problems: Sequence[str]) -> ImportDataError:
        """The error refusing the whole batch, listing ``problems``."""
        return ImportDataError(
            f"{self.batch.source}: {message}; nothing was imported", problems=problems
        )

    def report(self, step: int) -> None:
        """Count ``step`` more rows written and report the progress."""
        self.done += step
        if self.progress is not None:
            self.progress(self.done, self.total)
