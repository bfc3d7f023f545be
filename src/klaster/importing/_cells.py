"""Turning the text of cells into checked values, a column at a time.

Each :class:`Cells` reads one target. :meth:`Cells.column` converts a whole column of a chunk at C
speed (``map(Decimal, cells)``, ``min``/``max`` for the bounds) and gives up on the first
irregular cell; :meth:`Cells.cell` then reads cell by cell to name the bad ones. The rules are
those of :meth:`Variable.check_value <klaster.catalogue.variable.Variable.check_value>` (its
messages are
reused), so an imported value is exactly what recording it by hand would accept. Messages never
repeat the answer: it may be personal data.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from klaster.catalogue.variable import ValueType, Variable
from klaster.errors import KlasterError
from klaster.observations.columns.factory import MAX_SCALE

_INT64 = 2**63 - 1
_MAX_DIGITS = 19  # digits before the point of the largest int64 (9.2E+18)
_TRUE = ("1", "true", "yes", "ya", "y", "benar")
_FALSE = ("0", "false", "no", "tidak", "n", "t", "salah")
BOOLEANS: Mapping[str, bool] = {
    **dict.fromkeys(_TRUE, True),
    **dict.fromkeys(_FALSE, False),
}
"""Answers read as yes/no when the mapping gives no ``values`` (compared without case)."""
_FAST_BOOLEANS: dict[str, bool | None] = {"": None}
for _answer, _value in BOOLEANS.items():
    for _spelling in (_answer, _answer.upper(), _answer.capitalize()):
        _FAST_BOOLEANS[_spelling] = _value


_REMEMBERED = 100_000
"""Distinct cell texts a reader remembers the value of (see :meth:`Cells.column`)."""


class CellError(Exception):
    """A cell that cannot be read; ``reason`` says what would be valid (never the value)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Slow(Exception):
    """The fast column path met something it does not handle; read cell by cell."""


def _formula() -> CellError:
    return CellError(
        "looks like a spreadsheet formula; export values, not formulas (the cell starts with '=')"
    )


class Cells:
    """Reads one target's cells. Subclasses set ``_read`` (text → value) and may add a fast path.

    Args:
        values: The mapping's answer → value map (applied to the stripped text first).
        missing: Answers that mean "not recorded".
    """

    def __init__(self, values: Mapping[str, object], missing: Sequence[str]) -> None:
        self.values = dict(values)
        self.missing = frozenset(missing)
        self._read: dict[str, Any] = {}  # text → value, for column()

    def cell(self, text: str) -> Any:
        """The value of one cell (``None`` when empty or a missing answer).

        Raises:
            CellError: The cell cannot be read.
        """
        stripped = text.strip()
        if not stripped or stripped in self.missing:
            return None
        if stripped in self.values:
            return self.checked(self.values[stripped])
        if stripped.startswith("=") and len(stripped) > 1:
            raise _formula()
        return self.checked(self.read(stripped))

    def read(self, text: str) -> object:
        """Text (stripped, not empty) to a value of the target's Python type."""
        return text

    def checked(self, value: object) -> Any:
        """A read or mapped value checked against the target's rules."""
        return value

    def column(self, cells: Sequence[str]) -> list[Any]:
        """Every cell's value; raises anything when a cell is irregular (see the module)."""
        # A column repeats its answers (kinds, yes/no, the same IDs chunk after chunk): each
        # distinct text is read once, the column mapped at C speed. Bounded, for free text.
        read = self._read
        if len(read) > _REMEMBERED:
            read.clear()
        for text in set(cells).difference(read):
            read[text] = self.cell(text)
        return list(map(read.__getitem__, cells))

    def _lookup(self, table: Mapping[str, Any]) -> dict[str, Any]:
        """``table`` (exact spellings → value) with the mapping's answers and missing ones."""
        found = dict(table)
        found.update((answer, self.checked(value)) for answer, value in self.values.items())
        found.update(dict.fromkeys(self.missing))
        return found

    def convert(self, cells: Sequence[str], report: Callable[[int, str], None]) -> list[Any]:
        """The values of ``cells``; bad cells become ``None`` and are reported by index."""
        try:
            return self.column(cells)
        except Exception:
            pass  # any irregular cell: read them one by one below, to name the bad ones
        out: list[Any] = []
        append = out.append
        for index, text in enumerate(cells):
            try:
                append(self.cell(text))
            except CellError as exc:
                append(None)
                report(index, exc.reason)
        return out


class VariableCells(Cells):
    """Cells of one variable, checked by the variable's own rules."""

    def __init__(
        self,
        variable: Variable,
        *,
        values: Mapping[str, object] = {},
        missing: Sequence[str] = (),
        scale: Decimal | None = None,
        decimal_comma: bool = False,
        date_format: str | None = None,
    ) -> None:
        super().__init__(values, missing)
        # The check never refuses a missing value here: whether a variable is required depends
        # on the unit's sector, which the reader knows.
        self.variable = attrs.evolve(variable, required=False) if variable.required else variable
        self.type = variable.type
        self.scale = scale if scale is not None and scale != 1 else None
        self.comma = decimal_comma
        self.date_format = date_format
        low = variable.minimum if variable.minimum is not None else -_INT64
        high = variable.maximum if variable.maximum is not None else _INT64
        self.low, self.high = max(low, -_INT64), min(high, _INT64)
        self.codes: dict[str, str | None] = {c: c for c in variable.category_codes()}
        self.codes[""] = None
        self._fast: dict[str, Any] | None = None

    def read(self, text: str) -> object:
        """See :meth:`Cells.read`."""
        kind = self.type
        if kind is ValueType.DECIMAL or kind is ValueType.INTEGER:
            return self._number(text)
        if kind is ValueType.BOOLEAN:
            found = BOOLEANS.get(text.casefold())
            if found is None:
                raise CellError(
                    f"{self.variable.label.en} must be yes or no ({', '.join(_TRUE[:4])} / "
                    f"{', '.join(_FALSE[:4])}); map other answers with values = {{ ... }}"
                )
            return found
        if kind is ValueType.DATE:
            return read_date(text, self.date_format)
        return text

    def _number(self, text: str) -> Decimal | int:
        try:
            number = Decimal(text.replace(",", ".") if self.comma else text)
        except InvalidOperation:
            raise CellError(
                f"{self.variable.label.en} must be a number (e.g. 1250000 or 12.5"
                + (", with a decimal comma: 12,5" if self.comma else "")
                + ")"
            ) from None
        if not number.is_finite():
            raise CellError(f"{self.variable.label.en} must be a finite number")
        # Bounded before any arithmetic: 1E+999999 times a scale overflows the context and
        # int(1E+999999999) builds a billion-digit integer (minutes, hundreds of MB).
        if number:
            size = number.adjusted() + (self.scale.adjusted() if self.scale is not None else 0)
            if size > _MAX_DIGITS:
                raise CellError(f"{self.variable.label.en} is too large to store")
            if size < -(MAX_SCALE + _MAX_DIGITS):
                raise CellError(
                    f"{self.variable.label.en} has more than {MAX_SCALE} decimals; round it"
                )
        if self.scale is not None:
            number *= self.scale
        if self.type is ValueType.INTEGER:
            if number != number.to_integral_value():
                raise CellError(f"{self.variable.label.en} must be a whole number")
            return int(number)
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -MAX_SCALE:
            number = number.normalize()  # 12.50000...0 has fewer decimals than it shows
            exponent = number.as_tuple().exponent
            if isinstance(exponent, int) and exponent < -MAX_SCALE:
                raise CellError(
                    f"{self.variable.label.en} has more than {MAX_SCALE} decimals; round it"
                )
        if abs(number) > _INT64:
            raise CellError(f"{self.variable.label.en} is too large to store")
        return number

    def checked(self, value: object) -> Any:
        """See :meth:`Cells.checked`."""
        try:
            return self.variable.check_value(value)
        except KlasterError as exc:
            raise CellError(exc.message) from None

    def column(self, cells: Sequence[str]) -> list[Any]:
        """See :meth:`Cells.column`."""
        kind = self.type
        if (kind is ValueType.DECIMAL or kind is ValueType.INTEGER) and (
            self.values or self.missing
        ):
            raise _Slow
        if kind is ValueType.DECIMAL:
            return self._decimals(cells)
        if kind is ValueType.INTEGER:
            return self._integers(cells)
        if kind is ValueType.BOOLEAN or kind is ValueType.CATEGORY:
            if self._fast is None:
                base = _FAST_BOOLEANS if kind is ValueType.BOOLEAN else self.codes
                self._fast = self._lookup(base)
            return list(map(self._fast.__getitem__, cells))
        if self.values or self.missing:
            raise _Slow
        return super().column(cells)

    def _decimals(self, cells: Sequence[str]) -> list[Any]:
        if max(map(len, cells), default=0) > 18:
            raise _Slow  # long numbers: check digits and size one by one
        joined = "".join(cells)
        if "e" in joined or "E" in joined:
            raise _Slow  # an exponent can hide more decimals than a column holds
        if self.comma:
            cells = [c.replace(",", ".") for c in cells]
        values: list[Any]
        if "" in cells:
            values = [Decimal(c) if c else None for c in cells]
            present = [v for v in values if v is not None]
        else:
            values = present = list(map(Decimal, cells))
        if self.scale is not None:
            scale = self.scale
            values = [None if v is None else v * scale for v in values]
            present = [v for v in values if v is not None]
        self._bounds(present)
        return values

    def _integers(self, cells: Sequence[str]) -> list[Any]:
        values: list[Any]
        if "" in cells:
            values = [int(c) if c else None for c in cells]
            present = [v for v in values if v is not None]
        else:
            values = present = list(map(int, cells))
        if self.scale is not None:
            raise _Slow  # rare: scaled integers go through Decimal
        self._bounds(present)
        return values

    def _bounds(self, present: list[Any]) -> None:
        if not present:
            return
        # min/max raise on NaN; infinities fall outside the int64 bounds.
        if min(present) < self.low or max(present) > self.high:
            raise _Slow


class TextCells(Cells):
    """Cells of a member field: text, whole numbers or dates (the member record checks them)."""

    def __init__(
        self,
        kind: type,
        *,
        values: Mapping[str, object] = {},
        missing: Sequence[str] = (),
        date_format: str | None = None,
        defaults: Mapping[str, object] = {},
        choices: Sequence[str] = (),
    ) -> None:
        super().__init__(values, missing)
        self.kind = kind
        self.date_format = date_format
        self.defaults = {k.casefold(): v for k, v in defaults.items()}
        self.choices = tuple(choices)

    def cell(self, text: str) -> Any:
        """See :meth:`Cells.cell`; default answers are matched without case."""
        stripped = text.strip()
        if stripped and stripped not in self.values:
            found = self.defaults.get(stripped.casefold())
            if found is not None:
                return found
        return super().cell(text)

    def read(self, text: str) -> object:
        """See :meth:`Cells.read`."""
        if self.kind is int:
            try:
                return int(text)
            except ValueError:
                raise CellError("must be a whole number") from None
        if self.kind is _dt.date:
            return read_date(text, self.date_format)
        if self.choices and text not in self.choices:
            shown = ", ".join(map(repr, self.choices))
            raise CellError(f"must be one of {shown} (map other answers with values = {{ ... }})")
        return text


def read_date(text: str, date_format: str | None) -> _dt.date:
    """An ISO date (or the date part of an ISO timestamp), or ``date_format``.

    Raises:
        CellError: Neither.
    """
    head = text[:10]
    if len(text) == 10 or (len(text) > 10 and text[10] in "T "):
        try:
            return _dt.date.fromisoformat(head)
        except ValueError:
            pass
    if date_format is not None:
        try:
            return _dt.datetime.strptime(text, date_format).date()
        except ValueError:
            pass
    shown = f" or {date_format!r}" if date_format else ""
    raise CellError(f"must be a date: YYYY-MM-DD{shown} (set date_format for other layouts)")
