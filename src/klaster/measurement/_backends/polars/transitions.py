"""CIBEST transitions on the polars fast path: the same table, from joins instead of loops.

Each round key's members are placed as the report's quadrant shares place them
(:mod:`klaster.measurement._backends.polars.core`); the placed members of the two rounds are joined
on
the member, and each cell's moves, paired members and attrition are counted with group-bys.
The cells become the same :class:`~klaster.measurement.methods.cibest.CibestTransitions` the Python
way
adds up from :func:`~klaster.measurement.methods.cibest.cibest_transitions` (the tests check both
agree).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from klaster._support.huge_pages import huge_pages_paused
from klaster.measurement._backends.polars.cells import Naming
from klaster.measurement._backends.polars.core import quadrant
from klaster.measurement._backends.polars.members import MemberTable
from klaster.measurement._backends.polars.program import DIMS, Records
from klaster.measurement._frames import Frames
from klaster.measurement.methods.cibest import CibestTransitions
from klaster.measurement.transitions import Combo, TransitionTable, check

__all__ = ["transition_table"]

_SIZE = 4


def transition_table(
    engine: Any, frames: Frames, from_round: str, to_round: str, specs: list[tuple[str, ...]]
) -> TransitionTable:
    """The :class:`TransitionTable` of two round keys (raises ``Unsupported`` as placement does)."""
    with huge_pages_paused():  # big arrays: see pages.py
        return _table(engine, frames, from_round, to_round, specs)


def _table(
    engine: Any, frames: Frames, from_round: str, to_round: str, specs: list[tuple[str, ...]]
) -> TransitionTable:
    by_key = check(frames, from_round, to_round, specs)
    used = {d for spec in specs for d in spec}
    dims = ["sector", *(d for d in DIMS if d in used)]
    naming = Naming([c.id for c in engine.program.clusters])
    any_frame = {f.cluster.id: f for _, _, of_key in frames for f in of_key}
    records = Records(engine.program, any_frame, dims, naming)
    placed = [_placed(engine, by_key[key], records) for key in (from_round, to_round)]
    a = placed[0].rename({"q": "qa"})
    b = placed[1].rename({"q": "qb"})
    paired = a.join(b.select("_m", "qb"), on="_m", how="inner")
    only_a = a.join(b, on="_m", how="anti")
    only_b = b.join(a, on="_m", how="anti")
    cells: dict[Combo, list[int]] = {}
    for spec in specs:
        names = ["_c" if d == "cluster" else f"_d_{d}" for d in spec]
        known = pl.all_horizontal([pl.col(k).is_not_null() for k in names] or [pl.lit(True)])
        for table, moves in ((paired, ["qa", "qb"]), (only_a, ["qa"]), (only_b, [])):
            inside = table.filter(known)
            if inside.is_empty():
                continue  # no member of these: no cell (a group-by by nothing gives a row of 0)
            grouped = (
                inside.group_by([*names, *moves]).len()
                if names or moves
                else inside.select(pl.len())
            )
            for row in grouped.iter_rows():
                combo = tuple((d, naming.name(d, code)) for d, code in zip(spec, row, strict=False))
                flat = cells.setdefault(combo, [0] * (_SIZE * _SIZE + _SIZE + 1))
                flat[_position(row[len(names) : -1])] += row[-1]
    ordered = sorted(cells, key=lambda c: (len(c), c))
    return TransitionTable(
        from_round, to_round, tuple((c, _transitions(cells[c])) for c in ordered)
    )


def _position(quadrants: tuple[int, ...]) -> int:
    """Where a count goes in a cell's flat list: the 4×4 matrix, only_a by quadrant, only_b."""
    if len(quadrants) == 2:
        return quadrants[0] * _SIZE + quadrants[1]
    if len(quadrants) == 1:
        return _SIZE * _SIZE + quadrants[0]
    return _SIZE * _SIZE + _SIZE


def _placed(engine: Any, frames: list[Any], records: Records) -> pl.DataFrame:
    """The members placed in one round key: ``_m`` (member), ``_c``, categories, ``q``."""
    table = MemberTable(engine, frames, records)
    q = quadrant(table)
    frame = table.frame().with_columns(pl.Series("_m", table.positions), q.alias("q"))
    keys = ["_c", *(f"_d_{d}" for d in records.dims)]
    return frame.filter(pl.col("q").is_not_null() & (pl.col("_m") >= 0)).select("_m", *keys, "q")


def _transitions(flat: list[int]) -> CibestTransitions:
    matrix = tuple(tuple(flat[i * _SIZE : (i + 1) * _SIZE]) for i in range(_SIZE))
    only_a_by = flat[_SIZE * _SIZE : _SIZE * _SIZE + _SIZE]
    paired = sum(flat[: _SIZE * _SIZE])
    return CibestTransitions(
        matrix=matrix,  # type: ignore[arg-type]
        paired=paired,
        only_a=sum(only_a_by),
        only_b=flat[-1],
        only_a_by_quadrant=(only_a_by[0], only_a_by[1], only_a_by[2], only_a_by[3]),
    )
