"""The polars fast path of Measurement.report gives exactly the Python path's figures.

Skipped where the ``columnar`` extra (polars, numpy) is not installed.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("polars")
pytest.importorskip("numpy")

import klaster
import klaster.plugins
from klaster import (
    Cluster,
    ClusterSector,
    Cooperative,
    Group,
    Label,
    LegalStatus,
    Member,
    Membership,
    Organisation,
    Program,
    Region,
    Sex,
)
from klaster.catalogue import Aggregation, Direction, Indicator, Level
from klaster.measurement._backends.polars import path as _polars
from klaster.measurement._frames import frames_of
from klaster.measurement.activity_indicators import ACTIVITY_CODES
from klaster.measurement.engine import Measurement
from klaster.measurement.mentoring_indicators import MENTORING_CODES
from klaster.observations.core_variables import (
    CIBEST_ITEMS,
    SOCIAL_CAPITAL_ITEMS,
    variable_catalogue,
)
from klaster.observations.rounds import Round
from klaster.observations.values import Observations

D = Decimal
SECTORS = [["umkm", "farming"], ["umkm", "livestock"], ["umkm"]]
PER_GROUP = 4


def _region(c: int) -> tuple[Region, list[str]]:
    """Cluster c0 lies in one kabupaten; c1's region lists no kecamatan or desa (its members'
    kabupaten is the cluster's); c2 spans two kabupaten (its groups and cooperatives have none).
    """
    code = f"7{c}.01"
    if c == 1:
        return Region.province("Provinsi 1", "71", [Region.kabupaten("Kab 1", code)]), ["Desa 10"]
    desa = [Region.desa(f"Desa {c}{k}", f"{code}.01.200{k}") for k in range(2)]
    kabupaten = [
        Region.kabupaten(f"Kab {c}", code, [Region.kecamatan(f"Kec {c}", f"{code}.01", desa)])
    ]
    if c == 2:
        other = f"7{c}.02"
        far = [Region.desa(f"Desa {c}2", f"{other}.01.2002")]
        kabupaten[0] = Region.kabupaten(
            f"Kab {c}", code, [Region.kecamatan(f"Kec {c}", f"{code}.01", desa[:1])]
        )
        kabupaten.append(
            Region.kabupaten(
                f"Kab {c}b", other, [Region.kecamatan(f"Kec {c}b", f"{other}.01", far)]
            )
        )
        desa = [desa[0], far[0]]
    return Region.province(f"Provinsi {c}", f"7{c}", kabupaten), [d.name for d in desa]


def _cluster(c: int) -> Cluster:
    cid = f"c{c}"
    region, villages = _region(c)
    start = dt.date(2011, 1, 1)
    members, groups = [], []
    sectors = SECTORS[c]
    for g in range(3):
        sector = sectors[g % len(sectors)]
        spells = []
        for p in range(PER_GROUP):
            n = g * PER_GROUP + p
            joined = start if n % 5 else dt.date(2012, 9, 1)  # some join after the baseline
            left = dt.date(2013, 6, 1) if n % 7 == 3 else None
            member = Member(
                id=f"{cid}-m{n}",
                name=f"Mitra {n}",
                sex=Sex.FEMALE if n % 3 else Sex.MALE,
                household_size=1 + n % 6,
                village=villages[n % len(villages)],
                sector=sector,
                joined=joined,
                business_type=None,
                left=left,
            )
            members.append(member)
            spells.append(Membership(member.id, joined, left=left))
        groups.append(Group(f"{cid}-g{g}", f"Kelompok {g}", sector, start, memberships=spells))
    legal = LegalStatus(f"BH/{c}", dt.date(2013, 1, 1)) if c != 1 else None
    # c0: every member in one cooperative, some in a second one too; c1: some in none.
    ids = [m.id for m in members] if c != 1 else [m.id for m in members[::2]]
    coops = [Cooperative(f"{cid}-k", f"Koperasi {c}", sectors, ids, start, legal)]
    if c == 0:
        coops.append(Cooperative(f"{cid}-k2", "Koperasi 0b", sectors, ids[::3], start))
    return Cluster(
        id=cid,
        name=f"Klaster {c}",
        region=region,
        sectors=[ClusterSector(s, "dd") for s in sectors],
        members=members,
        groups=groups,
        cooperatives=coops,
    )


PROGRAM = Program(
    id="p",
    name="Program",
    organisation_id="dd",
    organisations=[Organisation("dd", "Dompet Dhuafa", "ngo")],
    clusters=[_cluster(c) for c in range(3)],
)
CATALOGUE = variable_catalogue()
ROUNDS = [
    ("baseline", dt.date(2012, 1, 10)),
    ("midline", dt.date(2013, 1, 10)),
    ("endline", dt.date(2014, 1, 10)),
]


def _indicator(code: str, formula: str, how: str) -> Indicator:
    return Indicator(
        code, "umkm", Label(code, code), Level.MEMBER, formula, Aggregation(how), Direction.HIGHER
    )


EXTRA = [
    _indicator("rev_twice", "monthly_revenue * 2 - monthly_costs", "mean"),
    _indicator("high_rev", "monthly_revenue >= 1000000 and business_running", "share_meeting"),
    _indicator("rev_change", "change(monthly_revenue)", "sum"),
    _indicator("if_running", "monthly_revenue if business_running else missing()", "sum"),
    _indicator(
        "spread",
        "max(monthly_revenue, monthly_costs) - min(monthly_revenue, monthly_costs)",
        "mean",
    ),
    _indicator("costs_or_0", "coalesce(monthly_costs, 0.5)", "sum"),
    _indicator("abs_jobs", "abs(change(workers)) + -workers", "sum"),
    _indicator("median_rev", "monthly_revenue", "median"),
    _indicator("rev_growth", "pct_change(monthly_revenue)", "mean"),
    _indicator("idle", "not business_running or is_missing(workers)", "count"),
    _indicator(
        "margin_2", "(monthly_revenue - monthly_costs) / (monthly_revenue + 1)", "ratio_of_sums"
    ),
    # Divisions per unit: the quotient rounded half-even to 18 decimals, in both engines.
    _indicator("cost_share", "monthly_costs / monthly_revenue", "mean"),
    _indicator("costly", "monthly_costs / (monthly_revenue + 0.01) > 0.75", "share_meeting"),
    _indicator("margin_change", "change(monthly_costs / monthly_revenue)", "sum"),
    _indicator("rounded", "round(monthly_revenue / 3, 2)", "sum"),
]

SPECS = [
    (),
    ("cluster",),
    ("cluster", "sector"),
    ("sex",),
    ("kecamatan",),
    ("desa", "sex"),
    ("sector", "business_type"),
    ("group",),
    ("kabupaten",),
    ("kabupaten", "sex"),
    ("cluster", "kabupaten", "sector"),
    ("cooperative",),
    ("cooperative", "kabupaten"),
]

money = st.one_of(
    st.none(),
    st.integers(0, 3_000_000),
    st.decimals(0, 3_000_000, places=2),
)
amount = st.decimals(0, 5_000, places=1)


@st.composite
def answers(draw: st.DrawFn, sector: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "monthly_income": draw(money),
        "household_size": draw(st.one_of(st.none(), st.integers(1, 9))),
    }
    for item in (*CIBEST_ITEMS, *SOCIAL_CAPITAL_ITEMS):
        values[item] = draw(st.one_of(st.none(), st.integers(1, 5)))
    if sector == "umkm":
        values.update(
            monthly_revenue=draw(money),
            monthly_costs=draw(money),
            workers=draw(st.one_of(st.none(), st.integers(0, 5))),
            business_running=draw(st.one_of(st.none(), st.booleans())),
        )
        if values["business_running"] is False:  # the umkm plugin's rule
            values.update(monthly_revenue=0, workers=0)
    elif sector == "farming":
        values.update(
            planted_area_ha=draw(st.one_of(st.none(), st.decimals(0, 3, places=2))),
            harvest_kg=draw(st.one_of(st.none(), amount)),
            harvest_price=draw(st.one_of(st.none(), st.integers(1_000, 9_000))),
            farm_input_costs=draw(money),
        )
        # The farming plugin's rules: a harvest has a price and was grown on some land.
        if values["harvest_kg"] and (
            values["harvest_price"] is None or values["planted_area_ha"] == 0
        ):
            values["harvest_kg"] = None
    else:
        start, births, buys = (
            draw(st.integers(0, 20)),
            draw(st.integers(0, 3)),
            draw(st.integers(0, 2)),
        )
        deaths = draw(st.integers(0, start + births + buys))
        sales = draw(st.integers(0, start + births + buys - deaths))
        values.update(
            herd_start=start,
            herd_births=births,
            herd_purchases=buys,
            herd_deaths=deaths,
            herd_sales=sales,
            herd_end=start + births + buys - deaths - sales,
            herd_sales_value=draw(money) if sales else None,  # the livestock plugin's rule
        )
    # A required variable is left out rather than recorded as None (which it refuses).
    return {k: v for k, v in values.items() if v is not None or k == "monthly_income"}


@st.composite
def surveys(draw: st.DrawFn) -> Observations:
    obs = Observations(PROGRAM, CATALOGUE)
    for c, cluster in enumerate(PROGRAM.clusters):
        for kind, on in ROUNDS:
            if kind == "midline" and c == 2:
                continue
            round_id = f"{cluster.id}-{kind}"
            obs.add_round(Round(round_id, cluster.id, kind, on + dt.timedelta(days=3 * c)))
            rows = [
                (m.id, draw(answers(m.sector)))
                for m in cluster.members
                if m.is_active(on) and draw(st.integers(0, 9))  # some not found
            ]
            obs.record_many(round_id, rows)
            # Groups recorded active or not (or not at all: then their rosters decide).
            activity = [(g.id, draw(st.one_of(st.none(), st.booleans()))) for g in cluster.groups]
            recorded = [(g, {"group_active": v}) for g, v in activity if v is not None]
            if recorded:
                obs.record_many(round_id, recorded)
    return obs


def _engine(obs: Observations, backend: str) -> Measurement:
    return Measurement(
        PROGRAM, obs, indicators=[*klaster.plugins.get_host().indicators(), *EXTRA], backend=backend
    )


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(obs=surveys(), specs=st.lists(st.sampled_from(SPECS), min_size=1, max_size=3, unique=True))
def test_fast_path_gives_the_python_figures(obs: Observations, specs: list[Any]) -> None:
    python = _engine(obs, "python").report(by=specs)
    fast = _engine(obs, "polars").report(by=specs)
    assert len(python) == len(fast)
    for a, b in zip(python, fast, strict=True):
        assert a == b, (a.indicator, a.round_id, a.by)
    assert python.compare("baseline", "endline") == fast.compare("baseline", "endline")


ADDITIVE = ("members", "household_members", "rev_change", "costs_or_0", "abs_jobs", "idle")
"""Member indicators that add up (sums and counts)."""


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(obs=surveys())
def test_additive_indicators_add_up_over_kabupaten(obs: Observations) -> None:
    # Every member has one kabupaten (its desa's, else its cluster's): the cells add up.
    specs = [(), ("kabupaten",), ("cooperative",)]
    python = _engine(obs, "python").report(list(ADDITIVE), by=specs)
    assert python == _engine(obs, "polars").report(list(ADDITIVE), by=specs)
    for total in python.filter(total_over=["kabupaten", "cooperative"]):
        parts = [
            r
            for r in python.filter(total.indicator, total.round_id)
            if r.by and r.by[0][0] == "kabupaten"
        ]
        assert sum(p.n for p in parts) == total.n
        assert sum(p.missing for p in parts) == total.missing
        if total.n:
            assert total.value == sum(p.value for p in parts if p.n)  # type: ignore[misc]
        # A member in two cooperatives counts in both; one in none in neither.
        coops = [
            r
            for r in python.filter(total.indicator, total.round_id)
            if r.by[:1] and r.by[0][0] == "cooperative"
        ]
        assert all(c.n <= total.n for c in coops)


def _fixed_observations() -> Observations:
    fixed = Observations(PROGRAM, CATALOGUE)
    for cluster in PROGRAM.clusters:
        fixed.add_round(Round(f"{cluster.id}-b", cluster.id, "baseline", ROUNDS[0][1]))
        fixed.add_round(Round(f"{cluster.id}-e", cluster.id, "endline", ROUNDS[2][1]))
        for kind, on in (("b", ROUNDS[0][1]), ("e", ROUNDS[2][1])):
            rows = []
            for n, m in enumerate(cluster.members):
                if not m.is_active(on):
                    continue
                row: dict[str, Any] = {"monthly_income": 500_000 + 10_000 * n, "household_size": 4}
                row.update(dict.fromkeys(CIBEST_ITEMS, 1 + n % 5))
                row.update(dict.fromkeys(SOCIAL_CAPITAL_ITEMS, 5 - n % 5))
                if m.sector == "umkm":
                    row.update(
                        monthly_revenue=D("1500000.50"),
                        monthly_costs=900_000,
                        workers=2,
                        business_running=True,
                    )
                elif m.sector == "farming":
                    row.update(
                        planted_area_ha=D("0.25"),
                        harvest_kg=D("700.5") + n,
                        harvest_price=4_000,
                        farm_input_costs=1_000_000,
                        crop="rice",
                    )
                else:
                    row.update(
                        species="goat",
                        herd_start=4,
                        herd_births=1,
                        herd_purchases=0,
                        herd_deaths=0,
                        herd_sales=1,
                        herd_end=4,
                    )
                rows.append((m.id, row))
            fixed.record_many(f"{cluster.id}-{kind}", rows)
        fixed.record(f"{cluster.id}-e", f"{cluster.id}-g1", {"group_active": False})
    return fixed


def test_every_indicator_appears() -> None:
    fixed = _fixed_observations()
    specs = [(), ("cluster",), ("cluster", "sector")]
    python = _engine(fixed, "python").report(by=specs)
    engine = _engine(fixed, "polars")
    fast = engine.report(by=specs)
    assert python.rows == fast.rows
    assert {r.indicator for r in fast} >= {"members", "poverty_gap", "yield_per_ha", "herd_growth"}
    # What the fast path covers is done there, not left to the Python path.
    frames = frames_of(PROGRAM, fixed, engine.poverty_lines)
    indicators = [engine.indicator(code) for code in engine.codes()]
    done, slow = _polars.blocks(engine, indicators, frames, specs)
    python_only = {"median_rev", "rounded"}  # a median; round() rounds its own way
    # The mentoring indicators' unit values come from polars (primed into the frames,
    # _backends/polars/mentoring.py); their cells are added up by the shared Python code.
    python_only |= set(MENTORING_CODES)
    python_only |= set(ACTIVITY_CODES)  # the same, from _backends/polars/activities.py
    assert {code for code, _ in done} == set(engine.codes()) - python_only
    assert slow == []
    found = fast.row("income_per_capita", "endline", cluster="c0")
    assert found.value == found.numerator / found.denominator  # type: ignore[operator]


def test_import_klaster_does_not_import_polars() -> None:
    code = (
        "import sys, klaster, klaster.measurement.engine;"
        "print('polars' in sys.modules, 'numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_backend_is_checked() -> None:
    obs = Observations(PROGRAM, CATALOGUE)
    with pytest.raises(klaster.ValidationError, match="unknown backend 'sqlite'"):
        Measurement(PROGRAM, obs, backend="sqlite")
    assert Measurement(PROGRAM, obs, backend="auto").backend == "polars"


def _active(cluster_id: str, ids: Any = None) -> int:
    on = ROUNDS[2][1]
    members = PROGRAM.clusters[cluster_id].members
    return sum(m.is_active(on) for m in members if ids is None or m.id in ids)


def test_kabupaten_and_cooperative() -> None:
    fixed = _fixed_observations()
    specs = [(), ("kabupaten",), ("kabupaten", "sex"), ("cooperative",), ("cooperative", "desa")]
    python = _engine(fixed, "python").report(by=specs)
    engine = _engine(fixed, "polars")
    fast = engine.report(by=specs)
    assert python.rows == fast.rows
    # Members: their desa's kabupaten (c2 spans two), else their cluster's (c1 lists no desa).
    c2 = PROGRAM.clusters["c2"].members
    far = {m.id for m in c2 if m.village == "Desa 22"}
    assert python.value("members", "endline", kabupaten="Kab 0") == _active("c0")
    assert python.value("members", "endline", kabupaten="Kab 1") == _active("c1")
    assert python.value("members", "endline", kabupaten="Kab 2b") == _active("c2", far)
    assert python.value("members", "endline", kabupaten="Kab 2") == _active("c2") - len(
        far & {m.id for m in c2 if m.is_active(ROUNDS[2][1])}
    )
    # Groups and cooperatives: their cluster's kabupaten, none when it spans two.
    groups = {r.by: r.value for r in python.filter("groups", "endline") if r.by}
    assert groups == {(("kabupaten", "Kab 0"),): 3, (("kabupaten", "Kab 1"),): 3}
    legal = {r.by: r.value for r in python.filter("legal_cooperatives", "endline") if r.by}
    assert legal == {(("kabupaten", "Kab 0"),): 1, (("kabupaten", "Kab 1"),): 0}
    # Members by cooperative: in both of c0's, in neither when in none (half of c1).
    coops = {c.id: c for cluster in PROGRAM.clusters for c in cluster.cooperatives}
    for coop_id in ("c0-k", "c0-k2", "c1-k", "c2-k"):
        count = _active(coop_id[:2], coops[coop_id].member_ids)
        assert python.value("members", "endline", cooperative=coop_id) == count
    # Within one cooperative, desa is single-valued: its cells add up to the cooperative's.
    inside = [r for r in python.filter("members", "endline", cooperative="c2-k") if len(r.by) == 2]
    assert {r.dimension("desa") for r in inside} == {"Desa 20", "Desa 22"}
    assert sum(r.value for r in inside) == _active("c2", coops["c2-k"].member_ids)  # type: ignore[misc]
    # Specs with a multi-valued dimension are left to the Python path, the others not.
    frames = frames_of(PROGRAM, fixed, engine.poverty_lines)
    indicators = [engine.indicator("members")]
    done, slow = _polars.blocks(engine, indicators, frames, specs)
    assert slow == [("cooperative",), ("cooperative", "desa")]
    assert len(done[("members", "endline")].by) == 1 + 4 + 8


def test_new_dimensions_cost_nothing_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    from klaster.measurement import unit_frame
    from klaster.measurement._backends.polars import program as _polars_program

    def refuse(*_: Any) -> Any:
        raise AssertionError("read a dimension nobody asked for")

    fixed = _fixed_observations()
    monkeypatch.setattr(unit_frame, "cluster_kabupaten", refuse)
    monkeypatch.setattr(_polars_program, "cluster_kabupaten", refuse)
    monkeypatch.setattr(unit_frame.UnitFrame, "_cooperatives_by_member", refuse)
    specs = [(), ("cluster", "sector"), ("kecamatan", "sex"), ("group",)]
    assert _engine(fixed, "python").report(by=specs) == _engine(fixed, "polars").report(by=specs)
    with pytest.raises(AssertionError, match="nobody asked for"):
        _engine(fixed, "polars").report(["groups"], by=[("kabupaten",)])
