"""The polars fast path reads the store's columns whole and runs one plan per round key.

Skipped where the ``columnar`` extra (polars, numpy) is not installed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("polars")
pytest.importorskip("numpy")

import polars as pl

from klaster import Cluster, ClusterSector, Member, Organisation, Program, Region, Sex
from klaster.catalogue import Level
from klaster.measurement._backends.polars.read import SurveyedUnits
from klaster.measurement._frames import frames_of
from klaster.measurement.compiler import Shift
from klaster.measurement.engine import Measurement
from klaster.measurement.methods.poverty_lines import PovertyLines
from klaster.observations.columns import DecimalColumn, IntegerColumn
from klaster.observations.core_variables import variable_catalogue
from klaster.observations.rounds import Round
from klaster.observations.values import Observations

CLUSTERS, MEMBERS = 3, 6
START = dt.date(2012, 1, 10)


def _cluster(c: int) -> Cluster:
    region = Region.province(f"Provinsi {c}", f"7{c}", [Region.kabupaten(f"Kab {c}", f"7{c}.01")])
    members = [
        Member(
            id=f"c{c}-m{n}",
            name=f"Mitra {n}",
            sex=Sex.FEMALE,
            household_size=1 + n % 5,
            village="Desa",
            sector="umkm",
            joined=START,
            business_type=None,
        )
        for n in range(MEMBERS)
    ]
    return Cluster(
        id=f"c{c}",
        name=f"Klaster {c}",
        region=region,
        sectors=[ClusterSector("umkm", "dd")],
        members=members,
    )


PROGRAM = Program(
    id="p",
    name="Program",
    organisation_id="dd",
    organisations=[Organisation("dd", "Dompet Dhuafa", "ngo")],
    clusters=[_cluster(c) for c in range(CLUSTERS)],
)
KINDS = ("baseline", "endline")

# Per cluster: integers of different widths (int8 to int64 arrays) and decimals of different
# scales, so the frames' stored arrays differ in type and scale.
incomes = st.one_of(st.none(), st.integers(0, 100), st.integers(0, 10**4), st.integers(0, 10**9))
revenues = st.one_of(
    st.decimals(0, 10**6, places=0),
    st.decimals(0, 10**6, places=1),
    st.decimals(0, 10**6, places=3),
)


@st.composite
def surveys(draw: st.DrawFn) -> Observations:
    obs = Observations(PROGRAM, variable_catalogue())
    for c, cluster in enumerate(PROGRAM.clusters):
        for k, kind in enumerate(KINDS):
            round_id = f"c{c}-{kind}"
            obs.add_round(Round(round_id, cluster.id, kind, START + dt.timedelta(days=400 * k)))
            rows = []
            for m in cluster.members:
                if not draw(st.integers(0, 4)):
                    continue  # not found in this round
                row: dict[str, Any] = {"monthly_income": draw(incomes)}
                if draw(st.booleans()):  # left out: some rounds never record revenue
                    row["monthly_revenue"] = draw(revenues)
                rows.append((m.id, row))
            if rows:
                obs.record_many(round_id, rows)
    return obs


def _expected(obs: Observations, frames: Any, code: str, at: Any) -> list[Decimal | None]:
    """Per surveyed unit (frame order, numbering order), its stored value read one by one."""
    storage = obs.storage
    out: list[Decimal | None] = []
    for frame in frames:
        table = storage.table(frame.round.id, Level.MEMBER)
        if table is None:
            continue
        rnd = frame.round if at is None else frame.baseline
        column = None if rnd is None else storage.stored_column(rnd.id, Level.MEMBER, code)
        for i, surveyed in enumerate(table.present):
            if surveyed:
                found = column[i] if column is not None and i < len(column) else None
                out.append(None if found is None else Decimal(found))
    return out


class TestReadingColumns:
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(obs=surveys())
    def test_whole_columns_equal_the_values_read_one_by_one(self, obs: Observations) -> None:
        for _, _, frames in frames_of(PROGRAM, obs, PovertyLines.bps_national()):
            units = SurveyedUnits(obs, frames)
            for code in ("monthly_income", "monthly_revenue"):
                for at in (None, Shift.BASELINE):
                    expected = _expected(obs, frames, code, at)
                    read = units.column(code, at=at)
                    if read is None:
                        assert all(v is None for v in expected)
                        continue
                    data, valid, scale = read
                    got = [
                        Decimal(int(v)).scaleb(-scale) if ok else None
                        for v, ok in zip(data.tolist(), valid.tolist(), strict=True)
                    ]
                    assert got == expected, (code, at)

    @settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(obs=surveys())
    def test_numbers_are_read_without_a_buffer_object_per_column(self, obs: Observations) -> None:
        def refuse(*_: Any) -> Any:
            raise AssertionError("a Buffers object per column")

        expected = Measurement(PROGRAM, obs, backend="python").report(by=[(), ("cluster",)])
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(DecimalColumn, "buffers", refuse)
            patch.setattr(IntegerColumn, "buffers", refuse)
            fast = Measurement(PROGRAM, obs, backend="polars").report(by=[(), ("cluster",)])
        assert fast == expected


class TestOnePlanPerRoundKey:
    @settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(obs=surveys())
    def test_the_tables_of_a_round_key_are_collected_together(self, obs: Observations) -> None:
        calls = {"collect_all": 0, "eager group_by": 0}
        collect_all, group_by = pl.collect_all, pl.DataFrame.group_by

        def counted_collect_all(*args: Any, **kwargs: Any) -> Any:
            calls["collect_all"] += 1
            return collect_all(*args, **kwargs)

        def counted_group_by(*args: Any, **kwargs: Any) -> Any:
            calls["eager group_by"] += 1
            return group_by(*args, **kwargs)

        specs = [(), ("cluster",), ("cluster", "sector")]
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(pl, "collect_all", counted_collect_all)
            patch.setattr(pl.DataFrame, "group_by", counted_group_by)
            fast = Measurement(PROGRAM, obs, backend="polars").report(by=specs)
        # One collect per round key (baseline, endline), no eager group-by per table or cell.
        assert calls == {"collect_all": len(KINDS), "eager group_by": 0}
        assert fast == Measurement(PROGRAM, obs, backend="python").report(by=specs)
