"""A second process for the store tests: applies one large import batch, saying where it is.

Usage: ``python _worker.py STORE ROWS MEMBERS HOLD``. Prints ``ready`` just before the import,
``inside`` at its first progress report (then holds the write lock ``HOLD`` seconds) and
``done <seconds>`` after the commit. The batch is fixed: submissions ``obs-<i>`` record
``household_size`` and ``monthly_income`` for members ``M-<i>``, and ``new-<i>`` register
members ``N-<i>``.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from decimal import Decimal

from klaster import Member
from klaster.importing.batch import ImportBatch, NewMember, ObservationBlock
from klaster.store import Store, _import_values


def batch(rows: int, members: int) -> ImportBatch:
    """The worker's import: ``rows`` observation rows and ``members`` new members."""
    joined = dt.date(2012, 1, 2)
    new = [
        NewMember(f"new-{i}", "btg", Member(f"N-{i:06d}", f"Baru {i}", "male", 3, "Baruga",
                                            "umkm", joined), None, f"registrasi.csv row {i + 2}")
        for i in range(members)
    ]  # fmt: skip
    block = ObservationBlock(
        "bl",
        [f"obs-{i}" for i in range(rows)],
        [f"M-{i:06d}" for i in range(rows)],
        range(2, rows + 2),
        {
            "household_size": [1 + i % 9 for i in range(rows)],
            "monthly_income": [Decimal(100_000 + i) for i in range(rows)],
        },
        "survey.csv",
    )
    return ImportBatch("survey.csv", members=new, blocks=[block])


def main(argv: list[str]) -> int:
    path, rows, members, hold = argv[1], int(argv[2]), int(argv[3]), float(argv[4])
    _import_values._CHUNK = 500  # many small steps: many places to be killed at
    work = batch(rows, members)
    held = False

    def progress(done: int, total: int) -> None:
        nonlocal held
        if not held:
            held = True
            print("inside", flush=True)
            time.sleep(hold)

    with Store.open(path, timeout=30) as store:
        print("ready", flush=True)
        start = time.perf_counter()
        store.apply_import(work, progress=progress)
        print(f"done {time.perf_counter() - start:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
