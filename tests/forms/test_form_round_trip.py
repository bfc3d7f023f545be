"""Round trip: generate a form → fill Kobo's export of it (CSV and XLSX) → import → same values."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klaster import Program
from klaster.catalogue.variable import ValueType, Variable
from klaster.forms import XLSForm, build_form
from klaster.importing import RoundDeclaration, parse_mapping, read_submissions
from klaster.observations import variable_catalogue
from klaster.observations.rounds import RoundKind
from klaster.observations.values import Observations

from .conftest import Submission, export, odk_export

ROUND = RoundDeclaration("btg-form-2015", RoundKind.MONITORING, dt.date(2015, 9, 1), "bantaeng")
CATALOGUE = variable_catalogue()
_MAX_ITEMS = 3


def _value(variable: Variable) -> st.SearchStrategy[Any]:
    if variable.type is ValueType.BOOLEAN:
        return st.booleans()
    if variable.type is ValueType.INTEGER:
        low = int(variable.minimum) if variable.minimum is not None else -1000
        high = int(variable.maximum) if variable.maximum is not None else 1000
        return st.integers(low, high)
    if variable.type is ValueType.DECIMAL:
        return st.decimals(
            min_value=variable.minimum if variable.minimum is not None else -(10**9),
            max_value=variable.maximum if variable.maximum is not None else 10**9,
            places=2,
            allow_nan=False,
            allow_infinity=False,
        )
    assert variable.type is ValueType.CATEGORY
    return st.sampled_from(variable.category_codes())


@st.composite
def answers(draw: st.DrawFn, form: XLSForm, members: tuple[str, ...]) -> list[Submission]:
    """Submissions of distinct members with answers the UMKM plugin's checks accept."""
    chosen = draw(st.lists(st.sampled_from(members), min_size=1, max_size=6, unique=True))
    found = []
    for number, member in enumerate(chosen):
        values: dict[str, object] = {"identitas/member_id": member}
        for code in (c for c, v in CATALOGUE.items() if v.sector == "core"):
            if CATALOGUE[code].level.value == "member":
                values[f"core/{code}"] = draw(st.none() | _value(CATALOGUE[code]))
        running = draw(st.booleans())
        values["umkm/business_running"] = running
        values["umkm/business_registered"] = draw(st.none() | st.booleans())
        items: list[dict[str, Any]] = []
        for _ in range(draw(st.integers(0, _MAX_ITEMS))):
            cap = Decimal(400_000_000)
            money = st.decimals(min_value=0, max_value=cap, places=2, allow_nan=False)
            items.append(
                {
                    "usaha/umkm_business_type": draw(st.sampled_from(["batik", "trading", ""])),
                    "usaha/monthly_revenue": draw(money) if running else Decimal(0),
                    "usaha/monthly_costs": draw(money),
                    "usaha/workers": draw(st.integers(0, 33)) if running else 0,
                }
            )
        revenue = sum((i["usaha/monthly_revenue"] for i in items), Decimal(0))
        costs = sum((i["usaha/monthly_costs"] for i in items), Decimal(0))
        values["umkm/monthly_profit"] = draw(st.sampled_from([None, revenue - costs]))
        found.append(Submission(f"uuid-{number:04d}-{member}", values, {"usaha": items}))
    return found


def expected(subs: list[Submission]) -> dict[str, list[object]]:
    """The values the import must give, by variable, in submission order."""
    out: dict[str, list[object]] = {}
    for sub in subs:
        for path, value in sub.answers.items():
            if path.startswith(("core/", "umkm/")):
                out.setdefault(path.split("/")[1], []).append(value)
        rows = sub.items["usaha"]
        for code in ("monthly_revenue", "monthly_costs"):
            total = sum((Decimal(r[f"usaha/{code}"]) for r in rows), Decimal(0))
            out.setdefault(code, []).append(total)
        out.setdefault("workers", []).append(sum(int(r["usaha/workers"]) for r in rows))
    return out


@pytest.fixture(scope="module")
def form(program: Program) -> XLSForm:
    return build_form(["umkm"], round=ROUND, program=program, cluster="bantaeng")


class TestRoundTrip:
    @pytest.mark.parametrize("layout", ["csv", "xlsx", "odk"])
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def test_kobo_export_imports_the_same_values(
        self,
        layout: str,
        data: st.DataObject,
        form: XLSForm,
        program: Program,
        observations: Observations,
    ) -> None:
        members = tuple(c.name for c in form.choices if c.list_name == "members")
        subs = data.draw(answers(form, members))
        mapping = parse_mapping(form.mapping, name="form.toml")
        with tempfile.TemporaryDirectory() as folder:
            if layout == "odk":  # ODK Central: group-var headers, KEY and PARENT_KEY
                path = odk_export(form, subs, Path(folder))
            else:  # KoboToolbox: group/var headers, _index and _parent_index
                path = export(form, subs, Path(folder), xlsx=layout == "xlsx")
            batch = read_submissions(path, mapping, program=program, observations=observations)
        (block,) = batch.blocks
        assert block.round_id == ROUND.id
        assert block.unit_ids == tuple(s.answers["identitas/member_id"] for s in subs)
        assert block.submissions == tuple(s.uuid for s in subs)
        want = expected(subs)
        assert set(block.values) <= set(want)
        for code, column in want.items():  # a variable no row answers has no column
            assert list(block.values.get(code, [None] * len(subs))) == column, code
        assert [r.id for r in batch.rounds] == [ROUND.id]

    def test_the_export_of_a_form_of_two_sectors_imports_each_unit_sector(
        self, program: Program, observations: Observations, tmp_path: Path
    ) -> None:
        # Bantaeng's members are all UMKM: the farming questions are left empty (not relevant).
        form = build_form(["umkm", "farming"], round=ROUND, program=program, cluster="bantaeng")
        members = tuple(c.name for c in form.choices if c.list_name == "members")
        assert "select_one sectors" in [r.type for r in form.survey]
        sub = Submission(
            "uuid-two",
            {
                "identitas/member_id": members[0],
                "identitas/sektor": "umkm",
                "umkm/business_running": True,
                "core/household_size": 4,
            },
            {
                "usaha": [
                    {
                        "usaha/monthly_revenue": Decimal("1500000.5"),
                        "usaha/monthly_costs": Decimal(900000),
                        "usaha/workers": 2,
                    }
                ]
            },
        )
        mapping = parse_mapping(form.mapping)
        for xlsx in (False, True):
            path = export(form, [sub], tmp_path, xlsx=xlsx)
            (block,) = read_submissions(
                path, mapping, program=program, observations=observations
            ).blocks
            assert list(block.values["monthly_revenue"]) == [Decimal("1500000.5")]
            assert list(block.values.get("harvest_kg", [None])) == [None]
            assert list(block.values["household_size"]) == [4]


@st.composite
def herds(draw: st.DrawFn) -> dict[str, object]:
    """A livestock member's answers whose herd adds up (the livestock plugin's check)."""
    start, births, purchases = (draw(st.integers(0, 300)) for _ in range(3))
    deaths = draw(st.integers(0, start + births + purchases))
    sales = draw(st.integers(0, start + births + purchases - deaths))
    variable = CATALOGUE["species"]
    return {
        "livestock/species": draw(st.sampled_from(variable.category_codes())),
        "livestock/herd_start": start,
        "livestock/herd_births": births,
        "livestock/herd_purchases": purchases,
        "livestock/herd_deaths": deaths,
        "livestock/herd_sales": sales,
        "livestock/herd_end": start + births + purchases - deaths - sales,
        "livestock/herd_sales_value": draw(st.none() | _value(CATALOGUE["herd_sales_value"]))
        if sales
        else None,
        "livestock/has_animal_space": draw(st.none() | st.booleans()),
        "livestock/feed_costs": draw(st.none() | _value(CATALOGUE["feed_costs"])),
    }


class TestCategoriesRoundTrip:
    @settings(max_examples=30, deadline=None)
    @given(answers=herds(), xlsx=st.booleans())
    def test_select_one_of_categories_and_counts(
        self, answers: dict[str, object], xlsx: bool
    ) -> None:
        from klaster.testing.samples import sample_program

        program = sample_program()
        observations = Observations(program, CATALOGUE)
        day = RoundDeclaration("lv-2013", RoundKind.MONITORING, dt.date(2013, 1, 7), "bantaeng")
        form = build_form(["livestock"], round=day, program=program, cluster="bantaeng")
        assert [c.name for c in form.choices if c.list_name == "members"] == ["BTG-3"]
        assert form.question("species").type == "select_one species"
        sub = Submission("uuid-lv", {"identitas/member_id": "BTG-3", **answers})
        with tempfile.TemporaryDirectory() as folder:
            path = export(form, [sub], Path(folder), xlsx=xlsx)
            batch = read_submissions(
                path, parse_mapping(form.mapping), program=program, observations=observations
            )
        (block,) = batch.blocks
        for column, value in answers.items():
            code = column.split("/")[1]
            assert list(block.values.get(code, [None])) == [value], code
