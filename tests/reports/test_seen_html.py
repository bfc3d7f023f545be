"""The HTML report as a person sees it: headless Chromium, networking off, a screenshot.

The browser is Debian's ``chromium`` (``.ci/run`` installs it when missing). Without it the
test fails with what to install; it skips only when ``KLASTER_SKIP_BROWSER=1`` says a machine
without a browser is expected to skip it, so CI never passes by silently skipping.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from klaster.formatting import Lang
from klaster.reports.document import Report

CHROMIUM = os.environ.get("KLASTER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def _chromium() -> str:
    if Path(CHROMIUM).is_file():
        return CHROMIUM
    if os.environ.get("KLASTER_SKIP_BROWSER") == "1":
        pytest.skip("no chromium and KLASTER_SKIP_BROWSER=1: the browser test is skipped")
    pytest.fail(
        f"the browser test needs chromium at {CHROMIUM}: apt-get install chromium (.ci/run does "
        "it), set KLASTER_CHROMIUM to a Chromium binary, or KLASTER_SKIP_BROWSER=1 to skip"
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module (starting it costs about a second)."""
    executable = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="the browser extra")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where the screenshots go: pytest's temporary folder, printed with each screenshot's path.

    (Not ``record_property``: it warns under the default JUnit family, and warnings are errors.)
    """
    return tmp_path


class Seen:
    """What a page showed: its text, console errors, failed and blocked requests."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.blocked: list[str] = []
        self.text = ""
        self.screenshot = Path()


def _open(browser: Any, html: str, tmp_path: Path, name: str) -> Seen:
    """Open ``html`` from a file with every other request refused; screenshot it."""
    page_file = tmp_path / f"{name}.html"
    page_file.write_text(html, encoding="utf-8")
    url = page_file.as_uri()
    seen = Seen()
    context = browser.new_context(offline=True, java_script_enabled=True)
    page = context.new_page()

    def route(request: Any) -> None:
        if request.request.url == url:
            request.continue_()
        else:
            seen.blocked.append(request.request.url)
            request.abort()

    page.route("**/*", route)
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.errors.append(str(e)))
    page.on("requestfailed", lambda r: seen.failed.append(r.url))
    page.goto(url, wait_until="load")
    seen.text = page.inner_text("body")
    shot = tmp_path / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")  # shown with -rA and on failure
    context.close()
    seen.screenshot = shot
    return seen


def _bantaeng_html(lang: Lang) -> tuple[Report, str]:
    import klaster.examples
    from klaster.reports.build import build_report
    from klaster.reports.html import render_html

    program, observations = klaster.examples.bantaeng()
    report = build_report(program, observations, made_on=dt.date(2014, 2, 18))
    return report, render_html(report, lang)


def _clean(seen: Seen) -> None:
    assert seen.errors == [], "console errors"
    assert seen.blocked == [], "requests other than the file itself"
    assert seen.failed == [], "failed requests"
    assert seen.screenshot.stat().st_size > 10_000, "a blank screenshot"


class TestBantaengInTheBrowser:
    def test_indonesian(self, browser: Any, shots: Path) -> None:
        report, html = _bantaeng_html("id")
        seen = _open(browser, html, shots, "bantaeng-id")
        _clean(seen)
        assert report.title.id in seen.text
        assert "18 Februari 2014" in seen.text
        assert "tidak tersedia (" in seen.text
        assert "Rp " in seen.text
        assert "%" in seen.text
        assert "," in seen.text

    def test_english(self, browser: Any, shots: Path) -> None:
        report, html = _bantaeng_html("en")
        seen = _open(browser, html, shots, "bantaeng-en")
        _clean(seen)
        assert report.title.en in seen.text
        assert "February 18, 2014" in seen.text
        assert "not available (" in seen.text
        assert "IDR " in seen.text


class TestEveryBlockInTheBrowser:
    def test_every_block_kind_shows(self, browser: Any, every_block: Report, shots: Path) -> None:
        from klaster.reports.html import render_html

        seen = _open(browser, render_html(every_block, "id"), shots, "every-block-id")
        _clean(seen)
        for expected in (
            "Laporan Klaster Mandiri",
            "1.234",  # a count in Indonesian
            "Rp 1.700.000.000",
            "31,0%",
            "18 Februari 2014",
            "tidak tersedia (no baseline round)",
            "tidak tersedia (belum ada serah terima)",
        ):
            assert expected in seen.text, expected

    def test_a_page_that_reaches_out_is_caught(self, browser: Any, tmp_path: Path) -> None:
        # The harness itself: a page with a remote image must fail the checks above.
        html = '<!DOCTYPE html><html><body><img src="https://example.org/x.png"></body></html>'
        seen = _open(browser, html, tmp_path, "reaching-out")
        assert seen.blocked == ["https://example.org/x.png"]
        assert seen.failed == ["https://example.org/x.png"]
        with pytest.raises(AssertionError, match="console errors"):
            _clean(seen)


class TestNoSilentSkip:
    def test_no_browser_fails_unless_skipping_is_asked_for(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setattr(f"{__name__}.CHROMIUM", str(tmp_path / "no-chromium"))
        monkeypatch.delenv("KLASTER_SKIP_BROWSER", raising=False)
        with pytest.raises(pytest.fail.Exception, match="apt-get install chromium"):
            _chromium()
        monkeypatch.setenv("KLASTER_SKIP_BROWSER", "1")
        with pytest.raises(pytest.skip.Exception):
            _chromium()
