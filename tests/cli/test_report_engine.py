"""``klaster report --engine``: the same figures from every engine; the fast path by default."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from tests.cli.conftest import PROGRAM, Cli

from klaster.cli._exit import ExitCode

pytest.importorskip("polars")
pytest.importorskip("duckdb")


def _rows(cli: Cli, source: Path, *options: str) -> list[dict[str, Any]]:
    ran = cli("--json", "report", source, "--by", "sector", "--by", "sex", *options)
    assert ran.returncode == ExitCode.OK, ran.stderr
    rows: list[dict[str, Any]] = json.loads(ran.stdout)["rows"]
    return rows


class TestEngines:
    @pytest.mark.parametrize("engine", ["polars", "duckdb", "auto"])
    def test_each_engine_gives_the_python_rows_from_a_store(
        self, cli: Cli, store: Path, engine: str
    ) -> None:
        python = _rows(cli, store, "--engine", "python")
        assert python
        assert _rows(cli, store, "--engine", engine) == python

    def test_from_a_program_document(self, cli: Cli) -> None:
        python = _rows(cli, PROGRAM, "--engine", "python")
        assert _rows(cli, PROGRAM, "--engine", "duckdb") == python

    def test_the_report_document(self, cli: Cli, store: Path, tmp_path: Path) -> None:
        written = {}
        for engine in ("python", "duckdb"):
            out = tmp_path / f"{engine}.md"
            ran = cli("report", store, "--format", "md", "--engine", engine, "--out", out)
            assert ran.returncode == ExitCode.OK, ran.stderr
            written[engine] = out.read_text(encoding="utf-8")
        assert written["duckdb"] == written["python"]

    def test_the_sql_engine_runs(
        self, cli: Cli, store: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from klaster.measurement._backends.sql import path as sql_path

        calls: list[str] = []
        original = sql_path.blocks

        def spy(*args: Any, **kwargs: Any) -> Any:
            calls.append(args[-1].dialect.name)
            return original(*args, **kwargs)

        monkeypatch.setattr(sql_path, "blocks", spy)
        _rows(cli, store, "--engine", "duckdb")
        assert calls == ["duckdb"]

    def test_an_unknown_engine_is_refused(self, cli: Cli, store: Path) -> None:
        ran = cli("report", store, "--engine", "sqlite")
        assert ran.returncode == ExitCode.USAGE
        assert "duckdb" in ran.stderr

    @pytest.mark.skipif(
        importlib.util.find_spec("klaster.measurement._backends.sql.spark") is not None,
        reason="this installation has the Spark runner",
    )
    def test_spark_without_its_runner_says_so(self, cli: Cli, store: Path) -> None:
        ran = cli("report", store, "--engine", "spark")
        assert ran.returncode != ExitCode.OK
        assert "no Spark runner" in ran.stderr


class TestDefault:
    def test_the_fast_path_by_default(
        self, cli: Cli, store: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from klaster.measurement._backends.polars import path as polars_path

        calls: list[int] = []
        original = polars_path.blocks

        def spy(*args: Any, **kwargs: Any) -> Any:
            calls.append(1)
            return original(*args, **kwargs)

        monkeypatch.setattr(polars_path, "blocks", spy)
        _rows(cli, store)
        assert calls
        calls.clear()
        _rows(cli, store, "--engine", "python")
        assert not calls
