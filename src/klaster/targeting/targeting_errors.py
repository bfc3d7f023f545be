"""Inclusion and exclusion error of targeting, against a later survey and verification.

The two errors of the targeting literature (Cornia & Stewart 1993; Coady, Grosh & Hoddinott
2004, *Targeting of Transfers in Developing Countries*, World Bank), in klaster's terms:

* **Inclusion error** (*kesalahan inklusi*, leakage): among the members enrolled through the
  intake (``intake.member_of`` / ``applicant_of``: members registered directly are left out and
  counted in :attr:`TargetingErrors.unlinked_members`), the share **not poor** at the given
  survey round: per-capita income at or above the poverty line.
* **Exclusion error** (*kesalahan eksklusi*, undercoverage): among the applicants found **poor**
  by a later :class:`~klaster.targeting.verification.Verification`, the share **not enrolled**
  (any status but ``enrolled``: not eligible, waitlisted, declined, still waiting).

**Poor** means strictly below the line, as the ``poverty_headcount`` (P0) indicator and
:func:`~klaster.measurement.graduated_households` read it: a household exactly on the line is
not poor. A member's per-capita income is ``monthly_income`` ÷ ``household_size`` of the round
(else the member's registered household size), compared exactly (income < line × size). The
line is the cluster's kabupaten line on the round's date (the verification's date for the
exclusion error), else the province's or the national one, as
:meth:`~klaster.measurement.methods.PovertyLines.lookup` falls back; every row names the lines
it used, with their sources and any fallback.

Members without an income or household size in the round, and applicants not verified, are
neither counted nor assumed: each row gives their number as ``not_observed``. A part with a
denominator of zero gets :class:`~klaster.measurement.na.NotAvailable` with the reason.

Without a verification there is no exclusion error (n/a, with the reason): the screening
answers chose the applicants and cannot judge that choice. ``use_screening_answers=True`` uses
them anyway (the household ``monthly_income`` answer ÷ the applicant's household size, against
the line on the application date), and every exclusion row says so in its ``note``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from klaster.errors import InvalidReferenceError, NotFoundError, ValidationError
from klaster.measurement.methods.poverty_lines import PovertyLines
from klaster.observations.rounds import Round
from klaster.targeting._cases import (
    Case,
    LineFinder,
    Place,
    place_of,
    places_of,
    rows_of,
    unavailable,
)
from klaster.targeting.error_table import (
    TargetingErrorRow,
    TargetingErrors,
    TargetingMeasure,
)
from klaster.targeting.verification import Verification

if TYPE_CHECKING:
    from klaster.model.intake import Intake
    from klaster.model.program import Program
    from klaster.observations.values import Observations

__all__ = ["SCREENING_NOTE", "targeting_errors"]

SCREENING_NOTE = (
    "from the screening answers (income at application ÷ household size), not an independent "
    "verification: it shows poor applicants left out by the other rules or for want of places, "
    "never the screening's own mistakes"
)
"""The note every exclusion row carries when ``use_screening_answers=True``."""


def targeting_errors(
    program: Program,
    observations: Observations | None = None,
    survey_round: str | None = None,
    *,
    verification: Verification | None = None,
    poverty_lines: PovertyLines | None = None,
    use_screening_answers: bool = False,
    screening_income: str = "monthly_income",
    intake: Intake | None = None,
) -> TargetingErrors:
    """Inclusion and exclusion error, in total, by sector, by kecamatan, by desa and sector.

    See the module doc for the definitions and the poverty boundary.

    Args:
        program: The program (its clusters' regions place villages in kecamatan).
        observations: The program's survey data (for the inclusion error).
        survey_round: The later survey: a round ID, or a round key as reports name them
            (``"endline"``, ``"midline"``, ``"monitoring_2"``: each cluster's round of it).
            Members of a cluster without that round count as ``not_observed``.
        verification: Verified per-capita incomes of applicants (for the exclusion error).
        poverty_lines: The lines (default: the bundled BPS national lines).
        use_screening_answers: Without a verification, judge poverty by the screening
            answers (flagged in every exclusion row's note).
        screening_income: The answer holding the household's monthly income.
        intake: The applicants and decisions (default: ``program.intake``).

    Returns:
        A :class:`~klaster.targeting.error_table.TargetingErrors` table.

    Raises:
        NotFoundError: No round has the ID or key ``survey_round``.
        InvalidReferenceError: The verification names an applicant the intake does not have.
        ValidationError: A survey round without observations (or the reverse), or no
            poverty line for a cluster's kabupaten, province or the nation near a date.
    """
    if (observations is None) != (survey_round is None):
        raise ValidationError(
            "give both the observations and the survey round for the inclusion error, or neither",
            path="survey_round" if survey_round is None else "observations",
        )
    if verification is not None and not isinstance(verification, Verification):
        raise ValidationError(
            f"must be a Verification, got {type(verification).__name__}; build one with "
            "Verification(on, {applicant_id: income_per_capita}, source) or read_csv",
            path="verification",
        )
    if intake is None:
        intake = program.intake
    lines = LineFinder(PovertyLines.bps_national() if poverty_lines is None else poverty_lines)
    places = {cluster.id: places_of(cluster) for cluster in program.clusters}
    rows: list[TargetingErrorRow] = []
    unlinked = 0
    if observations is None or survey_round is None:
        rows.append(unavailable(TargetingMeasure.INCLUSION, "no later survey round was given"))
    else:
        cases, unlinked = _inclusion(program, intake, observations, survey_round, lines, places)
        why = (
            f"no member of this part enrolled through the intake has an income and household "
            f"size in round {survey_round!r}"
        )
        rows += rows_of(TargetingMeasure.INCLUSION, cases, why, None)
    source: str | None = None
    if verification is not None:
        source = "verification"
        cases = _exclusion(program, intake, lines, places, verification, screening_income)
        why = "no applicant of this part was found poor by the verification"
        rows += rows_of(TargetingMeasure.EXCLUSION, cases, why, None)
    elif use_screening_answers:
        source = "screening answers"
        cases = _exclusion(program, intake, lines, places, None, screening_income)
        why = "no applicant of this part was poor by the screening answers"
        rows += rows_of(TargetingMeasure.EXCLUSION, cases, why, SCREENING_NOTE)
    else:
        rows.append(
            unavailable(
                TargetingMeasure.EXCLUSION,
                "no later verification of applicants was given; the screening answers chose "
                "the applicants and cannot judge that choice (pass verification=..., or "
                "use_screening_answers=True to use them anyway, flagged)",
            )
        )
    return TargetingErrors(
        rows, survey_round=survey_round, exclusion_source=source, unlinked_members=unlinked
    )


# -- inclusion ------------------------------------------------------------------------------


def _inclusion(
    program: Program,
    intake: Intake,
    observations: Observations,
    survey_round: str,
    lines: LineFinder,
    places: dict[str, dict[str, Place]],
) -> tuple[list[Case], int]:
    rounds = _rounds_of(observations, survey_round)
    members = {m.id: (c, m) for c in program.clusters for m in c.members}
    enrolled = [
        (applicant, member_id)
        for applicant in intake.applicants
        if (member_id := intake.member_of(applicant.id)) is not None
    ]
    linked = {member_id for _, member_id in enrolled}
    unlinked = sum(1 for member_id in members if member_id not in linked)
    values: dict[str, dict[str, tuple[Decimal | None, int | None]]] = {}
    cases = []
    for applicant, member_id in enrolled:
        found = members.get(member_id)
        if found is None:  # enrolled, but the member is not in the program (not observable)
            kecamatan, desa = place_of(places.get(applicant.cluster_id, {}), applicant.village)
            cases.append(
                Case(
                    applicant.cluster_id,
                    kecamatan,
                    desa,
                    applicant.sector,
                    False,
                    False,
                    False,
                    None,
                )
            )
            continue
        cluster, member = found
        kecamatan, desa = place_of(places[cluster.id], member.village)
        rnd = rounds.get(cluster.id)
        income, size = None, None
        if rnd is not None:
            if rnd.id not in values:
                values[rnd.id] = _member_values(observations, rnd)
            income, size = values[rnd.id].get(member_id, (None, None))
            if size is None and income is not None:
                size = member.household_size  # as P0: the registered size when none recorded
        if rnd is None or income is None or not size:
            cases.append(
                Case(cluster.id, kecamatan, desa, member.sector, False, False, False, None)
            )
            continue
        rupiah, label = lines.of(cluster, rnd.on)
        not_poor = income >= rupiah * size
        cases.append(Case(cluster.id, kecamatan, desa, member.sector, True, True, not_poor, label))
    return cases, unlinked


def _rounds_of(observations: Observations, survey_round: str) -> dict[str, Round]:
    """Each cluster's round with the ID or key ``survey_round``."""
    every = observations.rounds()
    for rnd in every:
        if rnd.id == survey_round:
            return {rnd.cluster_id: rnd}
    by_cluster: dict[str, list[Round]] = {}
    for rnd in every:
        by_cluster.setdefault(rnd.cluster_id, []).append(rnd)
    found: dict[str, Round] = {}
    keys: set[str] = set()
    for cluster_id, rounds in by_cluster.items():
        seen: dict[str, int] = {}
        # Keys as reports name them: the kind, numbered from the second round of a kind on.
        for rnd in sorted(rounds, key=lambda r: r.on):
            seen[rnd.kind.value] = seen.get(rnd.kind.value, 0) + 1
            count = seen[rnd.kind.value]
            key = rnd.kind.value if count == 1 else f"{rnd.kind.value}_{count}"
            keys.add(key)
            if key == survey_round:
                found[cluster_id] = rnd
    if not found:
        raise NotFoundError(
            f"no round has the ID or key {survey_round!r}; keys: "
            + (", ".join(sorted(keys)) or "none (no rounds)"),
            path="survey_round",
        )
    return found


def _member_values(
    observations: Observations, rnd: Round
) -> dict[str, tuple[Decimal | None, int | None]]:
    units = observations.units(rnd.id)
    incomes = observations.column(rnd.id, "monthly_income")
    sizes = observations.column(rnd.id, "household_size")
    return {unit: (income, size) for unit, income, size in zip(units, incomes, sizes, strict=True)}


# -- exclusion ------------------------------------------------------------------------------


def _exclusion(
    program: Program,
    intake: Intake,
    lines: LineFinder,
    places: dict[str, dict[str, Place]],
    verification: Verification | None,
    screening_income: str,
) -> list[Case]:
    clusters = {c.id: c for c in program.clusters}
    verified = verification.as_mapping() if verification is not None else {}
    for applicant_id in verified:
        if applicant_id not in intake.applicants:
            raise InvalidReferenceError(
                f"unknown applicant {applicant_id!r}; a verification names applicants of the "
                "intake",
                path=f"verification.incomes[{applicant_id!r}]",
            )
    cases = []
    for applicant in intake.applicants:
        cluster = clusters.get(applicant.cluster_id)
        kecamatan, desa = place_of(places.get(applicant.cluster_id, {}), applicant.village)
        if verification is not None:
            income, size, on = verified.get(applicant.id), 1, verification.on
        else:
            answer = applicant.answer(screening_income)
            income = answer if isinstance(answer, Decimal) else None
            size, on = applicant.household_size, applicant.applied_on
        if income is None or cluster is None:
            cases.append(
                Case(
                    applicant.cluster_id,
                    kecamatan,
                    desa,
                    applicant.sector,
                    False,
                    False,
                    False,
                    None,
                )
            )
            continue
        rupiah, label = lines.of(cluster, on)
        poor = income < rupiah * size
        served = intake.member_of(applicant.id) is not None
        cases.append(
            Case(
                cluster.id,
                kecamatan,
                desa,
                applicant.sector,
                True,
                poor,
                poor and not served,
                label,
            )
        )
    return cases
