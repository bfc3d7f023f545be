"""CIBEST transitions: how households moved between quadrants from one round to another.

:func:`cibest_transitions` cross-tabulates the quadrants of two rounds
(:class:`~klaster.measurement.methods.cibest_indices.CibestRound`) over the households placed in
both and
counts the others apart (attrition, new households), so a shrinking sample is never read as
households moving.
"""

from __future__ import annotations

from collections.abc import Iterable

from attrs import frozen

from klaster.errors import ValidationError
from klaster.measurement.methods.cibest_indices import CibestRound
from klaster.measurement.methods.cibest_quadrants import QUADRANT_ORDER, Quadrant

__all__ = ["CibestTransitions", "cibest_transitions"]


@frozen
class CibestTransitions:
    """Movements between the quadrants of two rounds, over households placed in both.

    Args:
        matrix: Counts; ``matrix[i][j]`` households went from quadrant ``i`` in round a to
            quadrant ``j`` in round b (quadrant order I–IV).
        paired: Households placed in both rounds (the matrix total).
        only_a: Households placed in round a but not in b: absent from b, or unplaceable
            there (see ``CibestRound.unplaced``). The attrition from round a.
        only_b: Households placed in round b but not in a.
        only_a_by_quadrant: ``only_a`` by their round-a quadrant, to see whether attrition is
            selective (e.g. the poorest dropping out).
    """

    matrix: tuple[tuple[int, int, int, int], ...]
    paired: int
    only_a: int
    only_b: int
    only_a_by_quadrant: tuple[int, int, int, int]

    def count(self, before: Quadrant | str, after: Quadrant | str) -> int:
        """Households that went from ``before`` (round a) to ``after`` (round b)."""
        return self.matrix[QUADRANT_ORDER.index(Quadrant(before))][
            QUADRANT_ORDER.index(Quadrant(after))
        ]

    def row(self, before: Quadrant | str) -> tuple[int, int, int, int]:
        """Where the paired households of ``before`` in round a went, by quadrant in round b."""
        row = self.matrix[QUADRANT_ORDER.index(Quadrant(before))]
        return (row[0], row[1], row[2], row[3])

    def stayed(self) -> int:
        """Paired households in the same quadrant in both rounds."""
        return sum(self.matrix[i][i] for i in range(len(QUADRANT_ORDER)))

    def rows(self) -> Iterable[tuple[Quadrant, Quadrant, int]]:
        """Every cell as ``(quadrant in a, quadrant in b, count)``, for a tidy table."""
        for i, before in enumerate(QUADRANT_ORDER):
            for j, after in enumerate(QUADRANT_ORDER):
                yield before, after, self.matrix[i][j]


def cibest_transitions(a: CibestRound, b: CibestRound) -> CibestTransitions:
    """Cross-tabulate the quadrants of two rounds (e.g. baseline and endline).

    Only households placed in both rounds enter the matrix; the others are counted in
    ``only_a``/``only_b``, so a shrinking sample is never read as households moving.

    Raises:
        ValidationError: When the rounds were placed with incomparable settings (another
            material method, spiritual line or boundary rule; the material line's amount may
            differ).

    Example:
        >>> from decimal import Decimal
        >>> from klaster.measurement.methods import CibestConfig, MaterialLine, place_households
        >>> config = CibestConfig(MaterialLine.needs_survey(2_000_000, "needs survey 2023"))
        >>> a = place_households(["H1", "H2"], [1_000_000, 1_500_000], [Decimal(4)] * 2, config)
        >>> b = place_households(["H1", "H3"], [2_500_000, 900_000], [Decimal(4)] * 2, config)
        >>> t = cibest_transitions(a, b)
        >>> t.count("material_poverty", "welfare"), t.paired, t.only_a, t.only_b
        (1, 1, 1, 1)
    """
    for name, value in (("a", a), ("b", b)):
        if not isinstance(value, CibestRound):
            raise ValidationError(
                f"must be a CibestRound (from place_households), got {type(value).__name__}",
                path=name,
            )
    if not a.config.comparable_with(b.config):
        raise ValidationError(
            "the rounds were placed with different material methods, spiritual lines or "
            "boundary rules; place both with the same settings (only the material line's amount "
            "may change)",
            path="b.config",
        )
    size = len(QUADRANT_ORDER)
    matrix = [[0] * size for _ in range(size)]
    lost = [0] * size
    after = b.placements
    for unit, before in a.placements.items():
        i = QUADRANT_ORDER.index(before)
        now = after.get(unit)
        if now is None:
            lost[i] += 1
        else:
            matrix[i][QUADRANT_ORDER.index(now)] += 1
    paired = sum(map(sum, matrix))
    return CibestTransitions(
        matrix=tuple((r[0], r[1], r[2], r[3]) for r in matrix),
        paired=paired,
        only_a=sum(lost),
        only_b=len(after) - paired,
        only_a_by_quadrant=(lost[0], lost[1], lost[2], lost[3]),
    )
