"""Writing a Parquet observations sidecar (its layout: see `_sidecar_parquet`).

The file is built a variable at a time over every table (one column of the file per
variable, from the stored columns' buffers), then written by polars atomically.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

from klaster._support.dataframes import require
from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.documents.files import atomic_write_stream
from klaster.errors import DocumentError
from klaster.observations._sidecar_format import dump
from klaster.observations._sidecar_parquet_exact import META_KEY, NUMBER
from klaster.observations._sidecar_writer import header_of
from klaster.observations.values import Observations

__all__ = ["write_parquet"]

_EPOCH_ORDINAL = 719_163  # date(1970, 1, 1).toordinal(): Parquet dates count days from 1970


def write_parquet(obs: Observations, path: str | os.PathLike[str]) -> None:
    """Write ``obs`` to ``path`` as a Parquet sidecar, atomically (see the module's layout)."""
    what = "a Parquet observations sidecar"
    pl, np = require("polars", what), require("numpy", what)
    clash = {"unit", NUMBER} & set(obs.variables)
    if clash:  # (no such variable is declared: a plugin's code could still be one)
        raise DocumentError(
            f"{path}: a Parquet sidecar's columns {sorted(clash)} hold the units; a variable "
            "cannot be called so: write a JSON Lines sidecar (.jsonl)"
        )
    frame, meta = _frame(pl, np, obs)
    text = dump(meta)
    atomic_write_stream(path, lambda handle: frame.write_parquet(handle, metadata={META_KEY: text}))


def _frame(pl: Any, np: Any, obs: Observations) -> tuple[Any, dict[str, Any]]:
    """The file's rows and metadata: built a variable at a time over every table."""
    storage = obs.storage
    meta = header_of(obs)
    units: dict[str, list[Any]] = {"cluster": [], "level": [], "rows": []}
    tables: dict[str, list[Any]] = {"round": [], "level": [], "columns": [], "rows": []}
    lists: dict[tuple[str, ...], int] = {}
    offsets: dict[tuple[str, Level], int] = {}
    every_id: list[str] = []
    for cluster_id, level, ids in storage.numberings():
        offsets[(cluster_id, level)] = len(every_id)
        every_id.extend(ids)
        for key, value in zip(units, (cluster_id, level.value, len(ids)), strict=True):
            units[key].append(value)
    at = len(every_id)
    # Each table's rows: the units surveyed, in their numbering's order.
    found: list[tuple[int, Any, int, Any]] = []  # first row, indexes, numbering's offset, table
    for rnd in storage.added_rounds():
        for level in Level:
            table = storage.table(rnd.id, level)
            if table is None:
                continue
            rows = np.flatnonzero(np.frombuffer(bytes(table.present), dtype=np.uint8))
            if not len(rows):
                continue
            codes = tuple(storage.codes(rnd.id, level))
            values = (rnd.id, level.value, lists.setdefault(codes, len(lists)), len(rows))
            for key, value in zip(tables, values, strict=True):
                tables[key].append(value)
            found.append((at, rows, offsets[(rnd.cluster_id, level)], table))
            at += len(rows)
    meta["units"], meta["tables"], meta["column_lists"] = units, tables, [list(c) for c in lists]
    ids = pl.Series("unit", every_id, dtype=pl.String)
    where = [np.arange(len(every_id), dtype=np.int64)]  # the units parts, then each table's
    where += [rows + offset for _, rows, offset, _ in found]
    numbers = [np.arange(n, dtype=np.int32) for n in units["rows"]]
    numbers += [rows.astype(np.int32) for _, rows, _, _ in found]
    columns = {
        "unit": ids.gather(np.concatenate(where)) if found else ids,
        NUMBER: pl.Series(NUMBER, np.concatenate(numbers) if numbers else [], dtype=pl.Int32),
    }
    for code in meta["variables"]:
        columns[code] = _file_column(pl, np, obs.variables[code], found, at, code)
    return pl.DataFrame(columns), meta


def _file_column(
    pl: Any, np: Any, variable: Variable, found: list[Any], size: int, code: str
) -> Any:
    """A variable's column of the file: its stored columns' values at each table's rows."""
    kind = variable.type
    if kind is ValueType.TEXT:
        texts: list[str | None] = [None] * size
        for first, rows, _, table in found:
            column = table.columns.get(code)
            if column is not None:
                data = column.buffers().data
                for offset, index in enumerate(rows.tolist()):
                    texts[first + offset] = data[index] if index < len(data) else None
        return pl.Series(code, texts, dtype=pl.String)
    values = np.zeros(size, dtype=np.int64)
    ok = np.zeros(size, dtype=bool)
    scales = np.zeros(size, dtype=np.int64)
    names: tuple[str, ...] = ()
    for first, local, _, table in found:
        column = table.columns.get(code)
        if column is None:
            continue
        buffers = column.buffers()
        data = np.frombuffer(buffers.data, dtype=buffers.typecode)
        inside = local < len(data)  # a column may end before the numbering: missing after
        at = np.where(inside, local, 0)
        end = first + len(local)
        if len(data):
            values[first:end] = data[at]
            present = (
                np.frombuffer(buffers.valid, dtype=np.uint8)[at] == 1
                if buffers.valid is not None
                else data[at] != buffers.missing_code
            )
            ok[first:end] = present & inside
        scales[first:end] = buffers.scale
        names = buffers.categories or names
    frame = pl.DataFrame({"v": values, "ok": ok, "s": scales})
    value: Any = pl.col("v")
    if kind is ValueType.DECIMAL:
        # Exact: each value scaled to the file's scale (the largest), then read as a decimal
        # of that scale (a whole decimal times 10**-scale keeps every digit).
        top = int(scales.max()) if size else 0
        factor = pl.lit(10, pl.Int128).pow(pl.lit(top) - pl.col("s"))
        value = (value.cast(pl.Int128) * factor).cast(pl.Decimal(38, 0))
        if top:
            value = value * pl.lit(Decimal(1).scaleb(-top), dtype=pl.Decimal(38, top))
    elif kind is ValueType.BOOLEAN:
        value = value == 1
    elif kind is ValueType.CATEGORY:
        frame = frame.with_columns(v=pl.when(pl.col("ok")).then(value).otherwise(0))
        category = pl.Series(names or ("",), dtype=pl.String).gather(frame["v"])
        frame = frame.with_columns(v=category)
    elif kind is ValueType.DATE:
        value = (value - _EPOCH_ORDINAL).cast(pl.Int32).cast(pl.Date)
    return frame.select(pl.when(pl.col("ok")).then(value).otherwise(None).alias(code))[code]
