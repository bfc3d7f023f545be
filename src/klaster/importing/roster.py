"""Reading a roster: a program's members, groups and memberships from a CSV or XLSX file.

A roster is what a program office keeps in a spreadsheet: one row per member, or one per
membership (a member in two groups has two rows, repeating the member's fields), with the
member's *kelompok*, its role and the day it joined. A mapping with ``form = "roster"`` says
which column is which field (:data:`~klaster.importing.mapping.ROSTER_FIELDS`), and
:func:`read_roster` adds the rows to a copy of the program through the model's own methods, so
every check the API makes runs (business types of the sector plugins, villages and sector
areas, a group's capacity). All or nothing: any problem raises one error listing every one,
located by row and column. The same roster again changes nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

from attrs import field, frozen

from klaster._support.gc import gc_paused
from klaster.documents.program import dumps, loads
from klaster.errors import ImportDataError
from klaster.importing._problems import Problems
from klaster.importing._roster_apply import RosterApply
from klaster.importing._roster_rows import read_rows
from klaster.importing.mapping import FormKind, ImportMapping
from klaster.model.program import Program

__all__ = ["RosterImport", "read_roster"]


@frozen
class RosterImport:
    """A roster added to a program: the new program and what changed.

    Attributes:
        source: The roster file's name.
        program: The program with the roster's members, groups and memberships (a new object:
            the program given to :func:`read_roster` is unchanged).
        rows: The roster's data rows.
        members_added: Members the program did not hold.
        groups_added: Groups the program did not hold.
        memberships_added: Membership spells the program did not hold.
    """

    source: str
    program: Program = field(eq=False, repr=False)
    rows: int
    members_added: int
    groups_added: int
    memberships_added: int

    @property
    def changed(self) -> bool:
        """Whether the roster added anything (``False``: the program held all of it)."""
        return bool(self.members_added or self.groups_added or self.memberships_added)


def read_roster(
    path: str | os.PathLike[str],
    mapping: ImportMapping,
    *,
    program: Program,
    max_rows: int | None = None,
) -> RosterImport:
    """Read a roster (CSV or XLSX) into a copy of ``program`` with its members and groups.

    Each member is built as a :class:`~klaster.model.member.Member` and added with
    :meth:`Cluster.add_member <klaster.model.cluster.Cluster.add_member>`; each new group as a
    :class:`~klaster.model.group.Group` (named ``group_name``, or its ID; of ``group_sector``,
    or its first member's sector; formed on ``group_formed``, or the first day one of its rows'
    members joins it) with ``add_group``; each membership with ``join_group`` (joined on
    ``group_joined``, or the later of the member's ``joined`` and the group's ``formed``).

    What the program holds already is compared, not changed: a member, group or membership
    held with the same values is left as it is (so reading the same roster into its result
    adds nothing), and one held with other values in a mapped column is a problem (change it
    through the API: ``Cluster.replace_member``, ``leave_group``).

    Args:
        path: The roster: CSV (any of ``;`` ``,`` tab ``|``; UTF-8) or XLSX.
        mapping: A mapping with ``form = "roster"`` (:func:`~klaster.importing.load_mapping`).
        program: The program the roster adds to (unchanged).
        max_rows: Refuse files with more data rows (default: the mapping's ``max_rows``).

    Returns:
        The new program and the counts of what was added.

    Raises:
        ImportDataError: The file cannot be read, or any row is wrong: ``problems`` lists every
            one as ``<file> row <n> column '<c>': <reason>``, naming IDs only (never a name,
            national ID or phone number). Nothing is added.
    """
    if not isinstance(mapping, ImportMapping):
        raise ImportDataError(
            f"mapping must be an ImportMapping (from load_mapping), got {type(mapping).__name__}"
        )
    if mapping.form is not FormKind.ROSTER:
        raise ImportDataError(
            f"{mapping.name}: a {mapping.form.value!r} mapping; read_roster reads a mapping with "
            "form = 'roster' (read_submissions reads the others)"
        )
    if not isinstance(program, Program):
        raise ImportDataError(f"program must be a Program, got {type(program).__name__}")
    limit = max_rows if max_rows is not None else mapping.max_rows
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ImportDataError(f"max_rows must be a whole number of at least 1, got {limit!r}")
    target = Path(path)
    found: list[Problems] = []
    with gc_paused():
        rows, columns = read_rows(target, mapping, program, limit, found)
        (problems,) = found
        copy = loads(dumps(program, indent=None), source=target.name)
        adding = RosterApply(copy, columns, problems)
        adding.add_members(rows)
        groups = adding.add_groups(rows)
        adding.add_spells(rows, groups)
    if problems:
        count = sum(map(len, problems.by_row.values()))
        raise ImportDataError(
            f"{problems.source}: {count} problem(s) in {len(problems.by_row)} row(s); nothing "
            "was added",
            problems=problems.located(),
        )
    return RosterImport(
        source=target.name,
        program=copy,
        rows=len(rows),
        members_added=adding.members_added,
        groups_added=adding.groups_added,
        memberships_added=adding.memberships_added,
    )
