"""``klaster report --engine spark``: the Python reference's rows (program documents reach the
engine the same way: tests/cli/test_report_engine.py on DuckDB).

Spark starts in this process (local mode, or the session the measurement tests started); never
skipped silently: ``KLASTER_SKIP_SPARK=1`` skips it, saying so.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from tests.cli.conftest import Cli

from klaster.cli._exit import ExitCode

pytest.importorskip("polars")
pytest.importorskip("pyarrow")
pytestmark = pytest.mark.skipif(
    os.environ.get("KLASTER_SKIP_SPARK") == "1", reason="KLASTER_SKIP_SPARK=1"
)


def _rows(cli: Cli, source: Path, *options: str) -> list[dict[str, Any]]:
    ran = cli("--json", "report", source, "--by", "sector", "--by", "sex", *options)
    assert ran.returncode == ExitCode.OK, ran.stderr
    rows: list[dict[str, Any]] = json.loads(ran.stdout)["rows"]
    return rows


class TestSparkEngine:
    def test_the_python_rows_from_a_store(
        self, cli: Cli, store: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from klaster.measurement._backends.sql import path as sql_path

        engines: list[str] = []
        original = sql_path.blocks

        def spy(*args: Any, **kwargs: Any) -> Any:
            engines.append(args[-1].dialect.name)
            return original(*args, **kwargs)

        monkeypatch.setattr(sql_path, "blocks", spy)
        python = _rows(cli, store, "--engine", "python")
        assert python
        assert _rows(cli, store, "--engine", "spark") == python
        assert engines == ["spark"]  # Spark computed them, not another path
