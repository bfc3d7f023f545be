"""Rosters on the command line: ``klaster init --roster`` and ``klaster import`` of a roster.

A roster (``form = "roster"`` in its mapping) adds members, groups and memberships to the
program: read with :func:`klaster.importing.read_roster` into the new store (``Store.create``),
or added to a store's program with :func:`klaster.store.import_roster`. All or nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from klaster._support.toml_text import peek_form
from klaster.cli._exit import CliError, ExitCode
from klaster.cli._output import Output, table

if TYPE_CHECKING:
    from klaster.importing import RosterImport
    from klaster.model.program import Program


def is_roster_mapping(path: Path) -> bool:
    """Whether ``path`` is a mapping file with ``form = "roster"`` (unreadable: ``False``)."""
    return peek_form(path) == "roster"  # unreadable: the ordinary import reports it


def read(roster: Path, mapping_path: Path, program: Program) -> RosterImport:
    """Read a roster through its mapping into a copy of ``program``."""
    from klaster.cli._inputs import existing
    from klaster.importing import load_mapping, read_roster

    existing(roster, "a roster (CSV or XLSX)")
    mapping = load_mapping(existing(mapping_path, "a mapping file (TOML)"))
    return read_roster(roster, mapping, program=program)


def import_into_store(
    out: Output,
    store_path: Path,
    roster: Path,
    mapping_path: Path,
    *,
    dry_run: bool,
    keep: bool = False,
) -> int:
    """``klaster import STORE ROSTER --mapping MAP``: add the roster to a stored program."""
    from klaster.cli._inputs import existing, file_kind, open_store
    from klaster.importing import load_mapping
    from klaster.store import import_roster

    if store_path.is_file() and file_kind(store_path) == "a program document":
        raise CliError(
            f"{store_path} is a program document; a roster is imported into a store",
            hint=f"Create the store with the roster: klaster init STORE.klaster --from "
            f"{store_path} --roster {roster} --mapping {mapping_path}",
            code=ExitCode.USAGE,
        )
    if keep:
        raise CliError(
            "--keep-valid is for field-data forms: a roster is added whole or not at all",
            hint="Leave out --keep-valid and --rejects; fix the rows the import lists.",
            code=ExitCode.USAGE,
        )
    existing(roster, "a roster (CSV or XLSX)")
    mapping = load_mapping(existing(mapping_path, "a mapping file (TOML)"))
    with open_store(store_path, readonly=dry_run) as store, out.working(f"importing {roster.name}"):
        result = import_roster(store, roster, mapping, dry_run=dry_run)
    show(out, result, store_path, dry_run=dry_run)
    return ExitCode.OK


def show(out: Output, result: RosterImport, store: Path, *, dry_run: bool) -> None:
    """Emit the JSON document and the summary of a roster import."""
    verb = "to add" if dry_run else "added"
    document: dict[str, Any] = {
        "store": str(store),
        "source": result.source,
        "dry_run": dry_run,
        "rows": result.rows,
        "members_added": result.members_added,
        "groups_added": result.groups_added,
        "memberships_added": result.memberships_added,
    }
    out.emit(document)
    title = f"{result.source} → {store}" + (" (dry run: nothing written)" if dry_run else "")
    rows = [
        ("roster rows", result.rows),
        (f"members {verb}", result.members_added),
        (f"groups {verb}", result.groups_added),
        (f"memberships {verb}", result.memberships_added),
    ]
    out.show(table(title, ["", ">count"], rows))
    if not result.changed:
        out.note("the store holds every member, group and membership of the roster already")
