"""``klaster screen``: apply eligibility rules to applicants; optionally record the decisions.

Two inputs. ``klaster screen PROGRAM --rules rules.toml`` screens the applicants of a program
document or store (``program.intake``; lines for each cluster's kabupaten) and shows one line per
applicant (one living outside its sector's area fails the core check ``sector_area``);
``--record --on DATE`` appends the decisions to the intake (all or nothing: a document
saved atomically, a store in one transaction). ``klaster screen --applicants FILE --rules
rules.toml --out decisions.csv`` screens a CSV or Parquet table with the columnar backend and
writes ``applicant_id, sector, eligible, failed`` (atomically). ``--json`` gives every decision
with its evidence (IDs and codes, never names).
"""

from __future__ import annotations

import argparse
import datetime as _dt
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from klaster.cli._exit import CliError, ExitCode
from klaster.cli._inputs import parse_date
from klaster.cli._output import Output, table

if TYPE_CHECKING:
    from klaster.model.program import Program
    from klaster.targeting import EligibilityRules, Screening

NAME = "screen"
_SHOWN = 200  # decisions listed in text; the rest are counted


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register the command."""
    parser = commands.add_parser(
        NAME,
        parents=[common],
        help="apply eligibility rules to applicants (and record the decisions)",
        description="Screen the applicants of a program document or store, or of a CSV/Parquet "
        "table, against eligibility rules (TOML) and the sector plugins' criteria: one decision "
        "per applicant with the criteria failed and the evidence.",
    )
    parser.add_argument(
        "program", type=Path, nargs="?", metavar="PROGRAM", help="a store or program document"
    )
    parser.add_argument(
        "--rules", type=Path, required=True, metavar="RULES.toml", help="the eligibility rules"
    )
    parser.add_argument(
        "--applicants", type=Path, metavar="FILE", help="a CSV or Parquet table of applicants"
    )
    parser.add_argument("--out", type=Path, metavar="DECISIONS.csv", help="write the decisions")
    parser.add_argument(
        "--on",
        type=parse_date,
        metavar="YYYY-MM-DD",
        help="the date of the screening (lines are looked up for it; default: each "
        "application's date); required with --record",
    )
    parser.add_argument(
        "--record", action="store_true", help="append the decisions to the program's intake"
    )
    parser.add_argument("--decided-by", metavar="WHO", help="who decided (with --record)")
    parser.set_defaults(run=run)


def _rules(path: Path) -> EligibilityRules:
    from klaster.cli._inputs import existing
    from klaster.targeting import load_rules

    return load_rules(existing(path, "an eligibility rules file (TOML)"))


def _check_usage(args: argparse.Namespace) -> None:
    if (args.program is None) == (args.applicants is None):
        raise CliError(
            "give a program (document or store) or --applicants FILE, one of the two",
            hint="Run: klaster screen program.json --rules rules.toml, or klaster screen "
            "--applicants applicants.csv --rules rules.toml --out decisions.csv",
            code=ExitCode.USAGE,
        )
    if args.record and args.program is None:
        raise CliError(
            "--record is for a program's applicants",
            code=ExitCode.USAGE,
            hint="Record into a program document or store: klaster screen PROGRAM "
            "--rules rules.toml --record --on YYYY-MM-DD",
        )
    if args.record and args.on is None:
        raise CliError(
            "--record needs --on DATE (the date of the decisions)",
            hint="Add --on YYYY-MM-DD.",
            code=ExitCode.USAGE,
        )
    if args.out is not None and args.applicants is None:
        raise CliError(
            "--out is for --applicants tables",
            code=ExitCode.USAGE,
            hint="Use --json for a program's decisions.",
        )


def areas_of(program: Program) -> dict[str, str]:
    """Each cluster's kabupaten code (its lines apply to its applicants)."""
    from klaster.model.region import RegionLevel

    found = {}
    for cluster in program.clusters:
        for region in cluster.region.walk():
            if region.level is RegionLevel.KABUPATEN and region.code:
                found[cluster.id] = region.code
                break
    return found


def run(args: argparse.Namespace, out: Output) -> int:
    """Screen, show, and optionally record or write."""
    from klaster.targeting import screen, screen_file

    _check_usage(args)
    rules = _rules(args.rules)
    recorded: dict[str, Any] | None = None
    with out.working("screening applicants"):
        if args.applicants is not None:
            from klaster.cli._inputs import existing

            source = existing(args.applicants, "a CSV or Parquet table of applicants")
            screening = screen_file(rules, source, out=args.out, on=args.on)
        else:
            program = _load(args.program)
            # With the program, an applicant outside its sector's area fails sector_area.
            screening = screen(
                rules,
                program.intake.applicants,
                on=args.on,
                areas=areas_of(program),
                program=program,
            )
            if args.record:
                recorded = _record(args, screening)
    out.emit(document(screening, recorded, args.out, full=args.applicants is None))
    show(out, screening)
    if args.out is not None:
        out.note(f"wrote {len(screening)} decisions to {args.out}")
    if recorded is not None:
        out.note(f"recorded {recorded['decisions']} decisions in {args.program}")
    return ExitCode.OK


def _load(path: Path) -> Program:
    from klaster.cli._inputs import existing, is_store, load_program, open_store

    if is_store(existing(path, "a store or a program document")):
        with open_store(path, readonly=True) as store:
            return store.load_program()
    return load_program(path)


def _record(args: argparse.Namespace, screening: Screening) -> dict[str, Any]:
    """Append the decisions to the intake and save: all or nothing."""
    import klaster
    from klaster.cli._inputs import is_store, load_program, open_store

    on: _dt.date = args.on
    if is_store(args.program):
        with open_store(args.program) as store:
            program = store.load_program()
            changes = screening.changes(on, args.decided_by, intake=program.intake)
            for change in changes:
                program.intake.record(change)
            store.save_program(program)
    else:
        program = load_program(args.program)
        changes = screening.changes(on, args.decided_by, intake=program.intake)
        for change in changes:
            program.intake.record(change)  # a refusal raises before anything is saved
        klaster.save(program, args.program)
    return {"program": str(args.program), "decisions": len(changes)}


def document(
    screening: Screening, recorded: dict[str, Any] | None, written: Path | None, *, full: bool
) -> dict[str, Any]:
    """The JSON document: counts, and each decision (with its evidence for a program)."""
    rows: list[dict[str, Any]]
    if full:
        rows = screening.to_records()
    else:
        rows = [
            {"applicant_id": a, "sector": s, "eligible": e, "failed": f}
            for a, s, e, f in screening.summary()
        ]
    return {
        "applicants": len(screening),
        "eligible": sum(1 for row in rows if row["eligible"]),
        "decisions": rows,
        "recorded": recorded,
        "written": None if written is None else str(written),
    }


def show(out: Output, screening: Screening) -> None:
    """One line per applicant (the first few hundred), then the counts."""
    summary = screening.summary()
    rows = [
        [a, s, "ya / yes" if e else "tidak / no", f.replace(";", ", ")]
        for a, s, e, f in summary[:_SHOWN]
    ]
    columns = ["pendaftar / applicant", "sektor / sector", "layak / eligible", "gagal / failed"]
    out.show(table("Hasil seleksi / Screening", columns, rows))
    if len(summary) > _SHOWN:
        out.line(f"... and {len(summary) - _SHOWN} more (use --out or --json)")
    show_counts(out, screening)


def show_counts(out: Output, screening: Screening) -> None:
    """How many applicants are eligible, and how often each rule was failed."""
    summary = screening.summary()
    eligible = sum(1 for row in summary if row[2])
    out.line(f"{eligible} of {len(summary)} applicants eligible / pendaftar layak")
    failed = Counter(code for row in summary for code in row[3].split(";") if code)
    if failed:
        counts = ", ".join(f"{code} {n}" for code, n in failed.most_common())
        out.line(f"rules failed / syarat tidak terpenuhi: {counts}")
