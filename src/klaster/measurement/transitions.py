"""CIBEST transitions as an engine table: members' moves between quadrants from round to round.

One row per cell of each disaggregation and pair of quadrants, with the attrition of each cell.

Built on :func:`~klaster.measurement.methods.cibest.cibest_transitions`: each cluster's two rounds
are
placed (:class:`~klaster.measurement.methods.cibest.CibestRound`) the way the ``cibest_*``
indicators place
members, cross-tabulated over the members placed in both, and the clusters' tables add up per
cell. Only paired members enter the counts; the others are counted apart (``only_before``,
``only_after``), so a shrinking sample is never read as members moving.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from attrs import frozen

from klaster._support import dataframes as _dataframes
from klaster.catalogue.variable import Level
from klaster.errors import NotFoundError, ValidationError
from klaster.formatting import default_lang
from klaster.label import Label
from klaster.measurement import _results_view as view
from klaster.measurement._backends.layout import DIMENSIONS, MULTI_VALUED
from klaster.measurement._backends.python.core import cibest_placement, default_cibest
from klaster.measurement._backends.python.fixedpoint import Unsupported
from klaster.measurement._backends.python.welfare import QUADRANTS
from klaster.measurement._frames import Frames
from klaster.measurement.core_indicators import frame_poverty_line
from klaster.measurement.methods.cibest import (
    CibestConfig,
    CibestRound,
    CibestTransitions,
    Quadrant,
    cibest_transitions,
)
from klaster.measurement.na import NotAvailable, bilingual
from klaster.measurement.unit_frame import UnitFrame
from klaster.measurement.welfare_indicators import member_quadrants

__all__ = ["COLUMN_LABELS", "TransitionRow", "TransitionTable", "check", "transition_table"]

Combo = tuple[tuple[str, str], ...]


@frozen
class TransitionRow:
    """Members of one cell who were in quadrant ``before`` and then in quadrant ``after``.

    Args:
        by: The cell, as ``(dimension, category)`` pairs (``()`` for the whole program).
        before: Quadrant in the first round.
        after: Quadrant in the second round.
        count: Members placed in both rounds who made this move.
        share: ``count`` over the cell's paired members.
        share_of_before: ``count`` over the cell's paired members who started in ``before``
            (the chance of this move for them).
        paired: The cell's members placed in both rounds.
    """

    by: Combo
    before: Quadrant
    after: Quadrant
    count: int
    share: Decimal | NotAvailable
    share_of_before: Decimal | NotAvailable
    paired: int


@frozen(repr=False)
class TransitionTable:
    """CIBEST transitions between two rounds, per cell of each disaggregation.

    A cell is there when at least one of its members was placed in either round.

    Args:
        from_round: Round key of the start (``"baseline"``...).
        to_round: Round key of the end.
        cells: Per cell, in the order of their disaggregation, the summed
            :class:`~klaster.measurement.methods.cibest.CibestTransitions` of its clusters.
    """

    from_round: str
    to_round: str
    cells: tuple[tuple[Combo, CibestTransitions], ...]

    def __iter__(self) -> Iterator[TransitionRow]:
        for combo, found in self.cells:
            for before, after, count in found.rows():
                started = sum(found.row(before))
                yield TransitionRow(
                    combo,
                    before,
                    after,
                    count,
                    _share(count, found.paired),
                    _share(count, started),
                    found.paired,
                )

    def __len__(self) -> int:
        return len(self.cells) * len(QUADRANTS) ** 2

    def __repr__(self) -> str:
        paired = sum(found.paired for combo, found in self.cells if not combo)
        return (
            f"TransitionTable({self.from_round} → {self.to_round}, {len(self.cells)} cells"
            + (f", {paired} paired members in total" if any(not c for c, _ in self.cells) else "")
            + ")"
        )

    def _repr_html_(self) -> str:
        return view.transitions_html(self, QUADRANTS, default_lang())

    def transitions(self, **by: str) -> CibestTransitions:
        """The cross-tabulation of the cell ``by`` (none: the whole program).

        Raises:
            NotFoundError: No such cell.
        """
        wanted = tuple(sorted(by.items()))
        for combo, found in self.cells:
            if tuple(sorted(combo)) == wanted:
                return found
        where = ", ".join(f"{k}={v!r}" for k, v in by.items()) or "no disaggregation"
        if not self.cells:
            raise NotFoundError(
                f"no transitions with {where}: no member was placed in either round (a member "
                "needs an income, a household size and all five spiritual items)"
            )
        raise NotFoundError(f"no transitions with {where}; give a cell of the table's `by`")

    def count(self, before: Quadrant | str, after: Quadrant | str, **by: str) -> int:
        """Paired members of the cell ``by`` who went from ``before`` to ``after``."""
        return self.transitions(**by).count(before, after)

    def to_records(self) -> list[dict[str, Any]]:
        """Plain dicts, one per cell and move, with labels in Indonesian and English.

        Columns: one per dimension, ``before``/``after`` (quadrant codes) with their labels
        (``before_id``, ``before_en``...), ``count``, ``share``, ``share_of_before``, and the
        cell's ``paired``, ``only_before`` and ``only_after`` members.
        """
        dims = tuple(dict.fromkeys(name for combo, _ in self.cells for name, _ in combo))
        cells = dict(self.cells)
        records = []
        for row in self:
            found = cells[row.by]
            named = dict(row.by)
            record: dict[str, Any] = {"from_round": self.from_round, "to_round": self.to_round}
            record.update({dim: named.get(dim) for dim in dims})
            record.update(
                before=row.before.value,
                before_id=row.before.label.id,
                before_en=row.before.label.en,
                after=row.after.value,
                after_id=row.after.label.id,
                after_en=row.after.label.en,
                count=row.count,
                share=None if isinstance(row.share, NotAvailable) else row.share,
                share_of_before=(
                    None if isinstance(row.share_of_before, NotAvailable) else row.share_of_before
                ),
                paired=found.paired,
                only_before=found.only_a,
                only_after=found.only_b,
            )
            records.append(record)
        return records

    def to_polars(self) -> Any:
        """A ``polars.DataFrame`` of :meth:`to_records` (shares as ``Float64``).

        Raises:
            KlasterError: polars is not installed (``pip install 'klaster[columnar]'``).
        """
        return _dataframes.to_polars(self.to_records())

    def to_pandas(self) -> Any:
        """A ``pandas.DataFrame`` of :meth:`to_records` (shares as ``float``).

        Raises:
            KlasterError: pandas is not installed (``pip install 'klaster[pandas]'``).
        """
        return _dataframes.to_pandas(self.to_records())


COLUMN_LABELS = {
    "before": Label("Kuadran awal", "Quadrant before"),
    "after": Label("Kuadran akhir", "Quadrant after"),
    "count": Label("Jumlah mitra", "Members"),
    "share": Label("Bagian dari mitra berpasangan", "Share of paired members"),
    "share_of_before": Label(
        "Bagian dari mitra di kuadran awal", "Share of members starting in that quadrant"
    ),
    "only_before": Label("Hanya di putaran awal (atrisi)", "Only in the first round (attrition)"),
    "paired": Label("Mitra di kedua putaran", "Members placed in both rounds"),
    "only_after": Label("Hanya di putaran akhir", "Only in the second round"),
}
"""Bilingual headings of the columns of :meth:`TransitionTable.to_records`."""


def _share(count: int, total: int) -> Decimal | NotAvailable:
    if not total:
        return bilingual("no paired member in this cell", "tidak ada mitra berpasangan di sel ini")
    return Decimal(count) / total


def check(
    frames: Frames, from_round: str, to_round: str, specs: list[tuple[str, ...]]
) -> dict[str, list[UnitFrame]]:
    """The frames of each round key, once the keys and disaggregations are checked.

    Raises:
        ValidationError: An unknown dimension, or ``group`` or ``cooperative``
            (:data:`~klaster.measurement._backends.layout.MULTI_VALUED`): a member may be in
            several,
            and a member's groups change between rounds.
        NotFoundError: No round has one of the keys.
    """
    for spec in specs:
        for dim in spec:
            if dim not in DIMENSIONS or dim in MULTI_VALUED:
                valid = ", ".join(d for d in DIMENSIONS if d not in MULTI_VALUED)
                raise ValidationError(
                    f"cannot split transitions by {dim!r}; use {valid} (a member may be in "
                    "several groups or cooperatives, and a member's groups change between "
                    "rounds)",
                    path="by",
                )
    by_key = {key: found for key, _, found in frames}
    for name, key in (("from_round", from_round), ("to_round", to_round)):
        if key not in by_key:
            raise NotFoundError(
                f"no round {key!r}; rounds: {', '.join(by_key) or 'none'}", path=name
            )
    return by_key


def transition_table(
    frames: Frames, from_round: str, to_round: str, specs: list[tuple[str, ...]]
) -> TransitionTable:
    """The :class:`TransitionTable` of two round keys over a report's frames."""
    by_key = check(frames, from_round, to_round, specs)
    first = {f.cluster.id: f for f in by_key[from_round]}
    second = {f.cluster.id: f for f in by_key[to_round]}
    sums: dict[Combo, list[int]] = {}
    for cluster_id in dict.fromkeys([*first, *second]):
        a, b = _placed(first.get(cluster_id)), _placed(second.get(cluster_id))
        if a is None and b is None:
            continue
        config = (a or b)[0]  # type: ignore[index]
        a_round = a[1] if a else CibestRound(config, {})
        b_round = b[1] if b else CibestRound(config, {})
        frame = first.get(cluster_id) or second[cluster_id]
        for combo, part_a, part_b in _cells(frame, a_round, b_round, specs):
            _add(sums, combo, cibest_transitions(part_a, part_b))
    cells = tuple((combo, _transitions(sums[combo])) for combo in sorted(sums, key=_order))
    return TransitionTable(from_round, to_round, cells)


def _order(combo: Combo) -> tuple[int, Combo]:
    return len(combo), combo


def _placed(frame: UnitFrame | None) -> tuple[CibestConfig, CibestRound] | None:
    if frame is None:
        return None
    line = frame_poverty_line(frame)
    if isinstance(line, NotAvailable):
        return None  # nobody can be placed in this round
    units = frame.unit_ids(Level.MEMBER)
    try:
        found: Sequence[Quadrant | None] = [
            None if q is None else QUADRANTS[q] for q in cibest_placement(frame)
        ]
    except Unsupported:
        _, found = member_quadrants(frame)
    config = default_cibest(line)
    placements = {u: q for u, q in zip(units, found, strict=True) if q is not None}
    unplaced = tuple(u for u, q in zip(units, found, strict=True) if q is None)
    return config, CibestRound(config, placements, unplaced)


def _cells(
    frame: UnitFrame, a: CibestRound, b: CibestRound, specs: list[tuple[str, ...]]
) -> Iterator[tuple[Combo, CibestRound, CibestRound]]:
    units = tuple(dict.fromkeys([*a.placements, *b.placements]))
    if not units:
        return  # nobody placed in either round: no cell
    for spec in specs:
        if not spec:
            yield (), a, b
            continue
        columns = [frame.dimension(Level.MEMBER, dim, units) or () for dim in spec]
        members: dict[Combo, set[str]] = {}
        for position, unit in enumerate(units):
            combo: list[tuple[str, str]] = []
            for dim, column in zip(spec, columns, strict=True):
                categories = column[position] if column else ()
                if not categories:
                    break
                combo.append((dim, categories[0]))
            else:
                members.setdefault(tuple(combo), set()).add(unit)
        for cell, inside in members.items():
            yield cell, _restrict(a, inside), _restrict(b, inside)


def _restrict(found: CibestRound, units: set[str]) -> CibestRound:
    placements = {u: q for u, q in found.placements.items() if u in units}
    return CibestRound(found.config, placements)


def _add(sums: dict[Combo, list[int]], combo: Combo, found: CibestTransitions) -> None:
    flat = [v for row in found.matrix for v in row]
    flat += [found.paired, found.only_a, found.only_b, *found.only_a_by_quadrant]
    total = sums.get(combo)
    if total is None:
        sums[combo] = flat
    else:
        sums[combo] = [x + y for x, y in zip(total, flat, strict=True)]


def _transitions(flat: list[int]) -> CibestTransitions:
    size = len(QUADRANTS)
    matrix = tuple(
        (flat[i * size], flat[i * size + 1], flat[i * size + 2], flat[i * size + 3])
        for i in range(size)
    )
    rest = flat[size * size :]
    return CibestTransitions(
        matrix=matrix,
        paired=rest[0],
        only_a=rest[1],
        only_b=rest[2],
        only_a_by_quadrant=(rest[3], rest[4], rest[5], rest[6]),
    )
