"""Every JSON reader refuses hostile text with a located DocumentError: deep nesting, integers
past Python's digit limit, and values that are not text at all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


class TestDepthCheckInChunks:
    def test_each_chunk_drops_its_own_empty_strings(self) -> None:
        # The pairs of quotes go while a chunk is small, not in one pass over the joined text.
        from klaster.documents import json_text

        assert json_text._structure(b'{"a": "b", "c": ["d", 1]}') == b"[[]]"
        assert json_text._structure(b'["x", "[y"]') == b'["["]'

    def test_objects_and_arrays_alternating_count_one_level_each(self) -> None:
        # (Removing "[]" then "{}" in one pass took two levels of "{[...]}" at once: 66 passed.)
        assert json_problem('{"a": [' * 32 + "1" + "]}" * 32) is None
        assert json_problem('{"a": [' * 33 + "1" + "]}" * 33) is not None
        with pytest.raises(DocumentError, match="nested more than 64 levels"):
            klaster.loads(_envelope("program", '{"a": [' * 33 + "1" + "]}" * 33))

    @given(
        depth=st.integers(MAX_JSON_DEPTH - 3, MAX_JSON_DEPTH + 3),
        texts=st.lists(st.text(alphabet='[]{}"\\ a\u00e9', max_size=6), max_size=8),
        chunk=st.integers(1, 23),
        indent=st.sampled_from([None, 0, 2]),
    )
    @settings(max_examples=150, deadline=None)
    def test_the_verdict_is_the_depth_whatever_the_chunks(
        self, depth: int, texts: list[str], chunk: int, indent: int | None
    ) -> None:
        import json

        from klaster.documents import json_text

        value: Any = texts
        for level in range(depth - 1):  # (texts itself is one level)
            value = {"k": value, "s": texts[:1]} if level % 2 else ["s", value, *texts[1:2]]
        text = json.dumps(value, indent=indent, ensure_ascii=False)
        expected = depth > MAX_JSON_DEPTH
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(json_text, "_CHUNK", chunk)
            assert (json_problem(text) is not None) is expected
            assert (json_problem(text.encode()) is not None) is expected
