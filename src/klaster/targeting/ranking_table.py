"""The result of a ranking: :class:`RankingTable`, one row per candidate region, explained.

Each row is a :class:`~klaster.model.RankedRegion` (every score part, the total, the rank, the
decision with its bilingual label and the reason in words). The table gives tidy records,
pandas/polars frames (optional extras), plain text, and :meth:`RankingTable.as_choice`: the
record of the choice for ``program.choose_locations``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from klaster._support import dataframes as _dataframes
from klaster.catalogue.indicator import Direction
from klaster.errors import ValidationError
from klaster.model.location_choice import (
    ChoiceWeight,
    LocationChoice,
    LocationDecision,
    RankedRegion,
)
from klaster.targeting.ranking_rule import RankingRule

__all__ = ["RankingTable", "plain_number"]


def plain_number(value: Decimal) -> str:
    """A decimal without trailing zeros, in plain notation (``0.8125``, ``15``)."""
    return format(value.normalize(), "f") if value else "0"


class RankingTable:
    """The ranking: one :class:`~klaster.model.RankedRegion` per candidate, with every score part.

    Iterating yields the rows (ranked ones by rank, then the others by code).

    Args:
        rows: The rows.
        rule: The rule that made them.
    """

    def __init__(self, rows: tuple[RankedRegion, ...], rule: RankingRule) -> None:
        self.rows = rows
        self.rule = rule

    def __iter__(self) -> Iterator[RankedRegion]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return f"<RankingTable of {len(self.rows)} regions, {len(self.selected)} selected>"

    @property
    def selected(self) -> tuple[str, ...]:
        """The codes of the selected regions, best first."""
        return tuple(r.code for r in self.rows if r.decision is LocationDecision.SELECTED)

    def row(self, code: str) -> RankedRegion:
        """The row of the region with Kemendagri ``code``.

        Raises:
            ValidationError: No such region in the table.
        """
        for found in self.rows:
            if found.code == code:
                return found
        raise ValidationError(
            f"no region {code!r} in the ranking; it has {', '.join(r.code for r in self.rows)}",
            path="code",
        )

    def to_records(self) -> list[dict[str, Any]]:
        """One flat record per region, for analysis.

        Keys: code, name, parent, decision (value and labels), reason, total, rank, then
        ``<indicator>``, ``<indicator>_normalised``, ``<indicator>_points`` for each indicator
        the rule reads. Values are exact ``Decimal``s (``None`` where missing).
        """
        records = []
        for row in self.rows:
            record: dict[str, Any] = {
                "code": row.code,
                "name": row.name,
                "parent": row.parent,
                "decision": row.decision.value,
                "decision_id": row.decision.label_id,
                "decision_en": row.decision.label_en,
                "reason": row.reason,
                "total": row.total,
                "rank": row.rank,
            }
            for indicator in self.rule.indicators():
                part = row.part(indicator)
                record[indicator] = None if part is None else part.value
                record[f"{indicator}_normalised"] = None if part is None else part.normalised
                record[f"{indicator}_points"] = None if part is None else part.points
            records.append(record)
        return records

    def to_pandas(self) -> Any:
        """The records as a ``pandas.DataFrame`` (decimals as floats; needs ``klaster[pandas]``)."""
        return _dataframes.to_pandas(self.to_records())

    def to_polars(self) -> Any:
        """The records as a ``polars.DataFrame`` (floats; needs ``klaster[columnar]``)."""
        return _dataframes.to_polars(self.to_records())

    def to_text(self, language: str = "en") -> str:
        """The table as plain text, one line per region.

        Columns: rank, code, name, each weighted indicator's value and points, total, decision
        (in ``language``: ``"id"`` or ``"en"``) and reason.
        """
        indicators = [w.indicator for w in self.rule.weights]
        header = ["rank", "code", "name", *indicators, "total", "decision", "reason"]
        lines = [header]
        for row in self.rows:
            cells = [str(row.rank or "-"), row.code, row.name]
            for indicator in indicators:
                part = row.part(indicator)
                value = "-" if part is None or part.value is None else str(part.value)
                points = "" if part is None or part.points is None else f" ({_short(part.points)})"
                cells.append(value + points)
            cells += [_short(row.total), row.decision.label.get(language), row.reason]
            lines.append(cells)
        widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
        return "\n".join(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=False))
            + "  "
            + line[-1]
            for line in lines
        )

    def as_choice(
        self,
        id: str,
        decided_on: Any,
        decided_by: str,
        *,
        chosen: Iterable[str] | None = None,
        sources: Iterable[str] | None = None,
        note: str | None = None,
    ) -> LocationChoice:
        """The choice this ranking supports, as a record for ``program.choose_locations``.

        Args:
            id: The choice's ID.
            decided_on: The day it was decided (a date or ``"YYYY-MM-DD"``).
            decided_by: Who decided (a role or body).
            chosen: The codes chosen (default: the selected regions).
            sources: Where the figures come from (default: every source the score parts cite).
            note: Free text.

        Raises:
            ValidationError: No region chosen, or a chosen code that is not a candidate of the
                rule's level.
        """
        cited = sorted({p.source for r in self.rows for p in r.parts if p.source is not None})
        return LocationChoice(
            id,
            self.rule.level,
            decided_on,
            decided_by,
            self.rule.summary(),
            self.selected if chosen is None else tuple(chosen),
            [
                ChoiceWeight(w.indicator, w.weight, w.direction is Direction.HIGHER)
                for w in self.rule.weights
            ],
            self.rows,
            cited if sources is None else tuple(sources),
            note,
        )


def _short(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:.4f}"
