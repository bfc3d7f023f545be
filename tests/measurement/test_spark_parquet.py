"""Spark reading a store's tidy Parquet export gives klaster's figures (docs/scale.md).

The recipe of docs/scale.md ("Spark on the Parquet export"), run on the bundled Bantaeng
program: the tidy export written as Parquet (pseudonymised), read by Spark, one figure computed
with Spark SQL straight from the files; its cells equal ``Measurement(backend="spark")``'s and
the Python reference's (n, numerator, denominator), exactly.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from klaster import Label
from klaster.catalogue import Aggregation, Direction, Indicator, Level
from klaster.examples import bantaeng
from klaster.measurement import Measurement

pytest.importorskip("polars")
pytest.importorskip("pyarrow")

INCOME = Indicator(
    "mean_income",
    "umkm",
    Label("Rata-rata pendapatan", "Mean income"),
    Level.MEMBER,
    "monthly_income",
    Aggregation.MEAN,
    Direction.HIGHER,
)

# The recipe's query (docs/scale.md): the mean of a variable by round kind and cluster, from the
# long observations table (one row per unit, round and variable; numbers as exact decimals).
RECIPE = """
SELECT round_kind, cluster_id, count(number) AS n, sum(number) AS total
FROM observations
WHERE level = 'member' AND variable = 'monthly_income' AND unit_id IN (
    SELECT member_id FROM members WHERE sector = 'umkm')
GROUP BY round_kind, cluster_id
"""


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, Path]:
    from klaster.exports.tidy import write_tidy

    program, observations = bantaeng()
    folder = tmp_path_factory.mktemp("tidy")
    write_tidy(program, observations, folder, format="parquet", secret=b"s" * 32)
    return program, observations, folder


class TestSparkOnTheParquetExport:
    def test_the_recipe_gives_klasters_figures(self, spark: Any, export: Any) -> None:
        program, observations, folder = export
        for table in ("members", "observations"):
            spark.read.parquet(str(folder / f"{table}.parquet")).createOrReplaceTempView(table)
        try:
            rows = spark.sql(RECIPE).collect()
        finally:
            for table in ("members", "observations"):
                spark.catalog.dropTempView(table)
        from_files = {
            (r["round_kind"], r["cluster_id"]): (r["n"], Decimal(r["total"])) for r in rows
        }
        assert from_files  # the export has the variable

        by = [("cluster",)]
        reference = Measurement(program, observations, indicators=[INCOME]).report(
            "mean_income", by=by
        )
        on_spark = Measurement(program, observations, indicators=[INCOME], backend="spark").report(
            "mean_income", by=by
        )
        assert on_spark == reference
        for (kind, cluster), (n, total) in from_files.items():
            row = reference.row("mean_income", kind, cluster=cluster)
            assert (row.n, row.numerator, row.denominator) == (n, total, n)
            assert row.value == total / n
