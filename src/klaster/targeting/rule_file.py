"""A :class:`~klaster.targeting.RankingRule` from a TOML file: versioned, strict, located errors.

The file (``ranking_version = 1`` first)::

    ranking_version = 1
    name = "Bantaeng kecamatan, v1"
    level = "kecamatan"
    select = 3
    per_parent = false                    # optional
    stat_kind = "targeting_people"        # optional
    note = "weights agreed with Bappeda"  # optional

    [[weights]]
    indicator = "poverty_rate"
    weight = 0.5                          # exact: read as a Decimal, never a float
    direction = "higher"                  # optional; "lower" for distance

    [[thresholds]]                        # optional, any number
    indicator = "poverty_rate"
    operator = ">="
    value = 15
    note = "program policy (synthetic)"

    [[exclusions]]                        # optional, any number
    code = "73.03.02"
    reason = "served by another program"

Unknown keys, a missing key, a wrong type, weights that do not add up to exactly 1 and (when the
candidates are given) an indicator no candidate has — with the closest names — are reported
together, each located as ``rule.toml weights[2].indicator: ...``; no rule is returned unless the
whole file is good.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from klaster._support.toml_text import parse_toml, read_short_text
from klaster.errors import DocumentError, KlasterError
from klaster.targeting.candidates import CandidateRegion, indicators_of, unknown_indicator
from klaster.targeting.ranking_rule import Exclusion, RankingRule, Threshold, Weight

__all__ = ["RULE_VERSION", "load_rule", "parse_rule"]

RULE_VERSION = 1
"""The ``ranking_version`` this klaster reads."""

_TOP = (
    "ranking_version",
    "name",
    "level",
    "select",
    "per_parent",
    "stat_kind",
    "note",
    "weights",
    "thresholds",
    "exclusions",
)
_TABLES: dict[str, tuple[type, tuple[str, ...], tuple[str, ...]]] = {
    "weights": (Weight, ("indicator", "weight"), ("direction",)),
    "thresholds": (Threshold, ("indicator", "operator", "value"), ("note",)),
    "exclusions": (Exclusion, ("code", "reason"), ()),
}


def load_rule(
    path: str | os.PathLike[str], candidates: Iterable[CandidateRegion] | None = None
) -> RankingRule:
    """Read a ranking rule from a TOML file (see the module documentation).

    Args:
        path: The file.
        candidates: The candidate regions: when given, every indicator and excluded code the
            rule names must be theirs (with "did you mean" for a misspelt one).

    Raises:
        DocumentError: The file cannot be read or holds an invalid rule; every problem located.
    """
    target = Path(path)
    text = read_short_text(target, "a ranking rule")
    return parse_rule(text, name=target.name, candidates=candidates)


def parse_rule(
    text: str, *, name: str = "rule.toml", candidates: Iterable[CandidateRegion] | None = None
) -> RankingRule:
    """Read a ranking rule from TOML text (``name`` starts every problem).

    Example:
        >>> rule = parse_rule('''
        ... ranking_version = 1
        ... name = "by poverty"
        ... level = "kecamatan"
        ... select = 2
        ... [[weights]]
        ... indicator = "poverty_rate"
        ... weight = 1
        ... ''')
        >>> rule.weights[0].weight
        Decimal('1')

    Raises:
        DocumentError: As :func:`load_rule`.
    """
    raw = parse_toml(text, name)
    problems: list[str] = []

    def problem(where: str, message: str) -> None:
        problems.append(f"{name} {where}: {message}" if where else f"{name}: {message}")

    for key in raw:
        if key not in _TOP:
            problem(key, _unknown_key(key, _TOP))
    version = raw.get("ranking_version")
    if version != RULE_VERSION or isinstance(version, bool):
        hint = (
            "add ranking_version = 1 at the top"
            if version is None
            else (f"this klaster reads ranking_version {RULE_VERSION}")
        )
        problem("ranking_version", f"must be {RULE_VERSION}, got {version!r}; {hint}")
    values: dict[str, Any] = {}
    for key in ("name", "level", "select"):
        if key not in raw:
            problem(key, "is missing; a rule has a name, a level and how many to select")
    for key in ("name", "level", "select", "per_parent", "stat_kind", "note"):
        if key in raw:
            values[key] = _scalar(raw[key], key, problem)
    for key, (kind, required, optional) in _TABLES.items():
        values[key] = _items(raw.get(key, []), key, kind, required, optional, problem)
    if not problems:
        try:
            rule = RankingRule(**values)
        except KlasterError as exc:
            problem(exc.path or "", exc.message)
    if not problems and candidates is not None:
        _check_names(rule, list(candidates), problem)
    if problems:
        raise DocumentError(f"{name}: invalid ranking rule", problems=problems)
    return rule


def _scalar(value: Any, where: str, problem: Any) -> Any:
    if isinstance(value, float):  # pragma: no cover - parse_float gives Decimals
        problem(where, "write an exact number")
    if isinstance(value, dict | list):
        problem(
            where,
            f"must be a single value, got {'a table' if isinstance(value, dict) else 'an array'}",
        )
    if where == "select" and isinstance(value, Decimal):
        problem(where, f"must be a whole number, got {value}")
    return value


def _items(
    raw: Any,
    key: str,
    kind: type,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    problem: Any,
) -> list[Any]:
    if not isinstance(raw, list):
        problem(key, f"must be an array of tables ([[{key}]]), got {type(raw).__name__}")
        return []
    items = []
    for index, table in enumerate(raw):
        where = f"{key}[{index}]"
        if not isinstance(table, dict):
            problem(where, f"must be a table ([[{key}]]), got {type(table).__name__}")
            continue
        bad = False
        for name in table:
            if name not in (*required, *optional):
                problem(f"{where}.{name}", _unknown_key(name, (*required, *optional)))
                bad = True
        for name in required:
            if name not in table:
                problem(f"{where}.{name}", "is missing")
                bad = True
        for name, value in table.items():
            if isinstance(value, dict | list):
                problem(f"{where}.{name}", "must be a single value")
                bad = True
            elif name in ("weight", "value") and isinstance(value, str):
                problem(f"{where}.{name}", f"write the number without quotes, e.g. {name} = 0.5")
                bad = True
        if bad:
            continue
        try:
            items.append(kind(**table))
        except KlasterError as exc:
            problem(f"{where}.{exc.path}" if exc.path else where, exc.message)
    return items


def _check_names(rule: RankingRule, candidates: list[CandidateRegion], problem: Any) -> None:
    listed = [c for c in candidates if c.level is rule.level]
    if not listed:
        levels = sorted({c.level.value for c in candidates})
        problem(
            "level",
            f"no candidate is a {rule.level.value}; the candidates are "
            f"{', '.join(levels) or 'none'}",
        )
        return
    known = indicators_of(listed)
    named = [("weights", i, w.indicator) for i, w in enumerate(rule.weights)]
    named += [("thresholds", i, t.indicator) for i, t in enumerate(rule.thresholds)]
    for key, index, indicator in named:
        if indicator not in known:
            problem(f"{key}[{index}].indicator", unknown_indicator(indicator, known))
    codes = sorted(c.code for c in listed)
    for index, exclusion in enumerate(rule.exclusions):
        if exclusion.code not in codes:
            close = difflib.get_close_matches(exclusion.code, codes, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problem(
                f"exclusions[{index}].code",
                f"{exclusion.code!r} is not a "
                f"{rule.level.value} among the candidates{hint}; they are {', '.join(codes)}",
            )


def _unknown_key(key: str, valid: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, valid, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key{hint}; valid keys are {', '.join(valid)}"
