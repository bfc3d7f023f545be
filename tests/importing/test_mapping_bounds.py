"""A hostile mapping file gives a located ImportDataError, never a ValueError or RecursionError."""

from __future__ import annotations

import pytest

from klaster.errors import ImportDataError
from klaster.importing import parse_mapping


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("mapping_version = " + "1" * 5_000, "more than 4,300 digits"),
        ("a = " + "[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("a = " + "{b = " * 5_000 + "1" + "}" * 5_000, "nested too deeply"),
    ],
    ids=["digits", "arrays", "tables"],
)
def test_hostile_toml_is_a_located_error(text: str, problem: str) -> None:
    with pytest.raises(ImportDataError, match=f"hostile.toml: .*{problem}"):
        parse_mapping(text, name="hostile.toml")
