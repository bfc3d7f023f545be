"""Benchmark: import training attendance into a store, against a plain sqlite3.executemany.

Usage::

    python bench/attendance.py                   # 1,000,000 attendance rows
    python bench/attendance.py --rows 100000 --repeat 3
    python bench/attendance.py --json            # machine-readable figures on stdout

The data (fixed seed): a program of 10,000 UMKM members in one cluster (``bench/_kobo_data.py``)
and ``rows / 100`` held trainings with 100 participants each (members drawn without repeats in a
training, 85% attended), either as an :class:`~klaster.importing.ImportBatch` in memory or as a
KoboToolbox-style ``;`` CSV export (one submission per training) with its ``peserta`` repeat
group in a second CSV (one row per participant). Building the program, the batch, the files and
the store is not timed.

What is timed (each the best of ``--repeat`` interleaved runs, each on a fresh copy of the same
new store):

* ``apply`` (a): ``Store.apply_import`` of the batch already in memory (one transaction: every
  activity and participant checked against the stored program, rows written, submissions
  logged), against ``executemany``: the same activity rows and attendance rows (activity ID,
  position, kind, participant ID, attended, role) into tables with the store's columns and
  keys, with the store's pragmas, in one transaction;
* ``file`` (b): the user's path, ``read_submissions`` of the two CSV files through the mapping
  then ``Store.apply_import``, against ``csv.reader`` over the same two files and the same
  ``executemany``.

Checked in the same run: the store and the reference hold the same number of activities, of
attendance rows and of attendees.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import random
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/attendance.py`: make `src` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._kobo_data import program as members_program

from klaster.importing import ImportBatch, parse_mapping, read_submissions
from klaster.importing.batch import NewActivity
from klaster.model.activity import Activity, Participant
from klaster.store import Store

MEMBERS = 10_000
PER_TRAINING = 100
Checksum = tuple[int, int, int]  # activities, attendance rows, attendees
_TABLES = """
CREATE TABLE activities (
    id TEXT PRIMARY KEY NOT NULL, position INTEGER NOT NULL UNIQUE, kind TEXT NOT NULL,
    title TEXT NOT NULL, status TEXT NOT NULL, cluster_id TEXT, planned_on TEXT, held_on TEXT,
    sector TEXT, village TEXT, venue TEXT, organiser_ids TEXT NOT NULL DEFAULT '[]',
    facilitator_ids TEXT NOT NULL DEFAULT '[]', topics TEXT NOT NULL DEFAULT '[]',
    headcount INTEGER, milestone TEXT, note TEXT
);
CREATE TABLE activity_participants (
    activity_id TEXT NOT NULL, position INTEGER NOT NULL, kind TEXT NOT NULL,
    participant_id TEXT NOT NULL, attended INTEGER, role TEXT,
    PRIMARY KEY (activity_id, position)
) WITHOUT ROWID;
"""
MAPPING = """\
mapping_version = 1
form = "activity"

[source]
delimiter = ";"

[cluster]
id = "k000"

[fields]
id = "pelatihan/kode"
title = "pelatihan/judul"
kind = { value = "training" }
held_on = "pelatihan/tanggal"
village = "pelatihan/desa"
organiser_ids = "pelatihan/penyelenggara"

[[repeats]]
name = "peserta"
file = "pelatihan-peserta.csv"

[repeats.fields]
kind = "peserta/jenis"
id = "peserta/id_peserta"

[repeats.fields.attended]
column = "peserta/hadir"
values = { hadir = true, absen = false }
"""


def trainings(rows: int, seed: int = 17) -> list[tuple[str, str, list[tuple[str, bool]]]]:
    """(ID, held on, [(member ID, attended)]) of ``rows / 100`` trainings."""
    rng = random.Random(seed)
    members = [f"k000-{m:05d}" for m in range(MEMBERS)]
    found = []
    for t in range(rows // PER_TRAINING):
        day = f"2013-{1 + t % 12:02d}-{1 + t % 28:02d}"
        chosen = rng.sample(members, PER_TRAINING)
        found.append((f"lat-{t:06d}", day, [(m, rng.random() < 0.85) for m in chosen]))
    return found


def batch(data: list[tuple[str, str, list[tuple[str, bool]]]]) -> ImportBatch:
    """The import batch a reader would make of the trainings."""
    return ImportBatch(
        "pelatihan.csv",
        activities=[
            NewActivity(
                f"uuid-{tid}",
                Activity(
                    tid,
                    "training",
                    "Pelatihan pembukuan",
                    "held",
                    cluster_id="k000",
                    held_on=day,
                    village="Letta",
                    organiser_ids=["dd"],
                    participants=[Participant("member", m, a) for m, a in people],
                ),
                f"pelatihan.csv row {row}",
            )
            for row, (tid, day, people) in enumerate(data, start=2)
        ],
    )


def write_export(folder: Path, data: list[tuple[str, str, list[tuple[str, bool]]]]) -> Path:
    """The Kobo ``;`` CSV export: the trainings and their ``peserta`` repeat rows."""
    main, repeat = folder / "pelatihan.csv", folder / "pelatihan-peserta.csv"
    with (
        main.open("w", encoding="utf-8", newline="") as m,
        repeat.open("w", encoding="utf-8", newline="") as r,
    ):
        mw = csv.writer(m, delimiter=";", quoting=csv.QUOTE_ALL)
        rw = csv.writer(r, delimiter=";", quoting=csv.QUOTE_ALL)
        mw.writerow(["pelatihan/kode", "pelatihan/judul", "pelatihan/tanggal", "pelatihan/desa",
                     "pelatihan/penyelenggara", "_id", "_uuid", "_submission_time",
                     "_index"])  # fmt: skip
        rw.writerow(["peserta/jenis", "peserta/id_peserta", "peserta/hadir", "_index",
                     "_parent_table_name", "_parent_index", "_submission__id",
                     "_submission__uuid"])  # fmt: skip
        index = 0
        for n, (tid, day, people) in enumerate(data, start=1):
            uuid = f"uuid-{tid}"
            mw.writerow([tid, "Pelatihan pembukuan", day, "Letta", "dd", n, uuid,
                         f"{day}T17:00:00", n])  # fmt: skip
            for member, attended in people:
                index += 1
                rw.writerow(["mitra", member, "hadir" if attended else "absen", index,
                             "pelatihan", n, n, uuid])  # fmt: skip
    return main


def _reference_db(path: Path) -> sqlite3.Connection:
    Path(path).unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA cache_size = -65536")
    conn.execute("PRAGMA foreign_keys = ON")
    for statement in _TABLES.split(";"):
        if statement.strip():
            conn.execute(statement)
    return conn


def _reference_insert(
    conn: sqlite3.Connection,
    activities: list[tuple[Any, ...]],
    participants: Iterator[tuple[Any, ...]],
) -> Checksum:
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO activities (id, position, kind, title, status, cluster_id, "
                     "held_on, village, organiser_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     activities)  # fmt: skip
    conn.executemany("INSERT INTO activity_participants VALUES (?, ?, ?, ?, ?, ?)", participants)
    conn.execute("COMMIT")
    found = _checksum(conn)
    conn.close()
    return found


def reference_memory(path: Path, data: list[tuple[str, str, list[tuple[str, bool]]]]) -> Checksum:
    """executemany of the rows, made from plain tuples in memory."""
    conn = _reference_db(path)
    acts = [(tid, i, "training", "Pelatihan pembukuan", "held", "k000", day, "Letta", '["dd"]')
            for i, (tid, day, _) in enumerate(data)]  # fmt: skip
    rows = (
        (tid, p, "member", m, int(a), None)
        for tid, _, people in data
        for p, (m, a) in enumerate(people)
    )
    return _reference_insert(conn, acts, rows)


def reference_file(path: Path, main: Path) -> Checksum:
    """csv.reader over both files + executemany."""
    conn = _reference_db(path)
    with main.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)
        parents = {}
        acts = []
        for i, row in enumerate(reader):
            parents[row[8]] = row[0]
            acts.append((row[0], i, "training", row[1], "held", "k000", row[2], row[3],
                         json.dumps(row[4].split())))  # fmt: skip
    repeat = main.with_name("pelatihan-peserta.csv")
    with repeat.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)
        positions: dict[str, int] = {}

        def rows() -> Iterator[tuple[Any, ...]]:
            for row in reader:
                tid = parents[row[5]]
                p = positions.get(tid, 0)
                positions[tid] = p + 1
                yield tid, p, "member", row[1], 1 if row[2] == "hadir" else 0, None

        return _reference_insert(conn, acts, rows())


def _checksum(conn: sqlite3.Connection) -> Checksum:
    acts = conn.execute("SELECT count(*) FROM activities").fetchone()[0]
    rows, attended = conn.execute(
        "SELECT count(*), coalesce(sum(attended), 0) FROM activity_participants"
    ).fetchone()
    return acts, rows, attended


def _copy(base: Path, run: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{run}{suffix}").unlink(missing_ok=True)
        if Path(f"{base}{suffix}").exists():
            shutil.copyfile(f"{base}{suffix}", f"{run}{suffix}")


def library_memory(base: Path, run: Path, items: ImportBatch) -> Checksum:
    """Store.apply_import of the batch in memory."""
    _copy(base, run)
    with Store.open(run) as store:
        summary = store.apply_import(items)
    assert summary.activities_added == len(items.activities)
    return _store_checksum(run)


def library_file(base: Path, run: Path, main: Path, prog: Any) -> Checksum:
    """read_submissions of the export + Store.apply_import."""
    _copy(base, run)
    with Store.open(run) as store:
        items = read_submissions(main, parse_mapping(MAPPING), program=prog)
        store.apply_import(items)
    return _store_checksum(run)


def _store_checksum(path: Path) -> Checksum:
    conn = sqlite3.connect(path)
    try:
        return _checksum(conn)
    finally:
        conn.close()


def timed(action: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall-clock and CPU seconds of ``action``, and its result."""
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - started, time.process_time() - cpu, result


def run(rows: int, repeat: int, folder: Path, with_file: bool) -> dict[str, Any]:
    started = time.perf_counter()
    prog = members_program(MEMBERS)
    data = trainings(rows)
    items = batch(data)
    main = write_export(folder, data)
    base = folder / "base.db"
    Store.create(base, prog).close()
    setup = time.perf_counter() - started
    actions: dict[str, Callable[[], Checksum]] = {
        "apply_reference": lambda: reference_memory(folder / "ref.db", data),
        "apply_library": lambda: library_memory(base, folder / "run.db", items),
    }
    if with_file:
        actions["file_reference"] = lambda: reference_file(folder / "ref.db", main)
        actions["file_library"] = lambda: library_file(base, folder / "run.db", main, prog)
    runs: dict[str, list[float]] = {k: [] for k in actions}
    cpu: dict[str, list[float]] = {k: [] for k in actions}
    sums: dict[str, Checksum] = {}
    for _ in range(repeat):  # interleaved, best of --repeat each
        for name, action in actions.items():
            elapsed, used, sums[name] = timed(action)
            runs[name].append(elapsed)
            cpu[name].append(used)
    expected = sums["apply_reference"]
    assert expected[1] == (rows // PER_TRAINING) * PER_TRAINING
    assert all(found == expected for found in sums.values()), sums
    best = {k: min(v) for k, v in runs.items()}
    best_cpu = {k: min(v) for k, v in cpu.items()}
    figures: dict[str, Any] = {
        "rows": expected[1],
        "activities": expected[0],
        "attended": expected[2],
        "setup_s": round(setup, 1),
    }
    for part in ("apply", "file") if with_file else ("apply",):
        ref, lib = best[f"{part}_reference"], best[f"{part}_library"]
        figures[f"{part}_reference_s"] = round(ref, 3)
        figures[f"{part}_library_s"] = round(lib, 3)
        figures[f"{part}_ratio"] = round(lib / ref, 2)
        figures[f"{part}_cpu_ratio"] = round(
            best_cpu[f"{part}_library"] / best_cpu[f"{part}_reference"], 2
        )
    figures["runs"] = {k: [round(t, 3) for t in v] for k, v in runs.items()}
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    figures["agree"] = True
    return figures


def text(f: dict[str, Any]) -> str:
    lines = [
        f"{f['rows']:,} attendance rows ({f['activities']:,} trainings, {f['attended']:,} "
        f"attended); setup {f['setup_s']:.1f} s",
        f"  (a) batch in memory: executemany {f['apply_reference_s']:.3f} s, apply_import "
        f"{f['apply_library_s']:.3f} s = {f['apply_ratio']:.2f}x (CPU {f['apply_cpu_ratio']:.2f}x)",
    ]
    if "file_ratio" in f:
        lines.append(
            f"  (b) Kobo export files: csv.reader + executemany {f['file_reference_s']:.3f} s, "
            f"read_submissions + apply_import {f['file_library_s']:.3f} s = "
            f"{f['file_ratio']:.2f}x (CPU {f['file_cpu_ratio']:.2f}x)"
        )
    lines.append(
        f"  agreement: activities, rows and attendees equal; peak RSS {f['peak_rss_mb']} MB"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="attendance rows")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs; best counts")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--no-file", action="store_true", help="time (a) only, not the export")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="klaster-attendance-bench-") as folder:
        figures = run(max(args.rows, PER_TRAINING), args.repeat, Path(folder), not args.no_file)
    print(json.dumps(figures) if args.json else text(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
