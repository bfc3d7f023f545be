"""The converter's unstructure hooks are compiled on first save, not when it is built (issue 18).

A command's first load builds the converter; compiling the program's unstructure functions
(a cluster's, the fieldwork's, the program's, and every record's inside them) was a third of that
and no load uses them. They are compiled on the first save, and write what they always wrote.
"""

from __future__ import annotations

import json
from typing import Any

import cattrs.gen
import pytest

import klaster
from klaster.documents import converter
from klaster.testing.samples import sample_program


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Each class the converter's own unstructure functions were compiled for (a spy)."""
    found: list[Any] = []
    make = cattrs.gen.make_dict_unstructure_fn

    def spy(cls: Any, *args: Any, **kwargs: Any) -> Any:
        found.append(cls)
        return make(cls, *args, **kwargs)

    monkeypatch.setattr(converter, "make_dict_unstructure_fn", spy)
    return found


class TestOnFirstUse:
    def test_building_and_reading_compile_none(self, compiled: list[Any]) -> None:
        raw = json.loads(klaster.dumps(sample_program()))["program"]
        compiled.clear()  # (the save's, if its converter was new)
        conv = converter.make_converter(detailed=False)
        conv.structure(raw, klaster.Program)
        assert compiled == []

    def test_the_first_unstructure_compiles_each_once(self, compiled: list[Any]) -> None:
        conv = converter.make_converter(detailed=False)
        program = sample_program()
        first = conv.unstructure(program)
        assert conv.unstructure(program) == first
        assert sorted(c.__name__ for c in compiled) == ["Cluster", "Fieldwork", "Program"]

    @pytest.mark.parametrize("detailed", [True, False])
    def test_written_as_before(self, detailed: bool) -> None:
        program = sample_program()
        conv = converter.make_converter(detailed=detailed)
        raw = conv.unstructure(program)
        assert raw == converter.detailed_converter().unstructure(program)
        assert conv.structure(raw, klaster.Program) == program
