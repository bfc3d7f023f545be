"""``--lang`` and ``KLASTER_LANG``: figures on screen in Indonesian or English, one rule."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.cli.conftest import PROGRAM, Cli
from tests.cli.test_budget import documents  # noqa: F401  (the fixture)

from klaster.cli._exit import ExitCode
from klaster.cli._output import number

INDICATORS = ("--indicator", "poverty_headcount", "income_per_capita", "members")


class TestReport:
    def test_english_by_default(self, cli: Cli) -> None:
        ran = cli("report", PROGRAM, *INDICATORS)
        assert ran.returncode == ExitCode.OK, ran.stderr
        headcount = next(x for x in ran.stdout.splitlines() if x.startswith("poverty_headcount"))
        # labelled "Persentase": shown as a percentage with its n, never 0.310
        assert "31.0% (n=190)" in headcount
        assert "0.31" not in headcount
        assert "IDR 282,809 (n=190)" in ran.stdout

    def test_indonesian_before_or_after_the_command(self, cli: Cli) -> None:
        for argv in (("--lang", "id", "report", PROGRAM), ("report", PROGRAM, "--lang", "id")):
            ran = cli(*argv, *INDICATORS)
            assert ran.returncode == ExitCode.OK, ran.stderr
            assert "31,0% (n=190)" in ran.stdout
            assert "Rp 282.809 (n=190)" in ran.stdout

    def test_the_environment(self, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("KLASTER_LANG", "id")
        assert "Rp 282.809" in cli("report", PROGRAM, *INDICATORS).stdout
        # the option wins over the environment
        assert "IDR 282,809" in cli("--lang", "en", "report", PROGRAM, *INDICATORS).stdout

    def test_a_wrong_environment_is_named(self, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("KLASTER_LANG", "fr")
        ran = cli("report", PROGRAM, *INDICATORS)
        assert ran.returncode == ExitCode.REFUSED
        assert "KLASTER_LANG" in ran.stderr
        assert "use 'id' or 'en'" in ran.stderr

    def test_a_wrong_option_is_a_usage_error(self, cli: Cli) -> None:
        ran = cli("--lang", "fr", "report", PROGRAM)
        assert ran.returncode == ExitCode.USAGE

    def test_rounds_in_date_order_in_a_file(self, cli: Cli, tmp_path: Path) -> None:
        out = tmp_path / "report.txt"
        ran = cli("--lang", "id", "report", PROGRAM, *INDICATORS, "--output", out)
        assert ran.returncode == ExitCode.OK, ran.stderr
        text = out.read_text(encoding="utf-8")
        assert text.index("baseline") < text.index("endline")
        assert "31,0%" in text


class TestReportDocuments:
    def test_indonesian_unless_asked(
        self, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert cli("report", PROGRAM, "--format", "md", "--out", "a.md").returncode == 0
        assert Path("a.md").read_text(encoding="utf-8").startswith("# Laporan")
        monkeypatch.setenv("KLASTER_LANG", "en")
        assert cli("report", PROGRAM, "--format", "md", "--out", "b.md").returncode == 0
        assert Path("b.md").read_text(encoding="utf-8").startswith("# Klaster Mandiri report")
        ran = cli("--lang", "id", "report", PROGRAM, "--format", "md", "--out", "c.md")
        assert ran.returncode == 0
        assert Path("c.md").read_text(encoding="utf-8").startswith("# Laporan")


class TestTextTable:
    def test_rounds_by_date_and_figures_by_display(self) -> None:
        from tests.measurement.test_notebook import engine

        from klaster.cli._output import render_text
        from klaster.cli._report import text_table

        results = engine.__wrapped__().report("poverty_headcount", by=[()])  # type: ignore[attr-defined]
        rows = sorted(results, key=lambda r: r.round_id or "")  # alphabetical: monitoring last
        text = render_text(text_table(rows, "id", displays=results.displays))
        header = text.splitlines()[0]
        assert header.index("monitoring") < header.index("endline")
        assert "(n=40)" in text
        assert "%" in text


class TestStatus:
    def test_counts_in_the_language(self, cli: Cli, store: Path) -> None:
        english = cli("status", store).stdout
        indonesian = cli("--lang", "id", "status", store).stdout
        assert "1,890" in english.splitlines()[-1]  # the observation values, grouped
        assert "1.890" in indonesian.splitlines()[-1]
        assert english.replace("1,890", "1.890") == indonesian


class TestBudget:
    def test_rupiah_by_default_and_english_on_request(
        self,
        cli: Cli,
        documents: tuple[Path, Path],  # noqa: F811
    ) -> None:
        program, finance = documents
        default = cli("budget", program, "--finance", finance)
        assert default.returncode == ExitCode.OK, default.stderr
        assert "Rp " in default.stdout
        assert "IDR" not in default.stdout
        english = cli("--lang", "en", "budget", program, "--finance", finance)
        assert "IDR " in english.stdout
        assert "Rp " not in english.stdout


class TestNumber:
    @given(st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, places=4))
    def test_id_and_en_agree(self, value: Decimal) -> None:
        english, indonesian = number(value, "en"), number(value, "id")
        assert english.replace(",", "_").replace(".", ",").replace("_", ".") == indonesian
