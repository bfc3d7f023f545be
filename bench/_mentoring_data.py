"""The mentoring benchmark's synthetic program: members, groups, facilitators, 24 months of visits.

Clusters of 1,000 members in groups of 10 (5% of the spells end during the two years, a few
members leave the program); five facilitators per cluster, each assigned 20 groups. Every group
is visited once a month for 24 months (January 2012 to December 2013), and each facilitator makes
one individual visit a month to five members of their groups. Each cluster has a baseline
(15 December 2011), a midline (15 January 2013) and an endline (15 January 2014) round. Built
through the public API (``Fieldwork.assign``, ``Fieldwork.log_visits``), fixed seed.
"""

from __future__ import annotations

import datetime as dt
import random

from klaster import Program
from klaster.model import (
    Assignment,
    Cluster,
    ClusterSector,
    Group,
    Lifecycle,
    Member,
    Membership,
    Organisation,
    Person,
    Position,
    Region,
    Visit,
)
from klaster.observations import Observations, Round, variable_catalogue

__all__ = ["MONTHS", "ROUNDS", "build"]

CLUSTER_SIZE = 1_000
GROUP_SIZE = 10
GROUPS_PER_FACILITATOR = 20
MONTHS = 24
START = dt.date(2011, 6, 1)
ROUNDS = (
    ("baseline", dt.date(2011, 12, 15)),
    ("midline", dt.date(2013, 1, 15)),
    ("endline", dt.date(2014, 1, 15)),
)


def _month(k: int, day: int) -> dt.date:
    return dt.date(2012 + k // 12, k % 12 + 1, day)


def _cluster(rng: random.Random, c: int, size: int) -> Cluster:
    cid = f"c{c:04d}"
    members, groups = [], []
    for g in range(max(1, size // GROUP_SIZE)):
        spells = []
        for position in range(GROUP_SIZE):
            n = g * GROUP_SIZE + position
            left = _month(rng.randrange(MONTHS), 10) if rng.random() < 0.02 else None
            member = Member(f"{cid}-m{n:04d}", f"Mitra {n}", "female", 4, "Desa", "umkm", START,
                            left=left)  # fmt: skip
            members.append(member)
            end = left or (_month(rng.randrange(MONTHS), 20) if rng.random() < 0.05 else None)
            spells.append(Membership(member.id, START, left=end))
        groups.append(Group(f"{cid}-g{g:03d}", f"Kelompok {g}", "umkm", START, spells))
    return Cluster(
        id=cid,
        name=f"Klaster {c:04d}",
        region=Region.province("Banten", "36"),
        sectors=[ClusterSector("umkm")],
        lifecycle=Lifecycle.start(START, reason="r", decided_by="d", phase="strengthening"),
        members=members,
        groups=groups,
    )


def build(members: int, *, seed: int = 2012) -> tuple[Program, Observations]:
    """The program with its log, and the observations holding its three rounds (no values)."""
    rng = random.Random(seed)
    n_clusters = max(1, members // CLUSTER_SIZE)
    size = min(members, CLUSTER_SIZE)
    clusters = [_cluster(rng, c, size) for c in range(n_clusters)]
    program = Program(
        id="mentoring",
        name="Mentoring benchmark",
        organisation_id="dd",
        organisations=[Organisation("dd", "Dompet Dhuafa", "ngo")],
        clusters=clusters,
    )
    fieldwork = program.fieldwork
    visits: list[Visit] = []
    for cluster in clusters:
        groups = list(cluster.groups)
        for f in range(0, len(groups), GROUPS_PER_FACILITATOR):
            person = f"{cluster.id}-pd{f // GROUPS_PER_FACILITATOR}"
            program.add_person(Person(person, "Fasilitator", [Position("dd", "facilitator")]))
            mine = groups[f : f + GROUPS_PER_FACILITATOR]
            fieldwork.assign(Assignment(person, cluster.id, START, group_ids=[g.id for g in mine]))
            caseload = [s.member_id for g in mine for s in g.memberships]
            for k in range(MONTHS):
                for number, group in enumerate(mine):
                    day = _month(k, 1 + number % 28)
                    visits.append(Visit(f"{group.id}-{k}", cluster.id, person, day,
                                        group_ids=[group.id]))  # fmt: skip
                chosen = rng.sample(caseload, min(5, len(caseload)))
                visits.append(Visit(f"{person}-{k}", cluster.id, person, _month(k, 25),
                                    member_ids=chosen))  # fmt: skip
    fieldwork.log_visits(visits)
    obs = Observations(program, variable_catalogue())
    for cluster in clusters:
        for kind, on in ROUNDS:
            obs.add_round(Round(f"{cluster.id}-{kind[:2]}", cluster.id, kind, on))
    return program, obs
