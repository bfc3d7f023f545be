"""The IATI XML of the four source clusters against the official 2.03 schema and codelists.

The program is ``examples/data/fieldwork.json`` (Lebak, Blora, Bantaeng and Tuban: the four
clusters of the source reports), with a results framework and survey rounds added here
(synthetic), Lebak's finance book from ``examples/data/lebak_budget.finance.json`` and a small
book for Bantaeng made through the API. The schema checks the structure; it does not check codes,
so :func:`code_problems` checks every coded attribute against its codelist (and fails on a coded
attribute it has no rule for, so that a new element cannot slip through unchecked).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
import xml.etree.ElementTree as ET
from decimal import Decimal
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import klaster
from klaster.errors import KlasterError, NotFoundError
from klaster.exports import IatiSettings, iati_activities, iati_schema_problems
from klaster.exports.iati_settings import (
    ACTIVITY_STATUS,
    GEOGRAPHIC_VOCABULARY,
    ORGANISATION_TYPE,
    AdminCode,
)
from klaster.finance import Finance, Fund, Loan, Party
from klaster.finance import load as load_books
from klaster.measurement import Measurement
from klaster.model import Organisation
from klaster.model.results_framework import Result, ResultIndicator, Target
from klaster.observations import Observations, Round, variable_catalogue

etree = pytest.importorskip("lxml.etree", reason="the iati extra (lxml) validates the XML")

ROOT = Path(__file__).resolve().parents[2]
# The official 2.03 schemas and codelists, vendored (CC BY 4.0, see its SOURCE.txt) so CI always
# validates: a missing copy fails rather than skips.
IATI = ROOT / "tests" / "data" / "iati-2.03"
DATA = ROOT / "examples" / "data"
GENERATED = dt.datetime(2024, 1, 31, 12, 0, tzinfo=dt.UTC)
XML = "{http://www.w3.org/XML/1998/namespace}"

# Codelists the standard has but the vendored copy does not hold: the codes klaster may write.
NOT_BUNDLED = {
    "Country": {"ID"},  # ISO 3166-1 alpha-2; klaster's programs are in Indonesia
    "Language": {"id", "en"},  # ISO 639-1
    "RelatedActivityType": {"1", "2", "3", "4", "5"},  # parent, child, sibling, co-funded, third
}

# (element path, attribute, codelist): every coded attribute klaster writes.
RULES: tuple[tuple[str, str, str], ...] = (
    (".", "version", "Version"),
    ("iati-activity", "default-currency", "Currency"),
    ("iati-activity/reporting-org", "type", "OrganisationType"),
    ("iati-activity/participating-org", "type", "OrganisationType"),
    ("iati-activity/participating-org", "role", "OrganisationRole"),
    ("iati-activity/description", "type", "DescriptionType"),
    ("iati-activity/activity-status", "code", "ActivityStatus"),
    ("iati-activity/activity-date", "type", "ActivityDateType"),
    ("iati-activity/recipient-country", "code", "Country"),
    ("iati-activity/location/location-reach", "code", "GeographicLocationReach"),
    ("iati-activity/location/administrative", "vocabulary", "GeographicVocabulary"),
    ("iati-activity/location/location-class", "code", "GeographicLocationClass"),
    ("iati-activity/sector", "vocabulary", "SectorVocabulary"),
    ("iati-activity/sector[@vocabulary='1']", "code", "Sector"),
    ("iati-activity/budget", "type", "BudgetType"),
    ("iati-activity/budget", "status", "BudgetStatus"),
    ("iati-activity/budget/value", "currency", "Currency"),
    ("iati-activity/transaction/transaction-type", "code", "TransactionType"),
    ("iati-activity/transaction/value", "currency", "Currency"),
    ("iati-activity/transaction/finance-type", "code", "FinanceType"),
    ("iati-activity/related-activity", "type", "RelatedActivityType"),
    ("iati-activity/result", "type", "ResultType"),
    ("iati-activity/result/indicator", "measure", "IndicatorMeasure"),
    (".//*[@{http://www.w3.org/XML/1998/namespace}lang]", XML + "lang", "Language"),
)
# Codes of an outside vocabulary the element names (GADM, GeoNames...): no codelist to check.
EXTERNAL = (("iati-activity/location/administrative", "code"),)
# Attributes that hold a code (anything else is text, a date, a number or an identifier).
CODED = {"version", "default-currency", "type", "role", "code", "vocabulary", "measure"}
CODED |= {"currency", "status", XML + "lang"}


@cache
def codelists() -> dict[str, frozenset[str]]:
    """Every bundled codelist's codes, by name, and the ones not bundled."""
    found = {name: frozenset(codes) for name, codes in NOT_BUNDLED.items()}
    for path in sorted((IATI / "codelists").glob("*.xml")):
        root = ET.parse(path).getroot()
        found[root.get("name") or path.stem] = frozenset(
            code.text or "" for code in root.iter("code")
        )
    return found


@cache
def schema() -> Any:
    return etree.XMLSchema(etree.parse(str(IATI / "iati-activities-schema.xsd")))


def schema_problems(xml: bytes) -> list[str]:
    """The schema's complaints about ``xml`` (empty when it validates)."""
    checker = schema()
    if checker.validate(etree.fromstring(xml)):
        return []
    return [f"line {e.line}: {e.message}" for e in checker.error_log]


def code_problems(xml: bytes) -> list[str]:
    """Every coded attribute against its codelist, and a few rules the schema cannot state."""
    root = ET.fromstring(xml)
    lists = codelists()
    problems: list[str] = []
    checked: set[tuple[int, str]] = set()
    for path, attribute, name in RULES:
        for node in root.iterfind(path) if path != "." else [root]:
            value = node.get(attribute)
            if value is None:
                continue
            checked.add((id(node), attribute))
            if value not in lists[name]:
                problems.append(f"{node.tag}/@{attribute}={value!r} is not in {name}")
    for path, attribute in EXTERNAL:
        checked.update((id(node), attribute) for node in root.iterfind(path))
    for node in root.iter():
        for attribute in node.attrib:
            if attribute in CODED and (id(node), attribute) not in checked:
                problems.append(f"{node.tag}/@{attribute} holds a code no rule checks")
    agencies = lists["OrganisationRegistrationAgency"]
    identifiers = {a.findtext("iati-identifier") for a in root.iter("iati-activity")}
    for activity in root.iter("iati-activity"):
        ident = activity.findtext("iati-identifier") or ""
        reporting = activity.find("reporting-org")
        ref = "" if reporting is None else reporting.get("ref", "")
        for org in (reporting, *activity.iter("participating-org")):
            org_ref = None if org is None else org.get("ref")
            if org_ref is not None and not any(org_ref.startswith(a + "-") for a in agencies):
                problems.append(f"{ident}: {org_ref!r} names no registration agency")
        if not ident.startswith(ref + "-"):
            problems.append(f"{ident}: not prefixed by the reporting org {ref!r}")
        shares = [Decimal(s.get("percentage", "0")) for s in activity.findall("sector")]
        if shares and sum(shares) != 100:
            problems.append(f"{ident}: sector percentages add up to {sum(shares)}")
        for related in activity.findall("related-activity"):
            if related.get("ref") not in identifiers:
                problems.append(f"{ident}: related activity {related.get('ref')!r} not in file")
        for indicator in activity.iter("indicator"):
            if indicator.get("ascending") not in (None, "0", "1"):
                problems.append(f"{ident}: ascending={indicator.get('ascending')!r}")
    return problems


def _sibling(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def lebak_book() -> Finance:
    """Lebak's book of the budget example, read with the program it was written for."""
    program, _cluster = _sibling("finance_lebak").build_cluster()
    program.add_organisation(Organisation("lpk-lebak", "Lembaga pelatihan (synthetic)", "other"))
    (book,) = load_books(DATA / "lebak_budget.finance.json", program)
    return book


def bantaeng_book() -> Finance:
    """A small synthetic book: a fund, a murabahah group loan, two repayments."""
    book = Finance("bantaeng", "klaster-mandiri")
    day = dt.date(2011, 8, 1)
    book.add_fund(Fund("BTG-ZKT", "Dana zakat", "zakat", Party.program("klaster-mandiri"), day))
    book.receive("BTG-ZKT", day, 60_000_000)
    loan = Loan(
        "BTG-L1", "BTG-ZKT", Party.group("BTG-K01"), "murabahah", 12_000_000, day, 12,
        margin=600_000,
    )  # fmt: skip
    book.disburse(loan)
    book.repay("BTG-L1", dt.date(2011, 9, 1), 1_050_000)
    book.repay("BTG-L1", dt.date(2011, 10, 1), 1_050_000)
    return book


def four_clusters() -> tuple[klaster.Program, Measurement]:
    """fieldwork.json with a (synthetic) results framework and baseline/endline incomes."""
    program = klaster.load(DATA / "fieldwork.json")
    obs = Observations(program, variable_catalogue())
    for cluster in program.clusters:
        obs.add_round(Round(f"{cluster.id}-bl", cluster.id, "baseline", dt.date(2012, 9, 1)))
        obs.add_round(Round(f"{cluster.id}-el", cluster.id, "endline", dt.date(2013, 12, 1)))
        for number, member in enumerate(cluster.members):
            before = Decimal(600_000 + 50_000 * number)  # synthetic
            obs.record(f"{cluster.id}-bl", member.id, {"monthly_income": before})
            obs.record(f"{cluster.id}-el", member.id, {"monthly_income": before * Decimal("1.5")})
    income = [Target(50, round_key="endline")]  # synthetic targets from here on
    income += [Target(50, round_key="endline", cluster_id=c.id) for c in program.clusters]
    income.append(Target(40, round_key="endline", by={"sector": "farming"}, cluster_id="lebak"))
    program.revise_framework(
        [
            Result(
                "oc1",
                "outcome",
                "Pendapatan mitra naik",
                [ResultIndicator("income_change_pct", income, baseline=0, unit="%")],
                statement_en="Members' income up",
            ),
            Result(
                "op1",
                "output",
                "Kelompok terbentuk",
                [
                    ResultIndicator(
                        "groups",
                        [Target(2, round_key="endline", cluster_id=c.id) for c in program.clusters]
                        + [
                            Target(
                                2, dt.date(2012, 1, 1), dt.date(2012, 12, 31), cluster_id="tuban"
                            )
                        ],
                        baseline=0,
                        baseline_on=dt.date(2011, 3, 1),
                    ),
                    ResultIndicator("members", []),
                ],
                parent_id="oc1",
                statement_en="Groups formed",
            ),
        ],
        recorded_on=dt.date(2011, 3, 1),
        reason="synthetic framework for the export tests",
    )
    return program, Measurement(program, obs)


def settings(**changes: Any) -> IatiSettings:
    values: dict[str, Any] = {
        "reporting_org_ref": "XM-DAC-47000",  # synthetic identifier in the DAC agency's form
        "reporting_org_type": "22",
        "reporting_org_name": ("Dompet Dhuafa", "Dompet Dhuafa"),
        "generated": GENERATED,
    }
    return IatiSettings(**(values | changes))


@pytest.fixture(scope="module")
def four_xml() -> bytes:
    program, measurement = four_clusters()
    crosswalk = {"73.03.05": AdminCode("A3", "IDN.30.1.5_1", 3)}  # synthetic GADM-style code
    return iati_activities(
        program,
        settings(admin_codes=crosswalk),
        books=[lebak_book(), bantaeng_book()],
        measurement=measurement,
    )


class TestFourSourceClusters:
    def test_validates_against_the_schema(self, four_xml: bytes) -> None:
        assert schema_problems(four_xml) == []

    def test_every_code_is_in_its_codelist(self, four_xml: bytes) -> None:
        assert code_problems(four_xml) == []

    def test_holds_what_the_checks_are_about(self, four_xml: bytes) -> None:
        root = ET.fromstring(four_xml)
        activities = root.findall("iati-activity")
        assert len(activities) == 5  # the program and Lebak, Blora, Bantaeng, Tuban
        kinds = {t.get("code") for t in root.iterfind(".//transaction-type")}
        assert kinds == {"1", "3", "4", "5", "6"}
        assert root.find(".//location/administrative") is not None
        assert {b.get("type") for b in root.iter("budget")} == {"1", "2"}
        assert root.find(".//result/indicator/period/actual") is not None
        assert root.find(".//result/indicator/period/target/dimension") is not None
        statuses = {
            a.findtext("iati-identifier"): a.find("activity-status").get("code")  # type: ignore[union-attr]
            for a in activities
        }
        assert statuses == {
            "XM-DAC-47000-klaster-mandiri": "2",
            "XM-DAC-47000-klaster-mandiri-bantaeng": "2",  # strengthening
            "XM-DAC-47000-klaster-mandiri-blora": "3",  # independence
            "XM-DAC-47000-klaster-mandiri-lebak": "3",
            "XM-DAC-47000-klaster-mandiri-tuban": "3",
        }

    def test_the_budget_example_validates(self) -> None:
        example = _sibling("budget_lebak").build()
        xml = iati_activities(
            example.program, settings(), books=[example.book], targets=example.targets
        )
        assert schema_problems(xml) == []
        assert code_problems(xml) == []


class TestTheCheckerCanFail:
    def test_a_wrong_code_is_caught(self, four_xml: bytes) -> None:
        broken = four_xml.replace(b'<activity-status code="2"', b'<activity-status code="9"', 1)
        assert broken != four_xml
        assert schema_problems(broken) == []  # the schema does not check codes
        assert code_problems(broken) == ["activity-status/@code='9' is not in ActivityStatus"]

    def test_a_wrong_sector_is_caught(self, four_xml: bytes) -> None:
        broken = four_xml.replace(b'code="31163"', b'code="31199"', 1)
        assert code_problems(broken) == ["sector/@code='31199' is not in Sector"]

    def test_an_unchecked_coded_attribute_is_caught(self, four_xml: bytes) -> None:
        broken = four_xml.replace(
            b"<recipient-country ", b'<default-tied-status code="5" /><recipient-country ', 1
        )
        assert "default-tied-status/@code holds a code no rule checks" in code_problems(broken)

    def test_percentages_and_links_are_checked(self, four_xml: bytes) -> None:
        broken = four_xml.replace(b'percentage="40"', b'percentage="41"', 1)
        assert any("add up to 101" in p for p in code_problems(broken))
        broken = four_xml.replace(b'-tuban" type="2"', b'-tubam" type="2"', 1)
        assert any("'XM-DAC-47000-klaster-mandiri-tubam' not in file" in p
                   for p in code_problems(broken))  # fmt: skip

    def test_a_missing_element_fails_the_schema(self, four_xml: bytes) -> None:
        root = ET.fromstring(four_xml)
        activity = root.find("iati-activity")
        assert activity is not None
        activity.remove(activity.find("activity-status"))  # type: ignore[arg-type]
        assert schema_problems(ET.tostring(root))

    def test_the_schema_check_of_the_package(self, four_xml: bytes, tmp_path: Path) -> None:
        assert iati_schema_problems(four_xml, IATI) == []
        broken = four_xml.replace(b"<activity-status", b"<activity-state", 1)
        (first, *_rest) = iati_schema_problems(broken, IATI / "iati-activities-schema.xsd")
        assert first.startswith("line ")
        assert "activity-state" in first
        assert iati_schema_problems(b"<iati-activities", IATI)[0].startswith("line 1: not well")
        with pytest.raises(NotFoundError, match="no IATI schema at") as caught:
            iati_schema_problems(four_xml, tmp_path)
        assert caught.value.path == "schema"

    def test_the_schema_check_without_lxml(
        self, four_xml: bytes, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setitem(sys.modules, "lxml", None)
        with pytest.raises(KlasterError, match=r"pip install 'klaster\[iati\]'"):
            iati_schema_problems(four_xml, IATI)

    def test_the_settings_codes_are_the_official_ones(self) -> None:
        lists = codelists()
        assert set(ACTIVITY_STATUS) == lists["ActivityStatus"]
        assert set(ORGANISATION_TYPE) == lists["OrganisationType"]
        assert set(GEOGRAPHIC_VOCABULARY) == lists["GeographicVocabulary"]
