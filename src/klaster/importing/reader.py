"""Reading a field-data export through its mapping: the one entry point, ``read_submissions``."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from klaster._support.gc import gc_paused
from klaster.errors import ImportDataError
from klaster.importing._registration import RegistrationReader
from klaster.importing._submissions import Known
from klaster.importing._survey import SurveyReader
from klaster.importing.batch import ImportBatch
from klaster.importing.mapping import FormKind, ImportMapping
from klaster.model.program import Program
from klaster.observations.values import Observations

__all__ = ["read_submissions"]


def read_submissions(
    path: str | os.PathLike[str],
    mapping: ImportMapping,
    *,
    program: Program,
    observations: Observations,
    known: Iterable[str] | Callable[[list[str]], Iterable[str]] = frozenset(),
    keep_valid: bool = False,
    max_rows: int | None = None,
) -> ImportBatch:
    """Read a KoboToolbox / ODK export (``;``/``,`` CSV or XLSX) or a plain CSV into a batch.

    Every row is checked before anything is returned: the submission ID (new, not twice in the
    file), the unit (a member, group or cooperative of the round's cluster; for a registration,
    a new member ID), each value against its variable (type, unit scaling, bounds, categories,
    the unit's sector, required) or member field, and the round (held by ``observations`` or
    declared in the mapping). Nothing is written: pass the batch to
    :meth:`klaster.store.Store.apply_import`.

    Args:
        path: The export: ``.csv`` (any of ``;`` ``,`` tab ``|``; UTF-8 with or without BOM) or
            ``.xlsx`` (repeat groups on their own sheets).
        mapping: From :func:`~klaster.importing.load_mapping`.
        program: The program whose members, groups and clusters the rows name.
        observations: Its observations: the variable catalogue and the rounds held.
        known: Submission IDs already imported, or a function returning which of the IDs it
            is given were (``known=store.known_submissions``: asked once per chunk of rows).
            Their rows are skipped, unchecked, and counted in ``batch.skipped``.
        keep_valid: Set bad rows aside in ``batch.rejected`` (with every reason) instead of
            raising; write them with :func:`~klaster.importing.write_rejects`.
        max_rows: Refuse files with more data rows (default: the mapping's ``max_rows``).

    Returns:
        The checked batch.

    Raises:
        ImportDataError: The file cannot be read (missing, not CSV/XLSX, wrong delimiter,
            columns missing, over ``max_rows``) or, unless ``keep_valid``, any row is bad;
            ``problems`` lists every one as ``<file> row <n> column '<c>': <reason>``.
    """
    if not isinstance(mapping, ImportMapping):
        raise ImportDataError(
            f"mapping must be an ImportMapping (from load_mapping), got {type(mapping).__name__}"
        )
    if not isinstance(program, Program):
        raise ImportDataError(f"program must be a Program, got {type(program).__name__}")
    if not isinstance(observations, Observations):
        raise ImportDataError(
            f"observations must be an Observations, got {type(observations).__name__}"
        )
    if observations.program is not program and observations.program.id != program.id:
        raise ImportDataError(
            f"the observations are of program {observations.program.id!r}, not {program.id!r}"
        )
    if isinstance(known, str):
        raise ImportDataError("known must be a collection of submission IDs, not one string")
    limit = max_rows if max_rows is not None else mapping.max_rows
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ImportDataError(f"max_rows must be a whole number of at least 1, got {limit!r}")
    if not callable(known) and not isinstance(known, Iterable):
        raise ImportDataError(
            f"known must be a collection of submission IDs or a function, got "
            f"{type(known).__name__}"
        )
    held = Known(known)
    target = Path(path)
    # Reading allocates millions of small objects and no cycles: the collector only slows it.
    with gc_paused():
        if mapping.form is FormKind.REGISTRATION:
            return RegistrationReader(target, mapping, program, held, limit).read(keep_valid)
        return SurveyReader(target, mapping, program, observations, held, limit).read(keep_valid)
