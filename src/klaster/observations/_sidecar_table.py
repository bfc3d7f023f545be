"""A table of a sidecar's rows as both columnar readers (JSON Lines, Parquet) group them."""

from __future__ import annotations

from klaster.catalogue.variable import Level

__all__ = ["Table"]


class Table:
    """One table of rows to read: its round, level, first row, row count and cells read."""

    __slots__ = ("cells", "count", "first", "level", "round_id")

    def __init__(
        self, round_id: str, level: Level, first: int, count: int, cells: dict[str, int]
    ) -> None:
        self.round_id, self.level, self.first, self.count = round_id, level, first, count
        self.cells = cells  # the cell (1 to width) of each code read
