"""Screening at scale: applicants in a table (polars frame, CSV or Parquet file), decisions out.

The table has one row per applicant:

==================== ======== ===========================================================
column               required meaning
==================== ======== ===========================================================
``applicant_id``     yes      unique ID
``sector``           yes      the sector applied to (its plugins' criteria apply)
``household_size``   yes      whole number, at least 1
``applied_on``       see      the date lines are looked up for (required unless ``on``)
``area``             no       Kemendagri code whose lines apply (default: national)
*variable codes*     yes      one column per screening variable the rules read: whole
                              numbers or exact decimals (never floating point), true/false,
                              category codes; empty = not answered
==================== ======== ===========================================================

Every value is checked against its variable (bounds, categories) before screening; a problem is
reported as ``applicants.csv row 17 column 'asnaf': ...`` and nothing is written.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from klaster.catalogue.variable import ValueType, Variable
from klaster.errors import DocumentError, ValidationError
from klaster.measurement.methods.poverty_lines import PovertyLines
from klaster.measurement.methods.poverty_records import NATIONAL
from klaster.targeting._evaluate import Row
from klaster.targeting.decisions import Screening
from klaster.targeting.eligibility_rules import EligibilityRules
from klaster.targeting.had_kifayah import HadKifayah
from klaster.targeting.screening import make_plan

if TYPE_CHECKING:
    import polars as pl

    from klaster.plugins.host import PluginHost

__all__ = ["screen_file", "screen_frame", "write_decisions"]

_BASE = ("applicant_id", "sector", "household_size")


def screen_frame(
    rules: EligibilityRules,
    frame: pl.DataFrame,
    *,
    on: _dt.date | None = None,
    lines: PovertyLines | None = None,
    kifayah: HadKifayah | None = None,
    host: PluginHost | None = None,
    catalogue: Mapping[str, Variable] | None = None,
    source: str = "applicants",
    first_row: int = 0,
) -> Screening:
    """Screen the applicants of a polars frame with the columnar backend.

    Args:
        rules: The rules.
        frame: One row per applicant (columns in the module docstring).
        on: The date for lines (default: each row's ``applied_on``).
        lines: BPS poverty lines (default: the national lines klaster ships).
        kifayah: Had kifayah figures (default: the bundled ones).
        host: The plugin host.
        catalogue: The screening variables.
        source: The name used in messages.
        first_row: The number messages give the frame's first row (2 for a CSV file with a
            header; 0 gives ``rows[i]``).

    Raises:
        ValidationError: Rules that do not fit the variables, or a bad cell (located).
    """
    import polars as pl

    from klaster.targeting import _columnar as columnar
    from klaster.targeting import _columnar_screening as rows
    from klaster.targeting._columnar_lines import run as lines_run
    from klaster.targeting._frame_checks import check_frame

    plan = make_plan(rules, lines=lines, kifayah=kifayah, host=host, catalogue=catalogue)
    codes = rows.read_codes(plan)
    # A sector plugin's question may be missing from a table: not answered (for applicants of
    # other sectors it does not apply anyway); a question of the rules themselves may not.
    own = set(rows.read_codes(plan, sector=False))
    absent = [c for c in codes if c not in frame.columns and c not in own]
    if absent:
        frame = frame.with_columns(
            [pl.lit(None, dtype=rows.dtype_of(plan.catalogue[c])).alias(c) for c in absent]
        )
    bounds, max_size, nullable = check_frame(
        plan, frame, codes, on=on, source=source, first_row=first_row
    )
    area = pl.col("area").fill_null(NATIONAL) if "area" in frame.columns else pl.lit(NATIONAL)
    date = pl.lit(on, dtype=pl.Date) if on is not None else pl.col("applied_on")
    prepared = frame.lazy().with_columns(area.alias(columnar.AREA), date.alias(columnar.ON))
    result, details = lines_run(plan, prepared, bounds, max_size, nullable)

    def row_at(position: int) -> Any:
        cells = frame.row(position, named=True)
        answers = {c: cells[c] for c in codes if cells.get(c) is not None}
        where = f"{source} row {position + first_row}" if first_row else f"{source}[{position}]"
        return Row(
            str(cells["applicant_id"]),
            str(cells["sector"]),
            int(cells["household_size"]),
            str(cells.get("area") or NATIONAL),
            on or rows.day(cells["applied_on"]),
            answers,
            where,
        )

    return rows.screening_of(plan, result, details, row_at)


def screen_file(
    rules: EligibilityRules,
    applicants: str | os.PathLike[str],
    *,
    out: str | os.PathLike[str] | None = None,
    on: _dt.date | None = None,
    lines: PovertyLines | None = None,
    kifayah: HadKifayah | None = None,
    host: PluginHost | None = None,
    catalogue: Mapping[str, Variable] | None = None,
) -> Screening:
    """Screen the applicants of a CSV or Parquet file; write the decisions CSV if ``out``.

    Numeric columns of a CSV file are read as text and parsed exactly (``0.25`` stays 0.25).
    The decisions file (``applicant_id, sector, eligible, failed``) is written atomically
    through klaster's one CSV writer, only when every row was screened.

    Raises:
        DocumentError: The file cannot be read.
        ValidationError: As :func:`screen_frame`, located by file row and column.
    """
    path = Path(applicants)
    plan = make_plan(rules, lines=lines, kifayah=kifayah, host=host, catalogue=catalogue)
    from klaster.targeting._columnar_screening import read_codes

    frame = read_table(path, {c: plan.catalogue[c] for c in read_codes(plan)})
    first = 2 if path.suffix.lower() != ".parquet" else 0
    screening = screen_frame(
        rules,
        frame,
        on=on,
        lines=lines,
        kifayah=kifayah,
        host=host,
        catalogue=catalogue,
        source=path.name,
        first_row=first,
    )
    if out is not None:
        write_decisions(screening, out)
    return screening


def write_decisions(screening: Screening, out: str | os.PathLike[str]) -> None:
    """Write ``applicant_id, sector, eligible, failed`` per applicant, atomically.

    Through klaster's one CSV writer (:mod:`klaster.documents.csvfile`): a column at a time when
    the columnar backend screened, a row at a time otherwise.
    """
    from klaster.documents.csvfile import write_csv, write_frame

    table = screening.table()
    if table is not None:
        write_frame(out, table)
        return
    rows = ((a, s, "true" if e else "false", f) for a, s, e, f in screening.summary())
    write_csv(out, ["applicant_id", "sector", "eligible", "failed"], rows)


def read_table(path: Path, variables: Mapping[str, Variable]) -> pl.DataFrame:
    """Read an applicants file: numbers exactly, dates as dates (internal).

    Whole numbers are read as integers directly; a numeric column with a decimal point (which
    polars would read as floating point) is read again as text and parsed exactly, each bad
    cell located; dates are parsed as ``YYYY-MM-DD``.
    """
    import polars as pl

    if not path.is_file():
        raise DocumentError(
            "there is no such file; expected applicants (CSV or Parquet)", path=str(path)
        )
    numeric = [c for c, v in variables.items() if v.type in (ValueType.DECIMAL, ValueType.INTEGER)]
    try:
        if path.suffix.lower() == ".parquet":
            return pl.read_parquet(path)
        header = pl.read_csv(path, n_rows=0).columns
        text: dict[str, Any] = {c: pl.String for c in ("applicant_id", "area") if c in header}
        dates: dict[str, Any] = {"applied_on": pl.Date} if "applied_on" in header else {}
        try:  # one pass: whole numbers come in as integers (exact), the rest is fixed below
            frame = pl.read_csv(
                path, schema_overrides={**text, **dates}, infer_schema_length=10_000
            )
        except pl.exceptions.PolarsError:  # a bad date, a decimal after many whole numbers...
            # ... read again as text, for the checks below to locate the bad cell.
            as_text = {**text, **dict.fromkeys(dates, pl.String)}
            as_text.update({c: pl.String for c in numeric if c in header})
            frame = pl.read_csv(path, schema_overrides=as_text, infer_schema_length=10_000)
        # A column with a decimal point would be floating point: read it again as text to
        # parse it exactly (only such columns; a file of whole numbers is read once).
        again = [
            c
            for c in numeric
            if c in frame.columns
            and not (frame.schema[c].is_integer() or frame.schema[c] in (pl.Null, pl.String))
        ]
        if again:
            frame = frame.with_columns(
                pl.read_csv(path, columns=again, schema_overrides=dict.fromkeys(again, pl.String))
            )
    except (pl.exceptions.PolarsError, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DocumentError(f"cannot read the applicants: {first}", path=path.name) from None
    strings = [c for c in numeric if c in frame.columns and frame.schema[c] == pl.String]
    return _dates(_exact_numbers(frame, strings, path.name), path.name)


def _dates(frame: pl.DataFrame, source: str) -> pl.DataFrame:
    # A file with a bad date is read as text (the CSV reader's error does not say where); the
    # dates are parsed here and the first bad one located.
    import polars as pl

    if "applied_on" not in frame.columns or frame.schema["applied_on"] != pl.String:
        return frame
    cell = pl.col("applied_on").str.strip_chars()
    day = cell.str.to_date("%Y-%m-%d", strict=False)
    bad = frame.select(
        pl.arg_where(cell.is_not_null() & (cell != "") & day.is_null()).first()
    ).item()
    if bad is not None:
        raise ValidationError(
            "must be a date written YYYY-MM-DD", path=f"{source} row {bad + 2} column 'applied_on'"
        )
    return frame.with_columns(day.alias("applied_on"))


def _exact_numbers(frame: pl.DataFrame, columns: list[str], source: str) -> pl.DataFrame:
    import polars as pl

    if not columns:
        return frame
    pattern = r"^-?\d+(\.\d+)?$"
    stripped = [pl.col(c).str.strip_chars() for c in columns]
    checks = frame.select(
        *[
            pl.arg_where(s.is_not_null() & (s != "") & ~s.str.contains(pattern)).first().alias(c)
            for c, s in zip(columns, stripped, strict=True)
        ],
        *[
            s.str.extract(r"\.(\d+)$").str.len_chars().max().alias(f"__d_{c}")
            for c, s in zip(columns, stripped, strict=True)
        ],
    ).row(0, named=True)
    for c in columns:
        if checks[c] is not None:
            raise ValidationError(
                "must be a number written with digits and a decimal point (e.g. 1500000 or "
                "0.25), not shown here",
                path=f"{source} row {checks[c] + 2} column {c!r}",
            )
    exprs = []
    for c, s in zip(columns, stripped, strict=True):
        scale = int(checks[f"__d_{c}"] or 0)
        text = pl.when(s == "").then(None).otherwise(s)
        exprs.append(text.str.to_integer() if scale == 0 else text.str.to_decimal(scale=scale))
    return frame.with_columns([e.alias(c) for e, c in zip(exprs, columns, strict=True)])
