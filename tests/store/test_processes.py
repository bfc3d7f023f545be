"""Two processes on one store: readers never see half an import, a second writer waits or gets
StoreBusyError, and an import killed at any point leaves the store as it was."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from klaster import (
    Cluster,
    ClusterSector,
    Member,
    Organisation,
    Program,
    Region,
    StoreBusyError,
    StoreError,
)
from klaster.observations import Round
from klaster.store import Store

WORKER = Path(__file__).with_name("_worker.py")
MEMBERS = 4_000  # in the store before the import
ROWS = 3_000  # observation rows the worker imports (2 values each)
NEW = 100  # members the worker registers
SUBMISSIONS = [f"obs-{i}" for i in range(ROWS)] + [f"new-{i}" for i in range(NEW)]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    region = Region.province(
        "Sulawesi Selatan", "73", [Region.kabupaten("Bantaeng", "73.03", [
            Region.kecamatan("Pajukukang", "73.03.05", [Region.desa("Baruga")])])],
    )  # fmt: skip
    members = [
        Member(f"M-{i:06d}", f"Mitra {i}", "female", 4, "Baruga", "umkm", dt.date(2011, 6, 1))
        for i in range(MEMBERS)
    ]
    cluster = Cluster("btg", "Bantaeng", region, [ClusterSector("umkm")], members=members)
    program = Program("km", "Klaster Mandiri", "dd", [Organisation("dd", "DD", "ngo")], [cluster])
    path = tmp_path_factory.mktemp("base") / "base.klaster"
    with Store.create(path, program) as store:
        store.add_round(Round("bl", "btg", "baseline", "2011-06-15"))
    return path


def copy_of(base: Path, folder: Path, name: str = "store.klaster") -> Path:
    path = folder / name
    shutil.copy(base, path)  # closed: the WAL was folded into the file
    return path


@contextlib.contextmanager
def worker(path: Path, hold: float = 0.0) -> Iterator[subprocess.Popen[str]]:
    """The worker process importing into ``path``; killed (if still running) on the way out."""
    with subprocess.Popen(
        [sys.executable, str(WORKER), str(path), str(ROWS), str(NEW), str(hold)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            yield proc
        finally:
            proc.kill()
            proc.communicate()


def expect(proc: subprocess.Popen[str], word: str) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith(word):
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"worker said {line!r}, expected {word!r}; stderr:\n{err}")
    return line


def seen(store: Store) -> tuple[int, int, int]:
    """Submissions, members and observation values the store holds of the worker's import."""
    with store.snapshot():  # one committed state: the worker may commit between two reads
        status = store.status().clusters[0]
        known = store.known_submissions(SUBMISSIONS)
    return len(known), status.members, status.observation_values


NONE = (0, MEMBERS, 0)
ALL = (ROWS + NEW, MEMBERS + NEW, 2 * ROWS)


class TestTwoProcesses:
    def test_readers_and_a_second_writer(self, base: Path, tmp_path: Path) -> None:
        path = copy_of(base, tmp_path)
        with worker(path, hold=1.5) as proc:
            expect(proc, "ready")
            expect(proc, "inside")  # the worker holds the write lock from here
            with Store.open(path, readonly=True) as reader:
                assert seen(reader) == NONE
            with Store.open(path, timeout=0.2) as writer:
                with pytest.raises(StoreBusyError) as busy:
                    writer.add_round(Round("ml", "btg", "midline", "2012-06-01"))
                assert str(path) in str(busy.value)
                assert "retry" in str(busy.value)
                assert writer.rounds() == (Round("bl", "btg", "baseline", "2011-06-15"),)
            observed = set()
            with Store.open(path, readonly=True) as reader:
                while proc.poll() is None:
                    observed.add(seen(reader))
                    time.sleep(0.01)
                observed.add(seen(reader))
            assert observed <= {NONE, ALL}  # never a part of the import
            assert ALL in observed
            expect(proc, "done")
        with Store.open(path) as store:
            store.integrity_check()
            assert seen(store) == ALL

    def test_a_patient_writer_waits(self, base: Path, tmp_path: Path) -> None:
        path = copy_of(base, tmp_path)
        with worker(path, hold=1.0) as proc:
            expect(proc, "ready")
            expect(proc, "inside")
            with Store.open(path, timeout=30) as writer:
                writer.add_round(Round("ml", "btg", "midline", "2012-06-01"))  # waits
                assert seen(writer) == ALL  # it got the lock only after the import committed
            expect(proc, "done")
        with Store.open(path) as store:
            store.integrity_check()
            assert [r.id for r in store.rounds()] == ["bl", "ml"]


class TestSnapshot:
    def test_reads_inside_see_one_state(self, base: Path, tmp_path: Path) -> None:
        path = copy_of(base, tmp_path)
        with Store.open(path) as reader, Store.open(path) as writer:
            with reader.snapshot():
                before = reader.rounds()
                writer.add_round(Round("ml", "btg", "midline", "2012-06-01"))  # commits
                assert reader.rounds() == before
                assert [c.rounds for c in reader.status().clusters] == [1]
            assert [r.id for r in reader.rounds()] == ["bl", "ml"]

    def test_no_writes_or_nesting_inside(self, base: Path, tmp_path: Path) -> None:
        path = copy_of(base, tmp_path)
        with Store.open(path) as store, store.snapshot():
            with pytest.raises(StoreError, match="inside snapshot"):
                store.add_round(Round("ml", "btg", "midline", "2012-06-01"))
            with pytest.raises(StoreError, match="already open"), store.snapshot():
                pass  # pragma: no cover
        with Store.open(path) as store:
            assert [r.id for r in store.rounds()] == ["bl"]


class TestKilledImport:
    def test_sigkill_at_random_points(self, base: Path, tmp_path: Path) -> None:
        # How long an import takes here, to spread the kills over it.
        with worker(copy_of(base, tmp_path, "calibration.klaster")) as proc:
            expect(proc, "ready")
            expect(proc, "inside")
            duration = float(expect(proc, "done").split()[1])
        rng = random.Random(20140306)
        outcomes = []
        for trial in range(6):
            path = copy_of(base, tmp_path, f"trial-{trial}.klaster")
            with worker(path) as proc:
                expect(proc, "ready")
                time.sleep(rng.uniform(0, duration * 1.3))
                proc.kill()  # SIGKILL: no cleanup of any kind
            with Store.open(path) as store:
                store.integrity_check()
                found = seen(store)
            assert found in (NONE, ALL), f"trial {trial}: a part of the import survived: {found}"
            outcomes.append(found == ALL)
        assert not all(outcomes), "every kill came too late to test anything"
