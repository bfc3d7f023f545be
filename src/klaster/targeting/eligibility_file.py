"""Eligibility rules as a versioned TOML file (``load_rules``): strict keys, located errors.

.. code-block:: toml

    version = 1
    form = "all_of"            # all_of, k_of_n (k = ...), essential_plus_conditional,
                               # weighted (score = "0.7", required = [...])

    [[criteria]]
    code = "poor"
    label = { id = "Miskin", en = "Poor" }
    reads = "monthly_income"
    per_capita = true
    operator = "<="
    line = "poverty_line"      # or threshold = 500000 with source = "...", or synthetic = true

    [[scorecards]]
    code = "housing"
    label = { id = "Rumah", en = "Housing" }
    cut_off = 3
    synthetic = true
    [[scorecards.items]]
    code = "floor"
    label = { id = "Lantai", en = "Floor" }
    reads = "house_floor"
    points = { earth = 2, bamboo = 1 }

Every problem is reported at once, located as ``rules.toml: criteria[2].reads: ...``; TOML
floats are read as exact ``Decimal``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from klaster.catalogue.eligibility import EligibilityCriterion, LineRef
from klaster.catalogue.scorecard import Band, Scorecard, ScoreItem
from klaster.catalogue.variable import Variable
from klaster.errors import DocumentError, KlasterError
from klaster.targeting.eligibility_rules import EligibilityRules, rule_problems

__all__ = ["RULES_VERSION", "load_rules", "read_rules"]

RULES_VERSION = 1
"""The rules-file version this klaster reads."""

_TOP = {
    "version",
    "form",
    "name",
    "k",
    "score",
    "required",
    "sector_criteria",
    "criteria",
    "scorecards",
}
_CRITERION = {
    "code",
    "label",
    "reads",
    "operator",
    "threshold",
    "line",
    "multiple",
    "per_capita",
    "essential",
    "weight",
    "sector",
    "source",
    "synthetic",
    "description",
}
_SCORECARD = {
    "code",
    "label",
    "items",
    "cut_off",
    "eligible",
    "essential",
    "weight",
    "sector",
    "source",
    "synthetic",
    "description",
}
_ITEM = {"code", "label", "reads", "points", "bands", "per_capita"}
_BAND = {"points", "at_least", "below"}


def load_rules(
    path: str | os.PathLike[str], *, catalogue: Mapping[str, Variable] | None = None
) -> EligibilityRules:
    """Read and check an eligibility rules file.

    Args:
        path: The TOML file.
        catalogue: The screening variables (default:
            :func:`~klaster.targeting.screening_variables.screening_catalogue`).

    Raises:
        DocumentError: Every problem, each located (``rules.toml: criteria[2].reads: ...``).
    """
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise DocumentError(f"cannot read the rules file: {reason}", path=name) from None
    return read_rules(text, source=os.path.basename(name), catalogue=catalogue)


def read_rules(
    text: str, *, source: str = "rules.toml", catalogue: Mapping[str, Variable] | None = None
) -> EligibilityRules:
    """Read rules from TOML text; see :func:`load_rules`."""
    try:
        raw = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise DocumentError(f"malformed TOML: {exc}", path=source) from None
    problems: list[str] = []
    _keys(raw, _TOP, "", problems)
    version = raw.get("version")
    if version != RULES_VERSION:
        problems.append(
            f"version: must be {RULES_VERSION} (this klaster reads version "
            f"{RULES_VERSION}), got {version!r}"
        )
    criteria = [
        _criterion(item, f"criteria[{i}]", problems)
        for i, item in enumerate(_tables(raw, "criteria", problems))
    ]
    scorecards = [
        _scorecard(item, f"scorecards[{i}]", problems)
        for i, item in enumerate(_tables(raw, "scorecards", problems))
    ]
    rules = None
    if not problems:
        try:
            rules = EligibilityRules(
                raw.get("form", ""),
                [c for c in criteria if c is not None],
                [s for s in scorecards if s is not None],
                k=raw.get("k"),
                score=raw.get("score"),
                required=raw.get("required", ()),
                sector_criteria=raw.get("sector_criteria", True),
                name=raw.get("name"),
            )
        except KlasterError as exc:
            problems.append(_located("", exc))
        except (TypeError, ValueError) as exc:
            problems.append(f"{type(exc).__name__}: {exc}")
    if catalogue is None:
        from klaster.targeting.screening_variables import screening_catalogue

        catalogue = screening_catalogue()
    # Every record that could be built is checked against the variables, whatever else is wrong.
    for kind, records in (("criteria", criteria), ("scorecards", scorecards)):
        for index, record in enumerate(records):
            if record is not None:
                problems += [
                    f"{kind}[{index}]{p.removeprefix(f'{kind}[0]')}"
                    for p in rule_problems([record], catalogue)
                ]
    if problems or rules is None:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        raise DocumentError(
            f"invalid rules file ({count})",
            path=source,
            problems=[f"{source}: {p}" for p in problems],
        )
    return rules


def _located(where: str, exc: KlasterError) -> str:
    path = ".".join(p for p in (where, exc.path or "") if p)
    return f"{path}: {exc.message}" if path else exc.message


def _keys(raw: Mapping[str, Any], allowed: set[str], where: str, problems: list[str]) -> None:
    for key in sorted(set(raw) - allowed):
        at = f"{where}.{key}" if where else key
        problems.append(f"{at}: unknown key (keys: {', '.join(sorted(allowed))})")


def _tables(raw: Mapping[str, Any], key: str, problems: list[str], where: str = "") -> list[Any]:
    items = raw.get(key, [])
    at = f"{where}.{key}" if where else key
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        problems.append(f"{at}: must be an array of tables ([[{at}]])")
        return []
    return items


def _build(cls: Any, where: str, problems: list[str], /, *args: Any, **kwargs: Any) -> Any:
    try:
        return cls(*args, **kwargs)
    except KlasterError as exc:
        problems.append(_located(where, exc))
    except TypeError as exc:
        problems.append(f"{where}: {exc}")
    return None


def _criterion(raw: dict[str, Any], where: str, problems: list[str]) -> Any:
    before = len(problems)
    _keys(raw, _CRITERION, where, problems)
    for key in ("code", "label", "reads", "operator"):
        if key not in raw:
            problems.append(f"{where}.{key}: required")
    if ("line" in raw) == ("threshold" in raw):
        problems.append(f"{where}.threshold: give threshold or line (one of the two)")
    if "multiple" in raw and "line" not in raw:
        problems.append(f"{where}.multiple: only with line")
    if len(problems) > before:
        return None
    fields = {k: v for k, v in raw.items() if k not in ("line", "multiple")}
    if "line" in raw:
        line = _build(LineRef, where + ".line", problems, raw["line"], raw.get("multiple", 1))
        if line is None:
            return None
        fields["threshold"] = line
    return _build(EligibilityCriterion, where, problems, **fields)


def _scorecard(raw: dict[str, Any], where: str, problems: list[str]) -> Any:
    before = len(problems)
    _keys(raw, _SCORECARD, where, problems)
    for key in ("code", "label", "cut_off", "items"):
        if key not in raw:
            problems.append(f"{where}.{key}: required")
    items = [
        _item(item, f"{where}.items[{i}]", problems)
        for i, item in enumerate(_tables(raw, "items", problems, where))
    ]
    if len(problems) > before:
        return None
    return _build(Scorecard, where, problems, **{**raw, "items": items})


def _item(raw: dict[str, Any], where: str, problems: list[str]) -> Any:
    before = len(problems)
    _keys(raw, _ITEM, where, problems)
    points = raw.get("points", {})
    if not isinstance(points, dict):
        problems.append(f"{where}.points: must be a table of answer = points")
        points = {}
    bands = []
    for index, band in enumerate(_tables(raw, "bands", problems, where)):
        _keys(band, _BAND, f"{where}.bands[{index}]", problems)
        bands.append(_build(Band, f"{where}.bands[{index}]", problems, **band))
    if len(problems) > before:
        return None
    keyed = {_answer_key(key): value for key, value in points.items()}
    return _build(ScoreItem, where, problems, **{**raw, "points": keyed, "bands": bands})


def _answer_key(key: str) -> str | bool:
    return {"true": True, "false": False}.get(key, key)
