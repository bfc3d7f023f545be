"""The IATI export's content and its refusals: settings, status, dates, sectors, money, results.

The schema and codelist checks of the whole file are in ``test_iati_codelists.py``; here each
piece is checked against the program it comes from, on ``examples/data/fieldwork.json`` (the four
source clusters) unless a test builds its own.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

import klaster
from klaster.catalogue import Sector
from klaster.errors import KlasterError, NotFoundError, ValidationError
from klaster.exports import DEFAULT_STATUS, IatiSettings, OrgIdentity, iati_activities, write_iati
from klaster.exports.iati_activity import dac_codes, program_status, sector_shares
from klaster.exports.iati_money import budget_periods, transactions
from klaster.exports.iati_xml import check_identifier_part
from klaster.finance import Finance, Fund, Loan, Party
from klaster.label import Label
from klaster.model import Cluster, ClusterSector, Lifecycle, Phase, Plan, Region
from klaster.model.results_framework import Result, ResultIndicator, Target
from klaster.testing.finance_strategies import books_with_spending, budgets

DATA = Path(__file__).resolve().parents[2] / "examples" / "data"
GENERATED = dt.datetime(2024, 1, 31, 12, 0, tzinfo=dt.UTC)
PREFIX = "XM-DAC-47000-klaster-mandiri"


def make_settings(**changes: Any) -> IatiSettings:
    values: dict[str, Any] = {
        "reporting_org_ref": "XM-DAC-47000",  # synthetic identifier in the DAC agency's form
        "reporting_org_type": "22",
        "reporting_org_name": Label("Dompet Dhuafa", "Dompet Dhuafa"),
        "generated": GENERATED,
    }
    return IatiSettings(**(values | changes))


def program() -> klaster.Program:
    return klaster.load(DATA / "fieldwork.json")


def activities(xml: bytes) -> dict[str, ET.Element]:
    root = ET.fromstring(xml)
    return {a.findtext("iati-identifier") or "": a for a in root.iter("iati-activity")}


def dates(activity: ET.Element) -> dict[str, str]:
    return {d.get("type", ""): d.get("iso-date", "") for d in activity.iter("activity-date")}


class TestSettings:
    @pytest.mark.parametrize("ref", ["", "   ", None])
    def test_a_reporting_org_identifier_is_required(self, ref: object) -> None:
        with pytest.raises(ValidationError, match="identifier is required") as caught:
            make_settings(reporting_org_ref=ref)
        assert caught.value.path == "reporting_org_ref"

    @pytest.mark.parametrize(
        "ref", ["xm-dac-41114", "XM DAC 41114", "XM-DAC-", "XM-DAC-1/2", "DAC41114", "XM-DAC-1 2"]
    )
    def test_a_malformed_identifier_is_refused(self, ref: str) -> None:
        with pytest.raises(ValidationError, match="not an IATI organisation identifier") as caught:
            make_settings(reporting_org_ref=ref)
        assert caught.value.path == "reporting_org_ref"

    @pytest.mark.parametrize("ref", ["XM-DAC-41114", "ID-KHH-AHU-0012345", "XI-IATI-EX1"])
    def test_identifiers_in_the_agencies_form_are_taken(self, ref: str) -> None:
        assert make_settings(reporting_org_ref=ref).prefix == ref

    def test_codes_are_checked_against_the_codelists(self) -> None:
        with pytest.raises(ValidationError, match="22 \\(National NGO\\)") as caught:
            make_settings(reporting_org_type="99")
        assert caught.value.path == "reporting_org_type"
        with pytest.raises(ValidationError, match="not an IATI ActivityStatus") as caught:
            make_settings(status={"growth": "7"})
        assert caught.value.path == "status.growth"
        with pytest.raises(ValidationError, match="not a phase"):
            make_settings(status={"closing": "4"})
        with pytest.raises(ValidationError) as caught:
            OrgIdentity("22", ref="not an id")
        assert caught.value.path == "ref"

    def test_a_generated_datetime_is_required(self) -> None:
        with pytest.raises(ValidationError, match="must be a datetime"):
            make_settings(generated=dt.date(2024, 1, 31))

    def test_statuses_as_the_issue_states(self) -> None:
        assert {p.value: c for p, c in DEFAULT_STATUS.items()} == {
            "planning": "1",
            "growth": "2",
            "strengthening": "2",
            "independence": "3",
            "monitoring": "3",
            "cancelled": "5",
            "suspended": "6",
        }
        assert make_settings(status={"growth": 2}).status == {Phase.GROWTH: "2"}


class TestStatusAndDates:
    def test_each_cluster_from_its_phase(self) -> None:
        found = activities(iati_activities(program(), make_settings()))
        status = {k: a.find("activity-status").get("code") for k, a in found.items()}  # type: ignore[union-attr]
        assert status[f"{PREFIX}-bantaeng"] == "2"  # strengthening
        assert status[f"{PREFIX}-blora"] == "3"  # independence
        assert status[PREFIX] == "2"  # Bantaeng still implementing

    def test_suspended_and_cancelled(self) -> None:
        p = program()
        p.clusters["bantaeng"].suspend(dt.date(2013, 1, 1), reason="banjir", decided_by="dd")
        found = activities(iati_activities(p, make_settings()))
        assert found[f"{PREFIX}-bantaeng"].find("activity-status").get("code") == "6"  # type: ignore[union-attr]
        p.clusters["bantaeng"].cancel(dt.date(2013, 2, 1), reason="batal", decided_by="dd")
        found = activities(iati_activities(p, make_settings()))
        bantaeng = found[f"{PREFIX}-bantaeng"]
        assert bantaeng.find("activity-status").get("code") == "5"  # type: ignore[union-attr]
        assert dates(bantaeng)["4"] == "2013-02-01"  # the cancellation ends it
        assert found[PREFIX].find("activity-status").get("code") == "3"  # type: ignore[union-attr]
        assert dates(found[PREFIX])["4"] == "2015-09-30"  # every cluster has ended

    @pytest.mark.parametrize(
        ("statuses", "expected"),
        [
            (["2", "3"], "2"),
            (["3", "3", "5"], "3"),
            (["4", "4"], "4"),
            (["5", "5"], "5"),
            (["6", "6", "5"], "6"),
            (["6", "3"], "2"),
            (["1", "1"], "1"),
            (["1", "3"], "2"),
        ],
    )
    def test_the_program_from_its_clusters(self, statuses: list[str], expected: str) -> None:
        assert program_status(statuses) == expected

    def test_a_phase_without_a_status_is_located_and_writes_nothing(self, tmp_path: Path) -> None:
        target = tmp_path / "activities.xml"
        target.write_bytes(b"before")
        partial = {p: c for p, c in DEFAULT_STATUS.items() if p is not Phase.INDEPENDENCE}
        with pytest.raises(ValidationError, match="phase 'independence' has no IATI") as caught:
            write_iati(target, program(), make_settings(status=partial))
        assert caught.value.path == "clusters[1].lifecycle"  # blora
        assert target.read_bytes() == b"before"

    def test_a_cluster_with_no_date_is_located(self) -> None:
        p = program()
        life = Lifecycle.start(dt.date(2015, 1, 5), reason="survey", decided_by="dd")
        region = Region.province("Banten", "36", [Region.kabupaten("Pandeglang", "36.01")])
        p.add_cluster(Cluster("pdg", "Klaster Pandeglang", region, [ClusterSector("umkm")], life))
        with pytest.raises(ValidationError, match="no start date to report") as caught:
            iati_activities(p, make_settings())
        assert caught.value.path == "clusters[4]"
        p.fieldwork.plan(Plan("growth", dt.date(2015, 6, 1), recorded_on=dt.date(2015, 1, 5),
                              cluster_id="pdg"))  # fmt: skip
        found = activities(iati_activities(p, make_settings()))
        pandeglang = found[f"{PREFIX}-pdg"]
        assert dates(pandeglang) == {"1": "2015-06-01"}
        assert pandeglang.find("activity-status").get("code") == "1"  # type: ignore[union-attr]

    def test_dates_from_the_lifecycle_and_the_plans(self) -> None:
        found = activities(iati_activities(program(), make_settings()))
        assert dates(found[f"{PREFIX}-blora"]) == {"2": "2010-10-01", "4": "2014-02-18"}
        assert dates(found[f"{PREFIX}-bantaeng"]) == {"2": "2011-04-04", "3": "2014-03-25"}
        assert dates(found[f"{PREFIX}-tuban"]) == {"2": "2011-03-01", "4": "2015-09-30"}
        assert dates(found[PREFIX]) == {"2": "2010-10-01", "3": "2014-03-25"}  # Bantaeng runs


class TestIdentifiersAndOrganisations:
    def test_linked_both_ways(self) -> None:
        found = activities(iati_activities(program(), make_settings()))
        clusters = [f"{PREFIX}-{c}" for c in ("bantaeng", "blora", "lebak", "tuban")]
        assert sorted(found) == sorted([PREFIX, *clusters])
        children = [(r.get("ref"), r.get("type")) for r in found[PREFIX].iter("related-activity")]
        assert children == [(c, "2") for c in clusters]
        for child in clusters:
            parents = [(r.get("ref"), r.get("type")) for r in found[child].iter("related-activity")]
            assert parents == [(PREFIX, "1")]
        assert found[PREFIX].get("hierarchy") == "1"

    def test_prefix_and_forbidden_characters(self) -> None:
        found = activities(iati_activities(program(), make_settings(identifier_prefix="XI-IATI-X")))
        assert "XI-IATI-X-klaster-mandiri-tuban" in found
        with pytest.raises(ValidationError, match=r"spaces and / & \| \?") as caught:
            check_identifier_part("a/b", "clusters[0].id")
        assert caught.value.path == "clusters[0].id"

    def test_roles_and_types(self) -> None:
        p = program()
        identities = {"ktn": OrgIdentity("24", "ID-KHH-KTN01")}  # synthetic identifier
        found = activities(iati_activities(p, make_settings(organisations=identities)))
        blora = found[f"{PREFIX}-blora"]
        orgs = [(o.get("role"), o.get("type"), o.get("ref"), o.findtext("narrative"))
                for o in blora.iter("participating-org")]  # fmt: skip
        assert orgs == [
            ("1", "22", "XM-DAC-47000", "Dompet Dhuafa"),  # no funder listed: the NGO funds
            ("2", "22", "XM-DAC-47000", "Dompet Dhuafa"),
            ("3", "22", "XM-DAC-47000", "Dompet Dhuafa"),
            ("4", "24", "ID-KHH-KTN01", "Kampoeng Ternak Nusantara"),
            ("4", "22", None, "Pertanian Sehat Indonesia"),
            ("4", "22", None, "Masyarakat Mandiri"),
        ]

    def test_no_clusters_nothing_to_report(self) -> None:
        p = klaster.Program(id="km", name="KM", organisation_id="dd", organisations=[
            klaster.Organisation("dd", "Dompet Dhuafa", "ngo")])  # fmt: skip
        with pytest.raises(ValidationError, match="no clusters") as caught:
            iati_activities(p, make_settings())
        assert caught.value.path == "clusters"


class TestSectorsAndLocations:
    @given(st.lists(st.sampled_from(["31161", "31163", "32130", "25010"]), min_size=1, max_size=9))
    def test_shares_add_up_to_exactly_100(self, codes: list[str]) -> None:
        shares = sector_shares(codes)
        assert sum(shares.values()) == 100
        assert set(shares) == set(codes)
        assert all(s > 0 and s == s.quantize(Decimal("0.01")) for s in shares.values())

    def test_dac_codes_from_the_sector_records(self) -> None:
        found = activities(iati_activities(program(), make_settings()))
        tuban = [
            (s.get("code"), s.get("percentage")) for s in found[f"{PREFIX}-tuban"].iter("sector")
        ]
        assert tuban == [("32130", "100")]
        blora = {s.get("code") for s in found[f"{PREFIX}-blora"].iter("sector")}
        assert blora == {"31163", "31161", "32130"}

    def test_a_sector_without_dac_code_is_located(self) -> None:
        p = program()
        bare = Sector("umkm", Label("UMKM", "MSME"), Label("Usaha.", "Business."))
        with pytest.raises(ValidationError, match="no OECD DAC purpose code") as caught:
            dac_codes([(3, p.clusters["tuban"])], {"umkm": bare})
        assert caught.value.path == "clusters[3].sectors[0]"
        with pytest.raises(ValidationError, match="no loaded plugin") as caught:
            dac_codes([(3, p.clusters["tuban"])], {})
        assert caught.value.path == "clusters[3].sectors[0]"

    def test_locations_with_kemendagri_refs(self) -> None:
        found = activities(iati_activities(program(), make_settings()))
        refs = [loc.get("ref") for loc in found[f"{PREFIX}-bantaeng"].iter("location")]
        assert refs == ["73.03.02", "73.03.01", "73.03.03", "73.03.05"]  # the sectors' kecamatan
        lebak = [loc.get("ref") for loc in found[f"{PREFIX}-lebak"].iter("location")]
        assert lebak == ["36.02"]  # sectors working in the whole region: the kabupaten
        assert found[PREFIX].find("location") is None


def _lending_book(draw: Any) -> tuple[Finance, dict[str, Decimal]]:
    book = Finance("bantaeng", "klaster-mandiri")
    day = dt.date(2011, 8, 1)
    book.add_fund(Fund("F", "Dana zakat", "zakat", Party.program("klaster-mandiri"), day))
    sums: dict[str, Decimal] = defaultdict(Decimal)
    received = draw(st.integers(10**8, 10**9))
    book.receive("F", day, received)
    sums["1"] += received
    loans = []
    for number in range(draw(st.integers(0, 3))):
        principal = draw(st.integers(1_000_000, 20_000_000))
        margin = draw(st.sampled_from([0, 250_000, 1_000_001]))
        product = "murabahah" if margin else "qard_hasan"
        loan = Loan(f"L{number}", "F", Party.group("BTG-K01"), product, principal, day, 10,
                    margin=margin)  # fmt: skip
        book.disburse(loan)
        sums["3"] += principal
        loans.append(loan.id)
    for month in range(1, draw(st.integers(0, 8)) + 1):
        on = day + dt.timedelta(days=31 * month)
        for loan_id in loans:
            owed = book.position(loan_id, on).outstanding
            if owed and draw(st.booleans()):
                paid = book.repay(loan_id, on, draw(st.integers(1, int(owed))))
                sums["5"] += paid.margin
                sums["6"] += paid.principal
    return book, sums


class TestMoney:
    @hypothesis_settings(max_examples=40, deadline=None)
    @given(st.data())
    def test_transactions_add_up_to_the_operations(self, data: st.DataObject) -> None:
        book, sums = _lending_book(data.draw)
        found: dict[str, Decimal] = defaultdict(Decimal)
        for item in transactions(book):
            found[item.type] += item.amount
            assert item.amount > 0
            assert item.amount == item.amount.to_integral_value()
        assert {k: v for k, v in found.items() if v} == {k: v for k, v in sums.items() if v}

    @hypothesis_settings(max_examples=25, deadline=None)
    @given(books_with_spending())
    def test_spending_is_disbursement_or_expenditure(self, book: Finance) -> None:
        found: dict[str, Decimal] = defaultdict(Decimal)
        for item in transactions(book):
            found[item.type] += item.amount
        grants = sum((s.amount for s in book.spendings if s.kind.value != "expense"), Decimal(0))
        expenses = sum((s.amount for s in book.spendings if s.kind.value == "expense"), Decimal(0))
        assert found["3"] == grants
        assert found["4"] == expenses
        assert found["1"] == 2 * 10**12

    @hypothesis_settings(max_examples=40, deadline=None)
    @given(budgets(max_revisions=3))
    def test_budgets_keep_each_revision_exact(self, budget: Any) -> None:
        book = Finance("lebak", "km")
        for revision in budget.revisions:
            book.revise_budget(revision.recorded_on, revision.reason, revision.lines)
        periods = budget_periods([book])
        original = sum((p.amount for p in periods if p.type == "1"), Decimal(0))
        revised = sum((p.amount for p in periods if p.type == "2"), Decimal(0))
        assert original == (budget.revisions[0].total if budget.revisions else 0)
        assert revised == (budget.revisions[-1].total if len(budget.revisions) > 1 else 0)
        for period in periods:
            assert period.start.year == period.end.year
            assert period.start <= period.end

    def test_transactions_in_the_xml(self) -> None:
        book = Finance("tuban", "klaster-mandiri")
        day = dt.date(2012, 8, 1)
        holder = Party.program("klaster-mandiri")
        book.add_fund(Fund("TBN-I", "Dana infak", "infaq_sadaqah", holder, day))
        book.receive("TBN-I", day, 7_000_000)
        found = activities(iati_activities(program(), make_settings(), books=[book]))
        (transaction,) = found[f"{PREFIX}-tuban"].iter("transaction")
        value = transaction.find("value")
        assert value is not None
        assert value.text == "7000000"
        assert value.attrib == {"currency": "IDR", "value-date": "2012-08-01"}

    def test_a_book_of_an_unknown_cluster_is_located(self) -> None:
        with pytest.raises(ValidationError, match="no cluster 'pati'") as caught:
            iati_activities(program(), make_settings(), books=[Finance("pati", "klaster-mandiri")])
        assert caught.value.path == "books[0].cluster_id"


class TestResults:
    def test_an_unknown_indicator_is_located(self) -> None:
        p = program()
        p.revise_framework(
            [
                Result(
                    "oc1",
                    "outcome",
                    "Naik",
                    [ResultIndicator("incom_change_pct", [Target(5, round_key="endline")])],
                )
            ],
            recorded_on=dt.date(2011, 3, 1),
            reason="test",
        )
        with pytest.raises(NotFoundError, match="no indicator 'incom_change_pct'") as caught:
            iati_activities(p, make_settings())
        assert caught.value.path == "results.versions[0].results[0].indicators[0].indicator"

    def test_targets_without_actuals(self) -> None:
        p = program()
        target = Target(2, dt.date(2012, 1, 1), dt.date(2012, 12, 31), cluster_id="blora")
        p.revise_framework(
            [Result("op1", "output", "Kelompok", [ResultIndicator("groups", [target])])],
            recorded_on=dt.date(2011, 3, 1),
            reason="test",
        )
        found = activities(iati_activities(p, make_settings()))
        assert found[PREFIX].find("result") is None  # the only target is Blora's
        (result,) = found[f"{PREFIX}-blora"].iter("result")
        assert result.get("type") == "1"
        indicator = result.find("indicator")
        assert indicator is not None
        assert indicator.attrib == {"measure": "1", "ascending": "1"}
        period = indicator.find("period")
        assert period is not None
        assert period.find("actual") is None
        assert [(e.tag, e.attrib) for e in period] == [
            ("period-start", {"iso-date": "2012-01-01"}),
            ("period-end", {"iso-date": "2012-12-31"}),
            ("target", {"value": "2"}),
        ]


class TestOutput:
    def test_the_same_input_gives_the_same_bytes(self, tmp_path: Path) -> None:
        first = iati_activities(program(), make_settings())
        write_iati(tmp_path / "a.xml", program(), make_settings())
        assert (tmp_path / "a.xml").read_bytes() == first
        assert first.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<iati-activities")
        root = ET.fromstring(first)
        assert root.attrib == {"version": "2.03", "generated-datetime": "2024-01-31T12:00:00+00:00"}

    def test_writing_needs_no_extra(self) -> None:
        code = "import sys, klaster.exports; assert 'lxml' not in sys.modules"
        subprocess.run([sys.executable, "-c", code], check=True)

    def test_not_settings_is_refused(self) -> None:
        with pytest.raises(KlasterError, match="must be an IatiSettings") as caught:
            iati_activities(program(), {"ref": "XM-DAC-1"})  # type: ignore[arg-type]
        assert caught.value.path == "settings"
