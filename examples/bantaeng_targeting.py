"""Worked example: choosing where and whom in Klaster Mandiri Bantaeng, then judging the choice.

Run ``python examples/bantaeng_targeting.py OUTDIR``. It writes only into ``OUTDIR`` (the program
document with its applicants, decisions and recorded choice, the verification as CSV, and the
targeting-error table as CSV) and prints a short summary. Every step is klaster's public API:

1. **Where**: rank Bantaeng's kecamatan from ``data/bantaeng_regions.csv`` with the rule
   ``data/bantaeng_ranking.toml`` and record the choice, with its evidence, on the program (the
   three the rule selects, and Eremerasa for farming, with the reason).
2. **Sector areas**: UMKM works in Kecamatan Bantaeng and Bissappu, farming in Eremerasa,
   livestock in Pajukukang (the 6 July 2011 workshop report).
3. **Whom**: the 40 applicants (*calon pemetik manfaat*) of the Kobo screening export
   ``data/kobo/screening.csv`` imported and screened with ``data/bantaeng_eligibility.toml``
   (BPS line, had kifayah, asnaf, a housing scorecard, and the livestock plugin's "has space
   for animals"); the eligible enrolled into their sector's group, the poorest first, the rest
   waitlisted.
4. **Judging it**: inclusion error at the members' baseline survey (June 2011), and inclusion
   and exclusion error against a later survey of the members and a verification visit to every
   applicant (15 March 2012).

The kabupaten's 2010 figures and the BPS lines are real (with their sources); the kecamatan
figures, the ranking weights, the scorecard, the applicants, the surveys and the verification
are SYNTHETIC, drawn with a fixed seed so that every run gives the same figures (asserted by
``tests/test_examples.py`` and shown in ``docs/targeting.md``).
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import klaster
import klaster.examples
from klaster import (
    Applicant,
    Cluster,
    ClusterSector,
    Group,
    KlasterError,
    Organisation,
    Program,
    Region,
)
from klaster.documents.csvfile import write_csv
from klaster.importing import load_mapping, read_submissions
from klaster.measurement import NotAvailable
from klaster.measurement.methods import PovertyLines
from klaster.observations import Observations, Round
from klaster.targeting import (
    RankingTable,
    Screening,
    TargetingErrors,
    Verification,
    load_rule,
    load_rules,
    rank,
    read_regions_csv,
    screen,
    screening_catalogue,
    targeting_errors,
)

DATA = klaster.examples.data_dir()  # examples/data, or the installed wheel's copy
KOBO = DATA / "kobo"
SEED = 2011
# The first intake: one group per sector with two places each (SYNTHETIC).
GROUPS = {
    "umkm": ("BTG-K01", "Kelompok Rumput Laut Lamalaka", 2),
    "farming": ("BTG-K02", "Kelompok Tani Eremerasa", 2),
    "livestock": ("BTG-K03", "Kelompok Ternak Pajukukang", 2),
}
EREMERASA = "73.03.03"
DECIDED_ON = dt.date(2011, 3, 1)  # the choice of kecamatan
SCREENED_ON = dt.date(2011, 5, 2)
ENROLLED_ON = dt.date(2011, 6, 1)
BASELINE_ON = dt.date(2011, 6, 15)  # the members' baseline survey
LATER_ON = dt.date(2012, 3, 15)  # the later survey and the verification visit

# Desa of the four kecamatan, as commonly listed (names only; codes left out), as in
# examples/build_screening.py.
DESA = {
    "73.03.01": ("Bissappu", ["Bonto Manai", "Bonto Jai", "Bonto Lebang", "Bonto Sunggu"]),
    "73.03.02": ("Bantaeng", ["Lamalaka", "Letta", "Pallantikang", "Karatuang"]),
    "73.03.03": ("Eremerasa", ["Barua", "Kampala", "Lonrong", "Mappilawing"]),
    "73.03.05": ("Pajukukang", ["Pa'jukukang", "Baruga", "Borong Loe", "Rappoa"]),
}
AREAS = {"umkm": ["Bantaeng", "Bissappu"], "farming": ["Eremerasa"], "livestock": ["Pajukukang"]}


class Outcome(NamedTuple):
    """What the example made: the program, the three tables and the verification."""

    program: Program
    ranking: RankingTable
    screening: Screening
    errors: TargetingErrors
    at_baseline: TargetingErrors
    verification: Verification


# -- 1. where -------------------------------------------------------------------------------


def choose(program: Program) -> RankingTable:
    """Rank the kecamatan and record the choice on the program, with its evidence."""
    candidates = read_regions_csv(DATA / "bantaeng_regions.csv")
    rule = load_rule(DATA / "bantaeng_ranking.toml")
    table = rank(candidates, rule)
    program.choose_locations(
        table.as_choice(
            "btg-kecamatan-2011",
            DECIDED_ON,
            "Dompet Dhuafa, ekonomi",
            chosen=(*table.selected, EREMERASA),
            note="the three kecamatan the rule selects, and Eremerasa (ranked 4th) for farming, "
            "as the opening workshop of 6 July 2011 reports",
        )
    )
    return table


def cluster(chosen: tuple[str, ...]) -> Cluster:
    """The Bantaeng cluster in the chosen kecamatan, each sector in its own area."""
    kecamatan = [
        Region.kecamatan(DESA[code][0], code, [Region.desa(d) for d in DESA[code][1]])
        for code in sorted(chosen)
    ]
    bantaeng = Region.kabupaten("Bantaeng", "73.03", kecamatan)
    return Cluster(
        "bantaeng",
        "Klaster Mandiri Bantaeng",
        Region.province("Sulawesi Selatan", "73", [bantaeng]),
        sectors=[
            ClusterSector(sector, partner, areas=AREAS[sector])
            for sector, partner in (("umkm", "mm"), ("farming", "psi"), ("livestock", "ktn"))
        ],
    )


# -- 2. whom --------------------------------------------------------------------------------


def import_applicants(program: Program) -> int:
    """The applicants of the Kobo screening export (40 SYNTHETIC households); return how many."""
    variables = screening_catalogue()
    mapping = load_mapping(KOBO / "screening.toml", variables=variables)
    batch = read_submissions(KOBO / "screening.csv", mapping, program=program, variables=variables)
    for new in batch.applicants:
        program.intake.add_applicant(new.applicant)
    return len(batch.applicants)


def enrol(program: Program, screening: Screening) -> None:
    """Record the screening; enrol the eligible into their sector's group, the poorest first,
    and waitlist those for whom the group has no place left."""
    intake = program.intake
    for change in screening.changes(SCREENED_ON, "tim seleksi", intake=intake):
        intake.record(change)
    bantaeng = program.clusters["bantaeng"]
    for sector, (group_id, name, places) in GROUPS.items():
        bantaeng.add_group(Group(group_id, name, sector, ENROLLED_ON, capacity=places))
        eligible = [a for a in intake.with_status("eligible") if a.sector == sector]
        eligible.sort(key=lambda a: (_per_head(a), a.id))
        for index, applicant in enumerate(eligible):
            if index < places:
                member_id = f"M-{applicant.id[4:]}"
                intake.enrol(applicant.id, member_id=member_id, on=ENROLLED_ON, group_id=group_id)
            else:
                intake.waitlist(applicant.id, ENROLLED_ON, reason="no place left in the group")


def _per_head(applicant: Applicant) -> Decimal:
    income = applicant.answer("monthly_income")
    assert isinstance(income, Decimal)
    return income / applicant.household_size


# -- 3. judging it --------------------------------------------------------------------------


def surveys(program: Program, rng: random.Random) -> Observations:
    """SYNTHETIC: the members' baseline survey (June 2011) and a later one ten months on.

    The baseline finds a little more income than the screening's one question did; by the later
    survey incomes have moved (mostly up). One member in twenty was not found the second time.
    """
    observations = Observations(program)
    observations.add_round(Round("btg-bl", "bantaeng", "baseline", BASELINE_ON))
    observations.add_round(Round("btg-ml", "bantaeng", "midline", LATER_ON))
    for member in program.members():
        applicant = program.intake.applicants[member.application_id or ""]
        size = member.household_size
        at_baseline = _per_head(applicant) * Decimal(rng.choice([90, 100, 100, 105, 110, 125]))
        at_baseline = (at_baseline / 100).quantize(Decimal(1))
        later = (at_baseline * Decimal(rng.choice([90, 100, 110, 120, 140])) / 100).quantize(
            Decimal(1)
        )
        rounds = [("btg-bl", at_baseline)] + ([] if rng.random() < 0.05 else [("btg-ml", later)])
        for round_id, per_head in rounds:
            observations.record(
                round_id, member.id, {"monthly_income": per_head * size, "household_size": size}
            )
    return observations


def verification(program: Program, rng: random.Random) -> Verification:
    """SYNTHETIC: per-capita incomes found by a verification visit to every applicant (one in
    ten not at home)."""
    incomes = {}
    for applicant in program.intake.applicants:
        if rng.random() < 0.1:
            continue
        factor = Decimal(rng.choice([70, 85, 95, 100, 110, 125, 150])) / 100
        incomes[applicant.id] = (_per_head(applicant) * factor).quantize(Decimal(1))
    return Verification(LATER_ON, incomes, "Verification visit, March 2012 (synthetic)")


# -- the whole -------------------------------------------------------------------------------


def run(out: Path) -> Outcome:
    """Every step; the files go into ``out`` only."""
    rng = random.Random(SEED)
    program = Program(
        id="klaster-mandiri",
        name="Klaster Mandiri",
        organisation_id="dd",
        organisations=[
            Organisation("dd", "Dompet Dhuafa", "ngo"),
            Organisation("mm", "Masyarakat Mandiri", "implementing_partner"),
            Organisation("psi", "Pertanian Sehat Indonesia", "implementing_partner"),
            Organisation("ktn", "Kampoeng Ternak Nusantara", "implementing_partner"),
        ],
    )
    ranking = choose(program)
    (choice,) = program.locations
    program.add_cluster(cluster(choice.chosen))
    import_applicants(program)
    rules = load_rules(DATA / "bantaeng_eligibility.toml")
    screening = screen(
        rules, program.intake.applicants, areas={"bantaeng": "73.03"}, program=program
    )
    enrol(program, screening)
    survey = surveys(program, rng)
    checked = verification(program, rng)
    # The verification travels as a CSV file (applicant_id, income_per_capita), as from the field.
    visit = out / "verification.csv"
    write_csv(visit, ["applicant_id", "income_per_capita"], sorted(checked.as_mapping().items()))
    checked = Verification.read_csv(visit, on=LATER_ON, source=checked.source)
    errors = targeting_errors(program, survey, "midline", verification=checked)
    at_baseline = targeting_errors(program, survey, "baseline")
    klaster.save(program, out / "bantaeng_targeting.json")
    records = errors.to_records()
    write_csv(out / "targeting_errors.csv", list(records[0]), [list(r.values()) for r in records])
    return Outcome(program, ranking, screening, errors, at_baseline, checked)


def left_out(outcome: Outcome) -> tuple[Counter[str], Counter[str]]:
    """The poor applicants (by the verification) not enrolled: how many of each status, and the
    screening rules failed by those found not eligible."""
    line = PovertyLines.bps_national().lookup("73.03", LATER_ON)
    assert not isinstance(line, NotAvailable)
    intake = outcome.program.intake
    statuses: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    for applicant_id, income in outcome.verification.incomes:
        status = intake.status(applicant_id).value
        if income < line.rupiah and status != "enrolled":
            statuses[status] += 1
            if status == "not_eligible":
                failed.update(intake.history(applicant_id)[-1].failed)
    return statuses, failed


def summary(outcome: Outcome) -> str:
    """A short summary: IDs, codes and counts only (no names, no incomes)."""
    intake = outcome.program.intake
    (choice,) = outcome.program.locations
    status = Counter(intake.status(a.id).value for a in intake.applicants)
    lines = [
        "kecamatan selected by the ranking: "
        + ", ".join(outcome.ranking.row(code).name for code in outcome.ranking.selected),
        "kecamatan chosen: " + ", ".join(outcome.ranking.row(code).name for code in choice.chosen),
        f"applicants: {len(intake.applicants)}, eligible at screening: "
        f"{sum(outcome.screening.eligible)}",
        "status: " + ", ".join(f"{k} {v}" for k, v in sorted(status.items())),
        "at the baseline (June 2011): " + outcome.at_baseline.summary().splitlines()[0],
        "at the later survey and verification (March 2012):",
        *(f"  {line}" for line in outcome.errors.summary().splitlines()),
    ]
    statuses, failed = left_out(outcome)
    rules = ", ".join(f"{code} {n}" for code, n in sorted(failed.items(), key=lambda i: -i[1]))
    lines.append(
        f"poor applicants left out: not_eligible {statuses['not_eligible']} (failed: {rules}), "
        f"waitlisted {statuses['waitlisted']}"
    )
    for measure in ("inclusion_error", "exclusion_error"):
        for row in outcome.errors.select(measure, "kecamatan"):
            lines.append(
                f"  {measure} {row.kecamatan}: {row.share} ({row.numerator} of {row.denominator})"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the example into the folder named on the command line; return the exit code."""
    args = (argv if argv is not None else sys.argv)[1:]
    if len(args) != 1:
        print("usage: python examples/bantaeng_targeting.py OUTDIR", file=sys.stderr)
        return 2
    out = Path(args[0])
    if not out.is_dir():
        print(f"{out}: not a folder; create it first", file=sys.stderr)
        return 2
    try:
        outcome = run(out)
    except KlasterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(summary(outcome))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
