"""Benchmark: reading an observations sidecar (``klaster.observations.load``) into memory.

Usage::

    python bench/sidecar_read.py --files P.json P.observations.jsonl --repeat 3
    python bench/sidecar_read.py --files P.json P.observations.jsonl --only monthly_income \
        household_size            # what ``klaster report`` reads for its four figures

The program document is read once (not timed); then the sidecar is read ``--repeat`` times in
the same process, each read building new observations from the file's bytes (the same work
every time: nothing is cached between reads), and the best time is kept. Write the files with
``bench/report_files.py --keep DIR`` (the measurement benchmark's synthetic program).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

try:
    import klaster
except ImportError:  # run from a checkout without installing: make `src` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import klaster
from klaster import observations


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--files", nargs=2, metavar=("PROGRAM.json", "SIDECAR.jsonl"), required=True
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--only", nargs="+", metavar="CODE", help="read only these variables (load(only=...))"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    program = klaster.load(args.files[0])
    program_s = time.perf_counter() - started
    times = []
    count = 0
    for _ in range(args.repeat):
        gc.collect()
        started = time.perf_counter()
        loaded = observations.load(
            args.files[1], program, observations.variable_catalogue(), only=args.only
        )
        times.append(time.perf_counter() - started)
        count = sum(1 for _ in loaded.rounds())
        del loaded
    figures = {
        "program_s": program_s,
        "sidecar_s": times,
        "best_s": min(times),
        "rounds": count,
        "only": args.only,
    }
    if args.json:
        print(json.dumps(figures))
    else:
        runs = ", ".join(f"{t:.2f}" for t in times)
        print(
            f"program {program_s:.2f} s; sidecar best {min(times):.2f} s ({runs}); {count} rounds"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
