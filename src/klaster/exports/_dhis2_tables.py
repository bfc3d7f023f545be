"""The DHIS2 mapping file's tables, checked (the internals of ``dhis2_mapping``)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from klaster._support.suggest import did_you_mean

BY_DIMENSIONS = ("sector", "sex", "business_type")
"""Dimensions a value can be disaggregated by (the place is the org unit, not a combo)."""

_UID = re.compile(r"^[A-Za-z][A-Za-z0-9]{10}\Z")
_INDICATOR_KEYS = ("data_element", "by", "decimals", "factor")
_MAX_DECIMALS = 10


def check_uid(value: object) -> str | None:
    """Why ``value`` is not a DHIS2 UID, or ``None`` when it is one."""
    if not isinstance(value, str):
        return f"must be a UID in quotes, got {type(value).__name__}"
    if _UID.match(value):
        return None
    return (
        f"{value!r} is not a DHIS2 UID: 11 letters and digits starting with a letter, "
        "e.g. 'fbfJHSPpUQD'"
    )


def unknown_key(key: str, valid: tuple[str, ...] | list[str]) -> str:
    """The message for an unknown key, with the closest valid one."""
    hint = did_you_mean(key, valid)
    return f"unknown key{f' ({hint})' if hint else ''}; valid keys are {', '.join(valid)}"


def _table(value: Any, key: str, problem: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        problem(key, f"must be a table ([{key}]), got {type(value).__name__}")
        return {}
    return value


def org_units(value: Any, by_code: bool, problem: Any) -> dict[str, str]:
    """The ``[org_units]`` table: region code → org unit."""
    found: dict[str, str] = {}
    for code, unit in _table(value, "org_units", problem).items():
        where = f"org_units.{code!r}"
        if by_code:
            if not isinstance(unit, str) or not unit.strip():
                problem(where, "must be the org unit's code in quotes")
                continue
        else:
            why = check_uid(unit)
            if why is not None:
                problem(where, why)
                continue
        found[code] = unit
    return found


def combos(value: Any, problem: Any) -> tuple[dict[tuple[tuple[str, str], ...], str], str | None]:
    """The ``[category_option_combos]`` table and its ``default``."""
    combos: dict[tuple[tuple[str, str], ...], str] = {}
    default = None
    for key, uid in _table(value, "category_option_combos", problem).items():
        where = f"category_option_combos.{key!r}"
        why = check_uid(uid)
        if why is not None:
            problem(where, why)
            continue
        if key == "default":
            default = uid
            continue
        parts = _combo_key(key, where, problem)
        if parts is not None:
            combos[parts] = uid
    return combos, default


def _combo_key(key: str, where: str, problem: Any) -> tuple[tuple[str, str], ...] | None:
    parts = []
    for part in key.split(","):
        dim, eq, category = (s.strip() for s in part.partition("="))
        if not eq or not dim or not category:
            problem(where, "write a disaggregation as 'dimension=category', e.g. 'sex=female'")
            return None
        if not _known_dimension(dim, where, problem):
            return None
        parts.append((dim, category))
    if len({d for d, _ in parts}) != len(parts):
        problem(where, "names a dimension twice")
        return None
    return tuple(sorted(parts))


def indicators(value: Any, problem: Any) -> list[dict[str, Any]]:
    """Each ``[indicators.CODE]`` table as the arguments of a ``Dhis2Indicator``."""
    if value is None:
        problem("indicators", "is missing; add an [indicators.CODE] table per indicator")
        return []
    found = []
    for code, table in _table(value, "indicators", problem).items():
        where = f"indicators.{code}"
        if not isinstance(table, dict):
            problem(where, f"must be a table ([{where}]), got {type(table).__name__}")
            continue
        bad = False
        for key in table:
            if key not in _INDICATOR_KEYS:
                problem(f"{where}.{key}", unknown_key(key, _INDICATOR_KEYS))
                bad = True
        if "data_element" not in table:
            problem(f"{where}.data_element", "is missing; the data element's UID")
            bad = True
        elif (why := check_uid(table["data_element"])) is not None:
            problem(f"{where}.data_element", why)
            bad = True
        by = _by(table.get("by", []), f"{where}.by", problem)
        decimals = table.get("decimals", 2)
        if not isinstance(decimals, int) or isinstance(decimals, bool):
            problem(f"{where}.decimals", f"must be a whole number, got {decimals!r}")
            bad = True
        elif not 0 <= decimals <= _MAX_DECIMALS:
            problem(f"{where}.decimals", f"must be 0 to {_MAX_DECIMALS}, got {decimals}")
            bad = True
        factor = table.get("factor", 1)
        if not isinstance(factor, int | Decimal) or isinstance(factor, bool) or factor <= 0:
            problem(f"{where}.factor", f"must be a positive number, got {factor!r}")
            bad = True
        if by is None or bad:
            continue
        found.append(
            {
                "code": code,
                "data_element": table["data_element"],
                "by": by,
                "decimals": decimals,
                "factor": Decimal(factor),
            }
        )
    return found


def _by(value: Any, where: str, problem: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problem(where, 'must be a list of dimensions, e.g. by = ["sex"]')
        return None
    if not all(_known_dimension(dim, where, problem) for dim in value):
        return None
    if len(set(value)) != len(value):
        problem(where, "names a dimension twice")
        return None
    return tuple(value)


def _known_dimension(dim: str, where: str, problem: Any) -> bool:
    if dim in BY_DIMENSIONS:
        return True
    hint = did_you_mean(dim, BY_DIMENSIONS)
    problem(
        where,
        f"unknown dimension {dim!r}{f' ({hint})' if hint else ''}; use {', '.join(BY_DIMENSIONS)}",
    )
    return False
