"""Screening decisions: one :class:`EligibilityDecision` per applicant, in a :class:`Screening`.

Both screening backends return these (:func:`klaster.targeting.screening.screen`); a decision
keeps every criterion's value, threshold and outcome, and turns into a
:class:`~klaster.model.applicant.StatusChange` for ``program.intake``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from attrs import frozen

from klaster.errors import ValidationError
from klaster.measurement.readiness import CriterionResult
from klaster.model.applicant import ApplicationStatus, StatusChange
from klaster.targeting._evaluate import evidence_line
from klaster.targeting.eligibility_rules import EligibilityRules

if TYPE_CHECKING:
    import pandas
    import polars

    from klaster.model.intake import Intake
    from klaster.model.program import Program

__all__ = ["EligibilityDecision", "Screening"]


@frozen
class EligibilityDecision:
    """The screening of one applicant.

    Args:
        applicant_id: The applicant.
        sector: Its sector.
        eligible: The decision.
        reason: Why, in a sentence (the rule's form, and the sector criteria's if any).
        results: The rules' criteria and scorecards, then the sector's criteria: value,
            threshold, outcome (:class:`~klaster.measurement.readiness.CriterionResult`).
        notes: Which line each line threshold used (area, round, fallback).
    """

    applicant_id: str
    sector: str
    eligible: bool
    reason: str
    results: tuple[CriterionResult, ...]
    notes: tuple[str, ...] = ()

    def failed(self) -> tuple[CriterionResult, ...]:
        """The criteria checked and not met."""
        return tuple(r for r in self.results if r.passed is False)

    @property
    def failed_codes(self) -> tuple[str, ...]:
        """Codes of the criteria not met, and of essential ones that could not be checked."""
        return tuple(
            r.code for r in self.results if r.passed is False or (r.essential and r.passed is None)
        )

    @property
    def evidence(self) -> str:
        """Every criterion in one line: ``code: reads = value op threshold: met; ...``."""
        return evidence_line(self.results, self.notes)

    def change(self, on: _dt.date, decided_by: str | None = None) -> StatusChange:
        """The decision as a :class:`~klaster.model.applicant.StatusChange`."""
        status = ApplicationStatus.ELIGIBLE if self.eligible else ApplicationStatus.NOT_ELIGIBLE
        return StatusChange(
            self.applicant_id,
            status,
            on,
            failed=() if self.eligible else self.failed_codes,
            evidence=self.evidence,
            reason=self.reason,
            decided_by=decided_by,
        )


class Screening:
    """The decisions of one screening, in the applicants' order (built on first use).

    Args:
        rules: The rules applied.
        ids: The applicants' IDs.
        eligible: The decisions.
        build: Builds the full decision of the applicant at a position.
        table: Gives the columnar backend's table (``applicant_id``, ``sector``, ``eligible``,
            ``failed``), when it screened.
        program: The program whose sector areas were checked (``sector_area``), if any.
    """

    def __init__(
        self,
        rules: EligibilityRules,
        ids: Sequence[str],
        eligible: Sequence[bool],
        build: Callable[[int], EligibilityDecision],
        *,
        table: Callable[[], polars.DataFrame] | None = None,
        program: Program | None = None,
    ) -> None:
        self.rules = rules
        self.program = program
        self.ids = ids
        self.eligible = eligible
        self._table = table
        self._build = build
        self._built: dict[int, EligibilityDecision] = {}
        self._positions: dict[str, int] | None = None

    def __repr__(self) -> str:
        return f"<Screening {len(self.ids)} applicants, {sum(self.eligible)} eligible>"

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[EligibilityDecision]:
        return (self.at(i) for i in range(len(self.ids)))

    def at(self, position: int) -> EligibilityDecision:
        """The decision of the applicant at ``position``."""
        found = self._built.get(position)
        if found is None:
            found = self._built[position] = self._build(position)
        return found

    def decision(self, applicant_id: str) -> EligibilityDecision:
        """The decision on one applicant.

        Raises:
            ValidationError: The applicant was not screened.
        """
        if self._positions is None:
            self._positions = {a: i for i, a in enumerate(self.ids)}
        position = self._positions.get(applicant_id)
        if position is None:
            raise ValidationError(f"applicant {applicant_id!r} was not screened", path="applicants")
        return self.at(position)

    @property
    def decisions(self) -> tuple[EligibilityDecision, ...]:
        """Every decision."""
        return tuple(self)

    def eligible_ids(self) -> tuple[str, ...]:
        """The IDs of the eligible applicants."""
        return tuple(a for a, ok in zip(self.ids, self.eligible, strict=True) if ok)

    def changes(
        self, on: _dt.date, decided_by: str | None = None, *, intake: Intake | None = None
    ) -> tuple[StatusChange, ...]:
        """The decisions as status changes, for the applicants whose status allows one.

        Args:
            on: The date of the decisions.
            decided_by: Who decided (a person's ID or a role).
            intake: When given, applicants not in it, or whose current status cannot move to
                the decision's (enrolled, declined), are left out. Default: the intake of the
                program screened for (``screen(..., program=...)``), if any.
        """
        if intake is None and self.program is not None:
            intake = self.program.intake
        out = []
        for decision in self:
            change = decision.change(on, decided_by)
            if intake is not None:
                if decision.applicant_id not in intake.applicants:
                    continue
                if change.status not in intake.status(decision.applicant_id).next:
                    continue
            out.append(change)
        return tuple(out)

    def table(self) -> polars.DataFrame | None:
        """The columnar backend's ``applicant_id, sector, eligible, failed`` (else ``None``)."""
        return None if self._table is None else self._table()

    def summary(self) -> list[tuple[str, str, bool, str]]:
        """``(applicant_id, sector, eligible, failed codes joined by ';')`` per applicant.

        From the columnar backend's table when it screened (no decision is built).
        """
        if self._table is not None:
            columns = ["applicant_id", "sector", "eligible", "failed"]
            return list(self._table().select(columns).iter_rows())
        return [(d.applicant_id, d.sector, d.eligible, ";".join(d.failed_codes)) for d in self]

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per applicant: ID, sector, eligible, failed codes, reason, evidence."""
        return [
            {
                "applicant_id": d.applicant_id,
                "sector": d.sector,
                "eligible": d.eligible,
                "failed": ";".join(d.failed_codes),
                "reason": d.reason,
                "evidence": d.evidence,
            }
            for d in self
        ]

    def to_polars(self) -> polars.DataFrame:
        """:meth:`to_records` as a polars frame (``pip install klaster[columnar]``)."""
        from klaster._support.dataframes import to_polars

        frame: polars.DataFrame = to_polars(self.to_records())
        return frame

    def to_pandas(self) -> pandas.DataFrame:
        """:meth:`to_records` as a pandas frame (``pip install klaster[pandas]``)."""
        from klaster._support.dataframes import to_pandas

        return to_pandas(self.to_records())
