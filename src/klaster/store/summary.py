"""What :meth:`Store.apply_import <klaster.store.Store.apply_import>` reports."""

from __future__ import annotations

from attrs import frozen

__all__ = ["ImportSummary"]


@frozen
class ImportSummary:
    """What one import wrote (counts only: no personal data).

    Attributes:
        source: The imported file's name.
        members_added: New members registered.
        rows_added: Observation rows written (one per submission and round).
        values_added: Observation values written, missing ones not counted.
        submissions_skipped: Submissions left out because the store already held them (by the
            reader, given :meth:`~klaster.store.Store.known_submissions`, or by the store),
            and, with ``on_conflict="replace"``, rows older than the answer stored.
        replaced: Answers (a unit in a round) replaced by an edited submission (Kobo's
            ``meta/deprecatedID``) or, with ``on_conflict="replace"``, by a later submission,
            stored before or earlier in the same file.
        activities_added: Activities written (new ones, and planned ones now held).
        visits_added: Mentoring visits logged.
        applicants_added: Applicants of a screening form added (with their answers).

    Example:
        >>> ImportSummary("survey.csv", 2, 2, 10, 0).values_added
        10
    """

    source: str
    members_added: int
    rows_added: int
    values_added: int
    submissions_skipped: int
    replaced: int = 0
    activities_added: int = 0
    visits_added: int = 0
    applicants_added: int = 0
