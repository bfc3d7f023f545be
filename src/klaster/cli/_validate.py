"""``klaster validate``: check a store or a program document, or an import without writing it."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import define, field

from klaster.cli._exit import CliError, ExitCode, problems_of
from klaster.cli._output import Output, table
from klaster.errors import KlasterError

if TYPE_CHECKING:
    from klaster.model.program import Program
    from klaster.observations import Observations

NAME = "validate"


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register the command."""
    parser = commands.add_parser(
        NAME,
        parents=[common],
        help="check a store, a program document, or a field-data file before importing it",
        description="Check a store (file integrity, program rules, sector rules, observations) "
        "or a program document (with its observations sidecar). With --mapping and --store, "
        "check a field-data file as 'klaster import' would, without writing anything.",
    )
    parser.add_argument(
        "target",
        type=Path,
        metavar="STORE|PROGRAM.json|FILE",
        help="a store, a program document, or (with --mapping) a Kobo/ODK export",
    )
    parser.add_argument(
        "--observations",
        type=Path,
        metavar="SIDE.jsonl",
        help="the observations sidecar of a program document (default: the one beside it)",
    )
    parser.add_argument(
        "--mapping", type=Path, metavar="MAP.toml", help="check FILE as an import with this mapping"
    )
    parser.add_argument(
        "--store",
        type=Path,
        metavar="STORE",
        help="the store FILE would be imported into (with --mapping)",
    )
    parser.add_argument(
        "--round",
        metavar="ROUND",
        help="the survey's round, as 'klaster import --round' gives it (with --mapping)",
    )
    parser.set_defaults(run=run)


@define
class _Check:
    """One named check and what it found."""

    name: str
    detail: str = ""
    problems: list[str] = field(factory=list)

    def run(self, check: Callable[[], object]) -> None:
        try:
            check()
        except KlasterError as exc:
            self.problems += problems_of(exc) or [str(exc)]

    def document(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": not self.problems,
            "detail": self.detail,
            "problems": self.problems,
        }


def run(args: argparse.Namespace, out: Output) -> int:
    """Run the checks, show each, and refuse (exit 1) when one fails."""
    from klaster.cli import _import, _inputs
    from klaster.plugins.missing import one_warning

    if args.mapping is not None or args.store is not None:
        if args.mapping is None or args.store is None:
            raise CliError(
                "checking an import needs both --mapping MAP.toml and --store STORE",
                hint=f"klaster validate {args.target} --mapping MAP.toml --store STORE",
                code=ExitCode.USAGE,
            )
        return _import.import_file(
            out, args.store, args.target, args.mapping, dry_run=True, round_id=args.round
        )
    if _inputs.is_store(args.target):
        if args.observations is not None:
            raise CliError(
                "--observations is for program documents; a store holds its observations",
                hint=f"klaster validate {args.target}",
                code=ExitCode.USAGE,
            )
        with one_warning():  # loading and checking meet a missing plugin: say it once
            checks = _check_store(args.target)
        kind = "store"
    else:
        with one_warning():
            checks = _check_document(args.target, args.observations)
        kind = "program"
    return _conclude(out, args.target, kind, checks)


def _check_store(path: Path) -> list[_Check]:
    # A store or sidecar that cannot be read fails the command (exit 5), not a check.
    from klaster.cli._inputs import open_store
    from klaster.observations.sector_checks import observation_problems

    with open_store(path, readonly=True) as store, store.snapshot():
        store.integrity_check()
        integrity = _Check("integrity", "SQLite integrity and foreign keys")
        program = store.load_program()
        loaded = store.load_observations(program=program)
        observations = _Check("observations", _observed(loaded))
        # Loading a store does not run the plugins' checks across values: validating does.
        observations.problems += observation_problems(loaded)
        return [integrity, *_check_program(program), observations]


def _check_document(path: Path, sidecar: Path | None) -> list[_Check]:
    from klaster.cli import _inputs

    program = _inputs.load_program(path)
    checks = _check_program(program)
    found = _inputs.sidecar_of(path, sidecar)
    if found is not None:
        loaded = _inputs.load_sidecar(found, program)
        checks.append(_Check("observations", f"{found}: {_observed(loaded)}"))
    return checks


def _observed(observations: Observations) -> str:
    return f"{len(observations.rounds())} round(s), {len(observations)} survey row(s)"


def _check_program(program: Program) -> list[_Check]:
    from klaster.plugins.default import get_host

    members = sum(len(c.members) for c in program.clusters)
    rules = _Check(
        "program", f"{program.id}: {len(program.clusters)} cluster(s), {members} member(s)"
    )
    rules.run(program.validate)
    from klaster.model.sector_rules import catalogue_problems

    sectors = _Check("sectors", "rules of the sector plugins")
    sectors.problems += get_host().validate_program(program)
    # Loading only warns about them (a Measurement may register one); a check names them.
    sectors.problems += catalogue_problems(program)
    return [rules, sectors]


def _conclude(out: Output, target: Path, kind: str, checks: Sequence[_Check]) -> int:
    valid = all(not c.problems for c in checks)
    out.emit(
        {
            "target": str(target),
            "kind": kind,
            "valid": valid,
            "checks": [c.document() for c in checks],
        }
    )
    rows = [(c.name, "ok" if not c.problems else "FAILED", c.detail) for c in checks]
    out.show(table(f"checks of {target}", ["check", "result", "detail"], rows))
    if valid:
        out.line(f"{target}: every check passed", style="bold green")
        return ExitCode.OK
    problems = [f"{c.name}: {p}" for c in checks for p in c.problems]
    raise CliError(
        f"{target}: {len(problems)} problem(s) found",
        problems=problems,
        hint="Fix the records named above (by ID) in the program or the store, then "
        "validate again.",
    )
