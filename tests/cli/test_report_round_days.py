"""``klaster report`` on a program whose clusters survey the baseline on their own days."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Cli
from tests.exports.test_tidy_round_dates import _twins


class TestRoundsOfSeveralDays:
    def test_text_columns_in_date_order(self, cli: Cli, tmp_path: Path) -> None:
        # The baseline has no one date (two days), the endline has: the baseline went last.
        ran = cli("report", _twins(tmp_path), "--indicator", "members", "--lang", "en")
        assert ran.returncode == 0, ran.stderr
        head = ran.stdout.splitlines()[0].split()
        assert head[-2:] == ["baseline", "endline"]

    def test_document_headings_show_the_days(self, cli: Cli, tmp_path: Path) -> None:
        out = tmp_path / "report.md"
        ran = cli("report", _twins(tmp_path), "--format", "md", "--lang", "en", "--out", out)
        assert ran.returncode == 0, ran.stderr
        text = out.read_text(encoding="utf-8")
        assert (
            "| Baseline (June 15, 2011 – July 1, 2011) | n | Endline (March 1, 2014) | n |" in text
        )

    def test_from_a_store(self, cli: Cli, tmp_path: Path) -> None:
        source = _twins(tmp_path)
        store = tmp_path / "twins.klaster"
        sidecar = source.with_name("program.observations.jsonl")
        assert cli("init", store, "--from", source, "--observations", sidecar).returncode == 0
        ran = cli("report", store, "--indicator", "members", "--lang", "en")
        assert ran.stdout.splitlines()[0].split()[-2:] == ["baseline", "endline"]
        out = tmp_path / "report.md"
        assert cli("report", store, "--format", "md", "--lang", "en", "--out", out).returncode == 0
        assert "| Baseline (June 15, 2011 – July 1, 2011) | n |" in out.read_text(encoding="utf-8")
        key = tmp_path / "key"
        key.write_text("the program office keeps this secret\n")
        tidy = ("export", "tidy", store, "--out", tmp_path / "t", "--secret-file", key)
        assert cli(*tidy, "--tables", "figures").returncode == 0
        lines = (tmp_path / "t" / "figures.csv").read_text(encoding="utf-8-sig").splitlines()
        assert "members,Jumlah mitra,Members,member,baseline,2011-07-01,twin,152" in "\n".join(
            lines
        )
