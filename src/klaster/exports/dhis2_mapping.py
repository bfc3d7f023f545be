"""The DHIS2 mapping file: klaster indicators, regions and disaggregations → DHIS2 identifiers.

A DHIS2 instance names everything by an 11-character UID (``[A-Za-z][A-Za-z0-9]{10}``): data
elements, organisation units, category option combos, data sets. The mapping says which
indicator is which data element, which region is which organisation unit and which
disaggregation is which category option combo, and how periods are written. The file
(``dhis2_version = 1`` first)::

    dhis2_version = 1
    period_type = "quarterly"             # quarterly (2024Q1) | monthly (202401) | yearly (2024)
    org_unit_level = "kabupaten"          # the place each value is for: kabupaten|kecamatan|desa
    org_unit_id_scheme = "UID"            # optional; "CODE": org units are given by their code
    data_set = "pBOMPrpg1QX"              # optional: the data set the values are reported in
    attribute_option_combo = "HllvX50cXC0"  # optional

    [org_units]                           # Kemendagri region code → org unit UID (or DHIS2 code)
    "73.03" = "DiszpKrYNg8"

    [category_option_combos]              # a disaggregation → its category option combo
    default = "HllvX50cXC0"               # optional: the combo of values not disaggregated
    "sex=female" = "Prlt0C1RF0s"
    "sex=male" = "V6L425pT3A0"

    [indicators.members]                  # one table per klaster indicator
    data_element = "fbfJHSPpUQD"
    by = ["sex"]                          # optional: the disaggregation it is reported by
    decimals = 0                          # optional (default 2): rounded half-up
    factor = 100                          # optional: e.g. a share written as a percentage

With ``org_unit_id_scheme = "CODE"`` the ``[org_units]`` table is optional: a region missing
from it is written as its Kemendagri code, and DHIS2 is told to match org units by code
(``orgUnitIdScheme``). Unknown keys, a missing key, a wrong type and an identifier that is not a
UID are reported together, each located as ``map.toml indicators.members.data_element: ...``;
the program-dependent checks (an unknown indicator with "did you mean", a region the program
does not have) run when values are made (:func:`klaster.exports.data_values`).
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from attrs import field, frozen

from klaster._support.frozen_map import FrozenMap
from klaster._support.suggest import did_you_mean
from klaster._support.toml_text import parse_toml, read_short_text
from klaster.errors import DocumentError
from klaster.exports import _dhis2_tables as _tables
from klaster.exports._dhis2_tables import BY_DIMENSIONS, check_uid, unknown_key

__all__ = [
    "BY_DIMENSIONS",
    "DHIS2_MAPPING_VERSION",
    "Dhis2Indicator",
    "Dhis2Mapping",
    "IdScheme",
    "PeriodType",
    "load_dhis2_mapping",
    "parse_dhis2_mapping",
    "period_string",
]

DHIS2_MAPPING_VERSION = 1
"""The ``dhis2_version`` this klaster reads."""

PLACE_LEVELS = ("kabupaten", "kecamatan", "desa")
"""Region levels an org unit can stand for (those with Kemendagri codes in a program)."""

_TOP = (
    "dhis2_version",
    "period_type",
    "org_unit_level",
    "org_unit_id_scheme",
    "data_set",
    "attribute_option_combo",
    "org_units",
    "category_option_combos",
    "indicators",
)


class PeriodType(StrEnum):
    """How a round's date becomes a DHIS2 period string."""

    QUARTERLY = "quarterly"
    """``2024Q1``."""
    MONTHLY = "monthly"
    """``202401``."""
    YEARLY = "yearly"
    """``2024``."""


class IdScheme(StrEnum):
    """How org units are identified in the values: by UID or by code."""

    UID = "UID"
    """DHIS2's 11-character identifiers (the default)."""
    CODE = "CODE"
    """The org units' codes (DHIS2 matches them with ``orgUnitIdScheme=CODE``)."""


def period_string(on: _dt.date, period_type: PeriodType | str) -> str:
    """The DHIS2 period of ``period_type`` that holds the date ``on``.

    Example:
        >>> import datetime as dt
        >>> [period_string(dt.date(2014, 3, 1), t) for t in ("quarterly", "monthly", "yearly")]
        ['2014Q1', '201403', '2014']
    """
    kind = PeriodType(period_type)
    if kind is PeriodType.QUARTERLY:
        return f"{on.year:04d}Q{(on.month - 1) // 3 + 1}"
    if kind is PeriodType.MONTHLY:
        return f"{on.year:04d}{on.month:02d}"
    return f"{on.year:04d}"


@frozen
class Dhis2Indicator:
    """One klaster indicator as a DHIS2 data element.

    Args:
        code: The klaster indicator code.
        data_element: The data element's UID.
        by: The dimensions of :data:`BY_DIMENSIONS` it is disaggregated by (``()``: the total).
        decimals: Decimal places the value is rounded to (half-up).
        factor: What the value is multiplied by first (``100``: a share as a percentage).
    """

    code: str
    data_element: str
    by: tuple[str, ...] = ()
    decimals: int = 2
    factor: Decimal = Decimal(1)


def _frozen_units(items: Mapping[str, str]) -> FrozenMap[str, str]:
    return FrozenMap(items)


def _frozen_combos(
    items: Mapping[tuple[tuple[str, str], ...], str],
) -> FrozenMap[tuple[tuple[str, str], ...], str]:
    return FrozenMap(items)


@frozen
class Dhis2Mapping:
    """A DHIS2 mapping file, read and checked (:func:`load_dhis2_mapping`).

    Args:
        period_type: How round dates become periods.
        org_unit_level: The region level each value is for (``kabupaten``, ``kecamatan``,
            ``desa``).
        org_units: Kemendagri region code → org unit UID (or code, with :attr:`IdScheme.CODE`);
            read-only (any mapping or pairs given are kept as a ``FrozenMap``), so a mapping
            can be hashed.
        indicators: The indicators exported, in the file's order.
        combos: A disaggregation (``(("sex", "female"),)``) → category option combo UID;
            read-only as ``org_units``.
        default_combo: The combo of values not disaggregated (``None``: DHIS2's default).
        org_unit_id_scheme: UID or CODE.
        data_set: The data set UID, if any.
        attribute_option_combo: The attribute option combo UID, if any.
        source: The file's name, which starts every message about it.
    """

    period_type: PeriodType
    org_unit_level: str
    org_units: FrozenMap[str, str] = field(converter=_frozen_units)
    indicators: tuple[Dhis2Indicator, ...]
    combos: FrozenMap[tuple[tuple[str, str], ...], str] = field(converter=_frozen_combos)
    default_combo: str | None = None
    org_unit_id_scheme: IdScheme = IdScheme.UID
    data_set: str | None = None
    attribute_option_combo: str | None = None
    source: str = "mapping.toml"


def load_dhis2_mapping(path: str | os.PathLike[str]) -> Dhis2Mapping:
    """Read a DHIS2 mapping from a TOML file (see the module documentation).

    Raises:
        DocumentError: The file cannot be read or is not a valid mapping; every problem located.
    """
    target = Path(path)
    text = read_short_text(target, "a DHIS2 mapping")
    return parse_dhis2_mapping(text, name=target.name)


def parse_dhis2_mapping(text: str, *, name: str = "mapping.toml") -> Dhis2Mapping:
    """Read a DHIS2 mapping from TOML text (``name`` starts every problem).

    Example:
        >>> mapping = parse_dhis2_mapping('''
        ... dhis2_version = 1
        ... period_type = "yearly"
        ... org_unit_level = "kabupaten"
        ... org_units = {"73.03" = "DiszpKrYNg8"}
        ... [indicators.members]
        ... data_element = "fbfJHSPpUQD"
        ... ''')
        >>> mapping.indicators[0].data_element, dict(mapping.org_units)
        ('fbfJHSPpUQD', {'73.03': 'DiszpKrYNg8'})

    Raises:
        DocumentError: As :func:`load_dhis2_mapping`.
    """
    raw = parse_toml(text, name)
    problems: list[str] = []

    def problem(where: str, message: str) -> None:
        problems.append(f"{name} {where}: {message}")

    for key in raw:
        if key not in _TOP:
            problem(key, unknown_key(key, _TOP))
    version = raw.get("dhis2_version")
    if version != DHIS2_MAPPING_VERSION or isinstance(version, bool):
        hint = "add dhis2_version = 1 at the top" if version is None else "this klaster reads 1"
        problem("dhis2_version", f"must be {DHIS2_MAPPING_VERSION}, got {version!r}; {hint}")
    period = _choice(raw, "period_type", [t.value for t in PeriodType], None, problem)
    level = _choice(raw, "org_unit_level", list(PLACE_LEVELS), None, problem)
    scheme = _choice(raw, "org_unit_id_scheme", [s.value for s in IdScheme], "UID", problem)
    data_set = _optional_uid(raw, "data_set", problem)
    attribute = _optional_uid(raw, "attribute_option_combo", problem)
    org_units = _tables.org_units(raw.get("org_units", {}), scheme == "CODE", problem)
    combos, default = _tables.combos(raw.get("category_option_combos", {}), problem)
    indicators = tuple(
        Dhis2Indicator(**arguments)
        for arguments in _tables.indicators(raw.get("indicators"), problem)
    )
    if problems or period is None or level is None or scheme is None:
        raise DocumentError(f"{name}: invalid DHIS2 mapping", problems=problems)
    return Dhis2Mapping(
        period_type=PeriodType(period),
        org_unit_level=str(level),
        org_units=org_units,
        indicators=indicators,
        combos=combos,
        default_combo=default,
        org_unit_id_scheme=IdScheme(scheme),
        data_set=data_set,
        attribute_option_combo=attribute,
        source=name,
    )


def _choice(
    raw: dict[str, Any], key: str, valid: list[str], default: str | None, problem: Any
) -> str | None:
    value = raw.get(key, default)
    if value is None:
        problem(key, f"is missing; one of {', '.join(valid)}")
        return None
    if value not in valid:
        hint = did_you_mean(str(value), valid)
        problem(key, f"{value!r} is not one of {', '.join(valid)}{f' ({hint})' if hint else ''}")
        return None
    return str(value)


def _optional_uid(raw: dict[str, Any], key: str, problem: Any) -> str | None:
    if key not in raw:
        return None
    why = check_uid(raw[key])
    if why is not None:
        problem(key, why)
        return None
    return str(raw[key])
