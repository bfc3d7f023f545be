"""A sidecar read ahead (``ReadAhead``) while its program is read: the same result as ``load``."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import klaster
from klaster.errors import DocumentError, NotFoundError, ValidationError
from klaster.examples import path
from klaster.observations import ReadAhead, load, variable_catalogue
from klaster.observations import _sidecar_prefetch as prefetch
from klaster.observations import sidecar as sidecar_module

PROGRAM = klaster.load(path("bantaeng.json"))
SIDECAR = path("bantaeng.observations.jsonl")
CATALOGUE = variable_catalogue()
CODES = sorted(load(SIDECAR, PROGRAM, CATALOGUE).variables)


def _cuts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The thread of every row cut made, by name."""
    made: list[str] = []
    real = prefetch.cut_rows

    def spy(*args: Any) -> Any:
        made.append(threading.current_thread().name)
        return real(*args)

    monkeypatch.setattr(prefetch, "cut_rows", spy)
    monkeypatch.setattr("klaster.observations._sidecar_bulk.cut_rows", spy)
    return made


class TestSameAsLoad:
    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        only=st.one_of(st.none(), st.sets(st.sampled_from(CODES), min_size=1, max_size=4)),
        asked=st.booleans(),
    )
    def test_observations_equal(self, only: set[str] | None, asked: bool) -> None:
        # Read ahead for `only`, then loaded for it or (asked) for every variable.
        ahead = ReadAhead(SIDECAR, CATALOGUE, only=only)
        found = ahead.load(PROGRAM, only=None if asked else only)
        assert found == load(SIDECAR, PROGRAM, CATALOGUE, only=None if asked else only)

    def test_the_cuts_are_made_ahead_and_taken(self, monkeypatch: pytest.MonkeyPatch) -> None:
        made = _cuts(monkeypatch)
        only = {"monthly_income", "household_size"}
        found = ReadAhead(SIDECAR, CATALOGUE, only=only).load(PROGRAM)
        assert found == load(SIDECAR, PROGRAM, CATALOGUE, only=only)
        ahead = made[: -len(made) // 2]  # the read-ahead's, then load()'s own for comparison
        assert ahead
        assert set(ahead) == {"klaster-sidecar-read-ahead"}
        assert len(made) == 2 * len(ahead)  # load() above cut each group once more itself

    def test_cut_again_when_asked_for_other_variables(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        made = _cuts(monkeypatch)
        found = ReadAhead(SIDECAR, CATALOGUE, only={"monthly_income"}).load(
            PROGRAM, only={"household_size"}
        )
        assert found == load(SIDECAR, PROGRAM, CATALOGUE, only={"household_size"})
        assert threading.current_thread().name in made  # the reader cut its own


class TestFileChanged:
    def test_a_file_replaced_meanwhile_is_read_as_it_is_now(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        # The cuts are of the file as it was; the reader reads the file again and, as it is
        # another file (replaced, as klaster saves), cuts its own: the values of the new one.
        sidecar = tmp_path / "btg.observations.jsonl"
        text = SIDECAR.read_text(encoding="utf-8")
        sidecar.write_text(text, encoding="utf-8")
        done = threading.Event()
        real = prefetch.read_and_cut

        def cut_then_say(*args: Any) -> Any:
            found = real(*args)
            done.set()
            return found

        monkeypatch.setattr(sidecar_module, "read_and_cut", cut_then_say)
        ahead = ReadAhead(sidecar, CATALOGUE, only={"monthly_income"})
        assert done.wait(30)
        first = load(sidecar, PROGRAM, CATALOGUE).value(
            "btg-baseline", "BTG-0001", "monthly_income"
        )
        changed = text.replace(f'"BTG-0001","{first}"', f'"BTG-0001","{first + 1}"', 1)
        assert changed != text
        replacement = tmp_path / "new.jsonl"
        replacement.write_text(changed, encoding="utf-8")
        replacement.replace(sidecar)
        found = ahead.load(PROGRAM)
        assert found.value("btg-baseline", "BTG-0001", "monthly_income") == first + 1
        assert found == load(sidecar, PROGRAM, CATALOGUE, only={"monthly_income"})


class TestErrors:
    def test_a_missing_file_is_said_by_load(self, tmp_path: Path) -> None:
        ahead = ReadAhead(tmp_path / "gone.observations.jsonl", CATALOGUE)
        with pytest.raises(DocumentError, match=r"gone\.observations\.jsonl: cannot read the file"):
            ahead.load(PROGRAM)

    def test_a_bad_value_is_refused_as_load_refuses_it(self, tmp_path: Path) -> None:
        text = SIDECAR.read_text(encoding="utf-8").replace('"BTG-0001",', '"BTG-0001",[],', 1)
        bad = tmp_path / "bad.observations.jsonl"
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(DocumentError) as direct:
            load(bad, PROGRAM, CATALOGUE)
        with pytest.raises(DocumentError) as ahead:
            ReadAhead(bad, CATALOGUE).load(PROGRAM)
        assert str(ahead.value) == str(direct.value)

    def test_an_unknown_variable_is_named_by_load_as_load_names_it(self) -> None:
        ahead = ReadAhead(SIDECAR, CATALOGUE, only={"monthly_incme"})
        with pytest.raises(NotFoundError) as direct:
            load(SIDECAR, PROGRAM, CATALOGUE, only={"monthly_incme"})
        with pytest.raises(NotFoundError) as later:
            ahead.load(PROGRAM)
        assert str(later.value) == str(direct.value)
        assert "monthly_income" in str(later.value)  # did you mean

    @pytest.mark.parametrize("only", [5, [["monthly_income"]]])
    def test_not_a_list_of_codes_is_a_located_error(self, only: Any) -> None:
        # Before, load(only=5) let a raw TypeError out of the public API.
        with pytest.raises(ValidationError, match=r"only"):
            load(SIDECAR, PROGRAM, CATALOGUE, only=only)
        with pytest.raises(ValidationError, match=r"only"):
            ReadAhead(SIDECAR, CATALOGUE, only=only).load(PROGRAM)

    def test_one_code_as_a_string(self) -> None:
        found = ReadAhead(SIDECAR, CATALOGUE, only="monthly_income").load(PROGRAM)
        assert found == load(SIDECAR, PROGRAM, CATALOGUE, only="monthly_income")
        assert found.selected == frozenset({"monthly_income"})
