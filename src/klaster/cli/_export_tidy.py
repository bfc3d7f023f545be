"""``klaster export tidy``: a program's tables as CSV or Parquet for analysts, IDs pseudonymised.

The tables are :func:`klaster.exports.write_tidy`'s: members, groups, memberships, observations
(long), figures (the report's default table) and ledger entries (the store's finance books, or
``--finance`` books of a program document). Member IDs are pseudonymised with a secret the user
keeps: ``--secret-file F`` or ``KLASTER_PSEUDONYM_SECRET``. Without one the command refuses and
says how to make one (``--new-secret F`` writes a new random secret to F, readable by its owner
only, and uses it): a secret made silently would be lost, and with it the link back.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from klaster.cli._exit import CliError, ExitCode
from klaster.cli._output import Output

if TYPE_CHECKING:
    from klaster.exports import Pseudonymiser

NAME = "tidy"
# The same as klaster.exports.TABLES (a test checks), not imported: `klaster --help` stays quick.
TABLES = ("members", "groups", "memberships", "observations", "figures", "ledger_entries")


def add_parser(kinds: Any, common: argparse.ArgumentParser) -> None:
    """Register the format."""
    parser = kinds.add_parser(
        NAME,
        parents=[common],
        help="tidy CSV/Parquet tables for analysts, member IDs pseudonymised",
        description="Write members, groups, memberships, observations (long), figures and "
        "ledger entries as one file per table into a folder, all or none. Member IDs become "
        "keyed pseudonyms (p_ and 16 hex digits) with a secret you keep; names, national ID "
        "numbers and phone numbers are left out unless --include-personal.",
    )
    parser.add_argument(
        "source",
        type=Path,
        metavar="STORE|PROGRAM.json",
        help="a store, or a program document (its observations sidecar beside it)",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="FOLDER", help="the folder")
    parser.add_argument(
        "--format",
        dest="file_format",  # ``format`` is the export command's own: "tidy"
        choices=("csv", "parquet"),
        default="csv",
        help="csv (default) or parquet",
    )
    parser.add_argument(
        "--observations", type=Path, metavar="SIDE.jsonl", help="a program document's sidecar"
    )
    parser.add_argument(
        "--finance",
        type=Path,
        metavar="BOOKS.json",
        help="a program document's finance books (a store holds its own)",
    )
    secret = parser.add_mutually_exclusive_group()
    secret.add_argument(
        "--secret-file",
        type=Path,
        metavar="F",
        help="the pseudonym secret (default: the KLASTER_PSEUDONYM_SECRET variable)",
    )
    secret.add_argument(
        "--new-secret",
        type=Path,
        metavar="F",
        help="make a new random secret in F (never overwritten) and use it",
    )
    secret.add_argument(
        "--include-personal",
        action="store_true",
        help="write real IDs, names, national ID numbers and phones (personal data!)",
    )
    parser.add_argument(
        "--excel-id",
        action="store_true",
        help="CSV for a spreadsheet set to Indonesian: ';' between cells, decimal comma, BOM",
    )
    parser.add_argument(
        "--tables",
        nargs="+",
        choices=TABLES,
        metavar="TABLE",
        help="only these tables: " + ", ".join(TABLES),
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, out: Output) -> int:
    """Read the program and write the tables."""
    from klaster.cli._inputs import program_data
    from klaster.documents.csvfile import EXCEL_ID, PLAIN
    from klaster.exports import write_tidy

    if args.excel_id and args.file_format != "csv":
        raise CliError(
            "--excel-id is a CSV style; Parquet keeps its types",
            hint="Leave out --excel-id, or use --format csv.",
            code=ExitCode.USAGE,
        )
    pseudonymiser = None if args.include_personal else _pseudonymiser(args, out)
    with out.working(f"exporting the tidy tables of {args.source}"):
        program, observations, books = program_data(
            args.source, args.observations, args.finance, command="export tidy"
        )
        wanted = set(args.tables or TABLES)
        results = None
        if "figures" in wanted and observations is not None:
            from klaster.measurement import Measurement

            # Made by the export after the observations and members tables (a function, not
            # the figures): the report's memory is not held beside theirs (at 1M members it
            # kept about a gigabyte more of the process while the long table was written).
            # The fast path where it can (the same figures as the Python reference): at 1M
            # members the Python one took 20 s of the export.
            results = Measurement(program, observations, backend="auto").report
        done = write_tidy(
            program,
            observations,
            args.out,
            books=books,
            results=results,
            format=args.file_format,
            secret=pseudonymiser,
            personal=args.include_personal,
            csv_style=EXCEL_ID if args.excel_id else PLAIN,
            tables=args.tables,
        )
    out.emit(
        {
            "folder": str(done.folder),
            "format": done.format,
            "pseudonymised": not done.personal,
            "files": [{"table": f.table, "path": str(f.path), "rows": f.rows} for f in done.files],
        }
    )
    for file in done.files:
        out.note(f"wrote {file.path} ({file.rows} rows)")
    if done.personal:
        out.warn(
            "these files hold personal data (real IDs, names, national ID numbers, phones): "
            "share them only as the program's data protection rules allow"
        )
    return ExitCode.OK


def _pseudonymiser(args: argparse.Namespace, out: Output) -> Pseudonymiser:
    from klaster.exports import SECRET_ENV, Pseudonymiser, new_secret_file

    if args.new_secret is not None:
        path = new_secret_file(args.new_secret)
        out.note(
            f"made a new pseudonym secret in {path}: keep it (and keep it private); later "
            "exports with it give the same pseudonyms"
        )
        return Pseudonymiser.from_file(path)
    if args.secret_file is not None:
        return Pseudonymiser.from_file(args.secret_file)
    if os.environ.get(SECRET_ENV):
        return Pseudonymiser.from_env()
    raise CliError(
        "a tidy export pseudonymises member IDs with a secret you keep, and none was given",
        hint=f"Add --secret-file F, set {SECRET_ENV}, or make one with --new-secret "
        "pseudonym.key (keep that file: the same secret gives the same pseudonyms later).",
        code=ExitCode.USAGE,
    )
