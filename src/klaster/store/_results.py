"""A program's results framework ↔ the store's tables (every version, appended only).

A save appends the versions the store does not hold yet; a program whose earlier versions differ
from the stored ones is refused (a framework is revised by a new version, never rewritten).
Loading rebuilds every record through the model's constructors.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from klaster.errors import KlasterError, StoreError
from klaster.model.program import Program
from klaster.model.results_framework import (
    Result,
    ResultIndicator,
    ResultsFramework,
    ResultsHistory,
    Target,
)

# The tables, children first; the targets refer to clusters (checked when a save rewrites them).
TABLES = ("result_targets", "result_indicators", "results", "results_frameworks")


def _day(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _rows(framework: ResultsFramework) -> Iterator[tuple[str, tuple[Any, ...]]]:
    v = framework.version
    yield "results_frameworks", (v, framework.recorded_on.isoformat(), framework.reason)
    for r, result in enumerate(framework.results):
        yield "results", (
            v, r, result.id, result.level.value, result.statement, result.statement_en,
            result.parent_id,
        )  # fmt: skip
        for i, ind in enumerate(result.indicators):
            yield "result_indicators", (
                v, r, i, ind.indicator, _text(ind.baseline), ind.baseline_round,
                _day(ind.baseline_on), ind.unit, ind.level,
            )  # fmt: skip
            for t, target in enumerate(ind.targets):
                yield "result_targets", (
                    v, r, i, t, str(target.value), _day(target.start), _day(target.end),
                    target.round_key, json.dumps(dict(target.by), ensure_ascii=False),
                    target.cluster_id,
                )  # fmt: skip


def append_versions(conn: sqlite3.Connection, program: Program, source: Path) -> None:
    """Insert the program's framework versions the store does not hold yet.

    Raises:
        StoreError: A stored version differs from the program's (a rewrite), or the program has
            fewer versions than the store.
    """
    stored = load_results(conn, source).versions
    mine = program.results.versions
    for index, old in enumerate(stored):
        if index >= len(mine) or mine[index] != old:
            raise StoreError(
                f"{source}: results.versions[{index}] differs from the stored results framework "
                "(or was removed); a framework is revised by a new version "
                "(Program.revise_framework), never rewritten. Nothing was changed"
            )
    for framework in mine[len(stored) :]:
        for table, row in _rows(framework):
            marks = ", ".join("?" * len(row))
            conn.execute(f"INSERT INTO {table} VALUES ({marks})", row)


def load_results(conn: sqlite3.Connection, source: Path) -> ResultsHistory:
    """Every stored version of the results framework, rebuilt through the constructors.

    Raises:
        StoreError: A stored record the model refuses (the store was changed outside klaster).
    """
    try:
        return _load(conn)
    except KlasterError as exc:
        reason = str(exc)
    except (TypeError, ValueError, KeyError) as exc:  # a row of the wrong shape (bad JSON...)
        reason = type(exc).__name__
    raise StoreError(
        f"{source}: the stored results framework is not valid ({reason}); the store was "
        "changed outside klaster"
    )


def _load(conn: sqlite3.Connection) -> ResultsHistory:
    targets: dict[tuple[int, int, int], list[Target]] = {}
    for v, r, i, value, start, end, round_key, by, cluster_id in conn.execute(
        "SELECT version, result_position, indicator_position, value, start, end, round_key, "
        "by_cells, cluster_id FROM result_targets ORDER BY version, result_position, "
        "indicator_position, position"
    ):
        targets.setdefault((v, r, i), []).append(
            Target(value, start, end, round_key, json.loads(by), cluster_id)
        )
    indicators: dict[tuple[int, int], list[ResultIndicator]] = {}
    for v, r, i, code, baseline, baseline_round, baseline_on, unit, level in conn.execute(
        "SELECT version, result_position, position, indicator, baseline, baseline_round, "
        "baseline_on, unit, level FROM result_indicators ORDER BY version, result_position, "
        "position"
    ):
        indicators.setdefault((v, r), []).append(
            ResultIndicator(
                code,
                targets.get((v, r, i), ()),
                baseline,
                baseline_round,
                baseline_on,
                unit,
                level,
            )
        )
    results: dict[int, list[Result]] = {}
    for v, r, rid, level, statement, statement_en, parent_id in conn.execute(
        "SELECT version, position, id, level, statement, statement_en, parent_id FROM results "
        "ORDER BY version, position"
    ):
        results.setdefault(v, []).append(
            Result(rid, level, statement, indicators.get((v, r), ()), parent_id, statement_en)
        )
    return ResultsHistory(
        ResultsFramework(v, on, reason, results.get(v, ()))
        for v, on, reason in conn.execute(
            "SELECT version, recorded_on, reason FROM results_frameworks ORDER BY version"
        )
    )
