"""The sector plugins' ``klaster_validate_values`` run on every way values come in.

Recording (API), the sidecar, the store (``save_observations``, ``apply_import``), ``klaster
import`` (also ``--dry-run``) and ``klaster validate`` each refuse or report a livestock herd
that does not add up; a plugin that raises is reported by name and the others still run.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from tests.observations.builders import D, make_program

import klaster_sectors.livestock as livestock
from klaster import hookimpl
from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.cli import main
from klaster.errors import (
    DocumentError,
    ImportDataError,
    KlasterError,
    PluginError,
    StoreError,
    ValidationError,
)
from klaster.importing.batch import ImportBatch, ObservationBlock
from klaster.label import Label
from klaster.observations import sidecar
from klaster.observations.core_variables import variable_catalogue
from klaster.observations.rounds import Round, RoundKind
from klaster.observations.sector_checks import observation_problems
from klaster.observations.values import Observations
from klaster.plugins import PluginHost, PluginWarning
from klaster.store import Store
from klaster.testing.plugins import isolated_host

HERD = {
    "herd_start": 10,
    "herd_births": 3,
    "herd_purchases": 0,
    "herd_deaths": 1,
    "herd_sales": 2,
    "herd_end": 10,
}
BAD_HERD = {**HERD, "herd_end": 11}


def observations(host: PluginHost | None = None) -> Observations:
    obs = Observations(make_program(), variable_catalogue(), host=host)
    obs.add_round(Round("btg-base", "btg", RoundKind.BASELINE, D(2012, 1, 1)))
    return obs


def unchecked() -> Observations:
    """Observations whose host has no plugin: nothing checks across values."""
    return observations(PluginHost(entry_points=False))


class _Raising:
    """Extends livestock with a variable and a values check that crashes."""

    @hookimpl
    def klaster_variables(self) -> Sequence[Variable]:
        label = Label("Susu", "Milk")
        return [Variable("milk_litres", "livestock", Level.MEMBER, ValueType.INTEGER, label)]

    @hookimpl
    def klaster_validate_values(
        self, sector: str, level: Level, values: Mapping[str, object]
    ) -> Sequence[str]:
        raise RuntimeError("boom")


class TestRecording:
    def test_a_herd_that_does_not_add_up_is_refused_located(self) -> None:
        obs = observations()
        with pytest.raises(ValidationError) as caught:
            obs.record("btg-base", "L-1", BAD_HERD)
        assert caught.value.path == "rounds[btg-base].members[L-1]"
        assert "herd does not add up" in str(caught.value)
        assert "plugin 'livestock'" in str(caught.value)
        assert obs.row("btg-base", "L-1") is None  # nothing recorded

    def test_a_herd_that_adds_up_is_recorded(self) -> None:
        obs = observations()
        obs.record("btg-base", "L-1", HERD)
        assert obs.value("btg-base", "L-1", "herd_end") == 10

    def test_a_correction_is_checked_with_what_it_corrects(self) -> None:
        obs = observations()
        obs.record("btg-base", "L-1", HERD)
        with pytest.raises(ValidationError, match="herd does not add up"):
            obs.record_many("btg-base", [("L-2", HERD), ("L-1", {"herd_end": 12})])
        assert obs.value("btg-base", "L-1", "herd_end") == 10

    def test_validate_many_lists_the_row(self) -> None:
        problems = observations().validate_many("btg-base", [("L-2", HERD), ("L-1", BAD_HERD)])
        assert len(problems) == 1
        assert problems[0].startswith("rounds[btg-base].members[L-1]: herd does not add up")
        assert problems[0].endswith("(row 1 of the batch)")

    def test_record_columns_is_checked(self) -> None:
        columns = {code: [value] for code, value in BAD_HERD.items()}
        with pytest.raises(ValidationError, match="herd does not add up"):
            observations().record_columns("btg-base", ["L-1"], columns)

    def test_a_raising_plugin_is_reported_by_name_and_the_others_still_run(self) -> None:
        from klaster_sectors import livestock as module

        host = isolated_host(module, strict=False)
        host.register(_Raising(), "crashing")
        obs = Observations(make_program(), variable_catalogue(host), host=host)
        obs.add_round(Round("btg-base", "btg", RoundKind.BASELINE, D(2012, 1, 1)))
        crashed = r"plugin 'crashing'.*RuntimeError.*members\[L-2\]"
        with (
            pytest.warns(PluginWarning, match=crashed),
            pytest.raises(ValidationError, match="herd does not add up"),
        ):
            obs.record_many("btg-base", [("L-2", HERD), ("L-1", BAD_HERD)])
        with pytest.warns(PluginWarning) as warned:
            obs.record_many("btg-base", [("L-2", HERD), ("L-1", HERD)])
        assert len(warned) == 1  # once per batch, not once per unit
        assert "(and 1 more unit(s))" in str(warned[0].message)

    def test_a_raising_plugin_fails_in_strict_mode(self) -> None:
        host = isolated_host(livestock, _Raising(), strict=True)
        with pytest.raises(PluginError, match=r"Raising.*RuntimeError"):
            observations(host).record("btg-base", "L-1", HERD)


class TestSidecar:
    def test_loading_a_sidecar_runs_the_checks(self) -> None:
        obs = unchecked()
        obs.record("btg-base", "L-1", BAD_HERD)
        text = sidecar.dumps(obs)
        with pytest.raises(DocumentError, match="herd does not add up") as caught:
            sidecar.loads(text, make_program(), variable_catalogue())
        assert "line" in str(caught.value)

    def test_a_good_sidecar_loads(self) -> None:
        obs = observations()
        obs.record("btg-base", "L-1", HERD)
        loaded = sidecar.loads(sidecar.dumps(obs), make_program(), variable_catalogue())
        assert loaded.value("btg-base", "L-1", "herd_end") == 10


class TestWholeObservations:
    def test_observation_problems_lists_every_unit(self) -> None:
        obs = unchecked()
        obs.record_many("btg-base", [("L-1", BAD_HERD), ("L-2", HERD)])
        problems = observation_problems(obs, observations().storage.host)
        assert len(problems) == 1
        assert problems[0].startswith("rounds[btg-base].members[L-1]: herd does not add up")


def bad_observations() -> Any:
    obs = unchecked()
    obs.record("btg-base", "L-1", BAD_HERD)
    return obs


def herd_block(values: Mapping[str, object], prefix: str = "s") -> ObservationBlock:
    return ObservationBlock(
        "btg-base",
        submissions=[f"{prefix}-1"],
        unit_ids=["L-1"],
        rows=[2],
        values={code: [value] for code, value in values.items()},
        source="herd.csv",
    )


def old_store(tmp_path: Path) -> Path:
    """A store holding a herd that does not add up, as one written before the rule was."""
    obs = observations()
    obs.record("btg-base", "L-1", HERD)
    path = tmp_path / "old.klaster"
    Store.create(path, obs.program, observations=obs).close()
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(
            "UPDATE observation_values SET value = 11 WHERE variable_key = "
            "(SELECT key FROM variables WHERE code = 'herd_end')"
        )
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    obs = observations()
    obs.record("btg-base", "L-2", HERD)
    with Store.create(tmp_path / "herd.klaster", obs.program, observations=obs) as opened:
        yield opened


class TestStore:
    def test_save_observations_refuses_what_a_plugin_refuses(self, store: Store) -> None:
        before = store.load_observations()
        with pytest.raises(StoreError, match=r"rounds\[btg-base\]\.members\[L-1\]: herd"):
            store.save_observations(bad_observations())
        assert store.load_observations() == before

    def test_apply_import_refuses_a_herd_that_does_not_add_up(self, store: Store) -> None:
        batch = ImportBatch("herd.csv", blocks=[herd_block(BAD_HERD)])
        with pytest.raises(ImportDataError) as caught:
            store.apply_import(batch)
        assert caught.value.problems[0].startswith(
            "herd.csv row 2: round 'btg-base' member 'L-1': herd does not add up"
        )
        assert store.load_observations().row("btg-base", "L-1") is None

    def test_apply_import_checks_the_unit_as_it_would_stand(self, store: Store) -> None:
        partial = {k: v for k, v in HERD.items() if k != "herd_end"}
        store.apply_import(ImportBatch("a.csv", blocks=[herd_block(partial)]))
        batch = ImportBatch("b.csv", blocks=[herd_block({"herd_end": 99}, prefix="t")])
        with pytest.raises(ImportDataError, match="herd does not add up"):
            store.apply_import(batch)
        store.apply_import(ImportBatch("c.csv", blocks=[herd_block({"herd_end": 10}, "u")]))
        assert store.load_observations().value("btg-base", "L-1", "herd_end") == 10

    def test_create_refuses_what_a_plugin_refuses(self, tmp_path: Path) -> None:
        obs = bad_observations()
        with pytest.raises(StoreError, match="herd does not add up"):
            Store.create(tmp_path / "new.klaster", obs.program, observations=obs)
        assert not (tmp_path / "new.klaster").exists()

    def test_loading_a_store_does_not_refuse_old_values(self, tmp_path: Path) -> None:
        with Store.open(old_store(tmp_path)) as opened:
            assert opened.load_observations().value("btg-base", "L-1", "herd_end") == 11


class TestCommandLine:
    def _files(self, tmp_path: Path, herd_end: int) -> tuple[Path, Path]:
        mapping = tmp_path / "herd.toml"
        columns = "\n".join(f'{code} = {{ column = "{code}" }}' for code in HERD)
        mapping.write_text(
            'mapping_version = 1\nform = "survey"\nunit = "member"\n'
            'cluster = { id = "btg" }\nround = { id = "btg-base" }\n'
            f"[variables]\n{columns}\n",
            encoding="utf-8",
        )
        data = tmp_path / "herd.csv"
        values = {**HERD, "herd_end": herd_end}
        data.write_text(
            "_uuid;member;" + ";".join(values) + "\n"
            "u-1;L-1;" + ";".join(str(v) for v in values.values()) + "\n",
            encoding="utf-8",
        )
        return data, mapping

    @pytest.mark.parametrize("dry_run", [False, True])
    def test_import_refuses_a_herd_that_does_not_add_up(
        self, store: Store, tmp_path: Path, dry_run: bool, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = store.path
        store.close()
        data, mapping = self._files(tmp_path, 11)
        before = path.read_bytes()
        args = ["import", str(path), str(data), "--mapping", str(mapping)]
        code = main([*args, "--dry-run"] if dry_run else args)
        err = capsys.readouterr().err
        assert code != 0
        assert "herd.csv row 2: round 'btg-base' member 'L-1': herd does not add up" in err
        assert path.read_bytes() == before
        good, mapping = self._files(tmp_path, 10)
        assert main([*args[:2], str(good), *args[3:]]) == 0

    def test_validate_reports_stored_values_a_plugin_refuses(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["validate", str(old_store(tmp_path))]) != 0
        err = capsys.readouterr().err
        assert "rounds[btg-base].members[L-1]: herd does not add up" in err


def test_errors_are_klaster_errors() -> None:
    with pytest.raises(KlasterError):
        observations().record("btg-base", "L-1", BAD_HERD)
