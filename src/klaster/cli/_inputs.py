"""What commands read: a store, or a program document with its observations sidecar.

Commands that accept either (``report``, ``validate``) tell them apart by the file's first bytes
(an SQLite header), not by its name, so a store renamed ``.db`` still opens.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path
from typing import TYPE_CHECKING

from klaster._support.gc import settle_long_lived
from klaster.cli._exit import CliError, ExitCode
from klaster.errors import DocumentError, StoreError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from klaster.catalogue.variable import Variable
    from klaster.finance import Finance
    from klaster.model.program import Program
    from klaster.observations import Observations, ReadAhead
    from klaster.store import Store

_SQLITE_HEADER = b"SQLite format 3\x00"


def is_store(path: Path) -> bool:
    """Whether ``path`` is an SQLite file (a store, or something pretending to be one)."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER
    except OSError:
        return path.suffix == ".klaster"


_KINDS = {
    "program": "a program document",
    "finance": "a finance document",
    "observations": "an observations sidecar",
}
_ENVELOPE = re.compile(rb'\A\s*\{\s*"klaster"\s*:\s*"(\w+)"')


def file_kind(path: Path) -> str | None:
    """What a file is, by its first bytes (``None``: binary, or not readable).

    ``"a store"``, ``"a program document"`` (JSON or Parquet), ``"a finance document"``, ``"an
    observations sidecar"``, ``"a JSON document"``, ``"a Parquet file"``, ``"an XLSX workbook
    ..."``, ``"a TOML file"``, ``"a CSV file"``, ``"a text file"`` or ``"an empty file"``.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return None
    if not head:
        return "an empty file"
    if head.startswith(_SQLITE_HEADER):
        return "a store"
    if head.startswith(b"PK\x03\x04"):
        return "an XLSX workbook (or another ZIP file)"
    if head.startswith(_PARQUET):
        return _parquet_kind(path)
    head = head.removeprefix(b"\xef\xbb\xbf")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not a character cut by the 4096 bytes read: binary
            return None
    if b"\x00" in head:
        return None
    found = _ENVELOPE.match(head)
    if found is not None:
        return _KINDS.get(found[1].decode(), "a JSON document")
    text = head.decode("utf-8", errors="replace").lstrip()
    if text.startswith(("{", "[")):
        return "a JSON document"
    first = text.split("\n", 1)[0]
    if "mapping_version" in text or first.startswith("[") or " = " in first:
        return "a TOML file"
    if any(mark in first for mark in (",", ";", "\t")):
        return "a CSV file"
    return "a text file"


_PARQUET = b"PAR1"
# The Parquet form's metadata (klaster.save(program, "x.parquet")) starts the document as so.
_PARQUET_PROGRAM = re.compile(rb'\{\s*"klaster"\s*:\s*"program"')


def _parquet_kind(path: Path) -> str:
    """A Parquet file's kind, by its footer (where the key-value metadata is), without polars."""
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(max(size - 8, 0))
            tail = handle.read(8)
            footer = int.from_bytes(tail[:4], "little")
            if tail[4:] != _PARQUET or footer + 8 > size:
                return "a Parquet file"
            handle.seek(size - 8 - footer)
            found = _PARQUET_PROGRAM.search(handle.read(footer)) is not None
    except OSError:
        return "a Parquet file"
    return "a program document" if found else "a Parquet file"


def not_a_store(path: Path) -> StoreError:
    """The error for a file that is not a store, saying what it is instead and what to do."""
    kind = file_kind(path)
    if kind is None:
        return StoreError(f"{path} is not a klaster store (it is not an SQLite file)")
    advice = _advice(kind) or "give the store made by 'klaster init'"
    if kind == "a program document":
        advice = f"create a store from it: klaster init STORE.klaster --from {path}"
    return StoreError(f"{path} is {kind}, not a store; {advice}")


def not_a_program(path: Path, kind: str | None, what: str = "a program document") -> DocumentError:
    """The error for a file that is not ``what`` (a program document, or a store too)."""
    if kind is None:
        return DocumentError(f"{path} is not {what} (it is neither an SQLite file nor JSON text)")
    advice = _advice(kind) or "give the program document (klaster.save)"
    return DocumentError(f"{path} is {kind}, not {what}; {advice}")


def _advice(kind: str) -> str | None:
    if "CSV" in kind or "XLSX" in kind:
        return "field data is imported through a mapping: klaster import STORE FILE --mapping MAP"
    return None


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
    existing(path, "a store")
    if not is_store(path):  # a program document, an export...: named, not "not SQLite"
        raise not_a_store(path)
    return Store.open(path, readonly=readonly, timeout=WAIT_SECONDS)


def catalogue() -> dict[str, Variable]:
    """The variable catalogue: core variables and those of the installed sector plugins."""
    from klaster.observations import variable_catalogue

    return variable_catalogue()


def load_program(path: Path, *, what: str = "a program document") -> Program:
    """Read a program document (JSON or Parquet); ``what`` the command expected, for messages."""
    import klaster

    existing(path, "a program document (JSON or Parquet)")
    kind = file_kind(path)
    if kind not in ("a program document", "a JSON document"):  # a store, a CSV, a binary...
        raise not_a_program(path, kind, what)
    return klaster.load(path)


def sidecar_of(program_path: Path, given: Path | None) -> Path | None:
    """The observations sidecar: the one given, or ``<name>.observations.jsonl`` beside.

    Beside a Parquet program (``<name>.parquet``), ``<name>.observations.parquet`` is looked for
    first; beside a JSON one, the JSON Lines file first; each then the other form.
    """
    if given is not None:
        return given
    forms = [".observations.jsonl", ".observations.parquet"]
    if program_path.suffix.lower() == ".parquet":
        forms.reverse()
    for form in forms:
        beside = program_path.with_name(program_path.stem + form)
        if beside.is_file():
            return beside
    return None


def load_sidecar(
    path: Path, program: Program, *, only: Iterable[str] | None = None
) -> Observations:
    """Read an observations sidecar of ``program`` (``only`` these variables' values)."""
    from klaster.observations import load

    return load(existing(path, "an observations sidecar"), program, catalogue(), only=only)


def figure_variables(
    program: Program | None, indicators: Sequence[str] | None, by: Sequence[Sequence[str]]
) -> frozenset[str] | None:
    """The variables a table of figures reads: its indicators' and the framework's targets'.

    ``None`` (read them all) when a code is unknown: the report then names it as ever. Without
    a program (not read yet), the indicators' only.
    """
    from klaster.errors import KlasterError
    from klaster.measurement import variables_needed

    codes = list(indicators) if indicators else None
    framework = program.results.current if program is not None and program.results else None
    if codes is not None and framework is not None:
        codes += [i.indicator for r in framework.results for i in r.indicators]
    try:
        return variables_needed(codes, by=[tuple(spec) for spec in by])
    except KlasterError:
        return None


def framework_variables(program: Program) -> frozenset[str] | None:
    """The variables the results framework's targets read (``None``: all, a code unknown)."""
    from klaster.errors import KlasterError
    from klaster.measurement import variables_needed

    framework = program.results.current if program.results else None
    if framework is None:
        return frozenset()
    try:
        return variables_needed([i.indicator for r in framework.results for i in r.indicators])
    except KlasterError:  # the export names the unknown indicator
        return None


def report_variables(program: Program) -> frozenset[str]:
    """The variables the program report reads: every indicator's and the readiness criteria's."""
    from klaster.measurement import cluster_exit_criteria, variables_needed

    known = catalogue()
    criteria = [c for cluster in program.clusters for c in cluster_exit_criteria(cluster)]
    parts = [part for c in criteria for part in (c.conditions or (c,))]
    return variables_needed() | {p.reads for p in parts if p.reads in known}


def program_and_observations(
    source: Path,
    observations: Path | None,
    *,
    command: str,
    needs: Callable[[Program], Iterable[str] | None] | None = None,
    expects: Callable[[], Iterable[str] | None] | None = None,
) -> tuple[Program, Observations]:
    """Program and observations from a store, or from a document and its sidecar.

    ``needs(program)`` says which variables the command reads: only their values are loaded
    (:func:`klaster.measurement.variables_needed`). ``expects()``, the variables ``needs`` will
    most likely name, known before the program is read: a sidecar is then read ahead for them
    while the program document is read (:class:`klaster.observations.ReadAhead`). A missing
    sector plugin is said once for both, as they are read.
    """
    from klaster.plugins.missing import one_warning

    with one_warning():
        return _program_and_observations(
            source, observations, command=command, needs=needs, expects=expects
        )


def _program_and_observations(
    source: Path,
    observations: Path | None,
    *,
    command: str,
    needs: Callable[[Program], Iterable[str] | None] | None,
    expects: Callable[[], Iterable[str] | None] | None = None,
) -> tuple[Program, Observations]:
    if is_store(source):
        if observations is not None:
            raise CliError(
                "--observations is for program documents; a store holds its observations",
                hint=f"Run: klaster {command} {source}",
                code=ExitCode.USAGE,
            )
        # One snapshot: a write by another process between the two reads cannot split them.
        with open_store(source, readonly=True) as store, store.snapshot():
            program = store.load_program()
            only = None if needs is None else needs(program)
            loaded = store.load_observations(program=program, only=only)
        settle_long_lived()  # the observations' objects too (the program's are settled)
        return program, loaded
    sidecar = sidecar_of(source, observations)
    ahead = _read_ahead(sidecar, expects)
    program = load_program(source, what="a store or a program document")
    if sidecar is None:
        raise CliError(
            f"{source} is a program document and no observations were given",
            hint=f"Add --observations {source.stem}.observations.jsonl, or import the program "
            "into a store (klaster init) and report on the store.",
            code=ExitCode.USAGE,
        )
    only = None if needs is None else needs(program)
    if ahead is not None:
        loaded = ahead.load(program, only=only)
    else:
        loaded = load_sidecar(sidecar, program, only=only)
    settle_long_lived()
    return program, loaded


def _read_ahead(
    sidecar: Path | None, expects: Callable[[], Iterable[str] | None] | None
) -> ReadAhead | None:
    """A sidecar read ahead while its program document is read (``None``: read after it)."""
    from klaster.observations import ReadAhead

    if sidecar is None or expects is None or not sidecar.is_file():
        return None  # no file: load_sidecar says so once the program is read
    return ReadAhead(sidecar, catalogue(), only=expects())


def parse_date(text: str) -> _dt.date:
    """An ISO date from the command line (argparse ``type``)."""
    import argparse

    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2014-03-25"
        ) from None


def program_data(
    source: Path,
    observations: Path | None,
    finance: Path | None,
    *,
    command: str,
    needs: Callable[[Program], Iterable[str] | None] | None = None,
) -> tuple[Program, Observations | None, list[Finance]]:
    """Program, observations (if any) and finance books from a store or from a document.

    A store holds its own observations and books, so ``--observations``/``--finance`` are for
    a program document only; its sidecar is the one given or the one beside it, if any;
    ``needs`` as :func:`program_and_observations`. A missing sector plugin is said once for all
    three.
    """
    from klaster.plugins.missing import one_warning

    with one_warning():
        if is_store(source):
            if observations is not None or finance is not None:
                raise CliError(
                    "--observations and --finance are for program documents; a store holds "
                    "both its observations and its books",
                    hint=f"Run: klaster {command} {source} (without them)",
                    code=ExitCode.USAGE,
                )
            with open_store(source, readonly=True) as store, store.snapshot():
                program = store.load_program()
                books = list(store.load_finance(program))
                only = None if needs is None else needs(program)
                return program, store.load_observations(program=program, only=only), books
        program = load_program(source)
        sidecar = sidecar_of(source, observations)
        only = None if needs is None else needs(program)
        read = None if sidecar is None else load_sidecar(sidecar, program, only=only)
        if finance is None:
            return program, read, []
        from klaster.finance import load as load_finance

        return program, read, list(load_finance(existing(finance, "a finance document"), program))
