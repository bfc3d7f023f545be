"""A Parquet sidecar read ahead (``ReadAhead``) while its program is read: ``load``'s store.

The read-ahead does, in a thread, the reading's work that needs no program
(``_sidecar_parquet_ahead.prepare``); ``load()`` takes it only for the very file, variables and
catalogue it was done for, and does the rest. Each guarantee is shown here: the same store
(numberings, masks and buffers hashed), every check still made (the same located messages),
a file changed meanwhile read afresh, errors raised by ``load()`` and never by the thread,
other variables than read ahead read then.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import warnings
from pathlib import Path
from typing import Any

import attrs
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.observations.builders import CATALOGUE, GOOD_VALUES, PROGRAM, good_rows, new_store
from tests.observations.test_sidecar import full_store
from tests.reports.synthetic import national

import klaster
import klaster.observations
from klaster import DocumentError
from klaster.catalogue.variable import ValueType
from klaster.model.program import Program
from klaster.observations import ReadAhead, _sidecar_parquet, _sidecar_parquet_ahead
from klaster.observations.values import Observations

save, load = klaster.observations.save, klaster.observations.load


def fingerprint(obs: Observations) -> str:
    """A hash of everything the store holds: numberings, surveyed masks, columns' buffers."""
    digest = hashlib.sha256()
    storage = obs.storage

    def add(*parts: Any) -> None:
        digest.update(repr(parts).encode())

    for cluster, level, ids in sorted(storage.numberings(), key=lambda n: (n[0], n[1].value)):
        add("units", cluster, level.value, list(ids))
    for rnd in storage.added_rounds():
        add("round", rnd)
        for level in sorted({lv for _, lv, _ in storage.numberings()}, key=lambda lv: lv.value):
            table = storage.table(rnd.id, level)
            if table is None:
                continue
            add("table", rnd.id, level.value, bytes(table.present))
            for code, column in sorted(table.columns.items()):
                b = column.buffers()
                data = bytes(b.data) if isinstance(b.data, memoryview) else b.data
                valid = None if b.valid is None else bytes(b.valid)
                add(code, b.type, data, b.typecode, valid, b.missing_code, b.scale, b.categories)
    add("selected", obs.selected)
    return digest.hexdigest()


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> tuple[Program, Path, Observations]:
    """A bench program of 2,000 members (read back from Parquet: its members one frame)."""
    program, obs = national(2_500)
    tmp = tmp_path_factory.mktemp("bench")
    klaster.save(program, tmp / "p.parquet")
    save(obs, tmp / "p.observations.parquet")
    return klaster.load(tmp / "p.parquet"), tmp / "p.observations.parquet", obs


BENCH_CATALOGUE = klaster.observations.variable_catalogue()


@pytest.fixture
def inline(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """One entry per load that prepared the file itself (not ahead)."""
    found: list[bool] = []
    real = _sidecar_parquet_ahead.prepare  # (the reader's, under its name there)

    def prepared(*args: Any, **kwargs: Any) -> Any:
        found.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr(_sidecar_parquet, "prepare", prepared)
    return found


@pytest.fixture
def thread_errors(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What escapes a thread (the read-ahead's must be nothing)."""
    found: list[Any] = []
    monkeypatch.setattr(threading, "excepthook", found.append)
    return found


def _ready(ahead: ReadAhead) -> ReadAhead:
    """The read-ahead once its thread is done (so the tests change files after it)."""
    assert ahead._thread is not None
    ahead._thread.join()
    return ahead


class TestSameStore:
    @pytest.mark.parametrize("only", [None, ("monthly_income", "household_size"), ("crop",)])
    def test_the_bench_data_as_load_reads_it(
        self, bench: tuple[Program, Path, Observations], inline: list[bool], only: Any
    ) -> None:
        program, path, obs = bench
        ahead = ReadAhead(path, BENCH_CATALOGUE, only=only)
        found = ahead.load(program)
        assert inline == []  # the work done ahead was taken
        plain = load(path, program, BENCH_CATALOGUE, only=only)
        assert inline == [True]
        assert fingerprint(found) == fingerprint(plain)
        if only is None:
            assert found == obs

    @settings(max_examples=30, deadline=None)
    @given(
        rows=good_rows(),
        only=st.none() | st.sets(st.sampled_from(sorted(GOOD_VALUES)), min_size=1),
        frame=st.booleans(),
    )
    def test_round_trip_property(
        self, tmp_path_factory: pytest.TempPathFactory, rows: Any, only: Any, frame: bool
    ) -> None:
        obs = new_store()
        obs.record_many("btg-bl", rows)
        tmp = tmp_path_factory.mktemp("ahead")
        save(obs, tmp / "o.parquet")
        program = PROGRAM
        if frame:  # (read back from Parquet: its members found at once)
            klaster.save(PROGRAM, tmp / "p.parquet")
            program = klaster.load(tmp / "p.parquet")
        found = ReadAhead(tmp / "o.parquet", CATALOGUE, only=only).load(program)
        plain = load(tmp / "o.parquet", program, CATALOGUE, only=only)
        assert fingerprint(found) == fingerprint(plain)
        if only is None:
            assert found == obs

    def test_every_kind_of_value(self, tmp_path: Path, inline: list[bool]) -> None:
        # Decimals of several scales, integers, booleans, categories, texts, dates; members,
        # groups, cooperatives and a cluster.
        save(full_store(), tmp_path / "o.parquet")
        found = ReadAhead(tmp_path / "o.parquet", CATALOGUE).load(PROGRAM)
        assert inline == []
        assert found == full_store()
        assert fingerprint(found) == fingerprint(load(tmp_path / "o.parquet", PROGRAM, CATALOGUE))

    def test_a_second_load_reads_the_file_again(
        self, tmp_path: Path, inline: list[bool], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        save(full_store(), tmp_path / "o.parquet")
        ahead = ReadAhead(tmp_path / "o.parquet", CATALOGUE)
        first = ahead.load(PROGRAM)
        reads: list[Any] = []
        real = _sidecar_parquet._Fast.read

        def read(self: Any, data: Any, prepared: Any = None) -> Any:
            reads.append(prepared)
            return real(self, data, prepared)

        monkeypatch.setattr(_sidecar_parquet._Fast, "read", read)
        second = ahead.load(PROGRAM)
        # The work ahead is taken once (the second store shares nothing with the first).
        assert reads == [None]
        assert inline == [True]
        assert fingerprint(first) == fingerprint(second)


class TestChecks:
    """A file the column-wise reader refuses: the exact reader's message, as ``load`` gives it."""

    def _same_error(self, path: Path, program: Program = PROGRAM, **kw: Any) -> str:
        with pytest.raises(DocumentError) as plain:
            load(path, program, CATALOGUE, **kw)
        with pytest.raises(DocumentError) as ahead:
            ReadAhead(path, CATALOGUE, **kw).load(program)
        assert str(ahead.value) == str(plain.value)
        return str(ahead.value)

    def _rewrite(self, path: Path, change: Any, meta_change: Any = None) -> None:
        frame = pl.read_parquet(path)
        meta = json.loads(pl.read_parquet_metadata(path)["klaster"])
        if meta_change is not None:
            meta_change(meta)
        change(frame).write_parquet(path, metadata={"klaster": json.dumps(meta)})

    def test_a_hint_naming_another_unit(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "o.parquet"
        save(full_store(), path)
        meta = json.loads(pl.read_parquet_metadata(path)["klaster"])
        row = sum(meta["units"]["rows"])
        self._rewrite(
            path, lambda f: f.with_columns(f["unit_number"].scatter(row, f["unit_number"][row] + 1))
        )
        placed: list[Any] = []
        monkeypatch.setattr(_sidecar_parquet._Fast, "_group", lambda *args: placed.append(args))
        assert "is not number" in self._same_error(path)
        assert placed == []  # (the column-wise reader gave up before placing anything)

    def test_a_value_out_of_its_bounds(self, tmp_path: Path) -> None:
        # Built ahead, the column is refused there: the reader builds it, and gives up.
        path = tmp_path / "o.parquet"
        save(full_store(), path)
        self._rewrite(
            path,
            lambda f: f.with_columns(
                pl.when(pl.col("herd_start").is_not_null())
                .then(pl.lit(5000, pl.Int64))
                .otherwise(pl.col("herd_start"))
                .alias("herd_start")
            ),
        )
        message = self._same_error(path)
        assert "column 'herd_start'" in message

    def test_a_stranger_in_a_units_part(self, tmp_path: Path) -> None:
        path = tmp_path / "o.parquet"
        save(full_store(), path)
        self._rewrite(path, lambda f: f.with_columns(f["unit"].scatter(0, "B-1")))
        assert "'B-1' is not a member of cluster 'btg'" in self._same_error(path)

    def test_another_program(self, tmp_path: Path) -> None:
        path = tmp_path / "o.parquet"
        save(full_store(), path)
        self._rewrite(path, lambda f: f, lambda meta: meta.update(program="other"))
        assert "program 'other'" in self._same_error(path)

    def test_a_value_in_a_column_its_table_does_not_have(self, tmp_path: Path) -> None:
        path = tmp_path / "o.parquet"
        save(full_store(), path)
        meta = json.loads(pl.read_parquet_metadata(path)["klaster"])
        at, row = sum(meta["units"]["rows"]), None
        for columns, rows in zip(meta["tables"]["columns"], meta["tables"]["rows"], strict=True):
            if rows and "household_size" not in meta["column_lists"][columns]:
                row = at
                break
            at += rows
        assert row is not None
        self._rewrite(path, lambda f: f.with_columns(f["household_size"].scatter(row, 3)))
        assert "does not have" in self._same_error(path)

    def test_a_value_in_the_units_part_is_read_past_as_load_does(self, tmp_path: Path) -> None:
        path = tmp_path / "o.parquet"
        save(full_store(), path)
        self._rewrite(path, lambda f: f.with_columns(f["household_size"].scatter(0, 3)))
        found = ReadAhead(path, CATALOGUE).load(PROGRAM)  # (the exact reader's)
        assert fingerprint(found) == fingerprint(load(path, PROGRAM, CATALOGUE))

    def test_a_set_aside_variable_is_read_by_the_exact_reader(self, tmp_path: Path) -> None:
        path = tmp_path / "o.parquet"
        save(full_store(), path)

        def declare(meta: dict[str, Any]) -> None:
            meta["variables"]["mystery_crop"] = {"type": "integer", "level": "member"}
            meta["column_lists"][meta["tables"]["columns"][0]].append("mystery_crop")

        self._rewrite(path, lambda f: f.with_columns(mystery_crop=pl.lit(None, pl.Int64)), declare)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            found = ReadAhead(path, CATALOGUE).load(PROGRAM)
        assert any("mystery_crop" in str(w.message) for w in caught)
        assert found == full_store()

    def test_a_catalogue_changed_meanwhile_is_judged_as_it_is_now(self, tmp_path: Path) -> None:
        # The file declares household_size an integer but stores it as a decimal: refused by
        # this catalogue (an integer), read by the one ahead (a decimal), which would have
        # taken the decimals as whole numbers. Judged by the catalogue load() is given.
        path = tmp_path / "o.parquet"
        save(full_store(), path)
        self._rewrite(
            path, lambda f: f.with_columns(pl.col("household_size").cast(pl.Decimal(38, 0)))
        )
        catalogue = dict(CATALOGUE)
        catalogue["household_size"] = attrs.evolve(
            catalogue["household_size"], type=ValueType.DECIMAL
        )
        ahead = _ready(ReadAhead(path, catalogue))
        catalogue["household_size"] = CATALOGUE["household_size"]
        with pytest.raises(DocumentError, match="household_size") as caught:
            ahead.load(PROGRAM)
        with pytest.raises(DocumentError) as plain:
            load(path, PROGRAM, CATALOGUE)
        assert str(caught.value) == str(plain.value)


class TestBytes:
    def test_the_bytes_are_let_go_once_prepared(self, tmp_path: Path) -> None:
        save(full_store(), tmp_path / "o.parquet")
        ahead = _ready(ReadAhead(tmp_path / "o.parquet", CATALOGUE))
        (found,) = ahead._found
        assert isinstance(found, _sidecar_parquet_ahead.Ahead)
        assert found.prepared is not None
        assert found.data is None  # (not held beside the program while it is read)

    def test_a_file_not_starting_as_parquet_does(self, tmp_path: Path) -> None:
        # polars reads the footer only: the reader's own check of both ends still applies.
        path = tmp_path / "o.parquet"
        save(full_store(), path)
        path.write_bytes(b"PAR0" + path.read_bytes()[4:])
        with pytest.raises(DocumentError, match="not a Parquet file") as plain:
            load(path, PROGRAM, CATALOGUE)
        with pytest.raises(DocumentError) as ahead:
            ReadAhead(path, CATALOGUE).load(PROGRAM)
        assert str(ahead.value) == str(plain.value)


class TestTheFileChanged:
    def test_a_file_replaced_meanwhile_is_read_afresh(
        self, tmp_path: Path, inline: list[bool]
    ) -> None:
        path = tmp_path / "o.parquet"
        save(full_store(), path)
        ahead = _ready(ReadAhead(path, CATALOGUE))
        other = new_store()
        other.record("btg-bl", "M-3", {"monthly_income": 7})
        save(other, path)  # (atomic: a new file)
        assert ahead.load(PROGRAM) == other
        assert inline == [True]

    def test_a_file_edited_in_place_is_read_afresh(
        self, tmp_path: Path, inline: list[bool]
    ) -> None:
        path = tmp_path / "o.parquet"
        other = new_store()
        other.record("btg-bl", "M-3", {"monthly_income": 7})
        save(other, tmp_path / "other.parquet")
        save(full_store(), path)
        ahead = _ready(ReadAhead(path, CATALOGUE))
        with path.open("r+b") as handle:  # (the same inode: its times change)
            handle.truncate(0)
            handle.write((tmp_path / "other.parquet").read_bytes())
        assert ahead.load(PROGRAM) == other
        assert inline == [True]

    def test_the_times_alone_changed(self, tmp_path: Path, inline: list[bool]) -> None:
        path = tmp_path / "o.parquet"
        save(full_store(), path)
        ahead = _ready(ReadAhead(path, CATALOGUE))
        os.utime(path, ns=(1, 1))
        assert ahead.load(PROGRAM) == full_store()
        assert inline == [True]


class TestErrors:
    def test_a_missing_file(self, tmp_path: Path, thread_errors: list[Any]) -> None:
        path = tmp_path / "gone.parquet"
        ahead = _ready(ReadAhead(path, CATALOGUE))
        assert thread_errors == []
        with pytest.raises(DocumentError, match="cannot read the file"):
            ahead.load(PROGRAM)

    def test_a_damaged_file(self, tmp_path: Path, thread_errors: list[Any]) -> None:
        path = tmp_path / "o.parquet"
        save(full_store(), path)
        data = path.read_bytes()
        path.write_bytes(data[:8] + bytes(len(data) - 16) + data[-8:])  # (footer kept)
        ahead = _ready(ReadAhead(path, CATALOGUE))
        assert thread_errors == []
        with pytest.raises(DocumentError) as caught:
            ahead.load(PROGRAM)
        with pytest.raises(DocumentError) as plain:
            load(path, PROGRAM, CATALOGUE)
        assert str(caught.value) == str(plain.value)

    def test_the_thread_raises_nothing_even_when_preparing_fails(
        self, tmp_path: Path, thread_errors: list[Any], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken(*_args: Any, **_kwargs: Any) -> Any:
            raise MemoryError

        monkeypatch.setattr(_sidecar_parquet_ahead, "prepare", broken)
        save(full_store(), tmp_path / "o.parquet")
        ahead = _ready(ReadAhead(tmp_path / "o.parquet", CATALOGUE))
        assert thread_errors == []
        assert ahead.load(PROGRAM) == full_store()  # (the reader prepared it itself)


class TestOtherVariables:
    def test_other_variables_than_read_ahead(
        self, bench: tuple[Program, Path, Observations], inline: list[bool]
    ) -> None:
        program, path, _ = bench
        ahead = ReadAhead(path, BENCH_CATALOGUE, only=["monthly_income"])
        found = ahead.load(program, only=["household_size"])
        assert inline == [True]  # read then
        plain = load(path, program, BENCH_CATALOGUE, only=["household_size"])
        assert fingerprint(found) == fingerprint(plain)
        assert found.selected == frozenset({"household_size"})

    def test_all_variables_after_some_read_ahead(self, tmp_path: Path, inline: list[bool]) -> None:
        save(full_store(), tmp_path / "o.parquet")
        ahead = ReadAhead(tmp_path / "o.parquet", CATALOGUE, only=["monthly_income"])
        assert ahead.load(PROGRAM, only=None) == full_store()
        assert inline == [True]

    def test_a_catalogue_as_an_iterator_is_not_read_ahead(self, tmp_path: Path) -> None:
        save(full_store(), tmp_path / "o.parquet")
        ahead = ReadAhead(tmp_path / "o.parquet", iter(list(CATALOGUE.values())))
        assert ahead._thread is None  # (the thread would consume what load() reads)


class TestGuards:
    """What the reader checks before it takes the work done ahead as its own."""

    def test_rounds_not_as_the_header_gave_them_are_not_taken(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inline: list[bool]
    ) -> None:
        real = _sidecar_parquet_ahead.prepare

        def moved(*args: Any, **kwargs: Any) -> Any:
            found = real(*args, **kwargs)
            found.rounds = {**found.rounds, "btg-bl": "blr"}
            return found

        monkeypatch.setattr(_sidecar_parquet_ahead, "prepare", moved)
        save(full_store(), tmp_path / "o.parquet")
        assert ReadAhead(tmp_path / "o.parquet", CATALOGUE).load(PROGRAM) == full_store()
        assert inline == [True]  # (not taken: the reader read the file again)
