"""The results table as an analyst types and reads it: strings, wide output, compact HTML."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import klaster
import klaster.plugins
from klaster.catalogue import Display, DisplayKind
from klaster.measurement import Measurement, Results
from klaster.observations import Observations, Round, variable_catalogue

DATA = Path(__file__).resolve().parents[2] / "examples" / "data" / "bantaeng.json"
D = Decimal


@pytest.fixture(scope="module")
def engine() -> Measurement:
    program = klaster.load(DATA)
    obs = Observations(program, variable_catalogue(klaster.plugins.get_host()))
    rng = random.Random(5)
    members = list(program.clusters["bantaeng"].members)
    # "monitoring" sorts after "endline" by name but comes between them by date.
    rounds = (
        ("bl", "baseline", "2011-06-15", members),
        ("mo", "monitoring", "2012-09-01", members[:40]),
        ("el", "endline", "2014-03-01", members),
    )
    for round_id, kind, on, who in rounds:
        obs.add_round(Round(round_id, "bantaeng", kind, on))
        obs.record_many(
            round_id,
            [(m.id, {"monthly_income": D(rng.randrange(0, 3_000_000))}) for m in who],
        )
    return Measurement(program, obs)


class TestAsTyped:
    def test_a_string_is_one_indicator_and_one_dimension(self, engine: Measurement) -> None:
        results = engine.report("income_per_capita", by="sector")
        assert {row.indicator for row in results} == {"income_per_capita"}
        assert results.dimensions == ("sector",)
        # the total is there too, as with the command line's --by
        assert results.row("income_per_capita", "endline").by == ()
        assert results.row("income_per_capita", "endline", sector="umkm").n > 0

    def test_crossed_dimensions_in_one_string(self, engine: Measurement) -> None:
        results = engine.report("members", by="cluster,sector")
        assert results.row("members", "baseline", cluster="bantaeng", sector="umkm").n > 0

    def test_strings_in_a_list(self, engine: Measurement) -> None:
        results = engine.report(["members"], by=[(), "sex", "cluster,sector"])
        assert results.dimensions == ("sex", "cluster", "sector")

    def test_codes_joined_by_commas(self, engine: Measurement) -> None:
        results = engine.report("members, groups", by=[()])
        assert {row.indicator for row in results} == {"members", "groups"}

    def test_unknown_indicator_with_did_you_mean(self, engine: Measurement) -> None:
        with pytest.raises(klaster.NotFoundError, match="did you mean 'income_per_capita'") as e:
            engine.report("income_per_capta")
        assert e.value.path == "indicators[0]"

    def test_unknown_dimension_with_did_you_mean(self, engine: Measurement) -> None:
        with pytest.raises(klaster.ValidationError, match="did you mean 'sector'") as e:
            engine.report("members", by="sectr")
        assert e.value.path == "by"
        with pytest.raises(klaster.ValidationError, match="unknown dimension 'gender'") as e:
            engine.report("members", by=[(), "cluster,gender"])
        assert e.value.path == "by[1]"


class TestRoundsInDateOrder:
    def test_rounds_by_date_not_name(self, engine: Measurement) -> None:
        results = engine.report("income_per_capita", by=[()])
        assert results.rounds == ("baseline", "monitoring", "endline")

    def test_rows_given_alphabetically_still_read_by_date(self, engine: Measurement) -> None:
        results = engine.report("income_per_capita", by=[()])
        shuffled = Results(sorted(results.rows, key=lambda r: r.round_id or ""))
        assert [r.round_id for r in shuffled] == ["baseline", "endline", "monitoring"]
        assert shuffled.rounds == ("baseline", "monitoring", "endline")
        assert list(shuffled.wide()[0])[-4:-2] == ["monitoring", "n_monitoring"]
        html = shuffled.to_html("en")
        assert html.index(">monitoring<") < html.index(">endline<")

    def test_wide_has_rounds_as_columns(self, engine: Measurement) -> None:
        results = engine.report("income_per_capita", by="sector")
        (total, umkm) = results.wide()
        assert list(total)[-6:] == [
            "baseline",
            "n_baseline",
            "monitoring",
            "n_monitoring",
            "endline",
            "n_endline",
        ]
        assert total["sector"] is None
        assert umkm["sector"] == "umkm"
        assert total["n_monitoring"] == 40
        assert total["endline"] == results.value("income_per_capita", "endline")

    def test_wide_frames(self, engine: Measurement) -> None:
        pytest.importorskip("polars")
        frame = engine.report("income_per_capita", by=[()]).to_polars(wide=True)
        assert frame.columns[-6:] == [
            "baseline",
            "n_baseline",
            "monitoring",
            "n_monitoring",
            "endline",
            "n_endline",
        ]


class TestDisplayPrecision:
    def test_each_indicator_has_its_display(self, engine: Measurement) -> None:
        results = engine.report("poverty_headcount,poverty_gap,income_per_capita,members")
        assert results.display("poverty_headcount") == Display(DisplayKind.PERCENT, 1)
        assert results.display("poverty_gap") == Display(DisplayKind.NUMBER, 3)
        assert results.display("income_per_capita") == Display(DisplayKind.MONEY, 0)
        assert results.display("members") == Display(DisplayKind.COUNT, 0)
        with pytest.raises(klaster.NotFoundError, match="did you mean 'members'"):
            results.display("membres")

    def test_a_sector_file_declares_it(self, engine: Measurement) -> None:
        assert engine.indicator("yield_per_ha").shown_as == Display(DisplayKind.NUMBER, 0)
        assert engine.indicator("profit_margin").shown_as == Display(DisplayKind.PERCENT, 1)

    def test_filtering_keeps_the_displays(self, engine: Measurement) -> None:
        results = engine.report("poverty_gap")
        assert results.filter(round_id="endline").display("poverty_gap").digits == 3


class TestHtml:
    def test_compact_rounded_with_n_and_totals(self, engine: Measurement) -> None:
        results = engine.report("income_per_capita,poverty_headcount", by="sector")
        html = results.to_html("id")
        value = results.value("poverty_headcount", "endline")
        assert isinstance(value, Decimal)
        shown = f"{value * 100:.1f}%".replace(".", ",")
        assert shown in html  # a percentage, not 0.310 with 28 digits
        assert str(value) not in html
        assert "Rp " in html
        assert "n=40" in html
        assert "<em>Total</em>" in html
        assert html.index(">monitoring<") < html.index(">endline<")

    def test_english_and_the_default_language(
        self, engine: Measurement, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        results = engine.report("income_per_capita", by=[()])
        assert "IDR " in results.to_html("en")
        monkeypatch.setenv("KLASTER_LANG", "id")
        assert "Rp " in results._repr_html_()
        monkeypatch.setenv("KLASTER_LANG", "fr")
        with pytest.raises(klaster.ValidationError) as e:
            results._repr_html_()
        assert e.value.path == "KLASTER_LANG"

    def test_not_available_with_its_reason(self, engine: Measurement) -> None:
        html = engine.report("income_change_pct", by=[()]).to_html("en")
        assert "not available (" in html

    def test_escaped_and_limited(self) -> None:
        from klaster.label import Label
        from klaster.measurement import Row

        rows = [
            Row("x", Label("<b>", "<b>"), "ratio", "r", None, (("desa", f"<i>{i}"),), D("0.5"))
            for i in range(5)
        ]
        html = Results(rows).to_html("en", max_lines=2)
        assert "<b>" not in html
        assert "&lt;b&gt;" in html
        assert "&lt;i&gt;0" in html
        assert "3 more lines" in html


class TestRepr:
    def test_short_and_informative(self, engine: Measurement) -> None:
        text = repr(engine.report())
        assert len(text) < 200
        assert "rounds baseline, monitoring, endline" in text
        assert "by cluster" in text


def _twins(days: dict[str, str]) -> Measurement:
    """Bantaeng and a copy of it (other member IDs) surveying each round on its own day."""
    import json

    document = json.loads(DATA.read_text(encoding="utf-8"))
    cluster = document["program"]["clusters"][0]
    twin = json.loads(json.dumps(cluster).replace('"BTG-', '"TWN-'))
    twin.update(id="twin", name="Twin", groups=[], cooperatives=[], stakeholders=[])
    document["program"]["clusters"].append(twin)
    program = klaster.loads(json.dumps(document))
    obs = Observations(program, variable_catalogue(klaster.plugins.get_host()))
    for kind, on in (
        ("baseline", "2011-06-15"),
        ("midline", "2012-09-01"),
        ("endline", "2014-03-01"),
    ):
        obs.add_round(Round(f"b-{kind}", "bantaeng", kind, on))
        obs.add_round(Round(f"t-{kind}", "twin", kind, days.get(kind, on)))
    return Measurement(program, obs)


class TestRoundsOfSeveralDays:
    """A round key whose clusters surveyed it on different days has no date but keeps its place."""

    def test_undated_round_between_dated_ones(self) -> None:
        results = _twins({"midline": "2012-10-20"}).report("members", by=[(), ("cluster",)])
        assert {r.round_id: r.on for r in results.filter(total_over=["cluster"])} == {
            "baseline": dt.date(2011, 6, 15),
            "midline": None,
            "endline": dt.date(2014, 3, 1),
        }
        assert results.rounds == ("baseline", "midline", "endline")
        assert list(results.wide()[0])[-6::2] == ["baseline", "midline", "endline"]
        assert "rounds baseline, midline, endline" in repr(results)
        html = results.to_html("en")
        assert html.index(">baseline<") < html.index(">midline<") < html.index(">endline<")

    def test_undated_baseline_before_dated_endline(self) -> None:
        results = _twins({"baseline": "2011-07-01"}).report("members", by=[()])
        assert results.rounds == ("baseline", "midline", "endline")

    def test_every_round_undated_as_listed(self) -> None:
        days = {"baseline": "2011-07-01", "midline": "2012-10-20", "endline": "2014-04-01"}
        results = _twins(days).report("members", by=[()])
        assert results.rounds == ("baseline", "midline", "endline")

    def test_figures_not_tied_to_a_round_last(self) -> None:
        from klaster.label import Label
        from klaster.measurement import Row

        def row(key: str | None, on: dt.date | None) -> Row:
            return Row("x", Label("x", "x"), None, key, on, (), D(1))

        rows = [row(None, None), row("b", None), row("a", dt.date(2012, 1, 1)), row("c", None)]
        assert Results(rows).rounds == ("b", "a", "c", None)


class TestRoundOrderProperty:
    @given(
        st.lists(
            st.tuples(st.dates(dt.date(2010, 1, 1), dt.date(2020, 1, 1)), st.booleans()),
            min_size=1,
            max_size=8,
            unique_by=lambda item: item[0],
        )
    )
    def test_rounds_listed_by_earliest_day_keep_that_order(
        self, rounds: list[tuple[dt.date, bool]]
    ) -> None:
        # The engine lists round keys by their earliest day; a key without one date (its
        # clusters surveyed on different days) carries no date but keeps its place.
        from klaster.label import Label
        from klaster.measurement import Row

        ordered = sorted(rounds)
        rows = [
            Row("x", Label("x", "x"), None, f"r{index}", day if dated else None, (), D(1))
            for index, (day, dated) in enumerate(ordered)
        ]
        assert Results(rows).rounds == tuple(f"r{index}" for index in range(len(ordered)))
