"""Benchmark: ``klaster.dumps`` / ``klaster.loads`` of a large program against msgspec.

Usage::

    python bench/document.py                 # full size: 1,000 clusters, 1,000,000 members
    python bench/document.py --scale 0.01    # quick run (10 clusters, 10,000 members)
    python bench/document.py --json          # machine-readable figures on stdout

What is measured (see docs/performance.md):

* ``dumps``: ``klaster.dumps(program)`` (default ``indent=2``, as :func:`klaster.save` writes),
  timed in this process right after building the program.
* ``loads``: ``klaster.loads(data)`` of the UTF-8 bytes of that document (what
  :func:`klaster.load` does after reading the file).
* ``loads, converter``: the same call with the column-wise read of members, groups and spells
  turned off (``klaster.documents.program.by_columns`` refusing every document), so that every
  record is structured by cattrs through its constructor: the road ``loads`` took before.
* ``msgspec`` (the reference): ``msgspec.json.decode(data, type=_RefDocument)`` into the same
  attrs classes (``Member``, ``Group``, ``Region``... which msgspec decodes natively and whose
  attrs validators it runs), with msgspec ``Struct`` mirrors for the parts msgspec cannot
  decode itself (the document envelope, ``Program``, ``Cluster`` and ``Fieldwork``, whose
  ``Records``, ``Lifecycle`` and ``MentoringLog`` fields are custom classes: they are decoded as
  lists), then the same ``Program`` built from them through the public constructors
  (``Lifecycle(history)``, ``Cluster(...)``, ``Fieldwork(...)``, ``Program(...)``), which run
  the same cross-record checks as ``loads``.

``loads`` and the reference each run in a fresh subprocess that first reads the document bytes;
peak memory is ``ru_maxrss`` after the call minus ``ru_maxrss`` before it (so the input bytes are
not counted, everything the call allocates at its peak is). On Linux the peak is first reset to
the current RSS through ``/proc/self/clear_refs``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/document.py`: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import msgspec  # the `bench` extra: pip install -e '.[bench]'
from bench import _synthetic

import klaster
import klaster.documents.program as document
from klaster import (
    Activity,
    Assignment,
    ClusterSector,
    Commitment,
    Cooperative,
    Group,
    Member,
    Organisation,
    Person,
    PhaseChange,
    Plan,
    Region,
    Stakeholder,
    Visit,
)

LOADS_RATIO_TARGET = 2.0
PEAK_MB_TARGET = 600.0
MB = 1024 * 1024


# -- the reference: msgspec into the same attrs classes ---------------------------------------
class _RefLifecycle(msgspec.Struct, forbid_unknown_fields=True):
    history: list[PhaseChange] = []


class _RefCluster(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    name: str
    region: Region
    sectors: list[ClusterSector]
    lifecycle: _RefLifecycle = msgspec.field(default_factory=_RefLifecycle)
    members: list[Member] = []
    groups: list[Group] = []
    cooperatives: list[Cooperative] = []
    stakeholders: list[Stakeholder] = []
    note: str | None = None


class _RefFieldwork(msgspec.Struct, forbid_unknown_fields=True):
    activities: list[Activity] = []
    assignments: list[Assignment] = []
    visits: list[Visit] = []
    plans: list[Plan] = []
    commitments: list[Commitment] = []


class _RefProgram(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    name: str
    organisation_id: str
    organisations: list[Organisation] = []
    clusters: list[_RefCluster] = []
    note: str | None = None
    people: list[Person] = []
    fieldwork: _RefFieldwork = msgspec.field(default_factory=_RefFieldwork)


class _RefDocument(msgspec.Struct, forbid_unknown_fields=True):
    klaster: str
    schema_version: int
    program: _RefProgram


def reference_loads(data: bytes) -> klaster.Program:
    """Decode ``data`` with msgspec into the same classes as :func:`klaster.loads` returns."""
    document = msgspec.json.decode(data, type=_RefDocument)
    raw = document.program
    clusters = []
    for c in raw.clusters:
        clusters.append(
            klaster.Cluster(
                id=c.id,
                name=c.name,
                region=c.region,
                sectors=c.sectors,
                lifecycle=klaster.Lifecycle(c.lifecycle.history),
                members=c.members,
                groups=c.groups,
                cooperatives=c.cooperatives,
                stakeholders=c.stakeholders,
                note=c.note,
            )
        )
    return klaster.Program(
        id=raw.id,
        name=raw.name,
        organisation_id=raw.organisation_id,
        organisations=raw.organisations,
        clusters=clusters,
        note=raw.note,
        people=raw.people,
        fieldwork=klaster.Fieldwork(
            activities=raw.fieldwork.activities,
            assignments=raw.fieldwork.assignments,
            visits=raw.fieldwork.visits,
            plans=raw.fieldwork.plans,
            commitments=raw.fieldwork.commitments,
        ),
    )


# -- one measurement in a fresh process ---------------------------------------------------------
def _rss_now() -> int:
    """Current resident set size in bytes (0 where /proc is missing)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def _peak_rss() -> tuple[int, str]:
    """Peak resident set size of this process so far, in bytes, and how it was read.

    ``VmHWM`` of ``/proc/self/status`` where it exists: that is the counter ``ru_maxrss`` reports,
    except that ``ru_maxrss`` of a freshly started child also keeps the peak of the parent it was
    forked from (Linux carries it over exec), which here is the multi-GB benchmark driver.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024, "VmHWM"
    except (OSError, ValueError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (peak if sys.platform == "darwin" else peak * 1024), "ru_maxrss"


def _reset_peak() -> bool:
    """Reset the peak RSS (Linux >= 4.0) to the current RSS; ``False`` where that is refused."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


OPERATIONS = {
    "loads": "klaster.loads",
    "loads_json": "klaster.loads, json only",
    "loads_converter": "klaster.loads, converter",
    "msgspec": "msgspec reference",
}


def _no_columns(_raw: Any) -> klaster.Program:
    raise LookupError("the converter reads it")  # (loads then structures with cattrs)


def child(what: str, path: str) -> dict[str, Any]:
    """Run one operation of :data:`OPERATIONS` on the file at ``path``; return its figures."""
    if what == "loads_json":  # as if msgspec were not installed: the standard library's json
        vars(document)["_msgspec"] = None
    if what == "loads_converter":  # the road before the column-wise read: cattrs per record
        vars(document)["by_columns"] = _no_columns
    operation = reference_loads if what == "msgspec" else klaster.loads
    data = Path(path).read_bytes()
    gc.collect()
    # Peak memory of the call = peak RSS during it - RSS before it (the document bytes, the
    # modules). Reading the file may have left a higher peak behind: reset the peak first.
    reset = _reset_peak()
    rss_before = _rss_now()
    before = rss_before if reset else _peak_rss()[0]
    start, cpu = time.perf_counter(), time.process_time()
    program = operation(data)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak, method = _peak_rss()
    members = sum(len(c.members) for c in program.clusters)
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_mb": (peak - before) / MB,
        "result_mb": (_rss_now() - rss_before) / MB,
        "baseline_mb": rss_before / MB,
        "peak_method": f"{method} - RSS before" if reset else f"{method} delta",
        "members": members,
    }


def _run_child(what: str, path: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", what, path], capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"the {what} run failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def _verify(path: str) -> dict[str, Any]:
    data = Path(path).read_bytes()
    ours = klaster.loads(data)
    theirs = reference_loads(data)
    vars(document)["by_columns"] = _no_columns
    converter = ours == klaster.loads(data)  # the column-wise read builds the same program
    return {
        "equal": ours == theirs,
        "roundtrip": klaster.dumps(ours).encode() == data,
        "converter": converter,
    }


# -- the run -----------------------------------------------------------------------------------
def run(scale: float, repeat: int, verify: bool) -> dict[str, Any]:
    """Build, dump, and time loads and the reference; return every figure."""
    clusters, groups, members = _synthetic.counts(scale)
    start = time.perf_counter()
    program = _synthetic.build(scale)
    build_s = time.perf_counter() - start
    dumps_runs = []
    text = ""
    for _ in range(repeat):
        start = time.perf_counter()
        text = klaster.dumps(program)
        dumps_runs.append(time.perf_counter() - start)
    del program
    data = text.encode("utf-8")
    del text
    results: dict[str, Any] = {
        "scale": scale,
        "clusters": clusters,
        "groups": groups,
        "members": members,
        "document_mb": len(data) / MB,
        "build_s": build_s,
        "dumps_s": min(dumps_runs),
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory(prefix="klaster-bench-") as tmp:
        path = str(Path(tmp) / "program.json")
        Path(path).write_bytes(data)
        del data
        runs: dict[str, list[dict[str, Any]]] = {what: [] for what in OPERATIONS}
        for _ in range(repeat):
            for what in OPERATIONS:  # interleaved, so drift hits all alike
                runs[what].append(_run_child(what, path))
        if verify:
            results["verify"] = _run_child("verify", path)
    for what, found in runs.items():
        if any(r["members"] != members for r in found):
            raise SystemExit(f"{what} returned the wrong number of members")
        results[f"{what}_s"] = min(r["seconds"] for r in found)
        results[f"{what}_cpu_s"] = min(r["cpu_seconds"] for r in found)
        results[f"{what}_peak_mb"] = max(r["peak_mb"] for r in found)
        results[f"{what}_result_mb"] = max(r["result_mb"] for r in found)
        results["peak_method"] = found[0]["peak_method"]
    results["ratio"] = results["loads_s"] / results["msgspec_s"]
    results["ratio_json"] = results["loads_json_s"] / results["msgspec_s"]
    results["ratio_converter"] = results["loads_converter_s"] / results["msgspec_s"]
    results["columns_speedup"] = results["loads_converter_s"] / results["loads_s"]
    results["ratio_ok"] = results["ratio"] <= LOADS_RATIO_TARGET
    results["peak_ok"] = results["loads_peak_mb"] <= PEAK_MB_TARGET
    return results


def table(r: dict[str, Any]) -> str:
    """The figures as a readable table."""
    lines = [
        f"klaster document benchmark  (scale {r['scale']:g}: {r['clusters']:,} clusters, "
        f"{r['groups']:,} groups, {r['members']:,} members; Python {r['python']}, "
        f"{r['cpus']} CPUs)",
        f"document: {r['document_mb']:.1f} MB (UTF-8, indent=2); built in {r['build_s']:.1f} s",
        "",
        f"{'operation':<28}{'time (s)':>10}{'CPU (s)':>9}{'vs msgspec':>12}{'peak (MB)':>11}"
        f"{'RSS after (MB)':>16}",
        f"{'klaster.dumps':<28}{r['dumps_s']:>10.2f}{'':>9}{'':>12}{'':>11}{'':>16}",
    ]
    for key, name in OPERATIONS.items():
        ratio = f"{r[f'{key}_s'] / r['msgspec_s']:.2f}x"
        lines.append(
            f"{name:<28}{r[f'{key}_s']:>10.2f}{r[f'{key}_cpu_s']:>9.2f}{ratio:>12}"
            f"{r[f'{key}_peak_mb']:>11.0f}{r[f'{key}_result_mb']:>16.0f}"
        )
    lines += [
        "",
        f"column-wise read: {r['columns_speedup']:.2f}x faster than the converter road",
        f"loads / msgspec: {r['ratio']:.2f}x  (target <= {LOADS_RATIO_TARGET:g}x: "
        f"{'met' if r['ratio_ok'] else 'NOT met'})",
        f"loads peak: {r['loads_peak_mb']:.0f} MB  (target <= {PEAK_MB_TARGET:g} MB: "
        f"{'met' if r['peak_ok'] else 'NOT met'})",
        f"peak: {r['peak_method']}, each in a fresh process after reading the bytes; "
        "best time of each",
    ]
    if "verify" in r:
        lines.append(f"verify: {r['verify']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 1,000,000 members")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; best time is kept")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--verify", action="store_true", help="also check loads == reference and the round trip"
    )
    parser.add_argument("--child", nargs=2, metavar=("WHAT", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        what, path = args.child
        print(json.dumps(_verify(path) if what == "verify" else child(what, path)))
        return 0
    if args.scale <= 0 or args.repeat < 1:
        parser.error("--scale must be positive and --repeat at least 1")
    results = run(args.scale, args.repeat, args.verify)
    print(json.dumps(results, indent=2) if args.json else table(results))
    return verify_status(results)


def verify_status(results: dict[str, Any]) -> int:
    """The exit status: 1 when ``--verify`` found a difference (printed on stderr), else 0."""
    found = results.get("verify")
    if found is None:
        return 0
    failed = [check for check in ("equal", "roundtrip") if found.get(check) is not True]
    if found.get("converter", True) is not True:  # (figures from before it was checked)
        failed.append("converter")
    if failed:
        print(f"verify FAILED: {', '.join(failed)} ({found})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
