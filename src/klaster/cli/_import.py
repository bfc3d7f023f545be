"""``klaster import``: field data (Kobo/ODK export, plain CSV) into a store, all or nothing."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import frozen

from klaster.cli._exit import CliError, ExitCode
from klaster.cli._output import Output, table

if TYPE_CHECKING:
    from collections.abc import Mapping

    from klaster.catalogue.variable import Variable
    from klaster.importing import ImportBatch, ImportMapping
    from klaster.model.program import Program
    from klaster.observations import Observations
    from klaster.store import Store

NAME = "import"
_SHOWN = 50  # rejected rows listed on screen; the rejects file has them all


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register the command."""
    parser = commands.add_parser(
        NAME,
        parents=[common],
        help="import a KoboToolbox/ODK export or a CSV file into a store",
        description="Import field data into a store through a mapping file (docs/importing.md). "
        "Every row is checked first; if any row is wrong nothing is written and every problem "
        "is listed, unless --keep-valid is given. Submissions already imported are skipped, so "
        "importing the same file twice changes nothing.",
    )
    parser.add_argument(
        "store",
        type=Path,
        metavar="STORE",
        help="the store (.klaster file); for a screening form also a program document (.json)",
    )
    parser.add_argument(
        "file", type=Path, metavar="FILE", help="the export: Kobo/ODK CSV or XLSX, or plain CSV"
    )
    parser.add_argument(
        "--mapping",
        type=Path,
        required=True,
        metavar="MAP.toml",
        help="the mapping file: which column is which variable",
    )
    parser.add_argument(
        "--keep-valid",
        action="store_true",
        help="import the good rows and leave out the bad ones (needs --rejects)",
    )
    parser.add_argument(
        "--rejects",
        type=Path,
        metavar="OUT.csv",
        help="write the rows left out, with their reasons, to this CSV file",
    )
    parser.add_argument("--dry-run", action="store_true", help="check everything and write nothing")
    parser.add_argument(
        "--round",
        metavar="ROUND",
        help="a survey's round ID, replacing the mapping's [round] (required when the mapping "
        "leaves it open: one mapping for every round of a form)",
    )
    parser.add_argument(
        "--on-conflict",
        choices=("refuse", "replace"),
        default="refuse",
        help="a second answer for a member and round: refuse it, naming both submissions (the "
        "default), or replace the answer by the later _submission_time",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, out: Output) -> int:
    """Import (or with ``--dry-run`` only check) one file."""
    if args.keep_valid and args.rejects is None and not args.dry_run:
        raise CliError(
            "--keep-valid needs --rejects OUT.csv, so that the rows left out are not lost",
            hint=f"klaster import {args.store} {args.file} --mapping {args.mapping} "
            "--keep-valid --rejects rejects.csv",
            code=ExitCode.USAGE,
        )
    if args.rejects is not None and not args.keep_valid:
        raise CliError(
            "--rejects only applies with --keep-valid (without it a bad row stops the import)",
            hint="Add --keep-valid, or leave out --rejects.",
            code=ExitCode.USAGE,
        )
    from klaster.cli import _roster

    if _roster.is_roster_mapping(args.mapping):  # members, groups and memberships
        return _roster.import_into_store(
            out, args.store, args.file, args.mapping, dry_run=args.dry_run, keep=args.keep_valid
        )
    return import_file(
        out,
        args.store,
        args.file,
        args.mapping,
        keep_valid=args.keep_valid,
        rejects=args.rejects,
        dry_run=args.dry_run,
        on_conflict=args.on_conflict,
        round_id=args.round,
    )


@frozen
class Imported:
    """What one import did (or, in a dry run, would do)."""

    store: Path
    source: Path
    counts: dict[str, int]
    batch: ImportBatch
    dry_run: bool
    rejects: Path | None

    def document(self) -> dict[str, Any]:
        """The JSON document of the import (rejected rows without their raw content)."""
        return {
            "store": str(self.store),
            "source": str(self.source),
            "dry_run": self.dry_run,
            **self.counts,
            "rounds_added": [r.id for r in self.batch.rounds],
            "rejected": [
                {"source": r.source, "row": r.row, "reasons": list(r.reasons)}
                for r in self.batch.rejected
            ],
            "rejects_file": str(self.rejects) if self.rejects is not None else None,
        }


def import_file(
    out: Output,
    store_path: Path,
    data_path: Path,
    mapping_path: Path,
    *,
    keep_valid: bool = False,
    rejects: Path | None = None,
    dry_run: bool = False,
    on_conflict: str = "refuse",
    round_id: str | None = None,
) -> int:
    """Import one file (or check it, with ``dry_run``) and show the summary."""
    show(
        out,
        apply_file(
            out,
            store_path,
            data_path,
            mapping_path,
            keep_valid=keep_valid,
            rejects=rejects,
            dry_run=dry_run,
            on_conflict=on_conflict,
            round_id=round_id,
        ),
    )
    return ExitCode.OK


def apply_file(
    out: Output,
    store_path: Path,
    data_path: Path,
    mapping_path: Path,
    *,
    keep_valid: bool = False,
    rejects: Path | None = None,
    dry_run: bool = False,
    on_conflict: str = "refuse",
    round_id: str | None = None,
) -> Imported:
    """Read, check and (unless ``dry_run``) apply one file, with a progress bar.

    Raises:
        ImportDataError: A row or the mapping is wrong (every located problem listed).
    """
    from klaster.cli._import_intake import into_document, screening_variables
    from klaster.cli._inputs import existing, is_store, open_store
    from klaster.importing import load_mapping, write_rejects

    existing(data_path, "a field-data file (Kobo/ODK CSV or XLSX, or CSV)")
    variables = screening_variables(mapping_path)  # a screening form's answers
    mapping = load_mapping(existing(mapping_path, "a mapping file (TOML)"), variables=variables)
    if store_path.is_file() and not is_store(store_path):  # a program document
        batch, counts = into_document(
            store_path, data_path, mapping, variables, keep_valid=keep_valid, dry_run=dry_run
        )
        written = rejects if batch.rejected and rejects is not None and not dry_run else None
        if written is not None:
            write_rejects(batch, written)
        return Imported(store_path, data_path, counts, batch, dry_run, written)
    with open_store(store_path, readonly=dry_run) as store:
        program = store.load_program()
        observations = store.load_observations(program=program)
        batch = _read(
            store,
            data_path,
            mapping,
            program,
            observations,
            keep_valid,
            on_conflict,
            variables,
            round_id,
        )
        if dry_run:
            counts = _would_add(batch)
        else:
            with out.progress(f"importing {data_path.name}") as progress:
                summary = store.apply_import(batch, progress=progress, on_conflict=on_conflict)
            counts = {
                "members_added": summary.members_added,
                "activities_added": summary.activities_added,
                "visits_added": summary.visits_added,
                "applicants_added": summary.applicants_added,
                "rows_added": summary.rows_added,
                "values_added": summary.values_added,
                "submissions_skipped": summary.submissions_skipped,
                "replaced": summary.replaced,
            }
    written = None
    if batch.rejected and rejects is not None and not dry_run:
        write_rejects(batch, rejects)
        written = rejects
    return Imported(store_path, data_path, counts, batch, dry_run, written)


def _read(
    store: Store,
    data_path: Path,
    mapping: ImportMapping,
    program: Program,
    observations: Observations,
    keep_valid: bool,
    on_conflict: str,
    variables: Mapping[str, Variable] | None = None,
    round_id: str | None = None,
) -> ImportBatch:
    """Read the file, leaving out the submissions the store already holds.

    The reader asks the store about each chunk of submission IDs as it reads them, so the file is
    read once and a registration imported before is skipped rather than reported as duplicates.
    """
    from klaster.importing import read_submissions

    return read_submissions(
        data_path,
        mapping,
        program=program,
        observations=observations,
        known=store.known_submissions,
        keep_valid=keep_valid,
        on_conflict=on_conflict,
        variables=variables,
        round=round_id,
    )


def _would_add(batch: ImportBatch) -> dict[str, int]:
    values = sum(
        sum(value is not None for value in column)
        for block in batch.blocks
        for column in block.values.values()
    )
    return {
        "members_added": len(batch.members),
        "activities_added": len(batch.activities),
        "visits_added": len(batch.visits),
        "applicants_added": len(batch.applicants),
        "rows_added": sum(len(block) for block in batch.blocks),
        "values_added": values,
        "submissions_skipped": batch.skipped,
        "replaced": len(batch.superseded),
    }


def show(out: Output, imported: Imported) -> None:
    """Emit the import's JSON document and show its summary and rejected rows."""
    out.emit(imported.document())
    counts, batch = imported.counts, imported.batch
    verb = "to add" if imported.dry_run else "added"
    title = f"{imported.source.name} → {imported.store}"
    if imported.dry_run:
        title += " (dry run: nothing written)"
    rows: list[tuple[str, object]] = [
        (f"members {verb}", counts["members_added"]),
        (f"survey rows {verb}", counts["rows_added"]),
        (f"values {verb}", counts["values_added"]),
    ]
    # Activity and visit forms add records of their own: shown only when the batch has them.
    rows += [
        (f"{what} {verb}", counts[key])
        for what, key in (
            ("activities", "activities_added"),
            ("visits", "visits_added"),
            ("applicants", "applicants_added"),
        )
        if counts[key]
    ]
    rows += [
        ("submissions already imported (skipped)", counts["submissions_skipped"]),
        (f"answers {'to replace' if imported.dry_run else 'replaced'}", counts["replaced"]),
        ("rows rejected", len(batch.rejected)),
    ]
    if batch.rounds:
        rows.append((f"rounds {verb}", ", ".join(r.id for r in batch.rounds)))
    out.show(table(title, ["", ">count"], rows))
    if batch.rejected:
        where = (
            f"; all of them, with reasons, are in {imported.rejects}" if imported.rejects else ""
        )
        out.warn(f"{len(batch.rejected)} row(s) were left out{where}")
        for item in batch.rejected[:_SHOWN]:
            out.line(f"  {item.source} row {item.row}: " + "; ".join(item.reasons), style="yellow")
        if len(batch.rejected) > _SHOWN:
            out.line(f"  ... and {len(batch.rejected) - _SHOWN} more", style="yellow")
    if imported.dry_run and not batch.rejected:
        out.note("every row passed the checks; nothing was written")
