"""Report sections plugins declare: from a sector TOML file and from Python hooks."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest
from tests.reports.synthetic import national

import klaster
import klaster.examples
from klaster import hookimpl
from klaster.catalogue import ReportSection
from klaster.label import Label
from klaster.model.program import Program
from klaster.observations import Observations, Round, variable_catalogue
from klaster.plugins import PluginHost, SectorData, StaticPlugin, get_host
from klaster.plugins.sectorfile import read_sector_toml
from klaster.reports import Chart, Report, Section, Table, build_report, render_html
from klaster.testing.plugins import isolated_host, registered

ROOT = Path(__file__).resolve().parents[2]
SEAWEED = ROOT / "examples" / "klaster-seaweed" / "src" / "klaster_seaweed" / "__init__.py"
DAY = dt.date(2016, 1, 1)


def section(report: Report, key: str) -> Section:
    return next(s for s in report.sections if s.key == key)


@pytest.fixture(scope="module")
def seaweed_module() -> Iterator[ModuleType]:
    """The example third-party plugin, imported from its source file under its own name."""
    spec = importlib.util.spec_from_file_location("klaster_seaweed_reports_test", SEAWEED)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


@pytest.fixture
def seaweed(seaweed_module: ModuleType) -> Iterator[tuple[Program, Observations]]:
    """A one-cluster seaweed program with a baseline and an endline (the plugin registered)."""
    with registered(seaweed_module, name="seaweed"):
        document = json.loads(klaster.examples.path("bantaeng.json").read_text("utf-8"))
        cluster = document["program"]["clusters"][0]
        cluster["sectors"][0]["sector"] = "seaweed"
        for member in cluster["members"]:
            member["sector"], member["business_type"] = "seaweed", "cottonii"
        for group in cluster["groups"]:
            group["sector"] = "seaweed"
        for cooperative in cluster["cooperatives"]:
            cooperative["sectors"] = ["seaweed"]
        program = klaster.loads(json.dumps(document))
        observations = Observations(program, variable_catalogue())
        observations.add_round(Round("sw-bl", "bantaeng", "baseline", dt.date(2011, 6, 15)))
        observations.add_round(Round("sw-el", "bantaeng", "endline", dt.date(2014, 3, 1)))
        members = list(program.clusters["bantaeng"].members)[:40]
        for round_id, lines in (("sw-bl", 10), ("sw-el", 16)):
            for index, member in enumerate(members):
                observations.record(
                    round_id,
                    member.id,
                    {
                        "seaweed_lines": lines + index % 3,
                        "wet_harvest_kg": Decimal(400),
                        "dry_harvest_kg": Decimal(lines * 5),
                        "cycles_per_year": 6,
                        "dry_price_per_kg": Decimal(9000),
                        "seaweed_costs": Decimal(150000),
                    },
                )
        yield program, observations


class TestHook:
    def test_the_built_in_livestock_file_declares_one(self) -> None:
        (found,) = get_host().report_sections("livestock")
        assert found.code == "livestock_herd"
        assert found.chart
        assert found.by == ("cluster",)

    def test_read_from_a_sector_file(self) -> None:
        data = read_sector_toml(
            """
            [sector]
            code = "crafts"
            name = { id = "Kerajinan", en = "Crafts" }
            description = { id = "Kerajinan tangan", en = "Handicrafts" }

            [[report_sections]]
            code = "crafts_sales"
            title = { id = "Penjualan", en = "Sales" }
            indicators = ["members"]
            """
        )
        (found,) = data.report_sections
        assert (found.code, found.sector, found.indicators) == (
            "crafts_sales",
            "crafts",
            ("members",),
        )
        host = isolated_host(StaticPlugin(data))
        assert host.report_sections() == (found,)

    def test_a_clash_leaves_the_second_plugin_out_by_name(self) -> None:
        def plugin(sector: str) -> StaticPlugin:
            text = f"""
            [sector]
            code = "{sector}"
            name = {{ id = "X", en = "X" }}
            description = {{ id = "X", en = "X" }}
            [[report_sections]]
            code = "shared_code"
            title = {{ id = "X", en = "X" }}
            indicators = ["members"]
            """
            return StaticPlugin(read_sector_toml(text))

        host = PluginHost(entry_points=False, strict=False)
        host.register(plugin("aa"), "first")
        with pytest.warns(Warning, match="report section code 'shared_code' is already taken"):
            host.register(plugin("bb"), "second")
        assert [s.sector for s in host.report_sections()] == ["aa"]

    def test_a_section_of_an_unknown_sector_is_refused(self) -> None:
        data = SectorData(
            report_sections=[ReportSection("x_y", "nowhere", Label("X", "X"), ["members"])]
        )
        host = PluginHost(entry_points=False, strict=False)
        with pytest.warns(Warning, match="sector 'nowhere', which no loaded plugin provides"):
            host.register(StaticPlugin(data), "lost")
        assert host.report_sections() == ()


class TestBuilt:
    def test_a_toml_section_in_the_report_by_cluster_and_charted(self) -> None:
        program, observations = national(3000)
        found = build_report(program, observations, made_on=DAY)
        herd = section(found, "livestock_herd")
        assert herd.missing is None
        tables = [b for b in herd.blocks if isinstance(b, Table)]
        assert [r[0] for r in tables[0].rows] == [
            "herd_growth",
            "birth_rate",
            "mortality_rate",
            "livestock_sales_income",
        ]
        assert len(tables) == 1 + 2  # the total, then c0001 and c0002 (c0000 keeps no livestock)
        assert any(isinstance(b, Chart) for b in herd.blocks)
        assert {"herd_growth", "mortality_rate"} <= {d.code for d in found.definitions}
        # A sector's section is left out of a report of another sector.
        umkm = build_report(program, observations, sector="umkm", made_on=DAY)
        assert "livestock_herd" not in [s.key for s in umkm.sections]

    def test_the_python_plugin_section_with_its_figures(
        self, seaweed: tuple[Program, Observations]
    ) -> None:
        found = build_report(*seaweed, made_on=DAY)
        harvest = section(found, "seaweed_harvest")
        assert harvest.missing is None
        table = next(b for b in harvest.blocks if isinstance(b, Table))
        row = next(r for r in table.rows if r[0] == "dry_yield_per_line")
        assert row[5] == Decimal(5 * 16 * 40) / Decimal(sum(16 + i % 3 for i in range(40)))
        assert row[6] == 40
        page = render_html(found, "id")
        assert "Panen rumput laut" in page
        assert "Hasil kering per tali" in page

    def test_a_broken_section_is_named_and_the_others_kept(
        self, seaweed: tuple[Program, Observations]
    ) -> None:
        class Broken:
            @hookimpl
            def klaster_report_sections(self) -> Sequence[ReportSection]:
                return [
                    ReportSection(
                        "seaweed_broken", "seaweed", Label("Rusak", "Broken"), ["dry_yield_per_lin"]
                    )
                ]

        with registered(Broken(), name="broken-sections"):
            found = build_report(*seaweed, made_on=DAY)
        broken = section(found, "seaweed_broken")
        assert broken.missing is not None
        assert "unknown indicator 'dry_yield_per_lin'" in broken.missing.en
        assert "did you mean 'dry_yield_per_line'" in broken.missing.en
        assert "plugin 'broken-sections'" in broken.missing.en
        assert section(found, "seaweed_harvest").missing is None
        assert section(found, "indicators").missing is None
