"""Tidy exports and frames: pseudonymised by default, joins kept, CSV safe, all tables or none."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klaster.documents.csvfile import EXCEL_ID, FORMULA_START
from klaster.errors import DocumentError, KlasterError
from klaster.exports import (
    SECRET_ENV,
    TABLES,
    Pseudonymiser,
    frames,
    tidy_tables,
    write_tidy,
)
from klaster.finance import Finance, Fund, Party
from klaster.finance.testing import qard
from klaster.model import Group, Member
from klaster.observations import Observations, Round, variable_catalogue
from klaster.testing.samples import sample_program

SECRET = b"the program office keeps this secret"
HOSTILE_ID = "=HYPERLINK(1)"
HOSTILE_BUSINESS = "=cmd|' /C calc'!A0"
NAMES = ("Siti Aminah Daeng Ngai", "Rustan Daeng Bau", "Sumarni", "Hj. Nurhayati")
NIKS = ("7303051234560001", "7303051234560002", "7303051234560003", "7303051234560004")
PHONES = ("+62 812 3456 7890", "+62 813 1111 2222", "+62 811 3333 4444", "+62 852 5555 6666")
ROUNDS = (("btg-end", "endline", "2014-03-01"), ("btg-base", "baseline", "2011-06-15"),
          ("btg-mid", "midline", "2012-09-01"))  # fmt: skip


def _program() -> Any:
    program = sample_program()
    cluster = program.clusters["bantaeng"]
    for index, old in enumerate(list(cluster.members)):
        cluster.replace_member(
            Member(
                old.id,
                NAMES[index],
                old.sex,
                old.household_size,
                old.village,
                old.sector,
                old.joined,
                old.business_type,
                old.left,
                NIKS[index],
                PHONES[index],
                old.birth_year,
            )
        )
    cluster.add_member(
        Member(
            HOSTILE_ID,
            NAMES[3],
            "female",
            3,
            "Baruga",
            "umkm",
            dt.date(2011, 6, 1),
            "trading",
            national_id=NIKS[3],
            phone=PHONES[3],
        )
    )
    cluster.join_group("BTG-K01", HOSTILE_ID, dt.date(2011, 6, 1))
    # A business group named like a formula (names are free text).
    cluster.add_group(Group("BTG-K03", HOSTILE_BUSINESS, "umkm", dt.date(2011, 6, 1)))
    return program


def _observations(program: Any) -> Observations:
    obs = Observations(program, variable_catalogue())
    for round_id, kind, on in ROUNDS:
        obs.add_round(Round(round_id, "bantaeng", kind, on))
    for step, (round_id, _, _) in enumerate(ROUNDS):
        for index, member in enumerate(("BTG-1", "BTG-2", HOSTILE_ID)):
            if round_id == "btg-mid" and member == "BTG-2":
                continue  # not surveyed at midline
            values: dict[str, object] = {"monthly_income": Decimal(1_000_000 + 250_500 * step)}
            values["workers"] = index + 1
            if member != "BTG-1":
                values["business_running"] = step != 1
                if step == 1:
                    del values["workers"]  # no business, no workers (the umkm plugin's rule)
            obs.record(round_id, member, values)
    return obs


def _book() -> Finance:
    book = Finance("bantaeng", "klaster-mandiri")
    book.add_fund(Fund("F-1", "Dana bergulir", "zakat", Party.program("klaster-mandiri"),
                       dt.date(2012, 1, 2)))  # fmt: skip
    book.receive("F-1", dt.date(2012, 1, 2), 10_000_000)
    book.disburse(qard("L-1", borrower=Party.member(HOSTILE_ID)))
    book.add_fund(Fund("F-2", "Simpanan", "member_savings", Party.cooperative("irman"),
                       dt.date(2013, 2, 1)))  # fmt: skip
    book.deposit_savings("F-2", "BTG-1", "wajib", dt.date(2013, 2, 4), 50_000)
    return book


@pytest.fixture
def data() -> tuple[Any, Observations, Finance]:
    program = _program()
    return program, _observations(program), _book()


def _cells(folder: Path) -> list[str]:
    found = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            found += [cell for row in csv.reader(handle) for cell in row]
    return found


PERSONAL = (*NAMES, *NIKS, *PHONES, "BTG-1", "BTG-2", HOSTILE_ID)


class TestFrames:
    def test_members_pseudonymised_without_personal_fields(self, data: Any) -> None:
        program, _, _ = data
        members = frames.members(program, pseudonymiser=Pseudonymiser(SECRET))
        assert not set(frames.PERSONAL_COLUMNS) & set(members.columns)
        assert all(v.startswith("p_") for v in members["member_id"])
        assert not set(PERSONAL) & {str(v) for row in members.rows() for v in row}

    def test_personal_asked_for_explicitly(self, data: Any) -> None:
        program, _, book = data
        members = frames.members(program, personal=True)
        assert set(members["name"]) == set(NAMES)
        assert set(members["national_id"]) == set(NIKS)
        assert HOSTILE_ID in set(members["member_id"])
        assert "memo" in frames.ledger_entries(book, personal=True).columns
        with pytest.raises(KlasterError, match="not both"):
            frames.members(program, personal=True, pseudonymiser=Pseudonymiser(SECRET))

    def test_default_is_a_session_secret_or_the_environment(
        self, data: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        program, _, _ = data
        monkeypatch.delenv(SECRET_ENV, raising=False)
        first = frames.members(program)["member_id"].to_list()
        assert first == frames.members(program)["member_id"].to_list()
        assert not set(first) & {"BTG-1", "BTG-2"}
        monkeypatch.setenv(SECRET_ENV, SECRET.decode())
        keyed = frames.members(program, pseudonymiser=Pseudonymiser(SECRET))
        assert frames.members(program)["member_id"].to_list() == keyed["member_id"].to_list()

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.binary(min_size=16, max_size=80))
    def test_joins_are_kept_for_any_secret(self, secret: bytes) -> None:
        program = _program()
        obs, book = _observations(program), _book()
        tables = tidy_tables(program, obs, books=[book], pseudonymiser=Pseudonymiser(secret))
        members = set(tables["members"]["member_id"])
        assert len(members) == 4
        assert set(tables["memberships"]["member_id"]) <= members
        observed = tables["observations"]
        assert set(observed.filter(observed["level"] == "member")["unit_id"]) == members - {
            frames.members(program, pseudonymiser=Pseudonymiser(secret))["member_id"][2]
        }
        ledger = tables["ledger_entries"]
        parties = set(ledger.filter(ledger["party_kind"] == "member")["party_id"])
        refs = {r for r in ledger["debit_ref"].to_list() + ledger["credit_ref"].to_list() if r}
        assert parties <= members
        assert (refs - {"L-1"}) <= members
        assert parties
        assert refs

    def test_application_ids_pseudonymised_like_member_ids(self, data: Any) -> None:
        import attrs

        program, _, _ = data
        cluster = program.clusters["bantaeng"]
        cluster.replace_member(attrs.evolve(cluster.members["BTG-1"], application_id="APP-7"))
        p = Pseudonymiser(SECRET)
        shown = frames.members(program, pseudonymiser=p)
        applications = shown["application_id"].to_list()
        assert applications.count(None) == len(applications) - 1
        assert p("APP-7") in applications
        assert shown["cluster_id"].unique().to_list() == ["bantaeng"]

    def test_long_values_are_typed_and_exact(self, data: Any) -> None:
        _, obs, _ = data
        long = frames.observations_long(obs, personal=True)
        assert str(long.schema["number"]).startswith("Decimal")
        income = long.filter((long["variable"] == "monthly_income") & (long["unit_id"] == "BTG-1"))
        assert income["number"].to_list() == [Decimal(1_250_500), Decimal(1_501_000),
                                              Decimal(1_000_000)]  # fmt: skip
        assert income["round_id"].to_list() == ["btg-base", "btg-mid", "btg-end"]  # date order
        running = long.filter(long["variable"] == "business_running")
        assert running["boolean"].to_list() == [False, False, True, True, True]
        assert long.filter(long["variable"] == "workers")["type"].unique().to_list() == ["integer"]

    def test_wide_has_one_column_per_variable_rounds_in_date_order(self, data: Any) -> None:
        _, obs, _ = data
        wide = frames.observations_wide(obs, personal=True)
        assert {"monthly_income", "workers", "business_running"} <= set(wide.columns)
        assert wide["round_id"].unique(maintain_order=True).to_list() == [
            "btg-base", "btg-mid", "btg-end"
        ]  # fmt: skip
        row = wide.filter((wide["round_id"] == "btg-end") & (wide["unit_id"] == "BTG-1"))
        assert row["monthly_income"].to_list() == [obs.value("btg-end", "BTG-1", "monthly_income")]
        assert row["business_running"].to_list() == [None]  # not recorded: null, not False
        assert wide.height == 8
        assert frames.to_pandas(wide).shape == wide.shape

    def test_ledger_entries(self, data: Any) -> None:
        _, _, book = data
        ledger = frames.ledger_entries(book, pseudonymiser=Pseudonymiser(SECRET))
        assert ledger["amount"].sum() == Decimal(10_000_000 + 1_200_000 + 50_000)
        assert "memo" not in ledger.columns
        assert HOSTILE_ID not in ledger["party_id"].to_list()


class TestMembersFrame:
    """The members frame (built a column at a time) equals the register read record by record."""

    @settings(max_examples=40, deadline=None)
    @given(
        st.lists(
            st.tuples(
                st.none() | st.integers(0, 4000),  # days after joining the member left
                st.none() | st.integers(1930, 2010),  # birth year
                st.none() | st.sampled_from(["APP-1", "APP-2", "=APP"]),  # application
            ),
            min_size=3,
            max_size=3,
        )
    )
    def test_equals_record_by_record(self, changes: list[tuple[Any, Any, Any]]) -> None:
        import attrs
        import polars as pl

        program = sample_program()
        cluster = program.clusters["bantaeng"]
        for old, (days, born, application) in zip(list(cluster.members), changes, strict=True):
            left = None if days is None else old.joined + dt.timedelta(days=days)
            cluster.replace_member(attrs.evolve(old, left=left, birth_year=born))
            if application is not None:  # not checked against an intake: only written out
                object.__setattr__(cluster.members[old.id], "application_id", application)
        frame = frames.members(program, personal=True)
        fields = ("sex", "household_size", "village", "sector", "business_type", "joined", "left",
                  "birth_year", "application_id", "name", "national_id", "phone")  # fmt: skip
        expected = [
            {"member_id": m.id, "cluster_id": c.id}
            | {f: getattr(m, f).value if f == "sex" else getattr(m, f) for f in fields}
            for c in program.clusters
            for m in c.members
        ]
        assert frame.to_dicts() == [{k: row[k] for k in frame.columns} for row in expected]
        assert frame.schema["left"] == pl.Date
        assert frame.schema["joined"] == pl.Date
        assert set(frame.columns) == {"member_id", "cluster_id", *fields}


_CELL = st.none() | st.tuples(
    st.none() | st.decimals(0, 10**9, places=2),  # monthly_income: scales differ by round
    st.none() | st.integers(1, 12),  # household_size
    st.sampled_from(["goat", "sheep", "cattle"]),  # species (required of a livestock member)
    st.none() | st.booleans(),  # has_animal_space
)


class TestObservationsFrame:
    """The frames read every table's column at once or table by table: the same frame."""

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(cells=st.lists(st.lists(_CELL, min_size=3, max_size=3), min_size=3, max_size=3))
    def test_at_once_equals_table_by_table(
        self, cells: list[list[Any]], monkeypatch_at_once: Any
    ) -> None:
        program = sample_program()
        obs = Observations(program, variable_catalogue())
        for round_id, kind, on in ROUNDS:
            obs.add_round(Round(round_id, "bantaeng", kind, on))
        for (round_id, _, _), row in zip(ROUNDS, cells, strict=True):
            for member, cell in zip(("BTG-1", "BTG-2", "BTG-3"), row, strict=True):
                if cell is None:
                    continue  # not surveyed in this round
                income, size, species, space = cell
                values: dict[str, object] = {"monthly_income": income, "household_size": size}
                if member == "BTG-3":
                    values |= {"species": species, "has_animal_space": space}
                obs.record(round_id, member, values)  # None: surveyed, the value missing
        p = Pseudonymiser(SECRET)
        read = monkeypatch_at_once
        read.off = False  # the switch is shared by the examples
        fast_long = frames.observations_long(obs, pseudonymiser=p)
        fast_wide = frames.observations_wide(obs, pseudonymiser=p)
        query, rows = frames.observations_long_query(obs, pseudonymiser=p)
        assert query.collect().equals(fast_long)
        assert rows == fast_long.height
        read.off = True  # every table alone
        assert frames.observations_long(obs, pseudonymiser=p).equals(fast_long)
        assert frames.observations_wide(obs, pseudonymiser=p).equals(fast_wide)

    @pytest.mark.parametrize("whole", [True, False])
    def test_read_in_the_stored_integer_type(self, whole: bool) -> None:
        # The values are read in the type they are stored in (household_size: int8), not
        # copied to int64 first: polars widens them in the query; the wide frame says Int64.
        import numpy as np
        import polars as pl

        from klaster.catalogue.variable import Level
        from klaster.exports import _frame_observations

        obs = Observations(sample_program(), variable_catalogue())
        for step, (round_id, kind, on) in enumerate(ROUNDS):
            obs.add_round(Round(round_id, "bantaeng", kind, on))
            for member in ("BTG-1", "BTG-2") if step != 1 or whole else ("BTG-1",):
                values = {"monthly_income": Decimal(1_000_000), "household_size": 4}
                obs.record(round_id, member, values)
        found = _frame_observations._Level(pl, np, obs, lambda ids, _: list(ids), Level.MEMBER)
        assert found.whole is whole
        read = {v.code: found.values(v)[0].dtype for v in found.variables}
        assert read["household_size"] == pl.Int8
        assert read["monthly_income"] in (pl.Int8, pl.Int16, pl.Int32)
        wide = frames.observations_wide(obs, pseudonymiser=Pseudonymiser(SECRET))
        assert wide.schema["household_size"] == pl.Int64
        assert wide["household_size"].to_list() == [4] * wide.height

    def test_gaps_read_at_once_in_the_stored_type(self, monkeypatch_at_once: Any) -> None:
        # A round without a variable's column (a sector's variable in another round) and a
        # surveyed unit past its column's end are read at once, in the stored type (int8):
        # table by table they were widened to int64 (8 bytes a value; at 1M members, 33 of
        # the store's 37 variables), with the same frames.
        import numpy as np
        import polars as pl

        from klaster.catalogue.variable import Level
        from klaster.exports import _frame_observations

        obs = Observations(sample_program(), variable_catalogue())
        for step, (round_id, kind, on) in enumerate(ROUNDS):
            obs.add_round(Round(round_id, "bantaeng", kind, on))
            obs.record(round_id, "BTG-1", {"monthly_income": Decimal(1_000_000)})
            if step != 1:  # no household_size column in the midline
                obs.record(round_id, "BTG-2", {"household_size": 4})
        found = _frame_observations._Level(pl, np, obs, lambda ids, _: list(ids), Level.MEMBER)
        read = {v.code: found.values(v) for v in found.variables}
        assert monkeypatch_at_once.used == len(read)  # no table-by-table read
        assert read["household_size"][0].dtype == pl.Int8
        assert read["household_size"][1].sum() == 2  # two values; a missing one elsewhere
        p = Pseudonymiser(SECRET)
        long = frames.observations_long(obs, pseudonymiser=p)
        monkeypatch_at_once.off = True
        assert frames.observations_long(obs, pseudonymiser=p).equals(long)
        assert long.height == 5

    def test_at_once_is_the_usual_path(self, data: Any, monkeypatch_at_once: Any) -> None:
        _, obs, _ = data
        frames.observations_long(obs, pseudonymiser=Pseudonymiser(SECRET))
        assert monkeypatch_at_once.used > 0


@pytest.fixture
def monkeypatch_at_once(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Counts the reads of every table at once; ``.off = True`` makes them table by table."""
    from klaster.exports import _frame_observations

    real = _frame_observations._Level._read_at_once

    class Switch:
        off = False
        used = 0

        @staticmethod
        def read(level: Any, variable: Any) -> Any:
            if Switch.off:
                return None
            found = real(level, variable)
            Switch.used += found is not None
            return found

    monkeypatch.setattr(_frame_observations._Level, "_read_at_once", Switch.read)
    return Switch


class TestWriteTidy:
    def test_csv_has_no_personal_cell(self, data: Any, tmp_path: Path) -> None:
        program, obs, book = data
        done = write_tidy(program, obs, tmp_path / "out", books=[book], secret=SECRET)
        assert [f.table for f in done.files] == ["members", "groups", "memberships",
                                                 "observations", "ledger_entries"]  # fmt: skip
        cells = _cells(tmp_path / "out")
        assert not set(PERSONAL) & set(cells)
        assert not any(p in cell for cell in cells for p in (*NAMES, *NIKS, *PHONES))
        assert SECRET.decode() not in "".join(cells)

    def test_personal_cells_when_asked(self, data: Any, tmp_path: Path) -> None:
        program, obs, book = data
        done = write_tidy(program, obs, tmp_path / "out", books=[book], personal=True)
        assert done.personal
        cells = _cells(tmp_path / "out")
        assert set(NAMES) <= set(cells)
        assert set(NIKS) <= set(cells)

    def test_every_cell_neutralised(self, data: Any, tmp_path: Path) -> None:
        program, obs, book = data
        write_tidy(program, obs, tmp_path / "out", books=[book], personal=True)
        cells = _cells(tmp_path / "out")
        live = [c for c in cells if c.startswith(FORMULA_START) and not _number(c)]
        assert live == []
        assert "'" + HOSTILE_ID in cells
        assert "'" + HOSTILE_BUSINESS in cells

    def test_excel_id_style(self, data: Any, tmp_path: Path) -> None:
        program, obs, _ = data
        write_tidy(program, obs, tmp_path / "out", secret=SECRET, csv_style=EXCEL_ID)
        raw = (tmp_path / "out" / "members.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbfmember_id;cluster_id;")

    def test_parquet_round_trip(self, data: Any, tmp_path: Path) -> None:
        import polars as pl
        from polars.testing import assert_frame_equal

        program, obs, book = data
        tables = tidy_tables(program, obs, books=[book], pseudonymiser=Pseudonymiser(SECRET))
        write_tidy(program, obs, tmp_path / "pq", books=[book], format="parquet", secret=SECRET)
        for name, frame in tables.items():
            assert_frame_equal(pl.read_parquet(tmp_path / "pq" / f"{name}.parquet"), frame)

    def test_observations_streamed_into_parquet_as_write_parquet_writes(
        self, data: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The long frame is never built whole: its query is sunk into the file, with the
        # settings of write_parquet (itself a sink of the frame), so the same bytes.
        import polars as pl

        program, obs, book = data
        written: list[str] = []
        real = pl.DataFrame.write_parquet

        def spy(frame: Any, file: Any, **kw: Any) -> None:
            written.append(Path(file).name)
            real(frame, file, **kw)

        monkeypatch.setattr(pl.DataFrame, "write_parquet", spy)
        done = write_tidy(program, obs, tmp_path / "pq", books=[book], format="parquet",
                          secret=SECRET)  # fmt: skip
        assert "observations.parquet" not in written
        assert "members.parquet" in written
        tables = tidy_tables(program, obs, books=[book], pseudonymiser=Pseudonymiser(SECRET))
        assert {f.table: f.rows for f in done.files} == {n: t.height for n, t in tables.items()}
        real(tables["observations"], tmp_path / "reference.parquet")
        ours = (tmp_path / "pq" / "observations.parquet").read_bytes()
        assert ours == (tmp_path / "reference.parquet").read_bytes()

    def test_observations_streamed_into_csv_with_the_frames_bytes(
        self, data: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The CSV's long table is a query streamed through the safe writer (never collected
        # whole: 1.1 GB of fresh pages at 1M members), with the bytes of the collected frame.
        import polars as pl

        import klaster.exports.tidy as tidy
        from klaster.documents.csvfile import write_frame

        program, obs, book = data
        kinds: dict[str, str] = {}
        real = write_frame

        def spy(path: Any, frame: Any, **kw: Any) -> None:
            kinds[Path(path).stem] = type(frame).__name__
            real(path, frame, **kw)

        monkeypatch.setattr(tidy, "write_frame", spy)
        write_tidy(program, obs, tmp_path / "csv", books=[book], secret=SECRET)
        assert kinds["observations"] == pl.LazyFrame.__name__
        tables = tidy_tables(program, obs, books=[book], pseudonymiser=Pseudonymiser(SECRET))
        real(tmp_path / "reference.csv", tables["observations"])
        ours = (tmp_path / "csv" / "observations.csv").read_bytes()
        assert ours == (tmp_path / "reference.csv").read_bytes()

    def test_nothing_written_when_a_table_fails(
        self, data: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import klaster.exports.tidy as tidy

        program, obs, book = data
        from klaster.documents.csvfile import write_frame as real

        calls = []

        def failing(path: Path, frame: Any, **kw: Any) -> None:
            calls.append(path)
            if len(calls) == 3:
                raise DocumentError(f"{path}: cannot write the file (disk full)")
            real(path, frame, **kw)

        monkeypatch.setattr(tidy, "write_frame", failing)
        with pytest.raises(DocumentError, match="disk full"):
            write_tidy(program, obs, tmp_path / "out", books=[book], secret=SECRET)
        assert list(tmp_path.iterdir()) == []
        # An earlier export stays as it was.
        (tmp_path / "out").mkdir()
        (tmp_path / "out" / "members.csv").write_text("old")
        calls.clear()
        with pytest.raises(DocumentError):
            write_tidy(program, obs, tmp_path / "out", books=[book], secret=SECRET)
        assert [p.name for p in tmp_path.iterdir()] == ["out"]
        assert [p.name for p in (tmp_path / "out").iterdir()] == ["members.csv"]
        assert (tmp_path / "out" / "members.csv").read_text() == "old"

    @pytest.mark.parametrize("format", ["csv", "parquet"])
    def test_the_next_table_is_written_beside_the_long_one(
        self, data: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, format: str
    ) -> None:
        # The members' file is written (and fsynced) while the observations' is still being
        # written, not after it: the long table's write waits here until the members' starts.
        import threading

        import klaster.exports.tidy as tidy

        program, obs, _ = data
        real = tidy._write_one
        members_started = threading.Event()

        def write(path: Path, frame: Any, format: str, style: Any) -> None:
            if path.stem == "members":
                members_started.set()
            elif path.stem == "observations":
                assert members_started.wait(timeout=10), "members written after observations"
            real(path, frame, format, style)

        monkeypatch.setattr(tidy, "_write_one", write)
        done = write_tidy(
            program, obs, tmp_path / "out", format=format, secret=SECRET,
            tables=("members", "observations"),
        )  # fmt: skip
        assert [f.table for f in done.files] == ["members", "observations"]
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
            f"members.{format}", f"observations.{format}"
        ]  # fmt: skip

    @pytest.mark.parametrize("format", ["csv", "parquet"])
    def test_nothing_written_when_building_fails_during_a_write(
        self, data: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, format: str
    ) -> None:
        # The observations table is written by the writer thread while members are built.
        import klaster.exports.frames as frames_module

        program, obs, _ = data

        def failing(*args: Any, **kw: Any) -> Any:
            raise KlasterError("members: cannot be made")

        monkeypatch.setattr(frames_module, "members", failing)
        with pytest.raises(KlasterError, match="cannot be made"):
            write_tidy(program, obs, tmp_path / "out", format=format, secret=SECRET)
        assert list(tmp_path.iterdir()) == []

    @pytest.mark.parametrize("format", ["csv", "parquet"])
    def test_an_os_error_in_the_writer_is_a_document_error(
        self, data: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, format: str
    ) -> None:
        import os

        program, obs, _ = data

        def failing(fd: int) -> None:  # every file is fsynced: a full disk shows here
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "fsync", failing)
        with pytest.raises(DocumentError, match="No space left"):
            write_tidy(program, obs, tmp_path / "out", format=format, secret=SECRET)
        assert list(tmp_path.iterdir()) == []

    def test_written_in_scratch_the_same_bytes(self, tmp_path: Path) -> None:
        import polars as pl

        from klaster.documents.csvfile import PLAIN, write_frame

        frame = pl.DataFrame({"=x": ["=cmd", "-1", "", None, "ok"], "n": [1.5, -2, 3, 4, 5]})
        for style in (PLAIN, EXCEL_ID):
            write_frame(tmp_path / "a.csv", frame, style=style)
            write_frame(tmp_path / "b.csv", frame, style=style, in_scratch=True)
            assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
        assert b"'=cmd" in (tmp_path / "b.csv").read_bytes()

    def test_refusals(self, data: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        program, obs, _ = data
        monkeypatch.delenv(SECRET_ENV, raising=False)
        with pytest.raises(KlasterError, match="none was given"):
            write_tidy(program, obs, tmp_path / "out")
        with pytest.raises(KlasterError, match="did you mean 'parquet'"):
            write_tidy(program, obs, tmp_path / "out", secret=SECRET, format="parquett")
        with pytest.raises(KlasterError, match=r"tables\[0\]: unknown table 'member'"):
            write_tidy(program, obs, tmp_path / "out", secret=SECRET, tables=["member"])
        (tmp_path / "file").write_text("x")
        with pytest.raises(DocumentError, match="a file is there"):
            write_tidy(program, obs, tmp_path / "file", secret=SECRET)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]

    def test_tables_and_figures(self, data: Any, tmp_path: Path) -> None:
        program, obs, _ = data
        from klaster.measurement import Measurement

        results = Measurement(program, obs).report(["members"])
        done = write_tidy(program, obs, tmp_path / "out", results=results, secret=SECRET,
                          tables=["figures", "members"])  # fmt: skip
        assert [f.table for f in done.files] == ["members", "figures"]
        assert set(TABLES) >= {f.table for f in done.files}
        with (tmp_path / "out" / "figures.csv").open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert {r["indicator"] for r in rows} == {"members"}
        assert rows[0]["value"] != ""


def _number(cell: str) -> bool:
    try:
        return Decimal(cell).is_finite()
    except ArithmeticError:
        return False
