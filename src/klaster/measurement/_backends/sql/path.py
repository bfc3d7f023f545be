"""The SQL path of ``Measurement.report`` (``backend="duckdb"``; Spark's runner plugs in here).

Per round key, the members surveyed are one table (built as the polars path builds it, handed to
the runner as Arrow); per scope (every member; each sector's members) one query computes every
planned indicator's cells in the engine, and the shared code makes the figures, so the rows equal
the Python reference's. What runs here: indicators of members from formulas (sum, mean, count,
share meeting, ratio of sums; divisions per unit; ``baseline()``, ``previous()``,
``at_round()``), income per capita, paired income change, FGT P0-P2, the CIBEST quadrant shares
and the social-capital index (:mod:`klaster.measurement._backends.sql.core`), by every
disaggregation but ``group`` and ``cooperative``. Everything else (members, groups and
cooperatives counted from the records, mentoring and activity indicators, medians, ``round()``,
texts and dates in formulas, values beyond the dialect's wide type) is left to the polars path,
and what that does not cover to the Python path, in the same report.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from klaster.measurement._backends.polars.members import MemberTable
from klaster.measurement._backends.polars.path import Split
from klaster.measurement._backends.sql.cells import aggregate
from klaster.measurement._backends.sql.core import core_plan
from klaster.measurement._backends.sql.members import AnyIndicator, SqlMembers
from klaster.measurement._backends.sql.runner import Runner
from klaster.measurement._frames import Frames
from klaster.measurement._result_blocks import Block

__all__ = ["ENGINES", "blocks", "report_blocks", "runner"]

ENGINES = ("duckdb", "spark")
"""The SQL engines ``Measurement(backend=...)`` names."""

_TABLE = "klaster_members"


def runner(name: str) -> Runner:
    """A new runner of engine ``name`` (one of :data:`ENGINES`).

    Raises:
        KlasterError: The engine's package is not installed (with what to install).
    """
    if name == "duckdb":
        from klaster.measurement._backends.sql.runner import DuckDBRunner

        return DuckDBRunner()
    from klaster.errors import KlasterError

    try:
        from klaster.measurement._backends.sql import spark
    except ImportError:
        raise KlasterError(
            "backend='spark': this installation has no Spark runner "
            "(klaster.measurement._backends.sql.spark)"
        ) from None
    made: Runner = spark.SparkRunner()
    return made


def blocks(
    engine: Any,
    indicators: Sequence[AnyIndicator],
    frames: Frames,
    specs: list[Any],
    run: Runner,
) -> tuple[dict[tuple[str, str], Block], list[tuple[str, ...]]]:
    """The rows of what the SQL path covers, per (indicator code, round key).

    Returns:
        The blocks done here (the engine does the others) and the specs left to the Python
        path (those with ``group`` or ``cooperative``).
    """
    found: dict[tuple[str, str], Block] = {}
    split = Split.of(engine, frames, specs)
    if split is None:
        return found, specs
    fast_specs, slow_specs, dims, naming, records = split
    for key, on, of_key in frames:
        table = MemberTable(engine, of_key, records)
        members = SqlMembers(engine, table, run.dialect)
        for indicator in indicators:
            members.add(indicator, core_plan)
        if not members.plans:
            continue
        # 64-bit numbers: the SQL reads the columns themselves, as polars reads them widened.
        run.register(_TABLE, table.frame(wide=True).to_arrow())
        for scope in members.plans:
            done = aggregate(
                engine, run, members, _TABLE, scope, dims, fast_specs, naming, (key, on)
            )
            found.update({(code, key): block for code, block in done.items()})
    return found, slow_specs


def report_blocks(
    engine: Any,
    indicators: Sequence[AnyIndicator],
    frames: Frames,
    specs: list[Any],
    name: str,
) -> tuple[dict[tuple[str, str], Block], list[tuple[str, ...]]]:
    """:func:`blocks` on a new runner of engine ``name``, closed after; then the polars path.

    Returns:
        The blocks of the SQL path, with the polars path's for the indicators (and round keys)
        it left, and the specs left to the Python path.
    """
    from klaster._support.huge_pages import huge_pages_paused
    from klaster.measurement._backends.polars import path as polars_path

    run = runner(name)
    try:
        with huge_pages_paused():  # the tables' arrays, as the polars path's (pages.py)
            found, slow_specs = blocks(engine, indicators, frames, specs, run)
    finally:
        run.close()
    keys = [key for key, _, _ in frames]
    left = [i for i in indicators if any((i.code, key) not in found for key in keys)]
    if left:
        more, _ = polars_path.blocks(engine, left, frames, specs)
        found = {**more, **found}
    return found, slow_specs
