"""What commands read: a store, or a program document with its observations sidecar.

Commands that accept either (``report``, ``validate``) tell them apart by the file's first bytes
(an SQLite header), not by its name, so a store renamed ``.db`` still opens.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import TYPE_CHECKING

from klaster.cli._exit import CliError, ExitCode

if TYPE_CHECKING:
    from klaster.catalogue.variable import Variable
    from klaster.model.program import Program
    from klaster.observations import Observations
    from klaster.store import Store

_SQLITE_HEADER = b"SQLite format 3\x00"


def is_store(path: Path) -> bool:
    """Whether ``path`` is an SQLite file (a store, or something pretending to be one)."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER
    except OSError:
        return path.suffix == ".klaster"


def existing(path: Path, what: str) -> Path:
    """``path`` if it is a file; otherwise an error naming ``what`` was expected there."""
    if path.is_file():
        return path
    where = "it is a folder" if path.is_dir() else "there is no such file"
    raise CliError(
        f"{path}: {where}; expected {what}",
        hint=f"Check the path (relative paths start in {Path.cwd()}).",
        code=ExitCode.UNREADABLE,
    )


WAIT_SECONDS = 5.0
"""How long a command waits for another process's write (the global ``--wait`` option)."""


def open_store(path: Path, *, readonly: bool = False) -> Store:
    """Open an existing store (a missing file is an error, never a new empty store)."""
    from klaster.store import Store

    if not path.exists():
        raise CliError(
            f"{path}: there is no such file; expected a store",
            hint=f"Check the path, or create the store first: klaster init {path} "
            "--from program.json",
            code=ExitCode.UNREADABLE,
        )
    return Store.open(existing(path, "a store"), readonly=readonly, timeout=WAIT_SECONDS)


def catalogue() -> dict[str, Variable]:
    """The variable catalogue: core variables and those of the installed sector plugins."""
    from klaster.observations import variable_catalogue

    return variable_catalogue()


def load_program(path: Path) -> Program:
    """Read a program document (JSON)."""
    import klaster

    return klaster.load(existing(path, "a program document (JSON)"))


def sidecar_of(program_path: Path, given: Path | None) -> Path | None:
    """The observations sidecar: the one given, or ``<name>.observations.jsonl`` beside."""
    if given is not None:
        return given
    beside = program_path.with_name(program_path.stem + ".observations.jsonl")
    return beside if beside.is_file() else None


def load_sidecar(path: Path, program: Program) -> Observations:
    """Read an observations sidecar of ``program``."""
    from klaster.observations import load

    return load(existing(path, "an observations sidecar"), program, catalogue())


def program_and_observations(
    source: Path, observations: Path | None, *, command: str
) -> tuple[Program, Observations]:
    """Program and observations from a store, or from a document and its sidecar."""
    if is_store(source):
        if observations is not None:
            raise CliError(
                "--observations is for program documents; a store holds its observations",
                hint=f"Run: klaster {command} {source}",
                code=ExitCode.USAGE,
            )
        with open_store(source, readonly=True) as store:
            program = store.load_program()
            return program, store.load_observations(program=program)
    program = load_program(source)
    sidecar = sidecar_of(source, observations)
    if sidecar is None:
        raise CliError(
            f"{source} is a program document and no observations were given",
            hint=f"Add --observations {source.stem}.observations.jsonl, or import the program "
            "into a store (klaster init) and report on the store.",
            code=ExitCode.USAGE,
        )
    return program, load_sidecar(sidecar, program)


def parse_date(text: str) -> _dt.date:
    """An ISO date from the command line (argparse ``type``)."""
    import argparse

    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2014-03-25"
        ) from None
