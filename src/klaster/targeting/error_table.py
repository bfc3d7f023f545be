"""Inclusion and exclusion error as a tidy table (:class:`TargetingErrors`).

:func:`~klaster.targeting.targeting_errors.targeting_errors` makes the table; this module holds
its shape: the two measures (:class:`TargetingMeasure`, with bilingual labels), the breakdowns
(:class:`Breakdown`: the total, by sector, by kecamatan, by desa, by desa and sector) and one
:class:`TargetingErrorRow` per measure and part, each with its numerator, denominator, the
poverty line used and, when the denominator is zero or the measure cannot be made, a
:class:`~klaster.measurement.na.NotAvailable` with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from attrs import frozen

from klaster._support import dataframes as _dataframes
from klaster.errors import ValidationError
from klaster.label import Label, LabelledEnum, labelled
from klaster.measurement.na import NotAvailable

__all__ = ["Breakdown", "TargetingErrorRow", "TargetingErrors", "TargetingMeasure", "share_of"]

SHARE_PLACES = Decimal("0.0001")
"""Shares are rounded half-up to four decimals (0.1234 = 12.34 %)."""


class TargetingMeasure(LabelledEnum):
    """The two targeting errors, as the targeting literature defines them.

    See e.g. Coady, Grosh & Hoddinott (2004), *Targeting of Transfers in Developing Countries*,
    World Bank; Cornia & Stewart (1993) for the two errors' names.
    """

    INCLUSION = labelled("inclusion_error", "Kesalahan inklusi", "Inclusion error")
    """Leakage: the share of those served (members enrolled through the intake) who are not
    poor at the later survey (per-capita income at or above the line)."""
    EXCLUSION = labelled("exclusion_error", "Kesalahan eksklusi", "Exclusion error")
    """Undercoverage: the share of the poor (applicants whose verified per-capita income is
    below the line) who were not served (not enrolled)."""


class Breakdown(LabelledEnum):
    """Which parts a row counts: all, or one sector, kecamatan, desa, or desa and sector."""

    TOTAL = labelled("total", "Jumlah", "Total")
    SECTOR = labelled("sector", "Per sektor", "By sector")
    KECAMATAN = labelled("kecamatan", "Per kecamatan", "By kecamatan")
    DESA = labelled("desa", "Per desa", "By desa")
    DESA_SECTOR = labelled("desa_sector", "Per desa dan sektor", "By desa and sector")


def share_of(numerator: int, denominator: int, why_none: str) -> Decimal | NotAvailable:
    """``numerator / denominator`` rounded half-up to four decimals, or why there is none.

    Args:
        numerator: Those counted (never more than the denominator).
        denominator: Those the share is of.
        why_none: The reason given when the denominator is zero.

    Example:
        >>> share_of(1, 3, "no one"), share_of(0, 0, "no members observed")
        (Decimal('0.3333'), NotAvailable(reason='no members observed'))
    """
    if not 0 <= numerator <= denominator:
        raise ValidationError(
            f"numerator {numerator} must be between 0 and the denominator {denominator}",
            path="numerator",
        )
    if denominator == 0:
        return NotAvailable(why_none)
    return (Decimal(numerator) / Decimal(denominator)).quantize(SHARE_PLACES, ROUND_HALF_UP)


@frozen
class TargetingErrorRow:
    """One measure for one part (or all) of the program.

    Args:
        measure: :class:`TargetingMeasure`.
        breakdown: :class:`Breakdown`: which of the fields below name the part.
        cluster_id: The cluster of a kecamatan or desa row (``None`` for total and sector rows).
        kecamatan: The kecamatan's name (``None`` for total and sector rows, and for a village
            that is not in the cluster's region tree).
        desa: The desa's name (desa rows).
        sector: The sector code (sector and desa-and-sector rows).
        numerator: Inclusion: members not poor at the survey; exclusion: poor applicants not
            enrolled.
        denominator: Inclusion: enrolled members observed in the survey; exclusion: applicants
            found poor by the verification.
        share: ``numerator / denominator`` (four decimals), or :class:`NotAvailable` with why.
        not_observed: Inclusion: enrolled members of the part with no income or household size
            in the survey round; exclusion: applicants of the part not verified. Neither
            counted nor assumed.
        lines: The poverty lines used, each with its source and any fallback explanation.
        note: How the figure was made when it is not the standard one (exclusion from
            screening answers), else ``None``.
    """

    measure: TargetingMeasure
    breakdown: Breakdown
    cluster_id: str | None
    kecamatan: str | None
    desa: str | None
    sector: str | None
    numerator: int
    denominator: int
    share: Decimal | NotAvailable
    not_observed: int
    lines: tuple[Label, ...]
    note: str | None = None

    @property
    def part(self) -> str:
        """The part as text (``"total"``, ``"umkm"``, ``"Bantaeng / Lamalaka / umkm"``)."""
        if self.breakdown is Breakdown.TOTAL:
            return "total"
        names = [] if self.breakdown is Breakdown.SECTOR else [self.kecamatan or "(no kecamatan)"]
        names += [n for n in (self.desa, self.sector) if n is not None]
        return " / ".join(names)


_LINE_JOIN = "; "


class TargetingErrors:
    """Inclusion and exclusion error by part: one :class:`TargetingErrorRow` per measure and part.

    Args:
        rows: The rows (in the order made: per measure, total, sectors, kecamatan, desa,
            desa and sector).
        survey_round: What the inclusion error was measured at (round ID or key), if anything.
        exclusion_source: ``"verification"``, ``"screening answers"`` or ``None`` (no exclusion
            error could be made).
        unlinked_members: Members of the program not enrolled through the intake (registered
            directly): not in the inclusion error.
    """

    __slots__ = ("_rows", "exclusion_source", "survey_round", "unlinked_members")

    def __init__(
        self,
        rows: Iterable[TargetingErrorRow] = (),
        *,
        survey_round: str | None = None,
        exclusion_source: str | None = None,
        unlinked_members: int = 0,
    ) -> None:
        self._rows = tuple(rows)
        self.survey_round = survey_round
        self.exclusion_source = exclusion_source
        self.unlinked_members = unlinked_members

    @property
    def rows(self) -> tuple[TargetingErrorRow, ...]:
        """Every row."""
        return self._rows

    def __iter__(self) -> Iterator[TargetingErrorRow]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TargetingErrors):
            return NotImplemented
        return (self._rows, self.survey_round, self.exclusion_source, self.unlinked_members) == (
            other._rows,
            other.survey_round,
            other.exclusion_source,
            other.unlinked_members,
        )

    def __hash__(self) -> int:
        return hash(self._rows)

    def __repr__(self) -> str:
        return f"TargetingErrors({len(self._rows)} rows)"

    def select(
        self,
        measure: TargetingMeasure | str,
        breakdown: Breakdown | str = Breakdown.TOTAL,
    ) -> tuple[TargetingErrorRow, ...]:
        """The rows of one measure and breakdown (``("inclusion_error", "kecamatan")``)."""
        wanted, by = TargetingMeasure(measure), Breakdown(breakdown)
        return tuple(r for r in self._rows if r.measure is wanted and r.breakdown is by)

    def total(self, measure: TargetingMeasure | str) -> TargetingErrorRow:
        """The total row of a measure (every table has one per measure)."""
        (row,) = self.select(measure, Breakdown.TOTAL)
        return row

    def to_records(self) -> list[dict[str, Any]]:
        """Plain dicts, one per row; labels of the measure and lines in id and en.

        ``share`` is a ``Decimal``, or ``None`` with the reason in ``not_available``.
        """
        records = []
        for row in self._rows:
            share = row.share
            records.append(
                {
                    "measure": row.measure.value,
                    "measure_id": row.measure.label_id,
                    "measure_en": row.measure.label_en,
                    "breakdown": row.breakdown.value,
                    "cluster": row.cluster_id,
                    "kecamatan": row.kecamatan,
                    "desa": row.desa,
                    "sector": row.sector,
                    "numerator": row.numerator,
                    "denominator": row.denominator,
                    "share": None if isinstance(share, NotAvailable) else share,
                    "not_available": share.reason if isinstance(share, NotAvailable) else None,
                    "not_observed": row.not_observed,
                    "line_id": _LINE_JOIN.join(line.id for line in row.lines) or None,
                    "line_en": _LINE_JOIN.join(line.en for line in row.lines) or None,
                    "note": row.note,
                }
            )
        return records

    def to_pandas(self) -> Any:
        """A ``pandas.DataFrame`` of :meth:`to_records` (shares as ``float`` for analysis).

        Raises:
            KlasterError: pandas is not installed (``pip install 'klaster[pandas]'``).
        """
        return _dataframes.to_pandas(self.to_records())

    def to_polars(self) -> Any:
        """A ``polars.DataFrame`` of :meth:`to_records` (shares as ``Float64`` for analysis).

        Raises:
            KlasterError: polars is not installed (``pip install 'klaster[columnar]'``).
        """
        return _dataframes.to_polars(self.to_records())

    def summary(self, language: str = "en") -> str:
        """The two totals in a line each (``Inclusion error: 0.2500 (1 of 4) ...``)."""
        out = []
        for measure in TargetingMeasure:
            row = self.total(measure)
            name = measure.label.get(language)
            if isinstance(row.share, NotAvailable):
                out.append(f"{name}: {row.share}")
            else:
                of = "dari" if language == "id" else "of"
                out.append(f"{name}: {row.share} ({row.numerator} {of} {row.denominator})")
        return "\n".join(out)
