"""Foster–Greer–Thorbecke poverty measures: headcount P0, depth P1, severity P2.

For per-capita incomes ``y`` (or expenditures), a per-capita poverty line ``z`` and weights ``w``::

    P_alpha = (1 / sum(w)) * sum over units with y < z of  w * ((z - y) / z) ** alpha

``alpha = 0`` gives the headcount ratio (share of people below the line, *persentase penduduk
miskin*), ``1`` the poverty gap or depth index (*indeks kedalaman kemiskinan*), ``2`` the severity
index (*indeks keparahan kemiskinan*). A unit exactly on the line is not poor (``y < z``, as in the
formula and in BPS's "below the line").

Decisions, all visible in :class:`FgtResult`:

* **Weights.** Without weights every unit counts once. To get BPS-style *person* rates from
  household data, pass each household's per-capita income with ``weights`` = household size:
  a household of five below the line then counts as five poor people.
* **Lines per unit.** ``lines`` is one line for everyone or one per unit (the line of the
  member's kabupaten and round), as ``Decimal``, :class:`~klaster.measurement.methods.poverty_lines.
  PovertyLine` or a :class:`~klaster.measurement.methods.poverty_lines.LineMatch` from a lookup; the
  result lists every line and source used and how many units got a fallback line.
* **Missing values** (``None`` or :class:`~klaster.measurement.na.NotAvailable`) leave the unit
  out; each kind of gap is counted. Nothing is imputed and nothing becomes zero.
* **Negative incomes** (a business loss) are treated as zero in the gap, so a gap ratio never
  exceeds 1 and ``0 <= P2 <= P1 <= P0 <= 1`` holds; such units are counted.
* **Exactness.** Sums are exact; each measure is divided once and kept to 28 significant digits.
  Round only to present: :func:`round_measure` (shares) and :meth:`FgtResult.percent` (×100,
  as BPS prints them).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from decimal import Decimal, localcontext
from fractions import Fraction

from attrs import frozen

from klaster.errors import ValidationError
from klaster.label import Label
from klaster.measurement.methods.exactmath import (
    EXACT,
    Value,
    check_length,
    is_missing,
    read_number,
    round_to,
    to_result,
)
from klaster.measurement.methods.poverty_lines import LineMatch, PovertyLine
from klaster.measurement.na import NotAvailable, bilingual

__all__ = [
    "FgtMeasure",
    "FgtPercent",
    "FgtResult",
    "LineValue",
    "fgt",
    "round_measure",
]

LineValue = Decimal | int | PovertyLine | LineMatch
"""A poverty line as :func:`fgt` takes it: Rupiah per capita per month, or a line record."""


class FgtMeasure(enum.StrEnum):
    """The three FGT measures, with the names BPS uses."""

    P0 = "p0"
    """Headcount ratio: share of people below the line."""
    P1 = "p1"
    """Poverty gap (depth): mean shortfall from the line, as a share of the line."""
    P2 = "p2"
    """Severity: mean squared shortfall; weighs the poorest most."""

    @property
    def alpha(self) -> int:
        """The FGT exponent (0, 1 or 2)."""
        return int(self.value[1])

    @property
    def label(self) -> Label:
        """The measure's name in Indonesian (as in BPS releases) and English."""
        return {
            FgtMeasure.P0: Label("Persentase penduduk miskin (P0)", "Poverty headcount (P0)"),
            FgtMeasure.P1: Label("Indeks kedalaman kemiskinan (P1)", "Poverty gap index (P1)"),
            FgtMeasure.P2: Label("Indeks keparahan kemiskinan (P2)", "Poverty severity index (P2)"),
        }[self]


@frozen
class FgtPercent:
    """FGT measures ×100 and rounded, as BPS prints them (P0 9.36, P1 1.53, P2 0.38).

    Args:
        p0: Headcount, percent.
        p1: Depth index ×100.
        p2: Severity index ×100.
        places: Decimals kept (half up).
    """

    p0: Decimal
    p1: Decimal
    p2: Decimal
    places: int


@frozen
class FgtResult:
    """P0, P1 and P2 of one population, with everything needed to read them.

    Measures are shares between 0 and 1 (28 significant digits, unrounded); see
    :meth:`percent` and :func:`round_measure` for presentation.

    Args:
        p0: Headcount ratio.
        p1: Poverty gap (depth) index.
        p2: Severity index.
        n: Units used (with an income, a line and a weight).
        poor: Units below their line.
        population: Sum of the weights of the units used (people, when weights are household
            sizes; equal to ``n`` without weights).
        poor_population: Sum of the weights of the poor units.
        weighted: Whether weights were given.
        lines: Every distinct line used (Rupiah per capita per month), smallest first.
        sources: Every distinct :class:`PovertyLine` record used, when lines were given as records.
        fallback_units: Units whose line came from a lookup that fell back to a larger area.
        missing_income: Units left out for a missing income.
        missing_line: Units left out for a missing line.
        missing_weight: Units left out for a missing weight.
        negative_incomes: Units with a negative income, counted with a gap ratio of 1.

    A unit missing several values is counted once, under the first of income, line, weight.
    """

    p0: Decimal
    p1: Decimal
    p2: Decimal
    n: int
    poor: int
    population: Decimal
    poor_population: Decimal
    weighted: bool
    lines: tuple[Decimal, ...]
    sources: tuple[PovertyLine, ...] = ()
    fallback_units: int = 0
    missing_income: int = 0
    missing_line: int = 0
    missing_weight: int = 0
    negative_incomes: int = 0

    def measure(self, which: FgtMeasure | str) -> Decimal:
        """One measure by name (``"p0"``, ``"p1"``, ``"p2"``)."""
        return {FgtMeasure.P0: self.p0, FgtMeasure.P1: self.p1, FgtMeasure.P2: self.p2}[
            FgtMeasure(which)
        ]

    @property
    def excluded(self) -> int:
        """All units left out for a missing value."""
        return self.missing_income + self.missing_line + self.missing_weight

    def percent(self, places: int = 2) -> FgtPercent:
        """The measures ×100, rounded half up to ``places`` decimals, as BPS prints them.

        Example:
            >>> fgt([300_000, 600_000], 550_458).percent()
            FgtPercent(p0=Decimal('50.00'), p1=Decimal('22.75'), p2=Decimal('10.35'), places=2)
        """
        hundred = Decimal(100)
        return FgtPercent(
            round_to(self.p0 * hundred, places),
            round_to(self.p1 * hundred, places),
            round_to(self.p2 * hundred, places),
            places,
        )


def round_measure(value: Decimal, places: int = 4) -> Decimal:
    """Round a share (an FGT measure, an index) half up to ``places`` decimals, for display.

    Example:
        >>> round_measure(Decimal("0.07291637"))
        Decimal('0.0729')
    """
    return round_to(value, places)


def _read_line(value: object, path: str) -> tuple[Decimal, PovertyLine | None, bool]:
    """A line's Rupiah, its record (if any) and whether a lookup fell back to find it."""
    if isinstance(value, LineMatch):
        return value.line.rupiah, value.line, value.fell_back
    if isinstance(value, PovertyLine):
        return value.rupiah, value, False
    amount = read_number(value, path)
    if amount <= 0:
        raise ValidationError("a poverty line must be more than zero", path=path)
    return amount, None, False


def _read_weight(value: object, path: str) -> Decimal:
    weight = read_number(value, path)
    if weight < 0:
        raise ValidationError("a weight must be zero or more", path=path)
    return weight


def fgt(
    incomes: Sequence[Value],
    lines: LineValue | Sequence[LineValue | NotAvailable | None],
    *,
    weights: Sequence[Decimal | int | None] | None = None,
) -> FgtResult | NotAvailable:
    """Compute P0, P1 and P2 of per-capita incomes against per-capita poverty lines.

    Args:
        incomes: Per-capita income (or expenditure) per unit, Rupiah per month, in the same
            period as the lines; ``None``/:class:`NotAvailable` when missing.
        lines: One line for all units, or one per unit (``None``/:class:`NotAvailable` when a
            unit has none, e.g. a failed lookup).
        weights: Optional weight per unit: household size for person-level rates from household
            per-capita incomes, or a survey weight.

    Returns:
        An :class:`FgtResult`, or :class:`NotAvailable` when no unit (or no weight) is left.

    Raises:
        ValidationError: A float, a non-number, a line of zero or less, a negative weight, or
            sequences of different lengths; located as ``incomes[3]``, ``lines[2]``...

    Example:
        The worked example of the domain reference: ten people, three below the March 2023
        national line::

            >>> incomes = [300_000, 450_000, 500_000] + [600_000] * 7
            >>> r = fgt(incomes, 550_458)
            >>> r.p0, round_measure(r.p1), round_measure(r.p2)
            (Decimal('0.3'), Decimal('0.0729'), Decimal('0.0249'))
    """
    count = len(incomes)
    per_unit: Sequence[LineValue | NotAvailable | None] | None = None
    if isinstance(lines, Sequence) and not isinstance(lines, str):
        per_unit = lines
        check_length(per_unit, count, "lines", "incomes")
    else:
        shared = _read_line(lines, "lines")
    if weights is not None:
        check_length(weights, count, "weights", "incomes")

    total_weight: Decimal | int = 0
    poor_weight: Decimal | int = 0
    # Per line: sum of w * (z - y) and of w * (z - y)^2 over the poor, divided by z and z^2 once.
    gaps: dict[Decimal, list[Decimal | int]] = {}
    sources: dict[tuple[object, ...], PovertyLine] = {}
    used_lines: set[Decimal] = set()
    n = poor = fallback_units = negative = 0
    missing_income = missing_line = missing_weight = 0
    weight: Decimal | int = 1
    if per_unit is None:
        z, record, fell_back = shared
    # Exact context: +, - and * on Decimals never round inside the loop.
    with localcontext(EXACT):
        for index, raw in enumerate(incomes):
            # Fast paths for the two accepted types; read_number handles (and refuses) the rest.
            kind = type(raw)
            if kind is int or (kind is Decimal and raw.is_finite()):  # type: ignore[union-attr]
                income: Decimal | int = raw  # type: ignore[assignment]
            elif is_missing(raw):
                missing_income += 1
                continue
            else:
                income = read_number(raw, f"incomes[{index}]")
            if per_unit is not None:
                raw_line = per_unit[index]
                if is_missing(raw_line):
                    missing_line += 1
                    continue
                z, record, fell_back = _read_line(raw_line, f"lines[{index}]")
            if weights is not None:
                raw_weight = weights[index]
                if type(raw_weight) is int and raw_weight >= 0:
                    weight = raw_weight
                elif is_missing(raw_weight):
                    missing_weight += 1
                    continue
                else:
                    weight = _read_weight(raw_weight, f"weights[{index}]")
            n += 1
            total_weight += weight
            if per_unit is not None:
                used_lines.add(z)
                if record is not None:
                    sources.setdefault(record.key, record)
                if fell_back:
                    fallback_units += 1
            if income < 0:
                negative += 1
                income = 0
            if income < z:
                poor += 1
                poor_weight += weight
                gap = z - income
                sums = gaps.get(z)
                if sums is None:
                    sums = gaps[z] = [0, 0]
                weighted_gap = weight * gap
                sums[0] += weighted_gap
                sums[1] += weighted_gap * gap
    if per_unit is None and n:
        used_lines.add(z)
        if record is not None:
            sources[record.key] = record
        fallback_units = n if fell_back else 0

    if n == 0:
        return bilingual(
            f"no unit has an income, a line and a weight ({missing_income} missing an income, "
            f"{missing_line} a line, {missing_weight} a weight)",
            f"tidak ada unit yang memiliki pendapatan, garis kemiskinan dan bobot "
            f"({missing_income} tanpa pendapatan, {missing_line} tanpa garis, "
            f"{missing_weight} tanpa bobot)",
        )
    if total_weight == 0:
        return bilingual(
            f"the weights of all {n} units are zero", f"bobot semua {n} unit bernilai nol"
        )
    population = Fraction(total_weight)
    depth = sum((Fraction(s[0]) / Fraction(z) for z, s in gaps.items()), Fraction(0))
    severity = sum((Fraction(s[1]) / Fraction(z) ** 2 for z, s in gaps.items()), Fraction(0))
    return FgtResult(
        p0=to_result(Fraction(poor_weight) / population),
        p1=to_result(depth / population),
        p2=to_result(severity / population),
        n=n,
        poor=poor,
        population=Decimal(total_weight),
        poor_population=Decimal(poor_weight),
        weighted=weights is not None,
        lines=tuple(sorted(used_lines)),
        sources=tuple(sources.values()),
        fallback_units=fallback_units,
        missing_income=missing_income,
        missing_line=missing_line,
        missing_weight=missing_weight,
        negative_incomes=negative,
    )
