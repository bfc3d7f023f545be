"""The integer buffers under the columns: typecodes and their limits, growing, located errors.

Internal interface of :mod:`klaster.observations.columns`, shared by every column kind. Values
are never named in an error (survey answers are personal data), only their type and position.
"""

from __future__ import annotations

from array import array
from itertools import repeat

from klaster.errors import NotFoundError, ValidationError
from klaster.observations.columns.base import MAX_SCALE

INT_CODES = ("b", "h", "i", "q")
LIMIT = {code: 2 ** (8 * array(code).itemsize - 1) - 1 for code in INT_CODES}
# -2**63 is left out so that negating any stored value stays in range.
INT64 = LIMIT["q"]


def check_index(index: int) -> None:
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValidationError(f"a column index is a whole number from 0, got {index!r}")


def not_found(index: int, length: int) -> NotFoundError:
    return NotFoundError(f"index {index} is out of range: the column has {length} values")


def grow(buffer: array[int] | bytearray, count: int, fill: int) -> None:
    try:
        buffer.extend(repeat(fill, count))
    except BufferError:
        raise ValidationError(
            "the column's buffers are exported (see buffers()); release the views before "
            "writing to the column"
        ) from None


def wrong(value: object, index: int | None, expected: str) -> ValidationError:
    # Survey answers are personal data: name the type, never the value.
    if isinstance(value, float):
        got = "a float: pass a Decimal or a string such as '12.5' (floats are not exact)"
    else:
        got = type(value).__name__
    return ValidationError(
        f"must be {expected} or None, got {got}",
        path=None if index is None else f"values[{index}]",
    )


def fit_code(code: str, low: int, high: int) -> str:
    # The narrowest integer typecode (from the current one up) that holds low..high.
    for candidate in INT_CODES[INT_CODES.index(code) :]:
        if -LIMIT[candidate] <= low and high <= LIMIT[candidate]:
            return candidate
    raise AssertionError("checked against int64 before")  # pragma: no cover


def too_big(index: int | None, scale: int) -> ValidationError:
    return ValidationError(
        f"cannot be stored exactly: with {scale} decimals it needs more than 64 bits "
        "(about 18 significant digits)",
        path=None if index is None else f"values[{index}]",
    )


def too_many_decimals(index: int | None) -> ValidationError:
    return ValidationError(
        f"has more than {MAX_SCALE} decimals; round it to the precision the survey measures",
        path=None if index is None else f"values[{index}]",
    )
