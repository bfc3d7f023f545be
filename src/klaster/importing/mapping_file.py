"""Reading a mapping file (TOML) into a checked :class:`~klaster.importing.mapping.ImportMapping`.

Every problem is collected with its key path (unknown keys, variable codes, member fields, value
maps, scales) and reported once, before any data row is read.
"""

from __future__ import annotations

import datetime as _dt
import os
import tomllib
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from klaster.catalogue.variable import Level, Variable
from klaster.errors import ImportDataError, KlasterError
from klaster.importing._mapping_checks import check_against, check_shape
from klaster.importing._toml_tables import TableReader, kind_of, no_float
from klaster.importing.mapping import (
    MAPPING_VERSION,
    Aggregate,
    ColumnRule,
    FormKind,
    ImportMapping,
    RepeatMapping,
    RoundDeclaration,
)
from klaster.label import Label
from klaster.observations.core_variables import variable_catalogue
from klaster.observations.rounds import RoundKind

__all__ = ["load_mapping", "parse_mapping"]

_TOP = (
    "mapping_version",
    "form",
    "level",
    "unit",
    "submission",
    "source",
    "cluster",
    "round",
    "fields",
    "variables",
    "repeats",
)
_SOURCE = ("delimiter", "decimal", "sheet", "max_rows", "max_unpacked_mb")
_CLUSTER = ("id", "column")
_ROUND = ("id", "kind", "on", "cluster", "label", "note")
_RULE = (
    "column",
    "value",
    "values",
    "scale",
    "date_format",
    "option",
    "count",
    "aggregate",
    "missing",
)
_REPEAT = (
    "name",
    "sheet",
    "file",
    "parent_column",
    "parent_key",
    "unit",
    "level",
    "variables",
    "fields",
)
_DELIMITERS = {";": ";", ",": ",", "\t": "\t", "tab": "\t", "|": "|"}
_SCALES = {"rupiah": Decimal(1), "ribu": Decimal(1000), "juta": Decimal(1_000_000)}
_UNIT_LEVELS = (Level.MEMBER, Level.GROUP, Level.COOPERATIVE)


def load_mapping(
    path: str | os.PathLike[str],
    *,
    variables: Mapping[str, Variable] | Iterable[Variable] | None = None,
) -> ImportMapping:
    """Read and check a mapping file.

    Args:
        path: The ``.toml`` file.
        variables: The variable catalogue the mapping may name (default: the core variables and
            those of the loaded sector plugins). :func:`~klaster.importing.read_submissions`
            checks again against the observations' catalogue.

    Returns:
        The checked mapping.

    Raises:
        ImportDataError: The file cannot be read, is not TOML, or breaks the format; every
            problem is listed with the mapping file's name and the key path.
    """
    target = Path(path)
    try:
        text = target.read_text(encoding="utf-8")
    except OSError as exc:
        raise ImportDataError(f"{target}: cannot read the mapping file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ImportDataError(f"{target}: the mapping file is not UTF-8 text") from None
    return parse_mapping(text, name=target.name, variables=variables)


def parse_mapping(
    text: str,
    *,
    name: str = "mapping.toml",
    variables: Mapping[str, Variable] | Iterable[Variable] | None = None,
) -> ImportMapping:
    """Read and check a mapping from TOML text (see :func:`load_mapping`).

    Args:
        text: The TOML text.
        name: The name messages give the mapping.
        variables: The variable catalogue (default: core and plugin variables).

    Raises:
        ImportDataError: As :func:`load_mapping`.
    """
    return _parse(text, name, _catalogue(variables))


def _catalogue(
    variables: Mapping[str, Variable] | Iterable[Variable] | None,
) -> Mapping[str, Variable]:
    if variables is None:
        return variable_catalogue()
    if isinstance(variables, Mapping):
        return variables
    return {v.code: v for v in variables}


def _parse(text: str, name: str, catalogue: Mapping[str, Variable]) -> ImportMapping:
    """Parse and check a mapping; raise ImportDataError listing every problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ImportDataError(
            f"{name}: not a valid TOML file ({exc}); see docs/importing.md for the format"
        ) from None
    except RecursionError:  # tomllib recurses once per level of nested arrays or tables
        raise ImportDataError(f"{name}: arrays or inline tables nested too deeply") from None
    except ValueError:  # an integer past sys.get_int_max_str_digits() (4,300 digits)
        raise ImportDataError(f"{name}: a number with more than 4,300 digits") from None
    p = TableReader(name)
    top = p.table(raw, "", _TOP)
    version = top.get("mapping_version")
    if version != MAPPING_VERSION:
        hint = (
            "add mapping_version = 1 at the top"
            if version is None
            else f"this klaster reads mapping_version {MAPPING_VERSION}"
        )
        p.problem("mapping_version", f"must be {MAPPING_VERSION}, got {version!r}; {hint}")
    form = FormKind(p.choice(top, "form", "", tuple(k.value for k in FormKind)))
    source = p.table(top.get("source", {}), "source", _SOURCE)
    cluster = p.table(top.get("cluster", {}), "cluster", _CLUSTER)
    mapping = ImportMapping(
        name=name,
        form=form,
        level=_level(p, top),
        unit=p.text(top, "unit", ""),
        submission=p.text(top, "submission", ""),
        cluster_id=p.text(cluster, "id", "cluster"),
        cluster_column=p.text(cluster, "column", "cluster"),
        round=_round(p, top.get("round")),
        delimiter=_delimiter(p, source),
        decimal_comma="decimal" in source
        and p.choice(source, "decimal", "source", (".", ",")) == ",",
        sheet=p.text(source, "sheet", "source"),
        max_rows=_max_rows(p, source),
        max_unpacked_mb=_max_rows(p, source, "max_unpacked_mb"),
        fields=_rules(p, top.get("fields"), "fields"),
        variables=_rules(p, top.get("variables"), "variables"),
        repeats=_repeats(p, top.get("repeats")),
    )
    check_shape(p, mapping, top)
    p.problems += check_against(mapping, catalogue)
    if p.problems:
        raise ImportDataError(f"{name}: the mapping cannot be used", problems=p.problems)
    return mapping


def _level(p: TableReader, top: dict[str, Any]) -> Level:
    if "level" not in top:
        return Level.MEMBER
    return Level(p.choice(top, "level", "", tuple(level.value for level in _UNIT_LEVELS)))


def _delimiter(p: TableReader, source: dict[str, Any]) -> str | None:
    value = source.get("delimiter")
    if value is None or value == "auto":
        return None
    found = _DELIMITERS.get(value) if isinstance(value, str) else None
    if found is None:
        p.problem(
            "source.delimiter",
            f"must be one of ';', ',', '\\t' (or 'tab'), '|' or 'auto', got {value!r}",
        )
    return found


def _max_rows(p: TableReader, source: dict[str, Any], key: str = "max_rows") -> int | None:
    value = source.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        p.problem(f"source.{key}", f"must be a whole number of at least 1, got {value!r}")
        return None
    return value


def _round(p: TableReader, raw: object) -> RoundDeclaration | None:
    if raw is None:
        return None
    table = p.table(raw, "round", _ROUND)
    round_id = p.text(table, "id", "round")
    if round_id is None:
        p.problem("round.id", "is required: an existing round's ID or the ID of a new one")
        round_id = "?"
    kind = None
    if "kind" in table:
        kind = RoundKind(p.choice(table, "kind", "round", tuple(k.value for k in RoundKind)))
    on = table.get("on")
    if isinstance(on, str):
        try:
            on = _dt.date.fromisoformat(on)
        except ValueError:
            p.problem("round.on", "must be a date (2015-03-02)")
            on = None
    elif on is not None and (not isinstance(on, _dt.date) or isinstance(on, _dt.datetime)):
        p.problem("round.on", f"must be a date (2015-03-02), got {kind_of(on)}")
        on = None
    if ("kind" in table) != ("on" in table):
        p.problem("round", "declare a new round with both kind and on, or give only its id")
    label = None
    if "label" in table:
        value = table["label"]
        try:
            label = Label(value["id"], value["en"])
        except (KeyError, TypeError, KlasterError):
            p.problem("round.label", 'must be { id = "...", en = "..." } with two non-empty texts')
    return RoundDeclaration(
        id=round_id,
        kind=kind,
        on=on,
        cluster_id=p.text(table, "cluster", "round"),
        label=label,
        note=p.text(table, "note", "round"),
    )


def _rules(p: TableReader, raw: object, path: str) -> tuple[ColumnRule, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        p.problem(path, f"must be a table of targets, got {kind_of(raw)}")
        return ()
    return tuple(_rule(p, target, spec, f"{path}.{target}") for target, spec in raw.items())


def _rule(p: TableReader, target: str, spec: object, path: str) -> ColumnRule:
    if isinstance(spec, str):  # the short form: target = "column"
        spec = {"column": spec}
    table = p.table(spec, path, _RULE)
    column = p.text(table, "column", path)
    value = table.get("value")
    if (column is None) == (value is None):
        p.problem(path, "give exactly one of column (read from the file) or value (fixed)")
    values = table.get("values", {})
    if not isinstance(values, dict):
        p.problem(
            f"{path}.values",
            f"must be a table of answers, e.g. {{ ya = true }}, got {kind_of(values)}",
        )
        values = {}
    for answer, mapped in values.items():
        if isinstance(mapped, float | dict | list):
            p.problem(f"{path}.values.{answer}", no_float(mapped))
    if isinstance(value, float | dict | list):
        p.problem(f"{path}.value", no_float(value))
    missing = table.get("missing", [])
    if not isinstance(missing, list) or not all(isinstance(m, str) for m in missing):
        p.problem(f"{path}.missing", 'must be a list of answers, e.g. ["n/a", "-99"]')
        missing = []
    count = table.get("count", False)
    if not isinstance(count, bool):
        p.problem(f"{path}.count", f"must be true or false, got {kind_of(count)}")
        count = False
    aggregate = None
    if "aggregate" in table:
        aggregate = Aggregate(p.choice(table, "aggregate", path, tuple(a.value for a in Aggregate)))
    return ColumnRule(
        target=target,
        column=column,
        value=value,
        values=values,
        scale=_scale(p, table.get("scale"), f"{path}.scale"),
        date_format=p.text(table, "date_format", path),
        option=p.text(table, "option", path),
        count=count,
        aggregate=aggregate,
        missing=tuple(m.strip() for m in missing),
        where=path,
    )


def _scale(p: TableReader, raw: object, path: str) -> Decimal | None:
    if raw is None:
        return None
    found: Decimal | None = None
    if isinstance(raw, str):
        found = _SCALES.get(raw.strip().lower())
        if found is None:
            try:
                found = Decimal(raw)
            except InvalidOperation:
                found = None
    elif isinstance(raw, int) and not isinstance(raw, bool):
        found = Decimal(raw)
    if found is None or not found.is_finite() or found <= 0:
        p.problem(
            path,
            f"must be 'ribu' (x1000), 'juta' (x1000000), 'rupiah' (x1), a whole number or a "
            f"decimal string such as '0.001', above 0; got {raw!r}",
        )
        return None
    return found


def _repeats(p: TableReader, raw: object) -> tuple[RepeatMapping, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        p.problem("repeats", "must be an array of tables: [[repeats]]")
        return ()
    found: list[RepeatMapping] = []
    names: set[str] = set()
    for index, item in enumerate(raw):
        path = f"repeats[{index}]"
        table = p.table(item, path, _REPEAT)
        name = p.text(table, "name", path)
        if name is None:
            p.problem(f"{path}.name", "is required (the repeat group's name)")
            name = f"repeat{index}"
        elif name in names:
            p.problem(f"{path}.name", f"repeat {name!r} is declared twice")
        names.add(name)
        level = Level.MEMBER
        if "level" in table:
            level = Level(p.choice(table, "level", path, tuple(v.value for v in _UNIT_LEVELS)))
        found.append(
            RepeatMapping(
                name=name,
                sheet=p.text(table, "sheet", path),
                file=p.text(table, "file", path),
                parent_column=p.text(table, "parent_column", path),
                parent_key=p.text(table, "parent_key", path),
                unit=p.text(table, "unit", path),
                level=level,
                variables=_rules(p, table.get("variables"), f"{path}.variables"),
                fields=_rules(p, table.get("fields"), f"{path}.fields"),
                where=path,
            )
        )
    return tuple(found)
