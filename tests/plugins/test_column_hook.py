"""``klaster_validate_columns``: the host's batch checks and every data path that runs them.

A spy plugin extends livestock with one variable and refuses the value 13 in both hooks,
counting which hook ran: a batch path must give the same located message as before and have
asked the column hook; a per-record path asks the per-unit hook.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from tests.observations.builders import D, make_program

from klaster import hookimpl
from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.errors import DocumentError, ImportDataError, PluginError, ValidationError
from klaster.importing import parse_mapping, read_submissions
from klaster.importing.batch import ImportBatch, ObservationBlock
from klaster.label import Label
from klaster.observations import sidecar
from klaster.observations.core_variables import variable_catalogue
from klaster.observations.rounds import Round, RoundKind
from klaster.observations.values import Observations
from klaster.plugins import PluginHost, PluginWarning
from klaster.store import Store
from klaster.testing.plugins import check_plugin, isolated_host, registered

UNLUCKY = "milk_spy is 13, which nobody records"
HERD = {
    "herd_start": 10,
    "herd_births": 3,
    "herd_purchases": 0,
    "herd_deaths": 1,
    "herd_sales": 2,
    "herd_end": 10,
}


class Spy:
    """Refuses ``milk_spy`` = 13 in both hooks; counts the calls of each."""

    def __init__(self, code: str = "milk_spy") -> None:
        self.code = code
        self.units = 0
        self.batches = 0

    @hookimpl
    def klaster_variables(self) -> Sequence[Variable]:
        label = Label("Susu", "Milk")
        return [Variable(self.code, "livestock", Level.MEMBER, ValueType.INTEGER, label)]

    @hookimpl
    def klaster_validate_values(
        self, sector: str, level: Level, values: Mapping[str, object]
    ) -> Sequence[str]:
        self.units += 1
        return [UNLUCKY] if values.get(self.code) == 13 else []

    @hookimpl
    def klaster_validate_columns(
        self, sector: str, level: Level, columns: Mapping[str, pl.Series], units: pl.Series
    ) -> Sequence[tuple[int, str]]:
        self.batches += 1
        assert len(units) == len(next(iter(columns.values())))
        found = columns.get(self.code)
        if found is None:
            return []
        return [(row, UNLUCKY) for row in (found == 13).fill_null(False).arg_true().to_list()]


class Crashing(Spy):
    @hookimpl
    def klaster_validate_columns(
        self, sector: str, level: Level, columns: Mapping[str, pl.Series], units: pl.Series
    ) -> Sequence[tuple[int, str]]:
        raise RuntimeError("boom")


class CrashingOnTwo:
    """A livestock plugin, checking unit by unit, that crashes on a herd of two."""

    @hookimpl
    def klaster_variables(self) -> Sequence[Variable]:
        label = Label("Susu", "Milk")
        return [Variable("milk_two", "livestock", Level.MEMBER, ValueType.INTEGER, label)]

    @hookimpl
    def klaster_validate_values(
        self, sector: str, level: Level, values: Mapping[str, object]
    ) -> Sequence[str]:
        if values.get("herd_start") == 2:
            raise RuntimeError("boom")
        return []


class OutOfRange(Spy):
    @hookimpl
    def klaster_validate_columns(
        self, sector: str, level: Level, columns: Mapping[str, pl.Series], units: pl.Series
    ) -> Sequence[tuple[int, str]]:
        return [(len(units), "beyond the batch")]


class Disagreeing(Spy):
    @hookimpl
    def klaster_validate_columns(
        self, sector: str, level: Level, columns: Mapping[str, pl.Series], units: pl.Series
    ) -> Sequence[tuple[int, str]]:
        return [(0, "a problem the per-unit hook does not find")]


class Declaring:
    """Declares ``milk_spy`` and checks nothing (to write values the spy refuses)."""

    @hookimpl
    def klaster_variables(self) -> Sequence[Variable]:
        return Spy().klaster_variables()


class ColumnsOnly:
    @hookimpl
    def klaster_variables(self) -> Sequence[Variable]:
        label = Label("Susu", "Milk")
        return [Variable("milk_only", "livestock", Level.MEMBER, ValueType.INTEGER, label)]

    @hookimpl
    def klaster_validate_columns(self, columns: Mapping[str, pl.Series]) -> Sequence[Any]:
        return []


@pytest.fixture
def spy() -> Iterator[Spy]:
    plugin = Spy()
    with registered(plugin, name="spy"):
        yield plugin


def observations(host: PluginHost | None = None) -> Observations:
    obs = Observations(make_program(), variable_catalogue(host), host=host)
    obs.add_round(Round("btg-base", "btg", RoundKind.BASELINE, D(2012, 1, 1)))
    return obs


def _host(*plugins: object, strict: bool = False) -> PluginHost:
    from klaster_sectors import livestock

    host = isolated_host(livestock, strict=strict)
    for plugin in plugins:
        host.register(plugin, type(plugin).__name__.lower())
    return host


def _batch(host: PluginHost, values: list[int | None]) -> tuple[str, ...]:
    ids = [f"L-{n}" for n in range(len(values))]
    return host.validate_recorded_columns(
        Level.MEMBER,
        {"milk_spy": values, "herd_sales": [0] * len(values)},
        [("livestock",)] * len(values),
        ids,
        lambda row: f"members[{ids[row]}]",
    )


class TestHost:
    def test_the_column_hook_runs_once_and_finds_what_the_unit_hook_finds(self) -> None:
        plugin = Spy()
        host = _host(plugin)
        values = [1, 13, None, 13]
        found = _batch(host, values)
        assert (plugin.batches, plugin.units) == (1, 0)
        one_by_one = host.validate_recorded(
            (f"members[L-{n}]", ("livestock",), Level.MEMBER, {"milk_spy": v, "herd_sales": 0})
            for n, v in enumerate(values)
            if v is not None
        )
        assert (
            found
            == one_by_one
            == (
                f"members[L-1]: {UNLUCKY} (plugin 'spy')",
                f"members[L-3]: {UNLUCKY} (plugin 'spy')",
            )
        )

    def test_a_plugin_without_the_column_hook_is_asked_per_unit(self) -> None:
        from tests.store.test_import_sector_checks import Refusing

        host = _host(Refusing())
        found = host.validate_recorded_columns(
            Level.MEMBER, {"herd_start": [1, None]}, [("livestock",)] * 2, ["a", "b"], str
        )
        assert found == ("0: no herd is accepted (plugin 'refusing')",)

    def test_a_raising_column_hook_is_reported_by_name_and_the_others_still_run(self) -> None:
        from tests.store.test_import_sector_checks import Refusing

        host = _host(Crashing(), Refusing())
        with pytest.warns(
            PluginWarning, match=r"'crashing'.*RuntimeError.*L-0\] \(and 2 more"
        ) as w:
            found = host.validate_recorded_columns(
                Level.MEMBER,
                {"herd_start": [1, 2, 3]},
                [("livestock",)] * 3,
                ["L-0", "L-1", "L-2"],
                lambda row: f"members[L-{row}]",
            )
        assert len(w) == 1
        assert len(found) == 3
        assert all("plugin 'refusing'" in p for p in found)

    def test_rows_of_several_sectors_are_asked_in_row_order(self) -> None:
        # Sectors given as numbers (the bulk readers' RowSectors): a sector's rows come from
        # each combination of sectors holding it, asked in row order, so the crash reported is
        # the first row's and the rows after it are the ones skipped.
        import numpy as np

        from klaster.observations._hook_columns import RowSectors

        host = _host(CrashingOnTwo())
        kinds = np.array([0, 1, 0, 1], dtype=np.int64)
        sectors = RowSectors(np, kinds, [("livestock",), ("livestock", "umkm")])
        with pytest.warns(PluginWarning, match=r"members\[L-1\] \(and 2 more"):
            host.validate_recorded_columns(
                Level.MEMBER,
                {"herd_start": [1, 2, 2, 2]},
                sectors,
                ["L-0", "L-1", "L-2", "L-3"],
                lambda row: f"members[L-{row}]",
            )

    def test_a_raising_column_hook_fails_in_strict_mode(self) -> None:
        with pytest.raises(PluginError, match=r"crashing.*RuntimeError"):
            _batch(_host(Crashing(), strict=True), [1])

    def test_a_row_outside_the_batch_is_a_broken_hook(self) -> None:
        with pytest.warns(PluginWarning, match=r"row 2 of a batch of 2 rows"):
            assert _batch(_host(OutOfRange()), [1, 2]) == ()

    def test_columns_polars_does_not_take_go_to_the_unit_hook(self) -> None:
        plugin = Spy()
        found = _batch(_host(plugin), ["not a number", 13])  # type: ignore[list-item]
        assert found == (f"members[L-1]: {UNLUCKY} (plugin 'spy')",)
        assert plugin.units == 2  # the reference judged the batch

    def test_the_column_hook_alone_does_not_load(self) -> None:
        host = PluginHost(entry_points=False, strict=True)
        with pytest.raises(PluginError, match="implements klaster_validate_columns but not"):
            host.register(ColumnsOnly())


class TestKit:
    def test_two_hooks_that_agree_conform(self) -> None:
        check_plugin(Spy(), name="spy")

    def test_two_hooks_that_disagree_do_not_conform(self) -> None:
        with pytest.raises(PluginError, match="the two hooks must find the same problems"):
            check_plugin(Disagreeing(), name="disagreeing")


class TestPaths:
    def test_record_columns_asks_the_column_hook(self, spy: Spy) -> None:
        obs = observations()
        obs.record_columns("btg-base", ["L-1", "L-2"], {"milk_spy": [1, 2]})
        assert (spy.batches, spy.units) == (1, 0)
        with pytest.raises(ValidationError, match=UNLUCKY) as caught:
            obs.record_columns("btg-base", ["L-1", "L-2"], {"milk_spy": [13, 2]})
        assert "rounds[btg-base].members[L-1]" in str(caught.value)
        assert spy.batches == 2

    def test_record_columns_checks_with_the_values_held(self, spy: Spy) -> None:
        obs = observations()
        partial = {code: [value] for code, value in HERD.items() if code != "herd_end"}
        obs.record_columns("btg-base", ["L-1"], partial)
        with pytest.raises(ValidationError, match="herd does not add up") as caught:
            obs.record_columns("btg-base", ["L-1"], {"herd_end": [99]})
        assert "rounds[btg-base].members[L-1]" in str(caught.value)
        assert spy.batches == 2  # the held values and the batch's, as columns
        obs.record_columns("btg-base", ["L-1"], {"herd_end": [10]})
        assert obs.value("btg-base", "L-1", "herd_end") == 10

    def test_record_one_value_asks_the_unit_hook(self, spy: Spy) -> None:
        obs = observations()
        with pytest.raises(ValidationError, match=UNLUCKY) as caught:
            obs.record("btg-base", "L-1", {"milk_spy": 13})
        assert caught.value.path == "rounds[btg-base].members[L-1]"
        assert (spy.batches, spy.units) == (0, 1)

    def test_reading_a_sidecar_asks_the_column_hook(self, spy: Spy) -> None:
        obs = observations(_host(Declaring()))
        obs.record("btg-base", "L-1", {"milk_spy": 2})
        loaded = sidecar.loads(sidecar.dumps(obs), make_program(), variable_catalogue())
        assert loaded.value("btg-base", "L-1", "milk_spy") == 2
        assert (spy.batches, spy.units) == (1, 0)
        obs.record("btg-base", "L-2", {"milk_spy": 13})
        with pytest.raises(DocumentError, match=UNLUCKY) as caught:
            sidecar.loads(sidecar.dumps(obs), make_program(), variable_catalogue())
        assert "members[L-2]" in str(caught.value)
        assert spy.batches == 2  # the fast path found it; the exact reader then located it

    def test_the_importer_asks_the_column_hook(self, spy: Spy, tmp_path: Path) -> None:
        data = tmp_path / "milk.csv"
        data.write_text("_uuid;member;milk_spy\nu-1;L-1;1\nu-2;L-2;13\n", encoding="utf-8")
        mapping = parse_mapping(
            'mapping_version = 1\nform = "survey"\nunit = "member"\n'
            'cluster = { id = "btg" }\nround = { id = "btg-base" }\n'
            '[variables]\nmilk_spy = { column = "milk_spy" }\n'
        )
        obs = observations()
        with pytest.raises(ImportDataError) as caught:
            read_submissions(data, mapping, program=obs.program, observations=obs)
        assert caught.value.problems == (
            f"milk.csv row 3: round 'btg-base' member 'L-2': {UNLUCKY} (plugin 'spy')",
        )
        assert (spy.batches, spy.units) == (1, 0)

    def test_the_store_import_checks_ask_the_column_hook(self, spy: Spy, tmp_path: Path) -> None:
        obs = observations()
        block = ObservationBlock(
            "btg-base",
            submissions=["s-1", "s-2"],
            unit_ids=["L-1", "L-2"],
            rows=[2, 3],
            values={"milk_spy": [1, 13]},
            source="milk.csv",
        )
        with (
            Store.create(tmp_path / "milk.klaster", obs.program, observations=obs) as store,
            pytest.raises(ImportDataError) as caught,
        ):
            store.apply_import(ImportBatch("milk.csv", blocks=[block]))
        assert caught.value.problems[0].startswith(
            f"milk.csv row 3: round 'btg-base' member 'L-2': {UNLUCKY} (plugin 'spy')"
        )
        assert (spy.batches, spy.units) == (1, 0)
