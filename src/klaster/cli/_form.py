"""``klaster form``: an XLSForm for KoboToolbox/ODK from the catalogue, with its import mapping."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from klaster.cli._exit import CliError, ExitCode
from klaster.cli._output import Output, table
from klaster.errors import ValidationError

if TYPE_CHECKING:
    from klaster.model.program import Program

NAME = "form"
_KINDS = ("baseline", "midline", "endline", "monitoring")
_OPTIONS = {
    "sectors": "--sector",
    "level": "--level",
    "variables": "--variable",
    "cluster": "--cluster",
    "round": "--round",
    "program": "PROGRAM",
}


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register the command."""
    parser = commands.add_parser(
        NAME,
        parents=[common],
        help="write an XLSForm (KoboToolbox/ODK) of the sectors' variables, and its mapping",
        description="Write an XLSForm asking the core variables and the chosen sectors' at one "
        "level, with bilingual labels and the variables' bounds as constraints, and the mapping "
        "file that imports its exports with 'klaster import' (docs/forms.md). With a program "
        "document or a store, its members (groups, cooperatives) are listed in the form.",
    )
    parser.add_argument(
        "program",
        type=Path,
        nargs="?",
        metavar="PROGRAM|STORE",
        help="list this program's units in the form (default: a members.csv media file)",
    )
    parser.add_argument(
        "--sector",
        action="append",
        required=True,
        metavar="SECTOR",
        help="a sector code (repeat it, or separate codes with commas): umkm, farming, ...",
    )
    parser.add_argument(
        "--level",
        default="member",
        metavar="LEVEL",
        help="what each submission is about: member (default), group or cooperative",
    )
    parser.add_argument(
        "--round",
        metavar="ROUND",
        help="the round ID written into the mapping (default: left open, given on import)",
    )
    parser.add_argument(
        "--round-kind", choices=_KINDS, help="declare ROUND as a new round of this kind"
    )
    parser.add_argument(
        "--round-on", metavar="YYYY-MM-DD", help="the date of the new round (with --round-kind)"
    )
    parser.add_argument("--cluster", metavar="CLUSTER", help="only this cluster's units")
    parser.add_argument(
        "--variable",
        action="append",
        metavar="CODE",
        help="only these variables (repeat it, or separate codes with commas)",
    )
    parser.add_argument(
        "--no-items", action="store_true", help="ask every variable once (no repeat groups)"
    )
    parser.add_argument(
        "--out", type=Path, required=True, metavar="FORM.xlsx", help="the XLSForm to write"
    )
    parser.add_argument(
        "--mapping",
        type=Path,
        metavar="MAP.toml",
        help="the mapping to write (default: FORM.toml beside the form)",
    )
    parser.set_defaults(run=run)


def _codes(given: list[str] | None) -> list[str] | None:
    if given is None:
        return None
    return [code.strip() for each in given for code in each.split(",") if code.strip()]


def _program(path: Path | None) -> Program | None:
    from klaster.cli._inputs import is_store, load_program, open_store

    if path is None:
        return None
    if is_store(path):
        with open_store(path, readonly=True) as store:
            return store.load_program()
    return load_program(path)


def run(args: argparse.Namespace, out: Output) -> int:
    """Build the form and write it with its mapping; nothing is written if anything is wrong."""
    from klaster.cli._inputs import parse_date
    from klaster.forms import build_form, save_form
    from klaster.importing import RoundDeclaration
    from klaster.observations.rounds import RoundKind

    if (args.round_kind is None) != (args.round_on is None):
        raise CliError(
            "declare a new round with both --round-kind and --round-on",
            hint="e.g. --round btg-endline --round-kind endline --round-on 2016-03-01",
            code=ExitCode.USAGE,
        )
    round_: str | RoundDeclaration | None = args.round
    if args.round_kind is not None:
        if args.round is None:
            raise CliError(
                "--round-kind declares the round given by --round: give --round ID",
                code=ExitCode.USAGE,
            )
        round_ = RoundDeclaration(
            args.round,
            RoundKind(args.round_kind),
            parse_date(args.round_on),
            cluster_id=args.cluster,
        )
    try:
        form = build_form(
            _codes(args.sector) or [],
            level=args.level,
            round=round_,
            variables=_codes(args.variable),
            items=() if args.no_items else None,
            program=_program(args.program),
            cluster=args.cluster,
        )
    except ValidationError as exc:  # located at the option, not the Python argument
        head = (exc.path or "").split("[")[0].split(".")[0]
        raise ValidationError(exc.message, path=_OPTIONS.get(head, exc.path)) from None
    xlsx, toml = save_form(form, args.out, mapping=args.mapping)
    questions = [r for r in form.survey if not r.type.startswith(("begin_", "end_"))]
    repeats = [r.name for r in form.survey if r.type == "begin_repeat"]
    out.emit(
        {
            "form": str(xlsx),
            "mapping": str(toml),
            "form_id": form.form_id,
            "questions": len(questions),
            "repeats": repeats,
            "round": args.round,
        }
    )
    rows: list[tuple[str, object]] = [
        ("form_id", form.form_id),
        ("questions", len(questions)),
        ("repeat groups", ", ".join(repeats) or "-"),
        ("round", args.round or "given on import (--round)"),
        ("mapping", str(toml)),
    ]
    out.show(table(f"{xlsx}", ["", "value"], rows))
    out.note(f"import its exports with: klaster import STORE EXPORT --mapping {toml}")
    return ExitCode.OK
