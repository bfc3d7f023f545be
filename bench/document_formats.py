"""Benchmark: the floor of reading a program document + sidecar, against a columnar bundle.

Usage::

    python bench/document_formats.py --folder /tmp/h4/rf1m      # files report_files.py wrote
    python bench/document_formats.py --members 100000          # build a program first
    python bench/document_formats.py --folder F --json          # machine-readable figures
    python bench/document_formats.py --folder F --steps bundle_records duckdb_csv   # some steps

A design measurement for issue 18 (``docs/scale.md``, "Document + sidecar at national scale"),
not a library feature: it asks whether JSON itself rules out ``klaster report`` from a program
document + sidecar within 1.5x DuckDB reading an equivalent CSV, and what a columnar bundle
(Parquet) would cost and save. ``--folder`` is a folder ``bench/report_files.py --keep``
wrote (``program.json``, ``program.observations.jsonl``, ``values.csv``, ``members.csv``,
``rounds.csv``, ``scales.json``; linked from a scratch folder, never written); without it the
benchmark program of ``--members`` is built into the scratch folder with
``report_files.prepare`` (not timed). ``--keep DIR`` keeps (and reuses) the scratch folder.

Prepared once (not timed): the register (member, cluster, sector, household size, joined, left,
village, sex, business type) from the document, the values (one row per member and round, a
column per variable; decimals as ``Decimal``) from ``values.csv``, both kept as Arrow IPC so
the write step starts from frames in memory; ``values.ndjson`` (the same values as JSON
objects, decimals as strings like the sidecar) for the JSON engines.

Timed, each step a fresh process (best of ``--repeat``, interleaved), the step's own seconds
(after its imports), the whole process's seconds and its peak resident memory:

* ``doc_klaster``: ``klaster.load`` of the document (klaster's records, as ``klaster report``);
* ``sidecar_klaster``: ``klaster.observations.load`` of the sidecar, only the two variables the
  figures read (the program read first, not timed);
* ``report_klaster``: the report's own work once both are loaded (``klaster report``'s
  figures by cluster x sector on the fast path and its CSV file), checked equal to the DuckDB
  peers' figures (a difference exits 1);
* ``doc_plain``: msgspec decodes the document to plain Python objects;
* ``doc_structs``: msgspec decodes the document into Structs of only the fields a report needs;
* ``sidecar_msgspec``: msgspec decodes every line of the sidecar (plain objects);
* ``column_block_json``: a columnar block in JSON lines (a line per variable, its values one
  array, decimals as scaled integers) decoded with msgspec into polars columns;
* ``ndjson_polars`` / ``ndjson_duckdb``: polars ``read_ndjson`` / DuckDB ``read_json`` of the
  values as JSON lines (typed columns, materialised);
* ``doc_polars`` / ``doc_duckdb``: polars ``read_json`` / DuckDB ``read_json`` of the whole
  document, the members unnested (a failure is shown, not fatal);
* ``parquet_write``: the register, values and rounds written as Parquet (polars, zstd) — a
  ``save``'s floor from columns;
* ``parquet_read``: the bundle's columns the figures need read back with polars (the values'
  member, round, income and household size; ``read_all_columns_s``: every value column), plus
  the arrays the fast path's ``Records`` builds from a million ``Member`` objects today
  (cluster index, joined/left day numbers, household size, cluster offsets) and each value
  row's member position, built from the columns;
* ``bundle_records``: the bundle read into klaster's records through the public bulk API
  (``add_member_columns`` per cluster, every check; ``Observations.record_columns`` of the
  two variables), as a third format's reader on today's model would (groups' spells and
  cooperatives left out);
* ``duckdb_csv``: the DuckDB peer of ``bench/report_files.py`` on the CSV files (the goal's
  reference), and ``duckdb_parquet``: the same SQL on the Parquet bundle — process start to
  figures written;
* ``imports``: a process importing what ``klaster report`` imports (klaster, its CLI, polars,
  numpy).

Printed last: an estimate of ``klaster report`` from such a bundle, the measured parts added
up (imports, the read, the arrays, ``report_klaster``'s figures and file), against
``duckdb_csv``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/document_formats.py`: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DOCUMENT = "program.json"
SIDECAR = "program.observations.jsonl"
STEPS = (
    "imports",
    "doc_klaster",
    "sidecar_klaster",
    "report_klaster",
    "doc_plain",
    "doc_structs",
    "sidecar_msgspec",
    "column_block_json",
    "ndjson_polars",
    "ndjson_duckdb",
    "doc_polars",
    "doc_duckdb",
    "parquet_write",
    "parquet_read",
    "bundle_records",
    "duckdb_csv",
    "duckdb_parquet",
)
SLOW = ("doc_polars", "doc_duckdb")
"""Steps that read the whole document with an engine: once only, they may fail at scale."""


# -- the structs of the fields a report needs ----------------------------------------------------
def _structs() -> Any:
    import msgspec

    text, day = str | None, dt.date | None
    member = msgspec.defstruct(
        "Member",
        [
            ("id", str),
            *((name, text, None) for name in ("sector", "village", "sex", "business_type")),
            ("household_size", int | None, None),
            ("joined", day, None),
            ("left", day, None),
        ],
    )
    cluster = msgspec.defstruct(
        "Cluster",
        [("id", str), ("region", msgspec.Raw, msgspec.Raw()), ("members", list[member], [])],  # type: ignore[valid-type]
    )
    program = msgspec.defstruct("Program", [("clusters", list[cluster])])  # type: ignore[valid-type]
    return msgspec.defstruct("Document", [("program", program)])


REGISTER = ("sector", "household_size", "joined", "left", "village", "sex", "business_type")


# -- prepared once (not timed) --------------------------------------------------------------------
def prepare(folder: Path) -> None:
    """Write the register and values as Arrow IPC, and the values as JSON lines."""
    import msgspec
    import polars as pl

    if (folder / "values.columns.jsonl").exists():
        return
    document = msgspec.json.decode((folder / DOCUMENT).read_bytes(), type=_structs())
    rows: dict[str, list[Any]] = {name: [] for name in ("member", "cluster", *REGISTER)}
    for cluster in document.program.clusters:
        for m in cluster.members:
            rows["member"].append(m.id)
            rows["cluster"].append(cluster.id)
            for name in REGISTER:
                rows[name].append(getattr(m, name))
    register = pl.DataFrame(rows, schema_overrides={"joined": pl.Date, "left": pl.Date})
    register.write_ipc(folder / "register.arrow")
    values = _values_csv(folder)
    values.write_ipc(folder / "values.arrow")
    # Decimals as strings, like the sidecar writes them.
    values.with_columns(
        pl.col(name).cast(pl.String) for name, kind in values.schema.items() if kind.is_decimal()
    ).write_ndjson(folder / "values.ndjson")
    _write_column_block(values, folder / "values.columns.jsonl")
    pl.read_csv(
        folder / "rounds.csv", schema_overrides={"on": pl.Date, "line": pl.Int64}
    ).write_ipc(folder / "rounds.arrow")


def _write_column_block(values: Any, path: Path) -> None:
    """The values as a columnar block in JSON lines: a line per column, the values one array
    (decimals as scaled integers with their scale, nulls as ``null``)."""
    import msgspec
    import polars as pl

    encode = msgspec.json.encode
    with path.open("wb") as handle:
        handle.write(encode({"rows": values.height, "columns": values.columns}) + b"\n")
        for name, kind in values.schema.items():
            column = values[name]
            scale = kind.scale if kind.is_decimal() else 0
            if scale or kind.is_decimal():
                column = (column * 10**scale).cast(pl.Int64) if scale else column.cast(pl.Int64)
            line = {"column": name, "scale": scale, "values": column.to_list()}
            handle.write(encode(line) + b"\n")


def _values_csv(folder: Path) -> Any:
    import polars as pl

    scales: dict[str, int] = json.loads((folder / "scales.json").read_text())
    header = (folder / "values.csv").open(encoding="utf-8").readline().strip().split(",")
    schema: dict[str, Any] = {"member": pl.String, "round_id": pl.String}
    for name in header[2:]:
        schema[name] = pl.Decimal(18, scales[name]) if scales.get(name) else pl.Int64
    schema["business_running"] = pl.Boolean
    return pl.read_csv(folder / "values.csv", schema=schema)


def _ndjson_types(folder: Path) -> dict[str, str]:
    import polars as pl

    schema = pl.read_ipc_schema(folder / "values.arrow")
    types = {}
    for name, kind in schema.items():
        if name in ("member", "round_id"):
            types[name] = "VARCHAR"
        elif kind.is_decimal():
            types[name] = f"DECIMAL(18,{kind.scale})"  # type: ignore[attr-defined]
        elif kind == pl.Boolean:
            types[name] = "BOOLEAN"
        else:
            types[name] = "BIGINT"
    return types


# -- the steps (each in its own process) -----------------------------------------------------------
def step(name: str, folder: Path) -> dict[str, Any]:
    """Run one step; its seconds after its imports and what it read."""
    start = time.perf_counter()
    info: dict[str, Any] = {}
    if name == "imports":  # what `klaster report` on the fast path imports
        import numpy  # noqa: F401
        import polars  # noqa: F401

        import klaster.cli
        import klaster.observations  # noqa: F401

        info["s"] = time.perf_counter() - start
    elif name == "bundle_records":
        info = _bundle_records(folder)
    elif name in ("doc_klaster", "sidecar_klaster", "report_klaster"):
        info = _klaster_step(name, folder)
    elif name.startswith(("doc_", "sidecar", "column_block")):
        info = _json_step(name, folder)
    elif name.startswith(("ndjson", "parquet")):
        info = _columnar_step(name, folder)
    elif name in ("duckdb_csv", "duckdb_parquet"):
        from bench import report_files

        out = folder / f"{name}.out"
        if name == "duckdb_csv":
            report_files.duckdb_peer(folder, out)
        else:
            _duckdb_parquet(folder / "bundle", out, report_files.DUCKDB_SQL)
    else:
        raise SystemExit(f"unknown step {name!r}")
    info.setdefault("s", time.perf_counter() - start)
    info["peak_mb"] = _peak_mb()
    return info


def _peak_mb() -> float:
    """This process's peak resident memory (``VmHWM``: unlike ``ru_maxrss``, not inherited
    from the parent across ``exec``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


NEEDS = ("monthly_income", "household_size")
"""The variables the benchmark's four figures read (``klaster report`` loads only these)."""


def _block() -> Any:
    import msgspec

    return msgspec.defstruct(
        "Block", [("column", str), ("scale", int), ("values", list[str | int | bool | None])]
    )


def _klaster_step(name: str, folder: Path) -> dict[str, Any]:
    """klaster's own readers today: ``klaster.load`` of the document, the sidecar's values of
    the variables the report needs (the program read first, not timed), or the report's own
    figures and CSV file once both are loaded (the fast path, as ``klaster report``)."""
    import klaster
    import klaster.observations

    start = time.perf_counter()
    program = klaster.load(folder / DOCUMENT)
    info: dict[str, Any] = {"members": sum(len(c.members) for c in program.clusters)}
    if name in ("sidecar_klaster", "report_klaster"):
        start = time.perf_counter()
        catalogue = klaster.observations.variable_catalogue()
        found = klaster.observations.load(folder / SIDECAR, program, catalogue, only=NEEDS)
        info["rounds"] = len(found.rounds())
    if name == "report_klaster":  # what `klaster report` does once both are loaded
        from klaster.cli import _report

        start = time.perf_counter()
        figures = ("members", "income_per_capita", "income_change_pct", "poverty_headcount")
        args = argparse.Namespace(
            indicator=list(figures), by=["cluster,sector"], cluster=None, round=None
        )
        rows = list(_report.report_results(program, found, args))
        _report.assess_targets(program, found, None)
        (folder / "report_klaster.out").write_text(_report.to_csv(rows), encoding="utf-8")
        info["rows"] = len(rows)
    info["s"] = time.perf_counter() - start
    return info


def _bundle_records(folder: Path) -> dict[str, Any]:
    """The bundle read into klaster's records through the public bulk API, as a third format's
    reader built on today's model would: the members (``add_member_columns``, every check)
    and the two variables' values (``Observations.record_columns``). Not timed: the program
    without its members, groups and cooperatives (from the document) and the rounds (from the
    sidecar's header); the groups' spells and the cooperatives are left out."""
    import msgspec
    import polars as pl

    import klaster
    from klaster.model import add_member_columns
    from klaster.observations.core_variables import variable_catalogue
    from klaster.observations.rounds import Round
    from klaster.observations.values import Observations

    document = msgspec.json.decode((folder / DOCUMENT).read_bytes())
    for cluster in document["program"]["clusters"]:
        cluster.update(members=[], groups=[], cooperatives=[])
    program = klaster.loads(msgspec.json.encode(document).decode())
    with (folder / SIDECAR).open("rb") as handle:
        rounds = msgspec.json.decode(handle.readline())["rounds"]
    bundle = folder / "bundle"
    start = time.perf_counter()
    register = pl.read_parquet(bundle / "register.parquet").rename({"member": "id"})
    clusters = register.with_columns(name=pl.col("id")).partition_by(
        "cluster", as_dict=True, include_key=False
    )
    for cluster in program.clusters:
        add_member_columns(cluster, clusters[(cluster.id,)])
    info: dict[str, Any] = {"members_s": time.perf_counter() - start}
    again = time.perf_counter()
    values = pl.read_parquet(bundle / "values.parquet", columns=["member", "round_id", *NEEDS])
    by_round = values.partition_by("round_id", as_dict=True, include_key=False)
    observations = Observations(program, variable_catalogue())
    for found in rounds:
        on = dt.date.fromisoformat(found["on"])
        observations.add_round(Round(found["id"], found["cluster_id"], found["kind"], on))
        rows = by_round.get((found["id"],))
        if rows is not None:  # a unit with neither value is not surveyed for these two
            rows = rows.filter(pl.any_horizontal(pl.col(NEEDS).is_not_null()))
            observations.record_columns(
                found["id"], rows["member"], rows.select(NEEDS), skip_nulls=True
            )
    info["values_s"] = time.perf_counter() - again
    info["members"] = sum(len(c.members) for c in program.clusters)
    info["s"] = time.perf_counter() - start
    return info


def _json_step(name: str, folder: Path) -> dict[str, Any]:
    """A step reading the document or the sidecar: msgspec, polars or DuckDB."""
    start = time.perf_counter()
    info: dict[str, Any] = {}
    if name == "doc_plain":
        import msgspec

        found = msgspec.json.decode((folder / DOCUMENT).read_bytes())
        info["members"] = sum(len(c["members"]) for c in found["program"]["clusters"])
    elif name == "doc_structs":
        import msgspec

        document = msgspec.json.decode((folder / DOCUMENT).read_bytes(), type=_structs())
        info["members"] = sum(len(c.members) for c in document.program.clusters)
    elif name == "sidecar_msgspec":
        import msgspec

        decode = msgspec.json.Decoder().decode
        lines = [decode(line) for line in (folder / SIDECAR).read_bytes().splitlines()]
        info["lines"] = len(lines)
    elif name == "column_block_json":
        import msgspec
        import polars as pl

        decode = msgspec.json.Decoder(_block()).decode
        lines = (folder / "values.columns.jsonl").read_bytes().splitlines()
        columns = [decode(line) for line in lines[1:]]
        frame = pl.DataFrame([pl.Series(c.column, c.values) for c in columns])
        info["rows"] = frame.height
    elif name == "doc_polars":
        import polars as pl

        frame = (
            pl.read_json(folder / DOCUMENT)
            .select(pl.col("program").struct.field("clusters"))
            .explode("clusters")
            .select(pl.col("clusters").struct.field("members"))
            .explode("members")
            .unnest("members")
        )
        info["members"] = frame.height
    elif name == "doc_duckdb":
        import duckdb

        con = duckdb.connect()
        size = (folder / DOCUMENT).stat().st_size + 2**20
        con.execute(
            "CREATE TABLE m AS SELECT unnest(c.members, recursive := true) FROM "
            f"(SELECT unnest(program.clusters) AS c FROM read_json('{folder / DOCUMENT}', "
            f"maximum_object_size = {size}))"
        )
        info["members"] = _count(con, "m")
    info["s"] = time.perf_counter() - start
    return info


def _count(con: Any, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0])


def _columnar_step(name: str, folder: Path) -> dict[str, Any]:
    """A step reading the values as JSON lines with an engine, or writing/reading Parquet."""
    import polars as pl

    start = time.perf_counter()
    info: dict[str, Any] = {}
    if name == "ndjson_polars":
        schema = dict(pl.read_ipc_schema(folder / "values.arrow"))
        text = {n: pl.String if k.is_decimal() else k for n, k in schema.items()}
        frame = pl.read_ndjson(folder / "values.ndjson", schema=text).with_columns(
            pl.col(n).str.to_decimal(scale=k.scale)  # type: ignore[attr-defined]
            for n, k in schema.items()
            if k.is_decimal()
        )
        info["rows"] = frame.height
    elif name == "ndjson_duckdb":
        import duckdb

        con = duckdb.connect()
        types = "{" + ", ".join(f"'{n}': '{t}'" for n, t in _ndjson_types(folder).items()) + "}"
        con.execute(
            f"CREATE TABLE v AS SELECT * FROM read_json('{folder / 'values.ndjson'}', "
            f"format = 'newline_delimited', columns = {types})"
        )
        info["rows"] = _count(con, "v")
    elif name == "parquet_write":
        frames = {n: pl.read_ipc(folder / f"{n}.arrow") for n in ("register", "values", "rounds")}
        start = time.perf_counter()  # from frames in memory
        bundle = folder / "bundle"
        bundle.mkdir(exist_ok=True)
        for n, frame in frames.items():
            frame.write_parquet(bundle / f"{n}.parquet")
        info["mb"] = sum(p.stat().st_size for p in bundle.iterdir()) / 2**20
    elif name == "parquet_read":
        import numpy as np

        bundle = folder / "bundle"
        # Only the columns the figures read, as `klaster report` loads only what it needs.
        register = pl.read_parquet(
            bundle / "register.parquet",
            columns=["member", "cluster", "sector", "household_size", "joined", "left"],
        )
        values = pl.read_parquet(bundle / "values.parquet", columns=["member", "round_id", *NEEDS])
        rounds = pl.read_parquet(bundle / "rounds.parquet")
        info["read_s"] = time.perf_counter() - start
        # What `Records.members()` builds from a million Member objects, here from columns:
        # cluster index, joined/left day numbers, household size, each cluster's first member.
        epoch = dt.date(1970, 1, 1).toordinal()
        cluster = register["cluster"]
        starts = np.flatnonzero(np.r_[True, (cluster[1:] != cluster[:-1]).to_numpy()])
        arrays: dict[str, Any] = {
            "_c": np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(cluster)])),
            "joined": register["joined"].cast(pl.Int64).to_numpy() + epoch,
            "left": (register["left"].cast(pl.Int64) + epoch).fill_null(10**7).to_numpy(),
            "size": register["household_size"].fill_null(0).to_numpy(),
            "offset": dict(zip(cluster.gather(starts).to_list(), starts.tolist(), strict=True)),
        }
        # Each value row's member as a program position (what the fast path gathers with).
        position = (
            values.select("member")
            .join(
                register.select("member").with_row_index("at"),
                on="member",
                how="left",
                maintain_order="left",
            )["at"]
            .to_numpy()
        )
        info.update(members=len(arrays["size"]), rows=len(position), rounds=rounds.height)
        info["arrays_s"] = time.perf_counter() - start - info["read_s"]
        again = time.perf_counter()
        info["read_all_columns_s"] = pl.read_parquet(bundle / "values.parquet").width and (
            time.perf_counter() - again
        )
    info["s"] = time.perf_counter() - start
    return info


def _duckdb_parquet(bundle: Path, out: Path, sql: str) -> None:
    """The report_files DuckDB peer's SQL over the Parquet bundle."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"CREATE VIEW v AS SELECT * FROM read_parquet('{bundle / 'values.parquet'}')")
    con.execute(
        "CREATE VIEW m AS SELECT cluster, member, sector, household_size AS size, joined, "
        f"\"left\" FROM read_parquet('{bundle / 'register.parquet'}')"
    )
    con.execute(f"CREATE VIEW r AS SELECT * FROM read_parquet('{bundle / 'rounds.parquet'}')")
    con.execute(f"COPY ({sql}) TO '{out}' (HEADER, DELIMITER ',')")


# -- timing ----------------------------------------------------------------------------------------
def timed(name: str, folder: Path) -> dict[str, Any]:
    """One step as a fresh process: its figures, plus the whole process's seconds."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--step", name, str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"failed": last[:200], "process_s": wall}
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    found["process_s"] = wall
    return found


def run(folder: Path, repeat: int, slow: bool, only: list[str] | None = None) -> dict[str, Any]:
    """Prepare the inputs, then time every step, interleaved, best of ``repeat``."""
    prepare(folder)
    sizes = {
        name: (folder / name).stat().st_size / 2**20
        for name in (DOCUMENT, SIDECAR, "values.csv", "members.csv", "values.ndjson")
    }
    steps = [s for s in STEPS if (slow or s not in SLOW) and (not only or s in only)]
    results: dict[str, Any] = {"files_mb": sizes, "cpus": os.cpu_count(), "steps": {}}
    timed("parquet_write", folder)  # the bundle exists before the first read
    for attempt in range(repeat):
        for name in steps:
            if name in SLOW and attempt:
                continue
            found = timed(name, folder)
            best = results["steps"].get(name)
            if best is None or ("s" in found and ("s" not in best or found["s"] < best["s"])):
                results["steps"][name] = found
    from bench import report_files

    outs = {n: folder / f"{n}.out" for n in ("report_klaster", "duckdb_csv", "duckdb_parquet")}
    if outs["report_klaster"].exists():  # the figures of the timed report agree with the peers'
        ours = report_files.read_figures(outs["report_klaster"])
        results["problems"] = {
            n: report_files.differences(ours, report_files.read_figures(p))[:5]
            for n, p in outs.items()
            if n != "report_klaster" and p.exists()
        }
    bundle = folder / "bundle"
    results["bundle_mb"] = {p.name: p.stat().st_size / 2**20 for p in sorted(bundle.iterdir())}
    first = results["steps"]
    results["members"] = first.get("doc_structs", {}).get("members")
    return results


def estimate(r: dict[str, Any], report_s: float) -> dict[str, float]:
    """The whole ``klaster report`` from a bundle: measured parts + the report's own time.

    The report's own time (figures and file) is ``report_klaster``'s where it was measured in
    this run (computed from klaster's records, which a bundle reader would have to build or
    replace: the estimate's assumption), else ``report_s``.
    """
    s = r["steps"]
    measured = s.get("report_klaster", {}).get("s")
    parts = {
        "imports (measured)": s["imports"]["process_s"],
        "read the bundle's needed columns (measured)": s["parquet_read"]["read_s"],
        "register arrays and row positions (measured)": s["parquet_read"]["arrays_s"],
        "figures and file (measured from records)"
        if measured
        else "figures and file (given)": measured or report_s,
    }
    parts["total"] = sum(parts.values())
    parts["duckdb_csv"] = s["duckdb_csv"]["process_s"]
    parts["ratio"] = parts["total"] / parts["duckdb_csv"]
    return parts


def text(r: dict[str, Any], report_s: float) -> str:
    """The figures as a table."""
    lines = [
        f"document + sidecar formats, {r['members'] or 0:,} members ({r['cpus']} CPUs); "
        "each step a fresh process, best time",
        "files (MB): " + ", ".join(f"{k} {v:.0f}" for k, v in r["files_mb"].items()),
        "bundle (MB): " + ", ".join(f"{k} {v:.1f}" for k, v in r["bundle_mb"].items()),
        f"  {'step':<20}{'step s':>9}{'process s':>11}{'peak MB':>9}",
    ]
    for name, found in r["steps"].items():
        if "failed" in found:
            lines.append(f"  {name:<20}{'failed':>9}  {found['failed']}")
            continue
        lines.append(
            f"  {name:<20}{found['s']:>9.2f}{found['process_s']:>11.2f}{found['peak_mb']:>9.0f}"
        )
    for peer, found in r.get("problems", {}).items():
        agree = "every figure equal" if not found else "; ".join(found)
        lines.append(f"report_klaster vs {peer}: {agree}")
    if not {"imports", "parquet_read", "duckdb_csv"} <= r["steps"].keys():
        return "\n".join(lines)
    parts = estimate(r, report_s)
    lines.append("klaster report from a Parquet bundle, estimated:")
    for name, seconds in parts.items():
        if name not in ("total", "duckdb_csv", "ratio"):
            lines.append(f"  {name:<46}{seconds:>7.2f} s")
    lines.append(
        f"  total {parts['total']:.2f} s vs DuckDB on CSV {parts['duckdb_csv']:.2f} s = "
        f"{parts['ratio']:.2f}x (goal <= 1.5x)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--folder", type=Path, help="a folder report_files.py --keep wrote")
    parser.add_argument("--members", type=int, default=100_000, help="without --folder: size")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; best is kept")
    parser.add_argument("--keep", type=Path, help="the scratch folder, kept (and reused)")
    parser.add_argument("--no-slow", action="store_true", help="skip engines on the document")
    parser.add_argument(
        "--report-s",
        type=float,
        default=1.5,
        help="the report's own time (figures + file) for the estimate where report_klaster "
        "is not timed",
    )
    parser.add_argument("--steps", nargs="+", choices=STEPS, help="time only these steps")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--step", nargs=2, metavar=("NAME", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        print(json.dumps(step(args.step[0], Path(args.step[1]))))
        return 0
    if args.repeat < 1 or args.members < 1:
        parser.error("--members and --repeat must be at least 1")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="klaster-document-formats-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if args.folder is not None:  # the inputs linked, never written to
            for name in (DOCUMENT, SIDECAR, "values.csv", "members.csv", "rounds.csv"):
                if not (folder / name).exists():
                    (folder / name).symlink_to((args.folder / name).resolve())
            if not (folder / "scales.json").exists():
                (folder / "scales.json").write_bytes((args.folder / "scales.json").read_bytes())
        elif not (folder / DOCUMENT).exists():
            from bench import report_files

            report_files.prepare(args.members, folder)
        results = run(folder, args.repeat, not args.no_slow, args.steps)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    if {"imports", "parquet_read", "duckdb_csv"} <= results["steps"].keys():
        results["estimate"] = estimate(results, args.report_s)
    print(json.dumps(results, indent=2, default=str) if args.json else text(results, args.report_s))
    failed = [n for n, f in results["steps"].items() if "failed" in f and n not in SLOW]
    return 1 if failed or any(results.get("problems", {}).values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
