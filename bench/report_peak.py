"""Benchmark: the peak memory of the full ``klaster report`` on the paths a user takes.

Usage::

    python bench/report_peak.py --store S.klaster --files FOLDER   # inputs written before
    python bench/report_peak.py --members 10000                    # build them (not timed)
    python bench/report_peak.py --with-json --json

The inputs are the measurement benchmark's synthetic program (``bench/_measurement_data.py``):
a store (``bench/report_store.py``'s, or ``--store``) and its program document and sidecar in
the Parquet forms, and with ``--with-json`` the JSON forms too (``bench/report_files.py``'s, or
``--files``: a folder holding ``program.parquet``, ``program.observations.parquet``,
``program.json`` and ``program.observations.jsonl``). Each contender is the ``klaster`` console
command in a fresh process, the whole report (every indicator, the total and by cluster: 104,106
figures at 1M members), ``--repeat`` times:

* ``store_csv`` and ``store_md``: ``klaster report STORE --format csv|md --output FILE``;
* ``parquet_csv`` and ``parquet_md``: ``klaster report program.parquet --observations
  program.observations.parquet ...``;
* ``json_csv`` and ``json_md`` (``--with-json``): from the JSON program and JSON-lines sidecar.

Measured per contender: the largest peak resident size of its runs (``os.wait4``'s
``ru_maxrss``, the process's high-water mark) and its best time. The goal (issue 18): the
1M-member report's peak ≤ 2 GB (2,000,000,000 bytes), shown beside each peak as a ratio.
Checked in the same run: every CSV is the same bytes, whichever input it was made from.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/report_peak.py`: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.report_files import ENV

GOAL_BYTES = 2_000_000_000
SOURCES = {
    "store": ("program.klaster", None),
    "parquet": ("program.parquet", "program.observations.parquet"),
    "json": ("program.json", "program.observations.jsonl"),
}


def measured(command: list[str]) -> tuple[float, int]:
    """Seconds until the process exits, and its peak resident bytes (Linux: KiB × 1024)."""
    start = time.perf_counter()
    process = subprocess.Popen(  # (wait4: this child's own peak, not every child's so far)
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    errors = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(command)} failed:\n{errors}")
    return seconds, usage.ru_maxrss * 1024


def prepare(members: int, folder: Path, store: Path | None, files: Path | None) -> None:
    """The inputs in ``folder``: linked when given, else built (not timed)."""
    if store is not None:
        os.symlink(store.resolve(), folder / "program.klaster")
    if files is not None:
        for name in ("parquet", "json"):
            for part in SOURCES[name]:
                assert part is not None
                if (files / part).exists():
                    os.symlink((files / part).resolve(), folder / part)
    if store is not None and files is not None:
        return
    from bench._measurement_data import build

    import klaster
    import klaster.observations
    from klaster.store import Store

    program, obs = build(members)
    if store is None:
        Store.create(folder / "program.klaster", program, observations=obs).close()
    if files is None:
        klaster.save(program, folder / "program.parquet")
        klaster.observations.save(obs, folder / "program.observations.parquet")
        klaster.save(program, folder / "program.json")
        klaster.observations.save(obs, folder / "program.observations.jsonl")


def commands(folder: Path, with_json: bool) -> dict[str, list[str]]:
    """Each contender's command line (``{out}``: its output file)."""
    klaster = shutil.which("klaster", path=str(Path(sys.executable).parent)) or "klaster"
    found: dict[str, list[str]] = {}
    for name, (program, sidecar) in SOURCES.items():
        if name == "json" and not with_json:
            continue
        source = [klaster, "report", str(folder / program)]
        if sidecar is not None:
            source += ["--observations", str(folder / sidecar)]
        for fmt in ("csv", "md"):
            found[f"{name}_{fmt}"] = [*source, "--format", fmt, "--output", f"{{out}}.{fmt}"]
    return found


def run(
    members: int, repeat: int, store: Path | None, files: Path | None, with_json: bool
) -> dict[str, Any]:
    """Every contender ``repeat`` times, interleaved; their peaks, times and outputs checked."""
    with tempfile.TemporaryDirectory(prefix="klaster-peak-") as work:
        folder = Path(work)
        prepare(members, folder, store, files)
        lines = commands(folder, with_json)
        peaks: dict[str, int] = {}
        times: dict[str, float] = {}
        for _ in range(repeat):
            for name, command in lines.items():
                out = str(folder / name)
                seconds, peak = measured([part.replace("{out}", out) for part in command])
                peaks[name] = max(peaks.get(name, 0), peak)
                times[name] = min(times.get(name, seconds), seconds)
        written = {n: (folder / f"{n}.csv").read_bytes() for n in lines if n.endswith("_csv")}
        same = len(set(written.values())) == 1
        figures = next(iter(written.values())).count(b"\n") - 1
    return {
        "members": members,
        "repeat": repeat,
        "figures": figures,
        "same_csv": same,
        "peak_bytes": peaks,
        "seconds": times,
        "vs_goal": {name: peak / GOAL_BYTES for name, peak in peaks.items()},
        "goal_met": all(peak <= GOAL_BYTES for peak in peaks.values()),
    }


def text(r: dict[str, Any]) -> str:
    """The figures as a table."""
    rows = [
        f"full klaster report at {r['members']:,} members ({r['figures']:,} figures), each a "
        f"fresh process: largest peak of {r['repeat']} run(s), best time",
    ]
    for name, peak in r["peak_bytes"].items():
        rows.append(
            f"  {name:12s} peak {peak / 2**20:8,.0f} MiB = {r['vs_goal'][name]:.2f}x the 2 GB goal"
            f"   {r['seconds'][name]:7.2f} s"
        )
    verdict = "met" if r["goal_met"] else "NOT met"
    rows.append(
        f"goal: every peak <= 2 GB: {verdict}; the same CSV from every input: {r['same_csv']}"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--store", type=Path, help="a store of --members written before")
    parser.add_argument("--files", type=Path, help="a folder with the document forms")
    parser.add_argument("--with-json", action="store_true", help="also the JSON forms")
    parser.add_argument("--json", action="store_true", help="machine-readable figures")
    args = parser.parse_args(argv)
    found = run(args.members, args.repeat, args.store, args.files, args.with_json)
    print(json.dumps(found) if args.json else text(found))
    return 0 if found["same_csv"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
