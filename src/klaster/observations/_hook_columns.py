"""Stored or staged columns as the polars Series ``klaster_validate_columns`` reads (internal).

The bulk paths (reading a sidecar, ``Observations.record_columns``) hold a batch's values as
numpy buffers: scaled integers and a valid mask for numbers, codes for yes/no, categories and
dates, lists for texts. The sector plugins' column hook reads them as polars Series in their
canonical types (``Decimal``, ``Int64``, ``Boolean``, ``String``, ``Date``, nulls where nothing
was recorded); :func:`hook_series` builds one Series per variable from the pieces of several
tables without a Python object per value (texts excepted).
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import partial
from typing import Any, overload

from klaster.catalogue.variable import ValueType, Variable
from klaster.observations.columns.factory import Column

__all__ = [
    "Piece",
    "RowIds",
    "RowSectors",
    "hook_frame",
    "hook_series",
    "over",
    "piece_of_column",
    "piece_of_values",
]

_FEW_KINDS = 16  # sectors a level has at most for one pass each to beat a count of all
_EPOCH_ORDINAL = 719_163  # date(1970, 1, 1).toordinal(): polars counts days from 1970
_INT64 = 9_223_372_036_854_775_807


class Piece:
    """Some rows of one variable: ``data`` (int64: numbers, codes, ordinals) and ``valid``.

    Texts keep a list in ``texts`` instead; category codes index ``categories``.
    """

    __slots__ = ("categories", "data", "scale", "texts", "valid")

    def __init__(
        self,
        data: Any,
        valid: Any,
        scale: int = 0,
        categories: tuple[str, ...] = (),
        texts: list[str | None] | None = None,
    ) -> None:
        self.data, self.valid, self.scale = data, valid, scale
        self.categories, self.texts = categories, texts


class RowSectors(Sequence[tuple[str, ...]]):
    """Each row's sectors, kept as one number per row into the distinct sectors (numpy).

    What the bulk paths give :meth:`~klaster.plugins.host.PluginHost.validate_recorded_columns`
    for a batch of a million units: no tuple per row, and :meth:`rows_of_each` groups the rows
    without a Python step per row (the checks look for it; any sequence of tuples still works).
    """

    __slots__ = ("distinct", "kinds", "np")

    def __init__(self, np: Any, kinds: Any, distinct: Sequence[tuple[str, ...]]) -> None:
        self.np, self.kinds, self.distinct = np, kinds, distinct

    def __len__(self) -> int:
        return len(self.kinds)

    @overload
    def __getitem__(self, row: int) -> tuple[str, ...]: ...
    @overload
    def __getitem__(self, row: slice) -> Sequence[tuple[str, ...]]: ...
    def __getitem__(self, row: int | slice) -> Any:
        if isinstance(row, slice):
            return [self.distinct[kind] for kind in self.kinds[row].tolist()]
        return self.distinct[int(self.kinds[row])]

    def rows_of_each(self) -> dict[tuple[str, ...], Any]:
        """The rows of each sectors present (numpy arrays, ascending), in order of first row."""
        return {codes: make() for codes, (_, make) in self.counted_rows_of_each().items()}

    def counted_rows_of_each(self) -> dict[tuple[str, ...], tuple[int, Callable[[], Any]]]:
        """Each sectors present, in order of first row: how many rows, and a function listing them.

        Counted now, listed (numpy, ascending) only when called: a check that reads no column
        and finds nothing never lists a million rows.
        """
        np, kinds = self.np, self.kinds
        found: list[tuple[int, int, Any]] = []  # first row, count, kind
        if len(self.distinct) <= _FEW_KINDS:  # a pass each: no int64 copy for bincount
            for kind in range(len(self.distinct)):
                where = kinds == kind
                count = int(np.count_nonzero(where))
                if count:
                    found.append((int(where.argmax()), count, kind))
        else:
            counts = np.bincount(kinds, minlength=len(self.distinct))
            for kind in np.flatnonzero(counts).tolist():
                found.append((int((kinds == kind).argmax()), int(counts[kind]), kind))
        found.sort()
        return {
            self.distinct[kind]: (count, partial(_rows_of_kind, np, kinds, kind))
            for _, count, kind in found
        }


def _rows_of_kind(np: Any, kinds: Any, kind: int) -> Any:
    return np.flatnonzero(kinds == kind)


Parts = Sequence[tuple[Sequence[str], Any]]
"""Each table's unit IDs (its numbering) and the indexes (numpy) of its rows."""


class RowIds(Sequence[str]):
    """Each row's unit ID, read from its table's numbering only when asked (no list of them).

    Rows are tables' picked indexes one table after the other: ``parts`` holds each table's
    unit IDs (its numbering) and the indexes (numpy) of its rows; or a function giving them,
    called on first need (``count``: how many rows they hold), so that a batch whose IDs no
    plugin reads never works out which unit each row is.
    """

    __slots__ = ("_count", "_ends", "_make", "_parts")

    def __init__(
        self,
        parts: Sequence[tuple[Sequence[str], Any]] | Callable[[], Parts],
        count: int | None = None,
    ) -> None:
        self._parts: Parts | None = None
        self._make: Callable[[], Parts] | None = None
        self._ends: list[int] | None = None
        if callable(parts):
            if count is None:
                raise ValueError("rows given later need their count")
            self._make, self._count = parts, count
        else:
            self._parts = parts
            self._count = sum(len(picked) for _, picked in parts)

    @property
    def parts(self) -> Parts:
        """Each table's unit IDs and its rows' indexes (worked out on first need)."""
        if self._parts is None:
            assert self._make is not None
            self._parts = self._make()
        return self._parts

    @property
    def ends(self) -> list[int]:
        """Where each table's rows end (one past its last row)."""
        if self._ends is None:
            self._ends = list(itertools.accumulate(len(picked) for _, picked in self.parts))
        return self._ends

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, row: int) -> str: ...
    @overload
    def __getitem__(self, row: slice) -> Sequence[str]: ...
    def __getitem__(self, row: int | slice) -> Any:
        if isinstance(row, slice):
            return [self[at] for at in range(*row.indices(len(self)))]
        at = row + len(self) if row < 0 else row
        if not 0 <= at < len(self):
            raise IndexError(row)
        ends = self.ends
        part = bisect_right(ends, at)
        ids, picked = self.parts[part]
        return ids[int(picked[at - (ends[part - 1] if part else 0)])]


def piece_of_column(np: Any, column: Column[Any], rows: Any) -> Piece:
    """The values of a stored column at ``rows`` (a numpy index array), from its buffers."""
    found = column.buffers()
    if found.type is ValueType.TEXT:
        texts = found.data
        return Piece(None, None, texts=[texts[row] for row in rows.tolist()])
    assert isinstance(found.data, memoryview)
    data = np.frombuffer(found.data, dtype=found.typecode)[rows].astype(np.int64)
    if found.valid is not None:
        valid = np.frombuffer(found.valid, dtype=np.uint8)[rows].astype(bool)
    else:
        valid = data != found.missing_code
    return Piece(data, valid, found.scale, found.categories)


def over(np: Any, new: Piece | None, old: Piece | None) -> Piece:
    """``new``'s values where it has one, else ``old``'s (a batch over the values held)."""
    if new is None or old is None:
        found = new if new is not None else old
        assert found is not None
        return found
    if new.texts is not None or old.texts is not None:
        texts = [
            n if n is not None else o for n, o in zip(new.texts or (), old.texts or (), strict=True)
        ]
        return Piece(None, None, texts=texts)
    if new.categories != old.categories:
        raise ValueError("categories differ")  # not expected: both are the variable's
    scale = max(new.scale, old.scale)
    data = np.where(new.valid, _rescaled(np, new, scale), _rescaled(np, old, scale))
    return Piece(data, new.valid | old.valid, scale, new.categories)


def _rescaled(np: Any, piece: Piece, scale: int) -> Any:
    if piece.scale == scale:
        return piece.data
    factor = 10 ** (scale - piece.scale)
    data = np.where(piece.valid, piece.data, 0)
    if len(data) and int(np.abs(data).max()) > _INT64 // factor:
        raise OverflowError("too many digits to rescale")
    return data * factor


def piece_of_values(
    np: Any, variable: Variable, data: Any, valid: Any, scale: int, texts: Any, rows: Any
) -> Piece:
    """Rows of a staged ``record_columns`` column (int64 numbers at ``scale``, codes, texts).

    ``rows``: a numpy index array, or ``None`` for all.
    """
    if texts is not None:
        return Piece(None, None, texts=list(texts) if rows is None else [texts[r] for r in rows])
    kind = variable.type
    categories = variable.category_codes() if kind is ValueType.CATEGORY else ()
    data, valid = np.asarray(data), np.asarray(valid, dtype=bool)
    if rows is not None:
        data, valid = data[rows], valid[rows]
    return Piece(data.astype(np.int64), valid, scale, categories)


def hook_series(pl: Any, np: Any, variable: Variable, pieces: list[Piece | int]) -> Any:
    """One Series of ``variable`` from ``pieces`` in order (an ``int``: that many missing rows)."""
    return hook_frame(pl, np, {variable.code: (variable, pieces)})[variable.code]


def hook_frame(pl: Any, np: Any, columns: dict[str, tuple[Variable, list[Piece | int]]]) -> Any:
    """Every column of ``columns`` (code to variable and pieces) as one frame, in one query."""
    raw: dict[str, Any] = {}
    texts: dict[str, Any] = {}
    made = []
    for code, (variable, pieces) in columns.items():
        kind = variable.type
        if kind is ValueType.TEXT:
            found: list[str | None] = []
            for piece in pieces:
                found += [None] * piece if isinstance(piece, int) else (piece.texts or [])
            texts[code] = pl.Series(code, found, dtype=pl.String)
            continue
        data, valid, scale, categories = _numbers(np, variable, pieces)
        raw[code], raw[f"{code}\x00"] = np.where(valid, data, 0), valid
        value = pl.col(code)
        if kind is ValueType.DECIMAL:
            value = value.cast(pl.Decimal(38, 0))
            value = value * pl.lit(Decimal(f"1E-{scale}")) if scale else value
        elif kind is ValueType.BOOLEAN:
            value = value == 1
        elif kind is ValueType.DATE:
            value = (value - _EPOCH_ORDINAL).cast(pl.Int32).cast(pl.Date)
        elif kind is ValueType.CATEGORY:
            names = pl.Series(list(categories) or [""], dtype=pl.String)
            value = pl.lit(names).gather(value)
        made.append(pl.when(pl.col(f"{code}\x00")).then(value).alias(code))
    frame = pl.DataFrame(raw).select(made) if made else pl.DataFrame()
    if texts:
        frame = frame.with_columns(*texts.values()) if made else pl.DataFrame(texts)
    return frame


def _numbers(
    np: Any, variable: Variable, pieces: list[Piece | int]
) -> tuple[Any, Any, int, tuple[str, ...]]:
    """The pieces as one int64 array at one scale (or over one category list) and its mask."""
    kind = variable.type
    scale = max((p.scale for p in pieces if not isinstance(p, int)), default=0)
    categories = _categories(variable, pieces)
    datas, valids = [], []
    for piece in pieces:
        if isinstance(piece, int):
            datas.append(np.zeros(piece, dtype=np.int64))
            valids.append(np.zeros(piece, dtype=bool))
            continue
        data = piece.data
        if kind is ValueType.DECIMAL and piece.scale != scale:
            factor = 10 ** (scale - piece.scale)
            if len(data) and int(np.abs(data).max()) > _INT64 // factor:
                raise OverflowError(f"{variable.code}: too many digits to rescale")
            data = data * factor
        elif kind is ValueType.CATEGORY and piece.categories != categories:
            where = {name: at for at, name in enumerate(categories)}
            lookup = np.array([where[name] for name in piece.categories] or [0], dtype=np.int64)
            data = lookup[np.where(piece.valid, data, 0)]
        datas.append(data)
        valids.append(piece.valid)
    data = np.concatenate(datas) if datas else np.zeros(0, dtype=np.int64)
    valid = np.concatenate(valids) if valids else np.zeros(0, dtype=bool)
    return data, valid, scale, categories


def _categories(variable: Variable, pieces: list[Piece | int]) -> tuple[str, ...]:
    if variable.type is not ValueType.CATEGORY:
        return ()
    known = variable.category_codes()
    extra = [
        name
        for piece in pieces
        if not isinstance(piece, int)
        for name in piece.categories
        if name not in known
    ]
    return (*known, *dict.fromkeys(extra))
