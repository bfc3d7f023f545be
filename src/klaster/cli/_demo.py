"""``klaster demo``: a store of the bundled Bantaeng program, its status and headline figures.

The data is the bundled example (``examples/data``: the program document, its baseline and
endline surveys and, when present, KoboToolbox exports with their mappings under ``kobo/``:
registrations, a monitoring survey, training attendance and the facilitator's mentoring
visits). Besides the status and the headline figures it shows the program's working life: the
activities and visits imported, summed up per kind as ``klaster activities`` lists them, and
how places and people were chosen: Bantaeng's kecamatan ranked (``klaster targeting``) and the
bundled screening export's applicants screened (``klaster screen``). An installed wheel carries
the data as ``klaster/_demo_data``; a source checkout reads ``examples/data`` directly.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from klaster.cli._exit import CliError, ExitCode
from klaster.cli._output import Output

if TYPE_CHECKING:
    from klaster.targeting import RankingTable, Screening

NAME = "demo"
PROGRAM = "bantaeng.json"
SIDECAR = "bantaeng.observations.jsonl"
REGIONS = "bantaeng_regions.csv"
RANKING = "bantaeng_ranking.toml"
INTAKE = "bantaeng_intake.json"
ELIGIBILITY = "bantaeng_eligibility.toml"
SCREENING = "screening.toml"
STORE = "bantaeng.klaster"
HEADLINE = (
    "members",
    "active_groups",
    "legal_cooperatives",
    "income_per_capita",
    "income_change_pct",
    "poverty_headcount",
    "poverty_gap",
    "business_survival_rate",
    "profit_margin",
    "jobs_created",
    "members_trained_12m",
    "attendance_rate_12m",
    "visits_per_member_month",
    "groups_visited_90d",
    "months_since_mentoring_ended",
)
"""The indicators of the demo's report (those the installed plugins provide): welfare, business,
and the training and mentoring the program's fieldwork records."""
_DATA_SUFFIXES = (".csv", ".xlsx")


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register the command."""
    parser = commands.add_parser(
        NAME,
        parents=[common],
        help="build a store of the bundled Bantaeng example and report on it",
        description="Build a store from the bundled Bantaeng example program (Klaster Mandiri "
        "Bantaeng, South Sulawesi), import its bundled KoboToolbox exports (registrations, "
        "monitoring, training attendance, mentoring visits), then show the status, the "
        "activities and visits per kind, and the headline indicators.",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        metavar="DIR",
        help="where to put the demo store (default: a new temporary directory)",
    )
    parser.set_defaults(run=run)


def demo_data() -> Path:
    """The folder of the bundled example data.

    Raises:
        CliError: Neither the installed copy nor a source checkout's ``examples/data`` exists.
    """
    from klaster.errors import NotFoundError
    from klaster.examples import data_dir

    try:
        folder = data_dir()
    except NotFoundError:
        folder = None
    if folder is not None and (folder / PROGRAM).is_file():
        return folder
    raise CliError(
        "the bundled example data is missing (neither klaster/_demo_data nor examples/data "
        "holds bantaeng.json)",
        hint="Reinstall klaster (pip install --force-reinstall klaster), or run the demo from "
        "a source checkout.",
        code=ExitCode.UNREADABLE,
    )


def kobo_files(data: Path) -> list[tuple[Path, Path]]:
    """The (export, mapping) pairs under ``data/kobo``, registrations first.

    Every form kind but screening is imported: registrations (members the other forms may
    name), surveys, activities with attendance and mentoring visits (their facilitator and the
    official are the bundled program's people). A mapping ``monitoring.toml`` goes with the
    export named after it (``monitoring.csv``, ``monitoring_2015.csv``), the CSV when there is
    also an XLSX; the files of its repeat groups are read with it, not on their own.
    """
    from klaster.importing import FormKind, load_mapping

    folder = data / "kobo"
    if not folder.is_dir():
        return []
    found: list[tuple[bool, Path, Path]] = []
    from klaster.cli._import_intake import screening_variables

    for path in sorted(folder.glob("*.toml")):
        mapping = load_mapping(path, variables=screening_variables(path))
        if mapping.form is FormKind.SCREENING:
            continue  # applicants of another program (bantaeng_intake.json, docs/intake.md)
        repeats = {repeat.file for repeat in mapping.repeats if repeat.file}
        exports = [
            p
            for p in sorted(folder.iterdir(), key=_preference)
            if p.suffix.lower() in _DATA_SUFFIXES
            and p.name not in repeats
            and (p.stem == path.stem or p.stem.startswith(path.stem + "_"))
        ]
        if exports:
            found.append((mapping.form is not FormKind.REGISTRATION, exports[0], path))
    return [(export, mapping) for _, export, mapping in sorted(found)]


def _preference(path: Path) -> tuple[int, str]:
    # CSV before XLSX: the same submissions, and the CSV reads faster.
    suffix = path.suffix.lower()
    return (_DATA_SUFFIXES.index(suffix) if suffix in _DATA_SUFFIXES else 9, path.name)


def run(args: argparse.Namespace, out: Output) -> int:
    """Build the demo store and report on it."""
    from klaster.cli import (
        _activities,
        _import,
        _inputs,
        _report,
        _report_document,
        _screen,
        _status,
    )
    from klaster.cli import _targeting as _targeting_cli
    from klaster.measurement import Measurement
    from klaster.store import Store

    data = demo_data()
    folder = args.dir if args.dir is not None else Path(tempfile.mkdtemp(prefix="klaster-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / STORE
    if target.exists():
        raise CliError(
            f"{target} already exists",
            hint="Delete it or choose another --dir; the demo never overwrites a store.",
        )
    out.note(f"building the demo store {target} from {data}")
    program = _inputs.load_program(data / PROGRAM)
    observations = _inputs.load_sidecar(data / SIDECAR, program)
    with Store.create(target, program, observations=observations):
        pass
    muted = out.muted()
    imported = []
    for export, mapping in kobo_files(data):
        done = _import.apply_file(out, target, export, mapping)
        _import.show(muted, done)
        imported.append(done.document())
    with _inputs.open_store(target, readonly=True) as store:
        status = store.status()
        program = store.load_program()
        observations = store.load_observations(program=program)
    _status.show(muted, status, target)
    fieldwork = _activities.summary(program)
    engine = Measurement(program, observations)
    codes = [code for code in HEADLINE if code in engine.codes()]
    headline = engine.report(codes, by=[()])
    rows = list(headline)
    ranking, screening = _targeting(data)
    with out.working("writing the reports (html, md, xlsx, pdf; id and en)"):
        skipped: list[str] = []
        reports = _report_document.write_all(
            program, observations, folder / "reports", skipped=skipped
        )
    out.emit(
        {
            "dir": str(folder),
            "store": str(target),
            "imported": imported,
            "status": _status.status_document(status, target),
            "activities": fieldwork,
            "report": _report.records(rows),
            "reports": reports,
            "targeting": None if ranking is None else _targeting_cli.document(ranking, None),
            "screening": None
            if screening is None
            else _screen.document(screening, None, None, full=False),
        }
    )
    out.line()
    _activities.show_summary(out, fieldwork)
    out.line()
    out.line("headline indicators / indikator utama", style="bold")
    out.show(_report.text_table(rows, out.text_lang, displays=headline.displays))
    if ranking is not None and screening is not None:
        out.line()
        out.line("choosing where and whom / memilih lokasi dan penerima manfaat", style="bold")
        _targeting_cli.show(out, ranking)
        out.line()
        _screen.show_counts(out, screening)
    out.line()
    out.line(f"reports / laporan: {folder / 'reports'}", style="bold")
    for path in reports:
        out.line(f"  {path}")
    for reason in skipped:
        out.note(f"  not written: {reason}")
    out.note(
        f"\nthe demo store is {target}; try:\n"
        f"  klaster status {target} --cluster bantaeng\n"
        f"  klaster activities {target} --kind training\n"
        f"  klaster report {target} --by sex\n"
        f"  klaster report {target} --format csv --output bantaeng.csv\n"
        f"  klaster report {target} --format html --lang en --out bantaeng.html\n"
        f"  klaster targeting {data / REGIONS} --rule {data / RANKING}\n"
        f"  klaster screen {data / INTAKE} --rules {data / ELIGIBILITY}"
    )
    return ExitCode.OK


def _targeting(data: Path) -> tuple[RankingTable | None, Screening | None]:
    """Bantaeng's kecamatan ranked and the bundled applicants screened (when the data is there)."""
    from klaster.cli import _inputs, _screen
    from klaster.importing import load_mapping, read_submissions
    from klaster.targeting import (
        load_rule,
        load_rules,
        rank,
        read_regions_csv,
        screen,
        screening_catalogue,
    )

    needed = (REGIONS, RANKING, INTAKE, ELIGIBILITY, f"kobo/{SCREENING}")
    if not all((data / name).is_file() for name in needed):
        return None, None
    ranking = rank(read_regions_csv(data / REGIONS), load_rule(data / RANKING))
    program = _inputs.load_program(data / INTAKE)
    variables = screening_catalogue()
    mapping = load_mapping(data / "kobo" / SCREENING, variables=variables)
    export = data / "kobo" / (Path(SCREENING).stem + ".csv")
    batch = read_submissions(export, mapping, program=program, variables=variables)
    for new in batch.applicants:
        program.intake.add_applicant(new.applicant)
    rules = load_rules(data / ELIGIBILITY)
    screening = screen(
        rules, program.intake.applicants, areas=_screen.areas_of(program), program=program
    )
    return ranking, screening
