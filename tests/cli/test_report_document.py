"""``klaster report --format html|md|xlsx|pdf``: the report people read, from the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tests.cli.conftest import PROGRAM, SIDECAR, Cli

from klaster.cli._exit import ExitCode


def _document(tmp_path: Path) -> Path:
    # A program document with its sidecar beside it.
    target = tmp_path / "bantaeng.json"
    shutil.copy(PROGRAM, target)
    shutil.copy(SIDECAR, tmp_path / "bantaeng.observations.jsonl")
    return target


class TestFormats:
    @pytest.mark.parametrize(
        ("fmt", "head"),
        [("html", b"<!DOCTYPE html>"), ("md", b"# "), ("xlsx", b"PK\x03\x04"), ("pdf", b"%PDF")],
    )
    def test_each_format_from_a_store(
        self, cli: Cli, store: Path, tmp_path: Path, fmt: str, head: bytes
    ) -> None:
        out = tmp_path / f"report.{fmt}"
        ran = cli("report", store, "--format", fmt, "--lang", "en", "--out", out)
        assert ran.returncode == 0, ran.stderr
        assert out.read_bytes().startswith(head)
        assert f"wrote the {fmt} report (en)" in ran.stdout + ran.stderr

    def test_from_a_program_document_in_both_languages(self, cli: Cli, tmp_path: Path) -> None:
        source = _document(tmp_path)
        for lang, words in (("id", "Pendapatan per kapita"), ("en", "Income per capita")):
            out = tmp_path / f"r.{lang}.md"
            ran = cli("report", source, "--format", "md", "--lang", lang, "--output", out)
            assert ran.returncode == 0, ran.stderr
            assert words in out.read_text(encoding="utf-8")

    def test_the_json_summary_names_the_sections_and_what_is_missing(
        self, cli: Cli, store: Path, tmp_path: Path
    ) -> None:
        out = tmp_path / "r.html"
        ran = cli("--json", "report", store, "--format", "html", "--out", out)
        summary = json.loads(ran.stdout)
        assert summary["format"] == "html"
        assert summary["lang"] == "id"
        assert "indicators" in summary["sections"]
        assert "portfolio" in summary["missing"]

    def test_the_text_formats_still_work(self, cli: Cli, store: Path) -> None:
        ran = cli("report", store, "--format", "csv")
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.startswith("indicator,")


class TestScope:
    def test_a_cluster_and_a_round(self, cli: Cli, store: Path, tmp_path: Path) -> None:
        out = tmp_path / "r.md"
        ran = cli(
            "report", store, "--format", "md", "--lang", "en", "--out", out,
            "--cluster", "bantaeng", "--round", "endline",
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr
        text = out.read_text(encoding="utf-8")
        assert "round endline" in text
        assert "Endline (March 1, 2014)" in text
        assert "Baseline (June 15, 2011)" not in text

    def test_a_sector(self, cli: Cli, store: Path, tmp_path: Path) -> None:
        out = tmp_path / "r.md"
        ran = cli("report", store, "--format", "md", "--sector", "umkm", "--out", out)
        assert ran.returncode == 0, ran.stderr
        assert "sektor umkm" in out.read_text(encoding="utf-8")

    def test_an_unknown_cluster_is_named_and_nothing_written(
        self, cli: Cli, store: Path, tmp_path: Path
    ) -> None:
        out = tmp_path / "r.html"
        ran = cli("report", store, "--format", "html", "--cluster", "bantaneg", "--out", out)
        assert ran.returncode != 0
        assert "did you mean 'bantaeng'" in ran.stderr
        assert not out.exists()


class TestUsage:
    def test_a_report_file_needs_out(self, cli: Cli, store: Path) -> None:
        ran = cli("report", store, "--format", "pdf")
        assert ran.returncode != 0
        assert "--out FILE" in ran.stderr

    def test_an_unknown_language_is_refused(self, cli: Cli, store: Path, tmp_path: Path) -> None:
        ran = cli("report", store, "--format", "html", "--lang", "fr", "--out", tmp_path / "r")
        assert ran.returncode != 0
        assert "invalid choice: 'fr'" in ran.stderr

    def test_sector_is_for_the_report_files(self, cli: Cli, store: Path) -> None:
        ran = cli("report", store, "--sector", "umkm")
        assert ran.returncode != 0
        assert "--by sector" in ran.stderr

    def test_by_is_for_the_tables(self, cli: Cli, store: Path, tmp_path: Path) -> None:
        ran = cli("report", store, "--format", "html", "--by", "sex", "--out", tmp_path / "r")
        assert ran.returncode != 0
        assert "--by is for the text, csv and json tables" in ran.stderr

    @pytest.mark.parametrize("fmt", ["html", "md", "xlsx", "pdf"])
    @pytest.mark.parametrize(
        ("option", "value"),
        [("--by", "gender"), ("--by", "cluster,sectr"), ("--indicator", "povrty_headcount")],
    )
    def test_a_typo_is_named_as_in_the_tables(
        self, cli: Cli, store: Path, tmp_path: Path, fmt: str, option: str, value: str
    ) -> None:
        """The did-you-mean of the text table, before the document format is considered."""
        table = cli("report", store, option, value)
        out = tmp_path / f"r.{fmt}"
        document = cli("report", store, "--format", fmt, option, value, "--out", out)
        assert table.returncode != 0
        assert "did you mean" in table.stderr
        assert (document.returncode, document.stderr) == (table.returncode, table.stderr)
        assert not out.exists()

    @pytest.mark.parametrize("fmt", ["text", "html", "pdf"])
    def test_a_dimension_typo_is_a_usage_error(
        self, cli: Cli, store: Path, tmp_path: Path, fmt: str
    ) -> None:
        """Exit 2 with the nearest dimension, before a report document refuses ``--by``."""
        ran = cli("report", store, "--format", fmt, "--by", "sx", "--out", tmp_path / "r")
        assert ran.returncode == ExitCode.USAGE
        assert "unknown dimension 'sx'; did you mean 'sex'?" in ran.stderr
        assert "--by is for the text" not in ran.stderr

    def test_a_known_indicator_is_for_the_tables(
        self, cli: Cli, store: Path, tmp_path: Path
    ) -> None:
        ran = cli(
            "report", store, "--format", "md", "--indicator", "members", "--out", tmp_path / "r"
        )
        assert ran.returncode == ExitCode.USAGE
        assert "--indicator is for the text, csv and json tables" in ran.stderr


class TestDemo:
    def test_the_demo_writes_every_format_in_both_languages(self, cli: Cli, tmp_path: Path) -> None:
        ran = cli("--json", "demo", "--dir", tmp_path)
        assert ran.returncode == 0, ran.stderr
        reports = json.loads(ran.stdout)["reports"]
        names = sorted(Path(p).name for p in reports)
        assert names == sorted(
            f"report.{lang}.{fmt}" for lang in ("id", "en") for fmt in ("html", "md", "xlsx", "pdf")
        )
        assert all(Path(p).stat().st_size > 1000 for p in reports)
        assert "Laporan Klaster Mandiri" in (tmp_path / "reports" / "report.id.md").read_text(
            "utf-8"
        )


class TestParquetBeside:
    def test_a_parquet_program_finds_its_parquet_sidecar_beside_it(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        import klaster
        import klaster.observations

        pytest.importorskip("polars")
        program = klaster.load(PROGRAM)
        obs = klaster.observations.load(SIDECAR, program, klaster.observations.variable_catalogue())
        klaster.save(program, tmp_path / "bantaeng.parquet")
        klaster.observations.save(obs, tmp_path / "bantaeng.observations.parquet")
        from_json = cli("report", _document(tmp_path), "--format", "csv")
        from_parquet = cli("report", tmp_path / "bantaeng.parquet", "--format", "csv")
        assert from_parquet.returncode == 0, from_parquet.stderr
        assert "income_per_capita" in from_parquet.stdout  # read the values beside it
        assert from_parquet.stdout == from_json.stdout
