"""Charts drawn offline with matplotlib: inline SVG for HTML, PNG for PDF.

A chart is read by people who may not tell red from green and by people who cannot see it, so
the series use the Okabe–Ito palette (distinguishable with every common colour-vision
deficiency) and, for lines, a different marker and dash per series; the SVG carries a
``<title>`` and a ``<desc>`` with the alt text, and the renderers put the chart's data table
beside it. Axis ticks are formatted by :mod:`klaster.formatting` in the report's language
(``1.234,5`` / ``1,234.5``, ``31%``, ``Rp 1,7 juta``). A missing value (``None``) is a gap with
a note under the chart, never a zero and never a crash; a chart with no values at all says
"not available (no data)" where the bars would be.

Text is drawn as paths (``svg.fonttype = "path"``) so a chart looks the same in every browser
with no font installed and no network; the glyphs are defined once per chart and reused. The
SVG output is deterministic: no date in its metadata, a fixed ``svg.hashsalt``, and every ``id``
prefixed with the chart's key so several charts inlined in one HTML page never share an id.

matplotlib is the ``reports`` extra (``pip install 'klaster[reports]'``), imported on first use.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from html import escape
from typing import TYPE_CHECKING, Any, Final

from klaster.errors import KlasterError, ValidationError
from klaster.formatting import (
    Lang,
    check_lang,
    format_money,
    format_not_available,
    format_number,
    format_percent,
)
from klaster.reports.cells import cell_text, text
from klaster.reports.document import Chart, ChartKind, Column, Kind

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["PALETTE", "chart_alt", "chart_png", "chart_svg"]

PALETTE: Final[tuple[str, ...]] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow (last: weak contrast on white)
    "#000000",
)
"""The Okabe–Ito colour-blind-safe palette, in the order series take it."""

_MARKERS: Final = ("o", "s", "^", "D", "v", "P", "X", "*")
_DASHES: Final = ("-", "--", "-.", ":")
_HATCHES: Final = ("", "//", "..", "xx", "\\\\", "oo", "--", "++")
_RC: Final[dict[str, object]] = {
    "svg.fonttype": "path",
    "svg.hashsalt": "klaster",
    "text.parse_math": False,  # a "$" in a label is a dollar sign, not TeX
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#dddddd",
    "axes.axisbelow": True,
}
_LEGEND_CHARS: Final = 72  # characters of legend text one row of the figure holds
_LEGEND_PAD: Final = 6  # a legend entry's marker and spacing, in characters
_KIND_WORDS: Final[dict[ChartKind, tuple[str, str]]] = {
    ChartKind.BAR: ("Diagram batang", "Bar chart"),
    ChartKind.LINE: ("Diagram garis", "Line chart"),
}
_NO_DATA: Final = ("tidak ada data", "no data")
_GAP_NOTE: Final = ("Celah = tidak ada data", "Gap = no data")
_LARGEST: Final = 1e100  # beyond any figure a report holds; matplotlib's axes overflow
_ID = re.compile(r'\bid="([^"]+)"')


def chart_alt(chart: Chart, lang: Lang) -> str:
    """What ``chart`` shows in words: its alt text, or one written from its data.

    Example:
        >>> from klaster.label import Label
        >>> from klaster.reports.document import Series
        >>> chart = Chart("p0", Label("Kemiskinan", "Poverty"), ChartKind.BAR,
        ...     [Label("UMKM", "Small business")],
        ...     [Series(Label("Awal", "Baseline"), [Decimal("0.31")])], Kind.PERCENT)
        >>> chart_alt(chart, "en")
        'Bar chart: Poverty. Baseline: Small business 31.0%.'
    """
    kind = _KIND_WORDS[chart.kind][0 if check_lang(lang) == "id" else 1]
    head = f"{kind}: {text(chart.title, lang)}."
    if chart.alt is not None:
        return f"{head} {text(chart.alt, lang)}"
    columns = chart.as_table().columns
    parts = [head]
    for index, series in enumerate(chart.series):
        column = columns[1 + index]
        values = ", ".join(
            f"{text(category, lang)} {_value_text(value, column, lang)}"
            for category, value in zip(chart.categories, series.values, strict=True)
        )
        parts.append(f"{text(series.name, lang)}: {values}.")
    return " ".join(parts)


def chart_svg(chart: Chart, lang: Lang) -> str:
    """``chart`` as inline SVG text for an HTML page: no external references, alt text inside.

    The ``<svg>`` element has ``role="img"`` and is labelled by its ``<title>`` (the chart's
    title) and described by its ``<desc>`` (:func:`chart_alt`); ids are prefixed with the
    chart's key. The same chart gives the same text on every run.

    Raises:
        KlasterError: matplotlib is not installed (``pip install 'klaster[reports]'``).
    """
    with _figure(chart, lang) as figure:
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return _inline(buffer.getvalue(), chart, lang)


def chart_png(chart: Chart, lang: Lang, *, dpi: int = 150) -> bytes:
    """``chart`` as a PNG image (for PDF pages and spreadsheets), at ``dpi`` dots per inch.

    Raises:
        ValidationError: ``dpi`` is not a whole number from 10 to 1200.
        KlasterError: matplotlib is not installed (``pip install 'klaster[reports]'``).
    """
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not 10 <= dpi <= 1200:
        raise ValidationError("must be a whole number from 10 to 1200", path="dpi")
    with _figure(chart, lang) as figure:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def _value_text(value: Decimal | None, column: Column, lang: Lang) -> str:
    if value is None:
        return format_not_available(_NO_DATA[0 if lang == "id" else 1], lang)
    return cell_text(value, column, lang)


@contextmanager
def _figure(chart: Chart, lang: Lang) -> Iterator[Figure]:
    lang = check_lang(lang)
    matplotlib = _matplotlib()
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=(6.4, 3.6), layout="constrained")
        axes = figure.add_subplot()
        positions = list(range(len(chart.categories)))
        gaps = _draw(axes, chart, lang, positions)
        values = [float(v) for s in chart.series for v in s.values if v is not None]
        if not values:
            axes.text(
                0.5,
                0.5,
                format_not_available(_NO_DATA[0 if lang == "id" else 1], lang),
                transform=axes.transAxes,
                ha="center",
                va="center",
                color="#555555",
            )
            axes.set_yticks([])
        else:
            axes.yaxis.set_major_locator(MaxNLocator(nbins=6))
            axes.yaxis.set_major_formatter(FuncFormatter(_ticks(axes, chart.value_kind, lang)))
            if min(values) >= 0 and chart.kind is ChartKind.BAR:
                axes.set_ylim(bottom=0)
        axes.set_xticks(positions)
        names = [text(c, lang) for c in chart.categories]
        if len(names) > 6:  # many categories: slanted on one line, so they do not collide
            short = [n if len(n) <= 24 else n[:23] + "…" for n in names]
            axes.set_xticklabels(short, rotation=30, ha="right", rotation_mode="anchor")
        else:
            axes.set_xticklabels([textwrap.fill(n, 16) for n in names])
        if chart.series:
            labels = [text(s.name, lang) for s in chart.series]
            # Outside the axes, in as many columns as fit the figure's width (long round names
            # with dates would otherwise run off the picture).
            widest = max(len(label) for label in labels) + _LEGEND_PAD
            columns = max(1, min(len(labels), 4, _LEGEND_CHARS // widest))
            figure.legend(loc="outside upper center", ncols=columns, frameon=False)
        if gaps:
            missing = "; ".join(
                f"{text(chart.series[s].name, lang)} – {text(chart.categories[c], lang)}"
                for s, c in gaps
            )
            # As the figure's x label, so the layout keeps it clear of slanted category names.
            figure.supxlabel(
                textwrap.fill(f"{_GAP_NOTE[0 if lang == 'id' else 1]}: {missing}", 105),
                x=0.01,
                ha="left",
                fontsize=7,
                color="#555555",
            )
        yield figure


def _draw(axes: Any, chart: Chart, lang: Lang, positions: list[int]) -> list[tuple[int, int]]:
    """Draw the series; return the (series, category) pairs that have no value."""
    gaps: list[tuple[int, int]] = []
    count = max(len(chart.series), 1)
    width = 0.8 / count
    for s, series in enumerate(chart.series):
        color = PALETTE[s % len(PALETTE)]
        values = [
            _plotted(v, f"chart {chart.key!r} series[{s}].values[{c}]")
            for c, v in enumerate(series.values)
        ]
        gaps += [(s, c) for c, v in enumerate(series.values) if v is None]
        name = text(series.name, lang)
        if chart.kind is ChartKind.BAR:
            offsets = [p - 0.4 + width * (s + 0.5) for p in positions]
            present = [i for i, v in enumerate(values) if not math.isnan(v)]
            axes.bar(
                [offsets[i] for i in present],
                [values[i] for i in present],
                width * 0.95,
                color=color,
                edgecolor="#333333",
                linewidth=0.4,
                hatch=_HATCHES[s % len(_HATCHES)],
                label=name,
            )
        else:
            axes.plot(
                positions,
                values,
                color=color,
                marker=_MARKERS[s % len(_MARKERS)],
                linestyle=_DASHES[s % len(_DASHES)],
                linewidth=1.8,
                label=name,
            )
    return gaps


def _plotted(value: Decimal | None, path: str) -> float:
    if value is None:
        return math.nan
    number = float(value)
    if not math.isfinite(number) or abs(number) > _LARGEST:
        raise ValidationError(f"{value} cannot be drawn: use a finite figure", path=path)
    return number


def _ticks(axes: Any, kind: Kind, lang: Lang) -> Callable[[float, int], str]:
    def tick(value: float, _position: int) -> str:
        locs = axes.yaxis.get_majorticklocs()
        step = abs(locs[1] - locs[0]) if len(locs) > 1 else 1.0
        number = Decimal(f"{value:.12g}")
        if kind is Kind.PERCENT:
            return format_percent(number, lang, digits=_places(step * 100))
        if kind is Kind.MONEY:
            return format_money(number, lang, compact=True)
        return format_number(number, lang, digits=_places(step))

    return tick


def _places(step: float) -> int:
    """Decimals that tell ticks ``step`` apart (0 for steps of 1 and more)."""
    if step <= 0 or not math.isfinite(step):
        return 0
    return max(0, min(6, -math.floor(math.log10(step) + 1e-9)))


def _inline(svg: str, chart: Chart, lang: Lang) -> str:
    start = svg.index("<svg")
    body = re.sub(r"<metadata>.*?</metadata>\s*", "", svg[start:], flags=re.DOTALL)
    prefix = f"klaster-{chart.key}-"
    body = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', body)
    body = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', body)
    body = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", body)
    title_id, desc_id = f"{prefix}title", f"{prefix}desc"
    head = (
        f' role="img" aria-labelledby="{title_id}" aria-describedby="{desc_id}"'
        ' style="max-width:100%;height:auto"'
    )
    body = body.replace("<svg", "<svg" + head, 1)
    opening_end = body.index(">") + 1
    accessible = (
        f'\n <title id="{title_id}">{escape(text(chart.title, lang))}</title>'
        f'\n <desc id="{desc_id}">{escape(chart_alt(chart, lang))}</desc>'
    )
    return body[:opening_end] + accessible + body[opening_end:]


def _matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise KlasterError(
            "charts need matplotlib: pip install 'klaster[reports]'", path="chart"
        ) from None
    return matplotlib
