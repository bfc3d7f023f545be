"""Reading the column store into numpy for the polars fast path, without a Python value per unit.

Each cluster numbers its units once for all rounds; each round's table has a "surveyed" mask over
that numbering and one column per variable (:meth:`Column.buffers
<klaster.observations.columns.factory.Column.buffers>`: scaled integers and a valid mask, or codes
with a
missing code). A round key's frames are read as zero-copy views, concatenated once, and the
surveyed units selected with one mask for the whole program.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from klaster.catalogue.variable import Level
from klaster.measurement._backends.python.fixedpoint import Unsupported
from klaster.measurement.operations import Shift
from klaster.measurement.round_refs import round_at
from klaster.measurement.unit_frame import UnitFrame
from klaster.observations.columns import Column, DecimalColumn, IntegerColumn
from klaster.observations.values import Observations

__all__ = ["Array", "SurveyedUnits", "present"]

Array = np.ndarray[Any, Any]

_INT64 = 2**63 - 1
_MASKED = (DecimalColumn, IntegerColumn)


def present(frame: UnitFrame, level: Level = Level.MEMBER) -> Array:
    """The frame's "surveyed" mask over its cluster's unit numbering (cached per frame)."""
    key = ("present", level)
    found = frame.cache.get(key)
    if found is None:
        table = frame.observations.storage.table(frame.round.id, level)
        raw = bytes(table.present) if table is not None else b""
        found = frame.cache[key] = np.frombuffer(raw, dtype=np.uint8).astype(bool)
    return found


class SurveyedUnits:
    """The members surveyed in one round key, all clusters together, in frame order.

    Args:
        observations: The store.
        frames: The round key's frames.
    """

    def __init__(self, observations: Observations, frames: Sequence[UnitFrame]) -> None:
        self.observations = observations
        self.frames = frames
        self.masks = [present(f) for f in frames]
        self.lengths = [len(m) for m in self.masks]
        self.sizes = [int(m.sum()) for m in self.masks]
        self.length = sum(self.sizes)
        self.selected = np.concatenate(self.masks) if self.masks else np.zeros(0, bool)
        self.everyone = bool(self.selected.all())
        self.index = np.flatnonzero(self.selected)  # (taking by index beats a boolean mask)
        self._columns: dict[Shift | str | None, list[Mapping[str, Column[Any]] | None]] = {}

    def frame_numbers(self) -> Array:
        """Each surveyed unit's frame, as an index into ``frames``."""
        return np.repeat(np.arange(len(self.frames), dtype=np.int32), self.sizes)

    def select(self, data: Array) -> Array:
        """Values over the frames' numberings (concatenated) restricted to the surveyed units."""
        return data if self.everyone else data.take(self.index)

    def column(
        self, code: str, *, at: Shift | str | None = None
    ) -> tuple[Array, Array, int] | None:
        """A member variable of the round (or of round ``at``, aligned) for the surveyed units.

        Returns:
            ``(values, valid, scale)``: integer values (of the store's narrowest type that holds
            them) scaled to the largest scale of the frames (booleans as 0/1; anything where not
            valid), the valid mask; ``None`` when no frame recorded it.
        """
        columns = [None if t is None else t.get(code) for t in self._tables(at)]
        if all(c is None or isinstance(c, _MASKED) for c in columns):
            return self._masked(columns)
        parts: list[tuple[Any, int, int] | None] = []  # buffers, values used, gap after them
        for column, length in zip(columns, self.lengths, strict=True):
            if column is None:
                parts.append(None)
                continue
            buffers = column.buffers()
            # Units numbered after the column's last value have none: a gap at the end.
            used = min(len(buffers.data), length)
            parts.append((buffers, used, length - used))
        found = [p[0] for p in parts if p is not None]
        if not found:
            return None
        try:
            data, valid = _joined(parts, self.lengths, found)
        finally:
            # Release the views at once: the store cannot grow a column while one is alive.
            for buffers in found:
                for view in (buffers.data, buffers.valid):
                    if isinstance(view, memoryview):
                        view.release()
        scales = [0 if p is None else p[0].scale for p in parts]
        return self._scaled(data, valid, scales)

    def _tables(self, at: Shift | str | None) -> list[Mapping[str, Column[Any]] | None]:
        """Each frame's stored columns in round ``at`` (the frame's own for ``None``), once."""
        found = self._columns.get(at)
        if found is None:
            storage = self.observations.storage
            found = []
            for frame in self.frames:
                rnd = frame.round if at is None else round_at(frame, at)
                table = None if rnd is None else storage.table(rnd.id, Level.MEMBER)
                found.append(None if table is None else table.columns)
            self._columns[at] = found
        return found

    def _masked(self, columns: list[Column[Any] | None]) -> tuple[Array, Array, int] | None:
        """Decimal and integer columns end to end: one ``bytes.join`` of the stored arrays.

        No buffer object or view per column (a round key has one column per cluster and
        variable): the stored arrays are copied by the join and not kept.
        """
        stored = [None if c is None else c.stored() for c in columns]  # type: ignore[attr-defined]
        present = [p for p in stored if p is not None]
        if not present:
            return None
        typecode = present[0][0].typecode
        # Mixed widths: every frame's values widened to 64 bits.
        width = "q" if any(p[0].typecode != typecode for p in present) else typecode
        itemsize = np.dtype(width).itemsize
        data: list[Any] = []
        valid: list[Any] = []
        for part, length in zip(stored, self.lengths, strict=True):
            if part is None:
                data.append(bytes(length * itemsize))
                valid.append(bytes(length))
                continue
            values, ok, _ = part
            if values.typecode != width:
                values = array(width, values)
            used = len(ok)
            if used > length:  # (never longer than the numbering in practice)
                values, ok, used = values[:length], ok[:length], length
            data.append(values)
            valid.append(ok)
            if used < length:  # units numbered after the column's end: no value
                data.append(bytes((length - used) * itemsize))
                valid.append(bytes(length - used))
        joined = np.frombuffer(b"".join(data), dtype=np.dtype(width))
        mask = np.frombuffer(b"".join(valid), dtype=np.bool_)
        return self._scaled(joined, mask, [0 if p is None else p[2] for p in stored])

    def _scaled(self, data: Array, valid: Array, scales: list[int]) -> tuple[Array, Array, int]:
        """Every frame's values at the largest scale, selected to the surveyed units."""
        top = max(scales)
        if top and any(k != top for k in scales):
            data = data.astype(np.int64)
            widest = int(np.abs(data).max(initial=0)) * 10 ** (top - min(scales))
            if widest > _INT64:
                raise Unsupported("values do not fit 64 bits at a common scale")
            data *= np.repeat(10 ** (top - np.array(scales, dtype=np.int64)), self.lengths)
        # Selected while still narrow (int8 for scores, int32 for most amounts).
        return self.select(data), self.select(valid), top


def _joined(
    parts: list[tuple[Any, int, int] | None], lengths: list[int], found: list[Any]
) -> tuple[Array, Array]:
    """The frames' buffers end to end, over each frame's whole numbering: values, valid."""
    typecode, coded = found[0].typecode, found[0].valid is None
    if any(b.typecode != typecode or (b.valid is None) != coded for b in found):
        return _one_by_one(parts, lengths)
    # One copy in C of every frame's bytes (gaps filled), then one array: no numpy call per frame.
    dtype = np.dtype(typecode)
    gap_code = bytes(np.array([found[0].missing_code or 0], dtype=dtype))
    data: list[Any] = []
    valid: list[Any] = []
    for part, length in zip(parts, lengths, strict=True):
        if part is None:
            data.append(gap_code * length)
            valid.append(bytes(length))
            continue
        buffers, used, gap = part
        data.append(buffers.data[:used])
        if coded:
            if gap:
                data.append(gap_code * gap)
            continue
        valid.append(buffers.valid[:used])
        if gap:
            data.append(bytes(gap * dtype.itemsize))
            valid.append(bytes(gap))
    values = np.frombuffer(b"".join(data), dtype=dtype)
    if coded:  # booleans: a code says missing
        ok = values != found[0].missing_code
    else:
        ok = np.frombuffer(b"".join(valid), dtype=np.bool_)
    return values, ok


def _one_by_one(
    parts: list[tuple[Any, int, int] | None], lengths: list[int]
) -> tuple[Array, Array]:
    raws: list[Array] = []
    valids: list[Array] = []
    for part, length in zip(parts, lengths, strict=True):
        if part is None:
            raws.append(np.zeros(length, dtype=np.int64))
            valids.append(np.zeros(length, dtype=bool))
            continue
        buffers, used, gap = part
        raw = np.frombuffer(buffers.data, dtype=np.dtype(buffers.typecode))[:used]
        if buffers.valid is not None:
            ok = np.frombuffer(buffers.valid, dtype=np.bool_)[:used]
        else:
            ok = raw != buffers.missing_code
        raws += (raw.astype(np.int64), np.zeros(gap, dtype=np.int64))
        valids += (ok.copy(), np.zeros(gap, dtype=bool))
    return np.concatenate(raws), np.concatenate(valids)
