"""Reading a screening form: one new applicant, with its screening answers, per submission.

Each row becomes an :class:`~klaster.model.applicant.Applicant` built from the mapped fields (the
same checks as one added by hand: household size, NIK, phone, dates), its answers read from the
``[variables]`` columns by their variables' types (exact numbers, yes/no, category codes,
dates), then checked against its cluster (sector, village) through
:meth:`Intake.check_applicant <klaster.model.intake.Intake.check_applicant>`. An applicant the
program already holds unchanged is skipped (importing a file twice changes nothing, in a store
or a document); one it holds with other data is refused. Messages name the row and column,
never a name, a NIK, a phone number or an answer.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from klaster.catalogue.variable import ValueType, Variable
from klaster.errors import KlasterError
from klaster.importing._cells import CellError, Cells, TextCells, VariableCells
from klaster.importing._header import Header, column_index
from klaster.importing._problems import Problems, listing, seen_before
from klaster.importing._registration import SEX_ANSWERS
from klaster.importing._source import Source, missing_columns
from klaster.importing._submissions import Known, submission_column, submission_id
from klaster.importing.batch import ImportBatch, NewApplicant
from klaster.importing.mapping import ColumnRule, ImportMapping
from klaster.model.applicant import Answer, Applicant
from klaster.model.member import Sex
from klaster.model.program import Program

_Field = tuple[str, int, Cells | None, Any]  # column, index, reader, fixed value


class ScreeningReader:
    """Reads one screening export into an :class:`ImportBatch` of new applicants."""

    def __init__(
        self,
        path: Path,
        mapping: ImportMapping,
        program: Program,
        known: Known,
        max_rows: int | None,
        variables: Mapping[str, Variable],
    ) -> None:
        self.path = path
        self.mapping = mapping
        self.program = program
        self.known = known
        self.max_rows = max_rows
        self.variables = variables

    def read(self, keep_valid: bool) -> ImportBatch:
        """Read the export; raise or set aside bad rows (``keep_valid``)."""
        found: list[tuple[int, NewApplicant]] = []
        skipped = 0
        with Source(self.path, self.mapping, self.max_rows) as source:
            table = source.main()
            problems = Problems(table.source)
            submission, cluster, fields, answers = self._plan(table.header, table)
            sub_name = table.header.names[submission]
            id_column, id_index = fields["id"][:2]
            seen: dict[str, int] = {}
            ids: dict[str, int] = {}
            for chunk in table.chunks():
                subs = [submission_id(cells[submission]) for cells in chunk.rows]
                held = self.known.among([s for s in subs if s])
                for index, (number, cells) in enumerate(
                    zip(chunk.numbers, chunk.rows, strict=True)
                ):
                    sub = subs[index]
                    if sub and sub in held:
                        skipped += 1
                        continue
                    reasons = list(chunk.problems.get(index, ()))
                    ragged = index in chunk.ragged  # its cells do not line up: not read
                    row = None if ragged else self._row(cells, cluster, fields, answers, reasons)
                    if row is not None and self.program.intake.applicants.get(row.id) == row:
                        skipped += 1  # imported before (into a document, say): unchanged
                        continue
                    if not sub:
                        reasons.append(f"column {sub_name!r}: no submission ID")
                    problems.duplicate_submission(seen, sub, number, sub_name, reasons)
                    applicant_id = cells[id_index].strip()
                    if (first := seen_before(ids, applicant_id, number)) is not None:
                        reasons.append(
                            f"column {id_column!r}: applicant {applicant_id!r} is also in row "
                            f"{first}"
                        )
                    if problems.settle(number, reasons, table.header, cells, keep_valid):
                        continue
                    assert row is not None
                    where = f"{table.source} row {number}"
                    found.append((number, NewApplicant(sub, row, where)))
            bad = problems.finish(keep_valid, source.main)
        return ImportBatch(
            source=self.path.name,
            applicants=tuple(a for number, a in found if number not in bad),
            rejected=tuple(problems.rejections()),
            skipped=skipped,
        )

    def _plan(
        self, header: Header, table: Any
    ) -> tuple[int, int | None, dict[str, _Field], dict[str, _Field]]:
        mapping = self.mapping
        missing: list[str] = []
        found: int | None
        if mapping.submission is not None:
            found = column_index(header, mapping.submission, "submission", missing)
        else:
            found = submission_column(header, missing, "each screening needs its own ID")
        cluster = None
        if mapping.cluster_column is not None:
            cluster = column_index(header, mapping.cluster_column, "cluster.column", missing)
        fields = {
            rule.target: self._column(header, rule, _field_reader(rule), missing)
            for rule in mapping.fields
        }
        answers = {
            rule.target: self._column(
                header, rule, _answer_reader(rule, self.variables[rule.target], mapping), missing
            )
            for rule in mapping.variables
        }
        if missing or found is None:
            raise missing_columns(table, missing)
        return found, cluster, fields, answers

    @staticmethod
    def _column(header: Header, rule: ColumnRule, reader: Cells, missing: list[str]) -> _Field:
        if rule.column is None:
            return ("value", -1, None, rule.value)
        return (rule.column, column_index(header, rule.column, rule.where, missing), reader, None)

    def _row(
        self,
        cells: list[str],
        cluster_index: int | None,
        fields: dict[str, _Field],
        answers: dict[str, _Field],
        reasons: list[str],
    ) -> Applicant | None:
        cluster_id = self.mapping.cluster_id or cells[cluster_index or 0].strip()
        if cluster_id not in self.program.clusters:
            name = self.mapping.cluster_column or "cluster.id"
            reasons.append(
                f"column {name!r}: not a cluster ID (the value is not shown); the program's "
                "clusters are " + listing(self.program.clusters.ids())
            )
        values = _cells(cells, fields, reasons, private=False)
        given = _cells(cells, answers, reasons, private=True)
        if reasons:
            return None
        try:
            applicant = Applicant(
                **values,
                cluster_id=cluster_id,
                answers={k: _answer(v) for k, v in given.items() if v is not None},
            )
            self.program.intake.check_applicant(applicant)
        except KlasterError as exc:
            field = (exc.path or "").split(".", 1)[0]
            name = (fields.get(field) or answers.get(field) or ("?",))[0]
            reasons.append(f"column {name!r}: {exc.message}")
            return None
        known = self.program.intake.applicants.get(applicant.id)
        if known is not None and known != applicant:
            reasons.append(
                f"column {fields['id'][0]!r}: applicant {applicant.id!r} is already in the "
                "program with other data; a screening form adds new applicants only"
            )
            return None
        return applicant


def _cells(
    cells: list[str], wanted: dict[str, _Field], reasons: list[str], *, private: bool
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for target, (name, index, reader, fixed) in wanted.items():
        if reader is None:
            values[target] = fixed
            continue
        try:
            values[target] = reader.cell(cells[index])
        except CellError as exc:
            # An answer's reason may repeat it (an income): say only what is expected.
            reason = _expected(reader) if private else exc.reason
            reasons.append(f"column {name!r}: {reason}")
            values[target] = None
    return values


def _expected(reader: Cells) -> str:
    assert isinstance(reader, VariableCells)
    variable = reader.variable
    kind = {
        ValueType.DECIMAL: "a number",
        ValueType.INTEGER: "a whole number",
        ValueType.BOOLEAN: "yes or no",
        ValueType.CATEGORY: "one of " + listing(variable.category_codes()),
        ValueType.DATE: "a date",
    }.get(variable.type, "a text")
    bounds = ""
    if variable.minimum is not None or variable.maximum is not None:
        bounds = f" from {variable.minimum} to {variable.maximum}"
    return f"{variable.code} must be {kind}{bounds} (the answer is not shown)"


def _answer(value: object) -> Answer:
    if isinstance(value, bool | Decimal | str | _dt.date):
        return value
    return Decimal(str(value))  # an integer variable's int


def _field_reader(rule: ColumnRule) -> Cells:
    kinds: dict[str, type] = {"household_size": int, "applied_on": _dt.date}
    sex = rule.target == "sex"
    return TextCells(
        kinds.get(rule.target, str),
        values=rule.values,
        missing=rule.missing,
        date_format=rule.date_format,
        defaults=SEX_ANSWERS if sex else {},
        choices=tuple(s.value for s in Sex) if sex else (),
    )


def _answer_reader(rule: ColumnRule, variable: Variable, mapping: ImportMapping) -> Cells:
    return VariableCells(
        variable,
        values=rule.values,
        missing=rule.missing,
        scale=rule.scale,
        decimal_comma=mapping.decimal_comma,
        date_format=rule.date_format,
    )
