"""Parsing a document's JSON text, with errors located in the source and the text never echoed."""

from __future__ import annotations

import itertools
import json
import operator
import re
from collections.abc import Iterator
from typing import Any

from klaster.errors import DocumentError

__all__ = ["MAX_JSON_DEPTH", "json_problem", "parse_json"]

MAX_JSON_DEPTH = 64
"""How deeply a document's arrays and objects may nest; klaster's own documents need under 10.

Checked before parsing, so hostile nesting is refused in linear time instead of exhausting the
stack (a ``RecursionError``) in the parser or in anything that walks the parsed value.
"""

_STRUCTURE = b'[]{}"'
_NOT_STRUCTURE = bytes(c for c in range(256) if c not in _STRUCTURE)
_STRING = re.compile(rb'"[^"]*"')
# Braces counted as brackets: a pass then removes exactly one level (removing "[]" and then
# "{}" in one pass took two levels of "{[...]}" at once, and let such nesting past the bound).
_AS_BRACKETS = bytes.maketrans(b"{}", b"[]")
_WEIGHTS = bytes.maketrans(b"[]", b"\x02\x00")
_CHUNK = 1 << 22
_BACKSLASHES = ("\\", 0x5C)  # in a str chunk and in a bytes chunk


def parse_json(text: str | bytes, source: str) -> Any:
    """Parse ``text`` as JSON.

    Args:
        text: The document's text, or its bytes (UTF-8, with or without BOM, as :func:`json.loads`
            reads them).
        source: The document's name in messages (a file name, or ``"<string>"``).

    Raises:
        DocumentError: Not text, malformed JSON (with its line and column), bytes that are not
            UTF-8, arrays and objects nested deeper than :data:`MAX_JSON_DEPTH`, or an integer
            with more digits than Python converts (4,300).
    """
    if not isinstance(text, (str, bytes, bytearray)):
        raise DocumentError(
            f"{source}: a JSON document must be str or bytes, got {type(text).__name__}"
        )
    problem = json_problem(text)
    if problem is not None:
        raise DocumentError(f"{source}: {problem}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(
            f"{source} line {exc.lineno} column {exc.colno}: malformed JSON: {exc.msg}"
        ) from None
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"{source}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise DocumentError(f"{source}: {_unreadable(exc)}") from None


def json_problem(text: str | bytes | bytearray) -> str | None:
    """Why ``text`` must not be handed to a JSON parser, or ``None``: nesting too deep.

    The check runs in linear time at C speed (the text is reduced to its brackets, strings
    dropped, and the depth summed along them), so it bounds what the parser and every later walk
    over the value may recurse. Otherwise malformed text passes: the parser reports it.

    Args:
        text: JSON text.
    """
    data = b"".join(map(_structure, _chunks(text)))
    # The strings left ``""`` across chunks; dropping those pairs first keeps the regex's work
    # (and the list of pieces it builds) small. Adjacent strings merge, which changes no depth.
    data = data.replace(b'""', b"")
    if b'"' in data:
        data = _STRING.sub(b"", data)
    # Innermost pairs removed, one level per pass: a few fast passes for a usual document. Long
    # runs of openers make each pass slow and remove little: then finish in one steady pass.
    budget, spent = 8 * len(data), 0
    for passes in range(1, MAX_JSON_DEPTH + 2):
        shorter = data.replace(b"[]", b"")
        if len(shorter) == len(data):
            return None  # empty, or unbalanced: the parser says where
        data = shorter
        spent += len(data)
        if spent > budget and passes + _depth(data) <= MAX_JSON_DEPTH:
            return None
        if spent > budget:
            break
    return f"arrays and objects nested more than {MAX_JSON_DEPTH} levels deep"


def _chunks(text: str | bytes | bytearray) -> Iterator[bytes]:
    # A chunk at a time, so the check never holds a second copy of a large document; a chunk
    # never ends inside an escape (a run of backslashes and the character after it).
    size, start = len(text), 0
    while start < size:
        end = min(start + _CHUNK, size)
        while end < size and text[end - 1] in _BACKSLASHES:
            end += 1
        piece = text[start:end]
        yield piece.encode("utf-8", "surrogatepass") if isinstance(piece, str) else bytes(piece)
        start = end


def _structure(chunk: bytes) -> bytes:
    if b"\\" in chunk:
        # An escaped backslash or quote is no string boundary; other escapes hold no quote.
        chunk = chunk.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Most strings are now ``""``: dropped while the chunk is small (a pair across two chunks
    # goes after the join). Dropping adjacent quotes keeps every bracket in or out of a string.
    return chunk.translate(_AS_BRACKETS, _NOT_STRUCTURE).replace(b'""', b"")


def _depth(brackets: bytes) -> int:
    # An opener counts 2, a closer 0: after k brackets the sum less k is the depth there.
    sums = itertools.accumulate(brackets.translate(_WEIGHTS))
    return max(map(operator.sub, sums, itertools.count(1)), default=0)


def _unreadable(exc: ValueError | RecursionError) -> str:
    # What the parser refuses besides malformed text: ints over sys.get_int_max_str_digits()
    # digits, and (for unbalanced text the depth check lets through) nesting past the stack.
    if isinstance(exc, RecursionError):
        return f"arrays and objects nested more than {MAX_JSON_DEPTH} levels deep"
    return "a number with too many digits (at most 4,300); write it as a string or shorter"
