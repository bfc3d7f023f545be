"""Targets against actuals as a tidy table (:class:`TargetRow`, :class:`TargetStatus`, ...).

:class:`TargetTable` holds the rows.

:func:`~klaster.measurement.results_assessment.assess` makes them; each row carries the rule
that gave its status, in words, so a reader can check it by hand.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from attrs import frozen

from klaster._support import dataframes as _dataframes
from klaster.label import Label, LabelledEnum, labelled
from klaster.measurement.na import NotAvailable

__all__ = ["TargetRow", "TargetStatus", "TargetTable"]


class TargetStatus(LabelledEnum):
    """How an actual stands against its target (the rule is in :attr:`TargetRow.rule`)."""

    ACHIEVED = labelled("achieved", "Tercapai", "Achieved")
    """The actual meets the target in the indicator's direction."""
    ON_TRACK = labelled("on_track", "Sesuai jalur", "On track")
    """In the period, progress from the baseline keeps pace with the time elapsed."""
    OFF_TRACK = labelled("off_track", "Tidak sesuai jalur", "Off track")
    """Not met at the round or the end of the period, or progress behind the time elapsed."""
    NOT_YET_DUE = labelled("not_yet_due", "Belum jatuh tempo", "Not yet due")
    """The period has not started, or the round has not been recorded yet."""
    NOT_AVAILABLE = labelled("not_available", "Tidak tersedia", "Not available")
    """No figure to judge by (with the reason in the rule)."""


@frozen
class TargetRow:
    """One target beside its actual, with the status and the rule that gave it.

    Args:
        version: The framework version the target is from.
        result_id: The result (outcome or output).
        result_level: ``"outcome"`` or ``"output"``.
        statement: The result's statement (Indonesian; English in ``statement_en``).
        statement_en: The statement in English, if given.
        indicator: Indicator code.
        label: The indicator's bilingual name.
        cluster_id: The cluster, or ``None`` for the program level.
        by: The disaggregation, ``(dimension, category)`` pairs (``()`` for the total).
        start: First day of the target's period (``None`` for a round target).
        end: Last day of the period.
        round_key: The round of a round target.
        target: The target value, or ``None`` when a program target cannot be rolled up.
        target_source: ``"stated"``, or how cluster targets were rolled up to the program.
        baseline: The baseline the progress is measured from, if any.
        actual: The measured figure, ``NotAvailable`` with the reason, or ``None`` (none yet).
        actual_round: The round key of the actual.
        actual_on: The date of the actual's round.
        status: The :class:`TargetStatus`.
        rule: The rule that gave the status, with the figures.
    """

    version: int
    result_id: str
    result_level: str
    statement: str
    statement_en: str | None
    indicator: str
    label: Label
    cluster_id: str | None
    by: tuple[tuple[str, str], ...]
    start: _dt.date | None
    end: _dt.date | None
    round_key: str | None
    target: Decimal | None
    target_source: str
    baseline: Decimal | None
    actual: Decimal | NotAvailable | None
    actual_round: str | None
    actual_on: _dt.date | None
    status: TargetStatus
    rule: str

    @property
    def period(self) -> str:
        """The period (``2012-01-01/2012-12-31``) or the round key, as text."""
        return self.round_key or f"{self.start}/{self.end}"


class TargetTable:
    """Targets against actuals, one :class:`TargetRow` per target (and rolled-up program target).

    Args:
        rows: The rows.
    """

    __slots__ = ("_rows",)

    def __init__(self, rows: Iterable[TargetRow] = ()) -> None:
        self._rows = tuple(rows)

    @property
    def rows(self) -> tuple[TargetRow, ...]:
        """Every row, in the framework's order."""
        return self._rows

    def __iter__(self) -> Iterator[TargetRow]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TargetTable):
            return NotImplemented
        return self._rows == other._rows

    def __hash__(self) -> int:
        return hash(self._rows)

    def __repr__(self) -> str:
        return f"TargetTable({len(self._rows)} rows)"

    def to_records(self) -> list[dict[str, Any]]:
        """Plain dicts, one per row: one column per disaggregation dimension, labels in id and en.

        Values are ``Decimal`` (``None`` when missing, with the reason in ``rule``).
        """
        dims = list(dict.fromkeys(name for row in self._rows for name, _ in row.by))
        records = []
        for row in self._rows:
            cells = dict(row.by)
            actual = row.actual
            records.append(
                {
                    "version": row.version,
                    "result_id": row.result_id,
                    "result_level": row.result_level,
                    "statement": row.statement,
                    "statement_en": row.statement_en,
                    "indicator": row.indicator,
                    "label_id": row.label.id,
                    "label_en": row.label.en,
                    "cluster": row.cluster_id,
                    **{dim: cells.get(dim) for dim in dims},
                    "start": row.start,
                    "end": row.end,
                    "round": row.round_key,
                    "target": row.target,
                    "target_source": row.target_source,
                    "baseline": row.baseline,
                    "actual": None if isinstance(actual, NotAvailable) else actual,
                    "actual_round": row.actual_round,
                    "actual_on": row.actual_on,
                    "status": row.status.value,
                    "status_id": row.status.label_id,
                    "status_en": row.status.label_en,
                    "rule": row.rule,
                }
            )
        return records

    def to_pandas(self) -> Any:
        """A ``pandas.DataFrame`` of :meth:`to_records` (numbers as ``float`` for analysis).

        Raises:
            KlasterError: pandas is not installed (``pip install 'klaster[pandas]'``).
        """
        return _dataframes.to_pandas(self.to_records())

    def to_polars(self) -> Any:
        """A ``polars.DataFrame`` of :meth:`to_records` (numbers as ``Float64`` for analysis).

        Raises:
            KlasterError: polars is not installed (``pip install 'klaster[columnar]'``).
        """
        return _dataframes.to_polars(self.to_records())
