"""Recording values from columns, checked column-wise (internal: ``Observations.record_columns``).

The fast path of :meth:`Observations.record_columns
<klaster.observations.values.Observations.record_columns>`: a batch of one level (members or
groups) given as columns (polars Series, numpy arrays or Python sequences) is checked one column
at a time (the round, the units, each variable's level and sector, type, bounds, categories and
``required``; the sector plugins' ``klaster_validate_values`` where a plugin of the cluster's
sectors implements it) and written into the stored columns as whole buffers, with no Python
object per value where the input is already numeric (numbers as integers or polars
``Decimal``: exact scaled integers; categories as text; yes/no as booleans).

When a check fails, or the batch is of a shape the fast path does not take (cooperative or
cluster level, mixed levels, unknown codes...), :func:`store_columns` returns ``None`` having
changed nothing, and the caller records the same rows through the row path: its checks raise the
same located error as recording row by row would (so the two paths cannot disagree on what is
refused, only on how fast they accept).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from klaster.catalogue.variable import Level, Variable
from klaster.errors import KlasterError, ValidationError
from klaster.observations._batch import LevelBatch, Row, finder, rows_of
from klaster.observations._columnar_values import (
    Prepared,
    Refused,
    checked,
    column_at,
    from_polars_frame,
    prepare,
    python_values,
)
from klaster.observations._hook_columns import (
    Piece,
    hook_frame,
    over,
    piece_of_column,
    piece_of_values,
)
from klaster.observations.columns.factory import Column
from klaster.observations.core_variables import CORE_SECTOR
from klaster.observations.rounds import Round
from klaster.observations.sector_checks import batch_problems, unit_location

if TYPE_CHECKING:
    from klaster.observations.storage import ObservationStorage


def store_columns(
    storage: ObservationStorage,
    round_id: str,
    unit_ids: Sequence[str],
    values: Mapping[str, Any],
    *,
    skip_nulls: bool,
) -> int | None:
    """Check and store a batch of columns; ``None`` (nothing stored) when the row path must run."""
    try:
        import numpy as np
    except ImportError:  # the row path needs no extra
        return None
    try:
        return _store(np, storage, round_id, list(unit_ids), values, skip_nulls)
    except Refused:
        return None
    except Exception:  # input the checks did not foresee: the row path judges it
        return None  # (nothing is stored before the last step, which cannot fail)


def _store(
    np: Any,
    storage: ObservationStorage,
    round_id: str,
    unit_ids: list[Any],
    values: Mapping[str, Any],
    skip_nulls: bool,
) -> int:
    if not storage.has_round(round_id) or not values or not unit_ids:
        raise Refused
    rnd = storage.round(round_id)
    variables = [storage.variables.get(code) if isinstance(code, str) else None for code in values]
    if any(v is None for v in variables):
        raise Refused
    level = variables[0].level  # type: ignore[union-attr]
    if level not in (Level.MEMBER, Level.GROUP) or any(v.level is not level for v in variables):  # type: ignore[union-attr]
        raise Refused
    count = len(unit_ids)
    if not all(type(u) is str for u in unit_ids) or len(set(unit_ids)) != count:
        raise Refused
    cluster = storage.program.clusters[rnd.cluster_id]
    find = finder(cluster, level)
    units = [find(unit_id) for unit_id in unit_ids]
    if None in units:
        raise Refused
    sectors = np.array([unit.sector for unit in units], dtype=object)
    if any(len(column) != count for column in values.values()):
        raise Refused
    frames = {c: v for c, v in values.items() if type(v).__module__.startswith("polars")}
    together = from_polars_frame(np, storage.variables, frames) if frames else {}
    prepared: dict[str, Prepared] = {}
    for code, variable in zip(values, variables, strict=True):
        assert variable is not None
        found = together.get(code)
        if found is not None:
            column = checked(np, found, skip_nulls)
        else:
            column = prepare(np, variable, values[code], count, skip_nulls)
        if variable.sector != CORE_SECTOR:
            others = sectors != variable.sector
            if (others & column.valid).any() if skip_nulls else others.any():
                raise Refused
        prepared[code] = column
    if skip_nulls:
        anything = np.zeros(count, dtype=bool)
        for column in prepared.values():
            anything |= column.valid
        if not anything.all():  # a unit with nothing recorded: the row path says so
            raise Refused
    indexes = np.array(storage.planned_indexes(rnd.cluster_id, level, unit_ids), dtype=np.int64)
    placed: dict[str, Column[Any]] = {}
    merged: dict[str, tuple[Sequence[int], Column[Any]]] = {}
    batch = LevelBatch()
    batch.unit_ids = [unit.id for unit in units]  # the program's own strings
    batch.rows = list(range(count))
    for code, column in prepared.items():
        rows = np.flatnonzero(column.valid) if skip_nulls else np.arange(count)
        if not len(rows):
            continue
        staged = column_at(np, column, rows)
        stored = storage.stored_column(rnd.id, level, code)
        targets = indexes[rows]
        if stored is None:
            placed[code] = column_at(np, column, rows, targets)
        else:
            try:
                stored.check_merge(staged)
            except KlasterError:
                raise Refused from None
            merged[code] = (targets.tolist(), staged)
        batch.positions[code] = rows.tolist()
        batch.staged[code] = staged
    if _plugins_refuse(storage, rnd, level, units, batch, prepared):
        raise Refused
    storage.store_columns(rnd, level, batch.unit_ids, placed, merged)
    return count


def _plugins_refuse(
    storage: ObservationStorage,
    rnd: Round,
    level: Level,
    units: list[Any],
    batch: LevelBatch,
    prepared: dict[str, Prepared],
) -> bool:
    """Whether the sector plugins' ``klaster_validate_values`` find a problem with the batch.

    Only the units of a sector whose plugin implements the hook are asked. They read Python
    values: this is the one step with an object per value (the cost of keeping them wired).
    """
    import numpy as np

    host = storage.host
    cluster = storage.program.clusters[rnd.cluster_id]
    checked = {code for code in cluster.sector_codes if host.checks_values((code,))}
    if not checked:
        return False
    refused = _columns_refuse(storage, rnd, level, units, batch, prepared, checked)
    if refused is not None:
        return refused
    table = storage.table(rnd.id, level)
    if table is not None and table.columns:  # stored values of the round count too
        batch.values = {code: staged.to_list() for code, staged in batch.staged.items()}
        return bool(batch_problems(storage, rnd, {level: batch}))
    held: list[dict[str, Any]] = [{} for _ in units]
    for code in batch.staged:
        column = prepared[code]
        rows = np.flatnonzero(column.valid).tolist()
        for slot, value in zip(rows, python_values(column, rows), strict=True):
            held[slot][code] = value
    asked = (
        (unit_location(rnd.id, level, unit.id), (unit.sector,), level, values)
        for unit, values in zip(units, held, strict=True)
        if unit.sector in checked
    )
    return bool(host.validate_recorded(asked))


def _columns_refuse(
    storage: ObservationStorage,
    rnd: Round,
    level: Level,
    units: list[Any],
    batch: LevelBatch,
    prepared: dict[str, Prepared],
    checked: set[str],
) -> bool | None:
    """The plugins' verdict on the staged columns as a batch (``klaster_validate_columns``).

    ``None`` without polars (the per-unit dicts then); plugins without the column hook are
    asked per unit by the host.
    """
    try:
        import numpy as np
        import polars as pl
    except ImportError:
        return None
    picked = [slot for slot, unit in enumerate(units) if unit.sector in checked]
    rows = None if len(picked) == len(units) else np.array(picked, dtype=np.int64)
    unit_ids = [units[slot].id for slot in picked]
    held = _held(np, storage, rnd, level, unit_ids)  # the values of the round held before
    codes = list(dict.fromkeys([*batch.staged, *held]))
    built: list[Any] = []

    def column(code: str) -> Any:  # every column built in one query when a plugin first reads
        if not built:
            pieces: dict[str, tuple[Variable, list[Piece | int]]] = {}
            for name in codes:
                staged = prepared.get(name) if name in batch.staged else None
                piece = None
                if staged is not None:
                    data, valid, texts = staged.data, staged.valid, staged.texts
                    variable = staged.variable
                    piece = piece_of_values(np, variable, data, valid, staged.scale, texts, rows)
                pieces[name] = (storage.variables[name], [over(np, piece, held.get(name))])
            built.append(hook_frame(pl, np, pieces))
        return built[0][code]

    columns = {code: partial(column, code) for code in codes}
    sectors = [(units[slot].sector,) for slot in picked]

    def where(row: int) -> str:
        return unit_location(rnd.id, level, unit_ids[row])

    host = storage.host
    return bool(host.validate_recorded_columns(level, columns, sectors, unit_ids, where))


def _held(
    np: Any, storage: ObservationStorage, rnd: Round, level: Level, unit_ids: list[str]
) -> dict[str, Piece]:
    """The values the units already hold in the round, by code (none: an empty dict)."""
    table = storage.table(rnd.id, level)
    numbering = storage.numbering(rnd.cluster_id, level)
    if table is None or not table.columns or numbering is None:
        return {}
    index = numbering.index
    at = np.array([index.get(unit_id, -1) for unit_id in unit_ids], dtype=np.int64)
    present = np.frombuffer(bytes(table.present), dtype=np.uint8)
    held = (at >= 0) & (at < len(present))
    held[held] = present[at[held]] != 0
    found = {}
    for code, column in table.columns.items():
        ok = held & (at < len(column))
        if not ok.any():
            continue
        piece = piece_of_column(np, column, np.where(ok, at, 0))
        if piece.texts is not None:
            piece.texts = [
                text if keep else None for text, keep in zip(piece.texts, ok.tolist(), strict=True)
            ]
        else:
            piece.valid = piece.valid & ok
        found[code] = piece
    return found


def ids_of(unit_ids: Any) -> list[Any]:
    """The unit IDs of a sequence, numpy array or polars/pandas Series, as a list."""
    if hasattr(unit_ids, "to_list"):  # a polars Series
        return list(unit_ids.to_list())
    if hasattr(unit_ids, "tolist"):  # a numpy array or pandas Series
        return list(unit_ids.tolist())
    return list(unit_ids)


def columns_of(values: Any) -> dict[str, Any]:
    """Code to column, from a mapping or a polars/pandas data frame."""
    if (
        hasattr(values, "columns")
        and hasattr(values, "__getitem__")
        and not isinstance(values, Mapping)
    ):  # a polars or pandas data frame
        return {code: values[code] for code in values.columns}
    if not isinstance(values, Mapping):
        raise ValidationError(
            f"must be a mapping of variable code to column, or a data frame, got "
            f"{type(values).__name__}",
            path="values",
        )
    return dict(values)


def _values_of(column: Any) -> list[Any]:
    # A column as Python values for the row path (numpy/polars scalars become Python ones).
    module = type(column).__module__.split(".", 1)[0]
    if module == "pandas":
        return list(column.astype(object).where(column.notna(), None).tolist())
    if module == "polars":
        return list(column.to_list())
    if module == "numpy":
        return list(column.tolist())
    return list(column)


def rows_of_columns(
    unit_ids: Sequence[str], columns: Mapping[str, Any], *, skip_nulls: bool
) -> list[Row]:
    """The rows the columns hold, for the row path (nulls left out when ``skip_nulls``)."""
    rows = rows_of(unit_ids, {code: _values_of(column) for code, column in columns.items()})
    if skip_nulls:
        rows = [(unit, {k: v for k, v in row.items() if v is not None}) for unit, row in rows]
    return rows
