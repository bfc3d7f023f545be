"""From the bundled Kobo exports into a store: read, apply, and importing again changes nothing."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import attrs
import pytest

from klaster import ImportDataError, Program
from klaster.importing import load_mapping, read_submissions
from klaster.observations.values import Observations
from klaster.store import ImportSummary, Store

KOBO = Path(__file__).resolve().parents[2] / "examples" / "data" / "kobo"
REGISTRATION = (KOBO / "registrasi_2015.csv", KOBO / "registrasi.toml")
MONITORING_CSV = (KOBO / "monitoring_2015.csv", KOBO / "monitoring.toml")
MONITORING_XLSX = (KOBO / "monitoring_2015.xlsx", KOBO / "monitoring.toml")


def contents(path: Path) -> str:
    """A digest of every row of every table."""
    conn = sqlite3.connect(path)
    try:
        digest = hashlib.sha256()
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in sorted(tables):
            for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2"):
                digest.update(repr((table, row)).encode())
        return digest.hexdigest()
    finally:
        conn.close()


def import_file(store: Store, files: tuple[Path, Path]) -> ImportSummary:
    """What an application does: read against the stored program, skip what is stored, apply."""
    export, mapping = files
    program = store.load_program()
    batch = read_submissions(
        export,
        load_mapping(mapping),
        program=program,
        observations=store.load_observations(program=program),
        known=store.known_submissions,
    )
    return store.apply_import(batch)


class TestEndToEnd:
    def test_import_then_import_again(
        self, tmp_path: Path, program: Program, observations: Observations
    ) -> None:
        path = tmp_path / "bantaeng.db"
        with Store.create(path, program, observations=observations) as store:
            assert import_file(store, REGISTRATION).members_added == 5
            summary = import_file(store, MONITORING_CSV)
            assert (summary.rows_added, summary.submissions_skipped) == (40, 0)
            stored = store.load_program().clusters["bantaeng"]
            assert len(stored.members) == 195
            assert "BTG-0191" in stored.groups_of("BTG-0191")[0].member_ids()
            obs = store.load_observations()
            assert obs.rounds("bantaeng")[-1].id == "btg-monitoring-2015"
            assert len(obs.units("btg-monitoring-2015")) == 40
            assert obs.value("btg-monitoring-2015", "BTG-0004", "monthly_income") == 250_000
        before = contents(path)
        with Store.open(path) as store:
            # The same submissions again, in either format: all known, nothing changes.
            for files in (REGISTRATION, MONITORING_XLSX, MONITORING_CSV):
                summary = import_file(store, files)
                assert (summary.members_added, summary.rows_added, summary.values_added) == (
                    0,
                    0,
                    0,
                )
        assert contents(path) == before

    def test_a_refused_batch_writes_nothing(
        self, tmp_path: Path, program: Program, observations: Observations
    ) -> None:
        path = tmp_path / "b.db"
        with Store.create(path, program, observations=observations) as store:
            import_file(store, REGISTRATION)
        before = contents(path)
        # Read against the program as it was before the registration: the reader cannot know
        # the members exist now; the store refuses the batch whole.
        batch = read_submissions(
            REGISTRATION[0],
            load_mapping(REGISTRATION[1]),
            program=program,
            observations=observations,
        )
        renamed = attrs.evolve(
            batch,
            members=[attrs.evolve(m, submission=f"again-{m.submission}") for m in batch.members],
        )
        with Store.open(path) as store, pytest.raises(ImportDataError):
            store.apply_import(renamed)
        assert contents(path) == before
