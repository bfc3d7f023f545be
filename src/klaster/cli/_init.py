"""``klaster init``: a new store from a program document (and its surveys and finance books)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from klaster.cli._exit import CliError
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
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, out: Output) -> int:
    """Create the store and show what it holds."""
    from klaster.cli import _inputs, _status
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
    program = _inputs.load_program(args.program)
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
    _status.show(out, status, target, extra={"created": str(target)})
    out.note(f"next: klaster status {target}   or   klaster import {target} FILE --mapping MAP")
    return 0
