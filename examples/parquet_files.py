"""The Bantaeng program and its survey in klaster's Parquet forms, read back and reported.

Run ``python examples/parquet_files.py [FOLDER]``: it writes into FOLDER (default: a new
temporary folder) ``bantaeng.parquet`` and ``bantaeng.observations.parquet`` (the same program
document and sidecar as the bundled JSON files, one columnar file each: what a national program
of millions of members exchanges), reads them back, checks they hold the same program and
values, and prints the income figures by sector from them. Any Parquet reader (polars, DuckDB,
Spark) reads the files too: a row per member, a row per surveyed unit and round.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import klaster
import klaster.observations
from klaster.measurement import Measurement

DATA = Path(__file__).resolve().parent / "data"
CODES = ["members", "income_per_capita", "poverty_headcount"]


def write(folder: Path) -> tuple[Path, Path]:
    """Save the bundled program and sidecar in their Parquet forms into ``folder``."""
    program = klaster.load(DATA / "bantaeng.json")
    catalogue = klaster.observations.variable_catalogue()
    survey = klaster.observations.load(DATA / "bantaeng.observations.jsonl", program, catalogue)
    program_file = folder / "bantaeng.parquet"
    sidecar = folder / "bantaeng.observations.parquet"
    klaster.save(program, program_file)
    klaster.observations.save(survey, sidecar)
    return program_file, sidecar


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else Path(tempfile.mkdtemp(prefix="klaster-pq-"))
    folder.mkdir(parents=True, exist_ok=True)
    program_file, sidecar = write(folder)
    program = klaster.load(program_file)
    catalogue = klaster.observations.variable_catalogue()
    survey = klaster.observations.load(sidecar, program, catalogue)
    assert program == klaster.load(DATA / "bantaeng.json")
    results = Measurement(program, survey, backend="auto").report(CODES, by=[("sector",)])
    for name in (program_file, sidecar):
        print(f"{name.name}: {name.stat().st_size:,} bytes")
    for row in results.rows:
        print(row.indicator, row.round_id, dict(row.by), row.value)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
