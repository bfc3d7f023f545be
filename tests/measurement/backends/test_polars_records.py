"""The fast path reads the program's records as arrays; it collects one round key beside the next.

Skipped where the ``columnar`` extra (polars, numpy) is not installed.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("polars")
pytest.importorskip("numpy")

import polars as pl

from klaster import (
    Cluster,
    ClusterSector,
    Group,
    Member,
    Membership,
    Organisation,
    Program,
    Region,
    Sex,
)
from klaster.catalogue import Level
from klaster.measurement._backends.polars import members as _members
from klaster.measurement._backends.polars.cells import Naming
from klaster.measurement._backends.polars.program import NEVER, Records
from klaster.measurement.engine import Measurement
from klaster.observations.core_variables import variable_catalogue
from klaster.observations.rounds import Round
from klaster.observations.values import Observations

CLUSTERS, MEMBERS, PER_GROUP = 3, 8, 4
START = dt.date(2012, 1, 10)
KINDS = ("baseline", "midline", "endline")
SECTORS = ("umkm", "farming")
SPECS = [(), ("cluster",), ("cluster", "sector")]


@st.composite
def programs(draw: st.DrawFn) -> Program:
    """Members who join late or leave, of two sectors and both sexes, in groups with spells."""
    clusters = []
    for c in range(CLUSTERS):
        members, groups = [], []
        for n in range(MEMBERS):
            joined = START + dt.timedelta(days=draw(st.sampled_from([0, 0, 300, 700])))
            left = draw(st.sampled_from([None, None, joined + dt.timedelta(days=200)]))
            members.append(
                Member(
                    id=f"c{c}-m{n}",
                    name=f"Mitra {n}",
                    sex=draw(st.sampled_from([Sex.FEMALE, Sex.MALE])),
                    household_size=draw(st.integers(1, 9)),
                    village="Desa",
                    sector=SECTORS[n // PER_GROUP % len(SECTORS)],
                    joined=joined,
                    left=left,
                )
            )
        for g in range(MEMBERS // PER_GROUP):
            spells = [
                Membership(m.id, m.joined, left=m.left)
                for m in members[g * PER_GROUP : (g + 1) * PER_GROUP]
            ]
            sector = SECTORS[g % len(SECTORS)]
            groups.append(Group(f"c{c}-g{g}", f"Kelompok {g}", sector, START, memberships=spells))
        region = Region.province(f"P{c}", f"7{c}", [Region.kabupaten(f"Kab {c}", f"7{c}.01")])
        clusters.append(
            Cluster(
                id=f"c{c}",
                name=f"Klaster {c}",
                region=region,
                sectors=[ClusterSector(s, "dd") for s in SECTORS],
                members=members,
                groups=groups,
            )
        )
    return Program(
        id="p",
        name="Program",
        organisation_id="dd",
        organisations=[Organisation("dd", "Dompet Dhuafa", "ngo")],
        clusters=clusters,
    )


@st.composite
def surveys(draw: st.DrawFn, groups: str = "some") -> Observations:
    """Members recorded in a random order (the store numbers them as first recorded), some
    not found; groups' activity recorded for ``"all"``, ``"none"`` or ``"some"`` of them."""
    program = draw(programs())
    obs = Observations(program, variable_catalogue())
    for c, cluster in enumerate(program.clusters):
        for k, kind in enumerate(KINDS):
            on = START + dt.timedelta(days=400 * k + c)
            round_id = f"c{c}-{kind}"
            obs.add_round(Round(round_id, cluster.id, kind, on))
            found = [m for m in cluster.members if m.is_active(on) and draw(st.integers(0, 5))]
            order = draw(st.permutations(found))
            rows = [(m.id, {"monthly_income": draw(st.integers(0, 10**7))}) for m in order]
            if rows:
                obs.record_many(round_id, rows)
            recorded = []
            for group in cluster.groups:
                if groups == "all" or (groups == "some" and draw(st.booleans())):
                    recorded.append((group.id, {"group_active": draw(st.booleans())}))
            if recorded:
                obs.record_many(round_id, recorded)
    return obs


def _report(obs: Observations, backend: str) -> Any:
    engine = Measurement(obs.program, obs, backend=backend)
    return engine.report(["members", "household_members", "groups", "active_groups"], by=SPECS)


SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class TestRecordsAsArrays:
    @SETTINGS
    @given(obs=surveys())
    def test_member_arrays_equal_the_records_read_one_by_one(self, obs: Observations) -> None:
        program = obs.program
        engine = Measurement(program, obs, backend="polars")
        frames = {r.cluster_id: engine.frame(r.id) for r in obs.rounds()}
        naming = Naming([c.id for c in program.clusters])
        found = Records(program, frames, ["sector", "sex"], naming).members()
        everyone = list(program.members())
        assert list(found["joined"]) == [m.joined.toordinal() for m in everyone]
        assert list(found["left"]) == [
            NEVER if m.left is None else m.left.toordinal() for m in everyone
        ]
        assert list(found["size"]) == [m.household_size for m in everyone]
        names = {"sector": [m.sector for m in everyone], "sex": [m.sex.value for m in everyone]}
        for dim, expected in names.items():
            codes = found[f"_d_{dim}"]
            assert [naming.name(dim, int(k)) for k in codes] == expected
        for cluster in program.clusters:
            numbering = obs.storage.numbering(cluster.id, Level.MEMBER)
            units = [] if numbering is None else list(numbering.ids)
            ids = cluster.members.ids()
            positions = list(found["position"][cluster.id])
            # Each numbered unit's index among the cluster's members (the store's order differs).
            assert positions == [ids.index(u) if u in ids else -1 for u in units]


class TestGroupSpells:
    @pytest.mark.parametrize("groups", ["all", "none", "some"])
    @SETTINGS
    @given(data=st.data())
    def test_spells_are_read_only_when_a_group_has_no_recorded_value(
        self, groups: str, data: st.DataObject
    ) -> None:
        obs = data.draw(surveys(groups))
        calls = []
        spells = Records._spells

        def counted(records: Records) -> Any:
            calls.append(1)
            return spells(records)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(Records, "_spells", counted)
            fast = _report(obs, "polars")
        assert fast == _report(obs, "python")
        if groups == "all":
            assert not calls  # every existing group's activity was recorded
        if groups == "none":
            assert calls  # the rosters decide every group


class TestRoundKeysOverlap:
    @settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(obs=surveys())
    def test_a_round_key_is_collected_while_the_next_is_read(self, obs: Observations) -> None:
        # The first collect waits until the second round key's members table is being read:
        # it can only see that if it runs beside the reading, not before it.
        second = threading.Event()
        seen: list[tuple[bool, bool]] = []  # per collect: on the main thread, next one read
        collect_all, init = pl.collect_all, _members.MemberTable.__init__
        tables = []

        def reading(table: Any, *args: Any, **kwargs: Any) -> None:
            tables.append(1)
            if len(tables) == 2:
                second.set()
            init(table, *args, **kwargs)

        def collecting(*args: Any, **kwargs: Any) -> Any:
            main = threading.current_thread() is threading.main_thread()
            seen.append((main, main or second.wait(timeout=10)))
            return collect_all(*args, **kwargs)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_members.MemberTable, "__init__", reading)
            patch.setattr(pl, "collect_all", collecting)
            fast = _report(obs, "polars")
        assert seen[0] == (False, True)
        assert all(not main for main, _ in seen)  # every collect in the worker thread
        assert len(seen) == len(KINDS)  # still one plan per round key
        assert fast == _report(obs, "python")
