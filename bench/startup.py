"""Start-up: what a klaster process pays before it reads anything (issue 18).

Fresh processes, best of ``--repeat`` (after one untimed run that fills the compiled-file cache:
this machine sets ``PYTHONDONTWRITEBYTECODE``, so the files are cached under
``PYTHONPYCACHEPREFIX``):

- ``python -c pass``: the interpreter alone;
- ``import klaster``;
- ``klaster --version``;
- ``Store.open(STORE, readonly=True)`` and ``close()``;
- ``klaster report STORE --indicator members income_per_capita income_change_pct
  poverty_headcount --by cluster,sector --format csv --output FILE`` (the store benchmark's
  command, on a small store: start-up is most of it).

``--against SRC`` times the same commands with ``PYTHONPATH=SRC`` too (a checkout's ``src``, e.g.
``git archive HEAD src | tar -x -C DIR``), alternating run by run so that both see the same
machine load; ``--against-store`` gives that tree its own store (one of an older schema).
Without ``--store``, the two store commands run on a store made of the Bantaeng example.

    python bench/startup.py --store /tmp/h2/s2k.klaster --repeat 10
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INDICATORS = ("members", "income_per_capita", "income_change_pct", "poverty_headcount")


def commands(store: Path, output: Path) -> dict[str, list[str]]:
    """Each timed command line, by name."""
    py = sys.executable
    opened = f"import klaster; klaster.Store.open({str(store)!r}, readonly=True).close()"
    report = ["report", str(store), "--indicator", *INDICATORS, "--by", "cluster,sector"]
    return {
        "python -c pass": [py, "-c", "pass"],
        "import klaster": [py, "-c", "import klaster"],
        "klaster --version": [py, "-m", "klaster", "--version"],
        "Store.open": [py, "-c", opened],
        "klaster report (csv)": [
            py,
            "-m",
            "klaster",
            *report,
            "--format",
            "csv",
            "--output",
            str(output),
        ],
    }


def run_once(command: list[str], env: dict[str, str]) -> float:
    """Seconds from start to exit of one process (which must succeed)."""
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return elapsed


def example_store(folder: Path) -> Path:
    """A store of the Bantaeng example program and its observations."""
    import klaster
    from klaster import observations

    data = ROOT / "examples" / "data"
    program = klaster.load(data / "bantaeng.json")
    catalogue = observations.variable_catalogue()
    values = observations.load(data / "bantaeng.observations.jsonl", program, catalogue)
    path = folder / "bantaeng.klaster"
    klaster.Store.create(path, program, observations=values).close()
    return path


def main() -> None:
    """Time the commands and print a table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, help="a store (default: the Bantaeng example's)")
    parser.add_argument("--repeat", type=int, default=10, help="timed runs of each (best of)")
    parser.add_argument("--against", type=Path, help="another tree's src to time beside")
    parser.add_argument("--against-store", type=Path, help="the store the other tree reads")
    parser.add_argument("--pycache", default="/tmp/klaster-bench-pycache")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        store = args.store or example_store(folder)
        env = {**os.environ, "PYTHONPYCACHEPREFIX": args.pycache}
        trees = {"this tree": (env, commands(store, folder / "this.csv"))}
        if args.against is not None:
            other = {**env, "PYTHONPATH": str(args.against.resolve())}
            other_store = args.against_store or store
            trees["against"] = (other, commands(other_store, folder / "other.csv"))
        uptime = [os.getloadavg()[0]]
        best: dict[str, dict[str, float]] = {tree: {} for tree in trees}
        for name in trees["this tree"][1]:
            for tree_env, lines in trees.values():
                run_once(lines[name], tree_env)  # fills the compiled-file cache
            for _ in range(args.repeat):
                for tree, (tree_env, lines) in trees.items():
                    took = run_once(lines[name], tree_env) * 1000
                    best[tree][name] = min(best[tree].get(name, took), took)
        uptime.append(os.getloadavg()[0])
    figures = {"load": uptime, "repeat": args.repeat, "ms": best}
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    load = f"load average {uptime[0]:.2f} → {uptime[1]:.2f}"
    print(f"best of {args.repeat} fresh processes (ms); {load}")
    header = " | ".join(trees)
    print(f"| command | {header} |" + (" ratio |" if len(trees) == 2 else ""))
    for name in best["this tree"]:
        cells = " | ".join(f"{best[tree][name]:.0f}" for tree in trees)
        ratio = ""
        if len(trees) == 2:
            ratio = f" {best['this tree'][name] / best['against'][name]:.2f}× |"
        print(f"| {name} | {cells} |{ratio}")


if __name__ == "__main__":
    main()
