"""Tidy export of 1M members with pseudonymised IDs vs writing the same frames with polars/pyarrow.

Run: ``.venv/bin/python bench/tidy_export.py [--members 1000000] [--repeat 3]``

Data: ``--members`` members in clusters of 1,000 (umkm), each surveyed at a baseline, a midline
and an endline with four variables (``monthly_income`` in whole Rupiah, ``business_running``,
``workers``, ``monthly_revenue``; about 3% of incomes missing), built through the public
constructors and ``Observations.record_columns``. Timed, best of ``--repeat`` (same run, same
machine; the repeats interleaved, each path once per repeat):

- **klaster csv / parquet**: :func:`klaster.exports.write_tidy` of the members and observations
  (long) tables: the frames built from the program and the column store, every member ID
  pseudonymised (SipHash-2-4 keyed from the secret, a column at once), every CSV cell
  neutralised, written by polars by path into a scratch folder (each file and the folder
  fsynced) while the next table is built, and moved into place. The long observations table
  is a lazy query over the columns read (decimal casts, missing values left out, one part per
  variable, the keys gathered from one value per table or unit), streamed into its file:
  ``sink_parquet`` with ``write_parquet``'s own defaults, or for CSV through the safe writer
  (which scans the text and date columns first and rewrites only those with a cell to escape).
  Each repeat also prints the CPU time (user / kernel) and minor page faults (fresh pages).
- **polars csv / parquet**: ``DataFrame.write_csv`` / ``write_parquet`` of the very frames
  the export writes (already built and pseudonymised, so the same rows and the same bytes: CSV
  with the export's ``\r\n`` line ends, Parquet with polars' default compression and
  statistics, as the export uses; in polars 2.1 ``write_parquet`` is itself
  ``frame.lazy().sink_parquet(...)`` on the streaming engine), straight to files by path;
  timed twice: as it is, and
  **durable** (each file fsynced, as the export does for its all-or-none promise).
- **pyarrow csv / parquet**: ``pyarrow.csv.write_csv`` / ``pyarrow.parquet.write_table`` of
  the same frames as Arrow tables (pyarrow quotes text, so its CSV bytes differ).

Checked in the same run: the export's CSV files are byte for byte the polars reference's, and
its Parquet files read back equal to the frames (and to the reference's files); the Parquet
files' bytes are compared too and reported (equal unless the streaming engine cut the row
groups elsewhere).
- **user path** (once): from a program document and its observations sidecar on disk to the
  written CSV files (``klaster.load``, ``observations.load``, ``write_tidy``), as ``klaster
  export tidy PROGRAM.json --out F --secret-file K`` does without the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

SECRET = b"benchmark secret, 32 bytes long!"
TABLES = ("members", "observations")


def build(members: int, seed: int = 2011) -> tuple[Any, Any]:
    """The program and its three rounds (see the module's docs)."""
    from klaster import Cluster, ClusterSector, Member, Organisation, Program, Region
    from klaster.observations import Observations, Round, variable_catalogue

    rng = random.Random(seed)
    size = min(1_000, members)
    clusters = []
    for c in range(max(1, members // size)):
        desa = [Region.desa(f"Desa {c}-{d}") for d in range(3)]
        kecamatan = Region.kecamatan(f"Kecamatan {c}", None, desa)
        region = Region.province("Sulawesi Selatan", "73", [
            Region("kabupaten", f"Kabupaten {c}", None, children=[kecamatan])
        ])  # fmt: skip
        people = [
            Member(
                f"C{c:04d}-M{m:04d}",
                f"Nama {c} {m}",
                "female" if m % 2 else "male",
                1 + m % 6,
                f"Desa {c}-{m % 3}",
                "umkm",
                dt.date(2011, 1, 3),
                "trading",
                national_id=f"{7303000000000000 + c * 10_000 + m:016d}",
                phone=f"+62 812 {c:04d} {m:04d}",
            )
            for m in range(size)
        ]
        clusters.append(Cluster(f"c{c:04d}", f"Klaster {c}", region,
                                [ClusterSector("umkm", "mm")], members=people))  # fmt: skip
    program = Program("bench", "Bench", "dd", organisations=[
        Organisation("dd", "Dompet Dhuafa", "ngo"),
        Organisation("mm", "Masyarakat Mandiri", "implementing_partner"),
    ], clusters=clusters)  # fmt: skip
    obs = Observations(program, variable_catalogue())
    for cluster in program.clusters:
        ids = [m.id for m in cluster.members]
        for r, kind in enumerate(("baseline", "midline", "endline")):
            round_id = f"{cluster.id}-{kind}"
            obs.add_round(Round(round_id, cluster.id, kind, dt.date(2011 + 2 * r, 6, 1)))
            running = [True] * len(ids)  # the umkm plugin requires workers of a running business
            income = [None if rng.random() < 0.03 else Decimal(rng.randrange(300, 5000) * 1000)
                      for _ in ids]  # fmt: skip
            revenue = [Decimal(rng.randrange(5, 90) * 100_000) for _ in ids]
            workers = [rng.randrange(1, 5) for _ in ids]
            obs.record_columns(round_id, ids, {
                "monthly_income": income, "business_running": running,
                "monthly_revenue": revenue, "workers": workers,
            })  # fmt: skip
    return program, obs


def best(repeat: int, run: Callable[[], object]) -> float:
    """The fastest of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        # The files the previous runs wrote reach the disk first (not timed): otherwise their
        # writeback lands on whichever run fsyncs next (the export and durable polars), and
        # grew from run to run (klaster csv 4.5, 8.2, 12.3 s in one run at 1M).
        os.sync()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Build, time, print a table."""
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    from klaster.exports import Pseudonymiser, tidy_tables, write_tidy

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--no-user-path", action="store_true", help="skip the document + sidecar → CSV timing"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    program, obs = build(args.members)
    print(f"built {args.members:,} members, 3 rounds in {time.perf_counter() - started:.1f} s")
    # The reference writes the export's own frames: pseudonymised, the same columns and types.
    plain = tidy_tables(program, obs, pseudonymiser=Pseudonymiser(SECRET), tables=TABLES)
    rows = {name: frame.height for name, frame in plain.items()}
    print(f"rows: {rows}", flush=True)
    scratch = Path(tempfile.mkdtemp(prefix="tidy-bench-"))

    def fresh(name: str) -> Path:
        folder = scratch / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        return folder

    def ours(fmt: str) -> Callable[[], object]:
        def run() -> object:
            folder = scratch / f"ours-{fmt}"
            shutil.rmtree(folder, ignore_errors=True)
            return write_tidy(program, obs, folder, secret=SECRET, format=fmt, tables=TABLES)

        return run

    def polars_writes(fmt: str, durable: bool = False) -> Callable[[], object]:
        def run() -> None:
            folder = fresh(f"polars-{fmt}")
            for name, frame in plain.items():
                path = folder / f"{name}.{fmt}"
                if fmt == "csv":
                    frame.write_csv(path, line_terminator="\r\n")
                else:
                    frame.write_parquet(path)
                if durable:
                    _fsync(path)
            if durable:
                _fsync(folder)

        return run

    arrow = {name: frame.to_arrow() for name, frame in plain.items()}

    def arrow_writes(fmt: str) -> Callable[[], object]:
        def run() -> None:
            folder = fresh(f"arrow-{fmt}")
            for name, table in arrow.items():
                if fmt == "csv":
                    pa_csv.write_csv(table, folder / f"{name}.csv")
                else:
                    pq.write_table(table, folder / f"{name}.parquet")

        return run

    results: dict[str, float] = {}
    every: dict[str, list[float]] = {}  # each repeat's time, in order
    used: dict[str, list[str]] = {}  # each repeat's CPU time and fresh pages (minor faults)
    for fmt in ("csv", "parquet"):
        # Interleaved: each repeat runs every path once, so a busy spell of the (shared)
        # machine slows all of them alike rather than one path's every run.
        runs = {
            f"klaster {fmt}": ours(fmt),
            f"polars {fmt}": polars_writes(fmt),
            f"durable {fmt}": polars_writes(fmt, durable=True),
            f"pyarrow {fmt}": arrow_writes(fmt),
        }
        for _ in range(args.repeat):
            for name, run in runs.items():
                before = resource.getrusage(resource.RUSAGE_SELF)
                seconds = best(1, run)
                after = resource.getrusage(resource.RUSAGE_SELF)
                results[name] = min(results.get(name, seconds), seconds)
                every.setdefault(name, []).append(seconds)
                used.setdefault(name, []).append(_used(before, after))
        _check_same(scratch, plain, fmt)
    phases = _phases(program, obs, args.repeat)
    user = {} if args.no_user_path else _user_path(program, obs, scratch)
    print(f"\nload: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    print(f"{'path':<16}{'seconds':>9}{'vs polars':>11}{'vs pyarrow':>12}")
    for fmt in ("csv", "parquet"):
        for who in ("klaster", "polars", "durable", "pyarrow"):
            seconds = results[f"{who} {fmt}"]
            vs_polars = seconds / results[f"polars {fmt}"]
            vs_arrow = seconds / results[f"pyarrow {fmt}"]
            print(f"{who + ' ' + fmt:<16}{seconds:>9.2f}{vs_polars:>10.2f}×{vs_arrow:>11.2f}×")
    for name, times in every.items():
        print(f"  {name}, every repeat: {', '.join(f'{t:.2f}' for t in times)} s")
        print(f"    user / kernel CPU, minor faults: {'; '.join(used[name])}")
    for name, seconds in phases.items():
        print(f"  {name}: {seconds:.2f} s")
    for name, seconds in user.items():
        print(f"user path, {name}: {seconds:.2f} s")
    shutil.rmtree(scratch, ignore_errors=True)


def _used(before: Any, after: Any) -> str:
    user, kernel = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    faults = after.ru_minflt - before.ru_minflt
    return f"{user:.2f} / {kernel:.2f} s, {faults / 1000:.0f}k"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _check_same(scratch: Path, frames: dict[str, Any], fmt: str) -> None:
    """The export wrote what the reference wrote: CSV byte for byte, Parquet equal frames."""
    import polars as pl

    how: dict[str, str] = {}
    for name, frame in frames.items():
        ours, theirs = (
            scratch / f"ours-{fmt}" / f"{name}.{fmt}",
            scratch / f"polars-{fmt}" / f"{name}.{fmt}",
        )
        same = _digest(ours) == _digest(theirs)
        if fmt == "parquet":  # the bytes too when the row groups fall alike (they do here)
            equal = pl.read_parquet(ours).equals(frame) and pl.read_parquet(theirs).equals(frame)
            how[name] = "byte for byte" if same else "read back equal"
            same = equal
        else:
            how[name] = "byte for byte"
        if not same:
            raise SystemExit(f"{name}.{fmt}: the export and the reference wrote different data")
    shown = ", ".join(f"{name} {way}" for name, way in how.items())
    print(f"{fmt}: the export's files equal the reference's ({shown})")


def _digest(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _phases(program: Any, obs: Any, repeat: int) -> dict[str, float]:
    import polars as pl

    from klaster.exports import Pseudonymiser, frames

    ids = pl.Series([m.id for m in program.members()], dtype=pl.String)
    return {
        "pseudonyms of every member ID (a column)": best(
            repeat, lambda: Pseudonymiser(SECRET).series(ids)
        ),
        "members frame (pseudonymised)": best(
            repeat, lambda: frames.members(program, pseudonymiser=Pseudonymiser(SECRET))
        ),
        "observations frame (long, pseudonymised)": best(
            repeat, lambda: frames.observations_long(obs, pseudonymiser=Pseudonymiser(SECRET))
        ),
    }


def _user_path(program: Any, obs: Any, scratch: Path) -> dict[str, float]:
    import klaster
    from klaster.exports import write_tidy
    from klaster.observations import load, save, variable_catalogue

    document, sidecar = scratch / "program.json", scratch / "program.observations.jsonl"
    klaster.save(program, document)
    save(obs, sidecar)
    start = time.perf_counter()
    loaded = klaster.load(document)
    observations = load(sidecar, loaded, variable_catalogue())
    read = time.perf_counter() - start
    write_tidy(loaded, observations, scratch / "user", secret=SECRET, tables=TABLES)
    total = time.perf_counter() - start
    return {"reading the document and sidecar": read, "document + sidecar → CSV files": total}


if __name__ == "__main__":
    main()
