"""``klaster import`` of a screening form: its answer variables, and a program document target.

A screening form's answers are read by the screening variables
(:func:`klaster.targeting.screening_catalogue`: the core ones, the house, *asnaf*, and the sector
plugins' member variables). Its applicants can go into a store, like every form, or into a
program document (``.json``): checked all together, then the document rewritten atomically, or
left as it was if any row is refused. An applicant the document already holds unchanged is
skipped, so importing the same file twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from klaster._support.toml_text import peek_form
from klaster.cli._exit import CliError, ExitCode

if TYPE_CHECKING:
    from klaster.catalogue.variable import Variable
    from klaster.importing import ImportBatch, ImportMapping


def screening_variables(mapping_path: Path) -> Mapping[str, Variable] | None:
    """The screening catalogue if the mapping file is a screening form's, else ``None``."""
    if peek_form(mapping_path) != "screening":  # unreadable: load_mapping reports it
        return None
    from klaster.targeting import screening_catalogue

    return screening_catalogue()


def into_document(
    document: Path,
    data_path: Path,
    mapping: ImportMapping,
    variables: Mapping[str, Variable] | None,
    *,
    keep_valid: bool,
    dry_run: bool,
) -> tuple[ImportBatch, dict[str, int]]:
    """Read a screening export against a program document and (unless ``dry_run``) add it.

    Raises:
        CliError: The mapping is not a screening form's (other forms need a store).
        KlasterError: A row is refused (every located problem listed); nothing is written.
    """
    import klaster
    from klaster.cli._inputs import load_program
    from klaster.importing import FormKind, read_submissions

    if mapping.form is not FormKind.SCREENING:
        raise CliError(
            f"{document}: a {mapping.form.value} form is imported into a store, not a program "
            "document",
            hint=f"Create a store first: klaster init program.klaster --from {document}",
            code=ExitCode.USAGE,
        )
    program = load_program(document)
    batch = read_submissions(
        data_path, mapping, program=program, keep_valid=keep_valid, variables=variables
    )
    for item in batch.applicants:  # checked by the reader; a refusal leaves the file as it was
        program.intake.add_applicant(item.applicant)
    if batch.applicants and not dry_run:
        klaster.save(program, document)
    counts = {
        "members_added": 0,
        "applicants_added": len(batch.applicants),
        "activities_added": 0,
        "visits_added": 0,
        "rows_added": 0,
        "values_added": 0,
        "submissions_skipped": batch.skipped,
        "replaced": 0,
    }
    return batch, counts
