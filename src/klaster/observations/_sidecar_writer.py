"""Writing observations as a sidecar (see :mod:`klaster.observations.sidecar` for the layout)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TextIO

from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.observations._sidecar_format import (
    SIDECAR_KIND,
    SIDECAR_SCHEMA_VERSION,
    dump,
    round_to_json,
)
from klaster.observations.columns.factory import Column, DecimalColumn
from klaster.observations.values import Observations


def header_of(obs: Observations) -> dict[str, Any]:
    """The sidecar header of ``obs``: kind, version, program, variables recorded, rounds."""
    storage = obs.storage
    rounds = storage.added_rounds()
    used: dict[str, Variable] = {}
    for rnd in rounds:
        for level in Level:
            for code in storage.codes(rnd.id, level):
                used[code] = obs.variables[code]
    return {
        "klaster": SIDECAR_KIND,
        "schema_version": SIDECAR_SCHEMA_VERSION,
        "program": obs.program.id,
        "variables": {
            code: {"type": v.type.value, "level": v.level.value} for code, v in used.items()
        },
        "rounds": [round_to_json(rnd) for rnd in rounds],
    }


def write(obs: Observations, handle: TextIO) -> None:
    """Write ``obs`` to ``handle`` as a sidecar."""
    storage = obs.storage
    rounds = storage.added_rounds()
    handle.write(dump(header_of(obs)) + "\n")
    for cluster_id, level, ids in storage.numberings():
        units = {"cluster": cluster_id, "level": level.value, "ids": ids}
        handle.write(dump({"units": units}) + "\n")
    tables = rows = 0
    for rnd in rounds:
        for level in Level:
            unit_ids = obs.units(rnd.id, level)
            if not unit_ids:
                continue
            columns = obs.columns(rnd.id, level)
            codes = list(columns)
            table = {"round": rnd.id, "level": level.value, "columns": codes, "rows": len(unit_ids)}
            handle.write(dump({"table": table}) + "\n")
            encoded = [_encoded(columns[code]) for code in codes]
            for unit_id, cells in zip(unit_ids, zip(*encoded, strict=True), strict=True):
                handle.write(dump([unit_id, *cells]) + "\n")
            tables += 1
            rows += len(unit_ids)
    handle.write(dump({"end": {"tables": tables, "rows": rows}}) + "\n")


def _encoded(column: Column[Any]) -> Iterator[object]:
    kind = column.type
    if isinstance(column, DecimalColumn):
        return column.texts()
    if kind is ValueType.DATE:
        return (None if v is None else v.isoformat() for v in column)
    return iter(column)
