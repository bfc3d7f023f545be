"""``klaster export iati``: a program as IATI 2.03 activity XML for donors.

One activity for the program and one per cluster (:func:`klaster.exports.write_iati`), with the
finance books' budgets and transactions (a store's, or ``--finance`` beside a program document)
and the results framework's targets with their actuals when the observations are at hand (a
store's, the sidecar beside a program document, or ``--observations``). Nothing is written when
anything is wrong.
"""

from __future__ import annotations

import argparse
import datetime as _dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from klaster.cli._exit import CliError, ExitCode
from klaster.cli._output import Output
from klaster.documents.files import atomic_write_bytes

if TYPE_CHECKING:
    pass

NAME = "iati"
_OPTIONS = {
    "reporting_org_ref": "--reporting-org",
    "reporting_org_type": "--org-type",
    "reporting_org_name": "--org-name",
    "identifier_prefix": "--prefix",
    "generated": "--generated",
    "status": "--status",
}


def add_parser(kinds: Any, common: argparse.ArgumentParser) -> None:
    """Register the format."""
    parser = kinds.add_parser(
        NAME,
        parents=[common],
        help="IATI 2.03 activity XML: the program and one activity per cluster",
        description="Write the program as IATI 2.03 activity XML: an activity for the program "
        "and one per cluster (linked as parent and children), with the reporting and "
        "participating organisations, the status from each cluster's lifecycle, planned and "
        "actual dates, DAC sectors, locations, budgets and transactions from the finance books "
        "and the results framework with baselines, targets and actuals.",
    )
    parser.add_argument(
        "source",
        type=Path,
        metavar="PROGRAM.json|STORE",
        help="a program document (with --finance for money) or a store",
    )
    parser.add_argument(
        "--reporting-org",
        required=True,
        metavar="REF",
        help="the reporting organisation's IATI identifier, e.g. XM-DAC-41114 or ID-KHH-...",
    )
    parser.add_argument(
        "--org-type",
        required=True,
        metavar="CODE",
        help="its IATI OrganisationType code, e.g. 22 (national NGO), 21 (international NGO)",
    )
    parser.add_argument(
        "--out", type=Path, required=True, metavar="ACTIVITIES.xml", help="the file to write"
    )
    parser.add_argument(
        "--finance", type=Path, metavar="FIN.json", help="the program document's finance books"
    )
    parser.add_argument(
        "--observations",
        type=Path,
        metavar="SIDE.jsonl",
        help="observations sidecar of a program document, for the results' actuals (default: "
        "the one beside it, if any)",
    )
    parser.add_argument(
        "--org-name",
        nargs=2,
        metavar=("ID", "EN"),
        help="the reporting organisation's name in Indonesian and English (default: the "
        "program's organisation's name)",
    )
    parser.add_argument(
        "--generated",
        type=_datetime,
        metavar="DATETIME",
        help="the file's generated date-time, e.g. 2024-01-31T12:00:00+00:00 (default: now); "
        "give it for a reproducible file",
    )
    parser.add_argument("--prefix", metavar="PREFIX", help="activity identifier prefix")
    parser.add_argument(
        "--status",
        action="append",
        default=[],
        type=_status,
        metavar="PHASE=CODE",
        help="map a lifecycle phase to an IATI ActivityStatus code instead of the default "
        "(e.g. monitoring=4 to report clusters after exit as closed); repeatable",
    )
    parser.add_argument(
        "--schema",
        type=Path,
        metavar="XSD|DIR",
        help="check the XML against IATI's iati-activities-schema.xsd (the file, or its folder) "
        "before writing; needs lxml: pip install 'klaster[iati]'",
    )
    parser.set_defaults(run=run)


def _status(text: str) -> tuple[str, str]:
    phase, sep, code = text.partition("=")
    if not sep or not phase.strip() or not code.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: write PHASE=CODE, e.g. monitoring=4")
    return phase.strip(), code.strip()


def _datetime(text: str) -> _dt.datetime:
    try:
        return _dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date-time; write e.g. 2024-01-31T12:00:00+00:00"
        ) from None


def run(args: argparse.Namespace, out: Output) -> int:
    """Build the XML and write it."""
    from klaster.cli._inputs import framework_variables, program_data
    from klaster.errors import ValidationError
    from klaster.exports import DEFAULT_STATUS, IatiSettings, iati_activities
    from klaster.label import Label

    with out.working(f"exporting {args.source} as IATI activities"):
        program, observations, books = program_data(
            args.source,
            args.observations,
            args.finance,
            command="export iati",
            needs=framework_variables,  # the actuals of the framework's targets only
        )
        if args.org_name is not None:
            name = Label(*args.org_name)
        else:
            own = program.organisations.get(program.organisation_id)
            name = (
                Label(own.name, own.name) if own is not None else Label(program.name, program.name)
            )
        generated = args.generated or _dt.datetime.now(_dt.UTC).replace(microsecond=0)
        try:
            settings = IatiSettings(
                args.reporting_org,
                args.org_type,
                name,
                generated,
                identifier_prefix=args.prefix,
                status={**{p.value: c for p, c in DEFAULT_STATUS.items()}, **dict(args.status)},
                # The global --lang: the default xml:lang (narratives are in both languages).
                language=getattr(args, "lang", None) or "id",
            )
        except ValidationError as err:
            option = _OPTIONS.get((err.path or "").split(".")[0], err.path)
            hint = (
                "Give the identifier IATI lists for your organisation (the IATI registry, or "
                "the OrganisationRegistrationAgency codelist's agency and your number there)."
                if option == "--reporting-org"
                else "Run 'klaster export iati --help' to see what it takes."
            )
            raise CliError(f"{option}: {err.message}", hint=hint, code=ExitCode.USAGE) from None
        measurement = None
        if observations is not None and program.results.current is not None:
            from klaster.measurement import Measurement

            measurement = Measurement(program, observations, backend="auto")
        xml = iati_activities(program, settings, books=books, measurement=measurement)
        if args.schema is not None:
            _check_schema(xml, args.schema)
        atomic_write_bytes(args.out, xml)
    out.emit(
        {
            "output": str(args.out),
            "activities": 1 + len(program.clusters),
            "books": len(books),
            "actuals": measurement is not None,
        }
    )
    out.note(
        f"wrote {1 + len(program.clusters)} IATI activities (the program and "
        f"{len(program.clusters)} cluster(s)) to {args.out}"
    )
    return ExitCode.OK


def _check_schema(xml: bytes, schema: Path) -> None:
    from klaster.exports.iati_schema import iati_schema_problems

    problems = iati_schema_problems(xml, schema)
    if problems:
        shown = "\n".join(f"  - {p}" for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise CliError(
            f"the XML does not validate against {schema}; nothing was written:\n{shown}{more}",
            hint="Check that the schema is IATI's 2.03 activity schema; if it is, this is a bug "
            "in klaster: please report it with the messages above.",
            code=ExitCode.REFUSED,
        )
