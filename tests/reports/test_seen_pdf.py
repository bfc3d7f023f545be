"""The PDF as a person sees it: pages rendered to PNG, page count and text checked."""

from __future__ import annotations

import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from klaster.errors import KlasterError, ValidationError
from klaster.formatting import Lang
from klaster.reports import write_report
from klaster.reports.document import Report, Table
from klaster.reports.pdf import render_pdf


def _pages(data: bytes, out: Path | None = None) -> list[str]:
    """Each page's text; with ``out``, each page also saved as ``page-N.png`` there."""
    document = pdfium.PdfDocument(data)
    texts = []
    try:
        for index in range(len(document)):
            page = document[index]
            if out is not None:
                bitmap = page.render(scale=1)
                image = bitmap.to_pil()
                assert image.getextrema() != ((255, 255), (255, 255), (255, 255))  # not blank
                image.save(out / f"page-{index + 1}.png")
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
    finally:
        document.close()
    return texts


class TestPages:
    @pytest.mark.parametrize("lang", ["id", "en"])
    def test_pages_render_and_read(self, every_block: Report, lang: Lang, tmp_path: Path) -> None:
        pages = _pages(render_pdf(every_block, lang), tmp_path)
        print(f"PDF pages as PNG: {tmp_path}")  # shown with -rA / on failure
        assert 3 <= len(pages) <= 6
        assert len(list(tmp_path.glob("page-*.png"))) == len(pages)
        title, *body = pages
        if lang == "id":
            assert "Laporan Klaster Mandiri" in title
            assert "18 Februari 2014" in title
            assert "Rp 1.700.000.000" in "".join(body)
            assert "31,0%" in "".join(body)
            assert "19,3%" in "".join(body)  # a row's own format (a share in a NUMBER column)
            assert "Rp 428.906" in "".join(body)
            assert "tidak tersedia (belum ada serah terima)" in "".join(body)
            assert f"Halaman 2 dari {len(pages)}" in body[0]
            assert "Lampiran: definisi" in body[-1]
        else:
            assert "February 18, 2014" in title
            assert "IDR 1,700,000,000" in "".join(body)
            assert "not available (no baseline round)" in "".join(body)
            assert "Income: baseline → endline" in "".join(body)  # Unicode font: the arrow
            assert f"Page {len(pages)} of {len(pages)}" in body[-1]

    def test_long_tables_repeat_their_header(self, every_block: Report) -> None:
        from attrs import evolve

        table = every_block.sections[1].blocks[0]
        assert isinstance(table, Table)
        long = evolve(table, rows=table.rows[:2] * 60, total_rows=0)
        report = evolve(every_block, sections=[evolve(every_block.sections[1], blocks=[long])])
        pages = _pages(render_pdf(report, "en"))
        spread = [p for p in pages[1:] if "Livestock" in p]
        assert len(spread) >= 3
        assert all("Income per capita" in p.replace("\r\n", " ").replace("\n", " ") for p in spread)

    def test_contents_page_gives_each_sections_page(self, every_block: Report) -> None:
        pages = [p.replace("\r\n", "\n") for p in _pages(render_pdf(every_block, "en"))]
        lines = pages[1].splitlines()
        assert "Contents" in lines
        for title in ("Summary", "Indicators", "Asset handover", "Appendix: definitions"):
            (entry,) = [line for line in lines if line.startswith(title)]
            page = int(entry.removeprefix(title).strip())
            assert title in pages[page - 1], title

    def test_outline_lists_the_sections(self, every_block: Report) -> None:
        document = pdfium.PdfDocument(render_pdf(every_block, "en"))
        try:
            titles = [item.get_title() for item in document.get_toc()]
        finally:
            document.close()
        assert titles == ["Summary", "Indicators", "Asset handover", "Appendix: definitions"]

    def test_same_report_same_bytes(self, every_block: Report) -> None:
        assert render_pdf(every_block, "en") == render_pdf(every_block, "en")


class TestBantaengPdf:
    @pytest.mark.parametrize("lang", ["id", "en"])
    def test_written_and_read_back(
        self, bantaeng_report: Report, lang: Lang, tmp_path: Path
    ) -> None:
        path = write_report(bantaeng_report, tmp_path / f"bantaeng-{lang}.pdf", lang=lang)
        pages = _pages(path.read_bytes(), tmp_path)
        print(f"PDF pages as PNG: {tmp_path}")
        assert len(pages) >= 5
        text = "".join(pages)
        assert bantaeng_report.title.get(lang) in pages[0]
        for section in bantaeng_report.sections:
            assert section.title.get(lang) in text
        if lang == "id":
            assert "Halaman 2 dari" in pages[1]
            assert "31,0%" in text
        else:
            assert "Page 2 of" in pages[1]
            assert "31.0%" in text


class TestLanguage:
    def test_an_unknown_language_is_refused(self, every_block: Report) -> None:
        with pytest.raises(ValidationError, match="unknown language 'fr'"):
            render_pdf(every_block, "fr")  # type: ignore[arg-type]


class TestMissingExtra:
    def test_names_the_extra(self, monkeypatch: pytest.MonkeyPatch, every_block: Report) -> None:
        monkeypatch.setitem(sys.modules, "fpdf", None)
        with pytest.raises(KlasterError, match=r"pip install 'klaster\[reports\]'"):
            render_pdf(every_block, "en")
