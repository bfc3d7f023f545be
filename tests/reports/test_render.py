"""The HTML and Markdown renderers, both languages from the same figures, and writing files."""

from __future__ import annotations

import datetime as dt
import re
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import klaster.examples
from klaster.errors import KlasterError, ValidationError
from klaster.label import Label
from klaster.reports import (
    Column,
    Kind,
    Report,
    Section,
    Table,
    build_report,
    cell_text,
    render,
    render_html,
    render_markdown,
    write_report,
)
from klaster.reports.document import Paragraph

DAY = dt.date(2014, 4, 1)
EXTERNAL = re.compile(
    r"""(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:|//|ftp:)""", re.I
)


@pytest.fixture(scope="module")
def bantaeng_report() -> Report:
    return build_report(*klaster.examples.bantaeng(), made_on=DAY)


def one_table(rows: list[tuple[object, ...]], columns: list[Column]) -> Report:
    table = Table("t", Label("Tabel", "Table"), columns, rows)  # type: ignore[arg-type]
    return Report(Label("L", "R"), Label("s", "s"), DAY, [Section("s", Label("S", "S"), [table])])


class TestHtml:
    @pytest.mark.parametrize("lang", ["id", "en"])
    def test_one_offline_file_no_script_no_external_reference(
        self, bantaeng_report: Report, lang: str
    ) -> None:
        page = render_html(bantaeng_report, lang)  # type: ignore[arg-type]
        assert page.startswith("<!DOCTYPE html>")
        assert f'<html lang="{lang}">' in page
        assert "<script" not in page.lower()
        assert "javascript:" not in page.lower()
        assert not EXTERNAL.search(page)
        assert "@import" not in page
        assert "url(http" not in page
        assert "<link" not in page
        assert "<iframe" not in page
        assert "<img" not in page

    def test_charts_are_figures_with_caption_alt_text_and_data(
        self, bantaeng_report: Report
    ) -> None:
        page = render_html(bantaeng_report, "en")
        figures = re.findall(r"<figure.*?</figure>", page, re.S)
        assert len(figures) >= 2
        for figure in figures:
            assert "<figcaption>" in figure
            assert 'role="img"' in figure
            assert "<title" in figure
            assert "<desc" in figure
            assert "<table" in figure  # the chart's data table

    def test_the_external_reference_check_can_fail(self) -> None:
        assert EXTERNAL.search('<img src="https://cdn.example/x.png">')
        assert EXTERNAL.search("<a href='//cdn.example'>")
        assert not EXTERNAL.search('<svg xmlns="http://www.w3.org/2000/svg">')

    def test_text_is_escaped(self) -> None:
        evil = Label("<script>alert(1)</script> & co", "<b onclick=x>")
        report = Report(
            evil,
            evil,
            DAY,
            [Section("s", evil, [Paragraph(evil)]), Section("m", evil, missing=evil)],
        )
        for lang in ("id", "en"):
            page = render_html(report, lang)
            assert "<script>" not in page
            assert "<b onclick" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in render_html(report, "id")

    def test_a_missing_section_says_not_available_and_why(self, bantaeng_report: Report) -> None:
        page = render_html(bantaeng_report, "id")
        assert "tidak tersedia (tidak ada buku keuangan klaster)" in page
        page = render_html(bantaeng_report, "en")
        assert "not available (no finance book for the clusters)" in page

    def test_totals_are_marked_and_numbers_right_aligned(self, bantaeng_report: Report) -> None:
        page = render_html(bantaeng_report, "id")
        assert '<tr class="total">' in page
        assert '<td class="num">Rp 282.809</td>' in page
        assert '<td class="num">31,0%</td>' in page

    def test_an_unknown_language_is_refused(self, bantaeng_report: Report) -> None:
        with pytest.raises(ValidationError, match="'id' or 'en'"):
            render_html(bantaeng_report, "fr")  # type: ignore[arg-type]


class TestMarkdown:
    def test_sections_tables_and_definitions(self, bantaeng_report: Report) -> None:
        text = render_markdown(bantaeng_report, "en")
        assert text.startswith("# Klaster Mandiri report\n")
        assert "## Indicators" in text
        assert "## Appendix: definitions" in text
        assert "| income_per_capita | Income per capita | IDR/month | IDR 282,809 | 190 |" in text
        assert "_not available (no finance book for the clusters)_" in text
        assert "### Chart: Income per capita" in text

    def test_pipes_and_line_breaks_never_break_a_table(self) -> None:
        report = one_table([(Label("a|b\nc", "a|b\nc"),)], [Column("x", Label("x|y", "x|y"))])
        lines = render_markdown(report, "id").splitlines()
        assert r"| x\|y |" in lines
        assert r"| a\|b c |" in lines


def _numbers(text: str, lang: str) -> str:
    """A formatted cell with the language taken out: separators and currency normalised."""
    text = text.replace("Rp ", "").replace("IDR ", "").replace("Rp", "").replace("IDR", "")
    if lang == "id":
        return text.replace(".", "").replace(",", ".")
    return text.replace(",", "")


decimals = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, places=4
)


class TestLanguages:
    @settings(max_examples=60, deadline=None)
    @given(st.lists(decimals, min_size=1, max_size=6), st.sampled_from(list(Kind)))
    def test_both_languages_show_the_same_numbers(self, values: list[Decimal], kind: Kind) -> None:
        if kind in (Kind.TEXT, Kind.DATE):
            kind = Kind.NUMBER
        column = Column("v", Label("Nilai", "Value"), kind, 2)
        report = one_table([(v,) for v in values], [column])
        cells = {}
        for lang in ("id", "en"):
            page = render_markdown(report, lang)
            rows = [line for line in page.splitlines() if line.startswith("| ")][2:]
            cells[lang] = [_numbers(row.strip("| "), lang) for row in rows]
        assert cells["id"] == cells["en"]
        assert len(cells["id"]) == len(values)

    def test_the_bantaeng_report_differs_only_in_language(self, bantaeng_report: Report) -> None:
        for table in bantaeng_report.tables():
            for r, row in enumerate(table.rows):
                for c, value in enumerate(row):
                    column = table.column_at(r, c)
                    if column.kind in (Kind.TEXT, Kind.DATE) or not isinstance(
                        value, Decimal | int
                    ):
                        continue
                    shown = {lang: cell_text(value, column, lang) for lang in ("id", "en")}
                    assert _numbers(shown["id"], "id") == _numbers(shown["en"], "en")

    def test_labels_change_with_the_language(self, bantaeng_report: Report) -> None:
        assert "Pendapatan per kapita" in render_html(bantaeng_report, "id")
        assert "Pendapatan per kapita" not in render_html(bantaeng_report, "en")


class TestWriting:
    @pytest.mark.parametrize(("name", "head"), [("r.html", "<!DOCTYPE"), ("r.md", "# ")])
    def test_the_format_follows_the_suffix(
        self, bantaeng_report: Report, tmp_path: Path, name: str, head: str
    ) -> None:
        written = write_report(bantaeng_report, tmp_path / name, lang="en")
        assert written.read_text(encoding="utf-8").startswith(head)

    def test_a_failure_leaves_nothing_behind(
        self, bantaeng_report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import klaster.reports.html as html

        target = tmp_path / "r.html"
        target.write_text("old", encoding="utf-8")

        def broken(*_args: object) -> str:
            raise KlasterError("broken renderer")

        monkeypatch.setattr(html, "render_html", broken)
        with pytest.raises(KlasterError, match="broken renderer"):
            write_report(bantaeng_report, target)
        with pytest.raises(KlasterError, match="broken renderer"):
            write_report(bantaeng_report, tmp_path / "new.html")
        assert target.read_text(encoding="utf-8") == "old"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]

    def test_a_missing_extra_names_what_to_install(
        self, bantaeng_report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setitem(sys.modules, "matplotlib", None)
        with pytest.raises(KlasterError, match=r"pip install 'klaster\[reports\]'"):
            write_report(bantaeng_report, tmp_path / "r.html")
        assert list(tmp_path.iterdir()) == []
        # Markdown needs no extra: a chart is written as its words and data.
        write_report(bantaeng_report, tmp_path / "r.md")

    def test_an_unknown_format_is_refused(self, bantaeng_report: Report, tmp_path: Path) -> None:
        with pytest.raises(ValidationError, match="html, md, xlsx, pdf"):
            write_report(bantaeng_report, tmp_path / "r.doc", format="doc")  # type: ignore[arg-type]
        assert list(tmp_path.iterdir()) == []

    @pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
    def test_xlsx_and_pdf_are_bytes(self, bantaeng_report: Report, fmt: str) -> None:
        found = render(bantaeng_report, fmt, "en")  # type: ignore[arg-type]
        assert isinstance(found, bytes)
        assert found[:4] == (b"PK\x03\x04" if fmt == "xlsx" else b"%PDF")
