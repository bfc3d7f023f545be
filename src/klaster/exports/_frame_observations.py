"""Observations as polars frames, read from the column store's buffers (no Python value per cell).

Each cluster numbers its units once for all rounds; a round's table has a "surveyed" mask over
that numbering and one column per variable (:meth:`Column.buffers
<klaster.observations.columns.base.Column.buffers>`). For one level, every round of every
cluster (rounds in date order) is read into numpy a variable at a time and concatenated once, so
the cost is one polars operation per variable, not per cluster and round: exact decimals as
``Decimal(38, scale)`` (the scaled integers times ``10**-scale``, exact), integers as ``Int64``,
booleans, categories as an ``Enum``, dates and text. The keys are ``Enum`` s too (a key repeated
a million times is one small integer).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.errors import KlasterError
from klaster.observations.rounds import Round, RoundKind, ordered
from klaster.observations.storage import StoredTable
from klaster.observations.values import Observations

Ids = Callable[[Any, str], Any]

_EPOCH_ORDINAL = 719_163  # datetime.date(1970, 1, 1).toordinal(): polars dates count from it
_INT64 = 2**63 - 1
KEYS = ("cluster_id", "round_id", "round_kind", "round_on", "level", "unit_id")
VALUE_COLUMNS = ("number", "boolean", "text", "date")
"""The long frame's value columns: one per kind of value, the others null on a row."""


def key_types(pl: Any, observations: Observations) -> dict[str, Any]:
    """The key columns' types: ``Enum`` s of clusters, rounds, kinds, levels, variables, types.

    Rounds are in date order, so sorting by ``round_id`` sorts by date.
    """
    rounds = ordered(observations.storage.added_rounds())
    return {
        "cluster_id": pl.Enum(list(dict.fromkeys(r.cluster_id for r in rounds))),
        "round_id": pl.Enum([r.id for r in rounds]),
        "round_kind": pl.Enum([k.value for k in RoundKind]),
        "round_on": pl.Date,
        "level": pl.Enum([level.value for level in Level]),
        "unit_id": pl.String,
        "variable": pl.Enum(list(observations.variables)),
        "type": pl.Enum([t.value for t in ValueType]),
    }


class _Level:
    """Every surveyed (unit, round) of one level, all clusters, rounds in date order."""

    def __init__(
        self, pl: Any, np: Any, observations: Observations, ids: Ids, level: Level
    ) -> None:
        self.pl, self.np, self.level = pl, np, level
        self.types = key_types(pl, observations)
        storage = observations.storage
        self.tables: list[tuple[Round, StoredTable]] = []
        for rnd in ordered(storage.added_rounds()):
            table = storage.table(rnd.id, level)
            if table is not None:
                self.tables.append((rnd, table))
        offsets: dict[str, int] = {}
        every: list[str] = []
        for rnd, _ in self.tables:
            if rnd.cluster_id not in offsets:
                offsets[rnd.cluster_id] = len(every)
                numbering = storage.numbering(rnd.cluster_id, level)
                every += list(numbering.ids) if numbering is not None else []
        if level is Level.MEMBER:
            every = ids(every, "observations.unit_id")
        shown = pl.Series("unit_id", every, dtype=pl.String)
        self.indexes = [
            np.flatnonzero(np.frombuffer(bytes(table.present), dtype=np.uint8))
            for _, table in self.tables
        ]
        self.sizes = [len(i) for i in self.indexes]
        # Every table surveying every unit of its numbering (the usual census of a round):
        # a column holding one value per unit is then read whole, with no gather.
        self.whole = all(len(i) == len(table.present) for (_, table), i in self._pairs())
        self.rows = sum(self.sizes)
        # Each row's table and unit as uint32 (polars' own index type): the keys are gathered
        # by the query from one value per table or unit (:meth:`key_columns`), a batch at a
        # time, rather than built as whole columns first.
        self.shown = shown
        found = [(offsets[rnd.cluster_id] + i).astype(np.uint32) for (rnd, _), i in self._pairs()]
        self.index = pl.DataFrame(
            {
                "_table": np.repeat(np.arange(len(self.tables), dtype=np.uint32), self.sizes),
                "_unit": np.concatenate(found) if found else np.zeros(0, np.uint32),
            }
        )
        codes = list(dict.fromkeys(c for _, table in self.tables for c in table.columns))
        order = {code: i for i, code in enumerate(observations.variables)}
        codes.sort(key=lambda c: order.get(c, len(order)))
        self.variables = [observations.variable(c) for c in codes]

    def key_columns(self) -> list[Any]:
        """The key columns as expressions over :attr:`index` (``_table`` and ``_unit``)."""
        pl, np, types = self.pl, self.np, self.types
        by_table = pl.col("_table")

        def each(name: str, values: list[Any]) -> Any:
            base = pl.Series(values, dtype=pl.String).cast(types[name])
            return pl.lit(base).gather(by_table).alias(name)

        rounds = [rnd for rnd, _ in self.tables]
        days = np.array([r.on.toordinal() - _EPOCH_ORDINAL for r in rounds], dtype=np.int32)
        return [
            each("cluster_id", [r.cluster_id for r in rounds]),
            each("round_id", [r.id for r in rounds]),
            each("round_kind", [r.kind.value for r in rounds]),
            pl.lit(pl.Series(days).cast(pl.Date)).gather(by_table).alias("round_on"),
            pl.lit(self.level.value, dtype=types["level"]).alias("level"),
            pl.lit(self.shown).gather(pl.col("_unit")).alias("unit_id"),
        ]

    def keys(self) -> dict[str, Any]:
        """The key columns, one row per surveyed unit and round."""
        frame = self.index.select(self.key_columns())
        return {name: frame[name] for name in KEYS}

    def values(self, variable: Variable) -> tuple[Any, Any, int]:
        """A variable's typed values over every row, the valid mask, and the decimal scale."""
        np = self.np
        if variable.type is not ValueType.TEXT:
            at_once = self._read_at_once(variable)
            if at_once is not None:
                data, mask, scale = at_once
                return self._typed(variable, data, mask), self.pl.Series(mask), scale
        parts = [self._read(table, variable, index) for (_, table), index in self._pairs()]
        if variable.type is ValueType.TEXT:
            pairs = zip(parts, self.sizes, strict=True)
            texts = [t for part, size in pairs for t in (part or [None] * size)]
            series = self.pl.Series(texts, dtype=self.pl.String)
            return series, series.is_not_null(), 0
        scales = [0 if p is None else p[2] for p in parts]
        top = max(scales, default=0)
        data, valid = [], []
        for part, size, scale in zip(parts, self.sizes, scales, strict=True):
            if part is None:
                data.append(np.zeros(size, dtype=np.int8))  # concatenated to the widest type
                valid.append(np.zeros(size, dtype=bool))
                continue
            raw, ok, _ = part
            if scale != top:  # a round that needed fewer decimals: to the widest scale
                raw = raw.astype(np.int64)
                if int(np.abs(raw).max(initial=0)) > _INT64 // 10 ** (top - scale):
                    raise KlasterError(
                        f"observations: {variable.code}: values do not fit 64 bits at "
                        f"{top} decimals"
                    )
                raw = raw * 10 ** (top - scale)
            data.append(raw)
            valid.append(ok)
        joined = np.concatenate(data) if data else np.zeros(0, dtype=np.int64)
        mask = np.concatenate(valid) if valid else np.zeros(0, dtype=bool)
        return self._typed(variable, joined, mask), self.pl.Series(mask), top

    def _read_at_once(self, variable: Variable) -> tuple[Any, Any, int] | None:
        # Every table's column in one piece: one concatenation and one take for all the
        # clusters and rounds rather than a few numpy calls per table (99,000 tables at a
        # million members), in the stored integer type (int8 or int32 mostly: polars widens it
        # in the query, a batch at a time). A table without the column (a sector's variable
        # in a round of another sector) and units numbered past a column's end are missing.
        # None, for :meth:`_read` table by table, when the tables differ in scale, missing
        # code or kind of gap mark.
        np = self.np
        held: list[Any] = []
        raws: list[Any] = []
        flags: list[Any] = []
        try:
            for _, table in self.tables:
                column = table.columns.get(variable.code)
                if column is None:
                    raws.append(None)
                    continue
                buffers = column.buffers()
                held.append(buffers)
                assert isinstance(buffers.data, memoryview)
                raws.append(np.frombuffer(buffers.data, dtype=np.dtype(buffers.typecode)))
                if buffers.valid is not None:
                    flags.append(np.frombuffer(buffers.valid, dtype=np.bool_))
                    if len(flags[-1]) != len(raws[-1]):
                        return None
            first = held[0] if held else None
            if first is None or any(
                (b.scale, b.missing_code, b.valid is None)
                != (first.scale, first.missing_code, first.valid is None)
                for b in held
            ):
                return None
            lengths = np.fromiter(
                (0 if r is None else len(r) for r in raws), dtype=np.int64, count=len(raws)
            )
            present = [r for r in raws if r is not None]
            if self.whole and bool((lengths == np.array(self.sizes, dtype=np.int64)).all()):
                taken = np.concatenate(present)
                ok = np.concatenate(flags) if flags else taken != first.missing_code
                return taken, ok, first.scale
            local = np.concatenate(self.indexes)
            inside = local < np.repeat(lengths, self.sizes)  # a unit past its column's end
            starts = np.zeros(len(raws), dtype=np.int64)
            np.cumsum(lengths[:-1], out=starts[1:])
            at = local + np.repeat(starts, self.sizes)
            everyone = bool(inside.all())
            if not everyone:
                at = np.where(inside, at, 0)
            joined = np.concatenate(present)
            if not len(joined):  # every column empty: nothing recorded, all missing
                return np.zeros(len(at), joined.dtype), np.zeros(len(at), np.bool_), first.scale
            taken = joined.take(at)
            ok = np.concatenate(flags).take(at) if flags else taken != first.missing_code
            return taken, ok if everyone else ok & inside, first.scale
        finally:
            raws.clear()  # the arrays first: a view with exports cannot be released
            flags.clear()
            for buffers in held:
                for view in (buffers.data, buffers.valid):
                    if isinstance(view, memoryview):
                        view.release()

    def _pairs(self) -> list[tuple[tuple[Round, StoredTable], Any]]:
        return list(zip(self.tables, self.indexes, strict=True))

    def _read(self, table: StoredTable, variable: Variable, index: Any) -> Any:
        column = table.columns.get(variable.code)
        if column is None:
            return None
        np = self.np
        buffers = column.buffers()
        if variable.type is ValueType.TEXT:
            texts = list(buffers.data)
            return [texts[i] if i < len(texts) else None for i in index.tolist()]
        try:
            assert isinstance(buffers.data, memoryview)
            raw = np.frombuffer(buffers.data, dtype=np.dtype(buffers.typecode))
            # Units numbered after the column's last value are missing; usually there are none.
            everyone = not len(index) or int(index[-1]) < len(raw)  # index is ascending
            inside = True if everyone else index < len(raw)
            at = index if everyone else np.where(inside, index, 0)
            taken = raw.take(at) if len(raw) else np.zeros(len(index), dtype=raw.dtype)
            if buffers.valid is not None:
                flags = np.frombuffer(buffers.valid, dtype=np.bool_)
                ok = flags.take(at) if len(flags) else np.zeros(len(index), dtype=bool)
                del flags
            else:
                ok = taken != buffers.missing_code
            if not everyone:
                ok = ok & inside
            del raw
        finally:
            for view in (buffers.data, buffers.valid):
                if isinstance(view, memoryview):
                    view.release()
        return taken, ok, buffers.scale

    def _typed(self, variable: Variable, data: Any, valid: Any) -> Any:
        pl, np = self.pl, self.np
        kind = variable.type
        if kind is ValueType.DECIMAL or kind is ValueType.INTEGER:
            # In the stored integer type; DECIMAL: scaled, see ``decimal``.
            return pl.Series(variable.code, data)
        if kind is ValueType.BOOLEAN:
            return pl.Series(variable.code, data == 1)
        if kind is ValueType.DATE:
            days = np.where(valid, data.astype(np.int64) - _EPOCH_ORDINAL, 0).astype(np.int32)
            return pl.Series(variable.code, days).cast(pl.Date)
        categories = [c.code for c in variable.categories] or [""]
        base = pl.Series(variable.code, categories, dtype=pl.String).cast(pl.Enum(categories))
        return base.gather(np.where(valid, data, 0))


def decimal(pl: Any, scaled: Any, scale: int, target: int) -> Any:
    """Scaled integers as exact ``Decimal(38, target)`` values (``target >= scale``)."""
    exact = decimal_expr(pl, pl.lit(scaled), scale, target)
    return pl.select(exact).to_series().alias(scaled.name)


def decimal_expr(pl: Any, scaled: Any, scale: int, target: int) -> Any:
    """The expression of :func:`decimal` over an expression of scaled integers."""
    whole = scaled.cast(pl.Decimal(38, 0))
    if scale == 0:
        return whole.cast(pl.Decimal(38, target))
    return (whole * pl.lit(Decimal(1).scaleb(-scale))).cast(pl.Decimal(38, target))


def _masked(pl: Any, values: Any, valid: Any) -> Any:
    return pl.select(pl.when(pl.lit(valid)).then(pl.lit(values))).to_series().alias(values.name)


def wide(pl: Any, np: Any, observations: Observations, ids: Ids, level: Level) -> Any:
    """One row per surveyed unit and round (rounds in date order), one column per variable."""
    found = _Level(pl, np, observations, ids, level)
    columns = found.keys()
    for variable in found.variables:
        values, valid, scale = found.values(variable)
        if variable.type is ValueType.DECIMAL:
            values = decimal(pl, values, scale, scale)
        elif variable.type is ValueType.INTEGER:
            values = values.cast(pl.Int64)  # read in the stored type (int8, int32...)
        columns[variable.code] = _masked(pl, values, valid)
    return pl.DataFrame(columns)


def long_query(
    pl: Any, np: Any, observations: Observations, ids: Ids, levels: Sequence[Level]
) -> tuple[Any, int]:
    """The long frame as a lazy query over the columns already read, and its number of rows.

    One row per recorded value: keys, ``variable``, ``type`` and the typed value columns.

    The values are read (and the unit IDs pseudonymised) now; what is left to the query is
    polars' own work (the decimals' casts, leaving out missing values, one part per variable
    after another), so a sink streams it into a file as it is computed, on polars' threads
    without the GIL, instead of first building the whole long frame in memory.
    """
    types = key_types(pl, observations)
    read: list[tuple[Any, Variable, Any, Any, int]] = []
    for level in levels:
        found = _Level(pl, np, observations, ids, level)
        if not found.tables:
            continue
        keys = (found.index, found.key_columns())
        for variable in found.variables:
            values, valid, scale = found.values(variable)
            read.append((keys, variable, values, valid, scale))
    decimals = [scale for _, v, _, _, scale in read if v.type is ValueType.DECIMAL]
    top = max(decimals, default=0)
    schema = {k: types[k] for k in KEYS} | {"variable": types["variable"], "type": types["type"]}
    schema |= {"number": pl.Decimal(38, top), "boolean": pl.Boolean}
    schema |= {"text": pl.String, "date": pl.Date}
    parts, rows = [], 0
    for keys, variable, values, valid, scale in read:
        kind, value = variable.type, pl.col("_value")
        if kind is ValueType.DECIMAL:
            value, slot = decimal_expr(pl, value, scale, top), "number"
        elif kind is ValueType.INTEGER:
            value, slot = value.cast(pl.Decimal(38, top)), "number"
        elif kind is ValueType.BOOLEAN:
            slot = "boolean"
        elif kind is ValueType.DATE:
            slot = "date"
        else:
            value, slot = value.cast(pl.String), "text"
        # The value and its mask join the rows' indexes as columns (no copy), so the query
        # reads them as it gathers the keys; a column with no missing value is not filtered.
        count = int(valid.sum())
        index, key_columns = keys
        part = index.with_columns(values.alias("_value"), valid.alias("_valid")).lazy()
        if count != len(valid):
            part = part.filter(pl.col("_valid"))
        parts.append(
            part.select(
                *key_columns,
                pl.lit(variable.code, dtype=types["variable"]).alias("variable"),
                pl.lit(kind.value, dtype=types["type"]).alias("type"),
                *(
                    value.alias(name) if name == slot else pl.lit(None, schema[name]).alias(name)
                    for name in VALUE_COLUMNS
                ),
            )
        )
        rows += count
    if not parts:
        return pl.LazyFrame(schema=schema), 0
    return pl.concat(parts, how="vertical"), rows
