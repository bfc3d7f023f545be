"""Welfare statistics: income per capita, paired income change, and questionnaire indices.

**Paired change.** A program's claim "income rose 50% over the baseline" is only about the
members observed in *both* rounds: comparing the mean of everyone at baseline with the mean of
whoever was found at endline mixes a change in income with a change in who answered.
:func:`paired_change` uses the paired members only and reports how many were lost on each side.

It reports two percentages that answer different questions and are routinely confused:

* :attr:`PairedChange.pct_change_of_means`: the change of the mean income, ``(mean after −
  mean before) / mean before × 100``. It is a ratio of sums (``Σ after / Σ before − 1``): "the
  members' total income rose by x%". Large incomes weigh more.
* :attr:`PairedChange.mean_of_pct_changes`: the mean over members of each member's own percent
  change: "the typical member's income rose by x%". Members with a baseline of zero or less have
  no percent change and are left out (and counted); a few members starting from very little can
  dominate it.

**Questionnaire indices** (social capital and the like) are in
:mod:`klaster.measurement.methods.scales` (importable from here too).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from decimal import Decimal, localcontext

from attrs import frozen

from klaster._support.validate import (
    require_id,
)
from klaster.errors import ValidationError
from klaster.label import Label
from klaster.measurement.methods.exactmath import (
    EXACT,
    Value,
    check_household_size,
    check_length,
    divide,
    is_missing,
    median,
    plain_number,
    read_number,
    term,
)
from klaster.measurement.methods.scales import (
    MissingItems,
    QuestionnaireScale,
    ScaleItem,
    ScaleScore,
    ScaleSummary,
)
from klaster.measurement.na import NotAvailable, bilingual

__all__ = [
    "ChangeMeasure",
    "MissingItems",
    "PairedChange",
    "QuestionnaireScale",
    "ScaleItem",
    "ScaleScore",
    "ScaleSummary",
    "paired_change",
    "per_capita",
    "per_capita_incomes",
]


# -- income per capita -----------------------------------------------------------------------------
def per_capita(income: Value, household_size: int | None) -> Decimal | NotAvailable:
    """Household income divided by household size (Rupiah per person, same period).

    The quotient is kept to 28 significant digits, not rounded to whole rupiah: rounding could
    move a household across a poverty line (1,651,373 / 3 is just *below* 550,458).

    Args:
        income: Household income; ``None``/:class:`NotAvailable` when missing.
        household_size: People in the household; ``None`` when unknown.

    Returns:
        The per-capita income, or :class:`NotAvailable` when either value is missing.

    Raises:
        ValidationError: A float income, a size that is not a whole number of at least 1.

    Example:
        >>> per_capita(1_651_373, 3) < 550_458
        True
    """
    if is_missing(income):
        return bilingual("household income missing", "pendapatan rumah tangga kosong")
    if household_size is None:
        return bilingual("household size missing", "jumlah anggota rumah tangga kosong")
    amount = read_number(income, "income")
    check_household_size(household_size, "household_size")
    return divide(amount, household_size)


def per_capita_incomes(
    incomes: Sequence[Value], household_sizes: Sequence[int | None]
) -> tuple[Decimal | NotAvailable, ...]:
    """:func:`per_capita` for every unit of two parallel sequences.

    Errors are located (``incomes[3]``, ``household_sizes[3]``).

    Example:
        >>> per_capita_incomes([1_200_000, None], [4, 2])
        (Decimal('300000'), NotAvailable(reason='household income missing'))
    """
    check_length(household_sizes, len(incomes), "household_sizes", "incomes")
    result: list[Decimal | NotAvailable] = []
    for index, (income, size) in enumerate(zip(incomes, household_sizes, strict=True)):
        if (
            (type(income) is int or (type(income) is Decimal and income.is_finite()))
            and type(size) is int
            and size >= 1
        ):
            result.append(divide(income, size))
            continue
        try:
            result.append(per_capita(income, size))
        except ValidationError as exc:
            where = "incomes" if exc.path == "income" else "household_sizes"
            raise ValidationError(exc.message, path=f"{where}[{index}]") from None
    return tuple(result)


# -- paired change ---------------------------------------------------------------------------------
class ChangeMeasure(enum.StrEnum):
    """The statistics of a paired change, named for a report."""

    MEAN_CHANGE = "mean_change"
    """Mean of the members' changes (= change of the mean)."""
    MEDIAN_CHANGE = "median_change"
    """Median of the members' changes (not the change of the medians)."""
    PCT_CHANGE_OF_MEANS = "pct_change_of_means"
    """Percent change of the mean (a ratio of sums)."""
    MEAN_OF_PCT_CHANGES = "mean_of_pct_changes"
    """Mean of the members' percent changes."""

    @property
    def label(self) -> Label:
        """The statistic's name in Indonesian and English."""
        return {
            ChangeMeasure.MEAN_CHANGE: Label("Rata-rata perubahan", "Mean change"),
            ChangeMeasure.MEDIAN_CHANGE: Label("Median perubahan", "Median change"),
            ChangeMeasure.PCT_CHANGE_OF_MEANS: Label(
                "Persentase perubahan rata-rata", "Percent change of the mean"
            ),
            ChangeMeasure.MEAN_OF_PCT_CHANGES: Label(
                "Rata-rata persentase perubahan per anggota", "Mean of members' percent changes"
            ),
        }[self]


@frozen
class PairedChange:
    """The change of a value between two rounds over the units observed in both.

    Args:
        n: Units with a value in both rounds (the pairs).
        baseline_only: Units with a value at baseline but none at follow-up: absent at
            follow-up or not answering. The attrition from the baseline.
        followup_only: Units with a value at follow-up but none at baseline (joined later, or
            baseline missing).
        mean_baseline: Mean at baseline, over the pairs.
        mean_followup: Mean at follow-up, over the pairs.
        mean_change: ``mean_followup − mean_baseline`` (equal to the mean of the changes).
        median_change: The median of the units' changes (not the difference of the medians).
        pct_change_of_means: ``mean_change / mean_baseline × 100``, a ratio of sums; not
            available when the baseline mean is zero or less.
        mean_of_pct_changes: The mean over units of ``(after − before) / before × 100``, over
            the pairs with a baseline above zero; not available when there are none. Each
            unit's ratio is taken to 50 significant digits before the exact sum (an exact
            rational sum over a million distinct baselines would not finish).
        pct_units: Pairs that entered ``mean_of_pct_changes``.
        pct_excluded: Pairs left out of it for a baseline of zero or less.
    """

    n: int
    baseline_only: int
    followup_only: int
    mean_baseline: Decimal
    mean_followup: Decimal
    mean_change: Decimal
    median_change: Decimal
    pct_change_of_means: Decimal | NotAvailable
    mean_of_pct_changes: Decimal | NotAvailable
    pct_units: int
    pct_excluded: int

    def measure(self, which: ChangeMeasure | str) -> Decimal | NotAvailable:
        """One statistic by name (see :class:`ChangeMeasure`)."""
        return {
            ChangeMeasure.MEAN_CHANGE: self.mean_change,
            ChangeMeasure.MEDIAN_CHANGE: self.median_change,
            ChangeMeasure.PCT_CHANGE_OF_MEANS: self.pct_change_of_means,
            ChangeMeasure.MEAN_OF_PCT_CHANGES: self.mean_of_pct_changes,
        }[ChangeMeasure(which)]


def _observed(values: Mapping[str, Value], name: str) -> dict[str, Decimal | int]:
    if not isinstance(values, Mapping):
        raise ValidationError(
            f"must be a mapping of unit ID to value, got {type(values).__name__}", path=name
        )
    found: dict[str, Decimal | int] = {}
    for unit, value in values.items():
        require_id(unit, f"{name} key")
        number = plain_number(value)
        if number is not None:
            found[unit] = number
        elif not is_missing(value):
            found[unit] = read_number(value, f"{name}[{unit!r}]")
    return found


def paired_change(
    baseline: Mapping[str, Value], followup: Mapping[str, Value]
) -> PairedChange | NotAvailable:
    """Change of a value (income) from baseline to follow-up, over units observed in both.

    Args:
        baseline: Value per unit ID at baseline; ``None``/:class:`NotAvailable` when missing.
        followup: Value per unit ID at follow-up (midline, endline, monitoring).

    Returns:
        A :class:`PairedChange`, or :class:`NotAvailable` when no unit has both values.

    Raises:
        ValidationError: A bad ID, a float or non-number (located by unit ID; the value is not
            repeated).

    Example:
        >>> before = {"M1": 1_000_000, "M2": 100_000, "M3": 800_000}
        >>> after = {"M1": 1_200_000, "M2": 300_000, "M4": 900_000}
        >>> c = paired_change(before, after)
        >>> c.n, c.baseline_only, c.followup_only
        (2, 1, 1)
        >>> c.pct_change_of_means, c.mean_of_pct_changes
        (Decimal('36.36363636363636363636363636'), Decimal('110.0'))
    """
    before = _observed(baseline, "baseline")
    after = _observed(followup, "followup")
    pairs = [(value, after[unit]) for unit, value in before.items() if unit in after]
    n = len(pairs)
    if n == 0:
        return bilingual(
            f"no unit has a value in both rounds ({len(before)} at baseline, {len(after)} at "
            "follow-up)",
            f"tidak ada unit yang bernilai di kedua putaran ({len(before)} di survei awal, "
            f"{len(after)} di survei lanjutan)",
        )
    with localcontext(EXACT):  # exact sums and differences
        total_before = sum(b for b, _ in pairs)
        total_after = sum(a for _, a in pairs)
        changes = [a - b for b, a in pairs]
        total_change = total_after - total_before
        ratio_sum = Decimal(0)
        pct_units = 0
        for b, a in pairs:
            if b > 0:
                ratio_sum += term(a - b, b)
                pct_units += 1
        pct_of_means: Decimal | NotAvailable
        if total_before > 0:
            # Ratio of sums: the n in both means cancels.
            pct_of_means = divide(total_change * 100, total_before)
        else:
            pct_of_means = bilingual(
                "the baseline mean is zero or less: no percent change",
                "rata-rata awal nol atau kurang: tidak ada persentase perubahan",
            )
        mean_of_pct: Decimal | NotAvailable
        if pct_units:
            mean_of_pct = divide(ratio_sum * 100, pct_units)
        else:
            mean_of_pct = bilingual(
                "no paired unit has a baseline above zero",
                "tidak ada unit berpasangan yang nilai awalnya di atas nol",
            )
    return PairedChange(
        n=n,
        baseline_only=len(before) - n,
        followup_only=len(after) - n,
        mean_baseline=divide(total_before, n),
        mean_followup=divide(total_after, n),
        mean_change=divide(total_change, n),
        median_change=Decimal(median(changes)),
        pct_change_of_means=pct_of_means,
        mean_of_pct_changes=mean_of_pct,
        pct_units=pct_units,
        pct_excluded=n - pct_units,
    )
