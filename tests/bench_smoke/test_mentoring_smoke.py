"""The mentoring benchmark runs end to end, at a tiny scale (the real one is 1M members)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("polars")
pytest.importorskip("duckdb")

BENCH = Path(__file__).resolve().parents[2] / "bench" / "mentoring.py"


def test_tiny_run() -> None:
    out = subprocess.run(
        [sys.executable, str(BENCH), "--members", "2000", "--repeat", "1", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stdout)
    assert (figures["members"], figures["clusters"], figures["rounds"]) == (2000, 2, 6)
    assert figures["visits"] == 2 * 5 * 24 * 21  # 20 group visits and 1 individual a month
    assert (figures["table_rows"], figures["report_rows"]) == (48, 54)
    assert figures["agree"] is True  # both references and both backends, store included
    for key in ("polars_s", "duckdb_s", "klaster_s", "ratio_polars", "ratio_duckdb",
                "python_s", "store_path_s"):  # fmt: skip
        assert figures[key] > 0, key


@dataclass
class _Period:
    cluster_id: str
    period: str
    visits: int
    facilitators_active: int
    members: int
    members_visited: int
    facilitators_assigned: int
    share_visited: object
    visits_per_member: object
    caseload_per_facilitator: object
    days_since_last_visit: object


def test_the_checks_can_fail() -> None:
    spec = importlib.util.spec_from_file_location("bench_mentoring", BENCH)
    assert spec is not None
    assert spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    ref = {("c", 24144): (3, 1, 10, 4, 5, 20, 4, 2, 9)}

    good = _Period("c", "2012-01", 3, 1, 10, 4, 2, Decimal(4) / 10, Decimal(5) / 10,
                   Decimal(9) / 2, Decimal(20) / 4)  # fmt: skip

    def row(**changes: object) -> _Period:
        return replace(good, **changes)  # type: ignore[arg-type]

    assert bench.check_table((row(),), ref) == 1
    for wrong in (
        row(visits=4),
        row(members_visited=5),
        row(days_since_last_visit=Decimal(21) / 4),
        row(visits_per_member=Decimal("0.5000000001")),
    ):
        with pytest.raises(AssertionError):
            bench.check_table((wrong,), ref)
    with pytest.raises(AssertionError):
        bench.check_table((), ref)  # a missing period
