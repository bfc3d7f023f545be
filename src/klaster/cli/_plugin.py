"""``klaster plugin new``: a new sector plugin package from klaster's template."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from klaster.cli._exit import CliError, ExitCode
from klaster.cli._output import Output
from klaster.errors import ValidationError

NAME = "plugin"


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register the command group and its ``new`` command."""
    parser = commands.add_parser(
        NAME,
        parents=[common],
        help="write a new sector plugin package (klaster plugin new NAME)",
        description="Work on sector plugins. 'klaster plugins' lists the installed ones.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", title="actions", required=True)
    new = actions.add_parser(
        "new",
        parents=[common],
        help="write a working, tested plugin package from the template",
        description="Write the package klaster-NAME in DIR: pyproject.toml with the 'klaster' "
        "entry point, a sector with one variable, one indicator and one readiness criterion, "
        "its tests (the conformance kit and a two-round report) and a README with the next "
        "steps. An existing folder is never overwritten.",
    )
    new.add_argument(
        "name",
        type=_plugin_name,
        metavar="NAME",
        help="the plugin's name: lowercase letters, digits, '_' or '-' (e.g. fisheries)",
    )
    new.add_argument(
        "--dir",
        dest="directory",
        type=Path,
        default=Path(),
        metavar="DIR",
        help="the folder to write klaster-NAME in (default: the current folder)",
    )
    new.add_argument(
        "--sector",
        metavar="CODE",
        help="the sector code it declares (default: NAME with '-' as '_')",
    )
    new.set_defaults(run=run)


def _plugin_name(text: str) -> str:
    from klaster.plugins.scaffold import check_plugin_name

    try:
        return check_plugin_name(text)
    except ValidationError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix("name: ")) from None


def run(args: argparse.Namespace, out: Output) -> int:
    """Write the package and say how to test, install and see it."""
    from klaster.plugins.default import get_host
    from klaster.plugins.scaffold import new_plugin

    taken = [sector.code for sector in get_host().sectors()]
    try:
        folder = new_plugin(args.name, args.directory, sector=args.sector, taken=taken)
    except ValidationError as error:
        usage = error.path == "sector"
        raise CliError(
            str(error),
            code=ExitCode.USAGE if usage else ExitCode.REFUSED,
            hint="Choose another --sector." if usage else "Choose another NAME or --dir.",
        ) from None
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    out.emit({"created": str(folder), "files": files})
    out.line(f"created {folder}", style="bold green")
    for name in files:
        out.line(f"  {name}")
    out.note(f"test it:    cd {folder} && python -m pytest")
    out.note(f"install:    pip install -e '{folder}[test]'   then 'klaster plugins' lists it")
    return 0
