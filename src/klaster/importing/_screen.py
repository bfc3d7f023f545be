"""Rows the sector plugins refuse, set aside with their submission when reading ``keep_valid``.

The plugins' ``klaster_validate_values`` run on the batch's blocks (``reader.sector_problems``),
whose problems are located ``<file> row <n>: round '<R>' <level> '<ID>': <problem> (plugin
'<name>')``. Each is taken back to the main row of its submission and added to the reader's
problems there, so a refused row (or a refused row of a repeat that gives one row per unit)
sets its whole submission aside exactly as a cell problem does: in ``batch.rejected``, with the
row as read for the rejects file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from klaster.errors import ImportDataError
from klaster.importing._blocks import Columns
from klaster.importing._problems import Problems
from klaster.importing.batch import ImportBatch

__all__ = ["Screen", "set_aside"]

Screen = Callable[[ImportBatch], Sequence[str]]
"""The plugins' located problems with a batch (``reader.sector_problems`` bound to the data)."""


def set_aside(
    screen: Screen,
    batch: ImportBatch,
    repeats: Sequence[tuple[Columns, str]],
    problems: Problems,
) -> set[int]:
    """Add each problem ``screen`` finds to its submission's main row; return those rows.

    Args:
        screen: The plugins' check.
        batch: The rows that passed every other check (main blocks sourced ``problems.source``).
        repeats: The columns and source of each repeat giving one row per unit (their
            ``owners`` are the main rows).
        problems: The reader's problems, added to.

    Raises:
        ImportDataError: A problem names no row of the batch (not expected: refused whole
            rather than imported unchecked).
    """
    found = screen(batch)
    if not found:
        return set()
    owners = {src: dict(zip(cols.rows, cols.owners or (), strict=True)) for cols, src in repeats}
    refused: set[int] = set()
    unplaced: list[str] = []
    for problem in found:
        place = _place(problem, problems.source, owners)
        if place is None:
            unplaced.append(problem)
            continue
        owner, reason = place
        problems.add(owner, reason)
        refused.add(owner)
    if unplaced:
        raise ImportDataError(
            f"{problems.source}: the sector plugins refused rows; nothing was imported",
            problems=unplaced,
        )
    return refused


def _place(
    problem: str, main: str, owners: Mapping[str, Mapping[int, int]]
) -> tuple[int, str] | None:
    """The main row and the reason (without its file and row) of one located problem."""
    start = 0
    while (at := problem.find(": ", start)) >= 0:
        source, sep, number = problem[:at].rpartition(" row ")
        if sep and number.isdigit():
            rest = problem[at + 2 :]
            if source == main:
                return int(number), rest
            rows = owners.get(source, {})
            if int(number) in rows:
                return rows[int(number)], f"(repeat {source} row {number}) {rest}"
        start = at + 2
    return None
