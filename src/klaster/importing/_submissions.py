"""Submission IDs: where a row's ID is found, how it is stored, and which were imported already."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable

from klaster.errors import ImportDataError
from klaster.importing._header import Header, column_index, header_has

__all__ = [
    "DEPRECATED_COLUMNS",
    "FROM_UNIT",
    "SUBMISSION_COLUMNS",
    "TIME_COLUMNS",
    "Known",
    "submission_column",
    "submission_id",
    "submission_time",
]

SUBMISSION_COLUMNS = ("_uuid", "meta/instanceID", "instanceID")
"""Where a submission's ID is looked for when the mapping names no column (then ``KEY``)."""
FROM_UNIT = "@unit"
"""The mapping's ``submission`` for files without IDs: a row's ID is its round and unit."""


def submission_id(text: str) -> str:
    """A submission ID as stored: trimmed, without ODK's ``uuid:`` prefix.

    Kobo's ``_uuid`` has no prefix, ODK's ``instanceID`` has: without it the Kobo and the ODK
    export of one submission agree.
    """
    text = text.strip()
    return text[5:] if text.startswith("uuid:") else text


class Known:
    """The submissions already imported: a collection of IDs, or a function asked per chunk.

    A function (``store.known_submissions``) is given each chunk's submission IDs and returns
    those it holds, so a caller need not know a file's IDs before reading it.
    """

    def __init__(self, known: Iterable[str] | Callable[[list[str]], Iterable[str]]) -> None:
        if callable(known):
            self._ask: Callable[[list[str]], Iterable[str]] | None = known
            self._held: frozenset[str] = frozenset()
        else:
            self._ask = None
            self._held = known if isinstance(known, frozenset) else frozenset(known)

    def among(self, ids: list[str]) -> frozenset[str]:
        """Which of ``ids`` were imported already."""
        if self._ask is not None:
            found = self._ask(ids)
            if isinstance(found, str) or not isinstance(found, Iterable):
                raise ImportDataError(
                    f"known({len(ids)} IDs) must return a collection of submission IDs, got "
                    f"{type(found).__name__}"
                )
            return frozenset(found)
        if self._held.isdisjoint(ids):
            return frozenset()
        return self._held.intersection(ids)


def submission_column(header: Header, missing: list[str], hint: str) -> int | None:
    """The default submission-ID column, or a problem in ``missing`` when there is none.

    The first of ``_uuid``, ``meta/instanceID``, ``instanceID`` and ODK Central's ``KEY``.
    """
    for name in (*SUBMISSION_COLUMNS, "KEY"):
        strict = name == "KEY"
        if header_has(header, name, strict=strict):
            return column_index(header, name, "submission", missing, strict=strict)
    missing.append(
        "no submission ID column ('_uuid', 'meta/instanceID' or 'KEY'); name it with "
        f"submission = '<column>' (or submission = '@unit' for a file without IDs: {hint})"
    )
    return None


TIME_COLUMNS = ("_submission_time", "SubmissionDate")
"""Where a submission's time is found (Kobo, ODK Central): it orders answers on conflict."""
DEPRECATED_COLUMNS = ("meta/deprecatedID", "deprecatedID")
"""Where Kobo names the submission an edited one replaces."""


def submission_time(text: str) -> str | None:
    """A submission time as UTC ISO text that sorts as it orders (``None`` when empty).

    A time without an offset is UTC (as Kobo writes ``_submission_time``).

    Raises:
        ValueError: Not an ISO 8601 date and time.
    """
    text = text.strip()
    if not text:
        return None
    if len(text) > 40:
        raise ValueError(text)
    found = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if found.tzinfo is not None:
        try:
            found = found.astimezone(_dt.UTC).replace(tzinfo=None)
        except OverflowError:  # 9999-12-31T23:00-05:00 is past the last datetime in UTC
            raise ValueError(text) from None
    # isoformat, not strftime: five times faster, once per row (and the year always 4 digits).
    return found.isoformat(timespec="microseconds") + "Z"
