"""Loading a store's program: the column-wise read vs the row-by-row read (issue 18).

    python bench/load_program.py --store /tmp/h2/s100k.klaster --repeat 3

Each run is a fresh process timing ``Store.open(path)`` then ``load_program()`` (what
``klaster report`` does first; imports not counted). ``--path rows`` runs the row-by-row read
(every cluster loaded through the records' constructors, as before issue 18), ``--path
columns`` the code as it is (with ``PYTHONPATH`` at another checkout's ``src``: that one's
read); the default runs both, alternating, and prints the best of ``--repeat`` of each and the
ratio; ``--verify`` then checks that both give the same program.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

_CHILD = """
import sys, time
from klaster.store import Store
if sys.argv[2] == "rows":
    from klaster.store import _cluster_columns
    _cluster_columns.filled = lambda *args: None  # every cluster loaded row by row
start = time.perf_counter()
with Store.open(sys.argv[1], readonly=True) as store:
    program = store.load_program()
print(time.perf_counter() - start, sum(len(c.members) for c in program.clusters))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--path", choices=["columns", "rows", "both"], default="both")
    parser.add_argument("--verify", action="store_true", help="check both give one program")
    args = parser.parse_args()
    paths = ["columns", "rows"] if args.path == "both" else [args.path]
    best = dict.fromkeys(paths, float("inf"))
    members = 0
    for _ in range(args.repeat):
        for path in paths:
            out = subprocess.run(
                [sys.executable, "-c", _CHILD, args.store, path],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()
            best[path] = min(best[path], float(out[0]))
            members = int(out[1])
    print(f"members: {members}")
    for path, seconds in best.items():
        print(f"{path:8} {seconds:8.2f} s  (Store.open + load_program; best of {args.repeat})")
    if len(paths) == 2:
        print(f"ratio    {best['rows'] / best['columns']:8.2f}x")
    if args.verify:
        _verify(args.store)


def _verify(path: str) -> None:
    from klaster.store import Store, _cluster_columns

    with Store.open(path, readonly=True) as store:
        start = time.perf_counter()
        fast = store.load_program()
        filled = _cluster_columns.filled
        _cluster_columns.filled = lambda *args: None
        try:
            slow = store.load_program()
        finally:
            _cluster_columns.filled = filled
    equal = fast == slow
    print(f"same program: {equal} ({time.perf_counter() - start:.1f} s)")
    if not equal:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
