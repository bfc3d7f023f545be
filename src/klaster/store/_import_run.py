"""One import batch being applied to the store: its counts, progress and refusals.

Internal interface shared by :mod:`klaster.store._imports` (rounds, members, the log) and
:mod:`klaster.store._import_values` (observation values).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from attrs import frozen

from klaster.catalogue.variable import Level, Variable
from klaster.errors import ImportDataError
from klaster.importing.batch import ImportBatch
from klaster.store import _keys, _round_units

Progress = Callable[[int, int], None]


@frozen
class Written:
    """One block's rows as written: what the sector plugins' check reads afterwards.

    Attributes:
        round_key: The round's key.
        round_id: The round's ID.
        cluster_id: The round's cluster.
        level: The units' level.
        where: The block's file, for messages.
        units: The unit IDs written, with their ``keys`` and file ``rows``.
        values: The values written, per variable code (the variables in ``variables``).
        alone: Per row, the sectors the reader's check saw the unit in alone (``None``: it did
            not); ``None`` when the reader did not check the block.
    """

    round_key: int
    round_id: str
    cluster_id: str
    level: Level
    where: str
    units: list[str]
    keys: list[int]
    rows: list[int]
    variables: dict[str, Variable]
    values: dict[str, list[Any]]
    alone: Sequence[tuple[str, ...] | None] | None


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
        self.touched: list[Written] = []  # each block written
        # Per round key the batch writes: the unit keys holding values before it wrote any.
        self.before: dict[int, set[int]] = {}
        self.sectors: dict[tuple[str, Level], dict[str, frozenset[str]]] = {}  # units' sectors
        self.round_units = _round_units.Kept(conn)  # restored by apply_import before COMMIT

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
