"""Strategies for applicants, their screening answers and programs with an intake.

:func:`programs_with_intake` adds applicants to a program and decides on them through the
public API (screened, waitlisted, declined, enrolled into a group of the cluster), so every
record passed its checks in context.

Requires `hypothesis <https://hypothesis.readthedocs.io>`_ (``pip install klaster[test]``).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from decimal import Decimal

from hypothesis import strategies as st

from klaster.errors import KlasterError
from klaster.model.applicant import Answer, Applicant
from klaster.model.program import Program
from klaster.plugins.default import get_host
from klaster.testing._drawing import MIN_DATE, PLACE_NAME, check_size, maybe, on_or_after
from klaster.testing._people import NIK, PHONE
from klaster.testing.basic_strategies import DEFAULT_SECTORS, codes, dates, texts
from klaster.testing.basic_strategies import ids as any_ids
from klaster.testing.program_strategies import programs
from klaster.testing.region_strategies import village_keys

__all__ = ["answers", "applicants", "programs_with_intake"]

_ANSWER: st.SearchStrategy[Answer] = st.one_of(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, min_value=-(10**9), max_value=10**9
    ),
    st.integers(0, 10**8).map(Decimal),
    st.booleans(),
    st.sampled_from(["fakir", "miskin", "gharim", "permanent", "semi_permanent"]),
    texts(),
    dates(),
)


def answers(*, max_answers: int = 5) -> st.SearchStrategy[dict[str, Answer]]:
    """Screening answers by variable code: exact numbers, yes/no, codes, texts and dates."""
    check_size(max_answers=max_answers)
    return st.dictionaries(codes(), _ANSWER, max_size=max_answers)


def _business_types(sector: str) -> st.SearchStrategy[str | None]:
    # A sector an installed plugin declares business types for accepts only those (at enrolment).
    declared: tuple[str, ...] = ()
    if any(s.code == sector for s in get_host().sectors()):
        declared = get_host().sector(sector).business_type_codes()
    return st.none() | (st.sampled_from(declared) if declared else texts(max_size=12))


@st.composite
def _applicants(
    draw: st.DrawFn,
    id_strategy: st.SearchStrategy[str],
    cluster_ids: Sequence[str] | None,
    sectors: Sequence[str] | None,
    villages: Sequence[str] | None,
    applied_after: _dt.date,
) -> Applicant:
    sector = draw(st.sampled_from(list(sectors or DEFAULT_SECTORS)))
    return Applicant(
        id=draw(id_strategy),
        cluster_id=draw(st.sampled_from(list(cluster_ids)) if cluster_ids else any_ids()),
        name=draw(texts()),
        sex=draw(st.sampled_from(["female", "male"])),
        household_size=draw(st.integers(1, 12)),
        village=draw(st.sampled_from(list(villages)) if villages else PLACE_NAME),
        sector=sector,
        applied_on=on_or_after(draw, applied_after),
        answers=draw(answers()),
        business_type=draw(_business_types(sector)),
        national_id=maybe(draw, NIK),
        phone=maybe(draw, PHONE),
        note=maybe(draw, texts()),
    )


def applicants(
    *,
    ids: st.SearchStrategy[str] | None = None,
    cluster_ids: Sequence[str] | None = None,
    sectors: Sequence[str] | None = None,
    villages: Sequence[str] | None = None,
    applied_after: _dt.date = MIN_DATE,
) -> st.SearchStrategy[Applicant]:
    """Applicants with their screening answers, every optional field sometimes set.

    Args:
        ids: Strategy for the applicant's ID (default: any ID).
        cluster_ids: Clusters to apply to (default: any ID).
        sectors: Sector codes to choose from (default :data:`DEFAULT_SECTORS`).
        villages: Village names or codes to choose from (default: any place name).
        applied_after: Earliest application date.

    Returns:
        A strategy of valid :class:`~klaster.Applicant` records.
    """
    return _applicants(
        ids if ids is not None else any_ids(), cluster_ids, sectors, villages, applied_after
    )


@st.composite
def _programs_with_intake(
    draw: st.DrawFn, program: st.SearchStrategy[Program], max_applicants: int
) -> Program:
    result = draw(program)
    intake = result.intake
    members = {m.id for m in result.members()}
    for cluster in result.clusters:
        keys = village_keys(cluster.region)
        if not keys and cluster.region.villages():
            continue  # no desa can be named unambiguously
        for _ in range(draw(st.integers(0, max_applicants))):
            applicant = draw(
                applicants(
                    ids=any_ids(avoid=set(intake.applicants.ids())),
                    cluster_ids=[cluster.id],
                    sectors=cluster.sector_codes,
                    villages=keys or None,
                )
            )
            intake.add_applicant(applicant)
            _decide(draw, result, applicant, members)
    return result


def _decide(draw: st.DrawFn, program: Program, applicant: Applicant, members: set[str]) -> None:
    intake = program.intake
    on = applicant.applied_on
    step = draw(st.sampled_from(["none", "eligible", "not_eligible", "waitlisted", "declined"]))
    if step == "none":
        return
    if step == "declined":
        intake.decline(applicant.id, on, reason=draw(texts()))
        return
    if step == "not_eligible":
        intake.decide(applicant.id, step, on, failed=draw(st.lists(codes(), min_size=1)))
    else:
        intake.decide(applicant.id, "eligible", on, evidence=maybe(draw, texts()))
        if step == "waitlisted":
            intake.waitlist(applicant.id, on)
    if not draw(st.booleans()):
        return
    member_id = draw(any_ids(avoid=members))
    cluster = program.clusters[applicant.cluster_id]
    open_groups = [g.id for g in cluster.groups if g.sector == applicant.sector]
    group_id = draw(st.none() | st.sampled_from(open_groups)) if open_groups else None
    override = "set aside" if step == "not_eligible" else None
    try:
        intake.enrol(applicant.id, member_id=member_id, on=on, group_id=group_id, override=override)
    except KlasterError:  # a full group, or one formed later: enrol without it
        try:
            intake.enrol(applicant.id, member_id=member_id, on=on, override=override)
        except KlasterError:  # refused by a rule of the cluster (a sector's area): stays
            return
    members.add(member_id)


def programs_with_intake(
    *,
    program: st.SearchStrategy[Program] | None = None,
    max_applicants: int = 4,
) -> st.SearchStrategy[Program]:
    """Programs with applicants in their clusters and decisions on them (enrolments included).

    Args:
        program: The programs to add an intake to (default :func:`programs`).
        max_applicants: Most applicants per cluster.

    Returns:
        A strategy of valid :class:`~klaster.Program` objects whose ``intake`` holds applicants,
        screening, waitlist and decline decisions, and enrolments that created members (some
        in a group).
    """
    check_size(max_applicants=max_applicants)
    return _programs_with_intake(program if program is not None else programs(), max_applicants)
