"""DHIS2 dataValueSets: a program's indicator values as DHIS2 imports them (JSON or CSV).

:func:`data_values` computes the mapped indicators (:class:`~klaster.measurement.Measurement`)
by the mapping's region level and disaggregations and turns each figure into a
:class:`DataValue`: data element, period (from the round's date: ``2024Q1``, ``202401``,
``2024``), org unit (from the region's Kemendagri code), category option combo (from the
disaggregation) and the value (exact, rounded half-up to the indicator's decimals). Figures that
are not available are left out, never written as blank or 0, and counted in
:attr:`DataValueSet.not_available`.

:func:`write_data_values` writes the set as DHIS2's JSON (``{"dataValues": [...]}`` with
``dataSet``, ``completeDate``, ``attributeOptionCombo`` and ``orgUnitIdScheme`` where they
apply) or CSV (DHIS2's columns ``dataelement, period, orgunit, categoryoptioncombo,
attributeoptioncombo, value, storedby, lastupdated, comment, followup``), atomically; the CSV
through the formula-injection-safe writer.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections import Counter
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import frozen

from klaster._support.suggest import did_you_mean
from klaster.documents.csvfile import write_csv
from klaster.documents.files import atomic_write
from klaster.errors import DocumentError
from klaster.exports._dhis2_places import Periods, Places
from klaster.exports.dhis2_mapping import Dhis2Indicator, Dhis2Mapping, IdScheme
from klaster.measurement import Measurement, NotAvailable

if TYPE_CHECKING:
    from klaster.measurement import Row
    from klaster.model.program import Program
    from klaster.observations import Observations

__all__ = ["CSV_COLUMNS", "DataValue", "DataValueSet", "data_values", "write_data_values"]

CSV_COLUMNS = (
    "dataelement",
    "period",
    "orgunit",
    "categoryoptioncombo",
    "attributeoptioncombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
)
"""DHIS2's data value CSV columns, in the order its importer reads them."""


@frozen
class DataValue:
    """One DHIS2 data value.

    Args:
        data_element: The data element's UID.
        period: The DHIS2 period (``2014Q1``).
        org_unit: The org unit's UID (or code).
        value: The value as DHIS2 reads it (plain decimal text, no exponent).
        category_option_combo: The combo's UID (``None``: DHIS2's default).
        comment: Where it comes from: the indicator, the round and n.
    """

    data_element: str
    period: str
    org_unit: str
    value: str
    category_option_combo: str | None = None
    comment: str = ""


@frozen
class DataValueSet:
    """The values of a DHIS2 export and what was left out.

    Args:
        values: The data values, in indicator, round and place order.
        not_available: How many figures were not available (left out, never written as 0).
        reasons: Why, with how many figures each.
        mapping: The mapping they were made with (its data set and schemes go into the JSON).
    """

    values: tuple[DataValue, ...]
    not_available: int
    reasons: tuple[tuple[str, int], ...]
    mapping: Dhis2Mapping

    def to_json(self, complete_date: _dt.date | None = None) -> dict[str, Any]:
        """The DHIS2 ``dataValueSets`` JSON document.

        Args:
            complete_date: When the data set was completed (written only with a data set).
        """
        mapping = self.mapping
        document: dict[str, Any] = {}
        if mapping.data_set is not None:
            document["dataSet"] = mapping.data_set
            if complete_date is not None:
                document["completeDate"] = complete_date.isoformat()
        if mapping.attribute_option_combo is not None:
            document["attributeOptionCombo"] = mapping.attribute_option_combo
        if mapping.org_unit_id_scheme is IdScheme.CODE:
            document["orgUnitIdScheme"] = "CODE"
        document["dataValues"] = [_json_value(v) for v in self.values]
        return document

    def csv_rows(self) -> list[list[object]]:
        """The rows of DHIS2's CSV format (:data:`CSV_COLUMNS`)."""
        attribute = self.mapping.attribute_option_combo or ""
        return [
            [
                v.data_element,
                v.period,
                v.org_unit,
                v.category_option_combo or "",
                attribute,
                Decimal(v.value),  # a number, so the CSV writer keeps a minus sign as it is
                "",
                "",
                v.comment,
                "",
            ]
            for v in self.values
        ]


def data_values(
    program: Program,
    observations: Observations,
    mapping: Dhis2Mapping,
    *,
    rounds: Iterable[str] | None = None,
    measurement: Measurement | None = None,
) -> DataValueSet:
    """The program's values of the mapped indicators as DHIS2 data values.

    Args:
        program: The program (from a document or a store).
        observations: Its survey rounds.
        mapping: The DHIS2 mapping (:func:`~klaster.exports.load_dhis2_mapping`).
        rounds: Only these rounds (as the report names them: ``baseline``, ``endline``...).
        measurement: The engine that computes the figures (default: a
            :class:`~klaster.measurement.Measurement` of ``program`` and ``observations`` with
            its default, exact Python backend); e.g. ``Measurement(..., backend="auto")`` for a
            large program (``klaster export dhis2`` does so; the figures are the same).

    Raises:
        DocumentError: The mapping does not fit the program: an unknown indicator (with "did
            you mean"), a region code the program does not have, a region or disaggregation
            with figures but no org unit or combo, two rounds in one period; every problem
            located in the mapping.
    """
    engine = measurement or Measurement(program, observations)
    problems: list[str] = []

    def problem(where: str, message: str) -> None:
        problems.append(f"{mapping.source} {where}: {message}")

    known = engine.codes()
    indicators = []
    for indicator in mapping.indicators:
        if indicator.code in known:
            indicators.append(indicator)
        else:
            hint = did_you_mean(indicator.code, known)
            problem(
                f"indicators.{indicator.code}",
                f"unknown indicator{f' ({hint})' if hint else ''}; `klaster report` and "
                "Measurement.codes() list the program's indicators",
            )
    places = Places.of(program, mapping.org_unit_level, problem)
    periods = Periods.of(program, observations, mapping.org_unit_level, mapping.period_type)
    for code in mapping.org_units:
        if code not in places.codes:
            hint = did_you_mean(code, places.codes)
            problem(
                f"org_units.{code!r}",
                f"no {mapping.org_unit_level} of the program has the code {code!r}"
                f"{f' ({hint})' if hint else ''}; its codes are "
                f"{', '.join(sorted(places.codes)) or 'none'}",
            )
    wanted = None if rounds is None else set(rounds)
    values: list[DataValue] = []
    missing: Counter[str] = Counter()
    seen: dict[tuple[str, str, str, str | None], str] = {}
    for indicator in indicators:
        spec = (mapping.org_unit_level, *indicator.by)
        # A place named like another of the level (two kabupaten "Bantaeng" of two clusters) is
        # a cell of the report by name: its figures come from the report by cluster instead.
        specs = [spec, ("cluster", *spec)] if places.ambiguous else [spec]
        for row in engine.report([indicator.code], by=specs):
            if wanted is not None and row.round_id not in wanted:
                continue
            place = places.code(row, mapping.org_unit_level)
            if place == "":
                continue  # the other report's cell
            if isinstance(row.value, NotAvailable):
                missing[row.value.reason] += 1
                continue
            value = _value(row, row.value, indicator, mapping, (place, periods), problem)
            if value is None:
                continue
            key = (value.data_element, value.period, value.org_unit, value.category_option_combo)
            if key in seen and seen[key] != row.round_id:
                problem(
                    "period_type",
                    f"rounds {seen[key]!r} and {row.round_id!r} both fall in "
                    f"{value.period} for indicator {indicator.code!r}; choose a finer "
                    "period_type or export one round (--round)",
                )
                continue
            seen[key] = str(row.round_id)
            values.append(value)
    if problems:
        raise DocumentError(
            f"{mapping.source}: the DHIS2 mapping does not fit the program",
            problems=list(dict.fromkeys(problems)),
        )
    return DataValueSet(tuple(values), missing.total(), tuple(sorted(missing.items())), mapping)


def write_data_values(
    path: str | os.PathLike[str],
    value_set: DataValueSet,
    *,
    complete_date: _dt.date | None = None,
) -> None:
    """Write a :class:`DataValueSet` as DHIS2 JSON (``.json``) or CSV (``.csv``), atomically.

    Args:
        path: The file; its suffix chooses the format.
        value_set: The values.
        complete_date: When the data set was completed (JSON with a data set only).

    Raises:
        DocumentError: Another suffix, or the file cannot be written (nothing is written).
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".json":
        text = json.dumps(value_set.to_json(complete_date), ensure_ascii=False, indent=2) + "\n"
        atomic_write(target, lambda handle: handle.write(text))
    elif suffix == ".csv":
        write_csv(target, CSV_COLUMNS, value_set.csv_rows())
    else:
        raise DocumentError(
            f"{target.name}: a DHIS2 export is .json or .csv (DHIS2's dataValueSets formats)"
        )


def format_value(value: Decimal, indicator: Dhis2Indicator) -> str:
    """A figure as DHIS2 reads it: times the factor, rounded half-up, plain decimal text.

    Example:
        >>> format_value(Decimal("0.30973"), Dhis2Indicator("p0", "fbfJHSPpUQD", factor=100))
        '30.97'
        >>> format_value(Decimal("188.000"), Dhis2Indicator("members", "fbfJHSPpUQD"))
        '188'
    """
    exponent = Decimal(1).scaleb(-indicator.decimals)
    text = format((value * indicator.factor).quantize(exponent, rounding=ROUND_HALF_UP), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _value(
    row: Row,
    figure: Decimal,
    indicator: Dhis2Indicator,
    mapping: Dhis2Mapping,
    where: tuple[str | None, Periods],
    problem: Any,
) -> DataValue | None:
    level = mapping.org_unit_level
    name = row.dimension(level)
    code, periods = where
    if name is None:  # pragma: no cover - the report splits every row by the level
        return None
    if code is None:
        problem(
            "org_unit_level",
            f"the {level} {name!r} has no Kemendagri code in the program's region tree; give "
            "it its code there, or choose a higher org_unit_level",
        )
        return None
    period = periods.period(row, code)
    if isinstance(period, list):
        # Clusters survey on their own days: one place's figure must stand on one period.
        problem(
            "period_type",
            f"the {row.round_id} rounds of the {level} {name!r} ({code}) fall in "
            f"{', '.join(period)} for indicator {indicator.code!r}; choose a coarser "
            "period_type or a finer org_unit_level",
        )
        return None
    unit = mapping.org_units.get(code)
    if unit is None:
        if mapping.org_unit_id_scheme is not IdScheme.CODE:
            problem("org_units", f'no org unit for the {level} {code!r}; add "{code}" = UID')
            return None
        unit = code
    by = tuple(sorted((d, c) for d, c in row.by if d not in (level, "cluster")))
    combo = mapping.default_combo
    if by:
        combo = mapping.combos.get(by)
        if combo is None:
            key = ",".join(f"{d}={c}" for d, c in by)
            problem(
                "category_option_combos",
                f'no combo for {key!r} (indicator {indicator.code!r}); add "{key}" = UID',
            )
            return None
    try:
        value = format_value(figure, indicator)
    except ArithmeticError:  # pragma: no cover - a quantize beyond the context's precision
        problem(f"indicators.{indicator.code}.decimals", "too many digits for the value")
        return None
    return DataValue(
        indicator.data_element,
        period,
        unit,
        value,
        combo,
        f"klaster {indicator.code}, round {row.round_id}, n={row.n}",
    )


def _json_value(value: DataValue) -> dict[str, str]:
    item = {"dataElement": value.data_element, "period": value.period, "orgUnit": value.org_unit}
    if value.category_option_combo is not None:
        item["categoryOptionCombo"] = value.category_option_combo
    item["value"] = value.value
    if value.comment:
        item["comment"] = value.comment
    return item
