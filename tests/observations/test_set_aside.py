"""Values of variables no loaded plugin declares: set aside on reading, never lost on saving.

``last_vaccination``, ``shop_note`` and ``district_budget`` are test variables no installed
plugin declares: reading a sidecar with a catalogue that lacks them plays a missing plugin.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.observations.builders import CATALOGUE, PROGRAM, snapshot
from tests.observations.test_sidecar import full_store

import klaster.observations
from klaster.errors import DocumentError
from klaster.plugins import PluginWarning

UNDECLARED = ("district_budget", "last_vaccination", "shop_note")


def _without(seen: dict[Any, Any], aside: set[str]) -> dict[Any, Any]:
    """What a reader sees once ``aside``'s columns are set aside (a table of them only: empty)."""
    expected = {}
    for key, (units, columns) in seen.items():
        kept = {code: values for code, values in columns.items() if code not in aside}
        expected[key] = (units, kept) if kept or not columns else ((), {})
    return expected


@settings(max_examples=15, deadline=None)
@given(aside=st.sets(st.sampled_from(UNDECLARED)))
def test_everything_else_reads_back_the_same(tmp_path_factory: Any, aside: set[str]) -> None:
    folder: Path = tmp_path_factory.mktemp("aside")
    full = full_store()
    path = folder / "obs.jsonl"
    klaster.observations.save(full, path)
    original = path.read_bytes()
    catalogue = {code: v for code, v in CATALOGUE.items() if code not in aside}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = klaster.observations.load(path, PROGRAM, catalogue)
    plugin_warnings = [w for w in caught if issubclass(w.category, PluginWarning)]
    assert len(plugin_warnings) == (1 if aside else 0)
    for code in aside:
        assert repr(code) in str(plugin_warnings[0].message)
    assert snapshot(loaded) == _without(snapshot(full), aside)
    if aside:  # saving over the file would lose them: refused, the file untouched
        with pytest.raises(DocumentError, match="would lose them"):
            klaster.observations.save(loaded, path)
        assert path.read_bytes() == original
    klaster.observations.save(loaded, folder / "new.jsonl")  # a new file: nothing is lost
    again = klaster.observations.load(folder / "new.jsonl", PROGRAM, catalogue)
    assert snapshot(again) == snapshot(loaded)
