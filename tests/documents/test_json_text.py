"""Every JSON reader refuses hostile text with a located DocumentError: deep nesting, integers
past Python's digit limit, and values that are not text at all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import klaster
import klaster.finance
import klaster.observations
from klaster.documents.json_text import MAX_JSON_DEPTH, json_problem
from klaster.errors import DocumentError
from klaster.testing import sample_program

PROGRAM = sample_program()

READERS: dict[str, Callable[[Any], object]] = {
    "program": klaster.loads,
    "finance": lambda text: klaster.finance.loads(text, PROGRAM),
    "sidecar": lambda text: klaster.observations.loads(text, PROGRAM),
}


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def _envelope(kind: str, inner: str) -> str:
    return f'{{"klaster": "{kind}", "schema_version": {inner}}}'


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize(
    "text",
    [
        _deep(100_000),
        "[" * 100_000,  # unbalanced: the parser itself would run out of stack
        '{"a":' * 50_000 + "1" + "}" * 50_000,
        _envelope("program", _deep(MAX_JSON_DEPTH + 1)),
    ],
    ids=["balanced", "unbalanced", "objects", "inside"],
)
def test_deep_nesting_is_a_located_error(reader: str, text: str) -> None:
    with pytest.raises(DocumentError, match="nested more than 64 levels"):
        READERS[reader](text)
    with pytest.raises(DocumentError):
        READERS[reader](text.encode())


@pytest.mark.parametrize("reader", READERS)
def test_an_integer_past_the_digit_limit_is_a_located_error(reader: str) -> None:
    with pytest.raises(DocumentError, match="digits"):
        READERS[reader](_envelope(reader, "1" * 5_000))


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("value", [1234, None, 1.5, ["{}"], object()])
def test_a_value_that_is_not_text_is_a_located_error(reader: str, value: object) -> None:
    with pytest.raises(DocumentError, match="must be str or bytes"):
        READERS[reader](value)


def test_nesting_up_to_the_bound_passes_the_check() -> None:
    assert json_problem(_deep(MAX_JSON_DEPTH)) is None
    assert json_problem(_deep(MAX_JSON_DEPTH + 1)) is not None
    # brackets inside strings, and escaped quotes, are not structure
    assert json_problem('["' + "[" * 1000 + '"]') is None
    assert json_problem('["\\"' + "[" * 1000 + '"]') is None
    assert json_problem('["\\\\"' + ",[" * 100 + "]" * 100 + "]") is not None


def test_a_current_document_still_reads_on_both_paths() -> None:
    text = klaster.dumps(PROGRAM)
    assert klaster.loads(text) == PROGRAM
    assert klaster.loads(text.encode()) == PROGRAM
