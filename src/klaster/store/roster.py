"""A roster added to the program a store holds: read, checked, saved whole, or nothing.

:func:`import_roster` reads the stored program in one snapshot, adds the roster to a copy
(:func:`klaster.importing.read_roster`: every check of the model, every problem located) and
saves the result in one transaction (:meth:`Store.save_program`). The program is saved whole, so
a write by another process since it was read would be lost: the store's counts are compared
first, and the roster refused if they changed.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from klaster.errors import StoreBusyError
from klaster.store.store import Store

if TYPE_CHECKING:  # the roster reader loads when a roster is imported, not with the store
    from klaster.importing.mapping import ImportMapping
    from klaster.importing.roster import RosterImport

__all__ = ["import_roster"]


def import_roster(
    store: Store,
    path: str | os.PathLike[str],
    mapping: ImportMapping,
    *,
    dry_run: bool = False,
) -> RosterImport:
    """Add a roster's members, groups and memberships to the stored program: all or nothing.

    Args:
        store: An open store (opened ``readonly`` for a dry run).
        path: The roster (CSV or XLSX).
        mapping: Its mapping, ``form = "roster"`` (:func:`~klaster.importing.load_mapping`).
        dry_run: Check everything and write nothing.

    Returns:
        What the roster added (``changed`` is ``False`` when the store held all of it: nothing
        was written).

    Raises:
        ImportDataError: A row is wrong (every problem located; nothing written).
        StoreBusyError: Another process wrote to the store while the roster was read; nothing
            was written: import it again.
    """
    from klaster.importing.roster import read_roster

    with store.snapshot():
        program = store.load_program()
        before = store.status()
    result = read_roster(path, mapping, program=program)
    if result.changed and not dry_run:
        if store.status() != before:
            raise StoreBusyError(
                f"{store.path} changed while the roster {result.source} was read (another "
                "import?); nothing was written: import the roster again"
            )
        store.save_program(result.program)
    return result
