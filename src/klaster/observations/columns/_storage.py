"""The integer buffers under the columns: typecodes and their limits, growing, located errors.

Shared by every column kind; values are never named in an error (survey answers are personal
data), only their type and position.
"""

from __future__ import annotations

from array import array
from itertools import repeat

from klaster.errors import NotFoundError, ValidationError

_INT_CODES = ("b", "h", "i", "q")
_LIMIT = {code: 2 ** (8 * array(code).itemsize - 1) - 1 for code in _INT_CODES}
# -2**63 is left out so that negating any stored value stays in range.
_INT64 = _LIMIT["q"]


def _check_index(index: int) -> None:
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValidationError(f"a column index is a whole number from 0, got {index!r}")


def _not_found(index: int, length: int) -> NotFoundError:
    return NotFoundError(f"index {index} is out of range: the column has {length} values")


def _grow(buffer: array[int] | bytearray, count: int, fill: int) -> None:
    try:
        buffer.extend(repeat(fill, count))
    except BufferError:
        raise ValidationError(
            "the column's buffers are exported (see buffers()); release the views before "
            "writing to the column"
        ) from None


def _wrong(value: object, index: int | None, expected: str) -> ValidationError:
    # Survey answers are personal data: name the type, never the value.
    if isinstance(value, float):
        got = "a float: pass a Decimal or a string such as '12.5' (floats are not exact)"
    else:
        got = type(value).__name__
    return ValidationError(
        f"must be {expected} or None, got {got}",
        path=None if index is None else f"values[{index}]",
    )


def _fit_code(code: str, low: int, high: int) -> str:
    # The narrowest integer typecode (from the current one up) that holds low..high.
    for candidate in _INT_CODES[_INT_CODES.index(code) :]:
        if -_LIMIT[candidate] <= low and high <= _LIMIT[candidate]:
            return candidate
    raise AssertionError("checked against int64 before")  # pragma: no cover


def _too_big(index: int | None, scale: int) -> ValidationError:
    return ValidationError(
        f"cannot be stored exactly: with {scale} decimals it needs more than 64 bits "
        "(about 18 significant digits)",
        path=None if index is None else f"values[{index}]",
    )
