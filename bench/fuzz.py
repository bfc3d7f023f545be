"""Fuzz campaign: the generators of the fuzz suite (``tests/fuzz/inputs.py``), at depth.

Every public reader gets ``--per-reader`` inputs (mutated seeds and inputs from scratch), each in
its own time budget (``--timeout`` seconds, by ``signal.setitimer``). Per reader it reports the
inputs tried, results, ``KlasterError``\\ s, escapes (any other exception or a timeout) and inputs
over 2 s; the first escapes of each reader are saved to ``--out`` (the input, and a ``.txt`` with
the traceback and the seed that reproduces it). Exit status 1 if anything escaped or ran over 2 s.

Run it from the repository root::

    python bench/fuzz.py                     # 8 readers x 6,250 inputs = 50,000
    python bench/fuzz.py --per-reader 200    # a quick look
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fuzz import inputs  # noqa: E402

from klaster import KlasterError  # noqa: E402

SLOW = 2.0  # seconds: an input over this is reported
SAVED = 5  # reproducers saved per reader


class Timeout(BaseException):
    """An input ran past its budget (a BaseException, so no reader's ``except`` swallows it)."""


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise Timeout


def _chunk(task: tuple[str, int, int, float, str]) -> dict[str, Any]:
    reader, start, count, budget, out = task
    signal.signal(signal.SIGALRM, _alarm)
    tally: dict[str, Any] = {"tried": 0, "results": 0, "errors": 0, "escapes": 0, "slow": 0}
    tally.update(slowest=0.0, kinds={}, saved=[])
    with tempfile.TemporaryDirectory() as folder:
        for seed in range(start, start + count):
            rng = random.Random(f"{reader}:{seed}")
            data = inputs.generate(reader, rng)
            tally["tried"] += 1
            began = time.perf_counter()
            problem: str | None = None
            signal.setitimer(signal.ITIMER_REAL, budget)
            try:
                inputs.run(reader, data, Path(folder), rng)
                tally["results"] += 1
            except KlasterError:
                tally["errors"] += 1
            except Timeout:
                problem = f"Timeout: over {budget} s"
            except Exception as exc:
                problem = f"{type(exc).__name__}: {traceback.format_exc()}"
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            elapsed = time.perf_counter() - began
            tally["slowest"] = max(tally["slowest"], elapsed)
            if elapsed > SLOW:
                tally["slow"] += 1
                problem = problem or f"Slow: {elapsed:.2f} s"
            if problem is not None:
                if not problem.startswith("Slow"):
                    tally["escapes"] += 1
                kind = problem.split(":", 1)[0]
                tally["kinds"][kind] = tally["kinds"].get(kind, 0) + 1
                if len(tally["saved"]) < SAVED:
                    name = Path(out) / f"{reader}-{seed}"
                    name.with_suffix(".bin").write_bytes(data)
                    name.with_suffix(".txt").write_text(
                        f"reader {reader}, seed {seed}: random.Random('{reader}:{seed}')\n"
                        f"{elapsed:.2f} s\n{problem}\n",
                        encoding="utf-8",
                    )
                    tally["saved"].append(str(name.with_suffix(".bin")))
    return {"reader": reader, **tally}


def main() -> int:
    """Run the campaign and print the table (and ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-reader", type=int, default=6_250)
    parser.add_argument("--readers", nargs="*", default=inputs.READERS, choices=inputs.READERS)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per input")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=250)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "fuzz-findings")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON too")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    tasks = [
        (reader, start, min(args.chunk, args.per_reader - start), args.timeout, str(args.out))
        for reader in args.readers
        for start in range(0, args.per_reader, args.chunk)
    ]
    began = time.perf_counter()
    totals: dict[str, dict[str, Any]] = {}
    with multiprocessing.Pool(args.jobs, maxtasksperchild=4) as pool:
        for part in pool.imap_unordered(_chunk, tasks):
            found = totals.setdefault(part["reader"], {"kinds": {}, "saved": [], "slowest": 0.0})
            for key in ("tried", "results", "errors", "escapes", "slow"):
                found[key] = found.get(key, 0) + part[key]
            found["slowest"] = max(found["slowest"], part["slowest"])
            for kind, n in part["kinds"].items():
                found["kinds"][kind] = found["kinds"].get(kind, 0) + n
            found["saved"] += part["saved"]
    wall = time.perf_counter() - began
    head = f"{'reader':<9}{'inputs':>8}{'results':>9}{'errors':>8}{'escapes':>9}{'> 2 s':>7}"
    print(head + f"{'slowest':>10}")
    for reader in args.readers:
        t = totals[reader]
        print(
            f"{reader:<9}{t['tried']:>8,}{t['results']:>9,}{t['errors']:>8,}{t['escapes']:>9,}"
            f"{t['slow']:>7,}{t['slowest']:>9.2f}s"
        )
        for kind, n in sorted(t["kinds"].items()):
            print(f"    {kind}: {n}")
        for saved in t["saved"][:SAVED]:
            print(f"    reproducer: {saved}")
    tried = sum(t["tried"] for t in totals.values())
    escapes = sum(t["escapes"] for t in totals.values())
    slow = sum(t["slow"] for t in totals.values())
    print(f"total: {tried:,} inputs, {escapes} escapes, {slow} over 2 s, in {wall:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"wall_s": wall, "readers": totals}, indent=2) + "\n")
    return 1 if escapes or slow else 0


if __name__ == "__main__":
    sys.exit(main())
