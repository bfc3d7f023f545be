"""``klaster init``: a new store from a program document (its surveys, finance books, roster)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from klaster.cli._exit import CliError, ExitCode
from klaster.cli._output import Output

NAME = "init"


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register the command."""
    parser = commands.add_parser(
        NAME,
        parents=[common],
        help="create a store from a program document",
        description="Create a new store (a .klaster file) holding a program document, and "
        "optionally its observations sidecar and finance books. An existing file is never "
        "overwritten.",
    )
    parser.add_argument("store", type=Path, metavar="STORE", help="the new store (.klaster file)")
    parser.add_argument(
        "--from",
        dest="program",
        type=Path,
        required=True,
        metavar="PROGRAM.json",
        help="the program document (klaster.save)",
    )
    parser.add_argument(
        "--observations",
        type=Path,
        metavar="SIDE.jsonl",
        help="the program's observations sidecar (survey rounds and values)",
    )
    parser.add_argument(
        "--finance", type=Path, metavar="FIN.json", help="the program's finance document"
    )
    parser.add_argument(
        "--roster",
        type=Path,
        metavar="ROSTER.csv",
        help="a roster (CSV or XLSX) of members, groups and memberships to add to the program "
        "(needs --mapping)",
    )
    parser.add_argument(
        "--mapping",
        type=Path,
        metavar="ROSTER.toml",
        help='the roster\'s mapping file (form = "roster"): which column is which field',
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, out: Output) -> int:
    """Create the store and show what it holds."""
    from klaster.cli import _inputs, _roster, _status
    from klaster.finance import load as load_finance
    from klaster.plugins.default import get_host
    from klaster.store import Store

    target: Path = args.store
    if target.exists():
        raise CliError(
            f"{target} already exists; 'klaster init' never overwrites a file",
            hint="Choose a new file name, or move the old store away first. To add field data "
            "to an existing store, use 'klaster import'.",
        )
    if (args.roster is None) != (args.mapping is None):
        raise CliError(
            "--roster and --mapping go together: the roster and the mapping that reads it",
            hint=f"klaster init {target} --from {args.program} --roster ROSTER.csv "
            "--mapping ROSTER.toml",
            code=ExitCode.USAGE,
        )
    program = _inputs.load_program(args.program)
    roster = None
    if args.roster is not None:  # read first: the observations are of the program with it
        roster = _roster.read(args.roster, args.mapping, program)
        program = roster.program
    observations = None
    if args.observations is not None:
        observations = _inputs.load_sidecar(args.observations, program)
    elif (beside := _inputs.sidecar_of(args.program, None)) is not None:
        out.note(f"{beside} was not stored; add --observations {beside} to store its surveys")
    books = load_finance(args.finance, program) if args.finance is not None else None
    problems = get_host().validate_program(program)
    if problems:
        out.warn(
            f"the sector plugins find {len(problems)} problem(s) in the program; "
            f"'klaster validate {target}' lists them"
        )
    with (
        out.working(f"creating {target}"),
        Store.create(target, program, observations=observations, finance=books) as store,
    ):
        status = store.status()
    out.line(f"created {target}", style="bold green")
    if roster is not None:
        out.note(
            f"{roster.source}: {roster.members_added} members, {roster.groups_added} groups and "
            f"{roster.memberships_added} memberships added to the program"
        )
    extra: dict[str, Any] = {"created": str(target)}
    if roster is not None:
        extra["roster"] = {
            "source": roster.source,
            "rows": roster.rows,
            "members_added": roster.members_added,
            "groups_added": roster.groups_added,
            "memberships_added": roster.memberships_added,
        }
    _status.show(out, status, target, extra=extra)
    out.note(f"next: klaster status {target}   or   klaster import {target} FILE --mapping MAP")
    return 0
