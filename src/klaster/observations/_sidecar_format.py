"""The observation sidecar format: its kind and version, and how values and rounds are written.

Internal interface of the sidecar modules (the layout is described in
:mod:`klaster.observations.sidecar`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from klaster.catalogue.variable import ValueType
from klaster.documents.migrations import Migration
from klaster.errors import DocumentError
from klaster.observations.rounds import Round

SIDECAR_KIND = "observations"
"""The value of the ``"klaster"`` key in the header of an observation sidecar file."""

SIDECAR_SCHEMA_VERSION = 1
"""The sidecar schema version this klaster writes and reads."""

MIGRATIONS: dict[int, Migration] = {}
"""``MIGRATIONS[n]`` turns a version-*n* header into a version-*n + 1* one (through
:func:`klaster.documents.migrations.migrate`, as program and finance documents). Each schema
change adds one entry and bumps :data:`SIDECAR_SCHEMA_VERSION`."""

CHUNK = 20_000  # rows checked and stored at a time: bounds the memory of reading
_DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?\Z")
_ROUND_FIELDS = {"id", "cluster_id", "kind", "on", "label", "note"}


def dump(value: object) -> str:
    """One compact JSON line (without its newline)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def round_to_json(rnd: Round) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": rnd.id,
        "cluster_id": rnd.cluster_id,
        "kind": rnd.kind.value,
        "on": rnd.on.isoformat(),
    }
    if rnd.label is not None:
        data["label"] = {"id": rnd.label.id, "en": rnd.label.en}
    if rnd.note is not None:
        data["note"] = rnd.note
    return data


def round_from_json(raw: Any) -> Round:
    if not isinstance(raw, dict):
        raise DocumentError(f"a round is an object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - _ROUND_FIELDS)
    if unknown:
        raise DocumentError(
            f"unknown field {', '.join(map(repr, unknown))}; valid fields are "
            + ", ".join(sorted(_ROUND_FIELDS))
        )
    try:
        return Round(**raw)
    except TypeError:
        raise DocumentError(
            "a round needs 'id', 'cluster_id', 'kind' and 'on' (ISO date)"
        ) from None


def _is_decimal_text(value: object) -> bool:
    return isinstance(value, str) and _DECIMAL.match(value) is not None


def _is_int(value: object) -> bool:
    return type(value) is int


JSON_CHECKS: dict[ValueType, Callable[[object], bool]] = {
    ValueType.DECIMAL: _is_decimal_text,
    ValueType.INTEGER: _is_int,
    ValueType.BOOLEAN: lambda v: type(v) is bool,
    ValueType.CATEGORY: lambda v: isinstance(v, str),
    ValueType.TEXT: lambda v: isinstance(v, str),
    ValueType.DATE: lambda v: isinstance(v, str) and len(v) == 10,
}
JSON_FORMS = {
    ValueType.DECIMAL: 'a string in plain notation such as "1250000.50"',
    ValueType.INTEGER: "a JSON whole number",
    ValueType.BOOLEAN: "true or false",
    ValueType.CATEGORY: "a string (the category code)",
    ValueType.TEXT: "a string",
    ValueType.DATE: 'an ISO date string such as "2012-03-01"',
}
