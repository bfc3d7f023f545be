"""Graduated households: members poor at baseline and not poor at endline, paired by member.

The count behind the **cost per graduated household** of a budget statement
(:func:`klaster.finance.budget_vs_actual` takes it as ``graduated=``; the finance package never
imports measurement, so the count is made here and handed over). The rule, per cluster:

* a member is **poor** in a round when their household's per-capita income (``monthly_income``
  ÷ ``household_size`` of that round, else the member's registered household size, as P0 reads
  it) is below the round's poverty line, the line the
  ``poverty_headcount`` (P0) indicator uses (the cluster's kabupaten, else province or national
  line on the round's date); a member exactly on the line is not poor, as in P0. The comparison
  is exact (income < line × household size);
* a member **graduated** when poor in the baseline round and not poor in the endline round;
* only members placed in both rounds count (**paired** by member ID): a member surveyed once, or
  without an income or a household size in either round, is neither counted nor assumed.

Rounds are named by their key, as in reports (``"baseline"``, ``"endline"``, ``"monitoring_2"``):
each cluster's round of that key. A cluster without both rounds has no count.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, overload

from klaster.catalogue.variable import Level
from klaster.errors import NotFoundError, ValidationError
from klaster.measurement._frames import frames_of
from klaster.measurement.core_indicators import frame_poverty_line
from klaster.measurement.na import NotAvailable
from klaster.measurement.unit_frame import UnitFrame

if TYPE_CHECKING:
    from klaster.measurement.engine import Measurement

__all__ = ["graduated_households"]


@overload
def graduated_households(
    measurement: Measurement,
    baseline: str = ...,
    endline: str = ...,
    *,
    by: tuple[Literal["cluster"]] = ...,
) -> dict[str, int]: ...


@overload
def graduated_households(
    measurement: Measurement,
    baseline: str = ...,
    endline: str = ...,
    *,
    by: tuple[()],
) -> int: ...


def graduated_households(
    measurement: Measurement,
    baseline: str = "baseline",
    endline: str = "endline",
    *,
    by: Iterable[str] = ("cluster",),
) -> dict[str, int] | int:
    """Households that left poverty between two rounds (see the module doc for the rule).

    Args:
        measurement: The :class:`~klaster.measurement.Measurement` of a program and its
            observations (its ``poverty_lines`` are the lines used).
        baseline: Round key of the start.
        endline: Round key of the end.
        by: ``("cluster",)``: a count per cluster that has both rounds; ``()``: their total.

    Returns:
        ``{cluster ID: households}`` by cluster, else the total. Pass either to
        :func:`klaster.finance.budget_vs_actual` as ``graduated=``.

    Raises:
        ValidationError: ``by`` is neither ``("cluster",)`` nor ``()``, or a cluster's round
            has no poverty line.
        NotFoundError: No round has one of the keys.
    """
    chosen = tuple(by)
    if chosen not in (("cluster",), ()):
        raise ValidationError(
            f"cannot count graduated households by {', '.join(map(repr, chosen))}; "
            "use ('cluster',) or ()",
            path="by",
        )
    frames = frames_of(measurement.program, measurement.observations, measurement.poverty_lines)
    by_key = {key: found for key, _, found in frames}
    for name, key in (("baseline", baseline), ("endline", endline)):
        if key not in by_key:
            raise NotFoundError(
                f"no round {key!r}; rounds: {', '.join(by_key) or 'none'}", path=name
            )
    before = {f.cluster.id: f for f in by_key[baseline]}
    after = {f.cluster.id: f for f in by_key[endline]}
    counts: dict[str, int] = {}
    for cluster in measurement.program.clusters:
        if cluster.id in before and cluster.id in after:
            poor_then = _poor(before[cluster.id])
            poor_now = _poor(after[cluster.id])
            counts[cluster.id] = sum(
                1 for m, poor in poor_then.items() if poor and poor_now.get(m) is False
            )
    return counts if chosen else sum(counts.values())


def _poor(frame: UnitFrame) -> dict[str, bool]:
    """Whether each member placed in the frame's round is poor (members not placed are absent)."""
    line = frame_poverty_line(frame)
    if isinstance(line, NotAvailable):
        raise ValidationError(
            f"cluster {frame.cluster.id!r}, round {frame.round.id!r}: no poverty line "
            f"({line.reason}); give Measurement(poverty_lines=...) a line for its region",
            path="poverty_lines",
        )
    units = frame.unit_ids(Level.MEMBER)
    incomes = frame.column("monthly_income", Level.MEMBER, units)
    sizes = frame.column("household_size", Level.MEMBER, units)
    line = Decimal(line)
    return {
        unit: income < line * size
        for unit, income, size in zip(units, incomes, sizes, strict=True)
        if income is not None and size  # a household of none has no per-capita income
    }
