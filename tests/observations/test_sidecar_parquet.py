"""The Parquet observations sidecar: the JSON Lines sidecar's document in typed columns."""

from __future__ import annotations

import json
import os
import shutil
import sys
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from tests.cli.conftest import PROGRAM as PROGRAM_FILE
from tests.cli.conftest import SIDECAR, Cli
from tests.cli.conftest import cli as cli  # the fixture
from tests.observations.builders import CATALOGUE, PROGRAM, good_rows, new_store, snapshot
from tests.observations.test_sidecar import full_store

import klaster
import klaster.observations
from klaster import DocumentError, KlasterError, SchemaVersionError
from klaster.observations import ReadAhead, _sidecar_parquet
from klaster.observations._sidecar_parquet_exact import ExactParquetReader
from klaster.observations.values import Observations

save, load = klaster.observations.save, klaster.observations.load


def save_parquet(obs: Observations, path: Path) -> None:
    """Save ``obs`` to ``path`` (a ``.parquet`` name), checking it is a Parquet file."""
    save(obs, path)
    data = path.read_bytes()
    assert data[:4] == data[-4:] == b"PAR1"


def _jsonl_twin(obs: Observations, tmp: Path, **kw: Any) -> Observations:
    path = tmp / "twin.observations.jsonl"
    save(obs, path)
    return load(path, PROGRAM, CATALOGUE, **kw)


@pytest.fixture
def exact_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every read goes through the exact reader (the column-wise one gives up)."""

    def gives_up(*_args: object) -> None:
        raise RuntimeError("column-wise reader off")

    monkeypatch.setattr(_sidecar_parquet._Fast, "read", gives_up)


@pytest.fixture
def fast_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A read the column-wise reader gives up on fails the test."""

    def refused(*_args: object) -> None:
        raise AssertionError("the column-wise reader gave up")

    monkeypatch.setattr(ExactParquetReader, "read_file", refused)


class TestRoundTrip:
    def test_round_trip_column_wise(self, tmp_path: Path, fast_only: None) -> None:
        obs = full_store()
        path = tmp_path / "km.observations.parquet"
        save_parquet(obs, path)
        back = load(path, PROGRAM, CATALOGUE)
        assert back == obs == _jsonl_twin(obs, tmp_path)
        assert snapshot(back) == snapshot(obs)
        assert back.value("btg-bl", "M-2", "monthly_income") == Decimal("1E-18")
        assert back.value("btg-el", "M-2", "shop_note") == 'kios "baru"\n'
        assert sorted(p.name for p in tmp_path.iterdir()) == [path.name, "twin.observations.jsonl"]

    def test_the_exact_reader_reads_what_the_column_wise_one_does(
        self, tmp_path: Path, exact_only: None
    ) -> None:
        obs = full_store()
        save_parquet(obs, tmp_path / "o.parquet")
        back = load(tmp_path / "o.parquet", PROGRAM, CATALOGUE)
        assert back == obs
        assert snapshot(back) == snapshot(obs)
        only = load(tmp_path / "o.parquet", PROGRAM, CATALOGUE, only={"household_size"})
        assert only.storage.selected == frozenset({"household_size"})

    def test_the_suffix_is_any_case(self, tmp_path: Path) -> None:
        save(full_store(), tmp_path / "O.PARQUET")
        assert (tmp_path / "O.PARQUET").read_bytes()[:4] == b"PAR1"
        assert load(tmp_path / "O.PARQUET", PROGRAM, CATALOGUE) == full_store()

    @settings(max_examples=25, deadline=None)
    @given(rows=good_rows())
    def test_round_trip_property(self, tmp_path_factory: pytest.TempPathFactory, rows: Any) -> None:
        obs = new_store()
        obs.record_many("btg-bl", rows)
        tmp = tmp_path_factory.mktemp("parquet")
        save_parquet(obs, tmp / "o.parquet")
        back = load(tmp / "o.parquet", PROGRAM, CATALOGUE)
        assert back == obs == _jsonl_twin(obs, tmp)
        assert snapshot(back) == snapshot(_jsonl_twin(obs, tmp))

    @settings(max_examples=40, deadline=None)
    @given(
        values=st.lists(
            st.tuples(st.integers(0, 2**63 - 1), st.integers(0, 18)), min_size=2, max_size=2
        )
    )
    def test_decimals_are_exact(
        self, tmp_path_factory: pytest.TempPathFactory, values: list[tuple[int, int]]
    ) -> None:
        # Two tables of one variable with different scales: the file keeps the larger one,
        # each table's column the decimals its values need (as the JSON Lines reader).
        obs = new_store()
        (a, a_places), (b, b_places) = values
        try:
            obs.record("btg-bl", "btg", {"district_budget": Decimal(a).scaleb(-a_places)})
            obs.record("btg-el", "btg", {"district_budget": Decimal(b).scaleb(-b_places)})
        except KlasterError:
            assume(False)  # more than 64 bits once scaled: the API refuses it
        tmp = tmp_path_factory.mktemp("decimals")
        save_parquet(obs, tmp / "o.parquet")
        back = load(tmp / "o.parquet", PROGRAM, CATALOGUE)
        assert back == obs == _jsonl_twin(obs, tmp)
        for rnd in ("btg-bl", "btg-el"):
            mine, theirs = (
                o.column(rnd, "district_budget").buffers() for o in (back, _jsonl_twin(obs, tmp))
            )
            assert isinstance(mine.data, memoryview)
            assert isinstance(theirs.data, memoryview)
            assert (mine.scale, mine.data.tolist()) == (theirs.scale, theirs.data.tolist())

    def test_an_empty_store(self, tmp_path: Path) -> None:
        save_parquet(Observations(PROGRAM, CATALOGUE), tmp_path / "o.parquet")
        assert load(tmp_path / "o.parquet", PROGRAM, CATALOGUE) == Observations(PROGRAM, CATALOGUE)


class TestLayout:
    def test_metadata_units_part_and_typed_columns(self, tmp_path: Path) -> None:
        save_parquet(full_store(), tmp_path / "o.parquet")
        meta = json.loads(pl.read_parquet_metadata(tmp_path / "o.parquet")["klaster"])
        assert (meta["klaster"], meta["schema_version"], meta["program"]) == (
            "observations",
            1,
            PROGRAM.id,
        )
        units, tables = meta["units"], meta["tables"]
        assert (units["cluster"][0], units["level"][0], units["rows"][0]) == ("btg", "member", 3)
        first = [tables[key][0] for key in ("round", "level", "columns", "rows")]
        assert first == ["btg-bl", "member", 0, 3]
        assert meta["column_lists"][0] == [
            "monthly_income", "household_size", "cibest_prayer", "species", "herd_start"
        ]  # fmt: skip
        frame = pl.read_parquet(tmp_path / "o.parquet")
        assert frame.schema["monthly_income"] == pl.Decimal(38, 18)
        assert frame.schema["herd_start"] == pl.Int64
        assert frame.schema["last_vaccination"] == pl.Date
        part = sum(units["rows"])
        assert frame.head(part)["unit_number"].to_list()[:3] == [0, 1, 2]
        values = frame.head(part).drop("unit", "unit_number")
        assert values.null_count().row(0) == (part,) * values.width
        assert frame.height == part + sum(tables["rows"])


class TestOnly:
    @pytest.mark.parametrize("only", [{"monthly_income"}, {"species", "coop_legal"}, set()])
    def test_only_is_the_full_load_selected(self, tmp_path: Path, only: set[str]) -> None:
        obs = full_store()
        save_parquet(obs, tmp_path / "o.parquet")
        part = load(tmp_path / "o.parquet", PROGRAM, CATALOGUE, only=only)
        assert part.storage.selected == frozenset(only)
        assert part == _jsonl_twin(obs, tmp_path, only=only)
        for rnd in obs.rounds():
            for level in ("member", "group", "cooperative", "cluster"):
                assert part.units(rnd.id, level) == obs.units(rnd.id, level)
                full = {c: v for c, v in obs.columns(rnd.id, level).items() if c in only}
                assert part.columns(rnd.id, level) == full
        with pytest.raises(DocumentError, match="only some variables"):
            save_parquet(part, tmp_path / "o.parquet")

    def test_only_reads_only_those_columns(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        save_parquet(full_store(), tmp_path / "o.parquet")
        asked: list[Any] = []
        real = pl.read_parquet

        def spy(source: Any, *args: Any, **kwargs: Any) -> Any:
            asked.append(kwargs.get("columns"))
            return real(source, *args, **kwargs)

        monkeypatch.setattr(pl, "read_parquet", spy)
        load(tmp_path / "o.parquet", PROGRAM, CATALOGUE, only={"herd_start"})
        # The units' IDs and numbers first, then the values a few columns at a time.
        assert asked == [["unit", "unit_number"], ["herd_start"]]


def _parts(path: Path) -> tuple[pl.DataFrame, dict[str, Any]]:
    return pl.read_parquet(path), json.loads(pl.read_parquet_metadata(path)["klaster"])


def _write(path: Path, frame: pl.DataFrame, meta: Any) -> None:
    frame.write_parquet(path, metadata={"klaster": json.dumps(meta)})


def _set(meta: dict[str, Any], part: str, key: str, index: int, value: Any) -> dict[str, Any]:
    """``meta`` with the ``index``-th entry of ``part`` holding ``value`` at ``key``."""
    values = list(meta[part][key])
    values[index] = value
    return {**meta, part: {**meta[part], key: values}}


def _row_of(frame: pl.DataFrame, meta: dict[str, Any], table: int, unit: str) -> int:
    """The 0-based row of ``unit`` in the ``table``-th table."""
    at = sum(meta["units"]["rows"]) + sum(meta["tables"]["rows"][:table])
    ids = frame["unit"].to_list()
    return ids.index(unit, at)


class TestBadFiles:
    @pytest.fixture
    def saved(self, tmp_path: Path) -> tuple[Path, pl.DataFrame, dict[str, Any]]:
        path = tmp_path / "o.parquet"
        save_parquet(full_store(), path)
        return (path, *_parts(path))

    def _fails(self, path: Path, match: str, where: str | None = None) -> None:
        with pytest.raises(DocumentError, match=match) as caught:
            load(path, PROGRAM, CATALOGUE)
        if where is not None:
            assert str(caught.value).startswith(f"{path} {where}: "), str(caught.value)

    @pytest.mark.parametrize(
        ("code", "value", "match"),
        [
            ("monthly_income", Decimal("-1"), "minimum"),
            ("cibest_prayer", 9, "maximum"),
            ("species", "goat", "sector 'livestock'"),
        ],
    )
    def test_values_the_api_refuses_are_located(
        self, saved: Any, code: str, value: Any, match: str
    ) -> None:
        path, frame, meta = saved
        row = _row_of(frame, meta, 0, "M-2")
        if code == "species":
            row = _row_of(frame, meta, 0, "M-1")
        column = frame[code].scatter(row, value)
        _write(path, frame.with_columns(column), meta)
        self._fails(path, match, f"row {row} column {code!r}")

    def test_a_decimal_beyond_64_bits(self, saved: Any) -> None:
        path, frame, meta = saved
        row = _row_of(frame, meta, 0, "M-2")
        column = frame["monthly_income"].scatter(row, Decimal("9.3E+18"))
        _write(path, frame.with_columns(column), meta)
        self._fails(path, "64 bits|maximum", f"row {row} column 'monthly_income'")

    def test_an_unknown_unit(self, saved: Any) -> None:
        path, frame, meta = saved
        units = frame["unit"].to_list()
        at = units.index("M-1")  # in the units part
        _write(path, frame.with_columns(frame["unit"].scatter(at, "X-9")), meta)
        self._fails(path, "'X-9' is not a member of cluster 'btg'", f"row {at} column 'unit'")

    def test_a_unit_of_another_cluster_in_a_table(self, saved: Any) -> None:
        path, frame, meta = saved
        row = _row_of(frame, meta, 0, "M-2")
        _write(path, frame.with_columns(frame["unit"].scatter(row, "B-1")), meta)
        self._fails(path, "belongs to cluster 'blr'", f"row {row}")

    def test_a_unit_twice_in_a_table(self, saved: Any) -> None:
        path, frame, meta = saved
        row = _row_of(frame, meta, 0, "M-2")
        _write(path, frame.with_columns(frame["unit"].scatter(row, "M-1")), meta)
        first = _row_of(frame, meta, 0, "M-1")
        self._fails(path, "two rows", f"row {max(row, first)} column 'unit'")

    def test_a_unit_number_that_is_not_its_units(self, saved: Any) -> None:
        path, frame, meta = saved
        # M-2's and M-1's numbers swapped: no unit twice, each ID where another should be.
        one, two = _row_of(frame, meta, 0, "M-2"), _row_of(frame, meta, 0, "M-1")
        numbers = frame["unit_number"]
        swapped = numbers.scatter([one, two], [numbers[two], numbers[one]])
        _write(path, frame.with_columns(swapped), meta)
        self._fails(path, "is not number", f"row {min(one, two)} column 'unit_number'")
        _write(path, frame.with_columns(numbers.scatter(1, 0)), meta)  # in the units part
        self._fails(path, "numbered 1, got 0", "row 1 column 'unit_number'")

    def test_a_value_outside_its_tables_columns(self, saved: Any) -> None:
        path, frame, meta = saved
        assert "shop_note" not in meta["column_lists"][meta["tables"]["columns"][0]]
        row = _row_of(frame, meta, 0, "M-2")
        _write(path, frame.with_columns(frame["shop_note"].scatter(row, "x")), meta)
        self._fails(path, "does not have", f"row {row} column 'shop_note'")

    def test_a_column_of_the_wrong_type(self, saved: Any) -> None:
        path, frame, meta = saved
        _write(path, frame.with_columns(pl.col("monthly_income").cast(pl.Float64)), meta)
        self._fails(path, "decimal is stored as", "column 'monthly_income'")

    def test_a_column_not_declared(self, saved: Any) -> None:
        path, frame, meta = saved
        _write(path, frame.with_columns(extra=pl.lit(1)), meta)
        self._fails(path, "'extra' is not declared", "column 'extra'")

    @pytest.mark.parametrize(
        ("edit", "match", "where"),
        [
            (lambda m: {**m, "program": "other"}, "not of", ""),
            (lambda m: {**m, "extra": 1}, "unknown \\['extra'\\]", ""),
            (
                lambda m: {**m, "variables": {**m["variables"], "herd_end": {}}},
                "herd_end: not in the variable catalogue given",
                "",
            ),
            (lambda m: _set(m, "units", "rows", 0, 99), "past the file's end", " units[0]"),
            (lambda m: {**m, "units": {**m["units"], "x": []}}, "'units' must be an object", ""),
            (lambda m: _set(m, "tables", "rows", -1, 0), "damaged", None),
            (lambda m: _set(m, "tables", "round", 0, "x"), "not in the header", " tables[0]"),
            (lambda m: _set(m, "tables", "columns", 0, 99), "must list variables", " tables[0]"),
            (lambda m: {**m, "column_lists": [[{}]]}, "must list variables", " tables[0]"),
            (lambda m: {k: v for k, v in m.items() if k != "tables"}, "'tables' must be an", ""),
            (lambda m: {**m, "column_lists": {}}, "'column_lists' must be a list", ""),
        ],
    )
    def test_metadata_problems(self, saved: Any, edit: Any, match: str, where: str | None) -> None:
        path, frame, meta = saved
        _write(path, frame, edit(meta))
        self._fails(path, match, None if where is None else "metadata 'klaster'" + where)

    @pytest.mark.parametrize(
        ("version", "match"), [(2, "upgrade"), ("1", "damaged"), (None, "damaged")]
    )
    def test_schema_version(self, saved: Any, version: Any, match: str) -> None:
        path, frame, meta = saved
        _write(path, frame, {**meta, "schema_version": version})
        with pytest.raises(SchemaVersionError, match=match):
            load(path, PROGRAM, CATALOGUE)

    def test_not_a_klaster_file(self, tmp_path: Path) -> None:
        pl.DataFrame({"unit": ["M-1"]}).write_parquet(tmp_path / "o.parquet")
        self._fails(tmp_path / "o.parquet", "not a klaster observations file")

    def test_truncated_and_corrupt(self, saved: Any) -> None:
        path = saved[0]
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        self._fails(path, "cut short")
        path.write_bytes(data[:-12] + b"\xff" * 8 + data[-4:])  # the footer's length
        self._fails(path, "damaged or was cut short")

    def test_a_polars_panic_is_a_damaged_file(
        self, saved: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # polars panics (a BaseException) on some damaged pages instead of raising an error.
        def panics(*_args: object, **_kwargs: object) -> None:
            raise pl.exceptions.PanicException("OutOfSpec")

        monkeypatch.setattr(pl, "read_parquet", panics)
        self._fails(saved[0], "the file is damaged")

    def test_misnamed_files(self, tmp_path: Path) -> None:
        save_parquet(full_store(), tmp_path / "o.parquet")
        (tmp_path / "o.jsonl").write_bytes((tmp_path / "o.parquet").read_bytes())
        with pytest.raises(DocumentError, match=r"Parquet file.*o\.parquet"):
            load(tmp_path / "o.jsonl", PROGRAM, CATALOGUE)
        save(full_store(), tmp_path / "j.jsonl")
        (tmp_path / "j.parquet").write_bytes((tmp_path / "j.jsonl").read_bytes())
        with pytest.raises(DocumentError, match=r"not a Parquet file.*JSON Lines"):
            load(tmp_path / "j.parquet", PROGRAM, CATALOGUE)


class TestWriting:
    def test_atomic_write_keeps_the_old_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "o.parquet"
        save_parquet(new_store(), path)
        old = path.read_bytes()

        def broken(*_args: object) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(os, "replace", broken)
        with pytest.raises(DocumentError, match="disk full"):
            save_parquet(full_store(), path)
        assert path.read_bytes() == old
        assert list(tmp_path.iterdir()) == [path]

    def test_without_polars_the_extra_is_named(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        save_parquet(full_store(), tmp_path / "o.parquet")
        monkeypatch.setitem(sys.modules, "polars", None)
        with pytest.raises(KlasterError, match=r"klaster\[columnar\]"):
            save_parquet(full_store(), tmp_path / "p.parquet")
        with pytest.raises(KlasterError, match=r"klaster\[columnar\]"):
            load(tmp_path / "o.parquet", PROGRAM, CATALOGUE)
        assert not (tmp_path / "p.parquet").exists()

    def test_saving_over_set_aside_values_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "o.parquet"
        save_parquet(full_store(), path)
        frame, meta = _parts(path)
        meta["variables"]["mystery_crop"] = {"type": "integer", "level": "member"}
        meta["column_lists"][meta["tables"]["columns"][0]].append("mystery_crop")
        _write(path, frame.with_columns(mystery_crop=pl.lit(None, pl.Int64)), meta)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            back = load(path, PROGRAM, CATALOGUE)
        assert any("mystery_crop" in str(w.message) for w in caught)
        assert back == full_store()
        with pytest.raises(DocumentError, match="mystery_crop"):
            save_parquet(back, path)


class TestReadAheadAndCommands:
    def test_read_ahead_passes_a_parquet_file_through(self, tmp_path: Path) -> None:
        save_parquet(full_store(), tmp_path / "o.parquet")
        ahead = ReadAhead(tmp_path / "o.parquet", CATALOGUE, only=["monthly_income"])
        part = ahead.load(PROGRAM)
        assert part == load(tmp_path / "o.parquet", PROGRAM, CATALOGUE, only=["monthly_income"])

    @pytest.mark.parametrize(
        "command",
        [
            ("report", "{program}", "--format", "md", "--lang", "en", "--out", "{out}"),
            (
                "export", "iati", "{program}", "--reporting-org", "XM-DAC-47000", "--org-type",
                "22", "--generated", "2024-01-31T12:00:00+00:00", "--out", "{out}",
            ),
        ],
    )  # fmt: skip
    def test_commands_read_a_parquet_sidecar(
        self, cli: Cli, tmp_path: Path, command: tuple[str, ...]
    ) -> None:
        program = tmp_path / "bantaeng.json"
        shutil.copy(PROGRAM_FILE, program)
        sidecar = tmp_path / "bantaeng.observations.parquet"
        catalogue = klaster.observations.variable_catalogue()
        save_parquet(load(SIDECAR, klaster.load(program), catalogue), sidecar)
        outputs = []
        for given_sidecar in (SIDECAR, sidecar):
            out = tmp_path / f"out-{given_sidecar.suffix[1:]}"
            argv = [a.format(program=program, out=out) for a in command]
            ran = cli(*argv, "--observations", given_sidecar)
            assert ran.returncode == 0, ran.stderr
            outputs.append(out.read_bytes())
        assert outputs[0] == outputs[1]
        assert len(outputs[0]) > 1000
