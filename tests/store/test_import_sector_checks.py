"""The sector plugins' checks in ``Store.apply_import``: what the reader saw is not asked again.

``read_submissions`` asks the plugins about each unit's values of a round and notes the batch
(``SectorCheck``). The store asks again only about what that check could not see: a unit that
held values in the round before the batch (from an earlier import), a unit several blocks
answer, a unit the reader checked with other values, in other sectors or with other plugins, and
every unit of a batch the reader did not check (built by hand, or changed after reading).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest
from tests.observations.builders import D, make_program

from klaster import hookimpl
from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.errors import ImportDataError
from klaster.importing import ImportBatch, ObservationBlock, parse_mapping, read_submissions
from klaster.importing.batch import SectorCheck, note_sector_check, sector_check
from klaster.importing.reader import sector_problems
from klaster.label import Label
from klaster.observations.core_variables import variable_catalogue
from klaster.observations.rounds import Round, RoundKind
from klaster.observations.values import Observations
from klaster.plugins import get_host
from klaster.store import Store
from klaster.testing.plugins import registered

HERD = {
    "herd_start": 10,
    "herd_births": 3,
    "herd_purchases": 0,
    "herd_deaths": 1,
    "herd_sales": 2,
    "herd_end": 10,
}
PARTIAL = {code: value for code, value in HERD.items() if code != "herd_end"}
NOT_ADDING_UP = "herd does not add up"


class Counting:
    """A livestock plugin that finds nothing and counts the units it is asked about."""

    def __init__(self) -> None:
        self.asked = 0

    @hookimpl
    def klaster_variables(self) -> Sequence[Variable]:
        label = Label("Susu", "Milk")
        return [Variable("milk_count", "livestock", Level.MEMBER, ValueType.INTEGER, label)]

    @hookimpl
    def klaster_validate_values(
        self, sector: str, level: Level, values: Mapping[str, object]
    ) -> Sequence[str]:
        self.asked += 1
        return []


class Refusing:
    """A livestock plugin that refuses every herd."""

    @hookimpl
    def klaster_variables(self) -> Sequence[Variable]:
        label = Label("Susu", "Milk")
        return [Variable("milk_refused", "livestock", Level.MEMBER, ValueType.INTEGER, label)]

    @hookimpl
    def klaster_validate_values(
        self, sector: str, level: Level, values: Mapping[str, object]
    ) -> Sequence[str]:
        return ["no herd is accepted"] if "herd_start" in values else []


@pytest.fixture
def counting() -> Iterator[Counting]:
    plugin = Counting()
    with registered(plugin, name="counting-test"):
        yield plugin


def observations() -> Observations:
    obs = Observations(make_program(), variable_catalogue())
    obs.add_round(Round("btg-base", "btg", RoundKind.BASELINE, D(2012, 1, 1)))
    return obs


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    obs = observations()
    with Store.create(tmp_path / "herd.klaster", obs.program, observations=obs) as opened:
        yield opened


def herd_file(tmp_path: Path, rows: Mapping[str, Mapping[str, int]], name: str) -> Path:
    """A survey export answering some herd questions (those of the first row) per member."""
    codes = list(next(iter(rows.values())))
    lines = ["_uuid;member;" + ";".join(codes)]
    for member, values in rows.items():
        cells = ";".join(str(values[code]) for code in codes)
        lines.append(f"{name}-{member};{member};{cells}")
    path = tmp_path / f"{name}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read(path: Path, obs: Observations) -> ImportBatch:
    """The export read through a mapping of the columns it has."""
    codes = path.read_text(encoding="utf-8").splitlines()[0].split(";")[2:]
    columns = "\n".join(f'{code} = {{ column = "{code}" }}' for code in codes)
    mapping = parse_mapping(
        'mapping_version = 1\nform = "survey"\nunit = "member"\n'
        'cluster = { id = "btg" }\nround = { id = "btg-base" }\n'
        f"[variables]\n{columns}\n"
    )
    return read_submissions(path, mapping, program=obs.program, observations=obs)


def block(values: Mapping[str, int], prefix: str, unit: str = "L-1") -> ObservationBlock:
    return ObservationBlock(
        "btg-base",
        submissions=[f"{prefix}-1"],
        unit_ids=[unit],
        rows=[2],
        values={code: [value] for code, value in values.items()},
        source="herd.csv",
    )


class TestBlockShape:
    def test_values_not_in_lists_are_refused_located(self, store: Store) -> None:
        # A hand-built block with a number where a list belongs raised a raw TypeError.
        wrong: Any = HERD  # numbers, not lists
        batch = ImportBatch("a.csv", blocks=[attrs.evolve(block(HERD, "a"), values=wrong)])
        with pytest.raises(ImportDataError, match="values must map each variable code to a list"):
            store.apply_import(batch)


class TestAskedOnce:
    def test_a_fresh_import_asks_the_plugins_once_per_unit(
        self, store: Store, tmp_path: Path, counting: Counting
    ) -> None:
        # Before: the reader asked about each unit, then the store again (4 for 2 units).
        batch = read(herd_file(tmp_path, {"L-1": HERD, "L-2": HERD}, "a"), observations())
        assert counting.asked == 2
        assert sector_check(batch) is not None
        store.apply_import(batch)
        assert counting.asked == 2
        assert store.load_observations().value("btg-base", "L-2", "herd_end") == 10

    def test_a_hand_built_batch_is_asked_about_in_the_store(
        self, store: Store, counting: Counting
    ) -> None:
        batch = ImportBatch("a.csv", blocks=[block(HERD, "a"), block(HERD, "b", "L-2")])
        store.apply_import(batch)
        assert counting.asked == 2

    def test_a_batch_changed_after_reading_is_asked_about_again(
        self, store: Store, tmp_path: Path, counting: Counting
    ) -> None:
        batch = read(herd_file(tmp_path, {"L-1": HERD}, "a"), observations())
        (read_block,) = batch.blocks
        changed = attrs.evolve(
            batch, blocks=[attrs.evolve(read_block, values={**read_block.values, "herd_end": [11]})]
        )
        assert sector_check(changed) is None
        with pytest.raises(ImportDataError, match=NOT_ADDING_UP):
            store.apply_import(changed)
        assert counting.asked == 2

    def test_a_unit_the_reader_saw_with_other_values_is_asked_about_again(
        self, store: Store, tmp_path: Path, counting: Counting
    ) -> None:
        held = observations()
        held.record("btg-base", "L-1", PARTIAL)  # the reader's observations, not the store's
        counting.asked = 0
        batch = read(herd_file(tmp_path, {"L-1": {"herd_end": 10}}, "a"), held)
        assert counting.asked == 1
        store.apply_import(batch)
        assert counting.asked == 2  # the store holds only herd_end: asked about that


class TestWhatTheReaderCouldNotSee:
    def test_new_values_are_checked_with_those_an_earlier_import_stored(
        self, store: Store, tmp_path: Path
    ) -> None:
        # The reader's observations do not hold the first import: it sees herd_end alone.
        store.apply_import(read(herd_file(tmp_path, {"L-1": PARTIAL}, "a"), observations()))
        batch = read(
            herd_file(tmp_path, {"L-1": {"herd_end": 99}, "L-2": {"herd_end": 10}}, "b"),
            observations(),
        )
        with pytest.raises(ImportDataError) as caught:
            store.apply_import(batch)
        (problem,) = caught.value.problems
        assert problem.startswith(f"b.csv row 2: round 'btg-base' member 'L-1': {NOT_ADDING_UP}")
        after = store.load_observations()
        assert after.value("btg-base", "L-1", "herd_end") is None  # nothing written
        assert after.row("btg-base", "L-2") is None
        store.apply_import(
            read(herd_file(tmp_path, {"L-1": {"herd_end": 10}}, "c"), observations())
        )
        assert store.load_observations().value("btg-base", "L-1", "herd_end") == 10

    def test_a_unit_two_blocks_answer_is_checked_with_both(self, store: Store) -> None:
        batch = ImportBatch("a.csv", blocks=[block(PARTIAL, "a"), block({"herd_end": 99}, "b")])
        assert sector_problems(batch, observations()) == ()  # each block alone adds up
        assert sector_check(batch) is not None
        with pytest.raises(ImportDataError, match=NOT_ADDING_UP):
            store.apply_import(batch)
        assert store.load_observations().row("btg-base", "L-1") is None

    def test_a_plugin_loaded_after_reading_is_asked(self, store: Store, tmp_path: Path) -> None:
        batch = read(herd_file(tmp_path, {"L-1": HERD}, "a"), observations())
        with (
            registered(Refusing(), name="refusing-test"),
            pytest.raises(ImportDataError, match="no herd is accepted"),
        ):
            store.apply_import(batch)

    def test_a_unit_the_reader_saw_in_another_sector_is_asked_about(self, store: Store) -> None:
        batch = ImportBatch("a.csv", blocks=[block({**HERD, "herd_end": 11}, "a")])
        host = get_host()
        note_sector_check(batch, SectorCheck(host, host.plugins(), ((("umkm",),),)))
        with pytest.raises(ImportDataError, match=NOT_ADDING_UP):
            store.apply_import(batch)
        # The same note in the unit's own sector is trusted: the reader saw these values.
        trusted = ImportBatch("b.csv", blocks=[block({**HERD, "herd_end": 11}, "b")])
        note_sector_check(trusted, SectorCheck(host, host.plugins(), ((("livestock",),),)))
        store.apply_import(trusted)
