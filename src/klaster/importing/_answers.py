"""A unit answered twice in one round of one file: refused, an edit, or the later one kept.

Kobo marks an edited submission with the ID of the one it replaces (``meta/deprecatedID``): the
edit replaces it, whatever the policy. Otherwise a second answer is refused, naming both
submissions, unless the import asks to keep the later one by ``_submission_time``
(``on_conflict="replace"``). The answer left out is not written, and is recorded as imported so
that importing the same file again changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from klaster.importing._problems import Problems

Entry = tuple[int, str, str | None, str | None]  # row number, submission, time, replaces


class Answers:
    """The units answered per round so far, and the rows left out."""

    def __init__(self, kind: str, unit_name: str, on_conflict: str) -> None:
        self.kind = kind
        self.unit_name = unit_name
        self.replace = on_conflict == "replace"
        self.seen: dict[str, dict[str, Entry]] = {}
        self.dropped: set[int] = set()
        self.superseded: list[str] = []
        # (winner row, loser row, loser submission, winner submission) of every answer left out
        self.kept_over: list[tuple[int, int, str, str]] = []

    def check(
        self,
        round_id: str,
        units: Sequence[str],
        entries: Sequence[Entry],
        report: Callable[[int, str], None],
    ) -> None:
        """Rows of one round (``units`` is ``""`` for a unit not found: never compared)."""
        seen = self.seen.setdefault(round_id, {})
        fresh = dict(zip(units, entries, strict=True))
        if len(fresh) == len(units) and seen.keys().isdisjoint(fresh):
            seen.update(fresh)
            return
        for index, (unit, new) in enumerate(zip(units, entries, strict=True)):
            if not unit:
                continue
            old = seen.setdefault(unit, new)
            if old is new:
                continue
            winner = self._winner(old, new)
            if winner is None:
                report(index, self._refusal(round_id, unit, old, new))
                continue
            loser = new if winner is old else old
            seen[unit] = winner
            self.dropped.add(loser[0])
            self.superseded.append(loser[1])
            self.kept_over.append((winner[0], loser[0], loser[1], winner[1]))

    def unsettle(self, problems: Problems) -> None:
        """Set aside every answer left out for one that was itself set aside (``keep_valid``).

        The answer left out would otherwise be recorded as imported without being written, and
        lost: both go to the rejects, to be fixed and imported again.
        """
        changed = True
        while changed:  # a chain (C kept over A kept over B) settles in a few passes
            changed = False
            for winner_row, loser_row, loser, winner in self.kept_over:
                if winner_row in problems.by_row and loser_row not in problems.by_row:
                    problems.add(
                        loser_row,
                        f"left out for submission {winner!r} (row {winner_row}), which was set "
                        "aside: fix that row and import both again",
                    )
                    self.superseded.remove(loser)
                    changed = True

    def _winner(self, old: Entry, new: Entry) -> Entry | None:
        if new[3] is not None and new[3] == old[1]:
            return new  # an edit of the first
        if old[3] is not None and old[3] == new[1]:
            return old
        if self.replace and old[2] is not None and new[2] is not None and old[2] != new[2]:
            return new if new[2] > old[2] else old
        return None

    def _refusal(self, round_id: str, unit: str, old: Entry, new: Entry) -> str:
        how = (
            "their _submission_time cannot order them (missing or equal)"
            if self.replace
            else "keep one, or import with on_conflict='replace' to keep the later one by "
            "_submission_time"
        )
        return (
            f"column {self.unit_name!r}: {self.kind} {unit!r} is answered twice in round "
            f"{round_id!r}: by submission {old[1]!r} (row {old[0]}) and by {new[1]!r}; {how}"
        )
